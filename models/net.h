/*
 * models/net.h: the network split driver: netfront in each guest that runs
 * a `server` workload (or a `trace` workload with a `nic`), netback in the
 * driver domain of its NIC, coupled by
 * two I/O rings (models/ioring: rx and tx) and one interdomain event
 * channel (models/evtchn), with the device a models/nic.
 *
 * What is modelled: open-loop request packets arrive at the NIC
 * (gaps from the server's `arrival` distribution, stream "dom:<d>/arrival")
 * and are serialised into the host (nic_rx_inject); the end of the receive
 * raises the NIC's physical IRQ, routed to the driver domain, whose vCPU 0
 * is kicked. When scheduled, it takes the upcall (the core charges
 * costs.upcall, models/hv.h) and its back-end loop (models/backend.h)
 * spends backend.per_request of CPU per packet in netback, fills one
 * of the rx buffers the guest posted on its rx ring (the response carries
 * the buffer's id; the packet's NIC arrival time is written into the
 * guest's buffer, standing for the granted page), pushes it and notifies
 * the guest if the ring says so. The guest (workloads/server.c) takes its
 * upcall, consumes the packet, re-posts the buffer, computes `service` of
 * CPU (stream "dom:<d>/service"), then puts the reply (reply_size bytes) on
 * its tx ring and notifies netback, which (upcall, per_request CPU) hands
 * it to the NIC's transmit path and answers the tx request at once (the
 * NIC has copied the packet). The reply's arrival at the far end of the
 * wire completes the request: net_latency = that instant - the request's
 * arrival at the NIC (ns of engine time).
 *
 * Source: Xen's netfront/netback protocol as described in Barham et al.,
 * "Xen and the Art of Virtualization" (SOSP 2003) section 3.2 (rx buffers
 * posted by the guest, tx descriptors, one event channel per interface);
 * facts only, no Xen code.
 *
 * Queues: see net_arrivals below for traces. A domain has one queue (rx
 * and tx rings and a channel) for each vCPU whose workload needs one (a
 * server's vCPU; a trace replay's first vCPU and each of its vCPUs with
 * net_send records), its channel's guest end bound to that vCPU (Linux's
 * multi-queue xen-netfront, Xen's public io/netif.h), on the NIC that
 * vCPU's workload names; netback serves each as a back end of its own;
 * a server's arrivals reach its own queue, a trace's its first queue.
 * Statistics are summed over the queues (net_latency: one recorder).
 *
 * Simplified: request packets are NET_REQUEST_BYTES (a minimum Ethernet
 * frame) and a reply is max(reply_size, NET_REQUEST_BYTES) bytes; netback
 * keeps an unbounded backlog of received packets waiting for an rx buffer
 * (no drops); a packet costs backend.per_request in each direction, once;
 * one server workload for a whole domain runs on its vCPU 0 (a list of
 * workloads puts one on each vCPU), its channel bound to it
 * (models/evtchn.h); the guest spends no CPU beyond its upcall and
 * `service`.
 *
 * Usage (sim/host builds it), as models/blk.h:
 *   h = hv_new(...); hv_set_workload(...) ...; bh = be_new(h, s);
 *   n = net_new(loop, h, s, bh, repl, err, n); wl_attach(...net_front_of(n, d, v)...);
 *   be_install(bh, err, n);
 *   hv_start(h); ev_run ...; hv_stats_reset(h); net_stats_reset(n); ev_run ...
 *   net_dom_stats(n, d, &st); net_dom_latency(n, d);
 *   hv_free(h); net_free(n); be_free(bh);
 *
 * Ownership: borrows loop, h, s and bh and the host's event channels; owns
 * the NICs, rings, arrival events and recorders. Free the hv first (its
 * workloads point here), then the net, then the back ends, then the loop.
 * Errors: 0 or a negative enum sim_err (sim/err.h).
 */
#ifndef XENSIM_MODELS_NET_H
#define XENSIM_MODELS_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "sim/stats.h"
#include "sim/ev.h"
#include "sim/scenario.h"
#include "sim/types.h"

#define NET_REQUEST_BYTES 64u   /* B of an arriving request packet */

struct hv;
struct be_host;
struct net;
struct net_front;

/* Build a network front end queue for every vCPU whose workload needs one
 * (WL_NEEDS_NET, asked of the workloads installed in h), on its domain's
 * NIC, the NICs and the arrival sources, and attach each netback to its
 * driver domain in bh. Call once the workloads are installed, before
 * be_install and hv_start; the workloads get their queues from
 * net_front_of. A server domain's first arrival is scheduled at ev_now +
 * one gap; a trace domain's arrivals come from its workload
 * (net_front_set_arrivals). NULL with a message on failure. */
struct net *net_new(struct ev_loop *loop, struct hv *h, const struct scn *s,
                    struct be_host *bh, uint32_t replication, char *err, size_t errlen);
void net_free(struct net *n);               /* accepts NULL */

/* The queue of vCPU vcpu of domain dom, or NULL if it has none. */
struct net_front *net_front_of(const struct net *n, int dom, int vcpu);

/* 0, or the first error met in one of the net's engine callbacks (it
 * also stopped the loop). */
int net_status(const struct net *n);

/* Start a new statistics window at ev_now. */
void net_stats_reset(struct net *n);

struct net_dom_stats {
    bool has_server;
    uint64_t net_packets;           /* the domain's packets through the NIC in the
                                       window: requests received + replies on the wire */
    uint64_t requests_completed;    /* replies delivered on the wire */
    double requests_per_s;          /* requests_completed / window */
    uint64_t arrived_total;         /* requests injected since creation */
    uint64_t completed_total;       /* replies delivered since creation */
    uint64_t in_system;             /* requests now at some stage of the path */
    uint64_t ring_full_stalls;      /* replies that found the tx ring full */
};
int net_dom_stats(struct net *n, int dom, struct net_dom_stats *out);
/* NIC arrival to reply on the wire, ns; NULL if dom has no server. */
struct st_rec *net_dom_latency(struct net *n, int dom);

/* Report the window's metrics through k (sim/metric.h): per server
 * domain net_packets (its vif's packets on br included, if it has one; br
 * may be NULL), requests_completed, requests_per_s and the statistic
 * net_latency; then each NIC in use (nic_report). Accepts n NULL. */
struct br;
struct metric_sink;
int net_report(struct net *n, struct br *br, const struct metric_sink *k);

/* The NIC of device dev (models/nic statistics, both directions),
 * -SIM_ENOENT if it is not a NIC in use. */
struct nic_stats;
int net_dev_stats(struct net *n, int dev, struct nic_stats *out);

/* ---- the front-end interface of the server workload ---- */
/* Take one received packet: its NIC arrival time (ns) in *arrival; the
 * buffer is re-posted. -SIM_ENOENT if none. */
int net_front_recv(struct net_front *f, sim_time_t *arrival);
/* Put and push the reply of the request that arrived at `arrival`; consumes
 * tx responses first. -SIM_ENOSPC on a full tx ring (nothing put). */
int net_front_reply(struct net_front *f, sim_time_t arrival);
/* Re-arm both rings' response events; *more if work arrived meanwhile. */
int net_front_final_check(struct net_front *f, bool *more);
void net_front_stalled(struct net_front *f);
/* The guest's own queue of received requests not yet replied (for the
 * in_system count). */
void net_front_set_queued(struct net_front *f, uint64_t queued);

/* ---- trace domains (workloads/trace.c) ----
 * A trace domain with a `nic` gets a front end like a server's, but its
 * arrivals come from a net_arrivals source instead of the `arrival`
 * distribution (one ev event scheduled at a time: the next arrival), and
 * its plain sends carry no request, its replies (net_front_send with
 * `answers`) give net_latency samples as a server's do; net_packets counts its packets through the NIC both ways and
 * requests_completed its sends delivered on the wire. */
struct net_arrivals {
    /* The next arrival: 1 with its engine time (ns, non-decreasing) and size
     * (B, > 0), 0 when there are no more, or a negative sim_err. */
    int (*next)(void *arg, sim_time_t *t, uint64_t *bytes);
    void (*free)(void *arg);
    void *arg;
};
/* A trace's arrivals, on the queue (f) of the replay's first vCPU: the
 * front takes src over and schedules the first arrival. -SIM_EINVAL if f
 * is not a trace's queue or has its arrivals already. */
int net_front_set_arrivals(struct net_front *f, const struct net_arrivals *src);
/* Put and push a packet of bytes (> 0) on the tx ring (consuming tx
 * responses first); -SIM_ENOSPC on a full ring (nothing put). `answers`
 * is NET_NO_REQUEST for a packet that answers nothing, or the NIC arrival
 * time (ns, not in the future) of the request it replies to: then its
 * time on the wire minus that is a net_latency sample. */
#define NET_NO_REQUEST UINT64_MAX
int net_front_send(struct net_front *f, uint64_t bytes, uint64_t answers);
/* B of the domain's replies (the server's reply_size, at least a request). */
uint32_t net_front_reply_bytes(const struct net_front *f);

/* Arrival observer (run --record-trace): fn(ctx, dom, vcpu, bytes) for
 * every packet that reaches a NIC from outside for the queue of domain dom
 * bound to its vCPU vcpu, when it arrives (engine time ev_now). One
 * observer; NULL removes it. */
typedef void net_arrival_fn(void *ctx, int dom, int vcpu, uint64_t bytes);
void net_set_arrival_observer(struct net *n, net_arrival_fn *fn, void *ctx);

#endif
