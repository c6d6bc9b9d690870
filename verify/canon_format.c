/* Canonical one-line rendering of values for reports (bv_canon_format) and of notes.
 *
 * Reports show both sides of a changed property, so the text must be unambiguous (1 vs 1.0,
 * "1" vs 1, -0.0) and must follow the canonical rules: keys and labels sorted, datetimes as
 * java.time prints them. Rendering never allocates: sorted order is produced by repeatedly
 * selecting the next larger key (quadratic, but only mismatches are rendered). */
#include "canon_internal.h"

#include "bolt/error.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct out {
    char *buf;
    size_t size, len; /* len counts every byte produced, also past size */
} out;

static void put(out *o, const char *s, size_t n)
{
    if (o->size && o->len < o->size - 1) {
        size_t room = o->size - 1 - o->len;
        memcpy(o->buf + o->len, s, n < room ? n : room);
    }
    o->len += n;
}

static void puts_(out *o, const char *s)
{
    put(o, s, strlen(s));
}

static void putf(out *o, const char *fmt, ...)
{
    char tmp[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0) put(o, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static void finish(out *o)
{
    if (o->size) o->buf[o->len < o->size ? o->len : o->size - 1] = '\0';
}

/* ---- scalars -----------------------------------------------------------------------------------
 */

/* Shortest "%.Ng" that reads back to the same value; always shows it is a float. */
static void put_float_prec(out *o, double d, int maxprec, int is_single)
{
    if (d != d) {
        puts_(o, "NaN");
        return;
    }
    if (isinf(d)) {
        puts_(o, d < 0 ? "-Infinity" : "Infinity");
        return;
    }
    char tmp[64];
    for (int p = 1; p <= maxprec; p++) {
        snprintf(tmp, sizeof tmp, "%.*g", p, d);
        int same = is_single ? (strtof(tmp, NULL) == (float)d) : (strtod(tmp, NULL) == d);
        if (same) break;
    }
    /* the C library may use a locale decimal comma: reports always use '.' */
    int has_point = 0, has_exp = 0;
    for (char *c = tmp; *c; c++) {
        if (*c == ',') *c = '.';
        if (*c == '.') has_point = 1;
        if (*c == 'e') has_exp = 1;
    }
    if (has_point) {
        puts_(o, tmp);
    } else if (has_exp) {
        char *e = strchr(tmp, 'e');
        put(o, tmp, (size_t)(e - tmp));
        puts_(o, ".0");
        puts_(o, e);
    } else {
        puts_(o, tmp);
        puts_(o, ".0");
    }
}

static void put_float(out *o, double d)
{
    put_float_prec(o, d, 17, 0);
}

static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t len;
    uint32_t cp;
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        cp = c & 0x1Fu;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        cp = c & 0x0Fu;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        cp = c & 0x07u;
    } else {
        return 0;
    }
    if (len > n) return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (s[i] & 0x3Fu);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    return len;
}

/* JSON-style escapes; bytes that are not UTF-8 show as \xNN (never hidden, never raw). */
static void put_escaped(out *o, const char *str, size_t n, char quote)
{
    const unsigned char *s = (const unsigned char *)str;
    if (quote) put(o, &quote, 1);
    for (size_t i = 0; i < n;) {
        unsigned char c = s[i];
        if (c == (unsigned char)quote || c == '\\') {
            char esc[2] = {'\\', (char)c};
            put(o, esc, 2);
            i++;
        } else if (c < 0x20 || c == 0x7F) {
            switch (c) {
            case '\n':
                puts_(o, "\\n");
                break;
            case '\t':
                puts_(o, "\\t");
                break;
            case '\r':
                puts_(o, "\\r");
                break;
            default:
                putf(o, "\\u%04x", c);
            }
            i++;
        } else {
            size_t l = utf8_seq(s + i, n - i);
            if (l == 0) {
                putf(o, "\\x%02x", c);
                i++;
            } else {
                put(o, (const char *)s + i, l);
                i += l;
            }
        }
    }
    if (quote) put(o, &quote, 1);
}

static void put_hex(out *o, const uint8_t *b, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        char h[2] = {digits[b[i] >> 4], digits[b[i] & 15]};
        put(o, h, 2);
    }
}

/* Map keys and labels: bare when they are identifiers, else in backticks as Cypher quotes. */
static void put_name(out *o, const char *s, size_t n)
{
    int plain = n > 0;
    for (size_t i = 0; i < n && plain; i++) {
        char c = s[i];
        plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
                (i > 0 && c >= '0' && c <= '9');
    }
    if (plain)
        put(o, s, n);
    else
        put_escaped(o, s, n, '`');
}

/* ---- temporal ----------------------------------------------------------------------------------
 */

#define NANOS_PER_SEC INT64_C(1000000000)

static int64_t fdiv(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
    return q;
}

static int date_ok(int64_t days)
{
    return days >= -BV_CIVIL_DAYS_MAX && days <= BV_CIVIL_DAYS_MAX;
}

/* ISO 8601 as java.time: 4-digit years, '+' beyond 9999, '-' before year 0. */
static void put_date(out *o, int64_t days)
{
    int64_t y;
    unsigned m, d;
    bv_civil_from_days(days, &y, &m, &d);
    if (y > 9999)
        putf(o, "+%lld", (long long)y);
    else if (y < 0)
        putf(o, "-%04lld", -(long long)y);
    else
        putf(o, "%04lld", (long long)y);
    putf(o, "-%02u-%02u", m, d);
}

/* Fraction in groups of 3 digits, as java.time prints it; nothing when zero. */
static void put_fraction(out *o, int64_t nanos)
{
    if (nanos == 0) return;
    if (nanos % 1000000 == 0)
        putf(o, ".%03lld", (long long)(nanos / 1000000));
    else if (nanos % 1000 == 0)
        putf(o, ".%06lld", (long long)(nanos / 1000));
    else
        putf(o, ".%09lld", (long long)nanos);
}

static void put_clock(out *o, int64_t sod, int64_t nanos)
{
    putf(o, "%02lld:%02lld:%02lld", (long long)(sod / 3600), (long long)(sod / 60 % 60),
         (long long)(sod % 60));
    put_fraction(o, nanos);
}

static int offset_ok(int64_t off)
{
    return off > -86400 && off < 86400;
}

static void put_offset(out *o, int64_t off)
{
    if (off == 0) {
        puts_(o, "Z");
        return;
    }
    int64_t a = off < 0 ? -off : off;
    putf(o, "%c%02lld:%02lld", off < 0 ? '-' : '+', (long long)(a / 3600),
         (long long)(a / 60 % 60));
    if (a % 60) putf(o, ":%02lld", (long long)(a % 60));
}

/* Date and wall clock of local seconds; 0 if out of the printable range. */
static int put_local_datetime(out *o, int64_t local, int64_t nanos)
{
    if (nanos < 0 || nanos >= NANOS_PER_SEC) return 0;
    int64_t days = fdiv(local, 86400);
    if (!date_ok(days)) return 0;
    put_date(o, days);
    puts_(o, "T");
    put_clock(o, local - days * 86400, nanos);
    return 1;
}

/* Fields as they are, for values outside what ISO 8601 text can show. */
static void put_raw_fields(out *o, const char *name, const bolt_value *v)
{
    puts_(o, name);
    puts_(o, "(");
    for (uint32_t i = 0; i < v->len; i++) {
        if (i) puts_(o, ", ");
        if (v->u.items[i].type == BOLT_T_INT)
            putf(o, "%lld", (long long)v->u.items[i].u.i);
        else if (v->u.items[i].type == BOLT_T_STRING)
            put_escaped(o, v->u.items[i].u.str, v->u.items[i].len, '"');
        else
            puts_(o, "?");
    }
    puts_(o, ")");
}

/* ISO 8601 duration as java.time / Neo4j print it: P1Y2M3DT4H5M6.000000007S, PT-1.5S. */
static void put_duration(out *o, const bolt_value *v)
{
    int64_t months = v->u.items[BOLT_DUR_MONTHS].u.i, days = v->u.items[BOLT_DUR_DAYS].u.i;
    int64_t secs = v->u.items[BOLT_DUR_SECONDS].u.i, nanos = v->u.items[BOLT_DUR_NANOS].u.i;
    if (nanos < 0 || nanos >= NANOS_PER_SEC) {
        put_raw_fields(o, "duration", v);
        return;
    }
    puts_(o, "P");
    if (months / 12) putf(o, "%lldY", (long long)(months / 12));
    if (months % 12) putf(o, "%lldM", (long long)(months % 12));
    if (days) putf(o, "%lldD", (long long)days);
    if (secs == 0 && nanos == 0) {
        if (months == 0 && days == 0) puts_(o, "T0S");
        return;
    }
    puts_(o, "T");
    /* the sign belongs to seconds+nanos as a whole: -2 s + 0.5 s is -1.5 s */
    int neg = secs < 0;
    uint64_t s = neg ? (uint64_t)0 - (uint64_t)secs : (uint64_t)secs;
    uint64_t ns = (uint64_t)nanos;
    if (neg && ns) {
        s -= 1;
        ns = (uint64_t)NANOS_PER_SEC - ns;
    }
    const char *sign = neg ? "-" : "";
    if (s / 3600) putf(o, "%s%lluH", sign, (unsigned long long)(s / 3600));
    if (s / 60 % 60) putf(o, "%s%lluM", sign, (unsigned long long)(s / 60 % 60));
    if (s % 60 || ns || s < 60) {
        putf(o, "%s%llu", sign, (unsigned long long)(s % 60));
        if (ns) {
            /* java.time's Duration drops trailing zeros: PT-1.5S */
            char frac[16];
            snprintf(frac, sizeof frac, ".%09llu", (unsigned long long)ns);
            size_t n = strlen(frac);
            while (frac[n - 1] == '0')
                n--;
            put(o, frac, n);
        }
        puts_(o, "S");
    }
}

static void put_zone_datetime(out *o, const bv_canon *c, const bolt_value *v)
{
    bv_zdt z;
    if (bv_canon_zdt_(c, v, &z) != 0) {
        put_raw_fields(o, "datetime", v);
        return;
    }
    int shown;
    if (z.have_local) {
        shown = put_local_datetime(o, z.local, z.nanos);
        if (shown && z.noffsets == 1) put_offset(o, z.offsets[0]);
    } else {
        shown = put_local_datetime(o, z.utc, z.nanos);
        if (shown) puts_(o, "Z");
    }
    if (!shown) {
        put_raw_fields(o, "datetime", v);
        return;
    }
    puts_(o, "[");
    put_escaped(o, z.zone, z.zlen, 0);
    puts_(o, "]");
    if ((z.notes & BV_NOTE_AMBIGUOUS_DST) && z.noffsets == 2) {
        puts_(o, " (ambiguous: ");
        put_offset(o, z.offsets[0]);
        puts_(o, " or ");
        put_offset(o, z.offsets[1]);
        puts_(o, ")");
    } else if (z.notes & BV_NOTE_DST_GAP) {
        puts_(o, " (in a DST gap: ");
        put_offset(o, z.offsets[1]);
        puts_(o, " -> ");
        put_offset(o, z.offsets[0]);
        puts_(o, ")");
    } else if (z.notes & BV_NOTE_UNKNOWN_ZONE) {
        puts_(o, z.have_local ? " (unknown zone)" : " (unknown zone: UTC shown)");
    } else if (z.notes & BV_NOTE_TZ_ERROR) {
        puts_(o, z.have_local ? " (zone data unreadable)" : " (zone data unreadable: UTC shown)");
    }
}

/* ---- containers --------------------------------------------------------------------------------
 */

static int key_cmp(const bolt_value *a, const bolt_value *b)
{
    size_t m = a->len < b->len ? a->len : b->len;
    int r = m ? memcmp(a->u.str, b->u.str, m) : 0;
    if (r) return r;
    return a->len < b->len ? -1 : a->len > b->len;
}

/* Index of the smallest STRING among items[0, n) (step apart) strictly greater than prev (any
 * if prev is NULL); among equal ones the last. -1 when none is left. */
static long next_sorted(const bolt_value *items, uint32_t n, unsigned step, const bolt_value *prev)
{
    long best = -1;
    for (uint32_t i = 0; i < n; i++) {
        const bolt_value *k = &items[(size_t)i * step];
        if (k->type != BOLT_T_STRING || (k->len && !k->u.str)) continue;
        if (prev && key_cmp(k, prev) <= 0) continue;
        if (best < 0 || key_cmp(k, &items[(size_t)best * step]) <= 0) best = (long)i;
    }
    return best;
}

static void fmt_value(out *o, const bv_canon *c, const bolt_value *v, unsigned depth);

static void fmt_map(out *o, const bv_canon *c, const bolt_value *m, unsigned depth)
{
    puts_(o, "{");
    const bolt_value *prev = NULL;
    int first = 1;
    for (;;) {
        long i = next_sorted(m->u.items, m->len, 2, prev);
        if (i < 0) break;
        if (!first) puts_(o, ", ");
        first = 0;
        prev = &m->u.items[2 * i];
        put_name(o, prev->u.str, prev->len);
        puts_(o, ": ");
        fmt_value(o, c, &m->u.items[2 * i + 1], depth + 1);
    }
    puts_(o, "}");
}

static void fmt_node(out *o, const bv_canon *c, const bolt_value *n, unsigned depth)
{
    const bolt_value *labels = &n->u.items[BOLT_NODE_LABELS], *props = &n->u.items[BOLT_NODE_PROPS];
    puts_(o, "(");
    const bolt_value *prev = NULL;
    for (;;) {
        long i = next_sorted(labels->u.items, labels->len, 1, prev);
        if (i < 0) break;
        prev = &labels->u.items[i];
        puts_(o, ":");
        put_name(o, prev->u.str, prev->len);
    }
    if (props->len) {
        if (prev) puts_(o, " ");
        fmt_map(o, c, props, depth);
    }
    puts_(o, ")");
}

static void fmt_rel(out *o, const bv_canon *c, const bolt_value *r, unsigned depth)
{
    int bound = r->type == BOLT_T_RELATIONSHIP;
    const bolt_value *type = &r->u.items[bound ? BOLT_REL_TYPE : BOLT_UREL_TYPE];
    const bolt_value *props = &r->u.items[bound ? BOLT_REL_PROPS : BOLT_UREL_PROPS];
    puts_(o, "[:");
    put_name(o, type->u.str, type->len);
    if (props->len) {
        puts_(o, " ");
        fmt_map(o, c, props, depth);
    }
    puts_(o, "]");
}

static void fmt_path(out *o, const bv_canon *c, const bolt_value *p, unsigned depth)
{
    const bolt_value *nodes = &p->u.items[BOLT_PATH_NODES], *rels = &p->u.items[BOLT_PATH_RELS],
                     *idx = &p->u.items[BOLT_PATH_INDICES];
    /* same validity rules as the hash; anything else is shown field by field */
    int ok = nodes->len > 0 && idx->len % 2 == 0 && nodes->u.items[0].type == BOLT_T_NODE;
    for (uint32_t i = 0; ok && i < idx->len; i += 2) {
        const bolt_value *r = &idx->u.items[i], *n = &idx->u.items[i + 1];
        ok = r->type == BOLT_T_INT && n->type == BOLT_T_INT && r->u.i != 0 &&
             r->u.i <= (int64_t)rels->len && r->u.i >= -(int64_t)rels->len && n->u.i >= 0 &&
             n->u.i < (int64_t)nodes->len && nodes->u.items[n->u.i].type == BOLT_T_NODE;
        if (ok) {
            const bolt_value *rv = &rels->u.items[(r->u.i > 0 ? r->u.i : -r->u.i) - 1];
            ok = (rv->type == BOLT_T_RELATIONSHIP || rv->type == BOLT_T_UNBOUND_REL) &&
                 bv_canon_check_struct_(rv) == 0 &&
                 bv_canon_check_struct_(&nodes->u.items[n->u.i]) == 0;
        }
    }
    if (!ok || bv_canon_check_struct_(&nodes->u.items[0]) != 0) {
        puts_(o, "path(?)");
        return;
    }
    fmt_value(o, c, &nodes->u.items[0], depth + 1);
    for (uint32_t i = 0; i < idx->len; i += 2) {
        int64_t ri = idx->u.items[i].u.i, ni = idx->u.items[i + 1].u.i;
        puts_(o, ri > 0 ? "-" : "<-");
        fmt_rel(o, c, &rels->u.items[(ri > 0 ? ri : -ri) - 1], depth + 1);
        puts_(o, ri > 0 ? "->" : "-");
        fmt_value(o, c, &nodes->u.items[ni], depth + 1);
    }
}

static void fmt_vector(out *o, const bolt_value *v)
{
    static const struct {
        uint8_t marker;
        uint8_t size;
        const char *name;
    } kinds[] = {{0xC8, 1, "INTEGER8"},  {0xC9, 2, "INTEGER16"}, {0xCA, 4, "INTEGER32"},
                 {0xCB, 8, "INTEGER64"}, {0xC6, 4, "FLOAT32"},   {0xC1, 8, "FLOAT64"}};
    uint8_t marker = v->u.items[BOLT_VEC_TYPE].u.bytes[0];
    const bolt_value *data = &v->u.items[BOLT_VEC_DATA];
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        if (kinds[k].marker != marker || data->len % kinds[k].size) continue;
        size_t n = data->len / kinds[k].size;
        puts_(o, "vector([");
        for (size_t i = 0; i < n; i++) {
            const uint8_t *p = data->u.bytes + i * kinds[k].size;
            uint64_t raw = 0;
            for (unsigned b = 0; b < kinds[k].size; b++)
                raw = raw << 8 | p[b]; /* big-endian elements (bolt-reference 5.1) */
            if (i) puts_(o, ", ");
            if (marker == 0xC6) {
                uint32_t r32 = (uint32_t)raw;
                float f;
                memcpy(&f, &r32, 4);
                put_float_prec(o, f, 9, 1);
            } else if (marker == 0xC1) {
                double d;
                memcpy(&d, &raw, 8);
                put_float(o, d);
            } else {
                /* sign-extend the element */
                unsigned shift = 64 - 8 * kinds[k].size;
                int64_t val = (int64_t)(raw << shift) >> shift;
                putf(o, "%lld", (long long)val);
            }
        }
        putf(o, "], %zu, %s)", n, kinds[k].name);
        return;
    }
    putf(o, "vector(0x%02x, bytes(", marker);
    put_hex(o, data->u.bytes, data->len);
    puts_(o, "))");
}

static void fmt_struct(out *o, const bv_canon *c, const bolt_value *v, unsigned depth)
{
    if (bv_canon_check_struct_(v) != 0) {
        putf(o, "struct(0x%02x, ?)", v->tag);
        return;
    }
    const bolt_value *f = v->u.items;
    switch ((bolt_type)v->type) {
    case BOLT_T_NODE:
        fmt_node(o, c, v, depth);
        return;
    case BOLT_T_RELATIONSHIP:
    case BOLT_T_UNBOUND_REL:
        fmt_rel(o, c, v, depth);
        return;
    case BOLT_T_PATH:
        fmt_path(o, c, v, depth);
        return;
    case BOLT_T_DATE:
        if (date_ok(f[0].u.i))
            put_date(o, f[0].u.i);
        else
            put_raw_fields(o, "date", v);
        return;
    case BOLT_T_LOCAL_TIME:
    case BOLT_T_TIME: {
        int64_t ns = f[0].u.i;
        int is_time = v->type == BOLT_T_TIME;
        if (ns < 0 || ns >= 86400 * NANOS_PER_SEC || (is_time && !offset_ok(f[1].u.i))) {
            put_raw_fields(o, is_time ? "time" : "localtime", v);
            return;
        }
        put_clock(o, ns / NANOS_PER_SEC, ns % NANOS_PER_SEC);
        if (is_time) put_offset(o, f[1].u.i);
        return;
    }
    case BOLT_T_LOCAL_DATETIME:
        if (!put_local_datetime(o, f[0].u.i, f[1].u.i)) put_raw_fields(o, "localdatetime", v);
        return;
    case BOLT_T_DATETIME: {
        int64_t utc, off = f[BOLT_DT_OFFSET].u.i;
        if (bv_canon_dt_utc_(v, &utc) != 0 || !offset_ok(off) || utc > INT64_MAX - 86400 ||
            utc < INT64_MIN + 86400 || !put_local_datetime(o, utc + off, f[BOLT_DT_NANOS].u.i)) {
            put_raw_fields(o, "datetime", v);
            return;
        }
        put_offset(o, off);
        return;
    }
    case BOLT_T_DATETIME_ZONE:
        put_zone_datetime(o, c, v);
        return;
    case BOLT_T_DURATION:
        put_duration(o, v);
        return;
    case BOLT_T_POINT2D:
    case BOLT_T_POINT3D:
        putf(o, "point({srid: %lld, x: ", (long long)f[BOLT_POINT_SRID].u.i);
        put_float(o, f[BOLT_POINT_X].u.f);
        puts_(o, ", y: ");
        put_float(o, f[BOLT_POINT_Y].u.f);
        if (v->type == BOLT_T_POINT3D) {
            puts_(o, ", z: ");
            put_float(o, f[BOLT_POINT_Z].u.f);
        }
        puts_(o, "})");
        return;
    case BOLT_T_VECTOR:
        fmt_vector(o, v);
        return;
    case BOLT_T_UNSUPPORTED:
        puts_(o, "unsupported(");
        put_escaped(o, f[BOLT_UNSUP_NAME].u.str, f[BOLT_UNSUP_NAME].len, '"');
        puts_(o, ")");
        return;
    default:
        putf(o, "struct(0x%02x", v->tag);
        for (uint32_t i = 0; i < v->len; i++) {
            puts_(o, ", ");
            fmt_value(o, c, &f[i], depth + 1);
        }
        puts_(o, ")");
        return;
    }
}

static void fmt_value(out *o, const bv_canon *c, const bolt_value *v, unsigned depth)
{
    if (depth > BV_CANON_MAX_DEPTH) {
        puts_(o, "...");
        return;
    }
    if (v->len && !v->u.items && v->type >= BOLT_T_STRING) {
        puts_(o, "?"); /* a hand-built value without its data: never dereferenced */
        return;
    }
    switch (v->type) {
    case BOLT_T_NULL:
        puts_(o, "null");
        return;
    case BOLT_T_BOOL:
        puts_(o, v->u.i ? "true" : "false");
        return;
    case BOLT_T_INT:
        putf(o, "%lld", (long long)v->u.i);
        return;
    case BOLT_T_FLOAT:
        put_float(o, v->u.f);
        return;
    case BOLT_T_STRING:
        put_escaped(o, v->len ? v->u.str : "", v->len, '"');
        return;
    case BOLT_T_BYTES:
        puts_(o, "bytes(");
        if (v->len) put_hex(o, v->u.bytes, v->len);
        puts_(o, ")");
        return;
    case BOLT_T_LIST:
        puts_(o, "[");
        for (uint32_t i = 0; i < v->len; i++) {
            if (i) puts_(o, ", ");
            fmt_value(o, c, &v->u.items[i], depth + 1);
        }
        puts_(o, "]");
        return;
    case BOLT_T_MAP:
        fmt_map(o, c, v, depth);
        return;
    default:
        if (v->type >= BOLT_T__COUNT) {
            puts_(o, "?");
            return;
        }
        fmt_struct(o, c, v, depth);
        return;
    }
}

size_t bv_canon_format(const bv_canon *c, const bolt_value *v, char *buf, size_t size)
{
    out o = {buf, buf ? size : 0, 0};
    static const bv_canon none = {NULL, 0};
    if (!v)
        puts_(&o, "?");
    else
        fmt_value(&o, c ? c : &none, v, 0);
    finish(&o);
    return o.len;
}

size_t bv_notes_format(unsigned notes, char *buf, size_t size)
{
    out o = {buf, buf ? size : 0, 0};
    for (unsigned bit = 1; bit != 0 && bit <= notes; bit <<= 1) {
        if (!(notes & bit)) continue;
        if (o.len) puts_(&o, ",");
        puts_(&o, bv_note_name(bit));
    }
    finish(&o);
    return o.len;
}
