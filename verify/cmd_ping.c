/* boltdiff ping: connects to every instance at once (one libuv loop) and reports what each one
 * is: negotiated Bolt version, server agent, version and edition (dbms.components(), read
 * mode), default database, TLS and certificate details, connect and round-trip latency.
 * Changes nothing on any server. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bolt/error.h"
#include "bolt/net.h"
#include "cmd_conn.h"
#include "verify/cli.h"

typedef struct inst {
    bv_target t;
    bolt_conn *conn;
    int exit_code; /* BV_EXIT_* of this instance */
    int err;
    char error[900];
    int closed;
    /* results */
    bolt_conn_info info;
    int has_info;
    char name[64], version[64], edition[32], db[128];
    int f_name, f_versions, f_edition;
    uint64_t rtt_ns;
    int has_rtt;
} inst;

static void set_error(inst *in, int err, int exit_code, const char *msg)
{
    if (in->exit_code) return;
    in->err = err;
    in->exit_code = exit_code;
    snprintf(in->error, sizeof in->error, "%s", msg);
}

static void copy_vstr(char *dst, size_t n, const bolt_value *v)
{
    if (v && v->type == BOLT_T_STRING)
        snprintf(dst, n, "%.*s", (int)(v->len < n ? v->len : n - 1), v->u.str);
}

static void keep_info(inst *in)
{
    in->info = *bolt_conn_get_info(in->conn);
    in->info.routing_table = NULL; /* owned by the connection: printed from it before close */
    in->has_info = 1;
}

static void on_ping(bolt_conn *c, int status, uint64_t ns, void *ud)
{
    inst *in = ud;
    if (status == 0) {
        in->rtt_ns = ns;
        in->has_rtt = 1;
    } else {
        set_error(in, status, bv_exit_for(status), bolt_conn_errmsg(c));
    }
    bolt_conn_close(c);
}

static void on_fields(bolt_conn *c, const bolt_value *fields, const bolt_value *meta, void *ud)
{
    inst *in = ud;
    (void)c;
    (void)meta;
    for (uint32_t i = 0; fields && fields->type == BOLT_T_LIST && i < fields->len; i++) {
        const bolt_value *f = &fields->u.items[i];
        if (bolt_value_str_eq(f, "name")) in->f_name = (int)i;
        if (bolt_value_str_eq(f, "versions")) in->f_versions = (int)i;
        if (bolt_value_str_eq(f, "edition")) in->f_edition = (int)i;
    }
}

static const bolt_value *col(const bolt_value *rec, int i)
{
    return i >= 0 && rec->type == BOLT_T_LIST && (uint32_t)i < rec->len ? &rec->u.items[i] : NULL;
}

static int on_record(bolt_conn *c, const bolt_value *rec, void *ud)
{
    inst *in = ud;
    (void)c;
    const bolt_value *name = col(rec, in->f_name);
    /* Several components may be listed; the kernel is the server's own version. */
    if (in->version[0] && !(name && name->len >= 5 && !memcmp(name->u.str, "Neo4j", 5))) return 0;
    copy_vstr(in->name, sizeof in->name, name);
    const bolt_value *vs = col(rec, in->f_versions);
    if (vs && vs->type == BOLT_T_LIST && vs->len > 0)
        copy_vstr(in->version, sizeof in->version, &vs->u.items[0]);
    copy_vstr(in->edition, sizeof in->edition, col(rec, in->f_edition));
    return 0;
}

static void on_summary(bolt_conn *c, const bolt_value *meta, void *ud)
{
    inst *in = ud;
    const bolt_conn_info *info = bolt_conn_get_info(c);
    /* The server's own version decides whether databases exist; the Bolt version whether the
     * summary names the one used (a 4.x server spoken to over Bolt 3 does not). */
    const char *v = in->version[0] ? in->version : info->server_agent;
    if (!strncmp(v, "Neo4j/", 6)) v += 6;
    if (atoi(v) > 0 && atoi(v) < 4)
        snprintf(in->db, sizeof in->db, "(single database)");
    else if (info->major <= 3)
        snprintf(in->db, sizeof in->db, "(not reported on Bolt %u)", info->major);
    else
        copy_vstr(in->db, sizeof in->db, bolt_map_get(meta, "db"));
    if (!in->db[0]) snprintf(in->db, sizeof in->db, "(not reported)");
    int r = bolt_conn_ping(c, on_ping, in);
    if (r < 0) {
        set_error(in, r, bv_exit_for(r), bolt_strerror(r));
        bolt_conn_close(c);
    }
}

static void on_failure(bolt_conn *c, const bolt_conn_failure *f, void *ud)
{
    inst *in = ud;
    char msg[900];
    if (f->code[0])
        snprintf(msg, sizeof msg, "CALL dbms.components() failed: %s: %s", f->code, f->message);
    else
        snprintf(msg, sizeof msg, "%s", f->message);
    set_error(in, f->err, bv_exit_for(f->err), msg);
    bolt_conn_close(c);
}

static void print_routing(FILE *out, const bolt_routing_table *t, int json);

static void on_ready(bolt_conn *c, int status, void *ud)
{
    inst *in = ud;
    if (status < 0) {
        char msg[900];
        snprintf(msg, sizeof msg, "%s", bolt_conn_errmsg(c));
        if (status == BOLT_E_AUTH) {
            size_t n = strlen(msg);
            snprintf(msg + n, sizeof msg - n, " (credentials: %s%s%s)", in->t.cred.origin,
                     in->t.cred.user ? ", user " : "", in->t.cred.user ? in->t.cred.user : "");
        }
        set_error(in, status, bv_exit_for(status), msg);
        bolt_conn_close(c);
        return;
    }
    keep_info(in);
    in->f_name = in->f_versions = in->f_edition = -1;
    bolt_query_callbacks cb = {on_fields, on_record, on_summary, on_failure, in, NULL};
    bolt_query_opts qo = {NULL, "r", 0, 0};
    int r = bolt_conn_run(c, "CALL dbms.components()", NULL, &qo, &cb);
    if (r < 0) {
        set_error(in, r, bv_exit_for(r), bolt_strerror(r));
        bolt_conn_close(c);
    }
}

static void on_closed(bolt_conn *c, void *ud)
{
    inst *in = ud;
    (void)c;
    in->closed = 1;
    in->conn = NULL;
}

/* ---- output --------------------------------------------------------------------------------- */

static void fmt_date(int64_t t, char *buf, size_t n)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (t == INT64_MIN || !gmtime_r(&tt, &tm)) {
        snprintf(buf, n, "unknown");
        return;
    }
    strftime(buf, n, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

static long days_left(int64_t not_after)
{
    int64_t d = not_after - (int64_t)time(NULL);
    return (long)(d >= 0 ? d / 86400 : -((-d + 86399) / 86400));
}

static const char *verified_name(int v)
{
    return v == 1 ? "verified" : v == 2 ? "pinned" : "not verified (+ssc)";
}

static void print_routing(FILE *out, const bolt_routing_table *t, int json)
{
    struct {
        const char *name;
        char **a;
        size_t n;
    } roles[3] = {{"routers", t->routers, t->router_count},
                  {"readers", t->readers, t->reader_count},
                  {"writers", t->writers, t->writer_count}};
    if (json) {
        fprintf(out, "{\"ttl\":%" PRId64 ",\"db\":", t->ttl);
        if (t->db)
            bv_json_str(out, t->db);
        else
            fputs("null", out);
        for (int r = 0; r < 3; r++) {
            fprintf(out, ",\"%s\":[", roles[r].name);
            for (size_t i = 0; i < roles[r].n; i++) {
                if (i) fputc(',', out);
                bv_json_str(out, roles[r].a[i]);
            }
            fputc(']', out);
        }
        fputc('}', out);
        return;
    }
    fprintf(out, "  routing table   ttl %" PRId64 " s", t->ttl);
    for (int r = 0; r < 3; r++) {
        fprintf(out, "; %s", roles[r].name);
        for (size_t i = 0; i < roles[r].n; i++)
            fprintf(out, "%s%s", i ? ", " : " ", roles[r].a[i]);
    }
    fputc('\n', out);
}

static void print_text(const inst *in, const char *routing_text)
{
    const bolt_conn_info *f = &in->info;
    printf("%s\n", in->t.text);
    printf("  address         %s (%s)\n", f->address, f->peer[0] ? f->peer : "?");
    if (f->seed[0]) printf("  routed from     %s\n", f->seed);
    if (routing_text) fputs(routing_text, stdout);
    printf("  bolt            %u.%u%s\n", f->major, f->minor, f->manifest ? " (manifest)" : "");
    printf("  server agent    %s\n", f->server_agent[0] ? f->server_agent : "(none)");
    printf("  version         %s %s%s%s\n", in->version[0] ? in->version : "?",
           in->edition[0] ? in->edition : "", in->name[0] ? " - " : "", in->name);
    printf("  database        %s\n", in->db);
    if (f->connection_id[0]) printf("  connection id   %s\n", f->connection_id);
    if (f->tls) {
        const bolt_tls_info *t = &f->tls_info;
        char date[40];
        fmt_date(t->not_after, date, sizeof date);
        printf("  tls             %s %s, certificate %s\n", t->version, t->cipher,
               verified_name(t->verified));
        printf("  subject         %s\n", t->subject);
        printf("  issuer          %s\n", t->issuer);
        printf("  sha-256         %s\n", t->sha256);
        if (t->not_after != INT64_MIN)
            printf("  expires         %s (%ld days)\n", date, days_left(t->not_after));
    } else {
        printf("  tls             none (plaintext)\n");
    }
    printf("  connect         %.1f ms\n", (double)f->connect_ns / 1e6);
    if (in->has_rtt) printf("  round trip      %.2f ms\n", (double)in->rtt_ns / 1e6);
}

static void print_json(const inst *in, const char *routing_json)
{
    const bolt_conn_info *f = &in->info;
    fputs("{\"uri\":", stdout);
    bv_json_str(stdout, in->t.text);
    if (in->exit_code) {
        printf(",\"ok\":false,\"exit_code\":%d,\"error_code\":", in->exit_code);
        bv_json_str(stdout, bolt_errname(in->err));
        fputs(",\"error\":", stdout);
        bv_json_str(stdout, in->error);
        fputc('}', stdout);
        return;
    }
    fputs(",\"ok\":true,\"address\":", stdout);
    bv_json_str(stdout, f->address);
    fputs(",\"peer\":", stdout);
    bv_json_str(stdout, f->peer);
    if (f->seed[0]) {
        fputs(",\"routed_from\":", stdout);
        bv_json_str(stdout, f->seed);
    }
    if (routing_json) printf(",\"routing_table\":%s", routing_json);
    printf(",\"bolt\":\"%u.%u\",\"manifest\":%s,\"server_agent\":", f->major, f->minor,
           f->manifest ? "true" : "false");
    bv_json_str(stdout, f->server_agent);
    fputs(",\"connection_id\":", stdout);
    bv_json_str(stdout, f->connection_id);
    fputs(",\"name\":", stdout);
    bv_json_str(stdout, in->name);
    fputs(",\"version\":", stdout);
    bv_json_str(stdout, in->version);
    fputs(",\"edition\":", stdout);
    bv_json_str(stdout, in->edition);
    fputs(",\"default_database\":", stdout);
    bv_json_str(stdout, in->db);
    if (f->tls) {
        const bolt_tls_info *t = &f->tls_info;
        fputs(",\"tls\":{\"version\":", stdout);
        bv_json_str(stdout, t->version);
        fputs(",\"cipher\":", stdout);
        bv_json_str(stdout, t->cipher);
        fputs(",\"certificate\":", stdout);
        bv_json_str(stdout, verified_name(t->verified));
        fputs(",\"subject\":", stdout);
        bv_json_str(stdout, t->subject);
        fputs(",\"issuer\":", stdout);
        bv_json_str(stdout, t->issuer);
        fputs(",\"sha256\":", stdout);
        bv_json_str(stdout, t->sha256);
        if (t->not_after != INT64_MIN)
            printf(",\"not_after\":%" PRId64 ",\"days_to_expiry\":%ld", t->not_after,
                   days_left(t->not_after));
        fputc('}', stdout);
    } else {
        fputs(",\"tls\":null", stdout);
    }
    printf(",\"connect_ms\":%.3f", (double)f->connect_ns / 1e6);
    if (in->has_rtt) printf(",\"round_trip_ms\":%.3f", (double)in->rtt_ns / 1e6);
    fputc('}', stdout);
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: boltdiff ping [options] URI...\n"
            "\n"
            "Connects to every instance at once and prints, for each: address, negotiated\n"
            "Bolt version, server agent, version and edition, default database, TLS version\n"
            "and cipher, certificate subject, issuer, SHA-256 fingerprint and days to\n"
            "expiry, connect and round-trip latency. Reads only: nothing is changed.\n"
            "\n"
            "URI: bolt://, bolt+s://, bolt+ssc://, neo4j://, neo4j+s://, neo4j+ssc://\n"
            "     then HOST[:PORT] (default port 7687; IPv6 as [::1]:7687)\n"
            "\n"
            "Options:\n"
            "  --json               one JSON document on stdout\n"
            "  -h, --help           this help\n" BV_CONN_OPTIONS_HELP "\n" BOLTDIFF_EXIT_CODES_HELP
            "With several instances the exit code is the worst: 3 before 4.\n");
}

int bv_cmd_ping(int argc, char **argv)
{
    bv_conn_opts o;
    bv_conn_opts_init(&o);
    int json = 0;
    const char *uris[BV_MAX_TARGETS];
    size_t n = 0;
    for (int i = 1; i < argc;) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return BV_EXIT_OK;
        }
        if (!strcmp(a, "--json")) {
            json = 1;
            i++;
            continue;
        }
        int r = bv_conn_opt(&o, argc, argv, &i, "ping");
        if (r < 0) return BV_EXIT_USAGE;
        if (r > 0) continue;
        if (a[0] == '-' && a[1]) {
            fprintf(stderr, "boltdiff ping: unknown option '%s' (see 'boltdiff ping --help')\n", a);
            return BV_EXIT_USAGE;
        }
        if (n == BV_MAX_TARGETS) {
            fprintf(stderr, "boltdiff ping: at most %d URIs\n", BV_MAX_TARGETS);
            return BV_EXIT_USAGE;
        }
        uris[n++] = a;
        i++;
    }
    if (n == 0) {
        fprintf(stderr, "boltdiff ping: no URI given (see 'boltdiff ping --help')\n");
        return BV_EXIT_USAGE;
    }
    if (bv_conn_opts_finish(&o, n, "ping") < 0) return BV_EXIT_USAGE;

    inst *ins = calloc(n, sizeof *ins);
    if (!ins) {
        fprintf(stderr, "boltdiff ping: out of memory\n");
        return BV_EXIT_USAGE;
    }
    int rc = BV_EXIT_OK;
    /* Every argument is checked before anything connects: a typo in the fifth URI should not
     * cost four connections first. */
    for (size_t i = 0; i < n; i++) {
        char err[700];
        int r = bv_target_prepare(&o, uris[i], i, &ins[i].t, err, sizeof err);
        if (r) {
            /* A URI that failed to parse may hold a password: never echo it then. */
            const char *label = ins[i].t.uri.host || !strchr(uris[i], '@') ? uris[i] : "URI";
            fprintf(stderr, "boltdiff ping: %s: %s\n", label, err);
            rc = r;
        }
    }
    int any_tls = 0;
    for (size_t i = 0; i < n; i++)
        any_tls |= ins[i].t.uri.host && ins[i].t.uri.security != BOLT_SEC_PLAIN;
    if (rc == BV_EXIT_OK && bv_conn_opts_check_tls(&o, any_tls, "ping") < 0) rc = BV_EXIT_USAGE;
    uv_loop_t loop;
    bolt_routing_cache *rcache = NULL;
    if (rc == BV_EXIT_OK) {
        uv_loop_init(&loop);
        rcache = bolt_routing_cache_new();
        for (size_t i = 0; i < n; i++) {
            bolt_conn_callbacks cb = {on_ready, on_closed, &ins[i]};
            ins[i].t.cfg.routing = rcache;
            int r = bolt_conn_open(&loop, &ins[i].t.cfg, &cb, &ins[i].conn);
            if (r < 0) {
                set_error(&ins[i], r, BV_EXIT_USAGE, bolt_strerror(r));
                ins[i].closed = 1;
            }
        }
        uv_run(&loop, UV_RUN_DEFAULT);

        int worst = BV_EXIT_OK;
        if (json) fputs("{\"instances\":[", stdout);
        for (size_t i = 0; i < n; i++) {
            inst *in = &ins[i];
            /* The routing table lives in the cache keyed by the seed address. */
            const bolt_routing_table *rt =
                in->info.seed[0] ? bolt_routing_cache_get(rcache, in->info.seed, NULL, 0) : NULL;
            char *rtext = NULL;
            size_t rlen = 0;
            if (rt && !in->exit_code) {
                FILE *m = open_memstream(&rtext, &rlen);
                if (m) {
                    print_routing(m, rt, json);
                    fclose(m);
                }
            }
            if (json) {
                if (i) fputc(',', stdout);
                print_json(in, rtext);
            } else if (in->exit_code) {
                fprintf(stderr, "%s: %s\n", in->t.text, in->error);
            } else {
                print_text(in, rtext);
            }
            free(rtext);
            if (in->exit_code == BV_EXIT_CONNECT || (in->exit_code && worst != BV_EXIT_CONNECT))
                worst = in->exit_code;
        }
        if (json) printf("],\"ok\":%s,\"exit_code\":%d}\n", worst ? "false" : "true", worst);
        rc = worst;
        uv_loop_close(&loop);
    }
    for (size_t i = 0; i < n; i++)
        bv_target_free(&ins[i].t);
    bolt_routing_cache_free(rcache);
    bv_conn_opts_free(&o);
    free(ins);
    return rc;
}
