/* verify/full_internal.h - INTERNAL to the full check: what measure_full.c (bounds and scans)
 * shares with full_bisect.c (digests, divergent buckets, naming and explaining the divergent
 * nodes). The stages are described at the top of measure_full.c. */
#ifndef VERIFY_FULL_INTERNAL_H
#define VERIFY_FULL_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "bolt/alloc.h"
#include "measure_internal.h"
#include "verify/hash.h"
#include "verify/sample.h"

enum bv_full_stage { ST_BOUNDS = 0, ST_SCAN, ST_BISECT, ST_EXPLAIN, ST_STORE, ST_DONE };

/* One node kept for bisection. */
typedef struct kept {
    bv_sample_node node; /* identity and hash; fields once explained */
    bolt_value key;      /* in the owning inst_label's arena, for the explaining fetch */
} kept;

/* One label on one instance. */
typedef struct inst_label {
    int64_t count; /* count store, -1 unknown */
    int64_t lo, hi;
    int have_bounds;
    bv_multiset *buckets; /* B of them */
    uint64_t hashed;      /* nodes hashed */
    kept *kept;
    size_t nkept, capkept;
    bolt_arena arena;
} inst_label;

typedef struct full_label {
    char *label;
    const bv_label_key *key; /* the baseline's key for the label, or NULL */
    uint32_t buckets;        /* B: a power of two */
    unsigned char *suspect;  /* per bucket: 1 when its nodes are kept */
    size_t suspect_count, suspect_total;
    inst_label *inst; /* per run instance */
} full_label;

typedef struct full_state {
    int stage;
    bv_tzdb *tzdb;
    bv_canon canon;
    bv_key_plan plan;
    full_label *labels;
    size_t nlabels;
    unsigned char *on; /* per instance: takes part */
    bolt_value *nk_items, *nk_pairs;
    size_t nk_len;
    unsigned node_flags;
} full_state;

/* A label the baseline can name its nodes by (a key, or the id with --match-by-id). */
static inline int bv_full_keyed(const full_label *fl)
{
    return fl->key && fl->key->source != BV_KEY_NONE;
}

/* The label's query from a catalog template (@1 label, @2 key property when by_key); NULL when
 * the check failed (recorded) or memory ran out (lv->error). measure_full.c */
char *bv_full_query(bv_live *lv, size_t i, const char *tmpl, const full_label *fl, int by_key);

/* full_bisect.c: */
/* Writes full_labels / full_digests of every instance that completed its scans. 0 or
 * BOLT_E_NOMEM. */
int bv_full_store_digests(bv_live *lv, full_state *fs);
/* Marks the buckets to scan again; 1 when there are some, 0, or BOLT_E_NOMEM. */
int bv_full_choose_suspects(bv_live *lv, full_state *fs);
/* Queues the explaining fetch of the label's first divergent keys. 0 or BOLT_E_NOMEM. */
int bv_full_explain_label(bv_live *lv, full_state *fs, full_label *fl);
/* Moves the kept nodes into the measurements. 0 or BOLT_E_NOMEM. */
int bv_full_store_kept(bv_live *lv, full_state *fs);

#endif
