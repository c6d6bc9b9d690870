/* verify/measure.h - the measuring stage's entry point, as `boltdiff verify` calls it.
 *
 *   bv_measure_all(options, result, progress, err, errlen)
 *
 * On entry r holds o->instance_count instances with their display sources set (no
 * credentials) and empty measurements. For every instance the stage fills r->instances[i].m
 * (setting m.checks to the checks it measured completely), and records
 *   - a failed instance with bv_result_fail(r, i, BV_EXIT_CONNECT or BV_EXIT_SERVER, code,
 *     one-line reason), after the retry budget (o->retries) is spent;
 *   - a check it could not complete with bv_result_unchecked(r, i, check, exit class, reason)
 *     (exit class 0 when the check is simply not possible there, e.g. not in a snapshot);
 * and may draw progress with bv_progress_update(progress, ...) (progress may be NULL).
 *
 * Returns 0 when every instance was attempted (failures are in r, the run goes on to compare
 * and report), or a negative BOLT_E_* code with one line in err for a problem that stops the
 * run before anything can be compared (an unreadable credentials, TLS or snapshot file, out of
 * memory): `boltdiff verify` then prints err and exits 2, or 3 for a connection-class code.
 *
 * Memory: everything measured is owned by r (bv_result_free()). o is only read.
 */
#ifndef VERIFY_MEASURE_H
#define VERIFY_MEASURE_H

#include <stddef.h>

#include "verify/options.h"
#include "verify/progress.h"
#include "verify/result.h"

#ifdef __cplusplus
extern "C" {
#endif

int bv_measure_all(const bv_options *o, bv_result *r, bv_progress *progress, char *err,
                   size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
