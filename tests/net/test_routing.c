/* Tests of routing tables (bolt/net/routing.c): parsing what ROUTE and the routing procedures
 * return, the TTL, the cache and the round robin over READ members. */
#include <CUnit/Basic.h>
#include <string.h>

#include "bolt/error.h"
#include "bolt/net.h"
#include "failalloc.h"

/* {ttl, db, servers: [{addresses, role} x3]} as a 4.4+ ROUTE SUCCESS carries under "rt". */
typedef struct rt_fixture {
    bolt_value writers[1], readers[2], routers[3];
    bolt_value srv_kv[3][4];
    bolt_value servers[3];
    bolt_value top[6];
    bolt_value rt;
} rt_fixture;

static void build(rt_fixture *f, int64_t ttl)
{
    f->writers[0] = bolt_string("core1:7687");
    f->readers[0] = bolt_string("core2:7687");
    f->readers[1] = bolt_string("[::1]:7688");
    f->routers[0] = bolt_string("core1:7687");
    f->routers[1] = bolt_string("core2:7687");
    f->routers[2] = bolt_string("core3:7687");
    const char *roles[3] = {"WRITE", "READ", "ROUTE"};
    bolt_value *lists[3] = {f->writers, f->readers, f->routers};
    size_t counts[3] = {1, 2, 3};
    for (int i = 0; i < 3; i++) {
        f->srv_kv[i][0] = bolt_string("addresses");
        f->srv_kv[i][1] = bolt_list(lists[i], counts[i]);
        f->srv_kv[i][2] = bolt_string("role");
        f->srv_kv[i][3] = bolt_string(roles[i]);
        f->servers[i] = bolt_map(f->srv_kv[i], 2);
    }
    f->top[0] = bolt_string("ttl");
    f->top[1] = bolt_int(ttl);
    f->top[2] = bolt_string("db");
    f->top[3] = bolt_string("neo4j");
    f->top[4] = bolt_string("servers");
    f->top[5] = bolt_list(f->servers, 3);
    f->rt = bolt_map(f->top, 3);
}

static void test_parse(void)
{
    rt_fixture f;
    build(&f, 300);
    bolt_routing_table t;
    CU_ASSERT_EQUAL_FATAL(bolt_routing_table_parse(&f.rt, 1000, &t), 0);
    CU_ASSERT_EQUAL(t.ttl, 300);
    CU_ASSERT_EQUAL(t.expires, 1000 + 300000);
    CU_ASSERT_STRING_EQUAL(t.db, "neo4j");
    CU_ASSERT_EQUAL_FATAL(t.writer_count, 1);
    CU_ASSERT_EQUAL_FATAL(t.reader_count, 2);
    CU_ASSERT_EQUAL_FATAL(t.router_count, 3);
    CU_ASSERT_STRING_EQUAL(t.writers[0], "core1:7687");
    CU_ASSERT_STRING_EQUAL(t.readers[0], "core2:7687");
    CU_ASSERT_STRING_EQUAL(t.readers[1], "[::1]:7688");
    CU_ASSERT_STRING_EQUAL(t.routers[2], "core3:7687");
    bolt_routing_table_free(&t);
    CU_ASSERT_EQUAL(t.reader_count, 0);

    /* procedure results (3.5, 4.0-4.2) have no db; a negative TTL expires at once */
    f.rt.len = 2; /* {ttl, servers}: the db entry is dropped */
    f.top[2] = f.top[4];
    f.top[3] = f.top[5];
    f.top[1] = bolt_int(-5);
    CU_ASSERT_EQUAL_FATAL(bolt_routing_table_parse(&f.rt, 50, &t), 0);
    CU_ASSERT_PTR_NULL(t.db);
    CU_ASSERT_EQUAL(t.expires, 50);
    bolt_routing_table_free(&t);
}

static void test_malformed(void)
{
    rt_fixture f;
    bolt_routing_table t;
    build(&f, 10);
    f.top[1] = bolt_string("10"); /* ttl must be an integer */
    CU_ASSERT_EQUAL(bolt_routing_table_parse(&f.rt, 0, &t), BOLT_E_ROUTING);
    build(&f, 10);
    f.readers[1] = bolt_string("::1:7687"); /* unbracketed IPv6 */
    CU_ASSERT_EQUAL(bolt_routing_table_parse(&f.rt, 0, &t), BOLT_E_ROUTING);
    CU_ASSERT_EQUAL(t.writer_count, 0); /* nothing half-built is left */
    build(&f, 10);
    f.readers[0] = bolt_int(1);
    CU_ASSERT_EQUAL(bolt_routing_table_parse(&f.rt, 0, &t), BOLT_E_ROUTING);
    build(&f, 10);
    f.srv_kv[1][3] = bolt_string("ARBITER"); /* unknown role: skipped, not an error */
    CU_ASSERT_EQUAL(bolt_routing_table_parse(&f.rt, 0, &t), 0);
    CU_ASSERT_EQUAL(t.reader_count, 0);
    CU_ASSERT_EQUAL(t.router_count, 3);
    bolt_routing_table_free(&t);
    bolt_value notmap = bolt_int(3);
    CU_ASSERT_EQUAL(bolt_routing_table_parse(&notmap, 0, &t), BOLT_E_ROUTING);
}

static void test_cache_ttl_and_round_robin(void)
{
    rt_fixture f;
    build(&f, 60);
    bolt_routing_cache *rc = bolt_routing_cache_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(rc);
    bolt_routing_table t;
    CU_ASSERT_EQUAL_FATAL(bolt_routing_table_parse(&f.rt, 10000, &t), 0);
    CU_ASSERT_PTR_NULL(bolt_routing_cache_get(rc, "seed:7687", NULL, 10000));
    CU_ASSERT_EQUAL(bolt_routing_cache_put(rc, "seed:7687", NULL, &t), 0);
    CU_ASSERT_EQUAL(t.reader_count, 0); /* ownership moved */
    const bolt_routing_table *got = bolt_routing_cache_get(rc, "seed:7687", NULL, 10000);
    CU_ASSERT_PTR_NOT_NULL_FATAL(got);
    CU_ASSERT_EQUAL(got->reader_count, 2);
    /* the TTL is honoured to the millisecond */
    CU_ASSERT_PTR_NOT_NULL(bolt_routing_cache_get(rc, "seed:7687", NULL, 10000 + 59999));
    CU_ASSERT_PTR_NULL(bolt_routing_cache_get(rc, "seed:7687", NULL, 10000 + 60000));
    /* keyed by database too */
    CU_ASSERT_PTR_NULL(bolt_routing_cache_get(rc, "seed:7687", "other", 10000));
    CU_ASSERT_PTR_NULL(bolt_routing_cache_get(rc, "seed2:7687", NULL, 10000));

    /* readers in turn */
    const char *a = bolt_routing_next_reader(rc, "seed:7687", NULL, got);
    const char *b = bolt_routing_next_reader(rc, "seed:7687", NULL, got);
    const char *c = bolt_routing_next_reader(rc, "seed:7687", NULL, got);
    CU_ASSERT_STRING_EQUAL(a, "core2:7687");
    CU_ASSERT_STRING_EQUAL(b, "[::1]:7688");
    CU_ASSERT_STRING_EQUAL(c, "core2:7687");

    /* put replaces the table */
    build(&f, 5);
    CU_ASSERT_EQUAL_FATAL(bolt_routing_table_parse(&f.rt, 20000, &t), 0);
    CU_ASSERT_EQUAL(bolt_routing_cache_put(rc, "seed:7687", NULL, &t), 0);
    got = bolt_routing_cache_get(rc, "seed:7687", NULL, 20000);
    CU_ASSERT_PTR_NOT_NULL_FATAL(got);
    CU_ASSERT_EQUAL(got->ttl, 5);
    bolt_routing_cache_free(rc);
}

static int parse_and_cache(void *ud)
{
    rt_fixture *f = ud;
    bolt_routing_table t;
    int r = bolt_routing_table_parse(&f->rt, 0, &t);
    if (r < 0) return r;
    bolt_routing_cache *rc = bolt_routing_cache_new();
    if (!rc) {
        bolt_routing_table_free(&t);
        return BOLT_E_NOMEM;
    }
    r = bolt_routing_cache_put(rc, "seed:1", "db", &t);
    bolt_routing_table_free(&t);
    bolt_routing_cache_free(rc);
    return r;
}

static void test_malloc_failures(void)
{
    rt_fixture f;
    build(&f, 10);
    CU_ASSERT_EQUAL(failalloc_each(parse_and_cache, &f, BOLT_E_NOMEM), 0);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 2;
    CU_pSuite s = CU_add_suite("routing", NULL, NULL);
    CU_add_test(s, "parse ROUTE and procedure tables", test_parse);
    CU_add_test(s, "malformed tables", test_malformed);
    CU_add_test(s, "cache: TTL, keys, round robin, replace", test_cache_ttl_and_round_robin);
    CU_add_test(s, "every allocation failing in turn", test_malloc_failures);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned fails = CU_get_number_of_failures();
    CU_cleanup_registry();
    return fails ? 1 : 0;
}
