/*
 * sim/cli/cmd_dashboard.c: `xensim dashboard HISTORY.db --out DIR
 * [--tolerance PCT] [--alpha A] [--window N] [--no-figures] [-q]`: write
 * a result history (analysis/history.h) as a static web site into DIR
 * (analysis/dashboard.h, docs/dashboard.md) and say where its index is.
 *
 * --tolerance, --alpha and --window are the step rule's, read as `xensim
 * history regressions` reads them; their defaults are the history's
 * (HISTORY_*_DEFAULT). gnuplot is found as `xensim plot` finds it
 * (cli_find_gnuplot); without it the pages say so and the exit status is
 * still 0. Exit 0 on success, 2 on bad input or an unwritable DIR.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/dashboard.h"
#include "sim/cli/cli.h"
#include "sim/err.h"

/* A number, optionally followed by '%'. */
static bool parse_double(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno || !isfinite(v))
        return false;
    if (*end == '%' && end[1] == '\0')
        end++;
    if (*end)
        return false;
    *out = v;
    return true;
}

static bool parse_window(const char *s, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end || errno || v < 1 || v > INT_MAX)
        return false;
    *out = (int)v;
    return true;
}

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
    };
    bool quiet = false;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        bool takes = !strcmp(a, "--out") || !strcmp(a, "--tolerance") || !strcmp(a, "--alpha")
                     || !strcmp(a, "--window");
        if (takes && i + 1 >= argc)
            return cli_usage_error("%s needs a value", a);
        double d;
        if (!strcmp(a, "--out")) {
            o.out_dir = argv[++i];
        } else if (!strcmp(a, "--tolerance")) {
            const char *v = argv[++i];
            if (!parse_double(v, &d) || d < 0)
                return cli_usage_error("--tolerance: '%s' is not a percentage >= 0", v);
            o.hist.tolerance = d / 100.0;
        } else if (!strcmp(a, "--alpha")) {
            const char *v = argv[++i];
            if (!parse_double(v, &d) || !(d > 0 && d < 1))
                return cli_usage_error("--alpha: '%s' is not a level between 0 and 1", v);
            o.hist.alpha = d;
        } else if (!strcmp(a, "--window")) {
            const char *v = argv[++i];
            if (!parse_window(v, &o.hist.window))
                return cli_usage_error("--window: '%s' is not a number of nights >= 1", v);
        } else if (!strcmp(a, "--no-figures")) {
            o.figures = false;
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            quiet = true;
        } else if (a[0] == '-' && a[1]) {
            return cli_usage_error("unknown option '%s'", a);
        } else if (!o.history) {
            o.history = a;
        } else {
            return cli_usage_error("unexpected argument '%s'", a);
        }
    }
    if (!o.history)
        return cli_usage_error("%s", "missing the history HISTORY.db");
    if (cli_check_db(o.history))
        return EXIT_BADINPUT;
    if (!o.out_dir || !o.out_dir[0])
        return cli_usage_error("%s", "missing --out DIR");
    o.gnuplot = cli_find_gnuplot();
    o.note = print_note;
    o.note_ctx = &quiet;
    struct dash_result r;
    char err[1024] = "";
    int rc = dash_write(&o, &r, err, sizeof err);
    if (rc < 0) {
        fprintf(stderr, "xensim dashboard: %s\n", err[0] ? err : sim_strerror(rc));
        return EXIT_BADINPUT;
    }
    if (r.no_gnuplot)
        fprintf(stderr, "xensim dashboard: note: gnuplot could not be run (install it, e.g. "
                "`apt-get install gnuplot-nox`), so the pages show no figures; their scripts "
                "are in %s/s/*-fig/\n", o.out_dir);
    if (!quiet) {
        printf("%zu night%s, %zu scenario%s, %zu series, %zu step%s, %d figure%s: %s/index.html"
               "\n", r.nights, r.nights == 1 ? "" : "s", r.scenarios,
               r.scenarios == 1 ? "" : "s", r.series, r.steps, r.steps == 1 ? "" : "s",
               r.figures, r.figures == 1 ? "" : "s", o.out_dir);
        if (r.nights)
            printf("%zu regression%s in the newest night, %s\n", r.newest_regressions,
                   r.newest_regressions == 1 ? "" : "s", r.newest);
    }
    return 0;
}
