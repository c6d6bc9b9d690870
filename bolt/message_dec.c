/* Bolt response decoding (bolt-reference 4.1, 4.8): SUCCESS, RECORD, IGNORED and FAILURE with
 * exactly their fields, nothing after them, and FAILURE metadata read across versions. */
#include <string.h>

#include "bolt/error.h"
#include "bolt/message.h"

int bolt_decode_server_message_ex(const uint8_t *msg, size_t len, const bolt_decoder *dec,
                                  bolt_message *out)
{
    if (!out) return BOLT_E_INVAL;
    memset(out, 0, sizeof *out);
    if (!dec || !dec->arena || !dec->dialect || (!msg && len)) return BOLT_E_INVAL;

    uint8_t fields, sig;
    size_t used;
    if (bolt_decode_struct_header(msg, len, &fields, &sig, &used) < 0) return BOLT_E_BAD_MESSAGE;

    uint8_t want_type;
    switch (sig) {
    case BOLT_MSG_SUCCESS:
    case BOLT_MSG_FAILURE:
        want_type = BOLT_T_MAP;
        break;
    case BOLT_MSG_RECORD:
        want_type = BOLT_T_LIST;
        break;
    case BOLT_MSG_IGNORED:
        if (fields != 0) return BOLT_E_BAD_MESSAGE;
        if (used != len) return BOLT_E_TRAILING;
        out->signature = sig;
        return 0;
    default:
        return BOLT_E_BAD_MESSAGE;
    }
    if (fields != 1) return BOLT_E_BAD_MESSAGE;

    bolt_value *v = bolt_arena_alloc(dec->arena, sizeof *v);
    if (!v) return BOLT_E_NOMEM;
    size_t n = 0;
    int rc = bolt_decode(dec, msg + used, len - used, v, &n);
    /* The message is complete (it was dechunked), so running out of bytes means the server
     * declared more than it sent: a malformed message, not a reason to wait for more. */
    if (rc == BOLT_E_TRUNCATED) return BOLT_E_BAD_MESSAGE;
    if (rc < 0) return rc;
    if (v->type != want_type) return BOLT_E_BAD_MESSAGE;
    if (used + n != len) return BOLT_E_TRAILING;
    out->signature = sig;
    if (want_type == BOLT_T_MAP)
        out->meta = v;
    else
        out->data = v;
    return 0;
}

int bolt_decode_server_message(const uint8_t *msg, size_t len, const bolt_dialect *dialect,
                               bolt_arena *arena, bolt_message *out)
{
    bolt_decoder dec = {dialect, arena, 0, 0};
    return bolt_decode_server_message_ex(msg, len, &dec, out);
}

static void str_field(const bolt_value *meta, const char *key, const char **s, size_t *n)
{
    const bolt_value *v = bolt_map_get(meta, key);
    if (v && v->type == BOLT_T_STRING) {
        *s = v->u.str;
        *n = v->len;
    }
}

void bolt_failure_read(const bolt_value *meta, bolt_failure_view *out)
{
    memset(out, 0, sizeof *out);
    if (!meta || meta->type != BOLT_T_MAP) return;
    str_field(meta, "code", &out->code, &out->code_len);
    if (!out->code) str_field(meta, "neo4j_code", &out->code, &out->code_len);
    str_field(meta, "message", &out->message, &out->message_len);
    str_field(meta, "gql_status", &out->gql_status, &out->gql_status_len);
    const bolt_value *cause = bolt_map_get(meta, "cause");
    if (cause && cause->type == BOLT_T_MAP) out->cause = cause;
}
