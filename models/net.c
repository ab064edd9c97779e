/*
 * models/net.c: the network split driver (netfront/netback) over
 * models/ioring, models/evtchn and models/nic, the open-loop arrival
 * sources, and the driver domain's netback workload.
 *
 * See models/net.h for what is modelled, the sources and the
 * simplifications. The netback workload, each time the core asks it for an
 * operation:
 *   1. if its upcall is pending: COMPUTE costs.upcall, then consume it;
 *   2. a tx request whose per_request was just spent goes to the NIC and is
 *      answered on the tx ring; a received packet whose per_request was
 *      just spent fills the rx buffer taken for it, answered on the rx
 *      ring (each push notifies the guest if the ring says so);
 *   3. the next work, fronts in round-robin order, tx before rx: a tx
 *      request, or a backlogged packet for which an rx buffer is posted,
 *      costs COMPUTE backend.per_request;
 *   4. with nothing left, the final checks re-arm the tx rings (and the rx
 *      rings of fronts with a backlog), and the vCPU BLOCKs.
 */
#include "models/net.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/evtchn.h"
#include "models/hv.h"
#include "models/ioring.h"
#include "models/nic.h"
#include "sim/dist.h"
#include "sim/err.h"
#include "sim/units.h"
#include "sim/rng.h"
#include "workloads/wl.h"

#define NET_LATENCY_EXACT_CAP 8192

struct net_front {
    struct net *n;
    int guest, dev, drv;            /* domain, device, driver-domain indices */
    struct nic *nic;                /* borrowed from n */
    struct ring *rx, *tx;
    int gport, dport;               /* guest's and driver's channel ports */
    sim_time_t *rxbuf;              /* [rx slots] ns NIC arrival written per buffer */
    uint32_t rx_slots;
    sim_time_t *backlog;            /* FIFO of ns arrival times awaiting netback */
    size_t bl_head, bl_n, bl_cap;
    uint32_t reply_bytes;           /* B per reply */
    struct dist arrival;            /* ns between arrivals */
    struct rng *arr_rng;
    ev_id arr_ev;
    uint64_t nic_rx_n, nic_tx_n;    /* packets in the NIC for this front */
    uint64_t held;                  /* packets netback has paid for, not passed on */
    uint64_t queued;                /* requests in the guest, not replied */
    uint64_t arrived, completed;    /* since creation */
    uint64_t w_rx, w_tx, stalls;    /* in the window */
    struct st_rec *lat;             /* net_latency, ns */
};

struct net {
    struct ev_loop *loop;
    struct hv *h;
    const struct scn *s;
    struct evtchn *ev;
    struct nic **nics;              /* [ndevices], NULL if unused */
    struct net_front **fronts;
    int nfronts;
    int *dom_front;                 /* [ndomains] index or -1 */
    sim_time_t upcall_ns;
    sim_time_t reset_t;
    int status;                     /* first error in an engine callback */
};

struct net_drv {
    struct wl base;
    struct net *n;
    int dom;
    sim_time_t per_request;         /* ns of CPU per packet */
    bool upcall_done;
    struct net_front *f;            /* front of the held packet */
    bool have_tx, have_rx;
    struct ring_req req;            /* the tx request, or the rx buffer */
    sim_time_t rx_t;                /* ns arrival of the held rx packet */
    int rr;
};

static void seterr(char *err, size_t errlen, const char *fmt, const char *a)
{
    if (err && errlen)
        snprintf(err, errlen, fmt, a);
}


static void fail(struct net *n, int rc)
{
    if (rc < 0 && !n->status) {
        n->status = rc;
        ev_stop(n->loop);
    }
}

bool net_needed(const struct scn *s)
{
    for (int d = 0; s && d < s->ndomains; d++)
        if (s->domains[d].wl.type == SCN_WL_SERVER)
            return true;
    return false;
}

static void kick(void *ctx, int dom, int vcpu)
{
    struct net *n = ctx;
    (void)vcpu;
    hv_vcpu_wake(n->h, dom, 0);
}

/* ---- the NIC side ---- */

static void rx_done(const struct nic_pkt *pkt, void *arg)
{
    struct net_front *f = arg;
    f->nic_rx_n--;
    f->w_rx++;
    if (f->bl_n == f->bl_cap) {
        size_t cap = f->bl_cap ? 2 * f->bl_cap : 64;
        sim_time_t *b = malloc(cap * sizeof *b);
        if (!b) {
            fail(f->n, -SIM_ENOMEM);
            return;
        }
        for (size_t i = 0; i < f->bl_n; i++)
            b[i] = f->backlog[(f->bl_head + i) % f->bl_cap];
        free(f->backlog);
        f->backlog = b;
        f->bl_head = 0;
        f->bl_cap = cap;
    }
    f->backlog[(f->bl_head + f->bl_n) % f->bl_cap] = (sim_time_t)pkt->id;
    f->bl_n++;
    fail(f->n, evtchn_send_pirq(f->n->ev, f->dev, ev_now(f->n->loop)));
}

static void tx_done(const struct nic_pkt *pkt, void *arg)
{
    struct net_front *f = arg;
    f->nic_tx_n--;
    f->w_tx++;
    f->completed++;
    fail(f->n, st_rec_add(f->lat, ev_now(f->n->loop) - (sim_time_t)pkt->id));
}

static sim_time_t gap_ns(struct net_front *f)
{
    int64_t g = dist_sample_i64(&f->arrival, f->arr_rng);
    return g > 1 ? g : 1;       /* at least 1 ns: the source always advances */
}

static void arrive(void *arg)
{
    struct net_front *f = arg;
    struct net *n = f->n;
    sim_time_t now = ev_now(n->loop);
    struct nic_pkt p = { .id = (uint64_t)now, .bytes = NET_REQUEST_BYTES,
                         .done = rx_done, .arg = f };
    int rc = nic_rx_inject(f->nic, &p);
    if (rc == 0) {
        f->nic_rx_n++;
        f->arrived++;
    }
    fail(n, rc);
    fail(n, ev_at(n->loop, now + gap_ns(f), arrive, f, &f->arr_ev));
}

/* ---- netback ---- */

static int push_rsp(struct net *n, struct net_front *f, struct ring *r)
{
    bool notify = false;
    int rc = ring_rsp_push(r, &notify);
    if (rc == 0 && notify)
        rc = evtchn_notify(n->ev, f->drv, f->dport, ev_now(n->loop));
    return rc;
}

static int drv_next(struct wl *w, sim_time_t now, struct wl_op *op)
{
    struct net_drv *x = (struct net_drv *)w;
    struct net *n = x->n;
    int rc;
    (void)now;
    if (!x->upcall_done && evtchn_upcall_pending(n->ev, x->dom)) {
        x->upcall_done = true;
        if (n->upcall_ns > 0) {
            *op = (struct wl_op){ .kind = WL_OP_COMPUTE, .ns = n->upcall_ns };
            return 0;
        }
    }
    x->upcall_done = false;
    struct evtchn_fired fired[16];
    do {
        rc = evtchn_consume(n->ev, x->dom, ev_now(n->loop), fired, 16);
    } while (rc == 16);
    if (rc < 0)
        return rc;
    if (x->have_tx) {
        struct net_front *f = x->f;
        x->have_tx = false;
        f->held--;
        struct nic_pkt p = { .id = x->req.payload, .bytes = x->req.size_bytes,
                             .done = tx_done, .arg = f };
        if ((rc = nic_tx_submit(f->nic, &p)) < 0)
            return rc;
        f->nic_tx_n++;
        struct ring_rsp r = { .id = x->req.id, .status = 0 };
        if ((rc = ring_rsp_put(f->tx, &r)) < 0 || (rc = push_rsp(n, f, f->tx)) < 0)
            return rc;
    }
    if (x->have_rx) {
        struct net_front *f = x->f;
        x->have_rx = false;
        f->held--;
        if (x->req.id >= f->rx_slots)
            return -SIM_ESTATE;
        f->rxbuf[x->req.id] = x->rx_t;
        struct ring_rsp r = { .id = x->req.id, .status = 0 };
        if ((rc = ring_rsp_put(f->rx, &r)) < 0 || (rc = push_rsp(n, f, f->rx)) < 0)
            return rc;
    }
    for (;;) {
        for (int k = 0; k < n->nfronts; k++) {
            int i = (x->rr + k) % n->nfronts;
            struct net_front *f = n->fronts[i];
            if (f->drv != x->dom)
                continue;
            if (ring_req_get(f->tx, &x->req) == 0) {
                x->have_tx = true;
            } else if (f->bl_n && ring_req_get(f->rx, &x->req) == 0) {
                x->have_rx = true;
                x->rx_t = f->backlog[f->bl_head];
                f->bl_head = (f->bl_head + 1) % f->bl_cap;
                f->bl_n--;
            } else {
                continue;
            }
            f->held++;
            x->f = f;
            x->rr = (i + 1) % n->nfronts;
            *op = (struct wl_op){ .kind = WL_OP_COMPUTE, .ns = x->per_request };
            return 0;
        }
        bool more = false;
        for (int i = 0; i < n->nfronts; i++) {
            struct net_front *f = n->fronts[i];
            bool m = false;
            if (f->drv != x->dom)
                continue;
            if ((rc = ring_req_final_check(f->tx, &m)) < 0)
                return rc;
            more = more || m;
            if (f->bl_n) {
                if ((rc = ring_req_final_check(f->rx, &m)) < 0)
                    return rc;
                more = more || m;
            }
        }
        if (!more)
            break;
    }
    *op = (struct wl_op){ .kind = WL_OP_BLOCK, .ns = 0 };
    return 0;
}

static void drv_free(struct wl *w)
{
    free(w);
}

static const struct wl_ops drv_ops = { "netback", drv_next, drv_free };

/* ---- the front-end interface ---- */

bool net_front_upcall_pending(const struct net_front *f)
{
    return evtchn_upcall_pending(f->n->ev, f->guest);
}

int net_front_upcall(struct net_front *f)
{
    struct evtchn_fired fired[16];
    int rc;
    do {
        rc = evtchn_consume(f->n->ev, f->guest, ev_now(f->n->loop), fired, 16);
    } while (rc == 16);
    return rc < 0 ? rc : 0;
}

sim_time_t net_front_upcall_ns(const struct net_front *f)
{
    return f->n->upcall_ns;
}

static int front_push_req(struct net_front *f, struct ring *r)
{
    bool notify = false;
    int rc = ring_req_push(r, &notify);
    if (rc == 0 && notify)
        rc = evtchn_notify(f->n->ev, f->guest, f->gport, ev_now(f->n->loop));
    return rc;
}

int net_front_recv(struct net_front *f, sim_time_t *arrival)
{
    struct ring_rsp r;
    int rc = ring_rsp_get(f->rx, &r);
    if (rc < 0)
        return rc;
    if (r.id >= f->rx_slots)
        return -SIM_ESTATE;
    *arrival = f->rxbuf[r.id];
    struct ring_req buf = { .id = r.id, .size_bytes = 0, .payload = 0 };
    if ((rc = ring_req_put(f->rx, &buf)) < 0)
        return rc;
    return front_push_req(f, f->rx);
}

int net_front_reply(struct net_front *f, sim_time_t arrival)
{
    struct ring_rsp r;
    while (ring_rsp_get(f->tx, &r) == 0)
        ;
    struct ring_req q = { .id = 0, .size_bytes = f->reply_bytes, .payload = (uint64_t)arrival };
    int rc = ring_req_put(f->tx, &q);
    if (rc < 0)
        return rc;
    return front_push_req(f, f->tx);
}

int net_front_final_check(struct net_front *f, bool *more)
{
    bool a = false, b = false;
    struct ring_rsp r;
    while (ring_rsp_get(f->tx, &r) == 0)
        ;
    int rc = ring_rsp_final_check(f->rx, &a);
    if (rc == 0)
        rc = ring_rsp_final_check(f->tx, &b);
    *more = a || b;
    return rc;
}

void net_front_stalled(struct net_front *f)
{
    f->stalls++;
}

void net_front_set_queued(struct net_front *f, uint64_t queued)
{
    f->queued = queued;
}

/* ---- construction ---- */

static void front_free(struct net_front *f)
{
    if (!f)
        return;
    ring_free(f->rx);
    ring_free(f->tx);
    free(f->rxbuf);
    free(f->backlog);
    rng_free(f->arr_rng);
    st_rec_free(f->lat);
    free(f);
}

void net_free(struct net *n)
{
    if (!n)
        return;
    for (int i = 0; i < n->nfronts; i++) {
        ev_cancel(n->loop, n->fronts[i]->arr_ev);
        front_free(n->fronts[i]);
    }
    free(n->fronts);
    for (int k = 0; n->nics && k < n->s->ndevices; k++)
        nic_free(n->nics[k]);
    free(n->nics);
    free(n->dom_front);
    evtchn_free(n->ev);
    free(n);
}

static int build_front(struct net *n, int d, uint32_t replication, char *err, size_t errlen)
{
    const struct scn *s = n->s;
    const struct scn_workload *wl = &s->domains[d].wl;
    int k = wl->device;
    const struct scn_device *dev = &s->devices[k];
    if (dev->kind != SCN_DEV_NIC || dev->driver < 0) {
        seterr(err, errlen, "domain '%s': its device has no driver domain", s->domains[d].name);
        return -SIM_EINVAL;
    }
    if (dev->driver == d) {
        seterr(err, errlen, "domain '%s': a driver domain cannot run a server workload",
               s->domains[d].name);
        return -SIM_EINVAL;
    }
    if (!n->nics[k]) {
        int port;
        n->nics[k] = nic_new(n->loop, dev, NULL);
        if (!n->nics[k] || evtchn_bind_pirq(n->ev, dev->driver, k, &port) < 0) {
            seterr(err, errlen, "device '%s': cannot build its NIC", dev->name);
            return -SIM_EINVAL;
        }
    }
    struct net_front *f = calloc(1, sizeof *f);
    if (!f) {
        seterr(err, errlen, "%s", "out of memory");
        return -SIM_ENOMEM;
    }
    n->fronts[n->nfronts] = f;
    n->dom_front[d] = n->nfronts++;
    f->n = n;
    f->guest = d;
    f->dev = k;
    f->drv = dev->driver;
    f->nic = n->nics[k];
    f->rx_slots = (uint32_t)dev->ring;
    f->reply_bytes = wl->reply_size > NET_REQUEST_BYTES ? (uint32_t)wl->reply_size
                                                        : NET_REQUEST_BYTES;
    f->arrival = wl->arrival;
    char name[256];
    snprintf(name, sizeof name, "dom:%s/arrival", s->domains[d].name);
    f->arr_rng = rng_new(s->seed, replication, name);
    f->rx = ring_new(f->rx_slots, 0);
    f->tx = ring_new(f->rx_slots, 0);
    f->rxbuf = calloc(f->rx_slots, sizeof *f->rxbuf);
    f->lat = st_rec_new(NET_LATENCY_EXACT_CAP);
    if (!f->arr_rng || !f->rx || !f->tx || !f->rxbuf || !f->lat) {
        seterr(err, errlen, "%s", "out of memory");
        return -SIM_ENOMEM;
    }
    if (evtchn_alloc_unbound(n->ev, d, f->drv, &f->gport) < 0
        || evtchn_bind_interdomain(n->ev, f->drv, d, f->gport, &f->dport) < 0) {
        seterr(err, errlen, "domain '%s': cannot connect its event channel", s->domains[d].name);
        return -SIM_ENOSPC;
    }
    /* The guest posts every rx buffer up front (published, not notified:
     * netback looks at the rx ring when it has a backlog). */
    for (uint32_t i = 0; i < f->rx_slots; i++) {
        struct ring_req b = { .id = i, .size_bytes = 0, .payload = 0 };
        if (ring_req_put(f->rx, &b) < 0)
            return -SIM_ESTATE;
    }
    if (ring_req_push(f->rx, NULL) < 0)
        return -SIM_ESTATE;
    if (ev_at(n->loop, ev_now(n->loop) + gap_ns(f), arrive, f, &f->arr_ev) < 0) {
        seterr(err, errlen, "%s", "out of memory");
        return -SIM_ENOMEM;
    }
    return 0;
}

static int build(struct net *n, uint32_t replication, char *err, size_t errlen)
{
    const struct scn *s = n->s;
    int nports = 2 + s->ndomains + s->ndevices;
    if (nports > EVTCHN_MAX_PORTS || s->ndevices > EVTCHN_NR_PIRQS) {
        seterr(err, errlen, "%s: too many domains or devices for the event channels", s->name);
        return -SIM_EINVAL;
    }
    n->ev = evtchn_new(s->ndomains, nports, kick, n);
    n->nics = calloc((size_t)s->ndevices + 1, sizeof *n->nics);
    n->fronts = calloc((size_t)s->ndomains + 1, sizeof *n->fronts);
    n->dom_front = malloc(((size_t)s->ndomains + 1) * sizeof *n->dom_front);
    if (!n->ev || !n->nics || !n->fronts || !n->dom_front) {
        seterr(err, errlen, "%s", "out of memory");
        return -SIM_ENOMEM;
    }
    for (int d = 0; d < s->ndomains; d++)
        n->dom_front[d] = -1;
    for (int d = 0; d < s->ndomains; d++) {
        if (s->domains[d].wl.type != SCN_WL_SERVER)
            continue;
        int rc = build_front(n, d, replication, err, errlen);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static bool serves_disk(const struct scn *s, int d)
{
    for (int g = 0; g < s->ndomains; g++) {
        const struct scn_workload *wl = &s->domains[g].wl;
        if (wl->type == SCN_WL_IO && s->devices[wl->device].driver == d)
            return true;
    }
    return false;
}

static int install(struct net *n, uint32_t replication, char *err, size_t errlen)
{
    const struct scn *s = n->s;
    for (int d = 0; d < s->ndomains; d++) {
        bool serves = false;
        for (int i = 0; i < n->nfronts; i++)
            serves = serves || n->fronts[i]->drv == d;
        struct wl *w = NULL;
        if (serves) {
            if (s->domains[d].wl.type != SCN_WL_NONE) {
                seterr(err, errlen, "driver domain '%s': a domain that runs a back end "
                       "cannot have a workload of its own", s->domains[d].name);
                return -SIM_EINVAL;
            }
            if (serves_disk(s, d)) {
                seterr(err, errlen, "driver domain '%s': serving both disks and NICs "
                       "is not supported yet", s->domains[d].name);
                return -SIM_EINVAL;
            }
            struct net_drv *x = calloc(1, sizeof *x);
            if (!x) {
                seterr(err, errlen, "%s", "out of memory");
                return -SIM_ENOMEM;
            }
            x->base.ops = &drv_ops;
            x->n = n;
            x->dom = d;
            x->per_request = s->domains[d].backend_per_request;
            w = &x->base;
        } else if (n->dom_front[d] >= 0) {
            struct wl_env env = { .s = s, .dom = d, .vcpu = 0, .replication = replication };
            w = wl_server_new(&env, n->fronts[n->dom_front[d]], err, errlen);
            if (!w)
                return -SIM_EINVAL;
        } else {
            continue;
        }
        int rc = hv_set_workload(n->h, d, 0, w);
        if (rc < 0) {
            wl_free(w);
            seterr(err, errlen, "domain '%s': cannot install its workload", s->domains[d].name);
            return rc;
        }
    }
    return 0;
}

struct net *net_new(struct ev_loop *loop, struct hv *h, const struct scn *s,
                    uint32_t replication, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!loop || !h || !s) {
        seterr(err, errlen, "%s", "net_new: missing loop, host or scenario");
        return NULL;
    }
    struct net *n = calloc(1, sizeof *n);
    if (!n) {
        seterr(err, errlen, "%s", "out of memory");
        return NULL;
    }
    n->loop = loop;
    n->h = h;
    n->s = s;
    n->upcall_ns = unit_cost_ns(&s->machine.costs.upcall, s->machine.clock.tsc_hz);
    n->reset_t = ev_now(loop);
    if (build(n, replication, err, errlen) < 0 || install(n, replication, err, errlen) < 0) {
        net_free(n);
        return NULL;
    }
    return n;
}

int net_status(const struct net *n)
{
    return n ? n->status : 0;
}

/* ---- statistics ---- */

void net_stats_reset(struct net *n)
{
    if (!n)
        return;
    n->reset_t = ev_now(n->loop);
    for (int i = 0; i < n->nfronts; i++) {
        struct net_front *f = n->fronts[i];
        f->w_rx = f->w_tx = f->stalls = 0;
        st_rec_reset(f->lat);
    }
    for (int k = 0; k < n->s->ndevices; k++)
        if (n->nics[k])
            nic_stats_reset(n->nics[k]);
}

int net_dom_stats(struct net *n, int dom, struct net_dom_stats *out)
{
    if (!n || !out || dom < 0 || dom >= n->s->ndomains)
        return -SIM_EINVAL;
    *out = (struct net_dom_stats){ 0 };
    if (n->dom_front[dom] < 0)
        return 0;
    const struct net_front *f = n->fronts[n->dom_front[dom]];
    sim_time_t w = ev_now(n->loop) - n->reset_t;
    out->has_server = true;
    out->net_packets = f->w_rx + f->w_tx;
    out->requests_completed = f->w_tx;
    out->requests_per_s = w > 0 ? (double)f->w_tx * 1e9 / (double)w : 0;
    out->arrived_total = f->arrived;
    out->completed_total = f->completed;
    out->in_system = f->nic_rx_n + f->bl_n + f->held + ring_rsps_unconsumed(f->rx) + f->queued
                     + ring_reqs_unconsumed(f->tx) + f->nic_tx_n;
    out->ring_full_stalls = f->stalls;
    return 0;
}

struct st_rec *net_dom_latency(struct net *n, int dom)
{
    if (!n || dom < 0 || dom >= n->s->ndomains || n->dom_front[dom] < 0)
        return NULL;
    return n->fronts[n->dom_front[dom]]->lat;
}
