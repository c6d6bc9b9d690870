/* verify/options.h - the options of `boltdiff verify` and their parser.
 *
 *   boltdiff verify [options] BASELINE TARGET...
 *
 * bv_options_parse() reads the verify argv (argv[0] is "verify") with getopt_long and checks
 * every value: a bad option gives one line in err (never containing a credential: a password
 * in a URI or an option like --password=... is refused without repeating it) and the caller
 * exits 2. bv_options_usage() prints the help, which lists every option and the exit codes.
 *
 * Memory: a bv_options owns every string and array in it (copied from argv);
 * bv_options_free() releases them. Nothing here opens files or connections: paths and URIs are
 * checked for syntax only, the stages that use them report what they find.
 */
#ifndef VERIFY_OPTIONS_H
#define VERIFY_OPTIONS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Defaults and limits, also quoted by the help text. */
#define BV_DEFAULT_PARALLEL 4u
#define BV_MAX_PARALLEL 64u
#define BV_DEFAULT_SAMPLE_SIZE 1000u
#define BV_MAX_SAMPLE_SIZE 10000000u
#define BV_DEFAULT_FETCH_SIZE 1000u
#define BV_MAX_FETCH_SIZE 1000000u
#define BV_DEFAULT_RETRIES 3u
#define BV_MAX_RETRIES 100u
#define BV_DEFAULT_CONNECT_TIMEOUT_MS 10000u
#define BV_DEFAULT_PARTITION_SIZE 10000u
#define BV_MAX_PARTITION_SIZE 10000000u
#define BV_DEFAULT_PUSH_JOB "boltdiff_verify"

typedef enum bv_format { BV_FORMAT_TEXT = 0, BV_FORMAT_JSON } bv_format;

typedef enum bv_color {
    BV_COLOR_AUTO = 0, /* only when the output is a terminal (and NO_COLOR is not set) */
    BV_COLOR_ALWAYS,
    BV_COLOR_NEVER
} bv_color;

/* --key Label.prop: sampled nodes of Label are matched by prop. */
typedef struct bv_key_spec {
    char *label;
    char *prop;
} bv_key_spec;

typedef struct bv_options {
    unsigned checks;      /* BV_CHECK_*; default BV_CHECK_DEFAULT (all but full) */
    unsigned parallel;    /* connections per instance */
    uint32_t sample_size; /* nodes sampled on the baseline */
    uint64_t seed;        /* sampling seed ... */
    int seed_set;         /* ... when given; otherwise the caller picks one and reports it */
    bv_key_spec *keys;    /* --key, in the order given */
    size_t key_count;
    int match_by_id;             /* match sampled nodes by internal id (copies that keep ids) */
    uint32_t fetch_size;         /* records per PULL */
    unsigned retries;            /* retry budget per task for transient errors / dropped conns */
    uint64_t connect_timeout_ms; /* per connection attempt, TLS and authentication included */
    uint64_t query_timeout_ms;   /* per query; 0 = none (the server's own limit applies) */
    uint64_t partition_size;     /* internal ids per coverage partition (--partition-size) */
    char *database;              /* database to measure on 4.0+ servers; NULL = default */
    int strict;                  /* ambiguous divergences fail the run like drift */
    /* reports */
    bv_format format;  /* report written to stdout (or --output) */
    char *output;      /* --output FILE, or NULL for stdout */
    char *junit;       /* --junit FILE */
    char *prometheus;  /* --prometheus FILE (textfile collector) */
    char *pushgateway; /* --pushgateway URL (http:// only) */
    char *push_job;    /* job label of the push; default BV_DEFAULT_PUSH_JOB */
    int quiet;         /* no human report, no progress bar: exit code and files */
    bv_color color;
    /* connection and credentials (passed on to bolt/net.h; secrets are never in argv) */
    char *user;
    char *password_file;
    char *token_file;
    char *credentials_file;
    int no_auth;
    char **auth_env; /* --auth-env PREFIX: one for all, or one per instance */
    size_t auth_env_count;
    char *ca_file;
    char *client_cert; /* --client-cert (alias --cert, as in ping and query) */
    char *client_key;  /* --client-key: --key names sample keys in verify */
    char *pin;
    char *bolt;   /* --bolt LIST: Bolt versions to offer, checked when used */
    int manifest; /* --manifest: offer the handshake manifest */
    /* instances, as given: [0] is the baseline */
    char **instances;
    size_t instance_count;
} bv_options;

/* Default values, no instances. */
void bv_options_init(bv_options *o);
void bv_options_free(bv_options *o);

#define BV_OPTIONS_HELP 1 /* bv_options_parse: --help was given; print usage, exit 0 */

/* Parses argv[1..argc) into *o (initialised here). Returns 0, BV_OPTIONS_HELP, or a negative
 * BOLT_E_* (BOLT_E_INVAL for bad usage, BOLT_E_NOMEM) with a one-line message in err. */
int bv_options_parse(bv_options *o, int argc, char **argv, char *err, size_t errlen);
/* The same options with exactly one instance, for `boltdiff snapshot URI -o FILE` (argv[0] is
 * "snapshot"; verify/cmd_snapshot.c refuses the options that only make sense for a comparison). */
int bv_options_parse_one(bv_options *o, int argc, char **argv, char *err, size_t errlen);

/* The --help text: usage, every option with its default, exit codes. */
void bv_options_usage(FILE *out);

/* Splits "Label.prop" (either part may be back-quoted, `` inside quotes is one `) into its two
 * names. 0, BOLT_E_INVAL, BOLT_E_NOMEM. On success label and prop are owned by the caller. */
int bv_key_spec_parse(const char *text, char **label, char **prop);

/* Parses a duration: "250ms", "10s", "2m", or a plain number of seconds. 0 or BOLT_E_INVAL. */
int bv_duration_parse(const char *text, uint64_t *ms);

/* What a report may show of an instance argument: a URI without its user@ part (a password
 * is refused earlier), or the snapshot path. Writes at most len bytes (NUL included). */
void bv_source_display(const char *instance, char *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif
