/* bolt_value_format: the one-line rendering documented in bolt/value.h. Golden tests of other
 * modules compare against it, so every choice here is deterministic and locale independent. */
#include "bolt/value.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "packstream_int.h"

typedef struct fmt_out {
    char *buf;
    size_t size;
    size_t len; /* bytes needed so far (may exceed size) */
} fmt_out;

static void put(fmt_out *o, const char *s, size_t n)
{
    if (o->len < o->size) {
        size_t room = o->size - o->len;
        memcpy(o->buf + o->len, s, n < room ? n : room);
    }
    o->len += n;
}

static void puts_(fmt_out *o, const char *s)
{
    put(o, s, strlen(s));
}

static void putc_(fmt_out *o, char c)
{
    put(o, &c, 1);
}

static void put_int(fmt_out *o, int64_t i)
{
    char tmp[24];
    int n = snprintf(tmp, sizeof tmp, "%lld", (long long)i);
    put(o, tmp, (size_t)n);
}

/* Shortest text that reads back to the same double, always with a '.' or an exponent so it
 * cannot be mistaken for an Integer. A locale decimal comma is turned back into '.'. */
static void put_float(fmt_out *o, double f)
{
    if (isnan(f)) {
        puts_(o, "NaN");
        return;
    }
    if (isinf(f)) {
        puts_(o, f < 0 ? "-Infinity" : "Infinity");
        return;
    }
    char tmp[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, f);
        for (char *c = tmp; *c; c++)
            if (*c == ',') *c = '.';
        if (strtod(tmp, NULL) == f || prec == 17) break;
    }
    puts_(o, tmp);
    if (!strpbrk(tmp, ".e")) puts_(o, ".0");
}

static const char hexd[] = "0123456789abcdef";

/* JSON string escaping; bytes that are not valid UTF-8 are shown as \xNN (not JSON, but exact
 * and unambiguous, which matters more when diagnosing a corrupted property). */
static void put_string(fmt_out *o, const char *s, size_t n)
{
    const uint8_t *p = (const uint8_t *)s;
    putc_(o, '"');
    if (n == 0) { /* s may be NULL: no pointer arithmetic on it */
        putc_(o, '"');
        return;
    }
    size_t run = 0; /* start of the pending run of bytes printed as is */
    size_t i = 0;
    while (i < n) {
        uint8_t c = p[i];
        const char *esc = NULL;
        char tmp[8];
        size_t k = 1;
        if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
            i++;
            continue;
        }
        if (c >= 0x80 && (k = bolt_utf8_seq(p + i, n - i)) != 0) {
            i += k;
            continue;
        }
        switch (c) {
        case '"':
            esc = "\\\"";
            break;
        case '\\':
            esc = "\\\\";
            break;
        case '\n':
            esc = "\\n";
            break;
        case '\r':
            esc = "\\r";
            break;
        case '\t':
            esc = "\\t";
            break;
        case '\b':
            esc = "\\b";
            break;
        case '\f':
            esc = "\\f";
            break;
        default:
            if (c < 0x80) {
                memcpy(tmp, "\\u00", 4);
                tmp[4] = hexd[c >> 4];
                tmp[5] = hexd[c & 15];
                tmp[6] = '\0';
            } else {
                tmp[0] = '\\';
                tmp[1] = 'x';
                tmp[2] = hexd[c >> 4];
                tmp[3] = hexd[c & 15];
                tmp[4] = '\0';
            }
            esc = tmp;
        }
        put(o, s + run, i - run);
        puts_(o, esc);
        i++;
        run = i;
    }
    put(o, s + run, n - run);
    putc_(o, '"');
}

static void put_bytes(fmt_out *o, const uint8_t *b, size_t n)
{
    putc_(o, '#');
    for (size_t i = 0; i < n; i++) {
        char h[2] = {hexd[b[i] >> 4], hexd[b[i] & 15]};
        put(o, h, 2);
    }
}

/* Map keys that look like identifiers are printed bare, as in Cypher: {uid: 1}. */
static void put_key(fmt_out *o, const bolt_value *k)
{
    if (k->type != BOLT_T_STRING) {
        puts_(o, "<non-string key>");
        return;
    }
    int bare = k->len > 0;
    for (uint32_t i = 0; i < k->len && bare; i++) {
        char c = k->u.str[i];
        bare = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
               (i > 0 && c >= '0' && c <= '9');
    }
    if (bare)
        put(o, k->u.str, k->len);
    else
        put_string(o, k->u.str, k->len);
}

static void format(fmt_out *o, const bolt_value *v, unsigned depth);

static void put_items(fmt_out *o, const bolt_value *items, size_t n, unsigned depth)
{
    for (size_t i = 0; i < n; i++) {
        if (i) puts_(o, ", ");
        format(o, &items[i], depth + 1);
    }
}

static void format(fmt_out *o, const bolt_value *v, unsigned depth)
{
    switch ((bolt_type)v->type) {
    case BOLT_T_NULL:
        puts_(o, "null");
        return;
    case BOLT_T_BOOL:
        puts_(o, v->u.i ? "true" : "false");
        return;
    case BOLT_T_INT:
        put_int(o, v->u.i);
        return;
    case BOLT_T_FLOAT:
        put_float(o, v->u.f);
        return;
    case BOLT_T_STRING:
        put_string(o, v->u.str, v->len);
        return;
    case BOLT_T_BYTES:
        put_bytes(o, v->u.bytes, v->len);
        return;
    default:
        break;
    }
    if (v->type >= BOLT_T__COUNT) {
        puts_(o, "<invalid>");
        return;
    }
    if (depth >= BOLT_MAX_DEPTH_LIMIT) {
        puts_(o, "...");
        return;
    }
    switch ((bolt_type)v->type) {
    case BOLT_T_LIST:
        putc_(o, '[');
        put_items(o, v->u.items, v->len, depth);
        putc_(o, ']');
        return;
    case BOLT_T_MAP:
        putc_(o, '{');
        for (uint32_t i = 0; i < v->len; i++) {
            if (i) puts_(o, ", ");
            put_key(o, &v->u.items[2 * (size_t)i]);
            puts_(o, ": ");
            format(o, &v->u.items[2 * (size_t)i + 1], depth + 1);
        }
        putc_(o, '}');
        return;
    case BOLT_T_STRUCT: {
        char tmp[16];
        snprintf(tmp, sizeof tmp, "Struct<0x%02X>", (unsigned)v->tag);
        puts_(o, tmp);
        break;
    }
    case BOLT_T_NODE:
    case BOLT_T_RELATIONSHIP:
    case BOLT_T_UNBOUND_REL:
    case BOLT_T_PATH:
        puts_(o, bolt_type_name((bolt_type)v->type));
        break;
    default:
        /* Temporal, spatial, vector: the wire tag letter, as bolt-reference writes them,
         * because F and I (f and i) are the same type with different meanings. */
        putc_(o, (char)(v->tag ? v->tag : bolt_ps_default_tag(v)));
        break;
    }
    putc_(o, '(');
    put_items(o, v->u.items, v->len, depth);
    putc_(o, ')');
}

size_t bolt_value_format(const bolt_value *v, char *buf, size_t size)
{
    fmt_out o = {buf, size, 0};
    if (v)
        format(&o, v, 0);
    else
        puts_(&o, "null");
    if (size) buf[o.len < size ? o.len : size - 1] = '\0';
    return o.len;
}
