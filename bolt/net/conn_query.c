/* Session events, queries and the neo4j:// routing stage of a connection.
 *
 * Queries run one at a time per connection: RUN and the first PULL go out in one write; each
 * further PULL n is sent when the SUCCESS {has_more: true} of the previous batch is processed,
 * which is after every record of that batch was handed to the consumer (so a consumer that
 * pauses also stops the server). A FAILURE is reported at once, then RESET is sent and the next
 * query waits for its SUCCESS (bolt-reference 4.9). */
#include "conn_internal.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "bolt/error.h"
#include "bolt/handshake.h"

/* ---- values --------------------------------------------------------------------------------- */

static char *arena_strdup(bolt_arena *a, const char *s)
{
    size_t n = strlen(s);
    char *p = bolt_arena_alloc(a, n + 1);
    if (p) memcpy(p, s, n + 1);
    return p;
}

/* ---- query queue ---------------------------------------------------------------------------- */

void query_free(query *q)
{
    if (!q) return;
    bolt_free(q->cypher);
    bolt_arena_free(&q->arena);
    bolt_free(q);
}

static query *query_new(int kind)
{
    query *q = bolt_calloc(1, sizeof *q);
    if (!q) return NULL;
    q->kind = kind;
    q->run_seq = q->pull_seq = q->other_seq = -1;
    q->f_ttl = q->f_servers = -1;
    snprintf(q->mode, sizeof q->mode, "r");
    bolt_arena_init(&q->arena, 256, 0);
    return q;
}

static void enqueue(bolt_conn *c, query *q, int front)
{
    if (front) {
        q->next = c->q_head;
        c->q_head = q;
        if (!c->q_tail) c->q_tail = q;
        return;
    }
    q->next = NULL;
    if (c->q_tail)
        c->q_tail->next = q;
    else
        c->q_head = q;
    c->q_tail = q;
}

static void dequeue_head(bolt_conn *c)
{
    query *q = c->q_head;
    if (!q) return;
    c->q_head = q->next;
    if (!c->q_head) c->q_tail = NULL;
    query_free(q);
}

/* Tells the owner of q that it failed (once). Routing queries fail the connection instead. */
static void report_failure(bolt_conn *c, query *q, int err, const char *code, const char *msg,
                           const char *gql)
{
    if (q->failed) return;
    q->failed = 1;
    bolt_conn_failure f = {err, code ? code : "", msg ? msg : "", gql ? gql : ""};
    if (q->kind == Q_PING) {
        if (q->ping_cb) q->ping_cb(c, err, 0, q->ping_ud);
    } else if (q->kind == Q_RUN) {
        if (q->cb.on_failure) q->cb.on_failure(c, &f, q->cb.ud);
    }
}

void conn_fail_queries(bolt_conn *c, int err, const char *msg)
{
    /* Detach first: callbacks may call back into the connection. */
    query *q = c->q_head;
    c->q_head = c->q_tail = NULL;
    while (q) {
        query *next = q->next;
        if (q->kind == Q_RUN || q->kind == Q_PING) report_failure(c, q, err, "", msg, "");
        query_free(q);
        q = next;
    }
}

int bolt_conn_run(bolt_conn *c, const char *cypher, const bolt_value *params,
                  const bolt_query_opts *opts, const bolt_query_callbacks *cb)
{
    if (!c || !cypher || !cb) return BOLT_E_INVAL;
    if (params && params->type != BOLT_T_MAP) return BOLT_E_INVAL;
    if (opts && opts->mode && strcmp(opts->mode, "r") && strcmp(opts->mode, "w"))
        return BOLT_E_INVAL;
    if (c->err) return BOLT_E_DEFUNCT;
    if (c->close_requested || c->final) return BOLT_E_CLOSED;
    query *q = query_new(Q_RUN);
    if (!q) return BOLT_E_NOMEM;
    q->cypher = bolt_strndup(cypher, strlen(cypher));
    int r = q->cypher ? 0 : BOLT_E_NOMEM;
    if (r == 0 && params) {
        r = bolt_value_clone(&q->arena, params, &q->params);
        q->has_params = 1;
    }
    if (r == 0 && opts && opts->db) {
        q->db = arena_strdup(&q->arena, opts->db);
        if (!q->db) r = BOLT_E_NOMEM;
    }
    if (r < 0) {
        query_free(q);
        return r;
    }
    if (opts && opts->mode) snprintf(q->mode, sizeof q->mode, "%s", opts->mode);
    q->tx_timeout_ms = opts && opts->tx_timeout_ms > 0 ? opts->tx_timeout_ms : -1;
    q->fetch = opts && opts->fetch_size ? opts->fetch_size : c->fetch_size;
    if (q->fetch < -1 || q->fetch == 0) q->fetch = -1;
    q->cb = *cb;
    enqueue(c, q, 0);
    conn_pump(c);
    return 0;
}

int bolt_conn_ping(bolt_conn *c, void (*cb)(bolt_conn *c, int status, uint64_t ns, void *ud),
                   void *ud)
{
    if (!c || !cb) return BOLT_E_INVAL;
    if (c->err) return BOLT_E_DEFUNCT;
    if (c->close_requested || c->final) return BOLT_E_CLOSED;
    query *q = query_new(Q_PING);
    if (!q) return BOLT_E_NOMEM;
    q->ping_cb = cb;
    q->ping_ud = ud;
    enqueue(c, q, 0);
    conn_pump(c);
    return 0;
}

static void finish_query(bolt_conn *c)
{
    dequeue_head(c);
    conn_start_next(c);
}

/* Starts the head of the queue when the connection is idle. */
void conn_start_next(bolt_conn *c)
{
    while (c->sess && !c->resetting && !c->close_requested && !c->err) {
        query *q = c->q_head;
        if (!q || q->started) return;
        int routing = q->kind == Q_ROUTE_MSG || q->kind == Q_ROUTE_PROC;
        if (!(c->phase == PH_READY || (c->phase == PH_ROUTE && routing))) return;
        q->started = 1;
        q->t0 = uv_hrtime();
        int64_t r = 0;
        if (q->kind == Q_PING) {
            r = q->other_seq = bolt_session_reset(c->sess);
        } else if (q->kind == Q_ROUTE_MSG) {
            r = q->other_seq = bolt_session_route(c->sess, &c->routing_ctx, NULL, 0, q->db);
        } else {
            bolt_tx_opts o = BOLT_TX_OPTS_INIT;
            o.db = c->info.major >= 4 ? q->db : NULL;
            o.mode = q->mode;
            o.tx_timeout_ms = q->tx_timeout_ms;
            r = q->run_seq =
                bolt_session_run(c->sess, q->cypher, q->has_params ? &q->params : NULL, &o);
            if (r >= 0) r = q->pull_seq = bolt_session_pull(c->sess, q->fetch);
        }
        if (r >= 0) return;
        /* The request could not even be queued (e.g. not supported by this Bolt version). */
        if (routing) {
            conn_fail(c, BOLT_E_ROUTING, "cannot ask %s for a routing table: %s", c->info.address,
                      bolt_strerror((int)r));
            return;
        }
        if (q->run_seq >= 0) {
            /* RUN went out but PULL could not: the session is unusable for this query. */
            conn_fail(c, (int)r, "cannot send PULL: %s", bolt_strerror((int)r));
            return;
        }
        report_failure(c, q, (int)r, "", bolt_strerror((int)r), "");
        dequeue_head(c);
    }
}

/* ---- routing stage -------------------------------------------------------------------------- */

static int table_copy(bolt_routing_table *dst, const bolt_routing_table *src)
{
    memset(dst, 0, sizeof *dst);
    dst->ttl = src->ttl;
    dst->expires = src->expires;
    if (src->db && !(dst->db = bolt_strndup(src->db, strlen(src->db)))) return BOLT_E_NOMEM;
    struct {
        char ***d;
        size_t *dn;
        char **s;
        size_t sn;
    } lists[3] = {{&dst->routers, &dst->router_count, src->routers, src->router_count},
                  {&dst->readers, &dst->reader_count, src->readers, src->reader_count},
                  {&dst->writers, &dst->writer_count, src->writers, src->writer_count}};
    for (int l = 0; l < 3; l++) {
        if (!lists[l].sn) continue;
        *lists[l].d = bolt_calloc(lists[l].sn, sizeof(char *));
        if (!*lists[l].d) return BOLT_E_NOMEM;
        for (size_t i = 0; i < lists[l].sn; i++) {
            (*lists[l].d)[i] = bolt_strndup(lists[l].s[i], strlen(lists[l].s[i]));
            if (!(*lists[l].d)[i]) return BOLT_E_NOMEM;
            (*lists[l].dn)++;
        }
    }
    return 0;
}

/* The table is known: pick a reader (round robin through the cache) and go there. */
static void use_table(bolt_conn *c)
{
    c->routed = 1;
    c->info.routing_table = &c->rt;
    snprintf(c->info.seed, sizeof c->info.seed, "%s", c->uri.address);
    if (c->rt.reader_count == 0) {
        conn_fail(c, BOLT_E_ROUTING, "the routing table from %s lists no READ member",
                  c->uri.address);
        return;
    }
    c->reader_start = 0;
    c->reader_tries = 0;
    if (c->rcache) {
        const char *pick =
            bolt_routing_next_reader(c->rcache, c->uri.address, c->routing_db, &c->rt);
        for (size_t i = 0; pick && i < c->rt.reader_count; i++)
            if (!strcmp(c->rt.readers[i], pick)) c->reader_start = i;
    }
    const char *reader = c->rt.readers[c->reader_start];
    if (c->tcp_state == 1 && !strcasecmp(reader, c->info.address)) {
        conn_mark_ready(c); /* the router we are talking to is also the reader */
        return;
    }
    if (conn_switch_to(c, reader) < 0)
        conn_fail(c, BOLT_E_ROUTING, "bad address '%s' in the routing table", reader);
}

/* Keeps the table (and a copy in the cache); 0 or the error already reported. */
static int store_table(bolt_conn *c, const bolt_value *rt)
{
    bolt_routing_table t;
    int r = bolt_routing_table_parse(rt, uv_now(c->loop), &t);
    if (r < 0) return conn_fail(c, r, "malformed routing table from %s", c->info.address);
    bolt_routing_table_free(&c->rt);
    c->rt = t;
    if (c->rcache) {
        bolt_routing_table copy;
        if (table_copy(&copy, &c->rt) != 0 ||
            bolt_routing_cache_put(c->rcache, c->uri.address, c->routing_db, &copy) != 0)
            bolt_routing_table_free(&copy); /* not cached: fetched again next time */
    }
    return 0;
}

int conn_begin_routing(bolt_conn *c)
{
    c->phase = PH_ROUTE;
    if (c->rcache) {
        const bolt_routing_table *t =
            bolt_routing_cache_get(c->rcache, c->uri.address, c->routing_db, uv_now(c->loop));
        if (t) {
            bolt_routing_table_free(&c->rt);
            if (table_copy(&c->rt, t) < 0) return conn_fail(c, BOLT_E_NOMEM, "out of memory");
            use_table(c);
            return 0;
        }
    }
    unsigned major = c->info.major, minor = c->info.minor;
    query *q;
    if (major > 4 || (major == 4 && minor >= 3)) {
        q = query_new(Q_ROUTE_MSG);
    } else {
        q = query_new(Q_ROUTE_PROC);
        if (q) {
            /* 4.0-4.2 run the procedure on the system database; 3.5 clusters have no database
             * argument (bolt-reference 8). */
            const char *text = major >= 4 ? "CALL dbms.routing.getRoutingTable($context, $database)"
                                          : "CALL dbms.cluster.routing.getRoutingTable($context)";
            q->cypher = bolt_strndup(text, strlen(text));
            bolt_value *kv = bolt_arena_alloc(&q->arena, 4 * sizeof *kv);
            if (!q->cypher || !kv) {
                query_free(q);
                q = NULL;
            } else {
                kv[0] = bolt_string("context");
                kv[1] = c->routing_ctx;
                kv[2] = bolt_string("database");
                kv[3] = c->routing_db ? bolt_string(c->routing_db) : bolt_null();
                q->params = bolt_map(kv, major >= 4 ? 2 : 1);
                q->has_params = 1;
                if (major >= 4) q->db = "system";
                q->fetch = -1;
            }
        }
    }
    if (!q) return conn_fail(c, BOLT_E_NOMEM, "out of memory");
    if (q->kind == Q_ROUTE_MSG) q->db = c->routing_db;
    enqueue(c, q, 1);
    conn_start_next(c);
    return 0;
}

/* One procedure record [ttl, servers] (columns found by name) turned into {ttl, servers}. The
 * table is used once the PULL has finished, so the session is idle when we move on. */
static void route_record(bolt_conn *c, query *q, const bolt_value *rec)
{
    if (q->f_ttl < 0 || q->f_servers < 0 || rec->type != BOLT_T_LIST ||
        (uint32_t)q->f_ttl >= rec->len || (uint32_t)q->f_servers >= rec->len) {
        conn_fail(c, BOLT_E_ROUTING, "routing procedure on %s returned no ttl/servers columns",
                  c->info.address);
        return;
    }
    bolt_value kv[4];
    kv[0] = bolt_string("ttl");
    kv[1] = rec->u.items[q->f_ttl];
    kv[2] = bolt_string("servers");
    kv[3] = rec->u.items[q->f_servers];
    bolt_value m = bolt_map(kv, 2);
    if (store_table(c, &m) == 0) q->records++;
}

/* ---- events --------------------------------------------------------------------------------- */

static void copy_str(char *dst, size_t n, const char *s)
{
    snprintf(dst, n, "%s", s ? s : "");
}

/* The peer closed the connection: say when, because "closed" alone helps nobody. */
void conn_closed_error(bolt_conn *c)
{
    query *q = c->q_head;
    if (c->phase == PH_BOLT && c->info.major == 0)
        conn_fail(c, BOLT_E_CLOSED,
                  "%s closed the connection during the Bolt handshake (does it require TLS? "
                  "try bolt+s:// or bolt+ssc://; or it speaks none of the offered versions)",
                  c->info.address);
    else if (c->phase == PH_BOLT)
        conn_fail(c, BOLT_E_CLOSED, "%s closed the connection during authentication",
                  c->info.address);
    else if (q && q->started && q->kind == Q_RUN)
        conn_fail(c, BOLT_E_CLOSED,
                  "%s closed the connection in the middle of a result (after %llu records): "
                  "the result is incomplete",
                  c->info.address, (unsigned long long)q->records);
    else
        conn_fail(c, BOLT_E_CLOSED, "%s closed the connection", c->info.address);
}

/* "manifest, 6.0, 5.0-5.8, 4.2-4.4": what we proposed, for handshake failures. */
static void format_offer(const uint32_t p[4], char *buf, size_t n)
{
    size_t o = 0;
    buf[0] = '\0';
    for (int i = 0; i < 4 && o < n; i++) {
        if (!p[i]) continue;
        unsigned major = p[i] & 0xFF, minor = (p[i] >> 8) & 0xFF, range = (p[i] >> 16) & 0xFF;
        const char *sep = o ? ", " : "";
        if (p[i] == BOLT_MANIFEST_V1)
            o += (size_t)snprintf(buf + o, n - o, "%smanifest", sep);
        else if (range && range <= minor)
            o += (size_t)snprintf(buf + o, n - o, "%s%u.%u-%u.%u", sep, major, minor - range, major,
                                  minor);
        else if (major <= 3)
            o += (size_t)snprintf(buf + o, n - o, "%s%u", sep, major);
        else
            o += (size_t)snprintf(buf + o, n - o, "%s%u.%u", sep, major, minor);
    }
}

static void session_error(bolt_conn *c, int err)
{
    switch (err) {
    case BOLT_E_CLOSED:
        conn_closed_error(c);
        break;
    case BOLT_E_HS_NO_VERSION:
    case BOLT_E_HS_NOT_OFFERED:
    case BOLT_E_HS_MANIFEST: {
        char offered[96];
        format_offer(c->has_proposals ? c->proposals : bolt_default_proposals, offered,
                     sizeof offered);
        conn_fail(c, err, "Bolt handshake with %s failed: %s (offered: %s)", c->info.address,
                  bolt_strerror(err), offered);
        break;
    }
    case BOLT_E_HS_HTTP:
        conn_fail(c, err, "Bolt handshake with %s failed: %s", c->info.address, bolt_strerror(err));
        break;
    default:
        conn_fail(c, err, "protocol error with %s during %s: %s (%s)", c->info.address,
                  conn_phase_name(c->phase), bolt_strerror(err), bolt_errname(err));
        break;
    }
}

static void on_authenticated(bolt_conn *c)
{
    copy_str(c->info.server_agent, sizeof c->info.server_agent, bolt_session_server_agent(c->sess));
    copy_str(c->info.connection_id, sizeof c->info.connection_id,
             bolt_session_connection_id(c->sess));
    c->info.recv_timeout_hint = bolt_session_recv_timeout_hint(c->sess);
    if (c->uri.routing && !c->routed)
        conn_begin_routing(c);
    else
        conn_mark_ready(c);
}

static void on_failure_event(bolt_conn *c, const bolt_event *ev)
{
    const char *code = "", *msg = "", *gql = "";
    bolt_session_failure(c->sess, &code, &msg, &gql);
    query *q = c->q_head;
    if (ev->request == BOLT_REQ_HELLO || ev->request == BOLT_REQ_LOGON) {
        if (strstr(code, ".Security."))
            conn_fail(c, BOLT_E_AUTH, "authentication failed on %s: %s: %s", c->info.address, code,
                      msg);
        else
            conn_fail(c, BOLT_E_SERVER_FAILURE, "%s refused the connection: %s: %s",
                      c->info.address, code, msg);
        return;
    }
    if (ev->request == BOLT_REQ_RESET || ev->request == BOLT_REQ_ACK_FAILURE) {
        conn_fail(c, BOLT_E_DEFUNCT, "%s refused RESET: %s: %s", c->info.address, code, msg);
        return;
    }
    if (!q || !q->started) return;
    if (q->kind == Q_ROUTE_MSG || q->kind == Q_ROUTE_PROC) {
        conn_fail(c, BOLT_E_ROUTING, "cannot get a routing table from %s: %s: %s%s",
                  c->info.address, code, msg,
                  c->info.major <= 3 ? " (a standalone 3.x server does not route: use bolt://)"
                                     : "");
        return;
    }
    report_failure(c, q, BOLT_E_SERVER_FAILURE, code, msg, gql);
    if (!c->resetting && c->sess) {
        int64_t s = bolt_session_reset(c->sess);
        if (s < 0) {
            conn_fail(c, (int)s, "cannot send RESET after a failure: %s", bolt_strerror((int)s));
            return;
        }
        c->resetting = 1;
        c->reset_seq = s;
    }
}

static void on_success_event(bolt_conn *c, const bolt_event *ev)
{
    query *q = c->q_head;
    int is_reset = ev->request == BOLT_REQ_RESET || ev->request == BOLT_REQ_ACK_FAILURE;
    if (is_reset && c->resetting && (int64_t)ev->request_seq == c->reset_seq) {
        c->resetting = 0;
        if (q && q->failed) finish_query(c);
        return;
    }
    if (!q || !q->started || q->failed) return;
    switch (q->kind) {
    case Q_PING:
        if (is_reset && (int64_t)ev->request_seq == q->other_seq) {
            if (q->ping_cb) q->ping_cb(c, 0, uv_hrtime() - q->t0, q->ping_ud);
            finish_query(c);
        }
        return;
    case Q_ROUTE_MSG:
        if (ev->request == BOLT_REQ_ROUTE) {
            const bolt_value *rt = bolt_map_get(ev->meta, "rt");
            if (!rt) {
                conn_fail(c, BOLT_E_ROUTING, "ROUTE answer from %s has no routing table",
                          c->info.address);
                return;
            }
            if (store_table(c, rt) == 0) {
                dequeue_head(c);
                use_table(c);
            }
        }
        return;
    default:
        break;
    }
    if (ev->request == BOLT_REQ_RUN) {
        const bolt_value *fields = bolt_map_get(ev->meta, "fields");
        if (q->kind == Q_ROUTE_PROC) {
            for (uint32_t i = 0; fields && fields->type == BOLT_T_LIST && i < fields->len; i++) {
                if (bolt_value_str_eq(&fields->u.items[i], "ttl")) q->f_ttl = (int)i;
                if (bolt_value_str_eq(&fields->u.items[i], "servers")) q->f_servers = (int)i;
            }
        } else if (q->cb.on_fields) {
            q->cb.on_fields(c, fields, ev->meta, q->cb.ud);
        }
        return;
    }
    if (ev->request != BOLT_REQ_PULL) return;
    if (ev->has_more) {
        int64_t s = bolt_session_pull(c->sess, q->fetch);
        if (s < 0) {
            conn_fail(c, (int)s, "cannot send PULL: %s", bolt_strerror((int)s));
            return;
        }
        q->pull_seq = s;
        return;
    }
    if (q->kind == Q_ROUTE_PROC) {
        if (!q->records) {
            conn_fail(c, BOLT_E_ROUTING, "routing procedure on %s returned no record",
                      c->info.address);
            return;
        }
        dequeue_head(c);
        use_table(c);
        return;
    }
    if (q->cb.on_summary) q->cb.on_summary(c, ev->meta, q->cb.ud);
    finish_query(c);
}

static void on_record_event(bolt_conn *c, bolt_event *ev)
{
    query *q = c->q_head;
    if (!q || !q->started || q->failed) return;
    if (q->kind == Q_ROUTE_PROC) {
        route_record(c, q, ev->record);
        return;
    }
    if (q->kind != Q_RUN) return;
    q->records++;
    if (q->cb.on_record_raw) {
        int r = q->cb.on_record_raw(c, ev->raw, ev->raw_len, q->cb.ud);
        if (r != BOLT_RECORD_DECODE) {
            if (r == 1) c->paused = 1;
            return;
        }
        /* The callback may have closed or failed the connection: then nobody wants the
         * values any more. */
        if (c->err || c->close_requested || c->q_head != q || !c->sess) return;
        int rc = bolt_session_decode_record(c->sess, ev);
        if (rc < 0) {
            /* The session failed as in eager mode; report it the same way right here. */
            session_error(c, rc);
            return;
        }
    }
    if (q->cb.on_record && q->cb.on_record(c, ev->record, q->cb.ud) == 1) c->paused = 1;
}

/* Raw records only for a started query that asked for them: routing-procedure records (and
 * everything else) need the decoded values. */
static void set_raw_mode(bolt_conn *c)
{
    const query *q = c->q_head;
    bolt_session_set_raw_records(c->sess, q && q->started && q->kind == Q_RUN &&
                                              q->cb.on_record_raw != NULL);
}

void conn_process_events(bolt_conn *c)
{
    bolt_event ev;
    while (c->sess && !c->paused && !c->close_requested && !c->err && c->phase >= PH_BOLT &&
           c->phase <= PH_READY) {
        /* Per event: the head query changes between events (finish_query starts the next). */
        set_raw_mode(c);
        int r = bolt_session_next_event(c->sess, &ev);
        if (r == 0) break;
        if (r < 0) {
            session_error(c, r);
            break;
        }
        switch (ev.type) {
        case BOLT_EV_CONNECTED: {
            unsigned major = 0, minor = 0;
            bolt_session_version(c->sess, &major, &minor);
            c->info.major = major;
            c->info.minor = minor;
            c->info.manifest = bolt_session_used_manifest(c->sess);
            break;
        }
        case BOLT_EV_READY:
            on_authenticated(c);
            break;
        case BOLT_EV_SUCCESS:
            on_success_event(c, &ev);
            break;
        case BOLT_EV_RECORD:
            on_record_event(c, &ev);
            break;
        case BOLT_EV_FAILURE:
            on_failure_event(c, &ev);
            break;
        case BOLT_EV_IGNORED: {
            /* Expected behind a FAILURE; on its own it still means the query did not run. */
            query *q = c->q_head;
            if (q && q->started && !q->failed && !c->resetting &&
                (q->kind == Q_RUN || q->kind == Q_PING)) {
                report_failure(c, q, BOLT_E_IGNORED, "", "the server ignored the request", "");
                int64_t s = bolt_session_reset(c->sess);
                if (s >= 0) {
                    c->resetting = 1;
                    c->reset_seq = s;
                }
            }
            break;
        }
        case BOLT_EV_ERROR:
            session_error(c, ev.err);
            break;
        default:
            break;
        }
    }
}
