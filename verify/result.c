/* bv_result: instances, their failures and unchecked checks, the comparisons and the exit
 * code of a verify run. The rules are in verify/result.h. */
#include "verify/result.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bolt/alloc.h"
#include "bolt/error.h"
#include "verify/cli.h"
#include "verify/compare.h"

const char *bv_check_status_name(bv_check_status s)
{
    switch (s) {
    case BV_STATUS_SAME:
        return "same";
    case BV_STATUS_DIVERGED:
        return "diverged";
    case BV_STATUS_SKIPPED:
        return "skipped";
    case BV_STATUS_ERROR:
        return "error";
    }
    return "?";
}

int bv_result_init(bv_result *r, size_t instance_count)
{
    memset(r, 0, sizeof *r);
    if (instance_count < 2) return BOLT_E_INVAL;
    r->instances = bolt_calloc(instance_count, sizeof *r->instances);
    if (!r->instances) return BOLT_E_NOMEM;
    r->instance_count = instance_count;
    for (size_t i = 0; i < instance_count; i++)
        bv_measurement_init(&r->instances[i].m);
    return 0;
}

static void free_check_results(bv_result *r)
{
    for (size_t i = 0; i < r->check_result_count; i++)
        bolt_free(r->check_results[i].reason);
    bolt_free(r->check_results);
    r->check_results = NULL;
    r->check_result_count = 0;
}

void bv_result_free(bv_result *r)
{
    for (size_t i = 0; i < r->instance_count; i++) {
        bv_instance *in = &r->instances[i];
        bolt_free(in->source);
        bolt_free(in->error);
        bv_measurement_free(&in->m);
        for (size_t k = 0; k < in->unchecked_count; k++)
            bolt_free(in->unchecked[k].reason);
        bolt_free(in->unchecked);
    }
    bolt_free(r->instances);
    bv_divergences_free(&r->divergences);
    free_check_results(r);
    memset(r, 0, sizeof *r);
}

int bv_result_set_source(bv_result *r, size_t i, const char *source)
{
    if (i >= r->instance_count || !source) return BOLT_E_INVAL;
    char *s = bolt_strndup(source, strlen(source));
    if (!s) return BOLT_E_NOMEM;
    bolt_free(r->instances[i].source);
    r->instances[i].source = s;
    return 0;
}

static char *vformat(const char *fmt, va_list ap)
{
    va_list cp;
    va_copy(cp, ap);
    int n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    if (n < 0) return NULL;
    char *s = bolt_malloc((size_t)n + 1);
    if (!s) return NULL;
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    /* one line: a reason that spans lines would break the human report and the textfile */
    for (char *p = s; *p; p++)
        if (*p == '\n' || *p == '\r') *p = ' ';
    return s;
}

int bv_result_fail(bv_result *r, size_t i, int exit_class, int err, const char *fmt, ...)
{
    if (i >= r->instance_count || (exit_class != BV_EXIT_CONNECT && exit_class != BV_EXIT_SERVER))
        return BOLT_E_INVAL;
    va_list ap;
    va_start(ap, fmt);
    char *msg = vformat(fmt, ap);
    va_end(ap);
    if (!msg) return BOLT_E_NOMEM;
    bv_instance *in = &r->instances[i];
    bolt_free(in->error);
    in->error = msg;
    in->status = BV_INSTANCE_FAILED;
    in->exit_class = exit_class;
    in->error_code = err;
    return 0;
}

int bv_result_unchecked(bv_result *r, size_t i, unsigned check, int exit_class, const char *fmt,
                        ...)
{
    if (i >= r->instance_count || !check || (check & (check - 1)) || check > BV_CHECK_FULL ||
        (exit_class != 0 && exit_class != BV_EXIT_CONNECT && exit_class != BV_EXIT_SERVER))
        return BOLT_E_INVAL;
    bv_instance *in = &r->instances[i];
    bv_unchecked *v = bolt_realloc(in->unchecked, (in->unchecked_count + 1) * sizeof *v);
    if (!v) return BOLT_E_NOMEM;
    in->unchecked = v;
    va_list ap;
    va_start(ap, fmt);
    char *msg = vformat(fmt, ap);
    va_end(ap);
    if (!msg) return BOLT_E_NOMEM;
    v[in->unchecked_count].check = check;
    v[in->unchecked_count].exit_class = exit_class;
    v[in->unchecked_count].reason = msg;
    in->unchecked_count++;
    return 0;
}

const bv_unchecked *bv_result_find_unchecked(const bv_result *r, size_t i, unsigned check)
{
    if (i >= r->instance_count) return NULL;
    const bv_instance *in = &r->instances[i];
    for (size_t k = 0; k < in->unchecked_count; k++)
        if (in->unchecked[k].check == check) return &in->unchecked[k];
    return NULL;
}

/* Why check cannot be compared between baseline 0 and target t; NULL when it can. */
static int pair_blocked(const bv_result *r, size_t t, unsigned check, bv_check_status *status,
                        char **reason)
{
    size_t sides[2] = {0, t};
    *reason = NULL;
    /* A failed instance first: it explains every check at once. */
    for (int k = 0; k < 2; k++) {
        const bv_instance *in = &r->instances[sides[k]];
        if (in->status == BV_INSTANCE_FAILED) {
            *status = BV_STATUS_ERROR;
            size_t n = strlen(in->error ? in->error : "") + 64;
            if (!(*reason = bolt_malloc(n))) return BOLT_E_NOMEM;
            snprintf(*reason, n, "instance %zu failed: %s", sides[k],
                     in->error ? in->error : "unknown error");
            return 1;
        }
    }
    for (int k = 0; k < 2; k++) {
        const bv_unchecked *u = bv_result_find_unchecked(r, sides[k], check);
        if (!u) continue;
        *status = u->exit_class ? BV_STATUS_ERROR : BV_STATUS_SKIPPED;
        size_t n = strlen(u->reason) + 64;
        if (!(*reason = bolt_malloc(n))) return BOLT_E_NOMEM;
        snprintf(*reason, n, "not completed on instance %zu: %s", sides[k], u->reason);
        return 1;
    }
    for (int k = 0; k < 2; k++) {
        if (r->instances[sides[k]].m.checks & check) continue;
        *status = BV_STATUS_SKIPPED;
        if (!(*reason = bolt_malloc(64))) return BOLT_E_NOMEM;
        snprintf(*reason, 64, "not measured on instance %zu", sides[k]);
        return 1;
    }
    return 0;
}

static int exit_class_merge(int have, int cls)
{
    if (!cls) return have;
    if (!have) return cls;
    return have < cls ? have : cls; /* BV_EXIT_CONNECT (3) before BV_EXIT_SERVER (4) */
}

int bv_result_finish(bv_result *r, unsigned checks, int strict)
{
    r->checks = checks & BV_CHECK_ALL;
    r->strict = strict;
    bv_divergences_free(&r->divergences);
    free_check_results(r);
    memset(r->totals, 0, sizeof r->totals);

    size_t selected = 0;
    for (unsigned k = 0; k < BV_CHECK_COUNT; k++)
        if (r->checks & (1u << k)) selected++;
    size_t n = selected * (r->instance_count - 1);
    r->check_results = bolt_calloc(n ? n : 1, sizeof *r->check_results);
    if (!r->check_results) return BOLT_E_NOMEM;

    int rc = 0;
    for (size_t t = 1; t < r->instance_count && rc == 0; t++) {
        /* Compare only what both sides measured completely. */
        unsigned comparable = 0;
        size_t first = r->check_result_count;
        for (unsigned k = 0; k < BV_CHECK_COUNT && rc == 0; k++) {
            unsigned check = 1u << k;
            if (!(r->checks & check)) continue;
            bv_check_result *cr = &r->check_results[r->check_result_count++];
            cr->check = check;
            cr->baseline = 0;
            cr->target = t;
            int blocked = pair_blocked(r, t, check, &cr->status, &cr->reason);
            if (blocked < 0) rc = blocked;
            if (blocked == 0) comparable |= check;
        }
        if (rc) break;
        if (!comparable) continue;
        size_t before = r->divergences.len;
        bv_compare_opts opts = {comparable};
        int n_div =
            bv_compare(&r->instances[0].m, 0, &r->instances[t].m, t, &opts, &r->divergences);
        if (n_div < 0) {
            rc = n_div;
            break;
        }
        for (size_t i = first; i < r->check_result_count; i++) {
            bv_check_result *cr = &r->check_results[i];
            if (!(comparable & cr->check)) continue;
            for (size_t d = before; d < r->divergences.len; d++) {
                const bv_divergence *dv = &r->divergences.items[d];
                if (dv->check != cr->check) continue;
                cr->divergences++;
                cr->by_severity[dv->severity]++;
            }
            int fails = cr->by_severity[BV_SEV_DRIFT] > 0 ||
                        (strict && cr->by_severity[BV_SEV_AMBIGUOUS] > 0);
            cr->status = fails ? BV_STATUS_DIVERGED : BV_STATUS_SAME;
        }
    }
    if (rc) {
        bv_divergences_free(&r->divergences);
        free_check_results(r);
        return rc;
    }

    for (size_t d = 0; d < r->divergences.len; d++)
        r->totals[r->divergences.items[d].severity]++;
    int failure = 0;
    for (size_t i = 0; i < r->instance_count; i++) {
        const bv_instance *in = &r->instances[i];
        if (in->status == BV_INSTANCE_FAILED) failure = exit_class_merge(failure, in->exit_class);
        for (size_t k = 0; k < in->unchecked_count; k++)
            failure = exit_class_merge(failure, in->unchecked[k].exit_class);
    }
    if (failure)
        r->exit_code = failure;
    else if (r->totals[BV_SEV_DRIFT] || (strict && r->totals[BV_SEV_AMBIGUOUS]))
        r->exit_code = BV_EXIT_DIVERGENCE;
    else
        r->exit_code = BV_EXIT_OK;
    return 0;
}
