/*
 * analysis/regress.h: performance regression between two results databases
 * (`xensim regress`, DESIGN.md section 5).
 *
 * Runs are matched by runName. Runs that differ only in their replication
 * (the same name up to the "-r<k>" suffix that sim/host/run.c appends) form a
 * group, and groups are compared: for every scalar and every statistic's
 * mean (named "STAT:mean", e.g. "sched_latency:mean") of every module, the
 * mean over the group's replications on each side.
 *
 * A metric regresses when both hold:
 *  - it moved by more than the tolerance, relative to the baseline mean,
 *    in its bad direction (regress_direction: a table by metric name, see
 *    regress.c and docs/experiments.md); metrics without a clear bad
 *    direction are reported as "changed", never as regressions;
 *  - where both sides have at least two replications, the difference of
 *    the means is significant by Welch's unequal-variances t-test,
 *    two-sided, at level alpha (Welch, Biometrika 34, 1947; the
 *    Welch-Satterthwaite degrees of freedom; p from GSL gsl_cdf_tdist_Q).
 *    With one replication on either side the tolerance alone decides,
 *    since a deterministic simulator gives the same numbers for the same
 *    code and seed.
 *
 * Simplifications: no correction for testing many metrics at once (a
 * nightly run over hundreds of metrics at alpha = 0.05 is protected mostly
 * by the tolerance); a metric that is zero in the baseline and not in the
 * current database counts as an infinite relative change; metrics present
 * on one side only are listed, never regressions; a NULL (NaN) value is
 * treated as absent.
 */
#ifndef XENSIM_ANALYSIS_REGRESS_H
#define XENSIM_ANALYSIS_REGRESS_H

#include <stdbool.h>
#include <stddef.h>

#define REGRESS_TOLERANCE_DEFAULT 0.05  /* fraction of the baseline mean */
#define REGRESS_ALPHA_DEFAULT 0.05

struct regress_opts {
    double tolerance;               /* fraction, >= 0 (5% = 0.05) */
    double alpha;                   /* significance level, in (0, 1) */
    /* Only these metrics (NULL: all). A name selects the metric of that
     * exact name, and a statistic's name (e.g. "io_latency") also selects
     * its mean and its percentile scalars ("io_latency:mean",
     * "io_latency:p99", ...). */
    const char *const *metrics;
    size_t nmetrics;
};

/* The bad direction of a metric. */
enum regress_dir {
    REGRESS_DOWN_BAD = -1,          /* throughput, fairness */
    REGRESS_NEUTRAL = 0,            /* no clear bad direction */
    REGRESS_UP_BAD = 1,             /* latencies, waits, stalls, misses */
};

enum regress_verdict {
    REGRESS_WITHIN,                 /* moved, but within the tolerance (not listed) */
    REGRESS_NOISE,                  /* beyond the tolerance, not significant */
    REGRESS_CHANGED,                /* beyond the tolerance, no bad direction */
    REGRESS_IMPROVED,               /* beyond the tolerance in the good direction */
    REGRESS_REGRESSED,              /* beyond the tolerance in the bad direction */
    REGRESS_ONLY_BASELINE,          /* the metric is missing from the current runs */
    REGRESS_ONLY_CURRENT,           /* the metric is new in the current runs */
};

/* One metric of one run group that moved (or exists on one side only). */
struct regress_row {
    const char *group;              /* runName without "-r<k>" (points into the report) */
    char *module;
    char *metric;
    int nbase, ncur;                /* replications with a value on each side */
    double base, cur;               /* means over those replications */
    double change;                  /* (cur - base) / |base|; +-INFINITY if base is 0 */
    double p;                       /* Welch p-value, two-sided; NAN with < 2 replications */
    enum regress_dir dir;
    enum regress_verdict verdict;
};

struct regress_group {
    char *name;                     /* runName without "-r<k>" */
    char *scheduler;                /* the baseline runs' scheduler attribute, or NULL */
    int nbase, ncur;                /* runs (replications) on each side */
};

struct regress_report {
    struct regress_group *groups;   /* the groups in common, sorted by name */
    size_t ngroups;
    size_t only_base, only_cur;     /* groups present on one side only */
    struct regress_row *rows;       /* what moved beyond the tolerance, or one-sided */
    size_t nrows;
    size_t compared;                /* metrics compared (present on both sides) */
    size_t within;                  /* of which moved but stayed within the tolerance */
    size_t regressed, improved, changed, noise;
};

/* The bad direction of a metric name (scalar, "STAT:mean" or "STAT:pNN"). */
enum regress_dir regress_direction(const char *metric);

/* Whether a metric is among the selected names (regress_opts.metrics):
 * all of them when there are none. */
bool regress_selected(const char *metric, const char *const *metrics, size_t nmetrics);

/* The rule on one metric that moved from mean m1 (sample variance v1 over
 * n1 values) to m2 (v2, n2): REGRESS_WITHIN if equal or within the
 * tolerance, else REGRESS_NOISE if Welch's test does not find it
 * significant at alpha (with n >= 2 on both sides), else REGRESS_CHANGED
 * for a metric without a bad direction, else REGRESS_REGRESSED or
 * REGRESS_IMPROVED. *change gets (m2 - m1) / |m1| (+-INFINITY if m1 is 0,
 * 0 if equal), *p the p-value (NAN when not tested). */
enum regress_verdict regress_judge(double m1, double v1, size_t n1, double m2, double v2,
                                   size_t n2, enum regress_dir dir, double tolerance,
                                   double alpha, double *change, double *p);

/* The group of a run name: the length of its prefix without a trailing
 * "-r<digits>", and the replication index (0 without the suffix). */
size_t regress_group_len(const char *run_name, unsigned long *replication);

/* Two-sided p-value of Welch's t-test for the difference of two means,
 * given each side's mean, sample variance (n-1) and size (n >= 2).
 * Zero standard error: 1 if the means are equal, else 0. NAN if a size is
 * below 2. */
double regress_welch_p(double m1, double v1, size_t n1, double m2, double v2, size_t n2);

/* Compare current against baseline (paths of xensim results databases,
 * opened read-only). Errors (message in err): -SIM_EIO a file is missing
 * or unreadable; -SIM_ESCHEMA a file is not an xensim results database or
 * the two schema versions (PRAGMA user_version) differ; -SIM_ENOENT no
 * run group in common; -SIM_EINVAL bad options; -SIM_EDB, -SIM_ENOMEM.
 * Free the report with regress_report_free (also after a failure). */
int regress_compare(const char *baseline, const char *current, const struct regress_opts *o,
                    struct regress_report *out, char *err, size_t errlen);

void regress_report_free(struct regress_report *r);

/* Whether a metric is a time in ns: its name (before any ':') ends in
 * "_ns" or "_latency". */
bool regress_is_time(const char *metric);

/* Values for tables and pages: a metric's value (a time by
 * unit_format_time, anything else as %.6g), a relative change ("+20.0%",
 * "+inf", "-inf") and a p-value (%.2g); each "-" for NaN. */
void regress_fmt_value(const char *metric, double v, char *buf, size_t n);
void regress_fmt_change(double change, char *buf, size_t n);
void regress_fmt_p(double p, char *buf, size_t n);

/* "regressed", "improved", ... for the table. */
const char *regress_verdict_name(enum regress_verdict v);

#endif
