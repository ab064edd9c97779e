/*
 * workloads/registry.c: the workload kinds, one row each, and the choice
 * of a vCPU's workload from its domain's scenario entry.
 *
 * A kind is one file of workloads/ with a constructor of the one signature
 * wl_new_fn; what it needs of the host's devices it tells through its ops
 * (models/wl.h: needs, attach), so adding a kind touches no model. A kind
 * that runs on vCPU 0 only (vcpu0_only) leaves the domain's other vCPUs
 * the idle workload, unless the domain gives a list of workloads, one per
 * vCPU.
 */
#include "workloads/wl.h"

#include <stddef.h>

#include "sim/err.h"

static const struct wl_kind kinds[] = {
    { SCN_WL_NONE, "none", wl_idle_new, false },
    { SCN_WL_CPU, "cpu", wl_cpu_new, false },
    { SCN_WL_PERIODIC, "periodic", wl_periodic_new, false },
    { SCN_WL_IO, "io", wl_io_new, true },
    { SCN_WL_SERVER, "server", wl_server_new, true },
    { SCN_WL_MMU, "mmu", wl_mmu_new, true },
    { SCN_WL_TRACE, "trace", wl_trace_new, false },
    { SCN_WL_ONOFF, "onoff", wl_onoff_new, false },
};

const struct wl_kind *wl_kind_of(enum scn_wl_type type)
{
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (kinds[i].type == type)
            return &kinds[i];
    return NULL;
}

struct wl *wl_new(const struct wl_env *env, char *err, size_t errlen)
{
    if (!env || !env->s || env->dom < 0 || env->dom >= env->s->ndomains || env->vcpu < 0
        || env->vcpu >= env->s->domains[env->dom].vcpus) {
        sim_errmsg(err, errlen, "workload: bad domain or vCPU index");
        return NULL;
    }
    const struct scn_domain *d = &env->s->domains[env->dom];
    struct wl_env e = *env;
    e.wl = scn_vcpu_wl(d, env->vcpu);
    const struct wl_kind *k = wl_kind_of(e.wl->type);
    if (!k) {
        sim_errmsg(err, errlen, "domain '%s': workload type %d has no kind", d->name,
                   (int)e.wl->type);
        return NULL;
    }
    if (k->vcpu0_only && d->nwl == 1 && env->vcpu > 0)
        return wl_idle_new(&e, err, errlen);
    return k->new(&e, err, errlen);
}
