/*
 * tests/test_stats.c: the statistic recorder of sim/stats.
 *
 * Known data with hand-computed summaries and quantiles (GSL's linear
 * interpolation at index p*(n-1)); the log-linear histogram against the
 * exact quantiles of 1e6 wide-range lognormal samples (fixed GSL seed),
 * within ST_HIST_REL_ERROR; bounded memory; Student-t intervals against
 * table values.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "sim/stats.h"
#include "sim/err.h"
#include "tests/check_util.h"

#define ck_close(a, b, tol) \
    ck_assert_msg(fabs((a) - (b)) <= (tol), "%s = %.12g, expected %.12g (tol %g)", \
                  #a, (double)(a), (double)(b), (double)(tol))

START_TEST(summary_known_data)
{
    /* 2 4 4 4 5 5 7 9: sum 40, mean 5, sum of squares 232,
     * squared deviations 32, sample variance 32/7. */
    static const int64_t x[] = { 2, 4, 4, 4, 5, 5, 7, 9 };
    struct st_rec *r = st_rec_new(0);
    ck_assert_ptr_nonnull(r);
    for (size_t i = 0; i < sizeof x / sizeof x[0]; i++)
        ck_assert_int_eq(st_rec_add(r, x[i]), 0);
    struct st_summary s;
    st_rec_summary(r, &s);
    ck_assert_uint_eq(s.count, 8);
    ck_close(s.mean, 5.0, 1e-12);
    ck_close(s.stddev, sqrt(32.0 / 7.0), 1e-12);
    ck_close(s.sum, 40.0, 0);
    ck_close(s.sqrsum, 232.0, 0);
    ck_assert_int_eq(s.min, 2);
    ck_assert_int_eq(s.max, 9);
    ck_assert_uint_eq(st_rec_count(r), 8);
    st_rec_free(r);
}
END_TEST

START_TEST(welford_is_stable)
{
    /* Knuth's 4, 7, 13, 16 (variance 30) shifted by 1e9: the naive
     * sum-of-squares formula loses every digit here (squares ~1e18). */
    struct st_rec *r = st_rec_new(0);
    static const int64_t d[] = { 4, 7, 13, 16 };
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(st_rec_add(r, 1000000000 + d[i]), 0);
    struct st_summary s;
    st_rec_summary(r, &s);
    ck_close(s.mean, 1000000010.0, 1e-6);
    ck_close(s.stddev, sqrt(30.0), 1e-9);
    st_rec_free(r);
}
END_TEST

START_TEST(empty_and_single)
{
    struct st_rec *r = st_rec_new(0);
    struct st_summary s;
    st_rec_summary(r, &s);
    ck_assert_uint_eq(s.count, 0);
    ck_assert(isnan(s.mean));
    ck_assert(isnan(s.stddev));
    double q = 0;
    bool ex = false;
    ck_assert_int_eq(st_rec_quantile(r, 0.5, &q, &ex), -SIM_ENOENT);
    ck_assert(isnan(q));
    ck_assert_int_eq(st_rec_hist_quantile(r, 0.5, &q), -SIM_ENOENT);
    struct st_bin_iter it = ST_BIN_ITER_INIT;
    int64_t lo, w;
    uint64_t c;
    ck_assert(!st_rec_bin_next(r, &it, &lo, &w, &c));

    ck_assert_int_eq(st_rec_add(r, 42), 0);
    st_rec_summary(r, &s);
    ck_close(s.mean, 42.0, 0);
    ck_assert(isnan(s.stddev));           /* n-1 = 0 */
    ck_assert_int_eq(st_rec_quantile(r, 0.99, &q, &ex), 0);
    ck_close(q, 42.0, 0);
    ck_assert(ex);
    st_rec_free(r);
}
END_TEST

START_TEST(exact_quantiles_1_to_100)
{
    struct st_rec *r = st_rec_new(0);
    /* Insert in a scrambled order (37 is coprime to 100) so the sort matters. */
    for (int i = 0; i < 100; i++)
        ck_assert_int_eq(st_rec_add(r, 1 + (i * 37) % 100), 0);
    static const struct { double p, q; } want[] = {
        { 0.0, 1.0 }, { 0.5, 50.5 },     /* index 49.5 -> (50 + 51) / 2 */
        { 0.9, 90.1 },                   /* index 89.1 -> 90 + 0.1 */
        { 0.99, 99.01 },                 /* index 98.01 */
        { 0.999, 99.901 },               /* index 98.901 */
        { 1.0, 100.0 },
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        double q = -1;
        bool ex = false;
        ck_assert_int_eq(st_rec_quantile(r, want[i].p, &q, &ex), 0);
        ck_assert(ex);
        ck_close(q, want[i].q, 1e-9);
        /* Below 256 every value has its own bucket, so the histogram is
         * exact too. */
        ck_assert_int_eq(st_rec_hist_quantile(r, want[i].p, &q), 0);
        ck_close(q, want[i].q, 1e-9);
    }
    /* Adding after a sort must re-sort. */
    ck_assert_int_eq(st_rec_add(r, 0), 0);
    double q;
    ck_assert_int_eq(st_rec_quantile(r, 0.0, &q, NULL), 0);
    ck_close(q, 0.0, 0);
    st_rec_free(r);
}
END_TEST

START_TEST(invalid_input)
{
    struct st_rec *r = st_rec_new(4);
    ck_assert_int_eq(st_rec_add(r, -1), -SIM_ERANGE);
    ck_assert_int_eq(st_rec_add(r, INT64_MIN), -SIM_ERANGE);
    ck_assert_uint_eq(st_rec_count(r), 0);
    ck_assert_int_eq(st_rec_add(r, 7), 0);
    double q;
    ck_assert_int_eq(st_rec_quantile(r, -0.01, &q, NULL), -SIM_EINVAL);
    ck_assert_int_eq(st_rec_quantile(r, 1.01, &q, NULL), -SIM_EINVAL);
    ck_assert_int_eq(st_rec_quantile(r, NAN, &q, NULL), -SIM_EINVAL);
    ck_assert_int_eq(st_rec_hist_quantile(r, NAN, &q), -SIM_EINVAL);
    ck_assert_uint_eq(st_rec_count(r), 1);
    st_rec_free(r);
    st_rec_free(NULL);
}
END_TEST

START_TEST(exact_then_histogram)
{
    struct st_rec *r = st_rec_new(10);
    for (int i = 1; i <= 10; i++)
        ck_assert_int_eq(st_rec_add(r, i * 1000), 0);
    ck_assert(st_rec_is_exact(r));
    double q;
    bool ex = false;
    ck_assert_int_eq(st_rec_quantile(r, 0.5, &q, &ex), 0);
    ck_assert(ex);
    ck_close(q, 5500.0, 1e-9);
    ck_assert_int_eq(st_rec_add(r, 11000), 0);   /* count 11 > cap 10 */
    ck_assert(!st_rec_is_exact(r));
    ck_assert_int_eq(st_rec_quantile(r, 0.5, &q, &ex), 0);
    ck_assert(!ex);
    ck_assert_msg(fabs(q - 6000.0) <= ST_HIST_REL_ERROR * 6000.0, "q = %g", q);
    st_rec_free(r);
}
END_TEST

/* Wide-range lognormal latencies: median ~20 us, sigma 2 spans ns..s. */
static int64_t draw(gsl_rng *g)
{
    double v = gsl_ran_lognormal(g, log(20000.0), 2.0);
    return v > 4e18 ? (int64_t)4e18 : (int64_t)v;
}

START_TEST(histogram_error_bound)
{
    enum { N = 1000000 };
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(g, 20240611);
    struct st_rec *ex = st_rec_new(N);
    struct st_rec *hi = st_rec_new(1000);
    ck_assert_ptr_nonnull(ex);
    ck_assert_ptr_nonnull(hi);
    /* One assertion after the loop: Check's per-assert bookkeeping would
     * otherwise dominate the run time. */
    int bad = 0;
    for (int i = 0; i < N; i++) {
        int64_t v = draw(g);
        bad += st_rec_add(ex, v) != 0;
        bad += st_rec_add(hi, v) != 0;
    }
    ck_assert_int_eq(bad, 0);
    ck_assert(st_rec_is_exact(ex));
    ck_assert(!st_rec_is_exact(hi));

    static const double ps[] = { 0.0, 1e-4, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75,
                                 0.9, 0.99, 0.999, 0.9999, 1.0 };
    double worst = 0.0;
    for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++) {
        double qe, qh, qh2;
        bool is_exact = false;
        ck_assert_int_eq(st_rec_quantile(ex, ps[i], &qe, &is_exact), 0);
        ck_assert(is_exact);
        ck_assert_int_eq(st_rec_quantile(hi, ps[i], &qh, &is_exact), 0);
        ck_assert(!is_exact);
        /* The histogram of the exact recorder is the same histogram. */
        ck_assert_int_eq(st_rec_hist_quantile(ex, ps[i], &qh2), 0);
        ck_close(qh2, qh, 0);
        double rel = qe > 0 ? fabs(qh - qe) / qe : fabs(qh - qe);
        ck_assert_msg(rel <= ST_HIST_REL_ERROR * (1 + 1e-12),
                      "p=%g exact=%.3f hist=%.3f rel=%g > %g", ps[i], qe, qh,
                      rel, ST_HIST_REL_ERROR);
        if (rel > worst)
            worst = rel;
    }
    /* The comparison is not vacuous: the histogram does round. */
    ck_assert_msg(worst > 1e-5, "worst relative error %g", worst);

    /* ~25 powers of two are in use; far below the bound and a few KB each. */
    ck_assert_int_le(st_rec_hist_groups(hi), 40);
    ck_assert_int_ge(st_rec_hist_groups(hi), 10);

    /* Summaries agree between the two modes. */
    struct st_summary a, b;
    st_rec_summary(ex, &a);
    st_rec_summary(hi, &b);
    ck_assert_uint_eq(a.count, N);
    ck_close(a.mean, b.mean, 0);
    ck_assert_int_eq(a.min, b.min);
    ck_assert_int_eq(a.max, b.max);

    st_rec_free(ex);
    st_rec_free(hi);
    gsl_rng_free(g);
}
END_TEST

START_TEST(histogram_random_small_sets)
{
    /* Many small sets, where interpolation between neighbouring ranks
     * crosses buckets often: the bound must hold for every quantile. */
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(g, 7);
    for (int round = 0; round < 200; round++) {
        struct st_rec *ex = st_rec_new(0);
        size_t n = 2 + gsl_rng_uniform_int(g, 60);
        int bad = 0;
        for (size_t i = 0; i < n; i++)
            bad += st_rec_add(ex, draw(g)) != 0;
        ck_assert_int_eq(bad, 0);
        for (int k = 0; k <= 100; k++) {
            double p = k / 100.0, qe = NAN, qh = NAN;
            bad += st_rec_quantile(ex, p, &qe, NULL) != 0;
            bad += st_rec_hist_quantile(ex, p, &qh) != 0;
            if (!(fabs(qh - qe) <= ST_HIST_REL_ERROR * qe * (1 + 1e-12)))
                ck_abort_msg("round %d p=%g exact=%.3f hist=%.3f", round, p, qe, qh);
        }
        ck_assert_int_eq(bad, 0);
        st_rec_free(ex);
    }
    gsl_rng_free(g);
}
END_TEST

START_TEST(memory_bounded_for_any_input)
{
    struct st_rec *r = st_rec_new(16);
    ck_assert_int_eq(st_rec_hist_groups(r), 0);
    ck_assert_int_eq(st_rec_add(r, 100), 0);
    ck_assert_int_eq(st_rec_hist_groups(r), 1);
    ck_assert_int_eq(st_rec_add(r, 1000000), 0);   /* one more group */
    ck_assert_int_eq(st_rec_add(r, 1000001), 0);   /* same group */
    ck_assert_int_eq(st_rec_hist_groups(r), 2);
    ck_assert_int_eq(st_rec_add(r, 0), 0);
    for (int k = 0; k < 63; k++)
        ck_assert_int_eq(st_rec_add(r, (int64_t)1 << k), 0);
    ck_assert_int_eq(st_rec_add(r, INT64_MAX), 0);
    ck_assert_int_eq(st_rec_hist_groups(r), ST_HIST_GROUPS);
    ck_assert_int_lt(ST_HIST_GROUPS, 64);
    double q;
    /* The top bucket is 2^55 wide: its midpoint, not the maximum itself,
     * but within the bound. */
    ck_assert_int_eq(st_rec_quantile(r, 1.0, &q, NULL), 0);
    ck_assert_msg(fabs(q - (double)INT64_MAX) <= ST_HIST_REL_ERROR * (double)INT64_MAX,
                  "q = %g", q);
    ck_assert_int_eq(st_rec_quantile(r, 0.0, &q, NULL), 0);
    ck_close(q, 0.0, 0);
    st_rec_free(r);
}
END_TEST

START_TEST(bins_cover_every_sample)
{
    struct st_rec *r = st_rec_new(0);
    static const int64_t x[] = { 0, 5, 5, 300, 1000000 };
    for (size_t i = 0; i < 5; i++)
        ck_assert_int_eq(st_rec_add(r, x[i]), 0);
    /* 300 is in [256, 512): width 2; 1e6 in [2^19, 2^20): width 4096,
     * lower edge 244 * 4096 = 999424. */
    static const struct { int64_t lo, w; uint64_t c; } want[] = {
        { 0, 1, 1 }, { 5, 1, 2 }, { 300, 2, 1 }, { 999424, 4096, 1 },
    };
    struct st_bin_iter it = ST_BIN_ITER_INIT;
    int64_t lo, w;
    uint64_t c;
    for (size_t i = 0; i < 4; i++) {
        ck_assert(st_rec_bin_next(r, &it, &lo, &w, &c));
        ck_assert_int_eq(lo, want[i].lo);
        ck_assert_int_eq(w, want[i].w);
        ck_assert_uint_eq(c, want[i].c);
    }
    ck_assert(!st_rec_bin_next(r, &it, &lo, &w, &c));
    ck_assert(!st_rec_bin_next(r, &it, &lo, &w, &c));
    st_rec_free(r);

    /* Random values: the buckets are ordered, disjoint, no wider than
     * 1/128 of their lower edge, and their counts add up. */
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(g, 99);
    r = st_rec_new(0);
    int bad = 0;
    for (int i = 0; i < 20000; i++)
        bad += st_rec_add(r, draw(g)) != 0;
    ck_assert_int_eq(bad, 0);
    struct st_bin_iter it2 = ST_BIN_ITER_INIT;
    uint64_t total = 0;
    int64_t prev_end = 0;
    while (st_rec_bin_next(r, &it2, &lo, &w, &c)) {
        ck_assert_int_ge(lo, prev_end);
        ck_assert(c > 0);
        if (lo >= ST_HIST_EXACT_BELOW)
            ck_assert_int_le(w * ST_HIST_SUB, lo);
        else
            ck_assert_int_eq(w, 1);
        prev_end = lo + w;
        total += c;
    }
    ck_assert_uint_eq(total, 20000);
    st_rec_free(r);
    gsl_rng_free(g);
}
END_TEST

START_TEST(reset_forgets_everything)
{
    struct st_rec *r = st_rec_new(4);
    for (int i = 0; i < 10; i++)
        ck_assert_int_eq(st_rec_add(r, 1000000 + i), 0);
    ck_assert(!st_rec_is_exact(r));
    st_rec_reset(r);
    ck_assert_uint_eq(st_rec_count(r), 0);
    ck_assert(st_rec_is_exact(r));
    struct st_summary s;
    st_rec_summary(r, &s);
    ck_assert(isnan(s.mean));
    struct st_bin_iter it = ST_BIN_ITER_INIT;
    int64_t lo, w;
    uint64_t c;
    ck_assert(!st_rec_bin_next(r, &it, &lo, &w, &c));

    ck_assert_int_eq(st_rec_add(r, 10), 0);
    ck_assert_int_eq(st_rec_add(r, 20), 0);
    st_rec_summary(r, &s);
    ck_assert_uint_eq(s.count, 2);
    ck_close(s.mean, 15.0, 0);
    ck_assert_int_eq(s.min, 10);
    ck_assert_int_eq(s.max, 20);
    double q;
    bool ex = false;
    ck_assert_int_eq(st_rec_quantile(r, 0.5, &q, &ex), 0);
    ck_assert(ex);
    ck_close(q, 15.0, 0);
    uint64_t total = 0;
    it = (struct st_bin_iter)ST_BIN_ITER_INIT;
    while (st_rec_bin_next(r, &it, &lo, &w, &c)) {
        ck_assert_int_lt(lo, 256);
        total += c;
    }
    ck_assert_uint_eq(total, 2);
    st_rec_free(r);
}
END_TEST

START_TEST(student_t_ci)
{
    /* 1..5: mean 3, s = sqrt(2.5). Table values: t_{0.975,4} = 2.776445,
     * t_{0.95,4} = 2.131847, t_{0.975,1} = 12.706205. */
    static const double x[] = { 1, 2, 3, 4, 5 };
    double m, h;
    ck_assert_int_eq(st_mean_ci(x, 5, 0.95, &m, &h), 0);
    ck_close(m, 3.0, 1e-12);
    ck_close(h, 2.776445 * sqrt(2.5) / sqrt(5.0), 1e-5);   /* 1.963243 */
    ck_assert_int_eq(st_mean_ci(x, 5, 0.90, &m, &h), 0);
    ck_close(h, 2.131847 * sqrt(2.5) / sqrt(5.0), 1e-5);   /* 1.507443 */
    static const double y[] = { 0, 2 };
    ck_assert_int_eq(st_mean_ci(y, 2, 0.95, &m, &h), 0);
    ck_close(m, 1.0, 0);
    ck_close(h, 12.706205, 1e-5);

    ck_assert_int_eq(st_mean_ci(x, 1, 0.95, &m, &h), -SIM_EINVAL);
    ck_assert_int_eq(st_mean_ci(x, 5, 0.0, &m, &h), -SIM_EINVAL);
    ck_assert_int_eq(st_mean_ci(x, 5, 1.0, &m, &h), -SIM_EINVAL);
    ck_assert_int_eq(st_mean_ci(x, 5, NAN, &m, &h), -SIM_EINVAL);
    static const double z[] = { 1, NAN, 3 };
    ck_assert_int_eq(st_mean_ci(z, 3, 0.95, &m, &h), -SIM_EINVAL);
}
END_TEST

/* Honest intervals: on normal data with known mean and variance, the 95%
 * Student-t interval of st_mean_ci covers the true mean in about 95% of
 * 1000 trials, for n = 2, 10 and 30 samples per trial. Coverage is
 * binomial (sd sqrt(0.95 * 0.05 / 1000) = 0.0069), so 0.93..0.97 is a
 * band of about 3 sd; the GSL seed is fixed, so the counts are too. A
 * normal-approximation interval (1.96 s / sqrt(n), as some tools use)
 * covers only about 70% for n = 2, which shows the test can tell. */
START_TEST(ci_coverage_normal)
{
    static const size_t ns[] = { 2, 10, 30 };
    const double mu = 5.0, sigma = 2.0;
    const int trials = 1000;
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    ck_assert_ptr_nonnull(g);
    gsl_rng_set(g, 20261128);
    for (size_t k = 0; k < sizeof ns / sizeof ns[0]; k++) {
        size_t n = ns[k];
        double x[30];
        int covered = 0, z_covered = 0;
        for (int t = 0; t < trials; t++) {
            for (size_t i = 0; i < n; i++)
                x[i] = mu + gsl_ran_gaussian(g, sigma);
            double m, h;
            ck_assert_int_eq(st_mean_ci(x, n, 0.95, &m, &h), 0);
            covered += fabs(m - mu) <= h;
            double sd = 0;
            for (size_t i = 0; i < n; i++)
                sd += (x[i] - m) * (x[i] - m);
            sd = sqrt(sd / (double)(n - 1));
            z_covered += fabs(m - mu) <= 1.959964 * sd / sqrt((double)n);
        }
        double f = (double)covered / trials, fz = (double)z_covered / trials;
        fprintf(stderr, "ci coverage n=%zu: Student-t %.3f, normal approximation %.3f\n", n,
                f, fz);
        ck_assert_msg(f >= 0.93 && f <= 0.97, "n = %zu: coverage %.3f outside 0.93..0.97",
                      n, f);
        if (n == 2)
            ck_assert_msg(fz < 0.85, "n = 2: normal approximation covers %.3f", fz);
    }
    gsl_rng_free(g);
}
END_TEST

/* Merging recorders equals recording every sample in one: exact fields
 * equal, mean and stddev to rounding, the same buckets, the same exact
 * quantiles while the total fits exact_cap and histogram quantiles past it. */
START_TEST(merge_equals_one_recorder)
{
    size_t cap = _i ? 1000 : 0;
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(g, 5);
    struct st_rec *all = st_rec_new(cap), *dst = st_rec_new(cap);
    for (int part = 0; part < 3; part++) {
        struct st_rec *r = st_rec_new(cap);
        for (int k = 0; k < 300 * (part + 1); k++) {
            int64_t v = (int64_t)gsl_ran_lognormal(g, 8 + part, 1.5);
            ck_assert_int_eq(st_rec_add(r, v), 0);
            ck_assert_int_eq(st_rec_add(all, v), 0);
        }
        ck_assert_int_eq(st_rec_merge(dst, r), 0);
        st_rec_free(r);
    }
    struct st_summary a, b;
    st_rec_summary(all, &a);
    st_rec_summary(dst, &b);
    ck_assert_uint_eq(a.count, 1800);
    ck_assert_uint_eq(a.count, b.count);
    ck_assert_double_eq(a.sum, b.sum);
    ck_assert_double_eq(a.sqrsum, b.sqrsum);
    ck_assert_int_eq(a.min, b.min);
    ck_assert_int_eq(a.max, b.max);
    ck_assert_double_eq_tol(a.mean, b.mean, 1e-9 * a.mean);
    ck_assert_double_eq_tol(a.stddev, b.stddev, 1e-9 * a.stddev);
    ck_assert_int_eq(st_rec_is_exact(dst), st_rec_is_exact(all));
    ck_assert_int_eq(st_rec_is_exact(dst), cap == 0);
    for (double p = 0; p <= 1.0; p += 0.125) {
        double qa, qb;
        ck_assert_int_eq(st_rec_quantile(all, p, &qa, NULL), 0);
        ck_assert_int_eq(st_rec_quantile(dst, p, &qb, NULL), 0);
        ck_assert_double_eq(qa, qb);
    }
    struct st_bin_iter ia = ST_BIN_ITER_INIT, ib = ST_BIN_ITER_INIT;
    int64_t la, wa, lb, wb;
    uint64_t ca, cb;
    while (st_rec_bin_next(all, &ia, &la, &wa, &ca)) {
        ck_assert(st_rec_bin_next(dst, &ib, &lb, &wb, &cb));
        ck_assert_int_eq(la, lb);
        ck_assert_uint_eq(ca, cb);
    }
    ck_assert(!st_rec_bin_next(dst, &ib, &lb, &wb, &cb));
    st_rec_free(all);
    st_rec_free(dst);
    gsl_rng_free(g);
}
END_TEST

/* The histogram's counts, bucket by bucket, from the test's own copy of the
 * samples: bucket [lo, lo + w) must hold exactly the samples in it. */
static void check_bins(const struct st_rec *r, const int64_t *x, size_t n)
{
    struct st_bin_iter it = ST_BIN_ITER_INIT;
    int64_t lo, w;
    uint64_t c, total = 0;
    while (st_rec_bin_next(r, &it, &lo, &w, &c)) {
        uint64_t want = 0;
        for (size_t k = 0; k < n; k++)
            want += x[k] >= lo && x[k] < lo + w;
        ck_assert_msg(c == want, "bucket [%lld, +%lld): %llu, want %llu after %zu samples",
                      (long long)lo, (long long)w, (unsigned long long)c,
                      (unsigned long long)want, n);
        total += c;
    }
    ck_assert_uint_eq(total, n);
}

START_TEST(histogram_reads_see_every_sample)
{
    /* Reads interleaved with recording, through every state of the
     * recorder: exact (buffer growing, sorted by a quantile, then added to),
     * across the exact cap, and many batches past it; then merged into
     * another recorder that holds unread samples of its own, and reset. */
    enum { CAP = 3000, N = 9000 };
    static int64_t x[N];
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(g, 17);
    for (size_t k = 0; k < N; k++)
        x[k] = (int64_t)gsl_ran_lognormal(g, 9, 2);
    struct st_rec *r = st_rec_new(CAP);
    static const size_t stops[] = { 1, 700, 1500, 2999, 3000, 3001, 3257, 3512, 5000, N };
    size_t n = 0;
    for (size_t s = 0; s < sizeof stops / sizeof stops[0]; s++) {
        for (; n < stops[s]; n++)
            ck_assert_int_eq(st_rec_add(r, x[n]), 0);
        ck_assert_int_eq(st_rec_is_exact(r), n <= CAP);
        check_bins(r, x, n);
        double q, hq;
        bool ex;
        ck_assert_int_eq(st_rec_quantile(r, 0.9, &q, &ex), 0);
        ck_assert_int_eq(ex, n <= CAP);
        ck_assert_int_eq(st_rec_hist_quantile(r, 0.9, &hq), 0);
        ck_assert_double_le(fabs(hq - q), q * ST_HIST_REL_ERROR);
        check_bins(r, x, n);
    }

    struct st_rec *d = st_rec_new(CAP);
    for (size_t k = 0; k < 100; k++)
        ck_assert_int_eq(st_rec_add(d, x[k]), 0);
    ck_assert_int_eq(st_rec_merge(d, r), 0);
    static int64_t both[N + 100];
    memcpy(both, x, 100 * sizeof x[0]);
    memcpy(both + 100, x, N * sizeof x[0]);
    check_bins(d, both, N + 100);
    ck_assert_uint_eq(st_rec_count(d), N + 100);
    for (size_t k = 0; k < 300; k++)
        ck_assert_int_eq(st_rec_add(d, x[k]), 0);
    st_rec_reset(d);
    check_bins(d, x, 0);
    for (size_t k = 0; k < 10; k++)
        ck_assert_int_eq(st_rec_add(d, x[k]), 0);
    check_bins(d, x, 10);
    st_rec_free(d);
    st_rec_free(r);
    gsl_rng_free(g);
}
END_TEST

static Suite *stats_suite(void)
{
    Suite *s = suite_create("stats");
    TCase *tc = xs_tcase(s, "summary", 5);
    tcase_add_test(tc, summary_known_data);
    tcase_add_test(tc, welford_is_stable);
    tcase_add_test(tc, empty_and_single);
    tcase_add_test(tc, invalid_input);
    tcase_add_test(tc, reset_forgets_everything);
    tcase_add_test(tc, student_t_ci);
    tcase_add_test(tc, ci_coverage_normal);
    tc = xs_tcase(s, "quantiles", 30);
    tcase_add_test(tc, exact_quantiles_1_to_100);
    tcase_add_test(tc, exact_then_histogram);
    tcase_add_test(tc, histogram_error_bound);
    tcase_add_test(tc, histogram_random_small_sets);
    tcase_add_test(tc, memory_bounded_for_any_input);
    tcase_add_test(tc, bins_cover_every_sample);
    tcase_add_test(tc, histogram_reads_see_every_sample);
    tcase_add_loop_test(tc, merge_equals_one_recorder, 0, 2);
    return s;
}

XS_CHECK_MAIN(stats_suite)
