/* verify/progress.h - a one-line progress bar on stderr for long scans.
 *
 * Drawn only when stderr is a terminal and --quiet was not given (bv_progress_wanted()): a
 * log file or a CI console never receives carriage returns. Redraws are throttled to one per
 * BV_PROGRESS_INTERVAL_MS so that a fast scan does not spend its time writing to the terminal;
 * the final state (done == total) is always drawn.
 *
 * Memory: a bv_progress is a plain value; nothing is allocated. Single-threaded: call it from
 * the loop thread only.
 */
#ifndef VERIFY_PROGRESS_H
#define VERIFY_PROGRESS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BV_PROGRESS_INTERVAL_MS 100u
#define BV_PROGRESS_BAR_WIDTH 24u

typedef struct bv_progress {
    FILE *out;
    int enabled;
    uint64_t last_draw_ms;
    size_t last_len; /* characters of the line on screen, to erase it */
} bv_progress;

/* 1 when a progress bar should be drawn: not quiet, stderr is a terminal, TERM is not "dumb". */
int bv_progress_wanted(int quiet);
void bv_progress_init(bv_progress *p, FILE *out, int enabled);
/* phase: a short word ("counts", "sample"); total 0 = unknown (no bar, only the count). */
void bv_progress_update(bv_progress *p, const char *phase, uint64_t done, uint64_t total);
/* Erases the line (before the report is printed). */
void bv_progress_done(bv_progress *p);

/* The line itself, without control characters: "sample   [######      ]  25%  250/1000".
 * Returns what snprintf returns. */
int bv_progress_format(char *buf, size_t len, const char *phase, uint64_t done, uint64_t total);

#ifdef __cplusplus
}
#endif
#endif
