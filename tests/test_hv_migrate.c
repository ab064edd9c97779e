/*
 * tests/test_hv_migrate.c: the core's migration services (models/hv.c:
 * sched_move, sched_migrate with the pick_cpu hook, sched_may_run) driven
 * by two small policies written here, on real hosts (tests/hv_rig.h).
 *
 *   gfifo   one global FIFO of runnable vCPUs, 10 ms slices: a pCPU that
 *           schedules takes the head, moving it over (sched_move) if it is
 *           another pCPU's. Three CPU hogs on two pCPUs then share them
 *           equally: 2/3 of a pCPU each, less the switch overhead, which
 *           no Xen 2.0 policy can give (each vCPU would stay where it was
 *           placed: two on one pCPU at 1/2 each, one alone at 1).
 *   bounce  per-pCPU FIFOs; every 10 ms tick of a pCPU asks the running
 *           vCPU to migrate (sched_migrate), and pick_cpu sends it to the
 *           next pCPU. One hog on two pCPUs runs on each half the time.
 *   steer   per-pCPU FIFOs whose waits the test sets (a wake on an idle
 *           pCPU is scheduled 700 us later), and one migration a test asks
 *           for: a sched_move of a blocked sleeper, a sched_migrate from
 *           do_schedule of the vCPU it returns, of one it does not return,
 *           or of the running vCPU that blocked; sched_place from insert.
 *           Each test derives, from docs/hypervisor.md "Migration", when
 *           pick_cpu and the wake hook run and on which pCPU, and every
 *           vCPU's and pCPU's runstate, CPU and run-queue time to the ns.
 *
 * What is checked, from those definitions: the shares; that every ns of
 * busy time is some vCPU's CPU time and every vCPU's runstates cover the
 * window (check_conservation); the migration count; that costs.migration
 * is charged exactly once per run on another pCPU than the last (refill_ns
 * = migrations x cost, with cache_refill 0); that a migration is not a
 * wakeup; and the services' refusals (a running vCPU, a pCPU outside the
 * domain's cpus, no pick_cpu).
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "models/hv.h"
#include "schedulers/sched.h"
#include "sim/err.h"
#include "sim/stats.h"
#include "tests/check_util.h"
#include "tests/hv_rig.h"

#define SLICE (10 * SIM_MSEC)
#define MAXQ 64

/* ---- gfifo ---- */

struct gfifo {
    struct sched_core *core;
    struct sched_vcpu *q[MAXQ];     /* runnable, not running, oldest first */
    int n;
    int refused_running, refused_pinned;    /* the services' answers seen */
};

static struct gfifo *gf;            /* the one instance of a test */

static int gf_init(struct sched_core *core, const struct scn *s, void **priv)
{
    (void)s;
    gf = calloc(1, sizeof *gf);
    if (!gf)
        return -SIM_ENOMEM;
    gf->core = core;
    *priv = gf;
    return 0;
}

static void gf_deinit(void *priv)
{
    free(priv);
    gf = NULL;
}

static int gf_alloc(void *priv, struct sched_vcpu *v)
{
    (void)priv;
    (void)v;
    return 0;
}

static void gf_insert(void *priv, struct sched_vcpu *v)
{
    (void)priv;
    (void)v;
}

static void gf_push(struct gfifo *g, struct sched_vcpu *v)
{
    ck_assert_int_lt(g->n, MAXQ);
    g->q[g->n++] = v;
}

static void gf_wake(void *priv, struct sched_vcpu *v)
{
    struct gfifo *g = priv;
    if (v->is_idle)
        return;
    gf_push(g, v);
    for (int p = 0; p < sched_npcpus(g->core); p++)
        if (sched_curr(g->core, p)->is_idle) {
            sched_tickle(g->core, p);
            break;
        }
}

static struct sched_slice gf_schedule(void *priv, int pcpu, sim_time_t now)
{
    struct gfifo *g = priv;
    (void)now;
    struct sched_vcpu *prev = sched_curr(g->core, pcpu);
    int other = (pcpu + 1) % sched_npcpus(g->core);
    if (!prev->is_idle) {
        /* The core refuses to move a running vCPU. */
        if (sched_move(g->core, prev, other) == -SIM_ESTATE)
            g->refused_running++;
        if (prev->runnable)
            gf_push(g, prev);
    }
    for (int i = 0; i < g->n; i++) {
        struct sched_vcpu *v = g->q[i];
        if (v->processor != pcpu && !sched_may_run(g->core, v, pcpu)) {
            if (sched_move(g->core, v, pcpu) == -SIM_EINVAL)
                g->refused_pinned++;
            continue;
        }
        for (int j = i + 1; j < g->n; j++)
            g->q[j - 1] = g->q[j];
        g->n--;
        if (v->processor != pcpu)
            ck_assert_int_eq(sched_move(g->core, v, pcpu), 0);
        return (struct sched_slice){ v, SLICE };
    }
    return (struct sched_slice){ sched_idle(g->core, pcpu), SLICE };
}

static const struct sched_ops gfifo_ops = {
    .name = "global FIFO (test)",
    .opt_name = "gfifo",
    .init = gf_init,
    .deinit = gf_deinit,
    .alloc_vdata = gf_alloc,
    .insert = gf_insert,
    .wake = gf_wake,
    .do_schedule = gf_schedule,
};

static const char hogs3[] =
    "name: gfifo\nduration: 1s\n"
    "machine: { pcpus: 2, costs: { context_switch: 3us, cache_refill: 0us,"
    " migration: 50us } }\n"
    "domains:\n  hog: { count: 3, workload: { type: cpu } }\n";

START_TEST(global_fifo_shares_by_moving)
{
    struct rig r;
    rig_up(&r, hogs3, &gfifo_ops);
    rig_run(&r, 105 * SIM_MSEC);        /* every hog has run; a reset mid-slice */
    hv_stats_reset(r.h);
    rig_run(&r, 105 * SIM_MSEC + 3 * SIM_SEC);
    check_conservation(&r);
    uint64_t moves = 0;
    int64_t refill = 0;
    for (int k = 0; k < 3; k++) {
        char name[32];
        snprintf(name, sizeof name, "hog.%d", k);
        struct hv_dom_stats ds = dstats(&r, name);
        /* 2 pCPUs x 3 s over 3 hogs, less a switch (3 us) and at most a
         * cold start (50 us) per 10 ms slice: within 1%. */
        double share = (double)ds.cpu_time_ns / (3.0 * SIM_SEC);
        ck_assert_msg(share > 0.99 * 2.0 / 3.0 && share < 2.0 / 3.0,
                      "%s: %.4f of a pCPU, expected 2/3 less overhead", name, share);
        ck_assert_uint_gt(ds.migrations, 0);
        ck_assert_uint_eq(ds.wakeups, 0);
        moves += ds.migrations;
        refill += ds.refill_ns;
    }
    /* Every move here is of a vCPU that has run, made when it is chosen:
     * it runs on the new pCPU at once, cold. */
    ck_assert_int_eq(refill, (int64_t)moves * 50 * SIM_USEC);
    /* Three slices every 10 ms pass round a queue of three over two
     * pCPUs: about one move per slice pair. */
    ck_assert_uint_gt(moves, 100);
    ck_assert_int_gt(gf->refused_running, 0);
    rig_down(&r);
}
END_TEST

/* A hog pinned to pCPU 1 (cpus: [1]) is never moved to pCPU 0: the core
 * refuses it and sched_may_run says so; it is where it was placed. */
START_TEST(pinned_vcpu_is_not_moved)
{
    struct rig r;
    rig_up(&r, "name: pin\nduration: 1s\nmachine: { pcpus: 2 }\n"
               "domains:\n  hog: { count: 2, workload: { type: cpu } }\n"
               "  pinned: { cpus: [1], workload: { type: cpu } }\n",
           &gfifo_ops);
    rig_run(&r, SIM_SEC);
    check_conservation(&r);
    int d = dom_index(r.s, "pinned");
    ck_assert_int_eq(hv_vcpu_pcpu(r.h, d, 0), 1);
    ck_assert_uint_eq(dstats(&r, "pinned").migrations, 0);
    ck_assert_int_gt(gf->refused_pinned, 0);
    ck_assert_uint_gt(dstats(&r, "hog.0").migrations + dstats(&r, "hog.1").migrations, 0);
    rig_down(&r);
}
END_TEST

/* ---- bounce ---- */

struct bounce {
    struct sched_core *core;
    struct sched_vcpu *q[2][MAXQ];
    int n[2];
    struct sched_timer tick[2];
    int picks;
};

static struct bounce *bo;

static void bo_tick(void *arg)
{
    int p = (int)(intptr_t)arg;
    struct sched_vcpu *v = sched_curr(bo->core, p);
    if (!v->is_idle)
        ck_assert_int_eq(sched_migrate(bo->core, v), 0);
    sched_timer_set(&bo->tick[p], sched_now(bo->core, p) + SLICE);
}

static int bo_init(struct sched_core *core, const struct scn *s, void **priv)
{
    (void)s;
    bo = calloc(1, sizeof *bo);
    if (!bo)
        return -SIM_ENOMEM;
    bo->core = core;
    for (int p = 0; p < 2; p++)
        sched_timer_init(core, &bo->tick[p], p, bo_tick, (void *)(intptr_t)p);
    *priv = bo;
    return 0;
}

static void bo_deinit(void *priv)
{
    struct bounce *b = priv;
    for (int p = 0; p < 2; p++)
        sched_timer_cancel(&b->tick[p]);
    free(b);
    bo = NULL;
}

static void bo_wake(void *priv, struct sched_vcpu *v)
{
    struct bounce *b = priv;
    if (v->is_idle)
        return;
    int p = v->processor;
    b->q[p][b->n[p]++] = v;
    if (!clk_timer_pending(&b->tick[p].ct))
        sched_timer_set(&b->tick[p], sched_now(b->core, p) + SLICE);
    sched_tickle(b->core, p);
}

static struct sched_slice bo_schedule(void *priv, int pcpu, sim_time_t now)
{
    struct bounce *b = priv;
    (void)now;
    struct sched_vcpu *prev = sched_curr(b->core, pcpu);
    if (!prev->is_idle && prev->runnable)
        b->q[pcpu][b->n[pcpu]++] = prev;
    if (!b->n[pcpu])
        return (struct sched_slice){ sched_idle(b->core, pcpu), SIM_SEC };
    struct sched_vcpu *v = b->q[pcpu][0];
    for (int j = 1; j < b->n[pcpu]; j++)
        b->q[pcpu][j - 1] = b->q[pcpu][j];
    b->n[pcpu]--;
    return (struct sched_slice){ v, SIM_SEC };
}

static int bo_pick(void *priv, struct sched_vcpu *v)
{
    struct bounce *b = priv;
    b->picks++;
    return (v->processor + 1) % sched_npcpus(b->core);
}

static const struct sched_ops bounce_ops = {
    .name = "bounce (test)",
    .opt_name = "bounce",
    .init = bo_init,
    .deinit = bo_deinit,
    .alloc_vdata = gf_alloc,
    .insert = gf_insert,
    .wake = bo_wake,
    .do_schedule = bo_schedule,
    .pick_cpu = bo_pick,
};

START_TEST(migrate_after_descheduling)
{
    struct rig r;
    rig_up(&r, "name: bounce\nduration: 1s\n"
               "machine: { pcpus: 2, costs: { context_switch: 3us, cache_refill: 0us } }\n"
               "domains:\n  hog: { workload: { type: cpu } }\n",
           &bounce_ops);
    rig_run(&r, 2 * SIM_SEC);
    check_conservation(&r);
    struct hv_dom_stats ds = dstats(&r, "hog");
    /* A move every 10 ms tick of the pCPU it runs on: 2 s / 10 ms. */
    ck_assert_msg(ds.migrations >= 199 && ds.migrations <= 200, "%llu migrations",
                  (unsigned long long)ds.migrations);
    ck_assert_int_eq(bo->picks, (int)ds.migrations);
    /* A migration is not a wakeup; the hog never blocks. */
    ck_assert_uint_eq(ds.wakeups, 0);
    ck_assert_uint_eq(ds.blocks, 0);
    /* Half the window on each pCPU, the hog always running but for each
     * move's two switches: the old pCPU's to idle, at whose end the move
     * happens (Xen's context_saved), and the new pCPU's to the hog: 6 us. */
    for (int p = 0; p < 2; p++) {
        struct hv_pcpu_stats ps = pstats(&r, p);
        ck_assert_msg(ps.busy_ns > 0.99 * SIM_SEC && ps.busy_ns < 1.01 * SIM_SEC,
                      "pCPU %d busy %lld ns", p, (long long)ps.busy_ns);
    }
    ck_assert_int_eq(ds.cpu_time_ns, 2 * SIM_SEC - (int64_t)ds.migrations * 6 * SIM_USEC
                                         - 3 * SIM_USEC);
    rig_down(&r);
}
END_TEST

/* Without pick_cpu, sched_migrate is refused: gfifo has none. */
START_TEST(migrate_needs_pick_cpu)
{
    struct rig r;
    rig_up(&r, "name: none\nduration: 1s\nmachine: { pcpus: 2 }\n"
               "domains:\n  hog: { workload: { type: cpu } }\n",
           &gfifo_ops);
    rig_run(&r, 20 * SIM_MSEC);
    struct sched_vcpu *v = NULL;
    for (int p = 0; p < 2 && !v; p++)
        if (!sched_curr(gf->core, p)->is_idle)
            v = sched_curr(gf->core, p);
    ck_assert_ptr_nonnull(v);
    ck_assert_int_eq(sched_migrate(gf->core, v), -SIM_EINVAL);
    rig_down(&r);
}
END_TEST

/* ---- steer ----
 *
 * Per-pCPU FIFOs of 2 ms slices (the idle vCPU for 1 s) on two pCPUs, with
 * the migrations a test asks for (knobs below). A wake queues the vCPU on
 * its processor and, if that pCPU is idle, schedules it KICK later (a
 * sched_timer), so that every wait is a number the test chooses. The
 * policy logs every wake and pick_cpu with the processor and that pCPU's
 * NOW(): the policy's own view, which the documented rules predict. */

#define KICK (700 * SIM_USEC)
#define LOGN 32

struct st_log {
    int dom, pcpu;                  /* vCPU's domain; its processor then */
    sim_time_t now;                 /* ns, NOW() of that pCPU */
    sim_time_t now0;                /* ns, NOW() of pCPU 0 (engine time: ppm 0) */
};

struct steer {
    struct sched_core *core;
    struct sched_vcpu *q[2][MAXQ];
    int n[2];
    struct sched_timer kick[2];
    struct sched_timer mover;
    struct sched_vcpu *vc[4];       /* vCPU 0 of each domain */
    /* knobs */
    sim_time_t move_after;          /* ns after the first admission: sched_move
                                       of domain 0's vCPU to pCPU 1 (0: never) */
    bool flag_next;                 /* once: sched_migrate the vCPU do_schedule
                                       of pCPU 0 returns */
    bool flag_skip;                 /* once: sched_migrate the head of pCPU 0's
                                       queue and return the next one */
    bool flag_blocked;              /* once: sched_migrate the running vCPU that
                                       blocked */
    /* what happened */
    struct st_log wakes[LOGN], picks[LOGN];
    int nwakes, npicks;
    bool place;                     /* insert puts domain vCPUs on pCPU 1 */
    int move_rc, place_rc[4];
};

static struct steer *st;
static bool st_place;               /* st->place, for the inserts of hv_new */

static void st_kick(void *arg)
{
    sched_tickle(st->core, (int)(intptr_t)arg);
}

static void st_move(void *arg)
{
    (void)arg;
    st->move_rc = sched_move(st->core, st->vc[0], 1);
}

static int st_init(struct sched_core *core, const struct scn *s, void **priv)
{
    (void)s;
    st = calloc(1, sizeof *st);
    if (!st)
        return -SIM_ENOMEM;
    st->core = core;
    st->move_rc = 1;
    for (int p = 0; p < 2; p++)
        sched_timer_init(core, &st->kick[p], 0, st_kick, (void *)(intptr_t)p);
    sched_timer_init(core, &st->mover, 0, st_move, NULL);
    *priv = st;
    return 0;
}

static void st_deinit(void *priv)
{
    struct steer *t = priv;
    for (int p = 0; p < 2; p++)
        sched_timer_cancel(&t->kick[p]);
    sched_timer_cancel(&t->mover);
    free(t);
    st = NULL;
}

static void st_insert(void *priv, struct sched_vcpu *v)
{
    struct steer *t = priv;
    t->place = st_place;
    if (st_place && v->is_idle && v->processor == 0)
        t->place_rc[0] = sched_place(t->core, v, 1);
    if (st_place && !v->is_idle) {
        t->place_rc[1] = sched_place(t->core, v, 2);     /* no such pCPU */
        t->place_rc[2] = sched_place(t->core, v, 1);
    }
    if (!v->is_idle && v->vcpu == 0 && v->domain < 4)
        t->vc[v->domain] = v;
}

static void st_note(struct st_log *log, int *n, struct sched_vcpu *v)
{
    ck_assert_int_lt(*n, LOGN);
    log[(*n)++] = (struct st_log){ v->domain, v->processor,
                                   sched_now(st->core, v->processor),
                                   sched_now(st->core, 0) };
}

static void st_wake(void *priv, struct sched_vcpu *v)
{
    struct steer *t = priv;
    if (v->is_idle)
        return;
    st_note(t->wakes, &t->nwakes, v);
    if (t->place)
        t->place_rc[3] = sched_place(t->core, v, 0);     /* not from insert */
    int p = v->processor;
    ck_assert_int_lt(t->n[p], MAXQ);
    t->q[p][t->n[p]++] = v;
    if (sched_curr(t->core, p)->is_idle && !clk_timer_pending(&t->kick[p].ct))
        sched_timer_set(&t->kick[p], sched_now(t->core, 0) + KICK);
    if (t->move_after && !clk_timer_pending(&t->mover.ct) && t->move_rc == 1)
        sched_timer_set(&t->mover, sched_now(t->core, 0) + t->move_after);
}

static struct sched_vcpu *st_pop(struct steer *t, int p)
{
    struct sched_vcpu *v = t->q[p][0];
    for (int j = 1; j < t->n[p]; j++)
        t->q[p][j - 1] = t->q[p][j];
    t->n[p]--;
    return v;
}

static struct sched_slice st_schedule(void *priv, int pcpu, sim_time_t now)
{
    struct steer *t = priv;
    (void)now;
    struct sched_vcpu *prev = sched_curr(t->core, pcpu);
    if (!prev->is_idle && prev->runnable)
        t->q[pcpu][t->n[pcpu]++] = prev;
    if (!prev->is_idle && !prev->runnable && t->flag_blocked) {
        t->flag_blocked = false;
        ck_assert_int_eq(sched_migrate(t->core, prev), 0);
    }
    if (pcpu == 0 && t->flag_skip && t->n[0] >= 2) {
        t->flag_skip = false;
        struct sched_vcpu *skipped = st_pop(t, 0);
        ck_assert_int_eq(sched_migrate(t->core, skipped), 0);
        ck_assert(!skipped->runnable);
    }
    if (!t->n[pcpu])
        return (struct sched_slice){ sched_idle(t->core, pcpu), SIM_SEC };
    struct sched_vcpu *v = st_pop(t, pcpu);
    if (pcpu == 0 && t->flag_next) {
        t->flag_next = false;
        ck_assert_int_eq(sched_migrate(t->core, v), 0);
        /* One a schedule, and not twice the same vCPU. */
        ck_assert_int_eq(sched_migrate(t->core, v), -SIM_ESTATE);
    }
    return (struct sched_slice){ v, 2 * SIM_MSEC };
}

static int st_pick(void *priv, struct sched_vcpu *v)
{
    struct steer *t = priv;
    st_note(t->picks, &t->npicks, v);
    return 1 - v->processor;
}

static const struct sched_ops steer_ops = {
    .name = "steer (test)",
    .opt_name = "steer",
    .init = st_init,
    .deinit = st_deinit,
    .alloc_vdata = gf_alloc,
    .insert = st_insert,
    .wake = st_wake,
    .do_schedule = st_schedule,
    .pick_cpu = st_pick,
};

/* Exact timing: no slop (a timer runs at its expiry), no upcall or refill
 * cost; pCPU 0's NOW() is engine time and the policy's timers are on it;
 * pCPU 1's runs 1% fast, so a timer on the wrong clock fires 1% early and
 * NOW() read there is told apart. */
#define ST_MACHINE(sw)                                                          \
    "machine: { pcpus: 2, clock: { tsc_hz: 1GHz, timer_slop: 1ns,"              \
    " tsc_ppm: [0, 10000] },"                                  \
    " costs: { context_switch: " sw ", cache_refill: 0us, upcall: 0us,"         \
    " hypercall: 0, migration: 0us } }\n"
/* pCPU 1's NOW() at engine time t (ns), to within the clock's rounding
 * (docs/clock.md: +100 ppm reads 500,049,999 at 0.5 s). */
static void ck_now1(sim_time_t now1, sim_time_t t)
{
    sim_time_t want = t + t / 100;
    ck_assert_msg(now1 >= want - 2 && now1 <= want + 2, "pCPU 1 NOW() %lld, want %lld",
                  (long long)now1, (long long)want);
}

static struct hv_vcpu_stats vstats(struct rig *r, const char *dom)
{
    struct hv_vcpu_stats vs;
    ck_assert_int_eq(hv_vcpu_stats(r->h, dom_index(r->s, dom), 0, &vs), 0);
    return vs;
}

/*
 * sched_move of a blocked vCPU whose sleep deadline is pending. s (pCPU 0)
 * is admitted at 1.5 ms behind a hog pinned to pCPU 0 (admitted at 1 ms,
 * run from the kick at 1.7 ms for 2 ms); s runs 3.7 .. 4.7 ms (its 1 ms
 * burst), then sleeps 5 ms: deadline NOW() = 9.7 ms on pCPU 0. At 6 ms
 * (the policy's timer, 5 ms after the hog's admission) it moves s to
 * pCPU 1. The timer stays on pCPU 0's clock: it fires at 9.7 ms, not 1%
 * early, and the wake reaches the policy with processor 1; s
 * runs there from the kick, 10.4 .. 11.4 ms, and sleeps again. At 14 ms:
 *   s: offline 1.5, runnable 2.2 (pCPU 0) + 0.7 (pCPU 1), running 2,
 *      blocked 5 + 2.6 ms; one migration, one wakeup, two blocks;
 *   pCPU 0 busy 1.7 .. 14 = 12.3 ms, run queue s 2.2 + hog 0.7 (1 .. 1.7)
 *      + hog 1 (3.7 .. 4.7) = 3.9 ms; pCPU 1 busy 1 ms, run queue 0.7 ms.
 */
START_TEST(move_blocked_sleeper)
{
    struct rig r;
    rig_up(&r, "name: sleeper\nduration: 1s\n" ST_MACHINE("0us")
               "domains:\n"
               "  s: { unpause: 1500us, workload: { type: onoff, on: 1ms, off: 5ms } }\n"
               "  hog: { cpus: [0], unpause: 1ms, workload: { type: cpu } }\n",
           &steer_ops);
    st->move_after = 5 * SIM_MSEC;
    rig_run(&r, 14 * SIM_MSEC);
    check_conservation(&r);
    ck_assert_int_eq(st->move_rc, 0);
    ck_assert_int_eq(hv_vcpu_pcpu(r.h, dom_index(r.s, "s"), 0), 1);
    /* Wakes: hog, s at admission, s from its sleep. */
    ck_assert_int_eq(st->nwakes, 3);
    ck_assert_int_eq(st->wakes[1].dom, 0);
    ck_assert_int_eq(st->wakes[1].pcpu, 0);
    ck_assert_int_eq(st->wakes[1].now, 1500 * SIM_USEC);
    ck_assert_int_eq(st->wakes[2].dom, 0);
    ck_assert_int_eq(st->wakes[2].pcpu, 1);
    ck_assert_int_eq(st->wakes[2].now0, 9700 * SIM_USEC);
    ck_now1(st->wakes[2].now, 9700 * SIM_USEC);
    ck_assert_int_eq(st->npicks, 0);
    struct hv_vcpu_stats vs = vstats(&r, "s");
    ck_assert_uint_eq(vs.migrations, 1);
    ck_assert_uint_eq(vs.wakeups, 1);
    ck_assert_uint_eq(vs.blocks, 2);
    ck_assert_uint_eq(vs.preemptions, 0);
    ck_assert_int_eq(vs.cpu_time_ns, 2 * SIM_MSEC);
    ck_assert_int_eq(vs.runstate_ns[HV_RS_OFFLINE], 1500 * SIM_USEC);
    ck_assert_int_eq(vs.runstate_ns[HV_RS_RUNNABLE], 2900 * SIM_USEC);
    ck_assert_int_eq(vs.runstate_ns[HV_RS_RUNNING], 2 * SIM_MSEC);
    ck_assert_int_eq(vs.runstate_ns[HV_RS_BLOCKED], 7600 * SIM_USEC);
    struct hv_pcpu_stats p0 = pstats(&r, 0), p1 = pstats(&r, 1);
    ck_assert_int_eq(p0.busy_ns, 12300 * SIM_USEC);
    ck_assert_int_eq(p1.busy_ns, 1 * SIM_MSEC);
    ck_assert_int_eq(p0.runq_ns, 3900 * SIM_USEC);
    ck_assert_int_eq(p1.runq_ns, 700 * SIM_USEC);
    ck_assert_int_eq(p0.nvcpus, 1);
    ck_assert_int_eq(p1.nvcpus, 1);
    rig_down(&r);
}
END_TEST

static const char two_hogs[] =
    "name: flagged\nduration: 1s\n" ST_MACHINE("3us")
    "domains:\n"
    "  a: { unpause: 1ms, workload: { type: cpu } }\n"
    "  b: { cpus: [0], unpause: 1ms, workload: { type: cpu } }\n";

/*
 * sched_migrate from do_schedule of the vCPU it returns. a and b (both on
 * pCPU 0, b pinned there) are admitted at 1 ms; the kick at 1.7 ms
 * schedules a, which the policy flags as it returns it. The core runs a
 * although it is flagged (switch 1.7 .. 1.703 ms), not runnable; the
 * SCHEDULE_SOFTIRQ that sched_migrate raises on its pCPU waits for that
 * switch, so pCPU 0 schedules again at 1.703 ms and switches to b; pick_cpu
 * is asked only when that switch away from a is over, at 1.706 ms
 * (context_saved). a is woken on pCPU 1 then and runs there from the kick
 * at 2.406 ms (switch to 2.409 ms). It was switched away while runnable but
 * for the flag: one preemption. At 5 ms:
 *   a: CPU 0 (pCPU 0) + 2.591 ms (pCPU 1), running 0.003 + 2.594 ms,
 *      runnable 0.7 + 0.003 ms (pCPU 0) + 0.7 ms (pCPU 1);
 *   b: CPU 5 - 1.706 = 3.294 ms;
 *   pCPU 0 run queue a 0.703 + b 0.703 = 1.406 ms; pCPU 1 0.7 ms.
 */
START_TEST(migrate_returned_vcpu_after_its_switch)
{
    struct rig r;
    rig_up(&r, two_hogs, &steer_ops);
    st->flag_next = true;
    rig_run(&r, 1702 * SIM_USEC);           /* switching to a */
    struct sched_vcpu *a = st->vc[0];
    ck_assert_ptr_eq(sched_curr(st->core, 0), a);
    ck_assert(!a->runnable);
    ck_assert_int_eq(sched_migrate(st->core, a), -SIM_ESTATE);     /* migrating */
    ck_assert_int_eq(sched_move(st->core, a, 1), -SIM_ESTATE);
    rig_run(&r, 1705 * SIM_USEC);           /* switched away, switch not over */
    ck_assert_ptr_eq(sched_curr(st->core, 0), st->vc[1]);
    ck_assert_int_eq(st->npicks, 0);
    ck_assert_int_eq(a->processor, 0);
    rig_run(&r, 5 * SIM_MSEC);
    check_conservation(&r);
    ck_assert_int_eq(st->npicks, 1);
    ck_assert_int_eq(st->picks[0].dom, 0);
    ck_assert_int_eq(st->picks[0].pcpu, 0);
    ck_assert_int_eq(st->picks[0].now0, 1706 * SIM_USEC);
    ck_assert_int_eq(st->nwakes, 3);        /* a, b admitted; a moved */
    ck_assert_int_eq(st->wakes[2].dom, 0);
    ck_assert_int_eq(st->wakes[2].pcpu, 1);
    ck_assert_int_eq(st->wakes[2].now0, 1706 * SIM_USEC);
    ck_assert_ptr_eq(sched_curr(st->core, 1), a);
    ck_assert_int_eq(hv_vcpu_pcpu(r.h, 0, 0), 1);
    struct hv_vcpu_stats vs = vstats(&r, "a");
    ck_assert_uint_eq(vs.migrations, 1);
    ck_assert_uint_eq(vs.preemptions, 1);
    ck_assert_uint_eq(vs.wakeups, 0);
    ck_assert_uint_eq(vs.dispatches, 2);
    ck_assert_int_eq(vs.cpu_time_ns, 2591 * SIM_USEC);
    ck_assert_int_eq(vs.runstate_ns[HV_RS_RUNNING], 2597 * SIM_USEC);
    ck_assert_int_eq(vs.runstate_ns[HV_RS_RUNNABLE], 1403 * SIM_USEC);
    ck_assert_int_eq(vstats(&r, "b").cpu_time_ns, 3294 * SIM_USEC);
    ck_assert_int_eq(pstats(&r, 0).runq_ns, 1406 * SIM_USEC);
    ck_assert_int_eq(pstats(&r, 1).runq_ns, 700 * SIM_USEC);
    ck_assert_int_eq(pstats(&r, 1).busy_ns, 2591 * SIM_USEC);
    ck_assert_uint_eq(vstats(&r, "b").migrations, 0);
    rig_down(&r);
}
END_TEST

/*
 * The same flag on a vCPU do_schedule then does not return: at 1.7 ms the
 * policy flags a, the head of pCPU 0's queue, and returns b. a is moved at
 * once: pick_cpu at 1.7 ms, woken on pCPU 1 at 1.7 ms, run there from the
 * kick at 2.4 ms. It never ran on pCPU 0: no preemption, one dispatch. At
 * 5 ms: a CPU 5 - 2.403 = 2.597 ms, runnable 0.7 (pCPU 0) + 0.7 ms
 * (pCPU 1); b runs on pCPU 0 from 1.703 ms: CPU 3.297 ms; pCPU 0 run queue
 * a 0.7 + b 0.7 = 1.4 ms, pCPU 1 0.7 ms.
 */
START_TEST(migrate_flagged_not_returned_moves_at_once)
{
    struct rig r;
    rig_up(&r, two_hogs, &steer_ops);
    st->flag_skip = true;
    rig_run(&r, 5 * SIM_MSEC);
    check_conservation(&r);
    ck_assert_int_eq(st->npicks, 1);
    ck_assert_int_eq(st->picks[0].pcpu, 0);
    ck_assert_int_eq(st->picks[0].now0, 1700 * SIM_USEC);
    ck_assert_int_eq(st->nwakes, 3);
    ck_assert_int_eq(st->wakes[2].dom, 0);
    ck_assert_int_eq(st->wakes[2].pcpu, 1);
    ck_assert_int_eq(st->wakes[2].now0, 1700 * SIM_USEC);
    ck_assert_ptr_eq(sched_curr(st->core, 1), st->vc[0]);
    ck_assert_ptr_eq(sched_curr(st->core, 0), st->vc[1]);
    struct hv_vcpu_stats vs = vstats(&r, "a");
    ck_assert_uint_eq(vs.migrations, 1);
    ck_assert_uint_eq(vs.preemptions, 0);
    ck_assert_uint_eq(vs.dispatches, 1);
    ck_assert_int_eq(vs.cpu_time_ns, 2597 * SIM_USEC);
    ck_assert_int_eq(vs.runstate_ns[HV_RS_RUNNABLE], 1400 * SIM_USEC);
    ck_assert_int_eq(vstats(&r, "b").cpu_time_ns, 3297 * SIM_USEC);
    ck_assert_int_eq(pstats(&r, 0).runq_ns, 1400 * SIM_USEC);
    ck_assert_int_eq(pstats(&r, 1).runq_ns, 700 * SIM_USEC);
    rig_down(&r);
}
END_TEST

#define SLEEPER(off)                                                            \
    "name: blocker\nduration: 1s\n" ST_MACHINE("3us")                           \
    "domains:\n"                                                                \
    "  s: { unpause: 1ms, workload: { type: onoff, on: 1ms, off: " off " } }\n"

/*
 * sched_migrate from do_schedule of the running vCPU that blocked. s is
 * admitted at 1 ms, runs from the kick at 1.7 ms (switch to 1.703 ms) its
 * 1 ms burst and sleeps at 2.703 ms for 5 ms: deadline 7.703 ms on pCPU
 * 0's clock. The policy flags it then. The switch away does not book it
 * runnable (no preemption: it is blocked); at its end, 2.706 ms, pick_cpu
 * moves it to pCPU 1, not woken (no wake hook call, still blocked). Its
 * timer stays on pCPU 0: the wake at 7.703 ms reaches the policy on pCPU 1,
 * which runs it from the kick at 8.403 ms (switch to 8.406 ms).
 */
START_TEST(migrate_blocked_running_vcpu)
{
    struct rig r;
    rig_up(&r, SLEEPER("5ms"), &steer_ops);
    st->flag_blocked = true;
    rig_run(&r, 2705 * SIM_USEC);
    ck_assert_int_eq(st->npicks, 0);
    ck_assert_int_eq(hv_vcpu_pcpu(r.h, 0, 0), 0);
    rig_run(&r, 5 * SIM_MSEC);
    check_conservation(&r);
    ck_assert_int_eq(st->npicks, 1);
    ck_assert_int_eq(st->picks[0].now0, 2706 * SIM_USEC);
    ck_assert_int_eq(hv_vcpu_pcpu(r.h, 0, 0), 1);
    ck_assert_int_eq(st->nwakes, 1);        /* the admission only */
    ck_assert_int_eq(hv_vcpu_runstate(r.h, 0, 0), HV_RS_BLOCKED);
    struct hv_vcpu_stats vs = vstats(&r, "s");
    ck_assert_uint_eq(vs.migrations, 1);
    ck_assert_uint_eq(vs.preemptions, 0);
    ck_assert_uint_eq(vs.wakeups, 0);
    ck_assert_uint_eq(vs.blocks, 1);
    ck_assert_int_eq(vs.runstate_ns[HV_RS_RUNNABLE], 700 * SIM_USEC);
    ck_assert_int_eq(vs.runstate_ns[HV_RS_RUNNING], 1003 * SIM_USEC);
    ck_assert_int_eq(vs.runstate_ns[HV_RS_BLOCKED], 2297 * SIM_USEC);
    ck_assert_int_eq(pstats(&r, 0).runq_ns, 700 * SIM_USEC);
    ck_assert_int_eq(pstats(&r, 1).runq_ns, 0);
    rig_run(&r, 9 * SIM_MSEC);
    check_conservation(&r);
    ck_assert_int_eq(st->nwakes, 2);
    ck_assert_int_eq(st->wakes[1].pcpu, 1);
    ck_assert_int_eq(st->wakes[1].now0, 7703 * SIM_USEC);
    vs = vstats(&r, "s");
    ck_assert_uint_eq(vs.wakeups, 1);
    ck_assert_uint_eq(vs.migrations, 1);
    ck_assert_int_eq(vs.cpu_time_ns, 1594 * SIM_USEC);
    ck_assert_int_eq(pstats(&r, 1).busy_ns, 594 * SIM_USEC);
    ck_assert_int_eq(pstats(&r, 1).runq_ns, 700 * SIM_USEC);
    rig_down(&r);
}
END_TEST

/*
 * A wake between the switch away and the move. As above, but s sleeps
 * 1 us: its timer fires at 2.704 ms, inside the switch away (2.703 ..
 * 2.706 ms). The wake waits for the move: the policy's wake runs once, at
 * 2.706 ms with processor 1, and s is runnable on pCPU 1 from then; one
 * wakeup; its sched_latency runs from the wake itself (2.704 ms) to its
 * dispatch at the kick, 3.406 ms: 702 us.
 */
START_TEST(migrate_wake_during_switch_waits_for_move)
{
    struct rig r;
    rig_up(&r, SLEEPER("1us"), &steer_ops);
    st->flag_blocked = true;
    rig_run(&r, 2705 * SIM_USEC);
    ck_assert_int_eq(st->nwakes, 1);
    ck_assert_int_eq(st->npicks, 0);
    rig_run(&r, 3 * SIM_MSEC);
    check_conservation(&r);
    ck_assert_int_eq(st->npicks, 1);
    ck_assert_int_eq(st->picks[0].now0, 2706 * SIM_USEC);
    ck_assert_int_eq(st->nwakes, 2);
    ck_assert_int_eq(st->wakes[1].pcpu, 1);
    ck_assert_int_eq(st->wakes[1].now0, 2706 * SIM_USEC);
    ck_assert_int_eq(hv_vcpu_runstate(r.h, 0, 0), HV_RS_RUNNABLE);
    struct hv_vcpu_stats vs = vstats(&r, "s");
    ck_assert_uint_eq(vs.wakeups, 1);
    ck_assert_uint_eq(vs.migrations, 1);
    ck_assert_uint_eq(vs.preemptions, 0);
    ck_assert_int_eq(pstats(&r, 1).runq_ns, 294 * SIM_USEC);
    rig_run(&r, 4 * SIM_MSEC);
    check_conservation(&r);
    ck_assert_int_eq(st->nwakes, 2);
    ck_assert_ptr_eq(sched_curr(st->core, 1), st->vc[0]);
    struct st_rec *lat = hv_dom_sched_latency(r.h, 0);
    ck_assert_uint_eq(st_rec_count(lat), 1);
    double l;
    ck_assert_int_eq(st_rec_quantile(lat, 0, &l, NULL), 0);
    ck_assert_int_eq((int64_t)l, 702 * SIM_USEC);
    rig_down(&r);
}
END_TEST

/*
 * sched_place from insert: d, which the core places on pCPU 0, is put on
 * pCPU 1 and runs there only; that is not a migration (none counted, no
 * costs.migration charged at its first run). Refused for an idle vCPU, a
 * pCPU it may not run on, and outside insert (from wake).
 */
START_TEST(place_from_insert_only)
{
    struct rig r;
    st_place = true;
    rig_up(&r, "name: place\nduration: 1s\n"
               "machine: { pcpus: 2, costs: { cache_refill: 0us, migration: 50us } }\n"
               "domains:\n  d: { workload: { type: cpu } }\n",
           &steer_ops);
    st_place = false;
    rig_run(&r, 20 * SIM_MSEC);
    check_conservation(&r);
    ck_assert_int_eq(st->place_rc[0], -SIM_EINVAL);
    ck_assert_int_eq(st->place_rc[1], -SIM_EINVAL);
    ck_assert_int_eq(st->place_rc[2], 0);
    ck_assert_int_eq(st->place_rc[3], -SIM_ESTATE);
    ck_assert_int_eq(hv_vcpu_pcpu(r.h, 0, 0), 1);
    ck_assert_int_eq(st->wakes[0].pcpu, 1);
    ck_assert_int_eq(pstats(&r, 0).nvcpus, 0);
    ck_assert_int_eq(pstats(&r, 1).nvcpus, 1);
    ck_assert_int_eq(pstats(&r, 0).busy_ns, 0);
    ck_assert_int_gt(pstats(&r, 1).busy_ns, 0);
    struct hv_vcpu_stats vs = vstats(&r, "d");
    ck_assert_uint_eq(vs.migrations, 0);
    ck_assert_int_eq(vs.refill_ns, 0);
    ck_assert_int_eq(vs.cpu_time_ns, pstats(&r, 1).busy_ns);
    rig_down(&r);
}
END_TEST

static Suite *migrate_suite(void)
{
    Suite *s = suite_create("hv_migrate");
    TCase *tc = xs_tcase(s, "moves", 60);
    tcase_add_test(tc, global_fifo_shares_by_moving);
    tcase_add_test(tc, pinned_vcpu_is_not_moved);
    tcase_add_test(tc, migrate_after_descheduling);
    tcase_add_test(tc, migrate_needs_pick_cpu);
    tcase_add_test(tc, move_blocked_sleeper);
    tcase_add_test(tc, migrate_returned_vcpu_after_its_switch);
    tcase_add_test(tc, migrate_flagged_not_returned_moves_at_once);
    tcase_add_test(tc, migrate_blocked_running_vcpu);
    tcase_add_test(tc, migrate_wake_during_switch_waits_for_move);
    tcase_add_test(tc, place_from_insert_only);
    return s;
}

XS_CHECK_MAIN(migrate_suite)
