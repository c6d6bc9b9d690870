/* bolt/net/tls.h - INTERNAL: the TLS engine of one connection (OpenSSL through two memory
 * BIOs, so it never touches a socket and never blocks). conn.c moves ciphertext between the
 * socket and this engine; tests drive it against an in-memory OpenSSL server.
 *
 * Ownership: bolt_tls_new() keeps a pointer to the bolt_tls_ctx (which must outlive it);
 * bolt_tls_free() releases everything else. */
#ifndef BOLT_NET_TLS_H
#define BOLT_NET_TLS_H

#include <stddef.h>
#include <stdint.h>

#include "bolt/net.h"
#include "bolt/packstream.h"

typedef struct bolt_tls bolt_tls;

/* host: the name to verify and to send as SNI (not sent for IP literals, RFC 6066 3:
 * "Literal IPv4 and IPv6 addresses are not permitted in HostName"); host_ip 4/6 for literals. */
int bolt_tls_new(const bolt_tls_ctx *ctx, const char *host, int host_ip, bolt_tls **out);
void bolt_tls_free(bolt_tls *t);

/* Ciphertext received from the peer (copied into the read BIO). 0 or BOLT_E_NOMEM. */
int bolt_tls_feed(bolt_tls *t, const uint8_t *data, size_t len);
/* Advances the handshake: 1 done (pin checked), 0 more input needed, or BOLT_E_TLS /
 * BOLT_E_TLS_VERIFY / BOLT_E_TLS_PIN with a one-line reason in err. */
int bolt_tls_handshake(bolt_tls *t, char *err, size_t errlen);
/* Decrypts into buf: 0 with *got > 0, 0 with *got == 0 when more input is needed,
 * BOLT_E_CLOSED after the peer's close_notify, or BOLT_E_TLS with a reason in err. */
int bolt_tls_read(bolt_tls *t, uint8_t *buf, size_t cap, size_t *got, char *err, size_t errlen);
/* Encrypts all of data (the write BIO grows as needed). 0 or BOLT_E_TLS. */
int bolt_tls_write(bolt_tls *t, const uint8_t *data, size_t len, char *err, size_t errlen);
/* Appends the ciphertext waiting to be sent to out; returns how many bytes, or out's error. */
int bolt_tls_take_output(bolt_tls *t, bolt_buf *out);
/* Queues close_notify (take the output afterwards). */
void bolt_tls_shutdown(bolt_tls *t);
int bolt_tls_done(const bolt_tls *t);
void bolt_tls_get_info(const bolt_tls *t, bolt_tls_info *info);

#endif
