/* bolt/value.h - decoded Bolt values and the per-version structure rules.
 *
 * A bolt_value is a 16-byte tagged node of a tree. The tree is produced by the PackStream
 * decoder (packstream.h) into a bolt_arena and, for strings and byte arrays, points INTO the
 * buffer that was decoded (zero copy): a decoded value is valid while both that buffer and the
 * arena are unchanged. Nothing in a decoded tree is owned by the caller or freed one by one.
 *
 * Structures that Bolt defines (Node, DateTime, Point, ...) are validated while decoding
 * against the rules of the negotiated version (bolt_dialect) and get a type of their own; their
 * fields stay in `u.items` in wire order, with the field index constants below. Which DateTime
 * encoding was on the wire is kept (BOLT_T_DATETIME with or without BOLT_VF_LEGACY), because
 * the meaning of the seconds field differs: see bolt-reference 5.3. Converting to a canonical
 * form is the verify engine's job (verify/canon), never the decoder's.
 */
#ifndef BOLT_VALUE_H
#define BOLT_VALUE_H

#include <stddef.h>
#include <stdint.h>

#include "bolt/alloc.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum bolt_type {
    BOLT_T_NULL = 0,
    BOLT_T_BOOL,
    BOLT_T_INT,
    BOLT_T_FLOAT,
    BOLT_T_STRING, /* u.str, len bytes of UTF-8, NOT NUL-terminated */
    BOLT_T_BYTES,  /* u.bytes, len bytes */
    BOLT_T_LIST,   /* u.items[0..len) */
    BOLT_T_MAP,    /* u.items[0..2*len): key (BOLT_T_STRING), value, key, value ... wire order */
    BOLT_T_STRUCT, /* a structure with an unknown tag (only with BOLT_DECODE_RAW_STRUCTS) */
    /* Bolt structures, fields in u.items[0..len) as on the wire (indices below). */
    BOLT_T_NODE,           /* 'N' 0x4E */
    BOLT_T_RELATIONSHIP,   /* 'R' 0x52 */
    BOLT_T_UNBOUND_REL,    /* 'r' 0x72 */
    BOLT_T_PATH,           /* 'P' 0x50 (indices validated) */
    BOLT_T_DATE,           /* 'D' 0x44 */
    BOLT_T_TIME,           /* 'T' 0x54 */
    BOLT_T_LOCAL_TIME,     /* 't' 0x74 */
    BOLT_T_DATETIME,       /* 'I' 0x49, or legacy 'F' 0x46 with BOLT_VF_LEGACY */
    BOLT_T_DATETIME_ZONE,  /* 'i' 0x69, or legacy 'f' 0x66 with BOLT_VF_LEGACY */
    BOLT_T_LOCAL_DATETIME, /* 'd' 0x64 */
    BOLT_T_DURATION,       /* 'E' 0x45 */
    BOLT_T_POINT2D,        /* 'X' 0x58 */
    BOLT_T_POINT3D,        /* 'Y' 0x59 */
    BOLT_T_VECTOR,         /* 'V' 0x56, Bolt 6.0+ */
    BOLT_T_UNSUPPORTED,    /* '?' 0x3F, Bolt 6.0+ */
    BOLT_T__COUNT
} bolt_type;

/* bolt_value.flags */
#define BOLT_VF_LEGACY 0x01u /* DateTime came as legacy F/f: seconds are local wall clock */

typedef struct bolt_value bolt_value;
struct bolt_value {
    uint8_t type;  /* bolt_type */
    uint8_t tag;   /* structure tag as on the wire (0 for non-structures) */
    uint8_t flags; /* BOLT_VF_* */
    uint8_t reserved;
    uint32_t len; /* bytes (string, bytes), items (list), entries (map), fields (structs) */
    union {
        int64_t i;   /* BOLT_T_INT; BOLT_T_BOOL uses 0/1 */
        double f;    /* BOLT_T_FLOAT */
        const char *str;
        const uint8_t *bytes;
        bolt_value *items;
    } u;
};

/* Field indices of the Bolt structures (bolt-reference 5.1). */
enum {
    BOLT_NODE_ID = 0, BOLT_NODE_LABELS = 1, BOLT_NODE_PROPS = 2, BOLT_NODE_ELEMENT_ID = 3,
    BOLT_REL_ID = 0, BOLT_REL_START = 1, BOLT_REL_END = 2, BOLT_REL_TYPE = 3, BOLT_REL_PROPS = 4,
    BOLT_REL_ELEMENT_ID = 5, BOLT_REL_START_ELEMENT_ID = 6, BOLT_REL_END_ELEMENT_ID = 7,
    BOLT_UREL_ID = 0, BOLT_UREL_TYPE = 1, BOLT_UREL_PROPS = 2, BOLT_UREL_ELEMENT_ID = 3,
    BOLT_PATH_NODES = 0, BOLT_PATH_RELS = 1, BOLT_PATH_INDICES = 2,
    BOLT_DATE_DAYS = 0,
    BOLT_TIME_NANOS = 0, BOLT_TIME_OFFSET = 1,
    BOLT_LTIME_NANOS = 0,
    BOLT_DT_SECONDS = 0, BOLT_DT_NANOS = 1, BOLT_DT_OFFSET = 2, /* DATETIME */
    BOLT_DTZ_SECONDS = 0, BOLT_DTZ_NANOS = 1, BOLT_DTZ_ZONE = 2, /* DATETIME_ZONE */
    BOLT_LDT_SECONDS = 0, BOLT_LDT_NANOS = 1,
    BOLT_DUR_MONTHS = 0, BOLT_DUR_DAYS = 1, BOLT_DUR_SECONDS = 2, BOLT_DUR_NANOS = 3,
    BOLT_POINT_SRID = 0, BOLT_POINT_X = 1, BOLT_POINT_Y = 2, BOLT_POINT_Z = 3,
    BOLT_VEC_TYPE = 0, BOLT_VEC_DATA = 1,
    BOLT_UNSUP_NAME = 0, BOLT_UNSUP_MIN_MAJOR = 1, BOLT_UNSUP_MIN_MINOR = 2, BOLT_UNSUP_EXTRA = 3
};

/* What the negotiated protocol allows inside values. Build it with bolt_dialect_for(). */
typedef struct bolt_dialect {
    uint8_t major, minor;
    uint8_t utc_datetime; /* 1: DateTime is I/i (5.0+, or 4.3/4.4 with the utc patch echoed);
                             0: legacy F/f. The other pair is rejected as BOLT_E_BAD_STRUCT. */
    uint8_t element_ids;  /* 1 from 5.0: Node 4, Relationship 8, UnboundRelationship 4 fields */
    uint8_t vectors;      /* 1 from 6.0: Vector and UnsupportedType structures */
    uint8_t temporal;     /* 0 on Bolt 1 (no temporal/spatial structures), 1 from Bolt 2 */
} bolt_dialect;

/* Rules for Bolt major.minor; utc_patch_echoed only matters on 4.3/4.4. */
void bolt_dialect_for(bolt_dialect *d, unsigned major, unsigned minor, int utc_patch_echoed);

/* Human name of a type ("String", "Node", ...). Static storage. */
const char *bolt_type_name(bolt_type t);

/* Helpers for reading decoded trees. NULL / 0 when absent or of another type. */
const bolt_value *bolt_map_get(const bolt_value *map, const char *key); /* last occurrence wins */
const bolt_value *bolt_map_getn(const bolt_value *map, const char *key, size_t keylen);
int bolt_value_str_eq(const bolt_value *v, const char *s); /* 1 if a STRING equal to s */

/* Building values by hand (parameters, tests). These never allocate: they fill *v. */
static inline bolt_value bolt_null(void) { bolt_value v = {0}; v.type = BOLT_T_NULL; return v; }
static inline bolt_value bolt_bool(int b) { bolt_value v = {0}; v.type = BOLT_T_BOOL; v.u.i = b != 0; return v; }
static inline bolt_value bolt_int(int64_t i) { bolt_value v = {0}; v.type = BOLT_T_INT; v.u.i = i; return v; }
static inline bolt_value bolt_float(double f) { bolt_value v = {0}; v.type = BOLT_T_FLOAT; v.u.f = f; return v; }
bolt_value bolt_string(const char *s); /* strlen(s) bytes, not copied */
static inline bolt_value bolt_stringn(const char *s, size_t n) { bolt_value v = {0}; v.type = BOLT_T_STRING; v.len = (uint32_t)n; v.u.str = s; return v; }
static inline bolt_value bolt_bytesv(const uint8_t *b, size_t n) { bolt_value v = {0}; v.type = BOLT_T_BYTES; v.len = (uint32_t)n; v.u.bytes = b; return v; }
static inline bolt_value bolt_list(bolt_value *items, size_t n) { bolt_value v = {0}; v.type = BOLT_T_LIST; v.len = (uint32_t)n; v.u.items = items; return v; }
/* kv holds 2*n values: key, value, ... */
static inline bolt_value bolt_map(bolt_value *kv, size_t n) { bolt_value v = {0}; v.type = BOLT_T_MAP; v.len = (uint32_t)n; v.u.items = kv; return v; }

/* Deep equality of two trees (same type, same fields; maps compared as sets of keys where the
 * last duplicate wins; floats compared bit for bit, so NaN equals the same NaN and -0.0 differs
 * from 0.0; structures also need the same wire tag, so F never equals I). Used by tests and
 * snapshots. Trees deeper than BOLT_MAX_DEPTH_LIMIT (packstream.h) compare unequal. */
int bolt_value_equal(const bolt_value *a, const bolt_value *b);

/* Deep copy of src into the arena a, strings and byte arrays included, so that *dst stays
 * valid once src's buffer and arena are gone: a query's parameters outlive the caller's tree
 * (bolt_conn_run, the verify scheduler's retries). *dst lives in a (freed with it, nothing one
 * by one). 0 or BOLT_E_NOMEM (then *dst must not be used; what was allocated stays in a). */
int bolt_value_clone(bolt_arena *a, const bolt_value *src, bolt_value *dst);

/* Writes a readable, single-line rendering (JSON-like, for logs and test failures) into buf,
 * always NUL-terminated when size > 0; returns the length it needed, without the NUL (like
 * snprintf). Deterministic and locale independent; golden tests may compare against it:
 *   Null, Boolean   null  true  false
 *   Integer         -42
 *   Float           shortest text that reads back to the same bits, always with '.' or 'e':
 *                   1.23  1.0  -0.0  1e+300  NaN  Infinity  -Infinity
 *   String          JSON-escaped in double quotes ("a\"b\n", control chars as \u00XX); valid
 *                   UTF-8 is kept as is, bytes that are not valid UTF-8 are written \xNN
 *   Bytes           '#' then lowercase hex: #00ff10 (empty: #)
 *   List            [1, "a", null]
 *   Map             {uid: 1, "first name": "A"}  in wire order, duplicates shown; keys that are
 *                   identifiers ([A-Za-z_][A-Za-z0-9_]*) are bare, others JSON-quoted
 *   Node, Relationship, UnboundRelationship, Path
 *                   Name(fields in wire order): Node(0, ["Person"], {uid: 1})
 *                   (5.0+: Node(0, ["Person"], {uid: 1}, "4:db:0"))
 *   other Bolt structures
 *                   wire tag letter(fields), as bolt-reference writes them, because F/I and f/i
 *                   are one type with different meanings: F(1592231400, 123, 7200),
 *                   I(1592224200, 123, 7200), f(1592231400, 123, "Europe/Berlin"), D(18428),
 *                   T(nanos, offset), t(nanos), d(s, ns), E(0, 0, -2, 500000000),
 *                   X(7203, 1.0, 2.0), Y(...), V(#c6, #3f800000), ?(name, 6, 0, {})
 *   raw structure   Struct<0x7A>(fields)
 * Containers nested deeper than BOLT_MAX_DEPTH_LIMIT print as "...". */
size_t bolt_value_format(const bolt_value *v, char *buf, size_t size);

#ifdef __cplusplus
}
#endif
#endif
