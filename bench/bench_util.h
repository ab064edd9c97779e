/*
 * bench/bench_util.h: what the end-to-end benchmarks (bench/e2e, bench/io)
 * share: load a scenario generated as YAML in memory, simulate it through
 * the real run driver (run_replication, db = NULL) for a number of
 * identical rounds, take the median wall time, and do each such simulation
 * in a forked child so that its getrusage peak RSS is its own.
 *
 * Lines printed (the formats docs/performance.md documents):
 *   [PREFIX ]scheduler=S events=N sim_s=D wall_s=X events_per_s=Y
 *       peak_rss_kb=Z rounds=R events_per_s_min=A events_per_s_max=B
 *   [PREFIX ]holds scheduler=S ns_per_event=E hold_ns_per_event=H
 *       holds_per_event=E/H          (only when bench_sim.hold_ns is set)
 *   [PREFIX ]memory scheduler=S sim_s=D peak_rss_kb=Z
 *   memory empty peak_rss_kb=Z
 * events are ev_dispatched (run_result.events_total), wall_s the median of
 * the rounds' run_result.wall_s (the simulation proper: building the host
 * and collecting statistics excluded), events_per_s = events / wall_s.
 * Every round must dispatch the same number of events (runs are
 * deterministic), or the simulation fails.
 */
#ifndef XENSIM_BENCH_BENCH_UTIL_H
#define XENSIM_BENCH_BENCH_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#define BENCH_MAX_ROUNDS 101

/* The program's name in messages on stderr ("e2e", "io"). */
extern const char *bench_prog;

/* A scenario generator: the YAML text of a host simulated for dur_s
 * seconds under scheduler sched, malloc'ed; NULL if out of memory. */
typedef char *bench_yaml_fn(const char *sched, double dur_s);

/* A scheduler name as the benchmarks take it (rr, bvt, atropos, credit,
 * credit-4.17) as the scenario's block mapping under "scheduler:" needs it
 * after "  name: ": the name, and for credit-4.17 also the line choosing
 * the version. */
const char *bench_sched_yaml(const char *sched);

/* What one child simulates. */
struct bench_sim {
    bench_yaml_fn *yaml;            /* the host */
    const char *file;               /* its name in loader messages, e.g. "e2e.yaml" */
    const char *prefix;             /* NULL, or a word put before each line */
    const char *sched;              /* rr | bvt | atropos | credit | credit-4.17;
                                       NULL: the empty child */
    double dur_s;                   /* s simulated */
    int rounds;                     /* 1 .. BENCH_MAX_ROUNDS */
    bool mem_only;                  /* print the memory line only */
    double hold_ns;                 /* ns per hold of the same process's hold baseline,
                                       or 0: if set, the holds line follows */
};

/* The options both benchmarks take: -d SECONDS, -r ROUNDS, -s SCHED
 * (repeatable), -M (no memory-against-duration series). */
struct bench_opts {
    const char *scheds[12];         /* rr | bvt | atropos | credit | credit-4.17 | credit2 | rtds | sedf | null | arinc653, in the
                                       order given */
    int nscheds;
    double dur_s;                   /* s simulated (the program's default) */
    int rounds;                     /* 1 .. BENCH_MAX_ROUNDS */
    bool mem_series;
};

/* Take argv[*i] (and its value) if it is one of those options: 1 if taken
 * (*i moved past it), 0 if it is not one of them, -1 if its value is bad.
 * max_dur_s bounds -d. */
int bench_parse_opt(int argc, char **argv, int *i, struct bench_opts *o, double max_dur_s);

/* After parsing: every scheduler if none was named. */
void bench_default_scheds(struct bench_opts *o);

/* -p: print the host the benchmark would simulate (its first scheduler,
 * its duration) on stdout, to run it with `xensim run`; 0 or 1. */
int bench_print_yaml(bench_yaml_fn *yaml, const struct bench_opts *o);

/* Run sim in a forked child, which prints its line; 0, or -1 if the child
 * failed (its reason is on stderr). */
int bench_in_child(const struct bench_sim *sim);

/* This process's peak RSS in KiB (getrusage ru_maxrss), -1 on error. */
long bench_peak_rss_kb(void);

/* Monotonic wall clock, s. */
double bench_now_s(void);

/* qsort comparator of doubles, ascending. */
int bench_cmp_double(const void *x, const void *y);

/* Append printf-formatted text to a malloc'ed buffer *buf of *len bytes
 * used (kept NUL-terminated), growing it as needed. 0, or -1 if out of
 * memory (then *buf is freed and NULL). */
int bench_appendf(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
