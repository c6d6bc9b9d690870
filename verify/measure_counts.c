/* The counts check: count store shapes only (bolt-reference 9.2), each an O(1) query: all
 * nodes, all relationships, per label, per type, and per (label)-[type]->() and
 * ()-[type]->(label) for every label x type pair. Many tiny queries, spread over the K
 * connections by the scheduler.
 *
 * Keys as model.h spells them: labels and types by name; the pair counts pre-rendered as
 * "(:Person)-[:KNOWS]->()" / "()-[:KNOWS]->(:Person)", a name back-quoted only when it is not a
 * plain identifier (as compare prints names). Pair counts of 0 are not stored: compare reads an
 * absent key as 0, and a store with many labels and types has mostly empty pairs. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "bolt/alloc.h"
#include "bolt/error.h"
#include "measure_internal.h"
#include "verify/cli.h"

enum { C_NODES = 0, C_RELS, C_LABEL, C_TYPE, C_OUT, C_IN };

static const char *const col_c[] = {"c"};

typedef struct count_task {
    bv_live *lv;
    size_t i;
    int kind;
    char *key; /* owned until stored */
    int64_t value;
    int got;
} count_task;

static void count_begin(void *p)
{
    count_task *t = p;
    t->got = 0;
    t->value = 0;
}

static int count_record(void *p, const bv_row *row)
{
    count_task *t = p;
    const bolt_value *v = bv_row_get(row, 0);
    if (!v || v->type != BOLT_T_INT || v->u.i < 0 || t->got) {
        snprintf(row->err, row->errlen, "a count query answered %s instead of one count",
                 t->got ? "several rows"
                 : v    ? bolt_type_name((bolt_type)v->type)
                        : "no column c");
        return BOLT_E_UNEXPECTED;
    }
    t->value = v->u.i;
    t->got = 1;
    return 0;
}

/* Appends a key known to be new (the linear search of bv_counts_set is quadratic over the
 * label x type pairs). Takes the key. */
static int counts_push(bv_counts *c, char *key, int64_t n)
{
    if (c->len == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        bv_count *items = bolt_realloc(c->items, cap * sizeof *items);
        if (!items) return BOLT_E_NOMEM;
        c->items = items;
        c->cap = cap;
    }
    c->items[c->len].key = key;
    c->items[c->len].count = n;
    c->len++;
    return 0;
}

static void count_done(void *p, int status, const bv_task_error *e)
{
    count_task *t = p;
    (void)e;
    bv_live_instance *li = &t->lv->inst[t->i];
    bv_measurement *m = li->m;
    if (status == 0 && !t->got) {
        bv_live_fail_check(t->lv, t->i, BV_CHECK_COUNTS, BV_EXIT_SERVER,
                           "%s: a count query returned no row", t->lv->r->instances[t->i].source);
    } else if (status == 0) {
        switch (t->kind) {
        case C_NODES:
            m->node_count = t->value;
            li->node_total = t->value;
            break;
        case C_RELS:
            m->rel_count = t->value;
            li->rel_total = t->value;
            break;
        default: {
            bv_counts *dst = t->kind == C_LABEL  ? &m->label_counts
                             : t->kind == C_TYPE ? &m->type_counts
                             : t->kind == C_OUT  ? &m->out_counts
                                                 : &m->in_counts;
            if ((t->kind == C_LABEL || t->kind == C_TYPE || t->value) &&
                counts_push(dst, t->key, t->value) == 0)
                t->key = NULL;
            else if (t->key && (t->kind == C_LABEL || t->kind == C_TYPE || t->value))
                bv_live_oom(t->lv);
        }
        }
    }
    bolt_free(t->key);
    bolt_free(t);
}

static const bv_task_handler count_handler = {count_begin, count_record, NULL, count_done};

/* A name as compare prints it: bare when a plain identifier, else back-quoted. */
static size_t display_name(char *buf, size_t len, const char *name)
{
    int plain = *name && !(*name >= '0' && *name <= '9');
    for (const char *s = name; *s && plain; s++)
        plain = (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
                *s == '_';
    if (plain) return (size_t)snprintf(buf, len, "%s", name);
    return bv_cypher_quote(buf, len, name);
}

static char *pair_key(int kind, const char *label, const char *type)
{
    size_t nl = display_name(NULL, 0, label), nt = display_name(NULL, 0, type);
    size_t n = nl + nt + 16;
    char *k = bolt_malloc(n);
    if (!k) return NULL;
    char *l = bolt_malloc(nl + 1), *ty = bolt_malloc(nt + 1);
    if (!l || !ty) {
        bolt_free(k);
        bolt_free(l);
        bolt_free(ty);
        return NULL;
    }
    display_name(l, nl + 1, label);
    display_name(ty, nt + 1, type);
    if (kind == C_OUT)
        snprintf(k, n, "(:%s)-[:%s]->()", l, ty);
    else
        snprintf(k, n, "()-[:%s]->(:%s)", ty, l);
    bolt_free(l);
    bolt_free(ty);
    return k;
}

static int submit(bv_live *lv, size_t i, int kind, const char *tmpl, const char *label,
                  const char *type)
{
    count_task *t = bolt_calloc(1, sizeof *t);
    if (!t) {
        bv_live_oom(lv);
        return BOLT_E_NOMEM;
    }
    t->lv = lv;
    t->i = i;
    t->kind = kind;
    const char *names[2];
    size_t n = 0;
    if (kind == C_LABEL || kind == C_OUT || kind == C_IN) names[n++] = label;
    if (kind == C_TYPE || kind == C_OUT || kind == C_IN) names[n++] = type;
    char *q = n ? bv_live_query(lv, i, BV_CHECK_COUNTS, tmpl, names, n)
                : bolt_strndup(tmpl, strlen(tmpl));
    if (kind == C_LABEL || kind == C_TYPE)
        t->key = bolt_strndup(n ? names[0] : "", strlen(n ? names[0] : ""));
    else if (kind == C_OUT || kind == C_IN)
        t->key = pair_key(kind, label, type);
    /* bv_live_query() already recorded why it built nothing (no memory, or a bad name). */
    int failed = !q;
    if ((!q && !n) || (q && n && !t->key)) {
        bv_live_oom(lv);
        failed = 1;
    }
    if (failed) {
        bolt_free(q);
        bolt_free(t->key);
        bolt_free(t);
        return lv->error;
    }
    static const char *const what[] = {"count of all nodes", "count of all relationships",
                                       "label count",        "relationship type count",
                                       "outgoing count",     "incoming count"};
    int rc =
        bv_live_submit(lv, i, BV_CHECK_COUNTS, what[kind], q, NULL, col_c, 1, &count_handler, t);
    bolt_free(q);
    if (rc < 0) {
        bolt_free(t->key);
        bolt_free(t);
    }
    return rc == BOLT_E_NOMEM ? rc : 0;
}

int bv_measure_counts_start(bv_live *lv, size_t i)
{
    bv_live_instance *li = &lv->inst[i];
    if (!bv_live_wants(lv, i, BV_CHECK_COUNTS) || !li->cat) return lv->error;
    if (!li->have_labels || !li->have_types) {
        bv_live_fail_check(lv, i, BV_CHECK_COUNTS, BV_EXIT_SERVER,
                           "not measured: the label and relationship type lists could not be "
                           "read");
        return lv->error;
    }
    const bv_catalog *cat = li->cat;
    bv_measurement *m = li->m;
    bv_live_start_check(lv, i, BV_CHECK_COUNTS);
    int rc;
    if ((rc = submit(lv, i, C_NODES, cat->count_nodes, NULL, NULL)) < 0 ||
        (rc = submit(lv, i, C_RELS, cat->count_rels, NULL, NULL)) < 0)
        return rc;
    for (size_t l = 0; l < m->labels.len; l++)
        if ((rc = submit(lv, i, C_LABEL, cat->count_label, m->labels.items[l].key, NULL)) < 0)
            return rc;
    for (size_t r = 0; r < m->rel_types.len; r++)
        if ((rc = submit(lv, i, C_TYPE, cat->count_type, NULL, m->rel_types.items[r].key)) < 0)
            return rc;
    for (size_t l = 0; l < m->labels.len; l++)
        for (size_t r = 0; r < m->rel_types.len; r++) {
            const char *label = m->labels.items[l].key, *type = m->rel_types.items[r].key;
            if ((rc = submit(lv, i, C_OUT, cat->count_out, label, type)) < 0 ||
                (rc = submit(lv, i, C_IN, cat->count_in, label, type)) < 0)
                return rc;
            if (li->failed & BV_CHECK_COUNTS) return lv->error;
        }
    return lv->error;
}
