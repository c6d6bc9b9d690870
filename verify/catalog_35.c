/* The catalog of Neo4j 3.5 (Bolt 3): one database, schema through procedures.
 *
 * The procedure calls are exactly those of the real 3.5.22 captures (40-45 in
 * /work/shared/captures/neo4j-3.5.22), whose column sets the measuring code reads by name. */
#include "catalog_internal.h"

/* Shapes shared by every line are in catalog.c; only what differs is spelled here. */
const bv_catalog bv_catalog_35 = {
    .line = BV_LINE_35,
    .name = "3.5",
    .multi_database = 0,
    .components = bv_q_components,
    .databases = NULL, /* one database, no "system" */
    .labels = bv_q_labels,
    .rel_types = bv_q_rel_types,
    .prop_keys = bv_q_prop_keys,
    .count_nodes = bv_q_count_nodes,
    .count_rels = bv_q_count_rels,
    .count_label = bv_q_count_label,
    .count_type = bv_q_count_type,
    .count_out = bv_q_count_out,
    .count_in = bv_q_count_in,
    /* description, indexName, tokenNames, properties, state, type, progress, provider (a map
     * {key, version}), id, failureMessage (capture 44) */
    .indexes = "CALL db.indexes()",
    /* description only: "CONSTRAINT ON ( person:Person ) ASSERT person.uid IS UNIQUE" (45) */
    .constraints = "CALL db.constraints()",
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
