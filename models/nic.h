/*
 * models/nic.h: a full-duplex network interface on the event engine: a
 * transmit queue serialised onto the wire at the line rate, a fixed wire
 * latency, and a receive path that serialises arriving packets into the
 * host at the same rate.
 *
 * Source: the textbook link model (transmission delay = size / rate, plus
 * propagation delay; e.g. Kurose and Ross, "Computer Networking", ch. 1.4)
 * with one FIFO output queue per direction, as a NIC's DMA rings are served
 * in order. No code from any driver.
 *
 * Serialisation (transmission) time of a packet, in integer ns:
 *
 *   ser(bytes) = bytes * 8 * 1e9 / bandwidth (bit/s), rounded to the
 *                nearest ns, half up (exact 128-bit integer arithmetic, as
 *                disk_transfer_ns). Each packet is rounded on its own, so k
 *                back-to-back packets take the sum of their rounded times.
 *
 * Transmit (nic_tx_submit): packets queue FIFO; one at a time is serialised.
 * A packet submitted at s that starts serialising at b (b = s if the line
 * was idle, else the end of the previous packet) finishes at e = b + ser
 * and its callback runs at e + latency, its arrival at the far end of the
 * wire. The wire holds any number of packets in flight; since latency is
 * constant they arrive in the order sent. The delivery is always an engine
 * event, also when latency is 0 (it then runs after the events already
 * queued for that instant).
 *
 * Receive (nic_rx_inject): a caller-driven arrival source hands over a
 * packet at engine now, the instant it reaches this NIC (the wire latency
 * is on the sender's side, already spent).
 * Arriving packets queue FIFO in their own queue and are serialised into
 * the host at bandwidth; at the end of serialisation the packet's callback
 * (or, if it has none, the NIC's receive handler from nic_opts) runs. The
 * two directions are independent (full duplex): neither delays the other.
 *
 * At the end of a serialisation the NIC records the packet, starts the next
 * one of that direction, then hands the finished packet on (schedules the
 * wire delivery, or calls the receive callback). Callbacks may submit or
 * inject; they must not free the NIC. Free the NIC only once no delivery is
 * pending (or with a loop that will not run again): pending events point at
 * it.
 *
 * Statistics, per direction, exact integer ns (packet-ns for the depth
 * area), since creation or the last nic_stats_reset():
 *   busy       ns spent serialising; utilization = busy / elapsed
 *   depth area integral of the number in the direction's queue (waiting +
 *              being serialised; packets on the wire are not counted) over
 *              time; queue_depth_mean = area / elapsed
 *   depth max  largest number in the queue (starting from the number
 *              present at the reset)
 *   packets, bytes: serialisations completed in the window
 *   delivered  callbacks run in the window (tx: wire arrivals; rx: the same
 *              as packets)
 *   dropped    submissions refused because the queue was at max_queue
 *   sojourn    st_rec of submit-to-end-of-serialisation times (ns) of the
 *              packets serialised in the window
 *   delay      st_rec of submit-to-callback times (ns) of the packets
 *              delivered in the window (tx: sojourn + latency)
 * Little's law: area = sum over packets of their sojourn inside the window,
 * so queue_depth_mean = throughput x mean sojourn up to the packets present
 * at the window's two edges.
 *
 * Simplified: no framing overhead (preamble, inter-frame gap, headers are
 * whatever `bytes` includes), no MTU or segmentation, no loss or errors on
 * the wire, no flow control or collisions, no interrupt coalescing (that
 * belongs to the event channels), the receive side never overflows unless
 * max_queue says so (drop tail), and the scenario's `ring` size is not used
 * here (it sizes the netfront/netback I/O ring, not the NIC).
 *
 * Ownership: the NIC borrows the loop (and the cfg only during nic_new; the
 * name is copied); it owns its queues and recorders.
 */
#ifndef XENSIM_MODELS_NIC_H
#define XENSIM_MODELS_NIC_H

#include <stdbool.h>
#include <stdint.h>
#include "sim/stats.h"
#include "sim/ev.h"
#include "sim/scenario.h"
#include "sim/types.h"

/* Largest single packet (bytes): keeps bytes*8*1e9 well inside 128 bits
 * and any one serialisation far below SIM_TIME_MAX. */
#define NIC_PKT_MAX_BYTES ((uint64_t)1 << 30)

struct nic;

enum nic_dir { NIC_TX, NIC_RX };

struct nic_pkt;
/* Delivery callback, called at the delivery time. pkt is the NIC's copy,
 * valid only during the call. */
typedef void nic_done_fn(const struct nic_pkt *pkt, void *arg);

struct nic_pkt {
    uint64_t id;            /* caller's tag, returned untouched */
    uint64_t bytes;         /* B, > 0 */
    nic_done_fn *done;      /* may be NULL (rx: the NIC's receive handler) */
    void *arg;              /* passed to done */
};

struct nic_opts {
    uint64_t max_queue;     /* packets per direction (waiting + serialising);
                               0: unbounded */
    nic_done_fn *rx;        /* receive handler for packets without done; may be NULL */
    void *rx_arg;           /* passed to rx */
};

struct nic_dir_stats {
    sim_time_t elapsed;     /* ns since creation or the last reset */
    sim_time_t busy;        /* ns serialising */
    int64_t depth_area;     /* packet-ns: integral of number in the queue */
    double utilization;     /* busy / elapsed (0 if elapsed == 0) */
    double queue_depth_mean;/* depth_area / elapsed (0 if elapsed == 0) */
    uint64_t queue_depth_max; /* packets in the queue (waiting + serialising) */
    uint64_t packets;       /* serialisations completed */
    uint64_t bytes;         /* B serialised */
    uint64_t delivered;     /* callbacks run (tx: wire arrivals) */
    uint64_t dropped;       /* submissions refused at max_queue */
    double throughput;      /* packets / elapsed, packets per s */
    double bit_rate;        /* bytes * 8 / elapsed, bit/s */
};

struct nic_stats {
    struct nic_dir_stats tx, rx;
};

/*
 * A NIC from a scenario device of kind nic: bandwidth > 0 (bit/s), latency
 * >= 0 (ns, the one-way wire latency). opts may be NULL (defaults). Returns
 * NULL on invalid configuration or out of memory.
 */
struct nic *nic_new(struct ev_loop *loop, const struct scn_device *cfg,
                    const struct nic_opts *opts);
void nic_free(struct nic *n);

/*
 * Queue a packet (copied) for transmission at engine now; it starts now if
 * the line is idle. -SIM_EINVAL for bytes == 0 or > NIC_PKT_MAX_BYTES;
 * -SIM_ENOSPC if the transmit queue holds max_queue packets (counted as
 * dropped); -SIM_ENOMEM; -SIM_ESTATE if the NIC stopped on an engine error
 * (see nic_status); errors from ev_at. On error nothing is queued.
 */
int nic_tx_submit(struct nic *n, const struct nic_pkt *pkt);

/* A packet (copied) arriving from the wire at engine now, for the receive
 * path. Same errors as nic_tx_submit, for the receive queue. */
int nic_rx_inject(struct nic *n, const struct nic_pkt *pkt);

/* 0, or the negative error that stopped service (an event that could not be
 * scheduled; the packet concerned is lost). */
int nic_status(const struct nic *n);

/* Packets in a direction's queue now (waiting + serialising), waiting only,
 * and transmitted packets still on the wire. */
uint64_t nic_in_system(const struct nic *n, enum nic_dir dir);
uint64_t nic_waiting(const struct nic *n, enum nic_dir dir);
uint64_t nic_in_flight(const struct nic *n);

/* Statistics up to ev_now(). */
void nic_stats(const struct nic *n, struct nic_stats *out);
/* Report the device scalars utilization, queue_depth_mean and
 * queue_depth_max of module (the device's name) through k
 * (sim/metric.h): those of the transmit line, the queue the host
 * controls (the receive side is the far end's wire). */
struct metric_sink;
int nic_report(const struct nic *n, const char *module, const struct metric_sink *k);
/* Recorders of a direction (borrowed; the NIC owns them). */
struct st_rec *nic_sojourn(struct nic *n, enum nic_dir dir);
struct st_rec *nic_delay(struct nic *n, enum nic_dir dir);
/* Start a new statistics window at ev_now() (warm-up exclusion). Packets
 * queued or on the wire stay; those finishing later are counted. */
void nic_stats_reset(struct nic *n);

/* The model's parameters and components, as nic_tx_submit uses them. */
sim_time_t nic_serialise_ns(const struct nic *n, uint64_t bytes);
sim_time_t nic_latency_ns(const struct nic *n);
int64_t nic_bandwidth(const struct nic *n);                        /* bit/s */

#endif
