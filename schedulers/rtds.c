/*
 * schedulers/rtds.c: the RTDS scheduler (Real-Time Deferrable Server) as
 * Xen 4.17 runs it (scheduler.name: rtds).
 *
 * Source (facts only, no Xen code; docs/schedulers.md has the algorithm,
 * the parameters and the quirks in tables): xen/common/sched/rt.c of
 * RELEASE-4.17.5, the file Debian 12's xen 4.17.5+72-g01140da4e8 ships,
 * the parts of xen/common/sched/core.c it relies on (the s_timer armed at
 * now + next_time, context_saved after a switch), and the toolstack's
 * checks (tools/libs/light/libxl_sched.c sched_rtds_validate_params,
 * tools/xl/xl_sched.c main_sched_rtds).
 *
 * Model: global preemptive EDF over every pCPU. Each vCPU is a deferrable
 * server with a period, a budget and an extratime flag: its deadline is
 * the end of its current period, its budget is refilled (and the deadline
 * moved on) when a period ends, by the replenishment timer, or on a wake
 * after the deadline; it burns budget only while it runs. One run queue,
 * ordered by priority level, then deadline (FIFO among equals), holds the
 * runnable vCPUs with budget or extratime; a depleted queue (unordered,
 * newest first) holds those without; a replenishment queue, ordered by the
 * same comparison, holds every runnable vCPU's next replenishment and
 * drives one timer. A vCPU that exhausts its budget with extratime goes up
 * one priority level with a fresh budget (it then runs only in time no
 * level-0 vCPU wants); without, it is depleted until its next period.
 * do_schedule burns the running vCPU's budget, takes the first vCPU of the
 * run queue that may run here, keeps the running one if it has budget and
 * a strictly higher priority, and runs the winner for its remaining
 * budget; a wake or a replenishment tickles an idle pCPU (its own first)
 * or the pCPU running the lowest-priority vCPU, if the woken one beats it.
 *
 * Simplified: Xen's context_saved (the previous vCPU back on a queue, its
 * tickle) runs at the end of do_schedule, as if the context switch took no
 * time; xensim's core has no such hook. No cpupools (every pCPU is the
 * pool's), no core scheduling (a unit is a vCPU), no tasklets. Its trace
 * records are rt.c's (TICKLE, RUNQ_PICK, BUDGET_BURN, BUDGET_REPLENISH,
 * SCHEDULE), packed as its structs; no SCHED_TASKLET.
 */
#include "schedulers/policies.h"

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "sim/err.h"

#define RT_DEFAULT_PERIOD (10 * SIM_MSEC)   /* RTDS_DEFAULT_PERIOD */
#define RT_DEFAULT_BUDGET (4 * SIM_MSEC)    /* RTDS_DEFAULT_BUDGET */
#define RT_MIN (10 * SIM_USEC)              /* RTDS_MIN_PERIOD, RTDS_MIN_BUDGET */
#define RT_UPDATE_LIMIT_SHIFT 10            /* beyond 1024 periods: one division */

/* TRC_SCHED_CLASS_EVT(RTDS, n): class 0x00022000, RTDS's id 4 << 9. */
enum {
    RT_TRC_TICKLE = 1,              /* pCPU */
    RT_TRC_RUNQ_PICK = 2,           /* vcpu | dom << 16, deadline (u64), budget (u64) */
    RT_TRC_BUDGET_BURN = 3,         /* vcpu | dom << 16, budget (u64), delta, level,
                                       extratime (a byte) */
    RT_TRC_BUDGET_REPLENISH = 4,    /* vcpu | dom << 16, level, deadline (u64),
                                       budget (u64) */
    RT_TRC_SCHEDULE = 6,            /* pCPU | tasklet << 16 | tickled << 24 | idle << 28 */
};
#define RT_TRC(n) (0x00022800u + (uint32_t)(n))

/* A circular doubly linked list with Linux's list.h semantics, whose
 * insertion order Xen's queues follow. */
struct rt_link {
    struct rt_link *prev, *next;
};

static void rl_init(struct rt_link *l)
{
    l->prev = l->next = l;
}

static bool rl_empty(const struct rt_link *l)
{
    return l->next == l;
}

/* Put e just before b. */
static void rl_add_before(struct rt_link *e, struct rt_link *b)
{
    e->prev = b->prev;
    e->next = b;
    b->prev->next = e;
    b->prev = e;
}

static void rl_del(struct rt_link *e)
{
    e->prev->next = e->next;
    e->next->prev = e->prev;
    rl_init(e);
}

#define RT_OF(ptr, field) ((struct rt_vcpu *)((char *)(ptr) - offsetof(struct rt_vcpu, field)))

struct rt_vcpu {
    struct rt_link q_elem;          /* on the run queue or the depleted queue */
    struct rt_link replq_elem;      /* on the replenishment queue */
    struct sched_vcpu *v;
    sim_time_t period, budget;      /* ns: the parameters */
    sim_time_t cur_budget;          /* ns left in this period (at this level) */
    sim_time_t last_start;          /* ns NOW(): budget burnt up to here */
    sim_time_t cur_deadline;        /* ns NOW(): end of the current period */
    unsigned priority_level;        /* 0, +1 per budget exhausted with extratime */
    bool extratime;
    bool scheduled;                 /* RTDS_scheduled: chosen, not yet switched away */
    bool delayed_runq_add;          /* back on a queue once switched away */
    bool depleted;                  /* RTDS_depleted: ran out without extratime */
};

struct rt {
    struct sched_core *core;
    int np;
    struct rt_link runq, depletedq, replq;
    struct sched_timer repl_timer;  /* on pCPU 0, the first pCPU given to RTDS */
    bool *tickled;                  /* [np]: tickled, not yet scheduled */
    struct rt_vcpu **curr;          /* [np]: chosen by the last do_schedule there
                                       (Xen's curr_on_cpu) */
    bool *mask;                     /* [np]: scratch cpumask */
    bool stale_first_period;        /* quirks (struct scn_sched_global) */
    bool replq_priority;
};

static struct rt_vcpu *rv(const struct sched_vcpu *v)
{
    return v->priv;
}

static bool on_q(const struct rt_vcpu *s)
{
    return !rl_empty(&s->q_elem);
}

static bool on_replq(const struct rt_vcpu *s)
{
    return !rl_empty(&s->replq_elem);
}

/* compare_unit_priority: > 0 if a has the higher priority (a lower level,
 * or the same level and an earlier deadline), 0 if equal. The level
 * difference is taken as Xen's unsigned subtraction into an int. */
static sim_time_t prio_cmp(const struct rt_vcpu *a, const struct rt_vcpu *b)
{
    int lv = (int)(b->priority_level - a->priority_level);
    return lv ? lv : b->cur_deadline - a->cur_deadline;
}

/* The replenishment queue's order: Xen 4.17 sorts it with the same
 * comparison (replq_priority_quirk); by deadline alone without. */
static sim_time_t repl_cmp(const struct rt *x, const struct rt_vcpu *a, const struct rt_vcpu *b)
{
    return x->replq_priority ? prio_cmp(a, b) : b->cur_deadline - a->cur_deadline;
}

static void trc(struct rt *x, int cpu, int n, uint32_t d)
{
    sched_trace(x->core, cpu, RT_TRC(n), 1, &d);
}

/* The records about a vCPU, packed as rt.c's structs: the vCPU and domain
 * in one word, then the given words, 64-bit values low word first. */
static void trc_v(struct rt *x, int cpu, int n, const struct rt_vcpu *s, unsigned nw,
                  const uint32_t *w)
{
    uint32_t d[SCHED_TRACE_MAX] = { sched_trace_unit(s->v) };
    for (unsigned i = 0; i < nw && i + 1 < SCHED_TRACE_MAX; i++)
        d[i + 1] = w[i];
    sched_trace(x->core, cpu, RT_TRC(n), nw + 1, d);
}

/* rt_update_deadline: now is at or past the deadline; move it to the end
 * of the period holding now, with a full budget at level 0, burnt from
 * now. */
static void next_period(struct rt_vcpu *s, sim_time_t now)
{
    assert(now >= s->cur_deadline && s->period > 0);
    if (s->cur_deadline + (s->period << RT_UPDATE_LIMIT_SHIFT) > now) {
        do
            s->cur_deadline += s->period;
        while (s->cur_deadline <= now);
    } else {
        s->cur_deadline += ((now - s->cur_deadline) / s->period + 1) * s->period;
    }
    s->last_start = now;
    s->cur_budget = s->budget;
    s->priority_level = 0;
}

/* The same, with its trace record written on cpu, the pCPU running it. */
static void update_deadline(struct rt *x, int cpu, struct rt_vcpu *s, sim_time_t now)
{
    next_period(s, now);
    uint32_t w[5] = { s->priority_level,
                      sched_trace_lo(s->cur_deadline), sched_trace_hi(s->cur_deadline),
                      sched_trace_lo(s->cur_budget), sched_trace_hi(s->cur_budget) };
    trc_v(x, cpu, RT_TRC_BUDGET_REPLENISH, s, 5, w);
}

/* deadline_queue_insert: s goes before the first entry of the run queue
 * (or the replenishment queue) that it strictly beats. True if s went to
 * the front. */
static bool sorted_insert(struct rt *x, struct rt_vcpu *s, bool repl)
{
    struct rt_link *q = repl ? &x->replq : &x->runq, *it;
    bool first = true;
    for (it = q->next; it != q; it = it->next) {
        const struct rt_vcpu *o = repl ? RT_OF(it, replq_elem) : RT_OF(it, q_elem);
        if ((repl ? repl_cmp(x, s, o) : prio_cmp(s, o)) > 0)
            break;
        first = false;
    }
    rl_add_before(repl ? &s->replq_elem : &s->q_elem, it);
    return first;
}

static struct rt_vcpu *replq_head(struct rt *x)
{
    return RT_OF(x->replq.next, replq_elem);
}

/* runq_insert: with budget or extratime into the run queue, else at the
 * head of the depleted queue. */
static void runq_insert(struct rt *x, struct rt_vcpu *s)
{
    assert(!on_q(s) && on_replq(s));
    if (s->cur_budget > 0 || s->extratime)
        sorted_insert(x, s, false);
    else
        rl_add_before(&s->q_elem, x->depletedq.next);
}

static void replq_insert(struct rt *x, struct rt_vcpu *s)
{
    assert(!on_replq(s));
    if (sorted_insert(x, s, true))
        sched_timer_set(&x->repl_timer, s->cur_deadline);
}

/* replq_remove: the timer follows the new head if s was it. */
static void replq_remove(struct rt *x, struct rt_vcpu *s)
{
    assert(on_replq(s));
    bool was_first = x->replq.next == &s->replq_elem;
    rl_del(&s->replq_elem);
    if (!was_first)
        return;
    if (!rl_empty(&x->replq))
        sched_timer_set(&x->repl_timer, replq_head(x)->cur_deadline);
    else
        sched_timer_cancel(&x->repl_timer);
}

/* replq_reinsert: s's deadline moved; so may the timer. */
static void replq_reinsert(struct rt *x, struct rt_vcpu *s)
{
    assert(on_replq(s));
    bool was_first = x->replq.next == &s->replq_elem;
    rl_del(&s->replq_elem);
    bool now_first = sorted_insert(x, s, true);
    if (was_first)
        sched_timer_set(&x->repl_timer, replq_head(x)->cur_deadline);
    else if (now_first)
        sched_timer_set(&x->repl_timer, s->cur_deadline);
}

/* cpumask_cycle: the next pCPU after n in mask, wrapping; -1 if none. */
static int cycle(const struct rt *x, int n, const bool *mask)
{
    for (int i = 1; i <= x->np; i++) {
        int p = (n + i) % x->np;
        if (mask[p])
            return p;
    }
    return -1;
}

/* runq_tickle: among the pCPUs new may run on and not already tickled,
 * from its own pCPU on, the first idle one; else the one running the
 * lowest-priority vCPU, if new beats it strictly. No check of new's
 * budget: a depleted vCPU tickles too. */
static void tickle(struct rt *x, const struct rt_vcpu *nw)
{
    if (!nw || nw->v->is_idle)
        return;
    bool *mask = x->mask;
    for (int p = 0; p < x->np; p++)
        mask[p] = sched_may_run(x->core, nw->v, p) && !x->tickled[p];
    int cpu = mask[nw->v->processor] ? nw->v->processor : cycle(x, nw->v->processor, mask);
    const struct rt_vcpu *lowest = NULL;
    int target = -1;
    while (cpu >= 0) {
        const struct rt_vcpu *c = x->curr[cpu];
        if (c->v->is_idle) {
            target = cpu;
            break;
        }
        if (!lowest || prio_cmp(c, lowest) < 0)
            lowest = c;
        mask[cpu] = false;
        cpu = cycle(x, cpu, mask);
    }
    if (target < 0) {
        if (!lowest || prio_cmp(lowest, nw) >= 0)
            return;
        target = lowest->v->processor;
    }
    trc(x, target, RT_TRC_TICKLE, (uint32_t)target);
    x->tickled[target] = true;
    sched_tickle(x->core, target);
}

/* burn_budget: charge the time since last_start; at zero, a new level
 * with a fresh budget (extratime; an overrun is forgiven) or depleted. */
static void burn_budget(struct rt *x, int cpu, struct rt_vcpu *s, sim_time_t now)
{
    if (s->v->is_idle)
        return;
    sim_time_t delta = now - s->last_start;
    s->last_start = now;
    if (delta < 0)
        return;
    s->cur_budget -= delta;
    if (s->cur_budget <= 0) {
        if (s->extratime) {
            s->priority_level++;
            s->cur_budget = s->budget;
        } else {
            s->cur_budget = 0;
            s->depleted = true;
        }
    }
    uint32_t w[5] = { sched_trace_lo(s->cur_budget), sched_trace_hi(s->cur_budget),
                      (uint32_t)(int32_t)delta, s->priority_level, s->extratime };
    trc_v(x, cpu, RT_TRC_BUDGET_BURN, s, 5, w);
}

/* repl_timer_handler: every vCPU whose deadline has passed, in queue
 * order up to the first that has not, gets its next period; a running
 * one makes the run queue's head tickle if that now beats it, a depleted
 * one back on the run queue tickles itself; the timer goes to the new
 * head. */
static void repl_timer_fn(void *arg)
{
    struct rt *x = arg;
    sim_time_t now = sched_now(x->core, 0);
    struct rt_link done;
    rl_init(&done);
    while (!rl_empty(&x->replq)) {
        struct rt_vcpu *s = replq_head(x);
        if (now < s->cur_deadline)
            break;
        rl_del(&s->replq_elem);
        update_deadline(x, 0, s, now);
        rl_add_before(&s->replq_elem, done.next);      /* list_add: newest first */
        if (on_q(s)) {
            rl_del(&s->q_elem);
            runq_insert(x, s);
        }
    }
    while (!rl_empty(&done)) {
        struct rt_vcpu *s = RT_OF(done.next, replq_elem);
        if (x->curr[s->v->processor] == s && !rl_empty(&x->runq)) {
            struct rt_vcpu *head = RT_OF(x->runq.next, q_elem);
            if (prio_cmp(s, head) < 0)
                tickle(x, head);
        } else if (s->depleted && on_q(s)) {
            s->depleted = false;
            tickle(x, s);
        } else {
            s->depleted = false;                        /* __test_and_clear_bit */
        }
        rl_del(&s->replq_elem);
        sorted_insert(x, s, true);
    }
    if (!rl_empty(&x->replq))
        sched_timer_set(&x->repl_timer, replq_head(x)->cur_deadline);
}

static int rt_init(struct sched_core *core, const struct scn *s, void **priv)
{
    struct rt *x = calloc(1, sizeof *x);
    if (!x)
        return -SIM_ENOMEM;
    x->core = core;
    x->np = sched_npcpus(core);
    x->tickled = calloc((size_t)x->np, sizeof *x->tickled);
    x->curr = calloc((size_t)x->np, sizeof *x->curr);
    x->mask = calloc((size_t)x->np, sizeof *x->mask);
    if (!x->tickled || !x->curr || !x->mask) {
        free(x->tickled);
        free(x->curr);
        free(x->mask);
        free(x);
        return -SIM_ENOMEM;
    }
    rl_init(&x->runq);
    rl_init(&x->depletedq);
    rl_init(&x->replq);
    sched_timer_init(core, &x->repl_timer, 0, repl_timer_fn, x);
    x->stale_first_period = s->sched.rtds.stale_first_period_quirk;
    x->replq_priority = s->sched.rtds.replq_priority_quirk;
    *priv = x;
    return 0;
}

static void rt_deinit(void *priv)
{
    struct rt *x = priv;
    sched_timer_cancel(&x->repl_timer);
    free(x->tickled);
    free(x->curr);
    free(x->mask);
    free(x);
}

/* rt_alloc_udata with the domain's parameters (the scenario loader has
 * checked them as libxl and rt_dom_cntl do; refused here too). */
static int rt_alloc_vdata(void *priv, struct sched_vcpu *v)
{
    (void)priv;
    struct rt_vcpu *s = calloc(1, sizeof *s);
    if (!s)
        return -SIM_ENOMEM;
    rl_init(&s->q_elem);
    rl_init(&s->replq_elem);
    s->v = v;
    s->period = RT_DEFAULT_PERIOD;
    s->extratime = true;
    if (!v->is_idle) {
        const struct scn_rtds_dom *d = &v->dom->rtds;
        if (d->period < RT_MIN || d->budget < RT_MIN || d->budget > d->period) {
            free(s);
            return -SIM_EINVAL;
        }
        s->period = d->period;
        s->budget = d->budget;
        s->extratime = d->extratime;
    }
    v->priv = s;
    return 0;
}

/* rt_unit_insert: the vCPU stays where the core put it if it may run
 * there (rt_res_pick), and gets its first deadline and budget from NOW().
 * Xen inserts a vCPU when the domain is built, with the defaults, and the
 * toolstack sets its parameters afterwards without touching the current
 * period (stale_first_period_quirk). */
static void rt_insert(void *priv, struct sched_vcpu *v)
{
    struct rt *x = priv;
    struct rt_vcpu *s = rv(v);
    if (v->is_idle) {
        x->curr[v->processor] = s;
        return;
    }
    if (!sched_may_run(x->core, v, v->processor)) {
        for (int p = 0; p < x->np; p++)
            x->mask[p] = sched_may_run(x->core, v, p);
        int rc = sched_place(x->core, v, cycle(x, v->processor, x->mask));
        assert(rc == 0);
        (void)rc;
    }
    sim_time_t now = sched_now(x->core, v->processor);
    sim_time_t period = s->period, budget = s->budget;
    if (x->stale_first_period) {
        s->period = RT_DEFAULT_PERIOD;
        s->budget = RT_DEFAULT_BUDGET;
    }
    if (now >= s->cur_deadline)
        update_deadline(x, v->processor, s, now);
    s->period = period;
    s->budget = budget;
    if (!on_q(s) && v->runnable) {
        replq_insert(x, s);
        if (!sched_running(x->core, v))
            runq_insert(x, s);
    }
}

static void rt_remove(void *priv, struct sched_vcpu *v)
{
    struct rt *x = priv;
    struct rt_vcpu *s = rv(v);
    if (!s || v->is_idle)
        return;
    if (on_q(s))
        rl_del(&s->q_elem);
    if (on_replq(s))
        replq_remove(x, s);
}

/* rt_unit_sleep (a pause): the running vCPU's pCPU reschedules; a queued
 * one leaves both queues. */
static void rt_sleep(void *priv, struct sched_vcpu *v)
{
    struct rt *x = priv;
    struct rt_vcpu *s = rv(v);
    if (x->curr[v->processor] == s) {
        sched_tickle(x->core, v->processor);
    } else if (on_q(s)) {
        rl_del(&s->q_elem);
        replq_remove(x, s);
    } else {
        s->delayed_runq_add = false;
    }
}

/* rt_unit_wake: a new period if the deadline passed while asleep, back on
 * the replenishment queue and a queue, and a tickle. */
static void rt_wake(void *priv, struct sched_vcpu *v)
{
    struct rt *x = priv;
    struct rt_vcpu *s = rv(v);
    if (v->is_idle || x->curr[v->processor] == s || on_q(s))
        return;
    sim_time_t now = sched_now(x->core, v->processor);
    bool missed = now >= s->cur_deadline;
    if (missed)
        update_deadline(x, v->processor, s, now);
    if (s->scheduled) {
        s->delayed_runq_add = true;
        if (missed)
            replq_reinsert(x, s);
        return;
    }
    replq_insert(x, s);
    runq_insert(x, s);
    tickle(x, s);
}

/* rt_context_saved, for the vCPU switched away from: back on a queue with
 * a tickle if it is still runnable, else its replenishment is dropped. */
static void context_saved(struct rt *x, struct rt_vcpu *s)
{
    s->scheduled = false;
    if (s->v->is_idle)
        return;
    bool requeue = s->delayed_runq_add && s->v->runnable;
    s->delayed_runq_add = false;
    if (requeue) {
        runq_insert(x, s);
        tickle(x, s);
    } else {
        replq_remove(x, s);
    }
}

/* runq_pick: the first vCPU of the run queue that may run on cpu. */
static struct rt_vcpu *runq_pick(struct rt *x, int cpu)
{
    for (struct rt_link *it = x->runq.next; it != &x->runq; it = it->next) {
        struct rt_vcpu *s = RT_OF(it, q_elem);
        if (sched_may_run(x->core, s->v, cpu)) {
            assert(s->cur_budget > 0);
            uint32_t w[4] = { sched_trace_lo(s->cur_deadline), sched_trace_hi(s->cur_deadline),
                              sched_trace_lo(s->cur_budget), sched_trace_hi(s->cur_budget) };
            trc_v(x, cpu, RT_TRC_RUNQ_PICK, s, 4, w);
            return s;
        }
    }
    return NULL;
}

/* rt_schedule, then core.c's context_saved of the previous vCPU. The
 * slice is the winner's remaining budget (core.c arms s_timer at now +
 * next_time); the idle vCPU runs without one. */
static struct sched_slice rt_do_schedule(void *priv, int cpu, sim_time_t now)
{
    struct rt *x = priv;
    struct rt_vcpu *scurr = rv(sched_curr(x->core, cpu));
    struct rt_vcpu *idle = rv(sched_idle(x->core, cpu));
    trc(x, cpu, RT_TRC_SCHEDULE, (uint32_t)cpu | (uint32_t)x->tickled[cpu] << 24
                                      | (uint32_t)scurr->v->is_idle << 28);
    x->tickled[cpu] = false;
    burn_budget(x, cpu, scurr, now);

    struct rt_vcpu *snext = runq_pick(x, cpu);
    if (!snext) {
        snext = idle;
    } else if (!snext->v->runnable) {
        rl_del(&snext->q_elem);
        replq_remove(x, snext);
        snext = idle;
    }
    if (!scurr->v->is_idle && scurr->v->runnable && scurr->cur_budget > 0
        && (snext->v->is_idle || prio_cmp(scurr, snext) > 0))
        snext = scurr;
    if (snext != scurr && !scurr->v->is_idle && scurr->v->runnable)
        scurr->delayed_runq_add = true;

    snext->last_start = now;
    sim_time_t slice = SIM_TIME_MAX;
    if (!snext->v->is_idle) {
        if (snext != scurr) {
            rl_del(&snext->q_elem);
            snext->scheduled = true;
        }
        if (snext->v->processor != cpu) {
            int rc = sched_move(x->core, snext->v, cpu);
            assert(rc == 0);
            (void)rc;
        }
        slice = snext->cur_budget;
    }
    x->curr[cpu] = snext;
    if (snext != scurr)
        context_saved(x, scurr);
    return (struct sched_slice){ snext->v, slice };
}

static void dump_q(FILE *out, const char *name, const struct rt_link *q, bool repl)
{
    fprintf(out, "  %s:", name);
    for (const struct rt_link *it = q->next; it != q; it = it->next) {
        const struct rt_vcpu *s = repl ? RT_OF(it, replq_elem) : RT_OF(it, q_elem);
        fprintf(out, " %d.%d(l%u d%lld b%lld)", s->v->domain, s->v->vcpu, s->priority_level,
                (long long)s->cur_deadline, (long long)s->cur_budget);
    }
    fprintf(out, "\n");
}

static void rt_dump(void *priv, FILE *out)
{
    struct rt *x = priv;
    fprintf(out, "rtds:\n");
    for (int p = 0; p < x->np; p++)
        fprintf(out, "  pcpu %d runs %d.%d%s\n", p, x->curr[p]->v->domain, x->curr[p]->v->vcpu,
                x->tickled[p] ? " tickled" : "");
    dump_q(out, "runq", &x->runq, false);
    dump_q(out, "depletedq", &x->depletedq, false);
    dump_q(out, "replq", &x->replq, true);
}

const struct sched_ops sched_rtds_ops = {
    .name = "SMP RTDS Scheduler (Xen 4.17)",
    .opt_name = "rtds",
    .init = rt_init,
    .deinit = rt_deinit,
    .alloc_vdata = rt_alloc_vdata,
    .insert = rt_insert,
    .remove = rt_remove,
    .sleep = rt_sleep,
    .wake = rt_wake,
    .do_schedule = rt_do_schedule,
    .dump = rt_dump,
};
