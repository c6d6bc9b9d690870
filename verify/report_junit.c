/* JUnit XML: one <testsuite> per (baseline, target) pair, one <testcase> per check. A check
 * with drift (or ambiguity under --strict) is a <failure> listing its divergences; a check
 * that could not complete is an <error>; a check not measured for a harmless reason is
 * <skipped>. Expected and info divergences go to <system-out> of a passing case, so CI shows
 * them without failing. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "bolt/error.h"
#include "report_internal.h"
#include "verify/report.h"

static void seconds(FILE *out, int64_t ms)
{
    if (ms < 0) ms = 0;
    fprintf(out, "%" PRId64 ".%03d", ms / 1000, (int)(ms % 1000));
}

static int counted(const bv_result *r, const bv_divergence *d)
{
    return d->severity == BV_SEV_DRIFT || (r->strict && d->severity == BV_SEV_AMBIGUOUS);
}

static void divergence_lines(FILE *out, const bv_result *r, const bv_check_result *c, int failing)
{
    for (size_t i = 0; i < r->divergences.len; i++) {
        const bv_divergence *d = &r->divergences.items[i];
        if (d->check != c->check || d->target != c->target || counted(r, d) != failing) continue;
        fprintf(out, "%s: ", bv_severity_name(d->severity));
        rep_xml_text(out, d->message);
        fputs("&#10;", out);
    }
}

static void testcase(FILE *out, const bv_result *r, const bv_check_result *c)
{
    fprintf(out,
            "    <testcase classname=\"boltdiff.verify\" name=\"%s [%zu] vs [%zu]\" time=\"0\"",
            bv_check_name(c->check), c->baseline, c->target);
    size_t informative = c->divergences - c->by_severity[BV_SEV_DRIFT] -
                         (r->strict ? c->by_severity[BV_SEV_AMBIGUOUS] : 0);
    switch (c->status) {
    case BV_STATUS_SKIPPED:
        fputs(">\n      <skipped message=\"", out);
        rep_xml_text(out, c->reason);
        fputs("\"/>\n    </testcase>\n", out);
        return;
    case BV_STATUS_ERROR:
        fputs(">\n      <error type=\"incomplete\" message=\"", out);
        rep_xml_text(out, c->reason);
        fputs("\"/>\n    </testcase>\n", out);
        return;
    case BV_STATUS_DIVERGED: {
        size_t n = c->divergences - informative;
        fprintf(out, ">\n      <failure type=\"drift\" message=\"%zu divergence%s\">", n,
                n == 1 ? "" : "s");
        divergence_lines(out, r, c, 1);
        fputs("</failure>\n", out);
        break;
    }
    case BV_STATUS_SAME:
        if (!informative) {
            fputs("/>\n", out);
            return;
        }
        fputs(">\n", out);
        break;
    }
    if (informative) {
        fputs("      <system-out>", out);
        divergence_lines(out, r, c, 0);
        fputs("</system-out>\n", out);
    }
    fputs("    </testcase>\n", out);
}

int bv_report_junit(FILE *out, const bv_result *r)
{
    size_t tests = r->check_result_count, failures = 0, errors = 0, skipped = 0;
    for (size_t i = 0; i < r->check_result_count; i++) {
        bv_check_status s = r->check_results[i].status;
        failures += s == BV_STATUS_DIVERGED;
        errors += s == BV_STATUS_ERROR;
        skipped += s == BV_STATUS_SKIPPED;
    }
    char started[32], buf[64];
    bv_format_utc_ms(r->started_at_ms, started);
    started[19] = '\0'; /* JUnit timestamps have no fraction and no zone */
    fprintf(out,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<testsuites name=\"boltdiff verify\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" "
            "skipped=\"%zu\" time=\"",
            tests, failures, errors, skipped);
    seconds(out, r->duration_ms);
    fputs("\">\n", out);
    for (size_t t = 1; t < r->instance_count; t++) {
        size_t st = 0, sf = 0, se = 0, ss = 0;
        for (size_t i = 0; i < r->check_result_count; i++) {
            const bv_check_result *c = &r->check_results[i];
            if (c->target != t) continue;
            st++;
            sf += c->status == BV_STATUS_DIVERGED;
            se += c->status == BV_STATUS_ERROR;
            ss += c->status == BV_STATUS_SKIPPED;
        }
        fputs("  <testsuite name=\"", out);
        rep_xml_text(out, rep_source(r->instances[0].source, 0, buf, sizeof buf));
        fputs(" vs ", out);
        rep_xml_text(out, rep_source(r->instances[t].source, t, buf, sizeof buf));
        fprintf(out,
                "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" "
                "timestamp=\"%s\" time=\"",
                st, sf, se, ss, started);
        seconds(out, r->duration_ms);
        fputs("\">\n", out);
        for (size_t i = 0; i < r->check_result_count; i++)
            if (r->check_results[i].target == t) testcase(out, r, &r->check_results[i]);
        fputs("  </testsuite>\n", out);
    }
    fputs("</testsuites>\n", out);
    return ferror(out) ? BOLT_E_IO : 0;
}
