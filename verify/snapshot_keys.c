/* Sampled keys of a snapshot as values again: the live instances compared with a snapshot must
 * look up exactly the keys it sampled, and a snapshot stores a key only as its canonical
 * rendering (bv_sample_node.key_text, verify/canon.h) and hash. The renderings of the key types
 * that can be sent back as parameters (sample.h: bv_key_sendable) are unambiguous, so they are
 * parsed back here:
 *
 *   true false  42  -1.5 1.0e+300 NaN Infinity  "json \"escaped\" \u0001 \xff"  bytes(00ff)
 *   [1, "a"]  2020-01-02  12:34:56.123  12:34:56+02:00  2020-06-15T14:30:00  P1Y2MT-1.5S
 *   point({srid: 4326, x: 13.4, y: 52.52})  point({srid: 9157, x: 1.0, y: 2.0, z: 3.0})
 *
 * Nothing parsed is trusted: the value must render back to key_text byte for byte AND hash to
 * the stored key_hash, else the key is refused (the caller reports it as not comparable). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bolt/alloc.h"
#include "bolt/error.h"
#include "verify/canon.h"
#include "verify/sample.h"
#include "verify/snapshot.h"
#include "verify/tzdb.h"

#define KEY_MAX_DEPTH 32
#define NANOS INT64_C(1000000000)

typedef struct kp {
    const char *s, *end;
    bolt_arena *a;
} kp;

static int bad(void)
{
    return BOLT_E_UNSUPPORTED;
}

static int lit(kp *p, const char *w)
{
    size_t n = strlen(w);
    if ((size_t)(p->end - p->s) < n || memcmp(p->s, w, n)) return 0;
    p->s += n;
    return 1;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static bolt_value *items(kp *p, size_t n)
{
    return bolt_arena_alloc(p->a, (n ? n : 1) * sizeof(bolt_value));
}

static int structure(kp *p, bolt_value *out, bolt_type type, uint8_t tag, size_t n)
{
    memset(out, 0, sizeof *out);
    out->type = (uint8_t)type;
    out->tag = tag;
    out->len = (uint32_t)n;
    if (!(out->u.items = items(p, n))) return BOLT_E_NOMEM;
    return 0;
}

/* ---- strings and bytes ---- */

static int parse_string(kp *p, bolt_value *out)
{
    p->s++; /* the opening quote */
    char *buf = bolt_arena_alloc(p->a, (size_t)(p->end - p->s) + 1);
    if (!buf) return BOLT_E_NOMEM;
    size_t n = 0;
    while (p->s < p->end && *p->s != '"') {
        char c = *p->s++;
        if (c != '\\') {
            buf[n++] = c;
            continue;
        }
        if (p->s >= p->end) return bad();
        char e = *p->s++;
        int h1, h2;
        switch (e) {
        case '"':
        case '\\':
            buf[n++] = e;
            break;
        case 'n':
            buf[n++] = '\n';
            break;
        case 't':
            buf[n++] = '\t';
            break;
        case 'r':
            buf[n++] = '\r';
            break;
        case 'x': /* a byte that is not UTF-8 */
            if (p->end - p->s < 2 || (h1 = hexval(p->s[0])) < 0 || (h2 = hexval(p->s[1])) < 0)
                return bad();
            buf[n++] = (char)(h1 << 4 | h2);
            p->s += 2;
            break;
        case 'u': /* control characters only: \u00XX */
            if (p->end - p->s < 4 || p->s[0] != '0' || p->s[1] != '0' ||
                (h1 = hexval(p->s[2])) < 0 || (h2 = hexval(p->s[3])) < 0)
                return bad();
            buf[n++] = (char)(h1 << 4 | h2);
            p->s += 4;
            break;
        default:
            return bad();
        }
    }
    if (p->s >= p->end) return bad();
    p->s++; /* the closing quote */
    *out = bolt_stringn(buf, n);
    return 0;
}

static int parse_bytes(kp *p, bolt_value *out)
{
    const char *close = memchr(p->s, ')', (size_t)(p->end - p->s));
    if (!close || (close - p->s) % 2) return bad();
    size_t n = (size_t)(close - p->s) / 2;
    uint8_t *b = bolt_arena_alloc(p->a, n ? n : 1);
    if (!b) return BOLT_E_NOMEM;
    for (size_t i = 0; i < n; i++) {
        int h1 = hexval(p->s[2 * i]), h2 = hexval(p->s[2 * i + 1]);
        if (h1 < 0 || h2 < 0) return bad();
        b[i] = (uint8_t)(h1 << 4 | h2);
    }
    p->s = close + 1;
    *out = bolt_bytesv(b, n);
    return 0;
}

/* ---- numbers and temporal tokens ---- */

/* Unsigned decimal digits [s, e) into *v; at least min_digits of them. */
static int digits(const char *s, const char *e, size_t min_digits, int64_t *v)
{
    if ((size_t)(e - s) < min_digits || s == e || e - s > 18) return 0;
    int64_t x = 0;
    for (; s < e; s++) {
        if (*s < '0' || *s > '9') return 0;
        x = x * 10 + (*s - '0');
    }
    *v = x;
    return 1;
}

/* "HH:MM:SS[.fraction]" at the start of [s, e); *next after it. */
static int parse_clock(const char *s, const char *e, int64_t *nanos_of_day, const char **next)
{
    int64_t h, m, sec, frac = 0;
    if (e - s < 8 || s[2] != ':' || s[5] != ':' || !digits(s, s + 2, 2, &h) ||
        !digits(s + 3, s + 5, 2, &m) || !digits(s + 6, s + 8, 2, &sec) || h > 23 || m > 59 ||
        sec > 59)
        return 0;
    s += 8;
    if (s < e && *s == '.') {
        const char *f = ++s;
        while (s < e && *s >= '0' && *s <= '9')
            s++;
        size_t nd = (size_t)(s - f);
        if (nd < 1 || nd > 9 || !digits(f, s, 1, &frac)) return 0;
        for (size_t i = nd; i < 9; i++)
            frac *= 10;
    }
    *nanos_of_day = ((h * 60 + m) * 60 + sec) * NANOS + frac;
    *next = s;
    return 1;
}

/* "[+-]YYYY-MM-DD" (4+ digit years, '+' beyond 9999) at the start of [s, e). */
static int parse_date(const char *s, const char *e, int64_t *days, const char **next)
{
    int neg = 0;
    if (s < e && (*s == '+' || *s == '-')) neg = *s++ == '-';
    const char *y0 = s;
    while (s < e && *s >= '0' && *s <= '9')
        s++;
    int64_t y, mo, d;
    if (!digits(y0, s, 4, &y) || y > BV_CIVIL_YEAR_MAX) return 0;
    if (e - s < 6 || s[0] != '-' || s[3] != '-' || !digits(s + 1, s + 3, 2, &mo) ||
        !digits(s + 4, s + 6, 2, &d) || mo < 1 || mo > 12 || d < 1 || d > 31)
        return 0;
    *days = bv_days_from_civil(neg ? -y : y, (unsigned)mo, (unsigned)d);
    *next = s + 6;
    return 1;
}

/* "Z", "+HH:MM" or "-HH:MM[:SS]" filling [s, e) exactly. */
static int parse_offset(const char *s, const char *e, int64_t *off)
{
    if (e - s == 1 && *s == 'Z') {
        *off = 0;
        return 1;
    }
    if (e - s != 6 && e - s != 9) return 0;
    int64_t h, m, sec = 0;
    if ((s[0] != '+' && s[0] != '-') || s[3] != ':' || !digits(s + 1, s + 3, 2, &h) ||
        !digits(s + 4, s + 6, 2, &m) ||
        (e - s == 9 && (s[6] != ':' || !digits(s + 7, s + 9, 2, &sec))))
        return 0;
    *off = (s[0] == '-' ? -1 : 1) * (h * 3600 + m * 60 + sec);
    return 1;
}

/* "P[nY][nM][nD][T[nH][nM][n[.f]S]]", each number with its own sign as the renderer writes. */
static int parse_duration(kp *p, const char *s, const char *e, bolt_value *out)
{
    int64_t months = 0, days = 0, sabs = 0, frac = 0;
    int time = 0, neg_time = 0, any = 0;
    for (s++; s < e;) {
        if (*s == 'T') {
            if (time) return bad();
            time = 1;
            s++;
            continue;
        }
        int neg = *s == '-';
        if (neg) s++;
        const char *d0 = s;
        while (s < e && *s >= '0' && *s <= '9')
            s++;
        int64_t v, f = 0;
        if (!digits(d0, s, 1, &v)) return bad();
        if (s < e && *s == '.' && time) {
            const char *f0 = ++s;
            while (s < e && *s >= '0' && *s <= '9')
                s++;
            if (!digits(f0, s, 1, &f) || s - f0 > 9) return bad();
            for (long i = (long)(s - f0); i < 9; i++)
                f *= 10;
        }
        if (s >= e) return bad();
        char unit = *s++;
        any = 1;
        if (!time && unit == 'Y' && !f) {
            if (v > INT64_MAX / 12 - 1) return bad();
            months += neg ? -v * 12 : v * 12;
        } else if (!time && unit == 'M' && !f) {
            if (v > 11) return bad(); /* the renderer writes months % 12 here */
            months += neg ? -v : v;
        } else if (!time && unit == 'D' && !f) {
            days = neg ? -v : v;
        } else if (time && (unit == 'H' || unit == 'M' || unit == 'S')) {
            if (unit != 'S' && f) return bad();
            neg_time |= neg;
            int64_t mult = unit == 'H' ? 3600 : unit == 'M' ? 60 : 1;
            if (v > INT64_MAX / mult || sabs > INT64_MAX - v * mult) return bad();
            sabs += v * mult;
            frac = unit == 'S' ? f : frac;
        } else {
            return bad();
        }
    }
    if (!any) return bad();
    int64_t secs = neg_time ? -sabs : sabs, nanos = frac;
    if (neg_time && frac) { /* -1.5 s is -2 s + 0.5 s */
        secs -= 1;
        nanos = NANOS - frac;
    }
    int rc = structure(p, out, BOLT_T_DURATION, 'E', 4);
    if (rc) return rc;
    out->u.items[BOLT_DUR_MONTHS] = bolt_int(months);
    out->u.items[BOLT_DUR_DAYS] = bolt_int(days);
    out->u.items[BOLT_DUR_SECONDS] = bolt_int(secs);
    out->u.items[BOLT_DUR_NANOS] = bolt_int(nanos);
    return 0;
}

static int parse_float_token(const char *s, const char *e, double *out)
{
    size_t n = (size_t)(e - s);
    if (n == 3 && !memcmp(s, "NaN", 3)) {
        *out = NAN;
        return 1;
    }
    if (n == 8 && !memcmp(s, "Infinity", 8)) {
        *out = INFINITY;
        return 1;
    }
    if (n == 9 && !memcmp(s, "-Infinity", 9)) {
        *out = -INFINITY;
        return 1;
    }
    char buf[64];
    if (n == 0 || n >= sizeof buf) return 0;
    memcpy(buf, s, n);
    buf[n] = '\0';
    /* ERANGE is not checked: subnormals set it too ("5.0e-324"), and the rendering check of
     * bv_snapshot_key_value() refuses any text that did not read back exactly */
    char *endp;
    double d = strtod(buf, &endp);
    if (*endp) return 0;
    *out = d;
    return 1;
}

/* A token that ends at ',', ']', '}' or the end: a number or a temporal value. */
static int parse_token(kp *p, bolt_value *out)
{
    const char *s = p->s, *e = s;
    while (e < p->end && *e != ',' && *e != ']' && *e != '}')
        e++;
    p->s = e;
    if (s == e) return bad();
    const char *next;
    int64_t days, nod, off;
    int rc;
    if (*s == 'P') return parse_duration(p, s, e, out);
    if (parse_date(s, e, &days, &next)) {
        if (next == e) {
            if ((rc = structure(p, out, BOLT_T_DATE, 'D', 1))) return rc;
            out->u.items[BOLT_DATE_DAYS] = bolt_int(days);
            return 0;
        }
        if (*next != 'T' || !parse_clock(next + 1, e, &nod, &next) || next != e ||
            days > INT64_MAX / 86400 || days < INT64_MIN / 86400 + 1)
            return bad();
        if ((rc = structure(p, out, BOLT_T_LOCAL_DATETIME, 'd', 2))) return rc;
        out->u.items[BOLT_LDT_SECONDS] = bolt_int(days * 86400 + nod / NANOS);
        out->u.items[BOLT_LDT_NANOS] = bolt_int(nod % NANOS);
        return 0;
    }
    if (parse_clock(s, e, &nod, &next)) {
        if (next == e) {
            if ((rc = structure(p, out, BOLT_T_LOCAL_TIME, 't', 1))) return rc;
            out->u.items[BOLT_LTIME_NANOS] = bolt_int(nod);
            return 0;
        }
        if (!parse_offset(next, e, &off)) return bad();
        if ((rc = structure(p, out, BOLT_T_TIME, 'T', 2))) return rc;
        out->u.items[BOLT_TIME_NANOS] = bolt_int(nod);
        out->u.items[BOLT_TIME_OFFSET] = bolt_int(off);
        return 0;
    }
    /* an integer is digits with an optional '-'; anything else must read as a float */
    const char *d = s + (*s == '-');
    int integer = d < e;
    for (const char *c = d; c < e; c++)
        if (*c < '0' || *c > '9') integer = 0;
    if (integer) {
        char buf[32];
        if ((size_t)(e - s) >= sizeof buf) return bad();
        memcpy(buf, s, (size_t)(e - s));
        buf[e - s] = '\0';
        errno = 0;
        long long v = strtoll(buf, NULL, 10);
        if (errno == ERANGE) return bad();
        *out = bolt_int((int64_t)v);
        return 0;
    }
    double f;
    if (!parse_float_token(s, e, &f)) return bad();
    *out = bolt_float(f);
    return 0;
}

static int parse_point(kp *p, bolt_value *out)
{
    bolt_value v[4];
    int rc;
    if ((rc = parse_token(p, &v[0])) || v[0].type != BOLT_T_INT) return rc ? rc : bad();
    static const char *const names[] = {", x: ", ", y: ", ", z: "};
    size_t n = 1;
    for (; n < 4; n++) {
        if (n == 3 && lit(p, "})")) break;
        if (!lit(p, names[n - 1])) return bad();
        if ((rc = parse_token(p, &v[n]))) return rc;
        if (v[n].type != BOLT_T_FLOAT) return bad();
    }
    if (n == 4 && !lit(p, "})")) return bad();
    if ((rc = structure(p, out, n == 3 ? BOLT_T_POINT2D : BOLT_T_POINT3D, n == 3 ? 'X' : 'Y', n)))
        return rc;
    memcpy(out->u.items, v, n * sizeof *v);
    return 0;
}

static int parse_value(kp *p, bolt_value *out, unsigned depth);

static int parse_list(kp *p, bolt_value *out, unsigned depth)
{
    /* count the items first: one arena block for all of them */
    size_t cap = 0;
    int level = 0, in_str = 0;
    for (const char *c = p->s; c < p->end; c++) {
        if (in_str) {
            if (*c == '\\')
                c++;
            else if (*c == '"')
                in_str = 0;
            continue;
        }
        if (*c == '"') in_str = 1;
        if (*c == '[' || *c == '(') level++;
        if (*c == ')') level--;
        if (*c == ']' && level-- == 0) break;
        if (*c == ',' && level == 0) cap++;
    }
    bolt_value *v = items(p, cap + 1);
    if (!v) return BOLT_E_NOMEM;
    size_t n = 0;
    if (!lit(p, "]")) {
        for (;;) {
            if (n > cap) return bad();
            int rc = parse_value(p, &v[n++], depth + 1);
            if (rc) return rc;
            if (lit(p, "]")) break;
            if (!lit(p, ", ")) return bad();
        }
    }
    *out = bolt_list(v, n);
    return 0;
}

static int parse_value(kp *p, bolt_value *out, unsigned depth)
{
    if (depth > KEY_MAX_DEPTH || p->s >= p->end) return bad();
    if (*p->s == '"') return parse_string(p, out);
    if (*p->s == '[') {
        p->s++;
        return parse_list(p, out, depth);
    }
    if (lit(p, "true")) {
        *out = bolt_bool(1);
        return 0;
    }
    if (lit(p, "false")) {
        *out = bolt_bool(0);
        return 0;
    }
    if (lit(p, "bytes(")) return parse_bytes(p, out);
    if (lit(p, "point({srid: ")) return parse_point(p, out);
    return parse_token(p, out);
}

int bv_snapshot_key_value(const bv_sample_node *n, bolt_arena *a, bolt_value *out)
{
    if (!n->key_text || !n->key_prop) return BOLT_E_UNSUPPORTED;
    size_t len = strlen(n->key_text);
    kp p = {n->key_text, n->key_text + len, a};
    bolt_value v;
    int rc = parse_value(&p, &v, 0);
    if (rc) return rc;
    if (p.s != p.end) return BOLT_E_UNSUPPORTED;
    /* The proof: the same rendering and the same hash as the node that was sampled. Without a
     * tz database, as no sendable key holds a zone. -0.0 is kept (BV_CANON_FOLD_NEGZERO off),
     * as the measuring stage hashes keys. */
    bv_canon c = {NULL, 0};
    char small[256];
    size_t need = bv_canon_format(&c, &v, small, sizeof small);
    if (need != len) return BOLT_E_UNSUPPORTED;
    if (need < sizeof small) {
        if (memcmp(small, n->key_text, len)) return BOLT_E_UNSUPPORTED;
    } else {
        char *big = bolt_malloc(need + 1);
        if (!big) return BOLT_E_NOMEM;
        bv_canon_format(&c, &v, big, need + 1);
        int same = !memcmp(big, n->key_text, len);
        bolt_free(big);
        if (!same) return BOLT_E_UNSUPPORTED;
    }
    bv_h128 h;
    if ((rc = bv_canon_hash128(&c, &v, &h, NULL)) != 0) return rc == BOLT_E_NOMEM ? rc : bad();
    if (!bv_h128_eq(h, n->key_hash)) return BOLT_E_UNSUPPORTED;
    *out = v;
    return 0;
}

/* ---- the key lists of a snapshot, for the fetch phase (verify/measure_sample.c) ------------- */

static int keyp_cmp(const void *a, const void *b)
{
    const bv_sample_node *x = *(const bv_sample_node *const *)a;
    const bv_sample_node *y = *(const bv_sample_node *const *)b;
    int d = strcmp(x->label ? x->label : "", y->label ? y->label : "");
    if (!d) d = strcmp(x->key_prop, y->key_prop);
    if (!d) d = strcmp(x->key_text, y->key_text);
    return d;
}

static int same_list(const bv_sample_node *a, const bv_sample_node *b)
{
    return !strcmp(a->label, b->label) && !strcmp(a->key_prop, b->key_prop);
}

int bv_snapshot_sample_keys(const bv_measurement *src, bv_sample_keys *keys)
{
    size_t n = 0;
    for (size_t i = 0; i < src->sample_count; i++)
        if (src->sample[i].label && src->sample[i].key_prop && src->sample[i].key_text) n++;
    if (!n) return 0;
    const bv_sample_node **v = bolt_malloc(n * sizeof *v);
    bolt_value *vals = bolt_malloc(n * sizeof *vals);
    int rc = v && vals ? 0 : BOLT_E_NOMEM;
    bolt_arena a;
    bolt_arena_init(&a, 4096, 0);
    if (rc == 0) {
        n = 0;
        for (size_t i = 0; i < src->sample_count; i++)
            if (src->sample[i].label && src->sample[i].key_prop && src->sample[i].key_text)
                v[n++] = &src->sample[i];
        qsort(v, n, sizeof *v, keyp_cmp);
    }
    /* one list per (label, key property); a key sampled twice (not unique) is looked up once;
     * missing nodes too: a target that has one must say so */
    for (size_t i = 0; rc == 0 && i < n;) {
        size_t j = i, got = 0;
        for (; j < n && same_list(v[i], v[j]); j++) {
            if (j > i && !strcmp(v[j]->key_text, v[j - 1]->key_text)) continue;
            int k = bv_snapshot_key_value(v[j], &a, &vals[got]);
            if (k == BOLT_E_NOMEM) rc = k;
            if (k == 0) got++; /* a key that cannot be rebuilt is not looked up */
        }
        if (rc == 0 && got)
            rc = bv_sample_keys_add_values(keys, v[i]->label, v[i]->key_prop, vals, got);
        bolt_arena_reset(&a);
        i = j;
    }
    bolt_arena_free(&a);
    bolt_free(vals);
    bolt_free(v);
    return rc;
}
