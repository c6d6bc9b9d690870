/* Tests of verify/scheduler.c over a scripted fake transport (same contract as bolt/net.h,
 * callbacks always from the loop): a retried task never counts twice (a drop in the middle of a
 * result, a Neo.TransientError), the retry budget and the exit classes, permanent errors are not
 * retried, the first login is tried once (not K times), refused connections are retried and
 * then fail the instance, K connections at most and only as many as needed, columns by name, a
 * handler that refuses a row, cancel, several instances on one loop, and allocation failures.
 * Backoffs are 1 ms: no test depends on time. */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bolt/alloc.h"
#include "bolt/error.h"
#include "failalloc.h"
#include "verify/cli.h"
#include "verify/scheduler.h"

/* ---- the fake transport ------------------------------------------------------------------- */

/* Queries are "rows:N" (N records [i, "x"] with fields ["n", "s"]) or "fail:CODE". */
typedef struct world {
    unsigned opens;     /* connections opened */
    unsigned open_fail; /* the first open_fail opens fail ... */
    int open_err;       /* ... with this (BOLT_E_CONNECT, BOLT_E_AUTH) */
    unsigned runs;      /* queries run, over all connections */
    unsigned drop_run;  /* this run (1-based) drops after drop_after records */
    unsigned drop_after;
    int drop_every;         /* every run drops after drop_after records */
    unsigned transient_run; /* this run fails with a TransientError */
    unsigned live;          /* connections not yet closed */
    unsigned max_live;
    bolt_conn_info info;
} world;

typedef struct fconn {
    world *w;
    uv_timer_t timer;
    bolt_conn_callbacks cb;
    int state; /* 0 connecting, 1 ready, 2 dead, 3 closing */
    int open_status;
    char *query;
    bolt_query_callbacks qcb;
    unsigned run_no;
} fconn;

static void fc_closed(uv_handle_t *h)
{
    fconn *c = h->data;
    c->w->live--;
    if (c->cb.on_closed) c->cb.on_closed((bolt_conn *)c, c->cb.ud);
    free(c->query);
    free(c);
}

static void fc_fire(uv_timer_t *t)
{
    fconn *c = t->data;
    if (c->state == 3) {
        uv_close((uv_handle_t *)&c->timer, fc_closed);
        return;
    }
    if (c->state == 0) {
        c->state = c->open_status ? 2 : 1;
        c->cb.on_ready((bolt_conn *)c, c->open_status, c->cb.ud);
        return;
    }
    if (!c->query) return;
    char *q = c->query;
    c->query = NULL;
    bolt_query_callbacks cb = c->qcb;
    world *w = c->w;
    if (!strncmp(q, "fail:", 5)) {
        bolt_conn_failure f = {BOLT_E_SERVER_FAILURE, q + 5, "scripted failure", ""};
        cb.on_failure((bolt_conn *)c, &f, cb.ud);
        free(q);
        return;
    }
    if (c->run_no == w->transient_run) {
        bolt_conn_failure f = {BOLT_E_SERVER_FAILURE,
                               "Neo.TransientError.General.DatabaseUnavailable", "not available",
                               ""};
        cb.on_failure((bolt_conn *)c, &f, cb.ud);
        free(q);
        return;
    }
    long n = strtol(q + 5, NULL, 10);
    free(q);
    bolt_value names[2] = {bolt_string("n"), bolt_string("s")};
    bolt_value fields = bolt_list(names, 2);
    if (cb.on_fields) cb.on_fields((bolt_conn *)c, &fields, NULL, cb.ud);
    for (long i = 0; i < n; i++) {
        if ((c->run_no == w->drop_run || w->drop_every) && (unsigned long)i == w->drop_after) {
            c->state = 2;
            bolt_conn_failure f = {BOLT_E_CLOSED, "", "closed in the middle of a result", ""};
            cb.on_failure((bolt_conn *)c, &f, cb.ud);
            return;
        }
        bolt_value v[2] = {bolt_int(i), bolt_string("x")};
        bolt_value rec = bolt_list(v, 2);
        cb.on_record((bolt_conn *)c, &rec, cb.ud);
    }
    bolt_value meta = bolt_map(NULL, 0);
    cb.on_summary((bolt_conn *)c, &meta, cb.ud);
}

static int f_open(void *ctx, uv_loop_t *loop, const bolt_conn_config *cfg,
                  const bolt_conn_callbacks *cb, bolt_conn **out)
{
    (void)cfg;
    world *w = ctx;
    fconn *c = calloc(1, sizeof *c);
    if (!c) return BOLT_E_NOMEM;
    c->w = w;
    c->cb = *cb;
    w->opens++;
    c->open_status = w->opens <= w->open_fail ? w->open_err : 0;
    uv_timer_init(loop, &c->timer);
    c->timer.data = c;
    uv_timer_start(&c->timer, fc_fire, 0, 0);
    if (++w->live > w->max_live) w->max_live = w->live;
    *out = (bolt_conn *)c;
    return 0;
}

static int f_run(void *ctx, bolt_conn *bc, const char *cypher, const bolt_value *params,
                 const bolt_query_opts *opts, const bolt_query_callbacks *cb)
{
    (void)params;
    world *w = ctx;
    fconn *c = (fconn *)bc;
    CU_ASSERT_STRING_EQUAL(opts->mode, "r"); /* reads only, always */
    if (c->state != 1) return BOLT_E_DEFUNCT;
    CU_ASSERT_PTR_NULL(c->query); /* one query at a time per connection */
    c->query = strdup(cypher);
    c->qcb = *cb;
    c->run_no = ++w->runs;
    uv_timer_start(&c->timer, fc_fire, 0, 0);
    return 0;
}

static void f_close(void *ctx, bolt_conn *bc)
{
    (void)ctx;
    fconn *c = (fconn *)bc;
    if (c->state == 3) return;
    int was = c->state;
    c->state = 3;
    if (c->query) { /* queued queries end with CANCELED, as bolt/net does */
        free(c->query);
        c->query = NULL;
        bolt_conn_failure f = {BOLT_E_CANCELED, "", "closed", ""};
        c->qcb.on_failure(bc, &f, c->qcb.ud);
    }
    if (was == 0) { /* closing before ready: the owner learns it through on_ready */
        c->cb.on_ready(bc, BOLT_E_CANCELED, c->cb.ud);
    }
    uv_timer_start(&c->timer, fc_fire, 0, 0);
}

static const bolt_conn_info *f_info(void *ctx, const bolt_conn *c)
{
    (void)c;
    world *w = ctx;
    snprintf(w->info.server_agent, sizeof w->info.server_agent, "Neo4j/5.26.0");
    w->info.major = 5;
    w->info.minor = 8;
    return &w->info;
}

static const char *f_errmsg(void *ctx, const bolt_conn *c)
{
    (void)ctx;
    return ((const fconn *)c)->open_status == BOLT_E_AUTH ? "authentication failed on fake:1"
                                                          : "cannot connect to fake:1";
}

/* ---- a summing task ---------------------------------------------------------------------- */

typedef struct sum {
    long partial; /* this attempt */
    long merged;  /* what was merged on success */
    int done_calls;
    int status;
    int exit_class;
    unsigned attempts;
    char msg[600];
    int begins;
    int refuse_at; /* record handler fails at this value (-1: never) */
    const bv_sched *s;
    int in_submit;
} sum;

static int g_in_submit;

static void s_begin(void *ud)
{
    sum *t = ud;
    t->partial = 0;
    t->begins++;
}

static int s_record(void *ud, const bv_row *row)
{
    sum *t = ud;
    const bolt_value *n = bv_row_get(row, 0);
    if (!n || n->type != BOLT_T_INT) return BOLT_E_UNEXPECTED;
    if (n->u.i == t->refuse_at) {
        snprintf(row->err, row->errlen, "value %d refused", t->refuse_at);
        return BOLT_E_UNEXPECTED;
    }
    t->partial += n->u.i;
    return 0;
}

static void s_done(void *ud, int status, const bv_task_error *e)
{
    sum *t = ud;
    CU_ASSERT_FALSE(g_in_submit); /* never from inside bv_sched_submit() */
    t->done_calls++;
    t->status = status;
    if (status == 0) {
        CU_ASSERT_PTR_NULL(e);
        t->merged += t->partial;
    } else {
        CU_ASSERT_PTR_NOT_NULL_FATAL(e);
        t->exit_class = e->exit_class;
        t->attempts = e->attempts;
        snprintf(t->msg, sizeof t->msg, "%s", e->message);
    }
}

static const bv_task_handler sum_handler = {s_begin, s_record, NULL, s_done};
static const char *const sum_cols[] = {"n"};

typedef struct rig {
    uv_loop_t loop;
    world w;
    bv_sched_transport tr;
    bv_sched *s;
    bolt_conn_config cfg;
} rig;

static void rig_init(rig *r, unsigned retries)
{
    memset(r, 0, sizeof *r);
    uv_loop_init(&r->loop);
    r->tr = (bv_sched_transport){f_open, f_run, f_close, f_info, f_errmsg, &r->w};
    bv_sched_config c;
    memset(&c, 0, sizeof c);
    c.retries = retries;
    c.backoff_ms = 1;
    c.backoff_max_ms = 4;
    c.transport = &r->tr;
    CU_ASSERT_EQUAL_FATAL(bv_sched_new(&r->loop, &c, &r->s), 0);
}

static int rig_add(rig *r, unsigned k)
{
    bv_sched_instance_config ic = {&r->cfg, "fake:1", NULL, k};
    return bv_sched_add_instance(r->s, &ic);
}

static int submit(rig *r, int inst, const char *q, sum *t)
{
    t->refuse_at = t->refuse_at ? t->refuse_at : -1;
    bv_task_spec spec = {q, NULL, NULL, sum_cols, 1, "sum", 1u, &sum_handler, t};
    g_in_submit = 1;
    int rc = bv_sched_submit(r->s, (size_t)inst, &spec);
    g_in_submit = 0;
    return rc;
}

static void rig_free(rig *r)
{
    bv_sched_free(r->s);
    uv_run(&r->loop, UV_RUN_DEFAULT);
    CU_ASSERT_EQUAL(r->w.live, 0); /* every connection was closed */
    CU_ASSERT_EQUAL(uv_loop_close(&r->loop), 0);
}

/* ---- tests -------------------------------------------------------------------------------- */

static void test_plain_run(void)
{
    rig r;
    rig_init(&r, 3);
    int i = rig_add(&r, 2);
    CU_ASSERT_EQUAL(i, 0);
    sum a = {0}, b = {0};
    CU_ASSERT_EQUAL(submit(&r, i, "rows:10", &a), 0);
    CU_ASSERT_EQUAL(submit(&r, i, "rows:5", &b), 0);
    CU_ASSERT_EQUAL(a.done_calls, 0); /* nothing runs before the loop does */
    CU_ASSERT_EQUAL(bv_sched_run(r.s), 0);
    CU_ASSERT_EQUAL(a.done_calls, 1);
    CU_ASSERT_EQUAL(a.merged, 45);
    CU_ASSERT_EQUAL(b.merged, 10);
    CU_ASSERT_PTR_NULL(bv_sched_instance_error(r.s, 0));
    const bolt_conn_info *ci = bv_sched_conn_info(r.s, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ci);
    CU_ASSERT_STRING_EQUAL(ci->server_agent, "Neo4j/5.26.0");
    bv_sched_stats st;
    bv_sched_get_stats(r.s, 0, &st);
    CU_ASSERT_EQUAL(st.tasks_ok, 2);
    CU_ASSERT_EQUAL(st.retries, 0);
    CU_ASSERT_EQUAL(st.records, 15);
    rig_free(&r);
}

static void test_drop_is_retried_without_double_counting(void)
{
    rig r;
    rig_init(&r, 3);
    int i = rig_add(&r, 1);
    r.w.drop_run = 1; /* the first query drops after 4 of its 10 rows */
    r.w.drop_after = 4;
    sum a = {0};
    CU_ASSERT_EQUAL(submit(&r, i, "rows:10", &a), 0);
    CU_ASSERT_EQUAL(bv_sched_run(r.s), 0);
    CU_ASSERT_EQUAL(a.status, 0);
    CU_ASSERT_EQUAL(a.done_calls, 1);
    CU_ASSERT_EQUAL(a.merged, 45); /* 0+1+2+3 of the dropped attempt are not in it */
    CU_ASSERT_EQUAL(a.begins, 2);
    bv_sched_stats st;
    bv_sched_get_stats(r.s, 0, &st);
    CU_ASSERT_EQUAL(st.retries, 1);
    CU_ASSERT_EQUAL(st.records, 14);   /* 4 + 10 were handed to the handler */
    CU_ASSERT_EQUAL(st.reconnects, 1); /* the dropped connection was reopened */
    CU_ASSERT_EQUAL(st.connections, 2);
    CU_ASSERT_EQUAL(r.w.opens, 2);
    rig_free(&r);
}

static void test_transient_error_is_retried(void)
{
    rig r;
    rig_init(&r, 2);
    int i = rig_add(&r, 1);
    r.w.transient_run = 1;
    sum a = {0};
    CU_ASSERT_EQUAL(submit(&r, i, "rows:4", &a), 0);
    CU_ASSERT_EQUAL(bv_sched_run(r.s), 0);
    CU_ASSERT_EQUAL(a.status, 0);
    CU_ASSERT_EQUAL(a.merged, 6);
    CU_ASSERT_EQUAL(r.w.opens, 1); /* a FAILURE leaves the connection usable */
    rig_free(&r);
}

static void test_retry_budget(void)
{
    /* Every attempt drops after one row: retries + 1 attempts, then the task fails with
     * class 3 (the connection was lost), having merged nothing. */
    rig r;
    rig_init(&r, 2);
    int i = rig_add(&r, 3);
    r.w.drop_every = 1;
    r.w.drop_after = 1;
    sum b = {0};
    CU_ASSERT_EQUAL(submit(&r, i, "rows:3", &b), 0);
    CU_ASSERT_EQUAL(bv_sched_run(r.s), 0);
    CU_ASSERT_EQUAL(b.done_calls, 1);
    CU_ASSERT_EQUAL(b.status, BOLT_E_CLOSED);
    CU_ASSERT_EQUAL(b.attempts, 3);
    CU_ASSERT_EQUAL(b.begins, 3);
    CU_ASSERT_EQUAL(b.exit_class, BV_EXIT_CONNECT);
    CU_ASSERT_EQUAL(b.merged, 0);
    CU_ASSERT_EQUAL(r.w.runs, 3);
    CU_ASSERT_PTR_NOT_NULL(strstr(b.msg, "fake:1: sum: "));
    CU_ASSERT_PTR_NOT_NULL(strstr(b.msg, "closed in the middle of a result (after 3 attempts)"));
    rig_free(&r);
}

static void test_permanent_error_not_retried(void)
{
    rig r;
    rig_init(&r, 5);
    int i = rig_add(&r, 2);
    sum a = {0}, b = {0};
    CU_ASSERT_EQUAL(submit(&r, i, "fail:Neo.ClientError.Statement.SyntaxError", &a), 0);
    CU_ASSERT_EQUAL(submit(&r, i, "rows:3", &b), 0);
    CU_ASSERT_EQUAL(bv_sched_run(r.s), 0);
    CU_ASSERT_EQUAL(a.status, BOLT_E_SERVER_FAILURE);
    CU_ASSERT_EQUAL(a.attempts, 1);
    CU_ASSERT_EQUAL(a.exit_class, BV_EXIT_SERVER);
    CU_ASSERT_PTR_NOT_NULL(strstr(a.msg, "Neo.ClientError.Statement.SyntaxError"));
    CU_ASSERT_EQUAL(b.status, 0); /* the instance goes on */
    CU_ASSERT_EQUAL(b.merged, 3);
    CU_ASSERT_PTR_NULL(bv_sched_instance_error(r.s, 0));
    rig_free(&r);
    /* A TransientError after its budget is a server error (4), not a connection one. */
    sum c = {0};
    rig_init(&r, 0);
    i = rig_add(&r, 1);
    r.w.transient_run = 1;
    CU_ASSERT_EQUAL(submit(&r, i, "rows:3", &c), 0);
    CU_ASSERT_EQUAL(bv_sched_run(r.s), 0);
    CU_ASSERT_EQUAL(c.status, BOLT_E_SERVER_FAILURE);
    CU_ASSERT_EQUAL(c.exit_class, BV_EXIT_SERVER);
    CU_ASSERT_EQUAL(c.attempts, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(c.msg, "Neo.TransientError.General.DatabaseUnavailable"));
    rig_free(&r);
}

static void test_wrong_password_costs_one_login(void)
{
    rig r;
    rig_init(&r, 3);
    int i = rig_add(&r, 4);
    r.w.open_fail = 100;
    r.w.open_err = BOLT_E_AUTH;
    sum t[6];
    memset(t, 0, sizeof t);
    for (int k = 0; k < 6; k++)
        CU_ASSERT_EQUAL(submit(&r, i, "rows:2", &t[k]), 0);
    CU_ASSERT_EQUAL(bv_sched_run(r.s), 0);
    CU_ASSERT_EQUAL(r.w.opens, 1); /* one login attempt, not K, and no retry */
    for (int k = 0; k < 6; k++) {
        CU_ASSERT_EQUAL(t[k].done_calls, 1);
        CU_ASSERT_EQUAL(t[k].status, BOLT_E_AUTH);
        CU_ASSERT_EQUAL(t[k].exit_class, BV_EXIT_CONNECT);
    }
    const bv_task_error *e = bv_sched_instance_error(r.s, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    CU_ASSERT_EQUAL(e->err, BOLT_E_AUTH);
    CU_ASSERT_EQUAL(e->exit_class, BV_EXIT_CONNECT);
    CU_ASSERT_STRING_EQUAL(e->message, "authentication failed on fake:1");
    sum late = {0};
    CU_ASSERT_EQUAL(submit(&r, i, "rows:1", &late), BOLT_E_AUTH); /* refused, no done() */
    CU_ASSERT_EQUAL(bv_sched_run(r.s), 0);
    CU_ASSERT_EQUAL(late.done_calls, 0);
    rig_free(&r);
}

static void test_refused_connections(void)
{
    /* Refused twice, then accepted: within a budget of 3 the tasks succeed. */
    rig r;
    rig_init(&r, 3);
    int i = rig_add(&r, 2);
    r.w.open_fail = 2;
    r.w.open_err = BOLT_E_CONNECT;
    sum a = {0};
    CU_ASSERT_EQUAL(submit(&r, i, "rows:3", &a), 0);
    CU_ASSERT_EQUAL(bv_sched_run(r.s), 0);
    CU_ASSERT_EQUAL(a.status, 0);
    CU_ASSERT_EQUAL(a.merged, 3);
    CU_ASSERT_EQUAL(r.w.opens, 3);
    rig_free(&r);
    /* Refused more often than the budget allows: the instance fails, class 3. */
    rig_init(&r, 1);
    i = rig_add(&r, 2);
    r.w.open_fail = 100;
    r.w.open_err = BOLT_E_CONNECT;
    sum b = {0};
    CU_ASSERT_EQUAL(submit(&r, i, "rows:3", &b), 0);
    CU_ASSERT_EQUAL(bv_sched_run(r.s), 0);
    CU_ASSERT_EQUAL(b.status, BOLT_E_CONNECT);
    CU_ASSERT_EQUAL(b.exit_class, BV_EXIT_CONNECT);
    CU_ASSERT_EQUAL(r.w.opens, 2); /* the first attempt and one retry */
    CU_ASSERT_PTR_NOT_NULL(bv_sched_instance_error(r.s, 0));
    CU_ASSERT_PTR_NOT_NULL(strstr(b.msg, "cannot connect to fake:1"));
    rig_free(&r);
}

static void test_parallelism(void)
{
    for (unsigned k = 1; k <= 4; k++) {
        rig r;
        rig_init(&r, 0);
        int i = rig_add(&r, k);
        sum t[12];
        memset(t, 0, sizeof t);
        for (int n = 0; n < 12; n++)
            CU_ASSERT_EQUAL(submit(&r, i, "rows:1", &t[n]), 0);
        CU_ASSERT_EQUAL(bv_sched_run(r.s), 0);
        bv_sched_stats st;
        bv_sched_get_stats(r.s, 0, &st);
        CU_ASSERT_EQUAL(st.tasks_ok, 12);
        CU_ASSERT_EQUAL(st.max_parallel, k);
        CU_ASSERT_EQUAL(r.w.opens, k);
        CU_ASSERT_EQUAL(r.w.max_live, k);
        rig_free(&r);
    }
    /* One task needs one connection, whatever K. */
    rig r;
    rig_init(&r, 0);
    int i = rig_add(&r, 8);
    sum a = {0};
    CU_ASSERT_EQUAL(submit(&r, i, "rows:1", &a), 0);
    CU_ASSERT_EQUAL(bv_sched_run(r.s), 0);
    CU_ASSERT_EQUAL(r.w.opens, 1);
    /* Connections stay open for the next phase. */
    sum b = {0};
    CU_ASSERT_EQUAL(submit(&r, i, "rows:2", &b), 0);
    CU_ASSERT_EQUAL(bv_sched_run(r.s), 0);
    CU_ASSERT_EQUAL(b.merged, 1);
    CU_ASSERT_EQUAL(r.w.opens, 1);
    rig_free(&r);
}

typedef struct cols {
    int rows;
    int ok;
} cols;

static int c_record(void *ud, const bv_row *row)
{
    cols *c = ud;
    const bolt_value *s = bv_row_get(row, 0), *n = bv_row_get(row, 1), *z = bv_row_get(row, 2);
    c->rows++;
    c->ok +=
        s && bolt_value_str_eq(s, "x") && n && n->type == BOLT_T_INT && !z && !bv_row_get(row, 3);
    return 0;
}

static void c_done(void *ud, int status, const bv_task_error *e)
{
    (void)ud;
    (void)e;
    CU_ASSERT_EQUAL(status, 0);
}

static void test_columns_by_name(void)
{
    rig r;
    rig_init(&r, 0);
    int i = rig_add(&r, 1);
    static const char *const want[] = {"s", "n", "missing"};
    static const bv_task_handler h = {NULL, c_record, NULL, c_done};
    cols c = {0, 0};
    bv_task_spec spec = {"rows:3", NULL, NULL, want, 3, "cols", 1, &h, &c};
    CU_ASSERT_EQUAL(bv_sched_submit(r.s, (size_t)i, &spec), 0);
    CU_ASSERT_EQUAL(bv_sched_run(r.s), 0);
    CU_ASSERT_EQUAL(c.rows, 3);
    CU_ASSERT_EQUAL(c.ok, 3);
    rig_free(&r);
}

static void test_handler_refuses_row(void)
{
    rig r;
    rig_init(&r, 3);
    int i = rig_add(&r, 1);
    sum a = {0};
    a.refuse_at = 2;
    CU_ASSERT_EQUAL(submit(&r, i, "rows:5", &a), 0);
    CU_ASSERT_EQUAL(bv_sched_run(r.s), 0);
    CU_ASSERT_EQUAL(a.status, BOLT_E_UNEXPECTED);
    CU_ASSERT_EQUAL(a.attempts, 1); /* a bad row does not change on a retry */
    CU_ASSERT_EQUAL(a.exit_class, BV_EXIT_SERVER);
    CU_ASSERT_PTR_NOT_NULL(strstr(a.msg, "value 2 refused"));
    CU_ASSERT_EQUAL(a.merged, 0);
    rig_free(&r);
}

static void test_cancel_group_and_free(void)
{
    rig r;
    rig_init(&r, 0);
    int i = rig_add(&r, 1);
    sum t[4];
    memset(t, 0, sizeof t);
    for (int n = 0; n < 4; n++)
        CU_ASSERT_EQUAL(submit(&r, i, "rows:1", &t[n]), 0);
    bv_sched_cancel(r.s, (size_t)i, 2u); /* another group: nothing happens */
    CU_ASSERT_EQUAL(t[0].done_calls, 0);
    bv_sched_cancel(r.s, (size_t)i, 1u);
    for (int n = 0; n < 4; n++) {
        CU_ASSERT_EQUAL(t[n].done_calls, 1);
        CU_ASSERT_EQUAL(t[n].status, BOLT_E_CANCELED);
        CU_ASSERT_EQUAL(t[n].exit_class, 0);
    }
    CU_ASSERT_EQUAL(bv_sched_run(r.s), 0);
    /* Queued at free: canceled too. */
    sum late = {0};
    CU_ASSERT_EQUAL(submit(&r, i, "rows:1", &late), 0);
    rig_free(&r);
    CU_ASSERT_EQUAL(late.done_calls, 1);
    CU_ASSERT_EQUAL(late.status, BOLT_E_CANCELED);
}

static void test_instances_are_independent(void)
{
    rig r;
    rig_init(&r, 0);
    int a = rig_add(&r, 2), b = rig_add(&r, 2);
    CU_ASSERT_EQUAL(a, 0);
    CU_ASSERT_EQUAL(b, 1);
    /* The first open of the world fails: instance a's login (it opens first). */
    r.w.open_fail = 1;
    r.w.open_err = BOLT_E_AUTH;
    sum ta = {0}, tb = {0};
    CU_ASSERT_EQUAL(submit(&r, a, "rows:2", &ta), 0);
    CU_ASSERT_EQUAL(bv_sched_run(r.s), 0);
    CU_ASSERT_EQUAL(submit(&r, b, "rows:3", &tb), 0);
    CU_ASSERT_EQUAL(bv_sched_run(r.s), 0);
    CU_ASSERT_EQUAL(ta.status, BOLT_E_AUTH);
    CU_ASSERT_EQUAL(tb.status, 0);
    CU_ASSERT_EQUAL(tb.merged, 3);
    CU_ASSERT_PTR_NOT_NULL(bv_sched_instance_error(r.s, 0));
    CU_ASSERT_PTR_NULL(bv_sched_instance_error(r.s, 1));
    rig_free(&r);
}

static void test_transient_classification(void)
{
    CU_ASSERT(bv_sched_is_transient(BOLT_E_SERVER_FAILURE,
                                    "Neo.TransientError.General.DatabaseUnavailable"));
    CU_ASSERT(bv_sched_is_transient(BOLT_E_SERVER_FAILURE,
                                    "Neo.TransientError.Transaction.DeadlockDetected"));
    CU_ASSERT(bv_sched_is_transient(BOLT_E_SERVER_FAILURE,
                                    "Neo.ClientError.Security.AuthorizationExpired"));
    CU_ASSERT(bv_sched_is_transient(BOLT_E_CLOSED, ""));
    CU_ASSERT(bv_sched_is_transient(BOLT_E_TIMEOUT, NULL));
    CU_ASSERT(bv_sched_is_transient(BOLT_E_CONNECT, NULL));
    CU_ASSERT(bv_sched_is_transient(BOLT_E_DEFUNCT, NULL));
    CU_ASSERT_FALSE(
        bv_sched_is_transient(BOLT_E_SERVER_FAILURE, "Neo.ClientError.Statement.SyntaxError"));
    CU_ASSERT_FALSE(
        bv_sched_is_transient(BOLT_E_SERVER_FAILURE, "Neo.DatabaseError.General.UnknownError"));
    CU_ASSERT_FALSE(bv_sched_is_transient(BOLT_E_SERVER_FAILURE, "Neo.TransientErrorX"));
    CU_ASSERT_FALSE(bv_sched_is_transient(BOLT_E_AUTH, NULL));
    CU_ASSERT_FALSE(bv_sched_is_transient(BOLT_E_TLS_VERIFY, NULL));
    CU_ASSERT_FALSE(bv_sched_is_transient(BOLT_E_RESOLVE, NULL));
    CU_ASSERT_FALSE(bv_sched_is_transient(BOLT_E_BAD_MESSAGE, NULL));
}

static void test_bad_arguments(void)
{
    rig r;
    rig_init(&r, 0);
    bv_sched_instance_config zero = {&r.cfg, "x", NULL, 0};
    CU_ASSERT_EQUAL(bv_sched_add_instance(r.s, &zero), BOLT_E_INVAL);
    int i = rig_add(&r, 1);
    sum a = {0};
    bv_task_spec no_cypher = {NULL, NULL, NULL, NULL, 0, "x", 1, &sum_handler, &a};
    CU_ASSERT_EQUAL(bv_sched_submit(r.s, (size_t)i, &no_cypher), BOLT_E_INVAL);
    bolt_value notmap = bolt_int(1);
    bv_task_spec bad_params = {"rows:1", &notmap, NULL, NULL, 0, "x", 1, &sum_handler, &a};
    CU_ASSERT_EQUAL(bv_sched_submit(r.s, (size_t)i, &bad_params), BOLT_E_INVAL);
    bv_task_spec bad_inst = {"rows:1", NULL, NULL, NULL, 0, "x", 1, &sum_handler, &a};
    CU_ASSERT_EQUAL(bv_sched_submit(r.s, 7, &bad_inst), BOLT_E_INVAL);
    CU_ASSERT_EQUAL(a.done_calls, 0);
    CU_ASSERT_EQUAL(bv_sched_run(r.s), 0);
    rig_free(&r);
}

/* Everything from submit to free under allocation failures: a failing submit reports NOMEM and
 * never calls done(); nothing leaks. */
static int whole_run(void *ud)
{
    (void)ud;
    rig r;
    memset(&r, 0, sizeof r);
    uv_loop_init(&r.loop);
    r.tr = (bv_sched_transport){f_open, f_run, f_close, f_info, f_errmsg, &r.w};
    bv_sched_config c;
    memset(&c, 0, sizeof c);
    c.backoff_ms = 1;
    c.transport = &r.tr;
    int rc = bv_sched_new(&r.loop, &c, &r.s);
    if (rc == 0) {
        bv_sched_instance_config ic = {&r.cfg, "fake:1", "neo4j", 2};
        int i = bv_sched_add_instance(r.s, &ic);
        sum a = {0};
        a.refuse_at = -1;
        bolt_value kv[2] = {bolt_string("lo"), bolt_int(1)};
        bolt_value params = bolt_map(kv, 1);
        bv_task_spec spec = {"rows:4", &params, "system", sum_cols, 1, "sum", 1, &sum_handler, &a};
        rc = i < 0 ? i : bv_sched_submit(r.s, (size_t)i, &spec);
        if (rc == 0) rc = bv_sched_run(r.s);
        if (rc == 0 && (a.done_calls != 1 || a.merged != 6)) rc = -1000;
        if (rc == BOLT_E_NOMEM && a.done_calls) rc = -1001;
        bv_sched_free(r.s);
    }
    uv_run(&r.loop, UV_RUN_DEFAULT);
    uv_loop_close(&r.loop);
    return rc;
}

static void test_allocation_failures(void)
{
    CU_ASSERT_EQUAL(failalloc_each(whole_run, NULL, BOLT_E_NOMEM), 0);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 1;
    CU_pSuite s = CU_add_suite("scheduler", NULL, NULL);
    CU_add_test(s, "plain run", test_plain_run);
    CU_add_test(s, "drop retried, nothing counted twice",
                test_drop_is_retried_without_double_counting);
    CU_add_test(s, "transient error retried", test_transient_error_is_retried);
    CU_add_test(s, "retry budget", test_retry_budget);
    CU_add_test(s, "permanent errors are not retried", test_permanent_error_not_retried);
    CU_add_test(s, "a wrong password costs one login", test_wrong_password_costs_one_login);
    CU_add_test(s, "refused connections", test_refused_connections);
    CU_add_test(s, "K connections at most, only as needed", test_parallelism);
    CU_add_test(s, "columns by name", test_columns_by_name);
    CU_add_test(s, "a handler refuses a row", test_handler_refuses_row);
    CU_add_test(s, "cancel and free", test_cancel_group_and_free);
    CU_add_test(s, "instances are independent", test_instances_are_independent);
    CU_add_test(s, "transient classification", test_transient_classification);
    CU_add_test(s, "bad arguments", test_bad_arguments);
    CU_add_test(s, "allocation failures", test_allocation_failures);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failures = CU_get_number_of_failures();
    CU_cleanup_registry();
    return failures ? 1 : 0;
}
