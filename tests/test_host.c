/*
 * tests/test_host.c: what sim/host/host.c's host_report (and through it each
 * model's report function, sim/metric.h) hands a sink.
 *
 * One small host with every kind of model in it: a server on nic0 (net)
 * that also has a vif on eth1, an io guest on disk0 (blk), two pingers on
 * the vifs of eth1 (bridge; vm2 pings the server's vif), an mmu guest
 * (mm), dom0 serving the back ends, two pCPUs. A
 * fake sink keeps every row; the rows must be, in order, the core's
 * (12 per domain, 5 per pCPU), the machine's 2, then each model's for the
 * domains and devices it drives only, with the values the models' own
 * queries give. A sink that fails must stop the report at once.
 */
#include <check.h>
#include <math.h>
#include <string.h>

#include "sim/metric.h"
#include "models/blk.h"
#include "models/bridge.h"
#include "models/disk.h"
#include "models/mm.h"
#include "models/net.h"
#include "sim/err.h"
#include "tests/check_util.h"
#include "tests/hv_rig.h"

#define MAX_ROWS 256

struct row {
    int dom;
    char module[32];
    const char *name;
    bool is_stat;
    double v;
    struct st_rec *rec;
};

struct fake {
    struct row rows[MAX_ROWS];
    int n;
    int calls;
    int fail_at;                    /* call number (1-based) that fails; 0: none */
};

static int fake_row(struct fake *f, int dom, const char *module, const char *name, bool is_stat,
                    double v, struct st_rec *r)
{
    f->calls++;
    if (f->fail_at && f->calls == f->fail_at)
        return -SIM_EDB;
    ck_assert_int_lt(f->n, MAX_ROWS);
    struct row *x = &f->rows[f->n++];
    *x = (struct row){ .dom = dom, .name = name, .is_stat = is_stat, .v = v, .rec = r };
    snprintf(x->module, sizeof x->module, "%s", module);
    return 0;
}

static int fake_scalar(void *ctx, int dom, const char *module, const char *name, double v)
{
    return fake_row(ctx, dom, module, name, false, v, NULL);
}

static int fake_stat(void *ctx, int dom, const char *module, const char *name, struct st_rec *r)
{
    return fake_row(ctx, dom, module, name, true, 0, r);
}

static const char yaml[] =
    "name: report\n"
    "seed: 3\n"
    "duration: 200ms\n"
    "warmup: 10ms\n"
    "machine: { pcpus: 2 }\n"
    "scheduler: { name: rr }\n"
    "devices:\n"
    "  disk0: { kind: disk, seek: 1ms, rpm: 10000, bandwidth: 80MB/s }\n"
    "  nic0: { kind: nic, bandwidth: 1Gbit/s, latency: 20us }\n"
    "  eth1: { kind: nic, bandwidth: 1Gbit/s }\n"
    "domains:\n"
    "  dom0: { privileged: true, backend: { per_request: 20us } }\n"
    "  web:\n"
    "    vif: eth1\n"
    "    workload: { type: server, device: nic0, arrival: { dist: exponential, mean: 2ms },"
    " service: 100us }\n"
    "  db:\n"
    "    workload: { type: io, device: disk0, op: read, size: 16KiB, depth: 1, think: 1ms }\n"
    "  vm1:\n"
    "    vif: eth1\n"
    "    workload: { type: cpu }\n"
    "    ping: { target: vm2, interval: 5ms }\n"
    "  vm2: { vif: eth1, ping: { target: web, interval: 7ms } }\n"
    "  pt:\n"
    "    workload: { type: mmu, interval: { dist: exponential, mean: 5ms }, updates: 64,"
    " batch: 8 }\n";

enum { DOM0, WEB, DB, VM1, VM2, PT, NDOMS };

static const char *const hv_scalars[] = {
    "cpu_time_ns", "refill_ns", "cpu_share", "cpu_util", "dispatches",
    "wakeups", "blocks", "preemptions", "migrations", "runnable_wait_ns", "late_periods",
};
static const char *const pcpu_scalars[] = {
    "busy_ns", "idle_ns", "switch_ns", "context_switches", "runq_len_mean",
};

/* The host of yaml run through its warm-up and 200 ms of window. */
static void run_host(struct rig *r)
{
    rig_up(r, yaml, NULL);
    rig_run(r, 10 * SIM_MSEC);
    host_stats_reset(r->host);
    rig_run(r, 210 * SIM_MSEC);
    ck_assert_int_eq(r->s->ndomains, NDOMS);
    ck_assert_int_eq(hv_npcpus(r->h), 2);
}

/* Row i must be (dom, module, name); returns it. */
static const struct row *expect(const struct fake *f, int i, int dom, const char *module,
                                const char *name, bool is_stat)
{
    ck_assert_int_lt(i, f->n);
    const struct row *x = &f->rows[i];
    ck_assert_msg(x->dom == dom && !strcmp(x->module, module) && !strcmp(x->name, name)
                      && x->is_stat == is_stat,
                  "row %d: (%d, %s, %s%s), expected (%d, %s, %s%s)", i, x->dom, x->module,
                  x->name, x->is_stat ? " stat" : "", dom, module, name, is_stat ? " stat" : "");
    return x;
}

START_TEST(test_rows_in_order_with_the_models_values)
{
    struct rig r;
    run_host(&r);
    struct fake f = { .n = 0 };
    struct metric_sink k = { fake_scalar, fake_stat, &f };
    ck_assert_int_eq(host_report(r.host, &k), 0);
    const struct scn *s = r.s;
    int i = 0;
    double w = (double)hv_elapsed(r.h);
    ck_assert(w == 200.0 * SIM_MSEC);

    /* The core: every domain, then every pCPU. */
    double jsum = 0, jsq = 0;
    int jn = 0;
    for (int d = 0; d < NDOMS; d++) {
        struct hv_dom_stats ds;
        ck_assert_int_eq(hv_dom_stats(r.h, d, &ds), 0);
        const char *m = s->domains[d].name;
        for (size_t j = 0; j < sizeof hv_scalars / sizeof *hv_scalars; j++)
            expect(&f, i + (int)j, d, m, hv_scalars[j], false);
        ck_assert(f.rows[i].v == (double)ds.cpu_time_ns);
        ck_assert(fabs(f.rows[i + 2].v * w * 2 - (double)ds.cpu_time_ns) < 1e-6);
        ck_assert(fabs(f.rows[i + 3].v * w - (double)ds.cpu_time_ns) < 1e-6);
        ck_assert(f.rows[i + 4].v == (double)ds.dispatches);
        ck_assert(f.rows[i + 8].v == (double)ds.migrations);
        ck_assert(f.rows[i + 9].v == (double)ds.runnable_wait_ns);
        i += 11;
        ck_assert_ptr_eq(expect(&f, i++, d, m, "sched_latency", true)->rec,
                         hv_dom_sched_latency(r.h, d));
        ck_assert_ptr_eq(expect(&f, i++, d, m, "evtchn_latency", true)->rec,
                         hv_dom_evtchn_latency(r.h, d));
        if (d != DOM0 && d != VM2) {        /* the domains with a workload */
            jsum += (double)ds.cpu_time_ns;
            jsq += (double)ds.cpu_time_ns * (double)ds.cpu_time_ns;
            jn++;
        }
    }
    ck_assert_int_eq(jn, 4);
    for (int p = 0; p < 2; p++) {
        struct hv_pcpu_stats ps = pstats(&r, p);
        char m[16];
        snprintf(m, sizeof m, "pcpu%d", p);
        for (size_t j = 0; j < sizeof pcpu_scalars / sizeof *pcpu_scalars; j++)
            expect(&f, i + (int)j, METRIC_NO_DOM, m, pcpu_scalars[j], false);
        ck_assert(f.rows[i].v == (double)ps.busy_ns);
        ck_assert(f.rows[i + 3].v == (double)ps.context_switches);
        i += 5;
    }
    ck_assert(expect(&f, i++, METRIC_NO_DOM, "machine", "events", false)->v
              == (double)hv_events(r.h));
    double jain = expect(&f, i++, METRIC_NO_DOM, "machine", "jain_fairness", false)->v;
    ck_assert(fabs(jain - jsum * jsum / (jn * jsq)) < 1e-12);
    ck_assert(jain > 0.25 && jain < 1);     /* vm1 (a hog) has far more CPU than the rest */

    /* blk: the io guest only, then its disk. */
    struct blk_dom_stats bs;
    ck_assert_int_eq(blk_dom_stats(r.host->blk, DB, &bs), 0);
    ck_assert_uint_gt(bs.io_ops, 10);
    ck_assert(expect(&f, i++, DB, "db", "io_ops", false)->v == (double)bs.io_ops);
    ck_assert(expect(&f, i++, DB, "db", "io_bytes", false)->v == 16384.0 * (double)bs.io_ops);
    ck_assert(expect(&f, i++, DB, "db", "io_ops_per_s", false)->v
              == (double)bs.io_ops * 1e9 / w);
    expect(&f, i++, DB, "db", "ring_full_stalls", false);
    ck_assert_ptr_eq(expect(&f, i++, DB, "db", "io_latency", true)->rec,
                     blk_dom_io_latency(r.host->blk, DB));
    struct disk_stats dk;
    ck_assert_int_eq(blk_dev_stats(r.host->blk, 0, &dk), 0);
    ck_assert(expect(&f, i++, METRIC_NO_DOM, "disk0", "utilization", false)->v
              == dk.utilization);
    expect(&f, i++, METRIC_NO_DOM, "disk0", "queue_depth_mean", false);
    ck_assert(expect(&f, i++, METRIC_NO_DOM, "disk0", "queue_depth_max", false)->v
              == (double)dk.queue_depth_max);

    /* net: the server, its vif's packets counted with its own, then its
     * NIC (transmit side). */
    struct net_dom_stats ns;
    struct br_dom_stats vw;
    ck_assert_int_eq(net_dom_stats(r.host->net, WEB, &ns), 0);
    ck_assert_int_eq(br_dom_stats(r.host->br, WEB, &vw), 0);
    ck_assert_uint_gt(ns.requests_completed, 10);
    ck_assert_uint_ge(vw.rx_packets, 20);   /* vm2's pings, one each 7 ms */
    ck_assert(expect(&f, i++, WEB, "web", "net_packets", false)->v
              == (double)(ns.net_packets + vw.rx_packets + vw.tx_packets));
    ck_assert(expect(&f, i++, WEB, "web", "requests_completed", false)->v
              == (double)ns.requests_completed);
    expect(&f, i++, WEB, "web", "requests_per_s", false);
    ck_assert_ptr_eq(expect(&f, i++, WEB, "web", "net_latency", true)->rec,
                     net_dom_latency(r.host->net, WEB));
    expect(&f, i++, METRIC_NO_DOM, "nic0", "utilization", false);
    expect(&f, i++, METRIC_NO_DOM, "nic0", "queue_depth_mean", false);
    expect(&f, i++, METRIC_NO_DOM, "nic0", "queue_depth_max", false);

    /* bridge: both pingers' vifs, not the server's (no echo clients, so
     * no NIC of its own). */
    struct br_dom_stats v1, v2;
    ck_assert_int_eq(br_dom_stats(r.host->br, VM1, &v1), 0);
    ck_assert_int_eq(br_dom_stats(r.host->br, VM2, &v2), 0);
    ck_assert_uint_ge(v1.pings_sent, 30);   /* one each 5 ms over 200 ms, less the last */
    ck_assert(expect(&f, i++, VM1, "vm1", "net_packets", false)->v
              == (double)(v1.rx_packets + v1.tx_packets));
    expect(&f, i++, VM1, "vm1", "ring_full_stalls", false);
    ck_assert(expect(&f, i++, VM1, "vm1", "pings_sent", false)->v == (double)v1.pings_sent);
    ck_assert_ptr_eq(expect(&f, i++, VM1, "vm1", "ping_latency", true)->rec,
                     br_dom_ping_latency(r.host->br, VM1));
    ck_assert(expect(&f, i++, VM2, "vm2", "net_packets", false)->v
              == (double)(v2.rx_packets + v2.tx_packets));
    expect(&f, i++, VM2, "vm2", "ring_full_stalls", false);
    ck_assert(expect(&f, i++, VM2, "vm2", "pings_sent", false)->v == (double)v2.pings_sent);
    ck_assert_ptr_eq(expect(&f, i++, VM2, "vm2", "ping_latency", true)->rec,
                     br_dom_ping_latency(r.host->br, VM2));

    /* mm: the mmu guest. */
    struct mm_dom_stats ms;
    ck_assert_int_eq(mm_dom_stats(r.host->mm, PT, &ms), 0);
    ck_assert_uint_gt(ms.updates, 0);
    ck_assert(expect(&f, i++, PT, "pt", "mmu_updates", false)->v == (double)ms.updates);
    ck_assert(expect(&f, i++, PT, "pt", "mmu_batches", false)->v == (double)ms.batches);
    ck_assert(ms.batches * 8 == ms.updates);
    expect(&f, i++, PT, "pt", "mmu_rejected", false);
    ck_assert(expect(&f, i++, PT, "pt", "mmu_validate_ns", false)->v
              == (double)ms.validate_ns);

    /* Nothing else: 13 * 6 + 5 * 2 + 2 + (5 + 3) + (4 + 3) + (4 + 4) + 4. */
    ck_assert_int_eq(i, 117);
    ck_assert_int_eq(f.n, 117);
    rig_down(&r);
}
END_TEST

/* A failing sink: the report returns its error and makes no further call,
 * wherever in the order (core, machine, each model) it fails. */
START_TEST(test_sink_error_stops_the_report)
{
    struct rig r;
    run_host(&r);
    static const int at[] = { 1, 12, 80, 83, 90, 95, 100, 105, 111 };
    for (size_t j = 0; j < sizeof at / sizeof *at; j++) {
        struct fake f = { .fail_at = at[j] };
        struct metric_sink k = { fake_scalar, fake_stat, &f };
        ck_assert_int_eq(host_report(r.host, &k), -SIM_EDB);
        ck_assert_int_eq(f.calls, at[j]);
        ck_assert_int_eq(f.n, at[j] - 1);
    }
    rig_down(&r);
}
END_TEST

static Suite *host_suite(void)
{
    Suite *s = suite_create("host");
    TCase *tc = xs_tcase(s, "report", 30);
    tcase_add_test(tc, test_rows_in_order_with_the_models_values);
    tcase_add_test(tc, test_sink_error_stops_the_report);
    return s;
}

XS_CHECK_MAIN(host_suite)
