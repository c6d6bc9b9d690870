/* verify/canon.h - canonical form, XXH3-128 hashes and readable renderings of Bolt values.
 *
 * The verifier must give the same hash to the same stored value whatever server and Bolt
 * version it was read from: Neo4j 3.5 over Bolt 3, 4.4 with or without the "utc" patch, 5.x
 * over Bolt 5. The encodings differ (bolt-reference 5.2, 5.3: legacy F/f DateTimes carry the
 * local wall clock, I/i carry UTC), so values are hashed through a canonical, type-tagged
 * byte stream, never by their wire bytes. The exact rules are in docs/canonical-values.md;
 * the short version:
 *
 *   - integers, floats, strings, bytes, lists, maps, null, booleans are all distinct types
 *     (1 != 1.0, "a" != bytes 61, [] != {});
 *   - every NaN is one NaN; -0.0 stays distinct from 0.0 (Neo4j stores and returns it) unless
 *     BV_CANON_FOLD_NEGZERO;
 *   - maps are hashed with keys sorted bytewise (duplicate keys: the last one wins); lists
 *     keep their order;
 *   - nodes: labels as a sorted set + properties (ids and element ids ignored); relationships:
 *     type + properties (+ caller-given endpoint keys); paths: the sequence with directions;
 *   - DateTime with offset -> (UTC seconds, nanos, offset), from F and I alike;
 *   - DateTime with zone id -> (local wall-clock seconds, nanos, zone id as stored), from f as
 *     given and from i through the tz database; a local time in a fall-back overlap is noted
 *     BV_NOTE_AMBIGUOUS_DST on both encodings so that the engine reports "ambiguous", never
 *     "drift";
 *   - the first byte hashed is BV_CANON_FORMAT, bumped whenever any rule changes, so that
 *     hashes stored in snapshots can never be compared across incompatible rules.
 *
 * Conditions in the data are reported as notes (BV_NOTE_*), OR-ed into *notes, and the hash is
 * still produced. Errors (negative BOLT_E_* codes) are only for unusable input or resources:
 *   BOLT_E_BAD_STRUCT  a structure whose fields have the wrong count or types (hand-built
 *                      trees; the decoder never produces them), or a Path with bad indices,
 *                      or a DateTime whose seconds overflow when converted;
 *   BOLT_E_MAP_KEY     a map key that is not a string;
 *   BOLT_E_TOO_DEEP    nesting deeper than BV_CANON_MAX_DEPTH;
 *   BOLT_E_NOMEM       allocation failed (only maps with many entries allocate);
 *   BOLT_E_INVAL       NULL arguments, an unknown bolt_type, a too small output array.
 *
 * Memory: nothing returned is allocated; the fields of bv_canon_field point into the value
 * tree given. Temporary memory (sorting big maps) comes from bolt_malloc and is freed before
 * return. Threads: a bv_canon may be used from one thread at a time, because its tz database
 * fills its cache (see verify/tzdb.h); values are only read.
 */
#ifndef VERIFY_CANON_H
#define VERIFY_CANON_H

#include <stddef.h>
#include <stdint.h>

#include "bolt/packstream.h"
#include "bolt/value.h"
#include "verify/hash.h"
#include "verify/tzdb.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Format of the canonical byte stream; the first byte of every hash input. */
#define BV_CANON_FORMAT 1

/* Deepest nesting accepted: the decoder's own hard ceiling (bolt/packstream.h). */
#define BV_CANON_MAX_DEPTH 1000

/* bv_canon.flags */
enum bv_canon_flag {
    /* Hash -0.0 as 0.0 (floats and point coordinates). Off by default: Neo4j keeps -0.0, so a
     * migration that turned it into 0.0 changed a stored value. */
    BV_CANON_FOLD_NEGZERO = 1u << 0,
    /* Hash zone-id DateTimes by their UTC instant (utc seconds, nanos, zone) instead of the
     * local wall clock. Exact when every compared instance sends I/i (Bolt 5, or 4.4 with the
     * utc patch): two different instants of a fall-back overlap then differ. A legacy f value
     * is converted with the tz database (java.time's choice: the earlier instant of an
     * overlap, a gap time moved forward) and still noted. Never mix hashes of both modes. */
    BV_CANON_ZONE_INSTANT = 1u << 1
};

/* Notes: facts about the data that the engine must report instead of calling a mismatch
 * drift. OR-ed into *notes by every function that takes a notes pointer (may be NULL). */
enum bv_note {
    /* A zone-id DateTime whose local time falls in a fall-back overlap (two instants). Legacy
     * f values cannot say which one was stored; i values get the note too so both sides of a
     * comparison agree on it. */
    BV_NOTE_AMBIGUOUS_DST = 1u << 0,
    /* A legacy f DateTime whose local time falls in a spring-forward gap: no server would
     * store it with the same tz rules, so the server's tz data differs from ours. */
    BV_NOTE_DST_GAP = 1u << 1,
    /* A zone id that the tz database does not know (or no tz database was given). The value is
     * still hashed (f: by its local time; i: by its UTC instant), but f and i encodings of it
     * cannot be matched. */
    BV_NOTE_UNKNOWN_ZONE = 1u << 2,
    /* The zone's TZif file exists but could not be read or parsed; handled as unknown. */
    BV_NOTE_TZ_ERROR = 1u << 3
};
#define BV_NOTE_ALL 0x0Fu

/* Static name of one note bit ("ambiguous-dst", ...), "unknown" for anything else. */
const char *bv_note_name(unsigned note);
/* Comma-separated names of every bit set ("ambiguous-dst,unknown-zone"), snprintf-style:
 * always NUL-terminated, returns the length needed. */
size_t bv_notes_format(unsigned notes, char *buf, size_t size);

typedef struct bv_canon {
    bv_tzdb *tzdb;  /* borrowed; NULL: every zone-id DateTime is noted BV_NOTE_UNKNOWN_ZONE */
    unsigned flags; /* BV_CANON_* */
} bv_canon;

/* XXH3-128 of BV_CANON_FORMAT followed by the canonical encoding of v. */
int bv_canon_hash128(const bv_canon *c, const bolt_value *v, bv_h128 *out, unsigned *notes);

/* The same hash straight from PackStream bytes, without decoding them into a tree: the fast
 * path for streams of records (a RECORD's field bytes, see bolt_session_set_raw_records). p[0..n)
 * starts with one value as the decoder d (its dialect, max_depth and arena; flags must be 0,
 * the session's) would decode it; bytes after that value are not looked at.
 *
 * Returns 0 with *out = bv_canon_hash128 of the decoded value, *used = the value's length and
 * its notes OR-ed into *notes. Returns BV_CANON_SCAN_DECLINED (positive) when the bytes are not a
 * value the decoder accepts, or the tree encoder would fail on it, or d->flags is not 0, or d
 * has no dialect or no arena (bolt_decode refuses those too): the
 * caller then decodes as usual and calls bv_canon_hash128, which gives the answer (the hash,
 * or the error). BOLT_E_NOMEM when hashing a decoded sub-value ran out of memory; BOLT_E_INVAL
 * for NULL arguments.
 *
 * Scalars, lists, maps, Nodes and the temporal/spatial structures that carry only numbers are
 * read in place; any other structure (zone-id DateTimes, relationships, paths, ...) and unusual
 * cases (repeated keys, big maps, deep nesting) are decoded into d->arena (which the caller
 * resets) and encoded by the tree encoder, so equal results are by construction, and checked on
 * arbitrary bytes by tests/fuzz/fuzz_canon_scan.c. Keeps a per-thread guess of the last property
 * key order (a hint that is always checked). */
#define BV_CANON_SCAN_DECLINED 1
int bv_canon_scan_hash128(const bv_canon *c, const bolt_decoder *d, const uint8_t *p, size_t n,
                          size_t *used, bv_h128 *out, unsigned *notes);

/* Appends the canonical encoding of v (no format byte) to a caller's stream, to build
 * composite hashes (e.g. a node together with its relationship signatures). Start such a
 * stream with the BV_CANON_FORMAT byte too. */
int bv_canon_write(const bv_canon *c, const bolt_value *v, bv_hasher *h, unsigned *notes);

/* A node given as parts (RETURN labels(n), properties(n)): the same hash as the NODE value
 * with these labels and properties. labels: LIST of STRING; props: MAP. */
int bv_canon_node_hash128(const bv_canon *c, const bolt_value *labels, const bolt_value *props,
                          bv_h128 *out, unsigned *notes);

/* A relationship (RELATIONSHIP or UNBOUND_RELATIONSHIP value) for a relationship signature:
 * type + properties + the keys of its endpoints as the caller identifies them (e.g. the
 * canonical hash of each end node's business key). start_key / end_key may be NULL (not part
 * of the signature); hashing the value alone with bv_canon_hash128 equals passing both NULL. */
int bv_canon_rel_hash128(const bv_canon *c, const bolt_value *rel, const bv_h128 *start_key,
                         const bv_h128 *end_key, bv_h128 *out, unsigned *notes);
/* The same from parts (RETURN type(r), properties(r)): type STRING, props MAP. */
int bv_canon_rel_parts_hash128(const bv_canon *c, const bolt_value *type, const bolt_value *props,
                               const bv_h128 *start_key, const bv_h128 *end_key, bv_h128 *out,
                               unsigned *notes);

/* Per-field hashes of a map (a node's properties), for field-by-field explanations. */
typedef struct bv_canon_field {
    const char *key; /* into the map's key string; not NUL-terminated */
    uint32_t keylen;
    const bolt_value *value; /* the winning (last) value of this key */
    bv_h128 hash;            /* bv_canon_hash128 of value */
    unsigned notes;          /* notes of this value alone */
} bv_canon_field;

/* Fills out[] with one entry per distinct key of map, sorted bytewise by key (the order of
 * the canonical map encoding), and returns how many. out is also the sorting area, so cap
 * must be at least map->len (entries including duplicates), else BOLT_E_INVAL. Notes of all
 * fields are also OR-ed into *notes. */
int bv_canon_fields(const bv_canon *c, const bolt_value *map, bv_canon_field *out, size_t cap,
                    unsigned *notes);

/* One-line canonical rendering for reports, snprintf-style (always NUL-terminated when size >
 * 0; returns the length needed). Equal canonical values render equally where it matters:
 * maps by sorted keys, node labels sorted, datetimes in ISO 8601 as java.time prints them
 * with the zone: "2021-10-31T02:30:00+01:00[Europe/Berlin]"; an ambiguous legacy value
 * "2021-10-31T02:30:00[Europe/Berlin] (ambiguous: +02:00 or +01:00)". Strings are quoted
 * with JSON escapes; floats print the shortest text that reads back to the same double,
 * always with a '.' or an exponent (1.0, -0.0, NaN, Infinity); bytes as bytes(00ff). */
size_t bv_canon_format(const bv_canon *c, const bolt_value *v, char *buf, size_t size);

#ifdef __cplusplus
}
#endif
#endif
