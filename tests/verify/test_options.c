/* Tests of verify/options.c: defaults, every option, one exact line for every kind of mistake,
 * secrets never echoed, getopt state reset between parses, key and duration syntax, and
 * allocation failures. */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bolt/alloc.h"
#include "bolt/error.h"
#include "failalloc.h"
#include "verify/model.h"
#include "verify/options.h"

static bv_options O;
static char ERR[512];

/* Parses a NULL-terminated list of words after "verify". */
static int parse_v(const char *const *words)
{
    char *argv[64];
    int argc = 0;
    argv[argc++] = (char *)"verify";
    for (; *words && argc < 63; words++)
        argv[argc++] = (char *)*words;
    argv[argc] = NULL;
    bv_options_free(&O);
    return bv_options_parse(&O, argc, argv, ERR, sizeof ERR);
}

#define PARSE(...) parse_v((const char *const[]){__VA_ARGS__, NULL})

#define ASSERT_USAGE(msg, ...)                                                                     \
    do {                                                                                           \
        CU_ASSERT_EQUAL(PARSE(__VA_ARGS__), BOLT_E_INVAL);                                         \
        if (strcmp(ERR, (msg))) fprintf(stderr, "\nerr: %s\nexpected: %s\n", ERR, (msg));          \
        CU_ASSERT_STRING_EQUAL(ERR, (msg));                                                        \
        CU_ASSERT_PTR_NULL(strchr(ERR, '\n'));                                                     \
    } while (0)

static void test_defaults(void)
{
    CU_ASSERT_EQUAL(PARSE("bolt://old:7687", "bolt://new:7687"), 0);
    CU_ASSERT_EQUAL(O.checks, BV_CHECK_DEFAULT);
    CU_ASSERT_FALSE(O.checks & BV_CHECK_FULL);
    CU_ASSERT_EQUAL(O.parallel, BV_DEFAULT_PARALLEL);
    CU_ASSERT_EQUAL(O.sample_size, BV_DEFAULT_SAMPLE_SIZE);
    CU_ASSERT_EQUAL(O.fetch_size, BV_DEFAULT_FETCH_SIZE);
    CU_ASSERT_EQUAL(O.retries, BV_DEFAULT_RETRIES);
    CU_ASSERT_EQUAL(O.connect_timeout_ms, 10000);
    CU_ASSERT_EQUAL(O.query_timeout_ms, 0);
    CU_ASSERT_FALSE(O.seed_set);
    CU_ASSERT_EQUAL(O.format, BV_FORMAT_TEXT);
    CU_ASSERT_EQUAL(O.color, BV_COLOR_AUTO);
    CU_ASSERT_FALSE(O.quiet);
    CU_ASSERT_EQUAL(O.instance_count, 2);
    CU_ASSERT_STRING_EQUAL(O.instances[0], "bolt://old:7687");
    CU_ASSERT_STRING_EQUAL(O.instances[1], "bolt://new:7687");
    CU_ASSERT_STRING_EQUAL(ERR, "");
}

static void test_every_option(void)
{
    int rc =
        PARSE("-c", "counts,schema", "--sample-size", "250", "--seed", "18446744073709551615", "-k",
              "Person.uid", "--key", "`My.Label`.`a``b`", "--strict", "-j", "8", "--fetch-size",
              "5000", "--retries", "0", "--connect-timeout", "500ms", "--query-timeout", "2m", "-d",
              "graph.db", "--user", "neo4j", "--password-file", "/run/secrets/pw", "--auth-env",
              "OLD", "--auth-env", "NEW", "--auth-env", "FIVE", "--ca-file", "ca.pem", "--cert",
              "c.pem", "--client-key", "k.pem", "--pin", "sha256:abcd", "--bolt", "4.4",
              "--manifest", "-f", "json", "-o", "out.json", "--junit", "j.xml", "--prometheus",
              "m.prom", "--pushgateway", "http://gw:9091", "--push-job", "nightly", "-q", "--color",
              "never", "bolt://a", "neo4j+s://b:7687/?x=1", "snap/baseline.snap");
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT_EQUAL(O.checks, BV_CHECK_COUNTS | BV_CHECK_SCHEMA);
    CU_ASSERT_EQUAL(O.sample_size, 250);
    CU_ASSERT_EQUAL(O.seed, UINT64_MAX);
    CU_ASSERT_TRUE(O.seed_set);
    CU_ASSERT_EQUAL_FATAL(O.key_count, 2);
    CU_ASSERT_STRING_EQUAL(O.keys[0].label, "Person");
    CU_ASSERT_STRING_EQUAL(O.keys[0].prop, "uid");
    CU_ASSERT_STRING_EQUAL(O.keys[1].label, "My.Label");
    CU_ASSERT_STRING_EQUAL(O.keys[1].prop, "a`b");
    CU_ASSERT_TRUE(O.strict);
    CU_ASSERT_EQUAL(O.parallel, 8);
    CU_ASSERT_EQUAL(O.fetch_size, 5000);
    CU_ASSERT_EQUAL(O.retries, 0);
    CU_ASSERT_EQUAL(O.connect_timeout_ms, 500);
    CU_ASSERT_EQUAL(O.query_timeout_ms, 120000);
    CU_ASSERT_STRING_EQUAL(O.database, "graph.db");
    CU_ASSERT_STRING_EQUAL(O.user, "neo4j");
    CU_ASSERT_STRING_EQUAL(O.password_file, "/run/secrets/pw");
    CU_ASSERT_EQUAL_FATAL(O.auth_env_count, 3);
    CU_ASSERT_STRING_EQUAL(O.auth_env[2], "FIVE");
    CU_ASSERT_STRING_EQUAL(O.ca_file, "ca.pem");
    CU_ASSERT_STRING_EQUAL(O.client_cert, "c.pem");
    CU_ASSERT_STRING_EQUAL(O.client_key, "k.pem");
    CU_ASSERT_STRING_EQUAL(O.pin, "sha256:abcd");
    CU_ASSERT_STRING_EQUAL(O.bolt, "4.4");
    CU_ASSERT_TRUE(O.manifest);
    CU_ASSERT_EQUAL(O.format, BV_FORMAT_JSON);
    CU_ASSERT_STRING_EQUAL(O.output, "out.json");
    CU_ASSERT_STRING_EQUAL(O.junit, "j.xml");
    CU_ASSERT_STRING_EQUAL(O.prometheus, "m.prom");
    CU_ASSERT_STRING_EQUAL(O.pushgateway, "http://gw:9091");
    CU_ASSERT_STRING_EQUAL(O.push_job, "nightly");
    CU_ASSERT_TRUE(O.quiet);
    CU_ASSERT_EQUAL(O.color, BV_COLOR_NEVER);
    CU_ASSERT_EQUAL(O.instance_count, 3);
    CU_ASSERT_STRING_EQUAL(O.instances[2], "snap/baseline.snap");
}

static void test_checks_lists(void)
{
    CU_ASSERT_EQUAL(PARSE("--checks", "all", "a", "b"), 0);
    CU_ASSERT_EQUAL(O.checks, BV_CHECK_ALL);
    CU_ASSERT_EQUAL(PARSE("--checks=default,full", "a", "b"), 0);
    CU_ASSERT_EQUAL(O.checks, BV_CHECK_ALL);
    CU_ASSERT_EQUAL(PARSE("--checks", "sample", "a", "b"), 0);
    CU_ASSERT_EQUAL(O.checks, BV_CHECK_SAMPLE);
    ASSERT_USAGE("--checks: unknown check 'count' (known: inventory, tokens, counts, schema, "
                 "coverage, sample, full, default, all)",
                 "--checks", "inventory,count", "a", "b");
    ASSERT_USAGE("--checks: unknown check '' (known: inventory, tokens, counts, schema, "
                 "coverage, sample, full, default, all)",
                 "--checks", "counts,", "a", "b");
}

static void test_help_and_options_after_instances(void)
{
    CU_ASSERT_EQUAL(PARSE("--help"), BV_OPTIONS_HELP);
    CU_ASSERT_EQUAL(PARSE("a", "b", "-h"), BV_OPTIONS_HELP);
    /* options may follow the instances (GNU getopt permutes), "--" ends them */
    CU_ASSERT_EQUAL(PARSE("a", "b", "--quiet"), 0);
    CU_ASSERT_TRUE(O.quiet);
    CU_ASSERT_EQUAL(PARSE("--", "a", "--b"), 0);
    CU_ASSERT_STRING_EQUAL(O.instances[1], "--b");
}

static void test_usage_errors(void)
{
    ASSERT_USAGE("expected a baseline and at least one target instance", "-q");
    ASSERT_USAGE("expected at least one target instance after the baseline", "bolt://a");
    ASSERT_USAGE("unknown option --bogus", "--bogus", "a", "b");
    ASSERT_USAGE("unknown option -z", "-z", "a", "b");
    ASSERT_USAGE("unknown option --check", "--check", "counts", "a", "b"); /* no prefixes */
    ASSERT_USAGE("--junit needs a value", "a", "b", "--junit");
    ASSERT_USAGE("-j needs a value", "a", "b", "-j");
    ASSERT_USAGE("unknown option --quiet", "--quiet=yes", "a", "b");
    ASSERT_USAGE("--parallel: expected an integer from 1 to 64, got '0'", "-j", "0", "a", "b");
    ASSERT_USAGE("--parallel: expected an integer from 1 to 64, got '65'", "-j65", "a", "b");
    ASSERT_USAGE("--sample-size: expected an integer from 1 to 10000000, got '-5'", "--sample-size",
                 "-5", "a", "b");
    ASSERT_USAGE("--fetch-size: expected an integer from 1 to 1000000, got ' 10'", "--fetch-size",
                 " 10", "a", "b");
    ASSERT_USAGE("--retries: expected an integer from 0 to 100, got '3x'", "--retries", "3x", "a",
                 "b");
    ASSERT_USAGE("--seed: expected an unsigned 64-bit integer, got '18446744073709551616'",
                 "--seed", "18446744073709551616", "a", "b");
    ASSERT_USAGE("--connect-timeout: expected a duration like 500ms, 10s or 2m (not 0), got '0'",
                 "--connect-timeout", "0", "a", "b");
    ASSERT_USAGE("--query-timeout: expected a duration like 500ms, 10s or 2m, got '1h'",
                 "--query-timeout", "1h", "a", "b");
    ASSERT_USAGE("--format: expected text or json, got 'xml'", "-f", "xml", "a", "b");
    ASSERT_USAGE("--color: expected auto, always or never, got 'yes'", "--color", "yes", "a", "b");
    ASSERT_USAGE("--key: expected LABEL.PROP (back-quote names that contain dots), got 'Person'",
                 "--key", "Person", "a", "b");
    ASSERT_USAGE("--key: label Person is given twice", "-k", "Person.uid", "-k", "Person.email",
                 "a", "b");
    ASSERT_USAGE("--match-by-id and --key cannot be used together", "--match-by-id", "-k", "P.x",
                 "a", "b");
    ASSERT_USAGE("--client-cert and --client-key must be given together", "--cert", "c.pem", "a",
                 "b");
    ASSERT_USAGE("--no-auth cannot be combined with credential options", "--no-auth", "--user", "x",
                 "a", "b");
    ASSERT_USAGE("--password-file and --token-file cannot be used together", "--password-file", "p",
                 "--token-file", "t", "a", "b");
    ASSERT_USAGE("--push-job needs --pushgateway", "--push-job", "x", "a", "b");
    ASSERT_USAGE("--push-job: only letters, digits, '_', '-' and '.' are allowed", "--push-job",
                 "a/b", "--pushgateway", "http://gw", "a", "b");
    ASSERT_USAGE("--junit and --prometheus name the same file", "--junit", "r", "--prometheus", "r",
                 "a", "b");
    ASSERT_USAGE("--auth-env: give one prefix for all instances or one per instance (2 given for "
                 "3 instances)",
                 "--auth-env", "A", "--auth-env", "B", "a", "b", "c");
    ASSERT_USAGE("--auth-env: a prefix is made of A-Z, 0-9 and '_', got 'neo4j'", "--auth-env",
                 "neo4j", "a", "b");
    ASSERT_USAGE("--pin: expected sha256:<hex or base64 digest>", "--pin", "md5:00", "a", "b");
    ASSERT_USAGE("--output: empty file name", "-o", "", "a", "b");
    ASSERT_USAGE("--database: empty database name", "-d", "", "a", "b");
}

static void test_instances(void)
{
    ASSERT_USAGE("instance 1 (target): unsupported URI scheme 'http' (use bolt, bolt+s, "
                 "bolt+ssc, neo4j, neo4j+s or neo4j+ssc)",
                 "bolt://a", "http://b:7474");
    ASSERT_USAGE("instance 0 (baseline): the URI has no host", "bolt://", "bolt://b");
    ASSERT_USAGE("instance 1 (target): the URI has no host", "bolt://a", "bolt://user@:7687");
    ASSERT_USAGE("instance 1 (target): empty argument", "bolt://a", "");
    /* user@ alone is fine; a snapshot path needs no scheme */
    CU_ASSERT_EQUAL(PARSE("bolt://neo4j@old:7687", "./base.snap", "neo4j+ssc://[::1]:7687"), 0);
}

/* A password on the command line is refused without ever being repeated. */
static void test_secrets_never_echoed(void)
{
    const char *secret = "Sup3rS3cret";
    CU_ASSERT_EQUAL(PARSE("bolt://neo4j:Sup3rS3cret@old:7687", "bolt://b"), BOLT_E_INVAL);
    CU_ASSERT_PTR_NULL(strstr(ERR, secret));
    CU_ASSERT_PTR_NOT_NULL(strstr(ERR, "a password in the URI is refused"));
    CU_ASSERT_EQUAL(PARSE("--password=Sup3rS3cret", "a", "b"), BOLT_E_INVAL);
    CU_ASSERT_PTR_NULL(strstr(ERR, secret));
    CU_ASSERT_STRING_EQUAL(ERR, "--password is not accepted: secrets never go on the command "
                                "line (visible to every user); use --password-file, "
                                "NEO4J_PASSWORD or NEO4J_PASSWORD_FILE");
    /* a prefix of --password-file must not swallow the password as a file name */
    CU_ASSERT_EQUAL(PARSE("--password", "Sup3rS3cret", "a", "b"), BOLT_E_INVAL);
    CU_ASSERT_PTR_NULL(strstr(ERR, secret));
    CU_ASSERT_EQUAL(PARSE("--token=Sup3rS3cret", "a", "b"), BOLT_E_INVAL);
    CU_ASSERT_PTR_NULL(strstr(ERR, secret));
    CU_ASSERT_EQUAL(PARSE("--pushgateway", "http://u:Sup3rS3cret@gw:9091", "a", "b"), BOLT_E_INVAL);
    CU_ASSERT_PTR_NULL(strstr(ERR, secret));
}

static void test_pushgateway_urls(void)
{
    const char *good[] = {"http://gw", "http://gw:9091", "http://gw:9091/", "http://[::1]:9091",
                          "http://gw:9091/metrics/job/x/instance/y"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        CU_ASSERT_EQUAL(PARSE("--pushgateway", good[i], "a", "b"), 0);
    ASSERT_USAGE("--pushgateway: only http:// URLs are supported (reach an https gateway through "
                 "a local proxy)",
                 "--pushgateway", "https://gw:9091", "a", "b");
    ASSERT_USAGE("--pushgateway: expected an http:// URL", "--pushgateway", "gw:9091", "a", "b");
    ASSERT_USAGE("--pushgateway: bad port '99999'", "--pushgateway", "http://gw:99999", "a", "b");
    ASSERT_USAGE("--pushgateway: the URL has no host", "--pushgateway", "http://:9091", "a", "b");
    ASSERT_USAGE("--pushgateway: a query or fragment is not allowed", "--pushgateway",
                 "http://gw?x=1", "a", "b");
}

static void test_reparse_resets_getopt(void)
{
    /* the same argv twice gives the same result: getopt's globals are reset */
    for (int i = 0; i < 2; i++) {
        CU_ASSERT_EQUAL(PARSE("-j", "3", "a", "b"), 0);
        CU_ASSERT_EQUAL(O.parallel, 3);
        CU_ASSERT_EQUAL(O.instance_count, 2);
    }
}

static void test_key_spec(void)
{
    char *l, *p;
    CU_ASSERT_EQUAL(bv_key_spec_parse("Person.uid", &l, &p), 0);
    CU_ASSERT_STRING_EQUAL(l, "Person");
    CU_ASSERT_STRING_EQUAL(p, "uid");
    bolt_free(l), bolt_free(p);
    CU_ASSERT_EQUAL(bv_key_spec_parse("`a.b`.c.d", &l, &p), 0); /* the property may hold dots */
    CU_ASSERT_STRING_EQUAL(l, "a.b");
    CU_ASSERT_STRING_EQUAL(p, "c.d");
    bolt_free(l), bolt_free(p);
    const char *bad[] = {"", ".x", "x.", "x", "`x.y", "`x`y.z", "x.`y`z"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CU_ASSERT_EQUAL(bv_key_spec_parse(bad[i], &l, &p), BOLT_E_INVAL);
        CU_ASSERT_PTR_NULL(l);
        CU_ASSERT_PTR_NULL(p);
    }
}

static void test_durations(void)
{
    uint64_t ms;
    CU_ASSERT_EQUAL(bv_duration_parse("250ms", &ms), 0);
    CU_ASSERT_EQUAL(ms, 250);
    CU_ASSERT_EQUAL(bv_duration_parse("10s", &ms), 0);
    CU_ASSERT_EQUAL(ms, 10000);
    CU_ASSERT_EQUAL(bv_duration_parse("7", &ms), 0);
    CU_ASSERT_EQUAL(ms, 7000);
    CU_ASSERT_EQUAL(bv_duration_parse("3m", &ms), 0);
    CU_ASSERT_EQUAL(ms, 180000);
    const char *bad[] = {"", "s", "1.5s", "-1s", "10 s", "1h", "9999999999999s"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CU_ASSERT_EQUAL(bv_duration_parse(bad[i], &ms), BOLT_E_INVAL);
}

static void test_source_display(void)
{
    char buf[128];
    bv_source_display("bolt://neo4j@old:7687/?a=b", buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "bolt://old:7687/?a=b");
    bv_source_display("neo4j+s://db.example:7687", buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "neo4j+s://db.example:7687");
    bv_source_display("snapshots/a@b.snap", buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "snapshots/a@b.snap");
    bv_source_display("bolt://h/x@y", buf, sizeof buf); /* '@' after the authority stays */
    CU_ASSERT_STRING_EQUAL(buf, "bolt://h/x@y");
    bv_source_display("bolt://neo4j@old:7687", buf, 8);
    CU_ASSERT_STRING_EQUAL(buf, "bolt://");
}

static int parse_op(void *ud)
{
    (void)ud;
    bv_options o;
    char err[256];
    char *argv[] = {"verify", "-k",       "Person.uid", "-k", "Company.name", "--auth-env",
                    "X",      "-d",       "db",         "-o", "out",          "--junit",
                    "j",      "bolt://a", "bolt://b",   NULL};
    int rc = bv_options_parse(&o, 15, argv, err, sizeof err);
    if (rc == 0) bv_options_free(&o);
    if (rc == BOLT_E_NOMEM && strcmp(err, "out of memory")) return -100;
    return rc;
}

static void test_allocation_failures(void)
{
    CU_ASSERT_EQUAL(failalloc_each(parse_op, NULL, BOLT_E_NOMEM), 0);
}

static void test_usage_text(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    bv_options_usage(f);
    fclose(f);
    const char *must[] = {"--checks",
                          "--sample-size",
                          "--seed",
                          "--key",
                          "--match-by-id",
                          "--strict",
                          "--parallel",
                          "--fetch-size",
                          "--retries",
                          "--connect-timeout",
                          "--query-timeout",
                          "--database",
                          "--user",
                          "--password-file",
                          "--token-file",
                          "--credentials-file",
                          "--auth-env",
                          "--no-auth",
                          "--ca-file",
                          "--client-cert",
                          "--client-key",
                          "--pin",
                          "--bolt",
                          "--manifest",
                          "--format",
                          "--output",
                          "--junit",
                          "--prometheus",
                          "--pushgateway",
                          "--push-job",
                          "--quiet",
                          "--color",
                          "--help",
                          "Exit codes:",
                          "0  success, no divergence",
                          "1  divergence found",
                          "2  usage or configuration error",
                          "3  connection, TLS or authentication failure",
                          "4  server or protocol error"};
    for (size_t i = 0; i < sizeof must / sizeof must[0]; i++) {
        if (!strstr(buf, must[i])) fprintf(stderr, "\nhelp lacks %s\n", must[i]);
        CU_ASSERT_PTR_NOT_NULL(strstr(buf, must[i]));
    }
    /* fits an 80-column terminal */
    for (char *line = buf, *nl; line && *line; line = nl ? nl + 1 : NULL) {
        nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        if (n > 80) fprintf(stderr, "\nlong help line: %.*s\n", (int)n, line);
        CU_ASSERT_TRUE(n <= 80);
    }
    free(buf);
}

static int suite_clean(void)
{
    bv_options_free(&O);
    return 0;
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 1;
    CU_pSuite s = CU_add_suite("options", NULL, suite_clean);
    CU_add_test(s, "defaults", test_defaults);
    CU_add_test(s, "every option", test_every_option);
    CU_add_test(s, "check lists", test_checks_lists);
    CU_add_test(s, "help, order of arguments", test_help_and_options_after_instances);
    CU_add_test(s, "usage errors: one exact line", test_usage_errors);
    CU_add_test(s, "instances", test_instances);
    CU_add_test(s, "secrets are never echoed", test_secrets_never_echoed);
    CU_add_test(s, "pushgateway URLs", test_pushgateway_urls);
    CU_add_test(s, "a second parse starts over", test_reparse_resets_getopt);
    CU_add_test(s, "key specs", test_key_spec);
    CU_add_test(s, "durations", test_durations);
    CU_add_test(s, "source display", test_source_display);
    CU_add_test(s, "allocation failures", test_allocation_failures);
    CU_add_test(s, "help text", test_usage_text);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failures = CU_get_number_of_failures();
    CU_cleanup_registry();
    return failures ? 1 : 0;
}
