/*
 * workloads/idle.c: the idle workload, what a domain without a workload
 * runs (a driver domain that only serves back ends, a vCPU the domain's
 * workload kind leaves unused).
 *
 * Models: a vCPU that blocks at once and stays blocked until something
 * outside wakes it, then blocks again.
 *
 * Source: no Xen behaviour beyond the block/yield/timer semantics of
 * shared/facts/xen-schedulers.md 1.2, which the core implements.
 *
 * Simplified: an idle workload woken from outside blocks again at once (it
 * has nothing to do), costing the switches in and out.
 */
#include "workloads/wl.h"

#include <stdlib.h>

#include "sim/err.h"

static int idle_next(struct wl *w, sim_time_t now, struct wl_op *op)
{
    (void)w;
    (void)now;
    *op = (struct wl_op){ .kind = WL_OP_BLOCK, .ns = 0 };
    return 0;
}

static void idle_free(struct wl *w)
{
    free(w);
}

static const struct wl_ops idle_ops = { .name = "idle", .next = idle_next, .free = idle_free };

struct wl *wl_idle_new(const struct wl_env *env, char *err, size_t errlen)
{
    (void)env;
    struct wl *w = calloc(1, sizeof *w);
    if (!w) {
        sim_errmsg(err, errlen, "workload: out of memory");
        return NULL;
    }
    w->ops = &idle_ops;
    return w;
}
