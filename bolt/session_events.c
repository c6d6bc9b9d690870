/* Server messages -> session events (bolt-reference 4.2, 4.4, 4.8, 4.9).
 *
 * One message is decoded per bolt_session_next_event() call, into an arena that is reset at
 * the next call; strings in the event point into the dechunker's buffer. Memory therefore
 * stays flat however long a stream is. In raw mode a RECORD is not decoded at all unless the
 * consumer asks (bolt_session_decode_record()), into that same arena.
 *
 * Responses are matched to requests in FIFO order. Anything that cannot be an answer to the
 * request at the head of the queue (a RECORD for a RUN, a SUCCESS while the server is FAILED,
 * any message with nothing pending, ...) means client and server no longer agree on the
 * conversation: the session reports BOLT_EV_ERROR and becomes DEFUNCT instead of guessing.
 */
#include <string.h>

#include "bolt/error.h"
#include "session_internal.h"

static int at_least(const bolt_session *s, unsigned major, unsigned minor)
{
    return s->major > major || (s->major == major && s->minor >= minor);
}

static int is_reset(uint8_t kind)
{
    return kind == BOLT_REQ_RESET || kind == BOLT_REQ_ACK_FAILURE;
}

/* Decodes one dechunked server message with the session's depth limit. */
static int decode_message(bolt_session *s, const uint8_t *msg, size_t len, bolt_message *m)
{
    bolt_decoder d = {&s->dialect, &s->arena, s->max_depth, 0};
    return bolt_decode_server_message_ex(msg, len, &d, m);
}

static int dup_string(const bolt_value *v, char **out)
{
    *out = NULL;
    if (!v || v->type != BOLT_T_STRING) return 0;
    *out = bolt_strndup(v->u.str, v->len);
    return *out ? 0 : BOLT_E_NOMEM;
}

static int list_has(const bolt_value *list, const char *s)
{
    if (!list || list->type != BOLT_T_LIST) return 0;
    for (uint32_t i = 0; i < list->len; i++)
        if (bolt_value_str_eq(&list->u.items[i], s)) return 1;
    return 0;
}

/* HELLO SUCCESS: what the server says about itself and the connection. */
static int on_hello_success(bolt_session *s, const bolt_value *meta)
{
    char *agent, *cid;
    if (dup_string(bolt_map_get(meta, "server"), &agent) < 0) return BOLT_E_NOMEM;
    if (dup_string(bolt_map_get(meta, "connection_id"), &cid) < 0) {
        bolt_free(agent);
        return BOLT_E_NOMEM;
    }
    bolt_free(s->server_agent);
    bolt_free(s->connection_id);
    s->server_agent = agent;
    s->connection_id = cid;
    const bolt_value *t =
        bolt_map_get(bolt_map_get(meta, "hints"), "connection.recv_timeout_seconds");
    if (t && t->type == BOLT_T_INT && t->u.i >= 0) s->recv_timeout = t->u.i;
    if (s->utc_pending) {
        /* The patch is in force only if echoed (3.5-4.2 and unpatched 4.x ignore the key). */
        if (list_has(bolt_map_get(meta, "patch_bolt"), "utc"))
            bolt_dialect_for(&s->dialect, s->major, s->minor, 1);
        s->utc_pending = 0;
    }
    return 0;
}

static int store_failure(bolt_session *s, const bolt_value *meta)
{
    bolt_failure_view f;
    bolt_failure_read(meta, &f);
    bolt_buf *b = &s->failure;
    bolt_buf_reset(b);
    bolt_buf_append(b, f.code ? f.code : "", f.code_len);
    bolt_buf_append(b, "", 1);
    bolt_buf_append(b, f.message ? f.message : "", f.message_len);
    bolt_buf_append(b, "", 1);
    bolt_buf_append(b, f.gql_status ? f.gql_status : "", f.gql_status_len);
    bolt_buf_append(b, "", 1);
    if (b->err) {
        b->err = 0;
        b->len = 0;
        s->has_failure = 0;
        return BOLT_E_NOMEM;
    }
    s->fail_msg = f.code_len + 1;
    s->fail_gql = s->fail_msg + f.message_len + 1;
    s->has_failure = 1;
    return 0;
}

static int on_success(bolt_session *s, bolt_pending *h, const bolt_value *meta, bolt_event *ev)
{
    /* In FAILED the server answers IGNORED to everything but RESET. */
    if (s->srv_failed && !is_reset(h->kind)) return BOLT_E_UNEXPECTED;
    ev->type = BOLT_EV_SUCCESS;
    ev->meta = meta;
    switch (h->kind) {
    case BOLT_REQ_HELLO: {
        int rc = on_hello_success(s, meta);
        if (rc < 0) return rc;
        /* From 5.1 LOGON is the last authentication step (always queued with HELLO). */
        if (!at_least(s, 5, 1)) ev->type = BOLT_EV_READY;
        break;
    }
    case BOLT_REQ_LOGON:
        ev->type = BOLT_EV_READY;
        break;
    case BOLT_REQ_PULL:
    case BOLT_REQ_DISCARD: {
        const bolt_value *hm = bolt_map_get(meta, "has_more");
        ev->has_more = hm && hm->type == BOLT_T_BOOL && hm->u.i; /* absent = false */
        /* n = -1 consumes everything; a server saying otherwise left us out of step. */
        if (ev->has_more && !h->partial) return BOLT_E_UNEXPECTED;
        if (h->uncertain) {
            if (ev->has_more)
                s->pstate = h->in_tx ? BOLT_S_TX_STREAMING : BOLT_S_STREAMING;
            else
                s->pstate = h->in_tx ? BOLT_S_TX_READY : BOLT_S_READY;
        }
        break;
    }
    case BOLT_REQ_RESET:
    case BOLT_REQ_ACK_FAILURE:
        s->srv_failed = 0;
        if (s->qlen == 1 && s->pstate == BOLT_S_INTERRUPTED) s->pstate = BOLT_S_READY;
        break;
    default:
        break;
    }
    bolt__q_pop(s);
    return 1;
}

static int on_failure(bolt_session *s, bolt_pending *h, const bolt_value *meta, bolt_event *ev)
{
    int rc = store_failure(s, meta);
    if (rc < 0) return rc;
    ev->type = BOLT_EV_FAILURE;
    ev->meta = meta;
    uint8_t kind = h->kind;
    bolt__q_pop(s);
    if (kind == BOLT_REQ_HELLO || kind == BOLT_REQ_LOGON) {
        /* Servers close after an authentication failure (capture 11). */
        bolt__session_close(s, BOLT_E_AUTH);
    } else if (is_reset(kind)) {
        /* RESET cannot fail on a healthy connection. */
        bolt__session_close(s, BOLT_E_SERVER_FAILURE);
    } else {
        s->srv_failed = 1;
        /* A RESET already on its way decides the state; otherwise we are FAILED, and what
         * was pipelined behind will come back IGNORED whatever it was. */
        if (s->pending_resets == 0) {
            s->pstate = BOLT_S_FAILED;
            bolt__q_forget_uncertain(s);
        }
    }
    return 1;
}

static int on_ignored(bolt_session *s, bolt_pending *h, bolt_event *ev)
{
    if (h->kind == BOLT_REQ_HELLO || is_reset(h->kind)) return BOLT_E_UNEXPECTED;
    /* IGNORED only follows a FAILURE, or a RESET that jumped the queue. */
    if (!s->srv_failed && s->pending_resets == 0) return BOLT_E_UNEXPECTED;
    ev->type = BOLT_EV_IGNORED;
    bolt__q_pop(s);
    return 1;
}

/* A RECORD answers only a PULL, and never while the server is FAILED. */
static int on_record(bolt_session *s, bolt_pending *h, const uint8_t *msg, size_t len,
                     const bolt_value *data, bolt_event *ev)
{
    if (h->kind != BOLT_REQ_PULL || s->srv_failed) return BOLT_E_UNEXPECTED;
    ev->type = BOLT_EV_RECORD;
    ev->record = data;
    ev->raw = msg;
    ev->raw_len = len;
    s->cur_raw = msg;
    s->cur_raw_len = len;
    return 1;
}

static int on_message(bolt_session *s, const uint8_t *msg, size_t len, bolt_event *ev)
{
    bolt_pending *h;
    /* Raw mode: the RECORD's bytes go out undecoded (the consumer reads them itself); the
     * queue checks still come first, so matching is exactly what eager mode does. */
    if (s->raw_records && len >= 2 && msg[0] == 0xB1 && msg[1] == BOLT_MSG_RECORD) {
        h = bolt__q_head(s);
        if (!h) return BOLT_E_UNEXPECTED;
        ev->request = (bolt_request)h->kind;
        ev->request_seq = h->seq;
        return on_record(s, h, msg, len, NULL, ev);
    }
    bolt_message m;
    int rc = decode_message(s, msg, len, &m);
    if (rc < 0) return rc;
    h = bolt__q_head(s);
    if (!h) return BOLT_E_UNEXPECTED;
    ev->request = (bolt_request)h->kind;
    ev->request_seq = h->seq;
    switch (m.signature) {
    case BOLT_MSG_RECORD:
        return on_record(s, h, msg, len, m.data, ev);
    case BOLT_MSG_SUCCESS:
        return on_success(s, h, m.meta, ev);
    case BOLT_MSG_FAILURE:
        return on_failure(s, h, m.meta, ev);
    default:
        return on_ignored(s, h, ev);
    }
}

static int deliver_error(bolt_session *s, bolt_event *ev)
{
    s->error_event = 0;
    memset(ev, 0, sizeof *ev);
    ev->type = BOLT_EV_ERROR;
    ev->err = s->defunct;
    ev->request = s->error_req;
    ev->request_seq = s->error_seq;
    return 1;
}

/* End of stream with every complete message handled. */
static int on_eof(bolt_session *s, bolt_event *ev)
{
    /* A request still unanswered or a message cut in half: never let that look like a
     * (short) success. */
    if (s->qlen || !s->hs_done || bolt_dechunker_pending(&s->dc)) {
        bolt__session_fail(s, BOLT_E_CLOSED, bolt__q_head(s));
        return deliver_error(s, ev);
    }
    bolt__session_close(s, s->goodbye ? BOLT_E_DEFUNCT : BOLT_E_CLOSED);
    return s->defunct;
}

int bolt_session_next_event(bolt_session *s, bolt_event *ev)
{
    memset(ev, 0, sizeof *ev);
    s->held = 0; /* the previous event's values are released from here on */
    s->cur_raw = NULL;
    s->cur_raw_len = 0;
    if (s->connected_event) {
        s->connected_event = 0;
        ev->type = BOLT_EV_CONNECTED;
        return 1;
    }
    if (s->error_event) return deliver_error(s, ev);
    if (s->defunct) return s->defunct;
    bolt_arena_reset(&s->arena);
    int rc;
    if (s->stage.len) {
        rc = bolt_dechunker_feed(&s->dc, s->stage.data, s->stage.len);
        s->stage.len = 0;
        if (rc < 0) {
            bolt__session_fail(s, rc, bolt__q_head(s));
            return deliver_error(s, ev);
        }
    }
    const uint8_t *msg;
    size_t len;
    rc = bolt_dechunker_next(&s->dc, &msg, &len);
    if (rc > 0) rc = on_message(s, msg, len, ev);
    if (rc < 0) {
        bolt__session_fail(s, rc, bolt__q_head(s));
        return deliver_error(s, ev);
    }
    if (rc > 0) {
        s->held = 1;
        return 1;
    }
    if (s->eof) return on_eof(s, ev);
    return 0;
}

void bolt_session_set_raw_records(bolt_session *s, int on)
{
    if (s) s->raw_records = on != 0;
}

int bolt_session_decode_record(bolt_session *s, bolt_event *ev)
{
    if (!s || !ev || ev->type != BOLT_EV_RECORD) return BOLT_E_INVAL;
    if (ev->record) return 0;
    /* An older event's bytes may have been overwritten by later input, and its values would
     * land in an arena already reused: only the live event can be decoded. */
    if (!ev->raw || ev->raw != s->cur_raw || ev->raw_len != s->cur_raw_len) return BOLT_E_INVAL;
    /* The arena was reset for this message in bolt_session_next_event() and nothing else has
     * used it since, so the values are exactly what the eager path would have produced. */
    bolt_message m;
    int rc = decode_message(s, ev->raw, ev->raw_len, &m);
    if (rc < 0) {
        /* Eager mode would have failed the session on this message, for the PULL at the head
         * (a RECORD never pops it). */
        bolt__session_fail(s, rc, bolt__q_head(s));
        return rc;
    }
    ev->record = m.data;
    return 0;
}
