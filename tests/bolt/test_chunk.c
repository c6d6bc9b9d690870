/* Tests of bolt/chunk.c: the dechunker (split invariance over every capture stream, NOOPs,
 * zero copy, limits, bounded memory, allocation failures) and the chunk writer. */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bolt/chunk.h"
#include "bolt/error.h"
#include "bolt/packstream.h"
#include "captures.h"

/* CU_FAIL() records only its literal text: print the formatted reason as well. */
#define FAIL_MSG(s)                                                                                \
    do {                                                                                           \
        printf("\n    FAIL: %s\n", (s));                                                           \
        CU_FAIL("see the line above");                                                             \
    } while (0)

/* ---- helpers ------------------------------------------------------------------------------ */

/* Messages collected from a dechunker: payloads back to back, with their lengths. */
typedef struct msglist {
    uint8_t *data;
    size_t len, cap;
    size_t *lens;
    size_t count, lcap;
} msglist;

static void ml_add(msglist *l, const uint8_t *p, size_t n)
{
    if (l->len + n > l->cap) {
        l->cap = (l->len + n) * 2 + 64;
        l->data = realloc(l->data, l->cap);
    }
    if (l->count == l->lcap) {
        l->lcap = l->lcap ? l->lcap * 2 : 64;
        l->lens = realloc(l->lens, l->lcap * sizeof *l->lens);
    }
    memcpy(l->data + l->len, p, n);
    l->len += n;
    l->lens[l->count++] = n;
}

static void ml_free(msglist *l)
{
    free(l->data);
    free(l->lens);
    memset(l, 0, sizeof *l);
}

static int ml_equal(const msglist *a, const msglist *b)
{
    return a->count == b->count && a->len == b->len &&
           (a->count == 0 || memcmp(a->lens, b->lens, a->count * sizeof *a->lens) == 0) &&
           (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

static uint64_t rng_state;
static uint32_t rng(void)
{
    /* xorshift64*: deterministic, so a failure reproduces. */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 2685821657736338717ULL) >> 32);
}

enum split_mode { SPLIT_WHOLE, SPLIT_BYTES, SPLIT_RANDOM, SPLIT_RANDOM_ZEROCOPY };

static int drain(bolt_dechunker *d, msglist *out)
{
    const uint8_t *m;
    size_t n;
    int rc;
    while ((rc = bolt_dechunker_next(d, &m, &n)) == 1)
        ml_add(out, m, n);
    return rc;
}

/* Feeds stream[0..len) in pieces chosen by mode; returns the last bolt_dechunker_next() code. */
static int dechunk(const uint8_t *stream, size_t len, enum split_mode mode, msglist *out,
                   uint64_t *noops)
{
    bolt_dechunker d;
    bolt_dechunker_init(&d, 0);
    int rc = 0;
    size_t off = 0;
    while (off < len && rc >= 0) {
        size_t n = len - off;
        if (mode == SPLIT_BYTES) n = 1;
        if (mode == SPLIT_RANDOM || mode == SPLIT_RANDOM_ZEROCOPY) {
            size_t r = rng() % 64 == 0 ? rng() % 70000 : rng() % 40;
            n = r + 1 < n ? r + 1 : n;
        }
        if (mode == SPLIT_RANDOM_ZEROCOPY) {
            uint8_t *p;
            size_t avail;
            rc = bolt_dechunker_buffer(&d, 1 + rng() % 100, &p, &avail);
            if (rc < 0) break;
            if (n > avail) n = avail;
            memcpy(p, stream + off, n);
            bolt_dechunker_commit(&d, n);
        } else {
            rc = bolt_dechunker_feed(&d, stream + off, n);
            if (rc < 0) break;
        }
        off += n;
        rc = drain(&d, out);
    }
    if (rc >= 0 && bolt_dechunker_pending(&d) != 0) rc = -1000; /* a message left half done */
    if (noops) *noops = d.noops;
    bolt_dechunker_free(&d);
    return rc;
}

static void put16(uint8_t *p, size_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* ---- dechunker ---------------------------------------------------------------------------- */

static void test_single_chunk_zero_copy(void)
{
    static const uint8_t in[] = {0x00, 0x03, 0xB0, 0x7E, 0x01, 0x00, 0x00};
    bolt_dechunker d;
    bolt_dechunker_init(&d, 0);
    CU_ASSERT_EQUAL(bolt_dechunker_feed(&d, in, sizeof in), 0);
    const uint8_t *m;
    size_t n;
    CU_ASSERT_EQUAL(bolt_dechunker_next(&d, &m, &n), 1);
    CU_ASSERT_EQUAL(n, 3);
    /* Handed out where it lies in the input buffer, right after its chunk header. */
    CU_ASSERT_PTR_EQUAL(m, d.buf + 2);
    CU_ASSERT_EQUAL(memcmp(m, in + 2, 3), 0);
    CU_ASSERT_EQUAL(bolt_dechunker_next(&d, &m, &n), 0);
    CU_ASSERT_EQUAL(d.messages, 1);
    CU_ASSERT_EQUAL(d.noops, 0);
    bolt_dechunker_free(&d);
}

static void test_multi_chunk_compacted(void)
{
    static const uint8_t in[] = {0x00, 0x02, 0xAA, 0xBB, 0x00, 0x01, 0xCC,
                                 0x00, 0x03, 0xDD, 0xEE, 0xFF, 0x00, 0x00};
    static const uint8_t want[] = {0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF};
    bolt_dechunker d;
    bolt_dechunker_init(&d, 0);
    CU_ASSERT_EQUAL(bolt_dechunker_feed(&d, in, sizeof in), 0);
    const uint8_t *m;
    size_t n;
    CU_ASSERT_EQUAL(bolt_dechunker_next(&d, &m, &n), 1);
    CU_ASSERT_EQUAL(n, sizeof want);
    CU_ASSERT_EQUAL(memcmp(m, want, sizeof want), 0);
    /* Compacted in the receive buffer itself (no second buffer). */
    CU_ASSERT_TRUE(m >= d.buf && m + n <= d.buf + d.cap);
    bolt_dechunker_free(&d);
}

static void test_noops_ignored_and_counted(void)
{
    /* NOOP, message, NOOP, NOOP, message, NOOP */
    static const uint8_t in[] = {0x00, 0x00, 0x00, 0x02, 0xB0, 0x7E, 0x00, 0x00, 0x00, 0x00,
                                 0x00, 0x00, 0x00, 0x01, 0x42, 0x00, 0x00, 0x00, 0x00};
    for (int mode = SPLIT_WHOLE; mode <= SPLIT_BYTES; mode++) {
        msglist l = {0};
        uint64_t noops = 0;
        CU_ASSERT_EQUAL(dechunk(in, sizeof in, (enum split_mode)mode, &l, &noops), 0);
        CU_ASSERT_EQUAL(l.count, 2);
        CU_ASSERT_EQUAL(noops, 4);
        if (l.count == 2) {
            CU_ASSERT_EQUAL(l.lens[0], 2);
            CU_ASSERT_EQUAL(l.lens[1], 1);
            CU_ASSERT_EQUAL(l.data[2], 0x42);
        }
        ml_free(&l);
    }
}

static void test_pending(void)
{
    static const uint8_t in[] = {0x00, 0x02, 0xB0, 0x7E, 0x00, 0x00, 0x00};
    bolt_dechunker d;
    bolt_dechunker_init(&d, 0);
    const uint8_t *m;
    size_t n;
    CU_ASSERT_EQUAL(bolt_dechunker_pending(&d), 0);
    bolt_dechunker_feed(&d, in, 1); /* half a header */
    CU_ASSERT_EQUAL(bolt_dechunker_next(&d, &m, &n), 0);
    CU_ASSERT_EQUAL(bolt_dechunker_pending(&d), 1);
    bolt_dechunker_feed(&d, in + 1, 1); /* a whole header, no payload yet */
    CU_ASSERT_EQUAL(bolt_dechunker_next(&d, &m, &n), 0);
    CU_ASSERT_EQUAL(bolt_dechunker_pending(&d), 2);
    bolt_dechunker_feed(&d, in + 2, 3); /* payload and half the end marker */
    CU_ASSERT_EQUAL(bolt_dechunker_next(&d, &m, &n), 0);
    CU_ASSERT_EQUAL(bolt_dechunker_pending(&d), 5);
    bolt_dechunker_feed(&d, in + 5, 1);
    CU_ASSERT_EQUAL(bolt_dechunker_next(&d, &m, &n), 1);
    CU_ASSERT_EQUAL(bolt_dechunker_pending(&d), 0);
    bolt_dechunker_feed(&d, in + 6, 1); /* first byte of a following header */
    CU_ASSERT_EQUAL(bolt_dechunker_next(&d, &m, &n), 0);
    CU_ASSERT_EQUAL(bolt_dechunker_pending(&d), 1);
    bolt_dechunker_free(&d);
}

static void test_too_big_is_sticky(void)
{
    bolt_dechunker d;
    const uint8_t *m;
    size_t n;
    uint8_t in[64] = {0};

    /* Exactly max_message passes. */
    bolt_dechunker_init(&d, 10);
    put16(in, 10);
    memset(in + 2, 0x55, 10);
    put16(in + 12, 0);
    CU_ASSERT_EQUAL(bolt_dechunker_feed(&d, in, 14), 0);
    CU_ASSERT_EQUAL(bolt_dechunker_next(&d, &m, &n), 1);
    CU_ASSERT_EQUAL(n, 10);
    bolt_dechunker_free(&d);

    /* One chunk over the limit: refused as soon as its header is read. */
    bolt_dechunker_init(&d, 10);
    put16(in, 11);
    CU_ASSERT_EQUAL(bolt_dechunker_feed(&d, in, 2), 0);
    CU_ASSERT_EQUAL(bolt_dechunker_next(&d, &m, &n), BOLT_E_MSG_TOO_BIG);
    CU_ASSERT_EQUAL(bolt_dechunker_next(&d, &m, &n), BOLT_E_MSG_TOO_BIG);
    CU_ASSERT_EQUAL(bolt_dechunker_feed(&d, in, 2), BOLT_E_MSG_TOO_BIG);
    bolt_dechunker_free(&d);

    /* Two chunks that only together exceed it. */
    bolt_dechunker_init(&d, 10);
    put16(in, 6);
    put16(in + 8, 5);
    CU_ASSERT_EQUAL(bolt_dechunker_feed(&d, in, 10), 0);
    CU_ASSERT_EQUAL(bolt_dechunker_next(&d, &m, &n), BOLT_E_MSG_TOO_BIG);
    bolt_dechunker_free(&d);
}

/* Every capture's server stream: whole, one byte at a time, random splits and random zero-copy
 * reads all give the same messages, and those are exactly the capture's messages. */
static void test_capture_streams_any_split(void)
{
    char err[512];
    char **paths;
    size_t np;
    CU_ASSERT_FATAL(capture_list(capture_dir(), &paths, &np, err, sizeof err) == 0);
    CU_ASSERT(np >= 57);
    size_t streams = 0, messages = 0;
    rng_state = 0x9E3779B97F4A7C15ULL;
    for (size_t f = 0; f < np; f++) {
        capture c;
        if (capture_load(paths[f], &c, err, sizeof err) != 0) {
            FAIL_MSG(err);
            continue;
        }
        for (int dir = 0; dir <= 1; dir++) {
            uint8_t *s;
            size_t len;
            CU_ASSERT_FATAL(capture_stream(&c, dir, &s, &len) == 0);
            msglist expect = {0};
            for (size_t i = 0; i < c.count; i++) {
                const cap_exchange *x = &c.ex[i];
                if (x->from_server != dir || x->kind != CAP_MESSAGE) continue;
                /* Each exchange is one framed message: strip headers by hand. */
                uint8_t *payload = malloc(x->len);
                size_t pl = 0, off = 0;
                while (off + 2 <= x->len) {
                    size_t cl = (size_t)x->bytes[off] << 8 | x->bytes[off + 1];
                    off += 2;
                    if (cl == 0) break;
                    memcpy(payload + pl, x->bytes + off, cl);
                    pl += cl;
                    off += cl;
                }
                CU_ASSERT_EQUAL(off, x->len);
                ml_add(&expect, payload, pl);
                free(payload);
            }
            for (int mode = SPLIT_WHOLE; mode <= SPLIT_RANDOM_ZEROCOPY; mode++) {
                msglist got = {0};
                int rc = dechunk(s, len, (enum split_mode)mode, &got, NULL);
                CU_ASSERT_EQUAL(rc, 0);
                if (!ml_equal(&expect, &got)) {
                    snprintf(err, sizeof err, "%s %s split mode %d: messages differ", c.file,
                             dir ? "server" : "client", mode);
                    FAIL_MSG(err);
                }
                ml_free(&got);
            }
            streams++;
            messages += expect.count;
            ml_free(&expect);
            free(s);
        }
        capture_free(&c);
    }
    printf("\n    %zu capture streams, %zu messages, 4 split modes each ", streams, messages);
    CU_ASSERT(messages > 700);
    capture_list_free(paths, np);
}

/* Memory does not grow with the stream: a long stream of small messages and one of large
 * multi-chunk messages both settle on a small buffer. */
static void test_memory_bounded(void)
{
    bolt_buf stream;
    bolt_buf_init(&stream);
    uint8_t body[700];
    for (size_t i = 0; i < sizeof body; i++)
        body[i] = (uint8_t)i;
    size_t count = 0;
    while (stream.len < 8u * 1024 * 1024) {
        bolt_frame_message(&stream, body, 1 + count % sizeof body, 0);
        if (count % 7 == 0) bolt_frame_message(&stream, NULL, 0, 0); /* a NOOP */
        count++;
    }
    CU_ASSERT_FATAL(stream.err == 0);

    bolt_dechunker d;
    bolt_dechunker_init(&d, 0);
    size_t off = 0, seen = 0;
    while (off < stream.len) {
        uint8_t *p;
        size_t avail;
        CU_ASSERT_FATAL(bolt_dechunker_buffer(&d, 4096, &p, &avail) == 0);
        size_t n = stream.len - off < 4096 ? stream.len - off : 4096;
        memcpy(p, stream.data + off, n);
        bolt_dechunker_commit(&d, n);
        off += n;
        const uint8_t *m;
        size_t ml;
        while (bolt_dechunker_next(&d, &m, &ml) == 1) {
            CU_ASSERT_EQUAL(ml, 1 + seen % sizeof body);
            CU_ASSERT_EQUAL(memcmp(m, body, ml), 0);
            seen++;
        }
    }
    CU_ASSERT_EQUAL(seen, count);
    CU_ASSERT(d.cap <= 16384);
    bolt_dechunker_free(&d);

    /* 40 messages of 200,000 bytes in 16,381-byte chunks, read 1,000 bytes at a time. */
    bolt_buf_reset(&stream);
    size_t big = 200000;
    uint8_t *bb = malloc(big);
    for (size_t i = 0; i < big; i++)
        bb[i] = (uint8_t)(i * 7);
    for (int i = 0; i < 40; i++)
        bolt_frame_message(&stream, bb, big, 16381);
    bolt_dechunker_init(&d, 0);
    seen = 0;
    for (off = 0; off < stream.len;) {
        size_t n = stream.len - off < 1000 ? stream.len - off : 1000;
        CU_ASSERT_FATAL(bolt_dechunker_feed(&d, stream.data + off, n) == 0);
        off += n;
        const uint8_t *m;
        size_t ml;
        while (bolt_dechunker_next(&d, &m, &ml) == 1) {
            CU_ASSERT_EQUAL(ml, big);
            CU_ASSERT_EQUAL(memcmp(m, bb, big), 0);
            seen++;
        }
    }
    CU_ASSERT_EQUAL(seen, 40);
    CU_ASSERT(d.cap <= 4 * big);
    bolt_dechunker_free(&d);
    free(bb);
    bolt_buf_free(&stream);
}

static void test_commit_clamped(void)
{
    bolt_dechunker d;
    bolt_dechunker_init(&d, 0);
    uint8_t *p;
    size_t avail;
    CU_ASSERT_EQUAL(bolt_dechunker_buffer(&d, 0, &p, &avail), 0);
    CU_ASSERT(avail >= 4096);
    bolt_dechunker_commit(&d, avail + 100);
    CU_ASSERT_EQUAL(d.len, d.cap);
    bolt_dechunker_free(&d);
}

/* Allocation failures: feed() reports BOLT_E_NOMEM, keeps what it had, and works again once
 * memory is back. */
static int fail_allocs;
static void *fail_malloc(size_t n, void *ud)
{
    (void)ud;
    return fail_allocs ? NULL : malloc(n);
}
static void *fail_realloc(void *p, size_t n, void *ud)
{
    (void)ud;
    return fail_allocs ? NULL : realloc(p, n);
}
static void fail_free(void *p, void *ud)
{
    (void)ud;
    free(p);
}

static void test_nomem(void)
{
    bolt_allocator a = {fail_malloc, fail_realloc, fail_free, NULL};
    bolt_set_allocator(&a);
    bolt_dechunker d;
    bolt_dechunker_init(&d, 0);
    static const uint8_t msg[] = {0x00, 0x02, 0xB0, 0x7E, 0x00, 0x00};
    fail_allocs = 1;
    CU_ASSERT_EQUAL(bolt_dechunker_feed(&d, msg, sizeof msg), BOLT_E_NOMEM);
    uint8_t *p;
    size_t avail;
    CU_ASSERT_EQUAL(bolt_dechunker_buffer(&d, 10, &p, &avail), BOLT_E_NOMEM);
    CU_ASSERT_PTR_NULL(p);
    fail_allocs = 0;
    CU_ASSERT_EQUAL(bolt_dechunker_feed(&d, msg, 3), 0);
    /* Growing past the first block fails: the 3 bytes already in are kept. */
    fail_allocs = 1;
    uint8_t big[8192] = {0};
    CU_ASSERT_EQUAL(bolt_dechunker_feed(&d, big, sizeof big), BOLT_E_NOMEM);
    fail_allocs = 0;
    CU_ASSERT_EQUAL(bolt_dechunker_feed(&d, msg + 3, 3), 0);
    const uint8_t *m;
    size_t n;
    CU_ASSERT_EQUAL(bolt_dechunker_next(&d, &m, &n), 1);
    CU_ASSERT_EQUAL(n, 2);
    bolt_dechunker_free(&d);
    bolt_set_allocator(NULL);
}

/* ---- writer ------------------------------------------------------------------------------- */

static void test_frame_message_bytes(void)
{
    bolt_buf b;
    bolt_buf_init(&b);
    static const uint8_t reset[] = {0xB0, 0x0F};
    bolt_frame_message(&b, reset, 2, 0);
    static const uint8_t want_reset[] = {0x00, 0x02, 0xB0, 0x0F, 0x00, 0x00};
    CU_ASSERT_EQUAL(b.len, sizeof want_reset);
    CU_ASSERT_EQUAL(memcmp(b.data, want_reset, sizeof want_reset), 0);

    /* The 20-byte example of bolt-reference 2, split 16 + 4. */
    bolt_buf_reset(&b);
    uint8_t msg[20];
    for (int i = 0; i < 20; i++)
        msg[i] = (uint8_t)(0xA0 + i);
    bolt_frame_message(&b, msg, 20, 16);
    CU_ASSERT_EQUAL(b.len, 2 + 16 + 2 + 4 + 2);
    CU_ASSERT(b.data[0] == 0x00 && b.data[1] == 0x10);
    CU_ASSERT_EQUAL(memcmp(b.data + 2, msg, 16), 0);
    CU_ASSERT(b.data[18] == 0x00 && b.data[19] == 0x04);
    CU_ASSERT_EQUAL(memcmp(b.data + 20, msg + 16, 4), 0);
    CU_ASSERT(b.data[24] == 0x00 && b.data[25] == 0x00);

    /* Empty message = a lone NOOP. */
    bolt_buf_reset(&b);
    bolt_frame_message(&b, NULL, 0, 0);
    CU_ASSERT(b.len == 2 && b.data[0] == 0 && b.data[1] == 0);

    /* max_chunk 0 and anything above 65535 mean 65535. */
    uint8_t *m = malloc(65536);
    memset(m, 0x11, 65536);
    for (size_t mc = 0; mc <= 70000; mc += 70000) {
        bolt_buf_reset(&b);
        bolt_frame_message(&b, m, 65535, mc);
        CU_ASSERT_EQUAL(b.len, 65535 + 4);
        CU_ASSERT(b.data[0] == 0xFF && b.data[1] == 0xFF);
        bolt_buf_reset(&b);
        bolt_frame_message(&b, m, 65536, mc);
        CU_ASSERT_EQUAL(b.len, 65536 + 6);
        CU_ASSERT(b.data[65537] == 0x00 && b.data[65538] == 0x01 && b.data[65539] == 0x11);
    }
    free(m);
    bolt_buf_free(&b);
}

/* bolt_frame_begin/end produce exactly what bolt_frame_message does, for every body size
 * around the chunk boundaries, and the dechunker reads back the body. */
static void test_frame_in_place_equals_copy(void)
{
    static const size_t chunks[] = {1, 2, 3, 7, 16381, 65535};
    uint8_t *body = malloc(3 * 65535 + 10);
    for (size_t i = 0; i < 3 * 65535 + 10; i++)
        body[i] = (uint8_t)(i * 31 + 7);
    bolt_buf a, b;
    bolt_buf_init(&a);
    bolt_buf_init(&b);
    for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
        size_t mc = chunks[c];
        size_t sizes[] = {1, 2, mc - 1, mc, mc + 1, 2 * mc, 2 * mc + 1, 3 * mc + 5};
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
            size_t n = sizes[s];
            if (n == 0) continue;
            bolt_buf_reset(&a);
            bolt_buf_reset(&b);
            bolt_buf_append(&a, "\x01\x02\x03", 3); /* framing starts mid-buffer */
            bolt_buf_append(&b, "\x01\x02\x03", 3);
            bolt_frame_message(&a, body, n, mc);
            size_t begin = bolt_frame_begin(&b);
            CU_ASSERT_EQUAL(begin, 3);
            bolt_buf_append(&b, body, n);
            bolt_frame_end(&b, begin, mc);
            CU_ASSERT_EQUAL(a.err, 0);
            CU_ASSERT_EQUAL(b.err, 0);
            CU_ASSERT_EQUAL(a.len, b.len);
            CU_ASSERT(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
            CU_ASSERT_EQUAL(a.len, 3 + n + 2 * ((n + mc - 1) / mc) + 2);

            msglist got = {0};
            CU_ASSERT_EQUAL(dechunk(b.data + 3, b.len - 3, SPLIT_WHOLE, &got, NULL), 0);
            CU_ASSERT(got.count == 1 && got.len == n && memcmp(got.data, body, n) == 0);
            ml_free(&got);
        }
    }
    /* Abort restores the buffer. */
    bolt_buf_reset(&b);
    bolt_buf_append(&b, "xy", 2);
    size_t begin = bolt_frame_begin(&b);
    bolt_buf_append(&b, body, 100);
    bolt_frame_abort(&b, begin);
    CU_ASSERT_EQUAL(b.len, 2);
    CU_ASSERT_EQUAL(b.err, 0);
    bolt_buf_free(&a);
    bolt_buf_free(&b);
    free(body);
}

/* Our writer with Neo4j's own chunk size reproduces, byte for byte, every message a real
 * 3.5.22 sent, including the multi-chunk ones of capture 81 (16,381-byte chunks). */
static void test_reframe_server_messages_like_neo4j(void)
{
    char err[512];
    char **paths;
    size_t np;
    CU_ASSERT_FATAL(capture_list(capture_dir(), &paths, &np, err, sizeof err) == 0);
    size_t checked = 0, multi = 0;
    bolt_buf b;
    bolt_buf_init(&b);
    for (size_t f = 0; f < np; f++) {
        capture c;
        if (capture_load(paths[f], &c, err, sizeof err) != 0) {
            FAIL_MSG(err);
            continue;
        }
        for (size_t i = 0; i < c.count; i++) {
            const cap_exchange *x = &c.ex[i];
            if (!x->from_server || x->kind != CAP_MESSAGE) continue;
            msglist got = {0};
            CU_ASSERT_EQUAL(dechunk(x->bytes, x->len, SPLIT_WHOLE, &got, NULL), 0);
            CU_ASSERT_EQUAL(got.count, 1);
            bolt_buf_reset(&b);
            bolt_frame_message(&b, got.data, got.len, 16381);
            if (b.len != x->len || memcmp(b.data, x->bytes, b.len) != 0) {
                snprintf(err, sizeof err, "%s exchange %zu: re-framed bytes differ", c.file, i);
                FAIL_MSG(err);
            }
            if (got.len > 16381) multi++;
            checked++;
            ml_free(&got);
        }
        capture_free(&c);
    }
    printf("\n    %zu server messages re-framed (%zu of them multi-chunk) ", checked, multi);
    CU_ASSERT(multi >= 2);
    bolt_buf_free(&b);
    capture_list_free(paths, np);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 1;
    CU_pSuite s = CU_add_suite("chunk", NULL, NULL);
    CU_add_test(s, "single chunk handed out without copy", test_single_chunk_zero_copy);
    CU_add_test(s, "multi-chunk message compacted", test_multi_chunk_compacted);
    CU_add_test(s, "NOOPs ignored and counted", test_noops_ignored_and_counted);
    CU_add_test(s, "pending bytes", test_pending);
    CU_add_test(s, "MSG_TOO_BIG, sticky", test_too_big_is_sticky);
    CU_add_test(s, "capture streams: any split, same messages", test_capture_streams_any_split);
    CU_add_test(s, "memory bounded over long streams", test_memory_bounded);
    CU_add_test(s, "commit clamped to the buffer", test_commit_clamped);
    CU_add_test(s, "allocation failures", test_nomem);
    CU_add_test(s, "frame_message bytes", test_frame_message_bytes);
    CU_add_test(s, "frame_begin/end equals frame_message", test_frame_in_place_equals_copy);
    CU_add_test(s, "re-framing reproduces Neo4j 3.5.22", test_reframe_server_messages_like_neo4j);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failures = CU_get_number_of_failures();
    CU_cleanup_registry();
    return failures ? 1 : 0;
}
