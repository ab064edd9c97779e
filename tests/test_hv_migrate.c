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

static Suite *migrate_suite(void)
{
    Suite *s = suite_create("hv_migrate");
    TCase *tc = xs_tcase(s, "moves", 60);
    tcase_add_test(tc, global_fifo_shares_by_moving);
    tcase_add_test(tc, pinned_vcpu_is_not_moved);
    tcase_add_test(tc, migrate_after_descheduling);
    tcase_add_test(tc, migrate_needs_pick_cpu);
    return s;
}

XS_CHECK_MAIN(migrate_suite)
