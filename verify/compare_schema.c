/* Schema: normalising index and constraint rows of every server line into bv_schema_item,
 * folding constraint-owned indexes, and comparing two schema lists by meaning (entity,
 * labels or types, properties, kind) rather than by name, provider or id (bolt-reference 9.1,
 * 10.3). The rules are listed in verify/compare.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bolt/alloc.h"
#include "bolt/error.h"
#include "compare_internal.h"

/* ---- small helpers -------------------------------------------------------------------------- */

static int lower(int ch)
{
    return ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch;
}

static int eq_ci(const char *a, const char *b)
{
    if (!a || !b) return 0;
    for (; *a && *b; a++, b++)
        if (lower((unsigned char)*a) != lower((unsigned char)*b)) return 0;
    return *a == *b;
}

static int prefix_ci(const char *s, const char *prefix)
{
    if (!s) return 0;
    for (; *prefix; s++, prefix++)
        if (!*s || lower((unsigned char)*s) != lower((unsigned char)*prefix)) return 0;
    return 1;
}

static int contains_ci(const char *s, const char *needle)
{
    if (!s) return 0;
    for (; *s; s++)
        if (prefix_ci(s, needle)) return 1;
    return 0;
}

static char *xdup(const char *s, int *failed)
{
    if (!s) return NULL;
    char *p = bolt_strndup(s, strlen(s));
    if (!p) *failed = 1;
    return p;
}

static char **dup_strv(const char *const *v, size_t n, int *failed)
{
    if (!n) return NULL;
    char **out = bolt_calloc(n, sizeof *out);
    if (!out) {
        *failed = 1;
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        out[i] = xdup(v[i] ? v[i] : "", failed);
    return out;
}

static void sort_strv(char **v, size_t n)
{
    if (n > 1) qsort(v, n, sizeof *v, cmp_strp_cmp);
}

static int is_constraint_kind(bv_schema_kind k)
{
    return k == BV_SCHEMA_UNIQUE || k == BV_SCHEMA_NODE_KEY || k == BV_SCHEMA_EXISTS ||
           k == BV_SCHEMA_TYPE;
}

/* Tokens are a set everywhere; properties are a set only for fulltext indexes. */
static void canonical_order(bv_schema_item *it)
{
    sort_strv(it->tokens, it->token_count);
    if (it->kind == BV_SCHEMA_FULLTEXT) sort_strv(it->props, it->prop_count);
}

/* ---- constraint descriptions (3.5, 4.0-4.1 db.constraints()) --------------------------------
 * A tiny recursive-descent reader of the server's own text; see compare.h for the shapes. */

typedef struct cur {
    const char *s;
    cmp_sb *tmp; /* scratch for identifiers */
} cur;

static void skip_ws(cur *c)
{
    while (*c->s == ' ' || *c->s == '\t' || *c->s == '\n' || *c->s == '\r')
        c->s++;
}

static int ident_char(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_' || ch == '$' || ch >= 0x80;
}

/* A keyword, case-insensitive, not followed by an identifier character. */
static int kw(cur *c, const char *word)
{
    skip_ws(c);
    if (!prefix_ci(c->s, word)) return 0;
    size_t n = strlen(word);
    if (ident_char((unsigned char)c->s[n])) return 0;
    c->s += n;
    return 1;
}

static int punct(cur *c, char ch)
{
    skip_ws(c);
    if (*c->s != ch) return 0;
    c->s++;
    return 1;
}

/* Reads an identifier into a fresh string (bolt_free it); NULL when there is none or on OOM
 * (*oom set). */
static char *ident(cur *c, int *oom)
{
    skip_ws(c);
    cmp_sb_reset(c->tmp);
    if (*c->s == '`') {
        c->s++;
        for (;;) {
            if (!*c->s) return NULL;
            if (*c->s == '`') {
                if (c->s[1] != '`') break;
                c->s++;
            }
            char one[2] = {*c->s, 0};
            cmp_sb_puts(c->tmp, one);
            c->s++;
        }
        c->s++;
    } else {
        const char *start = c->s;
        while (ident_char((unsigned char)*c->s))
            c->s++;
        if (c->s == start) return NULL;
        cmp_sb_printf(c->tmp, "%.*s", (int)(c->s - start), start);
    }
    if (c->tmp->oom) {
        *oom = 1;
        return NULL;
    }
    char *p = bolt_strndup(cmp_sb_str(c->tmp), c->tmp->len);
    if (!p) *oom = 1;
    return p;
}

/* var.prop where var must be the constraint's variable. */
static char *propref(cur *c, const char *var, int *oom)
{
    char *v = ident(c, oom);
    if (!v) return NULL;
    int same = !strcmp(v, var);
    bolt_free(v);
    if (!same || !punct(c, '.')) return NULL;
    return ident(c, oom);
}

/* Appends *p to the item's properties; *p is taken (NULL afterwards) either way. */
static int push_prop(bv_schema_item *it, char **p)
{
    char *prop = *p;
    *p = NULL;
    char **props = bolt_realloc(it->props, (it->prop_count + 1) * sizeof *props);
    if (!props) {
        bolt_free(prop);
        return BOLT_E_NOMEM;
    }
    it->props = props;
    it->props[it->prop_count++] = prop;
    return 0;
}

/* 0 parsed, 1 not understood, BOLT_E_NOMEM. Fills entity, kind, tokens and props of *it. */
static int parse_description(const char *text, bv_schema_item *it)
{
    cmp_sb tmp;
    cmp_sb_init(&tmp);
    cur c = {text, &tmp};
    int oom = 0, rc = 1;
    char *var = NULL, *token = NULL, *p = NULL;
    if (!kw(&c, "CONSTRAINT") || !kw(&c, "ON") || !punct(&c, '(')) goto out;
    if (punct(&c, ')')) { /* ()-[ r:TYPE ]-() */
        if (!punct(&c, '-') || !punct(&c, '[')) goto out;
        it->is_relationship = 1;
    }
    if (!(var = ident(&c, &oom)) || !punct(&c, ':') || !(token = ident(&c, &oom))) goto out;
    if (it->is_relationship) {
        if (!punct(&c, ']') || !punct(&c, '-') || !punct(&c, '(') || !punct(&c, ')')) goto out;
    } else if (!punct(&c, ')')) {
        goto out;
    }
    if (!kw(&c, "ASSERT")) goto out;

    int parenthesised = 0;
    const char *save = c.s;
    if (kw(&c, "exists") && punct(&c, '(')) {
        if (!(p = propref(&c, var, &oom)) || !punct(&c, ')')) goto out;
        if (push_prop(it, &p) < 0) goto out_nomem;
        it->kind = BV_SCHEMA_EXISTS;
    } else {
        c.s = save; /* a variable may be called "exists" */
        parenthesised = punct(&c, '(');
        do {
            if (!(p = propref(&c, var, &oom))) goto out;
            if (push_prop(it, &p) < 0) goto out_nomem;
        } while (parenthesised && punct(&c, ','));
        if (parenthesised && !punct(&c, ')')) goto out;
        if (!kw(&c, "IS")) goto out;
        if (kw(&c, "UNIQUE"))
            it->kind = BV_SCHEMA_UNIQUE;
        else if (kw(&c, "NODE") && kw(&c, "KEY"))
            it->kind = BV_SCHEMA_NODE_KEY;
        else if (kw(&c, "NOT") && kw(&c, "NULL"))
            it->kind = BV_SCHEMA_EXISTS;
        else
            goto out;
        /* existence is per property; uniqueness and keys may be composite (4.4+) */
        if (it->kind == BV_SCHEMA_EXISTS && it->prop_count != 1) goto out;
    }
    skip_ws(&c);
    if (*c.s) goto out;
    it->tokens = bolt_malloc(sizeof *it->tokens);
    if (!it->tokens) goto out_nomem;
    it->tokens[0] = token;
    it->token_count = 1;
    token = NULL;
    rc = 0;
    goto out;
out_nomem:
    oom = 1;
out:
    if (oom) rc = BOLT_E_NOMEM;
    bolt_free(var);
    bolt_free(token);
    bolt_free(p);
    cmp_sb_free(&tmp);
    return rc;
}

/* ---- rows -> items -------------------------------------------------------------------------- */

static bv_schema_kind index_kind(const char *type, int *owned, int *relationship)
{
    if (eq_ci(type, "node_label_property")) return BV_SCHEMA_INDEX;
    if (eq_ci(type, "node_unique_property")) {
        *owned = 1;
        return BV_SCHEMA_INDEX;
    }
    if (eq_ci(type, "node_fulltext")) return BV_SCHEMA_FULLTEXT;
    if (eq_ci(type, "relationship_fulltext")) {
        *relationship = 1;
        return BV_SCHEMA_FULLTEXT;
    }
    if (eq_ci(type, "BTREE") || eq_ci(type, "RANGE")) return BV_SCHEMA_INDEX;
    if (eq_ci(type, "TEXT")) return BV_SCHEMA_TEXT;
    if (eq_ci(type, "POINT")) return BV_SCHEMA_POINT;
    if (eq_ci(type, "FULLTEXT")) return BV_SCHEMA_FULLTEXT;
    if (eq_ci(type, "LOOKUP")) return BV_SCHEMA_LOOKUP;
    if (eq_ci(type, "VECTOR")) return BV_SCHEMA_VECTOR;
    return BV_SCHEMA_OTHER;
}

static bv_schema_kind constraint_kind(const char *type)
{
    if (!type) return BV_SCHEMA_OTHER;
    if (contains_ci(type, "UNIQUENESS")) return BV_SCHEMA_UNIQUE;
    if (contains_ci(type, "_KEY")) return BV_SCHEMA_NODE_KEY;
    if (contains_ci(type, "EXISTENCE")) return BV_SCHEMA_EXISTS;
    if (contains_ci(type, "PROPERTY_TYPE")) return BV_SCHEMA_TYPE;
    return BV_SCHEMA_OTHER;
}

int bv_schema_normalize(const bv_schema_row *row, bv_schema_item *out)
{
    memset(out, 0, sizeof *out);
    int failed = 0;
    if (row->source == BV_ROW_CONSTRAINT && !row->type && row->description) {
        int rc = parse_description(row->description, out);
        if (rc < 0) goto nomem;
        if (rc > 0) { /* not understood: keep it, compared as text */
            bv_schema_item_free(out);
            out->kind = BV_SCHEMA_OTHER;
            out->detail = xdup(row->description, &failed);
        }
    } else {
        int owned = 0, relationship = 0;
        if (row->source == BV_ROW_CONSTRAINT) {
            out->kind = constraint_kind(row->type);
            relationship = prefix_ci(row->type, "RELATIONSHIP");
            if (out->kind == BV_SCHEMA_TYPE) out->detail = xdup(row->property_type, &failed);
        } else {
            out->kind = index_kind(row->type, &owned, &relationship);
            if (eq_ci(row->uniqueness, "UNIQUE")) owned = 1;
            if (row->owning_constraint && *row->owning_constraint) {
                owned = 1;
                out->owner = xdup(row->owning_constraint, &failed);
            }
        }
        if (out->kind == BV_SCHEMA_OTHER) out->detail = xdup(row->type ? row->type : "", &failed);
        out->owned = owned;
        out->is_relationship =
            row->entity_type ? eq_ci(row->entity_type, "RELATIONSHIP") : relationship;
        out->tokens = dup_strv(row->tokens, row->token_count, &failed);
        out->token_count = out->tokens ? row->token_count : 0;
        out->props = dup_strv(row->props, row->prop_count, &failed);
        out->prop_count = out->props ? row->prop_count : 0;
        out->raw_type = xdup(row->type, &failed);
    }
    out->name = xdup(row->name, &failed);
    if (row->provider) {
        out->provider = xdup(row->provider, &failed);
    } else if (row->provider_key) {
        const char *v = row->provider_version ? row->provider_version : "";
        size_t n = strlen(row->provider_key) + 1 + strlen(v) + 1;
        out->provider = bolt_malloc(n);
        if (out->provider)
            snprintf(out->provider, n, *v ? "%s-%s" : "%s%s", row->provider_key, v);
        else
            failed = 1;
    }
    if (failed) goto nomem;
    canonical_order(out);
    return 0;
nomem:
    bv_schema_item_free(out);
    return BOLT_E_NOMEM;
}

/* ---- folding -------------------------------------------------------------------------------- */

static int strv_cmp(char *const *a, size_t an, char *const *b, size_t bn)
{
    for (size_t i = 0; i < an && i < bn; i++) {
        int d = strcmp(a[i], b[i]);
        if (d) return d;
    }
    return an < bn ? -1 : an > bn;
}

/* Entity, tokens and properties: what the item is about, whatever its kind. */
static int shape_cmp(const bv_schema_item *a, const bv_schema_item *b)
{
    if (a->is_relationship != b->is_relationship) return a->is_relationship - b->is_relationship;
    int d = strv_cmp(a->tokens, a->token_count, b->tokens, b->token_count);
    return d ? d : strv_cmp(a->props, a->prop_count, b->props, b->prop_count);
}

static int detail_cmp(const char *a, const char *b)
{
    if (!a || !b) return (a != NULL) - (b != NULL);
    return strcmp(a, b);
}

static int key_cmp(const bv_schema_item *a, const bv_schema_item *b)
{
    if (a->kind != b->kind) return (int)a->kind - (int)b->kind;
    int d = shape_cmp(a, b);
    return d ? d : detail_cmp(a->detail, b->detail);
}

int bv_schema_fold(bv_schema_item *items, size_t *count)
{
    size_t n = *count;
    for (size_t i = 0; i < n;) {
        bv_schema_item *ix = &items[i];
        if (!ix->owned || is_constraint_kind(ix->kind)) {
            i++;
            continue;
        }
        size_t j;
        for (j = 0; j < n; j++)
            if ((items[j].kind == BV_SCHEMA_UNIQUE || items[j].kind == BV_SCHEMA_NODE_KEY) &&
                !shape_cmp(&items[j], ix))
                break;
        if (j == n) {
            /* The constraints were not listed (or the index outlived them): the index alone
             * still proves a uniqueness constraint. Named after its owner when known. */
            ix->kind = BV_SCHEMA_UNIQUE;
            ix->owned = 0;
            if (ix->owner) {
                bolt_free(ix->name);
                ix->name = ix->owner;
                ix->owner = NULL;
            }
            i++;
            continue;
        }
        if (!items[j].provider) { /* hand the provider over: no allocation, cannot fail */
            items[j].provider = ix->provider;
            ix->provider = NULL;
        }
        bv_schema_item_free(ix);
        memmove(&items[i], &items[i + 1], (n - i - 1) * sizeof *items);
        n--;
    }
    *count = n;
    return 0;
}

/* ---- describing ----------------------------------------------------------------------------- */

static void describe_sb(cmp_sb *sb, const bv_schema_item *it)
{
    cmp_sb_puts(sb, bv_schema_kind_name(it->kind));
    if (it->kind == BV_SCHEMA_LOOKUP && !it->token_count) {
        cmp_sb_puts(sb, it->is_relationship ? " on relationships" : " on nodes");
        return;
    }
    if (it->token_count || it->prop_count) {
        cmp_sb_puts(sb, it->is_relationship ? " [:" : " :");
        for (size_t i = 0; i < it->token_count; i++) {
            if (i) cmp_sb_puts(sb, "|");
            cmp_sb_name(sb, it->tokens[i]);
        }
        cmp_sb_puts(sb, it->is_relationship ? "](" : "(");
        for (size_t i = 0; i < it->prop_count; i++) {
            if (i) cmp_sb_puts(sb, ", ");
            cmp_sb_name(sb, it->props[i]);
        }
        cmp_sb_puts(sb, ")");
    }
    if (it->kind == BV_SCHEMA_TYPE && it->detail) cmp_sb_printf(sb, " :: %s", it->detail);
    if (it->kind == BV_SCHEMA_OTHER && it->detail) cmp_sb_printf(sb, " \"%s\"", it->detail);
}

int bv_schema_describe(const bv_schema_item *it, char *buf, size_t len)
{
    cmp_sb sb;
    cmp_sb_init(&sb);
    describe_sb(&sb, it);
    int n = sb.oom ? BOLT_E_NOMEM : snprintf(buf, len, "%s", cmp_sb_str(&sb));
    cmp_sb_free(&sb);
    return n;
}

/* "BTREE" for every spelling of a native b-tree index (3.5 node_label_property and
 * node_unique_property, 4.x BTREE), else the server's type string. */
static const char *index_family(const bv_schema_item *it)
{
    const char *t = it->raw_type;
    if (eq_ci(t, "node_label_property") || eq_ci(t, "node_unique_property") || eq_ci(t, "BTREE"))
        return "BTREE";
    if (!t && contains_ci(it->provider, "btree")) return "BTREE";
    return t;
}

static int unnamed(const char *name)
{
    /* 3.5 lists a plain index as "Unnamed index": that is no name at all. */
    return !name || !*name || eq_ci(name, "Unnamed index");
}

static void details_sb(cmp_sb *sb, const bv_schema_item *it)
{
    const char *sep = "";
    const char *fam = it->kind == BV_SCHEMA_INDEX ? index_family(it) : it->raw_type;
    if (fam) {
        cmp_sb_printf(sb, "type %s", fam);
        sep = ", ";
    }
    if (it->provider) {
        cmp_sb_printf(sb, "%sprovider %s", sep, it->provider);
        sep = ", ";
    }
    if (!unnamed(it->name)) {
        cmp_sb_printf(sb, "%sname %s", sep, it->name);
        sep = ", ";
    }
    if (!*sep) cmp_sb_puts(sb, "present");
}

/* ---- comparing ------------------------------------------------------------------------------ */

typedef struct schema_list {
    bv_schema_item *items;
    size_t n;
} schema_list;

static void list_free(schema_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        bv_schema_item_free(&l->items[i]);
    bolt_free(l->items);
    l->items = NULL;
    l->n = 0;
}

static int item_copy(const bv_schema_item *src, bv_schema_item *dst)
{
    int failed = 0;
    memset(dst, 0, sizeof *dst);
    dst->is_relationship = src->is_relationship;
    dst->kind = src->kind;
    dst->owned = src->owned;
    dst->tokens = dup_strv((const char *const *)src->tokens, src->token_count, &failed);
    dst->token_count = dst->tokens ? src->token_count : 0;
    dst->props = dup_strv((const char *const *)src->props, src->prop_count, &failed);
    dst->prop_count = dst->props ? src->prop_count : 0;
    dst->name = xdup(src->name, &failed);
    dst->provider = xdup(src->provider, &failed);
    dst->raw_type = xdup(src->raw_type, &failed);
    dst->owner = xdup(src->owner, &failed);
    dst->detail = xdup(src->detail, &failed);
    if (failed) {
        bv_schema_item_free(dst);
        return BOLT_E_NOMEM;
    }
    canonical_order(dst);
    return 0;
}

static int item_sort_cmp(const void *a, const void *b)
{
    return key_cmp(a, b);
}

/* A private, canonical copy: sorted tokens, folded, sorted by key. The measurement is const
 * and may come from a snapshot written by another version, so nothing about it is assumed. */
static int list_prepare(const bv_measurement *m, schema_list *l)
{
    l->n = 0;
    l->items = bolt_calloc(m->schema_count ? m->schema_count : 1, sizeof *l->items);
    if (!l->items) return BOLT_E_NOMEM;
    for (size_t i = 0; i < m->schema_count; i++) {
        if (item_copy(&m->schema[i], &l->items[i]) < 0) {
            list_free(l);
            return BOLT_E_NOMEM;
        }
        l->n++;
    }
    bv_schema_fold(l->items, &l->n);
    if (l->n > 1) qsort(l->items, l->n, sizeof *l->items, item_sort_cmp);
    return 0;
}

static int add_item_line(cmp_ctx *c, cmp_sb *subj, cmp_sb *bv, cmp_sb *tv, bv_severity sev,
                         const char *kind, const char *fmt_tail, const bv_schema_item *b,
                         const bv_schema_item *t)
{
    cmp_sb_reset(subj);
    cmp_sb_reset(bv);
    cmp_sb_reset(tv);
    describe_sb(subj, b ? b : t);
    if (b) details_sb(bv, b);
    if (t) details_sb(tv, t);
    if (subj->oom || bv->oom || tv->oom) return BOLT_E_NOMEM;
    return cmp_add(c, BV_CHECK_SCHEMA, sev, kind, cmp_sb_str(subj), b ? cmp_sb_str(bv) : NULL,
                   t ? cmp_sb_str(tv) : NULL, "%s: %s", cmp_sb_str(subj), fmt_tail);
}

/* Same item on both sides: names, providers and BTREE -> RANGE are changed on purpose. */
static int matched(cmp_ctx *c, cmp_sb *s[4], const bv_schema_item *b, const bv_schema_item *t)
{
    cmp_sb *what = s[3];
    cmp_sb_reset(what);
    const char *sep = "";
    if (b->kind == BV_SCHEMA_INDEX) {
        const char *bf = index_family(b), *tf = index_family(t);
        if (bf && tf && strcmp(bf, tf)) {
            cmp_sb_printf(what, "type %s -> %s", bf, tf);
            sep = "; ";
        }
    }
    if (b->provider && t->provider && strcmp(b->provider, t->provider)) {
        cmp_sb_printf(what, "%sprovider %s -> %s", sep, b->provider, t->provider);
        sep = "; ";
    }
    if (unnamed(b->name) != unnamed(t->name) || (!unnamed(b->name) && strcmp(b->name, t->name))) {
        cmp_sb_printf(what, "%sname %s -> %s", sep, unnamed(b->name) ? "(none)" : b->name,
                      unnamed(t->name) ? "(none)" : t->name);
        sep = "; ";
    }
    if (!*sep) return 0;
    if (what->oom) return BOLT_E_NOMEM;
    cmp_sb_puts(what, " (changed by the migration on purpose)");
    return add_item_line(c, s[0], s[1], s[2], BV_SEV_EXPECTED,
                         is_constraint_kind(b->kind) ? "constraint_changed" : "index_changed",
                         cmp_sb_str(what), b, t);
}

/* Same shape, another kind. Only a b-tree index becoming TEXT or POINT is planned (RANGE
 * would have matched in pass 1); every constraint kind change alters what the data must obey. */
static int kind_changed(cmp_ctx *c, cmp_sb *s[4], const bv_schema_item *b, const bv_schema_item *t)
{
    int planned = b->kind == BV_SCHEMA_INDEX && index_family(b) &&
                  !strcmp(index_family(b), "BTREE") &&
                  (t->kind == BV_SCHEMA_TEXT || t->kind == BV_SCHEMA_POINT);
    cmp_sb *what = s[3];
    cmp_sb_reset(what);
    cmp_sb_printf(what, "is a %s on target", bv_schema_kind_name(t->kind));
    if (planned) cmp_sb_puts(what, " (5.x replaces BTREE indexes by RANGE, TEXT or POINT)");
    if (what->oom) return BOLT_E_NOMEM;
    return add_item_line(c, s[0], s[1], s[2], planned ? BV_SEV_EXPECTED : BV_SEV_DRIFT,
                         is_constraint_kind(b->kind) ? "constraint_kind_changed"
                                                     : "index_kind_changed",
                         cmp_sb_str(what), b, t);
}

static const char *missing_kind(const bv_schema_item *it, int extra)
{
    if (it->kind == BV_SCHEMA_OTHER) return extra ? "schema_extra" : "schema_missing";
    if (is_constraint_kind(it->kind)) return extra ? "constraint_extra" : "constraint_missing";
    return extra ? "index_extra" : "index_missing";
}

static int alone(cmp_ctx *c, cmp_sb *s[4], const bv_schema_item *it, int extra)
{
    /* Token lookup indexes exist from 4.3 on and a store copy creates them: never drift. */
    int lookup = it->kind == BV_SCHEMA_LOOKUP;
    const char *tail = extra ? (lookup ? "absent on baseline, present on target (4.3+ creates "
                                         "token lookup indexes)"
                                       : "absent on baseline, present on target")
                             : (lookup ? "present on baseline, absent on target (token lookup "
                                         "indexes are not needed to keep data)"
                                       : "present on baseline, absent on target");
    return add_item_line(c, s[0], s[1], s[2], lookup ? BV_SEV_EXPECTED : BV_SEV_DRIFT,
                         missing_kind(it, extra), tail, extra ? NULL : it, extra ? it : NULL);
}

static int index_like(bv_schema_kind k)
{
    return !is_constraint_kind(k) && k != BV_SCHEMA_OTHER && k != BV_SCHEMA_LOOKUP;
}

int cmp_schema(cmp_ctx *c)
{
    schema_list b = {NULL, 0}, t = {NULL, 0};
    cmp_sb sbs[4];
    cmp_sb *s[4] = {&sbs[0], &sbs[1], &sbs[2], &sbs[3]};
    for (int i = 0; i < 4; i++)
        cmp_sb_init(s[i]);
    size_t *bm = NULL; /* baseline i -> target index + 1, 0 when unmatched */
    unsigned char *tm = NULL;
    int rc = BOLT_E_NOMEM;
    if (list_prepare(c->b, &b) < 0 || list_prepare(c->t, &t) < 0) goto out;
    bm = bolt_calloc(b.n ? b.n : 1, sizeof *bm);
    tm = bolt_calloc(t.n ? t.n : 1, 1);
    if (!bm || !tm) goto out;

    /* 1: the same item (kind and shape) on both sides. */
    for (size_t i = 0; i < b.n; i++)
        for (size_t j = 0; j < t.n; j++)
            if (!tm[j] && !key_cmp(&b.items[i], &t.items[j])) {
                bm[i] = j + 1;
                tm[j] = 1;
                break;
            }
    /* 2: the same shape under another kind (index -> index, constraint -> constraint). */
    for (size_t i = 0; i < b.n; i++) {
        if (bm[i]) continue;
        const bv_schema_item *x = &b.items[i];
        for (size_t j = 0; j < t.n; j++) {
            const bv_schema_item *y = &t.items[j];
            if (tm[j] || shape_cmp(x, y)) continue;
            if ((index_like(x->kind) && index_like(y->kind)) ||
                (is_constraint_kind(x->kind) && is_constraint_kind(y->kind))) {
                bm[i] = j + 1;
                tm[j] = 2;
                break;
            }
        }
    }
    rc = 0;
    for (size_t i = 0; rc == 0 && i < b.n; i++) {
        const bv_schema_item *x = &b.items[i];
        if (!bm[i])
            rc = alone(c, s, x, 0);
        else if (tm[bm[i] - 1] == 1)
            rc = matched(c, s, x, &t.items[bm[i] - 1]);
        else
            rc = kind_changed(c, s, x, &t.items[bm[i] - 1]);
    }
    for (size_t j = 0; rc == 0 && j < t.n; j++)
        if (!tm[j]) rc = alone(c, s, &t.items[j], 1);
out:
    for (int i = 0; i < 4; i++)
        cmp_sb_free(s[i]);
    bolt_free(bm);
    bolt_free(tm);
    list_free(&b);
    list_free(&t);
    return rc;
}
