/* Temporal values that need the tz database: the UTC instant of an offset DateTime and what a
 * zone-id DateTime means (instant or wall clock, DST overlap or gap), for both the canonical
 * encoding (canon.c) and the renderings (canon_format.c), which must agree on it. Split from
 * canon.c because it is the only part of canonicalisation that consults the tz database and
 * attaches notes; the encoder only writes the fields decided here. */
#include "canon_internal.h"

#include "bolt/error.h"

#include <string.h>

int bv_canon_dt_utc_(const bolt_value *v, int64_t *utc)
{
    int64_t s = v->u.items[BOLT_DT_SECONDS].u.i, off = v->u.items[BOLT_DT_OFFSET].u.i;
    if (!(v->flags & BOLT_VF_LEGACY)) {
        *utc = s;
        return 0;
    }
    /* legacy F: seconds are the local wall clock, utc = local - offset */
    if ((off > 0 && s < INT64_MIN + off) || (off < 0 && s > INT64_MAX + off))
        return BOLT_E_BAD_STRUCT;
    *utc = s - off;
    return 0;
}

int bv_canon_zdt_(const bv_canon *c, const bolt_value *v, bv_zdt *z)
{
    memset(z, 0, sizeof *z);
    int64_t s = v->u.items[BOLT_DTZ_SECONDS].u.i;
    z->nanos = v->u.items[BOLT_DTZ_NANOS].u.i;
    z->zone = v->u.items[BOLT_DTZ_ZONE].u.str;
    z->zlen = v->u.items[BOLT_DTZ_ZONE].len;
    int instant_mode = (c->flags & BV_CANON_ZONE_INSTANT) != 0;

    const bv_tz *tz = NULL;
    if (!c->tzdb) {
        z->notes |= BV_NOTE_UNKNOWN_ZONE;
    } else {
        int rc = bv_tzdb_get(c->tzdb, z->zone, z->zlen, &tz);
        if (rc == BOLT_E_NOMEM) return rc;
        if (rc == BOLT_E_TZ_UNKNOWN)
            z->notes |= BV_NOTE_UNKNOWN_ZONE;
        else if (rc)
            z->notes |= BV_NOTE_TZ_ERROR;
    }

    if (v->flags & BOLT_VF_LEGACY) {
        /* f: the wall clock is all we have; the tz database tells whether it is ambiguous */
        z->local = s;
        z->have_local = 1;
        if (tz) {
            bv_tz_local r;
            int n = bv_tz_resolve(tz, s, &r);
            z->have_utc = 1;
            z->utc = r.utc[0]; /* java.time: earlier instant of an overlap, gap moved forward */
            z->noffsets = n;
            z->offsets[0] = r.offset[0];
            z->offsets[1] = r.offset[1];
            if (n == 2) z->notes |= BV_NOTE_AMBIGUOUS_DST;
            if (n == 0) z->notes |= BV_NOTE_DST_GAP;
        }
        z->instant_form = instant_mode && tz;
        return 0;
    }
    /* i: the instant is exact; the wall clock comes from the tz database */
    z->utc = s;
    z->have_utc = 1;
    if (!tz) {
        z->instant_form = 1;
        return 0;
    }
    int32_t off = bv_tz_offset_at(tz, s);
    if ((off > 0 && s > INT64_MAX - off) || (off < 0 && s < INT64_MIN - off))
        return BOLT_E_BAD_STRUCT;
    z->local = s + off;
    z->have_local = 1;
    z->noffsets = 1;
    z->offsets[0] = off;
    if (!instant_mode) {
        bv_tz_local r;
        if (bv_tz_resolve(tz, z->local, &r) == 2) z->notes |= BV_NOTE_AMBIGUOUS_DST;
    }
    z->instant_form = instant_mode;
    return 0;
}
