/*
 * tests/test_clock.c: unit tests of the modelled x86 clock (sim/clock.h):
 * TSC and 32.32 fixed-point arithmetic, NOW() drift, epoch recalibration
 * and its error bound, monotonicity, the engine/local conversions, and the
 * ac_timer-like one-shot timers (slop, batching, APIC resolution, drift).
 *
 * Expected values are worked by hand in the comments (2^32 = 4294967296);
 * the model being tested is the Xen 2.0/3.0 behaviour summarised in
 * docs/clock.md. Each case uses its own engine loop and clock.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "sim/clock.h"
#include "sim/err.h"
#include "sim/ev.h"
#include "tests/check_util.h"

#define Q32 ((uint64_t)1 << 32)

static struct clk_params params(int64_t hz, int64_t ppb, uint64_t offset)
{
    struct clk_params p = clk_params_default();
    p.tsc_hz = hz;
    p.tsc_ppb = ppb;
    p.tsc_offset = offset;
    return p;
}

static struct clk_stats stats_of(const struct clk_cpu *c)
{
    struct clk_stats st;
    clk_cpu_stats(c, &st);
    return st;
}

/* Advance the engine to t (running any due events) and read NOW(). */
static sim_time_t now_at(struct ev_loop *loop, struct clk_cpu *c, sim_time_t t)
{
    ev_run(loop, t);
    ck_assert_int_eq(ev_now(loop), t);
    return clk_now(c);
}

/* ---------------------------------------------------------------------- */
/* Fixed-point and TSC arithmetic */

START_TEST(test_scale_for_hz)
{
    /* floor(1e9 * 2^32 / 2.4e9) = floor(4294967296 / 2.4)
     * = floor(1789569706.67) */
    ck_assert_uint_eq(clk_scale_for_hz(2400000000), 1789569706u);
    /* 1 GHz: exactly one ns per cycle. */
    ck_assert_uint_eq(clk_scale_for_hz(1000000000), Q32);
    /* floor(4294967296 / 3) = floor(1431655765.33) */
    ck_assert_uint_eq(clk_scale_for_hz(3000000000), 1431655765u);
    /* 2666666667 Hz (no integer ratio to 1 GHz):
     * floor(4294967296e9 / 2666666667) = floor(1610612735.40) */
    ck_assert_uint_eq(clk_scale_for_hz(2666666667), 1610612735u);
    /* 100 MHz: 10 ns per cycle = 10 * 2^32 = 42949672960 */
    ck_assert_uint_eq(clk_scale_for_hz(100000000), 42949672960u);
    ck_assert_uint_eq(clk_scale_for_hz(0), 0);
    ck_assert_uint_eq(clk_scale_for_hz(-5), 0);
}
END_TEST

START_TEST(test_scale_delta)
{
    /* 2.4e9 cycles * 1789569706 / 2^32 = 999999999.86: rounds down. */
    ck_assert_int_eq(clk_scale_delta(1789569706u, 2400000000u), 999999999);
    /* 2.4 cycles per ns: 24 cycles * 1789569706 / 2^32 = 9.99999999: 9. */
    ck_assert_int_eq(clk_scale_delta(1789569706u, 24), 9);
    /* 1 GHz is exact. */
    ck_assert_int_eq(clk_scale_delta(Q32, 123456789), 123456789);
    /* 3e9 * 1431655765 / 2^32 = 999999999.77 */
    ck_assert_int_eq(clk_scale_delta(1431655765u, 3000000000u), 999999999);
    /* 2666666667 * 1610612735 / 2^32 = 999999999.50 */
    ck_assert_int_eq(clk_scale_delta(1610612735u, 2666666667u), 999999999);
    ck_assert_int_eq(clk_scale_delta(Q32, 0), 0);
    /* (2^64-1)^2 >> 32 is about 2^96: saturates instead of wrapping. */
    ck_assert_int_eq(clk_scale_delta(UINT64_MAX, UINT64_MAX), SIM_TIME_MAX);
}
END_TEST

START_TEST(test_tsc)
{
    struct ev_loop *loop = ev_loop_new();
    ck_assert_ptr_nonnull(loop);

    /* 2 GHz, +50 ppm = +50000 ppb, over 1 s:
     * 1e9 * 2e9 * (1e9 + 50000) / 1e18 = 2,000,100,000 cycles, plus offset. */
    struct clk_params p = params(2000000000, 50000, 1000);
    struct clk_cpu *c = clk_cpu_new(loop, &p);
    ck_assert_ptr_nonnull(c);
    ck_assert_uint_eq(clk_tsc(c, 0), 1000);
    ck_assert_uint_eq(clk_tsc(c, SIM_SEC), 2000100000u + 1000);
    ck_assert_uint_eq(clk_tsc(c, -5), 1000); /* before engine time 0: the offset */
    clk_cpu_free(c);

    /* -50 ppm: 2e9 * (1e9 - 50000) / 1e9 = 1,999,900,000 */
    p = params(2000000000, -50000, 0);
    c = clk_cpu_new(loop, &p);
    ck_assert_uint_eq(clk_tsc(c, SIM_SEC), 1999900000u);
    clk_cpu_free(c);

    /* 2.4 GHz, no error: 1 ns -> floor(2.4) = 2; 7 ns -> floor(16.8) = 16. */
    p = params(2400000000, 0, 0);
    c = clk_cpu_new(loop, &p);
    ck_assert_uint_eq(clk_tsc(c, 1), 2);
    ck_assert_uint_eq(clk_tsc(c, 7), 16);
    clk_cpu_free(c);

    /* Long times stay exact: 3e18 ns at 2.4 GHz + 1 ppb:
     * 3e18 * 2.4e9 * (1e9 + 1) / 1e18 = 7.2e18 + 7.2e9 = 7200000007200000000. */
    p = params(2400000000, 1, 0);
    c = clk_cpu_new(loop, &p);
    ck_assert_uint_eq(clk_tsc(c, (sim_time_t)3000000000000000000), 7200000007200000000u);
    clk_cpu_free(c);

    /* Non-integer ratio with offset and error: 2666666667 Hz, -37 ppm,
     * offset 1e12, t = 123456789 ns:
     * 123456789 * 2666666667 * 999963000 / 1e18 = 329205922.8 -> 329205922. */
    p = params(2666666667, -37000, 1000000000000u);
    c = clk_cpu_new(loop, &p);
    ck_assert_uint_eq(clk_tsc(c, 123456789), 1000329205922u);
    clk_cpu_free(c);

    /* The counter wraps modulo 2^64: offset 2^64 - 10 at 1 GHz, 20 ns -> 10. */
    p = params(1000000000, 0, UINT64_MAX - 9);
    c = clk_cpu_new(loop, &p);
    ck_assert_uint_eq(clk_tsc(c, 20), 10);
    clk_cpu_free(c);

    ev_loop_free(loop);
}
END_TEST

START_TEST(test_calib_scale)
{
    /* No error, 1e9 cycles per 1 s epoch: 1 ns per cycle. */
    ck_assert_uint_eq(clk_calib_scale(SIM_SEC, 0, 1000000000u, 7), Q32);
    /* The first recalibration of a 2.4 GHz +100 ppm TSC (see test_recal):
     * err 99999 ns, 2,400,240,000 cycles in the epoch:
     * floor((1e9 - 99999) * 2^32 / 2400240000) = floor(1789211830.2) */
    ck_assert_uint_eq(clk_calib_scale(SIM_SEC, 99999, 2400240000u, 7), 1789211830u);
    /* Local 0.9 s ahead: target 0.1 s is clamped up to epoch/2: 2^32 / 2. */
    ck_assert_uint_eq(clk_calib_scale(SIM_SEC, 900000000, 1000000000u, 7), Q32 / 2);
    /* Local 5 s behind: target 6 s is clamped down to 2 * epoch: 2^33. */
    ck_assert_uint_eq(clk_calib_scale(SIM_SEC, -5 * SIM_SEC, 1000000000u, 7), 2 * Q32);
    /* A TSC that did not tick keeps its scale. */
    ck_assert_uint_eq(clk_calib_scale(SIM_SEC, 123, 0, 77), 77);
    /* A 1 ns epoch still advances by at least 1 ns; 2^33 cycles for 1 ns
     * would round to scale 0, which is raised to 1 so time keeps moving. */
    ck_assert_uint_eq(clk_calib_scale(1, 0, 1, 7), Q32);
    ck_assert_uint_eq(clk_calib_scale(1, 0, 2 * Q32, 7), 1);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* Parameters */

START_TEST(test_params)
{
    struct clk_params d = clk_params_default();
    ck_assert_int_eq(d.tsc_hz, 2400000000);
    ck_assert_int_eq(d.tsc_ppb, 0);
    /* The TSC has counted 60 s at 2.4 GHz when the clock starts. */
    ck_assert_uint_eq(d.tsc_offset, 144000000000u);
    ck_assert_uint_eq(clk_default_tsc_offset(1000000000), 60000000000u);
    ck_assert_uint_eq(clk_default_tsc_offset(CLK_HZ_MAX), 60000000000000u);
    ck_assert_uint_eq(clk_default_tsc_offset(0), 0);
    ck_assert_int_eq(d.timer_slop, 50000);
    ck_assert_int_eq(d.apic_hz, 100000000);
    ck_assert_int_eq(d.epoch, 1000000000);
    ck_assert_int_eq(clk_params_check(&d), 0);
    ck_assert_int_eq(clk_params_check(NULL), -SIM_EINVAL);

    struct ev_loop *loop = ev_loop_new();
    ck_assert_int_eq(d.timer_order, CLK_ORDER_FIFO);
    struct clk_params bad[] = { d, d, d, d, d, d, d, d, d, d, d };
    bad[0].tsc_hz = 0;
    bad[1].tsc_hz = -2400000000;
    bad[2].tsc_ppb = 100000000;       /* +10% */
    bad[3].tsc_ppb = -100000000;      /* -10% */
    bad[4].apic_hz = 0;
    bad[5].timer_slop = -1;
    bad[6].epoch = 0;
    bad[7].epoch = -SIM_SEC;
    bad[8].tsc_hz = CLK_HZ_MAX + 1;
    bad[9].apic_hz = -1;
    bad[10].timer_order = (enum clk_timer_order)7;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_msg(clk_params_check(&bad[i]) == -SIM_EINVAL, "bad[%zu] accepted", i);
        ck_assert_msg(clk_cpu_new(loop, &bad[i]) == NULL, "bad[%zu] built a clock", i);
    }

    /* Just inside the limits. */
    struct clk_params ok = d;
    ok.tsc_ppb = 99999999;
    ok.timer_slop = 0;
    ok.epoch = 1;
    ok.tsc_hz = CLK_HZ_MAX;
    struct clk_cpu *c = clk_cpu_new(loop, &ok);
    ck_assert_ptr_nonnull(c);
    clk_cpu_free(c);
    ok.tsc_ppb = -99999999;
    c = clk_cpu_new(loop, &ok);
    ck_assert_ptr_nonnull(c);
    clk_cpu_free(c);

    /* NULL params mean the defaults; a NULL loop is refused. */
    c = clk_cpu_new(loop, NULL);
    ck_assert_ptr_nonnull(c);
    ck_assert_int_eq(clk_cpu_params(c)->tsc_hz, 2400000000);
    ck_assert_int_eq(clk_cpu_params(c)->timer_slop, 50000);
    clk_cpu_free(c);
    ck_assert_ptr_null(clk_cpu_new(NULL, &d));
    clk_cpu_free(NULL);
    ev_loop_free(loop);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* NOW(): drift, recalibration, monotonicity, conversions */

START_TEST(test_now_exact)
{
    /* 1 GHz, no error: scale 2^32, every recalibration measures err 0 over
     * 1e9 cycles and keeps 2^32, so NOW() == engine time, whatever the offset. */
    struct ev_loop *loop = ev_loop_new();
    struct clk_params p = params(1000000000, 0, 5000000000u);
    struct clk_cpu *c = clk_cpu_new(loop, &p);
    ck_assert_int_eq(clk_now(c), 0);
    for (sim_time_t t = 1; t < 4 * SIM_SEC; t += 12345678)
        ck_assert_int_eq(now_at(loop, c, t), t);
    ck_assert_uint_eq(clk_scale(c), Q32);
    struct clk_stats st;
    clk_cpu_stats(c, &st);
    ck_assert_uint_eq(st.recalibrations, 3); /* boundaries at 1, 2, 3 s */
    clk_cpu_free(c);
    ev_loop_free(loop);
}
END_TEST

/* The offset shifts the TSC only: NOW() and the inverse conversion are the
 * same, to the ns, for offset 0, the default and one that wraps the 64-bit
 * counter within the first epoch, through four recalibrations of a clock
 * with a frequency error (so the scale changes at every boundary). */
START_TEST(test_now_offset_invisible)
{
    const uint64_t offs[] = { 0, clk_default_tsc_offset(2400000000), UINT64_MAX - 1000000u };
    enum { NOFF = sizeof offs / sizeof offs[0] };
    struct ev_loop *loop = ev_loop_new();
    struct clk_cpu *c[NOFF];
    for (int i = 0; i < NOFF; i++) {
        struct clk_params p = params(2400000000, 73000, offs[i]);
        c[i] = clk_cpu_new(loop, &p);
        ck_assert_uint_eq(clk_tsc(c[i], 0), offs[i]);
    }
    for (sim_time_t t = 0; t < 4 * SIM_SEC + 10 * SIM_MSEC; t += 7654321) {
        ev_run(loop, t);
        sim_time_t now0 = clk_now(c[0]), eng0;
        ck_assert_int_eq(clk_engine_at(c[0], now0 + 5 * SIM_MSEC, &eng0), 0);
        for (int i = 1; i < NOFF; i++) {
            sim_time_t eng;
            ck_assert_int_eq(clk_now(c[i]), now0);
            ck_assert_uint_eq(clk_tsc(c[i], t) - offs[i], clk_tsc(c[0], t));
            ck_assert_int_eq(clk_engine_at(c[i], now0 + 5 * SIM_MSEC, &eng), 0);
            ck_assert_int_eq(eng, eng0);
        }
    }
    for (int i = 0; i < NOFF; i++) {
        struct clk_stats st;
        clk_cpu_stats(c[i], &st);
        ck_assert_uint_eq(st.recalibrations, 4);
        clk_cpu_free(c[i]);
    }
    ev_loop_free(loop);
}
END_TEST

START_TEST(test_now_drift)
{
    struct ev_loop *loop = ev_loop_new();

    /* 2.4 GHz believed, +100 ppm actual: NOW() runs 100 us/s fast.
     * t = 0.5 s: tsc = 0.5e9 * 2.4e9 * 1.0001 / 1e9 = 1,200,120,000;
     * NOW = floor(1200120000 * 1789569706 / 2^32) = floor(500049999.81).
     * t = 1 s - 1 ns: tsc = floor(2400239997.6) = 2400239997;
     * NOW = floor(1000099998.6) = 1000099998 (99,999 ns ahead). */
    struct clk_params p = params(2400000000, 100000, 0);
    struct clk_cpu *c = clk_cpu_new(loop, &p);
    ck_assert_int_eq(now_at(loop, c, 500 * SIM_MSEC), 500049999);
    ck_assert_int_eq(now_at(loop, c, SIM_SEC - 1), 1000099998);
    struct clk_stats st;
    clk_cpu_stats(c, &st);
    ck_assert_uint_eq(st.recalibrations, 0);
    ck_assert_uint_eq(clk_scale(c), 1789569706u);
    clk_cpu_free(c);

    /* -100 ppm: tsc(0.5 s) = 1,199,880,000 -> floor(499949999.81);
     * 100 us/s slow. */
    ev_loop_free(loop);
    loop = ev_loop_new();
    p = params(2400000000, -100000, 0);
    c = clk_cpu_new(loop, &p);
    ck_assert_int_eq(now_at(loop, c, 500 * SIM_MSEC), 499949999);
    clk_cpu_free(c);
    ev_loop_free(loop);
}
END_TEST

/*
 * Recalibration and its bound. Notation: c_ns = ns per cycle (1/2.4 =
 * 0.417 at 2.4 GHz), D = cycles per epoch / 2^32 (2.4e9 / 2^32 = 0.559).
 * The boundary error after the first corrected epoch satisfies
 *   -(c_ns + D + 1) < e <= c_ns           (docs/clock.md derives it)
 * i.e. e in {-1, 0} at 2.4 GHz, and inside an epoch
 *   |err| < |e| + 2 c_ns + D + 1 = 1 + 0.834 + 0.559 + 1 = 3.39, so <= 3.
 */
START_TEST(test_recal)
{
    static const int64_t ppbs[] = { 100000, -100000 };
    for (size_t i = 0; i < 2; i++) {
        struct ev_loop *loop = ev_loop_new();
        struct clk_params p = params(2400000000, ppbs[i], 0);
        struct clk_cpu *c = clk_cpu_new(loop, &p);
        sim_time_t e1 = now_at(loop, c, SIM_SEC) - SIM_SEC;
        if (ppbs[i] > 0) {
            /* tsc(1 s) = 2,400,240,000; NOW = floor(1000099999.81): e1 = 99,999.
             * New scale floor(999900001 * 2^32 / 2400240000) = 1789211830. */
            ck_assert_int_eq(e1, 99999);
            ck_assert_uint_eq(clk_scale(c), 1789211830u);
        } else {
            /* tsc(1 s) = 2,399,760,000; NOW = floor(999899999.81): e1 = -100,001.
             * floor(1000100001 * 2^32 / 2399760000) = 1789927658. */
            ck_assert_int_eq(e1, -100001);
            ck_assert_uint_eq(clk_scale(c), 1789927658u);
        }
        /* The error shrinks steadily towards the next boundary, and halfway
         * through half of it is left: e1 / 2 = 49,999.5 or -50,000.5,
         * give or take the 3 ns bound below. */
        sim_time_t prev = llabs(e1);
        for (sim_time_t t = SIM_SEC + 100 * SIM_MSEC; t < 2 * SIM_SEC; t += 100 * SIM_MSEC) {
            sim_time_t e = now_at(loop, c, t) - t;
            ck_assert_int_lt(llabs(e), prev);
            prev = llabs(e);
            if (t == 1500 * SIM_MSEC)
                ck_assert_int_le(llabs(e - e1 / 2), 3);
        }
        /* From the second boundary on: the bound above. */
        for (sim_time_t t = 2 * SIM_SEC; t <= 6 * SIM_SEC; t += 999983) {
            sim_time_t e = now_at(loop, c, t) - t;
            ck_assert_msg(llabs(e) <= 3, "ppb %lld t %lld err %lld", (long long)ppbs[i],
                          (long long)t, (long long)e);
        }
        for (sim_time_t k = 7; k <= 12; k++) {
            sim_time_t e = now_at(loop, c, k * SIM_SEC) - k * SIM_SEC;
            ck_assert_msg(e == 0 || e == -1, "boundary %lld err %lld", (long long)k,
                          (long long)e);
        }
        struct clk_stats st;
        clk_cpu_stats(c, &st);
        ck_assert_uint_eq(st.recalibrations, 12);
        clk_cpu_free(c);
        ev_loop_free(loop);
    }
}
END_TEST

/* A large error converges too, through the clamp: with +9.9999999% the first
 * boundary error is about +0.1 s, inside epoch/2, so one epoch corrects it
 * (c_ns = 0.379 at 2.4 GHz * 1.1; D = 0.615; bound 1 + 0.76 + 0.62 + 1 -> 3). */
START_TEST(test_recal_large)
{
    struct ev_loop *loop = ev_loop_new();
    struct clk_params p = params(2400000000, 99999999, 0);
    struct clk_cpu *c = clk_cpu_new(loop, &p);
    sim_time_t e1 = now_at(loop, c, SIM_SEC) - SIM_SEC;
    ck_assert_int_gt(e1, 99 * SIM_MSEC);
    ck_assert_int_lt(e1, 100 * SIM_MSEC);
    for (sim_time_t t = 2 * SIM_SEC; t <= 4 * SIM_SEC; t += 7777777)
        ck_assert_int_le(llabs(now_at(loop, c, t) - t), 3);
    clk_cpu_free(c);
    ev_loop_free(loop);
}
END_TEST

/* NOW() never decreases: read it every ns for 2 us around each of the first
 * four epoch boundaries and every ~1 ms in between, for positive and
 * negative errors, offsets (one wrapping the 64-bit counter at ~0.42 s) and
 * frequencies. A 1 ns step adds at most 3 cycles (2.64 GHz), worth at most
 * 3 * 0.42 ns after scaling, so NOW() never jumps by more than 2 ns either. */
START_TEST(test_monotonic)
{
    static const struct {
        int64_t hz, ppb;
        uint64_t off;
    } cfg[] = {
        { 2400000000, 100000, 987654321987u },
        { 2400000000, -100000, 987654321987u },
        { 2400000000, 99999999, 42 },
        { 1000000000, -99999999, 0 },
        { 2666666667, 37000, UINT64_MAX - 1000000000u },
        { 3000000000, -250000, (uint64_t)1 << 40 },
    };
    for (size_t i = 0; i < sizeof cfg / sizeof cfg[0]; i++) {
        struct ev_loop *loop = ev_loop_new();
        struct clk_params p = params(cfg[i].hz, cfg[i].ppb, cfg[i].off);
        struct clk_cpu *c = clk_cpu_new(loop, &p);
        sim_time_t last = clk_now(c), t = 0;
        while (t < 4 * SIM_SEC + SIM_USEC) {
            sim_time_t to_boundary = SIM_SEC - t % SIM_SEC;
            bool near = t % SIM_SEC < SIM_USEC || to_boundary <= SIM_USEC;
            sim_time_t step = near ? 1 : (to_boundary - SIM_USEC < 999983 ? to_boundary - SIM_USEC : 999983);
            t += step;
            sim_time_t n = now_at(loop, c, t);
            ck_assert_msg(n >= last, "cfg %zu: NOW went back at %lld: %lld -> %lld", i,
                          (long long)t, (long long)last, (long long)n);
            if (step == 1)
                ck_assert_msg(n - last <= 2, "cfg %zu: jump at %lld", i, (long long)t);
            last = n;
        }
        struct clk_stats st;
        clk_cpu_stats(c, &st);
        ck_assert_uint_eq(st.recalibrations, 4);
        clk_cpu_free(c);
        ev_loop_free(loop);
    }
}
END_TEST

/* Lazy recalibration equals one per epoch: a clock read every 10 ms and a
 * clock read once at 5.5 s agree exactly. */
START_TEST(test_lazy_equals_eager)
{
    struct ev_loop *loop = ev_loop_new();
    struct clk_params p = params(2666666667, -73000, 555);
    struct clk_cpu *eager = clk_cpu_new(loop, &p);
    struct clk_cpu *lazy = clk_cpu_new(loop, &p);
    for (sim_time_t t = 0; t <= 5500 * SIM_MSEC; t += 10 * SIM_MSEC)
        now_at(loop, eager, t);
    ck_assert_int_eq(clk_now(lazy), clk_now(eager));
    ck_assert_uint_eq(clk_scale(lazy), clk_scale(eager));
    struct clk_stats a, b;
    clk_cpu_stats(eager, &a);
    clk_cpu_stats(lazy, &b);
    ck_assert_uint_eq(a.recalibrations, 5);
    ck_assert_uint_eq(b.recalibrations, 5);
    clk_cpu_free(eager);
    clk_cpu_free(lazy);
    ev_loop_free(loop);
}
END_TEST

/* clk_local_at predicts what NOW() will read; clk_engine_at is its exact
 * inverse: the first engine time at which NOW() reaches a local time. */
START_TEST(test_conversions)
{
    struct ev_loop *loop = ev_loop_new();
    struct clk_params p = params(2400000000, 150000, 31337);
    struct clk_cpu *c = clk_cpu_new(loop, &p);
    struct clk_cpu *probe = clk_cpu_new(loop, &p);

    /* Inverse property at engine time 0, over 5 s (5 calibrations). */
    uint64_t x = 12345;
    for (int i = 0; i < 400; i++) {
        x = x * 6364136223846793005u + 1442695040888963407u;
        sim_time_t want = 1 + (sim_time_t)((x >> 20) % (uint64_t)(5 * SIM_SEC));
        sim_time_t t, l, lm1;
        ck_assert_int_eq(clk_engine_at(c, want, &t), 0);
        ck_assert_int_eq(clk_local_at(c, t, &l), 0);
        ck_assert_int_ge(l, want);
        ck_assert_int_gt(t, 0);
        ck_assert_int_eq(clk_local_at(c, t - 1, &lm1), 0);
        ck_assert_int_lt(lm1, want);
    }
    /* Exactly on boundaries too: NOW() at 1 s is 1,000,149,999 (+150 ppm:
     * tsc 2,400,360,000, floor(1000149999.8)); that local time is first
     * reached at 1 s, because one ns earlier the TSC reads 2,400,359,997. */
    sim_time_t t, l;
    ck_assert_int_eq(clk_engine_at(c, 1000149999, &t), 0);
    ck_assert_int_eq(t, SIM_SEC);

    /* Predictions match real reads made later, through the boundaries. */
    for (sim_time_t want = 7; want < 5 * SIM_SEC; want += 123456789) {
        ck_assert_int_eq(clk_engine_at(c, want, &t), 0);
        ck_assert_int_eq(clk_local_at(c, t, &l), 0);
        ck_assert_int_eq(now_at(loop, probe, t), l);
    }

    /* Local times already passed map to now. */
    ev_run(loop, 5 * SIM_SEC);
    ck_assert_int_eq(clk_engine_at(c, SIM_SEC, &t), 0);
    ck_assert_int_eq(t, 5 * SIM_SEC);
    /* Once a boundary has been applied, times before it cannot be recomputed. */
    clk_now(c);
    ck_assert_int_eq(clk_local_at(c, 5 * SIM_SEC - 1, &l), -SIM_ERANGE);
    ck_assert_int_eq(clk_local_at(c, 5 * SIM_SEC, &l), 0);
    ck_assert_int_eq(l, clk_now(c));
    clk_cpu_free(c);
    clk_cpu_free(probe);

    /* Beyond 64 epochs the inverse is extrapolated: 100 s ahead it is off
     * by no more than the 3 ns tracking bound of test_recal. At -1000 ppm
     * the last representable local time is reached only past SIM_TIME_MAX
     * (local ~ true time after recalibration, and true time is 5 s ahead of
     * local at the start). */
    p = params(2400000000, -1000000, 0);
    c = clk_cpu_new(loop, &p);
    ck_assert_int_eq(clk_engine_at(c, 105 * SIM_SEC, &t), 0);
    ck_assert_int_eq(clk_local_at(c, t, &l), 0);
    ck_assert_int_le(llabs(l - 105 * SIM_SEC), 3);
    ck_assert_int_eq(clk_engine_at(c, SIM_TIME_MAX, &t), -SIM_ERANGE);
    clk_cpu_free(c);
    ev_loop_free(loop);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* Timers */

#define MAX_LOG 64

struct fixture {
    struct ev_loop *loop;
    struct clk_cpu *c;
    int n;
    int who[MAX_LOG];
    sim_time_t eng[MAX_LOG], loc[MAX_LOG];
};

struct probe {
    struct fixture *f;
    int id;
    struct clk_timer t;
    struct clk_timer *victim;   /* cancelled when this one fires */
    struct clk_timer *spawn;    /* set to spawn_at when this one fires */
    sim_time_t spawn_at;
    sim_time_t period;          /* re-armed this much later, until `until` */
    sim_time_t until;
};

static void probe_fn(void *arg)
{
    struct probe *pr = arg;
    struct fixture *f = pr->f;
    ck_assert_int_lt(f->n, MAX_LOG);
    f->who[f->n] = pr->id;
    f->eng[f->n] = ev_now(f->loop);
    f->loc[f->n] = clk_now(f->c);
    f->n++;
    if (pr->victim)
        clk_timer_cancel(pr->victim);
    if (pr->spawn)
        ck_assert_int_eq(clk_timer_set(pr->spawn, pr->spawn_at), 0);
    if (pr->period && pr->t.expires + pr->period <= pr->until)
        ck_assert_int_eq(clk_timer_set(&pr->t, pr->t.expires + pr->period), 0);
}

static void fx_init(struct fixture *f, const struct clk_params *p)
{
    *f = (struct fixture){ 0 };
    f->loop = ev_loop_new();
    ck_assert_ptr_nonnull(f->loop);
    f->c = clk_cpu_new(f->loop, p);
    ck_assert_ptr_nonnull(f->c);
}

static void fx_done(struct fixture *f)
{
    clk_cpu_free(f->c);
    ev_loop_free(f->loop);
}

static void probe_init(struct probe *pr, struct fixture *f, int id)
{
    *pr = (struct probe){ .f = f, .id = id };
    clk_timer_init(&pr->t, f->c, probe_fn, pr);
}

static struct clk_stats stats(struct fixture *f)
{
    struct clk_stats st;
    clk_cpu_stats(f->c, &st);
    return st;
}

/* 1 GHz exact clock: NOW() == engine time, so deadlines read directly. */
static struct clk_params exact(void)
{
    return params(1000000000, 0, 0);
}

START_TEST(test_timer_fires)
{
    struct fixture f;
    struct clk_params p = exact();
    fx_init(&f, &p);
    struct probe a;
    probe_init(&a, &f, 1);
    ck_assert(!clk_timer_pending(&a.t));
    /* 1 ms away: 1e6 ns * 100 MHz = 100,000 APIC ticks = exactly 1 ms. */
    ck_assert_int_eq(clk_timer_set(&a.t, SIM_MSEC), 0);
    ck_assert(clk_timer_pending(&a.t));
    ck_assert_int_eq(ev_next_time(f.loop), SIM_MSEC);
    ev_run(f.loop, 10 * SIM_MSEC);
    ck_assert_int_eq(f.n, 1);
    ck_assert_int_eq(f.eng[0], SIM_MSEC);
    ck_assert_int_eq(f.loc[0], SIM_MSEC);
    ck_assert(!clk_timer_pending(&a.t));
    struct clk_stats st = stats(&f);
    ck_assert_uint_eq(st.interrupts, 1);
    ck_assert_uint_eq(st.softirqs, 1);
    ck_assert_uint_eq(st.timers_fired, 1);
    ck_assert_uint_eq(st.apic_programs, 1);
    ck_assert_uint_eq(ev_pending(f.loop), 0);
    fx_done(&f);
}
END_TEST

/* Up to the slop early, never more. At NOW() = 5 ms: a timer 30 us ahead is
 * within the slop (5,030,000 < 5,000,000 + 50,000) and runs at once, 30 us
 * early; one exactly 50 us ahead is not (5,050,000 < 5,050,000 is false)
 * and waits for the APIC (5000 ticks). */
START_TEST(test_timer_slop)
{
    struct fixture f;
    struct clk_params p = exact();
    fx_init(&f, &p);
    struct probe a, b;
    probe_init(&a, &f, 1);
    probe_init(&b, &f, 2);
    ev_run(f.loop, 5 * SIM_MSEC);
    ck_assert_int_eq(clk_timer_set(&a.t, 5 * SIM_MSEC + 30 * SIM_USEC), 0);
    ck_assert_int_eq(clk_timer_set(&b.t, 5 * SIM_MSEC + 50 * SIM_USEC), 0);
    ev_run(f.loop, 6 * SIM_MSEC);
    ck_assert_int_eq(f.n, 2);
    ck_assert_int_eq(f.who[0], 1);
    ck_assert_int_eq(f.eng[0], 5 * SIM_MSEC);
    ck_assert_int_ge(f.loc[0], a.t.expires - p.timer_slop);
    ck_assert_int_eq(f.who[1], 2);
    ck_assert_int_eq(f.eng[1], 5 * SIM_MSEC + 50 * SIM_USEC);
    struct clk_stats st = stats(&f);
    ck_assert_uint_eq(st.softirqs, 2);
    ck_assert_uint_eq(st.interrupts, 1); /* the first was raised directly */
    fx_done(&f);
}
END_TEST

/* Timers 30 us apart share one interrupt and run in expiry order even when
 * set in the opposite order; 49,999 ns apart still share, 50,000 do not. */
START_TEST(test_timer_batch)
{
    struct fixture f;
    struct clk_params p = exact();
    fx_init(&f, &p);
    struct probe a, b, c, d;
    probe_init(&a, &f, 1);
    probe_init(&b, &f, 2);
    probe_init(&c, &f, 3);
    probe_init(&d, &f, 4);
    ck_assert_int_eq(clk_timer_set(&b.t, SIM_MSEC + 30 * SIM_USEC), 0);
    ck_assert_int_eq(clk_timer_set(&a.t, SIM_MSEC), 0);
    ev_run(f.loop, 2 * SIM_MSEC);
    ck_assert_int_eq(f.n, 2);
    ck_assert_int_eq(f.who[0], 1);
    ck_assert_int_eq(f.who[1], 2);
    ck_assert_int_eq(f.eng[0], SIM_MSEC);
    ck_assert_int_eq(f.eng[1], SIM_MSEC);
    ck_assert_uint_eq(stats(&f).interrupts, 1);
    ck_assert_uint_eq(stats(&f).timers_fired, 2);

    /* 3 ms and 3 ms + 49,999 ns: one interrupt at 3 ms. 4 ms and 4.05 ms:
     * two. */
    ck_assert_int_eq(clk_timer_set(&a.t, 3 * SIM_MSEC), 0);
    ck_assert_int_eq(clk_timer_set(&b.t, 3 * SIM_MSEC + 49999), 0);
    ck_assert_int_eq(clk_timer_set(&c.t, 4 * SIM_MSEC), 0);
    ck_assert_int_eq(clk_timer_set(&d.t, 4 * SIM_MSEC + 50000), 0);
    ev_run(f.loop, 5 * SIM_MSEC);
    ck_assert_int_eq(f.n, 6);
    ck_assert_int_eq(f.eng[2], 3 * SIM_MSEC);
    ck_assert_int_eq(f.eng[3], 3 * SIM_MSEC);
    ck_assert_int_eq(f.eng[4], 4 * SIM_MSEC);
    ck_assert_int_eq(f.eng[5], 4 * SIM_MSEC + 50000);
    ck_assert_uint_eq(stats(&f).interrupts, 4);
    fx_done(&f);
}
END_TEST

/* 100 us apart: two interrupts, each on time. Equal deadlines run in the
 * order they were set. */
START_TEST(test_timer_two_irqs)
{
    struct fixture f;
    struct clk_params p = exact();
    fx_init(&f, &p);
    struct probe a, b, c;
    probe_init(&a, &f, 1);
    probe_init(&b, &f, 2);
    probe_init(&c, &f, 3);
    ck_assert_int_eq(clk_timer_set(&a.t, SIM_MSEC), 0);
    ck_assert_int_eq(clk_timer_set(&c.t, SIM_MSEC + 100 * SIM_USEC), 0);
    ck_assert_int_eq(clk_timer_set(&b.t, SIM_MSEC + 100 * SIM_USEC), 0);
    ev_run(f.loop, 2 * SIM_MSEC);
    ck_assert_int_eq(f.n, 3);
    ck_assert_int_eq(f.who[0], 1);
    ck_assert_int_eq(f.eng[0], SIM_MSEC);
    ck_assert_int_eq(f.who[1], 3);
    ck_assert_int_eq(f.who[2], 2);
    ck_assert_int_eq(f.eng[1], SIM_MSEC + 100 * SIM_USEC);
    ck_assert_int_eq(f.eng[2], SIM_MSEC + 100 * SIM_USEC);
    ck_assert_uint_eq(stats(&f).interrupts, 2);
    fx_done(&f);
}
END_TEST

/* A deadline already passed runs at the current engine time, from a softirq
 * raised directly (no APIC programming, no interrupt). */
START_TEST(test_timer_past)
{
    struct fixture f;
    struct clk_params p = exact();
    fx_init(&f, &p);
    struct probe a;
    probe_init(&a, &f, 1);
    ev_run(f.loop, 5 * SIM_MSEC);
    ck_assert_int_eq(clk_timer_set(&a.t, SIM_MSEC), 0);
    ck_assert_int_eq(ev_next_time(f.loop), 5 * SIM_MSEC);
    ck_assert_int_eq(f.n, 0); /* not run synchronously */
    ev_run(f.loop, 5 * SIM_MSEC);
    ck_assert_int_eq(f.n, 1);
    ck_assert_int_eq(f.eng[0], 5 * SIM_MSEC);
    struct clk_stats st = stats(&f);
    ck_assert_uint_eq(st.interrupts, 0);
    ck_assert_uint_eq(st.softirqs, 1);
    ck_assert_uint_eq(st.apic_programs, 0);
    fx_done(&f);
}
END_TEST

/* Cancelling before expiry prevents the call and disarms the interrupt;
 * re-setting moves a timer either way and it runs once. */
START_TEST(test_timer_cancel_move)
{
    struct fixture f;
    struct clk_params p = exact();
    fx_init(&f, &p);
    struct probe a, b;
    probe_init(&a, &f, 1);
    probe_init(&b, &f, 2);
    ck_assert_int_eq(clk_timer_set(&a.t, SIM_MSEC), 0);
    ck_assert_int_eq(ev_pending(f.loop), 1);
    clk_timer_cancel(&a.t);
    ck_assert(!clk_timer_pending(&a.t));
    ck_assert_int_eq(ev_pending(f.loop), 0);
    clk_timer_cancel(&a.t); /* harmless twice */
    clk_timer_cancel(NULL);
    ev_run(f.loop, 2 * SIM_MSEC);
    ck_assert_int_eq(f.n, 0);

    /* Later: 3 ms moved to 4 ms. */
    ck_assert_int_eq(clk_timer_set(&a.t, 3 * SIM_MSEC), 0);
    ck_assert_int_eq(clk_timer_set(&a.t, 4 * SIM_MSEC), 0);
    ck_assert_int_eq(ev_next_time(f.loop), 4 * SIM_MSEC);
    ck_assert_uint_eq(clk_timers_pending(f.c), 1);
    /* Earlier: 6 ms moved to 5 ms. */
    ck_assert_int_eq(clk_timer_set(&b.t, 6 * SIM_MSEC), 0);
    ck_assert_int_eq(clk_timer_set(&b.t, 5 * SIM_MSEC), 0);
    ev_run(f.loop, 10 * SIM_MSEC);
    ck_assert_int_eq(f.n, 2);
    ck_assert_int_eq(f.eng[0], 4 * SIM_MSEC);
    ck_assert_int_eq(f.eng[1], 5 * SIM_MSEC);
    ck_assert_uint_eq(stats(&f).timers_fired, 2);

    /* Cancelling the earliest of two re-aims the interrupt at the other. */
    ck_assert_int_eq(clk_timer_set(&a.t, 11 * SIM_MSEC), 0);
    ck_assert_int_eq(clk_timer_set(&b.t, 12 * SIM_MSEC), 0);
    ck_assert_int_eq(ev_next_time(f.loop), 11 * SIM_MSEC);
    clk_timer_cancel(&a.t);
    ck_assert_int_eq(ev_next_time(f.loop), 12 * SIM_MSEC);
    ck_assert_int_eq(ev_pending(f.loop), 1);
    ev_run(f.loop, 20 * SIM_MSEC);
    ck_assert_int_eq(f.n, 3);
    ck_assert_int_eq(f.who[2], 2);

    /* Bad arguments. */
    struct clk_timer z = { 0 };
    ck_assert_int_eq(clk_timer_set(NULL, 0), -SIM_EINVAL);
    ck_assert_int_eq(clk_timer_set(&z, 0), -SIM_EINVAL);
    ck_assert(!clk_timer_pending(NULL));
    fx_done(&f);
}
END_TEST

/* Callbacks re-arm themselves (a 10 ms periodic tick), cancel a timer of the
 * same batch, and add a timer that is already due, which runs in the same
 * softirq. */
START_TEST(test_timer_callbacks)
{
    struct fixture f;
    struct clk_params p = exact();
    fx_init(&f, &p);
    struct probe tick;
    probe_init(&tick, &f, 1);
    tick.period = 10 * SIM_MSEC;
    tick.until = 100 * SIM_MSEC;
    ck_assert_int_eq(clk_timer_set(&tick.t, 10 * SIM_MSEC), 0);
    ev_run(f.loop, SIM_SEC);
    ck_assert_int_eq(f.n, 10);
    for (int i = 0; i < 10; i++)
        ck_assert_int_eq(f.eng[i], (i + 1) * 10 * SIM_MSEC);
    ck_assert_uint_eq(stats(&f).interrupts, 10);
    ck_assert_int_eq(ev_pending(f.loop), 0);

    /* At 2 s: a cancels b (due 20 us later, same batch); a also sets c to
     * 1 us in the past, which runs in the same softirq after a. */
    f.n = 0;
    struct probe a, b, c;
    probe_init(&a, &f, 2);
    probe_init(&b, &f, 3);
    probe_init(&c, &f, 4);
    a.victim = &b.t;
    a.spawn = &c.t;
    a.spawn_at = 2 * SIM_SEC - SIM_USEC;
    ck_assert_int_eq(clk_timer_set(&a.t, 2 * SIM_SEC), 0);
    ck_assert_int_eq(clk_timer_set(&b.t, 2 * SIM_SEC + 20 * SIM_USEC), 0);
    uint64_t softirqs = stats(&f).softirqs;
    ev_run(f.loop, 3 * SIM_SEC);
    ck_assert_int_eq(f.n, 2);
    ck_assert_int_eq(f.who[0], 2);
    ck_assert_int_eq(f.who[1], 4);
    ck_assert_int_eq(f.eng[1], 2 * SIM_SEC);
    ck_assert(!clk_timer_pending(&b.t));
    ck_assert_uint_eq(stats(&f).softirqs, softirqs + 1);
    fx_done(&f);
}
END_TEST

/* APIC resolution: the count is floor(ns left * apic_hz / 1e9) and the
 * interrupt comes after count * 1e9 / apic_hz ns, rounded down. */
START_TEST(test_timer_apic_resolution)
{
    /* 1 MHz: deadline 1,234,567 ns -> 1234 ticks -> interrupt at 1,234,000,
     * 567 ns early (within the slop, so it runs). */
    struct fixture f;
    struct clk_params p = exact();
    p.apic_hz = 1000000;
    fx_init(&f, &p);
    struct probe a;
    probe_init(&a, &f, 1);
    ck_assert_int_eq(clk_timer_set(&a.t, 1234567), 0);
    ck_assert_int_eq(ev_next_time(f.loop), 1234000);
    ev_run(f.loop, SIM_SEC / 2);
    ck_assert_int_eq(f.n, 1);
    ck_assert_int_eq(f.eng[0], 1234000);
    fx_done(&f);

    /* 7 MHz (142.857 ns per tick): 1,000,500 ns -> floor(7003.5) = 7003
     * ticks -> 7003e9 / 7e6 = 1,000,428.57 -> 1,000,428. */
    p.apic_hz = 7000000;
    fx_init(&f, &p);
    probe_init(&a, &f, 1);
    ck_assert_int_eq(clk_timer_set(&a.t, 1000500), 0);
    ev_run(f.loop, SIM_SEC / 2);
    ck_assert_int_eq(f.n, 1);
    ck_assert_int_eq(f.eng[0], 1000428);
    fx_done(&f);

    /* Default 2.4 GHz clock, 100 MHz APIC: 1,234,567 -> 123456 ticks ->
     * 1,234,560 ns; tsc there = floor(1234560 * 2.4) = 2962944, NOW =
     * floor(2962944 * 1789569706 / 2^32) = floor(1234559.9997) = 1234559. */
    p = clk_params_default();
    fx_init(&f, &p);
    probe_init(&a, &f, 1);
    ck_assert_int_eq(clk_timer_set(&a.t, 1234567), 0);
    ev_run(f.loop, SIM_SEC / 2);
    ck_assert_int_eq(f.n, 1);
    ck_assert_int_eq(f.eng[0], 1234560);
    ck_assert_int_eq(f.loc[0], 1234559);
    fx_done(&f);
}
END_TEST

/* Slop 0: a timer is due only once NOW() > expires. At 1 GHz the APIC
 * fires at the deadline itself, NOW() == expires is not yet due, and the
 * zero count left makes the softirq wait for the first engine time at which
 * it is: expires + 1. At 2.4 GHz a deadline 5 ns away is below one 10 ns
 * tick: the softirq is raised at once, finds nothing due and waits likewise:
 * NOW(1 ms) = 999,999, expires 1,000,004, due at NOW = 1,000,005, first
 * reached at engine 1,000,006 (tsc 2,400,014, floor(1000005.8)). */
START_TEST(test_timer_zero_slop)
{
    struct fixture f;
    struct clk_params p = exact();
    p.timer_slop = 0;
    fx_init(&f, &p);
    struct probe a;
    probe_init(&a, &f, 1);
    ck_assert_int_eq(clk_timer_set(&a.t, SIM_MSEC), 0);
    ev_run(f.loop, SIM_SEC / 2);
    ck_assert_int_eq(f.n, 1);
    ck_assert_int_eq(f.eng[0], SIM_MSEC + 1);
    ck_assert_int_eq(f.loc[0], SIM_MSEC + 1);
    fx_done(&f);

    p = clk_params_default();
    p.timer_slop = 0;
    fx_init(&f, &p);
    probe_init(&a, &f, 1);
    ev_run(f.loop, SIM_MSEC);
    ck_assert_int_eq(clk_now(f.c), 999999);
    ck_assert_int_eq(clk_timer_set(&a.t, 999999 + 5), 0);
    ev_run(f.loop, SIM_SEC / 2);
    ck_assert_int_eq(f.n, 1);
    ck_assert_int_eq(f.eng[0], 1000006);
    ck_assert_int_eq(f.loc[0], 1000005);
    ck_assert_uint_eq(stats(&f).softirqs, 2);
    fx_done(&f);
}
END_TEST

/*
 * Drift: the APIC counts true time, deadlines are local. All at 2.4 GHz,
 * timers set at engine 0 (worked through the clock model by hand):
 *  -1000 ppm, 500 ms: APIC at 500 ms, where NOW() is about 499.5 ms: 500 us
 *    early, beyond the slop, so nothing runs; reprogrammed for the ~500 us
 *    left, the second interrupt at 500.5 ms finds NOW() = 499,999,499
 *    (501 ns early): 2 interrupts.
 *  +1000 ppm, 500 ms: APIC at 500 ms, NOW() = 500,499,999: 500 us late.
 *  -200 ppm, 1.5 s (after the first recalibration, NOW() is ~100 us behind
 *    at 1.5 s): second interrupt at 1,500,100,000 with NOW() =
 *    1,500,000,019.
 *  +100 ppm, 3.5 s: by then recalibration has pulled NOW() to within 3 ns
 *    of true time: one interrupt at 3.5 s, NOW() = 3,499,999,999.
 * In every case the timer runs once and never before expires - slop.
 */
START_TEST(test_timer_drift)
{
    static const struct {
        int64_t ppb;
        sim_time_t expires, eng, loc;
        uint64_t irqs;
    } cs[] = {
        { -1000000, 500 * SIM_MSEC, 500500000, 499999499, 2 },
        { 1000000, 500 * SIM_MSEC, 500000000, 500499999, 1 },
        { -200000, 1500 * SIM_MSEC, 1500100000, 1500000019, 2 },
        { 100000, 3500 * SIM_MSEC, 3500000000, 3499999999, 1 },
    };
    for (size_t i = 0; i < sizeof cs / sizeof cs[0]; i++) {
        struct fixture f;
        struct clk_params p = params(2400000000, cs[i].ppb, 0);
        fx_init(&f, &p);
        struct probe a;
        probe_init(&a, &f, 1);
        ck_assert_int_eq(clk_timer_set(&a.t, cs[i].expires), 0);
        ev_run(f.loop, 10 * SIM_SEC);
        ck_assert_int_eq(f.n, 1);
        ck_assert_int_ge(f.loc[0], cs[i].expires - p.timer_slop);
        ck_assert_msg(f.eng[0] == cs[i].eng && f.loc[0] == cs[i].loc,
                      "case %zu: fired at engine %lld local %lld", i, (long long)f.eng[0],
                      (long long)f.loc[0]);
        ck_assert_uint_eq(stats(&f).interrupts, cs[i].irqs);
        ck_assert_uint_eq(stats(&f).timers_fired, 1);
        fx_done(&f);
    }
}
END_TEST

/* Many timers on a drifting clock: each runs exactly once, none before
 * expires - slop, and in nondecreasing expiry order. */
START_TEST(test_timer_drift_many)
{
    enum { N = 48 };
    struct fixture f;
    struct clk_params p = params(2666666667, -350000, 77);
    fx_init(&f, &p);
    struct probe pr[N];
    uint64_t x = 99;
    for (int i = 0; i < N; i++) {
        probe_init(&pr[i], &f, i);
        x = x * 6364136223846793005u + 1442695040888963407u;
        ck_assert_int_eq(clk_timer_set(&pr[i].t, (sim_time_t)((x >> 24) % (uint64_t)(4 * SIM_SEC))), 0);
    }
    ev_run(f.loop, 10 * SIM_SEC);
    ck_assert_int_eq(f.n, N);
    sim_time_t last = -1;
    for (int i = 0; i < N; i++) {
        sim_time_t exp = pr[f.who[i]].t.expires;
        ck_assert_int_ge(f.loc[i], exp - p.timer_slop);
        ck_assert_int_ge(exp, last);
        last = exp;
    }
    ck_assert_uint_eq(clk_timers_pending(f.c), 0);
    fx_done(&f);
}
END_TEST

/* Freeing a clock with timers pending leaves them not pending and the loop
 * without its interrupt. */
START_TEST(test_free_pending)
{
    struct fixture f;
    struct clk_params p = exact();
    fx_init(&f, &p);
    struct probe a, b;
    probe_init(&a, &f, 1);
    probe_init(&b, &f, 2);
    ck_assert_int_eq(clk_timer_set(&a.t, SIM_MSEC), 0);
    ck_assert_int_eq(clk_timer_set(&b.t, 2 * SIM_MSEC), 0);
    clk_cpu_free(f.c);
    f.c = NULL;
    ck_assert(!clk_timer_pending(&a.t));
    ck_assert(!clk_timer_pending(&b.t));
    ck_assert_int_eq(ev_pending(f.loop), 0);
    ev_run(f.loop, SIM_SEC);
    ck_assert_int_eq(f.n, 0);
    fx_done(&f);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* Order of timers with equal expiries: fifo vs Xen 2.0's heap */

/*
 * The hand derivations below follow Xen 2.0's ac_timer.c rules. The heap is
 * written [h1, h2, ...] (1-based; children of i are 2i and 2i+1). With every
 * expiry equal, "x sorts before y" is never true, so:
 *   add     appends at the end and never rises;
 *   remove  of slot p (not the last) moves the last entry L into p; it
 *           cannot rise, so it sinks: at each step the LEFT child is taken
 *           (the right one would need to be strictly smaller) and L goes
 *           below it unless that child is strictly larger, i.e. always;
 *   set of a pending timer is remove + add (mod_ac_timer);
 *   the softirq removes the top, runs it, and looks at the top again.
 */
#define TIES_MAX 6

struct ties {
    struct fixture f;
    struct probe pr[TIES_MAX];
};

static void ties_init(struct ties *x, enum clk_timer_order order)
{
    struct clk_params p = exact();
    p.timer_order = order;
    fx_init(&x->f, &p);
    for (int i = 0; i < TIES_MAX; i++)
        probe_init(&x->pr[i], &x->f, i);
}

/* Run to 1 s and compare the firing order with want[0..n-1]. */
static void ties_expect(struct ties *x, const int *want, int n, const char *what)
{
    ev_run(x->f.loop, SIM_SEC);
    ck_assert_msg(x->f.n == n, "%s: %d timers ran, expected %d", what, x->f.n, n);
    for (int i = 0; i < n; i++)
        ck_assert_msg(x->f.who[i] == want[i], "%s: run %d was timer %d, expected %d", what, i,
                      x->f.who[i], want[i]);
    ck_assert_uint_eq(clk_timers_pending(x->f.c), 0);
    fx_done(&x->f);
}

/*
 * Four adds A B C D (0..3) at the same 1 ms: heap [A B C D].
 *   pop A: D fills slot 1 and sinks below B (slot 2)     -> [B D C]
 *   pop B: C fills slot 1 and sinks below D              -> [D C]
 *   pop D, then C.
 * Xen: A B D C; fifo: A B C D. (Three timers give A B C either way.)
 */
START_TEST(test_ties_adds)
{
    static const int xen[] = { 0, 1, 3, 2 }, fifo[] = { 0, 1, 2, 3 };
    static const int xen3[] = { 0, 1, 2 };
    for (int o = 0; o < 2; o++) {
        struct ties x;
        ties_init(&x, o ? CLK_ORDER_XEN : CLK_ORDER_FIFO);
        for (int i = 0; i < 4; i++)
            ck_assert_int_eq(clk_timer_set(&x.pr[i].t, SIM_MSEC), 0);
        ties_expect(&x, o ? xen : fifo, 4, o ? "xen" : "fifo");
    }
    struct ties x;
    ties_init(&x, CLK_ORDER_XEN);
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(clk_timer_set(&x.pr[i].t, SIM_MSEC), 0);
    ties_expect(&x, xen3, 3, "xen, three");
}
END_TEST

/*
 * Five adds A B C D E (0..4) at 1 ms: [A B C D E]. Cancel B (slot 2): E
 * fills it, is not below A, sinks below D (slot 4)        -> [A D C E]
 *   pop A: E fills slot 1, sinks below D (left child)     -> [D E C]
 *   pop D: C fills slot 1, sinks below E                  -> [E C]
 *   pop E, then C.
 * Xen: A D E C; fifo: A C D E.
 */
START_TEST(test_ties_cancel)
{
    static const int xen[] = { 0, 3, 4, 2 }, fifo[] = { 0, 2, 3, 4 };
    for (int o = 0; o < 2; o++) {
        struct ties x;
        ties_init(&x, o ? CLK_ORDER_XEN : CLK_ORDER_FIFO);
        for (int i = 0; i < 5; i++)
            ck_assert_int_eq(clk_timer_set(&x.pr[i].t, SIM_MSEC), 0);
        clk_timer_cancel(&x.pr[1].t);
        ties_expect(&x, o ? xen : fifo, 4, o ? "xen" : "fifo");
    }
}
END_TEST

/*
 * Four adds A B C D (0..3) at 1 ms, then B set again to the same 1 ms
 * (remove + add): removing B moves D into slot 2, which has no children
 * -> [A D C]; B is appended -> [A D C B].
 *   pop A: B fills slot 1, sinks below D                  -> [D B C]
 *   pop D: C fills slot 1, sinks below B                  -> [B C]
 *   pop B, then C.
 * Xen: A D B C; fifo (B now set last): A C D B.
 */
START_TEST(test_ties_rearm)
{
    static const int xen[] = { 0, 3, 1, 2 }, fifo[] = { 0, 2, 3, 1 };
    for (int o = 0; o < 2; o++) {
        struct ties x;
        ties_init(&x, o ? CLK_ORDER_XEN : CLK_ORDER_FIFO);
        for (int i = 0; i < 4; i++)
            ck_assert_int_eq(clk_timer_set(&x.pr[i].t, SIM_MSEC), 0);
        ck_assert_int_eq(clk_timer_set(&x.pr[1].t, SIM_MSEC), 0);
        ties_expect(&x, o ? xen : fifo, 4, o ? "xen" : "fifo");
    }
}
END_TEST

/*
 * A (0) at 1 ms, B C D (1..3) at 1 ms + 10 us; all run in the softirq at
 * 1 ms (within the 50 us slop). A's callback re-arms A at 1 ms + 10 us.
 * Adds leave [A B C D] (nothing is strictly below A's parent chain).
 *   pop A: D fills slot 1, sinks below B                  -> [B D C]
 *   A runs and re-arms: appended under D                  -> [B D C A]
 *   pop B: A fills slot 1, sinks below D                  -> [D A C]
 *   pop D: C fills slot 1, sinks below A                  -> [A C]
 *   pop A (second run), then C.
 * Xen: A B D A C; fifo: A B C D A.
 */
START_TEST(test_ties_rearm_in_callback)
{
    static const int xen[] = { 0, 1, 3, 0, 2 }, fifo[] = { 0, 1, 2, 3, 0 };
    for (int o = 0; o < 2; o++) {
        struct ties x;
        ties_init(&x, o ? CLK_ORDER_XEN : CLK_ORDER_FIFO);
        x.pr[0].period = 10 * SIM_USEC;
        x.pr[0].until = SIM_MSEC + 10 * SIM_USEC;
        ck_assert_int_eq(clk_timer_set(&x.pr[0].t, SIM_MSEC), 0);
        for (int i = 1; i < 4; i++)
            ck_assert_int_eq(clk_timer_set(&x.pr[i].t, SIM_MSEC + 10 * SIM_USEC), 0);
        ck_assert_uint_eq(stats(&x.f).softirqs, 0);
        uint64_t before = stats(&x.f).softirqs;
        ev_run(x.f.loop, SIM_MSEC);
        ck_assert_uint_eq(stats(&x.f).softirqs, before + 1);
        ties_expect(&x, o ? xen : fifo, 5, o ? "xen" : "fifo");
    }
}
END_TEST

/* A fixed script of sets, moves and cancels over six timers, with expiries
 * both equal and distinct; returns the firing order in who[]. */
static int ties_script(enum clk_timer_order order, int *who)
{
    struct ties x;
    ties_init(&x, order);
    static const sim_time_t at[] = { 3, 1, 3, 2, 3, 1 };
    for (int i = 0; i < 6; i++)
        ck_assert_int_eq(clk_timer_set(&x.pr[i].t, at[i] * SIM_MSEC), 0);
    clk_timer_cancel(&x.pr[2].t);
    ck_assert_int_eq(clk_timer_set(&x.pr[3].t, 3 * SIM_MSEC), 0);
    ck_assert_int_eq(clk_timer_set(&x.pr[2].t, SIM_MSEC), 0);
    ck_assert_int_eq(clk_timer_set(&x.pr[1].t, 3 * SIM_MSEC), 0);
    ev_run(x.f.loop, SIM_SEC);
    int n = x.f.n;
    for (int i = 0; i < n; i++)
        who[i] = x.f.who[i];
    /* Whatever the tie rule, expiries never run out of order. */
    for (int i = 1; i < n; i++)
        ck_assert_int_le(x.pr[who[i - 1]].t.expires, x.pr[who[i]].t.expires);
    fx_done(&x.f);
    return n;
}

/* The same operations give the same order every time (nothing depends on
 * addresses): the script is run twice per rule. */
START_TEST(test_ties_deterministic)
{
    for (int o = 0; o < 2; o++) {
        int a[MAX_LOG], b[MAX_LOG];
        int na = ties_script(o ? CLK_ORDER_XEN : CLK_ORDER_FIFO, a);
        int nb = ties_script(o ? CLK_ORDER_XEN : CLK_ORDER_FIFO, b);
        ck_assert_int_eq(na, 6);
        ck_assert_int_eq(nb, 6);
        for (int i = 0; i < na; i++)
            ck_assert_int_eq(a[i], b[i]);
    }
}
END_TEST

/* A timer that logs its expiry into a shared array. */
struct stamp {
    struct clk_timer t;
    sim_time_t *log;
    int *n;
};

static void stamp_fn(void *arg)
{
    struct stamp *st = arg;
    st->log[(*st->n)++] = st->t.expires;
}

/* Distinct expiries run in expiry order under both rules, through a heap
 * large enough to grow its storage: 300 timers 100 us apart set in a
 * scrambled order (k = i * 7 mod 300), every third cancelled and every
 * fifth still pending moved 33 us later. */
START_TEST(test_ties_distinct)
{
    enum { N = 300 };
    static struct stamp st[N];
    static sim_time_t log[N];
    for (int o = 0; o < 2; o++) {
        struct clk_params p = exact();
        p.timer_order = o ? CLK_ORDER_XEN : CLK_ORDER_FIFO;
        struct fixture f;
        fx_init(&f, &p);
        int n = 0;
        for (int k = 0; k < N; k++) {
            st[k] = (struct stamp){ .log = log, .n = &n };
            clk_timer_init(&st[k].t, f.c, stamp_fn, &st[k]);
        }
        for (int i = 0; i < N; i++) {
            int k = i * 7 % N;
            ck_assert_int_eq(clk_timer_set(&st[k].t, (k + 1) * 100 * SIM_USEC), 0);
        }
        ck_assert_uint_eq(clk_timers_pending(f.c), N);
        for (int k = 0; k < N; k += 3)
            clk_timer_cancel(&st[k].t);
        for (int k = 1; k < N; k += 5)
            if (clk_timer_pending(&st[k].t))
                ck_assert_int_eq(clk_timer_set(&st[k].t, st[k].t.expires + 33 * SIM_USEC), 0);
        ck_assert_uint_eq(clk_timers_pending(f.c), N - 100);
        ev_run(f.loop, SIM_SEC);
        ck_assert_int_eq(n, N - 100);
        for (int i = 1; i < n; i++)
            ck_assert_int_lt(log[i - 1], log[i]);
        fx_done(&f);
    }
}
END_TEST

/* ---------------------------------------------------------------------- */
/* Xen 2.0 system time (CLK_TIME_XEN2) */

/*
 * Hand derivations (RELEASE-2.0.0 xen/arch/x86/time.c, i8259.c):
 *   CALIBRATE_LATCH = (1193180 + 10) / 20 = 59659 = exactly 1/20 s of PIT,
 *   so cpu_freq = 20 * floor(actual_hz / 20): the rate rounded down to 20 Hz.
 *   LATCH = (1193180 + 50) / 100 = 11932, so PIT interrupt k comes at
 *   k * 11932 / 1193180 s = k * 10,000,167.6198 ns, first whole ns at or
 *   after it: tick 1 at 10,000,168, tick 99 at 990,016,595, tick 100 at
 *   1,000,016,762; system time adds exactly 10,000,000 ns per tick, so it
 *   loses 1 - 1193180 / 1193200 = 16.7616 ppm: 16,761.6 ns per second.
 *   2.4 GHz: cpu_freq / 1e9 = 2 has 2 bits, so shift = 2, and
 *   scale = floor(1e9 * 2^34 / 2.4e9) = floor(7158278826.67) = 7158278826
 *   (1.6667 ns per 4 cycles, st_scale_i = 1).
 */
START_TEST(test_xen2_calibrate)
{
    struct clk_xen2_cal x;
    ck_assert_int_eq(CLK_XEN2_LATCH, 11932);
    ck_assert_int_eq(CLK_XEN2_CAL_LATCH, 59659);
    clk_xen2_calibrate(2400000000, 0, &x);
    ck_assert_uint_eq(x.cpu_freq, 2400000000u);
    ck_assert_uint_eq(x.shift, 2);
    ck_assert_uint_eq(x.scale, 7158278826u);
    /* 2,400,000,019 Hz: 120,000,000.95 cycles in 50 ms, rounded down. */
    clk_xen2_calibrate(2400000019, 0, &x);
    ck_assert_uint_eq(x.cpu_freq, 2400000000u);
    /* 2,666,666,667 Hz: floor(133,333,333.35) * 20; scale
     * floor(2^34 * 1e9 / 2666666660) = floor(6442450960.86). */
    clk_xen2_calibrate(2666666667, 0, &x);
    ck_assert_uint_eq(x.cpu_freq, 2666666660u);
    ck_assert_uint_eq(x.scale, 6442450960u);
    /* The TSC's real error is measured: +100 ppm at 2.4 GHz is 2,400,240,000
     * Hz, floor(1e9 * 2^34 / 2400240000) = 7157563070. */
    clk_xen2_calibrate(2400000000, 100000, &x);
    ck_assert_uint_eq(x.cpu_freq, 2400240000u);
    ck_assert_uint_eq(x.scale, 7157563070u);
    /* Below 1 GHz no shift: 800 MHz, 1.25 ns per cycle = 1.25 * 2^32. */
    clk_xen2_calibrate(800000000, 0, &x);
    ck_assert_uint_eq(x.shift, 0);
    ck_assert_uint_eq(x.scale, 5368709120u);
    /* 1 GHz: 1 has one bit, shift 1, 2 ns per shifted cycle = 2^33. */
    clk_xen2_calibrate(1000000000, 0, &x);
    ck_assert_uint_eq(x.shift, 1);
    ck_assert_uint_eq(x.scale, 8589934592u);
    /* 4 GHz: shift 3, and 1e9 << 35 = 34359738368e9 wraps to
     * 15912994294290448384; / 4e9 = 3978248573 (not 2^33): Xen 2.0's
     * 64-bit arithmetic, kept. */
    clk_xen2_calibrate(4000000000, 0, &x);
    ck_assert_uint_eq(x.shift, 3);
    ck_assert_uint_eq(x.scale, 3978248573u);
    /* Under 20 Hz nothing is counted: refused (Xen panics). */
    clk_xen2_calibrate(19, 0, &x);
    ck_assert_uint_eq(x.cpu_freq, 0);
    struct clk_params p = params(19, 0, 0);
    p.time = CLK_TIME_XEN2;
    ck_assert_int_eq(clk_params_check(&p), -SIM_EINVAL);
    p.time = (enum clk_time_model)5;
    ck_assert_int_eq(clk_params_check(&p), -SIM_EINVAL);

    ck_assert_int_eq(clk_xen2_tick_time(0), 0);
    ck_assert_int_eq(clk_xen2_tick_time(1), 10000168);
    ck_assert_int_eq(clk_xen2_tick_time(99), 990016595);
    ck_assert_int_eq(clk_xen2_tick_time(100), 1000016762);
}
END_TEST

static struct clk_params xen2(uint64_t offset)
{
    struct clk_params p = params(2400000000, 0, offset);
    p.time = CLK_TIME_XEN2;
    return p;
}

/*
 * One CPU at 2.4 GHz, offset 0 (so CPU 0's latch at tick k is its TSC at
 * tick k's engine time, tsc(t) = floor(2.4 t)):
 *   t = 10,000,167 (before tick 1): TSC 24,000,400, shifted 6,000,100, all
 *     of it past the boot latch 0: 6000100 * 7158278826 >> 32 = 10,000,166;
 *   t = 10,000,168 (tick 1): TSC 24,000,403 latched, shifted 6,000,100, the
 *     delta is 0: 10,000,000 -- less than the read before, so the clamp
 *     returns 10,000,166 again;
 *   t = 1,000,016,762 (tick 100), on a fresh clock: exactly 1,000,000,000,
 *     16,762 ns behind true time;
 *   t = 1 s, on a fresh clock: tick 99 latched TSC floor(2.4 * 990016595) =
 *     2376039828, shifted 594009957; now 2.4e9 cycles, shifted 6e8; delta
 *     5990043 -> 9,983,404 ns, NOW() = 999,983,404.
 */
START_TEST(test_xen2_now)
{
    struct ev_loop *loop = ev_loop_new();
    struct clk_params p = xen2(0);
    struct clk_cpu *c = clk_cpu_new(loop, &p);
    ck_assert_ptr_nonnull(c);
    ck_assert_uint_eq(clk_scale(c), 7158278826u);
    ck_assert_int_eq(now_at(loop, c, 0), 0);
    ck_assert_int_eq(now_at(loop, c, 10000167), 10000166);
    sim_time_t l;
    ck_assert_int_eq(clk_local_at(c, 10000168, &l), 0);
    ck_assert_int_eq(l, 10000166);                 /* clamped by the read above */
    ck_assert_int_eq(now_at(loop, c, 10000168), 10000166);
    /* 10 us later: delta floor(2.4 * 10000) / 4 = 6000 -> 9999 ns. */
    ck_assert_int_eq(now_at(loop, c, 10010168), 10009999);
    ck_assert_uint_eq(stats_of(c).recalibrations, 0);
    clk_cpu_free(c);

    c = clk_cpu_new(loop, &p);
    ck_assert_int_eq(clk_local_at(c, 10000168, &l), 0);
    ck_assert_int_eq(l, 10000000);
    ck_assert_int_eq(clk_local_at(c, 1000016762, &l), 0);
    ck_assert_int_eq(l, 1000000000);
    ck_assert_int_eq(clk_local_at(c, SIM_SEC, &l), 0);
    ck_assert_int_eq(l, 999983404);
    ck_assert_int_eq(clk_local_at(c, -1, &l), -SIM_ERANGE);
    /* 100 s: floor(100e9 * 1193180 / 11932e9) = 9999 ticks, the last at
     * ceil(9999 * 10000167.6198) = 99,991,676,026 with TSC 239,980,022,462,
     * shifted 59,995,005,615; now shifted 6e10, delta 4,994,385 -> 8,323,974
     * ns: 99,998,323,974, 1,676,026 ns behind (16.76 ppm). */
    ck_assert_int_eq(clk_local_at(c, 100 * SIM_SEC, &l), 0);
    ck_assert_int_eq(l, 99998323974);
    clk_cpu_free(c);
    ev_loop_free(loop);
}
END_TEST

/*
 * Two CPUs: CPU 0 (the PIT CPU) with TSC offset 24,000 cycles (10 us at
 * 2.4 GHz), CPU 1 with 0, so CPU 1's TSC is 10 us behind. Both scale with
 * CPU 0's calibration and interpolate from CPU 0's latch.
 *   t = 10,000,167: CPU 0 latch at boot 24000 >> 2 = 6000; CPU 0 reads
 *     (24000 + 24000400) >> 2 - 6000 = 6000100 -> 10,000,166. CPU 1 reads
 *     6000100 - 6000 = 5994100 -> 9,990,166, below the last read on CPU 0,
 *     so the shared clamp returns 10,000,166.
 *   t = 10,000,168 (tick 1): latch (24000 + 24000403) >> 2 = 6006100; CPU 1
 *     is at 6000100, delta -6000 -> 0, raw 10,000,000, clamped: 10,000,166.
 *   t = 10,020,000: CPU 0 at (24000 + 24048000) >> 2 = 6018000, delta 11900
 *     -> 19,833: 10,019,833; CPU 1 at 6012000, delta 5900 -> 9,833:
 *     10,009,833. The TSC offset shows as a 10 us difference between CPUs.
 */
START_TEST(test_xen2_two_cpus)
{
    struct ev_loop *loop = ev_loop_new();
    struct clk_params p0 = xen2(24000), p1 = xen2(0);
    struct clk_cpu *c0 = clk_cpu_new(loop, &p0);
    ck_assert_ptr_nonnull(c0);
    p1.pit_cpu = c0;
    struct clk_cpu *c1 = clk_cpu_new(loop, &p1);
    ck_assert_ptr_nonnull(c1);
    sim_time_t l;
    ck_assert_int_eq(clk_local_at(c1, 10000167, &l), 0);
    ck_assert_int_eq(l, 9990166);
    ck_assert_int_eq(now_at(loop, c0, 10000167), 10000166);
    ck_assert_int_eq(clk_now(c1), 10000166);
    ck_assert_int_eq(now_at(loop, c1, 10000168), 10000166);
    ev_run(loop, 10020000);
    ck_assert_int_eq(clk_now(c1), 10009833);
    ck_assert_int_eq(clk_now(c0), 10019833);
    /* Read in the other order, CPU 1 is clamped up to CPU 0's reading. */
    ck_assert_int_eq(clk_now(c1), 10019833);

    /* A pit_cpu that is not a Xen 2.0 root, or on another loop, is refused;
     * under Xen 3.0 time the field is ignored. */
    struct clk_params bad = xen2(0);
    bad.pit_cpu = c1;
    ck_assert_ptr_null(clk_cpu_new(loop, &bad));
    struct ev_loop *other = ev_loop_new();
    bad.pit_cpu = c0;
    ck_assert_ptr_null(clk_cpu_new(other, &bad));
    struct clk_params x3 = clk_params_default();
    x3.pit_cpu = c0;
    struct clk_cpu *c3 = clk_cpu_new(loop, &x3);
    ck_assert_ptr_nonnull(c3);
    bad.pit_cpu = c3;
    ck_assert_ptr_null(clk_cpu_new(loop, &bad));
    clk_cpu_free(c3);
    ev_loop_free(other);
    clk_cpu_free(c1);
    clk_cpu_free(c0);
    ev_loop_free(loop);
}
END_TEST

/* True if engine time t is the earliest >= ev_now at which c reads >= L. */
static void assert_engine_at_exact(struct clk_cpu *c, struct ev_loop *loop, sim_time_t L)
{
    sim_time_t t, l;
    ck_assert_int_eq(clk_engine_at(c, L, &t), 0);
    ck_assert_int_eq(clk_local_at(c, t, &l), 0);
    ck_assert_msg(l >= L, "engine_at(%lld) = %lld reads %lld", (long long)L, (long long)t,
                  (long long)l);
    if (t > ev_now(loop)) {
        ck_assert_int_eq(clk_local_at(c, t - 1, &l), 0);
        ck_assert_msg(l < L, "engine_at(%lld) = %lld, but %lld already reads %lld", (long long)L,
                      (long long)t, (long long)(t - 1), (long long)l);
    }
}

/*
 * clk_engine_at under Xen 2.0 time. Fresh CPU at 2.4 GHz, offset 0:
 *   L = 10,000,001 is reached before tick 1 (the interpolation runs past
 *     10 ms): d = ceil(10000001 * 2^32 / 7158278826) = 6000001 shifted
 *     cycles = TSC 24,000,004, first at ceil(24000004 / 2.4) = 10,000,002
 *     (10,000,001 reads 9,999,999);
 *   L = 10,000,167 is beyond interval 0's last reading (10,000,166), so in
 *     interval 1: need 167 ns, d = ceil(167 * 2^32 / 7158278826) = 101, TSC
 *     (6000100 + 101) * 4 = 24,000,804, first at 10,000,335 (10,000,334
 *     reads 10,000,166).
 * Then exactness (earliest engine time) over many targets, for CPUs whose
 * TSC is ahead of, behind, and faster than the PIT CPU's.
 */
START_TEST(test_xen2_engine_at)
{
    struct ev_loop *loop = ev_loop_new();
    struct clk_params p = xen2(0);
    struct clk_cpu *c = clk_cpu_new(loop, &p);
    sim_time_t t;
    ck_assert_int_eq(clk_engine_at(c, 10000001, &t), 0);
    ck_assert_int_eq(t, 10000002);
    ck_assert_int_eq(clk_engine_at(c, 10000167, &t), 0);
    ck_assert_int_eq(t, 10000335);
    ck_assert_int_eq(clk_engine_at(c, 0, &t), 0);
    ck_assert_int_eq(t, 0);
    ck_assert_int_eq(clk_engine_at(c, SIM_TIME_MAX, &t), -SIM_ERANGE);

    struct clk_params q[3] = { xen2(0), xen2(0), xen2(0) };
    q[0].tsc_offset = 24000000;            /* 10 ms ahead of CPU 0 */
    q[1].tsc_offset = 0;
    q[1].tsc_ppb = -300000;                /* falls behind CPU 0 */
    q[2].tsc_offset = 7;
    q[2].tsc_ppb = 50000000;               /* 5% fast */
    struct clk_params root = xen2(5000);
    root.tsc_ppb = 20000;
    struct clk_cpu *r = clk_cpu_new(loop, &root);
    for (int i = 0; i < 3; i++) {
        q[i].pit_cpu = r;
        struct clk_cpu *ci = clk_cpu_new(loop, &q[i]);
        ck_assert_ptr_nonnull(ci);
        for (sim_time_t L = 1; L < 300 * SIM_MSEC; L += 1234567)
            assert_engine_at_exact(ci, loop, L);
        for (sim_time_t L = 9999000; L < 10001000; L += 37)
            assert_engine_at_exact(ci, loop, L);
        assert_engine_at_exact(ci, loop, 20 * SIM_SEC + 12345);
        clk_cpu_free(ci);
    }
    ev_run(loop, 5 * SIM_SEC + 3);
    assert_engine_at_exact(r, loop, 5 * SIM_SEC + 4 * SIM_MSEC);
    assert_engine_at_exact(c, loop, 5 * SIM_SEC + 4 * SIM_MSEC);
    /* After a read, a target at or below it is met at once. */
    sim_time_t now = clk_now(c);
    ck_assert_int_eq(clk_engine_at(c, now, &t), 0);
    ck_assert_int_eq(t, ev_now(loop));
    clk_cpu_free(r);
    clk_cpu_free(c);
    ev_loop_free(loop);
}
END_TEST

/* A timer on a Xen 2.0 clock: set at 0 for 1 s of NOW(), the APIC (which
 * counts true time) fires at engine 1 s, when NOW() reads 999,983,404:
 * 16,596 ns short, within the 50 us slop, so it runs there. */
START_TEST(test_xen2_timer)
{
    struct fixture f;
    struct clk_params p = xen2(0);
    fx_init(&f, &p);
    struct probe a;
    probe_init(&a, &f, 1);
    ck_assert_int_eq(clk_timer_set(&a.t, SIM_SEC), 0);
    ev_run(f.loop, 2 * SIM_SEC);
    ck_assert_int_eq(f.n, 1);
    ck_assert_int_eq(f.eng[0], SIM_SEC);
    ck_assert_int_eq(f.loc[0], 999983404);
    fx_done(&f);
}
END_TEST

static Suite *clock_suite(void)
{
    Suite *s = suite_create("clock");
    TCase *tc = xs_tcase(s, "arith", 10);
    tcase_add_test(tc, test_scale_for_hz);
    tcase_add_test(tc, test_scale_delta);
    tcase_add_test(tc, test_tsc);
    tcase_add_test(tc, test_calib_scale);
    tcase_add_test(tc, test_params);

    tc = xs_tcase(s, "now", 30);
    tcase_add_test(tc, test_now_exact);
    tcase_add_test(tc, test_now_offset_invisible);
    tcase_add_test(tc, test_now_drift);
    tcase_add_test(tc, test_recal);
    tcase_add_test(tc, test_recal_large);
    tcase_add_test(tc, test_monotonic);
    tcase_add_test(tc, test_lazy_equals_eager);
    tcase_add_test(tc, test_conversions);

    tc = xs_tcase(s, "timers", 20);
    tcase_add_test(tc, test_timer_fires);
    tcase_add_test(tc, test_timer_slop);
    tcase_add_test(tc, test_timer_batch);
    tcase_add_test(tc, test_timer_two_irqs);
    tcase_add_test(tc, test_timer_past);
    tcase_add_test(tc, test_timer_cancel_move);
    tcase_add_test(tc, test_timer_callbacks);
    tcase_add_test(tc, test_timer_apic_resolution);
    tcase_add_test(tc, test_timer_zero_slop);
    tcase_add_test(tc, test_timer_drift);
    tcase_add_test(tc, test_timer_drift_many);
    tcase_add_test(tc, test_free_pending);

    tc = xs_tcase(s, "ties", 20);
    tcase_add_test(tc, test_ties_adds);
    tcase_add_test(tc, test_ties_cancel);
    tcase_add_test(tc, test_ties_rearm);
    tcase_add_test(tc, test_ties_rearm_in_callback);
    tcase_add_test(tc, test_ties_deterministic);
    tcase_add_test(tc, test_ties_distinct);

    tc = xs_tcase(s, "xen2", 30);
    tcase_add_test(tc, test_xen2_calibrate);
    tcase_add_test(tc, test_xen2_now);
    tcase_add_test(tc, test_xen2_two_cpus);
    tcase_add_test(tc, test_xen2_engine_at);
    tcase_add_test(tc, test_xen2_timer);
    return s;
}

XS_CHECK_MAIN(clock_suite)
