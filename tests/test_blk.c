/*
 * tests/test_blk.c: the block split driver end to end (models/blk.h,
 * workloads/io.c): an io guest, its front end, the I/O ring, the event
 * channels, blkback in dom0 as dom0's workload, and a flash disk, on the
 * real hypervisor core and the RR scheduler.
 *
 * Expected numbers are derived by hand beside each test from models/blk.h,
 * models/disk.h and models/hv.h. Scenarios use tsc_hz 2 GHz (NOW() equals
 * true time) and one pCPU.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim/stats.h"
#include "models/backend.h"
#include "models/blk.h"
#include "models/hv.h"
#include "schedulers/sched.h"
#include "sim/err.h"
#include "sim/ev.h"
#include "analysis/record.h"
#include "sim/host/run.h"
#include "sim/scenario.h"
#include "tests/check_util.h"
#include "tests/hv_rig.h"

#define US 1000LL
#define MS 1000000LL

struct brig {
    struct rig r;
    struct blk *b;
    struct be_host *bh;
};

static void brig_up(struct brig *x, const char *yaml)
{
    rig_up(&x->r, yaml, NULL);
    x->b = x->r.host->blk;
    x->bh = x->r.host->bh;
    ck_assert_ptr_nonnull(x->b);
}

static void brig_down(struct brig *x)
{
    rig_down(&x->r);
}

static struct blk_dom_stats bstats(struct brig *x, const char *name)
{
    struct blk_dom_stats st;
    ck_assert_int_eq(blk_dom_stats(x->b, dom_index(x->r.s, name), &st), 0);
    return st;
}

static struct st_summary lat(struct brig *x, const char *name)
{
    struct st_rec *l = blk_dom_io_latency(x->b, dom_index(x->r.s, name));
    ck_assert_ptr_nonnull(l);
    struct st_summary sm;
    st_rec_summary(l, &sm);
    return sm;
}

/* A flash disk: latency 100us, 1 Gbit/s (125MB/s); 4 KiB requests transfer
 * in 4096 * 8 / 1e9 s = 32768 ns, so one service is 132768 ns. */
#define FLASH "devices: { ssd: { kind: disk, latency: 100us, bandwidth: 125MB/s, ring: %d } }\n"

/*
 * One io guest, depth 1, think 0, against an otherwise idle dom0, with
 * every cost zero. A cycle: the guest puts its request and notifies (dom0
 * is woken), blocks; the pCPU switches to dom0 at once (0 ns), whose
 * blkback takes the request and computes per_request = 20us, submits it;
 * dom0 blocks, the pCPU idles; the disk completes 132768 ns later and
 * raises the pirq: dom0 wakes and is dispatched at once (the pCPU is idle),
 * pushes the response and notifies the guest, blocks; the guest is
 * dispatched, consumes the response (latency sample) and issues the next
 * request at the same instant. So every sample is exactly
 *   io_latency = 0 (switches) + 20000 (per_request) + 132768 (disk) + 0 (wakes)
 *              = 152768 ns,
 * and over a window starting at a cycle boundary of 152768 * K ns the
 * guest completes exactly K requests. With costs context_switch c = 1us and
 * upcall u = 2us (cache refill 0) a cycle has three switches (guest -> dom0,
 * idle -> dom0, dom0 -> guest; the switches to idle overlap the disk or
 * nothing) and three upcalls (dom0 for the notify, dom0 for the pirq, the
 * guest for the response; the VIRQ_TIMER that Xen 2.0 sends on each switch
 * is taken by the same upcall): 152768 + 3 * 1000 + 3 * 2000 = 161768 ns.
 * The 10 ms tick adds one more upcall to the cycle it lands in, when it
 * finds dom0 or the guest running: at most one cycle in 10 ms costs
 * 163768 ns.
 */
static const char *solo_yaml(char *y, size_t n, const char *costs)
{
    snprintf(y, n,
             "name: blk-solo\nduration: 1s\n"
             "machine: { pcpus: 1, clock: { tsc_hz: 2GHz }, costs: { %s } }\n"
             "scheduler: { name: rr }\n" FLASH
             "domains:\n"
             "  dom0: { privileged: true, backend: { per_request: 20us } }\n"
             "  g: { workload: { type: io, device: ssd, size: 4KiB, depth: 1, think: 0ns } }\n",
             costs, 32);
    return y;
}

START_TEST(solo_latency_exact)
{
    char y[1024];
    struct brig x;
    brig_up(&x, solo_yaml(y, sizeof y,
                          "context_switch: 0ns, cache_refill: 0ns, upcall: 0ns"));
    ck_assert_int_eq(x.r.s->devices[0].bandwidth, 1000000000);
    const sim_time_t cyc = 152768;
    rig_run(&x.r, 10 * cyc);
    hv_stats_reset(x.r.h);
    blk_stats_reset(x.b);
    rig_run(&x.r, 1010 * cyc);
    struct blk_dom_stats st = bstats(&x, "g");
    ck_assert_uint_eq(st.io_ops, 1000);
    ck_assert_uint_eq(st.io_bytes, 1000 * 4096);
    ck_assert_uint_eq(st.ring_full_stalls, 0);
    /* 1000 ops in 152.768 ms. */
    ck_assert_double_eq_tol(st.io_ops_per_s, 1e9 / 152768.0, 1e-9);
    struct st_summary sm = lat(&x, "g");
    ck_assert_uint_eq(sm.count, 1000);
    ck_assert_int_eq(sm.min, cyc);
    ck_assert_int_eq(sm.max, cyc);
    /* dom0's CPU: 20us per request. */
    struct hv_dom_stats d0 = dstats(&x.r, "dom0");
    ck_assert_int_eq(d0.cpu_time_ns, 1000 * 20 * US);
    /* The disk: busy 132768 of every 152768 ns, never more than one request. */
    struct disk_stats ds;
    ck_assert_int_eq(blk_dev_stats(x.b, 0, &ds), 0);
    ck_assert_uint_eq(ds.completed, 1000);
    ck_assert_double_eq_tol(ds.utilization, 132768.0 / 152768.0, 1e-9);
    ck_assert_uint_eq(ds.queue_depth_max, 1);
    check_conservation(&x.r);
    brig_down(&x);

    brig_up(&x, solo_yaml(y, sizeof y,
                          "context_switch: 1us, cache_refill: 0ns, upcall: 2us"));
    rig_run(&x.r, 500 * MS);
    sm = lat(&x, "g");
    ck_assert_uint_gt(sm.count, 1000);
    ck_assert_int_eq(sm.min, 161768);
    ck_assert_int_le(sm.max, 163768);
    /* Ticks in 500 ms: 50, each adding 2000 ns to at most one sample. */
    ck_assert(sm.sum <= 161768.0 * (double)sm.count + 50 * 2000.0);
    check_conservation(&x.r);
    brig_down(&x);
}
END_TEST

/*
 * A slow back end: per_request 1ms, ring of 4 slots, depth 8. At most 4
 * requests are ever outstanding, so the other tags stall on the full ring:
 * every completion frees a slot and a stalled tag takes it at once (think
 * 0), so ring_full_stalls grows with io_ops. dom0's CPU bounds the rate:
 * each request needs 1ms of it, so at most 1000 requests per second; the
 * disk (132768 ns) overlaps with it, so dom0 is the bottleneck: about 1000
 * ops/s. The disk never holds more than the ring's 4 requests.
 */
START_TEST(slow_backend_stalls)
{
    char y[1024];
    snprintf(y, sizeof y,
             "name: blk-slow\nduration: 1s\n"
             "machine: { pcpus: 1, clock: { tsc_hz: 2GHz }, costs: { context_switch: 0ns } }\n"
             "scheduler: { name: rr }\n" FLASH
             "domains:\n"
             "  dom0: { privileged: true, backend: { per_request: 1ms } }\n"
             "  g: { workload: { type: io, device: ssd, size: 4KiB, depth: 8, think: 0ns } }\n",
             4);
    struct brig x;
    brig_up(&x, y);
    rig_run(&x.r, 1000 * MS);
    struct blk_dom_stats st = bstats(&x, "g");
    ck_assert_uint_gt(st.ring_full_stalls, 900);
    ck_assert_uint_le(st.io_ops, 1000);
    ck_assert_uint_ge(st.io_ops, 990);
    struct disk_stats ds;
    ck_assert_int_eq(blk_dev_stats(x.b, 0, &ds), 0);
    ck_assert_uint_le(ds.queue_depth_max, 4);
    /* Notification suppression: under load the guest notifies dom0 for
     * fewer than one request in two (dom0 is busy with the previous ones). */
    ck_assert_uint_lt(st.notifies * 2, st.io_ops);
    check_conservation(&x.r);
    brig_down(&x);
}
END_TEST

/*
 * Starving dom0: the same solo guest with two CPU hogs under RR (10 ms
 * slices). dom0's wakes now wait for the hogs' slices: a cycle needs dom0
 * twice, and each time dom0 is queued behind up to two hogs, so the mean
 * io_latency grows from 152768 ns to milliseconds (more than 20 times).
 */
START_TEST(starved_dom0_raises_latency)
{
    char y[1024];
    snprintf(y, sizeof y,
             "name: blk-starve\nduration: 1s\n"
             "machine: { pcpus: 1, clock: { tsc_hz: 2GHz }, costs: { context_switch: 0ns } }\n"
             "scheduler: { name: rr }\n" FLASH
             "domains:\n"
             "  dom0: { privileged: true, backend: { per_request: 20us } }\n"
             "  g: { workload: { type: io, device: ssd, size: 4KiB, depth: 1, think: 0ns } }\n"
             "  hog: { count: 2, workload: { type: cpu } }\n",
             32);
    struct brig x;
    brig_up(&x, y);
    rig_run(&x.r, 2000 * MS);
    struct st_summary sm = lat(&x, "g");
    ck_assert_uint_gt(sm.count, 10);
    ck_assert_double_gt(sm.mean, 20 * 152768.0);
    check_conservation(&x.r);
    brig_down(&x);
}
END_TEST

/* Determinism: random offsets, think and a spinning disk, twice. */
static const char *rand_yaml =
    "name: blk-rand\nduration: 1s\nseed: 7\n"
    "machine: { pcpus: 2, clock: { tsc_hz: 2GHz }, costs: { context_switch: 2us, upcall: 1us } }\n"
    "scheduler: { name: rr }\n"
    "devices: { disk0: { kind: disk, seek: 4ms, rpm: 10000, bandwidth: 80MB/s, queue: elevator } }\n"
    "domains:\n"
    "  dom0: { privileged: true, backend: { per_request: 30us } }\n"
    "  g: { count: 2, workload: { type: io, device: disk0, size: 16KiB, depth: 4,\n"
    "       think: { dist: exponential, mean: 1ms }, op: write } }\n"
    "  s: { workload: { type: io, device: disk0, size: 64KiB, depth: 2, pattern: sequential } }\n"
    "  hog: { workload: { type: cpu } }\n";

START_TEST(determinism_and_conservation)
{
    uint64_t ops[2], ev[2];
    double mean[2];
    for (int k = 0; k < 2; k++) {
        struct brig x;
        brig_up(&x, rand_yaml);
        rig_run(&x.r, 100 * MS);
        hv_stats_reset(x.r.h);
        blk_stats_reset(x.b);
        rig_run(&x.r, 1100 * MS);
        check_conservation(&x.r);
        struct blk_dom_stats a = bstats(&x, "g.0"), s = bstats(&x, "s");
        ck_assert_uint_gt(a.io_ops, 10);
        ck_assert_uint_gt(s.io_ops, 10);
        ck_assert_uint_eq(a.io_bytes, a.io_ops * 16384);
        ops[k] = a.io_ops + bstats(&x, "g.1").io_ops + s.io_ops;
        ev[k] = hv_events(x.r.h);
        mean[k] = lat(&x, "g.1").mean;
        brig_down(&x);
    }
    ck_assert_uint_eq(ops[0], ops[1]);
    ck_assert_uint_eq(ev[0], ev[1]);
    ck_assert(mean[0] == mean[1]);
}
END_TEST


/*
 * Little's law on the disk inside a whole host: three io guests (random
 * writes at depth 4 with exponential think, a sequential reader at depth
 * 2) and a hog, dom0's back end on a CPU it shares, a spinning disk with
 * the elevator. Over a 10 s window after a 100 ms warm-up, the disk's mean
 * number in system (queue + service, time-averaged) equals its throughput
 * times the mean time in system of the requests completed in the window,
 * within 2%: requests straddling the window's edges are the only error,
 * a few of them against thousands of completions.
 */
START_TEST(little_law_disk)
{
    struct brig x;
    brig_up(&x, rand_yaml);
    rig_run(&x.r, 100 * MS);
    hv_stats_reset(x.r.h);
    blk_stats_reset(x.b);
    rig_run(&x.r, 10100 * MS);
    struct disk_stats ds;
    ck_assert_int_eq(blk_dev_stats(x.b, 0, &ds), 0);
    struct st_summary w;
    st_rec_summary(blk_dev_time_in_system(x.b, 0), &w);
    ck_assert_uint_gt(ds.completed, 1000);
    ck_assert_uint_eq(w.count, ds.completed);
    ck_assert_double_gt(ds.queue_depth_mean, 1.0);
    double little = ds.throughput * w.mean / 1e9;
    ck_assert_msg(fabs(ds.queue_depth_mean - little) <= 0.02 * little,
                  "L = %g, lambda W = %g", ds.queue_depth_mean, little);
    brig_down(&x);
}
END_TEST

/* The run driver builds the I/O path for an io scenario. */
START_TEST(run_driver_io)
{
    struct scn *s = rig_load(rand_yaml);
    struct run_opts o = { .seed = 7, .replication = 0 };
    struct run_result res;
    char err[512] = "";
    ck_assert_msg(run_replication(s, &o, NULL, &res, err, sizeof err) == 0, "%s", err);
    run_result_free(&res);
    scn_free(s);
}
END_TEST

/* A driver domain that has its own workload is refused. */
START_TEST(driver_with_workload_refused)
{
    /* The loader refuses it (tests/bad-input/driver-vcpu0-workload.yaml);
     * the back ends refuse it too, should a scenario reach them. */
    struct scn *s = rig_load(
        "name: bad\nduration: 1s\n"
        "devices: { ssd: { kind: disk, latency: 100us, bandwidth: 125MB/s } }\n"
        "domains:\n"
        "  dom0: { privileged: true }\n"
        "  g: { workload: { type: io, device: ssd, size: 4KiB } }\n");
    s->domains[0].wl[0].type = SCN_WL_CPU;
    char err[512];
    ck_assert_ptr_null(host_new(s, 0, NULL, err, sizeof err));
    ck_assert_msg(strstr(err, "driver domain 'dom0'") != NULL, "%s", err);
    scn_free(s);
}
END_TEST

static Suite *blk_suite(void)
{
    Suite *su = suite_create("blk");
    TCase *tc = xs_tcase(su, "path", 60);
    tcase_add_test(tc, solo_latency_exact);
    tcase_add_test(tc, slow_backend_stalls);
    tcase_add_test(tc, starved_dom0_raises_latency);
    tcase_add_test(tc, driver_with_workload_refused);
    tc = xs_tcase(su, "runs", 120);
    tcase_add_test(tc, determinism_and_conservation);
    tcase_add_test(tc, run_driver_io);
    tcase_add_test(tc, little_law_disk);
    return su;
}

XS_CHECK_MAIN(blk_suite)
