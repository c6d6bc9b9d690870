/* Canonical hashing straight from PackStream bytes (include/verify/canon.h,
 * bv_canon_scan_hash128): the streaming fast path of the full check and the benchmark.
 *
 * Decoding a node record into a bolt_value tree and then walking the tree costs two passes, an
 * arena slot per value and a 16-byte node per property, which is most of the client's time per
 * record (docs/benchmarks.md). This walks the bytes once and writes the canonical stream
 * (canon_enc.h, the very writer canon.c uses) as it goes. It is an optimisation, never a second
 * definition: what it reads in place is only what has one obvious meaning - scalars, lists, and
 * the maps and nodes around them - and every structure other than a Node, every unusual case
 * (a duplicate map key, more entries or labels than the local arrays hold, deep nesting) goes
 * through the real decoder and the tree encoder, so its bytes are the tree path's by
 * construction. Anything the decoder would reject makes it decline, and the caller then decodes
 * as usual and gets the decoder's error. tests/fuzz/fuzz_canon_scan.c checks on arbitrary bytes
 * that both paths agree: same acceptance, same hash, same notes.
 *
 * Depth is counted twice, as the two paths count it: `level` is the number of containers open
 * around a value (the decoder's max_depth limit) and `cdepth` the tree encoder's depth (its
 * BV_CANON_MAX_DEPTH limit, and the depth handed to it for a decoded sub-value). */
#include "canon_enc.h"
#include "ps_wire.h"

#include "bolt/packstream.h"

#define SCAN_KV 64     /* map entries read in place; bigger maps are decoded */
#define SCAN_LABELS 16 /* node labels read in place */
#define SCAN_NATIVE 8  /* nested maps/lists read in place before decoding takes over */
#define SORT_GUESS 16  /* maps up to this size try the previous key order first */

typedef struct scan {
    enc e;
    const bolt_decoder *d;
    unsigned max_depth; /* the decoder's effective limit */
    int err;            /* BOLT_E_NOMEM from the tree encoder, reported as is */
} scan;

/* One map entry or label, for sorting: the first 8 key bytes as a big-endian number decide
 * most comparisons without touching the bytes again. */
typedef struct sent {
    uint64_t pre;
    const uint8_t *k;
    uint32_t klen;
    /* maps: the value's wire bytes, and for a scalar its canonical form, read in the same pass
     * that delimits it: tag (0: not a scalar), the 8-byte payload, how many of tag + payload
     * bytes the form has (1 null, 2 bool, 9 otherwise) and the bytes that follow (strings). */
    uint8_t tag, fixed;
    uint64_t payload;
    const uint8_t *v, *vend, *blob;
} sent;

/* ---- strings and key order ------------------------------------------------------------------- */

/* The first 8 key bytes, big-endian, zero-padded: a smaller prefix means a bytewise smaller key;
 * equal prefixes need the full comparison (canon_sort.c does the same on trees). Short keys are
 * read with overlapping loads, whose overlap ORs identical bits, never byte by byte. */
static inline uint64_t key_prefix(const uint8_t *s, uint32_t n)
{
    if (n >= 8) return rd64(s);
    if (n >= 4) return (uint64_t)rd32(s) << 32 | (uint64_t)rd32(s + n - 4) << (64 - 8 * n);
    if (n == 0) return 0;
    return (uint64_t)s[0] << 56 | (uint64_t)s[n >> 1] << (56 - 8 * (n >> 1)) |
           (uint64_t)s[n - 1] << (64 - 8 * n);
}

/* -1, 0, 1: bytewise order of two keys (a shorter key before its extensions). */
static inline int key_cmp(const sent *a, const sent *b)
{
    if (a->pre != b->pre) return a->pre < b->pre ? -1 : 1;
    uint32_t m = a->klen < b->klen ? a->klen : b->klen;
    int r = m > 8 ? memcmp(a->k + 8, b->k + 8, m - 8) : 0;
    if (r) return r;
    return a->klen < b->klen ? -1 : a->klen > b->klen;
}

/* The key order of the last small map sorted on this thread: a stream of nodes mostly repeats
 * one order, and when this map's keys are strictly increasing in it, it is the sorted order
 * (and no key repeats), found in n - 1 comparisons. Only a guess that is checked. */
static _Thread_local unsigned char last_order[SORT_GUESS];
static _Thread_local size_t last_n;

/* Sorts x[0..n) bytewise by key into ord[]. 0, or 1 when two keys are equal (the tree path's
 * last-one-wins rule then decides). */
static int sort_keys(const sent *x, size_t n, unsigned char *ord)
{
    if (n <= SORT_GUESS && last_n == n) {
        size_t i = 1;
        while (i < n && key_cmp(&x[last_order[i - 1]], &x[last_order[i]]) < 0)
            i++;
        if (i >= n) {
            memcpy(ord, last_order, n);
            return 0;
        }
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char t = (unsigned char)i;
        size_t j = i;
        for (; j > 0; j--) {
            int r = key_cmp(&x[t], &x[ord[j - 1]]);
            if (r == 0) return 1;
            if (r > 0) break;
            ord[j] = ord[j - 1];
        }
        ord[j] = t;
    }
    if (n <= SORT_GUESS) {
        memcpy(last_order, ord, n);
        last_n = n;
    }
    return 0;
}

/* ---- values ---------------------------------------------------------------------------------- */

static const uint8_t *scan_value(scan *s, const uint8_t *p, const uint8_t *end, unsigned level,
                                 unsigned cdepth, unsigned native);

/* The value at p through the decoder and the tree encoder: exact for everything, used for
 * what is not read in place. */
static const uint8_t *decode_value(scan *s, const uint8_t *p, const uint8_t *end, unsigned level,
                                   unsigned cdepth)
{
    if (!s->d->arena || level >= s->max_depth) {
        /* a container here would exceed the limit (a scalar never comes this way) */
        return NULL;
    }
    bolt_decoder sd = *s->d;
    sd.max_depth = s->max_depth - level; /* >= 1: 0 would mean the default */
    bolt_value v;
    size_t used;
    if (bolt_decode(&sd, p, (size_t)(end - p), &v, &used) != 0) return NULL;
    int rc = bv_canon_enc_value_(&s->e, &v, cdepth);
    if (rc) {
        if (rc == BOLT_E_NOMEM) s->err = rc;
        return NULL;
    }
    return p + used;
}

/* Tries in place, falls back to the decoder when the in-place reader gave up on something
 * valid it does not handle. The stage is rewound first; if it already went to the hasher the
 * whole scan declines (the caller decodes the value). */
static const uint8_t *in_place_or_decode(scan *s,
                                         const uint8_t *(*reader)(scan *, const uint8_t *,
                                                                  const uint8_t *, unsigned,
                                                                  unsigned, unsigned),
                                         const uint8_t *p, const uint8_t *end, unsigned level,
                                         unsigned cdepth, unsigned native)
{
    uint32_t mark = s->e.len, flushes = s->e.flushes;
    if (native < SCAN_NATIVE) {
        const uint8_t *q = reader(s, p, end, level, cdepth, native + 1);
        if (q || s->err) return q;
        if (s->e.flushes != flushes) return NULL;
        s->e.len = mark;
    }
    return decode_value(s, p, end, level, cdepth);
}

/* The value at p of a map entry: its end, and when it is a scalar its canonical form in t
 * (tag, payload, fixed, blob; tag 0 otherwise). One dispatch on the marker serves both passes of
 * scan_map. NULL when the bytes end first or hold a reserved marker. */
static inline const uint8_t *classify(sent *t, const uint8_t *p, const uint8_t *end, const enc *e)
{
    uint8_t m = *p;
    t->blob = NULL;
    t->fixed = 9;
    if (m < 0x80 || m >= 0xF0) {
        t->tag = TAG_INT;
        t->payload = (uint64_t)(int64_t)(int8_t)m;
        return p + 1;
    }
    size_t need, w = 0;
    switch (m) {
    case 0xC0:
        t->tag = TAG_NULL;
        t->fixed = 1;
        t->payload = 0;
        return p + 1;
    case 0xC2:
    case 0xC3:
        t->tag = TAG_BOOL;
        t->fixed = 2;
        t->payload = m == 0xC3;
        return p + 1;
    case 0xC1: {
        if (end - p < 9) return NULL;
        uint64_t bits = rd64(p + 1);
        double d;
        memcpy(&d, &bits, 8);
        t->tag = TAG_FLOAT;
        t->payload = f64_bits(e, d);
        return p + 9;
    }
    case 0xC8:
    case 0xC9:
    case 0xCA:
    case 0xCB: {
        int64_t i;
        if (read_int(&p, end, &i)) return NULL;
        t->tag = TAG_INT;
        t->payload = (uint64_t)i;
        return p;
    }
    case 0xD0:
    case 0xCC:
        w = 1;
        break;
    case 0xD1:
    case 0xCD:
        w = 2;
        break;
    case 0xD2:
    case 0xCE:
        w = 4;
        break;
    default:
        if ((m & 0xF0u) == 0x80u) {
            need = m & 0x0Fu;
            if ((size_t)(end - p) - 1 < need) return NULL;
            t->tag = TAG_STRING;
            t->payload = need;
            t->blob = p + 1;
            return p + 1 + need;
        }
        t->tag = 0;
        return bv_ps_skip_(p, end);
    }
    const uint8_t *q = p + 1;
    int64_t n = read_size(&q, end, (unsigned)w);
    if (n < 0 || (uint64_t)(end - q) < (uint64_t)n) return NULL;
    t->tag = m >= 0xD0 ? TAG_STRING : TAG_BYTES;
    t->payload = (uint64_t)n;
    t->blob = q;
    return q + n;
}

/* Copies n bytes where n is usually tiny (keys, short strings): overlapping word moves
 * instead of a libc call per property. Reads and writes stay within [0, n). */
static inline void copy_small(unsigned char *d, const uint8_t *s, size_t n)
{
    if (n >= 8 && n <= 16) {
        uint64_t a, b;
        memcpy(&a, s, 8);
        memcpy(&b, s + n - 8, 8);
        memcpy(d, &a, 8);
        memcpy(d + n - 8, &b, 8);
    } else if (n >= 4 && n < 8) {
        uint32_t a, b;
        memcpy(&a, s, 4);
        memcpy(&b, s + n - 4, 4);
        memcpy(d, &a, 4);
        memcpy(d + n - 4, &b, 4);
    } else if (n > 16) {
        memcpy(d, s, n);
    } else {
        for (size_t i = 0; i < n; i++)
            d[i] = s[i];
    }
}

/* A classified scalar through the stage's general writers: tag, the `fixed` - 1 payload bytes
 * the form keeps, then its string bytes. */
static inline void put_classified(enc *e, const sent *t)
{
    unsigned char b[9];
    b[0] = t->tag;
    le64(b + 1, t->payload);
    put_bytes(e, b, t->fixed);
    if (t->blob) put_bytes(e, t->blob, (size_t)t->payload);
}

/* A map entry whose value is a scalar (the bulk of node properties): the bytes of put_blob
 * (key) + scan_scalar, from what classify() found, written with one bounds check and the
 * write position in a register, as canon.c's put_scalar_entry does for trees (a chain of small
 * writes through the stage's fill level is bound by store-to-load latency, not by the work). */
static inline void put_scalar_entry(enc *e, const sent *t, const uint8_t *in_end)
{
    size_t blen = t->blob ? (size_t)t->payload : 0;
    /* key: 8 + klen; value: tag + 8 (always stored, `fixed` of them kept) + blen; plus up to 16
     * scratch bytes after the key and after the string (overwritten next) */
    if (e->len <= STAGE && (size_t)t->klen + blen + 49 <= (size_t)(STAGE - e->len)) {
        unsigned char *q = e->stage + e->len;
        le64(q, t->klen);
        if (t->klen <= 16 && in_end - t->k >= 16) {
            /* a short key as two fixed 8-byte moves, without a branch on its length: the bytes
             * after it (its value, in the input) land in the stage past the key, where the tag
             * and payload written next, or the next entry, overwrite them */
            memcpy(q + 8, t->k, 16);
        } else {
            copy_small(q + 8, t->k, t->klen);
        }
        q += 8 + t->klen;
        q[0] = t->tag;
        le64(q + 1, t->payload);
        q += t->fixed;
        if (blen && blen <= 16 && in_end - t->blob >= 16)
            memcpy(q, t->blob, 16); /* the same trick for a short string */
        else if (blen)
            copy_small(q, t->blob, blen);
        e->len = (uint32_t)(q + blen - e->stage);
        return;
    }
    put_blob(e, t->k, t->klen);
    put_classified(e, t);
}

/* A map at p (marker included): entries sorted by key, like enc_map. */
static const uint8_t *scan_map(scan *s, const uint8_t *p, const uint8_t *end, unsigned level,
                               unsigned cdepth, unsigned native)
{
    (void)native;
    uint8_t m = *p++;
    int64_t n = (m & 0xF0u) == 0xA0u ? (int64_t)(m & 0x0Fu) : read_size(&p, end, size_width(m));
    if (n < 0 || n > SCAN_KV || level + 1 > s->max_depth || cdepth >= BV_CANON_MAX_DEPTH)
        return NULL;
    sent x[SCAN_KV];
    unsigned char ord[SCAN_KV];
    for (int64_t i = 0; i < n; i++) {
        sent *t = &x[i];
        if (read_string(&p, end, &t->k, &t->klen)) return NULL;
        t->pre = key_prefix(t->k, t->klen);
        t->v = p;
        if (p >= end || !(p = classify(t, p, end, &s->e))) return NULL;
        t->vend = p;
    }
    const uint8_t *after = p;
    if (sort_keys(x, (size_t)n, ord)) return NULL; /* a repeated key: the decoder's tree decides */
    put_u8(&s->e, TAG_MAP);
    put_u64(&s->e, (uint64_t)n);
    for (int64_t i = 0; i < n; i++) {
        const sent *t = &x[ord[i]];
        if (t->tag) {
            put_scalar_entry(&s->e, t, end);
            continue;
        }
        put_blob(&s->e, t->k, t->klen);
        if (scan_value(s, t->v, t->vend, level + 1, cdepth + 1, native) != t->vend) return NULL;
    }
    return after;
}

/* A list at p (marker included): items in order, like enc_value. */
static const uint8_t *scan_list(scan *s, const uint8_t *p, const uint8_t *end, unsigned level,
                                unsigned cdepth, unsigned native)
{
    uint8_t m = *p++;
    int64_t n = (m & 0xF0u) == 0x90u ? (int64_t)(m & 0x0Fu) : read_size(&p, end, size_width(m));
    if (n < 0 || n > end - p || level + 1 > s->max_depth || cdepth > BV_CANON_MAX_DEPTH)
        return NULL;
    put_u8(&s->e, TAG_LIST);
    put_u64(&s->e, (uint64_t)n);
    for (int64_t i = 0; i < n && p; i++)
        p = scan_value(s, p, end, level + 1, cdepth + 1, native);
    return p;
}

/* A Node at p (marker included), as enc_node_parts writes it: labels as a sorted set, then the
 * property map. The id and element id are checked for their types (the decoder does) and never
 * hashed. */
static const uint8_t *scan_node(scan *s, const uint8_t *p, const uint8_t *end, unsigned level,
                                unsigned cdepth, unsigned native)
{
    const bolt_dialect *dl = s->d->dialect;
    unsigned fields = p[0] & 0x0Fu;
    if (!dl || fields != (dl->element_ids ? 4u : 3u) || level + 1 > s->max_depth ||
        cdepth > BV_CANON_MAX_DEPTH)
        return NULL;
    p += 2;
    int64_t id;
    if (read_int(&p, end, &id)) return NULL;
    /* labels: a list of strings */
    if (p >= end) return NULL;
    uint8_t m = *p++;
    int64_t n = (m & 0xF0u) == 0x90u       ? (int64_t)(m & 0x0Fu)
                : (m >= 0xD4 && m <= 0xD6) ? read_size(&p, end, size_width(m))
                                           : -1;
    if (n < 0 || n > SCAN_LABELS || level + 2 > s->max_depth) return NULL;
    sent x[SCAN_LABELS];
    unsigned char ord[SCAN_LABELS];
    for (int64_t i = 0; i < n; i++) {
        if (read_string(&p, end, &x[i].k, &x[i].klen)) return NULL;
        x[i].pre = key_prefix(x[i].k, x[i].klen);
    }
    /* Insertion sort without the order guess (it belongs to property maps); equal labels fold
     * in the tree path, which then decides. */
    for (int64_t i = 0; i < n; i++) {
        unsigned char t = (unsigned char)i;
        int64_t j = i;
        for (; j > 0; j--) {
            int r = key_cmp(&x[t], &x[ord[j - 1]]);
            if (r == 0) return NULL;
            if (r > 0) break;
            ord[j] = ord[j - 1];
        }
        ord[j] = t;
    }
    put_u8(&s->e, TAG_NODE);
    put_u64(&s->e, (uint64_t)n);
    for (int64_t i = 0; i < n; i++)
        put_blob(&s->e, x[ord[i]].k, x[ord[i]].klen);
    /* properties: a map (like enc_node_parts -> enc_map at cdepth + 1) */
    if (p >= end || !((*p & 0xF0u) == 0xA0u || (*p >= 0xD8 && *p <= 0xDA))) return NULL;
    p = scan_map(s, p, end, level + 1, cdepth + 1, native);
    if (!p) return NULL;
    if (dl->element_ids) {
        const uint8_t *eid;
        uint32_t elen;
        if (read_string(&p, end, &eid, &elen)) return NULL;
    }
    return p;
}

#define NANOS_PER_SECOND INT64_C(1000000000)
#define NANOS_PER_DAY (INT64_C(86400) * NANOS_PER_SECOND)

/* The temporal and spatial structures that carry only numbers (everything but zone-id
 * DateTimes, which need the tz database), with the decoder's checks (packstream_struct.c:
 * which tags the dialect allows, field counts and types, nanosecond ranges) and enc_struct's
 * bytes. NULL (nothing written) for anything else: the decoder then decides. */
static const uint8_t *scan_temporal(scan *s, const uint8_t *p, const uint8_t *end, unsigned level,
                                    unsigned cdepth, unsigned native)
{
    (void)cdepth;
    (void)native;
    const bolt_dialect *dl = s->d->dialect;
    if (!dl || !dl->temporal || level + 1 > s->max_depth) return NULL;
    unsigned nf = p[0] & 0x0Fu;
    uint8_t tag = p[1];
    const uint8_t *q = p + 2;
    int64_t a[4];
    double f[3];
    enc *e = &s->e;
    switch (tag) {
    case 0x44: /* Date: days */
        if (nf != 1 || read_int(&q, end, &a[0])) return NULL;
        put_u8(e, TAG_DATE);
        put_i64(e, a[0]);
        return q;
    case 0x74: /* LocalTime: nanos of the day */
        if (nf != 1 || read_int(&q, end, &a[0]) || a[0] < 0 || a[0] >= NANOS_PER_DAY) return NULL;
        put_u8(e, TAG_LOCAL_TIME);
        put_i64(e, a[0]);
        return q;
    case 0x54: /* Time: nanos of the day, offset */
        if (nf != 2 || read_int(&q, end, &a[0]) || a[0] < 0 || a[0] >= NANOS_PER_DAY ||
            read_int(&q, end, &a[1]))
            return NULL;
        put_u8(e, TAG_TIME);
        put_i64(e, a[0]);
        put_i64(e, a[1]);
        return q;
    case 0x64: /* LocalDateTime: seconds, nanos */
        if (nf != 2 || read_int(&q, end, &a[0]) || read_int(&q, end, &a[1]) || a[1] < 0 ||
            a[1] >= NANOS_PER_SECOND)
            return NULL;
        put_u8(e, TAG_LOCAL_DATETIME);
        put_i64(e, a[0]);
        put_i64(e, a[1]);
        return q;
    case 0x49:   /* DateTime, UTC seconds (Bolt 5, 4.4 with the utc patch) */
    case 0x46: { /* legacy DateTime: local seconds */
        int legacy = tag == 0x46;
        if (legacy == (dl->utc_datetime != 0) || nf != 3 || read_int(&q, end, &a[0]) ||
            read_int(&q, end, &a[1]) || a[1] < 0 || a[1] >= NANOS_PER_SECOND ||
            read_int(&q, end, &a[2]))
            return NULL;
        int64_t utc = a[0], off = a[2];
        if (legacy) { /* bv_canon_dt_utc_: utc = local - offset, which must not overflow */
            if ((off > 0 && utc < INT64_MIN + off) || (off < 0 && utc > INT64_MAX + off))
                return NULL;
            utc -= off;
        }
        put_u8(e, TAG_DATETIME);
        put_i64(e, utc);
        put_i64(e, a[1]);
        put_i64(e, off);
        return q;
    }
    case 0x45: /* Duration: months, days, seconds, nanos */
        if (nf != 4 || read_int(&q, end, &a[0]) || read_int(&q, end, &a[1]) ||
            read_int(&q, end, &a[2]) || read_int(&q, end, &a[3]) || a[3] < 0 ||
            a[3] >= NANOS_PER_SECOND)
            return NULL;
        put_u8(e, TAG_DURATION);
        for (int i = 0; i < 4; i++)
            put_i64(e, a[i]);
        return q;
    case 0x58: /* Point2D: srid, x, y */
    case 0x59: /* Point3D: srid, x, y, z */
    {
        unsigned nc = tag == 0x58 ? 2 : 3;
        if (nf != nc + 1 || read_int(&q, end, &a[0])) return NULL;
        for (unsigned i = 0; i < nc; i++)
            if (read_float(&q, end, &f[i])) return NULL;
        put_u8(e, tag == 0x58 ? TAG_POINT2D : TAG_POINT3D);
        put_i64(e, a[0]);
        for (unsigned i = 0; i < nc; i++)
            put_f64(e, f[i]);
        return q;
    }
    default:
        return NULL;
    }
}

/* Canonical bytes of the scalar at p, like enc_value; NULL for anything else (only reserved
 * markers come here: scan_value dispatched the containers and structures). */
static inline const uint8_t *scan_scalar(scan *s, const uint8_t *p, const uint8_t *end)
{
    sent t;
    const uint8_t *q = classify(&t, p, end, &s->e);
    if (!q || !t.tag) return NULL;
    put_classified(&s->e, &t);
    return q;
}

static const uint8_t *scan_value(scan *s, const uint8_t *p, const uint8_t *end, unsigned level,
                                 unsigned cdepth, unsigned native)
{
    if (p >= end || cdepth > BV_CANON_MAX_DEPTH) return NULL;
    uint8_t m = *p;
    switch (m >> 4) {
    case 0x9:
        return in_place_or_decode(s, scan_list, p, end, level, cdepth, native);
    case 0xA:
        return in_place_or_decode(s, scan_map, p, end, level, cdepth, native);
    case 0xB:
        if (end - p < 2) return NULL;
        if (p[1] == 0x4E) return in_place_or_decode(s, scan_node, p, end, level, cdepth, native);
        return in_place_or_decode(s, scan_temporal, p, end, level, cdepth, native);
    default:
        break;
    }
    if (m >= 0xD4 && m <= 0xD6)
        return in_place_or_decode(s, scan_list, p, end, level, cdepth, native);
    if (m >= 0xD8 && m <= 0xDA)
        return in_place_or_decode(s, scan_map, p, end, level, cdepth, native);
    return scan_scalar(s, p, end);
}

/* ---- public API ------------------------------------------------------------------------------ */

int bv_canon_scan_hash128(const bv_canon *c, const bolt_decoder *d, const uint8_t *p, size_t n,
                          size_t *used, bv_h128 *out, unsigned *notes)
{
    if (!c || !d || !p || !out) return BOLT_E_INVAL;
    /* Only the session's plain decoding is mirrored: no flags, and the dialect and arena that
     * bolt_decode needs without flags (it fails with BOLT_E_INVAL without them, so must we). */
    if (d->flags || !d->dialect || !d->arena) return BV_CANON_SCAN_DECLINED;
    scan s;
    bv_hasher spill;
    unsigned local = 0;
    enc_init(&s.e, c, NULL, &spill, &local);
    s.d = d;
    s.max_depth = d->max_depth ? d->max_depth : BOLT_DEFAULT_MAX_DEPTH;
    if (s.max_depth > BOLT_MAX_DEPTH_LIMIT) s.max_depth = BOLT_MAX_DEPTH_LIMIT;
    s.err = 0;
    put_u8(&s.e, BV_CANON_FORMAT);
    const uint8_t *q = scan_value(&s, p, p + n, 0, 0, 0);
    if (!q && !s.err && n && (p[0] >= 0x90 && p[0] < 0xC0 ? 1 : p[0] >= 0xD4 && p[0] <= 0xDA)) {
        /* An in-place reader gave up after its bytes had gone to the hasher (a big value with
         * a repeated key, say): the whole value through the decoder instead. Only invalid
         * input declines, so callers never decode twice for a valid record. */
        local = 0;
        enc_done(&s.e); /* a scratch stack the tree encoder grew */
        enc_init(&s.e, c, NULL, &spill, &local);
        put_u8(&s.e, BV_CANON_FORMAT);
        q = decode_value(&s, p, p + n, 0, 0);
    }
    if (!q) {
        enc_done(&s.e);
        return s.err ? s.err : BV_CANON_SCAN_DECLINED;
    }
    *out = enc_digest(&s.e);
    enc_done(&s.e);
    if (used) *used = (size_t)(q - p);
    if (notes) *notes |= local;
    return 0;
}
