/* Internals shared by the snapshot writer (snapshot_write.c), reader (snapshot_read.c) and the
 * file layer (snapshot.c). The payload layout is documented in docs/snapshots.md; the field
 * names below are the format: renaming one is a format version change. */
#ifndef VERIFY_SNAPSHOT_INTERNAL_H
#define VERIFY_SNAPSHOT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "verify/model.h"

/* Top-level payload fields, in the order the writer emits them. Every one is required. */
#define SNAP_TOP_FIELDS(X)                                                                         \
    X(CANON, "canon")                                                                              \
    X(TOOL, "tool")                                                                                \
    X(CHECKS, "checks")                                                                            \
    X(INVENTORY, "inventory")                                                                      \
    X(LABELS, "labels")                                                                            \
    X(REL_TYPES, "rel_types")                                                                      \
    X(PROP_KEYS, "prop_keys")                                                                      \
    X(NODE_COUNT, "node_count")                                                                    \
    X(REL_COUNT, "rel_count")                                                                      \
    X(LABEL_COUNTS, "label_counts")                                                                \
    X(TYPE_COUNTS, "type_counts")                                                                  \
    X(OUT_COUNTS, "out_counts")                                                                    \
    X(IN_COUNTS, "in_counts")                                                                      \
    X(SCHEMA, "schema")                                                                            \
    X(COVERAGE, "coverage")                                                                        \
    X(SAMPLE, "sample")                                                                            \
    X(FULL, "full")                                                                                \
    X(FULL_NODES, "full_nodes")                                                                    \
    X(SEED, "seed")                                                                                \
    X(SAMPLE_SIZE, "sample_size")                                                                  \
    X(SOURCE, "source")                                                                            \
    X(MEASURED_AT, "measured_at")

#define SNAP_INVENTORY_FIELDS(X)                                                                   \
    X(ADDRESS, "address")                                                                          \
    X(SERVER_AGENT, "server_agent")                                                                \
    X(VERSION, "version")                                                                          \
    X(EDITION, "edition")                                                                          \
    X(BOLT_VERSION, "bolt_version")                                                                \
    X(DATABASE, "database")                                                                        \
    X(DATABASES, "databases")

#define SNAP_SCHEMA_FIELDS(X)                                                                      \
    X(REL, "rel")                                                                                  \
    X(KIND, "kind")                                                                                \
    X(TOKENS, "tokens")                                                                            \
    X(PROPS, "props")                                                                              \
    X(NAME, "name")                                                                                \
    X(PROVIDER, "provider")                                                                        \
    X(RAW_TYPE, "raw_type")                                                                        \
    X(OWNED, "owned")                                                                              \
    X(OWNER, "owner")                                                                              \
    X(DETAIL, "detail")

#define SNAP_COVERAGE_FIELDS(X)                                                                    \
    X(TOKEN, "token")                                                                              \
    X(REL, "rel")                                                                                  \
    X(KEYS, "keys")

#define SNAP_TOP_ENUM(name, text) SNAP_F_##name,
#define SNAP_INV_ENUM(name, text) SNAP_I_##name,
#define SNAP_SCH_ENUM(name, text) SNAP_S_##name,
#define SNAP_COV_ENUM(name, text) SNAP_C_##name,
enum snap_top { SNAP_TOP_FIELDS(SNAP_TOP_ENUM) SNAP_TOP_COUNT };
enum snap_inv { SNAP_INVENTORY_FIELDS(SNAP_INV_ENUM) SNAP_INV_COUNT };
enum snap_schema { SNAP_SCHEMA_FIELDS(SNAP_SCH_ENUM) SNAP_SCHEMA_COUNT };
enum snap_cov { SNAP_COVERAGE_FIELDS(SNAP_COV_ENUM) SNAP_COV_COUNT };
#undef SNAP_TOP_ENUM
#undef SNAP_INV_ENUM
#undef SNAP_SCH_ENUM
#undef SNAP_COV_ENUM

extern const char *const snap_top_names[SNAP_TOP_COUNT];
extern const char *const snap_inv_names[SNAP_INV_COUNT];
extern const char *const snap_schema_names[SNAP_SCHEMA_COUNT];
extern const char *const snap_cov_names[SNAP_COV_COUNT];

/* Positional records (the bulky part of a file: no field names repeated per node):
 *   sample node  [label, key_prop, key_text, key_hash, node_hash, notes, missing, fields]
 *                (the entries of "sample" and of "full_nodes")
 *   field        [kind, name, hash, rendering, notes]
 *   full entry   [label, nodes, digest] */
#define SNAP_NODE_LEN 8
#define SNAP_FIELD_LEN 5
#define SNAP_FULL_LEN 3

/* s[0..n) for a one-line message: control characters, DEL and backslash as \xNN, at most len
 * bytes with the NUL (cut short when needed). Text from a file or a server never breaks a line. */
void snap_printable(char *out, size_t len, const char *s, size_t n);
/* The same for a NUL-terminated string, into a static-size buffer of the caller. */
#define SNAP_SHOW(buf, s) (snap_printable((buf), sizeof(buf), (s), strlen(s)), (buf))

/* The payload (no header) of m, appended to a buffer grown with bolt_realloc: *out, *len.
 * 0, BOLT_E_NOMEM or BOLT_E_INVAL (with err). */
int snap_encode_payload(const bv_measurement *m, uint8_t **out, size_t *len, size_t reserve,
                        char *err, size_t errlen);

/* Decodes a payload into m (initialised by the caller; the caller frees it on failure). */
int snap_decode_payload(const uint8_t *p, size_t len, bv_measurement *m, char *err, size_t errlen);

#endif
