/* libFuzzer target for the PackStream decoder and encoder.
 *
 * Every input is decoded under several Bolt versions and flag sets. Whatever the bytes, the
 * decoder must return a code without crashing (the sanitizers check memory). When it accepts
 * the input, the tree must survive a round trip: encoding it succeeds, is never longer than
 * what was consumed (the encoder writes the smallest form), decodes again under the same rules
 * to an equal tree, and re-encodes to the same bytes. Any violation abort()s, which libFuzzer
 * and the corpus replay (ctest fuzz/replay_fuzz_packstream) both report. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bolt/error.h"
#include "bolt/packstream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const bolt_value *v, int rc)
{
    char text[512];
    bolt_value_format(v, text, sizeof text);
    fprintf(stderr, "fuzz_packstream: %s (%s): %s\n", what, bolt_errname(rc), text);
    abort();
}

static void round_trip(const bolt_decoder *d, const uint8_t *data, size_t size)
{
    bolt_value v;
    size_t used = 0;
    int rc = bolt_decode(d, data, size, &v, &used);
    if (rc != 0) {
        if (rc >= 0 || v.type != BOLT_T_NULL) fail("bad error result", &v, rc);
        return;
    }
    if (used == 0 || used > size) fail("consumed out of range", &v, rc);

    char text[256];
    size_t need = bolt_value_format(&v, text, sizeof text);
    if (strlen(text) != (need < sizeof text ? need : sizeof text - 1)) fail("format length", &v, 0);

    bolt_buf b1, b2;
    bolt_buf_init(&b1);
    bolt_buf_init(&b2);
    bolt_pack_value(&b1, &v);
    if (b1.err) fail("re-encoding failed", &v, b1.err);
    if (b1.len > used) fail("re-encoding longer than the input", &v, 0);

    bolt_value w;
    size_t used2 = 0;
    rc = bolt_decode(d, b1.data, b1.len, &w, &used2);
    if (rc != 0) fail("re-encoded bytes do not decode", &v, rc);
    if (used2 != b1.len) fail("re-encoded bytes not fully consumed", &v, 0);
    if (!bolt_value_equal(&v, &w)) fail("round trip changed the value", &v, 0);

    bolt_pack_value(&b2, &w);
    if (b2.err || b2.len != b1.len || memcmp(b1.data, b2.data, b1.len) != 0)
        fail("encoding is not stable", &v, b2.err);
    bolt_buf_free(&b1);
    bolt_buf_free(&b2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct {
        uint8_t major, minor, utc;
    } versions[] = {{1, 0, 0}, {3, 0, 0}, {4, 4, 1}, {5, 0, 0}, {6, 0, 0}};
    static const unsigned flag_sets[] = {0, BOLT_DECODE_RAW_STRUCTS,
                                         BOLT_DECODE_CHECK_UTF8 | BOLT_DECODE_RAW_STRUCTS};
    bolt_arena arena;
    bolt_arena_init(&arena, 1024, (size_t)64 << 20);
    for (size_t i = 0; i < sizeof versions / sizeof versions[0]; i++) {
        bolt_dialect dl;
        bolt_dialect_for(&dl, versions[i].major, versions[i].minor, versions[i].utc);
        for (size_t f = 0; f < sizeof flag_sets / sizeof flag_sets[0]; f++) {
            bolt_decoder d = {&dl, &arena, 0, flag_sets[f]};
            round_trip(&d, data, size);
            bolt_arena_reset(&arena);
        }
    }
    /* No dialect: every structure raw. A small depth limit reaches the TOO_DEEP paths. */
    bolt_decoder raw = {NULL, &arena, 0, BOLT_DECODE_RAW_STRUCTS};
    round_trip(&raw, data, size);
    bolt_arena_reset(&arena);
    bolt_decoder shallow = {NULL, &arena, 3, BOLT_DECODE_RAW_STRUCTS};
    round_trip(&shallow, data, size);
    bolt_arena_free(&arena);

    uint8_t fields, tag;
    size_t used;
    if (bolt_decode_struct_header(data, size, &fields, &tag, &used) == 0 &&
        (used != 2 || fields > 15))
        abort();
    return 0;
}
