/* Tests of connections (bolt/net/conn.c) against a scripted Bolt server on the same libuv loop
 * (fakeserver.h): every kind of connection error with its message, 64 connections on one loop,
 * neo4j:// routing (ROUTE, the procedures, the TTL cache, unreachable readers), closing at any
 * time, bad arguments, and every allocation failing in turn. No assertion depends on how long
 * anything takes. Queries are tested in test_conn_query.c. */
#include <CUnit/Basic.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "bolt/error.h"
#include "bolt/net.h"
#include "failalloc.h"
#include "fakeserver.h"
#include "testclient.h"

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

static void test_sigpipe_ignored(void)
{
    /* A write to a socket the server closed must be EPIPE, not the end of the process. */
    struct sigaction dfl, now;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigaction(SIGPIPE, &dfl, NULL);
    uv_loop_t loop;
    uv_loop_init(&loop);
    client cl;
    connect_expect(NULL, fs_free_port(), 0, 0, &cl, &loop, 0);
    CU_ASSERT_EQUAL(sigaction(SIGPIPE, NULL, &now), 0);
    CU_ASSERT(now.sa_handler == SIG_IGN);
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
    CU_add_test(s, "authentication failure", test_auth_failure);
    CU_add_test(s, "connection refused", test_connection_refused);
    CU_add_test(s, "handshake: silent, closed, HTTP, no version", test_handshake_problems);
    CU_add_test(s, "64 connections on one loop", test_many_connections_one_loop);
    CU_add_test(s, "routing: ROUTE, reader, TTL cache", test_routing_with_route_message_and_cache);
    CU_add_test(s, "routing procedures on Bolt 3 and 4.0", test_routing_procedures);
    CU_add_test(s, "routing: unreachable reader", test_unreachable_reader);
    CU_add_test(s, "close before ready cancels queued queries", test_close_before_ready);
    CU_add_test(s, "bad arguments", test_bad_arguments);
    CU_add_test(s, "SIGPIPE cannot kill the process", test_sigpipe_ignored);
    CU_add_test(s, "every allocation failing in turn", test_malloc_failures);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned fails = CU_get_number_of_failures();
    CU_cleanup_registry();
    return fails ? 1 : 0;
}
