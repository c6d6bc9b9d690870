/* verify/cmd_run.h - INTERNAL to the CLI: what the commands that run the measuring stage
 * (verify, snapshot) share around bv_measure_all(): the sampling seed nobody chose, the wall
 * clock and the exit code of a run-level error. */
#ifndef VERIFY_CMD_RUN_H
#define VERIFY_CMD_RUN_H

#include <stdint.h>

/* Milliseconds since the Unix epoch (CLOCK_REALTIME). */
int64_t bv_wall_ms(void);

/* A sampling seed nobody chose (/dev/urandom, else clock and pid; never 0): the caller prints
 * it (verify's report, snapshot's summary) so that --seed reproduces the run. */
uint64_t bv_random_seed(void);

/* The BV_EXIT_* code of a run-level error of bv_measure_all() (verify/measure.h): a
 * connection, TLS or authentication failure is BV_EXIT_CONNECT, anything else BV_EXIT_USAGE. */
int bv_run_exit_code(int err);

#endif
