/*
 * models/net.c: the network split driver (netfront/netback) over
 * models/ioring, models/evtchn and models/nic, the open-loop arrival
 * sources (a server's gap distribution, or a trace domain's arrival
 * records through struct net_arrivals, one event pending at a time), and
 * the driver domain's netback workload.
 *
 * See models/net.h for what is modelled, the sources and the
 * simplifications. A domain's queues (rx and tx rings + channel), one per
 * vCPU whose workload needs one, are consecutive in fronts: a server's, and
 * a trace replay's first vCPU (which alone receives the trace's arrivals)
 * and its vCPUs with net_send records. netback's part of the driver domain's back-end loop
 * (models/backend.h), per queue:
 *   take    a tx request, else a backlogged received packet for which an
 *           rx buffer is posted (tx before rx);
 *   finish  a tx request, its per_request CPU spent, goes to the NIC and is
 *           answered on the tx ring; a received packet fills the rx buffer
 *           taken for it, answered on the rx ring (each push notifies the
 *           guest if the ring says so);
 *   final   the tx ring's request event is re-armed, and the rx ring's if
 *           packets wait for buffers.
 */
#include "models/net.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/metric.h"
#include "models/backend.h"
#include "models/bridge.h"
#include "models/evtchn.h"
#include "models/hv.h"
#include "models/ioring.h"
#include "models/nic.h"
#include "sim/dist.h"
#include "sim/err.h"
#include "sim/tfifo.h"
#include "sim/rng.h"
#include "models/wl.h"

#define NET_LATENCY_EXACT_CAP 8192

struct net_front {                  /* one queue of a (guest, NIC) pair, both ends */
    struct net *n;
    int guest, dev, drv;            /* domain, device, driver-domain indices */
    int vcpu;                       /* the guest vCPU the queue's port is bound to */
    struct nic *nic;                /* borrowed from n */
    struct ring *rx, *tx;
    int gport, dport;               /* guest's and driver's channel ports */
    sim_time_t *rxbuf;              /* [rx slots] ns NIC arrival written per buffer */
    uint32_t rx_slots;
    struct tfifo backlog;           /* ns arrival times of packets awaiting netback */
    uint32_t reply_bytes;           /* B per reply */
    struct dist arrival;            /* ns between arrivals (server) */
    struct rng *arr_rng;            /* server only */
    bool trace;                     /* a trace domain: arrivals from src, no latency */
    struct net_arrivals src;        /* a trace replay's first queue only */
    uint64_t next_bytes;            /* B of the scheduled trace arrival */
    ev_id arr_ev;
    uint64_t nic_rx_n, nic_tx_n;    /* packets in the NIC for this front */
    uint64_t held;                  /* packets netback has paid for, not passed on */
    uint64_t queued;                /* requests in the guest, not replied */
    uint64_t arrived, completed;    /* since creation */
    uint64_t w_rx, w_tx, stalls;    /* in the window */
    struct st_rec *lat;             /* net_latency, ns: the domain's first queue's,
                                       shared by its others */
    bool owns_lat;                  /* the domain's first queue */
};

struct net {
    struct ev_loop *loop;
    struct hv *h;
    const struct scn *s;
    struct evtchn *ev;              /* the host's, borrowed */
    struct nic **nics;              /* [ndevices], NULL if unused */
    struct net_front **fronts;
    int nfronts;
    int *dom_front;                 /* [ndomains] index of its first queue or -1 */
    int *dom_nq;                    /* [ndomains] its queues, consecutive in fronts */
    sim_time_t reset_t;
    int status;                     /* first error in an engine callback */
    net_arrival_fn *arr_obs;        /* arrival observer (--record-trace), or NULL */
    void *arr_obs_ctx;
};

enum { NET_WORK_TX, NET_WORK_RX };  /* be_work.kind */

static void fail(struct net *n, int rc)
{
    if (rc < 0 && !n->status) {
        n->status = rc;
        ev_stop(n->loop);
    }
}

/* Whether vCPU v of domain d gets a queue of its own: its workload needs
 * one (a server's vCPU; the first vCPU of a trace replay, which receives,
 * and its vCPUs that send: multi-queue netfront, docs/split-drivers.md).
 * Each queue is on the NIC its vCPU's workload names. */
static bool has_queue(const struct net *n, int d, int v)
{
    return wl_needs(hv_workload(n->h, d, v)) & WL_NEEDS_NET;
}

/* A domain with a workload that needs the network front end of its NIC. */
static bool uses_net(const struct net *n, int d)
{
    for (int v = 0; v < n->s->domains[d].vcpus; v++)
        if (has_queue(n, d, v))
            return true;
    return false;
}

/* ---- the NIC side ---- */

static void rx_done(const struct nic_pkt *pkt, void *arg)
{
    struct net_front *f = arg;
    f->nic_rx_n--;
    f->w_rx++;
    if (tfifo_push(&f->backlog, (sim_time_t)pkt->id) < 0) {
        fail(f->n, -SIM_ENOMEM);
        return;
    }
    fail(f->n, evtchn_send_pirq(f->n->ev, f->dev, ev_now(f->n->loop)));
}

static void tx_done(const struct nic_pkt *pkt, void *arg)
{
    struct net_front *f = arg;
    f->nic_tx_n--;
    f->w_tx++;
    f->completed++;
    if (pkt->id != NET_NO_REQUEST)
        fail(f->n, st_rec_add(f->lat, ev_now(f->n->loop) - (sim_time_t)pkt->id));
}

static sim_time_t gap_ns(struct net_front *f)
{
    int64_t g = dist_sample_i64(&f->arrival, f->arr_rng);
    return g > 1 ? g : 1;       /* at least 1 ns: the source always advances */
}

/* One packet of bytes arrives at the NIC for f now. */
static void inject(struct net_front *f, uint64_t bytes)
{
    sim_time_t now = ev_now(f->n->loop);
    if (f->n->arr_obs)
        f->n->arr_obs(f->n->arr_obs_ctx, f->guest, f->vcpu, bytes);
    struct nic_pkt p = { .id = (uint64_t)now, .bytes = bytes, .done = rx_done, .arg = f };
    int rc = nic_rx_inject(f->nic, &p);
    if (rc == 0) {
        f->nic_rx_n++;
        f->arrived++;
    }
    fail(f->n, rc);
}

static void arrive(void *arg)
{
    struct net_front *f = arg;
    inject(f, NET_REQUEST_BYTES);
    fail(f->n, ev_at(f->n->loop, ev_now(f->n->loop) + gap_ns(f), arrive, f, &f->arr_ev));
}

/* Trace domains: schedule the source's next arrival, if any (not before
 * now). */
static int trace_schedule(struct net_front *f);

static void trace_arrive(void *arg)
{
    struct net_front *f = arg;
    inject(f, f->next_bytes);
    fail(f->n, trace_schedule(f));
}

static int trace_schedule(struct net_front *f)
{
    if (!f->src.next)
        return 0;
    sim_time_t t;
    uint64_t bytes;
    int rc = f->src.next(f->src.arg, &t, &bytes);
    if (rc <= 0)
        return rc;
    sim_time_t now = ev_now(f->n->loop);
    f->next_bytes = bytes;
    return ev_at(f->n->loop, t > now ? t : now, trace_arrive, f, &f->arr_ev);
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

static int back_take(void *be, struct be_work *w)
{
    struct net_front *f = be;
    if (ring_req_get(f->tx, &w->req) == 0) {
        w->kind = NET_WORK_TX;
    } else if (f->backlog.n && ring_req_get(f->rx, &w->req) == 0) {
        w->kind = NET_WORK_RX;
        w->t = tfifo_pop(&f->backlog);
    } else {
        return 0;
    }
    f->held++;
    return 1;
}

static int back_finish(void *be, const struct be_work *w)
{
    struct net_front *f = be;
    struct net *n = f->n;
    int rc;
    f->held--;
    struct ring_rsp r = { .id = w->req.id, .status = 0 };
    if (w->kind == NET_WORK_TX) {
        struct nic_pkt p = { .id = w->req.payload, .bytes = w->req.size_bytes,
                             .done = tx_done, .arg = f };
        if ((rc = nic_tx_submit(f->nic, &p)) < 0)
            return rc;
        f->nic_tx_n++;
        if ((rc = ring_rsp_put(f->tx, &r)) < 0)
            return rc;
        return push_rsp(n, f, f->tx);
    }
    if (w->req.id >= f->rx_slots)
        return -SIM_ESTATE;
    f->rxbuf[w->req.id] = w->t;
    if ((rc = ring_rsp_put(f->rx, &r)) < 0)
        return rc;
    return push_rsp(n, f, f->rx);
}

static int back_final_check(void *be, bool *more)
{
    struct net_front *f = be;
    return ring_net_final_check(f->tx, f->rx, f->backlog.n != 0, more);
}

static const struct be_ops netback_ops = {
    "netback", NULL, back_take, back_finish, back_final_check
};

/* ---- the front-end interface ---- */

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

/* Put and push a tx packet of bytes, tagged payload. */
static int front_tx(struct net_front *f, uint32_t bytes, uint64_t payload)
{
    struct ring_rsp r;
    while (ring_rsp_get(f->tx, &r) == 0)
        ;
    struct ring_req q = { .id = 0, .size_bytes = bytes, .payload = payload };
    int rc = ring_req_put(f->tx, &q);
    if (rc < 0)
        return rc;
    return front_push_req(f, f->tx);
}

int net_front_reply(struct net_front *f, sim_time_t arrival)
{
    return front_tx(f, f->reply_bytes, (uint64_t)arrival);
}

uint32_t net_front_reply_bytes(const struct net_front *f)
{
    return f->reply_bytes;
}

int net_front_send(struct net_front *f, uint64_t bytes, uint64_t answers)
{
    if (bytes == 0 || bytes > UINT32_MAX
        || (answers != NET_NO_REQUEST && answers > (uint64_t)ev_now(f->n->loop)))
        return -SIM_EINVAL;
    return front_tx(f, (uint32_t)bytes, answers);
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
    tfifo_free(&f->backlog);
    rng_free(f->arr_rng);
    if (f->src.free)
        f->src.free(f->src.arg);
    if (f->owns_lat)
        st_rec_free(f->lat);
    free(f);
}

void net_set_arrival_observer(struct net *n, net_arrival_fn *fn, void *ctx)
{
    if (!n)
        return;
    n->arr_obs = fn;
    n->arr_obs_ctx = fn ? ctx : NULL;
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
    free(n->dom_nq);
    free(n);
}

/* The NIC of the queue of vCPU vcpu of domain d, built on first use with
 * its physical IRQ in its driver domain: 0, or a negative sim_err. */
static int queue_nic(struct net *n, int d, int vcpu, char *err, size_t errlen)
{
    const struct scn *s = n->s;
    const struct scn_workload *wl = scn_vcpu_wl(&s->domains[d], vcpu);
    int k = wl->type == SCN_WL_TRACE ? wl->nic : wl->device;
    const struct scn_device *dev = &s->devices[k];
    if (dev->kind != SCN_DEV_NIC || dev->driver < 0) {
        sim_errmsg(err, errlen, "domain '%s': its device has no driver domain",
                   s->domains[d].name);
        return -SIM_EINVAL;
    }
    if (dev->driver == d) {
        sim_errmsg(err, errlen, "domain '%s': a driver domain cannot run a server or trace "
                   "workload on its own NIC", s->domains[d].name);
        return -SIM_EINVAL;
    }
    if (!n->nics[k]) {
        int port;
        n->nics[k] = nic_new(n->loop, dev, NULL);
        if (!n->nics[k] || evtchn_bind_pirq(n->ev, dev->driver, k, &port) < 0) {
            sim_errmsg(err, errlen, "device '%s': cannot build its NIC", dev->name);
            return -SIM_EINVAL;
        }
    }
    return 0;
}

/* The queue of domain d bound to its vCPU vcpu (its NIC built already):
 * rings, channel (the guest's end bound to vcpu), back end, and, for a
 * server's queue, the arrival source. */
static int build_front(struct net *n, struct be_host *bh, int d, int vcpu,
                       uint32_t replication, char *err, size_t errlen)
{
    const struct scn *s = n->s;
    const struct scn_workload *wl = scn_vcpu_wl(&s->domains[d], vcpu);
    bool trace = wl->type == SCN_WL_TRACE;
    int k = trace ? wl->nic : wl->device;
    const struct scn_device *dev = &s->devices[k];
    bool first = n->dom_nq[d] == 0;
    struct net_front *f = calloc(1, sizeof *f);
    if (!f) {
        sim_errmsg(err, errlen, "out of memory");
        return -SIM_ENOMEM;
    }
    n->fronts[n->nfronts++] = f;
    f->n = n;
    f->guest = d;
    f->vcpu = vcpu;
    f->dev = k;
    f->drv = dev->driver;
    f->nic = n->nics[k];
    f->rx_slots = (uint32_t)dev->ring;
    f->reply_bytes = wl->reply_size > NET_REQUEST_BYTES ? (uint32_t)wl->reply_size
                                                        : NET_REQUEST_BYTES;
    f->trace = trace;
    if (!trace) {
        f->arrival = wl->arrival;
        char name[256];
        /* vCPU 0's stream keeps the name it had when only vCPU 0 served. */
        if (vcpu == 0)
            snprintf(name, sizeof name, "dom:%s/arrival", s->domains[d].name);
        else
            snprintf(name, sizeof name, "dom:%s/vcpu%d/arrival", s->domains[d].name, vcpu);
        f->arr_rng = rng_new(s->seed, replication, name);
    }
    f->rx = ring_new(f->rx_slots, 0);
    f->tx = ring_new(f->rx_slots, 0);
    f->rxbuf = calloc(f->rx_slots, sizeof *f->rxbuf);
    f->owns_lat = first;
    f->lat = first ? st_rec_new(NET_LATENCY_EXACT_CAP) : n->fronts[n->dom_front[d]]->lat;
    if ((!trace && !f->arr_rng) || !f->rx || !f->tx || !f->rxbuf || !f->lat) {
        sim_errmsg(err, errlen, "out of memory");
        return -SIM_ENOMEM;
    }
    if (evtchn_alloc_unbound(n->ev, d, f->drv, &f->gport) < 0
        || (vcpu > 0 && evtchn_bind_vcpu(n->ev, d, f->gport, vcpu) < 0)) {
        sim_errmsg(err, errlen, "domain '%s': cannot connect its event channel",
                   s->domains[d].name);
        return -SIM_ENOSPC;
    }
    /* The loader counts the driver domain's ports for a server workload's
     * queue and a trace replay's first; the replay's queues of other vCPUs
     * are known only now. */
    if (evtchn_bind_interdomain(n->ev, f->drv, d, f->gport, &f->dport) < 0) {
        sim_errmsg(err, errlen, "domain '%s': cannot connect its event channel: its driver "
                   "domain '%s' has no free port (%d a domain)", s->domains[d].name,
                   s->domains[f->drv].name, EVTCHN_MAX_PORTS);
        return -SIM_ENOSPC;
    }
    if (be_attach(bh, f->drv, &netback_ops, f) < 0) {
        sim_errmsg(err, errlen, "out of memory");
        return -SIM_ENOMEM;
    }
    /* The guest posts every rx buffer up front (published, not notified:
     * netback looks at the rx ring when it has a backlog; only a queue
     * with arrivals ever has one). */
    for (uint32_t i = 0; i < f->rx_slots; i++) {
        struct ring_req b = { .id = i, .size_bytes = 0, .payload = 0 };
        if (ring_req_put(f->rx, &b) < 0)
            return -SIM_ESTATE;
    }
    if (ring_req_push(f->rx, NULL) < 0)
        return -SIM_ESTATE;
    /* A trace's arrivals come from its workload (net_front_set_arrivals). */
    int rc = trace ? 0 : ev_at(n->loop, ev_now(n->loop) + gap_ns(f), arrive, f, &f->arr_ev);
    if (rc < 0) {
        sim_errmsg(err, errlen, "out of memory");
        return -SIM_ENOMEM;
    }
    return 0;
}

static int build(struct net *n, struct be_host *bh, uint32_t replication, char *err,
                 size_t errlen)
{
    const struct scn *s = n->s;
    if (s->ndevices > EVTCHN_NR_PIRQS) {
        sim_errmsg(err, errlen, "%s: more devices than physical IRQ lines", s->name);
        return -SIM_EINVAL;
    }
    n->nics = calloc((size_t)s->ndevices + 1, sizeof *n->nics);
    size_t nq = 1;
    for (int d = 0; d < s->ndomains; d++)
        for (int v = 0; v < s->domains[d].vcpus; v++)
            nq += has_queue(n, d, v);
    n->fronts = calloc(nq, sizeof *n->fronts);
    n->dom_front = malloc(((size_t)s->ndomains + 1) * sizeof *n->dom_front);
    n->dom_nq = calloc((size_t)s->ndomains + 1, sizeof *n->dom_nq);
    if (!n->ev || !n->nics || !n->fronts || !n->dom_front || !n->dom_nq) {
        sim_errmsg(err, errlen, "out of memory");
        return -SIM_ENOMEM;
    }
    for (int d = 0; d < s->ndomains; d++)
        n->dom_front[d] = -1;
    for (int d = 0; d < s->ndomains; d++) {
        if (!uses_net(n, d))
            continue;
        n->dom_front[d] = n->nfronts;
        for (int v = 0; v < s->domains[d].vcpus; v++) {
            if (!has_queue(n, d, v))
                continue;
            int rc = queue_nic(n, d, v, err, errlen);
            if (rc < 0)
                return rc;
            rc = build_front(n, bh, d, v, replication, err, errlen);
            if (rc < 0)
                return rc;
            n->dom_nq[d]++;
        }
    }
    return 0;
}

struct net_front *net_front_of(const struct net *n, int dom, int vcpu)
{
    if (!n || dom < 0 || dom >= n->s->ndomains || n->dom_front[dom] < 0)
        return NULL;
    for (int q = 0; q < n->dom_nq[dom]; q++)
        if (n->fronts[n->dom_front[dom] + q]->vcpu == vcpu)
            return n->fronts[n->dom_front[dom] + q];
    return NULL;
}

int net_front_set_arrivals(struct net_front *f, const struct net_arrivals *src)
{
    if (!f || !src || !src->next || !f->trace || f->src.next)
        return -SIM_EINVAL;
    f->src = *src;
    return trace_schedule(f);
}

struct net *net_new(struct ev_loop *loop, struct hv *h, const struct scn *s,
                    struct be_host *bh, uint32_t replication, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!loop || !h || !s || !bh || !hv_evtchn(h)) {
        sim_errmsg(err, errlen, "net_new: missing loop, host, back ends or scenario");
        return NULL;
    }
    struct net *n = calloc(1, sizeof *n);
    if (!n) {
        sim_errmsg(err, errlen, "out of memory");
        return NULL;
    }
    n->loop = loop;
    n->h = h;
    n->s = s;
    n->ev = hv_evtchn(h);
    n->reset_t = ev_now(loop);
    if (build(n, bh, replication, err, errlen) < 0) {
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
        if (f->lat)
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
    out->has_server = true;
    for (int q = 0; q < n->dom_nq[dom]; q++) {
        const struct net_front *f = n->fronts[n->dom_front[dom] + q];
        out->net_packets += f->w_rx + f->w_tx;
        out->requests_completed += f->w_tx;
        out->arrived_total += f->arrived;
        out->completed_total += f->completed;
        out->in_system += f->nic_rx_n + f->backlog.n + f->held + ring_rsps_unconsumed(f->rx)
                          + f->queued + ring_reqs_unconsumed(f->tx) + f->nic_tx_n;
        out->ring_full_stalls += f->stalls;
    }
    sim_time_t w = ev_now(n->loop) - n->reset_t;
    out->requests_per_s = w > 0 ? (double)out->requests_completed * 1e9 / (double)w : 0;
    return 0;
}

struct st_rec *net_dom_latency(struct net *n, int dom)
{
    if (!n || dom < 0 || dom >= n->s->ndomains || n->dom_front[dom] < 0)
        return NULL;
    return n->fronts[n->dom_front[dom]]->lat;
}

int net_report(struct net *n, struct br *br, const struct metric_sink *k)
{
    int rc = 0;
    for (int d = 0; n && d < n->s->ndomains; d++) {
        struct net_dom_stats st;
        struct br_dom_stats vs = { 0 };
        if (net_dom_stats(n, d, &st) < 0 || !st.has_server)
            continue;
        if (br && br_dom_stats(br, d, &vs) < 0)
            return -SIM_EINVAL;
        const char *m = n->s->domains[d].name;
        metric_scalar(k, &rc, d, m, "net_packets",
                      (double)(st.net_packets + vs.rx_packets + vs.tx_packets));
        metric_scalar(k, &rc, d, m, "requests_completed", (double)st.requests_completed);
        metric_scalar(k, &rc, d, m, "requests_per_s", st.requests_per_s);
        metric_stat(k, &rc, d, m, "net_latency", net_dom_latency(n, d));
    }
    for (int dev = 0; n && rc == 0 && dev < n->s->ndevices; dev++)
        if (n->nics[dev])
            rc = nic_report(n->nics[dev], n->s->devices[dev].name, k);
    return rc;
}

int net_dev_stats(struct net *n, int dev, struct nic_stats *out)
{
    if (!n || !out || dev < 0 || dev >= n->s->ndevices)
        return -SIM_EINVAL;
    if (!n->nics[dev])
        return -SIM_ENOENT;
    nic_stats(n->nics[dev], out);
    return 0;
}
