/* PackStream v1 decoder (bolt-reference section 3) into arena-allocated bolt_value trees.
 *
 * Iterative, with an explicit stack of open containers: nesting costs 16 bytes of stack per
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

/* An open container: its value, the next slot to fill and the number of slots (items for a
 * list, 2 * entries for a map, fields for a structure). */
typedef struct ps_frame {
    bolt_value *v;
    uint32_t next;
    uint32_t count;
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

int bolt_decode(const bolt_decoder *d, const uint8_t *buf, size_t len, bolt_value *out,
                size_t *consumed)
{
    if (!d || !out || (!buf && len)) return BOLT_E_INVAL;
    if (!d->arena) return BOLT_E_INVAL;
    if (!d->dialect && !(d->flags & (BOLT_DECODE_RAW_STRUCTS | BOLT_DECODE_NO_STRUCTS)))
        return BOLT_E_INVAL;

    unsigned max_depth = d->max_depth ? d->max_depth : BOLT_DEFAULT_MAX_DEPTH;
    if (max_depth > BOLT_MAX_DEPTH_LIMIT) max_depth = BOLT_MAX_DEPTH_LIMIT;
    const int check_utf8 = (d->flags & BOLT_DECODE_CHECK_UTF8) != 0;

    ps_frame stack[BOLT_MAX_DEPTH_LIMIT];
    unsigned depth = 0;
    const uint8_t *p = buf, *const end = buf + len;
    bolt_value *v = out;
    int want_key = 0;
    int rc;

    for (;;) {
        if (p == end) {
            rc = BOLT_E_TRUNCATED;
            goto fail;
        }
        const uint8_t m = *p++;
        if (want_key && !is_string_marker(m)) {
            rc = BOLT_E_MAP_KEY;
            goto fail;
        }
        v->tag = 0;
        v->flags = 0;
        v->reserved = 0;
        v->len = 0;

        uint32_t n;
        if (m < 0x80 || m >= 0xF0) {
            v->type = BOLT_T_INT;
            v->u.i = (int8_t)m;
            goto done;
        }
        switch (m) {
        case 0xC0:
            v->type = BOLT_T_NULL;
            v->u.i = 0;
            goto done;
        case 0xC2:
        case 0xC3:
            v->type = BOLT_T_BOOL;
            v->u.i = m & 1;
            goto done;
        case 0xC1: {
            if (end - p < 8) {
                rc = BOLT_E_TRUNCATED;
                goto fail;
            }
            uint64_t bits = rd64(p);
            p += 8;
            v->type = BOLT_T_FLOAT;
            memcpy(&v->u.f, &bits, sizeof bits);
            goto done;
        }
        case 0xC8:
            if (end - p < 1) {
                rc = BOLT_E_TRUNCATED;
                goto fail;
            }
            v->type = BOLT_T_INT;
            v->u.i = (int8_t)p[0];
            p += 1;
            goto done;
        case 0xC9:
            if (end - p < 2) {
                rc = BOLT_E_TRUNCATED;
                goto fail;
            }
            v->type = BOLT_T_INT;
            v->u.i = (int16_t)rd16(p);
            p += 2;
            goto done;
        case 0xCA:
            if (end - p < 4) {
                rc = BOLT_E_TRUNCATED;
                goto fail;
            }
            v->type = BOLT_T_INT;
            v->u.i = (int32_t)rd32(p);
            p += 4;
            goto done;
        case 0xCB:
            if (end - p < 8) {
                rc = BOLT_E_TRUNCATED;
                goto fail;
            }
            v->type = BOLT_T_INT;
            v->u.i = (int64_t)rd64(p);
            p += 8;
            goto done;
        case 0xCC:
        case 0xCD:
        case 0xCE:
            if ((rc = read_size(&p, end, m, size_width(m), &n)) != 0) goto fail;
            if ((size_t)(end - p) < n) {
                rc = BOLT_E_TRUNCATED;
                goto fail;
            }
            v->type = BOLT_T_BYTES;
            v->len = n;
            v->u.bytes = p;
            p += n;
            goto done;
        default:
            break;
        }

        switch (m >> 4) {
        case 0x8:
        case 0xD:
            if (m == 0xD0 || m == 0xD1 || m == 0xD2 || m < 0x90) {
                if ((rc = read_size(&p, end, m, size_width(m), &n)) != 0) goto fail;
                if ((size_t)(end - p) < n) {
                    rc = BOLT_E_TRUNCATED;
                    goto fail;
                }
                if (check_utf8 && !bolt_utf8_valid(p, n)) {
                    rc = BOLT_E_UTF8;
                    goto fail;
                }
                v->type = BOLT_T_STRING;
                v->len = n;
                v->u.str = (const char *)p;
                p += n;
                goto done;
            }
            if (m == 0xD4 || m == 0xD5 || m == 0xD6) {
                v->type = BOLT_T_LIST;
                goto sized_container;
            }
            if (m == 0xD8 || m == 0xD9 || m == 0xDA) {
                v->type = BOLT_T_MAP;
                goto sized_container;
            }
            /* D3 D7 DB DE DF reserved. DC/DD (STRUCT_8/16) appear only in the pre-Bolt-3 spec
             * and in old Java constants: no Bolt structure has more than 15 fields, the current
             * spec and the official Go driver reject them, and accepting them would only widen
             * what untrusted input can reach. They are reserved here too. */
            rc = BOLT_E_RESERVED_MARKER;
            goto fail;
        case 0x9:
            v->type = BOLT_T_LIST;
            goto sized_container;
        case 0xA:
            v->type = BOLT_T_MAP;
            goto sized_container;
        case 0xB: {
            if (end - p < 1) {
                rc = BOLT_E_TRUNCATED;
                goto fail;
            }
            n = m & 0x0Fu;
            uint8_t tag = *p++;
            if ((rc = bolt_ps_struct_begin(d, v, tag, n)) != 0) goto fail;
            goto container;
        }
        default:
            /* C4 C5 C6 C7 CF and E0..EF. C6 (FLOAT_32) is only ever a byte inside a Vector's
             * Bytes field, never a marker. */
            rc = BOLT_E_RESERVED_MARKER;
            goto fail;
        }

    sized_container:
        if ((rc = read_size(&p, end, m, size_width(m), &n)) != 0) goto fail;
    container : {
        /* Every slot needs at least one byte: refuse before allocating anything. */
        uint64_t slots = v->type == BOLT_T_MAP ? (uint64_t)n * 2 : n;
        if (slots > (uint64_t)(end - p)) {
            rc = BOLT_E_TRUNCATED;
            goto fail;
        }
        if (depth >= max_depth) {
            rc = BOLT_E_TOO_DEEP;
            goto fail;
        }
        v->len = n;
        v->u.items = NULL;
        if (slots) {
            if (slots > SIZE_MAX / sizeof(bolt_value)) {
                rc = BOLT_E_TOO_BIG;
                goto fail;
            }
            v->u.items = bolt_arena_alloc(d->arena, (size_t)slots * sizeof(bolt_value));
            if (!v->u.items) {
                rc = BOLT_E_NOMEM;
                goto fail;
            }
        }
        stack[depth].v = v;
        stack[depth].next = 0;
        stack[depth].count = (uint32_t)slots;
        depth++;
    }

    done:
        /* The value at v is complete: close every container it completes, then move to the
         * next slot of the innermost open one. */
        for (;;) {
            if (depth == 0) {
                if (consumed) *consumed = (size_t)(p - buf);
                return 0;
            }
            ps_frame *f = &stack[depth - 1];
            if (f->next < f->count) {
                v = &f->v->u.items[f->next];
                want_key = f->v->type == BOLT_T_MAP && (f->next & 1u) == 0;
                f->next++;
                break;
            }
            if (f->v->type >= BOLT_T_STRUCT && (rc = bolt_ps_struct_end(d, f->v)) != 0) goto fail;
            depth--;
        }
    }

fail:
    *out = (bolt_value){0};
    return rc;
}

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
