/* verify/compare.h - the comparison stage: a baseline measurement against one target.
 *
 *   bv_compare(baseline, target) appends a bv_divergence for every difference, in a stable
 *   order (check by check in BV_CHECK_* order, then by subject), so that two runs over the
 *   same measurements print the same report byte for byte. `verify A B C` is two calls:
 *   (A, B) and (A, C); the divergences carry both instance indices.
 *
 * Severity rules (docs/verify-compare.md has the full table):
 *
 *   drift      a real difference: data, tokens in use, counts, coverage, schema items missing
 *              or extra, constraint kinds changed, sampled nodes missing, extra or different,
 *              full-scan digests. Any drift makes the run exit 1.
 *   expected   a difference a migration makes on purpose and that loses nothing: BTREE (or a
 *              3.5 native-btree index) becoming RANGE, or TEXT / POINT on the same schema;
 *              token lookup indexes added (4.3+) or missing; index and constraint names and
 *              providers. Reported, never counted as drift.
 *   info       differences that are facts about the servers, not the data: version, edition,
 *              Bolt version, database names, and the property-key token list (a store copy
 *              drops tokens no entity uses any more, bolt-reference 9.1 and 10.2).
 *   ambiguous  cannot be decided from the wire: a property that differs and carries a
 *              canon note (verify/canon.h BV_NOTE_*: a time in a spring-forward gap or an
 *              unknown zone on either side; a zone datetime in a DST fall-back hour,
 *              bolt-reference 10.6, on both sides), or a node hash that differs with such a
 *              note and no field explains it; a fall-back value equal by wall clock when a
 *              side sent it in the legacy encoding (docs/sampling.md); a sampled key that is
 *              not unique, the same number of times on both sides. Never drift unless
 *              --strict.
 *
 * Only checks present in opts->checks AND measured on both sides (bv_measurement.checks) are
 * compared; deciding what to say about the others is the result's job (verify/result.h).
 *
 * Memory: divergences are appended to *out, which owns them (bv_divergences_free). The
 * measurements are only read.
 */
#ifndef VERIFY_COMPARE_H
#define VERIFY_COMPARE_H

#include <stddef.h>

#include "verify/model.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bv_compare_opts {
    unsigned checks; /* BV_CHECK_* to compare */
} bv_compare_opts;

/* Appends the divergences between baseline and target. Returns how many were appended, or
 * BOLT_E_NOMEM, in which case *out is exactly as it was before the call. */
int bv_compare(const bv_measurement *baseline, size_t baseline_index, const bv_measurement *target,
               size_t target_index, const bv_compare_opts *opts, bv_divergences *out);

/* ---- schema normalisation --------------------------------------------------------------------
 *
 * One row of db.indexes() / db.constraints() (3.5, 4.x) or SHOW INDEXES / SHOW CONSTRAINTS
 * (4.2+, 5.x), with the columns the measuring stage found (by name: NULL / 0 when absent).
 * bv_schema_normalize() turns it into a version-independent bv_schema_item:
 *
 *   index rows, `type` column:
 *     3.5 "node_label_property"              -> INDEX (node)
 *     3.5 "node_unique_property"             -> INDEX, owned (backs a uniqueness or key
 *                                               constraint)
 *     3.5 "node_fulltext" / "relationship_fulltext" -> FULLTEXT
 *     4.x "BTREE", 5.x "RANGE"               -> INDEX (kept apart by raw_type only: BTREE ->
 *                                               RANGE is an expected change)
 *     "TEXT", "POINT", "FULLTEXT", "LOOKUP", "VECTOR" -> the kind of the same name
 *     anything else                          -> OTHER, detail = the type string
 *   an index is owned when uniqueness is "UNIQUE" (4.x), owning_constraint is set (5.x: owner
 *   is its name) or the 3.5 type says unique.
 *   entity: entity_type "NODE" / "RELATIONSHIP" when present, else the 3.5 type's prefix.
 *   provider: the string, or the 3.5 map {key, version} given as provider_key and
 *   provider_version, joined "key-version" ("native-btree-1.0").
 *
 *   constraint rows:
 *     type "UNIQUENESS", "NODE_PROPERTY_UNIQUENESS", "RELATIONSHIP_[PROPERTY_]UNIQUENESS"
 *                                               -> UNIQUE
 *     "NODE_KEY", "RELATIONSHIP_KEY"          -> NODE_KEY
 *     "*_PROPERTY_EXISTENCE"                  -> EXISTS
 *     "*_PROPERTY_TYPE"                       -> TYPE, detail = property_type
 *     no type (3.5, 4.0-4.1 db.constraints()): the description is parsed:
 *       CONSTRAINT ON ( p:Person ) ASSERT p.uid IS UNIQUE            (also "(p.uid)")
 *       CONSTRAINT ON ( p:Person ) ASSERT (p.a, p.b) IS NODE KEY
 *       CONSTRAINT ON ( p:Person ) ASSERT exists(p.name)             (also "(p.name) IS NOT
 *                                                                      NULL")
 *       CONSTRAINT ON ()-[ r:LIKED ]-() ASSERT exists(r.day)
 *     identifiers may be back-quoted (`` inside stands for one `). A description that does
 *     not parse becomes OTHER with detail = the description: still compared, exactly.
 *
 * Tokens are stored sorted (the labels of one index are a set); properties keep the declared
 * order (a composite index on (a, b) is not one on (b, a)) except for FULLTEXT, where they are
 * a set and stored sorted.
 */
typedef enum bv_schema_row_source { BV_ROW_INDEX = 0, BV_ROW_CONSTRAINT = 1 } bv_schema_row_source;

typedef struct bv_schema_row {
    bv_schema_row_source source;
    const char *name;          /* indexName (3.5) / name */
    const char *type;          /* "node_label_property", "BTREE", "UNIQUENESS", ... */
    const char *entity_type;   /* "NODE" / "RELATIONSHIP" (4.x+) */
    const char *uniqueness;    /* "UNIQUE" / "NONUNIQUE" (4.x index rows) */
    const char *const *tokens; /* tokenNames (3.5) / labelsOrTypes */
    size_t token_count;
    const char *const *props; /* properties */
    size_t prop_count;
    const char *provider;     /* provider (4.x) / indexProvider (4.2+) string */
    const char *provider_key; /* 3.5: provider map {key, version} */
    const char *provider_version;
    const char *owning_constraint; /* 5.x SHOW INDEXES */
    const char *description;       /* 3.5/4.0-4.1 db.constraints() */
    const char *property_type;     /* 5.9+ SHOW CONSTRAINTS propertyType */
} bv_schema_row;

/* Fills *out (which it owns afterwards: bv_schema_item_free). 0 or BOLT_E_NOMEM (then *out
 * is zeroed). Never fails on content: see OTHER above. */
int bv_schema_normalize(const bv_schema_row *row, bv_schema_item *out);

/* Folds constraint-owned indexes into their constraints, in place: an owned index is removed
 * when a UNIQUE or NODE_KEY constraint on the same entity, tokens and properties is in the
 * list (the constraint takes the index's provider when it has none, so provider changes are
 * still reported); an owned index with no such constraint (the constraints were not listed)
 * becomes that UNIQUE constraint itself. *count is updated; removed items are freed.
 * 0 or BOLT_E_NOMEM. */
int bv_schema_fold(bv_schema_item *items, size_t *count);

/* "index :Person(name)", "uniqueness constraint :Person(uid)",
 * "existence constraint [:LIKED](day)", "lookup index (nodes)". Returns what snprintf would. */
int bv_schema_describe(const bv_schema_item *it, char *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif
