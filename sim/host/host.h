/*
 * sim/host/host.h: a simulated host built from a resolved scenario, in phases,
 * and torn down in one place.
 *
 * The phases (host_new), each using only what the earlier ones built:
 *  1. the engine (a fresh ev_loop at time 0) and the hypervisor core with
 *     its pCPUs, clocks and policy (models/hv), no workloads yet;
 *  2. the workloads, one per vCPU, through the registry
 *     (workloads/registry.c), installed in the core; each says what it
 *     needs of the host (models/wl.h: WL_NEEDS_*);
 *  3. the devices sized from those needs: the back ends' home
 *     (models/backend) if a split driver or a vif needs one, the block and
 *     network split drivers with their disks and NICs (models/blk,
 *     models/net), and the memory model (models/mm);
 *  4. each workload handed the devices it asked for (wl_attach);
 *  5. the bridge of the vifs (models/bridge), and the driver domains'
 *     back-end loops (be_install), after every back end is attached;
 *  6. (host_observe, optional) the observers: the --timeline schedule
 *     (sim/host/timeline.h), the --xentrace recorder (traces/xentrace.h),
 *     the --record-trace recorder (traces/record.h).
 * The order is the one the results depend on: the first events that the
 * split drivers and the bridge schedule while they are built take their
 * engine sequence numbers in it.
 *
 * Results: host_report hands every model's metrics, model by model, to
 * one sink (sim/metric.h); the recorder (analysis/record.c) writes them.
 * Ownership: the host borrows the scenario (it must outlive the host) and
 * owns everything it built. host_free frees the core first (its workloads
 * point into the devices, and it calls the observers), then the observers,
 * the devices and the engine.
 * Errors: constructors return NULL with a message; functions return 0 or
 * a negative sim_err.
 */
#ifndef XENSIM_SIM_HOST_H
#define XENSIM_SIM_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/scenario.h"

struct ev_loop;
struct hv;
struct be_host;
struct blk;
struct net;
struct br;
struct mm;
struct tl;
struct xt_host;
struct trec;

struct host {
    const struct scn *s;            /* borrowed */
    struct ev_loop *loop;
    struct hv *h;
    struct be_host *bh;             /* NULL: no split driver and no vif */
    struct blk *blk;                /* NULL: no workload needs a block front end */
    struct net *net;                /* NULL: no workload needs a network front end */
    struct br *br;                  /* NULL: no vif */
    struct mm *mm;                  /* NULL: no workload needs the memory model */
    /* Observers (host_observe); NULL when not asked for. */
    struct tl *tl;                  /* --timeline */
    struct xt_host *xt;             /* --xentrace; the run driver finishes it */
    struct trec *rec;               /* --record-trace; the run driver closes it */
    struct host_obs_pair {          /* both schedule observers at once */
        struct tl *tl;
        struct xt_host *xt;
    } both;
};

/* What host_observe sets up. */
struct host_obs {
    bool timeline;                  /* keep the schedule of (tl_w0, tl_w1] */
    sim_time_t tl_w0, tl_w1;        /* ns of engine time */
    const char *xentrace;           /* a xentrace file to write, or NULL */
    const char *record_trace;       /* a native trace to write, or NULL */
};

/* Build the host of s for replication (the RNG streams are seeded from
 * (s->seed, replication)), up to, not including, hv_start, with the policy
 * ops, or the one the scenario names if ops is NULL (tests pass their
 * own). NULL with a message on failure (the scenario's scheduler unknown,
 * a refused parameter, a device or workload that cannot be built). */
struct sched_ops;
struct host *host_new(const struct scn *s, uint32_t replication, const struct sched_ops *ops,
                      char *err, size_t errlen);

/* Phase 6: the observers o asks for, before hv_start. 0, or -SIM_ENOMEM,
 * -SIM_EIO (the xentrace file cannot be created) or -SIM_EBADINPUT (the
 * trace to record cannot be created) with a message. */
int host_observe(struct host *x, const struct host_obs *o, char *err, size_t errlen);

/* The core first, then the observers, the devices and the engine. Accepts
 * NULL. */
void host_free(struct host *x);

/* Start a new statistics window at the engine's current time in every
 * model (the end of the warm-up). */
void host_stats_reset(struct host *x);

/* Jain's index (sum x)^2 / (n sum x^2) over the CPU times x of the domains
 * that have a workload (equal entitlement assumed); NaN when there are
 * none or none ran. The machine's jain_fairness. */
double host_jain_fairness(struct host *x);

/* Report every metric of the window through k (sim/metric.h), model
 * by model in the order the results list them: the core's domains and
 * pCPUs (hv_report), the module "machine" (events, jain_fairness), then
 * blk_report, net_report, br_report and mm_report. 0 or the first error. */
struct metric_sink;
int host_report(struct host *x, const struct metric_sink *k);

#endif
