/* verify/tzdb.h - a reader of the IANA time zone database in its compiled TZif form (RFC 8536,
 * RFC 9636), for turning zone-id datetimes into canonical values (verify/canon.h).
 *
 * Two objects:
 *   bv_tz    one parsed zone: the 64-bit transition table and the POSIX TZ footer rule that
 *            covers instants after the last transition (e.g. 2038 onward in "fat" files).
 *            Immutable once built, so it may be shared between threads.
 *   bv_tzdb  a directory of zones (default $TZDIR, else /usr/share/zoneinfo) and a cache of the
 *            zones already loaded, including the names found to be unknown.
 *
 * Queries answer what java.time (which Neo4j uses) answers for the same rules:
 *   bv_tz_offset_at()   the UTC offset in effect at a UTC instant;
 *   bv_tz_resolve()     the 0, 1 or 2 UTC instants a local wall-clock time maps to (spring-forward
 *                       gap / normal / fall-back overlap).
 * Seconds are Unix seconds (UTC) or "local seconds" (the wall clock read as if it were UTC,
 * which is what Bolt's legacy 'f' DateTime carries). Offsets are seconds east of UTC.
 *
 * Zone names: IANA ids as stored ("Europe/Berlin", "Europe/Kiev" (a link), "Etc/UTC"), plus the
 * fixed-offset ids of java.time "UTC+01:00", "GMT-5", "UT+03:30" (prefix UTC/GMT/UT, sign,
 * hours, optional :mm and :ss). A name is looked up as a file below the directory and must
 * look like a zone id: components of [A-Za-z0-9._+-], no "." or ".." component, no leading
 * "/", at most BV_TZ_NAME_MAX bytes. Anything else is BOLT_E_TZ_UNKNOWN, never a file access
 * outside the directory.
 *
 * Not supported: leap-second ("right/") files: they count TAI-like seconds that Neo4j never
 * uses, so they are rejected (BOLT_E_TZ_DATA) rather than read with silently shifted offsets.
 *
 * Memory: bv_tz_parse() returns a zone the caller frees with bv_tz_free(). Zones returned by
 * bv_tzdb_get() are owned by the database and valid until bv_tzdb_free(). All memory comes
 * from bolt_malloc (include/bolt/alloc.h).
 *
 * Threads: thread-compatible. A bv_tzdb must be used by one thread at a time (lookups fill the
 * cache); use one per thread or lock around it. A bv_tz obtained from it may be read by any
 * number of threads.
 */
#ifndef VERIFY_TZDB_H
#define VERIFY_TZDB_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BV_TZ_NAME_MAX 255
/* TZif files are a few KiB; refuse anything larger than this before reading it. */
#define BV_TZ_FILE_MAX (1u << 20)
#define BV_TZ_DEFAULT_DIR "/usr/share/zoneinfo"

typedef struct bv_tz bv_tz;
typedef struct bv_tzdb bv_tzdb;

/* Parses TZif bytes (v1, or v2+ with its 64-bit block and footer). 0, or BOLT_E_TZ_DATA
 * (malformed or unsupported), BOLT_E_TZ_UNKNOWN (not a TZif file at all: no magic),
 * BOLT_E_NOMEM. `name` (may be NULL) is copied and returned by bv_tz_name(). */
int bv_tz_parse(const uint8_t *data, size_t len, const char *name, bv_tz **out);
/* A zone with one fixed offset (seconds east of UTC, |offset| <= 18 h as in java.time). */
int bv_tz_fixed(int32_t offset, const char *name, bv_tz **out);
void bv_tz_free(bv_tz *tz);

const char *bv_tz_name(const bv_tz *tz);

/* Offset in effect at the UTC instant `utc` (any int64). Cannot fail. */
int32_t bv_tz_offset_at(const bv_tz *tz, int64_t utc);

/* Resolution of a local wall-clock time. */
typedef struct bv_tz_local {
    int count;         /* 0: in a gap, 1: normal, 2: in an overlap (count is also returned) */
    int64_t utc[2];    /* count == 1: utc[0]; count == 2: utc[0] < utc[1] (earlier, later).
                          count == 0: utc[0] is java.time's choice for a gap, the local time
                          moved forward by the length of the gap: local - offset before it */
    int32_t offset[2]; /* offset of each instant; for a gap: [0] after, [1] before the gap */
} bv_tz_local;

/* Maps local seconds to UTC instants; returns out->count (0, 1 or 2). If a (pathological)
 * zone gives more than two instants, the earliest and the latest are reported. */
int bv_tz_resolve(const bv_tz *tz, int64_t local, bv_tz_local *out);

/* Opens a database rooted at `dir` (copied); NULL means $TZDIR if set and non-empty, else
 * BV_TZ_DEFAULT_DIR. The directory is not touched until the first lookup. 0 or BOLT_E_NOMEM. */
int bv_tzdb_new(const char *dir, bv_tzdb **out);
void bv_tzdb_free(bv_tzdb *db);
const char *bv_tzdb_dir(const bv_tzdb *db);

/* The zone called name[0..len) (not NUL-terminated), loaded on first use and cached.
 * 0 with *out set, or BOLT_E_TZ_UNKNOWN (no such zone, or not a valid zone id), BOLT_E_TZ_DATA
 * (the file is damaged), BOLT_E_IO (the file could not be read), BOLT_E_NOMEM. Unknown names
 * are cached too, so a repeated bad zone id costs no file access. */
int bv_tzdb_get(bv_tzdb *db, const char *name, size_t len, const bv_tz **out);

/* Proleptic Gregorian calendar helpers (days since 1970-01-01, month 1..12, day 1..31), exact
 * for |year| <= BV_CIVIL_YEAR_MAX and |days| <= BV_CIVIL_DAYS_MAX (far beyond java.time's
 * +-999999999 years); callers check the range, as the arithmetic would overflow past it. */
#define BV_CIVIL_YEAR_MAX (INT64_C(1) << 40)
#define BV_CIVIL_DAYS_MAX (INT64_C(1) << 48)
int64_t bv_days_from_civil(int64_t year, unsigned month, unsigned day);
void bv_civil_from_days(int64_t days, int64_t *year, unsigned *month, unsigned *day);

#ifdef __cplusplus
}
#endif
#endif
