/*
 * tests/test_net.c: the network split driver end to end (models/net.h,
 * workloads/server.c): open-loop arrivals at a NIC, netback in dom0, the
 * rx/tx rings and event channel, and a server guest, on the real
 * hypervisor core and RR. tsc_hz 2 GHz (NOW() is true time), one pCPU.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/stats.h"
#include "models/hv.h"
#include "models/backend.h"
#include "models/net.h"
#include "schedulers/sched.h"
#include "sim/ev.h"
#include "sim/scenario.h"
#include "tests/hv_rig.h"

#define MS 1000000LL

struct nrig {
    struct rig r;
    struct net *n;
    struct be_host *bh;
};

static void nrig_up(struct nrig *x, const char *yaml)
{
    rig_up(&x->r, yaml, NULL);
    x->n = x->r.host->net;
    x->bh = x->r.host->bh;
    ck_assert_ptr_nonnull(x->n);
}

static void nrig_down(struct nrig *x)
{
    rig_down(&x->r);
}

/* NIC 1 Gbit/s, wire latency 50us: a 64 B request serialises in 512 ns, a
 * 1 KiB reply in 8192 ns. */
static const char *yaml(char *y, size_t n, const char *arrival, int hogs)
{
    snprintf(y, n,
             "name: net\nduration: 1s\n"
             "machine: { pcpus: 1, clock: { tsc_hz: 2GHz }, "
             "costs: { context_switch: 0ns, cache_refill: 0ns, upcall: 1us } }\n"
             "scheduler: { name: rr }\n"
             "devices: { eth: { kind: nic, bandwidth: 1Gbit/s, latency: 50us } }\n"
             "domains:\n"
             "  dom0: { privileged: true, backend: { per_request: 20us } }\n"
             "  srv: { workload: { type: server, device: eth, arrival: %s, "
             "service: 100us, reply_size: 1KiB } }\n"
             ,
             arrival);
    (void)hogs;
    return y;
}

static struct st_summary lat(struct nrig *x)
{
    struct st_summary sm;
    st_rec_summary(net_dom_latency(x->n, dom_index(x->r.s, "srv")), &sm);
    return sm;
}

/*
 * Idle host, arrivals every 10 ms (far apart). Per request:
 *   rx ser 512 + dom0 upcall 1000 + per_request 20000 + guest upcall 1000
 *   + service 100000 + dom0 upcall 1000 + per_request 20000 + tx ser 8192
 *   + wire 50000 = 201704 ns (switches and wakes take 0 ns).
 */
START_TEST(solo_exact)
{
    char y[2048];
    struct nrig x;
    nrig_up(&x, yaml(y, sizeof y, "10ms", 0));
    rig_run(&x.r, 5 * MS);
    hv_stats_reset(x.r.h);
    net_stats_reset(x.n);
    rig_run(&x.r, 1005 * MS);
    struct st_summary sm = lat(&x);
    ck_assert_uint_eq(sm.count, 100);
    ck_assert_int_eq(sm.min, 201704);
    ck_assert_int_eq(sm.max, 201704);
    struct net_dom_stats st;
    ck_assert_int_eq(net_dom_stats(x.n, dom_index(x.r.s, "srv"), &st), 0);
    ck_assert_uint_eq(st.requests_completed, 100);
    ck_assert_uint_eq(st.net_packets, 200);
    ck_assert_uint_eq(st.arrived_total, st.completed_total + st.in_system);
    check_conservation(&x.r);
    ck_assert_int_eq(net_status(x.n), 0);
    nrig_down(&x);
}
END_TEST

static double mean_with_hogs(int hogs, uint64_t *count)
{
    char y[2048], h[256] = "";
    struct nrig x;
    snprintf(y, sizeof y, "%s", "");
    const char *base = yaml(y, sizeof y, "{ dist: exponential, mean: 50ms }", 0);
    char full[4096];
    for (int i = 0; i < hogs; i++) {
        char one[64];
        snprintf(one, sizeof one, "  hog%d: { workload: { type: cpu } }\n", i);
        snprintf(h + strlen(h), sizeof h - strlen(h), "%s", one);
    }
    snprintf(full, sizeof full, "%s%s", base, h);
    nrig_up(&x, full);
    rig_run(&x.r, 100 * MS);
    hv_stats_reset(x.r.h);
    net_stats_reset(x.n);
    rig_run(&x.r, 20100 * MS);
    struct st_summary sm = lat(&x);
    *count = sm.count;
    struct net_dom_stats st;
    ck_assert_int_eq(net_dom_stats(x.n, dom_index(x.r.s, "srv"), &st), 0);
    ck_assert_uint_eq(st.arrived_total, st.completed_total + st.in_system);
    check_conservation(&x.r);
    nrig_down(&x);
    return sm.mean;
}

/* Determinism: two runs of the same scenario give the same samples. */
START_TEST(deterministic)
{
    uint64_t c1, c2;
    double m1 = mean_with_hogs(1, &c1), m2 = mean_with_hogs(1, &c2);
    ck_assert_uint_eq(c1, c2);
    ck_assert(m1 == m2);
}
END_TEST

/*
 * RR, 10 ms slices, N always-runnable hogs beside dom0 and the server on
 * one pCPU. Xen 2.0's RR inserts a waking vCPU at the HEAD of the run queue
 * and preempts only idle (docs/schedulers.md). So on the request path the
 * first wake (dom0, for the received packet) waits for the end of the
 * running hog's slice, at most 10 ms; dom0 then wakes the guest, which is
 * queued at the head and runs as soon as dom0 blocks; the guest's reply
 * wakes dom0 at the head again, which runs as soon as the guest blocks. One
 * wait of at most one slice, whatever the number of hogs: the added mean
 * latency lies in (0, 10 ms], and more hogs do not add slices.
 */
START_TEST(hogs_add_at_most_one_slice)
{
    uint64_t c;
    double m0 = mean_with_hogs(0, &c);
    ck_assert_uint_gt(c, 100);
    for (int n = 1; n <= 3; n++) {
        double m = mean_with_hogs(n, &c);
        ck_assert_uint_gt(c, 100);
        ck_assert_msg(m > m0 && m - m0 <= 10.0 * MS + 0.1 * MS,
                      "hogs %d: mean %.0f ns against %.0f ns alone", n, m, m0);
    }
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("net");
    TCase *t = tcase_create("net");
    tcase_set_timeout(t, 120);
    tcase_add_test(t, solo_exact);
    tcase_add_test(t, deterministic);
    tcase_add_test(t, hogs_add_at_most_one_slice);
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
