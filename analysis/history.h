/*
 * analysis/history.h: a result history of nightly runs and the steps in it
 * (`xensim history add|list|regressions`, read by `xensim dashboard`).
 *
 * A history is a results database (analysis/store's schema, DESIGN.md
 * section 6) with one more table, historyNight(nightId, label, nightTime,
 * addedTime), and one more run attribute, "night" (the night's label). A
 * night's runs are copied in by analysis/merge with the runName prefixed
 * by "LABEL/", so the same run of another night is another row, and adding
 * the same results database to the same night twice copies nothing: the
 * runs are whole (one transaction each) and idempotent. Each run keeps its
 * attributes, among them the xensim version and the scenario hash. Every
 * tool that reads results databases (report, plot, regress) reads a
 * history too.
 *
 * Series. The runs of one night are grouped by (scenario, scheduler, sweep
 * point): the replications of one experiment. A series is one metric of
 * one module of one group over the nights: every scalar and every
 * statistic's mean (as "STAT:mean"), as analysis/regress reads them. Each
 * night of a series has n replications, their mean, sample standard
 * deviation and a Student-t 95% confidence interval of the mean.
 *
 * Step detection (docs/experiments.md states it for users). The nights of
 * a series are walked in time order, keeping the stable stretch: the
 * nights since the last step, at most `window` of them. A night is a step
 * when, against all the replications of the stretch pooled,
 *   - its mean moved by more than the tolerance relative to the stretch's
 *     mean (any move when that mean is 0), and
 *   - where both sides have at least two values, Welch's t-test (as in
 *     analysis/regress.h) finds the difference significant at alpha (the
 *     Welch confidence interval of the difference excludes 0); with one
 *     value on either side the tolerance alone decides.
 * A step is a regression when it goes in the metric's bad direction
 * (regress_direction), an improvement in the other, a change for a metric
 * without a bad direction. After a step the stretch restarts at the
 * stepping night, so a level that stays is flagged once; a one-night blip
 * is flagged twice, out and back. The first night of a series has nothing
 * to be compared with.
 *
 * Simplified: no correction for testing many metrics over many nights
 * beyond the tolerance and a stricter default alpha than `regress`; nights
 * are ordered by their time then label, not by commit ancestry.
 */
#ifndef XENSIM_ANALYSIS_HISTORY_H
#define XENSIM_ANALYSIS_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analysis/regress.h"

#define HISTORY_TOLERANCE_DEFAULT 0.05  /* fraction of the stretch's mean */
#define HISTORY_ALPHA_DEFAULT 0.01
#define HISTORY_WINDOW_DEFAULT 10       /* nights in the stable stretch, at most */
#define HISTORY_LABEL_MAX 64            /* bytes of a night's label */

/* ---- adding and listing nights ---- */

struct history_add_result {
    int64_t copied;                 /* runs copied into the history */
    int64_t present;                /* runs already in it for that night */
    bool new_night;                 /* the label was not in the history before */
};

/*
 * Append the runs of results_db to the night `label` of the history at
 * path (created if missing). label: 1..HISTORY_LABEL_MAX bytes of
 * [A-Za-z0-9._:+-], no '/'. time_s: the night's time, seconds since the
 * epoch (UTC); have_time false means now for a new night and the stored
 * time for an existing one. An existing night given another time is
 * refused. 0, or -SIM_EBADINPUT (bad label, a time that disagrees, a
 * results database of no runs), -SIM_ENOENT / -SIM_EIO / -SIM_ESCHEMA /
 * -SIM_EDB as analysis/merge, with a message in err.
 */
int history_add(const char *path, const char *results_db, const char *label, bool have_time,
                int64_t time_s, struct history_add_result *res, char *err, size_t errlen);

/*
 * Keep the detail (histogram bins, vector data) of the newest `keep`
 * nights only; older nights keep their scalars (percentiles among them)
 * and statistics (count, mean, sd, min, max), which is all the series and
 * the steps read. SQLite reuses the freed pages, so a history grows by a
 * night's scalars a night once it holds `keep` nights. keep <= 0 keeps
 * everything. *deleted (may be NULL) counts the rows removed. One
 * transaction. 0 or -SIM_EBADINPUT / -SIM_EDB with a message in err.
 */
#define HISTORY_KEEP_DETAIL_DEFAULT 7
int history_prune(const char *path, int keep, int64_t *deleted, char *err, size_t errlen);

struct history_night {
    int64_t id;                     /* historyNight.nightId */
    char *label;
    int64_t time;                   /* s since the epoch, UTC */
    int64_t runs;
    char *scenarios;                /* distinct scenario names, ", "-separated, sorted */
    char *versions;                 /* distinct xensim versions, likewise */
    char *hashes;                   /* distinct scenario hashes, likewise */
};

/* ---- series and steps ---- */

struct history_opts {
    double tolerance;               /* fraction, >= 0 */
    double alpha;                   /* in (0, 1) */
    int window;                     /* >= 1 */
    /* Only these metrics (NULL: all), selected as regress_opts.metrics. */
    const char *const *metrics;
    size_t nmetrics;
};

/* One night of one series. A night without runs of the series has n = 0
 * and NAN elsewhere. */
struct history_point {
    int n;                          /* replications with a value */
    double mean;
    double sd;                      /* sample standard deviation; 0 with n = 1 */
    double lo, hi;                  /* Student-t 95% CI of the mean; = mean with n = 1 */
};

/* A step found at one night of one series. */
struct history_flag {
    size_t series;                  /* index into history.series */
    size_t night;                   /* index into history.nights */
    enum regress_verdict verdict;   /* REGRESS_REGRESSED, _IMPROVED or _CHANGED */
    double base;                    /* mean of the stable stretch before it */
    double cur;                     /* the night's mean */
    double change;                  /* (cur - base) / |base|; +-INFINITY if base is 0 */
    double p;                       /* Welch p-value, two-sided; NAN below 2 values a side */
    size_t stretch_from;            /* first night of that stretch */
};

struct history_series {
    const char *scenario;           /* runAttr "scenario" */
    const char *scheduler;          /* runAttr "scheduler" ("" if none) */
    const char *sweep_point;        /* runs view sweep_point ("" if none) */
    const char *module;
    const char *metric;             /* scalar name, or "STAT:mean" */
    enum regress_dir dir;
    struct history_point *points;   /* one per night, in history.nights order */
    size_t first_flag, nflags;      /* its flags: history.flags[first_flag ..] */
};

struct history {
    struct history_night *nights;   /* in time order (then label) */
    size_t nnights;
    struct history_series *series;  /* sorted by scenario, scheduler, sweep point,
                                       module, metric */
    size_t nseries;
    struct history_flag *flags;     /* by series, then night */
    size_t nflags;
    char **strings;                 /* owned storage behind the const char * fields */
    size_t nstrings;
};

/*
 * Read the history at path (read only) and find its steps. The whole
 * history's scalars and statistic means are read once (a few hundred
 * bytes a series-night). 0 with *out set (free with history_free), or
 * -SIM_EBADINPUT (no such file, not a history), -SIM_EIO, -SIM_ESCHEMA,
 * -SIM_EDB, -SIM_ENOMEM, with a message in err.
 */
int history_read(const char *path, const struct history_opts *o, struct history **out,
                 char *err, size_t errlen);

/* The nights only (for `history list`): *out is an array of *n nights in
 * time order, free with history_nights_free. Errors as history_read. */
int history_list(const char *path, struct history_night **out, size_t *n, char *err,
                 size_t errlen);
void history_nights_free(struct history_night *v, size_t n);

/* The runIds of one night's runs of one scenario (every scheduler and
 * sweep point), ascending, for drawing that night's standard figures
 * with analysis/plot (whose --run takes a runId). *ids is malloc'd. */
int history_night_runs(const char *path, const char *label, const char *scenario,
                       int64_t **ids, size_t *n, char *err, size_t errlen);

/* The step rule on one series: pts[0 .. nnights-1] in night order (only
 * n, mean and sd are read; nights with n = 0 are passed over), dir its bad
 * direction. Writes its steps into flags (room for nnights; .series is 0)
 * and returns how many. The stretch is pooled exactly from the nights'
 * (n, mean, sd). */
size_t history_detect(const struct history_point *pts, size_t nnights, enum regress_dir dir,
                      const struct history_opts *o, struct history_flag *flags);

/* Keep the newest n nights of h only (n = 0, or n >= the nights: all):
 * the older nights, their points and their flags go; the remaining flags'
 * night indices shift to the new numbering, and a flag whose stable
 * stretch began before the kept nights says it began at the first of
 * them. The steps were found over the whole history first, so cutting
 * changes no verdict. */
void history_keep_newest(struct history *h, size_t n);

/* Free a history from history_read. Accepts NULL. */
void history_free(struct history *h);

#endif
