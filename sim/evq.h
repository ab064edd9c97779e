/*
 * sim/evq.h: a priority queue of pending actions ordered by (key, seq).
 *
 * The mechanism under the event loop (sim/ev.h) and under the modelled
 * hypervisor's per-CPU timer lists (sim/clock.h). Keys are int64 (ns of
 * whichever timeline the owner uses); seq is a per-queue insertion counter,
 * so equal keys pop first-in first-out and every order is deterministic.
 * A 4-ary array heap of 16-byte POD entries {key, seq<<25 | tracked<<24 |
 * slot}; the slot table beside it holds each entry's action. An entry queued
 * with a handle (id != NULL) is "tracked": its heap position is kept up to
 * date, which gives O(log n) cancel and move through the handle. Entries
 * queued without one can never be named again, so their positions are not
 * kept, and plain events cost no more than a bare heap's entries. At most
 * EVQ_MAX_PENDING entries can be pending; when the 39-bit seq space is
 * exhausted the pending entries are renumbered in order (once per 2^39
 * insertions).
 *
 * Ownership: the queue never owns or frees an entry's arg.
 */
#ifndef XENSIM_SIM_EVQ_H
#define XENSIM_SIM_EVQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* An action: arg is whatever was given when it was queued. */
typedef void ev_fn(void *arg);

/* Handle of a queued entry; 0 (EV_NONE) is never valid. A handle goes stale
 * when its entry is popped or cancelled; stale handles are detected. */
typedef uint64_t ev_id;
#define EV_NONE ((ev_id)0)

#define EVQ_MAX_PENDING ((size_t)1 << 24)

struct evq;

struct evq *evq_new(void);
void evq_free(struct evq *q);

/* Queue fn(arg) under key. 0, -SIM_ENOSPC (full) or -SIM_ENOMEM. */
int evq_push(struct evq *q, int64_t key, ev_fn *fn, void *arg, ev_id *id);

/* Smallest key, or false if the queue is empty. */
bool evq_peek(const struct evq *q, int64_t *key);

/* Remove the first entry in (key, seq) order: 0 or -SIM_ENOENT if empty. */
int evq_pop(struct evq *q, int64_t *key, ev_fn **fn, void **arg);

/* Same, but only if the first key is <= limit: 0, or -SIM_ENOENT if the
 * queue is empty or its first key is above limit (nothing is removed). One
 * call instead of peek + pop in a dispatch loop. */
int evq_pop_until(struct evq *q, int64_t limit, int64_t *key, ev_fn **fn, void **arg);

/* Remove a queued entry: 0 or -SIM_ENOENT if not queued. */
int evq_cancel(struct evq *q, ev_id id);

/* Give a queued entry a new key and a fresh seq (ordered as if queued now),
 * keeping its handle: 0 or -SIM_ENOENT. */
int evq_move(struct evq *q, ev_id id, int64_t key);

bool evq_contains(const struct evq *q, ev_id id);

/* Key of a queued entry; false if not queued. */
bool evq_key_of(const struct evq *q, ev_id id, int64_t *key);

size_t evq_len(const struct evq *q);

/* Test hook: the seq the next push will use (to exercise renumbering).
 * Values above 2^39-1 are clamped to 2^39, which renumbers on the next push.
 * It should not go below a pending entry's seq, or FIFO order of equal keys
 * is lost (the order stays deterministic). */
void evq_debug_set_seq(struct evq *q, uint64_t seq);

/* Test hook: lower the capacity (len() <= max <= EVQ_MAX_PENDING, max > 0)
 * to exercise -SIM_ENOSPC without 2^24 entries. 0 or -SIM_EINVAL. */
int evq_debug_set_max(struct evq *q, size_t max);

#endif
