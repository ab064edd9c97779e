/*
 * bench/big.c: the cost of a big host outside the simulation proper
 * (docs/experiments.md, "Big hosts"): how long loading the scenario and building the host, the
 * simulation, and collecting and storing the results take, how big the
 * results database grows, and the peak memory, for one host of the size
 * docs/experiments.md names.
 *
 * The host: 64 pCPUs, BVT, 10 s simulated after a 0 s warm-up, 3,303
 * domains in count groups:
 *   dom0     privileged driver domain (backend per_request 5us, 4 vCPUs)
 *            of 4 flash disks;
 *   net0, net1  privileged driver domains (per_request 3us, 2 vCPUs) of one
 *            NIC each (a domain has 1,024 event-channel ports);
 *   srv.*    1,000 servers, 500 on each NIC: arrivals Exp(20 ms), service
 *            Exp(50 us), 1 KiB replies;
 *   io.*     500 random 4 KiB readers, 125 per disk, depth 1, think
 *            Exp(20 ms);
 *   p10.* p20.* p50.*  3 x 500 periodic domains, periods 10, 20, 50 ms,
 *            exponential bursts of mean 3% of the period;
 *   hog.*    1,000 CPU hogs.
 * The scenario is generated as YAML in memory, loaded with scn_load_buffer
 * and run by the real run driver (run_replication) into a new database in
 * a temporary directory, as `xensim run` does; each round runs in its own
 * forked child, so that its getrusage peak RSS is its own.
 *
 * One line per round, then the medians:
 *   round=K setup_s=A simulate_s=B store_s=C total_s=D db_bytes=N
 *       peak_rss_kb=Z events=E
 *   median setup_s=A simulate_s=B store_s=C total_s=D db_bytes=N
 *       peak_rss_kb=Z overhead_frac=F
 * setup_s = loading the scenario + building the host (run_result.setup_s);
 * simulate_s = run_result.wall_s; store_s = collecting the statistics and
 * writing the run into SQLite, commit and checkpoint included
 * (run_result.store_s); total_s = wall time from before the load to after
 * freeing everything (opening the database included); db_bytes = the
 * database file after the run (its -wal is checkpointed and removed at
 * close); overhead_frac = (setup_s + store_s) / total_s.
 *
 * Usage: bench/big [-d SECONDS] [-r ROUNDS] [-R RECORD] [-p]
 *   -d simulated seconds (default 10); -r rounds (default 3, at most 21);
 *   -R a `record:` block (flow YAML, e.g. "{ per: domain }") put into the
 *   scenario; -p print the scenario and exit.
 * Exit status 0, 1 if a run failed, 2 for a usage error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gsl/gsl_errno.h>

#include "bench/bench_util.h"
#include "analysis/record.h"
#include "sim/host/run.h"
#include "sim/scenario.h"

#define MAX_ROUNDS 21

static char *make_yaml(double dur_s, const char *record)
{
    static const int periods_ms[] = { 10, 20, 50 };
    size_t len = 0, cap = 0;
    char *y = NULL;
    int rc = bench_appendf(&y, &len, &cap,
                           "name: big-bench\n"
                           "description: 64 pCPUs, 3,303 domains in count groups.\n"
                           "seed: 1\n"
                           "duration: %gs\n"
                           "warmup: 0s\n"
                           "machine:\n"
                           "  pcpus: 64\n"
                           "  costs: { context_switch: 3us, upcall: 1us, cache_refill: 0us }\n"
                           "scheduler:\n"
                           "  name: bvt\n"
                           "  bvt: { ctx_allow: 5ms }\n"
                           "devices:\n",
                           dur_s);
    for (int k = 0; k < 4; k++)
        rc |= bench_appendf(&y, &len, &cap,
                            "  ssd%d: { kind: disk, latency: 80us, bandwidth: 500MB/s, "
                            "queue: elevator, ring: 64 }\n", k);
    for (int k = 0; k < 2; k++)
        rc |= bench_appendf(&y, &len, &cap,
                            "  nic%d: { kind: nic, bandwidth: 10Gbit/s, latency: 10us, "
                            "driver: net%d }\n", k, k);
    rc |= bench_appendf(&y, &len, &cap,
                        "domains:\n"
                        "  dom0:\n"
                        "    privileged: true\n"
                        "    memory: 4GiB\n"
                        "    vcpus: 4\n"
                        "    backend: { per_request: 5us }\n");
    for (int k = 0; k < 2; k++)
        rc |= bench_appendf(&y, &len, &cap,
                            "  net%d:\n"
                            "    privileged: true\n"
                            "    memory: 1GiB\n"
                            "    vcpus: 2\n"
                            "    backend: { per_request: 3us }\n", k);
    for (int k = 0; k < 2; k++)
        rc |= bench_appendf(&y, &len, &cap,
                            "  srv%d:\n"
                            "    count: 500\n"
                            "    memory: 64MiB\n"
                            "    workload: { type: server, device: nic%d, arrival: { dist: "
                            "exponential, mean: 20ms }, service: { dist: exponential, "
                            "mean: 50us }, reply_size: 1KiB }\n", k, k);
    for (int k = 0; k < 4; k++)
        rc |= bench_appendf(&y, &len, &cap,
                            "  io%d:\n"
                            "    count: 125\n"
                            "    memory: 64MiB\n"
                            "    workload: { type: io, device: ssd%d, op: read, size: 4KiB, "
                            "depth: 1, pattern: random, think: { dist: exponential, "
                            "mean: 20ms } }\n", k, k);
    for (size_t i = 0; i < sizeof periods_ms / sizeof periods_ms[0]; i++)
        rc |= bench_appendf(&y, &len, &cap,
                            "  p%d:\n"
                            "    count: 500\n"
                            "    memory: 64MiB\n"
                            "    workload: { type: periodic, period: %dms, burst: { dist: "
                            "exponential, mean: %dus } }\n",
                            periods_ms[i], periods_ms[i], periods_ms[i] * 30);
    rc |= bench_appendf(&y, &len, &cap,
                        "  hog:\n"
                        "    count: 1000\n"
                        "    memory: 64MiB\n"
                        "    workload: { type: cpu }\n");
    if (record)
        rc |= bench_appendf(&y, &len, &cap, "record: %s\n", record);
    if (rc) {
        free(y);
        return NULL;
    }
    return y;
}

struct figures {
    double setup_s, simulate_s, store_s, total_s;
    long long db_bytes;
    long peak_rss_kb;
    unsigned long long events;
};

/* One round, in the child: load, run into dir/big.db, report on fd. */
static int one_round(double dur_s, const char *record, const char *dir, struct figures *f)
{
    char path[512];
    snprintf(path, sizeof path, "%s/big.db", dir);
    double t0 = bench_now_s();
    char *y = make_yaml(dur_s, record);
    if (!y) {
        fprintf(stderr, "big: out of memory\n");
        return -1;
    }
    struct scn_load_opts opts = { 0 };
    struct scn_diags *d = NULL;
    struct scn *s = scn_load_buffer("big.yaml", y, strlen(y), &opts, &d);
    free(y);
    if (!s) {
        char *t = d ? scn_diags_text(d) : NULL;
        fprintf(stderr, "big: generated scenario refused:\n%s", t ? t : "(out of memory)\n");
        free(t);
        scn_diags_free(d);
        return -1;
    }
    double t_loaded = bench_now_s();
    char err[1024] = "";
    struct store *db = store_open(path, err, sizeof err);
    if (!db) {
        fprintf(stderr, "big: %s\n", err);
        scn_free(s);
        return -1;
    }
    struct run_opts ro = { .seed = s->seed };
    struct run_result r;
    int rc = run_replication(s, &ro, db, &r, err, sizeof err);
    store_close(db);
    if (rc < 0) {
        fprintf(stderr, "big: run failed: %s\n", err);
        scn_free(s);
        return -1;
    }
    f->setup_s = (t_loaded - t0) + r.setup_s;
    f->simulate_s = r.wall_s;
    f->store_s = r.store_s;
    f->events = r.events_total;
    run_result_free(&r);
    scn_free(s);
    f->total_s = bench_now_s() - t0;
    struct stat st;
    f->db_bytes = stat(path, &st) == 0 ? (long long)st.st_size : -1;
    f->peak_rss_kb = bench_peak_rss_kb();
    unlink(path);
    return 0;
}

static int cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return (x > y) - (x < y);
}

static int usage(const char *argv0)
{
    fprintf(stderr, "usage: %s [-d SECONDS] [-r ROUNDS] [-R RECORD] [-p]\n", argv0);
    return 2;
}

int main(int argc, char **argv)
{
    double dur_s = 10;
    int rounds = 3;
    const char *record = NULL;
    bool print = false;

    bench_prog = "big";
    gsl_set_error_handler_off();
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-d") && i + 1 < argc) {
            char *end;
            dur_s = strtod(argv[++i], &end);
            if (*end || !(dur_s > 0 && dur_s <= 1000))
                return usage(argv[0]);
        } else if (!strcmp(argv[i], "-r") && i + 1 < argc) {
            rounds = atoi(argv[++i]);
            if (rounds < 1 || rounds > MAX_ROUNDS)
                return usage(argv[0]);
        } else if (!strcmp(argv[i], "-R") && i + 1 < argc) {
            record = argv[++i];
        } else if (!strcmp(argv[i], "-p")) {
            print = true;
        } else {
            return usage(argv[0]);
        }
    }
    if (print) {
        char *y = make_yaml(dur_s, record);
        if (!y)
            return 1;
        fputs(y, stdout);
        free(y);
        return 0;
    }
    char dir[] = "/tmp/xensim-big-XXXXXX";
    if (!mkdtemp(dir)) {
        perror("big: mkdtemp");
        return 1;
    }
    struct figures f[MAX_ROUNDS];
    int failed = 0, n = 0;
    for (int k = 0; k < rounds; k++) {
        int pfd[2];
        if (pipe(pfd) < 0) {
            perror("big: pipe");
            failed = 1;
            break;
        }
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            close(pfd[0]);
            struct figures g;
            int rc = one_round(dur_s, record, dir, &g);
            if (rc == 0 && write(pfd[1], &g, sizeof g) != (ssize_t)sizeof g)
                rc = -1;
            _exit(rc ? 1 : 0);
        }
        close(pfd[1]);
        ssize_t got = pid > 0 ? read(pfd[0], &f[n], sizeof f[n]) : -1;
        close(pfd[0]);
        int status = 0;
        if (pid > 0)
            waitpid(pid, &status, 0);
        if (pid < 0 || got != (ssize_t)sizeof f[n] || !WIFEXITED(status)
            || WEXITSTATUS(status)) {
            failed = 1;
            continue;
        }
        printf("round=%d setup_s=%.3f simulate_s=%.3f store_s=%.3f total_s=%.3f "
               "db_bytes=%lld peak_rss_kb=%ld events=%llu\n",
               k, f[n].setup_s, f[n].simulate_s, f[n].store_s, f[n].total_s, f[n].db_bytes,
               f[n].peak_rss_kb, f[n].events);
        n++;
    }
    rmdir(dir);
    if (n) {
        double a[MAX_ROUNDS], b[MAX_ROUNDS], c[MAX_ROUNDS], t[MAX_ROUNDS];
        long long db[MAX_ROUNDS], rss[MAX_ROUNDS];
        for (int k = 0; k < n; k++) {
            a[k] = f[k].setup_s;
            b[k] = f[k].simulate_s;
            c[k] = f[k].store_s;
            t[k] = f[k].total_s;
            db[k] = f[k].db_bytes;
            rss[k] = f[k].peak_rss_kb;
        }
        qsort(a, (size_t)n, sizeof a[0], bench_cmp_double);
        qsort(b, (size_t)n, sizeof b[0], bench_cmp_double);
        qsort(c, (size_t)n, sizeof c[0], bench_cmp_double);
        qsort(t, (size_t)n, sizeof t[0], bench_cmp_double);
        qsort(db, (size_t)n, sizeof db[0], cmp_ll);
        qsort(rss, (size_t)n, sizeof rss[0], cmp_ll);
        int m = n / 2;
        printf("median setup_s=%.3f simulate_s=%.3f store_s=%.3f total_s=%.3f db_bytes=%lld "
               "peak_rss_kb=%lld overhead_frac=%.3f\n",
               a[m], b[m], c[m], t[m], db[m], rss[m], t[m] > 0 ? (a[m] + c[m]) / t[m] : 0);
    }
    return failed;
}
