/* The catalog of Neo4j 4.2 to 4.4: SHOW INDEXES / SHOW CONSTRAINTS (db.indexes() still exists
 * but is deprecated and gone in 5.0; SHOW has typed columns instead of a description to parse).
 * Token LOOKUP indexes appear from 4.3 on: compare treats them as expected. */
#include "catalog_internal.h"

const bv_catalog bv_catalog_42 = {
    .line = BV_LINE_42,
    .name = "4.2-4.4",
    .multi_database = 1,
    .components = bv_q_components,
    /* ... default, home (4.3+) */
    .databases = bv_q_databases,
    .labels = bv_q_labels,
    .rel_types = bv_q_rel_types,
    .prop_keys = bv_q_prop_keys,
    .count_nodes = bv_q_count_nodes,
    .count_rels = bv_q_count_rels,
    .count_label = bv_q_count_label,
    .count_type = bv_q_count_type,
    .count_out = bv_q_count_out,
    .count_in = bv_q_count_in,
    /* id, name, state, populationPercent, uniqueness, type, entityType, labelsOrTypes,
     * properties, indexProvider */
    .indexes = "SHOW INDEXES",
    /* id, name, type, entityType, labelsOrTypes, properties, ownedIndexId */
    .constraints = "SHOW CONSTRAINTS",
    .cov_nodes = bv_q_cov_nodes,
    .cov_rels = bv_q_cov_rels,
    .node_id_range = bv_q_node_id_range,
    .rel_id_range = bv_q_rel_id_range,
    .label_id_range = bv_q_label_id_range,
    .sample_keys = bv_q_sample_keys,
    .sample_ids = bv_q_sample_ids,
    .sample_window_keys = bv_q_sample_window_keys,
    .sample_window_ids = bv_q_sample_window_ids,
    .node_fetch = bv_q_node_fetch,
    .node_fetch_ids = bv_q_node_fetch_ids,
    .full_range = bv_q_full_range,
    .full_range_ids = bv_q_full_range_ids,
    .full_label = bv_q_full_label,
    .full_label_ids = bv_q_full_label_ids,
};
