/* Fuzz target: the handshake reply parser, legacy and manifest v1, and the varint decoder.
 * Oracles: feeding the reply whole and one byte at a time gives the same result, bytes
 * consumed, version and output; an agreed version is one we offered; the output is the 20
 * opening bytes plus exactly the 5-byte selection or refusal on the manifest path.
 *
 * Input: byte 0 selects the proposals (0 default, 1 manifest, 2 = the next 16 bytes), then the
 * server's reply. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bolt/error.h"
#include "bolt/handshake.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct result {
    int rc;
    size_t used;
    uint8_t major, minor;
    int manifest;
    uint64_t caps;
    uint8_t out[32];
    size_t out_len;
} result;

static void run(const uint32_t *props, const uint8_t *r, size_t len, int bytewise, result *res)
{
    bolt_handshake h;
    bolt_handshake_init(&h, props);
    memset(res, 0, sizeof *res);
    size_t off = 0;
    int rc = 0;
    while (off < len) {
        size_t n = bytewise ? 1 : len - off, c = 0;
        rc = bolt_handshake_feed(&h, r + off, n, &c);
        if (c > n) abort();
        res->used += c;
        off += n;
        if (rc != 0) break;
        if (c != n) abort(); /* more input needed yet not all consumed */
    }
    res->rc = rc;
    res->major = h.major;
    res->minor = h.minor;
    res->manifest = h.manifest;
    res->caps = h.capabilities;
    const uint8_t *o;
    res->out_len = bolt_handshake_output(&h, &o);
    if (res->out_len > sizeof res->out) abort();
    memcpy(res->out, o, res->out_len);

    if (rc == 1) {
        int covered = 0;
        for (int i = 0; i < 4; i++)
            covered |= bolt_proposal_covers(h.proposals[i], h.major, h.minor);
        if (!covered) abort();
        if (h.manifest) {
            const uint8_t sel[5] = {0, 0, h.minor, h.major, 0};
            if (res->out_len != 25 || memcmp(res->out + 20, sel, 5) != 0) abort();
        } else if (res->out_len != 20) {
            abort();
        }
    } else if (rc == BOLT_E_HS_MANIFEST) {
        static const uint8_t refuse[5] = {0, 0, 0, 0, 0};
        if (res->out_len != 25 || memcmp(res->out + 20, refuse, 5) != 0) abort();
    } else if (rc == 0 || rc == BOLT_E_HS_NO_VERSION || rc == BOLT_E_HS_HTTP ||
               rc == BOLT_E_HS_NOT_OFFERED) {
        if (res->out_len != 20) abort();
    } else {
        abort();
    }
}

static void fuzz_varint(const uint8_t *p, size_t len)
{
    uint64_t v;
    int n = bolt_varint_decode(p, len, &v);
    if (n > 0) {
        uint8_t enc[10];
        size_t k = bolt_varint_encode(v, enc);
        uint64_t back;
        if (k > (size_t)n || bolt_varint_decode(enc, k, &back) != (int)k || back != v) abort();
    } else if (n != 0 && n != BOLT_E_HS_MANIFEST) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    uint32_t custom[4];
    const uint32_t *props = NULL;
    size_t skip = 1;
    switch (data[0] % 3) {
    case 1:
        props = bolt_manifest_proposals;
        break;
    case 2:
        if (size < 17) return 0;
        for (int i = 0; i < 4; i++) {
            const uint8_t *p = data + 1 + 4 * i;
            custom[i] = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
        }
        props = custom;
        skip = 17;
        break;
    default:
        break;
    }
    result whole, bytes;
    run(props, data + skip, size - skip, 0, &whole);
    run(props, data + skip, size - skip, 1, &bytes);
    if (whole.rc != bytes.rc || whole.used != bytes.used || whole.major != bytes.major ||
        whole.minor != bytes.minor || whole.manifest != bytes.manifest ||
        whole.caps != bytes.caps || whole.out_len != bytes.out_len ||
        memcmp(whole.out, bytes.out, whole.out_len) != 0)
        abort();
    fuzz_varint(data + 1, size - 1);
    return 0;
}
