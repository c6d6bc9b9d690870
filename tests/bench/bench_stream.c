/* boltdiff's real streaming path, as the verifier runs it, timed on one result stream:
 * bolt_conn on a libuv loop (TCP read straight into the session's buffer, no TLS), the
 * session's dechunker, the PackStream decoder with the negotiated dialect, and the canonical
 * XXH3-128 hash of every node (verify/canon.h), gathered into an order-independent digest.
 *
 *   bench_stream --port P [--host 127.0.0.1] [--bolt 5.8] [--fetch -1|N] [--query TEXT]
 *                [--no-hash]
 *
 * Authentication is scheme "none" (the benchmark server runs with --no-auth). Only one Bolt
 * version is proposed, so that the three clients of scripts/bench.sh read the same bytes.
 * --no-hash stops after decoding (to split the cost; the benchmark uses the full path).
 *
 * Prints one JSON line: {"client":"boltdiff","records":N,"bytes":B,"seconds":S,"digest":...};
 * seconds run from bolt_conn_open() to the final SUCCESS. Exit 1 on any failure.
 * NOT a test: a benchmark tool, see docs/benchmarks.md. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <uv.h>

#include "bolt/error.h"
#include "bolt/net.h"
#include "verify/canon.h"
#include "verify/hash.h"
#include "verify/tzdb.h"
#include "bench_client.h"

typedef struct bench {
    const char *query;
    int64_t fetch;
    int hash;
    bv_canon canon;
    bv_multiset digest; /* of every node's canonical hash: the same set, the same digest */
    uint64_t records, nodes, bytes;
    unsigned notes;
    int failed;
    double t0, t1;
} bench;

static int on_record(bolt_conn *c, const bolt_value *record, void *ud)
{
    bench *b = ud;
    b->records++;
    if (!b->hash) return 0;
    for (uint32_t i = 0; i < record->len; i++) {
        const bolt_value *v = &record->u.items[i];
        if (v->type != BOLT_T_NODE) continue;
        bv_h128 h;
        int rc = bv_canon_hash128(&b->canon, v, &h, &b->notes);
        if (rc) {
            fprintf(stderr, "bench_stream: hashing record %llu: %s\n",
                    (unsigned long long)b->records, bolt_strerror(rc));
            b->failed = 1;
            bolt_conn_close(c);
            return 1;
        }
        bv_multiset_add(&b->digest, h);
        b->nodes++;
    }
    return 0;
}

static void on_summary(bolt_conn *c, const bolt_value *meta, void *ud)
{
    bench *b = ud;
    b->t1 = bench_now_s();
    b->bytes = bolt_conn_get_info(c)->bytes_in;
    bolt_conn_close(c);
}

static void on_failure(bolt_conn *c, const bolt_conn_failure *f, void *ud)
{
    bench *b = ud;
    fprintf(stderr, "bench_stream: query failed: %s%s%s\n", f->code, *f->code ? ": " : "",
            f->message);
    b->failed = 1;
    bolt_conn_close(c);
}

static void on_ready(bolt_conn *c, int status, void *ud)
{
    bench *b = ud;
    if (status) {
        fprintf(stderr, "bench_stream: %s\n", bolt_conn_errmsg(c));
        b->failed = 1;
        bolt_conn_close(c);
        return;
    }
    static bolt_query_callbacks qcb;
    qcb.on_record = on_record;
    qcb.on_summary = on_summary;
    qcb.on_failure = on_failure;
    qcb.ud = b;
    bolt_query_opts qo = {NULL, "r", 0, b->fetch};
    int rc = bolt_conn_run(c, b->query, NULL, &qo, &qcb);
    if (rc) {
        fprintf(stderr, "bench_stream: cannot run the query: %s\n", bolt_strerror(rc));
        b->failed = 1;
        bolt_conn_close(c);
    }
}

static void on_closed(bolt_conn *c, void *ud)
{
    (void)c;
    (void)ud;
}

int main(int argc, char **argv)
{
    bench_args args;
    int code = bench_parse_args(argc, argv, "bench_stream", 1, &args);
    if (code) return code;
    const char *host = args.host, *port = args.port;
    unsigned major = args.major, minor = args.minor;
    bench b;
    memset(&b, 0, sizeof b);
    b.query = args.query;
    b.fetch = args.fetch;
    b.hash = !args.no_hash;

    char text[300], err[256];
    snprintf(text, sizeof text, "bolt://%s:%s", host, port);
    bolt_uri uri;
    memset(&uri, 0, sizeof uri);
    if (bolt_uri_parse(text, &uri, err, sizeof err)) {
        fprintf(stderr, "bench_stream: %s\n", err);
        return 1;
    }
    /* The tz database the verifier uses; zone-id datetimes would be resolved through it. */
    bv_tzdb *tz = NULL;
    if (bv_tzdb_new(NULL, &tz)) tz = NULL;
    b.canon.tzdb = tz;
    bv_multiset_init(&b.digest);

    uint32_t proposals[4] = {major >= 4 ? (minor << 8 | major) : major, 0, 0, 0};
    bolt_conn_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.uri = &uri;
    cfg.auth.scheme = BOLT_AUTH_NONE;
    cfg.user_agent = "boltdiff-bench/1";
    cfg.proposals = proposals;
    cfg.fetch_size = b.fetch;
    bolt_conn_callbacks cb = {on_ready, on_closed, &b};

    uv_loop_t loop;
    uv_loop_init(&loop);
    bolt_conn *c = NULL;
    b.t0 = bench_now_s();
    int rc = bolt_conn_open(&loop, &cfg, &cb, &c);
    if (rc) {
        fprintf(stderr, "bench_stream: %s\n", bolt_strerror(rc));
        return 1;
    }
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    bolt_uri_free(&uri);
    bv_tzdb_free(tz);
    if (b.failed || b.t1 == 0) {
        if (!b.failed) fprintf(stderr, "bench_stream: the stream ended without a summary\n");
        return 1;
    }
    char hex[BV_H128_HEX_SIZE];
    bv_h128_hex(bv_multiset_digest(&b.digest), hex);
    printf("{\"client\":\"boltdiff\",\"bolt\":\"%u.%u\",\"fetch\":%lld,\"records\":%llu,"
           "\"bytes\":%llu,\"seconds\":%.6f,\"nodes\":%llu,\"notes\":%u,\"digest\":\"%s\","
           "\"hwm_kib\":%ld}\n",
           major, minor, (long long)b.fetch, (unsigned long long)b.records,
           (unsigned long long)b.bytes, b.t1 - b.t0, (unsigned long long)b.nodes, b.notes,
           b.hash ? hex : "", bench_peak_rss_kib());
    return 0;
}
