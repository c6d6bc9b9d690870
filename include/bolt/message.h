/* bolt/message.h - Bolt request encoding and response decoding (bolt-reference section 4).
 *
 * Every encoder appends ONE framed message (chunks + 00 00) to `out` and knows which keys the
 * negotiated version may carry: it drops what a version does not know (no `db` on Bolt 3, no
 * credentials in HELLO from 5.1, ...). The decoder turns one dechunked message into a
 * bolt_message whose values live in the caller's arena and point into the message bytes.
 * No function here does I/O.
 */
#ifndef BOLT_MESSAGE_H
#define BOLT_MESSAGE_H

#include <stddef.h>
#include <stdint.h>

#include "bolt/packstream.h"
#include "bolt/value.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Signatures */
enum bolt_signature {
    BOLT_MSG_HELLO = 0x01, /* INIT on Bolt 1/2 */
    BOLT_MSG_GOODBYE = 0x02,
    BOLT_MSG_ACK_FAILURE = 0x0E,
    BOLT_MSG_RESET = 0x0F,
    BOLT_MSG_RUN = 0x10,
    BOLT_MSG_BEGIN = 0x11,
    BOLT_MSG_COMMIT = 0x12,
    BOLT_MSG_ROLLBACK = 0x13,
    BOLT_MSG_DISCARD = 0x2F,
    BOLT_MSG_PULL = 0x3F,
    BOLT_MSG_TELEMETRY = 0x54,
    BOLT_MSG_ROUTE = 0x66,
    BOLT_MSG_LOGON = 0x6A,
    BOLT_MSG_LOGOFF = 0x6B,
    BOLT_MSG_SUCCESS = 0x70,
    BOLT_MSG_RECORD = 0x71,
    BOLT_MSG_IGNORED = 0x7E,
    BOLT_MSG_FAILURE = 0x7F
};

const char *bolt_message_name(uint8_t signature, int bolt_major); /* "RUN", "INIT", ... */

typedef enum bolt_auth_scheme {
    BOLT_AUTH_NONE = 0,
    BOLT_AUTH_BASIC,
    BOLT_AUTH_BEARER
} bolt_auth_scheme;

/* Borrowed strings; nothing here is copied by the encoders. */
typedef struct bolt_auth {
    bolt_auth_scheme scheme;
    const char *principal;   /* basic */
    const char *credentials; /* basic password or bearer token; never logged */
    const char *realm;       /* optional */
} bolt_auth;

typedef struct bolt_hello_opts {
    const char *user_agent;    /* "boltdiff/0.1.0" */
    const char *bolt_agent;    /* product "name/version" (5.3+) */
    const char *platform;      /* bolt_agent.platform, optional */
    const bolt_auth *auth;     /* merged into HELLO up to 5.0 (INIT field on 1/2) */
    const bolt_value *routing; /* NULL = no routing key; a MAP value = routing context (4.1+) */
    int utc_patch;             /* ask patch_bolt ["utc"] (4.3/4.4 only) */
    int notifications_off;     /* notifications_minimum_severity "OFF" (5.2+) */
} bolt_hello_opts;

/* Extra of RUN and BEGIN. Unset fields (NULL / <0) are not sent; bookmarks != NULL with
 * bookmark_count 0 sends []. Keys go out in the order db, mode, bookmarks, tx_timeout,
 * tx_metadata, imp_user, notifications_minimum_severity (the order of the 3.5.22 captures and
 * of bolt-reference 4.1). A key the version does not know is dropped (db on Bolt 3 reads the one
 * database of a 3.5 server anyway), except imp_user below 4.4: BOLT_E_UNSUPPORTED, because
 * running as the wrong user must never happen silently. */
typedef struct bolt_tx_opts {
    const char *db;         /* 4.0+ */
    const char *mode;       /* "r" for every verifier read; NULL = server default "w" */
    const char **bookmarks; /* bookmark_count strings */
    size_t bookmark_count;
    int64_t tx_timeout_ms;         /* <0 = unset */
    const bolt_value *tx_metadata; /* MAP or NULL */
    const char *imp_user;          /* 4.4+ */
    int notifications_off;         /* 5.2+ per query override; 0 = unset */
} bolt_tx_opts;

/* clang-format off */
#define BOLT_TX_OPTS_INIT {NULL, NULL, NULL, 0, -1, NULL, NULL, 0}
/* clang-format on */

/* All encoders return 0, BOLT_E_UNSUPPORTED (message does not exist on that version, e.g.
 * LOGON on 4.4, ROUTE on 4.2; or a Bolt major outside 1..6), BOLT_E_INVAL (a NULL where a value
 * is required, a parameter/routing/metadata value that is not a MAP, basic auth without
 * principal or credentials, n or qid out of range) or the buffer's error (BOLT_E_NOMEM). On
 * error `out` is left exactly as it was (and out->err cleared); an `out` that already carries an
 * error is left alone and its error returned.
 *
 * Framing: chunks of BOLT_CLIENT_MAX_CHUNK bytes. Auth: BOLT_AUTH_NONE (or auth NULL) sends
 * {scheme:"none"}; basic {scheme, principal, credentials[, realm]}; bearer {scheme,
 * credentials}. HELLO keys in order: user_agent, the auth keys (3 - 5.0), routing (4.1+),
 * patch_bolt (4.3/4.4), bolt_agent {product, platform, language: "C/11"} (5.3+; product
 * defaults to user_agent; platform only when set), notifications_minimum_severity (5.2+). Bolt 1/2
 * HELLO writes INIT. */
int bolt_enc_hello(bolt_buf *out, unsigned major, unsigned minor, const bolt_hello_opts *o);
int bolt_enc_logon(bolt_buf *out, unsigned major, unsigned minor, const bolt_auth *auth);
int bolt_enc_logoff(bolt_buf *out, unsigned major, unsigned minor);
int bolt_enc_goodbye(bolt_buf *out, unsigned major, unsigned minor);
int bolt_enc_reset(bolt_buf *out, unsigned major, unsigned minor);
int bolt_enc_ack_failure(bolt_buf *out, unsigned major, unsigned minor); /* 1/2 only */
/* params: MAP or NULL (empty map). opts NULL = auto-commit without extra; inside an explicit
 * transaction pass opts NULL (extra {} is sent). */
int bolt_enc_run(bolt_buf *out, unsigned major, unsigned minor, const char *query, size_t qlen,
                 const bolt_value *params, const bolt_tx_opts *opts);
int bolt_enc_begin(bolt_buf *out, unsigned major, unsigned minor, const bolt_tx_opts *opts);
int bolt_enc_commit(bolt_buf *out, unsigned major, unsigned minor);
int bolt_enc_rollback(bolt_buf *out, unsigned major, unsigned minor);
/* n = -1 for all (or > 0); qid = -1 for the last statement (sent only when != -1). On
 * Bolt <= 3 writes PULL_ALL/DISCARD_ALL and returns BOLT_E_UNSUPPORTED when n or qid != -1
 * (no back-pressure there). */
int bolt_enc_pull(bolt_buf *out, unsigned major, unsigned minor, int64_t n, int64_t qid);
int bolt_enc_discard(bolt_buf *out, unsigned major, unsigned minor, int64_t n, int64_t qid);
/* 4.3: db (string or null) as third field, imp_user unsupported; 4.4+: {"db": string|null
 * [, "imp_user": string]}. routing is a MAP (NULL = {}). */
int bolt_enc_route(bolt_buf *out, unsigned major, unsigned minor, const bolt_value *routing,
                   const char **bookmarks, size_t bookmark_count, const char *db,
                   const char *imp_user);

/* A decoded server message. */
typedef struct bolt_message {
    uint8_t signature;      /* BOLT_MSG_SUCCESS / RECORD / IGNORED / FAILURE */
    const bolt_value *meta; /* SUCCESS / FAILURE metadata map (never NULL for those) */
    const bolt_value *data; /* RECORD: the list of values */
} bolt_message;

/* Decodes one dechunked server message. Fields are decoded with the dialect's structure rules;
 * values go to `arena` (and strings point into msg). Errors: BOLT_E_BAD_MESSAGE (not a
 * structure, unknown signature, wrong field count, SUCCESS/FAILURE metadata not a map, RECORD
 * data not a list), BOLT_E_TRAILING, BOLT_E_NOMEM and any decoder error of a field. *out is
 * zeroed on error. */
int bolt_decode_server_message(const uint8_t *msg, size_t len, const bolt_dialect *dialect,
                               bolt_arena *arena, bolt_message *out);
/* Same with the decoder's limits and flags (max_depth, BOLT_DECODE_CHECK_UTF8, ...); dec->dialect
 * and dec->arena are required. */
int bolt_decode_server_message_ex(const uint8_t *msg, size_t len, const bolt_decoder *dec,
                                  bolt_message *out);

/* FAILURE metadata reading across versions: `code` (<= 5.6) or `neo4j_code` (5.7+; `code`
 * wins when both are there), `message`, `gql_status` and the nested `cause` map when present.
 * Pointers into the message; lengths in *_len. Missing or not a string -> NULL/0; meta NULL or
 * not a map -> everything NULL. The strings are not NUL-terminated. */
typedef struct bolt_failure_view {
    const char *code;
    size_t code_len;
    const char *message;
    size_t message_len;
    const char *gql_status;
    size_t gql_status_len;
    const bolt_value *cause; /* nested cause map (5.7+) or NULL */
} bolt_failure_view;
void bolt_failure_read(const bolt_value *meta, bolt_failure_view *out);

#ifdef __cplusplus
}
#endif
#endif
