/* Snapshot payload reader: a bounded msgpack cursor over the payload bytes.
 *
 * Why not msgpack-c's unpacker: msgpack_unpack_next() allocates n * sizeof(msgpack_object)
 * from its zone as soon as it reads an array or map header, before any element, so the 5-byte
 * payload "dd ff ff ff ff" makes msgpack-c 4.0 call malloc(137438953480); and its zone calls
 * malloc() directly, out of reach of bolt/alloc.h and the malloc-failure tests. The format needs a handful of msgpack
 * types; this cursor reads exactly those, checks every declared size against the bytes that
 * remain (an element takes at least one byte, and records at least their known minimum size),
 * and copies strings straight into the measurement.
 *
 * Every error names where it happened ("sample[3].fields[1].name: expected a string"), and is
 * reported once: after the first failure every read is a no-op. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bolt/alloc.h"
#include "bolt/error.h"
#include "snapshot_internal.h"
#include "verify/canon.h"

typedef struct rd {
    const uint8_t *p, *end;
    int rc;
    char *err;
    size_t errlen;
    char path[192]; /* where the cursor is, for messages: "sample[3].fields[1]" */
    size_t pathlen;
} rd;

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void
rd_fail(rd *r, int code, const char *fmt, ...)
{
    if (r->rc) return;
    r->rc = code;
    if (!r->err || !r->errlen) return;
    if (code == BOLT_E_NOMEM) {
        snprintf(r->err, r->errlen, "out of memory");
        return;
    }
    int n = snprintf(r->err, r->errlen, "corrupt payload: %s%s", r->pathlen ? r->path : "",
                     r->pathlen ? ": " : "");
    if (n < 0 || (size_t)n >= r->errlen) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err + n, r->errlen - (size_t)n, fmt, ap);
    va_end(ap);
}

static void *rd_alloc(rd *r, size_t n, size_t size)
{
    if (r->rc) return NULL;
    void *p = bolt_calloc(n ? n : 1, size);
    if (!p) rd_fail(r, BOLT_E_NOMEM, "out of memory");
    return p;
}

/* ---- where we are, for messages ---- */

static size_t path_push(rd *r, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static size_t path_push(rd *r, const char *fmt, ...)
{
    size_t saved = r->pathlen;
    if (r->pathlen < sizeof r->path - 1) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(r->path + r->pathlen, sizeof r->path - r->pathlen, fmt, ap);
        va_end(ap);
        if (n > 0) r->pathlen += (size_t)n;
        if (r->pathlen > sizeof r->path - 1) r->pathlen = sizeof r->path - 1;
    }
    return saved;
}

static void path_pop(rd *r, size_t saved)
{
    r->pathlen = saved;
    r->path[saved] = '\0';
}

/* ---- msgpack primitives ---- */

static size_t rd_left(const rd *r)
{
    return (size_t)(r->end - r->p);
}

static int rd_need(rd *r, size_t n)
{
    if (r->rc) return 0;
    if (rd_left(r) < n) {
        rd_fail(r, BOLT_E_SNAPSHOT, "the payload ends in the middle of a value");
        return 0;
    }
    return 1;
}

static uint64_t rd_be(rd *r, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = v << 8 | r->p[i];
    r->p += n;
    return v;
}

static const char *type_name(uint8_t b)
{
    if (b <= 0x7f || b >= 0xe0 || (b >= 0xcc && b <= 0xd3)) return "an integer";
    if ((b >= 0xa0 && b <= 0xbf) || (b >= 0xd9 && b <= 0xdb)) return "a string";
    if ((b >= 0x90 && b <= 0x9f) || b == 0xdc || b == 0xdd) return "a list";
    if ((b >= 0x80 && b <= 0x8f) || b == 0xde || b == 0xdf) return "a map";
    if (b == 0xc0) return "nil";
    if (b == 0xc2 || b == 0xc3) return "a boolean";
    if (b >= 0xc4 && b <= 0xc6) return "binary data";
    if (b == 0xca || b == 0xcb) return "a float";
    return "an extension or reserved type";
}

static void rd_expected(rd *r, const char *what)
{
    rd_fail(r, BOLT_E_SNAPSHOT, "expected %s, found %s", what, type_name(*r->p));
}

static int rd_nil(rd *r)
{
    if (!rd_need(r, 1) || *r->p != 0xc0) return 0;
    r->p++;
    return 1;
}

/* Any msgpack integer as int64 (a uint64 above INT64_MAX is refused) or as uint64. */
static int rd_integer(rd *r, int *neg, uint64_t *mag)
{
    if (!rd_need(r, 1)) return BOLT_E_SNAPSHOT;
    uint8_t b = *r->p;
    *neg = 0;
    if (b <= 0x7f) {
        r->p++;
        *mag = b;
        return 0;
    }
    if (b >= 0xe0) {
        r->p++;
        *neg = 1;
        *mag = (uint64_t)(-(int64_t)(int8_t)b);
        return 0;
    }
    static const uint8_t sizes[] = {1, 2, 4, 8};
    if (b >= 0xcc && b <= 0xcf) {
        size_t n = sizes[b - 0xcc];
        if (!rd_need(r, 1 + n)) return BOLT_E_SNAPSHOT;
        r->p++;
        *mag = rd_be(r, n);
        return 0;
    }
    if (b >= 0xd0 && b <= 0xd3) {
        size_t n = sizes[b - 0xd0];
        if (!rd_need(r, 1 + n)) return BOLT_E_SNAPSHOT;
        r->p++;
        uint64_t u = rd_be(r, n);
        int64_t v;
        /* sign-extend the n-byte two's complement value */
        if (n < 8 && (u >> (8 * n - 1)) & 1) u |= ~(uint64_t)0 << (8 * n);
        memcpy(&v, &u, sizeof v);
        if (v < 0) {
            *neg = 1;
            *mag = (uint64_t)0 - u; /* |v|, also for INT64_MIN */
        } else {
            *mag = (uint64_t)v;
        }
        return 0;
    }
    rd_expected(r, "an integer");
    return BOLT_E_SNAPSHOT;
}

static uint64_t rd_uint(rd *r, uint64_t max, const char *what)
{
    int neg;
    uint64_t v;
    if (rd_integer(r, &neg, &v)) return 0;
    if (neg || v > max) {
        rd_fail(r, BOLT_E_SNAPSHOT, "%s out of range (0 to %llu)", what, (unsigned long long)max);
        return 0;
    }
    return v;
}

static int64_t rd_int(rd *r, int nonneg, const char *what)
{
    int neg;
    uint64_t v;
    if (rd_integer(r, &neg, &v)) return 0;
    if (neg && nonneg) {
        rd_fail(r, BOLT_E_SNAPSHOT, "%s is negative", what);
        return 0;
    }
    if (!neg && v > (uint64_t)INT64_MAX) {
        rd_fail(r, BOLT_E_SNAPSHOT, "%s is larger than a signed 64-bit integer", what);
        return 0;
    }
    if (neg) return v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
    return (int64_t)v;
}

static int rd_bool(rd *r)
{
    if (!rd_need(r, 1)) return 0;
    if (*r->p != 0xc2 && *r->p != 0xc3) {
        rd_expected(r, "a boolean");
        return 0;
    }
    return *r->p++ == 0xc3;
}

/* A container header: fixarray/array16/array32 (map = 0) or fixmap/map16/map32 (map = 1). The
 * count is checked against the bytes left: each element is at least min_elem bytes (a map
 * entry at least 2). */
static size_t rd_container(rd *r, int map, size_t min_elem)
{
    if (!rd_need(r, 1)) return 0;
    uint8_t b = *r->p;
    size_t n;
    if (!map && b >= 0x90 && b <= 0x9f) {
        r->p++;
        n = b & 0x0f;
    } else if (map && b >= 0x80 && b <= 0x8f) {
        r->p++;
        n = b & 0x0f;
    } else if (b == (map ? 0xde : 0xdc) || b == (map ? 0xdf : 0xdd)) {
        size_t w = b == (map ? 0xde : 0xdc) ? 2 : 4;
        if (!rd_need(r, 1 + w)) return 0;
        r->p++;
        n = (size_t)rd_be(r, w);
    } else {
        rd_expected(r, map ? "a map" : "a list");
        return 0;
    }
    if (min_elem && n > rd_left(r) / min_elem) {
        rd_fail(r, BOLT_E_SNAPSHOT, "%s of %zu entries cannot fit in the %zu bytes left",
                map ? "map" : "list", n, rd_left(r));
        return 0;
    }
    return n;
}

static size_t rd_array(rd *r, size_t min_elem)
{
    return rd_container(r, 0, min_elem);
}

/* A fixed-length record. */
static int rd_record(rd *r, size_t len)
{
    size_t n = rd_array(r, 1);
    if (r->rc) return 0;
    if (n != len) {
        rd_fail(r, BOLT_E_SNAPSHOT, "expected a record of %zu values, found %zu", len, n);
        return 0;
    }
    return 1;
}

/* A string as a view into the payload (no copy). */
static int rd_str_view(rd *r, const char **s, size_t *len)
{
    if (!rd_need(r, 1)) return 0;
    uint8_t b = *r->p;
    size_t n, w;
    if (b >= 0xa0 && b <= 0xbf) {
        n = b & 0x1f;
        w = 0;
    } else if (b >= 0xd9 && b <= 0xdb) {
        w = (size_t)1 << (b - 0xd9);
        if (!rd_need(r, 1 + w)) return 0;
        n = 0; /* read below, after the marker */
    } else {
        rd_expected(r, "a string");
        return 0;
    }
    r->p++;
    if (w) n = (size_t)rd_be(r, w);
    if (n > rd_left(r)) {
        rd_fail(r, BOLT_E_SNAPSHOT, "a string of %zu bytes runs past the end of the payload", n);
        return 0;
    }
    *s = (const char *)r->p;
    *len = n;
    r->p += n;
    return 1;
}

/* A string copied out (NUL-terminated). A NUL inside would cut the C string short and make
 * two different stored strings look equal: refused. */
static char *rd_str(rd *r, int nullable)
{
    if (nullable && rd_nil(r)) return NULL;
    const char *s;
    size_t n;
    if (!rd_str_view(r, &s, &n)) return NULL;
    if (memchr(s, '\0', n)) {
        rd_fail(r, BOLT_E_SNAPSHOT, "a string contains a NUL byte");
        return NULL;
    }
    char *c = bolt_strndup(s, n);
    if (!c) rd_fail(r, BOLT_E_NOMEM, "out of memory");
    return c;
}

static bv_h128 rd_h128(rd *r)
{
    bv_h128 h = {0, 0};
    if (!rd_need(r, 2)) return h;
    if (r->p[0] != 0xc4 || r->p[1] != 16) {
        rd_expected(r, "a 16-byte hash");
        return h;
    }
    if (!rd_need(r, 18)) return h;
    r->p += 2;
    h.hi = rd_be(r, 8);
    h.lo = rd_be(r, 8);
    return h;
}

/* ---- maps with named fields ---- */

/* Reads a map of named fields: for each key, *idx is its index in names[] (unknown keys and
 * repeated keys are refused); field() reads the value. After the map, every field must have
 * been seen. */
typedef void (*field_fn)(rd *r, int idx, void *ud);

static void rd_fields(rd *r, const char *const *names, int count, field_fn field, void *ud)
{
    size_t n = rd_container(r, 1, 2);
    uint32_t seen = 0; /* count <= 32 */
    for (size_t i = 0; i < n && !r->rc; i++) {
        const char *k;
        size_t klen;
        if (!rd_str_view(r, &k, &klen)) return;
        int idx = -1;
        for (int j = 0; j < count; j++)
            if (strlen(names[j]) == klen && !memcmp(names[j], k, klen)) idx = j;
        if (idx < 0) {
            char shown[64];
            snap_printable(shown, sizeof shown, k, klen);
            rd_fail(r, BOLT_E_SNAPSHOT, "unknown field '%s'", shown);
            return;
        }
        if (seen & (1u << idx)) {
            rd_fail(r, BOLT_E_SNAPSHOT, "field '%s' appears twice", names[idx]);
            return;
        }
        seen |= 1u << idx;
        size_t saved = path_push(r, "%s%s", r->pathlen ? "." : "", names[idx]);
        field(r, idx, ud);
        path_pop(r, saved);
    }
    for (int j = 0; j < count && !r->rc; j++)
        if (!(seen & (1u << j))) rd_fail(r, BOLT_E_SNAPSHOT, "field '%s' is missing", names[j]);
}

/* ---- measurement parts ---- */

/* A list of strings. An empty list stays NULL unless non_null (the database list, where NULL
 * means "no SHOW DATABASES" and an empty list is a fact). */
static void rd_strings(rd *r, char ***out, size_t *count, int non_null)
{
    size_t n = rd_array(r, 1);
    if (r->rc || (!n && !non_null)) return;
    char **v = rd_alloc(r, n, sizeof *v);
    if (!v) return;
    *out = v;
    for (size_t i = 0; i < n && !r->rc; i++) {
        size_t saved = path_push(r, "[%zu]", i);
        v[i] = rd_str(r, 0);
        path_pop(r, saved);
        if (v[i]) *count = i + 1;
    }
}

/* A count table: keys strictly ascending in byte order (the writer sorts them), which also
 * proves them unique in one pass. Entries are appended directly: bv_counts_set() would search
 * the table for every key. */
static void rd_counts(rd *r, bv_counts *c)
{
    size_t n = rd_container(r, 1, 2);
    if (r->rc || !n) return;
    if (!(c->items = rd_alloc(r, n, sizeof *c->items))) return;
    c->cap = n;
    for (size_t i = 0; i < n && !r->rc; i++) {
        char *k = rd_str(r, 0);
        if (!k) return;
        c->items[i].key = k;
        c->len = i + 1;
        char shown[48];
        size_t saved = path_push(r, "['%s']", SNAP_SHOW(shown, k));
        c->items[i].count = rd_int(r, 1, "the count");
        if (i && strcmp(c->items[i - 1].key, k) >= 0)
            rd_fail(r, BOLT_E_SNAPSHOT, "keys are not in ascending order (or repeated)");
        path_pop(r, saved);
    }
}

static void inventory_field(rd *r, int idx, void *ud)
{
    bv_inventory *inv = ud;
    switch (idx) {
    case SNAP_I_ADDRESS:
        inv->address = rd_str(r, 1);
        break;
    case SNAP_I_SERVER_AGENT:
        inv->server_agent = rd_str(r, 1);
        break;
    case SNAP_I_VERSION:
        inv->version = rd_str(r, 1);
        break;
    case SNAP_I_EDITION:
        inv->edition = rd_str(r, 1);
        break;
    case SNAP_I_BOLT_VERSION:
        inv->bolt_version = rd_str(r, 1);
        break;
    case SNAP_I_DATABASE:
        inv->database = rd_str(r, 1);
        break;
    case SNAP_I_DATABASES:
        if (!rd_nil(r)) rd_strings(r, &inv->databases, &inv->database_count, 1);
        break;
    }
}

static void schema_field(rd *r, int idx, void *ud)
{
    bv_schema_item *it = ud;
    switch (idx) {
    case SNAP_S_REL:
        it->is_relationship = rd_bool(r);
        break;
    case SNAP_S_KIND:
        it->kind = (bv_schema_kind)rd_uint(r, BV_SCHEMA_OTHER, "the kind");
        break;
    case SNAP_S_TOKENS:
        rd_strings(r, &it->tokens, &it->token_count, 0);
        break;
    case SNAP_S_PROPS:
        rd_strings(r, &it->props, &it->prop_count, 0);
        break;
    case SNAP_S_NAME:
        it->name = rd_str(r, 1);
        break;
    case SNAP_S_PROVIDER:
        it->provider = rd_str(r, 1);
        break;
    case SNAP_S_RAW_TYPE:
        it->raw_type = rd_str(r, 1);
        break;
    case SNAP_S_OWNED:
        it->owned = rd_bool(r);
        break;
    case SNAP_S_OWNER:
        it->owner = rd_str(r, 1);
        break;
    case SNAP_S_DETAIL:
        it->detail = rd_str(r, 1);
        break;
    }
}

static void rd_schema(rd *r, bv_measurement *m)
{
    /* an item is at least a fixmap marker and 10 field names (4 to 9 bytes each) with a
     * one-byte value: 1 + 10 * 5 */
    size_t n = rd_array(r, 51);
    if (r->rc || !n) return;
    if (!(m->schema = rd_alloc(r, n, sizeof *m->schema))) return;
    for (size_t i = 0; i < n && !r->rc; i++) {
        m->schema_count = i + 1; /* zeroed: bv_measurement_free() handles a partial item */
        size_t saved = path_push(r, "[%zu]", i);
        rd_fields(r, snap_schema_names, SNAP_SCHEMA_COUNT, schema_field, &m->schema[i]);
        path_pop(r, saved);
    }
}

static void coverage_field(rd *r, int idx, void *ud)
{
    bv_coverage *c = ud;
    switch (idx) {
    case SNAP_C_TOKEN:
        c->token = rd_str(r, 1);
        break;
    case SNAP_C_REL:
        c->is_relationship = rd_bool(r);
        break;
    case SNAP_C_KEYS:
        rd_counts(r, &c->keys);
        break;
    }
}

static void rd_coverage(rd *r, bv_measurement *m)
{
    /* {"token": nil, "rel": false, "keys": {}}: 1 + 7 + 5 + 6 bytes */
    size_t n = rd_array(r, 19);
    if (r->rc || !n) return;
    if (!(m->coverage = rd_alloc(r, n, sizeof *m->coverage))) return;
    for (size_t i = 0; i < n && !r->rc; i++) {
        m->coverage_count = i + 1;
        size_t saved = path_push(r, "[%zu]", i);
        rd_fields(r, snap_cov_names, SNAP_COV_COUNT, coverage_field, &m->coverage[i]);
        path_pop(r, saved);
    }
}

static unsigned rd_notes(rd *r)
{
    return (unsigned)rd_uint(r, BV_NOTE_ALL, "notes");
}

static void rd_field_hash(rd *r, bv_field_hash *f)
{
    if (!rd_record(r, SNAP_FIELD_LEN)) return;
    f->kind = (bv_field_kind)rd_uint(r, BV_FIELD_RELS, "the field kind");
    f->name = rd_str(r, 0);
    f->hash = rd_h128(r);
    f->rendering = rd_str(r, 1);
    f->notes = rd_notes(r);
}

/* Encoded sizes at least: a field [kind, name, bin16, nil, notes] 1+1+1+18+1+1 = 23; a node
 * [nil, nil, nil, bin16, bin16, notes, missing, []] 1+3+36+1+1+1 = 43. */
#define SNAP_FIELD_MIN 23
#define SNAP_NODE_MIN 43

static void rd_node(rd *r, bv_sample_node *s)
{
    if (!rd_record(r, SNAP_NODE_LEN)) return;
    s->label = rd_str(r, 1);
    s->key_prop = rd_str(r, 1);
    s->key_text = rd_str(r, 1);
    s->key_hash = rd_h128(r);
    s->node_hash = rd_h128(r);
    s->notes = rd_notes(r);
    s->missing = rd_bool(r);
    size_t saved = path_push(r, ".fields");
    size_t n = rd_array(r, SNAP_FIELD_MIN);
    if (!r->rc && n && (s->fields = rd_alloc(r, n, sizeof *s->fields)))
        for (size_t i = 0; i < n && !r->rc; i++) {
            s->field_count = i + 1;
            size_t at = path_push(r, "[%zu]", i);
            rd_field_hash(r, &s->fields[i]);
            path_pop(r, at);
        }
    path_pop(r, saved);
}

static void rd_sample(rd *r, bv_sample_node **nodes, size_t *count)
{
    size_t n = rd_array(r, SNAP_NODE_MIN);
    if (r->rc || !n) return;
    if (!(*nodes = rd_alloc(r, n, sizeof **nodes))) return;
    for (size_t i = 0; i < n && !r->rc; i++) {
        *count = i + 1; /* zeroed: bv_measurement_free() handles a partial node */
        size_t saved = path_push(r, "[%zu]", i);
        rd_node(r, &(*nodes)[i]);
        path_pop(r, saved);
    }
}

/* [label, nodes, bin16]: 1 + 1 + 1 + 18 = 21 bytes at least. */
static void rd_full(rd *r, bv_measurement *m)
{
    size_t n = rd_array(r, 21);
    if (r->rc || !n) return;
    bv_counts *c = &m->full_labels;
    if (!(c->items = rd_alloc(r, n, sizeof *c->items))) return;
    c->cap = n;
    if (!(m->full_digests = rd_alloc(r, n, sizeof *m->full_digests))) return;
    for (size_t i = 0; i < n && !r->rc; i++) {
        size_t saved = path_push(r, "[%zu]", i);
        if (rd_record(r, SNAP_FULL_LEN)) {
            char *label = rd_str(r, 0);
            if (label) {
                c->items[i].key = label;
                c->len = i + 1;
                c->items[i].count = rd_int(r, 1, "the node count");
                m->full_digests[i] = rd_h128(r);
            }
        }
        path_pop(r, saved);
    }
}

static void top_field(rd *r, int idx, void *ud)
{
    bv_measurement *m = ud;
    switch (idx) {
    case SNAP_F_CANON: {
        uint64_t canon = rd_uint(r, UINT32_MAX, "the canonical format");
        /* Hashes are only comparable when made by the same rules (verify/canon.h). */
        if (!r->rc && canon != BV_CANON_FORMAT)
            rd_fail(r, BOLT_E_UNSUPPORTED,
                    "its hashes use canonical value format %llu and this boltdiff uses %d: they "
                    "cannot be compared (take the snapshot again with this version)",
                    (unsigned long long)canon, BV_CANON_FORMAT);
        break;
    }
    case SNAP_F_TOOL: {
        const char *s;
        size_t n;
        rd_str_view(r, &s, &n); /* information only */
        break;
    }
    case SNAP_F_CHECKS:
        m->checks = (unsigned)rd_uint(r, BV_CHECK_ALL, "the check bits");
        break;
    case SNAP_F_INVENTORY:
        rd_fields(r, snap_inv_names, SNAP_INV_COUNT, inventory_field, &m->inventory);
        break;
    case SNAP_F_LABELS:
        rd_counts(r, &m->labels);
        break;
    case SNAP_F_REL_TYPES:
        rd_counts(r, &m->rel_types);
        break;
    case SNAP_F_PROP_KEYS:
        rd_counts(r, &m->prop_keys);
        break;
    case SNAP_F_NODE_COUNT:
        m->node_count = rd_int(r, 1, "the node count");
        break;
    case SNAP_F_REL_COUNT:
        m->rel_count = rd_int(r, 1, "the relationship count");
        break;
    case SNAP_F_LABEL_COUNTS:
        rd_counts(r, &m->label_counts);
        break;
    case SNAP_F_TYPE_COUNTS:
        rd_counts(r, &m->type_counts);
        break;
    case SNAP_F_OUT_COUNTS:
        rd_counts(r, &m->out_counts);
        break;
    case SNAP_F_IN_COUNTS:
        rd_counts(r, &m->in_counts);
        break;
    case SNAP_F_SCHEMA:
        rd_schema(r, m);
        break;
    case SNAP_F_COVERAGE:
        rd_coverage(r, m);
        break;
    case SNAP_F_SAMPLE:
        rd_sample(r, &m->sample, &m->sample_count);
        break;
    case SNAP_F_FULL:
        rd_full(r, m);
        break;
    case SNAP_F_FULL_NODES:
        rd_sample(r, &m->full_nodes, &m->full_node_count);
        break;
    case SNAP_F_SEED:
        m->seed = rd_uint(r, UINT64_MAX, "the seed");
        break;
    case SNAP_F_SAMPLE_SIZE:
        m->sample_size = (uint32_t)rd_uint(r, UINT32_MAX, "the sample size");
        break;
    case SNAP_F_SOURCE:
        m->source = rd_str(r, 1);
        break;
    case SNAP_F_MEASURED_AT:
        m->measured_at = rd_int(r, 0, "the measuring time");
        break;
    }
}

int snap_decode_payload(const uint8_t *p, size_t len, bv_measurement *m, char *err, size_t errlen)
{
    rd r = {.p = p, .end = p + len, .err = err, .errlen = errlen};
    /* The canonical format comes first in every file the writer makes, so a snapshot from
     * another hashing generation says so before anything else is judged. */
    rd_fields(&r, snap_top_names, SNAP_TOP_COUNT, top_field, m);
    if (!r.rc && r.p != r.end)
        rd_fail(&r, BOLT_E_SNAPSHOT, "%zu bytes after the end of the measurement", rd_left(&r));
    return r.rc;
}
