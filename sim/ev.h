/*
 * sim/ev.h: the event engine: a future-event set with a dispatch loop, and
 * timers built on it.
 *
 * Events are ordered by (time, seq), seq being a global insertion counter,
 * so events due at the same nanosecond run in the order they were scheduled
 * and every run is deterministic. An event scheduled during dispatch for the
 * current time therefore runs after every event already queued for that time.
 * The queue is a 4-ary array heap of 16-byte POD entries; a handle (ev_id)
 * lets a pending event be cancelled or moved in O(log n).
 *
 * Ownership: the loop owns its queue; it never owns or frees the argument
 * passed with an event. Callbacks may schedule, cancel and re-arm freely,
 * including the event or timer that is running.
 */
#ifndef XENSIM_SIM_EV_H
#define XENSIM_SIM_EV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "sim/evq.h"
#include "sim/types.h"

struct ev_loop;

/* ev_fn and ev_id come from sim/evq.h. A handle goes stale when its event
 * runs or is cancelled; using a stale handle is safe and reports
 * -SIM_ENOENT. */

struct ev_loop *ev_loop_new(void);
void ev_loop_free(struct ev_loop *loop);

/* The part of a loop that inline accessors read: the first member of
 * struct ev_loop, so a loop pointer is also a pointer to it. Not to be
 * written outside sim/ev.c. Reading the time is the commonest call of a
 * simulation (several per event), too cheap to be worth a call. */
struct ev_loop_pub {
    sim_time_t now;             /* ns, time of the event running or of the last stop */
};

/* Current simulated time: the time of the event being dispatched, or the
 * time the last ev_run() stopped at. Starts at 0. */
static inline sim_time_t ev_now(const struct ev_loop *loop)
{
    return ((const struct ev_loop_pub *)(const void *)loop)->now;
}

/* Schedule fn(arg) at absolute time t (t >= ev_now, else -SIM_EINVAL).
 * If id is not NULL it receives the handle. -SIM_ENOSPC if the queue is at
 * its capacity (EVQ_MAX_PENDING), -SIM_ENOMEM on allocation failure. */
int ev_at(struct ev_loop *loop, sim_time_t t, ev_fn *fn, void *arg, ev_id *id);

/* Same, at ev_now + dt (dt >= 0, else -SIM_EINVAL; -SIM_ERANGE if the sum
 * overflows). */
int ev_after(struct ev_loop *loop, sim_time_t dt, ev_fn *fn, void *arg, ev_id *id);

/* Cancel a pending event: 0, or -SIM_ENOENT if it is not pending. */
int ev_cancel(struct ev_loop *loop, ev_id id);

/* Move a pending event to time t (>= now), keeping its handle; it is ordered
 * as if scheduled anew (a fresh seq). 0, -SIM_ENOENT or -SIM_EINVAL. */
int ev_move(struct ev_loop *loop, ev_id id, sim_time_t t);

bool ev_is_pending(const struct ev_loop *loop, ev_id id);

/* Time of a pending event, or -1 if it is not pending. */
sim_time_t ev_time_of(const struct ev_loop *loop, ev_id id);

/* Number of pending events, and time of the earliest (SIM_TIME_MAX if none). */
size_t ev_pending(const struct ev_loop *loop);
sim_time_t ev_next_time(const struct ev_loop *loop);

/* Dispatch events in order while their time is <= until and ev_stop() has
 * not been called; then, unless stopped, advance now to until. Returns the
 * number of events dispatched by this call. A call from inside a callback,
 * or with until < ev_now() (time never runs backwards), does nothing and
 * returns 0. */
uint64_t ev_run(struct ev_loop *loop, sim_time_t until);

/* Make the running ev_run() return after the current event. Outside
 * ev_run() it has no effect (each run starts with the flag clear). */
void ev_stop(struct ev_loop *loop);

/* Events dispatched since the loop was created. */
uint64_t ev_dispatched(const struct ev_loop *loop);

/*
 * Timers: an intrusive handle for a callback that is armed, re-armed and
 * cancelled repeatedly (a slice timer, a periodic tick). The struct is owned
 * by the caller and must outlive its armed period; ev_timer_cancel() before
 * freeing it. A periodic timer is re-armed before its callback runs, so the
 * callback may cancel or re-arm it.
 */
struct ev_timer {
    struct ev_loop *loop;
    ev_fn *fn;
    void *arg;
    ev_id id;               /* pending event, or EV_NONE */
    sim_time_t when;        /* ns, absolute time of the pending expiry */
    sim_time_t period;      /* ns, 0 for one-shot */
};

void ev_timer_init(struct ev_timer *t, struct ev_loop *loop, ev_fn *fn, void *arg);

/* Arm (or move, if armed) as a one-shot at absolute time when >= now. */
int ev_timer_arm(struct ev_timer *t, sim_time_t when);

/* Arm as periodic: first expiry at first, then every period (> 0) ns. If a
 * later expiry cannot be queued (no memory, time overflow) the timer ends
 * disarmed, which its callback can see with ev_timer_armed(). */
int ev_timer_arm_periodic(struct ev_timer *t, sim_time_t first, sim_time_t period);

/* Disarm; harmless if not armed. */
void ev_timer_cancel(struct ev_timer *t);

bool ev_timer_armed(const struct ev_timer *t);

/* Test hook: set the next insertion sequence number, to exercise the
 * renumbering that happens when the 39-bit sequence space runs out. */
void ev_debug_set_seq(struct ev_loop *loop, uint64_t seq);

#endif
