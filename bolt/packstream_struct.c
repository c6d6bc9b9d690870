/* Bolt structures inside values (bolt-reference section 5): which tags the negotiated version
 * allows, with how many fields, and what those fields must hold.
 *
 * The checks are strict on purpose: a verifier that silently accepted a Node whose labels are
 * not strings, or a DateTime with 2e9 nanoseconds, would hash garbage and report a false
 * difference (or worse, a false match). Rejecting it names the real problem. */
#include <stddef.h>

#include "bolt/error.h"
#include "packstream_int.h"

#define NANOS_PER_SECOND INT64_C(1000000000)
#define NANOS_PER_DAY (INT64_C(86400) * NANOS_PER_SECOND)

int bolt_ps_struct_begin(const bolt_decoder *d, bolt_value *v, uint8_t tag, uint32_t n)
{
    v->tag = tag;
    if (d->flags & BOLT_DECODE_NO_STRUCTS) return BOLT_E_BAD_STRUCT;

    const bolt_dialect *dl = d->dialect;
    uint8_t type = BOLT_T_STRUCT, flags = 0;
    unsigned want = 0;
    if (dl) {
        const int tmp = dl->temporal != 0, utc = dl->utc_datetime != 0;
        const int eid = dl->element_ids != 0, vec = dl->vectors != 0;
        switch (tag) {
        case 0x4E:
            type = BOLT_T_NODE, want = eid ? 4 : 3;
            break;
        case 0x52:
            type = BOLT_T_RELATIONSHIP, want = eid ? 8 : 5;
            break;
        case 0x72:
            type = BOLT_T_UNBOUND_REL, want = eid ? 4 : 3;
            break;
        case 0x50:
            type = BOLT_T_PATH, want = 3;
            break;
        case 0x44:
            if (tmp) type = BOLT_T_DATE, want = 1;
            break;
        case 0x54:
            if (tmp) type = BOLT_T_TIME, want = 2;
            break;
        case 0x74:
            if (tmp) type = BOLT_T_LOCAL_TIME, want = 1;
            break;
        case 0x49:
            if (tmp && utc) type = BOLT_T_DATETIME, want = 3;
            break;
        case 0x69:
            if (tmp && utc) type = BOLT_T_DATETIME_ZONE, want = 3;
            break;
        case 0x46:
            if (tmp && !utc) type = BOLT_T_DATETIME, want = 3, flags = BOLT_VF_LEGACY;
            break;
        case 0x66:
            if (tmp && !utc) type = BOLT_T_DATETIME_ZONE, want = 3, flags = BOLT_VF_LEGACY;
            break;
        case 0x64:
            if (tmp) type = BOLT_T_LOCAL_DATETIME, want = 2;
            break;
        case 0x45:
            if (tmp) type = BOLT_T_DURATION, want = 4;
            break;
        case 0x58:
            if (tmp) type = BOLT_T_POINT2D, want = 3;
            break;
        case 0x59:
            if (tmp) type = BOLT_T_POINT3D, want = 4;
            break;
        case 0x56:
            if (vec) type = BOLT_T_VECTOR, want = 2;
            break;
        case 0x3F:
            if (vec) type = BOLT_T_UNSUPPORTED, want = 4;
            break;
        default:
            break;
        }
    }
    /* A tag this version does not define (unknown, or e.g. 'I' on a legacy connection) is an
     * error unless the caller asked for raw structures. A tag it does define must have exactly
     * its fields, raw mode or not: that is corruption, not an unknown extension. */
    if (type == BOLT_T_STRUCT) {
        if (!(d->flags & BOLT_DECODE_RAW_STRUCTS)) return BOLT_E_BAD_STRUCT;
    } else if (n != want) {
        return BOLT_E_BAD_STRUCT;
    }
    v->type = type;
    v->flags = flags;
    return 0;
}

static inline int is(const bolt_value *v, bolt_type t)
{
    return v->type == t;
}

static int list_of(const bolt_value *v, bolt_type t)
{
    if (v->type != BOLT_T_LIST) return 0;
    for (uint32_t i = 0; i < v->len; i++)
        if (v->u.items[i].type != t) return 0;
    return 1;
}

static inline int int_in(const bolt_value *v, int64_t lo, int64_t hi_excl)
{
    return v->type == BOLT_T_INT && v->u.i >= lo && v->u.i < hi_excl;
}

/* nodes[0] is the start; indices are (rel, node) pairs: rel is 1-based into rels, negative when
 * traversed against its direction, never 0; node is 0-based into nodes. */
static int path_ok(const bolt_value *f)
{
    const bolt_value *nodes = &f[0], *rels = &f[1], *idx = &f[2];
    if (!list_of(nodes, BOLT_T_NODE) || nodes->len == 0) return 0;
    if (!list_of(rels, BOLT_T_UNBOUND_REL)) return 0;
    if (!list_of(idx, BOLT_T_INT) || (idx->len & 1u)) return 0;
    const int64_t nrels = rels->len, nnodes = nodes->len;
    for (uint32_t i = 0; i < idx->len; i += 2) {
        int64_t r = idx->u.items[i].u.i, n = idx->u.items[i + 1].u.i;
        if (r == 0 || r > nrels || r < -nrels) return 0;
        if (n < 0 || n >= nnodes) return 0;
    }
    return 1;
}

static int vector_ok(const bolt_value *f)
{
    if (!is(&f[0], BOLT_T_BYTES) || f[0].len != 1 || !is(&f[1], BOLT_T_BYTES)) return 0;
    unsigned size;
    switch (f[0].u.bytes[0]) {
    case 0xC8:
        size = 1;
        break;
    case 0xC9:
        size = 2;
        break;
    case 0xCA:
    case 0xC6:
        size = 4;
        break;
    case 0xCB:
    case 0xC1:
        size = 8;
        break;
    default:
        return 0;
    }
    return f[1].len % size == 0;
}

int bolt_ps_struct_end(const bolt_decoder *d, const bolt_value *v)
{
    (void)d;
    const bolt_value *f = v->u.items;
    int ok;
    switch ((bolt_type)v->type) {
    case BOLT_T_NODE:
        ok = is(&f[0], BOLT_T_INT) && list_of(&f[1], BOLT_T_STRING) && is(&f[2], BOLT_T_MAP) &&
             (v->len < 4 || is(&f[3], BOLT_T_STRING));
        break;
    case BOLT_T_RELATIONSHIP:
        ok = is(&f[0], BOLT_T_INT) && is(&f[1], BOLT_T_INT) && is(&f[2], BOLT_T_INT) &&
             is(&f[3], BOLT_T_STRING) && is(&f[4], BOLT_T_MAP) &&
             (v->len < 8 ||
              (is(&f[5], BOLT_T_STRING) && is(&f[6], BOLT_T_STRING) && is(&f[7], BOLT_T_STRING)));
        break;
    case BOLT_T_UNBOUND_REL:
        ok = is(&f[0], BOLT_T_INT) && is(&f[1], BOLT_T_STRING) && is(&f[2], BOLT_T_MAP) &&
             (v->len < 4 || is(&f[3], BOLT_T_STRING));
        break;
    case BOLT_T_PATH:
        ok = path_ok(f);
        break;
    case BOLT_T_DATE:
        ok = is(&f[0], BOLT_T_INT);
        break;
    case BOLT_T_TIME:
        ok = int_in(&f[0], 0, NANOS_PER_DAY) && is(&f[1], BOLT_T_INT);
        break;
    case BOLT_T_LOCAL_TIME:
        ok = int_in(&f[0], 0, NANOS_PER_DAY);
        break;
    case BOLT_T_DATETIME:
        ok = is(&f[0], BOLT_T_INT) && int_in(&f[1], 0, NANOS_PER_SECOND) && is(&f[2], BOLT_T_INT);
        break;
    case BOLT_T_DATETIME_ZONE:
        ok =
            is(&f[0], BOLT_T_INT) && int_in(&f[1], 0, NANOS_PER_SECOND) && is(&f[2], BOLT_T_STRING);
        break;
    case BOLT_T_LOCAL_DATETIME:
        ok = is(&f[0], BOLT_T_INT) && int_in(&f[1], 0, NANOS_PER_SECOND);
        break;
    case BOLT_T_DURATION:
        ok = is(&f[0], BOLT_T_INT) && is(&f[1], BOLT_T_INT) && is(&f[2], BOLT_T_INT) &&
             int_in(&f[3], 0, NANOS_PER_SECOND);
        break;
    case BOLT_T_POINT2D:
        ok = is(&f[0], BOLT_T_INT) && is(&f[1], BOLT_T_FLOAT) && is(&f[2], BOLT_T_FLOAT);
        break;
    case BOLT_T_POINT3D:
        ok = is(&f[0], BOLT_T_INT) && is(&f[1], BOLT_T_FLOAT) && is(&f[2], BOLT_T_FLOAT) &&
             is(&f[3], BOLT_T_FLOAT);
        break;
    case BOLT_T_VECTOR:
        ok = vector_ok(f);
        break;
    case BOLT_T_UNSUPPORTED:
        ok = is(&f[0], BOLT_T_STRING) && is(&f[1], BOLT_T_INT) && is(&f[2], BOLT_T_INT) &&
             is(&f[3], BOLT_T_MAP);
        break;
    default:
        ok = 1; /* raw structure: nothing to check */
        break;
    }
    return ok ? 0 : BOLT_E_BAD_STRUCT;
}
