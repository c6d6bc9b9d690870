/* Tests of connections (bolt/net/conn.c, conn_query.c) against a scripted Bolt server on the
 * same libuv loop (fakeserver.h): handshake and login, PULL n batches that follow the consumer,
 * Bolt 3 back-pressure by not reading, failures and automatic RESET, drops mid-stream, every
 * kind of connection error, timeouts, NOOPs, routing, many connections on one loop, closing at
 * any time, and every allocation failing in turn. No assertion depends on how long anything
 * takes. */
#include <CUnit/Basic.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "bolt/error.h"
#include "bolt/net.h"
#include "failalloc.h"
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
            bolt_query_callbacks cb = {on_fields, on_record, on_summary, on_failure, &cl->q[i]};
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

/* ---- tests ---------------------------------------------------------------------------------- */

static void test_query_in_pull_batches(void)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    fs_server srv;
    CU_ASSERT_EQUAL_FATAL(fs_start(&srv, &loop), 0);
    srv.records = 2500;
    client cl;
    client_init(&cl, &loop, uri_for(srv.port, "bolt"), 1);
    srv.consumer_count = &cl.consumed;
    cl.stop[0] = &srv;
    CU_ASSERT_EQUAL_FATAL(client_open(&cl), 0);
    run(&loop);

    CU_ASSERT_EQUAL(cl.ready_calls, 1);
    CU_ASSERT_EQUAL(cl.ready_status, 0);
    CU_ASSERT_EQUAL(cl.closed, 1);
    CU_ASSERT_EQUAL(cl.info.major, 4);
    CU_ASSERT_EQUAL(cl.info.minor, 4);
    CU_ASSERT_STRING_EQUAL(cl.info.server_agent, "Neo4j/4.4.0");
    CU_ASSERT_STRING_EQUAL(cl.info.connection_id, "bolt-7");
    CU_ASSERT_STRING_EQUAL(cl.info.peer, "127.0.0.1");
    CU_ASSERT_EQUAL(cl.info.tls, 0);
    CU_ASSERT_STRING_EQUAL(srv.last_user_agent, "boltdiff-test/1");
    CU_ASSERT_STRING_EQUAL(srv.last_principal, "neo4j");

    tquery *q = &cl.q[0];
    CU_ASSERT_EQUAL(q->records, 2500);
    CU_ASSERT(q->in_order);
    CU_ASSERT_EQUAL(q->fields, 2);
    CU_ASSERT_EQUAL(q->summaries, 1);
    CU_ASSERT_EQUAL(q->failures, 0);
    CU_ASSERT_STRING_EQUAL(q->db, "neo4j");
    /* the default fetch size is 1000, and each PULL came after the previous batch was taken */
    CU_ASSERT_EQUAL_FATAL(srv.pulls, 3);
    for (int i = 0; i < 3; i++) {
        CU_ASSERT_EQUAL(srv.pull_n[i], 1000);
        CU_ASSERT_EQUAL(srv.consumed_at_pull[i], (uint64_t)i * 1000);
    }
    CU_ASSERT_EQUAL(srv.goodbyes, 1); /* polite close */
    client_free(&cl);
}

static void test_paused_consumer_holds_the_next_pull(void)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    fs_server srv;
    CU_ASSERT_EQUAL_FATAL(fs_start(&srv, &loop), 0);
    srv.records = 1000;
    client cl;
    client_init(&cl, &loop, uri_for(srv.port, "bolt"), 1);
    cl.cfg.fetch_size = 100;
    cl.q[0].pause_every = 37;
    srv.consumer_count = &cl.consumed;
    cl.stop[0] = &srv;
    CU_ASSERT_EQUAL_FATAL(client_open(&cl), 0);
    run(&loop);
    CU_ASSERT_EQUAL(cl.q[0].records, 1000);
    CU_ASSERT(cl.q[0].in_order);
    CU_ASSERT_EQUAL(cl.q[0].summaries, 1);
    CU_ASSERT_EQUAL_FATAL(srv.pulls, 10);
    for (int i = 0; i < 10; i++) {
        CU_ASSERT_EQUAL(srv.pull_n[i], 100);
        CU_ASSERT_EQUAL(srv.consumed_at_pull[i], (uint64_t)i * 100);
    }
    client_free(&cl);
}

static void test_bolt3_pull_all_and_noops(void)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    fs_server srv;
    CU_ASSERT_EQUAL_FATAL(fs_start(&srv, &loop), 0);
    memcpy(srv.version, "\0\0\0\3", 4);
    srv.records = 3000;
    srv.noops = 1; /* an empty chunk before every record must change nothing */
    client cl;
    client_init(&cl, &loop, uri_for(srv.port, "bolt"), 2);
    cl.stop[0] = &srv;
    CU_ASSERT_EQUAL_FATAL(client_open(&cl), 0);
    run(&loop);
    CU_ASSERT_EQUAL(cl.info.major, 3);
    CU_ASSERT_EQUAL(cl.info.minor, 0);
    for (int i = 0; i < 2; i++) {
        CU_ASSERT_EQUAL(cl.q[i].records, 3000);
        CU_ASSERT(cl.q[i].in_order);
        CU_ASSERT_EQUAL(cl.q[i].summaries, 1);
    }
    CU_ASSERT_EQUAL(srv.pulls, 2); /* one PULL_ALL per query: Bolt 3 has no PULL n */
    CU_ASSERT_EQUAL(srv.pull_n[0], -1);
    CU_ASSERT_EQUAL(srv.goodbyes, 1);
    client_free(&cl);
}

/* ---- Bolt 3 back-pressure: a paused consumer makes the connection stop reading ----------------
 */

typedef struct bp_state {
    client *cl;
    fs_server *srv;
    uv_timer_t watch;
    uint64_t last_in;
    int still;
    int resumed;
    uint64_t max_in_paused, in_at_pause;
    size_t server_queue_at_resume;
    int watch_ticks;
} bp_state;

static int bp_record(bolt_conn *c, const bolt_value *rec, void *ud)
{
    tquery *q = ud;
    (void)c;
    (void)rec;
    q->records++;
    return q->records == 1 ? 1 : 0; /* pause after the first record, once */
}

static void bp_watch(uv_timer_t *t)
{
    bp_state *bp = t->data;
    client *cl = bp->cl;
    if (!cl->c || bp->resumed) {
        uv_timer_stop(t);
        return;
    }
    uint64_t in = bolt_conn_get_info(cl->c)->bytes_in;
    if (bp->in_at_pause == 0) bp->in_at_pause = in;
    if (in > bp->max_in_paused) bp->max_in_paused = in;
    bp->still = in == bp->last_in ? bp->still + 1 : 0;
    bp->last_in = in;
    size_t queued = 0;
    for (fs_conn *fc = bp->srv->conns; fc; fc = fc->next)
        queued += uv_stream_get_write_queue_size((uv_stream_t *)&fc->h);
    /* The client stopped reading and the server cannot get rid of its bytes: resume. Without
     * back-pressure the client would read everything and the server's queue would empty, so
     * this condition would never hold and the watch would give up below. */
    if ((bp->still >= 3 && queued > 0) || ++bp->watch_ticks > 400) {
        bp->server_queue_at_resume = queued;
        bp->resumed = 1;
        uv_timer_stop(t);
        bolt_conn_resume(cl->c);
    }
}

static void test_bolt3_back_pressure(void)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    fs_server srv;
    CU_ASSERT_EQUAL_FATAL(fs_start(&srv, &loop), 0);
    memcpy(srv.version, "\0\0\0\3", 4);
    srv.records = 32768;
    srv.record_pad = 1024; /* ~33 MB: far more than the kernel's socket buffers hold */
    client cl;
    client_init(&cl, &loop, uri_for(srv.port, "bolt"), 1);
    cl.cfg.max_input_pending = 64 * 1024;
    cl.stop[0] = &srv;
    cl.manual = 1;
    bp_state bp;
    memset(&bp, 0, sizeof bp);
    bp.cl = &cl;
    bp.srv = &srv;
    uv_timer_init(&loop, &bp.watch);
    bp.watch.data = &bp;
    CU_ASSERT_EQUAL_FATAL(client_open(&cl), 0);
    /* run_queries with the pausing record callback */
    while (!cl.ready_calls && uv_run(&loop, UV_RUN_ONCE))
        ;
    CU_ASSERT_EQUAL_FATAL(cl.ready_status, 0);
    bolt_query_callbacks cb = {on_fields, bp_record, on_summary, on_failure, &cl.q[0]};
    CU_ASSERT_EQUAL(bolt_conn_run(cl.c, "MATCH (n) RETURN n", NULL, NULL, &cb), 0);
    uv_timer_start(&bp.watch, bp_watch, 20, 20);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_close((uv_handle_t *)&bp.watch, NULL);
    run(&loop);

    CU_ASSERT(bp.resumed);
    CU_ASSERT(bp.server_queue_at_resume > 0);
    /* While paused, the client read at most the bound plus one read past it. */
    CU_ASSERT(bp.max_in_paused < 2u * 1024u * 1024u);
    CU_ASSERT(bp.max_in_paused - bp.in_at_pause <= 64u * 1024u + 256u * 1024u);
    /* and after resuming, everything arrived */
    CU_ASSERT_EQUAL(cl.q[0].records, 32768);
    CU_ASSERT_EQUAL(cl.q[0].summaries, 1);
    client_free(&cl);
}

static void test_failure_then_reset_then_next_query(void)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    fs_server srv;
    CU_ASSERT_EQUAL_FATAL(fs_start(&srv, &loop), 0);
    srv.records = 5;
    client cl;
    client_init(&cl, &loop, uri_for(srv.port, "bolt"), 2);
    cl.q[0].cypher = "RETURN FAIL";
    cl.stop[0] = &srv;
    CU_ASSERT_EQUAL_FATAL(client_open(&cl), 0);
    run(&loop);
    CU_ASSERT_EQUAL(cl.q[0].failures, 1);
    CU_ASSERT_EQUAL(cl.q[0].summaries, 0);
    CU_ASSERT_EQUAL(cl.q[0].fail_err, BOLT_E_SERVER_FAILURE);
    CU_ASSERT_STRING_EQUAL(cl.q[0].fail_code, "Neo.ClientError.Statement.SyntaxError");
    CU_ASSERT_STRING_EQUAL(cl.q[0].fail_msg, "Invalid input 'FAIL'");
    CU_ASSERT_EQUAL(srv.resets, 1); /* sent by the connection itself */
    CU_ASSERT_EQUAL(cl.q[1].records, 5);
    CU_ASSERT_EQUAL(cl.q[1].summaries, 1);
    CU_ASSERT_EQUAL(cl.q[1].failures, 0);
    CU_ASSERT_EQUAL(srv.runs, 2);
    client_free(&cl);
}

static void test_drop_mid_stream_is_an_error(void)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    fs_server srv;
    CU_ASSERT_EQUAL_FATAL(fs_start(&srv, &loop), 0);
    srv.records = 100;
    srv.drop_after = 10;
    client cl;
    client_init(&cl, &loop, uri_for(srv.port, "bolt"), 2);
    cl.stop[0] = &srv;
    CU_ASSERT_EQUAL_FATAL(client_open(&cl), 0);
    run(&loop);
    CU_ASSERT_EQUAL(cl.q[0].records, 10);
    CU_ASSERT_EQUAL(cl.q[0].summaries, 0); /* never a truncated success */
    CU_ASSERT_EQUAL(cl.q[0].failures, 1);
    CU_ASSERT_EQUAL(cl.q[0].fail_err, BOLT_E_CLOSED);
    CU_ASSERT_PTR_NOT_NULL(
        strstr(cl.q[0].fail_msg, "in the middle of a result (after 10 records)"));
    /* the query queued behind it fails too, and the connection is closed exactly once */
    CU_ASSERT_EQUAL(cl.q[1].failures, 1);
    CU_ASSERT_EQUAL(cl.q[1].summaries, 0);
    CU_ASSERT_EQUAL(cl.closed, 1);
    client_free(&cl);
}

/* Opens a client to srv (or to port when srv is NULL) and returns it after the loop ended. */
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

static void test_auth_failure(void)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    fs_server srv;
    CU_ASSERT_EQUAL_FATAL(fs_start(&srv, &loop), 0);
    srv.auth_fail = 1;
    client cl;
    connect_expect(&srv, 0, 0, 0, &cl, &loop, 1);
    CU_ASSERT_EQUAL(cl.ready_status, BOLT_E_AUTH);
    CU_ASSERT_PTR_NOT_NULL(strstr(cl.errmsg, "authentication failed on 127.0.0.1:"));
    CU_ASSERT_PTR_NOT_NULL(strstr(cl.errmsg, "Neo.ClientError.Security.Unauthorized"));
    CU_ASSERT_PTR_NULL(strstr(cl.errmsg, "secretpw"));
    CU_ASSERT_EQUAL(cl.q[0].failures, 0); /* nothing was queued: on_ready failed first */
    CU_ASSERT(bolt_err_is_connection(cl.ready_status));
    client_free(&cl);
}

static void test_connection_refused(void)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    int port = fs_free_port();
    client cl;
    connect_expect(NULL, port, 0, 0, &cl, &loop, 0);
    CU_ASSERT_EQUAL(cl.ready_status, BOLT_E_CONNECT);
    char want[64];
    snprintf(want, sizeof want, "cannot connect to 127.0.0.1:%d (127.0.0.1)", port);
    CU_ASSERT_PTR_NOT_NULL(strstr(cl.errmsg, want));
    CU_ASSERT_PTR_NOT_NULL(strstr(cl.errmsg, "refused"));
    client_free(&cl);
}

static void test_handshake_problems(void)
{
    uv_loop_t loop;
    client cl;
    fs_server srv;

    uv_loop_init(&loop);
    CU_ASSERT_EQUAL_FATAL(fs_start(&srv, &loop), 0);
    srv.silent_handshake = 1;
    connect_expect(&srv, 0, 100, 0, &cl, &loop, 0);
    CU_ASSERT_EQUAL(cl.ready_status, BOLT_E_TIMEOUT);
    CU_ASSERT_PTR_NOT_NULL(strstr(cl.errmsg, "during the Bolt handshake and authentication"));
    client_free(&cl);

    uv_loop_init(&loop);
    CU_ASSERT_EQUAL_FATAL(fs_start(&srv, &loop), 0);
    srv.close_after_hs = 1;
    connect_expect(&srv, 0, 0, 0, &cl, &loop, 0);
    CU_ASSERT_EQUAL(cl.ready_status, BOLT_E_CLOSED);
    CU_ASSERT_PTR_NOT_NULL(strstr(cl.errmsg, "during the Bolt handshake (does it require TLS?"));
    client_free(&cl);

    uv_loop_init(&loop);
    CU_ASSERT_EQUAL_FATAL(fs_start(&srv, &loop), 0);
    memcpy(srv.version, "HTTP", 4);
    connect_expect(&srv, 0, 0, 0, &cl, &loop, 0);
    CU_ASSERT_EQUAL(cl.ready_status, BOLT_E_HS_HTTP);
    CU_ASSERT_PTR_NOT_NULL(strstr(cl.errmsg, "7474"));
    CU_ASSERT(!bolt_err_is_connection(cl.ready_status)); /* a protocol error: exit 4 */
    client_free(&cl);

    uv_loop_init(&loop);
    CU_ASSERT_EQUAL_FATAL(fs_start(&srv, &loop), 0);
    memset(srv.version, 0, 4);
    connect_expect(&srv, 0, 0, 0, &cl, &loop, 0);
    CU_ASSERT_EQUAL(cl.ready_status, BOLT_E_HS_NO_VERSION);
    client_free(&cl);
}

static void test_receive_timeouts(void)
{
    uv_loop_t loop;
    client cl;
    fs_server srv;

    uv_loop_init(&loop);
    CU_ASSERT_EQUAL_FATAL(fs_start(&srv, &loop), 0);
    srv.stall_runs = 1;
    connect_expect(&srv, 0, 0, 100, &cl, &loop, 1);
    CU_ASSERT_EQUAL(cl.ready_status, 0);
    CU_ASSERT_EQUAL(cl.q[0].failures, 1);
    CU_ASSERT_EQUAL(cl.q[0].fail_err, BOLT_E_TIMEOUT);
    CU_ASSERT_PTR_NOT_NULL(strstr(cl.q[0].fail_msg, "receive timeout"));
    client_free(&cl);

    /* no configured timeout: the server's hint applies */
    uv_loop_init(&loop);
    CU_ASSERT_EQUAL_FATAL(fs_start(&srv, &loop), 0);
    srv.stall_runs = 1;
    srv.hint = 1;
    connect_expect(&srv, 0, 0, 0, &cl, &loop, 1);
    CU_ASSERT_EQUAL(cl.info.recv_timeout_hint, 1);
    CU_ASSERT_EQUAL(cl.q[0].fail_err, BOLT_E_TIMEOUT);
    CU_ASSERT_PTR_NOT_NULL(strstr(cl.q[0].fail_msg, "connection.recv_timeout_seconds"));
    client_free(&cl);
}

static void test_ping_round_trip(void)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    fs_server srv;
    CU_ASSERT_EQUAL_FATAL(fs_start(&srv, &loop), 0);
    client cl;
    client_init(&cl, &loop, uri_for(srv.port, "bolt"), 2);
    cl.want_ping = 1;
    cl.ping_status = -999;
    cl.stop[0] = &srv;
    CU_ASSERT_EQUAL_FATAL(client_open(&cl), 0);
    run(&loop);
    CU_ASSERT_EQUAL(cl.ping_status, 0);
    CU_ASSERT(cl.ping_ns > 0);
    CU_ASSERT_EQUAL(srv.resets, 1);
    CU_ASSERT_EQUAL(cl.q[0].summaries, 1);
    client_free(&cl);
}

/* ---- many connections on one loop ----------------------------------------------------------- */

#define MANY 64

static int many_closed;
static fs_server *many_srv;

static void many_closed_cb(bolt_conn *c, void *ud)
{
    client *cl = ud;
    (void)c;
    cl->closed++;
    uv_close((uv_handle_t *)&cl->resume, NULL);
    if (++many_closed == MANY) fs_stop(many_srv);
}

static void test_many_connections_one_loop(void)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    fs_server srv;
    CU_ASSERT_EQUAL_FATAL(fs_start(&srv, &loop), 0);
    srv.records = 500;
    static client cls[MANY];
    many_closed = 0;
    many_srv = &srv;
    for (int i = 0; i < MANY; i++) {
        client_init(&cls[i], &loop, uri_for(srv.port, "bolt"), 1);
        cls[i].cfg.fetch_size = 100;
        bolt_conn_callbacks cb = {on_ready, many_closed_cb, &cls[i]};
        CU_ASSERT_EQUAL_FATAL(bolt_conn_open(&loop, &cls[i].cfg, &cb, &cls[i].c), 0);
    }
    run(&loop);
    int ok = 0;
    for (int i = 0; i < MANY; i++) {
        if (cls[i].ready_status == 0 && cls[i].q[0].records == 500 && cls[i].q[0].in_order &&
            cls[i].q[0].summaries == 1 && cls[i].closed == 1)
            ok++;
        client_free(&cls[i]);
    }
    CU_ASSERT_EQUAL(ok, MANY);
    CU_ASSERT_EQUAL(srv.accepted, MANY);
    CU_ASSERT_EQUAL(srv.pulls, MANY * 5);
    CU_ASSERT_EQUAL(srv.goodbyes, MANY);
}

/* ---- routing -------------------------------------------------------------------------------- */

static void test_routing_with_route_message_and_cache(void)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    fs_server router, reader;
    CU_ASSERT_EQUAL_FATAL(fs_start(&router, &loop), 0);
    CU_ASSERT_EQUAL_FATAL(fs_start(&reader, &loop), 0);
    router.route_reader_port = reader.port;
    reader.records = 3;
    bolt_routing_cache *rc = bolt_routing_cache_new();
    char uri[80];
    snprintf(uri, sizeof uri, "neo4j://127.0.0.1:%d?region=eu", router.port);

    client a, b;
    client_init(&a, &loop, uri, 1);
    a.cfg.routing = rc;
    CU_ASSERT_EQUAL_FATAL(client_open(&a), 0);
    while (a.closed == 0) /* the servers keep the loop alive: run until a is closed */
        uv_run(&loop, UV_RUN_ONCE);
    CU_ASSERT_EQUAL(a.ready_status, 0);
    CU_ASSERT_EQUAL(a.q[0].records, 3);
    char reader_addr[32], router_addr[32];
    snprintf(reader_addr, sizeof reader_addr, "127.0.0.1:%d", reader.port);
    snprintf(router_addr, sizeof router_addr, "127.0.0.1:%d", router.port);
    CU_ASSERT_STRING_EQUAL(a.info.address, reader_addr);
    CU_ASSERT_STRING_EQUAL(a.info.seed, router_addr);
    CU_ASSERT_EQUAL(router.routes, 1);
    CU_ASSERT_EQUAL(router.runs, 0);
    CU_ASSERT_EQUAL(router.goodbyes, 1); /* left the router politely */
    CU_ASSERT_EQUAL(reader.runs, 1);

    /* within the TTL the router is not even contacted again */
    client_init(&b, &loop, uri, 1);
    b.cfg.routing = rc;
    b.stop[0] = &router;
    b.stop[1] = &reader;
    CU_ASSERT_EQUAL_FATAL(client_open(&b), 0);
    run(&loop);
    CU_ASSERT_EQUAL(b.ready_status, 0);
    CU_ASSERT_EQUAL(b.q[0].records, 3);
    CU_ASSERT_EQUAL(router.accepted, 1);
    CU_ASSERT_EQUAL(router.routes, 1);
    CU_ASSERT_EQUAL(reader.accepted, 2);
    client_free(&a);
    client_free(&b);
    bolt_routing_cache_free(rc);
}

static void routing_procedure(const char *version, const char *want_query)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    fs_server router, reader;
    CU_ASSERT_EQUAL_FATAL(fs_start(&router, &loop), 0);
    CU_ASSERT_EQUAL_FATAL(fs_start(&reader, &loop), 0);
    memcpy(router.version, version, 4);
    memcpy(reader.version, version, 4);
    router.route_reader_port = reader.port;
    reader.records = 2;
    client cl;
    client_init(&cl, &loop, uri_for(router.port, "neo4j"), 1);
    cl.stop[0] = &router;
    cl.stop[1] = &reader;
    CU_ASSERT_EQUAL_FATAL(client_open(&cl), 0);
    run(&loop);
    CU_ASSERT_EQUAL(cl.ready_status, 0);
    CU_ASSERT_STRING_EQUAL(router.last_query, want_query);
    CU_ASSERT_EQUAL(router.routes, 0);
    CU_ASSERT_EQUAL(reader.runs, 1);
    CU_ASSERT_EQUAL(cl.q[0].records, 2);
    client_free(&cl);
}

static void test_routing_procedures(void)
{
    routing_procedure("\0\0\0\3", "CALL dbms.cluster.routing.getRoutingTable($context)");
    routing_procedure("\0\0\0\4", "CALL dbms.routing.getRoutingTable($context, $database)");
}

static void test_unreachable_reader(void)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    fs_server router;
    CU_ASSERT_EQUAL_FATAL(fs_start(&router, &loop), 0);
    router.route_reader_port = fs_free_port();
    client cl;
    client_init(&cl, &loop, uri_for(router.port, "neo4j"), 1);
    cl.stop[0] = &router;
    CU_ASSERT_EQUAL_FATAL(client_open(&cl), 0);
    run(&loop);
    CU_ASSERT_EQUAL(cl.ready_status, BOLT_E_CONNECT);
    CU_ASSERT_PTR_NOT_NULL(strstr(cl.errmsg, "no READ member of the routing table is usable"));
    client_free(&cl);
}

/* ---- closing at any time; argument checks --------------------------------------------------- */

static void test_close_before_ready(void)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    fs_server srv;
    CU_ASSERT_EQUAL_FATAL(fs_start(&srv, &loop), 0);
    client cl;
    client_init(&cl, &loop, uri_for(srv.port, "bolt"), 3);
    cl.stop[0] = &srv;
    CU_ASSERT_EQUAL_FATAL(client_open(&cl), 0);
    run_queries(&cl); /* queued before the connection is up */
    bolt_conn_close(cl.c);
    bolt_conn_close(cl.c); /* idempotent */
    run(&loop);
    CU_ASSERT_EQUAL(cl.ready_calls, 1);
    CU_ASSERT_EQUAL(cl.ready_status, BOLT_E_CANCELED);
    CU_ASSERT_EQUAL(cl.closed, 1);
    for (int i = 0; i < 3; i++) {
        CU_ASSERT_EQUAL(cl.q[i].failures, 1);
        CU_ASSERT_EQUAL(cl.q[i].fail_err, BOLT_E_CANCELED);
    }
    CU_ASSERT_EQUAL(srv.runs, 0);
    client_free(&cl);
}

static void test_bad_arguments(void)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    bolt_uri u;
    CU_ASSERT_EQUAL_FATAL(bolt_uri_parse("bolt+s://localhost", &u, NULL, 0), 0);
    bolt_conn_config cfg;
    memset(&cfg, 0, sizeof cfg);
    bolt_conn *c = NULL;
    CU_ASSERT_EQUAL(bolt_conn_open(&loop, &cfg, NULL, &c), BOLT_E_INVAL); /* no URI */
    cfg.uri = &u;
    CU_ASSERT_EQUAL(bolt_conn_open(&loop, &cfg, NULL, &c), BOLT_E_INVAL); /* TLS, no context */
    CU_ASSERT_PTR_NULL(c);
    bolt_uri_free(&u);
    CU_ASSERT_EQUAL(uv_loop_close(&loop), 0);
}

/* ---- every allocation failing in turn ------------------------------------------------------- */

static void test_malloc_failures(void)
{
    /* Count the allocations of one whole conversation, then fail each in turn: the outcome
     * must be a reported error (never a crash, a hang or a silent success) and no leak. */
    unsigned long total = 0;
    for (unsigned long n = 0;; n++) {
        uv_loop_t loop;
        uv_loop_init(&loop);
        fs_server srv;
        CU_ASSERT_EQUAL_FATAL(fs_start(&srv, &loop), 0);
        srv.records = 20;
        client cl;
        client_init(&cl, &loop, uri_for(srv.port, "bolt"), 1);
        cl.cfg.fetch_size = 7;
        cl.stop[0] = &srv;
        failalloc_install();
        failalloc_arm(n, 0);
        int r = client_open(&cl);
        if (r == 0) {
            uv_run(&loop, UV_RUN_DEFAULT);
        } else {
            CU_ASSERT_EQUAL(r, BOLT_E_NOMEM);
            fs_stop(&srv);
            uv_close((uv_handle_t *)&cl.resume, NULL);
            uv_run(&loop, UV_RUN_DEFAULT);
        }
        unsigned long calls = failalloc_calls();
        long live = failalloc_live();
        failalloc_uninstall();
        CU_ASSERT_EQUAL(uv_loop_close(&loop), 0);
        int ok = cl.ready_status == 0 && cl.q[0].summaries == 1 && cl.q[0].records == 20;
        int reported = r < 0 || cl.ready_status < 0 || cl.q[0].failures == 1;
        if (n == 0) {
            CU_ASSERT_FATAL(ok);
            total = calls;
        } else {
            if (!(ok || reported)) fprintf(stderr, "\nallocation %lu: no outcome\n", n);
            CU_ASSERT(ok || reported);
            CU_ASSERT(r < 0 || cl.closed == 1);
        }
        if (live != 0) fprintf(stderr, "\nallocation %lu failing: %ld blocks leaked\n", n, live);
        CU_ASSERT_EQUAL(live, 0);
        client_free(&cl);
        if (n >= total) break;
    }
    CU_ASSERT(total > 10);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 2;
    CU_pSuite s = CU_add_suite("conn", NULL, NULL);
    CU_add_test(s, "query in PULL batches, info, GOODBYE", test_query_in_pull_batches);
    CU_add_test(s, "a paused consumer holds the next PULL",
                test_paused_consumer_holds_the_next_pull);
    CU_add_test(s, "Bolt 3 PULL_ALL, NOOPs", test_bolt3_pull_all_and_noops);
    CU_add_test(s, "Bolt 3 back-pressure: stop reading", test_bolt3_back_pressure);
    CU_add_test(s, "FAILURE, automatic RESET, next query", test_failure_then_reset_then_next_query);
    CU_add_test(s, "drop mid-stream is an error", test_drop_mid_stream_is_an_error);
    CU_add_test(s, "authentication failure", test_auth_failure);
    CU_add_test(s, "connection refused", test_connection_refused);
    CU_add_test(s, "handshake: silent, closed, HTTP, no version", test_handshake_problems);
    CU_add_test(s, "receive timeout, configured and from the hint", test_receive_timeouts);
    CU_add_test(s, "ping round trip", test_ping_round_trip);
    CU_add_test(s, "64 connections on one loop", test_many_connections_one_loop);
    CU_add_test(s, "routing: ROUTE, reader, TTL cache", test_routing_with_route_message_and_cache);
    CU_add_test(s, "routing procedures on Bolt 3 and 4.0", test_routing_procedures);
    CU_add_test(s, "routing: unreachable reader", test_unreachable_reader);
    CU_add_test(s, "close before ready cancels queued queries", test_close_before_ready);
    CU_add_test(s, "bad arguments", test_bad_arguments);
    CU_add_test(s, "every allocation failing in turn", test_malloc_failures);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned fails = CU_get_number_of_failures();
    CU_cleanup_registry();
    return fails ? 1 : 0;
}
