/*
 * analysis/workers.c: forked worker processes and how they stop (see
 * analysis/workers.h).
 */
#include "analysis/workers.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "sim/err.h"

#define WAIT_POLL_MS 50             /* ms between checks for an interruption */

int workers_start(struct workers *w, int jobs, int (*body)(void *ctx, int k), void *ctx,
                  volatile sig_atomic_t *interrupted)
{
    memset(w, 0, sizeof *w);
    w->interrupted = interrupted;
    w->pid = calloc((size_t)jobs, sizeof *w->pid);
    w->status = calloc((size_t)jobs, sizeof *w->status);
    w->ended = calloc((size_t)jobs, sizeof *w->ended);
    if (!w->pid || !w->status || !w->ended) {
        workers_free(w);
        return -SIM_ENOMEM;
    }
    pid_t parent = getpid();
    fflush(NULL);
    for (int k = 0; k < jobs; k++) {
        pid_t pid = fork();
        if (pid < 0)
            return -SIM_EIO;
        if (pid == 0) {
#ifdef __linux__
            prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
            /* The parent may have died before the line above. */
            if (getppid() != parent)
                _exit(0);
            _exit(body(ctx, k) & 0xff);
        }
        w->pid[w->n++] = pid;
    }
    return 0;
}

bool workers_check(struct workers *w)
{
    if (!w->stopping && w->interrupted && *w->interrupted) {
        w->stopping = true;
        for (int k = 0; k < w->n; k++)
            if (!w->ended[k])
                kill(w->pid[k], SIGTERM);
    }
    return w->stopping;
}

void workers_wait(struct workers *w)
{
    for (;;) {
        bool all = true;
        for (int k = 0; k < w->n; k++) {
            if (w->ended[k])
                continue;
            pid_t r = waitpid(w->pid[k], &w->status[k], WNOHANG);
            if (r == w->pid[k] || (r < 0 && errno == ECHILD))
                w->ended[k] = true;
            else
                all = false;
        }
        if (all)
            return;
        workers_check(w);
        poll(NULL, 0, WAIT_POLL_MS);
    }
}

void workers_free(struct workers *w)
{
    free(w->pid);
    free(w->status);
    free(w->ended);
    w->pid = NULL;
    w->status = NULL;
    w->ended = NULL;
    w->n = 0;
}
