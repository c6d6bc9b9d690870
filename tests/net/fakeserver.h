/* tests/net/fakeserver.h - a scripted Bolt server on a libuv loop, for the connection tests.
 * Header-only (static functions): test executables are one .c file each (tests/CMakeLists.txt).
 *
 * It runs on the same loop as the client under test, so a test is one uv_run() with no thread
 * and no sleep. It has its own minimal PackStream writer and reader (only what the replies and
 * the requests need), uses the C library's malloc (never bolt_malloc, so malloc-failure
 * injection only hits the library), and records what the client sent so tests can assert on
 * the conversation (how many PULLs, with which n, how many records the consumer had taken when
 * each PULL arrived, RESET, GOODBYE, ROUTE ...). */
#ifndef BOLTDIFF_TEST_FAKESERVER_H
#define BOLTDIFF_TEST_FAKESERVER_H

#include <stdint.h>
#include <uv.h>

#define FS_MAX_PULLS 256

typedef struct fs_server fs_server;
struct fs_server {
    uv_loop_t *loop;
    uv_tcp_t listener;
    int listening;
    int port;

    /* behaviour */
    uint8_t version[4];    /* handshake reply, e.g. 00 00 04 04 */
    int silent_handshake;  /* accept, read the handshake, never answer */
    int close_after_hs;    /* close right after reading the handshake */
    int auth_fail;         /* HELLO -> FAILURE Security.Unauthorized, then close */
    long records;          /* records per query */
    size_t record_pad;     /* bytes of padding string per record */
    long drop_after;       /* close the socket after this many records of a query (-1: never) */
    long bad_record;       /* this record of a query (0-based) is malformed: a reserved marker
                              inside its list (-1: none) */
    int stall_runs;        /* never answer RUN */
    int noops;             /* send a NOOP chunk before every record */
    int64_t hint;          /* connection.recv_timeout_seconds in HELLO SUCCESS, <0 none */
    int route_reader_port; /* ROUTE / routing procedure: READ member 127.0.0.1:PORT (0 = self) */
    int64_t route_ttl;

    /* observations */
    int accepted, hellos, logons, runs, pulls, resets, goodbyes, routes, discards;
    int64_t pull_n[FS_MAX_PULLS];
    uint64_t consumed_at_pull[FS_MAX_PULLS]; /* *consumer_count when each PULL arrived */
    const uint64_t *consumer_count;          /* set by the test: records its consumer took */
    char last_query[512];
    char last_user_agent[128];
    char last_principal[64];
    int64_t last_params_n; /* value of parameter $n in the last RUN, or -1 */

    void *conns; /* internal list */
};

/* fs_start(srv, loop): listens on 127.0.0.1 with an ephemeral port (srv->port). Defaults:
 * Bolt 4.4, 10 records, no drop, no malformed record, no hint. 0 or a libuv error.
 * fs_stop(srv): closes the listener; each connection closes when its client does.
 * fs_free_port(): a port nothing listens on (bound, then closed). */

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---- a growable byte buffer and a minimal PackStream writer -----------------------------------
 */

typedef struct fs_buf {
    uint8_t *p;
    size_t len, cap;
} fs_buf;

static void fs_put(fs_buf *b, const void *d, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n)
            cap *= 2;
        b->p = realloc(b->p, cap);
        if (!b->p) abort();
        b->cap = cap;
    }
    memcpy(b->p + b->len, d, n);
    b->len += n;
}

static void fs_u8(fs_buf *b, unsigned v)
{
    uint8_t c = (uint8_t)v;
    fs_put(b, &c, 1);
}

static void fs_be(fs_buf *b, uint64_t v, int bytes)
{
    for (int i = bytes - 1; i >= 0; i--)
        fs_u8(b, (unsigned)(v >> (8 * i)) & 0xFF);
}

static void fs_str(fs_buf *b, const char *s, size_t n)
{
    if (n < 16)
        fs_u8(b, 0x80 | (unsigned)n);
    else if (n < 256) {
        fs_u8(b, 0xD0);
        fs_u8(b, (unsigned)n);
    } else if (n < 65536) {
        fs_u8(b, 0xD1);
        fs_be(b, n, 2);
    } else {
        fs_u8(b, 0xD2);
        fs_be(b, n, 4);
    }
    fs_put(b, s, n);
}

static void fs_cstr(fs_buf *b, const char *s)
{
    fs_str(b, s, strlen(s));
}

static void fs_int(fs_buf *b, int64_t v)
{
    if (v >= -16 && v <= 127) {
        fs_u8(b, (unsigned)(v & 0xFF));
    } else if (v >= -128 && v <= 127) {
        fs_u8(b, 0xC8);
        fs_be(b, (uint64_t)v, 1);
    } else if (v >= -32768 && v <= 32767) {
        fs_u8(b, 0xC9);
        fs_be(b, (uint64_t)v, 2);
    } else if (v >= INT32_MIN && v <= INT32_MAX) {
        fs_u8(b, 0xCA);
        fs_be(b, (uint64_t)v, 4);
    } else {
        fs_u8(b, 0xCB);
        fs_be(b, (uint64_t)v, 8);
    }
}

static void fs_hdr(fs_buf *b, unsigned tiny, unsigned n8, size_t n)
{
    if (n < 16) {
        fs_u8(b, tiny | (unsigned)n);
    } else {
        fs_u8(b, n8);
        fs_u8(b, (unsigned)n);
    }
}
#define fs_map(b, n) fs_hdr(b, 0xA0, 0xD8, n)
#define fs_list(b, n) fs_hdr(b, 0x90, 0xD4, n)

/* Frames msg as one or more chunks plus the 00 00 end marker. */
static void fs_frame(fs_buf *out, const fs_buf *msg)
{
    size_t off = 0;
    do {
        size_t n = msg->len - off > 65535 ? 65535 : msg->len - off;
        fs_be(out, n, 2);
        fs_put(out, msg->p + off, n);
        off += n;
    } while (off < msg->len);
    fs_be(out, 0, 2);
}

/* ---- a minimal PackStream reader for the client's requests ------------------------------------
 */

typedef struct fs_rd {
    const uint8_t *p, *end;
    int bad;
} fs_rd;

static uint64_t fs_rbe(fs_rd *r, int n)
{
    uint64_t v = 0;
    if (r->end - r->p < n) {
        r->bad = 1;
        return 0;
    }
    for (int i = 0; i < n; i++)
        v = (v << 8) | *r->p++;
    return v;
}

/* Reads any value; strings come back through s/slen, integers through iv. Returns the marker
 * class: 's' string, 'i' int, 'm' map (count in iv, entries left unread), 'l' list (count in
 * iv, items left unread), 'S' struct (fields in iv), 'o' other (consumed). */
static int fs_next(fs_rd *r, const char **s, size_t *slen, int64_t *iv)
{
    if (r->p >= r->end) {
        r->bad = 1;
        return 'o';
    }
    uint8_t m = *r->p++;
    if (m < 0x80 || m >= 0xF0) {
        *iv = (int8_t)m;
        return 'i';
    }
    size_t n;
    switch (m & 0xF0) {
    case 0x80:
        n = m & 0x0F;
        goto str;
    case 0x90:
        *iv = m & 0x0F;
        return 'l';
    case 0xA0:
        *iv = m & 0x0F;
        return 'm';
    case 0xB0:
        *iv = m & 0x0F;
        fs_rbe(r, 1); /* tag */
        return 'S';
    default:
        break;
    }
    switch (m) {
    case 0xC0:
    case 0xC2:
    case 0xC3:
        return 'o';
    case 0xC1:
        fs_rbe(r, 8);
        return 'o';
    case 0xC8:
        *iv = (int8_t)fs_rbe(r, 1);
        return 'i';
    case 0xC9:
        *iv = (int16_t)fs_rbe(r, 2);
        return 'i';
    case 0xCA:
        *iv = (int32_t)fs_rbe(r, 4);
        return 'i';
    case 0xCB:
        *iv = (int64_t)fs_rbe(r, 8);
        return 'i';
    case 0xD0:
        n = fs_rbe(r, 1);
        goto str;
    case 0xD1:
        n = fs_rbe(r, 2);
        goto str;
    case 0xD2:
        n = fs_rbe(r, 4);
        goto str;
    case 0xD4:
        *iv = (int64_t)fs_rbe(r, 1);
        return 'l';
    case 0xD5:
        *iv = (int64_t)fs_rbe(r, 2);
        return 'l';
    case 0xD8:
        *iv = (int64_t)fs_rbe(r, 1);
        return 'm';
    case 0xD9:
        *iv = (int64_t)fs_rbe(r, 2);
        return 'm';
    default:
        r->bad = 1;
        return 'o';
    }
str:
    if ((size_t)(r->end - r->p) < n) {
        r->bad = 1;
        return 'o';
    }
    *s = (const char *)r->p;
    *slen = n;
    r->p += n;
    return 's';
}

static void fs_skip(fs_rd *r)
{
    const char *s;
    size_t sl;
    int64_t n = 0;
    int k = fs_next(r, &s, &sl, &n);
    if (k == 'l' || k == 'S')
        for (int64_t i = 0; i < n && !r->bad; i++)
            fs_skip(r);
    if (k == 'm')
        for (int64_t i = 0; i < 2 * n && !r->bad; i++)
            fs_skip(r);
}

/* In a map just opened (n entries), finds key and copies a string value or reads an int. */
static void fs_map_scan(fs_rd *r, int64_t n, const char *key, char *sval, size_t scap,
                        int64_t *ival)
{
    for (int64_t i = 0; i < n && !r->bad; i++) {
        const char *k, *s;
        size_t kl, sl;
        int64_t iv;
        if (fs_next(r, &k, &kl, &iv) != 's') return;
        int match = kl == strlen(key) && !memcmp(k, key, kl);
        const uint8_t *save = r->p;
        int t = fs_next(r, &s, &sl, &iv);
        if (match && t == 's' && sval) snprintf(sval, scap, "%.*s", (int)sl, s);
        if (match && t == 'i' && ival) *ival = iv;
        if (t != 's' && t != 'i') {
            r->p = save;
            fs_skip(r);
        }
    }
}

/* ---- connections --------------------------------------------------------------------------- */

typedef struct fs_conn fs_conn;
struct fs_conn {
    uv_tcp_t h;
    fs_server *srv;
    fs_conn *next;
    fs_buf in, out, msg;
    int hs_done, closing, failed, close_after_write;
    long remaining, sent;
    int routing_query;
};

typedef struct fs_wreq {
    uv_write_t req;
    fs_conn *c;
    uint8_t *data;
    int close_after;
} fs_wreq;

static void fs_conn_closed(uv_handle_t *h)
{
    fs_conn *c = h->data;
    fs_conn **pp = (fs_conn **)&c->srv->conns;
    while (*pp && *pp != c)
        pp = &(*pp)->next;
    if (*pp) *pp = c->next;
    free(c->in.p);
    free(c->out.p);
    free(c->msg.p);
    free(c);
}

static void fs_close(fs_conn *c)
{
    if (c->closing) return;
    c->closing = 1;
    uv_close((uv_handle_t *)&c->h, fs_conn_closed);
}

static void fs_written(uv_write_t *req, int status)
{
    fs_wreq *w = (fs_wreq *)req;
    (void)status;
    if (w->close_after) fs_close(w->c);
    free(w->data);
    free(w);
}

static void fs_flush(fs_conn *c)
{
    if (c->closing) return;
    if (c->out.len == 0) {
        if (c->close_after_write) fs_close(c);
        return;
    }
    fs_wreq *w = calloc(1, sizeof *w);
    if (!w) abort();
    w->c = c;
    w->data = c->out.p;
    w->close_after = c->close_after_write;
    uv_buf_t b = uv_buf_init((char *)c->out.p, (unsigned)c->out.len);
    c->out.p = NULL;
    c->out.len = c->out.cap = 0;
    if (uv_write(&w->req, (uv_stream_t *)&c->h, &b, 1, fs_written) != 0) {
        free(w->data);
        free(w);
        fs_close(c);
    }
}

static void fs_reply(fs_conn *c, const fs_buf *m)
{
    fs_frame(&c->out, m);
}

static void fs_success_empty(fs_conn *c)
{
    fs_buf m = {0};
    fs_u8(&m, 0xB1);
    fs_u8(&m, 0x70);
    fs_map(&m, 0);
    fs_reply(c, &m);
    free(m.p);
}

static void fs_failure(fs_conn *c, const char *code, const char *message)
{
    fs_buf m = {0};
    fs_u8(&m, 0xB1);
    fs_u8(&m, 0x7F);
    fs_map(&m, 2);
    fs_cstr(&m, "code");
    fs_cstr(&m, code);
    fs_cstr(&m, "message");
    fs_cstr(&m, message);
    fs_reply(c, &m);
    free(m.p);
}

static void fs_ignored(fs_conn *c)
{
    fs_buf m = {0};
    fs_u8(&m, 0xB0);
    fs_u8(&m, 0x7E);
    fs_reply(c, &m);
    free(m.p);
}

static void fs_servers(fs_buf *m, fs_server *s)
{
    char self[32], reader[32];
    snprintf(self, sizeof self, "127.0.0.1:%d", s->port);
    snprintf(reader, sizeof reader, "127.0.0.1:%d",
             s->route_reader_port ? s->route_reader_port : s->port);
    const char *roles[3] = {"ROUTE", "READ", "WRITE"};
    const char *addrs[3] = {self, reader, self};
    fs_list(m, 3);
    for (int i = 0; i < 3; i++) {
        fs_map(m, 2);
        fs_cstr(m, "addresses");
        fs_list(m, 1);
        fs_cstr(m, addrs[i]);
        fs_cstr(m, "role");
        fs_cstr(m, roles[i]);
    }
}

static void fs_on_pull(fs_conn *c, int64_t n)
{
    fs_server *s = c->srv;
    if (s->pulls < FS_MAX_PULLS) {
        s->pull_n[s->pulls] = n;
        s->consumed_at_pull[s->pulls] = s->consumer_count ? *s->consumer_count : 0;
    }
    s->pulls++;
    if (c->failed) {
        fs_ignored(c);
        return;
    }
    long k = n < 0 || n > c->remaining ? c->remaining : (long)n;
    char *pad = malloc(s->record_pad + 1);
    if (!pad) abort();
    memset(pad, 'x', s->record_pad);
    fs_buf m = {0};
    for (long i = 0; i < k; i++) {
        if (s->noops) fs_be(&c->out, 0, 2);
        m.len = 0;
        fs_u8(&m, 0xB1);
        fs_u8(&m, 0x71);
        if (c->routing_query) {
            fs_list(&m, 2);
            fs_int(&m, s->route_ttl);
            fs_servers(&m, s);
        } else if (c->sent == s->bad_record) {
            fs_list(&m, 2);
            fs_int(&m, c->sent);
            fs_u8(&m, 0xC7);
        } else {
            fs_list(&m, 2);
            fs_int(&m, c->sent);
            fs_str(&m, pad, s->record_pad);
        }
        fs_reply(c, &m);
        c->sent++;
        c->remaining--;
        if (s->drop_after >= 0 && c->sent >= s->drop_after) {
            free(m.p);
            free(pad);
            c->close_after_write = 1;
            return;
        }
    }
    free(pad);
    m.len = 0;
    fs_u8(&m, 0xB1);
    fs_u8(&m, 0x70);
    if (c->remaining > 0) {
        fs_map(&m, 1);
        fs_cstr(&m, "has_more");
        fs_u8(&m, 0xC3);
    } else {
        fs_map(&m, 2);
        fs_cstr(&m, "db");
        fs_cstr(&m, "neo4j");
        fs_cstr(&m, "t_last");
        fs_int(&m, 0);
    }
    fs_reply(c, &m);
    free(m.p);
}

static void fs_handle(fs_conn *c, const uint8_t *msg, size_t len)
{
    fs_server *s = c->srv;
    fs_rd r = {msg, msg + len, 0};
    if (len < 2) return;
    unsigned fields = msg[0] & 0x0F, sig = msg[1];
    r.p += 2;
    const char *str;
    size_t sl;
    int64_t n;
    switch (sig) {
    case 0x01: { /* HELLO */
        s->hellos++;
        if (fs_next(&r, &str, &sl, &n) == 'm') {
            const uint8_t *start = r.p;
            fs_map_scan(&r, n, "user_agent", s->last_user_agent, sizeof s->last_user_agent, NULL);
            r.p = start;
            fs_map_scan(&r, n, "principal", s->last_principal, sizeof s->last_principal, NULL);
        }
        if (s->auth_fail) {
            fs_failure(c, "Neo.ClientError.Security.Unauthorized",
                       "The client is unauthorized due to authentication failure.");
            c->close_after_write = 1;
            return;
        }
        fs_buf m = {0};
        fs_u8(&m, 0xB1);
        fs_u8(&m, 0x70);
        fs_map(&m, s->hint >= 0 ? 3 : 2);
        fs_cstr(&m, "server");
        fs_cstr(&m, "Neo4j/4.4.0");
        fs_cstr(&m, "connection_id");
        fs_cstr(&m, "bolt-7");
        if (s->hint >= 0) {
            fs_cstr(&m, "hints");
            fs_map(&m, 1);
            fs_cstr(&m, "connection.recv_timeout_seconds");
            fs_int(&m, s->hint);
        }
        fs_reply(c, &m);
        free(m.p);
        return;
    }
    case 0x6A:
        s->logons++;
        fs_success_empty(c);
        return;
    case 0x10: { /* RUN */
        s->runs++;
        s->last_params_n = -1;
        if (fs_next(&r, &str, &sl, &n) == 's')
            snprintf(s->last_query, sizeof s->last_query, "%.*s", (int)sl, str);
        if (fs_next(&r, &str, &sl, &n) == 'm') fs_map_scan(&r, n, "n", NULL, 0, &s->last_params_n);
        if (c->failed) {
            fs_ignored(c);
            return;
        }
        if (s->stall_runs) return;
        if (strstr(s->last_query, "FAIL")) {
            fs_failure(c, "Neo.ClientError.Statement.SyntaxError", "Invalid input 'FAIL'");
            c->failed = 1;
            return;
        }
        c->routing_query = strstr(s->last_query, "getRoutingTable") != NULL;
        c->remaining = c->routing_query ? 1 : s->records;
        c->sent = 0;
        fs_buf m = {0};
        fs_u8(&m, 0xB1);
        fs_u8(&m, 0x70);
        fs_map(&m, 1);
        fs_cstr(&m, "fields");
        fs_list(&m, 2);
        fs_cstr(&m, c->routing_query ? "ttl" : "i");
        fs_cstr(&m, c->routing_query ? "servers" : "pad");
        fs_reply(c, &m);
        free(m.p);
        return;
    }
    case 0x3F: /* PULL n / PULL_ALL */
        n = -1;
        if (fields == 1 && fs_next(&r, &str, &sl, &n) == 'm') {
            int64_t cnt = n;
            n = -1;
            fs_map_scan(&r, cnt, "n", NULL, 0, &n);
        }
        fs_on_pull(c, n);
        return;
    case 0x2F:
        s->discards++;
        c->remaining = 0;
        fs_success_empty(c);
        return;
    case 0x0F:
        s->resets++;
        c->failed = 0;
        fs_success_empty(c);
        return;
    case 0x02:
        s->goodbyes++;
        c->close_after_write = 1;
        return;
    case 0x66: { /* ROUTE */
        s->routes++;
        fs_buf m = {0};
        fs_u8(&m, 0xB1);
        fs_u8(&m, 0x70);
        fs_map(&m, 1);
        fs_cstr(&m, "rt");
        fs_map(&m, 3);
        fs_cstr(&m, "ttl");
        fs_int(&m, s->route_ttl);
        fs_cstr(&m, "db");
        fs_cstr(&m, "neo4j");
        fs_cstr(&m, "servers");
        fs_servers(&m, s);
        fs_reply(c, &m);
        free(m.p);
        return;
    }
    default:
        fs_failure(c, "Neo.ClientError.Request.Invalid", "unexpected message");
        c->close_after_write = 1;
        return;
    }
}

/* Takes every complete message out of c->in. */
static void fs_process(fs_conn *c)
{
    fs_server *s = c->srv;
    size_t pos = 0;
    if (!c->hs_done) {
        if (c->in.len < 20) return;
        c->hs_done = 1;
        pos = 20;
        if (s->close_after_hs) {
            fs_close(c);
            return;
        }
        if (s->silent_handshake) {
            c->in.len = 0;
            return;
        }
        fs_put(&c->out, s->version, 4);
    }
    if (s->silent_handshake) return;
    for (;;) {
        size_t p = pos;
        c->msg.len = 0;
        int complete = 0;
        while (c->in.len - p >= 2) {
            size_t n = ((size_t)c->in.p[p] << 8) | c->in.p[p + 1];
            if (n == 0) {
                p += 2;
                if (c->msg.len == 0) { /* NOOP */
                    pos = p;
                    continue;
                }
                complete = 1;
                break;
            }
            if (c->in.len - p - 2 < n) break;
            fs_put(&c->msg, c->in.p + p + 2, n);
            p += 2 + n;
        }
        if (!complete) break;
        pos = p;
        fs_handle(c, c->msg.p, c->msg.len);
        if (c->close_after_write || c->closing) break;
    }
    memmove(c->in.p, c->in.p + pos, c->in.len - pos);
    c->in.len -= pos;
}

static void fs_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)h;
    buf->base = malloc(suggested);
    buf->len = buf->base ? suggested : 0;
}

static void fs_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf)
{
    fs_conn *c = st->data;
    if (nread > 0 && !c->closing) {
        fs_put(&c->in, buf->base, (size_t)nread);
        fs_process(c);
        fs_flush(c);
    } else if (nread < 0) {
        fs_close(c);
    }
    free(buf->base);
}

static void fs_accept(uv_stream_t *l, int status)
{
    fs_server *s = l->data;
    if (status < 0) return;
    fs_conn *c = calloc(1, sizeof *c);
    if (!c) abort();
    c->srv = s;
    uv_tcp_init(s->loop, &c->h);
    c->h.data = c;
    if (uv_accept(l, (uv_stream_t *)&c->h) != 0) {
        c->closing = 1;
        uv_close((uv_handle_t *)&c->h, (uv_close_cb)free);
        return;
    }
    c->next = s->conns;
    s->conns = c;
    s->accepted++;
    uv_read_start((uv_stream_t *)&c->h, fs_alloc, fs_read);
}

static int fs_start(fs_server *s, uv_loop_t *loop)
{
    memset(s, 0, sizeof *s);
    s->loop = loop;
    s->version[2] = 4;
    s->version[3] = 4;
    s->records = 10;
    s->record_pad = 8;
    s->drop_after = -1;
    s->bad_record = -1;
    s->hint = -1;
    s->route_ttl = 300;
    uv_tcp_init(loop, &s->listener);
    s->listener.data = s;
    struct sockaddr_in a;
    uv_ip4_addr("127.0.0.1", 0, &a);
    int r = uv_tcp_bind(&s->listener, (const struct sockaddr *)&a, 0);
    if (r == 0) r = uv_listen((uv_stream_t *)&s->listener, 128, fs_accept);
    if (r != 0) return r;
    struct sockaddr_storage ss;
    int len = sizeof ss;
    uv_tcp_getsockname(&s->listener, (struct sockaddr *)&ss, &len);
    s->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
    s->listening = 1;
    return 0;
}

static void fs_stop(fs_server *s)
{
    if (s->listening) {
        s->listening = 0;
        uv_close((uv_handle_t *)&s->listener, NULL);
    }
    /* Connections end when their client closes, so the server still reads a GOODBYE that is
     * in flight. */
}

static inline int fs_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
        if (fd >= 0) close(fd);
        return 1;
    }
    close(fd);
    return ntohs(a.sin_port);
}

#endif
