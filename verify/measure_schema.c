/* The schema check: indexes and constraints, as the server line lists them (3.5 and 4.0-4.1:
 * db.indexes() / db.constraints(); 4.2 on: SHOW INDEXES / SHOW CONSTRAINTS), each row turned
 * into a bv_schema_item by bv_schema_normalize() (verify/compare_schema.c owns the rules).
 * This file only reads the columns, by name: one superset of every version's column names,
 * absent ones read as NULL. Items are stored as listed (not folded): compare folds
 * constraint-owned indexes itself, and the sample check looks for uniqueness constraints. */
#include <stdio.h>
#include <string.h>

#include "bolt/alloc.h"
#include "bolt/error.h"
#include "measure_internal.h"
#include "verify/cli.h"
#include "verify/compare.h"

enum {
    COL_DESCRIPTION = 0,
    COL_INDEX_NAME, /* 3.5 */
    COL_NAME,
    COL_TOKEN_NAMES, /* 3.5 */
    COL_LABELS_OR_TYPES,
    COL_PROPERTIES,
    COL_TYPE,
    COL_UNIQUENESS,
    COL_ENTITY_TYPE,
    COL_PROVIDER, /* 3.5: a map {key, version}; 4.0-4.1: a string */
    COL_INDEX_PROVIDER,
    COL_OWNING_CONSTRAINT,
    COL_PROPERTY_TYPE,
    COL_COUNT
};

static const char *const schema_cols[COL_COUNT] = {
    "description", "indexName",  "name",       "tokenNames", "labelsOrTypes", "properties",
    "type",        "uniqueness", "entityType", "provider",   "indexProvider", "owningConstraint",
    "propertyType"};

typedef struct schema_task {
    bv_live *lv;
    size_t i;
    bv_schema_row_source source;
    bv_schema_item *items;
    size_t count, cap;
    bolt_arena scratch; /* NUL-terminated copies of one row's strings */
    int oom;
} schema_task;

static void items_free(schema_task *t)
{
    for (size_t k = 0; k < t->count; k++)
        bv_schema_item_free(&t->items[k]);
    bolt_free(t->items);
    t->items = NULL;
    t->count = t->cap = 0;
}

static void schema_begin(void *p)
{
    schema_task *t = p;
    items_free(t);
    t->oom = 0;
}

/* A STRING as a NUL-terminated copy in the scratch arena; NULL when absent or not a string. */
static const char *str(schema_task *t, const bolt_value *v)
{
    if (!v || v->type != BOLT_T_STRING) return NULL;
    if (v->len && memchr(v->u.str, '\0', v->len)) return NULL;
    char *s = bolt_arena_alloc(&t->scratch, (size_t)v->len + 1);
    if (!s) {
        t->oom = 1;
        return NULL;
    }
    if (v->len) memcpy(s, v->u.str, v->len);
    s[v->len] = '\0';
    return s;
}

/* A LIST of STRING as an array in the scratch arena (*n entries); NULL / 0 when absent (a LOOKUP
 * index has null labelsOrTypes). -1 in *n for a list that holds something else. */
static const char *const *strv(schema_task *t, const bolt_value *v, size_t *n)
{
    *n = 0;
    if (!v || v->type != BOLT_T_LIST || v->len == 0) return NULL;
    const char **a = bolt_arena_alloc(&t->scratch, v->len * sizeof *a);
    if (!a) {
        t->oom = 1;
        return NULL;
    }
    for (uint32_t k = 0; k < v->len; k++) {
        if (!(a[k] = str(t, &v->u.items[k]))) {
            if (!t->oom) *n = (size_t)-1;
            return NULL;
        }
    }
    *n = v->len;
    return a;
}

static int schema_record(void *p, const bv_row *row)
{
    schema_task *t = p;
    bolt_arena_reset(&t->scratch);
    bv_schema_row sr;
    memset(&sr, 0, sizeof sr);
    sr.source = t->source;
    sr.description = str(t, bv_row_get(row, COL_DESCRIPTION));
    sr.name = str(t, bv_row_get(row, COL_NAME));
    if (!sr.name) sr.name = str(t, bv_row_get(row, COL_INDEX_NAME));
    sr.type = str(t, bv_row_get(row, COL_TYPE));
    sr.entity_type = str(t, bv_row_get(row, COL_ENTITY_TYPE));
    sr.uniqueness = str(t, bv_row_get(row, COL_UNIQUENESS));
    const bolt_value *tokens = bv_row_get(row, COL_LABELS_OR_TYPES);
    if (!tokens || tokens->type != BOLT_T_LIST) tokens = bv_row_get(row, COL_TOKEN_NAMES);
    sr.tokens = strv(t, tokens, &sr.token_count);
    sr.props = strv(t, bv_row_get(row, COL_PROPERTIES), &sr.prop_count);
    if (sr.token_count == (size_t)-1 || sr.prop_count == (size_t)-1) {
        snprintf(row->err, row->errlen, "a schema row lists a name that is not text");
        return BOLT_E_UNEXPECTED;
    }
    const bolt_value *prov = bv_row_get(row, COL_INDEX_PROVIDER);
    if (!prov || prov->type != BOLT_T_STRING) prov = bv_row_get(row, COL_PROVIDER);
    if (prov && prov->type == BOLT_T_MAP) { /* 3.5: {key: "native-btree", version: "1.0"} */
        sr.provider_key = str(t, bolt_map_get(prov, "key"));
        sr.provider_version = str(t, bolt_map_get(prov, "version"));
    } else {
        sr.provider = str(t, prov);
    }
    sr.owning_constraint = str(t, bv_row_get(row, COL_OWNING_CONSTRAINT));
    sr.property_type = str(t, bv_row_get(row, COL_PROPERTY_TYPE));
    if (t->oom) return BOLT_E_NOMEM;
    if (t->count == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        bv_schema_item *v = bolt_realloc(t->items, cap * sizeof *v);
        if (!v) {
            t->oom = 1;
            return BOLT_E_NOMEM;
        }
        t->items = v;
        t->cap = cap;
    }
    if (bv_schema_normalize(&sr, &t->items[t->count]) < 0) {
        t->oom = 1;
        return BOLT_E_NOMEM;
    }
    t->count++;
    return 0;
}

static void schema_done(void *p, int status, const bv_task_error *e)
{
    schema_task *t = p;
    (void)e;
    bv_measurement *m = t->lv->inst[t->i].m;
    if (t->oom) {
        bv_live_oom(t->lv);
    } else if (status == 0 && t->count) {
        bv_schema_item *v = bolt_realloc(m->schema, (m->schema_count + t->count) * sizeof *v);
        if (!v) {
            bv_live_oom(t->lv);
        } else {
            memcpy(v + m->schema_count, t->items, t->count * sizeof *v);
            m->schema = v;
            m->schema_count += t->count;
            bolt_free(t->items);
            t->items = NULL;
            t->count = t->cap = 0;
        }
    }
    items_free(t);
    bolt_arena_free(&t->scratch);
    bolt_free(t);
}

static const bv_task_handler schema_handler = {schema_begin, schema_record, NULL, schema_done};

static int submit(bv_live *lv, size_t i, unsigned check, bv_schema_row_source source,
                  const char *cypher)
{
    schema_task *t = bolt_calloc(1, sizeof *t);
    if (!t) {
        bv_live_oom(lv);
        return BOLT_E_NOMEM;
    }
    t->lv = lv;
    t->i = i;
    t->source = source;
    bolt_arena_init(&t->scratch, 1024, 0);
    int rc = bv_live_submit(lv, i, check, source == BV_ROW_INDEX ? "index list" : "constraint list",
                            cypher, NULL, schema_cols, COL_COUNT, &schema_handler, t);
    if (rc < 0) {
        bolt_arena_free(&t->scratch);
        bolt_free(t);
    }
    return rc == BOLT_E_NOMEM ? rc : 0;
}

int bv_measure_schema_start(bv_live *lv, size_t i)
{
    const bv_catalog *cat = lv->inst[i].cat;
    /* Sampling picks its keys from the uniqueness constraints: the schema is read for it even
     * when the schema check was not asked for (a failure then belongs to the sample check). */
    static const unsigned owners[] = {BV_CHECK_SCHEMA, BV_CHECK_SAMPLE, BV_CHECK_FULL};
    unsigned owner = 0;
    for (size_t k = 0; k < sizeof owners / sizeof owners[0] && !owner; k++)
        if (bv_live_wants(lv, i, owners[k])) owner = owners[k];
    if (!owner || !cat) return lv->error;
    int rc;
    if ((rc = submit(lv, i, owner, BV_ROW_INDEX, cat->indexes)) < 0 ||
        (rc = submit(lv, i, owner, BV_ROW_CONSTRAINT, cat->constraints)) < 0)
        return rc;
    return lv->error;
}
