/* Tests of bolt/handshake.c: proposals on the wire, legacy replies, manifest v1, varints, and
 * every handshake a real Neo4j 3.5.22 answered in the captures. */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bolt/error.h"
#include "bolt/handshake.h"
#include "captures.h"

/* CU_FAIL() records only its literal text: print the formatted reason as well. */
#define FAIL_MSG(s)                                                                                \
    do {                                                                                           \
        printf("\n    FAIL: %s\n", (s));                                                           \
        CU_FAIL("see the line above");                                                             \
    } while (0)

static const uint8_t default_bytes[20] = {0x60, 0x60, 0xB0, 0x17, 0x00, 0x08, 0x08,
                                          0x05, 0x00, 0x02, 0x04, 0x04, 0x00, 0x00,
                                          0x00, 0x04, 0x00, 0x00, 0x00, 0x03};
static const uint8_t manifest_bytes[20] = {0x60, 0x60, 0xB0, 0x17, 0x00, 0x00, 0x01,
                                           0xFF, 0x00, 0x08, 0x08, 0x05, 0x00, 0x02,
                                           0x04, 0x04, 0x00, 0x00, 0x00, 0x03};

/* Feeds reply in pieces of `step` bytes (0 = all at once); returns the final code and the
 * total consumed in *used. */
static int feed_steps(bolt_handshake *h, const uint8_t *reply, size_t len, size_t step,
                      size_t *used)
{
    size_t off = 0;
    int rc = 0;
    *used = 0;
    while (off < len) {
        size_t n = step ? (len - off < step ? len - off : step) : len - off;
        size_t c = 0;
        rc = bolt_handshake_feed(h, reply + off, n, &c);
        *used += c;
        off += n;
        if (rc != 0) break;
    }
    return rc;
}

static void test_proposal_bytes(void)
{
    bolt_handshake h;
    const uint8_t *out;
    bolt_handshake_init(&h, NULL);
    CU_ASSERT_EQUAL(bolt_handshake_output(&h, &out), 20);
    CU_ASSERT_EQUAL(memcmp(out, default_bytes, 20), 0);
    bolt_handshake_init(&h, bolt_manifest_proposals);
    CU_ASSERT_EQUAL(bolt_handshake_output(&h, &out), 20);
    CU_ASSERT_EQUAL(memcmp(out, manifest_bytes, 20), 0);

    /* Partial writes. */
    bolt_handshake_output_consumed(&h, 7);
    CU_ASSERT_EQUAL(bolt_handshake_output(&h, &out), 13);
    CU_ASSERT_EQUAL(memcmp(out, manifest_bytes + 7, 13), 0);
    bolt_handshake_output_consumed(&h, 100);
    CU_ASSERT_EQUAL(bolt_handshake_output(&h, &out), 0);
}

static void test_proposal_covers(void)
{
    CU_ASSERT_TRUE(bolt_proposal_covers(BOLT_PROPOSAL(5, 8, 8), 5, 0));
    CU_ASSERT_TRUE(bolt_proposal_covers(BOLT_PROPOSAL(5, 8, 8), 5, 8));
    CU_ASSERT_FALSE(bolt_proposal_covers(BOLT_PROPOSAL(5, 8, 8), 5, 9));
    CU_ASSERT_FALSE(bolt_proposal_covers(BOLT_PROPOSAL(5, 8, 8), 4, 4));
    CU_ASSERT_TRUE(bolt_proposal_covers(BOLT_PROPOSAL(4, 4, 2), 4, 2));
    CU_ASSERT_FALSE(bolt_proposal_covers(BOLT_PROPOSAL(4, 4, 2), 4, 1));
    CU_ASSERT_TRUE(bolt_proposal_covers(BOLT_PROPOSAL(4, 0, 0), 4, 0));
    CU_ASSERT_FALSE(bolt_proposal_covers(BOLT_PROPOSAL(4, 0, 0), 4, 1));
    CU_ASSERT_TRUE(bolt_proposal_covers(0x00000003u, 3, 0));
    CU_ASSERT_TRUE(bolt_proposal_covers(BOLT_PROPOSAL(4, 1, 5), 4, 0)); /* range clipped at 0 */
    CU_ASSERT_FALSE(bolt_proposal_covers(BOLT_MANIFEST_V1, 0xFF, 1));
    CU_ASSERT_FALSE(bolt_proposal_covers(0, 0, 0));
    CU_ASSERT_FALSE(bolt_proposal_covers(0x01000003u, 3, 0)); /* junk in the top byte */
}

static void test_legacy_replies(void)
{
    static const struct {
        uint8_t reply[4];
        int rc;
        unsigned major, minor;
    } cases[] = {
        {{0x00, 0x00, 0x00, 0x03}, 1, 3, 0},
        {{0x00, 0x00, 0x00, 0x04}, 1, 4, 0},
        {{0x00, 0x00, 0x04, 0x04}, 1, 4, 4},
        {{0x00, 0x00, 0x02, 0x04}, 1, 4, 2},
        {{0x00, 0x00, 0x00, 0x05}, 1, 5, 0},
        {{0x00, 0x00, 0x08, 0x05}, 1, 5, 8},
        {{0x00, 0x00, 0x00, 0x00}, BOLT_E_HS_NO_VERSION, 0, 0},
        {{'H', 'T', 'T', 'P'}, BOLT_E_HS_HTTP, 0, 0},
        {{0x00, 0x00, 0x01, 0x04}, BOLT_E_HS_NOT_OFFERED, 0, 0}, /* 4.1: not in set A */
        {{0x00, 0x00, 0x09, 0x05}, BOLT_E_HS_NOT_OFFERED, 0, 0},
        {{0x00, 0x00, 0x00, 0x02}, BOLT_E_HS_NOT_OFFERED, 0, 0},
        {{0x00, 0x00, 0x00, 0x06}, BOLT_E_HS_NOT_OFFERED, 0, 0},
        {{0x00, 0x02, 0x04, 0x04}, BOLT_E_HS_NOT_OFFERED, 0, 0}, /* a range as the answer */
        {{0x01, 0x00, 0x00, 0x03}, BOLT_E_HS_NOT_OFFERED, 0, 0},
        {{0x00, 0x00, 0x01, 0xFF}, BOLT_E_HS_NOT_OFFERED, 0, 0}, /* manifest, not offered */
        {{0x00, 0x00, 0x02, 0xFF}, BOLT_E_HS_NOT_OFFERED, 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (size_t step = 0; step <= 3; step++) {
            bolt_handshake h;
            bolt_handshake_init(&h, NULL);
            uint8_t in[8];
            memcpy(in, cases[i].reply, 4);
            memcpy(in + 4, "\x00\x03\xB1\x70", 4); /* the Bolt stream that follows */
            size_t used;
            int rc = feed_steps(&h, in, 8, step, &used);
            CU_ASSERT_EQUAL(rc, cases[i].rc);
            if (rc != cases[i].rc) printf("\n    case %zu step %zu: rc %d\n", i, step, rc);
            CU_ASSERT_EQUAL(used, 4); /* never eats the bytes after the reply */
            if (rc == 1) {
                CU_ASSERT_EQUAL(h.major, cases[i].major);
                CU_ASSERT_EQUAL(h.minor, cases[i].minor);
                CU_ASSERT_EQUAL(h.manifest, 0);
            }
            /* Nothing more to write on the legacy path, error or not. */
            const uint8_t *out;
            CU_ASSERT_EQUAL(bolt_handshake_output(&h, &out), 20);
            /* Done and failed states are final. */
            size_t c = 99;
            CU_ASSERT_EQUAL(bolt_handshake_feed(&h, in + 4, 4, &c), cases[i].rc);
            CU_ASSERT_EQUAL(c, 0);
        }
    }
}

static void test_varint(void)
{
    static const struct {
        uint64_t v;
        uint8_t bytes[10];
        size_t n;
    } cases[] = {
        {0, {0x00}, 1},
        {1, {0x01}, 1},
        {127, {0x7F}, 1},
        {128, {0x80, 0x01}, 2},
        {300, {0xAC, 0x02}, 2},
        {1851775, {0xFF, 0x82, 0x71}, 3},
        {UINT64_MAX, {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}, 10},
        {(uint64_t)1 << 63, {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}, 10},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t buf[10];
        size_t n = bolt_varint_encode(cases[i].v, buf);
        CU_ASSERT_EQUAL(n, cases[i].n);
        CU_ASSERT_EQUAL(memcmp(buf, cases[i].bytes, cases[i].n), 0);
        uint64_t v = 0;
        CU_ASSERT_EQUAL(bolt_varint_decode(cases[i].bytes, cases[i].n, &v), (int)cases[i].n);
        CU_ASSERT_EQUAL(v, cases[i].v);
        /* Every proper prefix is incomplete. */
        for (size_t k = 0; k < cases[i].n; k++)
            CU_ASSERT_EQUAL(bolt_varint_decode(cases[i].bytes, k, &v), 0);
    }
    /* A 10th byte above 1 and an 11th byte do not fit in 64 bits. */
    static const uint8_t over10[10] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02};
    static const uint8_t over11[11] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
                                       0x80, 0x80, 0x80, 0x81, 0x00};
    uint64_t v;
    CU_ASSERT_EQUAL(bolt_varint_decode(over10, 10, &v), BOLT_E_HS_MANIFEST);
    CU_ASSERT_EQUAL(bolt_varint_decode(over11, 11, &v), BOLT_E_HS_MANIFEST);
    /* Non-minimal padding is still LEB128. */
    static const uint8_t padded[3] = {0x81, 0x80, 0x00};
    CU_ASSERT_EQUAL(bolt_varint_decode(padded, 3, &v), 3);
    CU_ASSERT_EQUAL(v, 1);
}

/* The docs example: S: 00 00 01 FF 02 00 02 08 05 00 04 04 04 09, then our selection. */
static void test_manifest_docs_example(void)
{
    static const uint8_t reply[] = {0x00, 0x00, 0x01, 0xFF, 0x02, 0x00, 0x02, 0x08, 0x05,
                                    0x00, 0x04, 0x04, 0x04, 0x09, 0x00, 0x03, 0xB1};
    for (size_t step = 0; step <= sizeof reply; step++) {
        bolt_handshake h;
        bolt_handshake_init(&h, bolt_manifest_proposals);
        size_t used;
        int rc = feed_steps(&h, reply, sizeof reply, step, &used);
        CU_ASSERT_EQUAL(rc, 1);
        CU_ASSERT_EQUAL(used, 14);
        CU_ASSERT_EQUAL(h.manifest, 1);
        CU_ASSERT_EQUAL(h.major, 5);
        CU_ASSERT_EQUAL(h.minor, 8);
        CU_ASSERT_EQUAL(h.capabilities, 9);
        CU_ASSERT_EQUAL(h.server_version_count, 2);
        CU_ASSERT_EQUAL(h.server_versions[0], BOLT_PROPOSAL(5, 8, 2));
        CU_ASSERT_EQUAL(h.server_versions[1], BOLT_PROPOSAL(4, 4, 4));
        const uint8_t *out;
        CU_ASSERT_EQUAL(bolt_handshake_output(&h, &out), 25);
        static const uint8_t sel[5] = {0x00, 0x00, 0x08, 0x05, 0x00};
        CU_ASSERT_EQUAL(memcmp(out, manifest_bytes, 20), 0);
        CU_ASSERT_EQUAL(memcmp(out + 20, sel, 5), 0);
    }
}

/* Feeds a manifest body (after 00 00 01 FF) with the given proposals; checks the choice. */
static void check_manifest(const uint32_t *proposals, const uint8_t *body, size_t len, int want_rc,
                           unsigned major, unsigned minor)
{
    uint8_t reply[64] = {0x00, 0x00, 0x01, 0xFF};
    memcpy(reply + 4, body, len);
    for (size_t step = 0; step <= 2; step++) {
        bolt_handshake h;
        bolt_handshake_init(&h, proposals);
        bolt_handshake_output_consumed(&h, 20); /* already written */
        size_t used;
        int rc = feed_steps(&h, reply, 4 + len, step, &used);
        CU_ASSERT_EQUAL(rc, want_rc);
        const uint8_t *out;
        size_t n = bolt_handshake_output(&h, &out);
        CU_ASSERT_EQUAL(n, 5);
        if (rc == 1) {
            CU_ASSERT_EQUAL(h.major, major);
            CU_ASSERT_EQUAL(h.minor, minor);
            uint8_t sel[5] = {0, 0, (uint8_t)minor, (uint8_t)major, 0};
            CU_ASSERT(n == 5 && memcmp(out, sel, 5) == 0);
        } else if (n == 5) {
            static const uint8_t refuse[5] = {0, 0, 0, 0, 0};
            CU_ASSERT_EQUAL(memcmp(out, refuse, 5), 0);
        }
    }
}

static void test_manifest_choices(void)
{
    /* A 2025.10-like list: 4.0-4.4, 5.0-5.4, 5.6-5.8, 6.0; caps 0. */
    static const uint8_t modern[] = {0x04, 0x00, 0x04, 0x04, 0x04, 0x00, 0x04, 0x04, 0x05,
                                     0x00, 0x02, 0x08, 0x05, 0x00, 0x00, 0x00, 0x06, 0x00};
    check_manifest(bolt_manifest_proposals, modern, sizeof modern, 1, 5, 8);
    static const uint32_t with6[4] = {BOLT_MANIFEST_V1, BOLT_PROPOSAL(6, 0, 0),
                                      BOLT_PROPOSAL(5, 8, 8), BOLT_PROPOSAL(4, 4, 2)};
    check_manifest(with6, modern, sizeof modern, 1, 6, 0);
    /* Our highest offer inside a server range: 5.0-5.4 only -> 5.4. */
    static const uint8_t only54[] = {0x01, 0x00, 0x04, 0x04, 0x05, 0x00};
    check_manifest(bolt_manifest_proposals, only54, sizeof only54, 1, 5, 4);
    /* Only 4.x: our 4.2-4.4 proposal wins over anything lower. */
    static const uint8_t only4[] = {0x01, 0x00, 0x04, 0x04, 0x04, 0x00};
    check_manifest(bolt_manifest_proposals, only4, sizeof only4, 1, 4, 4);
    /* Server lists 4.0-4.1 only: we offered 4.2-4.4 and 3, so nothing. */
    static const uint8_t only41[] = {0x01, 0x00, 0x01, 0x01, 0x04, 0x00};
    check_manifest(bolt_manifest_proposals, only41, sizeof only41, BOLT_E_HS_MANIFEST, 0, 0);
    /* Nothing we know: refusal 00 00 00 00 00. */
    static const uint8_t future[] = {0x01, 0x00, 0x00, 0x00, 0x07, 0x00};
    check_manifest(bolt_manifest_proposals, future, sizeof future, BOLT_E_HS_MANIFEST, 0, 0);
    /* An empty list. */
    static const uint8_t empty[] = {0x00, 0x00};
    check_manifest(bolt_manifest_proposals, empty, sizeof empty, BOLT_E_HS_MANIFEST, 0, 0);
    /* More entries than any server has: refused before reading them. */
    static const uint8_t huge[] = {0x41};
    check_manifest(bolt_manifest_proposals, huge, sizeof huge, BOLT_E_HS_MANIFEST, 0, 0);
    /* A count that overflows 64 bits. */
    static const uint8_t bad_count[] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F};
    check_manifest(bolt_manifest_proposals, bad_count, sizeof bad_count, BOLT_E_HS_MANIFEST, 0, 0);
    /* Capabilities overflowing 64 bits. */
    static const uint8_t bad_caps[] = {0x01, 0x00, 0x08, 0x08, 0x05, 0x80, 0x80, 0x80,
                                       0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
    check_manifest(bolt_manifest_proposals, bad_caps, sizeof bad_caps, BOLT_E_HS_MANIFEST, 0, 0);
}

static void test_manifest_caps_and_tail(void)
{
    /* Multi-byte capabilities (FF 82 71 = 1,851,775) and trailing Bolt bytes. */
    static const uint8_t reply[] = {0x00, 0x00, 0x01, 0xFF, 0x01, 0x00, 0x08,
                                    0x08, 0x05, 0xFF, 0x82, 0x71, 0xAA, 0xBB};
    for (size_t step = 0; step <= 3; step++) {
        bolt_handshake h;
        bolt_handshake_init(&h, bolt_manifest_proposals);
        size_t used;
        CU_ASSERT_EQUAL(feed_steps(&h, reply, sizeof reply, step, &used), 1);
        CU_ASSERT_EQUAL(used, 12);
        CU_ASSERT_EQUAL(h.capabilities, 1851775);
        CU_ASSERT_EQUAL(h.major, 5);
        CU_ASSERT_EQUAL(h.minor, 8);
    }
    /* Incomplete manifest: more input needed, nothing written yet. */
    bolt_handshake h;
    bolt_handshake_init(&h, bolt_manifest_proposals);
    size_t used;
    CU_ASSERT_EQUAL(feed_steps(&h, reply, 11, 0, &used), 0);
    CU_ASSERT_EQUAL(used, 11);
    const uint8_t *out;
    CU_ASSERT_EQUAL(bolt_handshake_output(&h, &out), 20);
    /* Consumed may be NULL. */
    CU_ASSERT_EQUAL(bolt_handshake_feed(&h, reply + 11, 1, NULL), 1);
}

/* Every handshake of every capture: where the capture's magic is ours, our bytes for the same
 * proposals are the capture's bytes; the server's reply gives the capture's outcome. */
static void test_capture_handshakes(void)
{
    char err[512];
    char **paths;
    size_t np;
    CU_ASSERT_FATAL(capture_list(capture_dir(), &paths, &np, err, sizeof err) == 0);
    size_t checked = 0, bytes_equal = 0;
    for (size_t f = 0; f < np; f++) {
        capture c;
        if (capture_load(paths[f], &c, err, sizeof err) != 0) {
            FAIL_MSG(err);
            continue;
        }
        const cap_exchange *hs = NULL, *reply = NULL;
        for (size_t i = 0; i < c.count; i++) {
            if (c.ex[i].kind == CAP_HANDSHAKE && !hs) hs = &c.ex[i];
            if (c.ex[i].kind == CAP_HANDSHAKE_REPLY && !reply) reply = &c.ex[i];
        }
        CU_ASSERT_PTR_NOT_NULL(hs);
        if (!hs || hs->len != 20) {
            capture_free(&c);
            continue;
        }
        uint32_t props[4];
        for (int i = 0; i < 4; i++) {
            const uint8_t *p = hs->bytes + 4 + 4 * i;
            props[i] = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
        }
        bolt_handshake h;
        bolt_handshake_init(&h, props);
        const uint8_t *out;
        size_t n = bolt_handshake_output(&h, &out);
        CU_ASSERT_EQUAL(n, 20);
        CU_ASSERT_EQUAL(memcmp(out + 4, hs->bytes + 4, 16), 0);
        if (memcmp(hs->bytes, "\x60\x60\xB0\x17", 4) == 0) {
            CU_ASSERT_EQUAL(memcmp(out, hs->bytes, 20), 0);
            bytes_equal++;
        }
        if (strncmp(c.file, "01-", 3) == 0)
            CU_ASSERT_EQUAL(memcmp(hs->bytes, default_bytes, 20), 0);
        if (strncmp(c.file, "03-", 3) == 0)
            CU_ASSERT_EQUAL(memcmp(hs->bytes, manifest_bytes, 20), 0);

        if (!reply) {
            /* 07: bad magic, the server closed without a byte: we are still waiting. */
            CU_ASSERT_EQUAL(c.bolt_major, -1);
            CU_ASSERT_EQUAL(bolt_handshake_feed(&h, NULL, 0, NULL), 0);
            checked++;
            capture_free(&c);
            continue;
        }
        for (size_t step = 0; step <= 1; step++) {
            bolt_handshake_init(&h, props);
            size_t used;
            int rc = feed_steps(&h, reply->bytes, reply->len, step, &used);
            if (c.bolt_major > 0) {
                CU_ASSERT_EQUAL(rc, 1);
                CU_ASSERT_EQUAL(h.major, (unsigned)c.bolt_major);
                CU_ASSERT_EQUAL(h.minor, (unsigned)c.bolt_minor);
            } else if (memcmp(reply->bytes, "HTTP", 4) == 0) {
                CU_ASSERT_EQUAL(rc, BOLT_E_HS_HTTP);
            } else {
                CU_ASSERT_EQUAL(rc, BOLT_E_HS_NO_VERSION);
            }
            CU_ASSERT_EQUAL(used, 4);
        }
        checked++;
        capture_free(&c);
    }
    printf("\n    %zu capture handshakes checked, %zu with byte-identical client bytes ", checked,
           bytes_equal);
    CU_ASSERT_EQUAL(checked, np);
    CU_ASSERT_EQUAL(bytes_equal, np - 1); /* all but 07 (deliberately wrong magic) */
    capture_list_free(paths, np);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 1;
    CU_pSuite s = CU_add_suite("handshake", NULL, NULL);
    CU_add_test(s, "proposal bytes (sets A and B)", test_proposal_bytes);
    CU_add_test(s, "proposal coverage", test_proposal_covers);
    CU_add_test(s, "legacy replies, any split", test_legacy_replies);
    CU_add_test(s, "varint LEB128", test_varint);
    CU_add_test(s, "manifest: docs example", test_manifest_docs_example);
    CU_add_test(s, "manifest: choices and refusals", test_manifest_choices);
    CU_add_test(s, "manifest: capabilities and trailing bytes", test_manifest_caps_and_tail);
    CU_add_test(s, "captures: every handshake", test_capture_handshakes);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failures = CU_get_number_of_failures();
    CU_cleanup_registry();
    return failures ? 1 : 0;
}
