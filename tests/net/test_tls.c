/* Tests of the TLS engine (bolt/net/tls.c) against an in-memory OpenSSL server: both ends use
 * memory BIOs and the test moves the bytes, so no socket, no thread, no timing. Certificates
 * (a CA, leaves for the right and wrong names, expired, self-signed, an untrusted CA, a client
 * certificate) are made in memory when the suite starts; only the PEM files the library must
 * read (CA bundle, client cert/key) go to a temporary directory that is removed afterwards. */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "../../bolt/net/tls.h"
#include "bolt/error.h"
#include "bolt/net.h"
#include "bolt/packstream.h"

/* ---- certificates --------------------------------------------------------------------------- */

typedef struct pki {
    EVP_PKEY *key;
    X509 *cert;
} pki;

static pki ca, other_ca, good, wrong, expired, selfsigned, untrusted, iponly, client;
static char tmpdir[64];
static char ca_path[128], other_ca_path[128], client_crt_path[128], client_key_path[128];

static void add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (ext) {
        X509_add_ext(cert, ext, -1);
        X509_EXTENSION_free(ext);
    }
}

/* issuer NULL = self-signed. Validity [now + from_days, now + to_days]. */
static pki make_cert(const char *cn, const char *san, const pki *issuer, long from_days,
                     long to_days, int is_ca, int serial)
{
    pki p;
    p.key = EVP_EC_gen("P-256");
    p.cert = X509_new();
    X509_set_version(p.cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(p.cert), serial);
    X509_gmtime_adj(X509_getm_notBefore(p.cert), from_days * 86400L);
    X509_gmtime_adj(X509_getm_notAfter(p.cert), to_days * 86400L);
    X509_set_pubkey(p.cert, p.key);
    X509_NAME *name = X509_get_subject_name(p.cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509 *icert = issuer ? issuer->cert : p.cert;
    X509_set_issuer_name(p.cert, X509_get_subject_name(icert));
    add_ext(p.cert, icert, NID_basic_constraints, is_ca ? "critical,CA:TRUE" : "CA:FALSE");
    if (is_ca) add_ext(p.cert, icert, NID_key_usage, "critical,keyCertSign,cRLSign");
    if (san) add_ext(p.cert, icert, NID_subject_alt_name, san);
    X509_sign(p.cert, issuer ? issuer->key : p.key, EVP_sha256());
    return p;
}

static void write_pem(const char *path, X509 *cert, EVP_PKEY *key)
{
    FILE *f = fopen(path, "w");
    if (!f) return;
    if (cert) PEM_write_X509(f, cert);
    if (key) PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
    fclose(f);
}

static void free_pki(pki *p)
{
    X509_free(p->cert);
    EVP_PKEY_free(p->key);
}

static int suite_init(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/boltdiff-tls-XXXXXX");
    if (!mkdtemp(tmpdir)) return 1;
    ca = make_cert("boltdiff test CA", NULL, NULL, -1, 30, 1, 1);
    other_ca = make_cert("untrusted test CA", NULL, NULL, -1, 30, 1, 2);
    good = make_cert("localhost", "DNS:localhost,IP:127.0.0.1", &ca, -1, 30, 0, 3);
    wrong = make_cert("wrong.example", "DNS:wrong.example", &ca, -1, 30, 0, 4);
    expired = make_cert("localhost", "DNS:localhost", &ca, -10, -1, 0, 5);
    selfsigned = make_cert("localhost", "DNS:localhost", NULL, -1, 30, 0, 6);
    untrusted = make_cert("localhost", "DNS:localhost", &other_ca, -1, 30, 0, 7);
    iponly = make_cert("10.9.9.9", "IP:10.9.9.9", &ca, -1, 30, 0, 8);
    client = make_cert("boltdiff client", NULL, &ca, -1, 30, 0, 9);
    snprintf(ca_path, sizeof ca_path, "%s/ca.crt", tmpdir);
    snprintf(other_ca_path, sizeof other_ca_path, "%s/other.crt", tmpdir);
    snprintf(client_crt_path, sizeof client_crt_path, "%s/client.crt", tmpdir);
    snprintf(client_key_path, sizeof client_key_path, "%s/client.key", tmpdir);
    write_pem(ca_path, ca.cert, NULL);
    write_pem(other_ca_path, other_ca.cert, NULL);
    write_pem(client_crt_path, client.cert, NULL);
    write_pem(client_key_path, NULL, client.key);
    return ca.cert && good.cert && client.cert ? 0 : 1;
}

static int suite_clean(void)
{
    pki *all[] = {&ca,         &other_ca,  &good,   &wrong, &expired,
                  &selfsigned, &untrusted, &iponly, &client};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        free_pki(all[i]);
    unlink(ca_path);
    unlink(other_ca_path);
    unlink(client_crt_path);
    unlink(client_key_path);
    rmdir(tmpdir);
    return 0;
}

/* ---- an in-memory server -------------------------------------------------------------------- */

typedef struct server {
    SSL_CTX *ctx;
    SSL *ssl;
    BIO *in, *out;
    char sni[256]; /* server name the client sent, "" if none */
    int sni_seen;
} server;

static int sni_cb(SSL *ssl, int *al, void *arg)
{
    server *s = arg;
    (void)al;
    const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    s->sni_seen = 1;
    snprintf(s->sni, sizeof s->sni, "%s", name ? name : "");
    return SSL_TLSEXT_ERR_OK;
}

/* require_client: 0 none, 1 = demand a certificate signed by the test CA. max_version 0 = any */
static void server_init(server *s, const pki *leaf, int require_client, int max_version)
{
    memset(s, 0, sizeof *s);
    s->ctx = SSL_CTX_new(TLS_server_method());
    SSL_CTX_use_certificate(s->ctx, leaf->cert);
    SSL_CTX_use_PrivateKey(s->ctx, leaf->key);
    if (max_version) SSL_CTX_set_max_proto_version(s->ctx, max_version);
    SSL_CTX_set_tlsext_servername_callback(s->ctx, sni_cb);
    SSL_CTX_set_tlsext_servername_arg(s->ctx, s);
    if (require_client) {
        X509_STORE_add_cert(SSL_CTX_get_cert_store(s->ctx), ca.cert);
        SSL_CTX_set_verify(s->ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    }
    s->ssl = SSL_new(s->ctx);
    s->in = BIO_new(BIO_s_mem());
    s->out = BIO_new(BIO_s_mem());
    BIO_set_mem_eof_return(s->in, -1);
    SSL_set_bio(s->ssl, s->in, s->out);
    SSL_set_accept_state(s->ssl);
}

static void server_free(server *s)
{
    SSL_free(s->ssl);
    SSL_CTX_free(s->ctx);
    ERR_clear_error();
}

/* Moves bytes both ways once; returns how many moved. */
static size_t shuttle(bolt_tls *t, server *s)
{
    size_t moved = 0;
    bolt_buf b;
    bolt_buf_init(&b);
    bolt_tls_take_output(t, &b);
    if (b.len) BIO_write(s->in, b.data, (int)b.len);
    moved += b.len;
    bolt_buf_free(&b);
    if (!SSL_is_init_finished(s->ssl)) SSL_do_handshake(s->ssl);
    char tmp[16384];
    int n;
    while ((n = BIO_read(s->out, tmp, sizeof tmp)) > 0) {
        bolt_tls_feed(t, (const uint8_t *)tmp, (size_t)n);
        moved += (size_t)n;
    }
    return moved;
}

/* Runs the handshake to its end; returns bolt_tls_handshake's final result. */
static int handshake(bolt_tls *t, server *s, char *err, size_t errlen)
{
    int r = 0;
    for (int i = 0; i < 50; i++) {
        r = bolt_tls_handshake(t, err, errlen);
        size_t moved = shuttle(t, s);
        if (r != 0 && moved == 0) break;
        if (r < 0) break;
    }
    if (r == 1) shuttle(t, s); /* let the server finish (TLS 1.3 tickets, Finished) */
    return r;
}

static bolt_tls_ctx *ctx_new(bolt_security sec, const char *ca_file, const char *pin,
                             const char *cert, const char *key)
{
    bolt_tls_config cfg = {sec, ca_file, cert, key, pin};
    bolt_tls_ctx *ctx = NULL;
    char err[256];
    int r = bolt_tls_ctx_new(&cfg, &ctx, err, sizeof err);
    if (r != 0) fprintf(stderr, "\nbolt_tls_ctx_new: %s\n", err);
    return ctx;
}

/* One whole attempt: returns the handshake result, fills err and info. */
static int attempt(bolt_security sec, const char *pin, const pki *leaf, const char *host,
                   int host_ip, char *err, size_t errlen, bolt_tls_info *info, server *srv_out)
{
    server srv;
    server_init(&srv, leaf, 0, 0);
    bolt_tls_ctx *ctx = ctx_new(sec, ca_path, pin, NULL, NULL);
    bolt_tls *t = NULL;
    err[0] = '\0';
    int r = ctx ? bolt_tls_new(ctx, host, host_ip, &t) : BOLT_E_INVAL;
    if (r == 0) r = handshake(t, &srv, err, errlen);
    if (info && t) bolt_tls_get_info(t, info);
    if (srv_out) {
        memcpy(srv_out->sni, srv.sni, sizeof srv.sni);
        srv_out->sni_seen = srv.sni_seen;
    }
    bolt_tls_free(t);
    bolt_tls_ctx_free(ctx);
    server_free(&srv);
    return r;
}

static void sha256_hex(X509 *cert, char *out, size_t n)
{
    unsigned char md[32];
    unsigned len = 0;
    X509_digest(cert, EVP_sha256(), md, &len);
    size_t o = 0;
    for (unsigned i = 0; i < len; i++)
        o += (size_t)snprintf(out + o, n - o, "%s%02x", i ? ":" : "", md[i]);
}

/* ---- tests ---------------------------------------------------------------------------------- */

static void test_verified_handshake_and_info(void)
{
    char err[300];
    bolt_tls_info info;
    server srv;
    int r = attempt(BOLT_SEC_VERIFY, NULL, &good, "localhost", 0, err, sizeof err, &info, &srv);
    CU_ASSERT_EQUAL_FATAL(r, 1);
    CU_ASSERT_STRING_EQUAL(info.version, "TLSv1.3");
    CU_ASSERT(info.cipher[0] != '\0');
    CU_ASSERT_EQUAL(info.verified, 1);
    CU_ASSERT_STRING_EQUAL(info.subject, "CN=localhost");
    CU_ASSERT_STRING_EQUAL(info.issuer, "CN=boltdiff test CA");
    char want[100];
    sha256_hex(good.cert, want, sizeof want);
    CU_ASSERT_STRING_EQUAL(info.sha256, want);
    /* not_after is 30 days from now (to the second, give or take the test's own run time) */
    int64_t expect = (int64_t)time(NULL) + 30 * 86400;
    CU_ASSERT(info.not_after > expect - 600 && info.not_after <= expect + 1);
    /* SNI is always sent for host names */
    CU_ASSERT(srv.sni_seen);
    CU_ASSERT_STRING_EQUAL(srv.sni, "localhost");
}

static void test_ip_literal_no_sni(void)
{
    char err[300];
    server srv;
    CU_ASSERT_EQUAL(
        attempt(BOLT_SEC_VERIFY, NULL, &good, "127.0.0.1", 4, err, sizeof err, NULL, &srv), 1);
    /* RFC 6066 section 3: no IP literals in server_name */
    CU_ASSERT_STRING_EQUAL(srv.sni, "");
    /* the address is checked against the certificate's IP entries */
    int r = attempt(BOLT_SEC_VERIFY, NULL, &iponly, "127.0.0.1", 4, err, sizeof err, NULL, NULL);
    CU_ASSERT_EQUAL(r, BOLT_E_TLS_VERIFY);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "IP address mismatch (certificate is for 10.9.9.9)"));
    /* and a name never matches an IP entry */
    r = attempt(BOLT_SEC_VERIFY, NULL, &iponly, "localhost", 0, err, sizeof err, NULL, NULL);
    CU_ASSERT_EQUAL(r, BOLT_E_TLS_VERIFY);
}

static void test_refusals(void)
{
    char err[300];
    int r = attempt(BOLT_SEC_VERIFY, NULL, &wrong, "localhost", 0, err, sizeof err, NULL, NULL);
    CU_ASSERT_EQUAL(r, BOLT_E_TLS_VERIFY);
    CU_ASSERT_STRING_EQUAL(err, "certificate verification failed: hostname mismatch (certificate "
                                "is for wrong.example)");

    r = attempt(BOLT_SEC_VERIFY, NULL, &expired, "localhost", 0, err, sizeof err, NULL, NULL);
    CU_ASSERT_EQUAL(r, BOLT_E_TLS_VERIFY);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "certificate expired on "));

    r = attempt(BOLT_SEC_VERIFY, NULL, &untrusted, "localhost", 0, err, sizeof err, NULL, NULL);
    CU_ASSERT_EQUAL(r, BOLT_E_TLS_VERIFY);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "untrusted CA (/CN=untrusted test CA)"));

    r = attempt(BOLT_SEC_VERIFY, NULL, &selfsigned, "localhost", 0, err, sizeof err, NULL, NULL);
    CU_ASSERT_EQUAL(r, BOLT_E_TLS_VERIFY);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "self-signed certificate"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "bolt+ssc://"));
}

static void test_trust_any(void)
{
    char err[300];
    bolt_tls_info info;
    /* +ssc accepts what +s refuses: self-signed, wrong name, expired, unknown CA */
    const pki *leaves[] = {&selfsigned, &wrong, &expired, &untrusted};
    for (size_t i = 0; i < 4; i++) {
        CU_ASSERT_EQUAL(attempt(BOLT_SEC_TRUST_ANY, NULL, leaves[i], "localhost", 0, err,
                                sizeof err, &info, NULL),
                        1);
        CU_ASSERT_EQUAL(info.verified, 0);
    }
    CU_ASSERT_STRING_EQUAL(info.subject, "CN=localhost");
    CU_ASSERT_STRING_EQUAL(info.issuer, "CN=untrusted test CA");
}

static void test_pins(void)
{
    char hex[100], pin[120], err[300];
    sha256_hex(selfsigned.cert, hex, sizeof hex);
    snprintf(pin, sizeof pin, "sha256:%s", hex);
    bolt_tls_info info;
    /* A pin accepts exactly that certificate, even self-signed under +s ... */
    CU_ASSERT_EQUAL(
        attempt(BOLT_SEC_VERIFY, pin, &selfsigned, "localhost", 0, err, sizeof err, &info, NULL),
        1);
    CU_ASSERT_EQUAL(info.verified, 2);
    /* ... and nothing else, even a certificate the trust store would accept */
    int r = attempt(BOLT_SEC_VERIFY, pin, &good, "localhost", 0, err, sizeof err, NULL, NULL);
    CU_ASSERT_EQUAL(r, BOLT_E_TLS_PIN);
    char good_hex[100];
    sha256_hex(good.cert, good_hex, sizeof good_hex);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, good_hex)); /* says what the server has */
    r = attempt(BOLT_SEC_TRUST_ANY, pin, &wrong, "localhost", 0, err, sizeof err, NULL, NULL);
    CU_ASSERT_EQUAL(r, BOLT_E_TLS_PIN);

    /* base64 form of the same digest */
    unsigned char md[32];
    unsigned len = 0;
    X509_digest(selfsigned.cert, EVP_sha256(), md, &len);
    unsigned char b64[64];
    EVP_EncodeBlock(b64, md, 32);
    snprintf(pin, sizeof pin, "sha256:%s", (const char *)b64);
    CU_ASSERT_EQUAL(
        attempt(BOLT_SEC_TRUST_ANY, pin, &selfsigned, "localhost", 0, err, sizeof err, NULL, NULL),
        1);
}

static void test_pin_parse(void)
{
    uint8_t d[32];
    const char *hex64 = "sha256:00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF";
    CU_ASSERT_EQUAL(bolt_pin_parse(hex64, d), 0);
    CU_ASSERT_EQUAL(d[0], 0x00);
    CU_ASSERT_EQUAL(d[1], 0x11);
    CU_ASSERT_EQUAL(d[31], 0xFF);
    CU_ASSERT_EQUAL(bolt_pin_parse("sha256:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:11:"
                                   "22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff",
                                   d),
                    0);
    CU_ASSERT_EQUAL(d[10], 0xAA);
    /* 32 zero bytes in base64, with and without padding */
    CU_ASSERT_EQUAL(bolt_pin_parse("sha256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", d), 0);
    CU_ASSERT_EQUAL(bolt_pin_parse("sha256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", d), 0);
    CU_ASSERT_EQUAL(d[5], 0);
    CU_ASSERT_EQUAL(bolt_pin_parse("00112233", d), BOLT_E_INVAL);
    CU_ASSERT_EQUAL(bolt_pin_parse("sha1:00112233445566778899aabbccddeeff00112233", d),
                    BOLT_E_INVAL);
    CU_ASSERT_EQUAL(bolt_pin_parse("sha256:0011", d), BOLT_E_INVAL);
    CU_ASSERT_EQUAL(bolt_pin_parse("sha256:zz112233445566778899aabbccddeeff00112233445566778899"
                                   "aabbccddeeff",
                                   d),
                    BOLT_E_INVAL);
    /* base64 whose padding bits are not zero is not a canonical encoding of 32 bytes */
    CU_ASSERT_EQUAL(bolt_pin_parse("sha256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=", d),
                    BOLT_E_INVAL);
}

static void test_mutual_tls(void)
{
    char err[300];
    /* Without a client certificate the server refuses; with TLS 1.3 the client learns it
     * on its first read after the handshake. */
    server srv;
    server_init(&srv, &good, 1, 0);
    bolt_tls_ctx *ctx = ctx_new(BOLT_SEC_VERIFY, ca_path, NULL, NULL, NULL);
    bolt_tls *t = NULL;
    CU_ASSERT_EQUAL_FATAL(bolt_tls_new(ctx, "localhost", 0, &t), 0);
    int r = handshake(t, &srv, err, sizeof err);
    if (r == 1) {
        uint8_t buf[64];
        size_t got = 0;
        shuttle(t, &srv);
        r = bolt_tls_read(t, buf, sizeof buf, &got, err, sizeof err);
    }
    CU_ASSERT_EQUAL(r, BOLT_E_TLS);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "client certificate"));
    bolt_tls_free(t);
    bolt_tls_ctx_free(ctx);
    server_free(&srv);

    /* With one, the server sees who we are. */
    server_init(&srv, &good, 1, 0);
    ctx = ctx_new(BOLT_SEC_VERIFY, ca_path, NULL, client_crt_path, client_key_path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ctx);
    CU_ASSERT_EQUAL_FATAL(bolt_tls_new(ctx, "localhost", 0, &t), 0);
    CU_ASSERT_EQUAL(handshake(t, &srv, err, sizeof err), 1);
    X509 *peer = SSL_get1_peer_certificate(srv.ssl);
    CU_ASSERT_PTR_NOT_NULL(peer);
    if (peer) {
        char cn[64] = "";
        X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, cn, sizeof cn);
        CU_ASSERT_STRING_EQUAL(cn, "boltdiff client");
        X509_free(peer);
    }
    CU_ASSERT_EQUAL(SSL_get_verify_result(srv.ssl), X509_V_OK);
    bolt_tls_free(t);
    bolt_tls_ctx_free(ctx);
    server_free(&srv);
}

static void test_application_data_and_close(void)
{
    char err[300];
    server srv;
    server_init(&srv, &good, 0, TLS1_2_VERSION); /* also: TLS 1.2 is accepted */
    bolt_tls_ctx *ctx = ctx_new(BOLT_SEC_VERIFY, ca_path, NULL, NULL, NULL);
    bolt_tls *t = NULL;
    CU_ASSERT_EQUAL_FATAL(bolt_tls_new(ctx, "localhost", 0, &t), 0);
    CU_ASSERT_EQUAL_FATAL(handshake(t, &srv, err, sizeof err), 1);
    bolt_tls_info info;
    bolt_tls_get_info(t, &info);
    CU_ASSERT_STRING_EQUAL(info.version, "TLSv1.2");

    /* 1 MiB client -> server in one write: more than one TLS record, nothing lost */
    size_t big = 1u << 20;
    uint8_t *out = malloc(big), *in = malloc(big);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    CU_ASSERT_PTR_NOT_NULL_FATAL(in);
    for (size_t i = 0; i < big; i++)
        out[i] = (uint8_t)(i * 7 + (i >> 8));
    CU_ASSERT_EQUAL(bolt_tls_write(t, out, big, err, sizeof err), 0);
    shuttle(t, &srv);
    size_t got = 0;
    int n;
    while (got < big && (n = SSL_read(srv.ssl, in + got, (int)(big - got))) > 0)
        got += (size_t)n;
    CU_ASSERT_EQUAL(got, big);
    CU_ASSERT_EQUAL(memcmp(in, out, big), 0);

    /* server -> client, read in small pieces */
    CU_ASSERT_EQUAL(SSL_write(srv.ssl, "hello bolt", 10), 10);
    shuttle(t, &srv);
    uint8_t small[4];
    char back[16] = "";
    size_t total = 0, g = 0;
    do {
        CU_ASSERT_EQUAL(bolt_tls_read(t, small, sizeof small, &g, err, sizeof err), 0);
        memcpy(back + total, small, g);
        total += g;
    } while (g > 0 && total < 10);
    CU_ASSERT_EQUAL(total, 10);
    CU_ASSERT_EQUAL(memcmp(back, "hello bolt", 10), 0);
    /* nothing more buffered: "need more input", not an error */
    CU_ASSERT_EQUAL(bolt_tls_read(t, small, sizeof small, &g, err, sizeof err), 0);
    CU_ASSERT_EQUAL(g, 0);

    /* the server's close_notify is a clean end of stream */
    SSL_shutdown(srv.ssl);
    shuttle(t, &srv);
    CU_ASSERT_EQUAL(bolt_tls_read(t, small, sizeof small, &g, err, sizeof err), BOLT_E_CLOSED);
    /* and ours reaches the server */
    bolt_tls_shutdown(t);
    shuttle(t, &srv);
    CU_ASSERT_EQUAL(SSL_read(srv.ssl, in, 10), 0);
    CU_ASSERT_EQUAL(SSL_get_error(srv.ssl, 0), SSL_ERROR_ZERO_RETURN);
    free(out);
    free(in);
    bolt_tls_free(t);
    bolt_tls_ctx_free(ctx);
    server_free(&srv);
}

static void test_peer_is_not_tls(void)
{
    bolt_tls_ctx *ctx = ctx_new(BOLT_SEC_TRUST_ANY, NULL, NULL, NULL, NULL);
    bolt_tls *t = NULL;
    char err[300];
    CU_ASSERT_EQUAL_FATAL(bolt_tls_new(ctx, "localhost", 0, &t), 0);
    CU_ASSERT_EQUAL(bolt_tls_handshake(t, err, sizeof err), 0); /* ClientHello written */
    bolt_buf b;
    bolt_buf_init(&b);
    CU_ASSERT(bolt_tls_take_output(t, &b) > 0);
    CU_ASSERT_EQUAL(b.data[0], 0x16); /* a TLS handshake record */
    bolt_buf_free(&b);
    /* a plaintext Bolt server answers a handshake it does not understand with 00 00 00 00 */
    const char *reply = "HTTP/1.1 400 Bad Request\r\n\r\n";
    bolt_tls_feed(t, (const uint8_t *)reply, strlen(reply));
    CU_ASSERT_EQUAL(bolt_tls_handshake(t, err, sizeof err), BOLT_E_TLS);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "did not answer with TLS"));
    bolt_tls_free(t);
    bolt_tls_ctx_free(ctx);
}

static void test_context_errors(void)
{
    bolt_tls_ctx *ctx = NULL;
    char err[300];
    bolt_tls_config cfg = {BOLT_SEC_VERIFY, "/nonexistent/ca.pem", NULL, NULL, NULL};
    CU_ASSERT_EQUAL(bolt_tls_ctx_new(&cfg, &ctx, err, sizeof err), BOLT_E_IO);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "cannot load CA file '/nonexistent/ca.pem'"));
    CU_ASSERT_PTR_NULL(ctx);

    bolt_tls_config c2 = {BOLT_SEC_VERIFY, NULL, client_crt_path, NULL, NULL};
    CU_ASSERT_EQUAL(bolt_tls_ctx_new(&c2, &ctx, err, sizeof err), BOLT_E_INVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "--cert and --key"));

    /* key of another certificate */
    char other_key[160];
    snprintf(other_key, sizeof other_key, "%s/other.key", tmpdir);
    write_pem(other_key, NULL, good.key);
    bolt_tls_config c3 = {BOLT_SEC_VERIFY, ca_path, client_crt_path, other_key, NULL};
    CU_ASSERT_EQUAL(bolt_tls_ctx_new(&c3, &ctx, err, sizeof err), BOLT_E_IO);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "does not match"));
    unlink(other_key);

    /* an encrypted key would need a prompt inside the event loop: refused with a way out */
    char enc_key[160];
    snprintf(enc_key, sizeof enc_key, "%s/enc.key", tmpdir);
    FILE *f = fopen(enc_key, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    PEM_write_PrivateKey(f, client.key, EVP_aes_128_cbc(), (unsigned char *)"secret", 6, NULL,
                         NULL);
    fclose(f);
    bolt_tls_config c7 = {BOLT_SEC_VERIFY, ca_path, client_crt_path, enc_key, NULL};
    CU_ASSERT_EQUAL(bolt_tls_ctx_new(&c7, &ctx, err, sizeof err), BOLT_E_IO);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "is encrypted"));
    unlink(enc_key);

    bolt_tls_config c4 = {BOLT_SEC_VERIFY, NULL, NULL, NULL, "sha256:1234"};
    CU_ASSERT_EQUAL(bolt_tls_ctx_new(&c4, &ctx, err, sizeof err), BOLT_E_INVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "bad --pin"));

    bolt_tls_config c5 = {BOLT_SEC_PLAIN, NULL, NULL, NULL, NULL};
    CU_ASSERT_EQUAL(bolt_tls_ctx_new(&c5, &ctx, err, sizeof err), BOLT_E_INVAL);

    /* the system trust store loads (an empty one still loads) */
    bolt_tls_config c6 = {BOLT_SEC_VERIFY, NULL, NULL, NULL, NULL};
    CU_ASSERT_EQUAL(bolt_tls_ctx_new(&c6, &ctx, err, sizeof err), 0);
    bolt_tls_ctx_free(ctx);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 2;
    CU_pSuite s = CU_add_suite("tls", suite_init, suite_clean);
    CU_add_test(s, "verified handshake, SNI, certificate details",
                test_verified_handshake_and_info);
    CU_add_test(s, "IP literal: checked against IP entries, no SNI", test_ip_literal_no_sni);
    CU_add_test(s, "+s refusals: wrong host, expired, untrusted CA, self-signed", test_refusals);
    CU_add_test(s, "+ssc accepts any certificate", test_trust_any);
    CU_add_test(s, "pins accept exactly one certificate", test_pins);
    CU_add_test(s, "pin syntax", test_pin_parse);
    CU_add_test(s, "mutual TLS", test_mutual_tls);
    CU_add_test(s, "application data both ways and close_notify", test_application_data_and_close);
    CU_add_test(s, "peer that does not speak TLS", test_peer_is_not_tls);
    CU_add_test(s, "context errors name the file", test_context_errors);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned fails = CU_get_number_of_failures();
    CU_cleanup_registry();
    return fails ? 1 : 0;
}
