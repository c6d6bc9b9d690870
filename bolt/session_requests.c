/* Requests and the client-side prediction of the server state (bolt-reference 4.9).
 *
 * `pstate` is the state the server will be in after everything sent so far, assuming every
 * request succeeds. A request is refused locally (BOLT_E_STATE, nothing written) when the
 * server would treat it as a protocol violation: servers answer those with FAILURE
 * Request.Invalid and close the connection (captures 14, 15, 16, 57), which would cost the
 * caller the whole connection for a client bug.
 *
 * Two situations make the prediction uncertain, and both are resolved conservatively:
 *  - PULL/DISCARD of n >= 0 (Bolt 4+): only the has_more of its SUCCESS tells whether the
 *    stream is still open. Until it arrives, anything but RESET/GOODBYE is refused.
 *  - A FAILURE that has not arrived yet. In FAILED the server answers IGNORED, which is
 *    harmless, except that Neo4j 3.5 answers BEGIN in FAILED with FAILURE + close (capture
 *    57). On Bolt 3 BEGIN is therefore refused while any request that could still fail is in
 *    flight (a RESET in between makes it safe again).
 * Only one result stream is ever open (RUN is refused while STREAMING, also inside a
 * transaction), so PULL/DISCARD never need a qid.
 */
#include <string.h>

#include "bolt/error.h"
#include "session_internal.h"

#ifndef BOLTDIFF_VERSION
#define BOLTDIFF_VERSION "0"
#endif
#define BOLT_AGENT "boltdiff/" BOLTDIFF_VERSION

static int at_least(const bolt_session *s, unsigned major, unsigned minor)
{
    return s->major > major || (s->major == major && s->minor >= minor);
}

/* ---- the request queue (ring buffer) ------------------------------------------------------ */

static bolt_pending *q_at(bolt_session *s, size_t i)
{
    return &s->q[(s->qhead + i) % s->qcap];
}

/* Grows before anything is encoded, so that a push after a successful encode cannot fail. */
static int q_reserve(bolt_session *s, size_t extra)
{
    if (s->qlen + extra <= s->qcap) return 0;
    size_t cap = s->qcap ? s->qcap * 2 : 8;
    while (cap < s->qlen + extra)
        cap *= 2;
    bolt_pending *q = bolt_calloc(cap, sizeof *q);
    if (!q) return BOLT_E_NOMEM;
    for (size_t i = 0; i < s->qlen; i++)
        q[i] = *q_at(s, i);
    bolt_free(s->q);
    s->q = q;
    s->qcap = cap;
    s->qhead = 0;
    return 0;
}

int bolt__q_push(bolt_session *s, bolt_request kind, int partial, int uncertain, uint64_t *seq)
{
    if (q_reserve(s, 1) < 0) return BOLT_E_NOMEM;
    bolt_pending *p = &s->q[(s->qhead + s->qlen) % s->qcap];
    p->seq = s->next_seq++;
    p->kind = (uint8_t)kind;
    p->uncertain = uncertain != 0;
    p->in_tx = s->ptx != 0;
    p->partial = partial != 0;
    s->qlen++;
    if (uncertain) s->uncertain++;
    if (kind == BOLT_REQ_RESET || kind == BOLT_REQ_ACK_FAILURE) s->pending_resets++;
    if (seq) *seq = p->seq;
    return 0;
}

bolt_pending *bolt__q_head(bolt_session *s)
{
    return s->qlen ? &s->q[s->qhead] : NULL;
}

void bolt__q_pop(bolt_session *s)
{
    bolt_pending *p = bolt__q_head(s);
    if (!p) return;
    if (p->uncertain) s->uncertain--;
    if (p->kind == BOLT_REQ_RESET || p->kind == BOLT_REQ_ACK_FAILURE) s->pending_resets--;
    s->qhead = (s->qhead + 1) % s->qcap;
    s->qlen--;
}

/* Outcomes of requests already queued stop mattering (RESET sent, or a FAILURE arrived). */
void bolt__q_forget_uncertain(bolt_session *s)
{
    for (size_t i = 0; i < s->qlen; i++)
        q_at(s, i)->uncertain = 0;
    s->uncertain = 0;
}

/* ---- encoding into the output ------------------------------------------------------------- */

/* Where the next message is encoded. Directly into `out`, unless credentials are (or are about
 * to be) in it: then into `scratch`, appended with bolt__out_append() which never lets a block
 * holding secrets go back to the allocator unwiped. */
static bolt_buf *enc_begin(bolt_session *s, size_t *mark, int secret)
{
    if (s->out_sensitive || secret) {
        bolt_buf_reset(&s->scratch);
        *mark = 0;
        return &s->scratch;
    }
    *mark = s->out.len;
    return &s->out;
}

/* Finishes enc_begin(): on failure `out` is exactly as before (nothing half-written is ever
 * sent). */
static int enc_end(bolt_session *s, bolt_buf *b, size_t mark, int rc)
{
    if (rc == 0 && b->err) rc = b->err;
    if (b == &s->scratch) {
        if (rc == 0) rc = bolt__out_append(s, b->data, b->len);
        if (b->data) bolt__wipe(b->data, b->cap);
        bolt_buf_reset(b);
        return rc;
    }
    if (rc < 0) {
        b->len = mark;
        b->err = 0;
    }
    return rc;
}

/* ---- the state table ---------------------------------------------------------------------- */

static int requires_version(const bolt_session *s, bolt_request kind)
{
    switch (kind) {
    case BOLT_REQ_BEGIN:
    case BOLT_REQ_COMMIT:
    case BOLT_REQ_ROLLBACK:
        return at_least(s, 3, 0) ? 0 : BOLT_E_UNSUPPORTED;
    case BOLT_REQ_ROUTE:
        return at_least(s, 4, 3) ? 0 : BOLT_E_UNSUPPORTED;
    case BOLT_REQ_LOGON:
    case BOLT_REQ_LOGOFF:
        return at_least(s, 5, 1) ? 0 : BOLT_E_UNSUPPORTED;
    default:
        return 0;
    }
}

static int allowed_in(bolt_state st, bolt_request kind)
{
    switch (st) {
    case BOLT_S_READY:
    case BOLT_S_INTERRUPTED: /* the pending RESET leads to READY */
        return kind == BOLT_REQ_RUN || kind == BOLT_REQ_BEGIN || kind == BOLT_REQ_ROUTE ||
               kind == BOLT_REQ_LOGOFF;
    case BOLT_S_STREAMING:
    case BOLT_S_TX_STREAMING:
        return kind == BOLT_REQ_PULL || kind == BOLT_REQ_DISCARD;
    case BOLT_S_TX_READY:
        return kind == BOLT_REQ_RUN || kind == BOLT_REQ_COMMIT || kind == BOLT_REQ_ROLLBACK;
    case BOLT_S_AUTHENTICATION:
        return kind == BOLT_REQ_LOGON;
    case BOLT_S_FAILED:
        /* Answered IGNORED (captures 05, 51, 58, 59). BEGIN is not: 3.5 closes (57). */
        return kind != BOLT_REQ_BEGIN;
    case BOLT_S_NEGOTIATION:
    case BOLT_S_DEFUNCT:
        return 0;
    }
    return 0;
}

/* A request that may still come back FAILURE is in flight after the last RESET. */
static int fallible_in_flight(bolt_session *s)
{
    for (size_t i = s->qlen; i-- > 0;) {
        bolt_request k = (bolt_request)q_at(s, i)->kind;
        if (k == BOLT_REQ_RESET || k == BOLT_REQ_ACK_FAILURE) return 0;
        /* A failed HELLO/LOGON ends the connection anyway. */
        if (k != BOLT_REQ_HELLO && k != BOLT_REQ_LOGON) return 1;
    }
    return 0;
}

static int check(bolt_session *s, bolt_request kind)
{
    if (s->defunct) return s->defunct;
    if (s->goodbye || !s->hs_done) return BOLT_E_STATE;
    int rc = requires_version(s, kind);
    if (rc < 0) return rc;
    /* RESET is the way out of every state but AUTHENTICATION (after LOGOFF), where the
     * protocol defines LOGON only. */
    if (kind == BOLT_REQ_RESET) return s->pstate == BOLT_S_AUTHENTICATION ? BOLT_E_STATE : 0;
    if (s->uncertain) return BOLT_E_STATE;
    if (!allowed_in(s->pstate, kind)) return BOLT_E_STATE;
    if (kind == BOLT_REQ_BEGIN && s->major == 3 && fallible_in_flight(s)) return BOLT_E_STATE;
    return 0;
}

/* The state after `kind` has been sent, when it succeeds. */
static void advance(bolt_session *s, bolt_request kind, int uncertain)
{
    if (kind == BOLT_REQ_RESET || kind == BOLT_REQ_ACK_FAILURE) {
        s->pstate = BOLT_S_INTERRUPTED;
        s->ptx = 0;
        bolt__q_forget_uncertain(s);
        return;
    }
    if (s->pstate == BOLT_S_FAILED) return; /* IGNORED until a RESET */
    switch (kind) {
    case BOLT_REQ_RUN:
        s->pstate = s->ptx ? BOLT_S_TX_STREAMING : BOLT_S_STREAMING;
        break;
    case BOLT_REQ_PULL:
    case BOLT_REQ_DISCARD:
        if (!uncertain) s->pstate = s->ptx ? BOLT_S_TX_READY : BOLT_S_READY;
        break;
    case BOLT_REQ_BEGIN:
        s->pstate = BOLT_S_TX_READY;
        s->ptx = 1;
        break;
    case BOLT_REQ_COMMIT:
    case BOLT_REQ_ROLLBACK:
        s->pstate = BOLT_S_READY;
        s->ptx = 0;
        break;
    case BOLT_REQ_LOGOFF:
        s->pstate = BOLT_S_AUTHENTICATION;
        break;
    case BOLT_REQ_LOGON:
    case BOLT_REQ_ROUTE:
        s->pstate = BOLT_S_READY;
        break;
    default:
        break;
    }
}

/* Queues the request whose bytes are now in `out` and returns its sequence number. */
static int64_t commit(bolt_session *s, bolt_request kind, int partial, int uncertain)
{
    uint64_t seq = 0;
    /* Cannot fail: q_reserve() ran before the encoding. */
    bolt__q_push(s, kind, partial, uncertain, &seq);
    advance(s, kind, uncertain);
    return (int64_t)seq;
}

/* DateTime parameters must use the encoding the connection agreed on: the utc patch applies to
 * what the client sends as well, and a legacy F sent as I (or the reverse) would be read as
 * another instant without any error. */
static int check_datetimes(const bolt_session *s, const bolt_value *v, unsigned depth)
{
    if (!v) return 0;
    if (depth > s->max_depth) return BOLT_E_TOO_DEEP;
    /* A raw structure (BOLT_T_STRUCT) goes out with its tag as stored: check it by tag. */
    int dt_tag = v->tag == 0x46 || v->tag == 0x66 || v->tag == 0x49 || v->tag == 0x69;
    switch ((bolt_type)(v->type == BOLT_T_STRUCT && dt_tag ? BOLT_T_DATETIME : v->type)) {
    case BOLT_T_DATETIME:
    case BOLT_T_DATETIME_ZONE: {
        if (s->utc_pending) return BOLT_E_STATE; /* wait for READY: encoding not known yet */
        int legacy = v->tag == 0x46 || v->tag == 0x66;
        return legacy == (s->dialect.utc_datetime != 0) ? BOLT_E_BAD_STRUCT : 0;
    }
    case BOLT_T_LIST:
    case BOLT_T_MAP:
        break;
    default:
        if (v->type < BOLT_T_STRUCT) return 0;
        break;
    }
    size_t n = v->type == BOLT_T_MAP ? (size_t)v->len * 2 : v->len;
    if (n && !v->u.items) return BOLT_E_INVAL;
    for (size_t i = 0; i < n; i++) {
        int rc = check_datetimes(s, &v->u.items[i], depth + 1);
        if (rc < 0) return rc;
    }
    return 0;
}

/* ---- HELLO / LOGON after the handshake ----------------------------------------------------- */

int bolt__session_queue_auth(bolt_session *s)
{
    s->hs_done = 1;
    s->major = s->hs.major;
    s->minor = s->hs.minor;
    bolt_dialect_for(&s->dialect, s->major, s->minor, 0);
    s->utc_pending = s->utc_patch && s->major == 4 && s->minor >= 3;

    int rc = q_reserve(s, 2);
    if (rc < 0) return rc;
    bolt_auth auth = {s->scheme, s->principal, s->credentials, s->realm};
    bolt_hello_opts o;
    memset(&o, 0, sizeof o);
    o.user_agent = s->user_agent;
    o.bolt_agent = BOLT_AGENT;
    o.auth = &auth;
    o.routing = s->routing;
    o.utc_patch = s->utc_patch;
    o.notifications_off = s->notifications_off;
    int logon = at_least(s, 5, 1);
    int secret = s->credentials || s->principal;
    size_t mark;
    bolt_buf *b = enc_begin(s, &mark, secret);
    if (secret) {
        /* Room for the whole HELLO/LOGON up front: a realloc half way would hand a block with
         * part of the password back to the allocator. */
        size_t need = 1024 + 2 * (strlen(s->user_agent) + strlen(BOLT_AGENT) +
                                  (s->principal ? strlen(s->principal) : 0) +
                                  (s->credentials ? strlen(s->credentials) : 0) +
                                  (s->realm ? strlen(s->realm) : 0));
        if (bolt_buf_reserve(b, need) < 0) return enc_end(s, b, mark, BOLT_E_NOMEM);
    }
    rc = bolt_enc_hello(b, s->major, s->minor, &o);
    if (rc == 0 && logon) rc = bolt_enc_logon(b, s->major, s->minor, &auth);
    if ((rc = enc_end(s, b, mark, rc)) < 0) return rc;
    if (secret) {
        s->out_sensitive = 1;
        s->sensitive_end = s->out_consumed + s->out.len;
    }
    s->pstate = BOLT_S_READY;
    bolt__q_push(s, BOLT_REQ_HELLO, 0, 0, NULL);
    if (logon) bolt__q_push(s, BOLT_REQ_LOGON, 0, 0, NULL);
    s->connected_event = 1;
    return 0;
}

/* ---- requests ----------------------------------------------------------------------------- */

int64_t bolt_session_run(bolt_session *s, const char *query, const bolt_value *params,
                         const bolt_tx_opts *opts)
{
    int rc = check(s, BOLT_REQ_RUN);
    if (rc < 0) return rc;
    if (!query || (params && params->type != BOLT_T_MAP)) return BOLT_E_INVAL;
    if (s->ptx) opts = NULL; /* inside BEGIN..COMMIT the extra is {} */
    if ((rc = check_datetimes(s, params, 0)) < 0) return rc;
    if (opts && (rc = check_datetimes(s, opts->tx_metadata, 0)) < 0) return rc;
    if ((rc = q_reserve(s, 1)) < 0) return rc;
    size_t mark;
    bolt_buf *b = enc_begin(s, &mark, 0);
    rc = bolt_enc_run(b, s->major, s->minor, query, strlen(query), params, opts);
    if ((rc = enc_end(s, b, mark, rc)) < 0) return rc;
    return commit(s, BOLT_REQ_RUN, 0, 0);
}

static int64_t pull_or_discard(bolt_session *s, bolt_request kind, int64_t n)
{
    int rc = check(s, kind);
    if (rc < 0) return rc;
    if (n == 0 || n < -1) return BOLT_E_INVAL;
    if (!at_least(s, 4, 0)) n = -1; /* PULL_ALL / DISCARD_ALL: no back-pressure before 4.0 */
    int uncertain = n != -1 && s->pstate != BOLT_S_FAILED;
    if ((rc = q_reserve(s, 1)) < 0) return rc;
    size_t mark;
    bolt_buf *b = enc_begin(s, &mark, 0);
    rc = kind == BOLT_REQ_PULL ? bolt_enc_pull(b, s->major, s->minor, n, -1)
                               : bolt_enc_discard(b, s->major, s->minor, n, -1);
    if ((rc = enc_end(s, b, mark, rc)) < 0) return rc;
    return commit(s, kind, n != -1, uncertain);
}

int64_t bolt_session_pull(bolt_session *s, int64_t n)
{
    return pull_or_discard(s, BOLT_REQ_PULL, n);
}

int64_t bolt_session_discard(bolt_session *s, int64_t n)
{
    return pull_or_discard(s, BOLT_REQ_DISCARD, n);
}

int64_t bolt_session_begin(bolt_session *s, const bolt_tx_opts *opts)
{
    int rc = check(s, BOLT_REQ_BEGIN);
    if (rc < 0) return rc;
    if (opts && (rc = check_datetimes(s, opts->tx_metadata, 0)) < 0) return rc;
    if ((rc = q_reserve(s, 1)) < 0) return rc;
    size_t mark;
    bolt_buf *b = enc_begin(s, &mark, 0);
    rc = bolt_enc_begin(b, s->major, s->minor, opts);
    if ((rc = enc_end(s, b, mark, rc)) < 0) return rc;
    return commit(s, BOLT_REQ_BEGIN, 0, 0);
}

/* Requests without fields. */
static int64_t simple(bolt_session *s, bolt_request kind)
{
    int rc = check(s, kind);
    if (rc < 0) return rc;
    /* Bolt 1/2 leave FAILED with ACK_FAILURE; RESET is used otherwise (it also works there,
     * and additionally interrupts a running query). */
    if (kind == BOLT_REQ_RESET && !at_least(s, 3, 0) && s->pstate == BOLT_S_FAILED)
        kind = BOLT_REQ_ACK_FAILURE;
    if ((rc = q_reserve(s, 1)) < 0) return rc;
    size_t mark;
    bolt_buf *b = enc_begin(s, &mark, 0);
    switch (kind) {
    case BOLT_REQ_COMMIT:
        rc = bolt_enc_commit(b, s->major, s->minor);
        break;
    case BOLT_REQ_ROLLBACK:
        rc = bolt_enc_rollback(b, s->major, s->minor);
        break;
    case BOLT_REQ_ACK_FAILURE:
        rc = bolt_enc_ack_failure(b, s->major, s->minor);
        break;
    case BOLT_REQ_LOGOFF:
        rc = bolt_enc_logoff(b, s->major, s->minor);
        break;
    default:
        rc = bolt_enc_reset(b, s->major, s->minor);
        break;
    }
    if ((rc = enc_end(s, b, mark, rc)) < 0) return rc;
    return commit(s, kind, 0, 0);
}

int64_t bolt_session_commit(bolt_session *s)
{
    return simple(s, BOLT_REQ_COMMIT);
}

int64_t bolt_session_rollback(bolt_session *s)
{
    return simple(s, BOLT_REQ_ROLLBACK);
}

int64_t bolt_session_reset(bolt_session *s)
{
    return simple(s, BOLT_REQ_RESET);
}

int64_t bolt_session_logoff(bolt_session *s)
{
    return simple(s, BOLT_REQ_LOGOFF);
}

int64_t bolt_session_route(bolt_session *s, const bolt_value *routing, const char **bookmarks,
                           size_t bookmark_count, const char *db)
{
    int rc = check(s, BOLT_REQ_ROUTE);
    if (rc < 0) return rc;
    bolt_value empty = bolt_map(NULL, 0);
    if (!routing) routing = s->routing ? s->routing : &empty;
    if (routing->type != BOLT_T_MAP || (bookmark_count && !bookmarks)) return BOLT_E_INVAL;
    if ((rc = q_reserve(s, 1)) < 0) return rc;
    size_t mark;
    bolt_buf *b = enc_begin(s, &mark, 0);
    rc = bolt_enc_route(b, s->major, s->minor, routing, bookmarks, bookmark_count, db, NULL);
    if ((rc = enc_end(s, b, mark, rc)) < 0) return rc;
    return commit(s, BOLT_REQ_ROUTE, 0, 0);
}

int64_t bolt_session_logon(bolt_session *s, const bolt_auth *auth)
{
    int rc = check(s, BOLT_REQ_LOGON);
    if (rc < 0) return rc;
    if (!auth) return BOLT_E_INVAL;
    if ((rc = q_reserve(s, 1)) < 0) return rc;
    size_t mark;
    bolt_buf *b = enc_begin(s, &mark, 1);
    rc = bolt_enc_logon(b, s->major, s->minor, auth);
    if ((rc = enc_end(s, b, mark, rc)) < 0) return rc;
    s->out_sensitive = 1;
    s->sensitive_end = s->out_consumed + s->out.len;
    return commit(s, BOLT_REQ_LOGON, 0, 0);
}

int bolt_session_goodbye(bolt_session *s)
{
    if (s->defunct) return s->defunct;
    if (s->goodbye) return 0;
    if (!s->hs_done) {
        /* Nothing to say yet: no version, no message. */
        s->goodbye = 1;
        bolt__session_close(s, BOLT_E_DEFUNCT);
        return 0;
    }
    if (at_least(s, 3, 0)) {
        size_t mark;
        bolt_buf *b = enc_begin(s, &mark, 0);
        int rc = enc_end(s, b, mark, bolt_enc_goodbye(b, s->major, s->minor));
        if (rc < 0) return rc;
    }
    s->goodbye = 1;
    s->goodbye_mark = s->out_consumed + s->out.len;
    bolt__session_check_goodbye(s);
    return 0;
}
