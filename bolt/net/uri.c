/* Connection URIs (bolt-reference 7): scheme, optional user name, host (IPv6 in brackets),
 * port, and for neo4j:// the query string that becomes the routing context.
 *
 * The parser is strict on purpose: a URI that is almost right (a stray path, a fragment, a
 * query on bolt://) is far more likely a mistake than an intention, and at 3 a.m. a clear
 * refusal beats connecting somewhere unexpected. */
#include "bolt/net.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bolt/error.h"

#define URI_MAX 4096

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return BOLT_E_URI;
}

static const struct {
    const char *name;
    int routing;
    bolt_security security;
} schemes[] = {
    {"bolt", 0, BOLT_SEC_PLAIN},         {"bolt+s", 0, BOLT_SEC_VERIFY},
    {"bolt+ssc", 0, BOLT_SEC_TRUST_ANY}, {"neo4j", 1, BOLT_SEC_PLAIN},
    {"neo4j+s", 1, BOLT_SEC_VERIFY},     {"neo4j+ssc", 1, BOLT_SEC_TRUST_ANY},
};

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Percent-decodes [s, s+n) into a new string; '+' stays '+' except in the query, where it
 * means a space (form encoding, as the Go and Java drivers read it). NULL with *bad set on a
 * malformed escape or an encoded NUL. */
static char *decode(const char *s, size_t n, int plus_is_space, int *bad)
{
    char *out = bolt_malloc(n + 1);
    if (!out) return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '%') {
            int hi = i + 2 < n ? hexval(s[i + 1]) : -1;
            int lo = i + 2 < n ? hexval(s[i + 2]) : -1;
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
                bolt_free(out);
                *bad = 1;
                return NULL;
            }
            out[o++] = (char)(hi * 16 + lo);
            i += 2;
        } else if (c == '+' && plus_is_space) {
            out[o++] = ' ';
        } else {
            out[o++] = c;
        }
    }
    out[o] = '\0';
    return out;
}

void bolt_uri_free(bolt_uri *u)
{
    if (!u) return;
    bolt_free(u->host);
    bolt_free(u->user);
    bolt_free(u->address);
    for (size_t i = 0; i < u->param_count; i++) {
        bolt_free(u->params[i].key);
        bolt_free(u->params[i].value);
    }
    bolt_free(u->params);
    memset(u, 0, sizeof *u);
}

static int host_char_ok(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_';
}

/* Port text [p, p+n): 1..65535, digits only. */
static int parse_port(const char *p, size_t n, unsigned *port)
{
    if (n == 0 || n > 5) return -1;
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') return -1;
        v = v * 10 + (unsigned)(p[i] - '0');
    }
    if (v == 0 || v > 65535) return -1;
    *port = v;
    return 0;
}

static char *make_address(const char *host, int v6, unsigned port)
{
    size_t n = strlen(host) + 16;
    char *a = bolt_malloc(n);
    if (!a) return NULL;
    snprintf(a, n, v6 ? "[%s]:%u" : "%s:%u", host, port);
    return a;
}

static int parse_query(bolt_uri *u, const char *q, size_t n, char *err, size_t errlen)
{
    /* Count the pairs first so the array is allocated once. */
    size_t count = 1;
    for (size_t i = 0; i < n; i++)
        if (q[i] == '&') count++;
    u->params = bolt_calloc(count, sizeof *u->params);
    if (!u->params) return BOLT_E_NOMEM;
    size_t start = 0;
    while (start <= n) {
        size_t end = start;
        while (end < n && q[end] != '&')
            end++;
        if (end == start) {
            if (n == 0) break;
            return fail(err, errlen, "empty parameter in the URI query string");
        }
        const char *eq = memchr(q + start, '=', end - start);
        if (!eq)
            return fail(err, errlen, "URI query parameter '%.*s' has no value (expected key=value)",
                        (int)(end - start), q + start);
        int bad = 0;
        size_t klen = (size_t)(eq - (q + start));
        char *key = decode(q + start, klen, 1, &bad);
        if (!key) return bad ? fail(err, errlen, "bad %%-escape in the URI query") : BOLT_E_NOMEM;
        char *val = decode(eq + 1, (size_t)(q + end - (eq + 1)), 1, &bad);
        if (!val) {
            bolt_free(key);
            return bad ? fail(err, errlen, "bad %%-escape in the URI query") : BOLT_E_NOMEM;
        }
        bolt_uri_param *p = &u->params[u->param_count++];
        p->key = key;
        p->value = val;
        if (!*key) return fail(err, errlen, "URI query parameter with an empty name");
        if (!strcmp(key, "address"))
            return fail(err, errlen,
                        "URI query parameter 'address' is reserved (the driver sets it)");
        for (size_t i = 0; i + 1 < u->param_count; i++)
            if (!strcmp(u->params[i].key, key))
                return fail(err, errlen, "URI query parameter '%s' given twice", key);
        start = end + 1;
    }
    return 0;
}

static int parse(const char *text, bolt_uri *u, char *err, size_t errlen)
{
    size_t len = strlen(text);
    if (len == 0) return fail(err, errlen, "empty URI");
    if (len > URI_MAX) return fail(err, errlen, "URI longer than %d bytes", URI_MAX);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c <= 0x20 || c >= 0x7F)
            return fail(err, errlen, "URI contains a space or a non-ASCII/control character");
    }

    const char *sep = strstr(text, "://");
    if (!sep) {
        return fail(err, errlen,
                    "'%s' is not a URI: expected SCHEME://HOST[:PORT], e.g. bolt://localhost:7687",
                    strchr(text, '@') ? "(redacted)" : text);
    }
    size_t slen = (size_t)(sep - text);
    int found = -1;
    for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++) {
        if (strlen(schemes[i].name) != slen) continue;
        size_t k = 0;
        while (k < slen && (text[k] | 0x20) == schemes[i].name[k])
            k++;
        if (k == slen) found = (int)i;
    }
    if (found < 0) {
        if (slen == 12 && !strncmp(text, "bolt+routing", 12))
            return fail(err, errlen, "scheme 'bolt+routing' was renamed: use neo4j://");
        return fail(err, errlen,
                    "unsupported URI scheme '%.*s' (use bolt, bolt+s, bolt+ssc, neo4j, neo4j+s "
                    "or neo4j+ssc)",
                    (int)(slen > 20 ? 20 : slen), text);
    }
    snprintf(u->scheme, sizeof u->scheme, "%s", schemes[found].name);
    u->routing = schemes[found].routing;
    u->security = schemes[found].security;

    const char *auth = sep + 3;
    const char *auth_end = auth + strcspn(auth, "/?#");
    const char *rest = auth_end;

    /* userinfo: the last '@' of the authority (a password may contain '@'). */
    const char *at = NULL;
    for (const char *p = auth; p < auth_end; p++)
        if (*p == '@') at = p;
    const char *hostpart = auth;
    if (at) {
        if (memchr(auth, ':', (size_t)(at - auth)))
            return fail(err, errlen,
                        "the URI contains a password (user:password@host): it would be visible "
                        "to every user of this machine in the process list; give the user name "
                        "alone and the password with --password-file, --credentials-file or "
                        "NEO4J_PASSWORD");
        if (at == auth) return fail(err, errlen, "empty user name before '@' in the URI");
        int bad = 0;
        u->user = decode(auth, (size_t)(at - auth), 0, &bad);
        if (!u->user)
            return bad ? fail(err, errlen, "bad %%-escape in the URI user name") : BOLT_E_NOMEM;
        hostpart = at + 1;
    }

    /* host and port */
    const char *hend;
    const char *portp = NULL;
    if (hostpart < auth_end && *hostpart == '[') {
        const char *close = memchr(hostpart, ']', (size_t)(auth_end - hostpart));
        if (!close) return fail(err, errlen, "IPv6 address in the URI lacks its closing ']'");
        hend = close + 1;
        size_t hl = (size_t)(close - hostpart - 1);
        if (hl == 0 || hl >= 64) return fail(err, errlen, "bad IPv6 address in the URI");
        int bad = 0;
        u->host = decode(hostpart + 1, hl, 0, &bad); /* %25 introduces a zone id */
        if (!u->host) return bad ? fail(err, errlen, "bad IPv6 address in the URI") : BOLT_E_NOMEM;
        char plain[64];
        snprintf(plain, sizeof plain, "%s", u->host);
        char *zone = strchr(plain, '%');
        if (zone) *zone = '\0';
        struct in6_addr a6;
        if (inet_pton(AF_INET6, plain, &a6) != 1)
            return fail(err, errlen, "'%s' is not a valid IPv6 address", u->host);
        u->host_ip = 6;
        if (hend < auth_end) {
            if (*hend != ':') return fail(err, errlen, "unexpected text after ']' in the URI");
            portp = hend + 1;
        }
    } else {
        const char *colon = memchr(hostpart, ':', (size_t)(auth_end - hostpart));
        hend = colon ? colon : auth_end;
        if (colon) {
            if (memchr(colon + 1, ':', (size_t)(auth_end - colon - 1)))
                return fail(err, errlen,
                            "IPv6 addresses must be written in brackets, e.g. bolt://[::1]:7687");
            portp = colon + 1;
        }
        size_t hl = (size_t)(hend - hostpart);
        if (hl == 0) return fail(err, errlen, "the URI has no host name");
        if (hl > 253) return fail(err, errlen, "host name longer than 253 characters");
        for (size_t i = 0; i < hl; i++)
            if (!host_char_ok(hostpart[i]))
                return fail(err, errlen, "invalid character '%c' in the host name", hostpart[i]);
        u->host = bolt_strndup(hostpart, hl);
        if (!u->host) return BOLT_E_NOMEM;
        struct in_addr a4;
        if (inet_pton(AF_INET, u->host, &a4) == 1) u->host_ip = 4;
    }
    u->port = BOLT_DEFAULT_PORT;
    if (portp && parse_port(portp, (size_t)(auth_end - portp), &u->port) != 0)
        return fail(err, errlen, "invalid port '%.*s' (expected 1-65535)",
                    (int)(auth_end - portp > 10 ? 10 : auth_end - portp), portp);

    /* path, query, fragment */
    if (*rest == '/') {
        rest++;
        if (*rest && *rest != '?' && *rest != '#')
            return fail(err, errlen, "a Bolt URI has no path (got '/%.*s')",
                        (int)strcspn(rest, "?#"), rest);
    }
    const char *frag = strchr(rest, '#');
    if (frag) return fail(err, errlen, "a Bolt URI has no fragment ('#...')");
    if (*rest == '?') {
        if (!u->routing)
            return fail(err, errlen,
                        "a query string (routing context) is only allowed with neo4j:// "
                        "schemes, not %s://",
                        u->scheme);
        int r = parse_query(u, rest + 1, strlen(rest + 1), err, errlen);
        if (r < 0) return r;
    }

    u->address = make_address(u->host, u->host_ip == 6, u->port);
    if (!u->address) return BOLT_E_NOMEM;
    return 0;
}

int bolt_uri_parse(const char *text, bolt_uri *u, char *err, size_t errlen)
{
    if (err && errlen) err[0] = '\0';
    if (!text || !u) return BOLT_E_INVAL;
    memset(u, 0, sizeof *u);
    int r = parse(text, u, err, errlen);
    if (r < 0) {
        if (r == BOLT_E_NOMEM && err && errlen) snprintf(err, errlen, "out of memory");
        bolt_uri_free(u);
    }
    return r;
}

int bolt_address_split(const char *addr, char *host, size_t hostlen, unsigned *port)
{
    if (!addr || !host || !hostlen || !port) return BOLT_E_INVAL;
    size_t n = strlen(addr);
    const char *hs, *he, *portp = NULL;
    if (n && addr[0] == '[') {
        const char *close = strchr(addr, ']');
        if (!close || close == addr + 1) return BOLT_E_URI;
        hs = addr + 1;
        he = close;
        if (close[1] == ':')
            portp = close + 2;
        else if (close[1] != '\0')
            return BOLT_E_URI;
    } else {
        const char *colon = strchr(addr, ':');
        if (colon && strchr(colon + 1, ':')) return BOLT_E_URI; /* unbracketed IPv6 */
        hs = addr;
        he = colon ? colon : addr + n;
        if (colon) portp = colon + 1;
        for (const char *p = hs; p < he; p++)
            if (!host_char_ok(*p)) return BOLT_E_URI;
    }
    if (he == hs || (size_t)(he - hs) >= hostlen) return BOLT_E_URI;
    *port = BOLT_DEFAULT_PORT;
    if (portp && parse_port(portp, strlen(portp), port) != 0) return BOLT_E_URI;
    memcpy(host, hs, (size_t)(he - hs));
    host[he - hs] = '\0';
    return 0;
}

int bolt_uri_routing_context(const bolt_uri *u, bolt_arena *a, bolt_value *out)
{
    if (!u || !a || !out || !u->address) return BOLT_E_INVAL;
    size_t n = 1 + u->param_count;
    bolt_value *kv = bolt_arena_alloc(a, 2 * n * sizeof *kv);
    if (!kv) return BOLT_E_NOMEM;
    kv[0] = bolt_string("address");
    kv[1] = bolt_string(u->address);
    for (size_t i = 0; i < u->param_count; i++) {
        kv[2 + 2 * i] = bolt_string(u->params[i].key);
        kv[3 + 2 * i] = bolt_string(u->params[i].value);
    }
    *out = bolt_map(kv, n);
    return 0;
}
