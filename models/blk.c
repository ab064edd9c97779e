/*
 * models/blk.c: the block split driver (blkfront/blkback) over models/ioring,
 * models/evtchn (the host's table, hv_evtchn) and models/disk, with blkback
 * served by the driver domain's back-end loop (models/backend).
 *
 * See models/blk.h for what is modelled, the sources and the
 * simplifications. A trace domain has a queue (ring + channel) per vCPU
 * with block_io records, consecutive in fronts; blkback's part of the
 * loop, per queue:
 *   flush   completed disk requests become responses, pushed, with a
 *           notify of the guest when the ring says so;
 *   take    the next unconsumed request on the ring;
 *   finish  the request, its per_request CPU spent, goes to the disk;
 *   final   the ring's request event is re-armed.
 */
#include "models/blk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/metric.h"
#include "models/backend.h"
#include "models/evtchn.h"
#include "models/hv.h"
#include "sim/err.h"
#include "models/wl.h"

/* Raw io_latency samples kept for exact quantiles per domain. */
#define BLK_LATENCY_EXACT_CAP 8192

struct blk_front {                  /* one queue of a (guest, device) pair, both ends */
    struct blk *b;
    int guest, dev, drv;            /* domain, device, driver-domain indices */
    int vcpu;                       /* the guest vCPU the queue's port is bound to */
    struct ring *ring;
    struct disk *disk;              /* borrowed from b */
    int gport, dport;               /* the guest's and the driver's channel ports */
    sim_time_t *issue_t;            /* [depth] ns engine time each tag was put */
    uint32_t *issue_bytes;          /* [depth] B of each tag */
    int depth;
    uint32_t *done;                 /* FIFO of completed tags, [ring slots] */
    uint32_t done_head, done_n, done_cap;
    uint64_t io_ops, io_bytes, stalls, notifies;
    struct st_rec *lat;             /* io_latency, ns: the domain's first queue's,
                                       shared by its others */
    bool owns_lat;                  /* the domain's first queue */
};

struct blk {
    struct ev_loop *loop;
    struct hv *h;
    const struct scn *s;
    struct evtchn *ev;              /* the host's, borrowed */
    struct disk **disks;            /* [ndevices], NULL if unused */
    struct blk_front **fronts;      /* [nfronts] */
    int nfronts;
    int *dom_front;                 /* [ndomains] index of its first queue in fronts or -1 */
    int *dom_nq;                    /* [ndomains] its queues, consecutive in fronts */
    sim_time_t reset_t;             /* ns engine time of the last reset */
};

/* Whether vCPU k of domain d gets a queue of its own: its workload needs
 * one (an io workload's vCPU; the first vCPU of a trace replay and its
 * vCPUs with block_io records: multi-queue blkfront, docs/split-drivers.md).
 * Each queue is on the disk its vCPU's workload names. */
static bool has_queue(const struct blk *b, int d, int k)
{
    return wl_needs(hv_workload(b->h, d, k)) & WL_NEEDS_BLK;
}

/* A domain with a workload that needs the block front end of its `device`. */
static bool uses_blk(const struct blk *b, int d)
{
    for (int k = 0; k < b->s->domains[d].vcpus; k++)
        if (has_queue(b, d, k))
            return true;
    return false;
}

/* ---- disk completion: the physical IRQ to the driver domain ---- */

static void disk_done(const struct disk_req *req, void *arg)
{
    struct blk_front *f = arg;
    if (f->done_n < f->done_cap) {
        f->done[(f->done_head + f->done_n) % f->done_cap] = (uint32_t)req->id;
        f->done_n++;
    }
    evtchn_send_pirq(f->b->ev, f->dev, ev_now(f->b->loop));
}

/* ---- blkback ---- */

static int back_flush(void *be)
{
    struct blk_front *f = be;
    if (!f->done_n)
        return 0;
    int rc;
    while (f->done_n) {
        struct ring_rsp r = { .id = f->done[f->done_head], .status = 0 };
        f->done_head = (f->done_head + 1) % f->done_cap;
        f->done_n--;
        if ((rc = ring_rsp_put(f->ring, &r)) < 0)
            return rc;
    }
    bool notify = false;
    if ((rc = ring_rsp_push(f->ring, &notify)) < 0)
        return rc;
    return notify ? evtchn_notify(f->b->ev, f->drv, f->dport, ev_now(f->b->loop)) : 0;
}

static int back_take(void *be, struct be_work *w)
{
    struct blk_front *f = be;
    return ring_req_get(f->ring, &w->req) == 0 ? 1 : 0;
}

static int back_finish(void *be, const struct be_work *w)
{
    struct blk_front *f = be;
    struct disk_req dr = { .id = w->req.id,
                           .op = (w->req.payload & 1) ? DISK_WRITE : DISK_READ,
                           .sector = w->req.payload >> 1, .bytes = w->req.size_bytes,
                           .done = disk_done, .arg = f };
    return disk_submit(f->disk, &dr);
}

static int back_final_check(void *be, bool *more)
{
    struct blk_front *f = be;
    return ring_req_final_check(f->ring, more);
}

static const struct be_ops blkback_ops = {
    "blkback", back_flush, back_take, back_finish, back_final_check
};

/* ---- the front-end interface ---- */

int blk_front_put(struct blk_front *f, uint32_t id, enum disk_op op, uint64_t sector,
                  uint32_t bytes)
{
    if (id >= (uint32_t)f->depth)
        return -SIM_EINVAL;
    struct ring_req r = { .id = id, .size_bytes = bytes,
                          .payload = sector << 1 | (op == DISK_WRITE ? 1u : 0u) };
    int rc = ring_req_put(f->ring, &r);
    if (rc < 0)
        return rc;
    f->issue_t[id] = ev_now(f->b->loop);
    f->issue_bytes[id] = bytes;
    return 0;
}

int blk_front_push(struct blk_front *f)
{
    bool notify = false;
    int rc = ring_req_push(f->ring, &notify);
    if (rc < 0 || !notify)
        return rc;
    f->notifies++;
    return evtchn_notify(f->b->ev, f->guest, f->gport, ev_now(f->b->loop));
}

int blk_front_get(struct blk_front *f, uint32_t *id)
{
    struct ring_rsp r;
    int rc = ring_rsp_get(f->ring, &r);
    if (rc < 0)
        return rc;
    if (r.id >= (uint32_t)f->depth)
        return -SIM_ESTATE;
    *id = r.id;
    f->io_ops++;
    f->io_bytes += f->issue_bytes[r.id];
    return st_rec_add(f->lat, ev_now(f->b->loop) - f->issue_t[r.id]);
}

int blk_front_final_check(struct blk_front *f, bool *more)
{
    return ring_rsp_final_check(f->ring, more);
}

void blk_front_stalled(struct blk_front *f)
{
    f->stalls++;
}

uint32_t blk_front_depth(const struct blk_front *f)
{
    return (uint32_t)f->depth;
}

uint64_t blk_front_capacity(const struct blk_front *f)
{
    return disk_capacity(f->disk);
}

/* ---- construction ---- */

static void front_free(struct blk_front *f)
{
    if (!f)
        return;
    ring_free(f->ring);
    free(f->issue_t);
    free(f->issue_bytes);
    free(f->done);
    if (f->owns_lat)
        st_rec_free(f->lat);
    free(f);
}

void blk_free(struct blk *b)
{
    if (!b)
        return;
    for (int i = 0; i < b->nfronts; i++)
        front_free(b->fronts[i]);
    free(b->fronts);
    for (int k = 0; b->disks && k < b->s->ndevices; k++)
        disk_free(b->disks[k]);
    free(b->disks);
    free(b->dom_front);
    free(b->dom_nq);
    free(b);
}

/* The disk of the queue of vCPU vcpu of domain d, built on first use with
 * its physical IRQ in its driver domain: 0, or a negative sim_err. */
static int queue_disk(struct blk *b, int d, int vcpu, uint32_t replication, char *err,
                      size_t errlen)
{
    const struct scn *s = b->s;
    int k = scn_vcpu_wl(&s->domains[d], vcpu)->device;
    const struct scn_device *dev = &s->devices[k];
    if (dev->kind != SCN_DEV_DISK || dev->driver < 0) {
        sim_errmsg(err, errlen, "domain '%s': its device has no driver domain",
                   s->domains[d].name);
        return -SIM_EINVAL;
    }
    if (dev->driver == d) {
        sim_errmsg(err, errlen, "domain '%s': a driver domain cannot run an io or trace "
                   "workload on its own disk",
                   s->domains[d].name);
        return -SIM_EINVAL;
    }
    if (!b->disks[k]) {
        b->disks[k] = disk_new(b->loop, dev, s->seed, replication, NULL);
        int port;
        if (!b->disks[k] || evtchn_bind_pirq(b->ev, dev->driver, k, &port) < 0) {
            sim_errmsg(err, errlen, "device '%s': cannot build its disk", dev->name);
            return -SIM_EINVAL;
        }
    }
    return 0;
}

/* The queue of domain d bound to its vCPU vcpu, after the domain's queues
 * built so far: its ring, its channel (the guest's end bound to vcpu) and
 * its place in the driver domain's back ends. */
static int build_queue(struct blk *b, struct be_host *bh, int d, int vcpu, char *err,
                       size_t errlen)
{
    const struct scn *s = b->s;
    const struct scn_workload *wl = scn_vcpu_wl(&s->domains[d], vcpu);
    int k = wl->device;
    const struct scn_device *dev = &s->devices[k];
    bool first = b->dom_nq[d] == 0;
    struct blk_front *f = calloc(1, sizeof *f);
    if (!f) {
        sim_errmsg(err, errlen, "out of memory");
        return -SIM_ENOMEM;
    }
    b->fronts[b->nfronts++] = f;
    f->b = b;
    f->guest = d;
    f->vcpu = vcpu;
    f->dev = k;
    f->drv = dev->driver;
    f->disk = b->disks[k];
    /* A trace vCPU may keep as many requests in flight as the ring holds. */
    f->depth = wl->type == SCN_WL_IO ? wl->depth : dev->ring;
    f->done_cap = (uint32_t)dev->ring;
    f->ring = ring_new((uint32_t)dev->ring, 0);
    f->issue_t = calloc((size_t)f->depth, sizeof *f->issue_t);
    f->issue_bytes = calloc((size_t)f->depth, sizeof *f->issue_bytes);
    f->done = calloc(f->done_cap, sizeof *f->done);
    f->owns_lat = first;
    f->lat = first ? st_rec_new(BLK_LATENCY_EXACT_CAP) : b->fronts[b->dom_front[d]]->lat;
    if (!f->ring || !f->issue_t || !f->issue_bytes || !f->done || !f->lat) {
        sim_errmsg(err, errlen, "out of memory");
        return -SIM_ENOMEM;
    }
    if (evtchn_alloc_unbound(b->ev, d, f->drv, &f->gport) < 0
        || (vcpu > 0 && evtchn_bind_vcpu(b->ev, d, f->gport, vcpu) < 0)) {
        sim_errmsg(err, errlen, "domain '%s': cannot connect its event channel",
                   s->domains[d].name);
        return -SIM_ENOSPC;
    }
    /* The loader counts the driver domain's ports for an io workload's
     * queue and a trace replay's first; the replay's queues of other vCPUs
     * are known only now. */
    if (evtchn_bind_interdomain(b->ev, f->drv, d, f->gport, &f->dport) < 0) {
        sim_errmsg(err, errlen, "domain '%s': cannot connect its event channel: its driver "
                   "domain '%s' has no free port (%d a domain)", s->domains[d].name,
                   s->domains[f->drv].name, EVTCHN_MAX_PORTS);
        return -SIM_ENOSPC;
    }
    if (be_attach(bh, f->drv, &blkback_ops, f) < 0) {
        sim_errmsg(err, errlen, "out of memory");
        return -SIM_ENOMEM;
    }
    return 0;
}

static int build(struct blk *b, struct be_host *bh, uint32_t replication, char *err,
                 size_t errlen)
{
    const struct scn *s = b->s;
    if (s->ndevices > EVTCHN_NR_PIRQS) {
        sim_errmsg(err, errlen, "%s: more devices than physical IRQ lines", s->name);
        return -SIM_EINVAL;
    }
    size_t nq = 1;
    for (int d = 0; d < s->ndomains; d++)
        for (int k = 0; k < s->domains[d].vcpus; k++)
            nq += has_queue(b, d, k);
    b->disks = calloc((size_t)s->ndevices + 1, sizeof *b->disks);
    b->fronts = calloc(nq, sizeof *b->fronts);
    b->dom_front = malloc(((size_t)s->ndomains + 1) * sizeof *b->dom_front);
    b->dom_nq = calloc((size_t)s->ndomains + 1, sizeof *b->dom_nq);
    if (!b->ev || !b->disks || !b->fronts || !b->dom_front || !b->dom_nq) {
        sim_errmsg(err, errlen, "out of memory");
        return -SIM_ENOMEM;
    }
    for (int d = 0; d < s->ndomains; d++)
        b->dom_front[d] = -1;
    for (int d = 0; d < s->ndomains; d++) {
        if (!uses_blk(b, d))
            continue;
        b->dom_front[d] = b->nfronts;
        for (int v = 0; v < s->domains[d].vcpus; v++) {
            if (!has_queue(b, d, v))
                continue;
            int rc = queue_disk(b, d, v, replication, err, errlen);
            if (rc < 0)
                return rc;
            rc = build_queue(b, bh, d, v, err, errlen);
            if (rc < 0)
                return rc;
            b->dom_nq[d]++;
        }
    }
    return 0;
}

struct blk_front *blk_front_of(const struct blk *b, int dom, int vcpu)
{
    if (!b || dom < 0 || dom >= b->s->ndomains || b->dom_front[dom] < 0)
        return NULL;
    for (int q = 0; q < b->dom_nq[dom]; q++)
        if (b->fronts[b->dom_front[dom] + q]->vcpu == vcpu)
            return b->fronts[b->dom_front[dom] + q];
    return NULL;
}

struct blk *blk_new(struct ev_loop *loop, struct hv *h, const struct scn *s,
                    struct be_host *bh, uint32_t replication, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!loop || !h || !s || !bh || !hv_evtchn(h)) {
        sim_errmsg(err, errlen, "blk_new: missing loop, host, back ends or scenario");
        return NULL;
    }
    struct blk *b = calloc(1, sizeof *b);
    if (!b) {
        sim_errmsg(err, errlen, "out of memory");
        return NULL;
    }
    b->loop = loop;
    b->h = h;
    b->s = s;
    b->ev = hv_evtchn(h);
    b->reset_t = ev_now(loop);
    if (build(b, bh, replication, err, errlen) < 0) {
        blk_free(b);
        return NULL;
    }
    return b;
}

/* ---- statistics ---- */

void blk_stats_reset(struct blk *b)
{
    if (!b)
        return;
    b->reset_t = ev_now(b->loop);
    for (int i = 0; i < b->nfronts; i++) {
        struct blk_front *f = b->fronts[i];
        f->io_ops = f->io_bytes = f->stalls = f->notifies = 0;
        if (f->owns_lat)
            st_rec_reset(f->lat);
    }
    for (int k = 0; k < b->s->ndevices; k++)
        if (b->disks[k])
            disk_stats_reset(b->disks[k]);
}

int blk_dom_stats(struct blk *b, int dom, struct blk_dom_stats *out)
{
    if (!b || !out || dom < 0 || dom >= b->s->ndomains)
        return -SIM_EINVAL;
    *out = (struct blk_dom_stats){ 0 };
    if (b->dom_front[dom] < 0)
        return 0;
    out->has_io = true;
    for (int q = 0; q < b->dom_nq[dom]; q++) {
        const struct blk_front *f = b->fronts[b->dom_front[dom] + q];
        out->io_ops += f->io_ops;
        out->io_bytes += f->io_bytes;
        out->ring_full_stalls += f->stalls;
        out->notifies += f->notifies;
    }
    sim_time_t w = ev_now(b->loop) - b->reset_t;
    out->io_ops_per_s = w > 0 ? (double)out->io_ops * 1e9 / (double)w : 0;
    return 0;
}

struct st_rec *blk_dom_io_latency(struct blk *b, int dom)
{
    if (!b || dom < 0 || dom >= b->s->ndomains || b->dom_front[dom] < 0)
        return NULL;
    return b->fronts[b->dom_front[dom]]->lat;
}

int blk_dev_stats(struct blk *b, int dev, struct disk_stats *out)
{
    if (!b || !out || dev < 0 || dev >= b->s->ndevices)
        return -SIM_EINVAL;
    if (!b->disks[dev])
        return -SIM_ENOENT;
    disk_stats(b->disks[dev], out);
    return 0;
}

int blk_report(struct blk *b, const struct metric_sink *k)
{
    int rc = 0;
    for (int d = 0; b && d < b->s->ndomains; d++) {
        struct blk_dom_stats st;
        if (blk_dom_stats(b, d, &st) < 0 || !st.has_io)
            continue;
        const char *m = b->s->domains[d].name;
        metric_scalar(k, &rc, d, m, "io_ops", (double)st.io_ops);
        metric_scalar(k, &rc, d, m, "io_bytes", (double)st.io_bytes);
        metric_scalar(k, &rc, d, m, "io_ops_per_s", st.io_ops_per_s);
        metric_scalar(k, &rc, d, m, "ring_full_stalls", (double)st.ring_full_stalls);
        metric_stat(k, &rc, d, m, "io_latency", blk_dom_io_latency(b, d));
    }
    for (int dev = 0; b && dev < b->s->ndevices; dev++) {
        struct disk_stats ds;
        if (blk_dev_stats(b, dev, &ds) < 0)
            continue;
        const char *m = b->s->devices[dev].name;
        metric_scalar(k, &rc, METRIC_NO_DOM, m, "utilization", ds.utilization);
        metric_scalar(k, &rc, METRIC_NO_DOM, m, "queue_depth_mean", ds.queue_depth_mean);
        metric_scalar(k, &rc, METRIC_NO_DOM, m, "queue_depth_max", (double)ds.queue_depth_max);
    }
    return rc;
}

struct st_rec *blk_dev_time_in_system(struct blk *b, int dev)
{
    if (!b || dev < 0 || dev >= b->s->ndevices || !b->disks[dev])
        return NULL;
    return disk_time_in_system(b->disks[dev]);
}
