/* verify/model.h - what boltdiff measures on one instance, and the divergences between two.
 *
 * The engine is split in three so that a snapshot file can stand wherever a live instance can:
 *
 *   measure (live: catalog + scheduler over bolt/net; or snapshot reader)  -> bv_measurement
 *   compare (baseline measurement, target measurement)                      -> bv_divergence list
 *   report  (human, JSON, JUnit, Prometheus)                                <- bv_result
 *
 * A measurement owns all its memory (strings are copied in; bv_measurement_free releases all).
 * Everything in it is plain data: no bolt_value trees survive a query, values that must be
 * compared later are kept as canonical hashes plus a short canonical rendering for reports.
 */
#ifndef VERIFY_MODEL_H
#define VERIFY_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "verify/hash.h" /* bv_h128 */

#ifdef __cplusplus
extern "C" {
#endif

/* Checks, selectable with --checks. */
enum bv_check {
    BV_CHECK_INVENTORY = 1u << 0,
    BV_CHECK_TOKENS = 1u << 1,
    BV_CHECK_COUNTS = 1u << 2,
    BV_CHECK_SCHEMA = 1u << 3,
    BV_CHECK_COVERAGE = 1u << 4,
    BV_CHECK_SAMPLE = 1u << 5,
    BV_CHECK_FULL = 1u << 6,
    BV_CHECK_DEFAULT = 0x3Fu /* all but full */
};
#define BV_CHECK_ALL 0x7Fu
#define BV_CHECK_COUNT 7 /* number of checks; bit i is check i */
/* "inventory", "tokens", "counts", "schema", "coverage", "sample", "full" for one bit; "?" for
 * anything else. Static storage. */
const char *bv_check_name(unsigned check);
/* The bit of a check name (exact, lower case), or 0. */
unsigned bv_check_from_name(const char *name, size_t len);

/* A string -> count table (labels, types, property coverage, ...), sorted by key. */
typedef struct bv_count {
    char *key;
    int64_t count;
} bv_count;
typedef struct bv_counts {
    bv_count *items;
    size_t len, cap;
} bv_counts;

/* One index or constraint, normalised across db.indexes()/db.constraints() and SHOW. */
typedef enum bv_schema_kind {
    BV_SCHEMA_INDEX = 0, /* plain (range/btree) index */
    BV_SCHEMA_TEXT,      /* text index (5.x) */
    BV_SCHEMA_POINT,     /* point index (5.x) */
    BV_SCHEMA_FULLTEXT,
    BV_SCHEMA_LOOKUP, /* token lookup index (4.3+): expected on targets, never drift */
    BV_SCHEMA_VECTOR,
    BV_SCHEMA_UNIQUE,   /* uniqueness constraint */
    BV_SCHEMA_NODE_KEY, /* node key constraint */
    BV_SCHEMA_EXISTS,   /* property existence constraint */
    BV_SCHEMA_TYPE,     /* property type constraint (5.9+) */
    BV_SCHEMA_OTHER
} bv_schema_kind;
const char *bv_schema_kind_name(bv_schema_kind k);

typedef struct bv_schema_item {
    int is_relationship; /* 0 node, 1 relationship */
    bv_schema_kind kind;
    char **tokens; /* labels or relationship types, in declared order */
    size_t token_count;
    char **props; /* properties, in declared order */
    size_t prop_count;
    /* as reported, for information only (differences are "expected", never drift): */
    char *name;
    char *provider; /* "native-btree-1.0", "range-1.0" ... */
    char *raw_type; /* the server's own type string ("BTREE", "node_unique_property") */
    /* An index that backs a constraint (3.5 node_unique_property, 4.x uniqueness UNIQUE, 5.x
     * owningConstraint). bv_schema_fold() folds it into its constraint; compare never reports
     * it on its own. */
    int owned;
    char *owner; /* the owning constraint's name when the server said it, or NULL */
    /* compared: the property type of a property type constraint ("STRING", 5.9+); for
     * BV_SCHEMA_OTHER the server's type string or constraint description, so that an item
     * boltdiff does not understand is still compared exactly; NULL otherwise. */
    char *detail;
} bv_schema_item;
void bv_schema_item_free(bv_schema_item *it);

/* Property coverage: for each label (or relationship type), how many carry each key. */
typedef struct bv_coverage {
    char *token; /* label or relationship type */
    int is_relationship;
    bv_counts keys; /* property key -> entities carrying it */
} bv_coverage;

/* One sampled node, identified by its key.
 *
 * Fields explain a node hash mismatch. The kind keeps a property named "labels" apart from
 * the label set:
 *   BV_FIELD_PROPERTY  name = the property key, rendering = the canonical value text;
 *   BV_FIELD_LABELS    name = "labels", rendering = the sorted label set as ":A:B" (a label
 *                      that is not a plain identifier is back-quoted: ":`my label`");
 *   BV_FIELD_RELS      name = a relationship signature such as "KNOWS>" (outgoing) or
 *                      "KNOWS<" (incoming), rendering = its summary ("2 relationships").
 * Fields are sorted by (kind, name) in byte order. */
typedef enum bv_field_kind {
    BV_FIELD_PROPERTY = 0,
    BV_FIELD_LABELS = 1,
    BV_FIELD_RELS = 2
} bv_field_kind;

typedef struct bv_field_hash {
    bv_field_kind kind;
    char *name;
    bv_h128 hash;
    char *rendering; /* short canonical text of the value, for reports (may be NULL) */
    unsigned notes;  /* BV_NOTE_* (verify/canon.h) of this value */
} bv_field_hash;

typedef struct bv_sample_node {
    char *label;    /* the sampled label */
    char *key_prop; /* the key property used to match */
    char *key_text; /* canonical rendering of the key value (also the matching identity) */
    bv_h128 key_hash;
    bv_h128 node_hash;     /* labels + properties + relationship signature */
    bv_field_hash *fields; /* per-field hashes for explanations, sorted by (kind, name) */
    size_t field_count;
    unsigned notes; /* BV_NOTE_* from canon.h (ambiguous DST ...) */
    int missing;    /* 1: the key was looked up and not found on this instance */
} bv_sample_node;
/* An entry whose key_prop is NULL is not a node but a note about its label, reported as info:
 * in `sample`, the label was not sampled (no key); in `full_nodes`, its divergent nodes were
 * not all isolated. key_text says why ("no key"). */

typedef struct bv_inventory {
    char *address;      /* as given (no credentials) */
    char *server_agent; /* "Neo4j/4.4.40" */
    char *version;      /* dbms.components() versions[0] */
    char *edition;
    char *bolt_version; /* "4.4" */
    char *database;     /* the database measured */
    char **databases;   /* SHOW DATABASES names (4.0+), else NULL */
    size_t database_count;
} bv_inventory;

typedef struct bv_measurement {
    unsigned checks; /* BV_CHECK_* actually measured */
    bv_inventory inventory;
    bv_counts labels; /* db.labels(): labels in use -> 1 (set) */
    bv_counts rel_types;
    bv_counts prop_keys; /* token list, information only */
    int64_t node_count, rel_count;
    bv_counts label_counts; /* "Person" -> n */
    bv_counts type_counts;  /* "KNOWS" -> n */
    bv_counts out_counts;   /* "(:Person)-[:KNOWS]->()" -> n */
    bv_counts in_counts;    /* "()-[:KNOWS]->(:Person)" -> n */
    bv_schema_item *schema;
    size_t schema_count;
    bv_coverage *coverage;
    size_t coverage_count;
    bv_sample_node *sample;
    size_t sample_count;
    /* full check: per label order-independent digest of every node */
    bv_counts full_labels; /* label -> nodes hashed */
    bv_h128 *full_digests; /* parallel to full_labels.items */
    /* full check, bisection (verify/sample.h): the nodes of the key-hash buckets whose digests
     * differed between the baseline and some target, on every instance, so that compare can
     * name the divergent ones; fields only for the first few */
    bv_sample_node *full_nodes;
    size_t full_node_count;
    /* provenance */
    uint64_t seed;
    uint32_t sample_size;
    char *source;        /* URI (no credentials) or snapshot path */
    int64_t measured_at; /* unix seconds */
} bv_measurement;

void bv_measurement_init(bv_measurement *m);
/* Frees everything the measurement owns and leaves it initialised (safe to call twice). */
void bv_measurement_free(bv_measurement *m);
void bv_sample_node_free(bv_sample_node *n);

/* bv_counts helpers (keys copied). add accumulates; set overwrites. 0 or BOLT_E_NOMEM. */
int bv_counts_add(bv_counts *c, const char *key, int64_t n);
int bv_counts_set(bv_counts *c, const char *key, int64_t n);
const bv_count *bv_counts_find(const bv_counts *c, const char *key);
void bv_counts_sort(bv_counts *c);
void bv_counts_free(bv_counts *c);

/* ---- divergences ---- */

typedef enum bv_severity {
    BV_SEV_DRIFT = 0, /* a real difference: exit 1 */
    BV_SEV_EXPECTED,  /* a difference a migration makes on purpose (BTREE -> RANGE, lookup indexes)
                       */
    BV_SEV_INFO,      /* reported, never counted (property-key tokens, versions) */
    BV_SEV_AMBIGUOUS  /* cannot be decided from the wire (DST fall-back hour on legacy encoding) */
} bv_severity;
#define BV_SEV_COUNT 4
const char *bv_severity_name(bv_severity s); /* "drift", "expected", "info", "ambiguous" */

typedef struct bv_divergence {
    unsigned check; /* BV_CHECK_* */
    bv_severity severity;
    size_t baseline; /* instance indices */
    size_t target;
    char *kind;           /* stable machine word: "count", "missing_node", "property_changed",
                             "property_added", "property_removed", "label_added",
                             "label_removed", "relationships_changed", "index_missing",
                             "constraint_missing", "token_missing", "coverage", ... */
    char *subject;        /* what: "label Person", "Person{uid: 17}.name", "index :Person(name)" */
    char *baseline_value; /* rendering, or NULL when absent */
    char *target_value;
    char *message; /* one readable line */
} bv_divergence;

typedef struct bv_divergences {
    bv_divergence *items;
    size_t len, cap;
} bv_divergences;

/* Appends one divergence; every string is copied (NULL values stay NULL) and the message is
 * formatted printf-style. 0 or BOLT_E_NOMEM (then nothing was appended). */
int bv_divergences_add(bv_divergences *d, unsigned check, bv_severity sev, size_t baseline,
                       size_t target, const char *kind, const char *subject,
                       const char *baseline_value, const char *target_value, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 10, 11)))
#endif
    ;
/* Drops (and frees) every divergence from index len on: the rollback of a failed compare. */
void bv_divergences_truncate(bv_divergences *d, size_t len);
void bv_divergences_free(bv_divergences *d);

/* 32 lower-case hex digits, high half first (as verify/hash.h prints digests). */
void bv_h128_format(bv_h128 h, char out[33]);

#ifdef __cplusplus
}
#endif
#endif
