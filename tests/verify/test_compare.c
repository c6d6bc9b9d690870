/* Tests of verify/compare.c, compare_schema.c and compare_sample.c on synthetic measurements:
 * every check finds what it must with the severity the rules give (drift / expected / info /
 * ambiguous), the schema of one graph as 3.5, 4.4 and 5.x list it differs only by expected
 * changes, the messages carry both values, the order is stable, and a failed allocation
 * leaves the output as it was. */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bolt/alloc.h"
#include "bolt/error.h"
#include "failalloc.h"
#include "verify/canon.h"
#include "verify/compare.h"
#include "vfixture.h"

/* ---- helpers ------------------------------------------------------------------------------- */

static bv_measurement B, T;
static bv_divergences D;

static void setup_pair(void (*base)(bv_measurement *), void (*target)(bv_measurement *))
{
    bv_measurement_free(&B);
    bv_measurement_free(&T);
    bv_divergences_free(&D);
    base(&B);
    target(&T);
}

static int run(unsigned checks)
{
    bv_compare_opts o = {checks};
    bv_divergences_free(&D);
    return bv_compare(&B, 0, &T, 1, &o, &D);
}

static size_t count_sev(bv_severity s)
{
    size_t n = 0;
    for (size_t i = 0; i < D.len; i++)
        n += D.items[i].severity == s;
    return n;
}

/* The one divergence with this kind and subject; NULL (and a failed assertion) otherwise. */
static const bv_divergence *find(const char *kind, const char *subject)
{
    const bv_divergence *hit = NULL;
    size_t n = 0;
    for (size_t i = 0; i < D.len; i++)
        if (!strcmp(D.items[i].kind, kind) && !strcmp(D.items[i].subject, subject)) {
            hit = &D.items[i];
            n++;
        }
    if (n != 1) {
        fprintf(stderr, "\nexpected one %s on '%s', found %zu; divergences:\n", kind, subject, n);
        for (size_t i = 0; i < D.len; i++)
            fprintf(stderr, "  [%s %s] %s | %s\n", bv_severity_name(D.items[i].severity),
                    D.items[i].kind, D.items[i].subject, D.items[i].message);
    }
    CU_ASSERT_EQUAL(n, 1);
    return n == 1 ? hit : NULL;
}

static int streq_null(const char *a, const char *b)
{
    if (!a || !b) return a == b;
    return !strcmp(a, b);
}

#define ASSERT_DIV(d, sev, bval, tval, msg)                                                        \
    do {                                                                                           \
        const bv_divergence *d_ = (d);                                                             \
        CU_ASSERT_PTR_NOT_NULL_FATAL(d_);                                                          \
        CU_ASSERT_EQUAL(d_->severity, (sev));                                                      \
        CU_ASSERT_EQUAL(d_->baseline, 0);                                                          \
        CU_ASSERT_EQUAL(d_->target, 1);                                                            \
        CU_ASSERT_TRUE(streq_null(d_->baseline_value, (bval)));                                    \
        CU_ASSERT_TRUE(streq_null(d_->target_value, (tval)));                                      \
        if (strcmp(d_->message, (msg)))                                                            \
            fprintf(stderr, "\nmessage: %s\nexpected: %s\n", d_->message, (msg));                  \
        CU_ASSERT_STRING_EQUAL(d_->message, (msg));                                                \
    } while (0)

/* ---- whole graphs --------------------------------------------------------------------------- */

static void test_identical_graph_has_no_divergence(void)
{
    setup_pair(vf_graph35, vf_graph35);
    CU_ASSERT_EQUAL(run(BV_CHECK_ALL), 0);
    CU_ASSERT_EQUAL(D.len, 0);
}

static void test_35_to_44_only_expected_and_info(void)
{
    setup_pair(vf_graph35, vf_graph44);
    int n = run(BV_CHECK_ALL);
    CU_ASSERT_EQUAL(n, (int)D.len);
    CU_ASSERT_EQUAL(count_sev(BV_SEV_DRIFT), 0);
    CU_ASSERT_EQUAL(count_sev(BV_SEV_AMBIGUOUS), 0);
    CU_ASSERT_EQUAL(count_sev(BV_SEV_INFO), 4); /* version, edition, Bolt version, database */
    CU_ASSERT_EQUAL(count_sev(BV_SEV_EXPECTED), 5);
    ASSERT_DIV(find("version", "server version"), BV_SEV_INFO, "3.5.22-SNAPSHOT", "4.4.40",
               "server version: 3.5.22-SNAPSHOT on baseline, 4.4.40 on target");
    ASSERT_DIV(find("database", "database measured"), BV_SEV_INFO, NULL, "neo4j",
               "database measured: unknown on baseline, neo4j on target");
    ASSERT_DIV(find("index_changed", "index :Person(name)"), BV_SEV_EXPECTED,
               "type BTREE, provider native-btree-1.0",
               "type BTREE, provider native-btree-1.0, name index_5c0e4f5",
               "index :Person(name): name (none) -> index_5c0e4f5 (changed by the migration on "
               "purpose)");
    /* the 3.5 constraint has no name; it took its backing index's provider when folded */
    ASSERT_DIV(find("constraint_changed", "uniqueness constraint :Person(uid)"), BV_SEV_EXPECTED,
               "provider native-btree-1.0",
               "type UNIQUENESS, provider native-btree-1.0, name constraint_2",
               "uniqueness constraint :Person(uid): name (none) -> constraint_2 (changed by the "
               "migration on purpose)");
    ASSERT_DIV(find("index_extra", "lookup index on nodes"), BV_SEV_EXPECTED, NULL,
               "type LOOKUP, provider token-lookup-1.0, name index_343aff4e",
               "lookup index on nodes: absent on baseline, present on target (4.3+ creates token "
               "lookup indexes)");
    find("index_extra", "lookup index on relationships");
    find("constraint_changed", "uniqueness constraint :Company(name)");
}

static void test_35_to_5_btree_becomes_range(void)
{
    setup_pair(vf_graph35, vf_graph5);
    run(BV_CHECK_SCHEMA);
    CU_ASSERT_EQUAL(count_sev(BV_SEV_DRIFT), 0);
    CU_ASSERT_EQUAL(D.len, 5);
    ASSERT_DIV(find("index_changed", "index :Person(name)"), BV_SEV_EXPECTED,
               "type BTREE, provider native-btree-1.0",
               "type RANGE, provider range-1.0, name index_5c0e4f5",
               "index :Person(name): type BTREE -> RANGE; provider native-btree-1.0 -> "
               "range-1.0; name (none) -> index_5c0e4f5 (changed by the migration on purpose)");
    ASSERT_DIV(find("constraint_changed", "uniqueness constraint :Person(uid)"), BV_SEV_EXPECTED,
               "provider native-btree-1.0",
               "type NODE_PROPERTY_UNIQUENESS, provider range-1.0, name constraint_2",
               "uniqueness constraint :Person(uid): provider native-btree-1.0 -> range-1.0; name "
               "(none) -> constraint_2 (changed by the migration on purpose)");
}

static void test_44_to_5_same_names(void)
{
    setup_pair(vf_graph44, vf_graph5);
    run(BV_CHECK_SCHEMA);
    /* names survive 4.4 -> 5: only the index type and the providers change */
    CU_ASSERT_EQUAL(D.len, 3);
    CU_ASSERT_EQUAL(count_sev(BV_SEV_EXPECTED), 3);
    ASSERT_DIV(find("index_changed", "index :Person(name)"), BV_SEV_EXPECTED,
               "type BTREE, provider native-btree-1.0, name index_5c0e4f5",
               "type RANGE, provider range-1.0, name index_5c0e4f5",
               "index :Person(name): type BTREE -> RANGE; provider native-btree-1.0 -> range-1.0 "
               "(changed by the migration on purpose)");
}

/* ---- inventory and tokens ------------------------------------------------------------------- */

static void test_inventory_databases_are_info(void)
{
    setup_pair(vf_graph44, vf_graph44);
    bolt_free(T.inventory.databases[1]); /* "system" */
    T.inventory.databases[1] = vf_strdup("sales");
    run(BV_CHECK_INVENTORY);
    CU_ASSERT_EQUAL(D.len, 2);
    ASSERT_DIV(find("database_missing", "system"), BV_SEV_INFO, "system", NULL,
               "database system: present on baseline, absent on target");
    ASSERT_DIV(find("database_extra", "sales"), BV_SEV_INFO, NULL, "sales",
               "database sales: absent on baseline, present on target");
}

static void test_inventory_list_on_one_side_only_says_nothing(void)
{
    setup_pair(vf_graph35, vf_graph35);
    const char *dbs[] = {"neo4j", "system", NULL};
    vf_databases(&T, dbs);
    run(BV_CHECK_INVENTORY);
    CU_ASSERT_EQUAL(D.len, 0);
}

static void test_tokens(void)
{
    setup_pair(vf_graph35, vf_graph35);
    bv_counts_free(&T.labels);
    vf_count(&T.labels, "Person", 1);
    vf_count(&T.labels, "Company", 1);
    vf_count(&T.rel_types, "my type", 1);
    bv_counts_free(&T.prop_keys);
    vf_count(&T.prop_keys, "uid", 1);
    vf_count(&T.prop_keys, "name", 1);
    run(BV_CHECK_TOKENS);
    CU_ASSERT_EQUAL(D.len, 3);
    ASSERT_DIV(find("token_missing", "label Employee"), BV_SEV_DRIFT, "present", NULL,
               "label Employee: in use on baseline, absent on target");
    ASSERT_DIV(find("token_extra", "relationship type `my type`"), BV_SEV_DRIFT, NULL, "present",
               "relationship type `my type`: absent on baseline, in use on target");
    /* a store copy drops unused property-key tokens: information only */
    ASSERT_DIV(find("token_missing", "property key since"), BV_SEV_INFO, "present", NULL,
               "property key since: in use on baseline, absent on target");
}

/* ---- counts, coverage, full ----------------------------------------------------------------- */

static void test_counts(void)
{
    setup_pair(vf_graph35, vf_graph35);
    T.node_count = 3;
    vf_count(&T.label_counts, "Person", 2);
    bv_counts_free(&T.type_counts);
    vf_count(&T.type_counts, "KNOWS", 2);
    vf_count(&T.type_counts, "WORKS_AT", 2); /* LIKES absent: counted as 0 */
    vf_count(&T.out_counts, "(:Person)-[:KNOWS]->()", 5);
    run(BV_CHECK_COUNTS);
    CU_ASSERT_EQUAL(D.len, 4);
    CU_ASSERT_EQUAL(count_sev(BV_SEV_DRIFT), 4);
    ASSERT_DIV(find("count", "all nodes"), BV_SEV_DRIFT, "4", "3",
               "all nodes: 4 nodes on baseline, 3 on target (-1)");
    ASSERT_DIV(find("count", "(:Person)"), BV_SEV_DRIFT, "3", "2",
               "(:Person): 3 nodes on baseline, 2 on target (-1)");
    ASSERT_DIV(find("count", "()-[:LIKES]->()"), BV_SEV_DRIFT, "1", "0",
               "()-[:LIKES]->(): 1 relationships on baseline, 0 on target (-1)");
    ASSERT_DIV(find("count", "(:Person)-[:KNOWS]->()"), BV_SEV_DRIFT, "2", "5",
               "(:Person)-[:KNOWS]->(): 2 relationships on baseline, 5 on target (+3)");
}

static void test_count_of_zero_equals_absent(void)
{
    setup_pair(vf_graph35, vf_graph35);
    vf_count(&T.label_counts, "Ghost", 0);
    run(BV_CHECK_COUNTS);
    CU_ASSERT_EQUAL(D.len, 0);
}

static void test_coverage(void)
{
    setup_pair(vf_graph35, vf_graph35);
    vf_count(&T.coverage[0].keys, "name", 1);
    vf_count(&T.coverage[0].keys, "nick", 1);
    bv_coverage *cv = vf_coverage(&T, "Company", 0);
    vf_count(&cv->keys, "name", 1);
    run(BV_CHECK_COVERAGE);
    CU_ASSERT_EQUAL(D.len, 3);
    ASSERT_DIV(find("coverage", "(:Person).name"), BV_SEV_DRIFT, "2", "1",
               "(:Person).name: 2 nodes carry it on baseline, 1 on target (-1)");
    ASSERT_DIV(find("coverage", "(:Person).nick"), BV_SEV_DRIFT, "0", "1",
               "(:Person).nick: 0 nodes carry it on baseline, 1 on target (+1)");
    ASSERT_DIV(find("coverage_extra", "(:Company)"), BV_SEV_DRIFT, NULL, "1 keys",
               "(:Company): nothing on baseline, property coverage on target (1 keys)");
}

static void test_full(void)
{
    setup_pair(vf_graph35, vf_graph35);
    bv_counts_free(&T.full_labels);
    bolt_free(T.full_digests);
    T.full_digests = NULL;
    vf_full(&T, "Company", 1, 0xC1);
    vf_full(&T, "Person", 3, 0xF0);
    run(BV_CHECK_FULL);
    CU_ASSERT_EQUAL(D.len, 2);
    ASSERT_DIV(find("digest", "(:Company)"), BV_SEV_DRIFT,
               "1 nodes, xxh3 000000000000000000000000000000c0",
               "1 nodes, xxh3 000000000000000000000000000000c1",
               "(:Company): full-scan digest differs (1 nodes, xxh3 "
               "000000000000000000000000000000c0 on baseline, 1 nodes, xxh3 "
               "000000000000000000000000000000c1 on target)");
    ASSERT_DIV(find("digest", "(:Employee)"), BV_SEV_DRIFT,
               "1 nodes, xxh3 000000000000000000000000000000e0", NULL,
               "(:Employee): full-scan digest differs (1 nodes, xxh3 "
               "000000000000000000000000000000e0 on baseline, not scanned on target)");
}

/* ---- sample -----------------------------------------------------------------------------------
 */

static void test_sample_field_by_field(void)
{
    setup_pair(vf_graph35, vf_graph35);
    /* Alice: name changed, a property added, a KNOWS relationship lost */
    bv_sample_node *n = &T.sample[0];
    n->node_hash = vf_h(901);
    n->fields[1].hash = vf_h(99);
    bolt_free(n->fields[1].rendering);
    n->fields[1].rendering = vf_strdup("\"Alicia\"");
    n->fields[3].hash = vf_h(98);
    bolt_free(n->fields[3].rendering);
    n->fields[3].rendering = vf_strdup("1 relationship");
    vf_field(n, BV_FIELD_PROPERTY, "nick", 97, "\"Al\"", 0);
    /* uid 2: Employee label gone, Manager label added */
    n = &T.sample[1];
    n->node_hash = vf_h(902);
    n->fields[0].hash = vf_h(96);
    bolt_free(n->fields[0].rendering);
    n->fields[0].rendering = vf_strdup(":Manager:Person");
    /* uid 3: name removed */
    n = &T.sample[2];
    n->node_hash = vf_h(903);
    bolt_free(n->fields[1].name);
    bolt_free(n->fields[1].rendering);
    n->fields[1] = n->fields[2];
    n->field_count = 2;
    run(BV_CHECK_SAMPLE);
    CU_ASSERT_EQUAL(D.len, 6);
    CU_ASSERT_EQUAL(count_sev(BV_SEV_DRIFT), 6);
    ASSERT_DIV(find("property_changed", "(:Person {uid: 1}).name"), BV_SEV_DRIFT, "\"Alice\"",
               "\"Alicia\"",
               "(:Person {uid: 1}).name: \"Alice\" on baseline, \"Alicia\" on target");
    ASSERT_DIV(find("property_added", "(:Person {uid: 1}).nick"), BV_SEV_DRIFT, NULL, "\"Al\"",
               "(:Person {uid: 1}).nick: added on target (\"Al\")");
    ASSERT_DIV(find("relationships_changed", "(:Person {uid: 1})"), BV_SEV_DRIFT, "2 relationships",
               "1 relationship",
               "(:Person {uid: 1}) -[:KNOWS]->: 2 relationships on baseline, 1 relationship on "
               "target");
    ASSERT_DIV(find("label_removed", "(:Person {uid: 2})"), BV_SEV_DRIFT, ":Employee", NULL,
               "(:Person {uid: 2}): label :Employee missing on target");
    ASSERT_DIV(find("label_added", "(:Person {uid: 2})"), BV_SEV_DRIFT, NULL, ":Manager",
               "(:Person {uid: 2}): label :Manager added on target");
    ASSERT_DIV(find("property_removed", "(:Person {uid: 3}).name"), BV_SEV_DRIFT, "\"\"", NULL,
               "(:Person {uid: 3}).name: removed on target (was \"\")");
}

static void test_sample_equal_node_hash_trusts_the_hash(void)
{
    setup_pair(vf_graph35, vf_graph35);
    T.sample[0].fields[1].hash = vf_h(5); /* field detail differs, the node hash does not */
    run(BV_CHECK_SAMPLE);
    CU_ASSERT_EQUAL(D.len, 0);
}

static void test_sample_dst_note_is_ambiguous(void)
{
    setup_pair(vf_graph35, vf_graph35);
    bv_sample_node *b = &B.sample[0], *t = &T.sample[0];
    vf_field(b, BV_FIELD_PROPERTY, "seen", 70, "2021-10-31T02:30:00[Europe/Berlin]",
             BV_NOTE_AMBIGUOUS_DST);
    vf_field(t, BV_FIELD_PROPERTY, "seen", 71, "2021-10-31T02:30:00+01:00[Europe/Berlin]",
             BV_NOTE_AMBIGUOUS_DST);
    t->node_hash = vf_h(555);
    run(BV_CHECK_SAMPLE);
    CU_ASSERT_EQUAL(D.len, 1);
    ASSERT_DIV(find("property_changed", "(:Person {uid: 1}).seen"), BV_SEV_AMBIGUOUS,
               "2021-10-31T02:30:00[Europe/Berlin]", "2021-10-31T02:30:00+01:00[Europe/Berlin]",
               "(:Person {uid: 1}).seen: 2021-10-31T02:30:00[Europe/Berlin] on baseline, "
               "2021-10-31T02:30:00+01:00[Europe/Berlin] on target (undecidable from the wire: "
               "ambiguous-dst)");
}

static void test_sample_note_on_one_side_only_is_ambiguous(void)
{
    setup_pair(vf_graph35, vf_graph35);
    vf_field(&B.sample[0], BV_FIELD_PROPERTY, "seen", 70, "a", 0);
    vf_field(&T.sample[0], BV_FIELD_PROPERTY, "seen", 71, "b", BV_NOTE_UNKNOWN_ZONE);
    T.sample[0].node_hash = vf_h(555);
    run(BV_CHECK_SAMPLE);
    CU_ASSERT_EQUAL(D.len, 1);
    CU_ASSERT_EQUAL(D.items[0].severity, BV_SEV_AMBIGUOUS);
}

static void test_sample_missing_extra_duplicate(void)
{
    setup_pair(vf_graph35, vf_graph35);
    /* uid 3 looked up on the target and not found */
    bv_sample_node *n = &T.sample[2];
    n->missing = 1;
    n->node_hash = vf_h(0);
    /* uid 9 sampled on the target, looked up on the baseline: missing there */
    vf_node(&T, "Person", "uid", "9", 109);
    vf_node(&B, "Person", "uid", "9", 0)->missing = 1;
    /* uid 8 sampled on the target only, never looked up on the baseline */
    vf_node(&T, "Person", "uid", "8", 108);
    /* Company 'Acme': twice on the target, once on the baseline */
    vf_node(&B, "Company", "name", "\"Acme\"", 200);
    vf_node(&T, "Company", "name", "\"Acme\"", 200);
    vf_node(&T, "Company", "name", "\"Acme\"", 201);
    /* uid 7 twice on both sides */
    vf_node(&B, "Person", "uid", "7", 1);
    vf_node(&B, "Person", "uid", "7", 2);
    vf_node(&T, "Person", "uid", "7", 1);
    vf_node(&T, "Person", "uid", "7", 2);
    run(BV_CHECK_SAMPLE);
    CU_ASSERT_EQUAL(D.len, 5);
    ASSERT_DIV(find("missing_node", "(:Person {uid: 3})"), BV_SEV_DRIFT, "present", NULL,
               "(:Person {uid: 3}): missing on target");
    ASSERT_DIV(find("extra_node", "(:Person {uid: 9})"), BV_SEV_DRIFT, NULL, "present",
               "(:Person {uid: 9}): absent on baseline, present on target");
    ASSERT_DIV(find("unmatched_node", "(:Person {uid: 8})"), BV_SEV_INFO, NULL, "present",
               "(:Person {uid: 8}): sampled on target but not looked up on baseline");
    ASSERT_DIV(find("duplicate_key", "(:Company {name: \"Acme\"})"), BV_SEV_DRIFT, "1 nodes",
               "2 nodes",
               "(:Company {name: \"Acme\"}): key not unique (1 nodes on baseline, 2 nodes on "
               "target): nodes not compared");
    CU_ASSERT_EQUAL(find("duplicate_key", "(:Person {uid: 7})")->severity, BV_SEV_AMBIGUOUS);
}

static void test_sample_hash_differs_without_fields(void)
{
    setup_pair(vf_graph35, vf_graph35);
    B.sample[0].node_hash = (bv_h128){1, 0xAB};
    T.sample[0].node_hash = (bv_h128){2, 0xAB};
    for (size_t i = 0; i < 2; i++) {
        bv_sample_node *n = i ? &T.sample[0] : &B.sample[0];
        for (size_t k = 0; k < n->field_count; k++) {
            bolt_free(n->fields[k].name);
            bolt_free(n->fields[k].rendering);
        }
        n->field_count = 0;
    }
    run(BV_CHECK_SAMPLE);
    CU_ASSERT_EQUAL(D.len, 1);
    ASSERT_DIV(find("node_changed", "(:Person {uid: 1})"), BV_SEV_DRIFT,
               "00000000000000ab0000000000000001", "00000000000000ab0000000000000002",
               "(:Person {uid: 1}): node hash 00000000000000ab0000000000000001 on baseline, "
               "00000000000000ab0000000000000002 on target (no field-level detail)");
}

static void test_sample_labels_without_rendering(void)
{
    setup_pair(vf_graph35, vf_graph35);
    bv_sample_node *n = &T.sample[0];
    n->node_hash = vf_h(9);
    n->fields[0].hash = vf_h(0x1234);
    bolt_free(n->fields[0].rendering);
    n->fields[0].rendering = NULL;
    run(BV_CHECK_SAMPLE);
    CU_ASSERT_EQUAL(D.len, 1);
    ASSERT_DIV(find("labels_changed", "(:Person {uid: 1})"), BV_SEV_DRIFT, ":Person",
               "xxh3:00000000000000000000000000001234",
               "(:Person {uid: 1}): labels :Person on baseline, "
               "xxh3:00000000000000000000000000001234 on target");
}

static void test_sample_backquoted_labels(void)
{
    setup_pair(vf_graph35, vf_graph35);
    bv_sample_node *n = &T.sample[0];
    n->node_hash = vf_h(9);
    n->fields[0].hash = vf_h(0x99);
    bolt_free(n->fields[0].rendering);
    n->fields[0].rendering = vf_strdup(":Person:`we:ird``s`");
    run(BV_CHECK_SAMPLE);
    CU_ASSERT_EQUAL(D.len, 1);
    ASSERT_DIV(find("label_added", "(:Person {uid: 1})"), BV_SEV_DRIFT, NULL, ":`we:ird``s`",
               "(:Person {uid: 1}): label :`we:ird``s` added on target");
}

/* ---- schema rules --------------------------------------------------------------------------- */

static void schema_only(bv_measurement *m)
{
    m->checks = BV_CHECK_SCHEMA;
}

static void test_schema_missing_and_extra(void)
{
    setup_pair(schema_only, schema_only);
    vf_schema_item(&B, 0, BV_SCHEMA_INDEX, "Person", "email", "idx", "native-btree-1.0", "BTREE");
    vf_schema_item(&B, 1, BV_SCHEMA_EXISTS, "LIKED", "day", NULL, NULL, NULL);
    vf_schema_item(&B, 0, BV_SCHEMA_LOOKUP, "", "", "l", NULL, "LOOKUP");
    vf_schema_item(&T, 0, BV_SCHEMA_FULLTEXT, "Movie,Book", "title,plot", "ft", NULL, "FULLTEXT");
    run(BV_CHECK_SCHEMA);
    CU_ASSERT_EQUAL(D.len, 4);
    ASSERT_DIV(find("index_missing", "index :Person(email)"), BV_SEV_DRIFT,
               "type BTREE, provider native-btree-1.0, name idx", NULL,
               "index :Person(email): present on baseline, absent on target");
    ASSERT_DIV(find("constraint_missing", "existence constraint [:LIKED](day)"), BV_SEV_DRIFT,
               "present", NULL,
               "existence constraint [:LIKED](day): present on baseline, absent on target");
    /* a lookup index is never needed to keep data */
    CU_ASSERT_EQUAL(find("index_missing", "lookup index on nodes")->severity, BV_SEV_EXPECTED);
    ASSERT_DIV(find("index_extra", "fulltext index :Book|Movie(plot, title)"), BV_SEV_DRIFT, NULL,
               "type FULLTEXT, name ft",
               "fulltext index :Book|Movie(plot, title): absent on baseline, present on target");
}

static void test_schema_property_order(void)
{
    setup_pair(schema_only, schema_only);
    /* composite index: order matters; fulltext: a set */
    vf_schema_item(&B, 0, BV_SCHEMA_INDEX, "P", "a,b", NULL, NULL, "BTREE");
    vf_schema_item(&T, 0, BV_SCHEMA_INDEX, "P", "b,a", NULL, NULL, "BTREE");
    vf_schema_item(&B, 0, BV_SCHEMA_FULLTEXT, "B,A", "x,y", "f", NULL, "FULLTEXT");
    vf_schema_item(&T, 0, BV_SCHEMA_FULLTEXT, "A,B", "y,x", "f", NULL, "FULLTEXT");
    run(BV_CHECK_SCHEMA);
    CU_ASSERT_EQUAL(D.len, 2);
    find("index_missing", "index :P(a, b)");
    find("index_extra", "index :P(b, a)");
}

static void test_schema_kind_changes(void)
{
    setup_pair(schema_only, schema_only);
    vf_schema_item(&B, 0, BV_SCHEMA_INDEX, "Place", "loc", NULL, NULL, "BTREE");
    vf_schema_item(&T, 0, BV_SCHEMA_POINT, "Place", "loc", NULL, "point-1.0", "POINT");
    vf_schema_item(&B, 0, BV_SCHEMA_INDEX, "Doc", "body", NULL, "range-1.0", "RANGE");
    vf_schema_item(&T, 0, BV_SCHEMA_TEXT, "Doc", "body", NULL, "text-2.0", "TEXT");
    vf_schema_item(&B, 0, BV_SCHEMA_UNIQUE, "User", "email", NULL, NULL, NULL);
    vf_schema_item(&T, 0, BV_SCHEMA_NODE_KEY, "User", "email", NULL, NULL, NULL);
    run(BV_CHECK_SCHEMA);
    CU_ASSERT_EQUAL(D.len, 3);
    ASSERT_DIV(find("index_kind_changed", "index :Place(loc)"), BV_SEV_EXPECTED, "type BTREE",
               "type POINT, provider point-1.0",
               "index :Place(loc): is a point index on target (5.x replaces BTREE indexes by "
               "RANGE, TEXT or POINT)");
    /* RANGE -> TEXT is no migration step: a range query on Doc.body lost its index */
    ASSERT_DIV(find("index_kind_changed", "index :Doc(body)"), BV_SEV_DRIFT,
               "type RANGE, provider range-1.0", "type TEXT, provider text-2.0",
               "index :Doc(body): is a text index on target");
    ASSERT_DIV(find("constraint_kind_changed", "uniqueness constraint :User(email)"), BV_SEV_DRIFT,
               "present", "present",
               "uniqueness constraint :User(email): is a key constraint on target");
}

static void test_schema_constraint_descriptions(void)
{
    static const struct {
        const char *text;
        int rel;
        bv_schema_kind kind;
        const char *describe;
    } cases[] = {
        {"CONSTRAINT ON ( person:Person ) ASSERT person.uid IS UNIQUE", 0, BV_SCHEMA_UNIQUE,
         "uniqueness constraint :Person(uid)"},
        {"CONSTRAINT ON ( book:Book ) ASSERT (book.isbn) IS UNIQUE", 0, BV_SCHEMA_UNIQUE,
         "uniqueness constraint :Book(isbn)"},
        {"CONSTRAINT ON ( person:Person ) ASSERT (person.firstname, person.surname) IS NODE KEY", 0,
         BV_SCHEMA_NODE_KEY, "key constraint :Person(firstname, surname)"},
        {"CONSTRAINT ON ( book:Book ) ASSERT exists(book.isbn)", 0, BV_SCHEMA_EXISTS,
         "existence constraint :Book(isbn)"},
        {"CONSTRAINT ON ( book:Book ) ASSERT (book.isbn) IS NOT NULL", 0, BV_SCHEMA_EXISTS,
         "existence constraint :Book(isbn)"},
        {"CONSTRAINT ON ()-[ liked:LIKED ]-() ASSERT exists(liked.day)", 1, BV_SCHEMA_EXISTS,
         "existence constraint [:LIKED](day)"},
        {"CONSTRAINT ON ( `b k`:`My Book` ) ASSERT `b k`.`fun.ny``x` IS UNIQUE", 0,
         BV_SCHEMA_UNIQUE, "uniqueness constraint :`My Book`(`fun.ny``x`)"},
        {"constraint on ( exists:Thing ) assert exists.uid is unique", 0, BV_SCHEMA_UNIQUE,
         "uniqueness constraint :Thing(uid)"},
        /* not understood: kept as text */
        {"CONSTRAINT ON ( a:A ) ASSERT b.uid IS UNIQUE", 0, BV_SCHEMA_OTHER,
         "schema item \"CONSTRAINT ON ( a:A ) ASSERT b.uid IS UNIQUE\""},
        {"CONSTRAINT ON ( a:A ) ASSERT a.uid IS UNIQUE AND MORE", 0, BV_SCHEMA_OTHER,
         "schema item \"CONSTRAINT ON ( a:A ) ASSERT a.uid IS UNIQUE AND MORE\""},
        {"CONSTRAINT ON ( a:A ) ASSERT (a.x, a.y) IS UNIQUE", 0, BV_SCHEMA_UNIQUE,
         "uniqueness constraint :A(x, y)"},
        {"CONSTRAINT ON ( a:A ) ASSERT (a.x, a.y) IS NOT NULL", 0, BV_SCHEMA_OTHER,
         "schema item \"CONSTRAINT ON ( a:A ) ASSERT (a.x, a.y) IS NOT NULL\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bv_schema_row row = {0};
        row.source = BV_ROW_CONSTRAINT;
        row.description = cases[i].text;
        bv_schema_item it;
        CU_ASSERT_EQUAL_FATAL(bv_schema_normalize(&row, &it), 0);
        char buf[160];
        bv_schema_describe(&it, buf, sizeof buf);
        if (it.kind != cases[i].kind || strcmp(buf, cases[i].describe))
            fprintf(stderr, "\ncase %zu: kind %d, '%s'\n", i, (int)it.kind, buf);
        CU_ASSERT_EQUAL(it.kind, cases[i].kind);
        CU_ASSERT_EQUAL(it.is_relationship, cases[i].rel);
        CU_ASSERT_STRING_EQUAL(buf, cases[i].describe);
        bv_schema_item_free(&it);
    }
}

static void test_schema_other_compared_exactly(void)
{
    setup_pair(schema_only, schema_only);
    bv_schema_row row = {0};
    row.source = BV_ROW_CONSTRAINT;
    row.description = "CONSTRAINT ON something new";
    vf_schema_row(&B, &row);
    vf_schema_row(&T, &row);
    run(BV_CHECK_SCHEMA);
    CU_ASSERT_EQUAL(D.len, 0);
    bv_measurement_free(&T);
    schema_only(&T);
    row.description = "CONSTRAINT ON something newer";
    vf_schema_row(&T, &row);
    run(BV_CHECK_SCHEMA);
    CU_ASSERT_EQUAL(D.len, 2);
    find("schema_missing", "schema item \"CONSTRAINT ON something new\"");
    find("schema_extra", "schema item \"CONSTRAINT ON something newer\"");
}

static void test_schema_rows_normalised(void)
{
    const char *toks[] = {"Doc"}, *props[] = {"body"};
    bv_schema_row row = {0};
    row.source = BV_ROW_INDEX;
    row.tokens = toks, row.token_count = 1, row.props = props, row.prop_count = 1;
    static const struct {
        const char *type, *entity;
        bv_schema_kind kind;
        int rel;
    } cases[] = {
        {"node_label_property", NULL, BV_SCHEMA_INDEX, 0},
        {"relationship_fulltext", NULL, BV_SCHEMA_FULLTEXT, 1},
        {"BTREE", "RELATIONSHIP", BV_SCHEMA_INDEX, 1},
        {"RANGE", "NODE", BV_SCHEMA_INDEX, 0},
        {"TEXT", "NODE", BV_SCHEMA_TEXT, 0},
        {"POINT", "NODE", BV_SCHEMA_POINT, 0},
        {"VECTOR", "NODE", BV_SCHEMA_VECTOR, 0},
        {"HOLOGRAPHIC", "NODE", BV_SCHEMA_OTHER, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        row.type = cases[i].type;
        row.entity_type = cases[i].entity;
        bv_schema_item it;
        CU_ASSERT_EQUAL_FATAL(bv_schema_normalize(&row, &it), 0);
        CU_ASSERT_EQUAL(it.kind, cases[i].kind);
        CU_ASSERT_EQUAL(it.is_relationship, cases[i].rel);
        CU_ASSERT_EQUAL(it.owned, 0);
        CU_ASSERT_STRING_EQUAL(it.raw_type, cases[i].type);
        if (cases[i].kind == BV_SCHEMA_OTHER) CU_ASSERT_STRING_EQUAL(it.detail, "HOLOGRAPHIC");
        bv_schema_item_free(&it);
    }
    /* constraint types of SHOW CONSTRAINTS, old and new spellings */
    static const struct {
        const char *type;
        bv_schema_kind kind;
        int rel;
    } cons[] = {
        {"UNIQUENESS", BV_SCHEMA_UNIQUE, 0},
        {"NODE_PROPERTY_UNIQUENESS", BV_SCHEMA_UNIQUE, 0},
        {"RELATIONSHIP_UNIQUENESS", BV_SCHEMA_UNIQUE, 1},
        {"NODE_KEY", BV_SCHEMA_NODE_KEY, 0},
        {"RELATIONSHIP_KEY", BV_SCHEMA_NODE_KEY, 1},
        {"NODE_PROPERTY_EXISTENCE", BV_SCHEMA_EXISTS, 0},
        {"RELATIONSHIP_PROPERTY_EXISTENCE", BV_SCHEMA_EXISTS, 1},
        {"NODE_PROPERTY_TYPE", BV_SCHEMA_TYPE, 0},
    };
    row.source = BV_ROW_CONSTRAINT;
    row.entity_type = NULL;
    row.property_type = "STRING";
    for (size_t i = 0; i < sizeof cons / sizeof cons[0]; i++) {
        row.type = cons[i].type;
        bv_schema_item it;
        CU_ASSERT_EQUAL_FATAL(bv_schema_normalize(&row, &it), 0);
        CU_ASSERT_EQUAL(it.kind, cons[i].kind);
        CU_ASSERT_EQUAL(it.is_relationship, cons[i].rel);
        if (it.kind == BV_SCHEMA_TYPE) {
            char buf[128];
            bv_schema_describe(&it, buf, sizeof buf);
            CU_ASSERT_STRING_EQUAL(buf, "property type constraint :Doc(body) :: STRING");
        }
        bv_schema_item_free(&it);
    }
}

static void test_schema_fold(void)
{
    /* an owned index with its constraint: folded, provider handed over */
    bv_measurement m;
    bv_measurement_init(&m);
    vf_graph35(&m);
    CU_ASSERT_EQUAL(m.schema_count, 5);
    size_t n = m.schema_count;
    CU_ASSERT_EQUAL(bv_schema_fold(m.schema, &n), 0);
    CU_ASSERT_EQUAL(n, 3);
    m.schema_count = n;
    int constraints = 0;
    for (size_t i = 0; i < n; i++)
        if (m.schema[i].kind == BV_SCHEMA_UNIQUE) {
            constraints++;
            CU_ASSERT_STRING_EQUAL(m.schema[i].provider, "native-btree-1.0");
        }
    CU_ASSERT_EQUAL(constraints, 2);
    bv_measurement_free(&m);

    /* an owned index whose constraint was not listed becomes the constraint */
    schema_only(&m);
    const char *toks[] = {"Person"}, *props[] = {"uid"};
    bv_schema_row row = {0};
    row.source = BV_ROW_INDEX;
    row.type = "RANGE", row.entity_type = "NODE";
    row.tokens = toks, row.token_count = 1, row.props = props, row.prop_count = 1;
    row.name = "index_9", row.owning_constraint = "person_uid";
    vf_schema_row(&m, &row);
    n = m.schema_count;
    CU_ASSERT_TRUE(m.schema[0].owned);
    CU_ASSERT_EQUAL(bv_schema_fold(m.schema, &n), 0);
    CU_ASSERT_EQUAL(n, 1);
    CU_ASSERT_EQUAL(m.schema[0].kind, BV_SCHEMA_UNIQUE);
    CU_ASSERT_STRING_EQUAL(m.schema[0].name, "person_uid");
    CU_ASSERT_FALSE(m.schema[0].owned);
    bv_measurement_free(&m);
}

/* ---- selection, order, errors -----------------------------------------------------------------
 */

static void test_only_selected_and_measured_checks(void)
{
    setup_pair(vf_graph35, vf_graph44);
    T.node_count = 99;
    CU_ASSERT_EQUAL(run(BV_CHECK_TOKENS), 0); /* counts not asked for */
    T.checks &= ~BV_CHECK_COUNTS;
    CU_ASSERT_EQUAL(run(BV_CHECK_COUNTS), 0); /* asked for, not measured on the target */
    T.checks |= BV_CHECK_COUNTS;
    CU_ASSERT_EQUAL(run(BV_CHECK_COUNTS), 1);
    CU_ASSERT_EQUAL(D.items[0].check, BV_CHECK_COUNTS);
}

static void test_appends_and_orders_by_check(void)
{
    setup_pair(vf_graph35, vf_graph44);
    T.node_count = 99;
    bv_compare_opts o = {BV_CHECK_ALL};
    bv_divergences_free(&D);
    CU_ASSERT_EQUAL(bv_compare(&B, 0, &T, 1, &o, &D), 10);
    /* a second target appends with its own index */
    CU_ASSERT_EQUAL(bv_compare(&B, 0, &T, 2, &o, &D), 10);
    CU_ASSERT_EQUAL(D.len, 20);
    CU_ASSERT_EQUAL(D.items[19].target, 2);
    unsigned last = 0;
    for (size_t i = 0; i < 10; i++) {
        CU_ASSERT_TRUE(D.items[i].check >= last);
        last = D.items[i].check;
    }
    /* the same measurements in another order give the same list */
    bv_divergences first = D;
    memset(&D, 0, sizeof D);
    bv_schema_item tmp = T.schema[0];
    T.schema[0] = T.schema[T.schema_count - 1];
    T.schema[T.schema_count - 1] = tmp;
    bv_count c = T.label_counts.items[0];
    T.label_counts.items[0] = T.label_counts.items[2];
    T.label_counts.items[2] = c;
    bv_sample_node s = B.sample[0];
    B.sample[0] = B.sample[2];
    B.sample[2] = s;
    CU_ASSERT_EQUAL(bv_compare(&B, 0, &T, 1, &o, &D), 10);
    for (size_t i = 0; i < 10; i++)
        CU_ASSERT_STRING_EQUAL(D.items[i].message, first.items[i].message);
    bv_divergences_free(&first);
}

static void test_bad_arguments(void)
{
    bv_compare_opts o = {BV_CHECK_ALL};
    bv_divergences_free(&D);
    CU_ASSERT_EQUAL(bv_compare(NULL, 0, &T, 1, &o, &D), BOLT_E_INVAL);
    CU_ASSERT_EQUAL(bv_compare(&B, 0, &T, 1, NULL, &D), BOLT_E_INVAL);
    CU_ASSERT_EQUAL(bv_compare(&B, 0, &T, 1, &o, NULL), BOLT_E_INVAL);
}

/* Every allocation of a comparison with something to say in every check fails in turn: the
 * call returns BOLT_E_NOMEM, leaves the earlier divergences alone and frees everything. */
static int compare_op(void *ud)
{
    (void)ud;
    /* a fresh list each run, with one divergence the caller already had */
    bv_divergences d = {0};
    int rc = bv_divergences_add(&d, BV_CHECK_COUNTS, BV_SEV_DRIFT, 0, 1, "x", "y", NULL, NULL,
                                "earlier");
    if (rc == 0) {
        bv_compare_opts o = {BV_CHECK_ALL};
        rc = bv_compare(&B, 0, &T, 1, &o, &d);
        if (rc > 0) rc = 0;
        if (rc < 0 && (d.len != 1 || strcmp(d.items[0].message, "earlier")))
            rc = -100; /* not rolled back */
    }
    bv_divergences_free(&d);
    return rc;
}

static void test_allocation_failures(void)
{
    setup_pair(vf_graph35, vf_graph5);
    /* something to say in every check, so that every code path allocates */
    T.node_count = 5;
    vf_count(&T.labels, "New", 1);
    vf_count(&T.coverage[0].keys, "name", 9);
    T.sample[0].node_hash = vf_h(1);
    T.sample[0].fields[1].hash = vf_h(2);
    T.sample[1].node_hash = vf_h(1);
    T.sample[1].fields[0].hash = vf_h(2);
    bolt_free(T.sample[1].fields[0].rendering);
    T.sample[1].fields[0].rendering = vf_strdup(":`Odd one`:Person");
    T.sample[2].missing = 1;
    vf_schema_item(&T, 0, BV_SCHEMA_TEXT, "Person", "name", NULL, NULL, "TEXT");
    T.full_digests[0] = vf_h(3);
    CU_ASSERT_EQUAL(failalloc_each(compare_op, NULL, BOLT_E_NOMEM), 0);
}

static int normalize_op(void *ud)
{
    (void)ud;
    const char *toks[] = {"Person"}, *props[] = {"uid"};
    bv_schema_row r = {0};
    r.source = BV_ROW_INDEX;
    r.type = "node_unique_property";
    r.tokens = toks, r.token_count = 1, r.props = props, r.prop_count = 1;
    r.name = "index_1", r.provider_key = "native-btree", r.provider_version = "1.0";
    bv_schema_item it;
    int rc = bv_schema_normalize(&r, &it);
    if (rc) return rc;
    bv_schema_item_free(&it);
    bv_schema_row c = {0};
    c.source = BV_ROW_CONSTRAINT;
    c.description = "CONSTRAINT ON ( p:Person ) ASSERT (p.a, p.b) IS NODE KEY";
    if ((rc = bv_schema_normalize(&c, &it))) return rc;
    bv_schema_item_free(&it);
    return 0;
}

static void test_normalize_allocation_failures(void)
{
    CU_ASSERT_EQUAL(failalloc_each(normalize_op, NULL, BOLT_E_NOMEM), 0);
}

static int suite_clean(void)
{
    bv_measurement_free(&B);
    bv_measurement_free(&T);
    bv_divergences_free(&D);
    return 0;
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 1;
    CU_pSuite s = CU_add_suite("compare", NULL, suite_clean);
    CU_add_test(s, "identical graph: no divergence", test_identical_graph_has_no_divergence);
    CU_add_test(s, "3.5 -> 4.4: only expected and info", test_35_to_44_only_expected_and_info);
    CU_add_test(s, "3.5 -> 5: BTREE becomes RANGE", test_35_to_5_btree_becomes_range);
    CU_add_test(s, "4.4 -> 5: names kept", test_44_to_5_same_names);
    CU_add_test(s, "inventory: database lists are info", test_inventory_databases_are_info);
    CU_add_test(s, "inventory: list on one side only",
                test_inventory_list_on_one_side_only_says_nothing);
    CU_add_test(s, "tokens", test_tokens);
    CU_add_test(s, "counts", test_counts);
    CU_add_test(s, "counts: 0 equals absent", test_count_of_zero_equals_absent);
    CU_add_test(s, "coverage", test_coverage);
    CU_add_test(s, "full digests", test_full);
    CU_add_test(s, "sample: field by field", test_sample_field_by_field);
    CU_add_test(s, "sample: equal node hash", test_sample_equal_node_hash_trusts_the_hash);
    CU_add_test(s, "sample: DST note is ambiguous", test_sample_dst_note_is_ambiguous);
    CU_add_test(s, "sample: note on one side", test_sample_note_on_one_side_only_is_ambiguous);
    CU_add_test(s, "sample: missing, extra, duplicate", test_sample_missing_extra_duplicate);
    CU_add_test(s, "sample: hash differs, no fields", test_sample_hash_differs_without_fields);
    CU_add_test(s, "sample: labels without rendering", test_sample_labels_without_rendering);
    CU_add_test(s, "sample: back-quoted labels", test_sample_backquoted_labels);
    CU_add_test(s, "schema: missing and extra", test_schema_missing_and_extra);
    CU_add_test(s, "schema: property order", test_schema_property_order);
    CU_add_test(s, "schema: kind changes", test_schema_kind_changes);
    CU_add_test(s, "schema: constraint descriptions", test_schema_constraint_descriptions);
    CU_add_test(s, "schema: unknown items compared exactly", test_schema_other_compared_exactly);
    CU_add_test(s, "schema: rows of every server line", test_schema_rows_normalised);
    CU_add_test(s, "schema: folding owned indexes", test_schema_fold);
    CU_add_test(s, "only selected and measured checks", test_only_selected_and_measured_checks);
    CU_add_test(s, "appends, ordered, stable", test_appends_and_orders_by_check);
    CU_add_test(s, "bad arguments", test_bad_arguments);
    CU_add_test(s, "allocation failures: compare", test_allocation_failures);
    CU_add_test(s, "allocation failures: normalize", test_normalize_allocation_failures);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failures = CU_get_number_of_failures();
    CU_cleanup_registry();
    return failures ? 1 : 0;
}
