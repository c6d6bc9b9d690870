/* Tests of the full check's comparison (verify/compare.c cmp_full with the bisection's nodes,
 * bv_measurement.full_nodes): the digest line, the divergent nodes named and explained under
 * the full check (missing, extra, changed field by field or by hash), at most BV_FULL_NAMES per
 * label then "and M more", nodes kept for another target never reported, label notes; and the
 * digest arithmetic the scans rely on (bucket sums independent of partitioning and order). The
 * live phases are tested end to end in tests/scripts/test_verify_sample.py. */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bolt/alloc.h"
#include "bolt/error.h"
#include "failalloc.h"
#include "verify/compare.h"
#include "verify/hash.h"
#include "verify/sample.h"
#include "vfixture.h"

static bv_measurement B, T;
static bv_divergences D;

static void reset(void)
{
    bv_measurement_free(&B);
    bv_measurement_free(&T);
    bv_divergences_free(&D);
    B.checks = T.checks = BV_CHECK_FULL;
}

static int compare(void)
{
    bv_compare_opts o = {BV_CHECK_FULL};
    bv_divergences_free(&D);
    return bv_compare(&B, 0, &T, 1, &o, &D);
}

/* Appends a kept node to m->full_nodes. */
static bv_sample_node *kept(bv_measurement *m, const char *label, const char *key, uint64_t hash)
{
    bv_sample_node *v = bolt_realloc(m->full_nodes, (m->full_node_count + 1) * sizeof *v);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    m->full_nodes = v;
    bv_sample_node *n = &v[m->full_node_count++];
    memset(n, 0, sizeof *n);
    n->label = vf_strdup(label);
    n->key_prop = vf_strdup("uid");
    n->key_text = vf_strdup(key);
    n->key_hash = vf_h(strlen(key) * 1000 + (uint64_t)key[0]);
    n->node_hash = vf_h(hash);
    return n;
}

static const bv_divergence *find(const char *kind, const char *subject)
{
    const bv_divergence *hit = NULL;
    for (size_t i = 0; i < D.len; i++)
        if (!strcmp(D.items[i].kind, kind) && !strcmp(D.items[i].subject, subject)) {
            CU_ASSERT_PTR_NULL(hit);
            hit = &D.items[i];
        }
    if (!hit) fprintf(stderr, "\nno %s on %s\n", kind, subject);
    return hit;
}

static void test_named_and_explained(void)
{
    reset();
    vf_full(&B, "Person", 3, 0xA);
    vf_full(&T, "Person", 3, 0xB);
    kept(&B, "Person", "1", 10);                     /* missing on target */
    kept(&T, "Person", "2", 20);                     /* extra on target */
    bv_sample_node *b = kept(&B, "Person", "3", 30); /* changed, explained */
    bv_sample_node *t = kept(&T, "Person", "3", 31);
    vf_field(b, BV_FIELD_PROPERTY, "name", 1, "\"Ann\"", 0);
    vf_field(t, BV_FIELD_PROPERTY, "name", 2, "\"Anne\"", 0);
    kept(&B, "Person", "4", 40); /* changed, beyond the explained ones: hash only */
    kept(&T, "Person", "4", 41);
    kept(&B, "Person", "5", 50); /* kept, the same on both sides */
    kept(&T, "Person", "5", 50);
    CU_ASSERT_EQUAL_FATAL(compare(), 5);
    const bv_divergence *d = find("digest", "(:Person)");
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL(d->check, BV_CHECK_FULL);
    CU_ASSERT_EQUAL(d->severity, BV_SEV_DRIFT);
    CU_ASSERT_PTR_NOT_NULL(find("missing_node", "(:Person {uid: 1})"));
    d = find("extra_node", "(:Person {uid: 2})");
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL(d->severity, BV_SEV_DRIFT); /* a full scan: absent, not "not looked up" */
    d = find("property_changed", "(:Person {uid: 3}).name");
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL(d->check, BV_CHECK_FULL);
    CU_ASSERT_STRING_EQUAL(d->message, "(:Person {uid: 3}).name: \"Ann\" on baseline, \"Anne\" on "
                                       "target");
    d = find("node_changed", "(:Person {uid: 4})");
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL(d->severity, BV_SEV_DRIFT);
    /* the digest line comes first, then the nodes of its label */
    CU_ASSERT_STRING_EQUAL(D.items[0].kind, "digest");
}

static void test_at_most_names_then_more(void)
{
    reset();
    vf_full(&B, "Order", 100, 1);
    vf_full(&T, "Order", 75, 2);
    vf_full(&B, "Person", 5, 3);
    vf_full(&T, "Person", 4, 4);
    char key[16];
    for (int i = 0; i < 25; i++) {
        snprintf(key, sizeof key, "%d", 100 + i);
        kept(&B, "Order", key, 7); /* 25 missing Orders */
    }
    kept(&B, "Person", "9", 9);
    CU_ASSERT_EQUAL_FATAL(compare(), 2 + BV_FULL_NAMES + 1 + 1);
    size_t named = 0;
    for (size_t i = 0; i < D.len; i++)
        named +=
            !strcmp(D.items[i].kind, "missing_node") && !strncmp(D.items[i].subject, "(:Order", 7);
    CU_ASSERT_EQUAL(named, BV_FULL_NAMES);
    /* the first ones in key order are named */
    CU_ASSERT_PTR_NOT_NULL(find("missing_node", "(:Order {uid: 100})"));
    const bv_divergence *d = find("more_nodes", "(:Order)");
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_STRING_EQUAL(d->target_value, "5");
    CU_ASSERT_STRING_EQUAL(d->message, "(:Order): and 5 more divergent nodes");
    CU_ASSERT_PTR_NOT_NULL(find("missing_node", "(:Person {uid: 9})")); /* its own limit */
}

static void test_nodes_kept_for_another_target_are_silent(void)
{
    reset();
    vf_full(&B, "Person", 3, 0xA);
    vf_full(&T, "Person", 3, 0xA); /* this target agrees ... */
    kept(&B, "Person", "1", 10);   /* ... the nodes were kept because another one did not */
    kept(&T, "Person", "1", 10);
    kept(&B, "Person", "2", 20);
    bv_sample_node *n = bolt_realloc(B.full_nodes, (B.full_node_count + 1) * sizeof *n);
    B.full_nodes = n;
    CU_ASSERT_EQUAL_FATAL(bv_sample_node_note("Person", "some note", &n[B.full_node_count]), 0);
    B.full_node_count++;
    CU_ASSERT_EQUAL(compare(), 0);
}

static void test_label_notes(void)
{
    reset();
    vf_full(&B, "Customer", 30, 0xA);
    vf_full(&T, "Customer", 29, 0xB);
    B.full_nodes = bolt_calloc(1, sizeof *B.full_nodes);
    CU_ASSERT_EQUAL_FATAL(bv_sample_node_note("Customer",
                                              "divergent nodes not named: the label has no key",
                                              &B.full_nodes[0]),
                          0);
    B.full_node_count = 1;
    CU_ASSERT_EQUAL_FATAL(compare(), 2);
    const bv_divergence *d = find("not_named", "(:Customer)");
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL(d->severity, BV_SEV_INFO);
    CU_ASSERT_STRING_EQUAL(d->message,
                           "(:Customer): divergent nodes not named: the label has no key");
}

static int compare_op(void *ud)
{
    (void)ud;
    bv_divergences out = {0};
    bv_compare_opts o = {BV_CHECK_FULL};
    int rc = bv_compare(&B, 0, &T, 1, &o, &out);
    size_t len = out.len;
    bv_divergences_free(&out);
    if (rc < 0 && len != 0) return -100; /* a failed compare leaves nothing behind */
    return rc < 0 ? rc : 0;
}

static void test_malloc_failures(void)
{
    test_at_most_names_then_more();
    CU_ASSERT_EQUAL(failalloc_each(compare_op, NULL, BOLT_E_NOMEM), 0);
}

/* ---- digests -------------------------------------------------------------------------------- */

/* The scans add each node's hash to bucket (key hash mod B) of its label and merge buckets and
 * partitions by addition: any partitioning and any order give the same label digest, and one
 * changed node changes it. */
static void test_bucket_digests_ignore_partitioning(void)
{
    enum { N = 500, B_ = 256 };
    static bv_h128 key[N], node[N];
    for (int i = 0; i < N; i++) {
        char k[16];
        snprintf(k, sizeof k, "k%d", i);
        key[i] = bv_hash128(k, strlen(k), 0);
        node[i] = bv_hash128(k, strlen(k), 99);
    }
    bv_multiset whole, parts[7], buckets[B_];
    bv_multiset_init(&whole);
    for (int i = 0; i < N; i++)
        bv_multiset_add(&whole, node[i]);
    for (int p = 0; p < 7; p++)
        bv_multiset_init(&parts[p]);
    for (int b = 0; b < B_; b++)
        bv_multiset_init(&buckets[b]);
    for (int i = N - 1; i >= 0; i--) { /* other order, 7 partitions, then buckets */
        bv_multiset_add(&parts[(i * 31) % 7], node[i]);
        bv_multiset_add(&buckets[key[i].lo & (B_ - 1)], node[i]);
    }
    bv_multiset from_parts, from_buckets;
    bv_multiset_init(&from_parts);
    bv_multiset_init(&from_buckets);
    for (int p = 6; p >= 0; p--)
        bv_multiset_merge(&from_parts, &parts[p]);
    for (int b = 0; b < B_; b++)
        bv_multiset_merge(&from_buckets, &buckets[b]);
    CU_ASSERT(bv_h128_eq(bv_multiset_digest(&whole), bv_multiset_digest(&from_parts)));
    CU_ASSERT(bv_h128_eq(bv_multiset_digest(&whole), bv_multiset_digest(&from_buckets)));
    /* one node changed: the digest and exactly its bucket change */
    bv_multiset changed = whole;
    bv_multiset_remove(&changed, node[7]);
    bv_multiset_add(&changed, node[8]);
    CU_ASSERT_FALSE(bv_h128_eq(bv_multiset_digest(&whole), bv_multiset_digest(&changed)));
    /* a node counted twice is not the same multiset */
    bv_multiset twice = whole;
    bv_multiset_add(&twice, node[3]);
    CU_ASSERT_FALSE(bv_h128_eq(bv_multiset_digest(&whole), bv_multiset_digest(&twice)));
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
    CU_pSuite s = CU_add_suite("full", NULL, suite_clean);
    CU_add_test(s, "named and explained", test_named_and_explained);
    CU_add_test(s, "at most BV_FULL_NAMES, then and M more", test_at_most_names_then_more);
    CU_add_test(s, "nodes kept for another target", test_nodes_kept_for_another_target_are_silent);
    CU_add_test(s, "label notes", test_label_notes);
    CU_add_test(s, "malloc failures", test_malloc_failures);
    CU_add_test(s, "bucket digests ignore partitioning", test_bucket_digests_ignore_partitioning);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
