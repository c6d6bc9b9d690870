/* boltdiff verify: options -> measure (verify/measure.h) -> compare (result.h) -> reports.
 * The exit code follows diff(1) and is documented in docs/exit-codes.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bolt/alloc.h"
#include "bolt/error.h"
#include "cmd_run.h"
#include "verify/cli.h"
#include "verify/measure.h"
#include "verify/options.h"
#include "verify/progress.h"
#include "verify/report.h"
#include "verify/result.h"

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int want_color(const bv_options *o, int to_stdout)
{
    if (o->color == BV_COLOR_ALWAYS) return 1;
    if (o->color == BV_COLOR_NEVER || !to_stdout) return 0;
    const char *no_color = getenv("NO_COLOR"); /* https://no-color.org */
    if (no_color && *no_color) return 0;
    return isatty(STDOUT_FILENO);
}

typedef struct writer_ud {
    const bv_result *r;
    const bv_options *o;
} writer_ud;

static int write_main(FILE *out, void *vud)
{
    writer_ud *ud = vud;
    if (ud->o->format == BV_FORMAT_JSON) return bv_report_json(out, ud->r, ud->o);
    return bv_report_text(out, ud->r, 0);
}

static int write_junit(FILE *out, void *vud)
{
    return bv_report_junit(out, ((writer_ud *)vud)->r);
}

static int write_prom(FILE *out, void *vud)
{
    const bv_result *r = ((writer_ud *)vud)->r;
    return bv_report_prometheus(out, r, r->exit_code == BV_EXIT_OK);
}

/* Pushes only for a completed run (0 or 1); the last-success timestamp only for 0. A failed
 * push is a warning: the verdict stands, and the stale last-success metric is what alerts. */
static void push(const bv_options *o, const bv_result *r)
{
    if (!o->pushgateway) return;
    if (r->exit_code != BV_EXIT_OK && r->exit_code != BV_EXIT_DIVERGENCE) {
        if (!o->quiet)
            fprintf(stderr,
                    "boltdiff verify: not pushing metrics: the run did not complete "
                    "(exit %d)\n",
                    r->exit_code);
        return;
    }
    char *body = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&body, &len);
    char err[512];
    int rc = f ? bv_report_prometheus(f, r, r->exit_code == BV_EXIT_OK) : BOLT_E_NOMEM;
    if (f && fclose(f) != 0 && rc == 0) rc = BOLT_E_NOMEM;
    if (rc == 0)
        rc = bv_pushgateway_push(o->pushgateway, o->push_job, body, len, o->connect_timeout_ms, err,
                                 sizeof err);
    else
        snprintf(err, sizeof err, "pushgateway: cannot build the metrics: %s", bolt_strerror(rc));
    free(body); /* open_memstream's buffer comes from the C library */
    if (rc != 0)
        fprintf(stderr, "boltdiff verify: warning: %s (the verification result is unchanged)\n",
                err);
}

static int reports(const bv_options *o, const bv_result *r)
{
    writer_ud ud = {r, o};
    char err[512];
    int failed = 0;
    if (o->output) {
        if (bv_report_write_file(o->output, write_main, &ud, err, sizeof err) != 0) {
            fprintf(stderr, "boltdiff verify: %s\n", err);
            failed = 1;
        }
    } else if (o->format == BV_FORMAT_JSON) {
        if (bv_report_json(stdout, r, o) != 0 || fflush(stdout) != 0) failed = 1;
    } else if (!o->quiet) {
        if (bv_report_text(stdout, r, want_color(o, 1)) != 0 || fflush(stdout) != 0) failed = 1;
    }
    if (failed && !o->output) fprintf(stderr, "boltdiff verify: cannot write the report\n");
    if (o->junit && bv_report_write_file(o->junit, write_junit, &ud, err, sizeof err) != 0) {
        fprintf(stderr, "boltdiff verify: %s\n", err);
        failed = 1;
    }
    if (o->prometheus &&
        bv_report_write_file(o->prometheus, write_prom, &ud, err, sizeof err) != 0) {
        fprintf(stderr, "boltdiff verify: %s\n", err);
        failed = 1;
    }
    push(o, r);
    return failed;
}

int bv_cmd_verify(int argc, char **argv)
{
    bv_options o;
    char err[512];
    int rc = bv_options_parse(&o, argc, argv, err, sizeof err);
    if (rc == BV_OPTIONS_HELP) {
        bv_options_usage(stdout);
        bv_options_free(&o);
        return BV_EXIT_OK;
    }
    if (rc < 0) {
        fprintf(stderr, "boltdiff verify: %s (see 'boltdiff verify --help')\n", err);
        return BV_EXIT_USAGE;
    }
    if (!o.seed_set) o.seed = bv_random_seed();

    bv_result r;
    if ((rc = bv_result_init(&r, o.instance_count)) != 0) {
        fprintf(stderr, "boltdiff verify: %s\n", bolt_strerror(rc));
        bv_options_free(&o);
        return BV_EXIT_USAGE;
    }
    for (size_t i = 0; i < o.instance_count && rc == 0; i++) {
        char shown[1024];
        bv_source_display(o.instances[i], shown, sizeof shown);
        rc = bv_result_set_source(&r, i, shown);
    }
    r.started_at_ms = bv_wall_ms();
    int64_t t0 = mono_ms();
    bv_progress progress;
    bv_progress_init(&progress, stderr, bv_progress_wanted(o.quiet));
    if (rc == 0)
        rc = bv_measure_all(&o, &r, &progress, err, sizeof err);
    else
        snprintf(err, sizeof err, "%s", bolt_strerror(rc));
    bv_progress_done(&progress);
    if (rc < 0) {
        fprintf(stderr, "boltdiff verify: %s\n", err);
        bv_result_free(&r);
        bv_options_free(&o);
        return bv_run_exit_code(rc);
    }
    r.duration_ms = mono_ms() - t0;
    if ((rc = bv_result_finish(&r, o.checks, o.strict)) != 0) {
        fprintf(stderr, "boltdiff verify: comparing: %s\n", bolt_strerror(rc));
        bv_result_free(&r);
        bv_options_free(&o);
        return BV_EXIT_USAGE;
    }
    int code = r.exit_code;
    /* A report that could not be written fails a run that found nothing, so that a CI job
     * does not pass without its report; it never hides a divergence or a failure. */
    if (reports(&o, &r) && code == BV_EXIT_OK) code = BV_EXIT_USAGE;
    bv_result_free(&r);
    bv_options_free(&o);
    return code;
}
