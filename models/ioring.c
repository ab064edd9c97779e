/*
 * models/ioring.c: Xen-style shared I/O descriptor ring (see ioring.h).
 *
 * Source: the io/ring.h protocol of Xen as facts (index arithmetic, the
 * full condition, event-index notification suppression, final check); the
 * code is written from that description, not from Xen's.
 *
 * Simplified: both sides' private indices live in the same object and the
 * simulation is single-threaded, so there are no barriers.
 */
#include "models/ioring.h"

#include <assert.h>

#include <stdlib.h>

#include "sim/err.h"

union ring_slot {
    struct ring_req req;
    struct ring_rsp rsp;
};

struct ring {
    uint32_t size;              /* slots, a power of two */
    uint32_t mask;              /* size - 1 */
    /* shared page: free-running indices */
    uint32_t req_prod, req_event;
    uint32_t rsp_prod, rsp_event;
    /* front end's private indices */
    uint32_t req_prod_pvt, rsp_cons;
    /* back end's private indices */
    uint32_t rsp_prod_pvt, req_cons;
    struct ring_stats st;
    union ring_slot *slot;      /* size entries */
};

bool ring_slots_valid(uint32_t n)
{
    return n >= 1 && n <= RING_MAX_SLOTS && (n & (n - 1)) == 0;
}

struct ring *ring_new(uint32_t slots, uint32_t start)
{
    if (!ring_slots_valid(slots))
        return NULL;
    struct ring *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->slot = calloc(slots, sizeof *r->slot);
    if (!r->slot) {
        free(r);
        return NULL;
    }
    r->size = slots;
    r->mask = slots - 1;
    r->req_prod = r->req_prod_pvt = r->req_cons = start;
    r->rsp_prod = r->rsp_prod_pvt = r->rsp_cons = start;
    r->req_event = start + 1;
    r->rsp_event = start + 1;
    return r;
}

void ring_free(struct ring *r)
{
    if (!r)
        return;
    free(r->slot);
    free(r);
}

uint32_t ring_size(const struct ring *r) { return r->size; }
uint32_t ring_outstanding(const struct ring *r) { return r->req_prod_pvt - r->rsp_cons; }
uint32_t ring_free_slots(const struct ring *r) { return r->size - ring_outstanding(r); }
uint32_t ring_reqs_unconsumed(const struct ring *r) { return r->req_prod - r->req_cons; }
uint32_t ring_rsps_unconsumed(const struct ring *r) { return r->rsp_prod - r->rsp_cons; }

void ring_get_stats(const struct ring *r, struct ring_stats *out)
{
    *out = r->st;
}

/* The producer moved its shared index from old to new: notify if the
 * consumer's event index lies in (old, new], in wrapping arithmetic. */
static bool must_notify(uint32_t old, uint32_t new, uint32_t event)
{
    return (uint32_t)(new - event) < (uint32_t)(new - old);
}

/* The six indices stay in ring order, each at most `size` ahead of the one
 * it follows (modulo 2^32): responses consumed <= published <= produced <=
 * requests consumed <= published <= produced. Each move checks the two
 * distances it changes. */
#define IN_ORDER(a, b) ((uint32_t)((b) - (a)) <= r->size)

int ring_req_put(struct ring *r, const struct ring_req *req)
{
    if (!r || !req)
        return -SIM_EINVAL;
    if (ring_outstanding(r) >= r->size) {
        r->st.full_refusals++;
        return -SIM_ENOSPC;
    }
    r->slot[r->req_prod_pvt & r->mask].req = *req;
    r->req_prod_pvt++;
    assert(IN_ORDER(r->req_prod, r->req_prod_pvt) && IN_ORDER(r->rsp_cons, r->req_prod_pvt));
    uint32_t out = ring_outstanding(r);
    if (out > r->st.max_outstanding)
        r->st.max_outstanding = out;
    return 0;
}

int ring_req_push(struct ring *r, bool *notify)
{
    if (!r)
        return -SIM_EINVAL;
    uint32_t old = r->req_prod, new = r->req_prod_pvt;
    r->req_prod = new;
    r->st.reqs_pushed += (uint32_t)(new - old);
    bool n = must_notify(old, new, r->req_event);
    if (n)
        r->st.req_notifies++;
    if (notify)
        *notify = n;
    return 0;
}

int ring_rsp_get(struct ring *r, struct ring_rsp *out)
{
    if (!r || !out)
        return -SIM_EINVAL;
    if (r->rsp_cons == r->rsp_prod)
        return -SIM_ENOENT;
    *out = r->slot[r->rsp_cons & r->mask].rsp;
    r->rsp_cons++;
    assert(IN_ORDER(r->rsp_cons, r->rsp_prod));
    return 0;
}

int ring_rsp_final_check(struct ring *r, bool *more)
{
    if (!r || !more)
        return -SIM_EINVAL;
    if (ring_rsps_unconsumed(r)) {
        *more = true;
        return 0;
    }
    r->rsp_event = r->rsp_cons + 1;
    *more = ring_rsps_unconsumed(r) != 0;
    return 0;
}

int ring_req_get(struct ring *r, struct ring_req *out)
{
    if (!r || !out)
        return -SIM_EINVAL;
    if (r->req_cons == r->req_prod)
        return -SIM_ENOENT;
    *out = r->slot[r->req_cons & r->mask].req;
    r->req_cons++;
    assert(IN_ORDER(r->req_cons, r->req_prod) && IN_ORDER(r->rsp_prod_pvt, r->req_cons));
    return 0;
}

int ring_rsp_put(struct ring *r, const struct ring_rsp *rsp)
{
    if (!r || !rsp)
        return -SIM_EINVAL;
    /* A response overwrites the slot of a request already consumed. */
    if (r->rsp_prod_pvt == r->req_cons)
        return -SIM_ESTATE;
    r->slot[r->rsp_prod_pvt & r->mask].rsp = *rsp;
    r->rsp_prod_pvt++;
    assert(IN_ORDER(r->rsp_prod, r->rsp_prod_pvt) && IN_ORDER(r->rsp_prod_pvt, r->req_cons));
    return 0;
}

int ring_rsp_push(struct ring *r, bool *notify)
{
    if (!r)
        return -SIM_EINVAL;
    uint32_t old = r->rsp_prod, new = r->rsp_prod_pvt;
    r->rsp_prod = new;
    r->st.rsps_pushed += (uint32_t)(new - old);
    bool n = must_notify(old, new, r->rsp_event);
    if (n)
        r->st.rsp_notifies++;
    if (notify)
        *notify = n;
    return 0;
}

int ring_net_final_check(struct ring *tx, struct ring *rx, bool rx_waiting, bool *more)
{
    bool m = false;
    int rc = ring_req_final_check(tx, more);
    if (rc == 0 && rx_waiting) {
        rc = ring_req_final_check(rx, &m);
        *more = *more || m;
    }
    return rc;
}

int ring_req_final_check(struct ring *r, bool *more)
{
    if (!r || !more)
        return -SIM_EINVAL;
    if (ring_reqs_unconsumed(r)) {
        *more = true;
        return 0;
    }
    r->req_event = r->req_cons + 1;
    *more = ring_reqs_unconsumed(r) != 0;
    return 0;
}
