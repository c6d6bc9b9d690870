/* bolt/packstream.h - PackStream v1 encoder and decoder (bolt-reference section 3).
 *
 * Encoder: appends to a growable bolt_buf, always in the smallest encoding. Errors are sticky
 * (buf->err), so a sequence of pack calls needs one check at the end, like a FILE*.
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
void bolt_buf_append(bolt_buf *b, const void *p, size_t n);
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
 * to the bytes used. BOLT_E_TRUNCATED when the value is incomplete (feed more and call again
 * from the start: nothing is kept between calls). Other codes: the input is invalid. */
int bolt_decode(const bolt_decoder *d, const uint8_t *buf, size_t len, bolt_value *out,
                size_t *consumed);

/* Structure-only peek used by the message layer: reads a structure header at buf[0]
 * (markers B0..BF) and returns the field count and tag without decoding fields. */
int bolt_decode_struct_header(const uint8_t *buf, size_t len, uint8_t *fields, uint8_t *tag,
                              size_t *consumed);

#ifdef __cplusplus
}
#endif
#endif
