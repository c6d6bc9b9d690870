/* Tests of verify/catalog*.c: the server line chosen for every version string dbms.components()
 * may report, the query text each line gets (3.5 exactly as the real 3.5.22 captures; SHOW from
 * 4.2 on; count store shapes; the seek-friendly partition shape), name quoting (back-quotes
 * doubled), template expansion and its refusals, and that no catalog entry of any line - the
 * sample and full entries included - can write. */
#include <CUnit/Basic.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "bolt/alloc.h"
#include "bolt/error.h"
#include "failalloc.h"
#include "verify/catalog.h"

static bv_server_line line_of(const char *version)
{
    const bv_catalog *c = NULL;
    char err[200] = "";
    int rc = bv_catalog_for_version(version, &c, err, sizeof err);
    if (rc < 0) {
        CU_ASSERT_PTR_NULL(c);
        CU_ASSERT_EQUAL(rc, BOLT_E_UNSUPPORTED);
        CU_ASSERT_PTR_NOT_NULL(strstr(err, "unsupported server version"));
        return BV_LINE_COUNT;
    }
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(c, bv_catalog_get(c->line));
    return c->line;
}

static void test_version_mapping(void)
{
    CU_ASSERT_EQUAL(line_of("3.5.22-SNAPSHOT"), BV_LINE_35); /* capture 40 */
    CU_ASSERT_EQUAL(line_of("3.5.0"), BV_LINE_35);
    CU_ASSERT_EQUAL(line_of("3.5"), BV_LINE_35);
    CU_ASSERT_EQUAL(line_of("4.0.12"), BV_LINE_40);
    CU_ASSERT_EQUAL(line_of("4.1.13"), BV_LINE_40);
    CU_ASSERT_EQUAL(line_of("4.2.19"), BV_LINE_42);
    CU_ASSERT_EQUAL(line_of("4.3.24"), BV_LINE_42);
    CU_ASSERT_EQUAL(line_of("4.4.40"), BV_LINE_42);
    CU_ASSERT_EQUAL(line_of("4.4.0-drop04.0"), BV_LINE_42);
    CU_ASSERT_EQUAL(line_of("5.0.0"), BV_LINE_5);
    CU_ASSERT_EQUAL(line_of("5.26.0"), BV_LINE_5);
    CU_ASSERT_EQUAL(line_of("5.26.12-aura"), BV_LINE_5);
    CU_ASSERT_EQUAL(line_of("2025.01.0"), BV_LINE_5);
    CU_ASSERT_EQUAL(line_of("2025.10.1"), BV_LINE_5);
    CU_ASSERT_EQUAL(line_of("2026.01.0"), BV_LINE_5);
    /* older, unknown or malformed: refused with a clear message */
    CU_ASSERT_EQUAL(line_of("3.4.18"), BV_LINE_COUNT);
    CU_ASSERT_EQUAL(line_of("3.3.9"), BV_LINE_COUNT);
    CU_ASSERT_EQUAL(line_of("2.3.12"), BV_LINE_COUNT);
    CU_ASSERT_EQUAL(line_of("1.9"), BV_LINE_COUNT);
    CU_ASSERT_EQUAL(line_of("4.5.0"), BV_LINE_COUNT);
    CU_ASSERT_EQUAL(line_of("6.0.0"), BV_LINE_COUNT);
    CU_ASSERT_EQUAL(line_of("2024.12.0"), BV_LINE_COUNT);
    CU_ASSERT_EQUAL(line_of("3"), BV_LINE_COUNT);
    CU_ASSERT_EQUAL(line_of(""), BV_LINE_COUNT);
    CU_ASSERT_EQUAL(line_of(NULL), BV_LINE_COUNT);
    CU_ASSERT_EQUAL(line_of("v5.1"), BV_LINE_COUNT);
    CU_ASSERT_EQUAL(line_of("35.1"), BV_LINE_COUNT);
    CU_ASSERT_EQUAL(line_of("3.50"), BV_LINE_COUNT);
    CU_ASSERT_EQUAL(line_of("99999999999.1"), BV_LINE_COUNT);
    CU_ASSERT_PTR_NULL(bv_catalog_get(BV_LINE_COUNT));

    /* The message quotes the version, printable characters only, never more than the buffer. */
    char err[120];
    CU_ASSERT_EQUAL(bv_catalog_for_version("3.4.1\n\x1b[31m", NULL, err, sizeof err),
                    BOLT_E_UNSUPPORTED);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "'3.4.1??[31m'"));
    CU_ASSERT_PTR_NULL(strchr(err, '\n'));
    char tiny[8];
    CU_ASSERT_EQUAL(bv_catalog_for_version("2.0", NULL, tiny, sizeof tiny), BOLT_E_UNSUPPORTED);
    CU_ASSERT_EQUAL(strlen(tiny), sizeof tiny - 1);
}

static void test_query_text_per_line(void)
{
    const bv_catalog *c35 = bv_catalog_get(BV_LINE_35), *c40 = bv_catalog_get(BV_LINE_40),
                     *c42 = bv_catalog_get(BV_LINE_42), *c5 = bv_catalog_get(BV_LINE_5);
    CU_ASSERT_STRING_EQUAL(c35->name, "3.5");
    CU_ASSERT_STRING_EQUAL(c40->name, "4.0-4.1");
    CU_ASSERT_STRING_EQUAL(c42->name, "4.2-4.4");
    CU_ASSERT_STRING_EQUAL(c5->name, "5.x/2025.x");
    /* 3.5: exactly what the real server answered in captures 40-45 */
    CU_ASSERT_STRING_EQUAL(c35->components, "CALL dbms.components()");
    CU_ASSERT_STRING_EQUAL(c35->labels, "CALL db.labels()");
    CU_ASSERT_STRING_EQUAL(c35->rel_types, "CALL db.relationshipTypes()");
    CU_ASSERT_STRING_EQUAL(c35->prop_keys, "CALL db.propertyKeys()");
    CU_ASSERT_STRING_EQUAL(c35->indexes, "CALL db.indexes()");
    CU_ASSERT_STRING_EQUAL(c35->constraints, "CALL db.constraints()");
    CU_ASSERT_PTR_NULL(c35->databases);
    CU_ASSERT_EQUAL(c35->multi_database, 0);
    /* 4.0-4.1: databases, still the procedures */
    CU_ASSERT_EQUAL(c40->multi_database, 1);
    CU_ASSERT_STRING_EQUAL(c40->databases, "SHOW DATABASES");
    CU_ASSERT_STRING_EQUAL(c40->indexes, "CALL db.indexes()");
    CU_ASSERT_STRING_EQUAL(c40->constraints, "CALL db.constraints()");
    /* 4.2 on: SHOW (db.indexes() is gone in 5.0) */
    CU_ASSERT_STRING_EQUAL(c42->indexes, "SHOW INDEXES");
    CU_ASSERT_STRING_EQUAL(c42->constraints, "SHOW CONSTRAINTS");
    CU_ASSERT_STRING_EQUAL(c5->indexes, "SHOW INDEXES");
    CU_ASSERT_STRING_EQUAL(c5->constraints, "SHOW CONSTRAINTS");
    CU_ASSERT_STRING_EQUAL(c5->databases, "SHOW DATABASES");
    for (int l = 0; l < BV_LINE_COUNT; l++) {
        const bv_catalog *c = bv_catalog_get((bv_server_line)l);
        CU_ASSERT_EQUAL(c->line, (bv_server_line)l);
        /* count store shapes only: one label or type, directed, no WHERE, count() alone */
        CU_ASSERT_STRING_EQUAL(c->count_nodes, "MATCH (n) RETURN count(n) AS c");
        CU_ASSERT_STRING_EQUAL(c->count_rels, "MATCH ()-[r]->() RETURN count(r) AS c");
        CU_ASSERT_STRING_EQUAL(c->count_label, "MATCH (n:@1) RETURN count(n) AS c");
        CU_ASSERT_STRING_EQUAL(c->count_type, "MATCH ()-[r:@1]->() RETURN count(r) AS c");
        CU_ASSERT_STRING_EQUAL(c->count_out, "MATCH (:@1)-[r:@2]->() RETURN count(r) AS c");
        CU_ASSERT_STRING_EQUAL(c->count_in, "MATCH ()-[r:@2]->(:@1) RETURN count(r) AS c");
        /* partitions: the IN range() seek, never an id(n) >= filter (bolt-reference 9.7) */
        CU_ASSERT_PTR_NOT_NULL(strstr(c->cov_nodes, "WHERE id(n) IN range($lo, $hi)"));
        CU_ASSERT_PTR_NOT_NULL(strstr(c->cov_rels, "WHERE id(r) IN range($lo, $hi)"));
        CU_ASSERT_PTR_NULL(strstr(c->cov_nodes, ">="));
        CU_ASSERT_PTR_NOT_NULL(strstr(c->cov_nodes, "RETURN labels(n) AS ls, keys(n) AS ks"));
        CU_ASSERT_PTR_NOT_NULL(strstr(c->cov_rels, "RETURN type(r) AS t, keys(r) AS ks"));
        CU_ASSERT_PTR_NOT_NULL(strstr(c->node_id_range, "max(id(n)) AS hi"));
        CU_ASSERT_PTR_NOT_NULL(strstr(c->rel_id_range, "min(id(r)) AS lo"));
    }
}

/* Every string of the catalog struct (it only holds const char * after its header fields,
 * whatever later checks add), on every line. */
static size_t entries(const bv_catalog *c, const char **out, size_t max)
{
    const char *const *p = (const char *const *)&c->components;
    const char *const *end = (const char *const *)((const char *)c + sizeof *c);
    size_t n = 0;
    for (; p < end && n < max; p++)
        if (*p) out[n++] = *p;
    return n;
}

static int has_word(const char *q, const char *word)
{
    size_t n = strlen(word);
    for (const char *s = q; (s = strstr(s, word)); s++) {
        int before = s == q || !(isalnum((unsigned char)s[-1]) || s[-1] == '_');
        int after = !(isalnum((unsigned char)s[n]) || s[n] == '_');
        if (before && after) return 1;
    }
    return 0;
}

static void test_no_entry_writes(void)
{
    static const char *const writes[] = {"CREATE", "MERGE",  "SET",    "DELETE",  "DETACH",
                                         "REMOVE", "DROP",   "LOAD",   "FOREACH", "GRANT",
                                         "DENY",   "REVOKE", "ALTER",  "START",   "STOP",
                                         "create", "merge",  "delete", "remove",  "set"};
    for (int l = 0; l < BV_LINE_COUNT; l++) {
        const bv_catalog *c = bv_catalog_get((bv_server_line)l);
        const char *q[64];
        size_t n = entries(c, q, 64);
        CU_ASSERT(n >= 17); /* every entry of this file at least */
        for (size_t i = 0; i < n; i++) {
            for (size_t w = 0; w < sizeof writes / sizeof writes[0]; w++)
                if (has_word(q[i], writes[w])) {
                    fprintf(stderr, "\ncatalog %s: write word %s in: %s\n", c->name, writes[w],
                            q[i]);
                    CU_FAIL("a catalog entry writes");
                }
            /* a procedure call may only be one of the read-only ones */
            const char *call = strstr(q[i], "CALL ");
            if (call)
                CU_ASSERT(!strncmp(call + 5, "db.", 3) ||
                          !strncmp(call + 5, "dbms.components", 15));
            /* values go as parameters: no literal numbers in the shared shapes */
            CU_ASSERT_PTR_NULL(strstr(q[i], "{lo}"));
        }
    }
    CU_ASSERT(has_word("MATCH (n) SET n.x = 1", "SET"));
    CU_ASSERT(!has_word("RETURN offset", "SET"));
}

static void test_quote(void)
{
    char buf[64];
    CU_ASSERT_EQUAL(bv_cypher_quote(buf, sizeof buf, "Person"), 8);
    CU_ASSERT_STRING_EQUAL(buf, "`Person`");
    CU_ASSERT_EQUAL(bv_cypher_quote(buf, sizeof buf, "a`b"), 6);
    CU_ASSERT_STRING_EQUAL(buf, "`a``b`");
    bv_cypher_quote(buf, sizeof buf, "``");
    CU_ASSERT_STRING_EQUAL(buf, "``````");
    bv_cypher_quote(buf, sizeof buf, "My Label.with dots");
    CU_ASSERT_STRING_EQUAL(buf, "`My Label.with dots`");
    bv_cypher_quote(buf, sizeof buf, "Grüße 山田");
    CU_ASSERT_STRING_EQUAL(buf, "`Grüße 山田`");
    /* truncation: snprintf semantics */
    char small[5];
    CU_ASSERT_EQUAL(bv_cypher_quote(small, sizeof small, "abcdef"), 8);
    CU_ASSERT_STRING_EQUAL(small, "`abc");
    CU_ASSERT_EQUAL(bv_cypher_quote(NULL, 0, "a`"), 5);
}

static void test_build(void)
{
    char *q = NULL;
    const char *names[] = {"Person", "KNOWS"};
    CU_ASSERT_EQUAL(bv_catalog_build(bv_catalog_get(BV_LINE_35)->count_out, names, 2, &q), 0);
    CU_ASSERT_STRING_EQUAL(q, "MATCH (:`Person`)-[r:`KNOWS`]->() RETURN count(r) AS c");
    bolt_free(q);
    CU_ASSERT_EQUAL(bv_catalog_build(bv_catalog_get(BV_LINE_5)->count_in, names, 2, &q), 0);
    CU_ASSERT_STRING_EQUAL(q, "MATCH ()-[r:`KNOWS`]->(:`Person`) RETURN count(r) AS c");
    bolt_free(q);
    /* hostile names stay one identifier */
    const char *evil[] = {"X`) DETACH DELETE (n) //"};
    CU_ASSERT_EQUAL(bv_catalog_build("MATCH (n:@1) RETURN count(n) AS c", evil, 1, &q), 0);
    CU_ASSERT_STRING_EQUAL(q, "MATCH (n:`X``) DETACH DELETE (n) //`) RETURN count(n) AS c");
    bolt_free(q);
    /* placeholders repeat and mix with text; other '@' are kept */
    CU_ASSERT_EQUAL(bv_catalog_build("@1 @1 @2 @x @ @0", names, 2, &q), 0);
    CU_ASSERT_STRING_EQUAL(q, "`Person` `Person` `KNOWS` @x @ @0");
    bolt_free(q);
    CU_ASSERT_EQUAL(bv_catalog_build("no names", NULL, 0, &q), 0);
    CU_ASSERT_STRING_EQUAL(q, "no names");
    bolt_free(q);
    /* refusals leave *out NULL */
    q = (char *)1;
    CU_ASSERT_EQUAL(bv_catalog_build("@3", names, 2, &q), BOLT_E_INVAL);
    CU_ASSERT_PTR_NULL(q);
    CU_ASSERT_EQUAL(bv_catalog_build(NULL, names, 2, &q), BOLT_E_INVAL);
    const char *empty[] = {""};
    CU_ASSERT_EQUAL(bv_catalog_build("@1", empty, 1, &q), BOLT_E_INVAL);
    const char *null_name[] = {NULL};
    CU_ASSERT_EQUAL(bv_catalog_build("@1", null_name, 1, &q), BOLT_E_INVAL);
    const char *bad_utf8[] = {"a\xff"};
    CU_ASSERT_EQUAL(bv_catalog_build("@1", bad_utf8, 1, &q), BOLT_E_INVAL);
    const char *overlong[] = {"\xc0\xaf"};
    CU_ASSERT_EQUAL(bv_catalog_build("@1", overlong, 1, &q), BOLT_E_INVAL);
    const char *surrogate[] = {"\xed\xa0\x80"};
    CU_ASSERT_EQUAL(bv_catalog_build("@1", surrogate, 1, &q), BOLT_E_INVAL);
    const char *truncated[] = {"\xe5\xb1"};
    CU_ASSERT_EQUAL(bv_catalog_build("@1", truncated, 1, &q), BOLT_E_INVAL);
    const char *four[] = {"\xf0\x9f\x98\x80"};
    CU_ASSERT_EQUAL(bv_catalog_build("@1", four, 1, &q), 0);
    CU_ASSERT_STRING_EQUAL(q, "`\xf0\x9f\x98\x80`");
    bolt_free(q);
    CU_ASSERT_EQUAL(bv_catalog_build("@1", names, 1, NULL), BOLT_E_INVAL);
}

static int build_once(void *ud)
{
    (void)ud;
    char *q = NULL;
    const char *names[] = {"a`b", "T"};
    int rc = bv_catalog_build("MATCH (:@1)-[r:@2]->() RETURN count(r)", names, 2, &q);
    if (rc == 0 && strcmp(q, "MATCH (:`a``b`)-[r:`T`]->() RETURN count(r)")) rc = -1000;
    bolt_free(q);
    return rc;
}

static void test_build_allocation_failure(void)
{
    CU_ASSERT_EQUAL(failalloc_each(build_once, NULL, BOLT_E_NOMEM), 0);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 1;
    CU_pSuite s = CU_add_suite("catalog", NULL, NULL);
    CU_add_test(s, "version -> server line", test_version_mapping);
    CU_add_test(s, "query text per line", test_query_text_per_line);
    CU_add_test(s, "no entry writes", test_no_entry_writes);
    CU_add_test(s, "name quoting", test_quote);
    CU_add_test(s, "template expansion", test_build);
    CU_add_test(s, "template allocation failure", test_build_allocation_failure);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failures = CU_get_number_of_failures();
    CU_cleanup_registry();
    return failures ? 1 : 0;
}
