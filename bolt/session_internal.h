/* bolt/session_internal.h - the session's private state, shared by session.c (lifecycle and
 * bytes), session_events.c (responses -> events) and session_requests.c (requests and the
 * client-side state prediction). Not installed; nothing outside bolt/session*.c includes it.
 */
#ifndef BOLT_SESSION_INTERNAL_H
#define BOLT_SESSION_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "bolt/alloc.h"
#include "bolt/chunk.h"
#include "bolt/handshake.h"
#include "bolt/message.h"
#include "bolt/packstream.h"
#include "bolt/session.h"
#include "bolt/value.h"

/* One request waiting for its response (FIFO: the server answers in request order). */
typedef struct bolt_pending {
    uint64_t seq;
    uint8_t kind;      /* bolt_request */
    uint8_t uncertain; /* PULL/DISCARD of n >= 0: only its has_more tells the next state */
    uint8_t in_tx;     /* sent inside an explicit transaction */
    uint8_t partial;   /* PULL/DISCARD of n >= 0 (Bolt 4+): has_more true is legitimate */
} bolt_pending;

struct bolt_session {
    /* ---- configuration (owned copies) ---- */
    char *user_agent;
    char *principal;
    char *credentials; /* wiped before it is freed */
    char *realm;
    bolt_auth_scheme scheme;
    uint32_t proposals[4];
    bolt_arena cfg_arena; /* deep copy of the routing context */
    bolt_value *routing;  /* in cfg_arena, or NULL */
    int utc_patch;
    int notifications_off;

    /* ---- handshake ---- */
    bolt_handshake hs;
    int hs_done;
    unsigned major, minor;
    bolt_dialect dialect;

    /* ---- output ---- */
    bolt_buf out;
    bolt_buf scratch;       /* encoding target while `out` holds credentials */
    uint64_t out_consumed;  /* bytes handed to the transport so far */
    uint64_t sensitive_end; /* out_consumed value once the last credential byte is written */
    uint64_t goodbye_mark;  /* out_consumed value at which GOODBYE is fully written (0 = none) */
    int goodbye;            /* GOODBYE queued: no new requests */
    int out_sensitive;      /* out holds credentials: wipe the buffer once it drains */

    /* ---- input ---- */
    bolt_dechunker dc;
    bolt_buf stage;  /* input received while an event still points into dc's buffer */
    int held;        /* the last event's values point into the dechunker's message */
    int stage_input; /* the last bolt_session_input_buffer() pointed into `stage` */
    int eof;
    bolt_arena arena; /* values of the current message; reset per message */
    unsigned max_depth;
    int raw_records;        /* deliver RECORDs undecoded (bolt_session_set_raw_records) */
    const uint8_t *cur_raw; /* the RECORD the live event carries, for decode_record's check */
    size_t cur_raw_len;

    /* ---- requests ---- */
    bolt_pending *q; /* ring buffer */
    size_t qcap, qhead, qlen;
    uint64_t next_seq;
    size_t pending_resets; /* RESET / ACK_FAILURE entries in q */
    size_t uncertain;      /* uncertain entries in q */

    /* ---- predicted server state after everything sent ---- */
    bolt_state pstate;
    int ptx;         /* inside BEGIN..COMMIT/ROLLBACK (kept through FAILED) */
    int srv_failed;  /* the server is in FAILED at the point the responses reached */
    int utc_pending; /* 4.3/4.4 asked for the utc patch, HELLO not answered yet */

    /* ---- events ---- */
    int connected_event; /* BOLT_EV_CONNECTED still to be reported */
    int error_event;     /* BOLT_EV_ERROR still to be reported (err = defunct) */
    bolt_request error_req;
    uint64_t error_seq;
    int defunct; /* 0, or the code every later call returns */

    /* ---- what the server told us ---- */
    char *server_agent;
    char *connection_id;
    int64_t recv_timeout;
    bolt_buf failure;          /* "code\0message\0gql_status\0" */
    size_t fail_msg, fail_gql; /* offsets into failure.data */
    int has_failure;
};

/* session.c */
/* The session is over: every later call returns err. _fail() also reports BOLT_EV_ERROR (for
 * request req, may be NULL); _close() does not (the event that explains it was already given,
 * or nothing was lost). */
void bolt__session_fail(bolt_session *s, int err, const bolt_pending *req);
void bolt__session_close(bolt_session *s, int err);
void bolt__wipe(void *p, size_t n);
void bolt__session_check_goodbye(bolt_session *s);
int bolt__out_append(bolt_session *s, const uint8_t *p, size_t n);

/* session_requests.c */
int bolt__session_queue_auth(bolt_session *s); /* HELLO (+ LOGON) after the handshake */
int bolt__q_push(bolt_session *s, bolt_request kind, int partial, int uncertain, uint64_t *seq);
bolt_pending *bolt__q_head(bolt_session *s);
void bolt__q_pop(bolt_session *s);
void bolt__q_forget_uncertain(bolt_session *s);

#endif
