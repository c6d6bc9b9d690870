/* The PackStream tests' decoding fixture (psinput.h). */
#include "psinput.h"

#include <stdlib.h>
#include <string.h>

bolt_arena ps_arena;
uint8_t *ps_input;
size_t ps_input_len;

void psinput_init(size_t first_block_size)
{
    bolt_arena_init(&ps_arena, first_block_size, 0);
}

void psinput_free(void)
{
    bolt_arena_free(&ps_arena);
    free(ps_input);
    ps_input = NULL;
    ps_input_len = 0;
}

const uint8_t *ps_set_input(const uint8_t *p, size_t n)
{
    free(ps_input);
    ps_input = malloc(n ? n : 1);
    if (n) memcpy(ps_input, p, n);
    ps_input_len = n;
    return ps_input;
}

int ps_decode_input(unsigned major, unsigned minor, unsigned flags, bolt_value *out,
                    size_t *consumed)
{
    bolt_dialect dl;
    bolt_dialect_for(&dl, major, minor, 0);
    bolt_decoder d = {&dl, &ps_arena, 0, flags};
    return bolt_decode(&d, ps_input, ps_input_len, out, consumed);
}
