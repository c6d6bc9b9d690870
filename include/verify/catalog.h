/* verify/catalog.h - the Cypher boltdiff sends, one catalog per Neo4j server line.
 *
 *   3.5        Bolt 3, one database, procedures db.indexes() / db.constraints()
 *   4.0-4.1    multi-database (SHOW DATABASES on "system"), db.indexes() / db.constraints()
 *   4.2-4.4    SHOW INDEXES / SHOW CONSTRAINTS (db.indexes() is deprecated from 4.2 on)
 *   5.x        5.x and the calendar versions (2025.x, 2026.x ...): SHOW only, id() deprecated
 *
 * The catalog files (verify/catalog_35.c, catalog_40.c, catalog_42.c, catalog_5.c) are the ONLY
 * place Cypher text lives. The line is chosen from `CALL dbms.components()` (versions[0]),
 * never by trying a query and watching it fail: a failure costs a RESET on a shared connection
 * and proves nothing about the next query (bolt-reference 10.4). Every query is a read and is
 * sent with access mode "r"; tests/verify/test_catalog.c refuses write clauses in any entry.
 *
 * Templates. Queries about one label / relationship type are templates in which `@1`, `@2`
 * (up to `@9`) stand for names: bv_catalog_build() replaces each with the name back-quoted,
 * any back-quote inside doubled (bv_cypher_quote()), so that every name - spaces, dots,
 * back-quotes, non-ASCII - is one identifier. Values always travel as parameters ($lo, $hi,
 * $keys ...), never in the text.
 *
 * Columns are read by NAME (the scheduler maps them, verify/scheduler.h), never by position: the
 * column sets of db.indexes() and SHOW INDEXES differ between versions (bolt-reference 9.1).
 *
 * Extending: a new query is a new field of bv_catalog, set in every catalog file that supports
 * it with a designated initializer (a line that does not support it leaves it NULL, and the
 * measuring code reports the check as not possible there). Fields are grouped per check; the
 * sample/full checks add theirs at the end. Every field from `components` on is a query
 * (const char *): tests/verify/test_catalog.c walks them all, on every line, and refuses any
 * write clause; a flag goes before `components`.
 *
 * Memory: catalogs are static and immutable; bv_catalog_build() returns a string the caller
 * frees with bolt_free().
 */
#ifndef VERIFY_CATALOG_H
#define VERIFY_CATALOG_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum bv_server_line {
    BV_LINE_35 = 0, /* 3.5.x */
    BV_LINE_40,     /* 4.0.x, 4.1.x */
    BV_LINE_42,     /* 4.2.x .. 4.4.x */
    BV_LINE_5,      /* 5.x, 2025.x and later calendar versions */
    BV_LINE_COUNT
} bv_server_line;

typedef struct bv_catalog {
    bv_server_line line;
    const char *name;   /* "3.5", "4.0-4.1", "4.2-4.4", "5.x/2025.x" */
    int multi_database; /* 1: databases exist (RUN carries db; SHOW DATABASES on "system") */

    /* ---- inventory ---- */
    const char *components; /* columns name, versions, edition */
    const char *databases;  /* on "system": columns name, default (4.x/5.x), home (4.3+);
                               NULL on 3.5 */

    /* ---- tokens (one column each: label / relationshipType / propertyKey) ---- */
    const char *labels;
    const char *rel_types;
    const char *prop_keys;

    /* ---- counts: count store shapes only (bolt-reference 9.2), one column c ---- */
    const char *count_nodes; /* all nodes */
    const char *count_rels;  /* all relationships */
    const char *count_label; /* @1 = label */
    const char *count_type;  /* @1 = relationship type */
    const char *count_out;   /* (:@1)-[:@2]->(): @1 = label, @2 = type */
    const char *count_in;    /* ()-[:@2]->(:@1): @1 = label, @2 = type */

    /* ---- schema (rows normalised by bv_schema_normalize(), verify/compare.h) ---- */
    const char *indexes;     /* db.indexes() (3.5, 4.0-4.1) or SHOW INDEXES */
    const char *constraints; /* db.constraints() (3.5, 4.0-4.1) or SHOW CONSTRAINTS */

    /* ---- coverage: partitioned scans over internal ids ($lo, $hi inclusive) ----
     * nodes: columns ls (labels), ks (keys), c (count); rels: t (type), ks, c. Grouped by the
     * label list / type and the key list, so that a partition returns one row per distinct
     * shape, and nodes without labels or properties are still counted (the walk needs the
     * number of entities seen). */
    const char *cov_nodes;
    const char *cov_rels;
    /* columns lo, hi: the smallest and largest id in use. A full scan (AllNodesScan on 3.5):
     * only the partition walk's last resort (docs/queries.md). */
    const char *node_id_range;
    const char *rel_id_range;

    /* ---- sample / full: entries of the sample and full checks follow ---- */
    /* verify/sample.h, docs/sampling.md. @1 = label, @2 = its key property; the *_ids forms
     * use the internal id instead (--match-by-id). */
    const char *label_id_range;     /* columns lo, hi: a label scan (ids only), not all nodes */
    const char *sample_keys;        /* column k: every key of the label (the key's index) */
    const char *sample_ids;         /* column k: every id of the label */
    const char *sample_window_keys; /* $lo, $hi; column k: keys of the label in an id window */
    const char *sample_window_ids;
    /* $keys, $nk ([label, property] of every keyed label); columns k, ls, ps, outs, ins: one
     * row per node found (bv_node_row) */
    const char *node_fetch;
    const char *node_fetch_ids;
    /* full scan: $nk (+ $lo, $hi for a partition); columns k, ls, ps, outs, ins */
    const char *full_range;
    const char *full_range_ids;
    const char *full_label;
    const char *full_label_ids;
} bv_catalog;

/* The catalog of one server line (static storage), or NULL for an out-of-range value. */
const bv_catalog *bv_catalog_get(bv_server_line line);

/* The catalog for a dbms.components() version string: "3.5.22-SNAPSHOT" -> 3.5, "4.0.12" and
 * "4.1.x" -> 4.0-4.1, "4.2".."4.4" -> 4.2-4.4, "5.x" and calendar versions "2025.01.0" and
 * later -> 5. 0, or BOLT_E_UNSUPPORTED for anything else (3.4 and older, unknown majors), with
 * "unsupported server version '...'" in err (may be NULL). */
int bv_catalog_for_version(const char *version, const bv_catalog **out, char *err, size_t errlen);

/* Writes name back-quoted with every back-quote doubled ("a`b" -> "`a``b`") into buf (always
 * NUL-terminated when len > 0). Returns the length needed without the NUL, like snprintf. */
size_t bv_cypher_quote(char *buf, size_t len, const char *name);

/* Expands a template: each `@N` (N = 1..9, N <= count) becomes bv_cypher_quote(names[N-1]);
 * any other character is copied. *out is a new string (bolt_free). 0, BOLT_E_INVAL (NULL
 * template, a name that is NULL, empty or not valid UTF-8, or `@N` beyond count) or
 * BOLT_E_NOMEM. */
int bv_catalog_build(const char *tmpl, const char *const *names, size_t count, char **out);

#ifdef __cplusplus
}
#endif
#endif
