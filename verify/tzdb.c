/* The time zone database: a directory of TZif files, zone-id validation, java.time's
 * fixed-offset ids, and a cache of loaded zones (and of unknown names). Parsing and queries are
 * in tzif.c. See include/verify/tzdb.h. */
#include "verify/tzdb.h"

#include "bolt/alloc.h"
#include "bolt/error.h"

#include <xxhash.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* java.time ZoneOffset range. */
#define JAVA_OFFSET_MAX (18 * 3600)
#define NEG_CACHE_MAX 4096

/* ---- the database ---------------------------------------------------------------------------- */

typedef struct tz_entry {
    uint64_t hash;
    char *name; /* NULL: empty slot */
    uint32_t len;
    int err;   /* 0, or the cached BOLT_E_TZ_* answer */
    bv_tz *tz; /* when err == 0 */
} tz_entry;

struct bv_tzdb {
    char *dir;
    tz_entry *slots; /* open addressing, linear probing, cap a power of two */
    size_t cap, used, negatives;
};

int bv_tzdb_new(const char *dir, bv_tzdb **out)
{
    *out = NULL;
    if (!dir) {
        const char *env = getenv("TZDIR");
        dir = env && *env ? env : BV_TZ_DEFAULT_DIR;
    }
    bv_tzdb *db = bolt_calloc(1, sizeof *db);
    if (!db) return BOLT_E_NOMEM;
    db->dir = bolt_strndup(dir, strlen(dir));
    if (!db->dir) {
        bolt_free(db);
        return BOLT_E_NOMEM;
    }
    *out = db;
    return 0;
}

void bv_tzdb_free(bv_tzdb *db)
{
    if (!db) return;
    for (size_t i = 0; i < db->cap; i++) {
        if (db->slots[i].name) {
            bolt_free(db->slots[i].name);
            bv_tz_free(db->slots[i].tz);
        }
    }
    bolt_free(db->slots);
    bolt_free(db->dir);
    bolt_free(db);
}

const char *bv_tzdb_dir(const bv_tzdb *db)
{
    return db->dir;
}

/* A zone id is a relative path of [A-Za-z0-9._+-] components, none of them "." or "..". */
static int valid_zone_name(const char *s, size_t len)
{
    if (len == 0 || len > BV_TZ_NAME_MAX || s[0] == '/') return 0;
    size_t comp = 0;
    for (size_t i = 0; i <= len; i++) {
        char c = i < len ? s[i] : '/';
        if (c == '/') {
            if (comp == 0) return 0;
            if (comp == 1 && s[i - 1] == '.') return 0;
            if (comp == 2 && s[i - 1] == '.' && s[i - 2] == '.') return 0;
            comp = 0;
            continue;
        }
        int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '.' || c == '_' || c == '+' || c == '-';
        if (!ok) return 0;
        comp++;
    }
    return 1;
}

static int two_digits(const char *p, int32_t *v)
{
    if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9') return 0;
    *v = (p[0] - '0') * 10 + (p[1] - '0');
    return 1;
}

/* java.time ZoneId.of prefixed offsets: UTC/GMT/UT followed by +h, +hh, +hh:mm, +hhmm,
 * +hh:mm:ss, +hhmmss (or -). Returns 1 and the offset if `s` is one; "UT" alone is UTC. */
static int java_fixed_id(const char *s, size_t len, int32_t *offset)
{
    size_t pre;
    if (len >= 3 && (memcmp(s, "UTC", 3) == 0 || memcmp(s, "GMT", 3) == 0))
        pre = 3;
    else if (len >= 2 && memcmp(s, "UT", 2) == 0)
        pre = 2;
    else
        return 0;
    if (len == 2 && pre == 2) {
        *offset = 0;
        return 1;
    }
    if (len == pre || (s[pre] != '+' && s[pre] != '-')) return 0;
    int sign = s[pre] == '-' ? -1 : 1;
    const char *p = s + pre + 1;
    size_t n = len - pre - 1;
    int32_t h = 0, m = 0, sec = 0;
    if (n == 1 && p[0] >= '0' && p[0] <= '9') {
        h = p[0] - '0';
    } else if (n == 2 && two_digits(p, &h)) {
    } else if (n == 5 && p[2] == ':' && two_digits(p, &h) && two_digits(p + 3, &m)) {
    } else if (n == 4 && two_digits(p, &h) && two_digits(p + 2, &m)) {
    } else if (n == 8 && p[2] == ':' && p[5] == ':' && two_digits(p, &h) && two_digits(p + 3, &m) &&
               two_digits(p + 6, &sec)) {
    } else if (n == 6 && two_digits(p, &h) && two_digits(p + 2, &m) && two_digits(p + 4, &sec)) {
    } else {
        return 0;
    }
    if (h > 18 || m > 59 || sec > 59) return 0;
    int32_t off = sign * (h * 3600 + m * 60 + sec);
    if (off < -JAVA_OFFSET_MAX || off > JAVA_OFFSET_MAX) return 0;
    *offset = off;
    return 1;
}

static int read_file(const char *path, uint8_t **data, size_t *len)
{
    int fd;
    do {
        fd = open(path, O_RDONLY | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR || errno == ENAMETOOLONG || errno == ELOOP)
            return BOLT_E_TZ_UNKNOWN;
        return BOLT_E_IO;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        close(fd);
        return BOLT_E_IO;
    }
    if (!S_ISREG(st.st_mode)) { /* "Europe" is a directory, not a zone */
        close(fd);
        return BOLT_E_TZ_UNKNOWN;
    }
    if (st.st_size < 0 || (uint64_t)st.st_size > BV_TZ_FILE_MAX) {
        close(fd);
        return BOLT_E_TZ_DATA;
    }
    size_t size = (size_t)st.st_size;
    uint8_t *buf = bolt_malloc(size ? size : 1);
    if (!buf) {
        close(fd);
        return BOLT_E_NOMEM;
    }
    size_t got = 0;
    while (got < size) {
        ssize_t r = read(fd, buf + got, size - got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        got += (size_t)r;
    }
    close(fd);
    if (got != size) {
        bolt_free(buf);
        return BOLT_E_IO;
    }
    *data = buf;
    *len = size;
    return 0;
}

static int load_zone(const bv_tzdb *db, const char *name, bv_tz **out)
{
    size_t len = strlen(name);
    int32_t fixed;
    if (java_fixed_id(name, len, &fixed)) return bv_tz_fixed(fixed, name, out);
    if (!valid_zone_name(name, len)) return BOLT_E_TZ_UNKNOWN;
    size_t dl = strlen(db->dir);
    char *path = bolt_malloc(dl + 1 + len + 1);
    if (!path) return BOLT_E_NOMEM;
    memcpy(path, db->dir, dl);
    path[dl] = '/';
    memcpy(path + dl + 1, name, len + 1);
    uint8_t *data = NULL;
    size_t size = 0;
    int rc = read_file(path, &data, &size);
    bolt_free(path);
    if (rc) return rc;
    rc = bv_tz_parse(data, size, name, out);
    bolt_free(data);
    return rc;
}

static tz_entry *probe(const bv_tzdb *db, uint64_t h, const char *name, size_t len)
{
    size_t mask = db->cap - 1;
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        tz_entry *e = &db->slots[i];
        if (!e->name) return e;
        if (e->hash == h && e->len == len && memcmp(e->name, name, len) == 0) return e;
    }
}

static int grow(bv_tzdb *db)
{
    size_t ncap = db->cap ? db->cap * 2 : 32;
    tz_entry *ns = bolt_calloc(ncap, sizeof *ns);
    if (!ns) return BOLT_E_NOMEM;
    tz_entry *old = db->slots;
    size_t ocap = db->cap;
    db->slots = ns;
    db->cap = ncap;
    for (size_t i = 0; i < ocap; i++)
        if (old[i].name) *probe(db, old[i].hash, old[i].name, old[i].len) = old[i];
    bolt_free(old);
    return 0;
}

int bv_tzdb_get(bv_tzdb *db, const char *name, size_t len, const bv_tz **out)
{
    *out = NULL;
    if (!db || (!name && len)) return BOLT_E_INVAL;
    uint64_t h = XXH3_64bits(name, len);
    if (db->cap) {
        tz_entry *e = probe(db, h, name, len);
        if (e->name) {
            *out = e->tz;
            return e->err;
        }
    }
    /* Not cached. Ids that cannot name a zone are answered without touching the file system
     * (load_zone checks the syntax; an embedded NUL is caught here). */
    int err;
    bv_tz *tz = NULL;
    char *copy = bolt_strndup(name ? name : "", len);
    if (!copy) return BOLT_E_NOMEM;
    if (len > BV_TZ_NAME_MAX || strlen(copy) != len)
        err = BOLT_E_TZ_UNKNOWN;
    else
        err = load_zone(db, copy, &tz);
    if (err == BOLT_E_NOMEM || err == BOLT_E_IO) { /* transient: not cached */
        bolt_free(copy);
        return err;
    }
    if (err && db->negatives >= NEG_CACHE_MAX) {
        bolt_free(copy);
        return err;
    }
    if ((db->used + 1) * 4 > db->cap * 3 && grow(db) != 0) {
        bolt_free(copy);
        bv_tz_free(tz);
        return BOLT_E_NOMEM;
    }
    tz_entry *e = probe(db, h, name, len);
    e->hash = h;
    e->name = copy;
    e->len = (uint32_t)len;
    e->err = err;
    e->tz = tz;
    db->used++;
    if (err) db->negatives++;
    *out = tz;
    return err;
}
