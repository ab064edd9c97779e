/*
 * workloads/wl.c: choosing a vCPU's workload from the scenario, and the
 * idle workload.
 *
 * Models: the operation stream of models/wl.h. The idle workload blocks
 * at once and stays blocked until something outside wakes the vCPU; it is
 * what a domain without a workload runs (a driver domain that only serves
 * back ends) and, when the caller asks for it, the stand-in for workload
 * kinds that later issues implement (io, server, mmu, trace).
 *
 * Source: no Xen behaviour beyond the block/yield/timer semantics of
 * shared/facts/xen-schedulers.md 1.2, which the core implements.
 *
 * Simplified: an idle workload woken from outside blocks again at once (it
 * has nothing to do), costing the switches in and out.
 */
#include "workloads/wl.h"

#include <stdio.h>
#include <stdlib.h>

#include "sim/err.h"

static const char *type_name(enum scn_wl_type t)
{
    switch (t) {
    case SCN_WL_NONE: return "none";
    case SCN_WL_CPU: return "cpu";
    case SCN_WL_PERIODIC: return "periodic";
    case SCN_WL_IO: return "io";
    case SCN_WL_SERVER: return "server";
    case SCN_WL_MMU: return "mmu";
    case SCN_WL_TRACE: return "trace";
    }
    return "?";
}

bool wl_type_supported(enum scn_wl_type type)
{
    return type == SCN_WL_NONE || type == SCN_WL_CPU || type == SCN_WL_PERIODIC
           || type == SCN_WL_TRACE;
}

struct wl *wl_new(const struct wl_env *env, bool stub_unsupported, char *err, size_t errlen)
{
    if (!env || !env->s || env->dom < 0 || env->dom >= env->s->ndomains) {
        if (err && errlen)
            snprintf(err, errlen, "workload: bad domain index");
        return NULL;
    }
    const struct scn_domain *d = &env->s->domains[env->dom];
    switch (d->wl.type) {
    case SCN_WL_CPU:
        return wl_cpu_new(env, err, errlen);
    case SCN_WL_PERIODIC:
        return wl_periodic_new(env, err, errlen);
    case SCN_WL_TRACE:
        return wl_trace_new(env, err, errlen);
    case SCN_WL_NONE:
        return wl_idle_new(env, err, errlen);
    default:
        if (stub_unsupported)
            return wl_idle_new(env, err, errlen);
        if (err && errlen)
            snprintf(err, errlen, "domain '%s': workload type %s is not implemented yet",
                     d->name, type_name(d->wl.type));
        return NULL;
    }
}

/* The idle workload: nothing but BLOCK. */

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

static const struct wl_ops idle_ops = { "idle", idle_next, idle_free };

struct wl *wl_idle_new(const struct wl_env *env, char *err, size_t errlen)
{
    (void)env;
    struct wl *w = calloc(1, sizeof *w);
    if (!w) {
        if (err && errlen)
            snprintf(err, errlen, "workload: out of memory");
        return NULL;
    }
    w->ops = &idle_ops;
    return w;
}
