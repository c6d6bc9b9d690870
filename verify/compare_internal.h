/* verify/compare_internal.h - what compare.c, compare_schema.c and compare_sample.c share.
 * Not a public header: the engine's public contract is include/verify/compare.h. */
#ifndef VERIFY_COMPARE_INTERNAL_H
#define VERIFY_COMPARE_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>

#include "verify/compare.h"
#include "verify/model.h"

/* A growable string on the library allocator. After an allocation failure `oom` is set, every
 * later call does nothing and the owner returns BOLT_E_NOMEM; this keeps the formatting code
 * free of an error check per fragment. */
typedef struct cmp_sb {
    char *p;
    size_t len, cap;
    int oom;
} cmp_sb;

void cmp_sb_init(cmp_sb *b);
void cmp_sb_free(cmp_sb *b);
void cmp_sb_reset(cmp_sb *b); /* empties, keeps the memory and the oom flag */
void cmp_sb_puts(cmp_sb *b, const char *s);
void cmp_sb_printf(cmp_sb *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* A label, type or property name as Cypher would accept it: back-quoted (with ` doubled)
 * unless it is a plain identifier. */
void cmp_sb_name(cmp_sb *b, const char *name);
const char *cmp_sb_str(const cmp_sb *b); /* "" when empty */

/* Where the divergences of one (baseline, target) pair go. */
typedef struct cmp_ctx {
    const bv_measurement *b, *t;
    size_t bi, ti;
    bv_divergences *out;
} cmp_ctx;

int cmp_add(cmp_ctx *c, unsigned check, bv_severity sev, const char *kind, const char *subject,
            const char *bval, const char *tval, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 8, 9)))
#endif
    ;

int cmp_schema(cmp_ctx *c);
int cmp_sample(cmp_ctx *c);
/* Key-matched node lists (compare_sample.c): the nodes of `label` (NULL: all) in b and t, as
 * divergences of `check`; a full check (BV_CHECK_FULL) reads a key absent from one list as absent
 * from that instance. After `limit` divergent keys (0: no limit) the rest are only counted in
 * *more. Returns the divergent keys reported, or BOLT_E_NOMEM. */
int cmp_nodes(cmp_ctx *c, unsigned check, const bv_sample_node *b, size_t bn,
              const bv_sample_node *t, size_t tn, const char *label, size_t limit,
              size_t *more);

/* Sorted array of pointers to the strings of v (bolt_free the array only). NULL with n > 0
 * means out of memory. */
const char **cmp_sorted_strv(char *const *v, size_t n);
int cmp_strp_cmp(const void *a, const void *b);

#endif
