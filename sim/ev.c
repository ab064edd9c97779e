/*
 * sim/ev.c: the event engine: simulated time, the dispatch loop, and timers
 * (the analogue of Xen's ac_timer) on top of the (time, seq) queue of
 * sim/evq.c.
 *
 * Sources of the idea (facts only, no code taken): OMNeT++ and libuv order
 * equal times by insertion, so an event scheduled at the current time runs
 * after those already due then; libuv re-arms a repeating timer before its
 * callback runs, so the callback may stop or re-arm it; Xen's ac_timer is
 * the model for timers as a handle that is armed, moved and cancelled.
 *
 * The dispatch loop is the hot path of every simulation: per event it is one
 * pop from the queue, two stores (now, counter) and the indirect call.
 *
 * Simplified: no priorities beyond insertion order (OMNeT++ has them), no
 * zero-delay FIFO fast path (OMNeT++ has one; the queue's deferred root makes
 * a pop followed by a push one sift already), no wall-clock pacing.
 */
#include "sim/ev.h"

#include <stdlib.h>

#include "sim/err.h"

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

struct ev_loop {
    struct ev_loop_pub pub;     /* first: the time ev_now() reads */
    struct evq *q;              /* pending events, keyed by time in ns */
    uint64_t dispatched;        /* events dispatched since creation */
    bool stop;                  /* ev_stop() called during the running ev_run() */
    bool running;               /* inside ev_run(): a nested call is refused */
};

struct ev_loop *ev_loop_new(void)
{
    struct ev_loop *loop = calloc(1, sizeof *loop);
    if (!loop)
        return NULL;
    loop->q = evq_new();
    if (!loop->q) {
        free(loop);
        return NULL;
    }
    return loop;
}

void ev_loop_free(struct ev_loop *loop)
{
    if (!loop)
        return;
    evq_free(loop->q);
    free(loop);
}

int ev_at(struct ev_loop *loop, sim_time_t t, ev_fn *fn, void *arg, ev_id *id)
{
    if (unlikely(t < loop->pub.now))
        return -SIM_EINVAL;
    return evq_push(loop->q, t, fn, arg, id);
}

int ev_after(struct ev_loop *loop, sim_time_t dt, ev_fn *fn, void *arg, ev_id *id)
{
    if (unlikely(dt < 0))
        return -SIM_EINVAL;
    if (unlikely(dt > SIM_TIME_MAX - loop->pub.now))
        return -SIM_ERANGE;
    return evq_push(loop->q, loop->pub.now + dt, fn, arg, id);
}

int ev_cancel(struct ev_loop *loop, ev_id id)
{
    return evq_cancel(loop->q, id);
}

int ev_move(struct ev_loop *loop, ev_id id, sim_time_t t)
{
    if (t < loop->pub.now)
        return -SIM_EINVAL;
    return evq_move(loop->q, id, t);
}

bool ev_is_pending(const struct ev_loop *loop, ev_id id)
{
    return evq_contains(loop->q, id);
}

sim_time_t ev_time_of(const struct ev_loop *loop, ev_id id)
{
    int64_t t;
    return evq_key_of(loop->q, id, &t) ? t : -1;
}

size_t ev_pending(const struct ev_loop *loop)
{
    return evq_len(loop->q);
}

sim_time_t ev_next_time(const struct ev_loop *loop)
{
    int64_t t;
    return evq_peek(loop->q, &t) ? t : SIM_TIME_MAX;
}

/*
 * A call from inside a callback, or with until < now (time never runs
 * backwards), dispatches nothing and returns 0. ev_stop() applies to the run
 * in progress only: each ev_run() starts with the flag clear.
 */
uint64_t ev_run(struct ev_loop *loop, sim_time_t until)
{
    if (loop->running || until < loop->pub.now)
        return 0;
    loop->running = true;
    loop->stop = false;

    struct evq *q = loop->q;
    uint64_t n = 0;
    int64_t t;
    ev_fn *fn;
    void *arg;
    while (evq_pop_until(q, until, &t, &fn, &arg) == 0) {
        loop->pub.now = t;
        loop->dispatched++;
        n++;
        fn(arg);
        if (unlikely(loop->stop))
            break;
    }
    if (!loop->stop)
        loop->pub.now = until;
    loop->running = false;
    loop->stop = false;
    return n;
}

void ev_stop(struct ev_loop *loop)
{
    if (loop->running)
        loop->stop = true;
}

uint64_t ev_dispatched(const struct ev_loop *loop)
{
    return loop->dispatched;
}

void ev_debug_set_seq(struct ev_loop *loop, uint64_t seq)
{
    evq_debug_set_seq(loop->q, seq);
}

/*
 * Timers. Every expiry goes through timer_fire with the timer as arg, so the
 * struct always knows whether it is armed: the handle is cleared (one-shot)
 * or replaced by the next expiry (periodic) before the user callback runs.
 */
static void timer_fire(void *p)
{
    struct ev_timer *t = p;
    if (t->period > 0) {
        /* If the next expiry cannot be queued (time overflow, no memory)
         * the timer ends disarmed; the callback can see it with
         * ev_timer_armed(). Library code has no one to tell. */
        if (t->when > SIM_TIME_MAX - t->period ||
            ev_at(t->loop, t->when + t->period, timer_fire, t, &t->id) != 0)
            t->id = EV_NONE;
        else
            t->when += t->period;
    } else {
        t->id = EV_NONE;
    }
    if (t->fn)
        t->fn(t->arg);
}

void ev_timer_init(struct ev_timer *t, struct ev_loop *loop, ev_fn *fn, void *arg)
{
    t->loop = loop;
    t->fn = fn;
    t->arg = arg;
    t->id = EV_NONE;
    t->when = 0;
    t->period = 0;
}

/* Arm at when, moving the pending expiry if there is one (it keeps its
 * handle and is ordered as if armed now). */
static int timer_set(struct ev_timer *t, sim_time_t when, sim_time_t period)
{
    int rc;
    if (t->id != EV_NONE && ev_is_pending(t->loop, t->id))
        rc = ev_move(t->loop, t->id, when);
    else
        rc = ev_at(t->loop, when, timer_fire, t, &t->id);
    if (rc)
        return rc;
    t->when = when;
    t->period = period;
    return 0;
}

int ev_timer_arm(struct ev_timer *t, sim_time_t when)
{
    return timer_set(t, when, 0);
}

int ev_timer_arm_periodic(struct ev_timer *t, sim_time_t first, sim_time_t period)
{
    if (period <= 0)
        return -SIM_EINVAL;
    return timer_set(t, first, period);
}

void ev_timer_cancel(struct ev_timer *t)
{
    if (t->id != EV_NONE) {
        ev_cancel(t->loop, t->id);
        t->id = EV_NONE;
    }
}

bool ev_timer_armed(const struct ev_timer *t)
{
    return t->id != EV_NONE && ev_is_pending(t->loop, t->id);
}
