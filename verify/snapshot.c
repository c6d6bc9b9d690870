/* Snapshot files: the header (magic, format version, payload length, XXH3-128 checksum), the
 * atomic write (mkstemp in the destination's directory, fsync, rename, directory fsync), the
 * bounded read, and snapshots as instances of `boltdiff verify` (verify/snapshot.h). */
#include "verify/snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bolt/alloc.h"
#include "bolt/error.h"
#include "snapshot_internal.h"
#include "verify/hash.h"

void snap_printable(char *out, size_t len, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t w = 0;
    if (!len) return;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        int plain = c >= 0x20 && c != 0x7f && c != '\\';
        if (w + (plain ? 1 : 4) >= len) break;
        if (plain) {
            out[w++] = (char)c;
        } else {
            out[w++] = '\\';
            out[w++] = 'x';
            out[w++] = hex[c >> 4];
            out[w++] = hex[c & 15];
        }
    }
    out[w] = '\0';
}

/* ---- header -------------------------------------------------------------------------------- */

static void put_be(uint8_t *p, uint64_t v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

static uint64_t get_be(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/* XXH3-128 of the header's first 24 bytes (magic, version, length) and of the payload: a
 * damaged length or version byte is caught like a damaged payload byte. */
static bv_h128 checksum(const uint8_t *file, const uint8_t *payload, size_t len)
{
    bv_hasher h;
    bv_hasher_init(&h, 0);
    bv_hasher_update(&h, file, 24);
    bv_hasher_update(&h, payload, len);
    return bv_hasher_digest128(&h);
}

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static int
fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return code;
}

int bv_snapshot_encode(const bv_measurement *m, uint8_t **out, size_t *outlen, char *err,
                       size_t errlen)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    *out = NULL;
    *outlen = 0;
    int rc = snap_encode_payload(m, &buf, &len, BV_SNAPSHOT_HEADER_LEN, err, errlen);
    if (rc) return rc;
    memcpy(buf, BV_SNAPSHOT_MAGIC, BV_SNAPSHOT_MAGIC_LEN); /* with its NUL */
    put_be(buf + 14, BV_SNAPSHOT_VERSION, 2);
    put_be(buf + 16, len - BV_SNAPSHOT_HEADER_LEN, 8);
    bv_h128 sum = checksum(buf, buf + BV_SNAPSHOT_HEADER_LEN, len - BV_SNAPSHOT_HEADER_LEN);
    put_be(buf + 24, sum.hi, 8);
    put_be(buf + 32, sum.lo, 8);
    *out = buf;
    *outlen = len;
    return 0;
}

int bv_snapshot_decode(const uint8_t *data, size_t len, bv_measurement *m, char *err, size_t errlen)
{
    bv_measurement_init(m);
    if (err && errlen) err[0] = '\0';
    size_t head = len < BV_SNAPSHOT_MAGIC_LEN ? len : BV_SNAPSHOT_MAGIC_LEN;
    if (len == 0) return fail(err, errlen, BOLT_E_SNAPSHOT, "empty file: not a boltdiff snapshot");
    if (memcmp(data, BV_SNAPSHOT_MAGIC, head) != 0)
        return fail(err, errlen, BOLT_E_SNAPSHOT,
                    "not a boltdiff snapshot (it does not start with \"" BV_SNAPSHOT_MAGIC "\")");
    if (len < BV_SNAPSHOT_HEADER_LEN)
        return fail(err, errlen, BOLT_E_TRUNCATED,
                    "truncated: %zu bytes, shorter than the %d-byte snapshot header", len,
                    BV_SNAPSHOT_HEADER_LEN);
    unsigned version = (unsigned)get_be(data + 14, 2);
    if (version > BV_SNAPSHOT_VERSION)
        return fail(err, errlen, BOLT_E_UNSUPPORTED,
                    "snapshot format version %u is newer than this boltdiff reads (version %d): "
                    "use a newer boltdiff",
                    version, BV_SNAPSHOT_VERSION);
    if (version == 0)
        return fail(err, errlen, BOLT_E_SNAPSHOT, "invalid snapshot format version 0");
    uint64_t plen = get_be(data + 16, 8);
    size_t have = len - BV_SNAPSHOT_HEADER_LEN;
    if (plen > have)
        return fail(err, errlen, BOLT_E_TRUNCATED,
                    "truncated: the header announces %llu payload bytes, the file holds %zu "
                    "(an interrupted copy?)",
                    (unsigned long long)plen, have);
    if (plen < have)
        return fail(err, errlen, BOLT_E_TRAILING,
                    "%llu unexpected bytes after the %llu-byte payload",
                    (unsigned long long)(have - plen), (unsigned long long)plen);
    const uint8_t *payload = data + BV_SNAPSHOT_HEADER_LEN;
    bv_h128 want = {.hi = get_be(data + 24, 8), .lo = get_be(data + 32, 8)};
    if (!bv_h128_eq(checksum(data, payload, have), want))
        return fail(err, errlen, BOLT_E_CHECKSUM,
                    "checksum mismatch: the file is corrupted (take the snapshot again, or "
                    "restore it from a backup)");
    int rc = snap_decode_payload(payload, have, m, err, errlen);
    if (rc) bv_measurement_free(m);
    return rc;
}

/* ---- files ----------------------------------------------------------------------------------- */

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* The directory part of path ("." when there is none), in a new string. */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash) return bolt_strndup(".", 1);
    if (slash == path) return bolt_strndup("/", 1);
    return bolt_strndup(path, (size_t)(slash - path));
}

int bv_snapshot_write(const char *path, const bv_measurement *m, char *err, size_t errlen)
{
    char shown[512];
    SNAP_SHOW(shown, path);
    uint8_t *buf;
    size_t len;
    char why[400];
    int rc = bv_snapshot_encode(m, &buf, &len, why, sizeof why);
    if (rc) return fail(err, errlen, rc, "%s: %s", shown, why);
    char *dir = dir_of(path);
    size_t n = strlen(path) + 32;
    char *tmp = dir ? bolt_malloc(n) : NULL;
    if (!tmp) {
        bolt_free(dir);
        bolt_free(buf);
        return fail(err, errlen, BOLT_E_NOMEM, "%s: out of memory", shown);
    }
    /* Same directory as the destination: rename() is atomic only within one file system. The
     * name starts with '.' so that a glob over the directory does not pick it up. */
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    snprintf(tmp, n, "%s/.%s.XXXXXX", dir, base);
    int fd = mkstemp(tmp);
    const char *step = "create a temporary file";
    int saved = 0;
    if (fd < 0) {
        saved = errno;
    } else {
        if (write_all(fd, buf, len) != 0) {
            saved = errno;
            step = "write";
        } else if (fsync(fd) != 0) {
            saved = errno;
            step = "sync";
        }
        if (close(fd) != 0 && !saved) {
            saved = errno;
            step = "write";
        }
        if (!saved && rename(tmp, path) != 0) {
            saved = errno;
            step = "rename the temporary file to";
        }
        if (saved) unlink(tmp);
    }
    if (!saved) {
        /* the rename itself is durable once the directory entry is */
        int dfd = open(dir, O_RDONLY | O_DIRECTORY);
        if (dfd >= 0) {
            (void)fsync(dfd); /* some file systems refuse; the file itself is synced */
            close(dfd);
        }
    }
    bolt_free(tmp);
    bolt_free(dir);
    bolt_free(buf);
    if (saved)
        return fail(err, errlen, BOLT_E_IO, "%s: cannot %s it: %s", shown, step, strerror(saved));
    return 0;
}

int bv_snapshot_read(const char *path, bv_measurement *m, char *err, size_t errlen)
{
    char shown[512];
    SNAP_SHOW(shown, path);
    bv_measurement_init(m);
    int fd = open(path, O_RDONLY);
    if (fd < 0) return fail(err, errlen, BOLT_E_IO, "%s: cannot open: %s", shown, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return fail(err, errlen, BOLT_E_IO, "%s: cannot read: %s", shown, strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return fail(err, errlen, BOLT_E_SNAPSHOT, "%s: not a regular file: not a snapshot", shown);
    }
    if ((uint64_t)st.st_size > (uint64_t)SIZE_MAX / 2) {
        close(fd);
        return fail(err, errlen, BOLT_E_SNAPSHOT, "%s: too large to be a snapshot", shown);
    }
    size_t size = (size_t)st.st_size;
    uint8_t *buf = bolt_malloc(size ? size : 1);
    if (!buf) {
        close(fd);
        return fail(err, errlen, BOLT_E_NOMEM, "%s: out of memory", shown);
    }
    /* Reads what fstat announced; a file that changes meanwhile is judged by what was read
     * (the length and the checksum in its header catch it). */
    size_t got = 0;
    while (got < size) {
        ssize_t r = read(fd, buf + got, size - got);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            int e = errno;
            close(fd);
            bolt_free(buf);
            return fail(err, errlen, BOLT_E_IO, "%s: cannot read: %s", shown, strerror(e));
        }
        if (r == 0) break;
        got += (size_t)r;
    }
    close(fd);
    char why[400];
    int rc = bv_snapshot_decode(buf, got, m, why, sizeof why);
    bolt_free(buf);
    if (rc) return fail(err, errlen, rc, "%s: %s", shown, why);
    return 0;
}

/* ---- snapshots as verify instances ----------------------------------------------------------- */

int bv_snapshot_is_path(const char *instance)
{
    return instance && !strstr(instance, "://");
}

static const char *role(size_t i)
{
    return i == 0 ? "baseline" : "target";
}

/* "counts, schema" for the checks set in bits ("nothing" when none). */
static void check_list(unsigned bits, char *buf, size_t len)
{
    size_t at = 0;
    buf[0] = '\0';
    for (unsigned i = 0; i < BV_CHECK_COUNT; i++) {
        if (!(bits & (1u << i))) continue;
        int n = snprintf(buf + at, len - at, "%s%s", at ? ", " : "", bv_check_name(1u << i));
        if (n < 0 || (size_t)n >= len - at) return;
        at += (size_t)n;
    }
    if (!at) snprintf(buf, len, "nothing");
}

/* ---- snapshot against snapshot: compare the sampled keys both hold -------------------------- */

static const char *nz(const char *s)
{
    return s ? s : "";
}

static int ident_cmp(const bv_sample_node *a, const bv_sample_node *b)
{
    int d = strcmp(nz(a->label), nz(b->label));
    if (!d) d = strcmp(nz(a->key_prop), nz(b->key_prop));
    if (!d) d = strcmp(nz(a->key_text), nz(b->key_text));
    return d;
}

static int nodep_cmp(const void *a, const void *b)
{
    return ident_cmp(*(const bv_sample_node *const *)a, *(const bv_sample_node *const *)b);
}

/* Label-level note entries (key_prop NULL, verify/model.h) are not keys: always kept. */
static int is_note(const bv_sample_node *n)
{
    return n->key_prop == NULL;
}

/* Sets keep[i] of a's nodes to 1 when b holds the same identity (or the entry is a note). */
static int mark_common(const bv_measurement *a, const bv_measurement *b, unsigned char *keep)
{
    const bv_sample_node **v = NULL;
    if (b->sample_count) {
        if (!(v = bolt_malloc(b->sample_count * sizeof *v))) return BOLT_E_NOMEM;
        for (size_t i = 0; i < b->sample_count; i++)
            v[i] = &b->sample[i];
        qsort(v, b->sample_count, sizeof *v, nodep_cmp);
    }
    for (size_t i = 0; i < a->sample_count; i++) {
        const bv_sample_node *key = &a->sample[i];
        keep[i] = is_note(key) || (v && bsearch(&key, v, b->sample_count, sizeof *v, nodep_cmp));
    }
    bolt_free(v);
    return 0;
}

/* Drops (and frees) the nodes of m whose keep[i] is 0; returns how many. */
static size_t drop_unkept(bv_measurement *m, const unsigned char *keep)
{
    size_t w = 0;
    for (size_t i = 0; i < m->sample_count; i++) {
        if (keep[i]) {
            if (w != i) m->sample[w] = m->sample[i];
            w++;
        } else {
            bv_sample_node_free(&m->sample[i]);
        }
    }
    size_t dropped = m->sample_count - w;
    m->sample_count = w;
    return dropped;
}

/* Snapshots sample on their own: when baseline and target snapshots hold different keys, a
 * key that one of them never looked up says nothing about the other instance. Both keep only
 * the keys they share. */
static int trim_pair(bv_measurement *b, bv_measurement *t, int quiet, const char *tname)
{
    size_t nb = b->sample_count, nt = t->sample_count;
    unsigned char *kb = bolt_malloc(nb ? nb : 1), *kt = bolt_malloc(nt ? nt : 1);
    int rc = (kb && kt) ? 0 : BOLT_E_NOMEM;
    if (rc == 0) rc = mark_common(b, t, kb);
    if (rc == 0) rc = mark_common(t, b, kt);
    if (rc == 0) {
        size_t db = drop_unkept(b, kb), dt = drop_unkept(t, kt);
        if ((db || dt) && !quiet)
            fprintf(stderr,
                    "boltdiff: note: the baseline snapshot and %s sampled different "
                    "keys: comparing the %zu they share (%zu only in the baseline, %zu only in "
                    "the target are not compared)\n",
                    tname, b->sample_count, db, dt);
    }
    bolt_free(kb);
    bolt_free(kt);
    return rc;
}

/* The index of the snapshot whose sampled keys the live instances look up, or -1. */
static long sample_source(const bv_options *o, const bv_result *r)
{
    for (size_t i = 0; i < o->instance_count && i < r->instance_count; i++)
        if (bv_snapshot_is_path(o->instances[i]) && (r->instances[i].m.checks & BV_CHECK_SAMPLE))
            return (long)i;
    return -1;
}

/* The nodes of the snapshot whose keys the live instances will look up must have keys that can
 * be rebuilt as values (bv_snapshot_key_value); a node whose key cannot be is not compared,
 * with a note, rather than reported missing everywhere. */
static int drop_unprobeable(bv_measurement *m, int quiet, const char *name)
{
    unsigned char *keep = bolt_malloc(m->sample_count ? m->sample_count : 1);
    if (!keep) return BOLT_E_NOMEM;
    bolt_arena a;
    bolt_arena_init(&a, 1024, 0);
    int rc = 0;
    for (size_t i = 0; i < m->sample_count && rc == 0; i++) {
        bolt_value v;
        keep[i] = 1;
        if (is_note(&m->sample[i])) continue;
        int k = bv_snapshot_key_value(&m->sample[i], &a, &v);
        if (k == BOLT_E_NOMEM) rc = k;
        if (k < 0) keep[i] = 0;
        bolt_arena_reset(&a);
    }
    bolt_arena_free(&a);
    if (rc == 0) {
        size_t dropped = drop_unkept(m, keep);
        if (dropped && !quiet)
            fprintf(stderr,
                    "boltdiff: note: %zu sampled keys of %s cannot be looked up on a live "
                    "instance (their rendering cannot be turned back into a value): not "
                    "compared\n",
                    dropped, name);
    }
    bolt_free(keep);
    return rc;
}

int bv_snapshot_load_instances(const bv_options *o, bv_result *r, char *err, size_t errlen)
{
    int loaded = 0;
    for (size_t i = 0; i < o->instance_count && i < r->instance_count; i++) {
        const char *arg = o->instances[i];
        if (!bv_snapshot_is_path(arg)) continue;
        char shown[512];
        SNAP_SHOW(shown, arg);
        struct stat st;
        if (stat(arg, &st) != 0) {
            if (errno == ENOENT || errno == ENOTDIR)
                return fail(err, errlen, BOLT_E_INVAL,
                            "instance %zu (%s): '%s' is neither a URI (like bolt://host:7687) "
                            "nor an existing snapshot file",
                            i, role(i), shown);
            return fail(err, errlen, BOLT_E_IO, "instance %zu (%s): %s: %s", i, role(i), shown,
                        strerror(errno));
        }
        bv_measurement m;
        char why[448];
        int rc = bv_snapshot_read(arg, &m, why, sizeof why);
        if (rc) return fail(err, errlen, rc, "instance %zu (%s): %s", i, role(i), why);
        bv_measurement_free(&r->instances[i].m);
        r->instances[i].m = m; /* moved: r owns it now */
        loaded++;
        unsigned absent = o->checks & ~m.checks;
        if (absent) {
            char held[128];
            check_list(m.checks, held, sizeof held);
            for (unsigned c = 0; c < BV_CHECK_COUNT; c++)
                if (absent & (1u << c) &&
                    (rc = bv_result_unchecked(r, i, 1u << c, 0,
                                              "not in the snapshot (it holds: %s)", held)) != 0)
                    return fail(err, errlen, rc, "out of memory");
        }
    }
    /* snapshot against snapshot: see trim_pair() */
    if (loaded > 1 && bv_snapshot_is_path(o->instances[0]) &&
        (r->instances[0].m.checks & BV_CHECK_SAMPLE))
        for (size_t i = 1; i < o->instance_count && i < r->instance_count; i++) {
            if (!bv_snapshot_is_path(o->instances[i]) ||
                !(r->instances[i].m.checks & BV_CHECK_SAMPLE))
                continue;
            char name[600], shown[512];
            snprintf(name, sizeof name, "target %zu (%s)", i, SNAP_SHOW(shown, o->instances[i]));
            if (trim_pair(&r->instances[0].m, &r->instances[i].m, o->quiet, name) != 0)
                return fail(err, errlen, BOLT_E_NOMEM, "out of memory");
        }
    long src = sample_source(o, r);
    int any_live = 0;
    for (size_t i = 0; i < o->instance_count; i++)
        if (!bv_snapshot_is_path(o->instances[i])) any_live = 1;
    char shown[512];
    if (src >= 0 && any_live &&
        drop_unprobeable(&r->instances[src].m, o->quiet, SNAP_SHOW(shown, o->instances[src])) != 0)
        return fail(err, errlen, BOLT_E_NOMEM, "out of memory");
    return loaded;
}

const bv_measurement *bv_snapshot_sample_source(const bv_options *o, const bv_result *r)
{
    long i = sample_source(o, r);
    return i < 0 ? NULL : &r->instances[i].m;
}
