/*
 * schedulers/credit2.c: the Credit2 scheduler as Xen 4.17.5 runs it
 * (scheduler.name: credit2).
 *
 * Source (facts only, no Xen code; docs/schedulers.md has the algorithm,
 * the parameters and the quirks in tables): xen/common/sched/credit2.c of
 * RELEASE-4.17.5, the file Debian 12's xen 4.17.5+72-g01140da4e8 ships
 * unchanged, the parts of xen/common/sched/core.c it relies on
 * (sched_unit_migrate_finish, the ratelimit default) and the toolstack's
 * checks (tools/libs/light/libxl_sched.c).
 *
 * Model. pCPUs are grouped into run queues (per pCPU, core, socket, the
 * one NUMA node or all, as credit2_runqueue says; at most
 * max_cpus_runqueue pCPUs each, spread evenly, threads of a core kept
 * together). A run queue keeps its runnable vCPUs sorted by credit (FIFO
 * among equals), the list of every vCPU assigned to it, its pCPUs' idle
 * and tickled masks, its highest weight and a decaying average of its
 * load. A vCPU burns credit in ns of run time scaled by max_weight/weight
 * (the heaviest burns 1 credit per ns), never below -10 ms. do_schedule
 * keeps the running vCPU for the ratelimit, else takes the first queued
 * vCPU with more credit that may run here, was not left for another
 * tickled pCPU, and, if it sits on another pCPU, beats the current choice
 * by migrate_resist; when the best credit in sight is <= 0, every vCPU of
 * the run queue gets 10 ms more (twice that if the chosen one is at the
 * floor), clipped to 10.5 ms, and the run queue balances its load with
 * the one whose average differs most (push, pull or swap the pair that
 * evens them best). The slice runs the chosen vCPU down to the credit of
 * the next in the queue (or to 0), within 500 us (or the ratelimit) and
 * 10 ms. A wake queues the vCPU on its own run queue and tickles a fully
 * idle core, else an idle pCPU, else the busy pCPU with the best score
 * (credit margin, migrate_resist off a foreign pCPU, soft-affinity
 * bonuses). A vCPU moves to another run queue only at creation (the
 * least-loaded one) and by the balancer. A capped domain draws budget
 * from a pool refilled every cap_period; a vCPU that finds none is
 * parked (sched_park) until the refill or a sibling's return.
 *
 * Xen 4.17's core runs context_saved after the switch: the vCPU switched
 * away is queued again and tickled there. xensim's core has no such hook,
 * so do_schedule does that work once it has chosen, with the chosen vCPU
 * taken as the one running (curr), as it is in Xen by then.
 *
 * Simplified (docs/schedulers.md says why): no tasklets; no lock
 * contention (Xen's trylocks always succeed, so get_fallback_cpu is never
 * needed); the cap's refill timer runs on pCPU 0 (Xen:
 * cpumask_any of the pool); a domain's weight and cap are in force from
 * its creation (Xen: from the toolstack's call before the first unpause);
 * parking the running vCPU costs one extra schedule on its pCPU (the
 * core's pause reschedules it); one cpupool; sched_smt_power_savings off.
 */
#include "schedulers/policies.h"

#include <assert.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "sim/err.h"
#include "sim/topo.h"

#define C2_CREDIT_INIT (10 * SIM_MSEC)              /* CSCHED2_CREDIT_INIT */
#define C2_CREDIT_MIN (-C2_CREDIT_INIT)
#define C2_IDLE_CREDIT (C2_CREDIT_MIN - 1)
#define C2_MIN_TIMER (500 * SIM_USEC)               /* CSCHED2_MIN_TIMER */
#define C2_MAX_TIMER C2_CREDIT_INIT                 /* CSCHED2_MAX_TIMER */
#define C2_CARRYOVER_MAX C2_MIN_TIMER
#define C2_MIGRATE_COMPENSATION (50 * SIM_USEC)
#define C2_RATELIMIT_TICKLE_TOLERANCE (50 * SIM_USEC)
#define C2_CREDIT_RESET 0
#define C2_LOADAVG_GRANULARITY_SHIFT 10

/* TRC_SCHED_CLASS_EVT(CSCHED2, n) of public/trace.h: class 0x00022000,
 * Credit2's scheduler id 1 (bits 9-11). */
enum {
    C2_TRC_RUNQ_POS = 2,            /* unit | dom << 16, position */
    C2_TRC_CREDIT_BURN = 3,         /* unit | dom << 16, credit, budget, delta */
    C2_TRC_TICKLE_CHECK = 5,        /* unit | dom << 16, credit, score */
    C2_TRC_TICKLE = 6,              /* pCPU */
    C2_TRC_CREDIT_RESET = 7,        /* unit | dom << 16, credit before, after */
    C2_TRC_UPDATE_LOAD = 9,         /* no payload */
    C2_TRC_RUNQ_ASSIGN = 10,        /* unit | dom << 16, run queue */
    C2_TRC_UPDATE_UNIT_LOAD = 11,   /* avgload lo, hi, unit | dom << 16, shift */
    C2_TRC_UPDATE_RUNQ_LOAD = 12,   /* avgload lo, hi, b_avgload lo, hi,
                                       load | rq << 16 | shift << 24, padding */
    C2_TRC_TICKLE_NEW = 13,         /* unit | dom << 16, pCPU, credit */
    C2_TRC_RUNQ_MAX_WEIGHT = 14,    /* run queue | max_weight << 16 */
    C2_TRC_MIGRATE = 15,            /* unit | dom << 16, run queue | target << 16 */
    C2_TRC_LOAD_CHECK = 16,         /* run queue | other << 16, load delta */
    C2_TRC_LOAD_BALANCE = 17,       /* b_avgload lo, hi, other's lo, hi,
                                       run queue | other << 16, padding */
    C2_TRC_PICKED_CPU = 19,         /* load lo, hi, unit | dom << 16, rq | pCPU << 16 */
    C2_TRC_SCHEDULE = 21,           /* pCPU | rq << 16, idle << 8 | smt_idle << 16 |
                                       tickled << 24 */
    C2_TRC_RATELIMIT = 22,          /* unit | dom << 16, ns run */
    C2_TRC_RUNQ_CAND_CHECK = 23,    /* unit | dom << 16 */
    C2_TRC_RUNQ_CANDIDATE = 20,     /* unit | dom << 16, tickled pCPU, credit */
};
/* Xen traces a payload struct with sizeof(): one that ends in a 32-bit word
 * after 64-bit fields carries a padding word, which xensim writes as 0. */
#define C2_TRC(n) (0x00022000u + (1u << 9) + (uint32_t)(n))

/* Flags of a vCPU (Xen's CSFLAG_*). */
enum {
    C2_SCHEDULED = 1u << 1,         /* running (context not yet saved) */
    C2_DELAYED_ADD = 1u << 2,       /* queue it when its context is saved */
    C2_MIGRATE_REQ = 1u << 3,       /* the balancer asked for it on migrate_rqd */
    C2_YIELD = 1u << 4,
    C2_PINNED = 1u << 5,            /* hard affinity of one pCPU */
};

/* A circular doubly linked list (Linux list.h semantics). */
struct c2_link {
    struct c2_link *prev, *next;
};

static void l_init(struct c2_link *l)
{
    l->prev = l->next = l;
}

static bool l_empty(const struct c2_link *l)
{
    return l->next == l;
}

/* Insert e before b (list_add_tail on b). */
static void l_add_tail(struct c2_link *e, struct c2_link *b)
{
    e->next = b;
    e->prev = b->prev;
    b->prev->next = e;
    b->prev = e;
}

static void l_add(struct c2_link *e, struct c2_link *head)
{
    l_add_tail(e, head->next);
}

static void l_del_init(struct c2_link *e)
{
    e->prev->next = e->next;
    e->next->prev = e->prev;
    l_init(e);
}

#define C2_OF(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))

struct c2_dom {
    int index;                      /* scn.domains index */
    unsigned weight;
    unsigned cap;                   /* % of one pCPU, 0 = none */
    int nr_units;
    sim_time_t tot_budget;          /* ns a period */
    sim_time_t budget;              /* ns left in the pool */
    sim_time_t next_repl;           /* ns NOW() of pCPU 0: next refill */
    struct sched_timer repl_timer;
    bool timer_inited;
    struct c2_link parked;          /* its parked vCPUs, newest first */
    struct c2 *x;
};

struct c2_rqd;

struct c2_unit {
    struct c2_link runq_elem;       /* in rqd->runq, or self-linked */
    struct c2_link rqd_elem;        /* in rqd->svc while assigned */
    struct c2_link parked_elem;     /* in its domain's parked list */
    struct sched_vcpu *v;
    struct c2_dom *d;               /* NULL for an idle vCPU */
    struct c2_rqd *rqd;             /* NULL until assigned */
    struct c2_rqd *migrate_rqd;     /* the balancer's target when C2_MIGRATE_REQ */
    int cpu;                        /* its pCPU (Xen's sched_unit_master): v->processor,
                                       except for a vCPU do_schedule takes from another
                                       pCPU, moved once it has balanced (as Xen) */
    int credit;                     /* ns of credit */
    unsigned weight;
    unsigned residual;              /* remainder of the last burn's division */
    unsigned flags;
    int tickled_cpu;                /* the pCPU tickled to take it, -1 */
    bool has_soft;                  /* a soft affinity that matters (has_soft_affinity) */
    bool parked;
    sim_time_t budget;              /* ns; SIM_TIME_MAX without a cap */
    sim_time_t budget_quota;        /* ns taken from the pool at a time */
    sim_time_t start_time;          /* ns NOW(): burnt up to here */
    sim_time_t state_entry;         /* ns NOW(): when it last started running */
    int64_t load_last_update;       /* NOW() >> 10 */
    int64_t avgload;                /* load << precision shift, decaying */
};

struct c2_rqd {
    int id;
    bool *active, *idle, *tickled, *smt_idle;   /* [np] */
    struct c2_link runq;            /* runnable vCPUs, by credit */
    struct c2_link svc;             /* vCPUs assigned to it */
    int refcnt, nr_cpus;
    int load;                       /* runnable vCPUs, running ones included */
    int64_t load_last_update;       /* NOW() >> 10 */
    int64_t avgload, b_avgload;     /* load << precision shift, decaying */
    unsigned max_weight;
    int pick_bias;
};

struct c2_pcpu {
    struct c2_rqd *rqd;
    bool *sibling;                  /* [np]: its threads in its run queue, itself included */
    struct c2_unit *curr;           /* running, as Xen's curr_on_cpu after the switch */
};

struct c2 {
    struct sched_core *core;
    int np;
    struct c2_pcpu *pcpus;          /* [np] */
    struct c2_rqd *rqds;            /* [nrqd], in id order (Xen's rql) */
    int nrqd;
    struct c2_dom **doms;           /* [ndoms] by domain index */
    int ndoms;
    sim_time_t ratelimit;           /* ns, 0 = off */
    sim_time_t migrate_resist;      /* ns */
    sim_time_t cap_period;          /* ns */
    int balance_under, balance_over;
    unsigned load_window_shift;     /* minus the granularity shift */
    unsigned load_precision_shift;
    bool balance_last_rq_quirk;
    bool pick_next_quirk;
    bool soft_pick_bias_quirk;
    bool *mask, *scratch;           /* [np] scratch sets */
    bool parking;                   /* the sleep hook is park_unit's own */
};

static struct c2_unit *cu(const struct sched_vcpu *v)
{
    return v->priv;
}

static bool on_runq(const struct c2_unit *s)
{
    return !l_empty(&s->runq_elem);
}

/* unit_runnable: a vCPU asked to migrate is not (Xen's _VPF_migrating;
 * sched_migrate clears v->runnable). */
static bool runnable(const struct c2_unit *s)
{
    return s->v->runnable;
}

static bool has_cap(const struct c2_unit *s)
{
    return s->budget != SIM_TIME_MAX;
}

static void trc(const struct c2 *x, int cpu, int n, unsigned nd, const uint32_t *d)
{
    sched_trace(x->core, cpu, C2_TRC(n), nd, d);
}

/* cpumask_cycle: the next pCPU after n in set, wrapping (n itself last);
 * -1 if the set is empty. */
static int cycle(const struct c2 *x, int n, const bool *set)
{
    for (int i = 1; i <= x->np; i++) {
        int c = (n + i) % x->np;
        if (set[c])
            return c;
    }
    return -1;
}

/* cpumask_test_or_cycle. */
static int test_or_cycle(const struct c2 *x, int n, const bool *set)
{
    return set[n] ? n : cycle(x, n, set);
}

/* ---- smt_idle: pCPUs whose threads (in the run queue) are all idle and
 * untickled ---- */

static void smt_idle_set(struct c2 *x, int cpu, const bool *idlers, bool *mask)
{
    const bool *sib = x->pcpus[cpu].sibling;
    for (int p = 0; p < x->np; p++)
        if (sib[p] && !idlers[p])
            return;
    for (int p = 0; p < x->np; p++)
        mask[p] = mask[p] || sib[p];
}

static void smt_idle_clear(struct c2 *x, int cpu, bool *mask)
{
    const bool *sib = x->pcpus[cpu].sibling;
    for (int p = 0; p < x->np; p++)
        if (sib[p] && !mask[p])
            return;
    for (int p = 0; p < x->np; p++)
        mask[p] = mask[p] && !sib[p];
}

/* rqd->idle without rqd->tickled, into x->scratch. */
static bool *idle_untickled(struct c2 *x, const struct c2_rqd *r)
{
    for (int p = 0; p < x->np; p++)
        x->scratch[p] = r->idle[p] && !r->tickled[p];
    return x->scratch;
}

/* ---- credit ---- */

/* t2c_update: charge `time` ns as time x max_weight / weight credits,
 * the remainder carried in residual; never below CREDIT_MIN. */
static void t2c_update(const struct c2_rqd *r, sim_time_t time, struct c2_unit *s)
{
    uint64_t val = (uint64_t)time * r->max_weight + s->residual;
    s->residual = (unsigned)(val % s->weight);
    int64_t credit = (int64_t)s->credit - (int64_t)(val / s->weight);
    s->credit = credit < C2_CREDIT_MIN ? (int)C2_CREDIT_MIN : (int)credit;
}

static sim_time_t c2t(const struct c2_rqd *r, sim_time_t credit, const struct c2_unit *s)
{
    return credit * s->weight / r->max_weight;
}

/* burn_credits: s runs; charge it from start_time to now (and its budget). */
static void burn_credits(struct c2 *x, struct c2_rqd *r, struct c2_unit *s, sim_time_t now)
{
    if (s->v->is_idle)
        return;
    sim_time_t delta = now - s->start_time;
    if (delta > 0) {
        t2c_update(r, delta, s);
        if (has_cap(s))
            s->budget -= delta;
        s->start_time = now;
    }
    trc(x, s->cpu, C2_TRC_CREDIT_BURN, 4, (const uint32_t[]){
            sched_trace_unit(s->v), (uint32_t)s->credit,
            has_cap(s) ? (uint32_t)(int32_t)s->budget : (uint32_t)INT32_MIN, (uint32_t)delta
    });
}


/* ---- load tracking ---- */

static int64_t ewma(const struct c2 *x, int64_t avg, int64_t load, int64_t delta)
{
    unsigned w = x->load_window_shift, pr = x->load_precision_shift;
    return avg + ((delta * (load << pr)) >> w) - ((delta * avg) >> w);
}

static void update_runq_load(struct c2 *x, int cpu, struct c2_rqd *r, int change,
                             sim_time_t now)
{
    int64_t t = now >> C2_LOADAVG_GRANULARITY_SHIFT;
    int64_t load = r->load;
    if (r->load_last_update + ((int64_t)1 << x->load_window_shift) < t) {
        r->avgload = r->b_avgload = load << x->load_precision_shift;
    } else {
        int64_t delta = t - r->load_last_update;
        if (delta < 0)
            delta = 0;
        r->avgload = ewma(x, r->avgload, load, delta);
        r->b_avgload = ewma(x, r->b_avgload, load, delta);
    }
    r->load += change;
    r->load_last_update = t;
    assert(r->avgload >= 0 && r->b_avgload >= 0 && r->load >= 0);
    trc(x, cpu, C2_TRC_UPDATE_RUNQ_LOAD, 6, (const uint32_t[]){
            sched_trace_lo(r->avgload), sched_trace_hi(r->avgload),
            sched_trace_lo(r->b_avgload), sched_trace_hi(r->b_avgload),
            ((uint32_t)r->load & 0xffff) | ((uint32_t)r->id & 0xff) << 16 |
                (uint32_t)x->load_precision_shift << 24, 0
    });
}

static void update_svc_load(struct c2 *x, int cpu, struct c2_unit *s, int change,
                            sim_time_t now)
{
    int64_t t = now >> C2_LOADAVG_GRANULARITY_SHIFT;
    int64_t load = change == -1 ? 1 : change == 1 ? 0 : runnable(s);
    if (s->load_last_update + ((int64_t)1 << x->load_window_shift) < t) {
        s->avgload = load << x->load_precision_shift;
    } else {
        int64_t delta = t - s->load_last_update;
        s->avgload = ewma(x, s->avgload, load, delta < 0 ? 0 : delta);
    }
    s->load_last_update = t;
    trc(x, cpu, C2_TRC_UPDATE_UNIT_LOAD, 4, (const uint32_t[]){
            sched_trace_lo(s->avgload), sched_trace_hi(s->avgload), sched_trace_unit(s->v),
            x->load_precision_shift
    });
}

static void update_load(struct c2 *x, int cpu, struct c2_rqd *r, struct c2_unit *s,
                        int change, sim_time_t now)
{
    trc(x, cpu, C2_TRC_UPDATE_LOAD, 0, NULL);
    update_runq_load(x, cpu, r, change, now);
    if (s)
        update_svc_load(x, cpu, s, change, now);
}

/* ---- run queue assignment ---- */

static void update_max_weight(struct c2 *x, int cpu, struct c2_rqd *r, unsigned new_weight,
                              unsigned old_weight)
{
    if (new_weight > r->max_weight) {
        r->max_weight = new_weight;
    } else if (old_weight == r->max_weight) {
        unsigned m = 1;
        for (struct c2_link *e = r->svc.next; e != &r->svc; e = e->next) {
            const struct c2_unit *s = C2_OF(e, struct c2_unit, rqd_elem);
            if (s->weight > m)
                m = s->weight;
        }
        r->max_weight = m;
    }
    trc(x, cpu, C2_TRC_RUNQ_MAX_WEIGHT, 1, (const uint32_t[]){
            ((uint32_t)r->id & 0xffff) | (r->max_weight & 0xffff) << 16
    });
}

static void rq_assign(struct c2 *x, struct c2_unit *s, struct c2_rqd *r)
{
    s->rqd = r;
    l_add_tail(&s->rqd_elem, &r->svc);
    update_max_weight(x, s->cpu, r, s->weight, 0);
    r->b_avgload += s->avgload;
    trc(x, s->cpu, C2_TRC_RUNQ_ASSIGN, 2,
        (const uint32_t[]){ sched_trace_unit(s->v), (uint32_t)r->id });
}

static void rq_deassign(struct c2 *x, struct c2_unit *s)
{
    struct c2_rqd *r = s->rqd;
    assert(!on_runq(s));
    l_del_init(&s->rqd_elem);
    update_max_weight(x, s->cpu, r, 0, s->weight);
    r->b_avgload = r->b_avgload - s->avgload > 0 ? r->b_avgload - s->avgload : 0;
    s->rqd = NULL;
}

/* runq_insert: after every vCPU with as much credit or more. */
static void runq_insert(struct c2 *x, struct c2_unit *s)
{
    assert(!on_runq(s) && !s->v->is_idle && s->rqd == x->pcpus[s->cpu].rqd);
    struct c2_link *q = &s->rqd->runq, *it = q->next;
    unsigned pos = 0;
    while (it != q && s->credit <= C2_OF(it, struct c2_unit, runq_elem)->credit) {
        it = it->next;
        pos++;
    }
    l_add_tail(&s->runq_elem, it);
    trc(x, s->cpu, C2_TRC_RUNQ_POS, 2, (const uint32_t[]){ sched_trace_unit(s->v), pos });
}

static void runq_remove(struct c2_unit *s)
{
    assert(on_runq(s));
    l_del_init(&s->runq_elem);
}

/* ---- tickling ---- */

static void tickle_cpu(struct c2 *x, int cpu, struct c2_rqd *r)
{
    r->tickled[cpu] = true;
    smt_idle_clear(x, cpu, r->smt_idle);
    sched_tickle(x->core, cpu);
}

/* is_preemptable: cur has run longer than the ratelimit less 50 us. */
static bool preemptable(const struct c2 *x, const struct c2_unit *cur, sim_time_t now)
{
    if (x->ratelimit <= C2_RATELIMIT_TICKLE_TOLERANCE)
        return true;
    return now - cur->state_entry > x->ratelimit - C2_RATELIMIT_TICKLE_TOLERANCE;
}

/* tickle_score: how much new beats what runs on cpu (negative: not
 * enough), with migrate_resist off new's own pCPU and a 10 ms bonus each
 * for cpu in new's soft affinity and cpu outside cur's. */
static sim_time_t tickle_score(struct c2 *x, sim_time_t now, const struct c2_unit *new, int cpu)
{
    struct c2_rqd *r = x->pcpus[cpu].rqd;
    struct c2_unit *cur = x->pcpus[cpu].curr;
    if (cur->v->is_idle || !preemptable(x, cur, now))
        return -1;
    burn_credits(x, r, cur, now);
    sim_time_t score = (sim_time_t)new->credit - cur->credit;
    if (new->cpu != cpu)
        score -= x->migrate_resist;
    if (score > 0) {
        if (sched_prefers(x->core, new->v, cpu))
            score += C2_CREDIT_INIT;
        if (!sched_prefers(x->core, cur->v, cpu))
            score += C2_CREDIT_INIT;
    }
    trc(x, new->cpu, C2_TRC_TICKLE_CHECK, 3, (const uint32_t[]){
            sched_trace_unit(cur->v), (uint32_t)cur->credit, (uint32_t)score
    });
    return score;
}

/* runq_tickle: new was just queued; wake a pCPU of its run queue to take
 * it: its own if it is pinned there and that pCPU idles; else, for its
 * soft and then its hard affinity, a fully idle core's pCPU, then any idle
 * untickled pCPU (its own first, then the next ones); else the busy
 * untickled pCPU with the best positive score (its own first, taken at
 * once if it prefers it). */
static void runq_tickle(struct c2 *x, struct c2_unit *new, sim_time_t now)
{
    struct sched_vcpu *v = new->v;
    int cpu = new->cpu, ipid = -1;
    struct c2_rqd *r = x->pcpus[cpu].rqd;
    bool *mask = x->mask;
    assert(new->rqd == r);
    trc(x, cpu, C2_TRC_TICKLE_NEW, 3, (const uint32_t[]){
            sched_trace_unit(v), (uint32_t)cpu, (uint32_t)new->credit
    });
    if ((new->flags & C2_PINNED) && r->idle[cpu] && !r->tickled[cpu]) {
        ipid = cpu;
        goto tickle;
    }
    for (int soft = 1; soft >= 0; soft--) {
        if (soft && !new->has_soft)
            continue;
        for (int p = 0; p < x->np; p++)
            mask[p] = r->smt_idle[p] && sched_in_step(x->core, v, soft, p);
        if ((ipid = test_or_cycle(x, cpu, mask)) >= 0)
            goto tickle;
        for (int p = 0; p < x->np; p++)
            mask[p] = r->idle[p] && !r->tickled[p] && sched_in_step(x->core, v, soft, p);
        if ((ipid = test_or_cycle(x, cpu, mask)) >= 0)
            goto tickle;
    }
    sim_time_t max = 0;
    for (int p = 0; p < x->np; p++)
        mask[p] = r->active[p] && !r->idle[p] && !r->tickled[p]
                  && sched_may_run(x->core, v, p);
    if (mask[cpu]) {
        mask[cpu] = false;
        sim_time_t score = tickle_score(x, now, new, cpu);
        if (score > max) {
            max = score;
            ipid = cpu;
            if (sched_prefers(x->core, v, cpu))
                goto tickle;
        }
    }
    for (int p = 0; p < x->np; p++) {
        if (!mask[p])
            continue;
        sim_time_t score = tickle_score(x, now, new, p);
        if (score > max) {
            max = score;
            ipid = p;
        }
    }
    if (ipid < 0)
        return;
tickle:
    trc(x, cpu, C2_TRC_TICKLE, 1, (const uint32_t[]){ (uint32_t)ipid });
    tickle_cpu(x, ipid, r);
    new->tickled_cpu = ipid;
}

/* ---- credit reset ---- */

/* reset_credit: an epoch ends. Every vCPU of the run queue (running ones
 * charged first) gets CREDIT_INIT more (twice that if snext is at the
 * floor), clipped to CREDIT_INIT + CARRYOVER_MAX. */
static void reset_credit(struct c2 *x, int cpu, sim_time_t now, struct c2_unit *snext)
{
    struct c2_rqd *r = x->pcpus[cpu].rqd;
    int reset = (int)C2_CREDIT_INIT;
    assert(snext->credit >= C2_CREDIT_MIN);
    if (snext->credit == C2_CREDIT_MIN)
        reset += (int)C2_CREDIT_INIT;
    for (struct c2_link *e = r->svc.next; e != &r->svc; e = e->next) {
        struct c2_unit *s = C2_OF(e, struct c2_unit, rqd_elem);
        int scpu = s->cpu;
        if (x->pcpus[scpu].curr == s) {
            burn_credits(x, r, s, now);
            if (s->budget <= 0)
                tickle_cpu(x, scpu, r);
        }
        int start = s->credit;
        int64_t c = (int64_t)s->credit + reset;
        s->credit = c > C2_CREDIT_INIT + C2_CARRYOVER_MAX ? (int)(C2_CREDIT_INIT + C2_CARRYOVER_MAX)
                                                          : (int)c;
        s->start_time = now;
        trc(x, cpu, C2_TRC_CREDIT_RESET, 3, (const uint32_t[]){
                sched_trace_unit(s->v), (uint32_t)start, (uint32_t)s->credit
        });
    }
}

/* ---- caps ---- */

static void park_unit(struct c2 *x, int cpu, struct c2_unit *s, sim_time_t now)
{
    s->parked = true;
    if (on_runq(s)) {
        runq_remove(s);
        update_load(x, cpu, s->rqd, s, -1, now);
    }
    l_add(&s->parked_elem, &s->d->parked);
    x->parking = true;
    int rc = sched_park(x->core, s->v);
    assert(rc == 0);
    (void)rc;
    x->parking = false;
}

/* unit_grab_budget: take a quota from the domain's pool, net of what the
 * vCPU overran; park it if the pool is empty. */
static bool grab_budget(struct c2 *x, int cpu, struct c2_unit *s, sim_time_t now)
{
    struct c2_dom *d = s->d;
    if (s->budget > 0)
        return true;
    d->budget += s->budget;
    if (d->budget > 0) {
        sim_time_t b = d->budget >= s->budget_quota ? s->budget_quota : d->budget;
        s->budget = b;
        d->budget -= b;
    } else {
        s->budget = 0;
        park_unit(x, cpu, s, now);
    }
    return s->budget > 0;
}

/* unpark_parked_units: each parked vCPU is unpaused; the core wakes it
 * (our wake hook queues and tickles it) unless it is blocked. The list
 * was taken whole, as Xen splices it before unparking. */
static void unpark_all(struct c2 *x, struct c2_dom *d)
{
    struct c2_link list;
    l_init(&list);
    if (l_empty(&d->parked))
        return;
    l_add_tail(&list, d->parked.next);
    l_del_init(&d->parked);
    while (!l_empty(&list)) {
        struct c2_unit *s = C2_OF(list.next, struct c2_unit, parked_elem);
        l_del_init(&s->parked_elem);
        s->parked = false;
        int rc = sched_unpark(x->core, s->v);
        assert(rc == 0);
        (void)rc;
    }
}

/* unit_return_budget: what the vCPU did not use goes back to the pool;
 * true if the pool then holds some (the parked ones are to be unparked). */
static bool return_budget(struct c2_unit *s)
{
    s->d->budget += s->budget;
    s->budget = 0;
    return s->d->budget > 0;
}

/* replenish_domain_budget: every cap_period (more refills if late), at
 * most tot_budget; then unpark. */
static void repl_fn(void *arg)
{
    struct c2_dom *d = arg;
    struct c2 *x = d->x;
    sim_time_t now = sched_now(x->core, 0);
    do {
        d->next_repl += x->cap_period;
        d->budget += d->tot_budget;
    } while (d->next_repl <= now);
    if (d->budget > 0) {
        if (d->budget > d->tot_budget)
            d->budget = d->tot_budget;
        unpark_all(x, d);
    }
    sched_timer_set(&d->repl_timer, d->next_repl);
}

/* ---- choosing ---- */

/* csched2_runtime: run down to the next queued vCPU's credit (if
 * positive) or to 0, within the budget, at least MIN_TIMER (or what is
 * left of the ratelimit), at most MAX_TIMER. */
static sim_time_t runtime(struct c2 *x, int cpu, struct c2_unit *snext, bool is_running,
                          sim_time_t now)
{
    struct c2_rqd *r = x->pcpus[cpu].rqd;
    if (snext->v->is_idle)
        return SIM_TIME_MAX;
    sim_time_t min_time = C2_MIN_TIMER;
    if (x->ratelimit) {
        sim_time_t rmin = is_running ? snext->state_entry + x->ratelimit - now : x->ratelimit;
        if (rmin > min_time)
            min_time = rmin;
    }
    int64_t rt_credit = snext->credit;
    if (!l_empty(&r->runq)) {
        const struct c2_unit *w = C2_OF(r->runq.next, struct c2_unit, runq_elem);
        if (w->credit > 0)
            rt_credit = (int64_t)snext->credit - w->credit;
    }
    sim_time_t time = rt_credit > 0 ? c2t(r, rt_credit, snext) : 0;
    if (has_cap(snext) && snext->budget < time)
        time = snext->budget;
    if (time < min_time)
        time = min_time;
    else if (time > C2_MAX_TIMER)
        time = C2_MAX_TIMER;
    return time;
}

/* runq_candidate. */
static struct c2_unit *runq_candidate(struct c2 *x, struct c2_rqd *r, struct c2_unit *scurr,
                                      int cpu, sim_time_t now)
{
    struct c2_unit *snext;
    bool yield = false;
    if (scurr->v->is_idle) {
        snext = scurr;
    } else {
        yield = scurr->flags & C2_YIELD;
        scurr->flags &= ~C2_YIELD;
        sim_time_t ran = now - scurr->state_entry;
        if (!yield && x->ratelimit && runnable(scurr) && ran < x->ratelimit) {
            trc(x, cpu, C2_TRC_RATELIMIT, 2,
                (const uint32_t[]){ sched_trace_unit(scurr->v), (uint32_t)ran });
            return scurr;
        }
        bool soft_aff_preempt = false;
        if (scurr->has_soft && !sched_in_step(x->core, scurr->v, true, cpu)) {
            for (int p = 0; p < x->np && !soft_aff_preempt; p++)
                soft_aff_preempt = sched_in_step(x->core, scurr->v, true, p) && r->idle[p] &&
                                   !r->tickled[p];
        }
        snext = runnable(scurr) && !soft_aff_preempt ? scurr : cu(sched_idle(x->core, cpu));
    }
    struct c2_link *q = &r->runq, *it = q->next;
    while (it != q) {
        struct c2_link *next = it->next;
        struct c2_unit *s = C2_OF(it, struct c2_unit, runq_elem);
        it = next;
        trc(x, cpu, C2_TRC_RUNQ_CAND_CHECK, 1, (const uint32_t[]){ sched_trace_unit(s->v) });
        if (!yield && s->credit <= snext->credit)
            break;
        if (!runnable(s) || !sched_may_run(x->core, s->v, cpu))
            continue;
        if (s->tickled_cpu != -1 && s->tickled_cpu != cpu && r->tickled[s->tickled_cpu])
            continue;
        if (s->cpu != cpu && (int64_t)snext->credit + x->migrate_resist > s->credit)
            continue;
        if (has_cap(s) && !grab_budget(x, cpu, s, now))
            continue;
        snext = s;
        break;
    }
    trc(x, cpu, C2_TRC_RUNQ_CANDIDATE, 3, (const uint32_t[]){
            sched_trace_unit(snext->v), (uint32_t)snext->tickled_cpu, (uint32_t)snext->credit
    });
    return snext;
}

/* ---- moving between run queues ---- */

/* migrate(): svc to run queue t. A vCPU marked scheduled (running, blocked
 * or not, or the one do_schedule is about to return) is asked to move once
 * off its pCPU (sched_migrate; pick_cpu then goes to t) and its pCPU is
 * tickled: the core runs it until then although it is flagged, as Xen's
 * schedule() does. Another, queued or blocked, is moved now to t's pCPU
 * after its pick_bias (sched_set_res; a blocked vCPU's guest timer stays
 * where it was set, as in Xen). */
static void migrate(struct c2 *x, struct c2_unit *s, struct c2_rqd *t, sim_time_t now)
{
    int cpu = s->cpu;
    trc(x, cpu, C2_TRC_MIGRATE, 2, (const uint32_t[]){
            sched_trace_unit(s->v), (uint32_t)s->rqd->id | (uint32_t)t->id << 16
    });
    if (s->flags & C2_SCHEDULED) {
        int rc = sched_migrate(x->core, s->v);
        assert(rc == 0);
        (void)rc;
        s->migrate_rqd = t;
        s->flags |= C2_MIGRATE_REQ;
        tickle_cpu(x, cpu, s->rqd);
        return;
    }
    for (int p = 0; p < x->np; p++)
        x->mask[p] = t->active[p] && sched_may_run(x->core, s->v, p);
    int dest = cycle(x, t->pick_bias, x->mask);
    assert(dest >= 0);
    bool was_queued = on_runq(s);
    if (was_queued) {
        runq_remove(s);
        update_load(x, cpu, s->rqd, NULL, -1, now);
    }
    rq_deassign(x, s);
    int rc = sched_move(x->core, s->v, dest);
    assert(rc == 0);
    (void)rc;
    s->cpu = dest;
    t->pick_bias = dest;
    rq_assign(x, s, t);
    if (was_queued) {
        update_load(x, cpu, s->rqd, NULL, 1, now);
        runq_insert(x, s);
        runq_tickle(x, s, now);
    }
}

/* unit_is_migrateable: not already asked to move, and may run somewhere
 * in r. */
static bool migrateable(const struct c2 *x, const struct c2_unit *s, const struct c2_rqd *r)
{
    if (s->flags & C2_MIGRATE_REQ)
        return false;
    for (int p = 0; p < x->np; p++)
        if (r->active[p] && sched_may_run(x->core, s->v, p))
            return true;
    return false;
}

struct balance {
    int64_t load_delta;
    struct c2_unit *push, *pull;
    struct c2_rqd *l, *o;
};

static void consider(struct balance *st, struct c2_unit *push, struct c2_unit *pull)
{
    int64_t l = st->l->b_avgload, o = st->o->b_avgload;
    if (push) {
        l -= push->avgload;
        o += push->avgload;
    }
    if (pull) {
        l += pull->avgload;
        o -= pull->avgload;
    }
    int64_t delta = l > o ? l - o : o - l;
    if (delta < st->load_delta) {
        st->load_delta = delta;
        st->push = push;
        st->pull = pull;
    }
}

/* balance_load: with the run queue whose b_avgload differs most, if the
 * difference passes the under- or overload threshold, the push, pull or
 * swap that leaves the smallest difference. */
static void balance_load(struct c2 *x, int cpu, sim_time_t now)
{
    struct balance st = { 0 };
    st.l = x->pcpus[cpu].rqd;
    update_runq_load(x, cpu, st.l, 0, now);
    struct c2_rqd *max_rqd = NULL;
    for (int i = 0; i < x->nrqd; i++) {
        struct c2_rqd *r = &x->rqds[i];
        st.o = r;
        if (r == st.l)
            continue;
        update_runq_load(x, cpu, r, 0, now);
        int64_t delta = st.l->b_avgload - r->b_avgload;
        if (delta < 0)
            delta = -delta;
        if (delta > st.load_delta) {
            st.load_delta = delta;
            max_rqd = r;
        }
    }
    if (!max_rqd)
        return;
    /* Xen reads the thresholds' loads from st.orqd, which the loop left
     * on the last run queue of the list (balance_last_rq_quirk). */
    const struct c2_rqd *o = x->balance_last_rq_quirk ? st.o : max_rqd;
    int64_t load_max = st.l->b_avgload > o->b_avgload ? st.l->b_avgload : o->b_avgload;
    int cpus_max = st.l->nr_cpus > o->nr_cpus ? st.l->nr_cpus : o->nr_cpus;
    trc(x, cpu, C2_TRC_LOAD_CHECK, 2, (const uint32_t[]){
            (uint32_t)st.l->id | (uint32_t)o->id << 16, (uint32_t)st.load_delta
    });
    unsigned pr = x->load_precision_shift;
    int tol = load_max < ((int64_t)cpus_max << pr) ? x->balance_under : x->balance_over;
    if (st.load_delta < (int64_t)(1ULL << (pr + (unsigned)tol)))
        return;
    st.o = max_rqd;
    trc(x, cpu, C2_TRC_LOAD_BALANCE, 6, (const uint32_t[]){
            sched_trace_lo(st.l->b_avgload), sched_trace_hi(st.l->b_avgload),
            sched_trace_lo(st.o->b_avgload), sched_trace_hi(st.o->b_avgload),
            ((uint32_t)st.l->id & 0xffff) | ((uint32_t)st.o->id & 0xffff) << 16, 0
    });
    bool inner_updated = false;
    for (struct c2_link *e = st.l->svc.next; e != &st.l->svc; e = e->next) {
        struct c2_unit *push = C2_OF(e, struct c2_unit, rqd_elem);
        update_svc_load(x, cpu, push, 0, now);
        if (!migrateable(x, push, st.o))
            continue;
        for (struct c2_link *f = st.o->svc.next; f != &st.o->svc; f = f->next) {
            struct c2_unit *pull = C2_OF(f, struct c2_unit, rqd_elem);
            if (!inner_updated)
                update_svc_load(x, cpu, pull, 0, now);
            if (!migrateable(x, pull, st.l))
                continue;
            consider(&st, push, pull);
        }
        inner_updated = true;
        consider(&st, push, NULL);
    }
    for (struct c2_link *f = st.o->svc.next; f != &st.o->svc; f = f->next) {
        struct c2_unit *pull = C2_OF(f, struct c2_unit, rqd_elem);
        if (migrateable(x, pull, st.l))
            consider(&st, NULL, pull);
    }
    if (st.push)
        migrate(x, st.push, st.o, now);
    if (st.pull)
        migrate(x, st.pull, st.l, now);
}

/* csched2_res_pick: the run queue the balancer asked for, else the least
 * loaded one v may run in (its own counted without v's load), preferring
 * one within its soft affinity; the pCPU after a pick_bias, which moves
 * there. */
static int res_pick(struct c2 *x, struct c2_unit *s)
{
    struct sched_vcpu *v = s->v;
    bool *mask = x->mask;
    struct c2_rqd *min_rqd = NULL, *min_s_rqd = NULL;
    int64_t min_avg = INT64_MAX, min_s_avg = INT64_MAX;
    int new_cpu;
    if (s->flags & C2_MIGRATE_REQ) {
        s->flags &= ~C2_MIGRATE_REQ;
        struct c2_rqd *t = s->migrate_rqd;
        bool any = false;
        for (int p = 0; p < x->np; p++)
            any = (mask[p] = t->active[p] && sched_may_run(x->core, v, p)) || any;
        if (any) {
            new_cpu = cycle(x, t->pick_bias, mask);
            t->pick_bias = new_cpu;
            min_rqd = t;
            min_avg = t->b_avgload;
            goto out;
        }
    }
    bool has_soft = s->has_soft;
    for (int i = 0; i < x->nrqd; i++) {
        struct c2_rqd *r = &x->rqds[i];
        bool meets = false, meets_soft = false;
        for (int p = 0; p < x->np; p++) {
            bool h = r->active[p] && sched_may_run(x->core, v, p);
            meets = meets || h;
            meets_soft = meets_soft || (h && sched_prefers(x->core, v, p));
        }
        if (!meets)
            continue;
        int64_t avg = r == s->rqd ? (r->b_avgload - s->avgload > 0 ? r->b_avgload - s->avgload : 0)
                                  : r->b_avgload;
        if (has_soft && avg < min_s_avg && meets_soft) {
            min_s_avg = avg;
            min_s_rqd = r;
        }
        if (avg < min_avg) {
            min_avg = avg;
            min_rqd = r;
        }
    }
    /* With a soft-affinity run queue, Xen 4.17.5's csched2_res_pick picks
     * among its pCPUs but cycles from, and then moves, the pick_bias of the
     * least loaded run queue of the hard affinity (min_rqd), which its
     * PICKED_CPU record also names (soft_pick_bias_quirk); without the
     * quirk, the soft run queue's own bias. */
    bool soft = has_soft && min_s_rqd;
    assert(min_rqd);
    struct c2_rqd *pick_rqd = soft ? min_s_rqd : min_rqd;
    struct c2_rqd *bias_rqd = soft && !x->soft_pick_bias_quirk ? min_s_rqd : min_rqd;
    for (int p = 0; p < x->np; p++)
        mask[p] = pick_rqd->active[p] && sched_in_step(x->core, v, soft, p);
    new_cpu = cycle(x, bias_rqd->pick_bias, mask);
    assert(new_cpu >= 0);
    bias_rqd->pick_bias = new_cpu;
out:
    trc(x, s->cpu, C2_TRC_PICKED_CPU, 4, (const uint32_t[]){
            sched_trace_lo(min_avg), sched_trace_hi(min_avg), sched_trace_unit(v),
            ((uint32_t)min_rqd->id & 0xffff) | (uint32_t)new_cpu << 16
    });
    return new_cpu;
}

/* ---- hooks ---- */

static void c2_deinit(void *priv);

/* cpu_add_to_runqueue, for pCPUs 0, 1, ... in turn, all online: the
 * first run queue whose first pCPU matches the arrangement and that holds
 * one of cpu's threads; else, among the matching ones with room (at most
 * max_cpus_runq, spread evenly; a pCPU's threads fit whole unless `all`),
 * the least full; else a new one. */
static int add_to_runqueue(struct c2 *x, const struct scn_sched_global *g, int cpu)
{
    const struct topo *t = sched_topology(x->core);
    int min_rqs = (x->np - 1) / g->credit2.max_cpus_runqueue + 1;
    int max_cpus_runq = x->np / min_rqs;
    struct c2_rqd *valid = NULL;
    for (int i = 0; i < x->nrqd; i++) {
        struct c2_rqd *r = &x->rqds[i];
        int peer = r->pick_bias;
        bool match = g->credit2.runqueue == SCN_C2_RQ_ALL || g->credit2.runqueue == SCN_C2_RQ_NODE
                     || (g->credit2.runqueue == SCN_C2_RQ_CORE && topo_same_core(t, peer, cpu))
                     || (g->credit2.runqueue == SCN_C2_RQ_SOCKET
                         && topo_same_socket(t, peer, cpu));
        if (!match)
            continue;
        bool sibling_in = false;
        for (int p = 0; p < x->np; p++)
            sibling_in = sibling_in || (r->active[p] && topo_same_core(t, p, cpu));
        if (sibling_in) {
            valid = r;
            break;
        }
        /* cpu_runqueue_siblings_match: every core with a pCPU here counts
         * its threads whole, as do cpu's. */
        int tot = 0;
        for (int p = 0; p < x->np; p++) {
            bool first_of_core = r->active[p];
            for (int q = 0; q < p && first_of_core; q++)
                first_of_core = !(r->active[q] && topo_same_core(t, p, q));
            tot += first_of_core ? t->threads : 0;
        }
        bool fits = tot + t->threads <= max_cpus_runq;
        if (r->refcnt < max_cpus_runq && (fits || g->credit2.runqueue == SCN_C2_RQ_ALL)
            && (!valid || r->refcnt < valid->refcnt))
            valid = r;
    }
    if (!valid) {
        valid = &x->rqds[x->nrqd];
        valid->id = x->nrqd++;
        valid->pick_bias = cpu;
    }
    valid->refcnt++;
    /* init_cpu_runqueue */
    struct c2_pcpu *pc = &x->pcpus[cpu];
    pc->rqd = valid;
    if (!valid->nr_cpus) {
        valid->max_weight = 1;
        l_init(&valid->svc);
        l_init(&valid->runq);
    }
    pc->sibling[cpu] = true;
    for (int p = 0; p < x->np; p++)
        if (valid->active[p] && topo_same_core(t, p, cpu)) {
            x->pcpus[p].sibling[cpu] = true;
            pc->sibling[p] = true;
        }
    valid->idle[cpu] = valid->active[cpu] = valid->smt_idle[cpu] = true;
    if (++valid->nr_cpus == 1)
        valid->pick_bias = cpu;
    return 0;
}

static int c2_init(struct sched_core *core, const struct scn *sc, void **priv)
{
    struct c2 *x = calloc(1, sizeof *x);
    if (!x)
        return -SIM_ENOMEM;
    const struct scn_sched_global *g = &sc->sched;
    x->core = core;
    x->np = sched_npcpus(core);
    x->pcpus = calloc((size_t)x->np, sizeof *x->pcpus);
    x->rqds = calloc((size_t)x->np, sizeof *x->rqds);
    x->mask = calloc((size_t)x->np, sizeof *x->mask);
    x->scratch = calloc((size_t)x->np, sizeof *x->scratch);
    bool ok = x->pcpus && x->rqds && x->mask && x->scratch;
    for (int i = 0; ok && i < x->np; i++) {
        struct c2_rqd *r = &x->rqds[i];
        r->active = calloc((size_t)x->np, sizeof *r->active);
        r->idle = calloc((size_t)x->np, sizeof *r->idle);
        r->tickled = calloc((size_t)x->np, sizeof *r->tickled);
        r->smt_idle = calloc((size_t)x->np, sizeof *r->smt_idle);
        x->pcpus[i].sibling = calloc((size_t)x->np, sizeof *x->pcpus[i].sibling);
        ok = r->active && r->idle && r->tickled && r->smt_idle && x->pcpus[i].sibling;
    }
    if (!ok || g->credit2.max_cpus_runqueue < 1 || g->credit2.load_precision_shift < 4
        || g->credit2.load_window_shift <= C2_LOADAVG_GRANULARITY_SHIFT) {
        c2_deinit(x);
        return ok ? -SIM_EINVAL : -SIM_ENOMEM;
    }
    x->ratelimit = g->credit2.ratelimit;
    x->migrate_resist = g->credit2.migrate_resist;
    x->cap_period = g->credit2.cap_period;
    x->balance_under = g->credit2.balance_under;
    x->balance_over = g->credit2.balance_over;
    x->load_precision_shift = (unsigned)g->credit2.load_precision_shift;
    x->load_window_shift = (unsigned)(g->credit2.load_window_shift - C2_LOADAVG_GRANULARITY_SHIFT);
    x->balance_last_rq_quirk = g->credit2.balance_last_rq_quirk;
    x->pick_next_quirk = g->credit2.pick_next_quirk;
    x->soft_pick_bias_quirk = g->credit2.soft_pick_bias_quirk;
    for (int p = 0; p < x->np; p++)
        add_to_runqueue(x, g, p);
    *priv = x;
    return 0;
}

static void c2_deinit(void *priv)
{
    struct c2 *x = priv;
    if (!x)
        return;
    for (int d = 0; d < x->ndoms; d++) {
        if (x->doms[d] && x->doms[d]->timer_inited)
            sched_timer_cancel(&x->doms[d]->repl_timer);
        free(x->doms[d]);
    }
    free(x->doms);
    for (int i = 0; x->rqds && i < x->np; i++) {
        free(x->rqds[i].active);
        free(x->rqds[i].idle);
        free(x->rqds[i].tickled);
        free(x->rqds[i].smt_idle);
    }
    for (int i = 0; x->pcpus && i < x->np; i++)
        free(x->pcpus[i].sibling);
    free(x->rqds);
    free(x->pcpus);
    free(x->mask);
    free(x->scratch);
    free(x);
}

/* csched2_alloc_domdata and, as the toolstack then sets them, the weight
 * and cap (csched2_dom_cntl): a cap gives the pool tot_budget =
 * cap_period x cap / 100, each vCPU a quota of max(tot_budget / vCPUs,
 * MIN_TIMER) and no budget yet, and starts the refill timer. */
static struct c2_dom *dom_get(struct c2 *x, const struct sched_vcpu *v)
{
    if (v->domain >= x->ndoms) {
        struct c2_dom **a = realloc(x->doms, (size_t)(v->domain + 1) * sizeof *a);
        if (!a)
            return NULL;
        for (int d = x->ndoms; d <= v->domain; d++)
            a[d] = NULL;
        x->doms = a;
        x->ndoms = v->domain + 1;
    }
    if (x->doms[v->domain])
        return x->doms[v->domain];
    struct c2_dom *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    const struct scn_credit2_dom *p = &v->dom->credit2;
    d->x = x;
    d->index = v->domain;
    d->weight = (unsigned)p->weight;
    d->cap = (unsigned)p->cap;
    l_init(&d->parked);
    if (d->cap) {
        sim_time_t now = sched_now(x->core, 0);
        d->tot_budget = x->cap_period * (sim_time_t)d->cap / 100;
        d->budget = d->tot_budget;
        d->next_repl = (now > 0 ? now : 0) + x->cap_period;
        sched_timer_init(x->core, &d->repl_timer, 0, repl_fn, d);
        d->timer_inited = true;
        sched_timer_set(&d->repl_timer, d->next_repl);
    }
    x->doms[v->domain] = d;
    return d;
}

/* csched2_alloc_udata: credit CREDIT_INIT, a starting load of 50%. The
 * weight and cap were checked by the loader as libxl does; refused here
 * too, should a scenario bypass it. */
static int c2_alloc_vdata(void *priv, struct sched_vcpu *v)
{
    struct c2 *x = priv;
    struct c2_unit *s = calloc(1, sizeof *s);
    if (!s)
        return -SIM_ENOMEM;
    l_init(&s->runq_elem);
    l_init(&s->rqd_elem);
    l_init(&s->parked_elem);
    s->v = v;
    s->cpu = v->processor;
    s->tickled_cpu = -1;
    s->budget = SIM_TIME_MAX;
    v->priv = s;
    if (v->is_idle) {
        s->credit = (int)C2_IDLE_CREDIT;
        x->pcpus[v->processor].curr = s;
        return 0;
    }
    const struct scn_credit2_dom *p = &v->dom->credit2;
    if (v->domain < 0 || p->weight < 1 || p->weight > 65535 || p->cap < 0
        || p->cap > 100 * v->dom->vcpus)
        return -SIM_EINVAL;
    s->d = dom_get(x, v);
    if (!s->d)
        return -SIM_ENOMEM;
    s->credit = (int)C2_CREDIT_INIT;
    s->weight = s->d->weight;
    s->avgload = (int64_t)1 << (x->load_precision_shift - 1);
    s->load_last_update = sched_now(x->core, v->processor) >> C2_LOADAVG_GRANULARITY_SHIFT;
    if (s->d->cap) {
        sim_time_t q = s->d->tot_budget / v->dom->vcpus;
        s->budget_quota = q > C2_MIN_TIMER ? q : C2_MIN_TIMER;
        s->budget = 0;
    }
    if (v->dom->ncpus == 1)
        s->flags |= C2_PINNED;
    s->has_soft = sched_soft_matters(x->core, v);
    return 0;
}

/* csched2_unit_insert: where res_pick says, then assigned to that run
 * queue. */
static void c2_insert(void *priv, struct sched_vcpu *v)
{
    struct c2 *x = priv;
    if (v->is_idle)
        return;
    struct c2_unit *s = cu(v);
    int p = res_pick(x, s);
    if (p != v->processor) {
        int rc = sched_place(x->core, v, p);
        assert(rc == 0);
        (void)rc;
    }
    s->cpu = p;
    rq_assign(x, s, x->pcpus[p].rqd);
    s->d->nr_units++;
}

static void c2_remove(void *priv, struct sched_vcpu *v)
{
    struct c2 *x = priv;
    struct c2_unit *s = cu(v);
    if (!s || v->is_idle)
        return;
    if (on_runq(s))
        runq_remove(s);
    if (!l_empty(&s->parked_elem))
        l_del_init(&s->parked_elem);
    if (s->rqd)
        rq_deassign(x, s);
    if (s->d)
        s->d->nr_units--;
    (void)x;
}

/* sched_unit_migrate_finish, for a vCPU the balancer asked to move once
 * off its pCPU: res_pick (the balancer's run queue), then
 * csched2_unit_migrate, which, for another run queue, moves it to the
 * pCPU after that run queue's pick_bias, the one res_pick just set
 * (pick_next_quirk). Returns that pCPU, which the caller moves it to. */
static int finish_migrate(struct c2 *x, struct c2_unit *s)
{
    struct sched_vcpu *v = s->v;
    int cpu = res_pick(x, s);
    struct c2_rqd *t = x->pcpus[cpu].rqd;
    if (t == s->rqd)
        return cpu;
    if (x->pick_next_quirk) {
        for (int p = 0; p < x->np; p++)
            x->mask[p] = t->active[p] && sched_may_run(x->core, v, p);
        cpu = cycle(x, t->pick_bias, x->mask);
        t->pick_bias = cpu;
    }
    trc(x, s->cpu, C2_TRC_MIGRATE, 2, (const uint32_t[]){
            sched_trace_unit(v), (uint32_t)s->rqd->id | (uint32_t)t->id << 16
    });
    rq_deassign(x, s);
    rq_assign(x, s, t);
    return cpu;
}

/* csched2_unit_sleep. */
static void c2_sleep(void *priv, struct sched_vcpu *v)
{
    struct c2 *x = priv;
    struct c2_unit *s = cu(v);
    if (x->parking || v->is_idle)
        return;
    if (x->pcpus[s->cpu].curr == s) {
        tickle_cpu(x, s->cpu, s->rqd);
    } else if (on_runq(s)) {
        update_load(x, s->cpu, s->rqd, s, -1, sched_now(x->core, s->cpu));
        runq_remove(s);
    } else {
        s->flags &= ~C2_DELAYED_ADD;
    }
}

/* csched2_unit_wake: onto its run queue, then runq_tickle. */
static void c2_wake(void *priv, struct sched_vcpu *v)
{
    struct c2 *x = priv;
    struct c2_unit *s = cu(v);
    if (v->is_idle)
        return;
    assert(v->processor == s->cpu);
    if (x->pcpus[s->cpu].curr == s || on_runq(s))
        return;
    if (s->flags & C2_SCHEDULED) {
        s->flags |= C2_DELAYED_ADD;
        return;
    }
    if (!s->rqd)
        rq_assign(x, s, x->pcpus[s->cpu].rqd);
    sim_time_t now = sched_now(x->core, s->cpu);
    update_load(x, s->cpu, s->rqd, s, 1, now);
    runq_insert(x, s);
    runq_tickle(x, s, now);
}

static void c2_yield(void *priv, struct sched_vcpu *v)
{
    (void)priv;
    cu(v)->flags |= C2_YIELD;
}

/* csched2_context_saved, run as soon as do_schedule has chosen: prev's
 * unused budget goes back to its pool; prev, if it stays runnable, is
 * queued and tickled. */
static void context_saved(struct c2 *x, struct c2_unit *prev, sim_time_t now)
{
    prev->flags &= ~C2_SCHEDULED;
    if (prev->v->is_idle)
        return;
    bool unpark = has_cap(prev) && prev->budget > 0 && return_budget(prev);
    bool add = prev->flags & C2_DELAYED_ADD;
    prev->flags &= ~C2_DELAYED_ADD;
    if (add && prev->v->runnable) {
        runq_insert(x, prev);
        runq_tickle(x, prev, now);
    } else {
        update_load(x, prev->cpu, prev->rqd, prev, -1, now);
    }
    if (unpark)
        unpark_all(x, prev->d);
}

/* csched2_schedule. */
static struct sched_slice c2_do_schedule(void *priv, int cpu, sim_time_t now)
{
    struct c2 *x = priv;
    struct c2_pcpu *pc = &x->pcpus[cpu];
    struct c2_rqd *r = pc->rqd;
    struct c2_unit *scurr = pc->curr, *snext;
    assert(scurr->v == sched_curr(x->core, cpu));
    bool tickled = r->tickled[cpu];
    if (tickled) {
        r->tickled[cpu] = false;
        smt_idle_set(x, cpu, idle_untickled(x, r), r->smt_idle);
    }
    trc(x, cpu, C2_TRC_SCHEDULE, 2, (const uint32_t[]){
            (uint32_t)cpu | (uint32_t)r->id << 16,
            (uint32_t)scurr->v->is_idle << 8 | (uint32_t)r->smt_idle[cpu] << 16 |
                (uint32_t)tickled << 24
    });
    burn_credits(x, r, scurr, now);
    if (!scurr->v->is_idle && scurr->budget <= 0)
        grab_budget(x, cpu, scurr, now);
    snext = runq_candidate(x, r, scurr, cpu, now);
    if (snext != scurr && !scurr->v->is_idle && runnable(scurr))
        scurr->flags |= C2_DELAYED_ADD;
    if (!snext->v->is_idle) {
        if (snext != scurr) {
            runq_remove(snext);
            snext->flags |= C2_SCHEDULED;
        } else {
            update_load(x, cpu, r, snext, 0, now);
        }
        if (r->idle[cpu]) {
            r->idle[cpu] = false;
            smt_idle_clear(x, cpu, r->smt_idle);
        }
        int top = snext->credit;
        if (!l_empty(&r->runq)) {
            int head = C2_OF(r->runq.next, struct c2_unit, runq_elem)->credit;
            top = head > top ? head : top;
        }
        if (top <= C2_CREDIT_RESET) {
            reset_credit(x, cpu, now, snext);
            balance_load(x, cpu, now);
        }
        snext->start_time = now;
        snext->tickled_cpu = -1;
        if (snext->cpu != cpu) {
            snext->credit += (int)C2_MIGRATE_COMPENSATION;
            int rc = sched_move(x->core, snext->v, cpu);
            assert(rc == 0);
            (void)rc;
            snext->cpu = cpu;
        }
    } else {
        if (!r->idle[cpu]) {
            r->idle[cpu] = true;
            smt_idle_set(x, cpu, idle_untickled(x, r), r->smt_idle);
        }
        update_load(x, cpu, r, NULL, 0, now);
    }
    sim_time_t slice = runtime(x, cpu, snext, snext == scurr, now);
    if (snext != scurr) {
        pc->curr = snext;
        snext->state_entry = now;
        context_saved(x, scurr, now);
    }
    return (struct sched_slice){ snext->v, slice };
}

/* The core asks where a vCPU it was told to migrate (sched_migrate) goes. */
static int c2_pick_cpu(void *priv, struct sched_vcpu *v)
{
    struct c2 *x = priv;
    struct c2_unit *s = cu(v);
    s->cpu = finish_migrate(x, s);
    return s->cpu;
}

static void c2_dump(void *priv, FILE *out)
{
    struct c2 *x = priv;
    for (int i = 0; i < x->nrqd; i++) {
        struct c2_rqd *r = &x->rqds[i];
        fprintf(out, "credit2: runq %d max_weight %u load %d avgload %lld b_avgload %lld:", r->id,
                r->max_weight, r->load, (long long)r->avgload, (long long)r->b_avgload);
        for (struct c2_link *e = r->runq.next; e != &r->runq; e = e->next) {
            const struct c2_unit *s = C2_OF(e, struct c2_unit, runq_elem);
            fprintf(out, " %d.%d(%d)", s->v->domain, s->v->vcpu, s->credit);
        }
        fprintf(out, "\n");
    }
}

const struct sched_ops sched_credit2_ops = {
    .name = "SMP Credit Scheduler rev2 (Xen 4.17.5)",
    .opt_name = "credit2",
    .init = c2_init,
    .deinit = c2_deinit,
    .alloc_vdata = c2_alloc_vdata,
    .insert = c2_insert,
    .remove = c2_remove,
    .sleep = c2_sleep,
    .wake = c2_wake,
    .yield = c2_yield,
    .do_schedule = c2_do_schedule,
    .pick_cpu = c2_pick_cpu,
    .dump = c2_dump,
};
