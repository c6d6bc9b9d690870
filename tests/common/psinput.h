/* tests/common/psinput.h - the decoding fixture of the PackStream tests (test_packstream*.c):
 * one arena for the decoded values and an exact-size heap copy of the input, so that ASan
 * reports any read past the end of what a test gave the decoder.
 *
 * The input copy uses the C library's malloc (never bolt_malloc), so it does not disturb the
 * allocation counts of failalloc.h; the arena allocates through bolt_malloc like the decoder's
 * real callers. One fixture per test program (globals): setup calls psinput_init, teardown
 * psinput_free. */
#ifndef BOLTDIFF_TEST_PSINPUT_H
#define BOLTDIFF_TEST_PSINPUT_H

#include <stddef.h>
#include <stdint.h>

#include "bolt/packstream.h"

extern bolt_arena ps_arena;
extern uint8_t *ps_input; /* owned by the fixture, exactly ps_input_len bytes (1 when empty) */
extern size_t ps_input_len;

void psinput_init(size_t first_block_size);
void psinput_free(void);

/* Replaces the input with a copy of p[0..n). Returns ps_input. */
const uint8_t *ps_set_input(const uint8_t *p, size_t n);

/* Decodes the input under Bolt major.minor (no UTC patch) into ps_arena: bolt_decode's result. */
int ps_decode_input(unsigned major, unsigned minor, unsigned flags, bolt_value *out,
                    size_t *consumed);

#endif
