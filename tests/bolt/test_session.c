/* Unit tests of bolt/session*.c on synthetic server byte streams: what the session writes for
 * each version, which events it reports, the client-side state refusals, the failure model and
 * the robustness rules (unexpected messages, EOF, framing). The real 3.5.22 conversations are
 * replayed in test_session_captures.c.
 *
 * Server streams are built with bolt_pack_* + bolt_frame_message; client bytes are checked
 * either byte for byte (vectors from bolt-reference) or decoded. Events are rendered as one
 * string ("CONNECTED READY(HELLO) SUCCESS(RUN) RECORD(PULL)=[1] ...") so an assertion shows
 * the whole conversation when it fails.
 */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bolt/bolt.h"
#include "failalloc.h"
#include "hex.h"

#define PW "s3cr3t-pw"

/* ---- helpers ------------------------------------------------------------------------------ */

static bolt_session_config basic_cfg(void)
{
    bolt_session_config c;
    memset(&c, 0, sizeof c);
    c.user_agent = "test/1.0";
    c.auth.scheme = BOLT_AUTH_BASIC;
    c.auth.principal = "neo4j";
    c.auth.credentials = PW;
    return c;
}

/* Appends everything the session wants to write to `sent` and marks it written. */
static void take_output(bolt_session *s, bolt_buf *sent)
{
    const uint8_t *p;
    size_t n = bolt_session_output(s, &p);
    if (sent) bolt_buf_append(sent, p, n);
    bolt_session_output_consumed(s, n);
}

static size_t output_len(bolt_session *s)
{
    const uint8_t *p;
    return bolt_session_output(s, &p);
}

static const char *req_name(bolt_request r)
{
    static const char *const names[] = {"NONE",  "HELLO",   "LOGON",      "LOGOFF", "RUN",
                                        "PULL",  "DISCARD", "BEGIN",      "COMMIT", "ROLLBACK",
                                        "RESET", "ROUTE",   "ACK_FAILURE"};
    return (unsigned)r < sizeof names / sizeof names[0] ? names[r] : "?";
}

static const char *ev_name(bolt_event_type t)
{
    static const char *const names[] = {"NONE",   "CONNECTED", "READY",   "SUCCESS",
                                        "RECORD", "FAILURE",   "IGNORED", "ERROR"};
    return (unsigned)t < sizeof names / sizeof names[0] ? names[t] : "?";
}

/* Drains events into a readable string (appended to out); returns the final return code of
 * bolt_session_next_event (0 = needs input, <0 = defunct). */
static int events(bolt_session *s, char *out, size_t cap)
{
    bolt_event ev;
    int rc;
    while ((rc = bolt_session_next_event(s, &ev)) == 1) {
        size_t len = strlen(out);
        char val[512] = "";
        if (ev.type == BOLT_EV_RECORD) {
            val[0] = '=';
            bolt_value_format(ev.record, val + 1, sizeof val - 1);
        }
        if (ev.type == BOLT_EV_CONNECTED)
            snprintf(out + len, cap - len, "%sCONNECTED", len ? " " : "");
        else if (ev.type == BOLT_EV_ERROR)
            snprintf(out + len, cap - len, "%sERROR(%s):%s", len ? " " : "", req_name(ev.request),
                     bolt_errname(ev.err));
        else
            snprintf(out + len, cap - len, "%s%s(%s)%s%s", len ? " " : "", ev_name(ev.type),
                     req_name(ev.request), ev.has_more ? "+more" : "", val);
    }
    return rc;
}

/* Feeds `len` bytes (whole, or one byte at a time with events drained after each) and returns
 * the events they produced. */
static int feed(bolt_session *s, const uint8_t *p, size_t len, int bytewise, char *out, size_t cap)
{
    if (!bytewise) {
        CU_ASSERT_EQUAL(bolt_session_input(s, p, len), 0);
        return events(s, out, cap);
    }
    int rc = 0;
    for (size_t i = 0; i < len; i++) {
        int irc = bolt_session_input(s, p + i, 1);
        if (irc < 0) return irc;
        rc = events(s, out, cap);
        if (rc < 0) return rc;
    }
    return rc;
}

/* ---- server messages ---- */

static bolt_buf g_m;

static void msg_begin(uint8_t sig, uint8_t fields)
{
    bolt_buf_reset(&g_m);
    bolt_pack_struct_header(&g_m, fields, sig);
}

static void msg_end(bolt_buf *stream)
{
    CU_ASSERT_EQUAL_FATAL(g_m.err, 0);
    bolt_frame_message(stream, g_m.data, g_m.len, 0);
}

static void srv_success0(bolt_buf *st)
{
    msg_begin(BOLT_MSG_SUCCESS, 1);
    bolt_pack_map_header(&g_m, 0);
    msg_end(st);
}

static void srv_hello(bolt_buf *st, const char *server, const char *cid)
{
    msg_begin(BOLT_MSG_SUCCESS, 1);
    bolt_pack_map_header(&g_m, 2);
    bolt_pack_cstr(&g_m, "server");
    bolt_pack_cstr(&g_m, server);
    bolt_pack_cstr(&g_m, "connection_id");
    bolt_pack_cstr(&g_m, cid);
    msg_end(st);
}

static void srv_fields(bolt_buf *st, const char *field)
{
    msg_begin(BOLT_MSG_SUCCESS, 1);
    bolt_pack_map_header(&g_m, 2);
    bolt_pack_cstr(&g_m, "t_first");
    bolt_pack_int(&g_m, 1);
    bolt_pack_cstr(&g_m, "fields");
    bolt_pack_list_header(&g_m, 1);
    bolt_pack_cstr(&g_m, field);
    msg_end(st);
}

/* has_more: 1 true, 0 false, -1 absent */
static void srv_pull_done(bolt_buf *st, int has_more)
{
    msg_begin(BOLT_MSG_SUCCESS, 1);
    bolt_pack_map_header(&g_m, has_more < 0 ? 1 : 2);
    bolt_pack_cstr(&g_m, "type");
    bolt_pack_cstr(&g_m, "r");
    if (has_more >= 0) {
        bolt_pack_cstr(&g_m, "has_more");
        bolt_pack_bool(&g_m, has_more);
    }
    msg_end(st);
}

static void srv_record(bolt_buf *st, int64_t v)
{
    msg_begin(BOLT_MSG_RECORD, 1);
    bolt_pack_list_header(&g_m, 1);
    bolt_pack_int(&g_m, v);
    msg_end(st);
}

static void srv_failure(bolt_buf *st, const char *code, const char *message)
{
    msg_begin(BOLT_MSG_FAILURE, 1);
    bolt_pack_map_header(&g_m, 2);
    bolt_pack_cstr(&g_m, "code");
    bolt_pack_cstr(&g_m, code);
    bolt_pack_cstr(&g_m, "message");
    bolt_pack_cstr(&g_m, message);
    msg_end(st);
}

static void srv_ignored(bolt_buf *st)
{
    msg_begin(BOLT_MSG_IGNORED, 0);
    msg_end(st);
}

/* ---- client messages ---- */

typedef struct cmsg {
    uint8_t sig;
    uint8_t nfields;
    bolt_value f[3];
} cmsg;

/* Splits the client stream (after the 20 handshake bytes unless skip is 0) into decoded
 * messages. Values live in `a` (message bytes are copied there first). Returns the count. */
static int client_msgs(const bolt_buf *sent, size_t skip, unsigned major, unsigned minor,
                       bolt_arena *a, cmsg *out, int max)
{
    bolt_dialect d;
    bolt_dialect_for(&d, major, minor, 1);
    bolt_dechunker dc;
    bolt_dechunker_init(&dc, 0);
    int n = 0;
    if (bolt_dechunker_feed(&dc, sent->data + skip, sent->len - skip) < 0) goto done;
    const uint8_t *msg;
    size_t len;
    while (n < max && bolt_dechunker_next(&dc, &msg, &len) == 1) {
        uint8_t *copy = bolt_arena_alloc(a, len);
        memcpy(copy, msg, len);
        size_t used;
        if (bolt_decode_struct_header(copy, len, &out[n].nfields, &out[n].sig, &used) < 0) break;
        bolt_decoder dec = {&d, a, 0, BOLT_DECODE_RAW_STRUCTS};
        for (unsigned i = 0; i < out[n].nfields && i < 3; i++) {
            size_t c;
            if (bolt_decode(&dec, copy + used, len - used, &out[n].f[i], &c) < 0) goto done;
            used += c;
        }
        CU_ASSERT_EQUAL(used, len);
        n++;
    }
done:
    bolt_dechunker_free(&dc);
    return n;
}

static int str_is(const bolt_value *v, const char *s)
{
    return v && bolt_value_str_eq(v, s);
}

/* Handshake reply for major.minor, then the auth exchange until READY. `sent` collects the
 * client bytes from the start. */
static void connect_to(bolt_session *s, unsigned major, unsigned minor, bolt_buf *sent)
{
    char evs[512] = "";
    take_output(s, sent);
    uint8_t reply[4] = {0, 0, (uint8_t)minor, (uint8_t)major};
    CU_ASSERT_EQUAL(feed(s, reply, 4, 0, evs, sizeof evs), 0);
    CU_ASSERT_STRING_EQUAL(evs, "CONNECTED");
    take_output(s, sent);
    bolt_buf st;
    bolt_buf_init(&st);
    srv_hello(&st, "Neo4j/9.9.9", "bolt-7");
    if (major > 5 || (major == 5 && minor >= 1)) srv_success0(&st);
    evs[0] = '\0';
    CU_ASSERT_EQUAL(feed(s, st.data, st.len, 0, evs, sizeof evs), 0);
    CU_ASSERT_STRING_EQUAL(evs, (major > 5 || (major == 5 && minor >= 1))
                                    ? "SUCCESS(HELLO) READY(LOGON)"
                                    : "READY(HELLO)");
    CU_ASSERT_EQUAL(bolt_session_state(s), BOLT_S_READY);
    bolt_buf_free(&st);
}

static bolt_session *connected(unsigned major, unsigned minor, bolt_buf *sent)
{
    bolt_session_config cfg = basic_cfg();
    /* The default offer starts at Bolt 3; older versions must be asked for. */
    const uint32_t old[4] = {2, 1, 0, 0};
    if (major < 3) cfg.proposals = old;
    int err = 1;
    bolt_session *s = bolt_session_new(&cfg, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_EQUAL(err, 0);
    connect_to(s, major, minor, sent);
    return s;
}

/* ---- tests: handshake and authentication --------------------------------------------------- */

static void test_handshake_hello_and_config_copy(void)
{
    char ua[] = "agent/1.0", user[] = "neo4j", pass[] = PW, addr[] = "db1:7687";
    bolt_value kv[2] = {bolt_string("address"), bolt_string(addr)};
    bolt_value routing = bolt_map(kv, 1);
    bolt_session_config cfg = basic_cfg();
    cfg.user_agent = ua;
    cfg.auth.principal = user;
    cfg.auth.credentials = pass;
    cfg.routing = &routing;
    bolt_session *s = bolt_session_new(&cfg, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    /* Everything was copied: scribbling over the caller's memory changes nothing. */
    memset(ua, 'X', sizeof ua - 1);
    memset(user, 'X', sizeof user - 1);
    memset(pass, 'X', sizeof pass - 1);
    memset(addr, 'X', sizeof addr - 1);
    kv[0] = bolt_int(1);

    CU_ASSERT_EQUAL(bolt_session_state(s), BOLT_S_NEGOTIATION);
    CU_ASSERT_EQUAL(bolt_session_version(s, NULL, NULL), BOLT_E_STATE);
    CU_ASSERT_PTR_NULL(bolt_session_dialect(s));
    CU_ASSERT_EQUAL(bolt_session_run(s, "RETURN 1", NULL, NULL), BOLT_E_STATE);

    bolt_buf sent;
    bolt_buf_init(&sent);
    take_output(s, &sent);
    uint8_t want[20];
    CU_ASSERT_EQUAL(hex_decode("6060B017 00080805 00020404 00000004 00000003", want, 20), 20);
    CU_ASSERT_EQUAL_FATAL(sent.len, 20);
    CU_ASSERT_EQUAL(memcmp(sent.data, want, 20), 0);
    CU_ASSERT_EQUAL(output_len(s), 0);

    /* The 4-byte reply split over two reads. */
    char evs[256] = "";
    const uint8_t reply[4] = {0, 0, 4, 4};
    CU_ASSERT_EQUAL(feed(s, reply, 2, 0, evs, sizeof evs), 0);
    CU_ASSERT_STRING_EQUAL(evs, "");
    CU_ASSERT_EQUAL(output_len(s), 0);
    CU_ASSERT_EQUAL(feed(s, reply + 2, 2, 0, evs, sizeof evs), 0);
    CU_ASSERT_STRING_EQUAL(evs, "CONNECTED");
    unsigned ma = 0, mi = 0;
    CU_ASSERT_EQUAL(bolt_session_version(s, &ma, &mi), 0);
    CU_ASSERT_EQUAL(ma, 4);
    CU_ASSERT_EQUAL(mi, 4);
    CU_ASSERT_EQUAL(bolt_session_used_manifest(s), 0);
    CU_ASSERT_EQUAL(bolt_session_pending_requests(s), 1);

    take_output(s, &sent);
    bolt_arena a;
    bolt_arena_init(&a, 0, 0);
    cmsg m[4];
    CU_ASSERT_EQUAL_FATAL(client_msgs(&sent, 20, 4, 4, &a, m, 4), 1);
    CU_ASSERT_EQUAL(m[0].sig, BOLT_MSG_HELLO);
    CU_ASSERT_EQUAL(m[0].nfields, 1);
    const bolt_value *extra = &m[0].f[0];
    CU_ASSERT(str_is(bolt_map_get(extra, "user_agent"), "agent/1.0"));
    CU_ASSERT(str_is(bolt_map_get(extra, "scheme"), "basic"));
    CU_ASSERT(str_is(bolt_map_get(extra, "principal"), "neo4j"));
    CU_ASSERT(str_is(bolt_map_get(extra, "credentials"), PW));
    CU_ASSERT(str_is(bolt_map_get(bolt_map_get(extra, "routing"), "address"), "db1:7687"));

    /* HELLO SUCCESS with hints: READY, and what the server said is kept. */
    bolt_buf st;
    bolt_buf_init(&st);
    msg_begin(BOLT_MSG_SUCCESS, 1);
    bolt_pack_map_header(&g_m, 3);
    bolt_pack_cstr(&g_m, "server");
    bolt_pack_cstr(&g_m, "Neo4j/4.4.0");
    bolt_pack_cstr(&g_m, "connection_id");
    bolt_pack_cstr(&g_m, "bolt-61");
    bolt_pack_cstr(&g_m, "hints");
    bolt_pack_map_header(&g_m, 1);
    bolt_pack_cstr(&g_m, "connection.recv_timeout_seconds");
    bolt_pack_int(&g_m, 120);
    msg_end(&st);
    evs[0] = '\0';
    CU_ASSERT_EQUAL(feed(s, st.data, st.len, 0, evs, sizeof evs), 0);
    CU_ASSERT_STRING_EQUAL(evs, "READY(HELLO)");
    CU_ASSERT_STRING_EQUAL(bolt_session_server_agent(s), "Neo4j/4.4.0");
    CU_ASSERT_STRING_EQUAL(bolt_session_connection_id(s), "bolt-61");
    CU_ASSERT_EQUAL(bolt_session_recv_timeout_hint(s), 120);
    CU_ASSERT_EQUAL(bolt_session_state(s), BOLT_S_READY);
    CU_ASSERT_EQUAL(bolt_session_pending_requests(s), 0);
    CU_ASSERT_EQUAL(bolt_session_failure(s, NULL, NULL, NULL), 0);

    bolt_arena_free(&a);
    bolt_buf_free(&st);
    bolt_buf_free(&sent);
    bolt_session_free(s);
}

static void test_config_errors(void)
{
    int err = 0;
    CU_ASSERT_PTR_NULL(bolt_session_new(NULL, &err));
    CU_ASSERT_EQUAL(err, BOLT_E_INVAL);
    bolt_session_config cfg = basic_cfg();
    bolt_value notmap = bolt_int(3);
    cfg.routing = &notmap;
    err = 0;
    CU_ASSERT_PTR_NULL(bolt_session_new(&cfg, &err));
    CU_ASSERT_EQUAL(err, BOLT_E_INVAL);
    cfg = basic_cfg();
    cfg.auth.scheme = (bolt_auth_scheme)42;
    err = 0;
    CU_ASSERT_PTR_NULL(bolt_session_new(&cfg, &err));
    CU_ASSERT_EQUAL(err, BOLT_E_INVAL);
}

static void test_handshake_errors(void)
{
    static const struct {
        const char *reply;
        int err;
    } cases[] = {{"00000000", BOLT_E_HS_NO_VERSION},
                 {"48545450", BOLT_E_HS_HTTP},
                 {"00000104", BOLT_E_HS_NOT_OFFERED}}; /* 4.1 was not offered */
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bolt_session_config cfg = basic_cfg();
        bolt_session *s = bolt_session_new(&cfg, NULL);
        CU_ASSERT_PTR_NOT_NULL_FATAL(s);
        take_output(s, NULL);
        uint8_t r[4];
        hex_decode(cases[i].reply, r, 4);
        char evs[128] = "", want[128];
        CU_ASSERT_EQUAL(feed(s, r, 4, 0, evs, sizeof evs), cases[i].err);
        snprintf(want, sizeof want, "ERROR(NONE):%s", bolt_errname(cases[i].err));
        CU_ASSERT_STRING_EQUAL(evs, want);
        CU_ASSERT_EQUAL(bolt_session_state(s), BOLT_S_DEFUNCT);
        CU_ASSERT_EQUAL(bolt_session_run(s, "RETURN 1", NULL, NULL), cases[i].err);
        CU_ASSERT_EQUAL(bolt_session_input(s, r, 4), cases[i].err);
        bolt_session_free(s);
    }
}

static void test_bolt51_hello_logon_pipelined(void)
{
    bolt_session_config cfg = basic_cfg();
    cfg.notifications_off = 1;
    bolt_session *s = bolt_session_new(&cfg, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    bolt_buf sent;
    bolt_buf_init(&sent);
    take_output(s, &sent);
    char evs[256] = "";
    const uint8_t reply[4] = {0, 0, 4, 5}; /* 5.4 */
    CU_ASSERT_EQUAL(feed(s, reply, 4, 0, evs, sizeof evs), 0);
    CU_ASSERT_STRING_EQUAL(evs, "CONNECTED");
    CU_ASSERT_EQUAL(bolt_session_pending_requests(s), 2);
    /* HELLO and LOGON in one output, before any answer. */
    take_output(s, &sent);
    bolt_arena a;
    bolt_arena_init(&a, 0, 0);
    cmsg m[4];
    CU_ASSERT_EQUAL_FATAL(client_msgs(&sent, 20, 5, 4, &a, m, 4), 2);
    CU_ASSERT_EQUAL(m[0].sig, BOLT_MSG_HELLO);
    CU_ASSERT_PTR_NULL(bolt_map_get(&m[0].f[0], "credentials"));
    CU_ASSERT_PTR_NULL(bolt_map_get(&m[0].f[0], "principal"));
    CU_ASSERT(str_is(bolt_map_get(&m[0].f[0], "user_agent"), "test/1.0"));
    CU_ASSERT_PTR_NOT_NULL(bolt_map_get(&m[0].f[0], "bolt_agent"));
    CU_ASSERT(str_is(bolt_map_get(&m[0].f[0], "notifications_minimum_severity"), "OFF"));
    CU_ASSERT_EQUAL(m[1].sig, BOLT_MSG_LOGON);
    CU_ASSERT(str_is(bolt_map_get(&m[1].f[0], "scheme"), "basic"));
    CU_ASSERT(str_is(bolt_map_get(&m[1].f[0], "principal"), "neo4j"));
    CU_ASSERT(str_is(bolt_map_get(&m[1].f[0], "credentials"), PW));

    /* A request pipelined behind LOGON is allowed (predicted READY). */
    int64_t run = bolt_session_run(s, "RETURN 1 AS n", NULL, NULL);
    CU_ASSERT(run >= 0);

    bolt_buf st;
    bolt_buf_init(&st);
    srv_hello(&st, "Neo4j/5.20.0", "bolt-3");
    srv_success0(&st);
    srv_fields(&st, "n");
    evs[0] = '\0';
    CU_ASSERT_EQUAL(feed(s, st.data, st.len, 1, evs, sizeof evs), 0);
    CU_ASSERT_STRING_EQUAL(evs, "SUCCESS(HELLO) READY(LOGON) SUCCESS(RUN)");
    CU_ASSERT_EQUAL(bolt_session_state(s), BOLT_S_STREAMING);

    /* LOGOFF / LOGON re-authentication. */
    bolt_buf_reset(&st);
    CU_ASSERT(bolt_session_pull(s, -1) >= 0);
    CU_ASSERT_EQUAL(bolt_session_logon(s, &cfg.auth), BOLT_E_STATE); /* already READY */
    CU_ASSERT(bolt_session_logoff(s) >= 0);
    CU_ASSERT_EQUAL(bolt_session_state(s), BOLT_S_AUTHENTICATION);
    CU_ASSERT_EQUAL(bolt_session_run(s, "RETURN 1", NULL, NULL), BOLT_E_STATE);
    bolt_auth other = {BOLT_AUTH_BEARER, NULL, "token-xyz", NULL};
    CU_ASSERT(bolt_session_logon(s, &other) >= 0);
    CU_ASSERT_EQUAL(bolt_session_state(s), BOLT_S_READY);
    srv_pull_done(&st, -1);
    srv_success0(&st);
    srv_success0(&st);
    evs[0] = '\0';
    CU_ASSERT_EQUAL(feed(s, st.data, st.len, 0, evs, sizeof evs), 0);
    CU_ASSERT_STRING_EQUAL(evs, "SUCCESS(PULL) SUCCESS(LOGOFF) READY(LOGON)");

    bolt_arena_free(&a);
    bolt_buf_free(&st);
    bolt_buf_free(&sent);
    bolt_session_free(s);
}

static void test_logon_failure_is_fatal(void)
{
    bolt_session_config cfg = basic_cfg();
    bolt_session *s = bolt_session_new(&cfg, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    take_output(s, NULL);
    char evs[256] = "";
    const uint8_t reply[4] = {0, 0, 1, 5}; /* 5.1 */
    CU_ASSERT_EQUAL(feed(s, reply, 4, 0, evs, sizeof evs), 0);
    CU_ASSERT(bolt_session_run(s, "RETURN 1", NULL, NULL) >= 0);
    bolt_buf st;
    bolt_buf_init(&st);
    srv_hello(&st, "Neo4j/5.5.0", "bolt-1");
    srv_failure(&st, "Neo.ClientError.Security.Unauthorized", "bad credentials");
    evs[0] = '\0';
    CU_ASSERT_EQUAL(feed(s, st.data, st.len, 0, evs, sizeof evs), BOLT_E_AUTH);
    CU_ASSERT_STRING_EQUAL(evs, "SUCCESS(HELLO) FAILURE(LOGON)");
    const char *code, *msg, *gql;
    CU_ASSERT_EQUAL(bolt_session_failure(s, &code, &msg, &gql), 1);
    CU_ASSERT_STRING_EQUAL(code, "Neo.ClientError.Security.Unauthorized");
    CU_ASSERT_STRING_EQUAL(msg, "bad credentials");
    CU_ASSERT_STRING_EQUAL(gql, "");
    CU_ASSERT_EQUAL(bolt_session_state(s), BOLT_S_DEFUNCT);
    CU_ASSERT_EQUAL(bolt_session_pending_requests(s), 0);
    bolt_event ev;
    CU_ASSERT_EQUAL(bolt_session_next_event(s, &ev), BOLT_E_AUTH);
    CU_ASSERT_EQUAL(bolt_session_reset(s), BOLT_E_AUTH);
    /* The server closes next: nothing more to report. */
    bolt_session_input_eof(s);
    CU_ASSERT_EQUAL(bolt_session_next_event(s, &ev), BOLT_E_AUTH);
    bolt_buf_free(&st);
    bolt_session_free(s);
}

static void test_manifest_to_6_0(void)
{
    const uint32_t props[4] = {BOLT_MANIFEST_V1, BOLT_PROPOSAL(6, 0, 0), BOLT_PROPOSAL(5, 8, 8),
                               BOLT_PROPOSAL(4, 4, 2)};
    bolt_session_config cfg = basic_cfg();
    cfg.proposals = props;
    bolt_session *s = bolt_session_new(&cfg, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    bolt_buf sent;
    bolt_buf_init(&sent);
    take_output(s, &sent);
    uint8_t want[64];
    CU_ASSERT_EQUAL(hex_decode("6060B017 000001FF 00000006 00080805 00020404", want, 64), 20);
    CU_ASSERT_EQUAL(memcmp(sent.data, want, 20), 0);
    /* Manifest: 3 entries 4.0-4.4, 5.0-5.8 (range 8), 6.0; capabilities 0. */
    uint8_t srv[64];
    long n = hex_decode("000001FF 03 00040404 00080805 00000006 00", srv, sizeof srv);
    char evs[256] = "";
    CU_ASSERT_EQUAL(feed(s, srv, (size_t)n, 1, evs, sizeof evs), 0);
    CU_ASSERT_STRING_EQUAL(evs, "CONNECTED");
    unsigned ma = 0, mi = 9;
    CU_ASSERT_EQUAL(bolt_session_version(s, &ma, &mi), 0);
    CU_ASSERT_EQUAL(ma, 6);
    CU_ASSERT_EQUAL(mi, 0);
    CU_ASSERT_EQUAL(bolt_session_used_manifest(s), 1);
    CU_ASSERT_EQUAL(bolt_session_dialect(s)->vectors, 1);
    /* The selection (6.0, no capabilities) precedes HELLO + LOGON in the same output. */
    size_t before = sent.len;
    take_output(s, &sent);
    CU_ASSERT_FATAL(sent.len > before + 5);
    CU_ASSERT_EQUAL(hex_decode("00000006 00", want, 64), 5);
    CU_ASSERT_EQUAL(memcmp(sent.data + before, want, 5), 0);
    bolt_arena a;
    bolt_arena_init(&a, 0, 0);
    cmsg m[4];
    CU_ASSERT_EQUAL(client_msgs(&sent, before + 5, 6, 0, &a, m, 4), 2);
    CU_ASSERT_EQUAL(m[0].sig, BOLT_MSG_HELLO);
    CU_ASSERT_EQUAL(m[1].sig, BOLT_MSG_LOGON);
    bolt_arena_free(&a);
    bolt_buf_free(&sent);
    bolt_session_free(s);
}

/* ---- tests: streams ----------------------------------------------------------------------- */

static void test_pull_n_has_more(void)
{
    bolt_buf sent;
    bolt_buf_init(&sent);
    bolt_session *s = connected(4, 4, &sent);
    size_t mark = sent.len;
    int64_t run = bolt_session_run(s, "UNWIND range(1, 3) AS i RETURN i", NULL, NULL);
    int64_t pull = bolt_session_pull(s, 2);
    CU_ASSERT(run >= 0);
    CU_ASSERT_EQUAL(pull, run + 1);
    /* The outcome of PULL 2 decides the state: nothing but RESET until it is known. */
    CU_ASSERT_EQUAL(bolt_session_state(s), BOLT_S_STREAMING);
    size_t out = output_len(s);
    CU_ASSERT_EQUAL(bolt_session_pull(s, 2), BOLT_E_STATE);
    CU_ASSERT_EQUAL(bolt_session_run(s, "RETURN 1", NULL, NULL), BOLT_E_STATE);
    CU_ASSERT_EQUAL(bolt_session_discard(s, -1), BOLT_E_STATE);
    CU_ASSERT_EQUAL(output_len(s), out);
    take_output(s, &sent);
    /* PULL {n: 2}: 00 06 B1 3F A1 81 6E 02 00 00, right after the RUN. */
    uint8_t want[16];
    CU_ASSERT_EQUAL(hex_decode("0006 B13F A1816E02 0000", want, 16), 10);
    CU_ASSERT_EQUAL_FATAL(sent.len > mark + 10, 1);
    CU_ASSERT_EQUAL(memcmp(sent.data + sent.len - 10, want, 10), 0);

    bolt_buf st;
    bolt_buf_init(&st);
    srv_fields(&st, "i");
    srv_record(&st, 1);
    srv_record(&st, 2);
    srv_pull_done(&st, 1);
    char evs[512] = "";
    CU_ASSERT_EQUAL(feed(s, st.data, st.len, 1, evs, sizeof evs), 0);
    CU_ASSERT_STRING_EQUAL(evs,
                           "SUCCESS(RUN) RECORD(PULL)=[1] RECORD(PULL)=[2] SUCCESS(PULL)+more");
    CU_ASSERT_EQUAL(bolt_session_state(s), BOLT_S_STREAMING);
    CU_ASSERT_EQUAL(bolt_session_run(s, "RETURN 1", NULL, NULL), BOLT_E_STATE);
    CU_ASSERT(bolt_session_pull(s, 2) >= 0);
    bolt_buf_reset(&st);
    srv_record(&st, 3);
    srv_pull_done(&st, 0);
    evs[0] = '\0';
    CU_ASSERT_EQUAL(feed(s, st.data, st.len, 0, evs, sizeof evs), 0);
    CU_ASSERT_STRING_EQUAL(evs, "RECORD(PULL)=[3] SUCCESS(PULL)");
    CU_ASSERT_EQUAL(bolt_session_state(s), BOLT_S_READY);
    CU_ASSERT(bolt_session_run(s, "RETURN 1", NULL, NULL) >= 0);
    CU_ASSERT_EQUAL(bolt_session_pull(s, 0), BOLT_E_INVAL);
    CU_ASSERT_EQUAL(bolt_session_pull(s, -5), BOLT_E_INVAL);
    bolt_buf_free(&st);
    bolt_buf_free(&sent);
    bolt_session_free(s);
}

static void test_bolt3_pull_is_pull_all(void)
{
    bolt_buf sent;
    bolt_buf_init(&sent);
    bolt_session *s = connected(3, 0, &sent);
    CU_ASSERT(bolt_session_run(s, "RETURN 1", NULL, NULL) >= 0);
    take_output(s, &sent);
    size_t mark = sent.len;
    /* n is meaningless before 4.0: PULL_ALL, and the state is certain (READY). */
    CU_ASSERT(bolt_session_pull(s, 1000) >= 0);
    CU_ASSERT_EQUAL(bolt_session_state(s), BOLT_S_READY);
    take_output(s, &sent);
    uint8_t want[6];
    CU_ASSERT_EQUAL(hex_decode("0002 B03F 0000", want, 6), 6);
    CU_ASSERT_EQUAL_FATAL(sent.len, mark + 6);
    CU_ASSERT_EQUAL(memcmp(sent.data + mark, want, 6), 0);
    bolt_buf_free(&sent);
    bolt_session_free(s);
}

static void test_explicit_tx_extra(void)
{
    bolt_buf sent;
    bolt_buf_init(&sent);
    bolt_session *s = connected(4, 4, &sent);
    size_t mark = sent.len;
    bolt_tx_opts o = BOLT_TX_OPTS_INIT;
    o.db = "neo4j";
    o.mode = "r";
    CU_ASSERT(bolt_session_begin(s, &o) >= 0);
    CU_ASSERT_EQUAL(bolt_session_state(s), BOLT_S_TX_READY);
    CU_ASSERT_EQUAL(bolt_session_begin(s, &o), BOLT_E_STATE);
    CU_ASSERT(bolt_session_run(s, "RETURN 1 AS n", NULL, &o) >= 0); /* opts ignored in a tx */
    CU_ASSERT_EQUAL(bolt_session_state(s), BOLT_S_TX_STREAMING);
    CU_ASSERT_EQUAL(bolt_session_commit(s), BOLT_E_STATE); /* stream still open */
    CU_ASSERT(bolt_session_pull(s, -1) >= 0);
    CU_ASSERT_EQUAL(bolt_session_state(s), BOLT_S_TX_READY);
    CU_ASSERT(bolt_session_commit(s) >= 0);
    CU_ASSERT_EQUAL(bolt_session_state(s), BOLT_S_READY);
    CU_ASSERT(bolt_session_run(s, "RETURN 2 AS n", NULL, &o) >= 0);
    take_output(s, &sent);
    bolt_arena a;
    bolt_arena_init(&a, 0, 0);
    cmsg m[8];
    CU_ASSERT_EQUAL_FATAL(client_msgs(&sent, mark, 4, 4, &a, m, 8), 5);
    CU_ASSERT_EQUAL(m[0].sig, BOLT_MSG_BEGIN);
    CU_ASSERT(str_is(bolt_map_get(&m[0].f[0], "db"), "neo4j"));
    CU_ASSERT(str_is(bolt_map_get(&m[0].f[0], "mode"), "r"));
    CU_ASSERT_EQUAL(m[1].sig, BOLT_MSG_RUN);
    CU_ASSERT_EQUAL(m[1].nfields, 3);
    CU_ASSERT_EQUAL(m[1].f[2].type, BOLT_T_MAP);
    CU_ASSERT_EQUAL(m[1].f[2].len, 0); /* extra {} inside the transaction */
    CU_ASSERT_EQUAL(m[2].sig, BOLT_MSG_PULL);
    CU_ASSERT_EQUAL(m[3].sig, BOLT_MSG_COMMIT);
    CU_ASSERT_EQUAL(m[4].sig, BOLT_MSG_RUN); /* auto-commit again: extra carries db + mode */
    CU_ASSERT(str_is(bolt_map_get(&m[4].f[2], "db"), "neo4j"));
    CU_ASSERT(str_is(bolt_map_get(&m[4].f[2], "mode"), "r"));

    bolt_buf st;
    bolt_buf_init(&st);
    srv_success0(&st);
    srv_fields(&st, "n");
    srv_record(&st, 1);
    srv_pull_done(&st, -1);
    msg_begin(BOLT_MSG_SUCCESS, 1);
    bolt_pack_map_header(&g_m, 1);
    bolt_pack_cstr(&g_m, "bookmark");
    bolt_pack_cstr(&g_m, "bm:1");
    msg_end(&st);
    srv_fields(&st, "n");
    char evs[512] = "";
    CU_ASSERT_EQUAL(feed(s, st.data, st.len, 0, evs, sizeof evs), 0);
    CU_ASSERT_STRING_EQUAL(evs, "SUCCESS(BEGIN) SUCCESS(RUN) RECORD(PULL)=[1] SUCCESS(PULL) "
                                "SUCCESS(COMMIT) SUCCESS(RUN)");
    bolt_arena_free(&a);
    bolt_buf_free(&st);
    bolt_buf_free(&sent);
    bolt_session_free(s);
}

/* A DateTime struct value with the given tag (F/f legacy, I/i utc). */
static bolt_value datetime_value(uint8_t tag, bolt_value *fields)
{
    fields[0] = bolt_int(1600000000);
    fields[1] = bolt_int(0);
    fields[2] = bolt_int(0);
    bolt_value v = bolt_list(fields, 3);
    v.type = BOLT_T_DATETIME;
    v.tag = tag;
    v.flags = (tag == 'F') ? BOLT_VF_LEGACY : 0;
    return v;
}

static void srv_record_datetime(bolt_buf *st, uint8_t tag)
{
    msg_begin(BOLT_MSG_RECORD, 1);
    bolt_pack_list_header(&g_m, 1);
    bolt_pack_struct_header(&g_m, 3, tag);
    bolt_pack_int(&g_m, 1600000000);
    bolt_pack_int(&g_m, 0);
    bolt_pack_int(&g_m, 0);
    msg_end(st);
}

/* 4.4 with the utc patch requested; echo decides whether DateTime is I (utc) or F (legacy). */
static void utc_case(int echo, uint8_t record_tag, const char *want_events, int want_rc)
{
    bolt_session_config cfg = basic_cfg();
    cfg.utc_patch = 1;
    bolt_session *s = bolt_session_new(&cfg, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    bolt_buf sent;
    bolt_buf_init(&sent);
    take_output(s, &sent);
    char evs[512] = "";
    const uint8_t reply[4] = {0, 0, 4, 4};
    CU_ASSERT_EQUAL(feed(s, reply, 4, 0, evs, sizeof evs), 0);
    take_output(s, &sent);
    bolt_arena a;
    bolt_arena_init(&a, 0, 0);
    cmsg m[2];
    CU_ASSERT_EQUAL_FATAL(client_msgs(&sent, 20, 4, 4, &a, m, 2), 1);
    const bolt_value *patch = bolt_map_get(&m[0].f[0], "patch_bolt");
    CU_ASSERT_FATAL(patch && patch->type == BOLT_T_LIST && patch->len == 1);
    CU_ASSERT(str_is(&patch->u.items[0], "utc"));

    /* Until HELLO is answered, the DateTime encoding of parameters is unknown. */
    bolt_value f[3];
    bolt_value dt_i = datetime_value('I', f);
    bolt_value kv[2] = {bolt_string("t"), dt_i};
    bolt_value params = bolt_map(kv, 1);
    CU_ASSERT_EQUAL(bolt_session_run(s, "RETURN $t", &params, NULL), BOLT_E_STATE);

    bolt_buf st;
    bolt_buf_init(&st);
    msg_begin(BOLT_MSG_SUCCESS, 1);
    bolt_pack_map_header(&g_m, echo ? 2 : 1);
    bolt_pack_cstr(&g_m, "server");
    bolt_pack_cstr(&g_m, "Neo4j/4.4.0");
    if (echo) {
        bolt_pack_cstr(&g_m, "patch_bolt");
        bolt_pack_list_header(&g_m, 1);
        bolt_pack_cstr(&g_m, "utc");
    }
    msg_end(&st);
    CU_ASSERT_EQUAL(feed(s, st.data, st.len, 0, evs, sizeof evs), 0);
    CU_ASSERT_EQUAL(bolt_session_dialect(s)->utc_datetime, echo ? 1 : 0);

    /* Parameters must follow the agreed encoding too (the patch applies both ways). */
    bolt_value fl[3];
    bolt_value dt_f = datetime_value('F', fl);
    kv[1] = echo ? dt_f : dt_i;
    CU_ASSERT_EQUAL(bolt_session_run(s, "RETURN $t", &params, NULL), BOLT_E_BAD_STRUCT);
    kv[1] = echo ? dt_i : dt_f;
    CU_ASSERT(bolt_session_run(s, "RETURN $t", &params, NULL) >= 0);
    CU_ASSERT(bolt_session_pull(s, -1) >= 0);

    bolt_buf_reset(&st);
    srv_fields(&st, "t");
    srv_record_datetime(&st, record_tag);
    evs[0] = '\0';
    CU_ASSERT_EQUAL(feed(s, st.data, st.len, 0, evs, sizeof evs), want_rc);
    CU_ASSERT_STRING_EQUAL(evs, want_events);
    bolt_arena_free(&a);
    bolt_buf_free(&st);
    bolt_buf_free(&sent);
    bolt_session_free(s);
}

static void test_utc_patch(void)
{
    /* Echoed: I is a DateTime; F would be the wrong encoding. */
    utc_case(1, 'I', "SUCCESS(RUN) RECORD(PULL)=[I(1600000000, 0, 0)]", 0);
    utc_case(1, 'F', "SUCCESS(RUN) ERROR(PULL):BOLT_E_BAD_STRUCT", BOLT_E_BAD_STRUCT);
    /* Not echoed (a 4.4 that ignores the key): legacy F only. */
    utc_case(0, 'I', "SUCCESS(RUN) ERROR(PULL):BOLT_E_BAD_STRUCT", BOLT_E_BAD_STRUCT);
    utc_case(0, 'F', "SUCCESS(RUN) RECORD(PULL)=[F(1600000000, 0, 0)]", 0);
}

static void test_route_43_vs_44(void)
{
    bolt_value kv[2] = {bolt_string("address"), bolt_string("h:7687")};
    bolt_value routing = bolt_map(kv, 1);
    static const struct {
        unsigned minor;
        const char *hex;
    } cases[] = {
        /* 4.4: extra {"db": null} (bolt-reference 4.1 worked bytes). */
        {4, "0018 B366 A1 87616464726573 73 86683A37363837 90 A1 826462 C0 0000"},
        /* 4.3: db as a third field, null. */
        {3, "0014 B366 A1 87616464726573 73 86683A37363837 90 C0 0000"},
    };
    for (size_t i = 0; i < 2; i++) {
        bolt_buf sent;
        bolt_buf_init(&sent);
        bolt_session *s = connected(4, cases[i].minor, &sent);
        size_t mark = sent.len;
        CU_ASSERT(bolt_session_route(s, &routing, NULL, 0, NULL) >= 0);
        CU_ASSERT_EQUAL(bolt_session_state(s), BOLT_S_READY);
        take_output(s, &sent);
        uint8_t want[64];
        long n = hex_decode(cases[i].hex, want, sizeof want);
        CU_ASSERT_EQUAL_FATAL(sent.len - mark, (size_t)n);
        CU_ASSERT_EQUAL(memcmp(sent.data + mark, want, (size_t)n), 0);
        bolt_buf st;
        bolt_buf_init(&st);
        srv_success0(&st);
        char evs[128] = "";
        CU_ASSERT_EQUAL(feed(s, st.data, st.len, 0, evs, sizeof evs), 0);
        CU_ASSERT_STRING_EQUAL(evs, "SUCCESS(ROUTE)");
        bolt_buf_free(&st);
        bolt_buf_free(&sent);
        bolt_session_free(s);
    }
    bolt_session *s = connected(4, 2, NULL);
    CU_ASSERT_EQUAL(bolt_session_route(s, &routing, NULL, 0, NULL), BOLT_E_UNSUPPORTED);
    CU_ASSERT_EQUAL(output_len(s), 0);
    bolt_session_free(s);
}

/* ---- tests: failure model ----------------------------------------------------------------- */

static void test_failure_ignored_reset(void)
{
    bolt_session *s = connected(4, 4, NULL);
    /* RUN fails; PULL, RUN, PULL pipelined behind it come back IGNORED; RESET recovers. */
    int64_t r1 = bolt_session_run(s, "RETURN 1 +", NULL, NULL);
    CU_ASSERT(r1 >= 0);
    CU_ASSERT(bolt_session_pull(s, -1) >= 0);
    CU_ASSERT(bolt_session_run(s, "RETURN 2", NULL, NULL) >= 0);
    CU_ASSERT(bolt_session_pull(s, 100) >= 0);
    int64_t rs = bolt_session_reset(s);
    CU_ASSERT_EQUAL(rs, r1 + 4);
    CU_ASSERT_EQUAL(bolt_session_state(s), BOLT_S_INTERRUPTED);
    CU_ASSERT_EQUAL(bolt_session_pending_requests(s), 5);
    bolt_buf st;
    bolt_buf_init(&st);
    srv_failure(&st, "Neo.ClientError.Statement.SyntaxError", "Unexpected end of input");
    srv_ignored(&st);
    srv_ignored(&st);
    srv_ignored(&st);
    srv_success0(&st);
    char evs[512] = "";
    CU_ASSERT_EQUAL(feed(s, st.data, st.len, 1, evs, sizeof evs), 0);
    CU_ASSERT_STRING_EQUAL(evs, "FAILURE(RUN) IGNORED(PULL) IGNORED(RUN) IGNORED(PULL) "
                                "SUCCESS(RESET)");
    CU_ASSERT_EQUAL(bolt_session_state(s), BOLT_S_READY);
    const char *code, *msg;
    CU_ASSERT_EQUAL(bolt_session_failure(s, &code, &msg, NULL), 1);
    CU_ASSERT_STRING_EQUAL(code, "Neo.ClientError.Statement.SyntaxError");
    CU_ASSERT_STRING_EQUAL(msg, "Unexpected end of input");

    /* Without a RESET queued, a FAILURE leaves the session FAILED: BEGIN is refused, RUN is
     * allowed (IGNORED), RESET recovers. */
    CU_ASSERT(bolt_session_run(s, "RETURN 1 +", NULL, NULL) >= 0);
    CU_ASSERT(bolt_session_pull(s, -1) >= 0);
    bolt_buf_reset(&st);
    srv_failure(&st, "Neo.ClientError.Statement.SyntaxError", "again");
    srv_ignored(&st);
    evs[0] = '\0';
    CU_ASSERT_EQUAL(feed(s, st.data, st.len, 0, evs, sizeof evs), 0);
    CU_ASSERT_STRING_EQUAL(evs, "FAILURE(RUN) IGNORED(PULL)");
    CU_ASSERT_EQUAL(bolt_session_state(s), BOLT_S_FAILED);
    size_t out = output_len(s);
    CU_ASSERT_EQUAL(bolt_session_begin(s, NULL), BOLT_E_STATE);
    CU_ASSERT_EQUAL(output_len(s), out);
    CU_ASSERT(bolt_session_run(s, "RETURN 3", NULL, NULL) >= 0);
    CU_ASSERT_EQUAL(bolt_session_state(s), BOLT_S_FAILED);
    CU_ASSERT(bolt_session_reset(s) >= 0);
    CU_ASSERT(bolt_session_begin(s, NULL) >= 0); /* behind the RESET: safe */
    bolt_buf_reset(&st);
    srv_ignored(&st);
    srv_success0(&st);
    srv_success0(&st);
    evs[0] = '\0';
    CU_ASSERT_EQUAL(feed(s, st.data, st.len, 0, evs, sizeof evs), 0);
    CU_ASSERT_STRING_EQUAL(evs, "IGNORED(RUN) SUCCESS(RESET) SUCCESS(BEGIN)");
    CU_ASSERT_EQUAL(bolt_session_state(s), BOLT_S_TX_READY);
    bolt_buf_free(&st);
    bolt_session_free(s);
}

static void test_failure_mid_stream(void)
{
    bolt_session *s = connected(4, 4, NULL);
    CU_ASSERT(bolt_session_run(s, "UNWIND [1, 0] AS x RETURN 10 / x", NULL, NULL) >= 0);
    CU_ASSERT(bolt_session_pull(s, -1) >= 0);
    bolt_buf st;
    bolt_buf_init(&st);
    srv_fields(&st, "q");
    srv_record(&st, 10);
    srv_failure(&st, "Neo.ClientError.Statement.ArithmeticError", "/ by zero");
    char evs[512] = "";
    CU_ASSERT_EQUAL(feed(s, st.data, st.len, 0, evs, sizeof evs), 0);
    /* Never a success for the PULL: the failure is reported for it. */
    CU_ASSERT_STRING_EQUAL(evs, "SUCCESS(RUN) RECORD(PULL)=[10] FAILURE(PULL)");
    CU_ASSERT_EQUAL(bolt_session_state(s), BOLT_S_FAILED);
    bolt_buf_free(&st);
    bolt_session_free(s);
}

static void test_bolt57_failure_fields(void)
{
    bolt_session *s = connected(5, 7, NULL);
    CU_ASSERT(bolt_session_run(s, "RETURN 1 +", NULL, NULL) >= 0);
    bolt_buf st;
    bolt_buf_init(&st);
    msg_begin(BOLT_MSG_FAILURE, 1);
    bolt_pack_map_header(&g_m, 5);
    bolt_pack_cstr(&g_m, "neo4j_code");
    bolt_pack_cstr(&g_m, "Neo.ClientError.Statement.SyntaxError");
    bolt_pack_cstr(&g_m, "message");
    bolt_pack_cstr(&g_m, "Invalid input");
    bolt_pack_cstr(&g_m, "gql_status");
    bolt_pack_cstr(&g_m, "42001");
    bolt_pack_cstr(&g_m, "description");
    bolt_pack_cstr(&g_m, "error: syntax error or access rule violation");
    bolt_pack_cstr(&g_m, "cause");
    bolt_pack_map_header(&g_m, 2);
    bolt_pack_cstr(&g_m, "gql_status");
    bolt_pack_cstr(&g_m, "42I06");
    bolt_pack_cstr(&g_m, "message");
    bolt_pack_cstr(&g_m, "Invalid input '+'");
    msg_end(&st);
    bolt_event ev;
    CU_ASSERT_EQUAL(bolt_session_input(s, st.data, st.len), 0);
    CU_ASSERT_EQUAL_FATAL(bolt_session_next_event(s, &ev), 1);
    CU_ASSERT_EQUAL(ev.type, BOLT_EV_FAILURE);
    CU_ASSERT_EQUAL(ev.request, BOLT_REQ_RUN);
    const char *code, *msg, *gql;
    CU_ASSERT_EQUAL(bolt_session_failure(s, &code, &msg, &gql), 1);
    CU_ASSERT_STRING_EQUAL(code, "Neo.ClientError.Statement.SyntaxError");
    CU_ASSERT_STRING_EQUAL(msg, "Invalid input");
    CU_ASSERT_STRING_EQUAL(gql, "42001");
    /* The nested cause is in the event's metadata. */
    const bolt_value *cause = bolt_map_get(ev.meta, "cause");
    CU_ASSERT(str_is(bolt_map_get(cause, "gql_status"), "42I06"));
    CU_ASSERT_EQUAL(bolt_session_next_event(s, &ev), 0);
    bolt_buf_free(&st);
    bolt_session_free(s);
}

static void test_reset_failure_is_fatal(void)
{
    bolt_session *s = connected(4, 4, NULL);
    CU_ASSERT(bolt_session_reset(s) >= 0);
    bolt_buf st;
    bolt_buf_init(&st);
    srv_failure(&st, "Neo.DatabaseError.General.UnknownError", "boom");
    char evs[128] = "";
    CU_ASSERT_EQUAL(feed(s, st.data, st.len, 0, evs, sizeof evs), BOLT_E_SERVER_FAILURE);
    CU_ASSERT_STRING_EQUAL(evs, "FAILURE(RESET)");
    CU_ASSERT_EQUAL(bolt_session_state(s), BOLT_S_DEFUNCT);
    CU_ASSERT_EQUAL(bolt_session_run(s, "RETURN 1", NULL, NULL), BOLT_E_SERVER_FAILURE);
    bolt_buf_free(&st);
    bolt_session_free(s);
}

/* ---- tests: refusals ---------------------------------------------------------------------- */

static void test_state_refusals(void)
{
    bolt_auth auth = {BOLT_AUTH_BASIC, "u", "p", NULL};
    bolt_session *s = connected(4, 4, NULL);
    size_t out = output_len(s);
    CU_ASSERT_EQUAL(bolt_session_commit(s), BOLT_E_STATE); /* capture 14 */
    CU_ASSERT_EQUAL(bolt_session_rollback(s), BOLT_E_STATE);
    CU_ASSERT_EQUAL(bolt_session_pull(s, -1), BOLT_E_STATE); /* nothing to pull */
    CU_ASSERT_EQUAL(bolt_session_discard(s, -1), BOLT_E_STATE);
    CU_ASSERT_EQUAL(bolt_session_logon(s, &auth), BOLT_E_UNSUPPORTED); /* 4.4: HELLO twice */
    CU_ASSERT_EQUAL(bolt_session_logoff(s), BOLT_E_UNSUPPORTED);
    CU_ASSERT_EQUAL(bolt_session_run(s, NULL, NULL, NULL), BOLT_E_INVAL);
    bolt_value notmap = bolt_int(1);
    CU_ASSERT_EQUAL(bolt_session_run(s, "RETURN 1", &notmap, NULL), BOLT_E_INVAL);
    CU_ASSERT_EQUAL(output_len(s), out);
    CU_ASSERT(bolt_session_run(s, "UNWIND range(1, 3) AS i RETURN i", NULL, NULL) >= 0);
    out = output_len(s);
    CU_ASSERT_EQUAL(bolt_session_run(s, "RETURN 2", NULL, NULL), BOLT_E_STATE); /* capture 16 */
    CU_ASSERT_EQUAL(bolt_session_begin(s, NULL), BOLT_E_STATE);
    CU_ASSERT_EQUAL(bolt_session_route(s, NULL, NULL, 0, NULL), BOLT_E_STATE);
    CU_ASSERT_EQUAL(output_len(s), out);
    CU_ASSERT_EQUAL(bolt_session_pending_requests(s), 1);
    CU_ASSERT_STRING_EQUAL(bolt_state_name(bolt_session_state(s)), "STREAMING");
    CU_ASSERT_STRING_EQUAL(bolt_state_name(BOLT_S_TX_STREAMING), "TX_STREAMING");
    bolt_session_free(s);

    /* Bolt 1 has no transactions or GOODBYE message. */
    s = connected(1, 0, NULL);
    CU_ASSERT_EQUAL(bolt_session_begin(s, NULL), BOLT_E_UNSUPPORTED);
    CU_ASSERT_EQUAL(bolt_session_commit(s), BOLT_E_UNSUPPORTED);
    bolt_session_free(s);
}

static void test_bolt3_begin_behind_fallible(void)
{
    bolt_session *s = connected(3, 0, NULL);
    CU_ASSERT(bolt_session_run(s, "RETURN 1 +", NULL, NULL) >= 0);
    CU_ASSERT(bolt_session_pull(s, -1) >= 0);
    /* READY is predicted, but if the RUN fails a 3.5 server closes on BEGIN (capture 57). */
    CU_ASSERT_EQUAL(bolt_session_state(s), BOLT_S_READY);
    CU_ASSERT_EQUAL(bolt_session_begin(s, NULL), BOLT_E_STATE);
    bolt_buf st;
    bolt_buf_init(&st);
    srv_fields(&st, "x");
    srv_pull_done(&st, -1);
    char evs[128] = "";
    CU_ASSERT_EQUAL(feed(s, st.data, st.len, 0, evs, sizeof evs), 0);
    CU_ASSERT(bolt_session_begin(s, NULL) >= 0);
    bolt_buf_free(&st);
    bolt_session_free(s);

    /* Bolt 4+: BEGIN in FAILED is IGNORED, so pipelining it is harmless. */
    s = connected(4, 4, NULL);
    CU_ASSERT(bolt_session_run(s, "RETURN 1", NULL, NULL) >= 0);
    CU_ASSERT(bolt_session_pull(s, -1) >= 0);
    CU_ASSERT(bolt_session_begin(s, NULL) >= 0);
    bolt_session_free(s);
}

/* ---- tests: robustness -------------------------------------------------------------------- */

/* Each case: requests to issue, then server bytes that do not fit; the session must report
 * ERROR with the code and stay DEFUNCT. */
static void unexpected_case(int requests, void (*server)(bolt_buf *), const char *want_events,
                            int want_rc)
{
    bolt_session *s = connected(4, 4, NULL);
    if (requests >= 1) CU_ASSERT(bolt_session_run(s, "RETURN 1", NULL, NULL) >= 0);
    if (requests >= 2) CU_ASSERT(bolt_session_discard(s, -1) >= 0);
    bolt_buf st;
    bolt_buf_init(&st);
    server(&st);
    char evs[256] = "";
    CU_ASSERT_EQUAL(feed(s, st.data, st.len, 0, evs, sizeof evs), want_rc);
    CU_ASSERT_STRING_EQUAL(evs, want_events);
    CU_ASSERT_EQUAL(bolt_session_state(s), BOLT_S_DEFUNCT);
    bolt_event ev;
    CU_ASSERT_EQUAL(bolt_session_next_event(s, &ev), want_rc);
    CU_ASSERT_EQUAL(bolt_session_run(s, "RETURN 1", NULL, NULL), want_rc);
    CU_ASSERT_EQUAL(bolt_session_reset(s), want_rc);
    CU_ASSERT_EQUAL(bolt_session_input(s, st.data, st.len), want_rc);
    bolt_buf_free(&st);
    bolt_session_free(s);
}

static void srv_lone_record(bolt_buf *st)
{
    srv_record(st, 1);
}
static void srv_lone_success(bolt_buf *st)
{
    srv_success0(st);
}
static void srv_record_for_discard(bolt_buf *st)
{
    srv_fields(st, "n");
    srv_record(st, 1);
}
static void srv_unknown_signature(bolt_buf *st)
{
    msg_begin(0x55, 0);
    msg_end(st);
}
static void srv_trailing(bolt_buf *st)
{
    msg_begin(BOLT_MSG_SUCCESS, 1);
    bolt_pack_map_header(&g_m, 0);
    bolt_pack_int(&g_m, 1);
    msg_end(st);
}
static void srv_success_not_map(bolt_buf *st)
{
    msg_begin(BOLT_MSG_SUCCESS, 1);
    bolt_pack_int(&g_m, 1);
    msg_end(st);
}
static void srv_ignored_without_failure(bolt_buf *st)
{
    srv_ignored(st);
}
static void srv_more_for_discard_all(bolt_buf *st)
{
    srv_fields(st, "n");
    srv_pull_done(st, 1);
}
static void srv_success_after_failure(bolt_buf *st)
{
    srv_failure(st, "Neo.ClientError.Statement.SyntaxError", "x");
    srv_success0(st);
}
static void srv_reserved_marker(bolt_buf *st)
{
    msg_begin(BOLT_MSG_RECORD, 1);
    bolt_buf_append(&g_m, "\xC7", 1);
    msg_end(st);
}

static void test_unexpected_messages(void)
{
    unexpected_case(0, srv_lone_record, "ERROR(NONE):BOLT_E_UNEXPECTED", BOLT_E_UNEXPECTED);
    unexpected_case(0, srv_lone_success, "ERROR(NONE):BOLT_E_UNEXPECTED", BOLT_E_UNEXPECTED);
    unexpected_case(1, srv_lone_record, "ERROR(RUN):BOLT_E_UNEXPECTED", BOLT_E_UNEXPECTED);
    unexpected_case(2, srv_record_for_discard, "SUCCESS(RUN) ERROR(DISCARD):BOLT_E_UNEXPECTED",
                    BOLT_E_UNEXPECTED);
    unexpected_case(1, srv_unknown_signature, "ERROR(RUN):BOLT_E_BAD_MESSAGE", BOLT_E_BAD_MESSAGE);
    unexpected_case(1, srv_trailing, "ERROR(RUN):BOLT_E_TRAILING", BOLT_E_TRAILING);
    unexpected_case(1, srv_success_not_map, "ERROR(RUN):BOLT_E_BAD_MESSAGE", BOLT_E_BAD_MESSAGE);
    unexpected_case(1, srv_ignored_without_failure, "ERROR(RUN):BOLT_E_UNEXPECTED",
                    BOLT_E_UNEXPECTED);
    unexpected_case(2, srv_more_for_discard_all, "SUCCESS(RUN) ERROR(DISCARD):BOLT_E_UNEXPECTED",
                    BOLT_E_UNEXPECTED);
    unexpected_case(2, srv_success_after_failure, "FAILURE(RUN) ERROR(DISCARD):BOLT_E_UNEXPECTED",
                    BOLT_E_UNEXPECTED);
    unexpected_case(1, srv_reserved_marker, "ERROR(RUN):BOLT_E_RESERVED_MARKER",
                    BOLT_E_RESERVED_MARKER);
}

static void test_message_too_big(void)
{
    bolt_session_config cfg = basic_cfg();
    cfg.max_message = 64;
    bolt_session *s = bolt_session_new(&cfg, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    connect_to(s, 4, 4, NULL);
    CU_ASSERT(bolt_session_run(s, "RETURN 1", NULL, NULL) >= 0);
    bolt_buf st;
    bolt_buf_init(&st);
    srv_fields(&st, "a-very-long-field-name-that-does-not-fit-into-sixty-four-bytes-at-all");
    char evs[128] = "";
    CU_ASSERT_EQUAL(feed(s, st.data, st.len, 0, evs, sizeof evs), BOLT_E_MSG_TOO_BIG);
    CU_ASSERT_STRING_EQUAL(evs, "ERROR(RUN):BOLT_E_MSG_TOO_BIG");
    bolt_buf_free(&st);
    bolt_session_free(s);
}

static void test_noops_between_messages(void)
{
    bolt_session *s = connected(4, 4, NULL);
    CU_ASSERT(bolt_session_run(s, "RETURN 1", NULL, NULL) >= 0);
    CU_ASSERT(bolt_session_pull(s, -1) >= 0);
    bolt_buf st;
    bolt_buf_init(&st);
    const uint8_t noop[2] = {0, 0};
    bolt_buf_append(&st, noop, 2);
    srv_fields(&st, "n");
    bolt_buf_append(&st, noop, 2);
    bolt_buf_append(&st, noop, 2);
    srv_record(&st, 1);
    bolt_buf_append(&st, noop, 2);
    srv_pull_done(&st, -1);
    bolt_buf_append(&st, noop, 2);
    char evs[256] = "";
    CU_ASSERT_EQUAL(feed(s, st.data, st.len, 1, evs, sizeof evs), 0);
    CU_ASSERT_STRING_EQUAL(evs, "SUCCESS(RUN) RECORD(PULL)=[1] SUCCESS(PULL)");
    CU_ASSERT_EQUAL(bolt_session_noops(s), 5);
    CU_ASSERT_EQUAL(bolt_session_input_pending(s), 0);
    bolt_buf_free(&st);
    bolt_session_free(s);
}

static void test_eof(void)
{
    /* Mid-stream: the RECORDs so far were delivered, then the PULL ends in an error. */
    bolt_session *s = connected(4, 4, NULL);
    CU_ASSERT(bolt_session_run(s, "RETURN 1", NULL, NULL) >= 0);
    CU_ASSERT(bolt_session_pull(s, -1) >= 0);
    bolt_buf st;
    bolt_buf_init(&st);
    srv_fields(&st, "n");
    srv_record(&st, 1);
    char evs[256] = "";
    CU_ASSERT_EQUAL(feed(s, st.data, st.len, 0, evs, sizeof evs), 0);
    bolt_session_input_eof(s);
    CU_ASSERT_EQUAL(events(s, evs, sizeof evs), BOLT_E_CLOSED);
    CU_ASSERT_STRING_EQUAL(evs, "SUCCESS(RUN) RECORD(PULL)=[1] ERROR(PULL):BOLT_E_CLOSED");
    CU_ASSERT_EQUAL(bolt_session_input(s, st.data, 1), BOLT_E_CLOSED);
    bolt_session_free(s);

    /* Cut inside a message with the final SUCCESS half received. */
    s = connected(4, 4, NULL);
    CU_ASSERT(bolt_session_run(s, "RETURN 1", NULL, NULL) >= 0);
    bolt_buf_reset(&st);
    srv_fields(&st, "n");
    evs[0] = '\0';
    CU_ASSERT_EQUAL(feed(s, st.data, st.len - 3, 0, evs, sizeof evs), 0);
    CU_ASSERT(bolt_session_input_pending(s) > 0);
    bolt_session_input_eof(s);
    CU_ASSERT_EQUAL(events(s, evs, sizeof evs), BOLT_E_CLOSED);
    CU_ASSERT_STRING_EQUAL(evs, "ERROR(RUN):BOLT_E_CLOSED");
    bolt_session_free(s);

    /* Nothing pending: no error event, the session just ends. */
    s = connected(4, 4, NULL);
    bolt_session_input_eof(s);
    evs[0] = '\0';
    CU_ASSERT_EQUAL(events(s, evs, sizeof evs), BOLT_E_CLOSED);
    CU_ASSERT_STRING_EQUAL(evs, "");
    bolt_session_free(s);

    /* During the handshake. */
    bolt_session_config cfg = basic_cfg();
    s = bolt_session_new(&cfg, NULL);
    take_output(s, NULL);
    bolt_session_input_eof(s);
    evs[0] = '\0';
    CU_ASSERT_EQUAL(events(s, evs, sizeof evs), BOLT_E_CLOSED);
    CU_ASSERT_STRING_EQUAL(evs, "ERROR(NONE):BOLT_E_CLOSED");
    bolt_session_free(s);
    bolt_buf_free(&st);
}

static void test_goodbye(void)
{
    bolt_buf sent;
    bolt_buf_init(&sent);
    bolt_session *s = connected(4, 4, &sent);
    size_t mark = sent.len;
    CU_ASSERT_EQUAL(bolt_session_goodbye(s), 0);
    CU_ASSERT_EQUAL(bolt_session_run(s, "RETURN 1", NULL, NULL), BOLT_E_STATE);
    CU_ASSERT_NOT_EQUAL(bolt_session_state(s), BOLT_S_DEFUNCT); /* not written yet */
    take_output(s, &sent);
    uint8_t want[6];
    hex_decode("0002 B002 0000", want, 6);
    CU_ASSERT_EQUAL_FATAL(sent.len, mark + 6);
    CU_ASSERT_EQUAL(memcmp(sent.data + mark, want, 6), 0);
    CU_ASSERT_EQUAL(bolt_session_state(s), BOLT_S_DEFUNCT);
    bolt_event ev;
    CU_ASSERT_EQUAL(bolt_session_next_event(s, &ev), BOLT_E_DEFUNCT);
    CU_ASSERT_EQUAL(bolt_session_goodbye(s), BOLT_E_DEFUNCT);
    bolt_session_free(s);

    /* Bolt 1/2 have no GOODBYE: nothing is written, the session just ends. */
    s = connected(2, 0, NULL);
    CU_ASSERT_EQUAL(bolt_session_goodbye(s), 0);
    CU_ASSERT_EQUAL(output_len(s), 0);
    CU_ASSERT_EQUAL(bolt_session_state(s), BOLT_S_DEFUNCT);
    bolt_session_free(s);
    bolt_buf_free(&sent);
}

/* Zero-copy input, including bytes that arrive while an event still points into the last
 * message: the event must stay intact (ASan/valgrind would flag a moved buffer). */
static void test_input_buffer_and_live_events(void)
{
    bolt_session_config cfg = basic_cfg();
    bolt_session *s = bolt_session_new(&cfg, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    take_output(s, NULL);
    uint8_t *p;
    size_t avail;
    CU_ASSERT_EQUAL(bolt_session_input_buffer(s, 4, &p, &avail), 0);
    CU_ASSERT_FATAL(avail >= 4);
    const uint8_t reply[4] = {0, 0, 4, 4};
    memcpy(p, reply, 4);
    bolt_session_input_commit(s, 4);
    char evs[512] = "";
    CU_ASSERT_EQUAL(events(s, evs, sizeof evs), 0);
    CU_ASSERT_STRING_EQUAL(evs, "CONNECTED");
    CU_ASSERT(bolt_session_run(s, "RETURN 1", NULL, NULL) >= 0);
    CU_ASSERT(bolt_session_pull(s, -1) >= 0);

    bolt_buf st;
    bolt_buf_init(&st);
    srv_hello(&st, "Neo4j/4.4.0", "bolt-1");
    srv_fields(&st, "n");
    size_t first = st.len;
    /* A long string record, then more messages delivered while it is live. */
    msg_begin(BOLT_MSG_RECORD, 1);
    bolt_pack_list_header(&g_m, 1);
    char big[3000];
    memset(big, 'q', sizeof big);
    bolt_pack_string(&g_m, big, sizeof big);
    msg_end(&st);
    size_t second = st.len;
    for (int i = 0; i < 200; i++)
        srv_record(&st, i);
    srv_pull_done(&st, -1);

    CU_ASSERT_EQUAL(bolt_session_input_buffer(s, first, &p, &avail), 0);
    CU_ASSERT_FATAL(avail >= first);
    memcpy(p, st.data, first);
    bolt_session_input_commit(s, first);
    evs[0] = '\0';
    CU_ASSERT_EQUAL(events(s, evs, sizeof evs), 0);
    CU_ASSERT_STRING_EQUAL(evs, "READY(HELLO) SUCCESS(RUN)");
    CU_ASSERT_EQUAL(bolt_session_input(s, st.data + first, second - first), 0);
    bolt_event ev;
    CU_ASSERT_EQUAL_FATAL(bolt_session_next_event(s, &ev), 1);
    CU_ASSERT_EQUAL_FATAL(ev.type, BOLT_EV_RECORD);
    const bolt_value *str = &ev.record->u.items[0];
    /* Both input paths while the event is live. */
    size_t rest = st.len - second, half = rest / 2;
    CU_ASSERT_EQUAL(bolt_session_input(s, st.data + second, half), 0);
    CU_ASSERT_EQUAL(bolt_session_input_buffer(s, rest - half, &p, &avail), 0);
    CU_ASSERT_FATAL(avail >= rest - half);
    memcpy(p, st.data + second + half, rest - half);
    bolt_session_input_commit(s, rest - half);
    CU_ASSERT_EQUAL(bolt_session_input_pending(s), rest);
    CU_ASSERT_EQUAL_FATAL(str->type, BOLT_T_STRING);
    CU_ASSERT_EQUAL_FATAL(str->len, sizeof big);
    CU_ASSERT_EQUAL(memcmp(str->u.str, big, sizeof big), 0);
    int records = 0, rc;
    while ((rc = bolt_session_next_event(s, &ev)) == 1) {
        if (ev.type == BOLT_EV_RECORD) {
            CU_ASSERT_EQUAL(ev.record->u.items[0].u.i, records);
            records++;
        }
    }
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_EQUAL(records, 200);
    CU_ASSERT_EQUAL(ev.type, BOLT_EV_NONE);
    CU_ASSERT_EQUAL(bolt_session_state(s), BOLT_S_READY);
    CU_ASSERT_EQUAL(bolt_session_input_pending(s), 0);
    bolt_buf_free(&st);
    bolt_session_free(s);
}

/* ---- credentials never outlive the session ------------------------------------------------ */

/* An allocator that remembers block sizes and checks, at every free, that the block does not
 * contain the password. */
static unsigned long g_leaks_of_secret;
static const char *g_secret;

static void *scan_malloc(size_t n, void *ud)
{
    (void)ud;
    size_t *p = malloc(n + sizeof(size_t) * 2);
    if (!p) return NULL;
    p[0] = n;
    return p + 2;
}
static int holds_secret(const uint8_t *p, size_t n)
{
    size_t k = strlen(g_secret);
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(p + i, g_secret, k) == 0) return 1;
    return 0;
}
static void scan_free(void *ptr, void *ud)
{
    (void)ud;
    if (!ptr) return;
    size_t *p = (size_t *)ptr - 2;
    if (holds_secret(ptr, p[0])) g_leaks_of_secret++;
    free(p);
}
static void *scan_realloc(void *ptr, size_t n, void *ud)
{
    if (!ptr) return scan_malloc(n, ud);
    size_t old = ((size_t *)ptr)[-2];
    void *np = scan_malloc(n, ud);
    if (!np) return NULL;
    memcpy(np, ptr, old < n ? old : n);
    scan_free(ptr, ud);
    return np;
}

static void test_credentials_wiped(void)
{
    bolt_allocator al = {scan_malloc, scan_realloc, scan_free, NULL};
    g_secret = PW;
    const unsigned versions[][2] = {{3, 0}, {4, 4}, {5, 4}};
    for (int v = 0; v < 3; v++) {
        for (int partial = 0; partial < 2; partial++) {
            g_leaks_of_secret = 0;
            bolt_set_allocator(&al);
            bolt_session_config cfg = basic_cfg();
            bolt_session *s = bolt_session_new(&cfg, NULL);
            CU_ASSERT_PTR_NOT_NULL_FATAL(s);
            take_output(s, NULL);
            uint8_t reply[4] = {0, 0, (uint8_t)versions[v][1], (uint8_t)versions[v][0]};
            CU_ASSERT_EQUAL(bolt_session_input(s, reply, 4), 0);
            /* Requests queued behind HELLO make `out` grow while it holds the password. */
            for (int i = 0; i < 40; i++) {
                char q[64];
                snprintf(q, sizeof q, "RETURN %d AS padding_padding_padding_padding", i);
                CU_ASSERT(bolt_session_run(s, q, NULL, NULL) >= 0);
                CU_ASSERT(bolt_session_discard(s, -1) >= 0);
            }
            const uint8_t *p;
            size_t n = bolt_session_output(s, &p);
            CU_ASSERT(holds_secret(p, n));
            if (partial) {
                /* Written in small pieces: consume() moves bytes and leaves stale copies. */
                while ((n = bolt_session_output(s, &p)) > 0)
                    bolt_session_output_consumed(s, n < 7 ? n : 7);
            }
            bolt_session_free(s);
            bolt_set_allocator(NULL);
            CU_ASSERT_EQUAL(g_leaks_of_secret, 0);
        }
    }
}

/* ---- malloc failures ------------------------------------------------------------------------ */

/* A 5.4 conversation through every allocating path: HELLO+LOGON (credentials via the scratch
 * buffer), PULL n with has_more, a FAILURE with pipelined IGNORED, RESET, LOGOFF/LOGON, a
 * record delivered while more input arrives, GOODBYE. No CUnit inside: failalloc_each() runs
 * it once per allocation. Returns 0, BOLT_E_NOMEM when an allocation failure surfaced, or -1
 * when the conversation went wrong in another way. */
static int conversation_54(void *ud)
{
    (void)ud;
    bolt_buf st;
    bolt_buf_init(&st);
    bolt_session_config cfg = basic_cfg();
    bolt_value kv[2] = {bolt_string("address"), bolt_string("db1:7687")};
    bolt_value routing = bolt_map(kv, 1);
    cfg.routing = &routing;
    int err = 0, rc = -1;
    bolt_session *s = bolt_session_new(&cfg, &err);
    if (!s) return err;
    const uint8_t *p;
    bolt_session_output_consumed(s, bolt_session_output(s, &p));
    const uint8_t reply[4] = {0, 0, 4, 5};
    bolt_auth other = {BOLT_AUTH_BEARER, NULL, "token", NULL};
    int64_t r[16];
    int k = 0;
    char evs[1024] = "";
    if ((rc = bolt_session_input(s, reply, 4)) < 0) goto out;
    if ((rc = events(s, evs, sizeof evs)) < 0) goto out;
    bolt_session_output_consumed(s, bolt_session_output(s, &p));
    r[k++] = bolt_session_run(s, "RETURN 1", NULL, NULL);
    r[k++] = bolt_session_pull(s, 2);
    for (int i = 0; i < k; i++)
        if (r[i] < 0) {
            rc = (int)r[i];
            goto out;
        }
    srv_hello(&st, "Neo4j/5.20.0", "bolt-9");
    size_t first = st.len;
    srv_success0(&st);
    srv_fields(&st, "n");
    srv_record(&st, 1);
    srv_pull_done(&st, 1);
    if (st.err) {
        rc = BOLT_E_NOMEM;
        goto out;
    }
    /* The rest arrives while the HELLO SUCCESS event is live (parked input). */
    if ((rc = bolt_session_input(s, st.data, first)) < 0) goto out;
    bolt_event ev;
    if ((rc = bolt_session_next_event(s, &ev)) < 0) goto out;
    if (rc == 1) strcat(evs, ev.type == BOLT_EV_SUCCESS ? " SUCCESS(HELLO)" : " ?");
    if (rc == 1 && ev.type == BOLT_EV_ERROR) rc = ev.err;
    if (rc < 0) goto out;
    if ((rc = bolt_session_input(s, st.data + first, st.len - first)) < 0) goto out;
    if ((rc = events(s, evs, sizeof evs)) < 0) goto out;
    k = 0;
    r[k++] = bolt_session_discard(s, -1);
    r[k++] = bolt_session_run(s, "RETURN 1 +", NULL, NULL);
    r[k++] = bolt_session_pull(s, -1);
    for (int i = 0; i < k; i++)
        if (r[i] < 0) {
            rc = (int)r[i];
            goto out;
        }
    bolt_buf_reset(&st);
    srv_pull_done(&st, 0);
    srv_failure(&st, "Neo.ClientError.Statement.SyntaxError", "Invalid input");
    srv_ignored(&st);
    if ((rc = bolt_session_input(s, st.data, st.len)) < 0) goto out;
    if ((rc = events(s, evs, sizeof evs)) < 0) goto out;
    k = 0;
    r[k++] = bolt_session_reset(s);
    r[k++] = bolt_session_logoff(s);
    r[k++] = bolt_session_logon(s, &other);
    for (int i = 0; i < k; i++)
        if (r[i] < 0) {
            rc = (int)r[i];
            goto out;
        }
    bolt_buf_reset(&st);
    srv_success0(&st);
    srv_success0(&st);
    srv_success0(&st);
    if ((rc = bolt_session_input(s, st.data, st.len)) < 0) goto out;
    if ((rc = events(s, evs, sizeof evs)) < 0) goto out;
    if ((rc = bolt_session_goodbye(s)) < 0) goto out;
    bolt_session_output_consumed(s, bolt_session_output(s, &p));
    rc = strstr(evs, "ERROR(") ? BOLT_E_NOMEM : -1;
    if (strstr(evs, "ERROR(") && !strstr(evs, "BOLT_E_NOMEM")) rc = -1;
    if (!strstr(evs, "ERROR(") &&
        strcmp(evs, "CONNECTED SUCCESS(HELLO) READY(LOGON) SUCCESS(RUN) RECORD(PULL)=[1] "
                    "SUCCESS(PULL)+more SUCCESS(DISCARD) FAILURE(RUN) IGNORED(PULL) "
                    "SUCCESS(RESET) SUCCESS(LOGOFF) READY(LOGON)") == 0)
        rc = 0;
out:
    bolt_session_free(s);
    bolt_buf_free(&st);
    return rc;
}

static void test_malloc_failures(void)
{
    /* g_m (the server message scratch) must not be allocated under failalloc. */
    bolt_buf_free(&g_m);
    bolt_buf_reserve(&g_m, 4096);
    CU_ASSERT_EQUAL(conversation_54(NULL), 0);
    failalloc_install();
    CU_ASSERT_EQUAL(conversation_54(NULL), 0);
    unsigned long total = failalloc_calls();
    failalloc_uninstall();
    CU_ASSERT(total > 10);
    CU_ASSERT_EQUAL(failalloc_each(conversation_54, NULL, BOLT_E_NOMEM), 0);
    printf("\n  each of %lu allocations failed in turn\n", total);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 1;
    CU_pSuite su = CU_add_suite("session", NULL, NULL);
    CU_add_test(su, "handshake, HELLO, config copy", test_handshake_hello_and_config_copy);
    CU_add_test(su, "config errors", test_config_errors);
    CU_add_test(su, "handshake errors", test_handshake_errors);
    CU_add_test(su, "5.1+ HELLO+LOGON pipelined, re-auth", test_bolt51_hello_logon_pipelined);
    CU_add_test(su, "LOGON failure is fatal", test_logon_failure_is_fatal);
    CU_add_test(su, "manifest handshake to 6.0", test_manifest_to_6_0);
    CU_add_test(su, "PULL n with has_more", test_pull_n_has_more);
    CU_add_test(su, "Bolt 3 PULL is PULL_ALL", test_bolt3_pull_is_pull_all);
    CU_add_test(su, "explicit tx extra", test_explicit_tx_extra);
    CU_add_test(su, "utc patch", test_utc_patch);
    CU_add_test(su, "ROUTE 4.3 vs 4.4", test_route_43_vs_44);
    CU_add_test(su, "FAILURE, IGNORED, RESET", test_failure_ignored_reset);
    CU_add_test(su, "FAILURE mid-stream", test_failure_mid_stream);
    CU_add_test(su, "5.7 FAILURE fields", test_bolt57_failure_fields);
    CU_add_test(su, "RESET failure is fatal", test_reset_failure_is_fatal);
    CU_add_test(su, "state refusals", test_state_refusals);
    CU_add_test(su, "Bolt 3 BEGIN behind fallible", test_bolt3_begin_behind_fallible);
    CU_add_test(su, "unexpected messages", test_unexpected_messages);
    CU_add_test(su, "message too big", test_message_too_big);
    CU_add_test(su, "NOOPs between messages", test_noops_between_messages);
    CU_add_test(su, "EOF", test_eof);
    CU_add_test(su, "GOODBYE", test_goodbye);
    CU_add_test(su, "input buffer, live events", test_input_buffer_and_live_events);
    CU_add_test(su, "credentials wiped", test_credentials_wiped);
    CU_add_test(su, "malloc failures (5.4 conversation)", test_malloc_failures);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    bolt_buf_free(&g_m);
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
