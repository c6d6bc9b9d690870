/* Fuzz target: the dechunker. Oracles: the same input fed whole, in pieces chosen by the
 * input, and through the zero-copy buffer interface gives the same messages and the same
 * final error; every message re-framed by our writer dechunks back to itself; pending() is 0
 * exactly when a run ends at a message boundary.
 *
 * Input: byte 0 = piece size selector (bits 0-4) and max_message selector (bits 5-7), then the
 * Bolt byte stream. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bolt/chunk.h"
#include "bolt/error.h"
#include "bolt/packstream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct out {
    uint8_t *data;
    size_t len, cap;
    size_t count;
    int rc;
    size_t pending;
    uint64_t noops;
} out;

static void add(out *o, const uint8_t *m, size_t n)
{
    /* Length-prefixed so that message boundaries are part of the comparison. */
    size_t need = o->len + n + sizeof n;
    if (need > o->cap) {
        o->cap = need * 2;
        o->data = realloc(o->data, o->cap);
        if (!o->data) abort();
    }
    memcpy(o->data + o->len, &n, sizeof n);
    memcpy(o->data + o->len + sizeof n, m, n);
    o->len = need;
    o->count++;
}

static void check_reframe(const uint8_t *m, size_t n)
{
    bolt_buf b;
    bolt_buf_init(&b);
    bolt_frame_message(&b, m, n, 1 + n % 7);
    bolt_dechunker d;
    bolt_dechunker_init(&d, 0);
    const uint8_t *r;
    size_t rl;
    if (bolt_dechunker_feed(&d, b.data, b.len) != 0) abort();
    if (bolt_dechunker_next(&d, &r, &rl) != 1 || rl != n || memcmp(r, m, n) != 0) abort();
    if (bolt_dechunker_pending(&d) != 0) abort();
    bolt_dechunker_free(&d);
    bolt_buf_free(&b);
}

static void run(const uint8_t *s, size_t len, size_t max_message, size_t piece, int zerocopy,
                out *o)
{
    bolt_dechunker d;
    bolt_dechunker_init(&d, max_message);
    memset(o, 0, sizeof *o);
    size_t off = 0;
    int rc = 0;
    while (off < len && rc >= 0) {
        size_t n = piece ? piece : len - off;
        if (n > len - off) n = len - off;
        if (zerocopy) {
            uint8_t *p;
            size_t avail;
            if (bolt_dechunker_buffer(&d, n, &p, &avail) != 0) abort();
            if (avail < n) abort(); /* at least the hint */
            memcpy(p, s + off, n);
            bolt_dechunker_commit(&d, n);
        } else if (bolt_dechunker_feed(&d, s + off, n) != 0) {
            abort();
        }
        off += n;
        const uint8_t *m;
        size_t ml;
        while ((rc = bolt_dechunker_next(&d, &m, &ml)) == 1) {
            if (ml == 0 || ml > (max_message ? max_message : BOLT_DEFAULT_MAX_MESSAGE)) abort();
            add(o, m, ml);
            if (o->count < 64) check_reframe(m, ml);
        }
    }
    o->rc = rc;
    o->pending = rc < 0 ? 0 : bolt_dechunker_pending(&d);
    o->noops = d.noops;
    if (rc >= 0 && d.messages != o->count) abort();
    bolt_dechunker_free(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    static const size_t limits[8] = {0, 1, 2, 16, 100, 1000, 65535, 70000};
    size_t piece = 1 + (data[0] & 0x1Fu);
    size_t max_message = limits[data[0] >> 5];
    const uint8_t *s = data + 1;
    size_t len = size - 1;

    out whole, pieces, zc;
    run(s, len, max_message, 0, 0, &whole);
    run(s, len, max_message, piece, 0, &pieces);
    run(s, len, max_message, piece, 1, &zc);
    const out *o[2] = {&pieces, &zc};
    for (int i = 0; i < 2; i++) {
        if (o[i]->rc != whole.rc || o[i]->count != whole.count || o[i]->len != whole.len ||
            o[i]->noops != whole.noops || o[i]->pending != whole.pending)
            abort();
        if (whole.len && memcmp(o[i]->data, whole.data, whole.len) != 0) abort();
    }
    free(whole.data);
    free(pieces.data);
    free(zc.data);
    return 0;
}
