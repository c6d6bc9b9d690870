/* The catalog of Neo4j 3.5 (Bolt 3): one database, schema through procedures.
 *
 * The procedure calls are exactly those of the real 3.5.22 captures (40-45 in
 * /work/shared/captures/neo4j-3.5.22), whose column sets the measuring code reads by name. */
#include "catalog_internal.h"

/* The query texts every line shares are in catalog.c, listed by BV_CATALOG_SHARED_QUERIES
 * (catalog_internal.h); only what differs is spelled here. */
const bv_catalog bv_catalog_35 = {
    .line = BV_LINE_35,
    .name = "3.5",
    .multi_database = 0,
    .databases = NULL, /* one database, no "system" */
    /* description, indexName, tokenNames, properties, state, type, progress, provider (a map
     * {key, version}), id, failureMessage (capture 44) */
    .indexes = "CALL db.indexes()",
    /* description only: "CONSTRAINT ON ( person:Person ) ASSERT person.uid IS UNIQUE" (45) */
    .constraints = "CALL db.constraints()",
    BV_CATALOG_SHARED_QUERIES,
};
