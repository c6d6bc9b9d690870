/* Value helpers (bolt/value.h): per-version dialect, type names, map lookup, deep equality,
 * deep copy into an arena, and the UTF-8 checks shared by the decoder and the formatter. */
#include "bolt/value.h"

#include <string.h>

#include "bolt/error.h"

#include "packstream_int.h"

void bolt_dialect_for(bolt_dialect *d, unsigned major, unsigned minor, int utc_patch_echoed)
{
    memset(d, 0, sizeof *d);
    d->major = (uint8_t)(major > 255 ? 255 : major);
    d->minor = (uint8_t)(minor > 255 ? 255 : minor);
    /* Bolt 1 (Neo4j 3.0-3.3) predates temporal and spatial types (Neo4j 3.4, Bolt 2). */
    d->temporal = major >= 2;
    /* I/i from 5.0; on 4.3/4.4 only once the server echoed patch_bolt ["utc"]. */
    d->utc_datetime = major >= 5 || (major == 4 && minor >= 3 && utc_patch_echoed);
    d->element_ids = major >= 5;
    d->vectors = major >= 6;
}

static const char *const type_names[BOLT_T__COUNT] = {
    [BOLT_T_NULL] = "Null",
    [BOLT_T_BOOL] = "Boolean",
    [BOLT_T_INT] = "Integer",
    [BOLT_T_FLOAT] = "Float",
    [BOLT_T_STRING] = "String",
    [BOLT_T_BYTES] = "Bytes",
    [BOLT_T_LIST] = "List",
    [BOLT_T_MAP] = "Map",
    [BOLT_T_STRUCT] = "Structure",
    [BOLT_T_NODE] = "Node",
    [BOLT_T_RELATIONSHIP] = "Relationship",
    [BOLT_T_UNBOUND_REL] = "UnboundRelationship",
    [BOLT_T_PATH] = "Path",
    [BOLT_T_DATE] = "Date",
    [BOLT_T_TIME] = "Time",
    [BOLT_T_LOCAL_TIME] = "LocalTime",
    [BOLT_T_DATETIME] = "DateTime",
    [BOLT_T_DATETIME_ZONE] = "DateTimeZoneId",
    [BOLT_T_LOCAL_DATETIME] = "LocalDateTime",
    [BOLT_T_DURATION] = "Duration",
    [BOLT_T_POINT2D] = "Point2D",
    [BOLT_T_POINT3D] = "Point3D",
    [BOLT_T_VECTOR] = "Vector",
    [BOLT_T_UNSUPPORTED] = "UnsupportedType",
};

const char *bolt_type_name(bolt_type t)
{
    return (unsigned)t < BOLT_T__COUNT ? type_names[t] : "Unknown";
}

bolt_value bolt_string(const char *s)
{
    return bolt_stringn(s, s ? strlen(s) : 0);
}

const bolt_value *bolt_map_getn(const bolt_value *map, const char *key, size_t keylen)
{
    if (!map || map->type != BOLT_T_MAP || !key) return NULL;
    /* Backwards: duplicate keys are legal on the wire and the last occurrence wins. */
    for (uint32_t i = map->len; i-- > 0;) {
        const bolt_value *k = &map->u.items[2 * (size_t)i];
        if (k->type == BOLT_T_STRING && k->len == keylen &&
            (keylen == 0 || memcmp(k->u.str, key, keylen) == 0))
            return k + 1;
    }
    return NULL;
}

const bolt_value *bolt_map_get(const bolt_value *map, const char *key)
{
    return key ? bolt_map_getn(map, key, strlen(key)) : NULL;
}

int bolt_value_str_eq(const bolt_value *v, const char *s)
{
    if (!v || v->type != BOLT_T_STRING || !s) return 0;
    size_t n = strlen(s);
    return v->len == n && (n == 0 || memcmp(v->u.str, s, n) == 0);
}

/* ---- deep equality -------------------------------------------------------------------------
 * Recursion is bounded: trees deeper than the decoder's hard limit compare unequal. */

static int equal(const bolt_value *a, const bolt_value *b, unsigned depth);

static int same_key(const bolt_value *a, const bolt_value *b)
{
    return a->len == b->len && (a->len == 0 || memcmp(a->u.str, b->u.str, a->len) == 0);
}

/* Index of the entry that wins for key k (the last one), so duplicates count once. */
static int is_last_occurrence(const bolt_value *map, uint32_t i)
{
    const bolt_value *k = &map->u.items[2 * (size_t)i];
    for (uint32_t j = i + 1; j < map->len; j++)
        if (same_key(k, &map->u.items[2 * (size_t)j])) return 0;
    return 1;
}

static int map_equal(const bolt_value *a, const bolt_value *b, unsigned depth)
{
    size_t na = 0, nb = 0;
    for (uint32_t i = 0; i < a->len; i++) {
        if (!is_last_occurrence(a, i)) continue;
        na++;
        const bolt_value *k = &a->u.items[2 * (size_t)i];
        if (k->type != BOLT_T_STRING) return 0;
        const bolt_value *bv = bolt_map_getn(b, k->u.str, k->len);
        if (!bv || !equal(k + 1, bv, depth + 1)) return 0;
    }
    for (uint32_t i = 0; i < b->len; i++)
        if (is_last_occurrence(b, i)) nb++;
    return na == nb;
}

static int equal(const bolt_value *a, const bolt_value *b, unsigned depth)
{
    if (a->type != b->type) return 0;
    switch ((bolt_type)a->type) {
    case BOLT_T_NULL:
        return 1;
    case BOLT_T_BOOL:
        return (a->u.i != 0) == (b->u.i != 0);
    case BOLT_T_INT:
        return a->u.i == b->u.i;
    case BOLT_T_FLOAT:
        return memcmp(&a->u.f, &b->u.f, sizeof a->u.f) == 0;
    case BOLT_T_STRING:
    case BOLT_T_BYTES:
        return a->len == b->len && (a->len == 0 || memcmp(a->u.bytes, b->u.bytes, a->len) == 0);
    default:
        break;
    }
    if (depth >= BOLT_MAX_DEPTH_LIMIT) return 0;
    if (a->type == BOLT_T_MAP) return map_equal(a, b, depth);
    if (a->len != b->len) return 0;
    if (a->type != BOLT_T_LIST && a->tag != b->tag) return 0;
    for (uint32_t i = 0; i < a->len; i++)
        if (!equal(&a->u.items[i], &b->u.items[i], depth + 1)) return 0;
    return 1;
}

int bolt_value_equal(const bolt_value *a, const bolt_value *b)
{
    if (!a || !b) return a == b;
    return equal(a, b, 0);
}

/* ---- UTF-8 ---------------------------------------------------------------------------------- */

size_t bolt_utf8_seq(const uint8_t *p, size_t n)
{
    uint8_t c = p[0];
    if (c < 0x80) return 1;
    size_t len;
    uint8_t lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0)
            lo = 0xA0; /* overlong */
        else if (c == 0xED)
            hi = 0x9F; /* surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0)
            lo = 0x90; /* overlong */
        else if (c == 0xF4)
            hi = 0x8F; /* > U+10FFFF */
    } else {
        return 0;
    }
    if (n < len || p[1] < lo || p[1] > hi) return 0;
    for (size_t i = 2; i < len; i++)
        if ((p[i] & 0xC0u) != 0x80u) return 0;
    return len;
}

int bolt_utf8_valid(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        /* ASCII fast path: most property strings are plain ASCII. */
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        size_t k = bolt_utf8_seq(p + i, n - i);
        if (!k) return 0;
        i += k;
    }
    return 1;
}

int bolt_value_clone(bolt_arena *a, const bolt_value *src, bolt_value *dst)
{
    *dst = *src;
    switch (src->type) {
    case BOLT_T_STRING:
    case BOLT_T_BYTES: {
        uint8_t *p = bolt_arena_alloc(a, src->len ? src->len : 1);
        if (!p) return BOLT_E_NOMEM;
        if (src->len) memcpy(p, src->u.bytes, src->len);
        dst->u.bytes = p;
        return 0;
    }
    case BOLT_T_NULL:
    case BOLT_T_BOOL:
    case BOLT_T_INT:
    case BOLT_T_FLOAT:
        return 0;
    default: {
        size_t n = src->type == BOLT_T_MAP ? 2u * src->len : src->len;
        if (n == 0) {
            dst->u.items = NULL;
            return 0;
        }
        bolt_value *items = bolt_arena_alloc(a, n * sizeof *items);
        if (!items) return BOLT_E_NOMEM;
        for (size_t i = 0; i < n; i++) {
            int r = bolt_value_clone(a, &src->u.items[i], &items[i]);
            if (r < 0) return r;
        }
        dst->u.items = items;
        return 0;
    }
    }
}
