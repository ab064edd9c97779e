/*
 * sim/stats.c: summary, exact quantiles and a log-linear histogram for
 * one statistic of non-negative int64 samples.
 *
 * Sources: GSL (gsl_sort_long, gsl_stats_long_quantile_from_sorted_data, the t
 * distribution) for the exact path; the bucket layout follows HdrHistogram
 * (Gil Tene): exact below 2*S, then S linear sub-buckets per power of two.
 * Welford's update (TAOCP vol. 2, 4.2.2) gives a stable variance.
 *
 * Folding. Recording a sample touches only the recorder's first two cache
 * lines and the end of its sample buffer: the sample is appended, the
 * summary updated. The histogram is brought up to date ("folded") in bulk:
 * while exact, from the raw samples when something reads it; past the
 * exact cap, from a batch buffer of ST_FOLD_BATCH samples whenever it fills.
 * A host records a latency on about every other event, into hundreds of
 * recorders whose buckets are never in cache; counting each sample into its
 * bucket as it arrived stalled the event loop on that miss and cost a
 * quarter of bench/e2e's time (docs/performance.md). A fold's increments are
 * independent, so the misses overlap. Reading the histogram through a const
 * recorder folds too: the counts it shows are those of every sample
 * recorded, which is what the recorder promises, and every recorder comes
 * from st_rec_new, never from a const object.
 *
 * Simplified: no weights; the histogram never rescales, it just allocates
 * one more group when a larger power of two first appears (at most
 * ST_HIST_GROUPS, ~56 KB for the widest input).
 *
 * GSL is only called with arguments it accepts without invoking its error
 * handler (n > 0 for the quantile; the t quantile through Qinv, see
 * st_mean_ci), because the default handler aborts the process.
 */
#include "sim/stats.h"

#include <assert.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sort_long.h>
#include <gsl/gsl_statistics_double.h>
#include <gsl/gsl_statistics_long.h>

#include "sim/err.h"

/* Sample buffer starts small: most statistics of a short run are tiny. */
#define ST_SAMPLES_INITIAL 1024
/* Samples buffered past the exact cap before they are folded: 2 KiB. */
#define ST_FOLD_BATCH 256
#define ST_LINE 64

/* Raw samples are GSL longs so that the exact path sorts and interpolates
 * the int64 values themselves. */
static_assert(LONG_MAX == INT64_MAX, "raw samples are held as long");

struct st_rec {
    /* Touched by every st_rec_add: the first two cache lines. */
    uint64_t count;             /* samples */
    double sum;                 /* ns */
    double sqrsum;              /* ns^2 */
    double mean;                /* ns, Welford running mean */
    double m2;                  /* ns^2, Welford sum of squared deviations */
    int64_t min, max;           /* ns */
    long *samples;              /* exact: every sample; else: the batch not yet folded */
    size_t nsamples;            /* samples held */
    size_t samples_cap;         /* samples allocated */
    size_t nfolded;             /* samples[0, nfolded) are counted in the histogram */
    uint64_t grp_alloc;         /* bit g: grp[g] is allocated */
    bool exact;                 /* count <= exact_cap: samples are complete */
    bool sorted;                /* samples[] is in ascending order */

    size_t exact_cap;           /* samples */
    uint64_t *grp[ST_HIST_GROUPS];       /* bucket counts; NULL until used */
    uint64_t grp_count[ST_HIST_GROUPS];  /* samples per group, to skip groups */
};

static int group_size(int g)
{
    return g == 0 ? ST_HIST_EXACT_BELOW : ST_HIST_SUB;
}

/* Group g >= 1 holds [2^(g+7), 2^(g+8)): 128 buckets of width 2^g. */
static int group_of(int64_t v)
{
    return v < ST_HIST_EXACT_BELOW ? 0 : 56 - __builtin_clzll((unsigned long long)v);
}

static int bucket_in(int64_t v, int g)
{
    return g == 0 ? (int)v : (int)((v >> g) - ST_HIST_SUB);
}

static int64_t bucket_lower(int g, int i)
{
    return g == 0 ? (int64_t)i : (int64_t)(ST_HIST_SUB + i) << g;
}

static int64_t bucket_width(int g)
{
    return (int64_t)1 << g;
}

/* The midpoint of the integers the bucket can hold: within (w-1)/2 of any
 * of them, which is what makes ST_HIST_REL_ERROR a bound. */
static double bucket_rep(int g, int i)
{
    return (double)bucket_lower(g, i) + (double)(bucket_width(g) - 1) / 2.0;
}

struct st_rec *st_rec_new(size_t exact_cap)
{
    size_t size = (sizeof(struct st_rec) + ST_LINE - 1) / ST_LINE * ST_LINE;
    struct st_rec *r = aligned_alloc(ST_LINE, size);
    if (!r)
        return NULL;
    memset(r, 0, size);
    if (exact_cap == 0)
        exact_cap = ST_EXACT_CAP_DEFAULT;
    if (exact_cap > ST_EXACT_CAP_MAX)
        exact_cap = ST_EXACT_CAP_MAX;
    r->exact_cap = exact_cap;
    st_rec_reset(r);
    return r;
}

void st_rec_free(struct st_rec *r)
{
    if (!r)
        return;
    for (int g = 0; g < ST_HIST_GROUPS; g++)
        free(r->grp[g]);
    free(r->samples);
    free(r);
}

void st_rec_reset(struct st_rec *r)
{
    r->count = 0;
    r->sum = r->sqrsum = r->mean = r->m2 = 0.0;
    r->min = r->max = 0;
    r->nsamples = r->nfolded = 0;
    r->exact = true;
    r->sorted = true;
    for (int g = 0; g < ST_HIST_GROUPS; g++) {
        if (r->grp[g])
            memset(r->grp[g], 0, (size_t)group_size(g) * sizeof r->grp[g][0]);
        r->grp_count[g] = 0;
    }
}

/* Count samples[nfolded, nsamples) into the histogram. Their groups were
 * allocated when they were recorded, so this cannot fail. Past the exact
 * cap the folded batch is dropped; while exact the samples stay. */
static void fold(struct st_rec *r)
{
    for (size_t k = r->nfolded; k < r->nsamples; k++) {
        int64_t v = r->samples[k];
        int g = group_of(v);
        r->grp[g][bucket_in(v, g)]++;
        r->grp_count[g]++;
    }
    if (r->exact)
        r->nfolded = r->nsamples;
    else
        r->nsamples = r->nfolded = 0;
}

/* Readers see every sample in the histogram; see the file comment for why
 * a const recorder may be folded. */
static const struct st_rec *folded(const struct st_rec *r)
{
    if (r->nfolded < r->nsamples)
        fold((struct st_rec *)r);
    return r;
}

static int alloc_group(struct st_rec *r, int g)
{
    r->grp[g] = calloc((size_t)group_size(g), sizeof r->grp[g][0]);
    if (!r->grp[g])
        return -SIM_ENOMEM;
    r->grp_alloc |= UINT64_C(1) << g;
    return 0;
}

/* The exact samples are complete and one more is coming: fold them and
 * keep only a batch's worth of buffer. */
static void leave_exact(struct st_rec *r)
{
    fold(r);
    r->exact = false;
    r->nsamples = r->nfolded = 0;
    /* A fresh buffer, not the old one shrunk in place: the large block
     * goes back whole, for the next recorder's exact samples to reuse. */
    if (r->samples_cap > ST_FOLD_BATCH) {
        long *s = malloc(ST_FOLD_BATCH * sizeof *s);
        if (s) {                /* else keep the larger buffer */
            free(r->samples);
            r->samples = s;
            r->samples_cap = ST_FOLD_BATCH;
        }
    }
}

/* The buffer is full: grow it while exact, else make room by folding. */
static int make_room(struct st_rec *r)
{
    if (!r->exact || r->samples_cap >= r->exact_cap) {
        if (r->exact)
            leave_exact(r);
        else
            fold(r);
        return 0;
    }
    size_t cap = r->samples_cap ? 2 * r->samples_cap : ST_SAMPLES_INITIAL;
    if (cap > r->exact_cap)
        cap = r->exact_cap;
    long *s = realloc(r->samples, cap * sizeof *s);
    if (!s)
        return -SIM_ENOMEM;
    r->samples = s;
    r->samples_cap = cap;
    return 0;
}

int st_rec_add(struct st_rec *r, int64_t v)
{
    if (v < 0)
        return -SIM_ERANGE;

    /* Allocate everything first so a failure leaves the recorder as it was. */
    int g = group_of(v), rc;
    if (!(r->grp_alloc >> g & 1) && (rc = alloc_group(r, g)) < 0)
        return rc;
    if (r->nsamples == r->samples_cap && (rc = make_room(r)) < 0)
        return rc;

    r->samples[r->nsamples++] = v;
    r->sorted = false;

    double x = (double)v;
    r->count++;
    r->sum += x;
    r->sqrsum += x * x;
    double d = x - r->mean;
    r->mean += d / (double)r->count;
    r->m2 += d * (x - r->mean);
    if (r->count == 1 || v < r->min)
        r->min = v;
    if (r->count == 1 || v > r->max)
        r->max = v;
    return 0;
}

int st_rec_merge(struct st_rec *dst, const struct st_rec *src)
{
    if (src->count == 0)
        return 0;
    src = folded(src);
    /* Allocate everything first so a failure leaves dst as it was. */
    for (int g = 0; g < ST_HIST_GROUPS; g++) {
        int rc;
        if (src->grp_count[g] && !dst->grp[g] && (rc = alloc_group(dst, g)) < 0)
            return rc;
    }
    bool exact = dst->exact && src->exact && dst->count + src->count <= dst->exact_cap;
    if (exact && dst->nsamples + src->nsamples > dst->samples_cap) {
        long *n = realloc(dst->samples, (dst->nsamples + src->nsamples) * sizeof *n);
        if (!n)
            return -SIM_ENOMEM;
        dst->samples = n;
        dst->samples_cap = dst->nsamples + src->nsamples;
    }
    fold(dst);
    if (exact) {
        memcpy(dst->samples + dst->nsamples, src->samples, src->nsamples * sizeof *src->samples);
        dst->nsamples += src->nsamples;
        dst->nfolded = dst->nsamples;   /* src's histogram is added below */
        dst->sorted = src->nsamples == 0 && dst->sorted;
    } else if (dst->exact) {
        leave_exact(dst);
    }
    for (int g = 0; g < ST_HIST_GROUPS; g++) {
        if (!src->grp_count[g])
            continue;
        for (int i = 0; i < group_size(g); i++)
            dst->grp[g][i] += src->grp[g][i];
        dst->grp_count[g] += src->grp_count[g];
    }
    /* Chan, Golub and LeVeque's pairwise update of the mean and M2. */
    double na = (double)dst->count, nb = (double)src->count, n = na + nb;
    double d = src->mean - dst->mean;
    if (dst->count == 0 || src->min < dst->min)
        dst->min = src->min;
    if (dst->count == 0 || src->max > dst->max)
        dst->max = src->max;
    dst->mean += d * nb / n;
    dst->m2 += src->m2 + d * d * na * nb / n;
    dst->count += src->count;
    dst->sum += src->sum;
    dst->sqrsum += src->sqrsum;
    return 0;
}

uint64_t st_rec_count(const struct st_rec *r)
{
    return r->count;
}

bool st_rec_is_exact(const struct st_rec *r)
{
    return r->exact;
}

void st_rec_summary(const struct st_rec *r, struct st_summary *out)
{
    out->count = r->count;
    out->mean = r->count ? r->mean : NAN;
    out->stddev = r->count >= 2 ? sqrt(r->m2 / (double)(r->count - 1)) : NAN;
    out->sum = r->sum;
    out->sqrsum = r->sqrsum;
    out->min = r->min;
    out->max = r->max;
}

/* Representative value of the sample at 0-based rank `rank` < count.
 * O(groups + buckets): at most ~7000 steps, only at report time. */
static double hist_rank_value(const struct st_rec *r, uint64_t rank)
{
    for (int g = 0; g < ST_HIST_GROUPS; g++) {
        if (rank >= r->grp_count[g]) {
            rank -= r->grp_count[g];
            continue;
        }
        for (int i = 0; i < group_size(g); i++) {
            if (rank < r->grp[g][i])
                return bucket_rep(g, i);
            rank -= r->grp[g][i];
        }
    }
    return (double)r->max;      /* unreachable while rank < count */
}

static bool p_valid(double p)
{
    return p >= 0.0 && p <= 1.0;        /* false for NaN too */
}

int st_rec_hist_quantile(const struct st_rec *r, double p, double *out)
{
    if (!p_valid(p) || !out)
        return -SIM_EINVAL;
    if (r->count == 0) {
        *out = NAN;
        return -SIM_ENOENT;
    }
    r = folded(r);
    /* Same rank arithmetic as gsl_stats_quantile_from_sorted_data, so the
     * two paths interpolate between the same pair of ranks. */
    double h = p * (double)(r->count - 1);
    uint64_t lo = (uint64_t)h;
    double delta = h - (double)lo;
    double q = hist_rank_value(r, lo);
    if (lo + 1 < r->count && delta > 0.0)
        q = (1.0 - delta) * q + delta * hist_rank_value(r, lo + 1);
    /* The exact quantile lies in [min, max]; clamping only moves closer. */
    if (q < (double)r->min)
        q = (double)r->min;
    if (q > (double)r->max)
        q = (double)r->max;
    *out = q;
    return 0;
}

int st_rec_quantile(struct st_rec *r, double p, double *out, bool *exact)
{
    if (!p_valid(p) || !out)
        return -SIM_EINVAL;
    if (r->count == 0) {
        *out = NAN;
        return -SIM_ENOENT;
    }
    if (!r->exact) {
        if (exact)
            *exact = false;
        return st_rec_hist_quantile(r, p, out);
    }
    if (!r->sorted) {
        /* Sorting reorders the samples, so fold them first: folding is by
         * position. */
        fold(r);
        gsl_sort_long(r->samples, 1, r->nsamples);
        r->sorted = true;
    }
    *out = gsl_stats_long_quantile_from_sorted_data(r->samples, 1, r->nsamples, p);
    if (exact)
        *exact = true;
    return 0;
}

bool st_rec_bin_next(const struct st_rec *r, struct st_bin_iter *it,
                     int64_t *lower, int64_t *width, uint64_t *count)
{
    r = folded(r);
    for (; it->group < ST_HIST_GROUPS; it->group++, it->idx = 0) {
        int g = it->group;
        if (!r->grp_count[g])
            continue;
        for (; it->idx < group_size(g); it->idx++) {
            uint64_t c = r->grp[g][it->idx];
            if (c) {
                *lower = bucket_lower(g, it->idx);
                *width = bucket_width(g);
                *count = c;
                it->idx++;
                return true;
            }
        }
    }
    return false;
}

int st_rec_hist_groups(const struct st_rec *r)
{
    return __builtin_popcountll(r->grp_alloc);
}

int st_mean_ci(const double *x, size_t n, double level, double *mean,
               double *half_width)
{
    if (!x || !mean || !half_width || n < 2 || !(level > 0.0 && level < 1.0))
        return -SIM_EINVAL;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return -SIM_EINVAL;
    double m = gsl_stats_mean(x, 1, n);
    double sd = gsl_stats_sd_m(x, 1, n, m);
    /* Upper tail (1-level)/2 through Qinv: gsl_cdf_tdist_Pinv gives the same
     * value but can raise GSL_EFAILED through the (aborting) default error
     * handler when its Newton polish does not converge; Qinv has no such
     * path. For level in (0, 1) the argument is in (0, 0.5). */
    double t = gsl_cdf_tdist_Qinv((1.0 - level) / 2.0, (double)(n - 1));
    *mean = m;
    *half_width = t * sd / sqrt((double)n);
    return 0;
}
