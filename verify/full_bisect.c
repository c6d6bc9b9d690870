/* The full check's bisection (verify/full_internal.h, measure_full.c): per label, the buckets
 * whose digests differ between the baseline and a target are scanned again keeping each node's
 * key and hash; the divergent keys (present on one side only, or with another hash) are the
 * named nodes, and the first BV_FULL_NAMES of each label are fetched again with their fields so
 * that compare explains them like sampled nodes. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bolt/alloc.h"
#include "bolt/error.h"
#include "full_internal.h"
#include "verify/cli.h"

/* ---- EXPLAIN: the first divergent keys, fetched with their fields ---------------------------- */

typedef struct explain_task {
    bv_live *lv;
    full_state *fs;
    full_label *fl;
    size_t i;
    bv_sample_node *got;
    size_t n, cap;
} explain_task;

static void explain_reset(explain_task *t)
{
    for (size_t j = 0; j < t->n; j++)
        bv_sample_node_free(&t->got[j]);
    t->n = 0;
}

static void explain_begin(void *p)
{
    explain_reset(p);
}

static int explain_record(void *p, const bv_row *row)
{
    explain_task *t = p;
    bv_node_row nr = bv_node_row_of(row);
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 8;
        bv_sample_node *v = bolt_realloc(t->got, cap * sizeof *v);
        if (!v) return BOLT_E_NOMEM;
        t->got = v;
        t->cap = cap;
    }
    int rc = bv_sample_node_build(&t->fs->canon, t->fl->label, t->fl->key->prop, &nr,
                                  BV_NODE_FIELDS | t->fs->node_flags, &t->got[t->n]);
    if (rc) {
        if (rc != BOLT_E_NOMEM)
            snprintf(row->err, row->errlen, "a node of :%s has an unexpected shape (%s)",
                     t->fl->label, bolt_strerror(rc));
        return rc == BOLT_E_NOMEM ? rc : BOLT_E_UNEXPECTED;
    }
    t->n++;
    return 0;
}

static void explain_done(void *p, int status, const bv_task_error *e)
{
    explain_task *t = p;
    (void)e;
    inst_label *il = &t->fl->inst[t->i];
    for (size_t j = 0; status == 0 && j < t->n; j++) {
        /* The fetched node replaces the kept one of the same key, but only when the scan saw
         * the same content: a node that changed in between must not be explained with data the
         * digest never covered. */
        for (size_t x = 0; x < il->nkept; x++) {
            bv_sample_node *k = &il->kept[x].node;
            if (!bv_h128_eq(k->key_hash, t->got[j].key_hash)) continue;
            if (bv_h128_eq(k->node_hash, t->got[j].node_hash)) {
                bv_sample_node_free(k);
                *k = t->got[j];
                memset(&t->got[j], 0, sizeof t->got[j]);
            }
            break;
        }
    }
    explain_reset(t);
    bolt_free(t->got);
    bolt_free(t);
}

static const bv_task_handler explain_handler = {explain_begin, explain_record, NULL, explain_done};

static int submit_explain(bv_live *lv, full_state *fs, size_t i, full_label *fl, bolt_value *keys,
                          size_t n)
{
    const bv_catalog *cat = lv->inst[i].cat;
    int by_id = fl->key->source == BV_KEY_ID;
    char *q = bv_full_query(lv, i, by_id ? cat->node_fetch_ids : cat->node_fetch, fl, !by_id);
    if (!q) return lv->error;
    explain_task *t = bolt_calloc(1, sizeof *t);
    if (!t) {
        bolt_free(q);
        bv_live_oom(lv);
        return BOLT_E_NOMEM;
    }
    t->lv = lv;
    t->fs = fs;
    t->fl = fl;
    t->i = i;
    bolt_value kv[4] = {bolt_string("keys"), bolt_list(keys, n), bolt_string("nk"),
                        bolt_list(fs->nk_items, fs->nk_len)};
    bolt_value params = bolt_map(kv, 2);
    int rc = bv_live_submit(lv, i, BV_CHECK_FULL, "full explain", q, &params, bv_node_columns,
                            BV_NODE_COLUMN_COUNT, &explain_handler, t);
    bolt_free(q);
    if (rc < 0) bolt_free(t);
    return rc == BOLT_E_NOMEM ? rc : 0;
}

/* ---- digests, suspects, divergent keys ------------------------------------------------------- */

static int ms_eq(const bv_multiset *a, const bv_multiset *b)
{
    return a->count == b->count && bv_h128_eq(a->sum, b->sum);
}

/* Writes full_labels / full_digests of every instance that completed its scans. */
int bv_full_store_digests(bv_live *lv, full_state *fs)
{
    for (size_t i = 0; i < lv->count; i++) {
        if (!fs->on[i] || !bv_live_wants(lv, i, BV_CHECK_FULL)) continue;
        bv_measurement *m = lv->inst[i].m;
        bv_counts_free(&m->full_labels);
        bolt_free(m->full_digests);
        m->full_digests = NULL;
        if (!fs->nlabels) continue;
        m->full_labels.items = bolt_calloc(fs->nlabels, sizeof *m->full_labels.items);
        m->full_digests = bolt_calloc(fs->nlabels, sizeof *m->full_digests);
        if (!m->full_labels.items || !m->full_digests) return BOLT_E_NOMEM;
        m->full_labels.cap = fs->nlabels;
        for (size_t j = 0; j < fs->nlabels; j++) {
            full_label *fl = &fs->labels[j];
            inst_label *il = &fl->inst[i];
            bv_multiset all;
            bv_multiset_init(&all);
            for (uint32_t b = 0; b < fl->buckets; b++)
                bv_multiset_merge(&all, &il->buckets[b]);
            bv_count *c = &m->full_labels.items[m->full_labels.len];
            if (!(c->key = bolt_strndup(fl->label, strlen(fl->label)))) return BOLT_E_NOMEM;
            c->count = (int64_t)il->hashed;
            m->full_digests[m->full_labels.len++] = bv_multiset_digest(&all);
        }
    }
    return 0;
}

static int note_full(bv_measurement *m, const char *label, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static int note_full(bv_measurement *m, const char *label, const char *fmt, ...)
{
    char why[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    bv_sample_node *v = bolt_realloc(m->full_nodes, (m->full_node_count + 1) * sizeof *v);
    if (!v) return BOLT_E_NOMEM;
    m->full_nodes = v;
    int rc = bv_sample_node_note(label, why, &v[m->full_node_count]);
    if (rc == 0) m->full_node_count++;
    return rc;
}

/* Marks the suspect buckets of every label (those that differ between the baseline and any
 * target) and keeps as many as BV_FULL_KEEP_MAX nodes allow, lowest bucket first. Returns 1
 * when some label has buckets to scan again. */
int bv_full_choose_suspects(bv_live *lv, full_state *fs)
{
    int any = 0;
    if (!fs->on[0] || !bv_live_wants(lv, 0, BV_CHECK_FULL)) return 0;
    for (size_t j = 0; j < fs->nlabels; j++) {
        full_label *fl = &fs->labels[j];
        uint64_t nkept = 0;
        for (uint32_t b = 0; b < fl->buckets; b++) {
            const bv_multiset *base = &fl->inst[0].buckets[b];
            uint64_t most = base->count;
            int differs = 0;
            for (size_t i = 1; i < lv->count; i++) {
                if (!fs->on[i] || !bv_live_wants(lv, i, BV_CHECK_FULL)) continue;
                const bv_multiset *o = &fl->inst[i].buckets[b];
                if (!ms_eq(base, o)) differs = 1;
                if (o->count > most) most = o->count;
            }
            if (!differs) continue;
            fl->suspect_total++;
            if (!bv_full_keyed(fl) || (fl->suspect_count && nkept + most > BV_FULL_KEEP_MAX))
                continue;
            fl->suspect[b] = 1;
            fl->suspect_count++;
            nkept += most;
        }
        if (fl->suspect_total && !bv_full_keyed(fl) &&
            note_full(lv->inst[0].m, fl->label,
                      "divergent nodes not named: the label has no key (give --key %s.<property>)",
                      fl->label) < 0)
            return BOLT_E_NOMEM;
        if (fl->suspect_count < fl->suspect_total && bv_full_keyed(fl) &&
            note_full(lv->inst[0].m, fl->label,
                      "divergent nodes in %zu of %zu differing hash buckets not named (at most "
                      "%u nodes are kept per label)",
                      fl->suspect_total - fl->suspect_count, fl->suspect_total,
                      BV_FULL_KEEP_MAX) < 0)
            return BOLT_E_NOMEM;
        if (fl->suspect_count) any = 1;
    }
    return any;
}

static int kept_cmp(const void *a, const void *b)
{
    return bv_h128_cmp(((const kept *)a)->node.key_hash, ((const kept *)b)->node.key_hash);
}

typedef struct divergent {
    const char *text;
    const bolt_value *key;
} divergent;

static int divergent_cmp(const void *a, const void *b)
{
    return strcmp(((const divergent *)a)->text, ((const divergent *)b)->text);
}

/* The divergent keys of a label (present on one side only, or with another hash), over every
 * target, sorted by key text; at most BV_FULL_NAMES are fetched again. */
int bv_full_explain_label(bv_live *lv, full_state *fs, full_label *fl)
{
    for (size_t i = 0; i < lv->count; i++)
        if (fs->on[i] && fl->inst[i].nkept > 1)
            qsort(fl->inst[i].kept, fl->inst[i].nkept, sizeof(kept), kept_cmp);
    divergent *d = NULL;
    size_t nd = 0, capd = 0;
    const inst_label *b = &fl->inst[0];
    for (size_t i = 1; i < lv->count; i++) {
        if (!fs->on[i] || !bv_live_wants(lv, i, BV_CHECK_FULL)) continue;
        const inst_label *t = &fl->inst[i];
        size_t x = 0, y = 0;
        while (x < b->nkept || y < t->nkept) {
            int c = x == b->nkept ? 1
                    : y == t->nkept
                        ? -1
                        : bv_h128_cmp(b->kept[x].node.key_hash, t->kept[y].node.key_hash);
            const kept *k = NULL;
            if (c < 0) {
                k = &b->kept[x++];
            } else if (c > 0) {
                k = &t->kept[y++];
            } else {
                if (!bv_h128_eq(b->kept[x].node.node_hash, t->kept[y].node.node_hash))
                    k = &b->kept[x];
                x++, y++;
            }
            if (!k) continue;
            if (nd == capd) {
                size_t cap = capd ? capd * 2 : 32;
                divergent *v = bolt_realloc(d, cap * sizeof *v);
                if (!v) {
                    bolt_free(d);
                    return BOLT_E_NOMEM;
                }
                d = v;
                capd = cap;
            }
            d[nd].text = k->node.key_text;
            d[nd].key = &k->key;
            nd++;
        }
    }
    if (nd > 1) qsort(d, nd, sizeof *d, divergent_cmp);
    /* the same key diverging on two targets appears twice: keep the first BV_FULL_NAMES
     * distinct ones */
    bolt_value keys[BV_FULL_NAMES];
    size_t nk = 0;
    for (size_t j = 0; j < nd && nk < BV_FULL_NAMES; j++)
        if (!j || strcmp(d[j].text, d[j - 1].text)) keys[nk++] = *d[j].key;
    bolt_free(d);
    int rc = 0;
    for (size_t i = 0; nk && i < lv->count && rc == 0; i++)
        if (fs->on[i] && bv_live_wants(lv, i, BV_CHECK_FULL))
            rc = submit_explain(lv, fs, i, fl, keys, nk);
    return rc;
}

/* Moves the kept nodes into every instance's measurement. */
int bv_full_store_kept(bv_live *lv, full_state *fs)
{
    for (size_t i = 0; i < lv->count; i++) {
        if (!fs->on[i] || !bv_live_wants(lv, i, BV_CHECK_FULL)) continue;
        bv_measurement *m = lv->inst[i].m;
        for (size_t j = 0; j < fs->nlabels; j++) {
            inst_label *il = &fs->labels[j].inst[i];
            if (!il->nkept) continue;
            bv_sample_node *v =
                bolt_realloc(m->full_nodes, (m->full_node_count + il->nkept) * sizeof *v);
            if (!v) return BOLT_E_NOMEM;
            m->full_nodes = v;
            for (size_t x = 0; x < il->nkept; x++) {
                v[m->full_node_count++] = il->kept[x].node;
                memset(&il->kept[x].node, 0, sizeof il->kept[x].node);
            }
            il->nkept = 0;
        }
    }
    return 0;
}
