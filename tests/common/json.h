/* tests/common/json.h - a small strict JSON parser for test code.
 *
 * Made for the capture files: integers stay exact 64-bit integers (values beyond 2^53 occur),
 * numbers with a '.' or an exponent are doubles (strtod, correctly rounded, so "-0.0" and
 * "1e-300" come back bit for bit), strings are decoded to UTF-8 (surrogate pairs joined, \u0000
 * allowed: use len), and object members keep their order, duplicates included.
 *
 * Strict: RFC 8259 grammar only (no comments, trailing commas, NaN, leading zeros, control
 * characters in strings, lone surrogates or invalid UTF-8), one value per document, nesting
 * limited to JSON_MAX_DEPTH. An integer outside int64 is an error, not a silent double.
 *
 * Ownership: a json_doc owns every value, string and array it returns; json_free() releases
 * all of it at once. Test-support code: it uses the C library's malloc, never the library's
 * allocator hooks, so malloc-failure injection in a test does not hit the fixture loader.
 */
#ifndef BOLTDIFF_TEST_JSON_H
#define BOLTDIFF_TEST_JSON_H

#include <stddef.h>
#include <stdint.h>

#define JSON_MAX_DEPTH 256

typedef enum json_type {
    JSON_NULL = 0,
    JSON_BOOL,
    JSON_INT,
    JSON_FLOAT,
    JSON_STRING,
    JSON_ARRAY,
    JSON_OBJECT
} json_type;

typedef struct json_value json_value;
typedef struct json_member json_member;

struct json_value {
    json_type type;
    size_t len; /* string bytes, array items, object members */
    union {
        int b;
        int64_t i;
        double f;
        const char *s;        /* NUL-terminated as well (but may contain NUL: use len) */
        json_value *items;    /* JSON_ARRAY */
        json_member *members; /* JSON_OBJECT, in document order */
    } u;
};

struct json_member {
    const char *key; /* NUL-terminated */
    size_t key_len;
    json_value value;
};

typedef struct json_doc json_doc;

/* Parses text[0..len). NULL on error with a one-line message ("line 3 col 7: ...") in err. */
json_doc *json_parse(const char *text, size_t len, char *err, size_t errlen);
/* Reads and parses a whole file; the message names the file on error. */
json_doc *json_parse_file(const char *path, char *err, size_t errlen);
const json_value *json_root(const json_doc *doc);
void json_free(json_doc *doc);

/* First member named key of an object; NULL if absent or v is not an object. */
const json_value *json_get(const json_value *v, const char *key);
/* Item i of an array; NULL when out of range or v is not an array. */
const json_value *json_at(const json_value *v, size_t i);
/* 1 if v is a string equal to s. */
int json_str_eq(const json_value *v, const char *s);
const char *json_type_name(json_type t);

#endif
