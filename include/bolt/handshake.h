/* bolt/handshake.h - Bolt version negotiation, legacy and manifest v1 (bolt-reference 1).
 *
 * Sans-I/O: bolt_handshake_init() prepares the 20 opening bytes; feed the server's reply with
 * bolt_handshake_feed() until it returns 1 (done) or an error. With the manifest, the client's
 * selection (4 bytes + varint capabilities) is appended to the output when the manifest has
 * been read; bolt_handshake_output() always returns what still has to be written.
 */
#ifndef BOLT_HANDSHAKE_H
#define BOLT_HANDSHAKE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BOLT_MAGIC 0x6060B017u
#define BOLT_MANIFEST_V1 0x000001FFu

/* A proposal word: 00 RR MI MA (bolt-reference 1.2). */
#define BOLT_PROPOSAL(major, minor, range)                                                         \
    ((uint32_t)(((uint32_t)(range) << 16) | ((uint32_t)(minor) << 8) | (uint32_t)(major)))

/* Default offer (proposal set A): 5.0-5.8, 4.2-4.4, 4.0, 3. */
extern const uint32_t bolt_default_proposals[4];
/* Manifest offer (proposal set B): manifest v1, 5.0-5.8, 4.2-4.4, 3. */
extern const uint32_t bolt_manifest_proposals[4];

#define BOLT_HS_MAX_MANIFEST_VERSIONS 64

typedef struct bolt_handshake {
    uint32_t proposals[4];
    uint8_t out[32]; /* bytes to send */
    size_t out_len;
    size_t out_sent; /* advanced by bolt_handshake_output_consumed() */
    uint8_t in[16];  /* partial reply or varint */
    size_t in_len;
    int state; /* internal */
    int err;   /* sticky error once failed */
    /* results */
    uint8_t major, minor; /* the agreed version once done */
    int manifest;         /* 1 if the server answered with the manifest */
    uint32_t server_versions[BOLT_HS_MAX_MANIFEST_VERSIONS]; /* manifest entries (00 RR MI MA) */
    size_t server_version_count; /* a manifest announcing more entries is rejected */
    uint64_t capabilities;       /* capability mask the server offered; we select none */
    uint64_t count_left;         /* internal: manifest entries still to read */
} bolt_handshake;

/* proposals NULL = bolt_default_proposals. A proposal of BOLT_MANIFEST_V1 enables the manifest
 * path; the highest version that both an entry of the server's manifest and one of our other
 * proposals cover is chosen. An entry whose range reaches below minor 0 is clipped at 0. */
void bolt_handshake_init(bolt_handshake *h, const uint32_t proposals[4]);

size_t bolt_handshake_output(const bolt_handshake *h, const uint8_t **data);
void bolt_handshake_output_consumed(bolt_handshake *h, size_t n);

/* Consumes up to len bytes (*consumed tells how many; bytes after the handshake belong to the
 * Bolt stream; consumed may be NULL). Any split of the reply works, down to one byte per call.
 * Returns 0 when more input is needed, 1 when done (major/minor set; further calls consume
 * nothing and return 1), or a sticky error:
 * BOLT_E_HS_NO_VERSION (00 00 00 00), BOLT_E_HS_HTTP ("HTTP"), BOLT_E_HS_NOT_OFFERED,
 * BOLT_E_HS_MANIFEST (malformed manifest or nothing acceptable in it: the output then holds the
 * 00 00 00 00 + 00 refusal to send before closing). */
int bolt_handshake_feed(bolt_handshake *h, const uint8_t *data, size_t len, size_t *consumed);

/* Is major.minor covered by proposal word p (range aware; the manifest marker and an empty
 * slot 00 00 00 00 cover none)? */
int bolt_proposal_covers(uint32_t p, unsigned major, unsigned minor);

/* Unsigned LEB128 as used by the manifest. encode returns bytes written (<= 10); decode
 * returns bytes read, 0 if incomplete, or BOLT_E_HS_MANIFEST on overflow. */
size_t bolt_varint_encode(uint64_t v, uint8_t out[10]);
int bolt_varint_decode(const uint8_t *p, size_t len, uint64_t *v);

#ifdef __cplusplus
}
#endif
#endif
