/* Which keys the sample check compares (verify/sample.h): the key of each label, the seeded
 * permutation of id windows, bottom-k selection by seeded rank, and the key lists that the fetch
 * phase sends to every instance. Pure code: no query is sent from here. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bolt/alloc.h"
#include "bolt/error.h"
#include "verify/hash.h"
#include "verify/sample.h"

const char *bv_key_source_name(bv_key_source s)
{
    switch (s) {
    case BV_KEY_NONE:
        return "none";
    case BV_KEY_OPTION:
        return "--key";
    case BV_KEY_NODE_KEY:
        return "node key";
    case BV_KEY_UNIQUE:
        return "uniqueness constraint";
    case BV_KEY_ID:
        return "internal id";
    }
    return "?";
}

/* ---- key plan -------------------------------------------------------------------------------- */

static void label_key_free(bv_label_key *k)
{
    bolt_free(k->label);
    bolt_free(k->prop);
}

void bv_key_plan_free(bv_key_plan *p)
{
    for (size_t i = 0; i < p->len; i++)
        label_key_free(&p->items[i]);
    bolt_free(p->items);
    p->items = NULL;
    p->len = 0;
}

static int label_key_cmp(const void *a, const void *b)
{
    return strcmp(((const bv_label_key *)a)->label, ((const bv_label_key *)b)->label);
}

const bv_label_key *bv_key_plan_find(const bv_key_plan *p, const char *label)
{
    if (!p->len || !label) return NULL;
    bv_label_key probe = {0};
    probe.label = (char *)label;
    return bsearch(&probe, p->items, p->len, sizeof *p->items, label_key_cmp);
}

/* Adds label unless present; returns its entry or NULL on allocation failure. */
static bv_label_key *plan_add(bv_key_plan *p, size_t *cap, const char *label)
{
    for (size_t i = 0; i < p->len; i++)
        if (!strcmp(p->items[i].label, label)) return &p->items[i];
    if (p->len == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        bv_label_key *v = bolt_realloc(p->items, ncap * sizeof *v);
        if (!v) return NULL;
        p->items = v;
        *cap = ncap;
    }
    bv_label_key *k = &p->items[p->len];
    memset(k, 0, sizeof *k);
    k->label = bolt_strndup(label, strlen(label));
    if (!k->label) return NULL;
    k->count = -1;
    p->len++;
    return k;
}

/* The schema key of a label: a single-property node key beats a uniqueness constraint (it
 * also guarantees that every node has the property), then the smaller property name, so that
 * the choice never depends on the order the server listed its schema in. */
static const char *schema_key(const bv_measurement *b, const char *label, bv_key_source *src)
{
    const char *best = NULL;
    bv_key_source best_src = BV_KEY_NONE;
    for (size_t i = 0; i < b->schema_count; i++) {
        const bv_schema_item *it = &b->schema[i];
        if (it->is_relationship || it->token_count != 1 || it->prop_count != 1) continue;
        if (!it->tokens[0] || strcmp(it->tokens[0], label) || !it->props[0]) continue;
        bv_key_source s;
        if (it->kind == BV_SCHEMA_NODE_KEY)
            s = BV_KEY_NODE_KEY;
        else if (it->kind == BV_SCHEMA_UNIQUE || (it->kind == BV_SCHEMA_INDEX && it->owned))
            s = BV_KEY_UNIQUE;
        else
            continue;
        int better = !best || (s == BV_KEY_NODE_KEY && best_src != BV_KEY_NODE_KEY) ||
                     (s == best_src && strcmp(it->props[0], best) < 0);
        if (better) {
            best = it->props[0];
            best_src = s;
        }
    }
    *src = best_src;
    return best;
}

int bv_key_plan_build(const bv_key_spec *keys, size_t key_count, int match_by_id,
                      const bv_measurement *baseline, bv_key_plan *out)
{
    out->items = NULL;
    out->len = 0;
    if (!baseline || (key_count && !keys)) return BOLT_E_INVAL;
    size_t cap = 0;
    int rc = 0;
    /* Labels in use: the token list, and the label counts (a label counted 0 is not in use). */
    for (size_t i = 0; i < baseline->labels.len && rc == 0; i++) {
        bv_label_key *k = plan_add(out, &cap, baseline->labels.items[i].key);
        if (!k)
            rc = BOLT_E_NOMEM;
        else
            k->in_use = 1;
    }
    for (size_t i = 0; i < baseline->label_counts.len && rc == 0; i++) {
        const bv_count *c = &baseline->label_counts.items[i];
        bv_label_key *k = plan_add(out, &cap, c->key);
        if (!k) {
            rc = BOLT_E_NOMEM;
            break;
        }
        k->count = c->count;
        k->in_use = c->count > 0;
    }
    for (size_t i = 0; i < key_count && rc == 0; i++)
        if (!plan_add(out, &cap, keys[i].label)) rc = BOLT_E_NOMEM;
    for (size_t i = 0; i < out->len && rc == 0; i++) {
        bv_label_key *k = &out->items[i];
        const char *prop = NULL;
        /* the last --key of a label wins, as with any repeated option */
        for (size_t j = 0; j < key_count; j++)
            if (!strcmp(keys[j].label, k->label)) prop = keys[j].prop;
        if (prop) {
            k->source = BV_KEY_OPTION;
        } else if ((prop = schema_key(baseline, k->label, &k->source)) == NULL && match_by_id) {
            k->source = BV_KEY_ID;
            prop = BV_KEY_PROP_ID;
        }
        if (prop && !(k->prop = bolt_strndup(prop, strlen(prop)))) rc = BOLT_E_NOMEM;
    }
    if (rc) {
        bv_key_plan_free(out);
        return rc;
    }
    if (out->len > 1) qsort(out->items, out->len, sizeof *out->items, label_key_cmp);
    return 0;
}

/* ---- seeded permutation and id windows ------------------------------------------------------- */

static uint64_t mix64(uint64_t x)
{
    /* splitmix64's finaliser: a bijective avalanche, so that round outputs look independent */
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

void bv_perm_init(bv_perm *p, uint64_t n, uint64_t seed)
{
    memset(p, 0, sizeof *p);
    p->n = n;
    unsigned bits = 0;
    while (bits < 64 && (n - 1) >> bits) /* bits needed for n - 1 */
        bits++;
    p->half_bits = bits ? (bits + 1) / 2 : 1;
    uint64_t k = seed;
    for (int i = 0; i < 4; i++) {
        k = mix64(k + 0x9e3779b97f4a7c15ULL);
        p->keys[i] = k;
    }
}

static uint64_t feistel(const bv_perm *p, uint64_t x)
{
    unsigned h = p->half_bits;
    uint64_t mask = h >= 64 ? ~0ULL : (1ULL << h) - 1;
    uint64_t l = (x >> h) & mask, r = x & mask;
    for (int i = 0; i < 4; i++) {
        uint64_t f = mix64(r ^ p->keys[i]) & mask;
        uint64_t t = l ^ f;
        l = r;
        r = t;
    }
    return (l << h) | r;
}

uint64_t bv_perm_at(const bv_perm *p, uint64_t i)
{
    if (p->n <= 1) return 0;
    /* Cycle-walking: the Feistel network permutes [0, 2^(2h)), at most 4n values; following
     * the cycle until it re-enters [0, n) restricts it to a permutation of [0, n). */
    uint64_t x = i;
    do
        x = feistel(p, x);
    while (x >= p->n);
    return x;
}

uint64_t bv_label_seed(uint64_t seed, const char *label)
{
    return bv_hash64(label, strlen(label), seed);
}

int bv_window_plan_init(bv_window_plan *w, int64_t lo, int64_t hi, int64_t nodes, uint32_t want,
                        uint64_t seed)
{
    memset(w, 0, sizeof *w);
    if (hi < lo || nodes < 1 || want < 1) return BOLT_E_INVAL;
    w->lo = lo;
    w->hi = hi;
    uint64_t span = (uint64_t)hi - (uint64_t)lo + 1; /* >= 1; 0 only for the full int64 range */
    double dspan = span ? (double)span : 18446744073709551616.0;
    double density = (double)nodes / dspan;
    if (density > 1.0) density = 1.0; /* a stale count: never more nodes than ids */
    /* About 32 windows for a full sample: enough spread over the id space that one batch
     * import of look-alike nodes is not the whole sample, few enough queries to stay cheap. */
    double per_window = want / 32.0 < 1.0 ? 1.0 : want / 32.0;
    double width = ceil(per_window / density);
    if (width > BV_SAMPLE_WINDOW_MAX) width = BV_SAMPLE_WINDOW_MAX;
    if (width < 1) width = 1;
    if (span && width > (double)span) width = (double)span;
    w->width = (uint64_t)width;
    w->windows = span ? (span - 1) / w->width + 1 : (UINT64_MAX / w->width) + 1;
    /* ceil(want * span / nodes), exactly while the product fits */
    if (span && span <= UINT64_MAX / want) {
        uint64_t prod = (uint64_t)want * span;
        w->expected_seeks = prod / (uint64_t)nodes + (prod % (uint64_t)nodes != 0);
        if (w->expected_seeks > span) w->expected_seeks = span;
    } else {
        double seeks = ceil((double)want / density);
        if (seeks > dspan) seeks = dspan;
        w->expected_seeks = seeks >= 18446744073709551615.0 ? UINT64_MAX : (uint64_t)seeks;
    }
    bv_perm_init(&w->order, w->windows, seed);
    /* The key scan reads every node of the label once (from the key's index); the windows
     * seek want/density ids. Windows only pay off when they seek fewer ids than the scan reads
     * rows, and never when the sample wants the whole label anyway. */
    return (uint64_t)want < (uint64_t)nodes && w->expected_seeks <= (uint64_t)nodes;
}

void bv_window_get(const bv_window_plan *w, uint64_t j, int64_t *lo, int64_t *hi)
{
    uint64_t k = bv_perm_at(&w->order, j);
    uint64_t start = (uint64_t)w->lo + k * w->width;
    uint64_t end = start + (w->width - 1);
    uint64_t last = (uint64_t)w->hi;
    /* the last window may be cut short at hi (unsigned arithmetic: no signed overflow) */
    if (end - (uint64_t)w->lo > last - (uint64_t)w->lo) end = last;
    *lo = (int64_t)start;
    *hi = (int64_t)end;
}

/* ---- value copies ---------------------------------------------------------------------------- */

static int value_size(const bolt_value *v, size_t *n, int depth)
{
    if (depth > BV_CANON_MAX_DEPTH) return BOLT_E_TOO_DEEP;
    switch ((bolt_type)v->type) {
    case BOLT_T_STRING:
    case BOLT_T_BYTES:
        *n += ((size_t)v->len + 8) & ~(size_t)7;
        return 0;
    case BOLT_T_NULL:
    case BOLT_T_BOOL:
    case BOLT_T_INT:
    case BOLT_T_FLOAT:
        return 0;
    default:
        break;
    }
    /* containers and structures: items (maps hold 2 per entry) */
    size_t items = v->type == BOLT_T_MAP ? 2 * (size_t)v->len : v->len;
    *n += items * sizeof(bolt_value);
    for (size_t i = 0; i < items; i++) {
        int rc = value_size(&v->u.items[i], n, depth + 1);
        if (rc) return rc;
    }
    return 0;
}

/* Copies v into the block at *cur (sized by value_size). */
static void value_put(const bolt_value *v, bolt_value *out, char **cur)
{
    *out = *v;
    switch ((bolt_type)v->type) {
    case BOLT_T_STRING:
    case BOLT_T_BYTES: {
        char *s = *cur;
        if (v->len) memcpy(s, v->u.str, v->len);
        s[v->len] = '\0';
        *cur += ((size_t)v->len + 8) & ~(size_t)7;
        out->u.str = s;
        return;
    }
    case BOLT_T_NULL:
    case BOLT_T_BOOL:
    case BOLT_T_INT:
    case BOLT_T_FLOAT:
        return;
    default:
        break;
    }
    size_t items = v->type == BOLT_T_MAP ? 2 * (size_t)v->len : v->len;
    bolt_value *dst = (bolt_value *)(void *)*cur;
    *cur += items * sizeof(bolt_value);
    out->u.items = items ? dst : NULL;
    for (size_t i = 0; i < items; i++)
        value_put(&v->u.items[i], &dst[i], cur);
}

int bv_value_copy(bolt_arena *a, const bolt_value *v, bolt_value *out)
{
    size_t n = 0;
    int rc = value_size(v, &n, 0);
    if (rc) return rc;
    char *block = NULL;
    if (n && !(block = bolt_arena_alloc(a, n))) return BOLT_E_NOMEM;
    value_put(v, out, &block);
    return 0;
}

/* A copy in one bolt_malloc block (*blockp, bolt_free it): for the keys of a bottom-k heap,
 * which come and go. */
static int value_copy_block(const bolt_value *v, bolt_value *out, void **blockp)
{
    size_t n = 0;
    int rc = value_size(v, &n, 0);
    if (rc) return rc;
    char *block = NULL;
    if (n && !(block = bolt_malloc(n))) return BOLT_E_NOMEM;
    *blockp = block;
    value_put(v, out, &block);
    return 0;
}

int bv_key_sendable(const bolt_value *key)
{
    if (!key) return 0;
    switch ((bolt_type)key->type) {
    case BOLT_T_BOOL:
    case BOLT_T_INT:
    case BOLT_T_FLOAT:
    case BOLT_T_STRING:
    case BOLT_T_BYTES:
    /* these structures have the same wire form on every Bolt version */
    case BOLT_T_DATE:
    case BOLT_T_TIME:
    case BOLT_T_LOCAL_TIME:
    case BOLT_T_LOCAL_DATETIME:
    case BOLT_T_DURATION:
    case BOLT_T_POINT2D:
    case BOLT_T_POINT3D:
        return 1;
    case BOLT_T_LIST:
        for (uint32_t i = 0; i < key->len; i++)
            if (!bv_key_sendable(&key->u.items[i])) return 0;
        return 1;
    default:
        /* null (no key), DateTime (F/f on Bolt 3-4.4, I/i on 5: the value read from one
         * server cannot be sent to the other as is), maps and graph structures (never
         * property values) */
        return 0;
    }
}

/* ---- bottom-k -------------------------------------------------------------------------------- */

typedef struct pick_entry {
    uint64_t rank;
    bv_h128 key_hash;
    bolt_value key;
    void *block;
} pick_entry;

struct bv_key_pick {
    uint32_t k;
    uint64_t seed;
    pick_entry *heap; /* max-heap on (rank, key_hash): the root is the first to go */
    size_t len, cap;
    uint64_t skipped;
};

static int entry_cmp(const pick_entry *a, const pick_entry *b)
{
    if (a->rank != b->rank) return a->rank < b->rank ? -1 : 1;
    return bv_h128_cmp(a->key_hash, b->key_hash);
}

int bv_key_pick_new(uint32_t k, uint64_t seed, bv_key_pick **out)
{
    *out = NULL;
    if (k < 1) return BOLT_E_INVAL;
    bv_key_pick *p = bolt_calloc(1, sizeof *p);
    if (!p) return BOLT_E_NOMEM;
    p->k = k;
    p->seed = seed;
    *out = p;
    return 0;
}

void bv_key_pick_free(bv_key_pick *p)
{
    if (!p) return;
    for (size_t i = 0; i < p->len; i++)
        bolt_free(p->heap[i].block);
    bolt_free(p->heap);
    bolt_free(p);
}

size_t bv_key_pick_count(const bv_key_pick *p)
{
    return p->len;
}

uint64_t bv_key_pick_skipped(const bv_key_pick *p)
{
    return p->skipped;
}

static void sift_down(pick_entry *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && entry_cmp(&h[l], &h[m]) > 0) m = l;
        if (r < n && entry_cmp(&h[r], &h[m]) > 0) m = r;
        if (m == i) return;
        pick_entry t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

static void sift_up(pick_entry *h, size_t i)
{
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (entry_cmp(&h[i], &h[parent]) <= 0) return;
        pick_entry t = h[i];
        h[i] = h[parent];
        h[parent] = t;
        i = parent;
    }
}

int bv_key_pick_offer(bv_key_pick *p, const bv_canon *c, const bolt_value *key)
{
    if (!bv_key_sendable(key)) {
        /* null keys are nodes without the property: not a refusal worth counting */
        if (key && key->type != BOLT_T_NULL) p->skipped++;
        return 0;
    }
    pick_entry e = {0};
    int rc = bv_canon_hash128(c, key, &e.key_hash, NULL);
    if (rc) return rc;
    /* The rank hashes the canonical key hash, not the wire bytes: the same key ranks the same
     * whichever server version it was read from. */
    e.rank = bv_hash64(&e.key_hash, sizeof e.key_hash, p->seed);
    if (p->len == p->k && entry_cmp(&e, &p->heap[0]) >= 0) return 0;
    /* A key offered twice (a --key property that is not unique) takes two places here and is
     * merged when the keys are taken (bv_sample_keys_add): the multiset of the k smallest
     * ranks does not depend on the order of the offers, a search per offer would cost O(k). */
    if ((rc = value_copy_block(key, &e.key, &e.block)) != 0) return rc;
    if (p->len == p->k) {
        bolt_free(p->heap[0].block);
        p->heap[0] = e;
        sift_down(p->heap, p->len, 0);
        return 1;
    }
    if (p->len == p->cap) {
        size_t ncap = p->cap ? p->cap * 2 : 16;
        if (ncap > p->k) ncap = p->k;
        pick_entry *v = bolt_realloc(p->heap, ncap * sizeof *v);
        if (!v) {
            bolt_free(e.block);
            return BOLT_E_NOMEM;
        }
        p->heap = v;
        p->cap = ncap;
    }
    p->heap[p->len++] = e;
    sift_up(p->heap, p->len - 1);
    return 1;
}

/* ---- key lists ------------------------------------------------------------------------------- */

void bv_sample_keys_init(bv_sample_keys *k)
{
    memset(k, 0, sizeof *k);
    bolt_arena_init(&k->arena, 16384, 0);
}

void bv_sample_keys_free(bv_sample_keys *k)
{
    for (size_t i = 0; i < k->len; i++) {
        bolt_free(k->lists[i].label);
        bolt_free(k->lists[i].prop);
    }
    bolt_free(k->lists);
    bolt_arena_free(&k->arena);
    memset(k, 0, sizeof *k);
}

static int list_cmp(const void *a, const void *b)
{
    return strcmp(((const bv_key_list *)a)->label, ((const bv_key_list *)b)->label);
}

static bv_key_list *keys_new_list(bv_sample_keys *k, const char *label, const char *prop, size_t n)
{
    bv_key_list *v = bolt_realloc(k->lists, (k->len + 1) * sizeof *v);
    if (!v) return NULL;
    k->lists = v;
    bv_key_list *l = &v[k->len];
    memset(l, 0, sizeof *l);
    l->label = bolt_strndup(label, strlen(label));
    l->prop = bolt_strndup(prop, strlen(prop));
    if (n) l->keys = bolt_arena_alloc(&k->arena, n * sizeof *l->keys);
    if (!l->label || !l->prop || (n && !l->keys)) {
        bolt_free(l->label);
        bolt_free(l->prop);
        return NULL;
    }
    k->len++;
    return l;
}

static int pick_sort_cmp(const void *a, const void *b)
{
    return entry_cmp(a, b);
}

int bv_sample_keys_add(bv_sample_keys *k, const char *label, const char *prop,
                       const bv_key_pick *pick)
{
    if (!label || !prop || !pick) return BOLT_E_INVAL;
    /* Sorting the heap in place keeps it a valid set (a sorted array is not a max-heap, but
     * the pick is finished once its keys were taken). */
    pick_entry *h = pick->heap;
    if (pick->len > 1) qsort(h, pick->len, sizeof *h, pick_sort_cmp);
    size_t mark = k->len;
    bv_key_list *l = keys_new_list(k, label, prop, pick->len);
    if (!l) return BOLT_E_NOMEM;
    for (size_t i = 0; i < pick->len; i++) {
        if (i && bv_h128_eq(h[i].key_hash, h[i - 1].key_hash)) continue; /* offered twice */
        int rc = bv_value_copy(&k->arena, &h[i].key, &l->keys[l->len]);
        if (rc) {
            bolt_free(l->label);
            bolt_free(l->prop);
            k->len = mark;
            return rc;
        }
        l->len++;
    }
    if (k->len > 1) qsort(k->lists, k->len, sizeof *k->lists, list_cmp);
    return 0;
}

int bv_sample_keys_add_values(bv_sample_keys *k, const char *label, const char *prop,
                              const bolt_value *keys, size_t n)
{
    if (!label || !prop || (n && !keys)) return BOLT_E_INVAL;
    for (size_t i = 0; i < n; i++)
        if (!bv_key_sendable(&keys[i])) return BOLT_E_INVAL;
    size_t mark = k->len;
    bv_key_list *l = keys_new_list(k, label, prop, n);
    if (!l) return BOLT_E_NOMEM;
    for (size_t i = 0; i < n; i++) {
        int rc = bv_value_copy(&k->arena, &keys[i], &l->keys[l->len]);
        if (rc) {
            bolt_free(l->label);
            bolt_free(l->prop);
            k->len = mark;
            return rc;
        }
        l->len++;
    }
    if (k->len > 1) qsort(k->lists, k->len, sizeof *k->lists, list_cmp);
    return 0;
}
