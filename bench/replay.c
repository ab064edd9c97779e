/*
 * bench/replay.c: trace replay throughput and memory (docs/performance.md,
 * "Trace replay"): how many native trace records per second the `trace`
 * workload feeds into a whole simulated host, and whether peak memory
 * depends on the trace's length. Target: at least 5 million records per
 * second on one core; a 10x longer trace within 10% of the memory.
 *
 * The trace: D domains of one vCPU each (default 4), written with
 * tr_writer in binary; each vCPU's records alternate 9 COMPUTE of 20 us
 * with 1 SLEEP of 50 us (the mix of a CPU-bound guest that waits now and
 * then). The host: D pCPUs, one domain each (so replay, not queueing
 * behind other domains, is measured), no warm-up, a duration long enough
 * for every record to be replayed; the scenario is YAML in memory,
 * simulated by the real run driver (run_replication, no database).
 *
 * Figures, one line each (the simulation in a forked child, so that its
 * getrusage peak RSS is its own; wall time is the median of R rounds and
 * covers the simulation proper, run_result.wall_s):
 *   replay records=N domains=D sim_s=S wall_s=X records_per_s=Y
 *       events=E peak_rss_kb=Z rounds=R
 * for N records, then 10 N records (one round) for the memory comparison,
 * and a line `memory ratio=M` (peak RSS at 10 N over peak RSS at N).
 * records_per_s counts every record of the trace: each domain replays its
 * own records and skips the others' (one streamed reader per vCPU), so
 * the figure includes that filtering.
 *
 * Usage: bench/replay [-n RECORDS] [-D DOMAINS] [-r ROUNDS]
 *   defaults: 2000000 records, 4 domains, 5 rounds. The trace files go to
 *   $TMPDIR (or /tmp) and are removed at the end.
 */
#include <gsl/gsl_errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/bench_util.h"
#include "analysis/record.h"
#include "sim/host/run.h"
#include "sim/scenario.h"
#include "traces/trace.h"

#define COMPUTE_NS 20000            /* ns per COMPUTE record */
#define SLEEP_NS 50000              /* ns per SLEEP record */
#define PER_SLEEP 10                /* one SLEEP every this many records */

/* Write n records over d single-vCPU domains, round robin, time-ordered. */
static int make_trace(const char *path, uint64_t n, int d, sim_time_t *span)
{
    struct tr_domain *doms = calloc((size_t)d, sizeof *doms);
    if (!doms)
        return -1;
    for (int i = 0; i < d; i++) {
        snprintf(doms[i].name, sizeof doms[i].name, "g%d", i);
        doms[i].vcpus = 1;
    }
    struct tr_header h = { .version = TR_VERSION, .clock_hz = 2400000000u,
                           .ndomains = (uint32_t)d, .domains = doms };
    snprintf(h.source, sizeof h.source, "bench/replay");
    char err[512];
    struct tr_writer *w = tr_writer_open(path, &h, TR_BINARY, err, sizeof err);
    free(doms);
    if (!w) {
        fprintf(stderr, "replay: %s\n", err);
        return -1;
    }
    sim_time_t t = 0;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t k = i / (uint64_t)d;       /* the k-th record of its domain */
        bool sleep = k % PER_SLEEP == PER_SLEEP - 1;
        struct tr_record r = { .t = t, .dom = (uint16_t)(i % (uint64_t)d),
                               .op = sleep ? TR_SLEEP : TR_COMPUTE,
                               .a = sleep ? SLEEP_NS : COMPUTE_NS };
        if (tr_write(w, &r) < 0) {
            tr_writer_close(w);
            return -1;
        }
        if ((i + 1) % (uint64_t)d == 0)
            t += sleep ? SLEEP_NS : COMPUTE_NS;
    }
    *span = t;
    return tr_writer_close(w) < 0 ? -1 : 0;
}

static char *make_yaml(const char *trace, int d, double sim_s)
{
    char *y = NULL;
    size_t len = 0, cap = 0;
    int rc = bench_appendf(&y, &len, &cap,
                           "name: replay-bench\nseed: 1\nduration: %.6fs\nwarmup: 0s\n"
                           "machine:\n  pcpus: %d\n"
                           "  costs: { context_switch: 3us, upcall: 1us, cache_refill: 0us }\n"
                           "scheduler: { name: rr }\ndomains:\n", sim_s, d);
    for (int i = 0; rc == 0 && i < d; i++)
        rc = bench_appendf(&y, &len, &cap,
                           "  g%d: { cpus: [%d], workload: { type: trace, file: \"%s\" } }\n",
                           i, i, trace);
    return rc == 0 ? y : NULL;
}

/* Simulate the replay rounds times in a forked child, which writes its
 * figure line to a pipe; the parent prints it and returns the child's peak
 * RSS in KiB, or -1 if the child failed. */
static long measure(const char *trace, uint64_t n, int d, sim_time_t span, int rounds)
{
    int fd[2];
    if (pipe(fd) < 0)
        return -1;
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        close(fd[0]);
        /* A little past the replay's end: every record is consumed (the
         * simulated time per record is at least the trace's). */
        double sim_s = (double)span * 1.2e-9 + 0.01;
        char *y = make_yaml(trace, d, sim_s);
        struct scn_diags *diags = NULL;
        struct scn *s = y ? scn_load_buffer("replay.yaml", y, strlen(y), NULL, &diags) : NULL;
        if (!s) {
            char *t = diags ? scn_diags_text(diags) : NULL;
            fprintf(stderr, "replay: scenario refused: %s\n", t ? t : "out of memory");
            _exit(1);
        }
        double wall[BENCH_MAX_ROUNDS];
        uint64_t events = 0;
        for (int i = 0; i < rounds; i++) {
            struct run_opts o = { .seed = 1 };
            struct run_result res;
            char err[512] = "";
            if (run_replication(s, &o, NULL, &res, err, sizeof err) < 0) {
                fprintf(stderr, "replay: %s\n", err);
                _exit(1);
            }
            wall[i] = res.wall_s;
            events = res.events_total;
            run_result_free(&res);
        }
        qsort(wall, (size_t)rounds, sizeof wall[0], bench_cmp_double);
        double med = wall[rounds / 2];
        dprintf(fd[1], "replay records=%llu domains=%d sim_s=%.3f wall_s=%.3f "
                "records_per_s=%.0f events=%llu peak_rss_kb=%ld rounds=%d\n",
                (unsigned long long)n, d, sim_s, med, med > 0 ? (double)n / med : 0.0,
                (unsigned long long)events, bench_peak_rss_kb(), rounds);
        _exit(0);
    }
    close(fd[1]);
    char line[512];
    ssize_t got = read(fd[0], line, sizeof line - 1);
    close(fd[0]);
    int st;
    if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0 || got <= 0)
        return -1;
    line[got] = '\0';
    fputs(line, stdout);
    fflush(stdout);
    const char *p = strstr(line, "peak_rss_kb=");
    return p ? atol(p + 12) : -1;
}

static int usage(const char *argv0)
{
    fprintf(stderr, "usage: %s [-n RECORDS] [-D DOMAINS] [-r ROUNDS]\n", argv0);
    return 2;
}

int main(int argc, char **argv)
{
    uint64_t n = 2000000;
    int d = 4, rounds = 5;
    bench_prog = "replay";
    gsl_set_error_handler_off();
    for (int i = 1; i < argc; i++) {
        char *end;
        if (!strcmp(argv[i], "-n") && i + 1 < argc) {
            n = strtoull(argv[++i], &end, 10);
            if (*end || n < 1000 || n > 1000000000ull)
                return usage(argv[0]);
        } else if (!strcmp(argv[i], "-D") && i + 1 < argc) {
            long v = strtol(argv[++i], &end, 10);
            if (*end || v < 1 || v > 64)
                return usage(argv[0]);
            d = (int)v;
        } else if (!strcmp(argv[i], "-r") && i + 1 < argc) {
            long v = strtol(argv[++i], &end, 10);
            if (*end || v < 1 || v > BENCH_MAX_ROUNDS)
                return usage(argv[0]);
            rounds = (int)v;
        } else {
            return usage(argv[0]);
        }
    }
    const char *tmp = getenv("TMPDIR");
    char small[512], large[512];
    snprintf(small, sizeof small, "%s/xs-replay-%ld-1.xst", tmp && *tmp ? tmp : "/tmp",
             (long)getpid());
    snprintf(large, sizeof large, "%s/xs-replay-%ld-10.xst", tmp && *tmp ? tmp : "/tmp",
             (long)getpid());
    sim_time_t span1, span10;
    int failed = 0;
    if (make_trace(small, n, d, &span1) < 0 || make_trace(large, 10 * n, d, &span10) < 0) {
        fprintf(stderr, "replay: cannot write the traces\n");
        failed = 1;
    } else {
        long r1 = measure(small, n, d, span1, rounds);
        long r10 = measure(large, 10 * n, d, span10, 1);
        if (r1 <= 0 || r10 <= 0)
            failed = 1;
        else
            printf("memory ratio=%.3f (peak RSS of the 10x trace over the 1x trace)\n",
                   (double)r10 / (double)r1);
    }
    remove(small);
    remove(large);
    return failed;
}
