/*
 * sim/types.h: the basic types every layer shares.
 *
 * Simulated time is a signed 64-bit count of nanoseconds of true (engine)
 * time since the start of the run, never a double: integer time makes event
 * order and every result bit-exact across runs and platforms. 2^63 ns is
 * about 292 years, far beyond any run. The hypervisor's own notion of time,
 * NOW() as the schedulers see it, is a different quantity with the same type
 * (see sim/clock.h): it is derived from a modelled TSC and drifts.
 */
#ifndef XENSIM_SIM_TYPES_H
#define XENSIM_SIM_TYPES_H

#include <stdint.h>

typedef int64_t sim_time_t;             /* ns */

#define SIM_NSEC ((sim_time_t)1)
#define SIM_USEC ((sim_time_t)1000)
#define SIM_MSEC ((sim_time_t)1000000)
#define SIM_SEC  ((sim_time_t)1000000000)
#define SIM_TIME_MAX INT64_MAX

/* One point of a time series (a results vector): when, and after how many
 * engine events. */
struct sim_vpoint {
    int64_t event;                  /* eventNumber: engine events dispatched so far */
    int64_t t_ns;                   /* simtimeRaw, ns */
    double value;                   /* NaN is stored as NULL */
};

#endif
