/*
 * sim/dist.c: sampling the distributions of the scenario language.
 *
 * Sources of facts: DESIGN.md section 4 (the distributions and their
 * parameters); facts/c-style-and-ecosystem.md B3 (GSL's samplers:
 * gsl_ran_exponential takes the mean, gsl_ran_pareto(r, shape, scale),
 * gsl_ran_lognormal's parameters belong to the underlying normal). Moments
 * are the textbook ones (e.g. Johnson, Kotz and Balakrishnan).
 *
 * Simplified: dist_mean and dist_variance describe the untruncated
 * distribution; dist_sample_i64 clamps at zero, which raises the mean of a
 * normal with mass below zero, and this is not reflected in the moments.
 * Invalid parameters (a non-finite value, a negative exponential mean,
 * min > max, a negative stddev or sigma, a median, shape or scale <= 0) are
 * not reported here, since these functions return values, not codes: such a
 * distribution samples as NaN (0 through dist_sample_i64) and has NaN
 * moments. The scenario loader refuses them first. A constant draws nothing
 * from its stream; every other kind draws through GSL's samplers, so a
 * stream's samples are the same wherever GSL and libm are.
 */
#include "sim/dist.h"

#include <math.h>
#include <stdbool.h>
#include <gsl/gsl_randist.h>

static const char *const kind_names[] = {
    [DIST_CONST] = "constant",
    [DIST_EXPONENTIAL] = "exponential",
    [DIST_UNIFORM] = "uniform",
    [DIST_NORMAL] = "normal",
    [DIST_LOGNORMAL] = "lognormal",
    [DIST_PARETO] = "pareto",
};

const char *dist_kind_name(enum dist_kind kind)
{
    if ((unsigned)kind >= sizeof kind_names / sizeof kind_names[0])
        return "unknown";
    return kind_names[kind];
}

static bool params_ok(const struct dist *d)
{
    double a = d->a, b = d->b;

    switch (d->kind) {
    case DIST_CONST:
        return isfinite(a);
    case DIST_EXPONENTIAL:
        return isfinite(a) && a >= 0;
    case DIST_UNIFORM:
        return isfinite(a) && isfinite(b) && a <= b;
    case DIST_NORMAL:
        return isfinite(a) && isfinite(b) && b >= 0;
    case DIST_LOGNORMAL:
        return isfinite(a) && isfinite(b) && a > 0 && b >= 0;
    case DIST_PARETO:
        return isfinite(a) && isfinite(b) && a > 0 && b > 0;
    }
    return false;
}

double dist_sample(const struct dist *d, struct rng *r)
{
    if (!params_ok(d))
        return NAN;

    gsl_rng *g = rng_gsl(r);
    switch (d->kind) {
    case DIST_CONST:
        return d->a;
    case DIST_EXPONENTIAL:
        return gsl_ran_exponential(g, d->a);
    case DIST_UNIFORM:
        return gsl_ran_flat(g, d->a, d->b);
    case DIST_NORMAL:
        return d->a + gsl_ran_gaussian(g, d->b);
    case DIST_LOGNORMAL:
        return gsl_ran_lognormal(g, log(d->a), d->b);
    case DIST_PARETO:
        return gsl_ran_pareto(g, d->a, d->b);
    }
    return NAN;
}

int64_t dist_sample_i64(const struct dist *d, struct rng *r)
{
    double x = dist_sample(d, r);

    /* 2^63 is exact in a double; the largest double below it fits int64. */
    if (isnan(x) || x <= 0)
        return 0;
    if (x >= 9223372036854775808.0)
        return INT64_MAX;
    return (int64_t)llround(x);
}

double dist_mean(const struct dist *d)
{
    double a = d->a, b = d->b;

    if (!params_ok(d))
        return NAN;
    switch (d->kind) {
    case DIST_CONST:
    case DIST_EXPONENTIAL:
    case DIST_NORMAL:
        return a;
    case DIST_UNIFORM:
        return a + (b - a) / 2;
    case DIST_LOGNORMAL:
        return a * exp(b * b / 2);
    case DIST_PARETO:
        return a > 1 ? a * b / (a - 1) : INFINITY;
    }
    return NAN;
}

double dist_variance(const struct dist *d)
{
    double a = d->a, b = d->b;

    if (!params_ok(d))
        return NAN;
    switch (d->kind) {
    case DIST_CONST:
        return 0;
    case DIST_EXPONENTIAL:
        return a * a;
    case DIST_UNIFORM:
        return (b - a) * (b - a) / 12;
    case DIST_NORMAL:
        return b * b;
    case DIST_LOGNORMAL:
        /* median^2 e^{s^2} (e^{s^2} - 1); expm1 keeps small sigma exact. */
        return a * a * exp(b * b) * expm1(b * b);
    case DIST_PARETO:
        return a > 2 ? b * b * a / ((a - 1) * (a - 1) * (a - 2)) : INFINITY;
    }
    return NAN;
}
