/* verify/ps_wire.h - reading PackStream values in place, without building a bolt_value tree:
 * the big-endian loads, sized markers and the readers of one integer, float or string that the
 * in-place canonical hasher (canon_scan.c) needs. Private to verify/. They follow the decoder's
 * rules (bolt/packstream_dec.c: sizes above 2^31-1 are invalid, every size is checked against
 * the bytes left) and never read past `end`; a reader that fails returns -1 (or NULL) and
 * advances nothing. */
#ifndef VERIFY_PS_WIRE_H
#define VERIFY_PS_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static inline uint32_t rd32(const uint8_t *p)
{
    uint32_t w;
    memcpy(&w, p, 4);
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    return __builtin_bswap32(w);
#else
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
#endif
}

static inline uint64_t rd64(const uint8_t *p)
{
    return (uint64_t)rd32(p) << 32 | rd32(p + 4);
}

/* Size of a sized item (string, bytes, list, map) whose marker is m at p[-1]: the low nibble or
 * 1/2/4 size bytes, advancing *pp past them. -1 when truncated or above 2^31-1 (the decoder's
 * BOLT_E_TOO_BIG). */
static inline int64_t read_size(const uint8_t **pp, const uint8_t *end, unsigned width)
{
    const uint8_t *p = *pp;
    if ((size_t)(end - p) < width) return -1;
    uint32_t n;
    switch (width) {
    case 1:
        n = p[0];
        break;
    case 2:
        n = rd16(p);
        break;
    default:
        n = rd32(p);
        if (n > 0x7FFFFFFFu) return -1;
        break;
    }
    *pp = p + width;
    return n;
}

/* Width of the size field of a sized marker (0: none or not sized). Tiny forms are handled by
 * the callers before this. */
static inline unsigned size_width(uint8_t m)
{
    switch (m) {
    case 0xCC:
    case 0xD0:
    case 0xD4:
    case 0xD8:
        return 1;
    case 0xCD:
    case 0xD1:
    case 0xD5:
    case 0xD9:
        return 2;
    case 0xCE:
    case 0xD2:
    case 0xD6:
    case 0xDA:
        return 4;
    default:
        return 0;
    }
}

/* A string at *pp: its bytes and length, advancing past it. 0, or -1 if it is not a string. */
static inline int read_string(const uint8_t **pp, const uint8_t *end, const uint8_t **s,
                              uint32_t *len)
{
    const uint8_t *p = *pp;
    if (p >= end) return -1;
    uint8_t m = *p++;
    int64_t n;
    if ((m & 0xF0u) == 0x80u) {
        n = m & 0x0Fu;
    } else if (m == 0xD0 || m == 0xD1 || m == 0xD2) {
        n = read_size(&p, end, size_width(m));
        if (n < 0) return -1;
    } else {
        return -1;
    }
    if ((uint64_t)(end - p) < (uint64_t)n) return -1;
    *s = p;
    *len = (uint32_t)n;
    *pp = p + n;
    return 0;
}

/* An integer marker at p: its value, advancing. 0, or -1 if it is not an integer. */
static inline int read_int(const uint8_t **pp, const uint8_t *end, int64_t *out)
{
    const uint8_t *p = *pp;
    if (p >= end) return -1;
    uint8_t m = *p++;
    size_t w;
    if (m < 0x80 || m >= 0xF0) {
        *out = (int8_t)m;
        *pp = p;
        return 0;
    }
    switch (m) {
    case 0xC8:
        w = 1;
        break;
    case 0xC9:
        w = 2;
        break;
    case 0xCA:
        w = 4;
        break;
    case 0xCB:
        w = 8;
        break;
    default:
        return -1;
    }
    if ((size_t)(end - p) < w) return -1;
    switch (w) {
    case 1:
        *out = (int8_t)p[0];
        break;
    case 2:
        *out = (int16_t)rd16(p);
        break;
    case 4:
        *out = (int32_t)rd32(p);
        break;
    default:
        *out = (int64_t)rd64(p);
        break;
    }
    *pp = p + w;
    return 0;
}

/* A Float marker at *pp: its bits, advancing. 0, or -1 if it is not a Float. */
static inline int read_float(const uint8_t **pp, const uint8_t *end, double *out)
{
    const uint8_t *p = *pp;
    if (end - p < 9 || p[0] != 0xC1) return -1;
    uint64_t bits = rd64(p + 1);
    memcpy(out, &bits, 8);
    *pp = p + 9;
    return 0;
}

/* End of the value at p (any type, nested or not), or NULL when the bytes end first or hold a
 * reserved marker. Whether the value is valid is left to whoever reads it. */
const uint8_t *bv_ps_skip_(const uint8_t *p, const uint8_t *end);

#endif
