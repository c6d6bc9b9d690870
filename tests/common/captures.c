/* Loader of the Neo4j 3.5.22 capture files and the comparison of decoded values with their
 * JSON rendering (see captures.h and the captures' README.md). */
#include "captures.h"

#include <dirent.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef BOLTDIFF_CAPTURES_DIR
#define BOLTDIFF_CAPTURES_DIR "fixtures/captures/neo4j-3.5.22"
#endif

const char *capture_dir(void)
{
    const char *e = getenv("BOLTDIFF_CAPTURES_DIR");
    return (e && *e) ? e : BOLTDIFF_CAPTURES_DIR;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int capture_list(const char *dir, char ***paths, size_t *count, char *err, size_t errlen)
{
    *paths = NULL;
    *count = 0;
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, errlen, "%s: cannot open the capture directory", dir);
        return -1;
    }
    char **v = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (e->d_name[0] == '.' || l < 6 || strcmp(e->d_name + l - 5, ".json") != 0) continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **nv = realloc(v, cap * sizeof *nv);
            if (!nv) goto oom;
            v = nv;
        }
        size_t pl = strlen(dir) + 1 + l + 1;
        v[n] = malloc(pl);
        if (!v[n]) goto oom;
        snprintf(v[n], pl, "%s/%s", dir, e->d_name);
        n++;
    }
    closedir(d);
    qsort(v, n, sizeof *v, cmp_str);
    *paths = v;
    *count = n;
    return 0;
oom:
    closedir(d);
    capture_list_free(v, n);
    snprintf(err, errlen, "out of memory");
    return -1;
}

void capture_list_free(char **paths, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(paths[i]);
    free(paths);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int capture_hex_decode(const char *hex, size_t n, uint8_t **out, size_t *outlen)
{
    *out = NULL;
    *outlen = 0;
    if (n % 2) return -1;
    uint8_t *b = malloc(n / 2 + 1);
    if (!b) return -1;
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            free(b);
            return -1;
        }
        b[i] = (uint8_t)(hi << 4 | lo);
    }
    *out = b;
    *outlen = n / 2;
    return 0;
}

static int load_fail(capture *c, char *err, size_t errlen, const char *fmt, ...)
{
    int n = snprintf(err, errlen, "%s: ", c->path ? c->path : "?");
    if (n >= 0 && (size_t)n < errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    capture_free(c);
    return -1;
}

static int classify(cap_exchange *x)
{
    const json_value *d = x->decoded;
    const json_value *ss = json_get(x->json, "stream_summary");
    if (ss && ss->type == JSON_BOOL && ss->u.b) {
        x->kind = CAP_STREAM_SUMMARY;
        return 0;
    }
    if (!d || d->type != JSON_OBJECT) return -1;
    if (json_get(d, "handshake")) {
        x->kind = CAP_HANDSHAKE;
    } else if (json_get(d, "handshake_reply")) {
        x->kind = CAP_HANDSHAKE_REPLY;
    } else if (json_get(d, "event")) {
        x->kind = CAP_EVENT;
    } else if (json_get(d, "noop")) {
        x->kind = CAP_NOOP;
    } else if (json_get(d, "message")) {
        const json_value *m = json_get(d, "message"), *s = json_get(d, "signature");
        const json_value *f = json_get(d, "fields");
        if (!m || m->type != JSON_STRING || !s || s->type != JSON_STRING || !f ||
            f->type != JSON_ARRAY)
            return -1;
        char *end = NULL;
        long sig = strtol(s->u.s, &end, 16);
        if (strncmp(s->u.s, "0x", 2) != 0 || *end || sig < 0 || sig > 0xFF) return -1;
        x->kind = CAP_MESSAGE;
        x->message = m->u.s;
        x->signature = (int)sig;
        x->fields = f;
    } else {
        x->kind = CAP_OTHER;
    }
    return 0;
}

int capture_load(const char *path, capture *c, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    c->path = malloc(strlen(path) + 1);
    if (!c->path) return load_fail(c, err, errlen, "out of memory");
    strcpy(c->path, path);
    const char *slash = strrchr(c->path, '/');
    c->file = slash ? slash + 1 : c->path;
    char jerr[256];
    c->doc = json_parse_file(path, jerr, sizeof jerr);
    if (!c->doc) return load_fail(c, err, errlen, "%s", jerr);
    const json_value *root = json_root(c->doc);
    const json_value *title = json_get(root, "title"), *ver = json_get(root, "bolt_version");
    const json_value *ex = json_get(root, "exchanges");
    if (!title || title->type != JSON_STRING || !ex || ex->type != JSON_ARRAY || !ver)
        return load_fail(c, err, errlen, "title, bolt_version or exchanges missing");
    c->title = title->u.s;
    c->bolt_major = c->bolt_minor = -1;
    if (ver->type == JSON_STRING) {
        int ma = 0, mi = 0;
        char extra;
        int n = sscanf(ver->u.s, "%d.%d%c", &ma, &mi, &extra);
        if (n == 1) mi = 0;
        if (n < 1 || n > 2 || ma < 1) return load_fail(c, err, errlen, "bad bolt_version");
        c->bolt_major = ma;
        c->bolt_minor = mi;
    } else if (ver->type != JSON_NULL) {
        return load_fail(c, err, errlen, "bad bolt_version");
    }
    c->ex = calloc(ex->len ? ex->len : 1, sizeof *c->ex);
    if (!c->ex) return load_fail(c, err, errlen, "out of memory");
    c->count = ex->len;
    for (size_t i = 0; i < ex->len; i++) {
        cap_exchange *x = &c->ex[i];
        x->json = &ex->u.items[i];
        x->signature = -1;
        const json_value *from = json_get(x->json, "from"), *hex = json_get(x->json, "hex");
        const json_value *wr = json_get(x->json, "write");
        if (json_str_eq(from, "server"))
            x->from_server = 1;
        else if (!json_str_eq(from, "client"))
            return load_fail(c, err, errlen, "exchange %zu: bad \"from\"", i);
        if (wr && wr->type == JSON_INT) x->write = (int)wr->u.i;
        x->decoded = json_get(x->json, "decoded");
        if (classify(x) < 0)
            return load_fail(c, err, errlen, "exchange %zu: unrecognised \"decoded\"", i);
        if (x->kind == CAP_STREAM_SUMMARY) continue;
        if (!hex || hex->type != JSON_STRING ||
            capture_hex_decode(hex->u.s, hex->len, &x->bytes, &x->len) < 0)
            return load_fail(c, err, errlen, "exchange %zu: bad \"hex\"", i);
    }
    return 0;
}

void capture_free(capture *c)
{
    if (c->ex)
        for (size_t i = 0; i < c->count; i++)
            free(c->ex[i].bytes);
    free(c->ex);
    json_free(c->doc);
    free(c->path);
    memset(c, 0, sizeof *c);
}

int capture_stream(const capture *c, int from_server, uint8_t **out, size_t *len)
{
    size_t total = 0;
    for (size_t i = 0; i < c->count; i++) {
        const cap_exchange *x = &c->ex[i];
        if (x->from_server == from_server && (x->kind == CAP_MESSAGE || x->kind == CAP_NOOP))
            total += x->len;
    }
    uint8_t *b = malloc(total ? total : 1);
    if (!b) return -1;
    size_t off = 0;
    for (size_t i = 0; i < c->count; i++) {
        const cap_exchange *x = &c->ex[i];
        if (x->from_server == from_server && (x->kind == CAP_MESSAGE || x->kind == CAP_NOOP)) {
            if (x->len) memcpy(b + off, x->bytes, x->len);
            off += x->len;
        }
    }
    *out = b;
    *len = total;
    return 0;
}

/* ---- size headers ---------------------------------------------------------------------------
 * Neo4j 3.5.22 does not always use the smallest size header: its (Java) packer picks the width
 * by signed limits, 8-bit up to 127 and 16-bit up to 32,767, so a 168-byte string goes out as
 * D1 00 A8 (05, 15, 52, 53) and a 33,000-byte one as D2 (81), where our packer writes D0 A8 and
 * D1. To compare a decoded value with the wire bytes anyway, canon() copies a PackStream value
 * with every size header rewritten in the smallest form, checking on the way that each header
 * the server wrote follows that signed rule. */

static void put_size(bolt_buf *out, uint8_t tiny, uint8_t m8, size_t n)
{
    uint8_t h[5];
    size_t hl;
    if (tiny && n < 16) {
        h[0] = (uint8_t)(tiny | n);
        hl = 1;
    } else if (n <= 0xFF) {
        h[0] = m8;
        h[1] = (uint8_t)n;
        hl = 2;
    } else if (n <= 0xFFFF) {
        h[0] = (uint8_t)(m8 + 1);
        h[1] = (uint8_t)(n >> 8);
        h[2] = (uint8_t)n;
        hl = 3;
    } else {
        h[0] = (uint8_t)(m8 + 2);
        for (int i = 0; i < 4; i++)
            h[1 + i] = (uint8_t)(n >> (24 - 8 * i));
        hl = 5;
    }
    bolt_buf_append(out, h, hl);
}

/* Width in bytes of a size field by the signed rule (0 = tiny). */
static size_t java_width(int has_tiny, size_t n)
{
    if (has_tiny && n < 16) return 0;
    return n <= 127 ? 1 : n <= 32767 ? 2 : 4;
}

/* Width of the smallest size field (0 = tiny). */
static size_t min_width(int has_tiny, size_t n)
{
    if (has_tiny && n < 16) return 0;
    return n <= 0xFF ? 1 : n <= 0xFFFF ? 2 : 4;
}

static long canon(const uint8_t *p, size_t len, bolt_buf *out, capture_canon_stats *st,
                  unsigned depth)
{
    if (len == 0 || depth > 64) return -1;
    uint8_t m = p[0];
    size_t n = 0, width = 0, items = 0;
    uint8_t tiny = 0, m8 = 0;
    int kind; /* 0 scalar, 1 string/bytes, 2 list, 3 map, 4 struct */
    if (m < 0x80 || m >= 0xF0 || m == 0xC0 || m == 0xC2 || m == 0xC3) {
        bolt_buf_append(out, p, 1);
        return 1;
    }
    if (m == 0xC1 || (m >= 0xC8 && m <= 0xCB)) {
        static const size_t sz[] = {9, 0, 0, 0, 0, 0, 0, 2, 3, 5, 9}; /* C1 .. CB */
        size_t k = sz[m - 0xC1];
        if (len < k) return -1;
        bolt_buf_append(out, p, k);
        return (long)k;
    }
    if (m >= 0x80 && m <= 0xAF) {
        n = m & 0x0Fu;
        kind = m < 0x90 ? 1 : m < 0xA0 ? 2 : 3;
        tiny = (uint8_t)(m & 0xF0u);
        m8 = kind == 1 ? 0xD0 : kind == 2 ? 0xD4 : 0xD8;
    } else if (m >= 0xB0 && m <= 0xBF) {
        if (len < 2) return -1;
        n = m & 0x0Fu;
        kind = 4;
        width = 1; /* the tag byte */
    } else {
        uint8_t base = m >= 0xD8 ? 0xD8 : m >= 0xD4 ? 0xD4 : m >= 0xD0 ? 0xD0 : 0xCC;
        unsigned w = m - base;
        if (w > 2 || (base == 0xCC && m > 0xCE)) return -1;
        width = (size_t)1 << w;
        if (len < 1 + width) return -1;
        for (size_t i = 0; i < width; i++)
            n = n << 8 | p[1 + i];
        kind = base == 0xD4 ? 2 : base == 0xD8 ? 3 : 1;
        tiny = base == 0xCC ? 0 : (uint8_t)(kind == 1 ? 0x80 : kind == 2 ? 0x90 : 0xA0);
        m8 = base;
    }
    size_t off = 1;
    if (kind == 4) {
        bolt_buf_append(out, p, 2);
        off = 2;
        items = n;
    } else {
        size_t have = m >= 0xCC ? width : 0;
        if (have != java_width(tiny != 0, n)) st->not_java++;
        if (have > min_width(tiny != 0, n)) st->wider++;
        put_size(out, tiny, m8, n);
        off = 1 + have;
        if (kind == 1) {
            if (len - off < n) return -1;
            bolt_buf_append(out, p + off, n);
            return (long)(off + n);
        }
        items = kind == 3 ? 2 * n : n;
    }
    for (size_t i = 0; i < items; i++) {
        long k = canon(p + off, len - off, out, st, depth + 1);
        if (k < 0) return -1;
        off += (size_t)k;
    }
    return (long)off;
}

long capture_canon_sizes(const uint8_t *p, size_t len, bolt_buf *out, capture_canon_stats *st)
{
    return canon(p, len, out, st, 0);
}

/* ---- value comparison ----------------------------------------------------------------------
 * The path of the value being compared is kept in a small buffer so a mismatch says where. */

typedef struct matcher {
    char path[512];
    size_t plen;
    char *why;
    size_t whylen;
} matcher;

static int mismatch(matcher *m, const char *fmt, ...)
{
    if (!m->why || !m->whylen) return 0;
    int n = snprintf(m->why, m->whylen, "%s: ", m->plen ? m->path : "(value)");
    if (n >= 0 && (size_t)n < m->whylen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(m->why + n, m->whylen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return 0;
}

static size_t path_push(matcher *m, const char *fmt, ...)
{
    size_t old = m->plen;
    if (m->plen < sizeof m->path) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(m->path + m->plen, sizeof m->path - m->plen, fmt, ap);
        va_end(ap);
        if (n > 0) m->plen += (size_t)n;
        if (m->plen >= sizeof m->path) m->plen = sizeof m->path - 1;
    }
    return old;
}

static const char *vtype(const bolt_value *v)
{
    return bolt_type_name((bolt_type)v->type);
}

/* The decoder's type for each Bolt structure tag (bolt-reference 5.1); -1 if not Bolt's. */
static int tag_type(unsigned tag, int *legacy)
{
    *legacy = 0;
    switch (tag) {
    case 0x4E:
        return BOLT_T_NODE;
    case 0x52:
        return BOLT_T_RELATIONSHIP;
    case 0x72:
        return BOLT_T_UNBOUND_REL;
    case 0x50:
        return BOLT_T_PATH;
    case 0x44:
        return BOLT_T_DATE;
    case 0x54:
        return BOLT_T_TIME;
    case 0x74:
        return BOLT_T_LOCAL_TIME;
    case 0x49:
        return BOLT_T_DATETIME;
    case 0x46:
        *legacy = 1;
        return BOLT_T_DATETIME;
    case 0x69:
        return BOLT_T_DATETIME_ZONE;
    case 0x66:
        *legacy = 1;
        return BOLT_T_DATETIME_ZONE;
    case 0x64:
        return BOLT_T_LOCAL_DATETIME;
    case 0x45:
        return BOLT_T_DURATION;
    case 0x58:
        return BOLT_T_POINT2D;
    case 0x59:
        return BOLT_T_POINT3D;
    case 0x56:
        return BOLT_T_VECTOR;
    case 0x3F:
        return BOLT_T_UNSUPPORTED;
    default:
        return -1;
    }
}

static int match(matcher *m, const bolt_value *v, const json_value *j);

static int match_items(matcher *m, const bolt_value *items, uint32_t n, const json_value *arr)
{
    if (arr->len != n) return mismatch(m, "expected %zu items, got %u", arr->len, n);
    for (size_t i = 0; i < n; i++) {
        size_t old = path_push(m, "[%zu]", i);
        if (!match(m, &items[i], &arr->u.items[i])) return 0;
        m->plen = old;
        m->path[old] = '\0';
    }
    return 1;
}

static int match_object(matcher *m, const bolt_value *v, const json_value *j)
{
    if (v->type == BOLT_T_MAP) {
        if (j->len != v->len)
            return mismatch(m, "expected a map of %zu entries, got %u", j->len, v->len);
        for (size_t i = 0; i < j->len; i++) {
            const json_member *jm = &j->u.members[i];
            const bolt_value *k = &v->u.items[2 * i];
            if (k->type != BOLT_T_STRING || k->len != jm->key_len ||
                memcmp(k->u.str, jm->key, jm->key_len) != 0)
                return mismatch(m, "key %zu: expected \"%s\", got \"%.*s\"", i, jm->key,
                                k->type == BOLT_T_STRING ? (int)k->len : 0,
                                k->type == BOLT_T_STRING ? k->u.str : "");
            size_t old = path_push(m, ".%s", jm->key);
            if (!match(m, &v->u.items[2 * i + 1], &jm->value)) return 0;
            m->plen = old;
            m->path[old] = '\0';
        }
        return 1;
    }
    const json_value *fl = json_get(j, "float");
    if (fl && j->len == 1 && fl->type == JSON_STRING) {
        if (v->type != BOLT_T_FLOAT) return mismatch(m, "expected Float, got %s", vtype(v));
        double f = v->u.f;
        if (json_str_eq(fl, "nan") && isnan(f)) return 1;
        if (json_str_eq(fl, "inf") && isinf(f) && f > 0) return 1;
        if (json_str_eq(fl, "-inf") && isinf(f) && f < 0) return 1;
        return mismatch(m, "expected %s, got %.17g", fl->u.s, f);
    }
    const json_value *by = json_get(j, "bytes");
    if (by && j->len == 1 && by->type == JSON_STRING) {
        if (v->type != BOLT_T_BYTES) return mismatch(m, "expected Bytes, got %s", vtype(v));
        uint8_t *b;
        size_t bl;
        if (capture_hex_decode(by->u.s, by->len, &b, &bl) < 0)
            return mismatch(m, "bad hex in the capture");
        int ok = bl == v->len && (bl == 0 || memcmp(b, v->u.bytes, bl) == 0);
        free(b);
        return ok ? 1 : mismatch(m, "byte array differs");
    }
    const json_value *st = json_get(j, "struct"), *fields = json_get(j, "fields");
    if (st && st->type == JSON_STRING && fields && fields->type == JSON_ARRAY) {
        unsigned long tag = strtoul(st->u.s, NULL, 16);
        if (v->type < BOLT_T_STRUCT || v->type >= BOLT_T__COUNT)
            return mismatch(m, "expected structure %s, got %s", st->u.s, vtype(v));
        if (v->tag != tag) return mismatch(m, "expected tag %s, got 0x%02X", st->u.s, v->tag);
        int legacy;
        int t = tag_type((unsigned)tag, &legacy);
        if (t >= 0 && (v->type != t || !!(v->flags & BOLT_VF_LEGACY) != legacy))
            return mismatch(m, "tag %s decoded as %s (flags %u)", st->u.s, vtype(v), v->flags);
        size_t old = path_push(m, "<%s>", st->u.s);
        if (!match_items(m, v->u.items, v->len, fields)) return 0;
        m->plen = old;
        m->path[old] = '\0';
        return 1;
    }
    return mismatch(m, "expected a map, got %s", vtype(v));
}

static int match(matcher *m, const bolt_value *v, const json_value *j)
{
    switch (j->type) {
    case JSON_NULL:
        return v->type == BOLT_T_NULL ? 1 : mismatch(m, "expected null, got %s", vtype(v));
    case JSON_BOOL:
        if (v->type != BOLT_T_BOOL) return mismatch(m, "expected Boolean, got %s", vtype(v));
        return (v->u.i != 0) == (j->u.b != 0) ? 1 : mismatch(m, "Boolean differs");
    case JSON_INT:
        if (v->type != BOLT_T_INT) return mismatch(m, "expected Integer, got %s", vtype(v));
        return v->u.i == j->u.i
                   ? 1
                   : mismatch(m, "expected %lld, got %lld", (long long)j->u.i, (long long)v->u.i);
    case JSON_FLOAT:
        if (v->type != BOLT_T_FLOAT) return mismatch(m, "expected Float, got %s", vtype(v));
        return memcmp(&v->u.f, &j->u.f, sizeof(double)) == 0
                   ? 1
                   : mismatch(m, "expected %.17g, got %.17g (bitwise)", j->u.f, v->u.f);
    case JSON_STRING:
        if (v->type != BOLT_T_STRING) return mismatch(m, "expected String, got %s", vtype(v));
        if (v->len == j->len && (j->len == 0 || memcmp(v->u.str, j->u.s, j->len) == 0)) return 1;
        return mismatch(m, "expected \"%.60s\", got \"%.*s\"", j->u.s,
                        (int)(v->len > 60 ? 60 : v->len), v->u.str);
    case JSON_ARRAY:
        if (v->type != BOLT_T_LIST) return mismatch(m, "expected List, got %s", vtype(v));
        return match_items(m, v->u.items, v->len, j);
    case JSON_OBJECT:
        return match_object(m, v, j);
    }
    return mismatch(m, "unknown JSON type");
}

int capture_value_matches(const bolt_value *v, const json_value *j, char *why, size_t whylen)
{
    matcher m;
    m.path[0] = '\0';
    m.plen = 0;
    m.why = why;
    m.whylen = whylen;
    if (why && whylen) why[0] = '\0';
    return match(&m, v, j);
}

int capture_value_from_json(const json_value *j, bolt_arena *arena, bolt_value *out)
{
    memset(out, 0, sizeof *out);
    switch (j->type) {
    case JSON_NULL:
        out->type = BOLT_T_NULL;
        return 0;
    case JSON_BOOL:
        *out = bolt_bool(j->u.b);
        return 0;
    case JSON_INT:
        *out = bolt_int(j->u.i);
        return 0;
    case JSON_FLOAT:
        *out = bolt_float(j->u.f);
        return 0;
    case JSON_STRING:
        *out = bolt_stringn(j->u.s, j->len);
        return 0;
    case JSON_ARRAY: {
        bolt_value *items = bolt_arena_alloc(arena, (j->len ? j->len : 1) * sizeof *items);
        if (!items) return -1;
        for (size_t i = 0; i < j->len; i++)
            if (capture_value_from_json(&j->u.items[i], arena, &items[i]) < 0) return -1;
        *out = bolt_list(items, j->len);
        return 0;
    }
    case JSON_OBJECT:
        break;
    }
    const json_value *fl = json_get(j, "float"), *by = json_get(j, "bytes");
    const json_value *st = json_get(j, "struct"), *fields = json_get(j, "fields");
    if (j->len == 1 && fl && fl->type == JSON_STRING) {
        if (json_str_eq(fl, "nan"))
            *out = bolt_float(NAN);
        else if (json_str_eq(fl, "inf"))
            *out = bolt_float(INFINITY);
        else if (json_str_eq(fl, "-inf"))
            *out = bolt_float(-INFINITY);
        else
            return -1;
        return 0;
    }
    if (j->len == 1 && by && by->type == JSON_STRING) {
        uint8_t *tmp;
        size_t n;
        if (capture_hex_decode(by->u.s, by->len, &tmp, &n) < 0) return -1;
        uint8_t *b = bolt_arena_alloc(arena, n ? n : 1);
        if (!b) {
            free(tmp);
            return -1;
        }
        if (n) memcpy(b, tmp, n);
        free(tmp);
        *out = bolt_bytesv(b, n);
        return 0;
    }
    if (st && st->type == JSON_STRING && fields && fields->type == JSON_ARRAY) {
        if (capture_value_from_json(fields, arena, out) < 0) return -1;
        out->type = BOLT_T_STRUCT;
        out->tag = (uint8_t)strtoul(st->u.s, NULL, 16);
        return 0;
    }
    bolt_value *kv = bolt_arena_alloc(arena, (j->len ? 2 * j->len : 1) * sizeof *kv);
    if (!kv) return -1;
    for (size_t i = 0; i < j->len; i++) {
        kv[2 * i] = bolt_stringn(j->u.members[i].key, j->u.members[i].key_len);
        if (capture_value_from_json(&j->u.members[i].value, arena, &kv[2 * i + 1]) < 0) return -1;
    }
    *out = bolt_map(kv, j->len);
    return 0;
}
