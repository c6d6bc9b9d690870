/* Tests of verify/result.c: the table of checks per instance pair (same / diverged / skipped /
 * error, with reasons), the exit code rules (3 before 4 before 1 before 0; expected, info and
 * ambiguous alone never fail unless --strict), setters' validation and allocation failures. */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <string.h>

#include "bolt/alloc.h"
#include "bolt/error.h"
#include "failalloc.h"
#include "verify/canon.h"
#include "verify/cli.h"
#include "verify/result.h"
#include "vfixture.h"

static bv_result R;

/* Baseline 3.5 and `targets` copies of the 4.4 graph. */
static void setup(size_t targets)
{
    bv_result_free(&R);
    CU_ASSERT_EQUAL_FATAL(bv_result_init(&R, targets + 1), 0);
    vf_graph35(&R.instances[0].m);
    for (size_t i = 1; i <= targets; i++)
        vf_graph44(&R.instances[i].m);
}

static const bv_check_result *cr(unsigned check, size_t target)
{
    for (size_t i = 0; i < R.check_result_count; i++)
        if (R.check_results[i].check == check && R.check_results[i].target == target)
            return &R.check_results[i];
    CU_FAIL("check result not found");
    return NULL;
}

static void test_migration_without_loss_exits_0(void)
{
    setup(2);
    CU_ASSERT_EQUAL(bv_result_finish(&R, BV_CHECK_DEFAULT, 0), 0);
    CU_ASSERT_EQUAL(R.exit_code, BV_EXIT_OK);
    CU_ASSERT_EQUAL(R.check_result_count, 12); /* 6 default checks x 2 targets */
    CU_ASSERT_EQUAL(R.totals[BV_SEV_DRIFT], 0);
    CU_ASSERT_EQUAL(R.totals[BV_SEV_INFO], 8);
    CU_ASSERT_EQUAL(R.totals[BV_SEV_EXPECTED], 10);
    const bv_check_result *c = cr(BV_CHECK_SCHEMA, 2);
    CU_ASSERT_EQUAL(c->status, BV_STATUS_SAME);
    CU_ASSERT_EQUAL(c->divergences, 5);
    CU_ASSERT_EQUAL(c->by_severity[BV_SEV_EXPECTED], 5);
    CU_ASSERT_PTR_NULL(c->reason);
    /* full was not asked for: not in the table */
    for (size_t i = 0; i < R.check_result_count; i++)
        CU_ASSERT_NOT_EQUAL(R.check_results[i].check, BV_CHECK_FULL);
}

static void test_drift_exits_1(void)
{
    setup(2);
    R.instances[2].m.node_count = 3;
    CU_ASSERT_EQUAL(bv_result_finish(&R, BV_CHECK_DEFAULT, 0), 0);
    CU_ASSERT_EQUAL(R.exit_code, BV_EXIT_DIVERGENCE);
    CU_ASSERT_EQUAL(cr(BV_CHECK_COUNTS, 1)->status, BV_STATUS_SAME);
    CU_ASSERT_EQUAL(cr(BV_CHECK_COUNTS, 2)->status, BV_STATUS_DIVERGED);
    CU_ASSERT_EQUAL(cr(BV_CHECK_COUNTS, 2)->by_severity[BV_SEV_DRIFT], 1);
    CU_ASSERT_EQUAL(R.totals[BV_SEV_DRIFT], 1);
}

static void test_ambiguous_only_fails_when_strict(void)
{
    setup(1);
    bv_sample_node *b = &R.instances[0].m.sample[0], *t = &R.instances[1].m.sample[0];
    vf_field(b, BV_FIELD_PROPERTY, "seen", 1, "x", BV_NOTE_AMBIGUOUS_DST);
    vf_field(t, BV_FIELD_PROPERTY, "seen", 2, "y", BV_NOTE_AMBIGUOUS_DST);
    t->node_hash = vf_h(77);
    CU_ASSERT_EQUAL(bv_result_finish(&R, BV_CHECK_SAMPLE, 0), 0);
    CU_ASSERT_EQUAL(R.totals[BV_SEV_AMBIGUOUS], 1);
    CU_ASSERT_EQUAL(R.exit_code, BV_EXIT_OK);
    CU_ASSERT_EQUAL(cr(BV_CHECK_SAMPLE, 1)->status, BV_STATUS_SAME);
    /* finishing again starts over */
    CU_ASSERT_EQUAL(bv_result_finish(&R, BV_CHECK_SAMPLE, 1), 0);
    CU_ASSERT_EQUAL(R.divergences.len, 1);
    CU_ASSERT_EQUAL(R.exit_code, BV_EXIT_DIVERGENCE);
    CU_ASSERT_EQUAL(cr(BV_CHECK_SAMPLE, 1)->status, BV_STATUS_DIVERGED);
}

static void test_failed_instance(void)
{
    setup(2);
    R.instances[2].m.node_count = 3; /* drift on [2]: the failure of [1] still wins */
    CU_ASSERT_EQUAL(bv_result_fail(&R, 1, BV_EXIT_CONNECT, BOLT_E_CONNECT,
                                   "connection refused by %s\nretried %d times", "10.0.0.2:7687",
                                   3),
                    0);
    CU_ASSERT_EQUAL(bv_result_finish(&R, BV_CHECK_DEFAULT, 0), 0);
    CU_ASSERT_EQUAL(R.exit_code, BV_EXIT_CONNECT);
    CU_ASSERT_STRING_EQUAL(R.instances[1].error,
                           "connection refused by 10.0.0.2:7687 retried 3 times");
    const bv_check_result *c = cr(BV_CHECK_TOKENS, 1);
    CU_ASSERT_EQUAL(c->status, BV_STATUS_ERROR);
    CU_ASSERT_STRING_EQUAL(
        c->reason, "instance 1 failed: connection refused by 10.0.0.2:7687 retried 3 times");
    CU_ASSERT_EQUAL(c->divergences, 0);
    CU_ASSERT_EQUAL(cr(BV_CHECK_COUNTS, 2)->status, BV_STATUS_DIVERGED);
    /* no divergence is reported for the failed pair */
    for (size_t i = 0; i < R.divergences.len; i++)
        CU_ASSERT_EQUAL(R.divergences.items[i].target, 2);
}

static void test_failed_baseline_blocks_every_pair(void)
{
    setup(2);
    CU_ASSERT_EQUAL(bv_result_fail(&R, 0, BV_EXIT_SERVER, BOLT_E_SERVER_FAILURE, "boom"), 0);
    CU_ASSERT_EQUAL(bv_result_finish(&R, BV_CHECK_COUNTS, 0), 0);
    CU_ASSERT_EQUAL(R.exit_code, BV_EXIT_SERVER);
    CU_ASSERT_EQUAL(cr(BV_CHECK_COUNTS, 1)->status, BV_STATUS_ERROR);
    CU_ASSERT_EQUAL(cr(BV_CHECK_COUNTS, 2)->status, BV_STATUS_ERROR);
    CU_ASSERT_STRING_EQUAL(cr(BV_CHECK_COUNTS, 2)->reason, "instance 0 failed: boom");
    CU_ASSERT_EQUAL(R.divergences.len, 0);
}

static void test_connection_class_wins_over_server(void)
{
    setup(2);
    bv_result_fail(&R, 1, BV_EXIT_SERVER, BOLT_E_SERVER_FAILURE, "server said no");
    bv_result_fail(&R, 2, BV_EXIT_CONNECT, BOLT_E_AUTH, "authentication failed");
    CU_ASSERT_EQUAL(bv_result_finish(&R, BV_CHECK_DEFAULT, 0), 0);
    CU_ASSERT_EQUAL(R.exit_code, BV_EXIT_CONNECT);
}

static void test_unchecked_checks(void)
{
    setup(2);
    /* a sample that failed after its retries on [1], full not in [2]'s snapshot */
    CU_ASSERT_EQUAL(bv_result_unchecked(&R, 1, BV_CHECK_SAMPLE, BV_EXIT_SERVER,
                                        "Neo.TransientError.General.MemoryPoolOutOfMemoryError "
                                        "after %u retries",
                                        3),
                    0);
    CU_ASSERT_EQUAL(bv_result_unchecked(&R, 2, BV_CHECK_FULL, 0, "not in the snapshot"), 0);
    R.instances[1].m.sample[0].node_hash = vf_h(999); /* would be drift: not compared */
    CU_ASSERT_EQUAL(bv_result_finish(&R, BV_CHECK_ALL, 0), 0);
    CU_ASSERT_EQUAL(R.exit_code, BV_EXIT_SERVER);
    const bv_check_result *c = cr(BV_CHECK_SAMPLE, 1);
    CU_ASSERT_EQUAL(c->status, BV_STATUS_ERROR);
    CU_ASSERT_STRING_EQUAL(c->reason, "not completed on instance 1: "
                                      "Neo.TransientError.General.MemoryPoolOutOfMemoryError "
                                      "after 3 retries");
    CU_ASSERT_EQUAL(c->divergences, 0);
    c = cr(BV_CHECK_FULL, 2);
    CU_ASSERT_EQUAL(c->status, BV_STATUS_SKIPPED);
    CU_ASSERT_STRING_EQUAL(c->reason, "not completed on instance 2: not in the snapshot");
    CU_ASSERT_EQUAL(cr(BV_CHECK_SAMPLE, 2)->status, BV_STATUS_SAME);
    CU_ASSERT_EQUAL(cr(BV_CHECK_FULL, 1)->status, BV_STATUS_SAME);
    CU_ASSERT_PTR_NOT_NULL(bv_result_find_unchecked(&R, 1, BV_CHECK_SAMPLE));
    CU_ASSERT_PTR_NULL(bv_result_find_unchecked(&R, 1, BV_CHECK_FULL));
}

static void test_skipped_reason_only_exits_0(void)
{
    setup(1);
    R.instances[1].m.checks &= ~BV_CHECK_COVERAGE;
    CU_ASSERT_EQUAL(bv_result_finish(&R, BV_CHECK_DEFAULT, 0), 0);
    CU_ASSERT_EQUAL(R.exit_code, BV_EXIT_OK);
    CU_ASSERT_EQUAL(cr(BV_CHECK_COVERAGE, 1)->status, BV_STATUS_SKIPPED);
    CU_ASSERT_STRING_EQUAL(cr(BV_CHECK_COVERAGE, 1)->reason, "not measured on instance 1");
}

static void test_setters_validate(void)
{
    bv_result r;
    CU_ASSERT_EQUAL(bv_result_init(&r, 1), BOLT_E_INVAL);
    CU_ASSERT_EQUAL(bv_result_init(&r, 2), 0);
    CU_ASSERT_EQUAL(bv_result_fail(&r, 2, BV_EXIT_CONNECT, 0, "x"), BOLT_E_INVAL);
    CU_ASSERT_EQUAL(bv_result_fail(&r, 0, BV_EXIT_DIVERGENCE, 0, "x"), BOLT_E_INVAL);
    CU_ASSERT_EQUAL(bv_result_unchecked(&r, 0, BV_CHECK_COUNTS | BV_CHECK_SCHEMA, 0, "x"),
                    BOLT_E_INVAL);
    CU_ASSERT_EQUAL(bv_result_unchecked(&r, 0, 0, 0, "x"), BOLT_E_INVAL);
    CU_ASSERT_EQUAL(bv_result_unchecked(&r, 0, BV_CHECK_COUNTS, BV_EXIT_USAGE, "x"), BOLT_E_INVAL);
    CU_ASSERT_EQUAL(bv_result_set_source(&r, 5, "x"), BOLT_E_INVAL);
    CU_ASSERT_EQUAL(bv_result_set_source(&r, 1, "bolt://b"), 0);
    CU_ASSERT_STRING_EQUAL(r.instances[1].source, "bolt://b");
    CU_ASSERT_STRING_EQUAL(bv_check_status_name(BV_STATUS_SKIPPED), "skipped");
    bv_result_free(&r);
}

/* The fixture builders abort on failure, so the result is built unarmed and only the
 * finishing step runs armed, on a fresh copy each time. */
static bv_result *g_r;
static int finish_only(void *ud)
{
    (void)ud;
    int rc = bv_result_finish(g_r, BV_CHECK_ALL, 0);
    if (rc == 0) {
        /* leave nothing behind that the next run would not allocate again */
        bv_divergences_free(&g_r->divergences);
        for (size_t i = 0; i < g_r->check_result_count; i++)
            bolt_free(g_r->check_results[i].reason);
        bolt_free(g_r->check_results);
        g_r->check_results = NULL;
        g_r->check_result_count = 0;
    }
    return rc;
}

static void test_allocation_failures(void)
{
    setup(2);
    R.instances[2].m.node_count = 1;
    bv_result_unchecked(&R, 1, BV_CHECK_FULL, 0, "not in the snapshot");
    g_r = &R;
    CU_ASSERT_EQUAL(failalloc_each(finish_only, NULL, BOLT_E_NOMEM), 0);
}

static int suite_clean(void)
{
    bv_result_free(&R);
    return 0;
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 1;
    CU_pSuite s = CU_add_suite("result", NULL, suite_clean);
    CU_add_test(s, "a migration without loss exits 0", test_migration_without_loss_exits_0);
    CU_add_test(s, "drift exits 1", test_drift_exits_1);
    CU_add_test(s, "ambiguous fails only with --strict", test_ambiguous_only_fails_when_strict);
    CU_add_test(s, "failed instance: exit 3, checks in error", test_failed_instance);
    CU_add_test(s, "failed baseline blocks every pair", test_failed_baseline_blocks_every_pair);
    CU_add_test(s, "3 wins over 4", test_connection_class_wins_over_server);
    CU_add_test(s, "unchecked checks", test_unchecked_checks);
    CU_add_test(s, "skipped for a harmless reason exits 0", test_skipped_reason_only_exits_0);
    CU_add_test(s, "setters validate", test_setters_validate);
    CU_add_test(s, "allocation failures", test_allocation_failures);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failures = CU_get_number_of_failures();
    CU_cleanup_registry();
    return failures ? 1 : 0;
}
