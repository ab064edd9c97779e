/*
 * sim/cli/cmd_compare.c: `xensim compare SCENARIO [--schedulers rr,bvt,atropos]
 * [--replications N] [--db FILE] [--plots DIR] [-j N] [--metric NAME]...
 * [--set PATH=VALUE]... [-q]`: run the scenario under each scheduler with
 * R replications (runs already in the database are skipped) and print,
 * per domain and metric, each scheduler's mean with a Student-t confidence
 * interval, marking the schedulers whose difference from the first one is
 * significant by a paired t-test over replications (analysis/compare.h).
 *
 * --plots DIR draws the standard figures of `xensim plot` (analysis/plot.h)
 * for the comparison's runs only, and renders them with gnuplot if it is
 * installed. -j N makes the runs in N worker processes (the table is the
 * same).
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/compare.h"
#include "analysis/plot.h"
#include "sim/cli/cli.h"
#include "sim/units.h"
#include "sim/err.h"
#include "sim/scenario.h"

#define MAX_SCHEDS 16

struct args {
    const char *path, *db, *plots, *schedulers;
    const char **sets, **metrics;
    size_t nsets, nmetrics;
    int replications;               /* 0: the scenario's, at least 2 */
    int jobs;
    bool quiet;
};

static bool parse_int(const char *s, int lo, int hi, int *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (end == s || *end || v < lo || v > hi)
        return false;
    *out = (int)v;
    return true;
}

static int parse_args(int argc, char **argv, struct args *a)
{
    memset(a, 0, sizeof *a);
    a->jobs = 1;
    a->schedulers = "rr,bvt,atropos";
    a->sets = calloc((size_t)argc + 2, sizeof *a->sets);
    a->metrics = calloc((size_t)argc + 1, sizeof *a->metrics);
    if (!a->sets || !a->metrics)
        return cli_usage_error("%s", "out of memory");
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        if (!strncmp(arg, "--set=", 6)) {
            a->sets[a->nsets++] = arg + 6;
            continue;
        }
        if (!strcmp(arg, "-q") || !strcmp(arg, "--quiet")) {
            a->quiet = true;
            continue;
        }
        bool takes = !strcmp(arg, "--set") || !strcmp(arg, "--schedulers") ||
                     !strcmp(arg, "--replications") || !strcmp(arg, "--db") ||
                     !strcmp(arg, "--plots") || !strcmp(arg, "-j") || !strcmp(arg, "--metric");
        if (!takes) {
            if (arg[0] == '-' && arg[1])
                return cli_usage_error("unknown option '%s'", arg);
            if (a->path)
                return cli_usage_error("unexpected argument '%s'", arg);
            a->path = arg;
            continue;
        }
        if (i + 1 >= argc)
            return cli_usage_error("%s needs a value", arg);
        const char *v = argv[++i];
        if (!strcmp(arg, "--set")) {
            a->sets[a->nsets++] = v;
        } else if (!strcmp(arg, "--schedulers")) {
            a->schedulers = v;
        } else if (!strcmp(arg, "--db")) {
            a->db = v;
            if (cli_check_db(v))
                return EXIT_BADINPUT;
        } else if (!strcmp(arg, "--plots")) {
            a->plots = v;
        } else if (!strcmp(arg, "--metric")) {
            a->metrics[a->nmetrics++] = v;
        } else if (!strcmp(arg, "--replications")) {
            if (!parse_int(v, 1, 1000000, &a->replications))
                return cli_usage_error("--replications: '%s' is not a whole number from 1 to "
                                       "1000000", v);
        } else if (!parse_int(v, 1, 4096, &a->jobs)) {
            return cli_usage_error("-j: '%s' is not a whole number from 1 to 4096", v);
        }
    }
    if (!a->path)
        return cli_usage_error("%s", "missing SCENARIO file");
    return 0;
}

/* Split "rr,bvt" into names (copied into buf); the count, or -1 after a
 * usage error was printed. */
static int split_scheds(const char *list, char names[MAX_SCHEDS][16])
{
    int n = 0;
    for (const char *p = list;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == 0 || len >= 16) {
            cli_usage_error("--schedulers: '%s' is not a comma-separated list of scheduler "
                            "names", list);
            return -1;
        }
        if (n == MAX_SCHEDS) {
            cli_usage_error("--schedulers: '%s' names too many schedulers", list);
            return -1;
        }
        memcpy(names[n], p, len);
        names[n][len] = '\0';
        for (int i = 0; i < n; i++)
            if (!strcmp(names[i], names[n])) {
                cli_usage_error("--schedulers: '%s' is named twice", names[n]);
                return -1;
            }
        n++;
        if (!comma)
            return n;
        p = comma + 1;
    }
}

static void draw_progress(void *ctx, int sched, int rep, int done, int total)
{
    char (*names)[16] = ctx;
    fprintf(stderr, "\r  run %d/%d: %s, replication %d   ", done + 1, total, names[sched],
            rep + 1);
    fflush(stderr);
}

static bool is_time(const char *metric)
{
    const char *colon = strchr(metric, ':');
    size_t n = colon ? (size_t)(colon - metric) : strlen(metric);
    return (n >= 3 && !memcmp(metric + n - 3, "_ns", 3)) ||
           (n >= 8 && !memcmp(metric + n - 8, "_latency", 8));
}

static bool is_fraction(const char *metric)
{
    return !strcmp(metric, "cpu_share") || !strcmp(metric, "utilization");
}

static void fmt_num(const char *metric, double v, char *buf, size_t n)
{
    if (isnan(v))
        snprintf(buf, n, "-");
    else if (is_time(metric))
        unit_format_time(v, buf, n);
    else if (is_fraction(metric))
        snprintf(buf, n, "%.2f%%", 100.0 * v);
    else
        snprintf(buf, n, "%.4g", v);
}

#define CELL_W 24

static void plot_note(void *ctx, const char *msg)
{
    (void)ctx;
    fprintf(stderr, "xensim: plots: %s\n", msg);
}

/* --plots DIR: the figures of the comparison's runs; an exit status. */
static int draw_plots(const struct cmp_result *r, const char *db_path, const char *dir,
                      bool quiet)
{
    struct plot_opts po = {
        .db_path = db_path,
        .out_dir = dir,
        .format = PLOT_PNG,
        .runs = (const char *const *)r->runs,
        .nruns = r->nruns,
        .render = true,
        .note = quiet ? NULL : plot_note,
    };
    struct plot_result pr = { 0 };
    char err[512] = "";
    int e = plot_all(&po, &pr, err, sizeof err);
    if (e < 0) {
        fprintf(stderr, "xensim: --plots %s: %s\n", dir, err[0] ? err : sim_strerror(e));
        return EXIT_BADINPUT;
    }
    if (quiet)
        return 0;
    if (pr.no_gnuplot)
        printf("plots: %d gnuplot script%s in %s; gnuplot could not be run, so nothing was "
               "rendered: install gnuplot and run `gnuplot NAME.gp` there\n", pr.written,
               pr.written == 1 ? "" : "s", dir);
    else
        printf("plots: %d figure%s in %s (%d rendered)\n", pr.written,
               pr.written == 1 ? "" : "s", dir, pr.rendered);
    return 0;
}

static void print_table(const struct cmp_result *r, char names[][16], const char *first)
{
    printf("  %-12s %-20s", "module", "metric");
    for (int s = 0; s < r->nscheds; s++)
        printf(" %-*s", s + 1 == r->nscheds ? 0 : CELL_W, names[s]);
    printf("\n");
    const char *module = NULL;
    for (size_t i = 0; i < r->nrows; i++) {
        const struct cmp_row *row = &r->rows[i];
        bool same = module && !strcmp(module, row->module);
        module = row->module;
        printf("  %-12s %-20s", same ? "" : row->module, row->metric);
        for (int s = 0; s < r->nscheds; s++) {
            const struct cmp_cell *c = &row->cells[s];
            char m[32], h[32], cell[80];
            fmt_num(row->metric, c->mean, m, sizeof m);
            if (isnan(c->half)) {
                snprintf(cell, sizeof cell, "%s", m);
            } else {
                fmt_num(row->metric, c->half, h, sizeof h);
                snprintf(cell, sizeof cell, "%s ± %s", m, h);
            }
            if (c->significant)
                strncat(cell, " *", sizeof cell - strlen(cell) - 1);
            /* "±" is two bytes but one column wide; the last column unpadded. */
            int pad = s + 1 == r->nscheds ? 0 : CELL_W + (strstr(cell, "±") ? 1 : 0);
            printf(" %-*s", pad, cell);
        }
        printf("\n");
    }
    printf("mean ± %g%% Student-t half-width over %d replication%s; * differs from %s "
           "(paired t-test over replications, p < %g)\n", 100.0 * r->level, r->reps,
           r->reps == 1 ? "" : "s", first, 1.0 - r->level);
}

int cmd_compare(int argc, char **argv)
{
    cli_catch_signals();
    struct args a;
    int rc = parse_args(argc, argv, &a);
    char names[MAX_SCHEDS][16];
    int nscheds = rc ? -1 : split_scheds(a.schedulers, names);
    if (rc || nscheds < 0) {
        free(a.sets);
        free(a.metrics);
        return EXIT_BADINPUT;
    }
    struct scn *scns[MAX_SCHEDS] = { 0 };
    char override[64];
    int status = 0;
    for (int s = 0; s < nscheds && !status; s++) {
        snprintf(override, sizeof override, "scheduler.name=%s", names[s]);
        a.sets[a.nsets] = override;     /* last, so it wins over the user's */
        struct scn_args sa = { .path = a.path, .sets = a.sets, .nsets = a.nsets + 1 };
        scns[s] = cli_load(&sa);
        if (!scns[s])
            status = EXIT_BADINPUT;
    }
    const char *db_path = a.db ? a.db : DEFAULT_DB;
    struct cmp_result r = { 0 };
    if (!status) {
        if (scns[0]->nsweep && !a.quiet)
            fprintf(stderr, "xensim: note: %s has a sweep of %" PRIu64 " points; `compare` "
                    "simulates the scenario without it (use --set to pick a point)\n", a.path,
                    scns[0]->sweep_points);
        int reps = a.replications ? a.replications
                                  : (scns[0]->replications > 2 ? scns[0]->replications : 2);
        bool tty = isatty(STDERR_FILENO) && !a.quiet;
        struct cmp_opts o = {
            .db_path = db_path,
            .replications = reps,
            .jobs = a.jobs,
            .seed = scns[0]->seed,
            .level = CMP_LEVEL_DEFAULT,
            .metrics = a.nmetrics ? a.metrics : NULL,
            .nmetrics = a.nmetrics,
            .progress = tty ? draw_progress : NULL,
            .progress_ctx = names,
            .interrupted = &cli_interrupted,
        };
        char err[512] = "";
        int e = cmp_run(scns, nscheds, &o, &r, err, sizeof err);
        if (tty)
            fprintf(stderr, "\r%*s\r", 60, "");
        if (e < 0) {
            /* A database error names the database itself. */
            fprintf(stderr, "xensim: %s%s%s%s\n", e == -SIM_EDB && err[0] ? "" : a.path,
                    e == -SIM_EDB && err[0] ? "" : ": ", err[0] ? err : sim_strerror(e),
                    e == -SIM_ESTATE ? " (finished runs stay recorded)" : "");
            status = e == -SIM_ESTATE ? EXIT_INTERRUPTED : EXIT_BADINPUT;
        }
    }
    if (!status && !a.quiet) {
        printf("compare %s (%s): %d scheduler%s x %d replication%s, seed %" PRIu64 "; %d run%s "
               "simulated, %d already in %s\n", scns[0]->name, a.path, nscheds,
               nscheds == 1 ? "" : "s", r.reps, r.reps == 1 ? "" : "s", scns[0]->seed,
               r.runs_done, r.runs_done == 1 ? "" : "s", r.runs_skipped, db_path);
        print_table(&r, names, names[0]);
        for (size_t m = 0; m < a.nmetrics; m++) {
            bool found = false;
            for (size_t i = 0; i < r.nrows && !found; i++)
                found = !strcmp(r.rows[i].metric, a.metrics[m]);
            if (!found)
                fprintf(stderr, "xensim: note: --metric %s: no module has a non-zero value of "
                        "it (metric names: docs/results.md; a statistic's mean is "
                        "STAT:mean)\n", a.metrics[m]);
        }
    }
    if (!status && a.plots)
        status = draw_plots(&r, db_path, a.plots, a.quiet);
    cmp_result_free(&r);
    for (int s = 0; s < nscheds; s++)
        scn_free(scns[s]);
    free(a.sets);
    free(a.metrics);
    return status;
}
