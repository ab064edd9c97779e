/*
 * tests/test_onoff.c: the onoff workload (workloads/onoff.c).
 *
 * Its stream: bursts drawn from `on` alternate with sleeps until NOW() plus
 * a draw from `off`, each from its own named stream. Through the real host
 * (sim/host via tests/hv_rig): a lone vCPU with constant on 2 ms and off
 * 3 ms, no costs and no slop, runs a 5 ms cycle from 0, so in 1 s it is
 * dispatched 200 times, blocks 200 times and gets 400 ms of CPU; with exponential on (mean 1 ms)
 * and off (mean 4 ms), the renewal-reward theorem gives a long-run CPU
 * share of 1 / (1 + 4) = 0.2 when it runs alone.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "models/hv.h"
#include "sim/dist.h"
#include "sim/rng.h"
#include "tests/check_util.h"
#include "tests/hv_rig.h"
#include "workloads/wl.h"

#define MS 1000000LL

static const char alone_yaml[] =
    "name: onoff\nduration: %s\nseed: 5\n"
    "machine: { pcpus: 1, clock: { timer_slop: 0us }, "
    "costs: { context_switch: 0us, upcall: 0us, hypercall: 0 } }\n"
    "scheduler: { name: rr }\n"
    "domains:\n"
    "  g: { workload: { type: onoff, on: %s, off: %s } }\n";

static void run_alone(struct rig *r, const char *duration, const char *on, const char *off,
                      sim_time_t until)
{
    char y[1024];
    snprintf(y, sizeof y, alone_yaml, duration, on, off);
    rig_up(r, y, NULL);
    rig_run(r, until);
}

START_TEST(constant_cycle_exact)
{
    struct rig r;
    run_alone(&r, "1s", "{ dist: constant, value: 2ms }", "{ dist: constant, value: 3ms }",
              1000 * MS);
    struct hv_dom_stats ds = dstats(&r, "g");
    ck_assert_int_eq(ds.cpu_time_ns, 400 * MS);
    ck_assert_uint_eq(ds.dispatches, 200);      /* one wake per cycle */
    ck_assert_uint_eq(ds.blocks, 200);          /* one sleep per cycle */
    check_conservation(&r);
    rig_down(&r);
}
END_TEST

START_TEST(exponential_share)
{
    struct rig r;
    run_alone(&r, "20s", "{ dist: exponential, mean: 1ms }", "{ dist: exponential, mean: 4ms }",
              20000 * MS);
    struct hv_dom_stats ds = dstats(&r, "g");
    double share = (double)ds.cpu_time_ns / (20000.0 * MS);
    /* About 4000 cycles: the share's standard error is near 0.003. */
    ck_assert_msg(fabs(share - 0.2) < 0.015, "share %.4f, expected 0.2", share);
    rig_down(&r);
}
END_TEST

/* The stream itself: COMPUTE from "dom:g/vcpu0/on", then SLEEP until now +
 * a draw from "dom:g/vcpu0/off", whatever the times it is asked at. */
START_TEST(stream_draws_named_streams)
{
    char y[1024];
    snprintf(y, sizeof y, alone_yaml, "1s", "{ dist: exponential, mean: 1ms }",
             "{ dist: uniform, min: 1ms, max: 9ms }");
    struct scn *s = rig_load(y);
    char err[256];
    struct wl_env env = { .s = s, .dom = 0, .vcpu = 0, .replication = 2 };
    struct wl *w = wl_new(&env, err, sizeof err);
    ck_assert_msg(w != NULL, "%s", err);
    ck_assert_str_eq(w->ops->name, "onoff");
    ck_assert_uint_eq(wl_needs(w), 0);
    struct rng *on = rng_new(s->seed, 2, "dom:g/vcpu0/on");
    struct rng *off = rng_new(s->seed, 2, "dom:g/vcpu0/off");
    for (int i = 0; i < 100; i++) {
        sim_time_t now = (sim_time_t)i * 7 * MS + 13;
        struct wl_op op;
        ck_assert_int_eq(wl_next(w, now, &op), 0);
        ck_assert_int_eq(op.kind, WL_OP_COMPUTE);
        ck_assert_int_eq(op.ns, dist_sample_i64(&s->domains[0].wl[0].on, on));
        ck_assert_int_eq(wl_next(w, now + op.ns, &op), 0);
        ck_assert_int_eq(op.kind, WL_OP_SLEEP);
    }
    /* The sleeps: rerun a fresh workload and check each deadline. */
    wl_free(w);
    w = wl_new(&env, err, sizeof err);
    rng_free(on);
    on = rng_new(s->seed, 2, "dom:g/vcpu0/on");
    for (int i = 0; i < 100; i++) {
        struct wl_op op;
        sim_time_t now = (sim_time_t)i * 11 * MS;
        ck_assert_int_eq(wl_next(w, now, &op), 0);
        sim_time_t burst_end = now + op.ns;
        ck_assert_int_eq(wl_next(w, burst_end, &op), 0);
        sim_time_t sleep = dist_sample_i64(&s->domains[0].wl[0].off, off);
        ck_assert(sleep >= 1 * MS && sleep <= 9 * MS);
        ck_assert_int_eq(op.ns, burst_end + sleep);
    }
    wl_free(w);
    rng_free(on);
    rng_free(off);
    scn_free(s);
}
END_TEST

static Suite *onoff_suite(void)
{
    Suite *s = suite_create("onoff");
    TCase *tc = xs_tcase(s, "onoff", 60);
    tcase_add_test(tc, stream_draws_named_streams);
    tcase_add_test(tc, constant_cycle_exact);
    tcase_add_test(tc, exponential_share);
    return s;
}

XS_CHECK_MAIN(onoff_suite)
