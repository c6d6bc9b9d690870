/* tests/common/failalloc.h - an allocator for malloc-failure tests (nghttp2 style).
 *
 * failalloc_install() routes every bolt_malloc/bolt_realloc/bolt_free (include/bolt/alloc.h)
 * through counting hooks over the C library. Arming it makes the Nth allocation call from then
 * on fail (malloc or realloc, both count; free never fails). It also counts live blocks, so a
 * test can check that an error path freed everything.
 *
 * Typical use, failing every allocation of an operation in turn:
 *
 *     static int op(void *ud) { ... build, use, free everything ...; return rc; }
 *     CU_ASSERT_EQUAL(failalloc_each(op, ud, BOLT_E_NOMEM), 0);
 *
 * Not thread safe (neither is bolt_set_allocator). Always call failalloc_uninstall() at the end
 * of the test, also on failure paths, so later tests get the C library's allocator back.
 */
#ifndef BOLTDIFF_TEST_FAILALLOC_H
#define BOLTDIFF_TEST_FAILALLOC_H

#include <stddef.h>

/* Installs the hooks, resets every counter, disarms. */
void failalloc_install(void);
/* Restores the C library's allocator (bolt_set_allocator(NULL)). */
void failalloc_uninstall(void);

/* Resets the call counter and arms: the nth allocation call from now fails (1-based); with
 * sticky, that one and every later one fail. n = 0 disarms. */
void failalloc_arm(unsigned long n, int sticky);

/* Allocation calls (malloc + realloc) since the last install/arm. */
unsigned long failalloc_calls(void);
/* Allocation calls that were made to fail since the last install. */
unsigned long failalloc_failures(void);
/* Blocks handed out and not yet freed, since install (realloc(NULL) counts as a new block). */
long failalloc_live(void);

/* Runs fn(ud) once unarmed to count its allocations N (it must return 0), then N more times
 * with allocation 1, 2, ..., N failing. Every failing run must return expect_err and leave
 * failalloc_live() where it was before the run. Installs and uninstalls the hooks itself.
 * Returns 0 when every run behaved; otherwise prints what went wrong to stderr and returns the
 * failing run's number (1..N), or -1 if the unarmed run failed or allocated nothing. */
long failalloc_each(int (*fn)(void *ud), void *ud, int expect_err);

#endif
