/* tests/common/vfixture.h - synthetic measurements for the verify engine tests (compare,
 * result, reports). Everything is allocated with bolt_malloc so that bv_measurement_free()
 * releases it; builders abort the test program when memory runs out (build fixtures before
 * installing a failing allocator). Hashes are given as one 64-bit number: {lo = n, hi = 0}. */
#ifndef BOLTDIFF_TEST_VFIXTURE_H
#define BOLTDIFF_TEST_VFIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "verify/compare.h"
#include "verify/model.h"

char *vf_strdup(const char *s); /* NULL stays NULL */
bv_h128 vf_h(uint64_t n);

void vf_inventory(bv_measurement *m, const char *agent, const char *version, const char *edition,
                  const char *bolt, const char *database);
/* Sets inventory.databases to the NULL-terminated list. */
void vf_databases(bv_measurement *m, const char *const *names);
void vf_count(bv_counts *c, const char *key, int64_t n);

/* Normalises the row (bv_schema_normalize) and appends the item. */
void vf_schema_row(bv_measurement *m, const bv_schema_row *row);
/* Appends an item built by hand: tokens and props are comma-separated ("" for none). */
void vf_schema_item(bv_measurement *m, int rel, bv_schema_kind kind, const char *tokens,
                    const char *props, const char *name, const char *provider,
                    const char *raw_type);

bv_coverage *vf_coverage(bv_measurement *m, const char *token, int rel);

bv_sample_node *vf_node(bv_measurement *m, const char *label, const char *key_prop,
                        const char *key_text, uint64_t node_hash);
void vf_field(bv_sample_node *n, bv_field_kind kind, const char *name, uint64_t hash,
              const char *rendering, unsigned notes);

void vf_full(bv_measurement *m, const char *label, int64_t nodes, uint64_t digest);

/* The 3.5.22 capture graph (tests' shared example), every check measured:
 *   Person {uid 1, 2 (also Employee), 3}, Company {name 'Acme'}, KNOWS x2, LIKES, WORKS_AT x2;
 *   schema as db.indexes()/db.constraints() listed it (captures 44, 45). */
void vf_graph35(bv_measurement *m);
/* The same graph as a 4.4 server lists it: BTREE indexes with generated names, uniqueness
 * constraints from SHOW CONSTRAINTS, node and relationship lookup indexes. */
void vf_graph44(bv_measurement *m);
/* The same graph on 5.x: RANGE indexes, owningConstraint, lookup indexes. */
void vf_graph5(bv_measurement *m);

#endif
