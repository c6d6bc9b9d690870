/* Tests of the value helpers (bolt/value.c, bolt/value_format.c): dialect per Bolt version,
 * type names, map lookup, deep equality and the documented bolt_value_format rendering. */
#include <CUnit/Basic.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bolt/error.h"
#include "bolt/packstream.h"
#include "bolt/value.h"

static const char *fmt(const bolt_value *v)
{
    static char buf[4096];
    size_t n = bolt_value_format(v, buf, sizeof buf);
    CU_ASSERT_EQUAL(n, strlen(buf));
    return buf;
}

#define CHECK_FMT(v, want)                                                                         \
    do {                                                                                           \
        bolt_value v_ = (v);                                                                       \
        const char *got_ = fmt(&v_);                                                               \
        if (strcmp(got_, want) != 0) fprintf(stderr, "\n  got %s, want %s\n", got_, want);         \
        CU_ASSERT_STRING_EQUAL(got_, want);                                                        \
    } while (0)

/* ---- dialect ------------------------------------------------------------------------------ */

static void test_dialect_for(void)
{
    static const struct {
        unsigned major, minor;
        int patch;
        uint8_t utc, eid, vec, temporal;
    } rows[] = {
        {1, 0, 0, 0, 0, 0, 0}, {2, 0, 0, 0, 0, 0, 1}, {3, 0, 1, 0, 0, 0, 1}, {4, 0, 1, 0, 0, 0, 1},
        {4, 2, 1, 0, 0, 0, 1}, {4, 3, 0, 0, 0, 0, 1}, {4, 3, 1, 1, 0, 0, 1}, {4, 4, 0, 0, 0, 0, 1},
        {4, 4, 1, 1, 0, 0, 1}, {5, 0, 0, 1, 1, 0, 1}, {5, 8, 0, 1, 1, 0, 1}, {6, 0, 0, 1, 1, 1, 1},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        bolt_dialect d;
        memset(&d, 0xFF, sizeof d);
        bolt_dialect_for(&d, rows[i].major, rows[i].minor, rows[i].patch);
        CU_ASSERT_EQUAL(d.major, rows[i].major);
        CU_ASSERT_EQUAL(d.minor, rows[i].minor);
        CU_ASSERT_EQUAL(d.utc_datetime, rows[i].utc);
        CU_ASSERT_EQUAL(d.element_ids, rows[i].eid);
        CU_ASSERT_EQUAL(d.vectors, rows[i].vec);
        CU_ASSERT_EQUAL(d.temporal, rows[i].temporal);
    }
}

static void test_type_names(void)
{
    CU_ASSERT_STRING_EQUAL(bolt_type_name(BOLT_T_NULL), "Null");
    CU_ASSERT_STRING_EQUAL(bolt_type_name(BOLT_T_STRING), "String");
    CU_ASSERT_STRING_EQUAL(bolt_type_name(BOLT_T_NODE), "Node");
    CU_ASSERT_STRING_EQUAL(bolt_type_name(BOLT_T_DATETIME_ZONE), "DateTimeZoneId");
    CU_ASSERT_STRING_EQUAL(bolt_type_name(BOLT_T_UNSUPPORTED), "UnsupportedType");
    CU_ASSERT_STRING_EQUAL(bolt_type_name(BOLT_T__COUNT), "Unknown");
    CU_ASSERT_STRING_EQUAL(bolt_type_name((bolt_type)-1), "Unknown");
    for (int t = 0; t < BOLT_T__COUNT; t++) {
        CU_ASSERT_PTR_NOT_NULL(bolt_type_name((bolt_type)t));
        CU_ASSERT_STRING_NOT_EQUAL(bolt_type_name((bolt_type)t), "Unknown");
    }
}

/* ---- map lookup ---------------------------------------------------------------------------- */

static void test_map_get(void)
{
    bolt_value kv[] = {bolt_string("a"), bolt_int(1), bolt_stringn("a\0b", 3), bolt_int(2),
                       bolt_string(""),  bolt_int(3), bolt_string("a"),        bolt_int(4)};
    bolt_value m = bolt_map(kv, 4);
    CU_ASSERT_EQUAL(bolt_map_get(&m, "a")->u.i, 4); /* last occurrence wins */
    CU_ASSERT_EQUAL(bolt_map_get(&m, "")->u.i, 3);
    CU_ASSERT_EQUAL(bolt_map_getn(&m, "a\0b", 3)->u.i, 2);
    CU_ASSERT_EQUAL(bolt_map_getn(&m, "a", 1)->u.i, 4);
    CU_ASSERT_PTR_NULL(bolt_map_get(&m, "b"));
    CU_ASSERT_PTR_NULL(bolt_map_get(&m, "ab"));
    CU_ASSERT_PTR_NULL(bolt_map_get(NULL, "a"));
    CU_ASSERT_PTR_NULL(bolt_map_get(&m, NULL));
    bolt_value l = bolt_list(kv, 8);
    CU_ASSERT_PTR_NULL(bolt_map_get(&l, "a")); /* not a map */
    bolt_value empty = bolt_map(NULL, 0);
    CU_ASSERT_PTR_NULL(bolt_map_get(&empty, "a"));

    bolt_value s = bolt_string("abc");
    CU_ASSERT(bolt_value_str_eq(&s, "abc"));
    CU_ASSERT(!bolt_value_str_eq(&s, "ab"));
    CU_ASSERT(!bolt_value_str_eq(&s, "abcd"));
    bolt_value e = bolt_string("");
    CU_ASSERT(bolt_value_str_eq(&e, ""));
    bolt_value i = bolt_int(1);
    CU_ASSERT(!bolt_value_str_eq(&i, "1"));
    CU_ASSERT(!bolt_value_str_eq(NULL, ""));
}

/* ---- equality ------------------------------------------------------------------------------- */

static void test_equal_scalars(void)
{
    bolt_value a, b;
    a = bolt_int(5), b = bolt_int(5);
    CU_ASSERT(bolt_value_equal(&a, &b));
    b = bolt_int(6);
    CU_ASSERT(!bolt_value_equal(&a, &b));
    b = bolt_float(5.0);
    CU_ASSERT(!bolt_value_equal(&a, &b)); /* Integer 5 is not Float 5.0 */
    a = bolt_float(NAN), b = bolt_float(NAN);
    CU_ASSERT(bolt_value_equal(&a, &b)); /* same bits */
    a = bolt_float(0.0), b = bolt_float(-0.0);
    CU_ASSERT(!bolt_value_equal(&a, &b));
    a = bolt_string("ab"), b = bolt_stringn("abc", 2);
    CU_ASSERT(bolt_value_equal(&a, &b));
    b = bolt_bytesv((const uint8_t *)"ab", 2);
    CU_ASSERT(!bolt_value_equal(&a, &b)); /* String is not Bytes */
    a = bolt_bool(1), b = bolt_bool(1);
    CU_ASSERT(bolt_value_equal(&a, &b));
    a = bolt_null(), b = bolt_null();
    CU_ASSERT(bolt_value_equal(&a, &b));
    CU_ASSERT(!bolt_value_equal(&a, NULL));
    CU_ASSERT(bolt_value_equal(NULL, NULL));
}

static void test_equal_containers(void)
{
    bolt_value l1[] = {bolt_int(1), bolt_int(2)}, l2[] = {bolt_int(2), bolt_int(1)};
    bolt_value a = bolt_list(l1, 2), b = bolt_list(l2, 2);
    CU_ASSERT(!bolt_value_equal(&a, &b)); /* lists are ordered */
    b = bolt_list(l1, 1);
    CU_ASSERT(!bolt_value_equal(&a, &b));

    /* Maps are sets of keys; the last duplicate wins. */
    bolt_value m1[] = {bolt_string("a"), bolt_int(1), bolt_string("b"), bolt_int(2)};
    bolt_value m2[] = {bolt_string("b"), bolt_int(2), bolt_string("a"), bolt_int(1)};
    bolt_value m3[] = {bolt_string("a"), bolt_int(9),      bolt_string("b"),
                       bolt_int(2),      bolt_string("a"), bolt_int(1)};
    bolt_value m4[] = {bolt_string("a"), bolt_int(1),      bolt_string("a"),
                       bolt_int(9),      bolt_string("b"), bolt_int(2)};
    bolt_value m5[] = {bolt_string("a"), bolt_int(1), bolt_string("c"), bolt_int(2)};
    a = bolt_map(m1, 2);
    b = bolt_map(m2, 2);
    CU_ASSERT(bolt_value_equal(&a, &b));
    b = bolt_map(m3, 3);
    CU_ASSERT(bolt_value_equal(&a, &b));
    CU_ASSERT(bolt_value_equal(&b, &a));
    b = bolt_map(m4, 3);
    CU_ASSERT(!bolt_value_equal(&a, &b)); /* here a = 9 wins */
    b = bolt_map(m5, 2);
    CU_ASSERT(!bolt_value_equal(&a, &b));
    b = bolt_map(m1, 1);
    CU_ASSERT(!bolt_value_equal(&a, &b));
    CU_ASSERT(!bolt_value_equal(&b, &a));

    /* Structures: same type, tag and fields. */
    bolt_value f[] = {bolt_int(1), bolt_int(2), bolt_int(3)};
    bolt_value s1 = {0}, s2 = {0};
    s1.type = s2.type = BOLT_T_DATETIME;
    s1.tag = 0x46;
    s2.tag = 0x49;
    s1.len = s2.len = 3;
    s1.u.items = s2.u.items = f;
    CU_ASSERT(!bolt_value_equal(&s1, &s2)); /* F is not I */
    s2.tag = 0x46;
    CU_ASSERT(bolt_value_equal(&s1, &s2));
    s2.type = BOLT_T_STRUCT;
    CU_ASSERT(!bolt_value_equal(&s1, &s2));
}

/* The copy owns every byte: the source's buffers are overwritten afterwards and the copy still
 * equals the original tree; an arena at its limit gives BOLT_E_NOMEM. */
static void test_clone(void)
{
    char s[] = "text";
    uint8_t b[] = {1, 2, 3};
    bolt_value pt[] = {bolt_int(7203), bolt_float(1.5), bolt_float(2.5)};
    bolt_value point = {0};
    point.type = BOLT_T_POINT2D;
    point.tag = 0x58;
    point.len = 3;
    point.u.items = pt;
    bolt_value list[] = {bolt_stringn(s, 4), bolt_bytesv(b, 3), bolt_null(), point,
                         bolt_list(NULL, 0)};
    bolt_value kv[] = {bolt_string("k"), bolt_list(list, 5), bolt_string("e"), bolt_map(NULL, 0)};
    bolt_value src = bolt_map(kv, 2), want, dst;
    char want_s[] = "text";
    uint8_t want_b[] = {1, 2, 3};
    bolt_value want_pt[] = {bolt_int(7203), bolt_float(1.5), bolt_float(2.5)};
    bolt_value want_point = point;
    want_point.u.items = want_pt;
    bolt_value want_list[] = {bolt_stringn(want_s, 4), bolt_bytesv(want_b, 3), bolt_null(),
                              want_point, bolt_list(NULL, 0)};
    bolt_value want_kv[] = {bolt_string("k"), bolt_list(want_list, 5), bolt_string("e"),
                            bolt_map(NULL, 0)};
    want = bolt_map(want_kv, 2);

    bolt_arena a;
    bolt_arena_init(&a, 64, 0);
    CU_ASSERT_EQUAL_FATAL(bolt_value_clone(&a, &src, &dst), 0);
    memset(s, 'x', 4);
    b[0] = 9;
    pt[0] = bolt_int(0);
    kv[1] = bolt_int(0);
    CU_ASSERT(bolt_value_equal(&dst, &want));
    CU_ASSERT(!bolt_value_equal(&dst, &src));
    CU_ASSERT_PTR_NULL(dst.u.items[3].u.items); /* an empty map has no items */
    bolt_arena_free(&a);

    bolt_arena_init(&a, 64, 16); /* too small for the tree */
    CU_ASSERT_EQUAL(bolt_value_clone(&a, &want, &dst), BOLT_E_NOMEM);
    bolt_arena_free(&a);
}

/* ---- format ------------------------------------------------------------------------------- */

static void test_format_scalars(void)
{
    CHECK_FMT(bolt_null(), "null");
    CHECK_FMT(bolt_bool(1), "true");
    CHECK_FMT(bolt_bool(0), "false");
    CHECK_FMT(bolt_int(0), "0");
    CHECK_FMT(bolt_int(-42), "-42");
    CHECK_FMT(bolt_int(INT64_MIN), "-9223372036854775808");
    CHECK_FMT(bolt_int(INT64_MAX), "9223372036854775807");
    CHECK_FMT(bolt_float(1.0), "1.0");
    CHECK_FMT(bolt_float(1.23), "1.23");
    CHECK_FMT(bolt_float(0.1), "0.1");
    CHECK_FMT(bolt_float(-2.5), "-2.5");
    CHECK_FMT(bolt_float(-0.0), "-0.0");
    CHECK_FMT(bolt_float(0.0), "0.0");
    CHECK_FMT(bolt_float(1e300), "1e+300");
    CHECK_FMT(bolt_float(1e-300), "1e-300");
    CHECK_FMT(bolt_float(123456789.0), "123456789.0");
    CHECK_FMT(bolt_float(1.0 / 3.0), "0.3333333333333333"); /* 16 digits suffice */
    CHECK_FMT(bolt_float(NAN), "NaN");
    CHECK_FMT(bolt_float(INFINITY), "Infinity");
    CHECK_FMT(bolt_float(-INFINITY), "-Infinity");
    CHECK_FMT(bolt_float(5e-324), "5e-324");
}

/* Every finite double prints as text that strtod reads back to the same bits. */
static void test_format_float_round_trips(void)
{
    uint64_t x = 0x9E3779B97F4A7C15u;
    int bad = 0;
    for (int i = 0; i < 50000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64 */
        double d;
        memcpy(&d, &x, sizeof d);
        if (!isfinite(d)) continue;
        bolt_value v = bolt_float(d);
        char buf[64];
        bolt_value_format(&v, buf, sizeof buf);
        double back = strtod(buf, NULL);
        if (memcmp(&back, &d, sizeof d) != 0 || !strpbrk(buf, ".e")) {
            if (bad++ < 5) fprintf(stderr, "\n  %.17g printed as %s\n", d, buf);
        }
    }
    CU_ASSERT_EQUAL(bad, 0);
}

static void test_format_strings_and_bytes(void)
{
    CHECK_FMT(bolt_string(""), "\"\"");
    CHECK_FMT(bolt_string("plain"), "\"plain\"");
    CHECK_FMT(bolt_string("q\"b\\n\nr\rt\tb\bf\f"), "\"q\\\"b\\\\n\\nr\\rt\\tb\\bf\\f\"");
    CHECK_FMT(bolt_stringn("\x01\x1f\x7f\0", 4), "\"\\u0001\\u001f\\u007f\\u0000\"");
    /* Valid UTF-8 is kept, bytes that are not are shown as \xNN. */
    CHECK_FMT(bolt_string("Z\xc3\xbcrich \xf0\x9f\x8e\x89"), "\"Z\xc3\xbcrich \xf0\x9f\x8e\x89\"");
    CHECK_FMT(bolt_string("a\xff"
                          "b\xc3"),
              "\"a\\xffb\\xc3\"");
    CHECK_FMT(bolt_string("\xed\xa0\x80"), "\"\\xed\\xa0\\x80\""); /* surrogate */
    CHECK_FMT(bolt_bytesv(NULL, 0), "#");
    CHECK_FMT(bolt_bytesv((const uint8_t *)"\x00\xff\x10", 3), "#00ff10");
}

static void test_format_containers_and_structs(void)
{
    bolt_value inner[] = {bolt_bool(1)};
    bolt_value items[] = {bolt_int(1), bolt_string("a"), bolt_null(), bolt_float(2.5),
                          bolt_list(inner, 1)};
    CHECK_FMT(bolt_list(items, 5), "[1, \"a\", null, 2.5, [true]]");
    CHECK_FMT(bolt_list(NULL, 0), "[]");
    CHECK_FMT(bolt_map(NULL, 0), "{}");
    bolt_value kv[] = {bolt_string("uid"), bolt_int(1), bolt_string("first name"), bolt_string("A"),
                       bolt_string(""),    bolt_int(2), bolt_string("1a"),         bolt_int(3),
                       bolt_string("_x1"), bolt_int(4), bolt_string("uid"),        bolt_int(5)};
    CHECK_FMT(bolt_map(kv, 6),
              "{uid: 1, \"first name\": \"A\", \"\": 2, \"1a\": 3, _x1: 4, uid: 5}");

    bolt_value labels[] = {bolt_string("Person")};
    bolt_value props[] = {bolt_string("uid"), bolt_int(1)};
    bolt_value nf[] = {bolt_int(0), bolt_list(labels, 1), bolt_map(props, 1)};
    bolt_value node = {0};
    node.type = BOLT_T_NODE;
    node.tag = 0x4E;
    node.len = 3;
    node.u.items = nf;
    CHECK_FMT(node, "Node(0, [\"Person\"], {uid: 1})");

    bolt_value df[] = {bolt_int(1592231400), bolt_int(123), bolt_int(7200)};
    bolt_value dt = {0};
    dt.type = BOLT_T_DATETIME;
    dt.tag = 0x46;
    dt.flags = BOLT_VF_LEGACY;
    dt.len = 3;
    dt.u.items = df;
    CHECK_FMT(dt, "F(1592231400, 123, 7200)");
    dt.tag = 0; /* hand-built: the tag of the type */
    CHECK_FMT(dt, "F(1592231400, 123, 7200)");
    dt.flags = 0;
    CHECK_FMT(dt, "I(1592231400, 123, 7200)");
    dt.type = BOLT_T_STRUCT;
    dt.tag = 0x7A;
    CHECK_FMT(dt, "Struct<0x7A>(1592231400, 123, 7200)");
    dt.len = 0;
    CHECK_FMT(dt, "Struct<0x7A>()");
    bolt_value junk = {0};
    junk.type = 200;
    CHECK_FMT(junk, "<invalid>");
}

static void test_format_truncation(void)
{
    bolt_value items[] = {bolt_int(12345), bolt_string("abc")};
    bolt_value l = bolt_list(items, 2);
    const char *full = "[12345, \"abc\"]";
    char buf[64];
    for (size_t size = 0; size <= strlen(full) + 1; size++) {
        memset(buf, 'Z', sizeof buf);
        size_t n = bolt_value_format(&l, buf, size);
        CU_ASSERT_EQUAL(n, strlen(full)); /* always the length it needed */
        if (size == 0) {
            CU_ASSERT_EQUAL(buf[0], 'Z'); /* nothing written */
            continue;
        }
        CU_ASSERT_EQUAL(strlen(buf), size - 1 < n ? size - 1 : n);
        CU_ASSERT(strncmp(buf, full, strlen(buf)) == 0);
        CU_ASSERT_EQUAL(buf[size], 'Z'); /* never past size */
    }
    CU_ASSERT_EQUAL(bolt_value_format(NULL, buf, sizeof buf), 4);
    CU_ASSERT_STRING_EQUAL(buf, "null");
}

/* A hand-built chain deeper than the limit: printing stops at the limit, no stack blow-up. */
static void test_format_equal_depth_limit(void)
{
    size_t depth = BOLT_MAX_DEPTH_LIMIT + 10;
    bolt_value *chain = calloc(depth + 1, sizeof *chain);
    for (size_t i = 0; i < depth; i++)
        chain[i] = bolt_list(&chain[i + 1], 1);
    chain[depth] = bolt_int(7);
    size_t n = bolt_value_format(&chain[0], NULL, 0);
    CU_ASSERT_EQUAL(n, 2 * BOLT_MAX_DEPTH_LIMIT + 3); /* 1000 '[' + "..." + 1000 ']' */
    char *buf = malloc(n + 1);
    bolt_value_format(&chain[0], buf, n + 1);
    CU_ASSERT(strstr(buf, "[...]") != NULL);
    free(buf);
    CU_ASSERT(!bolt_value_equal(&chain[0], &chain[0])); /* too deep to compare */
    CU_ASSERT(bolt_value_equal(&chain[20], &chain[20]));
    bolt_buf b;
    bolt_buf_init(&b);
    bolt_pack_value(&b, &chain[0]);
    CU_ASSERT_EQUAL(b.err, BOLT_E_TOO_DEEP);
    bolt_buf_free(&b);
    free(chain);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 2;
    CU_pSuite s = CU_add_suite("value", NULL, NULL);
    CU_add_test(s, "dialect per version", test_dialect_for);
    CU_add_test(s, "type names", test_type_names);
    CU_add_test(s, "map get, last wins", test_map_get);
    CU_add_test(s, "equal scalars", test_equal_scalars);
    CU_add_test(s, "equal containers and structures", test_equal_containers);
    CU_add_test(s, "clone owns every byte", test_clone);
    CU_add_test(s, "format scalars", test_format_scalars);
    CU_add_test(s, "format floats round trip", test_format_float_round_trips);
    CU_add_test(s, "format strings and bytes", test_format_strings_and_bytes);
    CU_add_test(s, "format containers and structures", test_format_containers_and_structs);
    CU_add_test(s, "format truncation", test_format_truncation);
    CU_add_test(s, "format/equal/pack depth limit", test_format_equal_depth_limit);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned fails = CU_get_number_of_failures();
    CU_cleanup_registry();
    return fails ? 1 : 0;
}
