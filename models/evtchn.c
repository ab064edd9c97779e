/*
 * models/evtchn.c: Xen-style event channels (see evtchn.h).
 *
 * Source: Xen's event-channel semantics as facts (port states, pending and
 * mask bits, evtchn_upcall_pending set on a new unmasked pending port, kick
 * on its 0 -> 1 transition, unmask redelivers); written from that
 * description, not from Xen's code.
 *
 * Simplified: VIRQ ports stay on vCPU 0; a flat scan of the ports bound
 * to the vCPU replaces the two-level pending selector.
 */
#include "models/evtchn.h"

#include <stdlib.h>

#include "sim/err.h"

struct port {
    uint8_t state;              /* enum evtchn_state */
    bool pending, masked;
    uint8_t vcpu;               /* notify vCPU */
    int32_t remote_dom;         /* UNBOUND, INTERDOMAIN: a domain index (hosts may have
                                   more domains than a 16-bit domid counts) */
    int16_t remote_port;        /* INTERDOMAIN */
    int16_t irq;                /* virq or pirq number */
    sim_time_t pending_since;   /* ns, valid while pending */
};

struct dom {
    struct port *port;          /* cap entries, grown on demand up to nports */
    int cap;
    int virq_port[EVTCHN_NR_VIRQS];     /* 0 = not bound */
    uint64_t upcall_pending;    /* bit k: vCPU k's evtchn_upcall_pending */
    int npending;               /* ports pending (masked or not): a consume's scan stops
                                   once it has passed them all */
    struct evtchn_stats st;
};

struct evtchn {
    int ndoms, nports;          /* nports: the most ports a domain may have */
    evtchn_kick_fn kick;
    void *ctx;
    struct dom *dom;
    struct { int32_t dom; int16_t port; } pirq[EVTCHN_NR_PIRQS];   /* port 0 = unbound */
};

struct evtchn *evtchn_new(int ndoms, int nports, evtchn_kick_fn kick, void *ctx)
{
    if (ndoms < 1 || nports < 2 || nports > EVTCHN_MAX_PORTS)
        return NULL;
    struct evtchn *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->dom = calloc((size_t)ndoms, sizeof *e->dom);
    if (!e->dom) {
        free(e);
        return NULL;
    }
    e->ndoms = ndoms;
    e->nports = nports;
    e->kick = kick;
    e->ctx = ctx;
    return e;
}

void evtchn_free(struct evtchn *e)
{
    if (!e)
        return;
    for (int d = 0; d < e->ndoms; d++)
        free(e->dom[d].port);
    free(e->dom);
    free(e);
}

static bool dom_ok(const struct evtchn *e, int dom)
{
    return e && dom >= 0 && dom < e->ndoms;
}

/* The port, or NULL if dom/port are out of range (port 0 is reserved). */
static struct port *port_at(const struct evtchn *e, int dom, int port)
{
    if (!dom_ok(e, dom) || port < 1 || port >= e->dom[dom].cap)
        return NULL;
    return &e->dom[dom].port[port];
}

/* A free port of dom. Tables start empty and double when full, so a host
 * of many guests with a port or two each does not pay for the driver
 * domain's hundreds. */
static int alloc_port(struct evtchn *e, int dom)
{
    struct dom *d = &e->dom[dom];
    for (int i = 1; i < d->cap; i++)
        if (d->port[i].state == EVTCHN_FREE)
            return i;
    if (d->cap >= e->nports)
        return -SIM_ENOSPC;
    int cap = d->cap ? 2 * d->cap : 8;
    if (cap > e->nports)
        cap = e->nports;
    struct port *p = realloc(d->port, (size_t)cap * sizeof *p);
    if (!p)
        return -SIM_ENOMEM;
    for (int i = d->cap; i < cap; i++)
        p[i] = (struct port){ .state = EVTCHN_FREE, .remote_dom = -1, .remote_port = -1,
                              .irq = -1 };
    int first = d->cap > 1 ? d->cap : 1;
    d->port = p;
    d->cap = cap;
    return first;
}

static void reset_port(struct dom *d, struct port *p)
{
    if (p->pending)
        d->npending--;
    p->state = EVTCHN_FREE;
    p->pending = p->masked = false;
    p->vcpu = 0;
    p->remote_dom = p->remote_port = p->irq = -1;
    p->pending_since = 0;
}

/* Set upcall_pending of vCPU vcpu of dom; kick on its 0 -> 1 transition. */
static void mark_upcall(struct evtchn *e, int dom, int vcpu)
{
    struct dom *d = &e->dom[dom];
    uint64_t bit = UINT64_C(1) << vcpu;
    if (d->upcall_pending & bit)
        return;
    d->upcall_pending |= bit;
    d->st.kicks++;
    if (e->kick)
        e->kick(e->ctx, dom, vcpu);
}

static void set_pending(struct evtchn *e, int dom, int port, sim_time_t now)
{
    struct dom *d = &e->dom[dom];
    struct port *p = &d->port[port];
    d->st.raised++;
    if (p->pending) {
        d->st.already_pending++;
        return;
    }
    p->pending = true;
    d->npending++;
    p->pending_since = now;
    if (p->masked) {
        d->st.masked++;
        return;
    }
    mark_upcall(e, dom, p->vcpu);
}

int evtchn_alloc_unbound(struct evtchn *e, int dom, int remote_dom, int *port)
{
    if (!dom_ok(e, dom) || !dom_ok(e, remote_dom) || !port)
        return -SIM_EINVAL;
    int p = alloc_port(e, dom);
    if (p < 0)
        return p;
    struct port *pp = &e->dom[dom].port[p];
    reset_port(&e->dom[dom], pp);
    pp->state = EVTCHN_UNBOUND;
    pp->remote_dom = (int32_t)remote_dom;
    *port = p;
    return 0;
}

int evtchn_bind_interdomain(struct evtchn *e, int dom, int remote_dom,
                            int remote_port, int *port)
{
    if (!dom_ok(e, dom) || !port)
        return -SIM_EINVAL;
    struct port *rp = port_at(e, remote_dom, remote_port);
    if (!rp)
        return -SIM_EINVAL;
    if (rp->state != EVTCHN_UNBOUND || rp->remote_dom != dom)
        return -SIM_ESTATE;
    int p = alloc_port(e, dom);
    if (p < 0)
        return p;
    struct port *lp = &e->dom[dom].port[p];
    reset_port(&e->dom[dom], lp);
    lp->state = EVTCHN_INTERDOMAIN;
    lp->remote_dom = (int32_t)remote_dom;
    lp->remote_port = (int16_t)remote_port;
    rp->state = EVTCHN_INTERDOMAIN;
    rp->remote_port = (int16_t)p;
    *port = p;
    return 0;
}

int evtchn_bind_virq(struct evtchn *e, int dom, int virq, int *port)
{
    if (!dom_ok(e, dom) || virq < 0 || virq >= EVTCHN_NR_VIRQS || !port)
        return -SIM_EINVAL;
    struct dom *d = &e->dom[dom];
    if (d->virq_port[virq])
        return -SIM_EEXIST;
    int p = alloc_port(e, dom);
    if (p < 0)
        return p;
    reset_port(d, &d->port[p]);
    d->port[p].state = EVTCHN_VIRQ;
    d->port[p].irq = (int16_t)virq;
    d->virq_port[virq] = p;
    *port = p;
    return 0;
}

int evtchn_bind_pirq(struct evtchn *e, int dom, int pirq, int *port)
{
    if (!dom_ok(e, dom) || pirq < 0 || pirq >= EVTCHN_NR_PIRQS || !port)
        return -SIM_EINVAL;
    if (e->pirq[pirq].port)
        return -SIM_EEXIST;
    int p = alloc_port(e, dom);
    if (p < 0)
        return p;
    struct port *pp = &e->dom[dom].port[p];
    reset_port(&e->dom[dom], pp);
    pp->state = EVTCHN_PIRQ;
    pp->irq = (int16_t)pirq;
    e->pirq[pirq].dom = (int32_t)dom;
    e->pirq[pirq].port = (int16_t)p;
    *port = p;
    return 0;
}

int evtchn_close(struct evtchn *e, int dom, int port)
{
    struct port *p = port_at(e, dom, port);
    if (!p)
        return -SIM_EINVAL;
    switch (p->state) {
    case EVTCHN_FREE:
        return -SIM_ESTATE;
    case EVTCHN_INTERDOMAIN: {
        struct port *rp = &e->dom[p->remote_dom].port[p->remote_port];
        rp->state = EVTCHN_UNBOUND;
        rp->remote_dom = (int32_t)dom;
        rp->remote_port = -1;
        break;
    }
    case EVTCHN_VIRQ:
        e->dom[dom].virq_port[p->irq] = 0;
        break;
    case EVTCHN_PIRQ:
        e->pirq[p->irq].port = 0;
        e->pirq[p->irq].dom = 0;
        break;
    default:
        break;
    }
    reset_port(&e->dom[dom], p);
    return 0;
}

int evtchn_bind_vcpu(struct evtchn *e, int dom, int port, int vcpu)
{
    struct port *p = port_at(e, dom, port);
    if (!p || (unsigned)vcpu >= EVTCHN_MAX_VCPUS)
        return -SIM_EINVAL;
    if (p->state == EVTCHN_FREE || p->state == EVTCHN_VIRQ)
        return -SIM_ESTATE;
    p->vcpu = (uint8_t)vcpu;
    if (p->pending && !p->masked)
        mark_upcall(e, dom, vcpu);
    return 0;
}

int evtchn_notify(struct evtchn *e, int dom, int port, sim_time_t now)
{
    struct port *p = port_at(e, dom, port);
    if (!p)
        return -SIM_EINVAL;
    if (p->state != EVTCHN_INTERDOMAIN)
        return -SIM_ESTATE;
    set_pending(e, p->remote_dom, p->remote_port, now);
    return 0;
}

int evtchn_send_virq(struct evtchn *e, int dom, int virq, sim_time_t now)
{
    if (!dom_ok(e, dom) || virq < 0 || virq >= EVTCHN_NR_VIRQS)
        return -SIM_EINVAL;
    int p = e->dom[dom].virq_port[virq];
    if (!p)
        return -SIM_ENOENT;
    set_pending(e, dom, p, now);
    return 0;
}

int evtchn_send_pirq(struct evtchn *e, int pirq, sim_time_t now)
{
    if (!e || pirq < 0 || pirq >= EVTCHN_NR_PIRQS)
        return -SIM_EINVAL;
    if (!e->pirq[pirq].port)
        return -SIM_ENOENT;
    set_pending(e, e->pirq[pirq].dom, e->pirq[pirq].port, now);
    return 0;
}

int evtchn_mask(struct evtchn *e, int dom, int port)
{
    struct port *p = port_at(e, dom, port);
    if (!p)
        return -SIM_EINVAL;
    p->masked = true;
    return 0;
}

int evtchn_unmask(struct evtchn *e, int dom, int port)
{
    struct port *p = port_at(e, dom, port);
    if (!p)
        return -SIM_EINVAL;
    bool was = p->masked;
    p->masked = false;
    if (was && p->pending)
        mark_upcall(e, dom, p->vcpu);
    return 0;
}

int evtchn_consume(struct evtchn *e, int dom, int vcpu, sim_time_t now,
                   struct evtchn_fired *out, int max)
{
    if (!dom_ok(e, dom) || (unsigned)vcpu >= EVTCHN_MAX_VCPUS || max < 0 || (max > 0 && !out))
        return -SIM_EINVAL;
    struct dom *d = &e->dom[dom];
    uint64_t bit = UINT64_C(1) << vcpu;
    d->upcall_pending &= ~bit;
    int n = 0;
    for (int i = 1, left = d->npending; i < d->cap && left > 0; i++) {
        struct port *p = &d->port[i];
        if (!p->pending)
            continue;
        left--;
        if (p->masked || p->vcpu != vcpu)
            continue;
        if (n == max) {
            d->upcall_pending |= bit;   /* more to do; no kick: it is running */
            break;
        }
        sim_time_t lat = now - p->pending_since;
        p->pending = false;
        d->npending--;
        out[n].port = i;
        out[n].latency_ns = lat;
        n++;
        d->st.delivered++;
        d->st.latency_sum_ns += lat;
        if (lat > d->st.latency_max_ns)
            d->st.latency_max_ns = lat;
    }
    return n;
}

bool evtchn_upcall_pending(const struct evtchn *e, int dom, int vcpu)
{
    return dom_ok(e, dom) && (unsigned)vcpu < EVTCHN_MAX_VCPUS
           && (e->dom[dom].upcall_pending >> vcpu & 1);
}

const uint64_t *evtchn_upcall_word(const struct evtchn *e, int dom)
{
    return dom_ok(e, dom) ? &e->dom[dom].upcall_pending : NULL;
}

int evtchn_port_info(const struct evtchn *e, int dom, int port,
                     struct evtchn_port_info *out)
{
    const struct port *p = port_at(e, dom, port);
    if (!p || !out)
        return -SIM_EINVAL;
    out->state = (enum evtchn_state)p->state;
    out->remote_dom = out->remote_port = out->virq = out->pirq = -1;
    if (p->state == EVTCHN_UNBOUND || p->state == EVTCHN_INTERDOMAIN)
        out->remote_dom = p->remote_dom;
    if (p->state == EVTCHN_INTERDOMAIN)
        out->remote_port = p->remote_port;
    if (p->state == EVTCHN_VIRQ)
        out->virq = p->irq;
    if (p->state == EVTCHN_PIRQ)
        out->pirq = p->irq;
    out->vcpu = p->vcpu;
    out->pending = p->pending;
    out->masked = p->masked;
    return 0;
}

int evtchn_get_stats(const struct evtchn *e, int dom, struct evtchn_stats *out)
{
    if (!dom_ok(e, dom) || !out)
        return -SIM_EINVAL;
    *out = e->dom[dom].st;
    return 0;
}
