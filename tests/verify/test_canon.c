/* Tests of verify/canon.c: one hash for one stored value across Bolt 3 / 4.4 / 5 encodings,
 * the DST overlap and gap notes, the type rules (1 != 1.0, -0.0, NaN), map/list/node/
 * relationship/path rules, per-field hashes, pinned format vectors, errors and allocation
 * failures. Renderings are tested in test_canon_format.c, the hasher in test_hash.c. */
#include <CUnit/Basic.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bolt/alloc.h"
#include "bolt/error.h"
#include "bolt/packstream.h"
#include "failalloc.h"
#include "canon_values.h"
#include "hex.h"
#include "verify/canon.h"
#include "verify/hash.h"
#include "verify/tzdb.h"

/* ---- helpers ------------------------------------------------------------------------------ */

static bv_tzdb *g_tzdb;
static bv_canon g_canon;      /* default rules, with the tz database */
static bv_canon g_instant;    /* BV_CANON_ZONE_INSTANT */
static const bv_canon g_notz; /* no tz database */

static int suite_init(void)
{
    if (bv_tzdb_new("/usr/share/zoneinfo", &g_tzdb) != 0) return 1;
    g_canon.tzdb = g_tzdb;
    g_instant.tzdb = g_tzdb;
    g_instant.flags = BV_CANON_ZONE_INSTANT;
    return 0;
}

static int suite_clean(void)
{
    bv_tzdb_free(g_tzdb);
    return 0;
}

static bv_h128 H(const bv_canon *c, const bolt_value *v, unsigned *notes)
{
    bv_h128 h = {0, 0};
    unsigned local = 0;
    int rc = bv_canon_hash128(c, v, &h, notes ? notes : &local);
    if (rc) fprintf(stderr, "hash failed: %s\n", bolt_strerror(rc));
    CU_ASSERT_EQUAL(rc, 0);
    return h;
}

static int same(const bolt_value *a, const bolt_value *b)
{
    return bv_h128_eq(H(&g_canon, a, NULL), H(&g_canon, b, NULL));
}

static const char *fmt(const bolt_value *v)
{
    static char buf[1024];
    bv_canon_format(&g_canon, v, buf, sizeof buf);
    return buf;
}

static int decode_hex(const char *hex, const bolt_dialect *d, bolt_arena *a, bolt_value *out,
                      uint8_t **keep)
{
    size_t len;
    *keep = hex_alloc(hex, &len);
    if (!*keep) return -1;
    bolt_decoder dec = {d, a, 0, 0};
    size_t used = 0;
    int rc = bolt_decode(&dec, *keep, len, out, &used);
    return rc == 0 && used == len ? 0 : -1;
}

/* ---- one stored value, four encodings ----------------------------------------------------- */

static void test_four_encodings_same_hash(void)
{
    /* bolt-reference 5.3: datetime('2020-06-15T14:30:00.000000123+02:00') and
     * datetime('2020-06-15T14:30:00.000000123[Europe/Berlin]') as 3.5 and as 5.x send them */
    static const char *F = "B3 46 CA 5E E7 85 E8 7B C9 1C 20";
    static const char *I = "B3 49 CA 5E E7 69 C8 7B C9 1C 20";
    static const char *f = "B3 66 CA 5E E7 85 E8 7B 8D 45 75 72 6F 70 65 2F 42 65 72 6C 69 6E";
    static const char *i = "B3 69 CA 5E E7 69 C8 7B 8D 45 75 72 6F 70 65 2F 42 65 72 6C 69 6E";
    bolt_dialect bolt3, bolt44, bolt44utc, bolt5;
    bolt_dialect_for(&bolt3, 3, 0, 0);
    bolt_dialect_for(&bolt44, 4, 4, 0);
    bolt_dialect_for(&bolt44utc, 4, 4, 1);
    bolt_dialect_for(&bolt5, 5, 0, 0);
    bolt_arena a;
    bolt_arena_init(&a, 4096, 0);
    bolt_value vF, vI, vf, vi, vF44, vI44, vf44, vi44;
    uint8_t *k[8];
    CU_ASSERT_FATAL(decode_hex(F, &bolt3, &a, &vF, &k[0]) == 0);
    CU_ASSERT_FATAL(decode_hex(I, &bolt5, &a, &vI, &k[1]) == 0);
    CU_ASSERT_FATAL(decode_hex(f, &bolt3, &a, &vf, &k[2]) == 0);
    CU_ASSERT_FATAL(decode_hex(i, &bolt5, &a, &vi, &k[3]) == 0);
    CU_ASSERT_FATAL(decode_hex(F, &bolt44, &a, &vF44, &k[4]) == 0);
    CU_ASSERT_FATAL(decode_hex(I, &bolt44utc, &a, &vI44, &k[5]) == 0);
    CU_ASSERT_FATAL(decode_hex(f, &bolt44, &a, &vf44, &k[6]) == 0);
    CU_ASSERT_FATAL(decode_hex(i, &bolt44utc, &a, &vi44, &k[7]) == 0);
    CU_ASSERT(vF.flags & BOLT_VF_LEGACY);
    CU_ASSERT(!(vI.flags & BOLT_VF_LEGACY));

    unsigned notes = 0;
    bv_h128 hF = H(&g_canon, &vF, &notes), hI = H(&g_canon, &vI, &notes);
    bv_h128 hf = H(&g_canon, &vf, &notes), hi = H(&g_canon, &vi, &notes);
    CU_ASSERT(bv_h128_eq(hF, hI));
    CU_ASSERT(bv_h128_eq(hf, hi));
    CU_ASSERT(bv_h128_eq(hF, H(&g_canon, &vF44, &notes)));
    CU_ASSERT(bv_h128_eq(hI, H(&g_canon, &vI44, &notes)));
    CU_ASSERT(bv_h128_eq(hf, H(&g_canon, &vf44, &notes)));
    CU_ASSERT(bv_h128_eq(hi, H(&g_canon, &vi44, &notes)));
    CU_ASSERT_EQUAL(notes, 0); /* June: no DST question */
    /* an offset datetime is not a zone datetime, even at the same instant and offset */
    CU_ASSERT(!bv_h128_eq(hF, hf));
    /* the same in instant mode */
    CU_ASSERT(bv_h128_eq(H(&g_instant, &vF, NULL), H(&g_instant, &vI, NULL)));
    CU_ASSERT(bv_h128_eq(H(&g_instant, &vf, NULL), H(&g_instant, &vi, NULL)));
    CU_ASSERT(!bv_h128_eq(H(&g_instant, &vf, NULL), hf)); /* the modes never mix */

    CU_ASSERT_STRING_EQUAL(fmt(&vF), "2020-06-15T14:30:00.000000123+02:00");
    CU_ASSERT_STRING_EQUAL(fmt(&vI), "2020-06-15T14:30:00.000000123+02:00");
    CU_ASSERT_STRING_EQUAL(fmt(&vf), "2020-06-15T14:30:00.000000123+02:00[Europe/Berlin]");
    CU_ASSERT_STRING_EQUAL(fmt(&vi), "2020-06-15T14:30:00.000000123+02:00[Europe/Berlin]");

    /* one nanosecond, one second, another offset: all different */
    bolt_value f1[3], f2[3];
    bolt_value x = dt_offset(f1, 0, 1592224200, 124, 7200);
    CU_ASSERT(!same(&vI, &x));
    x = dt_offset(f1, 0, 1592224201, 123, 7200);
    CU_ASSERT(!same(&vI, &x));
    x = dt_offset(f1, 0, 1592224200, 123, 3600); /* same instant, offset differs: a change */
    CU_ASSERT(!same(&vI, &x));
    bolt_value y = dt_offset(f2, 1, 1592224200 + 3600, 123, 3600);
    CU_ASSERT(same(&x, &y));
    /* the pre-epoch value of capture 20: F(-1, 500000000, 0) == I(-1, 500000000, 0) */
    x = dt_offset(f1, 1, -1, 500000000, 0);
    y = dt_offset(f2, 0, -1, 500000000, 0);
    CU_ASSERT(same(&x, &y));
    CU_ASSERT_STRING_EQUAL(fmt(&x), "1969-12-31T23:59:59.500Z");
    /* negative offset: 2020-06-15T09:00Z is 04:00-05:00 */
    x = dt_offset(f1, 1, 1592211600 - 5 * 3600, 0, -18000); /* F: local wall clock */
    y = dt_offset(f2, 0, 1592211600, 0, -18000);            /* I: UTC */
    CU_ASSERT(same(&x, &y));
    for (int n = 0; n < 8; n++)
        free(k[n]);
    bolt_arena_free(&a);
}

/* ---- DST ------------------------------------------------------------------------------------ */

static void test_fallback_overlap_ambiguous(void)
{
    /* 2021-10-31T02:30 Europe/Berlin happened twice: 00:30Z (+02:00) and 01:30Z (+01:00).
     * 3.5 sends both as the same f struct (capture 20, dt_fallback / dt_fallback_late). */
    bolt_value a[3], b[3], c[3];
    bolt_value early = dt_zone(a, 0, 1635640200, 0, "Europe/Berlin");
    bolt_value late = dt_zone(b, 0, 1635643800, 0, "Europe/Berlin");
    bolt_value legacy = dt_zone(c, 1, 1635647400, 0, "Europe/Berlin");
    unsigned n1 = 0, n2 = 0, n3 = 0;
    bv_h128 h1 = H(&g_canon, &early, &n1), h2 = H(&g_canon, &late, &n2),
            h3 = H(&g_canon, &legacy, &n3);
    CU_ASSERT(bv_h128_eq(h1, h2));
    CU_ASSERT(bv_h128_eq(h1, h3));
    CU_ASSERT_EQUAL(n1, BV_NOTE_AMBIGUOUS_DST);
    CU_ASSERT_EQUAL(n2, BV_NOTE_AMBIGUOUS_DST);
    CU_ASSERT_EQUAL(n3, BV_NOTE_AMBIGUOUS_DST);
    CU_ASSERT_STRING_EQUAL(fmt(&early), "2021-10-31T02:30:00+02:00[Europe/Berlin]");
    CU_ASSERT_STRING_EQUAL(fmt(&late), "2021-10-31T02:30:00+01:00[Europe/Berlin]");
    CU_ASSERT_STRING_EQUAL(fmt(&legacy),
                           "2021-10-31T02:30:00[Europe/Berlin] (ambiguous: +02:00 or +01:00)");

    /* one hour later the local time is unique again: no note */
    bolt_value d[3];
    bolt_value after = dt_zone(d, 0, 1635647400, 0, "Europe/Berlin"); /* 03:30+01:00 */
    unsigned n4 = 0;
    H(&g_canon, &after, &n4);
    CU_ASSERT_EQUAL(n4, 0);
    CU_ASSERT_STRING_EQUAL(fmt(&after), "2021-10-31T03:30:00+01:00[Europe/Berlin]");

    /* instant mode tells the two instants apart; the legacy value becomes the earlier one
     * (java.time's choice) and keeps its note, the exact i values need none */
    n1 = n2 = n3 = 0;
    h1 = H(&g_instant, &early, &n1);
    h2 = H(&g_instant, &late, &n2);
    h3 = H(&g_instant, &legacy, &n3);
    CU_ASSERT(!bv_h128_eq(h1, h2));
    CU_ASSERT(bv_h128_eq(h1, h3));
    CU_ASSERT_EQUAL(n1, 0);
    CU_ASSERT_EQUAL(n2, 0);
    CU_ASSERT_EQUAL(n3, BV_NOTE_AMBIGUOUS_DST);

    /* Lord Howe: a 30-minute overlap */
    bolt_value e[3], f[3];
    int64_t local = bv_days_from_civil(2021, 4, 4) * 86400 + 1 * 3600 + 45 * 60;
    bolt_value lh_legacy = dt_zone(e, 1, local, 0, "Australia/Lord_Howe");
    bolt_value lh_late = dt_zone(f, 0, local - 37800, 0, "Australia/Lord_Howe");
    n1 = n2 = 0;
    CU_ASSERT(bv_h128_eq(H(&g_canon, &lh_legacy, &n1), H(&g_canon, &lh_late, &n2)));
    CU_ASSERT_EQUAL(n1, BV_NOTE_AMBIGUOUS_DST);
    CU_ASSERT_EQUAL(n2, BV_NOTE_AMBIGUOUS_DST);
    CU_ASSERT_STRING_EQUAL(
        fmt(&lh_legacy), "2021-04-04T01:45:00[Australia/Lord_Howe] (ambiguous: +11:00 or +10:30)");
}

static void test_spring_forward_gap(void)
{
    /* 2021-03-28T02:30 Europe/Berlin never existed: a legacy value with it means the server's
     * tz data disagrees with ours */
    int64_t local = bv_days_from_civil(2021, 3, 28) * 86400 + 2 * 3600 + 30 * 60;
    bolt_value a[3], b[3];
    bolt_value gap = dt_zone(a, 1, local, 5, "Europe/Berlin");
    unsigned notes = 0;
    H(&g_canon, &gap, &notes);
    CU_ASSERT_EQUAL(notes, BV_NOTE_DST_GAP);
    CU_ASSERT_STRING_EQUAL(fmt(&gap),
                           "2021-03-28T02:30:00.000000005[Europe/Berlin] (in a DST gap: +01:00 "
                           "-> +02:00)");
    /* instant mode: java.time would store 03:30+02:00, i.e. 01:30Z */
    bolt_value moved = dt_zone(b, 0, local - 3600, 5, "Europe/Berlin");
    notes = 0;
    CU_ASSERT(bv_h128_eq(H(&g_instant, &gap, &notes), H(&g_instant, &moved, NULL)));
    CU_ASSERT_EQUAL(notes, BV_NOTE_DST_GAP);
    /* default mode: the i value has local 03:30, the legacy one 02:30: they differ */
    CU_ASSERT(!same(&gap, &moved));
    CU_ASSERT_STRING_EQUAL(fmt(&moved), "2021-03-28T03:30:00.000000005+02:00[Europe/Berlin]");
}

static void test_unknown_zone_noted(void)
{
    bolt_value a[3], b[3];
    bolt_value f = dt_zone(a, 1, 1635647400, 0, "Mars/Olympus_Mons");
    bolt_value i = dt_zone(b, 0, 1635640200, 0, "Mars/Olympus_Mons");
    unsigned n1 = 0, n2 = 0;
    bv_h128 h1 = H(&g_canon, &f, &n1), h2 = H(&g_canon, &i, &n2);
    CU_ASSERT_EQUAL(n1, BV_NOTE_UNKNOWN_ZONE);
    CU_ASSERT_EQUAL(n2, BV_NOTE_UNKNOWN_ZONE);
    CU_ASSERT(!bv_h128_eq(h1, h2)); /* cannot be matched; the note says why */
    CU_ASSERT_STRING_EQUAL(fmt(&f), "2021-10-31T02:30:00[Mars/Olympus_Mons] (unknown zone)");
    CU_ASSERT_STRING_EQUAL(fmt(&i),
                           "2021-10-31T00:30:00Z[Mars/Olympus_Mons] (unknown zone: UTC shown)");
    /* hostile zone strings are just unknown */
    bolt_value c[3];
    bolt_value evil = dt_zone(c, 0, 0, 0, "../../../etc/passwd");
    n1 = 0;
    H(&g_canon, &evil, &n1);
    CU_ASSERT_EQUAL(n1, BV_NOTE_UNKNOWN_ZONE);
    /* without a tz database every zone is unknown, and two f values still compare */
    bolt_value d[3];
    bolt_value f2 = dt_zone(d, 1, 1635647400, 0, "Europe/Berlin");
    bolt_value f3 = dt_zone(a, 1, 1635647400, 0, "Europe/Berlin");
    n1 = 0;
    CU_ASSERT(bv_h128_eq(H(&g_notz, &f2, &n1), H(&g_notz, &f3, NULL)));
    CU_ASSERT_EQUAL(n1, BV_NOTE_UNKNOWN_ZONE);
    /* java.time fixed-offset ids are zones too */
    bolt_value e[3], g[3];
    bolt_value fx = dt_zone(e, 1, 3600, 0, "UTC+01:00");
    bolt_value ix = dt_zone(g, 0, 0, 0, "UTC+01:00");
    n1 = 0;
    CU_ASSERT(bv_h128_eq(H(&g_canon, &fx, &n1), H(&g_canon, &ix, &n1)));
    CU_ASSERT_EQUAL(n1, 0);
}

static void test_zone_ids_compared_as_stored(void)
{
    /* the same instant under an alias is a different stored string: decided in
     * docs/canonical-values.md, the engine reports it as a change of the zone id */
    bolt_value a[3], b[3];
    bolt_value kiev = dt_zone(a, 0, 1592224200, 0, "Europe/Kiev");
    bolt_value kyiv = dt_zone(b, 0, 1592224200, 0, "Europe/Kyiv");
    CU_ASSERT(!same(&kiev, &kyiv));
    kiev = dt_zone(a, 0, 1592224200, 0, "UTC");
    kyiv = dt_zone(b, 0, 1592224200, 0, "Etc/UTC");
    CU_ASSERT(!same(&kiev, &kyiv));
    kyiv = dt_zone(b, 0, 1592224200, 0, "UTC");
    CU_ASSERT(same(&kiev, &kyiv));
}

/* ---- scalar rules --------------------------------------------------------------------------- */

static void test_types_are_distinct(void)
{
    static const uint8_t one[1] = {'1'}, a_byte[1] = {'a'};
    bolt_value empty_items[1];
    bolt_value vals[] = {
        bolt_null(),
        bolt_bool(0),
        bolt_bool(1),
        bolt_int(0),
        bolt_int(1),
        bolt_float(0.0),
        bolt_float(1.0),
        bolt_stringn("", 0),
        bolt_stringn("1", 1),
        bolt_stringn("a", 1),
        bolt_bytesv(one, 1),
        bolt_bytesv(a_byte, 1),
        bolt_bytesv(NULL, 0),
        bolt_list(empty_items, 0),
        bolt_map(empty_items, 0),
        bolt_int(-1),
        bolt_float(-1.0),
        bolt_int(INT64_MIN),
    };
    size_t n = sizeof vals / sizeof vals[0];
    bv_h128 h[32];
    for (size_t i = 0; i < n; i++)
        h[i] = H(&g_canon, &vals[i], NULL);
    int collisions = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            collisions += bv_h128_eq(h[i], h[j]);
    CU_ASSERT_EQUAL(collisions, 0);
    /* and the list [1] differs from [1.0] */
    bolt_value l1[1] = {bolt_int(1)}, l2[1] = {bolt_float(1.0)};
    bolt_value x = bolt_list(l1, 1), y = bolt_list(l2, 1);
    CU_ASSERT(!same(&x, &y));
    /* a bool with another non-zero payload is still true */
    bolt_value t = bolt_bool(1);
    t.u.i = 7;
    CU_ASSERT(same(&t, &vals[2]));
    /* renderings keep the difference visible */
    CU_ASSERT_STRING_EQUAL(fmt(&vals[4]), "1");
    CU_ASSERT_STRING_EQUAL(fmt(&vals[6]), "1.0");
    CU_ASSERT_STRING_EQUAL(fmt(&vals[8]), "\"1\"");
    CU_ASSERT_STRING_EQUAL(fmt(&vals[10]), "bytes(31)");
}

static double make_nan(uint64_t bits)
{
    double d;
    memcpy(&d, &bits, 8);
    return d;
}

static void test_negzero_and_nan(void)
{
    bolt_value z = bolt_float(0.0), nz = bolt_float(-0.0);
    /* default: Neo4j keeps -0.0, so a migration turning it into 0.0 changed the value */
    CU_ASSERT(!same(&z, &nz));
    bv_canon fold = g_canon;
    fold.flags |= BV_CANON_FOLD_NEGZERO;
    CU_ASSERT(bv_h128_eq(H(&fold, &z, NULL), H(&fold, &nz, NULL)));
    CU_ASSERT_STRING_EQUAL(fmt(&nz), "-0.0");
    /* also inside points */
    bolt_value p1[3] = {bolt_int(7203), bolt_float(0.0), bolt_float(1.0)};
    bolt_value p2[3] = {bolt_int(7203), bolt_float(-0.0), bolt_float(1.0)};
    bolt_value a = mkstruct(BOLT_T_POINT2D, 0x58, p1, 3), b = mkstruct(BOLT_T_POINT2D, 0x58, p2, 3);
    CU_ASSERT(!same(&a, &b));
    CU_ASSERT(bv_h128_eq(H(&fold, &a, NULL), H(&fold, &b, NULL)));

    /* every NaN is one NaN: quiet, signalling, negative, with payloads */
    uint64_t nans[] = {UINT64_C(0x7FF8000000000000), UINT64_C(0xFFF8000000000000),
                       UINT64_C(0x7FF0000000000001), UINT64_C(0x7FFFFFFFFFFFFFFF),
                       UINT64_C(0xFFF4000000000123)};
    bolt_value first = bolt_float(make_nan(nans[0]));
    for (size_t i = 1; i < sizeof nans / sizeof nans[0]; i++) {
        bolt_value v = bolt_float(make_nan(nans[i]));
        CU_ASSERT(isnan(v.u.f));
        CU_ASSERT(same(&first, &v));
        CU_ASSERT_STRING_EQUAL(fmt(&v), "NaN");
    }
    bolt_value inf = bolt_float(INFINITY), ninf = bolt_float(-INFINITY);
    CU_ASSERT(!same(&first, &inf));
    CU_ASSERT(!same(&inf, &ninf));
    /* floats differing in the last bit differ */
    bolt_value x = bolt_float(0.1), y = bolt_float(nextafter(0.1, 1.0));
    CU_ASSERT(!same(&x, &y));
    CU_ASSERT_STRING_EQUAL(fmt(&x), "0.1");
    CU_ASSERT_STRING_EQUAL(fmt(&y), "0.10000000000000002");
}

/* ---- containers ----------------------------------------------------------------------------- */

static void shuffle_pairs(bolt_value *kv, size_t n, unsigned seed)
{
    srand(seed);
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)rand() % i;
        bolt_value k = kv[2 * (i - 1)], v = kv[2 * (i - 1) + 1];
        kv[2 * (i - 1)] = kv[2 * j];
        kv[2 * (i - 1) + 1] = kv[2 * j + 1];
        kv[2 * j] = k;
        kv[2 * j + 1] = v;
    }
}

static void test_map_key_order_independent(void)
{
    /* 150 keys: more than the encoder's inline sorting space, so the heap path runs too */
    enum { N = 150 };
    static char names[N][16];
    bolt_value kv[2 * N];
    for (int i = 0; i < N; i++) {
        snprintf(names[i], sizeof names[i], i % 3 ? "k%d" : "\xc3\xa9%d", i); /* some "é..." */
        kv[2 * i] = str(names[i]);
        kv[2 * i + 1] = i % 2 ? bolt_int(i) : str(names[i]);
    }
    bolt_value m = bolt_map(kv, N);
    bv_h128 ref = H(&g_canon, &m, NULL);
    int diffs = 0;
    for (unsigned s = 1; s <= 20; s++) {
        shuffle_pairs(kv, N, s);
        diffs += !bv_h128_eq(ref, H(&g_canon, &m, NULL));
    }
    CU_ASSERT_EQUAL(diffs, 0);
    /* changing one value changes the hash */
    kv[1] = bolt_int(123456);
    CU_ASSERT(!bv_h128_eq(ref, H(&g_canon, &m, NULL)));

    /* duplicate keys: the last one wins, wherever the duplicates sit */
    bolt_value d1[6] = {str("a"), bolt_int(1), str("b"), bolt_int(2), str("a"), bolt_int(3)};
    bolt_value d2[4] = {str("b"), bolt_int(2), str("a"), bolt_int(3)};
    bolt_value d3[4] = {str("a"), bolt_int(1), str("b"), bolt_int(2)};
    bolt_value m1 = bolt_map(d1, 3), m2 = bolt_map(d2, 2), m3 = bolt_map(d3, 2);
    CU_ASSERT(same(&m1, &m2));
    CU_ASSERT(!same(&m1, &m3));
    CU_ASSERT_STRING_EQUAL(fmt(&m1), "{a: 3, b: 2}");
    /* key/value boundaries cannot be confused: {ab: "c"} != {a: "bc"} */
    bolt_value e1[2] = {str("ab"), str("c")}, e2[2] = {str("a"), str("bc")};
    bolt_value x = bolt_map(e1, 1), y = bolt_map(e2, 1);
    CU_ASSERT(!same(&x, &y));
    /* bytewise key order: "B" < "a" < "é" */
    bolt_value o[6] = {str("\xc3\xa9"), bolt_int(1), str("a"), bolt_int(2), str("B"), bolt_int(3)};
    x = bolt_map(o, 3);
    CU_ASSERT_STRING_EQUAL(fmt(&x), "{B: 3, a: 2, `\xc3\xa9`: 1}");
}

static void test_list_order_matters(void)
{
    bolt_value a[3] = {bolt_int(1), bolt_int(2), bolt_int(3)};
    bolt_value b[3] = {bolt_int(3), bolt_int(2), bolt_int(1)};
    bolt_value x = bolt_list(a, 3), y = bolt_list(b, 3);
    CU_ASSERT(!same(&x, &y));
    /* nesting is part of the value: [[1], 2] != [1, [2]] != [1, 2] */
    bolt_value i1[1] = {bolt_int(1)}, i2[1] = {bolt_int(2)};
    bolt_value n1[2] = {bolt_list(i1, 1), bolt_int(2)};
    bolt_value n2[2] = {bolt_int(1), bolt_list(i2, 1)};
    bolt_value n3[2] = {bolt_int(1), bolt_int(2)};
    bolt_value l1 = bolt_list(n1, 2), l2 = bolt_list(n2, 2), l3 = bolt_list(n3, 2);
    CU_ASSERT(!same(&l1, &l2));
    CU_ASSERT(!same(&l1, &l3));
    CU_ASSERT(!same(&l2, &l3));
    CU_ASSERT_STRING_EQUAL(fmt(&l1), "[[1], 2]");
}

/* ---- graph entities ------------------------------------------------------------------------- */

static void test_node_ids_ignored(void)
{
    bolt_value labels1[2] = {str("Person"), str("Admin")};
    bolt_value labels2[2] = {str("Admin"), str("Person")};
    bolt_value props1[4] = {str("uid"), bolt_int(7), str("name"), str("Ada")};
    bolt_value props2[4] = {str("name"), str("Ada"), str("uid"), bolt_int(7)};
    /* 3.5: id 12, 3 fields; 5.x: another id, an element id, labels in another order */
    bolt_value f35[3] = {bolt_int(12), bolt_list(labels1, 2), bolt_map(props1, 2)};
    bolt_value f5[4] = {bolt_int(4711), bolt_list(labels2, 2), bolt_map(props2, 2),
                        str("4:1b3d:4711")};
    bolt_value n35 = mkstruct(BOLT_T_NODE, 0x4E, f35, 3), n5 = mkstruct(BOLT_T_NODE, 0x4E, f5, 4);
    CU_ASSERT(same(&n35, &n5));
    bv_h128 parts;
    CU_ASSERT_EQUAL(bv_canon_node_hash128(&g_canon, &f35[1], &f35[2], &parts, NULL), 0);
    CU_ASSERT(bv_h128_eq(parts, H(&g_canon, &n5, NULL)));
    CU_ASSERT_STRING_EQUAL(fmt(&n5), "(:Admin:Person {name: \"Ada\", uid: 7})");
    /* a label more, a label less, another property value: all differ */
    bolt_value labels3[3] = {str("Admin"), str("Person"), str("Extra")};
    f5[1] = bolt_list(labels3, 3);
    CU_ASSERT(!same(&n35, &n5));
    f5[1] = bolt_list(labels3, 1);
    CU_ASSERT(!same(&n35, &n5));
    f5[1] = bolt_list(labels2, 2);
    props2[3] = bolt_int(8);
    CU_ASSERT(!same(&n35, &n5));
    props2[3] = bolt_int(7);
    CU_ASSERT(same(&n35, &n5));
    /* a node is not its property map, and label/property boundaries are kept */
    CU_ASSERT(!same(&n35, &f35[2]));
    /* labels are a set: a repeated label in a hand-built list is folded */
    bolt_value labels4[3] = {str("Person"), str("Admin"), str("Person")};
    f5[1] = bolt_list(labels4, 3);
    CU_ASSERT(same(&n35, &n5));
    /* no labels, no properties */
    bolt_value f0[3] = {bolt_int(1), bolt_list(NULL, 0), bolt_map(NULL, 0)};
    bolt_value n0 = mkstruct(BOLT_T_NODE, 0x4E, f0, 3);
    CU_ASSERT_STRING_EQUAL(fmt(&n0), "()");
}

static void test_relationship_signature(void)
{
    bolt_value props[2] = {str("since"), bolt_int(2001)};
    bolt_value r5[8] = {bolt_int(1),        bolt_int(2),  bolt_int(3),  str("KNOWS"),
                        bolt_map(props, 1), str("5:x:1"), str("4:x:2"), str("4:x:3")};
    bolt_value r35[3] = {bolt_int(99), str("KNOWS"), bolt_map(props, 1)};
    bolt_value rel = mkstruct(BOLT_T_RELATIONSHIP, 0x52, r5, 8);
    bolt_value urel = mkstruct(BOLT_T_UNBOUND_REL, 0x72, r35, 3);
    CU_ASSERT(same(&rel, &urel));
    CU_ASSERT_STRING_EQUAL(fmt(&rel), "[:KNOWS {since: 2001}]");

    bv_h128 ka = {1, 2}, kb = {3, 4}, h0, h1, h2, h3, hp;
    CU_ASSERT_EQUAL(bv_canon_rel_hash128(&g_canon, &rel, NULL, NULL, &h0, NULL), 0);
    CU_ASSERT(bv_h128_eq(h0, H(&g_canon, &rel, NULL)));
    CU_ASSERT_EQUAL(bv_canon_rel_hash128(&g_canon, &rel, &ka, &kb, &h1, NULL), 0);
    CU_ASSERT_EQUAL(bv_canon_rel_hash128(&g_canon, &urel, &ka, &kb, &h2, NULL), 0);
    CU_ASSERT_EQUAL(bv_canon_rel_hash128(&g_canon, &rel, &kb, &ka, &h3, NULL), 0);
    CU_ASSERT_EQUAL(bv_canon_rel_parts_hash128(&g_canon, &r35[1], &r35[2], &ka, &kb, &hp, NULL), 0);
    CU_ASSERT(bv_h128_eq(h1, h2));
    CU_ASSERT(bv_h128_eq(h1, hp));
    CU_ASSERT(!bv_h128_eq(h0, h1)); /* keys are part of the signature */
    CU_ASSERT(!bv_h128_eq(h1, h3)); /* and so is the direction */
    bv_h128 hs;
    CU_ASSERT_EQUAL(bv_canon_rel_hash128(&g_canon, &rel, &ka, NULL, &hs, NULL), 0);
    CU_ASSERT(!bv_h128_eq(hs, h0) && !bv_h128_eq(hs, h1));
    /* another type differs */
    r35[1] = str("LIKES");
    CU_ASSERT(!same(&rel, &urel));
    /* not a relationship */
    bolt_value i = bolt_int(1);
    CU_ASSERT_EQUAL(bv_canon_rel_hash128(&g_canon, &i, NULL, NULL, &h0, NULL), BOLT_E_INVAL);
}

static void test_path_walk(void)
{
    /* (a)-[:KNOWS]->(b)<-[:LIKES]-(c): indices [1, 1, -2, 2] (bolt-reference 5.1) */
    bolt_value la[1] = {str("P")};
    bolt_value pa[2] = {str("n"), str("a")}, pb[2] = {str("n"), str("b")},
               pc[2] = {str("n"), str("c")};
    bolt_value fa[3] = {bolt_int(1), bolt_list(la, 1), bolt_map(pa, 1)};
    bolt_value fb[3] = {bolt_int(2), bolt_list(la, 1), bolt_map(pb, 1)};
    bolt_value fc[3] = {bolt_int(3), bolt_list(la, 1), bolt_map(pc, 1)};
    bolt_value nodes[3] = {mkstruct(BOLT_T_NODE, 0x4E, fa, 3), mkstruct(BOLT_T_NODE, 0x4E, fb, 3),
                           mkstruct(BOLT_T_NODE, 0x4E, fc, 3)};
    bolt_value r1[3] = {bolt_int(10), str("KNOWS"), bolt_map(NULL, 0)};
    bolt_value r2[3] = {bolt_int(11), str("LIKES"), bolt_map(NULL, 0)};
    bolt_value rels[2] = {mkstruct(BOLT_T_UNBOUND_REL, 0x72, r1, 3),
                          mkstruct(BOLT_T_UNBOUND_REL, 0x72, r2, 3)};
    bolt_value idx[4] = {bolt_int(1), bolt_int(1), bolt_int(-2), bolt_int(2)};
    bolt_value pf[3] = {bolt_list(nodes, 3), bolt_list(rels, 2), bolt_list(idx, 4)};
    bolt_value path = mkstruct(BOLT_T_PATH, 0x50, pf, 3);
    bv_h128 ref = H(&g_canon, &path, NULL);
    CU_ASSERT_STRING_EQUAL(fmt(&path),
                           "(:P {n: \"a\"})-[:KNOWS]->(:P {n: \"b\"})<-[:LIKES]-(:P {n: "
                           "\"c\"})");
    /* new ids after a migration: same walk, same hash */
    fa[0] = bolt_int(100);
    r1[0] = bolt_int(200);
    CU_ASSERT(bv_h128_eq(ref, H(&g_canon, &path, NULL)));
    /* the second step traversed along its direction instead: a different path */
    idx[2] = bolt_int(2);
    CU_ASSERT(!bv_h128_eq(ref, H(&g_canon, &path, NULL)));
    /* bad indices are an error, not a crash */
    bv_h128 h;
    int bad[][2] = {{0, 1}, {3, 1}, {-3, 1}, {1, 3}, {1, -1}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        idx[2] = bolt_int(bad[i][0]);
        idx[3] = bolt_int(bad[i][1]);
        CU_ASSERT_EQUAL(bv_canon_hash128(&g_canon, &path, &h, NULL), BOLT_E_BAD_STRUCT);
        CU_ASSERT_STRING_EQUAL(fmt(&path), "path(?)");
    }
    pf[2] = bolt_list(idx, 3); /* odd length */
    CU_ASSERT_EQUAL(bv_canon_hash128(&g_canon, &path, &h, NULL), BOLT_E_BAD_STRUCT);
}

/* ---- combiner ------------------------------------------------------------------------------- */

/* ---- per-field hashes ------------------------------------------------------------------------ */

static void test_fields(void)
{
    bolt_value dtf[3];
    bolt_value kv[8] = {
        str("name"), str("Ada"),   str("born"), dt_zone(dtf, 1, 1635647400, 0, "Europe/Berlin"),
        str("age"),  bolt_int(36), str("name"), str("Ada L.")};
    bolt_value m = bolt_map(kv, 4);
    bv_canon_field f[4];
    unsigned notes = 0;
    int n = bv_canon_fields(&g_canon, &m, f, 4, &notes);
    CU_ASSERT_EQUAL_FATAL(n, 3);
    CU_ASSERT(f[0].keylen == 3 && memcmp(f[0].key, "age", 3) == 0);
    CU_ASSERT(f[1].keylen == 4 && memcmp(f[1].key, "born", 4) == 0);
    CU_ASSERT(f[2].keylen == 4 && memcmp(f[2].key, "name", 4) == 0);
    CU_ASSERT_PTR_EQUAL(f[2].value, &kv[7]); /* the last "name" wins */
    for (int i = 0; i < n; i++)
        CU_ASSERT(bv_h128_eq(f[i].hash, H(&g_canon, f[i].value, NULL)));
    CU_ASSERT_EQUAL(f[0].notes, 0);
    CU_ASSERT_EQUAL(f[1].notes, BV_NOTE_AMBIGUOUS_DST);
    CU_ASSERT_EQUAL(notes, BV_NOTE_AMBIGUOUS_DST);
    CU_ASSERT_EQUAL(bv_canon_fields(&g_canon, &m, f, 3, NULL), BOLT_E_INVAL);
    bolt_value bad[2] = {bolt_int(1), bolt_int(2)};
    bolt_value bm = bolt_map(bad, 1);
    CU_ASSERT_EQUAL(bv_canon_fields(&g_canon, &bm, f, 4, NULL), BOLT_E_MAP_KEY);
    bolt_value em = bolt_map(NULL, 0);
    CU_ASSERT_EQUAL(bv_canon_fields(&g_canon, &em, NULL, 0, NULL), 0);
    char buf[64];
    CU_ASSERT_EQUAL(bv_notes_format(BV_NOTE_AMBIGUOUS_DST | BV_NOTE_UNKNOWN_ZONE, buf, sizeof buf),
                    strlen("ambiguous-dst,unknown-zone"));
    CU_ASSERT_STRING_EQUAL(buf, "ambiguous-dst,unknown-zone");
    CU_ASSERT_EQUAL(bv_notes_format(0, buf, sizeof buf), 0);
    CU_ASSERT_STRING_EQUAL(buf, "");
    CU_ASSERT_EQUAL(bv_notes_format(BV_NOTE_ALL, buf, 5),
                    strlen("ambiguous-dst,dst-gap,unknown-zone,tz-error"));
    CU_ASSERT_STRING_EQUAL(buf, "ambi");
}

/* ---- rendering ------------------------------------------------------------------------------- */

/* ---- the hasher and the pinned format -------------------------------------------------------- */

/* The canonical bytes of a few values, written out by hand from docs/canonical-values.md. If
 * one of these fails, the format changed: bump BV_CANON_FORMAT and document it. */
static void test_format_pinned(void)
{
    struct {
        const char *hex;
        bolt_value v;
    } vec[] = {
        {"01 4E", bolt_null()},
        {"01 42 01", bolt_bool(1)},
        {"01 49 FF FF FF FF FF FF FF FF", bolt_int(-1)},
        {"01 46 00 00 00 00 00 00 F8 3F", bolt_float(1.5)},
        {"01 46 00 00 00 00 00 00 F8 7F", bolt_float(NAN)},
        {"01 53 02 00 00 00 00 00 00 00 68 69", str("hi")},
    };
    for (size_t i = 0; i < sizeof vec / sizeof vec[0]; i++) {
        size_t len;
        uint8_t *b = hex_alloc(vec[i].hex, &len);
        bv_h128 want = bv_hash128(b, len, 0);
        CU_ASSERT(bv_h128_eq(H(&g_canon, &vec[i].v, NULL), want));
        free(b);
    }
    /* {b: 1, a: [true]} -> keys sorted: a then b */
    bolt_value l[1] = {bolt_bool(1)};
    bolt_value kv[4] = {str("b"), bolt_int(1), str("a"), bolt_list(l, 1)};
    bolt_value m = bolt_map(kv, 2);
    size_t len;
    uint8_t *b = hex_alloc("01 4D 02 00 00 00 00 00 00 00"
                           " 01 00 00 00 00 00 00 00 61 4C 01 00 00 00 00 00 00 00 42 01"
                           " 01 00 00 00 00 00 00 00 62 49 01 00 00 00 00 00 00 00",
                           &len);
    CU_ASSERT(bv_h128_eq(H(&g_canon, &m, NULL), bv_hash128(b, len, 0)));
    free(b);
    /* F(local 1592231400, 123, 7200) -> 'O' utc 1592224200 (0x5EE769C8), 123, 7200 */
    bolt_value f[3];
    bolt_value dt = dt_offset(f, 1, 1592231400, 123, 7200);
    b = hex_alloc("01 4F C8 69 E7 5E 00 00 00 00 7B 00 00 00 00 00 00 00 20 1C 00 00 00 00 00 00",
                  &len);
    CU_ASSERT(bv_h128_eq(H(&g_canon, &dt, NULL), bv_hash128(b, len, 0)));
    free(b);
    /* f(local 1592231400 = 0x5EE785E8, 123, "UTC") -> 'Z' local, nanos, zone */
    bolt_value z[3];
    bolt_value dz = dt_zone(z, 1, 1592231400, 123, "UTC");
    b = hex_alloc("01 5A E8 85 E7 5E 00 00 00 00 7B 00 00 00 00 00 00 00"
                  " 03 00 00 00 00 00 00 00 55 54 43",
                  &len);
    CU_ASSERT(bv_h128_eq(H(&g_canon, &dz, NULL), bv_hash128(b, len, 0)));
    free(b);
    /* bv_canon_write + a format byte equals bv_canon_hash128 */
    bv_hasher h;
    bv_hasher_init(&h, 0);
    uint8_t fmtb = BV_CANON_FORMAT;
    bv_hasher_update(&h, &fmtb, 1);
    CU_ASSERT_EQUAL(bv_canon_write(&g_canon, &m, &h, NULL), 0);
    CU_ASSERT(bv_h128_eq(bv_hasher_digest128(&h), H(&g_canon, &m, NULL)));
}

/* ---- errors --------------------------------------------------------------------------------- */

static void test_errors(void)
{
    bv_h128 h;
    bolt_value v = bolt_int(1);
    CU_ASSERT_EQUAL(bv_canon_hash128(NULL, &v, &h, NULL), BOLT_E_INVAL);
    CU_ASSERT_EQUAL(bv_canon_hash128(&g_canon, NULL, &h, NULL), BOLT_E_INVAL);
    CU_ASSERT_EQUAL(bv_canon_hash128(&g_canon, &v, NULL, NULL), BOLT_E_INVAL);
    bolt_value unknown = {0};
    unknown.type = BOLT_T__COUNT + 3;
    CU_ASSERT_EQUAL(bv_canon_hash128(&g_canon, &unknown, &h, NULL), BOLT_E_INVAL);
    CU_ASSERT_STRING_EQUAL(fmt(&unknown), "?");
    /* non-string map key */
    bolt_value kv[2] = {bolt_int(1), bolt_int(2)};
    bolt_value m = bolt_map(kv, 1);
    CU_ASSERT_EQUAL(bv_canon_hash128(&g_canon, &m, &h, NULL), BOLT_E_MAP_KEY);
    /* structures with wrong fields */
    bolt_value f2[2] = {bolt_int(1), bolt_int(2)};
    bolt_value bad_date = mkstruct(BOLT_T_DATE, 0x44, f2, 2);
    CU_ASSERT_EQUAL(bv_canon_hash128(&g_canon, &bad_date, &h, NULL), BOLT_E_BAD_STRUCT);
    CU_ASSERT_STRING_EQUAL(fmt(&bad_date), "struct(0x44, ?)");
    bolt_value f3[3] = {bolt_int(1), bolt_float(2.0), bolt_int(3)};
    bolt_value bad_dt = mkstruct(BOLT_T_DATETIME, 0x49, f3, 3);
    CU_ASSERT_EQUAL(bv_canon_hash128(&g_canon, &bad_dt, &h, NULL), BOLT_E_BAD_STRUCT);
    bolt_value nl[3] = {bolt_int(1), bolt_int(2), bolt_map(NULL, 0)}; /* labels not a list */
    bolt_value bad_node = mkstruct(BOLT_T_NODE, 0x4E, nl, 3);
    CU_ASSERT_EQUAL(bv_canon_hash128(&g_canon, &bad_node, &h, NULL), BOLT_E_BAD_STRUCT);
    bolt_value lbl[1] = {bolt_int(5)};
    bolt_value nl2[3] = {bolt_int(1), bolt_list(lbl, 1), bolt_map(NULL, 0)};
    bolt_value bad_node2 = mkstruct(BOLT_T_NODE, 0x4E, nl2, 3);
    CU_ASSERT_EQUAL(bv_canon_hash128(&g_canon, &bad_node2, &h, NULL), BOLT_E_BAD_STRUCT);
    bolt_value vf[2] = {bolt_bytesv((const uint8_t *)"ab", 2), bolt_bytesv(NULL, 0)};
    bolt_value bad_vec = mkstruct(BOLT_T_VECTOR, 0x56, vf, 2);
    CU_ASSERT_EQUAL(bv_canon_hash128(&g_canon, &bad_vec, &h, NULL), BOLT_E_BAD_STRUCT);
    /* F whose seconds - offset overflows */
    bolt_value of[3];
    bolt_value ovf = dt_offset(of, 1, INT64_MIN + 5, 0, 3600);
    CU_ASSERT_EQUAL(bv_canon_hash128(&g_canon, &ovf, &h, NULL), BOLT_E_BAD_STRUCT);
    CU_ASSERT_STRING_EQUAL(fmt(&ovf), "datetime(-9223372036854775803, 0, 3600)");
    /* i whose seconds + zone offset overflows */
    bolt_value zf[3];
    bolt_value zovf = dt_zone(zf, 0, INT64_MAX - 5, 0, "Asia/Tokyo");
    CU_ASSERT_EQUAL(bv_canon_hash128(&g_canon, &zovf, &h, NULL), BOLT_E_BAD_STRUCT);
    CU_ASSERT_STRING_EQUAL(fmt(&zovf), "datetime(9223372036854775802, 0, \"Asia/Tokyo\")");
    /* hand-built values without their data: errors and "?", never a dereference */
    bolt_value nostr = bolt_stringn(NULL, 3);
    CU_ASSERT_EQUAL(bv_canon_hash128(&g_canon, &nostr, &h, NULL), BOLT_E_INVAL);
    CU_ASSERT_STRING_EQUAL(fmt(&nostr), "?");
    bolt_value nolist = bolt_list(NULL, 2);
    CU_ASSERT_EQUAL(bv_canon_hash128(&g_canon, &nolist, &h, NULL), BOLT_E_INVAL);
    CU_ASSERT_STRING_EQUAL(fmt(&nolist), "?");
    bolt_value nokey[2] = {bolt_stringn(NULL, 1), bolt_int(1)};
    bolt_value nkm = bolt_map(nokey, 1);
    CU_ASSERT_EQUAL(bv_canon_hash128(&g_canon, &nkm, &h, NULL), BOLT_E_MAP_KEY);
    CU_ASSERT_STRING_EQUAL(fmt(&nkm), "{}");
    bolt_value nozone[3];
    bolt_value nz = dt_zone(nozone, 1, 0, 0, "UTC");
    nozone[2] = bolt_stringn(NULL, 3);
    CU_ASSERT_EQUAL(bv_canon_hash128(&g_canon, &nz, &h, NULL), BOLT_E_BAD_STRUCT);
    CU_ASSERT_STRING_EQUAL(fmt(&nz), "struct(0x66, ?)");
    /* out-of-range nanos still hash (field by field) but render raw */
    bolt_value nf[2] = {bolt_int(0), bolt_int(2000000000)};
    bolt_value ldt = mkstruct(BOLT_T_LOCAL_DATETIME, 0x64, nf, 2);
    CU_ASSERT_EQUAL(bv_canon_hash128(&g_canon, &ldt, &h, NULL), 0);
    CU_ASSERT_STRING_EQUAL(fmt(&ldt), "localdatetime(0, 2000000000)");
}

/* Lists nested exactly to the limit hash; one more level is BOLT_E_TOO_DEEP. */
static void test_depth_limit(void)
{
    enum { D = BV_CANON_MAX_DEPTH + 2 };
    static bolt_value chain[D];
    for (int i = 0; i < D - 1; i++)
        chain[i] = bolt_list(&chain[i + 1], 1);
    chain[D - 1] = bolt_int(0);
    bv_h128 h;
    /* chain[1] holds D - 2 = BV_CANON_MAX_DEPTH lists: the int sits at depth MAX_DEPTH */
    CU_ASSERT_EQUAL(bv_canon_hash128(&g_canon, &chain[1], &h, NULL), 0);
    CU_ASSERT_EQUAL(bv_canon_hash128(&g_canon, &chain[0], &h, NULL), BOLT_E_TOO_DEEP);
    char buf[64];
    CU_ASSERT(bv_canon_format(&g_canon, &chain[0], buf, sizeof buf) > 2000);
    /* maps nested deeply exercise the scratch stack across levels */
    static bolt_value mk[D][2];
    static bolt_value maps[D];
    for (int i = 0; i < D - 1; i++) {
        mk[i][0] = str("k");
        mk[i][1] = bolt_map(mk[i + 1], 1);
    }
    mk[D - 1][0] = str("k");
    mk[D - 1][1] = bolt_null();
    for (int i = 0; i < D; i++)
        maps[i] = bolt_map(mk[i], 1);
    CU_ASSERT_EQUAL(bv_canon_hash128(&g_canon, &maps[2], &h, NULL), 0);
    CU_ASSERT_EQUAL(bv_canon_hash128(&g_canon, &maps[0], &h, NULL), BOLT_E_TOO_DEEP);
}

/* ---- allocation failures --------------------------------------------------------------------- */

static int hash_session(void *ud)
{
    (void)ud;
    /* a fresh tz database (allocates on its first lookups) and a big map (scratch stack) */
    bv_tzdb *db = NULL;
    int rc = bv_tzdb_new("/usr/share/zoneinfo", &db);
    if (rc) return rc;
    bv_canon c = {db, 0};
    enum { N = 100 };
    static char names[N][8];
    bolt_value kv[2 * N], dtf[3];
    for (int i = 0; i < N; i++) {
        snprintf(names[i], sizeof names[i], "p%d", i);
        kv[2 * i] = str(names[i]);
        kv[2 * i + 1] = bolt_int(i);
    }
    kv[1] = dt_zone(dtf, 1, 1635647400, 0, "Europe/Berlin");
    bolt_value inner = bolt_map(kv, N);
    bolt_value outer_kv[2] = {str("inner"), inner};
    bolt_value outer = bolt_map(outer_kv, 1);
    bv_h128 h;
    unsigned notes = 0;
    rc = bv_canon_hash128(&c, &outer, &h, &notes);
    if (rc == 0 && notes != BV_NOTE_AMBIGUOUS_DST) rc = BOLT_E_INVAL;
    bv_tzdb_free(db);
    return rc;
}

static void test_nomem(void)
{
    CU_ASSERT_EQUAL(failalloc_each(hash_session, NULL, BOLT_E_NOMEM), 0);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 1;
    CU_pSuite s = CU_add_suite("canon", suite_init, suite_clean);
    CU_add_test(s, "F, I, f, i of one stored value: one hash", test_four_encodings_same_hash);
    CU_add_test(s, "fall-back overlap: same local form, AMBIGUOUS",
                test_fallback_overlap_ambiguous);
    CU_add_test(s, "spring-forward gap noted", test_spring_forward_gap);
    CU_add_test(s, "unknown zone noted, not fatal", test_unknown_zone_noted);
    CU_add_test(s, "zone ids compared as stored", test_zone_ids_compared_as_stored);
    CU_add_test(s, "types are distinct (1 != 1.0)", test_types_are_distinct);
    CU_add_test(s, "-0.0 and NaN rules", test_negzero_and_nan);
    CU_add_test(s, "map key order independent, last duplicate wins",
                test_map_key_order_independent);
    CU_add_test(s, "list order matters", test_list_order_matters);
    CU_add_test(s, "node ids and element ids ignored", test_node_ids_ignored);
    CU_add_test(s, "relationship signature", test_relationship_signature);
    CU_add_test(s, "path walk", test_path_walk);
    CU_add_test(s, "per-field hashes", test_fields);
    CU_add_test(s, "canonical bytes pinned", test_format_pinned);
    CU_add_test(s, "errors", test_errors);
    CU_add_test(s, "depth limit", test_depth_limit);
    CU_add_test(s, "allocation failures", test_nomem);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failures = CU_get_number_of_failures();
    CU_cleanup_registry();
    return failures ? 1 : 0;
}
