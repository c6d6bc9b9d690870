/* Micro-benchmark of the PackStream decoder on a realistic RECORD: one Node with 3 labels and
 * 15 properties of mixed types (strings, ints, floats, a DateTime, a Date, a list, a point).
 * NOT a test (timings never belong in tests): run it through scripts/bench-decode.sh.
 *
 *   bench_decode [--records N] [--runs R]
 *
 * Each run decodes N back-to-back records the way the message layer does (struct header peek,
 * then the field list, arena reset per record) and the median run is reported, for a Bolt 3
 * (legacy F datetime) and a Bolt 5 (element ids, UTC I datetime) record. A memcpy of the same
 * bytes is printed as a yardstick for memory bandwidth on this machine. Then the node's canonical
 * hash both ways the verifier can take: decode + bv_canon_hash128 on the tree, and
 * bv_canon_scan_hash128 straight from the bytes (which must give the same hashes: checked). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bolt/error.h"
#include "bolt/packstream.h"
#include "verify/canon.h"

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void pack_kv_str(bolt_buf *b, const char *k, const char *v)
{
    bolt_pack_cstr(b, k);
    bolt_pack_cstr(b, v);
}

/* RECORD (B1 71) holding [Node]. */
static void pack_record(bolt_buf *b, int bolt5, int64_t id)
{
    bolt_pack_struct_header(b, 1, 0x71);
    bolt_pack_list_header(b, 1);
    bolt_pack_struct_header(b, bolt5 ? 4 : 3, 0x4E);
    bolt_pack_int(b, id);
    bolt_pack_list_header(b, 3);
    bolt_pack_cstr(b, "Person");
    bolt_pack_cstr(b, "Employee");
    bolt_pack_cstr(b, "Customer");
    bolt_pack_map_header(b, 15);
    bolt_pack_cstr(b, "uid");
    bolt_pack_int(b, 1000000 + id);
    pack_kv_str(b, "name", "Alice Example");
    pack_kv_str(b, "email", "alice.example@example.com");
    bolt_pack_cstr(b, "age");
    bolt_pack_int(b, 42);
    bolt_pack_cstr(b, "score");
    bolt_pack_float(b, 0.875);
    bolt_pack_cstr(b, "balance");
    bolt_pack_float(b, 12345.67);
    bolt_pack_cstr(b, "active");
    bolt_pack_bool(b, 1);
    bolt_pack_cstr(b, "created");
    bolt_pack_struct_header(b, 3, bolt5 ? 0x49 : 0x46);
    bolt_pack_int(b, bolt5 ? 1592224200 : 1592231400);
    bolt_pack_int(b, 123000000);
    bolt_pack_int(b, 7200);
    bolt_pack_cstr(b, "birthday");
    bolt_pack_struct_header(b, 1, 0x44);
    bolt_pack_int(b, 4600);
    bolt_pack_cstr(b, "tags");
    bolt_pack_list_header(b, 3);
    bolt_pack_cstr(b, "vip");
    bolt_pack_cstr(b, "newsletter");
    bolt_pack_cstr(b, "beta");
    bolt_pack_cstr(b, "location");
    bolt_pack_struct_header(b, 3, 0x58);
    bolt_pack_int(b, 4326);
    bolt_pack_float(b, 13.404954);
    bolt_pack_float(b, 52.520008);
    bolt_pack_cstr(b, "visits");
    bolt_pack_int(b, 100000 + id % 1000);
    bolt_pack_cstr(b, "ratio");
    bolt_pack_float(b, 0.3333333333333333);
    pack_kv_str(b, "note", "Migrated from the legacy CRM in 2019; verified by ops.");
    bolt_pack_cstr(b, "manager");
    bolt_pack_null(b);
    if (bolt5) bolt_pack_cstr(b, "4:1c7a2f3e-8d4b-4c1e-9f2a-7b3c5d6e8f90:123456");
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Decodes every record of buf; returns a checksum so the work cannot be optimised away. */
static uint64_t decode_all(const bolt_decoder *d, const uint8_t *buf, size_t len, int *err)
{
    uint64_t sum = 0;
    size_t off = 0;
    while (off < len) {
        uint8_t fields, tag;
        size_t used;
        int rc = bolt_decode_struct_header(buf + off, len - off, &fields, &tag, &used);
        if (rc == 0) {
            off += used;
            bolt_value v;
            rc = bolt_decode(d, buf + off, len - off, &v, &used);
            if (rc == 0) sum += v.len + (uint64_t)v.u.items[0].u.items[0].u.i;
        }
        if (rc != 0) {
            *err = rc;
            return 0;
        }
        off += used;
        bolt_arena_reset(d->arena);
    }
    return sum;
}

/* The canonical hash of every record's node, by the tree (decode, then bv_canon_hash128) or in
 * place (bv_canon_scan_hash128); returns the sum of the hashes, to compare both ways. */
static uint64_t hash_all(const bolt_decoder *d, const bv_canon *c, int in_place, const uint8_t *buf,
                         size_t len, int *err)
{
    uint64_t sum = 0;
    size_t off = 0;
    while (off < len) {
        /* B1 71 91: RECORD with one field */
        if (len - off < 3) {
            *err = BOLT_E_TRUNCATED;
            return 0;
        }
        off += 3;
        bv_h128 h;
        size_t used = 0;
        int rc;
        if (in_place) {
            rc = bv_canon_scan_hash128(c, d, buf + off, len - off, &used, &h, NULL);
        } else {
            bolt_value v;
            rc = bolt_decode(d, buf + off, len - off, &v, &used);
            if (rc == 0) rc = bv_canon_hash128(c, &v, &h, NULL);
        }
        if (rc != 0) {
            *err = rc;
            return 0;
        }
        sum += h.lo ^ h.hi;
        off += used;
        bolt_arena_reset(d->arena);
    }
    return sum;
}

static int bench(int bolt5, int records, int runs)
{
    bolt_buf b;
    bolt_buf_init(&b);
    for (int i = 0; i < records; i++)
        pack_record(&b, bolt5, 123456 + i);
    if (b.err) {
        fprintf(stderr, "bench_decode: building records: %s\n", bolt_strerror(b.err));
        return 1;
    }
    bolt_dialect dl;
    bolt_dialect_for(&dl, bolt5 ? 5 : 3, 0, 0);
    bolt_arena arena;
    bolt_arena_init(&arena, 4096, 0);
    bolt_decoder d = {&dl, &arena, 0, 0};

    double *t = malloc(sizeof *t * (size_t)runs), *tc = malloc(sizeof *tc * (size_t)runs);
    double *tt = malloc(sizeof *tt * (size_t)runs), *ts = malloc(sizeof *ts * (size_t)runs);
    bv_canon canon = {NULL, 0};
    uint64_t tree_sum = 0, scan_sum = 0;
    uint8_t *copy = malloc(b.len);
    uint64_t check = 0;
    int err = 0;
    decode_all(&d, b.data, b.len, &err); /* warm-up: caches, arena block */
    for (int r = 0; r < runs && !err; r++) {
        double t0 = now_ns();
        check += decode_all(&d, b.data, b.len, &err);
        t[r] = now_ns() - t0;
        t0 = now_ns();
        memcpy(copy, b.data, b.len);
        tc[r] = now_ns() - t0;
        check += copy[r % b.len];
        t0 = now_ns();
        tree_sum = hash_all(&d, &canon, 0, b.data, b.len, &err);
        tt[r] = now_ns() - t0;
        t0 = now_ns();
        scan_sum = hash_all(&d, &canon, 1, b.data, b.len, &err);
        ts[r] = now_ns() - t0;
    }
    if (err) {
        fprintf(stderr, "bench_decode: decoding failed: %s\n", bolt_strerror(err));
        return 1;
    }
    if (tree_sum != scan_sum) {
        fprintf(stderr, "bench_decode: the in-place hashes differ from the tree hashes\n");
        return 1;
    }
    double med = median(t, runs), medc = median(tc, runs);
    double medt = median(tt, runs), meds = median(ts, runs);
    double rec_bytes = (double)b.len / records;
    printf("Bolt %d record (%.0f bytes, Node 3 labels + 15 props): %d records x %d runs\n",
           bolt5 ? 5 : 3, rec_bytes, records, runs);
    printf("  decode: %8.1f MB/s  %7.1f ns/record  (median run %.2f ms)\n",
           (double)b.len / (med / 1e9) / 1e6, med / records, med / 1e6);
    printf("  memcpy: %8.1f MB/s  (same bytes, for scale)   [checksum %llu]\n",
           (double)b.len / (medc / 1e9) / 1e6, (unsigned long long)(check % 1000));
    printf("  decode + canonical hash (tree):  %7.1f ns/record\n", medt / records);
    printf("  canonical hash in place (scan):  %7.1f ns/record  (%.2fx faster, same hashes)\n",
           meds / records, medt / meds);
    free(t);
    free(tc);
    free(tt);
    free(ts);
    free(copy);
    bolt_arena_free(&arena);
    bolt_buf_free(&b);
    return 0;
}

int main(int argc, char **argv)
{
    int records = 20000, runs = 15;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--records") && i + 1 < argc) {
            records = atoi(argv[++i]);
        } else if (!strcmp(argv[i], "--runs") && i + 1 < argc) {
            runs = atoi(argv[++i]);
        } else {
            fprintf(stderr, "usage: bench_decode [--records N] [--runs R]\n");
            return 2;
        }
    }
    if (records < 1 || runs < 1) {
        fprintf(stderr, "bench_decode: --records and --runs must be positive\n");
        return 2;
    }
    return bench(0, records, runs) || bench(1, records, runs);
}
