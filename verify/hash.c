/* XXH3 wrapper: streaming hasher with a small write buffer, one-shot digests, hex, and the
 * order-independent multiset combiner. xxHash is compiled inline into this file only
 * (XXH_INLINE_ALL) so that the state layout we reserve room for is exactly the one of the
 * header we compile against, whatever libxxhash.so is installed at run time. */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "verify/hash.h"

#include "bolt/error.h"

#include <stdint.h>
#include <string.h>

_Static_assert(sizeof(XXH3_state_t) <= BV_HASHER_STATE_SIZE, "BV_HASHER_STATE_SIZE too small");
_Static_assert(_Alignof(XXH3_state_t) <= 64, "XXH3 state needs more than 64-byte alignment");

/* Returns the state at the first 64-byte boundary of state_raw. If the hasher was copied to an
 * address with another alignment since init, the state bytes are still at the old offset:
 * move them (the state holds no pointer into itself, so a byte move is a valid copy). */
static XXH3_state_t *state_of(bv_hasher *h)
{
    uintptr_t addr = (uintptr_t)h->state_raw;
    uint32_t off = (uint32_t)((64u - (addr & 63u)) & 63u);
    if (off != h->state_off) {
        memmove(h->state_raw + off, h->state_raw + h->state_off, sizeof(XXH3_state_t));
        h->state_off = off;
    }
    return (XXH3_state_t *)(void *)(h->state_raw + off);
}

void bv_hasher_init(bv_hasher *h, uint64_t seed)
{
    uintptr_t addr = (uintptr_t)h->state_raw;
    h->state_off = (uint32_t)((64u - (addr & 63u)) & 63u);
    h->buffered = 0;
    XXH3_state_t *s = (XXH3_state_t *)(void *)(h->state_raw + h->state_off);
    /* XXH3_128bits_reset and XXH3_64bits_reset set up the same state, so both digests are
     * available from one stream (checked against the one-shot functions by the tests). */
    XXH3_128bits_reset_withSeed(s, seed);
}

static void flush(bv_hasher *h)
{
    if (h->buffered) {
        XXH3_128bits_update(state_of(h), h->buf, h->buffered);
        h->buffered = 0;
    }
}

void bv_hasher_update_slow_(bv_hasher *h, const void *p, size_t len)
{
    flush(h);
    if (len < BV_HASHER_BUF_SIZE) {
        memcpy(h->buf, p, len);
        h->buffered = (uint32_t)len;
    } else {
        XXH3_128bits_update(state_of(h), p, len);
    }
}

bv_h128 bv_hasher_digest128(bv_hasher *h)
{
    flush(h);
    XXH128_hash_t d = XXH3_128bits_digest(state_of(h));
    bv_h128 r = {d.low64, d.high64};
    return r;
}

uint64_t bv_hasher_digest64(bv_hasher *h)
{
    flush(h);
    return XXH3_64bits_digest(state_of(h));
}

bv_h128 bv_hash128(const void *p, size_t len, uint64_t seed)
{
    XXH128_hash_t d = XXH3_128bits_withSeed(p, len, seed);
    bv_h128 r = {d.low64, d.high64};
    return r;
}

uint64_t bv_hash64(const void *p, size_t len, uint64_t seed)
{
    return XXH3_64bits_withSeed(p, len, seed);
}

void bv_h128_hex(bv_h128 h, char out[BV_H128_HEX_SIZE])
{
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 16; i++) {
        out[i] = digits[(h.hi >> (60 - 4 * i)) & 15u];
        out[16 + i] = digits[(h.lo >> (60 - 4 * i)) & 15u];
    }
    out[32] = '\0';
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int bv_h128_from_hex(const char *s, size_t len, bv_h128 *out)
{
    if (!s || len != 32) return BOLT_E_INVAL;
    uint64_t hi = 0, lo = 0;
    for (size_t i = 0; i < 32; i++) {
        int v = hexval(s[i]);
        if (v < 0) return BOLT_E_INVAL;
        if (i < 16)
            hi = (hi << 4) | (uint64_t)v;
        else
            lo = (lo << 4) | (uint64_t)v;
    }
    out->hi = hi;
    out->lo = lo;
    return 0;
}

/* ---- multiset ------------------------------------------------------------------------------ */

/* Seeds are arbitrary fixed constants; changing one changes every digest (bump the format). */
#define MULTISET_MIX_SEED UINT64_C(0x626f6c7464696666)    /* "boltdiff" */
#define MULTISET_DIGEST_SEED UINT64_C(0x6d756c7469736574) /* "multiset" */
#define MULTISET_FORMAT 1u

static void put_le64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* The element digest, re-hashed: inputs that are not uniformly distributed (or that a caller
 * derived from each other) must not be able to cancel out in the sum. */
static bv_h128 mix(bv_h128 e)
{
    unsigned char b[16];
    put_le64(b, e.lo);
    put_le64(b + 8, e.hi);
    return bv_hash128(b, sizeof b, MULTISET_MIX_SEED);
}

static bv_h128 add128(bv_h128 a, bv_h128 b)
{
    bv_h128 r;
    r.lo = a.lo + b.lo;
    r.hi = a.hi + b.hi + (r.lo < a.lo);
    return r;
}

static bv_h128 sub128(bv_h128 a, bv_h128 b)
{
    bv_h128 r;
    r.lo = a.lo - b.lo;
    r.hi = a.hi - b.hi - (a.lo < b.lo);
    return r;
}

void bv_multiset_init(bv_multiset *m)
{
    m->sum.lo = m->sum.hi = 0;
    m->count = 0;
}

void bv_multiset_add(bv_multiset *m, bv_h128 element)
{
    m->sum = add128(m->sum, mix(element));
    m->count++;
}

void bv_multiset_remove(bv_multiset *m, bv_h128 element)
{
    m->sum = sub128(m->sum, mix(element));
    m->count--;
}

void bv_multiset_merge(bv_multiset *into, const bv_multiset *other)
{
    into->sum = add128(into->sum, other->sum);
    into->count += other->count;
}

bv_h128 bv_multiset_digest(const bv_multiset *m)
{
    unsigned char b[1 + 8 + 16];
    b[0] = (unsigned char)MULTISET_FORMAT;
    put_le64(b + 1, m->count);
    put_le64(b + 9, m->sum.lo);
    put_le64(b + 17, m->sum.hi);
    return bv_hash128(b, sizeof b, MULTISET_DIGEST_SEED);
}
