/* Key order for the canonical encoding (docs/canonical-values.md, "Encoding"): map entries
 * sorted bytewise by key with the last duplicate winning, label sets sorted and folded, and the
 * per-field hashes of bv_canon_fields (one hash per property, same order). Split from canon.c,
 * which walks and tags values: which entry comes first is a rule of its own, and sorting a
 * node's property keys is the hot part of hashing it, so its tricks (integer key prefixes, the
 * last-order guess) stay together with the plain comparison they must agree with. */
#include "canon_internal.h"

#include "bolt/error.h"

#include <stdlib.h>
#include <string.h>

/* ---- maps ------------------------------------------------------------------------------------ */

static int bytes_cmp(const char *a, size_t la, const char *b, size_t lb)
{
    size_t m = la < lb ? la : lb;
    int r = m ? memcmp(a, b, m) : 0; /* memcmp orders bytes as unsigned char: bytewise */
    if (r) return r;
    return la < lb ? -1 : la > lb;
}

/* Key bytes, then wire position: the entries of one key stay in wire order, last one last. */
static int kv_cmp(const void *pa, const void *pb)
{
    const bv_kv *a = pa, *b = pb;
    int r = bytes_cmp(a->k->u.str, a->k->len, b->k->u.str, b->k->len);
    if (r) return r;
    return a->k < b->k ? -1 : a->k > b->k;
}

static int same_key(const bolt_value *a, const bolt_value *b)
{
    return a->len == b->len && (a->len == 0 || memcmp(a->u.str, b->u.str, a->len) == 0);
}

/* Property maps are small: insertion sort beats qsort's indirect calls below ~16 entries. */
static void sort_kv(bv_kv *kv, size_t n, int (*cmp)(const void *, const void *))
{
    if (n > 16) {
        qsort(kv, n, sizeof *kv, cmp);
        return;
    }
    for (size_t i = 1; i < n; i++) {
        bv_kv t = kv[i];
        size_t j = i;
        for (; j > 0 && cmp(&t, &kv[j - 1]) < 0; j--)
            kv[j] = kv[j - 1];
        kv[j] = t;
    }
}

/* Big-endian reads straight from the key bytes: one load (and a byte swap on little-endian
 * hosts) each, never through a buffer just written, whose partial stores would stall the load. */
static uint32_t load_be32(const unsigned char *s)
{
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint32_t w;
    memcpy(&w, s, 4);
    return __builtin_bswap32(w);
#else
    return (uint32_t)s[0] << 24 | (uint32_t)s[1] << 16 | (uint32_t)s[2] << 8 | s[3];
#endif
}

/* The first 8 key bytes as a big-endian number, zero-padded: a < b between two prefixes means
 * the keys are in that bytewise order; equal prefixes need the full comparison. Sorting on
 * integers instead of memcmp calls is what makes hashing a node's properties cheap. Short keys
 * are read with overlapping loads (the overlap ORs identical bits). */
static uint64_t key_prefix(const bolt_value *k)
{
    const unsigned char *s = (const unsigned char *)k->u.str;
    size_t n = k->len;
    if (n >= 8) return (uint64_t)load_be32(s) << 32 | load_be32(s + 4);
    if (n >= 4)
        return (uint64_t)load_be32(s) << 32 | (uint64_t)load_be32(s + n - 4) << (64 - 8 * n);
    if (n == 0) return 0;
    return (uint64_t)s[0] << 56 | (uint64_t)s[n >> 1] << (56 - 8 * (n >> 1)) |
           (uint64_t)s[n - 1] << (64 - 8 * n);
}

/* Entry a before entry b (wire positions), as kv_cmp orders them. */
static int pre_less(const bolt_value *items, const uint64_t *pre, unsigned a, unsigned b)
{
    if (pre[a] != pre[b]) return pre[a] < pre[b];
    const bolt_value *ka = &items[2 * a], *kb = &items[2 * b];
    int r = bytes_cmp(ka->u.str, ka->len, kb->u.str, kb->len);
    return r ? r < 0 : a < b;
}

/* The key order of the last small map sorted on this thread. The property maps of a stream of
 * nodes mostly repeat one key order; when the keys of this map are strictly increasing in that
 * order, it is the sorted order (and there are no duplicate keys), found in n - 1 comparisons.
 * Only a guess that is checked: the result never depends on it. */
#define SMALL_MAP 16
static _Thread_local unsigned char last_order[SMALL_MAP];
static _Thread_local size_t last_n;

/* bv_canon_sort_map_ for n <= SMALL_MAP entries. */
static int sort_small_map(const bolt_value *items, size_t n, bv_kv *kv)
{
    uint64_t pre[SMALL_MAP];
    unsigned char ord[SMALL_MAP];
    if (n > SMALL_MAP) return BOLT_E_INVAL; /* the caller's rule; tells the compiler too */
    for (size_t i = 0; i < n; i++) {
        const bolt_value *k = &items[2 * i];
        if (k->type != BOLT_T_STRING || !bv_canon_blob_ok_(k)) return BOLT_E_MAP_KEY;
        pre[i] = key_prefix(k);
    }
    if (last_n == n) {
        size_t i = 1;
        while (i < n && pre_less(items, pre, last_order[i - 1], last_order[i]) &&
               (pre[last_order[i - 1]] != pre[last_order[i]] ||
                !same_key(&items[2 * last_order[i - 1]], &items[2 * last_order[i]])))
            i++;
        if (i >= n) {
            for (i = 0; i < n; i++) {
                kv[i].k = &items[2 * last_order[i]];
                kv[i].v = kv[i].k + 1;
            }
            return (int)n;
        }
    }
    for (unsigned i = 0; i < SMALL_MAP; i++)
        ord[i] = (unsigned char)i;
    for (size_t i = 1; i < n; i++) {
        unsigned char t = ord[i];
        size_t j = i;
        for (; j > 0 && pre_less(items, pre, t, ord[j - 1]); j--)
            ord[j] = ord[j - 1];
        ord[j] = t;
    }
    memcpy(last_order, ord, SMALL_MAP);
    last_n = n;
    size_t out = 0;
    for (size_t i = 0; i < n; i++) {
        const bolt_value *k = &items[2 * ord[i]];
        /* a later duplicate wins: keep an entry only if the next one has another key */
        if (i + 1 < n && pre[ord[i]] == pre[ord[i + 1]] && same_key(k, &items[2 * ord[i + 1]]))
            continue;
        kv[out].k = k;
        kv[out++].v = k + 1;
    }
    return (int)out;
}

int bv_canon_sort_map_(const bolt_value *map, bv_kv *kv)
{
    size_t n = map->len;
    if (n <= SMALL_MAP) return sort_small_map(map->u.items, n, kv);
    for (size_t i = 0; i < n; i++) {
        kv[i].k = &map->u.items[2 * i];
        kv[i].v = &map->u.items[2 * i + 1];
        if (kv[i].k->type != BOLT_T_STRING || !bv_canon_blob_ok_(kv[i].k)) return BOLT_E_MAP_KEY;
    }
    sort_kv(kv, n, kv_cmp);
    size_t out = 0;
    for (size_t i = 0; i < n; i++) {
        if (i + 1 < n && same_key(kv[i].k, kv[i + 1].k)) continue; /* a later duplicate wins */
        kv[out++] = kv[i];
    }
    return (int)out;
}

/* ---- label sets ------------------------------------------------------------------------------ */

static int label_cmp(const void *pa, const void *pb)
{
    const bv_kv *a = pa, *b = pb;
    return bytes_cmp(a->k->u.str, a->k->len, b->k->u.str, b->k->len);
}

size_t bv_canon_sort_labels_(bv_kv *kv, size_t n)
{
    sort_kv(kv, n, label_cmp);
    size_t kept = 0;
    for (size_t i = 0; i < n; i++)
        if (kept == 0 || !same_key(kv[kept - 1].k, kv[i].k)) kv[kept++] = kv[i];
    return kept;
}

/* ---- fields (public API) --------------------------------------------------------------------- */

static int field_cmp(const void *pa, const void *pb)
{
    const bv_canon_field *a = pa, *b = pb;
    int r = bytes_cmp(a->key, a->keylen, b->key, b->keylen);
    if (r) return r;
    return a->value < b->value ? -1 : a->value > b->value; /* wire order */
}

int bv_canon_fields(const bv_canon *c, const bolt_value *map, bv_canon_field *out, size_t cap,
                    unsigned *notes)
{
    if (!c || !map || map->type != BOLT_T_MAP || (map->len && (!out || !map->u.items)))
        return BOLT_E_INVAL;
    if (cap < map->len) return BOLT_E_INVAL;
    size_t n = map->len;
    for (size_t i = 0; i < n; i++) {
        const bolt_value *k = &map->u.items[2 * i];
        if (k->type != BOLT_T_STRING || !bv_canon_blob_ok_(k)) return BOLT_E_MAP_KEY;
        out[i].key = k->u.str;
        out[i].keylen = k->len;
        out[i].value = &map->u.items[2 * i + 1];
    }
    if (n > 1) qsort(out, n, sizeof *out, field_cmp);
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        if (i + 1 < n && out[i].keylen == out[i + 1].keylen &&
            (out[i].keylen == 0 || memcmp(out[i].key, out[i + 1].key, out[i].keylen) == 0))
            continue;
        out[kept++] = out[i];
    }
    for (size_t i = 0; i < kept; i++) {
        out[i].notes = 0;
        int rc = bv_canon_hash128(c, out[i].value, &out[i].hash, &out[i].notes);
        if (rc) return rc;
        if (notes) *notes |= out[i].notes;
    }
    return (int)kept;
}
