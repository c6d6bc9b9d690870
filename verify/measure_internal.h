/* verify/measure_internal.h - INTERNAL to the measuring stage: what measure.c shares with the
 * check modules (measure_tokens.c, measure_counts.c, measure_schema.c, measure_coverage.c,
 * measure_sample.c, measure_full.c). The public entry point is bv_measure_all()
 * (include/verify/measure.h).
 *
 * Phases (measure.c; each ends when bv_sched_run() drained every queue):
 *
 *   A  inventory: dbms.components() picks the catalog, then SHOW DATABASES on "system"
 *      (4.0+) picks the database (--database, else the server's default)
 *   B  tokens (labels, types, keys), then counts as soon as both lists are in; schema
 *   C  coverage (chains its own partitions until done), and phase 0 of sample / full: the
 *      baseline's token lists, counts and schema are known by then
 *   D  sample / full phases 1, 2, ... while they ask for more
 *
 * A module submits tasks for one instance with bv_live_submit(); a task belongs to one check.
 * The first failure of a task ends its check on that instance: bv_live_submit's wrapper records
 * it (bv_result_unchecked, with the failure's exit class) and cancels the check's queued tasks;
 * later tasks of a failed check are refused. A check counts as measured when it was started
 * (bv_live_start_check, or implicitly by its first task) and nothing failed it.
 *
 * Handlers accumulate rows task-locally and merge into the measurement in done(status 0) only
 * (scheduler.h): that is what keeps a retried task from counting twice.
 *
 * Memory: bv_live and its instances are owned by measure.c; the measurement (inst->m) is the
 * result's. Everything runs on the loop thread.
 */
#ifndef VERIFY_MEASURE_INTERNAL_H
#define VERIFY_MEASURE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "bolt/net.h"
#include "verify/catalog.h"
#include "verify/measure.h"
#include "verify/model.h"
#include "verify/options.h"
#include "verify/progress.h"
#include "verify/result.h"
#include "verify/sample.h"
#include "verify/scheduler.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bv_live_instance {
    size_t index;          /* in the result and in the scheduler */
    int live;              /* 1: measured over Bolt (0: not started, failed early, snapshot) */
    const bv_catalog *cat; /* chosen by the inventory; NULL before */
    bv_measurement *m;     /* &r->instances[index].m */
    const char *db;        /* database the tasks use (NULL = the server's default) */
    unsigned started;      /* checks started here */
    unsigned failed;       /* checks that failed here (recorded in the result) */
    int64_t node_total;    /* count store totals, -1 until known (coverage's stop rule) */
    int64_t rel_total;
    int have_labels; /* the token lists were read (counts and sampling need them) */
    int have_types;
    char *db_owned;
} bv_live_instance;

typedef struct bv_live {
    const bv_options *o;
    bv_result *r;
    bv_progress *progress;
    bv_sched *sched;
    uv_loop_t *loop;
    bv_live_instance *inst;
    size_t count;
    int error;           /* first run-stopping error inside a callback (BOLT_E_NOMEM) */
    const char *phase;   /* progress bar label */
    int entity_progress; /* coverage draws the bar (entities seen) until the phase ends */
    uint64_t partition;  /* coverage ids per partition */
    void *sample_state;  /* owned by measure_sample.c (freed by bv_measure_sample_free) */
    void *full_state;    /* owned by measure_full.c (freed by bv_measure_full_free) */
} bv_live;

/* 1 when check was asked for and can still run on instance i (live, not failed there). */
int bv_live_wants(const bv_live *lv, size_t i, unsigned check);

/* Marks check as started on instance i (a check with no task, e.g. nothing to count, still
 * counts as measured). */
void bv_live_start_check(bv_live *lv, size_t i, unsigned check);

/* Queues one task of `check` on instance i. The handler's done() runs exactly once when this
 * returns 0; on a negative return it never runs (the check is then already marked failed, or
 * the run is out of memory: lv->error). */
int bv_live_submit(bv_live *lv, size_t i, unsigned check, const char *what, const char *cypher,
                   const bolt_value *params, const char *const *columns, size_t column_count,
                   const bv_task_handler *h, void *ud);

/* The check failed on instance i (first reason wins): recorded with exit_class (0: not possible
 * there, 3 or 4: a failure), its queued tasks canceled. Printf-style reason, one line. */
void bv_live_fail_check(bv_live *lv, size_t i, unsigned check, int exit_class, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

/* A run-stopping error in a callback (out of memory): remembered, the run ends after the phase.
 */
void bv_live_oom(bv_live *lv);

/* Builds a query from a catalog template (bv_catalog_build); on failure records lv->error (no
 * memory) or fails the check (a name that cannot be quoted) and returns NULL. */
char *bv_live_query(bv_live *lv, size_t i, unsigned check, const char *tmpl,
                    const char *const *names, size_t count);

/* Instance i's source as shown in reports (never NULL: "?" when unknown), for error lines. */
const char *bv_live_source(const bv_live *lv, size_t i);

/* A STRING value as a new NUL-terminated string (bolt_free), or NULL (not a string / no memory:
 * *oom set for the latter). A string containing NUL is refused (not representable). */
char *bv_value_strdup(const bolt_value *v, int *oom);

/* One row of integers, read in a task's record(): a count (column 0) or, with pair set, an id
 * range (columns 0 and 1, both null when no node matched: null set, e.g. a label that lost its
 * nodes since it was counted). The task's begin() clears got and null, so a retried attempt
 * starts over. */
typedef struct bv_int_row {
    int pair;
    int64_t a, b;
    int got, null;
} bv_int_row;

/* Reads row into r. 0, or BOLT_E_UNEXPECTED with a one-line row->err naming the query by what
 * ("a sampling query"): a second row, or a column that is not an integer. */
int bv_int_row_read(bv_int_row *r, const bv_row *row, const char *what);
/* The columns such a query answers: {"c"}, or {"lo", "hi"} with pair; count: pair ? 2 : 1. */
const char *const *bv_int_row_columns(int pair);

/* The columns of a node query (the catalog's node_fetch and full_* templates), in bv_node_row
 * order, and a row of them as a bv_node_row: the sample fetch, the full scans and the full
 * check's explaining fetch all read nodes this way. */
#define BV_NODE_COLUMN_COUNT 5
extern const char *const bv_node_columns[BV_NODE_COLUMN_COUNT];
bv_node_row bv_node_row_of(const bv_row *row);

/* ---- the check modules: each submits the tasks of its check on instance i ---- */
int bv_measure_tokens_start(bv_live *lv, size_t i);   /* measure_tokens.c */
int bv_measure_schema_start(bv_live *lv, size_t i);   /* measure_schema.c */
int bv_measure_counts_start(bv_live *lv, size_t i);   /* measure_counts.c */
int bv_measure_coverage_start(bv_live *lv, size_t i); /* measure_coverage.c */

/* Sample and full run over every instance at once, in phases: phase 0 runs with coverage
 * (phase C), after tokens, counts and schema of every instance are known; each returns 1 when
 * it queued work and wants to be called again with phase + 1 once that work is done, 0 when it
 * is finished, or a negative code to stop the run (no memory). They decide themselves which
 * instances take part (bv_live_wants) and record their failures with bv_live_fail_check. */
int bv_measure_sample_phase(bv_live *lv, unsigned phase); /* measure_sample.c */
int bv_measure_full_phase(bv_live *lv, unsigned phase);   /* measure_full.c */
/* Frees lv->sample_state / lv->full_state (called once, at the end, even after errors). */
void bv_measure_sample_free(bv_live *lv);
void bv_measure_full_free(bv_live *lv);

#ifdef __cplusplus
}
#endif
#endif
