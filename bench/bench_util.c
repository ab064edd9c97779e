/*
 * bench/bench_util.c: the machinery the end-to-end benchmarks share (see
 * bench/bench_util.h): a generated scenario loaded with scn_load_buffer,
 * simulated by run_replication with no results database for R identical
 * rounds, the median wall time, and each simulation in a forked child that
 * reports its own getrusage(RUSAGE_SELF).ru_maxrss.
 */
#include "bench/bench_util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "analysis/record.h"
#include "sim/host/run.h"
#include "sim/scenario.h"

const char *bench_prog = "bench";

long bench_peak_rss_kb(void)
{
    struct rusage ru;
    return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : -1;
}

double bench_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int bench_cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

int bench_appendf(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        size_t room = *buf ? *cap - *len : 0;
        int n = vsnprintf(*buf ? *buf + *len : NULL, room, fmt, ap);
        va_end(ap);
        if (n < 0)
            goto fail;
        if ((size_t)n < room) {
            *len += (size_t)n;
            return 0;
        }
        size_t want = *cap ? *cap : 4096;
        while (want - *len <= (size_t)n)
            want *= 2;
        char *p = realloc(*buf, want);
        if (!p)
            goto fail;
        *buf = p;
        *cap = want;
    }
fail:
    free(*buf);
    *buf = NULL;
    return -1;
}

static struct scn *load_scenario(const struct bench_sim *sim)
{
    char *y = sim->yaml(sim->sched, sim->dur_s);
    if (!y) {
        fprintf(stderr, "%s: cannot build the scenario text\n", bench_prog);
        return NULL;
    }
    struct scn_load_opts opts = { 0 };
    struct scn_diags *d = NULL;
    struct scn *s = scn_load_buffer(sim->file, y, strlen(y), &opts, &d);
    if (!s) {
        char *t = d ? scn_diags_text(d) : NULL;
        fprintf(stderr, "%s: generated scenario refused:\n%s", bench_prog,
                t ? t : "(out of memory)\n");
        free(t);
        scn_diags_free(d);
    }
    free(y);
    return s;
}

/* sim->rounds identical replications through the run driver; prints the
 * scheduler line, or the memory line if mem_only. 0 or -1. Runs inside a
 * child. */
static int simulate(const struct bench_sim *sim)
{
    const char *sched = sim->sched;
    int rounds = sim->rounds;
    if (rounds < 1 || rounds > BENCH_MAX_ROUNDS)
        return -1;
    struct scn *s = load_scenario(sim);
    if (!s)
        return -1;
    double wall[BENCH_MAX_ROUNDS];
    uint64_t events = 0;
    for (int k = 0; k < rounds; k++) {
        struct run_opts o = { .seed = s->seed, .replication = 0 };
        struct run_result r;
        char err[512] = "";
        int rc = run_replication(s, &o, NULL, &r, err, sizeof err);
        if (rc < 0) {
            fprintf(stderr, "%s: %s: %s\n", bench_prog, sched, err);
            scn_free(s);
            return -1;
        }
        if (k > 0 && r.events_total != events) {
            fprintf(stderr, "%s: %s: round %d dispatched %llu events, round 0 %llu\n",
                    bench_prog, sched, k, (unsigned long long)r.events_total,
                    (unsigned long long)events);
            run_result_free(&r);
            scn_free(s);
            return -1;
        }
        events = r.events_total;
        wall[k] = r.wall_s;
        run_result_free(&r);
    }
    scn_free(s);
    long rss = bench_peak_rss_kb();
    qsort(wall, (size_t)rounds, sizeof wall[0], bench_cmp_double);
    double med = wall[rounds / 2];
    const char *pre = sim->prefix ? sim->prefix : "", *sp = sim->prefix ? " " : "";
    if (sim->mem_only)
        printf("%s%smemory scheduler=%s sim_s=%g peak_rss_kb=%ld\n", pre, sp, sched,
               sim->dur_s, rss);
    else
        printf("%s%sscheduler=%s events=%llu sim_s=%g wall_s=%.3f events_per_s=%.0f "
               "peak_rss_kb=%ld rounds=%d events_per_s_min=%.0f events_per_s_max=%.0f\n",
               pre, sp, sched, (unsigned long long)events, sim->dur_s, med,
               med > 0 ? (double)events / med : 0.0, rss, rounds,
               wall[rounds - 1] > 0 ? (double)events / wall[rounds - 1] : 0.0,
               wall[0] > 0 ? (double)events / wall[0] : 0.0);
    if (!sim->mem_only && sim->hold_ns > 0 && events > 0) {
        double ns = med * 1e9 / (double)events;
        printf("%s%sholds scheduler=%s ns_per_event=%.1f hold_ns_per_event=%.1f "
               "holds_per_event=%.2f\n", pre, sp, sched, ns, sim->hold_ns, ns / sim->hold_ns);
    }
    fflush(stdout);
    return 0;
}

int bench_in_child(const struct bench_sim *sim)
{
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "%s: fork: %s\n", bench_prog, strerror(errno));
        return -1;
    }
    if (pid == 0) {
        int rc = 0;
        if (sim->sched)
            rc = simulate(sim);
        else
            printf("memory empty peak_rss_kb=%ld\n", bench_peak_rss_kb());
        fflush(stdout);
        _exit(rc ? 1 : 0);
    }
    int st;
    if (waitpid(pid, &st, 0) < 0) {
        fprintf(stderr, "%s: waitpid: %s\n", bench_prog, strerror(errno));
        return -1;
    }
    if (!WIFEXITED(st) || WEXITSTATUS(st)) {
        fprintf(stderr, "%s: the %s run failed (status 0x%x)\n", bench_prog,
                sim->sched ? sim->sched : "empty", st);
        return -1;
    }
    return 0;
}

static const char *const all_scheds[] = { "rr", "bvt", "atropos", "credit", "credit-4.17",
                                          "credit2", "rtds", "sedf", "null", "arinc653" };

const char *bench_sched_yaml(const char *sched)
{
    if (!strcmp(sched, "credit-4.17"))
        return "credit\n  credit: { version: \"4.17\" }";
    return sched;
}

int bench_parse_opt(int argc, char **argv, int *i, struct bench_opts *o, double max_dur_s)
{
    const char *a = argv[*i];
    bool has_value = *i + 1 < argc;
    if (!strcmp(a, "-M")) {
        o->mem_series = false;
        return 1;
    }
    if (strcmp(a, "-d") && strcmp(a, "-r") && strcmp(a, "-s"))
        return 0;
    if (!has_value)
        return -1;
    const char *v = argv[++*i];
    char *end;
    if (!strcmp(a, "-d")) {
        o->dur_s = strtod(v, &end);
        return *end || !(o->dur_s >= 0.001) || o->dur_s > max_dur_s ? -1 : 1;
    }
    if (!strcmp(a, "-r")) {
        long r = strtol(v, &end, 10);
        if (*end || r < 1 || r > BENCH_MAX_ROUNDS)
            return -1;
        o->rounds = (int)r;
        return 1;
    }
    for (size_t k = 0; k < sizeof all_scheds / sizeof all_scheds[0]; k++) {
        if (!strcmp(v, all_scheds[k])) {
            if (o->nscheds == (int)(sizeof o->scheds / sizeof o->scheds[0]))
                return -1;
            o->scheds[o->nscheds++] = all_scheds[k];
            return 1;
        }
    }
    return -1;
}

void bench_default_scheds(struct bench_opts *o)
{
    if (o->nscheds)
        return;
    for (size_t k = 0; k < sizeof all_scheds / sizeof all_scheds[0]
                       && k < sizeof o->scheds / sizeof o->scheds[0]; k++)
        o->scheds[o->nscheds++] = all_scheds[k];
}

int bench_print_yaml(bench_yaml_fn *yaml, const struct bench_opts *o)
{
    char *y = yaml(o->scheds[0], o->dur_s);
    if (!y)
        return 1;
    fputs(y, stdout);
    free(y);
    return 0;
}
