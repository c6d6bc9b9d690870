/* The live measuring stage (verify/measure.h): every instance is opened on one libuv loop,
 * inventoried, then measured check by check through the scheduler. The phases and the rules
 * the check modules follow are in verify/measure_internal.h. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bolt/alloc.h"
#include "bolt/error.h"
#include "bolt/handshake.h"
#include "cmd_conn.h"
#include "measure_internal.h"
#include "verify/cli.h"
#include "verify/snapshot.h"

/* ---- helpers shared with the check modules -------------------------------------------------- */

const char *const bv_node_columns[BV_NODE_COLUMN_COUNT] = {"k", "ls", "ps", "outs", "ins"};

bv_node_row bv_node_row_of(const bv_row *row)
{
    bv_node_row nr = {bv_row_get(row, 0), bv_row_get(row, 1), bv_row_get(row, 2),
                      bv_row_get(row, 3), bv_row_get(row, 4)};
    return nr;
}

const char *bv_live_source(const bv_live *lv, size_t i)
{
    const char *s = lv->r->instances[i].source;
    return s ? s : "?";
}

const char *const *bv_int_row_columns(int pair)
{
    static const char *const count[] = {"c"}, *const bounds[] = {"lo", "hi"};
    return pair ? bounds : count;
}

int bv_int_row_read(bv_int_row *r, const bv_row *row, const char *what)
{
    const bolt_value *a = bv_row_get(row, 0), *b = r->pair ? bv_row_get(row, 1) : NULL;
    if (r->got) {
        snprintf(row->err, row->errlen, "%s answered several rows instead of one", what);
        return BOLT_E_UNEXPECTED;
    }
    r->got = 1;
    /* min/max over no node is null */
    if (r->pair && a && b && a->type == BOLT_T_NULL && b->type == BOLT_T_NULL) {
        r->null = 1;
        return 0;
    }
    if (!a || a->type != BOLT_T_INT || (r->pair && (!b || b->type != BOLT_T_INT))) {
        snprintf(row->err, row->errlen, "%s answered %s instead of an integer", what,
                 a ? bolt_type_name((bolt_type)a->type) : "no column");
        return BOLT_E_UNEXPECTED;
    }
    r->a = a->u.i;
    r->b = b ? b->u.i : 0;
    return 0;
}

char *bv_value_strdup(const bolt_value *v, int *oom)
{
    if (!v || v->type != BOLT_T_STRING) return NULL;
    if (v->len && memchr(v->u.str, '\0', v->len)) return NULL;
    char *s = bolt_strndup(v->len ? v->u.str : "", v->len);
    if (!s && oom) *oom = 1;
    return s;
}

void bv_live_oom(bv_live *lv)
{
    if (!lv->error) lv->error = BOLT_E_NOMEM;
}

int bv_live_wants(const bv_live *lv, size_t i, unsigned check)
{
    const bv_live_instance *li = &lv->inst[i];
    if (!(lv->o->checks & check) || !li->live || (li->failed & check) || lv->error) return 0;
    return bv_sched_instance_error(lv->sched, i) == NULL;
}

void bv_live_start_check(bv_live *lv, size_t i, unsigned check)
{
    lv->inst[i].started |= check;
}

void bv_live_fail_check(bv_live *lv, size_t i, unsigned check, int exit_class, const char *fmt, ...)
{
    bv_live_instance *li = &lv->inst[i];
    if (li->failed & check) return;
    li->failed |= check;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (bv_result_unchecked(lv->r, i, check, exit_class, "%s", msg) < 0) bv_live_oom(lv);
    /* The rest of the check would measure something incomplete: drop its queued tasks. */
    bv_sched_cancel(lv->sched, i, check);
}

char *bv_live_query(bv_live *lv, size_t i, unsigned check, const char *tmpl,
                    const char *const *names, size_t count)
{
    char *q = NULL;
    int rc = bv_catalog_build(tmpl, names, count, &q);
    if (rc == BOLT_E_NOMEM) {
        bv_live_oom(lv);
    } else if (rc < 0) {
        /* db.labels() gave a name Cypher cannot quote (empty, or not UTF-8): say so. */
        bv_live_fail_check(lv, i, check, BV_EXIT_SERVER,
                           "a label, type or key name the server reported cannot be written as a "
                           "Cypher identifier (empty or not UTF-8)");
    }
    return q;
}

/* Every task goes through this wrapper: a failure ends its check (first reason wins). */
typedef struct live_task {
    bv_live *lv;
    size_t i;
    unsigned check;
    const bv_task_handler *h;
    void *ud;
} live_task;

static void lt_begin(void *p)
{
    live_task *t = p;
    if (t->h->begin) t->h->begin(t->ud);
}

static int lt_record(void *p, const bv_row *row)
{
    live_task *t = p;
    return t->h->record ? t->h->record(t->ud, row) : 0;
}

static void lt_summary(void *p, const bolt_value *meta)
{
    live_task *t = p;
    if (t->h->summary) t->h->summary(t->ud, meta);
}

static void lt_done(void *p, int status, const bv_task_error *e)
{
    live_task *t = p;
    if (status < 0 && status != BOLT_E_CANCELED && e)
        bv_live_fail_check(t->lv, t->i, t->check, e->exit_class ? e->exit_class : BV_EXIT_SERVER,
                           "%s", e->message);
    t->h->done(t->ud, status, e);
    bolt_free(t);
}

static const bv_task_handler live_handler = {lt_begin, lt_record, lt_summary, lt_done};

int bv_live_submit(bv_live *lv, size_t i, unsigned check, const char *what, const char *cypher,
                   const bolt_value *params, const char *const *columns, size_t column_count,
                   const bv_task_handler *h, void *ud)
{
    bv_live_instance *li = &lv->inst[i];
    if (lv->error) return lv->error;
    if (li->failed & check) return BOLT_E_CANCELED;
    live_task *t = bolt_malloc(sizeof *t);
    if (!t) {
        bv_live_oom(lv);
        return BOLT_E_NOMEM;
    }
    *t = (live_task){lv, i, check, h, ud};
    bv_task_spec spec = {cypher, params, NULL,          columns, column_count,
                         what,   check,  &live_handler, t};
    int rc = bv_sched_submit(lv->sched, i, &spec);
    if (rc < 0) {
        bolt_free(t);
        if (rc == BOLT_E_NOMEM) bv_live_oom(lv);
        return rc;
    }
    li->started |= check;
    return 0;
}

/* ---- inventory ------------------------------------------------------------------------------ */

static const char *const components_cols[] = {"name", "versions", "edition"};
static const char *const databases_cols[] = {"name", "default", "home"};

typedef struct inv_task {
    bv_live *lv;
    size_t i;
    int oom;
    /* components */
    char *version, *edition;
    int kernel; /* the row kept is the "Neo4j Kernel" one */
    /* databases */
    char **names;
    size_t count;
    char *def;
} inv_task;

static void inv_clear(inv_task *t)
{
    bolt_free(t->version);
    bolt_free(t->edition);
    for (size_t k = 0; k < t->count; k++)
        bolt_free(t->names[k]);
    bolt_free(t->names);
    bolt_free(t->def);
    t->version = t->edition = t->def = NULL;
    t->names = NULL;
    t->count = 0;
    t->kernel = 0;
    t->oom = 0;
}

static void inv_begin(void *p)
{
    inv_clear(p);
}

static int components_record(void *p, const bv_row *row)
{
    inv_task *t = p;
    const bolt_value *name = bv_row_get(row, 0), *versions = bv_row_get(row, 1),
                     *edition = bv_row_get(row, 2);
    int kernel = bolt_value_str_eq(name, "Neo4j Kernel");
    /* Enterprise builds may list more components: the kernel's version is the server's. */
    if (t->version && (t->kernel || !kernel)) return 0;
    if (!versions || versions->type != BOLT_T_LIST || versions->len == 0) {
        snprintf(row->err, row->errlen, "dbms.components() returned no version");
        return BOLT_E_UNEXPECTED;
    }
    char *v = bv_value_strdup(&versions->u.items[0], &t->oom);
    if (!v) {
        if (t->oom) return BOLT_E_NOMEM;
        snprintf(row->err, row->errlen, "dbms.components() returned a version that is not text");
        return BOLT_E_UNEXPECTED;
    }
    bolt_free(t->version);
    bolt_free(t->edition);
    t->version = v;
    t->edition = bv_value_strdup(edition, &t->oom);
    t->kernel = kernel;
    return t->oom ? BOLT_E_NOMEM : 0;
}

static void databases_done(void *p, int status, const bv_task_error *e);

static const bv_task_handler databases_handler;

static void fmt_bolt_version(char *buf, size_t len, const bolt_conn_info *ci)
{
    if (ci && ci->major)
        snprintf(buf, len, "%u.%u", ci->major, ci->minor);
    else
        snprintf(buf, len, "?");
}

static void components_done(void *p, int status, const bv_task_error *e)
{
    inv_task *t = p;
    bv_live *lv = t->lv;
    size_t i = t->i;
    bv_live_instance *li = &lv->inst[i];
    bv_inventory *inv = &li->m->inventory;
    (void)e;
    if (status == 0 && t->oom) bv_live_oom(lv);
    if (status == 0 && !t->version && !lv->error) {
        status = BOLT_E_UNEXPECTED;
        bv_live_fail_check(lv, i, BV_CHECK_INVENTORY, BV_EXIT_SERVER,
                           "dbms.components() returned no row");
    }
    const bolt_conn_info *ci = bv_sched_conn_info(lv->sched, i);
    if (ci) {
        char bv[16];
        fmt_bolt_version(bv, sizeof bv, ci);
        bolt_free(inv->server_agent);
        bolt_free(inv->bolt_version);
        inv->server_agent = bolt_strndup(ci->server_agent, strlen(ci->server_agent));
        inv->bolt_version = bolt_strndup(bv, strlen(bv));
        if (!inv->server_agent || !inv->bolt_version) bv_live_oom(lv);
    }
    if (status < 0 || lv->error) {
        /* Without the version there is no catalog: nothing else can be measured here. A
         * failed instance is recorded at the end with the scheduler's reason. */
        if (!bv_sched_instance_error(lv->sched, i) && status != BOLT_E_CANCELED && !lv->error)
            bv_result_fail(lv->r, i, e && e->exit_class ? e->exit_class : BV_EXIT_SERVER, status,
                           "cannot read the server version: %s",
                           e ? e->message : bolt_strerror(status));
        li->live = 0;
        inv_clear(t);
        bolt_free(t);
        return;
    }
    inv->version = t->version;
    inv->edition = t->edition;
    t->version = t->edition = NULL;
    char why[200];
    if (bv_catalog_for_version(inv->version, &li->cat, why, sizeof why) < 0) {
        bv_result_fail(lv->r, i, BV_EXIT_SERVER, BOLT_E_UNSUPPORTED, "%s: %s",
                       lv->r->instances[i].source, why);
        li->live = 0;
        inv_clear(t);
        bolt_free(t);
        return;
    }
    if (!li->cat->databases) {
        /* 3.5: one database, no name to learn (--database does not apply). */
        inv_clear(t);
        bolt_free(t);
        return;
    }
    /* SHOW DATABASES runs on "system", whatever database is measured. */
    bv_task_spec spec = {
        li->cat->databases, NULL, "system", databases_cols, 3, "SHOW DATABASES", BV_CHECK_INVENTORY,
        &databases_handler, t};
    int rc = bv_sched_submit(lv->sched, i, &spec);
    if (rc < 0) {
        if (rc == BOLT_E_NOMEM) bv_live_oom(lv);
        inv_clear(t);
        bolt_free(t);
    }
}

static int databases_record(void *p, const bv_row *row)
{
    inv_task *t = p;
    char *name = bv_value_strdup(bv_row_get(row, 0), &t->oom);
    if (!name) return t->oom ? BOLT_E_NOMEM : 0;
    const bolt_value *def = bv_row_get(row, 1);
    if (def && def->type == BOLT_T_BOOL && def->u.i && !t->def) {
        t->def = bolt_strndup(name, strlen(name));
        if (!t->def) t->oom = 1;
    }
    /* A cluster lists a database once per member. */
    for (size_t k = 0; k < t->count; k++)
        if (!strcmp(t->names[k], name)) {
            bolt_free(name);
            return t->oom ? BOLT_E_NOMEM : 0;
        }
    char **v = bolt_realloc(t->names, (t->count + 1) * sizeof *v);
    if (!v) {
        bolt_free(name);
        t->oom = 1;
        return BOLT_E_NOMEM;
    }
    t->names = v;
    t->names[t->count++] = name;
    return t->oom ? BOLT_E_NOMEM : 0;
}

static int strp_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void databases_done(void *p, int status, const bv_task_error *e)
{
    inv_task *t = p;
    bv_live *lv = t->lv;
    size_t i = t->i;
    bv_live_instance *li = &lv->inst[i];
    bv_inventory *inv = &li->m->inventory;
    const char *want = lv->o->database;
    if (status == 0 && t->oom) bv_live_oom(lv);
    if (status < 0 || lv->error) {
        /* No list (e.g. not allowed to see it): measure the asked or the default database
         * anyway; the inventory check is already marked as not completed. */
        if (status != BOLT_E_CANCELED && e && !bv_sched_instance_error(lv->sched, i))
            bv_live_fail_check(lv, i, BV_CHECK_INVENTORY, e->exit_class, "%s", e->message);
    } else {
        qsort(t->names, t->count, sizeof *t->names, strp_cmp);
        inv->databases = t->names;
        inv->database_count = t->count;
        t->names = NULL;
        t->count = 0;
        if (want) {
            int found = 0;
            for (size_t k = 0; k < inv->database_count; k++)
                if (!strcmp(inv->databases[k], want)) found = 1;
            if (!found) {
                char list[400] = "";
                size_t n = 0;
                for (size_t k = 0; k < inv->database_count && n < sizeof list; k++)
                    n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", k ? ", " : "",
                                          inv->databases[k]);
                bv_result_fail(lv->r, i, BV_EXIT_SERVER, BOLT_E_INVAL,
                               "%s: database '%s' does not exist there (databases: %s)",
                               lv->r->instances[i].source, want, list);
                li->live = 0;
            }
        }
    }
    const char *db = want ? want : t->def;
    if (li->live && db) {
        li->db_owned = bolt_strndup(db, strlen(db));
        inv->database = bolt_strndup(db, strlen(db));
        if (!li->db_owned || !inv->database || bv_sched_set_db(lv->sched, i, db) < 0)
            bv_live_oom(lv);
        li->db = li->db_owned;
    }
    inv_clear(t);
    bolt_free(t);
}

static const bv_task_handler components_handler = {inv_begin, components_record, NULL,
                                                   components_done};
static const bv_task_handler databases_handler = {inv_begin, databases_record, NULL,
                                                  databases_done};

static void inventory_start(bv_live *lv, size_t i)
{
    bv_live_instance *li = &lv->inst[i];
    inv_task *t = bolt_calloc(1, sizeof *t);
    if (!t) {
        bv_live_oom(lv);
        return;
    }
    t->lv = lv;
    t->i = i;
    li->started |= BV_CHECK_INVENTORY & lv->o->checks;
    /* The version is needed whatever the checks: it picks the catalog. */
    bv_task_spec spec = {bv_catalog_get(BV_LINE_35)->components,
                         NULL,
                         NULL,
                         components_cols,
                         3,
                         "dbms.components()",
                         BV_CHECK_INVENTORY,
                         &components_handler,
                         t};
    int rc = bv_sched_submit(lv->sched, i, &spec);
    if (rc < 0) {
        bolt_free(t);
        if (rc == BOLT_E_NOMEM) bv_live_oom(lv);
    }
}

/* ---- instances ------------------------------------------------------------------------------ */

/* --bolt LIST -> the four handshake words; checked here because verify's option parser leaves
 * it to the stage that uses it. 0 or -1. */
static int bolt_word(const char *s, size_t n, uint32_t *word)
{
    unsigned a = 0, b = 0, c = 0, d = 0;
    char buf[32], tail;
    if (n == 0 || n >= sizeof buf) return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (sscanf(buf, "%u.%u-%u.%u%c", &a, &b, &c, &d, &tail) == 4) {
        if (a != c || d < b || a == 0 || a > 255 || d > 255) return -1;
        *word = BOLT_PROPOSAL(a, d, d - b);
        return 0;
    }
    if (sscanf(buf, "%u.%u%c", &a, &b, &tail) == 2 && a && a <= 255 && b <= 255) {
        *word = BOLT_PROPOSAL(a, b, 0);
        return 0;
    }
    if (sscanf(buf, "%u%c", &a, &tail) == 1 && a >= 1 && a <= 255) {
        *word = BOLT_PROPOSAL(a, 0, 0);
        return 0;
    }
    return -1;
}

static int bolt_proposals(const bv_options *o, uint32_t words[4], int *has, char *err,
                          size_t errlen)
{
    size_t n = 0;
    *has = 0;
    memset(words, 0, 4 * sizeof *words);
    if (o->manifest) words[n++] = BOLT_MANIFEST_V1;
    if (!o->bolt) {
        if (!o->manifest) return 0;
        words[1] = BOLT_PROPOSAL(6, 0, 0);
        words[2] = BOLT_PROPOSAL(5, 8, 8);
        words[3] = BOLT_PROPOSAL(4, 4, 2);
        *has = 1;
        return 0;
    }
    for (const char *p = o->bolt; *p;) {
        size_t len = strcspn(p, ",");
        if (n == 4 || bolt_word(p, len, &words[n]) != 0) {
            snprintf(err, errlen,
                     "--bolt: bad version list '%.60s' (at most 4 entries, 3 with --manifest, "
                     "e.g. 4.4 or 5.0-5.8,4.4,3)",
                     o->bolt);
            return -1;
        }
        n++;
        p += len;
        if (*p == ',') p++;
    }
    *has = 1;
    return 0;
}

typedef struct measure_run {
    bv_live lv;
    bv_conn_opts copts;
    bv_target *targets;
    uint32_t proposals[4];
    uv_loop_t loop;
    int loop_ok;
} measure_run;

static int prepare(measure_run *mr, const bv_options *o, char *err, size_t errlen)
{
    bv_conn_opts *c = &mr->copts;
    bv_conn_opts_init(c);
    c->ca_file = o->ca_file;
    c->cert_file = o->client_cert;
    c->key_file = o->client_key;
    c->pin = o->pin;
    c->user = o->user;
    c->password_file = o->password_file;
    c->token_file = o->token_file;
    c->credentials_file = o->credentials_file;
    c->no_auth = o->no_auth;
    c->auth_env_count = o->auth_env_count < BV_MAX_TARGETS ? o->auth_env_count : BV_MAX_TARGETS;
    for (size_t k = 0; k < c->auth_env_count; k++)
        c->auth_env[k] = o->auth_env[k];
    c->timeout_s = (double)o->connect_timeout_ms / 1000.0;
    c->fetch_size = o->fetch_size;
    int has = 0;
    if (bolt_proposals(o, mr->proposals, &has, err, errlen) < 0) return BOLT_E_INVAL;
    if (has) {
        memcpy(c->proposals, mr->proposals, sizeof c->proposals);
        c->has_proposals = 1;
    }
    mr->targets = bolt_calloc(o->instance_count, sizeof *mr->targets);
    if (!mr->targets) return BOLT_E_NOMEM;
    for (size_t i = 0; i < o->instance_count; i++) {
        const char *arg = o->instances[i];
        char why[700];
        if (bv_snapshot_is_path(arg)) continue; /* loaded by bv_snapshot_load_instances() */
        int rc = bv_target_prepare(c, arg, i, &mr->targets[i], why, sizeof why);
        if (rc) {
            char shown[300];
            bv_source_display(arg, shown, sizeof shown);
            snprintf(err, errlen, "instance %zu (%s): %s", i, shown, why);
            return rc == BV_EXIT_CONNECT ? BOLT_E_CONNECT : BOLT_E_INVAL;
        }
        /* A big partition may be silent for a long time before its first row: only the
         * server's own hint (or the query timeout plus a margin) bounds the wait. */
        mr->targets[i].cfg.recv_timeout_ms =
            o->query_timeout_ms ? o->query_timeout_ms + o->connect_timeout_ms : 0;
    }
    return 0;
}

static void on_progress(void *ud, uint64_t done, uint64_t total)
{
    bv_live *lv = ud;
    /* While coverage scans, its entities seen tell more than tasks ended. */
    if (lv->progress && !lv->entity_progress)
        bv_progress_update(lv->progress, lv->phase, done, total);
}

static int run_phase(bv_live *lv, const char *phase)
{
    lv->phase = phase;
    lv->entity_progress = 0;
    int rc = bv_sched_run(lv->sched);
    return rc < 0 ? rc : lv->error;
}

/* Records what the scheduler and the checks left behind, per instance. */
static int finish(bv_live *lv)
{
    unsigned asked = lv->o->checks;
    for (size_t i = 0; i < lv->count; i++) {
        bv_live_instance *li = &lv->inst[i];
        bv_instance *in = &lv->r->instances[i];
        if (bv_snapshot_is_path(lv->o->instances[i])) continue; /* as it was read */
        const bv_task_error *e = bv_sched_instance_error(lv->sched, i);
        if (e && in->status != BV_INSTANCE_FAILED &&
            bv_result_fail(lv->r, i, e->exit_class, e->err, "%s", e->message) < 0)
            return BOLT_E_NOMEM;
        li->m->checks = li->started & ~li->failed & asked;
        if (in->status != BV_INSTANCE_FAILED) continue;
        /* A failed instance says which checks it could not complete: all of them, since
         * nothing of it is compared. */
        li->m->checks = 0;
        for (unsigned k = 0; k < BV_CHECK_COUNT; k++) {
            unsigned check = 1u << k;
            if (!(asked & check) || bv_result_find_unchecked(lv->r, i, check)) continue;
            if (bv_result_unchecked(lv->r, i, check, in->exit_class, "not measured: %s",
                                    in->error ? in->error : "the instance failed") < 0)
                return BOLT_E_NOMEM;
        }
    }
    return 0;
}

/* A --key whose label the baseline does not use is a typo far more often than a finding (a
 * label lost by the migration shows up in the token and count checks anyway): stop with a usage
 * error naming the labels there are. */
static int check_key_labels(bv_live *lv, char *err, size_t errlen)
{
    const bv_live_instance *b = &lv->inst[0];
    if (!(lv->o->checks & (BV_CHECK_SAMPLE | BV_CHECK_FULL)) || !b->have_labels) return 0;
    for (size_t k = 0; k < lv->o->key_count; k++) {
        const char *label = lv->o->keys[k].label;
        if (bv_counts_find(&b->m->labels, label)) continue;
        char list[300] = "";
        size_t n = 0;
        for (size_t j = 0; j < b->m->labels.len && n < sizeof list; j++)
            n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", j ? ", " : "",
                                  b->m->labels.items[j].key);
        if (n >= sizeof list) memcpy(list + sizeof list - 4, "...", 4);
        snprintf(err, errlen, "--key %s.%s: label %s is not in use on the baseline (labels: %s)",
                 label, lv->o->keys[k].prop, label, b->m->labels.len ? list : "none");
        return BOLT_E_INVAL;
    }
    return 0;
}

static int measure_live(measure_run *mr, char *err, size_t errlen)
{
    bv_live *lv = &mr->lv;
    const bv_options *o = lv->o;
    int rc;
    for (size_t i = 0; i < lv->count; i++)
        if (lv->inst[i].live) inventory_start(lv, i);
    if ((rc = run_phase(lv, "connect")) < 0) return rc;

    for (size_t i = 0; i < lv->count; i++) {
        if (!lv->inst[i].live || bv_sched_instance_error(lv->sched, i)) continue;
        if ((o->checks & (BV_CHECK_TOKENS | BV_CHECK_COUNTS | BV_CHECK_SAMPLE | BV_CHECK_FULL)) &&
            (rc = bv_measure_tokens_start(lv, i)) < 0)
            return rc;
        if ((rc = bv_measure_schema_start(lv, i)) < 0) return rc;
    }
    if ((rc = run_phase(lv, "schema")) < 0) return rc;
    if ((rc = check_key_labels(lv, err, errlen)) < 0) return rc;

    for (size_t i = 0; i < lv->count; i++) {
        if (!lv->inst[i].live || bv_sched_instance_error(lv->sched, i)) continue;
        /* Counts chain from the token lists (measure_tokens.c); this only records why they
         * could not start when the lists failed. */
        if (!(lv->inst[i].started & BV_CHECK_COUNTS) && (rc = bv_measure_counts_start(lv, i)) < 0)
            return rc;
        if ((rc = bv_measure_coverage_start(lv, i)) < 0) return rc;
    }
    int more_sample = (o->checks & BV_CHECK_SAMPLE) != 0,
        more_full = (o->checks & BV_CHECK_FULL) != 0;
    for (unsigned phase = 0; phase == 0 || more_sample || more_full; phase++) {
        if (more_sample && (more_sample = bv_measure_sample_phase(lv, phase)) < 0)
            return more_sample;
        if (more_full && (more_full = bv_measure_full_phase(lv, phase)) < 0) return more_full;
        if ((rc = run_phase(lv, phase == 0 ? "measure" : "sample")) < 0) return rc;
    }
    return 0;
}

int bv_measure_all(const bv_options *o, bv_result *r, bv_progress *progress, char *err,
                   size_t errlen)
{
    measure_run mr;
    memset(&mr, 0, sizeof mr);
    bv_live *lv = &mr.lv;
    lv->o = o;
    lv->r = r;
    lv->progress = progress;
    lv->count = o->instance_count;
    lv->partition = o->partition_size ? o->partition_size : BV_DEFAULT_PARTITION_SIZE;
    int64_t now = (int64_t)time(NULL);
    /* Snapshot files stand for instances: loaded here, never measured (verify/snapshot.h). */
    int rc = bv_snapshot_load_instances(o, r, err, errlen);
    if (rc > 0) rc = 0;
    if (rc == 0) rc = prepare(&mr, o, err, errlen);
    if (rc == 0 && !(lv->inst = bolt_calloc(lv->count, sizeof *lv->inst))) rc = BOLT_E_NOMEM;
    if (rc == 0 && uv_loop_init(&mr.loop) != 0) {
        snprintf(err, errlen, "cannot start the event loop");
        rc = BOLT_E_IO;
    }
    if (rc == 0) {
        mr.loop_ok = 1;
        lv->loop = &mr.loop;
        bv_sched_config sc;
        memset(&sc, 0, sizeof sc);
        sc.retries = o->retries;
        sc.query_timeout_ms = o->query_timeout_ms;
        sc.fetch_size = o->fetch_size;
        sc.progress = on_progress;
        sc.progress_ud = lv;
        rc = bv_sched_new(&mr.loop, &sc, &lv->sched);
    }
    for (size_t i = 0; rc == 0 && i < lv->count; i++) {
        bv_live_instance *li = &lv->inst[i];
        li->index = i;
        li->m = &r->instances[i].m;
        li->node_total = li->rel_total = -1;
        const char *src = r->instances[i].source ? r->instances[i].source : "";
        bv_sched_instance_config ic = {&mr.targets[i].cfg, src, NULL, o->parallel};
        if (bv_snapshot_is_path(o->instances[i])) {
            /* still a scheduler instance (indices match the result's), that never gets a task */
            int k = bv_sched_add_instance(lv->sched, &ic);
            if (k < 0) rc = k;
            continue;
        }
        li->live = 1;
        li->m->seed = o->seed;
        li->m->sample_size = o->sample_size;
        li->m->measured_at = now;
        if (!(li->m->source = bolt_strndup(src, strlen(src))) ||
            !(li->m->inventory.address = bolt_strndup(src, strlen(src))))
            rc = BOLT_E_NOMEM;
        if (rc == 0) {
            int k = bv_sched_add_instance(lv->sched, &ic);
            if (k < 0) rc = k;
        }
    }
    if (rc == 0) rc = measure_live(&mr, err, errlen);
    if (rc == 0) rc = finish(lv);
    if (rc == BOLT_E_NOMEM) snprintf(err, errlen, "out of memory while measuring");
    if (lv->sched) {
        bv_measure_sample_free(lv);
        bv_measure_full_free(lv);
    }
    bv_sched_free(lv->sched);
    if (mr.loop_ok) {
        uv_run(&mr.loop, UV_RUN_DEFAULT); /* handles closed by the scheduler */
        uv_loop_close(&mr.loop);
    }
    for (size_t i = 0; lv->inst && i < lv->count; i++)
        bolt_free(lv->inst[i].db_owned);
    bolt_free(lv->inst);
    for (size_t i = 0; mr.targets && i < o->instance_count; i++)
        bv_target_free(&mr.targets[i]);
    bolt_free(mr.targets);
    bv_conn_opts_free(&mr.copts);
    return rc;
}
