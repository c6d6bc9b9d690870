/* Fuzz target: the server message decoder under every dialect. Oracles: a message that
 * decodes is re-encoded (struct header + bolt_pack_value) and must decode again to an equal
 * value; re-encoding that gives the very same bytes (the packer is deterministic); FAILURE
 * metadata reading never fails; every error is one of the documented codes.
 *
 * Input: byte 0 = dialect (low 4 bits, table below) and flags (bit 4: check UTF-8, bit 5: a
 * small depth limit), then one dechunked message. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bolt/error.h"
#include "bolt/message.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct {
    uint8_t major, minor, utc;
} dialects[16] = {
    {1, 0, 0}, {2, 0, 0}, {3, 0, 0}, {4, 0, 0}, {4, 1, 0}, {4, 2, 0}, {4, 3, 0}, {4, 3, 1},
    {4, 4, 0}, {4, 4, 1}, {5, 0, 0}, {5, 2, 0}, {5, 4, 0}, {5, 7, 0}, {5, 8, 0}, {6, 0, 0},
};

static int known_error(int rc)
{
    switch (rc) {
    case BOLT_E_BAD_MESSAGE:
    case BOLT_E_TRAILING:
    case BOLT_E_NOMEM:
    case BOLT_E_TRUNCATED:
    case BOLT_E_RESERVED_MARKER:
    case BOLT_E_TOO_DEEP:
    case BOLT_E_TOO_BIG:
    case BOLT_E_MAP_KEY:
    case BOLT_E_BAD_STRUCT:
    case BOLT_E_UTF8:
        return 1;
    default:
        return 0;
    }
}

static void repack(bolt_buf *b, const bolt_message *m)
{
    bolt_buf_reset(b);
    const bolt_value *v = m->signature == BOLT_MSG_RECORD ? m->data : m->meta;
    bolt_pack_struct_header(b, v ? 1 : 0, m->signature);
    if (v) bolt_pack_value(b, v);
    if (b->err) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    bolt_dialect d;
    unsigned sel = data[0] & 0x0Fu;
    bolt_dialect_for(&d, dialects[sel].major, dialects[sel].minor, dialects[sel].utc);
    bolt_arena a1, a2;
    bolt_arena_init(&a1, 0, 64u * 1024 * 1024);
    bolt_arena_init(&a2, 0, 64u * 1024 * 1024);
    bolt_decoder dec = {&d, &a1, (data[0] & 0x20u) ? 3u : 0u,
                        (data[0] & 0x10u) ? BOLT_DECODE_CHECK_UTF8 : 0u};
    bolt_message m, m2;
    int rc = bolt_decode_server_message_ex(data + 1, size - 1, &dec, &m);
    if (rc < 0) {
        if (!known_error(rc)) abort();
        if (m.signature || m.meta || m.data) abort();
    } else {
        if (rc != 0) abort();
        if ((m.signature == BOLT_MSG_SUCCESS || m.signature == BOLT_MSG_FAILURE) &&
            (!m.meta || m.meta->type != BOLT_T_MAP))
            abort();
        if (m.signature == BOLT_MSG_RECORD && (!m.data || m.data->type != BOLT_T_LIST)) abort();
        bolt_failure_view f;
        bolt_failure_read(m.meta, &f);
        /* The view points into the message itself. */
        const char *lo = (const char *)data, *hi = (const char *)data + size;
        if ((f.code && (f.code < lo || f.code + f.code_len > hi)) ||
            (f.message && (f.message < lo || f.message + f.message_len > hi)) ||
            (f.gql_status && (f.gql_status < lo || f.gql_status + f.gql_status_len > hi)))
            abort();

        bolt_buf b1, b2;
        bolt_buf_init(&b1);
        bolt_buf_init(&b2);
        repack(&b1, &m);
        dec.arena = &a2;
        if (bolt_decode_server_message_ex(b1.data, b1.len, &dec, &m2) != 0) abort();
        if (m2.signature != m.signature) abort();
        const bolt_value *v1 = m.signature == BOLT_MSG_RECORD ? m.data : m.meta;
        const bolt_value *v2 = m2.signature == BOLT_MSG_RECORD ? m2.data : m2.meta;
        if ((v1 == NULL) != (v2 == NULL) || (v1 && !bolt_value_equal(v1, v2))) abort();
        repack(&b2, &m2);
        if (b1.len != b2.len || memcmp(b1.data, b2.data, b1.len) != 0) abort();
        bolt_buf_free(&b1);
        bolt_buf_free(&b2);
    }
    bolt_arena_free(&a1);
    bolt_arena_free(&a2);
    return 0;
}
