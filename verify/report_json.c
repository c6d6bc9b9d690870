/* The JSON report (schema version BV_REPORT_JSON_VERSION, documented in docs/report-json.md).
 * Layout: one member per line at the top level, one object per line inside the arrays, so
 * the file is both stable for machines and greppable by people. Key order never changes. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "bolt/error.h"
#include "report_internal.h"
#include "verify/report.h"

static void checks_array(FILE *out, unsigned checks)
{
    fputc('[', out);
    const char *sep = "";
    for (unsigned k = 0; k < BV_CHECK_COUNT; k++)
        if (checks & (1u << k)) {
            fprintf(out, "%s\"%s\"", sep, bv_check_name(1u << k));
            sep = ", ";
        }
    fputc(']', out);
}

static void key_text(FILE *out, const bv_key_spec *k)
{
    /* Label.prop as --key takes it; a name with a dot or a back-quote is back-quoted. */
    char buf[512];
    size_t n = 0;
    const char *parts[2] = {k->label, k->prop};
    for (int i = 0; i < 2; i++) {
        const char *s = parts[i];
        int quote = strchr(s, '.') || strchr(s, '`') || !*s;
        if (i && n < sizeof buf - 1) buf[n++] = '.';
        if (quote && n < sizeof buf - 1) buf[n++] = '`';
        for (; *s && n < sizeof buf - 3; s++) {
            buf[n++] = *s;
            if (*s == '`') buf[n++] = '`';
        }
        if (quote && n < sizeof buf - 1) buf[n++] = '`';
    }
    buf[n] = '\0';
    rep_json_str(out, buf);
}

static void options_object(FILE *out, const bv_options *o, const bv_result *r)
{
    if (!o) {
        fputs("{}", out);
        return;
    }
    fputs("{\"checks\": ", out);
    checks_array(out, r->checks ? r->checks : o->checks);
    /* The seed is a string: JSON numbers past 2^53 lose digits in many parsers, and a seed
     * must round-trip exactly to reproduce a sample. */
    fprintf(out, ", \"sample_size\": %" PRIu32 ", \"seed\": \"%" PRIu64 "\", \"keys\": [",
            o->sample_size, o->seed);
    for (size_t i = 0; i < o->key_count; i++) {
        if (i) fputs(", ", out);
        key_text(out, &o->keys[i]);
    }
    fprintf(out,
            "], \"match_by_id\": %s, \"strict\": %s, \"parallel\": %u, \"fetch_size\": %" PRIu32
            ", \"retries\": %u, \"connect_timeout_ms\": %" PRIu64 ", \"query_timeout_ms\": %" PRIu64
            ", \"database\": ",
            o->match_by_id ? "true" : "false", o->strict ? "true" : "false", o->parallel,
            o->fetch_size, o->retries, o->connect_timeout_ms, o->query_timeout_ms);
    rep_json_str(out, o->database);
    fputc('}', out);
}

static void instance_object(FILE *out, const bv_result *r, size_t i)
{
    const bv_instance *in = &r->instances[i];
    const bv_inventory *inv = &in->m.inventory;
    fprintf(out, "{\"index\": %zu, \"role\": \"%s\", \"source\": ", i, i ? "target" : "baseline");
    rep_json_str(out, in->source);
    fputs(", \"server_agent\": ", out);
    rep_json_str(out, inv->server_agent);
    fputs(", \"version\": ", out);
    rep_json_str(out, inv->version);
    fputs(", \"edition\": ", out);
    rep_json_str(out, inv->edition);
    fputs(", \"bolt_version\": ", out);
    rep_json_str(out, inv->bolt_version);
    fputs(", \"database\": ", out);
    rep_json_str(out, inv->database);
    fprintf(out, ", \"status\": \"%s\", \"error\": ",
            in->status == BV_INSTANCE_FAILED ? "failed" : "ok");
    if (in->status == BV_INSTANCE_FAILED) {
        fprintf(out, "{\"exit_class\": %d, \"code\": \"%s\", \"message\": ", in->exit_class,
                bolt_errname(in->error_code));
        rep_json_str(out, in->error);
        fputc('}', out);
    } else {
        fputs("null", out);
    }
    fputs(", \"unchecked\": [", out);
    for (size_t k = 0; k < in->unchecked_count; k++) {
        const bv_unchecked *u = &in->unchecked[k];
        fprintf(out, "%s{\"check\": \"%s\", \"exit_class\": %d, \"reason\": ", k ? ", " : "",
                bv_check_name(u->check), u->exit_class);
        rep_json_str(out, u->reason);
        fputc('}', out);
    }
    fputs("]}", out);
}

static void check_object(FILE *out, const bv_check_result *c)
{
    fprintf(out,
            "{\"check\": \"%s\", \"baseline\": %zu, \"target\": %zu, \"status\": \"%s\", "
            "\"divergences\": %zu, \"reason\": ",
            bv_check_name(c->check), c->baseline, c->target, bv_check_status_name(c->status),
            c->divergences);
    rep_json_str(out, c->reason);
    fputc('}', out);
}

static void divergence_object(FILE *out, const bv_divergence *d)
{
    fprintf(out,
            "{\"check\": \"%s\", \"severity\": \"%s\", \"baseline\": %zu, \"target\": %zu, "
            "\"kind\": ",
            bv_check_name(d->check), bv_severity_name(d->severity), d->baseline, d->target);
    rep_json_str(out, d->kind);
    fputs(", \"subject\": ", out);
    rep_json_str(out, d->subject);
    fputs(", \"baseline_value\": ", out);
    rep_json_str(out, d->baseline_value);
    fputs(", \"target_value\": ", out);
    rep_json_str(out, d->target_value);
    fputs(", \"message\": ", out);
    rep_json_str(out, d->message);
    fputc('}', out);
}

int bv_report_json(FILE *out, const bv_result *r, const bv_options *o)
{
    char started[32];
    bv_format_utc_ms(r->started_at_ms, started);
    fprintf(out,
            "{\n  \"boltdiff_report\": %d,\n  \"tool_version\": \"%s\",\n"
            "  \"started_at\": \"%s\",\n  \"duration_ms\": %" PRId64 ",\n  \"options\": ",
            BV_REPORT_JSON_VERSION, BOLTDIFF_VERSION, started, r->duration_ms);
    options_object(out, o, r);
    fputs(",\n  \"instances\": [", out);
    for (size_t i = 0; i < r->instance_count; i++) {
        fputs(i ? ",\n    " : "\n    ", out);
        instance_object(out, r, i);
    }
    fputs(r->instance_count ? "\n  ],\n  \"checks\": [" : "],\n  \"checks\": [", out);
    for (size_t i = 0; i < r->check_result_count; i++) {
        fputs(i ? ",\n    " : "\n    ", out);
        check_object(out, &r->check_results[i]);
    }
    fputs(r->check_result_count ? "\n  ],\n  \"divergences\": [" : "],\n  \"divergences\": [", out);
    for (size_t i = 0; i < r->divergences.len; i++) {
        fputs(i ? ",\n    " : "\n    ", out);
        divergence_object(out, &r->divergences.items[i]);
    }
    fprintf(out,
            "%s,\n  \"summary\": {\"drift\": %zu, \"expected\": %zu, \"info\": %zu, "
            "\"ambiguous\": %zu, \"exit_code\": %d}\n}\n",
            r->divergences.len ? "\n  ]" : "]", r->totals[BV_SEV_DRIFT], r->totals[BV_SEV_EXPECTED],
            r->totals[BV_SEV_INFO], r->totals[BV_SEV_AMBIGUOUS], r->exit_code);
    return ferror(out) ? BOLT_E_IO : 0;
}
