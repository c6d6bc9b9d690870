/* Hex helpers for golden vectors (hex.h). */
#include "hex.h"

#include <stdlib.h>
#include <string.h>

static int nibble(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static int is_sep(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ':' || c == '-';
}

long hex_decode(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;
    const char *s = hex;
    while (*s) {
        if (is_sep(*s)) {
            s++;
            continue;
        }
        int hi = nibble(s[0]);
        int lo = hi < 0 ? -1 : nibble(s[1]);
        if (lo < 0 || n >= cap) return -1;
        out[n++] = (uint8_t)(hi << 4 | lo);
        s += 2;
    }
    return (long)n;
}

uint8_t *hex_alloc(const char *hex, size_t *len)
{
    size_t cap = strlen(hex) / 2 + 1;
    uint8_t *p = malloc(cap);
    if (!p) return NULL;
    long n = hex_decode(hex, p, cap);
    if (n < 0) {
        free(p);
        return NULL;
    }
    if (len) *len = (size_t)n;
    return p;
}

char *hex_encode(const uint8_t *p, size_t n, char *out, size_t cap)
{
    static const char digits[] = "0123456789ABCDEF";
    size_t o = 0;
    if (cap == 0) return out;
    for (size_t i = 0; i < n && o + 2 < cap; i++) {
        if (i) {
            out[o++] = ' ';
            if (o + 2 >= cap) break;
        }
        out[o++] = digits[p[i] >> 4];
        out[o++] = digits[p[i] & 15];
    }
    out[o] = '\0';
    return out;
}

char *hex_string(const uint8_t *p, size_t n)
{
    size_t cap = n ? 3 * n : 1;
    char *s = malloc(cap);
    return s ? hex_encode(p, n, s, cap) : NULL;
}
