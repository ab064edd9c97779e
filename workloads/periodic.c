/*
 * workloads/periodic.c: the `periodic` workload, a soft real-time guest.
 *
 * Models: jobs released every `period` of the vCPU's NOW(), at phase,
 * phase + period, ... (`phase` defaults to 0: every periodic vCPU releases
 * at NOW() = 0, the worst case for contention). Each
 * job computes a burst drawn from the `burst` distribution, then the vCPU
 * sleeps until the next release (a timer on its pCPU's modelled clock, so
 * it may wake up to timer_slop early). A job that completes after the end
 * of its own period (release + period) is late and counted in late_periods;
 * completing exactly at the end is on time.
 *
 * Overload: releases are never skipped. If the next release has already
 * passed when a burst completes, the next burst starts at once, so an
 * overloaded vCPU builds a backlog and every job of it is late, rather than
 * silently dropping work. A job woken early by the slop starts early: the
 * guest trusts its timer, as a real one would.
 *
 * Source: DESIGN.md section 4 (`type: periodic`, `period`, `burst`); sleep
 * and wake as Xen 2.0's set_timer_op + SCHEDOP_block
 * (shared/facts/xen-schedulers.md 1.2, 1.3).
 *
 * Randomness: burst lengths come only from the stream
 * "dom:<domain>/vcpu<k>/burst", so the sequence of bursts is the same under
 * every scheduler.
 *
 * Simplified: a job is pure computation; deadlines equal periods.
 */
#include "workloads/wl.h"

#include <stdio.h>
#include <stdlib.h>

#include "sim/dist.h"
#include "sim/rng.h"
#include "sim/err.h"

enum periodic_state {
    P_START,                /* nothing done yet */
    P_SLEEPING,             /* asked to sleep until `release` */
    P_BURST,                /* computing the job released at `release` */
};

struct wl_periodic {
    struct wl base;
    sim_time_t period;      /* ns of NOW() between releases */
    struct dist burst;      /* ns of CPU per job */
    struct rng *rng;        /* "dom:<domain>/vcpu<k>/burst" */
    sim_time_t release;     /* ns NOW(): release of the current or next job */
    sim_time_t phase;       /* ns NOW() of the first release */
    enum periodic_state state;
};

static int periodic_next(struct wl *w, sim_time_t now, struct wl_op *op)
{
    struct wl_periodic *p = (struct wl_periodic *)w;
    switch (p->state) {
    case P_START:
        p->release = p->phase;
        p->state = P_SLEEPING;
        *op = (struct wl_op){ .kind = WL_OP_SLEEP, .ns = p->release };
        return 0;
    case P_SLEEPING:
        p->state = P_BURST;
        *op = (struct wl_op){ .kind = WL_OP_COMPUTE, .ns = dist_sample_i64(&p->burst, p->rng) };
        return 0;
    case P_BURST:
        w->st.periods++;
        if (now > p->release + p->period)
            w->st.late_periods++;
        p->release += p->period;
        p->state = P_SLEEPING;
        *op = (struct wl_op){ .kind = WL_OP_SLEEP, .ns = p->release };
        return 0;
    }
    return 0;
}

static void periodic_free(struct wl *w)
{
    struct wl_periodic *p = (struct wl_periodic *)w;
    rng_free(p->rng);
    free(p);
}

static const struct wl_ops periodic_ops = { .name = "periodic", .next = periodic_next,
                                            .free = periodic_free };

struct wl *wl_periodic_new(const struct wl_env *env, char *err, size_t errlen)
{
    const struct scn_domain *d = &env->s->domains[env->dom];
    if (env->wl->period <= 0) {
        sim_errmsg(err, errlen, "domain '%s': periodic workload needs a period > 0", d->name);
        return NULL;
    }
    struct wl_periodic *p = calloc(1, sizeof *p);
    char name[256];
    snprintf(name, sizeof name, "dom:%s/vcpu%d/burst", d->name, env->vcpu);
    if (p)
        p->rng = rng_new(env->s->seed, env->replication, name);
    if (!p || !p->rng) {
        free(p);
        sim_errmsg(err, errlen, "workload: out of memory");
        return NULL;
    }
    p->base.ops = &periodic_ops;
    p->period = env->wl->period;
    p->burst = env->wl->burst;
    p->phase = env->wl->phase;
    p->state = P_START;
    return &p->base;
}
