/* Tests of the PackStream encoder and decoder (bolt/packstream_enc.c, bolt/packstream_dec.c,
 * bolt/buf.c): golden bytes for every marker and size boundary, smallest encodings, reserved
 * markers, size claims, truncation at every offset, nesting limits and malloc failures.
 * Structure rules per Bolt version are in test_packstream_struct.c, the real Neo4j 3.5.22
 * conversations in test_packstream_captures.c, the output buffer in test_buf.c. */
#include <CUnit/Basic.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bolt/error.h"
#include "bolt/packstream.h"
#include "failalloc.h"
#include "hex.h"
#include "psinput.h"

/* ---- helpers ---------------------------------------------------------------------------- */

static int setup(void)
{
    psinput_init(256);
    return 0;
}

static int teardown(void)
{
    psinput_free();
    return 0;
}

static const uint8_t *set_hex(const char *hex)
{
    size_t n = 0;
    uint8_t *p = hex_alloc(hex, &n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    ps_set_input(p, n);
    free(p);
    return ps_input;
}

static int dec_hex(const char *hex, bolt_value *out, size_t *consumed)
{
    set_hex(hex);
    return ps_decode_input(3, 0, 0, out, consumed);
}

/* Encodes v and checks the bytes against hex. */
static void check_pack(const bolt_value *v, const char *hex)
{
    size_t n = 0;
    uint8_t *want = hex_alloc(hex, &n);
    bolt_buf b;
    bolt_buf_init(&b);
    bolt_pack_value(&b, v);
    CU_ASSERT_EQUAL(b.err, 0);
    CU_ASSERT_EQUAL(b.len, n);
    if (b.len != n || memcmp(b.data, want, n) != 0) {
        char got[256];
        hex_encode(b.data, b.len, got, sizeof got);
        fprintf(stderr, "\n  encoded %s, want %s\n", got, hex);
        CU_FAIL("encoding differs");
    }
    bolt_buf_free(&b);
    free(want);
}

static const char *fmt(const bolt_value *v)
{
    static char buf[4096];
    bolt_value_format(v, buf, sizeof buf);
    return buf;
}

/* ---- scalars ------------------------------------------------------------------------------ */

static const struct {
    int64_t v;
    const char *hex;
} int_vectors[] = {
    {0, "00"},
    {1, "01"},
    {42, "2A"},
    {127, "7F"},
    {128, "C9 00 80"},
    {-1, "FF"},
    {-16, "F0"},
    {-17, "C8 EF"},
    {-128, "C8 80"},
    {-129, "C9 FF 7F"},
    {255, "C9 00 FF"},
    {32767, "C9 7F FF"},
    {32768, "CA 00 00 80 00"},
    {-32768, "C9 80 00"},
    {-32769, "CA FF FF 7F FF"},
    {INT64_C(2147483647), "CA 7F FF FF FF"},
    {INT64_C(2147483648), "CB 00 00 00 00 80 00 00 00"},
    {INT64_C(-2147483648), "CA 80 00 00 00"},
    {INT64_C(-2147483649), "CB FF FF FF FF 7F FF FF FF"},
    {INT64_MAX, "CB 7F FF FF FF FF FF FF FF"},
    {INT64_MIN, "CB 80 00 00 00 00 00 00 00"},
};

static void test_int_golden(void)
{
    for (size_t i = 0; i < sizeof int_vectors / sizeof int_vectors[0]; i++) {
        bolt_value v = bolt_int(int_vectors[i].v), out;
        check_pack(&v, int_vectors[i].hex);
        size_t used = 0;
        CU_ASSERT_EQUAL(dec_hex(int_vectors[i].hex, &out, &used), 0);
        CU_ASSERT_EQUAL(used, ps_input_len);
        CU_ASSERT_EQUAL(out.type, BOLT_T_INT);
        CU_ASSERT_EQUAL(out.u.i, int_vectors[i].v);
    }
}

/* Every boundary +-1 of every width: the encoding is the smallest one (its length) and it
 * decodes back to the same value. */
static void test_int_smallest_at_boundaries(void)
{
    static const int64_t edges[] = {-16,       127,       -128,      INT16_MIN, INT16_MAX,
                                    INT32_MIN, INT32_MAX, INT64_MIN, INT64_MAX, 0};
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++) {
        for (int delta = -1; delta <= 1; delta++) {
            int64_t x = edges[i];
            if ((delta < 0 && x == INT64_MIN) || (delta > 0 && x == INT64_MAX)) continue;
            x += delta;
            size_t want = x >= -16 && x <= 127               ? 1
                          : x >= -128 && x <= 127            ? 2
                          : x >= INT16_MIN && x <= INT16_MAX ? 3
                          : x >= INT32_MIN && x <= INT32_MAX ? 5
                                                             : 9;
            bolt_buf b;
            bolt_buf_init(&b);
            bolt_pack_int(&b, x);
            CU_ASSERT_EQUAL(b.len, want);
            ps_set_input(b.data, b.len);
            bolt_value out;
            size_t used = 0;
            CU_ASSERT_EQUAL(ps_decode_input(3, 0, 0, &out, &used), 0);
            CU_ASSERT_EQUAL(used, want);
            CU_ASSERT_EQUAL(out.u.i, x);
            bolt_buf_free(&b);
        }
    }
}

static void test_int_any_width_accepted(void)
{
    static const char *const forty_two[] = {"2A", "C8 2A", "C9 00 2A", "CA 00 00 00 2A",
                                            "CB 00 00 00 00 00 00 00 2A"};
    for (size_t i = 0; i < 5; i++) {
        bolt_value out;
        size_t used = 0;
        CU_ASSERT_EQUAL(dec_hex(forty_two[i], &out, &used), 0);
        CU_ASSERT_EQUAL(out.u.i, 42);
        CU_ASSERT_EQUAL(used, ps_input_len);
    }
    /* Non-optimal negative: -1 in 8 bytes. */
    bolt_value out;
    CU_ASSERT_EQUAL(dec_hex("CB FF FF FF FF FF FF FF FF", &out, NULL), 0);
    CU_ASSERT_EQUAL(out.u.i, -1);
}

static void test_null_bool_float(void)
{
    bolt_value out, v;
    v = bolt_null();
    check_pack(&v, "C0");
    CU_ASSERT_EQUAL(dec_hex("C0", &out, NULL), 0);
    CU_ASSERT_EQUAL(out.type, BOLT_T_NULL);
    v = bolt_bool(1);
    check_pack(&v, "C3");
    CU_ASSERT_EQUAL(dec_hex("C3", &out, NULL), 0);
    CU_ASSERT_EQUAL(out.type, BOLT_T_BOOL);
    CU_ASSERT_EQUAL(out.u.i, 1);
    v = bolt_bool(0);
    check_pack(&v, "C2");
    CU_ASSERT_EQUAL(dec_hex("C2", &out, NULL), 0);
    CU_ASSERT_EQUAL(out.u.i, 0);

    /* bolt-reference section 3 worked example. */
    v = bolt_float(1.23);
    check_pack(&v, "C1 3F F3 AE 14 7A E1 47 AE");
    CU_ASSERT_EQUAL(dec_hex("C1 3F F3 AE 14 7A E1 47 AE", &out, NULL), 0);
    CU_ASSERT_EQUAL(out.type, BOLT_T_FLOAT);
    CU_ASSERT_EQUAL(out.u.f, 1.23);

    v = bolt_float(-0.0);
    check_pack(&v, "C1 80 00 00 00 00 00 00 00");
    CU_ASSERT_EQUAL(dec_hex("C1 80 00 00 00 00 00 00 00", &out, NULL), 0);
    CU_ASSERT(out.u.f == 0.0 && signbit(out.u.f));
    v = bolt_float(INFINITY);
    check_pack(&v, "C1 7F F0 00 00 00 00 00 00");
    CU_ASSERT_EQUAL(dec_hex("C1 7F F8 00 00 00 00 00 00", &out, NULL), 0);
    CU_ASSERT(isnan(out.u.f));
}

/* ---- sized values: every size boundary -------------------------------------------------- */

static const struct {
    size_t n;
    const char *str_hdr, *bytes_hdr, *list_hdr, *map_hdr;
} size_vectors[] = {
    {0, "80", "CC 00", "90", "A0"},
    {1, "81", "CC 01", "91", "A1"},
    {15, "8F", "CC 0F", "9F", "AF"},
    {16, "D0 10", "CC 10", "D4 10", "D8 10"},
    {255, "D0 FF", "CC FF", "D4 FF", "D8 FF"},
    {256, "D1 01 00", "CD 01 00", "D5 01 00", "D9 01 00"},
    {65535, "D1 FF FF", "CD FF FF", "D5 FF FF", "D9 FF FF"},
    {65536, "D2 00 01 00 00", "CE 00 01 00 00", "D6 00 01 00 00", "DA 00 01 00 00"},
};

static int starts_with_hex(const bolt_buf *b, const char *hex)
{
    uint8_t want[8];
    long n = hex_decode(hex, want, sizeof want);
    return n > 0 && b->len >= (size_t)n && memcmp(b->data, want, (size_t)n) == 0;
}

static void test_sized_headers_and_decoding(void)
{
    for (size_t i = 0; i < sizeof size_vectors / sizeof size_vectors[0]; i++) {
        size_t n = size_vectors[i].n;
        char *text = malloc(n + 1);
        memset(text, 'x', n);
        bolt_buf b;
        bolt_buf_init(&b);

        /* String: header, then the bytes; decodes zero-copy into the input. */
        bolt_pack_string(&b, text, n);
        CU_ASSERT(starts_with_hex(&b, size_vectors[i].str_hdr));
        ps_set_input(b.data, b.len);
        bolt_value out;
        size_t used = 0;
        CU_ASSERT_EQUAL_FATAL(ps_decode_input(3, 0, 0, &out, &used), 0);
        CU_ASSERT_EQUAL(used, b.len);
        CU_ASSERT_EQUAL(out.type, BOLT_T_STRING);
        CU_ASSERT_EQUAL(out.len, n);
        CU_ASSERT(out.u.str >= (const char *)ps_input &&
                  out.u.str + n <= (const char *)ps_input + ps_input_len);

        /* Bytes (no tiny form). */
        bolt_buf_reset(&b);
        bolt_pack_bytes(&b, (const uint8_t *)text, n);
        CU_ASSERT(starts_with_hex(&b, size_vectors[i].bytes_hdr));
        ps_set_input(b.data, b.len);
        CU_ASSERT_EQUAL_FATAL(ps_decode_input(3, 0, 0, &out, &used), 0);
        CU_ASSERT_EQUAL(out.type, BOLT_T_BYTES);
        CU_ASSERT_EQUAL(out.len, n);
        CU_ASSERT_EQUAL(used, b.len);

        /* List of n ints 1. */
        bolt_buf_reset(&b);
        bolt_pack_list_header(&b, (uint32_t)n);
        CU_ASSERT(starts_with_hex(&b, size_vectors[i].list_hdr));
        for (size_t k = 0; k < n; k++)
            bolt_pack_int(&b, 1);
        ps_set_input(b.data, b.len);
        CU_ASSERT_EQUAL_FATAL(ps_decode_input(3, 0, 0, &out, &used), 0);
        CU_ASSERT_EQUAL(out.type, BOLT_T_LIST);
        CU_ASSERT_EQUAL(out.len, n);
        CU_ASSERT_EQUAL(used, b.len);
        if (n) CU_ASSERT_EQUAL(out.u.items[n - 1].u.i, 1);

        /* Map of n entries "k" -> k (duplicate keys: legal, last wins). */
        bolt_buf_reset(&b);
        bolt_pack_map_header(&b, (uint32_t)n);
        CU_ASSERT(starts_with_hex(&b, size_vectors[i].map_hdr));
        for (size_t k = 0; k < n; k++) {
            bolt_pack_cstr(&b, "k");
            bolt_pack_int(&b, (int64_t)k);
        }
        ps_set_input(b.data, b.len);
        CU_ASSERT_EQUAL_FATAL(ps_decode_input(3, 0, 0, &out, &used), 0);
        CU_ASSERT_EQUAL(out.type, BOLT_T_MAP);
        CU_ASSERT_EQUAL(out.len, n);
        CU_ASSERT_EQUAL(used, b.len);
        const bolt_value *last = bolt_map_get(&out, "k");
        if (n) {
            CU_ASSERT_PTR_NOT_NULL_FATAL(last);
            CU_ASSERT_EQUAL(last->u.i, (int64_t)n - 1);
        } else {
            CU_ASSERT_PTR_NULL(last);
        }
        bolt_arena_reset(&ps_arena);
        bolt_buf_free(&b);
        free(text);
    }
}

static void test_string_counts_utf8_bytes(void)
{
    /* "Grüße" is 5 characters, 7 UTF-8 bytes. */
    bolt_value v = bolt_string("Gr\xc3\xbc\xc3\x9f"
                               "e"),
               out;
    check_pack(&v, "87 47 72 C3 BC C3 9F 65");
    CU_ASSERT_EQUAL(dec_hex("87 47 72 C3 BC C3 9F 65", &out, NULL), 0);
    CU_ASSERT_EQUAL(out.len, 7);
    CU_ASSERT(bolt_value_str_eq(&out, "Gr\xc3\xbc\xc3\x9f"
                                      "e"));
}

static void test_utf8_check_flag(void)
{
    static const char *const bad[] = {
        "82 C3 28",       /* bad continuation */
        "82 C0 80",       /* overlong NUL */
        "83 ED A0 80",    /* UTF-16 surrogate */
        "84 F4 90 80 80", /* above U+10FFFF */
        "81 FF",          /* never valid */
        "82 E2 82",       /* cut sequence */
    };
    bolt_value out;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        set_hex(bad[i]);
        CU_ASSERT_EQUAL(ps_decode_input(3, 0, BOLT_DECODE_CHECK_UTF8, &out, NULL), BOLT_E_UTF8);
        /* Without the flag the bytes are passed through untouched. */
        CU_ASSERT_EQUAL(ps_decode_input(3, 0, 0, &out, NULL), 0);
        CU_ASSERT_EQUAL(out.type, BOLT_T_STRING);
    }
    /* Map keys are strings too. */
    set_hex("A1 81 FF 01");
    CU_ASSERT_EQUAL(ps_decode_input(3, 0, BOLT_DECODE_CHECK_UTF8, &out, NULL), BOLT_E_UTF8);
    set_hex("84 F0 9F 8E 89"); /* U+1F389 */
    CU_ASSERT_EQUAL(ps_decode_input(3, 0, BOLT_DECODE_CHECK_UTF8, &out, NULL), 0);
}

static void test_consumed_stops_at_value_end(void)
{
    bolt_value out;
    size_t used = 99;
    CU_ASSERT_EQUAL(dec_hex("92 01 02 03 04", &out, &used), 0);
    CU_ASSERT_EQUAL(used, 3);
    CU_ASSERT_STRING_EQUAL(fmt(&out), "[1, 2]");
}

/* ---- invalid input --------------------------------------------------------------------- */

static void test_reserved_markers(void)
{
    static const uint8_t reserved[] = {0xC4, 0xC5, 0xC6, 0xC7, 0xCF, 0xD3, 0xD7, 0xDB, 0xDC, 0xDD,
                                       0xDE, 0xDF, 0xE0, 0xE1, 0xE2, 0xE3, 0xE4, 0xE5, 0xE6, 0xE7,
                                       0xE8, 0xE9, 0xEA, 0xEB, 0xEC, 0xED, 0xEE, 0xEF};
    for (size_t i = 0; i < sizeof reserved; i++) {
        /* Followed by plenty of bytes, so no size rule can explain the error. */
        uint8_t in[12] = {reserved[i], 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        bolt_value out;
        ps_set_input(in, sizeof in);
        CU_ASSERT_EQUAL(ps_decode_input(6, 0, BOLT_DECODE_RAW_STRUCTS, &out, NULL),
                        BOLT_E_RESERVED_MARKER);
        /* Nested inside a list and as a map value. */
        uint8_t nested[13] = {0x91, reserved[i]};
        ps_set_input(nested, sizeof nested);
        CU_ASSERT_EQUAL(ps_decode_input(6, 0, 0, &out, NULL), BOLT_E_RESERVED_MARKER);
        uint8_t inmap[14] = {0xA1, 0x81, 'k', reserved[i]};
        ps_set_input(inmap, sizeof inmap);
        CU_ASSERT_EQUAL(ps_decode_input(6, 0, 0, &out, NULL), BOLT_E_RESERVED_MARKER);
    }
    /* Every other marker byte decodes to something or fails for another reason. */
    int reserved_count = 0;
    for (int m = 0; m < 256; m++) {
        uint8_t in[40] = {(uint8_t)m};
        bolt_value out;
        ps_set_input(in, sizeof in);
        if (ps_decode_input(6, 0, BOLT_DECODE_RAW_STRUCTS, &out, NULL) == BOLT_E_RESERVED_MARKER)
            reserved_count++;
    }
    CU_ASSERT_EQUAL(reserved_count, (int)sizeof reserved);
}

static void test_map_key_must_be_string(void)
{
    static const char *const bad[] = {
        "A1 01 01",                            /* int key */
        "A1 C0 01",                            /* null key */
        "A1 90 01",                            /* list key */
        "A2 81 61 01 A0 02",                   /* second key is a map */
        "91 A1 C3 01",                         /* nested map, bool key */
        "D8 01 C1 00 00 00 00 00 00 00 00 01", /* float key, sized map */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        bolt_value out;
        CU_ASSERT_EQUAL(dec_hex(bad[i], &out, NULL), BOLT_E_MAP_KEY);
    }
    /* Every string form is a valid key, including the empty string. */
    bolt_value out;
    CU_ASSERT_EQUAL(dec_hex("A3 80 01 D0 01 61 02 D1 00 01 62 03", &out, NULL), 0);
    CU_ASSERT_EQUAL(bolt_map_get(&out, "")->u.i, 1);
    CU_ASSERT_EQUAL(bolt_map_get(&out, "a")->u.i, 2);
    CU_ASSERT_EQUAL(bolt_map_get(&out, "b")->u.i, 3);
}

static void test_duplicate_keys_last_wins(void)
{
    bolt_value out;
    CU_ASSERT_EQUAL(dec_hex("A3 81 61 01 81 62 02 81 61 03", &out, NULL), 0);
    CU_ASSERT_EQUAL(out.len, 3);
    CU_ASSERT_EQUAL(bolt_map_get(&out, "a")->u.i, 3);
    CU_ASSERT_EQUAL(bolt_map_get(&out, "b")->u.i, 2);
    CU_ASSERT_PTR_NULL(bolt_map_get(&out, "c"));
}

/* Sizes of 4 GiB in a tiny buffer: TOO_BIG, and not one allocation. The largest legal size
 * (2^31-1) that the input cannot hold is merely TRUNCATED, also without allocating. */
static void test_huge_sizes_no_allocation(void)
{
    static const struct {
        const char *hex;
        int rc;
    } cases[] = {
        {"D2 FF FF FF FF 61 62", BOLT_E_TOO_BIG},
        {"CE FF FF FF FF 61 62", BOLT_E_TOO_BIG},
        {"D6 FF FF FF FF 01 02", BOLT_E_TOO_BIG},
        {"DA FF FF FF FF 81 61", BOLT_E_TOO_BIG},
        {"D2 80 00 00 00 61 62", BOLT_E_TOO_BIG},
        {"D2 7F FF FF FF 61 62", BOLT_E_TRUNCATED},
        {"D6 7F FF FF FF 01 02", BOLT_E_TRUNCATED},
        {"DA 7F FF FF FF 81 61", BOLT_E_TRUNCATED},
        /* A map of 3 entries needs >= 6 bytes: 5 are left, refused before allocating. */
        {"A3 01 02 03 04 05", BOLT_E_TRUNCATED},
        {"D5 01 00 01 02 03", BOLT_E_TRUNCATED},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        set_hex(cases[i].hex);
        bolt_arena a;
        bolt_arena_init(&a, 64, 0);
        bolt_dialect dl;
        bolt_dialect_for(&dl, 5, 0, 0);
        bolt_decoder d = {&dl, &a, 0, 0};
        bolt_value out;
        failalloc_install();
        int rc = bolt_decode(&d, ps_input, ps_input_len, &out, NULL);
        unsigned long calls = failalloc_calls();
        failalloc_uninstall();
        if (rc != cases[i].rc) fprintf(stderr, "\n  %s -> %s\n", cases[i].hex, bolt_errname(rc));
        CU_ASSERT_EQUAL(rc, cases[i].rc);
        CU_ASSERT_EQUAL(calls, 0);
        bolt_arena_free(&a);
    }
    /* Nested: the outer list's one slot is allocated, the inner claim still fails. */
    bolt_value out;
    CU_ASSERT_EQUAL(dec_hex("91 D6 FF FF FF FF 01", &out, NULL), BOLT_E_TOO_BIG);
    CU_ASSERT_EQUAL(dec_hex("A1 81 61 DA 80 00 00 00 01", &out, NULL), BOLT_E_TOO_BIG);
}

/* A few multi-level values, cut at every offset: always TRUNCATED, never a crash or read past
 * the end (each prefix is an exact-size heap copy, so ASan sees any over-read). */
static const struct {
    unsigned major, minor;
    const char *hex;
} truncation_vectors[] = {
    {3, 0,
     "93 01 92 C1 3F F3 AE 14 7A E1 47 AE D0 10 61 62 63 64 65 66 67 68 69 6A 6B 6C 6D 6E "
     "6F 70 A2 81 61 CB 7F FF FF FF FF FF FF FF 81 62 CC 03 01 02 03"},
    /* RECORD-like Node with labels, properties, a legacy DateTime, a point and a list. */
    {3, 0,
     "B3 4E 2A 92 86 50 65 72 73 6F 6E 88 45 6D 70 6C 6F 79 65 65 A4 83 75 69 64 C9 04 D2 "
     "82 64 74 B3 46 CA 5E E7 85 E8 7B C9 1C 20 81 70 B3 58 C9 10 E6 C1 3F F0 00 00 00 00 "
     "00 00 C1 40 00 00 00 00 00 00 00 81 6C 93 01 80 C0"},
    /* 5.0 Path (a)-[:KNOWS]->(b) with element ids. */
    {5, 0,
     "B3 50 92 B4 4E 00 91 81 41 A0 83 34 3A 30 B4 4E 01 90 A0 83 34 3A 31 91 B4 72 07 85 "
     "4B 4E 4F 57 53 A1 81 77 01 83 35 3A 37 92 01 01"},
    /* 6.0 Vector of two float32. */
    {6, 0, "B2 56 CC 01 C6 CC 08 3F 80 00 00 40 00 00 00"},
};

static void test_truncated_every_offset(void)
{
    for (size_t i = 0; i < sizeof truncation_vectors / sizeof truncation_vectors[0]; i++) {
        size_t n = 0;
        uint8_t *full = hex_alloc(truncation_vectors[i].hex, &n);
        bolt_value out;
        size_t used = 0;
        ps_set_input(full, n);
        int rc = ps_decode_input(truncation_vectors[i].major, truncation_vectors[i].minor, 0, &out,
                                 &used);
        CU_ASSERT_EQUAL(rc, 0);
        CU_ASSERT_EQUAL(used, n);
        for (size_t cut = 0; cut < n; cut++) {
            ps_set_input(full, cut);
            rc = ps_decode_input(truncation_vectors[i].major, truncation_vectors[i].minor, 0, &out,
                                 &used);
            if (rc != BOLT_E_TRUNCATED)
                fprintf(stderr, "\n  vector %zu cut at %zu: %s\n", i, cut, bolt_errname(rc));
            CU_ASSERT_EQUAL(rc, BOLT_E_TRUNCATED);
            CU_ASSERT_EQUAL(out.type, BOLT_T_NULL);
        }
        bolt_arena_reset(&ps_arena);
        free(full);
    }
}

/* ---- nesting -------------------------------------------------------------------------------- */

static int decode_nested(size_t levels, unsigned max_depth, uint8_t opener)
{
    /* levels containers of one item each, innermost holding int 1. */
    uint8_t *in = malloc(levels * 2 + 1);
    size_t n = 0;
    for (size_t i = 0; i < levels; i++) {
        in[n++] = opener;
        if (opener == 0xA1) in[n++] = 0x80; /* key "" */
    }
    in[n++] = 0x01;
    ps_set_input(in, n);
    free(in);
    bolt_dialect dl;
    bolt_dialect_for(&dl, 3, 0, 0);
    bolt_decoder d = {&dl, &ps_arena, max_depth, 0};
    bolt_value out;
    int rc = bolt_decode(&d, ps_input, ps_input_len, &out, NULL);
    bolt_arena_reset(&ps_arena);
    return rc;
}

static void test_depth_limits(void)
{
    CU_ASSERT_EQUAL(decode_nested(BOLT_DEFAULT_MAX_DEPTH, 0, 0x91), 0);
    CU_ASSERT_EQUAL(decode_nested(BOLT_DEFAULT_MAX_DEPTH + 1, 0, 0x91), BOLT_E_TOO_DEEP);
    CU_ASSERT_EQUAL(decode_nested(BOLT_DEFAULT_MAX_DEPTH, 0, 0xA1), 0);
    CU_ASSERT_EQUAL(decode_nested(BOLT_DEFAULT_MAX_DEPTH + 1, 0, 0xA1), BOLT_E_TOO_DEEP);
    CU_ASSERT_EQUAL(decode_nested(2, 2, 0x91), 0);
    CU_ASSERT_EQUAL(decode_nested(3, 2, 0x91), BOLT_E_TOO_DEEP);
    /* max_depth above the hard ceiling is clamped to it. */
    CU_ASSERT_EQUAL(decode_nested(BOLT_MAX_DEPTH_LIMIT, 100000, 0x91), 0);
    CU_ASSERT_EQUAL(decode_nested(BOLT_MAX_DEPTH_LIMIT + 1, 100000, 0x91), BOLT_E_TOO_DEEP);
    /* Empty containers count as a level too. */
    set_hex("91 91 90");
    bolt_dialect dl;
    bolt_dialect_for(&dl, 3, 0, 0);
    bolt_decoder d = {&dl, &ps_arena, 2, 0};
    bolt_value out;
    CU_ASSERT_EQUAL(bolt_decode(&d, ps_input, ps_input_len, &out, NULL), BOLT_E_TOO_DEEP);
}

/* A million 0x91 bytes (a list holding a list holding ...): an error, quickly, and no stack
 * overflow even with the largest max_depth a caller can ask for. */
static void test_nesting_bomb(void)
{
    size_t n = 1000000;
    uint8_t *in = malloc(n);
    memset(in, 0x91, n);
    ps_set_input(in, n);
    free(in);
    bolt_dialect dl;
    bolt_dialect_for(&dl, 3, 0, 0);
    unsigned depths[] = {0, 100000000};
    for (size_t i = 0; i < 2; i++) {
        bolt_decoder d = {&dl, &ps_arena, depths[i], 0};
        bolt_value out;
        CU_ASSERT_EQUAL(bolt_decode(&d, ps_input, ps_input_len, &out, NULL), BOLT_E_TOO_DEEP);
        bolt_arena_reset(&ps_arena);
    }
    /* Same with maps ("A1 80" repeated) and structures (unknown tag, raw). */
    for (size_t i = 0; i + 1 < n; i += 2) {
        ps_input[i] = 0xA1;
        ps_input[i + 1] = 0x80;
    }
    bolt_decoder d = {&dl, &ps_arena, 0, 0};
    bolt_value out;
    CU_ASSERT_EQUAL(bolt_decode(&d, ps_input, ps_input_len, &out, NULL), BOLT_E_TOO_DEEP);
    for (size_t i = 0; i + 1 < n; i += 2) {
        ps_input[i] = 0xB1;
        ps_input[i + 1] = 0x7A;
    }
    d.flags = BOLT_DECODE_RAW_STRUCTS;
    CU_ASSERT_EQUAL(bolt_decode(&d, ps_input, ps_input_len, &out, NULL), BOLT_E_TOO_DEEP);
    bolt_arena_reset(&ps_arena);
}

/* ---- argument checks and the struct header peek ------------------------------------------ */

static void test_invalid_arguments(void)
{
    bolt_dialect dl;
    bolt_dialect_for(&dl, 3, 0, 0);
    bolt_value out;
    uint8_t one = 1;
    bolt_decoder no_arena = {&dl, NULL, 0, 0};
    CU_ASSERT_EQUAL(bolt_decode(&no_arena, &one, 1, &out, NULL), BOLT_E_INVAL);
    bolt_decoder no_dialect = {NULL, &ps_arena, 0, 0};
    CU_ASSERT_EQUAL(bolt_decode(&no_dialect, &one, 1, &out, NULL), BOLT_E_INVAL);
    bolt_decoder ok = {&dl, &ps_arena, 0, 0};
    CU_ASSERT_EQUAL(bolt_decode(NULL, &one, 1, &out, NULL), BOLT_E_INVAL);
    CU_ASSERT_EQUAL(bolt_decode(&ok, &one, 1, NULL, NULL), BOLT_E_INVAL);
    CU_ASSERT_EQUAL(bolt_decode(&ok, NULL, 1, &out, NULL), BOLT_E_INVAL);
    CU_ASSERT_EQUAL(bolt_decode(&ok, NULL, 0, &out, NULL), BOLT_E_TRUNCATED);
}

static void test_struct_header_peek(void)
{
    uint8_t fields = 0xEE, tag = 0xEE;
    size_t used = 0;
    set_hex("B1 71 91 01");
    CU_ASSERT_EQUAL(bolt_decode_struct_header(ps_input, ps_input_len, &fields, &tag, &used), 0);
    CU_ASSERT_EQUAL(fields, 1);
    CU_ASSERT_EQUAL(tag, 0x71);
    CU_ASSERT_EQUAL(used, 2);
    set_hex("BF 00");
    CU_ASSERT_EQUAL(bolt_decode_struct_header(ps_input, ps_input_len, &fields, &tag, &used), 0);
    CU_ASSERT_EQUAL(fields, 15);
    CU_ASSERT_EQUAL(tag, 0);
    set_hex("B0");
    CU_ASSERT_EQUAL(bolt_decode_struct_header(ps_input, ps_input_len, &fields, &tag, &used),
                    BOLT_E_TRUNCATED);
    CU_ASSERT_EQUAL(bolt_decode_struct_header(ps_input, 0, &fields, &tag, &used), BOLT_E_TRUNCATED);
    set_hex("91 01");
    CU_ASSERT_EQUAL(bolt_decode_struct_header(ps_input, ps_input_len, &fields, &tag, &used),
                    BOLT_E_BAD_STRUCT);
    set_hex("DC 01 71");
    CU_ASSERT_EQUAL(bolt_decode_struct_header(ps_input, ps_input_len, &fields, &tag, &used),
                    BOLT_E_RESERVED_MARKER);
    set_hex("E5 00");
    CU_ASSERT_EQUAL(bolt_decode_struct_header(ps_input, ps_input_len, &fields, &tag, &used),
                    BOLT_E_RESERVED_MARKER);
}

/* ---- encoder ------------------------------------------------------------------------------- */

static void test_encoder_errors_are_sticky(void)
{
    bolt_buf b;
    bolt_buf_init(&b);
    bolt_pack_int(&b, 1);
    /* Never dereferenced: the size check comes first. */
    bolt_pack_string(&b, "x", (size_t)INT32_MAX + 1);
    CU_ASSERT_EQUAL(b.err, BOLT_E_TOO_BIG);
    CU_ASSERT_EQUAL(b.len, 1);
    bolt_pack_int(&b, 2);
    bolt_pack_cstr(&b, "more");
    CU_ASSERT_EQUAL(b.len, 1);
    CU_ASSERT_EQUAL(b.err, BOLT_E_TOO_BIG);
    bolt_buf_reset(&b);
    CU_ASSERT_EQUAL(b.err, 0);
    bolt_pack_list_header(&b, 0x80000000u);
    CU_ASSERT_EQUAL(b.err, BOLT_E_TOO_BIG);
    bolt_buf_reset(&b);
    bolt_pack_map_header(&b, 0xFFFFFFFFu);
    CU_ASSERT_EQUAL(b.err, BOLT_E_TOO_BIG);
    bolt_buf_reset(&b);
    bolt_pack_bytes(&b, (const uint8_t *)"x", (size_t)INT32_MAX + 1);
    CU_ASSERT_EQUAL(b.err, BOLT_E_TOO_BIG);
    bolt_buf_reset(&b);
    bolt_pack_struct_header(&b, 16, 0x4E);
    CU_ASSERT_EQUAL(b.err, BOLT_E_INVAL);
    CU_ASSERT_EQUAL(b.len, 0);
    bolt_buf_reset(&b);
    /* Largest legal header sizes are written. */
    bolt_pack_list_header(&b, 0x7FFFFFFFu);
    CU_ASSERT_EQUAL(b.err, 0);
    CU_ASSERT(starts_with_hex(&b, "D6 7F FF FF FF"));
    bolt_buf_free(&b);
}

/* ---- malloc failure while decoding and encoding a large nested value -------------------- */

static uint8_t *g_big;
static size_t g_big_len;

/* 100 maps of 20 entries, each holding lists, nested maps and Nodes: many arena blocks when
 * the arena starts at 64 bytes. */
static void build_big(void)
{
    bolt_buf b;
    bolt_buf_init(&b);
    bolt_pack_list_header(&b, 100);
    for (int i = 0; i < 100; i++) {
        bolt_pack_map_header(&b, 20);
        for (int k = 0; k < 20; k++) {
            char key[16];
            snprintf(key, sizeof key, "k%d", k);
            bolt_pack_cstr(&b, key);
            switch (k % 3) {
            case 0:
                bolt_pack_list_header(&b, 3);
                bolt_pack_int(&b, k);
                bolt_pack_float(&b, 0.5);
                bolt_pack_cstr(&b, "s");
                break;
            case 1:
                bolt_pack_map_header(&b, 1);
                bolt_pack_cstr(&b, "in");
                bolt_pack_list_header(&b, 2);
                bolt_pack_null(&b);
                bolt_pack_bool(&b, 1);
                break;
            default:
                bolt_pack_struct_header(&b, 3, 0x4E);
                bolt_pack_int(&b, i * 100 + k);
                bolt_pack_list_header(&b, 1);
                bolt_pack_cstr(&b, "L");
                bolt_pack_map_header(&b, 0);
                break;
            }
        }
    }
    CU_ASSERT_EQUAL_FATAL(b.err, 0);
    g_big = malloc(b.len);
    memcpy(g_big, b.data, b.len);
    g_big_len = b.len;
    bolt_buf_free(&b);
}

static int decode_big(void *ud)
{
    (void)ud;
    bolt_arena a;
    bolt_arena_init(&a, 64, 0);
    bolt_dialect dl;
    bolt_dialect_for(&dl, 3, 0, 0);
    bolt_decoder d = {&dl, &a, 0, 0};
    bolt_value out;
    size_t used = 0;
    int rc = bolt_decode(&d, g_big, g_big_len, &out, &used);
    if (rc == 0 && (used != g_big_len || out.len != 100)) rc = BOLT_E_INVAL;
    bolt_arena_free(&a);
    return rc;
}

static int decode_and_pack_big(void *ud)
{
    (void)ud;
    bolt_arena a;
    bolt_arena_init(&a, 4096, 0);
    bolt_dialect dl;
    bolt_dialect_for(&dl, 3, 0, 0);
    bolt_decoder d = {&dl, &a, 0, 0};
    bolt_value out;
    /* Decoded once before arming would be nicer, but the tree lives in the arena: decode here
     * and let both the arena and the output buffer see failures. */
    int rc = bolt_decode(&d, g_big, g_big_len, &out, NULL);
    if (rc == 0) {
        bolt_buf b;
        bolt_buf_init(&b);
        bolt_pack_value(&b, &out);
        rc = b.err;
        if (rc == 0 && (b.len != g_big_len || memcmp(b.data, g_big, b.len) != 0)) rc = BOLT_E_INVAL;
        bolt_buf_free(&b);
    }
    bolt_arena_free(&a);
    return rc;
}

static void test_malloc_failure_every_allocation(void)
{
    build_big();
    failalloc_install();
    CU_ASSERT_EQUAL(decode_big(NULL), 0);
    unsigned long n = failalloc_calls();
    failalloc_uninstall();
    /* The arena doubles its blocks (and the first request, 100 slots, already asks for 2 KB),
     * so this ~100 KB tree takes 7 blocks; each of them fails in turn below. */
    if (n < 5) fprintf(stderr, "\n  only %lu allocations\n", n);
    CU_ASSERT(n >= 5);
    CU_ASSERT_EQUAL(failalloc_each(decode_big, NULL, BOLT_E_NOMEM), 0);
    CU_ASSERT_EQUAL(failalloc_each(decode_and_pack_big, NULL, BOLT_E_NOMEM), 0);
    /* With every allocation failing from the first one. */
    failalloc_install();
    failalloc_arm(1, 1);
    CU_ASSERT_EQUAL(decode_big(NULL), BOLT_E_NOMEM);
    CU_ASSERT_EQUAL(failalloc_live(), 0);
    failalloc_uninstall();
    free(g_big);
    g_big = NULL;
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 2;
    CU_pSuite s = CU_add_suite("packstream", setup, teardown);
    CU_add_test(s, "int golden vectors", test_int_golden);
    CU_add_test(s, "int smallest encoding at every boundary", test_int_smallest_at_boundaries);
    CU_add_test(s, "int any width accepted", test_int_any_width_accepted);
    CU_add_test(s, "null bool float", test_null_bool_float);
    CU_add_test(s, "sized headers at every boundary", test_sized_headers_and_decoding);
    CU_add_test(s, "string size counts UTF-8 bytes", test_string_counts_utf8_bytes);
    CU_add_test(s, "UTF-8 check flag", test_utf8_check_flag);
    CU_add_test(s, "consumed stops at value end", test_consumed_stops_at_value_end);
    CU_add_test(s, "reserved markers", test_reserved_markers);
    CU_add_test(s, "map key must be string", test_map_key_must_be_string);
    CU_add_test(s, "duplicate keys last wins", test_duplicate_keys_last_wins);
    CU_add_test(s, "4 GiB sizes: no allocation", test_huge_sizes_no_allocation);
    CU_add_test(s, "truncated at every offset", test_truncated_every_offset);
    CU_add_test(s, "depth limits", test_depth_limits);
    CU_add_test(s, "nesting bomb", test_nesting_bomb);
    CU_add_test(s, "invalid arguments", test_invalid_arguments);
    CU_add_test(s, "struct header peek", test_struct_header_peek);
    CU_add_test(s, "encoder errors are sticky", test_encoder_errors_are_sticky);
    CU_add_test(s, "malloc failure at every allocation", test_malloc_failure_every_allocation);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned fails = CU_get_number_of_failures();
    CU_cleanup_registry();
    return fails ? 1 : 0;
}
