/* The comparison stage: inventory, tokens, counts, coverage and full digests here; schema in
 * compare_schema.c, sampled nodes in compare_sample.c. Severity rules: verify/compare.h. */
#include "verify/compare.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bolt/alloc.h"
#include "bolt/error.h"
#include "compare_internal.h"
#include "verify/sample.h" /* BV_FULL_NAMES */

/* ---- string builder ------------------------------------------------------------------------ */

void cmp_sb_init(cmp_sb *b)
{
    memset(b, 0, sizeof *b);
}

void cmp_sb_free(cmp_sb *b)
{
    bolt_free(b->p);
    memset(b, 0, sizeof *b);
}

void cmp_sb_reset(cmp_sb *b)
{
    b->len = 0;
    if (b->p) b->p[0] = '\0';
}

static int sb_reserve(cmp_sb *b, size_t extra)
{
    if (b->oom) return -1;
    if (b->len + extra + 1 <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *p = bolt_realloc(b->p, cap);
    if (!p) {
        b->oom = 1;
        return -1;
    }
    b->p = p;
    b->cap = cap;
    return 0;
}

static void sb_putn(cmp_sb *b, const char *s, size_t n)
{
    if (sb_reserve(b, n)) return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void cmp_sb_puts(cmp_sb *b, const char *s)
{
    sb_putn(b, s, strlen(s));
}

void cmp_sb_printf(cmp_sb *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || sb_reserve(b, (size_t)n)) return;
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

static int plain_identifier(const char *s)
{
    if (!*s || (*s >= '0' && *s <= '9')) return 0;
    for (; *s; s++) {
        char ch = *s;
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '_'))
            return 0;
    }
    return 1;
}

void cmp_sb_name(cmp_sb *b, const char *name)
{
    if (plain_identifier(name)) {
        cmp_sb_puts(b, name);
        return;
    }
    sb_putn(b, "`", 1);
    for (const char *p = name; *p; p++) {
        sb_putn(b, p, 1);
        if (*p == '`') sb_putn(b, "`", 1); /* Cypher escapes a back-quote by doubling it */
    }
    sb_putn(b, "`", 1);
}

const char *cmp_sb_str(const cmp_sb *b)
{
    return b->p && !b->oom ? b->p : "";
}

int cmp_add(cmp_ctx *c, unsigned check, bv_severity sev, const char *kind, const char *subject,
            const char *bval, const char *tval, const char *fmt, ...)
{
    cmp_sb msg;
    cmp_sb_init(&msg);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) return BOLT_E_INVAL;
    if (sb_reserve(&msg, (size_t)n)) return BOLT_E_NOMEM;
    va_start(ap, fmt);
    vsnprintf(msg.p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    int rc = bv_divergences_add(c->out, check, sev, c->bi, c->ti, kind, subject, bval, tval, "%s",
                                msg.p);
    cmp_sb_free(&msg);
    return rc;
}

int cmp_strp_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

const char **cmp_sorted_strv(char *const *v, size_t n)
{
    const char **s = bolt_malloc(n * sizeof *s);
    if (!s) return NULL;
    for (size_t i = 0; i < n; i++)
        s[i] = v[i];
    if (n > 1) qsort(s, n, sizeof *s, cmp_strp_cmp);
    return s;
}

/* ---- merging two count tables ---------------------------------------------------------------
 * Both tables are walked in key order; fn sees each key once with the entry of each side (NULL
 * where the key is absent). The measurement is const, so the order lives in pointer arrays. */

typedef int (*merge_fn)(cmp_ctx *c, const char *key, const bv_count *b, const bv_count *t,
                        void *ud);

static int countp_cmp(const void *a, const void *b)
{
    return strcmp((*(const bv_count *const *)a)->key, (*(const bv_count *const *)b)->key);
}

static const bv_count **sorted_counts(const bv_counts *c)
{
    const bv_count **v = bolt_malloc(c->len * sizeof *v);
    if (!v) return NULL;
    for (size_t i = 0; i < c->len; i++)
        v[i] = &c->items[i];
    if (c->len > 1) qsort(v, c->len, sizeof *v, countp_cmp);
    return v;
}

static int merge_counts(cmp_ctx *c, const bv_counts *bc, const bv_counts *tc, merge_fn fn, void *ud)
{
    const bv_count **b = sorted_counts(bc), **t = sorted_counts(tc);
    int rc = 0;
    if (!b || !t) {
        rc = BOLT_E_NOMEM;
        goto out;
    }
    size_t i = 0, j = 0;
    while (rc == 0 && (i < bc->len || j < tc->len)) {
        int d = i == bc->len ? 1 : j == tc->len ? -1 : strcmp(b[i]->key, t[j]->key);
        if (d < 0) {
            rc = fn(c, b[i]->key, b[i], NULL, ud);
            i++;
        } else if (d > 0) {
            rc = fn(c, t[j]->key, NULL, t[j], ud);
            j++;
        } else {
            rc = fn(c, b[i]->key, b[i], t[j], ud);
            i++, j++;
        }
    }
out:
    bolt_free(b);
    bolt_free(t);
    return rc;
}

/* ---- inventory ------------------------------------------------------------------------------ */

static int str_differs(const char *a, const char *b)
{
    if (!a || !b) return a != b;
    return strcmp(a, b) != 0;
}

static int inventory_field(cmp_ctx *c, const char *kind, const char *what, const char *bv,
                           const char *tv)
{
    if (!str_differs(bv, tv)) return 0;
    return cmp_add(c, BV_CHECK_INVENTORY, BV_SEV_INFO, kind, what, bv, tv,
                   "%s: %s on baseline, %s on target", what, bv ? bv : "unknown",
                   tv ? tv : "unknown");
}

static int in_strv(char *const *v, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(v[i], s)) return 1;
    return 0;
}

static int inventory_databases(cmp_ctx *c)
{
    const bv_inventory *b = &c->b->inventory, *t = &c->t->inventory;
    /* 3.5 has no SHOW DATABASES: a list on one side only says nothing about the other. */
    if (!b->databases || !t->databases) return 0;
    const char **bs = cmp_sorted_strv(b->databases, b->database_count);
    const char **ts = cmp_sorted_strv(t->databases, t->database_count);
    int rc = 0;
    if (!bs || !ts) {
        rc = BOLT_E_NOMEM;
        goto out;
    }
    for (size_t i = 0; rc == 0 && i < b->database_count; i++)
        if (!in_strv(t->databases, t->database_count, bs[i]))
            rc = cmp_add(c, BV_CHECK_INVENTORY, BV_SEV_INFO, "database_missing", bs[i], bs[i], NULL,
                         "database %s: present on baseline, absent on target", bs[i]);
    for (size_t i = 0; rc == 0 && i < t->database_count; i++)
        if (!in_strv(b->databases, b->database_count, ts[i]))
            rc = cmp_add(c, BV_CHECK_INVENTORY, BV_SEV_INFO, "database_extra", ts[i], NULL, ts[i],
                         "database %s: absent on baseline, present on target", ts[i]);
out:
    bolt_free(bs);
    bolt_free(ts);
    return rc;
}

static int cmp_inventory(cmp_ctx *c)
{
    const bv_inventory *b = &c->b->inventory, *t = &c->t->inventory;
    int rc;
    if ((rc = inventory_field(c, "version", "server version", b->version, t->version)) ||
        (rc = inventory_field(c, "edition", "edition", b->edition, t->edition)) ||
        (rc = inventory_field(c, "bolt_version", "Bolt version", b->bolt_version,
                              t->bolt_version)) ||
        (rc = inventory_field(c, "database", "database measured", b->database, t->database)))
        return rc;
    return inventory_databases(c);
}

/* ---- tokens --------------------------------------------------------------------------------- */

typedef struct token_ud {
    const char *what; /* "label", "relationship type", "property key" */
    bv_severity sev;
    cmp_sb *sb;
} token_ud;

static int token_merge(cmp_ctx *c, const char *key, const bv_count *b, const bv_count *t, void *vud)
{
    token_ud *ud = vud;
    if (b && t) return 0;
    cmp_sb_reset(ud->sb);
    cmp_sb_printf(ud->sb, "%s ", ud->what);
    cmp_sb_name(ud->sb, key);
    if (ud->sb->oom) return BOLT_E_NOMEM;
    const char *subject = cmp_sb_str(ud->sb);
    if (b)
        return cmp_add(c, BV_CHECK_TOKENS, ud->sev, "token_missing", subject, "present", NULL,
                       "%s: in use on baseline, absent on target", subject);
    return cmp_add(c, BV_CHECK_TOKENS, ud->sev, "token_extra", subject, NULL, "present",
                   "%s: absent on baseline, in use on target", subject);
}

static int cmp_tokens(cmp_ctx *c)
{
    cmp_sb sb;
    cmp_sb_init(&sb);
    token_ud labels = {"label", BV_SEV_DRIFT, &sb};
    token_ud types = {"relationship type", BV_SEV_DRIFT, &sb};
    /* db.propertyKeys() lists every key ever created: a store copy drops the unused ones, so
     * the token list is information; property coverage is where lost keys show as drift. */
    token_ud keys = {"property key", BV_SEV_INFO, &sb};
    int rc;
    if ((rc = merge_counts(c, &c->b->labels, &c->t->labels, token_merge, &labels)) == 0 &&
        (rc = merge_counts(c, &c->b->rel_types, &c->t->rel_types, token_merge, &types)) == 0)
        rc = merge_counts(c, &c->b->prop_keys, &c->t->prop_keys, token_merge, &keys);
    cmp_sb_free(&sb);
    return rc;
}

/* ---- counts --------------------------------------------------------------------------------- */

static int count_line(cmp_ctx *c, unsigned check, const char *kind, const char *subject,
                      const char *noun, int64_t bn, int64_t tn)
{
    if (bn == tn) return 0;
    char bv[24], tv[24], diff[24];
    snprintf(bv, sizeof bv, "%" PRId64, bn);
    snprintf(tv, sizeof tv, "%" PRId64, tn);
    /* Counts are never negative, and the difference of two non-negative int64 cannot
     * overflow; a negative count (a broken snapshot) gets no difference rather than UB. */
    if (bn >= 0 && tn >= 0)
        snprintf(diff, sizeof diff, " (%+" PRId64 ")", tn - bn);
    else
        diff[0] = '\0';
    return cmp_add(c, check, BV_SEV_DRIFT, kind, subject, bv, tv,
                   "%s: %s %s on baseline, %s on target%s", subject, bv, noun, tv, diff);
}

typedef struct count_ud {
    const char *open, *close; /* subject = open + name + close, e.g. "(:" "Person" ")" */
    int pre_rendered;         /* the key is already the pattern: "(:Person)-[:KNOWS]->()" */
    const char *noun;
    cmp_sb *sb;
} count_ud;

static int count_merge(cmp_ctx *c, const char *key, const bv_count *b, const bv_count *t, void *vud)
{
    count_ud *ud = vud;
    /* A label or type absent from one side was not in use there: its count store says 0. */
    int64_t bn = b ? b->count : 0, tn = t ? t->count : 0;
    if (bn == tn) return 0;
    cmp_sb_reset(ud->sb);
    if (ud->pre_rendered) {
        cmp_sb_puts(ud->sb, key);
    } else {
        cmp_sb_puts(ud->sb, ud->open);
        cmp_sb_name(ud->sb, key);
        cmp_sb_puts(ud->sb, ud->close);
    }
    if (ud->sb->oom) return BOLT_E_NOMEM;
    return count_line(c, BV_CHECK_COUNTS, "count", cmp_sb_str(ud->sb), ud->noun, bn, tn);
}

static int cmp_counts(cmp_ctx *c)
{
    int rc;
    if ((rc = count_line(c, BV_CHECK_COUNTS, "count", "all nodes", "nodes", c->b->node_count,
                         c->t->node_count)) ||
        (rc = count_line(c, BV_CHECK_COUNTS, "count", "all relationships", "relationships",
                         c->b->rel_count, c->t->rel_count)))
        return rc;
    cmp_sb sb;
    cmp_sb_init(&sb);
    count_ud labels = {"(:", ")", 0, "nodes", &sb};
    count_ud types = {"()-[:", "]->()", 0, "relationships", &sb};
    count_ud pattern = {"", "", 1, "relationships", &sb};
    if ((rc = merge_counts(c, &c->b->label_counts, &c->t->label_counts, count_merge, &labels)) ==
            0 &&
        (rc = merge_counts(c, &c->b->type_counts, &c->t->type_counts, count_merge, &types)) == 0 &&
        (rc = merge_counts(c, &c->b->out_counts, &c->t->out_counts, count_merge, &pattern)) == 0)
        rc = merge_counts(c, &c->b->in_counts, &c->t->in_counts, count_merge, &pattern);
    cmp_sb_free(&sb);
    return rc;
}

/* ---- property coverage ---------------------------------------------------------------------- */

static int coveragep_cmp(const void *a, const void *b)
{
    const bv_coverage *x = *(const bv_coverage *const *)a, *y = *(const bv_coverage *const *)b;
    if (x->is_relationship != y->is_relationship) return x->is_relationship - y->is_relationship;
    return strcmp(x->token, y->token);
}

static const bv_coverage **sorted_coverage(const bv_measurement *m)
{
    const bv_coverage **v = bolt_malloc(m->coverage_count * sizeof *v);
    if (!v) return NULL;
    for (size_t i = 0; i < m->coverage_count; i++)
        v[i] = &m->coverage[i];
    if (m->coverage_count > 1) qsort(v, m->coverage_count, sizeof *v, coveragep_cmp);
    return v;
}

static void coverage_token(cmp_sb *sb, const bv_coverage *cv)
{
    cmp_sb_puts(sb, cv->is_relationship ? "[:" : "(:");
    cmp_sb_name(sb, cv->token);
    cmp_sb_puts(sb, cv->is_relationship ? "]" : ")");
}

typedef struct coverage_ud {
    const bv_coverage *cv;
    cmp_sb *sb;
} coverage_ud;

static int coverage_merge(cmp_ctx *c, const char *key, const bv_count *b, const bv_count *t,
                          void *vud)
{
    coverage_ud *ud = vud;
    int64_t bn = b ? b->count : 0, tn = t ? t->count : 0;
    if (bn == tn) return 0;
    cmp_sb_reset(ud->sb);
    coverage_token(ud->sb, ud->cv);
    cmp_sb_puts(ud->sb, ".");
    cmp_sb_name(ud->sb, key);
    if (ud->sb->oom) return BOLT_E_NOMEM;
    return count_line(c, BV_CHECK_COVERAGE, "coverage", cmp_sb_str(ud->sb),
                      ud->cv->is_relationship ? "relationships carry it" : "nodes carry it", bn,
                      tn);
}

static int coverage_alone(cmp_ctx *c, cmp_sb *sb, const bv_coverage *cv, int on_baseline)
{
    cmp_sb_reset(sb);
    coverage_token(sb, cv);
    if (sb->oom) return BOLT_E_NOMEM;
    const char *s = cmp_sb_str(sb);
    char keys[32];
    snprintf(keys, sizeof keys, "%zu keys", cv->keys.len);
    if (on_baseline)
        return cmp_add(c, BV_CHECK_COVERAGE, BV_SEV_DRIFT, "coverage_missing", s, keys, NULL,
                       "%s: property coverage measured on baseline (%s), nothing on target", s,
                       keys);
    return cmp_add(c, BV_CHECK_COVERAGE, BV_SEV_DRIFT, "coverage_extra", s, NULL, keys,
                   "%s: nothing on baseline, property coverage on target (%s)", s, keys);
}

static int cmp_coverage(cmp_ctx *c)
{
    const bv_coverage **b = sorted_coverage(c->b), **t = sorted_coverage(c->t);
    size_t bn = c->b->coverage_count, tn = c->t->coverage_count;
    cmp_sb sb;
    cmp_sb_init(&sb);
    int rc = 0;
    if (!b || !t) {
        rc = BOLT_E_NOMEM;
        goto out;
    }
    size_t i = 0, j = 0;
    while (rc == 0 && (i < bn || j < tn)) {
        int d = i == bn ? 1 : j == tn ? -1 : coveragep_cmp(&b[i], &t[j]);
        if (d < 0) {
            rc = coverage_alone(c, &sb, b[i++], 1);
        } else if (d > 0) {
            rc = coverage_alone(c, &sb, t[j++], 0);
        } else {
            coverage_ud ud = {b[i], &sb};
            rc = merge_counts(c, &b[i]->keys, &t[j]->keys, coverage_merge, &ud);
            i++, j++;
        }
    }
out:
    cmp_sb_free(&sb);
    bolt_free(b);
    bolt_free(t);
    return rc;
}

/* ---- full scan digests ---------------------------------------------------------------------- */

static int digest_of(const bv_measurement *m, const bv_count *e, bv_h128 *out)
{
    size_t i = (size_t)(e - m->full_labels.items);
    if (!m->full_digests || i >= m->full_labels.len) return 0;
    *out = m->full_digests[i];
    return 1;
}

static int full_merge(cmp_ctx *c, const char *key, const bv_count *b, const bv_count *t, void *vud)
{
    cmp_sb *sb = vud;
    bv_h128 bd = {0, 0}, td = {0, 0};
    int hb = b && digest_of(c->b, b, &bd), ht = t && digest_of(c->t, t, &td);
    if (hb && ht && b->count == t->count && bv_h128_eq(bd, td)) return 0;
    char bh[33], th[33], bv[80], tv[80];
    bv_h128_format(bd, bh);
    bv_h128_format(td, th);
    if (hb) snprintf(bv, sizeof bv, "%" PRId64 " nodes, xxh3 %s", b->count, bh);
    if (ht) snprintf(tv, sizeof tv, "%" PRId64 " nodes, xxh3 %s", t->count, th);
    cmp_sb_reset(sb);
    cmp_sb_puts(sb, "(:");
    cmp_sb_name(sb, key);
    cmp_sb_puts(sb, ")");
    if (sb->oom) return BOLT_E_NOMEM;
    const char *s = cmp_sb_str(sb);
    int rc = cmp_add(c, BV_CHECK_FULL, BV_SEV_DRIFT, "digest", s, hb ? bv : NULL, ht ? tv : NULL,
                     "%s: full-scan digest differs (%s on baseline, %s on target)", s,
                     hb ? bv : "not scanned", ht ? tv : "not scanned");
    if (rc < 0 || !hb || !ht) return rc;
    /* The nodes the bisection kept (verify/sample.h) name the divergent ones, at most
     * BV_FULL_NAMES per label, explained field by field where their fields were fetched. */
    size_t more = 0;
    int named = cmp_nodes(c, BV_CHECK_FULL, c->b->full_nodes, c->b->full_node_count,
                          c->t->full_nodes, c->t->full_node_count, key, BV_FULL_NAMES, &more);
    if (named < 0) return named;
    if (!more) return 0;
    char n[32];
    snprintf(n, sizeof n, "%zu", more);
    return cmp_add(c, BV_CHECK_FULL, BV_SEV_DRIFT, "more_nodes", s, NULL, n,
                   "%s: and %zu more divergent node%s", s, more, more == 1 ? "" : "s");
}

static int cmp_full(cmp_ctx *c)
{
    cmp_sb sb;
    cmp_sb_init(&sb);
    int rc = merge_counts(c, &c->b->full_labels, &c->t->full_labels, full_merge, &sb);
    cmp_sb_free(&sb);
    return rc;
}

/* ---- driver --------------------------------------------------------------------------------- */

int bv_compare(const bv_measurement *baseline, size_t baseline_index, const bv_measurement *target,
               size_t target_index, const bv_compare_opts *opts, bv_divergences *out)
{
    if (!baseline || !target || !opts || !out) return BOLT_E_INVAL;
    static int (*const run[BV_CHECK_COUNT])(cmp_ctx *) = {
        cmp_inventory, cmp_tokens, cmp_counts, cmp_schema, cmp_coverage, cmp_sample, cmp_full,
    };
    cmp_ctx c = {baseline, target, baseline_index, target_index, out};
    size_t start = out->len;
    unsigned both = opts->checks & baseline->checks & target->checks;
    for (unsigned i = 0; i < BV_CHECK_COUNT; i++) {
        if (!(both & (1u << i))) continue;
        int rc = run[i](&c);
        if (rc < 0) {
            bv_divergences_truncate(out, start);
            return rc;
        }
    }
    return (int)(out->len - start);
}
