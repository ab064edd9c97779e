/*
 * tests/little_rig.c: the open-loop Poisson source and the Little's-law
 * check shared by the disk and NIC tests (see little_rig.h).
 */
#include "tests/little_rig.h"

#include <check.h>
#include <math.h>

static void lrig_fire(void *arg)
{
    struct lrig *src = arg;
    ck_assert_int_eq(src->submit(src->ctx, src->next_id++), 0);
    ck_assert_int_eq(ev_after(src->loop, dist_sample_i64(&src->gap, src->arr), lrig_fire, src,
                              NULL), 0);
}

void lrig_start(struct lrig *src, struct ev_loop *loop, struct rng *arr, double mean_gap_ns,
                lrig_submit_fn *submit, void *ctx)
{
    *src = (struct lrig){ .loop = loop, .arr = arr, .submit = submit, .ctx = ctx };
    src->gap.kind = DIST_EXPONENTIAL;
    src->gap.a = mean_gap_ns;
    src->order_hash = 14695981039346656037ull;
    ck_assert_int_eq(ev_at(loop, 0, lrig_fire, src, NULL), 0);
}

void lrig_done(struct lrig *src, uint64_t id)
{
    src->order_hash = (src->order_hash ^ id) * 1099511628211ull;
}

void lrig_check_little(uint64_t completed, sim_time_t elapsed, double queue_depth_mean,
                       double mean_time_ns, const char *what)
{
    double lambda = (double)completed / (double)elapsed;     /* per ns */
    double L = queue_depth_mean;
    double lw = lambda * mean_time_ns;
    ck_assert_msg(fabs(L - lw) < 0.02 * L, "%sL %f vs lambda*W %f", what, L, lw);
}
