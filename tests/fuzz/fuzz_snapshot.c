/* libFuzzer target for the snapshot reader (verify/snapshot*.c).
 *
 * A random file almost never carries a valid checksum, so the first input byte picks what the
 * rest is: 's' (sealed) wraps the bytes in a valid header (magic, version 1, length, XXH3-128
 * checksum) so that the payload reader itself is fuzzed; anything else hands the bytes to the
 * reader as a whole file (header checks). Seeds: real snapshots of the fixture personas in
 * both forms.
 *
 * Oracles (any violation abort()s, which libFuzzer and the ctest replay both report):
 *   - a refused input returns one of the documented codes, with a one-line message, and leaves
 *     the measurement empty (the sanitizers check that nothing leaked or was read out of bounds);
 *   - an accepted measurement can be written again (the reader is at least as strict as the
 *     writer), reads back, and writes to the same bytes (the encoding is canonical);
 *   - every sampled key of an accepted file goes through the key rebuilder (a parser of its
 *     own) without harm. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bolt/alloc.h"
#include "bolt/error.h"
#include "verify/hash.h"
#include "verify/snapshot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_snapshot: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    abort();
}

static void put_be(uint8_t *p, uint64_t v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

/* The bytes as the payload of a well-formed file. */
static uint8_t *seal(const uint8_t *payload, size_t len, size_t *out_len)
{
    uint8_t *f = malloc(40 + len);
    if (!f) return NULL;
    memcpy(f, "BOLTDIFF-SNAP", 14);
    put_be(f + 14, 1, 2);
    put_be(f + 16, len, 8);
    if (len) memcpy(f + 40, payload, len);
    bv_hasher h;
    bv_hasher_init(&h, 0);
    bv_hasher_update(&h, f, 24);
    bv_hasher_update(&h, f + 40, len);
    bv_h128 d = bv_hasher_digest128(&h);
    put_be(f + 24, d.hi, 8);
    put_be(f + 32, d.lo, 8);
    *out_len = 40 + len;
    return f;
}

static void check_refusal(int rc, const char *err, const bv_measurement *m)
{
    if (rc != BOLT_E_SNAPSHOT && rc != BOLT_E_TRUNCATED && rc != BOLT_E_TRAILING &&
        rc != BOLT_E_UNSUPPORTED && rc != BOLT_E_CHECKSUM && rc != BOLT_E_NOMEM)
        fail("undocumented error code", bolt_errname(rc));
    if (!err[0] || strchr(err, '\n')) fail("error message is not one line", err);
    if (m->sample || m->schema || m->coverage || m->labels.items || m->inventory.version ||
        m->source || m->full_digests)
        fail("a refused file left data in the measurement", err);
}

static void check_keys(const bv_measurement *m)
{
    bolt_arena a;
    bolt_arena_init(&a, 512, 1u << 20);
    for (size_t i = 0; i < m->sample_count; i++) {
        bolt_value v;
        int rc = bv_snapshot_key_value(&m->sample[i], &a, &v);
        if (rc != 0 && rc != BOLT_E_UNSUPPORTED && rc != BOLT_E_NOMEM)
            fail("key rebuilder returned an undocumented code", bolt_errname(rc));
        bolt_arena_reset(&a);
    }
    bolt_arena_free(&a);
}

static void check_accepted(const bv_measurement *m)
{
    char err[512];
    uint8_t *once = NULL, *twice = NULL;
    size_t l1 = 0, l2 = 0;
    if (bv_snapshot_encode(m, &once, &l1, err, sizeof err) != 0)
        fail("an accepted measurement cannot be written", err);
    bv_measurement back;
    if (bv_snapshot_decode(once, l1, &back, err, sizeof err) != 0)
        fail("a written measurement does not read back", err);
    if (bv_snapshot_encode(&back, &twice, &l2, err, sizeof err) != 0)
        fail("a re-read measurement cannot be written", err);
    if (l1 != l2 || memcmp(once, twice, l1)) fail("the encoding is not canonical", NULL);
    bv_measurement_free(&back);
    bolt_free(once);
    bolt_free(twice);
    check_keys(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    uint8_t *sealed = NULL;
    const uint8_t *file = data + 1;
    size_t len = size - 1;
    if (data[0] == 's') {
        if (!(sealed = seal(data + 1, size - 1, &len))) return 0;
        file = sealed;
    }
    bv_measurement m;
    char err[512];
    int rc = bv_snapshot_decode(file, len, &m, err, sizeof err);
    if (rc != 0)
        check_refusal(rc, err, &m);
    else
        check_accepted(&m);
    bv_measurement_free(&m);
    free(sealed);
    return 0;
}
