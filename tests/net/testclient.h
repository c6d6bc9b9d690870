/* tests/net/testclient.h - the test side of the connection tests: a client that opens a
 * bolt_conn, runs its queries (or a ping), records every callback, and stops the fake servers
 * when it is closed. Header-only (static functions), like fakeserver.h. */
#ifndef BOLTDIFF_TEST_TESTCLIENT_H
#define BOLTDIFF_TEST_TESTCLIENT_H

#include <CUnit/Basic.h>
#include <stdio.h>
#include <string.h>

#include "bolt/error.h"
#include "bolt/net.h"
#include "fakeserver.h"

/* ---- a test client -------------------------------------------------------------------------- */

typedef struct client client;
typedef struct tquery {
    client *cl;
    const char *cypher;
    uint64_t records;
    int in_order;
    int fields;
    int summaries;
    int failures;
    int fail_err;
    char fail_code[128];
    char fail_msg[600];
    char db[32];
    uint64_t pause_every; /* pause after every Nth record, resume from a 0 ms timer */
    int raw;              /* set on_record_raw; it returns 0 (or 1 to pause) or, with
                             raw_decode, BOLT_RECORD_DECODE */
    int raw_decode;
    uint64_t raw_calls;
    int raw_in_order; /* each raw message is a RECORD whose first value is its index */
} tquery;

struct client {
    uv_loop_t *loop;
    bolt_conn *c;
    bolt_conn_config cfg;
    bolt_uri uri;
    int ready_calls, ready_status, closed;
    char errmsg[800];
    bolt_conn_info info;
    tquery q[4];
    int nq;
    int done;
    fs_server *stop[2]; /* stopped when the connection closed */
    uint64_t consumed;  /* records taken by the consumer, over every query */
    uv_timer_t resume;
    int resume_init;
    int ping_status;
    uint64_t ping_ns;
    int want_ping;
    int manual; /* on_ready leaves the queries to the test */
};

static void q_done(client *cl)
{
    if (++cl->done == cl->nq) bolt_conn_close(cl->c);
}

static void on_fields(bolt_conn *c, const bolt_value *fields, const bolt_value *meta, void *ud)
{
    tquery *q = ud;
    (void)c;
    (void)meta;
    if (fields && fields->type == BOLT_T_LIST) q->fields = (int)fields->len;
}

static void on_resume(uv_timer_t *t)
{
    client *cl = t->data;
    bolt_conn_resume(cl->c);
}

static int on_record(bolt_conn *c, const bolt_value *rec, void *ud)
{
    tquery *q = ud;
    (void)c;
    if (rec->type != BOLT_T_LIST || rec->len < 1 || rec->u.items[0].type != BOLT_T_INT ||
        rec->u.items[0].u.i != (int64_t)q->records)
        q->in_order = 0;
    q->records++;
    q->cl->consumed++;
    if (q->pause_every && q->records % q->pause_every == 0) {
        uv_timer_start(&q->cl->resume, on_resume, 0, 0);
        return 1;
    }
    return 0;
}

/* Reads the fake server's record [index, pad] straight from the bytes, as a raw consumer
 * would; with pause_every it pauses itself unless on_record is to do it. */
static int on_record_raw(bolt_conn *c, const uint8_t *msg, size_t len, void *ud)
{
    tquery *q = ud;
    (void)c;
    fs_rd r = {msg, msg + len, 0};
    const char *s;
    size_t sl;
    int64_t n = 0, i = -1;
    if (len < 2 || msg[0] != 0xB1 || msg[1] != 0x71) q->raw_in_order = 0;
    r.p += 2;
    if (fs_next(&r, &s, &sl, &n) != 'l' || fs_next(&r, &s, &sl, &i) != 'i' ||
        i != (int64_t)q->raw_calls)
        q->raw_in_order = 0;
    q->raw_calls++;
    if (q->raw_decode) return BOLT_RECORD_DECODE;
    q->cl->consumed++;
    if (q->pause_every && q->raw_calls % q->pause_every == 0) {
        uv_timer_start(&q->cl->resume, on_resume, 0, 0);
        return 1;
    }
    return 0;
}

static void on_summary(bolt_conn *c, const bolt_value *meta, void *ud)
{
    tquery *q = ud;
    (void)c;
    q->summaries++;
    const bolt_value *db = bolt_map_get(meta, "db");
    if (db && db->type == BOLT_T_STRING)
        snprintf(q->db, sizeof q->db, "%.*s", (int)db->len, db->u.str);
    q_done(q->cl);
}

static void on_failure(bolt_conn *c, const bolt_conn_failure *f, void *ud)
{
    tquery *q = ud;
    (void)c;
    q->failures++;
    q->fail_err = f->err;
    snprintf(q->fail_code, sizeof q->fail_code, "%s", f->code);
    snprintf(q->fail_msg, sizeof q->fail_msg, "%s", f->message);
    q_done(q->cl);
}

static void on_ping(bolt_conn *c, int status, uint64_t ns, void *ud)
{
    client *cl = ud;
    (void)c;
    cl->ping_status = status;
    cl->ping_ns = ns;
    q_done(cl);
}

static void run_queries(client *cl)
{
    for (int i = 0; i < cl->nq; i++) {
        int r;
        if (cl->want_ping && i == cl->nq - 1) {
            r = bolt_conn_ping(cl->c, on_ping, cl);
        } else {
            tquery *q = &cl->q[i];
            bolt_query_callbacks cb = {on_fields, on_record, on_summary, on_failure, q, NULL};
            if (q->raw) cb.on_record_raw = on_record_raw;
            r = bolt_conn_run(cl->c, cl->q[i].cypher, NULL, NULL, &cb);
        }
        if (r < 0) { /* refused at once (out of memory in the malloc-failure test) */
            cl->q[i].failures++;
            cl->q[i].fail_err = r;
            q_done(cl);
        }
    }
}

static void on_ready(bolt_conn *c, int status, void *ud)
{
    client *cl = ud;
    cl->ready_calls++;
    cl->ready_status = status;
    cl->info = *bolt_conn_get_info(c);
    if (status < 0) {
        snprintf(cl->errmsg, sizeof cl->errmsg, "%s", bolt_conn_errmsg(c));
        bolt_conn_close(c);
        return;
    }
    if (cl->manual) return;
    if (cl->nq == 0) {
        bolt_conn_close(c);
        return;
    }
    run_queries(cl);
}

static void on_closed(bolt_conn *c, void *ud)
{
    client *cl = ud;
    (void)c;
    cl->closed++;
    cl->c = NULL;
    for (int i = 0; i < 2; i++)
        if (cl->stop[i]) fs_stop(cl->stop[i]);
    if (cl->resume_init) uv_close((uv_handle_t *)&cl->resume, NULL);
}

/* Prepares a client for uri with nq queries ("q0", "q1", ...) unless cyphers are set later. */
static void client_init(client *cl, uv_loop_t *loop, const char *uri, int nq)
{
    memset(cl, 0, sizeof *cl);
    cl->loop = loop;
    CU_ASSERT_EQUAL_FATAL(bolt_uri_parse(uri, &cl->uri, NULL, 0), 0);
    cl->cfg.uri = &cl->uri;
    cl->cfg.auth.scheme = BOLT_AUTH_BASIC;
    cl->cfg.auth.principal = "neo4j";
    cl->cfg.auth.credentials = "secretpw";
    cl->cfg.user_agent = "boltdiff-test/1";
    cl->nq = nq;
    for (int i = 0; i < 4; i++) {
        cl->q[i].cl = cl;
        cl->q[i].in_order = 1;
        cl->q[i].raw_in_order = 1;
        cl->q[i].cypher = "MATCH (n) RETURN n";
    }
    uv_timer_init(loop, &cl->resume);
    cl->resume.data = cl;
    cl->resume_init = 1;
}

static int client_open(client *cl)
{
    bolt_conn_callbacks cb = {on_ready, on_closed, cl};
    return bolt_conn_open(cl->loop, &cl->cfg, &cb, &cl->c);
}

static void client_free(client *cl)
{
    bolt_uri_free(&cl->uri);
}

static char *uri_for(int port, const char *scheme)
{
    static char buf[4][64];
    static int n;
    char *b = buf[n++ % 4];
    snprintf(b, 64, "%s://127.0.0.1:%d", scheme, port);
    return b;
}

/* Runs the loop to the end; every handle must be closed by then. */
static void run(uv_loop_t *loop)
{
    uv_run(loop, UV_RUN_DEFAULT);
    CU_ASSERT_EQUAL(uv_loop_close(loop), 0);
}

static void connect_expect(fs_server *srv, int port, uint64_t connect_ms, uint64_t recv_ms,
                           client *cl, uv_loop_t *loop, int nq)
{
    client_init(cl, loop, uri_for(srv ? srv->port : port, "bolt"), nq);
    cl->cfg.connect_timeout_ms = connect_ms;
    cl->cfg.recv_timeout_ms = recv_ms;
    cl->stop[0] = srv;
    CU_ASSERT_EQUAL_FATAL(client_open(cl), 0);
    run(loop);
    CU_ASSERT_EQUAL(cl->closed, 1);
    CU_ASSERT_EQUAL(cl->ready_calls, 1);
}

#endif
