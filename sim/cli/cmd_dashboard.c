/*
 * sim/cli/cmd_dashboard.c: `xensim dashboard HISTORY.db --out DIR
 * [--nights N|all] [--tolerance PCT] [--alpha A] [--window N]
 * [--metric NAME]... [--no-figures] [-q]`: write a result history (analysis/history.h) as a
 * static web site into DIR (analysis/dashboard.h, docs/dashboard.md) and
 * say where its index is.
 *
 * --tolerance, --alpha, --window and --metric are the step rule's, read by
 * cli_history_option as `xensim history regressions` reads them; their
 * defaults are the history's (HISTORY_*_DEFAULT). gnuplot is found as
 * `xensim plot` finds it (cli_find_gnuplot); without it the pages say so
 * and the exit status is still 0. Exit 0 on success, 2 on bad input or an
 * unwritable DIR.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/dashboard.h"
#include "sim/cli/cli.h"
#include "sim/err.h"

static void print_note(void *ctx, const char *msg)
{
    if (!*(const bool *)ctx)
        fprintf(stderr, "xensim dashboard: note: %s\n", msg);
}

int cmd_dashboard(int argc, char **argv)
{
    struct dash_opts o = {
        .hist = { .tolerance = HISTORY_TOLERANCE_DEFAULT, .alpha = HISTORY_ALPHA_DEFAULT,
                  .window = HISTORY_WINDOW_DEFAULT },
        .figures = true,
        .nights = DASH_NIGHTS_DEFAULT,
    };
    bool quiet = false;
    const char **metrics = calloc((size_t)argc + 1, sizeof *metrics);
    if (!metrics)
        return cli_usage_error("%s", "out of memory");
    size_t nmetrics = 0;
    int status = EXIT_BADINPUT;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        bool takes = !strcmp(a, "--out") || !strcmp(a, "--tolerance") || !strcmp(a, "--alpha")
                     || !strcmp(a, "--window") || !strcmp(a, "--metric")
                     || !strcmp(a, "--nights");
        if (takes && i + 1 >= argc) {
            cli_usage_error("%s needs a value", a);
            goto out;
        }
        if (!strcmp(a, "--out")) {
            o.out_dir = argv[++i];
        } else if (!strcmp(a, "--nights")) {
            const char *v = argv[++i];
            char *end;
            errno = 0;
            long k = strcmp(v, "all") ? strtol(v, &end, 10) : 0;
            if (strcmp(v, "all") && (end == v || *end || errno || k < 1 || k > 1000000)) {
                cli_usage_error("--nights: '%s' is not a number of nights from 1, or all", v);
                goto out;
            }
            o.nights = (size_t)k;
        } else if (takes) {
            if (cli_history_option(a, argv[++i], &o.hist, metrics, &nmetrics))
                goto out;
        } else if (!strcmp(a, "--no-figures")) {
            o.figures = false;
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            quiet = true;
        } else if (a[0] == '-' && a[1]) {
            cli_usage_error("unknown option '%s'", a);
            goto out;
        } else if (!o.history) {
            o.history = a;
        } else {
            cli_usage_error("unexpected argument '%s'", a);
            goto out;
        }
    }
    if (!o.history) {
        cli_usage_error("%s", "missing the history HISTORY.db");
        goto out;
    }
    if (cli_check_db(o.history))
        goto out;
    if (!o.out_dir || !o.out_dir[0]) {
        cli_usage_error("%s", "missing --out DIR");
        goto out;
    }
    o.hist.metrics = nmetrics ? metrics : NULL;
    o.hist.nmetrics = nmetrics;
    o.gnuplot = cli_find_gnuplot();
    o.note = print_note;
    o.note_ctx = &quiet;
    struct dash_result r;
    char err[1024] = "";
    int rc = dash_write(&o, &r, err, sizeof err);
    if (rc < 0) {
        fprintf(stderr, "xensim dashboard: %s\n", err[0] ? err : sim_strerror(rc));
        goto out;
    }
    if (r.no_gnuplot)
        fprintf(stderr, "xensim dashboard: note: gnuplot could not be run (install it, e.g. "
                "`apt-get install gnuplot-nox`), so the pages show no figures; their scripts "
                "are in %s/s/*-fig/\n", o.out_dir);
    if (!quiet) {
        if (r.all_nights > r.nights)
            printf("the newest %zu of %zu nights shown\n", r.nights, r.all_nights);
        printf("%zu night%s, %zu scenario%s, %zu series, %zu step%s, %d figure%s: %s/index.html"
               "\n", r.nights, r.nights == 1 ? "" : "s", r.scenarios,
               r.scenarios == 1 ? "" : "s", r.series, r.steps, r.steps == 1 ? "" : "s",
               r.figures, r.figures == 1 ? "" : "s", o.out_dir);
        if (r.nights)
            printf("%zu regression%s in the newest night, %s\n", r.newest_regressions,
                   r.newest_regressions == 1 ? "" : "s", r.newest);
    }
    status = 0;
out:
    free(metrics);
    return status;
}
