/* bolt/session.h - the sans-I/O Bolt client: handshake, authentication, requests, responses.
 *
 * A bolt_session is a state machine with two byte streams and an event queue, in the style of
 * an nghttp2 session: the transport writes what bolt_session_output() gives, hands received
 * bytes to bolt_session_input() (or reads straight into bolt_session_input_buffer()), and then
 * drains bolt_session_next_event(). Nothing here touches a socket, a clock or a thread.
 *
 * Flow: bolt_session_new() queues the handshake. When the version is agreed the session queues
 * HELLO (and LOGON from 5.1) by itself and reports BOLT_EV_CONNECTED; BOLT_EV_READY follows
 * when the server accepted the credentials. Requests may be issued (pipelined) from
 * BOLT_EV_CONNECTED on; each one is answered by events in request order.
 *
 * Failure model (bolt-reference 4.9): a FAILURE moves the session to FAILED; requests pipelined
 * behind it are answered BOLT_EV_IGNORED; the caller sends bolt_session_reset() (ACK_FAILURE is
 * used on Bolt 1/2 automatically) and waits for its BOLT_EV_SUCCESS before new work. The
 * server's code and message stay readable through bolt_session_failure().
 *
 * Ownership: the session copies its configuration (credentials are wiped from memory when it
 * is freed); values and bytes in an event (meta, record, raw) are owned by the session and
 * valid until the next call of bolt_session_next_event() or bolt_session_free().
 *
 * Raw records (bolt_session_set_raw_records()): a consumer that reads RECORD bytes itself (a
 * hasher working straight on PackStream) can take RECORDs undecoded and decode only the ones it
 * needs as values (bolt_session_decode_record()).
 */
#ifndef BOLT_SESSION_H
#define BOLT_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "bolt/message.h"
#include "bolt/value.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bolt_session bolt_session;

typedef struct bolt_session_config {
    const char *user_agent;    /* NULL = "boltdiff/<version>" */
    bolt_auth auth;            /* copied */
    const uint32_t *proposals; /* 4 words; NULL = bolt_default_proposals */
    const bolt_value *routing; /* routing context MAP (deep-copied) or NULL */
    int utc_patch;             /* ask for patch_bolt ["utc"] on 4.3/4.4; recommended 1 */
    int notifications_off;     /* 5.2+; recommended 1 */
    size_t max_message;        /* 0 = BOLT_DEFAULT_MAX_MESSAGE */
    unsigned max_depth;        /* 0 = BOLT_DEFAULT_MAX_DEPTH */
} bolt_session_config;

/* Server-side states as the client predicts them after everything sent so far, assuming each
 * request succeeds; a FAILURE that arrives moves the prediction to FAILED (unless a RESET is
 * already on its way). INTERRUPTED: a RESET is in flight and is the last request sent.
 * AUTHENTICATION: after LOGOFF (5.1+). */
typedef enum bolt_state {
    BOLT_S_NEGOTIATION = 0,
    BOLT_S_AUTHENTICATION, /* 5.1+: HELLO done, LOGON pending */
    BOLT_S_READY,
    BOLT_S_STREAMING,
    BOLT_S_TX_READY,
    BOLT_S_TX_STREAMING,
    BOLT_S_FAILED,
    BOLT_S_INTERRUPTED,
    BOLT_S_DEFUNCT
} bolt_state;
const char *bolt_state_name(bolt_state s);

/* The request kind an event answers. */
typedef enum bolt_request {
    BOLT_REQ_NONE = 0,
    BOLT_REQ_HELLO,
    BOLT_REQ_LOGON,
    BOLT_REQ_LOGOFF,
    BOLT_REQ_RUN,
    BOLT_REQ_PULL,
    BOLT_REQ_DISCARD,
    BOLT_REQ_BEGIN,
    BOLT_REQ_COMMIT,
    BOLT_REQ_ROLLBACK,
    BOLT_REQ_RESET,
    BOLT_REQ_ROUTE,
    BOLT_REQ_ACK_FAILURE
} bolt_request;

typedef enum bolt_event_type {
    BOLT_EV_NONE = 0,
    BOLT_EV_CONNECTED, /* version agreed (major/minor); HELLO queued */
    BOLT_EV_READY,     /* authenticated; `meta` = HELLO (or LOGON) SUCCESS metadata. From 5.1
                          HELLO's SUCCESS is a BOLT_EV_SUCCESS and READY answers LOGON. */
    BOLT_EV_SUCCESS,   /* SUCCESS for `request`; `meta` = metadata; has_more for PULL/DISCARD */
    BOLT_EV_RECORD,    /* `record` = the list of values (one per field), NULL in raw mode;
                          `raw`/`raw_len` = the message bytes; only for PULL */
    BOLT_EV_FAILURE,   /* FAILURE for `request` (also after RECORDs: never a success);
                          `meta` = the FAILURE metadata; code etc. in bolt_session_failure() */
    BOLT_EV_IGNORED,   /* IGNORED for `request` */
    BOLT_EV_ERROR      /* fatal local error (`err`), for `request` = the oldest unanswered one
                          (BOLT_REQ_NONE if none); the session is DEFUNCT */
} bolt_event_type;

typedef struct bolt_event {
    bolt_event_type type;
    bolt_request request;
    uint64_t request_seq;     /* sequence number returned when the request was issued */
    const bolt_value *meta;   /* SUCCESS/READY metadata MAP */
    const bolt_value *record; /* RECORD list; NULL for a raw RECORD until decode_record */
    const uint8_t *raw;       /* RECORD (raw mode or not): the dechunked message, B1 71 ... */
    size_t raw_len;           /* its length; raw is NULL and raw_len 0 for other events */
    int has_more;             /* PULL/DISCARD SUCCESS with has_more true */
    int err;                  /* BOLT_EV_ERROR */
} bolt_event;

/* NULL on BOLT_E_NOMEM or BOLT_E_INVAL (reason in *err if err is not NULL): cfg NULL, routing
 * not a MAP, unknown auth scheme, basic auth without principal/credentials, bearer without a
 * token. The output then holds the 20 handshake bytes. */
bolt_session *bolt_session_new(const bolt_session_config *cfg, int *err);
void bolt_session_free(bolt_session *s);

/* ---- bytes ---- */
/* Pending bytes to write (valid until the next call that queues a request or consumes output).
 * Output is never discarded, also on a defunct session (a manifest refusal must still go out). */
size_t bolt_session_output(bolt_session *s, const uint8_t **data);
void bolt_session_output_consumed(bolt_session *s, size_t n);
/* Copies len bytes in. 0, or a negative code: the session's code when it is already defunct
 * (bytes dropped), BOLT_E_CLOSED after bolt_session_input_eof(), BOLT_E_NOMEM (the session is
 * then defunct too). Errors found IN the bytes are reported by bolt_session_next_event(). */
int bolt_session_input(bolt_session *s, const uint8_t *data, size_t len);
/* Zero-copy input: at least `hint` writable bytes at *ptr, then commit how many were written.
 * No other call on the session may come in between (the buffer may move). 0, the defunct code,
 * BOLT_E_CLOSED after EOF, or BOLT_E_NOMEM (no buffer; the session is unchanged). */
int bolt_session_input_buffer(bolt_session *s, size_t hint, uint8_t **ptr, size_t *avail);
void bolt_session_input_commit(bolt_session *s, size_t n);
/* The peer closed the stream. Once every complete message is handled: an unanswered request,
 * a half-received message or an unfinished handshake gives BOLT_EV_ERROR BOLT_E_CLOSED (a cut
 * stream never looks like a short success); otherwise next_event just returns BOLT_E_CLOSED
 * (BOLT_E_DEFUNCT after GOODBYE). */
void bolt_session_input_eof(bolt_session *s);
/* How many unread bytes the session holds (back-pressure: stop reading above a bound). */
size_t bolt_session_input_pending(const bolt_session *s);

/* ---- events ---- */
/* 1 with *ev filled, 0 when more input is needed, or a negative code when the session is
 * defunct (same code every call): the BOLT_EV_ERROR code, BOLT_E_AUTH after a HELLO/LOGON
 * FAILURE (servers close after it), BOLT_E_SERVER_FAILURE after a RESET FAILURE,
 * BOLT_E_DEFUNCT once GOODBYE is written, BOLT_E_CLOSED after a clean end of stream.
 * Messages that do not answer the oldest pending request (a RECORD with no PULL pending, a
 * SUCCESS while the server is FAILED, IGNORED with no FAILURE or RESET before it, has_more
 * for PULL -1, anything with nothing pending) give BOLT_EV_ERROR BOLT_E_UNEXPECTED; a
 * malformed message or framing its decoding/framing code. */
int bolt_session_next_event(bolt_session *s, bolt_event *ev);

/* Raw mode (on != 0): a message whose first two bytes are B1 71 (RECORD with one field) is
 * delivered as BOLT_EV_RECORD without being decoded: `record` is NULL, `raw`/`raw_len` hold the
 * message. It must still answer a PULL at the head of the queue with the server not FAILED
 * (else BOLT_EV_ERROR BOLT_E_UNEXPECTED, as in eager mode); every other message is decoded as
 * usual. The raw bytes are NOT validated: the consumer either checks them itself or calls
 * bolt_session_decode_record(). So a malformed RECORD fails the session only if it is
 * decoded; and because the queue check comes first, a malformed RECORD with no PULL pending
 * gives BOLT_E_UNEXPECTED where eager mode gives the decoder's code.
 * Off by default; may be switched between bolt_session_next_event() calls, and applies from the
 * next call on. */
void bolt_session_set_raw_records(bolt_session *s, int on);
/* Decodes ev->raw into ev->record with the same decoder, dialect, depth limit and arena as
 * eager mode (the values are identical, and valid as long as the event). ev must be the event
 * the last bolt_session_next_event() returned. 0 on success, also when ev->record is already
 * set. BOLT_E_INVAL for a non-RECORD event or an event that is not the current one. On a
 * malformed message (or BOLT_E_NOMEM) the session fails as eager mode would have: it is
 * DEFUNCT, the next bolt_session_next_event() reports BOLT_EV_ERROR with that code for the
 * PULL, and the code is returned. */
int bolt_session_decode_record(bolt_session *s, bolt_event *ev);

/* ---- requests (each returns a sequence number >= 0 or a negative code) ----
 * Nothing is written when a request is refused:
 *   BOLT_E_STATE       the server would close the connection for it in the predicted state
 *                      (COMMIT in READY, RUN while STREAMING - also inside a transaction, so
 *                      PULL/DISCARD never need a qid -, BEGIN in FAILED, LOGON in READY, ...),
 *                      before the handshake, after GOODBYE, or while the state is uncertain:
 *                      after PULL/DISCARD of n >= 0 only RESET is accepted until its SUCCESS
 *                      tells has_more. On Bolt 3 BEGIN is also refused while a request that
 *                      may still FAIL is in flight (Neo4j 3.5 closes on BEGIN in FAILED).
 *                      A DateTime parameter before the utc patch is settled (4.3/4.4).
 *   BOLT_E_UNSUPPORTED the negotiated version lacks the message (BEGIN on 1/2, ROUTE before
 *                      4.3, LOGON/LOGOFF before 5.1) or an option (encoder rules).
 *   BOLT_E_INVAL       bad arguments (query NULL, params not a MAP, n == 0 or < -1).
 *   BOLT_E_BAD_STRUCT  a DateTime parameter in the encoding the connection did not agree on.
 *   BOLT_E_NOMEM, or the session's code when it is defunct.
 * Requests sent in FAILED other than BEGIN are answered IGNORED (harmless). */
int64_t bolt_session_run(bolt_session *s, const char *query, const bolt_value *params,
                         const bolt_tx_opts *opts);    /* opts ignored inside a transaction */
int64_t bolt_session_pull(bolt_session *s, int64_t n); /* n -1 = all; Bolt <= 3: always all */
int64_t bolt_session_discard(bolt_session *s, int64_t n);
int64_t bolt_session_begin(bolt_session *s, const bolt_tx_opts *opts);
int64_t bolt_session_commit(bolt_session *s);
int64_t bolt_session_rollback(bolt_session *s);
/* Accepted in every state but AUTHENTICATION (after LOGOFF only LOGON is defined), also while
 * the state is uncertain. Bolt 1/2 send ACK_FAILURE when the session is FAILED (RESET
 * otherwise). */
int64_t bolt_session_reset(bolt_session *s);
/* routing NULL = the configured routing context, or {} */
int64_t bolt_session_route(bolt_session *s, const bolt_value *routing, const char **bookmarks,
                           size_t bookmark_count, const char *db);
int64_t bolt_session_logoff(bolt_session *s);
int64_t bolt_session_logon(bolt_session *s, const bolt_auth *auth);
/* Queues GOODBYE (Bolt 3+; nothing on 1/2); the session becomes DEFUNCT once it is written
 * (at once before the handshake is done); requests still unanswered then are abandoned. */
int bolt_session_goodbye(bolt_session *s);

/* ---- what the session knows ---- */
bolt_state bolt_session_state(const bolt_session *s);
int bolt_session_version(const bolt_session *s, unsigned *major, unsigned *minor); /* 0 or <0 */
const bolt_dialect *bolt_session_dialect(const bolt_session *s);
int bolt_session_used_manifest(const bolt_session *s);
const char *bolt_session_server_agent(const bolt_session *s);  /* "Neo4j/4.4.0" or NULL */
const char *bolt_session_connection_id(const bolt_session *s); /* or NULL */
int64_t bolt_session_recv_timeout_hint(const bolt_session *s); /* seconds or -1 */
size_t bolt_session_pending_requests(const bolt_session *s);
uint64_t bolt_session_noops(const bolt_session *s);
/* The last server FAILURE: code (`code` or `neo4j_code`), message, gql_status; NUL-terminated
 * copies owned by the session, "" when none; kept until the next FAILURE (RESET does not clear
 * it). Returns 1 if a failure was recorded. */
int bolt_session_failure(const bolt_session *s, const char **code, const char **message,
                         const char **gql_status);

#ifdef __cplusplus
}
#endif
#endif
