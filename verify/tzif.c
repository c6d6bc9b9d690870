/* TZif zones (RFC 8536 / RFC 9636): parsing, the POSIX TZ footer rule, and the two queries of
 * include/verify/tzdb.h. The directory and the cache of zones are in tzdb.c.
 *
 * A zone is seen as a sequence of segments [start, end) of constant UTC offset: the transition
 * table gives them up to the last transition, then the POSIX TZ footer rule (if any) generates
 * them year by year. Both queries are built on segment_at(): offset_at() is one lookup, and
 * resolve() walks the few segments that can contain an instant mapping to a given local time. */
#include "verify/tzdb.h"

#include "bolt/alloc.h"
#include "bolt/error.h"

#include <string.h>

/* RFC 8536 3.2: utoff SHOULD be in [-89999, 93599] (-25 h + 1 s .. 26 h - 1 s). Enforcing it
 * keeps every local/UTC conversion far from int64 overflow. */
#define UTOFF_MIN (-89999)
#define UTOFF_MAX 93599
/* java.time ZoneOffset range, for the fixed-offset zones. */
#define JAVA_OFFSET_MAX (18 * 3600)
/* The footer rule is evaluated for instants within +-RULE_LIMIT (about 1.8e10 years); beyond,
 * the offset at the limit is used, so that year arithmetic can never overflow. */
#define RULE_LIMIT (INT64_C(1) << 59)
#define FOOTER_MAX 255

/* ---- calendar -------------------------------------------------------------------------------
 * Days <-> civil date in the proleptic Gregorian calendar (H. Hinnant's public-domain
 * algorithms, era = 400 years). */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
    return q;
}

int64_t bv_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = floor_div(y, 400);
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (int64_t)(m > 2 ? m - 3 : m + 9) + 2) / 5 + (int64_t)d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void bv_civil_from_days(int64_t z, int64_t *year, unsigned *month, unsigned *day)
{
    z += 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    unsigned d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    unsigned m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *year = y + (m <= 2);
    *month = m;
    *day = d;
}

static int is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned month_days(int64_t y, unsigned m)
{
    static const unsigned char len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return len[m - 1] + (m == 2 && is_leap(y));
}

/* ---- zone representation -------------------------------------------------------------------- */

typedef struct tz_date {
    char kind;  /* 'J': Jn, 1..365 without Feb 29; 'D': n, 0..365; 'M': Mm.w.d */
    uint16_t n; /* J, D */
    uint8_t m, w, d;
    int32_t time; /* seconds after local midnight, -167 h .. 167 h (RFC 8536 3.3.1) */
} tz_date;

typedef struct tz_rule {
    int32_t std_off, dst_off; /* east of UTC */
    int has_dst;
    tz_date start, end; /* start is in local standard time, end in local daylight time */
} tz_rule;

struct bv_tz {
    const char *name;
    uint32_t timecnt, typecnt;
    const int64_t *times; /* strictly ascending */
    const uint8_t *idx;   /* type of the segment starting at times[i] */
    const int32_t *utoff; /* per type */
    int has_rule;         /* footer present and non-empty */
    tz_rule rule;
    int32_t omin, omax; /* bounds of every offset the zone can give */
};

/* ---- POSIX TZ footer ----------------------------------------------------------------------- */

static int parse_tz_name(const char **pp, const char *end)
{
    const char *p = *pp;
    if (p < end && *p == '<') {
        const char *s = ++p;
        while (p < end && *p != '>') {
            char c = *p;
            int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                     c == '+' || c == '-';
            if (!ok) return -1;
            p++;
        }
        if (p >= end || p - s < 3) return -1;
        *pp = p + 1;
        return 0;
    }
    const char *s = p;
    while (p < end && ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')))
        p++;
    if (p - s < 3) return -1;
    *pp = p;
    return 0;
}

/* [+-]h[h[h]][:mm[:ss]] with hours <= max_hours; result in seconds (sign applied). */
static int parse_hms(const char **pp, const char *end, int max_hours, int32_t *out)
{
    const char *p = *pp;
    int sign = 1;
    if (p < end && (*p == '+' || *p == '-')) {
        if (*p == '-') sign = -1;
        p++;
    }
    int32_t h = 0, m = 0, s = 0;
    int digits = 0;
    while (p < end && *p >= '0' && *p <= '9' && digits < 3) {
        h = h * 10 + (*p - '0');
        p++;
        digits++;
    }
    if (digits == 0 || h > max_hours) return -1;
    if (p < end && *p == ':') {
        p++;
        if (end - p < 2 || p[0] < '0' || p[0] > '5' || p[1] < '0' || p[1] > '9') return -1;
        m = (p[0] - '0') * 10 + (p[1] - '0');
        p += 2;
        if (p < end && *p == ':') {
            p++;
            if (end - p < 2 || p[0] < '0' || p[0] > '5' || p[1] < '0' || p[1] > '9') return -1;
            s = (p[0] - '0') * 10 + (p[1] - '0');
            p += 2;
        }
    }
    *out = sign * (h * 3600 + m * 60 + s);
    *pp = p;
    return 0;
}

static int parse_uint(const char **pp, const char *end, unsigned max, unsigned *out)
{
    const char *p = *pp;
    unsigned v = 0;
    int digits = 0;
    while (p < end && *p >= '0' && *p <= '9') {
        v = v * 10 + (unsigned)(*p - '0');
        if (v > max) return -1;
        p++;
        digits++;
    }
    if (!digits) return -1;
    *out = v;
    *pp = p;
    return 0;
}

static int parse_rule_date(const char **pp, const char *end, tz_date *d)
{
    const char *p = *pp;
    unsigned a, b, c;
    memset(d, 0, sizeof *d);
    if (p < end && *p == 'J') {
        p++;
        if (parse_uint(&p, end, 365, &a) || a < 1) return -1;
        d->kind = 'J';
        d->n = (uint16_t)a;
    } else if (p < end && *p == 'M') {
        p++;
        if (parse_uint(&p, end, 12, &a) || a < 1) return -1;
        if (p >= end || *p++ != '.') return -1;
        if (parse_uint(&p, end, 5, &b) || b < 1) return -1;
        if (p >= end || *p++ != '.') return -1;
        if (parse_uint(&p, end, 6, &c)) return -1;
        d->kind = 'M';
        d->m = (uint8_t)a;
        d->w = (uint8_t)b;
        d->d = (uint8_t)c;
    } else {
        if (parse_uint(&p, end, 365, &a)) return -1;
        d->kind = 'D';
        d->n = (uint16_t)a;
    }
    d->time = 7200; /* POSIX default 02:00:00 */
    if (p < end && *p == '/') {
        p++;
        if (parse_hms(&p, end, 167, &d->time)) return -1;
    }
    *pp = p;
    return 0;
}

static int offset_ok(int32_t off)
{
    return off >= UTOFF_MIN && off <= UTOFF_MAX;
}

/* "std offset [dst [offset] [,start[/time],end[/time]]]". POSIX offsets count west of UTC. */
static int parse_footer(const char *s, size_t len, tz_rule *r)
{
    const char *p = s, *end = s + len;
    int32_t west;
    memset(r, 0, sizeof *r);
    if (parse_tz_name(&p, end) || parse_hms(&p, end, 24, &west)) return -1;
    r->std_off = -west;
    if (!offset_ok(r->std_off)) return -1;
    if (p == end) return 0;
    if (parse_tz_name(&p, end)) return -1;
    r->has_dst = 1;
    r->dst_off = r->std_off + 3600;
    if (p < end && *p != ',') {
        if (parse_hms(&p, end, 24, &west)) return -1;
        r->dst_off = -west;
    }
    if (!offset_ok(r->dst_off)) return -1;
    if (p == end) {
        /* No rule: the traditional US default, as glibc and tzcode assume. */
        r->start = (tz_date){'M', 0, 3, 2, 0, 7200};
        r->end = (tz_date){'M', 0, 11, 1, 0, 7200};
        return 0;
    }
    if (*p++ != ',') return -1;
    if (parse_rule_date(&p, end, &r->start)) return -1;
    if (p >= end || *p++ != ',') return -1;
    if (parse_rule_date(&p, end, &r->end)) return -1;
    return p == end ? 0 : -1;
}

/* Day (days since epoch) on which rule date d falls in year y. */
static int64_t rule_day(const tz_date *d, int64_t y)
{
    int64_t jan1 = bv_days_from_civil(y, 1, 1);
    switch (d->kind) {
    case 'J':
        return jan1 + d->n - 1 + (is_leap(y) && d->n >= 60);
    case 'D':
        return jan1 + d->n;
    default: {
        int64_t first = bv_days_from_civil(y, d->m, 1);
        int64_t wd = floor_div(first + 4, 7); /* 1970-01-01 was a Thursday (4) */
        wd = first + 4 - wd * 7;
        int64_t day = first + ((int64_t)d->d - wd + 7) % 7 + 7 * (int64_t)(d->w - 1);
        while (day >= first + month_days(y, d->m))
            day -= 7;
        return day;
    }
    }
}

typedef struct rule_event {
    int64_t at;  /* UTC */
    int32_t off; /* offset from `at` on */
    int start;   /* 1: DST starts; ties put ends first, so that "all year DST" stays DST */
} rule_event;

static void rule_events(const tz_rule *r, int64_t y, rule_event ev[2])
{
    ev[0].at = rule_day(&r->start, y) * 86400 + r->start.time - r->std_off;
    ev[0].off = r->dst_off;
    ev[0].start = 1;
    ev[1].at = rule_day(&r->end, y) * 86400 + r->end.time - r->dst_off;
    ev[1].off = r->std_off;
    ev[1].start = 0;
}

static int event_before(const rule_event *a, const rule_event *b)
{
    return a->at < b->at || (a->at == b->at && a->start < b->start);
}

/* Segment of the footer rule containing u; segments never start before `floor` (the last
 * transition of the table). */
static void rule_segment(const tz_rule *r, int64_t u, int64_t floor, int64_t *start, int64_t *end,
                         int32_t *off)
{
    if (!r->has_dst) {
        *start = floor;
        *end = INT64_MAX;
        *off = r->std_off;
        return;
    }
    int64_t cu = u < -RULE_LIMIT ? -RULE_LIMIT : u >= RULE_LIMIT ? RULE_LIMIT - 1 : u;
    int64_t y;
    unsigned mo, da;
    bv_civil_from_days(floor_div(cu, 86400), &y, &mo, &da);
    /* Five years around u: even with transition times of +-167 h the events that bound u are
     * among them, and sorting handles rules whose end precedes their start (south). */
    rule_event ev[10];
    for (int i = 0; i < 5; i++)
        rule_events(r, y - 2 + i, &ev[2 * i]);
    for (int i = 1; i < 10; i++) {
        rule_event t = ev[i];
        int j = i;
        for (; j > 0 && event_before(&t, &ev[j - 1]); j--)
            ev[j] = ev[j - 1];
        ev[j] = t;
    }
    int64_t s = INT64_MIN, e = INT64_MAX;
    int32_t o = r->std_off;
    for (int i = 0; i < 10; i++) {
        if (ev[i].at <= cu) {
            s = ev[i].at;
            o = ev[i].off;
        } else {
            e = ev[i].at;
            break;
        }
    }
    if (u >= RULE_LIMIT) {
        s = RULE_LIMIT;
        e = INT64_MAX;
    } else if (u < -RULE_LIMIT) {
        s = INT64_MIN;
        e = -RULE_LIMIT;
    } else {
        if (s < -RULE_LIMIT) s = -RULE_LIMIT;
        if (e > RULE_LIMIT) e = RULE_LIMIT;
    }
    *start = s > floor ? s : floor;
    *end = e;
    *off = o;
}

/* The segment [start, end) of constant offset that contains u. */
static void segment_at(const bv_tz *tz, int64_t u, int64_t *start, int64_t *end, int32_t *off)
{
    uint32_t n = tz->timecnt;
    if (n == 0) {
        if (tz->has_rule) {
            rule_segment(&tz->rule, u, INT64_MIN, start, end, off);
        } else {
            *start = INT64_MIN;
            *end = INT64_MAX;
            *off = tz->utoff[0];
        }
        return;
    }
    /* i = number of transitions <= u */
    uint32_t lo = 0, hi = n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (tz->times[mid] <= u)
            lo = mid + 1;
        else
            hi = mid;
    }
    uint32_t i = lo;
    if (i == 0) {
        /* RFC 8536: before the first transition, local time type 0 applies. */
        *start = INT64_MIN;
        *end = tz->times[0];
        *off = tz->utoff[0];
    } else if (i < n) {
        *start = tz->times[i - 1];
        *end = tz->times[i];
        *off = tz->utoff[tz->idx[i - 1]];
    } else if (tz->has_rule) {
        rule_segment(&tz->rule, u, tz->times[n - 1], start, end, off);
    } else {
        *start = tz->times[n - 1];
        *end = INT64_MAX;
        *off = tz->utoff[tz->idx[n - 1]];
    }
}

int32_t bv_tz_offset_at(const bv_tz *tz, int64_t utc)
{
    int64_t s, e;
    int32_t off;
    segment_at(tz, utc, &s, &e, &off);
    return off;
}

static int64_t sat_sub(int64_t a, int32_t b)
{
    if (b > 0 && a < INT64_MIN + b) return INT64_MIN;
    if (b < 0 && a > INT64_MAX + b) return INT64_MAX;
    return a - b;
}

int bv_tz_resolve(const bv_tz *tz, int64_t local, bv_tz_local *out)
{
    /* Every instant u with u + offset(u) == local lies in [local - omax, local - omin]: walk
     * the segments overlapping that window and keep those whose own offset lands inside. A
     * boundary T between offsets b < a with T + b <= local < T + a is a gap containing local. */
    int64_t lo = sat_sub(local, tz->omax), hi = sat_sub(local, tz->omin);
    int n = 0, have_gap = 0, first = 1;
    int32_t prev_off = 0, gap_before = 0, gap_after = 0;
    int64_t u = lo;
    /* INT64_MAX belongs to the segment that starts at last_start: usually the open-ended last
     * one, but a transition exactly at INT64_MAX makes it a one-instant segment of its own. */
    int64_t last_start, last_end;
    int32_t last_off;
    segment_at(tz, INT64_MAX, &last_start, &last_end, &last_off);
    memset(out, 0, sizeof *out);
    for (;;) {
        int64_t s, e;
        int32_t o;
        segment_at(tz, u, &s, &e, &o);
        int overflow = (o > 0 && local < INT64_MIN + o) || (o < 0 && local > INT64_MAX + o);
        if (!overflow) {
            int64_t cand = local - o;
            /* segments are [s, e), except that the one starting at last_start also holds
             * INT64_MAX */
            if (cand >= s && (cand < e || (e == INT64_MAX && s == last_start)) && cand >= lo &&
                cand <= hi) {
                if (n < 2) {
                    out->utc[n] = cand;
                    out->offset[n] = o;
                } else {
                    out->utc[1] = cand; /* keep the earliest and the latest */
                    out->offset[1] = o;
                }
                n++;
            }
        }
        if (!first && !have_gap && prev_off < o) {
            /* s is the boundary; local in [s + prev_off, s + o) is skipped by the clocks */
            int64_t a = sat_sub(s, -prev_off), b = sat_sub(s, -o);
            if (local >= a && local < b) {
                have_gap = 1;
                gap_before = prev_off;
                gap_after = o;
            }
        }
        first = 0;
        prev_off = o;
        if (e > hi) break;
        if (e == INT64_MAX) {
            if (s == last_start) break;
            u = INT64_MAX; /* the one-instant segment of a transition at INT64_MAX */
            continue;
        }
        u = e;
    }
    if (n > 2) n = 2;
    out->count = n;
    if (n == 0) {
        if (have_gap) {
            out->utc[0] = sat_sub(local, gap_before);
            out->offset[0] = gap_after;
            out->offset[1] = gap_before;
        } else {
            /* Unreachable for consistent data; keep a defined answer anyway. */
            int32_t o = bv_tz_offset_at(tz, local);
            out->utc[0] = sat_sub(local, o);
            out->offset[0] = out->offset[1] = o;
        }
    }
    return n;
}

const char *bv_tz_name(const bv_tz *tz)
{
    return tz->name;
}

void bv_tz_free(bv_tz *tz)
{
    bolt_free(tz); /* one block: header, arrays and name */
}

/* ---- TZif ---------------------------------------------------------------------------------- */

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64s(const uint8_t *p)
{
    uint64_t v = (uint64_t)be32(p) << 32 | be32(p + 4);
    return (int64_t)v; /* two's complement on every platform we build for */
}

typedef struct tzif_counts {
    uint32_t isut, isstd, leap, time, type, chr;
} tzif_counts;

static void read_counts(const uint8_t *h, tzif_counts *c)
{
    c->isut = be32(h + 20);
    c->isstd = be32(h + 24);
    c->leap = be32(h + 28);
    c->time = be32(h + 32);
    c->type = be32(h + 36);
    c->chr = be32(h + 40);
}

static uint64_t block_size(const tzif_counts *c, unsigned tsize)
{
    return (uint64_t)c->time * (tsize + 1) + (uint64_t)c->type * 6 + c->chr +
           (uint64_t)c->leap * (tsize + 4) + c->isstd + c->isut;
}

/* Allocates the single block of a zone (struct, times, utoff, idx, name) and hands out the
 * writable arrays; the struct itself only exposes them as const. */
static bv_tz *tz_alloc(uint32_t timecnt, uint32_t typecnt, const char *name, int64_t **times,
                       int32_t **utoff, uint8_t **idx)
{
    size_t off_times = (sizeof(bv_tz) + 7) & ~(size_t)7;
    size_t off_utoff = off_times + (size_t)timecnt * 8;
    size_t off_idx = off_utoff + (size_t)typecnt * 4;
    size_t off_name = off_idx + timecnt;
    size_t nlen = name ? strlen(name) : 0;
    uint8_t *base = bolt_malloc(off_name + nlen + 1);
    if (!base) return NULL;
    bv_tz *tz = (bv_tz *)(void *)base;
    memset(tz, 0, sizeof *tz);
    *times = (int64_t *)(void *)(base + off_times);
    *utoff = (int32_t *)(void *)(base + off_utoff);
    *idx = base + off_idx;
    char *nm = (char *)(base + off_name);
    if (nlen) memcpy(nm, name, nlen);
    nm[nlen] = '\0';
    tz->timecnt = timecnt;
    tz->typecnt = typecnt;
    tz->times = *times;
    tz->utoff = *utoff;
    tz->idx = *idx;
    tz->name = nm;
    return tz;
}

static void set_bounds(bv_tz *tz)
{
    int32_t lo = tz->utoff[0], hi = tz->utoff[0];
    for (uint32_t i = 1; i < tz->typecnt; i++) {
        if (tz->utoff[i] < lo) lo = tz->utoff[i];
        if (tz->utoff[i] > hi) hi = tz->utoff[i];
    }
    if (tz->has_rule) {
        int32_t r[2] = {tz->rule.std_off, tz->rule.has_dst ? tz->rule.dst_off : tz->rule.std_off};
        for (int i = 0; i < 2; i++) {
            if (r[i] < lo) lo = r[i];
            if (r[i] > hi) hi = r[i];
        }
    }
    tz->omin = lo;
    tz->omax = hi;
}

int bv_tz_parse(const uint8_t *data, size_t len, const char *name, bv_tz **out)
{
    *out = NULL;
    if (!data || len < 4 || memcmp(data, "TZif", 4) != 0) return BOLT_E_TZ_UNKNOWN;
    if (len < 44) return BOLT_E_TZ_DATA;
    unsigned version = data[4];
    if (version != 0 && version < '2') return BOLT_E_TZ_DATA;
    tzif_counts c;
    read_counts(data, &c);
    size_t pos = 44;
    unsigned tsize = 4;
    if (version >= '2') {
        /* Skip the 32-bit block; the 64-bit one that follows has the whole table. */
        uint64_t skip = block_size(&c, 4);
        if (skip > len - pos || len - pos - skip < 44) return BOLT_E_TZ_DATA;
        pos += (size_t)skip;
        if (memcmp(data + pos, "TZif", 4) != 0 || data[pos + 4] != version) return BOLT_E_TZ_DATA;
        read_counts(data + pos, &c);
        pos += 44;
        tsize = 8;
    }
    if (c.type == 0 || c.type > 256 || c.chr == 0) return BOLT_E_TZ_DATA;
    if ((c.isstd != 0 && c.isstd != c.type) || (c.isut != 0 && c.isut != c.type))
        return BOLT_E_TZ_DATA;
    if (c.leap != 0) return BOLT_E_TZ_DATA; /* right/ zones: see tzdb.h */
    uint64_t need = block_size(&c, tsize);
    if (need > len - pos) return BOLT_E_TZ_DATA;
    const uint8_t *times = data + pos;
    const uint8_t *idx = times + (size_t)c.time * tsize;
    const uint8_t *types = idx + c.time;
    size_t end = pos + (size_t)need;

    tz_rule rule;
    int has_rule = 0;
    if (version >= '2') {
        /* Footer: "\n" TZ-string "\n". An empty string means no rule after the table. */
        if (end >= len || data[end] != '\n') return BOLT_E_TZ_DATA;
        const char *fs = (const char *)data + end + 1;
        size_t avail = len - end - 1;
        const char *nl = memchr(fs, '\n', avail < FOOTER_MAX + 1 ? avail : FOOTER_MAX + 1);
        if (!nl) return BOLT_E_TZ_DATA;
        size_t flen = (size_t)(nl - fs);
        if (flen > 0) {
            if (parse_footer(fs, flen, &rule)) return BOLT_E_TZ_DATA;
            has_rule = 1;
        }
    }

    int64_t *t;
    int32_t *uo;
    uint8_t *ix;
    bv_tz *tz = tz_alloc(c.time, c.type, name, &t, &uo, &ix);
    if (!tz) return BOLT_E_NOMEM;
    for (uint32_t i = 0; i < c.time; i++) {
        t[i] = tsize == 8 ? be64s(times + (size_t)i * 8) : (int64_t)(int32_t)be32(times + i * 4);
        if (i > 0 && t[i] <= t[i - 1]) goto bad;
        ix[i] = idx[i];
        if (ix[i] >= c.type) goto bad;
    }
    for (uint32_t i = 0; i < c.type; i++) {
        const uint8_t *ti = types + (size_t)i * 6;
        int32_t off = (int32_t)be32(ti);
        if (!offset_ok(off) || ti[4] > 1 || ti[5] >= c.chr) goto bad;
        uo[i] = off;
    }
    tz->has_rule = has_rule;
    if (has_rule) tz->rule = rule;
    set_bounds(tz);
    *out = tz;
    return 0;
bad:
    bv_tz_free(tz);
    return BOLT_E_TZ_DATA;
}

int bv_tz_fixed(int32_t offset, const char *name, bv_tz **out)
{
    *out = NULL;
    if (offset < -JAVA_OFFSET_MAX || offset > JAVA_OFFSET_MAX) return BOLT_E_INVAL;
    int64_t *t;
    int32_t *uo;
    uint8_t *ix;
    bv_tz *tz = tz_alloc(0, 1, name, &t, &uo, &ix);
    if (!tz) return BOLT_E_NOMEM;
    uo[0] = offset;
    set_bounds(tz);
    *out = tz;
    return 0;
}
