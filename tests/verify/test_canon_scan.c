/* Tests of verify/canon_scan.c (bv_canon_scan_hash128), the in-place canonical hasher.
 *
 * The contract (include/verify/canon.h): for the same bytes and the same bolt_decoder, the
 * scanner gives exactly what the reference path gives - bolt_decode, then bv_canon_hash128 of
 * the tree: the same hash, the same notes, the same consumed length - and it declines
 * (BV_CANON_SCAN_DECLINED) exactly when that reference path fails. Every case here runs both
 * paths and compares them (agree_), under Bolt 3.0 (legacy F/f DateTimes, 3-field nodes), 4.4
 * with the utc patch (I/i) and 5.8 (element ids, I/i), and under four canonicalisation settings:
 * a tz database from bv_tzdb_new(NULL, ...), none, BV_CANON_FOLD_NEGZERO, BV_CANON_ZONE_INSTANT.
 * A disagreement prints the dialect, the setting and the exact bytes. Besides agreement, each
 * case states whether the reference path accepts the bytes, so no case can pass by both paths
 * failing, and the hashes that must be equal by the canonical rules (non-minimal encodings, key
 * and label order, last duplicate key) are compared too. */
#include <CUnit/Basic.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bolt/alloc.h"
#include "bolt/error.h"
#include "bolt/packstream.h"
#include "canon_values.h"
#include "failalloc.h"
#include "hex.h"
#include "verify/canon.h"
#include "verify/hash.h"
#include "verify/tzdb.h"

/* ---- fixtures ----------------------------------------------------------------------------- */

enum { NDL = 3, NCANON = 4 };
enum { C_TZ, C_NOTZ, C_FOLD, C_INSTANT };

static bolt_dialect g_dl[NDL]; /* 3.0, 4.4 + utc, 5.8 */
static bv_tzdb *g_tz;
static bv_canon g_c[NCANON];
static const char *const g_cname[NCANON] = {"tz", "no tz", "FOLD_NEGZERO", "ZONE_INSTANT"};
static bolt_arena g_arena;

static int suite_init(void)
{
    bolt_dialect_for(&g_dl[0], 3, 0, 0);
    bolt_dialect_for(&g_dl[1], 4, 4, 1);
    bolt_dialect_for(&g_dl[2], 5, 8, 0);
    if (g_dl[0].utc_datetime || g_dl[0].element_ids || !g_dl[1].utc_datetime ||
        g_dl[1].element_ids || !g_dl[2].utc_datetime || !g_dl[2].element_ids)
        return 1;
    if (bv_tzdb_new(NULL, &g_tz) != 0) return 1;
    g_c[C_TZ] = (bv_canon){g_tz, 0};
    g_c[C_NOTZ] = (bv_canon){NULL, 0};
    g_c[C_FOLD] = (bv_canon){g_tz, BV_CANON_FOLD_NEGZERO};
    g_c[C_INSTANT] = (bv_canon){g_tz, BV_CANON_ZONE_INSTANT};
    bolt_arena_init(&g_arena, 4096, 0);
    return 0;
}

static int suite_clean(void)
{
    bolt_arena_free(&g_arena);
    bv_tzdb_free(g_tz);
    return 0;
}

/* ---- both paths ---------------------------------------------------------------------------- */

typedef struct outcome {
    int rc;  /* bv_canon_scan_hash128 */
    int ref; /* reference: bolt_decode's error, else bv_canon_hash128's result */
    bv_h128 h, rh;
    unsigned notes, rnotes;
    size_t used, rused;
} outcome;

static outcome run_both(const bv_canon *c, const bolt_decoder *d, const uint8_t *p, size_t n)
{
    outcome o;
    memset(&o, 0, sizeof o);
    o.used = o.rused = SIZE_MAX;
    if (d->arena) bolt_arena_reset(d->arena);
    o.rc = bv_canon_scan_hash128(c, d, p, n, &o.used, &o.h, &o.notes);
    if (d->arena) bolt_arena_reset(d->arena);
    bolt_value v;
    o.ref = bolt_decode(d, p, n, &v, &o.rused);
    if (o.ref == 0) o.ref = bv_canon_hash128(c, &v, &o.rh, &o.rnotes);
    if (d->arena) bolt_arena_reset(d->arena);
    return o;
}

/* The contract: the reference hashes -> same hash, notes and length; it fails -> declined. */
static int agrees(const outcome *o)
{
    if (o->ref != 0) return o->rc == BV_CANON_SCAN_DECLINED;
    return o->rc == 0 && bv_h128_eq(o->h, o->rh) && o->notes == o->rnotes && o->used == o->rused;
}

static void report(const char *file, int line, const bolt_dialect *dl, const char *cname,
                   unsigned depth, const uint8_t *p, size_t n, const outcome *o)
{
    char ha[BV_H128_HEX_SIZE], hb[BV_H128_HEX_SIZE];
    bv_h128_hex(o->h, ha);
    bv_h128_hex(o->rh, hb);
    size_t shown = n > 4096 ? 4096 : n;
    char *hex = hex_string(p, shown);
    fprintf(stderr,
            "\n%s:%d: scan and reference DISAGREE (Bolt %u.%u%s, %s, max_depth %u)\n"
            "  scan:      %s used %zu notes 0x%x hash %s\n"
            "  reference: %s used %zu notes 0x%x hash %s\n"
            "  bytes (%zu%s): %s\n",
            file, line, dl ? dl->major : 0, dl ? dl->minor : 0,
            dl && dl->utc_datetime && dl->major == 4 ? " utc" : "", cname, depth,
            o->rc == BV_CANON_SCAN_DECLINED ? "DECLINED" : bolt_errname(o->rc), o->used, o->notes,
            o->rc == 0 ? ha : "-", bolt_errname(o->ref), o->rused, o->rnotes,
            o->ref == 0 ? hb : "-", n, shown < n ? ", first 4096 shown" : "", hex ? hex : "?");
    free(hex);
}

enum expect { ANY, HASHES, DECLINES };

/* Runs both paths on p[0..n) under every canonicalisation setting and asserts that they agree
 * and that the reference path hashes (HASHES) or rejects (DECLINES) the bytes. res (NCANON
 * entries) may be NULL. Returns the outcome of the default setting (tz database). */
static outcome agree_(const bolt_dialect *dl, unsigned depth, const uint8_t *p, size_t n,
                      int expect, outcome *res, const char *file, int line)
{
    outcome first;
    memset(&first, 0, sizeof first);
    for (int i = 0; i < NCANON; i++) {
        bolt_decoder d = {dl, &g_arena, depth, 0};
        outcome o = run_both(&g_c[i], &d, p, n);
        int ok = agrees(&o);
        if (!ok) report(file, line, dl, g_cname[i], depth, p, n, &o);
        CU_assertImplementation(ok, (unsigned)line, "scan == bolt_decode + bv_canon_hash128", file,
                                "", CU_FALSE);
        if (expect == HASHES)
            CU_assertImplementation(o.ref == 0 && o.rc == 0, (unsigned)line,
                                    "both paths hash this value", file, "", CU_FALSE);
        if (expect == DECLINES)
            CU_assertImplementation(o.ref != 0 && o.rc == BV_CANON_SCAN_DECLINED, (unsigned)line,
                                    "reference fails and scan declines", file, "", CU_FALSE);
        if (i == 0) first = o;
        if (res) res[i] = o;
    }
    return first;
}

#define AGREE(dl, p, n, expect) agree_(dl, 0, p, n, expect, NULL, __FILE__, __LINE__)
#define AGREE_D(dl, depth, p, n, expect) agree_(dl, depth, p, n, expect, NULL, __FILE__, __LINE__)
#define AGREE_R(dl, p, n, expect, res) agree_(dl, 0, p, n, expect, res, __FILE__, __LINE__)
#define AGREE_BUF(dl, b, expect)                                                                   \
    agree_(dl, 0, (b)->data, (b)->len, expect, NULL, __FILE__, __LINE__)

/* A tree through bolt_pack_value. */
static outcome agree_tree_(const bolt_dialect *dl, unsigned depth, const bolt_value *v, int expect,
                           outcome *res, const char *file, int line)
{
    bolt_buf b;
    bolt_buf_init(&b);
    bolt_pack_value(&b, v);
    CU_assertImplementation(b.err == 0, (unsigned)line, "bolt_pack_value", file, "", CU_TRUE);
    outcome o = agree_(dl, depth, b.data, b.len, expect, res, file, line);
    bolt_buf_free(&b);
    return o;
}

#define AGREE_TREE(dl, v, expect) agree_tree_(dl, 0, v, expect, NULL, __FILE__, __LINE__)
#define AGREE_TREE_R(dl, v, expect, res) agree_tree_(dl, 0, v, expect, res, __FILE__, __LINE__)

/* Hand-written bytes. */
static outcome agree_hex_(const bolt_dialect *dl, const char *hex, int expect, const char *file,
                          int line)
{
    size_t n;
    uint8_t *p = hex_alloc(hex, &n);
    CU_assertImplementation(p != NULL, (unsigned)line, "hex", file, "", CU_TRUE);
    outcome o = agree_(dl, 0, p, n, expect, NULL, file, line);
    free(p);
    return o;
}

#define AGREE_HEX(dl, hex, expect) agree_hex_(dl, hex, expect, __FILE__, __LINE__)

static void append_hex(bolt_buf *b, const char *hex)
{
    uint8_t tmp[512];
    long n = hex_decode(hex, tmp, sizeof tmp);
    CU_ASSERT_FATAL(n >= 0);
    bolt_buf_append(b, tmp, (size_t)n);
}

/* Node header (id 7) and trailer (element id on 5.x) for hand-written node records. */
static void node_head(bolt_buf *b, const bolt_dialect *dl)
{
    bolt_pack_struct_header(b, dl->element_ids ? 4 : 3, 0x4E);
    bolt_pack_int(b, 7);
}

static void node_tail(bolt_buf *b, const bolt_dialect *dl)
{
    if (dl->element_ids) bolt_pack_cstr(b, "4:0b5e:7");
}

/* A Node tree in the dialect's shape; f holds its 4 fields. */
static bolt_value mknode(const bolt_dialect *dl, bolt_value f[4], bolt_value *labels, size_t nl,
                         bolt_value *kv, size_t np)
{
    f[0] = bolt_int(42);
    f[1] = bolt_list(labels, nl);
    f[2] = bolt_map(kv, np);
    f[3] = str("4:9f2c1e:42");
    return mkstruct(BOLT_T_NODE, 0x4E, f, dl->element_ids ? 4 : 3);
}

/* The scanner's hash of a tree, which must hash; for equalities required by the rules. */
static bv_h128 scan_tree_(const bv_canon *c, const bolt_dialect *dl, const bolt_value *v,
                          unsigned *notes, const char *file, int line)
{
    bolt_buf b;
    bolt_buf_init(&b);
    bolt_pack_value(&b, v);
    bolt_decoder d = {dl, &g_arena, 0, 0};
    bv_h128 h = {0, 0};
    size_t used = 0;
    int rc = bv_canon_scan_hash128(c, &d, b.data, b.len, &used, &h, notes);
    bolt_arena_reset(&g_arena);
    CU_assertImplementation(b.err == 0 && rc == 0 && used == b.len, (unsigned)line,
                            "scan hashes the packed tree", file, "", CU_FALSE);
    bolt_buf_free(&b);
    return h;
}

#define SCAN_TREE(c, dl, v, notes) scan_tree_(c, dl, v, notes, __FILE__, __LINE__)

static bv_h128 scan_hex_(const bolt_dialect *dl, const char *hex, const char *file, int line)
{
    size_t n;
    uint8_t *p = hex_alloc(hex, &n);
    bolt_decoder d = {dl, &g_arena, 0, 0};
    bv_h128 h = {0, 0};
    size_t used = 0;
    int rc = p ? bv_canon_scan_hash128(&g_c[C_TZ], &d, p, n, &used, &h, NULL) : -1;
    bolt_arena_reset(&g_arena);
    CU_assertImplementation(rc == 0 && used == n, (unsigned)line, "scan hashes the bytes", file, "",
                            CU_FALSE);
    free(p);
    return h;
}

#define SCAN_HEX(dl, hex) scan_hex_(dl, hex, __FILE__, __LINE__)

static bv_h128 tree_hash(const bv_canon *c, const bolt_value *v)
{
    bv_h128 h = {0, 0};
    CU_ASSERT_EQUAL(bv_canon_hash128(c, v, &h, NULL), 0);
    return h;
}

/* The value bytes v[0..k) alone, as a list item, as both values of a map, as a node property
 * (read in place) and inside a nested map and a nested list of a node property, under every
 * dialect: each must agree (and hash, or be rejected, as expect says). */
static void everywhere_(const uint8_t *v, size_t k, int expect, const char *file, int line)
{
    bolt_buf b;
    bolt_buf_init(&b);
    for (int i = 0; i < NDL; i++) {
        const bolt_dialect *dl = &g_dl[i];
        bolt_buf_reset(&b);
        bolt_buf_append(&b, v, k);
        agree_(dl, 0, b.data, b.len, expect, NULL, file, line);

        bolt_buf_reset(&b);
        bolt_pack_list_header(&b, 3);
        bolt_pack_int(&b, 1);
        bolt_buf_append(&b, v, k);
        bolt_pack_null(&b);
        agree_(dl, 0, b.data, b.len, expect, NULL, file, line);

        bolt_buf_reset(&b);
        bolt_pack_map_header(&b, 2);
        bolt_pack_cstr(&b, "b");
        bolt_buf_append(&b, v, k);
        bolt_pack_cstr(&b, "a");
        bolt_buf_append(&b, v, k);
        agree_(dl, 0, b.data, b.len, expect, NULL, file, line);

        bolt_buf_reset(&b);
        node_head(&b, dl);
        bolt_pack_list_header(&b, 1);
        bolt_pack_cstr(&b, "L");
        bolt_pack_map_header(&b, 3);
        bolt_pack_cstr(&b, "v");
        bolt_buf_append(&b, v, k);
        bolt_pack_cstr(&b, "m");
        bolt_pack_map_header(&b, 1);
        bolt_pack_cstr(&b, "x");
        bolt_buf_append(&b, v, k);
        bolt_pack_cstr(&b, "l");
        bolt_pack_list_header(&b, 2);
        bolt_buf_append(&b, v, k);
        bolt_pack_bool(&b, 1);
        node_tail(&b, dl);
        agree_(dl, 0, b.data, b.len, expect, NULL, file, line);
    }
    bolt_buf_free(&b);
}

#define EVERYWHERE(v, k, expect) everywhere_(v, k, expect, __FILE__, __LINE__)

static void everywhere_hex_(const char *hex, int expect, const char *file, int line)
{
    size_t n;
    uint8_t *p = hex_alloc(hex, &n);
    CU_assertImplementation(p != NULL, (unsigned)line, "hex", file, "", CU_TRUE);
    everywhere_(p, n, expect, file, line);
    free(p);
}

#define EVERYWHERE_HEX(hex, expect) everywhere_hex_(hex, expect, __FILE__, __LINE__)

static void everywhere_tree_(const bolt_value *v, int expect, const char *file, int line)
{
    bolt_buf b;
    bolt_buf_init(&b);
    bolt_pack_value(&b, v);
    CU_assertImplementation(b.err == 0, (unsigned)line, "bolt_pack_value", file, "", CU_TRUE);
    everywhere_(b.data, b.len, expect, file, line);
    bolt_buf_free(&b);
}

#define EVERYWHERE_TREE(v, expect) everywhere_tree_(v, expect, __FILE__, __LINE__)

static double from_bits(uint64_t bits)
{
    double d;
    memcpy(&d, &bits, 8);
    return d;
}

/* ---- scalars ------------------------------------------------------------------------------- */

static void test_null_bool(void)
{
    EVERYWHERE_HEX("C0", HASHES);
    EVERYWHERE_HEX("C2", HASHES);
    EVERYWHERE_HEX("C3", HASHES);
    /* the hashes are those of the trees */
    bolt_value t = bolt_bool(1), f = bolt_bool(0), n = bolt_null();
    CU_ASSERT(bv_h128_eq(SCAN_HEX(&g_dl[0], "C3"), tree_hash(&g_c[C_TZ], &t)));
    CU_ASSERT(bv_h128_eq(SCAN_HEX(&g_dl[0], "C2"), tree_hash(&g_c[C_TZ], &f)));
    CU_ASSERT(bv_h128_eq(SCAN_HEX(&g_dl[0], "C0"), tree_hash(&g_c[C_TZ], &n)));
}

static void test_int_widths(void)
{
    static const int64_t v[] = {0,
                                1,
                                -1,
                                -16,
                                -17,
                                127,
                                128,
                                -128,
                                -129,
                                32767,
                                32768,
                                -32768,
                                -32769,
                                INT32_MAX,
                                (int64_t)INT32_MAX + 1,
                                INT32_MIN,
                                (int64_t)INT32_MIN - 1,
                                INT64_MAX,
                                INT64_MIN,
                                INT64_MAX - 1,
                                INT64_MIN + 1};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        bolt_value x = bolt_int(v[i]);
        EVERYWHERE_TREE(&x, HASHES);
        CU_ASSERT(bv_h128_eq(SCAN_TREE(&g_c[C_TZ], &g_dl[2], &x, NULL), tree_hash(&g_c[C_TZ], &x)));
    }
    /* the encodings pack chose: tiny -16..127, then INT_8/16/32/64 */
    bolt_buf b;
    bolt_buf_init(&b);
    bolt_pack_int(&b, -16);
    bolt_pack_int(&b, 127);
    bolt_pack_int(&b, -17);
    bolt_pack_int(&b, 128);
    bolt_pack_int(&b, INT64_MIN);
    CU_ASSERT_EQUAL(b.len, 1 + 1 + 2 + 3 + 9);
    CU_ASSERT(b.data[0] == 0xF0 && b.data[1] == 0x7F && b.data[2] == 0xC8 && b.data[4] == 0xC9 &&
              b.data[7] == 0xCB);
    bolt_buf_free(&b);

    /* non-minimal widths (servers send them): the same value, the same hash */
    static const struct {
        const char *hex;
        int64_t v;
    } nm[] = {
        {"C8 01", 1},
        {"C9 00 01", 1},
        {"CA 00 00 00 01", 1},
        {"CB 00 00 00 00 00 00 00 01", 1},
        {"C8 FF", -1},
        {"C9 FF FF", -1},
        {"CA FF FF FF FF", -1},
        {"CB FF FF FF FF FF FF FF FF", -1},
        {"C8 F0", -16},
        {"C9 00 7F", 127},
        {"C8 80", -128},
        {"C9 FF 80", -128},
        {"CA 00 00 7F FF", 32767},
        {"CA FF FF 80 00", -32768},
        {"CB 00 00 00 00 7F FF FF FF", INT32_MAX},
        {"CB FF FF FF FF 80 00 00 00", INT32_MIN},
        {"C9 00 00", 0},
        {"CB 00 00 00 00 00 00 00 00", 0},
    };
    for (size_t i = 0; i < sizeof nm / sizeof nm[0]; i++) {
        EVERYWHERE_HEX(nm[i].hex, HASHES);
        bolt_value x = bolt_int(nm[i].v);
        for (int d = 0; d < NDL; d++)
            CU_ASSERT(bv_h128_eq(SCAN_HEX(&g_dl[d], nm[i].hex), tree_hash(&g_c[C_TZ], &x)));
    }
    /* truncated widths decline */
    EVERYWHERE_HEX("C9 00", DECLINES);
    EVERYWHERE_HEX("CB 00 00 00 00 00 00 00", DECLINES);
}

static void test_floats(void)
{
    static const uint64_t bits[] = {
        UINT64_C(0x0000000000000000), /* 0.0 */
        UINT64_C(0x8000000000000000), /* -0.0 */
        UINT64_C(0x3FF8000000000000), /* 1.5 */
        UINT64_C(0x7FEFFFFFFFFFFFFF), /* DBL_MAX */
        UINT64_C(0x0000000000000001), /* smallest subnormal */
        UINT64_C(0x8010000000000000), /* -DBL_MIN */
        UINT64_C(0x7FF0000000000000), /* +inf */
        UINT64_C(0xFFF0000000000000), /* -inf */
        UINT64_C(0x7FF8000000000000), /* NaN */
        UINT64_C(0xFFF8000000000000), /* negative NaN */
        UINT64_C(0x7FF0000000000001), /* signalling NaN */
        UINT64_C(0x7FF80000DEADBEEF), /* NaN with payload */
        UINT64_C(0xFFFFFFFFFFFFFFFF), /* all ones */
    };
    for (size_t i = 0; i < sizeof bits / sizeof bits[0]; i++) {
        bolt_value x = bolt_float(from_bits(bits[i]));
        EVERYWHERE_TREE(&x, HASHES);
        /* the wire bits as given, not through a double on this host */
        char hex[64];
        snprintf(hex, sizeof hex, "C1 %02X %02X %02X %02X %02X %02X %02X %02X",
                 (unsigned)(bits[i] >> 56) & 0xFF, (unsigned)(bits[i] >> 48) & 0xFF,
                 (unsigned)(bits[i] >> 40) & 0xFF, (unsigned)(bits[i] >> 32) & 0xFF,
                 (unsigned)(bits[i] >> 24) & 0xFF, (unsigned)(bits[i] >> 16) & 0xFF,
                 (unsigned)(bits[i] >> 8) & 0xFF, (unsigned)bits[i] & 0xFF);
        EVERYWHERE_HEX(hex, HASHES);
    }
    /* -0.0: distinct by default, folded with BV_CANON_FOLD_NEGZERO, in both paths */
    for (int d = 0; d < NDL; d++) {
        outcome z[NCANON], nz[NCANON];
        AGREE_R(&g_dl[d], (const uint8_t *)"\xC1\0\0\0\0\0\0\0\0", 9, HASHES, z);
        AGREE_R(&g_dl[d], (const uint8_t *)"\xC1\x80\0\0\0\0\0\0\0", 9, HASHES, nz);
        CU_ASSERT(!bv_h128_eq(z[C_TZ].h, nz[C_TZ].h));
        CU_ASSERT(bv_h128_eq(z[C_FOLD].h, nz[C_FOLD].h));
    }
    /* every NaN is one NaN */
    bv_h128 nan = SCAN_HEX(&g_dl[0], "C1 7F F8 00 00 00 00 00 00");
    CU_ASSERT(bv_h128_eq(nan, SCAN_HEX(&g_dl[0], "C1 FF F8 00 00 00 00 00 00")));
    CU_ASSERT(bv_h128_eq(nan, SCAN_HEX(&g_dl[1], "C1 7F F0 00 00 00 00 00 01")));
    CU_ASSERT(bv_h128_eq(nan, SCAN_HEX(&g_dl[2], "C1 FF FF FF FF FF FF FF FF")));
    CU_ASSERT(!bv_h128_eq(nan, SCAN_HEX(&g_dl[2], "C1 7F F0 00 00 00 00 00 00")));
    EVERYWHERE_HEX("C1 3F F8 00 00 00 00 00", DECLINES); /* truncated */
}

static void test_strings_and_bytes(void)
{
    static const size_t lens[] = {0, 1, 15, 16, 255, 256, 65535, 65536};
    static const uint8_t marker[] = {0x80, 0x81, 0x8F, 0xD0, 0xD0, 0xD1, 0xD1, 0xD2};
    char *s = malloc(65536);
    CU_ASSERT_FATAL(s != NULL);
    for (size_t i = 0; i < 65536; i++)
        s[i] = (char)('a' + i % 26);
    s[3] = (char)0xC3; /* bytes >= 0x80 too (not valid UTF-8 here: flags are 0) */
    s[200] = (char)0xFF;
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        bolt_value x = bolt_stringn(s, lens[i]);
        bolt_buf b;
        bolt_buf_init(&b);
        bolt_pack_value(&b, &x);
        CU_ASSERT_EQUAL(b.data[0], marker[i]); /* the width this case is about */
        bolt_buf_free(&b);
        EVERYWHERE_TREE(&x, HASHES);
        CU_ASSERT(bv_h128_eq(SCAN_TREE(&g_c[C_TZ], &g_dl[0], &x, NULL), tree_hash(&g_c[C_TZ], &x)));
        bolt_value y = bolt_bytesv((const uint8_t *)s, lens[i]);
        EVERYWHERE_TREE(&y, HASHES);
        CU_ASSERT(!bv_h128_eq(SCAN_TREE(&g_c[C_TZ], &g_dl[0], &y, NULL),
                              SCAN_TREE(&g_c[C_TZ], &g_dl[0], &x, NULL)));
    }
    free(s);
    /* non-minimal string and bytes sizes: the same value */
    bv_h128 abc = SCAN_HEX(&g_dl[0], "83 61 62 63");
    static const char *const nm[] = {"D0 03 61 62 63", "D1 00 03 61 62 63",
                                     "D2 00 00 00 03 61 62 63"};
    for (size_t i = 0; i < 3; i++) {
        EVERYWHERE_HEX(nm[i], HASHES);
        CU_ASSERT(bv_h128_eq(abc, SCAN_HEX(&g_dl[2], nm[i])));
    }
    EVERYWHERE_HEX("D0 00", HASHES);
    EVERYWHERE_HEX("D2 00 00 00 00", HASHES);
    CU_ASSERT(bv_h128_eq(SCAN_HEX(&g_dl[1], "D0 00"), SCAN_HEX(&g_dl[1], "80")));
    bv_h128 b2 = SCAN_HEX(&g_dl[0], "CC 02 01 02");
    EVERYWHERE_HEX("CD 00 02 01 02", HASHES);
    EVERYWHERE_HEX("CE 00 00 00 02 01 02", HASHES);
    EVERYWHERE_HEX("CC 00", HASHES);
    CU_ASSERT(bv_h128_eq(b2, SCAN_HEX(&g_dl[0], "CE 00 00 00 02 01 02")));
    /* declared sizes beyond the bytes, or above 2^31-1 (BOLT_E_TOO_BIG) */
    EVERYWHERE_HEX("84 61 62 63", DECLINES);
    EVERYWHERE_HEX("D1 01 00 61", DECLINES);
    EVERYWHERE_HEX("D2 80 00 00 00", DECLINES);
    EVERYWHERE_HEX("CE FF FF FF FF 00", DECLINES);
    EVERYWHERE_HEX("CC 03 01 02", DECLINES);
}

/* ---- lists and maps ------------------------------------------------------------------------ */

static void test_lists(void)
{
    bolt_value none[1];
    bolt_value empty = bolt_list(none, 0);
    EVERYWHERE_TREE(&empty, HASHES);
    /* nested: [1, [2, [], ["x", [null]]], {}] */
    bolt_value in3[1] = {bolt_null()};
    bolt_value in2[2] = {str("x"), bolt_list(in3, 1)};
    bolt_value in1[3] = {bolt_int(2), bolt_list(none, 0), bolt_list(in2, 2)};
    bolt_value top[3] = {bolt_int(1), bolt_list(in1, 3), bolt_map(none, 0)};
    bolt_value nested = bolt_list(top, 3);
    EVERYWHERE_TREE(&nested, HASHES);
    /* 15, 16 (LIST_8), 17, 300 (LIST_16) items of every scalar kind */
    static bolt_value items[300];
    for (size_t i = 0; i < 300; i++)
        items[i] = i % 3 == 0   ? bolt_int((int64_t)i * 1000)
                   : i % 3 == 1 ? bolt_float((double)i / 7)
                                : str("item");
    static const size_t counts[] = {15, 16, 17, 300};
    for (size_t i = 0; i < 4; i++) {
        bolt_value l = bolt_list(items, counts[i]);
        EVERYWHERE_TREE(&l, HASHES);
    }
    /* lists nested deeper than the in-place reader goes (12 levels) */
    static bolt_value chain[13];
    chain[12] = bolt_int(5);
    for (int i = 11; i >= 0; i--)
        chain[i] = bolt_list(&chain[i + 1], 1);
    EVERYWHERE_TREE(&chain[0], HASHES);
    /* non-minimal list sizes: the same list */
    bv_h128 l12 = SCAN_HEX(&g_dl[0], "92 01 02");
    EVERYWHERE_HEX("D4 02 01 02", HASHES);
    EVERYWHERE_HEX("D5 00 02 01 02", HASHES);
    EVERYWHERE_HEX("D6 00 00 00 02 01 02", HASHES);
    EVERYWHERE_HEX("D4 00", HASHES);
    CU_ASSERT(bv_h128_eq(l12, SCAN_HEX(&g_dl[1], "D6 00 00 00 02 01 02")));
    CU_ASSERT(!bv_h128_eq(l12, SCAN_HEX(&g_dl[1], "92 02 01"))); /* order matters */
    /* a list claiming more items than bytes */
    EVERYWHERE_HEX("93 01 02", DECLINES);
    EVERYWHERE_HEX("D6 7F FF FF FF 01", DECLINES);
    EVERYWHERE_HEX("D6 80 00 00 00", DECLINES);
}

/* Maps of n entries "k000".. with int values; keys in wire order per perm (NULL: ascending). */
typedef struct bigmap {
    char names[128][8];
    bolt_value kv[256];
} bigmap;

static bolt_value fill_map(bigmap *m, size_t n, int reverse)
{
    for (size_t i = 0; i < n; i++) {
        size_t k = reverse ? n - 1 - i : i;
        snprintf(m->names[i], sizeof m->names[i], "k%03u", (unsigned)(k % 1000)); /* n <= 128 */
        m->kv[2 * i] = str(m->names[i]);
        m->kv[2 * i + 1] = bolt_int((int64_t)k * 3 - 50);
    }
    return bolt_map(m->kv, n);
}

static void test_maps(void)
{
    bolt_value none[1];
    bolt_value empty = bolt_map(none, 0);
    EVERYWHERE_TREE(&empty, HASHES);

    /* unsorted keys: the order on the wire never matters */
    bolt_value u1[6] = {str("b"), bolt_int(2), str("c"), bolt_int(3), str("a"), bolt_int(1)};
    bolt_value u2[6] = {str("a"), bolt_int(1), str("b"), bolt_int(2), str("c"), bolt_int(3)};
    bolt_value m1 = bolt_map(u1, 3), m2 = bolt_map(u2, 3);
    EVERYWHERE_TREE(&m1, HASHES);
    CU_ASSERT(bv_h128_eq(SCAN_TREE(&g_c[C_TZ], &g_dl[0], &m1, NULL),
                         SCAN_TREE(&g_c[C_TZ], &g_dl[0], &m2, NULL)));

    /* keys sharing 8-byte prefixes, keys that are prefixes of others, bytes >= 0x80 */
    bolt_value px[16] = {str("abcdefgh2"),    bolt_int(2), str("abcdefgh1"),       bolt_int(1),
                         str("abcdefgh"),     bolt_int(0), str("abcdefgh10"),      bolt_int(10),
                         str("abcdefghijk"),  bolt_int(3), str("abcdefghijj\xff"), bolt_int(4),
                         str("abcdefgg\xff"), bolt_int(5), str("abcdefgi"),        bolt_int(6)};
    bolt_value pm = bolt_map(px, 8);
    EVERYWHERE_TREE(&pm, HASHES);
    bolt_value pre[14] = {str("ab"),
                          bolt_int(3),
                          bolt_stringn("a\0", 2),
                          bolt_int(2),
                          str("a"),
                          bolt_int(1),
                          bolt_stringn("", 0),
                          bolt_int(0),
                          str("\xc3\xa9"),
                          bolt_int(9),
                          str("\xff"),
                          bolt_int(8),
                          str("z"),
                          bolt_int(7)};
    bolt_value prem = bolt_map(pre, 7);
    EVERYWHERE_TREE(&prem, HASHES);
    /* "a" and "a\0" are two keys, not a duplicate */
    bolt_value two[4] = {bolt_stringn("a\0", 2), bolt_int(1), str("a"), bolt_int(1)};
    bolt_value twom = bolt_map(two, 2), onem = bolt_map(&two[2], 1);
    EVERYWHERE_TREE(&twom, HASHES);
    CU_ASSERT(!bv_h128_eq(SCAN_TREE(&g_c[C_TZ], &g_dl[2], &twom, NULL),
                          SCAN_TREE(&g_c[C_TZ], &g_dl[2], &onem, NULL)));

    /* 16, 17, 64 (in place), 65, 100 entries (beyond the in-place array), both key orders */
    static bigmap a, b;
    static const size_t sizes[] = {16, 17, 64, 65, 100};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        bolt_value ma = fill_map(&a, sizes[i], 0), mb = fill_map(&b, sizes[i], 1);
        EVERYWHERE_TREE(&ma, HASHES);
        EVERYWHERE_TREE(&mb, HASHES);
        CU_ASSERT(bv_h128_eq(SCAN_TREE(&g_c[C_TZ], &g_dl[1], &ma, NULL),
                             SCAN_TREE(&g_c[C_TZ], &g_dl[1], &mb, NULL)));
    }

    /* a duplicate key: the last one wins, as in the tree path */
    bolt_value d1[6] = {str("a"), bolt_int(1), str("b"), bolt_int(2), str("a"), bolt_int(3)};
    bolt_value w1[4] = {str("b"), bolt_int(2), str("a"), bolt_int(3)};
    bolt_value l1[4] = {str("b"), bolt_int(2), str("a"), bolt_int(1)};
    bolt_value dm = bolt_map(d1, 3), wm = bolt_map(w1, 2), lm = bolt_map(l1, 2);
    EVERYWHERE_TREE(&dm, HASHES);
    for (int d = 0; d < NDL; d++) {
        bv_h128 h = SCAN_TREE(&g_c[C_TZ], &g_dl[d], &dm, NULL);
        CU_ASSERT(bv_h128_eq(h, tree_hash(&g_c[C_TZ], &wm)));
        CU_ASSERT(!bv_h128_eq(h, tree_hash(&g_c[C_TZ], &lm)));
    }
    /* duplicates in 17 / 65 / 100-entry maps, the duplicate far from its first occurrence */
    for (size_t i = 1; i < sizeof sizes / sizeof sizes[0]; i++) {
        bolt_value ma = fill_map(&a, sizes[i], 0);
        a.kv[2 * (sizes[i] - 1)] = str("k000"); /* last key repeats the first */
        EVERYWHERE_TREE(&ma, HASHES);
    }
    /* a key repeated three times and an empty key repeated */
    bolt_value d3[10] = {str("x"), bolt_int(1),    bolt_stringn("", 0), bolt_int(2),
                         str("x"), str("y"),       bolt_stringn("", 0), bolt_null(),
                         str("x"), bolt_float(1.0)};
    bolt_value d3m = bolt_map(d3, 5);
    EVERYWHERE_TREE(&d3m, HASHES);

    /* non-minimal map sizes and keys */
    bv_h128 ab = SCAN_HEX(&g_dl[0], "A2 81 61 01 81 62 02");
    static const char *const nm[] = {"D8 02 81 61 01 81 62 02", "D9 00 02 81 61 01 81 62 02",
                                     "DA 00 00 00 02 81 61 01 81 62 02",
                                     "A2 D0 01 61 01 D1 00 01 62 02", "A2 81 62 02 81 61 01"};
    for (size_t i = 0; i < sizeof nm / sizeof nm[0]; i++) {
        EVERYWHERE_HEX(nm[i], HASHES);
        CU_ASSERT(bv_h128_eq(ab, SCAN_HEX(&g_dl[2], nm[i])));
    }
    EVERYWHERE_HEX("D8 00", HASHES);
    /* keys that are not strings, entries missing */
    EVERYWHERE_HEX("A1 01 02", DECLINES);
    EVERYWHERE_HEX("A2 81 61 01 C0 02", DECLINES);
    EVERYWHERE_HEX("A1 CC 01 61 01", DECLINES);
    EVERYWHERE_HEX("A2 81 61 01", DECLINES);
    EVERYWHERE_HEX("DA 7F FF FF FF 81 61", DECLINES);
}

/* ---- nodes --------------------------------------------------------------------------------- */

static void test_node_labels(void)
{
    static char names[17][8];
    static bolt_value labels[17];
    for (int i = 0; i < 17; i++) {
        snprintf(names[i], sizeof names[i], "L%02d", 16 - i); /* descending: unsorted */
        labels[i] = str(names[i]);
    }
    bolt_value kv[2] = {str("uid"), bolt_int(1)};
    for (int d = 0; d < NDL; d++) {
        const bolt_dialect *dl = &g_dl[d];
        bolt_value f[4];
        static const size_t counts[] = {0, 1, 3, 16, 17};
        for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
            bolt_value n = mknode(dl, f, labels, counts[i], kv, 1);
            AGREE_TREE(dl, &n, HASHES);
        }
        /* the label order on the wire never matters; duplicates fold (a set) */
        bolt_value s3[3] = {str("Admin"), str("Person"), str("User")};
        bolt_value u3[3] = {str("User"), str("Admin"), str("Person")};
        bolt_value d4[4] = {str("Person"), str("Admin"), str("User"), str("Admin")};
        bolt_value sn = mknode(dl, f, s3, 3, kv, 1);
        bv_h128 hs = SCAN_TREE(&g_c[C_TZ], dl, &sn, NULL);
        bolt_value un = mknode(dl, f, u3, 3, kv, 1);
        AGREE_TREE(dl, &un, HASHES);
        CU_ASSERT(bv_h128_eq(hs, SCAN_TREE(&g_c[C_TZ], dl, &un, NULL)));
        bolt_value dn = mknode(dl, f, d4, 4, kv, 1);
        AGREE_TREE(dl, &dn, HASHES);
        CU_ASSERT(bv_h128_eq(hs, SCAN_TREE(&g_c[C_TZ], dl, &dn, NULL)));
        /* 17 labels with duplicates and 16 all the same */
        static bolt_value many[17];
        for (int i = 0; i < 17; i++)
            many[i] = str(i % 2 ? "B" : "A");
        bolt_value mn = mknode(dl, f, many, 17, kv, 1);
        AGREE_TREE(dl, &mn, HASHES);
        mn = mknode(dl, f, many, 16, kv, 1);
        AGREE_TREE(dl, &mn, HASHES);
        /* labels sharing 8-byte prefixes, a prefix label, an empty label, bytes >= 0x80 */
        bolt_value pl[6] = {str("abcdefgh2"),    str("abcdefgh1"),    str("abcdefgh"),
                            bolt_stringn("", 0), str("\xc3\x84rger"), str("a")};
        bolt_value pn = mknode(dl, f, pl, 6, kv, 1);
        AGREE_TREE(dl, &pn, HASHES);
        /* the labels list in non-minimal forms, a label as STRING_16 */
        bolt_buf b;
        bolt_buf_init(&b);
        static const char *const lists[] = {"D4 02 81 41 81 42", "D5 00 02 81 41 81 42",
                                            "D6 00 00 00 02 81 41 81 42", "92 D1 00 01 41 81 42",
                                            "92 81 42 81 41"};
        bv_h128 first = {0, 0};
        for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
            bolt_buf_reset(&b);
            node_head(&b, dl);
            append_hex(&b, lists[i]);
            append_hex(&b, "A1 83 75 69 64 01");
            node_tail(&b, dl);
            outcome o = AGREE_BUF(dl, &b, HASHES);
            if (i == 0) first = o.h;
            CU_ASSERT(bv_h128_eq(first, o.h));
        }
        /* node id in every width, element id as STRING_8 */
        static const char *const ids[] = {
            "00", "F0", "C8 80", "C9 7F FF", "CA 00 00 00 07", "CB 80 00 00 00 00 00 00 00"};
        for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
            bolt_buf_reset(&b);
            bolt_pack_struct_header(&b, dl->element_ids ? 4 : 3, 0x4E);
            append_hex(&b, ids[i]);
            append_hex(&b, "92 81 41 81 42 A1 83 75 69 64 01");
            if (dl->element_ids) append_hex(&b, "D0 03 34 3A 37");
            outcome o = AGREE_BUF(dl, &b, HASHES);
            CU_ASSERT(bv_h128_eq(first, o.h)); /* ids never hashed */
        }
        bolt_buf_free(&b);
    }
}

static void test_node_properties(void)
{
    static char names[40][12];
    static bolt_value kv[80];
    for (int i = 0; i < 40; i++) {
        snprintf(names[i], sizeof names[i], "prop%02d", (i * 7) % 40); /* scrambled order */
        kv[2 * i] = str(names[i]);
        kv[2 * i + 1] = i % 4 == 0   ? bolt_int(i)
                        : i % 4 == 1 ? str("value")
                        : i % 4 == 2 ? bolt_float(i / 3.0)
                                     : bolt_bool(i & 8);
    }
    bolt_value lab[2] = {str("Person"), str("Customer")};
    bolt_value li[4] = {bolt_int(1), str("two"), bolt_float(3.0), bolt_null()};
    bolt_value inner[6] = {str("z"),         bolt_int(26), str("a"),
                           bolt_list(li, 4), str("m"),     bolt_map(NULL, 0)};
    bolt_value lm[4] = {str("k"), bolt_int(1), str("j"), bolt_list(li, 2)};
    bolt_value lol[3] = {bolt_map(lm, 2), bolt_list(li, 3), bolt_list(NULL, 0)};
    bolt_value nested[8] = {str("map"), bolt_map(inner, 3), str("list"),      bolt_list(li, 4),
                            str("lol"), bolt_list(lol, 3),  str("emptylist"), bolt_list(NULL, 0)};
    for (int d = 0; d < NDL; d++) {
        const bolt_dialect *dl = &g_dl[d];
        bolt_value f[4];
        bolt_value n0 = mknode(dl, f, lab, 2, NULL, 0);
        AGREE_TREE(dl, &n0, HASHES);
        bolt_value n40 = mknode(dl, f, lab, 2, kv, 40);
        AGREE_TREE(dl, &n40, HASHES);
        bolt_value nn = mknode(dl, f, lab, 2, nested, 4);
        AGREE_TREE(dl, &nn, HASHES);
        bolt_value n1 = mknode(dl, f, lab, 0, nested, 1);
        AGREE_TREE(dl, &n1, HASHES);
        /* 64 (the most read in place), 65 and 100 properties; a duplicate among them */
        static bigmap big;
        static const size_t sizes[] = {64, 65, 100};
        for (size_t i = 0; i < 3; i++) {
            bolt_value m = fill_map(&big, sizes[i], 1);
            bolt_value nb = mknode(dl, f, lab, 2, m.u.items, sizes[i]);
            AGREE_TREE(dl, &nb, HASHES);
            big.kv[2 * (sizes[i] - 1)] = str("k001");
            AGREE_TREE(dl, &nb, HASHES);
        }
        /* a node as a property value and inside lists */
        bolt_value inner_f[4];
        bolt_value in = mknode(dl, inner_f, lab, 1, kv, 3);
        bolt_value holder[4] = {str("n"), in, str("l"), bolt_list(&in, 1)};
        bolt_value nh = mknode(dl, f, lab, 2, holder, 2);
        AGREE_TREE(dl, &nh, HASHES);
        bolt_value ls[3] = {in, bolt_int(1), in};
        bolt_value l = bolt_list(ls, 3);
        AGREE_TREE(dl, &l, HASHES);
    }
    /* node ids and element ids are ignored: Bolt 3 and 5.8 nodes hash the same */
    bolt_value f3[4], f5[4];
    bolt_value n3 = mknode(&g_dl[0], f3, lab, 2, kv, 40);
    bolt_value n5 = mknode(&g_dl[2], f5, lab, 2, kv, 40);
    f5[0] = bolt_int(99);
    CU_ASSERT(bv_h128_eq(SCAN_TREE(&g_c[C_TZ], &g_dl[0], &n3, NULL),
                         SCAN_TREE(&g_c[C_TZ], &g_dl[2], &n5, NULL)));
}

/* Every temporal and spatial structure, in the dialect's DateTime encoding. */
typedef struct temporals {
    bolt_value f[16][4];
    bolt_value kv[32];
} temporals;

#define BERLIN_AMBIG_LOCAL INT64_C(1635647400) /* 2021-10-31T02:30 local */
#define BERLIN_AMBIG_EARLY INT64_C(1635640200) /* 00:30Z, +02:00 */
#define BERLIN_AMBIG_LATE INT64_C(1635643800)  /* 01:30Z, +01:00 */

static size_t fill_temporals(const bolt_dialect *dl, temporals *t, int late)
{
    const int legacy = !dl->utc_datetime;
    size_t k = 0;
#define PUT(name, val)                                                                             \
    do {                                                                                           \
        t->kv[2 * k] = str(name);                                                                  \
        t->kv[2 * k + 1] = (val);                                                                  \
        k++;                                                                                       \
    } while (0)
    t->f[0][0] = bolt_int(18428);
    PUT("date", mkstruct(BOLT_T_DATE, 0x44, t->f[0], 1));
    t->f[1][0] = bolt_int(INT64_C(52200000000123));
    t->f[1][1] = bolt_int(7200);
    PUT("time", mkstruct(BOLT_T_TIME, 0x54, t->f[1], 2));
    t->f[2][0] = bolt_int(INT64_C(86399999999999));
    PUT("localtime", mkstruct(BOLT_T_LOCAL_TIME, 0x74, t->f[2], 1));
    t->f[3][0] = bolt_int(1592231400);
    t->f[3][1] = bolt_int(123);
    PUT("localdatetime", mkstruct(BOLT_T_LOCAL_DATETIME, 0x64, t->f[3], 2));
    /* 2020-06-15T14:30:00.000000123+02:00: F carries local, I UTC */
    PUT("dt_offset", dt_offset(t->f[4], legacy, legacy ? 1592231400 : 1592224200, 123, 7200));
    PUT("dt_negoffset", dt_offset(t->f[5], legacy, legacy ? 1592193600 : 1592211600, 0, -18000));
    /* 2020-06-15T14:30:00.000000123[Europe/Berlin] */
    PUT("dt_zone",
        dt_zone(t->f[6], legacy, legacy ? 1592231400 : 1592224200, 123, "Europe/Berlin"));
    /* 2021-10-31T02:30[Europe/Berlin]: in the fall-back overlap */
    PUT("dt_ambiguous", dt_zone(t->f[7], legacy,
                                legacy ? BERLIN_AMBIG_LOCAL
                                : late ? BERLIN_AMBIG_LATE
                                       : BERLIN_AMBIG_EARLY,
                                0, "Europe/Berlin"));
    PUT("dt_fixed", dt_zone(t->f[8], legacy, legacy ? 3600 : 0, 0, "UTC+01:00"));
    t->f[9][0] = bolt_int(14);
    t->f[9][1] = bolt_int(3);
    t->f[9][2] = bolt_int(-2);
    t->f[9][3] = bolt_int(500000000);
    PUT("duration", mkstruct(BOLT_T_DURATION, 0x45, t->f[9], 4));
    t->f[10][0] = bolt_int(4326);
    t->f[10][1] = bolt_float(13.4);
    t->f[10][2] = bolt_float(-0.0);
    PUT("point2d", mkstruct(BOLT_T_POINT2D, 0x58, t->f[10], 3));
    t->f[11][0] = bolt_int(4979);
    t->f[11][1] = bolt_float(1.0);
    t->f[11][2] = bolt_float(from_bits(UINT64_C(0x7FF80000DEADBEEF)));
    t->f[11][3] = bolt_float(3.5);
    PUT("point3d", mkstruct(BOLT_T_POINT3D, 0x59, t->f[11], 4));
#undef PUT
    return k;
}

static void test_node_temporal_spatial(void)
{
    bolt_value lab[1] = {str("Event")};
    bv_h128 across[NDL][NCANON];
    for (int d = 0; d < NDL; d++) {
        const bolt_dialect *dl = &g_dl[d];
        const int legacy = !dl->utc_datetime;
        temporals t;
        size_t n = fill_temporals(dl, &t, 0);
        bolt_value f[4];
        /* each structure alone, as a property, and all together */
        for (size_t i = 0; i < n; i++) {
            AGREE_TREE(dl, &t.kv[2 * i + 1], HASHES);
            bolt_value one = mknode(dl, f, lab, 1, &t.kv[2 * i], 1);
            AGREE_TREE(dl, &one, HASHES);
        }
        bolt_value all = mknode(dl, f, lab, 1, t.kv, n);
        outcome res[NCANON];
        AGREE_TREE_R(dl, &all, HASHES, res);
        for (int c = 0; c < NCANON; c++)
            across[d][c] = res[c].h;
        /* the notes, which both paths agree on, are the documented ones */
        CU_ASSERT_EQUAL(res[C_TZ].notes, BV_NOTE_AMBIGUOUS_DST);
        CU_ASSERT_EQUAL(res[C_NOTZ].notes, BV_NOTE_UNKNOWN_ZONE);
        CU_ASSERT_EQUAL(res[C_FOLD].notes, BV_NOTE_AMBIGUOUS_DST);
        CU_ASSERT_EQUAL(res[C_INSTANT].notes, legacy ? BV_NOTE_AMBIGUOUS_DST : 0u);
        /* -0.0 in the point: folding changes the hash */
        CU_ASSERT(!bv_h128_eq(res[C_TZ].h, res[C_FOLD].h));
        /* the later instant of the overlap: same local form, same note (default mode) */
        temporals tl;
        fill_temporals(dl, &tl, 1);
        bolt_value late = mknode(dl, f, lab, 1, tl.kv, n);
        outcome rl[NCANON];
        AGREE_TREE_R(dl, &late, HASHES, rl);
        CU_ASSERT(bv_h128_eq(rl[C_TZ].h, res[C_TZ].h));
        CU_ASSERT_EQUAL(rl[C_TZ].notes, BV_NOTE_AMBIGUOUS_DST);
        CU_ASSERT_EQUAL(bv_h128_eq(rl[C_INSTANT].h, res[C_INSTANT].h), legacy);
        /* only the ambiguous one: notes per property */
        bolt_value amb = mknode(dl, f, lab, 1, &t.kv[14], 1);
        AGREE_TREE_R(dl, &amb, HASHES, res);
        CU_ASSERT_EQUAL(res[C_TZ].notes, BV_NOTE_AMBIGUOUS_DST);
        CU_ASSERT_EQUAL(res[C_NOTZ].notes, BV_NOTE_UNKNOWN_ZONE);
        bolt_value june = mknode(dl, f, lab, 1, &t.kv[12], 1);
        AGREE_TREE_R(dl, &june, HASHES, res);
        CU_ASSERT_EQUAL(res[C_TZ].notes, 0u);
        CU_ASSERT_EQUAL(res[C_NOTZ].notes, BV_NOTE_UNKNOWN_ZONE);
        /* temporal values nested in lists and maps inside the node */
        bolt_value inner[4] = {str("when"), t.kv[15], str("where"), t.kv[21]};
        bolt_value lst[3] = {t.kv[1], t.kv[9], t.kv[13]};
        bolt_value props[4] = {str("m"), bolt_map(inner, 2), str("l"), bolt_list(lst, 3)};
        bolt_value nested = mknode(dl, f, lab, 1, props, 2);
        AGREE_TREE_R(dl, &nested, HASHES, res);
        CU_ASSERT_EQUAL(res[C_TZ].notes, BV_NOTE_AMBIGUOUS_DST);
    }
    /* one stored node, three encodings: one hash (default and no-tz modes: the local form) */
    for (int c = 0; c < NCANON; c++) {
        if (c == C_INSTANT || c == C_NOTZ) continue; /* f vs i cannot match there */
        CU_ASSERT(bv_h128_eq(across[0][c], across[1][c]));
        CU_ASSERT(bv_h128_eq(across[0][c], across[2][c]));
    }
    CU_ASSERT(bv_h128_eq(across[1][C_NOTZ], across[2][C_NOTZ]));
    CU_ASSERT(bv_h128_eq(across[1][C_INSTANT], across[2][C_INSTANT]));

    /* a legacy f in a spring-forward gap, an unknown zone, and values the tree encoder
     * rejects (seconds overflowing with the offset): the scanner must decline those */
    bolt_value f[4], g[3];
    int64_t gap_local = bv_days_from_civil(2021, 3, 28) * 86400 + 2 * 3600 + 30 * 60;
    bolt_value kv[2] = {str("dt"), dt_zone(g, 1, gap_local, 5, "Europe/Berlin")};
    bolt_value gap = mknode(&g_dl[0], f, NULL, 0, kv, 1);
    outcome res[NCANON];
    AGREE_TREE_R(&g_dl[0], &gap, HASHES, res);
    CU_ASSERT_EQUAL(res[C_TZ].notes, BV_NOTE_DST_GAP);
    kv[1] = dt_zone(g, 0, 0, 0, "Mars/Olympus_Mons");
    bolt_value mars = mknode(&g_dl[2], f, NULL, 0, kv, 1);
    AGREE_TREE_R(&g_dl[2], &mars, HASHES, res);
    CU_ASSERT_EQUAL(res[C_TZ].notes, BV_NOTE_UNKNOWN_ZONE);
    kv[1] = dt_offset(g, 1, INT64_MIN + 5, 0, 3600);
    bolt_value ovf = mknode(&g_dl[0], f, NULL, 0, kv, 1);
    AGREE_TREE(&g_dl[0], &ovf, DECLINES);
    AGREE_TREE(&g_dl[0], &kv[1], DECLINES);
    kv[1] = dt_zone(g, 0, INT64_MAX - 5, 0, "Asia/Tokyo");
    bolt_value zovf = mknode(&g_dl[2], f, NULL, 0, kv, 1);
    AGREE_TREE_R(&g_dl[2], &zovf, ANY, res); /* local = utc + offset overflows */
    CU_ASSERT(res[C_TZ].ref != 0 && res[C_TZ].rc == BV_CANON_SCAN_DECLINED);
    CU_ASSERT(res[C_NOTZ].ref == 0 && res[C_NOTZ].rc == 0); /* hashed by its UTC instant */
    /* legacy F: utc = local - offset, exactly at the int64 limits and one past them */
    static const struct {
        int64_t secs, off;
        int ok;
    } lim[] = {{INT64_MIN + 3600, 3600, 1},
               {INT64_MIN + 3599, 3600, 0},
               {INT64_MAX - 3600, -3600, 1},
               {INT64_MAX - 3599, -3600, 0},
               {INT64_MIN, 0, 1},
               {INT64_MAX, 0, 1},
               {INT64_MIN, -1, 1},
               {INT64_MAX, 1, 1},
               {INT64_MIN, 1, 0},
               {INT64_MAX, -1, 0}};
    for (size_t i = 0; i < sizeof lim / sizeof lim[0]; i++) {
        kv[1] = dt_offset(g, 1, lim[i].secs, 999999999, lim[i].off);
        bolt_value ln = mknode(&g_dl[0], f, NULL, 0, kv, 1);
        AGREE_TREE(&g_dl[0], &kv[1], lim[i].ok ? HASHES : DECLINES);
        AGREE_TREE(&g_dl[0], &ln, lim[i].ok ? HASHES : DECLINES);
        kv[1] = dt_offset(g, 0, lim[i].secs, 0, lim[i].off); /* I: never converted */
        AGREE_TREE(&g_dl[2], &kv[1], HASHES);
    }
}

/* Numeric temporal and spatial structures as the wire may carry them: non-minimal integer
 * widths in their fields, the limits of every nanosecond range, -0.0 and NaN coordinates, the
 * DateTime encodings of each dialect. */
static void test_temporal_wire_forms(void)
{
    static const struct {
        const char *hex;
        int ok;
    } any[] = {
        {"B1 44 C9 47 FC", 1},
        {"B1 44 CB 00 00 00 00 00 00 47 FC", 1},
        {"B1 44 C8 80", 1},
        {"B1 44 CB 80 00 00 00 00 00 00 00", 1},
        {"B1 74 00", 1},
        {"B1 74 CB 00 00 4E 94 91 4E FF FF", 1}, /* the last nanosecond of the day */
        {"B1 74 CB 00 00 4E 94 91 4F 00 00", 0}, /* 24:00 */
        {"B1 74 FF", 0},
        {"B2 54 00 C9 FF FF", 1},
        {"B2 54 CA 00 00 00 01 CB 80 00 00 00 00 00 00 00", 1},
        {"B2 54 FF 00", 0},
        {"B2 64 CB 80 00 00 00 00 00 00 00 CA 3B 9A C9 FF", 1},
        {"B2 64 00 CA 3B 9A CA 00", 0},
        {"B2 64 00 FF", 0},
        {"B4 45 CB 7F FF FF FF FF FF FF FF C8 80 F0 CA 3B 9A C9 FF", 1},
        {"B4 45 00 00 00 CA 3B 9A CA 00", 0},
        {"B4 45 00 00 00 FF", 0},
        {"B3 58 C9 10 E6 C1 80 00 00 00 00 00 00 00 C1 7F F8 00 00 00 00 00 01", 1},
        {"B3 58 C9 10 E6 C1 00 00 00 00 00 00 00 00 C1 FF F0 00 00 00 00 00 00", 1},
        {"B3 58 C9 10 E6 01 C1 00 00 00 00 00 00 00 00", 0},
        {"B3 58 C1 00 00 00 00 00 00 00 00 C1 00 00 00 00 00 00 00 00 C1 00 00 00 00 00 00 00 00",
         0},
        {"B4 59 01 C1 3F F0 00 00 00 00 00 00 C1 40 00 00 00 00 00 00 00 C1 FF F0 00 00 00 00 00 "
         "00",
         1},
        {"B3 59 01 C1 3F F0 00 00 00 00 00 00 C1 40 00 00 00 00 00 00 00", 0},
        {"B4 58 01 C1 3F F0 00 00 00 00 00 00 C1 40 00 00 00 00 00 00 00 C1 00 00 00 00 00 00 00 "
         "00",
         0},
        {"B1 44 C1 00 00 00 00 00 00 00 00", 0},
        {"B1 44 81 31", 0},
        {"B1 44", 0},
        {"B2 44 01 02", 0},
        {"B0 44", 0},
        {"B1 44 C9 47", 0},
    };
    for (size_t i = 0; i < sizeof any / sizeof any[0]; i++)
        EVERYWHERE_HEX(any[i].hex, any[i].ok ? HASHES : DECLINES);
    CU_ASSERT(bv_h128_eq(SCAN_HEX(&g_dl[0], "B1 44 C9 47 FC"),
                         SCAN_HEX(&g_dl[2], "B1 44 CB 00 00 00 00 00 00 47 FC")));
    bv_h128 pz = SCAN_HEX(&g_dl[1], any[17].hex), pn = SCAN_HEX(&g_dl[1], any[18].hex);
    CU_ASSERT(!bv_h128_eq(pz, pn));

    /* DateTimes: F/f only on Bolt 3, I/i only with utc; one instant, one hash */
    static const char *const F = "B3 46 CA 5E E7 85 E8 CA 00 00 00 7B C9 1C 20";
    static const char *const I = "B3 49 CA 5E E7 69 C8 7B C9 1C 20";
    static const char *const Fbad = "B3 46 CA 5E E7 85 E8 CA 3B 9A CA 00 C9 1C 20";
    static const char *const Ibad = "B3 49 CA 5E E7 69 C8 FF C9 1C 20";
    static const char *const f =
        "B3 66 CA 5E E7 85 E8 7B 8D 45 75 72 6F 70 65 2F 42 65 72 6C 69 6E";
    static const char *const iz =
        "B3 69 CA 5E E7 69 C8 7B 8D 45 75 72 6F 70 65 2F 42 65 72 6C 69 6E";
    for (int d = 0; d < NDL; d++) {
        const bolt_dialect *dl = &g_dl[d];
        const int utc = dl->utc_datetime;
        EVERYWHERE_HEX(F, ANY);
        AGREE_HEX(dl, F, utc ? DECLINES : HASHES);
        AGREE_HEX(dl, I, utc ? HASHES : DECLINES);
        AGREE_HEX(dl, f, utc ? DECLINES : HASHES);
        AGREE_HEX(dl, iz, utc ? HASHES : DECLINES);
        AGREE_HEX(dl, Fbad, DECLINES);
        AGREE_HEX(dl, Ibad, DECLINES);
    }
    CU_ASSERT(bv_h128_eq(SCAN_HEX(&g_dl[0], F), SCAN_HEX(&g_dl[2], I)));
    CU_ASSERT(bv_h128_eq(SCAN_HEX(&g_dl[0], f), SCAN_HEX(&g_dl[1], iz)));
    CU_ASSERT(!bv_h128_eq(SCAN_HEX(&g_dl[0], F), SCAN_HEX(&g_dl[0], f)));
}

/* Map entries whose value is a scalar: every key length 0..20 against every string length
 * 0..20 and the other scalar kinds, as the last entry of a node (its bytes end the record on
 * Bolt 3), and a run of them after a filler at every position of the 1024-byte stage. */
static void test_scalar_entries(void)
{
    static const char text[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    bolt_value lab[1] = {str("S")};
    static const uint8_t raw[3] = {0x00, 0x80, 0xFF};
    bolt_value others[] = {bolt_int(INT64_MIN), bolt_int(-1),       bolt_float(-0.0),
                           bolt_float(NAN),     bolt_bool(1),       bolt_bool(0),
                           bolt_null(),         bolt_bytesv(raw, 3)};
    for (int d = 0; d < NDL; d++) {
        const bolt_dialect *dl = &g_dl[d];
        bolt_value f[4];
        for (size_t kl = 0; kl <= 20; kl++) {
            for (size_t vl = 0; vl <= 20 + sizeof others / sizeof others[0]; vl++) {
                bolt_value v = vl <= 20 ? bolt_stringn(text + 5, vl) : others[vl - 21];
                /* "!" never equals the letters of the other key; that one comes last */
                bolt_value kv[4] = {str("!"), bolt_int(1), bolt_stringn(text + 10, kl), v};
                bolt_value n = mknode(dl, f, lab, 1, kv, 2);
                AGREE_TREE(dl, &n, HASHES);
            }
        }
        /* the stage fill level at every position before a run of scalar entries */
        static char filler[1200];
        memset(filler, '.', sizeof filler);
        bolt_value kv[22] = {str("a"),
                             bolt_stringn(filler, 0),
                             str("b"),
                             bolt_int(1),
                             str("c"),
                             str("short"),
                             str("d"),
                             bolt_float(-0.0),
                             str("e"),
                             bolt_bool(1),
                             str("f"),
                             bolt_null(),
                             str("g"),
                             bolt_bytesv(raw, 3),
                             str("h"),
                             bolt_stringn(text, 20),
                             str("i234567890123456789"),
                             bolt_int(7),
                             str("j2345678"),
                             bolt_stringn(text, 16),
                             str("k"),
                             bolt_stringn(text, 17)};
        for (size_t len = 900; len <= 1100; len++) {
            kv[1] = bolt_stringn(filler, len);
            bolt_value n = mknode(dl, f, lab, 1, kv, 11);
            AGREE_TREE(dl, &n, HASHES);
            bolt_value m = bolt_map(kv, 11);
            AGREE_TREE(dl, &m, HASHES);
        }
    }
}

/* The per-thread key order guess: same node twice, then another key order, then maps of the
 * same size whose keys the remembered order does not sort. The result never changes. */
static void test_order_guess(void)
{
    bolt_value lab[1] = {str("P")};
    for (int d = 0; d < NDL; d++) {
        const bolt_dialect *dl = &g_dl[d];
        bolt_value f[4], f2[4], f3[4], f4[4];
        bolt_value o1[8] = {str("name"), str("Ada"),    str("age"), bolt_int(36),
                            str("city"), str("London"), str("zip"), str("N1")};
        bolt_value o2[8] = {str("zip"),  str("N1"),  str("city"), str("London"),
                            str("name"), str("Ada"), str("age"),  bolt_int(36)};
        bolt_value n1 = mknode(dl, f, lab, 1, o1, 4);
        outcome a = AGREE_TREE(dl, &n1, HASHES);
        outcome b = AGREE_TREE(dl, &n1, HASHES);
        CU_ASSERT(bv_h128_eq(a.h, b.h));
        bolt_value n2 = mknode(dl, f2, lab, 1, o2, 4);
        outcome c = AGREE_TREE(dl, &n2, HASHES);
        outcome e = AGREE_TREE(dl, &n2, HASHES);
        CU_ASSERT(bv_h128_eq(a.h, c.h));
        CU_ASSERT(bv_h128_eq(a.h, e.h));
        outcome g = AGREE_TREE(dl, &n1, HASHES);
        CU_ASSERT(bv_h128_eq(a.h, g.h));
        /* same size, other keys: in the remembered order they are not sorted */
        bolt_value o3[8] = {str("zip"),  str("N1"),  str("age"),  bolt_int(36),
                            str("name"), str("Ada"), str("city"), str("London")};
        bolt_value n3 = mknode(dl, f3, lab, 1, o3, 4);
        CU_ASSERT(bv_h128_eq(a.h, AGREE_TREE(dl, &n3, HASHES).h));
        /* same size with a duplicate right after a sorted run */
        bolt_value o4[8] = {str("age"),  bolt_int(1), str("city"), str("x"),
                            str("name"), str("y"),    str("age"),  bolt_int(36)};
        bolt_value n4 = mknode(dl, f4, lab, 1, o4, 4);
        AGREE_TREE(dl, &n4, HASHES);
        /* keys equal in their first 8 bytes, whose order flips between maps */
        bolt_value p1[6] = {str("abcdefgh1"), bolt_int(1),     str("abcdefgh2"),
                            bolt_int(2),      str("abcdefgh"), bolt_int(0)};
        bolt_value p2[6] = {str("abcdefgh2"), bolt_int(1),     str("abcdefgh1"),
                            bolt_int(2),      str("abcdefgh"), bolt_int(0)};
        bolt_value np1 = mknode(dl, f3, lab, 1, p1, 3), np2 = mknode(dl, f4, lab, 1, p2, 3);
        outcome q1 = AGREE_TREE(dl, &np1, HASHES);
        outcome q2 = AGREE_TREE(dl, &np2, HASHES);
        CU_ASSERT(!bv_h128_eq(q1.h, q2.h)); /* different values per key */
        CU_ASSERT(bv_h128_eq(q1.h, AGREE_TREE(dl, &np1, HASHES).h));
        /* 16 keys (the largest guessed size) and 17, in two orders, repeated */
        static bigmap m16;
        for (int r = 0; r < 2; r++) {
            for (size_t sz = 16; sz <= 17; sz++) {
                bolt_value fw = fill_map(&m16, sz, 0);
                bolt_value nf = mknode(dl, f, lab, 1, fw.u.items, sz);
                bv_h128 h1 = AGREE_TREE(dl, &nf, HASHES).h;
                bolt_value bw = fill_map(&m16, sz, 1);
                bolt_value nb = mknode(dl, f, lab, 1, bw.u.items, sz);
                CU_ASSERT(bv_h128_eq(h1, AGREE_TREE(dl, &nb, HASHES).h));
                m16.kv[0] = str("k003"); /* now a duplicate key */
                AGREE_TREE(dl, &nb, HASHES);
            }
        }
    }
}

/* ---- beyond the 1024-byte stage ------------------------------------------------------------ */

static void test_beyond_stage(void)
{
    static char big[5001];
    memset(big, 'x', 5000);
    for (int i = 0; i < 5000; i += 97)
        big[i] = (char)(0x80 + i % 100);
    static char label_text[16][101];
    static bolt_value long_labels[16];
    for (int i = 0; i < 16; i++) {
        memset(label_text[i], 'A' + i, 100);
        long_labels[i] = str(label_text[i]);
    }
    bolt_value lab[1] = {str("Doc")};
    for (int d = 0; d < NDL; d++) {
        const bolt_dialect *dl = &g_dl[d];
        bolt_value f[4];
        /* a 5000-byte string property among others */
        bolt_value kv[8] = {
            str("body"), bolt_stringn(big, 5000), str("a"), bolt_int(1),
            str("z"),    bolt_list(lab, 1),       str("b"), bolt_stringn(big, 1000)};
        bolt_value n = mknode(dl, f, lab, 1, kv, 4);
        AGREE_TREE(dl, &n, HASHES);
        /* ... and a duplicate key after it: the last one wins */
        kv[6] = str("a");
        bolt_value dup = mknode(dl, f, lab, 1, kv, 4);
        outcome o = AGREE_TREE(dl, &dup, HASHES);
        bolt_value kw[6] = {str("body"), bolt_stringn(big, 5000), str("z"), bolt_list(lab, 1),
                            str("a"),    bolt_stringn(big, 1000)};
        bolt_value want = mknode(dl, f, lab, 1, kw, 3);
        CU_ASSERT(bv_h128_eq(o.h, tree_hash(&g_c[C_TZ], &want)));

        /* a big map (40 entries of 40-byte strings) whose duplicate key comes after more than
         * 1024 bytes of canonical output, at the top and as a node property */
        static bigmap m;
        bolt_value bm = fill_map(&m, 40, 0);
        for (int i = 0; i < 40; i++)
            m.kv[2 * i + 1] = bolt_stringn(big + i, 40);
        m.kv[2 * 39] = str("k000");
        AGREE_TREE(dl, &bm, HASHES);
        bolt_value nbm = mknode(dl, f, lab, 1, m.kv, 40);
        AGREE_TREE(dl, &nbm, HASHES);
        bolt_value holder[4] = {str("big"), bolt_stringn(big, 2000), str("m"), bm};
        bolt_value nh = mknode(dl, f, lab, 1, holder, 2);
        AGREE_TREE(dl, &nh, HASHES);

        /* 16 labels of 100 bytes (more than a stage) and then a duplicate property key, or
         * 65 properties: the in-place node gives up after its output went to the hasher */
        bolt_value dk[6] = {str("k"), bolt_int(1), str("j"), bolt_int(2), str("k"), bolt_int(3)};
        bolt_value ln = mknode(dl, f, long_labels, 16, dk, 3);
        AGREE_TREE(dl, &ln, HASHES);
        static bigmap m65;
        bolt_value b65 = fill_map(&m65, 65, 1);
        bolt_value f65[4];
        bolt_value ln65 = mknode(dl, f65, long_labels, 16, b65.u.items, 65);
        AGREE_TREE(dl, &ln65, HASHES);
        bolt_value inlist[3] = {bolt_stringn(big, 1500), ln, ln65};
        bolt_value l = bolt_list(inlist, 3);
        AGREE_TREE(dl, &l, HASHES);

        /* the stage boundary at every position: a filler string, then a node whose property
         * map has a duplicate key (the in-place reader gives up there) */
        bolt_value g2[4];
        bolt_value small = mknode(dl, g2, lab, 1, dk, 3);
        for (size_t len = 900; len <= 1100; len++) {
            bolt_value items[2] = {bolt_stringn(big, len), small};
            bolt_value fl = bolt_list(items, 2);
            AGREE_TREE(dl, &fl, HASHES);
            bolt_value pk[4] = {str("a"), bolt_stringn(big, len), str("b"), bolt_map(dk, 3)};
            bolt_value g3[4];
            bolt_value pn = mknode(dl, g3, lab, 1, pk, 2);
            AGREE_TREE(dl, &pn, HASHES);
        }
    }
}

/* The in-place reader gives up after its output was hashed, once the scratch stack of the tree
 * encoder had grown to the heap (a 100-entry map decoded before it): the value must still
 * agree and every block must be freed. */
static void test_fallback_after_grown_stack(void)
{
    static char text[16][101];
    static bolt_value labels[16];
    for (int i = 0; i < 16; i++) {
        memset(text[i], 'a' + i, 100);
        labels[i] = str(text[i]);
    }
    bolt_value dk[6] = {str("k"), bolt_int(1), str("j"), bolt_int(2), str("k"), bolt_int(3)};
    static bigmap m;
    bolt_value m100 = fill_map(&m, 100, 1);
    for (int d = 0; d < NDL; d++) {
        const bolt_dialect *dl = &g_dl[d];
        bolt_value f[4];
        bolt_value ln = mknode(dl, f, labels, 16, dk, 3);
        bolt_value items[2] = {m100, ln};
        bolt_value l = bolt_list(items, 2);
        bolt_buf b;
        bolt_buf_init(&b);
        bolt_pack_value(&b, &l);
        CU_ASSERT_FATAL(b.err == 0);
        AGREE_BUF(dl, &b, HASHES);
        /* blocks: counted by failalloc (unarmed), the arena freed before counting */
        failalloc_install();
        bolt_arena a;
        bolt_arena_init(&a, 1024, 0);
        bolt_decoder dec = {dl, &a, 0, 0};
        bv_h128 h;
        size_t used = 0;
        int rc = bv_canon_scan_hash128(&g_c[C_NOTZ], &dec, b.data, b.len, &used, &h, NULL);
        bolt_arena_free(&a);
        long live = failalloc_live();
        failalloc_uninstall();
        CU_ASSERT_EQUAL(rc, 0);
        CU_ASSERT_EQUAL(used, b.len);
        if (live != 0) {
            char *hex = hex_string(b.data, b.len > 64 ? 64 : b.len);
            fprintf(stderr, "\nscan leaked %ld block(s) (Bolt %u.%u), record of %zu bytes: %s...\n",
                    live, dl->major, dl->minor, b.len, hex ? hex : "?");
            free(hex);
        }
        CU_ASSERT_EQUAL(live, 0);
        bolt_buf_free(&b);
    }
}

/* ---- declines ------------------------------------------------------------------------------ */

/* A node record with something of everything, truncated at every length: both paths reject
 * every strict prefix, and hash the whole. */
static void test_truncated_prefixes(void)
{
    bolt_value lab[3] = {str("Person"), str("Admin"), str("abcdefgh1")};
    static bigmap m;
    for (int d = 0; d < NDL; d++) {
        const bolt_dialect *dl = &g_dl[d];
        temporals t;
        size_t nt = fill_temporals(dl, &t, 0);
        bolt_value li[3] = {bolt_int(1), str("two"), bolt_float(-0.0)};
        bolt_value inner[4] = {str("b"), bolt_list(li, 3), str("a"),
                               bolt_bytesv((const uint8_t *)"\x01\xff", 2)};
        bolt_value kv[2 * 20];
        size_t k = 0;
        for (size_t i = 0; i < nt; i++, k++) {
            kv[2 * k] = t.kv[2 * i];
            kv[2 * k + 1] = t.kv[2 * i + 1];
        }
        kv[2 * k] = str("nested");
        kv[2 * k + 1] = bolt_map(inner, 2);
        k++;
        kv[2 * k] = str("big");
        kv[2 * k + 1] = bolt_int(INT64_MIN);
        k++;
        kv[2 * k] = str("s");
        kv[2 * k + 1] = str("a string of some length");
        k++;
        bolt_value f[4];
        bolt_value node = mknode(dl, f, lab, 3, kv, k);
        bolt_value m65 = fill_map(&m, 65, 0);
        bolt_value f2[4];
        bolt_value node65 = mknode(dl, f2, lab, 2, m65.u.items, 65);
        const bolt_value *recs[2] = {&node, &node65};
        for (int r = 0; r < 2; r++) {
            bolt_buf b;
            bolt_buf_init(&b);
            bolt_pack_value(&b, recs[r]);
            CU_ASSERT_FATAL(b.err == 0);
            for (size_t len = 0; len <= b.len; len++) {
                outcome o = AGREE(dl, b.data, len, ANY);
                int whole = len == b.len;
                CU_ASSERT(whole ? o.ref == 0 && o.rc == 0 && o.used == b.len
                                : o.ref != 0 && o.rc == BV_CANON_SCAN_DECLINED);
            }
            bolt_buf_free(&b);
        }
    }
}

static void test_reserved_markers(void)
{
    static const uint8_t reserved[] = {0xC4, 0xC5, 0xC6, 0xC7, 0xCF, 0xD3, 0xD7, 0xDB,
                                       0xDC, 0xDD, 0xDE, 0xDF, 0xE0, 0xE7, 0xEF};
    static bigmap m;
    bolt_value m70 = fill_map(&m, 70, 0);
    m.kv[2 * 69 + 1] = bolt_null(); /* one byte, replaced by the marker below */
    for (int d = 0; d < NDL; d++) {
        const bolt_dialect *dl = &g_dl[d];
        for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++) {
            uint8_t r = reserved[i];
            uint8_t one[4] = {r, 0x01, 0x01, 0x01}; /* followed by bytes a DC/DD would use */
            EVERYWHERE(one, 1, DECLINES);
            EVERYWHERE(one, 4, DECLINES);
            /* in a property after others, in a nested list, in a map of 70 entries, as a
             * key, inside a Date */
            bolt_buf b;
            bolt_buf_init(&b);
            node_head(&b, dl);
            append_hex(&b, "91 81 4C A3 81 61 01 81 72");
            bolt_buf_append(&b, &r, 1);
            append_hex(&b, "81 7A 02");
            node_tail(&b, dl);
            AGREE_BUF(dl, &b, DECLINES);
            bolt_buf_reset(&b);
            node_head(&b, dl);
            append_hex(&b, "90 A1 81 6C 93 01 92 02");
            bolt_buf_append(&b, &r, 1);
            append_hex(&b, "03");
            node_tail(&b, dl);
            AGREE_BUF(dl, &b, DECLINES);
            bolt_buf_reset(&b);
            node_head(&b, dl);
            append_hex(&b, "90 A1 81 6D");
            bolt_pack_value(&b, &m70);
            b.data[b.len - 1] = r; /* the last value of the map */
            node_tail(&b, dl);
            AGREE_BUF(dl, &b, DECLINES);
            bolt_buf_reset(&b);
            node_head(&b, dl);
            append_hex(&b, "90 A1");
            bolt_buf_append(&b, &r, 1);
            append_hex(&b, "01");
            node_tail(&b, dl);
            AGREE_BUF(dl, &b, DECLINES);
            bolt_buf_reset(&b);
            node_head(&b, dl);
            append_hex(&b, "90 A1 81 64 B1 44");
            bolt_buf_append(&b, &r, 1);
            node_tail(&b, dl);
            AGREE_BUF(dl, &b, DECLINES);
            bolt_buf_free(&b);
        }
    }
}

static void test_bad_structures(void)
{
    for (int d = 0; d < NDL; d++) {
        const bolt_dialect *dl = &g_dl[d];
        const int eid = dl->element_ids;
        /* the field count of the other dialect, and others */
        AGREE_HEX(dl, eid ? "B3 4E 01 90 A0" : "B4 4E 01 90 A0 81 78", DECLINES);
        AGREE_HEX(dl, eid ? "B4 4E 01 90 A0 81 78" : "B3 4E 01 90 A0", HASHES);
        AGREE_HEX(dl, "B2 4E 01 90", DECLINES);
        AGREE_HEX(dl, "B5 4E 01 90 A0 81 78 01", DECLINES);
        AGREE_HEX(dl, "B0 4E", DECLINES);
        AGREE_HEX(dl, "91 B2 4E 01 90", DECLINES);
        /* node fields of the wrong type */
        static const char *const bad3[] = {
            "B3 4E 01 91 01 A0",       /* a label that is not a string */
            "B3 4E 01 92 81 41 C0 A0", /* a null label after a good one */
            "B3 4E 01 A0 A0",          /* labels not a list */
            "B3 4E 01 81 41 A0",       /* labels a string */
            "B3 4E 81 31 90 A0",       /* id a string */
            "B3 4E C0 90 A0",          /* id null */
            "B3 4E 01 90 90",          /* properties a list */
            "B3 4E 01 90 C0",          /* properties null */
            "B3 4E 01 90 A1 01 01",    /* a property key that is not a string */
        };
        bolt_buf b;
        bolt_buf_init(&b);
        for (size_t i = 0; i < sizeof bad3 / sizeof bad3[0]; i++) {
            bolt_buf_reset(&b);
            append_hex(&b, bad3[i]);
            if (eid) {
                b.data[0] = 0xB4;
                append_hex(&b, "81 78");
            }
            AGREE_BUF(dl, &b, DECLINES);
            /* also as a property of a good node */
            bolt_buf_reset(&b);
            node_head(&b, dl);
            append_hex(&b, "90 A1 81 6E");
            append_hex(&b, bad3[i]);
            if (eid) {
                b.data[b.len - (strlen(bad3[i]) + 1) / 3] = 0xB4;
                append_hex(&b, "81 78");
            }
            node_tail(&b, dl);
            AGREE_BUF(dl, &b, DECLINES);
        }
        if (eid) {
            AGREE_HEX(dl, "B4 4E 01 90 A0 C0", DECLINES); /* element id null */
            AGREE_HEX(dl, "B4 4E 01 90 A0 01", DECLINES); /* element id an int */
        }
        /* DateTimes of the other encoding: I/i on Bolt 3, F/f on 4.4 utc and 5.8 */
        bolt_value g[3];
        bolt_value other = dt_offset(g, dl->utc_datetime, 1592231400, 123, 7200);
        AGREE_TREE(dl, &other, DECLINES);
        bolt_value kv[2] = {str("dt"), other};
        bolt_value f[4];
        bolt_value n = mknode(dl, f, NULL, 0, kv, 1);
        AGREE_TREE(dl, &n, DECLINES);
        kv[1] = dt_zone(g, dl->utc_datetime, 1592231400, 123, "Europe/Berlin");
        AGREE_TREE(dl, &n, DECLINES);
        /* temporal structures with bad fields, unknown tags */
        static const char *const badt[] = {"B2 44 01 02",
                                           "B1 44 81 31",
                                           "B1 74 CB 00 00 4E 94 91 4F 00 00",
                                           "B2 64 01 CA 3B 9A CA 00",
                                           "B4 45 01 02 03 CA FF FF FF FF",
                                           "B3 58 01 02 03",
                                           "B1 7A 01",
                                           "B0 00"};
        for (size_t i = 0; i < sizeof badt / sizeof badt[0]; i++)
            EVERYWHERE_HEX(badt[i], DECLINES);
        bolt_buf_free(&b);
    }
}

static void test_max_depth(void)
{
    bolt_value lab[1] = {str("N")};
    bolt_value one[1] = {bolt_int(1)};
    bolt_value q[2] = {str("q"), bolt_int(1)};
    bolt_value dt[1] = {bolt_int(18000)};
    for (int d = 0; d < NDL; d++) {
        const bolt_dialect *dl = &g_dl[d];
        bolt_value f[4];
        /* a node needs 2 (its labels list or property map), 3 with a list, map or structure
         * property */
        bolt_value props[3][2] = {{str("p"), bolt_list(one, 1)},
                                  {str("p"), bolt_map(q, 1)},
                                  {str("p"), mkstruct(BOLT_T_DATE, 0x44, dt, 1)}};
        for (int i = 0; i < 3; i++) {
            bolt_value n = mknode(dl, f, lab, 1, props[i], 1);
            bolt_buf b;
            bolt_buf_init(&b);
            bolt_pack_value(&b, &n);
            AGREE_D(dl, 2, b.data, b.len, DECLINES);
            AGREE_D(dl, 3, b.data, b.len, HASHES);
            AGREE_D(dl, 1, b.data, b.len, DECLINES);
            bolt_buf_free(&b);
        }
        bolt_value flat[2] = {str("p"), bolt_int(1)};
        bolt_value n = mknode(dl, f, lab, 1, flat, 1);
        bolt_value f0[4];
        bolt_value n0 = mknode(dl, f0, NULL, 0, NULL, 0);
        for (int i = 0; i < 2; i++) {
            bolt_buf b;
            bolt_buf_init(&b);
            bolt_pack_value(&b, i ? &n0 : &n);
            AGREE_D(dl, 1, b.data, b.len, DECLINES);
            AGREE_D(dl, 2, b.data, b.len, HASHES);
            bolt_buf_free(&b);
        }
        /* the node inside a list: one level more */
        bolt_value inl = bolt_list(&n, 1);
        bolt_buf b;
        bolt_buf_init(&b);
        bolt_pack_value(&b, &inl);
        AGREE_D(dl, 2, b.data, b.len, DECLINES);
        AGREE_D(dl, 3, b.data, b.len, HASHES);
        bolt_buf_free(&b);
    }
    /* nesting at the default (64) and the hard limit (1000), lists, maps and nodes */
    enum { N = 1002 };
    static uint8_t buf[3 * N + 64];
    for (int d = 0; d < NDL; d++) {
        const bolt_dialect *dl = &g_dl[d];
        static const struct {
            unsigned depth, levels;
            int ok;
        } cases[] = {{0, 64, 1},      {0, 65, 0},      {64, 64, 1},
                     {1000, 1000, 1}, {1000, 1001, 0}, {2000, 1000, 1},
                     {2000, 1001, 0}, {5, 5, 1},       {5, 6, 0}};
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            unsigned lv = cases[i].levels;
            memset(buf, 0x91, lv);
            buf[lv] = 0x2A;
            AGREE_D(dl, cases[i].depth, buf, lv + 1, cases[i].ok ? HASHES : DECLINES);
            for (unsigned j = 0; j < lv; j++) {
                buf[3 * j] = 0xA1;
                buf[3 * j + 1] = 0x81;
                buf[3 * j + 2] = 'k';
            }
            buf[3 * lv] = 0xC0;
            AGREE_D(dl, cases[i].depth, buf, 3 * lv + 1, cases[i].ok ? HASHES : DECLINES);
        }
        /* nodes nested as properties: k nodes need 2k levels */
        bolt_buf b;
        bolt_buf_init(&b);
        static const unsigned ks[] = {32, 33, 500, 501};
        static const unsigned depths[] = {0, 0, 1000, 1000};
        for (size_t i = 0; i < 4; i++) {
            bolt_buf_reset(&b);
            for (unsigned j = 0; j < ks[i]; j++) {
                node_head(&b, dl);
                append_hex(&b, "91 81 4E");
                if (j + 1 < ks[i])
                    append_hex(&b, "A2 81 61 01 81 6E");
                else
                    append_hex(&b, "A1 81 61 01");
            }
            for (unsigned j = 0; j < ks[i]; j++)
                node_tail(&b, dl);
            AGREE_D(dl, depths[i], b.data, b.len, i % 2 ? DECLINES : HASHES);
        }
        bolt_buf_free(&b);
    }
}

static void test_decoder_flags_and_args(void)
{
    static const unsigned flags[] = {BOLT_DECODE_RAW_STRUCTS, BOLT_DECODE_CHECK_UTF8,
                                     BOLT_DECODE_NO_STRUCTS, 0x80u};
    static const char *const vals[] = {"01", "81 61", "A1 81 61 01",
                                       "B3 4E 01 91 81 4C A1 81 61 01"};
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
        for (size_t j = 0; j < sizeof vals / sizeof vals[0]; j++) {
            size_t n;
            uint8_t *p = hex_alloc(vals[j], &n);
            bolt_decoder d = {&g_dl[0], &g_arena, 0, flags[i]};
            bv_h128 h = {0, 0};
            size_t used = 77;
            unsigned notes = 0;
            CU_ASSERT_EQUAL(bv_canon_scan_hash128(&g_c[C_TZ], &d, p, n, &used, &h, &notes),
                            BV_CANON_SCAN_DECLINED);
            CU_ASSERT_EQUAL(used, 77); /* nothing reported */
            bolt_arena_reset(&g_arena);
            free(p);
        }
    }
    /* NULL arguments */
    const uint8_t one[1] = {0x01};
    bolt_decoder d = {&g_dl[2], &g_arena, 0, 0};
    bv_h128 h, ref;
    size_t used = 0;
    unsigned notes = 0;
    CU_ASSERT_EQUAL(bv_canon_scan_hash128(NULL, &d, one, 1, &used, &h, &notes), BOLT_E_INVAL);
    CU_ASSERT_EQUAL(bv_canon_scan_hash128(&g_c[C_TZ], NULL, one, 1, &used, &h, &notes),
                    BOLT_E_INVAL);
    CU_ASSERT_EQUAL(bv_canon_scan_hash128(&g_c[C_TZ], &d, NULL, 1, &used, &h, &notes),
                    BOLT_E_INVAL);
    CU_ASSERT_EQUAL(bv_canon_scan_hash128(&g_c[C_TZ], &d, NULL, 0, &used, &h, &notes),
                    BOLT_E_INVAL);
    CU_ASSERT_EQUAL(bv_canon_scan_hash128(&g_c[C_TZ], &d, one, 1, &used, NULL, &notes),
                    BOLT_E_INVAL);
    /* used and notes are optional */
    CU_ASSERT_EQUAL(bv_canon_scan_hash128(&g_c[C_TZ], &d, one, 1, &used, &ref, &notes), 0);
    CU_ASSERT_EQUAL(bv_canon_scan_hash128(&g_c[C_TZ], &d, one, 1, NULL, &h, NULL), 0);
    CU_ASSERT(bv_h128_eq(h, ref));
    bolt_value x = bolt_int(1);
    CU_ASSERT(bv_h128_eq(h, tree_hash(&g_c[C_TZ], &x)));
    /* no bytes at all: the decoder's TRUNCATED */
    AGREE(&g_dl[0], one, 0, DECLINES);
}

/* A decoder without an arena, or without a dialect: bolt_decode refuses it (BOLT_E_INVAL)
 * whatever the bytes, so the reference path fails for every value and the scanner must decline
 * every value too (the contract: decline exactly when the reference path fails). */
static void test_decoder_without_arena_or_dialect(void)
{
    static const char *const vals[] = {
        "01",                            /* a scalar */
        "92 01 81 61",                   /* a list */
        "A1 81 61 01",                   /* a map */
        "B1 44 01",                      /* a Date (numeric temporal) */
        "B3 4E 01 91 81 4C A1 81 61 01", /* a Bolt 3 node */
        "B3 66 01 00 83 55 54 43",       /* a legacy zone DateTime */
    };
    for (int which = 0; which < 2; which++) {
        bolt_decoder d = {which ? NULL : &g_dl[0], which ? &g_arena : NULL, 0, 0};
        for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
            size_t n;
            uint8_t *p = hex_alloc(vals[i], &n);
            CU_ASSERT_FATAL(p != NULL);
            outcome o = run_both(&g_c[C_TZ], &d, p, n);
            CU_ASSERT_EQUAL(o.ref, BOLT_E_INVAL);
            int ok = agrees(&o);
            if (!ok)
                report(__FILE__, __LINE__, &g_dl[0], which ? "tz, NULL dialect" : "tz, NULL arena",
                       0, p, n, &o);
            CU_ASSERT(ok);
            free(p);
        }
    }
}

/* ---- used ---------------------------------------------------------------------------------- */

static void test_used_with_trailing_bytes(void)
{
    static const char *const trailers[] = {"C0", "DF", "B3", "01 02 03 04 05 06 07 08 09",
                                           "A1 81 61"};
    static char big[5000];
    memset(big, 'q', sizeof big);
    bolt_value lab[1] = {str("T")};
    static bigmap m;
    bolt_value m70 = fill_map(&m, 70, 1);
    for (int d = 0; d < NDL; d++) {
        const bolt_dialect *dl = &g_dl[d];
        temporals t;
        size_t nt = fill_temporals(dl, &t, 0);
        bolt_value f[4], g[4], li[2] = {bolt_int(1), str("x")}, mk[2] = {str("k"), bolt_int(1)};
        bolt_value kv[4] = {str("s"), bolt_stringn(big, 5000), str("m"), m70};
        bolt_value vals[] = {bolt_int(1),
                             bolt_int(INT64_MIN),
                             str("abc"),
                             bolt_float(-0.0),
                             bolt_list(li, 2),
                             bolt_map(mk, 1),
                             m70,
                             t.kv[1],
                             t.kv[15],
                             mknode(dl, f, lab, 1, t.kv, nt),
                             mknode(dl, g, lab, 1, kv, 2)};
        for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
            bolt_buf b;
            bolt_buf_init(&b);
            bolt_pack_value(&b, &vals[i]);
            CU_ASSERT_FATAL(b.err == 0);
            size_t len = b.len;
            for (size_t j = 0; j < sizeof trailers / sizeof trailers[0]; j++) {
                b.len = len;
                append_hex(&b, trailers[j]);
                outcome o = AGREE_BUF(dl, &b, HASHES);
                CU_ASSERT_EQUAL(o.used, len);
            }
            bolt_buf_free(&b);
        }
    }
}

/* ---- other structures ---------------------------------------------------------------------- */

static void test_relationships_and_paths(void)
{
    bolt_value lab[1] = {str("P")};
    bolt_value pa[2] = {str("n"), str("a")}, pb[2] = {str("n"), str("b")};
    bolt_value rp[2] = {str("since"), bolt_int(2001)};
    for (int d = 0; d < NDL; d++) {
        const bolt_dialect *dl = &g_dl[d];
        const int eid = dl->element_ids;
        bolt_value fa[4], fb[4];
        bolt_value nodes[2] = {mknode(dl, fa, lab, 1, pa, 1), mknode(dl, fb, lab, 1, pb, 1)};
        bolt_value rf[8] = {bolt_int(10),    bolt_int(1),   bolt_int(2),  str("KNOWS"),
                            bolt_map(rp, 1), str("5:x:10"), str("4:x:1"), str("4:x:2")};
        bolt_value rel = mkstruct(BOLT_T_RELATIONSHIP, 0x52, rf, eid ? 8 : 5);
        bolt_value uf[4] = {bolt_int(10), str("KNOWS"), bolt_map(rp, 1), str("5:x:10")};
        bolt_value urel = mkstruct(BOLT_T_UNBOUND_REL, 0x72, uf, eid ? 4 : 3);
        bolt_value idx[2] = {bolt_int(1), bolt_int(1)};
        bolt_value pf[3] = {bolt_list(nodes, 2), bolt_list(&urel, 1), bolt_list(idx, 2)};
        bolt_value path = mkstruct(BOLT_T_PATH, 0x50, pf, 3);
        bolt_value rec[4] = {nodes[0], rel, nodes[1], path};
        bolt_value row = bolt_list(rec, 4);
        AGREE_TREE(dl, &row, HASHES);
        AGREE_TREE(dl, &path, HASHES);
        bolt_value kv[4] = {str("r"), rel, str("p"), path};
        bolt_value f[4];
        bolt_value holder = mknode(dl, f, lab, 1, kv, 2);
        AGREE_TREE(dl, &holder, HASHES);
        idx[0] = bolt_int(2); /* no such relationship */
        AGREE_TREE(dl, &path, DECLINES);
    }
}

/* ---- allocation failures ------------------------------------------------------------------- */

typedef struct fa_case {
    const bv_canon *c;
    const bolt_dialect *dl;
    const uint8_t *p;
    size_t n;
    bv_h128 want;
    unsigned want_notes;
} fa_case;

static int fa_scan(const fa_case *fc, bv_h128 *h, unsigned *notes, size_t *used)
{
    bolt_arena a;
    bolt_arena_init(&a, 512, 0);
    bolt_decoder d = {fc->dl, &a, 0, 0};
    int rc = bv_canon_scan_hash128(fc->c, &d, fc->p, fc->n, used, h, notes);
    bolt_arena_free(&a);
    return rc;
}

/* Every allocation of one scan failing in turn (once, then from there on): the result is
 * BV_CANON_SCAN_DECLINED or BOLT_E_NOMEM, or (when a retry got the memory) the right hash; never
 * a wrong hash, never a leaked block. Returns the number of allocations of an unarmed run. */
static unsigned long fa_each_(const fa_case *fc, const char *file, int line)
{
    bv_h128 h;
    unsigned notes = 0;
    size_t used = 0;
    failalloc_install();
    failalloc_arm(0, 0);
    int rc = fa_scan(fc, &h, &notes, &used);
    unsigned long total = failalloc_calls();
    long live = failalloc_live();
    CU_assertImplementation(
        rc == 0 && bv_h128_eq(h, fc->want) && notes == fc->want_notes && used == fc->n && live == 0,
        (unsigned)line, "unarmed scan hashes right, frees all", file, "", CU_FALSE);
    int bad = 0;
    for (int sticky = 0; sticky <= 1; sticky++) {
        for (unsigned long k = 1; k <= total; k++) {
            unsigned long fails_before = failalloc_failures();
            long live_before = failalloc_live();
            failalloc_arm(k, sticky);
            notes = 0;
            h.lo = h.hi = 0;
            rc = fa_scan(fc, &h, &notes, &used);
            int failed = failalloc_failures() != fails_before;
            long leaked = failalloc_live() - live_before;
            int ok = leaked == 0 && (rc == BV_CANON_SCAN_DECLINED || rc == BOLT_E_NOMEM ||
                                     (rc == 0 && !sticky && bv_h128_eq(h, fc->want) &&
                                      notes == fc->want_notes && used == fc->n));
            ok = ok && failed;
            if (!ok && bad++ < 5)
                fprintf(stderr,
                        "\n%s:%d: allocation %lu of %lu failing%s: %s, %ld block(s) leaked, "
                        "failed %d\n",
                        file, line, k, total, sticky ? " (and all after)" : "",
                        rc == BV_CANON_SCAN_DECLINED ? "DECLINED" : bolt_errname(rc), leaked,
                        failed);
            CU_assertImplementation(ok, (unsigned)line, "failing allocation handled", file, "",
                                    CU_FALSE);
        }
    }
    failalloc_uninstall();
    return total;
}

#define FA_EACH(fc) fa_each_(fc, __FILE__, __LINE__)

static void fa_prepare(fa_case *fc, const bv_canon *c, const bolt_dialect *dl, const bolt_buf *b)
{
    fc->c = c;
    fc->dl = dl;
    fc->p = b->data;
    fc->n = b->len;
    fc->want_notes = 0;
    /* the reference, with the C library's allocator */
    bolt_decoder d = {dl, &g_arena, 0, 0};
    bolt_value v;
    size_t used = 0;
    CU_ASSERT_FATAL(bolt_decode(&d, b->data, b->len, &v, &used) == 0 && used == b->len);
    CU_ASSERT_FATAL(bv_canon_hash128(c, &v, &fc->want, &fc->want_notes) == 0);
    bolt_arena_reset(&g_arena);
}

static void test_allocation_failures(void)
{
    static bigmap m;
    static char text[16][101];
    static bolt_value long_labels[16];
    for (int i = 0; i < 16; i++) {
        memset(text[i], 'a' + i, 100);
        long_labels[i] = str(text[i]);
    }
    bolt_value lab[2] = {str("Person"), str("Big")};
    for (int d = 0; d < NDL; d++) {
        const bolt_dialect *dl = &g_dl[d];
        temporals t;
        fill_temporals(dl, &t, 0);
        /* a node with a 100-entry nested map property, which holds structures too */
        bolt_value m100 = fill_map(&m, 100, 1);
        m.kv[1] = t.kv[1];  /* a Date */
        m.kv[3] = t.kv[15]; /* the ambiguous zone DateTime (no tz database: unknown zone) */
        m.kv[5] = t.kv[21]; /* a Point2D */
        bolt_value kv[6] = {str("name"), str("Ada"), str("nested"), m100, str("z"), bolt_int(1)};
        bolt_value f[4];
        bolt_value node = mknode(dl, f, lab, 2, kv, 3);
        bolt_buf b;
        bolt_buf_init(&b);
        bolt_pack_value(&b, &node);
        CU_ASSERT_FATAL(b.err == 0);
        fa_case fc;
        fa_prepare(&fc, &g_c[C_NOTZ], dl, &b);
        CU_ASSERT_EQUAL(fc.want_notes, BV_NOTE_UNKNOWN_ZONE);
        CU_ASSERT(FA_EACH(&fc) >= 2); /* the arena and the scratch stack at least */
        static const bv_canon fold_notz = {NULL, BV_CANON_FOLD_NEGZERO};
        fa_prepare(&fc, &fold_notz, dl, &b);
        FA_EACH(&fc);

        /* the same map, and the node in place giving up after its labels went to the hasher
         * (a duplicate key): the decoder takes the whole record */
        bolt_value dk[6] = {str("k"), bolt_int(1), str("j"), bolt_int(2), str("k"), bolt_int(3)};
        bolt_value g[4];
        bolt_value ln = mknode(dl, g, long_labels, 16, dk, 3);
        bolt_value items[2] = {node, ln};
        bolt_value l = bolt_list(items, 2);
        bolt_buf_reset(&b);
        bolt_pack_value(&b, &l);
        CU_ASSERT_FATAL(b.err == 0);
        fa_prepare(&fc, &g_c[C_NOTZ], dl, &b);
        FA_EACH(&fc);
        bolt_buf_free(&b);
    }
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 1;
    CU_pSuite s = CU_add_suite("canon_scan", suite_init, suite_clean);
    CU_add_test(s, "null and booleans", test_null_bool);
    CU_add_test(s, "integers at every width, non-minimal widths", test_int_widths);
    CU_add_test(s, "floats: -0.0 with and without folding, NaN payloads, infinities", test_floats);
    CU_add_test(s, "strings and bytes of every size marker", test_strings_and_bytes);
    CU_add_test(s, "lists: empty, nested, 16+ items, non-minimal", test_lists);
    CU_add_test(s, "maps: key order, prefixes, >= 0x80, 65/100 entries, last duplicate wins",
                test_maps);
    CU_add_test(s, "node labels: 0/1/3/16/17, duplicates, order, ids ignored", test_node_labels);
    CU_add_test(s, "node properties: 0/40/64/65/100, nested", test_node_properties);
    CU_add_test(s, "every temporal and spatial property, DST notes, tz and none",
                test_node_temporal_spatial);
    CU_add_test(s, "temporal and spatial wire forms, DateTimes per dialect",
                test_temporal_wire_forms);
    CU_add_test(s, "scalar map entries: key and value lengths, stage positions",
                test_scalar_entries);
    CU_add_test(s, "the key order guess never changes the result", test_order_guess);
    CU_add_test(s, "values beyond the 1024-byte stage, duplicates after it", test_beyond_stage);
    CU_add_test(s, "giving up after a flush with a grown scratch stack frees it",
                test_fallback_after_grown_stack);
    CU_add_test(s, "truncated at every prefix: decline iff the decoder fails",
                test_truncated_prefixes);
    CU_add_test(s, "reserved markers decline", test_reserved_markers);
    CU_add_test(s, "bad structures, field counts, labels, DateTimes of the other version",
                test_bad_structures);
    CU_add_test(s, "max_depth limits", test_max_depth);
    CU_add_test(s, "decoder flags decline, NULL arguments", test_decoder_flags_and_args);
    CU_add_test(s, "no arena or no dialect: the reference fails, so the scan declines",
                test_decoder_without_arena_or_dialect);
    CU_add_test(s, "used is the value's length before trailing bytes",
                test_used_with_trailing_bytes);
    CU_add_test(s, "relationships and paths", test_relationships_and_paths);
    CU_add_test(s, "allocation failures: declined or NOMEM, no wrong hash, no leak",
                test_allocation_failures);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failures = CU_get_number_of_failures();
    CU_cleanup_registry();
    return failures ? 1 : 0;
}
