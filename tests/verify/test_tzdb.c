/* Tests of verify/tzdb.c: the TZif reader against known offsets, against the C library for
 * thousands of random instants, the POSIX footer rules, local-time resolution (gap / normal /
 * overlap), zone ids, the cache, malformed files and allocation failures. */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bolt/alloc.h"
#include "bolt/error.h"
#include "failalloc.h"
#include "verify/tzdb.h"

#define ZONEINFO "/usr/share/zoneinfo"

/* ---- helpers ------------------------------------------------------------------------------ */

static int64_t utc_of(int64_t y, unsigned mo, unsigned d, int h, int mi, int s)
{
    return bv_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

static uint8_t *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    uint8_t *buf = malloc(1 << 20);
    *len = buf ? fread(buf, 1, 1 << 20, f) : 0;
    fclose(f);
    return buf;
}

/* Deterministic 64-bit generator (splitmix64), so failures reproduce. */
static uint64_t rng_state = 0x1234567;
static uint64_t rnd(void)
{
    uint64_t z = (rng_state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}
static int64_t rnd_between(int64_t lo, int64_t hi)
{
    return lo + (int64_t)(rnd() % (uint64_t)(hi - lo));
}

static size_t put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
    return 4;
}
static size_t put64(uint8_t *p, int64_t v)
{
    put32(p, (uint32_t)((uint64_t)v >> 32));
    put32(p + 4, (uint32_t)(uint64_t)v);
    return 8;
}

/* A synthetic TZif: version '2' (or 0 for a v1 file), one empty v1 block, then the 64-bit
 * block with the given transitions and types, then the footer. Returns the length. */
typedef struct tzspec {
    char version; /* 0 or '2' */
    const int64_t *times;
    const uint8_t *idx;
    uint32_t timecnt;
    const int32_t *utoff;
    uint32_t typecnt;
    uint32_t leapcnt;
    const char *footer; /* NULL: none written (v1) */
} tzspec;

static size_t header(uint8_t *p, char version, uint32_t timecnt, uint32_t typecnt, uint32_t leapcnt)
{
    size_t n = 0;
    memcpy(p, "TZif", 4);
    p[4] = (uint8_t)version;
    memset(p + 5, 0, 15);
    n = 20;
    n += put32(p + n, 0); /* isut */
    n += put32(p + n, 0); /* isstd */
    n += put32(p + n, leapcnt);
    n += put32(p + n, timecnt);
    n += put32(p + n, typecnt);
    n += put32(p + n, 4); /* charcnt: "XXX\0" */
    return n;
}

static size_t build_tzif(const tzspec *s, uint8_t *p)
{
    size_t n = 0;
    unsigned tsize = s->version ? 8 : 4;
    if (s->version) {
        n += header(p + n, s->version, 0, 1, 0);
        n += put32(p + n, 0);
        p[n++] = 0;
        p[n++] = 0;
        memcpy(p + n, "XXX", 4);
        n += 4;
    }
    n += header(p + n, s->version, s->timecnt, s->typecnt, s->leapcnt);
    for (uint32_t i = 0; i < s->timecnt; i++)
        n += tsize == 8 ? put64(p + n, s->times[i]) : put32(p + n, (uint32_t)s->times[i]);
    for (uint32_t i = 0; i < s->timecnt; i++)
        p[n++] = s->idx[i];
    for (uint32_t i = 0; i < s->typecnt; i++) {
        n += put32(p + n, (uint32_t)s->utoff[i]);
        p[n++] = 0;
        p[n++] = 0;
    }
    memcpy(p + n, "XXX", 4);
    n += 4;
    for (uint32_t i = 0; i < s->leapcnt; i++) {
        n += tsize == 8 ? put64(p + n, 78796800 + i) : put32(p + n, 78796800 + i);
        n += put32(p + n, i + 1);
    }
    if (s->version && s->footer) {
        p[n++] = '\n';
        memcpy(p + n, s->footer, strlen(s->footer));
        n += strlen(s->footer);
        p[n++] = '\n';
    }
    return n;
}

/* A zone made of a footer alone (no transitions): exercises the POSIX rule everywhere. */
static int footer_zone(const char *footer, bv_tz **out)
{
    static const int32_t utc0[1] = {0};
    uint8_t buf[1024];
    tzspec s = {'2', NULL, NULL, 0, utc0, 1, 0, footer};
    size_t n = build_tzif(&s, buf);
    return bv_tz_parse(buf, n, footer, out);
}

/* Offset the C library gives at u for the current TZ (tm fields back to seconds, minus u; no
 * tm_gmtoff under strict POSIX). */
static long libc_offset(int64_t u)
{
    time_t t = (time_t)u;
    struct tm tm;
    if (!localtime_r(&t, &tm)) return -1;
    int64_t local = utc_of(tm.tm_year + 1900, (unsigned)tm.tm_mon + 1, (unsigned)tm.tm_mday,
                           tm.tm_hour, tm.tm_min, tm.tm_sec);
    return (long)(local - u);
}

static int resolve_contains(const bv_tz *z, int64_t u)
{
    bv_tz_local r;
    int n = bv_tz_resolve(z, u + bv_tz_offset_at(z, u), &r);
    for (int k = 0; k < n; k++)
        if (r.utc[k] == u) return 1;
    return 0;
}

static bv_tzdb *open_db(void)
{
    bv_tzdb *db = NULL;
    CU_ASSERT_FATAL(bv_tzdb_new(ZONEINFO, &db) == 0);
    return db;
}

static const bv_tz *zone(bv_tzdb *db, const char *name)
{
    const bv_tz *z = NULL;
    int rc = bv_tzdb_get(db, name, strlen(name), &z);
    if (rc != 0) fprintf(stderr, "zone %s: %s\n", name, bolt_strerror(rc));
    CU_ASSERT_FATAL(rc == 0 && z != NULL);
    return z;
}

/* ---- calendar ------------------------------------------------------------------------------ */

static void test_civil_roundtrip(void)
{
    CU_ASSERT_EQUAL(bv_days_from_civil(1970, 1, 1), 0);
    CU_ASSERT_EQUAL(bv_days_from_civil(2020, 1, 2), 18263); /* capture 20: date('2020-01-02') */
    CU_ASSERT_EQUAL(bv_days_from_civil(1969, 12, 31), -1);
    CU_ASSERT_EQUAL(bv_days_from_civil(2000, 3, 1), 11017);
    CU_ASSERT_EQUAL(bv_days_from_civil(0, 1, 1), -719528);
    int64_t y;
    unsigned m, d;
    int bad = 0;
    int64_t prev_y = 0;
    unsigned prev_m = 0, prev_d = 0;
    for (int64_t z = -800000; z <= 800000; z++) {
        bv_civil_from_days(z, &y, &m, &d);
        if (bv_days_from_civil(y, m, d) != z) bad++;
        /* consecutive days: the date advances by exactly one calendar day */
        if (z > -800000 && !((y == prev_y && m == prev_m && d == prev_d + 1) ||
                             (y == prev_y && m == prev_m + 1 && d == 1) ||
                             (y == prev_y + 1 && m == 1 && d == 1 && prev_m == 12)))
            bad++;
        prev_y = y;
        prev_m = m;
        prev_d = d;
    }
    CU_ASSERT_EQUAL(bad, 0);
    bv_civil_from_days(bv_days_from_civil(-999999999, 1, 1), &y, &m, &d);
    CU_ASSERT(y == -999999999 && m == 1 && d == 1);
    bv_civil_from_days(bv_days_from_civil(999999999, 12, 31), &y, &m, &d);
    CU_ASSERT(y == 999999999 && m == 12 && d == 31);
}

/* ---- known offsets ------------------------------------------------------------------------- */

static void test_known_offsets(void)
{
    bv_tzdb *db = open_db();
    const bv_tz *berlin = zone(db, "Europe/Berlin");
    CU_ASSERT_EQUAL(bv_tz_offset_at(berlin, utc_of(2020, 6, 15, 12, 0, 0)), 7200);
    CU_ASSERT_EQUAL(bv_tz_offset_at(berlin, utc_of(2020, 1, 15, 12, 0, 0)), 3600);
    /* 2021-10-31: 01:00Z is the fall-back instant */
    CU_ASSERT_EQUAL(bv_tz_offset_at(berlin, utc_of(2021, 10, 31, 0, 59, 59)), 7200);
    CU_ASSERT_EQUAL(bv_tz_offset_at(berlin, utc_of(2021, 10, 31, 1, 0, 0)), 3600);
    /* after 2037: Debian's files list transitions up to 2037, the footer rule does the rest */
    CU_ASSERT_EQUAL(bv_tz_offset_at(berlin, utc_of(2040, 7, 1, 0, 0, 0)), 7200);
    CU_ASSERT_EQUAL(bv_tz_offset_at(berlin, utc_of(2040, 12, 1, 0, 0, 0)), 3600);
    CU_ASSERT_EQUAL(bv_tz_offset_at(berlin, utc_of(2100, 3, 28, 0, 59, 59)), 3600);
    CU_ASSERT_EQUAL(bv_tz_offset_at(berlin, utc_of(2100, 3, 28, 1, 0, 0)), 7200);
    CU_ASSERT_EQUAL(bv_tz_offset_at(berlin, utc_of(9999, 8, 1, 0, 0, 0)), 7200);
    /* before the first transition: local mean time, +0:53:28 */
    CU_ASSERT_EQUAL(bv_tz_offset_at(berlin, utc_of(1850, 1, 1, 0, 0, 0)), 3208);

    const bv_tz *sj = zone(db, "America/St_Johns");
    CU_ASSERT_EQUAL(bv_tz_offset_at(sj, utc_of(2020, 1, 15, 12, 0, 0)), -12600);
    CU_ASSERT_EQUAL(bv_tz_offset_at(sj, utc_of(2020, 7, 15, 12, 0, 0)), -9000);

    const bv_tz *lh = zone(db, "Australia/Lord_Howe");
    CU_ASSERT_EQUAL(bv_tz_offset_at(lh, utc_of(2020, 7, 1, 0, 0, 0)), 37800); /* +10:30 */
    CU_ASSERT_EQUAL(bv_tz_offset_at(lh, utc_of(2021, 1, 1, 0, 0, 0)), 39600); /* +11:00 */
    CU_ASSERT_EQUAL(bv_tz_offset_at(lh, utc_of(2045, 1, 1, 0, 0, 0)), 39600);

    const bv_tz *tokyo = zone(db, "Asia/Tokyo");
    int bad = 0;
    for (int i = 0; i < 1000; i++) {
        int64_t u = rnd_between(utc_of(1952, 1, 1, 0, 0, 0), utc_of(2300, 1, 1, 0, 0, 0));
        if (bv_tz_offset_at(tokyo, u) != 32400) bad++;
        bv_tz_local r;
        if (bv_tz_resolve(tokyo, u + 32400, &r) != 1 || r.utc[0] != u) bad++;
    }
    CU_ASSERT_EQUAL(bad, 0);

    const bv_tz *utc = zone(db, "UTC");
    CU_ASSERT_EQUAL(bv_tz_offset_at(utc, INT64_MIN), 0);
    CU_ASSERT_EQUAL(bv_tz_offset_at(utc, INT64_MAX), 0);
    bv_tzdb_free(db);
}

/* ---- against the C library ----------------------------------------------------------------- */

static void test_matches_libc_random_instants(void)
{
    static const char *zones[] = {
        "Europe/Berlin",    "America/St_Johns",  "Australia/Lord_Howe", "Asia/Tokyo",
        "America/New_York", "Europe/Dublin",     "Africa/Casablanca",   "Antarctica/Troll",
        "Pacific/Chatham",  "America/Sao_Paulo", "Asia/Jerusalem",      "America/Nuuk",
        "Australia/Sydney", "Europe/London",     "Asia/Kolkata",        "Pacific/Kiritimati",
    };
    bv_tzdb *db = open_db();
    char *saved = getenv("TZ") ? strdup(getenv("TZ")) : NULL;
    unsetenv("TZDIR");
    long checked = 0;
    for (size_t zi = 0; zi < sizeof zones / sizeof zones[0]; zi++) {
        const bv_tz *z = zone(db, zones[zi]);
        setenv("TZ", zones[zi], 1);
        tzset();
        int bad = 0;
        for (int i = 0; i < 3000; i++) {
            int64_t u = rnd_between(utc_of(1850, 1, 1, 0, 0, 0), utc_of(2200, 1, 1, 0, 0, 0));
            long want = libc_offset(u);
            int32_t got = bv_tz_offset_at(z, u);
            if (got != want) {
                if (bad++ < 3)
                    fprintf(stderr, "%s at %lld: tzdb %d, libc %ld\n", zones[zi], (long long)u, got,
                            want);
            }
            if (!resolve_contains(z, u)) bad++;
            checked++;
        }
        CU_ASSERT_EQUAL(bad, 0);
    }
    CU_ASSERT_EQUAL(checked, 3000L * (long)(sizeof zones / sizeof zones[0]));
    if (saved) {
        setenv("TZ", saved, 1);
        free(saved);
    } else {
        unsetenv("TZ");
    }
    tzset();
    bv_tzdb_free(db);
}

/* The footer parser and rule evaluation against glibc reading the same POSIX TZ strings. The
 * range starts in 1970: glibc applies POSIX rules to earlier years differently. */
static void test_footer_matches_libc(void)
{
    static const char *rules[] = {
        "CET-1CEST,M3.5.0,M10.5.0/3",
        "AEST-10AEDT,M10.1.0,M4.1.0/3",
        "NZST-12NZDT,M9.5.0,M4.1.0/3",
        "<-03>3<-02>,M3.5.0/-2,M10.5.0/-1",
        "IST-1GMT0,M10.5.0,M3.5.0/1",
        "XXX3YYY,J60/2,J300/2",
        "XXX3YYY,59/2,299/2",
        "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0",
        "<-01>1<+00>0,M3.5.0/0,M10.5.0/1",
        "XXX-3YYY-5:30:15,M2.5.6/167,M11.1.1/-167",
        "EST5EDT,M3.2.0,M11.1.0",
        "EET-2EEST,M3.4.4/50,M10.4.4/50",
        "<-06>6<-05>,M9.1.6/22,M4.1.6/22",
        "<+0330>-3:30",
        "ABC-5:45",
    };
    char *saved = getenv("TZ") ? strdup(getenv("TZ")) : NULL;
    for (size_t ri = 0; ri < sizeof rules / sizeof rules[0]; ri++) {
        bv_tz *z = NULL;
        CU_ASSERT_FATAL(footer_zone(rules[ri], &z) == 0);
        setenv("TZ", rules[ri], 1);
        tzset();
        int bad = 0;
        for (int i = 0; i < 2000; i++) {
            int64_t u = rnd_between(0, utc_of(2400, 1, 1, 0, 0, 0));
            int32_t got = bv_tz_offset_at(z, u);
            long want = libc_offset(u);
            if (got != want && bad++ < 3)
                fprintf(stderr, "%s at %lld: tzdb %d, libc %ld\n", rules[ri], (long long)u, got,
                        want);
            if (!resolve_contains(z, u)) bad++;
        }
        CU_ASSERT_EQUAL(bad, 0);
        bv_tz_free(z);
    }
    if (saved) {
        setenv("TZ", saved, 1);
        free(saved);
    } else {
        unsetenv("TZ");
    }
    tzset();
}

static void test_footer_rules_edge_cases(void)
{
    bv_tz *z = NULL;
    /* RFC 8536 3.3.1: DST all year, written as a rule starting Jan 1 00:00 and ending Dec 31
     * 25:00 (i.e. at the next start); the year boundary must not blink to standard time. */
    CU_ASSERT_FATAL(footer_zone("EST5EDT,0/0,J365/25", &z) == 0);
    int bad = 0;
    for (int y = 1971; y < 2100; y++) {
        for (int h = -3; h <= 3; h++)
            if (bv_tz_offset_at(z, utc_of(y, 1, 1, 5, 0, 0) + h * 1800) != -14400) bad++;
        if (bv_tz_offset_at(z, utc_of(y, 7, 1, 0, 0, 0)) != -14400) bad++;
    }
    CU_ASSERT_EQUAL(bad, 0);
    bv_tz_free(z);

    /* No rule after the DST name: the US default M3.2.0,M11.1.0 at 02:00. */
    CU_ASSERT_FATAL(footer_zone("EST5EDT", &z) == 0);
    CU_ASSERT_EQUAL(bv_tz_offset_at(z, utc_of(2021, 3, 14, 6, 59, 59)), -18000);
    CU_ASSERT_EQUAL(bv_tz_offset_at(z, utc_of(2021, 3, 14, 7, 0, 0)), -14400);
    CU_ASSERT_EQUAL(bv_tz_offset_at(z, utc_of(2021, 11, 7, 5, 59, 59)), -14400);
    CU_ASSERT_EQUAL(bv_tz_offset_at(z, utc_of(2021, 11, 7, 6, 0, 0)), -18000);
    bv_tz_free(z);

    /* A footer-only Berlin agrees with the real file (table up to 2037, rule after). */
    bv_tzdb *db = open_db();
    const bv_tz *berlin = zone(db, "Europe/Berlin");
    CU_ASSERT_FATAL(footer_zone("CET-1CEST,M3.5.0,M10.5.0/3", &z) == 0);
    bad = 0;
    for (int i = 0; i < 3000; i++) {
        int64_t u = rnd_between(utc_of(1997, 1, 1, 0, 0, 0), utc_of(2500, 1, 1, 0, 0, 0));
        if (bv_tz_offset_at(z, u) != bv_tz_offset_at(berlin, u)) bad++;
    }
    CU_ASSERT_EQUAL(bad, 0);
    /* extreme instants stay defined */
    CU_ASSERT(bv_tz_offset_at(z, INT64_MAX) == 3600 || bv_tz_offset_at(z, INT64_MAX) == 7200);
    CU_ASSERT(bv_tz_offset_at(z, INT64_MIN) == 3600 || bv_tz_offset_at(z, INT64_MIN) == 7200);
    bv_tz_local r;
    CU_ASSERT(bv_tz_resolve(z, INT64_MAX, &r) <= 2);
    CU_ASSERT(bv_tz_resolve(z, INT64_MIN, &r) <= 2);
    bv_tz_free(z);
    bv_tzdb_free(db);
}

/* ---- local time resolution ----------------------------------------------------------------- */

static void test_resolve_berlin(void)
{
    bv_tzdb *db = open_db();
    const bv_tz *z = zone(db, "Europe/Berlin");
    bv_tz_local r;
    /* fall-back overlap: 2021-10-31T02:30 local happened twice (bolt-reference pitfall 6) */
    int64_t local = utc_of(2021, 10, 31, 2, 30, 0);
    CU_ASSERT_EQUAL(local, 1635647400);
    CU_ASSERT_EQUAL(bv_tz_resolve(z, local, &r), 2);
    CU_ASSERT_EQUAL(r.count, 2);
    CU_ASSERT_EQUAL(r.utc[0], 1635640200);
    CU_ASSERT_EQUAL(r.offset[0], 7200);
    CU_ASSERT_EQUAL(r.utc[1], 1635643800);
    CU_ASSERT_EQUAL(r.offset[1], 3600);
    /* edges of the overlap [02:00, 03:00) */
    CU_ASSERT_EQUAL(bv_tz_resolve(z, utc_of(2021, 10, 31, 1, 59, 59), &r), 1);
    CU_ASSERT_EQUAL(bv_tz_resolve(z, utc_of(2021, 10, 31, 2, 0, 0), &r), 2);
    CU_ASSERT_EQUAL(bv_tz_resolve(z, utc_of(2021, 10, 31, 2, 59, 59), &r), 2);
    CU_ASSERT_EQUAL(bv_tz_resolve(z, utc_of(2021, 10, 31, 3, 0, 0), &r), 1);
    CU_ASSERT_EQUAL(r.utc[0], utc_of(2021, 10, 31, 2, 0, 0));

    /* spring-forward gap: 2021-03-28T02:30 never happened; java.time moves it to 03:30+02:00 */
    local = utc_of(2021, 3, 28, 2, 30, 0);
    CU_ASSERT_EQUAL(bv_tz_resolve(z, local, &r), 0);
    CU_ASSERT_EQUAL(r.count, 0);
    CU_ASSERT_EQUAL(r.utc[0], utc_of(2021, 3, 28, 1, 30, 0));
    CU_ASSERT_EQUAL(r.offset[0], 7200);
    CU_ASSERT_EQUAL(r.offset[1], 3600);
    CU_ASSERT_EQUAL(bv_tz_resolve(z, utc_of(2021, 3, 28, 1, 59, 59), &r), 1);
    CU_ASSERT_EQUAL(bv_tz_resolve(z, utc_of(2021, 3, 28, 2, 0, 0), &r), 0);
    CU_ASSERT_EQUAL(bv_tz_resolve(z, utc_of(2021, 3, 28, 3, 0, 0), &r), 1);
    CU_ASSERT_EQUAL(r.utc[0], utc_of(2021, 3, 28, 1, 0, 0));

    /* normal: capture 20's dt_zone, 2020-06-15T14:30 CEST = 1592224200 */
    CU_ASSERT_EQUAL(bv_tz_resolve(z, 1592231400, &r), 1);
    CU_ASSERT_EQUAL(r.utc[0], 1592224200);
    CU_ASSERT_EQUAL(r.offset[0], 7200);

    /* the same in 2050, from the footer rule: last Sundays are 2050-03-27 and 2050-10-30 */
    CU_ASSERT_EQUAL(bv_tz_resolve(z, utc_of(2050, 10, 30, 2, 30, 0), &r), 2);
    CU_ASSERT_EQUAL(r.utc[1] - r.utc[0], 3600);
    CU_ASSERT_EQUAL(bv_tz_resolve(z, utc_of(2050, 3, 27, 2, 30, 0), &r), 0);
    bv_tzdb_free(db);
}

static void test_resolve_lord_howe_half_hour(void)
{
    bv_tzdb *db = open_db();
    const bv_tz *z = zone(db, "Australia/Lord_Howe");
    bv_tz_local r;
    /* DST (+11) ends 2021-04-04 02:00 local -> 01:30 (+10:30): 01:30..02:00 happens twice */
    CU_ASSERT_EQUAL(bv_tz_resolve(z, utc_of(2021, 4, 4, 1, 45, 0), &r), 2);
    CU_ASSERT_EQUAL(r.offset[0], 39600);
    CU_ASSERT_EQUAL(r.offset[1], 37800);
    CU_ASSERT_EQUAL(r.utc[1] - r.utc[0], 1800);
    CU_ASSERT_EQUAL(r.utc[0], utc_of(2021, 4, 3, 14, 45, 0));
    CU_ASSERT_EQUAL(bv_tz_resolve(z, utc_of(2021, 4, 4, 1, 29, 59), &r), 1);
    CU_ASSERT_EQUAL(bv_tz_resolve(z, utc_of(2021, 4, 4, 2, 0, 0), &r), 1);
    /* DST starts 2021-10-03 02:00 local -> 02:30: 02:00..02:30 is skipped */
    CU_ASSERT_EQUAL(bv_tz_resolve(z, utc_of(2021, 10, 3, 2, 15, 0), &r), 0);
    CU_ASSERT_EQUAL(r.offset[0], 39600);
    CU_ASSERT_EQUAL(r.offset[1], 37800);
    CU_ASSERT_EQUAL(r.utc[0], utc_of(2021, 10, 3, 2, 15, 0) - 37800);
    CU_ASSERT_EQUAL(bv_tz_resolve(z, utc_of(2021, 10, 3, 2, 30, 0), &r), 1);
    bv_tzdb_free(db);
}

/* Every local time of a few zones over some years: the number of instants matches a brute
 * force count over the zone's own offsets. */
static void test_resolve_property(void)
{
    static const char *zones[] = {"Europe/Berlin", "America/St_Johns", "Australia/Lord_Howe",
                                  "Pacific/Apia",  "Antarctica/Troll", "Europe/Dublin"};
    bv_tzdb *db = open_db();
    int bad = 0;
    for (size_t zi = 0; zi < sizeof zones / sizeof zones[0]; zi++) {
        const bv_tz *z = zone(db, zones[zi]);
        for (int i = 0; i < 3000; i++) {
            int64_t local = rnd_between(utc_of(1900, 1, 1, 0, 0, 0), utc_of(2100, 1, 1, 0, 0, 0));
            /* brute force: the instants u in [local-26h, local+26h] with u + off(u) == local,
             * found by scanning every distinct offset seen in that window */
            int32_t seen[64];
            int nseen = 0;
            for (int64_t u = local - 26 * 3600; u <= local + 26 * 3600; u += 900) {
                int32_t o = bv_tz_offset_at(z, u);
                int dup = 0;
                for (int k = 0; k < nseen; k++)
                    dup |= seen[k] == o;
                if (!dup && nseen < 64) seen[nseen++] = o;
            }
            int want = 0;
            for (int k = 0; k < nseen; k++)
                if (bv_tz_offset_at(z, local - seen[k]) == seen[k]) want++;
            bv_tz_local r;
            int got = bv_tz_resolve(z, local, &r);
            if (got != want) bad++;
            for (int k = 0; k < got; k++)
                if (r.utc[k] + bv_tz_offset_at(z, r.utc[k]) != local) bad++;
            if (got == 2 && r.utc[0] >= r.utc[1]) bad++;
        }
    }
    CU_ASSERT_EQUAL(bad, 0);
    bv_tzdb_free(db);
}

/* ---- zone ids -------------------------------------------------------------------------------- */

static void test_fixed_offset_ids(void)
{
    bv_tzdb *db = open_db();
    static const struct {
        const char *id;
        int32_t off;
    } ok[] = {{"UTC+01:00", 3600},   {"GMT-5", -18000},      {"UT", 0},
              {"UT+03:30", 12600},   {"UTC+0530", 19800},    {"GMT+18", 64800},
              {"UTC-18:00", -64800}, {"UTC+01:02:03", 3723}, {"GMT-010203", -3723}};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        const bv_tz *z = zone(db, ok[i].id);
        CU_ASSERT_EQUAL(bv_tz_offset_at(z, 0), ok[i].off);
        CU_ASSERT_EQUAL(bv_tz_offset_at(z, utc_of(2021, 7, 1, 0, 0, 0)), ok[i].off);
        CU_ASSERT_STRING_EQUAL(bv_tz_name(z), ok[i].id);
    }
    static const char *bad[] = {"UTC+19", "GMT+5:3", "UTC+", "UTC+1:00", "UT-123", "UTC+01:60"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const bv_tz *z = NULL;
        CU_ASSERT_EQUAL(bv_tzdb_get(db, bad[i], strlen(bad[i]), &z), BOLT_E_TZ_UNKNOWN);
        CU_ASSERT_PTR_NULL(z);
    }
    bv_tz *f = NULL;
    CU_ASSERT_EQUAL(bv_tz_fixed(18 * 3600 + 1, "x", &f), BOLT_E_INVAL);
    CU_ASSERT_PTR_NULL(f);
    bv_tzdb_free(db);
}

static void test_unknown_and_invalid_names(void)
{
    bv_tzdb *db = open_db();
    static const char *names[] = {
        "Mars/Olympus_Mons",
        "../../etc/passwd",
        "/etc/passwd",
        "Europe/../Europe/Berlin",
        "Europe//Berlin",
        "Europe/Berlin/",
        "",
        "Europe",
        "zone.tab",
        "Europe/Berlin\n",
        "Europe/Ber lin",
        "./UTC",
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const bv_tz *z = (const bv_tz *)1;
        CU_ASSERT_EQUAL(bv_tzdb_get(db, names[i], strlen(names[i]), &z), BOLT_E_TZ_UNKNOWN);
        CU_ASSERT_PTR_NULL(z);
    }
    /* a NUL inside the given length is not silently cut */
    const bv_tz *z = NULL;
    CU_ASSERT_EQUAL(bv_tzdb_get(db, "UTC\0junk", 8, &z), BOLT_E_TZ_UNKNOWN);
    /* a name that is too long */
    char longname[BV_TZ_NAME_MAX + 2];
    memset(longname, 'A', sizeof longname);
    CU_ASSERT_EQUAL(bv_tzdb_get(db, longname, sizeof longname, &z), BOLT_E_TZ_UNKNOWN);
    /* not NUL-terminated input: only len bytes are read */
    const char buf[] = {'U', 'T', 'C', 'X'};
    CU_ASSERT_EQUAL(bv_tzdb_get(db, buf, 3, &z), 0);
    CU_ASSERT_STRING_EQUAL(bv_tz_name(z), "UTC");
    /* leap-second zones are refused rather than read with shifted offsets */
    CU_ASSERT_EQUAL(bv_tzdb_get(db, "right/UTC", 9, &z), BOLT_E_TZ_DATA);
    bv_tzdb_free(db);
}

static void test_aliases_load_as_given(void)
{
    bv_tzdb *db = open_db();
    const bv_tz *kiev = zone(db, "Europe/Kiev");
    const bv_tz *kyiv = zone(db, "Europe/Kyiv");
    CU_ASSERT_PTR_NOT_EQUAL(kiev, kyiv);
    CU_ASSERT_STRING_EQUAL(bv_tz_name(kiev), "Europe/Kiev");
    int bad = 0;
    for (int i = 0; i < 1000; i++) {
        int64_t u = rnd_between(utc_of(1990, 1, 1, 0, 0, 0), utc_of(2100, 1, 1, 0, 0, 0));
        if (bv_tz_offset_at(kiev, u) != bv_tz_offset_at(kyiv, u)) bad++;
        if (bv_tz_offset_at(zone(db, "UTC"), u) != bv_tz_offset_at(zone(db, "Etc/UTC"), u)) bad++;
    }
    CU_ASSERT_EQUAL(bad, 0);
    bv_tzdb_free(db);
}

/* ---- cache and TZDIR ----------------------------------------------------------------------- */

static void test_cache_and_tzdir(void)
{
    char dir[] = "/tmp/boltdiff-tzdb-XXXXXX";
    CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
    char sub[sizeof dir + 16], path[sizeof dir + 32];
    snprintf(sub, sizeof sub, "%s/Test", dir);
    CU_ASSERT_FATAL(mkdir(sub, 0700) == 0);
    snprintf(path, sizeof path, "%s/Test/Zone", dir);
    size_t len = 0;
    uint8_t *data = read_all(ZONEINFO "/Europe/Berlin", &len);
    CU_ASSERT_FATAL(data != NULL && len > 44);
    FILE *f = fopen(path, "wb");
    CU_ASSERT_FATAL(f != NULL);
    CU_ASSERT_EQUAL(fwrite(data, 1, len, f), len);
    fclose(f);

    setenv("TZDIR", dir, 1);
    bv_tzdb *db = NULL;
    CU_ASSERT_FATAL(bv_tzdb_new(NULL, &db) == 0);
    unsetenv("TZDIR");
    CU_ASSERT_STRING_EQUAL(bv_tzdb_dir(db), dir);
    const bv_tz *z1 = NULL, *z2 = NULL;
    CU_ASSERT_EQUAL(bv_tzdb_get(db, "Test/Zone", 9, &z1), 0);
    CU_ASSERT_EQUAL(bv_tz_offset_at(z1, utc_of(2020, 6, 15, 12, 0, 0)), 7200);
    /* Europe/Berlin is not in this directory */
    CU_ASSERT_EQUAL(bv_tzdb_get(db, "Europe/Berlin", 13, &z2), BOLT_E_TZ_UNKNOWN);

    /* cached: the file can go, the zone stays, the same object comes back */
    CU_ASSERT_EQUAL(unlink(path), 0);
    CU_ASSERT_EQUAL(bv_tzdb_get(db, "Test/Zone", 9, &z2), 0);
    CU_ASSERT_PTR_EQUAL(z1, z2);
    /* unknown names are cached too: creating the file later does not change the answer */
    snprintf(path, sizeof path, "%s/Test/Late", dir);
    CU_ASSERT_EQUAL(bv_tzdb_get(db, "Test/Late", 9, &z2), BOLT_E_TZ_UNKNOWN);
    f = fopen(path, "wb");
    CU_ASSERT_FATAL(f != NULL);
    fwrite(data, 1, len, f);
    fclose(f);
    CU_ASSERT_EQUAL(bv_tzdb_get(db, "Test/Late", 9, &z2), BOLT_E_TZ_UNKNOWN);
    /* a damaged file is reported as such */
    snprintf(path, sizeof path, "%s/Test/Broken", dir);
    f = fopen(path, "wb");
    CU_ASSERT_FATAL(f != NULL);
    fwrite(data, 1, len / 2, f);
    fclose(f);
    CU_ASSERT_EQUAL(bv_tzdb_get(db, "Test/Broken", 11, &z2), BOLT_E_TZ_DATA);

    /* many distinct zones: the table grows and every entry stays reachable */
    char name[32];
    for (int i = 0; i < 200; i++) {
        snprintf(name, sizeof name, "UTC+%02d:%02d", i % 18, (i * 7) % 60);
        CU_ASSERT_EQUAL(bv_tzdb_get(db, name, strlen(name), &z2), 0);
    }
    for (int i = 0; i < 200; i++) {
        snprintf(name, sizeof name, "UTC+%02d:%02d", i % 18, (i * 7) % 60);
        CU_ASSERT_EQUAL(bv_tzdb_get(db, name, strlen(name), &z2), 0);
        CU_ASSERT_EQUAL(bv_tz_offset_at(z2, 0), (i % 18) * 3600 + ((i * 7) % 60) * 60);
    }
    CU_ASSERT_EQUAL(bv_tzdb_get(db, "Test/Zone", 9, &z2), 0);
    CU_ASSERT_PTR_EQUAL(z1, z2);
    bv_tzdb_free(db);

    unlink(path);
    snprintf(path, sizeof path, "%s/Test/Late", dir);
    unlink(path);
    rmdir(sub);
    rmdir(dir);
    free(data);
}

/* ---- malformed files ------------------------------------------------------------------------ */

static void test_every_truncation_rejected(void)
{
    size_t len = 0;
    uint8_t *data = read_all(ZONEINFO "/Europe/Berlin", &len);
    CU_ASSERT_FATAL(data != NULL);
    bv_tz *z = NULL;
    CU_ASSERT_EQUAL(bv_tz_parse(data, len, "Europe/Berlin", &z), 0);
    bv_tz_free(z);
    int bad = 0;
    for (size_t n = 0; n < len; n++) {
        /* exact-size copy so that ASan sees any read past the end */
        uint8_t *cut = malloc(n ? n : 1);
        memcpy(cut, data, n);
        z = (bv_tz *)1;
        int rc = bv_tz_parse(cut, n, "x", &z);
        int want = n < 4 ? BOLT_E_TZ_UNKNOWN : BOLT_E_TZ_DATA;
        if (rc != want || z != NULL) bad++;
        free(cut);
    }
    CU_ASSERT_EQUAL(bad, 0);
    free(data);
}

static void test_malformed_synthetic(void)
{
    uint8_t buf[2048];
    bv_tz *z = NULL;
    const int64_t times[3] = {-100, 0, 100};
    const uint8_t idx[3] = {1, 0, 1};
    const int32_t offs[2] = {3600, 7200};

    /* the baseline is valid, in v2 and in v1 form */
    tzspec s = {'2', times, idx, 3, offs, 2, 0, "CET-1"};
    size_t n = build_tzif(&s, buf);
    CU_ASSERT_EQUAL_FATAL(bv_tz_parse(buf, n, "ok", &z), 0);
    CU_ASSERT_EQUAL(bv_tz_offset_at(z, -101), 3600); /* type 0 before the first transition */
    CU_ASSERT_EQUAL(bv_tz_offset_at(z, -100), 7200);
    CU_ASSERT_EQUAL(bv_tz_offset_at(z, 50), 3600);
    CU_ASSERT_EQUAL(bv_tz_offset_at(z, 100), 3600); /* footer from the last transition on */
    bv_tz_free(z);
    tzspec v1 = {0, times, idx, 3, offs, 2, 0, NULL};
    n = build_tzif(&v1, buf);
    CU_ASSERT_EQUAL_FATAL(bv_tz_parse(buf, n, "v1", &z), 0);
    CU_ASSERT_EQUAL(bv_tz_offset_at(z, 100), 7200); /* v1: the last type stays */
    bv_tz_free(z);

    const int64_t unsorted[3] = {0, -100, 100};
    const uint8_t bad_idx[3] = {1, 2, 1};
    const int32_t bad_off[2] = {3600, 100000};
    tzspec cases[] = {
        {'2', unsorted, idx, 3, offs, 2, 0, "CET-1"},  /* transitions not ascending */
        {'2', times, bad_idx, 3, offs, 2, 0, "CET-1"}, /* type index out of range */
        {'2', times, idx, 3, bad_off, 2, 0, "CET-1"},  /* offset beyond 26 h */
        {'2', times, idx, 3, offs, 2, 2, "CET-1"},     /* leap seconds */
        {'2', times, idx, 0, offs, 0, 0, "CET-1"},     /* no types */
        {'2', times, idx, 3, offs, 2, 0, NULL},        /* footer missing */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        n = build_tzif(&cases[i], buf);
        z = (bv_tz *)1;
        CU_ASSERT_EQUAL(bv_tz_parse(buf, n, "bad", &z), BOLT_E_TZ_DATA);
        CU_ASSERT_PTR_NULL(z);
    }
    static const char *bad_footers[] = {
        "CE-1",                         /* name too short */
        "CET",                          /* no offset */
        "CET-1CEST,M3.5.0",             /* one rule date */
        "CET-1CEST,M13.5.0,M10.5.0/3",  /* month 13 */
        "CET-1CEST,M3.6.0,M10.5.0/3",   /* week 6 */
        "CET-1CEST,M3.5.7,M10.5.0/3",   /* weekday 7 */
        "CET-1CEST,J0,J100",            /* Julian day 0 */
        "CET-1CEST,366,100",            /* day 366 */
        "CET-1CEST,M3.5.0/168,M10.5.0", /* 168 hours */
        "CET-25",                       /* offset hours > 24 */
        "CET-1:60",                     /* minutes 60 */
        "<CE>-1",                       /* quoted name too short */
        "<CET-1",                       /* unterminated quote */
        "CET-1CEST,M3.5.0,M10.5.0/3x",  /* trailing junk */
    };
    for (size_t i = 0; i < sizeof bad_footers / sizeof bad_footers[0]; i++) {
        s.footer = bad_footers[i];
        n = build_tzif(&s, buf);
        z = (bv_tz *)1;
        int rc = bv_tz_parse(buf, n, "bad", &z);
        if (rc != BOLT_E_TZ_DATA) fprintf(stderr, "footer accepted: %s\n", bad_footers[i]);
        CU_ASSERT_EQUAL(rc, BOLT_E_TZ_DATA);
        CU_ASSERT_PTR_NULL(z);
    }
    /* not TZif at all */
    CU_ASSERT_EQUAL(bv_tz_parse((const uint8_t *)"# tzdb data", 11, "x", &z), BOLT_E_TZ_UNKNOWN);
    CU_ASSERT_EQUAL(bv_tz_parse(NULL, 0, "x", &z), BOLT_E_TZ_UNKNOWN);
}

/* ---- allocation failures --------------------------------------------------------------------- */

static int tzdb_session(void *ud)
{
    (void)ud;
    bv_tzdb *db = NULL;
    int rc = bv_tzdb_new(ZONEINFO, &db);
    if (rc) return rc;
    const bv_tz *z;
    static const char *names[] = {"Europe/Berlin", "Mars/Base", "UTC+02:00", "Asia/Tokyo"};
    for (size_t i = 0; i < 4 && rc == 0; i++) {
        rc = bv_tzdb_get(db, names[i], strlen(names[i]), &z);
        if (rc == BOLT_E_TZ_UNKNOWN && i == 1) rc = 0;
    }
    /* a failed lookup must leave the cache usable: ask again */
    if (rc == 0) rc = bv_tzdb_get(db, "Europe/Berlin", 13, &z);
    if (rc == 0 && bv_tz_offset_at(z, 1592224200) != 7200) rc = BOLT_E_INVAL;
    bv_tzdb_free(db);
    return rc;
}

static void test_nomem(void)
{
    CU_ASSERT_EQUAL(failalloc_each(tzdb_session, NULL, BOLT_E_NOMEM), 0);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 1;
    CU_pSuite s = CU_add_suite("tzdb", NULL, NULL);
    CU_add_test(s, "civil calendar round trip", test_civil_roundtrip);
    CU_add_test(s, "known offsets (Berlin, St Johns, Lord Howe, Tokyo)", test_known_offsets);
    CU_add_test(s, "offsets match the C library at random instants",
                test_matches_libc_random_instants);
    CU_add_test(s, "footer rules match the C library", test_footer_matches_libc);
    CU_add_test(s, "footer edge cases (all-year DST, default rule)", test_footer_rules_edge_cases);
    CU_add_test(s, "resolve: Berlin overlap, gap, normal", test_resolve_berlin);
    CU_add_test(s, "resolve: Lord Howe 30-minute DST", test_resolve_lord_howe_half_hour);
    CU_add_test(s, "resolve: instant count equals brute force", test_resolve_property);
    CU_add_test(s, "java.time fixed-offset ids", test_fixed_offset_ids);
    CU_add_test(s, "unknown and invalid zone ids", test_unknown_and_invalid_names);
    CU_add_test(s, "aliases load under the given name", test_aliases_load_as_given);
    CU_add_test(s, "cache and TZDIR", test_cache_and_tzdir);
    CU_add_test(s, "every truncation of a real file rejected", test_every_truncation_rejected);
    CU_add_test(s, "malformed synthetic files rejected", test_malformed_synthetic);
    CU_add_test(s, "allocation failures", test_nomem);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failures = CU_get_number_of_failures();
    CU_cleanup_registry();
    return failures ? 1 : 0;
}
