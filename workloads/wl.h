/*
 * workloads/wl.h: the workload kinds, which produce the operation streams
 * of models/wl.h from a domain's scenario entry.
 *
 * Kinds: `cpu` (always runnable; with yield_every Y, compute Y then yield,
 * repeatedly), `periodic` (bursts released every period; counts late
 * periods), `idle` (blocks at once and for good: the domains without a
 * workload), `io`, `server`, `mmu` and `trace` (they need a device's front
 * end or the memory model, handed to them by the model that builds it).
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
#include "models/wl.h"
#include "sim/scenario.h"
#include "sim/types.h"

/* What a workload is built from. */
struct wl_env {
    const struct scn *s;    /* borrowed; outlives the workload */
    int dom;                /* index into s->domains */
    int vcpu;               /* index within the domain */
    uint32_t replication;   /* for RNG seeding */
};

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
