/*
 * workloads/mmu.c: the `mmu` workload: bursts of page-table updates
 * through the validated mmu_update hypercall (models/mm.h).
 *
 * Models: vCPU 0 of an mmu domain sleeps an `interval` (drawn from the
 * interval distribution, stream "dom:<domain>/vcpu0/interval"; the first
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
 * choices come from the stream "dom:<domain>/vcpu0/mmu", so a domain's
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
    struct mm *m;
    int dom;
    struct dist interval;           /* ns between bursts */
    struct rng *interval_rng;
    struct rng *rng;                /* entry choices */
    int updates;                    /* per burst */
    int batch;                      /* entries per hypercall */
    double invalid;                 /* fraction of forbidden entries */
    sim_time_t hypercall_ns;        /* ns per hypercall entry and exit */
    sim_time_t pte_ns;              /* ns per entry validated */
    uint64_t first, frames, tables; /* own mfns: first .. first+frames-1, tables first */
    uint64_t nframes;               /* machine frames in all */
    struct mm_entry *e;             /* [batch] the hypercall in progress */
    int npending;                   /* its entries (0: none in progress) */
    sim_time_t pending_ns;          /* its cost */
    int remaining;                  /* updates left in the burst */
    sim_time_t burst_ns;            /* CPU cost of the current (or last) burst */
    bool sleeping;                  /* a SLEEP between bursts was asked for */
};


static uint64_t foreign_mfn(struct wl_mmu *x)
{
    uint64_t others = x->nframes - x->frames;
    if (others == 0)
        return x->nframes;
    uint64_t r = rng_below(x->rng, others);
    return r < x->first ? r : r + x->frames;
}

static void build(struct wl_mmu *x, int n)
{
    for (int i = 0; i < n; i++) {
        struct mm_entry *e = &x->e[i];
        e->table = x->first + rng_below(x->rng, x->tables);
        e->index = (uint32_t)rng_below(x->rng, MM_PT_ENTRIES);
        e->writable = true;
        if (x->invalid > 0 && rng_uniform(x->rng) < x->invalid)
            e->mfn = foreign_mfn(x);
        else
            e->mfn = x->first + x->tables + rng_below(x->rng, x->frames - x->tables);
    }
    x->npending = n;
    x->pending_ns = x->hypercall_ns + (sim_time_t)n * x->pte_ns;
}

static int finish(struct wl_mmu *x)
{
    int rc = mm_update(x->m, x->dom, x->e, x->npending, NULL);
    if (rc < 0)
        return rc;
    mm_account_cpu(x->m, x->dom, x->pending_ns);
    x->npending = 0;
    return 0;
}

static int mmu_next(struct wl *w, sim_time_t now, struct wl_op *op)
{
    struct wl_mmu *x = (struct wl_mmu *)w;
    int rc;
    for (;;) {
        if (x->npending > 0 && (rc = finish(x)) < 0)
            return rc;
        if (x->remaining > 0) {
            int n = x->remaining < x->batch ? x->remaining : x->batch;
            x->remaining -= n;
            build(x, n);
            x->burst_ns += x->pending_ns;
            if (x->pending_ns > 0) {
                *op = (struct wl_op){ .kind = WL_OP_COMPUTE, .ns = x->pending_ns };
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
    rng_free(x->rng);
    free(x->e);
    free(x);
}

static const struct wl_ops mmu_ops = { "mmu", mmu_next, mmu_free };

struct wl *wl_mmu_new(const struct wl_env *env, struct mm *m, char *err, size_t errlen)
{
    const struct scn_domain *d = &env->s->domains[env->dom];
    const struct scn_workload *wl = &d->wl;
    int64_t frames = m ? mm_dom_frames(m, env->dom) : -1;
    if (!m || frames < 2 || wl->updates < 1 || wl->batch < 1 || !(wl->invalid >= 0)
        || wl->invalid > 1) {
        if (err && errlen)
            snprintf(err, errlen, "domain '%s': mmu workload needs updates >= 1, batch >= 1, "
                     "0 <= invalid <= 1 and at least 2 frames of memory", d->name);
        return NULL;
    }
    struct wl_mmu *x = calloc(1, sizeof *x);
    char in[256], mn[256];
    snprintf(in, sizeof in, "dom:%s/vcpu%d/interval", d->name, env->vcpu);
    snprintf(mn, sizeof mn, "dom:%s/vcpu%d/mmu", d->name, env->vcpu);
    if (x) {
        x->interval_rng = rng_new(env->s->seed, env->replication, in);
        x->rng = rng_new(env->s->seed, env->replication, mn);
        x->e = calloc((size_t)wl->batch, sizeof *x->e);
    }
    if (!x || !x->interval_rng || !x->rng || !x->e) {
        if (x)
            mmu_free(&x->base);
        if (err && errlen)
            snprintf(err, errlen, "workload: out of memory");
        return NULL;
    }
    const struct scn_machine *mc = &env->s->machine;
    x->base.ops = &mmu_ops;
    x->m = m;
    x->dom = env->dom;
    x->interval = wl->interval;
    x->updates = wl->updates;
    x->batch = wl->batch;
    x->invalid = wl->invalid;
    x->hypercall_ns = unit_cost_ns(&mc->costs.hypercall, mc->clock.tsc_hz);
    x->pte_ns = unit_cost_ns(&mc->costs.pte_validate, mc->clock.tsc_hz);
    x->first = (uint64_t)mm_dom_first_mfn(m, env->dom);
    x->frames = (uint64_t)frames;
    x->tables = x->frames - 1 < MM_WL_TABLES ? x->frames - 1 : MM_WL_TABLES;
    x->nframes = mm_nframes(m);
    return &x->base;
}
