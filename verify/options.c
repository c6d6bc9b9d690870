/* Options of `boltdiff verify`: getopt_long over the verify argv, a check of every value, one
 * clear line for every mistake. Syntax only: files and servers are opened by later stages. The
 * --help text is in options_help.c. */
#include "verify/options.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "bolt/alloc.h"
#include "bolt/error.h"
#include "verify/model.h"

void bv_options_init(bv_options *o)
{
    memset(o, 0, sizeof *o);
    o->checks = BV_CHECK_DEFAULT;
    o->parallel = BV_DEFAULT_PARALLEL;
    o->sample_size = BV_DEFAULT_SAMPLE_SIZE;
    o->fetch_size = BV_DEFAULT_FETCH_SIZE;
    o->retries = BV_DEFAULT_RETRIES;
    o->connect_timeout_ms = BV_DEFAULT_CONNECT_TIMEOUT_MS;
    o->partition_size = BV_DEFAULT_PARTITION_SIZE;
}

void bv_options_free(bv_options *o)
{
    for (size_t i = 0; i < o->key_count; i++) {
        bolt_free(o->keys[i].label);
        bolt_free(o->keys[i].prop);
    }
    bolt_free(o->keys);
    for (size_t i = 0; i < o->instance_count; i++)
        bolt_free(o->instances[i]);
    bolt_free(o->instances);
    for (size_t i = 0; i < o->auth_env_count; i++)
        bolt_free(o->auth_env[i]);
    bolt_free(o->auth_env);
    char **strs[] = {
        &o->database, &o->output,      &o->junit,         &o->prometheus, &o->pushgateway,
        &o->push_job, &o->user,        &o->password_file, &o->token_file, &o->credentials_file,
        &o->ca_file,  &o->client_cert, &o->client_key,    &o->pin,        &o->bolt};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        bolt_free(*strs[i]);
    bv_options_init(o);
}

/* ---- value parsers -------------------------------------------------------------------------- */

static int fail(char *err, size_t errlen, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return BOLT_E_INVAL;
}

/* Decimal digits only: strtoull alone would accept " 12", "+12" and "-1" (as 2^64 - 1). */
static int parse_u64(const char *s, uint64_t *out)
{
    if (!*s) return -1;
    for (const char *p = s; *p; p++)
        if (*p < '0' || *p > '9') return -1;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end) return -1;
    *out = v;
    return 0;
}

static int parse_ranged(const char *opt, const char *s, uint64_t lo, uint64_t hi, uint64_t *out,
                        char *err, size_t errlen)
{
    uint64_t v;
    if (parse_u64(s, &v) || v < lo || v > hi)
        return fail(err, errlen, "%s: expected an integer from %llu to %llu, got '%s'", opt,
                    (unsigned long long)lo, (unsigned long long)hi, s);
    *out = v;
    return 0;
}

int bv_duration_parse(const char *text, uint64_t *ms)
{
    size_t n = strlen(text), digits = 0;
    while (digits < n && text[digits] >= '0' && text[digits] <= '9')
        digits++;
    if (!digits || digits > 12) return BOLT_E_INVAL; /* 10^12 s is far past any timeout */
    char num[16];
    memcpy(num, text, digits);
    num[digits] = '\0';
    uint64_t v;
    if (parse_u64(num, &v)) return BOLT_E_INVAL;
    const char *unit = text + digits;
    uint64_t mul;
    if (!strcmp(unit, "ms"))
        mul = 1;
    else if (!*unit || !strcmp(unit, "s"))
        mul = 1000;
    else if (!strcmp(unit, "m"))
        mul = 60000;
    else
        return BOLT_E_INVAL;
    *ms = v * mul;
    return 0;
}

/* One name, plain or back-quoted, up to a '.' (when stop_at_dot) or the end. */
static const char *read_name(const char *p, int stop_at_dot, char **out)
{
    char *buf = bolt_malloc(strlen(p) + 1);
    if (!buf) return NULL;
    size_t n = 0;
    if (*p == '`') {
        for (p++;; p++) {
            if (!*p) { /* unterminated quote */
                bolt_free(buf);
                *out = NULL;
                return p;
            }
            if (*p == '`') {
                if (p[1] != '`') break;
                p++;
            }
            buf[n++] = *p;
        }
        p++;
    } else {
        while (*p && !(stop_at_dot && *p == '.') && *p != '`')
            buf[n++] = *p++;
    }
    buf[n] = '\0';
    *out = buf;
    return p;
}

int bv_key_spec_parse(const char *text, char **label, char **prop)
{
    *label = *prop = NULL;
    char *l = NULL, *r = NULL;
    const char *p = read_name(text, 1, &l);
    if (!p) return BOLT_E_NOMEM;
    if (!l || !*l || *p != '.') goto bad;
    p = read_name(p + 1, 0, &r);
    if (!p) {
        bolt_free(l);
        return BOLT_E_NOMEM;
    }
    if (!r || !*r || *p) goto bad;
    *label = l;
    *prop = r;
    return 0;
bad:
    bolt_free(l);
    bolt_free(r);
    return BOLT_E_INVAL;
}

static int parse_checks(const char *s, unsigned *out, char *err, size_t errlen)
{
    unsigned checks = 0;
    const char *p = s;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        unsigned bit = bv_check_from_name(p, len);
        if (!bit && len == 7 && !memcmp(p, "default", 7)) bit = BV_CHECK_DEFAULT;
        if (!bit && len == 3 && !memcmp(p, "all", 3)) bit = BV_CHECK_ALL;
        if (!bit)
            return fail(err, errlen,
                        "--checks: unknown check '%.*s' (known: inventory, tokens, counts, "
                        "schema, coverage, sample, full, default, all)",
                        (int)(len > 64 ? 64 : len), p);
        checks |= bit;
        if (!comma) break;
        p = comma + 1;
    }
    *out = checks;
    return 0;
}

/* ---- instances and URLs --------------------------------------------------------------------- */

static const char *const schemes[] = {"bolt",  "bolt+s",  "bolt+ssc",
                                      "neo4j", "neo4j+s", "neo4j+ssc"};

static int check_instance(size_t index, const char *arg, char *err, size_t errlen)
{
    const char *role = index == 0 ? "baseline" : "target";
    if (!*arg) return fail(err, errlen, "instance %zu (%s): empty argument", index, role);
    const char *sep = strstr(arg, "://");
    if (!sep) return 0; /* a snapshot path: the snapshot reader says whether it is one */
    size_t slen = (size_t)(sep - arg);
    int known = 0;
    for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++)
        if (strlen(schemes[i]) == slen && !strncmp(schemes[i], arg, slen)) known = 1;
    if (!known)
        return fail(
            err, errlen,
            "instance %zu (%s): unsupported URI scheme '%.*s' (use bolt, bolt+s, bolt+ssc, neo4j, "
            "neo4j+s or neo4j+ssc)",
            index, role, (int)(slen > 32 ? 32 : slen), arg);
    const char *auth = sep + 3;
    size_t alen = strcspn(auth, "/?#");
    const char *at = NULL;
    for (size_t i = 0; i < alen; i++)
        if (auth[i] == '@') at = auth + i;
    if (at && memchr(auth, ':', (size_t)(at - auth)))
        return fail(
            err, errlen,
            "instance %zu (%s): a password in the URI is refused (the command line is visible to "
            "every user); use --password-file, NEO4J_PASSWORD or NEO4J_PASSWORD_FILE",
            index, role);
    const char *host = at ? at + 1 : auth;
    if (host == auth + alen || *host == ':')
        return fail(err, errlen, "instance %zu (%s): the URI has no host", index, role);
    return 0;
}

void bv_source_display(const char *instance, char *buf, size_t len)
{
    if (!len) return;
    const char *sep = strstr(instance, "://");
    const char *at = NULL;
    if (sep) {
        size_t alen = strcspn(sep + 3, "/?#");
        for (size_t i = 0; i < alen; i++)
            if (sep[3 + i] == '@') at = sep + 3 + i;
    }
    if (!at) {
        snprintf(buf, len, "%s", instance);
        return;
    }
    /* scheme:// + everything after the user@ part */
    snprintf(buf, len, "%.*s%s", (int)(sep + 3 - instance), instance, at + 1);
}

static int check_pushgateway(const char *url, char *err, size_t errlen)
{
    if (strncmp(url, "http://", 7)) {
        if (!strncmp(url, "https://", 8))
            return fail(err, errlen,
                        "--pushgateway: only http:// URLs are supported (reach an https "
                        "gateway through a local proxy)");
        return fail(err, errlen, "--pushgateway: expected an http:// URL");
    }
    const char *host = url + 7;
    size_t alen = strcspn(host, "/?#");
    if (memchr(host, '@', alen))
        return fail(err, errlen,
                    "--pushgateway: credentials in the URL are refused (the command line is "
                    "visible to every user)");
    if (!alen || *host == ':') return fail(err, errlen, "--pushgateway: the URL has no host");
    const char *colon = NULL;
    if (*host == '[') {
        const char *close = memchr(host, ']', alen);
        if (!close) return fail(err, errlen, "--pushgateway: unterminated IPv6 address");
        if ((size_t)(close + 1 - host) < alen) {
            if (close[1] != ':') return fail(err, errlen, "--pushgateway: malformed host");
            colon = close + 1;
        }
    } else {
        colon = memchr(host, ':', alen);
    }
    if (colon) {
        char port[8];
        size_t plen = alen - (size_t)(colon + 1 - host);
        uint64_t v;
        if (plen == 0 || plen >= sizeof port) return fail(err, errlen, "--pushgateway: bad port");
        memcpy(port, colon + 1, plen);
        port[plen] = '\0';
        if (parse_u64(port, &v) || v == 0 || v > 65535)
            return fail(err, errlen, "--pushgateway: bad port '%s'", port);
    }
    if (host[alen] == '?' || host[alen] == '#')
        return fail(err, errlen, "--pushgateway: a query or fragment is not allowed");
    return 0;
}

static int check_job(const char *job, char *err, size_t errlen)
{
    /* It becomes a URL path segment: keep it to what needs no escaping. */
    if (!*job) return fail(err, errlen, "--push-job: empty job name");
    for (const char *p = job; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-' && *p != '.')
            return fail(err, errlen,
                        "--push-job: only letters, digits, '_', '-' and '.' are allowed");
    return 0;
}

/* ---- the parser ----------------------------------------------------------------------------- */

enum {
    OPT_SEED = 256,
    OPT_MATCH_BY_ID,
    OPT_STRICT,
    OPT_FETCH_SIZE,
    OPT_RETRIES,
    OPT_CONNECT_TIMEOUT,
    OPT_QUERY_TIMEOUT,
    OPT_PARTITION_SIZE,
    OPT_USER,
    OPT_PASSWORD_FILE,
    OPT_TOKEN_FILE,
    OPT_CREDENTIALS_FILE,
    OPT_NO_AUTH,
    OPT_CA_FILE,
    OPT_CLIENT_CERT,
    OPT_CLIENT_KEY,
    OPT_PIN,
    OPT_AUTH_ENV,
    OPT_BOLT,
    OPT_MANIFEST,
    OPT_JUNIT,
    OPT_PROMETHEUS,
    OPT_PUSHGATEWAY,
    OPT_PUSH_JOB,
    OPT_COLOR,
};

static const struct option long_options[] = {
    {"checks", required_argument, NULL, 'c'},
    {"sample-size", required_argument, NULL, 'n'},
    {"seed", required_argument, NULL, OPT_SEED},
    {"key", required_argument, NULL, 'k'},
    {"match-by-id", no_argument, NULL, OPT_MATCH_BY_ID},
    {"strict", no_argument, NULL, OPT_STRICT},
    {"parallel", required_argument, NULL, 'j'},
    {"fetch-size", required_argument, NULL, OPT_FETCH_SIZE},
    {"retries", required_argument, NULL, OPT_RETRIES},
    {"connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT},
    {"query-timeout", required_argument, NULL, OPT_QUERY_TIMEOUT},
    {"partition-size", required_argument, NULL, OPT_PARTITION_SIZE},
    {"database", required_argument, NULL, 'd'},
    {"user", required_argument, NULL, OPT_USER},
    {"password-file", required_argument, NULL, OPT_PASSWORD_FILE},
    {"token-file", required_argument, NULL, OPT_TOKEN_FILE},
    {"credentials-file", required_argument, NULL, OPT_CREDENTIALS_FILE},
    {"no-auth", no_argument, NULL, OPT_NO_AUTH},
    {"ca-file", required_argument, NULL, OPT_CA_FILE},
    {"client-cert", required_argument, NULL, OPT_CLIENT_CERT},
    {"cert", required_argument, NULL, OPT_CLIENT_CERT},
    {"auth-env", required_argument, NULL, OPT_AUTH_ENV},
    {"bolt", required_argument, NULL, OPT_BOLT},
    {"manifest", no_argument, NULL, OPT_MANIFEST},
    {"client-key", required_argument, NULL, OPT_CLIENT_KEY},
    {"pin", required_argument, NULL, OPT_PIN},
    {"format", required_argument, NULL, 'f'},
    {"output", required_argument, NULL, 'o'},
    {"junit", required_argument, NULL, OPT_JUNIT},
    {"prometheus", required_argument, NULL, OPT_PROMETHEUS},
    {"pushgateway", required_argument, NULL, OPT_PUSHGATEWAY},
    {"push-job", required_argument, NULL, OPT_PUSH_JOB},
    {"quiet", no_argument, NULL, 'q'},
    {"color", required_argument, NULL, OPT_COLOR},
    {"colour", required_argument, NULL, OPT_COLOR},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* Sets *slot to a copy of value; a repeated option replaces the earlier one. */
static int set_str(char **slot, const char *value)
{
    char *s = bolt_strndup(value, strlen(value));
    if (!s) return BOLT_E_NOMEM;
    bolt_free(*slot);
    *slot = s;
    return 0;
}

static int set_path(char **slot, const char *opt, const char *value, char *err, size_t errlen)
{
    if (!*value) return fail(err, errlen, "%s: empty file name", opt);
    return set_str(slot, value);
}

static int add_key(bv_options *o, const char *text, char *err, size_t errlen)
{
    char *label, *prop;
    int rc = bv_key_spec_parse(text, &label, &prop);
    if (rc == BOLT_E_INVAL)
        return fail(err, errlen,
                    "--key: expected LABEL.PROP (back-quote names that contain dots), got '%s'",
                    text);
    if (rc < 0) return rc;
    for (size_t i = 0; i < o->key_count; i++)
        if (!strcmp(o->keys[i].label, label)) {
            rc = fail(err, errlen, "--key: label %s is given twice", label);
            bolt_free(label);
            bolt_free(prop);
            return rc;
        }
    bv_key_spec *keys = bolt_realloc(o->keys, (o->key_count + 1) * sizeof *keys);
    if (!keys) {
        bolt_free(label);
        bolt_free(prop);
        return BOLT_E_NOMEM;
    }
    o->keys = keys;
    o->keys[o->key_count].label = label;
    o->keys[o->key_count].prop = prop;
    o->key_count++;
    return 0;
}

static int add_auth_env(bv_options *o, const char *prefix, char *err, size_t errlen)
{
    /* It becomes the start of environment variable names. */
    if (!*prefix) return fail(err, errlen, "--auth-env: empty prefix");
    for (const char *p = prefix; *p; p++)
        if (!(isupper((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_'))
            return fail(err, errlen,
                        "--auth-env: a prefix is made of A-Z, 0-9 and '_', got '%.64s'", prefix);
    char **v = bolt_realloc(o->auth_env, (o->auth_env_count + 1) * sizeof *v);
    if (!v) return BOLT_E_NOMEM;
    o->auth_env = v;
    if (!(v[o->auth_env_count] = bolt_strndup(prefix, strlen(prefix)))) return BOLT_E_NOMEM;
    o->auth_env_count++;
    return 0;
}

/* The option as the user wrote it, without any "=value": a value may be a secret. */
static void option_name(const char *arg, char *buf, size_t len)
{
    size_t n = strcspn(arg, "=");
    snprintf(buf, len, "%.*s", (int)(n > 48 ? 48 : n), arg);
}

/* The option getopt_long just refused, as written on the command line. */
static void offending_option(int argc, char **argv, char *buf, size_t len)
{
    int at = optind - 1;
    if (at >= 1 && at < argc && !strncmp(argv[at], "--", 2))
        option_name(argv[at], buf, len);
    else if (optopt > 0 && optopt < 128 && isgraph(optopt))
        snprintf(buf, len, "-%c", optopt);
    else if (at >= 1 && at < argc)
        option_name(argv[at], buf, len);
    else
        snprintf(buf, len, "?");
}

/* One line about an option that does not exist; a secret-looking one gets the reason why. */
static int unknown_name(const char *name, char *err, size_t errlen)
{
    if (strstr(name, "password") || strstr(name, "passwd") || strstr(name, "secret") ||
        strstr(name, "token"))
        return fail(err, errlen,
                    "%s is not accepted: secrets never go on the command line (visible to every "
                    "user); use --password-file, NEO4J_PASSWORD or NEO4J_PASSWORD_FILE",
                    name);
    return fail(err, errlen, "unknown option %s", name);
}

static int unknown_option(int argc, char **argv, char *err, size_t errlen)
{
    char name[64];
    offending_option(argc, argv, name, sizeof name);
    return unknown_name(name, err, errlen);
}

static int handle(bv_options *o, int opt, const char *arg, char *err, size_t errlen)
{
    uint64_t v = 0;
    int rc;
    switch (opt) {
    case 'c':
        return parse_checks(arg, &o->checks, err, errlen);
    case 'n':
        if ((rc = parse_ranged("--sample-size", arg, 1, BV_MAX_SAMPLE_SIZE, &v, err, errlen)))
            return rc;
        o->sample_size = (uint32_t)v;
        return 0;
    case OPT_SEED:
        if (parse_u64(arg, &v))
            return fail(err, errlen, "--seed: expected an unsigned 64-bit integer, got '%s'", arg);
        o->seed = v;
        o->seed_set = 1;
        return 0;
    case 'k':
        return add_key(o, arg, err, errlen);
    case OPT_MATCH_BY_ID:
        o->match_by_id = 1;
        return 0;
    case OPT_STRICT:
        o->strict = 1;
        return 0;
    case 'j':
        if ((rc = parse_ranged("--parallel", arg, 1, BV_MAX_PARALLEL, &v, err, errlen))) return rc;
        o->parallel = (unsigned)v;
        return 0;
    case OPT_FETCH_SIZE:
        if ((rc = parse_ranged("--fetch-size", arg, 1, BV_MAX_FETCH_SIZE, &v, err, errlen)))
            return rc;
        o->fetch_size = (uint32_t)v;
        return 0;
    case OPT_RETRIES:
        if ((rc = parse_ranged("--retries", arg, 0, BV_MAX_RETRIES, &v, err, errlen))) return rc;
        o->retries = (unsigned)v;
        return 0;
    case OPT_CONNECT_TIMEOUT:
    case OPT_QUERY_TIMEOUT: {
        const char *name = opt == OPT_CONNECT_TIMEOUT ? "--connect-timeout" : "--query-timeout";
        if (bv_duration_parse(arg, &v) || (opt == OPT_CONNECT_TIMEOUT && v == 0))
            return fail(err, errlen, "%s: expected a duration like 500ms, 10s or 2m%s, got '%s'",
                        name, opt == OPT_CONNECT_TIMEOUT ? " (not 0)" : "", arg);
        *(opt == OPT_CONNECT_TIMEOUT ? &o->connect_timeout_ms : &o->query_timeout_ms) = v;
        return 0;
    }
    case OPT_PARTITION_SIZE:
        return parse_ranged("--partition-size", arg, 1, BV_MAX_PARTITION_SIZE, &o->partition_size,
                            err, errlen);
    case 'd':
        if (!*arg) return fail(err, errlen, "--database: empty database name");
        return set_str(&o->database, arg);
    case OPT_USER:
        if (!*arg) return fail(err, errlen, "--user: empty user name");
        return set_str(&o->user, arg);
    case OPT_PASSWORD_FILE:
        return set_path(&o->password_file, "--password-file", arg, err, errlen);
    case OPT_TOKEN_FILE:
        return set_path(&o->token_file, "--token-file", arg, err, errlen);
    case OPT_CREDENTIALS_FILE:
        return set_path(&o->credentials_file, "--credentials-file", arg, err, errlen);
    case OPT_NO_AUTH:
        o->no_auth = 1;
        return 0;
    case OPT_CA_FILE:
        return set_path(&o->ca_file, "--ca-file", arg, err, errlen);
    case OPT_CLIENT_CERT:
        return set_path(&o->client_cert, "--client-cert", arg, err, errlen);
    case OPT_CLIENT_KEY:
        return set_path(&o->client_key, "--client-key", arg, err, errlen);
    case OPT_PIN:
        if (strncmp(arg, "sha256:", 7) || !arg[7])
            return fail(err, errlen, "--pin: expected sha256:<hex or base64 digest>");
        return set_str(&o->pin, arg);
    case OPT_AUTH_ENV:
        return add_auth_env(o, arg, err, errlen);
    case OPT_BOLT:
        if (!*arg) return fail(err, errlen, "--bolt: empty version list");
        return set_str(&o->bolt, arg);
    case OPT_MANIFEST:
        o->manifest = 1;
        return 0;
    case 'f':
        if (!strcmp(arg, "text"))
            o->format = BV_FORMAT_TEXT;
        else if (!strcmp(arg, "json"))
            o->format = BV_FORMAT_JSON;
        else
            return fail(err, errlen, "--format: expected text or json, got '%s'", arg);
        return 0;
    case 'o':
        return set_path(&o->output, "--output", arg, err, errlen);
    case OPT_JUNIT:
        return set_path(&o->junit, "--junit", arg, err, errlen);
    case OPT_PROMETHEUS:
        return set_path(&o->prometheus, "--prometheus", arg, err, errlen);
    case OPT_PUSHGATEWAY:
        if ((rc = check_pushgateway(arg, err, errlen))) return rc;
        return set_str(&o->pushgateway, arg);
    case OPT_PUSH_JOB:
        if ((rc = check_job(arg, err, errlen))) return rc;
        return set_str(&o->push_job, arg);
    case 'q':
        o->quiet = 1;
        return 0;
    case OPT_COLOR:
        if (!strcmp(arg, "auto"))
            o->color = BV_COLOR_AUTO;
        else if (!strcmp(arg, "always"))
            o->color = BV_COLOR_ALWAYS;
        else if (!strcmp(arg, "never"))
            o->color = BV_COLOR_NEVER;
        else
            return fail(err, errlen, "--color: expected auto, always or never, got '%s'", arg);
        return 0;
    }
    return fail(err, errlen, "internal error: unhandled option %d", opt);
}

/* Checks that only make sense once every option is known. */
static int check_combination(const bv_options *o, char *err, size_t errlen)
{
    if (o->match_by_id && o->key_count)
        return fail(err, errlen, "--match-by-id and --key cannot be used together");
    if (o->auth_env_count > 1 && o->auth_env_count != o->instance_count)
        return fail(err, errlen,
                    "--auth-env: give one prefix for all instances or one per instance (%zu "
                    "given for %zu instances)",
                    o->auth_env_count, o->instance_count);
    if (o->no_auth &&
        (o->user || o->password_file || o->token_file || o->credentials_file || o->auth_env_count))
        return fail(err, errlen, "--no-auth cannot be combined with credential options");
    if (o->password_file && o->token_file)
        return fail(err, errlen, "--password-file and --token-file cannot be used together");
    if ((o->client_cert != NULL) != (o->client_key != NULL))
        return fail(err, errlen, "--client-cert and --client-key must be given together");
    if (o->push_job && !o->pushgateway) return fail(err, errlen, "--push-job needs --pushgateway");
    const char *files[] = {o->output, o->junit, o->prometheus};
    const char *names[] = {"--output", "--junit", "--prometheus"};
    for (int i = 0; i < 3; i++)
        for (int j = i + 1; j < 3; j++)
            if (files[i] && files[j] && !strcmp(files[i], files[j]))
                return fail(err, errlen, "%s and %s name the same file", names[i], names[j]);
    return 0;
}

static const struct option *find_long(const char *name, size_t len)
{
    for (const struct option *lo = long_options; lo->name; lo++)
        if (strlen(lo->name) == len && !strncmp(lo->name, name, len)) return lo;
    return NULL;
}

static int short_takes_value(char ch)
{
    return ch != ':' && strchr("cnkjdfo", ch) != NULL;
}

/* getopt_long accepts any unambiguous prefix of a long option: "--password=x" would be taken
 * for --password-file with the password as a file name, which a later error message could
 * print. Long options must therefore be spelled in full; this runs before getopt_long. */
static int check_spelled_out(int argc, char **argv, char *err, size_t errlen)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--")) return 0;
        if (a[0] != '-' || !a[1]) continue;
        if (a[1] != '-') { /* a cluster of short options: its value may be the next word */
            for (const char *p = a + 1; *p; p++)
                if (short_takes_value(*p)) {
                    if (!p[1]) i++;
                    break;
                }
            continue;
        }
        size_t len = strcspn(a + 2, "=");
        const struct option *lo = find_long(a + 2, len);
        if (!lo) {
            char name[64];
            option_name(a, name, sizeof name);
            return unknown_name(name, err, errlen);
        }
        if (lo->has_arg == required_argument && !a[2 + len]) i++;
    }
    return 0;
}

/* single: `boltdiff snapshot` (exactly one instance) instead of `boltdiff verify` (two or more). */
static int parse(bv_options *o, int argc, char **argv, int single, char *err, size_t errlen)
{
    bv_options_init(o);
    if (err && errlen) err[0] = '\0';
    /* getopt keeps global state: 0 makes glibc start over, so a second parse (tests, or a
     * future config reload) behaves like the first. Its own messages are off: ours say more
     * and never echo a value after '='. */
    optind = 0;
    opterr = 0;
    int rc = check_spelled_out(argc, argv, err, errlen), help = 0;
    while (rc == 0) {
        int idx = -1;
        int opt = getopt_long(argc, argv, ":c:n:k:j:d:f:o:qh", long_options, &idx);
        if (opt == -1) break;
        if (opt == 'h') {
            help = 1;
            continue;
        }
        if (opt == '?') {
            rc = unknown_option(argc, argv, err, errlen);
            break;
        }
        if (opt == ':') {
            char name[64];
            offending_option(argc, argv, name, sizeof name);
            rc = fail(err, errlen, "%s needs a value", name);
            break;
        }
        if ((rc = handle(o, opt, optarg, err, errlen)) != 0) break;
    }
    if (rc == 0 && help) return BV_OPTIONS_HELP;
    if (rc == 0) {
        int n = argc - optind;
        if (single && n != 1)
            rc = fail(err, errlen,
                      n == 0 ? "expected the URI of the instance" : "expected one instance, got %d",
                      n);
        else if (!single && n < 2)
            rc = fail(err, errlen,
                      n == 0 ? "expected a baseline and at least one target instance"
                             : "expected at least one target instance after the baseline");
    }
    if (rc == 0) {
        size_t n = (size_t)(argc - optind);
        o->instances = bolt_calloc(n, sizeof *o->instances);
        if (!o->instances) rc = BOLT_E_NOMEM;
        for (size_t i = 0; rc == 0 && i < n; i++) {
            const char *arg = argv[optind + (int)i];
            if ((rc = check_instance(i, arg, err, errlen)) != 0) break;
            if (!(o->instances[i] = bolt_strndup(arg, strlen(arg))))
                rc = BOLT_E_NOMEM;
            else
                o->instance_count++;
        }
    }
    if (rc == 0) rc = check_combination(o, err, errlen);
    if (rc == BOLT_E_NOMEM && err && errlen) snprintf(err, errlen, "out of memory");
    if (rc < 0) bv_options_free(o);
    return rc;
}

int bv_options_parse(bv_options *o, int argc, char **argv, char *err, size_t errlen)
{
    return parse(o, argc, argv, 0, err, errlen);
}

int bv_options_parse_one(bv_options *o, int argc, char **argv, char *err, size_t errlen)
{
    return parse(o, argc, argv, 1, err, errlen);
}
