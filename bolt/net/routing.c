/* neo4j:// routing tables (bolt-reference 8): parsing the table a server returns (ROUTE's
 * `rt`, or the record of dbms.cluster.routing.getRoutingTable / dbms.routing.getRoutingTable),
 * and a small cache that honours the TTL and spreads connections over the READ members.
 * Fetching the table is part of the connection's setup (conn_query.c). */
#include "bolt/net.h"

#include <string.h>

#include "bolt/error.h"

/* A TTL beyond this is treated as this: keeps expires from overflowing and makes a bogus
 * "forever" table expire some day. */
#define TTL_MAX_S (7 * 24 * 3600)

void bolt_routing_table_free(bolt_routing_table *t)
{
    if (!t) return;
    char **lists[3] = {t->routers, t->readers, t->writers};
    size_t counts[3] = {t->router_count, t->reader_count, t->writer_count};
    for (int l = 0; l < 3; l++) {
        for (size_t i = 0; i < counts[l]; i++)
            bolt_free(lists[l][i]);
        bolt_free(lists[l]);
    }
    bolt_free(t->db);
    memset(t, 0, sizeof *t);
}

static int add_address(char ***list, size_t *count, const bolt_value *addr)
{
    if (addr->type != BOLT_T_STRING || addr->len == 0 || addr->len > 300) return BOLT_E_ROUTING;
    char host[300];
    unsigned port;
    char *s = bolt_strndup(addr->u.str, addr->len);
    if (!s) return BOLT_E_NOMEM;
    if (bolt_address_split(s, host, sizeof host, &port) != 0) {
        bolt_free(s);
        return BOLT_E_ROUTING;
    }
    char **grown = bolt_realloc(*list, (*count + 1) * sizeof *grown);
    if (!grown) {
        bolt_free(s);
        return BOLT_E_NOMEM;
    }
    grown[*count] = s;
    *list = grown;
    (*count)++;
    return 0;
}

static int parse(const bolt_value *rt, uint64_t now_ms, bolt_routing_table *t)
{
    if (!rt || rt->type != BOLT_T_MAP) return BOLT_E_ROUTING;
    const bolt_value *ttl = bolt_map_get(rt, "ttl");
    const bolt_value *servers = bolt_map_get(rt, "servers");
    const bolt_value *db = bolt_map_get(rt, "db");
    if (!ttl || ttl->type != BOLT_T_INT || !servers || servers->type != BOLT_T_LIST)
        return BOLT_E_ROUTING;
    int64_t s = ttl->u.i < 0 ? 0 : ttl->u.i > TTL_MAX_S ? TTL_MAX_S : ttl->u.i;
    t->ttl = ttl->u.i;
    t->expires = now_ms + (uint64_t)s * 1000u;
    if (db && db->type == BOLT_T_STRING && !(t->db = bolt_strndup(db->u.str, db->len)))
        return BOLT_E_NOMEM;
    for (uint32_t i = 0; i < servers->len; i++) {
        const bolt_value *srv = &servers->u.items[i];
        if (srv->type != BOLT_T_MAP) return BOLT_E_ROUTING;
        const bolt_value *role = bolt_map_get(srv, "role");
        const bolt_value *addrs = bolt_map_get(srv, "addresses");
        if (!role || role->type != BOLT_T_STRING || !addrs || addrs->type != BOLT_T_LIST)
            return BOLT_E_ROUTING;
        char ***list;
        size_t *count;
        if (bolt_value_str_eq(role, "READ")) {
            list = &t->readers;
            count = &t->reader_count;
        } else if (bolt_value_str_eq(role, "WRITE")) {
            list = &t->writers;
            count = &t->writer_count;
        } else if (bolt_value_str_eq(role, "ROUTE")) {
            list = &t->routers;
            count = &t->router_count;
        } else {
            continue; /* a role from the future: not ours to use */
        }
        for (uint32_t k = 0; k < addrs->len; k++) {
            int r = add_address(list, count, &addrs->u.items[k]);
            if (r < 0) return r;
        }
    }
    return 0;
}

int bolt_routing_table_parse(const bolt_value *rt, uint64_t now_ms, bolt_routing_table *t)
{
    if (!t) return BOLT_E_INVAL;
    memset(t, 0, sizeof *t);
    int r = parse(rt, now_ms, t);
    if (r < 0) bolt_routing_table_free(t);
    return r;
}

/* ---- cache ---------------------------------------------------------------------------------- */

typedef struct entry entry;
struct entry {
    entry *next;
    char *seed;
    char *db; /* NULL = default database */
    bolt_routing_table table;
    size_t turn; /* round robin over the readers */
};

struct bolt_routing_cache {
    entry *head;
};

bolt_routing_cache *bolt_routing_cache_new(void)
{
    return bolt_calloc(1, sizeof(bolt_routing_cache));
}

static void entry_free(entry *e)
{
    bolt_free(e->seed);
    bolt_free(e->db);
    bolt_routing_table_free(&e->table);
    bolt_free(e);
}

void bolt_routing_cache_free(bolt_routing_cache *rc)
{
    if (!rc) return;
    for (entry *e = rc->head; e;) {
        entry *next = e->next;
        entry_free(e);
        e = next;
    }
    bolt_free(rc);
}

static int same_db(const char *a, const char *b)
{
    if (!a || !b) return a == b;
    return strcmp(a, b) == 0;
}

static entry *find(bolt_routing_cache *rc, const char *seed, const char *db)
{
    for (entry *e = rc->head; e; e = e->next)
        if (!strcmp(e->seed, seed) && same_db(e->db, db)) return e;
    return NULL;
}

const bolt_routing_table *bolt_routing_cache_get(bolt_routing_cache *rc, const char *seed,
                                                 const char *db, uint64_t now_ms)
{
    if (!rc || !seed) return NULL;
    entry *e = find(rc, seed, db);
    if (!e || now_ms >= e->table.expires) return NULL;
    return &e->table;
}

int bolt_routing_cache_put(bolt_routing_cache *rc, const char *seed, const char *db,
                           bolt_routing_table *t)
{
    if (!rc || !seed || !t) return BOLT_E_INVAL;
    entry *e = find(rc, seed, db);
    if (e) {
        bolt_routing_table_free(&e->table);
    } else {
        e = bolt_calloc(1, sizeof *e);
        if (!e) return BOLT_E_NOMEM;
        e->seed = bolt_strndup(seed, strlen(seed));
        e->db = db ? bolt_strndup(db, strlen(db)) : NULL;
        if (!e->seed || (db && !e->db)) {
            entry_free(e);
            return BOLT_E_NOMEM;
        }
        e->next = rc->head;
        rc->head = e;
    }
    e->table = *t;
    memset(t, 0, sizeof *t);
    return 0;
}

const char *bolt_routing_next_reader(bolt_routing_cache *rc, const char *seed, const char *db,
                                     const bolt_routing_table *t)
{
    if (!t || t->reader_count == 0) return NULL;
    entry *e = rc && seed ? find(rc, seed, db) : NULL;
    if (!e) return t->readers[0];
    return t->readers[e->turn++ % t->reader_count];
}
