/* verify/catalog_internal.h - INTERNAL: the query texts every server line shares (defined in
 * verify/catalog.c) and the catalogs themselves (one per verify/catalog_*.c). */
#ifndef VERIFY_CATALOG_INTERNAL_H
#define VERIFY_CATALOG_INTERNAL_H

#include "verify/catalog.h"

extern const char bv_q_components[];
extern const char bv_q_databases[];
extern const char bv_q_labels[];
extern const char bv_q_rel_types[];
extern const char bv_q_prop_keys[];
extern const char bv_q_count_nodes[];
extern const char bv_q_count_rels[];
extern const char bv_q_count_label[];
extern const char bv_q_count_type[];
extern const char bv_q_count_out[];
extern const char bv_q_count_in[];
extern const char bv_q_cov_nodes[];
extern const char bv_q_cov_rels[];
extern const char bv_q_node_id_range[];
extern const char bv_q_rel_id_range[];
extern const char bv_q_label_id_range[];
extern const char bv_q_sample_keys[];
extern const char bv_q_sample_ids[];
extern const char bv_q_sample_window_keys[];
extern const char bv_q_sample_window_ids[];
extern const char bv_q_node_fetch[];
extern const char bv_q_node_fetch_ids[];
extern const char bv_q_full_range[];
extern const char bv_q_full_range_ids[];
extern const char bv_q_full_label[];
extern const char bv_q_full_label_ids[];

/* The entries every server line shares, for a catalog's designated initializer: each
 * verify/catalog_*.c then spells only what is special about its line (name, databases, schema
 * queries). A field that any catalog sets itself stays out of this list: gcc -Wextra warns about
 * an initializer that overrides another. One field a line, as in the struct. */
/* clang-format off */
#define BV_CATALOG_SHARED_QUERIES \
    .components = bv_q_components, \
    .labels = bv_q_labels, \
    .rel_types = bv_q_rel_types, \
    .prop_keys = bv_q_prop_keys, \
    .count_nodes = bv_q_count_nodes, \
    .count_rels = bv_q_count_rels, \
    .count_label = bv_q_count_label, \
    .count_type = bv_q_count_type, \
    .count_out = bv_q_count_out, \
    .count_in = bv_q_count_in, \
    .cov_nodes = bv_q_cov_nodes, \
    .cov_rels = bv_q_cov_rels, \
    .node_id_range = bv_q_node_id_range, \
    .rel_id_range = bv_q_rel_id_range, \
    .label_id_range = bv_q_label_id_range, \
    .sample_keys = bv_q_sample_keys, \
    .sample_ids = bv_q_sample_ids, \
    .sample_window_keys = bv_q_sample_window_keys, \
    .sample_window_ids = bv_q_sample_window_ids, \
    .node_fetch = bv_q_node_fetch, \
    .node_fetch_ids = bv_q_node_fetch_ids, \
    .full_range = bv_q_full_range, \
    .full_range_ids = bv_q_full_range_ids, \
    .full_label = bv_q_full_label, \
    .full_label_ids = bv_q_full_label_ids
/* clang-format on */

extern const bv_catalog bv_catalog_35;
extern const bv_catalog bv_catalog_40;
extern const bv_catalog bv_catalog_42;
extern const bv_catalog bv_catalog_5;

#endif
