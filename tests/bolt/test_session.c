/* Unit tests of bolt/session.c: handshake (legacy and manifest), HELLO/LOGON, configuration
 * copies, the utc patch, credentials wiped from memory, malloc failures across a conversation.
 * Requests and the state table are tested in test_session_requests.c, responses and robustness
 * in test_session_events.c, the real 3.5.22 conversations in test_session_captures.c.
 */
#include "failalloc.h"
#include "session_fixture.h"

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
    CU_ASSERT_EQUAL(bolt_session_reset(s), BOLT_E_STATE); /* only LOGON is defined there */
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
    CU_add_test(su, "utc patch", test_utc_patch);
    CU_add_test(su, "credentials wiped", test_credentials_wiped);
    CU_add_test(su, "malloc failures (5.4 conversation)", test_malloc_failures);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    bolt_buf_free(&g_m);
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
