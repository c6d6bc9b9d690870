/* Connection options shared by the CLI commands that talk to servers. */
#include "cmd_conn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bolt/error.h"
#include "bolt/handshake.h"
#include "verify/cli.h"

void bv_conn_opts_init(bv_conn_opts *o)
{
    memset(o, 0, sizeof *o);
    o->timeout_s = 10.0;
}

void bv_conn_opts_free(bv_conn_opts *o)
{
    bolt_tls_ctx_free(o->tls_verify);
    bolt_tls_ctx_free(o->tls_any);
    o->tls_verify = o->tls_any = NULL;
}

static int usage_err(const char *cmd, const char *fmt, const char *arg)
{
    fprintf(stderr, "boltdiff %s: ", cmd);
    fprintf(stderr, fmt, arg);
    fprintf(stderr, " (see 'boltdiff %s --help')\n", cmd);
    return -1;
}

/* "4", "4.4", "5.0-5.8" -> one proposal word. */
static int parse_version_word(const char *s, size_t n, uint32_t *word)
{
    unsigned a = 0, b = 0, c = 0, d = 0;
    char buf[32], tail;
    if (n == 0 || n >= sizeof buf) return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (sscanf(buf, "%u.%u-%u.%u%c", &a, &b, &c, &d, &tail) == 4) {
        if (a != c || d < b || a > 255 || d > 255) return -1;
        *word = BOLT_PROPOSAL(a, d, d - b);
        return 0;
    }
    if (sscanf(buf, "%u.%u%c", &a, &b, &tail) == 2) {
        if (a == 0 || a > 255 || b > 255) return -1;
        *word = BOLT_PROPOSAL(a, b, 0);
        return 0;
    }
    if (sscanf(buf, "%u%c", &a, &tail) == 1 && a >= 1 && a <= 255) {
        *word = BOLT_PROPOSAL(a, 0, 0);
        return 0;
    }
    return -1;
}

static int parse_bolt_spec(bv_conn_opts *o, const char *cmd)
{
    uint32_t words[4] = {0, 0, 0, 0};
    size_t n = 0;
    if (o->manifest) words[n++] = BOLT_MANIFEST_V1;
    if (!o->bolt_spec) {
        if (!o->manifest) return 0;
        words[1] = BOLT_PROPOSAL(6, 0, 0);
        words[2] = BOLT_PROPOSAL(5, 8, 8);
        words[3] = BOLT_PROPOSAL(4, 4, 2);
        memcpy(o->proposals, words, sizeof words);
        o->has_proposals = 1;
        return 0;
    }
    const char *p = o->bolt_spec;
    while (*p) {
        size_t len = strcspn(p, ",");
        if (n == 4)
            return usage_err(cmd, "--bolt: at most 4 versions (3 with --manifest): '%s'",
                             o->bolt_spec);
        if (parse_version_word(p, len, &words[n]) != 0)
            return usage_err(cmd, "--bolt: bad version list '%s' (e.g. 4.4 or 5.0-5.8,4.4,3)",
                             o->bolt_spec);
        n++;
        p += len;
        if (*p == ',') p++;
    }
    memcpy(o->proposals, words, sizeof words);
    o->has_proposals = 1;
    return 0;
}

int bv_conn_opt(bv_conn_opts *o, int argc, char **argv, int *i, const char *cmd)
{
    static const struct {
        const char *name;
        int takes_value;
    } known[] = {
        {"--ca-file", 1},  {"--cert", 1},          {"--key", 1},        {"--pin", 1},
        {"--user", 1},     {"--password-file", 1}, {"--token-file", 1}, {"--credentials-file", 1},
        {"--auth-env", 1}, {"--no-auth", 0},       {"--bolt", 1},       {"--manifest", 0},
        {"--timeout", 1},  {"--password", 1}};
    const char *arg = argv[*i];
    const char *eq = strchr(arg, '=');
    size_t nlen = eq ? (size_t)(eq - arg) : strlen(arg);
    int k = -1;
    for (size_t j = 0; j < sizeof known / sizeof known[0]; j++)
        if (strlen(known[j].name) == nlen && !strncmp(arg, known[j].name, nlen)) k = (int)j;
    if (k < 0) return 0;
    const char *name = known[k].name;
    const char *val = NULL;
    if (known[k].takes_value) {
        if (eq) {
            val = eq + 1;
        } else if (*i + 1 < argc) {
            val = argv[++*i];
        } else {
            return usage_err(cmd, "%s needs a value", name);
        }
    } else if (eq) {
        return usage_err(cmd, "%s takes no value", name);
    }
    (*i)++;
    if (!strcmp(name, "--password"))
        return usage_err(cmd,
                         "%s is not accepted: a password on the command line is visible to every "
                         "user of this machine; use --password-file, --credentials-file or "
                         "NEO4J_PASSWORD",
                         name);
    if (!strcmp(name, "--ca-file"))
        o->ca_file = val;
    else if (!strcmp(name, "--cert"))
        o->cert_file = val;
    else if (!strcmp(name, "--key"))
        o->key_file = val;
    else if (!strcmp(name, "--pin")) {
        uint8_t d[32];
        if (bolt_pin_parse(val, d) != 0)
            return usage_err(cmd, "bad --pin '%s': expected sha256: and 64 hex digits or base64",
                             val);
        o->pin = val;
    } else if (!strcmp(name, "--user"))
        o->user = val;
    else if (!strcmp(name, "--password-file"))
        o->password_file = val;
    else if (!strcmp(name, "--token-file"))
        o->token_file = val;
    else if (!strcmp(name, "--credentials-file"))
        o->credentials_file = val;
    else if (!strcmp(name, "--auth-env")) {
        if (o->auth_env_count == BV_MAX_TARGETS) return usage_err(cmd, "too many %s", name);
        if (!*val) return usage_err(cmd, "%s needs a prefix such as NEO4J", name);
        o->auth_env[o->auth_env_count++] = val;
    } else if (!strcmp(name, "--no-auth"))
        o->no_auth = 1;
    else if (!strcmp(name, "--bolt"))
        o->bolt_spec = val;
    else if (!strcmp(name, "--manifest"))
        o->manifest = 1;
    else if (!strcmp(name, "--timeout")) {
        char *end;
        errno = 0;
        double t = strtod(val, &end);
        if (errno || end == val || *end || !(t > 0) || t > 86400)
            return usage_err(cmd, "bad --timeout '%s' (seconds, e.g. 5 or 0.5)", val);
        o->timeout_s = t;
    }
    return 1;
}

int bv_conn_opts_finish(bv_conn_opts *o, size_t uri_count, const char *cmd)
{
    if (o->auth_env_count > 1 && o->auth_env_count != uri_count) {
        char n[32];
        snprintf(n, sizeof n, "%zu", o->auth_env_count);
        return usage_err(cmd, "--auth-env given %s times: give it once, or once per URI", n);
    }
    if ((o->cert_file != NULL) != (o->key_file != NULL))
        return usage_err(cmd, "%s", "--cert and --key go together");
    if (o->no_auth && (o->password_file || o->token_file || o->credentials_file))
        return usage_err(cmd, "%s", "--no-auth contradicts the other credential options");
    return parse_bolt_spec(o, cmd);
}

int bv_conn_opts_check_tls(const bv_conn_opts *o, int any_tls, const char *cmd)
{
    /* Mixed lists are fine (the options apply to the TLS ones); all-plaintext is a mistake. */
    if (any_tls || (!o->pin && !o->ca_file && !o->cert_file)) return 0;
    return usage_err(cmd, "%s",
                     "--pin, --ca-file and --cert need a TLS scheme (bolt+s://, bolt+ssc://, "
                     "neo4j+s://, neo4j+ssc://)");
}

int bv_exit_for(int err)
{
    return bolt_err_is_connection(err) ? BV_EXIT_CONNECT : BV_EXIT_SERVER;
}

int bv_target_prepare(bv_conn_opts *o, const char *text, size_t index, bv_target *t, char *err,
                      size_t errlen)
{
    char why[600];
    memset(t, 0, sizeof *t);
    t->text = text;
    bolt_credentials_init(&t->cred);
    if (bolt_uri_parse(text, &t->uri, why, sizeof why) < 0) {
        snprintf(err, errlen, "%s", why);
        return BV_EXIT_USAGE;
    }
    bolt_auth_sources src;
    memset(&src, 0, sizeof src);
    src.user = o->user ? o->user : t->uri.user;
    src.password_file = o->password_file;
    src.token_file = o->token_file;
    src.credentials_file = o->credentials_file;
    src.no_auth = o->no_auth;
    src.env_prefix = o->auth_env_count == 1  ? o->auth_env[0]
                     : o->auth_env_count > 1 ? o->auth_env[index]
                                             : NULL;
    if (bolt_credentials_resolve(&src, t->uri.host, t->uri.port, &t->cred, why, sizeof why) < 0) {
        snprintf(err, errlen, "%s", why);
        return BV_EXIT_USAGE;
    }
    bolt_tls_ctx **slot = NULL;
    if (t->uri.security == BOLT_SEC_VERIFY) slot = &o->tls_verify;
    if (t->uri.security == BOLT_SEC_TRUST_ANY) slot = &o->tls_any;
    if (slot && !*slot) {
        bolt_tls_config tc = {t->uri.security, o->ca_file, o->cert_file, o->key_file, o->pin};
        if (bolt_tls_ctx_new(&tc, slot, why, sizeof why) < 0) {
            snprintf(err, errlen, "%s", why);
            return BV_EXIT_USAGE;
        }
    }
    memset(&t->cfg, 0, sizeof t->cfg);
    t->cfg.uri = &t->uri;
    t->cfg.tls = slot ? *slot : NULL;
    t->cfg.auth = bolt_credentials_auth(&t->cred);
    t->cfg.proposals = o->has_proposals ? o->proposals : NULL;
    t->cfg.fetch_size = o->fetch_size;
    t->cfg.connect_timeout_ms = (uint64_t)(o->timeout_s * 1000.0 + 0.5);
    t->cfg.recv_timeout_ms = t->cfg.connect_timeout_ms;
    return 0;
}

void bv_target_free(bv_target *t)
{
    bolt_uri_free(&t->uri);
    bolt_credentials_clear(&t->cred);
}

void bv_json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        switch (*p) {
        case '"':
            fputs("\\\"", f);
            break;
        case '\\':
            fputs("\\\\", f);
            break;
        case '\n':
            fputs("\\n", f);
            break;
        case '\r':
            fputs("\\r", f);
            break;
        case '\t':
            fputs("\\t", f);
            break;
        default:
            if (*p < 0x20)
                fprintf(f, "\\u%04x", *p);
            else
                fputc(*p, f);
        }
    }
    fputc('"', f);
}
