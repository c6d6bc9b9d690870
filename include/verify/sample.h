/* verify/sample.h - the sample and full checks: which nodes are compared, how one node becomes
 * a key-matched hash with field-by-field detail, and the phases that measure them over the
 * scheduler (verify/scheduler.h). docs/sampling.md explains the choices and their bias.
 *
 * Sample (default on). Per label, a key: `--key Label.prop`, else a single-property node key or
 * uniqueness constraint of the BASELINE's schema, else (with --match-by-id) the internal id,
 * else the label is "not sampled: no key" (a note entry, verify/model.h). The keys to compare
 * are chosen on the baseline only, deterministically from the seed:
 *
 *   bv_key_plan_build()   labels -> key property
 *   choice (baseline)     which keys, as a bv_sample_keys (see "selection" below)
 *   fetch (every instance, the baseline too): the nodes of exactly those keys,
 *                         UNWIND $keys ... MATCH (n:L {p: k}) in batches (index seeks)
 *
 * The phases run inside the measuring stage (verify/measure_sample.c, measure_full.c, through
 * verify/measure_internal.h). The key list is the only thing the fetch takes from the choice, so
 * a baseline read from a snapshot can hand its stored keys (bv_sample_keys_add_values) to the
 * fetch for the live instances to probe.
 *
 * Selection on the baseline. A label of at most BV_SAMPLE_SCAN_FACTOR x sample-size nodes is read
 * whole (its keys only, from the key's index) and the sample-size keys of smallest seeded rank
 * are kept: a uniform sample without replacement (bottom-k). A bigger label is sampled through
 * seeded id windows `id(n) IN range($lo, $hi)` (NodeByIdSeek), visited in a seeded pseudo-random
 * order until enough keys were seen, then bottom-k among them; when the label is so sparse in
 * the id space that the windows would seek more ids than a key scan reads, the key scan is used.
 *
 * One node -> bv_sample_node: labels (sorted set), every property (per-field hash and a short
 * rendering) and, per relationship type and direction ("KNOWS>" outgoing, "KNOWS<" incoming),
 * a relationship signature: the count and an order-independent digest (bv_multiset) of
 * (type, properties, neighbour identity), the neighbour identified by the key of its first
 * keyed label in byte order (or its id with --match-by-id). Ids and element ids never enter a
 * hash. node_hash covers all of it; the same node hashes the same from 3.5, 4.4 (either DateTime
 * encoding) and 5.x (verify/canon.h).
 *
 * Full (opt-in, --checks ...,full). Every node of every label is hashed as above and added to a
 * per-label bv_multiset in BV_FULL_BUCKETS-ish buckets by key hash; the label digest is the sum
 * of its buckets (bv_measurement.full_labels / full_digests). Scans are partitioned by id range
 * over the K connections of each instance. When a target's digest differs, the buckets that
 * differ are scanned again keeping each node's key and hash (bounded by BV_FULL_KEEP_MAX nodes),
 * which names the divergent nodes; the first BV_FULL_NAMES per label are fetched again with
 * their fields so that they are explained field by field (bv_measurement.full_nodes).
 *
 * Errors: functions return 0 or a negative BOLT_E_* code.
 *
 * Memory: every structure here owns its memory (bolt_malloc) and has a _free function; values
 * given to the functions are only read (keys are deep-copied).
 */
#ifndef VERIFY_SAMPLE_H
#define VERIFY_SAMPLE_H

#include <stddef.h>
#include <stdint.h>

#include "bolt/alloc.h"
#include "bolt/value.h"
#include "verify/canon.h"
#include "verify/model.h"
#include "verify/options.h"

#ifdef __cplusplus
extern "C" {
#endif

/* key_prop of nodes matched by internal id (--match-by-id): never a property name. */
#define BV_KEY_PROP_ID "id()"
/* Keys per fetch query. */
#define BV_SAMPLE_FETCH_BATCH 250u
/* A label of at most this many times the sample size is read whole (keys only). */
#define BV_SAMPLE_SCAN_FACTOR 100u
/* Ids per sampling window at most (the server builds range($lo, $hi) as a list). */
#define BV_SAMPLE_WINDOW_MAX 65536u
/* Longest rendering kept for a field; longer ones are cut and end with their hash. */
#define BV_RENDER_MAX 160u
/* Full check: key-hash buckets per label (the same on every instance), nodes kept for
 * bisection per label and instance at most, divergent nodes named per label and pair. */
#define BV_FULL_BUCKETS_MIN 256u
#define BV_FULL_BUCKETS_MAX 65536u
#define BV_FULL_KEEP_MAX 200000u
#define BV_FULL_NAMES 20u
/* Full check: ids per partition of a partitioned scan. */
#define BV_FULL_PARTITION 10000u

/* ---- which property matches the nodes of a label ----------------------------------------- */

typedef enum bv_key_source {
    BV_KEY_NONE = 0, /* not sampled */
    BV_KEY_OPTION,   /* --key Label.prop */
    BV_KEY_NODE_KEY, /* single-property node key constraint (exists and unique) */
    BV_KEY_UNIQUE,   /* single-property uniqueness constraint (or the index it owns) */
    BV_KEY_ID        /* --match-by-id: internal id */
} bv_key_source;
/* "none", "--key", "node key", "uniqueness constraint", "internal id". Static storage. */
const char *bv_key_source_name(bv_key_source s);

typedef struct bv_label_key {
    char *label;
    char *prop; /* BV_KEY_PROP_ID for BV_KEY_ID; NULL for BV_KEY_NONE */
    bv_key_source source;
    int64_t count; /* nodes with the label on the baseline (count store), -1 when unknown */
    int in_use;    /* 0: given with --key but not in use on the baseline */
} bv_label_key;

typedef struct bv_key_plan {
    bv_label_key *items; /* sorted by label, byte order */
    size_t len;
} bv_key_plan;

/* Every label in use on the baseline (its `labels` token list and `label_counts`), and every
 * label named by --key, with the key it is matched by. A --key wins over the schema; among
 * constraints a node key wins over a uniqueness constraint, then the smaller property name.
 * 0 or BOLT_E_NOMEM (*out is then empty). */
int bv_key_plan_build(const bv_key_spec *keys, size_t key_count, int match_by_id,
                      const bv_measurement *baseline, bv_key_plan *out);
const bv_label_key *bv_key_plan_find(const bv_key_plan *p, const char *label);
void bv_key_plan_free(bv_key_plan *p);

/* ---- seeded selection ---------------------------------------------------------------------- */

/* A pseudo-random permutation of [0, n), from the seed: a 4-round Feistel network on the next
 * power of two, cycle-walking back into range (about 2 steps at most on average). */
typedef struct bv_perm {
    uint64_t n;
    unsigned half_bits;
    uint64_t keys[4];
} bv_perm;
void bv_perm_init(bv_perm *p, uint64_t n, uint64_t seed);
/* The i-th element (i < n) of the permutation. */
uint64_t bv_perm_at(const bv_perm *p, uint64_t i);

/* The seed of one label: the run's seed mixed with the label name, so that labels sample
 * independently and adding a label does not change the others' samples. */
uint64_t bv_label_seed(uint64_t seed, const char *label);

/* Id windows over [lo, hi] for a label of `nodes` nodes, aiming at `want` keys. */
typedef struct bv_window_plan {
    int64_t lo, hi;
    uint64_t width;          /* ids per window */
    uint64_t windows;        /* windows covering [lo, hi] */
    uint64_t expected_seeks; /* ids sought to collect `want` keys at the label's density */
    bv_perm order;           /* visiting order */
} bv_window_plan;
/* 1 when windows are worth it (they seek fewer ids than a key scan reads rows: see
 * docs/sampling.md), 0 when the key scan should be used (w is still filled). BOLT_E_INVAL for
 * hi < lo or nodes < 1. */
int bv_window_plan_init(bv_window_plan *w, int64_t lo, int64_t hi, int64_t nodes, uint32_t want,
                        uint64_t seed);
/* The id range (inclusive) of the j-th window in visiting order (j < windows). */
void bv_window_get(const bv_window_plan *w, uint64_t j, int64_t *lo, int64_t *hi);

/* A key value that can be sent back as a parameter to any server version: no null, no
 * DateTime (its wire form differs between Bolt versions), no map or graph structure. */
int bv_key_sendable(const bolt_value *key);

/* Bottom-k: keeps the k offered keys of smallest rank = XXH3-64(seed, canonical key hash). The
 * result depends only on the multiset of keys offered, never on their order. A key offered
 * twice (a --key property that is not unique) takes two of the k places and is listed once. */
typedef struct bv_key_pick bv_key_pick;
int bv_key_pick_new(uint32_t k, uint64_t seed, bv_key_pick **out);
/* Offers one key (copied when kept). 1 kept for now, 0 not kept (ranked out, or not sendable:
 * see skipped; null is not counted there), BOLT_E_NOMEM or the canon error of an unusable
 * value. */
int bv_key_pick_offer(bv_key_pick *p, const bv_canon *c, const bolt_value *key);
size_t bv_key_pick_count(const bv_key_pick *p);
uint64_t bv_key_pick_skipped(const bv_key_pick *p); /* keys refused as not sendable */
void bv_key_pick_free(bv_key_pick *p);

/* ---- the keys to probe (the fetch phase's input) ------------------------------------------- */

typedef struct bv_key_list {
    char *label;
    char *prop;       /* property, or BV_KEY_PROP_ID */
    bolt_value *keys; /* in the owning bv_sample_keys' arena, sorted by rank */
    size_t len;
} bv_key_list;

typedef struct bv_sample_keys {
    bv_key_list *lists; /* sorted by label */
    size_t len;
    bolt_arena arena; /* the key values */
} bv_sample_keys;

void bv_sample_keys_init(bv_sample_keys *k);
void bv_sample_keys_free(bv_sample_keys *k);
/* Moves the picked keys (in rank order) into a new list of k. 0 or BOLT_E_NOMEM. */
int bv_sample_keys_add(bv_sample_keys *k, const char *label, const char *prop,
                       const bv_key_pick *pick);
/* Appends one key list given as values (a snapshot's stored keys); values are deep-copied.
 * 0, BOLT_E_INVAL (a key that is not sendable) or BOLT_E_NOMEM. */
int bv_sample_keys_add_values(bv_sample_keys *k, const char *label, const char *prop,
                              const bolt_value *keys, size_t n);

/* Deep copy of v into the arena (strings and bytes included). 0, BOLT_E_NOMEM, BOLT_E_TOO_DEEP. */
int bv_value_copy(bolt_arena *a, const bolt_value *v, bolt_value *out);

/* ---- one node ------------------------------------------------------------------------------ */

/* The columns of one fetched or scanned node. outs / ins: LIST of [type, properties, neighbour
 * keys, neighbour id], where the keys are a LIST of [label, key value] pairs (the neighbour's
 * keyed labels in the order of the $nk parameter, sorted by label: the first with a value
 * identifies it); a neighbour without any is identified by its id with BV_NODE_BY_ID, else the
 * relationship counts by its type and properties only. */
typedef struct bv_node_row {
    const bolt_value *key;
    const bolt_value *labels; /* LIST of STRING */
    const bolt_value *props;  /* MAP */
    const bolt_value *outs;   /* LIST, or NULL: no relationship signature */
    const bolt_value *ins;
} bv_node_row;

/* bv_sample_node_build() flags */
enum bv_node_flag {
    BV_NODE_FIELDS = 1u << 0, /* per-field hashes and renderings (else identity + node_hash) */
    BV_NODE_BY_ID = 1u << 1   /* neighbours without a key identified by id (--match-by-id) */
};

/* Builds *out (which owns its strings afterwards: bv_sample_node_free). Without BV_NODE_FIELDS
 * only the identity, node_hash and notes are computed (full scans); node_hash is the same
 * either way. 0, BOLT_E_NOMEM, BOLT_E_INVAL (a column of the wrong type) or a canon error. On
 * error *out is zeroed. */
int bv_sample_node_build(const bv_canon *c, const char *label, const char *key_prop,
                         const bv_node_row *row, unsigned flags, bv_sample_node *out);
/* A key looked up and not found: missing = 1. */
int bv_sample_node_missing(const bv_canon *c, const char *label, const char *key_prop,
                           const bolt_value *key, bv_sample_node *out);
/* A label-level note entry (key_prop NULL, verify/model.h). */
int bv_sample_node_note(const char *label, const char *why, bv_sample_node *out);

#ifdef __cplusplus
}
#endif
#endif
