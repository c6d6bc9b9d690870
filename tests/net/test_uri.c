/* Tests of connection URI parsing (bolt/net/uri.c): schemes and trust modes, ports, IPv6
 * literals, user names, the refusal of passwords, routing context, and malloc failures. */
#include <CUnit/Basic.h>
#include <string.h>

#include "bolt/error.h"
#include "bolt/net.h"
#include "failalloc.h"

static void test_schemes(void)
{
    static const struct {
        const char *uri;
        int routing;
        bolt_security sec;
        const char *scheme;
    } cases[] = {
        {"bolt://db.example", 0, BOLT_SEC_PLAIN, "bolt"},
        {"bolt+s://db.example", 0, BOLT_SEC_VERIFY, "bolt+s"},
        {"bolt+ssc://db.example", 0, BOLT_SEC_TRUST_ANY, "bolt+ssc"},
        {"neo4j://db.example", 1, BOLT_SEC_PLAIN, "neo4j"},
        {"neo4j+s://db.example", 1, BOLT_SEC_VERIFY, "neo4j+s"},
        {"neo4j+ssc://db.example", 1, BOLT_SEC_TRUST_ANY, "neo4j+ssc"},
        {"BOLT+S://db.example", 0, BOLT_SEC_VERIFY, "bolt+s"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bolt_uri u;
        char err[256];
        CU_ASSERT_EQUAL_FATAL(bolt_uri_parse(cases[i].uri, &u, err, sizeof err), 0);
        CU_ASSERT_EQUAL(u.routing, cases[i].routing);
        CU_ASSERT_EQUAL(u.security, cases[i].sec);
        CU_ASSERT_STRING_EQUAL(u.scheme, cases[i].scheme);
        CU_ASSERT_STRING_EQUAL(u.host, "db.example");
        CU_ASSERT_EQUAL(u.port, 7687);
        CU_ASSERT_STRING_EQUAL(u.address, "db.example:7687");
        CU_ASSERT_EQUAL(u.host_ip, 0);
        CU_ASSERT_PTR_NULL(u.user);
        CU_ASSERT_EQUAL(u.param_count, 0);
        bolt_uri_free(&u);
    }
}

/* Parses text expecting failure; returns 1 when err contains `want`. */
static int refused_with(const char *text, const char *want)
{
    bolt_uri u;
    char err[512];
    memset(err, 0, sizeof err);
    int r = bolt_uri_parse(text, &u, err, sizeof err);
    if (r != BOLT_E_URI) {
        fprintf(stderr, "\n'%s': expected BOLT_E_URI, got %d\n", text, r);
        if (r == 0) bolt_uri_free(&u);
        return 0;
    }
    if (!strstr(err, want)) {
        fprintf(stderr, "\n'%s': message '%s' lacks '%s'\n", text, err, want);
        return 0;
    }
    return 1;
}

static void test_unsupported_and_malformed(void)
{
    CU_ASSERT(refused_with("http://db.example:7474", "unsupported URI scheme 'http'"));
    CU_ASSERT(refused_with("bolt+routing://db.example", "use neo4j://"));
    CU_ASSERT(refused_with("db.example:7687", "expected SCHEME://HOST"));
    CU_ASSERT(refused_with("", "empty URI"));
    CU_ASSERT(refused_with("bolt://", "no host name"));
    CU_ASSERT(refused_with("bolt://:7687", "no host name"));
    CU_ASSERT(refused_with("bolt://db example", "space"));
    CU_ASSERT(refused_with("bolt://db.example/neo4j", "no path"));
    CU_ASSERT(refused_with("bolt://db.example#frag", "no fragment"));
    CU_ASSERT(refused_with("bolt://db$x.example", "invalid character '$'"));
}

static void test_ports(void)
{
    bolt_uri u;
    CU_ASSERT_EQUAL_FATAL(bolt_uri_parse("bolt://h:1", &u, NULL, 0), 0);
    CU_ASSERT_EQUAL(u.port, 1);
    CU_ASSERT_STRING_EQUAL(u.address, "h:1");
    bolt_uri_free(&u);
    CU_ASSERT_EQUAL_FATAL(bolt_uri_parse("bolt://h:65535/", &u, NULL, 0), 0);
    CU_ASSERT_EQUAL(u.port, 65535);
    bolt_uri_free(&u);
    CU_ASSERT(refused_with("bolt://h:0", "invalid port '0'"));
    CU_ASSERT(refused_with("bolt://h:65536", "invalid port '65536'"));
    CU_ASSERT(refused_with("bolt://h:", "invalid port ''"));
    CU_ASSERT(refused_with("bolt://h:76a7", "invalid port"));
    CU_ASSERT(refused_with("bolt://h:-1", "invalid port"));
}

static void test_ip_literals(void)
{
    bolt_uri u;
    CU_ASSERT_EQUAL_FATAL(bolt_uri_parse("bolt+s://[::1]:7688", &u, NULL, 0), 0);
    CU_ASSERT_STRING_EQUAL(u.host, "::1");
    CU_ASSERT_EQUAL(u.host_ip, 6);
    CU_ASSERT_EQUAL(u.port, 7688);
    CU_ASSERT_STRING_EQUAL(u.address, "[::1]:7688");
    bolt_uri_free(&u);

    CU_ASSERT_EQUAL_FATAL(bolt_uri_parse("bolt://[2001:db8::7]", &u, NULL, 0), 0);
    CU_ASSERT_STRING_EQUAL(u.host, "2001:db8::7");
    CU_ASSERT_EQUAL(u.port, 7687);
    bolt_uri_free(&u);

    /* A zone id is written %25 in a URI (RFC 6874) and kept as '%' for getaddrinfo. */
    CU_ASSERT_EQUAL_FATAL(bolt_uri_parse("bolt://[fe80::1%25eth0]:7687", &u, NULL, 0), 0);
    CU_ASSERT_STRING_EQUAL(u.host, "fe80::1%eth0");
    CU_ASSERT_EQUAL(u.host_ip, 6);
    bolt_uri_free(&u);

    CU_ASSERT_EQUAL_FATAL(bolt_uri_parse("bolt://10.1.2.3:7687", &u, NULL, 0), 0);
    CU_ASSERT_EQUAL(u.host_ip, 4);
    bolt_uri_free(&u);

    /* Looks like an address but is not one: a host name (and verified as a name). */
    CU_ASSERT_EQUAL_FATAL(bolt_uri_parse("bolt://10.1.2.300", &u, NULL, 0), 0);
    CU_ASSERT_EQUAL(u.host_ip, 0);
    bolt_uri_free(&u);

    CU_ASSERT(refused_with("bolt://::1:7687", "brackets"));
    CU_ASSERT(refused_with("bolt://[::1:7687", "closing ']'"));
    CU_ASSERT(refused_with("bolt://[zz::1]:7687", "not a valid IPv6 address"));
    CU_ASSERT(refused_with("bolt://[::1]x", "after ']'"));
}

static void test_user_and_password(void)
{
    bolt_uri u;
    CU_ASSERT_EQUAL_FATAL(bolt_uri_parse("bolt+s://reader@db.example:7687", &u, NULL, 0), 0);
    CU_ASSERT_STRING_EQUAL(u.user, "reader");
    CU_ASSERT_STRING_EQUAL(u.host, "db.example");
    bolt_uri_free(&u);
    CU_ASSERT_EQUAL_FATAL(bolt_uri_parse("bolt://ops%40corp@db.example", &u, NULL, 0), 0);
    CU_ASSERT_STRING_EQUAL(u.user, "ops@corp");
    bolt_uri_free(&u);

    /* The password must not come back in the message (it ends up in logs and terminals). */
    char err[512];
    CU_ASSERT_EQUAL(bolt_uri_parse("bolt://neo4j:s3cretPw@db.example", &u, err, sizeof err),
                    BOLT_E_URI);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "contains a password"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "--password-file"));
    CU_ASSERT_PTR_NULL(strstr(err, "s3cretPw"));
    CU_ASSERT_PTR_NULL(strstr(err, "neo4j:"));
    CU_ASSERT_EQUAL(bolt_uri_parse("neo4j://u:p@ss@db.example", &u, err, sizeof err), BOLT_E_URI);
    CU_ASSERT_PTR_NULL(strstr(err, "p@ss"));
    CU_ASSERT(refused_with("bolt://@db.example", "empty user name"));
}

static void test_routing_context(void)
{
    bolt_uri u;
    char err[256];
    CU_ASSERT_EQUAL_FATAL(bolt_uri_parse("neo4j://core1:7687?region=eu%2Dwest&policy=fast+reads",
                                         &u, err, sizeof err),
                          0);
    CU_ASSERT_EQUAL_FATAL(u.param_count, 2);
    CU_ASSERT_STRING_EQUAL(u.params[0].key, "region");
    CU_ASSERT_STRING_EQUAL(u.params[0].value, "eu-west");
    CU_ASSERT_STRING_EQUAL(u.params[1].key, "policy");
    CU_ASSERT_STRING_EQUAL(u.params[1].value, "fast reads");

    bolt_arena a;
    bolt_arena_init(&a, 256, 0);
    bolt_value ctx;
    CU_ASSERT_EQUAL_FATAL(bolt_uri_routing_context(&u, &a, &ctx), 0);
    CU_ASSERT_EQUAL(ctx.type, BOLT_T_MAP);
    CU_ASSERT_EQUAL(ctx.len, 3);
    CU_ASSERT(bolt_value_str_eq(bolt_map_get(&ctx, "address"), "core1:7687"));
    CU_ASSERT(bolt_value_str_eq(bolt_map_get(&ctx, "region"), "eu-west"));
    CU_ASSERT(bolt_value_str_eq(bolt_map_get(&ctx, "policy"), "fast reads"));
    bolt_arena_free(&a);
    bolt_uri_free(&u);

    /* An empty query is no context at all. */
    CU_ASSERT_EQUAL_FATAL(bolt_uri_parse("neo4j://h?", &u, NULL, 0), 0);
    CU_ASSERT_EQUAL(u.param_count, 0);
    bolt_uri_free(&u);

    CU_ASSERT(refused_with("bolt://h:7687?region=eu", "only allowed with neo4j://"));
    CU_ASSERT(refused_with("bolt+s://h?x=1", "not bolt+s://"));
    CU_ASSERT(refused_with("neo4j://h?address=evil:1", "'address' is reserved"));
    CU_ASSERT(refused_with("neo4j://h?a=1&a=2", "given twice"));
    CU_ASSERT(refused_with("neo4j://h?a=%zz", "bad %-escape"));
    CU_ASSERT(refused_with("neo4j://h?a=%00", "bad %-escape"));
    CU_ASSERT(refused_with("neo4j://h?flag", "has no value"));
    CU_ASSERT(refused_with("neo4j://h?a=1&&b=2", "empty parameter"));
    CU_ASSERT(refused_with("neo4j://h?=1", "empty name"));
}

static void test_address_split(void)
{
    char host[64];
    unsigned port = 0;
    CU_ASSERT_EQUAL(bolt_address_split("core2.example:7688", host, sizeof host, &port), 0);
    CU_ASSERT_STRING_EQUAL(host, "core2.example");
    CU_ASSERT_EQUAL(port, 7688);
    CU_ASSERT_EQUAL(bolt_address_split("[::1]:9000", host, sizeof host, &port), 0);
    CU_ASSERT_STRING_EQUAL(host, "::1");
    CU_ASSERT_EQUAL(port, 9000);
    CU_ASSERT_EQUAL(bolt_address_split("plainhost", host, sizeof host, &port), 0);
    CU_ASSERT_EQUAL(port, 7687);
    CU_ASSERT_EQUAL(bolt_address_split("::1:7687", host, sizeof host, &port), BOLT_E_URI);
    CU_ASSERT_EQUAL(bolt_address_split("h:99999", host, sizeof host, &port), BOLT_E_URI);
    CU_ASSERT_EQUAL(bolt_address_split(":7687", host, sizeof host, &port), BOLT_E_URI);
    CU_ASSERT_EQUAL(bolt_address_split("[]:1", host, sizeof host, &port), BOLT_E_URI);
    CU_ASSERT_EQUAL(bolt_address_split("h/x:1", host, sizeof host, &port), BOLT_E_URI);
    char tiny[4];
    CU_ASSERT_EQUAL(bolt_address_split("longhost:1", tiny, sizeof tiny, &port), BOLT_E_URI);
}

static int parse_full(void *ud)
{
    (void)ud;
    bolt_uri u;
    int r = bolt_uri_parse("neo4j+s://me@core1.example:7687?region=eu&zone=a%20b", &u, NULL, 0);
    if (r < 0) return r;
    bolt_arena a;
    bolt_arena_init(&a, 64, 0);
    bolt_value ctx;
    r = bolt_uri_routing_context(&u, &a, &ctx);
    bolt_arena_free(&a);
    bolt_uri_free(&u);
    return r;
}

static void test_malloc_failures(void)
{
    CU_ASSERT_EQUAL(failalloc_each(parse_full, NULL, BOLT_E_NOMEM), 0);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 2;
    CU_pSuite s = CU_add_suite("uri", NULL, NULL);
    CU_add_test(s, "six schemes and their trust modes", test_schemes);
    CU_add_test(s, "unsupported and malformed URIs", test_unsupported_and_malformed);
    CU_add_test(s, "ports", test_ports);
    CU_add_test(s, "IPv4 and IPv6 literals", test_ip_literals);
    CU_add_test(s, "user names; passwords refused without echo", test_user_and_password);
    CU_add_test(s, "routing context from the query string", test_routing_context);
    CU_add_test(s, "routing table addresses", test_address_split);
    CU_add_test(s, "every allocation failing in turn", test_malloc_failures);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned fails = CU_get_number_of_failures();
    CU_cleanup_registry();
    return fails ? 1 : 0;
}
