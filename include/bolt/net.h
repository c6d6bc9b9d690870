/* bolt/net.h - the transport around the sans-I/O session: URIs, TLS, credentials, libuv
 * connections and neo4j:// routing tables.
 *
 * Layers (each usable on its own):
 *   bolt_uri_*          parse bolt://, bolt+s://, bolt+ssc://, neo4j://, neo4j+s://, neo4j+ssc://
 *   bolt_tls_ctx_*      one OpenSSL context per trust setting, shared by many connections
 *   bolt_credentials_*  credentials from options, environment variables and secret files
 *   bolt_conn_*         one Bolt connection on a libuv loop: TCP (+TLS through memory BIOs),
 *                       handshake and authentication, queries with PULL back-pressure
 *   bolt_routing_*      neo4j:// routing tables (procedure on 3.5/4.0-4.2, ROUTE on 4.3+)
 *
 * Any number of connections may share one loop; nothing here blocks or starts a thread. All
 * functions must be called on the loop's thread.
 *
 * Errors: functions return 0 (or a count) or a negative BOLT_E_* code. Where a one-line reason
 * helps the user (URI syntax, certificate checks, files), the function also writes it into a
 * caller buffer or keeps it in the connection (bolt_conn_errmsg()). Credentials never appear in
 * any message.
 *
 * Ownership is stated at each type and function.
 */
#ifndef BOLT_NET_H
#define BOLT_NET_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "bolt/alloc.h"
#include "bolt/message.h"
#include "bolt/session.h"
#include "bolt/value.h"

#ifdef __cplusplus
extern "C" {
#endif

#define BOLT_DEFAULT_PORT 7687u

/* ---- URIs ------------------------------------------------------------------------------------ */

typedef enum bolt_security {
    BOLT_SEC_PLAIN = 0, /* bolt://, neo4j:// */
    BOLT_SEC_VERIFY,    /* +s: trust store (system or --ca-file) and host name */
    BOLT_SEC_TRUST_ANY  /* +ssc: any certificate (self-signed included), still encrypted */
} bolt_security;

typedef struct bolt_uri_param {
    char *key;   /* percent-decoded, owned by the bolt_uri */
    char *value; /* percent-decoded, owned by the bolt_uri */
} bolt_uri_param;

typedef struct bolt_uri {
    char scheme[16]; /* "bolt", "bolt+s", ... as written (lower case) */
    int routing;     /* 1 for neo4j* schemes */
    bolt_security security;
    char *host;             /* owned; IPv6 literal without brackets */
    int host_ip;            /* 4 or 6 when host is an IP literal, else 0 (SNI is not sent then) */
    unsigned port;          /* BOLT_DEFAULT_PORT when absent */
    char *user;             /* owned; user name given as user@host, or NULL */
    bolt_uri_param *params; /* owned; routing context (neo4j* only) */
    size_t param_count;
    char *address; /* owned; "host:port" / "[v6]:port": what the routing context and
                      messages show */
} bolt_uri;

/* Parses text into *u (zero it first or reuse one freed with bolt_uri_free()). On failure
 * returns BOLT_E_URI (or BOLT_E_NOMEM), frees whatever was allocated, and writes a one-line
 * reason into err (may be NULL). A password in the URI (user:pass@) is refused: argv is readable
 * by every user of the machine. The message never repeats the password. */
int bolt_uri_parse(const char *text, bolt_uri *u, char *err, size_t errlen);
void bolt_uri_free(bolt_uri *u);
/* Splits "host:port" / "[v6]:port" / "host" (routing table entries); host is written to
 * host (NUL-terminated, brackets removed). 0 or BOLT_E_URI. */
int bolt_address_split(const char *addr, char *host, size_t hostlen, unsigned *port);
/* Builds the routing context MAP {"address": u->address, <query params>} in the arena. */
int bolt_uri_routing_context(const bolt_uri *u, bolt_arena *a, bolt_value *out);

/* ---- TLS ------------------------------------------------------------------------------------- */

typedef struct bolt_tls_config {
    bolt_security security; /* BOLT_SEC_VERIFY or BOLT_SEC_TRUST_ANY */
    const char *ca_file;    /* PEM bundle replacing the system trust store (VERIFY), or NULL */
    const char *cert_file;  /* client certificate (PEM) for mTLS, or NULL */
    const char *key_file;   /* its private key (PEM); required with cert_file */
    const char *pin;        /* "sha256:<64 hex digits | base64>" of the server certificate DER:
                               that exact certificate is accepted, and no other, whatever the
                               trust store or host name says */
} bolt_tls_config;

/* Immutable once built; share it between any number of connections. Files are read here, so
 * a bad --ca-file / --cert / --key fails early with a clear reason in err. */
typedef struct bolt_tls_ctx bolt_tls_ctx;
int bolt_tls_ctx_new(const bolt_tls_config *cfg, bolt_tls_ctx **out, char *err, size_t errlen);
/* Must outlive every connection that uses it. NULL is allowed. */
void bolt_tls_ctx_free(bolt_tls_ctx *ctx);

/* Parses "sha256:" + 64 hex digits (':' separators allowed) or 44-character base64. */
int bolt_pin_parse(const char *text, uint8_t digest[32]);

/* What a finished TLS handshake showed. */
typedef struct bolt_tls_info {
    char version[16];  /* "TLSv1.3" */
    char cipher[64];   /* "TLS_AES_256_GCM_SHA384" */
    char subject[256]; /* RFC 2253 one-liner, "" if the server sent no certificate */
    char issuer[256];
    char sha256[96];   /* lower-case hex of the certificate DER digest, colon separated */
    int64_t not_after; /* Unix seconds, or INT64_MIN when unknown */
    int verified;      /* 1: chain and host name verified; 2: accepted through the pin;
                          0: not verified (+ssc) */
} bolt_tls_info;

/* ---- credentials ----------------------------------------------------------------------------- */

/* Where credentials may come from; every field may be NULL/0. Resolution order (first match
 * wins) is documented in docs/connections.md:
 *   no_auth -> credentials_file line for host:port -> password_file / token_file
 *   -> <env_prefix>_BEARER_TOKEN[_FILE] -> <env_prefix>_PASSWORD[_FILE] -> scheme "none". */
typedef struct bolt_auth_sources {
    const char *user;             /* --user, or the user@ of the URI */
    const char *password_file;    /* first line is the password */
    const char *token_file;       /* first line is a bearer token */
    const char *env_prefix;       /* NULL = "NEO4J" (NEO4J_USERNAME, NEO4J_PASSWORD, ...) */
    const char *credentials_file; /* lines "host:port:user:password" (see docs) */
    int no_auth;                  /* force scheme "none" */
} bolt_auth_sources;

typedef struct bolt_credentials {
    bolt_auth_scheme scheme;
    char *user;       /* owned, or NULL */
    char *secret;     /* owned, wiped by bolt_credentials_clear(); never print it */
    char origin[192]; /* where they came from, e.g. "env NEO4J_PASSWORD_FILE" (no secret) */
} bolt_credentials;

void bolt_credentials_init(bolt_credentials *c);
/* Overwrites the secret with zeros and frees both strings. */
void bolt_credentials_clear(bolt_credentials *c);
/* Resolves credentials for one instance. 0, or BOLT_E_AUTH / BOLT_E_IO / BOLT_E_NOMEM with a
 * reason in err (which names files and variables, never their content). */
int bolt_credentials_resolve(const bolt_auth_sources *src, const char *host, unsigned port,
                             bolt_credentials *out, char *err, size_t errlen);
/* Reads the first line of a secret file (trailing CR/LF stripped) into *out (bolt_free it after
 * wiping). Refuses empty files. 0, BOLT_E_IO or BOLT_E_NOMEM. */
int bolt_secret_file_read(const char *path, char **out, char *err, size_t errlen);
/* A borrowed view for bolt_session_config / bolt_conn_config. */
bolt_auth bolt_credentials_auth(const bolt_credentials *c);

/* ---- routing tables -------------------------------------------------------------------------- */

typedef struct bolt_routing_table {
    int64_t ttl;      /* seconds, as the server said */
    uint64_t expires; /* uv_now() milliseconds after which it must be fetched again */
    char *db;         /* owned; database it routes (4.4+ says so), or NULL */
    char **routers;   /* owned arrays of owned "host:port" strings */
    size_t router_count;
    char **readers;
    size_t reader_count;
    char **writers;
    size_t writer_count;
} bolt_routing_table;

/* Fills t from a routing-table MAP {ttl, servers[{addresses, role}], db?} (ROUTE's `rt`, or a
 * procedure record turned into a map). 0, BOLT_E_ROUTING (malformed) or BOLT_E_NOMEM. */
int bolt_routing_table_parse(const bolt_value *rt, uint64_t now_ms, bolt_routing_table *t);
void bolt_routing_table_free(bolt_routing_table *t);

/* A cache of routing tables keyed by seed address and database, honouring the TTL. Shared by
 * the connections of one loop; it must outlive them. */
typedef struct bolt_routing_cache bolt_routing_cache;
bolt_routing_cache *bolt_routing_cache_new(void);
void bolt_routing_cache_free(bolt_routing_cache *rc);
/* The table for (seed, db) if it has not expired at now_ms, else NULL. Owned by the cache. */
const bolt_routing_table *bolt_routing_cache_get(bolt_routing_cache *rc, const char *seed,
                                                 const char *db, uint64_t now_ms);
/* Takes ownership of *t (which is left empty). 0 or BOLT_E_NOMEM. */
int bolt_routing_cache_put(bolt_routing_cache *rc, const char *seed, const char *db,
                           bolt_routing_table *t);
/* Round-robin choice among t's readers, the turn kept per (seed, db) by the cache so that the
 * connections of one loop spread over the READ members; NULL when t has no reader. */
const char *bolt_routing_next_reader(bolt_routing_cache *rc, const char *seed, const char *db,
                                     const bolt_routing_table *t);

/* ---- connections ----------------------------------------------------------------------------- */

typedef struct bolt_conn bolt_conn;

typedef struct bolt_conn_config {
    const bolt_uri *uri;         /* required; copied */
    const bolt_tls_ctx *tls;     /* required for +s / +ssc schemes; borrowed, must outlive conn */
    bolt_auth auth;              /* copied; the copy is wiped when the connection is freed */
    const char *user_agent;      /* NULL = "boltdiff/<version>" */
    const uint32_t *proposals;   /* 4 handshake words; NULL = bolt_default_proposals; copied */
    int64_t fetch_size;          /* records per PULL; 0 = 1000; -1 = everything at once */
    uint64_t connect_timeout_ms; /* per address, and for TLS + handshake + auth; 0 = 10000 */
    uint64_t recv_timeout_ms;    /* no byte for this long while an answer is due; 0 = the
                                    server's connection.recv_timeout_seconds hint, else none */
    size_t max_input_pending;    /* stop reading above this many unread bytes; 0 = 4 MiB */
    bolt_routing_cache *routing; /* neo4j:// only: cache to honour TTLs; NULL = fetch each time */
    const char *routing_db;      /* neo4j://: database whose table to use; NULL = default */
} bolt_conn_config;

typedef struct bolt_conn_callbacks {
    /* Once: status 0 when authenticated (and routed); else the error (details in
     * bolt_conn_errmsg()). Either way the owner must eventually call bolt_conn_close(). */
    void (*on_ready)(bolt_conn *c, int status, void *ud);
    /* Once, last: after bolt_conn_close() completed. The connection is freed when it returns. */
    void (*on_closed)(bolt_conn *c, void *ud);
    void *ud;
} bolt_conn_callbacks;

/* Starts connecting; callbacks run from the loop, never from inside this call. On success *out
 * is valid until on_closed returns. Fails only for bad arguments (BOLT_E_INVAL, e.g. a TLS
 * scheme without a tls context) or BOLT_E_NOMEM.
 * The first call sets SIGPIPE to SIG_IGN if it still has its default disposition: libuv writes
 * with write(2), and a server closing its end must be an error (EPIPE), not the death of the
 * process. A handler installed by the application is left alone. */
int bolt_conn_open(uv_loop_t *loop, const bolt_conn_config *cfg, const bolt_conn_callbacks *cb,
                   bolt_conn **out);
/* Polite close: GOODBYE when the session is usable, TLS close_notify, then the socket. Queued
 * queries end with on_failure(BOLT_E_CANCELED). Idempotent; callable from any callback. */
void bolt_conn_close(bolt_conn *c);

/* A server FAILURE (or local error) as reported to a query. Strings are valid during the
 * callback only; "" when absent. */
typedef struct bolt_conn_failure {
    int err;                /* BOLT_E_SERVER_FAILURE, BOLT_E_CLOSED, BOLT_E_TIMEOUT, ... */
    const char *code;       /* "Neo.ClientError.Statement.SyntaxError" */
    const char *message;    /* the server's message, or the local one-line reason */
    const char *gql_status; /* 5.7+ */
} bolt_conn_failure;

typedef struct bolt_query_callbacks {
    /* RUN SUCCESS: fields is the LIST of column names; meta the whole metadata MAP. */
    void (*on_fields)(bolt_conn *c, const bolt_value *fields, const bolt_value *meta, void *ud);
    /* One record (LIST, one value per field), valid during the call only. Return 0 to go on,
     * 1 to pause delivery until bolt_conn_resume(): the connection then stops reading once
     * max_input_pending bytes are buffered, which is the only flow control Bolt 3 has. With
     * on_record_raw set, called only for the records it answers BOLT_RECORD_DECODE. */
    int (*on_record)(bolt_conn *c, const bolt_value *record, void *ud);
    /* The final PULL SUCCESS metadata (bookmark, db, t_last, type, stats ...). */
    void (*on_summary)(bolt_conn *c, const bolt_value *meta, void *ud);
    /* Instead of on_summary when the query failed; the connection recovers by itself (RESET)
     * unless f->err says it is gone (BOLT_E_CLOSED, BOLT_E_TIMEOUT, BOLT_E_DEFUNCT, ...). */
    void (*on_failure)(bolt_conn *c, const bolt_conn_failure *f, void *ud);
    void *ud;
    /* Optional, last so that positional initialisers of the members above still mean the
     * same (with -Wextra, -Wmissing-field-initializers wants a trailing NULL for it). When
     * set, each record is first handed over undecoded: msg = the whole RECORD message
     * (B1 71 ..., dechunked), valid during the call only and NOT validated (a malformed
     * record is the consumer's to detect, or return BOLT_RECORD_DECODE). Return 0: consumed
     * (so is any value but 1 and BOLT_RECORD_DECODE); 1: consumed, pause as on_record's 1 does;
     * BOLT_RECORD_DECODE: the connection decodes the record and calls on_record as usual (a
     * malformed one then fails the connection like any protocol error does). Whatever the answer,
     * the record counts as received (e.g. in the "after N records" of a stream cut short). */
    int (*on_record_raw)(bolt_conn *c, const uint8_t *msg, size_t len, void *ud);
} bolt_query_callbacks;

#define BOLT_RECORD_DECODE 2 /* on_record_raw: decode this record and give it to on_record */

typedef struct bolt_query_opts {
    const char *db;        /* 4.0+; NULL = default (home) database; ignored on Bolt 3 */
    const char *mode;      /* NULL = "r": boltdiff only ever reads */
    int64_t tx_timeout_ms; /* <= 0 = server default */
    int64_t fetch_size;    /* 0 = the connection's */
} bolt_query_opts;

/* Queues RUN + PULL (pipelined in one write). Queries run one after another on a connection;
 * the next PULL is sent only after the consumer took the previous batch. cypher and params are
 * copied. Returns 0, or BOLT_E_DEFUNCT / BOLT_E_CLOSED / BOLT_E_NOMEM / BOLT_E_INVAL (in which
 * case no callback will run). */
int bolt_conn_run(bolt_conn *c, const char *cypher, const bolt_value *params,
                  const bolt_query_opts *opts, const bolt_query_callbacks *cb);
/* Resumes record delivery paused by on_record (or on_record_raw) returning 1. */
void bolt_conn_resume(bolt_conn *c);
/* Measures one protocol round trip (RESET -> SUCCESS, which changes nothing on the server).
 * cb gets 0 and the nanoseconds, or an error. Queued like a query. */
int bolt_conn_ping(bolt_conn *c, void (*cb)(bolt_conn *c, int status, uint64_t ns, void *ud),
                   void *ud);

/* What is known about the connection; strings owned by the connection, "" when unknown. */
typedef struct bolt_conn_info {
    char address[300];         /* "host:port" connected to (the reader for neo4j://) */
    char peer[64];             /* numeric IP address of the peer */
    char seed[300];            /* neo4j://: the router asked for the table; else "" */
    unsigned major, minor;     /* negotiated Bolt version (0.0 before) */
    int manifest;              /* 1 when the manifest handshake was used */
    char server_agent[128];    /* "Neo4j/4.4.0" */
    char connection_id[64];    /* "bolt-61" */
    int64_t recv_timeout_hint; /* seconds, -1 when the server gave none */
    int tls;                   /* 1 when encrypted; then tls_info is filled */
    bolt_tls_info tls_info;
    uint64_t connect_ns; /* bolt_conn_open() -> authenticated (and routed) */
    uint64_t bytes_in;   /* bytes received from the socket (ciphertext with TLS) */
    uint64_t bytes_out;  /* bytes handed to the socket */
    const bolt_routing_table *routing_table; /* neo4j://: the table used, else NULL */
} bolt_conn_info;

const bolt_conn_info *bolt_conn_get_info(const bolt_conn *c);
/* The value rules of the negotiated version (after the utc patch was settled), for reading raw
 * records (on_record_raw) the way the session decodes them: NULL before the handshake. Owned by
 * the connection; valid while it is open. */
const bolt_dialect *bolt_conn_dialect(const bolt_conn *c);
void *bolt_conn_userdata(const bolt_conn *c);
/* The one-line reason of the last error (server code and message when there was one). */
const char *bolt_conn_errmsg(const bolt_conn *c);
int bolt_conn_error(const bolt_conn *c); /* the last error code, 0 if none */

/* Error classes for exit codes: 1 for connection, TLS and authentication failures (resolve,
 * connect, timeout, TLS, certificate, pin, auth, peer closed), 0 for everything else
 * (protocol, server failures). */
int bolt_err_is_connection(int err);

#ifdef __cplusplus
}
#endif
#endif
