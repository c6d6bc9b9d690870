/* Unit tests of bolt/session_events.c: the failure model (FAILURE, IGNORED, RESET, failure
 * mid-stream, 5.7 metadata), and robustness: unexpected or malformed messages, framing limits,
 * NOOPs, end of stream, GOODBYE, and input arriving while an event is still live.
 */
#include "session_fixture.h"

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

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 1;
    CU_pSuite su = CU_add_suite("session_events", NULL, NULL);
    CU_add_test(su, "FAILURE, IGNORED, RESET", test_failure_ignored_reset);
    CU_add_test(su, "FAILURE mid-stream", test_failure_mid_stream);
    CU_add_test(su, "5.7 FAILURE fields", test_bolt57_failure_fields);
    CU_add_test(su, "RESET failure is fatal", test_reset_failure_is_fatal);
    CU_add_test(su, "unexpected messages", test_unexpected_messages);
    CU_add_test(su, "message too big", test_message_too_big);
    CU_add_test(su, "NOOPs between messages", test_noops_between_messages);
    CU_add_test(su, "EOF", test_eof);
    CU_add_test(su, "GOODBYE", test_goodbye);
    CU_add_test(su, "input buffer, live events", test_input_buffer_and_live_events);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    bolt_buf_free(&g_m);
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
