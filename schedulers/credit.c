/*
 * schedulers/credit.c: the Credit scheduler, as Xen 3.4 ran it and as
 * Xen 4.17 runs it (scheduler.name: credit, scheduler.credit.version "3.4"
 * or "4.17").
 *
 * Sources (facts only, no Xen code; docs/schedulers.md has the algorithm,
 * the parameters and the quirks in tables):
 * - 3.4: xen/common/sched_credit.c of the tree of 27 May 2009 (commit
 *   a36045afa8, the last before 3.5 development; the file is the same at
 *   tag 3.4.0-rc3) and the parts of xen/common/schedule.c it relies on
 *   (vcpu_migrate, context_saved).
 * - 4.17: xen/common/sched/credit.c of RELEASE-4.17.5, the file Debian 12's
 *   xen 4.17.5+72-g01140da4e8 ships unchanged, and the parts of
 *   xen/common/sched/core.c it relies on.
 *
 * Model, per pCPU: a run queue ordered by priority (BOOST 0 > UNDER -1 >
 * OVER -2 > IDLE -64), FIFO within a priority, the idle vCPU at its tail
 * whenever it is not running; a ticker that ends a running vCPU's BOOST,
 * charges it, puts it on its domain's active list if it was not, and else
 * asks pick_cpu whether it should run elsewhere (then migrates it,
 * sched_migrate); a sort of the run queue (UNDER and BOOST ahead of OVER,
 * order kept) at the first tick after each accounting. Globally, every
 * accounting period on the master pCPU (pCPU 0): a pool of credits per
 * pCPU shared among the active domains by weight, capped, each domain's
 * share split equally among its active vCPUs; priorities set from the
 * sign of the credit; a capped vCPU far below zero parked (sched_park)
 * until its credit is positive again; a vCPU above the upper bound made
 * inactive. A wake BOOSTs an UNDER vCPU that is not parked, queues it on
 * its own pCPU and tickles; do_schedule requeues the previous vCPU if
 * runnable, takes the head, and, if the head is OVER or idle, steals the
 * first vCPU of strictly higher priority from a busy peer's queue.
 *
 * Where the versions differ:
 *                    3.4                          4.17
 *   tick, slice      10 ms, 30 ms                 tslice/3, tslice (30 ms)
 *   charge           100 credits from whoever     10 credits per ms run, metered
 *                    runs at a tick (sampled)     at each tick and each schedule
 *   weight           per active domain            per active vCPU
 *   above the bound  credit reset to 0            credit halved
 *   ratelimit        none                         a vCPU runs >= ratelimit (1 ms)
 *   wake tickles     own pCPU if it beats cur;    own pCPU if idle, or if no pCPU is
 *                    every idler if cur is busy   idle and it beats cur; else one idler
 *   pick_cpu         strictly more idle group     socket needs 2x the idlers; idle_bias
 *   load balance     peers from cpu+1             peers from a rotating bias, those
 *                                                 with one runnable vCPU skipped
 *   boost            every wake of UNDER          not a wake that ends a migration
 *   ticker           always                       stopped while the pCPU idles
 *
 * Simplified: the tickers start at each pCPU's first schedule (Xen started
 * them as the pCPUs came up); a peer's lock is always available to the
 * load balancer (Xen's trylock could fail under contention); 3.4's
 * vcpu_migration_delay is its default, 0 (no vCPU is cache-hot); no soft
 * affinity (4.17's soft-affinity balancing steps are skipped, as Xen skips
 * them for a vCPU without one); sched_smt_power_savings is off, its
 * default; no tasklets; 4.17's last_tickle_cpu is that of the pCPU that
 * runs the wake, taken to be the woken vCPU's own except for an unpark by
 * the accounting (the master) and the end of a migration (the old pCPU):
 * an event sent from another pCPU counts as run on the woken vCPU's (Xen:
 * the sender's). The core's own 10 ms tick of Xen 2.0 still runs
 * (models/hv.c): it sends VIRQ_TIMER and takes no scheduling decision.
 */
#include "schedulers/policies.h"

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "sim/err.h"
#include "sim/topo.h"

enum {
    CR_PRI_BOOST = 0,
    CR_PRI_UNDER = -1,
    CR_PRI_OVER = -2,
    CR_PRI_IDLE = -64,
};

/* 3.4 */
#define CR_TICK (10 * SIM_MSEC)             /* CSCHED_MSECS_PER_TICK */
#define CR_TICKS_PER_SLICE 3
#define CR_TICKS_PER_ACCT 3
#define CR_CREDITS_PER_TICK 100
#define CR_CREDITS_PER_SLICE 300            /* also the credit bounds */
#define CR_CREDITS_PER_ACCT 300             /* the pool's share of each pCPU */
/* 4.17 */
#define CR_CREDITS_PER_MSEC 10
#define CR_MIN_TIMER (100 * SIM_USEC)       /* the shortest ratelimited slice */

/* 4.17's trace records, TRC_SCHED_CLASS_EVT(CSCHED, n) of public/trace.h
 * (class 0x00022000, Credit's scheduler id 0); 3.4 had none. */
enum {
    CR_TRC_ACCOUNT_START = 2,       /* dom, vcpu, active vCPUs of the domain */
    CR_TRC_ACCOUNT_STOP = 3,        /* the same */
    CR_TRC_STOLEN = 4,              /* peer pCPU, dom, vcpu */
    CR_TRC_PICKED_CPU = 5,          /* dom, vcpu, pCPU */
    CR_TRC_TICKLE = 6,              /* pCPU */
    CR_TRC_BOOST_START = 7,         /* dom, vcpu */
    CR_TRC_BOOST_END = 8,           /* dom, vcpu */
    CR_TRC_SCHEDULE = 9,            /* pCPU | tasklet << 16 | previous was idle << 24 */
    CR_TRC_RATELIMIT = 10,          /* vcpu | dom << 16, ns run since dispatched */
    CR_TRC_STEAL_CHECK = 11,        /* peer pCPU, 1 if its queue was looked at */
};
#define CR_TRC(n) (0x00022000u + (uint32_t)(n))

/* A circular doubly linked list with Linux's list.h semantics (add puts
 * an entry at the head, add_tail at the tail), which the orders of Xen's
 * queues and active lists follow. */
struct cr_link {
    struct cr_link *prev, *next;
};

static void cl_init(struct cr_link *l)
{
    l->prev = l->next = l;
}

static bool cl_empty(const struct cr_link *l)
{
    return l->next == l;
}

/* Insert e between a and b. */
static void cl_between(struct cr_link *e, struct cr_link *a, struct cr_link *b)
{
    e->prev = a;
    e->next = b;
    a->next = e;
    b->prev = e;
}

static void cl_add(struct cr_link *e, struct cr_link *head)
{
    cl_between(e, head, head->next);
}

static void cl_add_tail(struct cr_link *e, struct cr_link *head)
{
    cl_between(e, head->prev, head);
}

static void cl_del_init(struct cr_link *e)
{
    e->prev->next = e->next;
    e->next->prev = e->prev;
    cl_init(e);
}

#define CR_OF(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))

struct cr_dom {
    struct cr_link active_vcpus;    /* its active vCPUs, newest first */
    int nactive;
    struct cr_link active_elem;     /* in cr.active_doms while it has active vCPUs */
    uint32_t weight;
    uint32_t cap;                   /* % of one pCPU, 0 = none */
};

struct cr_vcpu {
    struct cr_link runq_elem;       /* in its pCPU's run queue, or self-linked */
    struct cr_link active_elem;     /* in its domain's active list, or self-linked */
    struct sched_vcpu *v;
    struct cr_dom *d;               /* NULL for an idle vCPU */
    int credit;
    int pri;
    bool parked;                    /* paused for its cap (CSCHED_FLAG_VCPU_PARKED) */
    /* 4.17 */
    bool yield;                     /* yielded since it last left the queue */
    bool migrating;                 /* pick_cpu chose its pCPU: its next wake is no boost */
    bool pinned;                    /* hard affinity of one pCPU */
    bool has_soft;                  /* a soft affinity that matters (Xen's
                                       has_soft_affinity): 4.17 tries it first */
    int waker;                      /* the pCPU that runs its next wake, if not its own
                                       (-1): the accounting's for an unpark, the old
                                       pCPU for the end of a migration */
    sim_time_t start_time;          /* ns NOW(): charged up to here while running; while
                                       not running, minus the time run but not charged */
    uint32_t residual;              /* credit charged ahead, in 1e-6 credit */
    sim_time_t last_sched_time;     /* ns NOW(): last scheduled away (cache heat) */
    sim_time_t run_start;           /* ns NOW(): when it last started running */
};

struct cr;

/* What a pCPU's ticker callback is given. */
struct cr_tick_arg {
    struct cr *x;
    int cpu;
};

struct cr_pcpu {
    struct cr_link runq;
    struct sched_timer ticker;
    uint32_t runq_sort_last;        /* the accounting epoch it last sorted for */
    bool started;                   /* its ticker was first armed */
    bool idler;                     /* in the idlers mask */
    uint64_t ticks;
    /* 4.17 */
    int nr_runnable;                /* runnable vCPUs placed here, the running one
                                       included, idle excluded */
    int idle_bias;                  /* pick_cpu's rotation among a group's idlers */
    int last_tickle;                /* the idler last tickled by a wake this pCPU ran */
};

struct cr {
    struct sched_core *core;
    int np;
    struct cr_pcpu *pcpus;          /* [np] */
    struct cr_tick_arg *args;       /* [np] the tickers' arguments */
    struct cr_dom **doms;           /* [ndoms] by domain index, NULL until its first
                                       vCPU is allocated (csched_dom_init) */
    int ndoms;
    struct cr_link active_doms;     /* domains with active vCPUs */
    uint32_t weight;                /* sum of the active domains' weights */
    uint32_t credit;                /* the pool: CR_CREDITS_PER_ACCT per pCPU */
    int credit_balance;             /* sum of the active vCPUs' credits at the last
                                       accounting */
    uint32_t runq_sort;             /* accounting epoch */
    int master;                     /* the pCPU accounting runs on */
    bool master_inited;             /* master_ticker initialised */
    struct sched_timer master_ticker;
    bool v417;                      /* version 4.17, else 3.4 */
    bool reset_credit_quirk;
    bool tickle_all_idlers_quirk;
    /* 4.17 */
    sim_time_t tslice, tick;        /* ns: slice and accounting period; ticker period */
    sim_time_t ratelimit;           /* ns, 0 = off */
    sim_time_t migration_delay;     /* ns: a vCPU is cache-hot this long after it ran */
    int credits_per_tslice;         /* the pool's share of each pCPU, the credit bounds */
    int balance_bias;               /* the peer the load balancer last stole from */
    bool tickle_one_idle;
    bool kick_away_quirk;
    bool first_wake_quirk;
    /* pCPU sets of np entries each, reused by one function apiece (none of
     * them runs inside another): tickle's mask and idlers, pick_cpu's
     * candidates, idlers and a group's idlers, the load balancer's workers. */
    bool *t_mask, *t_idle, *p_cpus, *p_idle, *p_nxt, *lb_workers;
};

static struct cr_vcpu *cv(const struct sched_vcpu *v)
{
    return v->priv;
}

static bool on_runq(const struct cr_vcpu *c)
{
    return !cl_empty(&c->runq_elem);
}

/* A 4.17 record on pCPU cpu (none under 3.4, which had no such records). */
static void trc(const struct cr *x, int cpu, int n, unsigned nd, uint32_t d0, uint32_t d1,
                uint32_t d2)
{
    if (!x->v417)
        return;
    uint32_t d[3] = { d0, d1, d2 };
    sched_trace(x->core, cpu, CR_TRC(n), nd, d);
}

/* A record about v: its domain and vCPU, then extra. */
static void trc_v(const struct cr *x, int cpu, int n, const struct sched_vcpu *v, unsigned extra,
                  uint32_t e)
{
    trc(x, cpu, n, 2 + extra, (uint32_t)v->domain, (uint32_t)v->vcpu, e);
}

/* The next pCPU after cpu in the set (wrapping), as Xen's cycle_cpu; -1 if
 * the set is empty. */
static int cycle(const struct cr *x, int cpu, const bool *set)
{
    for (int i = 1; i <= x->np; i++) {
        int c = (cpu + i) % x->np;
        if (set[c])
            return c;
    }
    return -1;
}

/* ---- run queues ---- */

static int pri_of(const struct cr_link *e)
{
    return CR_OF(e, const struct cr_vcpu, runq_elem)->pri;
}

/* After every entry of priority >= its own: FIFO within a priority. A
 * vCPU that yielded (4.17) goes one further, behind the first entry of
 * lower priority if that is not the idle vCPU. */
static void runq_insert(struct cr *x, int cpu, struct cr_vcpu *c)
{
    assert(!on_runq(c) && c->v->processor == cpu);
    struct cr_link *q = &x->pcpus[cpu].runq, *it = q->next;
    while (it != q && c->pri <= pri_of(it))
        it = it->next;
    if (c->yield && it != q && pri_of(it) > CR_PRI_IDLE)
        it = it->next;
    cl_add_tail(&c->runq_elem, it);
}

static void runq_remove(struct cr_vcpu *c)
{
    assert(on_runq(c));
    cl_del_init(&c->runq_elem);
}

/* Whether the pCPU's queue holds no vCPU but its idle one. */
static bool runq_idle(const struct cr *x, int cpu)
{
    const struct cr_link *q = &x->pcpus[cpu].runq;
    return cl_empty(q) || pri_of(q->next) == CR_PRI_IDLE;
}

static void nr_inc(struct cr *x, int cpu)
{
    x->pcpus[cpu].nr_runnable++;
}

static void nr_dec(struct cr *x, int cpu)
{
    assert(x->pcpus[cpu].nr_runnable > 0);
    x->pcpus[cpu].nr_runnable--;
}

/* 4.17's burn_credits: 10 credits per ms run since start_time. The
 * remainder is kept both in residual and in start_time, which advances
 * only by the time of the whole credits charged, so a vCPU pays up to one
 * credit ahead; the next charges give it back (start_time ends ahead of
 * NOW(), and a charge with nothing run since is skipped). */
static void burn_credits(struct cr_vcpu *c, sim_time_t now)
{
    sim_time_t delta = now - c->start_time;
    if (delta <= 0)
        return;
    uint64_t val = (uint64_t)delta * CR_CREDITS_PER_MSEC + c->residual;
    c->residual = (uint32_t)(val % SIM_MSEC);
    uint64_t credits = val / SIM_MSEC;
    assert(credits <= INT32_MAX);
    c->credit -= (int)credits;
    c->start_time += (sim_time_t)(credits * SIM_MSEC / CR_CREDITS_PER_MSEC);
}

/* csched_runq_sort: once per accounting epoch, move every UNDER or BOOST
 * entry ahead of the OVER ones, keeping the order within each group. */
static void runq_sort(struct cr *x, int cpu)
{
    struct cr_pcpu *p = &x->pcpus[cpu];
    if (p->runq_sort_last == x->runq_sort)
        return;
    p->runq_sort_last = x->runq_sort;
    struct cr_link *q = &p->runq, *e = q->next, *last_under = q;
    while (e != q) {
        struct cr_link *next = e->next;
        if (CR_OF(e, struct cr_vcpu, runq_elem)->pri >= CR_PRI_UNDER) {
            if (e->prev != last_under) {
                cl_del_init(e);
                cl_add(e, last_under);
            }
            last_under = e;
        }
        e = next;
    }
}

/* 4.17's affinity balancing steps: soft affinity first (for a vCPU with
 * one that matters), then hard. */
enum { CR_STEP_SOFT, CR_STEP_HARD };

/* __runq_tickle: the vCPU's own pCPU if the new one beats what runs there;
 * if that pCPU is busy, the idle pCPUs it may run on (all of them, or,
 * without the quirk, the first after it). */
static void tickle34(struct cr *x, int cpu, struct cr_vcpu *c)
{
    struct cr_vcpu *cur = cv(sched_curr(x->core, cpu));
    bool *mask = x->t_mask, *idl = x->t_idle;
    for (int p = 0; p < x->np; p++)
        mask[p] = false;
    if (c->pri > cur->pri)
        mask[cpu] = true;
    if (cur->pri > CR_PRI_IDLE) {
        for (int p = 0; p < x->np; p++)
            idl[p] = x->pcpus[p].idler && sched_may_run(x->core, c->v, p);
        if (x->tickle_all_idlers_quirk) {
            for (int p = 0; p < x->np; p++)
                mask[p] = mask[p] || idl[p];
        } else {
            int p = cycle(x, cpu, idl);
            if (p >= 0)
                mask[p] = true;
        }
    }
    for (int p = 0; p < x->np; p++)
        if (mask[p])
            sched_tickle(x->core, p);
}

/* 4.17's __runq_tickle. Its own pCPU if the vCPU is pinned there alone
 * and that pCPU idles, or if that pCPU idles, or if no pCPU idles and it
 * beats what runs there; else, if some pCPU idles, one idler it may run
 * on (the next after the last one tickled by pCPU me, the one that runs
 * the wake: Xen's per-CPU last_tickle_cpu), or every such idler
 * without tickle_one_idle; failing that, its own pCPU if it beats what
 * runs there. Tickled pCPUs leave the idlers at once, so that the next
 * wake picks another. Xen 4.17 then asks whether the running vCPU could
 * move to an idler, so as to kick it away, but tests the waking vCPU's
 * affinity, which has none there: the kick never happens
 * (kick_away_quirk); without the quirk the running vCPU's own affinity
 * is tested and it is migrated (sched_migrate). */
static void tickle417(struct cr *x, int cpu, int me, struct cr_vcpu *c)
{
    struct cr_vcpu *cur = cv(sched_curr(x->core, cpu));
    bool *mask = x->t_mask, *idl = x->t_idle;
    bool idlers_empty = true;
    for (int p = 0; p < x->np; p++) {
        mask[p] = false;
        idlers_empty = idlers_empty && !x->pcpus[p].idler;
    }
    if (c->pinned && x->pcpus[cpu].idler) {
        mask[cpu] = true;
    } else if (cur->pri == CR_PRI_IDLE || (idlers_empty && c->pri > cur->pri)) {
        mask[cpu] = true;
    } else if (!idlers_empty) {
        bool found = false;
        for (int step = CR_STEP_SOFT; step <= CR_STEP_HARD && !found; step++) {
            if (step == CR_STEP_SOFT && !c->has_soft)
                continue;
            bool any = false;
            for (int p = 0; p < x->np; p++) {
                idl[p] = x->pcpus[p].idler && sched_in_step(x->core, c->v, step == CR_STEP_SOFT, p);
                any = any || idl[p];
            }
            if (!any && step == CR_STEP_SOFT)
                continue;
            if (!any && c->pri > cur->pri) {
                if (!x->kick_away_quirk && cur->v->runnable) {
                    bool cur_fits = false;
                    for (int p = 0; p < x->np; p++)
                        cur_fits = cur_fits || (x->pcpus[p].idler
                                                && sched_may_run(x->core, cur->v, p));
                    if (cur_fits)
                        (void)sched_migrate(x->core, cur->v);
                }
                mask[cpu] = found = true;
            } else if (any && x->tickle_one_idle) {
                struct cr_pcpu *pc = &x->pcpus[me];
                pc->last_tickle = cycle(x, pc->last_tickle, idl);
                mask[pc->last_tickle] = found = true;
            } else if (any) {
                for (int p = 0; p < x->np; p++)
                    mask[p] = idl[p];
                found = true;
            }
        }
    }
    for (int p = 0; p < x->np; p++)
        if (mask[p])
            trc(x, me, CR_TRC_TICKLE, 1, (uint32_t)p, 0, 0);
    for (int p = 0; p < x->np; p++)
        if (mask[p]) {
            x->pcpus[p].idler = false;
            sched_tickle(x->core, p);
        }
}

static void tickle(struct cr *x, int cpu, int me, struct cr_vcpu *c)
{
    if (x->v417)
        tickle417(x, cpu, me, c);
    else
        tickle34(x, cpu, c);
}

/* ---- active lists ---- */

static void acct_start(struct cr *x, int cpu, struct cr_vcpu *c)
{
    struct cr_dom *d = c->d;
    if (!cl_empty(&c->active_elem))
        return;
    d->nactive++;
    cl_add(&c->active_elem, &d->active_vcpus);
    if (x->v417)
        x->weight += d->weight;
    if (cl_empty(&d->active_elem)) {
        cl_add(&d->active_elem, &x->active_doms);
        if (!x->v417)
            x->weight += d->weight;
    }
    trc_v(x, cpu, CR_TRC_ACCOUNT_START, c->v, 1, (uint32_t)d->nactive);
}

static void acct_stop(struct cr *x, int cpu, struct cr_vcpu *c)
{
    struct cr_dom *d = c->d;
    assert(!cl_empty(&c->active_elem));
    d->nactive--;
    cl_del_init(&c->active_elem);
    assert(x->weight >= d->weight);
    if (x->v417)
        x->weight -= d->weight;
    if (cl_empty(&d->active_vcpus)) {
        cl_del_init(&d->active_elem);
        if (!x->v417)
            x->weight -= d->weight;
    }
    trc_v(x, cpu, CR_TRC_ACCOUNT_STOP, c->v, 1, (uint32_t)d->nactive);
}

/* ---- pick_cpu ---- */

/* Whether p is in cpu's group: its core (Xen's sibling mask) if by_core,
 * else its socket (Xen's core mask). */
static bool in_group(const struct topo *t, bool by_core, int p, int cpu)
{
    return by_core ? topo_same_core(t, p, cpu) : topo_same_socket(t, p, cpu);
}

/* Where both versions' pick_cpu start (a balancing step of 4.17): the
 * pCPUs of v's mask for the step (p_cpus), the idlers (p_idle), and v's
 * pCPU if it is in the mask, else the next one that is; -1 for an empty
 * mask. */
static int pick_start(struct cr *x, const struct sched_vcpu *v, int step)
{
    bool *cpus = x->p_cpus, *idlers = x->p_idle;
    for (int p = 0; p < x->np; p++) {
        cpus[p] = sched_in_step(x->core, v, step == CR_STEP_SOFT, p);
        idlers[p] = x->pcpus[p].idler;
    }
    return cpus[v->processor] ? v->processor : cycle(x, v->processor, cpus);
}

/* csched_cpu_pick: from pick_start's pCPU, which counts as idle, move
 * among the idle pCPUs v may run on to one whose core (if in the same
 * socket) or socket (if not) has strictly more idle pCPUs than the current
 * choice's, dropping each group that does not. */
static int pick34(struct cr *x, struct sched_vcpu *v)
{
    const struct topo *t = sched_topology(x->core);
    int np = x->np;
    bool *cpus = x->p_cpus, *idlers = x->p_idle;
    int cpu = pick_start(x, v, CR_STEP_HARD);
    assert(cpu >= 0);
    idlers[cpu] = true;
    for (int p = 0; p < np; p++)
        cpus[p] = cpus[p] && idlers[p];
    cpus[cpu] = false;
    int nxt;
    while ((nxt = cycle(x, cpu, cpus)) >= 0) {
        bool by_core = topo_same_socket(t, cpu, nxt);
        int w_cpu = 0, w_nxt = 0;
        for (int p = 0; p < np; p++) {
            w_cpu += idlers[p] && in_group(t, by_core, p, cpu);
            w_nxt += idlers[p] && in_group(t, by_core, p, nxt);
        }
        if (w_cpu < w_nxt) {
            cpu = nxt;
            cpus[cpu] = false;
        } else {
            for (int p = 0; p < np; p++)
                if (idlers[p] && in_group(t, by_core, p, nxt))
                    cpus[p] = false;
        }
    }
    return cpu;
}

/* 4.17's _csched_cpu_pick, for the soft affinity (if it matters) and then
 * the hard one, stopping at a step that found an idle pCPU: pick_start's
 * pCPU counts
 * as idle if it is v's own and its queue holds nothing else; move to an
 * idle candidate if it is not one; then visit the idle candidates in pCPU
 * order: one in the same socket wins if its core has more idlers, one in
 * another socket if its socket has more than twice as many; the winner is
 * the group's idler after its idle_bias, and its core leaves the
 * candidates; a loser's group leaves them. With commit, the last group
 * moved into remembers the choice. */
static int pick417(struct cr *x, struct sched_vcpu *v, bool commit)
{
    const struct topo *t = sched_topology(x->core);
    int np = x->np;
    bool *cpus = x->p_cpus, *idlers = x->p_idle;
    int cpu = -1, spc = -1;
    for (int step = CR_STEP_SOFT; step <= CR_STEP_HARD; step++) {
        if (step == CR_STEP_SOFT && !cv(v)->has_soft)
            continue;
        cpu = pick_start(x, v, step);
        if (cpu < 0) {
            assert(step == CR_STEP_SOFT);
            continue;
        }
        if (v->processor == cpu && runq_idle(x, cpu))
            idlers[cpu] = true;
        bool any = false;
        for (int p = 0; p < np; p++) {
            cpus[p] = cpus[p] && idlers[p];
            any = any || cpus[p];
        }
        if (!cpus[cpu] && any)
            cpu = cycle(x, cpu, cpus);
        cpus[cpu] = false;
        int nxt;
        while ((nxt = cycle(x, cpu, cpus)) >= 0) {
            bool by_core = topo_same_socket(t, cpu, nxt);
            int factor = by_core ? 1 : 2;
            int w_cpu = 0, w_nxt = 0;
            for (int p = 0; p < np; p++) {
                w_cpu += idlers[p] && in_group(t, by_core, p, cpu);
                w_nxt += idlers[p] && in_group(t, by_core, p, nxt);
            }
            if (w_cpu * factor < w_nxt) {
                bool *nxt_idlers = x->p_nxt;
                for (int p = 0; p < np; p++)
                    nxt_idlers[p] = idlers[p] && in_group(t, by_core, p, nxt) && cpus[p];
                spc = nxt;
                cpu = cycle(x, x->pcpus[nxt].idle_bias, nxt_idlers);
                assert(cpu >= 0);
                for (int p = 0; p < np; p++)
                    if (topo_same_core(t, p, cpu))
                        cpus[p] = false;
            } else {
                for (int p = 0; p < np; p++)
                    if (idlers[p] && in_group(t, by_core, p, nxt))
                        cpus[p] = false;
            }
        }
        /* An idle pCPU within the soft affinity ends the search. */
        if (idlers[cpu])
            break;
    }
    assert(cpu >= 0);
    if (commit && spc >= 0)
        x->pcpus[spc].idle_bias = cpu;
    trc_v(x, v->processor, CR_TRC_PICKED_CPU, v, 1, (uint32_t)cpu);
    return cpu;
}

/* The pick_cpu hook, asked when a migration ends (Xen's pick_cpu in 3.4,
 * csched_res_pick in 4.17, which marks the vCPU so that the wake that
 * follows is not a BOOST). */
static int cr_pick_cpu(void *priv, struct sched_vcpu *v)
{
    struct cr *x = priv;
    if (!x->v417)
        return pick34(x, v);
    cv(v)->migrating = true;
    cv(v)->waker = v->processor;
    return pick417(x, v, true);
}

/* ---- the tick and accounting ---- */

/* csched_vcpu_acct / csched_unit_acct: the running vCPU at a tick of its
 * pCPU: 100 credits (3.4) or the time it ran (4.17). */
static void vcpu_acct(struct cr *x, int cpu, sim_time_t now)
{
    struct sched_vcpu *v = sched_curr(x->core, cpu);
    struct cr_vcpu *c = cv(v);
    assert(v->processor == cpu && c->d);
    if (c->pri == CR_PRI_BOOST) {
        c->pri = CR_PRI_UNDER;
        trc_v(x, cpu, CR_TRC_BOOST_END, v, 0, 0);
    }
    if (x->v417)
        burn_credits(c, now);
    else
        c->credit -= CR_CREDITS_PER_TICK;
    if (cl_empty(&c->active_elem))
        acct_start(x, cpu, c);
    else if ((x->v417 ? pick417(x, v, false) : pick34(x, v)) != cpu)
        (void)sched_migrate(x->core, v);
}

static void ticker_fn(void *arg)
{
    struct cr_tick_arg *a = arg;
    struct cr *x = a->x;
    int cpu = a->cpu;
    struct cr_pcpu *p = &x->pcpus[cpu];
    sim_time_t now = sched_now(x->core, cpu);
    p->ticks++;
    if (!sched_curr(x->core, cpu)->is_idle)
        vcpu_acct(x, cpu, now);
    runq_sort(x, cpu);
    sched_timer_set(&p->ticker, sched_now(x->core, cpu) + x->tick);
}

/* csched_acct: every accounting period on the master pCPU. Unsigned
 * 32-bit arithmetic, as Xen's. In 4.17 a domain's weight counts once per
 * active vCPU. */
static void acct_fn(void *arg)
{
    struct cr *x = arg;
    uint32_t cpt = (uint32_t)x->credits_per_tslice;
    uint32_t weight_total = x->weight, credit_total = x->credit;
    if (x->credit_balance < 0)
        credit_total -= (uint32_t)x->credit_balance;
    if (weight_total == 0) {
        x->credit_balance = 0;
        goto out;
    }
    uint32_t weight_left = weight_total, credit_cap = 0;
    int credit_balance = 0;
    bool credit_xtra = false;
    struct cr_link *e = x->active_doms.next;
    while (e != &x->active_doms) {
        struct cr_link *next_dom = e->next;
        struct cr_dom *d = CR_OF(e, struct cr_dom, active_elem);
        uint32_t n = (uint32_t)d->nactive;
        uint32_t wn = x->v417 ? d->weight * n : d->weight;
        assert(n > 0 && d->weight > 0 && wn <= weight_left);
        weight_left -= wn;
        uint32_t credit_peak = n * cpt;
        if (x->credit_balance < 0)
            credit_peak += ((uint32_t)-x->credit_balance * wn + (weight_total - 1))
                           / weight_total;
        if (d->cap) {
            credit_cap = (d->cap * cpt + 99) / 100;
            if (credit_cap < credit_peak)
                credit_peak = credit_cap;
            credit_cap = (credit_cap + (n - 1)) / n;
        }
        uint32_t credit_fair = (credit_total * wn + (weight_total - 1)) / weight_total;
        if (credit_fair < credit_peak) {
            credit_xtra = true;
        } else {
            if (weight_left)
                credit_total += ((credit_fair - credit_peak) * weight_total + (weight_left - 1))
                                / weight_left;
            if (credit_xtra) {
                cl_del_init(&d->active_elem);
                cl_add(&d->active_elem, &x->active_doms);
            }
            credit_fair = credit_peak;
        }
        credit_fair = (credit_fair + (n - 1)) / n;
        struct cr_link *f = d->active_vcpus.next;
        while (f != &d->active_vcpus) {
            struct cr_link *next_vcpu = f->next;
            struct cr_vcpu *c = CR_OF(f, struct cr_vcpu, active_elem);
            c->credit += (int)credit_fair;
            int credit = c->credit;
            if (credit < 0) {
                c->pri = CR_PRI_OVER;
                if (d->cap && credit < -(int)credit_cap && !c->parked) {
                    (void)sched_park(x->core, c->v);
                    c->parked = true;
                }
                if (credit < -(int)cpt)
                    c->credit = credit = -(int)cpt;
            } else {
                c->pri = CR_PRI_UNDER;
                /* Unparked before the flag is cleared: its wake is not a
                 * BOOST. */
                if (c->parked) {
                    /* The wake, if the unpark makes one, runs here. */
                    c->waker = x->master;
                    (void)sched_unpark(x->core, c->v);
                    c->waker = -1;
                    c->parked = false;
                }
                if (credit > (int)cpt) {
                    acct_stop(x, x->master, c);
                    c->credit = credit = x->v417 ? credit / 2
                                       : x->reset_credit_quirk ? 0 : (int)cpt;
                }
            }
            credit_balance += credit;
            f = next_vcpu;
        }
        e = next_dom;
    }
    x->credit_balance = credit_balance;
    x->runq_sort++;
out:
    sched_timer_set(&x->master_ticker, sched_now(x->core, x->master) + x->tslice);
}

/* ---- hooks ---- */

static void cr_deinit(void *priv);

static int cr_init(struct sched_core *core, const struct scn *s, void **priv)
{
    struct cr *x = calloc(1, sizeof *x);
    if (!x)
        return -SIM_ENOMEM;
    x->core = core;
    x->np = sched_npcpus(core);
    x->pcpus = calloc((size_t)x->np, sizeof *x->pcpus);
    x->args = calloc((size_t)x->np, sizeof *x->args);
    bool **sets[] = { &x->t_mask, &x->t_idle, &x->p_cpus, &x->p_idle, &x->p_nxt,
                      &x->lb_workers };
    bool ok = x->pcpus && x->args;
    for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++)
        ok = (*sets[i] = calloc((size_t)x->np, sizeof **sets[i])) && ok;
    if (!ok) {
        cr_deinit(x);
        return -SIM_ENOMEM;
    }
    struct cr_tick_arg *args = x->args;
    cl_init(&x->active_doms);
    for (int p = 0; p < x->np; p++) {
        struct cr_pcpu *pc = &x->pcpus[p];
        cl_init(&pc->runq);
        args[p] = (struct cr_tick_arg){ x, p };
        sched_timer_init(core, &pc->ticker, p, ticker_fn, &args[p]);
        pc->idler = true;
        pc->idle_bias = x->np - 1;
    }
    x->master = 0;
    sched_timer_init(core, &x->master_ticker, x->master, acct_fn, x);
    x->master_inited = true;
    const struct scn_sched_global *g = &s->sched;
    x->v417 = g->credit.version == SCN_CREDIT_4_17;
    x->reset_credit_quirk = g->credit.reset_credit_quirk;
    x->tickle_all_idlers_quirk = g->credit.tickle_all_idlers_quirk;
    if (x->v417) {
        /* __csched_set_tslice: three ticks a slice, one below 3 ms. */
        sim_time_t ms = g->credit.tslice / SIM_MSEC;
        x->tslice = g->credit.tslice;
        x->tick = ms < CR_TICKS_PER_SLICE ? x->tslice : ms * 1000 / CR_TICKS_PER_SLICE * SIM_USEC;
        x->credits_per_tslice = (int)(CR_CREDITS_PER_MSEC * ms);
        x->ratelimit = g->credit.ratelimit;
        x->migration_delay = g->credit.migration_delay;
        x->tickle_one_idle = g->credit.tickle_one_idle;
        x->kick_away_quirk = g->credit.kick_away_quirk;
        x->first_wake_quirk = g->credit.first_wake_quirk;
    } else {
        x->tslice = CR_TICK * CR_TICKS_PER_SLICE;
        x->tick = CR_TICK;
        x->credits_per_tslice = CR_CREDITS_PER_SLICE;
    }
    x->credit = (uint32_t)(x->credits_per_tslice * x->np);
    *priv = x;
    return 0;
}

static void cr_deinit(void *priv)
{
    struct cr *x = priv;
    if (!x)
        return;
    if (x->master_inited)
        sched_timer_cancel(&x->master_ticker);
    if (x->pcpus)
        for (int p = 0; p < x->np; p++)
            if (x->pcpus[p].started)
                sched_timer_cancel(&x->pcpus[p].ticker);
    free(x->args);
    free(x->pcpus);
    free(x->t_mask);
    free(x->t_idle);
    free(x->p_cpus);
    free(x->p_idle);
    free(x->p_nxt);
    free(x->lb_workers);
    for (int d = 0; d < x->ndoms; d++)
        free(x->doms[d]);
    free(x->doms);
    free(x);
}

/* csched_vcpu_init: credit 0, UNDER (IDLE for an idle vCPU), not active.
 * The weight and cap were checked by the loader as Xen 3.4's xend did;
 * refused here too, should a scenario bypass it. */
static int cr_alloc_vdata(void *priv, struct sched_vcpu *v)
{
    struct cr *x = priv;
    struct cr_vcpu *c = calloc(1, sizeof *c);
    if (!c)
        return -SIM_ENOMEM;
    cl_init(&c->runq_elem);
    cl_init(&c->active_elem);
    c->v = v;
    c->waker = -1;
    v->priv = c;
    if (v->is_idle) {
        c->pri = CR_PRI_IDLE;
        return 0;
    }
    c->pri = CR_PRI_UNDER;
    c->pinned = v->dom->ncpus == 1;
    c->has_soft = x->v417 && sched_soft_matters(x->core, v);
    const struct scn_credit_dom *p = &v->dom->credit;
    if (v->domain < 0 || p->weight < 1 || p->weight > 65535 || p->cap < 0
        || p->cap > 100 * v->dom->vcpus)
        return -SIM_EINVAL;
    if (v->domain >= x->ndoms) {
        struct cr_dom **a = realloc(x->doms, (size_t)(v->domain + 1) * sizeof *a);
        if (!a)
            return -SIM_ENOMEM;
        for (int d = x->ndoms; d <= v->domain; d++)
            a[d] = NULL;
        x->doms = a;
        x->ndoms = v->domain + 1;
    }
    if (!x->doms[v->domain]) {
        struct cr_dom *d = calloc(1, sizeof *d);
        if (!d)
            return -SIM_ENOMEM;
        cl_init(&d->active_vcpus);
        cl_init(&d->active_elem);
        d->weight = (uint32_t)p->weight;
        d->cap = (uint32_t)p->cap;
        x->doms[v->domain] = d;
    }
    c->d = x->doms[v->domain];
    return 0;
}

/* Xen 4.17's insert (csched_unit_insert) puts a new vCPU where
 * csched_res_pick says, from where the core placed it (Xen's initial
 * pCPU is its own choice: docs/schedulers.md), which marks it migrating,
 * so its first wake is no BOOST (first_wake_quirk). */
static void cr_insert(void *priv, struct sched_vcpu *v)
{
    struct cr *x = priv;
    if (!x->v417 || v->is_idle)
        return;
    int p = pick417(x, v, true);
    if (p != v->processor) {
        int rc = sched_place(x->core, v, p);
        assert(rc == 0);
        (void)rc;
    }
    cv(v)->migrating = x->first_wake_quirk;
}

static void cr_remove(void *priv, struct sched_vcpu *v)
{
    struct cr *x = priv;
    struct cr_vcpu *c = cv(v);
    if (!c)
        return;
    if (on_runq(c)) {
        runq_remove(c);
        nr_dec(x, v->processor);
    }
    if (c->d && !cl_empty(&c->active_elem))
        acct_stop(x, v->processor, c);
}

/* csched_vcpu_sleep: a paused vCPU leaves its queue; a running one makes
 * its pCPU reschedule. */
static void cr_sleep(void *priv, struct sched_vcpu *v)
{
    struct cr *x = priv;
    if (sched_curr(x->core, v->processor) == v) {
        sched_tickle(x->core, v->processor);
    } else if (on_runq(cv(v))) {
        runq_remove(cv(v));
        nr_dec(x, v->processor);
    }
}

/* csched_vcpu_wake. The core wakes the idle vCPUs of the pCPUs but 0 at
 * boot (Xen 2.0's start-up); Xen 3.4 never woke an idle vCPU this way, so
 * the wake is ignored. */
static void cr_wake(void *priv, struct sched_vcpu *v)
{
    struct cr *x = priv;
    struct cr_vcpu *c = cv(v);
    if (v->is_idle || sched_curr(x->core, v->processor) == v || on_runq(c))
        return;
    bool migrating = c->migrating;
    c->migrating = false;
    int me = c->waker >= 0 ? c->waker : v->processor;
    c->waker = -1;
    if (!migrating && c->pri == CR_PRI_UNDER && !c->parked) {
        c->pri = CR_PRI_BOOST;
        trc_v(x, me, CR_TRC_BOOST_START, v, 0, 0);
    }
    runq_insert(x, v->processor, c);
    nr_inc(x, v->processor);
    tickle(x, v->processor, me, c);
}

/* csched_unit_yield (4.17): the next queue insertion goes one further. */
static void cr_yield(void *priv, struct sched_vcpu *v)
{
    struct cr *x = priv;
    if (x->v417)
        cv(v)->yield = true;
}

/* csched_runq_steal: the first migratable queued vCPU of the peer, of priority
 * strictly above pri, whose mask for the step holds cpu; none from a peer
 * running its idle vCPU (it is about to take its own work). Migratable:
 * not running, not cache-hot (4.17's vcpu_migration_delay; 3.4's is 0);
 * in the soft step, only a vCPU whose soft affinity matters. */
static struct cr_vcpu *runq_steal(struct cr *x, int peer, int cpu, int pri, int step,
                                  sim_time_t now)
{
    if (sched_curr(x->core, peer)->is_idle)
        return NULL;
    struct cr_link *q = &x->pcpus[peer].runq;
    for (struct cr_link *it = q->next; it != q; it = it->next) {
        struct cr_vcpu *c = CR_OF(it, struct cr_vcpu, runq_elem);
        if (c->pri <= pri)
            break;
        if (sched_running(x->core, c->v) || (step == CR_STEP_SOFT && !c->has_soft))
            continue;
        if (!sched_in_step(x->core, c->v, step == CR_STEP_SOFT, cpu)
            || (x->migration_delay && now - c->last_sched_time < x->migration_delay))
            continue;
        trc(x, cpu, CR_TRC_STOLEN, 3, (uint32_t)peer, (uint32_t)c->v->domain,
            (uint32_t)c->v->vcpu);
        runq_remove(c);
        nr_dec(x, peer);
        int rc = sched_move(x->core, c->v, cpu);
        assert(rc == 0);
        (void)rc;
        nr_inc(x, cpu);
        return c;
    }
    return NULL;
}

/* csched_load_balance: the busy peers in pCPU order, from the next one
 * after cpu (3.4) or after the peer last stolen from (4.17, which skips a
 * peer with one runnable vCPU, the one it runs, and goes round twice: for
 * vCPUs that prefer cpu, then for any that may run there). Nothing stolen:
 * the local head. */
static struct cr_vcpu *load_balance(struct cr *x, int cpu, struct cr_vcpu *snext,
                                    sim_time_t now)
{
    bool *workers = x->lb_workers;
    for (int step = x->v417 ? CR_STEP_SOFT : CR_STEP_HARD; step <= CR_STEP_HARD; step++) {
        for (int p = 0; p < x->np; p++)
            workers[p] = p != cpu && !x->pcpus[p].idler;
        int first = x->v417 ? cycle(x, x->balance_bias, workers) : cycle(x, cpu, workers);
        int peer = first;
        while (peer >= 0) {
            bool look = !x->v417 || x->pcpus[peer].nr_runnable > 1;
            trc(x, cpu, CR_TRC_STEAL_CHECK, 2, (uint32_t)peer, look, 0);
            if (look) {
                struct cr_vcpu *c = runq_steal(x, peer, cpu, snext->pri, step, now);
                if (c) {
                    x->balance_bias = peer;
                    return c;
                }
            }
            peer = cycle(x, peer, workers);
            if (peer == first)
                break;
        }
    }
    runq_remove(snext);
    return snext;
}

/* 4.17's ratelimit: a runnable vCPU that has run less than ratelimit
 * since it was dispatched keeps its pCPU until it has (at least 100 us
 * more if it has run under 100 us), unless it yielded. */
static bool ratelimited(const struct cr *x, const struct sched_vcpu *prev, sim_time_t runtime)
{
    return x->v417 && x->ratelimit && !prev->is_idle && prev->runnable
           && !cv(prev)->yield && runtime < x->ratelimit;
}

static struct sched_slice cr_do_schedule(void *priv, int cpu, sim_time_t now)
{
    struct cr *x = priv;
    struct cr_pcpu *p = &x->pcpus[cpu];
    if (!p->started) {
        p->started = true;
        sched_timer_set(&p->ticker, now + x->tick);
        if (cpu == x->master)
            sched_timer_set(&x->master_ticker, now + x->tslice);
    }
    struct sched_vcpu *prev = sched_curr(x->core, cpu);
    struct cr_vcpu *sc = cv(prev), *snext;
    sim_time_t runtime = now - sc->run_start > 0 ? now - sc->run_start : 0;
    sim_time_t slice = x->tslice;
    trc(x, cpu, CR_TRC_SCHEDULE, 1, (uint32_t)cpu | (uint32_t)prev->is_idle << 24, 0, 0);
    if (x->v417) {
        if (!prev->is_idle) {
            burn_credits(sc, now);
            sc->start_time -= now;
            sc->last_sched_time = now;
        }
        if (ratelimited(x, prev, runtime)) {
            trc(x, cpu, CR_TRC_RATELIMIT, 2,
                sched_trace_unit(prev), (uint32_t)runtime, 0);
            sc->start_time += now;
            slice = runtime < CR_MIN_TIMER ? CR_MIN_TIMER : x->ratelimit - runtime;
            snext = sc;
            goto out;
        }
    }
    if (prev->is_idle || prev->runnable)
        runq_insert(x, cpu, sc);
    else
        nr_dec(x, cpu);
    sc->yield = false;
    assert(!cl_empty(&p->runq));
    snext = CR_OF(p->runq.next, struct cr_vcpu, runq_elem);
    if (snext->pri > CR_PRI_OVER)
        runq_remove(snext);
    else
        snext = load_balance(x, cpu, snext, now);
    p->idler = snext->pri == CR_PRI_IDLE;
    if (x->v417 && !snext->v->is_idle)
        snext->start_time += now;
out:
    if (snext != sc)
        snext->run_start = now;
    if (x->v417 && !prev->is_idle && snext->v->is_idle)
        sched_timer_cancel(&p->ticker);
    if (x->v417 && prev->is_idle && !snext->v->is_idle)
        sched_timer_set(&p->ticker, now + x->tick - now % x->tick);
    return (struct sched_slice){ snext->v, snext->v->is_idle ? SIM_TIME_MAX : slice };
}

static void cr_dump(void *priv, FILE *out)
{
    struct cr *x = priv;
    fprintf(out, "credit: weight %u pool %u balance %d epoch %u\n", x->weight, x->credit,
            x->credit_balance, x->runq_sort);
    for (int p = 0; p < x->np; p++) {
        fprintf(out, "  pcpu %d%s runq:", p, x->pcpus[p].idler ? " idle" : "");
        struct cr_link *q = &x->pcpus[p].runq;
        for (struct cr_link *it = q->next; it != q; it = it->next) {
            const struct cr_vcpu *c = CR_OF(it, struct cr_vcpu, runq_elem);
            fprintf(out, " %d.%d(%d,%d)", c->v->domain, c->v->vcpu, c->pri, c->credit);
        }
        fprintf(out, "\n");
    }
}

const struct sched_ops sched_credit_ops = {
    .name = "SMP Credit Scheduler (Xen 3.4, 4.17)",
    .opt_name = "credit",
    .init = cr_init,
    .deinit = cr_deinit,
    .alloc_vdata = cr_alloc_vdata,
    .insert = cr_insert,
    .remove = cr_remove,
    .sleep = cr_sleep,
    .wake = cr_wake,
    .yield = cr_yield,
    .do_schedule = cr_do_schedule,
    .pick_cpu = cr_pick_cpu,
    .dump = cr_dump,
};
