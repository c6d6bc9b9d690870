/* Strict JSON parser for test fixtures (see json.h). Recursive descent over a byte range;
 * values are allocated from a chain of blocks owned by the document. */
#include "json.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct json_block {
    struct json_block *next;
    size_t used, size;
    max_align_t data[]; /* aligned storage */
} json_block;

struct json_doc {
    json_block *blocks;
    json_value root;
};

typedef struct parser {
    const char *p, *start, *end;
    json_doc *doc;
    char *err;
    size_t errlen;
    int failed;
} parser;

static void *doc_alloc(json_doc *doc, size_t size)
{
    size = (size + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
    if (size == 0) size = sizeof(max_align_t);
    json_block *b = doc->blocks;
    if (!b || b->size - b->used < size) {
        size_t want = size > 65536 ? size : 65536;
        b = malloc(sizeof *b + want);
        if (!b) return NULL;
        b->next = doc->blocks;
        b->used = 0;
        b->size = want;
        doc->blocks = b;
    }
    void *r = (char *)b->data + b->used;
    b->used += size;
    return r;
}

static int perr(parser *ps, const char *fmt, ...)
{
    if (ps->failed) return -1;
    ps->failed = 1;
    size_t line = 1, col = 1;
    for (const char *q = ps->start; q < ps->p && q < ps->end; q++) {
        if (*q == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    if (ps->err && ps->errlen) {
        int n = snprintf(ps->err, ps->errlen, "line %zu col %zu: ", line, col);
        if (n >= 0 && (size_t)n < ps->errlen) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(ps->err + n, ps->errlen - (size_t)n, fmt, ap);
            va_end(ap);
        }
    }
    return -1;
}

static void skip_ws(parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
        ps->p++;
}

static int parse_value(parser *ps, json_value *out, unsigned depth);

static int literal(parser *ps, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
        return perr(ps, "invalid literal");
    ps->p += n;
    return 0;
}

static int parse_number(parser *ps, json_value *out)
{
    const char *s = ps->p;
    const char *q = s;
    int is_float = 0;
    if (q < ps->end && *q == '-') q++;
    if (q >= ps->end || *q < '0' || *q > '9') return perr(ps, "invalid number");
    if (*q == '0') {
        q++;
        if (q < ps->end && *q >= '0' && *q <= '9') return perr(ps, "leading zero in number");
    } else {
        while (q < ps->end && *q >= '0' && *q <= '9')
            q++;
    }
    if (q < ps->end && *q == '.') {
        is_float = 1;
        q++;
        if (q >= ps->end || *q < '0' || *q > '9') return perr(ps, "digit expected after '.'");
        while (q < ps->end && *q >= '0' && *q <= '9')
            q++;
    }
    if (q < ps->end && (*q == 'e' || *q == 'E')) {
        is_float = 1;
        q++;
        if (q < ps->end && (*q == '+' || *q == '-')) q++;
        if (q >= ps->end || *q < '0' || *q > '9') return perr(ps, "digit expected in exponent");
        while (q < ps->end && *q >= '0' && *q <= '9')
            q++;
    }
    size_t n = (size_t)(q - s);
    char tmp[512];
    if (n >= sizeof tmp) return perr(ps, "number too long");
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    if (is_float) {
        errno = 0;
        char *endp = NULL;
        double f = strtod(tmp, &endp);
        /* ERANGE on underflow still gives the correctly rounded (denormal or zero) value; only
         * an overflow to infinity is not a faithful reading of the text. */
        if (endp != tmp + n || (errno == ERANGE && (f > 1.0 || f < -1.0)))
            return perr(ps, "float out of range");
        out->type = JSON_FLOAT;
        out->u.f = f;
    } else {
        /* Accumulate as a negative number so INT64_MIN is representable. */
        int neg = tmp[0] == '-';
        int64_t v = 0;
        for (const char *d = tmp + neg; *d; d++) {
            int digit = *d - '0';
            if (v < (INT64_MIN + digit) / 10) return perr(ps, "integer out of int64 range");
            v = v * 10 - digit;
        }
        if (!neg) {
            if (v == INT64_MIN) return perr(ps, "integer out of int64 range");
            v = -v;
        }
        out->type = JSON_INT;
        out->u.i = v;
    }
    ps->p = q;
    return 0;
}

static int hex4(parser *ps, const char *q, unsigned *cp)
{
    unsigned v = 0;
    if (ps->end - q < 4) return perr(ps, "truncated \\u escape");
    for (int i = 0; i < 4; i++) {
        char c = q[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return perr(ps, "invalid \\u escape");
    }
    *cp = v;
    return 0;
}

static size_t put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Length of a valid UTF-8 sequence at q (RFC 3629: no overlongs, no surrogates), or 0. */
static size_t utf8_seq(const unsigned char *q, const unsigned char *end)
{
    unsigned c = q[0];
    size_t n;
    unsigned min;
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF)
        n = 3, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4)
        n = 4, min = 0x10000;
    else
        return 0;
    if ((size_t)(end - q) < n) return 0;
    unsigned cp = c & (0x3Fu >> (n - 1));
    for (size_t i = 1; i < n; i++) {
        if ((q[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (q[i] & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return n;
}

static int parse_string(parser *ps, const char **out, size_t *outlen)
{
    ps->p++; /* opening quote */
    /* The decoded string is never longer than its source text. */
    const char *q = ps->p;
    while (q < ps->end && *q != '"')
        q += (*q == '\\' && ps->end - q > 1) ? 2 : 1;
    if (q >= ps->end) return perr(ps, "unterminated string");
    char *buf = doc_alloc(ps->doc, (size_t)(q - ps->p) + 1);
    if (!buf) return perr(ps, "out of memory");
    size_t n = 0;
    while (ps->p < ps->end && *ps->p != '"') {
        unsigned char c = (unsigned char)*ps->p;
        if (c < 0x20) return perr(ps, "control character in string");
        if (c != '\\') {
            size_t k = utf8_seq((const unsigned char *)ps->p, (const unsigned char *)ps->end);
            if (k == 0) return perr(ps, "invalid UTF-8 in string");
            memcpy(buf + n, ps->p, k);
            n += k;
            ps->p += k;
            continue;
        }
        ps->p++;
        if (ps->p >= ps->end) return perr(ps, "unterminated escape");
        char e = *ps->p++;
        switch (e) {
        case '"':
            buf[n++] = '"';
            break;
        case '\\':
            buf[n++] = '\\';
            break;
        case '/':
            buf[n++] = '/';
            break;
        case 'b':
            buf[n++] = '\b';
            break;
        case 'f':
            buf[n++] = '\f';
            break;
        case 'n':
            buf[n++] = '\n';
            break;
        case 'r':
            buf[n++] = '\r';
            break;
        case 't':
            buf[n++] = '\t';
            break;
        case 'u': {
            unsigned cp = 0; /* set by hex4; initialised for -O3 flow analysis */
            if (hex4(ps, ps->p, &cp) < 0) return -1;
            ps->p += 4;
            if (cp >= 0xDC00 && cp <= 0xDFFF) return perr(ps, "lone low surrogate");
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                unsigned lo = 0;
                if (ps->end - ps->p < 2 || ps->p[0] != '\\' || ps->p[1] != 'u')
                    return perr(ps, "lone high surrogate");
                if (hex4(ps, ps->p + 2, &lo) < 0) return -1;
                if (lo < 0xDC00 || lo > 0xDFFF) return perr(ps, "lone high surrogate");
                ps->p += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            /* \uXXXX is 6 source bytes and at most 3 UTF-8 bytes; a pair is 12 for 4. */
            n += put_utf8(buf + n, cp);
            break;
        }
        default:
            return perr(ps, "invalid escape \\%c", e);
        }
    }
    ps->p++; /* closing quote */
    buf[n] = '\0';
    *out = buf;
    *outlen = n;
    return 0;
}

/* Items are collected in a growable malloc'd array, then copied into the document. */
typedef struct vec {
    void *data;
    size_t len, cap, elem;
} vec;

static void *vec_push(vec *v)
{
    if (v->len == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 8;
        void *nd = realloc(v->data, cap * v->elem);
        if (!nd) return NULL;
        v->data = nd;
        v->cap = cap;
    }
    return (char *)v->data + v->elem * v->len++;
}

static int vec_finish(parser *ps, vec *v, void **out)
{
    *out = NULL;
    if (v->len) {
        *out = doc_alloc(ps->doc, v->len * v->elem);
        if (!*out) {
            free(v->data);
            return perr(ps, "out of memory");
        }
        memcpy(*out, v->data, v->len * v->elem);
    }
    free(v->data);
    return 0;
}

static int parse_array(parser *ps, json_value *out, unsigned depth)
{
    vec v = {NULL, 0, 0, sizeof(json_value)};
    ps->p++;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == ']') {
        ps->p++;
    } else {
        for (;;) {
            json_value *item = vec_push(&v);
            if (!item) {
                free(v.data);
                return perr(ps, "out of memory");
            }
            skip_ws(ps);
            if (parse_value(ps, item, depth + 1) < 0) {
                free(v.data);
                return -1;
            }
            skip_ws(ps);
            if (ps->p < ps->end && *ps->p == ',') {
                ps->p++;
                continue;
            }
            if (ps->p < ps->end && *ps->p == ']') {
                ps->p++;
                break;
            }
            free(v.data);
            return perr(ps, "',' or ']' expected");
        }
    }
    out->type = JSON_ARRAY;
    out->len = v.len;
    void *items;
    if (vec_finish(ps, &v, &items) < 0) return -1;
    out->u.items = items;
    return 0;
}

static int parse_object(parser *ps, json_value *out, unsigned depth)
{
    vec v = {NULL, 0, 0, sizeof(json_member)};
    ps->p++;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == '}') {
        ps->p++;
    } else {
        for (;;) {
            skip_ws(ps);
            if (ps->p >= ps->end || *ps->p != '"') {
                free(v.data);
                return perr(ps, "string key expected");
            }
            json_member *m = vec_push(&v);
            if (!m) {
                free(v.data);
                return perr(ps, "out of memory");
            }
            if (parse_string(ps, &m->key, &m->key_len) < 0) {
                free(v.data);
                return -1;
            }
            skip_ws(ps);
            if (ps->p >= ps->end || *ps->p != ':') {
                free(v.data);
                return perr(ps, "':' expected");
            }
            ps->p++;
            skip_ws(ps);
            if (parse_value(ps, &m->value, depth + 1) < 0) {
                free(v.data);
                return -1;
            }
            skip_ws(ps);
            if (ps->p < ps->end && *ps->p == ',') {
                ps->p++;
                continue;
            }
            if (ps->p < ps->end && *ps->p == '}') {
                ps->p++;
                break;
            }
            free(v.data);
            return perr(ps, "',' or '}' expected");
        }
    }
    out->type = JSON_OBJECT;
    out->len = v.len;
    void *members;
    if (vec_finish(ps, &v, &members) < 0) return -1;
    out->u.members = members;
    return 0;
}

static int parse_value(parser *ps, json_value *out, unsigned depth)
{
    memset(out, 0, sizeof *out);
    if (depth > JSON_MAX_DEPTH) return perr(ps, "nesting deeper than %d", JSON_MAX_DEPTH);
    if (ps->p >= ps->end) return perr(ps, "value expected");
    switch (*ps->p) {
    case 'n':
        out->type = JSON_NULL;
        return literal(ps, "null");
    case 't':
        out->type = JSON_BOOL;
        out->u.b = 1;
        return literal(ps, "true");
    case 'f':
        out->type = JSON_BOOL;
        out->u.b = 0;
        return literal(ps, "false");
    case '"':
        out->type = JSON_STRING;
        return parse_string(ps, &out->u.s, &out->len);
    case '[':
        return parse_array(ps, out, depth);
    case '{':
        return parse_object(ps, out, depth);
    default:
        return parse_number(ps, out);
    }
}

json_doc *json_parse(const char *text, size_t len, char *err, size_t errlen)
{
    if (err && errlen) err[0] = '\0';
    json_doc *doc = calloc(1, sizeof *doc);
    if (!doc) {
        if (err && errlen) snprintf(err, errlen, "out of memory");
        return NULL;
    }
    parser ps = {text, text, text + len, doc, err, errlen, 0};
    skip_ws(&ps);
    if (parse_value(&ps, &doc->root, 0) == 0) {
        skip_ws(&ps);
        if (ps.p != ps.end) perr(&ps, "trailing characters after the document");
    }
    if (ps.failed) {
        json_free(doc);
        return NULL;
    }
    return doc;
}

json_doc *json_parse_file(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (err && errlen) snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 65536;
            char *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                if (err && errlen) snprintf(err, errlen, "%s: out of memory", path);
                return NULL;
            }
            buf = nb;
        }
        size_t r = fread(buf + len, 1, cap - len, f);
        if (r == 0) break;
        len += r;
    }
    int rerr = ferror(f);
    fclose(f);
    if (rerr) {
        free(buf);
        if (err && errlen) snprintf(err, errlen, "%s: read error", path);
        return NULL;
    }
    char msg[256];
    json_doc *doc = json_parse(buf, len, msg, sizeof msg);
    free(buf);
    if (!doc && err && errlen) snprintf(err, errlen, "%s: %s", path, msg);
    return doc;
}

const json_value *json_root(const json_doc *doc)
{
    return &doc->root;
}

void json_free(json_doc *doc)
{
    if (!doc) return;
    for (json_block *b = doc->blocks; b;) {
        json_block *next = b->next;
        free(b);
        b = next;
    }
    free(doc);
}

const json_value *json_get(const json_value *v, const char *key)
{
    if (!v || v->type != JSON_OBJECT) return NULL;
    size_t kl = strlen(key);
    for (size_t i = 0; i < v->len; i++)
        if (v->u.members[i].key_len == kl && memcmp(v->u.members[i].key, key, kl) == 0)
            return &v->u.members[i].value;
    return NULL;
}

const json_value *json_at(const json_value *v, size_t i)
{
    if (!v || v->type != JSON_ARRAY || i >= v->len) return NULL;
    return &v->u.items[i];
}

int json_str_eq(const json_value *v, const char *s)
{
    return v && v->type == JSON_STRING && strlen(s) == v->len && memcmp(v->u.s, s, v->len) == 0;
}

const char *json_type_name(json_type t)
{
    static const char *const names[] = {"null",   "bool",  "int",   "float",
                                        "string", "array", "object"};
    return (unsigned)t < sizeof names / sizeof names[0] ? names[t] : "?";
}
