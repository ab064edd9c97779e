/*
 * tests/test_rtds.c: the RTDS policy of Xen 4.17 (schedulers/rtds.c)
 * driven step by step through the fake core (tests/sched_fake.h).
 *
 * White-box: the policy file is included so the tests can read deadlines,
 * budgets, levels and queues. Every expected number is worked out in the
 * comments from Xen 4.17.5's sched/rt.c as docs/schedulers.md states it:
 * EDF by (priority level, deadline), the running vCPU kept only if it
 * beats the run queue's head strictly, a slice of the remaining budget,
 * budget burnt from last_start, extratime raising the level with a fresh
 * budget, replenishment at the deadline (the next period's end, a full
 * budget, level 0), defaults 10 ms / 4 ms set at insert.
 */
#include "schedulers/rtds.c"

#include <check.h>
#include "sim/err.h"
#include "tests/check_util.h"
#include "tests/sched_fake.h"

#define MS SIM_MSEC
#define US SIM_USEC

static struct sched_core *core_q(int np, bool stale_first, bool replq_prio)
{
    struct scn_sched_global g = fake_sched_defaults();
    g.rtds.stale_first_period_quirk = stale_first;
    g.rtds.replq_priority_quirk = replq_prio;
    struct sched_core *c;
    ck_assert_int_eq(fake_core_new(&sched_rtds_ops, np, &g, &c), 0);
    for (int p = 0; p < np; p++)
        ck_assert(fake_schedule(c, p).next->is_idle);
    return c;
}

static struct sched_vcpu *dom_on(struct sched_core *c, int pcpu, sim_time_t period,
                                 sim_time_t budget, bool extratime, bool runnable)
{
    struct scn_domain d = fake_domain_defaults();
    d.rtds.period = period;
    d.rtds.budget = budget;
    d.rtds.extratime = extratime;
    struct sched_vcpu *v;
    ck_assert_int_eq(fake_vcpu_new(c, &d, pcpu, runnable, &v), 0);
    return v;
}

static struct rt *pol(struct sched_core *c)
{
    return fake_policy(c);
}

/* The run queue (or replenishment queue) as domain indices, e.g. "1 0". */
static const char *queue(struct sched_core *c, bool repl)
{
    static char buf[128];
    size_t n = 0;
    buf[0] = '\0';
    struct rt_link *q = repl ? &pol(c)->replq : &pol(c)->runq;
    for (struct rt_link *it = q->next; it != q; it = it->next) {
        const struct rt_vcpu *s = repl ? RT_OF(it, replq_elem) : RT_OF(it, q_elem);
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%d", n ? " " : "", s->v->domain);
    }
    return buf;
}

/* fake_schedule, and again at once while do_schedule tickled its own pCPU
 * (context_saved's runq_tickle may: Xen's SCHEDULE_SOFTIRQ runs again). */
static struct sched_slice sched_settled(struct sched_core *c, int pcpu)
{
    for (;;) {
        int before = fake_ntickles(c, pcpu);
        struct sched_slice sl = fake_schedule(c, pcpu);
        if (fake_ntickles(c, pcpu) == before)
            return sl;
    }
}

/* One pCPU run until NOW() = until, as the core runs it: schedule, then
 * the slice timer or the replenishment timer, whichever is first; a
 * tickle reschedules at once. What ran up to `until` is charged. (The
 * fake's fake_run misses a tickle made inside do_schedule.) */
static void run_1p(struct sched_core *c, sim_time_t until)
{
    sim_time_t now = sched_now(c, 0);
    while (now < until) {
        sched_settled(c, 0);
        for (;;) {
            sim_time_t st = fake_slice_timer(c, 0), pt = fake_next_timer(c, 0);
            sim_time_t end = st < until ? st : until;
            if (pt <= end) {
                int before = fake_ntickles(c, 0);
                fake_fire_next(c, 0);
                if (fake_ntickles(c, 0) != before)
                    break;
                continue;
            }
            fake_set_now(c, 0, end);
            break;
        }
        now = sched_now(c, 0);
    }
    fake_schedule(c, 0);
}

/*
 * Insert at NOW() = 0 (rt_unit_insert: now >= cur_deadline 0, so
 * rt_update_deadline: the deadline goes one period on, a full budget).
 * Quirk on: that happens with the defaults, 10 ms and 4 ms, and the
 * domain's 5 ms / 1 ms only apply from the first replenishment (at 10 ms:
 * deadline 15 ms, budget 1 ms). Quirk off: deadline 5 ms, budget 1 ms.
 */
START_TEST(test_insert_first_period)
{
    bool quirk = _i == 0;
    struct sched_core *c = core_q(1, quirk, true);
    struct sched_vcpu *a = dom_on(c, 0, 5 * MS, 1 * MS, false, true);
    struct rt_vcpu *s = rv(a);
    ck_assert_int_eq(s->period, 5 * MS);
    ck_assert_int_eq(s->budget, 1 * MS);
    ck_assert_int_eq(s->cur_deadline, quirk ? 10 * MS : 5 * MS);
    ck_assert_int_eq(s->cur_budget, quirk ? 4 * MS : 1 * MS);
    ck_assert_int_eq(fake_timer_expires(c, &pol(c)->repl_timer), s->cur_deadline);
    struct sched_slice sl = fake_schedule(c, 0);
    ck_assert_ptr_eq(sl.next, a);
    ck_assert_int_eq(sl.slice, quirk ? 4 * MS : 1 * MS);
    if (quirk) {
        fake_advance(c, 0, 4 * MS);
        ck_assert(sched_settled(c, 0).next->is_idle);      /* depleted until 10 ms */
        ck_assert(fake_fire_next(c, 0));
        ck_assert_int_eq(s->cur_deadline, 15 * MS);
        ck_assert_int_eq(s->cur_budget, 1 * MS);
        /* Tickles: the wake, the depleted vCPU's return to its queue (runq_tickle
         * does not look at the budget: the pCPU is idle), the replenishment. */
        ck_assert_int_eq(fake_ntickles(c, 0), 3);
    }
    fake_core_free(c);
}
END_TEST

/*
 * EDF without extratime on one pCPU, quirk off: a (10 ms, 3 ms) and b
 * (20 ms, 5 ms) woken at 0. a (deadline 10) runs 0-3 and is depleted;
 * b (20) runs 3-8, depleted; idle 8-10. At 10 a is replenished (deadline
 * 20, tickles the idle pCPU) and runs 10-13; idle 13-20. At 20 both: a
 * (30) before b (40): a 20-23, b 23-28, idle; a 30-33; idle to 40.
 * Over 40 ms: a 4 x 3 = 12 ms, b 2 x 5 = 10 ms.
 */
START_TEST(test_edf_reservations)
{
    struct sched_core *c = core_q(1, false, true);
    struct sched_vcpu *a = dom_on(c, 0, 10 * MS, 3 * MS, false, true);
    struct sched_vcpu *b = dom_on(c, 0, 20 * MS, 5 * MS, false, true);
    ck_assert_str_eq(queue(c, false), "0 1");
    run_1p(c, 40 * MS);
    ck_assert_int_eq(fake_cpu_time(c, a), 12 * MS);
    ck_assert_int_eq(fake_cpu_time(c, b), 10 * MS);
    fake_core_free(c);
}
END_TEST

/*
 * Extratime on one pCPU, quirk off: a (10 ms, 2 ms) and b (10 ms, 4 ms),
 * both with extratime, both deadline 10. a 0-2, exhausted: level 1, budget
 * 2; b (level 0) beats it: b 2-6, level 1, budget 4. At 6 both are level
 * 1 with deadline 10: the running b does not beat a strictly, so a runs
 * 6-8 (level 2), then b 8-12 (its slice of 4 ms). At 10 both are
 * replenished (level 0, deadline 20); b runs on, not beaten, until its
 * timer at 12 (2 ms burnt since the replenishment: 2 left), and loses the
 * tie to a: a 12-14 (level 1), b 14-16 (level 1, budget 4), a 16-18 (level
 * 2), b 18-22 (replenished at 20), and so on. Per 10 ms from 10: a 4 ms,
 * b 6 ms; over 0-50: a 2+2+4x4 = 20 ms, b 4+2+... = 30 ms.
 */
START_TEST(test_extratime_levels)
{
    struct sched_core *c = core_q(1, false, true);
    struct sched_vcpu *a = dom_on(c, 0, 10 * MS, 2 * MS, true, true);
    struct sched_vcpu *b = dom_on(c, 0, 10 * MS, 4 * MS, true, true);
    struct sched_slice sl = fake_schedule(c, 0);
    ck_assert_ptr_eq(sl.next, a);
    ck_assert_int_eq(sl.slice, 2 * MS);
    fake_advance(c, 0, 2 * MS);
    sl = fake_schedule(c, 0);
    ck_assert_ptr_eq(sl.next, b);
    ck_assert_int_eq(sl.slice, 4 * MS);
    ck_assert_uint_eq(rv(a)->priority_level, 1);
    ck_assert_int_eq(rv(a)->cur_budget, 2 * MS);
    fake_advance(c, 0, 4 * MS);
    sl = fake_schedule(c, 0);                               /* the tie at level 1 */
    ck_assert_ptr_eq(sl.next, a);
    fake_advance(c, 0, 2 * MS);
    sl = fake_schedule(c, 0);
    ck_assert_ptr_eq(sl.next, b);
    ck_assert_uint_eq(rv(a)->priority_level, 2);
    ck_assert_int_eq(sl.slice, 4 * MS);
    run_1p(c, 50 * MS);
    ck_assert_int_eq(fake_cpu_time(c, a), 20 * MS);
    ck_assert_int_eq(fake_cpu_time(c, b), 30 * MS);
    fake_core_free(c);
}
END_TEST

/*
 * runq_tickle on two pCPUs: pCPU 0 runs a (deadline 10 ms), pCPU 1 runs
 * b (deadline 20 ms). A wake of w (deadline 15 ms, its own pCPU 0) finds
 * no idle pCPU and the lowest priority running is b: pCPU 1 is tickled.
 * A second wake of z (deadline 15 ms) before pCPU 1 schedules skips the
 * tickled pCPU 1 and does not beat a: no tickle. A wake of y (deadline
 * 10 ms) when pCPU 1 has scheduled w: the lowest is w (15), y beats it.
 */
START_TEST(test_tickle_lowest)
{
    struct sched_core *c = core_q(2, false, true);
    struct sched_vcpu *a = dom_on(c, 0, 10 * MS, 5 * MS, false, true);
    ck_assert_int_eq(fake_ntickles(c, 0), 1);               /* pCPU 0 idle: its own */
    ck_assert_ptr_eq(fake_schedule(c, 0).next, a);
    struct sched_vcpu *b = dom_on(c, 1, 20 * MS, 5 * MS, false, true);
    ck_assert_int_eq(fake_ntickles(c, 1), 1);
    ck_assert_ptr_eq(fake_schedule(c, 1).next, b);
    fake_clear_log(c);
    struct sched_vcpu *w = dom_on(c, 0, 15 * MS, 5 * MS, false, true);
    ck_assert_int_eq(fake_ntickles(c, 0), 0);
    ck_assert_int_eq(fake_ntickles(c, 1), 1);
    ck_assert(pol(c)->tickled[1]);
    struct sched_vcpu *z = dom_on(c, 0, 15 * MS, 5 * MS, false, true);
    ck_assert_int_eq(fake_ntickles(c, 0), 0);
    ck_assert_int_eq(fake_ntickles(c, 1), 1);
    ck_assert_str_eq(queue(c, false), "2 3");
    /* pCPU 1 takes w (15 beats b's 20); b goes back and tickles nothing:
     * a (10) and w (15) both beat it. */
    ck_assert_ptr_eq(fake_schedule(c, 1).next, w);
    ck_assert_int_eq(fake_moves(c, w), 1);
    ck_assert_str_eq(queue(c, false), "3 1");
    ck_assert_int_eq(fake_ntickles(c, 0) + fake_ntickles(c, 1), 1);
    (void)z;
    struct sched_vcpu *y = dom_on(c, 0, 10 * MS, 5 * MS, false, true);
    ck_assert_int_eq(fake_ntickles(c, 0), 0);
    ck_assert_int_eq(fake_ntickles(c, 1), 2);
    (void)y;
    fake_core_free(c);
}
END_TEST

/*
 * The replenishment queue's order. a (10 ms, 1 ms, extratime) runs out
 * at 1 ms (level 1) and blocks at 2 ms, dropping its replenishment; b
 * (30 ms) is queued. a wakes at 3 ms before its deadline (10 ms): with the
 * quirk it is compared at level 1 and goes behind b, the timer stays at
 * 30 ms and a is replenished only then (deadline 40 ms, after missing the
 * 10 and 20 ms ones); without, it goes first and the timer is at 10 ms.
 */
START_TEST(test_replq_priority)
{
    bool quirk = _i == 0;
    struct sched_core *c = core_q(1, false, quirk);
    struct sched_vcpu *a = dom_on(c, 0, 10 * MS, 1 * MS, true, true);
    ck_assert_ptr_eq(fake_schedule(c, 0).next, a);
    fake_advance(c, 0, 1 * MS);
    ck_assert_ptr_eq(fake_schedule(c, 0).next, a);
    ck_assert_uint_eq(rv(a)->priority_level, 1);
    fake_advance(c, 0, 1 * MS);
    fake_block(c, a);
    ck_assert(fake_schedule(c, 0).next->is_idle);
    ck_assert(!on_replq(rv(a)));
    struct sched_vcpu *b = dom_on(c, 0, 30 * MS, 1 * MS, false, false);
    fake_wake(c, b);
    fake_advance(c, 0, 1 * MS);
    fake_wake(c, a);
    ck_assert_str_eq(queue(c, true), quirk ? "1 0" : "0 1");
    ck_assert_int_eq(fake_timer_expires(c, &pol(c)->repl_timer), quirk ? 30 * MS : 10 * MS);
    ck_assert(fake_fire_next(c, 0));
    ck_assert_int_eq(rv(a)->cur_deadline, quirk ? 40 * MS : 20 * MS);
    ck_assert_uint_eq(rv(a)->priority_level, 0);
    fake_core_free(c);
}
END_TEST

/*
 * rt_update_deadline's two branches give the first period end after now:
 * deadline 10 ms, period 10 ms; now 25 ms (within 1024 periods: repeated
 * addition) -> 30 ms; now 20000 ms + 3 ns (beyond: (now - 10 ms) / 10 ms
 * + 1 = 2000 periods) -> 20010 ms. Both: full budget, level 0, burnt from
 * now.
 */
START_TEST(test_update_deadline)
{
    struct rt_vcpu s = { .period = 10 * MS, .budget = 3 * MS, .cur_deadline = 10 * MS,
                         .priority_level = 2 };
    next_period(&s, 25 * MS);
    ck_assert_int_eq(s.cur_deadline, 30 * MS);
    ck_assert_int_eq(s.cur_budget, 3 * MS);
    ck_assert_int_eq(s.last_start, 25 * MS);
    ck_assert_uint_eq(s.priority_level, 0);
    s.cur_deadline = 10 * MS;
    next_period(&s, 20000 * MS + 3);
    ck_assert_int_eq(s.cur_deadline, 20010 * MS);
    s.cur_deadline = 10 * MS;
    next_period(&s, 10 * MS);                           /* exactly at: one period */
    ck_assert_int_eq(s.cur_deadline, 20 * MS);
}
END_TEST

/*
 * A wake after the deadline (rt_unit_wake: now >= cur_deadline) starts a
 * new period at once; a wake before keeps what is left. a (10 ms, 4 ms)
 * runs 1 ms, blocks at 1 ms (its replenishment dropped: the timer stops);
 * woken at 5 ms: budget 3 ms, deadline 10 ms; runs 3 ms to 8 ms and is
 * depleted. The replenishment at 10 ms gives 4 ms to deadline 20 ms.
 * Blocked at 11 ms, woken at 35 ms: whole periods from the insert, so
 * deadline 40 ms, budget 4 ms. Tickles up to the replenishment: the first
 * wake, the wake at 5 ms, the depleted vCPU's return to its queue at 8 ms
 * (runq_tickle does not look at the budget), the replenishment.
 */
START_TEST(test_wake_missed)
{
    struct sched_core *c = core_q(1, false, true);
    struct sched_vcpu *a = dom_on(c, 0, 10 * MS, 4 * MS, false, true);
    ck_assert_ptr_eq(fake_schedule(c, 0).next, a);
    fake_advance(c, 0, 1 * MS);
    fake_block(c, a);
    ck_assert(fake_schedule(c, 0).next->is_idle);
    ck_assert_int_eq(fake_timers_pending(c, 0), 0);         /* replq empty: timer stopped */
    fake_set_now(c, 0, 5 * MS);
    fake_wake(c, a);
    ck_assert_int_eq(rv(a)->cur_budget, 3 * MS);
    ck_assert_int_eq(rv(a)->cur_deadline, 10 * MS);
    struct sched_slice sl = fake_schedule(c, 0);
    ck_assert_int_eq(sl.slice, 3 * MS);
    fake_advance(c, 0, 3 * MS);
    ck_assert(sched_settled(c, 0).next->is_idle);
    ck_assert(rv(a)->depleted);
    ck_assert(fake_fire_next(c, 0));
    ck_assert_int_eq(fake_ntickles(c, 0), 4);
    ck_assert_ptr_eq(fake_schedule(c, 0).next, a);
    fake_advance(c, 0, 1 * MS);
    fake_block(c, a);
    ck_assert(fake_schedule(c, 0).next->is_idle);
    fake_set_now(c, 0, 35 * MS);
    fake_wake(c, a);
    ck_assert_int_eq(rv(a)->cur_deadline, 40 * MS);
    ck_assert_int_eq(rv(a)->cur_budget, 4 * MS);
    fake_core_free(c);
}
END_TEST

/* alloc_vdata refuses what rt_dom_cntl and libxl refuse: below 10 us, a
 * budget above the period; 10 us / 10 us is accepted. */
START_TEST(test_params_refused)
{
    struct sched_core *c = core_q(1, true, true);
    static const struct { sim_time_t p, b; int rc; } k[] = {
        { 10 * US, 10 * US, 0 }, { 9 * US, 9 * US, -SIM_EINVAL },
        { 10 * MS, 9 * US, -SIM_EINVAL }, { 1 * MS, 2 * MS, -SIM_EINVAL },
    };
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
        struct scn_domain d = fake_domain_defaults();
        d.rtds.period = k[i].p;
        d.rtds.budget = k[i].b;
        struct sched_vcpu *v;
        ck_assert_int_eq(fake_vcpu_new(c, &d, 0, false, &v), k[i].rc);
    }
    fake_core_free(c);
}
END_TEST

static Suite *rtds_suite(void)
{
    Suite *s = suite_create("rtds");
    TCase *tc = xs_tcase(s, "core", 10);
    tcase_add_loop_test(tc, test_insert_first_period, 0, 2);
    tcase_add_test(tc, test_edf_reservations);
    tcase_add_test(tc, test_extratime_levels);
    tcase_add_test(tc, test_tickle_lowest);
    tcase_add_loop_test(tc, test_replq_priority, 0, 2);
    tcase_add_test(tc, test_update_deadline);
    tcase_add_test(tc, test_wake_missed);
    tcase_add_test(tc, test_params_refused);
    return s;
}

XS_CHECK_MAIN(rtds_suite)
