/* The full check inside the measuring stage (verify/measure_internal.h): every node of every
 * label, on every instance, hashed exactly as a sampled node (verify/sample_node.c) and added to
 * an order-independent digest; when a target's digest differs, the divergent nodes are named.
 * docs/sampling.md has the why; the stages, one per bv_measure_full_phase() call:
 *
 *   BOUNDS   every instance: count store count and min/max id of every label
 *   SCAN     every instance: per label, id-range partitions over the K connections (a label
 *            that fills less than a quarter of its id range is one label scan instead); each
 *            node's hash goes into bucket (key hash mod B) of the label, B the same everywhere
 *   BISECT   labels whose buckets differ between the baseline and a target: the divergent
 *            buckets (as many as BV_FULL_KEEP_MAX nodes allow) are scanned again on every
 *            instance, this time keeping each node's key and hash
 *   EXPLAIN  the first BV_FULL_NAMES divergent keys per label (byte order of their rendering)
 *            are fetched with their fields on every instance, so compare explains them field by
 *            field like sampled nodes
 *
 * The label digest is the merge of its buckets (bv_multiset sums), so it does not depend on the
 * partitioning, K or the order rows arrive in. A partition's nodes stay in its task until the
 * whole partition succeeded (a retried partition starts over, nothing is counted twice). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bolt/alloc.h"
#include "bolt/error.h"
#include "full_internal.h"
#include "verify/cli.h"

char *bv_full_query(bv_live *lv, size_t i, const char *tmpl, const full_label *fl, int by_key)
{
    if (!tmpl) {
        bv_live_fail_check(lv, i, BV_CHECK_FULL, 0,
                           "%s: the full check is not possible on %s "
                           "servers",
                           bv_live_source(lv, i),
                           lv->inst[i].cat ? lv->inst[i].cat->name : "these");
        return NULL;
    }
    const char *names[2] = {fl->label, by_key ? fl->key->prop : NULL};
    return bv_live_query(lv, i, BV_CHECK_FULL, tmpl, names, by_key ? 2 : 1);
}

/* ---- BOUNDS -------------------------------------------------------------------------------- */

typedef struct int_task {
    inst_label *il;
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
    return bv_int_row_read(&t->r, row, "a full-check query");
}

static void int_done(void *p, int status, const bv_task_error *e)
{
    int_task *t = p;
    (void)e;
    if (status == 0 && t->r.got) {
        if (t->r.pair == 0) {
            t->il->count = t->r.a;
        } else if (!t->r.null && t->r.b >= t->r.a) {
            t->il->lo = t->r.a;
            t->il->hi = t->r.b;
            t->il->have_bounds = 1;
        }
    }
    bolt_free(t);
}

static const bv_task_handler int_handler = {int_begin, int_record, NULL, int_done};

static int submit_int(bv_live *lv, size_t i, full_label *fl, int which)
{
    const bv_catalog *cat = lv->inst[i].cat;
    char *q = bv_full_query(lv, i, which ? cat->label_id_range : cat->count_label, fl, 0);
    if (!q) return lv->error;
    int_task *t = bolt_calloc(1, sizeof *t);
    if (!t) {
        bolt_free(q);
        bv_live_oom(lv);
        return BOLT_E_NOMEM;
    }
    t->il = &fl->inst[i];
    t->r.pair = which;
    int rc = bv_live_submit(lv, i, BV_CHECK_FULL, which ? "full id bounds" : "full count", q, NULL,
                            bv_int_row_columns(which), which ? 2 : 1, &int_handler, t);
    bolt_free(q);
    if (rc < 0) bolt_free(t);
    return rc == BOLT_E_NOMEM ? rc : 0;
}

/* ---- SCAN and BISECT: partitions ------------------------------------------------------------- */

typedef struct hashed {
    bv_h128 key_hash, node_hash;
} hashed;

typedef struct scan_task {
    bv_live *lv;
    full_state *fs;
    full_label *fl;
    size_t i;
    int keep; /* BISECT: keep the nodes of suspect buckets */
    hashed *h;
    size_t nh, caph;
    kept *k;
    size_t nk, capk;
    bolt_arena arena; /* keys of k */
} scan_task;

static void scan_reset(scan_task *t)
{
    for (size_t j = 0; j < t->nk; j++)
        bv_sample_node_free(&t->k[j].node);
    t->nh = t->nk = 0;
    bolt_arena_free(&t->arena);
    bolt_arena_init(&t->arena, 4096, 0);
}

static void scan_begin(void *p)
{
    scan_reset(p);
}

static uint32_t bucket_of(const full_label *fl, bv_h128 key_hash)
{
    return (uint32_t)(key_hash.lo & (fl->buckets - 1));
}

static int scan_record(void *p, const bv_row *row)
{
    scan_task *t = p;
    full_label *fl = t->fl;
    int named = bv_full_keyed(fl);
    bv_node_row nr = bv_node_row_of(row);
    if (!named) nr.key = NULL; /* no key to name the node by: column k is not read */
    bv_sample_node n;
    int rc = bv_sample_node_build(&t->fs->canon, fl->label, named ? fl->key->prop : NULL, &nr,
                                  t->fs->node_flags, &n);
    if (rc) {
        if (rc != BOLT_E_NOMEM)
            snprintf(row->err, row->errlen, "a node of :%s has an unexpected shape (%s)", fl->label,
                     bolt_strerror(rc));
        return rc == BOLT_E_NOMEM ? rc : BOLT_E_UNEXPECTED;
    }
    /* A label without a key puts every node in bucket 0: its digest is exact, but its nodes
     * cannot be named. */
    bv_h128 kh = named ? n.key_hash : (bv_h128){0, 0};
    if (!t->keep) {
        bv_h128 nh = n.node_hash;
        bv_sample_node_free(&n); /* (zeroes n) */
        if (t->nh == t->caph) {
            size_t cap = t->caph ? t->caph * 2 : 256;
            hashed *v = bolt_realloc(t->h, cap * sizeof *v);
            if (!v) return BOLT_E_NOMEM;
            t->h = v;
            t->caph = cap;
        }
        t->h[t->nh].key_hash = kh;
        t->h[t->nh].node_hash = nh;
        t->nh++;
        return 0;
    }
    if (!fl->suspect[bucket_of(fl, kh)]) {
        bv_sample_node_free(&n);
        return 0;
    }
    if (t->nk == t->capk) {
        size_t cap = t->capk ? t->capk * 2 : 64;
        kept *v = bolt_realloc(t->k, cap * sizeof *v);
        if (!v) {
            bv_sample_node_free(&n);
            return BOLT_E_NOMEM;
        }
        t->k = v;
        t->capk = cap;
    }
    kept *e = &t->k[t->nk];
    e->node = n;
    if ((rc = bv_value_copy(&t->arena, nr.key, &e->key)) != 0) {
        bv_sample_node_free(&n);
        return rc;
    }
    t->nk++;
    return 0;
}

static void scan_done(void *p, int status, const bv_task_error *e)
{
    scan_task *t = p;
    (void)e;
    inst_label *il = &t->fl->inst[t->i];
    if (status == 0 && !t->keep) {
        for (size_t j = 0; j < t->nh; j++)
            bv_multiset_add(&il->buckets[bucket_of(t->fl, t->h[j].key_hash)], t->h[j].node_hash);
        il->hashed += t->nh;
    } else if (status == 0) {
        /* keep: move the nodes and re-home their keys in the label's arena */
        if (il->nkept + t->nk > il->capkept) {
            size_t cap = il->capkept ? il->capkept : 64;
            while (cap < il->nkept + t->nk)
                cap *= 2;
            kept *v = bolt_realloc(il->kept, cap * sizeof *v);
            if (!v) {
                bv_live_oom(t->lv);
                goto out;
            }
            il->kept = v;
            il->capkept = cap;
        }
        for (size_t j = 0; j < t->nk; j++) {
            kept *dst = &il->kept[il->nkept];
            if (bv_value_copy(&il->arena, &t->k[j].key, &dst->key) != 0) {
                bv_live_oom(t->lv);
                goto out;
            }
            dst->node = t->k[j].node;
            memset(&t->k[j].node, 0, sizeof t->k[j].node);
            il->nkept++;
        }
    }
out:
    scan_reset(t);
    bolt_arena_free(&t->arena);
    bolt_free(t->h);
    bolt_free(t->k);
    bolt_free(t);
}

static const bv_task_handler scan_handler = {scan_begin, scan_record, NULL, scan_done};

static int submit_scan(bv_live *lv, full_state *fs, size_t i, full_label *fl, int keep,
                       const int64_t *range)
{
    const bv_catalog *cat = lv->inst[i].cat;
    int by_key = bv_full_keyed(fl) && fl->key->source != BV_KEY_ID;
    const char *tmpl = range ? (by_key ? cat->full_range : cat->full_range_ids)
                             : (by_key ? cat->full_label : cat->full_label_ids);
    char *q = bv_full_query(lv, i, tmpl, fl, by_key);
    if (!q) return lv->error;
    scan_task *t = bolt_calloc(1, sizeof *t);
    if (!t) {
        bolt_free(q);
        bv_live_oom(lv);
        return BOLT_E_NOMEM;
    }
    t->lv = lv;
    t->fs = fs;
    t->fl = fl;
    t->i = i;
    t->keep = keep;
    bolt_arena_init(&t->arena, 4096, 0);
    bolt_value kv[6] = {bolt_string("nk"), bolt_list(fs->nk_items, fs->nk_len),
                        bolt_string("lo"), bolt_int(range ? range[0] : 0),
                        bolt_string("hi"), bolt_int(range ? range[1] : 0)};
    bolt_value params = bolt_map(kv, range ? 3 : 1);
    int rc = bv_live_submit(lv, i, BV_CHECK_FULL, keep ? "full bisection" : "full scan", q, &params,
                            bv_node_columns, BV_NODE_COLUMN_COUNT, &scan_handler, t);
    bolt_free(q);
    if (rc < 0) {
        bolt_arena_free(&t->arena);
        bolt_free(t);
    }
    return rc == BOLT_E_NOMEM ? rc : 0;
}

/* All nodes of one label on one instance: partitions of the id range when the label fills at
 * least a quarter of it (spread over K connections), else one label scan (partitions would seek
 * mostly ids of other labels). */
static int scan_label(bv_live *lv, full_state *fs, size_t i, full_label *fl, int keep)
{
    inst_label *il = &fl->inst[i];
    if (il->count == 0 || (!il->have_bounds && il->count < 0)) return 0;
    if (!il->have_bounds) return 0; /* counted, but gone before the bounds were read */
    uint64_t span = (uint64_t)il->hi - (uint64_t)il->lo + 1;
    uint64_t part = lv->partition ? lv->partition : BV_FULL_PARTITION;
    if (il->count < 0 || (uint64_t)il->count * 4 < span || span <= part)
        return submit_scan(lv, fs, i, fl, keep, NULL);
    for (uint64_t off = 0; off < span; off += part) {
        int64_t r[2] = {(int64_t)((uint64_t)il->lo + off), 0};
        uint64_t last = off + part - 1 < span - 1 ? off + part - 1 : span - 1;
        r[1] = (int64_t)((uint64_t)il->lo + last);
        int rc = submit_scan(lv, fs, i, fl, keep, r);
        if (rc < 0 || lv->error) return rc < 0 ? rc : lv->error;
        if (!bv_live_wants(lv, i, BV_CHECK_FULL)) return 0;
    }
    return 0;
}

/* ---- set-up and the phase entry point ---------------------------------------------------------
 */

static void state_free(full_state *fs, size_t count)
{
    for (size_t j = 0; j < fs->nlabels; j++) {
        full_label *fl = &fs->labels[j];
        for (size_t i = 0; fl->inst && i < count; i++) {
            inst_label *il = &fl->inst[i];
            bolt_free(il->buckets);
            for (size_t x = 0; x < il->nkept; x++)
                bv_sample_node_free(&il->kept[x].node);
            bolt_free(il->kept);
            bolt_arena_free(&il->arena);
        }
        bolt_free(fl->inst);
        bolt_free(fl->suspect);
        bolt_free(fl->label);
    }
    bolt_free(fs->labels);
    bolt_free(fs->on);
    bolt_free(fs->nk_items);
    bolt_free(fs->nk_pairs);
    bv_key_plan_free(&fs->plan);
    bv_tzdb_free(fs->tzdb);
    bolt_free(fs);
}

void bv_measure_full_free(bv_live *lv)
{
    if (lv->full_state) state_free(lv->full_state, lv->count);
    lv->full_state = NULL;
}

static int add_label(full_state *fs, size_t *cap, const char *label, size_t count)
{
    for (size_t j = 0; j < fs->nlabels; j++)
        if (!strcmp(fs->labels[j].label, label)) return 0;
    if (fs->nlabels == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        full_label *v = bolt_realloc(fs->labels, ncap * sizeof *v);
        if (!v) return BOLT_E_NOMEM;
        fs->labels = v;
        *cap = ncap;
    }
    full_label *fl = &fs->labels[fs->nlabels];
    memset(fl, 0, sizeof *fl);
    fl->label = bolt_strndup(label, strlen(label));
    fl->inst = bolt_calloc(count, sizeof *fl->inst);
    if (!fl->label || !fl->inst) {
        bolt_free(fl->label);
        bolt_free(fl->inst);
        return BOLT_E_NOMEM;
    }
    for (size_t i = 0; i < count; i++) {
        fl->inst[i].count = -1;
        bolt_arena_init(&fl->inst[i].arena, 4096, 0);
    }
    fs->nlabels++;
    return 0;
}

static int full_label_cmp(const void *a, const void *b)
{
    return strcmp(((const full_label *)a)->label, ((const full_label *)b)->label);
}

static int state_new(bv_live *lv, full_state **out)
{
    const bv_options *o = lv->o;
    full_state *fs = bolt_calloc(1, sizeof *fs);
    if (!fs) return BOLT_E_NOMEM;
    int rc = bv_tzdb_new(NULL, &fs->tzdb);
    fs->canon.tzdb = fs->tzdb;
    fs->canon.flags = 0; /* the sample's rules: a node hashes the same in both checks */
    fs->node_flags = o->match_by_id ? BV_NODE_BY_ID : 0;
    if (rc == 0 && !(fs->on = bolt_calloc(lv->count, 1))) rc = BOLT_E_NOMEM;
    if (rc == 0)
        rc = bv_key_plan_build(o->keys, o->key_count, o->match_by_id, lv->inst[0].m, &fs->plan);
    size_t cap = 0;
    /* every label in use on any instance: a label only the target has is all extra nodes */
    for (size_t i = 0; rc == 0 && i < lv->count; i++) {
        if (!bv_live_wants(lv, i, BV_CHECK_FULL) || !lv->inst[i].cat) continue;
        if (!lv->inst[i].have_labels) {
            bv_live_fail_check(lv, i, BV_CHECK_FULL, 0,
                               "%s: the labels in use are unknown (db.labels() failed)",
                               bv_live_source(lv, i));
            continue;
        }
        fs->on[i] = 1;
        const bv_counts *ls = &lv->inst[i].m->labels;
        for (size_t j = 0; j < ls->len && rc == 0; j++)
            rc = add_label(fs, &cap, ls->items[j].key, lv->count);
    }
    if (rc == 0 && fs->nlabels > 1)
        qsort(fs->labels, fs->nlabels, sizeof *fs->labels, full_label_cmp);
    if (rc == 0 && fs->plan.len) {
        fs->nk_items = bolt_calloc(fs->plan.len, sizeof *fs->nk_items);
        fs->nk_pairs = bolt_calloc(2 * fs->plan.len, sizeof *fs->nk_pairs);
        if (!fs->nk_items || !fs->nk_pairs) rc = BOLT_E_NOMEM;
    }
    for (size_t j = 0; rc == 0 && j < fs->plan.len; j++) {
        const bv_label_key *k = &fs->plan.items[j];
        if (k->source == BV_KEY_NONE || k->source == BV_KEY_ID) continue;
        bolt_value *pair = &fs->nk_pairs[2 * fs->nk_len];
        pair[0] = bolt_string(k->label);
        pair[1] = bolt_string(k->prop);
        fs->nk_items[fs->nk_len++] = bolt_list(pair, 2);
    }
    for (size_t j = 0; rc == 0 && j < fs->nlabels; j++)
        fs->labels[j].key = bv_key_plan_find(&fs->plan, fs->labels[j].label);
    if (rc) {
        state_free(fs, lv->count);
        return rc;
    }
    *out = fs;
    return 0;
}

static int stage_bounds(bv_live *lv, full_state *fs)
{
    for (size_t i = 0; i < lv->count; i++) {
        if (!fs->on[i]) continue;
        bv_live_start_check(lv, i, BV_CHECK_FULL);
        for (size_t j = 0; j < fs->nlabels; j++) {
            int rc = submit_int(lv, i, &fs->labels[j], 0);
            if (rc == 0) rc = submit_int(lv, i, &fs->labels[j], 1);
            if (rc < 0) return rc;
        }
    }
    return 0;
}

static int stage_scan(bv_live *lv, full_state *fs)
{
    for (size_t j = 0; j < fs->nlabels; j++) {
        full_label *fl = &fs->labels[j];
        int64_t most = 0;
        for (size_t i = 0; i < lv->count; i++)
            if (fs->on[i] && fl->inst[i].count > most) most = fl->inst[i].count;
        /* about 32 nodes per bucket, the same B on every instance */
        uint32_t b = BV_FULL_BUCKETS_MIN;
        while (b < BV_FULL_BUCKETS_MAX && (int64_t)b * 32 < most)
            b *= 2;
        fl->buckets = b;
        if (!(fl->suspect = bolt_calloc(b, 1))) return BOLT_E_NOMEM;
        for (size_t i = 0; i < lv->count; i++) {
            if (!fs->on[i]) continue;
            inst_label *il = &fl->inst[i];
            if (!(il->buckets = bolt_malloc((size_t)b * sizeof *il->buckets))) return BOLT_E_NOMEM;
            for (uint32_t x = 0; x < b; x++)
                bv_multiset_init(&il->buckets[x]);
        }
    }
    for (size_t i = 0; i < lv->count; i++) {
        for (size_t j = 0; j < fs->nlabels && fs->on[i]; j++) {
            if (!bv_live_wants(lv, i, BV_CHECK_FULL)) break;
            int rc = scan_label(lv, fs, i, &fs->labels[j], 0);
            if (rc < 0) return rc;
        }
    }
    return 0;
}

int bv_measure_full_phase(bv_live *lv, unsigned phase)
{
    (void)phase;
    full_state *fs = lv->full_state;
    int rc = 0;
    if (!fs) {
        if (!bv_live_wants(lv, 0, BV_CHECK_FULL) || !lv->inst[0].cat) return 0;
        if ((rc = state_new(lv, &fs)) != 0) {
            bv_live_oom(lv);
            return rc;
        }
        lv->full_state = fs;
    }
    for (;;) {
        switch (fs->stage) {
        case ST_BOUNDS:
            fs->stage = ST_SCAN;
            if ((rc = stage_bounds(lv, fs)) < 0) return rc;
            return 1;
        case ST_SCAN:
            fs->stage = ST_BISECT;
            if ((rc = stage_scan(lv, fs)) < 0) {
                bv_live_oom(lv);
                return rc;
            }
            return 1;
        case ST_BISECT:
            if ((rc = bv_full_store_digests(lv, fs)) < 0 ||
                (rc = bv_full_choose_suspects(lv, fs)) < 0) {
                bv_live_oom(lv);
                return rc;
            }
            fs->stage = rc ? ST_EXPLAIN : ST_STORE;
            if (!rc) continue;
            for (size_t i = 0; i < lv->count; i++)
                for (size_t j = 0; j < fs->nlabels && fs->on[i]; j++)
                    if (fs->labels[j].suspect_count &&
                        (rc = scan_label(lv, fs, i, &fs->labels[j], 1)) < 0)
                        return rc;
            return 1;
        case ST_EXPLAIN:
            fs->stage = ST_STORE;
            for (size_t j = 0; j < fs->nlabels; j++)
                if (fs->labels[j].suspect_count &&
                    (rc = bv_full_explain_label(lv, fs, &fs->labels[j])) < 0) {
                    bv_live_oom(lv);
                    return rc;
                }
            return 1;
        case ST_STORE:
            fs->stage = ST_DONE;
            if ((rc = bv_full_store_kept(lv, fs)) < 0) {
                bv_live_oom(lv);
                return rc;
            }
            return 0;
        default:
            return 0;
        }
    }
}
