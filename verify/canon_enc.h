/* verify/canon_enc.h - the canonical byte stream's writer, shared by the tree encoder (canon.c)
 * and the in-place scanner (canon_scan.c), which must write the very same bytes: type tags, the
 * staging buffer that goes to XXH3 in one call when it fits, and the fixed-width little-endian
 * primitives. Private to verify/. The layout is docs/canonical-values.md, "Encoding". */
#ifndef VERIFY_CANON_ENC_H
#define VERIFY_CANON_ENC_H

#include "canon_internal.h"

#include "bolt/alloc.h"
#include "bolt/error.h"

#include <string.h>

/* Type tags of the canonical stream (docs/canonical-values.md, "Encoding"). */
enum {
    TAG_NULL = 'N',
    TAG_BOOL = 'B',
    TAG_INT = 'I',
    TAG_FLOAT = 'F',
    TAG_STRING = 'S',
    TAG_BYTES = 'X',
    TAG_LIST = 'L',
    TAG_MAP = 'M',
    TAG_NODE = 'n',
    TAG_REL = 'r',
    TAG_PATH = 'p',
    TAG_DATE = 'D',
    TAG_TIME = 'T',
    TAG_LOCAL_TIME = 't',
    TAG_LOCAL_DATETIME = 'd',
    TAG_DATETIME = 'O',      /* (utc seconds, nanos, offset) */
    TAG_DATETIME_ZONE = 'Z', /* (local seconds, nanos, zone) */
    TAG_DATETIME_ZUTC = 'z', /* (utc seconds, nanos, zone): instant form */
    TAG_DURATION = 'E',
    TAG_POINT2D = 'P',
    TAG_POINT3D = 'Q',
    TAG_VECTOR = 'V',
    TAG_UNSUPPORTED = 'U',
    TAG_STRUCT = 'R'
};

#define NAN_BITS UINT64_C(0x7FF8000000000000)
#define INLINE_KV 64
#define STAGE 1024 /* canonical bytes staged before they go to XXH3 */

typedef struct enc {
    const bv_canon *c;
    bv_hasher *h;     /* where full stages go; NULL while a one-shot hash has not spilled */
    bv_hasher *spill; /* one-shot mode: the hasher started when the stage overflows */
    unsigned *notes;
    bv_kv *kv; /* scratch stack of map entries / labels */
    size_t cap, top;
    uint32_t len;     /* bytes in stage */
    uint32_t flushes; /* stages handed to the hasher (canon_scan.c rewinds only within one) */
    unsigned char stage[STAGE];
    bv_kv inline_kv[INLINE_KV];
} enc;

/* h: stream into this (initialised) hasher. h NULL: one-shot mode, spill into *spill (which is
 * initialised here only if the value outgrows the stage); finish with enc_digest(). */
static inline void enc_init(enc *e, const bv_canon *c, bv_hasher *h, bv_hasher *spill,
                            unsigned *notes)
{
    e->c = c;
    e->h = h;
    e->spill = spill;
    e->notes = notes;
    e->kv = e->inline_kv;
    e->cap = INLINE_KV;
    e->top = 0;
    e->len = 0;
    e->flushes = 0;
}

/* Hands the staged bytes to the hasher (starting the spill hasher in one-shot mode). */
static inline void stage_flush(enc *e)
{
    if (!e->h) {
        bv_hasher_init(e->spill, 0);
        e->h = e->spill;
    }
    if (e->len) bv_hasher_update(e->h, e->stage, e->len);
    e->len = 0;
    e->flushes++;
}

/* Streaming mode: everything staged goes to the caller's hasher. */
static inline void enc_finish(enc *e)
{
    if (e->len) stage_flush(e);
}

/* One-shot mode: the digest of everything written. */
static inline bv_h128 enc_digest(enc *e)
{
    if (!e->h) return bv_hash128(e->stage, e->len, 0);
    stage_flush(e);
    return bv_hasher_digest128(e->h);
}

static inline void enc_done(enc *e)
{
    if (e->kv != e->inline_kv) bolt_free(e->kv);
}

/* Reserves n scratch entries; *base is their index (valid until the matching pop). */
static inline int push(enc *e, size_t n, size_t *base)
{
    if (n > e->cap - e->top) {
        size_t ncap = e->cap;
        while (n > ncap - e->top) {
            if (ncap > SIZE_MAX / 2 / sizeof(bv_kv)) return BOLT_E_NOMEM;
            ncap *= 2;
        }
        bv_kv *nk = bolt_malloc(ncap * sizeof(bv_kv));
        if (!nk) return BOLT_E_NOMEM;
        if (e->top) memcpy(nk, e->kv, e->top * sizeof(bv_kv));
        if (e->kv != e->inline_kv) bolt_free(e->kv);
        e->kv = nk;
        e->cap = ncap;
    }
    *base = e->top;
    e->top += n;
    return 0;
}

/* ---- primitive writers (little-endian, fixed width) ------------------------------------------ */

/* Any bytes: staged, or (when they do not fit) after the stage, straight to the hasher. */
static inline void put_bytes(enc *e, const void *p, size_t n)
{
    if (n <= STAGE - e->len) {
        if (n) memcpy(e->stage + e->len, p, n);
        e->len += (uint32_t)n;
        return;
    }
    stage_flush(e);
    if (n <= STAGE) {
        memcpy(e->stage, p, n);
        e->len = (uint32_t)n;
        return;
    }
    bv_hasher_update(e->h, p, n);
}

static inline void put_u8(enc *e, uint8_t b)
{
    if (e->len >= STAGE) stage_flush(e);
    e->stage[e->len++] = b;
}

static inline void le64(unsigned char *p, uint64_t v)
{
    /* compilers merge these stores into one */
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
    p[4] = (unsigned char)(v >> 32);
    p[5] = (unsigned char)(v >> 40);
    p[6] = (unsigned char)(v >> 48);
    p[7] = (unsigned char)(v >> 56);
}

static inline void put_u64(enc *e, uint64_t v)
{
    if (e->len > STAGE - 8) stage_flush(e);
    le64(e->stage + e->len, v);
    e->len += 8;
}

static inline void put_i64(enc *e, int64_t v)
{
    put_u64(e, (uint64_t)v);
}

static inline uint64_t f64_bits(const enc *e, double d)
{
    uint64_t bits;
    if (d != d) {
        bits = NAN_BITS; /* every NaN payload and sign is one NaN */
    } else if (d == 0.0 && (e->c->flags & BV_CANON_FOLD_NEGZERO)) {
        bits = 0;
    } else {
        memcpy(&bits, &d, 8);
    }
    return bits;
}

static inline void put_f64(enc *e, double d)
{
    put_u64(e, f64_bits(e, d));
}

/* Length-prefixed bytes (strings, map keys, labels, zone ids). */
static inline void put_blob(enc *e, const void *p, size_t len)
{
    put_u64(e, len);
    put_bytes(e, p, len);
}

/* The tree encoder (canon.c): the canonical encoding of v at nesting depth `depth`. */
int bv_canon_enc_value_(enc *e, const bolt_value *v, unsigned depth);

#endif
