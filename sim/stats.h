/*
 * sim/stats.h: one statistic of non-negative int64 samples (latencies
 * in ns), summarised for the results database.
 *
 * A recorder keeps, for every sample: count, sum, sum of squares, min, max
 * and a Welford running mean/variance (numerically stable where sum and
 * sum of squares cancel). For quantiles it keeps two things:
 *
 *  - the raw samples while count <= exact_cap, giving exact quantiles
 *    (GSL gsl_sort_long + gsl_stats_long_quantile_from_sorted_data:
 *    linear interpolation at index p*(n-1));
 *  - always, a bounded-memory log-linear histogram in the style of
 *    HdrHistogram: values below ST_HIST_EXACT_BELOW (= 2*S) get one bucket
 *    each, above that every power of two [2^k, 2^(k+1)) is split into
 *    S = ST_HIST_SUB linear buckets of width 2^(k-7), so a bucket is at most
 *    1/128 of its lower edge wide. Power-of-two groups are allocated on
 *    first use (1 KB each; 2 KB for the exact group), so latencies that span
 *    ns..s touch ~25 groups and any int64 input at most ST_HIST_GROUPS.
 *    The histogram counts every sample recorded whenever it is read; it is
 *    brought up to date in batches (sim/stats.c says why).
 *
 * Once count exceeds exact_cap the raw samples are dropped and quantiles come
 * from the histogram: the estimate applies the same interpolation rule
 * between the representative values (bucket midpoints) of the samples at
 * ranks floor(p*(n-1)) and floor(p*(n-1))+1, then is clamped to [min, max].
 * Every representative is within ST_HIST_REL_ERROR of its sample, so the
 * estimate is within ST_HIST_REL_ERROR * (exact quantile) of the exact
 * quantile, with no extra rank term (see st_rec_quantile).
 *
 * Simplified: an interpolated quantile is a double, so values above 2^53 ns
 * (~104 days) are rounded there; no weighted samples; not thread-safe, not
 * even for readers (reading folds pending samples into the histogram).
 */
#ifndef XENSIM_ANALYSIS_STATS_H
#define XENSIM_ANALYSIS_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ST_HIST_SUB 128                       /* linear buckets per power of two */
#define ST_HIST_EXACT_BELOW (2 * ST_HIST_SUB) /* values below this: one bucket each */
/* Group 0 is [0, 256); group g >= 1 is [2^(g+7), 2^(g+8)); INT64_MAX < 2^63. */
#define ST_HIST_GROUPS 56
/* Bound on |histogram quantile - exact quantile| / exact quantile. A bucket
 * [L, L+w) holds the integers L..L+w-1 and is represented by L+(w-1)/2, so
 * the error is < w/2 <= L/256 <= value/256. */
#define ST_HIST_REL_ERROR (1.0 / 256.0)

#define ST_EXACT_CAP_DEFAULT 65536
/* GSL's quantile code indexes with an int, so more raw samples than this
 * cannot be used for exact quantiles; larger exact_cap values are clamped. */
#define ST_EXACT_CAP_MAX ((size_t)1 << 30)

struct st_rec;

struct st_summary {
    uint64_t count; /* samples */
    double mean;    /* sample units (ns); NaN if count == 0 */
    double stddev;  /* sample units (ns), n-1 denominator; NaN if count < 2 */
    double sum;     /* sample units (ns) */
    double sqrsum;  /* sum of squares, ns^2 */
    int64_t min;    /* ns; 0 if count == 0 */
    int64_t max;    /* ns; 0 if count == 0 */
};

/* Iterator over the non-empty histogram buckets, in increasing order.
 * Initialise with ST_BIN_ITER_INIT; the fields are private. */
struct st_bin_iter {
    int group;      /* histogram group to look at next */
    int idx;        /* bucket within that group */
};
#define ST_BIN_ITER_INIT { 0, 0 }

/* A recorder keeping up to exact_cap raw samples (0: ST_EXACT_CAP_DEFAULT).
 * Returns NULL if out of memory. */
struct st_rec *st_rec_new(size_t exact_cap);
void st_rec_free(struct st_rec *r);

/* Record one sample. -SIM_ERANGE if v < 0, -SIM_ENOMEM if a histogram group
 * or the sample buffer cannot grow; on any error nothing is recorded. */
int st_rec_add(struct st_rec *r, int64_t v);

/* Forget every sample (warm-up exclusion). Allocated memory is kept for
 * reuse; quantiles are exact again until count exceeds exact_cap. */
void st_rec_reset(struct st_rec *r);

/* Add every sample of src to dst, as if each had been recorded there:
 * count, sum, sum of squares, min, max and histogram exactly; mean and the
 * variance by Chan, Golub and LeVeque's pairwise update (equal to
 * recording the samples to rounding); the raw samples too while the total
 * stays within dst's exact_cap and both are exact (else dst's quantiles
 * come from the histogram). -SIM_ENOMEM leaves dst as it was. */
int st_rec_merge(struct st_rec *dst, const struct st_rec *src);

uint64_t st_rec_count(const struct st_rec *r);
void st_rec_summary(const struct st_rec *r, struct st_summary *out);

/* The p-quantile, p in [0, 1], by linear interpolation at rank p*(n-1).
 * *exact (may be NULL) tells whether it came from the raw samples (true) or
 * from the histogram (false, error bound ST_HIST_REL_ERROR). Sorts the raw
 * samples in place, hence the non-const recorder.
 * -SIM_EINVAL for p outside [0, 1] or NaN; -SIM_ENOENT if count == 0
 * (*out is then NaN). */
int st_rec_quantile(struct st_rec *r, double p, double *out, bool *exact);

/* The same quantile computed from the histogram only, whatever the mode;
 * lets callers and tests measure the histogram against the exact value. */
int st_rec_hist_quantile(const struct st_rec *r, double p, double *out);

/* Whether quantiles are currently exact (count <= exact_cap). */
bool st_rec_is_exact(const struct st_rec *r);

/* Next non-empty bucket: lower edge and width in sample units (ns), count.
 * Returns false when there are no more buckets. The bucket is the integer
 * range [lower, lower + width). */
bool st_rec_bin_next(const struct st_rec *r, struct st_bin_iter *it,
                     int64_t *lower, int64_t *width, uint64_t *count);

/* Number of histogram groups allocated so far (memory: ~1 KB each). */
int st_rec_hist_groups(const struct st_rec *r);

/* Mean and Student-t confidence half-width of n >= 2 finite values at the
 * given level in (0, 1), e.g. 0.95: half = t_{(1+level)/2, n-1} * s / sqrt(n).
 * -SIM_EINVAL for n < 2, a level outside (0, 1) or a non-finite value. */
int st_mean_ci(const double *x, size_t n, double level, double *mean,
               double *half_width);

#endif
