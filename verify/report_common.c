/* What every report writer needs: UTF-8 checking, escaping per format, UTC timestamps and
 * atomic file replacement. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bolt/alloc.h"
#include "bolt/error.h"
#include "report_internal.h"
#include "verify/report.h"

size_t rep_utf8_len(const unsigned char *p, size_t n)
{
    if (!n) return 0;
    unsigned char c = p[0];
    if (c < 0x80) return 1;
    size_t len;
    uint32_t cp, min;
    if ((c & 0xE0) == 0xC0) {
        len = 2, cp = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        len = 3, cp = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        len = 4, cp = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (n < len) return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return len;
}

static const char replacement[] = "\xEF\xBF\xBD"; /* U+FFFD */

void rep_json_str(FILE *out, const char *s)
{
    if (!s) {
        fputs("null", out);
        return;
    }
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);
    fputc('"', out);
    while (n) {
        unsigned char c = *p;
        if (c == '"' || c == '\\') {
            fputc('\\', out);
            fputc(c, out);
        } else if (c == '\n') {
            fputs("\\n", out);
        } else if (c == '\r') {
            fputs("\\r", out);
        } else if (c == '\t') {
            fputs("\\t", out);
        } else if (c < 0x20 || c == 0x7F) {
            fprintf(out, "\\u%04x", c);
        } else if (c >= 0x80) {
            size_t len = rep_utf8_len(p, n);
            if (!len) {
                fputs(replacement, out);
                len = 1;
            } else {
                fwrite(p, 1, len, out);
            }
            p += len;
            n -= len;
            continue;
        } else {
            fputc(c, out);
        }
        p++;
        n--;
    }
    fputc('"', out);
}

void rep_xml_text(FILE *out, const char *s)
{
    if (!s) return;
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);
    while (n) {
        unsigned char c = *p;
        size_t len = 1;
        switch (c) {
        case '&':
            fputs("&amp;", out);
            break;
        case '<':
            fputs("&lt;", out);
            break;
        case '>':
            fputs("&gt;", out);
            break;
        case '"':
            fputs("&quot;", out);
            break;
        case '\'':
            fputs("&apos;", out);
            break;
        case '\n':
            fputs("&#10;", out);
            break; /* kept inside attributes too */
        case '\t':
            fputs("&#9;", out);
            break;
        case '\r':
            fputs("&#13;", out);
            break;
        default:
            if (c < 0x20) {
                fputs(replacement, out); /* not representable in XML 1.0, even escaped */
            } else if (c >= 0x80) {
                len = rep_utf8_len(p, n);
                /* U+FFFE and U+FFFF are not XML characters either */
                if (!len || (len == 3 && p[0] == 0xEF && p[1] == 0xBF && p[2] >= 0xBE)) {
                    fputs(replacement, out);
                    if (!len) len = 1;
                } else {
                    fwrite(p, 1, len, out);
                }
            } else {
                fputc(c, out);
            }
        }
        p += len;
        n -= len;
    }
}

void rep_prom_label(FILE *out, const char *s)
{
    if (!s) return;
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);
    while (n) {
        unsigned char c = *p;
        size_t len = 1;
        if (c == '\\')
            fputs("\\\\", out);
        else if (c == '"')
            fputs("\\\"", out);
        else if (c == '\n')
            fputs("\\n", out);
        else if (c >= 0x80) {
            len = rep_utf8_len(p, n);
            if (!len) {
                fputs(replacement, out);
                len = 1;
            } else {
                fwrite(p, 1, len, out);
            }
        } else {
            fputc(c, out);
        }
        p += len;
        n -= len;
    }
}

const char *rep_source(const char *source, size_t index, char *buf, size_t len)
{
    if (source && *source) return source;
    snprintf(buf, len, "instance %zu", index);
    return buf;
}

void bv_format_utc_ms(int64_t unix_ms, char out[32])
{
    int64_t secs = unix_ms >= 0 ? unix_ms / 1000 : -((-unix_ms + 999) / 1000);
    int ms = (int)(unix_ms - secs * 1000);
    time_t t = (time_t)secs;
    struct tm tm;
    if (!gmtime_r(&t, &tm)) {
        snprintf(out, 32, "1970-01-01T00:00:00.000Z");
        return;
    }
    /* the modulos only bound the widths for the compiler: gmtime_r's fields are in range */
    snprintf(out, 32, "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ", (unsigned)(tm.tm_year + 1900) % 10000u,
             (unsigned)(tm.tm_mon + 1) % 100u, (unsigned)tm.tm_mday % 100u,
             (unsigned)tm.tm_hour % 100u, (unsigned)tm.tm_min % 100u, (unsigned)tm.tm_sec % 100u,
             (unsigned)ms % 1000u);
}

int bv_report_write_file(const char *path, int (*write)(FILE *out, void *ud), void *ud, char *err,
                         size_t errlen)
{
    size_t n = strlen(path) + 32;
    char *tmp = bolt_malloc(n);
    if (!tmp) {
        snprintf(err, errlen, "%s: out of memory", path);
        return BOLT_E_NOMEM;
    }
    snprintf(tmp, n, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) {
        snprintf(err, errlen, "%s: cannot create %s: %s", path, tmp, strerror(errno));
        bolt_free(tmp);
        return BOLT_E_IO;
    }
    int rc = write(f, ud);
    int saved = 0;
    if (rc == 0 && (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0)) {
        saved = errno;
        rc = BOLT_E_IO;
    }
    if (fclose(f) != 0 && rc == 0) {
        saved = errno;
        rc = BOLT_E_IO;
    }
    if (rc == 0 && rename(tmp, path) != 0) {
        saved = errno;
        rc = BOLT_E_IO;
    }
    if (rc != 0) {
        unlink(tmp);
        if (saved)
            snprintf(err, errlen, "%s: cannot write: %s", path, strerror(saved));
        else
            snprintf(err, errlen, "%s: cannot write: %s", path, bolt_strerror(rc));
    }
    bolt_free(tmp);
    return rc;
}
