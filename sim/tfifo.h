/*
 * sim/tfifo.h: a first-in first-out queue of times (ns), growing as needed:
 * the requests a guest has received and not answered (workloads/server.c,
 * workloads/trace.c), the packets waiting for netback (models/net.c).
 *
 * A circular buffer that doubles when full (amortised O(1) push, O(1) pop);
 * it never shrinks. Zero-initialised is empty; tfifo_free releases it.
 * tfifo_grow is that growth for a circular buffer of any element type (the
 * bridge's packet queues, the NIC's queues, the hypervisor's work queue).
 */
#ifndef XENSIM_SIM_TFIFO_H
#define XENSIM_SIM_TFIFO_H

#include <stddef.h>

#include "sim/types.h"

struct tfifo {
    sim_time_t *buf;        /* [cap] */
    size_t head;            /* index of the oldest */
    size_t n;               /* times queued */
    size_t cap;
};

/* Append t: 0 or -SIM_ENOMEM (the queue unchanged). */
int tfifo_push(struct tfifo *q, sim_time_t t);

/* The oldest time; the queue must not be empty. */
static inline sim_time_t tfifo_front(const struct tfifo *q)
{
    return q->buf[q->head];
}

/* Remove and return the oldest time; the queue must not be empty. */
static inline sim_time_t tfifo_pop(struct tfifo *q)
{
    sim_time_t t = q->buf[q->head];
    q->head = q->head + 1 == q->cap ? 0 : q->head + 1;
    q->n--;
    return t;
}

void tfifo_free(struct tfifo *q);

/* Make room in the circular buffer *buf of *cap elements of elem bytes
 * holding n from index head: if it is full, reallocate it at twice the
 * capacity (first_cap if it has none) with the n elements moved to indices
 * 0 .. n-1, and set *head to 0. 0, or -SIM_ENOMEM with the buffer
 * unchanged. */
int tfifo_grow(void **buf, size_t elem, size_t *head, size_t n, size_t *cap, size_t first_cap);

#endif
