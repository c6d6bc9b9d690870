/* The catalog of Neo4j 4.0 and 4.1: databases (the RUN names the one measured; SHOW DATABASES
 * runs on "system"), schema still through db.indexes() / db.constraints(): SHOW INDEXES only
 * arrived in 4.2. */
#include "catalog_internal.h"

const bv_catalog bv_catalog_40 = {
    .line = BV_LINE_40,
    .name = "4.0-4.1",
    .multi_database = 1,
    /* name, address, role, requestedStatus, currentStatus, error, default */
    .databases = bv_q_databases,
    /* id, name, state, populationPercent, uniqueness, type, entityType, labelsOrTypes,
     * properties, provider */
    .indexes = "CALL db.indexes()",
    /* name, description: the description is parsed as on 3.5 */
    .constraints = "CALL db.constraints()",
    BV_CATALOG_SHARED_QUERIES,
};
