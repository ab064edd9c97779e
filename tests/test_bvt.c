/*
 * tests/test_bvt.c: the BVT policy (schedulers/bvt.c) driven step by step
 * through the fake core (tests/sched_fake.h).
 *
 * White-box: the policy file is included so the tests can read and set
 * avt, evt, svt and the warp state, which the interface hides. Expected
 * numbers are worked out by hand in the comments from the Xen 2.0
 * behaviour in shared/facts/xen-schedulers.md section 2.2: MCU = 100 us,
 * charging rounds run time up to whole MCUs, ctx_allow = 5 ms by default,
 * u32 virtual time wrapping at 0xf0000000 by 0xe0000000.
 */
#include "schedulers/bvt.c"

#include <check.h>
#include <string.h>
#include "sim/err.h"
#include "tests/check_util.h"
#include "tests/sched_fake.h"

#define MS SIM_MSEC
#define US SIM_USEC
/* Virtual time starts at BVT_VT_START (bvt.c says why); expected values
 * are written relative to it. */
#define VT(x) ((uint32_t)(BVT_VT_START + (uint32_t)(x)))

static struct sched_core *core_with(bool quirk)
{
    struct scn_sched_global g = fake_sched_defaults();
    g.bvt.slice_units_quirk = quirk;
    struct sched_core *c;
    ck_assert_int_eq(fake_core_new(&sched_bvt_ops, 1, &g, &c), 0);
    return c;
}

/* A core with the scheduler block *g (for the quirk options). */
static struct sched_core *core_g(const struct scn_sched_global *g)
{
    struct sched_core *c;
    ck_assert_int_eq(fake_core_new(&sched_bvt_ops, 1, g, &c), 0);
    return c;
}

static struct sched_vcpu *vcpu_adv(struct sched_core *c, int64_t mcu_advance, bool runnable)
{
    struct scn_domain d = fake_domain_defaults();
    d.bvt.mcu_advance = mcu_advance;
    struct sched_vcpu *v;
    ck_assert_int_eq(fake_vcpu_new(c, &d, 0, runnable, &v), 0);
    return v;
}

static struct bvt_vcpu *BV(struct sched_vcpu *v)
{
    return v->priv;
}

static struct bvt_cpu *CPU0(struct sched_core *c)
{
    return &((struct bvt *)fake_policy(c))->cpus[0];
}

START_TEST(test_charging_rounds_up)
{
    struct sched_core *c = core_with(true);
    struct sched_vcpu *b = vcpu_adv(c, 10, true), *a = vcpu_adv(c, 10, true);
    /* Admitted b then a, each at the head: queue [a, b, idle], all new avt
     * = evt = svt: a is the first of the lowest evt; b is next_prime with
     * the same evt, so the slice is 0 / 10 + ctx_allow = 5 ms. */
    struct sched_slice s = fake_schedule(c, 0);
    ck_assert_ptr_eq(s.next, a);
    ck_assert_int_eq(s.slice, 5 * MS);
    /* 150 us is 1.5 MCUs, charged as 2: avt += 2 * 10 = 20. */
    fake_advance(c, 0, 150 * US);
    s = fake_schedule(c, 0);
    ck_assert_uint_eq(BV(a)->avt, VT(20));
    ck_assert_uint_eq(BV(a)->evt, VT(20));
    ck_assert_ptr_eq(s.next, b);
    /* 1 ns still costs a whole MCU: b's avt goes 0 -> 10. */
    fake_advance(c, 0, 1);
    fake_schedule(c, 0);
    ck_assert_uint_eq(BV(b)->avt, VT(10));
    /* Exactly 3 MCUs (300 us) cost 3, not 4: 10 + 30 = 40. */
    ck_assert_ptr_eq(sched_curr(c, 0), b);       /* 10 < 20 */
    fake_advance(c, 0, 300 * US);
    fake_schedule(c, 0);
    ck_assert_uint_eq(BV(b)->avt, VT(40));
    fake_core_free(c);
}
END_TEST

START_TEST(test_lowest_evt_and_quirk_slice)
{
    struct sched_core *c = core_with(true);
    struct sched_vcpu *a = vcpu_adv(c, 10, true), *b = vcpu_adv(c, 10, true),
                      *d = vcpu_adv(c, 10, true);
    BV(a)->avt = BV(a)->evt = 300;
    BV(b)->avt = BV(b)->evt = 100;
    BV(d)->avt = BV(d)->evt = 200;
    /* Lowest evt b (100) runs; next_prime is d (200). Quirk on: the gap
     * buys (200 - 100) / 10 = 10 MCUs, added as 10 ns: 5 ms + 10 ns. */
    struct sched_slice s = fake_schedule(c, 0);
    ck_assert_ptr_eq(s.next, b);
    ck_assert_int_eq(s.slice, 5 * MS + 10);
    ck_assert_uint_eq(CPU0(c)->svt, 100);        /* lowest queued avt */
    fake_core_free(c);

    /* Quirk off: the same 10 MCUs are 10 * 100 us = 1 ms: 6 ms. */
    c = core_with(false);
    a = vcpu_adv(c, 10, true);
    b = vcpu_adv(c, 10, true);
    d = vcpu_adv(c, 10, true);
    BV(a)->avt = BV(a)->evt = 300;
    BV(b)->avt = BV(b)->evt = 100;
    BV(d)->avt = BV(d)->evt = 200;
    s = fake_schedule(c, 0);
    ck_assert_ptr_eq(s.next, b);
    ck_assert_int_eq(s.slice, 6 * MS);
    fake_core_free(c);
}
END_TEST

START_TEST(test_contended_slice_after_a_run)
{
    for (int quirk = 1; quirk >= 0; quirk--) {
        struct sched_core *c = core_with(quirk);
        struct sched_vcpu *b = vcpu_adv(c, 10, true), *a = vcpu_adv(c, 10, true);
        ck_assert_ptr_eq(fake_schedule(c, 0).next, a);
        /* a runs 5 ms = 50 MCUs: avt 500. b (0) runs; the gap 500 / 10 =
         * 50 MCUs: quirk on 5 ms + 50 ns, off 5 ms + 50 * 100 us = 10 ms. */
        fake_advance(c, 0, 5 * MS);
        struct sched_slice s = fake_schedule(c, 0);
        ck_assert_ptr_eq(s.next, b);
        ck_assert_int_eq(s.slice, quirk ? 5 * MS + 50 : 10 * MS);
        /* b runs exactly that long. Quirk off: 10 ms = 100 MCUs, avt
         * 1000, so a (500) leads by 500 -> a for 10 ms. Quirk on:
         * 5,000,050 ns is 50.0005 MCUs, charged 51: avt 510; a (500) runs
         * with the gap 10 / 10 = 1 MCU -> 5 ms + 1 ns. */
        fake_advance(c, 0, s.slice);
        s = fake_schedule(c, 0);
        ck_assert_uint_eq(BV(b)->avt, VT(quirk ? 510 : 1000));
        ck_assert_ptr_eq(s.next, a);
        ck_assert_int_eq(s.slice, quirk ? 5 * MS + 1 : 10 * MS);
        fake_core_free(c);
    }
}
END_TEST

START_TEST(test_alone_and_idle_slices)
{
    struct sched_core *c = core_with(true);
    /* Nothing but idle: ctx_allow. */
    struct sched_slice s = fake_schedule(c, 0);
    ck_assert(s.next->is_idle);
    ck_assert_int_eq(s.slice, 5 * MS);
    /* One runnable vCPU besides idle: 10 * ctx_allow = 50 ms. */
    struct sched_vcpu *a = vcpu_adv(c, 10, true);
    s = fake_schedule(c, 0);
    ck_assert_ptr_eq(s.next, a);
    ck_assert_int_eq(s.slice, 50 * MS);
    /* Another that is blocked does not count. */
    vcpu_adv(c, 10, false);
    fake_advance(c, 0, s.slice);
    s = fake_schedule(c, 0);
    ck_assert_ptr_eq(s.next, a);
    ck_assert_int_eq(s.slice, 50 * MS);
    fake_core_free(c);

    /* A different ctx_allow scales both. */
    struct scn_sched_global g = fake_sched_defaults();
    g.bvt.ctx_allow = 2 * MS;
    ck_assert_int_eq(fake_core_new(&sched_bvt_ops, 1, &g, &c), 0);
    ck_assert_int_eq(fake_schedule(c, 0).slice, 2 * MS);
    vcpu_adv(c, 10, true);
    ck_assert_int_eq(fake_schedule(c, 0).slice, 20 * MS);
    fake_core_free(c);
}
END_TEST

START_TEST(test_wake_catches_up_with_svt)
{
    struct sched_core *c = core_with(true);
    struct sched_vcpu *b = vcpu_adv(c, 10, true), *a = vcpu_adv(c, 10, true),
                      *w = vcpu_adv(c, 10, false);
    fake_clear_log(c);
    /* t=0 a runs; t=5ms a has 500, b runs; t=10ms b has 500: queue
     * [idle, a, b] both 500, a first; svt = 500. w, never admitted, is
     * at the avt it was created with, 0. */
    ck_assert_ptr_eq(fake_schedule(c, 0).next, a);
    fake_advance(c, 0, 5 * MS);
    ck_assert_ptr_eq(fake_schedule(c, 0).next, b);
    fake_advance(c, 0, 5 * MS);
    ck_assert_ptr_eq(fake_schedule(c, 0).next, a);
    ck_assert_uint_eq(CPU0(c)->svt, VT(500));
    ck_assert_uint_eq(BV(w)->avt, VT(0));
    fake_wake(c, w);
    /* Its admission: avt 0 < svt 500: raised to 500. a was dispatched just now, so its
     * evt as of now is 500 too, and w.evt <= curr_evt preempts. */
    ck_assert_uint_eq(BV(w)->avt, VT(500));
    ck_assert_uint_eq(BV(w)->evt, VT(500));
    ck_assert_int_eq(fake_ntickles(c, 0), 1);
    /* Woken to the head: first of the three equal evts. */
    ck_assert_ptr_eq(fake_schedule(c, 0).next, w);

    /* A new vCPU starts at svt (still 500: w, a and b all have 500). */
    struct sched_vcpu *n = vcpu_adv(c, 10, false);
    ck_assert_uint_eq(BV(n)->avt, VT(500));
    ck_assert_uint_eq(BV(n)->evt, VT(500));
    fake_core_free(c);
}
END_TEST

START_TEST(test_wake_no_preempt_timer_earlier)
{
    for (int quirk = 1; quirk >= 0; quirk--) {
        struct sched_core *c = core_with(quirk);
        struct sched_vcpu *w = vcpu_adv(c, 40, true), *a = vcpu_adv(c, 10, true);
        fake_clear_log(c);
        /* t=0: a (first of two zeros) for 5 ms -> avt 500. t=5ms: w. */
        ck_assert_ptr_eq(fake_schedule(c, 0).next, a);
        fake_advance(c, 0, 5 * MS);
        ck_assert_ptr_eq(fake_schedule(c, 0).next, w);
        /* t=10ms: w blocks after 50 MCUs: avt 50 * 40 = 2000; a runs alone
         * (svt = 500), dispatched at 10 ms with a 50 ms slice. */
        fake_advance(c, 0, 5 * MS);
        fake_block(c, w);                        /* no hook: the core reschedules */
        ck_assert_int_eq(fake_ntickles(c, 0), 0);
        struct sched_slice s = fake_schedule(c, 0);
        ck_assert_ptr_eq(s.next, a);
        ck_assert_int_eq(s.slice, 50 * MS);
        ck_assert_uint_eq(BV(w)->avt, VT(2000));
        ck_assert_int_eq(fake_slice_timer(c, 0), 60 * MS);
        /* t=12ms: w wakes. avt 2000 > svt 500 stays. a's evt as of now
         * is 500 + 20 MCUs * 10 = 700 < 2000: no preemption; the slice
         * timer comes in to lastschd + (2000 - 700) / 10 + ctx_allow =
         * 10 ms + 130 (quirk: ns) + 5 ms = 15,000,130 ns; quirk off
         * 130 MCUs = 13 ms: 10 + 13 + 5 = 28 ms. */
        fake_advance(c, 0, 2 * MS);
        fake_wake(c, w);
        ck_assert_int_eq(fake_ntickles(c, 0), 0);
        sim_time_t when = 0;
        ck_assert_int_eq(fake_nearlier(c, 0, &when), 1);
        ck_assert_int_eq(when, quirk ? 15 * MS + 130 : 28 * MS);
        ck_assert_int_eq(fake_slice_timer(c, 0), when);
        fake_core_free(c);
    }
}
END_TEST

START_TEST(test_wake_preempts_idle_and_lower)
{
    struct sched_core *c = core_with(true);
    struct sched_vcpu *w = vcpu_adv(c, 10, false);
    BV(w)->avt = 1000;
    ck_assert(fake_schedule(c, 0).next->is_idle);
    /* Idle always yields, whatever its "evt as of now" would be (its ~0U
     * plus 1 ms of charge wraps to 99, below w's 1000). */
    fake_advance(c, 0, 1 * MS);
    fake_wake(c, w);
    ck_assert_int_eq(fake_ntickles(c, 0), 1);
    ck_assert_ptr_eq(fake_schedule(c, 0).next, w);
    /* Waking a queued (here running) vCPU is a no-op. */
    fake_wake(c, w);
    ck_assert_int_eq(fake_ntickles(c, 0), 1);
    ck_assert_int_eq(fake_nearlier(c, 0, NULL), 0);
    fake_core_free(c);
}
END_TEST

START_TEST(test_sleep)
{
    /* The sleep hook, which the core calls only for a pause. */
    struct sched_core *c = core_with(true);
    struct sched_vcpu *d = vcpu_adv(c, 10, true), *b = vcpu_adv(c, 10, true),
                      *a = vcpu_adv(c, 10, true);
    ck_assert_ptr_eq(fake_schedule(c, 0).next, a);
    fake_clear_log(c);
    /* A queued vCPU that is paused leaves the queue without a reschedule. */
    fake_pause(c, b);
    ck_assert_int_eq(fake_ntickles(c, 0), 0);
    ck_assert(!bvt_on(&BV(b)->rq));
    /* The running one asks for one and leaves the queue there, charged:
     * 1 ms = 10 MCUs -> avt 100. */
    fake_advance(c, 0, 1 * MS);
    fake_pause(c, a);
    ck_assert_int_eq(fake_ntickles(c, 0), 1);
    struct sched_slice s = fake_schedule(c, 0);
    ck_assert_ptr_eq(s.next, d);
    ck_assert_int_eq(s.slice, 50 * MS);          /* d alone */
    ck_assert_uint_eq(BV(a)->avt, VT(100));
    ck_assert(!bvt_on(&BV(a)->rq));
    fake_core_free(c);
}
END_TEST

/* warp 2 ms at mcu_advance 10: warp_value = 2 ms * 10 / 100 us = 200. */
static struct sched_vcpu *warped_vcpu(struct sched_core *c, sim_time_t warpl, sim_time_t warpu)
{
    struct scn_domain d = fake_domain_defaults();
    d.bvt.warp = 2 * MS;
    d.bvt.warpl = warpl;
    d.bvt.warpu = warpu;
    struct sched_vcpu *v;
    ck_assert_int_eq(fake_vcpu_new(c, &d, 0, true, &v), 0);
    return v;
}

START_TEST(test_warp_cycle)
{
    struct sched_core *c = core_with(true);
    struct sched_vcpu *b = vcpu_adv(c, 10, true);
    struct sched_vcpu *a = warped_vcpu(c, 3 * MS, 20 * MS);
    fake_clear_log(c);
    ck_assert_int_eq(BV(a)->warp_value, 200);
    ck_assert(BV(a)->warp && BV(a)->warpback);
    /* Admitted at avt = svt, a's evt is svt - 200 (warped): a is first. It
     * is warped with warpl 3 ms, so its warp timer is armed at 0 + 3 ms. */
    ck_assert_ptr_eq(fake_schedule(c, 0).next, a);
    ck_assert(fake_timer_pending(c, &BV(a)->warp_timer));
    ck_assert_int_eq(fake_timer_expires(c, &BV(a)->warp_timer), 3 * MS);
    /* t=2ms: a charged 20 MCUs -> avt 200, evt 200 - 200 = 0; the warp
     * timer is removed on deschedule. Queue [b(0), idle, a(0)]: b first. */
    fake_advance(c, 0, 2 * MS);
    struct sched_slice s = fake_schedule(c, 0);
    ck_assert_uint_eq(BV(a)->avt, VT(200));
    ck_assert_uint_eq(BV(a)->evt, VT(0));
    ck_assert(!fake_timer_pending(c, &BV(a)->warp_timer));
    ck_assert_ptr_eq(s.next, b);
    /* t=7ms: b charged 50 MCUs -> 500. a (evt 0) runs, gap 500 / 10 =
     * 50 -> 5 ms + 50 ns; warp timer at 7 + 3 = 10 ms. */
    fake_advance(c, 0, 5 * MS);
    s = fake_schedule(c, 0);
    ck_assert_ptr_eq(s.next, a);
    ck_assert_int_eq(s.slice, 5 * MS + 50);
    ck_assert_int_eq(fake_timer_expires(c, &BV(a)->warp_timer), 10 * MS);
    /* The warp timer fires at 10 ms: unwarped, no reschedule (warpu != 0),
     * unwarp timer at 10 + 20 = 30 ms. evt is left as it was. */
    ck_assert(fake_fire_next(c, 0));
    ck_assert_int_eq(sched_now(c, 0), 10 * MS);
    ck_assert(!BV(a)->warp && BV(a)->warpback);
    ck_assert_int_eq(fake_ntickles(c, 0), 0);
    ck_assert_int_eq(fake_timer_expires(c, &BV(a)->unwarp_timer), 30 * MS);
    ck_assert_uint_eq(BV(a)->evt, VT(0));
    /* t=12ms (slice end ~12 ms): a charged 50 MCUs + the extra ns ->
     * 51 MCUs: avt 200 + 510 = 710, and now evt = avt. b (500) runs. */
    fake_set_now(c, 0, 12 * MS + 50);
    s = fake_schedule(c, 0);
    ck_assert_uint_eq(BV(a)->avt, VT(710));
    ck_assert_uint_eq(BV(a)->evt, VT(710));
    ck_assert_ptr_eq(s.next, b);
    ck_assert(!fake_timer_pending(c, &BV(a)->warp_timer));
    /* The unwarp timer at 30 ms re-warps and asks for a reschedule. */
    ck_assert(fake_fire_next(c, 0));
    ck_assert_int_eq(sched_now(c, 0), 30 * MS);
    ck_assert(BV(a)->warp);
    ck_assert_int_eq(fake_ntickles(c, 0), 1);
    /* b ran 12,000,050 -> 30,000,000 ns = 179.9995 MCUs -> 180: avt
     * 500 + 1800 = 2300. a's evt (not recomputed, 710) is lowest: a runs,
     * warped again, with its warp timer re-armed at 30 + 3 = 33 ms. */
    s = fake_schedule(c, 0);
    ck_assert_uint_eq(BV(b)->avt, VT(2300));
    ck_assert_ptr_eq(s.next, a);
    ck_assert_int_eq(fake_timer_expires(c, &BV(a)->warp_timer), 33 * MS);
    /* Charged 1 ms (10 MCUs) at 31 ms: avt 810, evt 810 - 200 = 610. */
    fake_advance(c, 0, 1 * MS);
    fake_schedule(c, 0);
    ck_assert_uint_eq(BV(a)->avt, VT(810));
    ck_assert_uint_eq(BV(a)->evt, VT(610));
    fake_core_free(c);
}
END_TEST

START_TEST(test_warp_warpu_zero_stops_warping)
{
    struct sched_core *c = core_with(true);
    struct sched_vcpu *a = warped_vcpu(c, 3 * MS, 0);
    fake_clear_log(c);
    ck_assert_ptr_eq(fake_schedule(c, 0).next, a);
    /* warpu 0: the warp timer ends warping for good and reschedules; the
     * unwarp timer then fires at once and does nothing. */
    ck_assert(fake_fire_next(c, 0));
    ck_assert_int_eq(sched_now(c, 0), 3 * MS);
    ck_assert(!BV(a)->warp && !BV(a)->warpback);
    ck_assert_int_eq(fake_ntickles(c, 0), 1);
    ck_assert_int_eq(fake_fire_until(c, 0, 3 * MS), 1);
    ck_assert(!BV(a)->warp);
    ck_assert_int_eq(fake_ntickles(c, 0), 1);
    fake_schedule(c, 0);
    ck_assert(!fake_timer_pending(c, &BV(a)->warp_timer));
    ck_assert_int_eq(fake_timers_pending(c, -1), 0);
    fake_core_free(c);
}
END_TEST

START_TEST(test_warp_below_value_wraps)
{
    /* Quirk of u32 evt: a warped vCPU whose avt is below warp_value gets
     * evt = avt - warp_value modulo 2^32, near the top, so it loses to
     * every unwarped vCPU (it still beats idle's ~0U). */
    struct sched_core *c = core_with(true);
    struct sched_vcpu *b = vcpu_adv(c, 10, true);
    struct sched_vcpu *a = warped_vcpu(c, 3 * MS, 20 * MS);
    /* As if virtual time had started at 0 (Xen's boot value). */
    CPU0(c)->svt = 0;
    BV(a)->avt = 0;
    BV(a)->evt = 0;
    BV(b)->avt = BV(b)->evt = 0;
    ck_assert_ptr_eq(fake_schedule(c, 0).next, a);
    fake_advance(c, 0, 1 * MS);                  /* a: avt 100 < 200 */
    struct sched_slice s = fake_schedule(c, 0);
    ck_assert_uint_eq(BV(a)->evt, 0xffffffffu - 99u);   /* 100 - 200 */
    ck_assert_ptr_eq(s.next, b);
    /* Gap (2^32 - 100) / 10 = 429,496,719 MCUs, as ns with the quirk. */
    ck_assert_int_eq(s.slice, 429496719 + 5 * MS);
    fake_core_free(c);
}
END_TEST

START_TEST(test_wrap_around)
{
    struct sched_core *c = core_with(true);
    struct sched_vcpu *a = vcpu_adv(c, 10, true), *b = vcpu_adv(c, 10, true);
    struct sched_vcpu *z = vcpu_adv(c, 10, false), *old = vcpu_adv(c, 10, false);
    BV(a)->avt = BV(a)->evt = 0xf0000000u;
    BV(b)->avt = BV(b)->evt = 0xf0000100u;
    BV(z)->avt = BV(z)->evt = 0xefffff00u;       /* blocked, a little behind */
    BV(old)->avt = BV(old)->evt = 0x0f000000u;   /* blocked for ages */
    /* svt = min queued avt = 0xf0000000 >= 0xf0000000: subtract
     * 0xe0000000 from every vCPU of the pCPU, blocked ones included,
     * and from svt; idle keeps ~0U. */
    struct sched_slice s = fake_schedule(c, 0);
    ck_assert_ptr_eq(s.next, a);
    ck_assert_uint_eq(CPU0(c)->svt, 0x10000000u);
    ck_assert_uint_eq(BV(a)->avt, 0x10000000u);
    ck_assert_uint_eq(BV(a)->evt, 0x10000000u);
    ck_assert_uint_eq(BV(b)->avt, 0x10000100u);
    ck_assert_uint_eq(BV(z)->avt, 0x0fffff00u);
    ck_assert_uint_eq(BV(z)->evt, 0x0fffff00u);
    ck_assert_uint_eq(BV(sched_idle(c, 0))->avt, 0xffffffffu);
    ck_assert_uint_eq(BV(sched_idle(c, 0))->evt, 0xffffffffu);
    /* Gap 0x100 = 256 / 10 = 25 MCUs: 5 ms + 25 ns. */
    ck_assert_int_eq(s.slice, 5 * MS + 25);
    /* z wakes: below svt, raised to it. */
    fake_wake(c, z);
    ck_assert_uint_eq(BV(z)->avt, 0x10000000u);
    /* old lagged by more than 0x10000000: 0x0f000000 - 0xe0000000 wraps
     * to 0x2f000000, far above svt, and stays there when it wakes. */
    ck_assert_uint_eq(BV(old)->avt, 0x2f000000u);
    fake_wake(c, old);
    ck_assert_uint_eq(BV(old)->avt, 0x2f000000u);
    fake_core_free(c);
}
END_TEST

START_TEST(test_svt_kept_when_only_idle)
{
    struct sched_core *c = core_with(true);
    struct sched_vcpu *a = vcpu_adv(c, 10, true);
    ck_assert_ptr_eq(fake_schedule(c, 0).next, a);
    fake_advance(c, 0, 1 * MS);
    fake_schedule(c, 0);                         /* a: 100; svt 100 */
    ck_assert_uint_eq(CPU0(c)->svt, VT(100));
    fake_block(c, a);
    fake_advance(c, 0, 1 * MS);
    ck_assert(fake_schedule(c, 0).next->is_idle);
    /* Only idle (avt ~0U) queued: svt is not moved to ~0U. a (200) went. */
    ck_assert_uint_eq(BV(a)->avt, VT(200));
    ck_assert_uint_eq(CPU0(c)->svt, VT(100));
    fake_core_free(c);
}
END_TEST

START_TEST(test_alloc_validation)
{
    struct sched_core *c = core_with(true);
    struct scn_domain d = fake_domain_defaults();
    struct sched_vcpu *v;
    d.bvt.mcu_advance = 0;
    ck_assert_int_eq(fake_vcpu_new(c, &d, 0, true, &v), -SIM_EINVAL);
    ck_assert_ptr_null(v);
    d = fake_domain_defaults();
    d.bvt.warpl = -1;
    ck_assert_int_eq(fake_vcpu_new(c, &d, 0, true, &v), -SIM_EINVAL);
    d = fake_domain_defaults();
    d.bvt.warpu = -1;
    ck_assert_int_eq(fake_vcpu_new(c, &d, 0, true, &v), -SIM_EINVAL);
    d = fake_domain_defaults();
    d.bvt.mcu_advance = 1000000;
    d.bvt.warp = 100 * SIM_SEC;                  /* 10^6 MCUs * 10^6 > 2^31 */
    ck_assert_int_eq(fake_vcpu_new(c, &d, 0, true, &v), -SIM_ERANGE);
    d = fake_domain_defaults();
    d.bvt.warpl = 0;
    d.bvt.warpu = 0;
    ck_assert_int_eq(fake_vcpu_new(c, &d, 0, true, &v), 0);
    /* Nothing the failures allocated is left queued. */
    ck_assert_ptr_eq(fake_schedule(c, 0).next, v);
    ck_assert_int_eq(fake_schedule(c, 0).slice, 50 * MS);
    fake_core_free(c);

    struct scn_sched_global g = fake_sched_defaults();
    g.bvt.ctx_allow = 0;
    ck_assert_int_eq(fake_core_new(&sched_bvt_ops, 1, &g, &c), -SIM_EINVAL);
}
END_TEST

/* Three CPU-bound vCPUs with mcu_advance 1:2:4 on one pCPU: dispatch,
 * let the slice run out, repeat. Weights are 1/mcu_advance, so shares
 * should be 1 : 1/2 : 1/4 = 4/7, 2/7, 1/7. */
static void share_run(bool quirk)
{
    struct sched_core *c = core_with(quirk);
    struct sched_vcpu *v[3] = { vcpu_adv(c, 1, true), vcpu_adv(c, 2, true),
                                vcpu_adv(c, 4, true) };
    const double want[3] = { 4.0 / 7, 2.0 / 7, 1.0 / 7 };
    sim_time_t until = 70 * SIM_SEC;
    while (sched_now(c, 0) < until) {
        struct sched_slice s = fake_schedule(c, 0);
        ck_assert(!s.next->is_idle);
        fake_advance(c, 0, s.slice);
    }
    fake_schedule(c, 0);
    sim_time_t total = 0;
    for (int i = 0; i < 3; i++)
        total += fake_cpu_time(c, v[i]);
    ck_assert_int_eq(total, sched_now(c, 0));
    for (int i = 0; i < 3; i++)
        ck_assert_double_eq_tol((double)fake_cpu_time(c, v[i]) / (double)total, want[i], 0.01);
    fake_core_free(c);
}

START_TEST(test_shares_quirk_on)
{
    share_run(true);
}
END_TEST

START_TEST(test_shares_quirk_off)
{
    share_run(false);
}
END_TEST

START_TEST(test_dump)
{
    struct sched_core *c = core_with(true);
    struct sched_vcpu *a = vcpu_adv(c, 10, true);
    BV(a)->avt = BV(a)->evt = 0x1234;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ck_assert_ptr_nonnull(f);
    sched_bvt_ops.dump(fake_policy(c), f);
    fclose(f);
    ck_assert_ptr_nonnull(strstr(buf, "ctx_allow 5000000 ns"));
    ck_assert_ptr_nonnull(strstr(buf, "avt 0x00001234"));
    ck_assert_ptr_nonnull(strstr(buf, "wrap_blocked on"));
    free(buf);
    fake_core_free(c);
}
END_TEST

/* ---- the quirk options: each test runs quirk on (Xen 2.0), then off ---- */

START_TEST(test_u32_runtime_quirk)
{
    for (int quirk = 1; quirk >= 0; quirk--) {
        struct scn_sched_global g = fake_sched_defaults();
        g.bvt.ctx_allow = 500 * MS;                  /* alone: 10 * 500 ms = 5 s */
        g.bvt.u32_runtime_quirk = quirk;
        struct sched_core *c = core_g(&g);
        struct sched_vcpu *a = vcpu_adv(c, 10, true);
        struct sched_slice s = fake_schedule(c, 0);
        ck_assert_ptr_eq(s.next, a);
        ck_assert_int_eq(s.slice, 5 * SIM_SEC);
        fake_advance(c, 0, s.slice);
        fake_schedule(c, 0);
        /* On: 5e9 mod 2^32 = 705,032,704 ns = 7050.33 MCUs -> 7051,
         * avt += 70,510. Off: 5e9 ns = 50,000 MCUs, avt += 500,000. */
        ck_assert_uint_eq(BV(a)->avt, VT(quirk ? 70510 : 500000));
        ck_assert_uint_eq(BV(a)->evt, BV(a)->avt);
        fake_core_free(c);
    }
}
END_TEST

START_TEST(test_u32_warp_quirk)
{
    for (int quirk = 1; quirk >= 0; quirk--) {
        struct scn_sched_global g = fake_sched_defaults();
        g.bvt.u32_warp_quirk = quirk;
        struct sched_core *c = core_g(&g);
        struct sched_vcpu *a = warped_vcpu(c, 3 * MS, 20 * MS);   /* warp_value 200 */
        struct sched_vcpu *b = vcpu_adv(c, 10, true);
        /* As if virtual time had started at 0 (Xen's boot value). */
        CPU0(c)->svt = 0;
        BV(a)->avt = BV(a)->evt = 0;
        BV(b)->avt = BV(b)->evt = 50;
        ck_assert_ptr_eq(fake_schedule(c, 0).next, a);           /* 0 < 50 */
        /* a runs 1 ms: avt 100 < warp_value 200. On: evt = 100 - 200
         * mod 2^32 = 0xffffff9c, b (50) runs. Off: evt 0, a still beats
         * b (50): gap 50 / 10 = 5 MCUs -> 5 ms + 5 ns. */
        fake_advance(c, 0, 1 * MS);
        struct sched_slice s = fake_schedule(c, 0);
        ck_assert_uint_eq(BV(a)->avt, 100);
        ck_assert_uint_eq(BV(a)->evt, quirk ? 0xffffff9cu : 0u);
        ck_assert_ptr_eq(s.next, quirk ? b : a);
        if (!quirk)
            ck_assert_int_eq(s.slice, 5 * MS + 5);
        fake_core_free(c);
    }
}
END_TEST

START_TEST(test_warp_per_dispatch_quirk)
{
    for (int quirk = 1; quirk >= 0; quirk--) {
        struct scn_sched_global g = fake_sched_defaults();
        g.bvt.warp_per_dispatch_quirk = quirk;
        struct sched_core *c = core_g(&g);
        struct sched_vcpu *a = warped_vcpu(c, 3 * MS, 20 * MS);
        fake_clear_log(c);
        /* a alone is re-dispatched at every do_schedule; each dispatch
         * lasts 2 ms, less than warpl = 3 ms. */
        ck_assert_ptr_eq(fake_schedule(c, 0).next, a);
        ck_assert_int_eq(fake_timer_expires(c, &BV(a)->warp_timer), 3 * MS);
        /* t=2ms: on, the warp timer is re-armed at 2 + 3 = 5 ms; off, 2 ms
         * of the 3 are used, so it is re-armed at 2 + 1 = 3 ms. */
        ck_assert_int_eq(fake_fire_until(c, 0, 2 * MS), 0);
        fake_set_now(c, 0, 2 * MS);
        fake_schedule(c, 0);
        ck_assert(BV(a)->warp);
        ck_assert_int_eq(fake_timer_expires(c, &BV(a)->warp_timer), quirk ? 5 * MS : 3 * MS);
        /* t=4ms: on, nothing fired, still warped, re-armed at 7 ms (and so
         * on for ever). Off, the warp ended at 3 ms, during the second
         * dispatch: 3 ms of warped running in all; unwarp at 3 + 20. */
        ck_assert_int_eq(fake_fire_until(c, 0, 4 * MS), quirk ? 0 : 1);
        fake_set_now(c, 0, 4 * MS);
        fake_schedule(c, 0);
        ck_assert(BV(a)->warp == (bool)quirk);
        if (quirk) {
            ck_assert_int_eq(fake_timer_expires(c, &BV(a)->warp_timer), 7 * MS);
            ck_assert(!fake_timer_pending(c, &BV(a)->unwarp_timer));
        } else {
            ck_assert(!fake_timer_pending(c, &BV(a)->warp_timer));
            ck_assert_int_eq(fake_timer_expires(c, &BV(a)->unwarp_timer), 23 * MS);
            /* Charged 2 + 2 ms = 40 MCUs: avt 400, evt unwarped. */
            ck_assert_uint_eq(BV(a)->evt, VT(400));
        }
        fake_core_free(c);
    }

    /* Off, and the limit is reached exactly at a deschedule whose timer
     * has not fired yet: do_schedule ends the warp itself. 2 ms, then 1 ms. */
    struct scn_sched_global g = fake_sched_defaults();
    g.bvt.warp_per_dispatch_quirk = false;
    struct sched_core *c = core_g(&g);
    struct sched_vcpu *a = warped_vcpu(c, 3 * MS, 20 * MS);
    fake_clear_log(c);
    fake_schedule(c, 0);
    fake_set_now(c, 0, 2 * MS);
    fake_schedule(c, 0);
    fake_set_now(c, 0, 3 * MS);
    fake_schedule(c, 0);
    ck_assert(!BV(a)->warp && BV(a)->warpback);
    ck_assert_uint_eq(BV(a)->evt, VT(300));
    ck_assert(!fake_timer_pending(c, &BV(a)->warp_timer));
    ck_assert_int_eq(fake_timer_expires(c, &BV(a)->unwarp_timer), 23 * MS);
    ck_assert_int_eq(fake_ntickles(c, 0), 0);
    /* A re-warp gives a fresh warpl: at 23 ms, warped again, and the next
     * dispatch arms the warp timer a full 3 ms on. */
    ck_assert(fake_fire_next(c, 0));
    ck_assert(BV(a)->warp);
    fake_schedule(c, 0);
    ck_assert_int_eq(fake_timer_expires(c, &BV(a)->warp_timer), 26 * MS);
    fake_core_free(c);
}
END_TEST

START_TEST(test_stale_warp_evt_quirk)
{
    for (int quirk = 1; quirk >= 0; quirk--) {
        struct scn_sched_global g = fake_sched_defaults();
        g.bvt.stale_warp_evt_quirk = quirk;
        struct sched_core *c = core_g(&g);
        struct sched_vcpu *a = warped_vcpu(c, 3 * MS, 20 * MS);
        fake_clear_log(c);
        /* a alone. t=1ms: charged 10 MCUs, avt 100, warped evt 100 - 200;
         * re-dispatched with the warp timer at 1 + 3 = 4 ms. */
        fake_schedule(c, 0);
        fake_advance(c, 0, 1 * MS);
        fake_schedule(c, 0);
        ck_assert_uint_eq(BV(a)->evt, VT(100) - 200u);
        /* The warp timer fires at 4 ms. On: evt left warped, no
         * reschedule (warpu != 0). Off: evt = avt = VT(100), reschedule. */
        ck_assert(fake_fire_next(c, 0));
        ck_assert(!BV(a)->warp);
        ck_assert_uint_eq(BV(a)->evt, quirk ? VT(100) - 200u : VT(100));
        ck_assert_int_eq(fake_ntickles(c, 0), quirk ? 0 : 1);
        /* Charged 3 ms more at 4 ms: avt 400 = evt either way (unwarped). */
        fake_schedule(c, 0);
        ck_assert_uint_eq(BV(a)->evt, VT(400));
        /* The unwarp timer at 24 ms, a running: warped again and a
         * reschedule either way. On: evt still 400 until the charge.
         * Off: evt = 400 - 200 = 200 at once. */
        ck_assert(fake_fire_next(c, 0));
        ck_assert_int_eq(sched_now(c, 0), 24 * MS);
        ck_assert(BV(a)->warp);
        ck_assert_uint_eq(BV(a)->evt, quirk ? VT(400) : VT(200));
        ck_assert_int_eq(fake_ntickles(c, 0), quirk ? 1 : 2);
        fake_core_free(c);
    }
}
END_TEST

START_TEST(test_admission_warped)
{
    struct scn_sched_global g = fake_sched_defaults();
    struct sched_core *c = core_g(&g);
    struct sched_vcpu *a = vcpu_adv(c, 10, true);
    struct sched_vcpu *w = warped_vcpu(c, 3 * MS, 20 * MS);
    /* Both are created at avt = evt = svt and admitted by their first
     * wake (Xen 2.0's unpause), which recomputes evt with the warp that
     * adjdom set: w's warp of 2 ms at 10 units per 100 us is 200 units,
     * so its evt is svt - 200 and it runs first; the gap 200 / 10 = 20
     * MCUs, added in ns (the units quirk), gives 5 ms + 20 ns. */
    ck_assert_uint_eq(BV(a)->evt, VT(0));
    ck_assert_uint_eq(BV(w)->avt, VT(0));
    ck_assert_uint_eq(BV(w)->evt, VT(0) - 200u);
    struct sched_slice s = fake_schedule(c, 0);
    ck_assert_ptr_eq(s.next, w);
    ck_assert_int_eq(s.slice, 5 * MS + 20);
    fake_core_free(c);
}
END_TEST

START_TEST(test_wrap_blocked_quirk)
{
    for (int quirk = 1; quirk >= 0; quirk--) {
        struct scn_sched_global g = fake_sched_defaults();
        g.bvt.wrap_blocked_quirk = quirk;
        struct sched_core *c = core_g(&g);
        struct sched_vcpu *b = vcpu_adv(c, 10, true), *a = vcpu_adv(c, 10, true);
        struct sched_vcpu *z = vcpu_adv(c, 10, false), *old = vcpu_adv(c, 10, false);
        fake_clear_log(c);
        BV(a)->avt = BV(a)->evt = 0xf0000000u;
        BV(b)->avt = BV(b)->evt = 0xf0000100u;
        BV(z)->avt = BV(z)->evt = 0xefffff00u;   /* blocked, a little behind */
        BV(old)->avt = BV(old)->evt = 0x0f000000u;   /* blocked for ages */
        ck_assert_ptr_eq(fake_schedule(c, 0).next, a);
        /* Wrap by 0xe0000000. z (above that) moves the same either way. */
        ck_assert_uint_eq(CPU0(c)->svt, 0x10000000u);
        ck_assert_uint_eq(BV(a)->avt, 0x10000000u);
        ck_assert_uint_eq(BV(z)->avt, 0x0fffff00u);
        /* old: on, 0x0f000000 - 0xe0000000 wraps to 0x2f000000 and stays
         * above svt after waking (starved until svt catches up). Off: 0,
         * and waking raises it to svt 0x10000000: level with a. */
        ck_assert_uint_eq(BV(old)->avt, quirk ? 0x2f000000u : 0u);
        ck_assert_uint_eq(BV(old)->evt, quirk ? 0x2f000000u : 0u);
        fake_wake(c, old);
        ck_assert_uint_eq(BV(old)->avt, quirk ? 0x2f000000u : 0x10000000u);
        ck_assert_uint_eq(BV(old)->evt, BV(old)->avt);
        /* a was dispatched at this instant, so its evt as of now is
         * 0x10000000: off, old (<=) preempts; on, it does not. */
        ck_assert_int_eq(fake_ntickles(c, 0), quirk ? 0 : 1);
        (void)b;
        fake_core_free(c);
    }
}
END_TEST

static Suite *bvt_suite(void)
{
    Suite *s = suite_create("bvt");
    TCase *tc = xs_tcase(s, "policy", 10);
    tcase_add_test(tc, test_charging_rounds_up);
    tcase_add_test(tc, test_lowest_evt_and_quirk_slice);
    tcase_add_test(tc, test_contended_slice_after_a_run);
    tcase_add_test(tc, test_alone_and_idle_slices);
    tcase_add_test(tc, test_wake_catches_up_with_svt);
    tcase_add_test(tc, test_wake_no_preempt_timer_earlier);
    tcase_add_test(tc, test_wake_preempts_idle_and_lower);
    tcase_add_test(tc, test_sleep);
    tcase_add_test(tc, test_svt_kept_when_only_idle);
    tcase_add_test(tc, test_alloc_validation);
    tcase_add_test(tc, test_dump);
    tc = xs_tcase(s, "warp", 10);
    tcase_add_test(tc, test_warp_cycle);
    tcase_add_test(tc, test_warp_warpu_zero_stops_warping);
    tcase_add_test(tc, test_warp_below_value_wraps);
    tcase_add_test(tc, test_wrap_around);
    tc = xs_tcase(s, "quirk options", 10);
    tcase_add_test(tc, test_u32_runtime_quirk);
    tcase_add_test(tc, test_u32_warp_quirk);
    tcase_add_test(tc, test_warp_per_dispatch_quirk);
    tcase_add_test(tc, test_stale_warp_evt_quirk);
    tcase_add_test(tc, test_admission_warped);
    tcase_add_test(tc, test_wrap_blocked_quirk);
    tc = xs_tcase(s, "shares", 20);
    tcase_add_test(tc, test_shares_quirk_on);
    tcase_add_test(tc, test_shares_quirk_off);
    return s;
}

XS_CHECK_MAIN(bvt_suite)
