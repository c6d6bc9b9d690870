/* tests/common/captures.h - loading the byte-exact conversations with a real Neo4j 3.5.22
 * (/work/shared/captures/neo4j-3.5.22, layout in its README.md) for golden tests.
 *
 * A capture is a list of exchanges. Each keeps its bytes (the "hex", which is the authority),
 * its classification and its "decoded" JSON reading. capture_value_matches() compares a value
 * decoded by the library with that JSON reading: ints exactly, floats bit for bit
 * ({"float":"nan"|"inf"|"-inf"} for the non-finite ones), {"bytes":HEX}, structures by tag
 * and fields ({"struct":"0x4E","fields":[...]}), dictionaries in wire order.
 *
 * Ownership: a capture owns its JSON document and every byte array of its exchanges;
 * capture_free() releases them. Strings in values built by capture_value_from_json() point into
 * the capture's JSON document, so keep the capture alive while they are used.
 */
#ifndef BOLTDIFF_TEST_CAPTURES_H
#define BOLTDIFF_TEST_CAPTURES_H

#include <stddef.h>
#include <stdint.h>

#include "bolt/alloc.h"
#include "bolt/packstream.h"
#include "bolt/value.h"
#include "json.h"

typedef enum cap_kind {
    CAP_OTHER = 0,
    CAP_HANDSHAKE,       /* client's 20 opening bytes */
    CAP_HANDSHAKE_REPLY, /* server's 4-byte answer */
    CAP_MESSAGE,         /* one complete Bolt message, framed (chunks + 00 00) */
    CAP_EVENT,           /* EOF / RST: no bytes */
    CAP_NOOP,            /* an empty chunk between messages */
    CAP_STREAM_SUMMARY   /* 80-stream-70000-rows: a summarised server stream */
} cap_kind;

typedef struct cap_exchange {
    int from_server; /* 1 server, 0 client */
    int write;       /* client: number of the TCP write; 0 for the server */
    cap_kind kind;
    uint8_t *bytes; /* the hex, decoded */
    size_t len;
    const json_value *json; /* the whole exchange object */
    const json_value *decoded;
    /* CAP_MESSAGE only */
    const char *message;      /* "RUN", "SUCCESS", ... (INIT/HELLO, PULL_ALL/PULL as labelled) */
    int signature;            /* 0x00..0xFF, -1 for other kinds */
    const json_value *fields; /* JSON array */
} cap_exchange;

typedef struct capture {
    json_doc *doc;
    char *path;
    const char *file; /* base name, "05-bolt1-init-run-ackfailure.json" */
    const char *title;
    int bolt_major; /* -1 when no version was agreed */
    int bolt_minor;
    cap_exchange *ex;
    size_t count;
} capture;

/* BOLTDIFF_CAPTURES_DIR from the environment, else the compile-time definition. */
const char *capture_dir(void);

/* The *.json files of dir, sorted by name (malloc'd; free with capture_list_free). 0 or -1 with
 * a message in err. */
int capture_list(const char *dir, char ***paths, size_t *count, char *err, size_t errlen);
void capture_list_free(char **paths, size_t count);

/* 0, or -1 with a one-line message naming the file and the exchange in err. */
int capture_load(const char *path, capture *c, char *err, size_t errlen);
void capture_free(capture *c);

/* Hex (either case, even length) to bytes in a malloc'd buffer. 0 or -1. */
int capture_hex_decode(const char *hex, size_t n, uint8_t **out, size_t *outlen);

/* The bytes of every CAP_MESSAGE and CAP_NOOP exchange of one direction, in order (the Bolt
 * stream after the handshake); malloc'd. 0 or -1. */
int capture_stream(const capture *c, int from_server, uint8_t **out, size_t *len);

/* Neo4j 3.5.22 picks size-header widths by signed limits (8-bit up to 127, 16-bit up to 32,767:
 * a 168-byte string is D1 00 A8), not always the smallest form that our packer writes.
 * capture_canon_sizes() appends a copy of the PackStream value at p to out with every size
 * header in the smallest form, so wire bytes can be compared with bytes we pack. Returns the
 * bytes read, or -1 for malformed input. Counts headers that were wider than the smallest form,
 * and headers whose width breaks that signed rule. */
typedef struct capture_canon_stats {
    size_t wider;
    size_t not_java;
} capture_canon_stats;
long capture_canon_sizes(const uint8_t *p, size_t len, bolt_buf *out, capture_canon_stats *st);

/* 1 if v matches the capture's JSON rendering j; otherwise 0 and the first difference with
 * its path ("[0].props.x: expected int 5, got Float") in why. */
int capture_value_matches(const bolt_value *v, const json_value *j, char *why, size_t whylen);

/* Builds a value from a JSON rendering (for parameters of re-encoded client messages). Lists,
 * maps and byte arrays are allocated in arena; structures become BOLT_T_STRUCT. 0 or -1. */
int capture_value_from_json(const json_value *j, bolt_arena *arena, bolt_value *out);

#endif
