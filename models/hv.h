/*
 * models/hv.h: the hypervisor core of a Xen-style host: pCPUs with their
 * modelled clocks, domains and their vCPUs, the generic scheduling layer
 * that drives a policy (schedulers/sched.h), and the workloads that give
 * each vCPU something to do (workloads/wl.h).
 *
 * Source: Xen 2.0's generic scheduler layer (shared/facts/xen-schedulers.md
 * 1.1, 1.2, 1.3 and 9; facts only, no Xen code): __enter_scheduler reads
 * NOW(), removes the slice timer, charges prev, asks the policy for
 * {next, slice}, stamps next->lastschd and arms the slice timer at
 * now + slice; prev == next is no switch at all. Block and yield enter the
 * scheduler directly, as SCHEDOP_block / SCHEDOP_yield do; a block calls
 * the policy's do_block hook (if any), never sleep, which only a pause
 * reaches. A domain is created paused and admitted through the wake hook
 * when unpaused; a wake may raise SCHEDULE_SOFTIRQ (sched_tickle) or pull
 * the slice timer earlier. The 10 ms tick (t_timer) and the 500 ms
 * fallback_timer run on every pCPU, re-armed from NOW(). Costs: a context switch costs
 * costs.context_switch of pure overhead, and a switch to a vCPU of another
 * domain than the last one that ran on the pCPU also costs
 * costs.cache_refill, charged to the incoming vCPU as CPU time that makes no
 * progress (Barham et al. needed such a cost to reproduce their Fig. 6).
 *
 * Simplified (docs/hypervisor.md has the full list): no migration (a vCPU
 * stays on the pCPU chosen at creation, as in Xen 2.0's per-CPU queues);
 * the fallback timer's time-info refresh is not modelled; handlers other
 * than the switch itself take no simulated time.
 *
 * Time: every statistic is in ns of true (engine) time; policies and
 * workloads see only NOW() of their pCPU's modelled clock.
 *
 * Usage (the run driver):
 *   h = hv_new(loop, scn, sched_find(scn->sched.name), err, sizeof err);
 *   hv_set_workload(h, d, k, w) for every vCPU;
 *   hv_start(h);
 *   ev_run(loop, scn->warmup);       hv_stats_reset(h);
 *   ev_run(loop, scn->warmup + scn->duration);
 *   if (hv_status(h) < 0) ...        (an error stopped the loop early)
 *   hv_dom_stats(h, d, &ds); hv_pcpu_stats(h, p, &ps); hv_dom_sched_latency(h, d) ...
 *   hv_free(h);
 *
 * Ownership: the hv borrows loop, scn and ops, which must outlive it; it owns
 * its clocks, vCPUs, workloads, RNG streams and statistic recorders.
 */
#ifndef XENSIM_MODELS_HV_H
#define XENSIM_MODELS_HV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "sim/stats.h"
#include "sim/ev.h"
#include "sim/scenario.h"
#include "sim/types.h"

struct sched_ops;
struct hv;

/* A vCPU's runstate (Xen's RUNSTATE_*). The running vCPU of a pCPU is
 * "running" from the instant it is dispatched, switch overhead included;
 * "offline" is a paused vCPU (a domain before its unpause, or paused with
 * hv_domain_pause), whether or not it is also blocked. */
enum hv_runstate {
    HV_RS_RUNNING,
    HV_RS_RUNNABLE,
    HV_RS_BLOCKED,
    HV_RS_OFFLINE,
    HV_RS_COUNT
};

/*
 * Build the host described by s: s->machine.pcpus pCPUs with their clocks
 * (s->machine.clock), an idle vCPU each, every domain's vCPUs placed on
 * pCPUs (see hv_vcpu_pcpu), the policy initialised (ops->init) and every
 * vCPU allocated (ops->alloc_vdata) and inserted (ops->insert): the idle
 * vCPUs first (ids 0 .. pcpus-1, one per pCPU, runnable, inserted while
 * NOW() reads -1 for the policy: before system time started, as in Xen
 * 2.0's boot), then the domains' vCPUs in scenario order (ids from pcpus
 * up), each allocated and inserted before the next, paused (offline) until
 * hv_start's unpause. The vCPUs have no workload yet: each gets one with
 * hv_set_workload before hv_start (sim/host builds them).
 * Nothing is scheduled on the loop until hv_start().
 *
 * Returns NULL on failure with a message in err (if err is not NULL and
 * errlen > 0), e.g. "domain 'web': the bvt scheduler refused its
 * parameters (Invalid argument)". The loop's current time is taken as boot
 * (NOW() reads 0 there on a clock with zero offset).
 */
struct hv *hv_new(struct ev_loop *loop, const struct scn *s, const struct sched_ops *ops,
                  char *err, size_t errlen);

/* Cancels everything the hv has pending on the loop, frees the policy's
 * per-vCPU data (free_vdata) and global state (deinit). Accepts NULL. Not
 * to be called from inside one of the hv's own event callbacks. */
void hv_free(struct hv *h);

/* Start the host at ev_now: wake the idle vCPU of every pCPU but 0 (Xen
 * 2.0 unpaused those as each pCPU came up), arm every pCPU's 10 ms tick,
 * raise SCHEDULE_SOFTIRQ on every pCPU so the first do_schedule runs at
 * once (idle), and queue each domain's unpause at its `unpause` time
 * (after that first do_schedule when it is ev_now).
 * Call once, before ev_run. 0, -SIM_ESTATE if already started or if a
 * vCPU has no workload, or -SIM_ENOMEM / -SIM_ENOSPC if the loop cannot
 * take the events. */
int hv_start(struct hv *h);

/* The first error met inside an event callback (an allocation failure, a
 * policy breaking its contract, e.g. returning a vCPU of another pCPU or a
 * slice <= 0), or 0. Such an error also stops the loop (ev_stop), so a
 * driver checks this after ev_run. hv_status_msg describes it ("" if 0). */
int hv_status(const struct hv *h);
const char *hv_status_msg(const struct hv *h);

/* Shape of the host. */
int hv_npcpus(const struct hv *h);
int hv_ndomains(const struct hv *h);
int hv_domain_vcpus(const struct hv *h, int dom);     /* -SIM_EINVAL for a bad index */

/*
 * The pCPU vCPU `vcpu` of domain `dom` was placed on, or -SIM_EINVAL.
 * Placement is fixed at creation (no migration, as Xen 2.0): vCPUs are
 * placed in creation order (domains in scenario order, then vcpu index),
 * each on the pCPU with the fewest vCPUs placed so far among the domain's
 * allowed pCPUs (`cpus`, or all), ties broken by the lowest pCPU index.
 */
int hv_vcpu_pcpu(const struct hv *h, int dom, int vcpu);

/* Current runstate of a vCPU, or -SIM_EINVAL. */
int hv_vcpu_runstate(const struct hv *h, int dom, int vcpu);

/*
 * Wake a blocked vCPU from outside (an event for it arrived: I/O completion
 * and the like, in later models): its workload's pending sleep or block
 * ends (a pending sleep timer is cancelled), it becomes runnable, and the
 * policy's wake hook decides whether to preempt. Waking a vCPU that is not
 * blocked does nothing (as Xen's domain_wake). 0 or -SIM_EINVAL. Must be
 * called from an event callback or between ev_run calls, after hv_start.
 */
int hv_vcpu_wake(struct hv *h, int dom, int vcpu);

/*
 * The domain builder's pause and unpause of a whole domain (Xen 2.0's
 * domain_pause_by_systemcontroller / domain_unpause_by_systemcontroller).
 * Every domain is created paused; hv_start schedules its first unpause at
 * the scenario's `unpause` time (domains due together in
 * machine.unpause_order), which admits it to the policy through wake.
 * Pausing a runnable vCPU calls the policy's sleep hook, the only path
 * that does, and deschedules it if it is running; an unpause of a vCPU
 * that is not blocked goes through wake. Unpausing a domain whose first
 * unpause is still pending does it now instead. Both are idempotent.
 * 0 or -SIM_EINVAL (bad index, or before hv_start).
 */
int hv_domain_pause(struct hv *h, int dom);
int hv_domain_unpause(struct hv *h, int dom);

/*
 * Give vCPU vcpu of domain dom the workload w (the hv takes w over and
 * frees the one it replaces): every vCPU needs one before hv_start.
 * Before hv_start only. 0, -SIM_EINVAL, or -SIM_ESTATE once started (w is
 * then not taken).
 */
struct wl;
int hv_set_workload(struct hv *h, int dom, int vcpu, struct wl *w);
/* The workload of a vCPU (owned by the hv), for the models that size
 * their devices from what it needs (wl_needs); NULL for a bad dom or vcpu,
 * or before hv_set_workload. */
struct wl *hv_workload(struct hv *h, int dom, int vcpu);

/*
 * Statistics. All exclude what happened before the last hv_stats_reset()
 * (or hv_start). Reading them accounts every interval in progress up to
 * ev_now first (hv_stats_sync), so they may be read at any time between
 * events, and conservation holds exactly in integer ns for every pCPU:
 *     busy_ns + idle_ns + switch_ns == elapsed_ns
 *     sum of cpu_time_ns of the vCPUs placed on it == busy_ns
 */

/* End of warm-up: account everything up to ev_now, then zero every
 * counter, time and recorder (sched_latency, the workloads' late_periods),
 * and start the measured window at ev_now. A vCPU woken before the reset
 * and dispatched after it contributes its whole wake-to-dispatch latency. */
void hv_stats_reset(struct hv *h);

/* Account intervals in progress (running, idle, switching, runstates) up
 * to ev_now. Idempotent; the getters call it. */
void hv_stats_sync(struct hv *h);

/* ns of true time since the last reset (or hv_start), as of ev_now. */
sim_time_t hv_elapsed(const struct hv *h);

/* Events the loop dispatched since the last reset (machine `events`). */
uint64_t hv_events(const struct hv *h);

struct hv_dom_stats {
    int vcpus;                      /* vCPUs of the domain */
    int64_t cpu_time_ns;            /* ns of CPU, cache refill included, switch
                                       overhead excluded (metric cpu_time_ns) */
    int64_t refill_ns;              /* ns of that spent refilling caches (no progress) */
    int64_t upcall_ns;              /* ns of that spent in event upcalls (the guest
                                       kernel's handler, costs.upcall each) */
    int64_t runstate_ns[HV_RS_COUNT]; /* ns summed over the vCPUs, per runstate */
    int64_t runnable_wait_ns;       /* ns runnable but not running (= runstate_ns[RUNNABLE]) */
    uint64_t dispatches;            /* switches to one of its vCPUs */
    uint64_t wakeups;               /* blocked -> runnable transitions */
    uint64_t blocks;                /* running -> blocked transitions (sleep or block) */
    uint64_t preemptions;           /* descheduled while still runnable (yields included) */
    uint64_t yields;                /* of those, voluntary yields */
    uint64_t upcalls;               /* event upcalls taken (rounds of the handler) */
    uint64_t migrations;            /* moves of its vCPUs to another pCPU */
    uint64_t periods;               /* periodic workload: bursts completed */
    uint64_t late_periods;          /* of those, completed after the end of their period */
};

/* Statistics of domain dom (index into scn.domains). 0 or -SIM_EINVAL. */
int hv_dom_stats(struct hv *h, int dom, struct hv_dom_stats *out);

struct hv_vcpu_stats {
    int pcpu;                       /* where it is placed */
    int64_t cpu_time_ns;            /* ns, as hv_dom_stats */
    int64_t refill_ns;              /* ns */
    int64_t upcall_ns;              /* ns */
    int64_t runstate_ns[HV_RS_COUNT]; /* ns per runstate; they sum to hv_elapsed */
    uint64_t dispatches, wakeups, blocks, preemptions, yields, upcalls;
    uint64_t migrations;            /* moves to another pCPU */
    uint64_t periods, late_periods;
};

int hv_vcpu_stats(struct hv *h, int dom, int vcpu, struct hv_vcpu_stats *out);

struct hv_pcpu_stats {
    int nvcpus;                     /* domain vCPUs placed on it (idle not counted) */
    int64_t elapsed_ns;             /* ns since the last reset */
    int64_t busy_ns;                /* ns a domain vCPU held it, refill included */
    int64_t idle_ns;                /* ns the idle vCPU held it, after switching in */
    int64_t switch_ns;              /* ns of context-switch overhead */
    int64_t runq_ns;                /* vCPU-ns: integral of the run-queue length (runnable,
                                       not running vCPUs placed here) over the window */
    double runq_len_mean;           /* runq_ns / elapsed_ns (0 if elapsed is 0) */
    uint64_t context_switches;      /* do_schedule results with next != prev */
    uint64_t schedules;             /* do_schedule calls */
    uint64_t ticks;                 /* 10 ms t_timer expiries */
    uint64_t slice_expiries;        /* slice timer (s_timer) expiries */
    int64_t hv_work_ns;             /* ns of hypervisor work (hv_pcpu_work), inside
                                       busy_ns or idle_ns as whoever it interrupted */
    uint64_t hv_works;              /* items of it finished */
};

int hv_pcpu_stats(struct hv *h, int pcpu, struct hv_pcpu_stats *out);

/* The domain's wake-to-dispatch latency recorder (ns of true time from the
 * wake to the do_schedule that switches to the vCPU). Borrowed; NULL for a
 * bad index. */
struct st_rec *hv_dom_sched_latency(struct hv *h, int dom);

/* The domain's event latency recorder (ns of true time from a port being
 * raised to the upcall that takes it: metric evtchn_latency). Borrowed;
 * NULL for a bad index. */
struct st_rec *hv_dom_evtchn_latency(struct hv *h, int dom);

/* Report the window's metrics through k (sim/metric.h), statistics
 * synced first: per domain cpu_time_ns, refill_ns, cpu_share (CPU time over
 * window * pCPUs), cpu_util (CPU time over the window, in pCPUs; both NaN
 * for an empty window), dispatches, wakeups, blocks, preemptions,
 * runnable_wait_ns, late_periods and the statistics sched_latency and
 * evtchn_latency; then per pCPU (module "pcpuN") busy_ns, idle_ns,
 * switch_ns, context_switches and runq_len_mean (the time-averaged number
 * of runnable vCPUs waiting on its queue, the running one not counted). */
struct metric_sink;
int hv_report(struct hv *h, const struct metric_sink *k);

/* The host's event channels (models/evtchn.h), one table per domain, with
 * VIRQ_TIMER bound in every domain (to vCPU 0); the split drivers bind
 * their channels here, to vCPU 0 unless they move a port
 * (evtchn_bind_vcpu). A kick wakes or interrupts the port's vCPU.
 * Borrowed; NULL if the scenario has no domain. */
struct evtchn;
struct evtchn *hv_evtchn(struct hv *h);

/*
 * Operation observer: fn(ctx, t, dom, vcpu, now, op) is called with every
 * operation a domain's workload returns, before the core acts on it (t:
 * engine ns; now: NOW() of the vCPU's pCPU, the time the workload saw), in
 * engine-time order: what `xensim run --record-trace` writes. A sleep or
 * block cancelled because an upcall is pending is reported as returned.
 * The observer may raise events (evtchn): the core acts on the operation
 * after it returns, so a port raised there is pending at that block (the
 * only way to reach Xen's block-with-an-event-pending path, since the
 * guest code between the core's check and the block takes no time here;
 * tests/test_sched_e2e.c does). One observer; fn NULL removes it; unset, the
 * core pays one NULL test per operation.
 */
struct wl_op;
typedef void hv_op_fn(void *ctx, sim_time_t t, int dom, int vcpu, sim_time_t now,
                      const struct wl_op *op);
void hv_set_op_observer(struct hv *h, hv_op_fn *fn, void *ctx);

/*
 * Schedule observer: a read-only view of what the scheduling core does, for
 * recorders such as `xensim run --timeline` (sim/host/run.c). fn(ctx, o) is
 * called synchronously:
 *  - HV_OBS_SWITCH after every context switch (exactly the switches counted
 *    in context_switches), o->dom/o->vcpu being the vCPU now running;
 *  - HV_OBS_RESCHED after a do_schedule that kept the current vCPU;
 *  - HV_OBS_WAKE after a blocked or paused vCPU became runnable (and its
 *    policy's wake hook ran), o->dom/o->vcpu being the woken vCPU and
 *    o->prev_rs its runstate before (blocked; offline for an unpause);
 *  - HV_OBS_SLEEP after a runnable vCPU that was not running was paused
 *    (Credit's parking of a queued vCPU): it left its pCPU's run queue and
 *    is offline, o->prev_rs being runnable;
 *  - HV_OBS_POLICY when the policy writes a trace record of its own
 *    (sched_trace): o->event and o->d[0 .. o->nd-1]; o->dom is -1. It may
 *    come in the middle of a schedule: the run queues are not consistent
 *    then, and recorders of them ignore it.
 * The run queue of a pCPU (runnable, not running vCPUs placed there)
 * changes only at these points. dom is -1 (and vcpu the pCPU's index) for
 * the idle vCPU. The observer must not change the host; it may call
 * hv_pcpu_now, hv_pcpu_clock, hv_vcpu_runstate and the getters of the
 * shape. At HV_OBS_SWITCH the vCPU switched away from is in its new
 * runstate already (runnable if preempted or yielding, blocked if it
 * blocked: a block always ends in a switch at the same instant). With no
 * observer set (the
 * default; fn NULL removes it) the core pays one NULL test per schedule
 * and per wake.
 */
enum hv_obs_kind {
    HV_OBS_SWITCH,
    HV_OBS_RESCHED,
    HV_OBS_WAKE,
    HV_OBS_SLEEP,
    HV_OBS_POLICY
};

struct hv_obs {
    sim_time_t t;                   /* ns engine time */
    int pcpu;
    int dom;                        /* domain index, -1 for idle */
    int vcpu;                       /* vCPU index within the domain */
    enum hv_obs_kind kind;
    enum hv_runstate prev_rs;       /* HV_OBS_WAKE: the runstate it left */
    uint32_t event;                 /* HV_OBS_POLICY: Xen's event number */
    unsigned nd;                    /* HV_OBS_POLICY: payload words used */
    uint32_t d[7];                  /* HV_OBS_POLICY: the payload (SCHED_TRACE_MAX) */
};

typedef void hv_obs_fn(void *ctx, const struct hv_obs *o);

void hv_set_switch_observer(struct hv *h, hv_obs_fn *fn, void *ctx);

/* The vCPU running on pCPU pcpu now (*dom -1 for idle) and its run-queue
 * length (runnable, not running vCPUs placed there). Any out pointer may
 * be NULL. 0 or -SIM_EINVAL. Costs O(vCPUs of the host). */
int hv_pcpu_now(const struct hv *h, int pcpu, int *dom, int *vcpu, int *runq);

/* The modelled clock of pCPU pcpu (sim/clock.h: clk_tsc gives its TSC at
 * any engine time), for recorders such as `run --xentrace`. Borrowed; NULL
 * for a bad index. */
struct clk_cpu;
const struct clk_cpu *hv_pcpu_clock(const struct hv *h, int pcpu);

/*
 * Work done by the hypervisor itself on pCPU pcpu (a device it serves, as
 * Xen 1.0 served its NICs: the interrupt and the demultiplexing into a
 * guest's buffers): ns of time on that pCPU, starting now, or after the
 * switch and cache refill under way, or after the items queued before it,
 * whichever is last; then fn(arg) is called. Whatever vCPU runs there is
 * interrupted: it makes no progress meanwhile, and the time is charged to
 * it (its cpu_time_ns and the pCPU's busy_ns, or idle_ns if the idle vCPU
 * runs; hv_work_ns counts it apart), as Xen's accounting by NOW()
 * differences charges the running domain. A schedule, and the upcall of an
 * event raised meanwhile, wait for the work to end. After hv_start.
 * 0, -SIM_EINVAL, or -SIM_ENOMEM.
 */
typedef void hv_work_fn(void *arg);
int hv_pcpu_work(struct hv *h, int pcpu, sim_time_t ns, hv_work_fn *fn, void *arg);

/*
 * The guest kernel's own work in a domain's event upcalls (e.g. the echo
 * responder of models/bridge.h). Each upcall of a vCPU of dom calls
 * begin(ctx, dom, vcpu) after the upcall has taken its ports: it returns
 * the ns of kernel CPU the handler spends beyond costs.upcall (>= 0), or a
 * negative sim_err. When that CPU (costs.upcall + the ns) has been spent,
 * end(ctx, dom, vcpu) acts (0 or a negative sim_err); at once if both are
 * 0. end may raise events for other domains, not for the calling vCPU.
 * Errors stop the loop (hv_status). k is borrowed; NULL removes it.
 * 0 or -SIM_EINVAL.
 */
struct hv_kernel {
    int64_t (*begin)(void *ctx, int dom, int vcpu);
    int (*end)(void *ctx, int dom, int vcpu);
    void *ctx;
};
int hv_set_kernel(struct hv *h, int dom, const struct hv_kernel *k);

/* Human-readable state of every pCPU and vCPU, then the policy's dump. */
void hv_dump(struct hv *h, FILE *out);

#endif
