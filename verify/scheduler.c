/* The measuring scheduler (verify/scheduler.h): K connections per instance on one loop, a task
 * queue per instance, retries with backoff that never count a row twice.
 *
 * States of a connection slot:
 *
 *   NONE ──open──► CONNECTING ──ready──► READY ◄──► BUSY (one task at a time)
 *                      │                   │          │ dropped / gone
 *                      └──failed──► CLOSING ◄─────────┘
 *                                     │ on_closed
 *                  BACKOFF ◄──────────┤ (a transient error, budget left)
 *                     │ timer         └──► RETIRED (permanent error, or budget spent)
 *                     └──► CONNECTING
 *
 * One task runs per connection: bolt/net runs queries one after another anyway, and a single
 * task per connection keeps the retry rule simple (a drop fails exactly one task).
 *
 * bv_sched_run() turns the loop with UV_RUN_ONCE while any task is queued, waiting for its
 * backoff or running: idle connections keep their sockets (and the loop's handles) for the next
 * phase, so UV_RUN_DEFAULT would never return. The invariant that makes UV_RUN_ONCE safe: while
 * a task is pending, something that produces an event exists (a running query, a connection
 * being opened, or the instance timer); when nothing can (no slot alive), the instance fails
 * and its tasks end at once (sched_dispatch()).
 *
 * This file holds the task side (queues, backoff timer, dispatch, the public API);
 * scheduler_conn.c the connection side (slots and query attempts). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bolt/alloc.h"
#include "bolt/error.h"
#include "scheduler_internal.h"
#include "verify/cli.h"

/* ---- helpers -------------------------------------------------------------------------------- */

static char *dup0(const char *s)
{
    return s ? bolt_strndup(s, strlen(s)) : NULL;
}

int bv_sched_is_transient(int err, const char *code)
{
    if (code && !strncmp(code, "Neo.TransientError.", 19)) return 1;
    /* An expired token: a new connection logs in again (the drivers retry it too). */
    if (code && !strcmp(code, "Neo.ClientError.Security.AuthorizationExpired")) return 1;
    switch (err) {
    case BOLT_E_CLOSED:  /* the peer dropped the connection */
    case BOLT_E_TIMEOUT: /* connect or receive timeout */
    case BOLT_E_DEFUNCT:
    case BOLT_E_CONNECT: /* refused / unreachable: a server restarting */
    case BOLT_E_IO:
        return 1;
    default:
        return 0;
    }
}

int sched_exit_class(int err)
{
    return bolt_err_is_connection(err) ? BV_EXIT_CONNECT : BV_EXIT_SERVER;
}

uint64_t sched_backoff_ms(const bv_sched *s, unsigned n)
{
    uint64_t d = s->cfg.backoff_ms ? s->cfg.backoff_ms : BV_SCHED_BACKOFF_MS;
    uint64_t cap = s->cfg.backoff_max_ms ? s->cfg.backoff_max_ms : BV_SCHED_BACKOFF_MAX_MS;
    for (unsigned i = 1; i < n && d < cap; i++)
        d *= 2;
    return d < cap ? d : cap;
}

static void task_free(task *t)
{
    if (!t) return;
    bolt_free(t->cypher);
    bolt_free(t->db);
    bolt_free(t->what);
    bolt_free(t->map);
    bolt_arena_free(&t->arena);
    bolt_free(t);
}

static void progress(bv_sched *s)
{
    if (s->cfg.progress) s->cfg.progress(s->cfg.progress_ud, s->ended, s->total);
}

void sched_task_end(task *t, int status, int exit_class, const char *code, const char *fmt, ...)
{
    inst *in = t->in;
    bv_sched *s = in->s;
    if (status == 0) {
        in->stats.tasks_ok++;
        s->ended++;
        progress(s);
        t->h->done(t->ud, 0, NULL);
    } else {
        char reason[700], msg[1000];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(reason, sizeof reason, fmt, ap);
        va_end(ap);
        if (t->attempts > 1)
            snprintf(msg, sizeof msg, "%s: %s: %s (after %u attempts)", in->name, t->what, reason,
                     t->attempts);
        else
            snprintf(msg, sizeof msg, "%s: %s: %s", in->name, t->what, reason);
        for (char *p = msg; *p; p++)
            if (*p == '\n' || *p == '\r') *p = ' ';
        if (status == BOLT_E_CANCELED)
            in->stats.tasks_canceled++;
        else
            in->stats.tasks_failed++;
        s->ended++;
        progress(s);
        bv_task_error e = {status, exit_class, t->attempts, code ? code : "", msg};
        t->h->done(t->ud, status, &e);
    }
    task_free(t);
}

static void push_front(inst *in, task *t)
{
    t->next = in->q_head;
    in->q_head = t;
    if (!in->q_tail) in->q_tail = t;
    in->queued++;
}

static void push_back(inst *in, task *t)
{
    t->next = NULL;
    if (in->q_tail)
        in->q_tail->next = t;
    else
        in->q_head = t;
    in->q_tail = t;
    in->queued++;
}

static task *pop_front(inst *in)
{
    task *t = in->q_head;
    if (!t) return NULL;
    in->q_head = t->next;
    if (!in->q_head) in->q_tail = NULL;
    t->next = NULL;
    in->queued--;
    return t;
}

static void instance_fail(inst *in, int err, const char *msg)
{
    if (in->failed) return;
    in->failed = 1;
    in->err_msg = dup0(msg);
    in->err.err = err;
    in->err.exit_class = sched_exit_class(err);
    in->err.code = "";
    in->err.message = in->err_msg ? in->err_msg : "the instance failed (out of memory)";
    task *t;
    while ((t = pop_front(in)))
        sched_task_end(t, err, in->err.exit_class, "", "not run: %s", msg);
    while ((t = in->waiting)) {
        in->waiting = t->next;
        in->nwaiting--;
        sched_task_end(t, err, in->err.exit_class, "", "not retried: %s", msg);
    }
}

/* ---- timer: backoffs of tasks and of reconnects ------------------------------------------- */

static void on_timer(uv_timer_t *h)
{
    inst *in = h->data;
    uint64_t now = uv_now(in->s->loop);
    /* Tasks whose backoff is over go back to the FRONT, oldest first: they were next. */
    task **pp = &in->waiting, *ready = NULL, **rt = &ready;
    while (*pp) {
        task *t = *pp;
        if (t->ready_at <= now) {
            *pp = t->next;
            in->nwaiting--;
            t->next = NULL;
            *rt = t;
            rt = &t->next;
        } else {
            pp = &t->next;
        }
    }
    /* push the ready ones in front, keeping their order */
    task *rev = NULL;
    while (ready) {
        task *n = ready->next;
        ready->next = rev;
        rev = ready;
        ready = n;
    }
    while (rev) {
        task *n = rev->next;
        push_front(in, rev);
        rev = n;
    }
    sched_dispatch(in);
}

static void schedule_timer(inst *in)
{
    if (in->timer_closed) return;
    uint64_t now = uv_now(in->s->loop), when = UINT64_MAX;
    for (task *t = in->waiting; t; t = t->next)
        if (t->ready_at < when) when = t->ready_at;
    /* A connection in backoff is reopened only for queued tasks (sched_dispatch()): waking up for
     * it otherwise would re-arm a due timer from its own callback, which libuv runs again at once,
     * forever, without ever polling for I/O. */
    if (in->queued)
        for (unsigned i = 0; i < in->parallel; i++)
            if (in->slots[i].state == S_BACKOFF && in->slots[i].reopen_at < when)
                when = in->slots[i].reopen_at;
    if (when == UINT64_MAX) {
        uv_timer_stop(&in->timer);
        return;
    }
    uv_timer_start(&in->timer, on_timer, when > now ? when - now : 0, 0);
}

/* ---- dispatch ------------------------------------------------------------------------------- */

void sched_dispatch(inst *in)
{
    bv_sched *s = in->s;
    if (in->failed || s->freeing) return;
    for (unsigned i = 0; i < in->parallel && in->queued; i++)
        if (in->slots[i].state == S_READY) sched_task_start(&in->slots[i], pop_front(in));
    if (in->failed) return; /* a start may have failed the instance */
    if (in->queued) {
        uint64_t now = uv_now(s->loop);
        size_t connecting = 0;
        for (unsigned i = 0; i < in->parallel; i++)
            if (in->slots[i].state == S_CONNECTING) connecting++;
        for (unsigned i = 0; i < in->parallel; i++) {
            slot *sl = &in->slots[i];
            if (sl->state == S_BACKOFF && sl->reopen_at <= now) {
                sched_slot_open(sl);
                if (sl->state == S_CONNECTING) connecting++;
            }
        }
        if (in->authenticated) {
            /* More connections only while tasks wait for one. */
            for (unsigned i = 0; i < in->parallel && in->queued > connecting; i++) {
                slot *sl = &in->slots[i];
                if (sl->state != S_NONE) continue;
                sched_slot_open(sl);
                if (sl->state == S_CONNECTING) connecting++;
            }
        } else {
            /* Until one login succeeded, one attempt at a time: a wrong password must cost
             * one failed login, not K (Neo4j locks users after a few). */
            int pending = 0;
            for (unsigned i = 0; i < in->parallel; i++)
                if (in->slots[i].state == S_CONNECTING || in->slots[i].state == S_CLOSING ||
                    in->slots[i].state == S_BACKOFF)
                    pending = 1;
            if (!pending && in->slots[0].state == S_NONE) sched_slot_open(&in->slots[0]);
        }
    }
    if (in->queued || in->nwaiting) {
        size_t alive = 0;
        const slot *last = NULL;
        for (unsigned i = 0; i < in->parallel; i++) {
            int st = in->slots[i].state;
            if (st == S_CONNECTING || st == S_READY || st == S_BUSY || st == S_CLOSING ||
                st == S_BACKOFF)
                alive++;
            if (st == S_RETIRED) last = &in->slots[i];
        }
        if (!alive) {
            char msg[600];
            int err = last ? last->last_err : BOLT_E_CONNECT;
            snprintf(msg, sizeof msg, "%s", last ? last->last_msg : "no connection");
            instance_fail(in, err, msg);
            return;
        }
    }
    schedule_timer(in);
}

/* ---- public API ----------------------------------------------------------------------------- */

int bv_sched_new(uv_loop_t *loop, const bv_sched_config *cfg, bv_sched **out)
{
    if (!loop || !cfg || !out) return BOLT_E_INVAL;
    bv_sched *s = bolt_calloc(1, sizeof *s);
    if (!s) return BOLT_E_NOMEM;
    s->loop = loop;
    s->cfg = *cfg;
    s->tr = cfg->transport ? *cfg->transport : sched_net_transport;
    *out = s;
    return 0;
}

int bv_sched_add_instance(bv_sched *s, const bv_sched_instance_config *ic)
{
    if (!s || !ic || !ic->conn || !ic->parallel) return BOLT_E_INVAL;
    inst **v = bolt_realloc(s->insts, (s->count + 1) * sizeof *v);
    if (!v) return BOLT_E_NOMEM;
    s->insts = v;
    inst *in = bolt_calloc(1, sizeof *in);
    if (!in) return BOLT_E_NOMEM;
    in->slots = bolt_calloc(ic->parallel, sizeof *in->slots);
    in->name = dup0(ic->name ? ic->name : "instance");
    in->db = dup0(ic->db);
    if (!in->slots || !in->name || (ic->db && !in->db)) {
        bolt_free(in->slots);
        bolt_free(in->name);
        bolt_free(in->db);
        bolt_free(in);
        return BOLT_E_NOMEM;
    }
    in->s = s;
    in->index = s->count;
    in->cfg = ic->conn;
    in->parallel = ic->parallel;
    for (unsigned i = 0; i < ic->parallel; i++)
        in->slots[i].in = in;
    uv_timer_init(s->loop, &in->timer);
    in->timer.data = in;
    s->insts[s->count++] = in;
    return (int)in->index;
}

int bv_sched_set_db(bv_sched *s, size_t i, const char *db)
{
    if (!s || i >= s->count) return BOLT_E_INVAL;
    char *d = NULL;
    if (db && !(d = dup0(db))) return BOLT_E_NOMEM;
    bolt_free(s->insts[i]->db);
    s->insts[i]->db = d;
    return 0;
}

int bv_sched_submit(bv_sched *s, size_t i, const bv_task_spec *spec)
{
    if (!s || i >= s->count || !spec || !spec->cypher || !spec->handler || !spec->handler->done ||
        (spec->column_count && !spec->columns) ||
        (spec->params && spec->params->type != BOLT_T_MAP))
        return BOLT_E_INVAL;
    inst *in = s->insts[i];
    if (in->failed) return in->err.err < 0 ? in->err.err : BOLT_E_CONNECT;
    if (s->freeing) return BOLT_E_CANCELED;
    task *t = bolt_calloc(1, sizeof *t);
    if (!t) return BOLT_E_NOMEM;
    t->in = in;
    t->cypher = dup0(spec->cypher);
    t->db = dup0(spec->db);
    t->what = dup0(spec->what ? spec->what : "query");
    t->columns = spec->columns;
    t->column_count = spec->column_count;
    t->map = bolt_calloc(spec->column_count ? spec->column_count : 1, sizeof *t->map);
    t->group = spec->group;
    t->h = spec->handler;
    t->ud = spec->ud;
    int rc = (!t->cypher || !t->what || !t->map || (spec->db && !t->db)) ? BOLT_E_NOMEM : 0;
    if (rc == 0 && spec->params) {
        bolt_arena_init(&t->arena, 256, 0);
        t->has_params = 1;
        rc = bolt_value_clone(&t->arena, spec->params, &t->params);
    }
    if (rc) {
        task_free(t);
        return rc;
    }
    push_back(in, t);
    s->total++;
    /* Started from the loop, never from here: a done() that ran inside submit would surprise
     * every caller that updates its own bookkeeping after a successful submit. */
    if (!in->timer_closed) uv_timer_start(&in->timer, on_timer, 0, 0);
    return 0;
}

void bv_sched_cancel(bv_sched *s, size_t i, unsigned group)
{
    if (!s || i >= s->count) return;
    inst *in = s->insts[i];
    /* Detach the matching tasks first: done() may submit or cancel again. */
    task *hit = NULL, **tail = &hit;
    for (task **pp = &in->q_head; *pp;) {
        task *t = *pp;
        if (t->group == group) {
            *pp = t->next;
            in->queued--;
            t->next = NULL;
            *tail = t;
            tail = &t->next;
        } else {
            pp = &t->next;
        }
    }
    in->q_tail = NULL;
    for (task *t = in->q_head; t; t = t->next)
        in->q_tail = t;
    for (task **pp = &in->waiting; *pp;) {
        task *t = *pp;
        if (t->group == group) {
            *pp = t->next;
            in->nwaiting--;
            t->next = NULL;
            *tail = t;
            tail = &t->next;
        } else {
            pp = &t->next;
        }
    }
    while (hit) {
        task *n = hit->next;
        sched_task_end(hit, BOLT_E_CANCELED, 0, "", "canceled");
        hit = n;
    }
    schedule_timer(in);
}

static int busy(const bv_sched *s)
{
    for (size_t i = 0; i < s->count; i++) {
        const inst *in = s->insts[i];
        if (in->queued || in->running || in->nwaiting) return 1;
    }
    return 0;
}

int bv_sched_run(bv_sched *s)
{
    if (!s) return BOLT_E_INVAL;
    for (size_t i = 0; i < s->count; i++)
        sched_dispatch(s->insts[i]);
    while (busy(s))
        uv_run(s->loop, UV_RUN_ONCE);
    return 0;
}

const bv_task_error *bv_sched_instance_error(const bv_sched *s, size_t i)
{
    if (!s || i >= s->count || !s->insts[i]->failed) return NULL;
    return &s->insts[i]->err;
}

const bolt_conn_info *bv_sched_conn_info(const bv_sched *s, size_t i)
{
    if (!s || i >= s->count || !s->insts[i]->has_info) return NULL;
    return &s->insts[i]->info;
}

void bv_sched_get_stats(const bv_sched *s, size_t i, bv_sched_stats *out)
{
    memset(out, 0, sizeof *out);
    if (s && i < s->count) *out = s->insts[i]->stats;
}

static void timer_closed(uv_handle_t *h)
{
    inst *in = h->data;
    in->s->closing_timers--;
}

void bv_sched_free(bv_sched *s)
{
    if (!s) return;
    s->freeing = 1;
    for (size_t i = 0; i < s->count; i++) {
        inst *in = s->insts[i];
        task *t;
        while ((t = pop_front(in)))
            sched_task_end(t, BOLT_E_CANCELED, 0, "", "canceled");
        while ((t = in->waiting)) {
            in->waiting = t->next;
            in->nwaiting--;
            sched_task_end(t, BOLT_E_CANCELED, 0, "", "canceled");
        }
        for (unsigned k = 0; k < in->parallel; k++) {
            slot *sl = &in->slots[k];
            if (sl->c && sl->state != S_CLOSING) {
                sl->state = S_CLOSING;
                sl->retry = 0;
                s->tr.close(s->tr.ctx, sl->c);
            }
        }
        uv_timer_stop(&in->timer);
        in->timer_closed = 1;
        s->closing_timers++;
        uv_close((uv_handle_t *)&in->timer, timer_closed);
    }
    /* Running queries end with on_failure(CANCELED) from the close; GOODBYE goes out. */
    while (s->open_conns || s->closing_timers)
        uv_run(s->loop, UV_RUN_ONCE);
    for (size_t i = 0; i < s->count; i++) {
        inst *in = s->insts[i];
        bolt_free(in->slots);
        bolt_free(in->name);
        bolt_free(in->db);
        bolt_free(in->err_msg);
        bolt_free(in);
    }
    bolt_free(s->insts);
    bolt_free(s);
}
