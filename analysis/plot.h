/*
 * analysis/plot.h: the standard figures of a results database as gnuplot
 * scripts (`xensim plot`, docs/plots.md).
 *
 * Each figure is one self-contained script DIR/NAME.gp whose data sit
 * inside it as gnuplot 5 datablocks ($name << EOD ... EOD), so the script
 * re-renders on its own (`gnuplot NAME.gp`) and can be edited by hand. The
 * scripts are written first; then, if asked, gnuplot runs on each one
 * (posix_spawnp, PATH lookup) and its exit status is checked.
 *
 * Figures (docs/plots.md says what each shows and from which tables):
 *   latency-<stat>   CDF of a latency statistic per domain (one panel per
 *                    domain, one curve per scheduler / sweep point), from
 *                    the histogramBin rows pooled over the selected runs;
 *   cpu-share        measured cpu_share against the entitlement the
 *                    scheduler's parameters give (runConfig), per domain;
 *   sweep            throughput and latency against the first sweep
 *                    variable, mean over replications with Student-t 95%
 *                    confidence bars (skipped without a sweep);
 *   gantt            which vCPU ran on which pCPU, from the "timeline"
 *                    vectors of a run recorded with `xensim run --timeline`;
 *   runq             run-queue length over time per pCPU (the "runq"
 *                    vectors of the same run).
 * A figure without data is skipped with a note.
 *
 * Reads the database with plain SQL on a read-only connection; never
 * prints (notes go to a callback). Errors are 0 or a negative enum sim_err
 * with a message in the caller's buffer.
 *
 * Simplified: entitlement ignores pCPU placement and caps (see
 * docs/plots.md); latency curves pool replications (each sample counts
 * once); the sweep figure uses the first sweep variable only and groups by
 * the others' values.
 */
#ifndef XENSIM_ANALYSIS_PLOT_H
#define XENSIM_ANALYSIS_PLOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum plot_format {
    PLOT_PNG,                       /* pngcairo, 1000x640 px */
    PLOT_SVG                        /* svg, 1000x640 */
};

/* A note about what was (not) drawn, e.g. "sweep: no sweep in the
 * database, figure skipped". */
typedef void plot_note_fn(void *ctx, const char *msg);

struct plot_opts {
    const char *db_path;            /* results database (read only) */
    const char *out_dir;            /* created if missing */
    enum plot_format format;
    const char *const *runs;        /* runId (decimal) or runName; NULL/0: all runs */
    size_t nruns;
    bool have_window;               /* --window given */
    int64_t win_start, win_end;     /* ns from the start of the measured window;
                                       end INT64_MAX: to the end of the recording */
    bool render;                    /* run gnuplot on each script */
    const char *gnuplot;            /* program (PATH lookup); NULL: "gnuplot" */
    plot_note_fn *note;             /* may be NULL */
    void *note_ctx;
};

struct plot_result {
    int written;                    /* scripts written */
    int rendered;                   /* of those, rendered by gnuplot (exit 0) */
    bool no_gnuplot;                /* render asked but gnuplot could not be run */
    uint64_t db_steps;              /* SQLite virtual-machine steps of the queries: the
                                       work of reading the database, for tests of how
                                       it grows with the runs */
};

/*
 * Write every figure's script into o->out_dir and, if o->render, render
 * it. 0 (even when gnuplot is missing: r->no_gnuplot), -SIM_EBADINPUT (no
 * such database, no runs, an unknown --run), -SIM_EIO (cannot write the
 * directory), -SIM_EDB, -SIM_ESTATE (gnuplot failed on a script), with a
 * message in err.
 */
int plot_all(const struct plot_opts *o, struct plot_result *r, char *err, size_t errlen);

/* Parse a window "START:END" of times with units ("0:100ms", "2s:2.5s");
 * an empty END means to the end (INT64_MAX), an empty START 0. Requires
 * 0 <= START < END. 0 or -SIM_EBADINPUT with a message. */
int plot_parse_window(const char *s, int64_t *start, int64_t *end, char *err,
                      size_t errlen);

#endif
