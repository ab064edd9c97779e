/*
 * models/blk.h: the block split driver: blkfront in each guest that runs an
 * `io` workload or a `trace` workload with a `device` (one queue per vCPU
 * whose workload needs it, WL_NEEDS_BLK: an io workload's vCPU; a trace
 * replay's first vCPU and each of its vCPUs with block_io records),
 * blkback in the driver domain of the device, coupled by an I/O ring
 * (models/ioring) and event channels (models/evtchn), with the device
 * itself a models/disk.
 *
 * What is modelled: a guest's front end puts a request on the
 * ring of its (guest, device) pair and pushes it; if the ring's event index
 * says so it notifies the back end over an interdomain event channel of
 * the host's table (hv_evtchn). The notify kicks the driver domain's
 * vCPU 0, which must then be scheduled: the core takes its upcall
 * (costs.upcall of CPU), then its back-end loop (models/backend.h)
 * consumes each request at backend.per_request of its own CPU and submits
 * it to the disk. The disk's completion raises the device's physical IRQ,
 * routed to the driver domain; when that domain next runs (upcall again) it
 * puts the response on the ring, pushes it and, if the ring says so,
 * notifies the guest, whose vCPU wakes, takes its upcall and consumes the
 * response. io_latency is guest issue (the request put on the ring) to
 * guest completion (the response consumed), in ns of engine time. A full
 * ring stalls the front end until a response frees a slot
 * (ring_full_stalls counts the requests that had to wait).
 *
 * Multi-queue (a trace replayed by several vCPUs, or io workloads on
 * several vCPUs of a domain), after Linux's multi-queue xen-blkfront (Xen's
 * public io/blkif.h: a ring and an event channel per queue): each queue
 * has its own ring and interdomain channel, the guest's end bound to the
 * queue's vCPU (evtchn_bind_vcpu), so a response kicks that vCPU; the
 * driver domain serves each queue as a back end of its own, on the disk
 * the vCPU's workload names. Statistics stay per domain, summed over its
 * queues (io_latency: one recorder for all of them).
 *
 * Source: Xen's split-driver protocol as described in Barham et al., "Xen
 * and the Art of Virtualization" (SOSP 2003) section 3.2 and Xen's public
 * io/ring.h and event-channel semantics (facts only, no Xen code).
 *
 * Simplified: the back end runs on vCPU 0 of the driver domain, and a
 * queue's channel is bound to the vCPU whose workload uses it
 * (models/evtchn.h, models/backend.h); a request costs backend.per_request
 * once, when blkback consumes it (pushing its response costs nothing
 * beyond the upcall that announced the completion); one io workload for a
 * whole domain runs on its vCPU 0 (the other vCPUs idle; a list of
 * workloads puts one on each vCPU); no grant tables or data copies (the
 * transfer is the disk's);
 * the guest's own CPU cost of building a request is not modelled.
 *
 * Usage (sim/host builds it):
 *   h = hv_new(loop, s, ops, ...); hv_set_workload(h, d, k, w) ...;
 *   bh = be_new(h, s);
 *   b = blk_new(loop, h, s, bh, repl, err, errlen); (queues, blkbacks)
 *   wl_attach(w, &(struct wl_devs){ .blk = blk_front_of(b, d, k) }, ...);
 *   be_install(bh, err, errlen);                     (driver domains' loops)
 *   hv_start(h); ev_run ...; hv_stats_reset(h); blk_stats_reset(b); ev_run ...
 *   blk_dom_stats(b, d, &st); blk_dev_stats(b, k, &ds);
 *   hv_free(h); blk_free(b); be_free(bh);
 *
 * Ownership: borrows loop, h, s and bh (they outlive it) and the host's
 * event channels; owns its ports' fronts, rings, disks and recorders. The
 * workloads attached to its queues belong to the hv and touch the blk only
 * while the simulation runs.
 * Errors: 0 or a negative enum sim_err (sim/err.h).
 */
#ifndef XENSIM_MODELS_BLK_H
#define XENSIM_MODELS_BLK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "sim/stats.h"
#include "models/disk.h"
#include "models/ioring.h"
#include "sim/ev.h"
#include "sim/scenario.h"
#include "sim/types.h"

struct hv;
struct be_host;
struct blk;
struct blk_front;

/* Build a block front end queue for every vCPU whose workload needs one
 * (WL_NEEDS_BLK, asked of the workloads installed in h), on its domain's
 * `device`, the disks they use, and attach each blkback to its driver
 * domain in bh. Call once the workloads are installed, before be_install
 * and hv_start; the workloads get their queues from blk_front_of. NULL
 * with a message on failure. */
struct blk *blk_new(struct ev_loop *loop, struct hv *h, const struct scn *s,
                    struct be_host *bh, uint32_t replication, char *err, size_t errlen);
void blk_free(struct blk *b);               /* accepts NULL */

/* The queue of vCPU vcpu of domain dom, or NULL if it has none. */
struct blk_front *blk_front_of(const struct blk *b, int dom, int vcpu);

/* Start a new statistics window at ev_now (after the warm-up). */
void blk_stats_reset(struct blk *b);

struct blk_dom_stats {              /* summed over the domain's queues */
    bool has_io;                    /* the domain runs an io workload */
    uint64_t io_ops;                /* requests completed (response consumed) */
    uint64_t io_bytes;              /* B of those */
    double io_ops_per_s;            /* io_ops / window */
    uint64_t ring_full_stalls;      /* requests that found the ring full */
    uint64_t notifies;              /* front-end notifications of the back end */
};
int blk_dom_stats(struct blk *b, int dom, struct blk_dom_stats *out);
/* Guest issue to guest completion, ns; NULL if dom has no io workload. */
struct st_rec *blk_dom_io_latency(struct blk *b, int dom);

/* The disk of device dev (models/disk statistics), -SIM_ENOENT if it is
 * not a disk in use. */
int blk_dev_stats(struct blk *b, int dev, struct disk_stats *out);
/* Report the window's metrics through k (sim/metric.h): per domain
 * with an io workload io_ops, io_bytes, io_ops_per_s, ring_full_stalls and
 * the statistic io_latency; per disk in use (module: the device's name)
 * utilization, queue_depth_mean and queue_depth_max. Accepts b NULL. */
struct metric_sink;
int blk_report(struct blk *b, const struct metric_sink *k);
/* Time in system (ns, queue + service) of the disk's requests completed in
 * the window; borrowed; NULL if dev is not a disk in use. */
struct st_rec *blk_dev_time_in_system(struct blk *b, int dev);

/* ---- the front-end interface of the io workload (workloads/io.c) ---- */

/* Put a request with tag id (0 .. depth-1) on the ring, stamped with the
 * engine time for io_latency; -SIM_ENOSPC on a full ring. */
int blk_front_put(struct blk_front *f, uint32_t id, enum disk_op op, uint64_t sector,
                  uint32_t bytes);
/* Publish the requests put and notify the back end if the ring says so. */
int blk_front_push(struct blk_front *f);
/* Take one response: its tag in *id; records io_ops, io_bytes, io_latency.
 * -SIM_ENOENT if none. */
int blk_front_get(struct blk_front *f, uint32_t *id);
/* Re-arm before sleeping; *more as ring_rsp_final_check. */
int blk_front_final_check(struct blk_front *f, bool *more);
/* Count a request that found the ring full. */
void blk_front_stalled(struct blk_front *f);
/* Tags: 0 .. depth-1 (the io workload's depth; a trace domain's: the ring's
 * slots). */
uint32_t blk_front_depth(const struct blk_front *f);
/* Device capacity in sectors. */
uint64_t blk_front_capacity(const struct blk_front *f);

#endif
