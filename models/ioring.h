/*
 * models/ioring.h: a shared I/O descriptor ring between a front-end driver
 * (in a guest) and a back-end driver (in the driver domain), as Xen's split
 * drivers use.
 *
 * Source: the protocol of Xen's public io/ring.h, as facts (no Xen code):
 * a power-of-two array of slots, each holding either a request or a
 * response; free-running unsigned indices req_prod / rsp_prod (shared,
 * published by the producer) and the private req_prod_pvt, rsp_cons (front)
 * and rsp_prod_pvt, req_cons (back); a slot index is the free-running index
 * modulo the size, so the indices wrap past 2^32 harmlessly. A response
 * reuses the slot of a consumed request, so at most `size` requests are
 * outstanding (produced but whose response is not yet consumed): the ring
 * is full when req_prod_pvt - rsp_cons == size. Notification suppression:
 * each consumer publishes an event index (req_event, rsp_event); a producer
 * that publishes the range (old, new] notifies only if the event index lies
 * in it, i.e. (new - event) < (new - old) in wrapping arithmetic
 * (RING_PUSH_*_AND_CHECK_NOTIFY). A consumer that has drained the ring
 * re-arms with event = cons + 1 and then checks once more for work that
 * arrived meanwhile (RING_FINAL_CHECK_FOR_*), which closes the race between
 * "no more work" and "notify me". Both event indices start at start + 1
 * (SHARED_RING_INIT), so the first request and response notify.
 *
 * Simplified: one object holds both the shared page and both sides' private
 * state, and the simulation is single-threaded, so there are no memory
 * barriers; records are small fixed-size PODs standing for the real
 * segments and grant references; nothing here takes simulated time or
 * sends the notification (the caller raises the event channel); the back
 * end's RING_REQUEST_CONS_OVERFLOW guard is implied by the front end never
 * overfilling the ring.
 *
 * Errors: 0 or a negative enum sim_err (sim/err.h). Constructors return NULL.
 */
#ifndef XENSIM_MODELS_IORING_H
#define XENSIM_MODELS_IORING_H

#include <stdbool.h>
#include <stdint.h>

#define RING_MAX_SLOTS 4096u

/* A request: front end -> back end. */
struct ring_req {
    uint32_t id;            /* the front end's tag, echoed in the response */
    uint32_t size_bytes;    /* transfer size, B */
    uint64_t payload;       /* opaque to the ring (e.g. sector, op, buffer) */
};

/* A response: back end -> front end. */
struct ring_rsp {
    uint32_t id;            /* id of the request it answers */
    int32_t status;         /* 0 ok, negative on error (device's convention) */
};

struct ring_stats {
    uint64_t reqs_pushed;       /* requests published */
    uint64_t rsps_pushed;       /* responses published */
    uint64_t req_notifies;      /* pushes that said: notify the back end */
    uint64_t rsp_notifies;      /* pushes that said: notify the front end */
    uint64_t full_refusals;     /* ring_req_put refused on a full ring */
    uint32_t max_outstanding;   /* high-water mark of req_prod_pvt - rsp_cons, slots */
};

struct ring;

/*
 * A ring of `slots` slots (1..RING_MAX_SLOTS, a power of two), all indices
 * starting at `start` (0 for a fresh ring; near UINT32_MAX to exercise
 * wrap-around). NULL if slots is invalid or on allocation failure.
 */
struct ring *ring_new(uint32_t slots, uint32_t start);
void ring_free(struct ring *r);

/* True if n is a valid slot count. */
bool ring_slots_valid(uint32_t n);

uint32_t ring_size(const struct ring *r);
/* Requests produced (published or not) whose response the front end has
 * not yet consumed: req_prod_pvt - rsp_cons, 0..size. */
uint32_t ring_outstanding(const struct ring *r);
/* Slots the front end may still fill: size - ring_outstanding. */
uint32_t ring_free_slots(const struct ring *r);
/* Published requests the back end has not consumed yet. */
uint32_t ring_reqs_unconsumed(const struct ring *r);
/* Published responses the front end has not consumed yet. */
uint32_t ring_rsps_unconsumed(const struct ring *r);
void ring_get_stats(const struct ring *r, struct ring_stats *out);

/* ---- front end ---- */

/* Write a request into the next private slot (not yet visible to the back
 * end). -SIM_ENOSPC on a full ring (counted in full_refusals; the caller
 * stalls until a response is consumed), -SIM_EINVAL on NULL. */
int ring_req_put(struct ring *r, const struct ring_req *req);

/* Publish the requests put so far. *notify (may be NULL) is set to whether
 * the back end must be notified: its req_event lies in the range just
 * published. Pushing nothing new never notifies. */
int ring_req_push(struct ring *r, bool *notify);

/* Consume the oldest published response. -SIM_ENOENT if there is none. */
int ring_rsp_get(struct ring *r, struct ring_rsp *out);

/* Front end's final check after draining responses: if responses are
 * waiting, *more = true; otherwise re-arm rsp_event = rsp_cons + 1 and look
 * once more. If *more is false the front end may sleep: the next response
 * push will notify it. */
int ring_rsp_final_check(struct ring *r, bool *more);

/* ---- back end ---- */

/* Consume the oldest published request. -SIM_ENOENT if there is none. */
int ring_req_get(struct ring *r, struct ring_req *out);

/* Write a response into the next private response slot. -SIM_ESTATE if
 * every consumed request already has a response (a response needs a
 * consumed request's slot), -SIM_EINVAL on NULL. */
int ring_rsp_put(struct ring *r, const struct ring_rsp *rsp);

/* Publish the responses put so far; *notify (may be NULL) as for requests,
 * against rsp_event. */
int ring_rsp_push(struct ring *r, bool *notify);

/* Back end's final check after draining requests: as ring_rsp_final_check,
 * with req_event = req_cons + 1. */
int ring_req_final_check(struct ring *r, bool *more);

/* A netback's final check of one queue: the tx ring's, and the rx ring's
 * too when received packets wait for rx buffers (rx_waiting); *more if
 * either has work. */
int ring_net_final_check(struct ring *tx, struct ring *rx, bool rx_waiting, bool *more);

#endif
