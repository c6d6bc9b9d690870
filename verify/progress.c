/* Progress bar on stderr (TTY only): see verify/progress.h. */
#include "verify/progress.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int bv_progress_wanted(int quiet)
{
    if (quiet || !isatty(STDERR_FILENO)) return 0;
    const char *term = getenv("TERM");
    return !(term && !strcmp(term, "dumb"));
}

void bv_progress_init(bv_progress *p, FILE *out, int enabled)
{
    memset(p, 0, sizeof *p);
    p->out = out;
    p->enabled = enabled && out;
}

int bv_progress_format(char *buf, size_t len, const char *phase, uint64_t done, uint64_t total)
{
    if (!total) return snprintf(buf, len, "%-8.16s  %" PRIu64, phase ? phase : "", done);
    if (done > total) done = total;
    /* integer arithmetic: no rounding up to 100% before the end */
    unsigned filled = (unsigned)((long double)done * BV_PROGRESS_BAR_WIDTH / total);
    unsigned pct = (unsigned)((long double)done * 100 / total);
    char bar[BV_PROGRESS_BAR_WIDTH + 1];
    for (unsigned i = 0; i < BV_PROGRESS_BAR_WIDTH; i++)
        bar[i] = i < filled ? '#' : ' ';
    bar[BV_PROGRESS_BAR_WIDTH] = '\0';
    return snprintf(buf, len, "%-8.16s [%s] %3u%%  %" PRIu64 "/%" PRIu64, phase ? phase : "", bar,
                    pct, done, total);
}

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void bv_progress_update(bv_progress *p, const char *phase, uint64_t done, uint64_t total)
{
    if (!p->enabled) return;
    uint64_t now = mono_ms();
    int final = total && done >= total;
    if (!final && p->last_len && now - p->last_draw_ms < BV_PROGRESS_INTERVAL_MS) return;
    char line[160];
    int n = bv_progress_format(line, sizeof line, phase, done, total);
    if (n < 0) return;
    size_t len = strlen(line);
    fputc('\r', p->out);
    fputs(line, p->out);
    /* a shorter line than the last one: blank out what is left of it */
    for (size_t i = len; i < p->last_len; i++)
        fputc(' ', p->out);
    fflush(p->out);
    p->last_len = len;
    p->last_draw_ms = now;
}

void bv_progress_done(bv_progress *p)
{
    if (!p->enabled || !p->last_len) return;
    fputc('\r', p->out);
    for (size_t i = 0; i < p->last_len; i++)
        fputc(' ', p->out);
    fputc('\r', p->out);
    fflush(p->out);
    p->last_len = 0;
}
