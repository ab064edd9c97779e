/*
 * tests/test_sedf.c: SEDF (schedulers/sedf.c) driven step by step through
 * the fake core (tests/sched_fake.h).
 *
 * Every expected number is derived in the test's comment from Xen 4.5's
 * sched_sedf.c as docs/schedulers.md records it: EXTRA_QUANTUM 500 us,
 * WEIGHT_PERIOD 100 ms, WEIGHT_SAFETY 5 ms, L0 score (period << 10) /
 * lost slice, L1 score (1 << 17) / extraweight, the first wake's deadline
 * now + slice (first_deadline_quirk), one L0 run clearing the debt
 * (pen_once_quirk). The test includes the policy's source to read its
 * per-vCPU state.
 */
#include "schedulers/sedf.c"

#include <check.h>
#include <string.h>
#include "sim/err.h"
#include "tests/check_util.h"
#include "tests/sched_fake.h"

#define MS SIM_MSEC
#define US SIM_USEC

static struct sched_core *core_with(int npcpus, bool pen_once, bool first_deadline)
{
    struct scn_sched_global g = fake_sched_defaults();
    g.sedf.pen_once_quirk = pen_once;
    g.sedf.first_deadline_quirk = first_deadline;
    struct sched_core *c;
    ck_assert_int_eq(fake_core_new(&sched_sedf_ops, npcpus, &g, &c), 0);
    return c;
}

/* A domain with sched.sedf as given (SCN_SEDF_UNSET for a key not given). */
static struct scn_domain sdom(sim_time_t period, sim_time_t slice, int extratime, int weight)
{
    struct scn_domain d = fake_domain_defaults();
    d.sedf.set = true;
    d.sedf.period = period;
    d.sedf.slice = slice;
    d.sedf.extratime = extratime;
    d.sedf.weight = weight;
    return d;
}

static struct sched_vcpu *mk(struct sched_core *c, struct scn_domain d, int pcpu, bool runnable)
{
    struct sched_vcpu *v;
    ck_assert_int_eq(fake_vcpu_new(c, &d, pcpu, runnable, &v), 0);
    return v;
}

static struct sedf_vcpu *S(struct sched_vcpu *v)
{
    return v->priv;
}

#define U SCN_SEDF_UNSET

/* Dispatch on pCPU 0, expect next and slice, let the slice run out. */
static void expect_run(struct sched_core *c, struct sched_vcpu *want, sim_time_t slice)
{
    struct sched_slice s = fake_schedule(c, 0);
    ck_assert_ptr_eq(s.next, want);
    ck_assert_int_eq(s.slice, slice);
    fake_advance(c, 0, s.slice);
}

/*
 * A domain with nothing given is 4.5's best-effort default: period
 * WEIGHT_PERIOD 100 ms, slice 0, extraweight 1, extratime. Its first wake
 * at 0 sets the deadline to 0 + slice = 0, which is not after now, so it
 * is a long unblock: deadline 100 ms, on the run queue; it tickles (idle
 * runs). do_schedule moves an empty-slice vCPU to its next period
 * (deadline 200 ms, start 100 ms, the wait queue), finds the run queue
 * empty and runs the L1 head for EXTRA_QUANTUM: 200 quanta fill 100 ms.
 */
START_TEST(test_best_effort_default)
{
    struct sched_core *c = core_with(1, true, true);
    struct sched_vcpu *a = mk(c, fake_domain_defaults(), 0, true);
    ck_assert_int_eq(S(a)->period, 100 * MS);
    ck_assert_int_eq(S(a)->slice, 0);
    ck_assert_int_eq(S(a)->extraweight, 1);
    ck_assert_int_eq(S(a)->status, SEDF_EXTRA_AWARE);
    ck_assert_int_eq(S(a)->deadl_abs, 100 * MS);
    ck_assert_int_eq(fake_ntickles(c, 0), 1);
    for (int i = 0; i < 201; i++)
        expect_run(c, a, 500 * US);
    ck_assert_int_eq(S(a)->deadl_abs, 300 * MS);   /* moved on at 0 and at 100 ms */
    ck_assert_int_eq(fake_cpu_time(c, a), 100 * MS);   /* the 201st is not charged yet */
    fake_core_free(c);
}
END_TEST

/*
 * A reservation of 5 ms every 20 ms without extratime, alone.
 * Quirk on: the first wake at 0 sets the deadline to 0 + 5 ms; now is
 * before it, so it is a short block with no block time: the deadline
 * moves a period on (25 ms) and the vCPU waits for its period to start at
 * 5 ms. Idle runs until then (no extra-time vCPU), the vCPU runs its 5 ms
 * slice, then waits for 25 ms (deadline 45 ms): idle 15 ms, and so on.
 * Quirk off: the first period starts at the wake (deadline 20 ms): it
 * runs at once.
 */
START_TEST(test_reservation_timeline)
{
    struct sched_core *c = core_with(1, true, true);
    struct sched_vcpu *a = mk(c, sdom(20 * MS, 5 * MS, 0, U), 0, true);
    struct sched_vcpu *idle = sched_idle(c, 0);
    ck_assert_int_eq(S(a)->deadl_abs, 25 * MS);
    expect_run(c, idle, 5 * MS);
    expect_run(c, a, 5 * MS);
    expect_run(c, idle, 15 * MS);
    expect_run(c, a, 5 * MS);
    ck_assert_int_eq(S(a)->deadl_abs, 45 * MS);
    expect_run(c, idle, 15 * MS);
    ck_assert_int_eq(S(a)->deadl_abs, 65 * MS);
    ck_assert_int_eq(fake_cpu_time(c, a), 10 * MS);
    fake_core_free(c);

    c = core_with(1, true, false);
    a = mk(c, sdom(20 * MS, 5 * MS, 0, U), 0, true);
    idle = sched_idle(c, 0);
    ck_assert_int_eq(S(a)->deadl_abs, 20 * MS);
    expect_run(c, a, 5 * MS);
    expect_run(c, idle, 15 * MS);
    expect_run(c, a, 5 * MS);
    fake_core_free(c);
}
END_TEST

/*
 * EDF among reservations, quirk off: a (20 ms / 10 ms) and r (10 ms /
 * 1 ms), neither with extratime, both woken at 0: deadlines 20 and 10 ms.
 * r runs first (1 ms), then a until the next period of r starts at 10 ms
 * (min(10 - 0, 10 - 1) = 9 ms), then r again (deadline 20 ms, queued after
 * a's 20 ms: equal deadlines keep arrival order, a was queued first), so a
 * runs its last 1 ms, then r.
 */
START_TEST(test_edf_order)
{
    struct sched_core *c = core_with(1, true, false);
    struct sched_vcpu *a = mk(c, sdom(20 * MS, 10 * MS, 0, U), 0, true);
    struct sched_vcpu *r = mk(c, sdom(10 * MS, 1 * MS, 0, U), 0, true);
    expect_run(c, r, 1 * MS);
    expect_run(c, a, 9 * MS);
    expect_run(c, a, 1 * MS);
    expect_run(c, r, 1 * MS);
    ck_assert_int_eq(S(a)->deadl_abs, 40 * MS);
    ck_assert_int_eq(S(r)->deadl_abs, 20 * MS);   /* moved on when it next stops */
    fake_core_free(c);
}
END_TEST

/*
 * A short block and the L0 (penalty) queue. Quirk first_deadline off.
 * a: 20 ms / 10 ms with extratime; b: best-effort. Both woken at 0: a's
 * deadline 20 ms, b's 100 ms. a runs (slice 10 ms), blocks at 4 ms: 4 ms
 * used, no deadline move, off the extra queues. b's empty slice sends it
 * to the wait queue; b runs in L1 extra time (500 us). a wakes at 4.2 ms,
 * before its deadline: a short block, so no more real-time service this
 * period (deadline 40 ms, cputime 0), the lost 10 - 4 = 6 ms becomes its
 * debt, L0 score (20 ms << 10) / 6 ms = 20480000000 / 6000000 = 3413; b
 * runs L1 extra time and a wants L0, so the wake tickles. a then runs
 * from L0 for 500 us.
 * pen_once_quirk on: that one run clears the debt; a goes on from L1
 * (score 0, ahead of b's 131072 = (1 << 17) / 1).
 * Off: the debt shrinks by each run (score 20480000000 / 5500000 = 3723
 * after the first) and a stays on L0 for 6 ms / 500 us = 12 runs, until
 * 4.2 + 6 = 10.2 ms.
 */
START_TEST(test_short_block_penalty)
{
    bool pen_once = _i == 0;
    struct sched_core *c = core_with(1, pen_once, false);
    struct sched_vcpu *a = mk(c, sdom(20 * MS, 10 * MS, 1, U), 0, true);
    struct sched_vcpu *b = mk(c, fake_domain_defaults(), 0, true);
    struct sched_slice s = fake_schedule(c, 0);
    ck_assert_ptr_eq(s.next, a);
    ck_assert_int_eq(s.slice, 10 * MS);
    fake_advance(c, 0, 4 * MS);
    fake_block(c, a);
    s = fake_schedule(c, 0);
    ck_assert_ptr_eq(s.next, b);
    ck_assert_int_eq(s.slice, 500 * US);
    ck_assert_int_eq(S(a)->cputime, 4 * MS);
    ck_assert_int_eq(S(a)->deadl_abs, 20 * MS);
    ck_assert_int_eq(S(a)->block_abs, 4 * MS);
    fake_advance(c, 0, 200 * US);
    int t0 = fake_ntickles(c, 0);
    fake_wake(c, a);
    ck_assert_int_eq(fake_ntickles(c, 0), t0 + 1);
    ck_assert_int_eq(S(a)->deadl_abs, 40 * MS);
    ck_assert_int_eq(S(a)->short_block_lost_tot, 6 * MS);
    ck_assert_int_eq(S(a)->score[SEDF_PEN_Q], 3413);
    ck_assert(S(a)->status & SEDF_EXTRA_WANT_PEN_Q);
    s = fake_schedule(c, 0);
    ck_assert_ptr_eq(s.next, a);
    ck_assert_int_eq(s.slice, 500 * US);
    ck_assert(S(a)->status & SEDF_EXTRA_RUN_PEN);
    ck_assert_int_eq(S(b)->score[SEDF_UTIL_Q], 131072);
    fake_advance(c, 0, 500 * US);
    s = fake_schedule(c, 0);
    ck_assert_ptr_eq(s.next, a);
    if (pen_once) {
        ck_assert(S(a)->status & SEDF_EXTRA_RUN_UTIL);
        ck_assert_int_eq(S(a)->short_block_lost_tot, 0);
        ck_assert(!(S(a)->status & SEDF_EXTRA_WANT_PEN_Q));
    } else {
        ck_assert(S(a)->status & SEDF_EXTRA_RUN_PEN);
        ck_assert_int_eq(S(a)->short_block_lost_tot, 5500 * US);
        ck_assert_int_eq(S(a)->score[SEDF_PEN_Q], 3723);
        int l0 = 2;
        for (;;) {
            fake_advance(c, 0, s.slice);
            s = fake_schedule(c, 0);
            ck_assert_ptr_eq(s.next, a);
            if (!(S(a)->status & SEDF_EXTRA_RUN_PEN))
                break;
            l0++;
        }
        ck_assert_int_eq(l0, 12);
        ck_assert_int_eq(sched_now(c, 0), 10200 * US);
        ck_assert(S(a)->status & SEDF_EXTRA_RUN_UTIL);
    }
    fake_core_free(c);
}
END_TEST

/*
 * A long block: a (20 ms / 5 ms, no extratime, quirk off) runs 2 ms from
 * 0 and blocks; woken at 50 ms, after its 20 ms deadline, its new period
 * starts at the wake (deadline 70 ms, cputime 0): it preempts idle and
 * gets a whole 5 ms slice at once.
 */
START_TEST(test_long_block)
{
    struct sched_core *c = core_with(1, true, false);
    struct sched_vcpu *a = mk(c, sdom(20 * MS, 5 * MS, 0, U), 0, true);
    struct sched_slice s = fake_schedule(c, 0);
    ck_assert_ptr_eq(s.next, a);
    fake_advance(c, 0, 2 * MS);
    fake_block(c, a);
    s = fake_schedule(c, 0);
    ck_assert(s.next->is_idle);
    ck_assert_int_eq(s.slice, SIM_SEC);             /* nothing queued: 1 s */
    fake_set_now(c, 0, 50 * MS);
    int t0 = fake_ntickles(c, 0);
    fake_wake(c, a);
    ck_assert_int_eq(fake_ntickles(c, 0), t0 + 1);
    ck_assert_int_eq(S(a)->deadl_abs, 70 * MS);
    ck_assert_int_eq(S(a)->cputime, 0);
    expect_run(c, a, 5 * MS);
    fake_core_free(c);
}
END_TEST

/*
 * The preemption rules on wake (quirk on). a (20 ms / 10 ms, no
 * extratime): first wake at 0, deadline 10 ms then a short block's 30 ms;
 * idle until 10 ms, then a runs its slice: the current slice expires at
 * 20 ms. At 12 ms z (100 ms / 9 ms) wakes for the first time: deadline
 * 12 + 9 = 21 ms, then 121 ms, its period starts at 21 ms, after the
 * current slice ends, and a runs EDF: no tickle. At 12 ms y (100 ms /
 * 5 ms) wakes: its period starts at 17 ms, before 20 ms: tickle.
 */
START_TEST(test_wake_preemption)
{
    struct sched_core *c = core_with(1, true, true);
    struct sched_vcpu *a = mk(c, sdom(20 * MS, 10 * MS, 0, U), 0, true);
    struct sched_vcpu *z = mk(c, sdom(100 * MS, 9 * MS, 0, U), 0, false);
    struct sched_vcpu *y = mk(c, sdom(100 * MS, 5 * MS, 0, U), 0, false);
    expect_run(c, sched_idle(c, 0), 10 * MS);
    struct sched_slice s = fake_schedule(c, 0);
    ck_assert_ptr_eq(s.next, a);
    ck_assert_int_eq(s.slice, 10 * MS);
    fake_advance(c, 0, 2 * MS);
    int t0 = fake_ntickles(c, 0);
    fake_wake(c, z);
    ck_assert_int_eq(S(z)->deadl_abs, 121 * MS);
    ck_assert_int_eq(fake_ntickles(c, 0), t0);
    fake_wake(c, y);
    ck_assert_int_eq(S(y)->deadl_abs, 117 * MS);
    ck_assert_int_eq(fake_ntickles(c, 0), t0 + 1);
    /* The reschedule keeps a (deadline 30 ms), now cut at y's period start. */
    s = fake_schedule(c, 0);
    ck_assert_ptr_eq(s.next, a);
    ck_assert_int_eq(s.slice, 5 * MS);
    fake_core_free(c);
}
END_TEST

/*
 * Weight-driven slices (sedf_adjust_weights). One pCPU: t time-driven
 * 20 ms / 5 ms, reserving 100 ms * 5 / 20 = 25 ms of each WEIGHT_PERIOD;
 * w1 and w3 weights 1 and 3 without extratime: slices
 * w * (100 - 5 - 25) ms / 4 = 17.5 ms and 52.5 ms, period 100 ms. x: a
 * weight with extratime (the default) is 4.5's extra-time-only mode:
 * extraweight 5, weight 0, slice 0, out of the sums. pCPU 1: w2 alone,
 * weight 2: 2 * 95 ms / 2 = 95 ms.
 */
START_TEST(test_weight_slices)
{
    struct sched_core *c = core_with(2, true, true);
    struct sched_vcpu *t = mk(c, sdom(20 * MS, 5 * MS, 0, U), 0, false);
    struct sched_vcpu *w1 = mk(c, sdom(U, U, 0, 1), 0, false);
    struct sched_vcpu *w3 = mk(c, sdom(U, U, 0, 3), 0, false);
    struct sched_vcpu *x = mk(c, sdom(U, U, U, 5), 0, false);
    struct sched_vcpu *w2 = mk(c, sdom(U, U, 0, 2), 1, false);
    ck_assert_int_eq(S(t)->slice, 5 * MS);
    ck_assert_int_eq(S(w1)->slice, 17500 * US);
    ck_assert_int_eq(S(w3)->slice, 52500 * US);
    ck_assert_int_eq(S(w3)->period, 100 * MS);
    ck_assert_int_eq(S(x)->slice, 0);
    ck_assert_int_eq(S(x)->weight, 0);
    ck_assert_int_eq(S(x)->extraweight, 5);
    ck_assert(S(x)->status & SEDF_EXTRA_AWARE);
    ck_assert(!(S(w1)->status & SEDF_EXTRA_AWARE));
    ck_assert_int_eq(S(w2)->slice, 95 * MS);
    fake_core_free(c);
}
END_TEST

/*
 * What libxl 4.5 and sedf_adjust refused, through alloc_vdata: weight
 * with period, period without slice, slice above period, extratime 0 on a
 * best-effort domain (libxl passes weight 0 and period 0), a period below
 * 10 us or above 10 s, a slice below 5 us, a weight beyond the short.
 */
START_TEST(test_refused_parameters)
{
    struct sched_core *c = core_with(1, true, true);
    struct scn_domain bad[] = {
        sdom(20 * MS, 5 * MS, U, 3), sdom(20 * MS, U, U, U), sdom(U, 5 * MS, U, U),
        sdom(20 * MS, 30 * MS, U, U), sdom(U, U, 0, U), sdom(5 * US, 5 * US, U, U),
        sdom(11 * SIM_SEC, 5 * MS, U, U), sdom(20 * MS, 4 * US, U, U), sdom(U, U, U, 40000),
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct sched_vcpu *v;
        ck_assert_msg(fake_vcpu_new(c, &bad[i], 0, false, &v) == -SIM_EINVAL, "case %zu", i);
    }
    struct sched_vcpu *v;
    ck_assert_int_eq(fake_vcpu_new(c, (struct scn_domain[]){ sdom(U, U, 1, U) }, 0, false, &v), 0);
    fake_core_free(c);
}
END_TEST

/*
 * Extra time shared by extraweight: x1 and x3 (weights 1 and 3 with
 * extratime: extraweights 1 and 3), both best-effort, both on L1 with
 * score 0 (x1 first). Each L1 run sets the runner's score to
 * 131072 / extraweight (131072 and 43690) and takes its old score off
 * everyone else's. Order: x1 (x1 = 131072), then x3 four times (x1 falls
 * by 0, 43690, 43690, 43690 to 2, now below x3's 43690), then from run 6
 * on cycles of x1, x3, x3, x3 (x1 left 2 higher each cycle). In 4001
 * quanta: x1 1 + 999 = 1000, x3 4 + 2997 = 3001.
 */
START_TEST(test_extraweight_shares)
{
    struct sched_core *c = core_with(1, true, true);
    struct sched_vcpu *x1 = mk(c, sdom(U, U, U, 1), 0, true);
    struct sched_vcpu *x3 = mk(c, sdom(U, U, U, 3), 0, true);
    int n1 = 0, n3 = 0;
    struct sched_vcpu *want[6] = { x1, x3, x3, x3, x3, x1 };
    for (int i = 0; i < 4001; i++) {
        struct sched_slice s = fake_schedule(c, 0);
        ck_assert_int_eq(s.slice, 500 * US);
        if (i < 6)
            ck_assert_ptr_eq(s.next, want[i]);
        n1 += s.next == x1;
        n3 += s.next == x3;
        fake_advance(c, 0, s.slice);
    }
    ck_assert_int_eq(n1, 1000);
    ck_assert_int_eq(n3, 3001);
    ck_assert_int_eq(S(x3)->score[SEDF_UTIL_Q], 43690);
    fake_core_free(c);
}
END_TEST

/*
 * pick_cpu (asked only on an affinity change in 4.5): the first pCPU the
 * vCPU may run on at or after (vcpu index mod their number). 4 pCPUs, all
 * allowed: vCPU 5 -> 1. Allowed {0, 2, 3}: vCPU 4 -> 4 mod 3 = 1 -> 2;
 * vCPU 3 -> 0 -> 0; vCPU 2 -> 2 -> 2.
 */
START_TEST(test_pick_cpu)
{
    struct sched_core *c = core_with(4, true, true);
    struct sched_vcpu *v = mk(c, fake_domain_defaults(), 0, false);
    v->vcpu = 5;
    ck_assert_int_eq(sedf_pick_cpu(fake_policy(c), v), 1);
    struct scn_domain d = fake_domain_defaults();
    int cpus[] = { 0, 2, 3 };
    d.cpus = cpus;
    d.ncpus = 3;
    struct sched_vcpu *w = mk(c, d, 0, false);
    int want[] = { 0, 2, 2, 0, 2 };
    for (int k = 0; k < 5; k++) {
        w->vcpu = k;
        ck_assert_int_eq(sedf_pick_cpu(fake_policy(c), w), want[k]);
    }
    fake_core_free(c);
}
END_TEST

/*
 * A pause (sleep) of a queued, not running vCPU takes it off every queue;
 * of the running one, tickles and leaves it to do_schedule.
 */
START_TEST(test_sleep)
{
    struct sched_core *c = core_with(1, true, false);
    struct sched_vcpu *a = mk(c, sdom(20 * MS, 5 * MS, 1, U), 0, true);
    struct sched_vcpu *b = mk(c, fake_domain_defaults(), 0, true);
    struct sched_slice s = fake_schedule(c, 0);
    ck_assert_ptr_eq(s.next, a);
    fake_pause(c, b);
    ck_assert(!linked(&S(b)->list));
    ck_assert(!linked(&S(b)->extra[SEDF_UTIL_Q]));
    int t0 = fake_ntickles(c, 0);
    fake_pause(c, a);
    ck_assert_int_eq(fake_ntickles(c, 0), t0 + 1);
    ck_assert(linked(&S(a)->list));
    s = fake_schedule(c, 0);
    ck_assert(s.next->is_idle);
    ck_assert(!linked(&S(a)->list));
    ck_assert(!linked(&S(a)->extra[SEDF_UTIL_Q]));
    fake_core_free(c);
}
END_TEST

static Suite *sedf_suite(void)
{
    Suite *s = suite_create("sedf");
    TCase *tc = xs_tcase(s, "xen45", 30);
    tcase_add_test(tc, test_best_effort_default);
    tcase_add_test(tc, test_reservation_timeline);
    tcase_add_test(tc, test_edf_order);
    tcase_add_loop_test(tc, test_short_block_penalty, 0, 2);
    tcase_add_test(tc, test_long_block);
    tcase_add_test(tc, test_wake_preemption);
    tcase_add_test(tc, test_weight_slices);
    tcase_add_test(tc, test_refused_parameters);
    tcase_add_test(tc, test_extraweight_shares);
    tcase_add_test(tc, test_pick_cpu);
    tcase_add_test(tc, test_sleep);
    return s;
}

XS_CHECK_MAIN(sedf_suite)
