/*
 * models/hv.c: the hypervisor core: pCPUs, vCPUs, Xen 2.0's generic
 * scheduling layer, cost charging, workload execution and accounting.
 *
 * Models (shared/facts/xen-schedulers.md 1.2, 1.3, 9; facts only, own code):
 *  - __enter_scheduler: now = NOW(); remove s_timer; charge prev; {next,
 *    slice} = do_schedule(now); next->lastschd = now; s_timer at now +
 *    slice; prev == next is no switch (no cost, not counted).
 *  - SCHEDULE_SOFTIRQ raised by sched_tickle and by the slice timer is an
 *    engine event at the current time, at most one pending per pCPU. Block
 *    and yield enter the scheduler directly, as do_block / SCHEDOP_yield do
 *    in Xen 2.0 (RELEASE-2.0.0 schedule.c), so a blocked vCPU is never left
 *    current; a block with an event pending enters it too, and the vCPU
 *    stays runnable. A block calls the policy's do_block hook, never sleep.
 *  - The slice timer, the 10 ms t_timer, the 500 ms fallback_timer and the
 *    workloads' sleep timers are clk_timers of the pCPU's modelled clock
 *    (sim/clock.h): they fire up to timer_slop early, batched, equal
 *    expiries in the order of Xen's timer heap.
 *  - Wake: mark runnable, then the policy's wake hook decides on preemption.
 *  - Boot and admission: idle vCPUs inserted before system time starts
 *    (HV_BOOT_NOW), every domain created paused and unpaused (a wake) at its
 *    scenario time, the secondary pCPUs' idle vCPUs woken at boot; pause
 *    calls the sleep hook.
 *
 * Costs and time accounting. A switch at engine time T gives the pCPU the
 * windows [T, T+sw) of switch overhead (costs.context_switch), then, if the
 * incoming vCPU is of another domain than the last domain vCPU that ran
 * here, [T+sw, T+sw+refill) of cache refill (costs.cache_refill), CPU time
 * of the incoming vCPU that makes no progress on its work, then useful time.
 * Each pCPU accounts lazily: the interval since its last accounting point is
 * split over those windows whenever the core looks (a schedule, a
 * completion, a read of the statistics), so busy + idle + switch equals the
 * elapsed time exactly. A SCHEDULE_SOFTIRQ raised during the switch window
 * runs when the switch is over (the switch completes before softirqs run);
 * a preemption during the refill window simply cuts the refill short.
 *
 * Work progress. The running vCPU has `remaining` ns of its current COMPUTE;
 * a completion event is queued at (start of useful time + remaining) and is
 * cancelled and requeued when the vCPU is descheduled and dispatched again.
 * A hog (WL_FOREVER) has no completion event at all.
 *
 * Simplified: see models/hv.h and docs/hypervisor.md.
 */
#include "models/hv.h"

#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sim/metric.h"
#include "models/evtchn.h"
#include "schedulers/sched.h"
#include "sim/clock.h"
#include "sim/err.h"
#include "sim/tfifo.h"
#include "sim/units.h"
#include "models/wl.h"

/* The loader counts event-channel ports against the same limit. */
_Static_assert(EVTCHN_MAX_PORTS == SCN_EVTCHN_PORTS, "one limit of event-channel ports");

/* Xen 2.0's fallback_timer period. */
#define HV_FALLBACK (500 * SIM_MSEC)
/* Xen 2.0's t_timer period. */
#define HV_TICK (10 * SIM_MSEC)
/* Raw sched_latency samples kept for exact quantiles per domain (beyond
 * that the histogram, within 1/256): bounds memory at 64 KiB per domain. */
#define HV_LATENCY_EXACT_CAP 8192
/* Operations a workload may issue without any time passing (COMPUTE 0,
 * sleeps into the past) before the core calls it a livelock. */
#define HV_MAX_INSTANT_OPS 1024
/* NOW() as policies read it while the idle vCPUs are set up: Xen 2.0 set
 * up every idle domain (cpu_init -> init_idle_task, and do_createdomain
 * for the secondary pCPUs) before init_xen_time started system time, so
 * anything a policy stamps then is earlier than every later NOW(). */
#define HV_BOOT_NOW ((sim_time_t)-1)

struct hv_pcpu;

/* Why a vCPU is paused: the domain builder's pause (Xen's DF_CTRLPAUSE,
 * hv_domain_pause) and a policy's parking (sched_park, Xen 3.x's
 * vcpu_pause_nosync of a capped vCPU). */
enum { HV_PAUSE_CTRL = 1u, HV_PAUSE_PARK = 2u };

struct hv_vcpu {
    struct sched_vcpu sv;           /* what the policy sees */
    struct hv *h;
    struct hv_pcpu *p;              /* where it is placed */
    struct wl *wl;                  /* NULL for an idle vCPU */
    bool vdata;                     /* alloc_vdata succeeded */
    bool inserted;                  /* insert was called */
    unsigned pause;                 /* HV_PAUSE_* reasons it is paused (not
                                       runnable while any is set) */
    bool blocked;                   /* blocked until an event (DF_BLOCKED) */
    enum hv_runstate rs;
    sim_time_t rs_since;            /* ns engine time rs was entered or last accounted */
    int64_t rs_ns[HV_RS_COUNT];     /* ns per runstate since the reset */
    int64_t cpu_ns;                 /* ns of CPU, refill included */
    int64_t refill_ns;              /* ns of it spent refilling caches */
    int64_t upcall_cpu_ns;          /* ns of it spent in event upcalls */
    sim_time_t remaining;           /* ns of the current COMPUTE left; 0 = ask for the
                                       next operation when dispatched; WL_FOREVER */
    bool entering;                  /* dispatched, guest code not entered yet: the
                                       next completion event is that entry */
    bool in_upcall;                 /* remaining is the event upcall's */
    sim_time_t saved;               /* ns: remaining of the interrupted operation */
    bool in_ops;                    /* the core is asking the workload (run_ops) */
    bool wake_pending;              /* woken, not dispatched since */
    sim_time_t woke_at;             /* ns engine time of that wake */
    struct clk_timer sleep_timer;   /* the workload's SLEEP deadline */
    const uint64_t *upcall_word;    /* its domain's upcall_pending bits (evtchn_upcall_word);
                                       NULL for an idle vCPU */
    uint64_t upcall_bit;            /* its own bit in *upcall_word */
    uint64_t dispatches, wakeups, blocks, preemptions, yields, upcalls;
    uint64_t migrations;            /* moves to another pCPU (sched_move, sched_migrate) */
    int last_pcpu;                  /* where it last ran, -1 before its first run */
    bool migrating;                 /* sched_migrate: off the pCPUs until moved */
    bool wake_deferred;             /* woken from a block while migrating: the wake is
                                       finish_migrate's */
};

struct hv_pcpu {
    struct hv *h;
    int idx;
    struct clk_cpu *clk;
    struct hv_vcpu *idle;
    struct hv_vcpu *curr;
    struct clk_timer s_timer;       /* slice end */
    struct clk_timer t_timer;       /* 10 ms tick */
    struct clk_timer fallback;      /* 500 ms fallback_timer */
    ev_id softirq_ev;               /* pending SCHEDULE_SOFTIRQ, or EV_NONE */
    ev_id done_ev;                  /* completion of curr's COMPUTE, or EV_NONE */
    int last_dom;                   /* domain of the last non-idle vCPU run here, -1 */
    sim_time_t disp_t;              /* ns engine time of the last switch */
    sim_time_t sw_end;              /* ns, end of its switch overhead */
    sim_time_t ref_end;             /* ns, end of its cache refill */
    sim_time_t acct_t;              /* ns, accounted up to here */
    sim_time_t sw_cost;             /* ns per context switch */
    sim_time_t refill_cost;         /* ns per switch to another domain */
    int64_t busy_ns, idle_ns, switch_ns;
    int64_t runq_adj_ns;            /* runnable ns of vCPUs moved away, minus that of
                                       vCPUs moved here, before their moves */
    uint64_t switches, schedules, ticks, slice_expiries;
    int nvcpus;
    sim_time_t st_start, st_end;    /* ns, the window of hypervisor work (hv_pcpu_work) */
    int64_t hv_work_ns;             /* ns of it since the reset */
    uint64_t hv_works;              /* items of it finished since the reset */
    struct hv_work *wq;             /* [wcap] items queued, circular, the head under way */
    size_t whead, wn, wcap;
    ev_id work_ev;                  /* end of the head item, or EV_NONE */
    struct hv_vcpu *migrant;        /* a vCPU asked to migrate that it switched away
                                       from, moved at saved_ev */
    ev_id saved_ev;                 /* context_saved of migrant at sw_end, or EV_NONE */
};

struct hv_work {
    sim_time_t end;                 /* ns engine time it is done */
    hv_work_fn *fn;
    void *arg;
};

struct hv_dom {
    struct hv *h;
    int first;                      /* index of its vCPU 0 in hv.vcpus */
    int n;
    struct st_rec *lat;             /* sched_latency */
    struct st_rec *evlat;           /* evtchn_latency */
    const struct hv_kernel *kern;   /* guest-kernel work in its upcalls, or NULL */
};

/* The policy's handle on the core: the first member of struct hv, so the
 * services below get from one to the other without a lookup. */
struct sched_core {
    struct hv *h;
};

struct hv {
    struct sched_core core;
    struct ev_loop *loop;
    const struct scn *s;
    const struct sched_ops *ops;
    void *spriv;                    /* the policy's global state */
    struct evtchn *ev;              /* every domain's event channels */
    hv_op_fn *op_obs;               /* operation observer (run --record-trace), or NULL */
    void *op_obs_ctx;
    sim_time_t upcall_ns;           /* costs.upcall */
    sim_time_t migrate_ns;          /* costs.migration */
    bool sched_inited;
    struct hv_pcpu *scheduling;     /* the pCPU whose do_schedule is under way, or NULL */
    struct hv_vcpu *chosen;         /* a vCPU not running that do_schedule asked to
                                       migrate (sched_migrate): it may be the one returned */
    bool started;
    bool booting;                   /* idle vCPUs being set up: NOW() reads HV_BOOT_NOW */
    int np;                         /* pCPUs */
    int nd;                         /* domains */
    int nv;                         /* vCPUs, idle ones (first np) included */
    struct hv_pcpu *pcpus;
    struct hv_vcpu *vcpus;
    struct hv_dom *doms;
    sim_time_t reset_t;             /* ns engine time of the last reset */
    uint64_t ev_at_reset;           /* ev_dispatched then */
    sim_time_t synced_t;            /* ns, time of the last full sync */
    uint64_t synced_ev;             /* ev_dispatched then */
    int status;                     /* first error in a callback, or 0 */
    char msg[256];
    hv_obs_fn *obs;                 /* schedule observer, or NULL */
    void *obs_ctx;
    ev_id *unpause_ev;              /* [nd] pending unpause of each domain, or EV_NONE */
};

#define VCPU_OF(svp) ((struct hv_vcpu *)((char *)(svp) - offsetof(struct hv_vcpu, sv)))

static void fail(struct hv *h, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fail(struct hv *h, int rc, const char *fmt, ...)
{
    if (h->status)
        return;
    h->status = rc < 0 ? rc : -SIM_ESTATE;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(h->msg, sizeof h->msg, fmt, ap);
    va_end(ap);
    ev_stop(h->loop);
}

static sim_time_t sat_add(sim_time_t a, sim_time_t b)
{
    return b > SIM_TIME_MAX - a ? SIM_TIME_MAX : a + b;
}

/* Length of [a, b) within [x, y). */
static int64_t overlap(sim_time_t a, sim_time_t b, sim_time_t x, sim_time_t y)
{
    sim_time_t lo = a > x ? a : x;
    sim_time_t hi = b < y ? b : y;
    return hi > lo ? hi - lo : 0;
}


static const char *dom_name(const struct hv *h, const struct hv_vcpu *v)
{
    return v->sv.is_idle ? "idle" : h->s->domains[v->sv.domain].name;
}

/* --- accounting ------------------------------------------------------ */

static void set_rs(struct hv_vcpu *v, enum hv_runstate rs, sim_time_t t)
{
    v->rs_ns[v->rs] += t - v->rs_since;
    v->rs = rs;
    v->rs_since = t;
}

/* Split [acct_t, t) over the current dispatch's windows. */
static void pcpu_sync(struct hv_pcpu *p, sim_time_t t)
{
    sim_time_t a = p->acct_t;
    if (t <= a)
        return;
    int64_t sw = 0, ref = 0, st = 0;
    /* Most intervals start after the switch, refill and hypervisor work
     * windows have all closed: all useful time. */
    if (a < p->sw_end || a < p->ref_end || a < p->st_end) {
        sw = overlap(a, t, p->disp_t, p->sw_end);
        ref = overlap(a, t, p->sw_end, p->ref_end);
        st = overlap(a, t, p->st_start, p->st_end);
    }
    int64_t use = (t - a) - sw - ref - st;
    struct hv_vcpu *v = p->curr;
    p->switch_ns += sw;
    p->hv_work_ns += st;
    if (v->sv.is_idle) {
        p->idle_ns += ref + use + st;
    } else {
        /* Hypervisor work is charged to the vCPU it interrupted (as Xen's
         * accounting by NOW() differences does), without progress. */
        p->busy_ns += ref + use + st;
        v->cpu_ns += ref + use + st;
        v->refill_ns += ref;
        if (v->in_upcall)
            v->upcall_cpu_ns += use;
        if (v->remaining != WL_FOREVER)
            v->remaining = v->remaining > use ? v->remaining - use : 0;
    }
    p->acct_t = t;
}

void hv_stats_sync(struct hv *h)
{
    if (!h)
        return;
    sim_time_t t = ev_now(h->loop);
    uint64_t n = ev_dispatched(h->loop);
    if (t == h->synced_t && n == h->synced_ev)
        return;
    for (int i = 0; i < h->np; i++)
        pcpu_sync(&h->pcpus[i], t);
    for (int i = h->np; i < h->nv; i++)
        set_rs(&h->vcpus[i], h->vcpus[i].rs, t);
    h->synced_t = t;
    h->synced_ev = n;
}

/* --- the scheduling core ----------------------------------------------- */

static void softirq_fn(void *arg);
static void done_fn(void *arg);
static void enter_scheduler(struct hv_pcpu *p);

/* SCHEDULE_SOFTIRQ: run do_schedule on p after the current event, or when
 * its context switch is over if one is in progress. */
static void raise_softirq(struct hv_pcpu *p)
{
    if (p->softirq_ev != EV_NONE)
        return;
    sim_time_t now = ev_now(p->h->loop);
    sim_time_t at = p->sw_end > now ? p->sw_end : now;
    if (p->st_end > at)
        at = p->st_end;         /* hypervisor work finishes before softirqs run */
    int rc = ev_at(p->h->loop, at, softirq_fn, p, &p->softirq_ev);
    if (rc < 0) {
        p->softirq_ev = EV_NONE;
        fail(p->h, rc, "pCPU %d: cannot queue SCHEDULE_SOFTIRQ (%s)", p->idx, sim_strerror(rc));
    }
}

static void softirq_fn(void *arg)
{
    struct hv_pcpu *p = arg;
    p->softirq_ev = EV_NONE;
    enter_scheduler(p);
}

static void s_timer_fn(void *arg)
{
    struct hv_pcpu *p = arg;
    p->slice_expiries++;
    raise_softirq(p);
}

static void send_timer_virq(struct hv *h, int dom)
{
    int rc = evtchn_send_virq(h->ev, dom, EVTCHN_VIRQ_TIMER, ev_now(h->loop));
    if (rc < 0)
        fail(h, rc, "domain '%s': cannot raise VIRQ_TIMER (%s)", h->s->domains[dom].name,
             sim_strerror(rc));
}

/* The 10 ms tick: VIRQ_TIMER to the domain running here, as Xen 2.0's
 * t_timer does (its time-info update is not modelled). VIRQ_TIMER is
 * bound to vCPU 0 only (models/evtchn.h), so a tick on another of its
 * vCPUs sends nothing (it would wake vCPU 0 from a sleep for nothing). */
static void t_timer_fn(void *arg)
{
    struct hv_pcpu *p = arg;
    p->ticks++;
    if (!p->curr->sv.is_idle && p->curr->sv.vcpu == 0)
        send_timer_virq(p->h, p->curr->sv.domain);
    /* Re-armed from NOW(), not from the expiry, as Xen 2.0's t_timer_fn
     * did: each tick's lateness (interrupt resolution, the slop) carries
     * into the next, so the tick drifts. */
    int rc = clk_timer_set(&p->t_timer, sat_add(clk_now(p->clk), HV_TICK));
    if (rc < 0)
        fail(p->h, rc, "pCPU %d: cannot re-arm the tick (%s)", p->idx, sim_strerror(rc));
}

/* Xen 2.0's 500 ms fallback_timer refreshed the running domain's time
 * info, which is not modelled, so it does nothing else here; it is kept
 * because it sits in the pCPU's timer heap and so takes part in the order
 * in which timers due at the same instant run (machine.clock.timer_order
 * xen). Re-armed from NOW(), as t_timer. */
static void fallback_fn(void *arg)
{
    struct hv_pcpu *p = arg;
    int rc = clk_timer_set(&p->fallback, sat_add(clk_now(p->clk), HV_FALLBACK));
    if (rc < 0)
        fail(p->h, rc, "pCPU %d: cannot re-arm the fallback timer (%s)", p->idx,
             sim_strerror(rc));
}

/* Queue the completion of curr's COMPUTE, whose useful time starts at
 * `start` (engine ns). */
static void arm_done(struct hv_pcpu *p, struct hv_vcpu *v, sim_time_t start)
{
    if (v->remaining == WL_FOREVER || v->remaining > SIM_TIME_MAX - start)
        return;
    sim_time_t end = start + v->remaining;
    if (end >= p->st_start && start < p->st_end)    /* no progress during hypervisor work */
        end += p->st_end - (start > p->st_start ? start : p->st_start);
    int rc = ev_at(p->h->loop, end, done_fn, p, &p->done_ev);
    if (rc < 0) {
        p->done_ev = EV_NONE;
        fail(p->h, rc, "pCPU %d: cannot queue a completion (%s)", p->idx, sim_strerror(rc));
    }
}

static bool is_ours(const struct hv *h, const struct sched_vcpu *sv)
{
    uintptr_t a = (uintptr_t)sv, lo = (uintptr_t)&h->vcpus[0].sv;
    uintptr_t hi = (uintptr_t)&h->vcpus[h->nv - 1].sv;
    return a >= lo && a <= hi && (a - lo) % sizeof(struct hv_vcpu) == 0;
}

/* Tell the observer (the caller has tested h->obs); prev_rs is the woken
 * vCPU's runstate before a wake. */
static void observe_rs(struct hv *h, const struct hv_pcpu *p, const struct hv_vcpu *v,
                       enum hv_obs_kind kind, enum hv_runstate prev_rs)
{
    struct hv_obs o = {
        .prev_rs = prev_rs,
        .t = ev_now(h->loop),
        .pcpu = p->idx,
        .dom = v->sv.is_idle ? -1 : v->sv.domain,
        .vcpu = v->sv.is_idle ? p->idx : v->sv.vcpu,
        .kind = kind,
    };
    h->obs(h->obs_ctx, &o);
}

static void observe(struct hv *h, const struct hv_pcpu *p, const struct hv_vcpu *v,
                    enum hv_obs_kind kind)
{
    observe_rs(h, p, v, kind, v->rs);
}

static void make_runnable(struct hv_vcpu *v, bool from_block);
static void sleep_timer_fn(void *arg);

/* Put v on pCPU q's books: its placement count, its NOW() and timers. */
static void relocate(struct hv_vcpu *v, struct hv_pcpu *q)
{
    v->p->nvcpus--;
    q->nvcpus++;
    v->p = q;
    v->sv.processor = q->idx;
    /* A pending sleep timer stays on the old pCPU, as Xen 4.17 leaves
     * v->singleshot_timer where set_timer_op last put it (sched_move_irqs
     * moves interrupts, not timers); it follows v at its next set_timer_op
     * (run_ops). */
    if (!clk_timer_pending(&v->sleep_timer))
        clk_timer_init(&v->sleep_timer, q->clk, sleep_timer_fn, v);
}

/* Move v, which runs nowhere, to pCPU q: the pCPU time and run-queue
 * accounting up to now stay with the old pCPU; its NOW() and timers
 * follow q's clock from now on (a sleep timer already armed: relocate). */
static void move_vcpu(struct hv_vcpu *v, struct hv_pcpu *q)
{
    struct hv_pcpu *o = v->p;
    if (o == q)
        return;
    assert(o->curr != v);
    set_rs(v, v->rs, ev_now(v->h->loop));
    o->runq_adj_ns += v->rs_ns[HV_RS_RUNNABLE];
    q->runq_adj_ns -= v->rs_ns[HV_RS_RUNNABLE];
    relocate(v, q);
    v->migrations++;
}

/* v, descheduled with a migration asked for (sched_migrate), goes where the
 * policy's pick_cpu says and is woken there (Xen 3.x's vcpu_migrate after
 * context_saved, Xen 4.17's sched_unit_migrate_finish). A paused vCPU (a
 * parked one) or a blocked one moves too but is not woken, as
 * vcpu_migrate's wake does nothing for it: it is woken there when unpaused
 * or unblocked. A wake from a block that came while v was migrating
 * (wake_deferred) is done here, as Xen's vcpu_wake waits for the
 * _VPF_migrating flag to clear. */
static void finish_migrate(struct hv_vcpu *v)
{
    struct hv *h = v->h;
    v->migrating = false;
    bool woken = v->wake_deferred;
    v->wake_deferred = false;
    int c = sched_op_pick_cpu(h->ops, h->spriv, &v->sv);
    if (c < 0 || c >= h->np || !sched_may_run(&h->core, &v->sv, c)) {
        fail(h, -SIM_ESTATE, "scheduler %s broke its contract: pick_cpu chose pCPU %d for "
             "%s.%d", h->ops->opt_name, c, dom_name(h, v), v->sv.vcpu);
        c = v->p->idx;
    }
    move_vcpu(v, &h->pcpus[c]);
    if (v->pause || v->blocked)
        return;
    sim_time_t woke_at = v->woke_at;
    make_runnable(v, woken);
    if (woken)
        v->woke_at = woke_at;       /* sched_latency from the wake itself */
}

/* The end of p's switch away from a vCPU asked to migrate: move it. */
static void context_saved_fn(void *arg)
{
    struct hv_pcpu *p = arg;
    struct hv_vcpu *v = p->migrant;
    p->saved_ev = EV_NONE;
    p->migrant = NULL;
    if (v && v->migrating)
        finish_migrate(v);
}

/* Whether v is running: current on its pCPU. Xen keeps is_running set
 * until the switch away has saved the context; here a pCPU that schedules
 * at the same instant as the switch away from v may take v (see
 * docs/hypervisor.md, "Migration"), so that pCPUs whose slices end
 * together, as they do in a model without interrupt jitter, still share
 * work. */
static bool is_running(const struct hv_vcpu *v)
{
    return v->p->curr == v;
}

static void enter_scheduler(struct hv_pcpu *p)
{
    struct hv *h = p->h;
    sim_time_t t = ev_now(h->loop);
    if (p->softirq_ev != EV_NONE) {
        /* This run does what the pending softirq would have done. */
        ev_cancel(h->loop, p->softirq_ev);
        p->softirq_ev = EV_NONE;
    }
    if (t < p->st_end) {
        /* Hypervisor work is under way: the schedule follows it. */
        raise_softirq(p);
        return;
    }
    sim_time_t now = clk_now(p->clk);
    clk_timer_cancel(&p->s_timer);
    pcpu_sync(p, t);
    if (p->done_ev != EV_NONE) {
        ev_cancel(h->loop, p->done_ev);
        p->done_ev = EV_NONE;
    }
    struct hv_vcpu *prev = p->curr;
    p->schedules++;

    h->scheduling = p;
    struct sched_slice sl = h->ops->do_schedule(h->spriv, p->idx, now);
    h->scheduling = NULL;
    struct hv_vcpu *next = NULL, *chosen = h->chosen;
    h->chosen = NULL;
    if (chosen)
        chosen->migrating = true;
    if (sl.next && is_ours(h, sl.next))
        next = VCPU_OF(sl.next);
    /* A vCPU asked to migrate runs until it is switched away, as Xen 4.17's
     * schedule() runs the unit its policy returns although _VPF_migrating
     * is set. */
    if (!next || next->p != p || sl.slice <= 0
        || (!next->sv.is_idle && !next->sv.runnable
            && !(next->migrating && !next->blocked && !next->pause))) {
        fail(h, -SIM_ESTATE, "scheduler %s broke its contract on pCPU %d: %s",
             h->ops->opt_name,  p->idx,
             !next ? "do_schedule returned no vCPU of this host"
             : next->p != p ? "do_schedule returned a vCPU of another pCPU"
             : sl.slice <= 0 ? "do_schedule returned a slice <= 0"
                             : "do_schedule returned a blocked vCPU");
        /* Keep the state consistent until the loop stops. */
        next = p->idle;
        sl.slice = HV_TICK;
    }
    /* A vCPU asked to migrate from do_schedule and not returned runs
     * nowhere: it moves at once (Xen's sched_unit_migrate_finish of a unit
     * that is not running). */
    if (chosen && chosen != next)
        finish_migrate(chosen);
    /* Hard affinity holds on every dispatch, whatever the policy did. */
    assert(next->sv.is_idle || sched_may_run(&h->core, &next->sv, p->idx));
    next->sv.lastschd = now;
    int rc = clk_timer_set(&p->s_timer, sat_add(now, sl.slice));
    if (rc < 0)
        fail(h, rc, "pCPU %d: cannot arm the slice timer (%s)", p->idx, sim_strerror(rc));

    if (next == prev) {
        if (!next->sv.is_idle)
            arm_done(p, next, t > p->ref_end ? t : p->ref_end);
        if (h->obs)
            observe(h, p, next, HV_OBS_RESCHED);
        return;
    }

    if (!prev->sv.is_idle && (prev->sv.runnable || (prev->migrating && !prev->blocked))) {
        set_rs(prev, HV_RS_RUNNABLE, t);
        prev->preemptions++;
    } else if (!prev->sv.is_idle && prev->pause) {
        set_rs(prev, HV_RS_OFFLINE, t);
    }
    sim_time_t refill = 0;
    if (!next->sv.is_idle) {
        set_rs(next, HV_RS_RUNNING, t);
        next->dispatches++;
        if (next->wake_pending) {
            next->wake_pending = false;
            rc = st_rec_add(h->doms[next->sv.domain].lat, t - next->woke_at);
            if (rc < 0)
                fail(h, rc, "sched_latency: %s", sim_strerror(rc));
        }
        if (next->sv.domain != p->last_dom)
            refill = p->refill_cost;
        if (next->last_pcpu >= 0 && next->last_pcpu != p->idx)
            refill = sat_add(refill, h->migrate_ns);
        next->last_pcpu = p->idx;
        p->last_dom = next->sv.domain;
    }
    p->switches++;
    p->curr = next;
    p->disp_t = t;
    p->sw_end = sat_add(t, p->sw_cost);
    p->ref_end = sat_add(p->sw_end, refill);
    if (!next->sv.is_idle) {
        /* Xen 2.0 sends VIRQ_TIMER to every domain it switches to. The
         * guest's code is entered when the switch and refill are over:
         * that entry is an event of its own, where a pending upcall is
         * taken before the interrupted work resumes. */
        if (!next->in_upcall && !next->entering) {
            next->entering = true;
            next->saved = next->remaining;
            next->remaining = 0;
            rc = ev_at(h->loop, p->ref_end, done_fn, p, &p->done_ev);
            if (rc < 0) {
                p->done_ev = EV_NONE;
                fail(h, rc, "pCPU %d: cannot queue a guest entry (%s)", p->idx,
                     sim_strerror(rc));
            }
        } else {
            arm_done(p, next, p->ref_end);
        }
        if (next->sv.vcpu == 0)
            send_timer_virq(h, next->sv.domain);
    }
    /* A softirq the policy raised on this pCPU from do_schedule waits for
     * the switch, like any other. */
    if (p->softirq_ev != EV_NONE && p->sw_end > t)
        ev_move(h->loop, p->softirq_ev, p->sw_end);
    if (h->obs)
        observe(h, p, next, HV_OBS_SWITCH);
    /* Xen 3.x moves a vCPU asked to migrate in context_saved, once the
     * switch away from it is over. */
    if (prev->migrating) {
        if (p->saved_ev != EV_NONE) {
            ev_cancel(h->loop, p->saved_ev);
            context_saved_fn(p);
        }
        p->migrant = prev;
        rc = ev_at(h->loop, p->sw_end, context_saved_fn, p, &p->saved_ev);
        if (rc < 0) {
            p->saved_ev = EV_NONE;
            fail(h, rc, "pCPU %d: cannot queue a migration (%s)", p->idx, sim_strerror(rc));
        }
    }
}

static bool upcall_due(const struct hv_vcpu *v);

/*
 * v (current on p) blocks: SCHEDOP_block, as Xen 2.0's do_block and
 * __enter_scheduler ran it. The scheduler is entered in any case. With an
 * event already pending the block is cancelled there and v stays runnable:
 * do_schedule requeues it like any preempted vCPU (at the tail of RR's and
 * BVT's queues) and may switch away; its workload is asked again, after
 * the upcall, when it next runs. Otherwise v is blocked and the policy's
 * do_block hook (if any) runs before do_schedule. The sleep hook is not
 * called: Xen 2.0 reached it only from the pause paths.
 */
static void do_block(struct hv_pcpu *p, struct hv_vcpu *v)
{
    struct hv *h = p->h;
    v->remaining = 0;
    if (!upcall_due(v)) {
        v->blocked = true;
        v->sv.runnable = false;
        set_rs(v, v->pause ? HV_RS_OFFLINE : HV_RS_BLOCKED, ev_now(h->loop));
        v->blocks++;
        sched_op_do_block(h->ops, h->spriv, &v->sv);
    }
    enter_scheduler(p);
}

/* Whether v has an upcall pending (events of ports bound to it) and is
 * not in its handler already. */
static bool upcall_due(const struct hv_vcpu *v)
{
    return !v->sv.is_idle && !v->in_upcall && (*v->upcall_word & v->upcall_bit);
}

/*
 * The guest's upcall handler, entered when v (about to run guest code) has
 * its upcall pending: it takes every pending port at once (each an
 * evtchn_latency sample: raised to taken), then spends costs.upcall of CPU
 * before the interrupted operation (v->remaining) resumes. Ports raised
 * meanwhile make the upcall pending again, for another round. True if an
 * upcall COMPUTE now stands in v->remaining.
 */
static void kernel_end(struct hv_vcpu *v)
{
    struct hv *h = v->h;
    const struct hv_kernel *k = h->doms[v->sv.domain].kern;
    int rc = k ? k->end(k->ctx, v->sv.domain, v->sv.vcpu) : 0;
    if (rc < 0)
        fail(h, rc, "domain '%s': its kernel's upcall handler failed (%s)", dom_name(h, v),
             sim_strerror(rc));
}

static bool upcall_take(struct hv_vcpu *v);

/* Asked before every operation of every vCPU: the common "nothing
 * pending" answer stays out of upcall_take's large frame. */
static inline bool upcall_begin(struct hv_vcpu *v)
{
    return upcall_due(v) && upcall_take(v);
}

/* upcall_begin with the upcall due. */
static __attribute__((noinline)) bool upcall_take(struct hv_vcpu *v)
{
    struct hv *h = v->h;
    struct hv_dom *d = &h->doms[v->sv.domain];
    struct evtchn_fired fired[32];
    int n;
    do {
        n = evtchn_consume(h->ev, v->sv.domain, v->sv.vcpu, ev_now(h->loop), fired, 32);
        for (int i = 0; i < n; i++) {
            int rc = st_rec_add(d->evlat, fired[i].latency_ns);
            if (rc < 0)
                fail(h, rc, "evtchn_latency: %s", sim_strerror(rc));
        }
    } while (n == 32);
    if (n < 0)
        fail(h, n, "domain '%s': event upcall failed (%s)", dom_name(h, v), sim_strerror(n));
    v->upcalls++;
    sim_time_t cost = h->upcall_ns;
    const struct hv_kernel *k = d->kern;
    if (k) {
        int64_t extra = k->begin(k->ctx, v->sv.domain, v->sv.vcpu);
        if (extra < 0)
            fail(h, (int)extra, "domain '%s': its kernel's upcall handler failed (%s)",
                 dom_name(h, v), sim_strerror((int)extra));
        else
            cost += extra;
    }
    if (cost <= 0) {
        kernel_end(v);
        return false;
    }
    v->saved = v->remaining;
    v->remaining = cost;
    v->in_upcall = true;
    return true;
}

static void run_ops(struct hv_pcpu *p, struct hv_vcpu *v);

/* A vCPU that would block or sleep while hypervisor work it started (a
 * transmit hypercall) runs on its pCPU blocks after it: its workload is
 * asked again when the work is done. True if so. */
static bool hv_work_wait(struct hv_pcpu *p, struct hv_vcpu *v)
{
    sim_time_t t = ev_now(p->h->loop);
    if (t >= p->st_end)
        return false;
    v->remaining = 0;
    arm_done(p, v, t);
    return true;
}

/* v, current on p, goes on with v->remaining (the workload's next
 * operation if 0), after an upcall if one is due. */
static void resume(struct hv_pcpu *p, struct hv_vcpu *v)
{
    if (v->remaining == 0) {
        run_ops(p, v);
        return;
    }
    upcall_begin(v);
    sim_time_t t = ev_now(p->h->loop);
    arm_done(p, v, t > p->ref_end ? t : p->ref_end);
}

/* An event for v while it runs guest code: the upcall interrupts it at
 * once. (While it is being dispatched, or the core is asking its workload,
 * the upcall waits for the guest entry or the next operation.) */
static void upcall_now(struct hv_vcpu *v)
{
    struct hv_pcpu *p = v->p;
    if (p->curr != v || v->entering || v->in_ops || v->remaining == 0 || !upcall_due(v))
        return;
    /* During hypervisor work the upcall waits for its end (hv_work_fn). */
    if (ev_now(p->h->loop) < p->st_end)
        return;
    pcpu_sync(p, ev_now(p->h->loop));
    if (p->done_ev != EV_NONE) {
        ev_cancel(p->h->loop, p->done_ev);
        p->done_ev = EV_NONE;
    }
    if (v->remaining == 0) {
        /* Its operation ended this very instant: the completion, withdrawn
         * above, would have asked for the next one. */
        run_ops(p, v);
        return;
    }
    resume(p, v);
}

/* curr's operation is over: run its workload until it computes, yields or
 * blocks. A pending upcall comes first; a block or sleep with one pending
 * still enters the scheduler (do_block), and the workload is asked again
 * when the vCPU next runs. */
static void run_ops(struct hv_pcpu *p, struct hv_vcpu *v)
{
    struct hv *h = p->h;
    for (int i = 0; i < HV_MAX_INSTANT_OPS; i++) {
        if (upcall_begin(v)) {
            arm_done(p, v, ev_now(h->loop));
            return;
        }
        sim_time_t now = clk_now(p->clk);
        struct wl_op op;
        v->in_ops = true;
        int rc = wl_next(v->wl, now, &op);
        v->in_ops = false;
        if (rc == 0 && h->op_obs)
            h->op_obs(h->op_obs_ctx, ev_now(h->loop), v->sv.domain, v->sv.vcpu, now, &op);
        if (rc < 0) {
            fail(h, rc, "domain '%s' vCPU %d: workload failed (%s)", dom_name(h, v),
                 v->sv.vcpu, sim_strerror(rc));
            return;
        }
        switch (op.kind) {
        case WL_OP_COMPUTE:
            if (op.ns <= 0)
                continue;
            v->remaining = op.ns;
            arm_done(p, v, ev_now(h->loop));
            return;
        case WL_OP_YIELD:
            v->yields++;
            v->remaining = 0;
            sched_op_yield(h->ops, h->spriv, &v->sv);
            enter_scheduler(p);
            return;
        case WL_OP_SLEEP:
            /* set_timer_op then SCHEDOP_block: the timer stays armed even
             * if an event pending cancels the block. */
            if (op.ns <= now)
                continue;
            if (hv_work_wait(p, v))
                return;
            /* set_timer_op puts the timer on the pCPU it runs on (Xen
             * 4.17's do_set_timer_op: migrate_timer), where a move while
             * it was armed left it behind. */
            if (v->sleep_timer.cpu != p->clk)
                clk_timer_init(&v->sleep_timer, p->clk, sleep_timer_fn, v);
            rc = clk_timer_set(&v->sleep_timer, op.ns);
            if (rc < 0) {
                fail(h, rc, "domain '%s' vCPU %d: cannot arm its sleep timer (%s)",
                     dom_name(h, v), v->sv.vcpu, sim_strerror(rc));
                return;
            }
            do_block(p, v);
            return;
        case WL_OP_BLOCK:
            if (hv_work_wait(p, v))
                return;
            do_block(p, v);
            return;
        }
        fail(h, -SIM_EINVAL, "domain '%s' vCPU %d: workload returned an unknown operation",
             dom_name(h, v), v->sv.vcpu);
        return;
    }
    fail(h, -SIM_ESTATE, "domain '%s' vCPU %d: workload issued %d operations without "
         "taking any time", dom_name(h, v), v->sv.vcpu, HV_MAX_INSTANT_OPS);
}

static void done_fn(void *arg)
{
    struct hv_pcpu *p = arg;
    p->done_ev = EV_NONE;
    struct hv_vcpu *v = p->curr;
    pcpu_sync(p, ev_now(p->h->loop));
    if (v->in_upcall)
        kernel_end(v);
    if (v->in_upcall || v->entering) {
        v->in_upcall = v->entering = false;
        v->remaining = v->saved;
    } else {
        v->remaining = 0;
    }
    resume(p, v);
}

/* v, neither blocked nor paused now, becomes runnable: Xen 2.0's
 * domain_wake, whose wake hook decides on preemption. Only a wake from a
 * block starts a sched_latency sample (an unpause is not a wakeup). */
static void make_runnable(struct hv_vcpu *v, bool from_block)
{
    struct hv *h = v->h;
    sim_time_t t = ev_now(h->loop);
    enum hv_runstate was = v->rs;
    v->sv.runnable = true;
    set_rs(v, HV_RS_RUNNABLE, t);
    v->wake_pending = from_block;
    v->woke_at = t;
    sched_op_wake(h->ops, h->spriv, &v->sv);
    if (h->obs)
        observe_rs(h, v->p, v, HV_OBS_WAKE, was);
}

/* An event for a blocked v (domain_unblock): it wakes, unless it is also
 * paused, in which case it becomes runnable only when unpaused. */
static void wake(struct hv_vcpu *v)
{
    if (!v->blocked)
        return;
    clk_timer_cancel(&v->sleep_timer);
    v->blocked = false;
    v->wakeups++;
    v->remaining = 0;
    if (v->migrating) {
        /* Still being switched away for a migration: woken where the
         * migration puts it (finish_migrate). */
        v->wake_deferred = true;
        v->woke_at = ev_now(v->h->loop);
        return;
    }
    if (!v->pause)
        make_runnable(v, true);
}

/* The domain builder's unpause (domain_unpause_by_systemcontroller): a
 * vCPU that is not blocked goes through wake. A domain's first unpause
 * is its admission to the scheduler. */
static void unpause_vcpu(struct hv_vcpu *v, unsigned why)
{
    if (!(v->pause & why))
        return;
    v->pause &= ~why;
    /* A vCPU still being switched away for a migration is woken where the
     * migration puts it (finish_migrate). */
    if (v->pause || v->migrating)
        return;
    if (v->blocked)
        set_rs(v, HV_RS_BLOCKED, ev_now(v->h->loop));
    else
        make_runnable(v, false);
}

/* domain_pause_by_systemcontroller: a runnable vCPU stops being runnable
 * and the policy's sleep hook runs (domain_sleep). A running vCPU is
 * descheduled at once (Xen's pause waited for that synchronously). */
static void pause_vcpu(struct hv_vcpu *v, unsigned why)
{
    struct hv *h = v->h;
    bool was = v->pause != 0;
    v->pause |= why;
    if (was)
        return;
    if (v->p->curr == v) {
        v->sv.runnable = false;
        sched_op_sleep(h->ops, h->spriv, &v->sv);
        raise_softirq(v->p);
        return;
    }
    bool was_runnable = v->sv.runnable;
    if (v->sv.runnable) {
        v->sv.runnable = false;
        v->wake_pending = false;
        sched_op_sleep(h->ops, h->spriv, &v->sv);
    }
    set_rs(v, HV_RS_OFFLINE, ev_now(h->loop));
    if (was_runnable && h->obs)
        observe_rs(h, v->p, v, HV_OBS_SLEEP, HV_RS_RUNNABLE);
}

static void unpause_fn(void *arg)
{
    struct hv_dom *d = arg;
    struct hv *h = d->h;
    h->unpause_ev[d - h->doms] = EV_NONE;
    for (int k = 0; k < d->n; k++)
        unpause_vcpu(&h->vcpus[d->first + k], HV_PAUSE_CTRL);
}

/* The timer of set_timer_op: its expiry ends the sleep of the vCPU that
 * armed it, through VIRQ_TIMER for vCPU 0 (the port's vCPU: the kick
 * wakes it), directly for the others. */
static void sleep_timer_fn(void *arg)
{
    struct hv_vcpu *v = arg;
    if (v->sv.vcpu == 0)
        send_timer_virq(v->h, v->sv.domain);
    wake(v);
}

/* An event channel's kick: the port's notify vCPU is woken if blocked, or
 * interrupted by the upcall if running. */
static void kick_fn(void *ctx, int dom, int vcpu)
{
    struct hv *h = ctx;
    struct hv_vcpu *v = &h->vcpus[h->doms[dom].first + vcpu];
    if (!h->started)
        return;
    if (v->blocked)
        wake(v);
    else
        upcall_now(v);
}

/* --- hypervisor work and guest-kernel hooks ----------------------------- */

/* The head item of p's hypervisor work is done: its effect, the next
 * item's end, and, with the window over, the upcall a kick left pending
 * meanwhile (upcall_now waits for the window). */
static void work_fn(void *arg)
{
    struct hv_pcpu *p = arg;
    p->work_ev = EV_NONE;
    struct hv_work w = p->wq[p->whead];
    p->whead = (p->whead + 1) % p->wcap;
    p->wn--;
    p->hv_works++;
    if (p->wn) {
        int rc = ev_at(p->h->loop, p->wq[p->whead].end, work_fn, p, &p->work_ev);
        if (rc < 0) {
            p->work_ev = EV_NONE;
            fail(p->h, rc, "pCPU %d: cannot queue hypervisor work (%s)", p->idx, sim_strerror(rc));
        }
    }
    w.fn(w.arg);
    if (ev_now(p->h->loop) >= p->st_end && !p->curr->sv.is_idle)
        upcall_now(p->curr);
}

int hv_pcpu_work(struct hv *h, int pcpu, sim_time_t ns, hv_work_fn *fn, void *arg)
{
    if (!h || pcpu < 0 || pcpu >= h->np || ns < 0 || !fn || !h->started)
        return -SIM_EINVAL;
    struct hv_pcpu *p = &h->pcpus[pcpu];
    void *wq = p->wq;
    int grc = tfifo_grow(&wq, sizeof *p->wq, &p->whead, p->wn, &p->wcap, 8);
    if (grc < 0)
        return grc;
    p->wq = wq;
    sim_time_t now = ev_now(h->loop);
    pcpu_sync(p, now);
    if (p->st_end <= now) {
        /* A new window, after any switch and refill under way. */
        p->st_start = p->st_end = now > p->ref_end ? now : p->ref_end;
    }
    p->st_end = sat_add(p->st_end, ns);
    if (p->done_ev != EV_NONE) {
        int rc = ev_move(h->loop, p->done_ev, sat_add(ev_time_of(h->loop, p->done_ev), ns));
        if (rc < 0)
            return rc;
    }
    p->wq[(p->whead + p->wn) % p->wcap] = (struct hv_work){ p->st_end, fn, arg };
    p->wn++;
    if (p->work_ev == EV_NONE) {
        int rc = ev_at(h->loop, p->wq[p->whead].end, work_fn, p, &p->work_ev);
        if (rc < 0) {
            p->work_ev = EV_NONE;
            p->wn--;
            return rc;
        }
    }
    return 0;
}

int hv_set_kernel(struct hv *h, int dom, const struct hv_kernel *k)
{
    if (!h || dom < 0 || dom >= h->nd || (k && (!k->begin || !k->end)))
        return -SIM_EINVAL;
    h->doms[dom].kern = k;
    return 0;
}

/* --- services for policies (schedulers/sched.h) ----------------------- */

sim_time_t sched_now(struct sched_core *core, int pcpu)
{
    if (core->h->booting)
        return HV_BOOT_NOW;
    return clk_now(core->h->pcpus[pcpu].clk);
}

int sched_npcpus(const struct sched_core *core)
{
    return core->h->np;
}

const struct topo *sched_topology(const struct sched_core *core)
{
    return &core->h->s->machine.topology.t;
}

bool sched_running(const struct sched_core *core, const struct sched_vcpu *v)
{
    return is_ours(core->h, v) && is_running(VCPU_OF(v));
}

bool sched_may_run(const struct sched_core *core, const struct sched_vcpu *v, int pcpu)
{
    if (pcpu < 0 || pcpu >= core->h->np)
        return false;
    return v->is_idle ? pcpu == v->processor : scn_dom_may_run(v->dom, pcpu);
}

bool sched_prefers(const struct sched_core *core, const struct sched_vcpu *v, int pcpu)
{
    if (pcpu < 0 || pcpu >= core->h->np)
        return false;
    return v->is_idle ? pcpu == v->processor : scn_dom_prefers(v->dom, pcpu);
}

int sched_move(struct sched_core *core, struct sched_vcpu *sv, int pcpu)
{
    struct hv *h = core->h;
    if (!is_ours(h, sv) || sv->is_idle || !sched_may_run(core, sv, pcpu))
        return -SIM_EINVAL;
    struct hv_vcpu *v = VCPU_OF(sv);
    if (is_running(v) || v->migrating)
        return -SIM_ESTATE;
    move_vcpu(v, &h->pcpus[pcpu]);
    return 0;
}

int sched_park(struct sched_core *core, struct sched_vcpu *sv)
{
    if (!is_ours(core->h, sv) || sv->is_idle)
        return -SIM_EINVAL;
    pause_vcpu(VCPU_OF(sv), HV_PAUSE_PARK);
    return 0;
}

int sched_unpark(struct sched_core *core, struct sched_vcpu *sv)
{
    if (!is_ours(core->h, sv) || sv->is_idle)
        return -SIM_EINVAL;
    unpause_vcpu(VCPU_OF(sv), HV_PAUSE_PARK);
    return 0;
}

int sched_place(struct sched_core *core, struct sched_vcpu *sv, int pcpu)
{
    struct hv *h = core->h;
    if (!is_ours(h, sv) || sv->is_idle || !sched_may_run(core, sv, pcpu))
        return -SIM_EINVAL;
    struct hv_vcpu *v = VCPU_OF(sv);
    if (v->inserted)
        return -SIM_ESTATE;
    relocate(v, &h->pcpus[pcpu]);
    return 0;
}

int sched_migrate(struct sched_core *core, struct sched_vcpu *sv)
{
    struct hv *h = core->h;
    if (!is_ours(h, sv) || sv->is_idle || !h->ops->pick_cpu)
        return -SIM_EINVAL;
    struct hv_vcpu *v = VCPU_OF(sv);
    if (v->migrating || v == h->chosen)
        return -SIM_ESTATE;
    if (!is_running(v)) {
        /* From do_schedule, a vCPU it may be about to return. */
        if (!h->scheduling || h->chosen || !sv->runnable)
            return -SIM_ESTATE;
        h->chosen = v;
    } else {
        v->migrating = true;
    }
    sv->runnable = false;
    /* A blocked running vCPU is being switched away by the schedule
     * under way. */
    if (!v->blocked)
        raise_softirq(v->p);
    return 0;
}

struct sched_vcpu *sched_curr(struct sched_core *core, int pcpu)
{
    return &core->h->pcpus[pcpu].curr->sv;
}

struct sched_vcpu *sched_idle(struct sched_core *core, int pcpu)
{
    return &core->h->pcpus[pcpu].idle->sv;
}

void sched_tickle(struct sched_core *core, int pcpu)
{
    raise_softirq(&core->h->pcpus[pcpu]);
}

void sched_trace(struct sched_core *core, int pcpu, uint32_t event, unsigned n,
                 const uint32_t *d)
{
    struct hv *h = core->h;
    if (!h->obs || pcpu < 0 || pcpu >= h->np || n > SCHED_TRACE_MAX)
        return;
    struct hv_obs o = { .t = ev_now(h->loop), .pcpu = pcpu, .dom = -1, .vcpu = pcpu,
                        .kind = HV_OBS_POLICY, .event = event, .nd = n };
    for (unsigned i = 0; i < n; i++)
        o.d[i] = d[i];
    h->obs(h->obs_ctx, &o);
}

void sched_timer_earlier(struct sched_core *core, int pcpu, sim_time_t expires)
{
    struct hv_pcpu *p = &core->h->pcpus[pcpu];
    if (clk_timer_pending(&p->s_timer) && p->s_timer.expires <= expires)
        return;
    int rc = clk_timer_set(&p->s_timer, expires);
    if (rc < 0)
        fail(p->h, rc, "pCPU %d: cannot move the slice timer (%s)", pcpu, sim_strerror(rc));
}

void sched_timer_init(struct sched_core *core, struct sched_timer *t, int pcpu,
                      void (*fn)(void *arg), void *arg)
{
    clk_timer_init(&t->ct, core->h->pcpus[pcpu].clk, fn, arg);
}

/* A policy timer that cannot be queued (out of memory) stays unarmed: the
 * interface has no way to report it, and the run is failing anyway. */
void sched_timer_set(struct sched_timer *t, sim_time_t expires)
{
    (void)clk_timer_set(&t->ct, expires);
}

void sched_timer_cancel(struct sched_timer *t)
{
    clk_timer_cancel(&t->ct);
}

/* --- construction --------------------------------------------------- */

/* Where a refused parameter was written: the policy's block of the domain if
 * it has one, else the domain. */
static const struct scn_loc *param_loc(const struct hv *h, const struct scn_domain *d)
{
    const char *n = h->ops->opt_name ? h->ops->opt_name : "";
    if (!strcmp(n, "bvt") && d->bvt.set)
        return &d->bvt.loc;
    if (!strcmp(n, "atropos") && d->atropos.set)
        return &d->atropos.loc;
    return &d->loc;
}

void hv_free(struct hv *h)
{
    if (!h)
        return;
    /* Taking the host apart is not something to observe (the policy's
     * remove hooks may write records), and the observer may be gone. */
    h->obs = NULL;
    h->op_obs = NULL;
    if (h->unpause_ev)
        for (int d = 0; d < h->nd; d++)
            if (h->unpause_ev[d] != EV_NONE)
                ev_cancel(h->loop, h->unpause_ev[d]);
    if (h->pcpus) {
        for (int i = 0; i < h->np; i++) {
            struct hv_pcpu *p = &h->pcpus[i];
            if (p->softirq_ev != EV_NONE)
                ev_cancel(h->loop, p->softirq_ev);
            if (p->done_ev != EV_NONE)
                ev_cancel(h->loop, p->done_ev);
            if (p->work_ev != EV_NONE)
                ev_cancel(h->loop, p->work_ev);
            free(p->wq);
            if (p->clk) {
                clk_timer_cancel(&p->s_timer);
                clk_timer_cancel(&p->t_timer);
                clk_timer_cancel(&p->fallback);
            }
        }
    }
    if (h->vcpus) {
        for (int i = 0; i < h->nv; i++) {
            struct hv_vcpu *v = &h->vcpus[i];
            if (v->sleep_timer.cpu)
                clk_timer_cancel(&v->sleep_timer);
        }
        /* The policy goes before the clocks: it cancels its own timers. */
        for (int i = h->nv - 1; i >= 0; i--) {
            struct hv_vcpu *v = &h->vcpus[i];
            if (v->inserted)
                sched_op_remove(h->ops, h->spriv, &v->sv);
            if (v->vdata)
                sched_op_free_vdata(h->ops, h->spriv, &v->sv);
            wl_free(v->wl);
        }
    }
    if (h->sched_inited)
        sched_op_deinit(h->ops, h->spriv);
    if (h->pcpus)
        for (int i = 0; i < h->np; i++)
            clk_cpu_free(h->pcpus[i].clk);
    if (h->doms) {
        for (int d = 0; d < h->nd; d++) {
            st_rec_free(h->doms[d].lat);
            st_rec_free(h->doms[d].evlat);
        }
    }
    evtchn_free(h->ev);
    free(h->unpause_ev);
    free(h->doms);
    free(h->vcpus);
    free(h->pcpus);
    free(h);
}

static int build_pcpus(struct hv *h, char *err, size_t errlen)
{
    const struct scn_machine *m = &h->s->machine;
    sim_time_t sw = unit_cost_ns(&m->costs.context_switch, m->clock.tsc_hz);
    sim_time_t refill = unit_cost_ns(&m->costs.cache_refill, m->clock.tsc_hz);
    for (int i = 0; i < h->np; i++) {
        struct hv_pcpu *p = &h->pcpus[i];
        p->h = h;
        p->idx = i;
        p->last_dom = -1;
        p->sw_cost = sw;
        p->refill_cost = refill;
        struct clk_params cp = clk_params_default();
        cp.tsc_hz = m->clock.tsc_hz;
        cp.tsc_ppb = m->clock.tsc_ppb ? m->clock.tsc_ppb[i] : 0;
        cp.tsc_offset = m->clock.tsc_offset ? (uint64_t)m->clock.tsc_offset[i]
                                            : clk_default_tsc_offset(m->clock.tsc_hz);
        cp.timer_slop = m->clock.timer_slop;
        cp.apic_hz = m->clock.apic_timer_hz;
        cp.timer_order = m->clock.timer_order;
        cp.slop_rule = m->clock.slop_rule;
        cp.time = m->clock.system_time;
        cp.pit_cpu = i ? h->pcpus[0].clk : NULL;
        p->clk = clk_cpu_new(h->loop, &cp);
        if (!p->clk) {
            sim_errmsg(err, errlen, "pCPU %d: clock parameters refused or out of memory", i);
            return -SIM_EINVAL;
        }
        clk_timer_init(&p->s_timer, p->clk, s_timer_fn, p);
        clk_timer_init(&p->t_timer, p->clk, t_timer_fn, p);
        clk_timer_init(&p->fallback, p->clk, fallback_fn, p);
        struct hv_vcpu *v = &h->vcpus[i];
        v->h = h;
        v->p = p;
        v->sv = (struct sched_vcpu){ .id = i, .domain = -1, .vcpu = 0, .processor = i,
                                     .is_idle = true, .runnable = true };
        v->rs = HV_RS_RUNNING;
        p->idle = v;
        p->curr = v;
    }
    return 0;
}

/* Fewest vCPUs placed so far among the allowed pCPUs, lowest index on ties. */
static int place(const struct hv *h, const struct scn_domain *d)
{
    int best = -1;
    int n = d->ncpus > 0 ? d->ncpus : h->np;
    for (int j = 0; j < n; j++) {
        int c = d->ncpus > 0 ? d->cpus[j] : j;
        if (c < 0 || c >= h->np)
            continue;
        if (best < 0 || h->pcpus[c].nvcpus < h->pcpus[best].nvcpus
            || (h->pcpus[c].nvcpus == h->pcpus[best].nvcpus && c < best))
            best = c;
    }
    return best;
}

static int build_vcpus(struct hv *h, char *err, size_t errlen)
{
    int id = h->np;
    for (int d = 0; d < h->nd; d++) {
        const struct scn_domain *dom = &h->s->domains[d];
        h->doms[d].h = h;
        h->doms[d].first = id;
        h->doms[d].n = dom->vcpus;
        h->doms[d].lat = st_rec_new(HV_LATENCY_EXACT_CAP);
        h->doms[d].evlat = st_rec_new(HV_LATENCY_EXACT_CAP);
        int port;
        if (!h->doms[d].lat || !h->doms[d].evlat
            || evtchn_bind_virq(h->ev, d, EVTCHN_VIRQ_TIMER, &port) < 0) {
            sim_errmsg(err, errlen, "out of memory");
            return -SIM_ENOMEM;
        }
        for (int k = 0; k < dom->vcpus; k++, id++) {
            struct hv_vcpu *v = &h->vcpus[id];
            int c = place(h, dom);
            if (c < 0) {
                sim_errmsg(err, errlen, "domain '%s': no pCPU in its cpus list exists", dom->name);
                return -SIM_EINVAL;
            }
            struct hv_pcpu *p = &h->pcpus[c];
            p->nvcpus++;
            v->h = h;
            v->p = p;
            /* Created paused (Xen's sched_add_domain sets DF_CTRLPAUSE);
             * hv_start schedules the unpause. */
            v->sv = (struct sched_vcpu){ .id = id, .domain = d, .vcpu = k, .processor = c,
                                         .is_idle = false, .runnable = false, .dom = dom };
            v->pause = HV_PAUSE_CTRL;
            v->last_pcpu = -1;
            v->rs = HV_RS_OFFLINE;
            v->upcall_word = evtchn_upcall_word(h->ev, d);
            v->upcall_bit = k < EVTCHN_MAX_VCPUS ? UINT64_C(1) << k : 0;
            clk_timer_init(&v->sleep_timer, p->clk, sleep_timer_fn, v);
        }
    }
    return 0;
}

static int attach_policy(struct hv *h, const struct scn *s, char *err, size_t errlen)
{
    int rc = h->ops->init(&h->core, s, &h->spriv);
    if (rc < 0) {
        sim_errmsg(err, errlen, "scheduler %s: initialisation failed (%s)", h->ops->opt_name,
               sim_strerror(rc));
        return rc;
    }
    h->sched_inited = true;
    /* Idle vCPUs first, one per pCPU, then the domains' in creation order;
     * each is allocated and inserted before the next (Xen 2.0 set up the
     * idle tasks before any domain existed, and before system time began:
     * see HV_BOOT_NOW). Policies keep the idle vCPU as their queue's
     * sentinel or ignore it (v->is_idle). */
    for (int i = 0; i < h->nv; i++) {
        h->booting = i < h->np;
        struct hv_vcpu *v = &h->vcpus[i];
        v->sv.lastschd = clk_now(v->p->clk);
        v->vdata = true;            /* free_vdata accepts a failed alloc */
        rc = h->ops->alloc_vdata(h->spriv, &v->sv);
        if (rc < 0) {
            if (v->sv.is_idle) {
                sim_errmsg(err, errlen, "scheduler %s: refused the idle vCPU of pCPU %d (%s)",
                       h->ops->opt_name, i, sim_strerror(rc));
            } else {
                const struct scn_domain *d = v->sv.dom;
                const struct scn_loc *l = param_loc(h, d);
                sim_errmsg(err, errlen, "%s:%d:%d: domain '%s': the %s scheduler refused its "
                       "parameters (%s)", l->file ? l->file : h->s->file, l->line, l->col,
                       d->name, h->ops->opt_name, sim_strerror(rc));
            }
            return rc;
        }
        h->ops->insert(h->spriv, &v->sv);
        v->inserted = true;
    }
    h->booting = false;
    return 0;
}

struct hv *hv_new(struct ev_loop *loop, const struct scn *s, const struct sched_ops *ops,
                  char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!loop || !s || !ops) {
        sim_errmsg(err, errlen, "hv_new: missing loop, scenario or scheduler");
        return NULL;
    }
    if (!ops->init || !ops->alloc_vdata || !ops->insert || !ops->do_schedule) {
        sim_errmsg(err, errlen, "scheduler %s: a required hook is missing",
               ops->opt_name ? ops->opt_name : "?");
        return NULL;
    }
    if (s->machine.pcpus < 1) {
        sim_errmsg(err, errlen, "the machine has no pCPU");
        return NULL;
    }
    struct hv *h = calloc(1, sizeof *h);
    if (!h) {
        sim_errmsg(err, errlen, "out of memory");
        return NULL;
    }
    h->core.h = h;
    h->loop = loop;
    h->s = s;
    h->ops = ops;
    h->np = s->machine.pcpus;
    h->nd = s->ndomains;
    h->nv = h->np;
    for (int d = 0; d < h->nd; d++)
        h->nv += s->domains[d].vcpus;
    h->pcpus = calloc((size_t)h->np, sizeof *h->pcpus);
    h->vcpus = calloc((size_t)h->nv, sizeof *h->vcpus);
    h->doms = calloc(h->nd > 0 ? (size_t)h->nd : 1, sizeof *h->doms);
    h->unpause_ev = malloc((h->nd > 0 ? (size_t)h->nd : 1) * sizeof *h->unpause_ev);
    /* Every guest kernel binds VIRQ_TIMER at boot; split drivers add
     * their channels (hv_evtchn). */
    h->ev = h->nd > 0 ? evtchn_new(h->nd, EVTCHN_MAX_PORTS, kick_fn, h) : NULL;
    h->upcall_ns = unit_cost_ns(&s->machine.costs.upcall, s->machine.clock.tsc_hz);
    h->migrate_ns = unit_cost_ns(&s->machine.costs.migration, s->machine.clock.tsc_hz);
    if (!h->pcpus || !h->vcpus || !h->doms || !h->unpause_ev || (h->nd > 0 && !h->ev)) {
        sim_errmsg(err, errlen, "out of memory");
        hv_free(h);
        return NULL;
    }
    for (int i = 0; i < h->np; i++)
        h->pcpus[i].softirq_ev = h->pcpus[i].done_ev = h->pcpus[i].work_ev = EV_NONE;
    for (int d = 0; d < h->nd; d++)
        h->unpause_ev[d] = EV_NONE;
    sim_time_t t = ev_now(loop);
    if (build_pcpus(h, err, errlen) < 0 || build_vcpus(h, err, errlen) < 0
        || attach_policy(h, s, err, errlen) < 0) {
        hv_free(h);
        return NULL;
    }
    for (int i = 0; i < h->np; i++)
        h->pcpus[i].disp_t = h->pcpus[i].sw_end = h->pcpus[i].ref_end = h->pcpus[i].acct_t = t;
    for (int i = 0; i < h->nv; i++)
        h->vcpus[i].rs_since = t;
    h->reset_t = t;
    h->synced_t = -1;
    return h;
}

int hv_start(struct hv *h)
{
    if (!h)
        return -SIM_EINVAL;
    if (h->started)
        return -SIM_ESTATE;
    for (int i = h->np; i < h->nv; i++)
        if (!h->vcpus[i].wl)
            return -SIM_ESTATE;     /* every vCPU runs a workload (hv_set_workload) */
    h->started = true;
    hv_stats_reset(h);
    sim_time_t t = ev_now(h->loop);
    /* Xen 2.0's boot: each pCPU but 0 unpauses its own idle domain as it
     * enters its idle loop (startup_cpu_idle_loop), a wake like any other;
     * schedulers_start then has every pCPU schedule and arms the ticks. */
    for (int i = 1; i < h->np; i++)
        sched_op_wake(h->ops, h->spriv, &h->pcpus[i].idle->sv);
    for (int i = 0; i < h->np; i++) {
        struct hv_pcpu *p = &h->pcpus[i];
        int rc = clk_timer_set(&p->t_timer, sat_add(clk_now(p->clk), HV_TICK));
        if (rc == 0)
            rc = clk_timer_set(&p->fallback, sat_add(clk_now(p->clk), HV_FALLBACK));
        if (rc < 0)
            return rc;
        if (p->softirq_ev == EV_NONE) {
            rc = ev_at(h->loop, t, softirq_fn, p, &p->softirq_ev);
            if (rc < 0) {
                p->softirq_ev = EV_NONE;
                return rc;
            }
        }
    }
    /* The domain builder unpauses each domain at its time, after the boot
     * schedule; domains due at the same instant go in creation order, or
     * in reverse (machine.unpause_order), one engine event each so that
     * equal times keep that order. */
    bool rev = h->s->machine.unpause_order == SCN_UNPAUSE_REVERSE;
    for (int k = 0; k < h->nd; k++) {
        int d = rev ? h->nd - 1 - k : k;
        sim_time_t at = h->s->domains[d].unpause;
        int rc = ev_at(h->loop, at > t ? at : t, unpause_fn, &h->doms[d], &h->unpause_ev[d]);
        if (rc < 0) {
            h->unpause_ev[d] = EV_NONE;
            return rc;
        }
    }
    return 0;
}

int hv_status(const struct hv *h)
{
    return h ? h->status : -SIM_EINVAL;
}

const char *hv_status_msg(const struct hv *h)
{
    return h && h->status ? h->msg : "";
}

/* --- queries and statistics ----------------------------------------- */

int hv_npcpus(const struct hv *h)
{
    return h ? h->np : 0;
}

void hv_set_switch_observer(struct hv *h, hv_obs_fn *fn, void *ctx)
{
    if (!h)
        return;
    h->obs = fn;
    h->obs_ctx = fn ? ctx : NULL;
}

int hv_pcpu_now(const struct hv *h, int pcpu, int *dom, int *vcpu, int *runq)
{
    if (!h || pcpu < 0 || pcpu >= h->np)
        return -SIM_EINVAL;
    const struct hv_pcpu *p = &h->pcpus[pcpu];
    if (dom)
        *dom = p->curr->sv.is_idle ? -1 : p->curr->sv.domain;
    if (vcpu)
        *vcpu = p->curr->sv.is_idle ? pcpu : p->curr->sv.vcpu;
    if (runq) {
        int n = 0;
        for (int i = h->np; i < h->nv; i++)
            n += h->vcpus[i].p == p && h->vcpus[i].rs == HV_RS_RUNNABLE;
        *runq = n;
    }
    return 0;
}

const struct clk_cpu *hv_pcpu_clock(const struct hv *h, int pcpu)
{
    return h && pcpu >= 0 && pcpu < h->np ? h->pcpus[pcpu].clk : NULL;
}

int hv_ndomains(const struct hv *h)
{
    return h ? h->nd : 0;
}

int hv_domain_vcpus(const struct hv *h, int dom)
{
    if (!h || dom < 0 || dom >= h->nd)
        return -SIM_EINVAL;
    return h->doms[dom].n;
}

static struct hv_vcpu *find_vcpu(const struct hv *h, int dom, int vcpu)
{
    if (!h || dom < 0 || dom >= h->nd || vcpu < 0 || vcpu >= h->doms[dom].n)
        return NULL;
    return &h->vcpus[h->doms[dom].first + vcpu];
}

int hv_vcpu_pcpu(const struct hv *h, int dom, int vcpu)
{
    struct hv_vcpu *v = find_vcpu(h, dom, vcpu);
    return v ? v->p->idx : -SIM_EINVAL;
}

int hv_vcpu_runstate(const struct hv *h, int dom, int vcpu)
{
    struct hv_vcpu *v = find_vcpu(h, dom, vcpu);
    return v ? (int)v->rs : -SIM_EINVAL;
}

int hv_vcpu_wake(struct hv *h, int dom, int vcpu)
{
    struct hv_vcpu *v = find_vcpu(h, dom, vcpu);
    if (!v || !h->started)
        return -SIM_EINVAL;
    wake(v);
    return 0;
}

int hv_domain_pause(struct hv *h, int dom)
{
    if (!h || dom < 0 || dom >= h->nd || !h->started)
        return -SIM_EINVAL;
    for (int k = 0; k < h->doms[dom].n; k++)
        pause_vcpu(&h->vcpus[h->doms[dom].first + k], HV_PAUSE_CTRL);
    return 0;
}

int hv_domain_unpause(struct hv *h, int dom)
{
    if (!h || dom < 0 || dom >= h->nd || !h->started)
        return -SIM_EINVAL;
    if (h->unpause_ev[dom] != EV_NONE) {
        ev_cancel(h->loop, h->unpause_ev[dom]);
        h->unpause_ev[dom] = EV_NONE;
    }
    for (int k = 0; k < h->doms[dom].n; k++)
        unpause_vcpu(&h->vcpus[h->doms[dom].first + k], HV_PAUSE_CTRL);
    return 0;
}

int hv_set_workload(struct hv *h, int dom, int vcpu, struct wl *w)
{
    struct hv_vcpu *v = find_vcpu(h, dom, vcpu);
    if (!v || !w)
        return -SIM_EINVAL;
    if (h->started)
        return -SIM_ESTATE;
    wl_free(v->wl);
    v->wl = w;
    return 0;
}

struct wl *hv_workload(struct hv *h, int dom, int vcpu)
{
    struct hv_vcpu *v = find_vcpu(h, dom, vcpu);
    return v ? v->wl : NULL;
}

void hv_stats_reset(struct hv *h)
{
    if (!h)
        return;
    hv_stats_sync(h);
    sim_time_t t = ev_now(h->loop);
    for (int i = 0; i < h->np; i++) {
        struct hv_pcpu *p = &h->pcpus[i];
        p->busy_ns = p->idle_ns = p->switch_ns = p->hv_work_ns = p->runq_adj_ns = 0;
        p->switches = p->schedules = p->ticks = p->slice_expiries = p->hv_works = 0;
    }
    for (int i = 0; i < h->nv; i++) {
        struct hv_vcpu *v = &h->vcpus[i];
        memset(v->rs_ns, 0, sizeof v->rs_ns);
        v->cpu_ns = v->refill_ns = v->upcall_cpu_ns = 0;
        v->dispatches = v->wakeups = v->blocks = v->preemptions = v->yields = 0;
        v->upcalls = v->migrations = 0;
        if (v->wl)
            wl_stats_reset(v->wl);
    }
    for (int d = 0; d < h->nd; d++) {
        st_rec_reset(h->doms[d].lat);
        st_rec_reset(h->doms[d].evlat);
    }
    h->reset_t = t;
    h->ev_at_reset = ev_dispatched(h->loop);
}

sim_time_t hv_elapsed(const struct hv *h)
{
    return h ? ev_now(h->loop) - h->reset_t : 0;
}

uint64_t hv_events(const struct hv *h)
{
    return h ? ev_dispatched(h->loop) - h->ev_at_reset : 0;
}

static void vcpu_fill(const struct hv_vcpu *v, struct hv_vcpu_stats *o)
{
    o->pcpu = v->p->idx;
    o->cpu_time_ns = v->cpu_ns;
    o->refill_ns = v->refill_ns;
    o->upcall_ns = v->upcall_cpu_ns;
    memcpy(o->runstate_ns, v->rs_ns, sizeof o->runstate_ns);
    o->dispatches = v->dispatches;
    o->wakeups = v->wakeups;
    o->blocks = v->blocks;
    o->preemptions = v->preemptions;
    o->yields = v->yields;
    o->upcalls = v->upcalls;
    o->migrations = v->migrations;
    o->periods = v->wl ? v->wl->st.periods : 0;
    o->late_periods = v->wl ? v->wl->st.late_periods : 0;
}

int hv_vcpu_stats(struct hv *h, int dom, int vcpu, struct hv_vcpu_stats *out)
{
    struct hv_vcpu *v = find_vcpu(h, dom, vcpu);
    if (!v || !out)
        return -SIM_EINVAL;
    hv_stats_sync(h);
    vcpu_fill(v, out);
    return 0;
}

int hv_dom_stats(struct hv *h, int dom, struct hv_dom_stats *out)
{
    if (!h || dom < 0 || dom >= h->nd || !out)
        return -SIM_EINVAL;
    hv_stats_sync(h);
    *out = (struct hv_dom_stats){ .vcpus = h->doms[dom].n };
    for (int k = 0; k < h->doms[dom].n; k++) {
        struct hv_vcpu_stats vs;
        vcpu_fill(&h->vcpus[h->doms[dom].first + k], &vs);
        out->cpu_time_ns += vs.cpu_time_ns;
        out->refill_ns += vs.refill_ns;
        out->upcall_ns += vs.upcall_ns;
        for (int r = 0; r < HV_RS_COUNT; r++)
            out->runstate_ns[r] += vs.runstate_ns[r];
        out->dispatches += vs.dispatches;
        out->wakeups += vs.wakeups;
        out->blocks += vs.blocks;
        out->preemptions += vs.preemptions;
        out->yields += vs.yields;
        out->upcalls += vs.upcalls;
        out->migrations += vs.migrations;
        out->periods += vs.periods;
        out->late_periods += vs.late_periods;
    }
    out->runnable_wait_ns = out->runstate_ns[HV_RS_RUNNABLE];
    return 0;
}

int hv_pcpu_stats(struct hv *h, int pcpu, struct hv_pcpu_stats *out)
{
    if (!h || pcpu < 0 || pcpu >= h->np || !out)
        return -SIM_EINVAL;
    hv_stats_sync(h);
    const struct hv_pcpu *p = &h->pcpus[pcpu];
    *out = (struct hv_pcpu_stats){
        .nvcpus = p->nvcpus,
        .elapsed_ns = hv_elapsed(h),
        .busy_ns = p->busy_ns,
        .idle_ns = p->idle_ns,
        .switch_ns = p->switch_ns,
        .context_switches = p->switches,
        .schedules = p->schedules,
        .ticks = p->ticks,
        .slice_expiries = p->slice_expiries,
        .hv_work_ns = p->hv_work_ns,
        .hv_works = p->hv_works,
    };
    out->runq_ns = p->runq_adj_ns;
    for (int i = h->np; i < h->nv; i++)
        if (h->vcpus[i].p == p)
            out->runq_ns += h->vcpus[i].rs_ns[HV_RS_RUNNABLE];
    out->runq_len_mean = out->elapsed_ns > 0 ? (double)out->runq_ns / (double)out->elapsed_ns : 0.0;
    return 0;
}

struct st_rec *hv_dom_sched_latency(struct hv *h, int dom)
{
    if (!h || dom < 0 || dom >= h->nd)
        return NULL;
    return h->doms[dom].lat;
}

struct st_rec *hv_dom_evtchn_latency(struct hv *h, int dom)
{
    if (!h || dom < 0 || dom >= h->nd)
        return NULL;
    return h->doms[dom].evlat;
}

int hv_report(struct hv *h, const struct metric_sink *k)
{
    hv_stats_sync(h);
    double w = (double)hv_elapsed(h);
    int np = hv_npcpus(h);
    int rc = 0;
    for (int d = 0; rc == 0 && d < h->nd; d++) {
        struct hv_dom_stats ds;
        if ((rc = hv_dom_stats(h, d, &ds)) < 0)
            return rc;
        const char *m = h->s->domains[d].name;
        metric_scalar(k, &rc, d, m, "cpu_time_ns", (double)ds.cpu_time_ns);
        metric_scalar(k, &rc, d, m, "refill_ns", (double)ds.refill_ns);
        metric_scalar(k, &rc, d, m, "cpu_share", w > 0 ? (double)ds.cpu_time_ns / (w * np) : NAN);
        metric_scalar(k, &rc, d, m, "cpu_util", w > 0 ? (double)ds.cpu_time_ns / w : NAN);
        metric_scalar(k, &rc, d, m, "dispatches", (double)ds.dispatches);
        metric_scalar(k, &rc, d, m, "wakeups", (double)ds.wakeups);
        metric_scalar(k, &rc, d, m, "blocks", (double)ds.blocks);
        metric_scalar(k, &rc, d, m, "preemptions", (double)ds.preemptions);
        metric_scalar(k, &rc, d, m, "migrations", (double)ds.migrations);
        metric_scalar(k, &rc, d, m, "runnable_wait_ns", (double)ds.runnable_wait_ns);
        metric_scalar(k, &rc, d, m, "late_periods", (double)ds.late_periods);
        metric_stat(k, &rc, d, m, "sched_latency", hv_dom_sched_latency(h, d));
        metric_stat(k, &rc, d, m, "evtchn_latency", hv_dom_evtchn_latency(h, d));
    }
    for (int p = 0; rc == 0 && p < np; p++) {
        struct hv_pcpu_stats ps;
        if ((rc = hv_pcpu_stats(h, p, &ps)) < 0)
            return rc;
        char m[32];
        snprintf(m, sizeof m, "pcpu%d", p);
        metric_scalar(k, &rc, METRIC_NO_DOM, m, "busy_ns", (double)ps.busy_ns);
        metric_scalar(k, &rc, METRIC_NO_DOM, m, "idle_ns", (double)ps.idle_ns);
        metric_scalar(k, &rc, METRIC_NO_DOM, m, "switch_ns", (double)ps.switch_ns);
        metric_scalar(k, &rc, METRIC_NO_DOM, m, "context_switches", (double)ps.context_switches);
        metric_scalar(k, &rc, METRIC_NO_DOM, m, "runq_len_mean", ps.runq_len_mean);
    }
    return rc;
}

struct evtchn *hv_evtchn(struct hv *h)
{
    return h ? h->ev : NULL;
}

void hv_set_op_observer(struct hv *h, hv_op_fn *fn, void *ctx)
{
    if (!h)
        return;
    h->op_obs = fn;
    h->op_obs_ctx = fn ? ctx : NULL;
}

static const char *rs_name(enum hv_runstate rs)
{
    static const char *const n[HV_RS_COUNT] = { "running", "runnable", "blocked", "offline" };
    return rs < HV_RS_COUNT ? n[rs] : "?";
}

void hv_dump(struct hv *h, FILE *out)
{
    if (!h || !out)
        return;
    hv_stats_sync(h);
    fprintf(out, "hv at %" PRId64 " ns (window %" PRId64 " ns)\n", ev_now(h->loop), hv_elapsed(h));
    for (int i = 0; i < h->np; i++) {
        struct hv_pcpu *p = &h->pcpus[i];
        fprintf(out, "pCPU %d: NOW %" PRId64 " curr %s/%d busy %" PRId64 " idle %" PRId64
                " switch %" PRId64 " switches %" PRIu64 "\n", i, clk_now(p->clk),
                dom_name(h, p->curr), p->curr->sv.vcpu, p->busy_ns, p->idle_ns, p->switch_ns,
                p->switches);
    }
    for (int i = h->np; i < h->nv; i++) {
        struct hv_vcpu *v = &h->vcpus[i];
        fprintf(out, "  %s/%d on %d: %s, cpu %" PRId64 " remaining %" PRId64 "\n",
                dom_name(h, v), v->sv.vcpu, v->p->idx, rs_name(v->rs), v->cpu_ns, v->remaining);
    }
    sched_op_dump(h->ops, h->spriv, out);
}
