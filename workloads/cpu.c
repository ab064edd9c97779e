/*
 * workloads/cpu.c: the `cpu` workload, a CPU-bound guest.
 *
 * Models: a vCPU that is always runnable. Without yield_every it computes
 * for ever (a hog: it only leaves the pCPU when the scheduler preempts it).
 * With yield_every Y it computes Y ns of CPU time, then yields
 * (SCHEDOP_yield), and so on; the count restarts after every yield, and
 * preemption does not reset it (Y is CPU time actually received).
 *
 * Source: DESIGN.md section 4 (`type: cpu`, `yield_every`); the yield
 * semantics are Xen 2.0's (shared/facts/xen-schedulers.md 1.2: yield enters
 * the scheduler with the caller still runnable).
 *
 * Simplified: no randomness; the guest's own kernel (its timer interrupts,
 * its idle loop) is not modelled.
 */
#include "workloads/wl.h"
#include "sim/err.h"

#include <stdio.h>
#include <stdlib.h>

struct wl_cpu {
    struct wl base;
    sim_time_t every;       /* ns of CPU between yields, 0 = never yield */
    bool yield_next;        /* the last op was a COMPUTE of `every` */
};

static int cpu_next(struct wl *w, sim_time_t now, struct wl_op *op)
{
    (void)now;
    struct wl_cpu *c = (struct wl_cpu *)w;
    if (c->every <= 0) {
        *op = (struct wl_op){ .kind = WL_OP_COMPUTE, .ns = WL_FOREVER };
    } else if (c->yield_next) {
        c->yield_next = false;
        *op = (struct wl_op){ .kind = WL_OP_YIELD, .ns = 0 };
    } else {
        c->yield_next = true;
        *op = (struct wl_op){ .kind = WL_OP_COMPUTE, .ns = c->every };
    }
    return 0;
}

static void cpu_free(struct wl *w)
{
    free(w);
}

static const struct wl_ops cpu_ops = { .name = "cpu", .next = cpu_next, .free = cpu_free };

struct wl *wl_cpu_new(const struct wl_env *env, char *err, size_t errlen)
{
    struct wl_cpu *c = calloc(1, sizeof *c);
    if (!c) {
        sim_errmsg(err, errlen, "workload: out of memory");
        return NULL;
    }
    c->base.ops = &cpu_ops;
    c->every = env->wl->yield_every;
    return &c->base;
}
