/* bolt/chunk.h - Bolt message framing (bolt-reference section 2).
 *
 * Reader: a sans-I/O dechunker in the style of hiredis' reader. Bytes go in (copied with
 * bolt_dechunker_feed(), or read by the transport straight into the reader's own buffer with
 * bolt_dechunker_buffer()/bolt_dechunker_commit(), which avoids a copy); whole messages come out
 * of bolt_dechunker_next() as one contiguous byte range. Chunk payloads are compacted in place
 * over their headers, so a message that came in one chunk is never copied at all.
 * Any split of the input gives the same messages; `00 00` with no message bytes pending is a
 * NOOP (counted, otherwise ignored).
 *
 * Writer: bolt_frame_message() appends one message as chunks of at most max_chunk bytes plus
 * the `00 00` end marker.
 */
#ifndef BOLT_CHUNK_H
#define BOLT_CHUNK_H

#include <stddef.h>
#include <stdint.h>

#include "bolt/packstream.h"

#ifdef __cplusplus
extern "C" {
#endif

#define BOLT_MAX_CHUNK 65535u
/* What our client writes per chunk. The protocol maximum: every server must accept it (Neo4j
 * 3.5.22 took a single 33,059-byte chunk), and it needs the fewest headers. Neo4j itself sends
 * at most 16,381 bytes per chunk and the Java driver 16,383; the fixture server imitates 3.5. */
#define BOLT_CLIENT_MAX_CHUNK BOLT_MAX_CHUNK
#define BOLT_DEFAULT_MAX_MESSAGE (64u * 1024u * 1024u)

typedef struct bolt_dechunker {
    uint8_t *buf;       /* owned */
    size_t cap;         /* allocated bytes */
    size_t len;         /* valid bytes in buf */
    size_t msg_start;   /* start of the message being assembled */
    size_t msg_end;     /* end of its compacted payload so far */
    size_t scan;        /* first byte not yet parsed */
    size_t chunk_left;  /* payload bytes still expected of the current chunk */
    size_t max_message; /* limit on one message's payload */
    size_t release;     /* 1 while the last message handed out must stay valid */
    size_t msg_wire;    /* wire bytes (headers + payload) of the message being assembled */
    uint64_t noops;     /* NOOP chunks seen */
    uint64_t messages;  /* messages handed out */
    int in_chunk;       /* 1 while chunk_left refers to a chunk being read */
    int err;            /* sticky framing error */
} bolt_dechunker;

/* max_message 0 = BOLT_DEFAULT_MAX_MESSAGE. */
void bolt_dechunker_init(bolt_dechunker *d, size_t max_message);
void bolt_dechunker_free(bolt_dechunker *d);

/* Copies len bytes in. 0 or BOLT_E_NOMEM. */
int bolt_dechunker_feed(bolt_dechunker *d, const uint8_t *data, size_t len);
/* Zero-copy input: get at least `hint` (0 = 4096) writable bytes at *ptr (*avail may be
 * larger), read into them, then commit how many were written (<= *avail). 0 or BOLT_E_NOMEM.
 * The buffer is compacted (bytes of messages already handed out are dropped) before it grows,
 * so memory stays bounded by about twice the largest message, whatever the stream length. */
int bolt_dechunker_buffer(bolt_dechunker *d, size_t hint, uint8_t **ptr, size_t *avail);
void bolt_dechunker_commit(bolt_dechunker *d, size_t n);

/* 1 and a message in *msg and *len (valid until the next call of any bolt_dechunker_ function),
 * 0 when more input is needed, or a negative code (BOLT_E_MSG_TOO_BIG, BOLT_E_NOMEM); errors
 * are sticky. */
int bolt_dechunker_next(bolt_dechunker *d, const uint8_t **msg, size_t *len);

/* Wire bytes received but not yet handed out as a message, chunk headers included (0 at a
 * message boundary). A nonzero value at end of stream means the peer closed mid-message. */
size_t bolt_dechunker_pending(const bolt_dechunker *d);

/* Appends msg as chunks of at most max_chunk (0 or above 65535 = 65535) bytes and `00 00`.
 * len 0 writes a lone `00 00`, i.e. a NOOP. Errors are left in out->err. */
void bolt_frame_message(bolt_buf *out, const uint8_t *msg, size_t len, size_t max_chunk);

/* In-place framing for encoders: bolt_frame_begin() reserves a 2-byte header at the end of out
 * and returns its offset; encode the message body after it, then bolt_frame_end() fixes the
 * header(s), splitting into several chunks (by moving bytes) when the body exceeds max_chunk. */
size_t bolt_frame_begin(bolt_buf *out);
void bolt_frame_end(bolt_buf *out, size_t begin, size_t max_chunk);
/* Undoes bolt_frame_begin() for an encoder that failed half way: drops everything from begin
 * on and clears out->err, so a rejected message leaves out as it was before. */
void bolt_frame_abort(bolt_buf *out, size_t begin);

#ifdef __cplusplus
}
#endif
#endif
