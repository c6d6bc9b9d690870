/* tests/bolt/session_fixture.h - helpers shared by the session unit tests (test_session.c,
 * test_session_requests.c, test_session_events.c): server messages built with bolt_pack_* +
 * bolt_frame_message, client messages decoded back, and events rendered as one string
 * ("CONNECTED READY(HELLO) SUCCESS(RUN) RECORD(PULL)=[1] ...") so that a failing assertion
 * shows the whole conversation. Header-only (static inline): each test is its own executable.
 */
#ifndef BOLTDIFF_TEST_SESSION_FIXTURE_H
#define BOLTDIFF_TEST_SESSION_FIXTURE_H

#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bolt/bolt.h"
#include "hex.h"

#define PW "s3cr3t-pw"

/* ---- session helpers
 * ------------------------------------------------------------------------------ */

static inline bolt_session_config basic_cfg(void)
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
static inline void take_output(bolt_session *s, bolt_buf *sent)
{
    const uint8_t *p;
    size_t n = bolt_session_output(s, &p);
    if (sent) bolt_buf_append(sent, p, n);
    bolt_session_output_consumed(s, n);
}

static inline size_t output_len(bolt_session *s)
{
    const uint8_t *p;
    return bolt_session_output(s, &p);
}

static inline const char *req_name(bolt_request r)
{
    static const char *const names[] = {"NONE",  "HELLO",   "LOGON",      "LOGOFF", "RUN",
                                        "PULL",  "DISCARD", "BEGIN",      "COMMIT", "ROLLBACK",
                                        "RESET", "ROUTE",   "ACK_FAILURE"};
    return (unsigned)r < sizeof names / sizeof names[0] ? names[r] : "?";
}

static inline const char *ev_name(bolt_event_type t)
{
    static const char *const names[] = {"NONE",   "CONNECTED", "READY",   "SUCCESS",
                                        "RECORD", "FAILURE",   "IGNORED", "ERROR"};
    return (unsigned)t < sizeof names / sizeof names[0] ? names[t] : "?";
}

/* Drains events into a readable string (appended to out); returns the final return code of
 * bolt_session_next_event (0 = needs input, <0 = defunct). */
static inline int events(bolt_session *s, char *out, size_t cap)
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
static inline int feed(bolt_session *s, const uint8_t *p, size_t len, int bytewise, char *out,
                       size_t cap)
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

static inline void msg_begin(uint8_t sig, uint8_t fields)
{
    bolt_buf_reset(&g_m);
    bolt_pack_struct_header(&g_m, fields, sig);
}

static inline void msg_end(bolt_buf *stream)
{
    CU_ASSERT_EQUAL_FATAL(g_m.err, 0);
    bolt_frame_message(stream, g_m.data, g_m.len, 0);
}

static inline void srv_success0(bolt_buf *st)
{
    msg_begin(BOLT_MSG_SUCCESS, 1);
    bolt_pack_map_header(&g_m, 0);
    msg_end(st);
}

static inline void srv_hello(bolt_buf *st, const char *server, const char *cid)
{
    msg_begin(BOLT_MSG_SUCCESS, 1);
    bolt_pack_map_header(&g_m, 2);
    bolt_pack_cstr(&g_m, "server");
    bolt_pack_cstr(&g_m, server);
    bolt_pack_cstr(&g_m, "connection_id");
    bolt_pack_cstr(&g_m, cid);
    msg_end(st);
}

static inline void srv_fields(bolt_buf *st, const char *field)
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
static inline void srv_pull_done(bolt_buf *st, int has_more)
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

static inline void srv_record(bolt_buf *st, int64_t v)
{
    msg_begin(BOLT_MSG_RECORD, 1);
    bolt_pack_list_header(&g_m, 1);
    bolt_pack_int(&g_m, v);
    msg_end(st);
}

static inline void srv_failure(bolt_buf *st, const char *code, const char *message)
{
    msg_begin(BOLT_MSG_FAILURE, 1);
    bolt_pack_map_header(&g_m, 2);
    bolt_pack_cstr(&g_m, "code");
    bolt_pack_cstr(&g_m, code);
    bolt_pack_cstr(&g_m, "message");
    bolt_pack_cstr(&g_m, message);
    msg_end(st);
}

static inline void srv_ignored(bolt_buf *st)
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
static inline int client_msgs(const bolt_buf *sent, size_t skip, unsigned major, unsigned minor,
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

static inline int str_is(const bolt_value *v, const char *s)
{
    return v && bolt_value_str_eq(v, s);
}

/* Handshake reply for major.minor, then the auth exchange until READY. `sent` collects the
 * client bytes from the start. */
static inline void connect_to(bolt_session *s, unsigned major, unsigned minor, bolt_buf *sent)
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

static inline bolt_session *connected(unsigned major, unsigned minor, bolt_buf *sent)
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

#endif
