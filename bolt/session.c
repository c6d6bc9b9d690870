/* The sans-I/O Bolt session: lifecycle, configuration copies, the two byte streams and the
 * accessors. Responses become events in session_events.c; requests and the client-side state
 * prediction live in session_requests.c.
 *
 * Input path: while the handshake runs, bytes go to the handshake parser; afterwards straight
 * into the dechunker (zero copy through bolt_session_input_buffer()). The one exception: an
 * event handed out by bolt_session_next_event() points into the dechunker's current message,
 * and the dechunker may move its buffer when fed. Bytes that arrive while such an event is
 * alive are parked in `stage` and moved over at the next bolt_session_next_event(), so event
 * values stay valid exactly as session.h promises. A transport that drains events until 0
 * before reading again never takes that detour.
 */
#include "bolt/session.h"

#include <string.h>

#include "bolt/error.h"
#include "session_internal.h"

#ifndef BOLTDIFF_VERSION
#define BOLTDIFF_VERSION "0"
#endif

#define DEFAULT_USER_AGENT "boltdiff/" BOLTDIFF_VERSION
#define STAGE_MIN 4096u
/* Deep enough for any sane routing context; bounds the recursion of the copy. */
#define ROUTING_MAX_DEPTH 32u

/* memset() before free() may be optimised away; a volatile store may not. */
void bolt__wipe(void *p, size_t n)
{
    volatile uint8_t *v = p;
    while (n--)
        *v++ = 0;
}

static void free_secret(char *p)
{
    if (!p) return;
    bolt__wipe(p, strlen(p));
    bolt_free(p);
}

/* ---- configuration copies --------------------------------------------------------------- */

static int dup_opt(char **dst, const char *src)
{
    *dst = NULL;
    if (!src) return 0;
    *dst = bolt_strndup(src, strlen(src));
    return *dst ? 0 : BOLT_E_NOMEM;
}

static int copy_value(bolt_arena *a, bolt_value *dst, const bolt_value *src, unsigned depth)
{
    if (depth > ROUTING_MAX_DEPTH) return BOLT_E_TOO_DEEP;
    *dst = *src;
    switch ((bolt_type)src->type) {
    case BOLT_T_NULL:
    case BOLT_T_BOOL:
    case BOLT_T_INT:
    case BOLT_T_FLOAT:
        return 0;
    case BOLT_T_STRING:
    case BOLT_T_BYTES: {
        if (src->len == 0) {
            dst->u.bytes = (const uint8_t *)"";
            return 0;
        }
        uint8_t *p = bolt_arena_alloc(a, src->len);
        if (!p) return BOLT_E_NOMEM;
        memcpy(p, src->u.bytes, src->len);
        dst->u.bytes = p;
        return 0;
    }
    default:
        break;
    }
    /* Lists, maps and structures: items[] with 2*len entries for a map. */
    size_t n = src->type == BOLT_T_MAP ? (size_t)src->len * 2 : src->len;
    if (n == 0) {
        dst->u.items = NULL;
        return 0;
    }
    if (!src->u.items) return BOLT_E_INVAL;
    bolt_value *items = bolt_arena_alloc(a, n * sizeof *items);
    if (!items) return BOLT_E_NOMEM;
    for (size_t i = 0; i < n; i++) {
        int rc = copy_value(a, &items[i], &src->u.items[i], depth + 1);
        if (rc < 0) return rc;
    }
    dst->u.items = items;
    return 0;
}

static int copy_config(bolt_session *s, const bolt_session_config *cfg)
{
    int rc;
    if ((rc = dup_opt(&s->user_agent, cfg->user_agent ? cfg->user_agent : DEFAULT_USER_AGENT)))
        return rc;
    s->scheme = cfg->auth.scheme;
    if (s->scheme != BOLT_AUTH_NONE && s->scheme != BOLT_AUTH_BASIC &&
        s->scheme != BOLT_AUTH_BEARER)
        return BOLT_E_INVAL;
    if ((rc = dup_opt(&s->principal, cfg->auth.principal))) return rc;
    if ((rc = dup_opt(&s->credentials, cfg->auth.credentials))) return rc;
    if ((rc = dup_opt(&s->realm, cfg->auth.realm))) return rc;
    /* Caught here rather than as a failed HELLO after the connection is made. */
    if (s->scheme == BOLT_AUTH_BASIC && (!s->principal || !s->credentials)) return BOLT_E_INVAL;
    if (s->scheme == BOLT_AUTH_BEARER && !s->credentials) return BOLT_E_INVAL;
    memcpy(s->proposals, cfg->proposals ? cfg->proposals : bolt_default_proposals,
           sizeof s->proposals);
    if (cfg->routing) {
        if (cfg->routing->type != BOLT_T_MAP) return BOLT_E_INVAL;
        s->routing = bolt_arena_alloc(&s->cfg_arena, sizeof *s->routing);
        if (!s->routing) return BOLT_E_NOMEM;
        if ((rc = copy_value(&s->cfg_arena, s->routing, cfg->routing, 0))) return rc;
    }
    s->utc_patch = cfg->utc_patch != 0;
    s->notifications_off = cfg->notifications_off != 0;
    s->max_depth = cfg->max_depth ? cfg->max_depth : BOLT_DEFAULT_MAX_DEPTH;
    return 0;
}

/* Moves what the handshake still has to send (opening bytes, manifest selection or refusal)
 * into the single output stream, so the transport sees one contiguous byte sequence and the
 * selection always precedes HELLO. */
static int take_handshake_output(bolt_session *s)
{
    const uint8_t *p;
    size_t n = bolt_handshake_output(&s->hs, &p);
    if (n == 0) return 0;
    bolt_buf_append(&s->out, p, n);
    if (s->out.err) {
        s->out.err = 0;
        return BOLT_E_NOMEM;
    }
    bolt_handshake_output_consumed(&s->hs, n);
    return 0;
}

bolt_session *bolt_session_new(const bolt_session_config *cfg, int *err)
{
    int rc = BOLT_E_INVAL;
    bolt_session *s = NULL;
    if (!cfg) goto fail;
    s = bolt_calloc(1, sizeof *s);
    if (!s) {
        rc = BOLT_E_NOMEM;
        goto fail;
    }
    bolt_arena_init(&s->cfg_arena, 256, 0);
    bolt_arena_init(&s->arena, 4096, 0);
    bolt_buf_init(&s->out);
    bolt_buf_init(&s->scratch);
    bolt_buf_init(&s->stage);
    bolt_buf_init(&s->failure);
    bolt_dechunker_init(&s->dc, cfg->max_message);
    s->recv_timeout = -1;
    s->pstate = BOLT_S_NEGOTIATION;
    if ((rc = copy_config(s, cfg)) < 0) goto fail;
    bolt_handshake_init(&s->hs, s->proposals);
    if ((rc = take_handshake_output(s)) < 0) goto fail;
    if (err) *err = 0;
    return s;
fail:
    bolt_session_free(s);
    if (err) *err = rc;
    return NULL;
}

static void wipe_buf(bolt_buf *b)
{
    if (b->data) bolt__wipe(b->data, b->cap);
    bolt_buf_free(b);
}

void bolt_session_free(bolt_session *s)
{
    if (!s) return;
    bolt_free(s->user_agent);
    free_secret(s->principal);
    free_secret(s->credentials);
    free_secret(s->realm);
    bolt_arena_free(&s->cfg_arena);
    bolt_arena_free(&s->arena);
    /* Both may hold a HELLO / LOGON with credentials. */
    wipe_buf(&s->out);
    wipe_buf(&s->scratch);
    bolt_buf_free(&s->stage);
    bolt_buf_free(&s->failure);
    bolt_dechunker_free(&s->dc);
    bolt_free(s->q);
    bolt_free(s->server_agent);
    bolt_free(s->connection_id);
    bolt_free(s);
}

/* ---- fatal errors ------------------------------------------------------------------------ */

void bolt__session_close(bolt_session *s, int err)
{
    if (s->defunct) return;
    s->defunct = err;
    s->pstate = BOLT_S_DEFUNCT;
    s->qlen = 0; /* nothing pending will ever be answered */
    s->uncertain = 0;
    s->pending_resets = 0;
}

void bolt__session_fail(bolt_session *s, int err, const bolt_pending *req)
{
    if (s->defunct) return;
    s->error_event = 1;
    s->error_req = req ? (bolt_request)req->kind : BOLT_REQ_NONE;
    s->error_seq = req ? req->seq : 0;
    bolt__session_close(s, err);
}

/* ---- output ------------------------------------------------------------------------------ */

size_t bolt_session_output(bolt_session *s, const uint8_t **data)
{
    *data = s->out.data;
    return s->out.len;
}

void bolt__session_check_goodbye(bolt_session *s)
{
    /* Written: the server closes without answering anything sent after it. */
    if (s->goodbye && s->out_consumed >= s->goodbye_mark) bolt__session_close(s, BOLT_E_DEFUNCT);
}

void bolt_session_output_consumed(bolt_session *s, size_t n)
{
    if (n > s->out.len) n = s->out.len;
    bolt_buf_consume(&s->out, n);
    s->out_consumed += n;
    if (s->out_sensitive && s->out_consumed >= s->sensitive_end) {
        /* The credentials are on their way; drop the stale copies consume() left behind. */
        bolt__wipe(s->out.data + s->out.len, s->out.cap - s->out.len);
        s->out_sensitive = 0;
    }
    bolt__session_check_goodbye(s);
}

/* Appends to `out` without ever leaving a copy of credentials in a block handed back to the
 * allocator: when `out` holds secrets and must grow, the old block is wiped before it is
 * freed (bolt_realloc could not promise that). */
int bolt__out_append(bolt_session *s, const uint8_t *p, size_t n)
{
    bolt_buf *o = &s->out;
    if (o->cap - o->len < n) {
        if (n > SIZE_MAX / 2 - o->len) return BOLT_E_NOMEM;
        size_t cap = o->cap ? o->cap : 256;
        while (cap < o->len + n)
            cap *= 2;
        uint8_t *nb = bolt_malloc(cap);
        if (!nb) return BOLT_E_NOMEM;
        if (o->len) memcpy(nb, o->data, o->len);
        if (o->data) {
            bolt__wipe(o->data, o->cap);
            bolt_free(o->data);
        }
        o->data = nb;
        o->cap = cap;
    }
    memcpy(o->data + o->len, p, n);
    o->len += n;
    return 0;
}

/* ---- input ------------------------------------------------------------------------------- */

/* Hands bytes to the handshake first, then to the message stream. Errors of the handshake are
 * reported as BOLT_EV_ERROR; only a lost byte (out of memory) makes this return an error. */
static int absorb(bolt_session *s, const uint8_t *data, size_t len)
{
    if (!s->hs_done) {
        size_t used = 0;
        int rc = bolt_handshake_feed(&s->hs, data, len, &used);
        int orc = take_handshake_output(s);
        if (rc < 0) {
            bolt__session_fail(s, rc, NULL);
            return 0;
        }
        if (orc < 0) {
            bolt__session_fail(s, orc, NULL);
            return orc;
        }
        if (used > len) used = len;
        data += used;
        len -= used;
        if (rc == 0) return 0;
        if ((rc = bolt__session_queue_auth(s)) < 0) {
            bolt__session_fail(s, rc, NULL);
            return rc == BOLT_E_NOMEM ? rc : 0;
        }
    }
    if (len == 0) return 0;
    if (s->held) {
        bolt_buf_append(&s->stage, data, len);
        if (s->stage.err) {
            s->stage.err = 0;
            bolt__session_fail(s, BOLT_E_NOMEM, bolt__q_head(s));
            return BOLT_E_NOMEM;
        }
        return 0;
    }
    int rc = bolt_dechunker_feed(&s->dc, data, len);
    if (rc < 0) {
        bolt__session_fail(s, rc, bolt__q_head(s));
        return rc;
    }
    return 0;
}

int bolt_session_input(bolt_session *s, const uint8_t *data, size_t len)
{
    if (s->defunct) return s->defunct;
    if (s->eof) return BOLT_E_CLOSED;
    if (len && !data) return BOLT_E_INVAL;
    return absorb(s, data, len);
}

int bolt_session_input_buffer(bolt_session *s, size_t hint, uint8_t **ptr, size_t *avail)
{
    if (s->defunct) return s->defunct;
    if (s->eof) return BOLT_E_CLOSED;
    if (s->hs_done && !s->held) {
        s->stage_input = 0;
        return bolt_dechunker_buffer(&s->dc, hint, ptr, avail);
    }
    /* Handshake reply (a few bytes) or input behind a live event: park it in `stage`. */
    if (bolt_buf_reserve(&s->stage, hint > STAGE_MIN ? hint : STAGE_MIN) < 0) {
        s->stage.err = 0;
        return BOLT_E_NOMEM;
    }
    s->stage_input = 1;
    *ptr = s->stage.data + s->stage.len;
    *avail = s->stage.cap - s->stage.len;
    return 0;
}

void bolt_session_input_commit(bolt_session *s, size_t n)
{
    if (s->defunct || s->eof) return;
    if (!s->stage_input) {
        bolt_dechunker_commit(&s->dc, n);
        return;
    }
    s->stage_input = 0;
    if (n > s->stage.cap - s->stage.len) n = s->stage.cap - s->stage.len;
    s->stage.len += n;
    if (s->hs_done) return; /* parked until the live event is released */
    /* Before the handshake is done nothing can be held, so absorb() never appends to `stage`
     * while reading from it. */
    size_t len = s->stage.len;
    s->stage.len = 0;
    absorb(s, s->stage.data, len);
}

void bolt_session_input_eof(bolt_session *s)
{
    s->eof = 1;
}

size_t bolt_session_input_pending(const bolt_session *s)
{
    return bolt_dechunker_pending(&s->dc) + s->stage.len;
}

/* ---- what the session knows -------------------------------------------------------------- */

const char *bolt_state_name(bolt_state st)
{
    switch (st) {
    case BOLT_S_NEGOTIATION:
        return "NEGOTIATION";
    case BOLT_S_AUTHENTICATION:
        return "AUTHENTICATION";
    case BOLT_S_READY:
        return "READY";
    case BOLT_S_STREAMING:
        return "STREAMING";
    case BOLT_S_TX_READY:
        return "TX_READY";
    case BOLT_S_TX_STREAMING:
        return "TX_STREAMING";
    case BOLT_S_FAILED:
        return "FAILED";
    case BOLT_S_INTERRUPTED:
        return "INTERRUPTED";
    case BOLT_S_DEFUNCT:
        return "DEFUNCT";
    }
    return "UNKNOWN";
}

bolt_state bolt_session_state(const bolt_session *s)
{
    return s->defunct ? BOLT_S_DEFUNCT : s->pstate;
}

int bolt_session_version(const bolt_session *s, unsigned *major, unsigned *minor)
{
    if (!s->hs_done) return BOLT_E_STATE;
    if (major) *major = s->major;
    if (minor) *minor = s->minor;
    return 0;
}

const bolt_dialect *bolt_session_dialect(const bolt_session *s)
{
    return s->hs_done ? &s->dialect : NULL;
}

int bolt_session_used_manifest(const bolt_session *s)
{
    return s->hs_done && s->hs.manifest;
}

const char *bolt_session_server_agent(const bolt_session *s)
{
    return s->server_agent;
}

const char *bolt_session_connection_id(const bolt_session *s)
{
    return s->connection_id;
}

int64_t bolt_session_recv_timeout_hint(const bolt_session *s)
{
    return s->recv_timeout;
}

size_t bolt_session_pending_requests(const bolt_session *s)
{
    return s->qlen;
}

uint64_t bolt_session_noops(const bolt_session *s)
{
    return s->dc.noops;
}

int bolt_session_failure(const bolt_session *s, const char **code, const char **message,
                         const char **gql_status)
{
    const char *base = s->has_failure ? (const char *)s->failure.data : NULL;
    if (code) *code = base ? base : "";
    if (message) *message = base ? base + s->fail_msg : "";
    if (gql_status) *gql_status = base ? base + s->fail_gql : "";
    return s->has_failure;
}
