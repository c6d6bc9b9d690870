/* The coverage check: per label (and per relationship type), how many entities carry each
 * property key. It reads every node and relationship once, so it is cut into partitions of
 * internal ids spread over the K connections:
 *
 *   MATCH (n) WHERE id(n) IN range($lo, $hi) RETURN labels(n) AS ls, keys(n) AS ks, count(*) AS c
 *
 * (a NodeByIdSeek on 3.5, where an id(n) >= $lo filter scans the whole store per partition:
 * bolt-reference 9.7). A partition answers one row per distinct (labels, keys) shape; the
 * client adds c to every (label, key) pair of the row, and c alone to the entities seen.
 *
 * Where the ids end. Finding the largest id costs a full scan on 3.5 (max(id(n)) is an
 * AllNodesScan), so the walk goes partition after partition from id 0 until the entities seen
 * reach the count store's total (an O(1) query). Failure modes, and what the walk does:
 *   - entities deleted while it runs: the total is never reached. After EMPTY_LIMIT empty
 *     partitions in a row it asks for min(id) and max(id) (the one full scan) and stops at
 *     the largest id; it does not issue more partitions while that answer is pending.
 *   - a large hole in the id space (a bulk delete, or ids that start high): the same fallback;
 *     the walk then also skips to the smallest id.
 *   - entities created while it runs: they are counted if their ids fall in partitions not yet
 *     read; the walk stops as soon as the seen count reaches the total it read first. A live
 *     source is never a consistent snapshot: compare against quiesced instances.
 *   - a wrong count store (very rare: it is rebuilt after a crash) behaves like the above.
 * Partitions already issued when the stop rule fires still complete and are counted: they hold
 * real entities.
 *
 * Nothing is counted twice: a partition's rows are accumulated in its task and merged into the
 * instance's table only when the whole partition succeeded (a retried partition starts over). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bolt/alloc.h"
#include "bolt/error.h"
#include "measure_internal.h"
#include "verify/cli.h"

#define EMPTY_LIMIT 16u /* empty partitions in a row before the id range is asked for */

/* ---- (token, key) -> count hash table ------------------------------------------------------- */

typedef struct cov_entry {
    char *token; /* NULL: empty slot */
    char *key;
    int64_t n;
    uint64_t h;
} cov_entry;

typedef struct cov_table {
    cov_entry *slots;
    size_t cap, len;
} cov_table;

static uint64_t hash2(const char *a, size_t al, const char *b, size_t bl)
{
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a; the tables are small and keys short */
    for (size_t i = 0; i < al; i++)
        h = (h ^ (unsigned char)a[i]) * 0x100000001b3ull;
    h = (h ^ 0xffu) * 0x100000001b3ull; /* 0xff never occurs in UTF-8: a separator */
    for (size_t i = 0; i < bl; i++)
        h = (h ^ (unsigned char)b[i]) * 0x100000001b3ull;
    return h;
}

static void table_free(cov_table *t)
{
    for (size_t i = 0; i < t->cap; i++) {
        bolt_free(t->slots[i].token);
        bolt_free(t->slots[i].key);
    }
    bolt_free(t->slots);
    memset(t, 0, sizeof *t);
}

static int table_grow(cov_table *t)
{
    size_t cap = t->cap ? t->cap * 2 : 64;
    cov_entry *s = bolt_calloc(cap, sizeof *s);
    if (!s) return BOLT_E_NOMEM;
    for (size_t i = 0; i < t->cap; i++) {
        cov_entry *e = &t->slots[i];
        if (!e->token) continue;
        size_t j = (size_t)e->h & (cap - 1);
        while (s[j].token)
            j = (j + 1) & (cap - 1);
        s[j] = *e;
    }
    bolt_free(t->slots);
    t->slots = s;
    t->cap = cap;
    return 0;
}

/* Adds n to (token, key); the strings are copied when new, or taken (tok_owned / key_owned
 * non-NULL) to move entries between tables without copying. */
static int table_add(cov_table *t, const char *tok, size_t tl, const char *key, size_t kl,
                     int64_t n, char **tok_owned, char **key_owned)
{
    if ((t->len + 1) * 4 > t->cap * 3 && table_grow(t) < 0) return BOLT_E_NOMEM;
    uint64_t h = hash2(tok, tl, key, kl);
    size_t j = (size_t)h & (t->cap - 1);
    while (t->slots[j].token) {
        cov_entry *e = &t->slots[j];
        if (e->h == h && strlen(e->token) == tl && !memcmp(e->token, tok, tl) &&
            strlen(e->key) == kl && !memcmp(e->key, key, kl)) {
            e->n += n;
            return 0;
        }
        j = (j + 1) & (t->cap - 1);
    }
    char *ts = tok_owned ? *tok_owned : bolt_strndup(tok, tl);
    char *ks = key_owned ? *key_owned : bolt_strndup(key, kl);
    if (!ts || !ks) {
        if (!tok_owned) bolt_free(ts);
        if (!key_owned) bolt_free(ks);
        return BOLT_E_NOMEM;
    }
    if (tok_owned) *tok_owned = NULL;
    if (key_owned) *key_owned = NULL;
    t->slots[j] = (cov_entry){ts, ks, n, h};
    t->len++;
    return 0;
}

/* ---- the walk ------------------------------------------------------------------------------- */

typedef struct cov_state cov_state;

typedef struct cov_walk {
    cov_state *st;
    int rels;
    int64_t total; /* count store total; -1 until known */
    int64_t next_lo;
    int64_t seen;
    int64_t min_id, max_id; /* from the fallback range query; max_id -1 until known */
    int asked_range;
    int range_inflight; /* the range query is running (not counted in inflight) */
    unsigned inflight;
    unsigned empty_run;
    int finished;
    cov_table table;
} cov_walk;

struct cov_state {
    bv_live *lv;
    size_t i;
    cov_walk walk[2]; /* nodes, relationships */
    int done;
};

static const char *const col_c[] = {"c"};
static const char *const col_range[] = {"lo", "hi"};
static const char *const col_nodes[] = {"ls", "ks", "c"};
static const char *const col_rels[] = {"t", "ks", "c"};

static void pump(cov_walk *w);

static int coverage_failed(const cov_state *st)
{
    return (st->lv->inst[st->i].failed & BV_CHECK_COVERAGE) || st->lv->error;
}

static int cov_cmp(const void *a, const void *b)
{
    const cov_entry *x = *(const cov_entry *const *)a, *y = *(const cov_entry *const *)b;
    int d = strcmp(x->token, y->token);
    return d ? d : strcmp(x->key, y->key);
}

/* Moves a walk's table into m->coverage: one bv_coverage per token, keys sorted. */
static int publish(cov_state *st, cov_walk *w)
{
    bv_measurement *m = st->lv->inst[st->i].m;
    cov_table *t = &w->table;
    if (!t->len) return 0;
    cov_entry **v = bolt_malloc(t->len * sizeof *v);
    if (!v) return BOLT_E_NOMEM;
    size_t n = 0, tokens = 0;
    for (size_t k = 0; k < t->cap; k++)
        if (t->slots[k].token) v[n++] = &t->slots[k];
    qsort(v, n, sizeof *v, cov_cmp);
    for (size_t k = 0; k < n; k++)
        if (k == 0 || strcmp(v[k]->token, v[k - 1]->token)) tokens++;
    bv_coverage *cv = bolt_realloc(m->coverage, (m->coverage_count + tokens) * sizeof *cv);
    if (!cv) {
        bolt_free(v);
        return BOLT_E_NOMEM;
    }
    m->coverage = cv;
    int rc = 0;
    for (size_t k = 0; k < n && rc == 0;) {
        bv_coverage *c = &m->coverage[m->coverage_count++];
        memset(c, 0, sizeof *c);
        c->is_relationship = w->rels;
        c->token = v[k]->token;
        v[k]->token = NULL;
        size_t end = k + 1;
        while (end < n && !strcmp(v[end]->token, c->token))
            end++;
        c->keys.items = bolt_malloc((end - k) * sizeof *c->keys.items);
        if (!c->keys.items) {
            rc = BOLT_E_NOMEM;
            break;
        }
        c->keys.cap = end - k;
        for (size_t j = k; j < end; j++) {
            c->keys.items[c->keys.len].key = v[j]->key;
            c->keys.items[c->keys.len].count = v[j]->n;
            c->keys.len++;
            v[j]->key = NULL;
            if (j > k) {
                bolt_free(v[j]->token);
                v[j]->token = NULL;
            }
        }
        k = end;
    }
    /* Entries moved out were cleared; the table frees what is left. */
    for (size_t k = 0; k < t->cap; k++)
        if (!t->slots[k].token && t->slots[k].key) {
            bolt_free(t->slots[k].key);
            t->slots[k].key = NULL;
        }
    bolt_free(v);
    return rc;
}

static void walk_finished(cov_walk *w)
{
    cov_state *st = w->st;
    if (w->finished) return;
    w->finished = 1;
    if (!st->walk[0].finished || !st->walk[1].finished) return;
    if (!coverage_failed(st)) {
        for (int k = 0; k < 2; k++)
            if (publish(st, &st->walk[k]) < 0) bv_live_oom(st->lv);
    }
    for (int k = 0; k < 2; k++)
        table_free(&st->walk[k].table);
    st->done = 1;
    bolt_free(st);
}

/* -- the total and the id range -- */

typedef struct scalar_task {
    cov_walk *w;
    int range; /* 0: the count store total; 1: min/max id */
    int64_t a, b;
    int got;
} scalar_task;

static void scalar_begin(void *p)
{
    scalar_task *t = p;
    t->got = 0;
}

static int scalar_record(void *p, const bv_row *row)
{
    scalar_task *t = p;
    const bolt_value *a = bv_row_get(row, 0), *b = t->range ? bv_row_get(row, 1) : NULL;
    if (t->range && a && b && a->type == BOLT_T_NULL && b->type == BOLT_T_NULL) {
        t->a = 0; /* no entity at all any more */
        t->b = -2;
        t->got = 1;
        return 0;
    }
    if (!a || a->type != BOLT_T_INT || (t->range && (!b || b->type != BOLT_T_INT))) {
        snprintf(row->err, row->errlen, "%s",
                 t->range ? "the id range query returned no ids"
                          : "a count query returned no count");
        return BOLT_E_UNEXPECTED;
    }
    t->a = a->u.i;
    t->b = t->range ? b->u.i : 0;
    t->got = 1;
    return 0;
}

static void scalar_done(void *p, int status, const bv_task_error *e)
{
    scalar_task *t = p;
    cov_walk *w = t->w;
    (void)e;
    if (status == 0 && t->got) {
        if (t->range) {
            w->min_id = t->a;
            w->max_id = t->b < -1 ? -1 : t->b;
            if (t->b < -1) w->max_id = w->next_lo - 1; /* empty: stop where the walk is */
            if (w->next_lo < w->min_id) w->next_lo = w->min_id;
        } else {
            w->total = t->a;
        }
    } else if (status == 0) {
        bv_live_fail_check(w->st->lv, w->st->i, BV_CHECK_COVERAGE, BV_EXIT_SERVER,
                           "%s query returned no row", t->range ? "the id range" : "a count");
    }
    if (t->range)
        w->range_inflight = 0;
    else
        w->inflight--;
    bolt_free(t);
    pump(w);
}

static const bv_task_handler scalar_handler = {scalar_begin, scalar_record, NULL, scalar_done};

static int submit_scalar(cov_walk *w, int range)
{
    cov_state *st = w->st;
    const bv_catalog *cat = st->lv->inst[st->i].cat;
    scalar_task *t = bolt_calloc(1, sizeof *t);
    if (!t) {
        bv_live_oom(st->lv);
        return BOLT_E_NOMEM;
    }
    t->w = w;
    t->range = range;
    const char *q = range ? (w->rels ? cat->rel_id_range : cat->node_id_range)
                          : (w->rels ? cat->count_rels : cat->count_nodes);
    const char *what = range ? (w->rels ? "relationship id range" : "node id range")
                             : (w->rels ? "relationship total" : "node total");
    int rc = bv_live_submit(st->lv, st->i, BV_CHECK_COVERAGE, what, q, NULL,
                            range ? col_range : col_c, range ? 2 : 1, &scalar_handler, t);
    if (rc < 0) {
        bolt_free(t);
        return rc;
    }
    if (range)
        w->asked_range = w->range_inflight = 1;
    else
        w->inflight++;
    return 0;
}

/* -- partitions -- */

typedef struct part_task {
    cov_walk *w;
    cov_table local;
    int64_t seen;
    int oom;
} part_task;

static void part_begin(void *p)
{
    part_task *t = p;
    table_free(&t->local);
    t->seen = 0;
    t->oom = 0;
}

static int bad_row(const bv_row *row, const char *what)
{
    snprintf(row->err, row->errlen, "coverage partition: %s", what);
    return BOLT_E_UNEXPECTED;
}

static int part_record(void *p, const bv_row *row)
{
    part_task *t = p;
    const bolt_value *tok = bv_row_get(row, 0), *ks = bv_row_get(row, 1), *c = bv_row_get(row, 2);
    if (!c || c->type != BOLT_T_INT || c->u.i < 0) return bad_row(row, "no count");
    if (!ks || ks->type != BOLT_T_LIST) return bad_row(row, "keys(...) is not a list");
    int rels = t->w->rels;
    if (!tok || (rels ? tok->type != BOLT_T_STRING : tok->type != BOLT_T_LIST))
        return bad_row(row, rels ? "type(r) is not text" : "labels(n) is not a list");
    t->seen += c->u.i;
    uint32_t ntok = rels ? 1 : tok->len;
    for (uint32_t a = 0; a < ntok; a++) {
        const bolt_value *tv = rels ? tok : &tok->u.items[a];
        if (tv->type != BOLT_T_STRING) return bad_row(row, "a label is not text");
        for (uint32_t b = 0; b < ks->len; b++) {
            const bolt_value *kv = &ks->u.items[b];
            if (kv->type != BOLT_T_STRING) return bad_row(row, "a property key is not text");
            if (table_add(&t->local, tv->u.str, tv->len, kv->u.str, kv->len, c->u.i, NULL, NULL) <
                0) {
                t->oom = 1;
                return BOLT_E_NOMEM;
            }
        }
    }
    return 0;
}

static void part_done(void *p, int status, const bv_task_error *e)
{
    part_task *t = p;
    cov_walk *w = t->w;
    cov_state *st = w->st;
    (void)e;
    w->inflight--;
    if (t->oom) bv_live_oom(st->lv);
    if (status == 0 && !coverage_failed(st)) {
        /* The partition succeeded as a whole: only now do its rows count. */
        for (size_t k = 0; k < t->local.cap; k++) {
            cov_entry *en = &t->local.slots[k];
            if (!en->token) continue;
            if (table_add(&w->table, en->token, strlen(en->token), en->key, strlen(en->key), en->n,
                          &en->token, &en->key) < 0) {
                bv_live_oom(st->lv);
                break;
            }
        }
        w->seen += t->seen;
        w->empty_run = t->seen ? 0 : w->empty_run + 1;
        if (st->lv->progress) {
            st->lv->entity_progress = 1;
            const cov_walk *a = &st->walk[0], *b = &st->walk[1];
            int64_t total = (a->total > 0 ? a->total : 0) + (b->total > 0 ? b->total : 0);
            bv_progress_update(st->lv->progress, "coverage", (uint64_t)(a->seen + b->seen),
                               (uint64_t)total);
        }
    }
    table_free(&t->local);
    bolt_free(t);
    pump(w);
}

static const bv_task_handler part_handler = {part_begin, part_record, NULL, part_done};

static int submit_partition(cov_walk *w, int64_t lo, int64_t hi)
{
    cov_state *st = w->st;
    const bv_catalog *cat = st->lv->inst[st->i].cat;
    part_task *t = bolt_calloc(1, sizeof *t);
    if (!t) {
        bv_live_oom(st->lv);
        return BOLT_E_NOMEM;
    }
    t->w = w;
    bolt_value kv[4] = {bolt_string("lo"), bolt_int(lo), bolt_string("hi"), bolt_int(hi)};
    bolt_value params = bolt_map(kv, 2);
    int rc = bv_live_submit(st->lv, st->i, BV_CHECK_COVERAGE,
                            w->rels ? "relationship coverage partition" : "node coverage partition",
                            w->rels ? cat->cov_rels : cat->cov_nodes, &params,
                            w->rels ? col_rels : col_nodes, 3, &part_handler, t);
    if (rc < 0) {
        bolt_free(t);
        return rc;
    }
    w->inflight++;
    return 0;
}

/* Issues partitions while the stop rule allows (see the top of the file); ends the walk when
 * nothing is in flight and nothing more will be issued. */
static void pump(cov_walk *w)
{
    cov_state *st = w->st;
    bv_live *lv = st->lv;
    unsigned window = lv->o->parallel ? lv->o->parallel : 1;
    int64_t size = (int64_t)lv->partition;
    while (!coverage_failed(st) && w->total >= 0 && w->inflight < window) {
        if (w->seen >= w->total) break;                      /* all seen */
        if (w->max_id >= 0 && w->next_lo > w->max_id) break; /* past the last id */
        if (w->empty_run >= EMPTY_LIMIT && !w->asked_range) {
            if (submit_scalar(w, 1) < 0) break;
            continue;
        }
        if (w->asked_range && w->max_id < 0) break; /* wait for the range: no endless walk */
        /* After an empty partition, the partitions still in flight may complete the count:
         * wait for them instead of racing through empty ids (fast to answer) into the id-range
         * full scan. Measured: K=4 issued 28 partitions and the full scan for 10 partitions. */
        if (w->empty_run > 0 && w->inflight > 0 && w->max_id < 0) break;
        int64_t lo = w->next_lo, hi = lo + size - 1;
        if (w->max_id >= 0 && hi > w->max_id) hi = w->max_id;
        if (submit_partition(w, lo, hi) < 0) break;
        w->next_lo = hi + 1;
    }
    if (w->inflight == 0 && !w->range_inflight) walk_finished(w);
}

int bv_measure_coverage_start(bv_live *lv, size_t i)
{
    const bv_catalog *cat = lv->inst[i].cat;
    if (!bv_live_wants(lv, i, BV_CHECK_COVERAGE) || !cat) return lv->error;
    cov_state *st = bolt_calloc(1, sizeof *st);
    if (!st) {
        bv_live_oom(lv);
        return BOLT_E_NOMEM;
    }
    st->lv = lv;
    st->i = i;
    for (int k = 0; k < 2; k++) {
        cov_walk *w = &st->walk[k];
        w->st = st;
        w->rels = k;
        w->total = -1;
        w->max_id = -1;
    }
    bv_live_start_check(lv, i, BV_CHECK_COVERAGE);
    /* The totals come first (O(1)); each walk starts when its total is known. */
    int refused[2];
    for (int k = 0; k < 2; k++)
        refused[k] = submit_scalar(&st->walk[k], 0) < 0;
    /* A refused walk never starts: it is finished now (the last one frees st). */
    for (int k = 0; k < 2; k++)
        if (refused[k]) walk_finished(&st->walk[k]);
    return lv->error;
}
