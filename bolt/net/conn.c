/* One Bolt connection on a libuv loop: its life from bolt_conn_open() to on_closed: resolve,
 * connect (each address in turn), start TLS or the session, timeouts, switching servers
 * (neo4j://), and closing. The bytes themselves move in conn_io.c; session events and queries
 * are handled in conn_query.c.
 *
 * Re-entrancy: user callbacks run from inside conn_pump(); anything they call (run, resume,
 * close) only records what to do and lets the pump loop act, so the connection is never
 * torn down under a callback's feet. Memory is freed only from libuv close callbacks, once every
 * handle and request has finished.
 */
#include "conn_internal.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>
#include <netdb.h>

#include "bolt/error.h"

#define CLOSE_GRACE_MS 2000u

static void on_timer(uv_timer_t *t);
static void start_resolve(bolt_conn *c);
static void try_next_address(bolt_conn *c);
static void close_tcp(bolt_conn *c, int action);

const char *conn_phase_name(int phase)
{
    switch (phase) {
    case PH_RESOLVE:
        return "resolving the host name";
    case PH_CONNECT:
        return "connecting";
    case PH_TLS:
        return "the TLS handshake";
    case PH_BOLT:
        return "the Bolt handshake and authentication";
    case PH_ROUTE:
        return "fetching the routing table";
    default:
        return "a request";
    }
}

int bolt_err_is_connection(int err)
{
    switch (err) {
    case BOLT_E_RESOLVE:
    case BOLT_E_CONNECT:
    case BOLT_E_TIMEOUT:
    case BOLT_E_TLS:
    case BOLT_E_TLS_VERIFY:
    case BOLT_E_TLS_PIN:
    case BOLT_E_AUTH:
    case BOLT_E_CLOSED:
    case BOLT_E_IO:
        return 1;
    default:
        return 0;
    }
}

/* ---- copies of the configuration ------------------------------------------------------------ */

static char *dup0(const char *s)
{
    return s ? bolt_strndup(s, strlen(s)) : NULL;
}

static void wipe_free(char *s)
{
    if (!s) return;
    volatile char *p = s;
    while (*p)
        *p++ = 0;
    bolt_free(s);
}

static int uri_copy(bolt_uri *dst, const bolt_uri *src)
{
    memset(dst, 0, sizeof *dst);
    memcpy(dst->scheme, src->scheme, sizeof dst->scheme);
    dst->routing = src->routing;
    dst->security = src->security;
    dst->host_ip = src->host_ip;
    dst->port = src->port;
    dst->host = dup0(src->host);
    dst->address = dup0(src->address);
    if (src->user) dst->user = dup0(src->user);
    if (!dst->host || !dst->address || (src->user && !dst->user)) return BOLT_E_NOMEM;
    if (src->param_count) {
        dst->params = bolt_calloc(src->param_count, sizeof *dst->params);
        if (!dst->params) return BOLT_E_NOMEM;
        for (size_t i = 0; i < src->param_count; i++) {
            dst->params[i].key = dup0(src->params[i].key);
            dst->params[i].value = dup0(src->params[i].value);
            dst->param_count++;
            if (!dst->params[i].key || !dst->params[i].value) return BOLT_E_NOMEM;
        }
    }
    return 0;
}

static void conn_free(bolt_conn *c)
{
    bolt_uri_free(&c->uri);
    wipe_free(c->auth_user);
    wipe_free(c->auth_secret);
    wipe_free(c->auth_realm);
    bolt_free(c->user_agent);
    bolt_free(c->routing_db);
    bolt_arena_free(&c->arena);
    bolt_buf_free(&c->wbuf);
    bolt_buf_free(&c->wfly);
    bolt_free(c->cipher_in);
    bolt_tls_free(c->tls);
    bolt_session_free(c->sess);
    if (c->ai_list) uv_freeaddrinfo(c->ai_list);
    bolt_routing_table_free(&c->rt);
    bolt_free(c);
}

/* ---- failure -------------------------------------------------------------------------------- */

int conn_fail(bolt_conn *c, int err, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (c->err || c->final) return err;

    /* neo4j://: a reader that cannot be reached is skipped for the next one. */
    if (c->routed && c->phase < PH_READY && !c->close_requested) {
        size_t used = strlen(c->reader_errs);
        snprintf(c->reader_errs + used, sizeof c->reader_errs - used, "%s%s: %s", used ? "; " : "",
                 c->info.address, msg);
        c->reader_tries++;
        if (c->reader_tries < c->rt.reader_count) {
            size_t i = (c->reader_start + c->reader_tries) % c->rt.reader_count;
            if (conn_switch_to(c, c->rt.readers[i]) == 0) return err;
        }
        snprintf(msg, sizeof msg, "no READ member of the routing table is usable (%s)",
                 c->reader_errs);
    }

    c->err = err;
    snprintf(c->errmsg, sizeof c->errmsg, "%s", msg);
    c->phase = PH_FAILED;
    uv_timer_stop(&c->timer);
    uv_timer_stop(&c->rtimer);
    if (c->tcp_state == 1 && c->reading) {
        uv_read_stop((uv_stream_t *)&c->tcp);
        c->reading = 0;
    }
    conn_fail_queries(c, err, c->errmsg);
    if (!c->ready_reported) {
        c->ready_reported = 1;
        if (c->cb.on_ready) c->cb.on_ready(c, err, c->cb.ud);
    }
    return err;
}

void conn_mark_ready(bolt_conn *c)
{
    c->phase = PH_READY;
    uv_timer_stop(&c->timer);
    c->info.connect_ns = uv_hrtime() - c->t_open;
    if (!c->ready_reported) {
        c->ready_reported = 1;
        if (c->cb.on_ready) c->cb.on_ready(c, 0, c->cb.ud);
    }
}

/* ---- connecting ----------------------------------------------------------------------------- */

void conn_begin_bolt(bolt_conn *c)
{
    c->phase = PH_BOLT;
    bolt_session_config sc;
    memset(&sc, 0, sizeof sc);
    sc.user_agent = c->user_agent;
    sc.auth.scheme = c->auth_scheme;
    sc.auth.principal = c->auth_user;
    sc.auth.credentials = c->auth_secret;
    sc.auth.realm = c->auth_realm;
    sc.proposals = c->has_proposals ? c->proposals : NULL;
    sc.routing = c->has_routing_ctx ? &c->routing_ctx : NULL;
    sc.utc_patch = 1;
    sc.notifications_off = 1;
    int err = 0;
    c->sess = bolt_session_new(&sc, &err);
    if (!c->sess) {
        conn_fail(c, err ? err : BOLT_E_NOMEM, "cannot create the Bolt session: %s",
                  bolt_strerror(err ? err : BOLT_E_NOMEM));
        return;
    }
}

static void on_connect(uv_connect_t *req, int status)
{
    bolt_conn *c = req->data;
    if (status == UV_ECANCELED || c->final || c->close_requested || c->phase != PH_CONNECT) {
        conn_pump(c);
        return;
    }
    if (status < 0) {
        c->attempt_err = status == UV_ETIMEDOUT ? BOLT_E_TIMEOUT : BOLT_E_CONNECT;
        snprintf(c->attempt_msg, sizeof c->attempt_msg, "cannot connect to %s (%s): %s",
                 c->info.address, c->info.peer, uv_strerror(status));
        close_tcp(c, AC_NEXT_ADDRESS);
        return;
    }
    if (c->ai_list) {
        uv_freeaddrinfo(c->ai_list);
        c->ai_list = c->ai_next = NULL;
    }
    uv_tcp_nodelay(&c->tcp, 1);
    uv_tcp_keepalive(&c->tcp, 1, 60);
    /* The handshake (TLS, Bolt, auth, routing) gets its own full timeout. */
    uv_timer_start(&c->timer, on_timer, c->connect_timeout_ms, 0);
    if (c->uri.security != BOLT_SEC_PLAIN) {
        c->phase = PH_TLS;
        if (!c->cipher_in) c->cipher_in = bolt_malloc(CIPHER_BUF);
        int r =
            c->cipher_in ? bolt_tls_new(c->tls_ctx, c->host, c->host_ip, &c->tls) : BOLT_E_NOMEM;
        if (r < 0) {
            conn_fail(c, r, "cannot start TLS: %s", bolt_strerror(r));
            conn_pump(c);
            return;
        }
        conn_tls_pump_in(c); /* produces the ClientHello */
    } else {
        conn_begin_bolt(c);
    }
    conn_pump(c);
}

static void try_next_address(bolt_conn *c)
{
    struct addrinfo *ai = c->ai_next;
    if (!ai) {
        if (c->ai_list) uv_freeaddrinfo(c->ai_list);
        c->ai_list = c->ai_next = NULL;
        conn_fail(c, c->attempt_err ? c->attempt_err : BOLT_E_CONNECT, "%s",
                  c->attempt_msg[0] ? c->attempt_msg : "no address to connect to");
        conn_pump(c);
        return;
    }
    c->ai_next = ai->ai_next;
    c->phase = PH_CONNECT;
    c->info.peer[0] = '\0';
    if (ai->ai_family == AF_INET6)
        uv_ip6_name((const struct sockaddr_in6 *)ai->ai_addr, c->info.peer, sizeof c->info.peer);
    else if (ai->ai_family == AF_INET)
        uv_ip4_name((const struct sockaddr_in *)ai->ai_addr, c->info.peer, sizeof c->info.peer);
    int r = uv_tcp_init(c->loop, &c->tcp);
    if (r < 0) {
        conn_fail(c, BOLT_E_CONNECT, "cannot create a socket: %s", uv_strerror(r));
        conn_pump(c);
        return;
    }
    c->tcp.data = c;
    c->tcp_state = 1;
    c->creq.data = c;
    uv_timer_start(&c->timer, on_timer, c->connect_timeout_ms, 0);
    r = uv_tcp_connect(&c->creq, &c->tcp, ai->ai_addr, on_connect);
    if (r < 0) {
        c->attempt_err = BOLT_E_CONNECT;
        snprintf(c->attempt_msg, sizeof c->attempt_msg, "cannot connect to %s (%s): %s",
                 c->info.address, c->info.peer, uv_strerror(r));
        close_tcp(c, AC_NEXT_ADDRESS);
    }
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
    bolt_conn *c = req->data;
    c->gai_active = 0;
    if (c->final || c->phase != PH_RESOLVE || c->close_requested) {
        if (res) uv_freeaddrinfo(res);
        if (c->final) {
            conn_final_teardown(c); /* finishes if this was the last thing pending */
            return;
        }
        conn_pump(c);
        return;
    }
    if (status < 0) {
        conn_fail(c, BOLT_E_RESOLVE, "cannot resolve host '%s': %s", c->host, uv_strerror(status));
        conn_pump(c);
        return;
    }
    c->ai_list = c->ai_next = res;
    try_next_address(c);
}

static void start_resolve(bolt_conn *c)
{
    c->phase = PH_RESOLVE;
    c->attempt_err = 0;
    c->attempt_msg[0] = '\0';
    char port[8];
    snprintf(port, sizeof port, "%u", c->port);
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC; /* IPv4 and IPv6: each address is tried in turn */
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    if (c->host_ip) hints.ai_flags |= AI_NUMERICHOST;
    c->gai.data = c;
    uv_timer_start(&c->timer, on_timer, c->connect_timeout_ms, 0);
    int r = uv_getaddrinfo(c->loop, &c->gai, on_resolved, c->host, port, &hints);
    if (r < 0) {
        conn_fail(c, BOLT_E_RESOLVE, "cannot resolve host '%s': %s", c->host, uv_strerror(r));
        return;
    }
    c->gai_active = 1;
}

static void on_timer(uv_timer_t *t)
{
    bolt_conn *c = t->data;
    if (c->final) return;
    switch (c->phase) {
    case PH_RESOLVE:
        if (c->gai_active) uv_cancel((uv_req_t *)&c->gai);
        conn_fail(c, BOLT_E_TIMEOUT, "timed out after %.1f s resolving host '%s'",
                  (double)c->connect_timeout_ms / 1000.0, c->host);
        break;
    case PH_CONNECT:
        c->attempt_err = BOLT_E_TIMEOUT;
        snprintf(c->attempt_msg, sizeof c->attempt_msg,
                 "timed out after %.1f s connecting to %s (%s)",
                 (double)c->connect_timeout_ms / 1000.0, c->info.address, c->info.peer);
        close_tcp(c, AC_NEXT_ADDRESS);
        return;
    case PH_TLS:
    case PH_BOLT:
    case PH_ROUTE:
        conn_fail(c, BOLT_E_TIMEOUT, "timed out after %.1f s during %s with %s",
                  (double)c->connect_timeout_ms / 1000.0, conn_phase_name(c->phase),
                  c->info.address);
        break;
    case PH_CLOSING:
        conn_final_teardown(c);
        return;
    default:
        break;
    }
    conn_pump(c);
}

/* ---- closing -------------------------------------------------------------------------------- */

static void maybe_finish(bolt_conn *c)
{
    if (!c->final || c->finished || c->timers_open || c->tcp_state != 0 || c->gai_active) return;
    c->finished = 1;
    if (c->cb.on_closed) c->cb.on_closed(c, c->cb.ud);
    conn_free(c);
}

static void on_tcp_closed(uv_handle_t *h)
{
    bolt_conn *c = h->data;
    c->tcp_state = 0;
    c->reading = 0;
    c->writing = 0;
    c->eof_seen = 0;
    c->wbuf.len = 0;
    c->wfly.len = 0;
    bolt_tls_free(c->tls);
    c->tls = NULL;
    bolt_session_free(c->sess);
    c->sess = NULL;
    c->resetting = 0;
    int action = c->after_close;
    c->after_close = AC_NONE;
    if (c->final) {
        maybe_finish(c);
        return;
    }
    if (action == AC_NEXT_ADDRESS)
        try_next_address(c);
    else if (action == AC_RECONNECT)
        start_resolve(c);
    conn_pump(c);
}

static void close_tcp(bolt_conn *c, int action)
{
    if (c->tcp_state == 1) {
        if (c->reading) uv_read_stop((uv_stream_t *)&c->tcp);
        c->reading = 0;
        c->tcp_state = 2;
        c->after_close = action;
        uv_close((uv_handle_t *)&c->tcp, on_tcp_closed);
    } else if (c->tcp_state == 2) {
        if (action == AC_FINAL || c->after_close == AC_NONE) c->after_close = action;
    } else if (action == AC_NEXT_ADDRESS) {
        try_next_address(c);
    } else if (action == AC_RECONNECT) {
        start_resolve(c);
    }
}

static void on_timer_closed(uv_handle_t *h)
{
    bolt_conn *c = h->data;
    c->timers_open--;
    maybe_finish(c);
}

void conn_final_teardown(bolt_conn *c)
{
    if (!c->final) {
        c->final = 1;
        c->phase = PH_CLOSING;
        uv_timer_stop(&c->timer);
        uv_timer_stop(&c->rtimer);
        if (c->gai_active) uv_cancel((uv_req_t *)&c->gai);
        close_tcp(c, AC_FINAL);
        uv_close((uv_handle_t *)&c->timer, on_timer_closed);
        uv_close((uv_handle_t *)&c->rtimer, on_timer_closed);
        return;
    }
    maybe_finish(c);
}

void conn_start_close(bolt_conn *c)
{
    c->closing = 1;
    conn_fail_queries(c, BOLT_E_CANCELED, "connection closed by the application");
    uv_timer_stop(&c->rtimer);
    if (c->gai_active) uv_cancel((uv_req_t *)&c->gai);
    if (c->tcp_state == 1 && !c->err && c->sess) {
        /* Polite end: GOODBYE (Bolt 3+), then close_notify, then the socket. */
        bolt_session_goodbye(c->sess);
        conn_flush(c);
        if (c->tls) {
            bolt_tls_shutdown(c->tls);
            conn_flush(c);
        }
    }
    c->phase = PH_CLOSING;
    if (c->tcp_state == 1 && c->reading) {
        uv_read_stop((uv_stream_t *)&c->tcp);
        c->reading = 0;
    }
    if (c->tcp_state == 1 && (c->writing || c->wbuf.len)) {
        uv_timer_start(&c->timer, on_timer, CLOSE_GRACE_MS, 0);
        return;
    }
    conn_final_teardown(c);
}

void bolt_conn_close(bolt_conn *c)
{
    if (!c || c->close_requested) return;
    c->close_requested = 1;
    if (!c->ready_reported) {
        /* Closing before the connection was up: the owner learns it through on_ready. */
        c->ready_reported = 1;
        if (c->cb.on_ready) c->cb.on_ready(c, BOLT_E_CANCELED, c->cb.ud);
    }
    if (c->in_pump) {
        c->pump_again = 1;
        return;
    }
    conn_start_close(c);
}

/* Leaves the current server (GOODBYE) and connects to address instead, keeping scheme, trust
 * and credentials: how a neo4j:// connection moves from the router to a reader. */
int conn_switch_to(bolt_conn *c, const char *address)
{
    char host[256];
    unsigned port;
    if (bolt_address_split(address, host, sizeof host, &port) != 0) return BOLT_E_ROUTING;
    snprintf(c->host, sizeof c->host, "%s", host);
    c->port = port;
    struct in6_addr a6;
    struct in_addr a4;
    c->host_ip = inet_pton(AF_INET, host, &a4) == 1    ? 4
                 : inet_pton(AF_INET6, host, &a6) == 1 ? 6
                                                       : 0;
    snprintf(c->info.address, sizeof c->info.address, "%s", address);
    c->info.tls = 0;
    memset(&c->info.tls_info, 0, sizeof c->info.tls_info);
    c->phase = PH_RESOLVE;
    if (c->tcp_state == 1 && c->sess && !c->err) {
        bolt_session_goodbye(c->sess);
        conn_flush(c);
    }
    close_tcp(c, AC_RECONNECT);
    return 0;
}

/* ---- public --------------------------------------------------------------------------------- */

static void on_start(uv_timer_t *t)
{
    bolt_conn *c = t->data;
    if (c->close_requested) {
        conn_pump(c);
        return;
    }
    /* neo4j:// with a fresh table in the cache: straight to a reader, the router is not
     * asked again before the TTL ends. */
    if (c->uri.routing && c->rcache &&
        bolt_routing_cache_get(c->rcache, c->uri.address, c->routing_db, uv_now(c->loop))) {
        conn_begin_routing(c);
    } else {
        start_resolve(c);
    }
    conn_pump(c);
}

/* libuv writes with write(2): a server that closed its end would kill the process with SIGPIPE
 * (at 3 a.m., mid-verification) instead of giving EPIPE to on_write. Only a default disposition
 * is changed; a handler the application installed is left alone. */
static void ignore_sigpipe(void)
{
    struct sigaction old;
    if (sigaction(SIGPIPE, NULL, &old) == 0 && old.sa_handler == SIG_DFL) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = SIG_IGN;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGPIPE, &sa, NULL);
    }
}

int bolt_conn_open(uv_loop_t *loop, const bolt_conn_config *cfg, const bolt_conn_callbacks *cb,
                   bolt_conn **out)
{
    if (!loop || !cfg || !cfg->uri || !cfg->uri->host || !cfg->uri->address || !out)
        return BOLT_E_INVAL;
    if (cfg->uri->security != BOLT_SEC_PLAIN && !cfg->tls) return BOLT_E_INVAL;
    *out = NULL;
    ignore_sigpipe();
    bolt_conn *c = bolt_calloc(1, sizeof *c);
    if (!c) return BOLT_E_NOMEM;
    c->loop = loop;
    if (cb) c->cb = *cb;
    bolt_buf_init(&c->wbuf);
    bolt_buf_init(&c->wfly);
    bolt_arena_init(&c->arena, 512, 0);
    int r = uri_copy(&c->uri, cfg->uri);
    c->tls_ctx = cfg->tls;
    c->auth_scheme = cfg->auth.scheme;
    c->auth_user = dup0(cfg->auth.principal);
    c->auth_secret = dup0(cfg->auth.credentials);
    c->auth_realm = dup0(cfg->auth.realm);
    c->user_agent = dup0(cfg->user_agent);
    c->routing_db = dup0(cfg->routing_db);
    if ((cfg->auth.principal && !c->auth_user) || (cfg->auth.credentials && !c->auth_secret) ||
        (cfg->auth.realm && !c->auth_realm) || (cfg->user_agent && !c->user_agent) ||
        (cfg->routing_db && !c->routing_db))
        r = BOLT_E_NOMEM;
    if (cfg->proposals) {
        memcpy(c->proposals, cfg->proposals, sizeof c->proposals);
        c->has_proposals = 1;
    }
    c->fetch_size = cfg->fetch_size ? cfg->fetch_size : 1000;
    if (c->fetch_size < -1) c->fetch_size = -1;
    c->connect_timeout_ms = cfg->connect_timeout_ms ? cfg->connect_timeout_ms : 10000;
    c->recv_timeout_ms = cfg->recv_timeout_ms;
    c->max_pending = cfg->max_input_pending ? cfg->max_input_pending : 4u * 1024u * 1024u;
    c->rcache = cfg->routing;
    if (r == 0 && c->uri.routing) {
        r = bolt_uri_routing_context(&c->uri, &c->arena, &c->routing_ctx);
        c->has_routing_ctx = r == 0;
    }
    if (r < 0) {
        conn_free(c);
        return r;
    }
    snprintf(c->host, sizeof c->host, "%s", c->uri.host);
    c->port = c->uri.port;
    c->host_ip = c->uri.host_ip;
    snprintf(c->info.address, sizeof c->info.address, "%s", c->uri.address);
    c->info.recv_timeout_hint = -1;
    c->info.tls_info.not_after = INT64_MIN;
    uv_timer_init(loop, &c->timer);
    uv_timer_init(loop, &c->rtimer);
    c->timer.data = c;
    c->rtimer.data = c;
    c->timers_open = 2;
    c->t_open = uv_hrtime();
    /* Start from the loop so that no callback ever runs inside bolt_conn_open(). */
    uv_timer_start(&c->timer, on_start, 0, 0);
    *out = c;
    return 0;
}

const bolt_conn_info *bolt_conn_get_info(const bolt_conn *c)
{
    return &c->info;
}

const bolt_dialect *bolt_conn_dialect(const bolt_conn *c)
{
    return c->sess && c->info.major ? bolt_session_dialect(c->sess) : NULL;
}

void *bolt_conn_userdata(const bolt_conn *c)
{
    return c->cb.ud;
}

const char *bolt_conn_errmsg(const bolt_conn *c)
{
    return c->errmsg[0] ? c->errmsg : (c->err ? bolt_strerror(c->err) : "");
}

int bolt_conn_error(const bolt_conn *c)
{
    return c->err;
}

void bolt_conn_resume(bolt_conn *c)
{
    if (!c || !c->paused) return;
    c->paused = 0;
    conn_pump(c);
}
