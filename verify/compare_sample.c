/* Sampled nodes: every node sampled on one side is matched on the other by its key (label,
 * key property, canonical key text), compared by node hash, and every mismatch is explained
 * field by field from the per-field hashes and renderings (verify/model.h). The nodes that the
 * full check's bisection kept are compared the same way (cmp_nodes, for compare.c's cmp_full).
 *
 * DST fall-back hour (verify/canon.h, BV_NOTE_AMBIGUOUS_DST). Zone DateTimes hash by their wall
 * clock, so the two instants of a fall-back hour hash alike. Such a value is reported:
 *   - ambiguous when both sides are noted and either was sent in the legacy encoding (its
 *     rendering says "(ambiguous: ...)"): the instant cannot be told from the wire;
 *   - drift when both sides were sent with their instant (Bolt 5, 4.4 + utc) and the
 *     renderings differ: the value moved to the other instant of the hour;
 *   - as any other value when only one side is noted: a zone DateTime of the fall-back hour
 *     against anything else is a real difference (another type, zone or wall clock).
 * The other notes (gap, unknown zone, tz data) can make one stored value hash differently on
 * one side alone, so a difference with any of them on either side is ambiguous. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bolt/alloc.h"
#include "bolt/error.h"
#include "compare_internal.h"
#include "verify/canon.h"  /* BV_NOTE_*, bv_notes_format */
#include "verify/sample.h" /* BV_KEY_PROP_ID */

static const char *nz(const char *s)
{
    return s ? s : "";
}

static int ident_cmp(const bv_sample_node *a, const bv_sample_node *b)
{
    int d = strcmp(nz(a->label), nz(b->label));
    if (!d) d = strcmp(nz(a->key_prop), nz(b->key_prop));
    if (!d) d = strcmp(nz(a->key_text), nz(b->key_text));
    return d;
}

static int nodep_cmp(const void *a, const void *b)
{
    const bv_sample_node *x = *(const bv_sample_node *const *)a;
    const bv_sample_node *y = *(const bv_sample_node *const *)b;
    int d = ident_cmp(x, y);
    /* present entries before "looked up, missing" ones of the same key */
    return d ? d : x->missing - y->missing;
}

static int fieldp_cmp(const void *a, const void *b)
{
    const bv_field_hash *x = *(const bv_field_hash *const *)a;
    const bv_field_hash *y = *(const bv_field_hash *const *)b;
    if (x->kind != y->kind) return (int)x->kind - (int)y->kind;
    return strcmp(nz(x->name), nz(y->name));
}

static const bv_field_hash **sorted_fields(const bv_sample_node *n)
{
    const bv_field_hash **v = bolt_malloc(n->field_count * sizeof *v);
    if (!v) return NULL;
    for (size_t i = 0; i < n->field_count; i++)
        v[i] = &n->fields[i];
    if (n->field_count > 1) qsort(v, n->field_count, sizeof *v, fieldp_cmp);
    return v;
}

/* Scratch strings of one node comparison, and what is compared: the check the divergences
 * belong to, and whether a key absent from one side's list is absent from that instance (a
 * full scan) or only was not looked up there (a sample). */
typedef struct node_sb {
    cmp_sb subject, field, bv, tv;
    unsigned check;
    int scanned;
} node_sb;

static void node_subject(cmp_sb *s, const bv_sample_node *n)
{
    cmp_sb_reset(s);
    cmp_sb_puts(s, "(:");
    cmp_sb_name(s, nz(n->label));
    if (n->key_prop && !strcmp(n->key_prop, BV_KEY_PROP_ID)) {
        /* matched by internal id (--match-by-id): no property to name */
        cmp_sb_printf(s, " id %s)", nz(n->key_text));
        return;
    }
    cmp_sb_puts(s, " {");
    cmp_sb_name(s, nz(n->key_prop));
    cmp_sb_printf(s, ": %s})", nz(n->key_text));
}

static int oom(node_sb *s)
{
    return s->subject.oom || s->field.oom || s->bv.oom || s->tv.oom;
}

static void value_text(cmp_sb *s, const bv_field_hash *f)
{
    cmp_sb_reset(s);
    if (f->rendering) {
        cmp_sb_puts(s, f->rendering);
    } else {
        char hex[33];
        bv_h128_format(f->hash, hex);
        cmp_sb_printf(s, "xxh3:%s", hex);
    }
}

/* ---- labels: ":A:B" or ":`odd label`:C" ----------------------------------------------------- */

typedef struct strset {
    char **v;
    size_t n;
} strset;

static void strset_free(strset *s)
{
    for (size_t i = 0; i < s->n; i++)
        bolt_free(s->v[i]);
    bolt_free(s->v);
    s->v = NULL;
    s->n = 0;
}

/* 0, 1 when the text is not a label rendering, BOLT_E_NOMEM. */
static int parse_labels(const char *r, strset *out)
{
    out->v = NULL;
    out->n = 0;
    if (!r) return 1;
    cmp_sb tmp;
    cmp_sb_init(&tmp);
    int rc = 0;
    while (*r && rc == 0) {
        if (*r != ':') {
            rc = 1;
            break;
        }
        r++;
        cmp_sb_reset(&tmp);
        if (*r == '`') {
            for (r++;; r++) {
                if (!*r) {
                    rc = 1;
                    break;
                }
                if (*r == '`') {
                    if (r[1] != '`') break;
                    r++;
                }
                cmp_sb_printf(&tmp, "%c", *r);
            }
            if (rc) break;
            r++;
        } else {
            const char *start = r;
            while (*r && *r != ':')
                r++;
            if (r == start) {
                rc = 1;
                break;
            }
            cmp_sb_printf(&tmp, "%.*s", (int)(r - start), start);
        }
        if (tmp.oom) {
            rc = BOLT_E_NOMEM;
            break;
        }
        char **v = bolt_realloc(out->v, (out->n + 1) * sizeof *v);
        char *lab = v ? bolt_strndup(cmp_sb_str(&tmp), tmp.len) : NULL;
        if (v) out->v = v;
        if (!lab) {
            rc = BOLT_E_NOMEM;
            break;
        }
        out->v[out->n++] = lab;
    }
    cmp_sb_free(&tmp);
    if (rc) strset_free(out);
    if (rc == 0 && out->n > 1) qsort(out->v, out->n, sizeof *out->v, cmp_strp_cmp);
    return rc;
}

static int labels_diff(cmp_ctx *c, node_sb *s, const bv_field_hash *bf, const bv_field_hash *tf,
                       int *emitted)
{
    strset bl, tl;
    int rb = parse_labels(bf ? bf->rendering : "", &bl);
    int rt = parse_labels(tf ? tf->rendering : "", &tl);
    int rc = 0;
    const char *subj = cmp_sb_str(&s->subject);
    if (rb < 0 || rt < 0) {
        rc = BOLT_E_NOMEM;
    } else if (rb || rt) { /* no usable rendering: say that the set differs, with the hashes */
        value_text(&s->bv, bf);
        value_text(&s->tv, tf);
        if (oom(s)) {
            rc = BOLT_E_NOMEM;
        } else {
            rc = cmp_add(c, s->check, BV_SEV_DRIFT, "labels_changed", subj, cmp_sb_str(&s->bv),
                         cmp_sb_str(&s->tv), "%s: labels %s on baseline, %s on target", subj,
                         cmp_sb_str(&s->bv), cmp_sb_str(&s->tv));
            (*emitted)++;
        }
    } else {
        size_t i = 0, j = 0;
        while (rc == 0 && (i < bl.n || j < tl.n)) {
            int d = i == bl.n ? 1 : j == tl.n ? -1 : strcmp(bl.v[i], tl.v[j]);
            if (d == 0) {
                i++, j++;
                continue;
            }
            const char *lab = d < 0 ? bl.v[i++] : tl.v[j++];
            cmp_sb_reset(&s->field);
            cmp_sb_puts(&s->field, ":");
            cmp_sb_name(&s->field, lab);
            if (oom(s)) {
                rc = BOLT_E_NOMEM;
                break;
            }
            const char *l = cmp_sb_str(&s->field);
            if (d < 0)
                rc = cmp_add(c, s->check, BV_SEV_DRIFT, "label_removed", subj, l, NULL,
                             "%s: label %s missing on target", subj, l);
            else
                rc = cmp_add(c, s->check, BV_SEV_DRIFT, "label_added", subj, NULL, l,
                             "%s: label %s added on target", subj, l);
            (*emitted)++;
        }
    }
    strset_free(&bl);
    strset_free(&tl);
    return rc;
}

/* ---- one field ------------------------------------------------------------------------------ */

static void rel_signature(cmp_sb *s, const char *name)
{
    size_t n = strlen(name);
    cmp_sb_reset(s);
    if (n > 1 && name[n - 1] == '>') {
        cmp_sb_printf(s, "-[:%.*s]->", (int)(n - 1), name);
    } else if (n > 1 && name[n - 1] == '<') {
        cmp_sb_printf(s, "<-[:%.*s]-", (int)(n - 1), name);
    } else {
        cmp_sb_puts(s, name);
    }
}

/* The notes that make a difference between two values undecidable (see the top of the file):
 * the fall-back note only when both sides carry it, the others on either side. */
static unsigned undecidable(unsigned bn, unsigned tn)
{
    return (bn & tn & BV_NOTE_AMBIGUOUS_DST) | ((bn | tn) & BV_NOTE_ALL & ~BV_NOTE_AMBIGUOUS_DST);
}

/* The note names go into the message. */
static void note_suffix(char *buf, size_t len, unsigned notes)
{
    buf[0] = '\0';
    if (!(notes & BV_NOTE_ALL)) return;
    char names[96];
    bv_notes_format(notes & BV_NOTE_ALL, names, sizeof names);
    snprintf(buf, len, " (undecidable from the wire: %s)", names);
}

/* The field's name as a subject: "(:Person {uid: 1}).name", or the node and the relationship
 * signature "-[:KNOWS]->" (in s->field). */
static void field_subject(node_sb *s, const bv_field_hash *f)
{
    cmp_sb_reset(&s->field);
    if (f->kind == BV_FIELD_RELS) {
        rel_signature(&s->field, nz(f->name));
        return;
    }
    cmp_sb_printf(&s->field, "%s.", cmp_sb_str(&s->subject));
    cmp_sb_name(&s->field, nz(f->name));
}

static int legacy_rendering(const bv_field_hash *f)
{
    return f->rendering && strstr(f->rendering, "(ambiguous:") != NULL;
}

/* Equal hashes, both values in a DST fall-back hour (see the top of the file). */
static int fallback_hour(cmp_ctx *c, node_sb *s, const bv_field_hash *bf, const bv_field_hash *tf,
                         int *emitted)
{
    if (!(bf->notes & tf->notes & BV_NOTE_AMBIGUOUS_DST) || bf->kind == BV_FIELD_LABELS) return 0;
    int exact = bf->kind == BV_FIELD_PROPERTY && bf->rendering && tf->rendering &&
                !legacy_rendering(bf) && !legacy_rendering(tf);
    if (exact && !strcmp(bf->rendering, tf->rendering)) return 0;
    value_text(&s->bv, bf);
    value_text(&s->tv, tf);
    field_subject(s, bf);
    if (oom(s)) return BOLT_E_NOMEM;
    const char *node = cmp_sb_str(&s->subject), *bv = cmp_sb_str(&s->bv), *tv = cmp_sb_str(&s->tv);
    (*emitted)++;
    if (exact) {
        const char *subj = cmp_sb_str(&s->field);
        return cmp_add(c, s->check, BV_SEV_DRIFT, "property_changed", subj, bv, tv,
                       "%s: %s on baseline, %s on target (the other instant of the DST "
                       "fall-back hour)",
                       subj, bv, tv);
    }
    if (bf->kind == BV_FIELD_RELS) {
        const char *sig = cmp_sb_str(&s->field);
        return cmp_add(c, s->check, BV_SEV_AMBIGUOUS, "ambiguous_value", node, bv, tv,
                       "%s %s: same on both sides by wall clock, but a relationship property "
                       "falls in a DST fall-back hour: its instant cannot be compared",
                       node, sig);
    }
    const char *subj = cmp_sb_str(&s->field);
    return cmp_add(c, s->check, BV_SEV_AMBIGUOUS, "ambiguous_value", subj, bv, tv,
                   "%s: %s on baseline, %s on target: same wall clock in a DST fall-back hour, "
                   "which of its two instants cannot be told from the wire",
                   subj, bv, tv);
}

static int field_diff(cmp_ctx *c, node_sb *s, const bv_field_hash *bf, const bv_field_hash *tf,
                      int *emitted)
{
    const bv_field_hash *f = bf ? bf : tf;
    if (bf && tf && bv_h128_eq(bf->hash, tf->hash)) return fallback_hour(c, s, bf, tf, emitted);
    if (f->kind == BV_FIELD_LABELS) return labels_diff(c, s, bf, tf, emitted);
    const char *node = cmp_sb_str(&s->subject);
    cmp_sb_reset(&s->bv);
    cmp_sb_reset(&s->tv);
    if (bf) value_text(&s->bv, bf);
    if (tf) value_text(&s->tv, tf);
    cmp_sb_reset(&s->field);
    (*emitted)++;
    field_subject(s, f);
    if (oom(s)) return BOLT_E_NOMEM;
    char note[128];
    note_suffix(note, sizeof note, bf && tf ? undecidable(bf->notes, tf->notes) : 0);
    bv_severity sev = *note ? BV_SEV_AMBIGUOUS : BV_SEV_DRIFT;
    if (f->kind == BV_FIELD_RELS) {
        const char *sig = cmp_sb_str(&s->field);
        return cmp_add(c, s->check, sev, "relationships_changed", node,
                       bf ? cmp_sb_str(&s->bv) : NULL, tf ? cmp_sb_str(&s->tv) : NULL,
                       "%s %s: %s on baseline, %s on target%s", node, sig,
                       bf ? cmp_sb_str(&s->bv) : "none", tf ? cmp_sb_str(&s->tv) : "none", note);
    }
    const char *subj = cmp_sb_str(&s->field);
    const char *bv = cmp_sb_str(&s->bv), *tv = cmp_sb_str(&s->tv);
    if (!tf)
        return cmp_add(c, s->check, BV_SEV_DRIFT, "property_removed", subj, bv, NULL,
                       "%s: removed on target (was %s)", subj, bv);
    if (!bf)
        return cmp_add(c, s->check, BV_SEV_DRIFT, "property_added", subj, NULL, tv,
                       "%s: added on target (%s)", subj, tv);
    return cmp_add(c, s->check, sev, "property_changed", subj, bv, tv,
                   "%s: %s on baseline, %s on target%s", subj, bv, tv, note);
}

/* ---- one node ------------------------------------------------------------------------------- */

static int node_diff(cmp_ctx *c, node_sb *s, const bv_sample_node *b, const bv_sample_node *t)
{
    /* equal nodes still go through their fields when both carry the fall-back note */
    if (bv_h128_eq(b->node_hash, t->node_hash) && !(b->notes & t->notes & BV_NOTE_AMBIGUOUS_DST))
        return 0;
    const bv_field_hash **bf = sorted_fields(b), **tf = sorted_fields(t);
    int rc = 0, emitted = 0;
    if (!bf || !tf) {
        rc = BOLT_E_NOMEM;
        goto out;
    }
    size_t i = 0, j = 0;
    while (rc == 0 && (i < b->field_count || j < t->field_count)) {
        int d = i == b->field_count ? 1 : j == t->field_count ? -1 : fieldp_cmp(&bf[i], &tf[j]);
        if (d < 0)
            rc = field_diff(c, s, bf[i++], NULL, &emitted);
        else if (d > 0)
            rc = field_diff(c, s, NULL, tf[j++], &emitted);
        else
            rc = field_diff(c, s, bf[i++], tf[j++], &emitted);
    }
    if (rc == 0 && emitted == 0 && !bv_h128_eq(b->node_hash, t->node_hash)) {
        /* The hashes differ but no field explains why (no fields were kept, or the difference
         * is in what the node hash covers beyond them). Still a difference: say so. */
        char bh[33], th[33];
        bv_h128_format(b->node_hash, bh);
        bv_h128_format(t->node_hash, th);
        char note[128];
        note_suffix(note, sizeof note, undecidable(b->notes, t->notes));
        const char *subj = cmp_sb_str(&s->subject);
        rc = cmp_add(c, s->check, *note ? BV_SEV_AMBIGUOUS : BV_SEV_DRIFT, "node_changed", subj, bh,
                     th, "%s: node hash %s on baseline, %s on target (no field-level detail)%s",
                     subj, bh, th, note);
    }
out:
    bolt_free(bf);
    bolt_free(tf);
    return rc;
}

/* One key, seen nb times present and mb times "looked up, missing" on the baseline (nt, mt on
 * the target). In a full scan (s->scanned) a key absent from one side's list is absent from
 * that instance, never "not looked up". */
static int key_group(cmp_ctx *c, node_sb *s, const bv_sample_node *const *bg, size_t bcount,
                     const bv_sample_node *const *tg, size_t tcount)
{
    size_t nb = 0, nt = 0, mb = 0;
    for (size_t i = 0; i < bcount; i++)
        bg[i]->missing ? mb++ : nb++;
    for (size_t i = 0; i < tcount; i++)
        if (!tg[i]->missing) nt++;
    node_subject(&s->subject, bcount ? bg[0] : tg[0]);
    if (oom(s)) return BOLT_E_NOMEM;
    const char *subj = cmp_sb_str(&s->subject);
    if (nb > 1 || nt > 1) {
        char bv[32], tv[32];
        snprintf(bv, sizeof bv, "%zu nodes", nb);
        snprintf(tv, sizeof tv, "%zu nodes", nt);
        /* A key that is not unique cannot match one node to one node. The same duplication on
         * both sides is undecidable; a different number of nodes is a difference. */
        return cmp_add(
            c, s->check, nb == nt ? BV_SEV_AMBIGUOUS : BV_SEV_DRIFT, "duplicate_key", subj, bv, tv,
            "%s: key not unique (%s on baseline, %s on target): nodes not compared", subj, bv, tv);
    }
    if (nb == 1 && nt == 1) return node_diff(c, s, bg[0], tg[0]);
    if (nb == 1)
        return cmp_add(c, s->check, BV_SEV_DRIFT, "missing_node", subj, "present", NULL,
                       "%s: missing on target", subj);
    if (nt == 1 && (mb > 0 || s->scanned))
        return cmp_add(c, s->check, BV_SEV_DRIFT, "extra_node", subj, NULL, "present",
                       "%s: absent on baseline, present on target", subj);
    if (nt == 1)
        return cmp_add(c, s->check, BV_SEV_INFO, "unmatched_node", subj, NULL, "present",
                       "%s: sampled on target but not looked up on baseline", subj);
    return 0; /* looked up and missing on both sides */
}

/* A label-level note entry (key_prop NULL, verify/model.h): info, once. */
static int label_note(cmp_ctx *c, node_sb *s, const bv_sample_node *n)
{
    cmp_sb_reset(&s->subject);
    cmp_sb_puts(&s->subject, "(:");
    cmp_sb_name(&s->subject, nz(n->label));
    cmp_sb_puts(&s->subject, ")");
    if (oom(s)) return BOLT_E_NOMEM;
    const char *subj = cmp_sb_str(&s->subject);
    if (s->check == BV_CHECK_SAMPLE)
        return cmp_add(c, s->check, BV_SEV_INFO, "not_sampled", subj, NULL, NULL,
                       "%s: not sampled: %s", subj, nz(n->key_text));
    return cmp_add(c, s->check, BV_SEV_INFO, "not_named", subj, NULL, NULL, "%s: %s", subj,
                   nz(n->key_text));
}

/* The nodes of v (of one label, or all when label is NULL), sorted by identity. */
static const bv_sample_node **select_nodes(const bv_sample_node *v, size_t n, const char *label,
                                           size_t *out_n)
{
    const bv_sample_node **p = bolt_malloc((n ? n : 1) * sizeof *p);
    size_t k = 0;
    if (!p) return NULL;
    for (size_t i = 0; i < n; i++)
        if (!label || !strcmp(nz(v[i].label), label)) p[k++] = &v[i];
    if (k > 1) qsort(p, k, sizeof *p, nodep_cmp);
    *out_n = k;
    return p;
}

int cmp_nodes(cmp_ctx *c, unsigned check, const bv_sample_node *bv, size_t bcount,
              const bv_sample_node *tv, size_t tcount, const char *label, size_t limit,
              size_t *more)
{
    size_t bn = 0, tn = 0;
    const bv_sample_node **b = select_nodes(bv, bcount, label, &bn),
                         **t = select_nodes(tv, tcount, label, &tn);
    node_sb s;
    cmp_sb_init(&s.subject);
    cmp_sb_init(&s.field);
    cmp_sb_init(&s.bv);
    cmp_sb_init(&s.tv);
    s.check = check;
    s.scanned = check == BV_CHECK_FULL;
    size_t named = 0;
    if (more) *more = 0;
    int rc = 0;
    if (!b || !t) {
        rc = BOLT_E_NOMEM;
        goto out;
    }
    size_t i = 0, j = 0;
    while (rc == 0 && (i < bn || j < tn)) {
        const bv_sample_node *key = i == bn                      ? t[j]
                                    : j == tn                    ? b[i]
                                    : ident_cmp(b[i], t[j]) <= 0 ? b[i]
                                                                 : t[j];
        size_t i0 = i, j0 = j;
        while (i < bn && !ident_cmp(b[i], key))
            i++;
        while (j < tn && !ident_cmp(t[j], key))
            j++;
        if (!key->key_prop) { /* a note: the baseline's, or the target's when it is its own */
            rc = label_note(c, &s, key);
            continue;
        }
        size_t before = c->out->len;
        rc = key_group(c, &s, b + i0, i - i0, t + j0, j - j0);
        if (rc < 0 || c->out->len == before) continue;
        /* Past the limit a divergent key is only counted: its divergences are taken back. */
        if (limit && named >= limit) {
            bv_divergences_truncate(c->out, before);
            if (more) (*more)++;
        } else {
            named++;
        }
    }
out:
    cmp_sb_free(&s.subject);
    cmp_sb_free(&s.field);
    cmp_sb_free(&s.bv);
    cmp_sb_free(&s.tv);
    bolt_free(b);
    bolt_free(t);
    return rc < 0 ? rc : (int)named;
}

int cmp_sample(cmp_ctx *c)
{
    int rc = cmp_nodes(c, BV_CHECK_SAMPLE, c->b->sample, c->b->sample_count, c->t->sample,
                       c->t->sample_count, NULL, 0, NULL);
    return rc < 0 ? rc : 0;
}
