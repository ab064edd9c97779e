/*
 * workloads/wl.h: the workload kinds, which produce the operation streams
 * of models/wl.h from a domain's scenario entry.
 *
 * Kinds: `cpu` (always runnable; with yield_every Y, compute Y then yield,
 * repeatedly), `periodic` (bursts released every period; counts late
 * periods), `idle` (blocks at once and for good: the domains without a
 * workload), `io`, `server`, `mmu` and `trace` (they need a device's front
 * end or the memory model, handed to them by the model that builds it).
 *
 * Randomness: only from named streams (sim/rng.h) keyed by stable names such
 * as "dom:<domain>/vcpu<k>/burst", seeded from (scn.seed, replication), so
 * one domain's demand does not depend on the scheduler or on other domains.
 */
#ifndef XENSIM_WORKLOADS_WL_H
#define XENSIM_WORKLOADS_WL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "models/wl.h"
#include "sim/scenario.h"
#include "sim/types.h"

/* What a workload is built from. */
struct wl_env {
    const struct scn *s;    /* borrowed; outlives the workload */
    int dom;                /* index into s->domains */
    int vcpu;               /* index within the domain */
    uint32_t replication;   /* for RNG seeding */
    const struct scn_workload *wl;  /* the vCPU's entry (scn_vcpu_wl); wl_new sets it */
};

/* A workload kind's constructor: the workload of vCPU env->vcpu of domain
 * env->dom, from the domain's scenario entry, before any device exists.
 * NULL with a message on failure. */
typedef struct wl *wl_new_fn(const struct wl_env *env, char *err, size_t errlen);

/* A row of the registry (workloads/registry.c). */
struct wl_kind {
    enum scn_wl_type type;      /* the scenario's workload `type` */
    const char *name;
    wl_new_fn *new;
    bool vcpu0_only;            /* the domain's other vCPUs run the idle workload */
};

/* The kind of a scenario workload type, or NULL. */
const struct wl_kind *wl_kind_of(enum scn_wl_type type);

/* The workload of vCPU env->vcpu of domain env->dom, through the registry:
 * its kind's, or the idle workload on a vCPU its kind leaves unused. NULL
 * with a message on failure. */
struct wl *wl_new(const struct wl_env *env, char *err, size_t errlen);

/* The kinds, one file each. */
wl_new_fn wl_idle_new;          /* workloads/idle.c */
wl_new_fn wl_cpu_new;           /* workloads/cpu.c */
wl_new_fn wl_periodic_new;      /* workloads/periodic.c */
wl_new_fn wl_io_new;            /* workloads/io.c: needs the block front end */
wl_new_fn wl_server_new;        /* workloads/server.c: needs the network front end */
wl_new_fn wl_mmu_new;           /* workloads/mmu.c: needs the memory model */
wl_new_fn wl_onoff_new;         /* workloads/onoff.c */
/* workloads/trace.c: replays the domain's records of a native trace;
 * refuses a damaged trace or records it cannot replay. What it needs
 * depends on the records. */
wl_new_fn wl_trace_new;
/* The same reading and refusals for every vCPU of domain dom of s at once,
 * without building anything (`xensim check`): 0 if the replay of its trace
 * can start (or the domain has no trace workload), else a negative sim_err
 * and the message wl_trace_new would give. Streamed, one pass. */
int wl_trace_check(const struct scn *s, int dom, char *err, size_t errlen);

/*
 * One guest's mmu_update batches (workloads/mmu.c), shared by the mmu and
 * trace workloads: wl_mmbatch_build fills a batch of n entries (random
 * entries of the domain's pinned tables, from the stream "dom:<domain>/
 * vcpu<k>/mmu"; an entry targets a frame the domain does not own if it is
 * one of the first `forced` entries or, after those, with probability p)
 * and returns its CPU cost (costs.hypercall + n * costs.pte_validate, in
 * ns); the workload computes that long, then wl_mmbatch_finish submits the
 * batch (mm_update) and accounts the cost (mm_account_cpu).
 */
struct rng;
struct mm_entry;
struct wl_mmbatch {
    struct mm *m;
    int dom;
    struct rng *rng;                /* entry choices */
    sim_time_t hypercall_ns;        /* ns per hypercall entry and exit */
    sim_time_t pte_ns;              /* ns per entry validated */
    uint64_t first, frames, tables; /* own mfns: first .. first+frames-1, tables first */
    uint64_t nframes;               /* machine frames in all */
    struct mm_entry *e;             /* [cap] the hypercall in progress */
    int cap;                        /* entries allocated */
    int npending;                   /* its entries (0: none in progress) */
    int nforeign;                   /* of those, how many map a frame of another owner */
    sim_time_t pending_ns;          /* ns, its cost */
};
/* 0, or -SIM_EINVAL (fewer than 2 frames) / -SIM_ENOMEM. */
int wl_mmbatch_init(struct wl_mmbatch *b, const struct wl_env *env, struct mm *m);
void wl_mmbatch_fini(struct wl_mmbatch *b);
/* Build a batch of n >= 1 entries (growing the array as needed); returns
 * its cost in ns, or a negative sim_err. */
sim_time_t wl_mmbatch_build(struct wl_mmbatch *b, int n, int forced, double p);
/* Submit the batch built, if any; 0 or a negative sim_err. */
int wl_mmbatch_finish(struct wl_mmbatch *b);

#endif
