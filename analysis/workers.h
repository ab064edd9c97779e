/*
 * analysis/workers.h: the forked worker processes of `sweep -j N` and
 * `compare -j N` (analysis/sweep.c, analysis/compare.c), and how they stop.
 *
 * A worker is a fork of the caller running a function and exiting with its
 * return value. On Linux a worker dies with its parent (PR_SET_PDEATHSIG),
 * so killing the parent loses only the runs in flight. A signal sent to the
 * parent alone (kill PID, not the terminal's Ctrl-C to the whole process
 * group) reaches the workers through the parent: while it waits, the
 * parent watches its interruption flag and, once set, sends every worker
 * SIGTERM; a worker inherited the parent's handler, so its own flag is set
 * and its run in flight stops at its next check, writing nothing.
 *
 * Simplified: no restart of a worker that died; the caller finds out from
 * its status.
 */
#ifndef XENSIM_ANALYSIS_WORKERS_H
#define XENSIM_ANALYSIS_WORKERS_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

struct workers {
    pid_t *pid;                     /* the workers started, n of them */
    int *status;                    /* waitpid status of each, once ended */
    bool *ended;
    int n;
    bool stopping;                  /* SIGTERM was sent to every worker */
    volatile sig_atomic_t *interrupted; /* the caller's flag; may be NULL */
};

/* Start `jobs` workers; worker k runs body(ctx, k) and exits with its
 * return value (0 .. 255). Returns 0; -SIM_ENOMEM; or -SIM_EIO if a fork
 * failed, when w->n workers were started and still run (wait for them).
 * Flushes stdio first so nothing buffered is written twice. */
int workers_start(struct workers *w, int jobs, int (*body)(void *ctx, int k), void *ctx,
                  volatile sig_atomic_t *interrupted);

/* If the caller was interrupted, send every worker SIGTERM (once); true
 * once the workers are being stopped. Call while waiting for them. */
bool workers_check(struct workers *w);

/* Wait for every worker to end, checking for an interruption every 50 ms
 * (workers_check), and fill w->status. */
void workers_wait(struct workers *w);

void workers_free(struct workers *w);

#endif
