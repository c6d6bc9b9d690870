/* libFuzzer target: the in-place canonical hasher (bv_canon_scan_hash128, verify/canon_scan.c)
 * against the reference path it replaces, decode + bv_canon_hash128, on arbitrary bytes.
 *
 * For every input, under several Bolt versions, depth limits and canonicalisation flags:
 *   - when the scanner hashes, the decoder must accept the same bytes, consume exactly as many,
 *     and the tree hash must succeed with the same hash and the same notes;
 *   - when the decoder accepts and the tree hash succeeds, the scanner may decline only for a
 *     reason it documents: never, here, since nothing in these inputs is beyond it (so a
 *     decline is reported too: a fast path that silently falls back would hide a slow path).
 * The first byte of the input picks the flags and a node-heavy prefix so that the fuzzer reaches
 * Nodes and property maps without having to invent struct headers. Any violation abort()s. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bolt/error.h"
#include "bolt/packstream.h"
#include "verify/canon.h"
#include "verify/tzdb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const bolt_dialect *dl, unsigned depth, int a, int b)
{
    fprintf(stderr, "fuzz_canon_scan: %s (Bolt %u.%u, max_depth %u): %s / %s\n", what, dl->major,
            dl->minor, depth, bolt_errname(a), bolt_errname(b));
    abort();
}

static void check(const bv_canon *c, const bolt_dialect *dl, unsigned depth, bolt_arena *arena,
                  const uint8_t *p, size_t n)
{
    bolt_decoder d = {dl, arena, depth, 0};
    bv_h128 fast = {0, 0}, slow = {0, 0};
    unsigned fnotes = 0, snotes = 0;
    size_t fused = 0, sused = 0;
    int frc = bv_canon_scan_hash128(c, &d, p, n, &fused, &fast, &fnotes);
    bolt_arena_reset(arena);

    bolt_value v;
    int drc = bolt_decode(&d, p, n, &v, &sused);
    int hrc = drc == 0 ? bv_canon_hash128(c, &v, &slow, &snotes) : drc;

    if (frc == 0) {
        if (hrc != 0) fail("scanner hashed what the reference path rejects", dl, depth, frc, hrc);
        if (fused != sused) fail("scanner consumed a different length", dl, depth, 0, 0);
        if (fast.lo != slow.lo || fast.hi != slow.hi) fail("hashes differ", dl, depth, 0, 0);
        if (fnotes != snotes) fail("notes differ", dl, depth, 0, 0);
    } else if (frc != BV_CANON_SCAN_DECLINED) {
        if (frc != BOLT_E_NOMEM) fail("scanner error", dl, depth, frc, hrc);
    } else if (hrc == 0) {
        fail("scanner declined a value the reference path hashes", dl, depth, frc, hrc);
    }
    bolt_arena_reset(arena);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct {
        uint8_t major, minor, utc;
    } versions[] = {{3, 0, 0}, {4, 4, 1}, {5, 8, 0}, {6, 0, 0}};
    static const unsigned depths[] = {0, 3, 5};
    static bv_tzdb *tz;
    static int tz_tried;
    if (!tz_tried) {
        tz_tried = 1;
        if (bv_tzdb_new(NULL, &tz)) tz = NULL; /* without one, zone ids are noted unknown */
    }
    if (size == 0) return 0;
    uint8_t mode = data[0];
    data++;
    size--;

    bv_canon c = {tz, 0};
    if (mode & 1) c.flags |= BV_CANON_FOLD_NEGZERO;
    if (mode & 2) c.flags |= BV_CANON_ZONE_INSTANT;

    /* Mode bit 2: prefix a Node header (B3/B4 4E, id 1, no labels) so the rest is read as its
     * property map and element id; bit 3: a one-label prefix. */
    uint8_t buf[4096 + 16];
    bolt_arena arena;
    bolt_arena_init(&arena, 1024, (size_t)64 << 20);
    for (size_t i = 0; i < sizeof versions / sizeof versions[0]; i++) {
        bolt_dialect dl;
        bolt_dialect_for(&dl, versions[i].major, versions[i].minor, versions[i].utc);
        const uint8_t *p = data;
        size_t n = size;
        if ((mode & 12) && size <= 4096) {
            size_t k = 0;
            buf[k++] = dl.element_ids ? 0xB4 : 0xB3;
            buf[k++] = 0x4E;
            buf[k++] = 0x01;
            if (mode & 8) {
                buf[k++] = 0x91;
                buf[k++] = 0x81;
                buf[k++] = 'L';
            } else {
                buf[k++] = 0x90;
            }
            memcpy(buf + k, data, size);
            p = buf;
            n = size + k;
        }
        for (size_t j = 0; j < sizeof depths / sizeof depths[0]; j++)
            check(&c, &dl, depths[j], &arena, p, n);
    }
    bolt_arena_free(&arena);
    return 0;
}
