/* TLS through OpenSSL memory BIOs.
 *
 * The SSL object reads ciphertext from one BIO_s_mem that conn.c fills from the socket and
 * writes ciphertext into another that conn.c drains to the socket, so OpenSSL never sees a file
 * descriptor and no call can block. Trust modes (bolt-reference 7):
 *   +s    SSL_VERIFY_PEER against the system store (or --ca-file) and the host name / IP;
 *   +ssc  any certificate: still encrypted, the server still proves it holds the key;
 *   pin   the certificate whose DER has that SHA-256 is accepted, and no other, whatever the
 *         trust store or the name says (how a self-signed 3.5 certificate is trusted safely).
 * When verification fails, the reason is turned into one sentence a tired operator can act on
 * ("hostname mismatch (certificate is for a.example)"), not an OpenSSL error stack. */
#include "tls.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "bolt/error.h"

struct bolt_tls_ctx {
    SSL_CTX *ssl;
    bolt_security security;
    int has_pin;
    uint8_t pin[32];
};

struct bolt_tls {
    const bolt_tls_ctx *ctx;
    SSL *ssl;
    BIO *rbio; /* ciphertext from the peer (owned by ssl) */
    BIO *wbio; /* ciphertext to the peer (owned by ssl) */
    int done;
    int pinned;     /* the handshake was accepted through the pin */
    int verify_err; /* first X509_V_ERR_* seen by the verify callback, 0 if none */
    X509 *leaf;     /* the server certificate as seen during verification (owned) */
};

static int g_ex_index = -1;

static int fail(int code, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
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

/* The most specific OpenSSL reason on the error queue, then the queue is cleared so the next
 * connection does not inherit it. */
static const char *ssl_reason(char *buf, size_t n)
{
    unsigned long e, last = 0;
    while ((e = ERR_get_error()) != 0)
        last = e;
    if (!last) {
        snprintf(buf, n, "unknown TLS error");
    } else {
        const char *r = ERR_reason_error_string(last);
        snprintf(buf, n, "%s", r ? r : "unknown TLS error");
    }
    return buf;
}

/* ---- pins ---------------------------------------------------------------------------------- */

static int b64val(char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
}

int bolt_pin_parse(const char *text, uint8_t digest[32])
{
    if (!text || !digest) return BOLT_E_INVAL;
    if (strncmp(text, "sha256:", 7) != 0 && strncmp(text, "SHA256:", 7) != 0) return BOLT_E_INVAL;
    const char *p = text + 7;
    uint8_t out[32];
    /* hex: 64 digits, optionally separated by ':' (as openssl x509 -fingerprint prints) */
    size_t nd = 0;
    int hex_ok = 1;
    for (const char *q = p; *q && hex_ok; q++) {
        char c = *q;
        int v = (c >= '0' && c <= '9')   ? c - '0'
                : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                         : -1;
        if (c == ':') continue;
        if (v < 0 || nd >= 64) {
            hex_ok = 0;
            break;
        }
        if (nd % 2 == 0)
            out[nd / 2] = (uint8_t)(v << 4);
        else
            out[nd / 2] |= (uint8_t)v;
        nd++;
    }
    if (hex_ok && nd == 64) {
        memcpy(digest, out, 32);
        return 0;
    }
    /* base64 (standard or URL alphabet), 43 characters + optional '=' */
    size_t len = strlen(p);
    if (len == 44 && p[43] == '=') len = 43;
    if (len != 43) return BOLT_E_INVAL;
    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        int v = b64val(p[i]);
        if (v < 0) return BOLT_E_INVAL;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o >= 32) return BOLT_E_INVAL;
            out[o++] = (uint8_t)(acc >> bits);
        }
    }
    /* 43 chars = 258 bits: 32 bytes and 2 padding bits that must be zero. */
    if (o != 32 || (acc & ((1u << bits) - 1)) != 0) return BOLT_E_INVAL;
    memcpy(digest, out, 32);
    return 0;
}

/* ---- context ------------------------------------------------------------------------------- */

/* Encrypted keys would prompt on a terminal from inside the event loop; refuse instead. */
static int no_passphrase(char *buf, int size, int rwflag, void *ud)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)ud;
    return 0;
}

static int verify_cb(int ok, X509_STORE_CTX *store)
{
    SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
    bolt_tls *t = ssl ? SSL_get_ex_data(ssl, g_ex_index) : NULL;
    if (!t) return ok;
    if (X509_STORE_CTX_get_error_depth(store) == 0 && !t->leaf) {
        X509 *cert = X509_STORE_CTX_get_current_cert(store);
        if (cert && X509_up_ref(cert)) t->leaf = cert;
    }
    if (!ok && !t->verify_err) t->verify_err = X509_STORE_CTX_get_error(store);
    /* With a pin the chain does not matter: the pin is checked once the handshake is done. */
    if (t->ctx->has_pin) return 1;
    return ok;
}

/* OpenSSL 3 reports a missing passphrase as a decoder failure deep in its providers; the PEM
 * headers say it plainly ("BEGIN ENCRYPTED PRIVATE KEY", "Proc-Type: 4,ENCRYPTED"). */
static int pem_is_encrypted(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return strstr(buf, "ENCRYPTED") != NULL;
}

/* Why a client key did not load, in the terms of the options the user gave. */
static int key_failure(const bolt_tls_config *cfg, char *err, size_t errlen)
{
    unsigned long e = ERR_peek_last_error();
    int lib = ERR_GET_LIB(e), reason = ERR_GET_REASON(e);
    char why[256];
    if (lib == ERR_LIB_X509 && reason == X509_R_KEY_VALUES_MISMATCH) {
        ERR_clear_error();
        return fail(BOLT_E_IO, err, errlen, "client key '%s' does not match certificate '%s'",
                    cfg->key_file, cfg->cert_file);
    }
    if (pem_is_encrypted(cfg->key_file)) {
        ERR_clear_error();
        return fail(BOLT_E_IO, err, errlen,
                    "client key '%s' is encrypted: give an unencrypted key (e.g. openssl pkey "
                    "-in KEY -out PLAIN.key), readable only by you",
                    cfg->key_file);
    }
    return fail(BOLT_E_IO, err, errlen, "cannot load client key '%s': %s", cfg->key_file,
                ssl_reason(why, sizeof why));
}

int bolt_tls_ctx_new(const bolt_tls_config *cfg, bolt_tls_ctx **out, char *err, size_t errlen)
{
    char why[256];
    if (err && errlen) err[0] = '\0';
    if (!cfg || !out) return BOLT_E_INVAL;
    *out = NULL;
    if (cfg->security != BOLT_SEC_VERIFY && cfg->security != BOLT_SEC_TRUST_ANY)
        return fail(BOLT_E_INVAL, err, errlen, "TLS context for a plaintext scheme");
    if ((cfg->cert_file != NULL) != (cfg->key_file != NULL))
        return fail(BOLT_E_INVAL, err, errlen, "a client certificate needs both --cert and --key");
    if (g_ex_index < 0) g_ex_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);

    bolt_tls_ctx *c = bolt_calloc(1, sizeof *c);
    if (!c) return BOLT_E_NOMEM;
    c->security = cfg->security;
    if (cfg->pin) {
        if (bolt_pin_parse(cfg->pin, c->pin) != 0) {
            bolt_free(c);
            return fail(BOLT_E_INVAL, err, errlen,
                        "bad --pin: expected sha256: followed by 64 hex digits or 44 base64 "
                        "characters");
        }
        c->has_pin = 1;
    }
    ERR_clear_error();
    c->ssl = SSL_CTX_new(TLS_client_method());
    if (!c->ssl) {
        bolt_free(c);
        return fail(BOLT_E_NOMEM, err, errlen, "cannot create a TLS context: %s",
                    ssl_reason(why, sizeof why));
    }
    int r = 0;
    SSL_CTX_set_min_proto_version(c->ssl, TLS1_2_VERSION);
    SSL_CTX_set_options(c->ssl, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
    SSL_CTX_set_default_passwd_cb(c->ssl, no_passphrase);
    if (c->security == BOLT_SEC_VERIFY || c->has_pin) {
        SSL_CTX_set_verify(c->ssl, SSL_VERIFY_PEER, verify_cb);
        if (cfg->ca_file) {
            if (SSL_CTX_load_verify_locations(c->ssl, cfg->ca_file, NULL) != 1)
                r = fail(BOLT_E_IO, err, errlen, "cannot load CA file '%s': %s", cfg->ca_file,
                         ssl_reason(why, sizeof why));
        } else if (SSL_CTX_set_default_verify_paths(c->ssl) != 1) {
            r = fail(BOLT_E_TLS, err, errlen, "cannot load the system trust store: %s",
                     ssl_reason(why, sizeof why));
        }
    } else {
        /* +ssc: the callback still records the certificate for `ping`. */
        SSL_CTX_set_verify(c->ssl, SSL_VERIFY_NONE, NULL);
    }
    if (r == 0 && cfg->cert_file) {
        if (SSL_CTX_use_certificate_chain_file(c->ssl, cfg->cert_file) != 1)
            r = fail(BOLT_E_IO, err, errlen, "cannot load client certificate '%s': %s",
                     cfg->cert_file, ssl_reason(why, sizeof why));
        else if (SSL_CTX_use_PrivateKey_file(c->ssl, cfg->key_file, SSL_FILETYPE_PEM) != 1)
            r = key_failure(cfg, err, errlen);
        else if (SSL_CTX_check_private_key(c->ssl) != 1)
            r = fail(BOLT_E_IO, err, errlen, "client key '%s' does not match certificate '%s'",
                     cfg->key_file, cfg->cert_file);
    }
    if (r < 0) {
        ERR_clear_error();
        bolt_tls_ctx_free(c);
        return r;
    }
    *out = c;
    return 0;
}

void bolt_tls_ctx_free(bolt_tls_ctx *c)
{
    if (!c) return;
    SSL_CTX_free(c->ssl);
    bolt_free(c);
}

/* ---- one connection ------------------------------------------------------------------------ */

int bolt_tls_new(const bolt_tls_ctx *ctx, const char *host, int host_ip, bolt_tls **out)
{
    if (!ctx || !host || !out) return BOLT_E_INVAL;
    *out = NULL;
    bolt_tls *t = bolt_calloc(1, sizeof *t);
    if (!t) return BOLT_E_NOMEM;
    t->ctx = ctx;
    ERR_clear_error();
    t->ssl = SSL_new(ctx->ssl);
    t->rbio = BIO_new(BIO_s_mem());
    t->wbio = BIO_new(BIO_s_mem());
    if (!t->ssl || !t->rbio || !t->wbio) {
        if (t->ssl) SSL_free(t->ssl);
        BIO_free(t->rbio);
        BIO_free(t->wbio);
        bolt_free(t);
        ERR_clear_error();
        return BOLT_E_NOMEM;
    }
    /* An empty read BIO means "no data yet" (retry), not end of file. */
    BIO_set_mem_eof_return(t->rbio, -1);
    BIO_set_mem_eof_return(t->wbio, -1);
    SSL_set_bio(t->ssl, t->rbio, t->wbio);
    SSL_set_connect_state(t->ssl);
    SSL_set_ex_data(t->ssl, g_ex_index, t);
    int ok = 1;
    if (!host_ip) ok = SSL_set_tlsext_host_name(t->ssl, host) == 1;
    if (ok && ctx->security == BOLT_SEC_VERIFY && !ctx->has_pin) {
        X509_VERIFY_PARAM *vp = SSL_get0_param(t->ssl);
        if (host_ip) {
            /* A zone id (fe80::1%eth0) is not part of the address in the certificate. */
            char ip[64];
            snprintf(ip, sizeof ip, "%s", host);
            char *zone = strchr(ip, '%');
            if (zone) *zone = '\0';
            ok = X509_VERIFY_PARAM_set1_ip_asc(vp, ip) == 1;
        } else {
            X509_VERIFY_PARAM_set_hostflags(vp, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
            ok = X509_VERIFY_PARAM_set1_host(vp, host, 0) == 1;
        }
    }
    if (!ok) {
        bolt_tls_free(t);
        ERR_clear_error();
        return BOLT_E_NOMEM;
    }
    *out = t;
    return 0;
}

void bolt_tls_free(bolt_tls *t)
{
    if (!t) return;
    SSL_free(t->ssl); /* frees both BIOs */
    X509_free(t->leaf);
    bolt_free(t);
}

int bolt_tls_feed(bolt_tls *t, const uint8_t *data, size_t len)
{
    while (len > 0) {
        int chunk = len > (1u << 30) ? (1 << 30) : (int)len;
        int n = BIO_write(t->rbio, data, chunk);
        if (n <= 0) return BOLT_E_NOMEM;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

/* "a.example, b.example, 10.0.0.1" from the subjectAltName, else the CN. */
static void cert_names(X509 *cert, char *buf, size_t n)
{
    buf[0] = '\0';
    if (!cert) {
        snprintf(buf, n, "an unknown name");
        return;
    }
    size_t used = 0;
    GENERAL_NAMES *sans = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
    for (int i = 0; sans && i < sk_GENERAL_NAME_num(sans) && used + 2 < n; i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(sans, i);
        char item[64] = "";
        if (g->type == GEN_DNS) {
            const ASN1_IA5STRING *s = g->d.dNSName;
            snprintf(item, sizeof item, "%.*s", ASN1_STRING_length(s),
                     (const char *)ASN1_STRING_get0_data(s));
        } else if (g->type == GEN_IPADD) {
            const ASN1_OCTET_STRING *s = g->d.iPAddress;
            const unsigned char *b = ASN1_STRING_get0_data(s);
            if (ASN1_STRING_length(s) == 4)
                snprintf(item, sizeof item, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
            else if (ASN1_STRING_length(s) == 16)
                snprintf(item, sizeof item, "IPv6 %02x%02x:%02x%02x:...:%02x%02x", b[0], b[1], b[2],
                         b[3], b[14], b[15]);
        }
        if (!item[0]) continue;
        used += (size_t)snprintf(buf + used, n - used, "%s%s", used ? ", " : "", item);
    }
    GENERAL_NAMES_free(sans);
    if (used >= n) buf[n - 1] = '\0';
    if (!buf[0]) {
        char cn[128];
        if (X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn) >
            0)
            snprintf(buf, n, "%s", cn);
        else
            snprintf(buf, n, "no host name at all");
    }
}

static void asn1_date(const ASN1_TIME *t, char *buf, size_t n)
{
    struct tm tm;
    if (t && ASN1_TIME_to_tm(t, &tm) == 1)
        snprintf(buf, n, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    else
        snprintf(buf, n, "an unknown date");
}

static int verify_failure(bolt_tls *t, char *err, size_t errlen)
{
    char names[200], date[32], issuer[200] = "";
    int e = t->verify_err;
    if (t->leaf) X509_NAME_oneline(X509_get_issuer_name(t->leaf), issuer, sizeof issuer);
    const char *pre = "certificate verification failed: ";
    switch (e) {
    case X509_V_ERR_HOSTNAME_MISMATCH:
        cert_names(t->leaf, names, sizeof names);
        return fail(BOLT_E_TLS_VERIFY, err, errlen, "%shostname mismatch (certificate is for %s)",
                    pre, names);
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
        cert_names(t->leaf, names, sizeof names);
        return fail(BOLT_E_TLS_VERIFY, err, errlen, "%sIP address mismatch (certificate is for %s)",
                    pre, names);
    case X509_V_ERR_CERT_HAS_EXPIRED:
        asn1_date(t->leaf ? X509_get0_notAfter(t->leaf) : NULL, date, sizeof date);
        return fail(BOLT_E_TLS_VERIFY, err, errlen, "%scertificate expired on %s", pre, date);
    case X509_V_ERR_CERT_NOT_YET_VALID:
        asn1_date(t->leaf ? X509_get0_notBefore(t->leaf) : NULL, date, sizeof date);
        return fail(BOLT_E_TLS_VERIFY, err, errlen, "%scertificate not valid before %s", pre, date);
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
        return fail(BOLT_E_TLS_VERIFY, err, errlen,
                    "%sself-signed certificate (use bolt+ssc:// or neo4j+ssc:// to accept any "
                    "certificate, --pin to accept exactly this one, or --ca-file)",
                    pre);
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
        return fail(BOLT_E_TLS_VERIFY, err, errlen,
                    "%scertificate issued by an untrusted CA (%s): pass that CA with --ca-file",
                    pre, issuer[0] ? issuer : "unknown issuer");
    default:
        return fail(BOLT_E_TLS_VERIFY, err, errlen, "%s%s", pre, X509_verify_cert_error_string(e));
    }
}

/* A TLS failure after the verification stage: name the common causes plainly. */
static int tls_failure(bolt_tls *t, int code, char *err, size_t errlen)
{
    unsigned long e, last = 0;
    while ((e = ERR_get_error()) != 0)
        last = e;
    int reason = last ? ERR_GET_REASON(last) : 0;
    const char *text = last ? ERR_reason_error_string(last) : NULL;
    (void)t;
    switch (reason) {
    case SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED:
    case SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE:
        return fail(code, err, errlen,
                    "TLS handshake refused by the server (%s): does it require a client "
                    "certificate (--cert/--key)?",
                    text ? text : "handshake failure");
    case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE:
    case SSL_R_TLSV1_ALERT_UNKNOWN_CA:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN:
        return fail(code, err, errlen, "the server rejected our client certificate (%s)",
                    text ? text : "bad certificate");
    case SSL_R_WRONG_VERSION_NUMBER:
    case SSL_R_PACKET_LENGTH_TOO_LONG:
        return fail(code, err, errlen,
                    "the server did not answer with TLS (%s): is TLS enabled there? try bolt://",
                    text ? text : "not TLS");
    case SSL_R_UNSUPPORTED_PROTOCOL:
        return fail(code, err, errlen, "no common TLS version (boltdiff needs TLS 1.2 or newer)");
    default:
        return fail(code, err, errlen, "TLS error: %s", text ? text : "unknown");
    }
}

int bolt_tls_handshake(bolt_tls *t, char *err, size_t errlen)
{
    if (t->done) return 1;
    ERR_clear_error();
    int r = SSL_do_handshake(t->ssl);
    if (r != 1) {
        int se = SSL_get_error(t->ssl, r);
        if (se == SSL_ERROR_WANT_READ || se == SSL_ERROR_WANT_WRITE) return 0;
        long vr = SSL_get_verify_result(t->ssl);
        if (vr != X509_V_OK && !t->verify_err) t->verify_err = (int)vr;
        if (t->verify_err && !t->ctx->has_pin) {
            ERR_clear_error();
            return verify_failure(t, err, errlen);
        }
        return tls_failure(t, BOLT_E_TLS, err, errlen);
    }
    if (t->ctx->has_pin) {
        X509 *cert = SSL_get1_peer_certificate(t->ssl);
        uint8_t md[EVP_MAX_MD_SIZE];
        unsigned mdlen = 0;
        int match = cert && X509_digest(cert, EVP_sha256(), md, &mdlen) == 1 && mdlen == 32 &&
                    memcmp(md, t->ctx->pin, 32) == 0;
        X509_free(cert);
        if (!match) {
            bolt_tls_info info;
            bolt_tls_get_info(t, &info);
            return fail(BOLT_E_TLS_PIN, err, errlen,
                        "certificate does not match --pin (server certificate is sha256:%s)",
                        info.sha256[0] ? info.sha256 : "(none)");
        }
        t->pinned = 1;
    }
    t->done = 1;
    return 1;
}

int bolt_tls_done(const bolt_tls *t)
{
    return t->done;
}

int bolt_tls_read(bolt_tls *t, uint8_t *buf, size_t cap, size_t *got, char *err, size_t errlen)
{
    *got = 0;
    if (cap == 0) return 0;
    ERR_clear_error();
    size_t n = 0;
    if (SSL_read_ex(t->ssl, buf, cap, &n) == 1) {
        *got = n;
        return 0;
    }
    int se = SSL_get_error(t->ssl, 0);
    if (se == SSL_ERROR_WANT_READ || se == SSL_ERROR_WANT_WRITE) return 0;
    if (se == SSL_ERROR_ZERO_RETURN) return BOLT_E_CLOSED;
    return tls_failure(t, BOLT_E_TLS, err, errlen);
}

int bolt_tls_write(bolt_tls *t, const uint8_t *data, size_t len, char *err, size_t errlen)
{
    if (len == 0) return 0;
    ERR_clear_error();
    size_t n = 0;
    if (SSL_write_ex(t->ssl, data, len, &n) == 1 && n == len) return 0;
    return tls_failure(t, BOLT_E_TLS, err, errlen);
}

int bolt_tls_take_output(bolt_tls *t, bolt_buf *out)
{
    size_t pending = BIO_ctrl_pending(t->wbio);
    if (pending == 0) return 0;
    if (bolt_buf_reserve(out, pending) != 0) return out->err;
    int n = BIO_read(t->wbio, out->data + out->len, (int)pending);
    if (n <= 0) return 0;
    out->len += (size_t)n;
    return n;
}

void bolt_tls_shutdown(bolt_tls *t)
{
    if (!t->done) return;
    ERR_clear_error();
    SSL_shutdown(t->ssl);
    ERR_clear_error();
}

void bolt_tls_get_info(const bolt_tls *t, bolt_tls_info *info)
{
    memset(info, 0, sizeof *info);
    info->not_after = INT64_MIN;
    snprintf(info->version, sizeof info->version, "%s", SSL_get_version(t->ssl));
    const SSL_CIPHER *c = SSL_get_current_cipher(t->ssl);
    snprintf(info->cipher, sizeof info->cipher, "%s", c ? SSL_CIPHER_get_name(c) : "");
    info->verified = t->pinned ? 2 : (t->done && t->ctx->security == BOLT_SEC_VERIFY) ? 1 : 0;
    X509 *cert = SSL_get1_peer_certificate(t->ssl);
    if (!cert && t->leaf && X509_up_ref(t->leaf)) cert = t->leaf;
    if (!cert) return;
    BIO *m = BIO_new(BIO_s_mem());
    if (m) {
        X509_NAME_print_ex(m, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
        int n = BIO_read(m, info->subject, (int)sizeof info->subject - 1);
        info->subject[n > 0 ? n : 0] = '\0';
        (void)BIO_reset(m);
        X509_NAME_print_ex(m, X509_get_issuer_name(cert), 0, XN_FLAG_RFC2253);
        n = BIO_read(m, info->issuer, (int)sizeof info->issuer - 1);
        info->issuer[n > 0 ? n : 0] = '\0';
        BIO_free(m);
    }
    uint8_t md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    if (X509_digest(cert, EVP_sha256(), md, &mdlen) == 1) {
        size_t o = 0;
        for (unsigned i = 0; i < mdlen && o + 3 < sizeof info->sha256; i++)
            o += (size_t)snprintf(info->sha256 + o, sizeof info->sha256 - o, "%s%02x", i ? ":" : "",
                                  md[i]);
    }
    /* Seconds since the epoch without timegm(): the difference from 1970-01-01. */
    ASN1_TIME *epoch = ASN1_TIME_set(NULL, 0);
    int days = 0, secs = 0;
    if (epoch && ASN1_TIME_diff(&days, &secs, epoch, X509_get0_notAfter(cert)) == 1)
        info->not_after = (int64_t)days * 86400 + secs;
    ASN1_TIME_free(epoch);
    X509_free(cert);
    ERR_clear_error();
}
