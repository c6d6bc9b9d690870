/* Tests of the allocator hooks and the arena (bolt/alloc.c), and of the failure-injecting
 * allocator that every malloc-failure test relies on (tests/common/failalloc.c): if failalloc
 * miscounted, every such test would pass for the wrong reason. */
#include <CUnit/Basic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bolt/alloc.h"
#include "bolt/error.h"
#include "failalloc.h"

/* ---- arena ------------------------------------------------------------------------------- */

static void test_arena_alignment_and_reuse(void)
{
    bolt_arena a;
    bolt_arena_init(&a, 64, 0);
    failalloc_install();
    uint8_t *prev = NULL;
    for (size_t size = 1; size < 200; size += 3) {
        uint8_t *p = bolt_arena_alloc(&a, size);
        CU_ASSERT_PTR_NOT_NULL_FATAL(p);
        CU_ASSERT_EQUAL((uintptr_t)p % 8, 0);
        memset(p, 0xAB, size); /* ASan: the whole block is usable */
        CU_ASSERT(p != prev);
        prev = p;
    }
    unsigned long blocks = failalloc_calls();
    CU_ASSERT(blocks >= 2); /* 64 bytes could not hold all of that */
    CU_ASSERT_EQUAL(failalloc_live(), (long)blocks);

    /* Reset keeps only the largest block; allocating the same again needs fewer mallocs. */
    bolt_arena_reset(&a);
    CU_ASSERT_EQUAL(failalloc_live(), 1);
    failalloc_arm(0, 0);
    for (size_t size = 1; size < 200; size += 3)
        CU_ASSERT_PTR_NOT_NULL(bolt_arena_alloc(&a, size));
    CU_ASSERT(failalloc_calls() < blocks);
    bolt_arena_free(&a);
    CU_ASSERT_EQUAL(failalloc_live(), 0);
    CU_ASSERT_PTR_NULL(a.head);
    CU_ASSERT_EQUAL(a.total, 0);
    failalloc_uninstall();
}

static void test_arena_limit(void)
{
    bolt_arena a;
    bolt_arena_init(&a, 1024, 4096);
    CU_ASSERT_PTR_NOT_NULL(bolt_arena_alloc(&a, 1000));
    CU_ASSERT_PTR_NOT_NULL(bolt_arena_alloc(&a, 2000));
    CU_ASSERT_PTR_NULL(bolt_arena_alloc(&a, 4000)); /* past the limit */
    CU_ASSERT(a.total <= 4096);
    bolt_arena_reset(&a);
    CU_ASSERT_PTR_NOT_NULL(bolt_arena_alloc(&a, 1000));
    bolt_arena_free(&a);
}

static void test_arena_huge_requests(void)
{
    bolt_arena a;
    bolt_arena_init(&a, 64, 0);
    failalloc_install();
    /* Sizes that would wrap when rounded up must fail, not return a tiny block. */
    CU_ASSERT_PTR_NULL(bolt_arena_alloc(&a, SIZE_MAX));
    CU_ASSERT_PTR_NULL(bolt_arena_alloc(&a, SIZE_MAX - 3));
    CU_ASSERT_PTR_NULL(bolt_arena_alloc(&a, SIZE_MAX - 100)); /* no block size fits */
    CU_ASSERT_EQUAL(failalloc_live(), 0);
    /* Zero bytes still gives a distinct, usable pointer. */
    void *p = bolt_arena_alloc(&a, 0), *q = bolt_arena_alloc(&a, 0);
    CU_ASSERT(p && q && p != q);
    bolt_arena_free(&a);
    CU_ASSERT_EQUAL(failalloc_live(), 0);
    failalloc_uninstall();
}

static void test_arena_nomem(void)
{
    bolt_arena a;
    bolt_arena_init(&a, 64, 0);
    failalloc_install();
    failalloc_arm(1, 0);
    CU_ASSERT_PTR_NULL(bolt_arena_alloc(&a, 10));
    CU_ASSERT_PTR_NOT_NULL(bolt_arena_alloc(&a, 10)); /* the next one succeeds */
    bolt_arena_free(&a);
    CU_ASSERT_EQUAL(failalloc_live(), 0);
    failalloc_uninstall();
}

/* ---- plain hooks ------------------------------------------------------------------------- */

static void test_calloc_strndup(void)
{
    CU_ASSERT_PTR_NULL(bolt_calloc(SIZE_MAX / 2, 3)); /* n * size overflows */
    uint32_t *z = bolt_calloc(16, sizeof *z);
    CU_ASSERT_PTR_NOT_NULL_FATAL(z);
    for (int i = 0; i < 16; i++)
        CU_ASSERT_EQUAL(z[i], 0);
    bolt_free(z);
    char *s = bolt_strndup("hello world", 5);
    CU_ASSERT_STRING_EQUAL(s, "hello");
    bolt_free(s);
    bolt_free(NULL); /* allowed, like free() */
}

/* ---- failalloc itself --------------------------------------------------------------------- */

static void test_failalloc_counts_and_fails_nth(void)
{
    failalloc_install();
    failalloc_arm(3, 0);
    void *a = bolt_malloc(8), *b = bolt_malloc(8), *c = bolt_malloc(8), *d = bolt_malloc(8);
    CU_ASSERT_PTR_NOT_NULL(a);
    CU_ASSERT_PTR_NOT_NULL(b);
    CU_ASSERT_PTR_NULL(c); /* exactly the third */
    CU_ASSERT_PTR_NOT_NULL(d);
    CU_ASSERT_EQUAL(failalloc_calls(), 4);
    CU_ASSERT_EQUAL(failalloc_failures(), 1);
    CU_ASSERT_EQUAL(failalloc_live(), 3);

    /* realloc counts as an allocation call; realloc(NULL) is a new block. */
    failalloc_arm(1, 0);
    void *a2 = bolt_realloc(a, 64);
    CU_ASSERT_PTR_NULL(a2); /* failed: a is still ours */
    a2 = bolt_realloc(a, 64);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a2);
    void *e = bolt_realloc(NULL, 4);
    CU_ASSERT_EQUAL(failalloc_live(), 4);

    /* Sticky: from the 2nd call on, everything fails. */
    failalloc_arm(2, 1);
    void *f = bolt_malloc(1);
    CU_ASSERT_PTR_NOT_NULL(f);
    CU_ASSERT_PTR_NULL(bolt_malloc(1));
    CU_ASSERT_PTR_NULL(bolt_malloc(1));
    CU_ASSERT_PTR_NULL(bolt_realloc(f, 100));
    CU_ASSERT_EQUAL(failalloc_failures(), 5);

    bolt_free(a2);
    bolt_free(b);
    bolt_free(d);
    bolt_free(e);
    bolt_free(f);
    CU_ASSERT_EQUAL(failalloc_live(), 0);
    failalloc_uninstall();

    /* Uninstalled: the C library again, nothing counted. */
    unsigned long calls = failalloc_calls();
    void *g = bolt_malloc(1);
    CU_ASSERT_PTR_NOT_NULL(g);
    CU_ASSERT_EQUAL(failalloc_calls(), calls);
    bolt_free(g);
}

static int three_allocs_clean(void *ud)
{
    (void)ud;
    void *p[3] = {NULL, NULL, NULL};
    int rc = 0;
    for (int i = 0; i < 3 && rc == 0; i++)
        if (!(p[i] = bolt_malloc(16))) rc = BOLT_E_NOMEM;
    for (int i = 0; i < 3; i++)
        bolt_free(p[i]);
    return rc;
}

/* ud: where the "leaked" block is kept, so the test can release it for LeakSanitizer. */
static int leaks_on_error(void *ud)
{
    void *a = bolt_malloc(16);
    if (!a) return BOLT_E_NOMEM;
    void *b = bolt_malloc(16);
    if (!b) {
        *(void **)ud = a;
        return BOLT_E_NOMEM; /* bug: forgets a */
    }
    bolt_free(a);
    bolt_free(b);
    return 0;
}

static int ignores_failure(void *ud)
{
    (void)ud;
    void *a = bolt_malloc(16);
    bolt_free(a);
    return 0; /* bug: reports success although the allocation failed */
}

static void test_failalloc_each_catches_bugs(void)
{
    CU_ASSERT_EQUAL(failalloc_each(three_allocs_clean, NULL, BOLT_E_NOMEM), 0);
    fprintf(stderr, "\n  (two failalloc_each reports expected below)\n");
    /* Leak when the 2nd allocation fails (the 1st one is leaked). */
    void *leaked = NULL;
    CU_ASSERT_EQUAL(failalloc_each(leaks_on_error, &leaked, BOLT_E_NOMEM), 2);
    CU_ASSERT_PTR_NOT_NULL(leaked);
    free(leaked); /* failalloc hands out C library blocks */
    CU_ASSERT_EQUAL(failalloc_each(ignores_failure, NULL, BOLT_E_NOMEM), 1);
    /* The hooks are uninstalled afterwards. */
    unsigned long calls = failalloc_calls();
    void *p = bolt_malloc(1);
    CU_ASSERT_EQUAL(failalloc_calls(), calls);
    free(p); /* the C library's allocator is back, so free() is the matching call */
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 2;
    CU_pSuite s = CU_add_suite("alloc", NULL, NULL);
    CU_add_test(s, "arena alignment and reuse", test_arena_alignment_and_reuse);
    CU_add_test(s, "arena limit", test_arena_limit);
    CU_add_test(s, "arena huge requests", test_arena_huge_requests);
    CU_add_test(s, "arena NOMEM", test_arena_nomem);
    CU_add_test(s, "calloc overflow, strndup", test_calloc_strndup);
    CU_add_test(s, "failalloc counts and fails the Nth", test_failalloc_counts_and_fails_nth);
    CU_add_test(s, "failalloc_each catches leaks and ignored failures",
                test_failalloc_each_catches_bugs);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned fails = CU_get_number_of_failures();
    CU_cleanup_registry();
    return fails ? 1 : 0;
}
