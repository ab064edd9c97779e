/*
 * tests/test_hv.c: the hypervisor core (models/hv.c) and the cpu and
 * periodic workloads, driven by a tiny FIFO policy defined here so that the
 * core is tested on its own, whatever the real policies do.
 *
 * The FIFO policy: one queue per pCPU of runnable vCPUs that are not
 * running; do_schedule puts a still-runnable prev at the tail and runs the
 * head (idle if none) for a fixed slice; wake appends and preempts only the
 * idle vCPU; sleep (reached only by a pause) logs and dequeues. Scenarios name a real scheduler (the loader wants rr, bvt or
 * atropos) but the FIFO ops are passed to hv_new directly.
 *
 * Expected numbers are derived by hand in the comments, usually with a
 * zero or 3 us switch cost and the default 50 us slop, on exact clocks.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/evtchn.h"
#include "models/hv.h"
#include "schedulers/sched.h"
#include "sim/err.h"
#include "sim/ev.h"
#include "sim/scenario.h"
#include "tests/check_util.h"
#include "tests/hv_rig.h"
#include "workloads/wl.h"

#define MS SIM_MSEC
#define US SIM_USEC

/* --- the FIFO test policy ------------------------------------------- */

struct fifo_v {
    struct sched_vcpu *v;
    struct fifo_v *next;
    bool queued;
};

#define FIFO_MAX_PCPUS 16
#define WAKE_LOG_MAX 4096

struct fifo {
    struct sched_core *core;
    struct fifo_v *head[FIFO_MAX_PCPUS];
    struct fifo_v *tail[FIFO_MAX_PCPUS];
};

/* Knobs and observations of the test policy (one test at a time). */
static sim_time_t fifo_slice = 10 * MS;
static const char *fifo_refuse;            /* refuse this domain's parameters */
static bool fifo_bad_slice;                /* return a slice of 0 */
static struct fifo *fifo_last;
static struct { int id; sim_time_t now; } wake_log[WAKE_LOG_MAX], sleep_log[WAKE_LOG_MAX];
static int wake_n, sleep_n;

static void fifo_reset_knobs(void)
{
    fifo_slice = 10 * MS;
    fifo_refuse = NULL;
    fifo_bad_slice = false;
    wake_n = 0;
    sleep_n = 0;
}

static int fifo_init(struct sched_core *core, const struct scn *s, void **priv)
{
    (void)s;
    if (sched_npcpus(core) > FIFO_MAX_PCPUS)
        return -SIM_EINVAL;
    struct fifo *f = calloc(1, sizeof *f);
    if (!f)
        return -SIM_ENOMEM;
    f->core = core;
    fifo_last = f;
    *priv = f;
    return 0;
}

static void fifo_deinit(void *priv)
{
    free(priv);
}

static int fifo_alloc(void *priv, struct sched_vcpu *v)
{
    (void)priv;
    if (fifo_refuse && v->dom && !strcmp(v->dom->name, fifo_refuse))
        return -SIM_EINVAL;
    struct fifo_v *fv = calloc(1, sizeof *fv);
    if (!fv)
        return -SIM_ENOMEM;
    fv->v = v;
    v->priv = fv;
    return 0;
}

static void fifo_free(void *priv, struct sched_vcpu *v)
{
    (void)priv;
    free(v->priv);
    v->priv = NULL;
}

static void enq(struct fifo *f, struct sched_vcpu *v)
{
    struct fifo_v *fv = v->priv;
    ck_assert(!fv->queued);
    int p = v->processor;
    fv->next = NULL;
    fv->queued = true;
    if (f->tail[p])
        f->tail[p]->next = fv;
    else
        f->head[p] = fv;
    f->tail[p] = fv;
}

static struct sched_vcpu *deq(struct fifo *f, int p)
{
    struct fifo_v *fv = f->head[p];
    if (!fv)
        return NULL;
    f->head[p] = fv->next;
    if (!f->head[p])
        f->tail[p] = NULL;
    fv->queued = false;
    return fv->v;
}

static void fifo_insert(void *priv, struct sched_vcpu *v)
{
    if (!v->is_idle && v->runnable)
        enq(priv, v);
}

/* Take v off its pCPU's queue if it is there. */
static void unq(struct fifo *f, struct sched_vcpu *v)
{
    struct fifo_v *fv = v->priv, *prev = NULL;
    int p = v->processor;
    if (!fv->queued)
        return;
    for (struct fifo_v *i = f->head[p]; i != fv; i = i->next)
        prev = i;
    if (prev)
        prev->next = fv->next;
    else
        f->head[p] = fv->next;
    if (f->tail[p] == fv)
        f->tail[p] = prev;
    fv->queued = false;
}

/* Reached only by a pause (hv_domain_pause): logged; a queued vCPU leaves
 * the queue, the running one (never queued) is descheduled by the core. */
static void fifo_sleep(void *priv, struct sched_vcpu *v)
{
    struct fifo *f = priv;
    ck_assert(!v->runnable);
    if (sleep_n < WAKE_LOG_MAX) {
        sleep_log[sleep_n].id = v->id;
        sleep_log[sleep_n].now = sched_now(f->core, v->processor);
        sleep_n++;
    }
    unq(f, v);
}

static void fifo_wake(void *priv, struct sched_vcpu *v)
{
    struct fifo *f = priv;
    ck_assert(v->runnable);
    if (wake_n < WAKE_LOG_MAX) {
        wake_log[wake_n].id = v->id;
        wake_log[wake_n].now = sched_now(f->core, v->processor);
        wake_n++;
    }
    enq(f, v);
    if (sched_curr(f->core, v->processor)->is_idle)
        sched_tickle(f->core, v->processor);
}

static struct sched_slice fifo_do_schedule(void *priv, int pcpu, sim_time_t now)
{
    struct fifo *f = priv;
    ck_assert_int_eq(now, sched_now(f->core, pcpu));
    struct sched_vcpu *prev = sched_curr(f->core, pcpu);
    if (!prev->is_idle && prev->runnable)
        enq(f, prev);
    struct sched_vcpu *next = deq(f, pcpu);
    if (!next)
        next = sched_idle(f->core, pcpu);
    return (struct sched_slice){ next, fifo_bad_slice ? 0 : fifo_slice };
}

static const struct sched_ops fifo_ops = {
    .name = "FIFO (test)",
    .opt_name = "fifo",
    .init = fifo_init,
    .deinit = fifo_deinit,
    .alloc_vdata = fifo_alloc,
    .free_vdata = fifo_free,
    .insert = fifo_insert,
    .sleep = fifo_sleep,
    .wake = fifo_wake,
    .do_schedule = fifo_do_schedule,
};

/* --- helpers ----------------------------------------------------------- */

/* --- conservation ----------------------------------------------------- */

static const char *cons_yaml[] = {
    /* Three hogs on one pCPU. */
    "name: c1\nduration: 1s\n"
    "machine: { pcpus: 1, clock: { tsc_hz: 2GHz }, costs: { upcall: 0, context_switch: 3us } }\n"
    "domains:\n  hog: { count: 3, workload: { type: cpu } }\n",
    /* Mixed workloads on two pCPUs, costs in cycles, cache refill, drifting clocks. */
    "name: c2\nduration: 1s\n"
    "machine:\n  pcpus: 2\n"
    "  clock: { tsc_hz: 2GHz, tsc_ppm: [120, -75], tsc_offset: [12345cycles, 999999cycles] }\n"
    "  costs: { upcall: 0, context_switch: 5000cycles, cache_refill: 40us }\n"
    "domains:\n"
    "  hog: { count: 2, workload: { type: cpu } }\n"
    "  y: { vcpus: 2, workload: { type: cpu, yield_every: 700us } }\n"
    "  p: { count: 3, workload: { type: periodic, period: 7ms, "
    "burst: { dist: exponential, mean: 2ms } } }\n"
    "  quiet: { }\n",
    /* Mostly idle: periodic guests only, four pCPUs, one pinned. */
    "name: c3\nduration: 1s\n"
    "machine:\n  pcpus: 4\n  clock: { timer_slop: 20us, apic_timer_hz: 1MHz }\n"
    "  costs: { upcall: 0, context_switch: 2us, cache_refill: 10us }\n"
    "domains:\n"
    "  p: { count: 5, workload: { type: periodic, period: 3ms, "
    "burst: { dist: uniform, min: 100us, max: 900us } } }\n"
    "  pin: { cpus: [3], vcpus: 2, workload: { type: periodic, period: 1ms, burst: 300us } }\n",
};

START_TEST(test_conservation)
{
    fifo_reset_knobs();
    fifo_slice = 3 * MS + 7;
    struct rig r;
    rig_up(&r, cons_yaml[_i], &fifo_ops);
    /* Read at awkward instants, mid-slice and mid-switch included. */
    const sim_time_t at[] = { 1, 3 * US - 1, 12345678, 100 * MS + 1, 333333333, 500 * MS };
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
        rig_run(&r, at[i]);
        check_conservation(&r);
        check_conservation(&r);   /* reading twice changes nothing */
    }
    hv_stats_reset(r.h);
    check_conservation(&r);
    rig_run(&r, 777777777);
    check_conservation(&r);
    ck_assert_int_eq(hv_elapsed(r.h), 777777777 - 500 * MS);
    rig_down(&r);
}
END_TEST

/* --- costs ----------------------------------------------------------- */

/*
 * Two hogs A and B on one pCPU, 10 ms FIFO slices, 3 us switches, read at
 * 995 ms. Switches at 0 (idle -> A), 10, 20, ..., 990 ms: 100 of them,
 * 300 us of overhead. A runs the slices at 0, 20, ..., 980 (50, each 10 ms
 * - 3 us); B at 10, ..., 970 (49) plus [990 ms + 3 us, 995 ms).
 */
START_TEST(test_switch_cost)
{
    fifo_reset_knobs();
    struct rig r;
    rig_up(&r, "name: sw\nduration: 1s\n"
               "machine: { pcpus: 1, clock: { tsc_hz: 2GHz }, costs: { upcall: 0, context_switch: 3us } }\n"
               "domains:\n  a: { workload: { type: cpu } }\n  b: { workload: { type: cpu } }\n", &fifo_ops);
    rig_run(&r, 995 * MS);
    struct hv_pcpu_stats ps = pstats(&r, 0);
    ck_assert_uint_eq(ps.context_switches, 100);
    ck_assert_int_eq(ps.switch_ns, (int64_t)ps.context_switches * 3000);
    ck_assert_int_eq(ps.idle_ns, 0);
    ck_assert_int_eq(ps.busy_ns, 995 * MS - 300 * US);
    struct hv_dom_stats a = dstats(&r, "a"), b = dstats(&r, "b");
    ck_assert_int_eq(a.cpu_time_ns, 50 * (10 * MS - 3 * US));
    ck_assert_int_eq(b.cpu_time_ns, 49 * (10 * MS - 3 * US) + 5 * MS - 3 * US);
    ck_assert_uint_eq(a.dispatches, 50);
    ck_assert_uint_eq(b.dispatches, 50);
    ck_assert_uint_eq(a.preemptions, 50);
    ck_assert_uint_eq(b.preemptions, 49);
    ck_assert_int_eq(a.refill_ns, 0);
    /* A waits [10, 20), ..., [970, 980) and [990, 995): 49 * 10 + 5 ms. */
    ck_assert_int_eq(a.runnable_wait_ns, 495 * MS);
    ck_assert_int_eq(a.runstate_ns[HV_RS_RUNNING], 500 * MS);
    /* One of A and B always waits: mean queue length 1 (B waits the first 10 ms). */
    ck_assert_int_eq(ps.runq_ns, 995 * MS);
    /* The boot schedule at 0 (idle, nothing admitted yet), the one the
     * admissions raise at 0, then one per slice expiry. */
    ck_assert_uint_eq(ps.schedules, 101);
    ck_assert_uint_eq(ps.slice_expiries, 99);
    ck_assert_uint_eq(ps.ticks, 99);
    check_conservation(&r);
    rig_down(&r);
}
END_TEST

/* A switch cost given in cycles is converted at the nominal TSC rate:
 * 7200 cycles at 2.4 GHz are 3 us. */
START_TEST(test_switch_cost_cycles)
{
    fifo_reset_knobs();
    struct rig r;
    rig_up(&r, "name: cy\nduration: 1s\n"
               "machine: { pcpus: 1, clock: { tsc_hz: 2.4GHz, tsc_ppm: [100] }, "
               "costs: { upcall: 0, context_switch: 7200cycles } }\n"
               "domains:\n  a: { workload: { type: cpu } }\n  b: { workload: { type: cpu } }\n", &fifo_ops);
    /* Read between two switches (they come every 10 ms of NOW(), give or
     * take the slop), so that no switch window is cut by the reading. */
    rig_run(&r, 105 * MS);
    struct hv_pcpu_stats ps = pstats(&r, 0);
    ck_assert_uint_ge(ps.context_switches, 10);
    ck_assert_int_eq(ps.switch_ns, (int64_t)ps.context_switches * 3000);
    rig_down(&r);
}
END_TEST

/*
 * Cache refill is charged only when the incoming vCPU's domain differs from
 * the last domain that ran on the pCPU. Same switching pattern as above with
 * a 100 us refill: every switch between A and B refills; between the two
 * vCPUs of one domain only the very first dispatch (after idle) does.
 */
START_TEST(test_cache_refill)
{
    fifo_reset_knobs();
    struct rig r;
    rig_up(&r, "name: rf\nduration: 1s\n"
               "machine: { pcpus: 1, clock: { tsc_hz: 2GHz }, costs: { upcall: 0, context_switch: 3us, cache_refill: 100us } }\n"
               "domains:\n  a: { workload: { type: cpu } }\n  b: { workload: { type: cpu } }\n", &fifo_ops);
    rig_run(&r, 995 * MS);
    struct hv_dom_stats a = dstats(&r, "a"), b = dstats(&r, "b");
    ck_assert_int_eq(a.refill_ns, 50 * 100 * US);
    ck_assert_int_eq(b.refill_ns, 50 * 100 * US);
    /* Refill is CPU time of the domain: the totals are as without it. */
    ck_assert_int_eq(a.cpu_time_ns, 50 * (10 * MS - 3 * US));
    ck_assert_int_eq(pstats(&r, 0).switch_ns, 100 * 3 * US);
    check_conservation(&r);
    rig_down(&r);

    rig_up(&r, "name: rf2\nduration: 1s\n"
               "machine: { pcpus: 1, clock: { tsc_hz: 2GHz }, costs: { upcall: 0, context_switch: 3us, cache_refill: 100us } }\n"
               "domains:\n  a: { vcpus: 2, workload: { type: cpu } }\n", &fifo_ops);
    rig_run(&r, 995 * MS);
    a = dstats(&r, "a");
    ck_assert_int_eq(a.refill_ns, 100 * US);
    ck_assert_uint_eq(pstats(&r, 0).context_switches, 100);
    ck_assert_int_eq(a.cpu_time_ns, 995 * MS - 300 * US);
    check_conservation(&r);
    rig_down(&r);

    /* A then idle then A again: idle does not count as another domain.
     * Periodic, 1 ms burst every 10 ms, alone: one refill in 100 ms. */
    rig_up(&r, "name: rf3\nduration: 1s\n"
               "machine: { pcpus: 1, clock: { tsc_hz: 2GHz }, costs: { upcall: 0, context_switch: 3us, cache_refill: 100us } }\n"
               "domains:\n  p: { workload: { type: periodic, period: 10ms, burst: 1ms } }\n", &fifo_ops);
    rig_run(&r, 99 * MS);
    struct hv_dom_stats p = dstats(&r, "p");
    ck_assert_int_eq(p.refill_ns, 100 * US);
    ck_assert_uint_eq(p.dispatches, 10);
    /* Dispatches at 0, 10, ..., 90 ms; bursts done at 1.103 ms (after the
     * one refill), then 11.003, ..., 91.003 ms: cpu = 10 ms + refill. */
    ck_assert_uint_eq(p.periods, 10);
    ck_assert_int_eq(p.cpu_time_ns, 10 * MS + 100 * US);
    check_conservation(&r);
    rig_down(&r);
}
END_TEST

/* A hog alone: every slice expiry returns prev again: no switch, no cost,
 * not counted; only the first dispatch (idle -> hog) is a switch. */
START_TEST(test_prev_eq_next)
{
    fifo_reset_knobs();
    struct rig r;
    rig_up(&r, "name: pn\nduration: 1s\n"
               "machine: { pcpus: 1, clock: { tsc_hz: 2GHz }, costs: { upcall: 0, context_switch: 3us, cache_refill: 50us } }\n"
               "domains:\n  a: { workload: { type: cpu } }\n", &fifo_ops);
    rig_run(&r, 995 * MS);
    struct hv_pcpu_stats ps = pstats(&r, 0);
    ck_assert_uint_eq(ps.context_switches, 1);
    ck_assert_uint_eq(ps.schedules, 101);       /* boot, admission, 99 expiries */
    ck_assert_int_eq(ps.switch_ns, 3 * US);
    ck_assert_int_eq(ps.busy_ns, 995 * MS - 3 * US);
    struct hv_dom_stats a = dstats(&r, "a");
    ck_assert_uint_eq(a.dispatches, 1);
    ck_assert_uint_eq(a.preemptions, 0);
    ck_assert_int_eq(a.refill_ns, 50 * US);
    rig_down(&r);
}
END_TEST

/* --- placement ----------------------------------------------------------- */

/*
 * Four pCPUs. a0 -> 0, a1 -> 1, a2 -> 2 (fewest, lowest index); b (cpus
 * [2, 3]): b0 -> 3 (0 placed < 1), b1 -> 2 (tie 1:1, lowest); c (cpus [1])
 * -> 1; d0 -> 0 (counts 1,2,2,1: lowest of the 1s), d1 -> 3.
 */
START_TEST(test_placement)
{
    fifo_reset_knobs();
    struct rig r;
    rig_up(&r, "name: pl\nduration: 1s\nmachine: { pcpus: 4, clock: { tsc_hz: 2GHz }, costs: { upcall: 0, context_switch: 0 } }\n"
               "domains:\n"
               "  a: { vcpus: 3, workload: { type: cpu } }\n"
               "  b: { vcpus: 2, cpus: [2, 3], workload: { type: cpu } }\n"
               "  c: { cpus: [1], workload: { type: cpu } }\n"
               "  d: { vcpus: 2, workload: { type: cpu } }\n", &fifo_ops);
    const int want[][3] = { { 0, 0, 0 }, { 0, 1, 1 }, { 0, 2, 2 }, { 1, 0, 3 }, { 1, 1, 2 },
                            { 2, 0, 1 }, { 3, 0, 0 }, { 3, 1, 3 } };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        ck_assert_int_eq(hv_vcpu_pcpu(r.h, want[i][0], want[i][1]), want[i][2]);
    ck_assert_int_eq(hv_vcpu_pcpu(r.h, 2, 1), -SIM_EINVAL);
    ck_assert_int_eq(hv_vcpu_pcpu(r.h, 4, 0), -SIM_EINVAL);
    for (int p = 0; p < 4; p++)
        ck_assert_int_eq(pstats(&r, p).nvcpus, 2);
    /* Everything runs where it was placed: two hogs share each pCPU. */
    rig_run(&r, 200 * MS);
    for (int d = 0; d < 4; d++)
        for (int k = 0; k < hv_domain_vcpus(r.h, d); k++) {
            struct hv_vcpu_stats vs;
            hv_vcpu_stats(r.h, d, k, &vs);
            ck_assert_int_eq(vs.pcpu, want[d == 0 ? k : d == 1 ? 3 + k : d == 2 ? 5 : 6 + k][2]);
            ck_assert_int_eq(vs.cpu_time_ns, 100 * MS);
        }
    check_conservation(&r);
    rig_down(&r);
}
END_TEST

/* --- timers, wake-ups, workloads ------------------------------------------------ */

/*
 * Two periodic guests on one pCPU with drifting clock: a (10 ms) and
 * b (10.03 ms), 100 us bursts, so never late. Each wake is the modelled
 * timer's: never before deadline - slop (50 us), and late only by the
 * one-shot's error (it counts true time for a NOW() interval: 250 ppm of
 * 10 ms is 2.5 us). b's k-th deadline is 30k us after a's: while that is
 * inside the slop, b fires in a's batch, early.
 */
START_TEST(test_sleep_wakes_through_timer)
{
    fifo_reset_knobs();
    struct rig r;
    rig_up(&r, "name: tm\nduration: 1s\n"
               "machine: { pcpus: 1, clock: { tsc_ppm: [250], tsc_offset: [777cycles], "
               "timer_slop: 50us }, costs: { upcall: 0, context_switch: 1us } }\n"
               "domains:\n"
               "  a: { workload: { type: periodic, period: 10ms, burst: 100us } }\n"
               "  b: { workload: { type: periodic, period: 10030us, burst: 100us } }\n", &fifo_ops);
    rig_run(&r, 195 * MS);
    int seen[2] = { 0, 0 }, early_b = 0;
    /* The first two wakes are the admissions (the unpause at 0, a then b). */
    ck_assert_int_ge(wake_n, 2);
    ck_assert_int_eq(wake_log[0].id, 1);
    ck_assert_int_eq(wake_log[1].id, 2);
    ck_assert_int_eq(wake_log[0].now, 0);
    ck_assert_int_eq(wake_log[1].now, 0);
    for (int i = 2; i < wake_n; i++) {
        int d = wake_log[i].id - 1;   /* idle is id 0, then a, b */
        ck_assert(d == 0 || d == 1);
        sim_time_t period = d == 0 ? 10 * MS : 10030 * US;
        sim_time_t deadline = (sim_time_t)++seen[d] * period;
        ck_assert_int_ge(wake_log[i].now, deadline - 50 * US);
        ck_assert_int_le(wake_log[i].now, deadline + 5 * US);
        if (d == 1 && wake_log[i].now < deadline - 5 * US)
            early_b++;
    }
    ck_assert_int_eq(seen[0], 19);
    ck_assert_int_eq(seen[1], 19);
    ck_assert_int_ge(early_b, 1);
    struct hv_dom_stats a = dstats(&r, "a");
    ck_assert_uint_eq(a.wakeups, 19);
    ck_assert_uint_eq(a.late_periods, 0);
    check_conservation(&r);
    rig_down(&r);
}
END_TEST

/*
 * yield_every 1 ms against a hog, no switch cost, 10 ms slices: y runs 1 ms
 * and yields, the hog runs a 10 ms slice: an 11 ms cycle. In 1100 ms: 100
 * cycles, y gets 100 ms and yields 100 times. Alone, y yields every 1 ms and
 * keeps the pCPU (prev == next).
 */
START_TEST(test_yield_every)
{
    fifo_reset_knobs();
    struct rig r;
    rig_up(&r, "name: y\nduration: 1s\nmachine: { pcpus: 1, clock: { tsc_hz: 2GHz }, costs: { upcall: 0, context_switch: 0 } }\n"
               "domains:\n  y: { workload: { type: cpu, yield_every: 1ms } }\n"
               "  h: { workload: { type: cpu } }\n", &fifo_ops);
    rig_run(&r, 1100 * MS);
    struct hv_dom_stats y = dstats(&r, "y"), h = dstats(&r, "h");
    ck_assert_int_eq(y.cpu_time_ns, 100 * MS);
    ck_assert_int_eq(h.cpu_time_ns, 1000 * MS);
    ck_assert_uint_eq(y.yields, 100);
    ck_assert_uint_eq(y.preemptions, 100);
    ck_assert_uint_eq(h.preemptions, 100);
    ck_assert_uint_eq(y.blocks, 0);
    rig_down(&r);

    /* Alone with 3 us switches: useful time from 3 us; yields at 1.003 ms,
     * 2.003 ms, ..., 99.003 ms before 100 ms. */
    rig_up(&r, "name: y2\nduration: 1s\nmachine: { pcpus: 1, clock: { tsc_hz: 2GHz }, costs: { upcall: 0, context_switch: 3us } }\n"
               "domains:\n  y: { workload: { type: cpu, yield_every: 1ms } }\n", &fifo_ops);
    rig_run(&r, 100 * MS);
    y = dstats(&r, "y");
    ck_assert_uint_eq(y.yields, 99);
    ck_assert_uint_eq(y.preemptions, 0);
    ck_assert_uint_eq(pstats(&r, 0).context_switches, 1);
    ck_assert_int_eq(y.cpu_time_ns, 100 * MS - 3 * US);
    rig_down(&r);
}
END_TEST

/*
 * Late periods, alone, no switch cost. Burst 12 ms per 10 ms: bursts end at
 * 12, 24, ..., 120 ms, each after its period's end: 10 of 10 late, and the
 * vCPU never blocks (the next release has always passed). Burst exactly
 * 10 ms: ends exactly at the period's end, on time, and the next release
 * is now: no sleep. Burst 8 ms: 12 bursts end by 120 ms (8, 18, ..., 118),
 * none late, each followed by a block. (A 2 GHz TSC makes NOW() exact.)
 */
START_TEST(test_late_periods)
{
    fifo_reset_knobs();
    const struct { const char *burst; uint64_t periods, late, blocks; } c[] = {
        { "12ms", 10, 10, 0 }, { "10ms", 12, 0, 0 }, { "8ms", 12, 0, 12 },
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        char yaml[512];
        snprintf(yaml, sizeof yaml,
                 "name: late\nduration: 1s\nmachine: { pcpus: 1, clock: { tsc_hz: 2GHz }, costs: { upcall: 0, context_switch: 0 } }\n"
                 "domains:\n  p: { workload: { type: periodic, period: 10ms, burst: %s } }\n",
                 c[i].burst);
        struct rig r;
        rig_up(&r, yaml, &fifo_ops);
        rig_run(&r, 120 * MS);
        struct hv_dom_stats p = dstats(&r, "p");
        ck_assert_uint_eq(p.periods, c[i].periods);
        ck_assert_uint_eq(p.late_periods, c[i].late);
        ck_assert_uint_eq(p.blocks, c[i].blocks);
        check_conservation(&r);
        rig_down(&r);
    }
}
END_TEST

/*
 * sched_latency: periodic p (1 ms every 10 ms) behind a hog h, FIFO 10 ms
 * slices that preempt only idle, no switch cost. p runs [0, 1), h [1, 11),
 * p [11, 12), h [12, 22), ...: p's k-th wake at 10k ms waits for the slice
 * ending at 11k ms, so latencies 1, 2, 3, 4, 5 ms up to 55 ms.
 */
START_TEST(test_sched_latency)
{
    fifo_reset_knobs();
    struct rig r;
    rig_up(&r, "name: lat\nduration: 1s\nmachine: { pcpus: 1, clock: { tsc_hz: 2GHz }, costs: { upcall: 0, context_switch: 0 } }\n"
               "domains:\n  p: { workload: { type: periodic, period: 10ms, burst: 1ms } }\n"
               "  h: { workload: { type: cpu } }\n", &fifo_ops);
    rig_run(&r, 55 * MS);
    int dp = dom_index(r.s, "p");
    struct st_summary sum;
    st_rec_summary(hv_dom_sched_latency(r.h, dp), &sum);
    ck_assert_uint_eq(sum.count, 5);
    ck_assert_int_eq(sum.min, 1 * MS);
    ck_assert_int_eq(sum.max, 5 * MS);
    ck_assert(sum.sum == 15.0 * MS);
    struct hv_dom_stats p = dstats(&r, "p"), h = dstats(&r, "h");
    ck_assert_uint_eq(p.wakeups, 5);
    ck_assert_uint_eq(p.blocks, 5);
    ck_assert_uint_eq(p.dispatches, 6);
    ck_assert_uint_eq(h.preemptions, 5);
    ck_assert_uint_eq(p.preemptions, 0);
    ck_assert_int_eq(p.runnable_wait_ns, 15 * MS);
    ck_assert_int_eq(h.runnable_wait_ns, 5 * MS);
    struct hv_pcpu_stats ps = pstats(&r, 0);
    ck_assert_int_eq(ps.runq_ns, 20 * MS);
    ck_assert(ps.runq_len_mean == 20.0 / 55.0);
    ck_assert_ptr_null(hv_dom_sched_latency(r.h, 2));
    rig_down(&r);
}
END_TEST

/* The end of the warm-up zeroes everything; the window then starts. */
START_TEST(test_stats_reset)
{
    fifo_reset_knobs();
    struct rig r;
    rig_up(&r, "name: rs\nduration: 1s\nmachine: { pcpus: 2, clock: { tsc_hz: 2GHz }, costs: { upcall: 0, context_switch: 3us } }\n"
               "domains:\n  p: { count: 2, workload: { type: periodic, period: 5ms, burst: 2ms } }\n"
               "  h: { workload: { type: cpu } }\n", &fifo_ops);
    rig_run(&r, 100 * MS + 1234);
    hv_stats_reset(r.h);
    ck_assert_int_eq(hv_elapsed(r.h), 0);
    ck_assert_uint_eq(hv_events(r.h), 0);
    for (int d = 0; d < 3; d++) {
        struct hv_dom_stats ds;
        hv_dom_stats(r.h, d, &ds);
        ck_assert_int_eq(ds.cpu_time_ns, 0);
        ck_assert_uint_eq(ds.dispatches + ds.wakeups + ds.blocks + ds.periods, 0);
        ck_assert_uint_eq(st_rec_count(hv_dom_sched_latency(r.h, d)), 0);
    }
    for (int p = 0; p < 2; p++) {
        struct hv_pcpu_stats ps = pstats(&r, p);
        ck_assert_int_eq(ps.busy_ns + ps.idle_ns + ps.switch_ns + ps.runq_ns, 0);
        ck_assert_uint_eq(ps.context_switches + ps.ticks, 0);
    }
    uint64_t ev0 = ev_dispatched(r.loop);
    rig_run(&r, 200 * MS + 1234);
    ck_assert_int_eq(hv_elapsed(r.h), 100 * MS);
    ck_assert_uint_eq(hv_events(r.h), ev_dispatched(r.loop) - ev0);
    ck_assert_uint_gt(hv_events(r.h), 0);
    /* p.0 and p.1 (2 ms every 5 ms) sit on pCPUs 0 and 1, h on 0. */
    struct hv_dom_stats p1 = dstats(&r, "p.1");
    ck_assert_uint_eq(p1.periods, 20);
    ck_assert_int_eq(hv_vcpu_pcpu(r.h, dom_index(r.s, "p.1"), 0), 1);
    ck_assert_uint_eq(pstats(&r, 0).ticks, 10);
    check_conservation(&r);
    rig_down(&r);
}
END_TEST

/* The same scenario and seed twice: identical statistics. */
static const char *det_yaml =
    "name: det\nseed: 42\nduration: 1s\n"
    "machine: { pcpus: 3, clock: { tsc_ppm: [10, -20, 30] }, "
    "costs: { upcall: 0, context_switch: 3us, cache_refill: 20us } }\n"
    "domains:\n"
    "  p: { count: 6, workload: { type: periodic, period: 4ms, "
    "burst: { dist: exponential, mean: 1ms } } }\n"
    "  h: { count: 2, vcpus: 2, workload: { type: cpu, yield_every: 3ms } }\n";

struct snap {
    struct hv_dom_stats d[8];
    struct hv_pcpu_stats p[3];
    struct st_summary lat[8];
    uint64_t events;
};

static void take(struct snap *sn, sim_time_t until)
{
    fifo_reset_knobs();
    fifo_slice = 2 * MS;
    struct rig r;
    rig_up(&r, det_yaml, &fifo_ops);
    rig_run(&r, until / 4);
    hv_stats_reset(r.h);
    rig_run(&r, until);
    memset(sn, 0, sizeof *sn);
    for (int d = 0; d < 8; d++) {
        hv_dom_stats(r.h, d, &sn->d[d]);
        st_rec_summary(hv_dom_sched_latency(r.h, d), &sn->lat[d]);
    }
    for (int p = 0; p < 3; p++)
        hv_pcpu_stats(r.h, p, &sn->p[p]);
    sn->events = hv_events(r.h);
    check_conservation(&r);
    rig_down(&r);
}

START_TEST(test_determinism)
{
    static struct snap a, b;
    take(&a, 400 * MS);
    take(&b, 400 * MS);
    ck_assert_uint_gt(a.events, 1000);
    ck_assert_uint_gt(a.d[0].periods, 50);
    for (int d = 0; d < 8; d++) {
        const struct hv_dom_stats *x = &a.d[d], *y = &b.d[d];
        ck_assert_int_eq(x->cpu_time_ns, y->cpu_time_ns);
        ck_assert_int_eq(x->refill_ns, y->refill_ns);
        for (int i = 0; i < HV_RS_COUNT; i++)
            ck_assert_int_eq(x->runstate_ns[i], y->runstate_ns[i]);
        ck_assert_int_eq(x->runnable_wait_ns, y->runnable_wait_ns);
        ck_assert_uint_eq(x->dispatches, y->dispatches);
        ck_assert_uint_eq(x->wakeups, y->wakeups);
        ck_assert_uint_eq(x->blocks, y->blocks);
        ck_assert_uint_eq(x->preemptions, y->preemptions);
        ck_assert_uint_eq(x->yields, y->yields);
        ck_assert_uint_eq(x->periods, y->periods);
        ck_assert_uint_eq(x->late_periods, y->late_periods);
        ck_assert_uint_eq(a.lat[d].count, b.lat[d].count);
        ck_assert_int_eq(a.lat[d].min, b.lat[d].min);
        ck_assert_int_eq(a.lat[d].max, b.lat[d].max);
        ck_assert_int_eq(memcmp(&a.lat[d].sum, &b.lat[d].sum, sizeof(double)), 0);
        ck_assert_int_eq(memcmp(&a.lat[d].sqrsum, &b.lat[d].sqrsum, sizeof(double)), 0);
    }
    for (int p = 0; p < 3; p++) {
        const struct hv_pcpu_stats *x = &a.p[p], *y = &b.p[p];
        ck_assert_int_eq(x->busy_ns, y->busy_ns);
        ck_assert_int_eq(x->idle_ns, y->idle_ns);
        ck_assert_int_eq(x->switch_ns, y->switch_ns);
        ck_assert_int_eq(x->runq_ns, y->runq_ns);
        ck_assert_uint_eq(x->context_switches, y->context_switches);
        ck_assert_uint_eq(x->schedules, y->schedules);
        ck_assert_uint_eq(x->ticks, y->ticks);
    }
    ck_assert_uint_eq(a.events, b.events);
    /* Contention is real: somebody waited and some period was late. */
    ck_assert_int_gt(a.d[0].runnable_wait_ns, 0);
}
END_TEST

/* A domain's bursts depend only on (seed, replication, its name, vCPU):
 * not on other domains, and not on when it asks. */
START_TEST(test_demand_streams)
{
    struct scn *s1 = rig_load("name: s1\nseed: 9\nduration: 1s\ndomains:\n"
                          "  x: { workload: { type: periodic, period: 1ms, "
                          "burst: { dist: exponential, mean: 1ms } } }\n"
                          "  w: { vcpus: 2, workload: { type: periodic, period: 5ms, "
                          "burst: { dist: uniform, min: 1us, max: 1ms } } }\n");
    struct scn *s2 = rig_load("name: s2\nseed: 9\nduration: 1s\ndomains:\n"
                          "  w: { vcpus: 2, workload: { type: periodic, period: 5ms, "
                          "burst: { dist: uniform, min: 1us, max: 1ms } } }\n");
    char err[128];
    struct wl_env e1 = { s1, 1, 1, 3, NULL }, e2 = { s2, 0, 1, 3, NULL }, e3 = { s2, 0, 0, 3, NULL },
                  e4 = { s2, 0, 1, 4, NULL };
    struct wl *w1 = wl_new(&e1, err, sizeof err), *w2 = wl_new(&e2, err, sizeof err);
    struct wl *w3 = wl_new(&e3, err, sizeof err), *w4 = wl_new(&e4, err, sizeof err);
    ck_assert(w1 && w2 && w3 && w4);
    int differ3 = 0, differ4 = 0, n = 0;
    for (int i = 0; i < 300; i++) {
        struct wl_op o1, o2, o3, o4;
        /* Different "now"s: the first asks late every time. */
        ck_assert_int_eq(wl_next(w1, (sim_time_t)i * 7 * MS, &o1), 0);
        ck_assert_int_eq(wl_next(w2, (sim_time_t)i * 1 * MS, &o2), 0);
        wl_next(w3, (sim_time_t)i * 1 * MS, &o3);
        wl_next(w4, (sim_time_t)i * 1 * MS, &o4);
        ck_assert_int_eq(o1.kind, o2.kind);
        if (o1.kind == WL_OP_COMPUTE) {
            n++;
            ck_assert_int_eq(o1.ns, o2.ns);
            ck_assert(o1.ns >= 1 * US && o1.ns <= 1 * MS);
            differ3 += o3.ns != o2.ns;
            differ4 += o4.ns != o2.ns;
        } else {
            ck_assert_int_eq(o1.kind, WL_OP_SLEEP);
        }
    }
    ck_assert_int_eq(n, 150);
    ck_assert_int_gt(differ3, 140);   /* another vCPU: another stream */
    ck_assert_int_gt(differ4, 140);   /* another replication: another stream */
    /* w1 asked late every time (job j ends at 14j ms, its period at 5j ms):
     * all late; w2 (2j ms) none. */
    ck_assert_uint_eq(w1->st.periods, 149);
    ck_assert_uint_eq(w1->st.late_periods, 149);
    ck_assert_uint_eq(w2->st.periods, 149);
    ck_assert_uint_eq(w2->st.late_periods, 0);
    wl_free(w1);
    wl_free(w2);
    wl_free(w3);
    wl_free(w4);
    wl_free(NULL);
    scn_free(s1);
    scn_free(s2);
}
END_TEST

/* --- construction, errors, external wake ------------------------------------------- */

START_TEST(test_errors)
{
    fifo_reset_knobs();
    char err[256];
    struct scn *s = rig_load("name: e\nduration: 1s\nmachine: { pcpus: 2 }\n"
                         "domains:\n  good: { workload: { type: cpu } }\n"
                         "  bad: { workload: { type: cpu } }\n");
    struct ev_loop *loop = ev_loop_new();
    fifo_refuse = "bad";
    struct hv *h = hv_new(loop, s, &fifo_ops, err, sizeof err);
    ck_assert_ptr_null(h);
    ck_assert_msg(strstr(err, "domain 'bad'") != NULL, "%s", err);
    ck_assert_msg(strstr(err, "test.yaml:6:") != NULL, "%s", err);
    fifo_refuse = NULL;
    hv_free(NULL);

    struct sched_ops broken = fifo_ops;
    broken.do_schedule = NULL;
    ck_assert_ptr_null(hv_new(loop, s, &broken, err, sizeof err));
    ck_assert_ptr_null(hv_new(NULL, s, &fifo_ops, err, sizeof err));

    /* The core alone has no workloads: it does not start until every vCPU
     * has one. */
    h = hv_new(loop, s, &fifo_ops, err, sizeof err);
    ck_assert_ptr_nonnull(h);
    ck_assert_ptr_null(hv_workload(h, 0, 0));
    ck_assert_int_eq(hv_vcpu_wake(h, 1, 0), -SIM_EINVAL);   /* not started */
    ck_assert_int_eq(hv_start(h), -SIM_ESTATE);
    hv_free(h);
    ev_loop_free(loop);

    /* A policy breaking its contract stops the run with a message. */
    fifo_bad_slice = true;
    struct host *x = host_new(s, 0, &fifo_ops, err, sizeof err);
    ck_assert_msg(x != NULL, "%s", err);
    ck_assert_int_eq(hv_start(x->h), 0);
    ck_assert_int_eq(hv_start(x->h), -SIM_ESTATE);
    ev_run(x->loop, 10 * MS);
    ck_assert_int_eq(hv_status(x->h), -SIM_ESTATE);
    ck_assert_msg(strstr(hv_status_msg(x->h), "slice") != NULL, "%s", hv_status_msg(x->h));
    ck_assert_int_lt(ev_now(x->loop), 10 * MS);
    host_free(x);
    fifo_bad_slice = false;
    scn_free(s);
}
END_TEST

/*
 * A domain without a workload blocks at its first dispatch and runs only
 * when woken from outside (hv_vcpu_wake). Two such wakes, the second while
 * a hog holds the pCPU: it waits for the hog's slice to end.
 */
START_TEST(test_external_wake)
{
    fifo_reset_knobs();
    struct rig r;
    rig_up(&r, "name: ew\nduration: 1s\nmachine: { pcpus: 1, clock: { tsc_hz: 2GHz }, costs: { upcall: 0, context_switch: 0 } }\n"
               "domains:\n  q: { }\n", &fifo_ops);
    rig_run(&r, 1 * MS);
    ck_assert_int_eq(hv_vcpu_runstate(r.h, 0, 0), HV_RS_BLOCKED);
    ck_assert_int_eq(hv_vcpu_wake(r.h, 0, 0), 0);
    ck_assert_int_eq(hv_vcpu_runstate(r.h, 0, 0), HV_RS_RUNNABLE);
    ck_assert_int_eq(hv_vcpu_wake(r.h, 0, 0), 0);   /* not blocked: nothing */
    rig_run(&r, 2 * MS);
    struct hv_dom_stats q = dstats(&r, "q");
    ck_assert_uint_eq(q.wakeups, 1);
    ck_assert_uint_eq(q.blocks, 2);
    ck_assert_uint_eq(q.dispatches, 2);
    ck_assert_int_eq(q.cpu_time_ns, 0);
    struct st_summary sum;
    st_rec_summary(hv_dom_sched_latency(r.h, 0), &sum);
    ck_assert_uint_eq(sum.count, 1);
    ck_assert_int_eq(sum.max, 0);
    ck_assert_int_eq(hv_vcpu_wake(r.h, 0, 1), -SIM_EINVAL);
    ck_assert_int_eq(hv_vcpu_runstate(r.h, 0, 0), HV_RS_BLOCKED);
    rig_down(&r);
}
END_TEST


/*
 * Event upcalls (the core's part of models/evtchn): a hog alone, no switch
 * cost, upcall 10 us, exact clock (slop 0). It is dispatched at 0 with the
 * VIRQ_TIMER Xen 2.0 sends on a switch: one upcall before its first
 * operation. Each 10 ms tick then sends VIRQ_TIMER to it while it runs: the
 * upcall interrupts its computation at once (latency 0). By 995 ms: 99
 * ticks, 100 upcalls, 1 ms of upcall CPU inside its 995 ms, and 100
 * evtchn_latency samples, all 0.
 */
START_TEST(test_upcall_ticks)
{
    fifo_reset_knobs();
    struct rig r;
    rig_up(&r, "name: up\nduration: 1s\nmachine: { pcpus: 1, clock: { tsc_hz: 2GHz, "
               "timer_slop: 0ns }, costs: { upcall: 10us, context_switch: 0 } }\n"
               "domains:\n  h: { workload: { type: cpu } }\n", &fifo_ops);
    rig_run(&r, 995 * MS);
    struct hv_dom_stats h = dstats(&r, "h");
    ck_assert_uint_eq(pstats(&r, 0).ticks, 99);
    ck_assert_uint_eq(h.upcalls, 100);
    ck_assert_int_eq(h.upcall_ns, 100 * 10 * US);
    ck_assert_int_eq(h.cpu_time_ns, 995 * MS);
    struct st_summary sum;
    st_rec_summary(hv_dom_evtchn_latency(r.h, 0), &sum);
    ck_assert_uint_eq(sum.count, 100);
    ck_assert_int_eq(sum.max, 0);
    check_conservation(&r);
    rig_down(&r);
}
END_TEST

/*
 * An event for a blocked domain: q has no workload (blocks at once). At
 * 1 ms the test raises VIRQ_DEBUG in q (bound here like a guest would):
 * the kick wakes q, the FIFO policy preempts idle, the switch costs 5 us,
 * then q takes the upcall (both ports at once: the VIRQ_DEBUG raised at
 * 1 ms, latency 5 us, and the switch's VIRQ_TIMER raised at 1 ms, latency
 * 5 us), spends 2 us in it, and blocks again. A second raise while q
 * sleeps does the same; a raise of a masked port neither wakes nor
 * delivers.
 */
START_TEST(test_upcall_wakes_blocked)
{
    fifo_reset_knobs();
    struct rig r;
    rig_up(&r, "name: ev\nduration: 1s\nmachine: { pcpus: 1, clock: { tsc_hz: 2GHz }, "
               "costs: { upcall: 2us, context_switch: 5us } }\n"
               "domains:\n  q: { }\n", &fifo_ops);
    struct evtchn *e = hv_evtchn(r.h);
    ck_assert_ptr_nonnull(e);
    int port;
    ck_assert_int_eq(evtchn_bind_virq(e, 0, EVTCHN_VIRQ_DEBUG, &port), 0);
    rig_run(&r, 1 * MS);
    ck_assert_int_eq(hv_vcpu_runstate(r.h, 0, 0), HV_RS_BLOCKED);
    hv_stats_reset(r.h);
    ck_assert_int_eq(evtchn_send_virq(e, 0, EVTCHN_VIRQ_DEBUG, 1 * MS), 0);
    ck_assert_int_eq(hv_vcpu_runstate(r.h, 0, 0), HV_RS_RUNNABLE);
    rig_run(&r, 2 * MS);
    ck_assert_int_eq(hv_vcpu_runstate(r.h, 0, 0), HV_RS_BLOCKED);
    struct hv_dom_stats q = dstats(&r, "q");
    ck_assert_uint_eq(q.wakeups, 1);
    ck_assert_uint_eq(q.upcalls, 1);
    ck_assert_int_eq(q.cpu_time_ns, 2 * US);
    ck_assert_int_eq(q.upcall_ns, 2 * US);
    struct st_summary sum;
    st_rec_summary(hv_dom_evtchn_latency(r.h, 0), &sum);
    ck_assert_uint_eq(sum.count, 2);
    ck_assert_int_eq(sum.min, 5 * US);
    ck_assert_int_eq(sum.max, 5 * US);
    ck_assert_int_eq(evtchn_mask(e, 0, port), 0);
    ck_assert_int_eq(evtchn_send_virq(e, 0, EVTCHN_VIRQ_DEBUG, 2 * MS), 0);
    ck_assert_int_eq(hv_vcpu_runstate(r.h, 0, 0), HV_RS_BLOCKED);
    ck_assert_int_eq(evtchn_unmask(e, 0, port), 0);
    ck_assert_int_eq(hv_vcpu_runstate(r.h, 0, 0), HV_RS_RUNNABLE);
    rig_run(&r, 3 * MS);
    q = dstats(&r, "q");
    ck_assert_uint_eq(q.upcalls, 2);
    check_conservation(&r);
    rig_down(&r);
}
END_TEST

/* An interdomain channel from d to q with q's end bound to q's vCPU 1:
 * d's port (to notify) in *dport, q's in *qport. */
static void bind_to_vcpu1(struct rig *r, int *dport, int *qport)
{
    struct evtchn *e = hv_evtchn(r->h);
    int q = dom_index(r->s, "q"), d = dom_index(r->s, "d");
    ck_assert_int_eq(evtchn_alloc_unbound(e, q, d, qport), 0);
    ck_assert_int_eq(evtchn_bind_interdomain(e, d, q, *qport, dport), 0);
    ck_assert_int_eq(evtchn_bind_vcpu(e, q, *qport, 1), 0);
}

static struct hv_vcpu_stats vstats(struct rig *r, const char *dom, int vcpu)
{
    struct hv_vcpu_stats vs;
    ck_assert_int_eq(hv_vcpu_stats(r->h, dom_index(r->s, dom), vcpu, &vs), 0);
    return vs;
}

/*
 * A port bound to vCPU 1 of a blocked two-vCPU domain q (vCPU 0 on pCPU 0,
 * vCPU 1 on pCPU 1; d, the notifier, on pCPU 0; nobody has work). The
 * notify at 1 ms kicks vCPU 1 only: it wakes, pCPU 1 switches to it (5 us),
 * it takes the upcall (2 us of its CPU) and blocks again; vCPU 0 stays
 * blocked throughout. The switch to a vCPU other than 0 sends no
 * VIRQ_TIMER, so the one evtchn_latency sample is the port's: 5 us, the
 * switch. Masked, the port wakes nobody; unmasking wakes vCPU 1 again.
 */
START_TEST(test_port_on_vcpu1_wakes_it)
{
    fifo_reset_knobs();
    struct rig r;
    rig_up(&r, "name: ev1\nduration: 1s\nmachine: { pcpus: 2, clock: { tsc_hz: 2GHz }, "
               "costs: { upcall: 2us, context_switch: 5us } }\n"
               "domains:\n  q: { vcpus: 2 }\n  d: { }\n", &fifo_ops);
    int q = dom_index(r.s, "q"), d = dom_index(r.s, "d"), dport, qport;
    ck_assert_int_eq(hv_vcpu_pcpu(r.h, q, 0), 0);
    ck_assert_int_eq(hv_vcpu_pcpu(r.h, q, 1), 1);
    bind_to_vcpu1(&r, &dport, &qport);
    struct evtchn *e = hv_evtchn(r.h);
    rig_run(&r, 1 * MS);
    ck_assert_int_eq(hv_vcpu_runstate(r.h, q, 0), HV_RS_BLOCKED);
    ck_assert_int_eq(hv_vcpu_runstate(r.h, q, 1), HV_RS_BLOCKED);
    hv_stats_reset(r.h);
    ck_assert_int_eq(evtchn_notify(e, d, dport, 1 * MS), 0);
    ck_assert_int_eq(hv_vcpu_runstate(r.h, q, 1), HV_RS_RUNNABLE);
    ck_assert_int_eq(hv_vcpu_runstate(r.h, q, 0), HV_RS_BLOCKED);
    rig_run(&r, 2 * MS);
    ck_assert_int_eq(hv_vcpu_runstate(r.h, q, 1), HV_RS_BLOCKED);
    struct hv_vcpu_stats v0 = vstats(&r, "q", 0), v1 = vstats(&r, "q", 1);
    ck_assert_uint_eq(v1.wakeups, 1);
    ck_assert_uint_eq(v1.dispatches, 1);
    ck_assert_uint_eq(v1.upcalls, 1);
    ck_assert_int_eq(v1.upcall_ns, 2 * US);
    ck_assert_int_eq(v1.cpu_time_ns, 2 * US);
    ck_assert_uint_eq(v0.wakeups, 0);
    ck_assert_uint_eq(v0.dispatches, 0);
    ck_assert_uint_eq(v0.upcalls, 0);
    ck_assert_uint_eq(pstats(&r, 1).context_switches, 2);   /* to vCPU 1, back to idle */
    ck_assert_uint_eq(pstats(&r, 0).context_switches, 0);
    struct st_summary sum;
    st_rec_summary(hv_dom_evtchn_latency(r.h, q), &sum);
    ck_assert_uint_eq(sum.count, 1);
    ck_assert_int_eq(sum.min, 5 * US);
    ck_assert_int_eq(sum.max, 5 * US);
    /* masked: silent */
    ck_assert_int_eq(evtchn_mask(e, q, qport), 0);
    ck_assert_int_eq(evtchn_notify(e, d, dport, 2 * MS), 0);
    ck_assert_int_eq(hv_vcpu_runstate(r.h, q, 0), HV_RS_BLOCKED);
    ck_assert_int_eq(hv_vcpu_runstate(r.h, q, 1), HV_RS_BLOCKED);
    rig_run(&r, 3 * MS);
    ck_assert_uint_eq(vstats(&r, "q", 1).wakeups, 1);
    ck_assert_int_eq(evtchn_unmask(e, q, qport), 0);
    ck_assert_int_eq(hv_vcpu_runstate(r.h, q, 1), HV_RS_RUNNABLE);
    ck_assert_int_eq(hv_vcpu_runstate(r.h, q, 0), HV_RS_BLOCKED);
    rig_run(&r, 4 * MS);
    v0 = vstats(&r, "q", 0);
    v1 = vstats(&r, "q", 1);
    ck_assert_uint_eq(v1.upcalls, 2);
    ck_assert_uint_eq(v0.upcalls, 0);
    ck_assert_uint_eq(v0.wakeups, 0);
    check_conservation(&r);
    rig_down(&r);
}
END_TEST

/*
 * A port bound to vCPU 1 of a domain whose two vCPUs hog their pCPUs
 * (exact clock, no switch cost, upcall 10 us): the notify at 5 ms
 * interrupts vCPU 1 at once (latency 0) and it spends 10 us in the upcall;
 * vCPU 0 has only its dispatch-time VIRQ_TIMER upcall by 6 ms (the first
 * tick is at 10 ms, and ticks on pCPU 1 send nothing to vCPU 1).
 */
START_TEST(test_port_on_vcpu1_interrupts_it)
{
    fifo_reset_knobs();
    struct rig r;
    rig_up(&r, "name: ev2\nduration: 1s\nmachine: { pcpus: 2, clock: { tsc_hz: 2GHz, "
               "timer_slop: 0ns }, costs: { upcall: 10us, context_switch: 0 } }\n"
               "domains:\n  q: { vcpus: 2, workload: { type: cpu } }\n  d: { }\n", &fifo_ops);
    int q = dom_index(r.s, "q"), d = dom_index(r.s, "d"), dport, qport;
    bind_to_vcpu1(&r, &dport, &qport);
    rig_run(&r, 5 * MS);
    ck_assert_uint_eq(vstats(&r, "q", 1).upcalls, 0);
    ck_assert_int_eq(evtchn_notify(hv_evtchn(r.h), d, dport, 5 * MS), 0);
    rig_run(&r, 6 * MS);
    struct hv_vcpu_stats v0 = vstats(&r, "q", 0), v1 = vstats(&r, "q", 1);
    ck_assert_uint_eq(v1.upcalls, 1);
    ck_assert_int_eq(v1.upcall_ns, 10 * US);
    ck_assert_int_eq(v1.cpu_time_ns, 6 * MS);
    ck_assert_uint_eq(v1.preemptions, 0);
    ck_assert_uint_eq(v0.upcalls, 1);
    ck_assert_int_eq(v0.upcall_ns, 10 * US);
    struct st_summary sum;
    st_rec_summary(hv_dom_evtchn_latency(r.h, q), &sum);
    ck_assert_uint_eq(sum.count, 2);
    ck_assert_int_eq(sum.max, 0);
    check_conservation(&r);
    rig_down(&r);
}
END_TEST

/* --- the tick ------------------------------------------------------------ */

/* Run to t and return the ticks pCPU 0 has counted since boot. */
static uint64_t ticks_at(struct rig *r, sim_time_t t)
{
    rig_run(r, t);
    return pstats(r, 0).ticks;
}

/*
 * The 10 ms tick is re-armed at NOW() + 10 ms when it fires (Xen 2.0's
 * t_timer_fn), so any lateness or earliness of one tick carries into all
 * the following ones. An idle host (the one domain is unpaused only at
 * 1000 s; FIFO slices of 100 s keep the slice timer out of the way), one
 * pCPU, exact clock; the 500 ms fallback timer is in the heap too.
 *  - Slop 0: a timer runs only once NOW() > expires; the one-shot, which
 *    counts the exact 10 ms (a whole number of 10 ns APIC ticks), arrives
 *    at the expiry itself, when nothing is due, and the softirq runs again
 *    1 ns later. Each tick is 1 ns late and re-armed from there: tick n at
 *    n * (10 ms + 1 ns). Tick 100 is at 1,000,000,100 ns, so [0, 1 s]
 *    holds 99 ticks, one short of a fixed 10 ms grid.
 *  - APIC at 3,906,250 Hz (256 ns per count), slop 50 us: 10 ms is
 *    39062.5 counts, rounded down to 39062 = 9,999,872 ns, so each tick's
 *    interrupt comes 128 ns early, within the slop: the tick runs then.
 *    Tick n at n * 9,999,872 ns (the fallback timer, due 6.4 us after
 *    ticks 50 and 100, only joins their batches). The 100th is at
 *    999,987,200 ns: [0, 999.99 ms] holds 100 ticks, one more than a
 *    fixed grid.
 */
START_TEST(test_tick_drift)
{
    fifo_reset_knobs();
    fifo_slice = 100 * SIM_SEC;
    struct rig r;
    rig_up(&r, "name: tick0\nduration: 1s\n"
               "machine: { pcpus: 1, clock: { tsc_hz: 2GHz, timer_slop: 0ns } }\n"
               "domains:\n  late: { unpause: 1000s, workload: { type: cpu } }\n", &fifo_ops);
    ck_assert_uint_eq(ticks_at(&r, 10 * MS), 0);
    ck_assert_uint_eq(ticks_at(&r, 10 * MS + 1), 1);
    ck_assert_uint_eq(ticks_at(&r, 500 * MS + 49), 49);
    ck_assert_uint_eq(ticks_at(&r, 500 * MS + 50), 50);
    ck_assert_uint_eq(ticks_at(&r, 1000 * MS), 99);
    ck_assert_uint_eq(ticks_at(&r, 1000 * MS + 99), 99);
    ck_assert_uint_eq(ticks_at(&r, 1000 * MS + 100), 100);
    rig_down(&r);

    rig_up(&r, "name: tick256\nduration: 1s\n"
               "machine: { pcpus: 1, clock: { tsc_hz: 2GHz, apic_timer_hz: 3906250Hz } }\n"
               "domains:\n  late: { unpause: 1000s, workload: { type: cpu } }\n", &fifo_ops);
    const sim_time_t step = 9999872;
    ck_assert_uint_eq(ticks_at(&r, step - 1), 0);
    ck_assert_uint_eq(ticks_at(&r, step), 1);
    ck_assert_uint_eq(ticks_at(&r, 2 * step - 1), 1);
    ck_assert_uint_eq(ticks_at(&r, 2 * step), 2);
    ck_assert_uint_eq(ticks_at(&r, 50 * step), 50);
    ck_assert_uint_eq(ticks_at(&r, 100 * step - 1), 99);
    ck_assert_uint_eq(ticks_at(&r, 999990000), 100);
    ck_assert_uint_eq(ticks_at(&r, 101 * step - 1), 100);
    ck_assert_uint_eq(ticks_at(&r, 101 * step), 101);
    rig_down(&r);
}
END_TEST

/*
 * A timer due within the slop before the tick takes the tick into its
 * batch: the tick runs early and, re-armed from that NOW(), every later
 * tick is shifted too. p wakes every 29.98 ms (periodic, 100 us bursts),
 * default 50 us slop and 100 MHz APIC, exact clock, FIFO slices of 100 s.
 * Ticks 1 and 2 at 10 and 20 ms. Tick 3 is due at 30 ms; p's timer at
 * 29.98 ms fires first and the tick, 20 us later, runs in its batch: tick
 * 3 at 29.98 ms, re-armed to 39.98. Ticks 4, 5 at 39.98, 49.98; tick 6 is
 * due at 59.98 and p's timer at 59.96 takes it: 59.96. And so on: every
 * third tick is pulled 20 us early by p's release k at k * 29.98 ms, so
 * tick n is at n * 10 ms - floor(n / 3) * 20 us. The sleep hook is never
 * called (p only blocks).
 */
START_TEST(test_tick_batched_early)
{
    fifo_reset_knobs();
    fifo_slice = 100 * SIM_SEC;
    struct rig r;
    rig_up(&r, "name: tickb\nduration: 1s\n"
               "machine: { pcpus: 1, clock: { tsc_hz: 2GHz }, costs: { context_switch: 0, upcall: 0 } }\n"
               "domains:\n  p: { workload: { type: periodic, period: 29980us, burst: 100us } }\n",
           &fifo_ops);
    for (int n = 1; n <= 30; n++) {
        sim_time_t tn = n * 10 * MS - (n / 3) * 20 * US;
        ck_assert_uint_eq(ticks_at(&r, tn - 1), (uint64_t)n - 1);
        ck_assert_uint_eq(ticks_at(&r, tn), (uint64_t)n);
    }
    ck_assert_uint_eq(dstats(&r, "p").periods, 10);
    ck_assert_int_eq(sleep_n, 0);
    rig_down(&r);
}
END_TEST

/* --- pause and unpause ------------------------------------------------- */

/*
 * hv_domain_pause / hv_domain_unpause (the domain builder's), with two
 * hogs a and b on one pCPU, FIFO 10 ms slices, no costs, exact clock.
 * 0:  both admitted through wake (a then b, appended): a runs [0, 10),
 *     b [10, 20).
 * 15: a, queued and runnable, is paused: the sleep hook (logged at 15 ms)
 *     takes it off the queue; offline. b's slice ends at 20: b again
 *     (alone), [20, 30), [30, 35).
 * 35: b, running, is paused: the sleep hook, and b is descheduled at once
 *     (idle from 35); offline.
 * 40: a unpaused: the wake hook (logged), appended, preempts idle: a runs
 *     [40, 50). 45: b unpaused: wake, appended; a's slice ends at 50: b
 *     [50, 60), a [60, 65).
 * At 65 ms: a CPU 10 + 10 + 5 = 25 ms, runnable 5 + 10 = 15, offline 25;
 * b CPU 25 + 10 = 35, runnable 10 + 5 + 5 = 20, offline 10; idle 5 ms. A
 * pause is no block and an unpause no wakeup. Pausing or unpausing twice
 * does nothing more.
 */
START_TEST(test_pause_unpause)
{
    fifo_reset_knobs();
    struct rig r;
    rig_up(&r, "name: pause\nduration: 1s\n"
               "machine: { pcpus: 1, clock: { tsc_hz: 2GHz }, costs: { context_switch: 0, upcall: 0 } }\n"
               "domains:\n  a: { workload: { type: cpu } }\n  b: { workload: { type: cpu } }\n",
           &fifo_ops);
    int a = dom_index(r.s, "a"), b = dom_index(r.s, "b");
    ck_assert_int_eq(hv_domain_pause(r.h, 2), -SIM_EINVAL);
    ck_assert_int_eq(hv_domain_unpause(r.h, -1), -SIM_EINVAL);
    rig_run(&r, 15 * MS);
    ck_assert_int_eq(hv_vcpu_runstate(r.h, a, 0), HV_RS_RUNNABLE);
    ck_assert_int_eq(hv_domain_pause(r.h, a), 0);
    ck_assert_int_eq(hv_domain_pause(r.h, a), 0);
    ck_assert_int_eq(sleep_n, 1);
    ck_assert_int_eq(sleep_log[0].id, 1);          /* idle is id 0, then a, b */
    ck_assert_int_eq(sleep_log[0].now, 15 * MS);
    ck_assert_int_eq(hv_vcpu_runstate(r.h, a, 0), HV_RS_OFFLINE);
    rig_run(&r, 35 * MS);
    ck_assert_int_eq(hv_vcpu_runstate(r.h, b, 0), HV_RS_RUNNING);
    ck_assert_int_eq(hv_domain_pause(r.h, b), 0);
    ck_assert_int_eq(sleep_n, 2);
    ck_assert_int_eq(sleep_log[1].id, 2);
    ck_assert_int_eq(sleep_log[1].now, 35 * MS);
    rig_run(&r, 35 * MS + 1);
    ck_assert_int_eq(hv_vcpu_runstate(r.h, b, 0), HV_RS_OFFLINE);
    int cur;
    ck_assert_int_eq(hv_pcpu_now(r.h, 0, &cur, NULL, NULL), 0);
    ck_assert_int_eq(cur, -1);
    rig_run(&r, 40 * MS);
    ck_assert_int_eq(wake_n, 2);                   /* the admissions */
    ck_assert_int_eq(hv_domain_unpause(r.h, a), 0);
    ck_assert_int_eq(hv_domain_unpause(r.h, a), 0);
    ck_assert_int_eq(wake_n, 3);
    ck_assert_int_eq(wake_log[2].id, 1);
    ck_assert_int_eq(wake_log[2].now, 40 * MS);
    ck_assert_int_eq(hv_vcpu_runstate(r.h, a, 0), HV_RS_RUNNABLE);
    rig_run(&r, 45 * MS);
    ck_assert_int_eq(hv_vcpu_runstate(r.h, a, 0), HV_RS_RUNNING);
    ck_assert_int_eq(hv_domain_unpause(r.h, b), 0);
    ck_assert_int_eq(wake_n, 4);
    ck_assert_int_eq(wake_log[3].id, 2);
    ck_assert_int_eq(wake_log[3].now, 45 * MS);
    rig_run(&r, 65 * MS);
    struct hv_dom_stats da = dstats(&r, "a"), db = dstats(&r, "b");
    ck_assert_int_eq(da.cpu_time_ns, 25 * MS);
    ck_assert_int_eq(da.runstate_ns[HV_RS_RUNNING], 25 * MS);
    ck_assert_int_eq(da.runstate_ns[HV_RS_RUNNABLE], 15 * MS);
    ck_assert_int_eq(da.runstate_ns[HV_RS_OFFLINE], 25 * MS);
    ck_assert_int_eq(db.cpu_time_ns, 35 * MS);
    ck_assert_int_eq(db.runstate_ns[HV_RS_RUNNABLE], 20 * MS);
    ck_assert_int_eq(db.runstate_ns[HV_RS_OFFLINE], 10 * MS);
    ck_assert_uint_eq(da.dispatches, 3);
    ck_assert_uint_eq(db.dispatches, 2);
    ck_assert_uint_eq(da.blocks + db.blocks, 0);
    ck_assert_uint_eq(da.wakeups + db.wakeups, 0);
    ck_assert_int_eq(pstats(&r, 0).idle_ns, 5 * MS);
    ck_assert_int_eq(sleep_n, 2);
    check_conservation(&r);
    rig_down(&r);
}
END_TEST

static Suite *hv_suite(void)
{
    Suite *s = suite_create("hv");
    TCase *tc = xs_tcase(s, "conservation", 30);
    tcase_add_loop_test(tc, test_conservation, 0, (int)(sizeof cons_yaml / sizeof cons_yaml[0]));
    tc = xs_tcase(s, "costs", 20);
    tcase_add_test(tc, test_switch_cost);
    tcase_add_test(tc, test_switch_cost_cycles);
    tcase_add_test(tc, test_cache_refill);
    tcase_add_test(tc, test_prev_eq_next);
    tc = xs_tcase(s, "placement", 20);
    tcase_add_test(tc, test_placement);
    tc = xs_tcase(s, "workloads", 20);
    tcase_add_test(tc, test_sleep_wakes_through_timer);
    tcase_add_test(tc, test_yield_every);
    tcase_add_test(tc, test_late_periods);
    tcase_add_test(tc, test_sched_latency);
    tcase_add_test(tc, test_external_wake);
    tc = xs_tcase(s, "upcalls", 20);
    tcase_add_test(tc, test_upcall_ticks);
    tcase_add_test(tc, test_upcall_wakes_blocked);
    tcase_add_test(tc, test_port_on_vcpu1_wakes_it);
    tcase_add_test(tc, test_port_on_vcpu1_interrupts_it);
    tc = xs_tcase(s, "tick", 20);
    tcase_add_test(tc, test_tick_drift);
    tcase_add_test(tc, test_tick_batched_early);
    tc = xs_tcase(s, "pause", 20);
    tcase_add_test(tc, test_pause_unpause);
    tc = xs_tcase(s, "stats", 30);
    tcase_add_test(tc, test_stats_reset);
    tcase_add_test(tc, test_determinism);
    tcase_add_test(tc, test_demand_streams);
    tc = xs_tcase(s, "errors", 20);
    tcase_add_test(tc, test_errors);
    return s;
}

XS_CHECK_MAIN(hv_suite)
