/* Unit tests of raw RECORD delivery (bolt/session_events.c: bolt_session_set_raw_records,
 * bolt_session_decode_record): the raw bytes are the message, decoding on demand gives what
 * eager mode gives (Bolt 3 and Bolt 5 dialects), the queue checks still apply before delivery,
 * a malformed RECORD fails the session only once decoded (with eager mode's code), the mode can
 * be switched mid-stream, and an allocation failure while decoding is clean.
 */
#include "failalloc.h"
#include "session_fixture.h"

/* ---- helpers ------------------------------------------------------------------------------ */

/* msg_end() that also keeps the unframed message, to compare with what the event carries. */
static void msg_end_keep(bolt_buf *stream, bolt_buf *copy)
{
    bolt_buf_reset(copy);
    bolt_buf_append(copy, g_m.data, g_m.len);
    msg_end(stream);
}

/* events() for raw mode: an undecoded RECORD renders as "RECORD(PULL)~<bytes>" (the fixture's
 * renderer needs a decoded record). */
static int raw_events(bolt_session *s, char *out, size_t cap)
{
    bolt_event ev;
    int rc;
    while ((rc = bolt_session_next_event(s, &ev)) == 1) {
        size_t len = strlen(out);
        char val[512] = "";
        if (ev.type == BOLT_EV_RECORD && ev.record) {
            val[0] = '=';
            bolt_value_format(ev.record, val + 1, sizeof val - 1);
        } else if (ev.type == BOLT_EV_RECORD) {
            snprintf(val, sizeof val, "~%zu", ev.raw_len);
        }
        if (ev.type == BOLT_EV_ERROR)
            snprintf(out + len, cap - len, "%sERROR(%s):%s", len ? " " : "", req_name(ev.request),
                     bolt_errname(ev.err));
        else
            snprintf(out + len, cap - len, "%s%s(%s)%s", len ? " " : "", ev_name(ev.type),
                     req_name(ev.request), val);
    }
    return rc;
}

/* RECORD [Node(7, ["Person"], {name, born, langs}[, element_id on 5]), {at: DateTime, score},
 * 42]: a node with a map, and a DateTime in the version's own encoding (legacy 'F' on 3, 'I'
 * on 5), so that the dialect decides what the values are. */
static void node_record(bolt_buf *st, bolt_buf *copy, unsigned major)
{
    msg_begin(BOLT_MSG_RECORD, 1);
    bolt_pack_list_header(&g_m, 3);
    bolt_pack_struct_header(&g_m, major >= 5 ? 4 : 3, 0x4E);
    bolt_pack_int(&g_m, 7);
    bolt_pack_list_header(&g_m, 1);
    bolt_pack_cstr(&g_m, "Person");
    bolt_pack_map_header(&g_m, 3);
    bolt_pack_cstr(&g_m, "name");
    bolt_pack_cstr(&g_m, "Ada");
    bolt_pack_cstr(&g_m, "born");
    bolt_pack_int(&g_m, 1815);
    bolt_pack_cstr(&g_m, "langs");
    bolt_pack_list_header(&g_m, 2);
    bolt_pack_cstr(&g_m, "en");
    bolt_pack_cstr(&g_m, "fr");
    if (major >= 5) bolt_pack_cstr(&g_m, "4:0d6b:7");
    bolt_pack_map_header(&g_m, 2);
    bolt_pack_cstr(&g_m, "at");
    bolt_pack_struct_header(&g_m, 3, major >= 5 ? 0x49 : 0x46);
    bolt_pack_int(&g_m, 1700000000);
    bolt_pack_int(&g_m, 5);
    bolt_pack_int(&g_m, 3600);
    bolt_pack_cstr(&g_m, "score");
    bolt_pack_float(&g_m, 0.5);
    bolt_pack_int(&g_m, 42);
    msg_end_keep(st, copy);
}

/* A session at major.minor with RUN + PULL all sent; the PULL's sequence number in *pull. */
static bolt_session *streaming(unsigned major, unsigned minor, int raw, int64_t *pull)
{
    bolt_session *s = connected(major, minor, NULL);
    bolt_session_set_raw_records(s, raw);
    CU_ASSERT(bolt_session_run(s, "MATCH (n) RETURN n", NULL, NULL) >= 0);
    int64_t p = bolt_session_pull(s, -1);
    CU_ASSERT(p >= 0);
    if (pull) *pull = p;
    return s;
}

static void expect_event(bolt_session *s, bolt_event *ev, bolt_event_type type, bolt_request req)
{
    CU_ASSERT_EQUAL_FATAL(bolt_session_next_event(s, ev), 1);
    CU_ASSERT_EQUAL_FATAL(ev->type, type);
    CU_ASSERT_EQUAL(ev->request, req);
}

/* ---- tests: raw bytes and decoding ------------------------------------------------------- */

static void raw_equals_eager(unsigned major, unsigned minor)
{
    int64_t pull_e, pull_r;
    bolt_session *eager = streaming(major, minor, 0, &pull_e);
    bolt_session *raw = streaming(major, minor, 1, &pull_r);
    bolt_buf st, rec;
    bolt_buf_init(&st);
    bolt_buf_init(&rec);
    srv_fields(&st, "n");
    node_record(&st, &rec, major);
    srv_pull_done(&st, -1);
    CU_ASSERT_EQUAL(bolt_session_input(eager, st.data, st.len), 0);
    CU_ASSERT_EQUAL(bolt_session_input(raw, st.data, st.len), 0);

    bolt_event ee, re;
    expect_event(eager, &ee, BOLT_EV_SUCCESS, BOLT_REQ_RUN);
    expect_event(raw, &re, BOLT_EV_SUCCESS, BOLT_REQ_RUN);
    CU_ASSERT_PTR_NULL(re.raw); /* raw bytes only for RECORDs */
    expect_event(eager, &ee, BOLT_EV_RECORD, BOLT_REQ_PULL);
    expect_event(raw, &re, BOLT_EV_RECORD, BOLT_REQ_PULL);

    /* Both modes carry the message bytes; only eager mode decoded them. */
    CU_ASSERT_PTR_NOT_NULL_FATAL(ee.record);
    CU_ASSERT_EQUAL_FATAL(ee.raw_len, rec.len);
    CU_ASSERT_EQUAL(memcmp(ee.raw, rec.data, rec.len), 0);
    CU_ASSERT_PTR_NULL(re.record);
    CU_ASSERT_EQUAL(re.request_seq, (uint64_t)pull_r);
    CU_ASSERT_EQUAL_FATAL(re.raw_len, rec.len);
    CU_ASSERT_EQUAL(memcmp(re.raw, rec.data, rec.len), 0);
    CU_ASSERT_EQUAL(re.raw[0], 0xB1);
    CU_ASSERT_EQUAL(re.raw[1], 0x71);

    CU_ASSERT_EQUAL(bolt_session_decode_record(raw, &re), 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(re.record);
    CU_ASSERT(bolt_value_equal(re.record, ee.record));
    CU_ASSERT_EQUAL_FATAL(re.record->type, BOLT_T_LIST);
    CU_ASSERT_EQUAL_FATAL(re.record->len, 3);
    const bolt_value *node = &re.record->u.items[0];
    CU_ASSERT_EQUAL(node->type, BOLT_T_NODE);
    const bolt_value *at = bolt_map_get(&re.record->u.items[1], "at");
    CU_ASSERT_PTR_NOT_NULL_FATAL(at);
    CU_ASSERT_EQUAL(at->type, BOLT_T_DATETIME);
    char fe[512], fr[512];
    bolt_value_format(ee.record, fe, sizeof fe);
    bolt_value_format(re.record, fr, sizeof fr);
    CU_ASSERT_STRING_EQUAL(fr, fe);

    /* Already decoded (by decode_record, or by eager mode): nothing to do. */
    const bolt_value *first = re.record;
    CU_ASSERT_EQUAL(bolt_session_decode_record(raw, &re), 0);
    CU_ASSERT_PTR_EQUAL(re.record, first);
    const bolt_value *eager_rec = ee.record;
    CU_ASSERT_EQUAL(bolt_session_decode_record(eager, &ee), 0);
    CU_ASSERT_PTR_EQUAL(ee.record, eager_rec);

    expect_event(eager, &ee, BOLT_EV_SUCCESS, BOLT_REQ_PULL);
    expect_event(raw, &re, BOLT_EV_SUCCESS, BOLT_REQ_PULL);
    CU_ASSERT_EQUAL(bolt_session_state(raw), BOLT_S_READY);
    CU_ASSERT_EQUAL(bolt_session_next_event(raw, &re), 0);
    bolt_buf_free(&st);
    bolt_buf_free(&rec);
    bolt_session_free(eager);
    bolt_session_free(raw);
}

static void test_raw_bytes_and_decode_bolt3(void)
{
    raw_equals_eager(3, 0);
}

static void test_raw_bytes_and_decode_bolt5(void)
{
    raw_equals_eager(5, 0);
}

/* ---- tests: queue checks before delivery --------------------------------------------------- */

enum { R_RUN = 1, R_PULL = 2, R_DISCARD = 4 };

static void raw_unexpected_case(int requests, void (*server)(bolt_buf *), const char *want_events)
{
    bolt_session *s = connected(4, 4, NULL);
    bolt_session_set_raw_records(s, 1);
    if (requests & R_RUN) CU_ASSERT(bolt_session_run(s, "RETURN 1", NULL, NULL) >= 0);
    if (requests & R_PULL) CU_ASSERT(bolt_session_pull(s, -1) >= 0);
    if (requests & R_DISCARD) CU_ASSERT(bolt_session_discard(s, -1) >= 0);
    bolt_buf st;
    bolt_buf_init(&st);
    server(&st);
    char evs[256] = "";
    CU_ASSERT_EQUAL(bolt_session_input(s, st.data, st.len), 0);
    CU_ASSERT_EQUAL(raw_events(s, evs, sizeof evs), BOLT_E_UNEXPECTED);
    CU_ASSERT_STRING_EQUAL(evs, want_events);
    CU_ASSERT_EQUAL(bolt_session_state(s), BOLT_S_DEFUNCT);
    bolt_buf_free(&st);
    bolt_session_free(s);
}

static void srv_lone_record(bolt_buf *st)
{
    srv_record(st, 1);
}
static void srv_record_for_discard(bolt_buf *st)
{
    srv_fields(st, "n");
    srv_record(st, 1);
}
static void srv_record_after_failure(bolt_buf *st)
{
    srv_failure(st, "Neo.ClientError.Statement.SyntaxError", "x");
    srv_record(st, 1);
}
static void srv_bad_record_for_run(bolt_buf *st)
{
    msg_begin(BOLT_MSG_RECORD, 1);
    bolt_pack_list_header(&g_m, 1);
    bolt_buf_append(&g_m, "\xC7", 1);
    msg_end(st);
}

static void test_raw_record_unexpected(void)
{
    raw_unexpected_case(0, srv_lone_record, "ERROR(NONE):BOLT_E_UNEXPECTED");
    raw_unexpected_case(R_RUN, srv_lone_record, "ERROR(RUN):BOLT_E_UNEXPECTED");
    raw_unexpected_case(R_RUN | R_DISCARD, srv_record_for_discard,
                        "SUCCESS(RUN) ERROR(DISCARD):BOLT_E_UNEXPECTED");
    raw_unexpected_case(R_RUN | R_PULL, srv_record_after_failure,
                        "FAILURE(RUN) ERROR(PULL):BOLT_E_UNEXPECTED");
    /* Not decoded, so the queue check is what fails it (eager mode: the decoder's code). */
    raw_unexpected_case(R_RUN, srv_bad_record_for_run, "ERROR(RUN):BOLT_E_UNEXPECTED");
}

/* ---- tests: malformed records -------------------------------------------------------------- */

static void bad_reserved_marker(void)
{
    bolt_pack_list_header(&g_m, 2);
    bolt_pack_int(&g_m, 1);
    bolt_buf_append(&g_m, "\xC7", 1);
}
static void bad_truncated(void)
{
    /* The message is complete; the list inside it is not. */
    bolt_pack_list_header(&g_m, 3);
    bolt_pack_int(&g_m, 1);
    bolt_pack_cstr(&g_m, "two");
}
static void bad_struct(void)
{
    /* A Bolt 4 node (3 fields) where Bolt 5 wants 4. */
    bolt_pack_list_header(&g_m, 1);
    bolt_pack_struct_header(&g_m, 3, 0x4E);
    bolt_pack_int(&g_m, 7);
    bolt_pack_list_header(&g_m, 0);
    bolt_pack_map_header(&g_m, 0);
}
static void bad_trailing(void)
{
    bolt_pack_list_header(&g_m, 1);
    bolt_pack_int(&g_m, 1);
    bolt_pack_int(&g_m, 2);
}
static void bad_not_a_list(void)
{
    bolt_pack_int(&g_m, 1);
}

/* RUN SUCCESS, one good record, the malformed one, PULL SUCCESS. */
static void bad_stream(bolt_buf *st, bolt_buf *bad, void (*body)(void))
{
    srv_fields(st, "n");
    srv_record(st, 0);
    msg_begin(BOLT_MSG_RECORD, 1);
    body();
    msg_end_keep(st, bad);
    srv_pull_done(st, -1);
}

static void malformed_case(void (*body)(void), int want)
{
    bolt_buf st, bad;
    bolt_buf_init(&st);
    bolt_buf_init(&bad);
    bad_stream(&st, &bad, body);

    /* Eager mode: the decoder's code, as an ERROR for the PULL. */
    bolt_session *s = streaming(5, 0, 0, NULL);
    char evs[256] = "", want_evs[256];
    CU_ASSERT_EQUAL(bolt_session_input(s, st.data, st.len), 0);
    CU_ASSERT_EQUAL(raw_events(s, evs, sizeof evs), want);
    snprintf(want_evs, sizeof want_evs, "SUCCESS(RUN) RECORD(PULL)=[0] ERROR(PULL):%s",
             bolt_errname(want));
    CU_ASSERT_STRING_EQUAL(evs, want_evs);
    bolt_session_free(s);

    /* Raw mode: delivered; decoding it fails the session the same way. */
    int64_t pull;
    s = streaming(5, 0, 1, &pull);
    CU_ASSERT_EQUAL(bolt_session_input(s, st.data, st.len), 0);
    bolt_event ev;
    expect_event(s, &ev, BOLT_EV_SUCCESS, BOLT_REQ_RUN);
    expect_event(s, &ev, BOLT_EV_RECORD, BOLT_REQ_PULL);
    CU_ASSERT_EQUAL(bolt_session_decode_record(s, &ev), 0);
    expect_event(s, &ev, BOLT_EV_RECORD, BOLT_REQ_PULL);
    CU_ASSERT_PTR_NULL(ev.record);
    CU_ASSERT_EQUAL_FATAL(ev.raw_len, bad.len);
    CU_ASSERT_EQUAL(memcmp(ev.raw, bad.data, bad.len), 0);
    CU_ASSERT_EQUAL(bolt_session_decode_record(s, &ev), want);
    CU_ASSERT_PTR_NULL(ev.record);
    CU_ASSERT_EQUAL(bolt_session_state(s), BOLT_S_DEFUNCT);
    CU_ASSERT_EQUAL(bolt_session_run(s, "RETURN 1", NULL, NULL), want);
    CU_ASSERT_EQUAL_FATAL(bolt_session_next_event(s, &ev), 1);
    CU_ASSERT_EQUAL(ev.type, BOLT_EV_ERROR);
    CU_ASSERT_EQUAL(ev.err, want);
    CU_ASSERT_EQUAL(ev.request, BOLT_REQ_PULL);
    CU_ASSERT_EQUAL(ev.request_seq, (uint64_t)pull);
    CU_ASSERT_EQUAL(bolt_session_next_event(s, &ev), want);
    bolt_session_free(s);

    /* Raw mode, not decoded: nobody validated the bytes, the stream goes on. */
    s = streaming(5, 0, 1, NULL);
    CU_ASSERT_EQUAL(bolt_session_input(s, st.data, st.len), 0);
    evs[0] = '\0';
    CU_ASSERT_EQUAL(raw_events(s, evs, sizeof evs), 0);
    /* srv_record(0) is B1 71 91 00 */
    snprintf(want_evs, sizeof want_evs,
             "SUCCESS(RUN) RECORD(PULL)~4 RECORD(PULL)~%zu SUCCESS(PULL)", bad.len);
    CU_ASSERT_STRING_EQUAL(evs, want_evs);
    CU_ASSERT_EQUAL(bolt_session_state(s), BOLT_S_READY);
    bolt_session_free(s);
    bolt_buf_free(&st);
    bolt_buf_free(&bad);
}

static void test_raw_malformed_record(void)
{
    malformed_case(bad_reserved_marker, BOLT_E_RESERVED_MARKER);
    /* Cut short inside a complete message: the message decoder calls that BAD_MESSAGE. */
    malformed_case(bad_truncated, BOLT_E_BAD_MESSAGE);
    malformed_case(bad_struct, BOLT_E_BAD_STRUCT);
    malformed_case(bad_trailing, BOLT_E_TRAILING);
    malformed_case(bad_not_a_list, BOLT_E_BAD_MESSAGE);
}

/* ---- tests: switching, misuse -------------------------------------------------------------- */

static void test_raw_switch_mid_stream(void)
{
    bolt_session *s = streaming(4, 4, 1, NULL);
    bolt_buf st;
    bolt_buf_init(&st);
    srv_fields(&st, "n");
    for (int i = 0; i < 4; i++)
        srv_record(&st, i);
    srv_pull_done(&st, -1);
    CU_ASSERT_EQUAL(bolt_session_input(s, st.data, st.len), 0);
    bolt_event ev;
    expect_event(s, &ev, BOLT_EV_SUCCESS, BOLT_REQ_RUN);
    expect_event(s, &ev, BOLT_EV_RECORD, BOLT_REQ_PULL);
    CU_ASSERT_PTR_NULL(ev.record);
    /* Switching does not touch the live event, only the next ones. */
    bolt_session_set_raw_records(s, 0);
    CU_ASSERT_PTR_NULL(ev.record);
    CU_ASSERT_PTR_NOT_NULL(ev.raw);
    expect_event(s, &ev, BOLT_EV_RECORD, BOLT_REQ_PULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ev.record);
    CU_ASSERT_EQUAL(ev.record->u.items[0].u.i, 1);
    CU_ASSERT_PTR_NOT_NULL(ev.raw);
    bolt_session_set_raw_records(s, 7); /* any non-zero value */
    expect_event(s, &ev, BOLT_EV_RECORD, BOLT_REQ_PULL);
    CU_ASSERT_PTR_NULL(ev.record);
    CU_ASSERT_EQUAL(bolt_session_decode_record(s, &ev), 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ev.record);
    CU_ASSERT_EQUAL(ev.record->u.items[0].u.i, 2);
    bolt_session_set_raw_records(s, 0);
    expect_event(s, &ev, BOLT_EV_RECORD, BOLT_REQ_PULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ev.record);
    CU_ASSERT_EQUAL(ev.record->u.items[0].u.i, 3);
    expect_event(s, &ev, BOLT_EV_SUCCESS, BOLT_REQ_PULL);
    CU_ASSERT_EQUAL(bolt_session_state(s), BOLT_S_READY);
    bolt_buf_free(&st);
    bolt_session_free(s);
}

static void test_decode_record_misuse(void)
{
    bolt_session *s = streaming(4, 4, 1, NULL);
    bolt_buf st;
    bolt_buf_init(&st);
    srv_fields(&st, "n");
    srv_record(&st, 0);
    srv_record(&st, 1);
    srv_pull_done(&st, -1);
    CU_ASSERT_EQUAL(bolt_session_input(s, st.data, st.len), 0);
    bolt_event ev;
    expect_event(s, &ev, BOLT_EV_SUCCESS, BOLT_REQ_RUN);
    CU_ASSERT_EQUAL(bolt_session_decode_record(s, &ev), BOLT_E_INVAL);
    CU_ASSERT_EQUAL(bolt_session_decode_record(NULL, &ev), BOLT_E_INVAL);
    CU_ASSERT_EQUAL(bolt_session_decode_record(s, NULL), BOLT_E_INVAL);
    expect_event(s, &ev, BOLT_EV_RECORD, BOLT_REQ_PULL);
    bolt_event old = ev;
    bolt_event forged = ev;
    uint8_t copy[16];
    CU_ASSERT_FATAL(ev.raw_len <= sizeof copy);
    memcpy(copy, ev.raw, ev.raw_len);
    forged.raw = copy;
    CU_ASSERT_EQUAL(bolt_session_decode_record(s, &forged), BOLT_E_INVAL);
    expect_event(s, &ev, BOLT_EV_RECORD, BOLT_REQ_PULL);
    /* The previous event is gone: refused, and the session is not harmed. */
    CU_ASSERT_EQUAL(bolt_session_decode_record(s, &old), BOLT_E_INVAL);
    CU_ASSERT_PTR_NULL(old.record);
    CU_ASSERT_EQUAL(bolt_session_decode_record(s, &ev), 0);
    CU_ASSERT_EQUAL(ev.record->u.items[0].u.i, 1);
    expect_event(s, &ev, BOLT_EV_SUCCESS, BOLT_REQ_PULL);
    CU_ASSERT_EQUAL(bolt_session_state(s), BOLT_S_READY);
    bolt_session_set_raw_records(NULL, 1); /* harmless */
    bolt_buf_free(&st);
    bolt_session_free(s);
}

/* ---- tests: out of memory ------------------------------------------------------------------ */

/* Every allocation decode_record makes fails in turn: BOLT_E_NOMEM, the session fails as eager
 * mode would (ERROR for the PULL), and freeing it leaves no block behind. The record is big
 * enough not to fit the arena block kept from earlier messages. */
static void test_decode_record_nomem(void)
{
    bolt_buf st;
    bolt_buf_init(&st);
    srv_fields(&st, "n");
    msg_begin(BOLT_MSG_RECORD, 1);
    bolt_pack_list_header(&g_m, 600);
    for (int i = 0; i < 600; i++)
        bolt_pack_int(&g_m, 1000 + i);
    msg_end(&st);
    srv_pull_done(&st, -1);

    int succeeded = 0;
    unsigned long failing_runs = 0;
    for (unsigned long n = 1; n <= 64 && !succeeded; n++) {
        failalloc_install();
        int64_t pull;
        bolt_session *s = streaming(4, 4, 1, &pull);
        CU_ASSERT_EQUAL(bolt_session_input(s, st.data, st.len), 0);
        bolt_event ev;
        expect_event(s, &ev, BOLT_EV_SUCCESS, BOLT_REQ_RUN);
        expect_event(s, &ev, BOLT_EV_RECORD, BOLT_REQ_PULL);
        failalloc_arm(n, 0);
        int rc = bolt_session_decode_record(s, &ev);
        unsigned long failed = failalloc_failures();
        failalloc_arm(0, 0);
        if (rc == 0) {
            CU_ASSERT_EQUAL(failed, 0);
            CU_ASSERT_EQUAL(ev.record->len, 600);
            CU_ASSERT_EQUAL(ev.record->u.items[599].u.i, 1599);
            succeeded = 1;
        } else {
            failing_runs++;
            CU_ASSERT_EQUAL(failed, 1);
            CU_ASSERT_EQUAL(rc, BOLT_E_NOMEM);
            CU_ASSERT_EQUAL(bolt_session_state(s), BOLT_S_DEFUNCT);
            CU_ASSERT_EQUAL(bolt_session_next_event(s, &ev), 1);
            CU_ASSERT_EQUAL(ev.type, BOLT_EV_ERROR);
            CU_ASSERT_EQUAL(ev.err, BOLT_E_NOMEM);
            CU_ASSERT_EQUAL(ev.request, BOLT_REQ_PULL);
            CU_ASSERT_EQUAL(ev.request_seq, (uint64_t)pull);
            CU_ASSERT_EQUAL(bolt_session_next_event(s, &ev), BOLT_E_NOMEM);
        }
        bolt_session_free(s);
        CU_ASSERT_EQUAL(failalloc_live(), 0);
        failalloc_uninstall();
    }
    CU_ASSERT(succeeded);
    CU_ASSERT(failing_runs >= 1); /* the record did need memory of its own */
    bolt_buf_free(&st);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 1;
    CU_pSuite su = CU_add_suite("session_raw", NULL, NULL);
    CU_add_test(su, "raw bytes, decode == eager (Bolt 3)", test_raw_bytes_and_decode_bolt3);
    CU_add_test(su, "raw bytes, decode == eager (Bolt 5)", test_raw_bytes_and_decode_bolt5);
    CU_add_test(su, "raw RECORD without PULL pending", test_raw_record_unexpected);
    CU_add_test(su, "malformed raw RECORD", test_raw_malformed_record);
    CU_add_test(su, "switching raw mode mid-stream", test_raw_switch_mid_stream);
    CU_add_test(su, "decode_record misuse", test_decode_record_misuse);
    CU_add_test(su, "decode_record out of memory", test_decode_record_nomem);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    bolt_buf_free(&g_m);
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
