/*
 * tests/test_bridge.c: vifs on the driver domain's bridge and on a NIC the
 * hypervisor serves (models/bridge.h), the guest kernel's echo responder
 * and ping sender, through the real hypervisor core (models/hv.h) and RR.
 * tsc_hz 2 GHz, so NOW() is true time and costs in time are exact.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/stats.h"
#include "models/backend.h"
#include "models/bridge.h"
#include "models/hv.h"
#include "schedulers/sched.h"
#include "sim/ev.h"
#include "sim/scenario.h"
#include "tests/hv_rig.h"

#define US 1000LL
#define MS 1000000LL

struct brig {
    struct rig r;
    struct br *b;
    struct be_host *bh;
};

static void brig_up(struct brig *x, const char *yaml)
{
    rig_up(&x->r, yaml, NULL);
    x->b = x->r.host->br;
    x->bh = x->r.host->bh;
    ck_assert_ptr_nonnull(x->b);
}

static void brig_run(struct brig *x, sim_time_t until)
{
    rig_run(&x->r, until);
    ck_assert_int_eq(br_status(x->b), 0);
}

static void brig_reset(struct brig *x)
{
    hv_stats_reset(x->r.h);
    br_stats_reset(x->b);
}

static void brig_down(struct brig *x)
{
    rig_down(&x->r);
}

static struct br_dom_stats bstats(struct brig *x, const char *name)
{
    struct br_dom_stats st;
    ck_assert_int_eq(br_dom_stats(x->b, dom_index(x->r.s, name), &st), 0);
    return st;
}

static struct st_summary rtt(struct brig *x, const char *name)
{
    struct st_summary sm;
    struct st_rec *r = br_dom_ping_latency(x->b, dom_index(x->r.s, name));
    ck_assert_ptr_nonnull(r);
    st_rec_summary(r, &sm);
    return sm;
}

#define COSTS "costs: { context_switch: 2us, upcall: 1us, kernel_packet: 5us, cache_refill: 0ns }"

/*
 * Two idle guests and dom0 on one pCPU; a pings b every 3 ms. After the
 * first ping (whose tx responses notify the guests once, as the rings'
 * first event indices ask), each ping, from the start of a's upcall:
 *   a: upcall 1 + kernel_packet 5 (send)                  6
 *   switch to dom0 2, upcall 1, per_request 20 (a's tx),
 *     per_request 20 (into b's rx buffer)                 43
 *   switch to b 2, upcall 1 + kernel_packet 5 (answer)     8
 *   switch to dom0 2, upcall 1, per_request 20 + 20        43
 *   switch to a 2: its upcall takes the reply              2
 * = 4 switches + 4 upcalls + 2 kernel_packet + 4 per_request = 102 us.
 */
START_TEST(idle_guests_exact_rtt)
{
    struct brig x;
    brig_up(&x, "name: t\nduration: 1s\n"
                "machine: { pcpus: 1, clock: { tsc_hz: 2GHz }, " COSTS " }\n"
                "scheduler: { name: rr }\n"
                "devices: { eth: { kind: nic, bandwidth: 1Gbit/s } }\n"
                "domains:\n"
                "  dom0: { privileged: true, backend: { per_request: 20us } }\n"
                "  a: { vif: eth, ping: { target: b, interval: 3ms } }\n"
                "  b: { vif: eth }\n");
    brig_run(&x, 4 * MS);
    brig_reset(&x);
    brig_run(&x, 304 * MS);
    struct st_summary sm = rtt(&x, "a");
    ck_assert_uint_eq(sm.count, 100);
    ck_assert_int_eq(sm.min, 102 * US);
    ck_assert_int_eq(sm.max, 102 * US);
    struct br_dom_stats a = bstats(&x, "a"), b = bstats(&x, "b");
    ck_assert_uint_eq(a.pings_sent, 100);
    ck_assert_uint_eq(a.ping_replies, 100);
    ck_assert_uint_eq(b.echoes_answered, 100);
    ck_assert_uint_eq(b.rx_packets, 100);
    ck_assert_uint_eq(b.tx_packets, 100);
    /* dom0 spent 4 per_request + 2 upcalls per ping, nothing else. */
    struct hv_dom_stats d0 = dstats(&x.r, "dom0");
    ck_assert_int_eq(d0.cpu_time_ns, 100 * (80 + 2) * US);
    /* b: one upcall and one kernel_packet per ping. */
    ck_assert_int_eq(dstats(&x.r, "b").upcall_ns, 100 * 6 * US);
    check_conservation(&x.r);
    brig_down(&x);
}
END_TEST

/* b computes without end on pCPU 0 with a hog; a (idle) and dom0 on pCPU
 * 1 ping it at random instants. b runs half the time, in RR slices of S;
 * when it does not, the echo waits for the hog's slice to end (RR never
 * preempts a domain for a wake): a uniform part of S. So the mean RTT is
 * the idle path plus S/4, and no RTT exceeds S by much more than that. */
static double mean_rtt(const char *slice, double *max)
{
    char y[2048];
    snprintf(y, sizeof y,
             "name: t\nduration: 1s\n"
             "machine: { pcpus: 2, clock: { tsc_hz: 2GHz }, " COSTS " }\n"
             "scheduler: { name: rr, rr: { slice: %s } }\n"
             "devices: { eth: { kind: nic, bandwidth: 1Gbit/s } }\n"
             "domains:\n"
             "  dom0: { privileged: true, cpus: [1], backend: { per_request: 20us } }\n"
             "  a: { cpus: [1], vif: eth, ping: { target: b, interval: "
             "{ dist: exponential, mean: 5ms } } }\n"
             "  b: { cpus: [0], vif: eth, workload: { type: cpu } }\n"
             "  hog: { cpus: [0], workload: { type: cpu } }\n", slice);
    struct brig x;
    brig_up(&x, y);
    brig_run(&x, 100 * MS);
    brig_reset(&x);
    brig_run(&x, 20100 * MS);
    struct st_summary sm = rtt(&x, "a");
    ck_assert_uint_gt(sm.count, 3500);
    *max = (double)sm.max;
    check_conservation(&x.r);
    brig_down(&x);
    return sm.mean;
}

START_TEST(cpu_bound_target_waits_for_its_slice)
{
    double max10, max40;
    double m10 = mean_rtt("10ms", &max10), m40 = mean_rtt("40ms", &max40);
    /* The idle path across pCPUs is about 0.1 ms (bounded by 0.2 ms). */
    ck_assert_msg(m10 > 0.9 * 2.5 * MS && m10 < 1.1 * 2.5 * MS + 0.2 * MS, "mean %g", m10);
    ck_assert_msg(m40 > 0.9 * 10 * MS && m40 < 1.1 * 10 * MS + 0.2 * MS, "mean %g", m40);
    /* At most one slice, plus the path and the work of the other pings
     * that waited with it: each costs dom0 two per_request (40 us) and its
     * upcalls, b one kernel_packet and an upcall, about 60 us in all, and
     * with a ping every 5 ms on average up to ~20 can pile up behind a
     * 40 ms slice: 1.5 ms. */
    ck_assert_msg(max10 < 11 * MS && max40 < 41.5 * MS, "max %g %g", max10, max40);
    ck_assert(max40 > 30 * MS);
}
END_TEST

/* A ping every 100 us to b while the hog holds pCPU 0 for a 50 ms slice:
 * b's 8 rx buffers fill and stay filled, the rest waits in netback's
 * backlog; once b runs again its kernel drains them. */
START_TEST(rx_ring_fills_while_receiver_waits)
{
    struct brig x;
    brig_up(&x, "name: t\nduration: 1s\n"
                "machine: { pcpus: 2, clock: { tsc_hz: 2GHz }, " COSTS " }\n"
                "scheduler: { name: rr, rr: { slice: 50ms } }\n"
                "devices: { eth: { kind: nic, bandwidth: 1Gbit/s, ring: 8 } }\n"
                "domains:\n"
                "  dom0: { privileged: true, cpus: [1], backend: { per_request: 10us } }\n"
                "  a: { cpus: [1], vif: eth, ping: { target: b, interval: 100us } }\n"
                "  b: { cpus: [0], vif: eth, workload: { type: cpu } }\n"
                "  hog: { cpus: [0], workload: { type: cpu } }\n");
    int b = dom_index(x.r.s, "b");
    int waited = 0, ran = 0;
    bool saw_full = false, saw_drained = false;
    for (sim_time_t t = MS; t <= 300 * MS && !(saw_full && saw_drained); t += MS) {
        brig_run(&x, t);
        bool running = hv_vcpu_runstate(x.r.h, b, 0) == HV_RS_RUNNING;
        waited = running ? 0 : waited + 1;
        ran = running ? ran + 1 : 0;
        struct br_dom_stats st = bstats(&x, "b");
        if (waited >= 5) {          /* 5 ms unscheduled: 50 pings sent meanwhile */
            ck_assert_uint_eq(st.rx_unconsumed, 8);
            ck_assert_uint_ge(st.backlog, 30);
            saw_full = true;
        } else if (ran >= 15 && saw_full) {
            ck_assert_uint_eq(st.backlog, 0);
            ck_assert_uint_le(st.rx_unconsumed, 1);
            saw_drained = true;
        }
    }
    ck_assert(saw_full && saw_drained);
    struct st_summary sm = rtt(&x, "a");
    ck_assert(sm.max > 40 * MS);    /* a request waited most of a hog slice */
    brig_down(&x);
}
END_TEST

/*
 * Xen 1.0: the hypervisor serves the NIC. An idle guest on pCPU 0 answers
 * echo requests arriving every 10 ms (1 Gbit/s: 64 B take 512 ns):
 *   rx serialisation 512 + hypervisor work on irq_cpu 0 (idle) 20000
 *   + switch to the guest 2000 + upcall 1000 + kernel_packet 5000
 *   + transmit hypercall work on the guest's pCPU 20000 + tx 512
 *   = 49024 ns, with no driver domain scheduled at all.
 */
START_TEST(hypervisor_nic_exact)
{
    struct brig x;
    brig_up(&x, "name: t\nduration: 1s\n"
                "machine: { pcpus: 1, clock: { tsc_hz: 2GHz }, " COSTS " }\n"
                "scheduler: { name: rr }\n"
                "devices: { x: { kind: nic, bandwidth: 1Gbit/s, served_by: hypervisor, "
                "per_request: 20us } }\n"
                "domains:\n"
                "  g: { vif: x, echo: { arrival: 10ms } }\n");
    brig_run(&x, 15 * MS);
    brig_reset(&x);
    brig_run(&x, 1015 * MS);
    struct st_summary sm;
    st_rec_summary(br_dom_echo_latency(x.b, dom_index(x.r.s, "g")), &sm);
    ck_assert_uint_eq(sm.count, 100);
    ck_assert_int_eq(sm.min, 49024);
    ck_assert_int_eq(sm.max, 49024);
    struct hv_pcpu_stats ps = pstats(&x.r, 0);
    ck_assert_uint_eq(ps.hv_works, 200);
    ck_assert_int_eq(ps.hv_work_ns, 200 * 20 * US);
    /* The receive work found the pCPU idle, the transmit work the guest. */
    ck_assert_int_eq(dstats(&x.r, "g").cpu_time_ns, 100 * (6 + 20) * US);
    check_conservation(&x.r);
    brig_down(&x);
}
END_TEST

/* The interrupt work steals from a hog on irq_cpu: per request it loses
 * 20 us of progress but is charged them; the guest on pCPU 1 is unaffected. */
START_TEST(hypervisor_work_steals_from_the_running_vcpu)
{
    struct brig x;
    brig_up(&x, "name: t\nduration: 1s\n"
                "machine: { pcpus: 2, clock: { tsc_hz: 2GHz }, " COSTS " }\n"
                "scheduler: { name: rr }\n"
                "devices: { x: { kind: nic, bandwidth: 1Gbit/s, served_by: hypervisor, "
                "per_request: 20us, irq_cpu: 0 } }\n"
                "domains:\n"
                "  hog: { cpus: [0], workload: { type: cpu } }\n"
                "  g: { cpus: [1], vif: x, echo: { arrival: 10ms } }\n");
    brig_run(&x, 15 * MS);
    brig_reset(&x);
    brig_run(&x, 1015 * MS);
    struct st_summary sm;
    st_rec_summary(br_dom_echo_latency(x.b, dom_index(x.r.s, "g")), &sm);
    ck_assert_uint_eq(sm.count, 100);
    ck_assert_int_eq(sm.min, 49024);
    ck_assert_int_eq(sm.max, 49024);
    struct hv_pcpu_stats p0 = pstats(&x.r, 0), p1 = pstats(&x.r, 1);
    ck_assert_int_eq(p0.hv_work_ns, 100 * 20 * US);
    ck_assert_int_eq(p1.hv_work_ns, 100 * 20 * US);
    ck_assert_int_eq(dstats(&x.r, "hog").cpu_time_ns, p0.busy_ns);
    check_conservation(&x.r);
    brig_down(&x);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("bridge");
    TCase *t = tcase_create("bridge");
    tcase_set_timeout(t, 120);
    tcase_add_test(t, idle_guests_exact_rtt);
    tcase_add_test(t, cpu_bound_target_waits_for_its_slice);
    tcase_add_test(t, rx_ring_fills_while_receiver_waits);
    tcase_add_test(t, hypervisor_nic_exact);
    tcase_add_test(t, hypervisor_work_steals_from_the_running_vcpu);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
