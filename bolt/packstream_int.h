/* Private to the PackStream/value implementation (not installed, not public API). */
#ifndef BOLT_PACKSTREAM_INT_H
#define BOLT_PACKSTREAM_INT_H

#include <stddef.h>
#include <stdint.h>

#include "bolt/packstream.h"

/* PackStream sizes are u32 on the wire, but drivers and servers read them as signed int32. */
#define PS_MAX_SIZE 0x7FFFFFFFu

/* Classifies a structure whose header (tag, n fields) was just read: sets v->type, v->tag and
 * v->flags, or fails with BOLT_E_BAD_STRUCT (packstream_struct.c). */
int bolt_ps_struct_begin(const bolt_decoder *d, bolt_value *v, uint8_t tag, uint32_t n);
/* Validates the fields of a completed structure (types, ranges, path indices). */
int bolt_ps_struct_end(const bolt_decoder *d, const bolt_value *v);

/* Wire tag of v->type for values built by hand with tag 0: the modern tag, or the legacy F/f
 * when BOLT_VF_LEGACY is set; 0 for types that are not Bolt structures. */
uint8_t bolt_ps_default_tag(const bolt_value *v);

/* 1 if p[0..n) is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF). */
int bolt_utf8_valid(const uint8_t *p, size_t n);
/* Length of the well-formed UTF-8 sequence at p (1..4), or 0 if p starts an invalid one. */
size_t bolt_utf8_seq(const uint8_t *p, size_t n);

#endif
