/* verify/report.h - the reports of a verify run, all made from one bv_result (result.h).
 *
 *   text        summary first (one line per instance, one line per check), then every
 *               divergence grouped by check and instance pair, one line each with both values.
 *               Colour (ANSI) only when asked: the caller decides (TTY, --color, NO_COLOR).
 *   JSON        a stable, versioned schema (BV_REPORT_JSON_VERSION, docs/report-json.md).
 *   JUnit XML   a testsuite per (baseline, target) pair, a testcase per check: drift is a
 *               <failure>, a check that could not complete an <error>, a skipped one <skipped>.
 *   Prometheus  text exposition format (version 0.0.4) for the node_exporter textfile
 *               collector and the pushgateway; metric names in docs/report-json.md.
 *
 * Writers take a FILE* and return 0, or BOLT_E_IO when the stream reported an error. They
 * only read the result. Strings from servers and snapshots are escaped for each format
 * (invalid UTF-8 becomes U+FFFD), so no input can break a report's syntax.
 */
#ifndef VERIFY_REPORT_H
#define VERIFY_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "verify/options.h"
#include "verify/result.h"

#ifdef __cplusplus
extern "C" {
#endif

#define BV_REPORT_JSON_VERSION 1

int bv_report_text(FILE *out, const bv_result *r, int color);
/* o supplies the "options" object; NULL writes "options": {}. */
int bv_report_json(FILE *out, const bv_result *r, const bv_options *o);
int bv_report_junit(FILE *out, const bv_result *r);
/* last_success: include boltdiff_verify_last_success_timestamp_seconds (the caller passes 1
 * only for a run that exited 0). */
int bv_report_prometheus(FILE *out, const bv_result *r, int last_success);

/* Writes a file atomically: write(ud, stream) goes to PATH.tmp.PID in the same directory,
 * which is flushed, synced and renamed over PATH, so a reader (textfile collector, CI) never
 * sees half a report. On failure the temporary file is removed and err has one line naming
 * the path. 0, BOLT_E_IO, or the writer's own negative code. */
int bv_report_write_file(const char *path, int (*write)(FILE *out, void *ud), void *ud, char *err,
                         size_t errlen);

/* Sends body with an HTTP POST to the pushgateway at url (http://host[:port][/path]): to
 * url's path when it already contains "/metrics/job/", else to <path>/metrics/job/<job>.
 * POST replaces only the metrics named in the body, so a push without the last-success
 * timestamp keeps the one pushed by the last successful run. Blocking, bounded by
 * timeout_ms for connecting, sending and receiving (name resolution uses the system
 * resolver's own limits). 0 when the gateway answered 2xx; else BOLT_E_URI, BOLT_E_RESOLVE,
 * BOLT_E_CONNECT, BOLT_E_TIMEOUT, BOLT_E_IO (or BOLT_E_NOMEM) with one line in err. */
int bv_pushgateway_push(const char *url, const char *job, const char *body, size_t len,
                        uint64_t timeout_ms, char *err, size_t errlen);

/* "2026-11-21T06:39:39.123Z" (UTC, milliseconds). */
void bv_format_utc_ms(int64_t unix_ms, char out[32]);

#ifdef __cplusplus
}
#endif
#endif
