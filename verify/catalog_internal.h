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

extern const bv_catalog bv_catalog_35;
extern const bv_catalog bv_catalog_40;
extern const bv_catalog bv_catalog_42;
extern const bv_catalog bv_catalog_5;

#endif
