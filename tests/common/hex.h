/* tests/common/hex.h - hex text <-> bytes for golden vectors in tests.
 *
 * Input hex may contain spaces, tabs, newlines, ':' and '-' between byte pairs and either case
 * ("B3 4E 00", "b34e00", "B3:4E"), so vectors can be pasted from bolt-reference or captures.
 * These helpers use the C library's malloc directly (never bolt_malloc), so they do not disturb
 * the allocation counts of failalloc.h.
 */
#ifndef BOLTDIFF_TEST_HEX_H
#define BOLTDIFF_TEST_HEX_H

#include <stddef.h>
#include <stdint.h>

/* Decodes into out[0..cap). Returns the byte count, or -1 for a non-hex character, an odd
 * number of digits inside a pair, or more than cap bytes. */
long hex_decode(const char *hex, uint8_t *out, size_t cap);

/* Decodes into a new buffer (free() it) of exactly *len bytes (at least 1 allocated so the
 * pointer is never NULL on success). NULL on invalid hex. */
uint8_t *hex_alloc(const char *hex, size_t *len);

/* Writes p[0..n) as UPPERCASE hex pairs separated by spaces ("B3 4E 00"), the style of
 * bolt-reference, into out (always NUL-terminated when cap > 0, truncated if short).
 * Returns out. cap >= 3 * n is always enough. */
char *hex_encode(const uint8_t *p, size_t n, char *out, size_t cap);

/* Same, into a new malloc'ed string (free() it); NULL when out of memory. */
char *hex_string(const uint8_t *p, size_t n);

#endif
