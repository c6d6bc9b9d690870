/* verify/result.h - everything one `boltdiff verify` run found: what the reports print.
 *
 * A run has instances (index 0 is the baseline, the others are targets), each with its
 * measurement, its status (ok, or failed with exit class 3 or 4 and a one-line reason) and
 * the checks it could not complete and why. bv_result_finish() then compares the baseline
 * with every target (verify/compare.h), builds the table of checks per (baseline, target)
 * pair and decides the exit code:
 *
 *   3  an instance, or one of its checks, failed on a connection, TLS or authentication error
 *      (3 wins over 4: the unreachable instance is the first thing to fix);
 *   4  an instance, or one of its checks, failed on a server or protocol error;
 *   1  no failure, and at least one drift divergence (or ambiguous one under --strict);
 *   0  otherwise. Expected, info and ambiguous divergences alone never fail a run.
 *
 * Check statuses, per pair: "same" (compared, no drift), "diverged" (compared, drift),
 * "skipped" (not measured on one side for a reason that is not a failure, e.g. a snapshot that
 * lacks it), "error" (one side failed, or the check failed there after its retries).
 *
 * Memory: a bv_result owns everything in it; strings given to the setters are copied.
 * bv_result_free() releases all of it, including the measurements.
 */
#ifndef VERIFY_RESULT_H
#define VERIFY_RESULT_H

#include <stddef.h>
#include <stdint.h>

#include "verify/model.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum bv_instance_status { BV_INSTANCE_OK = 0, BV_INSTANCE_FAILED = 1 } bv_instance_status;

typedef struct bv_unchecked {
    unsigned check; /* BV_CHECK_* bit */
    int exit_class; /* BV_EXIT_CONNECT or BV_EXIT_SERVER when a failure stopped it; 0 when it
                       was simply not possible (not in a snapshot, not supported there) */
    char *reason;   /* one line */
} bv_unchecked;

typedef struct bv_instance {
    char *source;     /* as given, without credentials */
    bv_measurement m; /* what was measured (possibly partial) */
    bv_instance_status status;
    int exit_class;          /* failed: BV_EXIT_CONNECT (3) or BV_EXIT_SERVER (4) */
    int error_code;          /* failed: the BOLT_E_* code */
    char *error;             /* failed: one-line reason */
    bv_unchecked *unchecked; /* checks not completed, in the order they were recorded */
    size_t unchecked_count;
} bv_instance;

typedef enum bv_check_status {
    BV_STATUS_SAME = 0,
    BV_STATUS_DIVERGED,
    BV_STATUS_SKIPPED,
    BV_STATUS_ERROR
} bv_check_status;
const char *bv_check_status_name(bv_check_status s); /* "same", "diverged", ... */

typedef struct bv_check_result {
    unsigned check;          /* BV_CHECK_* bit */
    size_t baseline, target; /* instance indices */
    bv_check_status status;
    size_t divergences; /* all severities */
    size_t by_severity[BV_SEV_COUNT];
    char *reason; /* skipped / error: why, one line; else NULL */
} bv_check_result;

typedef struct bv_result {
    bv_instance *instances;
    size_t instance_count;
    unsigned checks; /* the checks that were asked for */
    int strict;      /* ambiguous divergences count as drift for the exit code */
    bv_divergences divergences;
    bv_check_result *check_results; /* per target, then per check in BV_CHECK_* order */
    size_t check_result_count;
    size_t totals[BV_SEV_COUNT];
    int64_t started_at_ms; /* Unix milliseconds */
    int64_t duration_ms;
    int exit_code; /* set by bv_result_finish() */
} bv_result;

/* Zeroes *r and makes room for n instances (n >= 2). 0, BOLT_E_INVAL or BOLT_E_NOMEM. */
int bv_result_init(bv_result *r, size_t instance_count);
void bv_result_free(bv_result *r);

/* Copies the instance's source (already free of credentials). 0 or BOLT_E_NOMEM. */
int bv_result_set_source(bv_result *r, size_t i, const char *source);

/* Marks instance i failed: exit_class BV_EXIT_CONNECT or BV_EXIT_SERVER, err the BOLT_E_*
 * code, the reason printf-style (one line; never put credentials in it). 0, BOLT_E_INVAL or
 * BOLT_E_NOMEM. */
int bv_result_fail(bv_result *r, size_t i, int exit_class, int err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

/* Records that check (one BV_CHECK_* bit) was not completed on instance i. exit_class as in
 * bv_unchecked. 0, BOLT_E_INVAL or BOLT_E_NOMEM. */
int bv_result_unchecked(bv_result *r, size_t i, unsigned check, int exit_class, const char *fmt,
                        ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

/* The unchecked entry of check on instance i, or NULL. */
const bv_unchecked *bv_result_find_unchecked(const bv_result *r, size_t i, unsigned check);

/* Compares the baseline with every target over `checks`, fills divergences, check_results,
 * totals and exit_code. Call once, after measuring. 0 or BOLT_E_NOMEM. */
int bv_result_finish(bv_result *r, unsigned checks, int strict);

#ifdef __cplusplus
}
#endif
#endif
