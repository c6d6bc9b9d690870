/* bolt/net/conn_internal.h - INTERNAL: the connection object shared by conn.c (lifecycle),
 * conn_io.c (socket and TLS bytes, the pump) and conn_query.c (session events, queries, the
 * neo4j:// routing stage). */
#ifndef BOLT_NET_CONN_INTERNAL_H
#define BOLT_NET_CONN_INTERNAL_H

#include <stdarg.h>

#include "bolt/net.h"
#include "bolt/packstream.h"
#include "tls.h"

enum conn_phase {
    PH_RESOLVE = 0, /* uv_getaddrinfo */
    PH_CONNECT,     /* uv_tcp_connect to one address */
    PH_TLS,         /* TLS handshake */
    PH_BOLT,        /* Bolt handshake + HELLO/LOGON */
    PH_ROUTE,       /* neo4j://: fetching the routing table */
    PH_READY,       /* authenticated; queries run */
    PH_FAILED,      /* fatal error recorded; waiting for bolt_conn_close() */
    PH_CLOSING      /* GOODBYE being written / handles closing */
};

enum query_kind { Q_RUN = 0, Q_PING, Q_ROUTE_MSG, Q_ROUTE_PROC };

/* What to do once the TCP handle finished closing. */
enum after_close { AC_NONE = 0, AC_NEXT_ADDRESS, AC_RECONNECT, AC_FINAL };

typedef struct query query;
struct query {
    query *next;
    int kind;
    char *cypher;     /* owned */
    bolt_arena arena; /* copies of params and db */
    bolt_value params;
    int has_params;
    const char *db; /* in arena, or NULL */
    char mode[4];
    int64_t tx_timeout_ms;
    int64_t fetch; /* PULL n */
    bolt_query_callbacks cb;
    void (*ping_cb)(bolt_conn *c, int status, uint64_t ns, void *ud);
    void *ping_ud;
    uint64_t t0;
    int started;
    int failed; /* on_failure already called */
    int64_t run_seq, pull_seq, other_seq;
    uint64_t records;
    /* routing procedure: field positions of ttl and servers */
    int f_ttl, f_servers;
};

struct bolt_conn {
    uv_loop_t *loop;
    bolt_conn_callbacks cb;

    /* configuration (copies) */
    bolt_uri uri;
    const bolt_tls_ctx *tls_ctx;
    bolt_auth_scheme auth_scheme;
    char *auth_user, *auth_secret, *auth_realm;
    char *user_agent;
    uint32_t proposals[4];
    int has_proposals;
    int64_t fetch_size;
    uint64_t connect_timeout_ms, recv_timeout_ms;
    size_t max_pending;
    bolt_routing_cache *rcache;
    char *routing_db;
    bolt_arena arena; /* routing context value */
    bolt_value routing_ctx;
    int has_routing_ctx;

    /* the address being connected to */
    char host[256];
    unsigned port;
    int host_ip;

    /* libuv */
    uv_getaddrinfo_t gai;
    int gai_active;
    struct addrinfo *ai_list, *ai_next;
    uv_tcp_t tcp;
    int tcp_state; /* 0 none, 1 open, 2 closing */
    int after_close;
    uv_connect_t creq;
    uv_timer_t timer;  /* connect deadline; closing deadline */
    uv_timer_t rtimer; /* receive timeout */
    int timers_open;
    uv_write_t wreq;
    int writing;
    bolt_buf wfly;      /* bytes of the write in flight */
    bolt_buf wbuf;      /* bytes waiting for the next write */
    uint8_t *cipher_in; /* TLS read buffer */
    int reading;
    int eof_seen;
    int attempt_err; /* last per-address error, for the final message */
    char attempt_msg[512];

    bolt_tls *tls;
    bolt_session *sess;

    int phase;
    int paused;
    int in_pump, pump_again;
    int close_requested, closing, final, finished;
    int err;
    char errmsg[768];
    int ready_reported;
    uint64_t t_open;

    /* queries; the head is the active one once started */
    query *q_head, *q_tail;
    int resetting;
    int64_t reset_seq;

    /* neo4j:// */
    int routed;            /* table obtained (and reader chosen) */
    bolt_routing_table rt; /* own copy of the table in use */
    size_t reader_start, reader_tries;
    char reader_errs[512];

    bolt_conn_info info;
};

#define CIPHER_BUF (64u * 1024u) /* TLS read buffer of a connection */

/* conn.c */
void conn_begin_bolt(bolt_conn *c);
void conn_start_close(bolt_conn *c);
void conn_final_teardown(bolt_conn *c);
int conn_fail(bolt_conn *c, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void conn_mark_ready(bolt_conn *c);
int conn_switch_to(bolt_conn *c, const char *address);
const char *conn_phase_name(int phase);

/* conn_io.c */
void conn_pump(bolt_conn *c);
void conn_flush(bolt_conn *c);
void conn_tls_pump_in(bolt_conn *c);

/* conn_query.c */
void conn_process_events(bolt_conn *c);
void conn_start_next(bolt_conn *c);
void conn_fail_queries(bolt_conn *c, int err, const char *msg);
void conn_closed_error(bolt_conn *c);
void query_free(query *q);
int conn_begin_routing(bolt_conn *c);

#endif
