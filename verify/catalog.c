/* Catalog selection, name quoting, template expansion, and the query shapes that every server
 * line shares (verify/catalog.h). Why each shape: docs/queries.md. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "bolt/alloc.h"
#include "bolt/error.h"
#include "catalog_internal.h"

/* ---- shapes shared by every line ------------------------------------------------------------ */

/* The procedures answer the same columns on every line; plain CALL (no YIELD) is what the 3.5
 * captures used, and it is valid Cypher on 5.x and 2025.x too. */
const char bv_q_components[] = "CALL dbms.components()";
const char bv_q_databases[] = "SHOW DATABASES";
const char bv_q_labels[] = "CALL db.labels()";
const char bv_q_rel_types[] = "CALL db.relationshipTypes()";
const char bv_q_prop_keys[] = "CALL db.propertyKeys()";

/* Count store shapes (bolt-reference 9.2): one label or one type, a directed pattern, no WHERE,
 * count() alone. Anything else would scan. */
const char bv_q_count_nodes[] = "MATCH (n) RETURN count(n) AS c";
const char bv_q_count_rels[] = "MATCH ()-[r]->() RETURN count(r) AS c";
const char bv_q_count_label[] = "MATCH (n:@1) RETURN count(n) AS c";
const char bv_q_count_type[] = "MATCH ()-[r:@1]->() RETURN count(r) AS c";
const char bv_q_count_out[] = "MATCH (:@1)-[r:@2]->() RETURN count(r) AS c";
const char bv_q_count_in[] = "MATCH ()-[r:@2]->(:@1) RETURN count(r) AS c";

/* Partitions: `id(n) IN range($lo, $hi)` plans as NodeByIdSeek on 3.5.22, where a >=/<
 * filter scans every node per partition (bolt-reference 9.7). Grouping by the whole label and
 * key lists sends one row per distinct node shape instead of one per (label, key) pair, and
 * keeps nodes with no label or no property in the count the partition walk relies on. */
const char bv_q_cov_nodes[] = "MATCH (n) WHERE id(n) IN range($lo, $hi) "
                              "RETURN labels(n) AS ls, keys(n) AS ks, count(*) AS c";
const char bv_q_cov_rels[] = "MATCH ()-[r]->() WHERE id(r) IN range($lo, $hi) "
                             "RETURN type(r) AS t, keys(r) AS ks, count(*) AS c";
/* Full scans (AllNodesScan on 3.5): only when the walk cannot end on the count store total. */
const char bv_q_node_id_range[] = "MATCH (n) RETURN min(id(n)) AS lo, max(id(n)) AS hi";
const char bv_q_rel_id_range[] = "MATCH ()-[r]->() RETURN min(id(r)) AS lo, max(id(r)) AS hi";

/* Sample and full checks (verify/sample.h, docs/sampling.md). The key scan reads the key's
 * uniqueness index (IS NOT NULL), the windows are NodeByIdSeeks like the coverage partitions,
 * and the fetch is one unique index seek per key (id seek with --match-by-id). Relationships
 * are read through pattern COMPREHENSIONS, valid from 3.5 to 5.x (pattern expressions such as
 * size((n)-->()) are not, on 5); a neighbour is named by [label, key] of each of its keyed
 * labels ($nk) and by its id (used with --match-by-id only). */
#define NODE_COLS                                                                                  \
    "labels(n) AS ls, properties(n) AS ps, "                                                       \
    "[(n)-[r]->(m) | [type(r), properties(r), "                                                    \
    "[x IN $nk WHERE x[0] IN labels(m) | [x[0], m[x[1]]]], id(m)]] AS outs, "                      \
    "[(n)<-[r]-(m) | [type(r), properties(r), "                                                    \
    "[x IN $nk WHERE x[0] IN labels(m) | [x[0], m[x[1]]]], id(m)]] AS ins"
const char bv_q_label_id_range[] = "MATCH (n:@1) RETURN min(id(n)) AS lo, max(id(n)) AS hi";
const char bv_q_sample_keys[] = "MATCH (n:@1) WHERE n.@2 IS NOT NULL RETURN n.@2 AS k";
const char bv_q_sample_ids[] = "MATCH (n:@1) RETURN id(n) AS k";
const char bv_q_sample_window_keys[] = "MATCH (n:@1) WHERE id(n) IN range($lo, $hi) "
                                       "RETURN n.@2 AS k";
const char bv_q_sample_window_ids[] = "MATCH (n:@1) WHERE id(n) IN range($lo, $hi) "
                                      "RETURN id(n) AS k";
const char bv_q_node_fetch[] = "UNWIND $keys AS k MATCH (n:@1 {@2: k}) RETURN k, " NODE_COLS;
const char bv_q_node_fetch_ids[] = "UNWIND $keys AS k MATCH (n:@1) WHERE id(n) = k "
                                   "RETURN k, " NODE_COLS;
const char bv_q_full_range[] = "MATCH (n:@1) WHERE id(n) IN range($lo, $hi) "
                               "RETURN n.@2 AS k, " NODE_COLS;
const char bv_q_full_range_ids[] = "MATCH (n:@1) WHERE id(n) IN range($lo, $hi) "
                                   "RETURN id(n) AS k, " NODE_COLS;
const char bv_q_full_label[] = "MATCH (n:@1) RETURN n.@2 AS k, " NODE_COLS;
const char bv_q_full_label_ids[] = "MATCH (n:@1) RETURN id(n) AS k, " NODE_COLS;
#undef NODE_COLS

/* ---- selection ------------------------------------------------------------------------------ */

const bv_catalog *bv_catalog_get(bv_server_line line)
{
    switch (line) {
    case BV_LINE_35:
        return &bv_catalog_35;
    case BV_LINE_40:
        return &bv_catalog_40;
    case BV_LINE_42:
        return &bv_catalog_42;
    case BV_LINE_5:
        return &bv_catalog_5;
    default:
        return NULL;
    }
}

/* Reads a decimal number of at most 9 digits; -1 when there is none. */
static long read_num(const char **p)
{
    const char *s = *p;
    long v = 0;
    int n = 0;
    while (*s >= '0' && *s <= '9' && n < 9) {
        v = v * 10 + (*s - '0');
        s++;
        n++;
    }
    if (n == 0 || (*s >= '0' && *s <= '9')) return -1;
    *p = s;
    return v;
}

int bv_catalog_for_version(const char *version, const bv_catalog **out, char *err, size_t errlen)
{
    const char *p = version ? version : "";
    long major = read_num(&p), minor = -1;
    if (major >= 0 && *p == '.') {
        p++;
        minor = read_num(&p);
    }
    const bv_catalog *c = NULL;
    if (major == 3 && minor == 5)
        c = &bv_catalog_35;
    else if (major == 4 && (minor == 0 || minor == 1))
        c = &bv_catalog_40;
    else if (major == 4 && minor >= 2 && minor <= 4)
        c = &bv_catalog_42;
    else if (major == 5 && minor >= 0)
        c = &bv_catalog_5;
    else if (major >= 2025 && minor >= 0)
        /* Calendar versions (2025.01 on) continue 5.x: same procedures, same SHOW columns. */
        c = &bv_catalog_5;
    if (out) *out = c;
    if (c) return 0;
    if (err && errlen) {
        char shown[64];
        size_t i = 0;
        /* The version comes from the server: show it, but only printable ASCII and briefly. */
        for (const char *s = version ? version : ""; *s && i + 1 < sizeof shown; s++)
            shown[i++] = (*s >= 0x20 && *s < 0x7f) ? *s : '?';
        shown[i] = '\0';
        snprintf(err, errlen,
                 "unsupported server version '%s' (boltdiff measures Neo4j 3.5, 4.0-4.4, 5.x and "
                 "2025.x or later)",
                 shown);
    }
    return BOLT_E_UNSUPPORTED;
}

/* ---- names ---------------------------------------------------------------------------------- */

size_t bv_cypher_quote(char *buf, size_t len, const char *name)
{
    size_t n = 0;
#define PUT(ch)                                                                                    \
    do {                                                                                           \
        if (n + 1 < len) buf[n] = (ch);                                                            \
        n++;                                                                                       \
    } while (0)
    PUT('`');
    for (const char *s = name; *s; s++) {
        PUT(*s);
        if (*s == '`') PUT('`'); /* Cypher's escape for a back-quote inside back-quotes */
    }
    PUT('`');
#undef PUT
    if (len) buf[n < len ? n : len - 1] = '\0';
    return n;
}

/* 1 when s is well-formed UTF-8 (no overlongs, no surrogates, at most U+10FFFF). */
static int utf8_valid(const unsigned char *s)
{
    while (*s) {
        unsigned c = *s;
        size_t n;
        uint32_t cp;
        if (c < 0x80) {
            s++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            n = 1;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3;
            cp = c & 0x07;
        } else {
            return 0;
        }
        for (size_t i = 1; i <= n; i++) {
            if ((s[i] & 0xC0) != 0x80) return 0;
            cp = (cp << 6) | (s[i] & 0x3F);
        }
        static const uint32_t min[4] = {0, 0x80, 0x800, 0x10000};
        if (cp < min[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
        s += n + 1;
    }
    return 1;
}

int bv_catalog_build(const char *tmpl, const char *const *names, size_t count, char **out)
{
    if (!out) return BOLT_E_INVAL;
    *out = NULL;
    if (!tmpl) return BOLT_E_INVAL;
    for (size_t i = 0; i < count; i++)
        if (!names || !names[i] || !names[i][0] || !utf8_valid((const unsigned char *)names[i]))
            return BOLT_E_INVAL;
    /* Two passes: measure, then write; the quoting function does both. */
    size_t need = 0;
    for (const char *p = tmpl; *p; p++) {
        if (p[0] == '@' && p[1] >= '1' && p[1] <= '9') {
            size_t k = (size_t)(p[1] - '1');
            if (k >= count) return BOLT_E_INVAL;
            need += bv_cypher_quote(NULL, 0, names[k]);
            p++;
        } else {
            need++;
        }
    }
    char *s = bolt_malloc(need + 1);
    if (!s) return BOLT_E_NOMEM;
    size_t n = 0;
    for (const char *p = tmpl; *p; p++) {
        if (p[0] == '@' && p[1] >= '1' && p[1] <= '9') {
            n += bv_cypher_quote(s + n, need + 1 - n, names[p[1] - '1']);
            p++;
        } else {
            s[n++] = *p;
        }
    }
    s[n] = '\0';
    *out = s;
    return 0;
}
