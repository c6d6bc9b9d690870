/* The transport half of the scheduler (verify/scheduler_internal.h): connection slots - opened,
 * lost, reopened after a backoff or retired - and the attempts of tasks on them. A FAILURE
 * leaves a connection usable (bolt/net resets it); anything else means it is gone, and its slot
 * reopens before it takes another task. The rules and the slot states: scheduler.c. */
#include <stdio.h>
#include <string.h>

#include "bolt/error.h"
#include "scheduler_internal.h"
#include "verify/cli.h"

/* ---- the default transport: bolt/net.h ------------------------------------------------------ */

static int net_open(void *ctx, uv_loop_t *loop, const bolt_conn_config *cfg,
                    const bolt_conn_callbacks *cb, bolt_conn **out)
{
    (void)ctx;
    return bolt_conn_open(loop, cfg, cb, out);
}

static int net_run(void *ctx, bolt_conn *c, const char *cypher, const bolt_value *params,
                   const bolt_query_opts *opts, const bolt_query_callbacks *cb)
{
    (void)ctx;
    return bolt_conn_run(c, cypher, params, opts, cb);
}

static void net_close(void *ctx, bolt_conn *c)
{
    (void)ctx;
    bolt_conn_close(c);
}

static const bolt_conn_info *net_info(void *ctx, const bolt_conn *c)
{
    (void)ctx;
    return bolt_conn_get_info(c);
}

static const char *net_errmsg(void *ctx, const bolt_conn *c)
{
    (void)ctx;
    return bolt_conn_errmsg(c);
}

const bv_sched_transport sched_net_transport = {net_open, net_run,    net_close,
                                                net_info, net_errmsg, NULL};
/* ---- connections ---------------------------------------------------------------------------- */

static void on_ready(bolt_conn *c, int status, void *ud);
static void on_closed(bolt_conn *c, void *ud);

void sched_slot_open(slot *sl)
{
    inst *in = sl->in;
    bv_sched *s = in->s;
    bolt_conn_callbacks cb = {on_ready, on_closed, sl};
    sl->state = S_CONNECTING;
    sl->c = NULL;
    int r = s->tr.open(s->tr.ctx, s->loop, in->cfg, &cb, &sl->c);
    if (r < 0) {
        /* Bad arguments or no memory: no callback will come, and a retry would not help. */
        sl->state = S_RETIRED;
        sl->last_err = r;
        snprintf(sl->last_msg, sizeof sl->last_msg, "cannot open a connection: %s",
                 bolt_strerror(r));
        return;
    }
    s->open_conns++;
}

/* The slot lost (or never got) its connection: close it; on_closed decides what follows. */
static void slot_lost(slot *sl, int err, const char *msg)
{
    sl->last_err = err;
    snprintf(sl->last_msg, sizeof sl->last_msg, "%s", msg);
    sl->fails++;
    sl->retry = bv_sched_is_transient(err, NULL) && sl->fails <= sl->in->s->cfg.retries &&
                !sl->in->s->freeing;
    sl->state = S_CLOSING;
    if (sl->c) sl->in->s->tr.close(sl->in->s->tr.ctx, sl->c);
}

static void on_ready(bolt_conn *c, int status, void *ud)
{
    slot *sl = ud;
    inst *in = sl->in;
    bv_sched *s = in->s;
    if (sl->state != S_CONNECTING) return;
    if (status < 0) {
        const char *m = s->tr.errmsg(s->tr.ctx, c);
        slot_lost(sl, status, m && *m ? m : bolt_strerror(status));
        return;
    }
    sl->state = S_READY;
    sl->fails = 0;
    in->authenticated = 1;
    in->stats.connections++;
    if (!in->has_info) {
        const bolt_conn_info *i = s->tr.info(s->tr.ctx, c);
        if (i) {
            in->info = *i;
            in->info.routing_table = NULL; /* owned by the connection */
            in->has_info = 1;
        }
    }
    if (s->freeing) {
        slot_lost(sl, BOLT_E_CANCELED, "closing");
        return;
    }
    sched_dispatch(in);
}

static void on_closed(bolt_conn *c, void *ud)
{
    (void)c;
    slot *sl = ud;
    inst *in = sl->in;
    bv_sched *s = in->s;
    s->open_conns--;
    sl->c = NULL;
    if (s->freeing) {
        sl->state = S_RETIRED;
        return;
    }
    if (sl->retry) {
        sl->state = S_BACKOFF;
        sl->reopen_at = uv_now(s->loop) + sched_backoff_ms(s, sl->fails);
        if (in->authenticated) in->stats.reconnects++;
    } else {
        sl->state = S_RETIRED;
    }
    sched_dispatch(in);
}

/* ---- queries -------------------------------------------------------------------------------- */

static void attempt_failed(slot *sl, int err, const char *code, const char *message, int gone);

static void q_fields(bolt_conn *c, const bolt_value *fields, const bolt_value *meta, void *ud)
{
    (void)c;
    (void)meta;
    slot *sl = ud;
    task *t = sl->t;
    if (!t) return;
    for (size_t i = 0; i < t->column_count; i++) {
        t->map[i] = -1;
        for (uint32_t k = 0; fields && fields->type == BOLT_T_LIST && k < fields->len; k++)
            if (bolt_value_str_eq(&fields->u.items[k], t->columns[i])) {
                t->map[i] = (int)k;
                break;
            }
    }
}

static int q_record(bolt_conn *c, const bolt_value *rec, void *ud)
{
    (void)c;
    slot *sl = ud;
    task *t = sl->t;
    if (!t) return 0;
    sl->in->stats.records++;
    if (t->handler_err || !t->h->record) return 0;
    bv_row row = {rec, t->map, t->column_count, t->errbuf, sizeof t->errbuf};
    int r = t->h->record(t->ud, &row);
    if (r < 0) {
        t->handler_err = r;
        if (!t->errbuf[0])
            snprintf(t->errbuf, sizeof t->errbuf, "unexpected record: %s", bolt_strerror(r));
    }
    return 0;
}

static void slot_idle(slot *sl)
{
    sl->t = NULL;
    sl->state = S_READY;
    sl->in->running--;
}

static void q_summary(bolt_conn *c, const bolt_value *meta, void *ud)
{
    (void)c;
    slot *sl = ud;
    task *t = sl->t;
    inst *in = sl->in;
    if (!t) return;
    slot_idle(sl);
    if (t->handler_err) {
        sched_task_end(t, t->handler_err, BV_EXIT_SERVER, "", "%s", t->errbuf);
    } else {
        if (t->h->summary) t->h->summary(t->ud, meta);
        sched_task_end(t, 0, 0, NULL, NULL);
    }
    sched_dispatch(in);
}

static void q_failure(bolt_conn *c, const bolt_conn_failure *f, void *ud)
{
    (void)c;
    slot *sl = ud;
    if (!sl->t) return;
    /* A FAILURE (or IGNORED) leaves the connection usable: bolt/net resets it. Anything else
     * means it is gone. */
    int gone = f->err != BOLT_E_SERVER_FAILURE && f->err != BOLT_E_IGNORED;
    attempt_failed(sl, f->err, f->code, f->message, gone);
}

static void attempt_failed(slot *sl, int err, const char *code, const char *message, int gone)
{
    inst *in = sl->in;
    bv_sched *s = in->s;
    task *t = sl->t;
    slot_idle(sl);
    if (gone) slot_lost(sl, err, message);
    if (s->freeing) {
        sched_task_end(t, BOLT_E_CANCELED, 0, "", "canceled");
        return;
    }
    if (bv_sched_is_transient(err, code) && t->attempts <= s->cfg.retries) {
        /* Re-run the whole task later; begin() drops what this attempt gathered. */
        t->ready_at = uv_now(s->loop) + sched_backoff_ms(s, t->attempts);
        t->next = in->waiting;
        in->waiting = t;
        in->nwaiting++;
    } else if (code && *code) {
        sched_task_end(t, err, sched_exit_class(err), code, "%s: %s", code, message);
    } else {
        sched_task_end(t, err, sched_exit_class(err), "", "%s", message);
    }
    sched_dispatch(in);
}

void sched_task_start(slot *sl, task *t)
{
    inst *in = sl->in;
    bv_sched *s = in->s;
    sl->state = S_BUSY;
    sl->t = t;
    in->running++;
    if (in->running > in->stats.max_parallel) in->stats.max_parallel = (unsigned)in->running;
    t->attempts++;
    if (t->attempts > 1) in->stats.retries++;
    t->handler_err = 0;
    t->errbuf[0] = '\0';
    for (size_t i = 0; i < t->column_count; i++)
        t->map[i] = -1;
    if (t->h->begin) t->h->begin(t->ud);
    bolt_query_callbacks cb = {q_fields, q_record, q_summary, q_failure, sl, NULL};
    bolt_query_opts o = {t->db ? t->db : in->db, "r", (int64_t)s->cfg.query_timeout_ms,
                         s->cfg.fetch_size};
    int r = s->tr.run(s->tr.ctx, sl->c, t->cypher, t->has_params ? &t->params : NULL, &o, &cb);
    if (r < 0) {
        /* Not sent: DEFUNCT / CLOSED mean the connection is gone (retry elsewhere). */
        int gone = r == BOLT_E_DEFUNCT || r == BOLT_E_CLOSED;
        attempt_failed(sl, r, "", bolt_strerror(r), gone);
    }
}
