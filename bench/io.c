/*
 * bench/io.c: the I/O-heavy end-to-end benchmark (docs/performance.md):
 * events per second and peak memory of a whole simulated host whose events
 * are dominated by the I/O path (split block and network drivers, event
 * channels, I/O rings, disks, NICs, page-table validation), under each
 * scheduler, next to a CPU-only host of the same size in the same run.
 * Target: at least 2 million events per second on one core.
 *
 * The I/O host: 8 pCPUs, 84 domains, no warm-up, 5 s simulated.
 *   dom0     privileged, backend per_request 5us: serves the 6 disks;
 *   netdrv   privileged, backend per_request 3us: serves the 2 NICs (a
 *            separate network driver domain, `driver: netdrv`);
 *   ssd0..3  flash: 80 us latency, 500 MB/s, elevator queue, 64-slot ring;
 *   hdd0     spinning: 4 ms seek, 10000 rpm, 120 MB/s, elevator;
 *   hdd1     spinning: 8 ms seek, 7200 rpm, 100 MB/s, fifo;
 *   nic0     10 Gbit/s, 10 us wire latency; nic1 1 Gbit/s, 50 us;
 *   ssdrK.*  4 x 8 random 4 KiB readers, depth 4, think Exp(200 us), on ssdK;
 *   ssdwK.*  4 x 2 sequential 64 KiB writers, depth 2, think Exp(1 ms);
 *   hddr.*   4 random 16 KiB readers on hdd0, depth 2, think Exp(5 ms);
 *   hddw.*   2 sequential 256 KiB writers on hdd1, depth 1, think Exp(1 ms);
 *   srv0.*   16 servers on nic0: arrivals Exp(500 us), service Exp(20 us),
 *            1 KiB replies;
 *   srv1.*   8 servers on nic1: arrivals Exp(2 ms), service Exp(50 us),
 *            4 KiB replies;
 *   mmu.*    8 page-table updaters: every Exp(1 ms), 32 updates in
 *            batches of 8, 1% invalid;
 *   hog.*    4 CPU hogs (type cpu).
 * The readers could keep every disk busy (a flash disk serves ~11000 4 KiB
 * reads per second, one at a time), so the I/O rate is set by how soon the
 * scheduler runs the driver domains: under BVT the disks are saturated,
 * under RR and Atropos dom0 waits behind the hogs and the flash disks idle
 * 66-77% of the time, so the event count differs by scheduler.
 * Atropos reservations: driver domains 5 ms per 10 ms with 500 us latency,
 * guests 1 ms per 10 ms (hogs 5 ms per 100 ms), all with xtratime; BVT
 * weights are the defaults.
 *
 * The CPU-only host of the same size (lines prefixed `cpu`): 8 pCPUs, 84
 * domains, the same costs and clock, no devices: 4 CPU hogs, 2 hogs that
 * yield every 1 ms (where the driver domains were) and 78 periodic domains
 * (the guests) with periods of 1, 2, 5 and 10 ms and exponential bursts of
 * mean 3% of the period. Same method as bench/e2e's host, at this size.
 * It dispatches a quarter to an eighth of the I/O host's events per
 * simulated second, so it is simulated 10 times longer (50 s by default):
 * both then dispatch 2-7 million events per run.
 *
 * Method (bench/e2e's, through bench/bench_util.c): each scenario is
 * generated as YAML in memory, read by scn_load_buffer and simulated by
 * the real run driver (run_replication, db = NULL: no results database),
 * so the figures include everything `xensim run` does except writing
 * SQLite rows; each simulation runs in a forked child that reports its own
 * getrusage peak RSS; wall time is the median of R identical rounds.
 *
 * Figures:
 *   memory empty peak_rss_kb=Z                      (the floor of a child)
 *   scheduler=S events=N sim_s=D wall_s=X events_per_s=Y peak_rss_kb=Z
 *       rounds=R events_per_s_min=A events_per_s_max=B       (the I/O host)
 *   cpu scheduler=S events=N sim_s=10D ...  (the CPU-only host, same fields)
 *   memory scheduler=bvt sim_s=D peak_rss_kb=Z       (the I/O host, BVT, for
 *       D/3, D and 10 D, each in its own child: memory against duration)
 * events are the engine's events dispatched (ev_dispatched), wall_s the
 * wall-clock time of the simulation proper (run_result.wall_s),
 * events_per_s = events / wall_s. The I/O host's peak RSS (~30 MB)
 * includes the memory model's frame tables of the mmu domains, 28 B per
 * 4 KiB of their memory (models/mm builds them only for domains whose
 * frames change): it depends on the modelled memory, not on the duration.
 *
 * Usage: bench/io [-d SECONDS] [-r ROUNDS] [-s SCHED]... [-C] [-M] [-p|-P]
 *   -d  simulated seconds (default 5); -r  rounds per scheduler (default 5);
 *   -s  only this scheduler (repeatable); -C  skip the CPU-only host;
 *   -M  skip the memory-against-duration runs; -p  print the I/O host's
 *   YAML (for the first scheduler) and exit, -P  the CPU-only host's.
 * Exit status 0, 1 if a run failed, 2 for a usage error.
 *
 * Simplified: one process at a time on whatever else the machine does; no
 * SQLite writing in the timing; the I/O figures (operations, packets) are
 * not printed, as run_replication keeps them only in the results database
 * (run the printed scenario with `xensim run` to see them).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "bench/bench_util.h"

#define NSSD 4                      /* flash disks ssd0 .. ssd3 */
/* The CPU-only host dispatches 4-8x fewer events per simulated second than
 * the I/O host; simulating it 10x longer gives both a few million events
 * per run, so their wall times are comparable. */
#define CPU_DUR_FACTOR 10

/* The part both hosts share: header, machine and scheduler. */
static int append_head(char **y, size_t *len, size_t *cap, const char *name,
                       const char *desc, const char *sched, double dur_s)
{
    return bench_appendf(y, len, cap,
                         "name: %s\n"
                         "description: %s\n"
                         "seed: 1\n"
                         "duration: %gs\n"
                         "warmup: 0s\n"
                         "machine:\n"
                         "  pcpus: 8\n"
                         "  clock: { tsc_hz: 2.4GHz, timer_slop: 50us, apic_timer_hz: 100MHz }\n"
                         "  costs: { context_switch: 3us, hypercall: 300cycles, upcall: 1us, "
                         "pte_validate: 150cycles, cache_refill: 0us }\n"
                         "scheduler:\n"
                         "  name: %s\n"
                         "  rr: { slice: 10ms }\n"
                         "  bvt: { ctx_allow: 5ms }\n",
                         name, desc, dur_s, bench_sched_yaml(sched));
}

/* One group of guests: COUNT domains with workload WL (a flow mapping) and
 * the guests' Atropos reservation. */
static int append_guests(char **y, size_t *len, size_t *cap, const char *name, int count,
                         const char *wl)
{
    return bench_appendf(y, len, cap,
                         "  %s:\n"
                         "    count: %d\n"
                         "    workload: %s\n"
                         "    sched: { atropos: { period: 10ms, slice: 1ms, latency: 10ms, "
                         "xtratime: true } }\n",
                         name, count, wl);
}

/* The YAML text of the I/O host under sched for dur_s seconds; malloc'ed. */
static char *io_yaml(const char *sched, double dur_s)
{
    char *y = NULL, wl[256];
    size_t len = 0, cap = 0;
    int rc = append_head(&y, &len, &cap, "io-bench",
                         "8 pCPUs, 2 driver domains, 6 disks, 2 NICs, 82 guests, mostly I/O.",
                         sched, dur_s);
    rc |= bench_appendf(&y, &len, &cap, "devices:\n");
    for (int k = 0; k < NSSD && !rc; k++)
        rc |= bench_appendf(&y, &len, &cap,
                            "  ssd%d: { kind: disk, latency: 80us, bandwidth: 500MB/s, "
                            "queue: elevator, ring: 64 }\n", k);
    rc |= bench_appendf(&y, &len, &cap,
                        "  hdd0: { kind: disk, seek: 4ms, rpm: 10000, bandwidth: 120MB/s, "
                        "queue: elevator }\n"
                        "  hdd1: { kind: disk, seek: 8ms, rpm: 7200, bandwidth: 100MB/s, "
                        "queue: fifo }\n"
                        "  nic0: { kind: nic, bandwidth: 10Gbit/s, latency: 10us, "
                        "driver: netdrv }\n"
                        "  nic1: { kind: nic, bandwidth: 1Gbit/s, latency: 50us, "
                        "driver: netdrv }\n"
                        "domains:\n"
                        "  dom0:\n"
                        "    privileged: true\n"
                        "    memory: 1GiB\n"
                        "    backend: { per_request: 5us }\n"
                        "    sched: { atropos: { period: 10ms, slice: 5ms, latency: 500us, "
                        "xtratime: true } }\n"
                        "  netdrv:\n"
                        "    privileged: true\n"
                        "    memory: 512MiB\n"
                        "    backend: { per_request: 3us }\n"
                        "    sched: { atropos: { period: 10ms, slice: 5ms, latency: 500us, "
                        "xtratime: true } }\n");
    for (int k = 0; k < NSSD && !rc; k++) {
        char name[16];
        snprintf(name, sizeof name, "ssdr%d", k);
        snprintf(wl, sizeof wl,
                 "{ type: io, device: ssd%d, op: read, size: 4KiB, depth: 4, pattern: random, "
                 "think: { dist: exponential, mean: 200us } }", k);
        rc |= append_guests(&y, &len, &cap, name, 8, wl);
        snprintf(name, sizeof name, "ssdw%d", k);
        snprintf(wl, sizeof wl,
                 "{ type: io, device: ssd%d, op: write, size: 64KiB, depth: 2, "
                 "pattern: sequential, think: { dist: exponential, mean: 1ms } }", k);
        rc |= append_guests(&y, &len, &cap, name, 2, wl);
    }
    rc |= append_guests(&y, &len, &cap, "hddr", 4,
                        "{ type: io, device: hdd0, op: read, size: 16KiB, depth: 2, "
                        "pattern: random, think: { dist: exponential, mean: 5ms } }");
    rc |= append_guests(&y, &len, &cap, "hddw", 2,
                        "{ type: io, device: hdd1, op: write, size: 256KiB, depth: 1, "
                        "pattern: sequential, think: { dist: exponential, mean: 1ms } }");
    rc |= append_guests(&y, &len, &cap, "srv0", 16,
                        "{ type: server, device: nic0, arrival: { dist: exponential, "
                        "mean: 500us }, service: { dist: exponential, mean: 20us }, "
                        "reply_size: 1KiB }");
    rc |= append_guests(&y, &len, &cap, "srv1", 8,
                        "{ type: server, device: nic1, arrival: { dist: exponential, "
                        "mean: 2ms }, service: { dist: exponential, mean: 50us }, "
                        "reply_size: 4KiB }");
    rc |= append_guests(&y, &len, &cap, "mmu", 8,
                        "{ type: mmu, interval: { dist: exponential, mean: 1ms }, "
                        "updates: 32, batch: 8, invalid: 0.01 }");
    rc |= bench_appendf(&y, &len, &cap,
                        "  hog:\n"
                        "    count: 4\n"
                        "    workload: { type: cpu }\n"
                        "    sched: { atropos: { period: 100ms, slice: 5ms, latency: 100ms, "
                        "xtratime: true } }\n");
    if (rc) {
        free(y);
        return NULL;
    }
    return y;
}

/* The YAML text of the CPU-only host of the same size; malloc'ed. */
static char *cpu_yaml(const char *sched, double dur_s)
{
    static const struct {
        const char *name;
        int count, period_ms;
    } per[] = { { "p1", 20, 1 }, { "p2", 20, 2 }, { "p5", 20, 5 }, { "p10", 18, 10 } };
    char *y = NULL;
    size_t len = 0, cap = 0;
    int rc = append_head(&y, &len, &cap, "io-bench-cpu",
                         "8 pCPUs, 84 domains, the CPU-only counterpart of io-bench.",
                         sched, dur_s);
    rc |= bench_appendf(&y, &len, &cap,
                        "domains:\n"
                        "  hog:\n"
                        "    count: 4\n"
                        "    workload: { type: cpu }\n"
                        "    sched: { atropos: { period: 100ms, slice: 5ms, latency: 100ms, "
                        "xtratime: true } }\n"
                        "  yhog:\n"
                        "    count: 2\n"
                        "    workload: { type: cpu, yield_every: 1ms }\n"
                        "    sched: { atropos: { period: 100ms, slice: 5ms, latency: 100ms, "
                        "xtratime: true } }\n");
    for (size_t i = 0; i < sizeof per / sizeof per[0] && !rc; i++) {
        int p = per[i].period_ms;
        /* Mean burst 3% of the period (in us), reservation twice that. */
        rc |= bench_appendf(&y, &len, &cap,
                            "  %s:\n"
                            "    count: %d\n"
                            "    workload: { type: periodic, period: %dms, "
                            "burst: { dist: exponential, mean: %dus } }\n"
                            "    sched: { atropos: { period: %dms, slice: %dus, latency: %dms, "
                            "xtratime: true } }\n",
                            per[i].name, per[i].count, p, p * 30, p, p * 60, p);
    }
    if (rc) {
        free(y);
        return NULL;
    }
    return y;
}

/* ---- driver ---- */

static int run_one(bench_yaml_fn *yaml, const char *prefix, const char *sched, double dur_s,
                   int rounds, bool mem_only)
{
    struct bench_sim sim = {
        .yaml = yaml, .file = yaml == io_yaml ? "io.yaml" : "io-cpu.yaml", .prefix = prefix,
        .sched = sched, .dur_s = dur_s, .rounds = rounds, .mem_only = mem_only,
    };
    return bench_in_child(&sim);
}

static int usage(const char *argv0)
{
    fprintf(stderr, "usage: %s [-d SECONDS] [-r ROUNDS] [-s rr|bvt|atropos|credit]... [-C] [-M] "
            "[-p|-P]\n", argv0);
    return 2;
}

int main(int argc, char **argv)
{
    struct bench_opts o = { .dur_s = 5, .rounds = 5, .mem_series = true };
    bool cpu_host = true;
    bench_yaml_fn *print = NULL;

    bench_prog = "io";
    gsl_set_error_handler_off();
    for (int i = 1; i < argc; i++) {
        int rc = bench_parse_opt(argc, argv, &i, &o, 1e5);
        if (rc < 0)
            return usage(argv[0]);
        if (rc > 0)
            continue;
        if (!strcmp(argv[i], "-C"))
            cpu_host = false;
        else if (!strcmp(argv[i], "-p"))
            print = io_yaml;
        else if (!strcmp(argv[i], "-P"))
            print = cpu_yaml;
        else
            return usage(argv[0]);
    }
    bench_default_scheds(&o);
    if (print)
        return bench_print_yaml(print, &o);

    int failed = 0;
    failed |= bench_in_child(&(struct bench_sim){ .sched = NULL });
    for (int i = 0; i < o.nscheds; i++)
        failed |= run_one(io_yaml, NULL, o.scheds[i], o.dur_s, o.rounds, false);
    for (int i = 0; cpu_host && i < o.nscheds; i++)
        failed |= run_one(cpu_yaml, "cpu", o.scheds[i], o.dur_s * CPU_DUR_FACTOR, o.rounds,
                          false);
    if (o.mem_series) {
        failed |= run_one(io_yaml, NULL, "bvt", o.dur_s / 3, 1, true);
        failed |= run_one(io_yaml, NULL, "bvt", o.dur_s, 1, true);
        failed |= run_one(io_yaml, NULL, "bvt", o.dur_s * 10, 1, true);
    }
    return failed ? 1 : 0;
}
