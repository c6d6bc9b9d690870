/* The tokens check: db.labels(), db.relationshipTypes() (in use only, bolt-reference 9.1) and
 * db.propertyKeys() (every key ever created: information only). The label and type lists are
 * also what the counts check and sampling iterate over, so they are read whenever one of those
 * checks runs, even when the tokens check itself was not asked for. */
#include <string.h>

#include "bolt/alloc.h"
#include "bolt/error.h"
#include "measure_internal.h"
#include "verify/cli.h"

enum { TOK_LABELS = 0, TOK_TYPES, TOK_KEYS };

static const char *const col_label[] = {"label"};
static const char *const col_type[] = {"relationshipType"};
static const char *const col_key[] = {"propertyKey"};

typedef struct tok_task {
    bv_live *lv;
    size_t i;
    int which;
    bv_counts got; /* this attempt's tokens; moved into the measurement on success */
    int oom;
} tok_task;

static void tok_begin(void *p)
{
    tok_task *t = p;
    bv_counts_free(&t->got);
    t->oom = 0;
}

static int tok_record(void *p, const bv_row *row)
{
    tok_task *t = p;
    const bolt_value *v = bv_row_get(row, 0);
    char *name = bv_value_strdup(v, &t->oom);
    if (!name) {
        if (t->oom) return BOLT_E_NOMEM;
        snprintf(row->err, row->errlen, "a token name is not text (%s)",
                 v ? bolt_type_name((bolt_type)v->type) : "column missing");
        return BOLT_E_UNEXPECTED;
    }
    /* The server lists each token once: append without the linear duplicate search. */
    if (t->got.len == t->got.cap) {
        size_t cap = t->got.cap ? t->got.cap * 2 : 32;
        bv_count *items = bolt_realloc(t->got.items, cap * sizeof *items);
        if (!items) {
            bolt_free(name);
            t->oom = 1;
            return BOLT_E_NOMEM;
        }
        t->got.items = items;
        t->got.cap = cap;
    }
    t->got.items[t->got.len].key = name;
    t->got.items[t->got.len].count = 1;
    t->got.len++;
    return 0;
}

static void tok_done(void *p, int status, const bv_task_error *e)
{
    tok_task *t = p;
    (void)e;
    if (status == 0 && !t->oom) {
        bv_live_instance *li = &t->lv->inst[t->i];
        bv_measurement *m = li->m;
        bv_counts *dst = t->which == TOK_LABELS  ? &m->labels
                         : t->which == TOK_TYPES ? &m->rel_types
                                                 : &m->prop_keys;
        bv_counts_free(dst);
        *dst = t->got;
        memset(&t->got, 0, sizeof t->got);
        bv_counts_sort(dst);
        if (t->which == TOK_LABELS) li->have_labels = 1;
        if (t->which == TOK_TYPES) li->have_types = 1;
        /* Counts need both lists: start them as soon as the second one is in. */
        if (li->have_labels && li->have_types &&
            (t->which == TOK_LABELS || t->which == TOK_TYPES) &&
            bv_measure_counts_start(t->lv, t->i) < 0)
            bv_live_oom(t->lv);
    } else if (t->oom) {
        bv_live_oom(t->lv);
    }
    bv_counts_free(&t->got);
    bolt_free(t);
}

static const bv_task_handler tok_handler = {tok_begin, tok_record, NULL, tok_done};

static int submit(bv_live *lv, size_t i, unsigned check, int which, const char *cypher,
                  const char *const *cols, const char *what)
{
    tok_task *t = bolt_calloc(1, sizeof *t);
    if (!t) {
        bv_live_oom(lv);
        return BOLT_E_NOMEM;
    }
    t->lv = lv;
    t->i = i;
    t->which = which;
    int rc = bv_live_submit(lv, i, check, what, cypher, NULL, cols, 1, &tok_handler, t);
    if (rc < 0) bolt_free(t);
    return rc == BOLT_E_NOMEM ? rc : 0;
}

int bv_measure_tokens_start(bv_live *lv, size_t i)
{
    const bv_catalog *cat = lv->inst[i].cat;
    /* Whose failure is a failed token list: the tokens check, else the first check that
     * needed the list. */
    static const unsigned owners[] = {BV_CHECK_TOKENS, BV_CHECK_COUNTS, BV_CHECK_SAMPLE,
                                      BV_CHECK_FULL};
    unsigned owner = 0;
    for (size_t k = 0; k < sizeof owners / sizeof owners[0] && !owner; k++)
        if (bv_live_wants(lv, i, owners[k])) owner = owners[k];
    if (!owner || !cat) return lv->error;
    int rc;
    if ((rc = submit(lv, i, owner, TOK_LABELS, cat->labels, col_label, "db.labels()")) < 0 ||
        (rc = submit(lv, i, owner, TOK_TYPES, cat->rel_types, col_type, "db.relationshipTypes()")) <
            0)
        return rc;
    /* The key list is only information (tokens check); nothing else reads it. */
    if (bv_live_wants(lv, i, BV_CHECK_TOKENS) &&
        (rc = submit(lv, i, BV_CHECK_TOKENS, TOK_KEYS, cat->prop_keys, col_key,
                     "db.propertyKeys()")) < 0)
        return rc;
    return lv->error;
}
