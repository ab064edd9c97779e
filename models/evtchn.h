/*
 * models/evtchn.h: Xen-style event channels, the asynchronous notifications
 * that replace interrupts for a paravirtualised guest.
 *
 * Source: Xen's event-channel semantics, as facts (no Xen code): each
 * domain has a table of ports; a port is free, unbound (allocated, waiting
 * for a named remote domain to bind it), interdomain (connected to a port
 * of another domain), bound to a virtual IRQ (e.g. VIRQ_TIMER) or to a
 * physical IRQ routed to the domain (the driver domain's devices). Each port
 * has a pending bit and a mask bit in the domain's shared page, and a
 * notify vCPU (vCPU 0 when bound; EVTCHNOP_bind_vcpu moves it, Xen's
 * public event_channel.h); each vCPU has its own evtchn_upcall_pending
 * flag in its vcpu_info. Raising a port sets its pending bit; if the bit
 * was clear and the port is unmasked, the notify vCPU's upcall_pending is
 * set and, on that flag's 0 -> 1 transition, that vCPU is kicked (woken if
 * blocked; it takes the upcall when it next runs). Unmasking a port that
 * is pending delivers it in the same way. A vCPU's upcall handler clears
 * its upcall_pending, then scans the pending-and-unmasked ports bound to
 * it, clears each pending bit and handles it. Notify on an interdomain port
 * raises the remote end. Port 0 is never allocated (reserved, as in Xen).
 *
 * Simplified: VIRQ ports stay on vCPU 0 (Xen binds a per-vCPU VIRQ such
 * as VIRQ_TIMER once per vCPU and lets only global VIRQs move; the core
 * sends the tick to vCPU 0 only); rebinding a pending, unmasked port
 * delivers it to its new vCPU at once (the effect of Linux masking the
 * port around the rebind and unmasking it after); the two-level pending
 * selector word is flattened into one scan in port order; closing an
 * interdomain port returns the
 * remote end to the unbound state (as Xen does) but there is no
 * EVTCHNOP_status or per-port reset; nothing here takes simulated time: the
 * kick callback lets the core wake the vCPU and charge the upcall cost.
 *
 * Time: the caller passes now (ns of engine time) to every raising call
 * and to evtchn_consume, which reports notify-to-upcall latency per port
 * (from the moment the port became pending).
 *
 * Errors: 0 or a negative enum sim_err (sim/err.h). Constructors return NULL.
 */
#ifndef XENSIM_MODELS_EVTCHN_H
#define XENSIM_MODELS_EVTCHN_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/types.h"

#define EVTCHN_MAX_PORTS 1024   /* ports per domain: Xen 2.0's NR_EVENT_CHANNELS
                                   (public/xen.h); the loader checks hosts against it */
#define EVTCHN_NR_PIRQS  256    /* physical IRQ lines */
#define EVTCHN_MAX_VCPUS 64     /* vCPUs per domain (the scenario's limit) */

/* Virtual IRQs, numbered as Xen's public headers do. */
enum evtchn_virq {
    EVTCHN_VIRQ_TIMER = 0,      /* periodic/one-shot timer tick */
    EVTCHN_VIRQ_DEBUG = 1,
    EVTCHN_VIRQ_CONSOLE = 2,
    EVTCHN_VIRQ_DOM_EXC = 3,    /* a domain exited (to the control domain) */
    EVTCHN_VIRQ_NET = 4,        /* xensim's own number: the network event of a vif whose NIC
                                   the hypervisor serves (Xen 1.0's fixed network event
                                   bit; later Xen gives 4 to another VIRQ) */
    EVTCHN_NR_VIRQS
};

enum evtchn_state {
    EVTCHN_FREE = 0,
    EVTCHN_UNBOUND,             /* allocated, awaiting remote_dom's bind */
    EVTCHN_INTERDOMAIN,
    EVTCHN_VIRQ,
    EVTCHN_PIRQ
};

struct evtchn_port_info {
    enum evtchn_state state;
    int remote_dom;             /* UNBOUND, INTERDOMAIN; else -1 */
    int remote_port;            /* INTERDOMAIN; else -1 */
    int virq;                   /* VIRQ; else -1 */
    int pirq;                   /* PIRQ; else -1 */
    int vcpu;                   /* the notify vCPU (0 unless rebound) */
    bool pending, masked;
};

/* One port handled by the guest's upcall. */
struct evtchn_fired {
    int port;
    sim_time_t latency_ns;      /* now - time the port became pending */
};

struct evtchn_stats {           /* per domain, as the receiving side */
    uint64_t raised;            /* raises of this domain's ports (notify, virq, pirq) */
    uint64_t already_pending;   /* raises that found the port pending (merged) */
    uint64_t masked;            /* raises that found the port masked (no upcall) */
    uint64_t kicks;             /* a vCPU's upcall_pending 0 -> 1: it was kicked */
    uint64_t delivered;         /* ports returned by evtchn_consume */
    sim_time_t latency_sum_ns;  /* sum of delivered latencies */
    sim_time_t latency_max_ns;
};

/* Called when vCPU vcpu of dom must be kicked (its upcall_pending went
 * 0 -> 1). The core maps it to hv_vcpu_wake and an upcall cost. */
typedef void (*evtchn_kick_fn)(void *ctx, int dom, int vcpu);

struct evtchn;

/* Event channels for domains 0..ndoms-1 with nports ports each
 * (2..EVTCHN_MAX_PORTS); kick may be NULL. NULL on bad arguments or
 * allocation failure. */
struct evtchn *evtchn_new(int ndoms, int nports, evtchn_kick_fn kick, void *ctx);
void evtchn_free(struct evtchn *e);

/* ---- binding (all return the new local port in *port) ---- */

/* Allocate a port of dom that remote_dom may bind (EVTCHNOP_alloc_unbound).
 * -SIM_ENOSPC when dom has no free port. */
int evtchn_alloc_unbound(struct evtchn *e, int dom, int remote_dom, int *port);
/* Bind a new port of dom to remote_dom's unbound port remote_port, which
 * must have been allocated for dom (-SIM_ESTATE otherwise). */
int evtchn_bind_interdomain(struct evtchn *e, int dom, int remote_dom,
                            int remote_port, int *port);
/* Bind virq to a new port of dom; -SIM_EEXIST if dom has it bound. */
int evtchn_bind_virq(struct evtchn *e, int dom, int virq, int *port);
/* Route physical IRQ pirq to a new port of dom; -SIM_EEXIST if any domain
 * has pirq bound. */
int evtchn_bind_pirq(struct evtchn *e, int dom, int pirq, int *port);
/* Close a port (pending and mask bits cleared, notify vCPU back to 0). An
 * interdomain peer goes back to unbound, awaiting dom. -SIM_ESTATE if the
 * port is free. */
int evtchn_close(struct evtchn *e, int dom, int port);
/* Make vcpu (0 .. EVTCHN_MAX_VCPUS-1) the notify vCPU of dom's port
 * (EVTCHNOP_bind_vcpu): its later raises kick that vCPU, and if the port
 * is pending and unmasked now, that vCPU's upcall is marked pending.
 * -SIM_EINVAL for a bad port or vcpu, -SIM_ESTATE if the port is free or
 * bound to a VIRQ. */
int evtchn_bind_vcpu(struct evtchn *e, int dom, int port, int vcpu);

/* ---- raising ---- */

/* Notify through dom's interdomain port: raise the remote end.
 * -SIM_ESTATE if the port is not interdomain. */
int evtchn_notify(struct evtchn *e, int dom, int port, sim_time_t now);
/* Raise virq in dom. -SIM_ENOENT if dom has not bound it (callers that do
 * not care ignore it, as Xen drops an unbound virq). */
int evtchn_send_virq(struct evtchn *e, int dom, int virq, sim_time_t now);
/* Raise physical IRQ pirq in the domain it is routed to. -SIM_ENOENT if
 * unbound. */
int evtchn_send_pirq(struct evtchn *e, int pirq, sim_time_t now);

/* ---- guest side ---- */

int evtchn_mask(struct evtchn *e, int dom, int port);
/* Clear the mask; if the port is pending, deliver it to its notify vCPU
 * (may kick). */
int evtchn_unmask(struct evtchn *e, int dom, int port);

/*
 * The upcall handler of vCPU vcpu of dom: clear its upcall_pending, then
 * take up to max pending, unmasked ports bound to it, in port order, clear
 * their pending bits and write them with their latency to out. Returns the
 * number taken (>= 0) or a negative sim_err. If more remained than max,
 * upcall_pending stays set (no new kick: the vCPU is running). Masked
 * pending ports, and those of other vCPUs, stay pending.
 */
int evtchn_consume(struct evtchn *e, int dom, int vcpu, sim_time_t now,
                   struct evtchn_fired *out, int max);

/* ---- queries ---- */
/* Whether vCPU vcpu of dom has its upcall pending (false for bad
 * arguments). */
bool evtchn_upcall_pending(const struct evtchn *e, int dom, int vcpu);
/* The word whose bit k is vCPU k's upcall_pending in dom, as
 * evtchn_upcall_pending reads it; NULL for bad arguments. It stays at the
 * same address for e's lifetime, so a caller that tests the bit on every
 * operation keeps the pointer instead of calling. */
const uint64_t *evtchn_upcall_word(const struct evtchn *e, int dom);
int evtchn_port_info(const struct evtchn *e, int dom, int port,
                     struct evtchn_port_info *out);
int evtchn_get_stats(const struct evtchn *e, int dom, struct evtchn_stats *out);

#endif
