/* Canonical encoding and XXH3-128 hashing of Bolt values (include/verify/canon.h; the byte
 * layout is specified in docs/canonical-values.md, and any change to it must bump
 * BV_CANON_FORMAT).
 *
 * The encoder writes a type-tagged byte stream through a small staging buffer: no canonical
 * copy of a big value is ever built. A value whose stream fits the stage (a typical node is
 * ~540 bytes) is hashed in one XXH3 call, which costs a quarter of feeding the streaming state
 * (its reset alone clears ~500 bytes); larger ones spill into a streaming hasher, with the same
 * digest (XXH3 streaming equals one-shot over the same bytes). Maps and label sets need sorting
 * (canon_sort.c); their entry arrays live on one scratch stack per call (an inline buffer first,
 * bolt_malloc beyond), addressed by index because a nested map may grow (move) the stack. What a
 * zone-id DateTime means after the tz database is decided in canon_time.c. */
#include "canon_enc.h"

#include "bolt/alloc.h"
#include "bolt/error.h"

#include <string.h>

/* ---- structure checks ------------------------------------------------------------------------ */

static int field_is(const bolt_value *v, unsigned i, bolt_type t)
{
    if (i >= v->len || v->u.items[i].type != t) return 0;
    if (t == BOLT_T_STRING || t == BOLT_T_BYTES) return bv_canon_blob_ok_(&v->u.items[i]);
    if (t == BOLT_T_LIST || t == BOLT_T_MAP)
        return v->u.items[i].len == 0 || v->u.items[i].u.items != NULL;
    return 1;
}

int bv_canon_check_struct_(const bolt_value *v)
{
    const int I = BOLT_T_INT, F = BOLT_T_FLOAT;
    int ok = 1;
    switch ((bolt_type)v->type) {
    case BOLT_T_NODE:
        ok = (v->len == 3 || v->len == 4) && field_is(v, BOLT_NODE_LABELS, BOLT_T_LIST) &&
             field_is(v, BOLT_NODE_PROPS, BOLT_T_MAP);
        break;
    case BOLT_T_RELATIONSHIP:
        ok = (v->len == 5 || v->len == 8) && field_is(v, BOLT_REL_TYPE, BOLT_T_STRING) &&
             field_is(v, BOLT_REL_PROPS, BOLT_T_MAP);
        break;
    case BOLT_T_UNBOUND_REL:
        ok = (v->len == 3 || v->len == 4) && field_is(v, BOLT_UREL_TYPE, BOLT_T_STRING) &&
             field_is(v, BOLT_UREL_PROPS, BOLT_T_MAP);
        break;
    case BOLT_T_PATH:
        ok = v->len == 3 && field_is(v, 0, BOLT_T_LIST) && field_is(v, 1, BOLT_T_LIST) &&
             field_is(v, 2, BOLT_T_LIST);
        break;
    case BOLT_T_DATE:
    case BOLT_T_LOCAL_TIME:
        ok = v->len == 1 && field_is(v, 0, I);
        break;
    case BOLT_T_TIME:
    case BOLT_T_LOCAL_DATETIME:
        ok = v->len == 2 && field_is(v, 0, I) && field_is(v, 1, I);
        break;
    case BOLT_T_DATETIME:
        ok = v->len == 3 && field_is(v, 0, I) && field_is(v, 1, I) && field_is(v, 2, I);
        break;
    case BOLT_T_DATETIME_ZONE:
        ok = v->len == 3 && field_is(v, 0, I) && field_is(v, 1, I) && field_is(v, 2, BOLT_T_STRING);
        break;
    case BOLT_T_DURATION:
        ok = v->len == 4;
        for (unsigned i = 0; ok && i < 4; i++)
            ok = field_is(v, i, I);
        break;
    case BOLT_T_POINT2D:
        ok = v->len == 3 && field_is(v, 0, I) && field_is(v, 1, F) && field_is(v, 2, F);
        break;
    case BOLT_T_POINT3D:
        ok = v->len == 4 && field_is(v, 0, I) && field_is(v, 1, F) && field_is(v, 2, F) &&
             field_is(v, 3, F);
        break;
    case BOLT_T_VECTOR:
        ok = v->len == 2 && field_is(v, 0, BOLT_T_BYTES) && v->u.items[0].len == 1 &&
             field_is(v, 1, BOLT_T_BYTES);
        break;
    case BOLT_T_UNSUPPORTED:
        ok = v->len >= 1 && field_is(v, BOLT_UNSUP_NAME, BOLT_T_STRING);
        break;
    default:
        break;
    }
    if (ok && v->len && v->type >= BOLT_T_STRUCT && !v->u.items) ok = 0;
    return ok ? 0 : BOLT_E_BAD_STRUCT;
}

/* ---- encoder --------------------------------------------------------------------------------- */

static int enc_value(enc *e, const bolt_value *v, unsigned depth);

/* One map entry whose value is a scalar (the bulk of node properties), written with one bounds
 * check and the write position kept in a register. The same bytes as put_blob + enc_value: a
 * chain of small writes that each load and store the hasher's fill level is bound by
 * store-to-load latency, not by the work. Returns 0 (nothing written) when the value is not a
 * scalar, nesting is too deep, or the entry does not fit the buffer: the caller then takes the
 * general path. */
static int put_scalar_entry(enc *e, const bolt_value *k, const bolt_value *v, unsigned depth)
{
    uint32_t b = e->len;
    size_t klen = k->len, vlen = 0;
    uint64_t payload;
    switch (v->type) {
    case BOLT_T_NULL:
        payload = 0;
        break;
    case BOLT_T_BOOL:
        payload = v->u.i != 0;
        break;
    case BOLT_T_INT:
        payload = (uint64_t)v->u.i;
        break;
    case BOLT_T_FLOAT:
        payload = f64_bits(e, v->u.f);
        break;
    case BOLT_T_STRING:
    case BOLT_T_BYTES:
        if (!bv_canon_blob_ok_(v)) return 0; /* enc_value reports it */
        payload = vlen = v->len;
        break;
    default:
        return 0;
    }
    if (depth > BV_CANON_MAX_DEPTH || b > STAGE) return 0;
    /* key: 8 + klen; value: tag + at most 8 + vlen */
    size_t room = STAGE - b;
    if (klen > room || vlen > room || 17 + klen + vlen > room) return 0;
    unsigned char *q = e->stage + b;
    le64(q, klen);
    if (klen) memcpy(q + 8, k->u.str, klen);
    q += 8 + klen;
    switch (v->type) {
    case BOLT_T_NULL:
        *q++ = TAG_NULL;
        break;
    case BOLT_T_BOOL:
        *q++ = TAG_BOOL;
        *q++ = (unsigned char)payload;
        break;
    case BOLT_T_INT:
        *q++ = TAG_INT;
        le64(q, payload);
        q += 8;
        break;
    case BOLT_T_FLOAT:
        *q++ = TAG_FLOAT;
        le64(q, payload);
        q += 8;
        break;
    default: /* STRING, BYTES */
        *q++ = v->type == BOLT_T_STRING ? TAG_STRING : TAG_BYTES;
        le64(q, payload);
        if (vlen) memcpy(q + 8, v->u.bytes, vlen);
        q += 8 + vlen;
        break;
    }
    e->len = (uint32_t)(q - e->stage);
    return 1;
}

static int enc_map(enc *e, const bolt_value *m, unsigned depth)
{
    size_t base;
    int rc = push(e, m->len, &base);
    if (rc) return rc;
    int n = bv_canon_sort_map_(m, e->kv + base);
    if (n < 0) {
        e->top = base;
        return n;
    }
    put_u8(e, TAG_MAP);
    put_u64(e, (uint64_t)n);
    for (int i = 0; i < n && rc == 0; i++) {
        const bv_kv kv = e->kv[base + (size_t)i]; /* re-read: recursion may move the stack */
        if (put_scalar_entry(e, kv.k, kv.v, depth + 1)) continue;
        put_blob(e, kv.k->u.str, kv.k->len);
        rc = enc_value(e, kv.v, depth + 1);
    }
    e->top = base;
    return rc;
}

/* Labels as a sorted set (a node has each label once; duplicates in a hand-built list are
 * folded), then the properties. */
static int enc_node_parts(enc *e, const bolt_value *labels, const bolt_value *props, unsigned depth)
{
    if (!labels || !props || labels->type != BOLT_T_LIST || props->type != BOLT_T_MAP ||
        (labels->len && !labels->u.items) || (props->len && !props->u.items))
        return BOLT_E_BAD_STRUCT;
    size_t base;
    int rc = push(e, labels->len, &base);
    if (rc) return rc;
    bv_kv *kv = e->kv + base;
    for (size_t i = 0; i < labels->len; i++) {
        kv[i].k = &labels->u.items[i];
        kv[i].v = NULL;
        if (kv[i].k->type != BOLT_T_STRING || !bv_canon_blob_ok_(kv[i].k)) {
            e->top = base;
            return BOLT_E_BAD_STRUCT;
        }
    }
    size_t n = bv_canon_sort_labels_(kv, labels->len);
    put_u8(e, TAG_NODE);
    put_u64(e, n);
    for (size_t i = 0; i < n; i++)
        put_blob(e, kv[i].k->u.str, kv[i].k->len);
    e->top = base;
    return enc_map(e, props, depth + 1);
}

static void put_key(enc *e, const bv_h128 *key)
{
    if (!key) {
        put_u8(e, 0);
        return;
    }
    put_u8(e, 1);
    put_u64(e, key->lo);
    put_u64(e, key->hi);
}

static int enc_rel_parts(enc *e, const bolt_value *type, const bolt_value *props,
                         const bv_h128 *start_key, const bv_h128 *end_key, unsigned depth)
{
    if (!type || !props || type->type != BOLT_T_STRING || !bv_canon_blob_ok_(type) ||
        props->type != BOLT_T_MAP || (props->len && !props->u.items))
        return BOLT_E_BAD_STRUCT;
    put_u8(e, TAG_REL);
    put_blob(e, type->u.str, type->len);
    int rc = enc_map(e, props, depth + 1);
    if (rc) return rc;
    put_key(e, start_key);
    put_key(e, end_key);
    return 0;
}

static void rel_fields(const bolt_value *r, const bolt_value **type, const bolt_value **props)
{
    if (r->type == BOLT_T_RELATIONSHIP) {
        *type = &r->u.items[BOLT_REL_TYPE];
        *props = &r->u.items[BOLT_REL_PROPS];
    } else {
        *type = &r->u.items[BOLT_UREL_TYPE];
        *props = &r->u.items[BOLT_UREL_PROPS];
    }
}

static int enc_rel(enc *e, const bolt_value *r, const bv_h128 *sk, const bv_h128 *ek,
                   unsigned depth)
{
    if (r->type != BOLT_T_RELATIONSHIP && r->type != BOLT_T_UNBOUND_REL) return BOLT_E_BAD_STRUCT;
    int rc = bv_canon_check_struct_(r);
    if (rc) return rc;
    const bolt_value *type, *props;
    rel_fields(r, &type, &props);
    return enc_rel_parts(e, type, props, sk, ek, depth);
}

/* Path: the first node, then for each step the direction, the relationship and the node
 * reached (bolt-reference 5.1: indices are (rel 1-based, negative = against its direction;
 * node 0-based) pairs). Ids never enter the hash, so the same walk hashes the same. */
static int enc_path(enc *e, const bolt_value *p, unsigned depth)
{
    const bolt_value *nodes = &p->u.items[BOLT_PATH_NODES], *rels = &p->u.items[BOLT_PATH_RELS],
                     *idx = &p->u.items[BOLT_PATH_INDICES];
    if (nodes->len == 0 || idx->len % 2 != 0) return BOLT_E_BAD_STRUCT;
    for (uint32_t i = 0; i < idx->len; i++) {
        const bolt_value *x = &idx->u.items[i];
        if (x->type != BOLT_T_INT) return BOLT_E_BAD_STRUCT;
        if (i % 2 == 0
                ? (x->u.i == 0 || x->u.i > (int64_t)rels->len || x->u.i < -(int64_t)rels->len)
                : (x->u.i < 0 || x->u.i >= (int64_t)nodes->len))
            return BOLT_E_BAD_STRUCT;
    }
    put_u8(e, TAG_PATH);
    put_u64(e, idx->len / 2);
    if (nodes->u.items[0].type != BOLT_T_NODE) return BOLT_E_BAD_STRUCT;
    int rc = enc_value(e, &nodes->u.items[0], depth + 1);
    for (uint32_t i = 0; i < idx->len && rc == 0; i += 2) {
        int64_t ri = idx->u.items[i].u.i, ni = idx->u.items[i + 1].u.i;
        put_u8(e, ri > 0 ? '>' : '<');
        rc = enc_rel(e, &rels->u.items[(ri > 0 ? ri : -ri) - 1], NULL, NULL, depth + 1);
        if (rc == 0 && nodes->u.items[ni].type != BOLT_T_NODE) rc = BOLT_E_BAD_STRUCT;
        if (rc == 0) rc = enc_value(e, &nodes->u.items[ni], depth + 1);
    }
    return rc;
}

static int enc_struct(enc *e, const bolt_value *v, unsigned depth)
{
    int rc = bv_canon_check_struct_(v);
    if (rc) return rc;
    const bolt_value *f = v->u.items;
    switch ((bolt_type)v->type) {
    case BOLT_T_NODE:
        return enc_node_parts(e, &f[BOLT_NODE_LABELS], &f[BOLT_NODE_PROPS], depth);
    case BOLT_T_RELATIONSHIP:
    case BOLT_T_UNBOUND_REL:
        return enc_rel(e, v, NULL, NULL, depth);
    case BOLT_T_PATH:
        return enc_path(e, v, depth);
    case BOLT_T_DATE:
        put_u8(e, TAG_DATE);
        put_i64(e, f[0].u.i);
        return 0;
    case BOLT_T_TIME:
        put_u8(e, TAG_TIME);
        put_i64(e, f[BOLT_TIME_NANOS].u.i);
        put_i64(e, f[BOLT_TIME_OFFSET].u.i);
        return 0;
    case BOLT_T_LOCAL_TIME:
        put_u8(e, TAG_LOCAL_TIME);
        put_i64(e, f[0].u.i);
        return 0;
    case BOLT_T_LOCAL_DATETIME:
        put_u8(e, TAG_LOCAL_DATETIME);
        put_i64(e, f[BOLT_LDT_SECONDS].u.i);
        put_i64(e, f[BOLT_LDT_NANOS].u.i);
        return 0;
    case BOLT_T_DATETIME: {
        int64_t utc;
        rc = bv_canon_dt_utc_(v, &utc);
        if (rc) return rc;
        put_u8(e, TAG_DATETIME);
        put_i64(e, utc);
        put_i64(e, f[BOLT_DT_NANOS].u.i);
        put_i64(e, f[BOLT_DT_OFFSET].u.i);
        return 0;
    }
    case BOLT_T_DATETIME_ZONE: {
        bv_zdt z;
        rc = bv_canon_zdt_(e->c, v, &z);
        if (rc) return rc;
        if (e->notes) *e->notes |= z.notes;
        put_u8(e, z.instant_form ? TAG_DATETIME_ZUTC : TAG_DATETIME_ZONE);
        put_i64(e, z.instant_form ? z.utc : z.local);
        put_i64(e, z.nanos);
        put_blob(e, z.zone, z.zlen);
        return 0;
    }
    case BOLT_T_DURATION:
        put_u8(e, TAG_DURATION);
        for (int i = 0; i < 4; i++)
            put_i64(e, f[i].u.i);
        return 0;
    case BOLT_T_POINT2D:
    case BOLT_T_POINT3D:
        put_u8(e, v->type == BOLT_T_POINT2D ? TAG_POINT2D : TAG_POINT3D);
        put_i64(e, f[BOLT_POINT_SRID].u.i);
        for (uint32_t i = 1; i < v->len; i++)
            put_f64(e, f[i].u.f);
        return 0;
    case BOLT_T_VECTOR:
        put_u8(e, TAG_VECTOR);
        put_u8(e, f[BOLT_VEC_TYPE].u.bytes[0]);
        put_blob(e, f[BOLT_VEC_DATA].u.bytes, f[BOLT_VEC_DATA].len);
        return 0;
    case BOLT_T_UNSUPPORTED:
        put_u8(e, TAG_UNSUPPORTED);
        put_blob(e, f[BOLT_UNSUP_NAME].u.str, f[BOLT_UNSUP_NAME].len);
        return 0;
    default: /* BOLT_T_STRUCT: an unknown tag kept raw */
        put_u8(e, TAG_STRUCT);
        put_u8(e, v->tag);
        put_u64(e, v->len);
        for (uint32_t i = 0; i < v->len && rc == 0; i++)
            rc = enc_value(e, &f[i], depth + 1);
        return rc;
    }
}

static int enc_value(enc *e, const bolt_value *v, unsigned depth)
{
    if (depth > BV_CANON_MAX_DEPTH) return BOLT_E_TOO_DEEP;
    switch (v->type) {
    case BOLT_T_NULL:
        put_u8(e, TAG_NULL);
        return 0;
    case BOLT_T_BOOL:
        put_u8(e, TAG_BOOL);
        put_u8(e, v->u.i != 0);
        return 0;
    case BOLT_T_INT:
        put_u8(e, TAG_INT);
        put_i64(e, v->u.i);
        return 0;
    case BOLT_T_FLOAT:
        put_u8(e, TAG_FLOAT);
        put_f64(e, v->u.f);
        return 0;
    case BOLT_T_STRING:
    case BOLT_T_BYTES:
        if (!bv_canon_blob_ok_(v)) return BOLT_E_INVAL;
        put_u8(e, v->type == BOLT_T_STRING ? TAG_STRING : TAG_BYTES);
        put_blob(e, v->u.bytes, v->len);
        return 0;
    case BOLT_T_LIST: {
        if (v->len && !v->u.items) return BOLT_E_INVAL;
        put_u8(e, TAG_LIST);
        put_u64(e, v->len);
        int rc = 0;
        for (uint32_t i = 0; i < v->len && rc == 0; i++)
            rc = enc_value(e, &v->u.items[i], depth + 1);
        return rc;
    }
    case BOLT_T_MAP:
        if (v->len && !v->u.items) return BOLT_E_INVAL;
        return enc_map(e, v, depth);
    default:
        if (v->type >= BOLT_T__COUNT) return BOLT_E_INVAL;
        return enc_struct(e, v, depth);
    }
}

int bv_canon_enc_value_(enc *e, const bolt_value *v, unsigned depth)
{
    return enc_value(e, v, depth);
}

/* ---- public API ------------------------------------------------------------------------------ */

int bv_canon_write(const bv_canon *c, const bolt_value *v, bv_hasher *h, unsigned *notes)
{
    if (!c || !v || !h) return BOLT_E_INVAL;
    enc e;
    enc_init(&e, c, h, NULL, notes);
    int rc = enc_value(&e, v, 0);
    enc_finish(&e);
    enc_done(&e);
    return rc;
}

int bv_canon_hash128(const bv_canon *c, const bolt_value *v, bv_h128 *out, unsigned *notes)
{
    if (!c || !v || !out) return BOLT_E_INVAL;
    bv_hasher spill;
    enc e;
    enc_init(&e, c, NULL, &spill, notes);
    put_u8(&e, BV_CANON_FORMAT);
    int rc = enc_value(&e, v, 0);
    if (rc == 0) *out = enc_digest(&e);
    enc_done(&e);
    return rc;
}

int bv_canon_node_hash128(const bv_canon *c, const bolt_value *labels, const bolt_value *props,
                          bv_h128 *out, unsigned *notes)
{
    if (!c || !labels || !props || !out) return BOLT_E_INVAL;
    bv_hasher spill;
    enc e;
    enc_init(&e, c, NULL, &spill, notes);
    put_u8(&e, BV_CANON_FORMAT);
    int rc = enc_node_parts(&e, labels, props, 0);
    if (rc == 0) *out = enc_digest(&e);
    enc_done(&e);
    return rc;
}

int bv_canon_rel_parts_hash128(const bv_canon *c, const bolt_value *type, const bolt_value *props,
                               const bv_h128 *start_key, const bv_h128 *end_key, bv_h128 *out,
                               unsigned *notes)
{
    if (!c || !type || !props || !out) return BOLT_E_INVAL;
    bv_hasher spill;
    enc e;
    enc_init(&e, c, NULL, &spill, notes);
    put_u8(&e, BV_CANON_FORMAT);
    int rc = enc_rel_parts(&e, type, props, start_key, end_key, 0);
    if (rc == 0) *out = enc_digest(&e);
    enc_done(&e);
    return rc;
}

int bv_canon_rel_hash128(const bv_canon *c, const bolt_value *rel, const bv_h128 *start_key,
                         const bv_h128 *end_key, bv_h128 *out, unsigned *notes)
{
    if (!c || !rel || !out) return BOLT_E_INVAL;
    if (rel->type != BOLT_T_RELATIONSHIP && rel->type != BOLT_T_UNBOUND_REL) return BOLT_E_INVAL;
    int rc = bv_canon_check_struct_(rel);
    if (rc) return rc;
    const bolt_value *type, *props;
    rel_fields(rel, &type, &props);
    return bv_canon_rel_parts_hash128(c, type, props, start_key, end_key, out, notes);
}

/* ---- notes ----------------------------------------------------------------------------------- */

const char *bv_note_name(unsigned note)
{
    switch (note) {
    case BV_NOTE_AMBIGUOUS_DST:
        return "ambiguous-dst";
    case BV_NOTE_DST_GAP:
        return "dst-gap";
    case BV_NOTE_UNKNOWN_ZONE:
        return "unknown-zone";
    case BV_NOTE_TZ_ERROR:
        return "tz-error";
    default:
        return "unknown";
    }
}
