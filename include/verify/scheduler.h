/* verify/scheduler.h - runs the measuring queries of every instance: K read-only connections
 * per instance, all instances on ONE libuv loop, a task queue per instance, and retries that
 * never count anything twice.
 *
 *   bv_sched_new(loop, &cfg, &s);
 *   i = bv_sched_add_instance(s, &icfg);        // once per instance (no connection yet)
 *   bv_sched_submit(s, i, &task);                // any number, from anywhere on the loop thread
 *   bv_sched_run(s);                             // runs the loop until every queue is drained
 *   ... submit the next phase, bv_sched_run() again ...
 *   bv_sched_free(s);                            // GOODBYE on every connection, then frees
 *
 * A task is one read query (always access mode "r") with its parameters and a handler:
 *
 *   begin(ud)          before EVERY attempt: the handler drops whatever an earlier, failed
 *                      attempt gathered. Rows are accumulated task-locally (in ud) ...
 *   record(ud, row)    ... one call per record, the record valid during the call only ...
 *   summary(ud, meta)  (optional) the final PULL SUCCESS metadata of the attempt that succeeded
 *   done(ud, 0, NULL)  ... and merged into the measurement only here, once, when an attempt
 *                      succeeded. So a retried task never counts twice.
 *   done(ud, err, e)   or once, with the failure, when the task is given up (retry budget spent,
 *                      a permanent error, the instance failed, or bv_sched_cancel()).
 *
 * Retries. A transient failure (bv_sched_is_transient(): Neo.TransientError.*, a dropped
 * connection, a receive timeout) re-queues the task at the FRONT of its instance's queue after
 * an exponential backoff (backoff_ms, doubled per attempt, capped at backoff_max_ms), up to
 * `retries` retries per task. A dropped connection is reopened (same backoff) before it takes
 * the next task; a connection slot that failed to reconnect `retries` + 1 times in a row is
 * retired. Any other failure is permanent: the task ends at once with exit class 4
 * (BV_EXIT_SERVER) for server and protocol errors, 3 (BV_EXIT_CONNECT) for connection, TLS and
 * authentication errors. A record handler that returns a negative code also ends its task at
 * once (class 4: a row of an unexpected shape will not change on a retry).
 *
 * Instances. Connections open lazily: the first when the instance gets its first task; more,
 * up to `parallel`, only while tasks wait and every open connection is busy, and never before
 * the first connection has authenticated (a wrong password costs one failed login, not K:
 * Neo4j locks a user after a few failed attempts). When the instance has no connection left
 * (authentication refused, TLS failed, unreachable after its retries), the instance FAILS:
 * every queued task ends with done(err) and bv_sched_instance_error() says why; later
 * submissions to it are refused. Other instances go on.
 *
 * Threads: none. Everything, callbacks included, runs on the loop's thread; a handler may
 * submit new tasks (to any instance) and may call bv_sched_cancel().
 *
 * Memory: the scheduler owns its connections, queues and the copies of each task's cypher,
 * params and db. Borrowed (must outlive the scheduler): the loop, cfg->transport, each
 * instance's bolt_conn_config (and what it points to: URI, TLS context, routing cache), each
 * task's `columns` array and `handler`. A task's `ud` must stay valid until its done() ran.
 * Strings and values passed to callbacks are valid during the call only.
 */
#ifndef VERIFY_SCHEDULER_H
#define VERIFY_SCHEDULER_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "bolt/net.h"
#include "bolt/value.h"

#ifdef __cplusplus
extern "C" {
#endif

#define BV_SCHED_BACKOFF_MS 200u      /* first retry delay */
#define BV_SCHED_BACKOFF_MAX_MS 5000u /* backoff cap */

typedef struct bv_sched bv_sched;

/* A record as the handler sees it: the values of the columns the task asked for, by the
 * position in the task's `columns` (the server's column order does not matter, and a column the
 * server did not send reads as NULL). */
typedef struct bv_row {
    const bolt_value *record; /* the whole record (LIST), in the server's column order */
    const int *map;           /* internal: task column -> record index, -1 when absent */
    size_t column_count;
    char *err; /* a record handler that fails writes a one-line reason here */
    size_t errlen;
} bv_row;

/* The value of the task's column i in this row, or NULL when the server has no such column. */
static inline const bolt_value *bv_row_get(const bv_row *row, size_t i)
{
    if (i >= row->column_count || !row->map || row->map[i] < 0) return NULL;
    if ((uint32_t)row->map[i] >= row->record->len) return NULL;
    return &row->record->u.items[row->map[i]];
}

/* Why a task (or an instance) was given up. Strings valid during the callback only. */
typedef struct bv_task_error {
    int err;             /* BOLT_E_* (BOLT_E_CANCELED after bv_sched_cancel()) */
    int exit_class;      /* BV_EXIT_CONNECT (3), BV_EXIT_SERVER (4), or 0 when canceled */
    unsigned attempts;   /* attempts made, the failed ones included */
    const char *code;    /* the server's error code ("Neo.ClientError..."), or "" */
    const char *message; /* one line: "<instance>: <what>: <reason>"; never a credential */
} bv_task_error;

typedef struct bv_task_handler {
    /* Before every attempt (the first one too). May be NULL when record is NULL. */
    void (*begin)(void *ud);
    /* One record. 0 goes on; a negative BOLT_E_* ends the task at once (no retry), with the
     * reason the handler wrote into row->err (or a generic one). May be NULL. */
    int (*record)(void *ud, const bv_row *row);
    /* Optional: the final summary (PULL SUCCESS metadata: db, type, t_last ...) of the
     * attempt that succeeded, just before done(ud, 0, NULL). */
    void (*summary)(void *ud, const bolt_value *meta);
    /* Exactly once: status 0 and e NULL on success (merge now), else the failure. Required. */
    void (*done)(void *ud, int status, const bv_task_error *e);
} bv_task_handler;

typedef struct bv_task_spec {
    const char *cypher;         /* copied; runs in access mode "r" */
    const bolt_value *params;   /* a MAP, or NULL; deep-copied */
    const char *db;             /* NULL = the instance's database (bv_sched_set_db); copied */
    const char *const *columns; /* the column names the handler reads (bv_row_get), or NULL;
                                   borrowed, must outlive the task (catalog data is static) */
    size_t column_count;
    const char *what;               /* short name for messages ("label counts"); copied */
    unsigned group;                 /* the caller's tag (a BV_CHECK_* bit), for bv_sched_cancel */
    const bv_task_handler *handler; /* borrowed, must outlive the task */
    void *ud;
} bv_task_spec;

/* The transport under the scheduler: bolt/net.h connections by default. Tests plug in a fake
 * with the same contract (their handles are cast to bolt_conn *, never dereferenced here). */
typedef struct bv_sched_transport {
    int (*open)(void *ctx, uv_loop_t *loop, const bolt_conn_config *cfg,
                const bolt_conn_callbacks *cb, bolt_conn **out);
    int (*run)(void *ctx, bolt_conn *c, const char *cypher, const bolt_value *params,
               const bolt_query_opts *opts, const bolt_query_callbacks *cb);
    void (*close)(void *ctx, bolt_conn *c);
    const bolt_conn_info *(*info)(void *ctx, const bolt_conn *c);
    const char *(*errmsg)(void *ctx, const bolt_conn *c);
    void *ctx;
} bv_sched_transport;

typedef struct bv_sched_config {
    unsigned retries;          /* retries per task, and reconnects per connection slot */
    uint64_t backoff_ms;       /* first retry delay; 0 = BV_SCHED_BACKOFF_MS */
    uint64_t backoff_max_ms;   /* cap of the doubling; 0 = BV_SCHED_BACKOFF_MAX_MS */
    uint64_t query_timeout_ms; /* sent as each RUN's tx_timeout; 0 = the server's default */
    int64_t fetch_size;        /* records per PULL; 0 = the connection's default */
    /* Optional: called after every task that ended, with tasks ended / tasks submitted over
     * all instances (for the progress bar). */
    void (*progress)(void *ud, uint64_t done, uint64_t total);
    void *progress_ud;
    const bv_sched_transport *transport; /* NULL = bolt/net.h */
} bv_sched_config;

typedef struct bv_sched_instance_config {
    const bolt_conn_config *conn; /* borrowed (see Memory) */
    const char *name;             /* for messages, without credentials; copied */
    const char *db;               /* tasks' default database (4.0+), NULL = server default */
    unsigned parallel;            /* K: connections at most (>= 1) */
} bv_sched_instance_config;

/* Counters of one instance (tests, and the report's footnotes). */
typedef struct bv_sched_stats {
    uint64_t tasks_ok, tasks_failed, tasks_canceled;
    uint64_t retries;      /* attempts beyond the first, over all tasks */
    uint64_t reconnects;   /* connections reopened after a drop */
    uint64_t connections;  /* connections that authenticated, reconnects included */
    uint64_t records;      /* records handed to handlers, failed attempts included */
    unsigned max_parallel; /* most tasks that ran at the same time */
} bv_sched_stats;

/* *out on success; cfg is copied. 0, BOLT_E_INVAL or BOLT_E_NOMEM. */
int bv_sched_new(uv_loop_t *loop, const bv_sched_config *cfg, bv_sched **out);
/* Closes every connection politely (running the loop until they are closed), ends queued
 * tasks with done(BOLT_E_CANCELED), frees. NULL is allowed. */
void bv_sched_free(bv_sched *s);

/* Adds an instance; returns its index (0, 1, ... in call order) or BOLT_E_INVAL/BOLT_E_NOMEM. */
int bv_sched_add_instance(bv_sched *s, const bv_sched_instance_config *ic);
/* Changes the default database of later tasks (after the inventory learned it). Copied. */
int bv_sched_set_db(bv_sched *s, size_t inst, const char *db);

/* Queues a task; it starts from the loop, so its handler never runs inside this call. 0, or a
 * negative code and then done() will NEVER be called: BOLT_E_INVAL, BOLT_E_NOMEM, or the
 * instance's own error once it failed. */
int bv_sched_submit(bv_sched *s, size_t inst, const bv_task_spec *t);

/* Ends the queued tasks of `group` on instance inst with done(BOLT_E_CANCELED) (e.g. the rest
 * of a check that already failed). Tasks already running finish normally. */
void bv_sched_cancel(bv_sched *s, size_t inst, unsigned group);

/* Runs the loop until no task is queued, waiting or running on any instance. Connections stay
 * open for the next phase. 0, or a negative code when the loop itself failed. */
int bv_sched_run(bv_sched *s);

/* NULL while the instance is usable; else why it failed (err, exit_class, message). */
const bv_task_error *bv_sched_instance_error(const bv_sched *s, size_t inst);
/* What the first connection of the instance that authenticated showed (server agent, Bolt
 * version, TLS ...), or NULL before that. Owned by the scheduler. */
const bolt_conn_info *bv_sched_conn_info(const bv_sched *s, size_t inst);
void bv_sched_get_stats(const bv_sched *s, size_t inst, bv_sched_stats *out);

/* 1 when a failure is worth a retry: Neo.TransientError.* (code), an expired authorization
 * token, or a local error meaning the connection is gone (closed by the peer, receive timeout,
 * defunct, TCP connect refused or timed out). Authentication, TLS and name resolution errors
 * and every other server error are permanent. */
int bv_sched_is_transient(int err, const char *code);

#ifdef __cplusplus
}
#endif
#endif
