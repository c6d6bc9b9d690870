/* Tests of the growable output buffer (bolt/buf.c): amortised growth, consume/reset, and
 * out-of-memory errors that stay sticky. */
#include <CUnit/Basic.h>
#include <string.h>

#include "bolt/error.h"
#include "bolt/packstream.h"
#include "failalloc.h"

static void test_buf_growth_and_consume(void)
{
    bolt_buf b;
    bolt_buf_init(&b);
    failalloc_install();
    for (int i = 0; i < 1000000; i++)
        bolt_buf_append(&b, "x", 1);
    unsigned long reallocs = failalloc_calls();
    failalloc_uninstall();
    CU_ASSERT_EQUAL(b.len, 1000000);
    CU_ASSERT_EQUAL(b.err, 0);
    /* Doubling from 256 bytes: 13 growths reach 1 MB; linear growth would need thousands. */
    CU_ASSERT(reallocs <= 14);
    CU_ASSERT(b.cap >= b.len && b.cap < 2 * b.len + 256);

    bolt_buf_reset(&b);
    bolt_buf_append(&b, "abcdef", 6);
    bolt_buf_consume(&b, 2);
    CU_ASSERT_EQUAL(b.len, 4);
    CU_ASSERT(memcmp(b.data, "cdef", 4) == 0);
    bolt_buf_consume(&b, 10);
    CU_ASSERT_EQUAL(b.len, 0);
    size_t cap = b.cap;
    bolt_buf_reset(&b);
    CU_ASSERT_EQUAL(b.cap, cap); /* memory kept */
    bolt_buf_free(&b);
    CU_ASSERT_PTR_NULL(b.data);
    CU_ASSERT_EQUAL(b.cap, 0);
}

static void test_buf_nomem_is_sticky(void)
{
    bolt_buf b;
    bolt_buf_init(&b);
    failalloc_install();
    failalloc_arm(1, 0);
    bolt_pack_int(&b, 1);
    CU_ASSERT_EQUAL(b.err, BOLT_E_NOMEM);
    CU_ASSERT_EQUAL(b.len, 0);
    /* The next allocation would succeed, but the error stays. */
    bolt_pack_int(&b, 2);
    CU_ASSERT_EQUAL(b.err, BOLT_E_NOMEM);
    CU_ASSERT_EQUAL(b.len, 0);
    CU_ASSERT_EQUAL(bolt_buf_reserve(&b, 10), BOLT_E_NOMEM);
    bolt_buf_free(&b);
    CU_ASSERT_EQUAL(failalloc_live(), 0);
    failalloc_uninstall();
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 2;
    CU_pSuite s = CU_add_suite("buf", NULL, NULL);
    CU_add_test(s, "buf growth amortised, consume", test_buf_growth_and_consume);
    CU_add_test(s, "buf NOMEM sticky", test_buf_nomem_is_sticky);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned fails = CU_get_number_of_failures();
    CU_cleanup_registry();
    return fails ? 1 : 0;
}
