/* tests/verify/canon_values.h - building Bolt values by hand for the canon tests (no decoder
 * needed): structures and the DateTime encodings of bolt-reference 5.3. */
#ifndef BOLTDIFF_TEST_CANON_VALUES_H
#define BOLTDIFF_TEST_CANON_VALUES_H

#include <string.h>

#include "bolt/value.h"

static inline bolt_value mkstruct(bolt_type t, uint8_t tag, bolt_value *f, uint32_t n)
{
    bolt_value v = {0};
    v.type = (uint8_t)t;
    v.tag = tag;
    v.len = n;
    v.u.items = f;
    return v;
}

static inline bolt_value str(const char *s)
{
    return bolt_stringn(s, strlen(s));
}

/* A DateTime structure with fields held in the caller's array f[3]. */
static inline bolt_value dt_offset(bolt_value f[3], int legacy, int64_t secs, int64_t nanos,
                                   int64_t off)
{
    f[0] = bolt_int(secs);
    f[1] = bolt_int(nanos);
    f[2] = bolt_int(off);
    bolt_value v = mkstruct(BOLT_T_DATETIME, legacy ? 0x46 : 0x49, f, 3);
    v.flags = legacy ? BOLT_VF_LEGACY : 0;
    return v;
}

static inline bolt_value dt_zone(bolt_value f[3], int legacy, int64_t secs, int64_t nanos,
                                 const char *zone)
{
    f[0] = bolt_int(secs);
    f[1] = bolt_int(nanos);
    f[2] = str(zone);
    bolt_value v = mkstruct(BOLT_T_DATETIME_ZONE, legacy ? 0x66 : 0x69, f, 3);
    v.flags = legacy ? BOLT_VF_LEGACY : 0;
    return v;
}

#endif
