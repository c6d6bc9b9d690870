/* verify/hash.h - XXH3 hashing for the verify engine: 128-bit digests and a streaming hasher.
 *
 * The verifier compares content by XXH3-128 digests (bv_h128). This header wraps the xxHash
 * library so that the rest of the engine never depends on its struct layouts:
 *
 *   bv_hasher h;
 *   bv_hasher_init(&h, 0);
 *   bv_hasher_update(&h, bytes, n);      (any number of times; small writes are cheap)
 *   bv_h128 d = bv_hasher_digest128(&h); (equals XXH3_128bits_withSeed of all bytes fed)
 *
 * Memory: nothing here allocates. A bv_hasher is a plain value (about 900 bytes) that may live
 * on the stack, in a struct or on the heap, and may be copied (memcpy) at any time: the copy
 * continues the same stream independently. Digests do not end the stream: more bytes may be
 * fed after a digest and a later digest covers everything fed so far.
 *
 * Thread safety: none needed; a hasher is used by one thread at a time.
 */
#ifndef VERIFY_HASH_H
#define VERIFY_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* 128-bit XXH3 digest, the unit of content comparison (verify/model.h stores them). `hi`
 * holds the high 64 bits (XXH128's high64). */
typedef struct bv_h128 {
    uint64_t lo, hi;
} bv_h128;
static inline int bv_h128_eq(bv_h128 a, bv_h128 b)
{
    return a.lo == b.lo && a.hi == b.hi;
}

/* Room for the xxHash streaming state (576 bytes in xxHash 0.8) plus alignment slack; hash.c
 * checks at compile time that the real state fits. */
#define BV_HASHER_STATE_SIZE 640
#define BV_HASHER_BUF_SIZE 256

typedef struct bv_hasher {
    /* Private. The XXH3 state needs 64-byte alignment, which a heap block does not guarantee,
     * so it lives at the first 64-byte boundary inside `state_raw`; `state_off` remembers
     * where, and the state is moved if the hasher itself was copied to another address. */
    unsigned char state_raw[BV_HASHER_STATE_SIZE + 64];
    uint32_t state_off;
    uint32_t buffered; /* bytes in buf not yet given to XXH3 */
    unsigned char buf[BV_HASHER_BUF_SIZE];
} bv_hasher;

void bv_hasher_init(bv_hasher *h, uint64_t seed);
/* Feeds len bytes (len 0 is allowed with p NULL). */
void bv_hasher_update_slow_(bv_hasher *h, const void *p, size_t len); /* private */
static inline void bv_hasher_update(bv_hasher *h, const void *p, size_t len)
{
    /* Canonical encodings are made of many 1..9 byte writes: batch them so that XXH3's own
     * update runs once per BV_HASHER_BUF_SIZE bytes instead of once per field. */
    uint32_t b = h->buffered;
    /* (b <= size always holds; saying so lets the compiler see the copy is in bounds) */
    if (b <= BV_HASHER_BUF_SIZE && len <= (size_t)BV_HASHER_BUF_SIZE - b) {
        if (len) memcpy(h->buf + b, p, len);
        h->buffered = b + (uint32_t)len;
        return;
    }
    bv_hasher_update_slow_(h, p, len);
}
/* Digests of everything fed since init: XXH3_128bits_withSeed / XXH3_64bits_withSeed. */
bv_h128 bv_hasher_digest128(bv_hasher *h);
uint64_t bv_hasher_digest64(bv_hasher *h);

/* One-shot XXH3 of a buffer. */
bv_h128 bv_hash128(const void *p, size_t len, uint64_t seed);
uint64_t bv_hash64(const void *p, size_t len, uint64_t seed);

/* 32 lowercase hex digits, high half first (XXH128_canonical_t order), NUL-terminated. */
#define BV_H128_HEX_SIZE 33
void bv_h128_hex(bv_h128 h, char out[BV_H128_HEX_SIZE]);
/* Parses exactly 32 hex digits (either case). 0, or BOLT_E_INVAL. */
int bv_h128_from_hex(const char *s, size_t len, bv_h128 *out);

/* ---- order-independent combination (multiset digest) ------------------------------------
 * For "the same set of things, in any order": the per-type relationship signatures of a node
 * and the full-label scan digest. Each element digest is first re-hashed (so that related or
 * low-entropy inputs cannot cancel out linearly), then added modulo 2^128. A sum, unlike XOR,
 * counts duplicates: {a, a} differs from {} and from {a}. The element count is kept as well and
 * goes into the final digest. Adding is commutative and associative, so partial multisets
 * built by parallel scans can be merged in any grouping. Plain value, no allocation. */
typedef struct bv_multiset {
    bv_h128 sum;    /* sum of mixed element digests, mod 2^128 */
    uint64_t count; /* elements added minus elements removed, mod 2^64 */
} bv_multiset;

void bv_multiset_init(bv_multiset *m);
void bv_multiset_add(bv_multiset *m, bv_h128 element);
/* Exact inverse of add (for incremental updates): add(x) then remove(x) restores the state. */
void bv_multiset_remove(bv_multiset *m, bv_h128 element);
/* into := into + other (the multiset union with multiplicities). */
void bv_multiset_merge(bv_multiset *into, const bv_multiset *other);
/* Digest of (format version, count, sum); the empty multiset has a fixed digest too. */
bv_h128 bv_multiset_digest(const bv_multiset *m);

/* Total order (high half first): -1, 0 or 1. */
static inline int bv_h128_cmp(bv_h128 a, bv_h128 b)
{
    if (a.hi != b.hi) return a.hi < b.hi ? -1 : 1;
    if (a.lo != b.lo) return a.lo < b.lo ? -1 : 1;
    return 0;
}

#ifdef __cplusplus
}
#endif
#endif
