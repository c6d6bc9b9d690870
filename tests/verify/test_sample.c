/* Tests of the sample check's pure parts (verify/sample.h): key selection from options and
 * schema, the seeded window permutation, bottom-k selection, key lists, and the conversion of
 * one node row into a key-matched bv_sample_node (hash independence from DateTime encoding,
 * label, property and relationship order, ids; per-field hashes and renderings); the compare
 * side of sampled nodes (refined DST rules, label notes, id subjects); malloc failures. */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bolt/alloc.h"
#include "bolt/error.h"
#include "failalloc.h"
#include "verify/canon.h"
#include "verify/compare.h"
#include "verify/sample.h"
#include "vfixture.h"

static bv_tzdb *g_tzdb;
static bv_canon C;

/* ---- key plan -------------------------------------------------------------------------------- */

static void schema_item(bv_measurement *m, bv_schema_kind kind, const char *label,
                        const char *props, int owned)
{
    vf_schema_item(m, 0, kind, label, props, NULL, NULL, NULL);
    m->schema[m->schema_count - 1].owned = owned;
}

static void test_key_plan_sources(void)
{
    bv_measurement m;
    bv_measurement_init(&m);
    const char *labels[] = {"Person", "Company", "Order", "Tag", "Event", "Blob"};
    for (size_t i = 0; i < 6; i++)
        vf_count(&m.labels, labels[i], 1);
    vf_count(&m.label_counts, "Person", 120);
    vf_count(&m.label_counts, "Blob", 0);
    schema_item(&m, BV_SCHEMA_UNIQUE, "Person", "uid", 0);
    schema_item(&m, BV_SCHEMA_UNIQUE, "Person", "email", 0); /* smaller name wins */
    schema_item(&m, BV_SCHEMA_UNIQUE, "Company", "name", 0);
    schema_item(&m, BV_SCHEMA_NODE_KEY, "Company", "vat", 0); /* node key beats unique */
    schema_item(&m, BV_SCHEMA_INDEX, "Order", "orderId", 1);  /* owned index: unique */
    schema_item(&m, BV_SCHEMA_INDEX, "Tag", "name", 0);       /* plain index: no key */
    schema_item(&m, BV_SCHEMA_NODE_KEY, "Tag", "a,b", 0);     /* composite: no key */
    bv_key_spec keys[] = {{"Event", "at"}, {"Event", "kind"}, {"Ghost", "x"}};
    bv_key_plan p;
    CU_ASSERT_EQUAL_FATAL(bv_key_plan_build(keys, 3, 0, &m, &p), 0);
    CU_ASSERT_EQUAL_FATAL(p.len, 7);
    const char *order[] = {"Blob", "Company", "Event", "Ghost", "Order", "Person", "Tag"};
    for (size_t i = 0; i < 7; i++)
        CU_ASSERT_STRING_EQUAL(p.items[i].label, order[i]);
    const bv_label_key *k = bv_key_plan_find(&p, "Person");
    CU_ASSERT_EQUAL(k->source, BV_KEY_UNIQUE);
    CU_ASSERT_STRING_EQUAL(k->prop, "email");
    CU_ASSERT_EQUAL(k->count, 120);
    CU_ASSERT(k->in_use);
    k = bv_key_plan_find(&p, "Company");
    CU_ASSERT_EQUAL(k->source, BV_KEY_NODE_KEY);
    CU_ASSERT_STRING_EQUAL(k->prop, "vat");
    CU_ASSERT_EQUAL(k->count, -1);
    k = bv_key_plan_find(&p, "Order");
    CU_ASSERT_EQUAL(k->source, BV_KEY_UNIQUE);
    CU_ASSERT_STRING_EQUAL(k->prop, "orderId");
    k = bv_key_plan_find(&p, "Tag");
    CU_ASSERT_EQUAL(k->source, BV_KEY_NONE);
    CU_ASSERT_PTR_NULL(k->prop);
    k = bv_key_plan_find(&p, "Event"); /* the last --key of a label wins */
    CU_ASSERT_EQUAL(k->source, BV_KEY_OPTION);
    CU_ASSERT_STRING_EQUAL(k->prop, "kind");
    k = bv_key_plan_find(&p, "Ghost");
    CU_ASSERT_EQUAL(k->source, BV_KEY_OPTION);
    CU_ASSERT_FALSE(k->in_use);
    CU_ASSERT_FALSE(bv_key_plan_find(&p, "Blob")->in_use); /* counted 0 */
    CU_ASSERT_PTR_NULL(bv_key_plan_find(&p, "Nope"));
    bv_key_plan_free(&p);

    /* --match-by-id: labels without a key are matched by id, the others keep their key */
    CU_ASSERT_EQUAL_FATAL(bv_key_plan_build(NULL, 0, 1, &m, &p), 0);
    k = bv_key_plan_find(&p, "Tag");
    CU_ASSERT_EQUAL(k->source, BV_KEY_ID);
    CU_ASSERT_STRING_EQUAL(k->prop, BV_KEY_PROP_ID);
    CU_ASSERT_EQUAL(bv_key_plan_find(&p, "Person")->source, BV_KEY_UNIQUE);
    bv_key_plan_free(&p);
    bv_measurement_free(&m);
}

static int plan_op(void *ud)
{
    bv_measurement *m = ud;
    bv_key_spec keys[] = {{"Event", "kind"}};
    bv_key_plan p;
    int rc = bv_key_plan_build(keys, 1, 1, m, &p);
    if (rc == 0) bv_key_plan_free(&p);
    return rc;
}

static void test_key_plan_malloc_failures(void)
{
    bv_measurement m;
    bv_measurement_init(&m);
    vf_graph35(&m);
    CU_ASSERT_EQUAL(failalloc_each(plan_op, &m, BOLT_E_NOMEM), 0);
    bv_measurement_free(&m);
}

/* ---- permutation and windows ------------------------------------------------------------------
 */

static void test_perm_is_a_permutation(void)
{
    const uint64_t sizes[] = {1, 2, 3, 7, 64, 1000, 4097};
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        uint64_t n = sizes[s];
        unsigned char *seen = calloc(n, 1);
        bv_perm p;
        bv_perm_init(&p, n, 42 + s);
        int ok = 1;
        for (uint64_t i = 0; i < n; i++) {
            uint64_t x = bv_perm_at(&p, i);
            if (x >= n || seen[x])
                ok = 0;
            else
                seen[x] = 1;
        }
        CU_ASSERT(ok);
        free(seen);
    }
    /* deterministic for a seed, different across seeds */
    bv_perm a, b, c;
    bv_perm_init(&a, 1000, 7);
    bv_perm_init(&b, 1000, 7);
    bv_perm_init(&c, 1000, 8);
    int same_ab = 1, same_ac = 1;
    for (uint64_t i = 0; i < 1000; i++) {
        same_ab &= bv_perm_at(&a, i) == bv_perm_at(&b, i);
        same_ac &= bv_perm_at(&a, i) == bv_perm_at(&c, i);
    }
    CU_ASSERT(same_ab);
    CU_ASSERT_FALSE(same_ac);
    /* not the identity */
    int identity = 1;
    for (uint64_t i = 0; i < 1000; i++)
        identity &= bv_perm_at(&a, i) == i;
    CU_ASSERT_FALSE(identity);
}

static void test_windows_cover_the_range_once(void)
{
    bv_window_plan w;
    /* 100000 nodes among ids 500..2999999: dense enough for windows */
    int worth = bv_window_plan_init(&w, 500, 2999999, 100000, 1000, 99);
    CU_ASSERT_EQUAL(worth, 1);
    CU_ASSERT(w.width >= 1 && w.width <= BV_SAMPLE_WINDOW_MAX);
    CU_ASSERT_EQUAL(w.windows, (2999999 - 500) / w.width + 1);
    /* expected ids sought = want / density */
    CU_ASSERT_EQUAL(w.expected_seeks, 29995); /* 1000 * 2999500 / 100000 */
    uint64_t total = 0;
    int64_t min = INT64_MAX, max = INT64_MIN;
    unsigned char *start_seen = calloc(w.windows, 1);
    int ok = 1;
    for (uint64_t j = 0; j < w.windows; j++) {
        int64_t lo, hi;
        bv_window_get(&w, j, &lo, &hi);
        if (lo > hi || lo < 500 || hi > 2999999 || (uint64_t)(lo - 500) % w.width) ok = 0;
        uint64_t k = (uint64_t)(lo - 500) / w.width;
        if (k >= w.windows || start_seen[k])
            ok = 0;
        else
            start_seen[k] = 1;
        total += (uint64_t)(hi - lo) + 1;
        if (lo < min) min = lo;
        if (hi > max) max = hi;
    }
    free(start_seen);
    CU_ASSERT(ok);
    CU_ASSERT_EQUAL(total, 2999999 - 500 + 1); /* disjoint and complete */
    CU_ASSERT_EQUAL(min, 500);
    CU_ASSERT_EQUAL(max, 2999999);
}

static void test_window_choice(void)
{
    bv_window_plan w;
    /* the sample wants the whole label: scan */
    CU_ASSERT_EQUAL(bv_window_plan_init(&w, 0, 999, 500, 1000, 1), 0);
    /* sparse: 10000 nodes among 10^9 ids, 1000 wanted = 10^8 seeks > 10^4 rows: scan */
    CU_ASSERT_EQUAL(bv_window_plan_init(&w, 0, 999999999, 10000, 1000, 1), 0);
    CU_ASSERT_EQUAL(w.expected_seeks, 100000000);
    /* dense: windows, and the width never passes the cap */
    CU_ASSERT_EQUAL(bv_window_plan_init(&w, 0, INT64_MAX - 1, INT64_C(1) << 62, 1000, 1), 1);
    CU_ASSERT(w.width <= BV_SAMPLE_WINDOW_MAX);
    /* the last window stops at hi */
    CU_ASSERT_EQUAL(bv_window_plan_init(&w, 10, 109, 100, 40, 1), 1);
    uint64_t total = 0;
    for (uint64_t j = 0; j < w.windows; j++) {
        int64_t lo, hi;
        bv_window_get(&w, j, &lo, &hi);
        CU_ASSERT(hi <= 109);
        total += (uint64_t)(hi - lo) + 1;
    }
    CU_ASSERT_EQUAL(total, 100);
    CU_ASSERT_EQUAL(bv_window_plan_init(&w, 5, 4, 1, 1, 1), BOLT_E_INVAL);
    CU_ASSERT_EQUAL(bv_window_plan_init(&w, 0, 4, 0, 1, 1), BOLT_E_INVAL);
}

/* ---- bottom-k -------------------------------------------------------------------------------- */

static void pick_keys(const int64_t *v, size_t n, uint32_t k, uint64_t seed, bv_sample_keys *out)
{
    bv_key_pick *p;
    CU_ASSERT_EQUAL_FATAL(bv_key_pick_new(k, seed, &p), 0);
    for (size_t i = 0; i < n; i++) {
        bolt_value x = bolt_int(v[i]);
        CU_ASSERT(bv_key_pick_offer(p, &C, &x) >= 0);
    }
    bv_sample_keys_init(out);
    CU_ASSERT_EQUAL(bv_sample_keys_add(out, "L", "p", p), 0);
    bv_key_pick_free(p);
}

static int64_t sum_keys(const bv_sample_keys *k)
{
    int64_t s = 0;
    for (size_t i = 0; i < k->lists[0].len; i++)
        s += k->lists[0].keys[i].u.i;
    return s;
}

static void test_bottom_k_ignores_order(void)
{
    enum { N = 5000 };
    static int64_t fwd[N], rev[N];
    for (int i = 0; i < N; i++) {
        fwd[i] = i;
        rev[i] = N - 1 - i;
    }
    bv_sample_keys a, b, c;
    pick_keys(fwd, N, 100, 11, &a);
    pick_keys(rev, N, 100, 11, &b);
    pick_keys(fwd, N, 100, 12, &c);
    CU_ASSERT_EQUAL_FATAL(a.lists[0].len, 100);
    CU_ASSERT_EQUAL_FATAL(b.lists[0].len, 100);
    int same = 1;
    for (size_t i = 0; i < 100; i++)
        same &= a.lists[0].keys[i].u.i == b.lists[0].keys[i].u.i;
    CU_ASSERT(same);                                 /* same keys, same (rank) order */
    CU_ASSERT_NOT_EQUAL(sum_keys(&a), sum_keys(&c)); /* another seed, another sample */
    /* not the first 100 offered: the rank decides */
    CU_ASSERT_NOT_EQUAL(sum_keys(&a), 99 * 100 / 2);
    bv_sample_keys_free(&a);
    bv_sample_keys_free(&b);
    bv_sample_keys_free(&c);
}

static void test_bottom_k_small_label_and_skips(void)
{
    bv_key_pick *p;
    CU_ASSERT_EQUAL_FATAL(bv_key_pick_new(10, 1, &p), 0);
    bolt_value v[6] = {bolt_string("a"), bolt_string("b"), bolt_string("a"), bolt_null(),
                       bolt_int(3)};
    bolt_value dtf[3] = {bolt_int(1623758400), bolt_int(0), bolt_string("Europe/Berlin")};
    v[5].type = BOLT_T_DATETIME_ZONE;
    v[5].flags = BOLT_VF_LEGACY;
    v[5].len = 3;
    v[5].u.items = dtf;
    for (int i = 0; i < 6; i++)
        CU_ASSERT(bv_key_pick_offer(p, &C, &v[i]) >= 0);
    CU_ASSERT_EQUAL(bv_key_pick_skipped(p), 1); /* the DateTime; null is not counted */
    CU_ASSERT_EQUAL(bv_key_pick_count(p), 4);   /* "a" twice takes two places ... */
    bv_sample_keys k;
    bv_sample_keys_init(&k);
    CU_ASSERT_EQUAL(bv_sample_keys_add(&k, "L", "p", p), 0);
    CU_ASSERT_EQUAL(k.lists[0].len, 3); /* ... and is listed once */
    bv_key_pick_free(p);
    /* values handed in directly are checked and deep-copied */
    char buf[] = "xyz";
    bolt_value s = bolt_string(buf);
    CU_ASSERT_EQUAL(bv_sample_keys_add_values(&k, "A", "q", &s, 1), 0);
    buf[0] = 'Q';
    CU_ASSERT_STRING_EQUAL(k.lists[0].label, "A"); /* lists sorted by label */
    CU_ASSERT_EQUAL(k.lists[0].keys[0].len, 3);
    CU_ASSERT_EQUAL(memcmp(k.lists[0].keys[0].u.str, "xyz", 3), 0);
    CU_ASSERT_EQUAL(bv_sample_keys_add_values(&k, "B", "q", &v[5], 1), BOLT_E_INVAL);
    CU_ASSERT_EQUAL(k.len, 2);
    bv_sample_keys_free(&k);
}

static void test_value_copy_is_deep(void)
{
    char s1[] = "hello", s2[] = "k";
    uint8_t by[] = {1, 2, 3};
    bolt_value inner[2] = {bolt_string(s1), bolt_bytesv(by, 3)};
    bolt_value kv[2] = {bolt_string(s2), bolt_list(inner, 2)};
    bolt_value map = bolt_map(kv, 1);
    bolt_arena a;
    bolt_arena_init(&a, 64, 0);
    bolt_value copy;
    CU_ASSERT_EQUAL_FATAL(bv_value_copy(&a, &map, &copy), 0);
    CU_ASSERT(bolt_value_equal(&map, &copy));
    s1[0] = 'J';
    by[0] = 9;
    inner[0] = bolt_int(5);
    CU_ASSERT_FALSE(bolt_value_equal(&map, &copy));
    CU_ASSERT_EQUAL(memcmp(copy.u.items[1].u.items[0].u.str, "hello", 5), 0);
    CU_ASSERT_EQUAL(copy.u.items[1].u.items[1].u.bytes[0], 1);
    bolt_arena_free(&a);
}

/* ---- one node -------------------------------------------------------------------------------- */

/* A hand-built row: Person {uid: 17, name: "Ann", seen: <DateTime>} with two KNOWS out, one
 * WORKS_AT out and one KNOWS in; `utc` chooses the DateTime encoding (i, or legacy f) and
 * `flip` reverses every list and map order; `nb_id` is added to the neighbour ids. */
typedef struct row_store {
    bolt_value labels[2], labels_list;
    bolt_value props_kv[6], props;
    bolt_value dt_fields[3];
    bolt_value out_items[3], in_items[1], outs, ins;
    bolt_value rel_fields[4][4];
    bolt_value rel_props[4][2];
    bolt_value nk_pairs[4][2], nk_list[4][1];
    bolt_value key;
    bv_node_row row;
} row_store;

static void make_row(row_store *s, int utc, int flip, int64_t nb_id, const char *name,
                     double weight)
{
    memset(s, 0, sizeof *s);
    s->labels[flip ? 1 : 0] = bolt_string("Person");
    s->labels[flip ? 0 : 1] = bolt_string("Customer");
    s->labels_list = bolt_list(s->labels, 2);
    /* 2021-06-15T12:00:00+02:00[Europe/Berlin]: local 1623758400, UTC 1623751200 */
    s->dt_fields[0] = bolt_int(utc ? 1623751200 : 1623758400);
    s->dt_fields[1] = bolt_int(5);
    s->dt_fields[2] = bolt_string("Europe/Berlin");
    bolt_value dt = {0};
    dt.type = BOLT_T_DATETIME_ZONE;
    dt.flags = utc ? 0 : BOLT_VF_LEGACY;
    dt.len = 3;
    dt.u.items = s->dt_fields;
    bolt_value kv[6] = {bolt_string("uid"), bolt_int(17),        bolt_string("name"),
                        bolt_string(name),  bolt_string("seen"), dt};
    for (int i = 0; i < 3; i++) {
        int j = flip ? 2 - i : i;
        s->props_kv[2 * j] = kv[2 * i];
        s->props_kv[2 * j + 1] = kv[2 * i + 1];
    }
    s->props = bolt_map(s->props_kv, 3);
    const char *types[4] = {"KNOWS", "KNOWS", "WORKS_AT", "KNOWS"};
    const char *nlabel[4] = {"Person", "Person", "Company", "Person"};
    int64_t nkey[4] = {18, 19, 3, 20};
    for (int r = 0; r < 4; r++) {
        s->rel_props[r][0] = bolt_string("w");
        s->rel_props[r][1] = bolt_float(r == 0 ? weight : 0.25 * r);
        s->nk_pairs[r][0] = bolt_string(nlabel[r]);
        s->nk_pairs[r][1] = bolt_int(nkey[r]);
        s->nk_list[r][0] = bolt_list(s->nk_pairs[r], 2);
        s->rel_fields[r][0] = bolt_string(types[r]);
        s->rel_fields[r][1] = bolt_map(s->rel_props[r], 1);
        s->rel_fields[r][2] = bolt_list(s->nk_list[r], 1);
        s->rel_fields[r][3] = bolt_int(100 + r + nb_id);
    }
    for (int r = 0; r < 3; r++)
        s->out_items[flip ? 2 - r : r] = bolt_list(s->rel_fields[r], 4);
    s->in_items[0] = bolt_list(s->rel_fields[3], 4);
    s->outs = bolt_list(s->out_items, 3);
    s->ins = bolt_list(s->in_items, 1);
    s->key = bolt_int(17);
    s->row = (bv_node_row){&s->key, &s->labels_list, &s->props, &s->outs, &s->ins};
}

static const bv_field_hash *field(const bv_sample_node *n, bv_field_kind kind, const char *name)
{
    for (size_t i = 0; i < n->field_count; i++)
        if (n->fields[i].kind == kind && !strcmp(n->fields[i].name, name)) return &n->fields[i];
    return NULL;
}

static void test_node_same_across_versions_and_orders(void)
{
    row_store a, b;
    bv_sample_node na, nb, nc;
    make_row(&a, 0, 0, 0, "Ann", 0.5);   /* 3.5-style legacy f */
    make_row(&b, 1, 1, 500, "Ann", 0.5); /* 5.x-style i, every order reversed, other ids */
    CU_ASSERT_EQUAL_FATAL(bv_sample_node_build(&C, "Person", "uid", &a.row, BV_NODE_FIELDS, &na),
                          0);
    CU_ASSERT_EQUAL_FATAL(bv_sample_node_build(&C, "Person", "uid", &b.row, BV_NODE_FIELDS, &nb),
                          0);
    CU_ASSERT(bv_h128_eq(na.node_hash, nb.node_hash));
    CU_ASSERT(bv_h128_eq(na.key_hash, nb.key_hash));
    CU_ASSERT_STRING_EQUAL(na.label, "Person");
    CU_ASSERT_STRING_EQUAL(na.key_prop, "uid");
    CU_ASSERT_STRING_EQUAL(na.key_text, "17");
    CU_ASSERT_EQUAL(na.missing, 0);
    CU_ASSERT_EQUAL(na.notes, 0);
    /* fields: 3 properties, the labels, 3 signatures, sorted by (kind, name) */
    CU_ASSERT_EQUAL_FATAL(na.field_count, 7);
    const char *names[7] = {"name", "seen", "uid", "labels", "KNOWS<", "KNOWS>", "WORKS_AT>"};
    for (size_t i = 0; i < 7; i++)
        CU_ASSERT_STRING_EQUAL(na.fields[i].name, names[i]);
    CU_ASSERT_STRING_EQUAL(field(&na, BV_FIELD_LABELS, "labels")->rendering, ":Customer:Person");
    CU_ASSERT_STRING_EQUAL(field(&na, BV_FIELD_PROPERTY, "name")->rendering, "\"Ann\"");
    CU_ASSERT_STRING_EQUAL(field(&na, BV_FIELD_RELS, "KNOWS>")->rendering, "2 relationships");
    CU_ASSERT_STRING_EQUAL(field(&na, BV_FIELD_RELS, "KNOWS<")->rendering, "1 relationship");
    for (size_t i = 0; i < 7; i++)
        CU_ASSERT(bv_h128_eq(na.fields[i].hash, nb.fields[i].hash));
    /* without fields: the same node hash, no fields */
    CU_ASSERT_EQUAL_FATAL(bv_sample_node_build(&C, "Person", "uid", &b.row, 0, &nc), 0);
    CU_ASSERT(bv_h128_eq(na.node_hash, nc.node_hash));
    CU_ASSERT_EQUAL(nc.field_count, 0);
    bv_sample_node_free(&na);
    bv_sample_node_free(&nb);
    bv_sample_node_free(&nc);
}

static void test_node_changes_are_localised(void)
{
    row_store a, b;
    bv_sample_node na, nb;
    make_row(&a, 1, 0, 0, "Ann", 0.5);
    make_row(&b, 1, 0, 0, "Anne", 0.5);
    bv_sample_node_build(&C, "Person", "uid", &a.row, BV_NODE_FIELDS, &na);
    bv_sample_node_build(&C, "Person", "uid", &b.row, BV_NODE_FIELDS, &nb);
    CU_ASSERT_FALSE(bv_h128_eq(na.node_hash, nb.node_hash));
    CU_ASSERT_FALSE(bv_h128_eq(field(&na, 0, "name")->hash, field(&nb, 0, "name")->hash));
    CU_ASSERT(bv_h128_eq(field(&na, 0, "uid")->hash, field(&nb, 0, "uid")->hash));
    CU_ASSERT(bv_h128_eq(field(&na, BV_FIELD_RELS, "KNOWS>")->hash,
                         field(&nb, BV_FIELD_RELS, "KNOWS>")->hash));
    bv_sample_node_free(&nb);
    /* a relationship property: only that signature changes */
    make_row(&b, 1, 0, 0, "Ann", 0.75);
    bv_sample_node_build(&C, "Person", "uid", &b.row, BV_NODE_FIELDS, &nb);
    CU_ASSERT_FALSE(bv_h128_eq(na.node_hash, nb.node_hash));
    CU_ASSERT(bv_h128_eq(field(&na, 0, "name")->hash, field(&nb, 0, "name")->hash));
    CU_ASSERT_FALSE(bv_h128_eq(field(&na, BV_FIELD_RELS, "KNOWS>")->hash,
                               field(&nb, BV_FIELD_RELS, "KNOWS>")->hash));
    CU_ASSERT(bv_h128_eq(field(&na, BV_FIELD_RELS, "WORKS_AT>")->hash,
                         field(&nb, BV_FIELD_RELS, "WORKS_AT>")->hash));
    bv_sample_node_free(&nb);
    /* another neighbour key: the signature changes */
    make_row(&b, 1, 0, 0, "Ann", 0.5);
    b.nk_pairs[2][1] = bolt_int(4);
    bv_sample_node_build(&C, "Person", "uid", &b.row, BV_NODE_FIELDS, &nb);
    CU_ASSERT_FALSE(bv_h128_eq(field(&na, BV_FIELD_RELS, "WORKS_AT>")->hash,
                               field(&nb, BV_FIELD_RELS, "WORKS_AT>")->hash));
    bv_sample_node_free(&nb);
    /* the same relationship turned around is another signature */
    make_row(&b, 1, 0, 0, "Ann", 0.5);
    b.outs.len = 2;                                /* drop WORKS_AT from the outgoing ... */
    b.in_items[0] = bolt_list(b.rel_fields[2], 4); /* ... and make it incoming instead of KNOWS */
    bv_sample_node_build(&C, "Person", "uid", &b.row, BV_NODE_FIELDS, &nb);
    CU_ASSERT_PTR_NULL(field(&nb, BV_FIELD_RELS, "WORKS_AT>"));
    CU_ASSERT_PTR_NOT_NULL(field(&nb, BV_FIELD_RELS, "WORKS_AT<"));
    CU_ASSERT_FALSE(bv_h128_eq(na.node_hash, nb.node_hash));
    bv_sample_node_free(&nb);
    bv_sample_node_free(&na);
}

static void test_node_neighbour_ids(void)
{
    row_store a, b;
    bv_sample_node na, nb;
    /* neighbours without a keyed label: ids only count with BV_NODE_BY_ID */
    make_row(&a, 1, 0, 0, "Ann", 0.5);
    make_row(&b, 1, 0, 7, "Ann", 0.5);
    for (int r = 0; r < 4; r++) {
        a.rel_fields[r][2] = bolt_list(NULL, 0);
        b.rel_fields[r][2] = bolt_list(NULL, 0);
    }
    bv_sample_node_build(&C, "Person", "uid", &a.row, 0, &na);
    bv_sample_node_build(&C, "Person", "uid", &b.row, 0, &nb);
    CU_ASSERT(bv_h128_eq(na.node_hash, nb.node_hash));
    bv_sample_node_free(&na);
    bv_sample_node_free(&nb);
    bv_sample_node_build(&C, "Person", "uid", &a.row, BV_NODE_BY_ID, &na);
    bv_sample_node_build(&C, "Person", "uid", &b.row, BV_NODE_BY_ID, &nb);
    CU_ASSERT_FALSE(bv_h128_eq(na.node_hash, nb.node_hash));
    bv_sample_node_free(&na);
    bv_sample_node_free(&nb);
    /* a keyed neighbour is named by its key even with BV_NODE_BY_ID */
    make_row(&a, 1, 0, 0, "Ann", 0.5);
    make_row(&b, 1, 0, 7, "Ann", 0.5);
    bv_sample_node_build(&C, "Person", "uid", &a.row, BV_NODE_BY_ID, &na);
    bv_sample_node_build(&C, "Person", "uid", &b.row, BV_NODE_BY_ID, &nb);
    CU_ASSERT(bv_h128_eq(na.node_hash, nb.node_hash));
    bv_sample_node_free(&na);
    bv_sample_node_free(&nb);
}

static void test_node_renderings_and_notes(void)
{
    row_store a;
    make_row(&a, 1, 0, 0, "Ann", 0.5);
    /* a long string is cut at a character boundary and ends with its hash */
    char longs[600];
    for (int i = 0; i < 599; i++)
        longs[i] = (char)(i % 2 ? 'x' : 'y');
    memcpy(longs + 150, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 8); /* é across the cut */
    longs[599] = '\0';
    a.props_kv[3] = bolt_string(longs);
    /* 2021-10-31T02:30 Berlin, the late instant (+01:00): in the fall-back hour */
    a.dt_fields[0] = bolt_int(1635643800);
    a.labels[1] = bolt_string("my `label`");
    bv_sample_node n;
    CU_ASSERT_EQUAL_FATAL(bv_sample_node_build(&C, "Person", "uid", &a.row, BV_NODE_FIELDS, &n), 0);
    const bv_field_hash *f = field(&n, 0, "name");
    CU_ASSERT(strlen(f->rendering) <= BV_RENDER_MAX);
    CU_ASSERT_PTR_NOT_NULL(strstr(f->rendering, "... (xxh3 "));
    char hex[33];
    bv_h128_format(f->hash, hex);
    CU_ASSERT_EQUAL(strncmp(strstr(f->rendering, "(xxh3 ") + 6, hex, 8), 0);
    const char *cut = strstr(f->rendering, "...");
    CU_ASSERT(((unsigned char)cut[-1] & 0xC0) != 0xC0); /* no lead byte left dangling */
    f = field(&n, 0, "seen");
    CU_ASSERT(f->notes & BV_NOTE_AMBIGUOUS_DST);
    CU_ASSERT(n.notes & BV_NOTE_AMBIGUOUS_DST);
    CU_ASSERT_STRING_EQUAL(f->rendering, "2021-10-31T02:30:00.000000005+01:00[Europe/Berlin]");
    CU_ASSERT_EQUAL(field(&n, 0, "uid")->notes, 0);
    CU_ASSERT_STRING_EQUAL(field(&n, BV_FIELD_LABELS, "labels")->rendering,
                           ":Person:`my ``label```");
    bv_sample_node_free(&n);
}

static void test_node_missing_note_and_bad_rows(void)
{
    bv_sample_node n;
    bolt_value k = bolt_string("SKU-7");
    CU_ASSERT_EQUAL_FATAL(bv_sample_node_missing(&C, "Product", "sku", &k, &n), 0);
    CU_ASSERT_EQUAL(n.missing, 1);
    CU_ASSERT_STRING_EQUAL(n.key_text, "\"SKU-7\"");
    CU_ASSERT_EQUAL(n.field_count, 0);
    bv_sample_node_free(&n);
    CU_ASSERT_EQUAL_FATAL(bv_sample_node_note("Tag", "no key", &n), 0);
    CU_ASSERT_PTR_NULL(n.key_prop);
    CU_ASSERT_STRING_EQUAL(n.key_text, "no key");
    bv_sample_node_free(&n);

    row_store a;
    make_row(&a, 1, 0, 0, "Ann", 0.5);
    bolt_value notlist = bolt_int(3);
    a.row.labels = &notlist;
    CU_ASSERT_EQUAL(bv_sample_node_build(&C, "Person", "uid", &a.row, 0, &n), BOLT_E_INVAL);
    CU_ASSERT_PTR_NULL(n.label);
    make_row(&a, 1, 0, 0, "Ann", 0.5);
    a.rel_fields[1][1] = bolt_int(1); /* relationship properties that are not a map */
    CU_ASSERT_EQUAL(bv_sample_node_build(&C, "Person", "uid", &a.row, 0, &n), BOLT_E_INVAL);
    make_row(&a, 1, 0, 0, "Ann", 0.5);
    a.labels[0] = bolt_int(1);
    CU_ASSERT_EQUAL(bv_sample_node_build(&C, "Person", "uid", &a.row, 0, &n), BOLT_E_INVAL);
    /* no relationship columns: a node without signatures, still hashed */
    make_row(&a, 1, 0, 0, "Ann", 0.5);
    a.row.outs = a.row.ins = NULL;
    CU_ASSERT_EQUAL(bv_sample_node_build(&C, "Person", "uid", &a.row, BV_NODE_FIELDS, &n), 0);
    CU_ASSERT_EQUAL(n.field_count, 4);
    bv_sample_node_free(&n);
}

static int node_op(void *ud)
{
    row_store *a = ud;
    bv_sample_node n;
    int rc = bv_sample_node_build(&C, "Person", "uid", &a->row, BV_NODE_FIELDS, &n);
    if (rc == 0) bv_sample_node_free(&n);
    return rc;
}

static int pick_op(void *ud)
{
    (void)ud;
    bv_key_pick *p;
    int rc = bv_key_pick_new(3, 5, &p);
    for (int i = 0; rc >= 0 && i < 20; i++) {
        char s[8];
        snprintf(s, sizeof s, "k%d", i);
        bolt_value v = bolt_string(s);
        rc = bv_key_pick_offer(p, &C, &v);
    }
    bv_sample_keys k;
    bv_sample_keys_init(&k);
    if (rc >= 0) rc = bv_sample_keys_add(&k, "L", "p", p);
    bv_sample_keys_free(&k);
    if (p) bv_key_pick_free(p);
    return rc < 0 ? rc : 0;
}

static void test_malloc_failures(void)
{
    row_store a;
    make_row(&a, 0, 0, 0, "Ann", 0.5);
    CU_ASSERT_EQUAL(failalloc_each(node_op, &a, BOLT_E_NOMEM), 0);
    CU_ASSERT_EQUAL(failalloc_each(pick_op, NULL, BOLT_E_NOMEM), 0);
}

/* ---- compare: sampled nodes -------------------------------------------------------------------
 */

static bv_measurement B, T;
static bv_divergences D;

static void reset(void)
{
    bv_measurement_free(&B);
    bv_measurement_free(&T);
    bv_divergences_free(&D);
    B.checks = T.checks = BV_CHECK_SAMPLE;
}

static int compare(void)
{
    bv_compare_opts o = {BV_CHECK_SAMPLE | BV_CHECK_FULL};
    bv_divergences_free(&D);
    return bv_compare(&B, 0, &T, 1, &o, &D);
}

static void test_compare_fallback_hour(void)
{
    reset();
    const char *legacy = "2021-10-31T02:30:00[Europe/Berlin] (ambiguous: +02:00 or +01:00)";
    const char *late = "2021-10-31T02:30:00+01:00[Europe/Berlin]";
    const char *early = "2021-10-31T02:30:00+02:00[Europe/Berlin]";
    /* legacy against exact, same wall clock: ambiguous, never drift */
    bv_sample_node *b = vf_node(&B, "Event", "kind", "\"late\"", 1);
    bv_sample_node *t = vf_node(&T, "Event", "kind", "\"late\"", 1);
    b->notes = t->notes = BV_NOTE_AMBIGUOUS_DST;
    vf_field(b, BV_FIELD_PROPERTY, "at", 5, legacy, BV_NOTE_AMBIGUOUS_DST);
    vf_field(t, BV_FIELD_PROPERTY, "at", 5, late, BV_NOTE_AMBIGUOUS_DST);
    /* exact on both sides, other instant: drift */
    b = vf_node(&B, "Event", "kind", "\"moved\"", 2);
    t = vf_node(&T, "Event", "kind", "\"moved\"", 2);
    b->notes = t->notes = BV_NOTE_AMBIGUOUS_DST;
    vf_field(b, BV_FIELD_PROPERTY, "at", 6, late, BV_NOTE_AMBIGUOUS_DST);
    vf_field(t, BV_FIELD_PROPERTY, "at", 6, early, BV_NOTE_AMBIGUOUS_DST);
    /* exact and equal: nothing */
    b = vf_node(&B, "Event", "kind", "\"same\"", 3);
    t = vf_node(&T, "Event", "kind", "\"same\"", 3);
    b->notes = t->notes = BV_NOTE_AMBIGUOUS_DST;
    vf_field(b, BV_FIELD_PROPERTY, "at", 7, late, BV_NOTE_AMBIGUOUS_DST);
    vf_field(t, BV_FIELD_PROPERTY, "at", 7, late, BV_NOTE_AMBIGUOUS_DST);
    /* the zone id dropped (note on the baseline only): drift, not ambiguous */
    b = vf_node(&B, "Event", "kind", "\"zone\"", 4);
    t = vf_node(&T, "Event", "kind", "\"zone\"", 44);
    b->notes = BV_NOTE_AMBIGUOUS_DST;
    vf_field(b, BV_FIELD_PROPERTY, "at", 8, legacy, BV_NOTE_AMBIGUOUS_DST);
    vf_field(t, BV_FIELD_PROPERTY, "at", 9, "2021-10-31T02:30:00+01:00", 0);
    CU_ASSERT_EQUAL_FATAL(compare(), 3);
    for (size_t i = 0; i < D.len; i++) {
        const bv_divergence *d = &D.items[i];
        if (!strcmp(d->subject, "(:Event {kind: \"late\"}).at")) {
            CU_ASSERT_STRING_EQUAL(d->kind, "ambiguous_value");
            CU_ASSERT_EQUAL(d->severity, BV_SEV_AMBIGUOUS);
        } else if (!strcmp(d->subject, "(:Event {kind: \"moved\"}).at")) {
            CU_ASSERT_STRING_EQUAL(d->kind, "property_changed");
            CU_ASSERT_EQUAL(d->severity, BV_SEV_DRIFT);
            CU_ASSERT_PTR_NOT_NULL(strstr(d->message, "other instant"));
        } else if (!strcmp(d->subject, "(:Event {kind: \"zone\"}).at")) {
            CU_ASSERT_STRING_EQUAL(d->kind, "property_changed");
            CU_ASSERT_EQUAL(d->severity, BV_SEV_DRIFT);
            CU_ASSERT_STRING_EQUAL(d->target_value, "2021-10-31T02:30:00+01:00");
        } else {
            CU_FAIL("unexpected divergence");
        }
    }
}

static void test_compare_notes_and_ids(void)
{
    reset();
    B.sample = bolt_calloc(1, sizeof *B.sample);
    CU_ASSERT_EQUAL_FATAL(bv_sample_node_note("Employee", "no key", &B.sample[0]), 0);
    B.sample_count = 1;
    vf_node(&B, "Tag", BV_KEY_PROP_ID, "26", 1);
    vf_node(&T, "Tag", BV_KEY_PROP_ID, "26", 1)->missing = 1;
    CU_ASSERT_EQUAL_FATAL(compare(), 2);
    CU_ASSERT_STRING_EQUAL(D.items[0].kind, "not_sampled");
    CU_ASSERT_EQUAL(D.items[0].severity, BV_SEV_INFO);
    CU_ASSERT_STRING_EQUAL(D.items[0].message, "(:Employee): not sampled: no key");
    CU_ASSERT_STRING_EQUAL(D.items[1].kind, "missing_node");
    CU_ASSERT_STRING_EQUAL(D.items[1].subject, "(:Tag id 26)");
}

/* ---- set-up -------------------------------------------------------------------------------- */

static int suite_init(void)
{
    if (bv_tzdb_new("/usr/share/zoneinfo", &g_tzdb) != 0) return 1;
    C.tzdb = g_tzdb;
    C.flags = 0;
    return 0;
}

static int suite_clean(void)
{
    bv_measurement_free(&B);
    bv_measurement_free(&T);
    bv_divergences_free(&D);
    bv_tzdb_free(g_tzdb);
    return 0;
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 1;
    CU_pSuite s = CU_add_suite("sample", suite_init, suite_clean);
    CU_add_test(s, "key plan: sources and precedence", test_key_plan_sources);
    CU_add_test(s, "key plan: malloc failures", test_key_plan_malloc_failures);
    CU_add_test(s, "permutation", test_perm_is_a_permutation);
    CU_add_test(s, "windows cover the range once", test_windows_cover_the_range_once);
    CU_add_test(s, "windows or key scan", test_window_choice);
    CU_add_test(s, "bottom-k ignores order", test_bottom_k_ignores_order);
    CU_add_test(s, "bottom-k: small label, skips", test_bottom_k_small_label_and_skips);
    CU_add_test(s, "value copy is deep", test_value_copy_is_deep);
    CU_add_test(s, "node: same across versions and orders",
                test_node_same_across_versions_and_orders);
    CU_add_test(s, "node: changes are localised", test_node_changes_are_localised);
    CU_add_test(s, "node: neighbour ids", test_node_neighbour_ids);
    CU_add_test(s, "node: renderings and notes", test_node_renderings_and_notes);
    CU_add_test(s, "node: missing, note, bad rows", test_node_missing_note_and_bad_rows);
    CU_add_test(s, "malloc failures", test_malloc_failures);
    CU_add_test(s, "compare: DST fall-back hour", test_compare_fallback_hour);
    CU_add_test(s, "compare: label notes, id keys", test_compare_notes_and_ids);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
