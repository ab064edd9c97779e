/*
 * workloads/onoff.c: the `onoff` workload, a guest that alternates bursts
 * of computation and sleeps.
 *
 * Models: from its admission, a vCPU computes a burst of CPU time drawn
 * from `on`, then sleeps for a time drawn from `off`, measured from the
 * end of the burst (a guest's set_timer_op to NOW() + off, then
 * SCHEDOP_block), and so on. The burst is CPU time actually received, so
 * preemption lengthens the cycle rather than shortening the burst; the
 * sleep is a timer, so its wake may come up to the timer slop early, as a
 * periodic guest's. An `off` of 0 gives no sleep: the next burst follows
 * at once.
 *
 * Randomness: `on` from "dom:<domain>/vcpu<k>/on" and `off` from
 * "dom:<domain>/vcpu<k>/off", so a vCPU's demand does not depend on the
 * scheduler, on the other vCPUs or on how long its sleeps really last.
 *
 * Source: a classic on/off source (exponential on and off periods give
 * the interrupted Poisson process of traffic models); no Xen behaviour
 * beyond the block and timer semantics of shared/facts/xen-schedulers.md
 * 1.2, which the core implements.
 *
 * Simplified: the sleep is drawn when the burst ends, not when it starts.
 */
#include "workloads/wl.h"

#include <stdio.h>
#include <stdlib.h>

#include "sim/dist.h"
#include "sim/err.h"
#include "sim/rng.h"

struct wl_onoff {
    struct wl base;
    struct dist on;             /* ns of CPU per burst */
    struct dist off;            /* ns of sleep after a burst */
    struct rng *on_rng;         /* "dom:<domain>/vcpu<k>/on" */
    struct rng *off_rng;        /* "dom:<domain>/vcpu<k>/off" */
    bool computing;             /* the last operation asked for was a burst */
};

static int onoff_next(struct wl *w, sim_time_t now, struct wl_op *op)
{
    struct wl_onoff *x = (struct wl_onoff *)w;
    if (!x->computing) {
        x->computing = true;
        *op = (struct wl_op){ .kind = WL_OP_COMPUTE, .ns = dist_sample_i64(&x->on, x->on_rng) };
        return 0;
    }
    x->computing = false;
    sim_time_t off = dist_sample_i64(&x->off, x->off_rng);
    *op = (struct wl_op){ .kind = WL_OP_SLEEP, .ns = now + (off > 0 ? off : 0) };
    return 0;
}

static void onoff_free(struct wl *w)
{
    struct wl_onoff *x = (struct wl_onoff *)w;
    rng_free(x->on_rng);
    rng_free(x->off_rng);
    free(x);
}

static const struct wl_ops onoff_ops = { .name = "onoff", .next = onoff_next,
                                         .free = onoff_free };

struct wl *wl_onoff_new(const struct wl_env *env, char *err, size_t errlen)
{
    const struct scn_domain *d = &env->s->domains[env->dom];
    struct wl_onoff *x = calloc(1, sizeof *x);
    char on[256], off[256];
    snprintf(on, sizeof on, "dom:%s/vcpu%d/on", d->name, env->vcpu);
    snprintf(off, sizeof off, "dom:%s/vcpu%d/off", d->name, env->vcpu);
    if (x) {
        x->on_rng = rng_new(env->s->seed, env->replication, on);
        x->off_rng = rng_new(env->s->seed, env->replication, off);
    }
    if (!x || !x->on_rng || !x->off_rng) {
        if (x)
            onoff_free(&x->base);
        sim_errmsg(err, errlen, "workload: out of memory");
        return NULL;
    }
    x->base.ops = &onoff_ops;
    x->on = env->wl->on;
    x->off = env->wl->off;
    return &x->base;
}
