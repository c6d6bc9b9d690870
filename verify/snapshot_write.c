/* Snapshot payload writer: a bv_measurement as one msgpack map, packed with msgpack-c into a
 * buffer that grows through bolt_realloc (the packer itself never allocates, so the
 * malloc-failure tests reach every allocation of a write).
 *
 * The writer refuses what the reader would refuse (a NULL where a string is required, a
 * negative count, an enumeration out of range, unsorted or repeated count keys after sorting):
 * a file that cannot be read back must never be written. */
#include <msgpack.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bolt/alloc.h"
#include "bolt/error.h"
#include "snapshot_internal.h"
#include "verify/canon.h"

#define SNAP_NAME(name, text) text,
const char *const snap_top_names[SNAP_TOP_COUNT] = {SNAP_TOP_FIELDS(SNAP_NAME)};
const char *const snap_inv_names[SNAP_INV_COUNT] = {SNAP_INVENTORY_FIELDS(SNAP_NAME)};
const char *const snap_schema_names[SNAP_SCHEMA_COUNT] = {SNAP_SCHEMA_FIELDS(SNAP_NAME)};
const char *const snap_cov_names[SNAP_COV_COUNT] = {SNAP_COVERAGE_FIELDS(SNAP_NAME)};
#undef SNAP_NAME

typedef struct enc {
    msgpack_packer pk;
    uint8_t *p;
    size_t len, cap;
    int rc; /* first error; every helper is a no-op after it */
    char *err;
    size_t errlen;
} enc;

static int enc_sink(void *data, const char *buf, size_t len)
{
    enc *e = data;
    if (e->rc) return -1;
    if (len > e->cap - e->len) {
        size_t cap = e->cap ? e->cap : 4096;
        while (cap - e->len < len) {
            if (cap > SIZE_MAX / 2) {
                e->rc = BOLT_E_NOMEM;
                return -1;
            }
            cap *= 2;
        }
        uint8_t *p = bolt_realloc(e->p, cap);
        if (!p) {
            e->rc = BOLT_E_NOMEM;
            return -1;
        }
        e->p = p;
        e->cap = cap;
    }
    memcpy(e->p + e->len, buf, len);
    e->len += len;
    return 0;
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void
enc_fail(enc *e, const char *fmt, ...)
{
    if (e->rc) return;
    e->rc = BOLT_E_INVAL;
    if (!e->err || !e->errlen) return;
    int n = snprintf(e->err, e->errlen, "cannot store the measurement: ");
    if (n < 0 || (size_t)n >= e->errlen) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->err + n, e->errlen - (size_t)n, fmt, ap);
    va_end(ap);
}

/* msgpack-c returns -1 only when the sink failed, and the sink set rc then. */
static void put_str(enc *e, const char *s)
{
    if (!e->rc) msgpack_pack_str_with_body(&e->pk, s, strlen(s));
}

static void put_key(enc *e, const char *name)
{
    put_str(e, name);
}

static void put_opt_str(enc *e, const char *s)
{
    if (e->rc) return;
    if (s)
        put_str(e, s);
    else
        msgpack_pack_nil(&e->pk);
}

static void put_req_str(enc *e, const char *s, const char *what)
{
    if (!s)
        enc_fail(e, "%s is missing", what);
    else
        put_str(e, s);
}

static void put_uint(enc *e, uint64_t v)
{
    if (!e->rc) msgpack_pack_uint64(&e->pk, v);
}

static void put_int(enc *e, int64_t v)
{
    if (!e->rc) msgpack_pack_int64(&e->pk, v);
}

static void put_bool(enc *e, int v)
{
    if (e->rc) return;
    if (v)
        msgpack_pack_true(&e->pk);
    else
        msgpack_pack_false(&e->pk);
}

static void put_array(enc *e, size_t n)
{
    if (n > UINT32_MAX) enc_fail(e, "more than 2^32-1 entries in a list");
    if (!e->rc) msgpack_pack_array(&e->pk, n);
}

static void put_map(enc *e, size_t n)
{
    if (n > UINT32_MAX) enc_fail(e, "more than 2^32-1 entries in a table");
    if (!e->rc) msgpack_pack_map(&e->pk, n);
}

/* 16 bytes, high half first, each half big-endian: the order bv_h128_format() prints. */
static void put_h128(enc *e, bv_h128 h)
{
    if (e->rc) return;
    uint8_t b[16];
    for (int i = 0; i < 8; i++) {
        b[i] = (uint8_t)(h.hi >> (56 - 8 * i));
        b[8 + i] = (uint8_t)(h.lo >> (56 - 8 * i));
    }
    msgpack_pack_bin_with_body(&e->pk, b, sizeof b);
}

static void put_strings(enc *e, char *const *v, size_t n, const char *what)
{
    put_array(e, n);
    for (size_t i = 0; i < n && !e->rc; i++)
        put_req_str(e, v ? v[i] : NULL, what);
}

static int countp_cmp(const void *a, const void *b)
{
    return strcmp((*(const bv_count *const *)a)->key, (*(const bv_count *const *)b)->key);
}

/* A count table as a map sorted by key, so that equal tables give equal bytes whatever order
 * they were filled in; the reader insists on that order, which also proves keys unique. */
static void put_counts(enc *e, const bv_counts *c, const char *what)
{
    if (e->rc) return;
    if (c->len && !c->items) {
        enc_fail(e, "%s: no entries", what);
        return;
    }
    for (size_t i = 0; i < c->len; i++) {
        if (!c->items[i].key) {
            enc_fail(e, "%s: an entry has no key", what);
            return;
        }
        if (c->items[i].count < 0) {
            char shown[72];
            enc_fail(e, "%s: negative count for '%s'", what, SNAP_SHOW(shown, c->items[i].key));
            return;
        }
    }
    const bv_count **v = NULL;
    if (c->len) {
        if (!(v = bolt_malloc(c->len * sizeof *v))) {
            e->rc = BOLT_E_NOMEM;
            return;
        }
        for (size_t i = 0; i < c->len; i++)
            v[i] = &c->items[i];
        qsort(v, c->len, sizeof *v, countp_cmp);
        for (size_t i = 1; i < c->len; i++)
            if (!strcmp(v[i - 1]->key, v[i]->key)) {
                char shown[72];
                enc_fail(e, "%s: key '%s' appears twice", what, SNAP_SHOW(shown, v[i]->key));
                break;
            }
    }
    put_map(e, c->len);
    for (size_t i = 0; i < c->len && !e->rc; i++) {
        put_str(e, v[i]->key);
        put_int(e, v[i]->count);
    }
    bolt_free(v);
}

static void put_inventory(enc *e, const bv_inventory *inv)
{
    put_map(e, SNAP_INV_COUNT);
    put_key(e, snap_inv_names[SNAP_I_ADDRESS]);
    put_opt_str(e, inv->address);
    put_key(e, snap_inv_names[SNAP_I_SERVER_AGENT]);
    put_opt_str(e, inv->server_agent);
    put_key(e, snap_inv_names[SNAP_I_VERSION]);
    put_opt_str(e, inv->version);
    put_key(e, snap_inv_names[SNAP_I_EDITION]);
    put_opt_str(e, inv->edition);
    put_key(e, snap_inv_names[SNAP_I_BOLT_VERSION]);
    put_opt_str(e, inv->bolt_version);
    put_key(e, snap_inv_names[SNAP_I_DATABASE]);
    put_opt_str(e, inv->database);
    put_key(e, snap_inv_names[SNAP_I_DATABASES]);
    /* NULL (3.5: no SHOW DATABASES) and an empty list are different facts */
    if (!inv->databases && !e->rc)
        msgpack_pack_nil(&e->pk);
    else
        put_strings(e, inv->databases, inv->database_count, "inventory: database name");
}

static void put_schema(enc *e, const bv_schema_item *items, size_t n)
{
    put_array(e, n);
    for (size_t i = 0; i < n && !e->rc; i++) {
        const bv_schema_item *it = &items[i];
        if ((unsigned)it->kind > BV_SCHEMA_OTHER) {
            enc_fail(e, "schema item %zu: unknown kind %d", i, (int)it->kind);
            return;
        }
        put_map(e, SNAP_SCHEMA_COUNT);
        put_key(e, snap_schema_names[SNAP_S_REL]);
        put_bool(e, it->is_relationship);
        put_key(e, snap_schema_names[SNAP_S_KIND]);
        put_uint(e, (uint64_t)it->kind);
        put_key(e, snap_schema_names[SNAP_S_TOKENS]);
        put_strings(e, it->tokens, it->token_count, "schema: token");
        put_key(e, snap_schema_names[SNAP_S_PROPS]);
        put_strings(e, it->props, it->prop_count, "schema: property");
        put_key(e, snap_schema_names[SNAP_S_NAME]);
        put_opt_str(e, it->name);
        put_key(e, snap_schema_names[SNAP_S_PROVIDER]);
        put_opt_str(e, it->provider);
        put_key(e, snap_schema_names[SNAP_S_RAW_TYPE]);
        put_opt_str(e, it->raw_type);
        put_key(e, snap_schema_names[SNAP_S_OWNED]);
        put_bool(e, it->owned);
        put_key(e, snap_schema_names[SNAP_S_OWNER]);
        put_opt_str(e, it->owner);
        put_key(e, snap_schema_names[SNAP_S_DETAIL]);
        put_opt_str(e, it->detail);
    }
}

static void put_coverage(enc *e, const bv_coverage *cov, size_t n)
{
    put_array(e, n);
    for (size_t i = 0; i < n && !e->rc; i++) {
        put_map(e, SNAP_COV_COUNT);
        put_key(e, snap_cov_names[SNAP_C_TOKEN]);
        put_opt_str(e, cov[i].token);
        put_key(e, snap_cov_names[SNAP_C_REL]);
        put_bool(e, cov[i].is_relationship);
        put_key(e, snap_cov_names[SNAP_C_KEYS]);
        put_counts(e, &cov[i].keys, "coverage");
    }
}

static void put_sample(enc *e, const bv_sample_node *nodes, size_t n)
{
    if (n && !nodes) {
        enc_fail(e, "sampled nodes are missing");
        return;
    }
    put_array(e, n);
    for (size_t i = 0; i < n && !e->rc; i++) {
        const bv_sample_node *s = &nodes[i];
        if (s->notes & ~(unsigned)BV_NOTE_ALL) {
            enc_fail(e, "sampled node %zu: unknown note bits 0x%x", i, s->notes);
            return;
        }
        if (s->field_count && !s->fields) {
            enc_fail(e, "sampled node %zu: fields are missing", i);
            return;
        }
        put_array(e, SNAP_NODE_LEN);
        put_opt_str(e, s->label);
        put_opt_str(e, s->key_prop);
        put_opt_str(e, s->key_text);
        put_h128(e, s->key_hash);
        put_h128(e, s->node_hash);
        put_uint(e, s->notes);
        put_bool(e, s->missing);
        put_array(e, s->field_count);
        for (size_t j = 0; j < s->field_count && !e->rc; j++) {
            const bv_field_hash *f = &s->fields[j];
            if ((unsigned)f->kind > BV_FIELD_RELS || (f->notes & ~(unsigned)BV_NOTE_ALL)) {
                enc_fail(e, "sampled node %zu, field %zu: kind or notes out of range", i, j);
                return;
            }
            put_array(e, SNAP_FIELD_LEN);
            put_uint(e, (uint64_t)f->kind);
            put_req_str(e, f->name, "sampled node field name");
            put_h128(e, f->hash);
            put_opt_str(e, f->rendering);
            put_uint(e, f->notes);
        }
    }
}

static void put_full(enc *e, const bv_measurement *m)
{
    const bv_counts *c = &m->full_labels;
    if (c->len && !m->full_digests) {
        enc_fail(e, "full: digests are missing");
        return;
    }
    put_array(e, c->len);
    for (size_t i = 0; i < c->len && !e->rc; i++) {
        if (c->items[i].count < 0) {
            enc_fail(e, "full: negative node count");
            return;
        }
        put_array(e, SNAP_FULL_LEN);
        put_req_str(e, c->items[i].key, "full: label");
        put_int(e, c->items[i].count);
        put_h128(e, m->full_digests[i]);
    }
}

int snap_encode_payload(const bv_measurement *m, uint8_t **out, size_t *len, size_t reserve,
                        char *err, size_t errlen)
{
    enc e = {.err = err, .errlen = errlen};
    msgpack_packer_init(&e.pk, &e, enc_sink);
    if (reserve) {
        /* room for the header, filled in by the caller once the checksum is known */
        static const char zeros[64];
        if (reserve > sizeof zeros) return BOLT_E_INVAL;
        enc_sink(&e, zeros, reserve);
    }
    if (m->checks & ~(unsigned)BV_CHECK_ALL) enc_fail(&e, "unknown check bits 0x%x", m->checks);

    put_map(&e, SNAP_TOP_COUNT);
    put_key(&e, snap_top_names[SNAP_F_CANON]);
    put_uint(&e, BV_CANON_FORMAT);
    put_key(&e, snap_top_names[SNAP_F_TOOL]);
    put_str(&e, "boltdiff " BOLTDIFF_VERSION);
    put_key(&e, snap_top_names[SNAP_F_CHECKS]);
    put_uint(&e, m->checks);
    put_key(&e, snap_top_names[SNAP_F_INVENTORY]);
    put_inventory(&e, &m->inventory);
    put_key(&e, snap_top_names[SNAP_F_LABELS]);
    put_counts(&e, &m->labels, "labels");
    put_key(&e, snap_top_names[SNAP_F_REL_TYPES]);
    put_counts(&e, &m->rel_types, "relationship types");
    put_key(&e, snap_top_names[SNAP_F_PROP_KEYS]);
    put_counts(&e, &m->prop_keys, "property keys");
    put_key(&e, snap_top_names[SNAP_F_NODE_COUNT]);
    put_int(&e, m->node_count);
    put_key(&e, snap_top_names[SNAP_F_REL_COUNT]);
    put_int(&e, m->rel_count);
    if (m->node_count < 0 || m->rel_count < 0) enc_fail(&e, "negative node or relationship count");
    put_key(&e, snap_top_names[SNAP_F_LABEL_COUNTS]);
    put_counts(&e, &m->label_counts, "label counts");
    put_key(&e, snap_top_names[SNAP_F_TYPE_COUNTS]);
    put_counts(&e, &m->type_counts, "type counts");
    put_key(&e, snap_top_names[SNAP_F_OUT_COUNTS]);
    put_counts(&e, &m->out_counts, "outgoing counts");
    put_key(&e, snap_top_names[SNAP_F_IN_COUNTS]);
    put_counts(&e, &m->in_counts, "incoming counts");
    put_key(&e, snap_top_names[SNAP_F_SCHEMA]);
    put_schema(&e, m->schema, m->schema_count);
    put_key(&e, snap_top_names[SNAP_F_COVERAGE]);
    put_coverage(&e, m->coverage, m->coverage_count);
    put_key(&e, snap_top_names[SNAP_F_SAMPLE]);
    put_sample(&e, m->sample, m->sample_count);
    put_key(&e, snap_top_names[SNAP_F_FULL]);
    put_full(&e, m);
    put_key(&e, snap_top_names[SNAP_F_FULL_NODES]);
    put_sample(&e, m->full_nodes, m->full_node_count);
    put_key(&e, snap_top_names[SNAP_F_SEED]);
    put_uint(&e, m->seed);
    put_key(&e, snap_top_names[SNAP_F_SAMPLE_SIZE]);
    put_uint(&e, m->sample_size);
    put_key(&e, snap_top_names[SNAP_F_SOURCE]);
    put_opt_str(&e, m->source);
    put_key(&e, snap_top_names[SNAP_F_MEASURED_AT]);
    put_int(&e, m->measured_at);

    if (e.rc) {
        bolt_free(e.p);
        if (e.rc == BOLT_E_NOMEM && err && errlen) snprintf(err, errlen, "out of memory");
        return e.rc;
    }
    *out = e.p;
    *len = e.len;
    return 0;
}
