/* Tests of the reports (verify/report_*.c) and the progress bar (verify/progress.c): exact
 * text, JSON, JUnit and Prometheus output for one synthetic run; escaping of hostile strings
 * checked by parsing the output back (tests/common/json.h) or by the format's rules; atomic
 * file replacement; the pushgateway client against a one-shot HTTP server in a child process. */
#include <CUnit/Basic.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bolt/alloc.h"
#include "bolt/error.h"
#include "json.h"
#include "verify/cli.h"
#include "verify/options.h"
#include "verify/progress.h"
#include "verify/report.h"
#include "verify/result.h"
#include "vfixture.h"

/* ---- the synthetic run ---------------------------------------------------------------------- *
 * [0] baseline 3.5, [1] target 4.4 with one node less and a renamed index, [2] unreachable. */

static bv_result R;
static bv_options O;

static void build(void)
{
    bv_result_free(&R);
    CU_ASSERT_EQUAL_FATAL(bv_result_init(&R, 3), 0);
    bv_result_set_source(&R, 0, "bolt://old:7687");
    bv_result_set_source(&R, 1, "bolt://new:7687");
    bv_result_set_source(&R, 2, "bolt://five:7687");
    bv_measurement *b = &R.instances[0].m, *t = &R.instances[1].m;
    vf_inventory(b, "Neo4j/3.5.22", "3.5.22", "community", "3", NULL);
    vf_inventory(t, "Neo4j/4.4.40", "4.4.40", "enterprise", "4.4", "neo4j");
    b->checks = t->checks = BV_CHECK_COUNTS | BV_CHECK_SCHEMA;
    b->node_count = 4, t->node_count = 3;
    b->rel_count = t->rel_count = 5;
    vf_schema_item(b, 0, BV_SCHEMA_INDEX, "Person", "name", "Unnamed index", "native-btree-1.0",
                   "node_label_property");
    vf_schema_item(t, 0, BV_SCHEMA_INDEX, "Person", "name", "index_5c0e4f5", "native-btree-1.0",
                   "BTREE");
    bv_result_fail(&R, 2, BV_EXIT_CONNECT, BOLT_E_CONNECT,
                   "cannot connect to 10.0.0.3:7687: Connection refused");
    R.started_at_ms = 1795000000123;
    R.duration_ms = 1234;
    CU_ASSERT_EQUAL_FATAL(bv_result_finish(&R, BV_CHECK_COUNTS | BV_CHECK_SCHEMA, 0), 0);
    bv_options_free(&O);
    bv_options_init(&O);
    O.checks = BV_CHECK_COUNTS | BV_CHECK_SCHEMA;
    O.seed = 12345678901234567890u;
    O.seed_set = 1;
    O.keys = bolt_calloc(1, sizeof *O.keys);
    O.keys[0].label = vf_strdup("My.Label");
    O.keys[0].prop = vf_strdup("uid");
    O.key_count = 1;
}

/* Runs a writer into a memory buffer (free() it). */
static char *capture(int (*fn)(FILE *, void *), void *ud, int *rc)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    *rc = fn(f, ud);
    fclose(f);
    return buf;
}

static int w_text(FILE *f, void *ud)
{
    return bv_report_text(f, &R, ud != NULL);
}
static int w_json(FILE *f, void *ud)
{
    (void)ud;
    return bv_report_json(f, &R, &O);
}
static int w_junit(FILE *f, void *ud)
{
    (void)ud;
    return bv_report_junit(f, &R);
}
static int w_prom(FILE *f, void *ud)
{
    return bv_report_prometheus(f, &R, ud != NULL);
}

static void assert_text(const char *got, const char *want)
{
    if (strcmp(got, want)) fprintf(stderr, "\n--- got:\n%s--- want:\n%s---\n", got, want);
    CU_ASSERT_STRING_EQUAL(got, want);
}

/* ---- exact outputs -------------------------------------------------------------------------- */

static void test_text_exact(void)
{
    build();
    int rc;
    char *out = capture(w_text, NULL, &rc);
    CU_ASSERT_EQUAL(rc, 0);
    assert_text(out,
                "boltdiff verify: INCOMPLETE - 1 drift, 1 expected, 0 info, 0 ambiguous (exit 3)\n"
                "\n"
                "Instances:\n"
                "  [0] baseline  bolt://old:7687   Neo4j 3.5.22 community, Bolt 3  ok\n"
                "  [1] target    bolt://new:7687   Neo4j 4.4.40 enterprise, Bolt 4.4, database "
                "neo4j  ok\n"
                "  [2] target    bolt://five:7687  FAILED (exit 3): cannot connect to "
                "10.0.0.3:7687: Connection refused\n"
                "\n"
                "Checks:\n"
                "  counts      [1] diverged (1 drift)    [2] error\n"
                "  schema      [1] same (1 note)         [2] error\n"
                "\n"
                "Divergences:\n"
                "counts, [0] bolt://old:7687 -> [1] bolt://new:7687:\n"
                "  DRIFT      all nodes: 4 nodes on baseline, 3 on target (-1)\n"
                "schema, [0] bolt://old:7687 -> [1] bolt://new:7687:\n"
                "  EXPECTED   index :Person(name): name (none) -> index_5c0e4f5 (changed by the "
                "migration on purpose)\n");
    CU_ASSERT_PTR_NULL(strchr(out, '\033'));
    free(out);
    /* colour only when asked, and the words stay the same */
    out = capture(w_text, (void *)1, &rc);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\033[31mDRIFT    \033[0m"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\033[1m\033[31mINCOMPLETE\033[0m"));
    free(out);
}

static void test_json_exact(void)
{
    build();
    int rc;
    char *out = capture(w_json, NULL, &rc);
    CU_ASSERT_EQUAL(rc, 0);
    char want[8192];
    snprintf(
        want, sizeof want,
        "{\n"
        "  \"boltdiff_report\": 1,\n"
        "  \"tool_version\": \"%s\",\n"
        "  \"started_at\": \"2026-11-18T11:06:40.123Z\",\n"
        "  \"duration_ms\": 1234,\n"
        "  \"options\": {\"checks\": [\"counts\", \"schema\"], \"sample_size\": 1000, \"seed\": "
        "\"12345678901234567890\", \"keys\": [\"`My.Label`.uid\"], \"match_by_id\": false, "
        "\"strict\": false, \"parallel\": 4, \"fetch_size\": 1000, \"retries\": 3, "
        "\"connect_timeout_ms\": 10000, \"query_timeout_ms\": 0, \"database\": null},\n"
        "  \"instances\": [\n"
        "    {\"index\": 0, \"role\": \"baseline\", \"source\": \"bolt://old:7687\", "
        "\"server_agent\": \"Neo4j/3.5.22\", \"version\": \"3.5.22\", \"edition\": "
        "\"community\", \"bolt_version\": \"3\", \"database\": null, \"status\": \"ok\", "
        "\"error\": null, \"unchecked\": []},\n"
        "    {\"index\": 1, \"role\": \"target\", \"source\": \"bolt://new:7687\", "
        "\"server_agent\": \"Neo4j/4.4.40\", \"version\": \"4.4.40\", \"edition\": "
        "\"enterprise\", \"bolt_version\": \"4.4\", \"database\": \"neo4j\", \"status\": "
        "\"ok\", \"error\": null, \"unchecked\": []},\n"
        "    {\"index\": 2, \"role\": \"target\", \"source\": \"bolt://five:7687\", "
        "\"server_agent\": null, \"version\": null, \"edition\": null, \"bolt_version\": null, "
        "\"database\": null, \"status\": \"failed\", \"error\": {\"exit_class\": 3, \"code\": "
        "\"BOLT_E_CONNECT\", \"message\": \"cannot connect to 10.0.0.3:7687: Connection "
        "refused\"}, \"unchecked\": []}\n"
        "  ],\n"
        "  \"checks\": [\n"
        "    {\"check\": \"counts\", \"baseline\": 0, \"target\": 1, \"status\": \"diverged\", "
        "\"divergences\": 1, \"reason\": null},\n"
        "    {\"check\": \"schema\", \"baseline\": 0, \"target\": 1, \"status\": \"same\", "
        "\"divergences\": 1, \"reason\": null},\n"
        "    {\"check\": \"counts\", \"baseline\": 0, \"target\": 2, \"status\": \"error\", "
        "\"divergences\": 0, \"reason\": \"instance 2 failed: cannot connect to 10.0.0.3:7687: "
        "Connection refused\"},\n"
        "    {\"check\": \"schema\", \"baseline\": 0, \"target\": 2, \"status\": \"error\", "
        "\"divergences\": 0, \"reason\": \"instance 2 failed: cannot connect to 10.0.0.3:7687: "
        "Connection refused\"}\n"
        "  ],\n"
        "  \"divergences\": [\n"
        "    {\"check\": \"counts\", \"severity\": \"drift\", \"baseline\": 0, \"target\": 1, "
        "\"kind\": \"count\", \"subject\": \"all nodes\", \"baseline_value\": \"4\", "
        "\"target_value\": \"3\", \"message\": \"all nodes: 4 nodes on baseline, 3 on target "
        "(-1)\"},\n"
        "    {\"check\": \"schema\", \"severity\": \"expected\", \"baseline\": 0, \"target\": 1, "
        "\"kind\": \"index_changed\", \"subject\": \"index :Person(name)\", \"baseline_value\": "
        "\"type BTREE, provider native-btree-1.0\", \"target_value\": \"type BTREE, provider "
        "native-btree-1.0, name index_5c0e4f5\", \"message\": \"index :Person(name): name (none) "
        "-> index_5c0e4f5 (changed by the migration on purpose)\"}\n"
        "  ],\n"
        "  \"summary\": {\"drift\": 1, \"expected\": 1, \"info\": 0, \"ambiguous\": 0, "
        "\"exit_code\": 3}\n"
        "}\n",
        BOLTDIFF_VERSION);
    assert_text(out, want);
    /* and it is JSON */
    char err[128];
    json_doc *doc = json_parse(out, strlen(out), err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL(doc);
    json_free(doc);
    free(out);
}

static void test_json_empty_lists(void)
{
    bv_result r;
    CU_ASSERT_EQUAL_FATAL(bv_result_init(&r, 2), 0);
    CU_ASSERT_EQUAL_FATAL(bv_result_finish(&r, 0, 0), 0);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    CU_ASSERT_EQUAL(bv_report_json(f, &r, NULL), 0);
    fclose(f);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"options\": {},\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"checks\": [],\n  \"divergences\": [],\n"));
    char err[128];
    json_doc *doc = json_parse(buf, len, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL(doc);
    json_free(doc);
    free(buf);
    bv_result_free(&r);
}

static void test_junit_exact(void)
{
    build();
    int rc;
    char *out = capture(w_junit, NULL, &rc);
    CU_ASSERT_EQUAL(rc, 0);
    assert_text(
        out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
             "<testsuites name=\"boltdiff verify\" tests=\"4\" failures=\"1\" errors=\"2\" "
             "skipped=\"0\" time=\"1.234\">\n"
             "  <testsuite name=\"bolt://old:7687 vs bolt://new:7687\" tests=\"2\" failures=\"1\" "
             "errors=\"0\" skipped=\"0\" timestamp=\"2026-11-18T11:06:40\" time=\"1.234\">\n"
             "    <testcase classname=\"boltdiff.verify\" name=\"counts [0] vs [1]\" time=\"0\">\n"
             "      <failure type=\"drift\" message=\"1 divergence\">drift: all nodes: 4 nodes on "
             "baseline, 3 on target (-1)&#10;</failure>\n"
             "    </testcase>\n"
             "    <testcase classname=\"boltdiff.verify\" name=\"schema [0] vs [1]\" time=\"0\">\n"
             "      <system-out>expected: index :Person(name): name (none) -&gt; index_5c0e4f5 "
             "(changed by the migration on purpose)&#10;</system-out>\n"
             "    </testcase>\n"
             "  </testsuite>\n"
             "  <testsuite name=\"bolt://old:7687 vs bolt://five:7687\" tests=\"2\" failures=\"0\" "
             "errors=\"2\" skipped=\"0\" timestamp=\"2026-11-18T11:06:40\" time=\"1.234\">\n"
             "    <testcase classname=\"boltdiff.verify\" name=\"counts [0] vs [2]\" time=\"0\">\n"
             "      <error type=\"incomplete\" message=\"instance 2 failed: cannot connect to "
             "10.0.0.3:7687: Connection refused\"/>\n"
             "    </testcase>\n"
             "    <testcase classname=\"boltdiff.verify\" name=\"schema [0] vs [2]\" time=\"0\">\n"
             "      <error type=\"incomplete\" message=\"instance 2 failed: cannot connect to "
             "10.0.0.3:7687: Connection refused\"/>\n"
             "    </testcase>\n"
             "  </testsuite>\n"
             "</testsuites>\n");
    free(out);
}

static void test_prometheus_exact(void)
{
    build();
    int rc;
    char *out = capture(w_prom, NULL, &rc);
    CU_ASSERT_EQUAL(rc, 0);
    char want[8192];
    size_t n = 0;
    n += (size_t)snprintf(
        want + n, sizeof want - n,
        "# HELP boltdiff_verify_exit_code Exit code of the last boltdiff verify run (0 same, 1 "
        "divergence, 3 connection, 4 server).\n"
        "# TYPE boltdiff_verify_exit_code gauge\n"
        "boltdiff_verify_exit_code 3\n"
        "# HELP boltdiff_verify_duration_seconds Wall-clock duration of the last run.\n"
        "# TYPE boltdiff_verify_duration_seconds gauge\n"
        "boltdiff_verify_duration_seconds 1.234\n"
        "# HELP boltdiff_verify_last_run_timestamp_seconds When the last run ended (Unix time).\n"
        "# TYPE boltdiff_verify_last_run_timestamp_seconds gauge\n"
        "boltdiff_verify_last_run_timestamp_seconds 1795000001.357\n"
        "# HELP boltdiff_verify_instance_up 1 when the instance was measured, 0 when it failed.\n"
        "# TYPE boltdiff_verify_instance_up gauge\n"
        "boltdiff_verify_instance_up{instance=\"bolt://old:7687\",role=\"baseline\"} 1\n"
        "boltdiff_verify_instance_up{instance=\"bolt://new:7687\",role=\"target\"} 1\n"
        "boltdiff_verify_instance_up{instance=\"bolt://five:7687\",role=\"target\"} 0\n"
        "# HELP boltdiff_verify_divergences Divergences of the last run per instance pair, check "
        "and severity.\n"
        "# TYPE boltdiff_verify_divergences gauge\n");
    const char *pairs[4][2] = {
        {"new", "counts"}, {"new", "schema"}, {"five", "counts"}, {"five", "schema"}};
    const int counts[4][4] = {{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}};
    const char *sev[4] = {"drift", "expected", "info", "ambiguous"};
    for (int p = 0; p < 4; p++)
        for (int s = 0; s < 4; s++)
            n += (size_t)snprintf(want + n, sizeof want - n,
                                  "boltdiff_verify_divergences{baseline=\"bolt://old:7687\","
                                  "target=\"bolt://%s:7687\",check=\"%s\",severity=\"%s\"} %d\n",
                                  pairs[p][0], pairs[p][1], sev[s], counts[p][s]);
    n += (size_t)snprintf(want + n, sizeof want - n,
                          "# HELP boltdiff_verify_check_status Status of each check per instance "
                          "pair: 1 for the current status, 0 for the others.\n"
                          "# TYPE boltdiff_verify_check_status gauge\n");
    const char *st[4] = {"same", "diverged", "skipped", "error"};
    const int cur[4] = {1, 0, 3, 3};
    for (int p = 0; p < 4; p++)
        for (int s = 0; s < 4; s++)
            n += (size_t)snprintf(want + n, sizeof want - n,
                                  "boltdiff_verify_check_status{baseline=\"bolt://old:7687\","
                                  "target=\"bolt://%s:7687\",check=\"%s\",status=\"%s\"} %d\n",
                                  pairs[p][0], pairs[p][1], st[s], cur[p] == s);
    assert_text(out, want);
    CU_ASSERT_PTR_NULL(strstr(out, "last_success"));
    free(out);
    out = capture(w_prom, (void *)1, &rc);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\nboltdiff_verify_last_success_timestamp_seconds "
                                       "1795000001.357\n"));
    free(out);
}

/* ---- escaping ------------------------------------------------------------------------------- */

static const char HOSTILE[] = "q\"b\\s/\n\t\x01\x7f<&>'caf\xc3\xa9 \xff\xfe end \xed\xa0\x80";

static void hostile_result(void)
{
    build();
    bv_divergences_add(&R.divergences, BV_CHECK_COUNTS, BV_SEV_DRIFT, 0, 1, HOSTILE, HOSTILE,
                       HOSTILE, NULL, "%s", HOSTILE);
    R.check_results[0].divergences++;
    R.check_results[0].by_severity[BV_SEV_DRIFT]++;
    bv_result_set_source(&R, 1, HOSTILE);
}

static void test_json_escaping(void)
{
    hostile_result();
    int rc;
    char *out = capture(w_json, NULL, &rc);
    char err[128];
    json_doc *doc = json_parse(out, strlen(out), err, sizeof err);
    if (!doc) fprintf(stderr, "\n%s\n", err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    const json_value *d = json_at(json_get(json_root(doc), "divergences"), 2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    const char *want = "q\"b\\s/\n\t\x01\x7f<&>'caf\xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd end "
                       "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd";
    CU_ASSERT_TRUE(json_str_eq(json_get(d, "message"), want));
    CU_ASSERT_TRUE(json_str_eq(json_get(d, "kind"), want));
    CU_ASSERT_EQUAL(json_get(d, "target_value")->type, JSON_NULL);
    const json_value *inst = json_at(json_get(json_root(doc), "instances"), 1);
    CU_ASSERT_TRUE(json_str_eq(json_get(inst, "source"), want));
    json_free(doc);
    free(out);
}

static void test_xml_and_prom_escaping(void)
{
    hostile_result();
    int rc;
    char *out = capture(w_junit, NULL, &rc);
    /* nothing XML 1.0 forbids, every markup character escaped */
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "q&quot;b\\s/&#10;&#9;\xef\xbf\xbd\x7f&lt;&amp;&gt;&apos;"
                                       "caf\xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd end "));
    for (const unsigned char *p = (const unsigned char *)out; *p; p++)
        CU_ASSERT_TRUE(*p >= 0x20 || *p == '\n');
    free(out);
    out = capture(w_prom, NULL, &rc);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "target=\"q\\\"b\\\\s/\\n\t\x01\x7f<&>'caf\xc3\xa9 "
                                       "\xef\xbf\xbd\xef\xbf\xbd end "));
    /* one sample per line: no raw newline inside a label */
    for (char *line = out; *line;) {
        char *nl = strchr(line, '\n');
        CU_ASSERT_PTR_NOT_NULL_FATAL(nl);
        CU_ASSERT_TRUE(line[0] == '#' || !strncmp(line, "boltdiff_verify_", 16));
        line = nl + 1;
    }
    free(out);
    /* the terminal never receives raw control characters */
    out = capture(w_text, NULL, &rc);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "q\"b\\s/\\x0a\\x09\\x01\\x7f<&>'caf"));
    free(out);
}

/* ---- files ---------------------------------------------------------------------------------- */

static char g_dir[64];

static int write_hello(FILE *f, void *ud)
{
    (void)ud;
    fputs("hello\n", f);
    return 0;
}

static int write_then_fail(FILE *f, void *ud)
{
    (void)ud;
    fputs("partial", f);
    return BOLT_E_IO;
}

static int count_entries(const char *dir)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "ls -A %s | wc -l", dir);
    FILE *p = popen(cmd, "r");
    int n = -1;
    if (p) {
        if (fscanf(p, "%d", &n) != 1) n = -1;
        pclose(p);
    }
    return n;
}

static void test_write_file_atomic(void)
{
    snprintf(g_dir, sizeof g_dir, "/tmp/bv-report-test-%ld", (long)getpid());
    mkdir(g_dir, 0700);
    char path[128], err[256];
    snprintf(path, sizeof path, "%s/metrics.prom", g_dir);
    FILE *f = fopen(path, "w");
    fputs("old\n", f);
    fclose(f);
    /* a failing writer leaves the old file and no temporary behind */
    CU_ASSERT_EQUAL(bv_report_write_file(path, write_then_fail, NULL, err, sizeof err), BOLT_E_IO);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, path));
    CU_ASSERT_EQUAL(count_entries(g_dir), 1);
    char buf[32] = {0};
    f = fopen(path, "r");
    CU_ASSERT_PTR_NOT_NULL(fgets(buf, sizeof buf, f));
    fclose(f);
    CU_ASSERT_STRING_EQUAL(buf, "old\n");
    /* success replaces it */
    CU_ASSERT_EQUAL(bv_report_write_file(path, write_hello, NULL, err, sizeof err), 0);
    f = fopen(path, "r");
    CU_ASSERT_PTR_NOT_NULL(fgets(buf, sizeof buf, f));
    fclose(f);
    CU_ASSERT_STRING_EQUAL(buf, "hello\n");
    CU_ASSERT_EQUAL(count_entries(g_dir), 1);
    unlink(path);
    /* a directory that does not exist: one line naming the path */
    snprintf(path, sizeof path, "%s/missing/x.xml", g_dir);
    CU_ASSERT_EQUAL(bv_report_write_file(path, write_hello, NULL, err, sizeof err), BOLT_E_IO);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, path));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "No such file or directory"));
    CU_ASSERT_PTR_NULL(strchr(err, '\n'));
    rmdir(g_dir);
}

/* ---- pushgateway ---------------------------------------------------------------------------- */

/* A one-shot HTTP server in a child: accepts one connection, saves the request to `saved`,
 * answers `reply` (or nothing and waits when reply is NULL). Returns the port. */
static int serve_once(const char *reply, const char *saved, pid_t *pid)
{
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof a;
    if (bind(ls, (struct sockaddr *)&a, sizeof a) || listen(ls, 1) ||
        getsockname(ls, (struct sockaddr *)&a, &alen))
        return -1;
    fflush(NULL);
    *pid = fork();
    if (*pid == 0) {
        int c = accept(ls, NULL, NULL);
        char buf[65536];
        size_t have = 0;
        /* read the head, then Content-Length bytes of body */
        for (;;) {
            ssize_t n = recv(c, buf + have, sizeof buf - 1 - have, 0);
            if (n <= 0) break;
            have += (size_t)n;
            buf[have] = '\0';
            char *end = strstr(buf, "\r\n\r\n");
            char *cl = strstr(buf, "Content-Length: ");
            if (end && cl && have >= (size_t)(end + 4 - buf) + strtoul(cl + 16, NULL, 10)) break;
        }
        FILE *f = fopen(saved, "w");
        if (f) {
            fwrite(buf, 1, have, f);
            fclose(f);
        }
        if (reply) {
            if (send(c, reply, strlen(reply), 0) < 0) _exit(1);
        } else {
            pause(); /* never answer: the client's deadline must end it */
        }
        close(c);
        _exit(0);
    }
    close(ls);
    return ntohs(a.sin_port);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void test_push_success(void)
{
    char saved[64], url[128], err[256];
    snprintf(saved, sizeof saved, "/tmp/bv-push-%ld.req", (long)getpid());
    pid_t pid;
    int port = serve_once("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", saved, &pid);
    CU_ASSERT_FATAL(port > 0);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", port);
    const char *body = "boltdiff_verify_exit_code 0\n";
    CU_ASSERT_EQUAL(bv_pushgateway_push(url, "nightly", body, strlen(body), 5000, err, sizeof err),
                    0);
    waitpid(pid, NULL, 0);
    char *req = slurp(saved);
    CU_ASSERT_PTR_NOT_NULL_FATAL(req);
    CU_ASSERT_EQUAL(strncmp(req, "POST /metrics/job/nightly HTTP/1.1\r\n", 36), 0);
    char host[64];
    snprintf(host, sizeof host, "\r\nHost: 127.0.0.1:%d\r\n", port);
    CU_ASSERT_PTR_NOT_NULL(strstr(req, host));
    CU_ASSERT_PTR_NOT_NULL(strstr(req, "\r\nContent-Type: text/plain; version=0.0.4\r\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(req, "\r\nContent-Length: 28\r\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(req, "\r\n\r\nboltdiff_verify_exit_code 0\n"));
    unlink(saved);

    /* a full grouping path is used as given */
    port = serve_once("HTTP/1.0 202 Accepted\r\n\r\n", saved, &pid);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/metrics/job/x/instance/db1", port);
    CU_ASSERT_EQUAL(bv_pushgateway_push(url, NULL, body, strlen(body), 5000, err, sizeof err), 0);
    waitpid(pid, NULL, 0);
    req = slurp(saved);
    CU_ASSERT_EQUAL(strncmp(req, "POST /metrics/job/x/instance/db1 HTTP/1.1\r\n", 43), 0);
    unlink(saved);
}

static void test_push_failures(void)
{
    char saved[64], url[128], err[256];
    snprintf(saved, sizeof saved, "/tmp/bv-push-%ld.req", (long)getpid());
    pid_t pid;
    int port =
        serve_once("HTTP/1.1 400 Bad Request\r\nContent-Length: 5\r\n\r\nnope\n", saved, &pid);
    snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
    CU_ASSERT_EQUAL(bv_pushgateway_push(url, "j", "x 1\n", 4, 5000, err, sizeof err), BOLT_E_IO);
    waitpid(pid, NULL, 0);
    char want[128];
    snprintf(want, sizeof want, "pushgateway: 127.0.0.1:%d answered \"HTTP/1.1 400 Bad Request\"",
             port);
    CU_ASSERT_STRING_EQUAL(err, want);
    unlink(saved);

    /* nobody listening: the port of a socket that was closed again */
    port = serve_once("", saved, &pid);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
    CU_ASSERT_EQUAL(bv_pushgateway_push(url, "j", "x 1\n", 4, 5000, err, sizeof err),
                    BOLT_E_CONNECT);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "cannot connect to 127.0.0.1:"));

    /* a gateway that never answers: the deadline ends the wait */
    port = serve_once(NULL, saved, &pid);
    snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
    CU_ASSERT_EQUAL(bv_pushgateway_push(url, "j", "x 1\n", 4, 300, err, sizeof err),
                    BOLT_E_TIMEOUT);
    snprintf(want, sizeof want, "pushgateway: 127.0.0.1:%d did not answer in time", port);
    CU_ASSERT_STRING_EQUAL(err, want);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    unlink(saved);

    CU_ASSERT_EQUAL(bv_pushgateway_push("https://gw", "j", "", 0, 100, err, sizeof err),
                    BOLT_E_URI);
    CU_ASSERT_EQUAL(bv_pushgateway_push("http://u:p@gw", "j", "", 0, 100, err, sizeof err),
                    BOLT_E_URI);
    CU_ASSERT_PTR_NULL(strstr(err, "u:p"));
}

/* ---- progress, time ------------------------------------------------------------------------- */

static void test_progress_format(void)
{
    char buf[128];
    bv_progress_format(buf, sizeof buf, "sample", 250, 1000);
    CU_ASSERT_STRING_EQUAL(buf, "sample   [######                  ]  25%  250/1000");
    bv_progress_format(buf, sizeof buf, "counts", 999, 1000); /* no 100% before the end */
    CU_ASSERT_STRING_EQUAL(buf, "counts   [####################### ]  99%  999/1000");
    bv_progress_format(buf, sizeof buf, "full", 7, 7);
    CU_ASSERT_STRING_EQUAL(buf, "full     [########################] 100%  7/7");
    bv_progress_format(buf, sizeof buf, "coverage", 12, 0);
    CU_ASSERT_STRING_EQUAL(buf, "coverage  12");
    bv_progress_format(buf, sizeof buf, "x", UINT64_MAX, UINT64_MAX / 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "100%"));
}

static void test_progress_only_when_enabled(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    bv_progress p;
    bv_progress_init(&p, f, 0);
    bv_progress_update(&p, "sample", 1, 2);
    bv_progress_done(&p);
    fflush(f);
    CU_ASSERT_EQUAL(len, 0);
    bv_progress_init(&p, f, 1);
    bv_progress_update(&p, "sample", 2, 2); /* the final state is always drawn */
    bv_progress_done(&p);
    fclose(f);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\rsample   [########################] 100%  2/2"));
    /* and erased: the line ends blank, cursor at column 0 */
    CU_ASSERT_EQUAL(buf[strlen(buf) - 1], '\r');
    free(buf);
}

static void test_utc_format(void)
{
    char out[32];
    bv_format_utc_ms(0, out);
    CU_ASSERT_STRING_EQUAL(out, "1970-01-01T00:00:00.000Z");
    bv_format_utc_ms(1795000000123, out);
    CU_ASSERT_STRING_EQUAL(out, "2026-11-18T11:06:40.123Z");
    bv_format_utc_ms(-1, out);
    CU_ASSERT_STRING_EQUAL(out, "1969-12-31T23:59:59.999Z");
}

static int suite_clean(void)
{
    bv_result_free(&R);
    bv_options_free(&O);
    return 0;
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 1;
    CU_pSuite s = CU_add_suite("report", NULL, suite_clean);
    CU_add_test(s, "text: exact", test_text_exact);
    CU_add_test(s, "json: exact", test_json_exact);
    CU_add_test(s, "json: empty lists", test_json_empty_lists);
    CU_add_test(s, "junit: exact", test_junit_exact);
    CU_add_test(s, "prometheus: exact", test_prometheus_exact);
    CU_add_test(s, "json: hostile strings", test_json_escaping);
    CU_add_test(s, "xml, prometheus, text: hostile strings", test_xml_and_prom_escaping);
    CU_add_test(s, "files are replaced atomically", test_write_file_atomic);
    CU_add_test(s, "pushgateway: request", test_push_success);
    CU_add_test(s, "pushgateway: failures", test_push_failures);
    CU_add_test(s, "progress: format", test_progress_format);
    CU_add_test(s, "progress: only when enabled", test_progress_only_when_enabled);
    CU_add_test(s, "UTC timestamps", test_utc_format);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failures = CU_get_number_of_failures();
    CU_cleanup_registry();
    return failures ? 1 : 0;
}
