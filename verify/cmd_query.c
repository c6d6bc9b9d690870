/* boltdiff query: runs one Cypher query in READ mode against one instance and prints the
 * records (one line each) or only how many there were. A debugging aid for operators ("what
 * does this instance answer?") and the end-to-end tests' way to stream large results. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bolt/error.h"
#include "bolt/net.h"
#include "cmd_conn.h"
#include "verify/cli.h"

#define MAX_PARAMS 32

typedef struct qstate {
    bv_target t;
    const char *cypher;
    const char *db;
    int count_only;
    bolt_value params;
    int has_params;
    uint64_t records;
    int exit_code;
    char error[900];
    char *line;
    size_t line_cap;
} qstate;

static void fail(qstate *q, int err, const char *msg)
{
    if (q->exit_code) return;
    q->exit_code = bv_exit_for(err);
    snprintf(q->error, sizeof q->error, "%s", msg);
}

static void print_value(qstate *q, const bolt_value *v)
{
    size_t need = bolt_value_format(v, q->line, q->line_cap);
    if (need + 1 > q->line_cap) {
        char *p = realloc(q->line, need + 1);
        if (!p) return;
        q->line = p;
        q->line_cap = need + 1;
        bolt_value_format(v, q->line, q->line_cap);
    }
    puts(q->line);
}

static void on_fields(bolt_conn *c, const bolt_value *fields, const bolt_value *meta, void *ud)
{
    qstate *q = ud;
    (void)c;
    (void)meta;
    if (!q->count_only && fields) print_value(q, fields);
}

static int on_record(bolt_conn *c, const bolt_value *rec, void *ud)
{
    qstate *q = ud;
    (void)c;
    q->records++;
    if (!q->count_only) print_value(q, rec);
    return 0;
}

static void on_summary(bolt_conn *c, const bolt_value *meta, void *ud)
{
    qstate *q = ud;
    (void)meta;
    bolt_conn_close(c);
    (void)q;
}

static void on_failure(bolt_conn *c, const bolt_conn_failure *f, void *ud)
{
    qstate *q = ud;
    char msg[900];
    if (f->code[0])
        snprintf(msg, sizeof msg, "%s: %s", f->code, f->message);
    else
        snprintf(msg, sizeof msg, "%s", f->message);
    fail(q, f->err, msg);
    bolt_conn_close(c);
}

static void on_ready(bolt_conn *c, int status, void *ud)
{
    qstate *q = ud;
    if (status < 0) {
        fail(q, status, bolt_conn_errmsg(c));
        bolt_conn_close(c);
        return;
    }
    bolt_query_callbacks cb = {on_fields, on_record, on_summary, on_failure, q, NULL};
    bolt_query_opts qo = {q->db, "r", 0, 0};
    int r = bolt_conn_run(c, q->cypher, q->has_params ? &q->params : NULL, &qo, &cb);
    if (r < 0) {
        fail(q, r, bolt_strerror(r));
        bolt_conn_close(c);
    }
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: boltdiff query [options] URI CYPHER\n"
            "\n"
            "Runs CYPHER in READ mode (access mode \"r\") on one instance and prints the column\n"
            "names and then one line per record; a write is refused by the server's access\n"
            "mode on clusters (a standalone 3.5 does not enforce it: only run reads).\n"
            "\n"
            "Options:\n"
            "  --db NAME            database (Bolt 4.0+; default: the server's default)\n"
            "  --param NAME=VALUE   parameter $NAME: an integer if VALUE is one, else a\n"
            "                       string (repeatable)\n"
            "  --count-only         print only the number of records\n"
            "  --fetch N            records per PULL (default 1000; -1 = all at once)\n"
            "  -h, --help           this help\n" BV_CONN_OPTIONS_HELP
            "\n" BOLTDIFF_EXIT_CODES_HELP);
}

int bv_cmd_query(int argc, char **argv)
{
    bv_conn_opts o;
    bv_conn_opts_init(&o);
    qstate q;
    memset(&q, 0, sizeof q);
    const char *pos[2];
    size_t npos = 0;
    bolt_value kv[2 * MAX_PARAMS];
    char *pnames[MAX_PARAMS];
    size_t np = 0;
    int rc = BV_EXIT_OK;
    for (int i = 1; i < argc && rc == BV_EXIT_OK;) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return BV_EXIT_OK;
        }
        if (!strcmp(a, "--count-only")) {
            q.count_only = 1;
            i++;
            continue;
        }
        if ((!strcmp(a, "--db") || !strcmp(a, "--param") || !strcmp(a, "--fetch"))) {
            if (i + 1 >= argc) {
                fprintf(stderr, "boltdiff query: %s needs a value\n", a);
                rc = BV_EXIT_USAGE;
                break;
            }
            const char *v = argv[i + 1];
            i += 2;
            if (!strcmp(a, "--db")) {
                q.db = v;
            } else if (!strcmp(a, "--fetch")) {
                char *end;
                errno = 0;
                long long f = strtoll(v, &end, 10);
                if (errno || *end || end == v || f == 0 || f < -1) {
                    fprintf(stderr, "boltdiff query: bad --fetch '%s' (positive or -1)\n", v);
                    rc = BV_EXIT_USAGE;
                }
                o.fetch_size = f;
            } else {
                const char *eq = strchr(v, '=');
                if (!eq || eq == v || np == MAX_PARAMS) {
                    fprintf(stderr, "boltdiff query: bad --param '%s' (NAME=VALUE, at most %d)\n",
                            v, MAX_PARAMS);
                    rc = BV_EXIT_USAGE;
                    continue;
                }
                pnames[np] = strndup(v, (size_t)(eq - v));
                kv[2 * np] = bolt_string(pnames[np] ? pnames[np] : "");
                char *end;
                errno = 0;
                long long iv = strtoll(eq + 1, &end, 10);
                kv[2 * np + 1] =
                    (!errno && *end == '\0' && end != eq + 1) ? bolt_int(iv) : bolt_string(eq + 1);
                np++;
            }
            continue;
        }
        int r = bv_conn_opt(&o, argc, argv, &i, "query");
        if (r < 0) {
            rc = BV_EXIT_USAGE;
            break;
        }
        if (r > 0) continue;
        if (a[0] == '-' && a[1]) {
            fprintf(stderr, "boltdiff query: unknown option '%s' (see 'boltdiff query --help')\n",
                    a);
            rc = BV_EXIT_USAGE;
            break;
        }
        if (npos == 2) {
            fprintf(stderr, "boltdiff query: expected URI and CYPHER, got more arguments\n");
            rc = BV_EXIT_USAGE;
            break;
        }
        pos[npos++] = a;
        i++;
    }
    if (rc == BV_EXIT_OK && npos != 2) {
        fprintf(stderr, "boltdiff query: expected URI and CYPHER (see 'boltdiff query --help')\n");
        rc = BV_EXIT_USAGE;
    }
    if (rc == BV_EXIT_OK && bv_conn_opts_finish(&o, 1, "query") < 0) rc = BV_EXIT_USAGE;
    if (rc == BV_EXIT_OK) {
        char err[700];
        int r = bv_target_prepare(&o, pos[0], 0, &q.t, err, sizeof err);
        if (r) {
            const char *label = q.t.uri.host || !strchr(pos[0], '@') ? pos[0] : "URI";
            fprintf(stderr, "boltdiff query: %s: %s\n", label, err);
            rc = r;
        } else if (bv_conn_opts_check_tls(&o, q.t.uri.security != BOLT_SEC_PLAIN, "query") < 0) {
            rc = BV_EXIT_USAGE;
        }
    }
    if (rc == BV_EXIT_OK) {
        q.cypher = pos[1];
        if (np) {
            q.params = bolt_map(kv, np);
            q.has_params = 1;
        }
        uv_loop_t loop;
        uv_loop_init(&loop);
        bolt_routing_cache *rcache = bolt_routing_cache_new();
        q.t.cfg.routing = rcache;
        q.t.cfg.recv_timeout_ms = 0; /* a long query may be silent; the server hint applies */
        bolt_conn *c;
        bolt_conn_callbacks cb = {on_ready, NULL, &q};
        int r = bolt_conn_open(&loop, &q.t.cfg, &cb, &c);
        if (r < 0) {
            fail(&q, r, bolt_strerror(r));
        } else {
            uv_run(&loop, UV_RUN_DEFAULT);
        }
        uv_loop_close(&loop);
        bolt_routing_cache_free(rcache);
        fflush(stdout);
        if (q.exit_code) {
            fprintf(stderr, "%s: %s\n", q.t.text, q.error);
            rc = q.exit_code;
        } else if (q.count_only) {
            printf("%" PRIu64 "\n", q.records);
        } else {
            fprintf(stderr, "%" PRIu64 " records\n", q.records);
        }
    }
    for (size_t i = 0; i < np; i++)
        free(pnames[i]);
    free(q.line);
    bv_target_free(&q.t);
    bv_conn_opts_free(&o);
    return rc;
}
