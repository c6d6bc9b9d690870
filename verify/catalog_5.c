/* The catalog of Neo4j 5.x and the calendar versions (2025.x, 2026.x): SHOW only (db.indexes()
 * and db.constraints() were removed in 5.0), RANGE/TEXT/POINT instead of BTREE, owningConstraint
 * and ownedIndex by name. id() is deprecated in favour of elementId() but still answers, and the
 * partitioned scans need integer ranges: elementId() strings cannot be ranged over. */
#include "catalog_internal.h"

const bv_catalog bv_catalog_5 = {
    .line = BV_LINE_5,
    .name = "5.x/2025.x",
    .multi_database = 1,
    /* one row per database and server in a cluster: names are deduplicated */
    .databases = bv_q_databases,
    /* id, name, state, populationPercent, type, entityType, labelsOrTypes, properties,
     * indexProvider, owningConstraint, lastRead, readCount */
    .indexes = "SHOW INDEXES",
    /* id, name, type, entityType, labelsOrTypes, properties, ownedIndex, propertyType (5.9+) */
    .constraints = "SHOW CONSTRAINTS",
    BV_CATALOG_SHARED_QUERIES,
};
