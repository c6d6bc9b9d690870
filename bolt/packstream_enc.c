/* PackStream v1 encoder (bolt-reference section 3): always the smallest encoding, big-endian.
 *
 * Every function reserves the bytes it needs once and then writes them directly, so the hot
 * path is one capacity check per value. Errors go to the sticky b->err. */
#include "bolt/packstream.h"

#include <string.h>

#include "bolt/error.h"
#include "packstream_int.h"

static inline uint8_t *room(bolt_buf *b, size_t n)
{
    if (bolt_buf_reserve(b, n) != 0) return NULL;
    uint8_t *p = b->data + b->len;
    b->len += n;
    return p;
}

static inline void be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static inline void be64(uint8_t *p, uint64_t v)
{
    be32(p, (uint32_t)(v >> 32));
    be32(p + 4, (uint32_t)v);
}

static void set_err(bolt_buf *b, int err)
{
    if (!b->err) b->err = err;
}

/* Marker + size for the sized types. tiny is the 0x80/0x90/0xA0 base, or 0 for Bytes (which
 * has no tiny form); m8 is the u8 marker, +1 is u16, +2 is u32. */
static void pack_size(bolt_buf *b, uint8_t tiny, uint8_t m8, size_t n)
{
    if (b->err) return;
    if (n > PS_MAX_SIZE) {
        set_err(b, BOLT_E_TOO_BIG);
        return;
    }
    uint8_t *p;
    if (tiny && n < 16) {
        if ((p = room(b, 1))) p[0] = (uint8_t)(tiny | n);
    } else if (n <= 0xFF) {
        if ((p = room(b, 2))) {
            p[0] = m8;
            p[1] = (uint8_t)n;
        }
    } else if (n <= 0xFFFF) {
        if ((p = room(b, 3))) {
            p[0] = (uint8_t)(m8 + 1);
            be16(p + 1, (uint16_t)n);
        }
    } else {
        if ((p = room(b, 5))) {
            p[0] = (uint8_t)(m8 + 2);
            be32(p + 1, (uint32_t)n);
        }
    }
}

void bolt_pack_null(bolt_buf *b)
{
    uint8_t *p = room(b, 1);
    if (p) p[0] = 0xC0;
}

void bolt_pack_bool(bolt_buf *b, int v)
{
    uint8_t *p = room(b, 1);
    if (p) p[0] = v ? 0xC3 : 0xC2;
}

void bolt_pack_int(bolt_buf *b, int64_t v)
{
    uint8_t *p;
    if (v >= -16 && v <= 127) {
        if ((p = room(b, 1))) p[0] = (uint8_t)(int8_t)v;
    } else if (v >= -128 && v < -16) {
        if ((p = room(b, 2))) {
            p[0] = 0xC8;
            p[1] = (uint8_t)(int8_t)v;
        }
    } else if (v >= INT16_MIN && v <= INT16_MAX) {
        if ((p = room(b, 3))) {
            p[0] = 0xC9;
            be16(p + 1, (uint16_t)v);
        }
    } else if (v >= INT32_MIN && v <= INT32_MAX) {
        if ((p = room(b, 5))) {
            p[0] = 0xCA;
            be32(p + 1, (uint32_t)v);
        }
    } else {
        if ((p = room(b, 9))) {
            p[0] = 0xCB;
            be64(p + 1, (uint64_t)v);
        }
    }
}

void bolt_pack_float(bolt_buf *b, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    uint8_t *p = room(b, 9);
    if (p) {
        p[0] = 0xC1;
        be64(p + 1, bits);
    }
}

void bolt_pack_string(bolt_buf *b, const char *s, size_t len)
{
    pack_size(b, 0x80, 0xD0, len);
    bolt_buf_append(b, s, len);
}

void bolt_pack_cstr(bolt_buf *b, const char *s)
{
    bolt_pack_string(b, s, strlen(s));
}

void bolt_pack_bytes(bolt_buf *b, const uint8_t *p, size_t len)
{
    pack_size(b, 0, 0xCC, len);
    bolt_buf_append(b, p, len);
}

void bolt_pack_list_header(bolt_buf *b, uint32_t count)
{
    pack_size(b, 0x90, 0xD4, count);
}

void bolt_pack_map_header(bolt_buf *b, uint32_t entries)
{
    pack_size(b, 0xA0, 0xD8, entries);
}

void bolt_pack_struct_header(bolt_buf *b, uint8_t fields, uint8_t tag)
{
    if (fields > 15) {
        /* STRUCT_8/16 are not part of current PackStream (see packstream_dec.c). */
        set_err(b, BOLT_E_INVAL);
        return;
    }
    uint8_t *p = room(b, 2);
    if (p) {
        p[0] = (uint8_t)(0xB0 | fields);
        p[1] = tag;
    }
}

/* Tag written for a Bolt structure built by hand (tag 0): the modern one unless the value is
 * flagged legacy. Decoded values always carry the tag they came with. */
uint8_t bolt_ps_default_tag(const bolt_value *v)
{
    int legacy = (v->flags & BOLT_VF_LEGACY) != 0;
    switch ((bolt_type)v->type) {
    case BOLT_T_NODE:
        return 0x4E;
    case BOLT_T_RELATIONSHIP:
        return 0x52;
    case BOLT_T_UNBOUND_REL:
        return 0x72;
    case BOLT_T_PATH:
        return 0x50;
    case BOLT_T_DATE:
        return 0x44;
    case BOLT_T_TIME:
        return 0x54;
    case BOLT_T_LOCAL_TIME:
        return 0x74;
    case BOLT_T_DATETIME:
        return legacy ? 0x46 : 0x49;
    case BOLT_T_DATETIME_ZONE:
        return legacy ? 0x66 : 0x69;
    case BOLT_T_LOCAL_DATETIME:
        return 0x64;
    case BOLT_T_DURATION:
        return 0x45;
    case BOLT_T_POINT2D:
        return 0x58;
    case BOLT_T_POINT3D:
        return 0x59;
    case BOLT_T_VECTOR:
        return 0x56;
    case BOLT_T_UNSUPPORTED:
        return 0x3F;
    default:
        return 0;
    }
}

static void pack_value(bolt_buf *b, const bolt_value *v, unsigned depth)
{
    if (b->err) return;
    switch ((bolt_type)v->type) {
    case BOLT_T_NULL:
        bolt_pack_null(b);
        return;
    case BOLT_T_BOOL:
        bolt_pack_bool(b, v->u.i != 0);
        return;
    case BOLT_T_INT:
        bolt_pack_int(b, v->u.i);
        return;
    case BOLT_T_FLOAT:
        bolt_pack_float(b, v->u.f);
        return;
    case BOLT_T_STRING:
        bolt_pack_string(b, v->u.str, v->len);
        return;
    case BOLT_T_BYTES:
        bolt_pack_bytes(b, v->u.bytes, v->len);
        return;
    default:
        break;
    }
    if (depth >= BOLT_MAX_DEPTH_LIMIT) {
        set_err(b, BOLT_E_TOO_DEEP);
        return;
    }
    size_t n = v->len;
    if (v->type == BOLT_T_LIST) {
        bolt_pack_list_header(b, v->len);
    } else if (v->type == BOLT_T_MAP) {
        bolt_pack_map_header(b, v->len);
        n = (size_t)v->len * 2;
    } else if (v->type < BOLT_T__COUNT) {
        if (v->len > 15) {
            set_err(b, BOLT_E_INVAL);
            return;
        }
        uint8_t tag = v->tag || v->type == BOLT_T_STRUCT ? v->tag : bolt_ps_default_tag(v);
        bolt_pack_struct_header(b, (uint8_t)v->len, tag);
    } else {
        set_err(b, BOLT_E_INVAL);
        return;
    }
    if (n && !v->u.items) {
        set_err(b, BOLT_E_INVAL);
        return;
    }
    for (size_t i = 0; i < n && !b->err; i++)
        pack_value(b, &v->u.items[i], depth + 1);
}

void bolt_pack_value(bolt_buf *b, const bolt_value *v)
{
    pack_value(b, v, 0);
}
