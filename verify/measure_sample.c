/* The sample check inside the measuring stage (verify/measure_internal.h): keys are chosen on
 * the baseline (instance 0), then every instance fetches exactly those keys. Selection, hashing
 * and their rationale: verify/sample.h and docs/sampling.md.
 *
 * Stages, one per call of bv_measure_sample_phase() (each waits for the previous one's tasks):
 *
 *   COUNT    baseline: the count store's count of every keyed label
 *   SELECT   baseline: small labels (<= BV_SAMPLE_SCAN_FACTOR x sample size) read their keys
 *            whole (bottom-k by seeded rank); big ones ask for their id bounds
 *   WINDOWS  baseline: seeded id windows in batches, until the windows visited so far (in the
 *            seeded order) hold enough keys; a label too sparse for windows is key-scanned
 *   FETCH    every instance: UNWIND $keys ... one task per BV_SAMPLE_FETCH_BATCH keys
 *
 * Everything a task gathers stays in the task until its done(0) (a retried attempt starts
 * over), and the keys are chosen from whole windows taken in the seeded order, so the sample
 * never depends on timing, on K, or on which attempt of a task succeeded. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bolt/alloc.h"
#include "bolt/error.h"
#include "measure_internal.h"
#include "verify/cli.h"
#include "verify/sample.h"
#include "verify/snapshot.h"

enum stage { ST_COUNT = 0, ST_SELECT, ST_WINDOWS, ST_FETCH, ST_DONE };
enum mode { M_NONE = 0, M_SCAN, M_WINDOWS };

/* The keys one window returned (its own arena: a retried attempt resets it). */
typedef struct win_slot {
    int done;
    bolt_value *keys;
    size_t n, cap;
    bolt_arena arena;
} win_slot;

typedef struct label_state {
    const bv_label_key *key; /* in the plan */
    int64_t count;           /* count store, -1 unknown */
    int mode;
    int64_t lo, hi;
    int have_bounds;
    bv_window_plan wp;
    win_slot *slots; /* windows submitted, in visiting order */
    size_t submitted;
    bv_key_pick *pick; /* the result of a key scan, or of the windows */
    int finished;
} label_state;

typedef struct sample_state {
    int stage;
    int snapshot; /* the keys come from a snapshot's sample (verify/snapshot.h) */
    bv_tzdb *tzdb;
    bv_canon canon;
    bv_key_plan plan;
    label_state *labels; /* the keyed labels in use, in plan order */
    size_t nlabels;
    bv_sample_keys keys;
    bolt_value *nk_items; /* $nk: [label, prop] of every keyed label, sorted by label */
    bolt_value *nk_pairs;
    size_t nk_len;
    unsigned node_flags;
} sample_state;

static const char *const col_k[] = {"k"};

/* ---- small tasks on the baseline: counts and id bounds -------------------------------------- */

typedef struct int_task {
    bv_live *lv;
    label_state *ls;
    bv_int_row r; /* r.pair: 0 count, 1 bounds */
} int_task;

static void int_begin(void *p)
{
    int_task *t = p;
    t->r.got = t->r.null = 0;
}

static int int_record(void *p, const bv_row *row)
{
    int_task *t = p;
    return bv_int_row_read(&t->r, row, "a sampling query");
}

static void int_done(void *p, int status, const bv_task_error *e)
{
    int_task *t = p;
    (void)e;
    if (status == 0 && t->r.got) {
        if (t->r.pair == 0) {
            t->ls->count = t->r.a;
        } else if (t->r.null) {
            t->ls->count = 0;
        } else {
            t->ls->lo = t->r.a;
            t->ls->hi = t->r.b;
            t->ls->have_bounds = t->r.b >= t->r.a;
        }
    }
    bolt_free(t);
}

static const bv_task_handler int_handler = {int_begin, int_record, NULL, int_done};

/* Builds the label's query from a catalog template (@1 label, @2 key property). */
static char *label_query(bv_live *lv, size_t i, unsigned check, const char *tmpl,
                         const bv_label_key *k)
{
    if (!tmpl) {
        bv_live_fail_check(lv, i, check, 0, "%s: sampling is not possible on %s servers",
                           bv_live_source(lv, i),
                           lv->inst[i].cat ? lv->inst[i].cat->name : "these");
        return NULL;
    }
    const char *names[2] = {k->label, k->prop};
    size_t n = k->source == BV_KEY_ID ? 1 : 2;
    return bv_live_query(lv, i, check, tmpl, names, n);
}

static int submit_int(bv_live *lv, label_state *ls, int which)
{
    const bv_catalog *cat = lv->inst[0].cat;
    char *q = label_query(lv, 0, BV_CHECK_SAMPLE, which ? cat->label_id_range : cat->count_label,
                          ls->key);
    if (!q) return lv->error;
    int_task *t = bolt_calloc(1, sizeof *t);
    if (!t) {
        bolt_free(q);
        bv_live_oom(lv);
        return BOLT_E_NOMEM;
    }
    t->lv = lv;
    t->ls = ls;
    t->r.pair = which;
    int rc = bv_live_submit(lv, 0, BV_CHECK_SAMPLE, which ? "sample id bounds" : "sample count", q,
                            NULL, bv_int_row_columns(which), which ? 2 : 1, &int_handler, t);
    bolt_free(q);
    if (rc < 0) bolt_free(t);
    return rc == BOLT_E_NOMEM ? rc : 0;
}

/* ---- key scans and windows on the baseline -------------------------------------------------- */

typedef struct key_task {
    bv_live *lv;
    sample_state *ss;
    label_state *ls;
    win_slot *slot;    /* window: its keys; NULL for a key scan */
    bv_key_pick *pick; /* key scan: this attempt's pick */
    win_slot tmp;      /* window: this attempt's keys */
} key_task;

static void slot_reset(win_slot *s)
{
    bolt_arena_free(&s->arena);
    bolt_arena_init(&s->arena, 4096, 0);
    s->keys = NULL;
    s->n = s->cap = 0;
}

static void key_begin(void *p)
{
    key_task *t = p;
    if (t->slot) {
        slot_reset(&t->tmp);
    } else {
        bv_key_pick_free(t->pick);
        t->pick = NULL;
        if (bv_key_pick_new(t->lv->o->sample_size, bv_label_seed(t->lv->o->seed, t->ls->key->label),
                            &t->pick) < 0) {
            t->pick = NULL;
            bv_live_oom(t->lv); /* the run stops after this phase */
        }
    }
}

static int key_record(void *p, const bv_row *row)
{
    key_task *t = p;
    const bolt_value *k = bv_row_get(row, 0);
    if (!k) {
        snprintf(row->err, row->errlen, "a sampling query answered no column k");
        return BOLT_E_UNEXPECTED;
    }
    if (!t->slot) {
        if (!t->pick) return BOLT_E_NOMEM;
        int rc = bv_key_pick_offer(t->pick, &t->ss->canon, k);
        return rc < 0 ? rc : 0;
    }
    if (!bv_key_sendable(k)) return 0; /* a node without the key (or an unusable one) */
    win_slot *s = &t->tmp;
    if (s->n == s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 64;
        bolt_value *v = bolt_arena_alloc(&s->arena, ncap * sizeof *v);
        if (!v) return BOLT_E_NOMEM;
        if (s->n) memcpy(v, s->keys, s->n * sizeof *v);
        s->keys = v;
        s->cap = ncap;
    }
    int rc = bv_value_copy(&s->arena, k, &s->keys[s->n]);
    if (rc) return rc;
    s->n++;
    return 0;
}

static void key_done(void *p, int status, const bv_task_error *e)
{
    key_task *t = p;
    (void)e;
    if (status == 0 && t->slot) {
        bolt_arena_free(&t->slot->arena);
        *t->slot = t->tmp; /* the attempt that succeeded becomes the window's keys */
        t->slot->done = 1;
        memset(&t->tmp, 0, sizeof t->tmp);
    } else if (status == 0) {
        if (t->pick) {
            bv_key_pick_free(t->ls->pick);
            t->ls->pick = t->pick;
            t->pick = NULL;
            t->ls->finished = 1;
        } else {
            bv_live_oom(t->lv);
        }
    }
    bolt_arena_free(&t->tmp.arena);
    bv_key_pick_free(t->pick);
    bolt_free(t);
}

static const bv_task_handler key_handler = {key_begin, key_record, NULL, key_done};

static int submit_keys(bv_live *lv, sample_state *ss, label_state *ls, win_slot *slot, int64_t lo,
                       int64_t hi)
{
    const bv_catalog *cat = lv->inst[0].cat;
    int by_id = ls->key->source == BV_KEY_ID;
    const char *tmpl = slot ? (by_id ? cat->sample_window_ids : cat->sample_window_keys)
                            : (by_id ? cat->sample_ids : cat->sample_keys);
    char *q = label_query(lv, 0, BV_CHECK_SAMPLE, tmpl, ls->key);
    if (!q) return lv->error;
    key_task *t = bolt_calloc(1, sizeof *t);
    if (!t) {
        bolt_free(q);
        bv_live_oom(lv);
        return BOLT_E_NOMEM;
    }
    t->lv = lv;
    t->ss = ss;
    t->ls = ls;
    t->slot = slot;
    bolt_arena_init(&t->tmp.arena, 4096, 0);
    bolt_value kv[4] = {bolt_string("lo"), bolt_int(lo), bolt_string("hi"), bolt_int(hi)};
    bolt_value params = bolt_map(kv, 2);
    int rc = bv_live_submit(lv, 0, BV_CHECK_SAMPLE, slot ? "sample window" : "sample key scan", q,
                            slot ? &params : NULL, col_k, 1, &key_handler, t);
    bolt_free(q);
    if (rc < 0) {
        bolt_arena_free(&t->tmp.arena);
        bolt_free(t);
    }
    return rc == BOLT_E_NOMEM ? rc : 0;
}

/* Submits windows [ls->submitted, ls->submitted + n). */
static int submit_windows(bv_live *lv, sample_state *ss, label_state *ls, uint64_t n)
{
    if (n > ls->wp.windows - ls->submitted) n = ls->wp.windows - ls->submitted;
    if (!n) return 0;
    win_slot *v = bolt_realloc(ls->slots, (ls->submitted + n) * sizeof *v);
    if (!v) {
        bv_live_oom(lv);
        return BOLT_E_NOMEM;
    }
    ls->slots = v;
    for (uint64_t j = 0; j < n; j++) {
        win_slot *s = &ls->slots[ls->submitted];
        memset(s, 0, sizeof *s);
        bolt_arena_init(&s->arena, 4096, 0);
        int64_t lo, hi;
        bv_window_get(&ls->wp, ls->submitted, &lo, &hi);
        ls->submitted++;
        int rc = submit_keys(lv, ss, ls, s, lo, hi);
        if (rc < 0) return rc;
    }
    return 0;
}

/* Keys seen in the windows of the visiting-order prefix; *complete when every window of it
 * answered. Windows answer in any order; only the prefix counts, so the sample does not depend
 * on which window finished first. */
static uint64_t prefix_keys(const label_state *ls, int *complete)
{
    uint64_t n = 0;
    *complete = 1;
    for (size_t j = 0; j < ls->submitted; j++) {
        if (!ls->slots[j].done) {
            *complete = 0;
            break;
        }
        n += ls->slots[j].n;
    }
    return n;
}

/* How many more windows to ask for: the remaining keys at the hit rate seen so far (or the
 * planned density), a quarter more for luck, at least 2 per connection. */
static uint64_t windows_needed(const bv_live *lv, const label_state *ls, uint64_t have)
{
    uint32_t want = lv->o->sample_size;
    double per = ls->submitted && have ? (double)have / (double)ls->submitted
                                       : (double)ls->wp.width * (double)ls->count /
                                             ((double)(uint64_t)(ls->hi - ls->lo) + 1.0);
    if (per <= 0) per = 1.0 / (double)ls->wp.width;
    double n = (double)(want - (have < want ? have : want)) / per * 1.25 + 1;
    uint64_t floor_n = 2u * (lv->o->parallel ? lv->o->parallel : 1);
    if (n > 1e9) n = 1e9;
    return (uint64_t)n < floor_n ? floor_n : (uint64_t)n;
}

/* Every window of the prefix answered and together they hold enough keys (or there are no
 * windows left): pick from them. */
static int windows_finish(bv_live *lv, sample_state *ss, label_state *ls)
{
    bv_key_pick *pick = NULL;
    int rc = bv_key_pick_new(lv->o->sample_size, bv_label_seed(lv->o->seed, ls->key->label), &pick);
    uint64_t have = 0;
    /* the shortest prefix that holds the sample: the windows after it are not used, even when
     * a batch asked for them, so K and timing never change the result */
    for (size_t j = 0; rc == 0 && j < ls->submitted && have < lv->o->sample_size; j++) {
        for (size_t x = 0; rc == 0 && x < ls->slots[j].n; x++) {
            int r = bv_key_pick_offer(pick, &ss->canon, &ls->slots[j].keys[x]);
            if (r < 0) rc = r;
        }
        have += ls->slots[j].n;
    }
    if (rc) {
        bv_key_pick_free(pick);
        if (rc == BOLT_E_NOMEM)
            bv_live_oom(lv);
        else
            bv_live_fail_check(lv, 0, BV_CHECK_SAMPLE, BV_EXIT_SERVER,
                               "%s: a sampled key of :%s cannot be hashed (%s)",
                               bv_live_source(lv, 0), ls->key->label, bolt_strerror(rc));
        return rc == BOLT_E_NOMEM ? rc : 0;
    }
    ls->pick = pick;
    ls->finished = 1;
    return 0;
}

/* ---- the choice, stage by stage -------------------------------------------------------------- */

static int stage_count(bv_live *lv, sample_state *ss)
{
    bv_live_start_check(lv, 0, BV_CHECK_SAMPLE);
    for (size_t j = 0; j < ss->nlabels; j++) {
        int rc = submit_int(lv, &ss->labels[j], 0);
        if (rc < 0) return rc;
    }
    return 0;
}

static int stage_select(bv_live *lv, sample_state *ss)
{
    uint64_t scan_max = (uint64_t)lv->o->sample_size * BV_SAMPLE_SCAN_FACTOR;
    for (size_t j = 0; j < ss->nlabels; j++) {
        label_state *ls = &ss->labels[j];
        int rc = 0;
        if (ls->count == 0) {
            ls->finished = 1; /* no node left to sample */
        } else if (ls->count > 0 && (uint64_t)ls->count > scan_max) {
            ls->mode = M_WINDOWS;
            rc = submit_int(lv, ls, 1);
        } else {
            /* small, or not counted (-1): the key scan is always right, only slower */
            ls->mode = M_SCAN;
            rc = submit_keys(lv, ss, ls, NULL, 0, 0);
        }
        if (rc < 0) return rc;
    }
    return 0;
}

/* 1 while some label still waits for windows. */
static int stage_windows(bv_live *lv, sample_state *ss)
{
    int more = 0;
    for (size_t j = 0; j < ss->nlabels; j++) {
        label_state *ls = &ss->labels[j];
        if (ls->mode != M_WINDOWS || ls->finished) continue;
        int rc = 0;
        if (!ls->submitted) {
            if (!ls->have_bounds) {
                ls->finished = ls->count == 0;
                if (!ls->finished) { /* bounds unusable: fall back to the key scan */
                    ls->mode = M_SCAN;
                    rc = submit_keys(lv, ss, ls, NULL, 0, 0);
                }
            } else if (bv_window_plan_init(&ls->wp, ls->lo, ls->hi, ls->count, lv->o->sample_size,
                                           bv_label_seed(lv->o->seed, ls->key->label)) == 1) {
                rc = submit_windows(lv, ss, ls, windows_needed(lv, ls, 0));
                more = 1;
            } else {
                ls->mode = M_SCAN; /* too sparse in the id space: the scan reads less */
                rc = submit_keys(lv, ss, ls, NULL, 0, 0);
            }
        } else {
            int complete;
            uint64_t have = prefix_keys(ls, &complete);
            if (!complete) {
                ls->finished = 1; /* a window failed: the check has failed already */
            } else if (have >= lv->o->sample_size || ls->submitted == ls->wp.windows) {
                rc = windows_finish(lv, ss, ls);
            } else {
                rc = submit_windows(lv, ss, ls, windows_needed(lv, ls, have));
                more = 1;
            }
        }
        if (rc < 0) return rc;
    }
    return more;
}

/* ---- fetch on every instance ----------------------------------------------------------------- */

typedef struct fetch_task {
    bv_live *lv;
    sample_state *ss;
    size_t i;
    const bv_key_list *list;
    size_t off, n;
    bv_h128 *hashes; /* of the batch's keys */
    unsigned char *found;
    bv_sample_node *nodes;
    size_t len, cap;
} fetch_task;

static void nodes_free(bv_sample_node *v, size_t n)
{
    for (size_t j = 0; j < n; j++)
        bv_sample_node_free(&v[j]);
    bolt_free(v);
}

static void fetch_begin(void *p)
{
    fetch_task *t = p;
    for (size_t j = 0; j < t->len; j++)
        bv_sample_node_free(&t->nodes[j]);
    t->len = 0;
    memset(t->found, 0, t->n);
}

static bv_sample_node *node_push(bv_sample_node **v, size_t *len, size_t *cap)
{
    if (*len == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        bv_sample_node *nv = bolt_realloc(*v, ncap * sizeof *nv);
        if (!nv) return NULL;
        *v = nv;
        *cap = ncap;
    }
    return &(*v)[(*len)++];
}

static int fetch_record(void *p, const bv_row *row)
{
    fetch_task *t = p;
    bv_node_row nr = bv_node_row_of(row);
    bv_sample_node *n = node_push(&t->nodes, &t->len, &t->cap);
    if (!n) return BOLT_E_NOMEM;
    int rc = bv_sample_node_build(&t->ss->canon, t->list->label, t->list->prop, &nr,
                                  BV_NODE_FIELDS | t->ss->node_flags, n);
    if (rc) {
        t->len--;
        if (rc != BOLT_E_NOMEM)
            snprintf(row->err, row->errlen, "a sampled node of :%s has an unexpected shape (%s)",
                     t->list->label, bolt_strerror(rc));
        return rc == BOLT_E_NOMEM ? rc : BOLT_E_UNEXPECTED;
    }
    for (size_t j = 0; j < t->n; j++)
        if (bv_h128_eq(t->hashes[j], n->key_hash)) t->found[j] = 1;
    return 0;
}

static void fetch_done(void *p, int status, const bv_task_error *e)
{
    fetch_task *t = p;
    (void)e;
    if (status == 0) {
        /* a key that matched no node: missing here */
        int rc = 0;
        for (size_t j = 0; j < t->n && rc == 0; j++) {
            if (t->found[j]) continue;
            bv_sample_node *n = node_push(&t->nodes, &t->len, &t->cap);
            rc = n ? bv_sample_node_missing(&t->ss->canon, t->list->label, t->list->prop,
                                            &t->list->keys[t->off + j], n)
                   : BOLT_E_NOMEM;
            if (rc && n) t->len--;
        }
        bv_measurement *m = t->lv->inst[t->i].m;
        bv_sample_node *v =
            rc ? NULL : bolt_realloc(m->sample, (m->sample_count + t->len) * sizeof *v);
        if (!v && t->len) {
            bv_live_oom(t->lv);
        } else if (v) {
            memcpy(v + m->sample_count, t->nodes, t->len * sizeof *v);
            m->sample = v;
            m->sample_count += t->len;
            t->len = 0;
        }
    }
    nodes_free(t->nodes, t->len);
    bolt_free(t->hashes);
    bolt_free(t->found);
    bolt_free(t);
}

static const bv_task_handler fetch_handler = {fetch_begin, fetch_record, NULL, fetch_done};

static int submit_fetch(bv_live *lv, sample_state *ss, size_t i, const bv_label_key *k,
                        const bv_key_list *list, size_t off, size_t n)
{
    const bv_catalog *cat = lv->inst[i].cat;
    char *q = label_query(lv, i, BV_CHECK_SAMPLE,
                          k->source == BV_KEY_ID ? cat->node_fetch_ids : cat->node_fetch, k);
    if (!q) return lv->error;
    fetch_task *t = bolt_calloc(1, sizeof *t);
    if (t) {
        t->hashes = bolt_malloc(n * sizeof *t->hashes);
        t->found = bolt_calloc(n, 1);
    }
    int rc = t && t->hashes && t->found ? 0 : BOLT_E_NOMEM;
    for (size_t j = 0; j < n && rc == 0; j++)
        rc = bv_canon_hash128(&ss->canon, &list->keys[off + j], &t->hashes[j], NULL);
    if (rc) {
        bolt_free(q);
        if (t) {
            bolt_free(t->hashes);
            bolt_free(t->found);
            bolt_free(t);
        }
        if (rc == BOLT_E_NOMEM) {
            bv_live_oom(lv);
            return rc;
        }
        bv_live_fail_check(lv, i, BV_CHECK_SAMPLE, BV_EXIT_SERVER, "%s: a key of :%s: %s",
                           bv_live_source(lv, i), k->label, bolt_strerror(rc));
        return 0;
    }
    t->lv = lv;
    t->ss = ss;
    t->i = i;
    t->list = list;
    t->off = off;
    t->n = n;
    bolt_value kv[4] = {bolt_string("keys"), bolt_list(list->keys + off, n), bolt_string("nk"),
                        bolt_list(ss->nk_items, ss->nk_len)};
    bolt_value params = bolt_map(kv, 2);
    rc = bv_live_submit(lv, i, BV_CHECK_SAMPLE, "sample fetch", q, &params, bv_node_columns,
                        BV_NODE_COLUMN_COUNT, &fetch_handler, t);
    bolt_free(q);
    if (rc < 0) {
        bolt_free(t->hashes);
        bolt_free(t->found);
        bolt_free(t);
    }
    return rc == BOLT_E_NOMEM ? rc : 0;
}

/* Note entries for the labels that are not sampled, on the baseline: compare reports each as
 * info once per target. */
static int add_notes(bv_live *lv, sample_state *ss)
{
    bv_measurement *m = lv->inst[0].m;
    for (size_t j = 0; j < ss->plan.len; j++) {
        const bv_label_key *k = &ss->plan.items[j];
        const char *why = !k->in_use ? "label not in use on the baseline"
                          : k->source == BV_KEY_NONE
                              ? "no key (no single-property uniqueness constraint or node key)"
                              : NULL;
        if (!why) continue;
        bv_sample_node *v = bolt_realloc(m->sample, (m->sample_count + 1) * sizeof *v);
        if (!v) return BOLT_E_NOMEM;
        m->sample = v;
        int rc = bv_sample_node_note(k->label, why, &v[m->sample_count]);
        if (rc) return rc;
        m->sample_count++;
    }
    return 0;
}

static int stage_fetch(bv_live *lv, sample_state *ss)
{
    int rc = 0;
    for (size_t j = 0; j < ss->nlabels && rc == 0; j++) {
        label_state *ls = &ss->labels[j];
        if (ls->pick) rc = bv_sample_keys_add(&ss->keys, ls->key->label, ls->key->prop, ls->pick);
    }
    /* notes for the labels the live baseline did not sample (a snapshot has its own) */
    if (rc == 0 && !ss->snapshot) rc = add_notes(lv, ss);
    if (rc) {
        bv_live_oom(lv);
        return rc;
    }
    for (size_t i = 0; i < lv->count; i++) {
        if (!bv_live_wants(lv, i, BV_CHECK_SAMPLE)) continue;
        bv_live_start_check(lv, i, BV_CHECK_SAMPLE);
        for (size_t j = 0; j < ss->keys.len && rc == 0; j++) {
            const bv_key_list *l = &ss->keys.lists[j];
            /* the list says how its nodes are matched (a snapshot's lists come as stored) */
            bv_label_key k = {l->label, l->prop,
                              strcmp(l->prop, BV_KEY_PROP_ID) ? BV_KEY_OPTION : BV_KEY_ID, -1, 1};
            for (size_t off = 0; off < l->len && rc == 0; off += BV_SAMPLE_FETCH_BATCH) {
                size_t n =
                    l->len - off < BV_SAMPLE_FETCH_BATCH ? l->len - off : BV_SAMPLE_FETCH_BATCH;
                rc = submit_fetch(lv, ss, i, &k, l, off, n);
            }
        }
    }
    return rc;
}

/* ---- set-up and the phase entry point ---------------------------------------------------------
 */

static void state_free(sample_state *ss)
{
    for (size_t j = 0; j < ss->nlabels; j++) {
        label_state *ls = &ss->labels[j];
        for (size_t w = 0; w < ls->submitted; w++)
            bolt_arena_free(&ls->slots[w].arena);
        bolt_free(ls->slots);
        bv_key_pick_free(ls->pick);
    }
    bolt_free(ss->labels);
    bolt_free(ss->nk_items);
    bolt_free(ss->nk_pairs);
    bv_sample_keys_free(&ss->keys);
    bv_key_plan_free(&ss->plan);
    bv_tzdb_free(ss->tzdb);
    bolt_free(ss);
}

void bv_measure_sample_free(bv_live *lv)
{
    if (lv->sample_state) state_free(lv->sample_state);
    lv->sample_state = NULL;
}

static int state_new(bv_live *lv, sample_state **out)
{
    const bv_options *o = lv->o;
    sample_state *ss = bolt_calloc(1, sizeof *ss);
    if (!ss) return BOLT_E_NOMEM;
    bv_sample_keys_init(&ss->keys);
    int rc = bv_tzdb_new(NULL, &ss->tzdb);
    ss->canon.tzdb = ss->tzdb;
    ss->canon.flags = 0; /* wall-clock zone DateTimes: the only form every version gives */
    ss->node_flags = o->match_by_id ? BV_NODE_BY_ID : 0;
    /* A snapshot that holds the sample (verify/snapshot.h) decides the keys: every live
     * instance, a live baseline included, looks up exactly those. The key plan (which labels
     * name a relationship's neighbour) comes from the baseline's schema either way, so give the
     * same --key options as when the snapshot was taken. */
    const bv_measurement *src = bv_snapshot_sample_source(o, lv->r);
    if (rc == 0 && src) {
        ss->snapshot = 1;
        ss->stage = ST_FETCH;
        rc = bv_snapshot_sample_keys(src, &ss->keys);
    }
    if (rc == 0)
        rc = bv_key_plan_build(o->keys, o->key_count, o->match_by_id, lv->inst[0].m, &ss->plan);
    if (rc == 0 && ss->plan.len) {
        ss->labels = bolt_calloc(ss->plan.len, sizeof *ss->labels);
        ss->nk_items = bolt_calloc(ss->plan.len, sizeof *ss->nk_items);
        ss->nk_pairs = bolt_calloc(2 * ss->plan.len, sizeof *ss->nk_pairs);
        if (!ss->labels || !ss->nk_items || !ss->nk_pairs) rc = BOLT_E_NOMEM;
    }
    for (size_t j = 0; rc == 0 && j < ss->plan.len; j++) {
        const bv_label_key *k = &ss->plan.items[j];
        if (k->source != BV_KEY_NONE && k->source != BV_KEY_ID) {
            /* $nk: [label, prop] of every keyed label, in plan (label) order; the pairs live in
             * nk_pairs, the LIST values pointing at them in nk_items */
            bolt_value *pair = &ss->nk_pairs[2 * ss->nk_len];
            pair[0] = bolt_string(k->label);
            pair[1] = bolt_string(k->prop);
            ss->nk_items[ss->nk_len++] = bolt_list(pair, 2);
        }
        if (k->source == BV_KEY_NONE || !k->in_use) continue;
        label_state *ls = &ss->labels[ss->nlabels++];
        ls->key = k;
        ls->count = -1;
    }
    if (rc) {
        state_free(ss);
        return rc;
    }
    *out = ss;
    return 0;
}

int bv_measure_sample_phase(bv_live *lv, unsigned phase)
{
    (void)phase;
    sample_state *ss = lv->sample_state;
    if (!ss) {
        /* The baseline chooses (or a snapshot did): without it there is nothing to compare. */
        int any = 0;
        for (size_t i = 0; i < lv->count; i++)
            any |= bv_live_wants(lv, i, BV_CHECK_SAMPLE);
        if (!any) return 0;
        if (!bv_snapshot_sample_source(lv->o, lv->r) &&
            (!bv_live_wants(lv, 0, BV_CHECK_SAMPLE) || !lv->inst[0].cat))
            return 0;
        if (lv->inst[0].live && !lv->inst[0].have_labels) {
            /* without the labels in use nothing would be sampled, and an empty sample would
             * compare as "same" */
            bv_live_fail_check(lv, 0, BV_CHECK_SAMPLE, 0,
                               "%s: the labels in use are unknown (db.labels() failed)",
                               bv_live_source(lv, 0));
            return 0;
        }
        int rc = state_new(lv, &ss);
        if (rc) {
            bv_live_oom(lv);
            return rc;
        }
        lv->sample_state = ss;
    }
    int rc = 0;
    for (;;) {
        if (!ss->snapshot && ss->stage != ST_COUNT && ss->stage != ST_DONE &&
            ss->stage != ST_FETCH && !bv_live_wants(lv, 0, BV_CHECK_SAMPLE))
            return 0; /* the choice failed on the baseline (recorded there) */
        switch (ss->stage) {
        case ST_COUNT:
            ss->stage = ST_SELECT;
            if ((rc = stage_count(lv, ss)) < 0) return rc;
            if (ss->nlabels) return 1;
            continue;
        case ST_SELECT:
            ss->stage = ST_WINDOWS;
            if ((rc = stage_select(lv, ss)) < 0) return rc;
            return 1;
        case ST_WINDOWS:
            if ((rc = stage_windows(lv, ss)) < 0) return rc;
            if (rc == 1) return 1;
            ss->stage = ST_FETCH;
            continue;
        case ST_FETCH:
            ss->stage = ST_DONE;
            if (!ss->snapshot && !bv_live_wants(lv, 0, BV_CHECK_SAMPLE)) return 0;
            if ((rc = stage_fetch(lv, ss)) < 0) return rc;
            return 1;
        default:
            return 0;
        }
    }
}
