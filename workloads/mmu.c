/*
 * workloads/mmu.c: the `mmu` workload: bursts of page-table updates
 * through the validated mmu_update hypercall (models/mm.h).
 *
 * Models: the vCPU of an mmu workload (vCPU 0 when it is the domain's one
 * workload) sleeps an `interval` (drawn from the interval distribution,
 * stream "dom:<domain>/vcpuK/interval" for vCPU K; the first
 * burst also waits one interval), then issues a burst of `updates`
 * page-table updates in hypercalls of `batch` entries (the last one takes
 * what is left), then sleeps again. Each hypercall is guest computation
 * (COMPUTE) of costs.hypercall + entries * costs.pte_validate (cycles
 * converted at the nominal tsc_hz, rounded to nearest ns), accounted as
 * mmu_validate_ns; its entries are validated and applied when that
 * computation ends. Each entry writes a random entry of one of the
 * domain's page tables (its first MM_WL_TABLES frames, pinned by
 * mm_install: min(MM_WL_TABLES, frames - 1)); with probability `invalid`
 * it maps a frame the domain does not own (uniform over the other
 * domains' frames, or the first mfn past machine memory if there is no
 * other domain) and must be rejected, else a random data frame of its own
 * (any frame after its tables), writable, which is always valid. The
 * choices come from the stream "dom:<domain>/vcpuK/mmu", so a domain's
 * updates do not depend on the scheduler or on other domains.
 *
 * CPU per update, for U updates per burst in batches of b: hypercalls
 * ceil(U / b) per burst, CPU per update = (ceil(U / b) * hypercall +
 * U * pte_validate) / U, i.e. hypercall / b + pte_validate when b divides U:
 * batching amortises the entry cost.
 *
 * Source: DESIGN.md section 4 (mmu keys); Barham et al., "Xen and the Art
 * of Virtualization" (SOSP 2003) section 3.3 (validated, batched updates).
 *
 * Simplified: the guest does nothing else (no work between hypercalls);
 * like the periodic workload, a vCPU woken early by the timer slop starts
 * its burst early; with zero costs and a zero interval a burst takes no
 * time, so the vCPU yields between bursts instead of looping at one
 * instant.
 */
#include <stdio.h>
#include <stdlib.h>

#include "models/mm.h"
#include "sim/dist.h"
#include "sim/err.h"
#include "sim/units.h"
#include "sim/rng.h"
#include "workloads/wl.h"

struct wl_mmu {
    struct wl base;
    struct wl_env env;              /* for the batcher, built at attach */
    struct wl_mmbatch mb;           /* the hypercall in progress and its choices */
    struct dist interval;           /* ns between bursts */
    struct rng *interval_rng;
    int updates;                    /* per burst */
    int batch;                      /* entries per hypercall */
    double invalid;                 /* fraction of forbidden entries */
    int remaining;                  /* updates left in the burst */
    sim_time_t burst_ns;            /* CPU cost of the current (or last) burst */
    bool sleeping;                  /* a SLEEP between bursts was asked for */
};

/* ---- the batcher (workloads/wl.h), shared with the trace workload ---- */

static uint64_t foreign_mfn(struct wl_mmbatch *x)
{
    uint64_t others = x->nframes - x->frames;
    if (others == 0)
        return x->nframes;
    uint64_t r = rng_below(x->rng, others);
    return r < x->first ? r : r + x->frames;
}

int wl_mmbatch_init(struct wl_mmbatch *b, const struct wl_env *env, struct mm *m)
{
    *b = (struct wl_mmbatch){ 0 };
    int64_t frames = m ? mm_dom_frames(m, env->dom) : -1;
    if (frames < 2)
        return -SIM_EINVAL;
    char mn[256];
    snprintf(mn, sizeof mn, "dom:%s/vcpu%d/mmu", env->s->domains[env->dom].name, env->vcpu);
    b->rng = rng_new(env->s->seed, env->replication, mn);
    if (!b->rng)
        return -SIM_ENOMEM;
    const struct scn_machine *mc = &env->s->machine;
    b->m = m;
    b->dom = env->dom;
    b->hypercall_ns = unit_cost_ns(&mc->costs.hypercall, mc->clock.tsc_hz);
    b->pte_ns = unit_cost_ns(&mc->costs.pte_validate, mc->clock.tsc_hz);
    b->first = (uint64_t)mm_dom_first_mfn(m, env->dom);
    b->frames = (uint64_t)frames;
    b->tables = b->frames - 1 < MM_WL_TABLES ? b->frames - 1 : MM_WL_TABLES;
    b->nframes = mm_nframes(m);
    return 0;
}

void wl_mmbatch_fini(struct wl_mmbatch *b)
{
    rng_free(b->rng);
    free(b->e);
    *b = (struct wl_mmbatch){ 0 };
}

sim_time_t wl_mmbatch_build(struct wl_mmbatch *x, int n, int forced, double p)
{
    if (n < 1)
        return -SIM_EINVAL;
    if (n > x->cap) {
        struct mm_entry *e = realloc(x->e, (size_t)n * sizeof *e);
        if (!e)
            return -SIM_ENOMEM;
        x->e = e;
        x->cap = n;
    }
    x->nforeign = 0;
    for (int i = 0; i < n; i++) {
        struct mm_entry *e = &x->e[i];
        e->table = x->first + rng_below(x->rng, x->tables);
        e->index = (uint32_t)rng_below(x->rng, MM_PT_ENTRIES);
        e->writable = true;
        if (i < forced || (p > 0 && rng_uniform(x->rng) < p)) {
            e->mfn = foreign_mfn(x);
            x->nforeign++;
        } else {
            e->mfn = x->first + x->tables + rng_below(x->rng, x->frames - x->tables);
        }
    }
    x->npending = n;
    x->pending_ns = x->hypercall_ns + (sim_time_t)n * x->pte_ns;
    return x->pending_ns;
}

int wl_mmbatch_finish(struct wl_mmbatch *x)
{
    if (x->npending <= 0)
        return 0;
    int rc = mm_update(x->m, x->dom, x->e, x->npending, NULL);
    if (rc < 0)
        return rc;
    mm_account_cpu(x->m, x->dom, x->pending_ns);
    x->npending = 0;
    return 0;
}

/* ---- the mmu workload ---- */

static int mmu_next(struct wl *w, sim_time_t now, struct wl_op *op)
{
    struct wl_mmu *x = (struct wl_mmu *)w;
    int rc;
    for (;;) {
        if ((rc = wl_mmbatch_finish(&x->mb)) < 0)
            return rc;
        if (x->remaining > 0) {
            int n = x->remaining < x->batch ? x->remaining : x->batch;
            x->remaining -= n;
            sim_time_t ns = wl_mmbatch_build(&x->mb, n, 0, x->invalid);
            if (ns < 0)
                return (int)ns;
            wl_note(&x->base, WL_DEM_PT_BATCH, false, (uint64_t)n, (uint64_t)x->mb.nforeign);
            x->burst_ns += ns;
            if (ns > 0) {
                *op = (struct wl_op){ .kind = WL_OP_COMPUTE, .rec = WL_REC_NONE, .ns = ns };
                return 0;
            }
            continue;
        }
        if (x->sleeping) {
            /* The sleep is over (possibly a little early): the burst starts. */
            x->sleeping = false;
            x->remaining = x->updates;
            x->burst_ns = 0;
            continue;
        }
        int64_t iv = dist_sample_i64(&x->interval, x->interval_rng);
        x->sleeping = true;
        if (iv > 0) {
            *op = (struct wl_op){ .kind = WL_OP_SLEEP, .ns = now + iv };
            return 0;
        }
        if (x->burst_ns == 0) {
            /* A burst that took no time and no interval: let others run. */
            *op = (struct wl_op){ .kind = WL_OP_YIELD, .ns = 0 };
            return 0;
        }
    }
}

static void mmu_free(struct wl *w)
{
    struct wl_mmu *x = (struct wl_mmu *)w;
    rng_free(x->interval_rng);
    wl_mmbatch_fini(&x->mb);
    free(x);
}

static unsigned mmu_needs(const struct wl *w)
{
    (void)w;
    return WL_NEEDS_MM;
}

/* The message for bad parameters (wl_mmu_new) and for a domain of fewer
 * than 2 frames (mmu_attach). */
static void mmu_refusal(const struct wl_env *env, char *err, size_t errlen)
{
    sim_errmsg(err, errlen, "domain '%s': mmu workload needs updates >= 1, batch >= 1, "
               "0 <= invalid <= 1 and at least 2 frames of memory",
               env->s->domains[env->dom].name);
}

static int mmu_attach(struct wl *w, const struct wl_devs *d, char *err, size_t errlen)
{
    struct wl_mmu *x = (struct wl_mmu *)w;
    int64_t frames = d->mm ? mm_dom_frames(d->mm, x->env.dom) : -1;
    if (frames < 2) {
        mmu_refusal(&x->env, err, errlen);
        return -SIM_EINVAL;
    }
    int rc = wl_mmbatch_init(&x->mb, &x->env, d->mm);
    if (rc < 0) {
        sim_errmsg(err, errlen, "workload: out of memory");
        return rc;
    }
    return 0;
}

static const struct wl_ops mmu_ops = { .name = "mmu", .next = mmu_next, .free = mmu_free,
                                       .needs = mmu_needs, .attach = mmu_attach };

struct wl *wl_mmu_new(const struct wl_env *env, char *err, size_t errlen)
{
    const struct scn_workload *wl = env->wl;
    if (wl->updates < 1 || wl->batch < 1 || !(wl->invalid >= 0) || wl->invalid > 1) {
        mmu_refusal(env, err, errlen);
        return NULL;
    }
    struct wl_mmu *x = calloc(1, sizeof *x);
    char in[256];
    snprintf(in, sizeof in, "dom:%s/vcpu%d/interval", env->s->domains[env->dom].name,
             env->vcpu);
    if (x)
        x->interval_rng = rng_new(env->s->seed, env->replication, in);
    if (!x || !x->interval_rng) {
        if (x)
            mmu_free(&x->base);
        sim_errmsg(err, errlen, "workload: out of memory");
        return NULL;
    }
    x->env = *env;
    x->base.ops = &mmu_ops;
    x->interval = wl->interval;
    x->updates = wl->updates;
    x->batch = wl->batch;
    x->invalid = wl->invalid;
    return &x->base;
}
