/*
 * schedulers/credit.c: the Credit scheduler, as Xen 3.4 ran it
 * (scheduler.name: credit, scheduler.credit.version: "3.4").
 *
 * Source: Xen 3.4's xen/common/sched_credit.c (the tree of 27 May 2009,
 * commit a36045afa8, the last before 3.5 development; the file is the same
 * at tag 3.4.0-rc3) and the parts of xen/common/schedule.c it relies on
 * (vcpu_migrate, context_saved); facts only, no Xen code. docs/schedulers.md
 * has the algorithm, the parameters and the quirks in tables.
 *
 * Model, per pCPU: a run queue ordered by priority (BOOST 0 > UNDER -1 >
 * OVER -2 > IDLE -64), FIFO within a priority, the idle vCPU at its tail
 * whenever it is not running; a 10 ms ticker that debits 100 credits from
 * whichever vCPU is running at that instant (sampled, not metered), ends its
 * BOOST, puts it on its domain's active list if it was not, and else asks
 * pick_cpu whether it should run elsewhere (then migrates it, sched_migrate);
 * a sort of the run queue (UNDER and BOOST ahead of OVER, order kept)
 * at the first tick after each accounting. Globally, every 30 ms on the
 * master pCPU (pCPU 0): accounting of a pool of 300 credits per pCPU
 * shared among the active domains by weight, capped, each domain's share
 * split equally among its active vCPUs; priorities set from the sign of
 * the credit; a capped vCPU far below zero parked (sched_park) until its
 * credit is positive again; a vCPU above 300 made inactive, its credit
 * reset to 0. A wake BOOSTs an UNDER vCPU that is not parked, queues it
 * on its own pCPU and tickles that pCPU if it beats what runs there, and
 * every idle pCPU it may run on if that pCPU is busy. do_schedule requeues
 * the previous vCPU if runnable, takes the head, and, if the head is OVER
 * or idle, steals the first vCPU of strictly higher priority from a busy
 * peer's queue (peers in pCPU order from the next one); 30 ms slices.
 *
 * Simplified: the tickers start at each pCPU's boot schedule (Xen started
 * them once all pCPUs were up); a peer's lock is always available to the
 * load balancer (Xen's trylock could fail under contention);
 * vcpu_migration_delay is its default, 0 (no vCPU is cache-hot);
 * sched_smt_power_savings is off, its default. The core's own 10 ms tick
 * of Xen 2.0 still runs (models/hv.c).
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

#define CR_TICK (10 * SIM_MSEC)             /* CSCHED_MSECS_PER_TICK */
#define CR_TICKS_PER_SLICE 3
#define CR_TICKS_PER_ACCT 3
#define CR_CREDITS_PER_TICK 100
#define CR_CREDITS_PER_SLICE 300            /* also the credit bounds */
#define CR_CREDITS_PER_ACCT 300             /* the pool's share of each pCPU */

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
    bool started;                   /* its ticker runs */
    bool idler;                     /* in the idlers mask */
    uint64_t ticks;
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
    bool reset_credit_quirk;
    bool tickle_all_idlers_quirk;
    /* pCPU sets of np entries each, reused by one function apiece (none of
     * them runs inside another): tickle's mask and idlers, pick_cpu's
     * candidates and idlers, the load balancer's workers. */
    bool *t_mask, *t_idle, *p_cpus, *p_idle, *lb_workers;
};

static struct cr_vcpu *cv(const struct sched_vcpu *v)
{
    return v->priv;
}

static bool on_runq(const struct cr_vcpu *c)
{
    return !cl_empty(&c->runq_elem);
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

/* After every entry of priority >= its own: FIFO within a priority. */
static void runq_insert(struct cr *x, int cpu, struct cr_vcpu *c)
{
    assert(!on_runq(c) && c->v->processor == cpu);
    struct cr_link *q = &x->pcpus[cpu].runq, *it = q->next;
    while (it != q && c->pri <= CR_OF(it, struct cr_vcpu, runq_elem)->pri)
        it = it->next;
    cl_add_tail(&c->runq_elem, it);
}

static void runq_remove(struct cr_vcpu *c)
{
    assert(on_runq(c));
    cl_del_init(&c->runq_elem);
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

/* __runq_tickle: the vCPU's own pCPU if the new one beats what runs there;
 * if that pCPU is busy, the idle pCPUs it may run on (all of them, or,
 * without the quirk, the first after it). */
static void tickle(struct cr *x, int cpu, struct cr_vcpu *c)
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

/* ---- active lists ---- */

static void acct_start(struct cr *x, struct cr_vcpu *c)
{
    struct cr_dom *d = c->d;
    if (!cl_empty(&c->active_elem))
        return;
    d->nactive++;
    cl_add(&c->active_elem, &d->active_vcpus);
    if (cl_empty(&d->active_elem)) {
        cl_add(&d->active_elem, &x->active_doms);
        x->weight += d->weight;
    }
}

static void acct_stop(struct cr *x, struct cr_vcpu *c)
{
    struct cr_dom *d = c->d;
    assert(!cl_empty(&c->active_elem));
    d->nactive--;
    cl_del_init(&c->active_elem);
    if (cl_empty(&d->active_vcpus)) {
        assert(x->weight >= d->weight);
        cl_del_init(&d->active_elem);
        x->weight -= d->weight;
    }
}

/* ---- pick_cpu ---- */

/* csched_cpu_pick: v's pCPU if it may run there, else the next one it may;
 * then, among the idle pCPUs it may run on, move to one whose core (if in
 * the same socket) or socket (if not) has strictly more idle pCPUs than the
 * current choice's, dropping each group that does not. The current choice
 * counts as idle. */
static int cr_pick_cpu(void *priv, struct sched_vcpu *v)
{
    struct cr *x = priv;
    const struct topo *t = sched_topology(x->core);
    int np = x->np;
    bool *cpus = x->p_cpus, *idlers = x->p_idle;
    for (int p = 0; p < np; p++)
        cpus[p] = sched_may_run(x->core, v, p);
    int cpu = cpus[v->processor] ? v->processor : cycle(x, v->processor, cpus);
    assert(cpu >= 0);
    for (int p = 0; p < np; p++)
        idlers[p] = x->pcpus[p].idler;
    idlers[cpu] = true;
    for (int p = 0; p < np; p++)
        cpus[p] = cpus[p] && idlers[p];
    cpus[cpu] = false;
    int nxt;
    while ((nxt = cycle(x, cpu, cpus)) >= 0) {
        bool same_socket = topo_same_socket(t, cpu, nxt);
        int w_cpu = 0, w_nxt = 0;
        for (int p = 0; p < np; p++) {
            if (!idlers[p])
                continue;
            if (same_socket ? topo_same_core(t, p, cpu) : topo_same_socket(t, p, cpu))
                w_cpu++;
            if (same_socket ? topo_same_core(t, p, nxt) : topo_same_socket(t, p, nxt))
                w_nxt++;
        }
        if (w_cpu < w_nxt) {
            cpu = nxt;
            cpus[cpu] = false;
        } else {
            for (int p = 0; p < np; p++)
                if (idlers[p]
                    && (same_socket ? topo_same_core(t, p, nxt) : topo_same_socket(t, p, nxt)))
                    cpus[p] = false;
        }
    }
    return cpu;
}

/* ---- the tick and accounting ---- */

/* csched_vcpu_acct: the running vCPU at a tick of its pCPU. */
static void vcpu_acct(struct cr *x, int cpu)
{
    struct sched_vcpu *v = sched_curr(x->core, cpu);
    struct cr_vcpu *c = cv(v);
    assert(v->processor == cpu && c->d);
    if (c->pri == CR_PRI_BOOST)
        c->pri = CR_PRI_UNDER;
    c->credit -= CR_CREDITS_PER_TICK;
    if (cl_empty(&c->active_elem))
        acct_start(x, c);
    else if (v->runnable && cr_pick_cpu(x, v) != cpu)
        (void)sched_migrate(x->core, v);
}


static void ticker_fn(void *arg)
{
    struct cr_tick_arg *a = arg;
    struct cr *x = a->x;
    int cpu = a->cpu;
    struct cr_pcpu *p = &x->pcpus[cpu];
    p->ticks++;
    if (!sched_curr(x->core, cpu)->is_idle)
        vcpu_acct(x, cpu);
    runq_sort(x, cpu);
    sched_timer_set(&p->ticker, sched_now(x->core, cpu) + CR_TICK);
}

/* csched_acct: every 30 ms on the master pCPU. */
static void acct_fn(void *arg)
{
    struct cr *x = arg;
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
        assert(d->nactive > 0 && d->weight > 0 && d->weight <= weight_left);
        weight_left -= d->weight;
        uint32_t n = (uint32_t)d->nactive;
        uint32_t credit_peak = n * CR_CREDITS_PER_ACCT;
        if (x->credit_balance < 0)
            credit_peak += ((uint32_t)-x->credit_balance * d->weight + (weight_total - 1))
                           / weight_total;
        if (d->cap) {
            credit_cap = (d->cap * CR_CREDITS_PER_ACCT + 99) / 100;
            if (credit_cap < credit_peak)
                credit_peak = credit_cap;
            credit_cap = (credit_cap + (n - 1)) / n;
        }
        uint32_t credit_fair = (credit_total * d->weight + (weight_total - 1)) / weight_total;
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
                if (credit < -CR_CREDITS_PER_SLICE)
                    c->credit = credit = -CR_CREDITS_PER_SLICE;
            } else {
                c->pri = CR_PRI_UNDER;
                /* Unparked before the flag is cleared: its wake is not a
                 * BOOST. */
                if (c->parked) {
                    (void)sched_unpark(x->core, c->v);
                    c->parked = false;
                }
                if (credit > CR_CREDITS_PER_SLICE) {
                    acct_stop(x, c);
                    c->credit = credit = x->reset_credit_quirk ? 0 : CR_CREDITS_PER_SLICE;
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
    sched_timer_set(&x->master_ticker,
                    sched_now(x->core, x->master) + CR_TICK * CR_TICKS_PER_ACCT);
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
    bool **sets[] = { &x->t_mask, &x->t_idle, &x->p_cpus, &x->p_idle, &x->lb_workers };
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
        x->credit += CR_CREDITS_PER_ACCT;
    }
    x->master = 0;
    sched_timer_init(core, &x->master_ticker, x->master, acct_fn, x);
    x->master_inited = true;
    x->reset_credit_quirk = s->sched.credit.reset_credit_quirk;
    x->tickle_all_idlers_quirk = s->sched.credit.tickle_all_idlers_quirk;
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
    v->priv = c;
    if (v->is_idle) {
        c->pri = CR_PRI_IDLE;
        return 0;
    }
    c->pri = CR_PRI_UNDER;
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

static void cr_free_vdata(void *priv, struct sched_vcpu *v)
{
    (void)priv;
    free(v->priv);
    v->priv = NULL;
}

static void cr_insert(void *priv, struct sched_vcpu *v)
{
    (void)priv;
    (void)v;
}

static void cr_remove(void *priv, struct sched_vcpu *v)
{
    struct cr *x = priv;
    struct cr_vcpu *c = cv(v);
    if (!c)
        return;
    if (on_runq(c))
        runq_remove(c);
    if (c->d && !cl_empty(&c->active_elem))
        acct_stop(x, c);
}

/* csched_vcpu_sleep: a paused vCPU leaves its queue; a running one makes
 * its pCPU reschedule. */
static void cr_sleep(void *priv, struct sched_vcpu *v)
{
    struct cr *x = priv;
    if (sched_curr(x->core, v->processor) == v)
        sched_tickle(x->core, v->processor);
    else if (on_runq(cv(v)))
        runq_remove(cv(v));
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
    if (c->pri == CR_PRI_UNDER && !c->parked)
        c->pri = CR_PRI_BOOST;
    runq_insert(x, v->processor, c);
    tickle(x, v->processor, c);
}

/* csched_runq_steal: the first migratable queued vCPU of the peer, of priority
 * strictly above pri, that may run on cpu; none from a peer running its
 * idle vCPU (it is about to take its own work). */
static struct cr_vcpu *runq_steal(struct cr *x, int peer, int cpu, int pri)
{
    if (sched_curr(x->core, peer)->is_idle)
        return NULL;
    struct cr_link *q = &x->pcpus[peer].runq;
    for (struct cr_link *it = q->next; it != q; it = it->next) {
        struct cr_vcpu *c = CR_OF(it, struct cr_vcpu, runq_elem);
        if (c->pri <= pri)
            break;
        /* Migratable: not running, allowed here (and never cache-hot with
         * vcpu_migration_delay 0). */
        if (!sched_running(x->core, c->v) && sched_may_run(x->core, c->v, cpu)) {
            runq_remove(c);
            int rc = sched_move(x->core, c->v, cpu);
            assert(rc == 0);
            (void)rc;
            return c;
        }
    }
    return NULL;
}

/* csched_load_balance: busy peers in pCPU order from the next one. */
static struct cr_vcpu *load_balance(struct cr *x, int cpu, struct cr_vcpu *snext)
{
    bool *workers = x->lb_workers;
    for (int p = 0; p < x->np; p++)
        workers[p] = p != cpu && !x->pcpus[p].idler;
    int peer = cpu;
    while ((peer = cycle(x, peer, workers)) >= 0) {
        workers[peer] = false;
        struct cr_vcpu *c = runq_steal(x, peer, cpu, snext->pri);
        if (c)
            return c;
    }
    runq_remove(snext);
    return snext;
}

static struct sched_slice cr_do_schedule(void *priv, int cpu, sim_time_t now)
{
    struct cr *x = priv;
    struct cr_pcpu *p = &x->pcpus[cpu];
    if (!p->started) {
        p->started = true;
        sched_timer_set(&p->ticker, now + CR_TICK);
        if (cpu == x->master)
            sched_timer_set(&x->master_ticker, now + CR_TICK * CR_TICKS_PER_ACCT);
    }
    struct sched_vcpu *prev = sched_curr(x->core, cpu);
    if (prev->runnable)
        runq_insert(x, cpu, cv(prev));
    assert(!cl_empty(&p->runq));
    struct cr_vcpu *snext = CR_OF(p->runq.next, struct cr_vcpu, runq_elem);
    if (snext->pri > CR_PRI_OVER)
        runq_remove(snext);
    else
        snext = load_balance(x, cpu, snext);
    p->idler = snext->pri == CR_PRI_IDLE;
    sim_time_t slice = snext->v->is_idle ? SIM_TIME_MAX
                                         : CR_TICK * CR_TICKS_PER_SLICE;
    return (struct sched_slice){ snext->v, slice };
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
    .name = "SMP Credit Scheduler (Xen 3.4)",
    .opt_name = "credit",
    .init = cr_init,
    .deinit = cr_deinit,
    .alloc_vdata = cr_alloc_vdata,
    .free_vdata = cr_free_vdata,
    .insert = cr_insert,
    .remove = cr_remove,
    .sleep = cr_sleep,
    .wake = cr_wake,
    .do_schedule = cr_do_schedule,
    .pick_cpu = cr_pick_cpu,
    .dump = cr_dump,
};
