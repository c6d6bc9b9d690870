/* The bytes of a connection: the socket's reads (zero copy into the session on plaintext,
 * through the TLS engine otherwise), its writes, back-pressure, the receive timeout, and the
 * pump that drives the session after every event.
 *
 * Reads are zero copy on plaintext connections (libuv reads straight into the session's input
 * buffer); with TLS, ciphertext lands in a per-connection buffer and SSL_read decrypts straight
 * into the session's input buffer. Writes copy the session's (small) request bytes into a
 * connection buffer, because the session may grow its own buffer while a write is in flight. */
#include "conn_internal.h"

#include <stdio.h>
#include <string.h>

#include "bolt/error.h"

#define READ_HINT (64u * 1024u)
#define READ_MAX (256u * 1024u)

static void on_rtimer(uv_timer_t *t);

/* ---- writing -------------------------------------------------------------------------------- */

static void on_write(uv_write_t *req, int status)
{
    bolt_conn *c = req->data;
    c->writing = 0;
    c->wfly.len = 0;
    if (status == UV_ECANCELED) return; /* the handle is closing */
    if (status < 0) {
        if (c->phase == PH_CLOSING) {
            conn_final_teardown(c);
            return;
        }
        conn_fail(c, BOLT_E_CLOSED, "cannot write to %s: %s", c->info.address, uv_strerror(status));
    }
    if (c->phase == PH_CLOSING) {
        conn_flush(c);
        if (!c->writing) conn_final_teardown(c);
        return;
    }
    conn_pump(c);
}

void conn_flush(bolt_conn *c)
{
    if (c->tcp_state != 1) return;
    if (c->sess) {
        const uint8_t *d;
        size_t n = bolt_session_output(c->sess, &d);
        if (n) {
            if (c->tls) {
                char msg[256];
                int r = bolt_tls_write(c->tls, d, n, msg, sizeof msg);
                if (r < 0) {
                    conn_fail(c, r, "%s", msg);
                    return;
                }
            } else {
                bolt_buf_append(&c->wbuf, d, n);
            }
            bolt_session_output_consumed(c->sess, n);
        }
    }
    if (c->tls) bolt_tls_take_output(c->tls, &c->wbuf);
    if (c->wbuf.err) {
        conn_fail(c, BOLT_E_NOMEM, "out of memory");
        return;
    }
    if (c->writing || c->wbuf.len == 0) return;
    bolt_buf tmp = c->wfly;
    c->wfly = c->wbuf;
    c->wbuf = tmp;
    c->wbuf.len = 0;
    uv_buf_t b = uv_buf_init((char *)c->wfly.data, (unsigned)c->wfly.len);
    c->wreq.data = c;
    int r = uv_write(&c->wreq, (uv_stream_t *)&c->tcp, &b, 1, on_write);
    if (r < 0) {
        c->wfly.len = 0;
        conn_fail(c, BOLT_E_CLOSED, "cannot write to %s: %s", c->info.address, uv_strerror(r));
        return;
    }
    c->writing = 1;
    c->info.bytes_out += c->wfly.len;
}

/* ---- reading -------------------------------------------------------------------------------- */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    bolt_conn *c = h->data;
    (void)suggested;
    buf->base = NULL;
    buf->len = 0;
    if (c->tls) {
        buf->base = (char *)c->cipher_in;
        buf->len = c->cipher_in ? CIPHER_BUF : 0;
        return;
    }
    if (!c->sess) return;
    uint8_t *p;
    size_t avail;
    if (bolt_session_input_buffer(c->sess, READ_HINT, &p, &avail) != 0) return;
    /* One read never takes more than READ_MAX: keeps one busy connection from starving the
     * others of a loop, and bounds how far a paused consumer can be overrun. */
    buf->base = (char *)p;
    buf->len = avail > READ_MAX ? READ_MAX : avail;
}

/* Decrypts whatever ciphertext is buffered into the session, unless the consumer is behind. */
void conn_tls_pump_in(bolt_conn *c)
{
    char msg[300];
    if (!c->tls || c->err || c->phase >= PH_FAILED) return;
    if (!bolt_tls_done(c->tls)) {
        int r = bolt_tls_handshake(c->tls, msg, sizeof msg);
        if (r < 0) {
            conn_fail(c, r, "%s", msg);
            return;
        }
        if (r == 0) return;
        bolt_tls_get_info(c->tls, &c->info.tls_info);
        c->info.tls = 1;
        conn_begin_bolt(c);
    }
    while (c->sess && !c->err) {
        if (c->paused && bolt_session_input_pending(c->sess) >= c->max_pending) break;
        uint8_t *p;
        size_t avail, got = 0;
        if (bolt_session_input_buffer(c->sess, 16384, &p, &avail) != 0) {
            conn_fail(c, BOLT_E_NOMEM, "out of memory");
            return;
        }
        int r = bolt_tls_read(c->tls, p, avail, &got, msg, sizeof msg);
        bolt_session_input_commit(c->sess, got);
        if (r == BOLT_E_CLOSED) {
            c->eof_seen = 1;
            break;
        }
        if (r < 0) {
            conn_fail(c, r, "%s", msg);
            return;
        }
        if (got == 0) break;
    }
}

static void handle_eof(bolt_conn *c)
{
    if (c->tcp_state != 1) return; /* already leaving this server */
    c->eof_seen = 1;
    if (c->tcp_state == 1 && c->reading) {
        uv_read_stop((uv_stream_t *)&c->tcp);
        c->reading = 0;
    }
    if (c->phase == PH_TLS) {
        conn_fail(c, BOLT_E_TLS,
                  "the server closed the connection during the TLS handshake (is TLS enabled on "
                  "%s? try bolt://)",
                  c->info.address);
        return;
    }
    if (c->sess && c->phase >= PH_BOLT && c->phase <= PH_READY) {
        /* Messages that arrived before the close (a FAILURE explaining it) come first. */
        bolt_session_input_eof(c->sess);
        conn_process_events(c);
    }
    if (!c->err && c->tcp_state == 1 && c->phase <= PH_READY) conn_closed_error(c);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    bolt_conn *c = s->data;
    (void)buf;
    if (!c->tls && c->sess) bolt_session_input_commit(c->sess, nread > 0 ? (size_t)nread : 0);
    if (c->phase >= PH_FAILED) return;
    if (nread > 0) {
        c->info.bytes_in += (uint64_t)nread;
        if (uv_is_active((uv_handle_t *)&c->rtimer)) uv_timer_again(&c->rtimer);
        if (c->tls) {
            if (bolt_tls_feed(c->tls, (const uint8_t *)buf->base, (size_t)nread) < 0) {
                conn_fail(c, BOLT_E_NOMEM, "out of memory");
                return;
            }
            conn_tls_pump_in(c);
            if (c->eof_seen) handle_eof(c);
        }
    } else if (nread == UV_EOF) {
        if (c->tls) conn_tls_pump_in(c);
        handle_eof(c);
    } else if (nread == UV_ENOBUFS) {
        conn_fail(c, BOLT_E_NOMEM, "out of memory for the input buffer");
        return;
    } else if (nread < 0) {
        conn_fail(c, BOLT_E_CLOSED, "connection to %s lost during %s: %s", c->info.address,
                  conn_phase_name(c->phase), uv_strerror((int)nread));
        return;
    }
    conn_pump(c);
}

/* Reads while the consumer keeps up; stops when it paused and the session holds more than
 * max_pending unread bytes (on Bolt 3 there is no PULL n, so this is the only brake). */
static void update_reading(bolt_conn *c)
{
    if (c->tcp_state != 1) return;
    int want = c->phase >= PH_TLS && c->phase <= PH_READY && !c->eof_seen && !c->err &&
               !(c->paused && c->sess && bolt_session_input_pending(c->sess) >= c->max_pending);
    if (want && !c->reading) {
        if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) == 0) c->reading = 1;
    } else if (!want && c->reading) {
        uv_read_stop((uv_stream_t *)&c->tcp);
        c->reading = 0;
    }
}

/* The receive timeout runs only while an answer is due and the consumer is not the one
 * holding things up. */
static void update_rtimer(bolt_conn *c)
{
    uint64_t ms = c->recv_timeout_ms;
    if (!ms && c->info.recv_timeout_hint > 0) ms = (uint64_t)c->info.recv_timeout_hint * 1000u;
    int need = ms && c->sess && c->phase == PH_READY && !c->paused && !c->err &&
               bolt_session_pending_requests(c->sess) > 0;
    int active = uv_is_active((uv_handle_t *)&c->rtimer);
    if (need && !active)
        uv_timer_start(&c->rtimer, on_rtimer, ms, ms);
    else if (!need && active)
        uv_timer_stop(&c->rtimer);
}

static void on_rtimer(uv_timer_t *t)
{
    bolt_conn *c = t->data;
    uint64_t ms =
        c->recv_timeout_ms
            ? c->recv_timeout_ms
            : (uint64_t)(c->info.recv_timeout_hint > 0 ? c->info.recv_timeout_hint * 1000 : 0);
    conn_fail(c, BOLT_E_TIMEOUT, "no answer from %s for %.1f s (receive timeout%s)",
              c->info.address, (double)ms / 1000.0,
              c->recv_timeout_ms ? "" : " from the server's connection.recv_timeout_seconds");
    conn_pump(c);
}

void conn_pump(bolt_conn *c)
{
    if (c->finished || c->final) return;
    if (c->in_pump) {
        c->pump_again = 1;
        return;
    }
    c->in_pump = 1;
    do {
        c->pump_again = 0;
        if (c->close_requested) break;
        if (c->tls && bolt_tls_done(c->tls) && c->phase >= PH_BOLT && c->phase <= PH_READY) {
            conn_tls_pump_in(c);
            if (c->eof_seen && !c->err) handle_eof(c);
        }
        conn_start_next(c);
        if (c->sess && c->phase >= PH_BOLT && c->phase <= PH_READY) conn_process_events(c);
        conn_flush(c);
        update_reading(c);
        update_rtimer(c);
    } while (c->pump_again && !c->close_requested);
    c->in_pump = 0;
    if (c->close_requested && !c->closing) conn_start_close(c);
}
