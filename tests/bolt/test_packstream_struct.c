/* Tests of the Bolt structures inside values (bolt/packstream_struct.c): which tags each Bolt
 * version allows and with how many fields, field types and ranges, Path index rules, Vector
 * and UnsupportedType (6.0), raw structures, and the four DateTime encodings of
 * bolt-reference 5.3 under the right and the wrong dialects. */
#include <CUnit/Basic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bolt/error.h"
#include "bolt/packstream.h"
#include "hex.h"
#include "psinput.h"

static int setup(void)
{
    psinput_init(1024);
    return 0;
}

static int teardown(void)
{
    psinput_free();
    return 0;
}

typedef struct ver {
    uint8_t major, minor, utc;
} ver;

static const ver V1 = {1, 0, 0}, V2 = {2, 0, 0}, V3 = {3, 0, 0}, V40 = {4, 0, 0}, V42P = {4, 2, 1},
                 V43 = {4, 3, 0}, V43P = {4, 3, 1}, V44 = {4, 4, 0}, V44P = {4, 4, 1},
                 V5 = {5, 0, 0}, V58 = {5, 8, 0}, V6 = {6, 0, 0};

/* Decodes ps_input under version v. Without a dialect when v.major == 0. */
static int dec(ver v, unsigned flags, bolt_value *out)
{
    bolt_dialect dl;
    bolt_dialect_for(&dl, v.major, v.minor, v.utc);
    bolt_decoder d = {v.major ? &dl : NULL, &ps_arena, 0, flags};
    size_t used = 0;
    int rc = bolt_decode(&d, ps_input, ps_input_len, out, &used);
    if (rc == 0 && used != ps_input_len) return BOLT_E_TRAILING;
    return rc;
}

/* Decodes hex under v and checks the result code; on success also the rendering, and that
 * re-encoding gives the same bytes (a decoded legacy F stays F) and an equal tree. */
static void check(const char *hex, ver v, unsigned flags, int want_rc, const char *want_fmt)
{
    size_t n = 0;
    uint8_t *bytes = hex_alloc(hex, &n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(bytes);
    ps_set_input(bytes, n);
    free(bytes);
    bolt_value out;
    int rc = dec(v, flags, &out);
    if (rc != want_rc)
        fprintf(stderr, "\n  %s under %u.%u%s: %s, want %s\n", hex, v.major, v.minor,
                v.utc ? "+utc" : "", bolt_errname(rc), bolt_errname(want_rc));
    CU_ASSERT_EQUAL(rc, want_rc);
    if (rc != 0) CU_ASSERT_EQUAL(out.type, BOLT_T_NULL); /* never a half-built tree */
    if (rc != 0 || want_rc != 0) return;
    char text[1024];
    bolt_value_format(&out, text, sizeof text);
    if (want_fmt && strcmp(text, want_fmt) != 0)
        fprintf(stderr, "\n  %s rendered %s, want %s\n", hex, text, want_fmt);
    if (want_fmt) CU_ASSERT_STRING_EQUAL(text, want_fmt);

    bolt_buf b;
    bolt_buf_init(&b);
    bolt_pack_value(&b, &out);
    CU_ASSERT_EQUAL(b.err, 0);
    CU_ASSERT_EQUAL(b.len, ps_input_len);
    CU_ASSERT(b.len == ps_input_len && memcmp(b.data, ps_input, b.len) == 0);
    bolt_value again;
    bolt_dialect dl;
    bolt_dialect_for(&dl, v.major, v.minor, v.utc);
    bolt_decoder d = {v.major ? &dl : NULL, &ps_arena, 0, flags};
    CU_ASSERT_EQUAL(bolt_decode(&d, b.data, b.len, &again, NULL), 0);
    CU_ASSERT(bolt_value_equal(&out, &again));
    bolt_buf_free(&b);
}

#define OK(hex, v, fmt) check(hex, v, 0, 0, fmt)
#define BAD(hex, v) check(hex, v, 0, BOLT_E_BAD_STRUCT, NULL)

/* ---- DateTime: bolt-reference 5.3 worked example ---------------------------------------- */

#define F_OFF "B3 46 CA 5E E7 85 E8 7B C9 1C 20"
#define I_OFF "B3 49 CA 5E E7 69 C8 7B C9 1C 20"
#define F_ZONE "B3 66 CA 5E E7 85 E8 7B 8D 45 75 72 6F 70 65 2F 42 65 72 6C 69 6E"
#define I_ZONE "B3 69 CA 5E E7 69 C8 7B 8D 45 75 72 6F 70 65 2F 42 65 72 6C 69 6E"

static void test_datetime_four_encodings(void)
{
    /* Legacy F/f: Bolt 2..4.2, and 4.3/4.4 unless the utc patch was echoed (on 4.2 the patch
     * does not exist, so an "echo" changes nothing). */
    const ver legacy[] = {V2, V3, V40, V42P, V43, V44};
    /* UTC I/i: 4.3/4.4 with the patch echoed, 5.x, 6.x. */
    const ver utc[] = {V43P, V44P, V5, V58, V6};
    for (size_t i = 0; i < sizeof legacy / sizeof legacy[0]; i++) {
        OK(F_OFF, legacy[i], "F(1592231400, 123, 7200)");
        OK(F_ZONE, legacy[i], "f(1592231400, 123, \"Europe/Berlin\")");
        BAD(I_OFF, legacy[i]);
        BAD(I_ZONE, legacy[i]);
    }
    for (size_t i = 0; i < sizeof utc / sizeof utc[0]; i++) {
        OK(I_OFF, utc[i], "I(1592224200, 123, 7200)");
        OK(I_ZONE, utc[i], "i(1592224200, 123, \"Europe/Berlin\")");
        BAD(F_OFF, utc[i]);
        BAD(F_ZONE, utc[i]);
    }
    /* Bolt 1 has no temporal types at all. */
    BAD(F_OFF, V1);
    BAD(I_OFF, V1);

    /* What the value carries: type, wire tag, legacy flag, fields. */
    size_t n = 0;
    uint8_t *bytes = hex_alloc(F_OFF, &n);
    ps_set_input(bytes, n);
    free(bytes);
    bolt_value v;
    CU_ASSERT_EQUAL_FATAL(dec(V3, 0, &v), 0);
    CU_ASSERT_EQUAL(v.type, BOLT_T_DATETIME);
    CU_ASSERT_EQUAL(v.tag, 0x46);
    CU_ASSERT_EQUAL(v.flags, BOLT_VF_LEGACY);
    CU_ASSERT_EQUAL(v.len, 3);
    CU_ASSERT_EQUAL(v.u.items[BOLT_DT_SECONDS].u.i, 1592231400);
    CU_ASSERT_EQUAL(v.u.items[BOLT_DT_NANOS].u.i, 123);
    CU_ASSERT_EQUAL(v.u.items[BOLT_DT_OFFSET].u.i, 7200);
    bytes = hex_alloc(I_ZONE, &n);
    ps_set_input(bytes, n);
    free(bytes);
    CU_ASSERT_EQUAL_FATAL(dec(V5, 0, &v), 0);
    CU_ASSERT_EQUAL(v.type, BOLT_T_DATETIME_ZONE);
    CU_ASSERT_EQUAL(v.tag, 0x69);
    CU_ASSERT_EQUAL(v.flags, 0);
    CU_ASSERT(bolt_value_str_eq(&v.u.items[BOLT_DTZ_ZONE], "Europe/Berlin"));

    /* With raw structures, the other version's pair is kept raw instead of rejected. */
    check(I_OFF, V3, BOLT_DECODE_RAW_STRUCTS, 0, "Struct<0x49>(1592224200, 123, 7200)");
    check(F_OFF, V5, BOLT_DECODE_RAW_STRUCTS, 0, "Struct<0x46>(1592231400, 123, 7200)");
}

static void test_datetime_fields(void)
{
    OK("B3 46 00 CA 3B 9A C9 FF 00", V3, "F(0, 999999999, 0)");
    BAD("B3 46 00 CA 3B 9A CA 00 00", V3);             /* nanos 1e9 */
    BAD("B3 46 00 FF 00", V3);                         /* nanos -1 */
    BAD("B3 46 00 00 81 5A", V3);                      /* offset "Z" */
    BAD("B3 66 00 00 00", V3);                         /* zone id 0 */
    BAD("B3 49 C1 00 00 00 00 00 00 00 00 00 00", V5); /* float seconds */
    BAD("B2 49 00 00", V5);                            /* 2 fields */
    BAD("B4 69 00 00 81 5A 00", V5);                   /* 4 fields */
    /* Negative instants carry the sign in the seconds (3.5.22 capture 20). */
    OK("B3 46 FF CA 1D CD 65 00 00", V3, "F(-1, 500000000, 0)");
}

/* ---- graph structures ------------------------------------------------------------------ */

static void test_node_relationship_fields_per_version(void)
{
    const char *node3 = "B3 4E 01 91 81 41 A1 81 6B 01";
    const char *node4 = "B4 4E 01 91 81 41 A0 83 34 3A 31";
    OK(node3, V1, "Node(1, [\"A\"], {k: 1})");
    OK(node3, V3, "Node(1, [\"A\"], {k: 1})");
    OK(node3, V44P, "Node(1, [\"A\"], {k: 1})");
    BAD(node3, V5);
    OK(node4, V5, "Node(1, [\"A\"], {}, \"4:1\")");
    OK(node4, V6, "Node(1, [\"A\"], {}, \"4:1\")");
    BAD(node4, V44);
    BAD("B3 4E 81 31 90 A0", V3);       /* id "1" */
    BAD("B3 4E 01 91 01 A0", V3);       /* label 1 */
    BAD("B3 4E 01 92 81 41 C0 A0", V3); /* label null */
    BAD("B3 4E 01 81 41 A0", V3);       /* labels not a list */
    BAD("B3 4E 01 90 90", V3);          /* properties a list */
    BAD("B4 4E 01 90 A0 01", V5);       /* element id 1 */
    BAD("B2 4E 01 90", V3);
    BAD("B0 4E", V3);

    const char *rel5 = "B5 52 07 01 02 85 4B 4E 4F 57 53 A0";
    const char *rel8 = "B8 52 07 01 02 85 4B 4E 4F 57 53 A0 81 37 81 31 81 32";
    OK(rel5, V3, "Relationship(7, 1, 2, \"KNOWS\", {})");
    BAD(rel5, V5);
    OK(rel8, V5, "Relationship(7, 1, 2, \"KNOWS\", {}, \"7\", \"1\", \"2\")");
    BAD(rel8, V44);
    BAD("B5 52 07 01 02 01 A0", V3);                   /* type 1 */
    BAD("B5 52 07 81 31 02 81 54 A0", V3);             /* start "1" */
    BAD("B5 52 07 01 C0 81 54 A0", V3);                /* end null */
    BAD("B5 52 07 01 02 81 54 C0", V3);                /* properties null */
    BAD("B8 52 07 01 02 81 54 A0 81 37 81 31 02", V5); /* end element id 2 */

    const char *urel3 = "B3 72 07 85 4B 4E 4F 57 53 A0";
    const char *urel4 = "B4 72 07 85 4B 4E 4F 57 53 A0 81 37";
    OK(urel3, V3, "UnboundRelationship(7, \"KNOWS\", {})");
    BAD(urel3, V5);
    OK(urel4, V5, "UnboundRelationship(7, \"KNOWS\", {}, \"7\")");
    BAD(urel4, V3);
    BAD("B3 72 07 01 A0", V3);
}

/* Packs a Path of nnodes Nodes and nrels UnboundRelationships with the given indices.
 * spoil: 0 none, 1 a Relationship (R) among the rels, 2 an Integer among the nodes,
 * 3 a String among the indices. */
static void pack_path(bolt_buf *b, unsigned nnodes, unsigned nrels, const int64_t *idx, size_t nidx,
                      int spoil)
{
    bolt_pack_struct_header(b, 3, 0x50);
    bolt_pack_list_header(b, nnodes);
    for (unsigned i = 0; i < nnodes; i++) {
        if (spoil == 2 && i == nnodes - 1) {
            bolt_pack_int(b, i);
            continue;
        }
        bolt_pack_struct_header(b, 3, 0x4E);
        bolt_pack_int(b, i);
        bolt_pack_list_header(b, 1);
        bolt_pack_cstr(b, "P");
        bolt_pack_map_header(b, 0);
    }
    bolt_pack_list_header(b, nrels);
    for (unsigned i = 0; i < nrels; i++) {
        if (spoil == 1 && i == nrels - 1) {
            bolt_pack_struct_header(b, 5, 0x52);
            bolt_pack_int(b, 100 + i);
            bolt_pack_int(b, 0);
            bolt_pack_int(b, 1);
            bolt_pack_cstr(b, "R");
            bolt_pack_map_header(b, 0);
            continue;
        }
        bolt_pack_struct_header(b, 3, 0x72);
        bolt_pack_int(b, 100 + i);
        bolt_pack_cstr(b, "R");
        bolt_pack_map_header(b, 0);
    }
    bolt_pack_list_header(b, (uint32_t)nidx);
    for (size_t i = 0; i < nidx; i++) {
        if (spoil == 3 && i == nidx - 1)
            bolt_pack_cstr(b, "1");
        else
            bolt_pack_int(b, idx[i]);
    }
}

static int decode_path(unsigned nnodes, unsigned nrels, const int64_t *idx, size_t nidx, int spoil)
{
    bolt_buf b;
    bolt_buf_init(&b);
    pack_path(&b, nnodes, nrels, idx, nidx, spoil);
    CU_ASSERT_EQUAL(b.err, 0);
    ps_set_input(b.data, b.len);
    bolt_buf_free(&b);
    bolt_value out;
    int rc = dec(V3, 0, &out);
    if (rc == 0) {
        CU_ASSERT_EQUAL(out.type, BOLT_T_PATH);
        CU_ASSERT_EQUAL(out.u.items[BOLT_PATH_NODES].len, nnodes);
    }
    bolt_arena_reset(&ps_arena);
    return rc;
}

static void test_path_rules(void)
{
    /* (a)-[:KNOWS]->(b)<-[:LIKES]-(c), as 3.5.22 sent it (capture 32). */
    const int64_t against[] = {1, 1, -2, 2};
    CU_ASSERT_EQUAL(decode_path(3, 2, against, 4, 0), 0);
    /* A single node, no relationships. */
    CU_ASSERT_EQUAL(decode_path(1, 0, NULL, 0, 0), 0);
    /* A relationship revisited: indices may repeat. */
    const int64_t loop[] = {1, 1, -1, 0};
    CU_ASSERT_EQUAL(decode_path(2, 1, loop, 4, 0), 0);

    const int64_t odd[] = {1, 1, 2};
    CU_ASSERT_EQUAL(decode_path(3, 2, odd, 3, 0), BOLT_E_BAD_STRUCT);
    const int64_t rel_zero[] = {0, 1};
    CU_ASSERT_EQUAL(decode_path(2, 1, rel_zero, 2, 0), BOLT_E_BAD_STRUCT);
    const int64_t rel_past[] = {2, 1};
    CU_ASSERT_EQUAL(decode_path(2, 1, rel_past, 2, 0), BOLT_E_BAD_STRUCT);
    const int64_t rel_past_neg[] = {-2, 1};
    CU_ASSERT_EQUAL(decode_path(2, 1, rel_past_neg, 2, 0), BOLT_E_BAD_STRUCT);
    const int64_t rel_min[] = {INT64_MIN, 1};
    CU_ASSERT_EQUAL(decode_path(2, 1, rel_min, 2, 0), BOLT_E_BAD_STRUCT);
    const int64_t node_past[] = {1, 2};
    CU_ASSERT_EQUAL(decode_path(2, 1, node_past, 2, 0), BOLT_E_BAD_STRUCT);
    const int64_t node_neg[] = {1, -1};
    CU_ASSERT_EQUAL(decode_path(2, 1, node_neg, 2, 0), BOLT_E_BAD_STRUCT);
    const int64_t ok[] = {1, 1};
    CU_ASSERT_EQUAL(decode_path(2, 1, ok, 2, 0), 0);
    CU_ASSERT_EQUAL(decode_path(2, 1, ok, 2, 1), BOLT_E_BAD_STRUCT);   /* R, not r */
    CU_ASSERT_EQUAL(decode_path(2, 1, ok, 2, 2), BOLT_E_BAD_STRUCT);   /* Integer node */
    CU_ASSERT_EQUAL(decode_path(2, 1, ok, 2, 3), BOLT_E_BAD_STRUCT);   /* String index */
    CU_ASSERT_EQUAL(decode_path(0, 0, NULL, 0, 0), BOLT_E_BAD_STRUCT); /* no start node */
    BAD("B3 50 90 90 90", V3);
    BAD("B3 50 C0 90 90", V3);
    BAD("B2 50 90 90", V3);
}

/* ---- temporal and spatial -------------------------------------------------------------- */

static void test_temporal_spatial(void)
{
    OK("B1 44 C9 47 FC", V3, "D(18428)");
    OK("B1 44 C9 B8 04", V3, "D(-18428)");
    BAD("B1 44 81 31", V3);
    BAD("B2 44 01 02", V3);

    OK("B2 54 CB 00 00 2F 79 C2 75 10 05 C9 1C 20", V3, "T(52200000000005, 7200)");
    BAD("B2 54 FF 00", V3);    /* nanos of day -1 */
    BAD("B2 54 00 81 5A", V3); /* offset "Z" */
    OK("B1 74 CB 00 00 4E 94 91 4E FF FF", V3, "t(86399999999999)");
    BAD("B1 74 CB 00 00 4E 94 91 4F 00 00", V3); /* 24:00:00 */

    OK("B2 64 CA 5E E7 85 E8 CA 3B 9A C9 FF", V3, "d(1592231400, 999999999)");
    BAD("B2 64 00 CA 3B 9A CA 00", V3);

    OK("B4 45 0E 03 FE CA 1D CD 65 00", V3, "E(14, 3, -2, 500000000)");
    BAD("B4 45 00 00 00 FF", V3);
    BAD("B4 45 C1 3F F0 00 00 00 00 00 00 00 00 00", V3);
    BAD("B3 45 00 00 00", V3);

    const char *p2 = "B3 58 C9 1C 23 C1 3F F0 00 00 00 00 00 00 C1 40 00 00 00 00 00 00 00";
    const char *p3 = "B4 59 C9 23 C5 C1 3F F0 00 00 00 00 00 00 C1 40 00 00 00 00 00 00 00 C1 40 "
                     "08 00 00 00 00 00 00";
    OK(p2, V3, "X(7203, 1.0, 2.0)");
    OK(p3, V3, "Y(9157, 1.0, 2.0, 3.0)");
    BAD("B3 58 C9 1C 23 01 C1 40 00 00 00 00 00 00 00", V3); /* integer x */
    BAD("B3 58 C1 3F F0 00 00 00 00 00 00 00 00", V3);       /* float srid */
    BAD("B3 59 00 C1 3F F0 00 00 00 00 00 00 C1 3F F0 00 00 00 00 00 00", V3);

    /* Bolt 1: no temporal or spatial structures; raw mode keeps them raw. */
    BAD("B1 44 C9 47 FC", V1);
    BAD(p2, V1);
    BAD("B4 45 0E 03 FE CA 1D CD 65 00", V1);
    check("B1 44 C9 47 FC", V1, BOLT_DECODE_RAW_STRUCTS, 0, "Struct<0x44>(18428)");
}

/* ---- Bolt 6: Vector and UnsupportedType ------------------------------------------------- */

static void test_vector_unsupported(void)
{
    OK("B2 56 CC 01 C6 CC 08 3F 80 00 00 40 00 00 00", V6, "V(#c6, #3f80000040000000)");
    OK("B2 56 CC 01 C8 CC 03 01 02 FF", V6, "V(#c8, #0102ff)");
    OK("B2 56 CC 01 C9 CC 04 00 01 FF FF", V6, "V(#c9, #0001ffff)");
    OK("B2 56 CC 01 CA CC 08 00 00 00 01 00 00 00 02", V6, "V(#ca, #0000000100000002)");
    OK("B2 56 CC 01 CB CC 08 00 00 00 00 00 00 00 01", V6, "V(#cb, #0000000000000001)");
    OK("B2 56 CC 01 C1 CC 10 3F F0 00 00 00 00 00 00 40 00 00 00 00 00 00 00", V6,
       "V(#c1, #3ff00000000000004000000000000000)");
    OK("B2 56 CC 01 C1 CC 00", V6, "V(#c1, #)");
    BAD("B2 56 CC 01 C9 CC 03 00 01 02", V6); /* 3 bytes of int16 */
    BAD("B2 56 CC 01 C6 CC 06 00 00 00 00 00 00", V6);
    BAD("B2 56 CC 01 CB CC 04 00 00 00 01", V6);
    BAD("B2 56 CC 01 C0 CC 00", V6);    /* not an element type */
    BAD("B2 56 CC 02 C1 C1 CC 00", V6); /* marker of 2 bytes */
    BAD("B2 56 CC 00 CC 00", V6);       /* empty marker */
    BAD("B2 56 C9 00 C1 CC 00", V6);    /* marker not Bytes */
    BAD("B2 56 CC 01 C1 90", V6);       /* data not Bytes */
    BAD("B1 56 CC 01 C1", V6);
    BAD("B2 56 CC 01 C8 CC 01 01", V5);
    check("B2 56 CC 01 C8 CC 01 01", V5, BOLT_DECODE_RAW_STRUCTS, 0, "Struct<0x56>(#c8, #01)");

    const char *unsup = "B4 3F 86 56 45 43 54 4F 52 06 00 A1 87 6D 65 73 73 61 67 65 81 78";
    OK(unsup, V6, "?(\"VECTOR\", 6, 0, {message: \"x\"})");
    BAD(unsup, V58);
    BAD("B4 3F 01 06 00 A0", V6);    /* name 1 */
    BAD("B4 3F 80 81 36 00 A0", V6); /* min major "6" */
    BAD("B4 3F 80 06 00 90", V6);    /* extra a list */
    BAD("B3 3F 80 06 00", V6);
}

/* ---- unknown tags, raw mode, no dialect, no structures ---------------------------------- */

static void test_unknown_raw_and_flags(void)
{
    BAD("B1 7A 01", V6);
    check("B1 7A 01", V3, BOLT_DECODE_RAW_STRUCTS, 0, "Struct<0x7A>(1)");
    check("B0 7A", V3, BOLT_DECODE_RAW_STRUCTS, 0, "Struct<0x7A>()");
    check("BF 00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F", V3, BOLT_DECODE_RAW_STRUCTS, 0,
          "Struct<0x00>(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)");
    /* Raw mode does not relax a tag the version defines: a 2-field Node is corrupt. */
    check("B2 4E 01 90", V3, BOLT_DECODE_RAW_STRUCTS, BOLT_E_BAD_STRUCT, NULL);
    /* A raw structure nested in a typed one is still checked as a field: a Node's labels must
     * be a list, whatever the raw struct holds. */
    check("B3 4E 01 B1 7A 01 A0", V3, BOLT_DECODE_RAW_STRUCTS, BOLT_E_BAD_STRUCT, NULL);

    /* Without a dialect every structure is raw, Node included. */
    const ver none = {0, 0, 0};
    check("B3 4E 01 91 81 41 A1 81 6B 01", none, BOLT_DECODE_RAW_STRUCTS, 0,
          "Struct<0x4E>(1, [\"A\"], {k: 1})");
    check("B2 4E 01 90", none, BOLT_DECODE_RAW_STRUCTS, 0, "Struct<0x4E>(1, [])");
    check("C3", none, BOLT_DECODE_NO_STRUCTS, 0, "true");
    check("B0 7A", none, BOLT_DECODE_NO_STRUCTS, BOLT_E_BAD_STRUCT, NULL);

    /* No structures at all (client -> server values). */
    check("B3 4E 01 91 81 41 A1 81 6B 01", V3, BOLT_DECODE_NO_STRUCTS, BOLT_E_BAD_STRUCT, NULL);
    check("91 B1 44 01", V3, BOLT_DECODE_NO_STRUCTS | BOLT_DECODE_RAW_STRUCTS, BOLT_E_BAD_STRUCT,
          NULL);
    check("A1 81 61 91 01", V3, BOLT_DECODE_NO_STRUCTS, 0, "{a: [1]}");
}

/* ---- encoding structures built by hand ---------------------------------------------------- */

static void expect_packed(const bolt_value *v, const char *hex)
{
    bolt_buf b;
    bolt_buf_init(&b);
    bolt_pack_value(&b, v);
    char got[256];
    hex_encode(b.data, b.len, got, sizeof got);
    CU_ASSERT_EQUAL(b.err, 0);
    if (strcmp(got, hex) != 0) fprintf(stderr, "\n  packed %s, want %s\n", got, hex);
    CU_ASSERT_STRING_EQUAL(got, hex);
    bolt_buf_free(&b);
}

static void test_pack_hand_built_structs(void)
{
    /* Tag 0 on a typed structure means "the tag of this type". */
    bolt_value days = bolt_int(18428);
    bolt_value date = {0};
    date.type = BOLT_T_DATE;
    date.len = 1;
    date.u.items = &days;
    expect_packed(&date, "B1 44 C9 47 FC");

    bolt_value dt_fields[3] = {bolt_int(1), bolt_int(2), bolt_int(3)};
    bolt_value dt = {0};
    dt.type = BOLT_T_DATETIME;
    dt.len = 3;
    dt.u.items = dt_fields;
    expect_packed(&dt, "B3 49 01 02 03");
    dt.flags = BOLT_VF_LEGACY;
    expect_packed(&dt, "B3 46 01 02 03");
    dt.type = BOLT_T_DATETIME_ZONE;
    dt_fields[2] = bolt_string("Z");
    expect_packed(&dt, "B3 66 01 02 81 5A");
    dt.flags = 0;
    expect_packed(&dt, "B3 69 01 02 81 5A");
    /* An explicit tag wins; raw structures keep tag 0. */
    dt.tag = 0x7A;
    expect_packed(&dt, "B3 7A 01 02 81 5A");
    dt.type = BOLT_T_STRUCT;
    dt.tag = 0;
    expect_packed(&dt, "B3 00 01 02 81 5A");

    /* More than 15 fields cannot be encoded. */
    bolt_value many[16];
    for (int i = 0; i < 16; i++)
        many[i] = bolt_int(i);
    bolt_value big = {0};
    big.type = BOLT_T_STRUCT;
    big.tag = 0x7A;
    big.len = 16;
    big.u.items = many;
    bolt_buf b;
    bolt_buf_init(&b);
    bolt_pack_value(&b, &big);
    CU_ASSERT_EQUAL(b.err, BOLT_E_INVAL);
    bolt_buf_reset(&b);
    /* Nor can a type outside the enum. */
    bolt_value junk = {0};
    junk.type = BOLT_T__COUNT;
    bolt_pack_value(&b, &junk);
    CU_ASSERT_EQUAL(b.err, BOLT_E_INVAL);
    bolt_buf_free(&b);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 2;
    CU_pSuite s = CU_add_suite("packstream_struct", setup, teardown);
    CU_add_test(s, "DateTime: four encodings of bolt-reference 5.3", test_datetime_four_encodings);
    CU_add_test(s, "DateTime fields", test_datetime_fields);
    CU_add_test(s, "Node/Relationship fields per version",
                test_node_relationship_fields_per_version);
    CU_add_test(s, "Path rules", test_path_rules);
    CU_add_test(s, "temporal and spatial", test_temporal_spatial);
    CU_add_test(s, "Vector and UnsupportedType (6.0)", test_vector_unsupported);
    CU_add_test(s, "unknown tags, raw, no dialect, no structs", test_unknown_raw_and_flags);
    CU_add_test(s, "pack hand-built structures", test_pack_hand_built_structs);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned fails = CU_get_number_of_failures();
    CU_cleanup_registry();
    return fails ? 1 : 0;
}
