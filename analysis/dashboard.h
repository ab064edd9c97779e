/*
 * analysis/dashboard.h: a result history (analysis/history.h) as a static
 * web site (`xensim dashboard`, docs/dashboard.md).
 *
 * The site opens from the file system with no network: DIR/index.html (a
 * summary of the newest night, every scenario with its series, a trend
 * sparkline each), DIR/style.css, and one page per scenario,
 * DIR/s/NAME.html, with a trend chart per series (mean per night, its
 * Student-t 95% confidence band, the steps history_read found) and the
 * newest night's standard figures (analysis/plot, SVG, in DIR/s/NAME-fig/).
 * Charts are inline SVG drawn here; pages hold no script, no font and no
 * address outside DIR. The same history gives byte-identical pages: the
 * only times written are the history's own.
 *
 * The pure parts (escaping, file names, axis ticks, scales, paths, value
 * formats) are public for the unit tests.
 *
 * Simplified: x is the night's rank, not its time, so nights are evenly
 * spaced whatever their dates; a figure directory is emptied of its .svg
 * and .gp files before the figures are drawn again, and pages of scenarios
 * no longer in the history are left in DIR.
 */
#ifndef XENSIM_ANALYSIS_DASHBOARD_H
#define XENSIM_ANALYSIS_DASHBOARD_H

#include <stdbool.h>
#include <stddef.h>

#include "analysis/history.h"

/* A note about what was (not) drawn, e.g. a skipped figure. */
typedef void dash_note_fn(void *ctx, const char *msg);

struct dash_opts {
    const char *history;            /* the history database (read only) */
    const char *out_dir;            /* created if missing */
    struct history_opts hist;       /* the step rule (tolerance, alpha, window) */
    bool figures;                   /* draw the newest night's standard figures */
    size_t nights;                  /* show the newest this many nights; 0: all (the steps
                                       are found over the whole history either way) */
    const char *gnuplot;            /* program (PATH lookup); NULL: "gnuplot" */
    dash_note_fn *note;             /* may be NULL */
    void *note_ctx;
};

#define DASH_NIGHTS_DEFAULT 60       /* nights shown by `xensim dashboard` */

struct dash_result {
    size_t nights;                  /* shown */
    size_t all_nights;              /* in the history */
    size_t scenarios;               /* pages written */
    size_t series;
    size_t steps;                   /* flags over the nights shown */
    size_t newest_regressions;      /* flags of the newest night that are regressions */
    char newest[HISTORY_LABEL_MAX + 1];     /* the newest night's label ("" if none) */
    int figures;                    /* figure images embedded in the pages */
    bool no_gnuplot;                /* figures asked but gnuplot could not be run */
};

/*
 * Read the history o->history, find its steps with o->hist, and write the
 * site into o->out_dir. 0, or -SIM_EBADINPUT (no such history, not a
 * history, bad options), -SIM_EIO (cannot write DIR), -SIM_ESCHEMA,
 * -SIM_EDB, -SIM_ENOMEM, with a message in err. A figure that fails does
 * not fail the site: its page says why, and so does a note.
 */
int dash_write(const struct dash_opts *o, struct dash_result *r, char *err, size_t errlen);

/* ---- pure parts ---- */

/* s with & < > " ' as character references and control characters
 * (but tab, LF, CR) as U+FFFD, into out (n bytes, always terminated when
 * n > 0). Returns the length of the whole result, as snprintf does. */
size_t dash_html_escape(const char *s, char *out, size_t n);

/* A file name for a scenario name: its bytes of [A-Za-z0-9._-] kept, any
 * other one as '_', at most 64 of them; when that changed anything (or
 * the name is empty or starts with '.'), "-" and 8 hex digits of the
 * name's FNV-1a hash follow, so that names differing only in replaced
 * bytes get different files (unless their 32-bit hashes collide).
 * Written as dash_html_escape writes; returns the whole length. */
size_t dash_file_name(const char *name, char *out, size_t n);

#define DASH_TICKS_MAX 16

/* Axis ticks: multiples of step (1, 2 or 5 times a power of ten) from lo
 * to hi, covering [min, max] with about `target` of them. */
struct dash_ticks {
    double lo, hi, step;
    int n;                          /* ticks in v */
    double v[DASH_TICKS_MAX];
};

/* Ticks of [min, max]; an empty range is widened by 10% of its value
 * each way, or to [0, 1] at 0 (a metric that stays 0 is mostly a count). 0, or -SIM_EINVAL (a bound not finite, min > max, target
 * outside 2 .. DASH_TICKS_MAX - 2). */
int dash_nice_ticks(double min, double max, int target, struct dash_ticks *t);

/* v mapped linearly from [d0, d1] to [r0, r1]; the middle of the range
 * when d0 == d1. */
double dash_scale(double v, double d0, double d1, double r0, double r1);

/* An SVG path through the points (x[i], y[i]) as "M x,y L x,y ..." with
 * one decimal; a point whose y is NaN is left out and starts a new
 * subpath after it. Written as dash_html_escape writes (the output needs
 * no escaping); returns the whole length. */
size_t dash_path(const double *x, const double *y, size_t n, char *out, size_t len);

/* A sparkline of v[0 .. n-1] (NaN: missing) in a w x h box with pad
 * units of margin: x evenly spaced, y scaled to the finite values'
 * range (top = largest), as dash_path writes it. */
size_t dash_sparkline(const double *v, size_t n, double w, double h, double pad, char *out,
                      size_t len);

#endif
