/*
 * schedulers/sedf.c: the Simple EDF scheduler (SEDF), as Xen 4.5 ran it
 * (scheduler.name: sedf).
 *
 * Source (facts only, no Xen code; docs/schedulers.md has the algorithm,
 * the parameters and the quirks in tables): xen/common/sched_sedf.c of
 * RELEASE-4.5.0, the last release with SEDF (Stephan Diestelhorst, 2004),
 * with the parts of 4.5's xen/common/schedule.c it relies on, and
 * tools/libxl/libxl.c and libxl_create.c of 4.5 for the parameters the
 * toolstack passes (sched_params_valid, sched_sedf_domain_set).
 *
 * Model, per pCPU (no migration: each vCPU stays on the pCPU it was
 * created on, as in 4.5, where only an affinity change asks pick_cpu): a
 * run queue of vCPUs whose period has begun, ordered by absolute
 * deadline; a wait queue ordered by the start of the next period; two
 * extra-time queues ordered by score, L0 (the penalty queue, for vCPUs
 * that lost part of a slice by blocking) and L1 (utilisation, every
 * extratime-aware vCPU). do_schedule charges the previous vCPU (an EDF run
 * to its slice, which when used up moves its deadline one period on; an
 * extra-time run re-scores it), moves the vCPUs whose period has begun to
 * the run queue, and runs the earliest deadline until its slice is used
 * or the next period begins; with no deadline runnable, the head of L0,
 * else of L1, for EXTRA_QUANTUM (500 us), or idle until the next period.
 * A wake in the vCPU's current period (a short block) gives up the rest
 * of it and queues the lost slice on L0; a wake after the deadline (a
 * long block) starts a new period at the wake. Weights (weight-driven
 * domains) are turned into slices of WEIGHT_PERIOD (100 ms) shared out of
 * what the time-driven domains of the pCPU leave, less WEIGHT_SAFETY.
 *
 * Simplified: no tasklets and no cpupools (4.5's do_schedule runs idle
 * for them); parameters are set once, when a vCPU is inserted (the
 * toolstack's call at domain creation), not changed at run time; a
 * do_schedule whose slice would be 0 (unreachable as far as the code
 * shows) gets EXTRA_QUANTUM as a negative one does in Xen. No trace
 * records: 4.5's sched_sedf.c wrote none.
 */
#include "schedulers/policies.h"

#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include "sim/err.h"

/* Status bits, with 4.5's values (the L0/L1 run bits are read as a
 * 2-bit field to find the queue an extra run came from). */
enum {
    SEDF_EXTRA_AWARE = 1,           /* may run in extra time (the extratime flag) */
    SEDF_EXTRA_RUN_PEN = 2,         /* running from L0 */
    SEDF_EXTRA_RUN_UTIL = 4,        /* running from L1 */
    SEDF_EXTRA_WANT_PEN_Q = 8,      /* owed a lost slice: belongs on L0 */
    SEDF_ASLEEP = 16,               /* blocked or paused, as the policy last saw it */
};
enum { SEDF_PEN_Q = 0, SEDF_UTIL_Q = 1 };

#define SEDF_EXTRA_QUANTUM (500 * SIM_USEC)
#define SEDF_WEIGHT_PERIOD (100 * SIM_MSEC)
#define SEDF_WEIGHT_SAFETY (5 * SIM_MSEC)
#define SEDF_PERIOD_MAX (10 * SIM_SEC)
#define SEDF_PERIOD_MIN (10 * SIM_USEC)
#define SEDF_SLICE_MIN (5 * SIM_USEC)
#define SEDF_IDLE_SLICE SIM_SEC    /* nothing queued at all */

/* Intrusive doubly linked list; a node's next == NULL: not on a queue. */
struct sedf_link {
    struct sedf_link *prev, *next;
};

struct sedf_vcpu {
    struct sched_vcpu *v;
    struct sedf_link list;          /* run or wait queue of its pCPU */
    struct sedf_link extra[2];      /* L0, L1 */
    struct sedf_link all;           /* every domain vCPU, for the weight sums */
    sim_time_t period;              /* ns, the relative deadline */
    sim_time_t slice;               /* ns guaranteed per period */
    sim_time_t period_orig;         /* ns, what latency scaling restores */
    sim_time_t slice_orig;          /* ns */
    sim_time_t latency;             /* ns, stored only (no 4.5 code reads it) */
    int status;                     /* SEDF_* bits */
    int16_t weight;                 /* weight-driven real-time share (Xen: short) */
    int16_t extraweight;            /* L1 share of a best-effort vCPU (Xen: short) */
    sim_time_t deadl_abs;           /* ns NOW(), absolute deadline; 0 = never woken */
    sim_time_t sched_start_abs;     /* ns NOW() of its last dispatch */
    sim_time_t cputime;             /* ns used of this period's slice */
    sim_time_t block_abs;           /* ns NOW() it last blocked, 0 = never */
    int score[2];                   /* L0, L1 scores: lower runs first */
    sim_time_t short_block_lost_tot; /* ns of slice lost to the last short block */
    sim_time_t extra_time_tot;      /* ns run in extra time (statistics) */
};

struct sedf_cpu {
    struct sedf_link runq;          /* by deadl_abs */
    struct sedf_link waitq;         /* by period start (deadl_abs - period) */
    struct sedf_link extraq[2];     /* by score */
    sim_time_t current_slice_expires; /* ns NOW(), end of the slice do_schedule gave */
};

struct sedf {
    struct sched_core *core;
    int npcpus;
    struct sedf_cpu *cpus;          /* [npcpus] */
    struct sedf_link all;           /* every domain vCPU inserted */
    bool pen_once_quirk;
    bool first_deadline_quirk;
};

#define SEDF_OF(l, member) \
    ((struct sedf_vcpu *)((char *)(l) - offsetof(struct sedf_vcpu, member)))

static void link_init(struct sedf_link *q)
{
    q->prev = q->next = q;
}

static bool link_empty(const struct sedf_link *q)
{
    return q->next == q;
}

static bool linked(const struct sedf_link *l)
{
    return l->next != NULL;
}

/* Put l after pos. */
static void link_after(struct sedf_link *pos, struct sedf_link *l)
{
    assert(!linked(l));
    l->prev = pos;
    l->next = pos->next;
    pos->next->prev = l;
    pos->next = l;
}

static void link_del(struct sedf_link *l)
{
    assert(linked(l));
    l->prev->next = l->next;
    l->next->prev = l->prev;
    l->prev = l->next = NULL;
}

static sim_time_t period_begin(const struct sedf_vcpu *sv)
{
    return sv->deadl_abs - sv->period;
}

static bool extra_runs(const struct sedf_vcpu *sv)
{
    return sv->status & (SEDF_EXTRA_RUN_PEN | SEDF_EXTRA_RUN_UTIL);
}

static bool sedf_asleep(const struct sedf_vcpu *sv)
{
    return sv->status & SEDF_ASLEEP;
}

static struct sedf_cpu *cpu_of(struct sedf *s, const struct sedf_vcpu *sv)
{
    return &s->cpus[sv->v->processor];
}

/* Sorted insert after every element that is not later (FIFO among equal
 * keys), as 4.5's list_insert_sort. */
static void queue_sorted(struct sedf_link *q, struct sedf_vcpu *sv, bool by_deadline)
{
    sim_time_t key = by_deadline ? sv->deadl_abs : period_begin(sv);
    struct sedf_link *cur;
    for (cur = q->next; cur != q; cur = cur->next) {
        const struct sedf_vcpu *c = SEDF_OF(cur, list);
        if (key < (by_deadline ? c->deadl_abs : period_begin(c)))
            break;
    }
    link_after(cur->prev, &sv->list);
}

static void add_waitq(struct sedf *s, struct sedf_vcpu *sv)
{
    queue_sorted(&cpu_of(s, sv)->waitq, sv, false);
}

static void add_runq(struct sedf *s, struct sedf_vcpu *sv)
{
    queue_sorted(&cpu_of(s, sv)->runq, sv, true);
}

/* a - b as Xen's int arithmetic gives it on gcc (wrapping), without C's
 * undefined overflow. */
static int score_sub(int a, int b)
{
    return (int)((unsigned)a - (unsigned)b);
}

/* Queue sv on extra queue i by score, subtracting `sub` from the score of
 * every vCPU already there (4.5's extraq_add_sort_update: the scores are
 * kept small by charging the others the runner's old score). */
static void extraq_add(struct sedf *s, struct sedf_vcpu *sv, int i, int sub)
{
    struct sedf_link *q = &cpu_of(s, sv)->extraq[i];
    struct sedf_link *cur;
    for (cur = q->next; cur != q; cur = cur->next) {
        struct sedf_vcpu *c = SEDF_OF(cur, extra[i]);
        c->score[i] = score_sub(c->score[i], sub);
        if (sv->score[i] < c->score[i])
            break;
    }
    link_after(cur->prev, &sv->extra[i]);
    if (cur != q && sub)
        for (cur = cur->next; cur != q; cur = cur->next)
            SEDF_OF(cur, extra[i])->score[i] = score_sub(SEDF_OF(cur, extra[i])->score[i], sub);
}

static void extraq_del_if(struct sedf_vcpu *sv, int i)
{
    if (linked(&sv->extra[i]))
        link_del(&sv->extra[i]);
}

/* 4.5's extraq_check: L1 membership follows the extratime flag. */
static void extraq_check(struct sedf *s, struct sedf_vcpu *sv)
{
    if (linked(&sv->extra[SEDF_UTIL_Q])) {
        if (!(sv->status & SEDF_EXTRA_AWARE) && !extra_runs(sv))
            link_del(&sv->extra[SEDF_UTIL_Q]);
    } else if ((sv->status & SEDF_EXTRA_AWARE) && !sedf_asleep(sv)) {
        extraq_add(s, sv, SEDF_UTIL_Q, 0);
    }
}

/* ------------------------------------------------------------------------
 * Parameters: what the toolstack of 4.5 passes and sedf_adjust keeps.
 */

/* What a domain's vCPUs end up with after xl's create (libxl's
 * sched_params_valid and sched_sedf_domain_set on a new domain, then
 * sedf_adjust's putinfo), before the weight sums. */
struct sedf_req {
    enum { SEDF_TIME, SEDF_WEIGHT_RT, SEDF_WEIGHT_EXTRA } mode;
    sim_time_t period, slice, latency;
    int extratime;                  /* the EXTRA_AWARE bit */
    int weight;
};

static int sedf_request(const struct scn_sedf_dom *p, struct sedf_req *r)
{
    bool has_w = p->weight != SCN_SEDF_UNSET, has_p = p->period != SCN_SEDF_UNSET;
    bool has_s = p->slice != SCN_SEDF_UNSET, has_x = p->extratime != SCN_SEDF_UNSET;
    /* sched_params_valid: refuse weight with period/slice, and period
     * without slice; then mangle. */
    if ((has_w && (has_p || has_s)) || has_p != has_s)
        return -SIM_EINVAL;
    sim_time_t period = has_p ? p->period : 0;
    sim_time_t slice = has_s ? p->slice : 0;   /* a new vCPU's slice is 0 */
    int weight = has_w ? p->weight : has_p ? 0 : has_x ? p->extratime : 1;
    /* sched_sedf_domain_set: unset fields keep the vCPU's values, a new
     * vCPU's: latency 0, extratime on. */
    r->latency = p->latency != SCN_SEDF_UNSET ? p->latency : 0;
    r->extratime = (has_x ? p->extratime : 1) & SEDF_EXTRA_AWARE;
    r->weight = weight;
    r->period = period;
    r->slice = slice;
    /* sedf_adjust */
    if (!period && !weight)
        return -SIM_EINVAL;
    if (weight) {
        r->mode = r->extratime && !period ? SEDF_WEIGHT_EXTRA : SEDF_WEIGHT_RT;
        return weight > INT16_MAX ? -SIM_EINVAL : 0;
    }
    if (period > SEDF_PERIOD_MAX || period < SEDF_PERIOD_MIN || slice > period
        || slice < SEDF_SLICE_MIN)
        return -SIM_EINVAL;
    r->mode = SEDF_TIME;
    return 0;
}

/* 4.5's sedf_adjust_weights: per pCPU, a weight-driven real-time vCPU
 * gets weight / (sum of weights) of the WEIGHT_PERIOD that time-driven
 * vCPUs leave, less WEIGHT_SAFETY. */
static void adjust_weights(struct sedf *s)
{
    int n = s->npcpus;
    int sumw[n];
    sim_time_t sumt[n];
    for (int i = 0; i < n; i++) {
        sumw[i] = 0;
        sumt[i] = 0;
    }
    for (struct sedf_link *l = s->all.next; l != &s->all; l = l->next) {
        struct sedf_vcpu *sv = SEDF_OF(l, all);
        int cpu = sv->v->processor;
        if (sv->weight)
            sumw[cpu] += sv->weight;
        else
            sumt[cpu] += SEDF_WEIGHT_PERIOD * sv->slice_orig / sv->period_orig;
    }
    for (struct sedf_link *l = s->all.next; l != &s->all; l = l->next) {
        struct sedf_vcpu *sv = SEDF_OF(l, all);
        int cpu = sv->v->processor;
        if (!sv->weight)
            continue;
        sv->period_orig = sv->period = SEDF_WEIGHT_PERIOD;
        sv->slice_orig = sv->slice =
            sv->weight * (SEDF_WEIGHT_PERIOD - SEDF_WEIGHT_SAFETY - sumt[cpu]) / sumw[cpu];
    }
}

static void apply_request(struct sedf *s, struct sedf_vcpu *sv, const struct sedf_req *r)
{
    switch (r->mode) {
    case SEDF_WEIGHT_EXTRA:
        sv->extraweight = (int16_t)r->weight;
        sv->weight = 0;
        sv->slice = 0;
        sv->period = SEDF_WEIGHT_PERIOD;
        break;
    case SEDF_WEIGHT_RT:
        sv->weight = (int16_t)r->weight;
        break;
    case SEDF_TIME:
        sv->weight = 0;
        sv->extraweight = 0;
        sv->period_orig = sv->period = r->period;
        sv->slice_orig = sv->slice = r->slice;
        break;
    }
    adjust_weights(s);
    sv->status = (sv->status & ~SEDF_EXTRA_AWARE) | r->extratime;
    sv->latency = r->latency;
    extraq_check(s, sv);
}

/* ------------------------------------------------------------------------
 * Hooks
 */

static int sedf_init(struct sched_core *core, const struct scn *sc, void **priv)
{
    *priv = NULL;
    struct sedf *s = calloc(1, sizeof *s);
    if (!s)
        return -SIM_ENOMEM;
    s->core = core;
    s->npcpus = sched_npcpus(core);
    s->pen_once_quirk = sc->sched.sedf.pen_once_quirk;
    s->first_deadline_quirk = sc->sched.sedf.first_deadline_quirk;
    s->cpus = calloc((size_t)s->npcpus, sizeof *s->cpus);
    if (!s->cpus) {
        free(s);
        return -SIM_ENOMEM;
    }
    for (int p = 0; p < s->npcpus; p++) {
        link_init(&s->cpus[p].runq);
        link_init(&s->cpus[p].waitq);
        link_init(&s->cpus[p].extraq[SEDF_PEN_Q]);
        link_init(&s->cpus[p].extraq[SEDF_UTIL_Q]);
    }
    link_init(&s->all);
    *priv = s;
    return 0;
}

static void sedf_deinit(void *priv)
{
    struct sedf *s = priv;
    if (!s)
        return;
    free(s->cpus);
    free(s);
}

static int sedf_alloc_vdata(void *priv, struct sched_vcpu *v)
{
    (void)priv;
    struct sedf_req r;
    if (!v->is_idle && v->dom->sedf.set && sedf_request(&v->dom->sedf, &r) < 0)
        return -SIM_EINVAL;
    struct sedf_vcpu *sv = calloc(1, sizeof *sv);
    if (!sv)
        return -SIM_ENOMEM;
    sv->v = v;
    /* 4.5's defaults: every vCPU, dom0's included, is best-effort with an
     * equal share of extra time. */
    sv->status = SEDF_EXTRA_AWARE | SEDF_ASLEEP;
    sv->extraweight = 1;
    sv->period = sv->period_orig = SEDF_WEIGHT_PERIOD;
    v->priv = sv;
    return 0;
}

/* A new vCPU is asleep (paused) and joins the queues at its first wake;
 * the toolstack's parameters are applied now, as xl create does before
 * unpausing the domain. */
static void sedf_insert(void *priv, struct sched_vcpu *v)
{
    struct sedf *s = priv;
    struct sedf_vcpu *sv = v->priv;
    if (v->is_idle) {
        sv->status &= ~SEDF_ASLEEP;
        return;
    }
    link_after(s->all.prev, &sv->all);
    extraq_check(s, sv);
    struct sedf_req r;
    if (v->dom->sedf.set && sedf_request(&v->dom->sedf, &r) == 0)
        apply_request(s, sv, &r);
}

static void sedf_remove(void *priv, struct sched_vcpu *v)
{
    (void)priv;
    struct sedf_vcpu *sv = v->priv;
    if (!sv || v->is_idle)
        return;
    if (linked(&sv->list))
        link_del(&sv->list);
    extraq_del_if(sv, SEDF_PEN_Q);
    extraq_del_if(sv, SEDF_UTIL_Q);
    if (linked(&sv->all))
        link_del(&sv->all);
}

/* An EDF run ends: charge it; a used-up slice moves the deadline a
 * period on (restoring a latency-scaled period and slice by doubling). */
static void desched_edf(struct sedf *s, sim_time_t now, struct sedf_vcpu *sv)
{
    assert(linked(&sv->list));
    sv->cputime += now - sv->sched_start_abs;
    if (sv->cputime < sv->slice && !sedf_asleep(sv))
        return;
    link_del(&sv->list);
    if (sv->cputime >= sv->slice) {
        sv->cputime -= sv->slice;
        if (sv->period < sv->period_orig) {
            sv->period *= 2;
            sv->slice *= 2;
            if (sv->period > sv->period_orig || sv->slice > sv->slice_orig) {
                sv->period = sv->period_orig;
                sv->slice = sv->slice_orig;
            }
        }
        sv->deadl_abs += sv->period;
    }
    if (!sedf_asleep(sv)) {
        add_waitq(s, sv);
    } else {
        extraq_del_if(sv, SEDF_PEN_Q);
        extraq_del_if(sv, SEDF_UTIL_Q);
    }
}

/* An extra-time run ends: re-score the vCPU and requeue it at its score. */
static void desched_extra(struct sedf *s, sim_time_t now, struct sedf_vcpu *sv)
{
    int i = ((sv->status & (SEDF_EXTRA_RUN_PEN | SEDF_EXTRA_RUN_UTIL)) >> 1) - 1;
    assert(linked(&sv->extra[i]));
    sv->status &= ~(SEDF_EXTRA_RUN_PEN | SEDF_EXTRA_RUN_UTIL);
    sv->cputime = 0;
    sv->extra_time_tot += now - sv->sched_start_abs;
    link_del(&sv->extra[i]);
    int oldscore = sv->score[i];
    if (i == SEDF_PEN_Q) {
        sv->short_block_lost_tot -= now - sv->sched_start_abs;
        /* Quirk (4.5, Keir Fraser's 2006 change): one L0 run clears the
         * debt whatever it repaid. */
        if (s->pen_once_quirk || sv->short_block_lost_tot <= 0) {
            sv->short_block_lost_tot = 0;
            sv->status &= ~SEDF_EXTRA_WANT_PEN_Q;   /* so not requeued on L0 */
        } else {
            sv->score[SEDF_PEN_Q] = (int)((sv->period << 10) / sv->short_block_lost_tot);
            oldscore = 0;
        }
    } else if (!sv->extraweight) {
        sv->score[SEDF_UTIL_Q] = (int)((sv->period << 10) / sv->slice);
    } else {
        /* Full utilisation is worth extraweight 128. */
        sv->score[SEDF_UTIL_Q] = (1 << 17) / sv->extraweight;
    }
    if (!sedf_asleep(sv)) {
        if (((sv->status & SEDF_EXTRA_AWARE) && i == SEDF_UTIL_Q)
            || ((sv->status & SEDF_EXTRA_WANT_PEN_Q) && i == SEDF_PEN_Q))
            extraq_add(s, sv, i, oldscore);
    } else {
        link_del(&sv->list);
        extraq_del_if(sv, i == SEDF_PEN_Q ? SEDF_UTIL_Q : SEDF_PEN_Q);
    }
}

/* Move the vCPUs whose period has begun to the run queue, then fix the
 * head of the run queue: an empty slice waits for its next period, a
 * missed deadline or overrun slice is moved on whole periods with a fresh
 * slice. Only the head is fixed: the walk stops at the first vCPU in
 * order. */
static void update_queues(struct sedf *s, struct sedf_cpu *c, sim_time_t now)
{
    struct sedf_link *cur, *tmp;
    for (cur = c->waitq.next; cur != &c->waitq; cur = tmp) {
        tmp = cur->next;
        struct sedf_vcpu *sv = SEDF_OF(cur, list);
        if (period_begin(sv) > now)
            break;
        link_del(&sv->list);
        add_runq(s, sv);
    }
    for (cur = c->runq.next; cur != &c->runq; cur = tmp) {
        tmp = cur->next;
        struct sedf_vcpu *sv = SEDF_OF(cur, list);
        if (sv->slice == 0) {
            link_del(&sv->list);
            sv->deadl_abs += sv->period;
            if (period_begin(sv) < now)
                sv->deadl_abs += (now - period_begin(sv) + sv->period - 1) / sv->period
                                 * sv->period;
            add_waitq(s, sv);
        } else if (sv->deadl_abs < now || sv->cputime > sv->slice) {
            link_del(&sv->list);
            sv->deadl_abs += sv->period;
            if (sv->deadl_abs < now)
                sv->deadl_abs += (now - sv->deadl_abs + sv->period - 1) / sv->period
                                 * sv->period;
            sv->cputime = 0;
            if (period_begin(sv) > now)
                add_waitq(s, sv);
            else
                add_runq(s, sv);
        } else {
            break;
        }
    }
}

static struct sched_slice extra_schedule(struct sedf *s, struct sedf_cpu *c, int pcpu,
                                         sim_time_t now, sim_time_t end_xt)
{
    struct sched_slice r = { sched_idle(s->core, pcpu), end_xt - now };
    if (end_xt - now < SEDF_EXTRA_QUANTUM)
        return r;
    struct sedf_vcpu *sv;
    if (!link_empty(&c->extraq[SEDF_PEN_Q])) {
        sv = SEDF_OF(c->extraq[SEDF_PEN_Q].next, extra[SEDF_PEN_Q]);
        sv->status |= SEDF_EXTRA_RUN_PEN;
    } else if (!link_empty(&c->extraq[SEDF_UTIL_Q])) {
        sv = SEDF_OF(c->extraq[SEDF_UTIL_Q].next, extra[SEDF_UTIL_Q]);
        sv->status |= SEDF_EXTRA_RUN_UTIL;
    } else {
        return r;
    }
    r.next = sv->v;
    r.slice = SEDF_EXTRA_QUANTUM;
    return r;
}

static struct sched_slice sedf_do_schedule(void *priv, int pcpu, sim_time_t now)
{
    struct sedf *s = priv;
    struct sedf_cpu *c = &s->cpus[pcpu];
    struct sched_vcpu *prev = sched_curr(s->core, pcpu);

    if (!prev->is_idle) {
        struct sedf_vcpu *sv = prev->priv;
        if (!prev->runnable)
            sv->status |= SEDF_ASLEEP;
        if (sedf_asleep(sv))
            sv->block_abs = now;
        if (extra_runs(sv))
            desched_extra(s, now, sv);
        else
            desched_edf(s, now, sv);
    }
    update_queues(s, c, now);

    struct sched_slice r;
    if (link_empty(&c->runq) && link_empty(&c->waitq)) {
        r = (struct sched_slice){ sched_idle(s->core, pcpu), SEDF_IDLE_SLICE };
    } else if (!link_empty(&c->runq)) {
        struct sedf_vcpu *run = SEDF_OF(c->runq.next, list);
        r.next = run->v;
        r.slice = run->slice - run->cputime;
        if (!link_empty(&c->waitq)) {
            sim_time_t begin = period_begin(SEDF_OF(c->waitq.next, list));
            if (begin - now < r.slice)
                r.slice = begin - now;
        }
    } else {
        r = extra_schedule(s, c, pcpu, now, period_begin(SEDF_OF(c->waitq.next, list)));
    }
    /* Xen 4.5 gives a negative slice ("seriously BEHIND schedule") an
     * extra quantum instead; xensim's core needs > 0, so 0 does too. */
    if (r.slice <= 0)
        r.slice = SEDF_EXTRA_QUANTUM;
    ((struct sedf_vcpu *)r.next->priv)->sched_start_abs = now;
    c->current_slice_expires = now + r.slice;
    return r;
}

static void sedf_sleep(void *priv, struct sched_vcpu *v)
{
    struct sedf *s = priv;
    if (v->is_idle)
        return;
    struct sedf_vcpu *sv = v->priv;
    sv->status |= SEDF_ASLEEP;
    if (sched_curr(s->core, v->processor) == v) {
        sched_tickle(s->core, v->processor);
        return;
    }
    if (linked(&sv->list))
        link_del(&sv->list);
    extraq_del_if(sv, SEDF_UTIL_Q);
    extraq_del_if(sv, SEDF_PEN_Q);
}

/* 4.5's preemption rule on wake: reschedule if the woken vCPU's period
 * begins before the current slice ends; else by class, EDF > L0 > L1 >
 * idle (an EDF run is never interrupted, an L0 run only by a lower L0
 * score, an L1 run by any vCPU owed a lost slice). */
static bool should_switch(struct sedf *s, struct sched_vcpu *cur, struct sedf_vcpu *other)
{
    if (period_begin(other) < s->cpus[other->v->processor].current_slice_expires)
        return true;
    if (cur->is_idle)
        return true;
    const struct sedf_vcpu *ci = cur->priv;
    if (ci->status & SEDF_EXTRA_RUN_PEN)
        return (other->status & SEDF_EXTRA_WANT_PEN_Q)
               && other->score[SEDF_PEN_Q] < ci->score[SEDF_PEN_Q];
    if (ci->status & SEDF_EXTRA_RUN_UTIL)
        return other->status & SEDF_EXTRA_WANT_PEN_Q;
    return false;
}

/* A short block: no more real-time service this period; the slice lost
 * becomes the L0 debt (4.5's unblock_short_extra_support). */
static void unblock_short(struct sedf *s, struct sedf_vcpu *sv)
{
    sv->deadl_abs += sv->period;
    if (sv->block_abs) {
        sim_time_t pen = sv->slice - sv->cputime;
        sv->short_block_lost_tot = pen < 0 ? 0 : pen;
        if (sv->short_block_lost_tot) {
            sv->score[SEDF_PEN_Q] = (int)((sv->period << 10) / sv->short_block_lost_tot);
            if (linked(&sv->extra[SEDF_PEN_Q]))
                link_del(&sv->extra[SEDF_PEN_Q]);
            else
                sv->status |= SEDF_EXTRA_WANT_PEN_Q;
            extraq_add(s, sv, SEDF_PEN_Q, 0);
        }
    }
    sv->cputime = 0;
}

static void sedf_wake(void *priv, struct sched_vcpu *v)
{
    struct sedf *s = priv;
    if (v->is_idle)
        return;
    struct sedf_vcpu *sv = v->priv;
    if (linked(&sv->list))
        return;
    sim_time_t now = sched_now(s->core, v->processor);
    sv->status &= ~SEDF_ASLEEP;
    bool first = sv->deadl_abs == 0;
    if (first && s->first_deadline_quirk)
        sv->deadl_abs = now + sv->slice;    /* Xen 4.5: the slice, not the period */

    if (first && !s->first_deadline_quirk) {
        sv->deadl_abs = now + sv->period;   /* a first period starts now */
        sv->cputime = 0;
        if (sv->status & SEDF_EXTRA_AWARE)
            extraq_add(s, sv, SEDF_UTIL_Q, 0);
    } else if (now < period_begin(sv)) {
        /* Woken in extra time (its slice of this period was used). */
        if (sv->status & SEDF_EXTRA_WANT_PEN_Q)
            extraq_add(s, sv, SEDF_PEN_Q, 0);
        if (sv->status & SEDF_EXTRA_AWARE)
            extraq_add(s, sv, SEDF_UTIL_Q, 0);
    } else {
        if (now < sv->deadl_abs) {
            unblock_short(s, sv);
        } else {
            /* A long block: a new period starts at the wake. */
            sv->deadl_abs = now + sv->period;
            sv->cputime = 0;
        }
        if (sv->status & SEDF_EXTRA_AWARE)
            extraq_add(s, sv, SEDF_UTIL_Q, 0);
    }
    if (period_begin(sv) > now)
        add_waitq(s, sv);
    else
        add_runq(s, sv);
    if (should_switch(s, sched_curr(s->core, v->processor), sv))
        sched_tickle(s->core, v->processor);
}

/* 4.5's sedf_pick_cpu: the first pCPU v may run on at or after
 * (vcpu index mod the number it may run on), wrapping; no load. Only an
 * affinity change asked it in 4.5. */
static int sedf_pick_cpu(void *priv, struct sched_vcpu *v)
{
    struct sedf *s = priv;
    int n = 0, first = -1;
    for (int p = 0; p < s->npcpus; p++)
        if (sched_may_run(s->core, v, p)) {
            n++;
            if (first < 0)
                first = p;
        }
    if (n == 0)
        return v->processor;
    int k = v->vcpu % n;
    for (int p = k; p < s->npcpus; p++)
        if (sched_may_run(s->core, v, p))
            return p;
    return first;
}

static void dump_queue(FILE *out, const char *name, struct sedf_link *q, size_t off)
{
    fprintf(out, "    %s:", name);
    for (struct sedf_link *l = q->next; l != q; l = l->next) {
        const struct sedf_vcpu *sv = (const struct sedf_vcpu *)((char *)l - off);
        fprintf(out, " %d(d=%lld c=%lld s0=%d s1=%d)", sv->v->id, (long long)sv->deadl_abs,
                (long long)sv->cputime, sv->score[0], sv->score[1]);
    }
    fputc('\n', out);
}

static void sedf_dump(void *priv, FILE *out)
{
    struct sedf *s = priv;
    fprintf(out, "sedf: quirks pen_once %d first_deadline %d\n", s->pen_once_quirk,
            s->first_deadline_quirk);
    for (struct sedf_link *l = s->all.next; l != &s->all; l = l->next) {
        const struct sedf_vcpu *sv = SEDF_OF(l, all);
        fprintf(out, "  vcpu %d cpu %d period %lld slice %lld weight %d extraweight %d "
                "status %d lost %lld extra %lld\n", sv->v->id, sv->v->processor,
                (long long)sv->period, (long long)sv->slice, sv->weight, sv->extraweight,
                sv->status, (long long)sv->short_block_lost_tot, (long long)sv->extra_time_tot);
    }
    for (int p = 0; p < s->npcpus; p++) {
        struct sedf_cpu *c = &s->cpus[p];
        fprintf(out, "  cpu %d curr %d expires %lld\n", p, sched_curr(s->core, p)->id,
                (long long)c->current_slice_expires);
        dump_queue(out, "runq", &c->runq, offsetof(struct sedf_vcpu, list));
        dump_queue(out, "waitq", &c->waitq, offsetof(struct sedf_vcpu, list));
        dump_queue(out, "L0", &c->extraq[0], offsetof(struct sedf_vcpu, extra[0]));
        dump_queue(out, "L1", &c->extraq[1], offsetof(struct sedf_vcpu, extra[1]));
    }
}

const struct sched_ops sched_sedf_ops = {
    .name = "Simple EDF Scheduler",
    .opt_name = "sedf",
    .init = sedf_init,
    .deinit = sedf_deinit,
    .alloc_vdata = sedf_alloc_vdata,
    .insert = sedf_insert,
    .remove = sedf_remove,
    .sleep = sedf_sleep,
    .wake = sedf_wake,
    .do_schedule = sedf_do_schedule,
    .pick_cpu = sedf_pick_cpu,
    .dump = sedf_dump,
};
