/* boltdiff snapshot URI -o FILE: measures one live instance exactly as `boltdiff verify` would
 * (same options, same measuring stage) and writes the measurement to a snapshot file
 * (verify/snapshot.h) that can later stand wherever verify takes an instance.
 *
 * A snapshot is written only when every check asked for was measured or is simply not
 * possible on that server (then it is left out of the file, with a warning): a check that
 * failed on a connection or server error fails the command (exit 3 or 4) and writes nothing,
 * because a nightly job comparing against a silently partial baseline would prove less than it
 * claims.
 *
 * --sample-from OLD.snap makes the live instance look up the keys OLD sampled instead of
 * choosing its own, so that two snapshots compare node for node (a node deleted since OLD is
 * then recorded as missing, where an independent sample would simply not contain it). It is
 * run as a verify of OLD (baseline, loaded) against the URI (measured), and the URI's
 * measurement is what is written. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bolt/alloc.h"
#include "bolt/error.h"
#include "cmd_run.h"
#include "verify/cli.h"
#include "verify/measure.h"
#include "verify/options.h"
#include "verify/progress.h"
#include "verify/result.h"
#include "verify/snapshot.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: boltdiff snapshot [options] URI -o FILE\n"
            "\n"
            "Measures one Neo4j instance exactly as 'boltdiff verify' does (inventory, tokens,\n"
            "counts, schema, property coverage, the sampled nodes' keys and hashes) and writes it\n"
            "to FILE, a snapshot that 'boltdiff verify' accepts wherever it takes an instance:\n"
            "\n"
            "  boltdiff snapshot bolt://old:7687 -o before.snap\n"
            "  boltdiff verify before.snap neo4j+s://new:7687\n"
            "\n"
            "The file is written to a temporary file next to FILE and renamed, so FILE is never\n"
            "half written; it is readable by its owner only (it holds sampled values).\n"
            "\n"
            "Options:\n"
            "  -o, --output FILE       the snapshot file to write (required)\n"
            "      --sample-from OLD   look up the nodes OLD (a snapshot) sampled instead of\n"
            "                          choosing a sample, so that OLD and FILE compare node\n"
            "                          for node (give the --key options OLD was taken with)\n"
            "  -q, --quiet             no progress bar and no summary line\n"
            "  -h, --help              this help\n"
            "\n"
            "Measuring, load and connection options are those of 'boltdiff verify' (see\n"
            "'boltdiff verify --help'): -c/--checks, -n/--sample-size, --seed, -k/--key,\n"
            "--match-by-id, -j/--parallel, --fetch-size, --retries, --connect-timeout,\n"
            "--query-timeout, --partition-size, -d/--database, --user, --password-file,\n"
            "--token-file, --credentials-file, --auth-env, --no-auth, --ca-file,\n"
            "--client-cert, --client-key, --pin, --bolt, --manifest.\n"
            "\n" BOLTDIFF_EXIT_CODES_HELP);
}

/* Options of verify that only make sense for a comparison: refused, not silently ignored. */
static const char *comparison_only(const bv_options *o)
{
    if (o->format != BV_FORMAT_TEXT) return "--format";
    if (o->junit) return "--junit";
    if (o->prometheus) return "--prometheus";
    if (o->pushgateway) return "--pushgateway";
    if (o->strict) return "--strict";
    if (o->color != BV_COLOR_AUTO) return "--color";
    if (o->auth_env_count > 1) return "a second --auth-env";
    return NULL;
}

/* Fails early, before a long measurement, when FILE's directory cannot take the file. */
static int check_destination(const char *path, char *err, size_t errlen)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "-o %.400s: is a directory", path);
        return BOLT_E_INVAL;
    }
    const char *slash = strrchr(path, '/');
    char dir[4096];
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == path)
        snprintf(dir, sizeof dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    if (access(dir, W_OK | X_OK) != 0) {
        snprintf(err, errlen, "-o %.400s: cannot write in %.400s: %s", path, dir, strerror(errno));
        return BOLT_E_INVAL;
    }
    return 0;
}

static void check_names(unsigned bits, char *buf, size_t len)
{
    size_t at = 0;
    buf[0] = '\0';
    for (unsigned i = 0; i < BV_CHECK_COUNT; i++) {
        if (!(bits & (1u << i))) continue;
        int n = snprintf(buf + at, len - at, "%s%s", at ? "," : "", bv_check_name(1u << i));
        if (n < 0 || (size_t)n >= len - at) return;
        at += (size_t)n;
    }
    if (!at) snprintf(buf, len, "none");
}

/* After measuring: 0 when the snapshot may be written, else the exit code, with the reason
 * printed. Checks that are not possible on this server are only warned about. */
static int judge(const bv_result *r, size_t mi, const bv_options *o)
{
    const bv_instance *in = &r->instances[mi];
    if (in->status == BV_INSTANCE_FAILED) {
        fprintf(stderr, "boltdiff snapshot: %s: %s; no snapshot written\n", in->source,
                in->error ? in->error : "failed");
        return in->exit_class ? in->exit_class : BV_EXIT_SERVER;
    }
    int code = 0;
    for (size_t k = 0; k < in->unchecked_count; k++) {
        const bv_unchecked *u = &in->unchecked[k];
        if (!(o->checks & u->check)) continue;
        if (u->exit_class == 0) {
            if (!o->quiet)
                fprintf(stderr, "boltdiff snapshot: warning: %s not in the snapshot: %s\n",
                        bv_check_name(u->check), u->reason ? u->reason : "not possible");
            continue;
        }
        fprintf(stderr, "boltdiff snapshot: %s could not be measured: %s; no snapshot written\n",
                bv_check_name(u->check), u->reason ? u->reason : "failed");
        /* 3 before 4, as verify decides (verify/result.h) */
        if (code != BV_EXIT_CONNECT) code = u->exit_class;
    }
    return code;
}

/* Takes --sample-from FILE (or --sample-from=FILE) out of argv, which is then parsed as verify's
 * options. Stops at "--". 0, or -1 when the option has no value. */
static int take_sample_from(int *argc, char **argv, const char **from)
{
    int w = 1;
    for (int i = 1; i < *argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--")) {
            while (i < *argc)
                argv[w++] = argv[i++];
            break;
        }
        if (!strncmp(a, "--sample-from=", 14)) {
            *from = a + 14;
            continue;
        }
        if (!strcmp(a, "--sample-from")) {
            if (i + 1 >= *argc) return -1;
            *from = argv[++i];
            continue;
        }
        argv[w++] = argv[i];
    }
    *argc = w;
    argv[w] = NULL;
    return 0;
}

/* o gets the --sample-from snapshot as instance 0 (a baseline, loaded) before the URI. */
static int prepend_instance(bv_options *o, const char *path)
{
    char **v = bolt_realloc(o->instances, (o->instance_count + 1) * sizeof *v);
    if (!v) return BOLT_E_NOMEM;
    o->instances = v;
    char *p = bolt_strndup(path, strlen(path));
    if (!p) return BOLT_E_NOMEM;
    memmove(v + 1, v, o->instance_count * sizeof *v);
    v[0] = p;
    o->instance_count++;
    return 0;
}

int bv_cmd_snapshot(int argc, char **argv)
{
    bv_options o;
    char err[1024];
    const char *from = NULL;
    /* argv is the process's own: rewriting it in place is allowed */
    if (take_sample_from(&argc, argv, &from) != 0) {
        fprintf(stderr, "boltdiff snapshot: --sample-from needs a value (see 'boltdiff snapshot "
                        "--help')\n");
        return BV_EXIT_USAGE;
    }
    int rc = bv_options_parse_one(&o, argc, argv, err, sizeof err);
    if (rc == BV_OPTIONS_HELP) {
        usage(stdout);
        bv_options_free(&o);
        return BV_EXIT_OK;
    }
    if (rc < 0) {
        fprintf(stderr, "boltdiff snapshot: %s (see 'boltdiff snapshot --help')\n", err);
        return BV_EXIT_USAGE;
    }
    const char *refused = comparison_only(&o);
    if (refused)
        snprintf(err, sizeof err, "%s is an option of 'boltdiff verify', not of snapshot", refused);
    else if (bv_snapshot_is_path(o.instances[0]))
        snprintf(err, sizeof err,
                 "expected the URI of a live instance (like bolt://host:7687), got '%s'",
                 o.instances[0]);
    else if (!o.output)
        snprintf(err, sizeof err, "-o FILE is required: the snapshot file to write");
    else if (from && (!*from || !bv_snapshot_is_path(from)))
        snprintf(err, sizeof err, "--sample-from: expected a snapshot file, got '%s'", from);
    else if (from && access(from, R_OK) != 0)
        snprintf(err, sizeof err, "--sample-from %.400s: %s", from, strerror(errno));
    else if (check_destination(o.output, err, sizeof err) == 0)
        err[0] = '\0';
    if (err[0]) {
        fprintf(stderr, "boltdiff snapshot: %s (see 'boltdiff snapshot --help')\n", err);
        bv_options_free(&o);
        return BV_EXIT_USAGE;
    }
    if (!o.seed_set) o.seed = bv_random_seed();

    /* bv_result holds two instances at least; only the first is measured (o.instance_count
     * is 1) and the second stays empty. */
    bv_result r;
    char shown[1024];
    bv_source_display(o.instances[0], shown, sizeof shown);
    size_t mi = from ? 1 : 0; /* the measured instance */
    if ((rc = bv_result_init(&r, 2)) == 0) rc = bv_result_set_source(&r, mi, shown);
    if (rc == 0 && from && (rc = bv_result_set_source(&r, 0, from)) == 0)
        rc = prepend_instance(&o, from);
    if (rc != 0) {
        fprintf(stderr, "boltdiff snapshot: %s\n", bolt_strerror(rc));
        bv_result_free(&r);
        bv_options_free(&o);
        return BV_EXIT_USAGE;
    }
    bv_progress progress;
    bv_progress_init(&progress, stderr, bv_progress_wanted(o.quiet));
    rc = bv_measure_all(&o, &r, &progress, err, sizeof err);
    bv_progress_done(&progress);
    int code = BV_EXIT_OK;
    if (rc < 0) {
        fprintf(stderr, "boltdiff snapshot: %s\n", err);
        code = bv_run_exit_code(rc);
    } else {
        code = judge(&r, mi, &o);
    }
    if (code == BV_EXIT_OK && from && !(r.instances[0].m.checks & BV_CHECK_SAMPLE) &&
        (o.checks & BV_CHECK_SAMPLE)) {
        fprintf(stderr, "boltdiff snapshot: --sample-from %s: the snapshot holds no sample\n",
                from);
        code = BV_EXIT_USAGE;
    }
    bv_measurement *m = &r.instances[mi].m;
    if (code == BV_EXIT_OK) {
        /* what the stage left unset, the snapshot still records */
        if (!m->seed) m->seed = o.seed;
        if (!m->sample_size) m->sample_size = o.sample_size;
        if (!m->measured_at) m->measured_at = (int64_t)time(NULL);
        if (!m->source) m->source = bolt_strndup(shown, strlen(shown));
        if (!m->source) {
            fprintf(stderr, "boltdiff snapshot: out of memory\n");
            code = BV_EXIT_USAGE;
        } else if (bv_snapshot_write(o.output, m, err, sizeof err) != 0) {
            fprintf(stderr, "boltdiff snapshot: %s\n", err);
            code = BV_EXIT_USAGE;
        }
    }
    if (code == BV_EXIT_OK && !o.quiet) {
        struct stat st;
        char checks[128];
        check_names(m->checks, checks, sizeof checks);
        long long size = stat(o.output, &st) == 0 ? (long long)st.st_size : -1;
        printf("boltdiff snapshot: wrote %s (%lld bytes): %s %s, %lld nodes, %lld "
               "relationships, %zu sampled nodes, checks %s, seed %llu\n",
               o.output, size, m->inventory.server_agent ? m->inventory.server_agent : "?", shown,
               (long long)m->node_count, (long long)m->rel_count, m->sample_count, checks,
               (unsigned long long)m->seed);
    }
    bv_result_free(&r);
    bv_options_free(&o);
    return code;
}
