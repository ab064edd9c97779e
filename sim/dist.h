/*
 * sim/dist.h: the distributions of the scenario language.
 *
 * A distribution describes a random quantity (a think time, a burst length,
 * an inter-arrival gap). Parameters are held in the quantity's base unit
 * (ns for time, bytes for size) as doubles; a sample is drawn from a named
 * stream (sim/rng.h) through GSL's samplers:
 *
 *   constant     value                     always value
 *   exponential  mean                      gsl_ran_exponential takes the mean
 *   uniform      min, max                  gsl_ran_flat, [min, max)
 *   normal       mean, stddev              mean + gsl_ran_gaussian(stddev)
 *   lognormal    median, sigma             gsl_ran_lognormal(log(median), sigma)
 *   pareto       shape, scale              gsl_ran_pareto(shape, scale), x >= scale
 *
 * Integer samples (dist_sample_i64) are rounded to nearest and clamped at
 * zero: a quantity such as a service time cannot be negative, so a normal
 * with mass below zero is truncated there (the mean then shifts up; docs/
 * says so).
 */
#ifndef XENSIM_SIM_DIST_H
#define XENSIM_SIM_DIST_H

#include <stdint.h>
#include "sim/rng.h"

enum dist_kind {
    DIST_CONST,
    DIST_EXPONENTIAL,
    DIST_UNIFORM,
    DIST_NORMAL,
    DIST_LOGNORMAL,
    DIST_PARETO,
};

struct dist {
    enum dist_kind kind;
    double a;   /* const: value; exponential: mean; uniform: min; normal: mean;
                   lognormal: median; pareto: shape (dimensionless) */
    double b;   /* uniform: max; normal: stddev; lognormal: sigma (dimensionless,
                   log space); pareto: scale (the minimum); else unused */
};

/* Name as written in scenarios: "constant", "exponential", ... */
const char *dist_kind_name(enum dist_kind kind);

/* One draw from the distribution, in base units. */
double dist_sample(const struct dist *d, struct rng *r);

/* One draw rounded to the nearest integer and clamped to [0, INT64_MAX]. */
int64_t dist_sample_i64(const struct dist *d, struct rng *r);

/* Analytic mean (INFINITY for pareto with shape <= 1). */
double dist_mean(const struct dist *d);

/* Analytic variance (INFINITY where it does not exist). */
double dist_variance(const struct dist *d);

#endif
