/*
 * schedulers/sched.h: the scheduler interface. Only scheduler policies and
 * the hypervisor core (models/hv.c) include this file.
 *
 * Modelled on Xen 2.0's `struct scheduler` (shared/facts/xen-schedulers.md
 * 1.1-1.2; facts only, no Xen code): the policy decides, the core acts. A
 * policy is a const struct sched_ops of hooks; it keeps its own per-vCPU
 * and global state, chooses who runs next and for how long (do_schedule),
 * and on a wake-up decides whether to preempt. Everything else is the
 * core's: the per-pCPU slice timer (armed at now + the returned slice), the
 * periodic 10 ms tick, the block, wake and yield paths, charging CPU time,
 * context-switch and cache-refill costs, and the event queue, which a
 * policy never touches. A policy sees time only as NOW() of a pCPU's
 * modelled clock (sim/clock.h), never engine time.
 *
 * Scheduling entities are vCPUs. Xen 2.0 scheduled single-vCPU domains; a
 * domain with several vCPUs here has each scheduled on its own, all with
 * the domain's parameters. Each vCPU belongs to one pCPU's run queue at a
 * time, chosen by the core at creation (models/hv.c says how); Xen 2.0's
 * policies keep it there for good, as Xen 2.0 did. A policy that migrates
 * (as Xen 3.x's do) moves a queued or blocked vCPU with sched_move (a
 * steal) or a running one with sched_migrate and its pick_cpu hook; the
 * core keeps the runstate accounting whole across the move.
 *
 * Calling context: every hook runs inside an event dispatch of the core
 * with the pCPU's state consistent; hooks may call the core services below
 * but must not call back into the core's block/wake/yield paths.
 */
#ifndef XENSIM_SCHEDULERS_SCHED_H
#define XENSIM_SCHEDULERS_SCHED_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include "sim/clock.h"
#include "sim/scenario.h"
#include "sim/types.h"

/* The core's view of a vCPU shared with the policy. The policy may read
 * every field and owns only `priv`; the core writes the rest. */
struct sched_vcpu {
    int id;                         /* unique over the host, idle vCPUs included */
    int domain;                     /* index into scn.domains; -1 for an idle vCPU */
    int vcpu;                       /* index within its domain (0 for idle) */
    int processor;                  /* pCPU whose run queue holds this vCPU */
    bool is_idle;                   /* the idle vCPU of `processor` */
    bool runnable;                  /* neither blocked nor paused (the running vCPU is
                                       runnable unless it blocked or was paused) */
    const struct scn_domain *dom;   /* the domain's parameters; NULL for idle */
    sim_time_t lastschd;            /* ns NOW(): when last dispatched (set before
                                       do_schedule returns to the core) */
    void *priv;                     /* the policy's per-vCPU data (alloc_vdata) */
};

/* What do_schedule returns: who runs next on the pCPU, for how long (ns of
 * NOW() time, relative; the core arms the slice timer at now + slice). */
struct sched_slice {
    struct sched_vcpu *next;
    sim_time_t slice;
};

/* The hypervisor core, as policies see it (implemented in models/hv.c). */
struct sched_core;

/* NOW() of a pCPU (sim/clock.h): the only time a policy sees. */
sim_time_t sched_now(struct sched_core *core, int pcpu);
int sched_npcpus(const struct sched_core *core);
/* The machine's sockets, cores and threads, and which pCPU is which
 * (sim/topo.h: topo_same_core for Xen's sibling map, topo_same_socket for
 * its core map). */
const struct topo *sched_topology(const struct sched_core *core);
/* Whether v is running: the current vCPU of its pCPU. A running vCPU
 * cannot be moved. */
bool sched_running(const struct sched_core *core, const struct sched_vcpu *v);
/* Whether v may run on pcpu: its domain's `cpus` (hard affinity), or any
 * pCPU; an idle vCPU only on its own. */
bool sched_may_run(const struct sched_core *core, const struct sched_vcpu *v, int pcpu);
/* Whether v prefers pcpu: its domain's `cpus_soft` (soft affinity), or
 * any pCPU without one. A preference only: the core enforces nothing. */
bool sched_prefers(const struct sched_core *core, const struct sched_vcpu *v, int pcpu);
/* Xen 4.x's affinity balancing (has_soft_affinity and
 * affinity_balance_cpumask of 4.17's sched-if.h, the soft_aff_effective
 * of sched_set_affinity): v's soft affinity matters when it leaves out
 * some pCPU of the host and some of the hard affinity, and shares one with
 * the hard affinity; a balancing step's mask is soft within hard (soft) or
 * hard. Built on the two above, so the fake core of the tests has them. */
static inline bool sched_soft_matters(const struct sched_core *core, const struct sched_vcpu *v)
{
    bool all = true, hard_in = true, meets = false;
    for (int p = 0, n = sched_npcpus(core); p < n; p++) {
        bool hard = sched_may_run(core, v, p), soft = sched_prefers(core, v, p);
        all = all && soft;
        hard_in = hard_in && (!hard || soft);
        meets = meets || (hard && soft);
    }
    return !all && !hard_in && meets;
}
static inline bool sched_in_step(const struct sched_core *core, const struct sched_vcpu *v,
                                 bool soft, int pcpu)
{
    return sched_may_run(core, v, pcpu) && (!soft || sched_prefers(core, v, pcpu));
}
/* Put v, which is not running, on pcpu's run queue (a steal from a peer,
 * Xen 3.x's `processor = cpu`): the policy has taken it off its old pCPU's
 * queue and puts it on the new one's itself; the core moves what it keeps
 * per pCPU (the clock of v's NOW() and timers), counts a migration and
 * charges costs.migration when v next runs. v may be blocked: a sleep
 * deadline it armed stays on the old pCPU's clock (Xen 4.17's
 * singleshot_timer) and wakes it on the new one. 0; -SIM_EINVAL for an idle
 * vCPU or a pCPU v may not run on; -SIM_ESTATE if v is running or
 * migrating. */
int sched_move(struct sched_core *core, struct sched_vcpu *v, int pcpu);
/* From the insert hook only: put the new vCPU v on pcpu rather than where
 * the core placed it (Xen 4.x's insert, which asks pick_cpu). Not a
 * migration. 0; -SIM_EINVAL for an idle vCPU or a pCPU v may not run on;
 * -SIM_ESTATE outside insert. */
int sched_place(struct sched_core *core, struct sched_vcpu *v, int pcpu);
/* Move v, the running vCPU of its pCPU, once it is off that pCPU (Xen
 * 3.x's _VPF_migrating and vcpu_migrate): v stops being runnable, its pCPU
 * reschedules (SCHEDULE_SOFTIRQ), and after the switch the core asks the
 * policy's pick_cpu where v goes, moves it there and wakes it (the
 * policy's wake), or, if v is paused (parked) or blocked, leaves it so
 * there. From do_schedule, v may also be the running vCPU that blocked
 * (nothing is raised: the schedule under way switches away from it) or a
 * vCPU not running that do_schedule is about to return (one a call): the
 * core runs it although it is flagged (Xen 4.17's schedule()) and moves it
 * once switched away, or at once if do_schedule returns another. 0;
 * -SIM_EINVAL without a pick_cpu hook; -SIM_ESTATE if v is already
 * migrating, or neither running nor such a vCPU. */
int sched_migrate(struct sched_core *core, struct sched_vcpu *v);
/* Pause v for the policy (Xen 3.x's vcpu_pause_nosync of a capped vCPU,
 * "parking") and undo it (vcpu_unpause). Parking calls the policy's sleep
 * hook at once if v was runnable (its pCPU reschedules if v runs there);
 * unparking calls its wake hook if v is then neither blocked nor paused
 * otherwise. 0, or -SIM_EINVAL for an idle vCPU. */
int sched_park(struct sched_core *core, struct sched_vcpu *v);
int sched_unpark(struct sched_core *core, struct sched_vcpu *v);
/* The vCPU running on a pCPU (its idle vCPU if none), and its idle vCPU. */
struct sched_vcpu *sched_curr(struct sched_core *core, int pcpu);
struct sched_vcpu *sched_idle(struct sched_core *core, int pcpu);
/* Raise SCHEDULE_SOFTIRQ on a pCPU: do_schedule runs there at once (after
 * the current event), e.g. to preempt on wake. */
void sched_tickle(struct sched_core *core, int pcpu);
/* A trace record of the policy's own, as Xen's TRC_SCHED_CLASS records
 * (Credit 4.x's TRC_CSCHED_*): `event` is Xen's 32-bit event number,
 * d[0 .. n-1] (n <= SCHED_TRACE_MAX) its payload words, written on pcpu at
 * the current instant by a recorder such as `run --xentrace`; a domain
 * field is the domain's index, as the recorder numbers domains. Costs a
 * test when nothing records. */
#define SCHED_TRACE_MAX 7     /* Xen's TRACE_EXTRA_MAX */
void sched_trace(struct sched_core *core, int pcpu, uint32_t event, unsigned n,
                 const uint32_t *d);
/* The low and high payload words of a 64-bit field, in the order an x86
 * trace buffer holds them. */
static inline uint32_t sched_trace_lo(int64_t v) { return (uint32_t)(uint64_t)v; }
static inline uint32_t sched_trace_hi(int64_t v) { return (uint32_t)((uint64_t)v >> 32); }
/* The unit word of Xen's records, vCPU | domain << 16; an idle vCPU is
 * vCPU `processor` of Xen's idle domain 32767, as Xen numbers it. */
static inline uint32_t sched_trace_unit(const struct sched_vcpu *v)
{
    if (v->is_idle)
        return ((uint32_t)v->processor & 0xffffu) | 32767u << 16;
    return ((uint32_t)v->vcpu & 0xffffu) | ((uint32_t)v->domain & 0xffffu) << 16;
}
/* Move the pCPU's slice timer to expire at `expires` (NOW() time) if that
 * is earlier than where it is now (BVT's wake path). */
void sched_timer_earlier(struct sched_core *core, int pcpu, sim_time_t expires);

/* One-shot timers of the policy's own (BVT's warp timers), run on a pCPU's
 * modelled clock with its slop, deadlines in that pCPU's NOW() time. The
 * struct is owned by the policy; cancel it before freeing. */
struct sched_timer {
    struct clk_timer ct;
};
void sched_timer_init(struct sched_core *core, struct sched_timer *t, int pcpu,
                      void (*fn)(void *arg), void *arg);
void sched_timer_set(struct sched_timer *t, sim_time_t expires);
void sched_timer_cancel(struct sched_timer *t);

/*
 * The policy. Required hooks: init, alloc_vdata, insert, do_schedule. The
 * others may be NULL (the core's wrappers then do nothing).
 */
struct sched_ops {
    const char *name;               /* e.g. "Borrowed Virtual Time" */
    const char *opt_name;           /* e.g. "bvt": the scenario's scheduler.name */

    /* Set up global state for a host of sched_npcpus(core) pCPUs from the
     * scenario's scheduler block (s->sched); store it in *priv. 0 or a
     * negative sim_err. Called once, before any vCPU exists. */
    int (*init)(struct sched_core *core, const struct scn *s, void **priv);
    /* Free the global state; every vCPU has been freed first. */
    void (*deinit)(void *priv);

    /* Allocate v->priv for a new vCPU (idle vCPUs included) from its
     * domain's parameters (v->dom->bvt, ->atropos, ...), validating them as
     * Xen's adjdom did: -SIM_EINVAL for values Xen refused. */
    int (*alloc_vdata)(void *priv, struct sched_vcpu *v);
    /* Free v->priv; accepts a vCPU whose alloc failed (priv NULL). NULL:
     * v->priv is one malloc'd block that nothing else points into, and
     * the core frees it. */
    void (*free_vdata)(void *priv, struct sched_vcpu *v);

    /* A new vCPU (Xen 2.0's add_task). A domain's vCPU is created paused
     * (v->runnable false) and reaches the policy's queues only through
     * wake, when the core unpauses it. An idle vCPU is runnable from the
     * start and is set up as Xen's init_idle_task did (queued if the
     * policy keeps idle on its queue). remove takes a vCPU off for good. */
    void (*insert)(void *priv, struct sched_vcpu *v);
    void (*remove)(void *priv, struct sched_vcpu *v);

    /* v, the running vCPU of its pCPU, blocked (SCHEDOP_block with no
     * event pending): Xen 2.0's do_block hook, called by the core just
     * before do_schedule on that pCPU. Optional; none of Xen 2.0's three
     * policies had one, so they see a block only as a previous vCPU that
     * do_schedule finds not runnable. */
    void (*do_block)(void *priv, struct sched_vcpu *v);
    /* v, the running vCPU of its pCPU, yields (SCHEDOP_yield): called
     * just before do_schedule on that pCPU (Xen 4.x's yield hook).
     * Optional; Xen 2.0's policies had none. */
    void (*yield)(void *priv, struct sched_vcpu *v);
    /* v stopped being runnable because it was paused (Xen 2.0's
     * domain_sleep, reached only from the pause paths). v may be running
     * on its pCPU; the core reschedules that pCPU whatever the policy
     * does. Never called for a block. */
    void (*sleep)(void *priv, struct sched_vcpu *v);
    /* v became runnable: unblocked, or unpaused (the first unpause is a
     * new domain's admission). Also called once at boot for the idle vCPU
     * of every pCPU but 0, which Xen 2.0 unpaused when that pCPU entered
     * its idle loop. The policy decides whether v's pCPU should
     * reschedule now (sched_tickle) or sooner than planned
     * (sched_timer_earlier). */
    void (*wake)(void *priv, struct sched_vcpu *v);

    /* Choose what runs next on pcpu at NOW() = now. The previously running
     * vCPU is sched_curr(core, pcpu) (runnable unless it blocked). Must
     * return a vCPU of this pCPU, runnable, or asked to migrate
     * (sched_migrate) but neither blocked nor paused, the idle vCPU if
     * nothing else, and a slice > 0. */
    struct sched_slice (*do_schedule)(void *priv, int pcpu, sim_time_t now);

    /* The pCPU v (not running, about to be woken there) should go to, one
     * it may run on (sched_may_run): Xen 3.x's pick_cpu, asked by the core
     * for a vCPU the policy passed to sched_migrate. Optional: without it
     * sched_migrate is refused. */
    int (*pick_cpu)(void *priv, struct sched_vcpu *v);

    /* Write the policy's state, human-readable (debugging). */
    void (*dump)(void *priv, FILE *out);
};

/*
 * How the core calls a policy: required hooks directly, optional ones
 * through these wrappers, which do nothing when the hook is NULL (Xen's
 * SCHED_OP, without its silent zero for required hooks).
 */
static inline void sched_op_deinit(const struct sched_ops *o, void *priv)
{
    if (o->deinit)
        o->deinit(priv);
}

static inline void sched_op_free_vdata(const struct sched_ops *o, void *priv,
                                       struct sched_vcpu *v)
{
    if (o->free_vdata) {
        o->free_vdata(priv, v);
    } else {
        free(v->priv);
        v->priv = NULL;
    }
}

static inline void sched_op_remove(const struct sched_ops *o, void *priv, struct sched_vcpu *v)
{
    if (o->remove)
        o->remove(priv, v);
}

static inline void sched_op_do_block(const struct sched_ops *o, void *priv,
                                     struct sched_vcpu *v)
{
    if (o->do_block)
        o->do_block(priv, v);
}

static inline void sched_op_yield(const struct sched_ops *o, void *priv, struct sched_vcpu *v)
{
    if (o->yield)
        o->yield(priv, v);
}

static inline void sched_op_sleep(const struct sched_ops *o, void *priv, struct sched_vcpu *v)
{
    if (o->sleep)
        o->sleep(priv, v);
}

static inline void sched_op_wake(const struct sched_ops *o, void *priv, struct sched_vcpu *v)
{
    if (o->wake)
        o->wake(priv, v);
}

static inline int sched_op_pick_cpu(const struct sched_ops *o, void *priv,
                                    struct sched_vcpu *v)
{
    return o->pick_cpu ? o->pick_cpu(priv, v) : v->processor;
}

static inline void sched_op_dump(const struct sched_ops *o, void *priv, FILE *out)
{
    if (o->dump)
        o->dump(priv, out);
}

/* The registry: every policy, NULL-terminated, in a fixed order. */
extern const struct sched_ops *const sched_registry[];

/* The policy whose opt_name is name, or NULL. */
const struct sched_ops *sched_find(const char *name);

/* Valid names joined by ", " (for messages), e.g. "rr, bvt, atropos". */
const char *sched_names(void);

#endif
