/* One fetched or scanned node -> bv_sample_node (verify/sample.h): the key identity, the node
 * hash over labels, properties and relationship signatures, and the per-field hashes and
 * renderings that compare uses to explain a mismatch. Everything is hashed through verify/canon
 * so that 3.5, 4.4 (both DateTime encodings) and 5.x give the same hashes. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bolt/alloc.h"
#include "bolt/error.h"
#include "verify/hash.h"
#include "verify/sample.h"

/* Domain separator of the composite node hash (after the BV_CANON_FORMAT byte): a node with its
 * relationship signatures never collides with a bare canonical value. */
#define NODE_TAG 'S'

static char *dupn(const char *s, size_t n)
{
    return bolt_strndup(s ? s : "", s ? n : 0);
}

static char *dup0(const char *s)
{
    return s ? bolt_strndup(s, strlen(s)) : NULL;
}

/* ---- renderings ------------------------------------------------------------------------------ */

/* Cuts at a UTF-8 character boundary at or below max. */
static size_t utf8_cut(const char *s, size_t max)
{
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
        max--;
    return max;
}

/* The canonical rendering of v, at most BV_RENDER_MAX bytes: a longer one keeps its start and
 * ends with "... (xxh3 <first 8 hex digits>)", so that two long values that differ after the
 * cut still read differently in a report. */
static char *render(const bv_canon *c, const bolt_value *v, bv_h128 hash)
{
    char small[BV_RENDER_MAX + 1];
    size_t need = bv_canon_format(c, v, small, sizeof small);
    if (need <= BV_RENDER_MAX) return bolt_strndup(small, need);
    char hex[33];
    bv_h128_format(hash, hex);
    char tail[32];
    int tl = snprintf(tail, sizeof tail, "... (xxh3 %.8s)", hex);
    size_t keep = utf8_cut(small, BV_RENDER_MAX - (size_t)tl);
    char *out = bolt_malloc(keep + (size_t)tl + 1);
    if (!out) return NULL;
    memcpy(out, small, keep);
    memcpy(out + keep, tail, (size_t)tl + 1);
    return out;
}

static int plain_identifier(const char *s, size_t n)
{
    if (!n || (s[0] >= '0' && s[0] <= '9')) return 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '_'))
            return 0;
    }
    return 1;
}

/* ":A:B", a label that is not a plain identifier back-quoted with ` doubled (the form
 * compare_sample.c parses back). labels are sorted already. */
static char *render_labels(const bolt_value *const *labels, size_t n)
{
    size_t need = 1;
    for (size_t i = 0; i < n; i++) {
        need += 1 + 2 + labels[i]->len;
        for (uint32_t j = 0; j < labels[i]->len; j++)
            if (labels[i]->u.str[j] == '`') need++;
    }
    char *out = bolt_malloc(need), *p = out;
    if (!out) return NULL;
    for (size_t i = 0; i < n; i++) {
        const char *s = labels[i]->u.str;
        size_t len = labels[i]->len;
        *p++ = ':';
        if (plain_identifier(s, len)) {
            memcpy(p, s, len);
            p += len;
            continue;
        }
        *p++ = '`';
        for (size_t j = 0; j < len; j++) {
            *p++ = s[j];
            if (s[j] == '`') *p++ = '`';
        }
        *p++ = '`';
    }
    *p = '\0';
    return out;
}

/* ---- fields ---------------------------------------------------------------------------------- */

typedef struct field_vec {
    bv_field_hash *v;
    size_t len, cap;
} field_vec;

static bv_field_hash *field_push(field_vec *f)
{
    if (f->len == f->cap) {
        size_t ncap = f->cap ? f->cap * 2 : 16;
        bv_field_hash *v = bolt_realloc(f->v, ncap * sizeof *v);
        if (!v) return NULL;
        f->v = v;
        f->cap = ncap;
    }
    bv_field_hash *h = &f->v[f->len++];
    memset(h, 0, sizeof *h);
    return h;
}

static void fields_free(field_vec *f)
{
    for (size_t i = 0; i < f->len; i++) {
        bolt_free(f->v[i].name);
        bolt_free(f->v[i].rendering);
    }
    bolt_free(f->v);
    memset(f, 0, sizeof *f);
}

static int str_item_cmp(const void *a, const void *b)
{
    const bolt_value *x = *(const bolt_value *const *)a, *y = *(const bolt_value *const *)b;
    size_t n = x->len < y->len ? x->len : y->len;
    int d = n ? memcmp(x->u.str, y->u.str, n) : 0;
    if (d) return d;
    return x->len < y->len ? -1 : x->len > y->len;
}

/* The labels field: hash of the sorted label list, rendering ":A:B". */
static int labels_field(const bv_canon *c, const bolt_value *labels, field_vec *f)
{
    size_t n = labels->len;
    const bolt_value **sorted = n ? bolt_malloc(n * sizeof *sorted) : NULL;
    bolt_value *items = n ? bolt_malloc(n * sizeof *items) : NULL;
    int rc = 0;
    if (n && (!sorted || !items)) {
        rc = BOLT_E_NOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        sorted[i] = &labels->u.items[i];
    if (n > 1) qsort(sorted, n, sizeof *sorted, str_item_cmp);
    for (size_t i = 0; i < n; i++)
        items[i] = *sorted[i];
    bolt_value list = bolt_list(items, n);
    bv_field_hash *h = field_push(f);
    if (!h) {
        rc = BOLT_E_NOMEM;
        goto out;
    }
    h->kind = BV_FIELD_LABELS;
    if ((rc = bv_canon_hash128(c, &list, &h->hash, NULL)) != 0) goto out;
    h->name = dup0("labels");
    h->rendering = render_labels(sorted, n);
    if (!h->name || !h->rendering) rc = BOLT_E_NOMEM;
out:
    bolt_free(sorted);
    bolt_free(items);
    return rc;
}

static int property_fields(const bv_canon *c, const bolt_value *props, field_vec *f,
                           unsigned *notes)
{
    if (!props->len) return 0;
    bv_canon_field *cf = bolt_malloc(props->len * sizeof *cf);
    if (!cf) return BOLT_E_NOMEM;
    int n = bv_canon_fields(c, props, cf, props->len, notes);
    int rc = n < 0 ? n : 0;
    for (int i = 0; i < n && rc == 0; i++) {
        bv_field_hash *h = field_push(f);
        if (!h) {
            rc = BOLT_E_NOMEM;
            break;
        }
        h->kind = BV_FIELD_PROPERTY;
        h->hash = cf[i].hash;
        h->notes = cf[i].notes;
        h->name = dupn(cf[i].key, cf[i].keylen);
        h->rendering = render(c, cf[i].value, cf[i].hash);
        if (!h->name || !h->rendering) rc = BOLT_E_NOMEM;
    }
    bolt_free(cf);
    return rc;
}

/* ---- relationship signatures ----------------------------------------------------------------- */

typedef struct rel_entry {
    const char *type;
    uint32_t type_len;
    char dir; /* '>' outgoing, '<' incoming */
    bv_h128 hash;
    unsigned notes;
} rel_entry;

/* Byte i of the signature name "type" + dir, or -1 past its end. */
static int name_byte(const rel_entry *e, size_t i)
{
    if (i < e->type_len) return (unsigned char)e->type[i];
    return i == e->type_len ? (unsigned char)e->dir : -1;
}

static int rel_entry_cmp(const void *a, const void *b)
{
    /* byte order of the signature names, as compare sorts field names */
    const rel_entry *x = a, *y = b;
    for (size_t i = 0;; i++) {
        int cx = name_byte(x, i), cy = name_byte(y, i);
        if (cx != cy) return cx < cy ? -1 : 1;
        if (cx < 0) return 0;
    }
}

/* The identity of a relationship's other end: the canonical hash of [label, key value] of its
 * first keyed label with a value (the $nk order), else, with --match-by-id, of its id; 0 when it
 * has neither (the relationship then counts by type and properties only). */
static int neighbour_key(const bv_canon *c, const bolt_value *keys, const bolt_value *id, int by_id,
                         bv_h128 *out)
{
    if (keys && keys->type == BOLT_T_LIST) {
        for (uint32_t i = 0; i < keys->len; i++) {
            const bolt_value *pair = &keys->u.items[i];
            if (pair->type != BOLT_T_LIST || pair->len != 2) continue;
            if (pair->u.items[0].type != BOLT_T_STRING || pair->u.items[1].type == BOLT_T_NULL)
                continue;
            return bv_canon_hash128(c, pair, out, NULL) ? -1 : 1;
        }
    }
    if (by_id && id && id->type == BOLT_T_INT) return bv_canon_hash128(c, id, out, NULL) ? -1 : 1;
    return 0;
}

/* Appends the relationships of one direction. Each element is [type, properties, neighbour
 * keys, neighbour id] (verify/sample.h). */
static int rel_entries(const bv_canon *c, const bolt_value *rels, char dir, int by_id,
                       rel_entry *out, size_t *n)
{
    if (!rels || rels->type == BOLT_T_NULL) return 0;
    if (rels->type != BOLT_T_LIST) return BOLT_E_INVAL;
    for (uint32_t i = 0; i < rels->len; i++) {
        const bolt_value *e = &rels->u.items[i];
        if (e->type != BOLT_T_LIST || e->len < 2 || e->u.items[0].type != BOLT_T_STRING ||
            e->u.items[1].type != BOLT_T_MAP)
            return BOLT_E_INVAL;
        bv_h128 nk;
        int has = neighbour_key(c, e->len > 2 ? &e->u.items[2] : NULL,
                                e->len > 3 ? &e->u.items[3] : NULL, by_id, &nk);
        if (has < 0) return BOLT_E_INVAL;
        rel_entry *r = &out[(*n)++];
        r->type = e->u.items[0].u.str;
        r->type_len = e->u.items[0].len;
        r->dir = dir;
        r->notes = 0;
        const bv_h128 *k = has ? &nk : NULL;
        int rc =
            bv_canon_rel_parts_hash128(c, &e->u.items[0], &e->u.items[1], dir == '<' ? k : NULL,
                                       dir == '>' ? k : NULL, &r->hash, &r->notes);
        if (rc) return rc;
    }
    return 0;
}

/* Groups the sorted entries into one signature per (type, direction): count and the multiset
 * digest of the relationship hashes. Appends fields (with_fields) and feeds the node hasher. */
static int rel_signatures(rel_entry *e, size_t n, int with_fields, field_vec *f, bv_hasher *h,
                          unsigned *notes)
{
    if (n > 1) qsort(e, n, sizeof *e, rel_entry_cmp);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        bv_multiset ms;
        bv_multiset_init(&ms);
        unsigned sig_notes = 0;
        while (j < n && e[j].type_len == e[i].type_len && e[j].dir == e[i].dir &&
               (!e[i].type_len || !memcmp(e[j].type, e[i].type, e[i].type_len))) {
            bv_multiset_add(&ms, e[j].hash);
            sig_notes |= e[j].notes;
            j++;
        }
        bv_h128 d = bv_multiset_digest(&ms);
        uint32_t len = e[i].type_len + 1;
        uint64_t count = j - i;
        unsigned char le[8];
        for (int b = 0; b < 4; b++)
            le[b] = (unsigned char)(len >> (8 * b));
        bv_hasher_update(h, le, 4);
        bv_hasher_update(h, e[i].type, e[i].type_len);
        bv_hasher_update(h, &e[i].dir, 1);
        for (int b = 0; b < 8; b++)
            le[b] = (unsigned char)(count >> (8 * b));
        bv_hasher_update(h, le, 8);
        for (int b = 0; b < 8; b++)
            le[b] = (unsigned char)(d.lo >> (8 * b));
        bv_hasher_update(h, le, 8);
        for (int b = 0; b < 8; b++)
            le[b] = (unsigned char)(d.hi >> (8 * b));
        bv_hasher_update(h, le, 8);
        *notes |= sig_notes;
        if (with_fields) {
            bv_field_hash *fh = field_push(f);
            if (!fh) return BOLT_E_NOMEM;
            fh->kind = BV_FIELD_RELS;
            fh->hash = d;
            fh->notes = sig_notes;
            fh->name = bolt_malloc((size_t)len + 1);
            char text[48];
            snprintf(text, sizeof text, "%" PRIu64 " relationship%s", count, count == 1 ? "" : "s");
            fh->rendering = dup0(text);
            if (!fh->name || !fh->rendering) return BOLT_E_NOMEM;
            if (e[i].type_len) memcpy(fh->name, e[i].type, e[i].type_len);
            fh->name[e[i].type_len] = e[i].dir;
            fh->name[len] = '\0';
        }
        i = j;
    }
    return 0;
}

/* ---- the node -------------------------------------------------------------------------------- */

static int identity(const bv_canon *c, const char *label, const char *key_prop,
                    const bolt_value *key, bv_sample_node *out)
{
    bolt_value null = bolt_null();
    if (!key) key = &null;
    int rc = bv_canon_hash128(c, key, &out->key_hash, NULL);
    if (rc) return rc;
    char small[128];
    size_t need = bv_canon_format(c, key, small, sizeof small);
    /* the key text is the matching identity: never cut */
    out->key_text = bolt_malloc(need + 1);
    if (!out->key_text) return BOLT_E_NOMEM;
    if (need < sizeof small)
        memcpy(out->key_text, small, need + 1);
    else
        bv_canon_format(c, key, out->key_text, need + 1);
    out->label = dup0(label);
    out->key_prop = dup0(key_prop);
    if (!out->label || (key_prop && !out->key_prop)) return BOLT_E_NOMEM;
    return 0;
}

int bv_sample_node_missing(const bv_canon *c, const char *label, const char *key_prop,
                           const bolt_value *key, bv_sample_node *out)
{
    memset(out, 0, sizeof *out);
    if (!c || !label || !key_prop) return BOLT_E_INVAL;
    int rc = identity(c, label, key_prop, key, out);
    if (rc) {
        bv_sample_node_free(out);
        return rc;
    }
    out->missing = 1;
    return 0;
}

int bv_sample_node_note(const char *label, const char *why, bv_sample_node *out)
{
    memset(out, 0, sizeof *out);
    if (!label || !why) return BOLT_E_INVAL;
    out->label = dup0(label);
    out->key_text = dup0(why);
    if (!out->label || !out->key_text) {
        bv_sample_node_free(out);
        return BOLT_E_NOMEM;
    }
    return 0;
}

static int field_cmp(const void *a, const void *b)
{
    const bv_field_hash *x = a, *y = b;
    if (x->kind != y->kind) return (int)x->kind - (int)y->kind;
    return strcmp(x->name, y->name);
}

int bv_sample_node_build(const bv_canon *c, const char *label, const char *key_prop,
                         const bv_node_row *row, unsigned flags, bv_sample_node *out)
{
    memset(out, 0, sizeof *out);
    if (!c || !label || !row || !row->labels || !row->props) return BOLT_E_INVAL;
    const bolt_value *labels = row->labels, *props = row->props;
    if (labels->type != BOLT_T_LIST || props->type != BOLT_T_MAP) return BOLT_E_INVAL;
    for (uint32_t i = 0; i < labels->len; i++)
        if (labels->u.items[i].type != BOLT_T_STRING) return BOLT_E_INVAL;
    int with_fields = (flags & BV_NODE_FIELDS) != 0, by_id = (flags & BV_NODE_BY_ID) != 0;
    field_vec f = {0};
    rel_entry *rels = NULL;
    unsigned notes = 0;
    int rc = identity(c, label, key_prop, row->key, out);
    if (rc) goto fail;

    bv_h128 base;
    if ((rc = bv_canon_node_hash128(c, labels, props, &base, &notes)) != 0) goto fail;
    bv_hasher h;
    bv_hasher_init(&h, 0);
    unsigned char head[2] = {BV_CANON_FORMAT, NODE_TAG};
    bv_hasher_update(&h, head, 2);
    unsigned char le[16];
    for (int b = 0; b < 8; b++) {
        le[b] = (unsigned char)(base.lo >> (8 * b));
        le[8 + b] = (unsigned char)(base.hi >> (8 * b));
    }
    bv_hasher_update(&h, le, 16);

    size_t nrel = 0, cap = 0;
    if (row->outs && row->outs->type == BOLT_T_LIST) cap += row->outs->len;
    if (row->ins && row->ins->type == BOLT_T_LIST) cap += row->ins->len;
    if (cap && !(rels = bolt_malloc(cap * sizeof *rels))) {
        rc = BOLT_E_NOMEM;
        goto fail;
    }
    if ((rc = rel_entries(c, row->outs, '>', by_id, rels, &nrel)) != 0 ||
        (rc = rel_entries(c, row->ins, '<', by_id, rels, &nrel)) != 0)
        goto fail;
    if ((rc = rel_signatures(rels, nrel, with_fields, &f, &h, &notes)) != 0) goto fail;
    out->node_hash = bv_hasher_digest128(&h);

    if (with_fields) {
        if ((rc = labels_field(c, labels, &f)) != 0 ||
            (rc = property_fields(c, props, &f, NULL)) != 0)
            goto fail;
        if (f.len > 1) qsort(f.v, f.len, sizeof *f.v, field_cmp);
        out->fields = f.v;
        out->field_count = f.len;
    }
    out->notes = notes;
    bolt_free(rels);
    return 0;
fail:
    fields_free(&f);
    bolt_free(rels);
    bv_sample_node_free(out);
    return rc;
}
