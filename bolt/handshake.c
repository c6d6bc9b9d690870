/* Bolt version negotiation: the legacy 4-byte reply and the manifest v1 exchange
 * (bolt-reference 1.2-1.5). Sans-I/O and incremental: every state keeps its partial input in
 * h->in, so the server's reply may arrive in pieces of any size. */
#include "bolt/handshake.h"

#include <string.h>

#include "bolt/error.h"

const uint32_t bolt_default_proposals[4] = {
    BOLT_PROPOSAL(5, 8, 8), /* 5.0-5.8 */
    BOLT_PROPOSAL(4, 4, 2), /* 4.2-4.4 */
    BOLT_PROPOSAL(4, 0, 0), /* 4.0: 4.0/4.1 servers and 4.2 without ranges still get `db` */
    BOLT_PROPOSAL(3, 0, 0), /* 3.5 */
};

const uint32_t bolt_manifest_proposals[4] = {
    BOLT_MANIFEST_V1,
    BOLT_PROPOSAL(5, 8, 8),
    BOLT_PROPOSAL(4, 4, 2),
    BOLT_PROPOSAL(3, 0, 0),
};

enum {
    HS_REPLY = 0, /* reading the 4-byte reply */
    HS_COUNT,     /* manifest: varint number of entries */
    HS_ENTRIES,   /* manifest: 4-byte entries */
    HS_CAPS,      /* manifest: varint capabilities */
    HS_DONE,
    HS_FAILED
};

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t get_be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

void bolt_handshake_init(bolt_handshake *h, const uint32_t proposals[4])
{
    memset(h, 0, sizeof *h);
    if (!proposals) proposals = bolt_default_proposals;
    memcpy(h->proposals, proposals, sizeof h->proposals);
    put_be32(h->out, BOLT_MAGIC);
    for (int i = 0; i < 4; i++)
        put_be32(h->out + 4 + 4 * i, h->proposals[i]);
    h->out_len = 20;
    h->state = HS_REPLY;
}

size_t bolt_handshake_output(const bolt_handshake *h, const uint8_t **data)
{
    *data = h->out + h->out_sent;
    return h->out_len - h->out_sent;
}

void bolt_handshake_output_consumed(bolt_handshake *h, size_t n)
{
    size_t left = h->out_len - h->out_sent;
    h->out_sent += n < left ? n : left;
}

int bolt_proposal_covers(uint32_t p, unsigned major, unsigned minor)
{
    unsigned pmajor = p & 0xFFu, pminor = (p >> 8) & 0xFFu, range = (p >> 16) & 0xFFu;
    /* Major 0 is an empty slot, major 0xFF a handshake-version marker (the manifest). */
    if ((p >> 24) != 0 || pmajor == 0 || pmajor == 0xFF) return 0;
    if (major != pmajor) return 0;
    unsigned lo = pminor >= range ? pminor - range : 0;
    return minor >= lo && minor <= pminor;
}

static int offered(const bolt_handshake *h, unsigned major, unsigned minor)
{
    for (int i = 0; i < 4; i++)
        if (bolt_proposal_covers(h->proposals[i], major, minor)) return 1;
    return 0;
}

static int manifest_offered(const bolt_handshake *h)
{
    for (int i = 0; i < 4; i++)
        if (h->proposals[i] == BOLT_MANIFEST_V1) return 1;
    return 0;
}

size_t bolt_varint_encode(uint64_t v, uint8_t out[10])
{
    size_t n = 0;
    do {
        uint8_t b = (uint8_t)(v & 0x7Fu);
        v >>= 7;
        out[n++] = v ? (uint8_t)(b | 0x80u) : b;
    } while (v);
    return n;
}

int bolt_varint_decode(const uint8_t *p, size_t len, uint64_t *v)
{
    uint64_t r = 0;
    for (size_t i = 0; i < 10; i++) {
        if (i == len) return 0;
        uint8_t b = p[i];
        /* The 10th byte holds bit 63 only; anything more does not fit in 64 bits. */
        if (i == 9 && (b & 0xFEu)) return BOLT_E_HS_MANIFEST;
        r |= (uint64_t)(b & 0x7Fu) << (7 * i);
        if (!(b & 0x80u)) {
            *v = r;
            return (int)(i + 1);
        }
    }
    return BOLT_E_HS_MANIFEST; /* not reached: the 10th byte either ends or fails above */
}

static int fail(bolt_handshake *h, int err)
{
    h->state = HS_FAILED;
    h->err = err;
    h->major = h->minor = 0;
    if (err == BOLT_E_HS_MANIFEST && h->manifest) {
        /* Tell the server no version was chosen (00 00 00 00) and no capabilities (00). */
        memset(h->out + h->out_len, 0, 5);
        h->out_len += 5;
    }
    return err;
}

/* The server's 4-byte answer to our proposals. */
static int on_reply(bolt_handshake *h, const uint8_t r[4])
{
    uint32_t w = get_be32(r);
    if (w == 0) return fail(h, BOLT_E_HS_NO_VERSION);
    if (memcmp(r, "HTTP", 4) == 0) return fail(h, BOLT_E_HS_HTTP);
    if (w == BOLT_MANIFEST_V1) {
        if (!manifest_offered(h)) return fail(h, BOLT_E_HS_NOT_OFFERED);
        h->manifest = 1;
        h->state = HS_COUNT;
        return 0;
    }
    /* A version reply carries no range and nothing in the top byte. */
    if (r[0] != 0 || r[1] != 0 || !offered(h, r[3], r[2])) return fail(h, BOLT_E_HS_NOT_OFFERED);
    h->major = r[3];
    h->minor = r[2];
    h->state = HS_DONE;
    return 1;
}

/* One manifest entry 00 RR MI MA: remember the best version we also offered. */
static void on_entry(bolt_handshake *h, uint32_t e)
{
    h->server_versions[h->server_version_count++] = e;
    unsigned major = e & 0xFFu, minor = (e >> 8) & 0xFFu, range = (e >> 16) & 0xFFu;
    unsigned lo = minor >= range ? minor - range : 0;
    for (unsigned m = minor + 1; m-- > lo;) {
        if (!offered(h, major, m)) continue;
        if (major > h->major || (major == h->major && m > h->minor)) {
            h->major = (uint8_t)major;
            h->minor = (uint8_t)m;
        }
        break;
    }
}

static int on_caps(bolt_handshake *h)
{
    if (h->major == 0) return fail(h, BOLT_E_HS_MANIFEST);
    uint8_t *p = h->out + h->out_len;
    p[0] = 0;
    p[1] = 0;
    p[2] = h->minor;
    p[3] = h->major;
    p[4] = 0; /* capabilities selected: none (no public capability bits are defined) */
    h->out_len += 5;
    h->state = HS_DONE;
    return 1;
}

int bolt_handshake_feed(bolt_handshake *h, const uint8_t *data, size_t len, size_t *consumed)
{
    size_t used = 0;
    int rc = 0;
    if (h->state == HS_FAILED) {
        rc = h->err;
        goto out;
    }
    while (h->state != HS_DONE && used < len) {
        h->in[h->in_len++] = data[used++];
        switch (h->state) {
        case HS_REPLY:
            if (h->in_len < 4) continue;
            h->in_len = 0;
            rc = on_reply(h, h->in);
            break;
        case HS_COUNT:
        case HS_CAPS: {
            uint64_t v = 0;
            int n = bolt_varint_decode(h->in, h->in_len, &v);
            if (n == 0) continue;
            h->in_len = 0;
            if (n < 0) {
                rc = fail(h, n);
            } else if (h->state == HS_CAPS) {
                h->capabilities = v;
                rc = on_caps(h);
            } else if (v > BOLT_HS_MAX_MANIFEST_VERSIONS) {
                rc = fail(h, BOLT_E_HS_MANIFEST); /* no server lists that many versions */
            } else {
                h->count_left = v;
                h->state = v ? HS_ENTRIES : HS_CAPS;
            }
            break;
        }
        case HS_ENTRIES:
            if (h->in_len < 4) continue;
            h->in_len = 0;
            on_entry(h, get_be32(h->in));
            if (--h->count_left == 0) h->state = HS_CAPS;
            break;
        default:
            break;
        }
        if (rc != 0) break;
    }
    if (h->state == HS_DONE) rc = 1;
out:
    if (consumed) *consumed = used;
    return rc;
}
