/*
 * sim/cli/cmd_run.c: `xensim run` (simulate every replication of a scenario
 * into the results database and print a table per run) and `xensim check`
 * (validate a scenario, read every trace it replays as `run` would, and
 * print its summary).
 *
 * `run --timeline[=START:END]` also records the schedule of that window of
 * the measured time (default the first 100 ms) into the vector tables
 * (sim/host/run.h, docs/results.md); the option is taken out of argv here
 * before the shared scenario options are parsed.
 *
 * `run --xentrace FILE` (or --xentrace=FILE) writes the measured window of
 * replication 0 as a xentrace file (traces/xentrace.h, docs/traces.md);
 * taken out of argv the same way, as is `--record-trace FILE`, which
 * writes the demand of replication 0's workloads as a native trace
 * (traces/record.h) that `workload: { type: trace }` replays.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/plot.h"
#include "analysis/store.h"
#include "sim/cli/cli.h"
#include "sim/units.h"
#include "sim/err.h"
#include "analysis/record.h"
#include "sim/host/run.h"
#include "workloads/wl.h"

/* Sweep points whose traces `check` reads beyond the base's: at most this
 * many points are loaded (the loader validates as many). */
#define CHECK_SWEEP_POINTS_MAX 4096

/* The (domain, trace) pairs `check` has read. */
struct checked {
    char **v;                       /* name, file, name, file, ... */
    size_t n, cap;                  /* pairs */
};

static bool checked_has(const struct checked *c, const char *name, const char *file)
{
    for (size_t i = 0; i < c->n; i++)
        if (!strcmp(c->v[2 * i], name) && !strcmp(c->v[2 * i + 1], file))
            return true;
    return false;
}

static int checked_add(struct checked *c, const char *name, const char *file)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 16;
        char **v = realloc(c->v, 2 * cap * sizeof *v);
        if (!v)
            return -SIM_ENOMEM;
        c->v = v;
        c->cap = cap;
    }
    char *n = strdup(name), *f = strdup(file);
    if (!n || !f) {
        free(n);
        free(f);
        return -SIM_ENOMEM;
    }
    c->v[2 * c->n] = n;
    c->v[2 * c->n + 1] = f;
    c->n++;
    return 0;
}

static void checked_free(struct checked *c)
{
    for (size_t i = 0; i < 2 * c->n; i++)
        free(c->v[i]);
    free(c->v);
}

/* Read the trace of each trace domain of s as `run` would (wl_trace_check),
 * each (domain, file) pair once. EXIT_BADINPUT, having said why as `run`
 * does, or 0. */
static int check_traces(const struct scn *s, const char *path, struct checked *done)
{
    char err[1024];
    for (int d = 0; d < s->ndomains; d++) {
        const struct scn_domain *dm = &s->domains[d];
        bool todo = false;
        for (int k = 0; k < dm->nwl; k++)
            todo |= dm->wl[k].type == SCN_WL_TRACE && !checked_has(done, dm->name, dm->wl[k].file);
        if (!todo)
            continue;
        if (wl_trace_check(s, d, err, sizeof err) < 0) {
            fprintf(stderr, "xensim: %s: %s\n", path, err);
            return EXIT_BADINPUT;
        }
        for (int k = 0; k < dm->nwl; k++) {
            if (dm->wl[k].type != SCN_WL_TRACE || checked_has(done, dm->name, dm->wl[k].file))
                continue;
            if (checked_add(done, dm->name, dm->wl[k].file) < 0) {
                fprintf(stderr, "xensim: %s: out of memory\n", path);
                return EXIT_BADINPUT;
            }
        }
    }
    return 0;
}

/* Does a sweep point read a file the base does not (a sweep value names
 * one)? Then check loads the points to read their traces too. */
static bool sweep_reads_more(const struct scn *s)
{
    for (int f = 0; f < s->nfiles; f++) {
        bool base = false;
        for (int d = 0; d < s->ndomains && !base; d++)
            for (int k = 0; k < s->domains[d].nwl && !base; k++)
                base = s->domains[d].wl[k].file
                       && !strcmp(s->domains[d].wl[k].file, s->files[f].path);
        if (!base)
            return true;
    }
    return false;
}

/* The traces of every sweep point (up to CHECK_SWEEP_POINTS_MAX points). */
static int check_sweep_traces(const struct scn *s, const struct scn_args *a,
                              struct checked *done)
{
    int idx[64];
    if (s->nsweep > 64)
        return 0;
    uint64_t npts = s->sweep_points < CHECK_SWEEP_POINTS_MAX ? s->sweep_points
                                                              : CHECK_SWEEP_POINTS_MAX;
    for (uint64_t pt = 0; pt < npts; pt++) {
        uint64_t rest = pt;
        for (int ax = s->nsweep - 1; ax >= 0; ax--) {
            idx[ax] = (int)(rest % (uint64_t)s->sweep[ax].nvalues);
            rest /= (uint64_t)s->sweep[ax].nvalues;
        }
        struct scn_load_opts o = { .sets = a->sets, .nsets = a->nsets, .sweep_index = idx };
        struct scn_diags *diags = NULL;
        struct scn *p = scn_load(a->path, &o, &diags);
        if (!p) {
            /* The base load has validated every point's YAML already. */
            scn_diags_free(diags);
            continue;
        }
        int rc = check_traces(p, a->path, done);
        scn_free(p);
        if (rc)
            return rc;
    }
    return 0;
}

int cmd_check(int argc, char **argv)
{
    struct scn_args a;
    int rc = cli_parse_scn_args(argc, argv, &a, false);
    if (rc) {
        free(a.sets);
        return rc;
    }
    struct scn *s = cli_load(&a);
    if (!s) {
        free(a.sets);
        return EXIT_BADINPUT;
    }
    /* A trace is read through the reader and the refusals `run` uses. */
    struct checked done = { 0 };
    rc = check_traces(s, a.path, &done);
    if (rc == 0 && s->nsweep && sweep_reads_more(s))
        rc = check_sweep_traces(s, &a, &done);
    checked_free(&done);
    free(a.sets);
    if (rc == 0 && !a.quiet) {
        scn_print_summary(s, stdout);
        printf("ok: %s is valid\n", a.path);
    }
    scn_free(s);
    return rc;
}

struct progress {
    int rep, reps;
    int last;                       /* last percentage drawn */
};

static void draw_progress(void *ctx, double f)
{
    struct progress *p = ctx;
    int pct = (int)(f * 100.0);
    if (pct == p->last)
        return;
    p->last = pct;
    fprintf(stderr, "\r  replication %d/%d: %3d%% simulated", p->rep + 1, p->reps, pct);
    fflush(stderr);
}

static void print_table(const struct scn *s, const struct run_result *r)
{
    printf("run %s (scheduler %s): %.3fs simulated in %.2fs wall, %" PRIu64
           " events (%.2f M/s)\n", r->name, s->sched.name, (double)r->window_ns / 1e9,
           r->wall_s, r->events_total,
           r->wall_s > 0 ? (double)r->events_total / r->wall_s / 1e6 : 0.0);
    printf("  %-12s %7s %10s %9s %8s %8s %9s %9s %6s\n", "domain", "share", "cpu", "dispatch",
           "wakeups", "preempt", "lat p50", "lat p99", "late");
    for (int d = 0; d < r->ndoms; d++) {
        const struct run_dom *x = &r->doms[d];
        char cpu[32], p50[32], p99[32];
        unit_format_time((double)x->cpu_time_ns, cpu, sizeof cpu);
        unit_format_time(x->lat_p50, p50, sizeof p50);
        unit_format_time(x->lat_p99, p99, sizeof p99);
        printf("  %-12s %6.2f%% %10s %9" PRIu64 " %8" PRIu64 " %8" PRIu64 " %9s %9s %6" PRIu64
               "\n", x->name, 100.0 * x->cpu_share, cpu, x->dispatches, x->wakeups,
               x->preemptions, p50, p99, x->late_periods);
    }
    bool io = false;
    for (int d = 0; d < r->ndoms; d++)
        io = io || r->doms[d].io_kind;
    if (io) {
        printf("  %-12s %-7s %10s %9s %9s %8s %8s %9s\n", "I/O", "kind", "rate/s", "lat p50",
               "lat p99", "stalls", "rejected", "evt p99");
        for (int d = 0; d < r->ndoms; d++) {
            const struct run_dom *x = &r->doms[d];
            if (!x->io_kind)
                continue;
            char p50[32], p99[32], e99[32];
            unit_format_time(x->io_p50, p50, sizeof p50);
            unit_format_time(x->io_p99, p99, sizeof p99);
            unit_format_time(x->evt_p99, e99, sizeof e99);
            printf("  %-12s %-7s %10.1f %9s %9s %8" PRIu64 " %8" PRIu64 " %9s\n", x->name,
                   x->io_kind, x->io_rate, p50, p99, x->io_stalls, x->mmu_rejected, e99);
        }
    }
    for (int p = 0; p < r->npcpus; p++) {
        const struct run_pcpu *x = &r->pcpus[p];
        double w = (double)r->window_ns;
        printf("  pcpu%-8d busy %.2f%%, idle %.2f%%, switching %.3f%%, %" PRIu64
               " context switches, run queue %.2f\n", p, w > 0 ? 100.0 * x->busy_ns / w : 0.0,
               w > 0 ? 100.0 * x->idle_ns / w : 0.0, w > 0 ? 100.0 * x->switch_ns / w : 0.0,
               x->context_switches, x->runq_len_mean);
    }
    if (!isnan(r->jain_fairness))
        printf("  Jain fairness over domains with a workload: %.4f\n", r->jain_fairness);
}

struct timeline_arg {
    bool on;
    int64_t start, end;             /* ns from the start of the measured window */
};

/* Take --timeline, --timeline=START:END and --timeline START:END (the next
 * argument counts as the window when it contains ':' and is not a file)
 * out of argv; *argc shrinks. EXIT_BADINPUT on a bad window. */
static int take_timeline(int *argc, char **argv, struct timeline_arg *tl)
{
    *tl = (struct timeline_arg){ false, 0, RUN_TIMELINE_DEFAULT_NS };
    int n = 0;
    for (int i = 0; i < *argc; i++) {
        const char *arg = argv[i], *win = NULL;
        if (!strcmp(arg, "--timeline")) {
            if (i + 1 < *argc && strchr(argv[i + 1], ':') && access(argv[i + 1], F_OK) != 0)
                win = argv[++i];
        } else if (!strncmp(arg, "--timeline=", 11)) {
            win = arg + 11;
        } else {
            argv[n++] = argv[i];
            continue;
        }
        tl->on = true;
        if (win) {
            char err[256];
            if (plot_parse_window(win, &tl->start, &tl->end, err, sizeof err) < 0) {
                fprintf(stderr, "xensim: --timeline: %s\n", err);
                return cli_usage_error("%s", "--timeline takes START:END, e.g. 0:100ms");
            }
        }
    }
    *argc = n;
    return 0;
}

/* Take OPT FILE and OPT=FILE (opt: "--xentrace", "--record-trace") out of
 * argv; *argc shrinks. EXIT_BADINPUT without a file name. */
static int take_file_opt(int *argc, char **argv, const char *opt, const char **path)
{
    size_t len = strlen(opt);
    *path = NULL;
    int n = 0;
    for (int i = 0; i < *argc; i++) {
        if (!strcmp(argv[i], opt)) {
            if (i + 1 >= *argc || !argv[i + 1][0])
                return cli_usage_error("%s takes a file name", opt);
            *path = argv[++i];
        } else if (!strncmp(argv[i], opt, len) && argv[i][len] == '=') {
            if (!argv[i][len + 1])
                return cli_usage_error("%s takes a file name", opt);
            *path = argv[i] + len + 1;
        } else {
            argv[n++] = argv[i];
        }
    }
    *argc = n;
    return 0;
}

int cmd_run(int argc, char **argv)
{
    cli_catch_signals();
    struct timeline_arg tla;
    int rc = take_timeline(&argc, argv, &tla);
    if (rc)
        return rc;
    const char *xentrace = NULL, *record = NULL;
    rc = take_file_opt(&argc, argv, "--xentrace", &xentrace);
    if (rc == 0)
        rc = take_file_opt(&argc, argv, "--record-trace", &record);
    if (rc)
        return rc;
    struct scn_args a;
    rc = cli_parse_scn_args(argc, argv, &a, true);
    if (rc) {
        free(a.sets);
        return rc;
    }
    struct scn *s = cli_load(&a);
    free(a.sets);
    if (!s)
        return EXIT_BADINPUT;
    const char *db_path = a.db ? a.db : DEFAULT_DB;
    if (s->nsweep && !a.quiet)
        fprintf(stderr, "xensim: note: %s has a sweep of %" PRIu64 " points; `run` simulates "
                "the scenario without it (use --set to pick a point)\n", a.path,
                s->sweep_points);
    char err[512] = "";
    struct store *db = store_open(db_path, err, sizeof err);
    if (!db) {
        fprintf(stderr, "xensim: %s\n", err);      /* err names the database */
        scn_free(s);
        return EXIT_BADINPUT;
    }
    bool tty = isatty(STDERR_FILENO) && !a.quiet;
    int status = 0;
    for (int r = 0; r < s->replications; r++) {
        struct progress pg = { r, s->replications, -1 };
        struct run_opts o = {
            .seed = a.have_seed ? a.seed : s->seed,
            .replication = (uint32_t)r,
            .progress = tty ? draw_progress : NULL,
            .progress_ctx = &pg,
            .interrupted = &cli_interrupted,
            .timeline = tla.on,
            .timeline_start = tla.start,
            .timeline_end = tla.end,
            .xentrace = r == 0 ? xentrace : NULL,
            .record_trace = r == 0 ? record : NULL,
        };
        struct run_result res;
        rc = run_replication(s, &o, db, &res, err, sizeof err);
        if (tty)
            fprintf(stderr, "\r%*s\r", 48, "");
        if (rc < 0) {
            fprintf(stderr, "xensim: %s: %s%s\n", a.path, err,
                    rc == -SIM_ESTATE ? " (nothing of this run was recorded)" : "");
            status = rc == -SIM_ESTATE ? EXIT_INTERRUPTED : EXIT_BADINPUT;
            break;
        }
        if (res.skipped) {
            if (!a.quiet)
                printf("run %s is already in %s: skipped\n", res.name, db_path);
        } else if (!a.quiet) {
            print_table(s, &res);
        }
        if (r == 0 && record && !a.quiet)
            printf("trace: %s (the demand of replication 0, from the start of the run)\n",
                   record);
        if (r == 0 && xentrace && !a.quiet)
            printf("xentrace: %s (%" PRIu64 " records, measured window of replication 0)\n",
                   xentrace, res.xentrace_records);
        run_result_free(&res);
    }
    if (status == 0 && !a.quiet)
        printf("results in %s\n", db_path);
    store_close(db);
    scn_free(s);
    return status;
}
