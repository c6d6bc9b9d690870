/* The human report: the verdict and a summary first (instances, then one line per check with
 * the status for each target), then every divergence grouped by check and instance pair, one
 * readable line each. Colour is only a highlight: the words carry the meaning, so the report
 * reads the same in a log file. */
#include <stdio.h>
#include <string.h>

#include "bolt/error.h"
#include "report_internal.h"
#include "verify/cli.h"
#include "verify/report.h"

#define RED "\033[31m"
#define GREEN "\033[32m"
#define YELLOW "\033[33m"
#define CYAN "\033[36m"
#define DIM "\033[2m"
#define BOLD "\033[1m"
#define RESET "\033[0m"

typedef struct txt {
    FILE *out;
    int color;
} txt;

static void paint(txt *t, const char *code, const char *s)
{
    if (t->color) fputs(code, t->out);
    fputs(s, t->out);
    if (t->color) fputs(RESET, t->out);
}

/* Terminal-safe text: control characters from a server never reach the terminal raw (they
 * could move the cursor or change its title). */
static void safe(FILE *out, const char *s)
{
    if (!s) return;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 || *p == 0x7F)
            fprintf(out, "\\x%02x", *p);
        else
            fputc(*p, out);
    }
}

static const char *sev_color(bv_severity s)
{
    switch (s) {
    case BV_SEV_DRIFT:
        return RED;
    case BV_SEV_EXPECTED:
        return CYAN;
    case BV_SEV_INFO:
        return DIM;
    case BV_SEV_AMBIGUOUS:
        return YELLOW;
    }
    return "";
}

static const char *status_color(bv_check_status s)
{
    switch (s) {
    case BV_STATUS_SAME:
        return GREEN;
    case BV_STATUS_DIVERGED:
        return RED;
    case BV_STATUS_SKIPPED:
        return DIM;
    case BV_STATUS_ERROR:
        return RED;
    }
    return "";
}

static void headline(txt *t, const bv_result *r)
{
    const char *verdict = r->exit_code == BV_EXIT_OK           ? "SAME"
                          : r->exit_code == BV_EXIT_DIVERGENCE ? "DIVERGED"
                                                               : "INCOMPLETE";
    fputs("boltdiff verify: ", t->out);
    paint(t, r->exit_code == BV_EXIT_OK ? BOLD GREEN : BOLD RED, verdict);
    fprintf(t->out, " - %zu drift, %zu expected, %zu info, %zu ambiguous (exit %d)\n",
            r->totals[BV_SEV_DRIFT], r->totals[BV_SEV_EXPECTED], r->totals[BV_SEV_INFO],
            r->totals[BV_SEV_AMBIGUOUS], r->exit_code);
}

static void instances(txt *t, const bv_result *r)
{
    size_t width = 0;
    char buf[64];
    for (size_t i = 0; i < r->instance_count; i++) {
        size_t n = strlen(rep_source(r->instances[i].source, i, buf, sizeof buf));
        if (n > width) width = n;
    }
    if (width > 60) width = 60;
    fputs("\nInstances:\n", t->out);
    for (size_t i = 0; i < r->instance_count; i++) {
        const bv_instance *in = &r->instances[i];
        const bv_inventory *inv = &in->m.inventory;
        const char *src = rep_source(in->source, i, buf, sizeof buf);
        fprintf(t->out, "  [%zu] %-8s  ", i, i ? "target" : "baseline");
        safe(t->out, src);
        for (size_t n = strlen(src); n < width; n++)
            fputc(' ', t->out);
        fputs("  ", t->out);
        if (inv->version) {
            fputs("Neo4j ", t->out);
            safe(t->out, inv->version);
            if (inv->edition) {
                fputc(' ', t->out);
                safe(t->out, inv->edition);
            }
            if (inv->bolt_version) {
                fputs(", Bolt ", t->out);
                safe(t->out, inv->bolt_version);
            }
            if (inv->database) {
                fputs(", database ", t->out);
                safe(t->out, inv->database);
            }
            fputs("  ", t->out);
        }
        if (in->status == BV_INSTANCE_FAILED) {
            char what[32];
            snprintf(what, sizeof what, "FAILED (exit %d)", in->exit_class);
            paint(t, RED, what);
            fputs(": ", t->out);
            safe(t->out, in->error);
        } else {
            paint(t, GREEN, "ok");
        }
        fputc('\n', t->out);
        for (size_t k = 0; k < in->unchecked_count; k++) {
            const bv_unchecked *u = &in->unchecked[k];
            fprintf(t->out, "      not completed: %s", bv_check_name(u->check));
            if (u->exit_class) fprintf(t->out, " (exit %d)", u->exit_class);
            fputs(": ", t->out);
            safe(t->out, u->reason);
            fputc('\n', t->out);
        }
    }
}

static const bv_check_result *find_cr(const bv_result *r, unsigned check, size_t target)
{
    for (size_t i = 0; i < r->check_result_count; i++)
        if (r->check_results[i].check == check && r->check_results[i].target == target)
            return &r->check_results[i];
    return NULL;
}

static void cell_text(const bv_check_result *c, char *buf, size_t len)
{
    if (c->status == BV_STATUS_DIVERGED)
        snprintf(buf, len, "diverged (%zu drift)", c->by_severity[BV_SEV_DRIFT]);
    else if (c->status == BV_STATUS_SAME && c->divergences)
        snprintf(buf, len, "same (%zu note%s)", c->divergences, c->divergences == 1 ? "" : "s");
    else
        snprintf(buf, len, "%s", bv_check_status_name(c->status));
}

static void checks(txt *t, const bv_result *r)
{
    fputs("\nChecks:\n", t->out);
    for (unsigned k = 0; k < BV_CHECK_COUNT; k++) {
        unsigned check = 1u << k;
        if (!(r->checks & check)) continue;
        fprintf(t->out, "  %-10s", bv_check_name(check));
        for (size_t tg = 1; tg < r->instance_count; tg++) {
            const bv_check_result *c = find_cr(r, check, tg);
            if (!c) continue;
            char cell[48];
            cell_text(c, cell, sizeof cell);
            fprintf(t->out, "  [%zu] ", tg);
            paint(t, status_color(c->status), cell);
            if (tg + 1 < r->instance_count)
                for (size_t n = strlen(cell); n < 20; n++)
                    fputc(' ', t->out);
        }
        fputc('\n', t->out);
    }
    /* Why a check was skipped or failed, unless a failed instance already says it. */
    for (size_t i = 0; i < r->check_result_count; i++) {
        const bv_check_result *c = &r->check_results[i];
        if ((c->status != BV_STATUS_SKIPPED && c->status != BV_STATUS_ERROR) || !c->reason)
            continue;
        if (r->instances[c->baseline].status == BV_INSTANCE_FAILED ||
            r->instances[c->target].status == BV_INSTANCE_FAILED)
            continue;
        fprintf(t->out, "  %s [%zu] %s: ", bv_check_name(c->check), c->target,
                bv_check_status_name(c->status));
        safe(t->out, c->reason);
        fputc('\n', t->out);
    }
}

static void divergences(txt *t, const bv_result *r)
{
    if (!r->divergences.len) return;
    fputs("\nDivergences:\n", t->out);
    char buf[64], buf2[64];
    for (unsigned k = 0; k < BV_CHECK_COUNT; k++) {
        unsigned check = 1u << k;
        for (size_t tg = 1; tg < r->instance_count; tg++) {
            int header = 0;
            for (size_t i = 0; i < r->divergences.len; i++) {
                const bv_divergence *d = &r->divergences.items[i];
                if (d->check != check || d->target != tg) continue;
                if (!header) {
                    fprintf(t->out, "%s, [%zu] ", bv_check_name(check), d->baseline);
                    safe(t->out, rep_source(r->instances[d->baseline].source, d->baseline, buf,
                                            sizeof buf));
                    fprintf(t->out, " -> [%zu] ", tg);
                    safe(t->out, rep_source(r->instances[tg].source, tg, buf2, sizeof buf2));
                    fputs(":\n", t->out);
                    header = 1;
                }
                char tag[16];
                snprintf(tag, sizeof tag, "%-9s", bv_severity_name(d->severity));
                for (char *p = tag; *p; p++)
                    if (*p >= 'a' && *p <= 'z') *p = (char)(*p - 'a' + 'A');
                fputs("  ", t->out);
                paint(t, sev_color(d->severity), tag);
                fputs("  ", t->out);
                safe(t->out, d->message);
                fputc('\n', t->out);
            }
        }
    }
}

int bv_report_text(FILE *out, const bv_result *r, int color)
{
    txt t = {out, color};
    headline(&t, r);
    instances(&t, r);
    checks(&t, r);
    divergences(&t, r);
    return ferror(out) ? BOLT_E_IO : 0;
}
