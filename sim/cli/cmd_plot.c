/*
 * sim/cli/cmd_plot.c: `xensim plot DB --out DIR [--format png|svg]
 * [--run ID|NAME]... [--window START:END] [--no-render] [-q]`: write the
 * standard figures of a results database as gnuplot scripts into DIR and
 * render them (analysis/plot.h, docs/plots.md).
 *
 * gnuplot: cli_find_gnuplot ($XENSIM_GNUPLOT, PATH, then the one configure
 * found). Without any, the scripts are still
 * written, the message says how to render them, and the exit status is 0.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/plot.h"
#include "sim/cli/cli.h"
#include "sim/err.h"

static void print_note(void *ctx, const char *msg)
{
    if (!*(const bool *)ctx)
        fprintf(stderr, "xensim plot: note: %s\n", msg);
}

int cmd_plot(int argc, char **argv)
{
    struct plot_opts o = { .format = PLOT_PNG, .render = true };
    bool quiet = false;
    const char **runs = calloc((size_t)argc + 1, sizeof *runs);
    if (!runs)
        return cli_usage_error("%s", "out of memory");
    int status = EXIT_BADINPUT;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        bool has_val = !strcmp(a, "--out") || !strcmp(a, "--format") || !strcmp(a, "--run")
                       || !strcmp(a, "--window");
        if (has_val && i + 1 >= argc) {
            cli_usage_error("%s needs a value", a);
            goto out;
        }
        if (!strcmp(a, "--out")) {
            o.out_dir = argv[++i];
        } else if (!strcmp(a, "--format")) {
            const char *v = argv[++i];
            if (!strcmp(v, "png")) {
                o.format = PLOT_PNG;
            } else if (!strcmp(v, "svg")) {
                o.format = PLOT_SVG;
            } else {
                cli_usage_error("--format: '%s' is not png or svg", v);
                goto out;
            }
        } else if (!strcmp(a, "--run")) {
            runs[o.nruns++] = argv[++i];
        } else if (!strcmp(a, "--window")) {
            char err[256];
            if (plot_parse_window(argv[++i], &o.win_start, &o.win_end, err, sizeof err) < 0) {
                fprintf(stderr, "xensim plot: --window: %s\n", err);
                cli_usage_error("%s", "--window takes START:END, e.g. 0:20ms");
                goto out;
            }
            o.have_window = true;
        } else if (!strcmp(a, "--no-render")) {
            o.render = false;
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            quiet = true;
        } else if (a[0] == '-' && a[1]) {
            cli_usage_error("unknown option '%s'", a);
            goto out;
        } else if (!o.db_path) {
            o.db_path = a;
        } else {
            cli_usage_error("unexpected argument '%s'", a);
            goto out;
        }
    }
    if (!o.db_path) {
        cli_usage_error("%s", "missing the results database DB");
        goto out;
    }
    if (cli_check_db(o.db_path))
        goto out;
    if (!o.out_dir) {
        cli_usage_error("%s", "missing --out DIR");
        goto out;
    }
    o.runs = runs;
    o.gnuplot = cli_find_gnuplot();
    o.note = print_note;
    o.note_ctx = &quiet;
    struct plot_result r;
    char err[1024] = "";
    int rc = plot_all(&o, &r, err, sizeof err);
    if (rc < 0) {
        fprintf(stderr, "xensim plot: %s\n", err);
        if (rc == -SIM_ESTATE)
            fprintf(stderr, "xensim plot: the scripts are in %s; fix or re-render them with "
                    "`gnuplot %s/*.gp`\n", o.out_dir, o.out_dir);
        status = EXIT_BADINPUT;
        goto out;
    }
    status = 0;
    const char *ext = o.format == PLOT_SVG ? "svg" : "png";
    if (r.no_gnuplot) {
        fprintf(stderr, "xensim plot: note: gnuplot could not be run (install it, e.g. "
                "`apt-get install gnuplot-nox`); %d scripts are in %s, render them with "
                "`gnuplot %s/*.gp`\n", r.written, o.out_dir, o.out_dir);
    } else if (!quiet) {
        if (o.render)
            printf("%d figures written to %s (%d rendered as %s)\n", r.written, o.out_dir,
                   r.rendered, ext);
        else
            printf("%d scripts written to %s; render them with `gnuplot %s/*.gp`\n",
                   r.written, o.out_dir, o.out_dir);
    }
out:
    free(runs);
    return status;
}
