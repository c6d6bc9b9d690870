/* Tests of verify/snapshot*.c: a fully populated measurement survives a file round trip
 * field by field; the encoding is canonical; every bad file (empty, foreign, truncated at
 * every offset, any byte flipped, newer format version, other canonical hash format, bytes
 * after the payload, payload fields of the wrong type, lengths larger than the file) is
 * refused with its own code and one line; the atomic write leaves nothing behind; allocation
 * failures anywhere in encode, decode, write and read leak nothing; snapshots as verify
 * instances. */
#include <CUnit/Basic.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>

#include "bolt/alloc.h"
#include "bolt/error.h"
#include "failalloc.h"
#include "verify/canon.h"
#include "verify/hash.h"
#include "verify/options.h"
#include "verify/result.h"
#include "verify/sample.h"
#include "verify/snapshot.h"
#include "vfixture.h"

/* ---- a measurement with every field set ------------------------------------------------------ */

static void full_measurement(bv_measurement *m)
{
    bv_measurement_init(m);
    vf_graph5(m); /* inventory, tokens, counts, schema, coverage, sample, full, seed */
    m->sample[0].key_hash = (bv_h128){.lo = 0x0102030405060708u, .hi = 0xF1F2F3F4F5F6F7F8u};
    m->sample[0].node_hash.hi = UINT64_MAX;
    m->sample[1].notes = BV_NOTE_AMBIGUOUS_DST | BV_NOTE_UNKNOWN_ZONE;
    m->sample[1].fields[0].notes = BV_NOTE_DST_GAP;
    m->sample[1].fields[1].hash.hi = 0x8000000000000000u;
    bolt_free(m->sample[2].fields[1].rendering);
    m->sample[2].fields[1].rendering = NULL; /* a field without rendering */
    bv_sample_node *n = vf_node(m, "Person", "uid", "99", 0);
    n->missing = 1;
    n = vf_node(m, "Tag", NULL, "no key", 0); /* a label-level note entry */
    n = vf_node(m, "Odd`label", "key with space", "\"a\\\"b\\u0001\"", 7);
    vf_field(n, BV_FIELD_PROPERTY, "Grüße", 5, "\"Grüße\"", 0);
    vf_count(&m->label_counts, "big", INT64_MAX);
    m->full_digests[1].hi = 0xABCDEFu;
    m->seed = UINT64_MAX;
    m->sample_size = 10000000u;
    m->source = vf_strdup("neo4j+s://prod.example.com:7687");
    m->measured_at = -1; /* before 1970: a signed field */
    m->inventory.address = vf_strdup("prod.example.com:7687");
    bolt_free(m->schema[0].detail);
    m->schema[0].detail = vf_strdup("STRING");
    bolt_free(m->schema[1].owner);
    m->schema[1].owner = vf_strdup("constraint_1");
    m->coverage[1].is_relationship = 1;
    /* full-check bisection nodes: two named nodes and a label note */
    m->full_nodes = bolt_calloc(3, sizeof *m->full_nodes);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m->full_nodes);
    m->full_node_count = 3;
    m->full_nodes[0].label = vf_strdup("Person");
    m->full_nodes[0].key_prop = vf_strdup("uid");
    m->full_nodes[0].key_text = vf_strdup("4");
    m->full_nodes[0].node_hash = vf_h(404);
    m->full_nodes[1].label = vf_strdup("Person");
    m->full_nodes[1].key_prop = vf_strdup("uid");
    m->full_nodes[1].key_text = vf_strdup("5");
    m->full_nodes[1].missing = 1;
    m->full_nodes[2].label = vf_strdup("Company");
    m->full_nodes[2].key_text = vf_strdup("not all divergent nodes isolated");
}

/* ---- field-by-field equality (independent of the encoder) ----------------------------------- */

static int str_eq(const char *a, const char *b)
{
    if (!a || !b) return a == b;
    return !strcmp(a, b);
}

#define SAME(cond)                                                                                 \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "measurements differ: %s (line %d)\n", #cond, __LINE__);               \
            return 0;                                                                              \
        }                                                                                          \
    } while (0)

static int counts_eq(const bv_counts *a, const bv_counts *b)
{
    SAME(a->len == b->len);
    for (size_t i = 0; i < a->len; i++) {
        SAME(str_eq(a->items[i].key, b->items[i].key));
        SAME(a->items[i].count == b->items[i].count);
    }
    return 1;
}

static int strings_eq(char **a, size_t na, char **b, size_t nb, int null_matters)
{
    SAME(na == nb);
    if (null_matters) SAME((a == NULL) == (b == NULL));
    for (size_t i = 0; i < na; i++)
        SAME(str_eq(a[i], b[i]));
    return 1;
}

static int node_eq(const bv_sample_node *a, const bv_sample_node *b)
{
    SAME(str_eq(a->label, b->label) && str_eq(a->key_prop, b->key_prop));
    SAME(str_eq(a->key_text, b->key_text));
    SAME(bv_h128_eq(a->key_hash, b->key_hash) && bv_h128_eq(a->node_hash, b->node_hash));
    SAME(a->notes == b->notes && a->missing == b->missing);
    SAME(a->field_count == b->field_count);
    for (size_t j = 0; j < a->field_count; j++) {
        const bv_field_hash *x = &a->fields[j], *y = &b->fields[j];
        SAME(x->kind == y->kind && str_eq(x->name, y->name));
        SAME(bv_h128_eq(x->hash, y->hash) && str_eq(x->rendering, y->rendering));
        SAME(x->notes == y->notes);
    }
    return 1;
}

/* a's count tables must already be sorted (the decoder returns them sorted) */
static int measurement_eq(const bv_measurement *a, const bv_measurement *b)
{
    SAME(a->checks == b->checks);
    const bv_inventory *x = &a->inventory, *y = &b->inventory;
    SAME(str_eq(x->address, y->address) && str_eq(x->server_agent, y->server_agent));
    SAME(str_eq(x->version, y->version) && str_eq(x->edition, y->edition));
    SAME(str_eq(x->bolt_version, y->bolt_version) && str_eq(x->database, y->database));
    SAME(strings_eq(x->databases, x->database_count, y->databases, y->database_count, 1));
    SAME(counts_eq(&a->labels, &b->labels) && counts_eq(&a->rel_types, &b->rel_types));
    SAME(counts_eq(&a->prop_keys, &b->prop_keys));
    SAME(a->node_count == b->node_count && a->rel_count == b->rel_count);
    SAME(counts_eq(&a->label_counts, &b->label_counts));
    SAME(counts_eq(&a->type_counts, &b->type_counts));
    SAME(counts_eq(&a->out_counts, &b->out_counts) && counts_eq(&a->in_counts, &b->in_counts));
    SAME(a->schema_count == b->schema_count);
    for (size_t i = 0; i < a->schema_count; i++) {
        const bv_schema_item *s = &a->schema[i], *t = &b->schema[i];
        SAME(s->is_relationship == t->is_relationship && s->kind == t->kind);
        SAME(strings_eq(s->tokens, s->token_count, t->tokens, t->token_count, 0));
        SAME(strings_eq(s->props, s->prop_count, t->props, t->prop_count, 0));
        SAME(str_eq(s->name, t->name) && str_eq(s->provider, t->provider));
        SAME(str_eq(s->raw_type, t->raw_type) && s->owned == t->owned);
        SAME(str_eq(s->owner, t->owner) && str_eq(s->detail, t->detail));
    }
    SAME(a->coverage_count == b->coverage_count);
    for (size_t i = 0; i < a->coverage_count; i++) {
        SAME(str_eq(a->coverage[i].token, b->coverage[i].token));
        SAME(a->coverage[i].is_relationship == b->coverage[i].is_relationship);
        SAME(counts_eq(&a->coverage[i].keys, &b->coverage[i].keys));
    }
    SAME(a->sample_count == b->sample_count);
    for (size_t i = 0; i < a->sample_count; i++)
        SAME(node_eq(&a->sample[i], &b->sample[i]));
    SAME(counts_eq(&a->full_labels, &b->full_labels));
    for (size_t i = 0; i < a->full_labels.len; i++)
        SAME(bv_h128_eq(a->full_digests[i], b->full_digests[i]));
    SAME(a->full_node_count == b->full_node_count);
    for (size_t i = 0; i < a->full_node_count; i++)
        SAME(node_eq(&a->full_nodes[i], &b->full_nodes[i]));
    SAME(a->seed == b->seed && a->sample_size == b->sample_size);
    SAME(str_eq(a->source, b->source) && a->measured_at == b->measured_at);
    return 1;
}

static void sort_counts(bv_measurement *m)
{
    bv_counts *c[] = {&m->labels,      &m->rel_types,  &m->prop_keys, &m->label_counts,
                      &m->type_counts, &m->out_counts, &m->in_counts};
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++)
        bv_counts_sort(c[i]);
    for (size_t i = 0; i < m->coverage_count; i++)
        bv_counts_sort(&m->coverage[i].keys);
}

/* ---- helpers -------------------------------------------------------------------------------- */

static uint8_t *encode(const bv_measurement *m, size_t *len)
{
    uint8_t *buf = NULL;
    char err[256];
    int rc = bv_snapshot_encode(m, &buf, len, err, sizeof err);
    if (rc) fprintf(stderr, "encode: %s\n", err);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    return buf;
}

static uint64_t be(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

static void put_be(uint8_t *p, uint64_t v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

/* Rewrites the length and checksum of a hand-made file, as docs/snapshots.md defines them:
 * XXH3-128 (seed 0) of bytes 0..23 followed by the payload. */
static void reseal(uint8_t *buf, size_t len)
{
    put_be(buf + 16, len - 40, 8);
    bv_hasher h;
    bv_hasher_init(&h, 0);
    bv_hasher_update(&h, buf, 24);
    bv_hasher_update(&h, buf + 40, len - 40);
    bv_h128 d = bv_hasher_digest128(&h);
    put_be(buf + 24, d.hi, 8);
    put_be(buf + 32, d.lo, 8);
}

/* A file made of the header and the given payload bytes. */
static uint8_t *file_with_payload(const uint8_t *payload, size_t plen, size_t *len)
{
    *len = 40 + plen;
    uint8_t *buf = calloc(1, *len);
    memcpy(buf, "BOLTDIFF-SNAP", 14);
    put_be(buf + 14, 1, 2);
    memcpy(buf + 40, payload, plen);
    reseal(buf, *len);
    return buf;
}

static int decode(const uint8_t *buf, size_t len, char *err, size_t errlen)
{
    bv_measurement m;
    int rc = bv_snapshot_decode(buf, len, &m, err, errlen);
    if (rc == 0) bv_measurement_free(&m);
    /* a refused file leaves the measurement empty */
    if (rc != 0) CU_ASSERT(m.sample == NULL && m.schema == NULL && m.inventory.version == NULL);
    return rc;
}

static int one_line(const char *s)
{
    return s[0] != '\0' && strchr(s, '\n') == NULL;
}

/* Offset of the value that follows the map key `key` in buf (a fixstr key), or 0. */
static size_t value_after_key(const uint8_t *buf, size_t len, const char *key)
{
    size_t kl = strlen(key);
    for (size_t i = 40; i + 1 + kl < len; i++)
        if (buf[i] == (0xa0 | kl) && !memcmp(buf + i + 1, key, kl)) return i + 1 + kl;
    return 0;
}

/* ---- tests ---------------------------------------------------------------------------------- */

static void test_round_trip_every_field(void)
{
    bv_measurement m, back;
    full_measurement(&m);
    size_t len;
    uint8_t *buf = encode(&m, &len);
    char err[256] = "";
    int rc = bv_snapshot_decode(buf, len, &back, err, sizeof err);
    if (rc) fprintf(stderr, "decode: %s\n", err);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    sort_counts(&m);
    CU_ASSERT(measurement_eq(&m, &back));
    /* canonical: the decoded measurement encodes to the same bytes */
    size_t len2;
    uint8_t *buf2 = encode(&back, &len2);
    CU_ASSERT_EQUAL(len, len2);
    CU_ASSERT(len == len2 && !memcmp(buf, buf2, len));
    /* the header as documented */
    CU_ASSERT(!memcmp(buf, "BOLTDIFF-SNAP\0", 14));
    CU_ASSERT_EQUAL(be(buf + 14, 2), BV_SNAPSHOT_VERSION);
    CU_ASSERT_EQUAL(be(buf + 16, 8), len - 40);
    bolt_free(buf);
    bolt_free(buf2);
    bv_measurement_free(&back);
    bv_measurement_free(&m);
}

static void test_round_trip_empty_measurement(void)
{
    bv_measurement m, back;
    bv_measurement_init(&m);
    size_t len;
    uint8_t *buf = encode(&m, &len);
    CU_ASSERT_EQUAL_FATAL(bv_snapshot_decode(buf, len, &back, NULL, 0), 0);
    CU_ASSERT(measurement_eq(&m, &back));
    CU_ASSERT_PTR_NULL(back.inventory.databases); /* NULL stays NULL, not an empty list */
    bolt_free(buf);
    bv_measurement_free(&back);
}

static void test_count_order_does_not_change_bytes(void)
{
    bv_measurement a, b;
    bv_measurement_init(&a);
    bv_measurement_init(&b);
    vf_count(&a.label_counts, "B", 2);
    vf_count(&a.label_counts, "A", 1);
    vf_count(&b.label_counts, "A", 1);
    vf_count(&b.label_counts, "B", 2);
    size_t la, lb;
    uint8_t *ba = encode(&a, &la), *bb = encode(&b, &lb);
    /* measured_at and everything else equal: the files are identical */
    CU_ASSERT(la == lb && !memcmp(ba, bb, la));
    bolt_free(ba);
    bolt_free(bb);
    bv_measurement_free(&a);
    bv_measurement_free(&b);
}

static void test_encode_refuses_what_cannot_be_read(void)
{
    char err[256];
    uint8_t *buf = NULL;
    size_t len = 0;
    bv_measurement m;

    bv_measurement_init(&m);
    vf_count(&m.labels, "A", -1);
    CU_ASSERT_EQUAL(bv_snapshot_encode(&m, &buf, &len, err, sizeof err), BOLT_E_INVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "negative count"));
    CU_ASSERT_PTR_NULL(buf);
    bv_measurement_free(&m);

    vf_count(&m.labels, "A", 1);
    vf_count(&m.labels, "B", 1);
    bolt_free(m.labels.items[1].key);
    m.labels.items[1].key = vf_strdup("A"); /* bv_counts_add would have merged it */
    CU_ASSERT_EQUAL(bv_snapshot_encode(&m, &buf, &len, err, sizeof err), BOLT_E_INVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "appears twice"));
    bv_measurement_free(&m);

    m.checks = 0x80;
    CU_ASSERT_EQUAL(bv_snapshot_encode(&m, &buf, &len, err, sizeof err), BOLT_E_INVAL);
    bv_measurement_free(&m);

    bv_sample_node *n = vf_node(&m, "L", "k", "1", 1);
    vf_field(n, BV_FIELD_PROPERTY, "x", 1, NULL, 0);
    n->fields[0].kind = (bv_field_kind)7;
    CU_ASSERT_EQUAL(bv_snapshot_encode(&m, &buf, &len, err, sizeof err), BOLT_E_INVAL);
    n->fields[0].kind = BV_FIELD_PROPERTY;
    bolt_free(n->fields[0].name);
    n->fields[0].name = NULL;
    CU_ASSERT_EQUAL(bv_snapshot_encode(&m, &buf, &len, err, sizeof err), BOLT_E_INVAL);
    CU_ASSERT(one_line(err));
    bv_measurement_free(&m);
}

static void test_empty_and_foreign_files(void)
{
    char err[256];
    CU_ASSERT_EQUAL(decode((const uint8_t *)"", 0, err, sizeof err), BOLT_E_SNAPSHOT);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "empty file"));
    const char *json = "{\"format\": \"boltdiff-graph/1\"}";
    CU_ASSERT_EQUAL(decode((const uint8_t *)json, strlen(json), err, sizeof err), BOLT_E_SNAPSHOT);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "not a boltdiff snapshot"));
    CU_ASSERT(one_line(err));
    /* the magic without its NUL, followed by something else */
    CU_ASSERT_EQUAL(decode((const uint8_t *)"BOLTDIFF-SNAPX", 14, err, sizeof err),
                    BOLT_E_SNAPSHOT);
}

static void test_wrong_magic_one_byte(void)
{
    bv_measurement m;
    full_measurement(&m);
    size_t len;
    uint8_t *buf = encode(&m, &len);
    char err[256];
    for (size_t i = 0; i < 14; i++) {
        buf[i] ^= 0x20;
        CU_ASSERT_EQUAL(decode(buf, len, err, sizeof err), BOLT_E_SNAPSHOT);
        CU_ASSERT_PTR_NOT_NULL(strstr(err, "not a boltdiff snapshot"));
        buf[i] ^= 0x20;
    }
    bolt_free(buf);
    bv_measurement_free(&m);
}

static void test_truncated_at_every_offset(void)
{
    bv_measurement m;
    full_measurement(&m);
    size_t len;
    uint8_t *buf = encode(&m, &len);
    char err[256];
    size_t wrong = 0;
    for (size_t cut = 1; cut < len; cut++) {
        /* a fresh copy of exactly `cut` bytes, so that ASan sees any read past it */
        uint8_t *part = malloc(cut);
        memcpy(part, buf, cut);
        int rc = decode(part, cut, err, sizeof err);
        free(part);
        if (rc != BOLT_E_TRUNCATED || !one_line(err)) {
            if (wrong++ < 5) fprintf(stderr, "cut at %zu: %s (%s)\n", cut, bolt_errname(rc), err);
        }
    }
    CU_ASSERT_EQUAL(wrong, 0);
    CU_ASSERT_EQUAL(decode(buf, 20, err, sizeof err), BOLT_E_TRUNCATED);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "header"));
    CU_ASSERT_EQUAL(decode(buf, len - 1, err, sizeof err), BOLT_E_TRUNCATED);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "interrupted"));
    bolt_free(buf);
    bv_measurement_free(&m);
}

static void test_flipped_bytes_fail_the_checksum(void)
{
    bv_measurement m;
    full_measurement(&m);
    size_t len;
    uint8_t *buf = encode(&m, &len);
    char err[256];
    size_t wrong = 0;
    /* every byte after the version: length bytes make it truncated/trailing, the checksum
     * and payload bytes a checksum mismatch; every bit position in turn */
    for (size_t i = 16; i < len; i++) {
        uint8_t bit = (uint8_t)(1u << (i % 8));
        buf[i] ^= bit;
        int rc = decode(buf, len, err, sizeof err);
        int want = i >= 24 ? BOLT_E_CHECKSUM : rc; /* length bytes: checked below */
        if (i < 24 && rc != BOLT_E_TRUNCATED && rc != BOLT_E_TRAILING) want = BOLT_E_TRUNCATED;
        if (rc != want || !one_line(err)) {
            if (wrong++ < 5) fprintf(stderr, "flip at %zu: %s (%s)\n", i, bolt_errname(rc), err);
        }
        buf[i] ^= bit;
    }
    CU_ASSERT_EQUAL(wrong, 0);
    buf[len - 1] ^= 0xFF;
    CU_ASSERT_EQUAL(decode(buf, len, err, sizeof err), BOLT_E_CHECKSUM);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "checksum mismatch"));
    buf[len - 1] ^= 0xFF;
    CU_ASSERT_EQUAL(decode(buf, len, err, sizeof err), 0);
    bolt_free(buf);
    bv_measurement_free(&m);
}

static void test_newer_and_invalid_versions(void)
{
    bv_measurement m;
    full_measurement(&m);
    size_t len;
    uint8_t *buf = encode(&m, &len);
    char err[256];
    put_be(buf + 14, 2, 2);
    /* refused before the checksum: a newer format may checksum differently */
    CU_ASSERT_EQUAL(decode(buf, len, err, sizeof err), BOLT_E_UNSUPPORTED);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "version 2"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "version 1"));
    CU_ASSERT(one_line(err));
    put_be(buf + 14, 0xFFFF, 2);
    CU_ASSERT_EQUAL(decode(buf, len, err, sizeof err), BOLT_E_UNSUPPORTED);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "65535"));
    put_be(buf + 14, 0, 2);
    CU_ASSERT_EQUAL(decode(buf, len, err, sizeof err), BOLT_E_SNAPSHOT);
    bolt_free(buf);
    bv_measurement_free(&m);
}

static void test_trailing_bytes(void)
{
    bv_measurement m;
    bv_measurement_init(&m);
    size_t len;
    uint8_t *buf = encode(&m, &len);
    uint8_t *longer = calloc(1, len + 3);
    memcpy(longer, buf, len);
    char err[256];
    CU_ASSERT_EQUAL(decode(longer, len + 3, err, sizeof err), BOLT_E_TRAILING);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "3 unexpected bytes"));
    /* bytes after the msgpack map but inside the sealed payload */
    memcpy(longer, buf, len);
    reseal(longer, len + 1);
    CU_ASSERT_EQUAL(decode(longer, len + 1, err, sizeof err), BOLT_E_SNAPSHOT);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "after the end"));
    free(longer);
    bolt_free(buf);
}

static void test_other_canonical_format(void)
{
    bv_measurement m;
    full_measurement(&m);
    size_t len;
    uint8_t *buf = encode(&m, &len);
    size_t at = value_after_key(buf, len, "canon");
    CU_ASSERT_FATAL(at != 0);
    CU_ASSERT_EQUAL(buf[at], BV_CANON_FORMAT); /* a positive fixint */
    buf[at] = BV_CANON_FORMAT + 1;
    reseal(buf, len);
    char err[300];
    CU_ASSERT_EQUAL(decode(buf, len, err, sizeof err), BOLT_E_UNSUPPORTED);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "canonical value format 2"));
    bolt_free(buf);
    bv_measurement_free(&m);
}

/* Payloads sealed with a valid checksum: only the payload validation can refuse them. */
static void test_corrupt_payloads(void)
{
    const struct {
        const char *name;
        const uint8_t *bytes;
        size_t len;
        const char *msg;
    } cases[] = {
#define P(...) (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__})
        {"not a map", P(0x90), "expected a map"},
        {"empty map", P(0x80), "field 'canon' is missing"},
        {"unknown field", P(0x81, 0xa1, 'x', 0x00), "unknown field 'x'"},
        {"canon twice",
         P(0x82, 0xa5, 'c', 'a', 'n', 'o', 'n', 0x01, 0xa5, 'c', 'a', 'n', 'o', 'n', 0x01),
         "appears twice"},
        {"canon as string", P(0x81, 0xa5, 'c', 'a', 'n', 'o', 'n', 0xa1, '1'), "canon: expected"},
        /* a map32 header announcing 4 billion entries in a 5-byte payload */
        {"huge map", P(0xdf, 0xff, 0xff, 0xff, 0xff), "cannot fit"},
        {"truncated map16", P(0xde, 0x00), "ends in the middle"},
        {"key not a string", P(0x81, 0x01, 0x01), "expected a string"},
        {"str32 past the end", P(0x81, 0xdb, 0x7f, 0xff, 0xff, 0xff, 'c'), "runs past the end"},
        {"reserved type", P(0x81, 0xa5, 'c', 'a', 'n', 'o', 'n', 0xc1), "reserved type"},
        /* text from the file in a message is escaped: still one line */
        {"newline in a field name", P(0x81, 0xa3, 'a', '\n', 'b', 0x00), "unknown field 'a\\x0ab'"},
#undef P
    };
    char err[300];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len;
        uint8_t *file = file_with_payload(cases[i].bytes, cases[i].len, &len);
        int rc = decode(file, len, err, sizeof err);
        if (rc != BOLT_E_SNAPSHOT || !strstr(err, cases[i].msg))
            fprintf(stderr, "%s: %s: %s\n", cases[i].name, bolt_errname(rc), err);
        CU_ASSERT_EQUAL(rc, BOLT_E_SNAPSHOT);
        CU_ASSERT_PTR_NOT_NULL(strstr(err, cases[i].msg));
        CU_ASSERT(one_line(err));
        free(file);
    }
}

/* Field values out of bounds in an otherwise valid file, resealed. */
static void test_out_of_bounds_fields(void)
{
    bv_measurement m;
    full_measurement(&m);
    size_t len;
    uint8_t *orig = encode(&m, &len);
    uint8_t *buf = malloc(len);
    char err[300];

    /* checks: a one-byte value outside 0..0x7f in place of the fixint (-1) */
    memcpy(buf, orig, len);
    size_t at = value_after_key(buf, len, "checks");
    CU_ASSERT_FATAL(at != 0);
    buf[at] = 0xff; /* -1 */
    reseal(buf, len);
    CU_ASSERT_EQUAL(decode(buf, len, err, sizeof err), BOLT_E_SNAPSHOT);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "checks: the check bits out of range"));

    /* a negative node count */
    memcpy(buf, orig, len);
    at = value_after_key(buf, len, "node_count");
    CU_ASSERT_FATAL(at != 0);
    buf[at] = 0xfe;
    reseal(buf, len);
    CU_ASSERT_EQUAL(decode(buf, len, err, sizeof err), BOLT_E_SNAPSHOT);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "node_count: the node count is negative"));

    /* a schema kind beyond the enumeration */
    memcpy(buf, orig, len);
    at = value_after_key(buf, len, "kind");
    CU_ASSERT_FATAL(at != 0);
    buf[at] = 0x7f;
    reseal(buf, len);
    CU_ASSERT_EQUAL(decode(buf, len, err, sizeof err), BOLT_E_SNAPSHOT);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "schema[0].kind"));

    /* a NUL inside a string: the first label count key "Company" */
    memcpy(buf, orig, len);
    at = value_after_key(buf, len, "label_counts");
    CU_ASSERT_FATAL(at != 0);
    size_t s = at + 1; /* first key of the (fix)map: "Company" */
    CU_ASSERT_FATAL((buf[s] & 0xe0) == 0xa0);
    buf[s + 2] = '\0';
    reseal(buf, len);
    CU_ASSERT_EQUAL(decode(buf, len, err, sizeof err), BOLT_E_SNAPSHOT);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "NUL byte"));

    /* count keys out of order: swap the first letters of "Company" and "Employee" */
    memcpy(buf, orig, len);
    CU_ASSERT_FATAL(!memcmp(buf + s + 1, "Company", 7));
    buf[s + 1] = 'Z';
    reseal(buf, len);
    CU_ASSERT_EQUAL(decode(buf, len, err, sizeof err), BOLT_E_SNAPSHOT);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "ascending order"));

    /* a hash that is not 16 bytes: the first sampled key hash's bin8 length */
    memcpy(buf, orig, len);
    at = value_after_key(buf, len, "sample");
    CU_ASSERT_FATAL(at != 0);
    size_t p = at;
    while (p + 1 < len && !(buf[p] == 0xc4 && buf[p + 1] == 16))
        p++;
    buf[p + 1] = 15;
    reseal(buf, len);
    CU_ASSERT_EQUAL(decode(buf, len, err, sizeof err), BOLT_E_SNAPSHOT);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "sample[0]: expected a 16-byte hash"));

    free(buf);
    bolt_free(orig);
    bv_measurement_free(&m);
}

/* ---- files ---------------------------------------------------------------------------------- */

static char tmpdir[64];

static size_t dir_entries(const char *dir)
{
    DIR *d = opendir(dir);
    size_t n = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    if (d) closedir(d);
    return n;
}

static void rm_dir(const char *dir)
{
    DIR *d = opendir(dir);
    char path[512];
    for (struct dirent *e; d && (e = readdir(d));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            unlink(path);
        }
    if (d) closedir(d);
    rmdir(dir);
}

static void make_tmpdir(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/test_snapshot.XXXXXX");
    CU_ASSERT_FATAL(mkdtemp(tmpdir) != NULL);
}

static void test_write_read_file(void)
{
    make_tmpdir();
    char path[128], err[512];
    snprintf(path, sizeof path, "%s/before.snap", tmpdir);
    bv_measurement m, back;
    full_measurement(&m);
    CU_ASSERT_EQUAL_FATAL(bv_snapshot_write(path, &m, err, sizeof err), 0);
    CU_ASSERT_EQUAL(dir_entries(tmpdir), 1); /* no temporary file left */
    struct stat st;
    CU_ASSERT_EQUAL_FATAL(stat(path, &st), 0);
    CU_ASSERT_EQUAL(st.st_mode & 0777, 0600);
    CU_ASSERT_EQUAL_FATAL(bv_snapshot_read(path, &back, err, sizeof err), 0);
    sort_counts(&m);
    CU_ASSERT(measurement_eq(&m, &back));
    bv_measurement_free(&back);
    /* overwriting replaces the file whole */
    bv_measurement_free(&m);
    bv_measurement_init(&m);
    m.node_count = 5;
    CU_ASSERT_EQUAL(bv_snapshot_write(path, &m, err, sizeof err), 0);
    CU_ASSERT_EQUAL(bv_snapshot_read(path, &back, err, sizeof err), 0);
    CU_ASSERT_EQUAL(back.node_count, 5);
    CU_ASSERT_EQUAL(dir_entries(tmpdir), 1);
    bv_measurement_free(&back);
    bv_measurement_free(&m);
    rm_dir(tmpdir);
}

static void test_file_errors_name_the_path(void)
{
    make_tmpdir();
    char path[128], err[512];
    bv_measurement m;
    bv_measurement_init(&m);
    snprintf(path, sizeof path, "%s/missing.snap", tmpdir);
    CU_ASSERT_EQUAL(bv_snapshot_read(path, &m, err, sizeof err), BOLT_E_IO);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, path));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "No such file"));
    CU_ASSERT_EQUAL(bv_snapshot_read(tmpdir, &m, err, sizeof err), BOLT_E_SNAPSHOT);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "not a regular file"));
    /* a directory that does not exist: nothing is created, one line */
    snprintf(path, sizeof path, "%s/no/such/dir.snap", tmpdir);
    CU_ASSERT_EQUAL(bv_snapshot_write(path, &m, err, sizeof err), BOLT_E_IO);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, path));
    CU_ASSERT(one_line(err));
    /* the destination is a directory: the temporary file is removed again */
    CU_ASSERT_EQUAL(bv_snapshot_write(tmpdir, &m, err, sizeof err), BOLT_E_IO);
    snprintf(path, sizeof path, "%s/empty.snap", tmpdir);
    FILE *f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fclose(f);
    CU_ASSERT_EQUAL(bv_snapshot_read(path, &m, err, sizeof err), BOLT_E_SNAPSHOT);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "empty file"));
    CU_ASSERT_EQUAL(dir_entries(tmpdir), 1);
    rm_dir(tmpdir);
}

/* ---- allocation failures -------------------------------------------------------------------- */

typedef struct fa_ud {
    const bv_measurement *m;
    const uint8_t *buf;
    size_t len;
    const char *path;
} fa_ud;

static int op_encode(void *vud)
{
    fa_ud *ud = vud;
    uint8_t *buf;
    size_t len;
    int rc = bv_snapshot_encode(ud->m, &buf, &len, NULL, 0);
    if (rc == 0) bolt_free(buf);
    return rc;
}

static int op_decode(void *vud)
{
    fa_ud *ud = vud;
    bv_measurement m;
    int rc = bv_snapshot_decode(ud->buf, ud->len, &m, NULL, 0);
    bv_measurement_free(&m);
    return rc;
}

static int op_write_read(void *vud)
{
    fa_ud *ud = vud;
    char err[512];
    int rc = bv_snapshot_write(ud->path, ud->m, err, sizeof err);
    if (rc) return rc;
    bv_measurement m;
    rc = bv_snapshot_read(ud->path, &m, err, sizeof err);
    bv_measurement_free(&m);
    return rc;
}

static void test_malloc_failures(void)
{
    bv_measurement m;
    full_measurement(&m);
    size_t len;
    uint8_t *buf = encode(&m, &len);
    make_tmpdir();
    char path[128];
    snprintf(path, sizeof path, "%s/f.snap", tmpdir);
    fa_ud ud = {&m, buf, len, path};
    CU_ASSERT_EQUAL(failalloc_each(op_encode, &ud, BOLT_E_NOMEM), 0);
    CU_ASSERT_EQUAL(failalloc_each(op_decode, &ud, BOLT_E_NOMEM), 0);
    CU_ASSERT_EQUAL(failalloc_each(op_write_read, &ud, BOLT_E_NOMEM), 0);
    CU_ASSERT_EQUAL(dir_entries(tmpdir), 1); /* failed writes removed their temporary file */
    rm_dir(tmpdir);
    bolt_free(buf);
    bv_measurement_free(&m);
}

/* ---- snapshots as verify instances ---------------------------------------------------------- */

static void parse_opts(bv_options *o, const char *a0, const char *a1, const char *checks)
{
    char *argv[] = {"verify", "--checks", (char *)checks, (char *)a0, (char *)a1, NULL};
    char err[256];
    int rc = bv_options_parse(o, 5, argv, err, sizeof err);
    if (rc) fprintf(stderr, "options: %s\n", err);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
}

static void test_instances(void)
{
    make_tmpdir();
    char before[128], after[128], junk[128], err[512];
    snprintf(before, sizeof before, "%s/before.snap", tmpdir);
    snprintf(after, sizeof after, "%s/after.snap", tmpdir);
    snprintf(junk, sizeof junk, "%s/junk.json", tmpdir);
    CU_ASSERT(bv_snapshot_is_path(before));
    CU_ASSERT(!bv_snapshot_is_path("bolt://h:7687"));

    bv_measurement m;
    full_measurement(&m);
    m.checks = BV_CHECK_COUNTS | BV_CHECK_SAMPLE;
    /* real key hashes for the integer keys; the odd string key keeps a made-up one */
    bv_canon canon = {NULL, 0};
    for (size_t i = 0; i < m.sample_count; i++)
        if (m.sample[i].key_prop && !strcmp(m.sample[i].key_prop, "uid")) {
            bolt_value k = bolt_int(atoi(m.sample[i].key_text));
            bv_canon_hash128(&canon, &k, &m.sample[i].key_hash, NULL);
        }
    CU_ASSERT_EQUAL_FATAL(bv_snapshot_write(before, &m, err, sizeof err), 0);
    /* the target sampled one key the baseline did not, and lacks one it has */
    bolt_free(m.sample[0].key_text);
    m.sample[0].key_text = vf_strdup("1000");
    CU_ASSERT_EQUAL_FATAL(bv_snapshot_write(after, &m, err, sizeof err), 0);
    size_t nodes = m.sample_count;
    bv_measurement_free(&m);

    bv_options o;
    bv_result r;
    parse_opts(&o, before, "bolt://localhost:7687", "counts,schema,sample");
    o.quiet = 1;
    CU_ASSERT_EQUAL_FATAL(bv_result_init(&r, 2), 0);
    CU_ASSERT_EQUAL(bv_snapshot_load_instances(&o, &r, err, sizeof err), 1);
    /* the key whose hash does not match its text cannot be looked up: dropped, the note entry
     * (no key property) kept */
    CU_ASSERT_EQUAL(r.instances[0].m.sample_count, nodes - 1);
    for (size_t i = 0; i < r.instances[0].m.sample_count; i++)
        CU_ASSERT_STRING_NOT_EQUAL(r.instances[0].m.sample[i].label, "Odd`label");
    CU_ASSERT_EQUAL(r.instances[0].m.node_count, 4);
    CU_ASSERT_EQUAL(r.instances[1].m.node_count, 0); /* the URI is left to live measuring */
    const bv_unchecked *u = bv_result_find_unchecked(&r, 0, BV_CHECK_SCHEMA);
    CU_ASSERT_PTR_NOT_NULL_FATAL(u);
    CU_ASSERT_EQUAL(u->exit_class, 0);
    CU_ASSERT_STRING_EQUAL(u->reason, "not in the snapshot (it holds: counts, sample)");
    CU_ASSERT_PTR_NULL(bv_result_find_unchecked(&r, 0, BV_CHECK_COUNTS));
    CU_ASSERT_PTR_NULL(bv_result_find_unchecked(&r, 0, BV_CHECK_FULL)); /* not asked */
    CU_ASSERT_PTR_EQUAL(bv_snapshot_sample_source(&o, &r), &r.instances[0].m);
    bv_result_free(&r);
    bv_options_free(&o);

    /* a live baseline, a snapshot target: the target's keys are the ones to probe */
    parse_opts(&o, "bolt://localhost:7687", after, "default");
    o.quiet = 1;
    CU_ASSERT_EQUAL_FATAL(bv_result_init(&r, 2), 0);
    CU_ASSERT_EQUAL(bv_snapshot_load_instances(&o, &r, err, sizeof err), 1);
    CU_ASSERT_PTR_EQUAL(bv_snapshot_sample_source(&o, &r), &r.instances[1].m);
    bv_result_free(&r);
    bv_options_free(&o);

    /* snapshot against snapshot: only the keys both sampled stay */
    parse_opts(&o, before, after, "counts,sample");
    CU_ASSERT_EQUAL_FATAL(bv_result_init(&r, 2), 0);
    o.quiet = 1;
    CU_ASSERT_EQUAL(bv_snapshot_load_instances(&o, &r, err, sizeof err), 2);
    CU_ASSERT_EQUAL(r.instances[0].m.sample_count, nodes - 1);
    CU_ASSERT_EQUAL(r.instances[1].m.sample_count, nodes - 1);
    for (size_t i = 0; i < r.instances[1].m.sample_count; i++)
        CU_ASSERT_STRING_NOT_EQUAL(r.instances[1].m.sample[i].key_text, "1000");
    CU_ASSERT_EQUAL(bv_result_finish(&r, o.checks, 0), 0);
    CU_ASSERT_EQUAL(r.totals[BV_SEV_DRIFT], 0);
    bv_result_free(&r);
    bv_options_free(&o);

    /* a path that does not exist, and a file that is not a snapshot: exit 2 material */
    snprintf(junk, sizeof junk, "%s/nope.snap", tmpdir);
    parse_opts(&o, junk, "bolt://localhost:7687", "default");
    CU_ASSERT_EQUAL_FATAL(bv_result_init(&r, 2), 0);
    CU_ASSERT_EQUAL(bv_snapshot_load_instances(&o, &r, err, sizeof err), BOLT_E_INVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "instance 0 (baseline)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "neither a URI"));
    bv_result_free(&r);
    bv_options_free(&o);
    FILE *f = fopen(junk, "w");
    fputs("{\"format\": \"boltdiff-graph/1\"}\n", f);
    fclose(f);
    parse_opts(&o, "bolt://localhost:7687", junk, "default");
    CU_ASSERT_EQUAL_FATAL(bv_result_init(&r, 2), 0);
    CU_ASSERT_EQUAL(bv_snapshot_load_instances(&o, &r, err, sizeof err), BOLT_E_SNAPSHOT);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "instance 1 (target)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "not a boltdiff snapshot"));
    CU_ASSERT(one_line(err));
    bv_result_free(&r);
    bv_options_free(&o);
    rm_dir(tmpdir);
}

/* ---- sampled keys rebuilt as values ---------------------------------------------------------- */

static bolt_value st(bolt_value *f, bolt_type type, uint8_t tag, uint32_t n)
{
    bolt_value v = {0};
    v.type = (uint8_t)type;
    v.tag = tag;
    v.len = n;
    v.u.items = f;
    return v;
}

/* The node a live sample would have made for key v. */
static void key_node(const bolt_value *v, bv_sample_node *n, char *text, size_t len)
{
    bv_canon c = {NULL, 0};
    memset(n, 0, sizeof *n);
    n->label = "L";
    n->key_prop = "k";
    CU_ASSERT_FATAL(bv_canon_format(&c, v, text, len) < len);
    n->key_text = text;
    CU_ASSERT_EQUAL_FATAL(bv_canon_hash128(&c, v, &n->key_hash, NULL), 0);
}

static void test_key_values(void)
{
    static const uint8_t bytes[] = {0x00, 0xff, 0x10};
    bolt_value list_items[3], inner[1] = {bolt_int(2)};
    list_items[0] = bolt_int(1);
    list_items[1] = bolt_string("a, b]");
    list_items[2] = bolt_list(inner, 1);
    bolt_value f[24][4];
    int i = 0;
    bolt_value keys[] = {
        bolt_bool(1),
        bolt_bool(0),
        bolt_int(0),
        bolt_int(-17),
        bolt_int(INT64_MIN),
        bolt_int(INT64_MAX),
        bolt_float(1.5),
        bolt_float(-0.0),
        bolt_float(NAN),
        bolt_float(INFINITY),
        bolt_float(-INFINITY),
        bolt_float(1e300),
        bolt_float(5e-324),
        bolt_float(0.1),
        bolt_string(""),
        bolt_string("SKU-00007"),
        bolt_string("a\"b\\c\n\t\r\x01\x7f"),
        bolt_string("Grüße 東京"),
        bolt_stringn("\xff\xfe", 2), /* not UTF-8: rendered \xNN */
        bolt_bytesv(bytes, 0),
        bolt_bytesv(bytes, 3),
        bolt_list(NULL, 0),
        bolt_list(list_items, 3),
        (f[i][0] = bolt_int(18428), st(f[i++], BOLT_T_DATE, 'D', 1)),
        (f[i][0] = bolt_int(-719529), st(f[i++], BOLT_T_DATE, 'D', 1)), /* year -1 */
        (f[i][0] = bolt_int(2932897), st(f[i++], BOLT_T_DATE, 'D', 1)), /* year 10000 */
        (f[i][0] = bolt_int(0), st(f[i++], BOLT_T_LOCAL_TIME, 't', 1)),
        (f[i][0] = bolt_int(45296123000000), st(f[i++], BOLT_T_LOCAL_TIME, 't', 1)),
        (f[i][0] = bolt_int(45296000123456), st(f[i++], BOLT_T_LOCAL_TIME, 't', 1)),
        (f[i][0] = bolt_int(86399999999999), st(f[i++], BOLT_T_LOCAL_TIME, 't', 1)),
        (f[i][0] = bolt_int(45296000000001), f[i][1] = bolt_int(7200),
         st(f[i++], BOLT_T_TIME, 'T', 2)),
        (f[i][0] = bolt_int(0), f[i][1] = bolt_int(-3661), st(f[i++], BOLT_T_TIME, 'T', 2)),
        (f[i][0] = bolt_int(1), f[i][1] = bolt_int(0), st(f[i++], BOLT_T_TIME, 'T', 2)),
        (f[i][0] = bolt_int(1592231400), f[i][1] = bolt_int(123),
         st(f[i++], BOLT_T_LOCAL_DATETIME, 'd', 2)),
        (f[i][0] = bolt_int(-1), f[i][1] = bolt_int(0), st(f[i++], BOLT_T_LOCAL_DATETIME, 'd', 2)),
        (f[i][0] = bolt_int(14), f[i][1] = bolt_int(3), f[i][2] = bolt_int(14706),
         f[i][3] = bolt_int(7), st(f[i++], BOLT_T_DURATION, 'E', 4)),
        (f[i][0] = bolt_int(0), f[i][1] = bolt_int(0), f[i][2] = bolt_int(-2),
         f[i][3] = bolt_int(500000000), st(f[i++], BOLT_T_DURATION, 'E', 4)),
        (f[i][0] = bolt_int(0), f[i][1] = bolt_int(0), f[i][2] = bolt_int(0), f[i][3] = bolt_int(0),
         st(f[i++], BOLT_T_DURATION, 'E', 4)),
        (f[i][0] = bolt_int(-14), f[i][1] = bolt_int(-3), f[i][2] = bolt_int(-3600),
         f[i][3] = bolt_int(0), st(f[i++], BOLT_T_DURATION, 'E', 4)),
        (f[i][0] = bolt_int(7203), f[i][1] = bolt_float(1.0), f[i][2] = bolt_float(-2.5),
         st(f[i++], BOLT_T_POINT2D, 'X', 3)),
        (f[i][0] = bolt_int(4979), f[i][1] = bolt_float(13.4), f[i][2] = bolt_float(52.52),
         f[i][3] = bolt_float(-0.0), st(f[i++], BOLT_T_POINT3D, 'Y', 4)),
    };
    CU_ASSERT_FATAL(i <= 24);
    bolt_arena a;
    bolt_arena_init(&a, 256, 0);
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        bv_sample_node n;
        char text[256];
        key_node(&keys[k], &n, text, sizeof text);
        bolt_value back;
        int rc = bv_snapshot_key_value(&n, &a, &back);
        if (rc != 0) fprintf(stderr, "key %zu %s: %s\n", k, text, bolt_errname(rc));
        CU_ASSERT_EQUAL(rc, 0);
        /* NaN is one NaN for canon; its bits may differ */
        if (rc == 0 && !(keys[k].type == BOLT_T_FLOAT && keys[k].u.f != keys[k].u.f)) {
            if (!bolt_value_equal(&keys[k], &back))
                fprintf(stderr, "key %zu %s differs\n", k, text);
            CU_ASSERT(bolt_value_equal(&keys[k], &back));
        }
        bolt_arena_reset(&a);
    }
    /* refused: another hash, renderings that are no key, trailing text, a note entry */
    bv_sample_node n;
    char text[64];
    bolt_value v = bolt_int(17), back;
    key_node(&v, &n, text, sizeof text);
    n.key_hash.lo ^= 1;
    CU_ASSERT_EQUAL(bv_snapshot_key_value(&n, &a, &back), BOLT_E_UNSUPPORTED);
    const char *bad[] = {
        "",
        "null",
        "17 ",
        "017",
        "1.50",
        "\"open",
        "bytes(0)",
        "[1,2]",
        "[1, 2",
        "2021-10-31T02:30:00+01:00[Europe/Berlin]",
        "2020-06-15T14:30:00Z",
        "P",
        "PT1.5H",
        "point({srid: 1, x: 1, y: 2})",
        "{a: 1}",
        "99999999999999999999",
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        n.key_text = (char *)bad[k];
        int rc = bv_snapshot_key_value(&n, &a, &back);
        if (rc != BOLT_E_UNSUPPORTED) fprintf(stderr, "accepted key text %s\n", bad[k]);
        CU_ASSERT_EQUAL(rc, BOLT_E_UNSUPPORTED);
    }
    key_node(&v, &n, text, sizeof text);
    n.key_prop = NULL;
    CU_ASSERT_EQUAL(bv_snapshot_key_value(&n, &a, &back), BOLT_E_UNSUPPORTED);
    bolt_arena_free(&a);
}

/* A sampled node of m with key value v, as the live sample makes it. */
static void keyed_node(bv_measurement *m, const char *label, const char *prop, bolt_value v,
                       int missing)
{
    char text[128];
    bv_sample_node tmp;
    key_node(&v, &tmp, text, sizeof text);
    bv_sample_node *n = vf_node(m, label, prop, text, 1);
    n->key_hash = tmp.key_hash;
    n->missing = missing;
}

static void test_sample_key_lists(void)
{
    bv_measurement m;
    bv_measurement_init(&m);
    keyed_node(&m, "Product", "sku", bolt_string("SKU-2"), 0);
    keyed_node(&m, "Person", "uid", bolt_int(3), 0);
    keyed_node(&m, "Product", "sku", bolt_string("SKU-1"), 0);
    keyed_node(&m, "Person", "uid", bolt_int(1), 0);
    keyed_node(&m, "Person", "uid", bolt_int(1), 0);            /* a key that is not unique: once */
    keyed_node(&m, "Person", "uid", bolt_int(99), 1);           /* missing there: still looked up */
    vf_node(&m, "Tag", NULL, "no key", 0);                      /* a note: no key */
    bv_sample_node *odd = vf_node(&m, "Person", "uid", "7", 0); /* hash does not match */
    (void)odd;
    bv_sample_keys k;
    bv_sample_keys_init(&k);
    CU_ASSERT_EQUAL_FATAL(bv_snapshot_sample_keys(&m, &k), 0);
    CU_ASSERT_EQUAL_FATAL(k.len, 2);
    CU_ASSERT_STRING_EQUAL(k.lists[0].label, "Person");
    CU_ASSERT_STRING_EQUAL(k.lists[0].prop, "uid");
    CU_ASSERT_EQUAL_FATAL(k.lists[0].len, 3);
    int64_t seen = 0;
    for (size_t i = 0; i < 3; i++) {
        CU_ASSERT_EQUAL(k.lists[0].keys[i].type, BOLT_T_INT);
        seen += k.lists[0].keys[i].u.i;
    }
    CU_ASSERT_EQUAL(seen, 1 + 3 + 99);
    CU_ASSERT_STRING_EQUAL(k.lists[1].label, "Product");
    CU_ASSERT_EQUAL_FATAL(k.lists[1].len, 2);
    CU_ASSERT_EQUAL(k.lists[1].keys[0].type, BOLT_T_STRING);
    bv_sample_keys_free(&k);
    /* allocation failures leave nothing behind */
    failalloc_install();
    for (unsigned long n = 1;; n++) {
        bv_sample_keys_init(&k);
        failalloc_arm(n, 0);
        int rc = bv_snapshot_sample_keys(&m, &k);
        bv_sample_keys_free(&k);
        failalloc_arm(0, 0);
        if (rc == 0) break;
        CU_ASSERT_EQUAL(rc, BOLT_E_NOMEM);
        CU_ASSERT_EQUAL(failalloc_live(), 0);
        if (n > 10000) break;
    }
    failalloc_uninstall();
    bv_measurement_free(&m);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return CU_get_error();
    CU_pSuite s = CU_add_suite("snapshot", NULL, NULL);
    CU_add_test(s, "round trip of every field", test_round_trip_every_field);
    CU_add_test(s, "round trip of an empty measurement", test_round_trip_empty_measurement);
    CU_add_test(s, "count order does not change the bytes", test_count_order_does_not_change_bytes);
    CU_add_test(s, "encode refuses what cannot be read", test_encode_refuses_what_cannot_be_read);
    CU_add_test(s, "empty and foreign files", test_empty_and_foreign_files);
    CU_add_test(s, "wrong magic", test_wrong_magic_one_byte);
    CU_add_test(s, "truncated at every offset", test_truncated_at_every_offset);
    CU_add_test(s, "flipped bytes fail the checksum", test_flipped_bytes_fail_the_checksum);
    CU_add_test(s, "newer and invalid versions", test_newer_and_invalid_versions);
    CU_add_test(s, "trailing bytes", test_trailing_bytes);
    CU_add_test(s, "other canonical format", test_other_canonical_format);
    CU_add_test(s, "corrupt payloads", test_corrupt_payloads);
    CU_add_test(s, "out of bounds fields", test_out_of_bounds_fields);
    CU_add_test(s, "write and read a file", test_write_read_file);
    CU_add_test(s, "file errors name the path", test_file_errors_name_the_path);
    CU_add_test(s, "malloc failures", test_malloc_failures);
    CU_add_test(s, "snapshots as instances", test_instances);
    CU_add_test(s, "sampled keys rebuilt as values", test_key_values);
    CU_add_test(s, "sample key lists of a snapshot", test_sample_key_lists);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
