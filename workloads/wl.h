/*
 * workloads/wl.h: what a vCPU does, as a stream of operations.
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
 *                the vCPU, e.g. an I/O completion in later models).
 *
 * wl_next is called in the vCPU's context (it is running on its pCPU, at the
 * end of its current operation, or at its first dispatch after a wake or a
 * yield) with now = NOW() of that pCPU; a workload sees no other time.
 *
 * Kinds (this file's constructors): `cpu` (always runnable; with yield_every
 * Y, compute Y then yield, repeatedly), `periodic` (bursts released every
 * period; counts late periods), and `idle` (blocks at once and for good; the
 * domains without a workload, and the stand-in for kinds not implemented
 * yet). New kinds (I/O, server, ...) embed struct wl first and provide a
 * struct wl_ops; what they need from other models goes into struct wl_env.
 *
 * Randomness: only from named streams (sim/rng.h) keyed by stable names such
 * as "dom:<domain>/vcpu<k>/burst", seeded from (scn.seed, replication), so
 * one domain's demand does not depend on the scheduler or on other domains.
 */
#ifndef XENSIM_WORKLOADS_WL_H
#define XENSIM_WORKLOADS_WL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "sim/scenario.h"
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

/* What a workload is built from. */
struct wl_env {
    const struct scn *s;    /* borrowed; outlives the workload */
    int dom;                /* index into s->domains */
    int vcpu;               /* index within the domain */
    uint32_t replication;   /* for RNG seeding */
};

/* Counters the core reports per vCPU; reset at the end of the warm-up. */
struct wl_stats {
    uint64_t periods;       /* periodic: bursts completed */
    uint64_t late_periods;  /* periodic: bursts completed after their period ended */
};

struct wl;

struct wl_ops {
    const char *name;       /* "cpu", "periodic", ... */
    /* The next operation at NOW() = now: 0 or a negative sim_err. */
    int (*next)(struct wl *w, sim_time_t now, struct wl_op *op);
    /* Free the whole workload (the struct embedding w). */
    void (*free)(struct wl *w);
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

/* Whether wl_new implements the scenario's workload type. SCN_WL_NONE is
 * supported (an idle workload). */
bool wl_type_supported(enum scn_wl_type type);

/*
 * The workload of vCPU env->vcpu of domain env->dom. A type that is not
 * implemented yet gets the idle workload if stub_unsupported, else NULL with
 * a message naming the domain. NULL with a message also on allocation
 * failure.
 */
struct wl *wl_new(const struct wl_env *env, bool stub_unsupported, char *err, size_t errlen);

static inline int wl_next(struct wl *w, sim_time_t now, struct wl_op *op)
{
    return w->ops->next(w, now, op);
}

/* Accepts NULL. */
void wl_free(struct wl *w);

static inline void wl_stats_reset(struct wl *w)
{
    w->st = (struct wl_stats){ 0 };
}

/* The kinds (wl_new dispatches on the scenario's type). Each returns NULL
 * with a message on failure. */
struct wl *wl_cpu_new(const struct wl_env *env, char *err, size_t errlen);
struct wl *wl_periodic_new(const struct wl_env *env, char *err, size_t errlen);
struct wl *wl_idle_new(const struct wl_env *env, char *err, size_t errlen);
/* The trace workload (workloads/trace.c): replays the domain's records of
 * a native trace; refuses a damaged trace or records it cannot replay. */
struct wl *wl_trace_new(const struct wl_env *env, char *err, size_t errlen);
/* The same reading and refusals for every vCPU of domain dom of s at once,
 * without building anything (`xensim check`): 0 if the replay of its trace
 * can start (or the domain has no trace workload), else a negative sim_err
 * and the message wl_trace_new would give. Streamed, one pass. */
int wl_trace_check(const struct scn *s, int dom, char *err, size_t errlen);
/* What the models attach to a trace workload after hv_new built it (before
 * hv_start): models/blk a queue of the block front end of the domain's
 * `device` to vCPU 0's and to each other vCPU whose records have block_io
 * (wl_trace_needs_blk), models/mm the memory to each vCPU whose records
 * have pt_batch (wl_trace_needs_mm). -SIM_EINVAL if w is not a trace
 * workload. */
struct mm;
struct blk_front;
struct net_front;
struct net_arrivals;
int wl_trace_attach_blk(struct wl *w, struct blk_front *f);
bool wl_trace_needs_blk(const struct wl *w);
/* models/net: a queue of the network front end of the domain's `nic` to
 * vCPU 0's (it consumes the received packets) and to each other vCPU whose
 * records have net_send (wl_trace_needs_net). */
int wl_trace_attach_net(struct wl *w, struct net_front *f);
bool wl_trace_needs_net(const struct wl *w);
/* models/net: the domain's open-loop arrivals (its arrival records, at
 * their timestamps, shifted by the trace's last time per loop), read by
 * their own streamed reader of the trace. 0 or a negative sim_err with a
 * message. */
int wl_trace_arrivals(const struct wl_env *env, struct net_arrivals *src, char *err,
                      size_t errlen);
bool wl_trace_needs_mm(const struct wl *w);
int wl_trace_attach_mm(struct wl *w, struct mm *m);

/* The io workload (workloads/io.c) of vCPU 0 of an io domain, against its
 * block front end; built by models/blk, not by wl_new (which leaves io
 * unsupported: the core alone cannot give it a device). */
struct blk_front;
struct wl *wl_io_new(const struct wl_env *env, struct blk_front *f, char *err, size_t errlen);

/* The server workload (workloads/server.c) of vCPU 0 of a server domain,
 * against its network front end; built by models/net. */
struct net_front;
struct wl *wl_server_new(const struct wl_env *env, struct net_front *f, char *err,
                         size_t errlen);

#endif
