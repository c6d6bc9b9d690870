/* Tests of bolt/message_enc.c and bolt/message_dec.c: the worked bytes of bolt-reference 4.1,
 * which keys each Bolt version gets, argument checks, allocation failures, and the server
 * message decoder's strictness. (Every request and response of the 3.5.22 captures is checked
 * in test_captures.c.) */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bolt/chunk.h"
#include "bolt/error.h"
#include "bolt/message.h"
#include "failalloc.h"
#include "hex.h"

/* ---- helpers ------------------------------------------------------------------------------ */

/* The bytes of b from off as spaced hex. */
static const char *hexof(const bolt_buf *b, size_t off)
{
    static char s[8192];
    hex_encode(b->data + off, b->len - off, s, sizeof s);
    return s;
}

static int bytes_are(const bolt_buf *b, size_t off, const char *hex)
{
    uint8_t want[1024];
    long n = hex_decode(hex, want, sizeof want);
    if (n < 0) return 0;
    int ok = b->len - off == (size_t)n && memcmp(b->data + off, want, (size_t)n) == 0;
    if (!ok) printf("\n      got  %s\n      want %s\n", hexof(b, off), hex);
    return ok;
}

/* Renders the one framed request in b from off as "SIG field | field ...": dechunks it,
 * decodes each field and formats it with bolt_value_format(). "ERR ..." if it is not exactly
 * one well-formed message. */
static const char *render(const bolt_buf *b, size_t off)
{
    static char s[8192];
    bolt_dechunker d;
    bolt_dechunker_init(&d, 0);
    bolt_dechunker_feed(&d, b->data + off, b->len - off);
    const uint8_t *m;
    size_t len;
    if (bolt_dechunker_next(&d, &m, &len) != 1 || bolt_dechunker_pending(&d) != 0) {
        bolt_dechunker_free(&d);
        return "ERR framing";
    }
    uint8_t fields, sig;
    size_t used;
    if (bolt_decode_struct_header(m, len, &fields, &sig, &used) != 0) {
        bolt_dechunker_free(&d);
        return "ERR header";
    }
    bolt_arena a;
    bolt_arena_init(&a, 0, 0);
    bolt_decoder dec = {NULL, &a, 0, BOLT_DECODE_RAW_STRUCTS};
    size_t o = (size_t)snprintf(s, sizeof s, "%02X", sig);
    for (unsigned i = 0; i < fields; i++) {
        bolt_value v;
        size_t n;
        if (bolt_decode(&dec, m + used, len - used, &v, &n) != 0) {
            snprintf(s, sizeof s, "ERR field %u", i);
            break;
        }
        used += n;
        o += (size_t)snprintf(s + o, sizeof s - o, "%s", i ? " | " : " ");
        if (o < sizeof s) o += bolt_value_format(&v, s + o, sizeof s - o);
        if (o >= sizeof s) o = sizeof s - 1;
    }
    if (used != len) snprintf(s, sizeof s, "ERR trailing bytes");
    bolt_arena_free(&a);
    bolt_dechunker_free(&d);
    return s;
}

#define CHECK_RENDER(buf, off, want)                                                               \
    do {                                                                                           \
        const char *got_ = render((buf), (off));                                                   \
        if (strcmp(got_, (want)) != 0) printf("\n      got  %s\n      want %s\n", got_, (want));   \
        CU_ASSERT_STRING_EQUAL(got_, (want));                                                      \
    } while (0)

static const bolt_auth basic = {BOLT_AUTH_BASIC, "neo4j", "pass", NULL};

/* ---- golden bytes (bolt-reference 4.1) ---------------------------------------------------- */

static void test_reference_vectors(void)
{
    bolt_buf b;
    bolt_buf_init(&b);
    CU_ASSERT_EQUAL(bolt_enc_pull(&b, 4, 4, -1, -1), 0);
    CU_ASSERT(bytes_are(&b, 0, "00 06 B1 3F A1 81 6E FF 00 00"));

    bolt_buf_reset(&b);
    CU_ASSERT_EQUAL(bolt_enc_pull(&b, 3, 0, -1, -1), 0);
    CU_ASSERT(bytes_are(&b, 0, "00 02 B0 3F 00 00"));

    bolt_buf_reset(&b);
    CU_ASSERT_EQUAL(bolt_enc_reset(&b, 4, 4), 0);
    CU_ASSERT(bytes_are(&b, 0, "00 02 B0 0F 00 00"));

    bolt_buf_reset(&b);
    bolt_tx_opts t = BOLT_TX_OPTS_INIT;
    t.db = "neo4j";
    t.mode = "r";
    CU_ASSERT_EQUAL(bolt_enc_run(&b, 4, 4, "RETURN 1", 8, NULL, &t), 0);
    CU_ASSERT(bytes_are(&b, 0,
                        "00 1D B3 10 88 52 45 54 55 52 4E 20 31 A0 A2 82 64 62 85 6E 65 6F 34 6A "
                        "84 6D 6F 64 65 81 72 00 00"));

    bolt_buf_reset(&b);
    bolt_value kv[2] = {bolt_string("address"), bolt_string("h:7687")};
    bolt_value routing = bolt_map(kv, 1);
    CU_ASSERT_EQUAL(bolt_enc_route(&b, 4, 4, &routing, NULL, 0, NULL, NULL), 0);
    CU_ASSERT(bytes_are(&b, 0,
                        "00 18 B3 66 A1 87 61 64 64 72 65 73 73 86 68 3A 37 36 38 37 90 A1 82 64 "
                        "62 C0 00 00"));
    bolt_buf_free(&b);
}

/* ---- HELLO across versions ---------------------------------------------------------------- */

static void test_hello_versions(void)
{
    bolt_buf b;
    bolt_buf_init(&b);
    bolt_value kv[2] = {bolt_string("address"), bolt_string("db1:7687")};
    bolt_value routing = bolt_map(kv, 1);
    bolt_hello_opts o = {"ua/1", "boltdiff/0.1", "Linux", &basic, &routing, 1, 1};
    static const struct {
        unsigned major, minor;
        const char *want;
    } cases[] = {
        {1, 0, "01 \"ua/1\" | {scheme: \"basic\", principal: \"neo4j\", credentials: \"pass\"}"},
        {2, 0, "01 \"ua/1\" | {scheme: \"basic\", principal: \"neo4j\", credentials: \"pass\"}"},
        {3, 0,
         "01 {user_agent: \"ua/1\", scheme: \"basic\", principal: \"neo4j\", credentials: "
         "\"pass\"}"},
        {4, 0,
         "01 {user_agent: \"ua/1\", scheme: \"basic\", principal: \"neo4j\", credentials: "
         "\"pass\"}"},
        {4, 1,
         "01 {user_agent: \"ua/1\", scheme: \"basic\", principal: \"neo4j\", credentials: "
         "\"pass\", routing: {address: \"db1:7687\"}}"},
        {4, 2,
         "01 {user_agent: \"ua/1\", scheme: \"basic\", principal: \"neo4j\", credentials: "
         "\"pass\", routing: {address: \"db1:7687\"}}"},
        {4, 3,
         "01 {user_agent: \"ua/1\", scheme: \"basic\", principal: \"neo4j\", credentials: "
         "\"pass\", routing: {address: \"db1:7687\"}, patch_bolt: [\"utc\"]}"},
        {4, 4,
         "01 {user_agent: \"ua/1\", scheme: \"basic\", principal: \"neo4j\", credentials: "
         "\"pass\", routing: {address: \"db1:7687\"}, patch_bolt: [\"utc\"]}"},
        {5, 0,
         "01 {user_agent: \"ua/1\", scheme: \"basic\", principal: \"neo4j\", credentials: "
         "\"pass\", routing: {address: \"db1:7687\"}}"},
        {5, 1, "01 {user_agent: \"ua/1\", routing: {address: \"db1:7687\"}}"},
        {5, 2,
         "01 {user_agent: \"ua/1\", routing: {address: \"db1:7687\"}, "
         "notifications_minimum_severity: \"OFF\"}"},
        {5, 3,
         "01 {user_agent: \"ua/1\", routing: {address: \"db1:7687\"}, bolt_agent: {product: "
         "\"boltdiff/0.1\", platform: \"Linux\", language: \"C/11\"}, "
         "notifications_minimum_severity: \"OFF\"}"},
        {5, 8,
         "01 {user_agent: \"ua/1\", routing: {address: \"db1:7687\"}, bolt_agent: {product: "
         "\"boltdiff/0.1\", platform: \"Linux\", language: \"C/11\"}, "
         "notifications_minimum_severity: \"OFF\"}"},
        {6, 0,
         "01 {user_agent: \"ua/1\", routing: {address: \"db1:7687\"}, bolt_agent: {product: "
         "\"boltdiff/0.1\", platform: \"Linux\", language: \"C/11\"}, "
         "notifications_minimum_severity: \"OFF\"}"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bolt_buf_reset(&b);
        CU_ASSERT_EQUAL(bolt_enc_hello(&b, cases[i].major, cases[i].minor, &o), 0);
        CHECK_RENDER(&b, 0, cases[i].want);
    }
    /* INIT is B2 01 (two fields), HELLO B1 01. */
    bolt_buf_reset(&b);
    bolt_enc_hello(&b, 1, 0, &o);
    CU_ASSERT(b.len > 4 && b.data[2] == 0xB2 && b.data[3] == 0x01);
    bolt_buf_reset(&b);
    bolt_enc_hello(&b, 3, 0, &o);
    CU_ASSERT(b.len > 4 && b.data[2] == 0xB1 && b.data[3] == 0x01);

    /* Minimal options: no auth = scheme none; no bolt_agent product = the user agent; no
     * platform; no routing, patch or notification keys when not asked for. */
    bolt_hello_opts m = {"ua/2", NULL, NULL, NULL, NULL, 0, 0};
    bolt_buf_reset(&b);
    CU_ASSERT_EQUAL(bolt_enc_hello(&b, 4, 4, &m), 0);
    CHECK_RENDER(&b, 0, "01 {user_agent: \"ua/2\", scheme: \"none\"}");
    bolt_buf_reset(&b);
    CU_ASSERT_EQUAL(bolt_enc_hello(&b, 5, 4, &m), 0);
    CHECK_RENDER(&b, 0,
                 "01 {user_agent: \"ua/2\", bolt_agent: {product: \"ua/2\", language: \"C/11\"}}");
    bolt_buf_reset(&b);
    CU_ASSERT_EQUAL(bolt_enc_hello(&b, 1, 0, &m), 0);
    CHECK_RENDER(&b, 0, "01 \"ua/2\" | {scheme: \"none\"}");

    /* Bearer and realm. */
    bolt_auth bearer = {BOLT_AUTH_BEARER, NULL, "tok", NULL};
    m.auth = &bearer;
    bolt_buf_reset(&b);
    CU_ASSERT_EQUAL(bolt_enc_hello(&b, 3, 0, &m), 0);
    CHECK_RENDER(&b, 0, "01 {user_agent: \"ua/2\", scheme: \"bearer\", credentials: \"tok\"}");
    bolt_auth realm = {BOLT_AUTH_BASIC, "u", "p", "ldap"};
    m.auth = &realm;
    bolt_buf_reset(&b);
    CU_ASSERT_EQUAL(bolt_enc_hello(&b, 4, 0, &m), 0);
    CHECK_RENDER(&b, 0,
                 "01 {user_agent: \"ua/2\", scheme: \"basic\", principal: \"u\", credentials: "
                 "\"p\", realm: \"ldap\"}");
    /* A routing null is sent as null (4.1+: no server-side routing). */
    bolt_value nul = bolt_null();
    m.auth = NULL;
    m.routing = &nul;
    bolt_buf_reset(&b);
    CU_ASSERT_EQUAL(bolt_enc_hello(&b, 4, 1, &m), 0);
    CHECK_RENDER(&b, 0, "01 {user_agent: \"ua/2\", scheme: \"none\", routing: null}");
    bolt_buf_free(&b);
}

static void test_logon_logoff(void)
{
    bolt_buf b;
    bolt_buf_init(&b);
    CU_ASSERT_EQUAL(bolt_enc_logon(&b, 5, 0, &basic), BOLT_E_UNSUPPORTED);
    CU_ASSERT_EQUAL(bolt_enc_logon(&b, 4, 4, &basic), BOLT_E_UNSUPPORTED);
    CU_ASSERT_EQUAL(bolt_enc_logoff(&b, 5, 0), BOLT_E_UNSUPPORTED);
    CU_ASSERT_EQUAL(b.len, 0);
    CU_ASSERT_EQUAL(bolt_enc_logon(&b, 5, 1, &basic), 0);
    CHECK_RENDER(&b, 0, "6A {scheme: \"basic\", principal: \"neo4j\", credentials: \"pass\"}");
    size_t off = b.len;
    CU_ASSERT_EQUAL(bolt_enc_logoff(&b, 5, 1), 0);
    CU_ASSERT(bytes_are(&b, off, "00 02 B0 6B 00 00"));
    off = b.len;
    CU_ASSERT_EQUAL(bolt_enc_logon(&b, 6, 0, NULL), 0);
    CHECK_RENDER(&b, off, "6A {scheme: \"none\"}");
    bolt_buf_free(&b);
}

static void test_simple_messages(void)
{
    bolt_buf b;
    bolt_buf_init(&b);
    CU_ASSERT_EQUAL(bolt_enc_goodbye(&b, 2, 0), BOLT_E_UNSUPPORTED);
    CU_ASSERT_EQUAL(bolt_enc_ack_failure(&b, 3, 0), BOLT_E_UNSUPPORTED);
    CU_ASSERT_EQUAL(bolt_enc_begin(&b, 2, 0, NULL), BOLT_E_UNSUPPORTED);
    CU_ASSERT_EQUAL(bolt_enc_commit(&b, 1, 0), BOLT_E_UNSUPPORTED);
    CU_ASSERT_EQUAL(bolt_enc_rollback(&b, 2, 0), BOLT_E_UNSUPPORTED);
    CU_ASSERT_EQUAL(bolt_enc_reset(&b, 0, 0), BOLT_E_UNSUPPORTED);
    CU_ASSERT_EQUAL(bolt_enc_reset(&b, 7, 0), BOLT_E_UNSUPPORTED);
    CU_ASSERT_EQUAL(b.len, 0);

    CU_ASSERT_EQUAL(bolt_enc_goodbye(&b, 3, 0), 0);
    CU_ASSERT_EQUAL(bolt_enc_ack_failure(&b, 1, 0), 0);
    CU_ASSERT_EQUAL(bolt_enc_ack_failure(&b, 2, 0), 0);
    CU_ASSERT_EQUAL(bolt_enc_commit(&b, 3, 0), 0);
    CU_ASSERT_EQUAL(bolt_enc_rollback(&b, 5, 4), 0);
    CU_ASSERT_EQUAL(bolt_enc_reset(&b, 1, 0), 0);
    CU_ASSERT(bytes_are(&b, 0,
                        "00 02 B0 02 00 00 00 02 B0 0E 00 00 00 02 B0 0E 00 00 00 02 B0 12 00 00 "
                        "00 02 B0 13 00 00 00 02 B0 0F 00 00"));
    bolt_buf_free(&b);
}

/* ---- RUN / BEGIN extra -------------------------------------------------------------------- */

static void test_run_and_begin(void)
{
    bolt_buf b;
    bolt_buf_init(&b);
    bolt_value pkv[2] = {bolt_string("lo"), bolt_int(0)};
    bolt_value params = bolt_map(pkv, 1);
    bolt_value mkv[2] = {bolt_string("app"), bolt_string("boltdiff")};
    bolt_value meta = bolt_map(mkv, 1);
    const char *bm[2] = {"bm:1", "bm:2"};
    bolt_tx_opts t = {"neo4j", "r", bm, 2, 5000, &meta, "alice", 1};

    /* Bolt 1/2: two fields, no extra. */
    CU_ASSERT_EQUAL(bolt_enc_run(&b, 1, 0, "RETURN $lo", 10, &params, &t), 0);
    CHECK_RENDER(&b, 0, "10 \"RETURN $lo\" | {lo: 0}");
    CU_ASSERT(b.data[2] == 0xB2);

    /* Bolt 3: no db; imp_user refused (4.4+). */
    bolt_buf_reset(&b);
    CU_ASSERT_EQUAL(bolt_enc_run(&b, 3, 0, "RETURN 1", 8, NULL, &t), BOLT_E_UNSUPPORTED);
    CU_ASSERT_EQUAL(b.len, 0);
    t.imp_user = NULL;
    CU_ASSERT_EQUAL(bolt_enc_run(&b, 3, 0, "RETURN 1", 8, NULL, &t), 0);
    CHECK_RENDER(&b, 0,
                 "10 \"RETURN 1\" | {} | {mode: \"r\", bookmarks: [\"bm:1\", \"bm:2\"], "
                 "tx_timeout: 5000, tx_metadata: {app: \"boltdiff\"}}");
    /* 4.0: db; 4.3 refuses imp_user; 4.4 sends it; 5.2 adds notifications. */
    bolt_buf_reset(&b);
    CU_ASSERT_EQUAL(bolt_enc_run(&b, 4, 0, "RETURN 1", 8, NULL, &t), 0);
    CHECK_RENDER(&b, 0,
                 "10 \"RETURN 1\" | {} | {db: \"neo4j\", mode: \"r\", bookmarks: [\"bm:1\", "
                 "\"bm:2\"], tx_timeout: 5000, tx_metadata: {app: \"boltdiff\"}}");
    t.imp_user = "alice";
    bolt_buf_reset(&b);
    CU_ASSERT_EQUAL(bolt_enc_run(&b, 4, 3, "RETURN 1", 8, NULL, &t), BOLT_E_UNSUPPORTED);
    CU_ASSERT_EQUAL(bolt_enc_run(&b, 4, 4, "RETURN 1", 8, NULL, &t), 0);
    CHECK_RENDER(&b, 0,
                 "10 \"RETURN 1\" | {} | {db: \"neo4j\", mode: \"r\", bookmarks: [\"bm:1\", "
                 "\"bm:2\"], tx_timeout: 5000, tx_metadata: {app: \"boltdiff\"}, imp_user: "
                 "\"alice\"}");
    bolt_buf_reset(&b);
    CU_ASSERT_EQUAL(bolt_enc_run(&b, 5, 2, "RETURN 1", 8, NULL, &t), 0);
    CHECK_RENDER(&b, 0,
                 "10 \"RETURN 1\" | {} | {db: \"neo4j\", mode: \"r\", bookmarks: [\"bm:1\", "
                 "\"bm:2\"], tx_timeout: 5000, tx_metadata: {app: \"boltdiff\"}, imp_user: "
                 "\"alice\", notifications_minimum_severity: \"OFF\"}");

    /* Unset fields are not sent; bookmarks non-NULL with count 0 is []. */
    bolt_tx_opts u = BOLT_TX_OPTS_INIT;
    bolt_buf_reset(&b);
    CU_ASSERT_EQUAL(bolt_enc_run(&b, 4, 4, "RETURN 1", 8, NULL, &u), 0);
    CHECK_RENDER(&b, 0, "10 \"RETURN 1\" | {} | {}");
    u.bookmarks = bm;
    u.tx_timeout_ms = 0;
    bolt_buf_reset(&b);
    CU_ASSERT_EQUAL(bolt_enc_run(&b, 4, 4, "RETURN 1", 8, NULL, &u), 0);
    CHECK_RENDER(&b, 0, "10 \"RETURN 1\" | {} | {bookmarks: [], tx_timeout: 0}");
    bolt_buf_reset(&b);
    CU_ASSERT_EQUAL(bolt_enc_run(&b, 3, 0, "RETURN 1", 8, NULL, NULL), 0);
    CHECK_RENDER(&b, 0, "10 \"RETURN 1\" | {} | {}");

    /* BEGIN carries the same extra. */
    bolt_buf_reset(&b);
    CU_ASSERT_EQUAL(bolt_enc_begin(&b, 4, 4, &t), 0);
    CHECK_RENDER(&b, 0,
                 "11 {db: \"neo4j\", mode: \"r\", bookmarks: [\"bm:1\", \"bm:2\"], tx_timeout: "
                 "5000, tx_metadata: {app: \"boltdiff\"}, imp_user: \"alice\"}");
    bolt_buf_reset(&b);
    CU_ASSERT_EQUAL(bolt_enc_begin(&b, 3, 0, NULL), 0);
    CU_ASSERT(bytes_are(&b, 0, "00 03 B1 11 A0 00 00"));

    /* Bad arguments. */
    bolt_value list = bolt_list(NULL, 0);
    CU_ASSERT_EQUAL(bolt_enc_run(&b, 4, 4, "RETURN 1", 8, &list, NULL), BOLT_E_INVAL);
    CU_ASSERT_EQUAL(bolt_enc_run(&b, 4, 4, NULL, 3, NULL, NULL), BOLT_E_INVAL);
    u = (bolt_tx_opts)BOLT_TX_OPTS_INIT;
    u.tx_metadata = &list;
    CU_ASSERT_EQUAL(bolt_enc_begin(&b, 4, 4, &u), BOLT_E_INVAL);
    u = (bolt_tx_opts)BOLT_TX_OPTS_INIT;
    u.bookmark_count = 1;
    CU_ASSERT_EQUAL(bolt_enc_begin(&b, 4, 4, &u), BOLT_E_INVAL);
    bolt_buf_free(&b);
}

/* A RUN bigger than a chunk goes out in 65,535-byte chunks and reads back whole. */
static void test_run_multi_chunk(void)
{
    size_t n = 150000;
    char *q = malloc(n);
    memset(q, 'x', n);
    bolt_buf b;
    bolt_buf_init(&b);
    CU_ASSERT_EQUAL(bolt_enc_run(&b, 3, 0, q, n, NULL, NULL), 0);
    /* body: B3 10 D2 <4-byte len> q A0 A0 = 150,009 bytes -> 65535 + 65535 + 18939 */
    CU_ASSERT_EQUAL(b.len, 150009 + 3 * 2 + 2);
    CU_ASSERT(b.data[0] == 0xFF && b.data[1] == 0xFF);
    CU_ASSERT(b.data[65537] == 0xFF && b.data[65538] == 0xFF);
    CU_ASSERT(b.data[131074] == (18939 >> 8) && b.data[131075] == (18939 & 0xFF));
    bolt_dechunker d;
    bolt_dechunker_init(&d, 0);
    bolt_dechunker_feed(&d, b.data, b.len);
    const uint8_t *m;
    size_t len;
    CU_ASSERT_EQUAL(bolt_dechunker_next(&d, &m, &len), 1);
    CU_ASSERT_EQUAL(len, 150009);
    CU_ASSERT(len == 150009 && m[0] == 0xB3 && m[2] == 0xD2 && memcmp(m + 7, q, n) == 0);
    bolt_dechunker_free(&d);
    bolt_buf_free(&b);
    free(q);
}

/* ---- PULL / DISCARD / ROUTE --------------------------------------------------------------- */

static void test_pull_discard(void)
{
    bolt_buf b;
    bolt_buf_init(&b);
    CU_ASSERT_EQUAL(bolt_enc_pull(&b, 3, 0, 1000, -1), BOLT_E_UNSUPPORTED);
    CU_ASSERT_EQUAL(bolt_enc_pull(&b, 3, 0, -1, 2), BOLT_E_UNSUPPORTED);
    CU_ASSERT_EQUAL(bolt_enc_discard(&b, 2, 0, 5, -1), BOLT_E_UNSUPPORTED);
    CU_ASSERT_EQUAL(bolt_enc_pull(&b, 4, 0, 0, -1), BOLT_E_INVAL);
    CU_ASSERT_EQUAL(bolt_enc_pull(&b, 4, 0, -2, -1), BOLT_E_INVAL);
    CU_ASSERT_EQUAL(bolt_enc_pull(&b, 4, 0, 10, -7), BOLT_E_INVAL);
    CU_ASSERT_EQUAL(b.len, 0);
    CU_ASSERT_EQUAL(bolt_enc_discard(&b, 1, 0, -1, -1), 0);
    CU_ASSERT(bytes_are(&b, 0, "00 02 B0 2F 00 00"));
    bolt_buf_reset(&b);
    CU_ASSERT_EQUAL(bolt_enc_pull(&b, 4, 0, 1000, -1), 0);
    CHECK_RENDER(&b, 0, "3F {n: 1000}");
    bolt_buf_reset(&b);
    CU_ASSERT_EQUAL(bolt_enc_pull(&b, 5, 8, 1000, 3), 0);
    CHECK_RENDER(&b, 0, "3F {n: 1000, qid: 3}");
    bolt_buf_reset(&b);
    CU_ASSERT_EQUAL(bolt_enc_discard(&b, 4, 4, -1, 0), 0);
    CU_ASSERT(bytes_are(&b, 0, "00 0B B1 2F A2 81 6E FF 83 71 69 64 00 00 00"));
    bolt_buf_free(&b);
}

static void test_route(void)
{
    bolt_buf b;
    bolt_buf_init(&b);
    bolt_value kv[2] = {bolt_string("address"), bolt_string("h:7687")};
    bolt_value routing = bolt_map(kv, 1);
    const char *bm[1] = {"bm:9"};
    CU_ASSERT_EQUAL(bolt_enc_route(&b, 4, 2, &routing, NULL, 0, NULL, NULL), BOLT_E_UNSUPPORTED);
    CU_ASSERT_EQUAL(bolt_enc_route(&b, 4, 3, &routing, NULL, 0, "db", "bob"), BOLT_E_UNSUPPORTED);
    CU_ASSERT_EQUAL(bolt_enc_route(&b, 4, 4, &kv[0], NULL, 0, NULL, NULL), BOLT_E_INVAL);
    CU_ASSERT_EQUAL(bolt_enc_route(&b, 4, 4, &routing, NULL, 1, NULL, NULL), BOLT_E_INVAL);
    CU_ASSERT_EQUAL(b.len, 0);
    CU_ASSERT_EQUAL(bolt_enc_route(&b, 4, 3, &routing, bm, 1, "neo4j", NULL), 0);
    CHECK_RENDER(&b, 0, "66 {address: \"h:7687\"} | [\"bm:9\"] | \"neo4j\"");
    bolt_buf_reset(&b);
    CU_ASSERT_EQUAL(bolt_enc_route(&b, 4, 3, NULL, NULL, 0, NULL, NULL), 0);
    CHECK_RENDER(&b, 0, "66 {} | [] | null");
    bolt_buf_reset(&b);
    CU_ASSERT_EQUAL(bolt_enc_route(&b, 5, 0, &routing, bm, 1, "neo4j", "bob"), 0);
    CHECK_RENDER(&b, 0,
                 "66 {address: \"h:7687\"} | [\"bm:9\"] | {db: \"neo4j\", imp_user: \"bob\"}");
    bolt_buf_free(&b);
}

/* ---- failure behaviour -------------------------------------------------------------------- */

static void test_errors_leave_buffer_alone(void)
{
    bolt_buf b;
    bolt_buf_init(&b);
    bolt_buf_append(&b, "\x01\x02", 2);
    bolt_auth bad = {BOLT_AUTH_BASIC, "u", NULL, NULL};
    bolt_hello_opts o = {"ua", NULL, NULL, &bad, NULL, 0, 0};
    CU_ASSERT_EQUAL(bolt_enc_hello(&b, 3, 0, &o), BOLT_E_INVAL);
    CU_ASSERT_EQUAL(bolt_enc_hello(&b, 3, 0, NULL), BOLT_E_INVAL);
    CU_ASSERT_EQUAL(bolt_enc_logon(&b, 5, 1, &bad), BOLT_E_INVAL);
    bolt_auth bearer = {BOLT_AUTH_BEARER, NULL, NULL, NULL};
    CU_ASSERT_EQUAL(bolt_enc_logon(&b, 5, 1, &bearer), BOLT_E_INVAL);
    CU_ASSERT_EQUAL(b.len, 2);
    CU_ASSERT_EQUAL(b.err, 0);
    /* A buffer that already failed is not touched. */
    b.err = BOLT_E_NOMEM;
    CU_ASSERT_EQUAL(bolt_enc_reset(&b, 4, 4), BOLT_E_NOMEM);
    CU_ASSERT_EQUAL(b.len, 2);
    bolt_buf_free(&b);
}

/* Every allocation of an encoder, failed in turn: BOLT_E_NOMEM and nothing leaked. */
static int encode_everything(void *ud)
{
    (void)ud;
    bolt_buf b;
    bolt_buf_init(&b);
    bolt_hello_opts o = {"ua/1", "boltdiff/0.1", "Linux", &basic, NULL, 1, 1};
    bolt_tx_opts t = {"neo4j", "r", NULL, 0, 100, NULL, NULL, 0};
    char big[70000];
    memset(big, 'q', sizeof big);
    int rc = bolt_enc_hello(&b, 4, 4, &o);
    if (rc == 0) rc = bolt_enc_run(&b, 4, 4, big, sizeof big, NULL, &t);
    if (rc == 0) rc = bolt_enc_pull(&b, 4, 4, -1, -1);
    bolt_buf_free(&b);
    return rc;
}

static void test_nomem(void)
{
    CU_ASSERT_EQUAL(failalloc_each(encode_everything, NULL, BOLT_E_NOMEM), 0);
}

/* ---- server messages ---------------------------------------------------------------------- */

static int decode_hex(const char *hex, unsigned major, unsigned minor, bolt_message *m,
                      bolt_arena *a)
{
    static uint8_t buf[4096];
    long n = hex_decode(hex, buf, sizeof buf);
    if (n < 0) return -9999;
    bolt_dialect d;
    bolt_dialect_for(&d, major, minor, 0);
    return bolt_decode_server_message(buf, (size_t)n, &d, a, m);
}

static void test_decode_server_messages(void)
{
    bolt_arena a;
    bolt_arena_init(&a, 0, 0);
    bolt_message m;
    char s[256];

    CU_ASSERT_EQUAL(decode_hex("B1 70 A1 81 6E 01", 3, 0, &m, &a), 0);
    CU_ASSERT_EQUAL(m.signature, BOLT_MSG_SUCCESS);
    CU_ASSERT_PTR_NULL(m.data);
    CU_ASSERT_FATAL(m.meta != NULL);
    bolt_value_format(m.meta, s, sizeof s);
    CU_ASSERT_STRING_EQUAL(s, "{n: 1}");

    CU_ASSERT_EQUAL(decode_hex("B1 71 92 01 81 61", 4, 4, &m, &a), 0);
    CU_ASSERT_EQUAL(m.signature, BOLT_MSG_RECORD);
    CU_ASSERT_PTR_NULL(m.meta);
    CU_ASSERT_FATAL(m.data != NULL);
    bolt_value_format(m.data, s, sizeof s);
    CU_ASSERT_STRING_EQUAL(s, "[1, \"a\"]");

    CU_ASSERT_EQUAL(decode_hex("B0 7E", 5, 0, &m, &a), 0);
    CU_ASSERT_EQUAL(m.signature, BOLT_MSG_IGNORED);
    CU_ASSERT(m.meta == NULL && m.data == NULL);

    CU_ASSERT_EQUAL(decode_hex("B1 7F A0", 1, 0, &m, &a), 0);
    CU_ASSERT_EQUAL(m.signature, BOLT_MSG_FAILURE);
    CU_ASSERT(m.meta && m.meta->type == BOLT_T_MAP && m.meta->len == 0);

    /* Wrong shapes. */
    static const struct {
        const char *hex;
        int rc;
    } bad[] = {
        {"", BOLT_E_BAD_MESSAGE},
        {"A0", BOLT_E_BAD_MESSAGE},          /* not a structure */
        {"B0 70", BOLT_E_BAD_MESSAGE},       /* SUCCESS without metadata */
        {"B2 70 A0 A0", BOLT_E_BAD_MESSAGE}, /* two fields */
        {"B1 70 90", BOLT_E_BAD_MESSAGE},    /* metadata not a map */
        {"B1 71 A0", BOLT_E_BAD_MESSAGE},    /* record data not a list */
        {"B1 7E A0", BOLT_E_BAD_MESSAGE},    /* IGNORED with a field */
        {"B1 55 A0", BOLT_E_BAD_MESSAGE},    /* unknown signature */
        {"B1 10 A0", BOLT_E_BAD_MESSAGE},    /* a request signature */
        {"B1 70 A1 81", BOLT_E_BAD_MESSAGE}, /* cut short */
        {"B1 70 A0 00", BOLT_E_TRAILING},    /* a byte after the map */
        {"B0 7E 00", BOLT_E_TRAILING},
        {"B1 70 A1 01 01", BOLT_E_MAP_KEY}, /* decoder errors pass through */
        {"B1 71 91 C7", BOLT_E_RESERVED_MARKER},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = decode_hex(bad[i].hex, 3, 0, &m, &a);
        if (rc != bad[i].rc) printf("\n      %s: %s\n", bad[i].hex, bolt_errname(rc));
        CU_ASSERT_EQUAL(rc, bad[i].rc);
        CU_ASSERT(m.signature == 0 && m.meta == NULL && m.data == NULL);
    }

    /* The dialect decides the structures: a Date is fine on Bolt 2, not on Bolt 1; a legacy
     * DateTime F is fine on 4.4, not on 5.0. */
    CU_ASSERT_EQUAL(decode_hex("B1 71 91 B1 44 01", 2, 0, &m, &a), 0);
    CU_ASSERT_EQUAL(decode_hex("B1 71 91 B1 44 01", 1, 0, &m, &a), BOLT_E_BAD_STRUCT);
    CU_ASSERT_EQUAL(decode_hex("B1 71 91 B3 46 01 02 03", 4, 4, &m, &a), 0);
    CU_ASSERT_EQUAL(decode_hex("B1 71 91 B3 46 01 02 03", 5, 0, &m, &a), BOLT_E_BAD_STRUCT);

    /* _ex passes the decoder's limits. */
    uint8_t deep[16] = {0xB1, 0x71};
    for (int i = 2; i < 12; i++)
        deep[i] = 0x91;
    deep[12] = 0x01;
    bolt_dialect d;
    bolt_dialect_for(&d, 4, 4, 0);
    bolt_decoder dec = {&d, &a, 5, 0};
    CU_ASSERT_EQUAL(bolt_decode_server_message_ex(deep, 13, &dec, &m), BOLT_E_TOO_DEEP);
    dec.max_depth = 20;
    CU_ASSERT_EQUAL(bolt_decode_server_message_ex(deep, 13, &dec, &m), 0);
    dec.dialect = NULL;
    CU_ASSERT_EQUAL(bolt_decode_server_message_ex(deep, 13, &dec, &m), BOLT_E_INVAL);
    /* UTF-8 checking on request. */
    static const uint8_t badutf[] = {0xB1, 0x71, 0x91, 0x81, 0xFF};
    dec.dialect = &d;
    CU_ASSERT_EQUAL(bolt_decode_server_message_ex(badutf, 5, &dec, &m), 0);
    dec.flags = BOLT_DECODE_CHECK_UTF8;
    CU_ASSERT_EQUAL(bolt_decode_server_message_ex(badutf, 5, &dec, &m), BOLT_E_UTF8);

    /* An arena that cannot grow: BOLT_E_NOMEM. */
    bolt_arena tiny;
    bolt_arena_init(&tiny, 8, 1);
    CU_ASSERT_EQUAL(decode_hex("B1 70 A0", 3, 0, &m, &tiny), BOLT_E_NOMEM);
    bolt_arena_free(&tiny);
    bolt_arena_free(&a);
}

static void test_failure_read(void)
{
    bolt_arena a;
    bolt_arena_init(&a, 0, 0);
    bolt_message m;
    bolt_failure_view f;

    /* <= 5.6: code + message (the shape of every FAILURE in the 3.5.22 captures). */
    CU_ASSERT_EQUAL(decode_hex("B1 7F A2 84 63 6F 64 65 83 41 2E 42 87 6D 65 73 73 61 67 65 82 68 "
                               "69",
                               3, 0, &m, &a),
                    0);
    bolt_failure_read(m.meta, &f);
    CU_ASSERT(f.code_len == 3 && memcmp(f.code, "A.B", 3) == 0);
    CU_ASSERT(f.message_len == 2 && memcmp(f.message, "hi", 2) == 0);
    CU_ASSERT(f.gql_status == NULL && f.gql_status_len == 0 && f.cause == NULL);

    /* 5.7+: neo4j_code, gql_status, nested cause. */
    const char *hex57 = "B1 7F A4 8A 6E 65 6F 34 6A 5F 63 6F 64 65 83 58 2E 59 "
                        "87 6D 65 73 73 61 67 65 81 6D "
                        "8A 67 71 6C 5F 73 74 61 74 75 73 85 34 32 30 30 31 "
                        "85 63 61 75 73 65 A1 8A 67 71 6C 5F 73 74 61 74 75 73 85 32 32 4E 30 31";
    CU_ASSERT_EQUAL(decode_hex(hex57, 5, 7, &m, &a), 0);
    bolt_failure_read(m.meta, &f);
    CU_ASSERT(f.code_len == 3 && memcmp(f.code, "X.Y", 3) == 0);
    CU_ASSERT(f.message_len == 1 && f.message[0] == 'm');
    CU_ASSERT(f.gql_status_len == 5 && memcmp(f.gql_status, "42001", 5) == 0);
    CU_ASSERT_FATAL(f.cause != NULL);
    bolt_failure_view inner;
    bolt_failure_read(f.cause, &inner);
    CU_ASSERT(inner.gql_status_len == 5 && memcmp(inner.gql_status, "22N01", 5) == 0);
    CU_ASSERT(inner.code == NULL && inner.message == NULL);

    /* Not strings / not a map: nothing. */
    CU_ASSERT_EQUAL(decode_hex("B1 7F A2 84 63 6F 64 65 01 85 63 61 75 73 65 02", 3, 0, &m, &a), 0);
    bolt_failure_read(m.meta, &f);
    CU_ASSERT(f.code == NULL && f.cause == NULL);
    bolt_failure_read(NULL, &f);
    CU_ASSERT(f.code == NULL && f.message == NULL);
    bolt_arena_free(&a);
}

static void test_message_names(void)
{
    CU_ASSERT_STRING_EQUAL(bolt_message_name(0x01, 1), "INIT");
    CU_ASSERT_STRING_EQUAL(bolt_message_name(0x01, 2), "INIT");
    CU_ASSERT_STRING_EQUAL(bolt_message_name(0x01, 3), "HELLO");
    CU_ASSERT_STRING_EQUAL(bolt_message_name(0x3F, 3), "PULL_ALL");
    CU_ASSERT_STRING_EQUAL(bolt_message_name(0x3F, 4), "PULL");
    CU_ASSERT_STRING_EQUAL(bolt_message_name(0x2F, 1), "DISCARD_ALL");
    CU_ASSERT_STRING_EQUAL(bolt_message_name(0x2F, 5), "DISCARD");
    CU_ASSERT_STRING_EQUAL(bolt_message_name(0x66, 4), "ROUTE");
    CU_ASSERT_STRING_EQUAL(bolt_message_name(0x7F, 3), "FAILURE");
    CU_ASSERT_STRING_EQUAL(bolt_message_name(0x55, 3), "UNKNOWN");
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 1;
    CU_pSuite s = CU_add_suite("message", NULL, NULL);
    CU_add_test(s, "bolt-reference 4.1 worked bytes", test_reference_vectors);
    CU_add_test(s, "HELLO/INIT keys per version", test_hello_versions);
    CU_add_test(s, "LOGON/LOGOFF 5.1+", test_logon_logoff);
    CU_add_test(s, "GOODBYE/ACK_FAILURE/COMMIT/ROLLBACK/RESET", test_simple_messages);
    CU_add_test(s, "RUN and BEGIN extra per version", test_run_and_begin);
    CU_add_test(s, "RUN larger than a chunk", test_run_multi_chunk);
    CU_add_test(s, "PULL/DISCARD", test_pull_discard);
    CU_add_test(s, "ROUTE 4.3 and 4.4+", test_route);
    CU_add_test(s, "errors leave the buffer unchanged", test_errors_leave_buffer_alone);
    CU_add_test(s, "allocation failures", test_nomem);
    CU_add_test(s, "server message decoding", test_decode_server_messages);
    CU_add_test(s, "FAILURE metadata across versions", test_failure_read);
    CU_add_test(s, "message names", test_message_names);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failures = CU_get_number_of_failures();
    CU_cleanup_registry();
    return failures ? 1 : 0;
}
