/*
 * schedulers/bvt.c: Borrowed Virtual Time, as Xen 2.0's sched_bvt.c
 * behaved, quirks included.
 *
 * Sources: Duda & Cheriton, "Borrowed-virtual-time (BVT) scheduling",
 * SOSP'99 (the model), and the behaviour of RELEASE-2.0.0
 * xen/common/sched_bvt.c as recorded in shared/facts/xen-schedulers.md
 * section 2.2 (facts and algorithm only, no Xen code).
 *
 * Model. Each vCPU has an actual virtual time avt that grows by
 * mcu_advance (the inverse weight) per 100 us MCU of CPU it used, run time
 * rounded UP to whole MCUs; its effective virtual time evt is avt, minus
 * warp_value while it is warped. The runnable vCPU with the lowest evt
 * runs. Each pCPU keeps an unsorted run queue (idle included, with avt =
 * evt = ~0U so it only wins when nothing else is queued) and a system
 * virtual time svt = the lowest queued avt; a waking vCPU has its avt raised
 * to svt so sleeping earns no credit. Virtual times are u32 as in Xen, so
 * every sum and difference wraps modulo 2^32, and svt crossing 0xf0000000
 * pulls every vCPU of that pCPU back by 0xe0000000.
 *
 * Units. avt, evt, svt and warp_value are in "virtual-time units": a vCPU
 * that runs one MCU adds mcu_advance of them. The scenario gives warp as a
 * time (ns); it is converted with the vCPU's own rate:
 *     warp_value = warp * mcu_advance / MCU   (rounded down)
 * i.e. the warp lets the vCPU run as if it had used `warp` ns less CPU
 * than it did. Xen's adjdom took warpl and warpu in ms (MILLISECS(param));
 * the scenario gives ns and they are used as such.
 *
 * Simplified: Xen kept warp state per domain and scheduled single-vCPU
 * domains; here every vCPU has its own copy of its domain's parameters and
 * warp state. There is no migration, so Xen's "migrated" case of wake
 * (avt = svt) never arises. Xen's slice arithmetic was s32 and could wrap
 * negative on absurd evt gaps; slices here are 64-bit and always > 0. A
 * new vCPU enters the queue as Xen's new domains did: at the head, through
 * wake, when the core first unpauses it.
 *
 * Quirks. Every Xen 2.0 behaviour that departs from the algorithm's intent
 * has a scenario option (scheduler.bvt.*_quirk, struct bvt below), default
 * on = faithful; off gives the intended behaviour. docs/schedulers.md lists
 * them with their effect.
 *
 * Complexity: do_schedule scans the whole queue, O(n) per decision, as Xen
 * did ("we expect n to be small"); wrap-around walks all vCPUs of the pCPU.
 */
#include "schedulers/policies.h"

#include <assert.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include "sim/err.h"

#define BVT_MCU ((sim_time_t)100 * SIM_USEC)    /* ns, the minimum charging unit */
#define BVT_MCU_ADVANCE 10u                     /* Xen's default (idle's) mcu_advance */
#define BVT_ALONE_FACTOR 10                     /* slice = 10 * ctx_allow when alone */
#define BVT_VT_MAX 0xffffffffu                  /* ~0U: idle's avt and evt */
#define BVT_WRAP_AT 0xf0000000u                 /* svt at or above this triggers... */
#define BVT_WRAP_BY 0xe0000000u                 /* ...subtracting this everywhere */
/* Where virtual time starts: the value it returns to after each wrap
 * (BVT_WRAP_AT - BVT_WRAP_BY). Xen's svt started at 0 at boot, but warp
 * parameters were applied (adjdom) to domains created later, when svt had
 * long moved on; starting at 0 here, with warp applied at creation, would
 * make a warped vCPU's u32 evt = avt - warp_value underflow to ~4e9 and
 * starve it from the first instant, an artefact of the simulation's start,
 * not of Xen. */
#define BVT_VT_START (BVT_WRAP_AT - BVT_WRAP_BY)

/* Intrusive list link; next == NULL means "not on that list". */
struct bvt_link {
    struct bvt_link *prev, *next;
};

/* The run-queue scan of every schedule reads each queued vCPU's link and
 * evt: they come first, so that one cache line serves both. */
struct bvt_vcpu {
    struct bvt_link rq;             /* in its pCPU's run queue */
    uint32_t evt;                   /* virtual-time units, effective (avt - warp) */
    uint32_t avt;                   /* virtual-time units, actual */
    struct bvt_link all;            /* in its pCPU's list of every non-idle vCPU */
    struct sched_vcpu *v;
    struct bvt *b;                  /* for the timer callbacks */
    uint32_t mcu_advance;           /* virtual-time units per MCU run (inverse weight) */
    int32_t warp_value;             /* virtual-time units subtracted while warped */
    bool warpback;                  /* configured to warp (Xen's warpback) */
    bool warp;                      /* warped now: evt computations subtract warp_value */
    sim_time_t warpl;               /* ns a warp may last (per dispatch with
                                       warp_per_dispatch_quirk), 0 = unlimited */
    sim_time_t warp_used;           /* ns of warped running in the current warp, summed
                                       over dispatches; only without
                                       warp_per_dispatch_quirk */
    sim_time_t warp_since;          /* ns NOW() from which the current dispatch ran
                                       warped (dispatch or re-warp, if later) */
    sim_time_t warpu;               /* ns unwarped before warping again */
    bool timers_ready;              /* warp_timer and unwarp_timer initialised */
    struct sched_timer warp_timer;  /* ends a warp once warpl is used up */
    struct sched_timer unwarp_timer;/* re-warps warpu after that */
};

struct bvt_cpu {
    struct bvt_link runq;           /* sentinel; runnable vCPUs and idle, unsorted */
    struct bvt_link all;            /* sentinel; every non-idle vCPU (wrap-around) */
    uint32_t svt;                   /* virtual-time units, lowest queued avt */
};

struct bvt {
    struct sched_core *core;
    sim_time_t ctx_allow;           /* ns, context-switch allowance */
    /* Xen 2.0 quirks, true = reproduced (sim/scenario.h, docs/schedulers.md). */
    bool slice_units_quirk;         /* MCU counts added to ns unscaled */
    bool u32_runtime_quirk;         /* run time taken as u32 ns, wraps after ~4.29 s */
    bool u32_warp_quirk;            /* warped evt = avt - warp_value wraps below 0 */
    bool warp_per_dispatch_quirk;   /* warpl restarts at every dispatch */
    bool stale_warp_evt_quirk;      /* warp/unwarp timers leave evt unchanged */
    bool wrap_blocked_quirk;        /* wrap-around wraps low avts to huge ones */
    int npcpus;
    struct bvt_cpu *cpus;           /* [npcpus] */
};

#define BVT_OF(link, member) \
    ((struct bvt_vcpu *)((char *)(link) - offsetof(struct bvt_vcpu, member)))

static void bvt_list_init(struct bvt_link *h)
{
    h->prev = h->next = h;
}

static bool bvt_on(const struct bvt_link *l)
{
    return l->next != NULL;
}

/* Linking a node that is on a list, or unlinking one that is not, would
 * corrupt the list without any other symptom: the asserts catch it. */
static void bvt_add_head(struct bvt_link *h, struct bvt_link *l)
{
    assert(!bvt_on(l));
    l->prev = h;
    l->next = h->next;
    h->next->prev = l;
    h->next = l;
}

static void bvt_add_tail(struct bvt_link *h, struct bvt_link *l)
{
    assert(!bvt_on(l));
    l->next = h;
    l->prev = h->prev;
    h->prev->next = l;
    h->prev = l;
}

static void bvt_del(struct bvt_link *l)
{
    assert(bvt_on(l));
    l->prev->next = l->next;
    l->next->prev = l->prev;
    l->prev = l->next = NULL;
}

/*
 * avt as of now for a vCPU dispatched at v->lastschd. Run time is rounded
 * up to MCUs, so a run of 1 ns costs a whole MCU. With u32_runtime_quirk it
 * is taken as u32 ns as in Xen (a run over ~4.29 s loses 2^32 ns); without,
 * from the 64-bit ns count. Virtual time itself stays u32 either way.
 */
static uint32_t bvt_calc_avt(const struct bvt_vcpu *bv, sim_time_t now)
{
    if (!bv->b->u32_runtime_quirk) {
        uint64_t ranfor = (uint64_t)(now - bv->v->lastschd);
        uint64_t mcus = (ranfor + (uint64_t)BVT_MCU - 1u) / (uint64_t)BVT_MCU;
        return bv->avt + (uint32_t)(mcus * bv->mcu_advance);
    }
    uint32_t ranfor = (uint32_t)(now - bv->v->lastschd);
    uint32_t mcus = (ranfor + (uint32_t)BVT_MCU - 1u) / (uint32_t)BVT_MCU;
    return bv->avt + mcus * bv->mcu_advance;
}

/* With u32_warp_quirk a warped vCPU whose avt is below warp_value wraps to
 * near 2^32 (and loses to everyone); without, its evt stops at 0, the most
 * a warp can favour it. */
static uint32_t bvt_calc_evt(const struct bvt_vcpu *bv, uint32_t avt)
{
    if (!bv->warp)
        return avt;
    if (!bv->b->u32_warp_quirk && avt < (uint32_t)bv->warp_value)
        return 0;
    return avt - (uint32_t)bv->warp_value;
}

/* The run time an evt gap buys a vCPU, in ns, before ctx_allow is added. */
static sim_time_t bvt_gap_time(const struct bvt *b, uint32_t gap, uint32_t mcu_advance)
{
    uint32_t mcus = gap / mcu_advance;
    /* Xen 2.0 added this MCU count to a time in ns without scaling. */
    return b->slice_units_quirk ? (sim_time_t)mcus : (sim_time_t)mcus * BVT_MCU;
}

/* ---- timers ---- */

/* End bv's warp at `now`: the warp timer's work, also done by do_schedule
 * when accumulated warped time reaches warpl (without
 * warp_per_dispatch_quirk) just as the vCPU is descheduled. */
static void bvt_end_warp(struct bvt_vcpu *bv, sim_time_t now, bool tickle)
{
    struct bvt *b = bv->b;
    int cpu = bv->v->processor;
    bool resched = false;
    bv->warp = false;
    bv->warp_used = 0;              /* the next warp gets a full warpl */
    if (!b->stale_warp_evt_quirk) {
        /* The unwarped evt takes effect now, not at the next charge; the
         * running vCPU is charged (and its evt redone) by do_schedule. */
        bv->evt = bvt_calc_evt(bv, bv->avt);
        resched = true;
    }
    /* With the quirk, evt is not recomputed: the vCPU keeps its warped
     * evt, and the CPU, until its next do_schedule (unless warpu is 0). */
    if (bv->warpu == 0) {
        bv->warpback = false;
        resched = true;
    }
    if (resched && tickle)
        sched_tickle(b->core, cpu);
    sched_timer_set(&bv->unwarp_timer, now + bv->warpu);
}

static void bvt_warp_timer_fn(void *arg)
{
    struct bvt_vcpu *bv = arg;
    bvt_end_warp(bv, sched_now(bv->b->core, bv->v->processor), true);
}

static void bvt_unwarp_timer_fn(void *arg)
{
    struct bvt_vcpu *bv = arg;
    /* With stale_warp_evt_quirk no evt update: a queued vCPU's evt drops
     * only when it is next charged (do_schedule) or woken. Without, the
     * warped evt counts at once (the tickle makes the pCPU re-decide). */
    if (bv->warpback) {
        bv->warp = true;
        bv->warp_used = 0;
        /* If it is running, only what it runs from now on is warped. */
        bv->warp_since = sched_now(bv->b->core, bv->v->processor);
        if (!bv->b->stale_warp_evt_quirk)
            bv->evt = bvt_calc_evt(bv, bv->avt);
        sched_tickle(bv->b->core, bv->v->processor);
    }
}

/* ---- hooks ---- */

static int bvt_init(struct sched_core *core, const struct scn *s, void **priv)
{
    *priv = NULL;
    if (s->sched.bvt.ctx_allow <= 0)
        return -SIM_EINVAL;         /* the idle slice must be > 0 */
    struct bvt *b = calloc(1, sizeof *b);
    if (!b)
        return -SIM_ENOMEM;
    b->core = core;
    b->ctx_allow = s->sched.bvt.ctx_allow;
    b->slice_units_quirk = s->sched.bvt.slice_units_quirk;
    b->u32_runtime_quirk = s->sched.bvt.u32_runtime_quirk;
    b->u32_warp_quirk = s->sched.bvt.u32_warp_quirk;
    b->warp_per_dispatch_quirk = s->sched.bvt.warp_per_dispatch_quirk;
    b->stale_warp_evt_quirk = s->sched.bvt.stale_warp_evt_quirk;
    b->wrap_blocked_quirk = s->sched.bvt.wrap_blocked_quirk;
    b->npcpus = sched_npcpus(core);
    b->cpus = calloc((size_t)b->npcpus, sizeof *b->cpus);
    if (!b->cpus) {
        free(b);
        return -SIM_ENOMEM;
    }
    for (int p = 0; p < b->npcpus; p++) {
        bvt_list_init(&b->cpus[p].runq);
        bvt_list_init(&b->cpus[p].all);
        b->cpus[p].svt = BVT_VT_START;
    }
    *priv = b;
    return 0;
}

static void bvt_deinit(void *priv)
{
    struct bvt *b = priv;
    if (!b)
        return;
    free(b->cpus);
    free(b);
}

static int bvt_alloc_vdata(void *priv, struct sched_vcpu *v)
{
    struct bvt *b = priv;
    v->priv = NULL;
    uint32_t mcu_advance = BVT_MCU_ADVANCE;
    int64_t warp_value = 0;
    const struct scn_bvt_dom *p = v->dom ? &v->dom->bvt : NULL;
    if (p) {
        /* Xen's adjdom refused these (mcu_advance 0 would divide by zero). */
        if (p->mcu_advance <= 0 || p->warpl < 0 || p->warpu < 0 || p->warp < 0)
            return -SIM_EINVAL;
        if (p->mcu_advance > (int64_t)UINT32_MAX)
            return -SIM_ERANGE;
        mcu_advance = (uint32_t)p->mcu_advance;
        /* warp <= 100 s and mcu_advance <= 10^6 (the loader's limits)
         * keep this product far inside int64; Xen's field was s32. */
        if (p->warp > INT64_MAX / p->mcu_advance)
            return -SIM_ERANGE;
        warp_value = p->warp * p->mcu_advance / BVT_MCU;
        if (warp_value > INT32_MAX)
            return -SIM_ERANGE;
    }
    struct bvt_vcpu *bv = calloc(1, sizeof *bv);
    if (!bv)
        return -SIM_ENOMEM;
    bv->v = v;
    bv->b = b;
    bv->mcu_advance = mcu_advance;
    bv->warp_value = (int32_t)warp_value;
    if (p) {
        /* adjdom set warp = warpback, so a warping vCPU starts warped. */
        bv->warpback = warp_value > 0;
        bv->warp = bv->warpback;
        bv->warpl = p->warpl;
        bv->warpu = p->warpu;
    }
    v->priv = bv;
    return 0;
}

static void bvt_free_vdata(void *priv, struct sched_vcpu *v)
{
    (void)priv;
    struct bvt_vcpu *bv = v->priv;
    if (!bv)
        return;
    if (bv->timers_ready) {
        sched_timer_cancel(&bv->warp_timer);
        sched_timer_cancel(&bv->unwarp_timer);
    }
    free(bv);
    v->priv = NULL;
}

static void bvt_insert(void *priv, struct sched_vcpu *v)
{
    struct bvt *b = priv;
    struct bvt_vcpu *bv = v->priv;
    struct bvt_cpu *c = &b->cpus[v->processor];
    if (v->is_idle) {
        bv->avt = bv->evt = BVT_VT_MAX;
        if (!bvt_on(&bv->rq))
            bvt_add_head(&c->runq, &bv->rq);
        return;
    }
    /* A newcomer starts level with the pCPU, neither owed nor owing; it is
     * created paused and joins the queue through wake (its admission),
     * which recomputes evt with the warp. */
    bv->avt = bv->evt = c->svt;
    if (!bv->timers_ready) {
        sched_timer_init(b->core, &bv->warp_timer, v->processor, bvt_warp_timer_fn, bv);
        sched_timer_init(b->core, &bv->unwarp_timer, v->processor, bvt_unwarp_timer_fn, bv);
        bv->timers_ready = true;
    }
    if (!bvt_on(&bv->all))
        bvt_add_tail(&c->all, &bv->all);
}

static void bvt_remove(void *priv, struct sched_vcpu *v)
{
    (void)priv;
    struct bvt_vcpu *bv = v->priv;
    if (!bv)
        return;
    if (bvt_on(&bv->rq))
        bvt_del(&bv->rq);
    if (bvt_on(&bv->all))
        bvt_del(&bv->all);
    if (bv->timers_ready) {
        sched_timer_cancel(&bv->warp_timer);
        sched_timer_cancel(&bv->unwarp_timer);
    }
}

static void bvt_sleep(void *priv, struct sched_vcpu *v)
{
    struct bvt *b = priv;
    struct bvt_vcpu *bv = v->priv;
    /* The running vCPU is charged and dequeued by do_schedule. */
    if (sched_curr(b->core, v->processor) == v)
        sched_tickle(b->core, v->processor);
    else if (bvt_on(&bv->rq))
        bvt_del(&bv->rq);
}

static void bvt_wake(void *priv, struct sched_vcpu *v)
{
    struct bvt *b = priv;
    struct bvt_vcpu *bv = v->priv;
    int cpu = v->processor;
    struct bvt_cpu *c = &b->cpus[cpu];

    if (v->is_idle || bvt_on(&bv->rq))
        return;                     /* someone already did the wake-up work */
    bvt_add_head(&c->runq, &bv->rq);

    /* Sleeping earns no credit: catch up with the pCPU's virtual time. */
    if (bv->avt < c->svt)
        bv->avt = c->svt;
    bv->evt = bvt_calc_evt(bv, bv->avt);

    struct sched_vcpu *curr = sched_curr(b->core, cpu);
    if (curr->is_idle) {
        sched_tickle(b->core, cpu);
        return;
    }
    const struct bvt_vcpu *cb = curr->priv;
    sim_time_t now = sched_now(b->core, cpu);
    uint32_t curr_evt = bvt_calc_evt(cb, bvt_calc_avt(cb, now));
    if (bv->evt <= curr_evt) {
        sched_tickle(b->core, cpu);
        return;
    }
    /* Otherwise let curr run until it would pass the newcomer, plus the
     * allowance; the core keeps the earlier of this and its slice end. */
    sim_time_t until = curr->lastschd +
                       bvt_gap_time(b, bv->evt - curr_evt, cb->mcu_advance) +
                       b->ctx_allow;
    sched_timer_earlier(b->core, cpu, until);
}

/* Subtract BVT_WRAP_BY from the pCPU's virtual times, blocked vCPUs
 * included; idle is not in `all` and keeps ~0U so it still loses to all.
 * With wrap_blocked_quirk a time below BVT_WRAP_BY (a long sleeper's)
 * wraps to a huge value and the vCPU is starved after waking; without, it
 * stops at 0 and waking raises it to svt as for any sleeper. */
static void bvt_wrap(const struct bvt *b, struct bvt_cpu *c)
{
    for (struct bvt_link *l = c->all.next; l != &c->all; l = l->next) {
        struct bvt_vcpu *bv = BVT_OF(l, all);
        if (!b->wrap_blocked_quirk) {
            bv->avt = bv->avt < BVT_WRAP_BY ? 0 : bv->avt - BVT_WRAP_BY;
            bv->evt = bv->evt < BVT_WRAP_BY ? 0 : bv->evt - BVT_WRAP_BY;
            continue;
        }
        bv->avt -= BVT_WRAP_BY;
        bv->evt -= BVT_WRAP_BY;
    }
    c->svt -= BVT_WRAP_BY;
}

static struct sched_slice bvt_do_schedule(void *priv, int pcpu, sim_time_t now)
{
    struct bvt *b = priv;
    struct bvt_cpu *c = &b->cpus[pcpu];
    struct sched_vcpu *prev = sched_curr(b->core, pcpu);
    struct sched_vcpu *idle = sched_idle(b->core, pcpu);

    if (!prev->is_idle) {
        struct bvt_vcpu *pb = prev->priv;
        pb->avt = bvt_calc_avt(pb, now);
        /* With warp_per_dispatch_quirk the warp limit counts from each
         * dispatch (re-armed below). Without, the warped run time is
         * summed, and a warp whose limit is reached right now (its timer
         * due but not yet fired) ends here. */
        if (pb->warpback && pb->warpl > 0) {
            sched_timer_cancel(&pb->warp_timer);
            if (!b->warp_per_dispatch_quirk && pb->warp) {
                pb->warp_used += now - pb->warp_since;
                if (pb->warp_used >= pb->warpl)
                    bvt_end_warp(pb, now, false);
            }
        }
        pb->evt = bvt_calc_evt(pb, pb->avt);
        if (bvt_on(&pb->rq))
            bvt_del(&pb->rq);
        if (prev->runnable)
            bvt_add_tail(&c->runq, &pb->rq);
    }

    /* One pass: lowest evt (first one wins ties), second lowest, lowest
     * avt. next starts as idle so an idle-only queue picks idle. */
    struct bvt_vcpu *next = idle->priv, *next_prime = NULL;
    uint32_t next_evt = BVT_VT_MAX, prime_evt = BVT_VT_MAX, min_avt = BVT_VT_MAX;
    for (struct bvt_link *l = c->runq.next; l != &c->runq; l = l->next) {
        struct bvt_vcpu *bv = BVT_OF(l, rq);
        if (bv->evt < next_evt) {
            next_prime = next;
            prime_evt = next_evt;
            next = bv;
            next_evt = bv->evt;
        } else if (prime_evt == BVT_VT_MAX || bv->evt < prime_evt) {
            next_prime = bv;
            prime_evt = bv->evt;
        }
        if (bv->avt < min_avt)
            min_avt = bv->avt;
    }

    next->warp_since = now;
    if (next->warp && next->warpl > 0)
        sched_timer_set(&next->warp_timer, now + (b->warp_per_dispatch_quirk ?
                                                  next->warpl :
                                                  next->warpl - next->warp_used));

    /* With only idle queued there is no avt to follow: svt stays. */
    if (min_avt != BVT_VT_MAX)
        c->svt = min_avt;
    if (c->svt >= BVT_WRAP_AT)
        bvt_wrap(b, c);

    struct sched_slice s = { next->v, b->ctx_allow };
    if (next->v->is_idle)
        return s;
    if (!next_prime || next_prime->v->is_idle) {
        s.slice = BVT_ALONE_FACTOR * b->ctx_allow;
        return s;
    }
    /* Run until next's evt would pass next_prime's, plus the allowance
     * (next_prime's evt >= next's by construction of the scan). */
    s.slice = bvt_gap_time(b, next_prime->evt - next->evt, next->mcu_advance) + b->ctx_allow;
    return s;
}

static void bvt_dump(void *priv, FILE *out)
{
    struct bvt *b = priv;
    fprintf(out, "bvt: mcu %lld ns, ctx_allow %lld ns, slice_units_quirk %s\n",
            (long long)BVT_MCU, (long long)b->ctx_allow,
            b->slice_units_quirk ? "on" : "off");
    fprintf(out, "  quirks: u32_runtime %s, u32_warp %s, warp_per_dispatch %s, "
            "stale_warp_evt %s, wrap_blocked %s\n",
            b->u32_runtime_quirk ? "on" : "off", b->u32_warp_quirk ? "on" : "off",
            b->warp_per_dispatch_quirk ? "on" : "off", b->stale_warp_evt_quirk ? "on" : "off",
            b->wrap_blocked_quirk ? "on" : "off");
    for (int p = 0; p < b->npcpus; p++) {
        struct bvt_cpu *c = &b->cpus[p];
        fprintf(out, "  cpu %d svt 0x%08" PRIx32 " curr %d\n", p, c->svt,
                sched_curr(b->core, p)->id);
        for (struct bvt_link *l = c->runq.next; l != &c->runq; l = l->next) {
            const struct bvt_vcpu *bv = BVT_OF(l, rq);
            fprintf(out, "    vcpu %d mcua %" PRIu32 " avt 0x%08" PRIx32 " evt 0x%08" PRIx32
                    " warp %d/%d value %" PRId32 "\n", bv->v->id, bv->mcu_advance, bv->avt,
                    bv->evt, bv->warp, bv->warpback, bv->warp_value);
        }
    }
}

const struct sched_ops sched_bvt_ops = {
    .name = "Borrowed Virtual Time",
    .opt_name = "bvt",
    .init = bvt_init,
    .deinit = bvt_deinit,
    .alloc_vdata = bvt_alloc_vdata,
    .free_vdata = bvt_free_vdata,
    .insert = bvt_insert,
    .remove = bvt_remove,
    .sleep = bvt_sleep,
    .wake = bvt_wake,
    .do_schedule = bvt_do_schedule,
    .dump = bvt_dump,
};
