/*
 * tests/test_disk.c: the disk model (models/disk.h).
 *
 * Every expected number is derived by hand in the comment beside it from
 * the model documented in models/disk.h.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim/stats.h"
#include "models/disk.h"
#include "sim/dist.h"
#include "sim/err.h"
#include "sim/ev.h"
#include "sim/rng.h"
#include "tests/check_util.h"
#include "tests/little_rig.h"

/* ---- helpers ---- */

static struct scn_device flash_cfg(sim_time_t latency, int64_t bw, enum scn_queue q)
{
    struct scn_device c;
    memset(&c, 0, sizeof c);
    c.name = "ssd0";
    c.kind = SCN_DEV_DISK;
    c.latency = latency;
    c.bandwidth = bw;
    c.queue = q;
    c.ring = 32;
    return c;
}

static struct scn_device spin_cfg(enum scn_queue q)
{
    /* The DESIGN.md example: seek 4ms, 10000 rpm, 80 MB/s = 640e6 bit/s. */
    struct scn_device c;
    memset(&c, 0, sizeof c);
    c.name = "disk0";
    c.kind = SCN_DEV_DISK;
    c.seek = 4 * SIM_MSEC;
    c.rpm = 10000;
    c.bandwidth = 640000000;
    c.queue = q;
    c.ring = 32;
    return c;
}

#define MAXLOG 64

struct log {
    int n;
    uint64_t id[MAXLOG];
    sim_time_t t[MAXLOG];
    struct ev_loop *loop;
};

static void log_done(const struct disk_req *r, void *arg)
{
    struct log *l = arg;
    ck_assert_int_lt(l->n, MAXLOG);
    l->id[l->n] = r->id;
    l->t[l->n] = ev_now(l->loop);
    l->n++;
}

static struct disk_req mkreq(uint64_t id, uint64_t sector, uint64_t bytes, struct log *l)
{
    struct disk_req r = { id, DISK_READ, sector, bytes, log_done, l };
    return r;
}

/* A submission scheduled on the engine. */
struct sub {
    struct disk *d;
    struct disk_req r;
};

static void sub_fire(void *arg)
{
    struct sub *s = arg;
    ck_assert_int_eq(disk_submit(s->d, &s->r), 0);
}

/* ---- configuration and arguments ---- */

START_TEST(test_bad_config)
{
    struct ev_loop *loop = ev_loop_new();
    struct scn_device c = flash_cfg(1000, 0, SCN_QUEUE_FIFO);
    ck_assert_ptr_null(disk_new(loop, &c, 1, 0, NULL));         /* bandwidth 0 */
    c = flash_cfg(-1, 8000000000, SCN_QUEUE_FIFO);
    ck_assert_ptr_null(disk_new(loop, &c, 1, 0, NULL));         /* latency < 0 */
    c = spin_cfg(SCN_QUEUE_FIFO);
    c.kind = SCN_DEV_NIC;
    ck_assert_ptr_null(disk_new(loop, &c, 1, 0, NULL));
    ck_assert_ptr_null(disk_new(NULL, &c, 1, 0, NULL));
    disk_free(NULL);

    c = spin_cfg(SCN_QUEUE_FIFO);
    struct disk_opts o = { 1000, false };
    struct disk *d = disk_new(loop, &c, 1, 0, &o);
    ck_assert_ptr_nonnull(d);
    ck_assert_uint_eq(disk_capacity(d), 1000);
    struct log l = { .loop = loop };
    struct disk_req r = mkreq(1, 0, 0, &l);
    ck_assert_int_eq(disk_submit(d, &r), -SIM_EINVAL);          /* 0 bytes */
    r = mkreq(1, 999, 1024, &l);                                /* sectors 999..1000 */
    ck_assert_int_eq(disk_submit(d, &r), -SIM_EINVAL);
    r = mkreq(1, 998, 1024, &l);                                /* 998..999: fits */
    ck_assert_int_eq(disk_submit(d, &r), 0);
    ck_assert_uint_eq(disk_in_system(d), 1);
    disk_free(d);
    ev_loop_free(loop);
}
END_TEST

/* ---- service times ---- */

START_TEST(test_flash_service)
{
    struct ev_loop *loop = ev_loop_new();
    /* 100 us + 4096 B * 8 / 8e9 bit/s = 100000 + 4096 ns. */
    struct scn_device c = flash_cfg(100 * SIM_USEC, 8000000000, SCN_QUEUE_FIFO);
    struct disk *d = disk_new(loop, &c, 1, 0, NULL);
    ck_assert_ptr_nonnull(d);
    ck_assert(disk_is_flash(d));
    ck_assert_int_eq(disk_transfer_ns(d, 4096), 4096);
    ck_assert_int_eq(disk_rotation_mean_ns(d), 0);
    ck_assert_int_eq(disk_seek_ns(d, 12345), 0);
    struct log l = { .loop = loop };
    struct disk_req r = mkreq(7, 1000000, 4096, &l);
    ck_assert_int_eq(disk_submit(d, &r), 0);
    ev_run(loop, SIM_SEC);
    ck_assert_int_eq(l.n, 1);
    ck_assert_uint_eq(l.id[0], 7);
    ck_assert_int_eq(l.t[0], 104096);
    /* Position does not matter on flash: a far sector costs the same. */
    r = mkreq(8, 5, 4096, &l);
    ck_assert_int_eq(disk_submit(d, &r), 0);
    ev_run(loop, 2 * SIM_SEC);
    ck_assert_int_eq(l.t[1], SIM_SEC + 104096);
    disk_free(d);

    /* Rounding: 1000 B at 3e9 bit/s = 8000e9/3e9 = 2666.67 ns -> 2667. */
    c = flash_cfg(0, 3000000000, SCN_QUEUE_FIFO);
    d = disk_new(loop, &c, 1, 0, NULL);
    ck_assert_int_eq(disk_transfer_ns(d, 1000), 2667);
    /* 500 B: 4000e9/3e9 = 1333.33 -> 1333. */
    ck_assert_int_eq(disk_transfer_ns(d, 500), 1333);
    disk_free(d);
    ev_loop_free(loop);
}
END_TEST

START_TEST(test_spin_components)
{
    struct ev_loop *loop = ev_loop_new();
    struct scn_device c = spin_cfg(SCN_QUEUE_FIFO);
    struct disk *d = disk_new(loop, &c, 1, 0, NULL);
    ck_assert_ptr_nonnull(d);
    ck_assert(!disk_is_flash(d));
    uint64_t cap = disk_capacity(d);
    ck_assert_uint_eq(cap, (uint64_t)1 << 31);
    /* Half a revolution at 10000 rpm: 30e9 / 10000 = 3,000,000 ns. */
    ck_assert_int_eq(disk_rotation_mean_ns(d), 3000000);
    /* 64 KiB at 640e6 bit/s: 524288 * 1e9 / 640e6 = 819200 ns. */
    ck_assert_int_eq(disk_transfer_ns(d, 65536), 819200);
    /* seek(d) = S/4 + 45/32 S sqrt(d/C), S = 4 ms: a = 1e6, b = 5,625,000.
     * d = C/4: 1e6 + 5625000 * 0.5 = 3,812,500; d = C: 6,625,000;
     * d = 0: 0. */
    ck_assert_int_eq(disk_seek_ns(d, 0), 0);
    ck_assert_int_eq(disk_seek_ns(d, cap / 4), 3812500);
    ck_assert_int_eq(disk_seek_ns(d, cap), 6625000);

    /* Through the queue: sequential requests cost the transfer only. */
    struct log l = { .loop = loop };
    struct disk_req r = mkreq(1, 0, 65536, &l);         /* head 0 -> 128 */
    ck_assert_int_eq(disk_submit(d, &r), 0);
    r = mkreq(2, 128, 65536, &l);                       /* sequential: head 256 */
    ck_assert_int_eq(disk_submit(d, &r), 0);
    r = mkreq(3, 256 + cap / 4, 65536, &l);             /* distance C/4 */
    ck_assert_int_eq(disk_submit(d, &r), 0);
    ev_run(loop, SIM_SEC);
    ck_assert_int_eq(l.n, 3);
    ck_assert_int_eq(l.t[0], 819200);
    ck_assert_int_eq(l.t[1], 2 * 819200);
    /* + seek 3,812,500 + rotation 3,000,000 + transfer 819,200 = 7,631,700. */
    ck_assert_int_eq(l.t[2], 2 * 819200 + 7631700);
    struct disk_stats st;
    disk_stats(d, &st);
    ck_assert_uint_eq(st.sequential, 2);
    ck_assert_uint_eq(st.completed, 3);
    ck_assert_uint_eq(st.bytes, 3 * 65536);
    ck_assert_uint_eq(disk_head(d), 256 + cap / 4 + 128);
    disk_free(d);
    ev_loop_free(loop);
}
END_TEST

/* The seek curve averages the configured seek over uniform random pairs of
 * positions: E[a + b sqrt(|X-Y|)] = a + b * 8/15 = S. Monte Carlo with 1e6
 * pairs: the standard error of sqrt(D) is ~0.24/1000 relative to 8/15
 * (sd ~0.25), far below the 0.5% tolerance. */
START_TEST(test_seek_mean)
{
    struct ev_loop *loop = ev_loop_new();
    struct scn_device c = spin_cfg(SCN_QUEUE_FIFO);
    struct disk *d = disk_new(loop, &c, 1, 0, NULL);
    struct rng *r = rng_new(3, 0, "test:seekpairs");
    uint64_t cap = disk_capacity(d);
    double sum = 0;
    const int n = 1000000;
    for (int i = 0; i < n; i++) {
        uint64_t x = rng_below(r, cap), y = rng_below(r, cap);
        sum += (double)disk_seek_ns(d, x > y ? x - y : y - x);
    }
    double mean = sum / n;
    ck_assert_msg(fabs(mean - 4e6) < 0.005 * 4e6, "mean seek %f", mean);
    rng_free(r);
    disk_free(d);
    ev_loop_free(loop);
}
END_TEST

/* With random rotation, the rotational wait is uniform in [0, 6e6) ns with
 * mean 3e6: service of a random request minus seek and transfer. */
START_TEST(test_random_rotation)
{
    struct ev_loop *loop = ev_loop_new();
    struct scn_device c = spin_cfg(SCN_QUEUE_FIFO);
    struct disk_opts o = { 0, true };
    struct disk *d = disk_new(loop, &c, 5, 0, &o);
    struct rng *pos = rng_new(5, 0, "test:pos");
    struct log l = { .loop = loop };
    uint64_t cap = disk_capacity(d);
    double sum = 0;
    sim_time_t lo = INT64_MAX, hi = 0;
    const int n = 20000;
    for (int i = 0; i < n; i++) {
        l.n = 0;
        uint64_t head = disk_head(d);
        uint64_t s = rng_below(pos, cap - 8);
        if (s == head)
            s = (s + 1) % (cap - 8);
        struct disk_req r = mkreq((uint64_t)i, s, 4096, &l);
        sim_time_t t0 = ev_now(loop);
        ck_assert_int_eq(disk_submit(d, &r), 0);
        ev_run(loop, t0 + SIM_SEC);
        ck_assert_int_eq(l.n, 1);
        sim_time_t rot = l.t[0] - t0 - disk_seek_ns(d, s > head ? s - head : head - s) -
                         disk_transfer_ns(d, 4096);
        ck_assert_int_ge(rot, 0);
        ck_assert_int_lt(rot, 6000000);
        if (rot < lo) lo = rot;
        if (rot > hi) hi = rot;
        sum += (double)rot;
    }
    /* Uniform: sd = 6e6/sqrt(12) = 1.73e6; standard error 1.73e6/141 = 12.2e3,
     * so 2% (60e3) is ~5 standard errors. */
    ck_assert_msg(fabs(sum / n - 3e6) < 0.02 * 3e6, "mean rotation %f", sum / n);
    ck_assert_int_lt(lo, 100000);
    ck_assert_int_gt(hi, 5900000);
    rng_free(pos);
    disk_free(d);
    ev_loop_free(loop);
}
END_TEST

/* ---- queue policies ---- */

/* Flash, 1000 ns latency, 512 B at 8e9 bit/s = 512 ns: 1512 ns each.
 * All submitted at t = 0: A(500) starts at once (head -> 501, going up);
 * the others wait. Waiting: B 100, C 900, D 300, E 700, F 1000, G 900. */
static void run_order(enum scn_queue q, const uint64_t *expect)
{
    struct ev_loop *loop = ev_loop_new();
    struct scn_device c = flash_cfg(1000, 8000000000, q);
    struct disk *d = disk_new(loop, &c, 1, 0, NULL);
    ck_assert_ptr_nonnull(d);
    struct log l = { .loop = loop };
    static const uint64_t sec[7] = { 500, 100, 900, 300, 700, 1000, 900 };
    for (int i = 0; i < 7; i++) {
        struct disk_req r = mkreq((uint64_t)('A' + i), sec[i], 512, &l);
        ck_assert_int_eq(disk_submit(d, &r), 0);
    }
    ck_assert_uint_eq(disk_in_system(d), 7);
    ck_assert_uint_eq(disk_waiting(d), 6);
    ev_run(loop, SIM_SEC);
    ck_assert_int_eq(l.n, 7);
    for (int i = 0; i < 7; i++) {
        ck_assert_msg(l.id[i] == expect[i], "position %d: got %c want %c", i,
                      (char)l.id[i], (char)expect[i]);
        ck_assert_int_eq(l.t[i], (sim_time_t)(i + 1) * 1512);
    }
    disk_free(d);
    ev_loop_free(loop);
}

START_TEST(test_fifo_order)
{
    static const uint64_t e[7] = { 'A', 'B', 'C', 'D', 'E', 'F', 'G' };
    run_order(SCN_QUEUE_FIFO, e);
}
END_TEST

START_TEST(test_elevator_order)
{
    /* LOOK from head 501 going up: E(700, head -> 701), C(900, head -> 901;
     * G at the same sector was submitted later and is now behind the head),
     * F(1000, head -> 1001); nothing at or above 1001: reverse, G(900),
     * D(300), B(100). */
    static const uint64_t e[7] = { 'A', 'E', 'C', 'F', 'G', 'D', 'B' };
    run_order(SCN_QUEUE_ELEVATOR, e);
}
END_TEST

/* Elevator starting downwards, and a request arriving behind the head
 * during a sweep waits for the return. Flash 1512 ns as above.
 * t=0: A(500) starts, head 501. Waiting B(100): nothing up, reverse -> B at
 * 1512 (dir down, head 101). t=2000: D(2000) and C(50) arrive. At 3024
 * (B done), going down: C(50) (head 51). At 4536 nothing down, up: D. */
START_TEST(test_elevator_reverse)
{
    struct ev_loop *loop = ev_loop_new();
    struct scn_device c = flash_cfg(1000, 8000000000, SCN_QUEUE_ELEVATOR);
    struct disk *d = disk_new(loop, &c, 1, 0, NULL);
    struct log l = { .loop = loop };
    struct disk_req r = mkreq('A', 500, 512, &l);
    ck_assert_int_eq(disk_submit(d, &r), 0);
    r = mkreq('B', 100, 512, &l);
    ck_assert_int_eq(disk_submit(d, &r), 0);
    struct sub s1 = { d, mkreq('D', 2000, 512, &l) };
    struct sub s2 = { d, mkreq('C', 50, 512, &l) };
    ck_assert_int_eq(ev_at(loop, 2000, sub_fire, &s1, NULL), 0);
    ck_assert_int_eq(ev_at(loop, 2000, sub_fire, &s2, NULL), 0);
    ev_run(loop, 1600);
    ck_assert_int_eq(disk_direction(d), -1);
    ev_run(loop, SIM_SEC);
    ck_assert_int_eq(l.n, 4);
    ck_assert_uint_eq(l.id[0], 'A');
    ck_assert_uint_eq(l.id[1], 'B');
    ck_assert_uint_eq(l.id[2], 'C');
    ck_assert_uint_eq(l.id[3], 'D');
    ck_assert_int_eq(l.t[3], 4 * 1512);
    ck_assert_int_eq(disk_direction(d), 1);
    disk_free(d);
    ev_loop_free(loop);
}
END_TEST

/* ---- statistics ---- */

/* Flash: 1000 ns + 1000 B at 8e9 bit/s (1000 ns) = 2000 ns each.
 * Submissions at 0, 500, 1000, 10000; observed to 20000.
 *   req1 0-2000; req2 waits 500-2000, served 2000-4000; req3 waits
 *   1000-4000, served 4000-6000; req4 10000-12000.
 *   busy = 8000 -> utilization 0.4.
 *   N(t): [0,500) 1, [500,1000) 2, [1000,2000) 3, [2000,4000) 2,
 *   [4000,6000) 1, [6000,10000) 0, [10000,12000) 1, then 0.
 *   area = 500 + 1000 + 3000 + 4000 + 2000 + 2000 = 12500 -> mean 0.625;
 *   max 3. Times in system 2000, 3500, 5000, 2000 (sum 12500 = area: the
 *   system is empty at both edges, so Little's law is exact here). */
static struct disk *sched4(struct ev_loop *loop, struct sub *s, struct log *l)
{
    struct scn_device c = flash_cfg(1000, 8000000000, SCN_QUEUE_FIFO);
    struct disk *d = disk_new(loop, &c, 1, 0, NULL);
    static const sim_time_t at[4] = { 0, 500, 1000, 10000 };
    for (int i = 0; i < 4; i++) {
        s[i].d = d;
        s[i].r = mkreq((uint64_t)i, (uint64_t)i * 8, 1000, l);
        ck_assert_int_eq(ev_at(loop, at[i], sub_fire, &s[i], NULL), 0);
    }
    return d;
}

START_TEST(test_util_depth)
{
    struct ev_loop *loop = ev_loop_new();
    struct sub s[4];
    struct log l = { .loop = loop };
    struct disk *d = sched4(loop, s, &l);
    ev_run(loop, 20000);
    struct disk_stats st;
    disk_stats(d, &st);
    ck_assert_int_eq(st.elapsed, 20000);
    ck_assert_int_eq(st.busy, 8000);
    ck_assert_int_eq(st.depth_area, 12500);
    ck_assert(st.utilization == 0.4);
    ck_assert(st.queue_depth_mean == 0.625);
    ck_assert_uint_eq(st.queue_depth_max, 3);
    ck_assert_uint_eq(st.completed, 4);
    ck_assert_uint_eq(st.bytes, 4000);
    ck_assert_uint_eq(st.reads, 4);
    struct st_summary sm;
    st_rec_summary(disk_time_in_system(d), &sm);
    ck_assert_uint_eq(sm.count, 4);
    ck_assert(sm.sum == 12500.0);
    ck_assert_int_eq(sm.min, 2000);
    ck_assert_int_eq(sm.max, 5000);
    ck_assert_int_eq(l.t[0], 2000);
    ck_assert_int_eq(l.t[1], 4000);
    ck_assert_int_eq(l.t[2], 6000);
    ck_assert_int_eq(l.t[3], 12000);
    disk_free(d);
    ev_loop_free(loop);
}
END_TEST

/* Same schedule, statistics reset at 1500 (3 in system, one in service).
 *   elapsed 18500; busy 500 + 2000 + 2000 + 2000 = 6500;
 *   area [1500,2000) 3*500 = 1500, + 4000 + 2000 + 2000 = 9500;
 *   max 3 (present at the reset); all 4 complete after 1500.
 * A mid-window read: at 3000 (req2 in service, req3 waiting): elapsed 1500,
 *   busy 1500, area 1500 + 2*1000 = 3500. */
START_TEST(test_reset)
{
    struct ev_loop *loop = ev_loop_new();
    struct sub s[4];
    struct log l = { .loop = loop };
    struct disk *d = sched4(loop, s, &l);
    ev_run(loop, 1500);
    disk_stats_reset(d);
    struct disk_stats st;
    disk_stats(d, &st);
    ck_assert_int_eq(st.elapsed, 0);
    ck_assert(st.utilization == 0.0);
    ck_assert_uint_eq(st.queue_depth_max, 3);
    ev_run(loop, 3000);
    disk_stats(d, &st);
    ck_assert_int_eq(st.elapsed, 1500);
    ck_assert_int_eq(st.busy, 1500);
    ck_assert_int_eq(st.depth_area, 3500);
    ck_assert_uint_eq(st.completed, 1);
    ev_run(loop, 20000);
    disk_stats(d, &st);
    ck_assert_int_eq(st.elapsed, 18500);
    ck_assert_int_eq(st.busy, 6500);
    ck_assert_int_eq(st.depth_area, 9500);
    ck_assert_uint_eq(st.queue_depth_max, 3);
    ck_assert_uint_eq(st.completed, 4);
    ck_assert_uint_eq(st_rec_count(disk_time_in_system(d)), 4);
    disk_free(d);
    ev_loop_free(loop);
}
END_TEST

/* ---- Little's law and determinism on a long random run ---- */

struct src {
    struct lrig src;            /* arrivals, ids, completion order */
    struct disk *d;
    struct rng *pos;
};

static void src_done(const struct disk_req *r, void *arg)
{
    struct src *s = arg;
    lrig_done(&s->src, r->id);
}

static int src_submit(void *arg, uint64_t id)
{
    struct src *s = arg;
    uint64_t cap = disk_capacity(s->d);
    struct disk_req r = { id, (id & 3) ? DISK_READ : DISK_WRITE,
                          rng_below(s->pos, cap - 8), 4096, src_done, s };
    return disk_submit(s->d, &r);
}

struct run_out {
    struct disk_stats st;
    struct st_summary tis;
    uint64_t order_hash;
};

/* Poisson arrivals (mean gap 10 ms) of 4 KiB requests at uniform random
 * positions on the spinning disk with the elevator: service ~4 + 3 +
 * 0.05 ms at most, so utilization ~0.5-0.7 (the elevator shortens seeks).
 * Warm-up 10 s, then `secs` seconds measured. */
static void long_run(uint64_t seed, enum scn_queue q, bool randrot, sim_time_t secs,
                     struct run_out *out)
{
    struct ev_loop *loop = ev_loop_new();
    struct scn_device c = spin_cfg(q);
    struct disk_opts o = { 0, randrot };
    struct src s = { 0 };
    s.d = disk_new(loop, &c, seed, 0, &o);
    ck_assert_ptr_nonnull(s.d);
    struct rng *arr = rng_new(seed, 0, "test:arrival");
    s.pos = rng_new(seed, 0, "test:pos");
    lrig_start(&s.src, loop, arr, 10e6, src_submit, &s);
    ev_run(loop, 10 * SIM_SEC);
    disk_stats_reset(s.d);
    ev_run(loop, 10 * SIM_SEC + secs * SIM_SEC);
    disk_stats(s.d, &out->st);
    st_rec_summary(disk_time_in_system(s.d), &out->tis);
    out->order_hash = s.src.order_hash;
    rng_free(arr);
    rng_free(s.pos);
    disk_free(s.d);
    ev_loop_free(loop);
}

/* Little's law: over a window [0, T], the depth area A = integral N(t) dt
 * equals the sum over requests of the part of their time in system that
 * lies in the window. For requests both arriving and completing inside,
 * that is their whole time in system W_i; so A = sum W_i + (edge terms of
 * the few requests present at 0 or T). Dividing by T:
 *   L = A/T = (n/T) * (sum W_i / n) + edge/T = throughput * W + O(1/T).
 * With ~200,000 requests in 2000 s and a handful present at the edges
 * (each a few tens of ms), the edge term is ~1e-4 of A: 2% is ample, yet a
 * wrong area (e.g. counting only waiting requests, or forgetting the idle
 * intervals) misses by far more than 2%. */
START_TEST(test_little)
{
    enum scn_queue qs[2] = { SCN_QUEUE_ELEVATOR, SCN_QUEUE_FIFO };
    for (int k = 0; k < 2; k++) {
        struct run_out o;
        long_run(11, qs[k], k == 1, 2000, &o);
        ck_assert_uint_gt(o.st.completed, 190000);
        ck_assert_uint_eq(o.tis.count, o.st.completed);
        lrig_check_little(o.st.completed, o.st.elapsed, o.st.queue_depth_mean, o.tis.mean, "");
        double L = o.st.queue_depth_mean;
        ck_assert(o.st.utilization > 0.3 && o.st.utilization < 0.95);
        ck_assert(L > o.st.utilization);    /* some queueing */
        ck_assert_uint_ge(o.st.queue_depth_max, 3);
        ck_assert_uint_eq(o.st.reads + o.st.writes, o.st.completed);
    }
}
END_TEST

START_TEST(test_determinism)
{
    struct run_out a, b, c;
    long_run(21, SCN_QUEUE_ELEVATOR, true, 200, &a);
    long_run(21, SCN_QUEUE_ELEVATOR, true, 200, &b);
    ck_assert_uint_eq(a.st.completed, b.st.completed);
    ck_assert_int_eq(a.st.busy, b.st.busy);
    ck_assert_int_eq(a.st.depth_area, b.st.depth_area);
    ck_assert_uint_eq(a.st.queue_depth_max, b.st.queue_depth_max);
    ck_assert_uint_eq(a.order_hash, b.order_hash);
    ck_assert(a.tis.sum == b.tis.sum);
    /* A different seed gives a different run (the check can fail). */
    long_run(22, SCN_QUEUE_ELEVATOR, true, 200, &c);
    ck_assert(c.st.depth_area != a.st.depth_area || c.order_hash != a.order_hash);
}
END_TEST

/* The elevator serves random requests faster than FIFO at the same load:
 * LOOK shortens the mean seek, so busy time per request drops. */
START_TEST(test_elevator_helps)
{
    struct run_out e, f;
    long_run(31, SCN_QUEUE_ELEVATOR, false, 500, &e);
    long_run(31, SCN_QUEUE_FIFO, false, 500, &f);
    double se = (double)e.st.busy / (double)e.st.completed;
    double sf = (double)f.st.busy / (double)f.st.completed;
    ck_assert_msg(se < sf, "elevator %f ns/req vs fifo %f", se, sf);
    ck_assert(e.tis.mean < f.tis.mean);
}
END_TEST

static Suite *disk_suite(void)
{
    Suite *s = suite_create("disk");
    TCase *tc = xs_tcase(s, "config", 10);
    tcase_add_test(tc, test_bad_config);
    tc = xs_tcase(s, "service", 30);
    tcase_add_test(tc, test_flash_service);
    tcase_add_test(tc, test_spin_components);
    tcase_add_test(tc, test_seek_mean);
    tcase_add_test(tc, test_random_rotation);
    tc = xs_tcase(s, "queue", 10);
    tcase_add_test(tc, test_fifo_order);
    tcase_add_test(tc, test_elevator_order);
    tcase_add_test(tc, test_elevator_reverse);
    tc = xs_tcase(s, "stats", 10);
    tcase_add_test(tc, test_util_depth);
    tcase_add_test(tc, test_reset);
    tc = xs_tcase(s, "long", 120);
    tcase_add_test(tc, test_little);
    tcase_add_test(tc, test_determinism);
    tcase_add_test(tc, test_elevator_helps);
    return s;
}

XS_CHECK_MAIN(disk_suite)
