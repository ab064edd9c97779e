/*
 * models/wl.h: what a vCPU does, as a stream of operations: the interface
 * between the models that execute work and the workloads that produce it.
 *
 * The hypervisor core (models/hv.c) executes a vCPU's workload one
 * operation at a time and asks for the next one (wl_next) when the current
 * one is over:
 *
 *   COMPUTE ns   run for ns of CPU time (progress is made only while the vCPU
 *                runs, after any switch or cache-refill overhead); WL_FOREVER
 *                never completes. 0 is over at once.
 *   YIELD        give up the pCPU but stay runnable (SCHEDOP_yield); the next
 *                operation is asked for when the vCPU runs again.
 *   SLEEP t      block until NOW() of the vCPU's pCPU reaches t (a guest's
 *                set_timer_op + SCHEDOP_block): the core arms a modelled
 *                timer, so the wake comes up to timer_slop early and is
 *                batched with other timers. A deadline already reached
 *                (t <= NOW()) is no sleep at all. hv_vcpu_wake ends it early.
 *   BLOCK        block until woken from outside (hv_vcpu_wake: an event for
 *                the vCPU, e.g. an I/O completion).
 *
 * wl_next is called in the vCPU's context (it is running on its pCPU, at the
 * end of its current operation, or at its first dispatch after a wake or a
 * yield) with now = NOW() of that pCPU; a workload sees no other time.
 *
 * The kinds that produce these streams live in workloads/ (workloads/wl.h
 * lists them); a kind embeds struct wl first and provides a struct wl_ops.
 * Models only execute streams: no file in models/ builds a workload.
 */
#ifndef XENSIM_MODELS_WL_H
#define XENSIM_MODELS_WL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "sim/types.h"

/* Compute that never completes (an always-runnable hog). */
#define WL_FOREVER SIM_TIME_MAX

enum wl_op_kind {
    WL_OP_COMPUTE,
    WL_OP_YIELD,
    WL_OP_SLEEP,
    WL_OP_BLOCK,
};

/* How `xensim run --record-trace` (traces/record.h) writes an operation. */
enum wl_rec {
    WL_REC_AS_IS = 0,       /* as itself (compute, sleep, yield; BLOCK as `wait`) */
    WL_REC_WAIT,            /* a SLEEP that any event for the vCPU may end early (the
                               io workload's think): a `wait` with a timeout */
    WL_REC_NONE,            /* follows from demand written otherwise (a page-table
                               batch's cost, a sleep resumed after an early wake) */
};

struct wl_op {
    enum wl_op_kind kind;
    enum wl_rec rec;
    sim_time_t ns;          /* COMPUTE: ns of CPU time (>= 0, or WL_FOREVER);
                               SLEEP: deadline, ns of the pCPU's NOW(); else 0 */
};

/*
 * Demand a workload puts on the models rather than on the CPU, told to an
 * optional tap as it happens (the recorder of --record-trace is the one
 * tap): a block request put on the ring (a: bytes, b: 512 B sector), a
 * packet sent (a: bytes), a reply sent in answer to the oldest received
 * request (a: bytes), a page-table batch built (a: entries, b: how many map
 * a frame the domain does not own). Told only when it took effect (a put
 * that found the ring full is not demand yet).
 */
enum wl_demand_kind { WL_DEM_BLOCK_SUBMIT, WL_DEM_NET_SEND, WL_DEM_NET_REPLY, WL_DEM_PT_BATCH };
struct wl_demand {
    enum wl_demand_kind kind;
    bool write;             /* BLOCK_SUBMIT: a write */
    uint64_t a, b;
};
struct wl_tap {
    void (*fn)(void *ctx, int dom, int vcpu, const struct wl_demand *d);
    void *ctx;
    int dom, vcpu;          /* whose workload this tap is set on */
};

/* Counters the core reports per vCPU; reset at the end of the warm-up. */
struct wl_stats {
    uint64_t periods;       /* periodic: bursts completed */
    uint64_t late_periods;  /* periodic: bursts completed after their period ended */
};

/* What a workload needs of the host besides CPU time (wl_ops.needs): the
 * models size the split drivers and the memory model from these. */
#define WL_NEEDS_BLK 0x1u   /* a queue of its domain's block front end, on its vCPU */
#define WL_NEEDS_NET 0x2u   /* a queue of its domain's network front end, on its vCPU */
#define WL_NEEDS_MM 0x4u    /* the memory model (its domain's frames and page tables) */

struct blk_front;
struct net_front;
struct mm;

/* The devices a workload is handed (wl_ops.attach), each only if it asked
 * for it; borrowed, they outlive the workload's run. */
struct wl_devs {
    struct blk_front *blk;
    struct net_front *net;
    struct mm *mm;
};

struct wl;

struct wl_ops {
    const char *name;       /* "cpu", "periodic", ... */
    /* The next operation at NOW() = now: 0 or a negative sim_err. */
    int (*next)(struct wl *w, sim_time_t now, struct wl_op *op);
    /* Free the whole workload (the struct embedding w). */
    void (*free)(struct wl *w);
    /* WL_NEEDS_* bits; NULL for none. Asked once the workload is built,
     * before any device exists. */
    unsigned (*needs)(const struct wl *w);
    /* Take the devices asked for, once they are built and before the host
     * starts: 0, or a negative sim_err with a message. NULL if needs is. */
    int (*attach)(struct wl *w, const struct wl_devs *d, char *err, size_t errlen);
};

/* The common head of every workload. */
struct wl {
    const struct wl_ops *ops;
    struct wl_stats st;
    const struct wl_tap *tap;   /* borrowed, or NULL: nobody records */
};

/* Tell the tap, if any, of demand d. */
static inline void wl_note(const struct wl *w, enum wl_demand_kind kind, bool write, uint64_t a,
                           uint64_t b)
{
    if (w->tap) {
        struct wl_demand d = { kind, write, a, b };
        w->tap->fn(w->tap->ctx, w->tap->dom, w->tap->vcpu, &d);
    }
}

static inline int wl_next(struct wl *w, sim_time_t now, struct wl_op *op)
{
    return w->ops->next(w, now, op);
}

static inline unsigned wl_needs(const struct wl *w)
{
    return w && w->ops->needs ? w->ops->needs(w) : 0;
}

static inline int wl_attach(struct wl *w, const struct wl_devs *d, char *err, size_t errlen)
{
    return w->ops->attach ? w->ops->attach(w, d, err, errlen) : 0;
}

/* Free the whole workload. Accepts NULL. */
static inline void wl_free(struct wl *w)
{
    if (w)
        w->ops->free(w);
}

static inline void wl_stats_reset(struct wl *w)
{
    w->st = (struct wl_stats){ 0 };
}

#endif
