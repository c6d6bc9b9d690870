/* verify/report_internal.h - escaping helpers shared by the report writers (report_*.c). */
#ifndef VERIFY_REPORT_INTERNAL_H
#define VERIFY_REPORT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Length of the valid UTF-8 sequence at p (1..4, at most n), or 0 when the bytes there are
 * not valid UTF-8 (overlong forms, surrogates and code points past U+10FFFF included). */
size_t rep_utf8_len(const unsigned char *p, size_t n);

/* A JSON string literal with quotes, or null for NULL. */
void rep_json_str(FILE *out, const char *s);
/* XML character data / attribute value (quotes escaped too); characters XML 1.0 cannot carry
 * become U+FFFD. */
void rep_xml_text(FILE *out, const char *s);
/* A Prometheus label value (backslash, double quote and newline escaped). */
void rep_prom_label(FILE *out, const char *s);

/* The text shown for an instance: its source, else "instance N". Static or owned by r. */
const char *rep_source(const char *source, size_t index, char *buf, size_t len);

#endif
