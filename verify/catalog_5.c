/* The catalog of Neo4j 5.x and the calendar versions (2025.x, 2026.x): SHOW only (db.indexes()
 * and db.constraints() were removed in 5.0), RANGE/TEXT/POINT instead of BTREE, owningConstraint
 * and ownedIndex by name. id() is deprecated in favour of elementId() but still answers, and the
 * partitioned scans need integer ranges: elementId() strings cannot be ranged over. */
#include "catalog_internal.h"

const bv_catalog bv_catalog_5 = {
    .line = BV_LINE_5,
    .name = "5.x/2025.x",
    .multi_database = 1,
    .components = bv_q_components,
    /* one row per database and server in a cluster: names are deduplicated */
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
    /* id, name, state, populationPercent, type, entityType, labelsOrTypes, properties,
     * indexProvider, owningConstraint, lastRead, readCount */
    .indexes = "SHOW INDEXES",
    /* id, name, type, entityType, labelsOrTypes, properties, ownedIndex, propertyType (5.9+) */
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
