/* Unit tests of bolt/session_requests.c: the bytes each request writes per version, PULL n and
 * its has_more, explicit transactions, ROUTE on 4.3 vs 4.4, and the client-side refusals of
 * requests the server would punish by closing the connection.
 */
#include "session_fixture.h"

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

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 1;
    CU_pSuite su = CU_add_suite("session_requests", NULL, NULL);
    CU_add_test(su, "PULL n with has_more", test_pull_n_has_more);
    CU_add_test(su, "Bolt 3 PULL is PULL_ALL", test_bolt3_pull_is_pull_all);
    CU_add_test(su, "explicit tx extra", test_explicit_tx_extra);
    CU_add_test(su, "ROUTE 4.3 vs 4.4", test_route_43_vs_44);
    CU_add_test(su, "state refusals", test_state_refusals);
    CU_add_test(su, "Bolt 3 BEGIN behind fallible", test_bolt3_begin_behind_fallible);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    bolt_buf_free(&g_m);
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
