/* bolt/packstream.h - PackStream v1 encoder and decoder (bolt-reference section 3).
 *
 * Encoder: appends to a growable bolt_buf, always in the smallest encoding. Errors are sticky
 * (buf->err), so a sequence of pack calls needs one check at the end, like a FILE*: NOMEM,
 * TOO_BIG (a string, bytes, list or map above 2^31-1), INVAL (a structure of more than 15
 * fields, or an invalid tree given to bolt_pack_value), TOO_DEEP (bolt_pack_value past
 * BOLT_MAX_DEPTH_LIMIT).
 *
 * Decoder: turns bytes into a bolt_value tree in an arena. It never reads past `len`, checks
 * every declared size against the bytes that remain BEFORE allocating (a list that claims 4 GiB
 * of items in a 10-byte input fails with BOLT_E_TOO_BIG without allocating), limits nesting
 * depth, and rejects reserved markers. Strings and byte arrays point into the input buffer.
 */
#ifndef BOLT_PACKSTREAM_H
#define BOLT_PACKSTREAM_H

#include <stddef.h>
#include <stdint.h>

#include "bolt/alloc.h"
#include "bolt/value.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- growable output buffer ------------------------------------------------------------- */

typedef struct bolt_buf {
    uint8_t *data; /* owned; bolt_buf_free() releases it */
    size_t len;
    size_t cap;
    int err; /* first error (BOLT_E_NOMEM / BOLT_E_TOO_BIG / BOLT_E_INVAL), sticky */
} bolt_buf;

void bolt_buf_init(bolt_buf *b);
void bolt_buf_free(bolt_buf *b);
void bolt_buf_reset(bolt_buf *b);                 /* len = 0, err = 0, memory kept */
int bolt_buf_reserve(bolt_buf *b, size_t extra);  /* 0 or BOLT_E_NOMEM (also sets err) */
void bolt_buf_append(bolt_buf *b, const void *p, size_t n); /* no-op once b->err is set */
void bolt_buf_consume(bolt_buf *b, size_t n);     /* drops n bytes from the front */

/* ---- encoder ---------------------------------------------------------------------------- */

void bolt_pack_null(bolt_buf *b);
void bolt_pack_bool(bolt_buf *b, int v);
void bolt_pack_int(bolt_buf *b, int64_t v);
void bolt_pack_float(bolt_buf *b, double v);
void bolt_pack_string(bolt_buf *b, const char *s, size_t len);
void bolt_pack_cstr(bolt_buf *b, const char *s);
void bolt_pack_bytes(bolt_buf *b, const uint8_t *p, size_t len);
void bolt_pack_list_header(bolt_buf *b, uint32_t count);
void bolt_pack_map_header(bolt_buf *b, uint32_t entries);
void bolt_pack_struct_header(bolt_buf *b, uint8_t fields, uint8_t tag); /* fields <= 15 */
/* Encodes a whole tree. Bolt structures are written with their own tag and fields as stored
 * (a decoded legacy F stays F); BOLT_T_STRUCT writes tag and fields as they are. */
void bolt_pack_value(bolt_buf *b, const bolt_value *v);

/* ---- decoder ---------------------------------------------------------------------------- */

#define BOLT_DEFAULT_MAX_DEPTH 64
/* Hard ceiling on nesting: bolt_decoder.max_depth is clamped to it, bolt_pack_value fails with
 * BOLT_E_TOO_DEEP past it, and bolt_value_equal/bolt_value_format stop descending there. */
#define BOLT_MAX_DEPTH_LIMIT 1000

/* decode flags */
#define BOLT_DECODE_RAW_STRUCTS 0x01u /* unknown tags become BOLT_T_STRUCT instead of an error */
#define BOLT_DECODE_CHECK_UTF8 0x02u  /* validate every string as UTF-8 (BOLT_E_UTF8) */
#define BOLT_DECODE_NO_STRUCTS 0x04u  /* any structure is BOLT_E_BAD_STRUCT (client->server) */

typedef struct bolt_decoder {
    const bolt_dialect *dialect; /* required unless BOLT_DECODE_RAW_STRUCTS covers every tag */
    bolt_arena *arena;           /* where value arrays are allocated */
    unsigned max_depth;          /* 0 = BOLT_DEFAULT_MAX_DEPTH */
    unsigned flags;
} bolt_decoder;

/* Decodes one value starting at buf[0]. On success returns 0, fills *out and sets *consumed
 * (if not NULL) to the bytes used; bytes after the value are not looked at. *out is the root of
 * the tree: its arrays live in d->arena, its strings and bytes point into buf.
 *
 * Errors (on error *out is Null; arena blocks already taken stay in the arena until reset):
 *   BOLT_E_TRUNCATED        the value is incomplete: feed more and call again from the start
 *                           (nothing is kept between calls). Also when a declared size, or a
 *                           count of items (>= 1 byte each) or entries (>= 2 bytes), is more
 *                           than the bytes left: checked before allocating.
 *   BOLT_E_TOO_BIG          a declared size above 2^31-1 (never valid PackStream).
 *   BOLT_E_RESERVED_MARKER  C4 C5 C6 C7 CF D3 D7 DB DC DD DE DF E0..EF. DC/DD (STRUCT_8/16)
 *                           are legacy spec only; no Bolt structure has more than 15 fields.
 *   BOLT_E_MAP_KEY          a dictionary key that is not a String.
 *   BOLT_E_TOO_DEEP         more than max_depth nested containers (lists, maps, structures).
 *   BOLT_E_BAD_STRUCT       a structure the dialect does not define (unless RAW_STRUCTS), one
 *                           with the wrong field count or field types, nanos outside
 *                           0..999999999 (0..86399999999999 for Time/LocalTime), a Path whose
 *                           indices do not fit its lists, a Vector with a bad type marker or a
 *                           data length that is not a multiple of the element size.
 *   BOLT_E_UTF8             with BOLT_DECODE_CHECK_UTF8, a string that is not valid UTF-8.
 *   BOLT_E_NOMEM            the arena could not grow.
 *   BOLT_E_INVAL            NULL d/out/arena, or no dialect without RAW_STRUCTS/NO_STRUCTS.
 *
 * Structures: with a dialect, every tag it defines is typed (BOLT_T_NODE, ...) and validated,
 * RAW_STRUCTS or not (a malformed Node is corruption, not an extension). Tags it does not define
 * (unknown ones, and known ones of another version such as 'I' on a legacy connection) fail
 * with BOLT_E_BAD_STRUCT, or with RAW_STRUCTS become BOLT_T_STRUCT with their tag and fields.
 * Without a dialect (RAW_STRUCTS required) every structure is BOLT_T_STRUCT.
 *
 * Reentrant; never recursive. It keeps its container stack on the C stack (about 24 KB), so
 * nesting depth cannot exhaust a thread's stack. */
int bolt_decode(const bolt_decoder *d, const uint8_t *buf, size_t len, bolt_value *out,
                size_t *consumed);

/* Structure-only peek used by the message layer: reads a structure header at buf[0]
 * (markers B0..BF) and returns the field count and tag without decoding fields; *consumed = 2.
 * BOLT_E_TRUNCATED if len < 2, BOLT_E_RESERVED_MARKER for a reserved marker (DC/DD included),
 * BOLT_E_BAD_STRUCT for any other marker. Any output pointer may be NULL. */
int bolt_decode_struct_header(const uint8_t *buf, size_t len, uint8_t *fields, uint8_t *tag,
                              size_t *consumed);

#ifdef __cplusplus
}
#endif
#endif
