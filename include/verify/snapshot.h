/* verify/snapshot.h - snapshot files: one instance's measurement (verify/model.h) on disk.
 *
 *   boltdiff snapshot bolt://old:7687 -o before.snap     # measure once, keep the file
 *   boltdiff verify before.snap neo4j+s://new:7687        # compare it later with a live instance
 *
 * A snapshot holds everything `verify` measures for one instance (every field of
 * bv_measurement: inventory, tokens, counts, schema, coverage, the sampled nodes with their
 * key, node and per-field hashes, full-check digests, seed, sample size, source, time), so
 * that a snapshot can stand wherever a live instance can. docs/snapshots.md describes the
 * file format and the compatibility promise; in short:
 *
 *   offset  size  field
 *        0    14  magic "BOLTDIFF-SNAP\0"
 *       14     2  format version, big-endian (BV_SNAPSHOT_VERSION)
 *       16     8  payload length in bytes, big-endian
 *       24    16  XXH3-128 of bytes 0..23 and of the payload, high 64 bits first, big-endian
 *       40     n  payload: one msgpack map (written with msgpack-c)
 *
 * Reading checks, in this order, and stops at the first problem with a one-line message:
 * the magic (an empty or foreign file is "not a boltdiff snapshot"), the version (a newer one
 * is refused naming both versions; 0 is invalid), the length against the file size
 * (truncated, or bytes after the payload), the checksum, then every field of the payload: its
 * msgpack type, its bounds (enumerations, check bits, note bits, non-negative counts, sorted
 * unique count keys, valid UTF-8 without NUL), and the canonical hash format the hashes were
 * made with (BV_CANON_FORMAT: hashes of another format can never be compared). No length in
 * the file is trusted: an array or string is only allocated after its declared size was
 * checked against the bytes that remain, so memory stays proportional to the file size.
 *
 * Writing goes to a temporary file created with mkstemp() in the destination's directory,
 * which is written, fsync()ed and renamed over the destination (and the directory synced),
 * so a crash or a full disk never leaves half a snapshot under the final name. The file is
 * created with mode 0600: it holds sampled property values.
 *
 * Return codes: 0, or BOLT_E_IO (open/read/write/rename failed: errno's text in err),
 * BOLT_E_NOMEM, BOLT_E_SNAPSHOT (not a snapshot, or a payload field of the wrong type or out
 * of bounds), BOLT_E_TRUNCATED (the file ends before the length its header gives),
 * BOLT_E_TRAILING (bytes after it), BOLT_E_UNSUPPORTED (a newer format version, or hashes of
 * another canonical format), BOLT_E_CHECKSUM. Every failure writes one line to err (when err
 * is not NULL and errlen > 0).
 *
 * Memory: a decoded measurement owns all its memory (bv_measurement_free()); on failure the
 * output measurement is left initialised and empty, nothing leaks. Encoded buffers come from
 * bolt_malloc (bolt_free()). Everything allocates through bolt/alloc.h.
 */
#ifndef VERIFY_SNAPSHOT_H
#define VERIFY_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#include "bolt/alloc.h"
#include "bolt/value.h"
#include "verify/model.h"
#include "verify/options.h"
#include "verify/result.h"

#ifdef __cplusplus
extern "C" {
#endif

#define BV_SNAPSHOT_MAGIC "BOLTDIFF-SNAP" /* followed by its NUL: 14 bytes */
#define BV_SNAPSHOT_MAGIC_LEN 14
#define BV_SNAPSHOT_HEADER_LEN 40
#define BV_SNAPSHOT_VERSION 1 /* the format this build writes, and the newest it reads */

/* Encodes m (header included) into a new buffer *out of *outlen bytes (bolt_free() it). The
 * encoding is canonical: count tables are written sorted by key, so one measurement always
 * gives the same bytes. 0, BOLT_E_NOMEM, or BOLT_E_INVAL for a measurement that cannot be
 * stored (NULL where a string is required, a string with a NUL byte, a negative count, an
 * enumeration out of range), with one line in err. */
int bv_snapshot_encode(const bv_measurement *m, uint8_t **out, size_t *outlen, char *err,
                       size_t errlen);

/* Decodes a whole snapshot image (header included) into *m (initialised here). */
int bv_snapshot_decode(const uint8_t *data, size_t len, bv_measurement *m, char *err,
                       size_t errlen);

/* Encodes m and writes it atomically to path (see above). err names the path. */
int bv_snapshot_write(const char *path, const bv_measurement *m, char *err, size_t errlen);

/* Reads and decodes the file at path into *m (initialised here). err names the path. */
int bv_snapshot_read(const char *path, bv_measurement *m, char *err, size_t errlen);

/* ---- snapshots as verify instances ------------------------------------------------------------
 *
 * An instance argument that contains "://" is a URI; anything else is a snapshot path. */
int bv_snapshot_is_path(const char *instance);

/* Loads every instance of o that is a snapshot path into r->instances[i].m, for
 * bv_measure_all(). A path that does not exist, a file that is not a snapshot or a bad one
 * stops the run: a negative code with one line in err naming the instance (`boltdiff verify`
 * exits 2). For every check of o->checks that a snapshot does not hold, the instance gets
 * bv_result_unchecked(..., exit class 0, "not in the snapshot ...").
 *
 * Sample keys: live instances must look up the keys of the snapshot sample (see
 * bv_snapshot_sample_source()). When the baseline and a target are both snapshots that
 * sampled different keys, only the keys both of them hold are compared: a key that the other
 * snapshot never looked up is neither missing nor present there, so both measurements drop it
 * (a note on stderr says how many) instead of reporting a false "missing on target".
 * Returns the number of snapshot instances loaded, or a negative code. */
int bv_snapshot_load_instances(const bv_options *o, bv_result *r, char *err, size_t errlen);

/* The key value of a sampled node of a snapshot, for the live instances to look up: rebuilt
 * from its canonical rendering (key_text) and accepted only when it renders back to key_text
 * byte for byte and hashes to key_hash. Keys of every type a live sample can hold are rebuilt
 * (booleans, integers, floats, strings, bytes, lists, dates, times, local date-times,
 * durations, points). The value (strings, lists) is allocated in arena a. 0, BOLT_E_NOMEM, or
 * BOLT_E_UNSUPPORTED (a label-level note entry, or a rendering that cannot be rebuilt).
 * bv_snapshot_load_instances() already dropped, with a note, the nodes whose keys fail. */
int bv_snapshot_key_value(const bv_sample_node *n, bolt_arena *a, bolt_value *out);

/* Appends to keys (verify/sample.h, initialised by the caller) one list per (label, key
 * property) of src's sampled nodes, missing ones included, each key once, rebuilt with
 * bv_snapshot_key_value() (a key that cannot be rebuilt is left out). This is what the fetch
 * phase of the sample check (verify/measure_sample.c) looks up on every live instance when a
 * snapshot holds the sample. 0, BOLT_E_NOMEM, or BOLT_E_INVAL from bv_sample_keys_add_values. */
struct bv_sample_keys;
int bv_snapshot_sample_keys(const bv_measurement *src, struct bv_sample_keys *keys);

/* The measurement whose sampled keys every live instance must look up instead of choosing
 * its own sample: the baseline when it is a snapshot, else the first target that is one, else
 * NULL (no snapshot: the baseline samples live). Call after bv_snapshot_load_instances(). The
 * measurement is owned by r. */
const bv_measurement *bv_snapshot_sample_source(const bv_options *o, const bv_result *r);

#ifdef __cplusplus
}
#endif
#endif
