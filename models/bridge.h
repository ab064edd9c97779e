/*
 * models/bridge.h: guests' virtual interfaces (vifs) on the software bridge
 * of a NIC's driver domain, or on a NIC the hypervisor serves itself (Xen
 * 1.0), with the guest kernel's echo responder and ping sender.
 *
 * What is modelled:
 *  - A vif (domain key `vif: NIC`) is a netfront of its own: an rx and a tx
 *    ring of the NIC's `ring` slots (models/ioring) with every rx buffer
 *    posted at boot, and one event channel (models/evtchn) bound to vCPU 0.
 *  - Driver-domain NIC: the vif's netback is one more back end of the driver
 *    domain's loop (models/backend.h): backend.per_request of its CPU per tx
 *    request taken, and again per received packet put into one of the
 *    guest's posted rx buffers. A tx packet for another vif is handed by the
 *    bridge to that vif's netback backlog (no CPU of its own: the bridge's
 *    forwarding is inside per_request), which fills one of the receiver's rx
 *    buffers when it has one posted (else the packet waits, unbounded, no
 *    drops), then notifies the receiver if its ring asks for it. A packet for
 *    the wire goes to the NIC's transmit queue. So guest to guest costs
 *    per_request twice each way, and never touches the wire.
 *  - Hypervisor-served NIC (`served_by: hypervisor`): a packet arriving
 *    from the wire costs the NIC's per_request of hypervisor time on its
 *    irq_cpu (models/hv.h hv_pcpu_work: stolen from whatever vCPU runs
 *    there), then goes into the guest's rx buffer and raises the guest's
 *    EVTCHN_VIRQ_NET; a tx request costs per_request on the pCPU of the
 *    guest that pushed it (the transmit hypercall), then goes to the NIC.
 *    No driver domain is scheduled.
 *  - The guest kernel (models/hv.h hv_set_kernel, vCPU 0): each upcall
 *    takes every received packet (re-posting its buffer); an echo request
 *    is answered, an echo reply ends a ping (ping_latency sample); a ping
 *    that fell due is sent. Each packet handled or sent costs
 *    costs.kernel_packet of kernel CPU in that upcall, after costs.upcall;
 *    the replies and the ping go on the tx ring when that CPU is spent. A
 *    CPU-bound guest therefore answers at its next dispatch, a blocked one
 *    when its wake is scheduled: the kernel needs no workload.
 *  - ping (domain key): every `interval` (stream "dom:<d>/ping", engine
 *    time) a ping falls due and VIRQ_TIMER is raised in the sender (its
 *    kernel's timer); the kernel sends it in that upcall. RTT = the start
 *    of the upcall that sends it (the user's timestamp) to the start of
 *    the upcall that takes the reply (the kernel's receive timestamp).
 *  - echo (domain key): clients beyond the NIC's wire send echo requests
 *    open loop (gaps from `arrival`, stream "dom:<d>/echo") of `size` B;
 *    the kernel answers each; net_latency = arrival at the NIC to the
 *    reply's arrival at the far end of the wire.
 *
 * Source: Barham et al., "Xen and the Art of Virtualization" (SOSP 2003)
 * sections 3.2 and 4.3 (guests' vifs, the hypervisor's demultiplexing in
 * Xen 1.0); Linux's bridge of xen-netback vifs in a driver domain; Linux
 * answering ICMP echo in its receive path (no user process involved).
 * Facts only, no Xen or Linux code.
 *
 * Simplified: one vif per domain, on vCPU 0; the ping's due flag merges
 * intervals that pass before the sender runs (one ping is sent); the ping
 * timer runs on engine time, not the guest's clock; the sender's user
 * process is folded into its kernel (the send happens in the timer's
 * upcall); a guest whose tx ring is full keeps its replies and re-arms its
 * tx responses (one ring_full_stall per episode); hypervisor-served NICs
 * switch nothing between guests (refused by the scenario loader) and need
 * no re-post notification (the hypervisor sees re-posted buffers at once,
 * at no cost); a NIC carries echo clients or server/trace traffic, not
 * both.
 *
 * Usage (the run driver), as models/net.h: after hv_new and be_new,
 *   b = br_new(loop, h, s, bh, repl, err, n); be_install ...; hv_start;
 * then br_stats_reset at the end of the warm-up; free the hv first, then
 * the br, then the back ends.
 * Ownership: borrows loop, h, s and bh; owns the vifs, rings, NICs of echo
 * clients, arrival and ping events and recorders.
 * Errors: 0 or a negative enum sim_err (sim/err.h); br_new returns NULL.
 */
#ifndef XENSIM_MODELS_BRIDGE_H
#define XENSIM_MODELS_BRIDGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "sim/stats.h"
#include "sim/ev.h"
#include "sim/scenario.h"

struct hv;
struct be_host;
struct br;
struct nic_stats;

/* Whether any domain has a vif. */
bool br_needed(const struct scn *s);

/* Build every vif, attach driver-domain netbacks to bh, set the guest
 * kernels' upcall handlers (hv_set_kernel), bind the IRQs and schedule the
 * first ping and echo arrivals (at ev_now + one gap). Before be_install and
 * hv_start. NULL with a message on failure. */
struct br *br_new(struct ev_loop *loop, struct hv *h, const struct scn *s, struct be_host *bh,
                  uint32_t replication, char *err, size_t errlen);
void br_free(struct br *b);                 /* accepts NULL */

/* 0, or the first error met in one of its engine callbacks (it stopped
 * the loop too). */
int br_status(const struct br *b);

/* Start a new statistics window at ev_now. */
void br_stats_reset(struct br *b);

struct br_dom_stats {
    bool has_vif, pings, echo;      /* a vif; it sends pings; it has echo clients */
    uint64_t rx_packets;            /* packets its kernel took, in the window */
    uint64_t tx_packets;            /* packets it put on its tx ring, in the window */
    uint64_t pings_sent;            /* in the window */
    uint64_t ping_replies;          /* replies to its pings taken, in the window */
    uint64_t echoes_answered;       /* echo requests it answered, in the window */
    uint64_t echo_completed;        /* replies to its echo clients delivered on the wire */
    uint64_t ring_full_stalls;      /* times its replies found the tx ring full */
    uint32_t rx_unconsumed;         /* now: filled rx buffers its kernel has not taken */
    uint64_t backlog;               /* now: packets for it waiting for an rx buffer */
};
int br_dom_stats(struct br *b, int dom, struct br_dom_stats *out);

/* Round-trip times of dom's pings (ns; metric ping_latency), NULL if it
 * sends none. */
struct st_rec *br_dom_ping_latency(struct br *b, int dom);
/* Its echo clients' latency (ns; metric net_latency), NULL if it has none. */
struct st_rec *br_dom_echo_latency(struct br *b, int dom);

/* Report the window's metrics through k (sim/metric.h): per vif
 * domain without a server on n (net_report counts those) net_packets and
 * ring_full_stalls; a pinger's pings_sent and statistic ping_latency; with
 * echo clients requests_completed, requests_per_s (over the scenario's
 * duration) and the statistic net_latency; then each NIC of echo clients
 * (nic_report). Accepts b and n NULL. */
struct net;
struct metric_sink;
int br_report(struct br *b, struct net *n, const struct metric_sink *k);

/* The NIC of device dev if echo clients use it; -SIM_ENOENT otherwise. */
int br_dev_stats(struct br *b, int dev, struct nic_stats *out);

#endif
