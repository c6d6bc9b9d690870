/* Bolt chunk framing (bolt-reference section 2): the dechunker and the chunk writer.
 *
 * Buffer layout of the dechunker:
 *
 *   0 .......... msg_start ........ msg_end ........ scan ........ len ........ cap
 *   | dead        | message payload  | garbage        | unparsed    | free       |
 *
 * "message payload" is the compacted payload of the message being assembled: the first chunk's
 * payload stays where it arrived (msg_start points just after its header, so a single-chunk
 * message is never copied) and every later chunk's payload is moved down over the headers in
 * between. "garbage" is what those moves left behind. Dead bytes and garbage are reclaimed by
 * compaction when the buffer needs room, which keeps memory bounded by the largest message.
 */
#include "bolt/chunk.h"

#include <string.h>

#include "bolt/alloc.h"
#include "bolt/error.h"

#define DECHUNKER_MIN_ALLOC 4096u

void bolt_dechunker_init(bolt_dechunker *d, size_t max_message)
{
    memset(d, 0, sizeof *d);
    d->max_message = max_message ? max_message : BOLT_DEFAULT_MAX_MESSAGE;
}

void bolt_dechunker_free(bolt_dechunker *d)
{
    bolt_free(d->buf);
    size_t max = d->max_message;
    memset(d, 0, sizeof *d);
    d->max_message = max;
}

/* The message handed out by the previous bolt_dechunker_next() is no longer needed once any
 * function is called again: forget it so its bytes count as dead. */
static void release_last(bolt_dechunker *d)
{
    if (d->release) {
        d->msg_start = d->msg_end = d->scan;
        d->release = 0;
    }
}

/* Moves the live bytes (message payload and unparsed input) to the front of the buffer. */
static void compact(bolt_dechunker *d)
{
    size_t payload = d->msg_end - d->msg_start;
    size_t unparsed = d->len - d->scan;
    if (d->msg_start == 0 && d->msg_end == d->scan) return;
    if (payload && d->msg_start) memmove(d->buf, d->buf + d->msg_start, payload);
    if (unparsed && d->scan != payload) memmove(d->buf + payload, d->buf + d->scan, unparsed);
    d->msg_start = 0;
    d->msg_end = payload;
    d->scan = payload;
    d->len = payload + unparsed;
}

/* Makes at least `need` bytes free at the end of the buffer. Compacts instead of growing only
 * when that gives enough room and the live bytes fill at most half the buffer; otherwise grows
 * until they do. Either way at least half the buffer is free afterwards, so every byte moved is
 * paid for by a byte of new input: amortised O(1) per byte, and memory bounded by about twice
 * the largest live message whatever the length of the stream. */
static int make_room(bolt_dechunker *d, size_t need)
{
    release_last(d);
    if (d->cap - d->len >= need) return 0;
    size_t reclaim = d->msg_start + (d->scan - d->msg_end);
    size_t live = d->len - reclaim;
    compact(d);
    if (reclaim && d->cap - live >= need && live <= d->cap / 2) return 0;
    if (need > SIZE_MAX / 4 - d->len) return BOLT_E_NOMEM;
    size_t want = d->cap ? d->cap : DECHUNKER_MIN_ALLOC;
    while (want - d->len < need || d->len > want / 2)
        want *= 2;
    uint8_t *nb = bolt_realloc(d->buf, want);
    if (!nb) return BOLT_E_NOMEM;
    d->buf = nb;
    d->cap = want;
    return 0;
}

int bolt_dechunker_feed(bolt_dechunker *d, const uint8_t *data, size_t len)
{
    if (d->err) return d->err;
    if (len == 0) {
        release_last(d);
        return 0;
    }
    int rc = make_room(d, len);
    if (rc < 0) return rc; /* not sticky: the caller may retry with less */
    memcpy(d->buf + d->len, data, len);
    d->len += len;
    return 0;
}

int bolt_dechunker_buffer(bolt_dechunker *d, size_t hint, uint8_t **ptr, size_t *avail)
{
    *ptr = NULL;
    *avail = 0;
    if (d->err) return d->err;
    int rc = make_room(d, hint ? hint : DECHUNKER_MIN_ALLOC);
    if (rc < 0) return rc;
    *ptr = d->buf + d->len;
    *avail = d->cap - d->len;
    return 0;
}

void bolt_dechunker_commit(bolt_dechunker *d, size_t n)
{
    /* Clamp rather than trust: committing more than was offered would expose stale bytes. */
    if (n > d->cap - d->len) n = d->cap - d->len;
    d->len += n;
}

int bolt_dechunker_next(bolt_dechunker *d, const uint8_t **msg, size_t *len)
{
    *msg = NULL;
    *len = 0;
    if (d->err) return d->err;
    release_last(d);
    for (;;) {
        if (d->in_chunk) {
            size_t n = d->len - d->scan;
            if (n > d->chunk_left) n = d->chunk_left;
            if (n == 0) return 0;
            if (d->msg_end != d->scan) memmove(d->buf + d->msg_end, d->buf + d->scan, n);
            d->msg_end += n;
            d->scan += n;
            d->msg_wire += n;
            d->chunk_left -= n;
            if (d->chunk_left == 0) d->in_chunk = 0;
            continue;
        }
        if (d->len - d->scan < 2) return 0;
        size_t size = ((size_t)d->buf[d->scan] << 8) | d->buf[d->scan + 1];
        d->scan += 2;
        if (size == 0) {
            if (d->msg_end == d->msg_start) {
                /* `00 00` with nothing assembled: a NOOP (keep-alive, Bolt 4.1+). */
                d->noops++;
                d->msg_start = d->msg_end = d->scan;
                d->msg_wire = 0;
                continue;
            }
            *msg = d->buf + d->msg_start;
            *len = d->msg_end - d->msg_start;
            d->messages++;
            d->msg_wire = 0;
            d->release = 1;
            return 1;
        }
        size_t have = d->msg_end - d->msg_start;
        if (size > d->max_message || have > d->max_message - size) {
            d->err = BOLT_E_MSG_TOO_BIG;
            return d->err;
        }
        if (have == 0) d->msg_start = d->msg_end = d->scan; /* first chunk stays in place */
        d->msg_wire += 2;
        d->in_chunk = 1;
        d->chunk_left = size;
    }
}

size_t bolt_dechunker_pending(const bolt_dechunker *d)
{
    /* msg_wire is reset when a message is handed out, so this is 0 at a boundary. */
    return d->msg_wire + (d->len - d->scan);
}

/* ---- writer ------------------------------------------------------------------------------ */

static size_t clamp_chunk(size_t max_chunk)
{
    return (max_chunk == 0 || max_chunk > BOLT_MAX_CHUNK) ? BOLT_MAX_CHUNK : max_chunk;
}

static void put_be16(uint8_t *p, size_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

void bolt_frame_message(bolt_buf *out, const uint8_t *msg, size_t len, size_t max_chunk)
{
    if (out->err) return;
    max_chunk = clamp_chunk(max_chunk);
    size_t chunks = len ? (len + max_chunk - 1) / max_chunk : 0;
    if (bolt_buf_reserve(out, len + 2 * chunks + 2) < 0) return;
    uint8_t *p = out->data + out->len;
    for (size_t off = 0; off < len; off += max_chunk) {
        size_t n = len - off < max_chunk ? len - off : max_chunk;
        put_be16(p, n);
        memcpy(p + 2, msg + off, n);
        p += 2 + n;
    }
    put_be16(p, 0);
    out->len += len + 2 * chunks + 2;
}

size_t bolt_frame_begin(bolt_buf *out)
{
    size_t begin = out->len;
    static const uint8_t header[2] = {0, 0};
    bolt_buf_append(out, header, 2);
    return begin;
}

void bolt_frame_end(bolt_buf *out, size_t begin, size_t max_chunk)
{
    if (out->err) return;
    max_chunk = clamp_chunk(max_chunk);
    size_t body = out->len - begin - 2;
    if (body == 0) {
        /* Nothing was encoded: the reserved header already reads `00 00`, a NOOP. */
        return;
    }
    size_t chunks = (body + max_chunk - 1) / max_chunk;
    size_t extra = 2 * (chunks - 1);
    if (bolt_buf_reserve(out, extra + 2) < 0) return;
    uint8_t *base = out->data + begin + 2; /* body starts here */
    /* Move chunks from the last to the second into their final places; each moves right by
     * 2 bytes per header in front of it, so going backwards never overwrites unmoved bytes. */
    for (size_t i = chunks; i-- > 1;) {
        size_t off = i * max_chunk;
        size_t n = body - off < max_chunk ? body - off : max_chunk;
        uint8_t *dst = base + off + 2 * i;
        memmove(dst, base + off, n);
        put_be16(dst - 2, n);
    }
    put_be16(base - 2, chunks > 1 ? max_chunk : body);
    out->len += extra;
    put_be16(out->data + out->len, 0);
    out->len += 2;
}

void bolt_frame_abort(bolt_buf *out, size_t begin)
{
    if (begin <= out->len) out->len = begin;
    out->err = 0;
}
