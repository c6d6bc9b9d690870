/* Synthetic measurements for the verify tests: see vfixture.h. */
#include "vfixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bolt/alloc.h"

static void *must(void *p)
{
    if (!p) {
        fprintf(stderr, "vfixture: out of memory\n");
        abort();
    }
    return p;
}

char *vf_strdup(const char *s)
{
    return s ? must(bolt_strndup(s, strlen(s))) : NULL;
}

bv_h128 vf_h(uint64_t n)
{
    bv_h128 h = {n, 0};
    return h;
}

void vf_inventory(bv_measurement *m, const char *agent, const char *version, const char *edition,
                  const char *bolt, const char *database)
{
    bv_inventory *inv = &m->inventory;
    inv->server_agent = vf_strdup(agent);
    inv->version = vf_strdup(version);
    inv->edition = vf_strdup(edition);
    inv->bolt_version = vf_strdup(bolt);
    inv->database = vf_strdup(database);
}

void vf_databases(bv_measurement *m, const char *const *names)
{
    size_t n = 0;
    while (names[n])
        n++;
    m->inventory.databases = must(bolt_calloc(n ? n : 1, sizeof(char *)));
    for (size_t i = 0; i < n; i++)
        m->inventory.databases[i] = vf_strdup(names[i]);
    m->inventory.database_count = n;
}

void vf_count(bv_counts *c, const char *key, int64_t n)
{
    if (bv_counts_set(c, key, n) != 0) must(NULL);
}

static bv_schema_item *new_item(bv_measurement *m)
{
    m->schema = must(bolt_realloc(m->schema, (m->schema_count + 1) * sizeof *m->schema));
    bv_schema_item *it = &m->schema[m->schema_count++];
    memset(it, 0, sizeof *it);
    return it;
}

void vf_schema_row(bv_measurement *m, const bv_schema_row *row)
{
    bv_schema_item it;
    if (bv_schema_normalize(row, &it) != 0) must(NULL);
    *new_item(m) = it;
}

static char **split(const char *csv, size_t *n)
{
    *n = 0;
    if (!csv || !*csv) return NULL;
    char **v = NULL;
    const char *p = csv;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        v = must(bolt_realloc(v, (*n + 1) * sizeof *v));
        v[(*n)++] = must(bolt_strndup(p, len));
        if (!comma) break;
        p = comma + 1;
    }
    return v;
}

void vf_schema_item(bv_measurement *m, int rel, bv_schema_kind kind, const char *tokens,
                    const char *props, const char *name, const char *provider, const char *raw_type)
{
    bv_schema_item *it = new_item(m);
    it->is_relationship = rel;
    it->kind = kind;
    it->tokens = split(tokens, &it->token_count);
    it->props = split(props, &it->prop_count);
    it->name = vf_strdup(name);
    it->provider = vf_strdup(provider);
    it->raw_type = vf_strdup(raw_type);
}

bv_coverage *vf_coverage(bv_measurement *m, const char *token, int rel)
{
    m->coverage = must(bolt_realloc(m->coverage, (m->coverage_count + 1) * sizeof *m->coverage));
    bv_coverage *cv = &m->coverage[m->coverage_count++];
    memset(cv, 0, sizeof *cv);
    cv->token = vf_strdup(token);
    cv->is_relationship = rel;
    return cv;
}

bv_sample_node *vf_node(bv_measurement *m, const char *label, const char *key_prop,
                        const char *key_text, uint64_t node_hash)
{
    m->sample = must(bolt_realloc(m->sample, (m->sample_count + 1) * sizeof *m->sample));
    bv_sample_node *n = &m->sample[m->sample_count++];
    memset(n, 0, sizeof *n);
    n->label = vf_strdup(label);
    n->key_prop = vf_strdup(key_prop);
    n->key_text = vf_strdup(key_text);
    n->node_hash = vf_h(node_hash);
    return n;
}

void vf_field(bv_sample_node *n, bv_field_kind kind, const char *name, uint64_t hash,
              const char *rendering, unsigned notes)
{
    n->fields = must(bolt_realloc(n->fields, (n->field_count + 1) * sizeof *n->fields));
    bv_field_hash *f = &n->fields[n->field_count++];
    f->kind = kind;
    f->name = vf_strdup(name);
    f->hash = vf_h(hash);
    f->rendering = vf_strdup(rendering);
    f->notes = notes;
}

void vf_full(bv_measurement *m, const char *label, int64_t nodes, uint64_t digest)
{
    vf_count(&m->full_labels, label, nodes);
    m->full_digests =
        must(bolt_realloc(m->full_digests, m->full_labels.len * sizeof *m->full_digests));
    const bv_count *e = bv_counts_find(&m->full_labels, label);
    m->full_digests[e - m->full_labels.items] = vf_h(digest);
}

/* ---- the capture graph ---------------------------------------------------------------------- */

static void graph_data(bv_measurement *m)
{
    m->checks = BV_CHECK_ALL;
    const char *labels[] = {"Person", "Employee", "Company"};
    for (int i = 0; i < 3; i++)
        vf_count(&m->labels, labels[i], 1);
    const char *types[] = {"KNOWS", "LIKES", "WORKS_AT"};
    for (int i = 0; i < 3; i++)
        vf_count(&m->rel_types, types[i], 1);
    const char *keys[] = {"uid", "name", "since"};
    for (int i = 0; i < 3; i++)
        vf_count(&m->prop_keys, keys[i], 1);
    m->node_count = 4;
    m->rel_count = 5;
    vf_count(&m->label_counts, "Person", 3);
    vf_count(&m->label_counts, "Employee", 1);
    vf_count(&m->label_counts, "Company", 1);
    vf_count(&m->type_counts, "KNOWS", 2);
    vf_count(&m->type_counts, "LIKES", 1);
    vf_count(&m->type_counts, "WORKS_AT", 2);
    vf_count(&m->out_counts, "(:Person)-[:KNOWS]->()", 2);
    vf_count(&m->out_counts, "(:Person)-[:WORKS_AT]->()", 2);
    vf_count(&m->in_counts, "()-[:WORKS_AT]->(:Company)", 2);
    bv_coverage *cv = vf_coverage(m, "Person", 0);
    vf_count(&cv->keys, "uid", 3);
    vf_count(&cv->keys, "name", 2);
    cv = vf_coverage(m, "KNOWS", 1);
    vf_count(&cv->keys, "since", 2);

    bv_sample_node *n = vf_node(m, "Person", "uid", "1", 101);
    vf_field(n, BV_FIELD_LABELS, "labels", 11, ":Person", 0);
    vf_field(n, BV_FIELD_PROPERTY, "name", 12, "\"Alice\"", 0);
    vf_field(n, BV_FIELD_PROPERTY, "uid", 13, "1", 0);
    vf_field(n, BV_FIELD_RELS, "KNOWS>", 14, "2 relationships", 0);
    n = vf_node(m, "Person", "uid", "2", 102);
    vf_field(n, BV_FIELD_LABELS, "labels", 21, ":Employee:Person", 0);
    vf_field(n, BV_FIELD_PROPERTY, "uid", 23, "2", 0);
    n = vf_node(m, "Person", "uid", "3", 103);
    vf_field(n, BV_FIELD_LABELS, "labels", 11, ":Person", 0);
    vf_field(n, BV_FIELD_PROPERTY, "name", 32, "\"\"", 0);
    vf_field(n, BV_FIELD_PROPERTY, "uid", 33, "3", 0);
    vf_full(m, "Company", 1, 0xC0);
    vf_full(m, "Employee", 1, 0xE0);
    vf_full(m, "Person", 3, 0xF0);
    m->seed = 42;
    m->sample_size = 3;
}

void vf_graph35(bv_measurement *m)
{
    vf_inventory(m, "Neo4j/3.5.22-SNAPSHOT", "3.5.22-SNAPSHOT", "community", "3", NULL);
    graph_data(m);
    const char *person[] = {"Person"}, *company[] = {"Company"};
    const char *name[] = {"name"}, *uid[] = {"uid"};
    bv_schema_row r = {0};
    r.source = BV_ROW_INDEX;
    r.name = "Unnamed index";
    r.type = "node_label_property";
    r.tokens = person, r.token_count = 1, r.props = name, r.prop_count = 1;
    r.provider_key = "native-btree", r.provider_version = "1.0";
    vf_schema_row(m, &r);
    r.name = "index_8", r.type = "node_unique_property", r.tokens = company;
    vf_schema_row(m, &r);
    r.name = "index_1", r.tokens = person, r.props = uid;
    vf_schema_row(m, &r);
    bv_schema_row c = {0};
    c.source = BV_ROW_CONSTRAINT;
    c.description = "CONSTRAINT ON ( company:Company ) ASSERT company.name IS UNIQUE";
    vf_schema_row(m, &c);
    c.description = "CONSTRAINT ON ( person:Person ) ASSERT person.uid IS UNIQUE";
    vf_schema_row(m, &c);
}

static void lookups(bv_measurement *m, const char *node_name, const char *rel_name)
{
    bv_schema_row r = {0};
    r.source = BV_ROW_INDEX;
    r.type = "LOOKUP";
    r.provider = "token-lookup-1.0";
    r.name = node_name;
    r.entity_type = "NODE";
    vf_schema_row(m, &r);
    r.name = rel_name;
    r.entity_type = "RELATIONSHIP";
    vf_schema_row(m, &r);
}

void vf_graph44(bv_measurement *m)
{
    vf_inventory(m, "Neo4j/4.4.40", "4.4.40", "enterprise", "4.4", "neo4j");
    const char *dbs[] = {"neo4j", "system", NULL};
    vf_databases(m, dbs);
    graph_data(m);
    const char *person[] = {"Person"}, *company[] = {"Company"};
    const char *name[] = {"name"}, *uid[] = {"uid"};
    bv_schema_row r = {0};
    r.source = BV_ROW_INDEX;
    r.entity_type = "NODE";
    r.type = "BTREE";
    r.provider = "native-btree-1.0";
    r.name = "index_5c0e4f5", r.uniqueness = "NONUNIQUE";
    r.tokens = person, r.token_count = 1, r.props = name, r.prop_count = 1;
    vf_schema_row(m, &r);
    r.name = "constraint_1", r.uniqueness = "UNIQUE", r.tokens = company;
    vf_schema_row(m, &r);
    r.name = "constraint_2", r.tokens = person, r.props = uid;
    vf_schema_row(m, &r);
    lookups(m, "index_343aff4e", "index_f7700477");
    bv_schema_row c = {0};
    c.source = BV_ROW_CONSTRAINT;
    c.type = "UNIQUENESS", c.entity_type = "NODE";
    c.name = "constraint_1", c.tokens = company, c.token_count = 1, c.props = name;
    c.prop_count = 1;
    vf_schema_row(m, &c);
    c.name = "constraint_2", c.tokens = person, c.props = uid;
    vf_schema_row(m, &c);
}

void vf_graph5(bv_measurement *m)
{
    vf_inventory(m, "Neo4j/5.26.0", "5.26.0", "enterprise", "5.8", "neo4j");
    const char *dbs[] = {"neo4j", "system", NULL};
    vf_databases(m, dbs);
    graph_data(m);
    const char *person[] = {"Person"}, *company[] = {"Company"};
    const char *name[] = {"name"}, *uid[] = {"uid"};
    bv_schema_row r = {0};
    r.source = BV_ROW_INDEX;
    r.entity_type = "NODE";
    r.type = "RANGE";
    r.provider = "range-1.0";
    r.name = "index_5c0e4f5";
    r.tokens = person, r.token_count = 1, r.props = name, r.prop_count = 1;
    vf_schema_row(m, &r);
    r.name = "constraint_1", r.owning_constraint = "constraint_1", r.tokens = company;
    vf_schema_row(m, &r);
    r.name = "constraint_2", r.owning_constraint = "constraint_2", r.tokens = person;
    r.props = uid;
    vf_schema_row(m, &r);
    lookups(m, "index_343aff4e", "index_f7700477");
    bv_schema_row c = {0};
    c.source = BV_ROW_CONSTRAINT;
    c.entity_type = "NODE";
    c.type = "UNIQUENESS";
    c.name = "constraint_1", c.tokens = company, c.token_count = 1, c.props = name;
    c.prop_count = 1;
    vf_schema_row(m, &c);
    c.type = "NODE_PROPERTY_UNIQUENESS"; /* the 5.x spelling after the 5.7 rename */
    c.name = "constraint_2", c.tokens = person, c.props = uid;
    vf_schema_row(m, &c);
}
