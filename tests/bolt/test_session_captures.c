/* The session replayed against the byte-exact conversations with a real Neo4j 3.5.22
 * (/work/shared/captures/neo4j-3.5.22). For every capture whose client side the session API can
 * express, the test
 *   - configures a session like the capture client (proposals, user agent, credentials),
 *   - issues the same requests at the same points of the conversation,
 *   - checks every message the session writes against the capture's client bytes (byte for
 *     byte when our key order and chunking match, otherwise decoded and compared as values),
 *   - feeds the capture's server bytes, each server turn whole and then one byte at a time,
 *   - and checks each event against the server message it comes from (type, request, seq,
 *     metadata / record values, failure code), plus a hand-written event sequence for the
 *     conversations the brief names.
 * Where the capture client broke the protocol on purpose (14, 15, 16, 57) the session must
 * refuse the request locally and write nothing; the server's answer to the request we never
 * sent must then be reported as unexpected.
 *
 * 80 (70,000 rows, summarised in the capture) is rebuilt byte for byte from its summary and
 * also checks that memory stays flat. The malloc-failure test fails every allocation of two
 * full conversations in turn.
 */
#include <CUnit/Basic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bolt/bolt.h"
#include "captures.h"
#include "failalloc.h"
#include "hex.h"

#define MISMATCH (-1000)
#define SKIP (-2000)

/* ---- expectations for named conversations -------------------------------------------------- */

typedef struct cap_case {
    const char *prefix; /* file name prefix, "51-" */
    const char *refuse; /* client message the session must refuse, or NULL */
    int refuse_nth;     /* ... its n-th occurrence in the conversation (1-based) */
    int refuse_rc;
    int final_rc;       /* bolt_session_next_event() at the end */
    const char *events; /* the whole event sequence, or NULL (per-message checks only) */
} cap_case;

static const cap_case cases[] = {
    {"01-", NULL, 0, 0, 0, "CONNECTED"},
    {"02-", NULL, 0, 0, BOLT_E_HS_NO_VERSION, "ERROR(NONE):BOLT_E_HS_NO_VERSION"},
    {"03-", NULL, 0, 0, BOLT_E_DEFUNCT,
     "CONNECTED READY(HELLO) SUCCESS(RUN) RECORD(PULL)=[1] SUCCESS(PULL)"},
    {"04-", NULL, 0, 0, BOLT_E_HS_NO_VERSION, "ERROR(NONE):BOLT_E_HS_NO_VERSION"},
    {"05-", NULL, 0, 0, 0,
     "CONNECTED READY(HELLO) SUCCESS(RUN) RECORD(PULL)=[1, \"x\", [1.5, null]] SUCCESS(PULL) "
     "SUCCESS(RUN) FAILURE(PULL) IGNORED(RUN) IGNORED(PULL) IGNORED(PULL) SUCCESS(ACK_FAILURE) "
     "SUCCESS(RUN) RECORD(PULL)=[2] SUCCESS(PULL)"},
    {"06-", NULL, 0, 0, 0, NULL},
    {"08-", NULL, 0, 0, BOLT_E_HS_HTTP, "ERROR(NONE):BOLT_E_HS_HTTP"},
    {"10-", NULL, 0, 0, BOLT_E_DEFUNCT, "CONNECTED READY(HELLO)"},
    {"11-", NULL, 0, 0, BOLT_E_AUTH, "CONNECTED FAILURE(HELLO)"},
    {"14-", "COMMIT", 1, BOLT_E_STATE, BOLT_E_UNEXPECTED,
     "CONNECTED READY(HELLO) SUCCESS(RESET) ERROR(NONE):BOLT_E_UNEXPECTED"},
    /* A second HELLO has no API; re-authentication (LOGON) does not exist on Bolt 3. */
    {"15-", "HELLO", 2, BOLT_E_UNSUPPORTED, BOLT_E_UNEXPECTED,
     "CONNECTED READY(HELLO) ERROR(NONE):BOLT_E_UNEXPECTED"},
    {"16-", "RUN", 2, BOLT_E_STATE, BOLT_E_UNEXPECTED,
     "CONNECTED READY(HELLO) SUCCESS(RUN) ERROR(NONE):BOLT_E_UNEXPECTED"},
    {"50-", NULL, 0, 0, BOLT_E_DEFUNCT, "CONNECTED READY(HELLO) FAILURE(RUN) IGNORED(PULL)"},
    {"51-", NULL, 0, 0, BOLT_E_DEFUNCT,
     "CONNECTED READY(HELLO) FAILURE(RUN) IGNORED(PULL) IGNORED(RUN) SUCCESS(RESET) "
     "SUCCESS(RUN) RECORD(PULL)=[3] SUCCESS(PULL) SUCCESS(RUN) RECORD(PULL)=[10] FAILURE(PULL) "
     "SUCCESS(RESET) SUCCESS(RUN) RECORD(PULL)=[4] SUCCESS(PULL)"},
    {"57-", "BEGIN", 1, BOLT_E_STATE, BOLT_E_UNEXPECTED,
     "CONNECTED READY(HELLO) FAILURE(RUN) IGNORED(PULL) ERROR(NONE):BOLT_E_UNEXPECTED"},
    {"58-", NULL, 0, 0, BOLT_E_DEFUNCT,
     "CONNECTED READY(HELLO) SUCCESS(BEGIN) FAILURE(RUN) IGNORED(PULL) IGNORED(RUN) "
     "IGNORED(ROLLBACK) SUCCESS(RESET) SUCCESS(RUN) RECORD(PULL)=[3] SUCCESS(PULL)"},
    {"59-", NULL, 0, 0, BOLT_E_DEFUNCT,
     "CONNECTED READY(HELLO) FAILURE(RUN) IGNORED(PULL) IGNORED(ROLLBACK) IGNORED(COMMIT) "
     "SUCCESS(RESET) SUCCESS(RUN) RECORD(PULL)=[2] SUCCESS(PULL)"},
    {"62-", NULL, 0, 0, BOLT_E_DEFUNCT,
     "CONNECTED READY(HELLO) SUCCESS(BEGIN) SUCCESS(RUN) RECORD(PULL)=[1] RECORD(PULL)=[2] "
     "RECORD(PULL)=[3] SUCCESS(PULL) SUCCESS(COMMIT) SUCCESS(BEGIN) SUCCESS(RUN) "
     "RECORD(PULL)=[true] SUCCESS(PULL) SUCCESS(ROLLBACK) SUCCESS(RUN) RECORD(PULL)=[0] "
     "SUCCESS(PULL) SUCCESS(BEGIN) SUCCESS(RUN) RECORD(PULL)=[1] SUCCESS(PULL) SUCCESS(COMMIT)"},
    {"63-", NULL, 0, 0, BOLT_E_DEFUNCT,
     "CONNECTED READY(HELLO) SUCCESS(RUN) SUCCESS(DISCARD) SUCCESS(RUN) SUCCESS(DISCARD)"},
    {"81-", NULL, 0, 0, BOLT_E_DEFUNCT, NULL},
    {"90-", NULL, 0, 0, BOLT_E_DEFUNCT,
     "CONNECTED READY(HELLO) SUCCESS(RUN) RECORD(PULL)=[1] SUCCESS(PULL)"},
};

/* Conversations that must be reproducible (the rest are replayed when they can be). */
static const char *const required[] = {"10-", "11-", "14-", "15-", "16-", "50-", "51-", "57-",
                                       "58-", "59-", "62-", "63-", "81-", "90-", "05-", "06-"};

static const cap_case *case_for(const char *file)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (strncmp(file, cases[i].prefix, strlen(cases[i].prefix)) == 0) return &cases[i];
    return NULL;
}

/* ---- the replay ---------------------------------------------------------------------------- */

typedef struct pending_req {
    bolt_request kind;
    int64_t seq;
} pending_req;

typedef struct replay {
    const capture *c;
    const cap_case *cc;
    int bytewise;
    bolt_session *s;
    bolt_arena arena; /* parameters rebuilt from the capture */
    bolt_buf seg;     /* server bytes of the current turn, not fed yet */
    size_t *exp;      /* server exchanges waiting for their event */
    size_t exp_head, exp_len;
    pending_req *fifo; /* requests sent, in order */
    size_t fifo_head, fifo_len;
    int unmatched; /* after a refusal: events are recorded, not matched */
    int hello_seen;
    unsigned major, minor;
    char events[16384];
    char why[1024];
    int refused;
    int refuse_seen; /* occurrences of the refused message name so far */
    int final_rc;
    unsigned exact, decoded; /* client messages equal byte for byte / as values */
} replay;

static int fail(replay *r, const char *fmt, ...)
{
    if (!r->why[0]) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->why, sizeof r->why, fmt, ap);
        va_end(ap);
    }
    return MISMATCH;
}

static const char *req_name(bolt_request q)
{
    static const char *const names[] = {"NONE",  "HELLO",   "LOGON",      "LOGOFF", "RUN",
                                        "PULL",  "DISCARD", "BEGIN",      "COMMIT", "ROLLBACK",
                                        "RESET", "ROUTE",   "ACK_FAILURE"};
    return (unsigned)q < sizeof names / sizeof names[0] ? names[q] : "?";
}

static void note_event(replay *r, const bolt_event *ev)
{
    static const char *const names[] = {"NONE",   "CONNECTED", "READY",   "SUCCESS",
                                        "RECORD", "FAILURE",   "IGNORED", "ERROR"};
    size_t len = strlen(r->events);
    char *o = r->events + len;
    size_t cap = sizeof r->events - len;
    const char *sp = len ? " " : "";
    if (ev->type == BOLT_EV_CONNECTED) {
        snprintf(o, cap, "%sCONNECTED", sp);
    } else if (ev->type == BOLT_EV_ERROR) {
        snprintf(o, cap, "%sERROR(%s):%s", sp, req_name(ev->request), bolt_errname(ev->err));
    } else {
        char val[96] = "";
        if (ev->type == BOLT_EV_RECORD) {
            val[0] = '=';
            bolt_value_format(ev->record, val + 1, sizeof val - 1); /* long values truncated */
        }
        snprintf(o, cap, "%s%s(%s)%s%s", sp, names[ev->type], req_name(ev->request),
                 ev->has_more ? "+more" : "", val);
    }
}

/* Checks one event against the next server message of the capture. */
static int match_event(replay *r, const bolt_event *ev)
{
    note_event(r, ev);
    if (ev->type == BOLT_EV_ERROR && ev->err == BOLT_E_NOMEM) return BOLT_E_NOMEM;
    if (r->unmatched) return 0;
    if (ev->type == BOLT_EV_ERROR)
        return fail(r, "error event %s (request %s)", bolt_errname(ev->err), req_name(ev->request));
    if (ev->type == BOLT_EV_CONNECTED) return fail(r, "CONNECTED in the middle of the stream");
    if (!r->exp_len) return fail(r, "event with no server message left to explain it");
    const cap_exchange *x = &r->c->ex[r->exp[r->exp_head]];
    r->exp_head++;
    r->exp_len--;
    if (!r->fifo_len) return fail(r, "event for exchange %s with no request pending", x->message);
    pending_req *front = &r->fifo[r->fifo_head];
    if (ev->request != front->kind || (int64_t)ev->request_seq != front->seq)
        return fail(r, "%s answers %s #%lld, event says %s #%llu", x->message,
                    req_name(front->kind), (long long)front->seq, req_name(ev->request),
                    (unsigned long long)ev->request_seq);
    char why[256] = "";
    const json_value *f0 = json_at(x->fields, 0);
    bolt_event_type want;
    if (strcmp(x->message, "RECORD") == 0) {
        want = BOLT_EV_RECORD;
        if (ev->type == want && !capture_value_matches(ev->record, f0, why, sizeof why))
            return fail(r, "RECORD value: %s", why);
    } else {
        r->fifo_head++;
        r->fifo_len--;
        if (strcmp(x->message, "SUCCESS") == 0) {
            want = front->kind == BOLT_REQ_HELLO ? BOLT_EV_READY : BOLT_EV_SUCCESS;
            if (ev->type == want && !capture_value_matches(ev->meta, f0, why, sizeof why))
                return fail(r, "SUCCESS metadata: %s", why);
        } else if (strcmp(x->message, "FAILURE") == 0) {
            want = BOLT_EV_FAILURE;
            const char *code = NULL, *msg = NULL;
            if (bolt_session_failure(r->s, &code, &msg, NULL) != 1 ||
                !json_str_eq(json_get(f0, "code"), code) ||
                !json_str_eq(json_get(f0, "message"), msg))
                return fail(r, "FAILURE code/message not kept (got %s)", code ? code : "-");
        } else {
            want = BOLT_EV_IGNORED;
        }
    }
    if (ev->type != want)
        return fail(r, "%s came out as event type %d (want %d)", x->message, ev->type, want);
    return 0;
}

static int drain(replay *r)
{
    bolt_event ev;
    int rc;
    while ((rc = bolt_session_next_event(r->s, &ev)) == 1) {
        int m = match_event(r, &ev);
        if (m < 0) return m;
    }
    r->final_rc = rc;
    if (rc == BOLT_E_NOMEM) return rc;
    return 0;
}

static int feed(replay *r, const uint8_t *p, size_t n)
{
    size_t step = r->bytewise ? 1 : (n ? n : 1);
    for (size_t i = 0; i < n; i += step) {
        size_t k = n - i < step ? n - i : step;
        int rc = bolt_session_input(r->s, p + i, k);
        if (rc == BOLT_E_NOMEM) return rc;
        if (rc < 0 && !r->unmatched) return fail(r, "input refused: %s", bolt_errname(rc));
        if ((rc = drain(r)) < 0) return rc;
    }
    return 0;
}

/* Feeds the server turn collected so far; every message in it must have produced its event. */
static int flush(replay *r)
{
    int rc = feed(r, r->seg.data, r->seg.len);
    bolt_buf_reset(&r->seg);
    if (rc < 0) return rc;
    if (r->exp_len && !r->unmatched && r->final_rc == 0)
        return fail(r, "server message %zu produced no event", r->exp[r->exp_head]);
    r->exp_len = 0;
    return 0;
}

/* One decoded message of a client byte stream. */
typedef struct dmsg {
    uint8_t sig, n;
    bolt_value f[3];
} dmsg;

static int decode_one(const uint8_t *p, size_t len, const bolt_dialect *d, bolt_arena *a, dmsg *m)
{
    bolt_dechunker dc;
    bolt_dechunker_init(&dc, 0);
    int rc = bolt_dechunker_feed(&dc, p, len);
    const uint8_t *msg;
    size_t mlen;
    if (rc == 0 && (rc = bolt_dechunker_next(&dc, &msg, &mlen)) != 1) rc = rc < 0 ? rc : -1;
    if (rc == 1) {
        uint8_t *copy = bolt_arena_alloc(a, mlen);
        size_t used = 0;
        rc = copy ? 0 : BOLT_E_NOMEM;
        if (copy) memcpy(copy, msg, mlen);
        if (rc == 0) rc = bolt_decode_struct_header(copy, mlen, &m->n, &m->sig, &used);
        bolt_decoder dec = {d, a, 0, BOLT_DECODE_RAW_STRUCTS};
        for (unsigned i = 0; rc == 0 && i < m->n && i < 3; i++) {
            size_t c = 0;
            rc = bolt_decode(&dec, copy + used, mlen - used, &m->f[i], &c);
            used += c;
        }
        if (rc == 0 && used != mlen) rc = BOLT_E_TRAILING;
    }
    bolt_dechunker_free(&dc);
    return rc;
}

/* Our bytes for one message against the capture's: identical, or equal once decoded. */
static int compare_client(replay *r, const uint8_t *ours, size_t n, const cap_exchange *x)
{
    if (n == x->len && memcmp(ours, x->bytes, n) == 0) {
        r->exact++;
        return 0;
    }
    bolt_dialect d;
    bolt_dialect_for(&d, r->major, r->minor, 0);
    dmsg a, b;
    int rc = decode_one(ours, n, &d, &r->arena, &a);
    if (rc == BOLT_E_NOMEM) return rc;
    if (rc < 0) return fail(r, "our %s does not decode: %s", x->message, bolt_errname(rc));
    rc = decode_one(x->bytes, x->len, &d, &r->arena, &b);
    if (rc == BOLT_E_NOMEM) return rc;
    if (rc < 0) return fail(r, "capture %s does not decode", x->message);
    if (a.sig != b.sig || a.n != b.n) return fail(r, "%s: signature/fields differ", x->message);
    for (unsigned i = 0; i < a.n && i < 3; i++)
        if (!bolt_value_equal(&a.f[i], &b.f[i]))
            return fail(r, "%s field %u differs from the capture", x->message, i);
    r->decoded++;
    return 0;
}

/* Transaction options from a RUN/BEGIN extra; SKIP for keys our API cannot send there. */
static int opts_from_json(replay *r, const json_value *extra, bolt_tx_opts *o, const char **bms,
                          size_t bm_cap)
{
    bolt_tx_opts init = BOLT_TX_OPTS_INIT;
    *o = init;
    if (!extra || extra->type != JSON_OBJECT) return extra ? SKIP : 0;
    for (size_t i = 0; i < extra->len; i++) {
        const char *k = extra->u.members[i].key;
        const json_value *v = &extra->u.members[i].value;
        if (strcmp(k, "mode") == 0 && v->type == JSON_STRING) {
            o->mode = v->u.s;
        } else if (strcmp(k, "db") == 0 && v->type == JSON_STRING && r->major >= 4) {
            o->db = v->u.s;
        } else if (strcmp(k, "tx_timeout") == 0 && v->type == JSON_INT) {
            o->tx_timeout_ms = v->u.i;
        } else if (strcmp(k, "bookmarks") == 0 && v->type == JSON_ARRAY && v->len <= bm_cap) {
            for (size_t j = 0; j < v->len; j++) {
                if (v->u.items[j].type != JSON_STRING) return SKIP;
                bms[j] = v->u.items[j].u.s;
            }
            o->bookmarks = bms;
            o->bookmark_count = v->len;
        } else if (strcmp(k, "tx_metadata") == 0) {
            bolt_value *m = bolt_arena_alloc(&r->arena, sizeof *m);
            if (!m || capture_value_from_json(v, &r->arena, m) < 0) return BOLT_E_NOMEM;
            o->tx_metadata = m;
        } else {
            return SKIP;
        }
    }
    return 0;
}

/* Issues the request a client message of the capture stands for. */
static int64_t issue(replay *r, const cap_exchange *x, bolt_request *kind)
{
    const char *m = x->message;
    const json_value *f = x->fields;
    bolt_tx_opts o;
    const char *bms[8];
    int rc;
    *kind = BOLT_REQ_NONE;
    if (strcmp(m, "RUN") == 0) {
        const json_value *q = json_at(f, 0);
        bolt_value params;
        if (!q || q->type != JSON_STRING || !json_at(f, 1)) return SKIP;
        if (capture_value_from_json(json_at(f, 1), &r->arena, &params) < 0) return BOLT_E_NOMEM;
        if ((rc = opts_from_json(r, json_at(f, 2), &o, bms, 8)) < 0) return rc;
        *kind = BOLT_REQ_RUN;
        return bolt_session_run(r->s, q->u.s, &params, json_at(f, 2) ? &o : NULL);
    }
    if (strcmp(m, "PULL_ALL") == 0) {
        *kind = BOLT_REQ_PULL;
        return bolt_session_pull(r->s, -1);
    }
    if (strcmp(m, "DISCARD_ALL") == 0) {
        *kind = BOLT_REQ_DISCARD;
        return bolt_session_discard(r->s, -1);
    }
    if (strcmp(m, "BEGIN") == 0) {
        if ((rc = opts_from_json(r, json_at(f, 0), &o, bms, 8)) < 0) return rc;
        *kind = BOLT_REQ_BEGIN;
        return bolt_session_begin(r->s, &o);
    }
    if (strcmp(m, "COMMIT") == 0) {
        *kind = BOLT_REQ_COMMIT;
        return bolt_session_commit(r->s);
    }
    if (strcmp(m, "ROLLBACK") == 0) {
        *kind = BOLT_REQ_ROLLBACK;
        return bolt_session_rollback(r->s);
    }
    if (strcmp(m, "RESET") == 0 || strcmp(m, "ACK_FAILURE") == 0) {
        *kind = m[0] == 'R' ? BOLT_REQ_RESET : BOLT_REQ_ACK_FAILURE;
        return bolt_session_reset(r->s);
    }
    if (strcmp(m, "GOODBYE") == 0) {
        rc = bolt_session_goodbye(r->s);
        return rc < 0 ? rc : 0;
    }
    if (strcmp(m, "HELLO") == 0 && r->hello_seen) {
        /* HELLO twice: the only way to authenticate again is LOGON (5.1+). */
        bolt_auth a = {BOLT_AUTH_BASIC, "neo4j", "pass", NULL};
        *kind = BOLT_REQ_LOGON;
        return bolt_session_logon(r->s, &a);
    }
    return SKIP;
}

static int client_message(replay *r, const cap_exchange *x)
{
    int rc = flush(r);
    if (rc < 0) return rc;
    const uint8_t *p;
    size_t before = bolt_session_output(r->s, &p);
    if (x->signature == 0x01 && !r->hello_seen) {
        /* HELLO / INIT was queued by the session itself after the handshake (seq 0). */
        r->hello_seen = 1;
        if (r->cc && r->cc->refuse && strcmp(r->cc->refuse, x->message) == 0) r->refuse_seen++;
        if (before < x->len) return fail(r, "no %s written after the handshake", x->message);
        rc = compare_client(r, p, x->len, x);
        bolt_session_output_consumed(r->s, x->len);
        r->fifo[r->fifo_head + r->fifo_len].kind = BOLT_REQ_HELLO;
        r->fifo[r->fifo_head + r->fifo_len].seq = 0;
        r->fifo_len++;
        return rc;
    }
    if (before) return fail(r, "unexpected bytes before %s", x->message);
    bolt_request kind;
    int64_t seq = issue(r, x, &kind);
    if (seq == SKIP) return SKIP;
    if (seq == BOLT_E_NOMEM) return BOLT_E_NOMEM;
    size_t after = bolt_session_output(r->s, &p);
    if (r->cc && r->cc->refuse && strcmp(r->cc->refuse, x->message) == 0 &&
        ++r->refuse_seen == r->cc->refuse_nth) {
        if (seq != r->cc->refuse_rc)
            return fail(r, "%s: want refusal %s, got %lld", x->message,
                        bolt_errname(r->cc->refuse_rc), (long long)seq);
        if (after) return fail(r, "a refused %s wrote %zu bytes", x->message, after);
        r->refused = 1;
        r->unmatched = 1; /* what the server says next answers a message never sent */
        return 0;
    }
    if (seq < 0) return fail(r, "%s refused: %s", x->message, bolt_errname((int)seq));
    rc = compare_client(r, p, after, x);
    bolt_session_output_consumed(r->s, after);
    if (rc < 0) return rc;
    if (kind != BOLT_REQ_NONE) {
        r->fifo[r->fifo_head + r->fifo_len].kind = kind;
        r->fifo[r->fifo_head + r->fifo_len].seq = seq;
        r->fifo_len++;
    }
    return 0;
}

static int run_replay(replay *r)
{
    const capture *c = r->c;
    const cap_exchange *hs = c->count ? &c->ex[0] : NULL;
    if (!hs || hs->kind != CAP_HANDSHAKE || hs->len != 20) return SKIP;
    if (memcmp(hs->bytes, "\x60\x60\xB0\x17", 4) != 0) return SKIP; /* we only send this magic */
    for (size_t i = 0; i < c->count; i++)
        if (c->ex[i].kind == CAP_STREAM_SUMMARY) return SKIP; /* see test_stream_70000 */

    /* Configure like the capture client. */
    uint32_t props[4];
    for (int i = 0; i < 4; i++) {
        const uint8_t *w = hs->bytes + 4 + 4 * i;
        props[i] = (uint32_t)w[0] << 24 | (uint32_t)w[1] << 16 | (uint32_t)w[2] << 8 | w[3];
    }
    bolt_session_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.proposals = props;
    for (size_t i = 0; i < c->count; i++) {
        const cap_exchange *x = &c->ex[i];
        if (x->kind != CAP_MESSAGE || x->from_server || x->signature != 0x01) continue;
        const json_value *auth = json_at(x->fields, strcmp(x->message, "INIT") == 0 ? 1 : 0);
        const json_value *ua =
            strcmp(x->message, "INIT") == 0 ? json_at(x->fields, 0) : json_get(auth, "user_agent");
        if (!auth || auth->type != JSON_OBJECT || !ua || ua->type != JSON_STRING) return SKIP;
        for (size_t k = 0; k < auth->len; k++) {
            const char *key = auth->u.members[k].key;
            if (strcmp(key, "user_agent") && strcmp(key, "scheme") && strcmp(key, "principal") &&
                strcmp(key, "credentials"))
                return SKIP; /* HELLO keys the session does not send on this version */
        }
        if (!json_str_eq(json_get(auth, "scheme"), "basic")) return SKIP;
        cfg.user_agent = ua->u.s;
        cfg.auth.scheme = BOLT_AUTH_BASIC;
        cfg.auth.principal = json_get(auth, "principal")->u.s;
        cfg.auth.credentials = json_get(auth, "credentials")->u.s;
        break;
    }
    if (!cfg.user_agent) {
        cfg.user_agent = "boltdiff-capture/1.0";
        cfg.auth.scheme = BOLT_AUTH_BASIC;
        cfg.auth.principal = "neo4j";
        cfg.auth.credentials = "pass";
    }
    int err = 0;
    r->s = bolt_session_new(&cfg, &err);
    if (!r->s) return err == BOLT_E_NOMEM ? err : fail(r, "new: %s", bolt_errname(err));

    const uint8_t *p;
    size_t n = bolt_session_output(r->s, &p);
    if (n != 20 || memcmp(p, hs->bytes, 20) != 0) return fail(r, "handshake bytes differ");
    bolt_session_output_consumed(r->s, n);

    int rc = 0;
    for (size_t i = 1; i < c->count && rc >= 0; i++) {
        const cap_exchange *x = &c->ex[i];
        switch (x->kind) {
        case CAP_HANDSHAKE_REPLY:
            r->unmatched = 1; /* CONNECTED or a handshake error, recorded in r->events */
            rc = feed(r, x->bytes, x->len);
            if (rc == 0 && bolt_session_version(r->s, &r->major, &r->minor) == 0 &&
                (r->major != (unsigned)c->bolt_major))
                rc = fail(r, "agreed on Bolt %u, capture says %d", r->major, c->bolt_major);
            r->unmatched = 0;
            break;
        case CAP_MESSAGE:
        case CAP_NOOP:
            if (x->from_server) {
                bolt_buf_append(&r->seg, x->bytes, x->len);
                if (r->seg.err) rc = BOLT_E_NOMEM;
                if (x->kind == CAP_MESSAGE) r->exp[r->exp_head + r->exp_len++] = i;
            } else if (!r->refused) {
                rc = client_message(r, x);
            }
            break;
        case CAP_EVENT:
            if ((rc = flush(r)) < 0) break;
            bolt_session_input_eof(r->s);
            rc = drain(r);
            break;
        default:
            break;
        }
    }
    if (rc >= 0) rc = flush(r);
    if (rc >= 0) rc = drain(r);
    return rc;
}

/* Returns 0, SKIP (the client side cannot be expressed with the session API), BOLT_E_NOMEM
 * (an allocation failed somewhere: the malloc-failure test wants exactly that) or MISMATCH
 * with the reason in r->why. Never uses CUnit, so it can run under failalloc_each(). */
static int replay_capture(const capture *c, int bytewise, replay *r)
{
    memset(r, 0, sizeof *r);
    r->c = c;
    r->cc = case_for(c->file);
    r->bytewise = bytewise;
    r->exp = calloc(c->count + 1, sizeof *r->exp);
    r->fifo = calloc(c->count + 1, sizeof *r->fifo);
    bolt_arena_init(&r->arena, 0, 0);
    bolt_buf_init(&r->seg);
    int rc = (r->exp && r->fifo) ? run_replay(r) : MISMATCH;
    bolt_session_free(r->s);
    r->s = NULL;
    bolt_arena_free(&r->arena);
    bolt_buf_free(&r->seg);
    free(r->exp);
    free(r->fifo);
    return rc;
}

/* ---- tests --------------------------------------------------------------------------------- */

static int is_required(const char *file)
{
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
        if (strncmp(file, required[i], strlen(required[i])) == 0) return 1;
    return 0;
}

static void test_every_capture(void)
{
    char **paths = NULL;
    size_t count = 0;
    char err[512];
    int lrc = capture_list(capture_dir(), &paths, &count, err, sizeof err);
    if (lrc != 0) fprintf(stderr, "\n  %s\n", err);
    CU_ASSERT_EQUAL_FATAL(lrc, 0);
    CU_ASSERT_FATAL(count >= 50);
    unsigned replayed = 0, skipped = 0, exact = 0, decoded = 0, required_done = 0;
    for (size_t i = 0; i < count; i++) {
        capture c;
        if (capture_load(paths[i], &c, err, sizeof err) != 0) {
            fprintf(stderr, "\n  %s\n", err);
            CU_FAIL("capture does not load");
            continue;
        }
        const cap_case *cc = case_for(c.file);
        char first_events[sizeof((replay *)0)->events];
        for (int bytewise = 0; bytewise < 2; bytewise++) {
            static replay r;
            int rc = replay_capture(&c, bytewise, &r);
            if (rc == SKIP) {
                if (bytewise == 0) skipped++;
                if (is_required(c.file)) {
                    fprintf(stderr, "\n  %s: required capture could not be replayed\n", c.file);
                    CU_FAIL("required capture skipped");
                }
                break;
            }
            if (rc < 0)
                fprintf(stderr, "\n  %s (%s): %s\n    events: %s\n", c.file,
                        bytewise ? "bytewise" : "whole", r.why, r.events);
            CU_ASSERT_EQUAL(rc, 0);
            if (cc) {
                CU_ASSERT_EQUAL(r.final_rc, cc->final_rc);
                if (r.final_rc != cc->final_rc)
                    fprintf(stderr, "\n  %s: final %s, want %s\n", c.file, bolt_errname(r.final_rc),
                            bolt_errname(cc->final_rc));
                CU_ASSERT_EQUAL(r.refused, cc->refuse != NULL);
                if (cc->events) {
                    CU_ASSERT_STRING_EQUAL(r.events, cc->events);
                    if (strcmp(r.events, cc->events) != 0)
                        fprintf(stderr, "\n  %s:\n    got  %s\n    want %s\n", c.file, r.events,
                                cc->events);
                }
            } else {
                /* Generic conversation: nothing may go wrong. */
                CU_ASSERT_PTR_NULL(strstr(r.events, "ERROR"));
            }
            if (bytewise == 0) {
                replayed++;
                exact += r.exact;
                decoded += r.decoded;
                if (is_required(c.file)) required_done++;
                memcpy(first_events, r.events, sizeof first_events);
            } else {
                /* Any split of the input gives the same events. */
                CU_ASSERT_STRING_EQUAL(r.events, first_events);
            }
        }
        capture_free(&c);
    }
    printf("\n  %u captures replayed (whole and byte by byte), %u skipped; client messages: "
           "%u byte-identical, %u equal decoded\n",
           replayed, skipped, exact, decoded);
    CU_ASSERT_EQUAL(required_done, sizeof required / sizeof required[0]);
    capture_list_free(paths, count);
}

/* Specific facts of single conversations, on top of the generic checks. */
static void test_capture_details(void)
{
    char path[1024], err[512];
    capture c;
    snprintf(path, sizeof path, "%s/10-hello-success.json", capture_dir());
    CU_ASSERT_EQUAL_FATAL(capture_load(path, &c, err, sizeof err), 0);
    /* Drive it by hand to look at the session after HELLO. */
    uint8_t *srv;
    size_t srv_len;
    CU_ASSERT_EQUAL_FATAL(capture_stream(&c, 1, &srv, &srv_len), 0);
    bolt_session_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.user_agent = "boltdiff-capture/1.0";
    cfg.auth.scheme = BOLT_AUTH_BASIC;
    cfg.auth.principal = "neo4j";
    cfg.auth.credentials = "pass";
    bolt_session *s = bolt_session_new(&cfg, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    const uint8_t *p;
    bolt_session_output_consumed(s, bolt_session_output(s, &p));
    CU_ASSERT_EQUAL(bolt_session_input(s, c.ex[1].bytes, c.ex[1].len), 0);
    /* Our HELLO is the capture client's, byte for byte. */
    size_t n = bolt_session_output(s, &p);
    CU_ASSERT_EQUAL(n, c.ex[2].len);
    CU_ASSERT(n == c.ex[2].len && memcmp(p, c.ex[2].bytes, n) == 0);
    bolt_session_output_consumed(s, n);
    CU_ASSERT_EQUAL(bolt_session_input(s, srv, srv_len), 0);
    bolt_event ev;
    CU_ASSERT_EQUAL(bolt_session_next_event(s, &ev), 1);
    CU_ASSERT_EQUAL(ev.type, BOLT_EV_CONNECTED);
    CU_ASSERT_EQUAL(bolt_session_next_event(s, &ev), 1);
    CU_ASSERT_EQUAL(ev.type, BOLT_EV_READY);
    CU_ASSERT_STRING_EQUAL(bolt_session_server_agent(s), "Neo4j/3.5.22-SNAPSHOT");
    CU_ASSERT_STRING_EQUAL(bolt_session_connection_id(s), "bolt-10");
    CU_ASSERT_EQUAL(bolt_session_recv_timeout_hint(s), -1); /* 3.5 sends no hints */
    CU_ASSERT_EQUAL(bolt_session_dialect(s)->utc_datetime, 0);
    CU_ASSERT_EQUAL(bolt_session_noops(s), 0);
    bolt_session_free(s);
    free(srv);
    capture_free(&c);

    snprintf(path, sizeof path, "%s/11-hello-wrong-password.json", capture_dir());
    CU_ASSERT_EQUAL_FATAL(capture_load(path, &c, err, sizeof err), 0);
    cfg.auth.credentials = "wrong-password";
    s = bolt_session_new(&cfg, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    bolt_session_output_consumed(s, bolt_session_output(s, &p));
    CU_ASSERT_EQUAL(bolt_session_input(s, c.ex[1].bytes, c.ex[1].len), 0);
    CU_ASSERT_EQUAL(bolt_session_input(s, c.ex[3].bytes, c.ex[3].len), 0);
    CU_ASSERT_EQUAL(bolt_session_next_event(s, &ev), 1);
    CU_ASSERT_EQUAL(bolt_session_next_event(s, &ev), 1);
    CU_ASSERT_EQUAL(ev.type, BOLT_EV_FAILURE);
    CU_ASSERT_EQUAL(ev.request, BOLT_REQ_HELLO);
    const char *code, *msg;
    CU_ASSERT_EQUAL(bolt_session_failure(s, &code, &msg, NULL), 1);
    CU_ASSERT_STRING_EQUAL(code, "Neo.ClientError.Security.Unauthorized");
    CU_ASSERT_STRING_EQUAL(msg, "The client is unauthorized due to authentication failure.");
    CU_ASSERT_EQUAL(bolt_session_state(s), BOLT_S_DEFUNCT);
    bolt_session_input_eof(s);
    CU_ASSERT_EQUAL(bolt_session_next_event(s, &ev), BOLT_E_AUTH);
    bolt_session_free(s);
    capture_free(&c);
}

/* ---- 80: 70,000 rows, rebuilt from the summary ---------------------------------------------- */

static uint8_t *hex_of(const json_value *v, size_t *n)
{
    return (v && v->type == JSON_STRING) ? hex_alloc(v->u.s, n) : NULL;
}

/* The server stream of capture 80: first SUCCESS, RECORD [i] for i = 1..70000 in the minimal
 * encoding, last SUCCESS. Checked against total_bytes and the first/last 2 KiB. */
static int build_stream_80(const capture *c, bolt_buf *out)
{
    const cap_exchange *x = NULL;
    for (size_t i = 0; i < c->count; i++)
        if (c->ex[i].kind == CAP_STREAM_SUMMARY) x = &c->ex[i];
    if (!x) return -1;
    const json_value *d = x->decoded;
    const json_value *first = json_get(json_at(json_get(d, "first_messages"), 0), "hex");
    const json_value *lastl = json_get(d, "last_messages");
    const json_value *last = json_get(json_at(lastl, lastl ? lastl->len - 1 : 0), "hex");
    size_t n1, n2, h1, h2;
    uint8_t *b1 = hex_of(first, &n1), *b2 = hex_of(last, &n2);
    uint8_t *f2k = hex_of(json_get(x->json, "hex_first_2048"), &h1);
    uint8_t *l2k = hex_of(json_get(x->json, "hex_last_2048"), &h2);
    const json_value *total = json_get(x->json, "total_bytes");
    int rc = -1;
    if (b1 && b2 && f2k && l2k && total && total->type == JSON_INT) {
        bolt_buf m;
        bolt_buf_init(&m);
        bolt_buf_append(out, b1, n1);
        for (int64_t i = 1; i <= 70000; i++) {
            bolt_buf_reset(&m);
            bolt_pack_struct_header(&m, 1, BOLT_MSG_RECORD);
            bolt_pack_list_header(&m, 1);
            bolt_pack_int(&m, i);
            bolt_frame_message(out, m.data, m.len, 0);
        }
        bolt_buf_append(out, b2, n2);
        rc = (out->err == 0 && out->len == (size_t)total->u.i && out->len >= h1 + h2 &&
              memcmp(out->data, f2k, h1) == 0 && memcmp(out->data + out->len - h2, l2k, h2) == 0)
                 ? 0
                 : -1;
        bolt_buf_free(&m);
    }
    free(b1);
    free(b2);
    free(f2k);
    free(l2k);
    return rc;
}

static void test_stream_70000(void)
{
    char path[1024], err[512];
    capture c;
    snprintf(path, sizeof path, "%s/80-stream-70000-rows.json", capture_dir());
    CU_ASSERT_EQUAL_FATAL(capture_load(path, &c, err, sizeof err), 0);
    bolt_buf st;
    bolt_buf_init(&st);
    CU_ASSERT_EQUAL_FATAL(build_stream_80(&c, &st), 0); /* byte-exact reconstruction */
    CU_ASSERT_EQUAL(st.len, 774295);

    /* Read sizes: everything at once, 4 KiB like a socket read, one byte at a time. */
    const size_t steps[] = {774295, 4096, 1};
    for (size_t k = 0; k < 3; k++) {
        failalloc_install(); /* counting only: never armed */
        bolt_session_config cfg;
        memset(&cfg, 0, sizeof cfg);
        cfg.user_agent = "boltdiff-capture/1.0";
        cfg.auth.scheme = BOLT_AUTH_BASIC;
        cfg.auth.principal = "neo4j";
        cfg.auth.credentials = "pass";
        bolt_session *s = bolt_session_new(&cfg, NULL);
        CU_ASSERT_PTR_NOT_NULL_FATAL(s);
        const uint8_t *p;
        bolt_session_output_consumed(s, bolt_session_output(s, &p));
        CU_ASSERT_EQUAL(bolt_session_input(s, c.ex[1].bytes, c.ex[1].len), 0);
        bolt_session_output_consumed(s, bolt_session_output(s, &p)); /* HELLO */
        CU_ASSERT_EQUAL(bolt_session_input(s, c.ex[3].bytes, c.ex[3].len), 0);
        bolt_event ev;
        CU_ASSERT_EQUAL(bolt_session_next_event(s, &ev), 1);
        CU_ASSERT_EQUAL(bolt_session_next_event(s, &ev), 1);
        CU_ASSERT_EQUAL(ev.type, BOLT_EV_READY);
        bolt_tx_opts o = BOLT_TX_OPTS_INIT;
        o.mode = "r";
        CU_ASSERT(bolt_session_run(s, "UNWIND range(1, 70000) AS i RETURN i", NULL, &o) >= 0);
        CU_ASSERT(bolt_session_pull(s, -1) >= 0);
        /* The RUN and PULL_ALL of the capture, byte for byte. */
        size_t n = bolt_session_output(s, &p);
        CU_ASSERT_EQUAL_FATAL(n, c.ex[4].len + c.ex[5].len);
        CU_ASSERT_EQUAL(memcmp(p, c.ex[4].bytes, c.ex[4].len), 0);
        CU_ASSERT_EQUAL(memcmp(p + c.ex[4].len, c.ex[5].bytes, c.ex[5].len), 0);
        bolt_session_output_consumed(s, n);

        int64_t next = 1;
        int successes = 0, bad = 0, rc = 0;
        unsigned long calls_at_1000 = 0;
        for (size_t off = 0; off < st.len && rc == 0; off += steps[k]) {
            size_t len = st.len - off < steps[k] ? st.len - off : steps[k];
            CU_ASSERT_EQUAL(bolt_session_input(s, st.data + off, len), 0);
            while ((rc = bolt_session_next_event(s, &ev)) == 1) {
                if (ev.type == BOLT_EV_RECORD) {
                    if (ev.record->len != 1 || ev.record->u.items[0].u.i != next) bad++;
                    if (next == 1000) calls_at_1000 = failalloc_calls();
                    next++;
                } else if (ev.type == BOLT_EV_SUCCESS) {
                    successes++;
                    if (successes == 2) {
                        const bolt_value *tl = bolt_map_get(ev.meta, "t_last");
                        CU_ASSERT(tl && tl->u.i == 1646);
                        CU_ASSERT_EQUAL(ev.request, BOLT_REQ_PULL);
                    }
                } else {
                    bad++;
                }
            }
        }
        CU_ASSERT_EQUAL(rc, 0);
        CU_ASSERT_EQUAL(bad, 0);
        CU_ASSERT_EQUAL(next, 70001);
        CU_ASSERT_EQUAL(successes, 2);
        CU_ASSERT_EQUAL(bolt_session_state(s), BOLT_S_READY);
        /* Memory flat: once warmed up, 69,000 records cost no allocation at all (only the
         * all-at-once feed needed its one big buffer, before the first record). */
        CU_ASSERT_EQUAL(failalloc_calls(), calls_at_1000);
        bolt_session_free(s);
        CU_ASSERT_EQUAL(failalloc_live(), 0);
        failalloc_uninstall();
    }
    bolt_buf_free(&st);
    capture_free(&c);
}

/* ---- malloc failures across whole conversations --------------------------------------------- */

static int replay_quiet(void *ud)
{
    static replay r;
    int rc = replay_capture(ud, 0, &r);
    if (rc == 0 && r.final_rc == BOLT_E_NOMEM) rc = BOLT_E_NOMEM;
    if (rc != 0 && rc != BOLT_E_NOMEM) fprintf(stderr, "\n  quiet replay: %s\n", r.why);
    return rc;
}

static void test_malloc_failures(void)
{
    const char *files[] = {"51-pipelined-failure-reset.json",
                           "62-explicit-tx-begin-run-commit.json",
                           "81-large-message-chunking.json"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[1024], err[512];
        capture c;
        snprintf(path, sizeof path, "%s/%s", capture_dir(), files[i]);
        CU_ASSERT_EQUAL_FATAL(capture_load(path, &c, err, sizeof err), 0);
        failalloc_install();
        CU_ASSERT_EQUAL(replay_quiet(&c), 0);
        unsigned long total = failalloc_calls();
        failalloc_uninstall();
        long bad = failalloc_each(replay_quiet, &c, BOLT_E_NOMEM);
        printf("\n  %s: each of %lu allocations failed in turn", files[i], total);
        if (bad) fprintf(stderr, "\n  %s: allocation %ld\n", files[i], bad);
        CU_ASSERT_EQUAL(bad, 0);
        capture_free(&c);
    }
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 1;
    CU_pSuite su = CU_add_suite("session_captures", NULL, NULL);
    CU_add_test(su, "every 3.5.22 capture", test_every_capture);
    CU_add_test(su, "capture details (10, 11)", test_capture_details);
    CU_add_test(su, "70,000-row stream, flat memory", test_stream_70000);
    CU_add_test(su, "malloc failures", test_malloc_failures);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
