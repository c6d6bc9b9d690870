/* The catalog of Neo4j 4.2 to 4.4: SHOW INDEXES / SHOW CONSTRAINTS (db.indexes() still exists
 * but is deprecated and gone in 5.0; SHOW has typed columns instead of a description to parse).
 * Token LOOKUP indexes appear from 4.3 on: compare treats them as expected. */
#include "catalog_internal.h"

const bv_catalog bv_catalog_42 = {
    .line = BV_LINE_42,
    .name = "4.2-4.4",
    .multi_database = 1,
    /* ... default, home (4.3+) */
    .databases = bv_q_databases,
    /* id, name, state, populationPercent, uniqueness, type, entityType, labelsOrTypes,
     * properties, indexProvider */
    .indexes = "SHOW INDEXES",
    /* id, name, type, entityType, labelsOrTypes, properties, ownedIndexId */
    .constraints = "SHOW CONSTRAINTS",
    BV_CATALOG_SHARED_QUERIES,
};
