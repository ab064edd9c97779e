/*
 * models/bridge.c: vifs on a driver domain's software bridge or on a NIC
 * the hypervisor serves, the guest kernel's echo responder and ping sender
 * (see bridge.h for the model, the sources and the simplifications).
 *
 * A packet is a struct br_pkt: what it is (echo request or reply), who
 * sent it and to whom (BR_WIRE: beyond the NIC), and the time its ping or
 * its arrival at the NIC started it. It lives in the sender's tx slot
 * (txbuf, indexed by the tx request's id), then in the receiver's netback
 * backlog, then in the receiver's rx buffer (rxbuf, indexed by the
 * buffer's id).
 */
#include "models/bridge.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/metric.h"
#include "models/backend.h"
#include "models/evtchn.h"
#include "models/hv.h"
#include "models/ioring.h"
#include "models/net.h"
#include "models/nic.h"
#include "sim/dist.h"
#include "sim/err.h"
#include "sim/rng.h"
#include "sim/tfifo.h"
#include "sim/units.h"

#define BR_WIRE (-1)                /* src/dst beyond the NIC */
#define BR_LATENCY_EXACT_CAP 8192

enum br_kind { BR_ECHO_REQ, BR_ECHO_REPLY };

struct br_pkt {
    enum br_kind kind;
    int src, dst;                   /* domain indices, or BR_WIRE */
    sim_time_t t0;                  /* ns engine time: the ping's send, or the NIC arrival */
    uint32_t bytes;
};

struct pktq {                       /* FIFO of packets, a circular buffer that doubles */
    struct br_pkt *buf;
    size_t head, n, cap;
};

struct br_vif {
    struct br *b;
    int dom, dev, drv;              /* guest, NIC, driver domain (-1: the hypervisor) */
    bool by_hv;
    struct ring *rx, *tx;
    uint32_t slots;
    struct br_pkt *rxbuf, *txbuf;   /* [slots] the packet in each rx buffer, tx slot */
    uint32_t tx_seq;                /* id of the next tx request (mod slots) */
    int gport, dport;               /* the channel (driver-domain NIC), guest and driver ends */
    struct pktq backlog;            /* for this guest, waiting for an rx buffer */
    struct br_pkt cur;              /* the received packet netback is paying for */
    struct pktq hvq;                /* hypervisor-served: arrived, under hv_pcpu_work */
    struct pktq out;                /* the kernel's packets to send, at the upcall's end */
    uint32_t out_ready;             /* of those, how many the upcall's CPU has paid */
    bool stalled;                   /* out waits for tx slots */
    struct hv_kernel kern;
    /* ping */
    bool pinger;
    int target;
    struct dist interval;
    struct rng *ping_rng;
    uint32_t ping_bytes;
    ev_id ping_ev;
    bool due;                       /* a ping fell due, not sent */
    bool sending;                   /* this upcall sends it */
    sim_time_t send_t0;             /* ns, the start of that upcall */
    struct st_rec *rtt;             /* ping_latency, ns */
    /* echo clients */
    bool echo;
    struct dist arrival;
    struct rng *echo_rng;
    uint32_t echo_bytes;
    ev_id echo_ev;
    struct st_rec *echo_lat;        /* net_latency, ns */
    /* window counters */
    uint64_t w_rx, w_tx, w_sent, w_replies, w_answered, w_echo_done, stalls;
};

struct br {
    struct ev_loop *loop;
    struct hv *h;
    const struct scn *s;
    struct evtchn *ev;
    sim_time_t kernel_ns;           /* costs.kernel_packet */
    struct br_vif **vif;            /* [ndomains], NULL if none */
    struct nic **nics;              /* [ndevices], NIC objects of echo clients */
    int status;
};

enum { BR_WORK_TX, BR_WORK_RX };    /* be_work.kind */

/* ---- packet queues ---- */

static int pq_push(struct pktq *q, const struct br_pkt *p)
{
    void *buf = q->buf;
    int rc = tfifo_grow(&buf, sizeof *q->buf, &q->head, q->n, &q->cap, 16);
    if (rc < 0)
        return rc;
    q->buf = buf;
    q->buf[(q->head + q->n) % q->cap] = *p;
    q->n++;
    return 0;
}

static struct br_pkt pq_pop(struct pktq *q)
{
    struct br_pkt p = q->buf[q->head];
    q->head = (q->head + 1) % q->cap;
    q->n--;
    return p;
}

static void fail(struct br *b, int rc)
{
    if (rc < 0 && !b->status) {
        b->status = rc;
        ev_stop(b->loop);
    }
}

bool br_needed(const struct scn *s)
{
    for (int d = 0; s && d < s->ndomains; d++)
        if (s->domains[d].vif >= 0)
            return true;
    return false;
}

/* ---- the back end: netback in a driver domain, or the hypervisor ---- */

/* Publish the responses put on r; tell the guest if the ring says so. */
static int back_push(struct br_vif *v, struct ring *r)
{
    bool notify = false;
    int rc = ring_rsp_push(r, &notify);
    if (rc < 0 || !notify)
        return rc;
    sim_time_t now = ev_now(v->b->loop);
    return v->by_hv ? evtchn_send_virq(v->b->ev, v->dom, EVTCHN_VIRQ_NET, now)
                    : evtchn_notify(v->b->ev, v->drv, v->dport, now);
}

/* Fill one posted rx buffer of v with p (its request taken already). */
static int fill_rx(struct br_vif *v, const struct ring_req *buf, const struct br_pkt *p)
{
    if (buf->id >= v->slots)
        return -SIM_ESTATE;
    v->rxbuf[buf->id] = *p;
    struct ring_rsp r = { .id = buf->id, .status = 0 };
    int rc = ring_rsp_put(v->rx, &r);
    return rc < 0 ? rc : back_push(v, v->rx);
}

static void wire_done(const struct nic_pkt *pkt, void *arg)
{
    struct br_vif *v = arg;
    v->w_echo_done++;
    fail(v->b, st_rec_add(v->echo_lat, ev_now(v->b->loop) - (sim_time_t)pkt->id));
}

/* A tx packet of v, its per_request paid: the response, then the bridge
 * (another vif's backlog) or the wire. */
static int forward(struct br_vif *v, const struct ring_req *req)
{
    struct br *b = v->b;
    if (req->id >= v->slots)
        return -SIM_ESTATE;
    struct br_pkt p = v->txbuf[req->id];
    struct ring_rsp r = { .id = req->id, .status = 0 };
    int rc = ring_rsp_put(v->tx, &r);
    if (rc == 0)
        rc = back_push(v, v->tx);
    if (rc < 0)
        return rc;
    if (p.dst == BR_WIRE) {
        struct nic_pkt np = { .id = (uint64_t)p.t0, .bytes = p.bytes, .done = wire_done,
                              .arg = b->vif[p.src] };
        return nic_tx_submit(b->nics[v->dev], &np);
    }
    struct br_vif *d = p.dst >= 0 && p.dst < b->s->ndomains ? b->vif[p.dst] : NULL;
    if (!d || d->dev != v->dev)
        return -SIM_ESTATE;
    return pq_push(&d->backlog, &p);
}

static int nb_take(void *be, struct be_work *w)
{
    struct br_vif *v = be;
    if (ring_req_get(v->tx, &w->req) == 0) {
        w->kind = BR_WORK_TX;
    } else if (v->backlog.n && ring_req_get(v->rx, &w->req) == 0) {
        w->kind = BR_WORK_RX;
        v->cur = pq_pop(&v->backlog);
    } else {
        return 0;
    }
    return 1;
}

static int nb_finish(void *be, const struct be_work *w)
{
    struct br_vif *v = be;
    return w->kind == BR_WORK_TX ? forward(v, &w->req) : fill_rx(v, &w->req, &v->cur);
}

static int nb_final_check(void *be, bool *more)
{
    struct br_vif *v = be;
    return ring_net_final_check(v->tx, v->rx, v->backlog.n != 0, more);
}

static const struct be_ops vif_netback_ops = {
    "netback-vif", NULL, nb_take, nb_finish, nb_final_check
};

/* Hypervisor-served: fill the posted buffers from the backlog (the
 * demultiplexing cost was paid when each packet arrived). */
static int hv_deliver(struct br_vif *v)
{
    struct ring_req buf;
    while (v->backlog.n && ring_req_get(v->rx, &buf) == 0) {
        struct br_pkt p = pq_pop(&v->backlog);
        int rc = fill_rx(v, &buf, &p);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static void hv_rx_done(void *arg)
{
    struct br_vif *v = arg;
    struct br_pkt p = pq_pop(&v->hvq);
    int rc = pq_push(&v->backlog, &p);
    fail(v->b, rc < 0 ? rc : hv_deliver(v));
}

static void hv_tx_done(void *arg)
{
    struct br_vif *v = arg;
    struct ring_req req;
    int rc = ring_req_get(v->tx, &req);
    fail(v->b, rc < 0 ? rc : forward(v, &req));
}

/* ---- arrivals from the wire ---- */

static void nic_rx_done(const struct nic_pkt *pkt, void *arg)
{
    struct br_vif *v = arg;
    struct br *b = v->b;
    struct br_pkt p = { BR_ECHO_REQ, BR_WIRE, v->dom, (sim_time_t)pkt->id, v->echo_bytes };
    if (v->by_hv) {
        int rc = pq_push(&v->hvq, &p);
        const struct scn_device *dv = &b->s->devices[v->dev];
        fail(b, rc < 0 ? rc : hv_pcpu_work(b->h, dv->irq_cpu, dv->hv_per_request, hv_rx_done, v));
        return;
    }
    int rc = pq_push(&v->backlog, &p);
    fail(b, rc < 0 ? rc : evtchn_send_pirq(b->ev, v->dev, ev_now(b->loop)));
}

static sim_time_t gap(const struct dist *d, struct rng *r)
{
    int64_t g = dist_sample_i64(d, r);
    return g > 1 ? g : 1;
}

static void echo_arrive(void *arg)
{
    struct br_vif *v = arg;
    struct br *b = v->b;
    sim_time_t now = ev_now(b->loop);
    struct nic_pkt p = { .id = (uint64_t)now, .bytes = v->echo_bytes, .done = nic_rx_done,
                         .arg = v };
    fail(b, nic_rx_inject(b->nics[v->dev], &p));
    fail(b, ev_at(b->loop, now + gap(&v->arrival, v->echo_rng), echo_arrive, v, &v->echo_ev));
}

/* ---- the guest kernel ---- */

/* The ping timer: due now; the kernel's timer interrupt is VIRQ_TIMER. */
static void ping_due(void *arg)
{
    struct br_vif *v = arg;
    struct br *b = v->b;
    sim_time_t now = ev_now(b->loop);
    v->due = true;
    int rc = evtchn_send_virq(b->ev, v->dom, EVTCHN_VIRQ_TIMER, now);
    fail(b, rc);
    fail(b, ev_at(b->loop, now + gap(&v->interval, v->ping_rng), ping_due, v, &v->ping_ev));
}

/* Publish the guest's requests on r; tell the back end if the ring says
 * so (the hypervisor needs no notification). */
static int front_push(struct br_vif *v, struct ring *r, bool *notify)
{
    int rc = ring_req_push(r, notify);
    if (rc < 0 || v->by_hv || !*notify)
        return rc;
    return evtchn_notify(v->b->ev, v->dom, v->gport, ev_now(v->b->loop));
}

/* The upcall has taken its ports: take every received packet, and the
 * ping if due; each costs kernel_packet. */
static int64_t k_begin(void *ctx, int dom, int vcpu)
{
    struct br_vif *v = ctx;
    struct br *b = v->b;
    (void)dom;
    if (vcpu != 0)
        return 0;
    sim_time_t now = ev_now(b->loop);
    int64_t n = 0;
    int rc;
    if (v->due) {
        v->due = false;
        v->sending = true;
        v->send_t0 = now;
        n++;
    }
    bool reposted = false;
    for (;;) {
        struct ring_rsp r;
        while (ring_rsp_get(v->rx, &r) == 0) {
            if (r.id >= v->slots)
                return -SIM_ESTATE;
            struct br_pkt p = v->rxbuf[r.id];
            struct ring_req buf = { .id = r.id, .size_bytes = 0, .payload = 0 };
            if ((rc = ring_req_put(v->rx, &buf)) < 0)
                return rc;
            reposted = true;
            v->w_rx++;
            n++;
            if (p.kind == BR_ECHO_REQ) {
                struct br_pkt q = { BR_ECHO_REPLY, dom, p.src, p.t0, p.bytes };
                if ((rc = pq_push(&v->out, &q)) < 0)
                    return rc;
                v->w_answered++;
            } else if (v->rtt) {
                v->w_replies++;
                if ((rc = st_rec_add(v->rtt, now - p.t0)) < 0)
                    return rc;
            }
        }
        bool more = false;
        if ((rc = ring_rsp_final_check(v->rx, &more)) < 0)
            return rc;
        if (!more)
            break;
    }
    if (reposted && !v->by_hv) {
        bool notify = false;
        if ((rc = front_push(v, v->rx, &notify)) < 0)
            return rc;
    } else if (reposted && (rc = ring_req_push(v->rx, NULL)) < 0) {
        return rc;
    }
    /* What the next end sends: everything queued now, stalled or not. */
    v->out_ready = (uint32_t)v->out.n;
    return n * b->kernel_ns;
}

/* Put what the kernel has paid for on the tx ring (as slots allow). */
static int k_send(struct br_vif *v)
{
    struct ring_rsp r;
    int rc;
    uint32_t put = 0;
    for (;;) {
        while (ring_rsp_get(v->tx, &r) == 0)
            ;
        while (v->out_ready && ring_free_slots(v->tx) > 0) {
            struct br_pkt p = pq_pop(&v->out);
            v->out_ready--;
            uint32_t id = v->tx_seq++ % v->slots;
            v->txbuf[id] = p;
            struct ring_req q = { .id = id, .size_bytes = p.bytes, .payload = 0 };
            if ((rc = ring_req_put(v->tx, &q)) < 0)
                return rc;
            put++;
            v->w_tx++;
        }
        if (!v->out_ready) {
            v->stalled = false;
            break;
        }
        if (!v->stalled)
            v->stalls++;
        v->stalled = true;
        bool more = false;      /* re-arm: the next tx response wakes us */
        if ((rc = ring_rsp_final_check(v->tx, &more)) < 0)
            return rc;
        if (!more)
            break;
    }
    if (!put)
        return 0;
    bool notify = false;
    if ((rc = front_push(v, v->tx, &notify)) < 0)
        return rc;
    if (v->by_hv) {             /* the transmit hypercall, on the guest's own pCPU */
        const struct scn_device *dv = &v->b->s->devices[v->dev];
        int p = hv_vcpu_pcpu(v->b->h, v->dom, 0);
        for (uint32_t i = 0; i < put; i++)
            if ((rc = hv_pcpu_work(v->b->h, p, dv->hv_per_request, hv_tx_done, v)) < 0)
                return rc;
    }
    return 0;
}

/* The upcall's CPU is spent: send the ping and the replies. */
static int k_end(void *ctx, int dom, int vcpu)
{
    struct br_vif *v = ctx;
    int rc;
    (void)dom;
    if (vcpu != 0)
        return 0;
    if (v->sending) {
        v->sending = false;
        struct br_pkt p = { BR_ECHO_REQ, v->dom, v->target, v->send_t0, v->ping_bytes };
        if ((rc = pq_push(&v->out, &p)) < 0)
            return rc;
        v->out_ready = (uint32_t)v->out.n;
        v->w_sent++;
    }
    if ((rc = k_send(v)) < 0)
        return rc;
    return v->by_hv ? hv_deliver(v) : 0;
}

/* ---- construction ---- */

static void vif_free(struct br_vif *v)
{
    if (!v)
        return;
    ring_free(v->rx);
    ring_free(v->tx);
    free(v->rxbuf);
    free(v->txbuf);
    free(v->backlog.buf);
    free(v->hvq.buf);
    free(v->out.buf);
    rng_free(v->ping_rng);
    rng_free(v->echo_rng);
    st_rec_free(v->rtt);
    st_rec_free(v->echo_lat);
    free(v);
}

void br_free(struct br *b)
{
    if (!b)
        return;
    for (int d = 0; b->vif && d < b->s->ndomains; d++) {
        struct br_vif *v = b->vif[d];
        if (!v)
            continue;
        ev_cancel(b->loop, v->ping_ev);
        ev_cancel(b->loop, v->echo_ev);
        vif_free(v);
    }
    for (int k = 0; b->nics && k < b->s->ndevices; k++)
        nic_free(b->nics[k]);
    free(b->nics);
    free(b->vif);
    free(b);
}

static struct rng *stream(const struct scn *s, uint32_t repl, int d, const char *what)
{
    char name[256];
    snprintf(name, sizeof name, "dom:%s/%s", s->domains[d].name, what);
    return rng_new(s->seed, repl, name);
}

static int build_vif(struct br *b, struct be_host *bh, int d, uint32_t repl, char *err,
                     size_t errlen)
{
    const struct scn *s = b->s;
    const struct scn_domain *sd = &s->domains[d];
    const struct scn_device *dv = &s->devices[sd->vif];
    struct br_vif *v = calloc(1, sizeof *v);
    if (!v)
        return -SIM_ENOMEM;
    b->vif[d] = v;
    v->b = b;
    v->dom = d;
    v->dev = sd->vif;
    v->by_hv = dv->by_hypervisor;
    v->drv = v->by_hv ? -1 : dv->driver;
    v->slots = (uint32_t)dv->ring;
    v->ping_ev = v->echo_ev = EV_NONE;
    v->rx = ring_new(v->slots, 0);
    v->tx = ring_new(v->slots, 0);
    v->rxbuf = calloc(v->slots, sizeof *v->rxbuf);
    v->txbuf = calloc(v->slots, sizeof *v->txbuf);
    if (!v->rx || !v->tx || !v->rxbuf || !v->txbuf)
        return -SIM_ENOMEM;
    if (v->by_hv) {
        if (evtchn_bind_virq(b->ev, d, EVTCHN_VIRQ_NET, &v->gport) < 0) {
            sim_errmsg(err, errlen, "domain '%s': cannot bind its vif's event", sd->name);
            return -SIM_EINVAL;
        }
    } else if (evtchn_alloc_unbound(b->ev, d, v->drv, &v->gport) < 0
               || evtchn_bind_interdomain(b->ev, v->drv, d, v->gport, &v->dport) < 0) {
        sim_errmsg(err, errlen, "domain '%s': cannot connect its vif's event channel", sd->name);
        return -SIM_ENOSPC;
    } else if (be_attach(bh, v->drv, &vif_netback_ops, v) < 0) {
        return -SIM_ENOMEM;
    }
    /* Every rx buffer posted at boot (published, not notified). */
    for (uint32_t i = 0; i < v->slots; i++) {
        struct ring_req q = { .id = i, .size_bytes = 0, .payload = 0 };
        if (ring_req_put(v->rx, &q) < 0)
            return -SIM_ESTATE;
    }
    if (ring_req_push(v->rx, NULL) < 0)
        return -SIM_ESTATE;
    v->kern = (struct hv_kernel){ k_begin, k_end, v };
    if (hv_set_kernel(b->h, d, &v->kern) < 0)
        return -SIM_EINVAL;
    sim_time_t now = ev_now(b->loop);
    if (sd->ping.set) {
        v->pinger = true;
        v->target = sd->ping.target;
        v->interval = sd->ping.interval;
        v->ping_bytes = (uint32_t)sd->ping.size;
        v->ping_rng = stream(s, repl, d, "ping");
        v->rtt = st_rec_new(BR_LATENCY_EXACT_CAP);
        if (!v->ping_rng || !v->rtt
            || ev_at(b->loop, now + gap(&v->interval, v->ping_rng), ping_due, v, &v->ping_ev) < 0)
            return -SIM_ENOMEM;
    }
    if (sd->echo.set) {
        v->echo = true;
        v->arrival = sd->echo.arrival;
        v->echo_bytes = (uint32_t)sd->echo.size;
        v->echo_rng = stream(s, repl, d, "echo");
        v->echo_lat = st_rec_new(BR_LATENCY_EXACT_CAP);
        if (!v->echo_rng || !v->echo_lat)
            return -SIM_ENOMEM;
        if (!b->nics[v->dev]) {
            int port;
            b->nics[v->dev] = nic_new(b->loop, dv, NULL);
            if (!b->nics[v->dev]
                || (!v->by_hv && evtchn_bind_pirq(b->ev, v->drv, v->dev, &port) < 0)) {
                sim_errmsg(err, errlen, "device '%s': cannot build its NIC", dv->name);
                return -SIM_EINVAL;
            }
        }
        if (ev_at(b->loop, now + gap(&v->arrival, v->echo_rng), echo_arrive, v, &v->echo_ev) < 0)
            return -SIM_ENOMEM;
    }
    return 0;
}

struct br *br_new(struct ev_loop *loop, struct hv *h, const struct scn *s, struct be_host *bh,
                  uint32_t replication, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!loop || !h || !s || !bh || !hv_evtchn(h)) {
        sim_errmsg(err, errlen, "br_new: missing loop, host, back ends or scenario");
        return NULL;
    }
    struct br *b = calloc(1, sizeof *b);
    if (!b) {
        sim_errmsg(err, errlen, "out of memory");
        return NULL;
    }
    b->loop = loop;
    b->h = h;
    b->s = s;
    b->ev = hv_evtchn(h);
    b->kernel_ns = unit_cost_ns(&s->machine.costs.kernel_packet, s->machine.clock.tsc_hz);
    b->vif = calloc((size_t)s->ndomains + 1, sizeof *b->vif);
    b->nics = calloc((size_t)s->ndevices + 1, sizeof *b->nics);
    if (!b->vif || !b->nics) {
        sim_errmsg(err, errlen, "out of memory");
        br_free(b);
        return NULL;
    }
    for (int d = 0; d < s->ndomains; d++) {
        if (s->domains[d].vif < 0)
            continue;
        char msg[256] = "";
        int rc = build_vif(b, bh, d, replication, msg, sizeof msg);
        if (rc < 0) {
            sim_errmsg(err, errlen, "%s", msg[0] ? msg : sim_strerror(rc));
            br_free(b);
            return NULL;
        }
    }
    br_stats_reset(b);
    return b;
}

int br_status(const struct br *b)
{
    return b ? b->status : 0;
}

/* ---- statistics ---- */

void br_stats_reset(struct br *b)
{
    if (!b)
        return;
    for (int d = 0; d < b->s->ndomains; d++) {
        struct br_vif *v = b->vif[d];
        if (!v)
            continue;
        v->w_rx = v->w_tx = v->w_sent = v->w_replies = v->w_answered = v->w_echo_done = 0;
        v->stalls = 0;
        if (v->rtt)
            st_rec_reset(v->rtt);
        if (v->echo_lat)
            st_rec_reset(v->echo_lat);
    }
    for (int k = 0; k < b->s->ndevices; k++)
        if (b->nics[k])
            nic_stats_reset(b->nics[k]);
}

int br_dom_stats(struct br *b, int dom, struct br_dom_stats *out)
{
    if (!b || !out || dom < 0 || dom >= b->s->ndomains)
        return -SIM_EINVAL;
    *out = (struct br_dom_stats){ 0 };
    const struct br_vif *v = b->vif[dom];
    if (!v)
        return 0;
    *out = (struct br_dom_stats){
        .has_vif = true, .pings = v->pinger, .echo = v->echo,
        .rx_packets = v->w_rx, .tx_packets = v->w_tx, .pings_sent = v->w_sent,
        .ping_replies = v->w_replies, .echoes_answered = v->w_answered,
        .echo_completed = v->w_echo_done, .ring_full_stalls = v->stalls,
        .rx_unconsumed = ring_rsps_unconsumed(v->rx), .backlog = v->backlog.n,
    };
    return 0;
}

struct st_rec *br_dom_ping_latency(struct br *b, int dom)
{
    if (!b || dom < 0 || dom >= b->s->ndomains || !b->vif[dom])
        return NULL;
    return b->vif[dom]->rtt;
}

struct st_rec *br_dom_echo_latency(struct br *b, int dom)
{
    if (!b || dom < 0 || dom >= b->s->ndomains || !b->vif[dom])
        return NULL;
    return b->vif[dom]->echo_lat;
}

int br_report(struct br *b, struct net *n, const struct metric_sink *k)
{
    int rc = 0;
    for (int d = 0; b && d < b->s->ndomains; d++) {
        struct br_dom_stats st;
        struct net_dom_stats ns = { 0 };
        if (br_dom_stats(b, d, &st) < 0 || !st.has_vif)
            continue;
        if (n && net_dom_stats(n, d, &ns) == 0 && ns.has_server)
            continue;       /* net_report counted its packets with the server's */
        const char *m = b->s->domains[d].name;
        metric_scalar(k, &rc, d, m, "net_packets", (double)(st.rx_packets + st.tx_packets));
        metric_scalar(k, &rc, d, m, "ring_full_stalls", (double)st.ring_full_stalls);
        if (st.pings) {
            metric_scalar(k, &rc, d, m, "pings_sent", (double)st.pings_sent);
            metric_stat(k, &rc, d, m, "ping_latency", br_dom_ping_latency(b, d));
        }
        if (st.echo) {
            double w = (double)b->s->duration;
            metric_scalar(k, &rc, d, m, "requests_completed", (double)st.echo_completed);
            metric_scalar(k, &rc, d, m, "requests_per_s",
                          w > 0 ? (double)st.echo_completed * 1e9 / w : 0);
            metric_stat(k, &rc, d, m, "net_latency", br_dom_echo_latency(b, d));
        }
    }
    for (int dev = 0; b && rc == 0 && dev < b->s->ndevices; dev++)
        if (b->nics[dev])
            rc = nic_report(b->nics[dev], b->s->devices[dev].name, k);
    return rc;
}

int br_dev_stats(struct br *b, int dev, struct nic_stats *out)
{
    if (!b || !out || dev < 0 || dev >= b->s->ndevices)
        return -SIM_EINVAL;
    if (!b->nics[dev])
        return -SIM_ENOENT;
    nic_stats(b->nics[dev], out);
    return 0;
}
