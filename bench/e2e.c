/*
 * bench/e2e.c: the end-to-end scenario benchmark (docs/performance.md):
 * events per second and peak memory of a whole simulated host, under each
 * scheduler, next to the hold-model baseline of the same build.
 *
 * The host: 16 pCPUs, 256 domains, no warm-up, 60 s simulated.
 *   hog.*   48 CPU hogs (type cpu);
 *   yhog.*  16 CPU hogs that yield every 1 ms (type cpu, yield_every);
 *   p5.* p10.* p20.* p50.*  4 x 48 periodic domains with periods 5, 10,
 *           20 and 50 ms and exponential bursts of mean 3% of the period,
 *           so the 192 of them want 5.8 of the 16 pCPUs and the hogs take
 *           the rest: every pCPU is busy, with 16 vCPUs placed on it
 *           (3 hogs, 1 yielding hog, 12 periodic).
 * Each periodic domain has an Atropos reservation of twice its mean burst
 * per period (hogs 5 ms per 100 ms); BVT weights are the defaults.
 * The scenario is generated as YAML in memory and read by scn_load_buffer,
 * then simulated by the real run driver (run_replication, db = NULL: no
 * results database), so the figures include everything `xensim run` does
 * except writing SQLite rows. The child, rounds and median machinery is
 * bench/bench_util.c, shared with the I/O-heavy benchmark bench/io.
 *
 * Figures, one line per scheduler:
 *   scheduler=S events=N sim_s=D wall_s=X events_per_s=Y peak_rss_kb=Z
 *       rounds=R events_per_s_min=A events_per_s_max=B
 * events are the engine's events dispatched (ev_dispatched), wall_s the
 * wall-clock time of the simulation proper (run_result.wall_s: building
 * the host and collecting statistics excluded), the median of R identical
 * rounds (a run lasts well under a second, so a shared machine moves single
 * figures by tens of percent; min and max show by how much), and
 * events_per_s = events / wall_s. Every round must dispatch the same number
 * of events (the runs are deterministic). peak_rss_kb is the process's
 * getrusage(RUSAGE_SELF).ru_maxrss. That peak is process-wide, so every
 * simulation runs in a forked child of a small parent and reports its own
 * figure; `memory empty` is the peak of a child that does nothing, the
 * floor every other figure includes (libraries, the parent's pages).
 * Memory against duration: bvt again for D/3, D and 10 D (20, 60 and
 * 600 s by default), each in its own child:
 *   memory scheduler=bvt sim_s=D peak_rss_kb=Z
 * (the third point because memory is bounded rather than constant: each
 * domain keeps up to 8192 raw sched_latency samples, 64 KiB, for exact
 * percentiles, and the 50 ms periodic domains reach that cap only after
 * ~410 s; see docs/performance.md).
 * Baseline: the hold model (bench/hold.c's method, written again here) on
 * the engine API: N events pending, each dispatched event schedules one at
 * now + Exp(1000 ns) from a fixed table, median of 7 rounds:
 *   baseline hold pending=N ns_per_event=X events_per_s=Y
 * N = 1000 first, then each scheduler's cost in those holds (the median
 * wall time per event over the median hold; target at most 3):
 *   holds scheduler=S ns_per_event=E hold_ns_per_event=H holds_per_event=E/H
 * then N = 10000 last.
 *
 * Usage: bench/e2e [-d SECONDS] [-r ROUNDS] [-s SCHED]... [-M] [-p]
 *   -d  simulated seconds (default 60); -r  rounds per scheduler (default 5);
 *   -s  only this scheduler (repeatable);
 *   -M  skip the memory-against-duration runs; -p  print the scenario's
 *   YAML (for the first scheduler) and exit, e.g. to `xensim run` it.
 * Exit status 0, 1 if a run failed, 2 for a usage error.
 *
 * Simplified: one process at a time on whatever else the machine does
 * (docs/performance.md notes the load); no SQLite writing in the timing.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gsl/gsl_errno.h>

#include "bench/bench_util.h"
#include "sim/ev.h"


/* ---- the scenario ---- */

/* The YAML text of the benchmark host, simulated for dur_s seconds under
 * sched; malloc'ed. */
static char *make_yaml(const char *sched, double dur_s)
{
    static const struct {
        const char *name;
        int period_ms;
    } per[] = { { "p5", 5 }, { "p10", 10 }, { "p20", 20 }, { "p50", 50 } };
    size_t cap = 16384, len = 0;     /* the arinc653 schedule adds ~3 kB */
    char *y = malloc(cap);
    if (!y)
        return NULL;
#define APPEND(...) \
    (len += (size_t)snprintf(y + len, len < cap ? cap - len : 0, __VA_ARGS__))
    APPEND("name: e2e-bench\n"
           "description: 16 pCPUs, 64 CPU hogs and 192 periodic domains.\n"
           "seed: 1\n"
           "duration: %gs\n"
           "warmup: 0s\n"
           "machine:\n"
           "  pcpus: 16\n"
           "  clock: { tsc_hz: 2.4GHz, timer_slop: 50us, apic_timer_hz: 100MHz }\n"
           "  costs: { context_switch: 3us, cache_refill: 0us }\n"
           "scheduler:\n"
           "  name: %s\n"
           "  rr: { slice: 10ms }\n"
           "  bvt: { ctx_allow: 5ms }\n", dur_s, bench_sched_yaml(sched));
    if (!strcmp(sched, "arinc653")) {
        /* A schedule over the 64 hogs, 1 ms each: without one only a
         * privileged domain would run, and this host has none. */
        APPEND("  arinc653:\n    major_frame: 64ms\n    minor_frames:\n");
        for (int i = 0; i < 64; i++)
            APPEND("      - { domain: %s.%d, runtime: 1ms }\n", i < 48 ? "hog" : "yhog",
                   i < 48 ? i : i - 48);
    }
    APPEND("domains:\n"
           "  hog:\n"
           "    count: 48\n"
           "    workload: { type: cpu }\n"
           "    sched: { atropos: { period: 100ms, slice: 5ms, latency: 100ms, xtratime: true } }\n"
           "  yhog:\n"
           "    count: 16\n"
           "    workload: { type: cpu, yield_every: 1ms }\n"
           "    sched: { atropos: { period: 100ms, slice: 5ms, latency: 100ms, xtratime: true } }\n");
    for (size_t i = 0; i < sizeof per / sizeof per[0]; i++) {
        int p = per[i].period_ms;
        /* Mean burst 3% of the period (in us), reservation twice that. */
        APPEND("  %s:\n"
               "    count: 48\n"
               "    workload: { type: periodic, period: %dms, burst: { dist: exponential, mean: %dus } }\n"
               "    sched: { atropos: { period: %dms, slice: %dus, latency: %dms, xtratime: true } }\n",
               per[i].name, p, p * 30, p, p * 60, p);
    }
#undef APPEND
    if (len >= cap) {
        free(y);
        return NULL;
    }
    return y;
}

/* One simulation of the host in its own child (bench/bench_util.h); sched
 * NULL: the empty child, the memory floor. */
static int in_child(const char *sched, double dur_s, int rounds, bool mem_only, double hold_ns)
{
    struct bench_sim sim = { .yaml = make_yaml, .file = "e2e.yaml", .sched = sched,
                             .dur_s = dur_s, .rounds = rounds, .mem_only = mem_only,
                             .hold_ns = hold_ns };
    return bench_in_child(&sim);
}

/* ---- hold-model baseline (bench/hold.c's method) ---- */

#define TABLE_SIZE (1u << 16)
#define HOLD_MEAN_NS 1000.0
#define HOLD_ROUNDS 7

static sim_time_t incr[TABLE_SIZE];     /* ns, exponential(HOLD_MEAN_NS) */

struct hold {
    struct ev_loop *loop;
    uint64_t left;                      /* holds still to do in this round */
    uint32_t k;                         /* index into incr[] */
    int err;                            /* first ev_at failure */
};

static void hold_cb(void *arg)
{
    struct hold *h = arg;
    sim_time_t t = ev_now(h->loop) + incr[h->k++ & (TABLE_SIZE - 1)];
    int rc = ev_at(h->loop, t, hold_cb, h, NULL);
    if (rc && !h->err)
        h->err = rc;
    if (--h->left == 0)
        ev_stop(h->loop);
}

/* Prints the baseline line; 0 and the median ns per hold in *ns_out, or -1. */
static int baseline(uint32_t pending, uint64_t per_round, double *ns_out)
{
    uint64_t x = 0x9e3779b97f4a7c15ull;  /* fixed seed, as bench/hold */
    for (unsigned i = 0; i < TABLE_SIZE; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        double u = ((double)(x >> 11) + 0.5) * (1.0 / 9007199254740992.0);
        incr[i] = (sim_time_t)llround(-HOLD_MEAN_NS * log(u));
    }
    struct hold h = { .loop = ev_loop_new() };
    if (!h.loop) {
        fprintf(stderr, "e2e: out of memory\n");
        return -1;
    }
    for (uint32_t i = 0; i < pending; i++) {
        if (ev_at(h.loop, incr[i & (TABLE_SIZE - 1)], hold_cb, &h, NULL)) {
            fprintf(stderr, "e2e: ev_at failed\n");
            ev_loop_free(h.loop);
            return -1;
        }
    }
    h.k = pending;
    h.left = pending;                   /* warm-up */
    ev_run(h.loop, SIM_TIME_MAX);
    double ns[HOLD_ROUNDS];
    for (int r = 0; r < HOLD_ROUNDS; r++) {
        h.left = per_round;
        double t0 = bench_now_s();
        ev_run(h.loop, SIM_TIME_MAX);
        ns[r] = (bench_now_s() - t0) * 1e9 / (double)per_round;
    }
    int err = h.err || ev_pending(h.loop) != pending;
    ev_loop_free(h.loop);
    if (err) {
        fprintf(stderr, "e2e: hold baseline lost events\n");
        return -1;
    }
    qsort(ns, HOLD_ROUNDS, sizeof ns[0], bench_cmp_double);
    double med = ns[HOLD_ROUNDS / 2];
    printf("baseline hold pending=%u ns_per_event=%.1f events_per_s=%.0f\n", pending, med,
           1e9 / med);
    fflush(stdout);
    *ns_out = med;
    return 0;
}

/* The baseline in a forked child, which prints its line and passes its
 * median back through a pipe, so that the hold table and queue never add
 * to the peak RSS of the simulation children forked after it. */
static int baseline_in_child(uint32_t pending, uint64_t per_round, double *ns_out)
{
    int fd[2];
    if (pipe(fd) < 0) {
        perror("e2e: pipe");
        return -1;
    }
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        perror("e2e: fork");
        close(fd[0]);
        close(fd[1]);
        return -1;
    }
    if (pid == 0) {
        close(fd[0]);
        double ns = 0;
        int rc = baseline(pending, per_round, &ns);
        fflush(stdout);
        _exit(rc == 0 && write(fd[1], &ns, sizeof ns) == (ssize_t)sizeof ns ? 0 : 1);
    }
    close(fd[1]);
    double ns = 0;
    ssize_t n = read(fd[0], &ns, sizeof ns);
    close(fd[0]);
    int st;
    if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0
        || n != (ssize_t)sizeof ns)
        return -1;
    *ns_out = ns;
    return 0;
}

/* ---- driver ---- */

static int usage(const char *argv0)
{
    fprintf(stderr, "usage: %s [-d SECONDS] [-r ROUNDS] [-s rr|bvt|atropos|credit]... [-M] [-p]\n",
            argv0);
    return 2;
}

int main(int argc, char **argv)
{
    struct bench_opts o = { .dur_s = 60, .rounds = 5, .mem_series = true };
    bool print = false;

    bench_prog = "e2e";
    gsl_set_error_handler_off();
    for (int i = 1; i < argc; i++) {
        int rc = bench_parse_opt(argc, argv, &i, &o, 1e6);
        if (rc < 0)
            return usage(argv[0]);
        if (rc > 0)
            continue;
        if (!strcmp(argv[i], "-p"))
            print = true;
        else
            return usage(argv[0]);
    }
    bench_default_scheds(&o);
    if (print)
        return bench_print_yaml(make_yaml, &o);

    /* The engine alone at 10^3 and 10^4 pending events. The host itself keeps
     * only ~24 events pending on the engine (the clock queues each pCPU's
     * timers apart), where a hold is cheaper still (bench/hold 32). The
     * 10^3 one runs first: each scheduler's cost is also given in those
     * holds (the holds line), measured in the same process, so under the
     * same load. */
    int failed = 0;
    double hold_ns = 0, hold_ns_1e4;
    failed |= baseline_in_child(1000, 2000000, &hold_ns);
    failed |= in_child(NULL, 0, 0, true, 0);
    for (int i = 0; i < o.nscheds; i++)
        failed |= in_child(o.scheds[i], o.dur_s, o.rounds, false, hold_ns);
    if (o.mem_series) {
        failed |= in_child("bvt", o.dur_s / 3, 1, true, 0);
        failed |= in_child("bvt", o.dur_s, 1, true, 0);
        failed |= in_child("bvt", o.dur_s * 10, 1, true, 0);
    }
    failed |= baseline(10000, 2000000, &hold_ns_1e4);
    return failed ? 1 : 0;
}
