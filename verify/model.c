/* Helpers of verify/model.h: names, bv_counts tables, freeing measurements, divergence lists.
 * Every allocation goes through bolt_malloc & co. so the malloc-failure tests reach it. */
#include "verify/model.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bolt/alloc.h"
#include "bolt/error.h"

static const char *const check_names[BV_CHECK_COUNT] = {
    "inventory", "tokens", "counts", "schema", "coverage", "sample", "full",
};

const char *bv_check_name(unsigned check)
{
    for (unsigned i = 0; i < BV_CHECK_COUNT; i++)
        if (check == 1u << i) return check_names[i];
    return "?";
}

unsigned bv_check_from_name(const char *name, size_t len)
{
    for (unsigned i = 0; i < BV_CHECK_COUNT; i++)
        if (strlen(check_names[i]) == len && !memcmp(check_names[i], name, len)) return 1u << i;
    return 0;
}

const char *bv_schema_kind_name(bv_schema_kind k)
{
    switch (k) {
    case BV_SCHEMA_INDEX:
        return "index";
    case BV_SCHEMA_TEXT:
        return "text index";
    case BV_SCHEMA_POINT:
        return "point index";
    case BV_SCHEMA_FULLTEXT:
        return "fulltext index";
    case BV_SCHEMA_LOOKUP:
        return "lookup index";
    case BV_SCHEMA_VECTOR:
        return "vector index";
    case BV_SCHEMA_UNIQUE:
        return "uniqueness constraint";
    case BV_SCHEMA_NODE_KEY:
        return "key constraint";
    case BV_SCHEMA_EXISTS:
        return "existence constraint";
    case BV_SCHEMA_TYPE:
        return "property type constraint";
    case BV_SCHEMA_OTHER:
        break;
    }
    return "schema item";
}

const char *bv_severity_name(bv_severity s)
{
    switch (s) {
    case BV_SEV_DRIFT:
        return "drift";
    case BV_SEV_EXPECTED:
        return "expected";
    case BV_SEV_INFO:
        return "info";
    case BV_SEV_AMBIGUOUS:
        return "ambiguous";
    }
    return "?";
}

void bv_h128_format(bv_h128 h, char out[33])
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 16; i++) {
        out[i] = hex[(h.hi >> (60 - 4 * i)) & 0xF];
        out[16 + i] = hex[(h.lo >> (60 - 4 * i)) & 0xF];
    }
    out[32] = '\0';
}

/* ---- bv_counts ----------------------------------------------------------------------------
 * Tables are small (labels, types, keys of one label): a linear find keeps the code obvious;
 * compare sorts them once and then walks them in step. */

static bv_count *counts_lookup(bv_counts *c, const char *key)
{
    for (size_t i = 0; i < c->len; i++)
        if (!strcmp(c->items[i].key, key)) return &c->items[i];
    return NULL;
}

static int counts_put(bv_counts *c, const char *key, int64_t n, int add)
{
    bv_count *e = counts_lookup(c, key);
    if (e) {
        e->count = add ? e->count + n : n;
        return 0;
    }
    if (c->len == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 8;
        bv_count *items = bolt_realloc(c->items, cap * sizeof *items);
        if (!items) return BOLT_E_NOMEM;
        c->items = items;
        c->cap = cap;
    }
    char *k = bolt_strndup(key, strlen(key));
    if (!k) return BOLT_E_NOMEM;
    c->items[c->len].key = k;
    c->items[c->len].count = n;
    c->len++;
    return 0;
}

int bv_counts_add(bv_counts *c, const char *key, int64_t n)
{
    return counts_put(c, key, n, 1);
}

int bv_counts_set(bv_counts *c, const char *key, int64_t n)
{
    return counts_put(c, key, n, 0);
}

const bv_count *bv_counts_find(const bv_counts *c, const char *key)
{
    return counts_lookup((bv_counts *)c, key);
}

static int count_cmp(const void *a, const void *b)
{
    return strcmp(((const bv_count *)a)->key, ((const bv_count *)b)->key);
}

void bv_counts_sort(bv_counts *c)
{
    if (c->len > 1) qsort(c->items, c->len, sizeof *c->items, count_cmp);
}

void bv_counts_free(bv_counts *c)
{
    for (size_t i = 0; i < c->len; i++)
        bolt_free(c->items[i].key);
    bolt_free(c->items);
    memset(c, 0, sizeof *c);
}

/* ---- measurements -------------------------------------------------------------------------- */

void bv_measurement_init(bv_measurement *m)
{
    memset(m, 0, sizeof *m);
}

static void free_strv(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        bolt_free(v[i]);
    bolt_free(v);
}

void bv_schema_item_free(bv_schema_item *it)
{
    free_strv(it->tokens, it->token_count);
    free_strv(it->props, it->prop_count);
    bolt_free(it->name);
    bolt_free(it->provider);
    bolt_free(it->raw_type);
    bolt_free(it->owner);
    bolt_free(it->detail);
    memset(it, 0, sizeof *it);
}

void bv_sample_node_free(bv_sample_node *n)
{
    bolt_free(n->label);
    bolt_free(n->key_prop);
    bolt_free(n->key_text);
    for (size_t i = 0; i < n->field_count; i++) {
        bolt_free(n->fields[i].name);
        bolt_free(n->fields[i].rendering);
    }
    bolt_free(n->fields);
    memset(n, 0, sizeof *n);
}

void bv_measurement_free(bv_measurement *m)
{
    bv_inventory *inv = &m->inventory;
    bolt_free(inv->address);
    bolt_free(inv->server_agent);
    bolt_free(inv->version);
    bolt_free(inv->edition);
    bolt_free(inv->bolt_version);
    bolt_free(inv->database);
    free_strv(inv->databases, inv->database_count);
    bv_counts_free(&m->labels);
    bv_counts_free(&m->rel_types);
    bv_counts_free(&m->prop_keys);
    bv_counts_free(&m->label_counts);
    bv_counts_free(&m->type_counts);
    bv_counts_free(&m->out_counts);
    bv_counts_free(&m->in_counts);
    for (size_t i = 0; i < m->schema_count; i++)
        bv_schema_item_free(&m->schema[i]);
    bolt_free(m->schema);
    for (size_t i = 0; i < m->coverage_count; i++) {
        bolt_free(m->coverage[i].token);
        bv_counts_free(&m->coverage[i].keys);
    }
    bolt_free(m->coverage);
    for (size_t i = 0; i < m->sample_count; i++)
        bv_sample_node_free(&m->sample[i]);
    bolt_free(m->sample);
    bv_counts_free(&m->full_labels);
    bolt_free(m->full_digests);
    for (size_t i = 0; i < m->full_node_count; i++)
        bv_sample_node_free(&m->full_nodes[i]);
    bolt_free(m->full_nodes);
    bolt_free(m->source);
    bv_measurement_init(m);
}

/* ---- divergences --------------------------------------------------------------------------- */

static char *dup_or_null(const char *s, int *failed)
{
    if (!s) return NULL;
    char *p = bolt_strndup(s, strlen(s));
    if (!p) *failed = 1;
    return p;
}

static void divergence_free(bv_divergence *d)
{
    bolt_free(d->kind);
    bolt_free(d->subject);
    bolt_free(d->baseline_value);
    bolt_free(d->target_value);
    bolt_free(d->message);
}

int bv_divergences_add(bv_divergences *d, unsigned check, bv_severity sev, size_t baseline,
                       size_t target, const char *kind, const char *subject,
                       const char *baseline_value, const char *target_value, const char *fmt, ...)
{
    if (d->len == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 16;
        bv_divergence *items = bolt_realloc(d->items, cap * sizeof *items);
        if (!items) return BOLT_E_NOMEM;
        d->items = items;
        d->cap = cap;
    }
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) return BOLT_E_INVAL;
    char *msg = bolt_malloc((size_t)n + 1);
    if (!msg) return BOLT_E_NOMEM;
    va_start(ap, fmt);
    vsnprintf(msg, (size_t)n + 1, fmt, ap);
    va_end(ap);

    int failed = 0;
    bv_divergence e = {check, sev, baseline, target, NULL, NULL, NULL, NULL, msg};
    e.kind = dup_or_null(kind, &failed);
    e.subject = dup_or_null(subject, &failed);
    e.baseline_value = dup_or_null(baseline_value, &failed);
    e.target_value = dup_or_null(target_value, &failed);
    if (failed) {
        divergence_free(&e);
        return BOLT_E_NOMEM;
    }
    d->items[d->len++] = e;
    return 0;
}

void bv_divergences_truncate(bv_divergences *d, size_t len)
{
    while (d->len > len)
        divergence_free(&d->items[--d->len]);
}

void bv_divergences_free(bv_divergences *d)
{
    bv_divergences_truncate(d, 0);
    bolt_free(d->items);
    memset(d, 0, sizeof *d);
}
