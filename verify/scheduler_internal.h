/* verify/scheduler_internal.h - INTERNAL: what the two halves of the scheduler share.
 *
 *   scheduler.c       tasks, queues, backoff timer, dispatch, the public API
 *   scheduler_conn.c  connection slots (open, lost, reopen) and query attempts over the
 *                     transport (bolt/net.h by default)
 *
 * The state machine of a slot and the rules are described at the top of scheduler.c. */
#ifndef VERIFY_SCHEDULER_INTERNAL_H
#define VERIFY_SCHEDULER_INTERNAL_H

#include <stdint.h>

#include "verify/scheduler.h"

enum slot_state { S_NONE = 0, S_CONNECTING, S_READY, S_BUSY, S_CLOSING, S_BACKOFF, S_RETIRED };

typedef struct inst inst;
typedef struct slot slot;

typedef struct task {
    struct task *next;
    inst *in;
    char *cypher;
    char *db;
    char *what;
    bolt_arena arena; /* the deep copy of params */
    bolt_value params;
    int has_params;
    const char *const *columns;
    size_t column_count;
    int *map;
    unsigned group;
    const bv_task_handler *h;
    void *ud;
    unsigned attempts;
    uint64_t ready_at; /* backoff: not before this uv_now() */
    int handler_err;   /* a record handler refused a row: the task fails at its summary */
    char errbuf[256];
} task;

struct slot {
    inst *in;
    bolt_conn *c;
    int state;
    task *t;        /* BUSY: the running task */
    unsigned fails; /* consecutive connection losses / failed opens */
    int retry;      /* CLOSING: reopen after the backoff (else retire) */
    uint64_t reopen_at;
    int last_err;
    char last_msg[512];
};

struct inst {
    bv_sched *s;
    size_t index;
    const bolt_conn_config *cfg;
    char *name;
    char *db;
    unsigned parallel;
    slot *slots;
    task *q_head, *q_tail; /* queued, ready to run */
    task *waiting;         /* in backoff */
    size_t queued, running, nwaiting;
    int authenticated; /* a connection got ready once: more may be opened */
    int failed;
    bv_task_error err;
    char *err_msg;
    bolt_conn_info info;
    int has_info;
    uv_timer_t timer;
    int timer_closed;
    bv_sched_stats stats;
};

struct bv_sched {
    uv_loop_t *loop;
    bv_sched_config cfg;
    bv_sched_transport tr;
    inst **insts;
    size_t count;
    uint64_t total, ended;
    size_t open_conns;     /* connections whose on_closed has not run yet */
    size_t closing_timers; /* instance timers being closed */
    int freeing;
};

extern const bv_sched_transport sched_net_transport;

/* scheduler.c */
void sched_dispatch(inst *in);
int sched_exit_class(int err);
uint64_t sched_backoff_ms(const bv_sched *s, unsigned n);
/* Ends a task for good: done() exactly once, then it is freed. */
void sched_task_end(task *t, int status, int exit_class, const char *code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

/* scheduler_conn.c */
void sched_slot_open(slot *sl);
void sched_task_start(slot *sl, task *t);

#endif
