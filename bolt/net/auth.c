/* Credentials from options, environment variables and secret files.
 *
 * Passwords never travel through argv (every local user can read it in /proc), so they come
 * from files (Kubernetes mounts Secrets as files), from the environment (like cypher-shell's
 * NEO4J_USERNAME / NEO4J_PASSWORD), or from a credentials file with one line per instance.
 * Every error names the file or variable, never its content. */
#include "bolt/net.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bolt/error.h"

#define SECRET_MAX (64u * 1024u)

static int fail(int code, char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return code;
}

/* A plain memset before free may be optimised away; writing through a volatile pointer is not. */
static void wipe(char *s)
{
    if (!s) return;
    volatile char *p = s;
    while (*p)
        *p++ = 0;
}

void bolt_credentials_init(bolt_credentials *c)
{
    memset(c, 0, sizeof *c);
}

void bolt_credentials_clear(bolt_credentials *c)
{
    if (!c) return;
    wipe(c->secret);
    bolt_free(c->secret);
    bolt_free(c->user);
    bolt_credentials_init(c);
}

bolt_auth bolt_credentials_auth(const bolt_credentials *c)
{
    bolt_auth a = {BOLT_AUTH_NONE, NULL, NULL, NULL};
    if (!c) return a;
    a.scheme = c->scheme;
    if (c->scheme == BOLT_AUTH_BASIC) a.principal = c->user ? c->user : "";
    if (c->scheme != BOLT_AUTH_NONE) a.credentials = c->secret ? c->secret : "";
    return a;
}

/* Reads the whole file (bounded) into a NUL-terminated buffer. */
static int slurp(const char *path, const char *what, char **out, size_t *outlen, char *err,
                 size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return fail(BOLT_E_IO, err, errlen, "cannot read %s '%s': %s", what, path, strerror(errno));
    char *buf = bolt_malloc(SECRET_MAX + 1);
    if (!buf) {
        fclose(f);
        return BOLT_E_NOMEM;
    }
    size_t n = fread(buf, 1, SECRET_MAX + 1, f);
    int rerr = ferror(f);
    fclose(f);
    if (rerr || n > SECRET_MAX) {
        memset(buf, 0, n > SECRET_MAX ? SECRET_MAX + 1 : n);
        bolt_free(buf);
        return fail(BOLT_E_IO, err, errlen,
                    rerr ? "cannot read %s '%s'" : "%s '%s' is larger than 64 KiB", what, path);
    }
    buf[n] = '\0';
    if (memchr(buf, '\0', n)) {
        memset(buf, 0, n);
        bolt_free(buf);
        return fail(BOLT_E_IO, err, errlen, "%s '%s' contains a NUL byte", what, path);
    }
    *out = buf;
    *outlen = n;
    return 0;
}

static int read_first_line(const char *path, const char *what, char **out, char *err, size_t errlen)
{
    char *buf;
    size_t n;
    int r = slurp(path, what, &buf, &n, err, errlen);
    if (r < 0) return r;
    /* Secrets are one line; a trailing newline (echo, kubectl create secret --from-file) is
     * not part of them. */
    size_t line = strcspn(buf, "\r\n");
    for (size_t i = line; i < n; i++)
        buf[i] = '\0';
    if (line == 0) {
        bolt_free(buf);
        return fail(BOLT_E_IO, err, errlen, "%s '%s' is empty", what, path);
    }
    *out = buf;
    return 0;
}

int bolt_secret_file_read(const char *path, char **out, char *err, size_t errlen)
{
    if (!path || !out) return BOLT_E_INVAL;
    return read_first_line(path, "secret file", out, err, errlen);
}

static int set_str(char **dst, const char *s)
{
    *dst = bolt_strndup(s, strlen(s));
    return *dst ? 0 : BOLT_E_NOMEM;
}

/* Value of NAME or, from a file, NAME_FILE; both set is ambiguous. 1 found (owned copy in *out),
 * 0 neither, <0 error. */
static int env_or_file(const char *prefix, const char *suffix, char **out, char *origin,
                       size_t originlen, char *err, size_t errlen)
{
    char name[160], fname[168];
    snprintf(name, sizeof name, "%s_%s", prefix, suffix);
    snprintf(fname, sizeof fname, "%s_FILE", name);
    const char *v = getenv(name);
    const char *f = getenv(fname);
    if (v && !*v) v = NULL;
    if (f && !*f) f = NULL;
    if (v && f)
        return fail(BOLT_E_AUTH, err, errlen, "both %s and %s are set: keep one", name, fname);
    if (v) {
        if (origin) snprintf(origin, originlen, "env %s", name);
        return set_str(out, v) < 0 ? BOLT_E_NOMEM : 1;
    }
    if (f) {
        char what[200];
        snprintf(what, sizeof what, "file of %s", fname);
        int r = read_first_line(f, what, out, err, errlen);
        if (r < 0) return r;
        if (origin) snprintf(origin, originlen, "env %s", fname);
        return 1;
    }
    return 0;
}

/* ---- credentials file --------------------------------------------------------------------
 * One instance per line:  host:port:user:password
 *   host and port may be '*'; ':' and '\' inside host/user are escaped as '\:' and '\\';
 *   an IPv6 host may also be written in brackets: [::1]:7687:neo4j:secret
 *   the password is the rest of the line, taken literally (it may contain ':');
 *   blank lines and lines starting with '#' are ignored; the first matching line wins. */

/* Reads one ':'-terminated field with escapes into dst. Returns the position after the ':' or
 * NULL when the field is not terminated. */
static const char *field(const char *p, const char *end, char *dst, size_t dstlen)
{
    size_t o = 0;
    int bracket = (*p == '[');
    if (bracket) p++;
    while (p < end) {
        char c = *p;
        if (bracket && c == ']') {
            bracket = 0;
            p++;
            continue;
        }
        if (!bracket && c == ':') {
            dst[o] = '\0';
            return p + 1;
        }
        if (c == '\\' && p + 1 < end) c = *++p;
        if (o + 1 >= dstlen) return NULL;
        dst[o++] = c;
        p++;
    }
    return NULL;
}

static int match_credentials_file(const bolt_auth_sources *src, const char *host, unsigned port,
                                  bolt_credentials *out, char *err, size_t errlen)
{
    char *buf;
    size_t n;
    int r = slurp(src->credentials_file, "credentials file", &buf, &n, err, errlen);
    if (r < 0) return r;
    int found = 0, lineno = 0;
    char fhost[256], fport[16], fuser[256];
    for (const char *line = buf; line < buf + n && !found;) {
        const char *eol = line + strcspn(line, "\n");
        const char *end = eol;
        if (end > line && end[-1] == '\r') end--;
        lineno++;
        const char *p = line;
        line = *eol ? eol + 1 : eol;
        if (p == end || *p == '#') continue;
        const char *q = field(p, end, fhost, sizeof fhost);
        q = q ? field(q, end, fport, sizeof fport) : NULL;
        q = q ? field(q, end, fuser, sizeof fuser) : NULL;
        if (!q || !*fuser || q == end) {
            r = fail(BOLT_E_AUTH, err, errlen,
                     "credentials file '%s' line %d: expected host:port:user:password",
                     src->credentials_file, lineno);
            break;
        }
        if (strcmp(fhost, "*") && strcasecmp(fhost, host)) continue;
        if (strcmp(fport, "*")) {
            char want[16];
            snprintf(want, sizeof want, "%u", port);
            if (strcmp(fport, want)) continue;
        }
        if (src->user && strcmp(src->user, fuser)) continue;
        out->scheme = BOLT_AUTH_BASIC;
        out->user = bolt_strndup(fuser, strlen(fuser));
        out->secret = bolt_strndup(q, (size_t)(end - q));
        if (!out->user || !out->secret) {
            r = BOLT_E_NOMEM;
            break;
        }
        snprintf(out->origin, sizeof out->origin, "credentials file line %d", lineno);
        found = 1;
    }
    volatile char *v = buf;
    for (size_t i = 0; i < n; i++)
        v[i] = 0;
    bolt_free(buf);
    if (r < 0) return r;
    return found;
}

/* User name for a password found elsewhere: the option/URI, else <prefix>_USERNAME[_FILE]. */
static int need_user(const bolt_auth_sources *src, const char *prefix, const char *what,
                     bolt_credentials *out, char *err, size_t errlen)
{
    if (src->user) return set_str(&out->user, src->user);
    int r = env_or_file(prefix, "USERNAME", &out->user, NULL, 0, err, errlen);
    if (r < 0) return r;
    if (r == 0)
        return fail(BOLT_E_AUTH, err, errlen,
                    "a password is given (%s) but no user name: use --user, user@host in the URI "
                    "or %s_USERNAME",
                    what, prefix);
    return 0;
}

static int resolve(const bolt_auth_sources *src, const char *host, unsigned port,
                   bolt_credentials *out, char *err, size_t errlen)
{
    const char *prefix = src->env_prefix && *src->env_prefix ? src->env_prefix : "NEO4J";
    if (strlen(prefix) > 100) return fail(BOLT_E_AUTH, err, errlen, "environment prefix too long");
    int r;

    if (src->no_auth) {
        out->scheme = BOLT_AUTH_NONE;
        snprintf(out->origin, sizeof out->origin, "--no-auth");
        return 0;
    }
    if (src->credentials_file) {
        r = match_credentials_file(src, host, port, out, err, errlen);
        if (r != 0) return r < 0 ? r : 0;
    }
    if (src->password_file && src->token_file)
        return fail(BOLT_E_AUTH, err, errlen,
                    "give either a password file or a token file, not both");
    if (src->password_file) {
        r = read_first_line(src->password_file, "password file", &out->secret, err, errlen);
        if (r < 0) return r;
        out->scheme = BOLT_AUTH_BASIC;
        snprintf(out->origin, sizeof out->origin, "password file");
        return need_user(src, prefix, "--password-file", out, err, errlen);
    }
    if (src->token_file) {
        r = read_first_line(src->token_file, "token file", &out->secret, err, errlen);
        if (r < 0) return r;
        out->scheme = BOLT_AUTH_BEARER;
        snprintf(out->origin, sizeof out->origin, "token file");
        return 0;
    }
    char origin[192];
    char *token = NULL, *password = NULL;
    r = env_or_file(prefix, "BEARER_TOKEN", &token, origin, sizeof origin, err, errlen);
    if (r < 0) return r;
    if (r > 0) {
        char o2[192];
        int p = env_or_file(prefix, "PASSWORD", &password, o2, sizeof o2, err, errlen);
        if (p != 0) {
            wipe(token);
            bolt_free(token);
            if (password) wipe(password);
            bolt_free(password);
            if (p < 0) return p;
            return fail(BOLT_E_AUTH, err, errlen,
                        "both a bearer token and a password are set (%s, %s): keep one", origin,
                        o2);
        }
        out->scheme = BOLT_AUTH_BEARER;
        out->secret = token;
        snprintf(out->origin, sizeof out->origin, "%s", origin);
        return 0;
    }
    r = env_or_file(prefix, "PASSWORD", &password, origin, sizeof origin, err, errlen);
    if (r < 0) return r;
    if (r > 0) {
        out->scheme = BOLT_AUTH_BASIC;
        out->secret = password;
        snprintf(out->origin, sizeof out->origin, "%s", origin);
        return need_user(src, prefix, origin, out, err, errlen);
    }
    if (src->user)
        return fail(BOLT_E_AUTH, err, errlen,
                    "user '%s' is given but no password: use --password-file, --credentials-file "
                    "or %s_PASSWORD / %s_PASSWORD_FILE",
                    src->user, prefix, prefix);
    out->scheme = BOLT_AUTH_NONE;
    snprintf(out->origin, sizeof out->origin, "none (no credentials found)");
    return 0;
}

int bolt_credentials_resolve(const bolt_auth_sources *src, const char *host, unsigned port,
                             bolt_credentials *out, char *err, size_t errlen)
{
    if (err && errlen) err[0] = '\0';
    if (!src || !host || !out) return BOLT_E_INVAL;
    bolt_credentials_init(out);
    int r = resolve(src, host, port, out, err, errlen);
    if (r < 0) {
        if (r == BOLT_E_NOMEM && err && errlen) snprintf(err, errlen, "out of memory");
        bolt_credentials_clear(out);
    }
    return r;
}
