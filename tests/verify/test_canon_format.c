/* Tests of verify/canon_format.c: renderings of every value of a real Neo4j 3.5.22 record
 * (golden), snprintf semantics, escapes, durations, far dates, vectors, raw structures. */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bolt/alloc.h"
#include "bolt/error.h"
#include "bolt/packstream.h"
#include "canon_values.h"
#include "captures.h"
#include "verify/canon.h"
#include "verify/tzdb.h"

static bv_tzdb *g_tzdb;
static bv_canon g_canon;

static int suite_init(void)
{
    if (bv_tzdb_new("/usr/share/zoneinfo", &g_tzdb) != 0) return 1;
    g_canon.tzdb = g_tzdb;
    return 0;
}

static int suite_clean(void)
{
    bv_tzdb_free(g_tzdb);
    return 0;
}

static bv_h128 H(const bolt_value *v, unsigned *notes)
{
    bv_h128 h = {0, 0};
    unsigned local = 0;
    CU_ASSERT_EQUAL(bv_canon_hash128(&g_canon, v, &h, notes ? notes : &local), 0);
    return h;
}

static int same(const bolt_value *a, const bolt_value *b)
{
    return bv_h128_eq(H(a, NULL), H(b, NULL));
}

static const char *fmt(const bolt_value *v)
{
    static char buf[1024];
    bv_canon_format(&g_canon, v, buf, sizeof buf);
    return buf;
}

/* Every value of capture 20 (RETURN of every literal type on a real Neo4j 3.5.22). */
static void test_format_capture_record(void)
{
    static const char *want[] = {
        "null",
        "true",
        "false",
        "0",
        "-16",
        "-17",
        "127",
        "128",
        "-128",
        "-129",
        "32767",
        "32768",
        "-32769",
        "2147483647",
        "2147483648",
        "-2147483649",
        "9223372036854775807",
        "-9223372036854775808",
        "1.5",
        "-0.0",
        "1.0e-300",
        "1.7976931348623157e+308",
        "NaN",
        "Infinity",
        "-Infinity",
        "\"abc\"",
        "\"\"",
        "\"Gr\xc3\xbc\xc3\x9f\x65, Z\xc3\xbcrich: \xe6\x9d\xb1\xe4\xba\xac \xf0\x9f\x8e\x89\"",
        "\"exactly sixteen!\"",
        "[]",
        "[1, 2, 3]",
        "[\"a\", \"\"]",
        "[1.5, -0.0]",
        "[true, false]",
        "[1, \"a\", null, 2.5, [true]]",
        "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]",
        "{}",
        "{a: 1, b: \"x\", c: [1, 2], d: {e: null}}",
        "2020-01-02",
        "1969-12-31",
        "12:34:56.123456789+02:00",
        "00:00:00Z",
        "12:34:56.123456789",
        "2020-06-15T14:30:00.000000123+02:00",
        "1969-12-31T23:59:59.500Z",
        "2020-06-15T14:30:00.000000123+02:00[Europe/Berlin]",
        "2021-10-31T02:30:00[Europe/Berlin] (ambiguous: +02:00 or +01:00)",
        "2021-10-31T02:30:00[Europe/Berlin] (ambiguous: +02:00 or +01:00)",
        "\"+02:00\"",
        "\"+01:00\"",
        "2020-06-15T14:30:00.000000123",
        "P1Y2M3DT4H5M6.000000007S",
        "PT-1.5S",
        "point({srid: 7203, x: 1.5, y: -2.0})",
        "point({srid: 9157, x: 1.0, y: 2.0, z: 3.0})",
        "point({srid: 4326, x: 13.4, y: 52.52})",
        "point({srid: 4979, x: 13.4, y: 52.52, z: 34.0})",
        "bytes(000f1e2d3c4b5a69788796a5b4c3d2e1f0ff00ff)",
        "-9223372036854775808"};
    char path[1024], err[256];
    snprintf(path, sizeof path, "%s/20-return-every-literal-type.json", capture_dir());
    capture cap;
    CU_ASSERT_FATAL(capture_load(path, &cap, err, sizeof err) == 0);
    const cap_exchange *rec = NULL;
    for (size_t i = 0; i < cap.count; i++)
        if (cap.ex[i].kind == CAP_MESSAGE && cap.ex[i].signature == 0x71) rec = &cap.ex[i];
    CU_ASSERT_FATAL(rec != NULL);
    /* one chunk: 2-byte header, B1 71, the field list, 00 00 */
    CU_ASSERT_FATAL(rec->len > 6 && rec->bytes[2] == 0xB1 && rec->bytes[3] == 0x71);
    bolt_dialect d;
    bolt_dialect_for(&d, 3, 0, 0);
    bolt_arena a;
    bolt_arena_init(&a, 4096, 0);
    bolt_decoder dec = {&d, &a, 0, 0};
    bolt_value list;
    CU_ASSERT_FATAL(bolt_decode(&dec, rec->bytes + 4, rec->len - 6, &list, NULL) == 0);
    CU_ASSERT_FATAL(list.type == BOLT_T_LIST);
    CU_ASSERT_EQUAL_FATAL(list.len, sizeof want / sizeof want[0]);
    for (uint32_t i = 0; i < list.len; i++) {
        const char *got = fmt(&list.u.items[i]);
        if (strcmp(got, want[i]) != 0)
            fprintf(stderr, "\nfield %u: got %s, want %s\n", i, got, want[i]);
        CU_ASSERT_STRING_EQUAL(got, want[i]);
    }
    /* dt_fallback and dt_fallback_late: byte-identical f structs, same hash, both noted */
    unsigned n1 = 0, n2 = 0;
    CU_ASSERT(bv_h128_eq(H(&list.u.items[46], &n1), H(&list.u.items[47], &n2)));
    CU_ASSERT_EQUAL(n1, BV_NOTE_AMBIGUOUS_DST);
    CU_ASSERT_EQUAL(n2, BV_NOTE_AMBIGUOUS_DST);
    /* the whole record hashes, and the same record hashes the same */
    CU_ASSERT(bv_h128_eq(H(&list, NULL), H(&list, NULL)));
    bolt_arena_free(&a);
    capture_free(&cap);
}

static void test_format_details(void)
{
    char buf[16];
    bolt_value s = str("hello, world");
    /* snprintf contract: full length returned, output cut and terminated */
    CU_ASSERT_EQUAL(bv_canon_format(&g_canon, &s, buf, 6), 14);
    CU_ASSERT_STRING_EQUAL(buf, "\"hell");
    CU_ASSERT_EQUAL(bv_canon_format(&g_canon, &s, NULL, 0), 14);
    CU_ASSERT_EQUAL(bv_canon_format(&g_canon, &s, buf, 1), 14);
    CU_ASSERT_STRING_EQUAL(buf, "");
    /* escapes: quotes, backslash, controls, invalid UTF-8 */
    bolt_value e = bolt_stringn("a\"b\\c\n\x01\xff", 8);
    CU_ASSERT_STRING_EQUAL(fmt(&e), "\"a\\\"b\\\\c\\n\\u0001\\xff\"");
    /* keys that are not identifiers are quoted as Cypher quotes them */
    bolt_value kv[4] = {str("two words"), bolt_int(1), str("x`y"), bolt_int(2)};
    bolt_value m = bolt_map(kv, 2);
    CU_ASSERT_STRING_EQUAL(fmt(&m), "{`two words`: 1, `x\\`y`: 2}");
    /* durations */
    bolt_value d1[4] = {bolt_int(0), bolt_int(0), bolt_int(0), bolt_int(0)};
    bolt_value dur = mkstruct(BOLT_T_DURATION, 0x45, d1, 4);
    CU_ASSERT_STRING_EQUAL(fmt(&dur), "PT0S");
    d1[2] = bolt_int(-3661);
    CU_ASSERT_STRING_EQUAL(fmt(&dur), "PT-1H-1M-1S");
    d1[0] = bolt_int(14);
    d1[2] = bolt_int(3600);
    CU_ASSERT_STRING_EQUAL(fmt(&dur), "P1Y2MT1H");
    d1[2] = bolt_int(-1);
    d1[3] = bolt_int(999999999);
    CU_ASSERT_STRING_EQUAL(fmt(&dur), "P1Y2MT-0.000000001S");
    /* time with a seconds offset, far dates */
    bolt_value t1[2] = {bolt_int(0), bolt_int(-(5 * 3600 + 30 * 60 + 15))};
    bolt_value tm = mkstruct(BOLT_T_TIME, 0x54, t1, 2);
    CU_ASSERT_STRING_EQUAL(fmt(&tm), "00:00:00-05:30:15");
    bolt_value dd[1] = {bolt_int(bv_days_from_civil(-44, 3, 15))};
    bolt_value date = mkstruct(BOLT_T_DATE, 0x44, dd, 1);
    CU_ASSERT_STRING_EQUAL(fmt(&date), "-0044-03-15");
    dd[0] = bolt_int(bv_days_from_civil(12345, 6, 7));
    CU_ASSERT_STRING_EQUAL(fmt(&date), "+12345-06-07");
    dd[0] = bolt_int(INT64_MAX);
    CU_ASSERT_STRING_EQUAL(fmt(&date), "date(9223372036854775807)");
    /* vectors (Bolt 6) */
    static const uint8_t i8[1] = {0xC8}, f32[1] = {0xC6}, odd[1] = {0xC9};
    static const uint8_t i8data[3] = {0x01, 0xFF, 0x7F};
    static const uint8_t f32data[8] = {0x3F, 0xC0, 0x00, 0x00, 0xBD, 0xCC, 0xCC, 0xCD};
    bolt_value v1[2] = {bolt_bytesv(i8, 1), bolt_bytesv(i8data, 3)};
    bolt_value vec = mkstruct(BOLT_T_VECTOR, 0x56, v1, 2);
    CU_ASSERT_STRING_EQUAL(fmt(&vec), "vector([1, -1, 127], 3, INTEGER8)");
    bolt_value v2[2] = {bolt_bytesv(f32, 1), bolt_bytesv(f32data, 8)};
    bolt_value vec2 = mkstruct(BOLT_T_VECTOR, 0x56, v2, 2);
    CU_ASSERT_STRING_EQUAL(fmt(&vec2), "vector([1.5, -0.1], 2, FLOAT32)");
    bolt_value v3[2] = {bolt_bytesv(odd, 1), bolt_bytesv(i8data, 3)};
    bolt_value vec3 = mkstruct(BOLT_T_VECTOR, 0x56, v3, 2);
    CU_ASSERT_STRING_EQUAL(fmt(&vec3), "vector(0xc9, bytes(01ff7f))");
    CU_ASSERT(!same(&vec, &vec3)); /* the type marker is part of the value */
    bolt_value u1[4] = {str("FUTURE_TYPE"), bolt_int(7), bolt_int(0), bolt_map(NULL, 0)};
    bolt_value uns = mkstruct(BOLT_T_UNSUPPORTED, 0x3F, u1, 4);
    CU_ASSERT_STRING_EQUAL(fmt(&uns), "unsupported(\"FUTURE_TYPE\")");
    bolt_value u2[4] = {str("OTHER"), bolt_int(7), bolt_int(0), bolt_map(NULL, 0)};
    bolt_value uns2 = mkstruct(BOLT_T_UNSUPPORTED, 0x3F, u2, 4);
    CU_ASSERT(!same(&uns, &uns2));
    bolt_value raw[1] = {bolt_int(5)};
    bolt_value rs = mkstruct(BOLT_T_STRUCT, 0x7A, raw, 1);
    CU_ASSERT_STRING_EQUAL(fmt(&rs), "struct(0x7a, 5)");
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 1;
    CU_pSuite s = CU_add_suite("canon_format", suite_init, suite_clean);
    CU_add_test(s, "renderings of a real 3.5.22 record", test_format_capture_record);
    CU_add_test(s, "rendering details", test_format_details);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failures = CU_get_number_of_failures();
    CU_cleanup_registry();
    return failures ? 1 : 0;
}
