/*
 * tests/test_replay.c: the trace workload (workloads/trace.c) replaying
 * I/O records through the models: block_io through the block split driver
 * (models/blk.h) to a flash disk, pt_batch through the validated
 * mmu_update of the memory model (models/mm.h), net_send and open-loop
 * arrivals through the network split driver (models/net.h) and a NIC, on
 * the real hypervisor
 * core and the RR scheduler; and what the replay refuses when the host is
 * built.
 *
 * Traces are written by hand in the text form (tr_writer, TR_TEXT) into a
 * temporary directory. Expected numbers are derived beside each test, as
 * in tests/test_blk.c. Scenarios use tsc_hz 2 GHz (NOW() equals true time,
 * 1 cycle = 0.5 ns) and one pCPU.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sim/stats.h"
#include "models/backend.h"
#include "models/blk.h"
#include "models/evtchn.h"
#include "models/hv.h"
#include "models/mm.h"
#include "models/net.h"
#include "models/nic.h"
#include "schedulers/sched.h"
#include "sim/err.h"
#include "sim/ev.h"
#include "sim/scenario.h"
#include "tests/check_util.h"
#include "tests/hv_rig.h"
#include "tests/tmpdb.h"
#include "traces/trace.h"

#define US 1000LL
#define MS 1000000LL

static void setup(void)
{
    tmpdb_make("xs_replay");
}

/* Write a one-domain trace ("g", vcpus vCPUs) of n records to name in the
 * temporary directory; its path. */
static const char *write_trace(const char *name, uint32_t vcpus, const struct tr_record *r,
                               int n)
{
    const char *path = tmpdb_path(name);
    struct tr_domain dom = { .name = "g", .vcpus = vcpus };
    struct tr_header h = { .version = TR_VERSION, .ndomains = 1, .domains = &dom };
    snprintf(h.source, sizeof h.source, "hand");
    char e[512];
    struct tr_writer *w = tr_writer_open(path, &h, TR_TEXT, e, sizeof e);
    ck_assert_msg(w != NULL, "%s", e);
    for (int i = 0; i < n; i++)
        ck_assert_msg(tr_write(w, &r[i]) == 0, "%s", tr_writer_error(w));
    ck_assert_int_eq(tr_writer_close(w), 0);
    return path;
}

/* A host with the split drivers and the memory model, as sim/host/run.c builds
 * it. */
struct xrig {
    struct rig r;
    struct be_host *bh;
    struct blk *b;
    struct net *n;
    struct mm *m;
};

static int xrig_up(struct xrig *x, const char *yaml, char *err, size_t errlen)
{
    struct rig *r = &x->r;
    *x = (struct xrig){ 0 };
    r->s = rig_load(yaml);
    r->host = host_new(r->s, 0, NULL, err, errlen);
    if (!r->host)
        return -SIM_EBADINPUT;
    r->loop = r->host->loop;
    r->h = r->host->h;
    x->bh = r->host->bh;
    x->b = r->host->blk;
    x->n = r->host->net;
    x->m = r->host->mm;
    ck_assert_int_eq(hv_start(r->h), 0);
    return 0;
}

static void xrig_down(struct xrig *x)
{
    host_free(x->r.host);
    scn_free(x->r.s);
}

/* A flash disk: latency 100us, 1 Gbit/s (125MB/s); 4 KiB requests transfer
 * in 4096 * 8 / 1e9 s = 32768 ns, so one service is 132768 ns. pcpus
 * pCPUs: dom0's vCPU is placed on pCPU 0, g's vCPUs on the next ones. */
static const char *host_yaml_p(char *y, size_t n, int pcpus, const char *costs,
                               const char *gopts, const char *wl)
{
    snprintf(y, n,
             "name: replay\nduration: 1s\n"
             "machine: { pcpus: %d, clock: { tsc_hz: 2GHz, timer_slop: 0ns }, costs: { %s } }\n"
             "scheduler: { name: rr }\n"
             "devices: { ssd: { kind: disk, latency: 100us, bandwidth: 125MB/s },\n"
             "           eth: { kind: nic, bandwidth: 1Gbit/s, latency: 10us } }\n"
             "domains:\n"
             "  dom0: { privileged: true, backend: { per_request: 20us } }\n"
             "  g: { %sworkload: %s }\n", pcpus, costs, gopts, wl);
    return y;
}

static const char *host_yaml(char *y, size_t n, const char *costs, const char *gopts,
                             const char *wl)
{
    return host_yaml_p(y, n, 1, costs, gopts, wl);
}

#define ZERO_COSTS "context_switch: 0ns, cache_refill: 0ns, upcall: 0ns"

/*
 * 100 block_io records of 4 KiB (reads, every third a write), each after a
 * compute of 50 us, on an otherwise idle host with zero costs. Each
 * request goes as in tests/test_blk.c's solo_latency_exact: put and
 * notify, dom0 runs blkback (per_request 20 us), the disk serves it
 * (132768 ns), dom0 pushes the response, the guest consumes it: every
 * io_latency sample is exactly 20000 + 132768 = 152768 ns, and the 100
 * records are replayed by 100 * (50000 + 152768) = 20.2768 ms. The trace
 * does not loop: after it the guest blocks for good.
 */
START_TEST(block_io_exact)
{
    struct tr_record r[200];
    int n = 0;
    for (int i = 0; i < 100; i++) {
        r[n++] = (struct tr_record){ .t = i * 10, .op = TR_COMPUTE, .a = 50 * US };
        r[n++] = (struct tr_record){ .t = i * 10 + 5, .op = TR_BLOCK_IO, .a = 4096,
                                     .b = (uint64_t)i * 8, .flags = i % 3 == 0 ? TR_F_WRITE : 0 };
    }
    char w[1024], y[2048], err[512];
    snprintf(w, sizeof w, "{ type: trace, device: ssd, file: \"%s\" }",
             write_trace("io.txt", 1, r, n));
    struct xrig x;
    ck_assert_msg(xrig_up(&x, host_yaml(y, sizeof y, ZERO_COSTS, "", w), err, sizeof err) == 0,
                  "%s", err);
    ck_assert_ptr_null(x.m);                /* no pt_batch: no memory model */
    int g = dom_index(x.r.s, "g");
    rig_run(&x.r, 100 * (50 * US + 152768) - 1);
    struct blk_dom_stats st;
    ck_assert_int_eq(blk_dom_stats(x.b, g, &st), 0);
    ck_assert(st.has_io);
    ck_assert_uint_eq(st.io_ops, 99);       /* the last response is 1 ns away */
    rig_run(&x.r, 200 * MS);
    ck_assert_int_eq(blk_dom_stats(x.b, g, &st), 0);
    ck_assert_uint_eq(st.io_ops, 100);
    ck_assert_uint_eq(st.io_bytes, 100 * 4096);
    ck_assert_uint_eq(st.ring_full_stalls, 0);
    struct st_summary sm;
    st_rec_summary(blk_dom_io_latency(x.b, g), &sm);
    ck_assert_uint_eq(sm.count, 100);
    ck_assert_int_eq(sm.min, 152768);
    ck_assert_int_eq(sm.max, 152768);
    /* The guest computed 100 * 50 us, dom0 100 * 20 us. */
    ck_assert_int_eq(dstats(&x.r, "g").cpu_time_ns, 100 * 50 * US);
    ck_assert_int_eq(dstats(&x.r, "dom0").cpu_time_ns, 100 * 20 * US);
    struct disk_stats ds;
    ck_assert_int_eq(blk_dev_stats(x.b, 0, &ds), 0);
    ck_assert_uint_eq(ds.completed, 100);
    ck_assert_uint_eq(ds.queue_depth_max, 1);
    check_conservation(&x.r);
    xrig_down(&x);
}
END_TEST

/*
 * pt_batch records: 5 batches of 10 entries with 3 invalid, 2 of 4 with
 * none, looped off. mmu_updates 58, mmu_batches 7, mmu_rejected 15 (each
 * invalid entry maps a frame of dom0, MM_REJ_FOREIGN). CPU: hypercall 300
 * cycles = 150 ns, pte_validate 150 cycles = 75 ns at 2 GHz, so
 * mmu_validate_ns = 7 * 150 + 58 * 75 = 5400 ns, all of it guest CPU.
 */
START_TEST(pt_batch_exact)
{
    struct tr_record r[7];
    for (int i = 0; i < 7; i++)
        r[i] = (struct tr_record){ .t = i, .op = TR_PT_BATCH, .a = i < 5 ? 10 : 4,
                                   .b = i < 5 ? 3 : 0 };
    char w[1024], y[2048], err[512];
    snprintf(w, sizeof w, "{ type: trace, file: \"%s\" }", write_trace("pt.txt", 1, r, 7));
    struct xrig x;
    host_yaml(y, sizeof y, ZERO_COSTS ", hypercall: 300cycles, pte_validate: 150cycles", "", w);
    ck_assert_msg(xrig_up(&x, y, err, sizeof err) == 0, "%s", err);
    ck_assert_ptr_null(x.b);
    ck_assert_ptr_nonnull(x.m);
    rig_run(&x.r, 10 * MS);
    struct mm_dom_stats st;
    ck_assert_int_eq(mm_dom_stats(x.m, dom_index(x.r.s, "g"), &st), 0);
    ck_assert(st.has_mmu);
    ck_assert_uint_eq(st.updates, 58);
    ck_assert_uint_eq(st.batches, 7);
    ck_assert_uint_eq(st.rejected, 15);
    ck_assert_uint_eq(st.rejected_by[MM_REJ_FOREIGN], 15);
    ck_assert_uint_eq(st.applied, 43);
    ck_assert_int_eq(st.validate_ns, 5400);
    ck_assert_int_eq(dstats(&x.r, "g").cpu_time_ns, 5400);
    char msg[256];
    ck_assert_msg(mm_check_consistency(x.m, msg, sizeof msg) == 0, "%s", msg);
    xrig_down(&x);
}
END_TEST

/* The NIC's receive statistics of the host. */
static struct nic_stats nics(struct xrig *x)
{
    struct nic_stats ns;
    ck_assert_int_eq(net_dev_stats(x->n, 1, &ns), 0);
    return ns;
}

/*
 * Network records: the guest computes 100 us, sends 1500 B, sleeps 10 ms,
 * sends 500 B; packets of 1000 B arrive at 1, 2 and 5 ms. An arrival is
 * injected into the NIC at its timestamp and serialised at 1 Gbit/s in
 * 8000 ns, so the NIC has received i packets at t_i + 7999 and i + 1 at
 * t_i + 8000 exactly. Each passes netback and wakes the sleeping guest,
 * which consumes it and sleeps on (its sleep is not cut short): the second
 * send is put at 10.1 ms, not before (dom0 then spends 20 us on it and the
 * NIC 4000 ns). net_packets = 3 received + 2 sent, requests_completed = 2
 * sends on the wire, no net_latency samples, nothing left in the system.
 */
START_TEST(network_exact)
{
    struct tr_record r[] = {
        { .t = 0, .op = TR_COMPUTE, .a = 100 * US },
        { .t = 100 * US, .op = TR_NET_SEND, .a = 1500 },
        { .t = 200 * US, .op = TR_SLEEP, .a = 10 * MS },
        { .t = 1 * MS, .op = TR_ARRIVAL, .a = 1000 },
        { .t = 2 * MS, .op = TR_ARRIVAL, .a = 1000 },
        { .t = 5 * MS, .op = TR_ARRIVAL, .a = 1000 },
        { .t = 10200 * US, .op = TR_NET_SEND, .a = 500 },
    };
    char w[1024], y[2048], err[512];
    snprintf(w, sizeof w, "{ type: trace, nic: eth, file: \"%s\" }",
             write_trace("net.txt", 1, r, 7));
    struct xrig x;
    ck_assert_msg(xrig_up(&x, host_yaml(y, sizeof y, ZERO_COSTS, "", w), err, sizeof err) == 0,
                  "%s", err);
    ck_assert_ptr_null(x.b);
    const sim_time_t at[3] = { 1 * MS, 2 * MS, 5 * MS };
    for (int i = 0; i < 3; i++) {
        rig_run(&x.r, at[i] + 7999);
        ck_assert_uint_eq(nics(&x).rx.packets, (uint64_t)i);
        rig_run(&x.r, at[i] + 8000);
        ck_assert_uint_eq(nics(&x).rx.packets, (uint64_t)i + 1);
    }
    rig_run(&x.r, 10100 * US - 1);
    ck_assert_uint_eq(nics(&x).tx.packets, 1);
    rig_run(&x.r, 20 * MS);
    struct nic_stats ns = nics(&x);
    ck_assert_uint_eq(ns.rx.packets, 3);
    ck_assert_uint_eq(ns.rx.bytes, 3000);
    ck_assert_uint_eq(ns.tx.packets, 2);
    ck_assert_uint_eq(ns.tx.bytes, 2000);
    struct net_dom_stats st;
    ck_assert_int_eq(net_dom_stats(x.n, dom_index(x.r.s, "g"), &st), 0);
    ck_assert(st.has_server);
    ck_assert_uint_eq(st.net_packets, 5);
    ck_assert_uint_eq(st.requests_completed, 2);
    ck_assert_uint_eq(st.arrived_total, 3);
    ck_assert_uint_eq(st.in_system, 0);
    struct st_summary sm;
    st_rec_summary(net_dom_latency(x.n, dom_index(x.r.s, "g")), &sm);
    ck_assert_uint_eq(sm.count, 0);
    /* The guest computed only its 100 us. */
    ck_assert_int_eq(dstats(&x.r, "g").cpu_time_ns, 100 * US);
    check_conservation(&x.r);
    xrig_down(&x);
}
END_TEST

/*
 * A looped trace of 2 ms whose only record for the domain's arrivals is
 * one at 500 us (vCPU 0 just sleeps): arrivals at 0.5, 2.5, 4.5, ... ms
 * (the period is the trace's last time, 2 ms), so 5 in the first 10 ms.
 */
START_TEST(arrivals_loop)
{
    struct tr_record r[] = {
        { .t = 0, .op = TR_SLEEP, .a = 1 * MS },
        { .t = 500 * US, .op = TR_ARRIVAL, .a = 100 },
        { .t = 2 * MS, .op = TR_YIELD },
    };
    char w[1024], y[2048], err[512];
    snprintf(w, sizeof w, "{ type: trace, nic: eth, loop: true, file: \"%s\" }",
             write_trace("loop.txt", 1, r, 3));
    struct xrig x;
    ck_assert_msg(xrig_up(&x, host_yaml(y, sizeof y, ZERO_COSTS, "", w), err, sizeof err) == 0,
                  "%s", err);
    rig_run(&x.r, 10 * MS);
    ck_assert_uint_eq(nics(&x).rx.packets, 5);
    struct net_dom_stats st;
    ck_assert_int_eq(net_dom_stats(x.n, dom_index(x.r.s, "g"), &st), 0);
    ck_assert_uint_eq(st.arrived_total, 5);
    xrig_down(&x);
}
END_TEST

/* What the replay refuses when the host is built: block_io without a
 * device or of more than 1 GiB, an arrival without a nic; each message
 * names the domain, the record and the reason. */
START_TEST(refused_records)
{
    struct tr_record io = { .t = 0, .op = TR_BLOCK_IO, .a = 4096, .b = 0 };
    struct tr_record net = { .t = 0, .op = TR_ARRIVAL, .a = 1500 };
    struct tr_record big = { .t = 0, .op = TR_BLOCK_IO, .a = 2ull << 30, .b = 0 };
    struct {
        struct tr_record *rec;
        const char *dev, *want;
    } c[] = {
        { &io, "", "block I/O needs the workload's `device:` (a disk)" },
        { &net, ", device: ssd", "(vCPU 0), arrival: network records need the workload's "
                                 "`nic:` (a NIC)" },
        { &big, ", device: ssd", "block I/O must be of 1 B to 1 GiB" },
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        char w[1024], y[2048], err[512] = "";
        snprintf(w, sizeof w, "{ type: trace, file: \"%s\"%s }",
                 write_trace("bad.txt", 1, c[i].rec, 1), c[i].dev);
        host_yaml(y, sizeof y, ZERO_COSTS, "", w);
        struct xrig x;
        ck_assert_int_eq(xrig_up(&x, y, err, sizeof err), -SIM_EBADINPUT);
        ck_assert_msg(strstr(err, "domain 'g'") && strstr(err, c[i].want), "%s", err);
        xrig_down(&x);
    }
}
END_TEST

static struct hv_vcpu_stats vstats(struct xrig *x, int vcpu)
{
    struct hv_vcpu_stats vs;
    ck_assert_int_eq(hv_vcpu_stats(x->r.h, dom_index(x->r.s, "g"), vcpu, &vs), 0);
    return vs;
}

/*
 * Block I/O from two vCPUs at once (multi-queue blkfront): g has 2 vCPUs
 * on pCPUs 1 and 2 (dom0 on pCPU 0), each replays N = 50 block_io records
 * of 4 KiB back to back, through its own queue (ring + channel bound to it)
 * to the one flash disk (FIFO, service S = 132768 ns), with dom0's blkback
 * spending P = 20 us per request and zero other costs. Both issue at 0;
 * dom0 hands one request to the disk at P and the other at 2P, so the
 * first completes at P + S (latency P + S) and the second waits: P + 2S.
 * From then on each vCPU issues its next request the instant its response
 * is consumed, i.e. when the disk finishes its own request, and the
 * request reaches the disk P later, while the other vCPU's is still in
 * service (P < S): the disk never idles and every later request waits for
 * one service of the other vCPU's plus its own, latency 2S. The 2N
 * requests end at P + 2N * S = 13.2968 ms (the same records on one vCPU,
 * one at a time, would take 2N * (P + S) = 15.2768 ms): io_ops 100, disk
 * busy 2N * S, queue depth max 2, latency min P + S, max P + 2S, sum
 * (P + S) + (P + 2S) + 98 * 2S. Each vCPU was woken by its 50 responses.
 */
#define S_DISK 132768LL
START_TEST(block_io_two_vcpus)
{
    enum { N = 50 };
    struct tr_record r[2 * N];
    for (int i = 0; i < 2 * N; i++)
        r[i] = (struct tr_record){ .t = i, .vcpu = (uint16_t)(i % 2), .op = TR_BLOCK_IO,
                                   .a = 4096, .b = (uint64_t)i * 8 };
    char w[1024], y[2048], err[512];
    snprintf(w, sizeof w, "{ type: trace, device: ssd, file: \"%s\" }",
             write_trace("io2.txt", 2, r, 2 * N));
    struct xrig x;
    host_yaml_p(y, sizeof y, 3, ZERO_COSTS, "vcpus: 2, ", w);
    ck_assert_msg(xrig_up(&x, y, err, sizeof err) == 0, "%s", err);
    int g = dom_index(x.r.s, "g");
    ck_assert_int_eq(hv_vcpu_pcpu(x.r.h, g, 0), 1);
    ck_assert_int_eq(hv_vcpu_pcpu(x.r.h, g, 1), 2);
    const sim_time_t end = 20 * US + 2 * N * S_DISK;
    rig_run(&x.r, end - 1);
    struct blk_dom_stats st;
    ck_assert_int_eq(blk_dom_stats(x.b, g, &st), 0);
    ck_assert_uint_eq(st.io_ops, 2 * N - 1);
    rig_run(&x.r, end);
    ck_assert_int_eq(blk_dom_stats(x.b, g, &st), 0);
    ck_assert_uint_eq(st.io_ops, 2 * N);
    rig_run(&x.r, 100 * MS);
    ck_assert_int_eq(blk_dom_stats(x.b, g, &st), 0);
    ck_assert_uint_eq(st.io_ops, 2 * N);
    ck_assert_uint_eq(st.io_bytes, 2 * N * 4096);
    ck_assert_uint_eq(st.ring_full_stalls, 0);
    struct st_summary sm;
    st_rec_summary(blk_dom_io_latency(x.b, g), &sm);
    ck_assert_uint_eq(sm.count, 2 * N);
    ck_assert_int_eq(sm.min, 20 * US + S_DISK);
    ck_assert_int_eq(sm.max, 20 * US + 2 * S_DISK);
    ck_assert(sm.sum == (double)(40 * US + 3 * S_DISK + (2 * N - 2) * 2 * S_DISK));
    struct disk_stats ds;
    ck_assert_int_eq(blk_dev_stats(x.b, 0, &ds), 0);
    ck_assert_uint_eq(ds.completed, 2 * N);
    ck_assert_uint_eq(ds.queue_depth_max, 2);
    ck_assert_int_eq(ds.busy, 2 * N * S_DISK);
    ck_assert_uint_eq(vstats(&x, 0).wakeups, N);
    ck_assert_uint_eq(vstats(&x, 1).wakeups, N);
    ck_assert_int_eq(dstats(&x.r, "dom0").cpu_time_ns, 2 * N * 20 * US);
    check_conservation(&x.r);
    xrig_down(&x);
}
END_TEST

/*
 * A net_send from vCPU 2 of a three-vCPU trace domain (its own netfront
 * queue, port bound to vCPU 2; vCPU 1 has no records and no queue), each
 * vCPU on its own pCPU: vCPU 2 computes 100 us and sends 1500 B, computes
 * 1 ms and sends 500 B; vCPU 0 sleeps 10 ms and receives the arrival of
 * 1000 B at 1 ms. The first send reaches dom0 at 100 us, which spends
 * 20 us on it; the NIC serialises it in 12000 ns: on the wire at 132 us.
 * The arrival is received by 1008 us (8000 ns) and handed to vCPU 0 by
 * dom0 at 1028 us; the second send is on the wire at 1100 + 20 + 4 us.
 * Domain totals: net_packets 3, requests_completed 2, nothing left.
 */
START_TEST(net_send_vcpu2)
{
    struct tr_record r[] = {
        { .t = 0, .vcpu = 0, .op = TR_SLEEP, .a = 10 * MS },
        { .t = 0, .vcpu = 2, .op = TR_COMPUTE, .a = 100 * US },
        { .t = 100 * US, .vcpu = 2, .op = TR_NET_SEND, .a = 1500 },
        { .t = 100 * US, .vcpu = 2, .op = TR_COMPUTE, .a = 1 * MS },
        { .t = 1 * MS, .op = TR_ARRIVAL, .a = 1000 },
        { .t = 1100 * US, .vcpu = 2, .op = TR_NET_SEND, .a = 500 },
    };
    char w[1024], y[2048], err[512];
    snprintf(w, sizeof w, "{ type: trace, nic: eth, file: \"%s\" }",
             write_trace("send2.txt", 3, r, 6));
    struct xrig x;
    host_yaml_p(y, sizeof y, 4, ZERO_COSTS, "vcpus: 3, ", w);
    ck_assert_msg(xrig_up(&x, y, err, sizeof err) == 0, "%s", err);
    int g = dom_index(x.r.s, "g");
    ck_assert_int_eq(hv_vcpu_pcpu(x.r.h, g, 2), 3);
    /* g's ports: 1 VIRQ_TIMER, 2 queue 0 (vCPU 0), 3 queue of vCPU 2 */
    struct evtchn_port_info pi;
    ck_assert_int_eq(evtchn_port_info(hv_evtchn(x.r.h), g, 2, &pi), 0);
    ck_assert_int_eq(pi.state, EVTCHN_INTERDOMAIN);
    ck_assert_int_eq(pi.vcpu, 0);
    ck_assert_int_eq(evtchn_port_info(hv_evtchn(x.r.h), g, 3, &pi), 0);
    ck_assert_int_eq(pi.state, EVTCHN_INTERDOMAIN);
    ck_assert_int_eq(pi.vcpu, 2);
    rig_run(&x.r, 132 * US - 1);
    ck_assert_uint_eq(nics(&x).tx.packets, 0);
    rig_run(&x.r, 132 * US);
    ck_assert_uint_eq(nics(&x).tx.packets, 1);
    rig_run(&x.r, 1008 * US - 1);
    ck_assert_uint_eq(nics(&x).rx.packets, 0);
    rig_run(&x.r, 1028 * US - 1);
    ck_assert_uint_eq(vstats(&x, 0).wakeups, 0);
    rig_run(&x.r, 1028 * US);
    ck_assert_uint_eq(vstats(&x, 0).wakeups, 1);
    rig_run(&x.r, 1124 * US - 1);
    ck_assert_uint_eq(nics(&x).tx.packets, 1);
    rig_run(&x.r, 1124 * US);
    ck_assert_uint_eq(nics(&x).tx.packets, 2);
    rig_run(&x.r, 20 * MS);
    struct nic_stats ns = nics(&x);
    ck_assert_uint_eq(ns.rx.packets, 1);
    ck_assert_uint_eq(ns.tx.packets, 2);
    ck_assert_uint_eq(ns.tx.bytes, 2000);
    struct net_dom_stats st;
    ck_assert_int_eq(net_dom_stats(x.n, g, &st), 0);
    ck_assert_uint_eq(st.net_packets, 3);
    ck_assert_uint_eq(st.requests_completed, 2);
    ck_assert_uint_eq(st.arrived_total, 1);
    ck_assert_uint_eq(st.in_system, 0);
    ck_assert_int_eq(vstats(&x, 2).cpu_time_ns, 1100 * US);
    ck_assert_int_eq(vstats(&x, 1).cpu_time_ns, 0);
    check_conservation(&x.r);
    xrig_down(&x);
}
END_TEST

static Suite *replay_suite(void)
{
    Suite *s = suite_create("replay");
    TCase *tc = xs_tcase(s, "models", 60);
    tcase_add_unchecked_fixture(tc, setup, tmpdb_remove);
    tcase_add_test(tc, block_io_exact);
    tcase_add_test(tc, pt_batch_exact);
    tcase_add_test(tc, network_exact);
    tcase_add_test(tc, arrivals_loop);
    tcase_add_test(tc, refused_records);
    tcase_add_test(tc, block_io_two_vcpus);
    tcase_add_test(tc, net_send_vcpu2);
    return s;
}

XS_CHECK_MAIN(replay_suite)
