/*
 * sim/cmd_sweep.c: `xensim sweep` (issue 5; docs/experiments.md): parse the
 * options, plan the scenario's campaign and execute it with the sweep
 * runner (analysis/sweep), drawing a progress line on a terminal, and
 * print the outcome. All the work is in analysis/sweep.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/sweep.h"
#include "sim/cli.h"
#include "sim/err.h"

#define MAX_FAILURES_SHOWN 20
#define STR_(x) #x
#define STR(x) STR_(x)

struct sweep_args {
    int jobs;
    bool resume;
};

/* A whole number of workers, 1 .. SWEEP_MAX_JOBS. */
static bool parse_jobs(const char *s, int *out)
{
    char *end;
    errno = 0;
    if (!*s || *s == '-' || *s == '+')
        return false;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < 1 || v > SWEEP_MAX_JOBS)
        return false;
    *out = (int)v;
    return true;
}

/* Take -j N (-jN, --jobs N, --jobs=N) and --resume out of argv; the rest
 * goes to cli_parse_scn_args. Returns 0 or EXIT_BADINPUT. */
static int take_sweep_args(int *argc, char **argv, struct sweep_args *sa)
{
    int n = 0;
    for (int i = 0; i < *argc; i++) {
        const char *a = argv[i];
        const char *val = NULL;
        if (!strcmp(a, "--set") || !strcmp(a, "--db") || !strcmp(a, "--seed")) {
            argv[n++] = argv[i];
            if (i + 1 < *argc)
                argv[n++] = argv[++i];
            continue;
        }
        if (!strcmp(a, "--resume")) {
            sa->resume = true;
            continue;
        }
        if (!strcmp(a, "-j") || !strcmp(a, "--jobs")) {
            if (i + 1 >= *argc)
                return cli_usage_error("%s needs a number of workers", a);
            val = argv[++i];
        } else if (!strncmp(a, "-j", 2) && a[2]) {
            val = a + 2;
        } else if (!strncmp(a, "--jobs=", 7)) {
            val = a + 7;
        } else {
            argv[n++] = argv[i];
            continue;
        }
        if (!parse_jobs(val, &sa->jobs))
            return cli_usage_error("-j: '%s' is not a number of workers from 1 to "
                                   STR(SWEEP_MAX_JOBS), val);
    }
    *argc = n;
    return 0;
}

static void fmt_duration(double s, char *buf, size_t n)
{
    if (isnan(s)) {
        snprintf(buf, n, "?");
        return;
    }
    long t = (long)(s + 0.5);
    if (t >= 3600)
        snprintf(buf, n, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(buf, n, "%ld:%02ld", t / 60, t % 60);
}

static void draw_progress(void *ctx, const struct sweep_status *st)
{
    (void)ctx;
    char eta[32], el[32];
    fmt_duration(st->eta_s, eta, sizeof eta);
    fmt_duration(st->elapsed_s, el, sizeof el);
    size_t done = st->existing + st->done + st->skipped;
    fprintf(stderr, "\r  sweep: %zu/%zu runs done, %zu running, %zu failed, %s elapsed, "
            "ETA %s   ", done, st->total, st->running, st->failed, el, eta);
    fflush(stderr);
}

int cmd_sweep(int argc, char **argv)
{
    cli_catch_signals();
    struct sweep_args sa = { .jobs = 1 };
    int rc = take_sweep_args(&argc, argv, &sa);
    if (rc)
        return rc;
    struct scn_args a;
    rc = cli_parse_scn_args(argc, argv, &a, true);
    if (rc) {
        free(a.sets);
        return rc;
    }
    struct sweep_plan_opts po = { .sets = a.sets, .nsets = a.nsets, .have_seed = a.have_seed,
                                  .seed = a.seed };
    struct scn_diags *d = NULL;
    char err[512] = "";
    struct sweep_plan *p = sweep_plan_load(a.path, &po, &d, err, sizeof err);
    free(a.sets);
    if (!p) {
        if (d) {
            char *text = scn_diags_text(d);
            fputs(text ? text : "out of memory\n", stderr);
            free(text);
            scn_diags_free(d);
        } else {
            fprintf(stderr, "xensim: %s: %s\n", a.path, err);
        }
        return EXIT_BADINPUT;
    }
    const struct scn *s = sweep_plan_scn(p);
    const char *db_path = a.db ? a.db : DEFAULT_DB;
    for (size_t k = 0; k < sweep_plan_nfixed(p) && !a.quiet; k++)
        fprintf(stderr, "xensim: note: --set fixes the swept path %s: it is not swept\n",
                sweep_plan_fixed(p, k));
    size_t nruns = sweep_plan_runs(p);
    if (!a.quiet) {
        printf("sweep %s (hash %s): %" PRIu64 " point%s", s->name, s->hash,
               sweep_plan_points(p), sweep_plan_points(p) == 1 ? "" : "s");
        for (size_t k = 0; k < sweep_plan_naxes(p); k++)
            printf("%s%s", k ? " x " : " over ", sweep_plan_axis(p, k));
        printf(", %zu run%s, %d worker%s, into %s\n", nruns, nruns == 1 ? "" : "s", sa.jobs,
               sa.jobs == 1 ? "" : "s", db_path);
        fflush(stdout);
    }
    bool tty = isatty(STDERR_FILENO) && !a.quiet;
    struct sweep_opts so = {
        .db_path = db_path,
        .jobs = sa.jobs,
        .resume = sa.resume,
        .progress = tty ? draw_progress : NULL,
        .interrupted = &cli_interrupted,
    };
    struct sweep_result res;
    rc = sweep_exec(p, &so, &res, err, sizeof err);
    if (tty)
        fprintf(stderr, "\r%*s\r", 100, "");
    int status = 0;
    if (rc == -SIM_EEXIST) {
        fprintf(stderr, "xensim: %s; pass --resume to complete it (runs already recorded are "
                "skipped), or use another --db\n", err);
        status = EXIT_BADINPUT;
    } else if (rc == -SIM_ESTATE && cli_interrupted) {
        fprintf(stderr, "xensim: sweep interrupted: %zu runs recorded, %zu not run (the runs "
                "in flight left nothing); run again with --resume to finish\n",
                res.st.existing + res.st.done + res.st.skipped, res.not_run);
        status = EXIT_INTERRUPTED;
    } else if (rc < 0 && res.nfailures == 0) {
        fprintf(stderr, "xensim: %s: %s\n", a.path, err[0] ? err : sim_strerror(rc));
        status = EXIT_BADINPUT;
    }
    for (size_t k = 0; k < res.nfailures && k < MAX_FAILURES_SHOWN; k++) {
        const struct sweep_failure *f = &res.failures[k];
        if (f->run == SIZE_MAX)
            fprintf(stderr, "xensim: a worker could not start: %s\n", f->msg);
        else
            fprintf(stderr, "xensim: run %s failed: %s\n", sweep_plan_run_name(p, f->run),
                    f->msg);
    }
    if (res.nfailures > MAX_FAILURES_SHOWN)
        fprintf(stderr, "xensim: ... and %zu more failures\n",
                res.nfailures - MAX_FAILURES_SHOWN);
    if (res.nfailures) {
        fprintf(stderr, "xensim: %zu of %zu runs failed (they left nothing in %s)\n",
                res.st.failed ? res.st.failed : res.nfailures, nruns, db_path);
        if (status == 0)
            status = EXIT_BADINPUT;
    }
    if (status == 0 && !a.quiet) {
        printf("sweep %s: %zu runs: %zu simulated, %zu already in %s\n", s->name, nruns,
               res.st.done, res.st.existing + res.st.skipped, db_path);
        printf("results in %s\n", db_path);
    }
    sweep_result_free(&res);
    sweep_plan_free(p);
    return status;
}
