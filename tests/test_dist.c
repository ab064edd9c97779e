/*
 * tests/test_dist.c: unit tests for sim/dist (the scenario language's
 * distributions).
 *
 * Source of facts: sim/dist.h; facts/c-style-and-ecosystem.md B3 (GSL's
 * exponential takes the mean; pareto's argument order is pinned by the
 * sample minimum and median). Sample moments over NSAMP draws from fixed
 * streams must lie within a few standard errors of the analytic ones: 5 for
 * means, and 6 for variances, whose standard error, sqrt((kurtosis - 1)/n)
 * relative, rests on a normal approximation that heavy tails strain.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "sim/dist.h"
#include "sim/rng.h"
#include "tests/check_util.h"

#define NSAMP 200000

/* ck_assert records a checkpoint through a pipe on every success; loops of
 * many thousands of checks use this instead, which costs nothing unless it
 * fails. */
#define REQUIRE(cond, ...)              \
    do {                                \
        if (!(cond))                    \
            ck_abort_msg(__VA_ARGS__);  \
    } while (0)

/* M_PI is XSI, hidden under _POSIX_C_SOURCE. */
static const double PI = 3.14159265358979323846;

struct moments {
    double mean, var, min, max, median;
};

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static struct moments sample(const struct dist *d, const char *stream)
{
    struct rng *r = rng_new(2024, 0, stream);
    double *x = malloc(NSAMP * sizeof *x);
    struct moments m = { 0, 0, INFINITY, -INFINITY, 0 };

    ck_assert_ptr_nonnull(r);
    ck_assert_ptr_nonnull(x);
    /* Welford's update: no cancellation with means of order 1e6. */
    for (int i = 0; i < NSAMP; i++) {
        x[i] = dist_sample(d, r);
        double delta = x[i] - m.mean;
        m.mean += delta / (i + 1);
        m.var += delta * (x[i] - m.mean);
        m.min = fmin(m.min, x[i]);
        m.max = fmax(m.max, x[i]);
    }
    m.var /= NSAMP - 1;
    qsort(x, NSAMP, sizeof *x, cmp_double);
    m.median = (x[NSAMP / 2 - 1] + x[NSAMP / 2]) / 2;
    free(x);
    rng_free(r);
    return m;
}

/* Sample mean within 5 standard errors, sample variance within 6. */
static void check_moments(const struct dist *d, const struct moments *m,
                          double kurtosis)
{
    double mu = dist_mean(d), var = dist_variance(d);
    double se_mean = sqrt(var / NSAMP);
    double se_var = var * sqrt((kurtosis - 1) / NSAMP);

    ck_assert_msg(fabs(m->mean - mu) <= 5 * se_mean,
                  "%s: sample mean %g, analytic %g, 5 se %g",
                  dist_kind_name(d->kind), m->mean, mu, 5 * se_mean);
    ck_assert_msg(fabs(m->var - var) <= 6 * se_var,
                  "%s: sample variance %g, analytic %g, 6 se %g",
                  dist_kind_name(d->kind), m->var, var, 6 * se_var);
}

START_TEST(test_constant)
{
    struct dist d = { DIST_CONST, 1234.5, 0 };
    struct rng *r = rng_new(1, 0, "test/const");

    ck_assert_ptr_nonnull(r);
    for (int i = 0; i < 1000; i++)
        REQUIRE(dist_sample(&d, r) == 1234.5, "draw %d", i);
    ck_assert(dist_mean(&d) == 1234.5);
    ck_assert(dist_variance(&d) == 0);
    rng_free(r);
}
END_TEST

/* GSL takes the mean, not the rate: a mean of 2 ms samples around 2e6 ns. */
START_TEST(test_exponential)
{
    struct dist d = { DIST_EXPONENTIAL, 2e6, 0 };
    struct moments m = sample(&d, "test/exponential");

    ck_assert(dist_mean(&d) == 2e6);
    ck_assert(dist_variance(&d) == 4e12);
    ck_assert_double_ge(m.min, 0);
    ck_assert_double_eq_tol(m.mean, 2e6, 5 * 2e6 / sqrt(NSAMP));
    check_moments(&d, &m, 9);
    /* Median of an exponential: mean * ln 2; se = mean / sqrt(n). */
    ck_assert_double_eq_tol(m.median, 2e6 * log(2.0), 5 * 2e6 / sqrt(NSAMP));
}
END_TEST

START_TEST(test_uniform)
{
    struct dist d = { DIST_UNIFORM, 1e6, 3e6 };
    struct moments m = sample(&d, "test/uniform");

    ck_assert(dist_mean(&d) == 2e6);
    ck_assert_double_eq_tol(dist_variance(&d), 4e12 / 12, 1e-3);
    ck_assert_double_ge(m.min, 1e6);
    ck_assert_double_lt(m.max, 3e6);
    /* The whole interval is covered, not a corner of it. */
    ck_assert_double_lt(m.min, 1e6 + 100);
    ck_assert_double_gt(m.max, 3e6 - 100);
    check_moments(&d, &m, 1.8);
}
END_TEST

START_TEST(test_normal)
{
    struct dist d = { DIST_NORMAL, 5e6, 1e6 };
    struct moments m = sample(&d, "test/normal");

    ck_assert(dist_mean(&d) == 5e6);
    ck_assert(dist_variance(&d) == 1e12);
    check_moments(&d, &m, 3);
    /* Standard deviation: se ~ sigma / sqrt(2n). */
    ck_assert_double_eq_tol(sqrt(m.var), 1e6, 5 * 1e6 / sqrt(2.0 * NSAMP));
    ck_assert_double_eq_tol(m.median, 5e6, 5 * 1.2533 * 1e6 / sqrt(NSAMP));
}
END_TEST

START_TEST(test_lognormal)
{
    const double median = 1e6, sigma = 0.5, s2 = sigma * sigma;
    struct dist d = { DIST_LOGNORMAL, median, sigma };
    struct moments m = sample(&d, "test/lognormal");
    double kurt = exp(4 * s2) + 2 * exp(3 * s2) + 3 * exp(2 * s2) - 3;

    ck_assert_double_eq_tol(dist_mean(&d), median * exp(s2 / 2), 1e-6);
    ck_assert_double_eq_tol(dist_variance(&d),
                            median * median * exp(s2) * (exp(s2) - 1), 1);
    ck_assert_double_gt(m.min, 0);
    /* The parameter is the median, not the mean nor log(mean). */
    ck_assert_double_eq_tol(m.median, median, 0.01 * median);
    check_moments(&d, &m, kurt);
}
END_TEST

START_TEST(test_pareto)
{
    const double shape = 6, scale = 1000;
    struct dist d = { DIST_PARETO, shape, scale };
    struct moments m = sample(&d, "test/pareto");
    double excess = 6 * (shape * shape * shape + shape * shape - 6 * shape - 2) /
                    (shape * (shape - 3) * (shape - 4));

    ck_assert_double_eq_tol(dist_mean(&d), shape * scale / (shape - 1), 1e-9);
    ck_assert_double_eq_tol(dist_variance(&d), scale * scale * shape /
                            ((shape - 1) * (shape - 1) * (shape - 2)), 1e-6);
    /* Argument order: the scale is the minimum, the shape the tail. */
    ck_assert_double_ge(m.min, scale);
    ck_assert_double_lt(m.min, scale * 1.001);
    ck_assert_double_eq_tol(m.median, scale * pow(2, 1 / shape), 0.01 * scale);
    check_moments(&d, &m, 3 + excess);
}
END_TEST

START_TEST(test_pareto_heavy_tail)
{
    struct dist d = { DIST_PARETO, 1.5, 2 };
    struct rng *r = rng_new(1, 0, "test/pareto-heavy");

    ck_assert_ptr_nonnull(r);
    ck_assert_double_eq_tol(dist_mean(&d), 6, 1e-12);
    ck_assert(isinf(dist_variance(&d)));
    for (int i = 0; i < 10000; i++) {
        double x = dist_sample(&d, r);
        REQUIRE(x >= 2, "draw %d: %g below the scale", i, x);
    }
    d.a = 1;
    ck_assert(isinf(dist_mean(&d)));
    d.a = 0.5;
    ck_assert(isinf(dist_mean(&d)));
    ck_assert(isinf(dist_variance(&d)));
    d.a = 3;
    ck_assert_double_eq_tol(dist_mean(&d), 3, 1e-12);
    ck_assert_double_eq_tol(dist_variance(&d), 3, 1e-12);
    rng_free(r);
}
END_TEST

START_TEST(test_i64_rounds_and_clamps)
{
    struct rng *r = rng_new(1, 0, "test/i64");
    struct dist d = { DIST_CONST, 2.5, 0 };

    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(dist_sample_i64(&d, r), 3);
    d.a = 2.4999;
    ck_assert_int_eq(dist_sample_i64(&d, r), 2);
    d.a = 7;
    ck_assert_int_eq(dist_sample_i64(&d, r), 7);
    d.a = -3;
    ck_assert_int_eq(dist_sample_i64(&d, r), 0);
    d.a = -0.4;
    ck_assert_int_eq(dist_sample_i64(&d, r), 0);
    d.a = 1e30;
    ck_assert_int_eq(dist_sample_i64(&d, r), INT64_MAX);
    d.a = 9223372036854775808.0;
    ck_assert_int_eq(dist_sample_i64(&d, r), INT64_MAX);
    d.a = 4611686018427387904.0;    /* 2^62, exact */
    ck_assert_int_eq(dist_sample_i64(&d, r), 4611686018427387904);

    /* Rounding, not truncation: uniform [0, 1) gives 0 and 1 about
     * equally often (truncation would give only 0). */
    struct dist u = { DIST_UNIFORM, 0, 1 };
    int ones = 0;
    for (int i = 0; i < 10000; i++) {
        int64_t x = dist_sample_i64(&u, r);
        REQUIRE(x == 0 || x == 1, "draw %d: %lld", i, (long long)x);
        ones += (int)x;
    }
    ck_assert_int_lt(abs(ones - 5000), 250);    /* se 50 */

    /* A normal with half its mass below zero is truncated there; the mean
     * shifts up to sigma / sqrt(2 pi), sd sigma * sqrt(1/2 - 1/(2 pi)). */
    struct dist n = { DIST_NORMAL, 0, 1e6 };
    double sum = 0;
    int zeros = 0;
    for (int i = 0; i < NSAMP; i++) {
        int64_t x = dist_sample_i64(&n, r);
        REQUIRE(x >= 0, "draw %d: %lld", i, (long long)x);
        zeros += x == 0;
        sum += (double)x;
    }
    double want = 1e6 / sqrt(2 * PI);
    double se = 1e6 * sqrt(0.5 - 1 / (2 * PI)) / sqrt(NSAMP);
    ck_assert_double_eq_tol(sum / NSAMP, want, 5 * se);
    ck_assert_int_lt(abs(zeros - NSAMP / 2), 5 * 224);     /* se sqrt(n)/2 */
    rng_free(r);
}
END_TEST

START_TEST(test_invalid_parameters)
{
    static const struct dist bad[] = {
        { DIST_CONST, NAN, 0 },
        { DIST_CONST, INFINITY, 0 },
        { DIST_EXPONENTIAL, -1, 0 },
        { DIST_UNIFORM, 3, 2 },
        { DIST_UNIFORM, 0, INFINITY },
        { DIST_NORMAL, 1, -1 },
        { DIST_LOGNORMAL, 0, 1 },
        { DIST_LOGNORMAL, 1, -0.5 },
        { DIST_PARETO, 0, 1 },
        { DIST_PARETO, 2, 0 },
        { (enum dist_kind)42, 1, 1 },
    };
    struct rng *r = rng_new(1, 0, "test/invalid");

    ck_assert_ptr_nonnull(r);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_msg(isnan(dist_sample(&bad[i], r)), "case %zu", i);
        ck_assert_int_eq(dist_sample_i64(&bad[i], r), 0);
        ck_assert_msg(isnan(dist_mean(&bad[i])), "case %zu", i);
        ck_assert_msg(isnan(dist_variance(&bad[i])), "case %zu", i);
    }
    /* Degenerate but valid: zero spread. */
    struct dist z = { DIST_NORMAL, 5, 0 };
    ck_assert(dist_sample(&z, r) == 5);
    z = (struct dist){ DIST_UNIFORM, 5, 5 };
    ck_assert(dist_sample(&z, r) == 5);
    z = (struct dist){ DIST_EXPONENTIAL, 0, 0 };
    ck_assert(dist_sample(&z, r) == 0);
    rng_free(r);
}
END_TEST

START_TEST(test_kind_names)
{
    ck_assert_str_eq(dist_kind_name(DIST_CONST), "constant");
    ck_assert_str_eq(dist_kind_name(DIST_EXPONENTIAL), "exponential");
    ck_assert_str_eq(dist_kind_name(DIST_UNIFORM), "uniform");
    ck_assert_str_eq(dist_kind_name(DIST_NORMAL), "normal");
    ck_assert_str_eq(dist_kind_name(DIST_LOGNORMAL), "lognormal");
    ck_assert_str_eq(dist_kind_name(DIST_PARETO), "pareto");
    ck_assert_str_eq(dist_kind_name((enum dist_kind)42), "unknown");
}
END_TEST

/* The same stream and parameters give the same samples. */
START_TEST(test_reproducible)
{
    struct dist d = { DIST_LOGNORMAL, 1e5, 1 };
    struct rng *a = rng_new(5, 1, "dom:x/service");
    struct rng *b = rng_new(5, 1, "dom:x/service");

    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    for (int i = 0; i < 1000; i++) {
        int64_t x = dist_sample_i64(&d, a), y = dist_sample_i64(&d, b);
        REQUIRE(x == y, "draw %d: %lld != %lld", i, (long long)x,
                (long long)y);
    }
    rng_free(a);
    rng_free(b);
}
END_TEST

static Suite *dist_suite(void)
{
    Suite *s = suite_create("dist");
    TCase *tc = xs_tcase(s, "moments", 30);

    tcase_add_test(tc, test_constant);
    tcase_add_test(tc, test_exponential);
    tcase_add_test(tc, test_uniform);
    tcase_add_test(tc, test_normal);
    tcase_add_test(tc, test_lognormal);
    tcase_add_test(tc, test_pareto);
    tcase_add_test(tc, test_pareto_heavy_tail);

    tc = xs_tcase(s, "contract", 20);
    tcase_add_test(tc, test_i64_rounds_and_clamps);
    tcase_add_test(tc, test_invalid_parameters);
    tcase_add_test(tc, test_kind_names);
    tcase_add_test(tc, test_reproducible);
    return s;
}

XS_CHECK_MAIN(dist_suite)
