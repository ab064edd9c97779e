/*
 * bench/plan.c: how long a sweep plan takes to build (what `xensim sweep
 * --list` and every `--index` task pay before the first run) as the number
 * of points grows, to show that it grows linearly (docs/experiments.md).
 *
 * Each size is a scenario generated as YAML in memory: 2 CPU hogs under
 * round robin and one axis scheduler.rr.slice of N values (10us, 11us,
 * ...), or with -g a grid of 100 slices x N durations. Printed per size:
 *   points=N runs=R plan_s=X parses=P
 * plan_s is the wall time of sweep_plan_new (the parse, the check of every
 * value and the names of every run), parses the scenario documents parsed
 * meanwhile (scn_parse_count).
 *
 * Usage: bench/plan [-g] [N ...]   (default: 1000 8000 100000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/sweep.h"
#include "bench/bench_util.h"
#include "sim/scenario.h"

/* The scenario of n points (grid: 100 x n), malloc'ed. */
static char *plan_yaml(long n, int grid)
{
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int rc = bench_appendf(&buf, &len, &cap,
        "name: plan\nseed: 3\nduration: 10ms\nreplications: 1\nscheduler: { name: rr }\n"
        "domains:\n  hog: { count: 2, workload: { type: cpu } }\nsweep:\n"
        "  scheduler.rr.slice: [");
    long nslice = grid ? 100 : n;
    for (long i = 0; rc == 0 && i < nslice; i++)
        rc = bench_appendf(&buf, &len, &cap, "%s%ldus", i ? ", " : "", i + 10);
    if (rc == 0 && grid) {
        rc = bench_appendf(&buf, &len, &cap, "]\n  duration: [");
        for (long i = 0; rc == 0 && i < n; i++)
            rc = bench_appendf(&buf, &len, &cap, "%s%ldus", i ? ", " : "", i + 1000);
    }
    if (rc == 0)
        rc = bench_appendf(&buf, &len, &cap, "]\n");
    if (rc != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

static int one(long n, int grid)
{
    char *yaml = plan_yaml(n, grid);
    if (!yaml) {
        fprintf(stderr, "%s: out of memory\n", bench_prog);
        return 1;
    }
    struct scn_diags *d = NULL;
    char err[512] = "";
    unsigned long p0 = scn_parse_count();
    double t0 = bench_now_s();
    struct sweep_plan *p = sweep_plan_new("plan.yaml", yaml, strlen(yaml), NULL, &d, err,
                                          sizeof err);
    double t1 = bench_now_s();
    free(yaml);
    if (!p) {
        fprintf(stderr, "%s: %s\n", bench_prog, d && scn_diags_count(d) ?
                scn_diags_message(d, 0) : err);
        scn_diags_free(d);
        return 1;
    }
    printf("points=%llu runs=%zu plan_s=%.3f parses=%lu\n",
           (unsigned long long)sweep_plan_points(p), sweep_plan_runs(p), t1 - t0,
           scn_parse_count() - p0);
    fflush(stdout);
    sweep_plan_free(p);
    return 0;
}

int main(int argc, char **argv)
{
    bench_prog = "plan";
    int grid = 0, sizes = 0, rc = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-g")) {
            grid = 1;
            continue;
        }
        char *end = NULL;
        long n = strtol(argv[i], &end, 10);
        if (!*argv[i] || *end || n < 1 || n > 1000000) {
            fprintf(stderr, "usage: bench/plan [-g] [N ...]  (N: 1 .. 1000000)\n");
            return 2;
        }
        rc |= one(n, grid);
        sizes++;
    }
    if (!sizes) {
        static const long def[] = { 1000, 8000, 100000 };
        for (size_t i = 0; i < sizeof def / sizeof def[0]; i++)
            rc |= one(def[i], grid);
    }
    return rc;
}
