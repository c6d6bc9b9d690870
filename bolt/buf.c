/* Growable output buffer used by the encoders (bolt/packstream.h).
 *
 * Errors are sticky, like a FILE*: after the first failure every append is a no-op, so a long
 * sequence of pack calls needs one check at the end instead of one per call. */
#include "bolt/packstream.h"

#include <string.h>

#include "bolt/error.h"

/* First allocation: enough for every request message of the protocol layer without a regrow. */
#define BUF_MIN_CAP 256u

void bolt_buf_init(bolt_buf *b)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->err = 0;
}

void bolt_buf_free(bolt_buf *b)
{
    bolt_free(b->data);
    bolt_buf_init(b);
}

void bolt_buf_reset(bolt_buf *b)
{
    b->len = 0;
    b->err = 0;
}

int bolt_buf_reserve(bolt_buf *b, size_t extra)
{
    if (b->err) return b->err;
    if (b->cap - b->len >= extra) return 0;
    if (extra > SIZE_MAX - b->len) {
        b->err = BOLT_E_NOMEM;
        return b->err;
    }
    size_t need = b->len + extra;
    /* Doubling keeps appends amortised O(1); a failed realloc leaves the old data intact. */
    size_t cap = b->cap ? b->cap : BUF_MIN_CAP;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    uint8_t *p = bolt_realloc(b->data, cap);
    if (!p) {
        b->err = BOLT_E_NOMEM;
        return b->err;
    }
    b->data = p;
    b->cap = cap;
    return 0;
}

void bolt_buf_append(bolt_buf *b, const void *p, size_t n)
{
    if (n == 0 || bolt_buf_reserve(b, n) != 0) return;
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

void bolt_buf_consume(bolt_buf *b, size_t n)
{
    if (n >= b->len) {
        b->len = 0;
        return;
    }
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
}
