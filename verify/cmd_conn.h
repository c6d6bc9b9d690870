/* verify/cmd_conn.h - INTERNAL to the CLI: the connection options shared by the commands that
 * talk to servers (ping, query): trust, credentials, Bolt versions, timeouts, and turning one
 * URI argument into a ready bolt_conn_config. */
#ifndef VERIFY_CMD_CONN_H
#define VERIFY_CMD_CONN_H

#include <stdint.h>
#include <stdio.h>

#include "bolt/net.h"

#define BV_MAX_TARGETS 256

typedef struct bv_conn_opts {
    const char *ca_file, *cert_file, *key_file, *pin;
    const char *user, *password_file, *token_file, *credentials_file;
    const char *auth_env[BV_MAX_TARGETS];
    size_t auth_env_count;
    int no_auth;
    double timeout_s;
    uint32_t proposals[4];
    int has_proposals;
    int manifest;
    const char *bolt_spec;
    int64_t fetch_size;
    bolt_tls_ctx *tls_verify, *tls_any; /* built on demand, owned */
} bv_conn_opts;

/* One instance given on the command line, ready for bolt_conn_open(). */
typedef struct bv_target {
    const char *text; /* the argument as given (contains no password: those are refused) */
    bolt_uri uri;
    bolt_credentials cred;
    bolt_conn_config cfg;
} bv_target;

#define BV_CONN_OPTIONS_HELP                                                                       \
    "Connection options:\n"                                                                        \
    "  --ca-file FILE       trust only the CA certificates in FILE (PEM) for +s\n"                 \
    "  --cert FILE          client certificate (PEM) for mutual TLS, with --key\n"                 \
    "  --key FILE           its private key (PEM, not encrypted)\n"                                \
    "  --pin sha256:DIGEST  accept exactly the server certificate with this SHA-256\n"             \
    "                       (64 hex digits or base64), whatever the trust store says\n"            \
    "  --user NAME          user name (also: user@host in the URI, NEO4J_USERNAME)\n"              \
    "  --password-file FILE the password is the first line of FILE\n"                              \
    "  --token-file FILE    a bearer (SSO) token is the first line of FILE\n"                      \
    "  --credentials-file FILE\n"                                                                  \
    "                       lines host:port:user:password, one per instance ('*'\n"                \
    "                       matches any host or port): a mounted Kubernetes Secret\n"              \
    "  --auth-env PREFIX    read PREFIX_USERNAME, PREFIX_PASSWORD[_FILE] and\n"                    \
    "                       PREFIX_BEARER_TOKEN[_FILE], not NEO4J_*; give it once,\n"              \
    "                       or once per URI in URI order\n"                                        \
    "  --no-auth            authenticate with scheme \"none\"\n"                                   \
    "  --bolt LIST          Bolt versions to offer, most preferred first: 4.4 or\n"                \
    "                       5.0-5.8,4.4,3 (at most 4; 3 with --manifest)\n"                        \
    "  --manifest           use the handshake manifest (Bolt 6.0 needs it); it offers\n"           \
    "                       6.0, 5.0-5.8, 4.2-4.4 unless --bolt says otherwise\n"                  \
    "  --timeout SECONDS    connect timeout per address, for TLS + handshake + login,\n"           \
    "                       and receive timeout (default 10)\n"                                    \
    "Passwords are never read from the command line or the URI: see\n"                             \
    "docs/connections.md.\n"

/* Initialises o with the defaults. */
void bv_conn_opts_init(bv_conn_opts *o);
void bv_conn_opts_free(bv_conn_opts *o);

/* If argv[*i] is a connection option, consumes it (and its value), advances *i past it and
 * returns 1; returns 0 when it is not one; on a usage error prints "boltdiff CMD: ..." to
 * stderr and returns -1. */
int bv_conn_opt(bv_conn_opts *o, int argc, char **argv, int *i, const char *cmd);

/* Checks the options together (e.g. --auth-env count) once every URI is known; -1 + message. */
int bv_conn_opts_finish(bv_conn_opts *o, size_t uri_count, const char *cmd);

/* Parses the URI, resolves credentials and TLS for target number `index`. On failure returns
 * the BV_EXIT_* code to use and writes a one-line reason into err. */
int bv_target_prepare(bv_conn_opts *o, const char *text, size_t index, bv_target *t, char *err,
                      size_t errlen);
void bv_target_free(bv_target *t);

/* TLS options when no URI uses TLS are a mistake: -1 + message; 0 otherwise. */
int bv_conn_opts_check_tls(const bv_conn_opts *o, int any_tls, const char *cmd);

/* Exit code for an error of a connection: BV_EXIT_CONNECT or BV_EXIT_SERVER. */
int bv_exit_for(int err);

/* JSON string with escapes, quotes included. */
void bv_json_str(FILE *f, const char *s);

#endif
