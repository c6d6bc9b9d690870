/* Bolt request encoders (bolt-reference section 4): one framed message per call, with only
 * the keys the negotiated version knows. Each encoder writes the body straight after a
 * reserved chunk header (bolt_frame_begin/end), so a message is never copied to be framed. */
#include <string.h>

#include "bolt/chunk.h"
#include "bolt/error.h"
#include "bolt/message.h"

#ifndef BOLTDIFF_VERSION
#define BOLTDIFF_VERSION "0"
#endif
#define DEFAULT_USER_AGENT "boltdiff/" BOLTDIFF_VERSION
/* bolt_agent.language names the driver's implementation language (Go sends "Go/1.21", Java
 * "Java/17"): this library is C11 whatever the application is written in. */
#define BOLT_AGENT_LANGUAGE "C/11"

const char *bolt_message_name(uint8_t signature, int bolt_major)
{
    switch (signature) {
    case BOLT_MSG_HELLO:
        return bolt_major > 0 && bolt_major <= 2 ? "INIT" : "HELLO";
    case BOLT_MSG_GOODBYE:
        return "GOODBYE";
    case BOLT_MSG_ACK_FAILURE:
        return "ACK_FAILURE";
    case BOLT_MSG_RESET:
        return "RESET";
    case BOLT_MSG_RUN:
        return "RUN";
    case BOLT_MSG_BEGIN:
        return "BEGIN";
    case BOLT_MSG_COMMIT:
        return "COMMIT";
    case BOLT_MSG_ROLLBACK:
        return "ROLLBACK";
    case BOLT_MSG_DISCARD:
        return bolt_major > 0 && bolt_major <= 3 ? "DISCARD_ALL" : "DISCARD";
    case BOLT_MSG_PULL:
        return bolt_major > 0 && bolt_major <= 3 ? "PULL_ALL" : "PULL";
    case BOLT_MSG_TELEMETRY:
        return "TELEMETRY";
    case BOLT_MSG_ROUTE:
        return "ROUTE";
    case BOLT_MSG_LOGON:
        return "LOGON";
    case BOLT_MSG_LOGOFF:
        return "LOGOFF";
    case BOLT_MSG_SUCCESS:
        return "SUCCESS";
    case BOLT_MSG_RECORD:
        return "RECORD";
    case BOLT_MSG_IGNORED:
        return "IGNORED";
    case BOLT_MSG_FAILURE:
        return "FAILURE";
    default:
        return "UNKNOWN";
    }
}

/* ---- helpers ------------------------------------------------------------------------------ */

static int at_least(unsigned major, unsigned minor, unsigned want_major, unsigned want_minor)
{
    return major > want_major || (major == want_major && minor >= want_minor);
}

/* Bolt majors this library speaks; a later major may change any message. */
static int known_version(unsigned major)
{
    return major >= 1 && major <= 6;
}

static void kv_str(bolt_buf *b, const char *key, const char *val)
{
    bolt_pack_cstr(b, key);
    bolt_pack_cstr(b, val);
}

/* Starts a message: checks the buffer and the version, reserves the chunk header and writes
 * the structure header. Returns 0 and the frame start in *begin, or an error. */
static int msg_begin(bolt_buf *out, unsigned major, uint8_t fields, uint8_t sig, size_t *begin)
{
    *begin = 0;
    if (!out) return BOLT_E_INVAL;
    if (out->err) return out->err;
    if (!known_version(major)) return BOLT_E_UNSUPPORTED;
    *begin = bolt_frame_begin(out);
    bolt_pack_struct_header(out, fields, sig);
    return 0;
}

static int msg_end(bolt_buf *out, size_t begin)
{
    if (!out->err) bolt_frame_end(out, begin, BOLT_CLIENT_MAX_CHUNK);
    int err = out->err;
    if (err) bolt_frame_abort(out, begin);
    return err;
}

static int empty_message(bolt_buf *out, unsigned major, uint8_t sig)
{
    size_t begin;
    int rc = msg_begin(out, major, 0, sig, &begin);
    return rc < 0 ? rc : msg_end(out, begin);
}

/* ---- auth --------------------------------------------------------------------------------- */

static int auth_check(const bolt_auth *a)
{
    if (!a || a->scheme == BOLT_AUTH_NONE) return 0;
    if (a->scheme == BOLT_AUTH_BASIC) return a->principal && a->credentials ? 0 : BOLT_E_INVAL;
    if (a->scheme == BOLT_AUTH_BEARER) return a->credentials ? 0 : BOLT_E_INVAL;
    return BOLT_E_INVAL;
}

static uint32_t auth_keys(const bolt_auth *a)
{
    if (!a || a->scheme == BOLT_AUTH_NONE) return 1;
    if (a->scheme == BOLT_AUTH_BEARER) return 2;
    return a->realm ? 4 : 3;
}

/* The auth token's entries (their count is auth_keys()); no map header. */
static void auth_entries(bolt_buf *b, const bolt_auth *a)
{
    if (!a || a->scheme == BOLT_AUTH_NONE) {
        kv_str(b, "scheme", "none");
    } else if (a->scheme == BOLT_AUTH_BEARER) {
        kv_str(b, "scheme", "bearer");
        kv_str(b, "credentials", a->credentials);
    } else {
        kv_str(b, "scheme", "basic");
        kv_str(b, "principal", a->principal);
        kv_str(b, "credentials", a->credentials);
        if (a->realm) kv_str(b, "realm", a->realm);
    }
}

static int is_map_or_null(const bolt_value *v)
{
    return v->type == BOLT_T_MAP || v->type == BOLT_T_NULL;
}

/* ---- connection messages ------------------------------------------------------------------ */

int bolt_enc_hello(bolt_buf *out, unsigned major, unsigned minor, const bolt_hello_opts *o)
{
    if (!o) return BOLT_E_INVAL;
    int rc = auth_check(o->auth);
    if (rc < 0) return rc;
    if (o->routing && !is_map_or_null(o->routing)) return BOLT_E_INVAL;
    const char *ua = o->user_agent ? o->user_agent : DEFAULT_USER_AGENT;
    size_t begin;

    if (major <= 2) {
        /* INIT user_agent auth */
        if ((rc = msg_begin(out, major, 2, BOLT_MSG_HELLO, &begin)) < 0) return rc;
        bolt_pack_cstr(out, ua);
        bolt_pack_map_header(out, auth_keys(o->auth));
        auth_entries(out, o->auth);
        return msg_end(out, begin);
    }

    int with_auth = !at_least(major, minor, 5, 1); /* from 5.1 credentials go in LOGON */
    int routing = o->routing && at_least(major, minor, 4, 1);
    int patch = o->utc_patch && major == 4 && minor >= 3;
    int agent = at_least(major, minor, 5, 3);
    int notif = o->notifications_off && at_least(major, minor, 5, 2);
    uint32_t n = 1 + (with_auth ? auth_keys(o->auth) : 0) + (uint32_t)routing + (uint32_t)patch +
                 (uint32_t)agent + (uint32_t)notif;

    if ((rc = msg_begin(out, major, 1, BOLT_MSG_HELLO, &begin)) < 0) return rc;
    bolt_pack_map_header(out, n);
    kv_str(out, "user_agent", ua);
    if (with_auth) auth_entries(out, o->auth);
    if (routing) {
        bolt_pack_cstr(out, "routing");
        bolt_pack_value(out, o->routing);
    }
    if (patch) {
        bolt_pack_cstr(out, "patch_bolt");
        bolt_pack_list_header(out, 1);
        bolt_pack_cstr(out, "utc");
    }
    if (agent) {
        bolt_pack_cstr(out, "bolt_agent");
        bolt_pack_map_header(out, 2 + (o->platform != NULL));
        kv_str(out, "product", o->bolt_agent ? o->bolt_agent : ua);
        if (o->platform) kv_str(out, "platform", o->platform);
        kv_str(out, "language", BOLT_AGENT_LANGUAGE);
    }
    if (notif) kv_str(out, "notifications_minimum_severity", "OFF");
    return msg_end(out, begin);
}

int bolt_enc_logon(bolt_buf *out, unsigned major, unsigned minor, const bolt_auth *auth)
{
    if (!at_least(major, minor, 5, 1)) return BOLT_E_UNSUPPORTED;
    int rc = auth_check(auth);
    if (rc < 0) return rc;
    size_t begin;
    if ((rc = msg_begin(out, major, 1, BOLT_MSG_LOGON, &begin)) < 0) return rc;
    bolt_pack_map_header(out, auth_keys(auth));
    auth_entries(out, auth);
    return msg_end(out, begin);
}

int bolt_enc_logoff(bolt_buf *out, unsigned major, unsigned minor)
{
    if (!at_least(major, minor, 5, 1)) return BOLT_E_UNSUPPORTED;
    return empty_message(out, major, BOLT_MSG_LOGOFF);
}

int bolt_enc_goodbye(bolt_buf *out, unsigned major, unsigned minor)
{
    (void)minor;
    if (major < 3) return BOLT_E_UNSUPPORTED;
    return empty_message(out, major, BOLT_MSG_GOODBYE);
}

int bolt_enc_reset(bolt_buf *out, unsigned major, unsigned minor)
{
    (void)minor;
    return empty_message(out, major, BOLT_MSG_RESET);
}

int bolt_enc_ack_failure(bolt_buf *out, unsigned major, unsigned minor)
{
    (void)minor;
    if (major != 1 && major != 2) return BOLT_E_UNSUPPORTED;
    return empty_message(out, major, BOLT_MSG_ACK_FAILURE);
}

/* ---- transactions and queries ------------------------------------------------------------- */

static int tx_check(unsigned major, unsigned minor, const bolt_tx_opts *t)
{
    if (!t) return 0;
    if (t->bookmark_count && !t->bookmarks) return BOLT_E_INVAL;
    for (size_t i = 0; i < t->bookmark_count; i++)
        if (!t->bookmarks[i]) return BOLT_E_INVAL;
    if (t->bookmark_count > UINT32_MAX) return BOLT_E_INVAL;
    if (t->tx_metadata && t->tx_metadata->type != BOLT_T_MAP) return BOLT_E_INVAL;
    if (t->imp_user && !at_least(major, minor, 4, 4)) return BOLT_E_UNSUPPORTED;
    return 0;
}

/* The extra dictionary of RUN and BEGIN. */
static void tx_extra(bolt_buf *b, unsigned major, unsigned minor, const bolt_tx_opts *t)
{
    if (!t) {
        bolt_pack_map_header(b, 0);
        return;
    }
    int db = t->db && major >= 4;
    int notif = t->notifications_off && at_least(major, minor, 5, 2);
    uint32_t n = (uint32_t)db + (t->mode != NULL) + (t->bookmarks != NULL) +
                 (t->tx_timeout_ms >= 0) + (t->tx_metadata != NULL) + (t->imp_user != NULL) +
                 (uint32_t)notif;
    bolt_pack_map_header(b, n);
    if (db) kv_str(b, "db", t->db);
    if (t->mode) kv_str(b, "mode", t->mode);
    if (t->bookmarks) {
        bolt_pack_cstr(b, "bookmarks");
        bolt_pack_list_header(b, (uint32_t)t->bookmark_count);
        for (size_t i = 0; i < t->bookmark_count; i++)
            bolt_pack_cstr(b, t->bookmarks[i]);
    }
    if (t->tx_timeout_ms >= 0) {
        bolt_pack_cstr(b, "tx_timeout");
        bolt_pack_int(b, t->tx_timeout_ms);
    }
    if (t->tx_metadata) {
        bolt_pack_cstr(b, "tx_metadata");
        bolt_pack_value(b, t->tx_metadata);
    }
    if (t->imp_user) kv_str(b, "imp_user", t->imp_user);
    if (notif) kv_str(b, "notifications_minimum_severity", "OFF");
}

int bolt_enc_run(bolt_buf *out, unsigned major, unsigned minor, const char *query, size_t qlen,
                 const bolt_value *params, const bolt_tx_opts *opts)
{
    if (!query && qlen) return BOLT_E_INVAL;
    if (params && params->type != BOLT_T_MAP) return BOLT_E_INVAL;
    int v3 = major >= 3;
    int rc = v3 ? tx_check(major, minor, opts) : 0;
    if (rc < 0) return rc;
    size_t begin;
    if ((rc = msg_begin(out, major, v3 ? 3 : 2, BOLT_MSG_RUN, &begin)) < 0) return rc;
    bolt_pack_string(out, query ? query : "", qlen);
    if (params)
        bolt_pack_value(out, params);
    else
        bolt_pack_map_header(out, 0);
    if (v3) tx_extra(out, major, minor, opts);
    return msg_end(out, begin);
}

int bolt_enc_begin(bolt_buf *out, unsigned major, unsigned minor, const bolt_tx_opts *opts)
{
    if (major < 3) return BOLT_E_UNSUPPORTED;
    int rc = tx_check(major, minor, opts);
    if (rc < 0) return rc;
    size_t begin;
    if ((rc = msg_begin(out, major, 1, BOLT_MSG_BEGIN, &begin)) < 0) return rc;
    tx_extra(out, major, minor, opts);
    return msg_end(out, begin);
}

int bolt_enc_commit(bolt_buf *out, unsigned major, unsigned minor)
{
    (void)minor;
    if (major < 3) return BOLT_E_UNSUPPORTED;
    return empty_message(out, major, BOLT_MSG_COMMIT);
}

int bolt_enc_rollback(bolt_buf *out, unsigned major, unsigned minor)
{
    (void)minor;
    if (major < 3) return BOLT_E_UNSUPPORTED;
    return empty_message(out, major, BOLT_MSG_ROLLBACK);
}

static int enc_stream(bolt_buf *out, unsigned major, uint8_t sig, int64_t n, int64_t qid)
{
    if (n == 0 || n < -1 || qid < -1) return BOLT_E_INVAL;
    if (major <= 3) {
        if (n != -1 || qid != -1) return BOLT_E_UNSUPPORTED;
        return empty_message(out, major, sig); /* PULL_ALL / DISCARD_ALL */
    }
    size_t begin;
    int rc = msg_begin(out, major, 1, sig, &begin);
    if (rc < 0) return rc;
    bolt_pack_map_header(out, qid == -1 ? 1 : 2);
    bolt_pack_cstr(out, "n");
    bolt_pack_int(out, n);
    if (qid != -1) {
        bolt_pack_cstr(out, "qid");
        bolt_pack_int(out, qid);
    }
    return msg_end(out, begin);
}

int bolt_enc_pull(bolt_buf *out, unsigned major, unsigned minor, int64_t n, int64_t qid)
{
    (void)minor;
    return enc_stream(out, major, BOLT_MSG_PULL, n, qid);
}

int bolt_enc_discard(bolt_buf *out, unsigned major, unsigned minor, int64_t n, int64_t qid)
{
    (void)minor;
    return enc_stream(out, major, BOLT_MSG_DISCARD, n, qid);
}

int bolt_enc_route(bolt_buf *out, unsigned major, unsigned minor, const bolt_value *routing,
                   const char **bookmarks, size_t bookmark_count, const char *db,
                   const char *imp_user)
{
    if (!at_least(major, minor, 4, 3)) return BOLT_E_UNSUPPORTED;
    if (routing && routing->type != BOLT_T_MAP) return BOLT_E_INVAL;
    if ((bookmark_count && !bookmarks) || bookmark_count > UINT32_MAX) return BOLT_E_INVAL;
    for (size_t i = 0; i < bookmark_count; i++)
        if (!bookmarks[i]) return BOLT_E_INVAL;
    int v44 = at_least(major, minor, 4, 4);
    if (imp_user && !v44) return BOLT_E_UNSUPPORTED;
    size_t begin;
    int rc = msg_begin(out, major, 3, BOLT_MSG_ROUTE, &begin);
    if (rc < 0) return rc;
    if (routing)
        bolt_pack_value(out, routing);
    else
        bolt_pack_map_header(out, 0);
    bolt_pack_list_header(out, (uint32_t)bookmark_count);
    for (size_t i = 0; i < bookmark_count; i++)
        bolt_pack_cstr(out, bookmarks[i]);
    if (v44) bolt_pack_map_header(out, imp_user ? 2 : 1);
    if (v44) bolt_pack_cstr(out, "db");
    if (db)
        bolt_pack_cstr(out, db);
    else
        bolt_pack_null(out);
    if (imp_user) kv_str(out, "imp_user", imp_user);
    return msg_end(out, begin);
}
