/* Real server bytes: every Bolt message of the byte-exact conversations with a real Neo4j
 * 3.5.22 (/work/shared/captures, see its README.md) decoded and re-encoded by the PackStream
 * codec, and the literal-type record of capture 20 checked value by value. */
#include <CUnit/Basic.h>
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bolt/error.h"
#include "bolt/packstream.h"
#include "hex.h"
#include "psinput.h"

static int setup(void)
{
    psinput_init(4096);
    return 0;
}

static int teardown(void)
{
    psinput_free();
    return 0;
}

static const char *fmt(const bolt_value *v)
{
    static char buf[4096];
    bolt_value_format(v, buf, sizeof buf);
    return buf;
}

/* Reads the whole file into a NUL-terminated buffer (free() it). */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
        free(s);
        s = NULL;
    }
    if (s) s[n] = '\0';
    fclose(f);
    return s;
}

/* Joins the chunks of one framed message (2-byte size + payload ..., 00 00). Returns the
 * message length, or -1 if the bytes are not exactly one framed message. */
static long dechunk(const uint8_t *in, size_t n, uint8_t *out)
{
    size_t i = 0, o = 0;
    while (i + 2 <= n) {
        size_t c = (size_t)in[i] << 8 | in[i + 1];
        i += 2;
        if (c == 0) return i == n && o > 0 ? (long)o : -1;
        if (c > n - i) return -1;
        memcpy(out + o, in + i, c);
        o += c;
        i += c;
    }
    return -1;
}

/* Decodes every Bolt message of a capture (the recorded bytes, located by their "hex" keys)
 * as one value under the dialect of its Bolt version, message structures kept raw, and
 * re-encodes it. Our encoder writes the smallest encoding; so does the capture client, and so
 * does Neo4j 3.5.22 except for sizes it treats as signed Java shorts/bytes: strings of
 * 128..255 bytes come as D1 (u16) and of 32768..65535 bytes as D2 (u32) (FAILURE messages of
 * captures 05, 15, 52, 53 and the 33000-byte strings of 81). Those messages must re-encode
 * shorter and decode back to an equal tree; every other one must come back byte for byte. */
typedef struct capture_stats {
    int files, messages, records, non_minimal, failures;
} capture_stats;

static void check_capture_file(const char *path, capture_stats *st)
{
    char *json = slurp(path);
    if (!json) return;
    const char *bv = strstr(json, "\"bolt_version\": \"");
    if (!bv) {
        free(json);
        return; /* no version agreed: no messages */
    }
    unsigned major = (unsigned)(bv[17] - '0');
    for (const char *s = json; (s = strstr(s, "\"hex\": \"")) != NULL;) {
        s += 8;
        const char *e = strchr(s, '"');
        if (!e) break;
        size_t hn = (size_t)(e - s);
        char *hex = malloc(hn + 1);
        memcpy(hex, s, hn);
        hex[hn] = '\0';
        s = e + 1;
        size_t n = 0;
        uint8_t *framed = hex_alloc(hex, &n);
        free(hex);
        if (!framed) continue;
        uint8_t *msg = malloc(n ? n : 1);
        long m = dechunk(framed, n, msg);
        free(framed);
        if (m < 2 || (msg[0] & 0xF0) != 0xB0) { /* handshake bytes, EOF events */
            free(msg);
            continue;
        }
        ps_set_input(msg, (size_t)m);
        bolt_value v, again;
        size_t used = 0;
        int rc = ps_decode_input(major, 0, BOLT_DECODE_RAW_STRUCTS, &v, &used);
        bolt_buf b;
        bolt_buf_init(&b);
        if (rc == 0) bolt_pack_value(&b, &v);
        int ok = rc == 0 && used == ps_input_len && b.err == 0;
        if (ok && (b.len != ps_input_len || memcmp(b.data, ps_input, b.len) != 0)) {
            /* Not byte-identical: only acceptable as a shorter encoding of the same tree. */
            bolt_dialect dl;
            bolt_dialect_for(&dl, major, 0, 0);
            bolt_decoder d = {&dl, &ps_arena, 0, BOLT_DECODE_RAW_STRUCTS};
            ok = b.len < ps_input_len && bolt_decode(&d, b.data, b.len, &again, NULL) == 0 &&
                 bolt_value_equal(&v, &again);
            st->non_minimal++;
        }
        if (!ok) {
            fprintf(stderr, "\n  %s: message %d: %s, used %zu of %zu, re-encoded %zu bytes\n", path,
                    st->messages, bolt_errname(rc), used, ps_input_len, b.len);
            st->failures++;
        }
        st->messages++;
        if (msg[0] == 0xB1 && msg[1] == 0x71) st->records++;
        bolt_buf_free(&b);
        bolt_arena_reset(&ps_arena);
        free(msg);
    }
    free(json);
}

static const char *captures_dir(void)
{
    const char *dir = getenv("BOLTDIFF_CAPTURES_DIR");
    return dir ? dir : BOLTDIFF_CAPTURES_DIR;
}

static void test_capture_messages_roundtrip(void)
{
    DIR *d = opendir(captures_dir());
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    capture_stats st = {0};
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n < 6 || strcmp(e->d_name + n - 5, ".json") != 0) continue;
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", captures_dir(), e->d_name);
        check_capture_file(path, &st);
        st.files++;
    }
    closedir(d);
    if (st.records != 293 || st.non_minimal != 6)
        fprintf(stderr, "\n  %d files, %d messages, %d records, %d non-minimal\n", st.files,
                st.messages, st.records, st.non_minimal);
    CU_ASSERT_EQUAL(st.failures, 0);
    /* captures/README.md: 57 conversations; 285 RECORDs, plus 8 among the messages that the
     * summary of 80-stream-70000-rows keeps in full. */
    CU_ASSERT_EQUAL(st.files, 57);
    CU_ASSERT_EQUAL(st.records, 293);
    CU_ASSERT_EQUAL(st.non_minimal, 6);
    CU_ASSERT(st.messages > st.records);
}

/* The literal-type record of capture 20, field by field, as bolt_value_format renders it. */
static void test_capture_literals_golden(void)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/20-return-every-literal-type.json", captures_dir());
    char *json = slurp(path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(json);
    const char *s = strstr(json, "\"hex\": \"0244B171");
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    s += 8;
    const char *e = strchr(s, '"');
    char *hex = malloc((size_t)(e - s) + 1);
    memcpy(hex, s, (size_t)(e - s));
    hex[e - s] = '\0';
    size_t n = 0;
    uint8_t *framed = hex_alloc(hex, &n);
    uint8_t *msg = malloc(n);
    long m = dechunk(framed, n, msg);
    CU_ASSERT_FATAL(m > 2);
    ps_set_input(msg + 2, (size_t)m - 2);
    bolt_value rec;
    CU_ASSERT_EQUAL_FATAL(ps_decode_input(3, 0, 0, &rec, NULL), 0);
    CU_ASSERT_EQUAL_FATAL(rec.type, BOLT_T_LIST);
    CU_ASSERT_EQUAL_FATAL(rec.len, 59);
    const bolt_value *f = rec.u.items;
    /* Field positions follow the RETURN list of the capture (see its SUCCESS "fields"). */
    CU_ASSERT_STRING_EQUAL(fmt(&f[0]), "null");
    CU_ASSERT_STRING_EQUAL(fmt(&f[5]), "-17");
    CU_ASSERT_EQUAL(f[16].u.i, INT64_MAX);
    CU_ASSERT_EQUAL(f[17].u.i, INT64_MIN);
    CU_ASSERT_STRING_EQUAL(fmt(&f[18]), "1.5");
    CU_ASSERT_STRING_EQUAL(fmt(&f[19]), "-0.0");
    CU_ASSERT_STRING_EQUAL(fmt(&f[20]), "1e-300");
    CU_ASSERT_STRING_EQUAL(fmt(&f[21]), "1.7976931348623157e+308");
    CU_ASSERT_STRING_EQUAL(fmt(&f[22]), "NaN");
    CU_ASSERT_STRING_EQUAL(fmt(&f[23]), "Infinity");
    CU_ASSERT_STRING_EQUAL(fmt(&f[24]), "-Infinity");
    CU_ASSERT_STRING_EQUAL(fmt(&f[27]), "\"Gr\xc3\xbc\xc3\x9f"
                                        "e, Z\xc3\xbcrich: \xe6\x9d\xb1\xe4\xba\xac "
                                        "\xf0\x9f\x8e\x89\"");
    CU_ASSERT_STRING_EQUAL(fmt(&f[34]), "[1, \"a\", null, 2.5, [true]]");
    CU_ASSERT_STRING_EQUAL(fmt(&f[37]), "{a: 1, b: \"x\", c: [1, 2], d: {e: null}}");
    free(msg);
    free(framed);
    free(hex);
    free(json);
}
int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 2;
    CU_pSuite s = CU_add_suite("packstream_captures", setup, teardown);
    CU_add_test(s, "3.5.22 capture messages round trip", test_capture_messages_roundtrip);
    CU_add_test(s, "3.5.22 literal record golden", test_capture_literals_golden);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned fails = CU_get_number_of_failures();
    CU_cleanup_registry();
    return fails ? 1 : 0;
}
