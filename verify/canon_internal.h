/* verify/canon_internal.h - helpers shared by canon.c (hashing), canon_format.c (rendering),
 * canon_sort.c (key order) and canon_time.c (zoned DateTimes). Private to verify/. */
#ifndef VERIFY_CANON_INTERNAL_H
#define VERIFY_CANON_INTERNAL_H

#include "verify/canon.h"

/* One map entry, for sorting. */
typedef struct bv_kv {
    const bolt_value *k, *v;
} bv_kv;

/* A string or byte array whose bytes can be read (hand-built trees may hold NULL). Inline: it
 * guards every string the encoder writes. */
static inline int bv_canon_blob_ok_(const bolt_value *v)
{
    return v->len == 0 || v->u.bytes != NULL;
}

/* Fills kv[0..map->len) with the entries of map, sorts them bytewise by key and keeps only
 * the last occurrence of each key (wire order). Returns the number kept, or BOLT_E_MAP_KEY. */
int bv_canon_sort_map_(const bolt_value *map, bv_kv *kv);

/* Sorts the labels kv[0..n).k (strings, already checked) bytewise and folds duplicates (a node
 * has each label once). Returns the number kept, at the front of kv. */
size_t bv_canon_sort_labels_(bv_kv *kv, size_t n);

/* 0 if a structure value has the field count and field types canon relies on, else
 * BOLT_E_BAD_STRUCT. Non-structure types always pass. */
int bv_canon_check_struct_(const bolt_value *v);

/* What a zone-id DateTime (BOLT_T_DATETIME_ZONE, legacy f or i) means, after the tz database. */
typedef struct bv_zdt {
    int instant_form; /* 1: canonical (utc, nanos, zone); 0: (local, nanos, zone) */
    int have_local, have_utc;
    int64_t local; /* wall-clock seconds, if have_local */
    int64_t utc;   /* UTC seconds, if have_utc */
    int64_t nanos;
    const char *zone;
    uint32_t zlen;
    int noffsets;       /* 1: offsets[0] is the offset; 2: overlap, earlier then later; 0: none */
    int32_t offsets[2]; /* for a gap (BV_NOTE_DST_GAP): after, before */
    unsigned notes;
} bv_zdt;

/* Analyses v (type BOLT_T_DATETIME_ZONE, fields already checked). 0, or BOLT_E_NOMEM, or
 * BOLT_E_BAD_STRUCT if the seconds overflow when an offset is applied. */
int bv_canon_zdt_(const bv_canon *c, const bolt_value *v, bv_zdt *out);

/* UTC seconds of an offset DateTime (F: seconds - offset; I: seconds). 0 or BOLT_E_BAD_STRUCT
 * on overflow. */
int bv_canon_dt_utc_(const bolt_value *v, int64_t *utc);

#endif
