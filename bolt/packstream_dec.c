/* PackStream v1 decoder (bolt-reference section 3) into arena-allocated bolt_value trees.
 *
 * Iterative, with an explicit stack of open containers: nesting costs 24 bytes of stack per
 * level instead of a C call frame, so a nesting bomb (a million 0x91 bytes) stops at max_depth
 * with BOLT_E_TOO_DEEP and can never overflow the thread's stack.
 *
 * Input is untrusted. Every size is checked against the bytes that remain BEFORE anything is
 * allocated: a list of N items needs at least N bytes (each item is at least one marker byte),
 * a map at least 2N. Strings and byte arrays are not copied: they point into the input.
 *
 * Bolt structures are classified (type, expected field count) when their header is read, so a
 * wrong field count fails before the fields are decoded, and validated field by field when the
 * last field is complete (packstream_struct.c). */
#include "bolt/packstream.h"

#include <string.h>

#include "bolt/error.h"
#include "packstream_int.h"

static inline uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static inline uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t rd64(const uint8_t *p)
{
    return (uint64_t)rd32(p) << 32 | rd32(p + 4);
}

/* Saved state of an enclosing container while a nested one is being filled. The innermost
 * open container is kept in locals (likely registers), so moving to the next slot touches no
 * memory; only entering and leaving a container does. */
typedef struct ps_frame {
    bolt_value *owner; /* the container */
    bolt_value *cur;   /* its next slot to fill */
    bolt_value *end;   /* one past its last slot */
} ps_frame;

/* Reads the size that follows a sized marker: width 0 means the size is in the low nibble. */
static inline int read_size(const uint8_t **pp, const uint8_t *end, uint8_t m, unsigned width,
                            uint32_t *n)
{
    const uint8_t *p = *pp;
    if ((size_t)(end - p) < width) return BOLT_E_TRUNCATED;
    switch (width) {
    case 0:
        *n = m & 0x0Fu;
        break;
    case 1:
        *n = p[0];
        break;
    case 2:
        *n = rd16(p);
        break;
    default:
        *n = rd32(p);
        break;
    }
    *pp = p + width;
    /* Drivers read u32 sizes as signed int32: anything larger can never be valid. */
    if (*n > PS_MAX_SIZE) return BOLT_E_TOO_BIG;
    return 0;
}

/* Marker byte -> how a string/bytes/list/map size follows it: 0 = tiny (nibble), 1/2/4 bytes. */
static inline unsigned size_width(uint8_t m)
{
    if (m < 0xC0) return 0;
    switch (m & 0x03u) {
    case 0:
        return 1;
    case 1:
        return 2;
    default:
        return 4;
    }
}

static inline int is_string_marker(uint8_t m)
{
    return (m & 0xF0u) == 0x80u || m == 0xD0 || m == 0xD1 || m == 0xD2;
}

#define FAIL(code)                                                                                 \
    do {                                                                                           \
        rc = (code);                                                                               \
        goto fail;                                                                                 \
    } while (0)
#define NEED(nbytes)                                                                               \
    do {                                                                                           \
        if ((size_t)(end - p) < (size_t)(nbytes)) FAIL(BOLT_E_TRUNCATED);                          \
    } while (0)

int bolt_decode(const bolt_decoder *d, const uint8_t *buf, size_t len, bolt_value *out,
                size_t *consumed)
{
    if (!d || !out || (!buf && len)) return BOLT_E_INVAL;
    if (!d->arena) return BOLT_E_INVAL;
    if (!d->dialect && !(d->flags & (BOLT_DECODE_RAW_STRUCTS | BOLT_DECODE_NO_STRUCTS)))
        return BOLT_E_INVAL;
    if (len == 0) { /* also keeps NULL + 0 out of the pointer arithmetic below */
        *out = (bolt_value){0};
        return BOLT_E_TRUNCATED;
    }

    unsigned max_depth = d->max_depth ? d->max_depth : BOLT_DEFAULT_MAX_DEPTH;
    if (max_depth > BOLT_MAX_DEPTH_LIMIT) max_depth = BOLT_MAX_DEPTH_LIMIT;
    const int check_utf8 = (d->flags & BOLT_DECODE_CHECK_UTF8) != 0;

    ps_frame stack[BOLT_MAX_DEPTH_LIMIT];
    unsigned depth = 0;
    bolt_value *owner = NULL, *cur = NULL, *slots_end = NULL;
    const uint8_t *p = buf, *const end = buf + len;
    bolt_value *v = out;
    int want_key = 0, rc;
    uint32_t n;
    uint8_t ctype = 0, ctag = 0, cflags = 0; /* a container being opened */

    for (;;) {
        NEED(1);
        const uint8_t m = *p++;
        /* Tiny strings first: every map key and most short values are one. */
        if ((m & 0xF0u) == 0x80u) {
            n = m & 0x0Fu;
            goto string;
        }
        if (want_key && !is_string_marker(m)) FAIL(BOLT_E_MAP_KEY);
        if (m < 0x80 || m >= 0xF0) {
            *v = (bolt_value){.type = BOLT_T_INT, .u.i = (int8_t)m};
            goto next;
        }
        switch (m) {
        case 0xC0:
            *v = (bolt_value){.type = BOLT_T_NULL};
            goto next;
        case 0xC1: {
            NEED(8);
            uint64_t bits = rd64(p);
            double f;
            memcpy(&f, &bits, sizeof f);
            *v = (bolt_value){.type = BOLT_T_FLOAT, .u.f = f};
            p += 8;
            goto next;
        }
        case 0xC2:
        case 0xC3:
            *v = (bolt_value){.type = BOLT_T_BOOL, .u.i = m & 1};
            goto next;
        case 0xC8:
            NEED(1);
            *v = (bolt_value){.type = BOLT_T_INT, .u.i = (int8_t)p[0]};
            p += 1;
            goto next;
        case 0xC9:
            NEED(2);
            *v = (bolt_value){.type = BOLT_T_INT, .u.i = (int16_t)rd16(p)};
            p += 2;
            goto next;
        case 0xCA:
            NEED(4);
            *v = (bolt_value){.type = BOLT_T_INT, .u.i = (int32_t)rd32(p)};
            p += 4;
            goto next;
        case 0xCB:
            NEED(8);
            *v = (bolt_value){.type = BOLT_T_INT, .u.i = (int64_t)rd64(p)};
            p += 8;
            goto next;
        case 0xCC:
        case 0xCD:
        case 0xCE:
            if ((rc = read_size(&p, end, m, size_width(m), &n)) != 0) goto fail;
            NEED(n);
            *v = (bolt_value){.type = BOLT_T_BYTES, .len = n, .u.bytes = p};
            p += n;
            goto next;
        case 0xD0:
        case 0xD1:
        case 0xD2:
            if ((rc = read_size(&p, end, m, size_width(m), &n)) != 0) goto fail;
            goto string;
        case 0xD4:
        case 0xD5:
        case 0xD6:
            ctype = BOLT_T_LIST;
            goto sized_container;
        case 0xD8:
        case 0xD9:
        case 0xDA:
            ctype = BOLT_T_MAP;
            goto sized_container;
        default:
            break;
        }
        switch (m >> 4) { /* 0x8 (tiny string) was handled first */
        case 0x9:
            ctype = BOLT_T_LIST;
            n = m & 0x0Fu;
            goto container;
        case 0xA:
            ctype = BOLT_T_MAP;
            n = m & 0x0Fu;
            goto container;
        case 0xB: {
            NEED(1);
            bolt_value s = {0};
            n = m & 0x0Fu;
            if ((rc = bolt_ps_struct_begin(d, &s, *p++, n)) != 0) goto fail;
            ctype = s.type;
            ctag = s.tag;
            cflags = s.flags;
            goto container;
        }
        default:
            /* C4 C5 C6 C7 CF, D3 D7 DB DE DF, E0..EF. C6 (FLOAT_32) is only ever a byte inside
             * a Vector's Bytes field, never a marker. DC/DD (STRUCT_8/16) appear only in the
             * pre-Bolt-3 spec and in old Java constants: no Bolt structure has more than 15
             * fields, the current spec and the official Go driver reject them, and accepting
             * them would only widen what untrusted input can reach. */
            FAIL(BOLT_E_RESERVED_MARKER);
        }

    string:
        NEED(n);
        if (check_utf8 && !bolt_utf8_valid(p, n)) FAIL(BOLT_E_UTF8);
        *v = (bolt_value){.type = BOLT_T_STRING, .len = n, .u.str = (const char *)p};
        p += n;
        goto next;

    sized_container:
        if ((rc = read_size(&p, end, m, size_width(m), &n)) != 0) goto fail;
    container : {
        /* Every slot needs at least one byte: refuse before allocating anything. */
        uint64_t slots = ctype == BOLT_T_MAP ? (uint64_t)n * 2 : n;
        NEED(slots);
        if (depth >= max_depth) FAIL(BOLT_E_TOO_DEEP);
        bolt_value *items = NULL;
        if (slots) {
            if (slots > SIZE_MAX / sizeof(bolt_value)) FAIL(BOLT_E_TOO_BIG);
            items = bolt_arena_alloc(d->arena, (size_t)slots * sizeof(bolt_value));
            if (!items) FAIL(BOLT_E_NOMEM);
        }
        /* Built from scalars, not copied from a struct filled piecewise on the stack: that
         * 16-byte reload stalled on store forwarding and cost a third of the decode time. */
        *v = (bolt_value){.type = ctype, .tag = ctag, .flags = cflags, .len = n, .u.items = items};
        ctag = cflags = 0;
        stack[depth++] = (ps_frame){owner, cur, slots_end};
        owner = v;
        cur = items;
        slots_end = slots ? items + slots : items; /* NULL + 0 is undefined in C */
    }

    next:
        /* v is complete. Close every container that this completes (validating structures),
         * then move to the next slot of the innermost one still open. */
        while (cur == slots_end) {
            if (depth == 0) {
                if (consumed) *consumed = (size_t)(p - buf);
                return 0;
            }
            if (owner->type >= BOLT_T_STRUCT && (rc = bolt_ps_struct_end(d, owner)) != 0) goto fail;
            depth--;
            owner = stack[depth].owner;
            cur = stack[depth].cur;
            slots_end = stack[depth].end;
        }
        want_key = owner->type == BOLT_T_MAP && ((cur - owner->u.items) & 1) == 0;
        v = cur++;
    }

fail:
    *out = (bolt_value){0};
    return rc;
}

#undef NEED
#undef FAIL

int bolt_decode_struct_header(const uint8_t *buf, size_t len, uint8_t *fields, uint8_t *tag,
                              size_t *consumed)
{
    if (!buf && len) return BOLT_E_INVAL;
    if (len < 1) return BOLT_E_TRUNCATED;
    uint8_t m = buf[0];
    if ((m & 0xF0u) != 0xB0u) {
        switch (m) {
        case 0xC4:
        case 0xC5:
        case 0xC6:
        case 0xC7:
        case 0xCF:
        case 0xD3:
        case 0xD7:
        case 0xDB:
        case 0xDC:
        case 0xDD:
        case 0xDE:
        case 0xDF:
            return BOLT_E_RESERVED_MARKER;
        default:
            return (m & 0xF0u) == 0xE0u ? BOLT_E_RESERVED_MARKER : BOLT_E_BAD_STRUCT;
        }
    }
    if (len < 2) return BOLT_E_TRUNCATED;
    if (fields) *fields = m & 0x0Fu;
    if (tag) *tag = buf[1];
    if (consumed) *consumed = 2;
    return 0;
}
