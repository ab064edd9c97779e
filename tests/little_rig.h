/*
 * tests/little_rig.h: the open-loop driver of the long random runs in the
 * disk and NIC tests (tests/test_disk.c, tests/test_nic.c), and their
 * Little's-law check.
 *
 * A source submits requests (or packets) numbered 0, 1, 2, ... with
 * exponential gaps drawn from its own stream: the first at time 0, each
 * next one a gap after the last. The caller's submit function builds and
 * submits request `id` (drawing whatever else it needs, before the gap is
 * drawn) and reports completions back with lrig_done, which folds the
 * completion order into an FNV-1a hash for the determinism checks.
 */
#ifndef XENSIM_TESTS_LITTLE_RIG_H
#define XENSIM_TESTS_LITTLE_RIG_H

#include <stdint.h>

#include "sim/dist.h"
#include "sim/ev.h"
#include "sim/rng.h"
#include "sim/types.h"

/* Submit request `id` to the device under test; 0, or the device's error. */
typedef int lrig_submit_fn(void *ctx, uint64_t id);

struct lrig {
    struct ev_loop *loop;
    struct rng *arr;            /* inter-arrival stream (the caller's) */
    struct dist gap;            /* exponential inter-arrival, ns */
    lrig_submit_fn *submit;
    void *ctx;                  /* passed to submit */
    uint64_t next_id;
    uint64_t order_hash;        /* FNV-1a over completion ids */
};

/* Set up src and schedule its first submission at time 0 (a failure to
 * schedule fails the test). Mean gap in ns. */
void lrig_start(struct lrig *src, struct ev_loop *loop, struct rng *arr, double mean_gap_ns,
                lrig_submit_fn *submit, void *ctx);

/* Fold completion `id` into src's order hash. */
void lrig_done(struct lrig *src, uint64_t id);

/*
 * Little's law over a window of `elapsed` ns: the mean number in the system
 * L (queue_depth_mean) equals throughput (completed / elapsed) times the
 * mean time in the system, within 2% of L. The failure message starts with
 * `what` (e.g. "dir 0: " or "").
 */
void lrig_check_little(uint64_t completed, sim_time_t elapsed, double queue_depth_mean,
                       double mean_time_ns, const char *what);

#endif
