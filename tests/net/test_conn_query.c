/* Tests of queries on a connection (bolt/net/conn_query.c, conn_io.c) against a scripted Bolt
 * server on the same libuv loop (fakeserver.h): PULL n batches that follow the consumer, Bolt 3
 * back-pressure by not reading, FAILURE and the automatic RESET, drops mid-stream, receive
 * timeouts (configured and from the server's hint), NOOPs, the RESET round trip, raw record
 * delivery (on_record_raw). No assertion depends on how long anything takes. */
#include <CUnit/Basic.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "bolt/error.h"
#include "bolt/net.h"
#include "fakeserver.h"
#include "testclient.h"

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
    bolt_query_callbacks cb = {on_fields, bp_record, on_summary, on_failure, &cl.q[0], NULL};
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

/* ---- raw records (on_record_raw) ------------------------------------------------------------ */

/* Consumed raw: nothing is decoded for on_record, PULL batches still follow the consumer. */
static void test_raw_records_consumed(void)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    fs_server srv;
    CU_ASSERT_EQUAL_FATAL(fs_start(&srv, &loop), 0);
    srv.records = 2500;
    client cl;
    client_init(&cl, &loop, uri_for(srv.port, "bolt"), 1);
    cl.q[0].raw = 1;
    srv.consumer_count = &cl.consumed;
    cl.stop[0] = &srv;
    CU_ASSERT_EQUAL_FATAL(client_open(&cl), 0);
    run(&loop);
    tquery *q = &cl.q[0];
    CU_ASSERT_EQUAL(q->raw_calls, 2500);
    CU_ASSERT(q->raw_in_order);
    CU_ASSERT_EQUAL(q->records, 0); /* on_record never called */
    CU_ASSERT_EQUAL(q->fields, 2);
    CU_ASSERT_EQUAL(q->summaries, 1);
    CU_ASSERT_EQUAL(q->failures, 0);
    CU_ASSERT_EQUAL_FATAL(srv.pulls, 3);
    for (int i = 0; i < 3; i++) {
        CU_ASSERT_EQUAL(srv.pull_n[i], 1000);
        CU_ASSERT_EQUAL(srv.consumed_at_pull[i], (uint64_t)i * 1000);
    }
    client_free(&cl);

    /* The connection counted them: a drop names how many records arrived. */
    uv_loop_init(&loop);
    CU_ASSERT_EQUAL_FATAL(fs_start(&srv, &loop), 0);
    srv.records = 100;
    srv.drop_after = 10;
    client_init(&cl, &loop, uri_for(srv.port, "bolt"), 1);
    cl.q[0].raw = 1;
    cl.stop[0] = &srv;
    CU_ASSERT_EQUAL_FATAL(client_open(&cl), 0);
    run(&loop);
    CU_ASSERT_EQUAL(cl.q[0].raw_calls, 10);
    CU_ASSERT_EQUAL(cl.q[0].fail_err, BOLT_E_CLOSED);
    CU_ASSERT_PTR_NOT_NULL(
        strstr(cl.q[0].fail_msg, "in the middle of a result (after 10 records)"));
    client_free(&cl);
}

/* BOLT_RECORD_DECODE: on_record sees what a query without on_record_raw sees, and its 1
 * still pauses (on Bolt 3 too, where raw and eager queries share one PULL_ALL stream each). */
static void raw_decode_same_as_eager(const char *version)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    fs_server srv;
    CU_ASSERT_EQUAL_FATAL(fs_start(&srv, &loop), 0);
    memcpy(srv.version, version, 4);
    srv.records = 300;
    client cl;
    client_init(&cl, &loop, uri_for(srv.port, "bolt"), 3);
    cl.cfg.fetch_size = 100;
    cl.q[1].raw = cl.q[1].raw_decode = 1;
    cl.q[2].raw = cl.q[2].raw_decode = 1;
    cl.q[2].pause_every = 29;
    cl.stop[0] = &srv;
    CU_ASSERT_EQUAL_FATAL(client_open(&cl), 0);
    run(&loop);
    for (int i = 0; i < 3; i++) {
        CU_ASSERT_EQUAL(cl.q[i].records, 300);
        CU_ASSERT(cl.q[i].in_order);
        CU_ASSERT_EQUAL(cl.q[i].summaries, 1);
        CU_ASSERT_EQUAL(cl.q[i].failures, 0);
        CU_ASSERT_STRING_EQUAL(cl.q[i].db, "neo4j");
    }
    CU_ASSERT_EQUAL(cl.q[0].raw_calls, 0);
    CU_ASSERT_EQUAL(cl.q[1].raw_calls, 300);
    CU_ASSERT(cl.q[1].raw_in_order);
    CU_ASSERT_EQUAL(cl.q[2].raw_calls, 300);
    CU_ASSERT_EQUAL(cl.consumed, 900);
    client_free(&cl);
}

static void test_raw_decode_same_as_eager(void)
{
    raw_decode_same_as_eager("\0\0\4\4");
    raw_decode_same_as_eager("\0\0\0\3");
}

static void test_raw_pause_resume(void)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    fs_server srv;
    CU_ASSERT_EQUAL_FATAL(fs_start(&srv, &loop), 0);
    srv.records = 1000;
    client cl;
    client_init(&cl, &loop, uri_for(srv.port, "bolt"), 1);
    cl.cfg.fetch_size = 100;
    cl.q[0].raw = 1;
    cl.q[0].pause_every = 37;
    srv.consumer_count = &cl.consumed;
    cl.stop[0] = &srv;
    CU_ASSERT_EQUAL_FATAL(client_open(&cl), 0);
    run(&loop);
    CU_ASSERT_EQUAL(cl.q[0].raw_calls, 1000);
    CU_ASSERT(cl.q[0].raw_in_order);
    CU_ASSERT_EQUAL(cl.q[0].records, 0);
    CU_ASSERT_EQUAL(cl.q[0].summaries, 1);
    /* Each pause held the next PULL until the consumer resumed and took the whole batch. */
    CU_ASSERT_EQUAL_FATAL(srv.pulls, 10);
    for (int i = 0; i < 10; i++) {
        CU_ASSERT_EQUAL(srv.pull_n[i], 100);
        CU_ASSERT_EQUAL(srv.consumed_at_pull[i], (uint64_t)i * 100);
    }
    client_free(&cl);
}

/* One connection whose queries' 4th record is malformed; both queries (q[1] queued behind
 * q[0]) are set up by raw/raw_decode. The failure message with the address (which changes per
 * server) cut out. */
static void run_bad_record(int raw, int raw_decode, client *cl, char *msg, size_t msglen)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    fs_server srv;
    CU_ASSERT_EQUAL_FATAL(fs_start(&srv, &loop), 0);
    srv.records = 10;
    srv.bad_record = 3;
    client_init(cl, &loop, uri_for(srv.port, "bolt"), 2);
    for (int i = 0; i < 2; i++) {
        cl->q[i].raw = raw;
        cl->q[i].raw_decode = raw_decode;
    }
    cl->stop[0] = &srv;
    CU_ASSERT_EQUAL_FATAL(client_open(cl), 0);
    run(&loop);
    const char *m = cl->q[0].fail_msg, *at = strstr(m, cl->uri.address);
    if (at)
        snprintf(msg, msglen, "%.*sADDR%s", (int)(at - m), m, at + strlen(cl->uri.address));
    else
        snprintf(msg, msglen, "%s", m);
    client_free(cl);
}

static void test_raw_malformed_record(void)
{
    client eager, dec, raw;
    char eager_msg[600], dec_msg[600], raw_msg[600];
    run_bad_record(0, 0, &eager, eager_msg, sizeof eager_msg);
    run_bad_record(1, 1, &dec, dec_msg, sizeof dec_msg);
    run_bad_record(1, 0, &raw, raw_msg, sizeof raw_msg);

    /* Today's behaviour: the record is a protocol error that fails the connection. */
    CU_ASSERT_EQUAL(eager.q[0].records, 3);
    CU_ASSERT_EQUAL(eager.q[0].failures, 1);
    CU_ASSERT_EQUAL(eager.q[0].summaries, 0);
    CU_ASSERT_EQUAL(eager.q[0].fail_err, BOLT_E_RESERVED_MARKER);
    CU_ASSERT_PTR_NOT_NULL(strstr(eager_msg, "protocol error with ADDR"));
    CU_ASSERT_EQUAL(eager.q[1].failures, 1);

    /* Decoded on request: exactly the same. */
    CU_ASSERT_EQUAL(dec.q[0].raw_calls, 4);
    CU_ASSERT_EQUAL(dec.q[0].records, 3);
    CU_ASSERT_EQUAL(dec.q[0].failures, 1);
    CU_ASSERT_EQUAL(dec.q[0].summaries, 0);
    CU_ASSERT_EQUAL(dec.q[0].fail_err, eager.q[0].fail_err);
    CU_ASSERT_STRING_EQUAL(dec_msg, eager_msg);
    CU_ASSERT_EQUAL(dec.q[1].failures, 1);
    CU_ASSERT_EQUAL(dec.q[1].fail_err, eager.q[1].fail_err);
    CU_ASSERT_EQUAL(dec.closed, 1);

    /* Not decoded: the bytes are the consumer's to check; the stream goes on. */
    CU_ASSERT_EQUAL(raw.q[0].raw_calls, 10);
    CU_ASSERT_EQUAL(raw.q[0].failures, 0);
    CU_ASSERT_EQUAL(raw.q[0].summaries, 1);
    CU_ASSERT_EQUAL(raw.q[1].raw_calls, 10);
    CU_ASSERT_EQUAL(raw.q[1].summaries, 1);
}

/* neo4j:// on 4.0 with the router as its own reader: the routing procedure's record (decoded)
 * and the raw query share one session. */
static void test_raw_after_routing_procedure(void)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    fs_server srv;
    CU_ASSERT_EQUAL_FATAL(fs_start(&srv, &loop), 0);
    memcpy(srv.version, "\0\0\0\4", 4);
    srv.records = 5;
    client cl;
    client_init(&cl, &loop, uri_for(srv.port, "neo4j"), 1);
    cl.q[0].raw = 1;
    cl.stop[0] = &srv;
    CU_ASSERT_EQUAL_FATAL(client_open(&cl), 0);
    run(&loop);
    CU_ASSERT_EQUAL(cl.ready_status, 0);
    CU_ASSERT_EQUAL(srv.runs, 2); /* the procedure, then the query */
    CU_ASSERT_EQUAL(srv.accepted, 1);
    CU_ASSERT_EQUAL(cl.q[0].raw_calls, 5);
    CU_ASSERT(cl.q[0].raw_in_order);
    CU_ASSERT_EQUAL(cl.q[0].summaries, 1);
    client_free(&cl);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 2;
    CU_pSuite s = CU_add_suite("conn_query", NULL, NULL);
    CU_add_test(s, "query in PULL batches, info, GOODBYE", test_query_in_pull_batches);
    CU_add_test(s, "a paused consumer holds the next PULL",
                test_paused_consumer_holds_the_next_pull);
    CU_add_test(s, "Bolt 3 PULL_ALL, NOOPs", test_bolt3_pull_all_and_noops);
    CU_add_test(s, "Bolt 3 back-pressure: stop reading", test_bolt3_back_pressure);
    CU_add_test(s, "FAILURE, automatic RESET, next query", test_failure_then_reset_then_next_query);
    CU_add_test(s, "drop mid-stream is an error", test_drop_mid_stream_is_an_error);
    CU_add_test(s, "receive timeout, configured and from the hint", test_receive_timeouts);
    CU_add_test(s, "ping round trip", test_ping_round_trip);
    CU_add_test(s, "raw records consumed undecoded", test_raw_records_consumed);
    CU_add_test(s, "raw records decoded on request == eager", test_raw_decode_same_as_eager);
    CU_add_test(s, "raw consumer pauses and resumes", test_raw_pause_resume);
    CU_add_test(s, "malformed record, raw and decoded", test_raw_malformed_record);
    CU_add_test(s, "raw query after the routing procedure", test_raw_after_routing_procedure);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned fails = CU_get_number_of_failures();
    CU_cleanup_registry();
    return fails ? 1 : 0;
}
