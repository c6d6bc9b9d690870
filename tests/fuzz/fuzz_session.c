/* Fuzz target: the session state machine fed arbitrary server bytes after a valid handshake.
 *
 * Input: byte 0 = Bolt version (index into `versions`), byte 1 = flags (see below), byte 2 =
 * piece size for the split feeds, then the server's byte stream after the handshake reply.
 * The client reacts to events the way a driver would (RUN + PULL after READY, PULL again on
 * has_more, RESET after FAILURE, ...), so the fuzzer reaches every state.
 *
 * Oracles: no crash, leak or sanitizer report; the same input fed whole, in pieces, and through
 * the zero-copy input buffer gives the same event sequence and the same final code; once an
 * ERROR is reported the session is DEFUNCT, has nothing pending and keeps returning the code;
 * a session never returns a negative code from next_event without being DEFUNCT. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bolt/bolt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct {
    uint8_t major, minor, manifest;
} versions[] = {{1, 0, 0}, {2, 0, 0}, {3, 0, 0}, {4, 0, 0}, {4, 1, 0}, {4, 3, 0}, {4, 4, 0},
                {5, 0, 0}, {5, 1, 0}, {5, 4, 0}, {5, 7, 0}, {5, 8, 1}, {6, 0, 1}};
#define NVERSIONS (sizeof versions / sizeof versions[0])

/* flags */
#define F_PULL_N 0x01    /* PULL 2 instead of PULL -1 */
#define F_TX 0x02        /* use explicit transactions */
#define F_PIPELINE 0x04  /* pipeline a query behind HELLO */
#define F_UTC 0x08       /* ask for the utc patch */
#define F_SMALL_MSG 0x10 /* max_message 512 */
#define F_SHALLOW 0x20   /* max_depth 4 */
#define F_DISCARD 0x40   /* DISCARD instead of PULL */
#define F_ROUTE 0x80     /* ROUTE / LOGOFF+LOGON where the version has them */

typedef struct trace {
    uint64_t h;
    unsigned events;
    int final;
} trace;

static void mix(trace *t, uint64_t v)
{
    t->h = (t->h ^ v) * 0x100000001b3ULL;
}

static void mix_value(trace *t, const bolt_value *v)
{
    char buf[256];
    size_t n = bolt_value_format(v, buf, sizeof buf);
    if (n >= sizeof buf) n = sizeof buf - 1;
    for (size_t i = 0; i < n; i++)
        mix(t, (uint8_t)buf[i]);
}

static void query(bolt_session *s, unsigned flags, trace *t, int *budget)
{
    if (*budget <= 0) return;
    (*budget)--;
    int64_t n = (flags & F_PULL_N) ? 2 : -1;
    if (flags & F_TX) mix(t, (uint64_t)bolt_session_begin(s, NULL));
    mix(t, (uint64_t)bolt_session_run(s, "RETURN 1 AS n", NULL, NULL));
    mix(t, (uint64_t)((flags & F_DISCARD) ? bolt_session_discard(s, n) : bolt_session_pull(s, n)));
    if (flags & F_TX) mix(t, (uint64_t)bolt_session_commit(s));
}

static void react(bolt_session *s, const bolt_event *ev, unsigned flags, trace *t, int *budget)
{
    mix(t, ev->type);
    mix(t, ev->request);
    mix(t, ev->request_seq);
    mix(t, (uint64_t)ev->has_more);
    if (ev->meta) mix_value(t, ev->meta);
    if (ev->record) mix_value(t, ev->record);
    switch (ev->type) {
    case BOLT_EV_CONNECTED:
        if (flags & F_PIPELINE) query(s, flags, t, budget);
        break;
    case BOLT_EV_READY:
        if ((flags & F_ROUTE) && *budget > 0) {
            (*budget)--;
            mix(t, (uint64_t)bolt_session_route(s, NULL, NULL, 0, "neo4j"));
            bolt_auth a = {BOLT_AUTH_BASIC, "u", "p", NULL};
            mix(t, (uint64_t)bolt_session_logoff(s));
            mix(t, (uint64_t)bolt_session_logon(s, &a));
        }
        query(s, flags, t, budget);
        break;
    case BOLT_EV_SUCCESS:
        if (ev->has_more) {
            mix(t, (uint64_t)bolt_session_pull(s, 2));
        } else if (ev->request == BOLT_REQ_PULL || ev->request == BOLT_REQ_DISCARD ||
                   ev->request == BOLT_REQ_RESET) {
            query(s, flags, t, budget);
        }
        break;
    case BOLT_EV_FAILURE:
        mix(t, (uint64_t)bolt_session_reset(s));
        break;
    case BOLT_EV_ERROR:
        mix(t, (uint64_t)(int64_t)ev->err);
        break;
    default:
        break;
    }
    const char *code, *msg, *gql;
    if (bolt_session_failure(s, &code, &msg, &gql)) mix(t, strlen(code) + strlen(msg));
    mix(t, bolt_session_state(s));
    mix(t, bolt_session_pending_requests(s));
}

static void drain(bolt_session *s, unsigned flags, trace *t, int *budget)
{
    bolt_event ev;
    int rc;
    while ((rc = bolt_session_next_event(s, &ev)) == 1) {
        t->events++;
        react(s, &ev, flags, t, budget);
        if (ev.type == BOLT_EV_ERROR) {
            if (bolt_session_state(s) != BOLT_S_DEFUNCT) abort();
            if (bolt_session_pending_requests(s) != 0) abort();
        }
        /* Throw the output away as a transport would write it. */
        const uint8_t *p;
        bolt_session_output_consumed(s, bolt_session_output(s, &p));
    }
    if (rc < 0 && bolt_session_state(s) != BOLT_S_DEFUNCT) abort();
    t->final = rc;
}

/* mode 0: whole; 1: pieces with bolt_session_input; 2: pieces through input_buffer/commit. */
static void run(unsigned vi, unsigned flags, size_t piece, const uint8_t *srv, size_t len, int mode,
                trace *t)
{
    memset(t, 0, sizeof *t);
    t->h = 0xcbf29ce484222325ULL;
    uint32_t props[4] = {BOLT_PROPOSAL(versions[vi].major, versions[vi].minor, 0), 0, 0, 0};
    if (versions[vi].manifest) {
        props[0] = BOLT_MANIFEST_V1;
        props[1] = BOLT_PROPOSAL(versions[vi].major, versions[vi].minor, 0);
    }
    bolt_session_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.auth.scheme = BOLT_AUTH_BASIC;
    cfg.auth.principal = "neo4j";
    cfg.auth.credentials = "pass";
    cfg.proposals = props;
    cfg.utc_patch = (flags & F_UTC) != 0;
    cfg.notifications_off = 1;
    cfg.max_message = (flags & F_SMALL_MSG) ? 512 : 0;
    cfg.max_depth = (flags & F_SHALLOW) ? 4 : 0;
    bolt_session *s = bolt_session_new(&cfg, NULL);
    if (!s) abort();
    int budget = 16;
    const uint8_t *p;
    bolt_session_output_consumed(s, bolt_session_output(s, &p));
    uint8_t reply[16];
    size_t rlen = 0;
    uint8_t ma = versions[vi].major, mi = versions[vi].minor;
    if (versions[vi].manifest) {
        const uint8_t m[] = {0, 0, 1, 0xFF, 1, 0, 0, mi, ma, 0};
        memcpy(reply, m, sizeof m);
        rlen = sizeof m;
    } else {
        const uint8_t r[] = {0, 0, mi, ma};
        memcpy(reply, r, sizeof r);
        rlen = sizeof r;
    }
    if (bolt_session_input(s, reply, rlen) != 0) abort();
    drain(s, flags, t, &budget);
    if (t->final < 0) abort(); /* a valid handshake must succeed */

    for (size_t off = 0; off < len;) {
        size_t n = mode == 0 ? len : (len - off < piece ? len - off : piece);
        int rc;
        if (mode == 2) {
            uint8_t *b;
            size_t avail;
            rc = bolt_session_input_buffer(s, n, &b, &avail);
            if (rc == 0) {
                if (avail < n) abort();
                memcpy(b, srv + off, n);
                bolt_session_input_commit(s, n);
            }
        } else {
            rc = bolt_session_input(s, srv + off, n);
        }
        if (rc < 0) {
            if (bolt_session_state(s) != BOLT_S_DEFUNCT) abort();
            break;
        }
        off += n;
        drain(s, flags, t, &budget);
    }
    bolt_session_input_eof(s);
    drain(s, flags, t, &budget);
    if (t->final >= 0) abort(); /* end of stream ends the session */
    if (bolt_session_pending_requests(s) != 0) abort();
    /* Defunct is final. */
    bolt_event ev;
    int again = bolt_session_next_event(s, &ev);
    if (t->final < 0 && again != t->final) abort();
    mix(t, (uint64_t)(int64_t)t->final);
    bolt_session_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3) return 0;
    unsigned vi = data[0] % NVERSIONS;
    unsigned flags = data[1];
    size_t piece = (size_t)data[2] + 1;
    trace a, b, c;
    run(vi, flags, piece, data + 3, size - 3, 0, &a);
    run(vi, flags, piece, data + 3, size - 3, 1, &b);
    run(vi, flags, piece, data + 3, size - 3, 2, &c);
    /* Any split of the input gives the same conversation. */
    if (a.h != b.h || a.events != b.events || a.final != b.final) abort();
    if (a.h != c.h || a.events != c.events || a.final != c.final) abort();
    return 0;
}
