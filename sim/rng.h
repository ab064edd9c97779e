/*
 * sim/rng.h: named random-number streams.
 *
 * Every source of randomness in a run (a domain's arrivals, a disk's seek
 * jitter, ...) draws from its own stream, identified by a stable name such
 * as "dom:probe/arrival". A stream's seed is a fixed mix of (master seed,
 * replication, name), never of creation order, so adding a domain or
 * switching scheduler leaves every other stream's sequence untouched: two
 * runs that differ only in policy see common random numbers.
 *
 * Each stream is a GSL generator (gsl_rng_mt19937). GSL's own seeding of
 * mt19937 uses only 32 bits of the seed; to keep the full 64-bit key, the
 * whole Mersenne Twister state is filled from a splitmix64 sequence of the
 * key (see rng.c), which is how the key scheme is documented in docs/.
 */
#ifndef XENSIM_SIM_RNG_H
#define XENSIM_SIM_RNG_H

#include <stdint.h>
#include <gsl/gsl_rng.h>

struct rng;

/* The 64-bit key of a stream: a fixed function of its three inputs. */
uint64_t rng_key(uint64_t master_seed, uint32_t replication, const char *name);

/* Create a stream. The name is copied. Returns NULL if out of memory. */
struct rng *rng_new(uint64_t master_seed, uint32_t replication, const char *name);
void rng_free(struct rng *r);

/* Uniform double in [0, 1). */
double rng_uniform(struct rng *r);

/* Uniform integer in [0, n), n > 0. */
uint64_t rng_below(struct rng *r, uint64_t n);

/* The underlying GSL generator (borrowed; owned by the stream). */
gsl_rng *rng_gsl(struct rng *r);

const char *rng_name(const struct rng *r);

/* Generator name recorded in results, e.g. "mt19937/splitmix64-key". */
const char *rng_scheme(void);

#endif
