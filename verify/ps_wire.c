/* PackStream values skipped in place (verify/ps_wire.h). */
#include "ps_wire.h"

/* End of the value at p, found by counting the items still owed (never recursive, so nesting
 * costs nothing); NULL when the bytes end first or hold a reserved marker. Whether the value is
 * valid is left to the pass that writes it. */
const uint8_t *bv_ps_skip_(const uint8_t *p, const uint8_t *end)
{
    uint64_t owed = 1;
    while (owed) {
        if (p >= end || owed > (uint64_t)(end - p)) return NULL;
        uint8_t m = *p++;
        owed--;
        if (m < 0x80 || m >= 0xF0) continue;
        uint64_t n;
        switch (m >> 4) {
        case 0x8:
            n = m & 0x0Fu;
            if ((uint64_t)(end - p) < n) return NULL;
            p += n;
            continue;
        case 0x9:
            owed += m & 0x0Fu;
            continue;
        case 0xA:
            owed += 2u * (m & 0x0Fu);
            continue;
        case 0xB:
            if (p >= end) return NULL;
            p++; /* tag */
            owed += m & 0x0Fu;
            continue;
        default:
            break;
        }
        switch (m) {
        case 0xC0:
        case 0xC2:
        case 0xC3:
            continue;
        case 0xC1:
        case 0xCB:
            n = 8;
            break;
        case 0xC8:
            n = 1;
            break;
        case 0xC9:
            n = 2;
            break;
        case 0xCA:
            n = 4;
            break;
        default: {
            unsigned w = size_width(m);
            if (!w) return NULL;
            int64_t sz = read_size(&p, end, w);
            if (sz < 0) return NULL;
            if (m >= 0xD8) {
                owed += 2u * (uint64_t)sz;
                continue;
            }
            if (m >= 0xD4) {
                owed += (uint64_t)sz;
                continue;
            }
            n = (uint64_t)sz;
            break;
        }
        }
        if ((uint64_t)(end - p) < n) return NULL;
        p += n;
    }
    return p;
}
