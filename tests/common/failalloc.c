/* Failure-injecting allocator for tests (failalloc.h). */
#include "failalloc.h"

#include <stdio.h>
#include <stdlib.h>

#include "bolt/alloc.h"
#include "bolt/error.h"

static unsigned long g_calls, g_fail_at, g_failures;
static int g_sticky;
static long g_live;

/* 1 when this allocation call must fail. */
static int should_fail(void)
{
    g_calls++;
    if (g_fail_at && (g_calls == g_fail_at || (g_sticky && g_calls > g_fail_at))) {
        g_failures++;
        return 1;
    }
    return 0;
}

static void *fa_malloc(size_t size, void *ud)
{
    (void)ud;
    if (should_fail()) return NULL;
    void *p = malloc(size);
    if (p) g_live++;
    return p;
}

static void *fa_realloc(void *ptr, size_t size, void *ud)
{
    (void)ud;
    if (should_fail()) return NULL;
    void *p = realloc(ptr, size);
    if (p && !ptr) g_live++;
    return p;
}

static void fa_free(void *ptr, void *ud)
{
    (void)ud;
    if (!ptr) return;
    g_live--;
    free(ptr);
}

void failalloc_install(void)
{
    static const bolt_allocator a = {fa_malloc, fa_realloc, fa_free, NULL};
    g_calls = g_fail_at = g_failures = 0;
    g_sticky = 0;
    g_live = 0;
    bolt_set_allocator(&a);
}

void failalloc_uninstall(void)
{
    bolt_set_allocator(NULL);
    g_fail_at = 0;
}

void failalloc_arm(unsigned long n, int sticky)
{
    g_calls = 0;
    g_fail_at = n;
    g_sticky = sticky;
}

unsigned long failalloc_calls(void)
{
    return g_calls;
}

unsigned long failalloc_failures(void)
{
    return g_failures;
}

long failalloc_live(void)
{
    return g_live;
}

long failalloc_each(int (*fn)(void *ud), void *ud, int expect_err)
{
    failalloc_install();
    failalloc_arm(0, 0);
    int rc = fn(ud);
    unsigned long total = failalloc_calls();
    if (rc != 0 || total == 0 || failalloc_live() != 0) {
        fprintf(stderr, "failalloc_each: unarmed run returned %s, %lu allocations, %ld live\n",
                bolt_errname(rc), total, failalloc_live());
        failalloc_uninstall();
        return -1;
    }
    for (unsigned long n = 1; n <= total; n++) {
        long live_before = failalloc_live();
        failalloc_arm(n, 0);
        rc = fn(ud);
        if (rc != expect_err || failalloc_live() != live_before) {
            fprintf(stderr,
                    "failalloc_each: with allocation %lu of %lu failing: returned %s "
                    "(expected %s), %ld blocks leaked\n",
                    n, total, bolt_errname(rc), bolt_errname(expect_err),
                    failalloc_live() - live_before);
            failalloc_uninstall();
            return (long)n;
        }
    }
    failalloc_uninstall();
    return 0;
}
