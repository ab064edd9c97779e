/*
 * analysis/compare.h: a scheduler comparison study (`xensim compare`).
 *
 * The caller loads the scenario once per scheduler (the same file and
 * --set options, plus scheduler.name=NAME last, so it wins); cmp_run
 * simulates replications 0..R-1 of each through the run driver into the
 * results database (runs already there are skipped, so a rerun only reads)
 * and then reads the chosen metrics back from the database, per module and
 * metric, for every scheduler and replication.
 *
 * Statistics, per (module, metric, scheduler): the mean over the
 * replications with a Student-t confidence interval (sim/stats.h
 * st_mean_ci; half-width t_{(1+level)/2, R-1} s / sqrt(R)). Against the
 * first scheduler, a paired t-test (e.g. Montgomery & Runger, "Applied
 * Statistics and Probability for Engineers", section 10-4; Law, "Simulation
 * Modeling and Analysis", section 10.2, the paired-t confidence interval):
 * replication k of every scheduler uses the same master seed and
 * replication index, so every named random stream draws the same numbers
 * (common random numbers, docs/randomness.md); the differences
 * d_k = x_k(sched) - x_k(first) are then tested with
 * t = mean(d) / (sd(d) / sqrt(m)), m-1 degrees of freedom, two-sided
 * p = 2 Q_t(|t|) (GSL gsl_cdf_tdist_Q), over the m replications where
 * both have a value. A difference is significant when p < 1 - level.
 *
 * Runs are made in the calling process, or with jobs > 1 in that many
 * forked workers writing into the same database (one transaction per run),
 * with the same results.
 *
 * Simplified: no correction for multiple
 * comparisons; a row whose values are all zero (e.g. late_periods of a
 * workload without periods) is left out; NULL (NaN) values are absent.
 */
#ifndef XENSIM_ANALYSIS_COMPARE_H
#define XENSIM_ANALYSIS_COMPARE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/scenario.h"

#define CMP_LEVEL_DEFAULT 0.95

/* The default metrics: scalars, or "STAT:mean" for a statistic's mean. */
extern const char *const cmp_default_metrics[];
extern const size_t cmp_ndefault_metrics;

/* Called before each run: scheduler index, replication, runs done so far
 * and in total. */
typedef void cmp_progress_fn(void *ctx, int sched, int rep, int done, int total);

struct cmp_opts {
    const char *db_path;            /* results database (created if absent) */
    int replications;               /* >= 1 */
    int jobs;                       /* worker processes; <= 1: in this process */
    uint64_t seed;                  /* master seed of every run */
    double level;                   /* confidence level, in (0, 1); 0: 0.95 */
    const char *const *metrics;     /* NULL: cmp_default_metrics */
    size_t nmetrics;
    cmp_progress_fn *progress;      /* may be NULL */
    void *progress_ctx;
    volatile sig_atomic_t *interrupted; /* may be NULL */
};

/* One scheduler's numbers for one (module, metric). */
struct cmp_cell {
    int n;                          /* replications with a value */
    double mean;                    /* NAN if n == 0 */
    double half;                    /* CI half-width; NAN if n < 2 */
    int npaired;                    /* replications paired with the first scheduler */
    double p;                       /* paired t-test p-value; NAN for the first
                                       scheduler or fewer than 2 pairs */
    bool significant;               /* p < 1 - level */
};

struct cmp_row {
    char *module;
    const char *metric;             /* points into the metric list */
    struct cmp_cell *cells;         /* [nscheds] */
};

struct cmp_result {
    int nscheds, reps;
    double level;
    int runs_done, runs_skipped;    /* simulated now, found in the database */
    struct cmp_row *rows;           /* by module (scenario order), then metric order */
    size_t nrows;
    char **runs;                    /* runNames, [sched * reps + rep] (e.g. for plots) */
    size_t nruns;
};

/* Run and summarise. scns[i] is the scenario under scheduler i (its
 * sched.name names the column). 0 on success; -SIM_EINVAL bad options;
 * -SIM_EBADINPUT, -SIM_EDB, -SIM_ESTATE (interrupted) as run_replication,
 * with the message in err. Runs finished before a failure stay recorded.
 * Free out with cmp_result_free (also after a failure). */
int cmp_run(struct scn *const *scns, int nscheds, const struct cmp_opts *o,
            struct cmp_result *out, char *err, size_t errlen);

void cmp_result_free(struct cmp_result *r);

/* Two-sided p-value of the paired t-test of the n differences d (NAN for
 * n < 2; zero standard deviation: 1 if the mean is 0, else 0). */
double cmp_paired_p(const double *d, size_t n);

#endif
