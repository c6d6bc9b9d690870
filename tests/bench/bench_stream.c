/* boltdiff's streaming path, timed on one result stream: bolt_conn on a libuv loop (TCP read
 * straight into the session's buffer, no TLS), the session's dechunker, and the canonical
 * XXH3-128 hash of every node (verify/canon.h), gathered into an order-independent digest.
 * Two ways to the hash, the same hashes (the digest is printed to compare):
 *
 *   default  raw records (bolt_conn on_record_raw): each field hashed straight from its
 *            PackStream bytes by bv_canon_scan_hash128; a record it declines is decoded and
 *            hashed by the tree path instead (counted in "declined", which is 0 on valid data)
 *   --tree   every record decoded into a bolt_value tree, then bv_canon_hash128
 *
 *   bench_stream --port P [--host 127.0.0.1] [--bolt 5.8] [--fetch -1|N] [--query TEXT]
 *                [--tree] [--no-hash]
 *
 * Authentication is scheme "none" (the benchmark server runs with --no-auth). Only one Bolt
 * version is proposed, so that the clients of scripts/bench.sh read the same bytes.
 * --no-hash (with --tree) stops after decoding, to split the cost.
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
    int hash, tree;
    bv_canon canon;
    bolt_arena arena; /* the scanner's sub-values (zone-id DateTimes, ...) */
    uint64_t declined;
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

/* Size of the list header at p (a RECORD's fields): the count, or -1. */
static int64_t list_header(const uint8_t *p, size_t n, size_t *hdr)
{
    if (n < 1) return -1;
    if ((p[0] & 0xF0u) == 0x90u) {
        *hdr = 1;
        return p[0] & 0x0F;
    }
    if (p[0] == 0xD4 && n >= 2) {
        *hdr = 2;
        return p[1];
    }
    return -1; /* longer records are left to the decoder */
}

/* The raw path: msg is the RECORD message (B1 71, then the list of fields). The node hashes of
 * a record are added only once all of its fields were hashed, so a record handed back to the
 * decoder is never counted twice. */
static int on_record_raw(bolt_conn *c, const uint8_t *msg, size_t len, void *ud)
{
    bench *b = ud;
    size_t off = 2, hdr = 0;
    int64_t n = list_header(msg + off, len - off, &hdr);
    bv_h128 h[16];
    int nodes = 0;
    if (n < 0 || n > 16) goto decode;
    off += hdr;
    const bolt_dialect *dl = bolt_conn_dialect(c);
    /* the field values sit inside the record's list: one level of the decoder's depth */
    bolt_decoder d = {dl, &b->arena, BOLT_DEFAULT_MAX_DEPTH - 1, 0};
    for (int64_t i = 0; i < n; i++) {
        size_t used;
        bv_h128 fh;
        int is_node = len - off >= 2 && (msg[off] & 0xF0u) == 0xB0u && msg[off + 1] == 0x4E;
        if (bv_canon_scan_hash128(&b->canon, &d, msg + off, len - off, &used, &fh, &b->notes))
            goto decode;
        if (is_node) h[nodes++] = fh;
        off += used;
    }
    bolt_arena_reset(&b->arena);
    if (off != len) goto decode; /* trailing bytes: the decoder names the error */
    b->records++;
    for (int i = 0; i < nodes; i++)
        bv_multiset_add(&b->digest, h[i]);
    b->nodes += (uint64_t)nodes;
    return 0;
decode:
    bolt_arena_reset(&b->arena);
    b->declined++;
    return BOLT_RECORD_DECODE;
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
    qcb.on_record_raw = b->hash && !b->tree ? on_record_raw : NULL;
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
    b.tree = args.tree || args.no_hash;
    bolt_arena_init(&b.arena, 4096, 0);

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
    bolt_arena_free(&b.arena);
    if (b.failed || b.t1 == 0) {
        if (!b.failed) fprintf(stderr, "bench_stream: the stream ended without a summary\n");
        return 1;
    }
    char hex[BV_H128_HEX_SIZE];
    bv_h128_hex(bv_multiset_digest(&b.digest), hex);
    printf("{\"client\":\"boltdiff\",\"bolt\":\"%u.%u\",\"fetch\":%lld,\"records\":%llu,"
           "\"bytes\":%llu,\"seconds\":%.6f,\"nodes\":%llu,\"notes\":%u,\"digest\":\"%s\","
           "\"path\":\"%s\",\"declined\":%llu,\"hwm_kib\":%ld}\n",
           major, minor, (long long)b.fetch, (unsigned long long)b.records,
           (unsigned long long)b.bytes, b.t1 - b.t0, (unsigned long long)b.nodes, b.notes,
           b.hash ? hex : "", b.tree ? "tree" : "in-place", (unsigned long long)b.declined,
           bench_peak_rss_kib());
    return 0;
}
