/*
 * models/blk.c: the block split driver (blkfront/blkback) over models/ioring,
 * models/evtchn and models/disk, and the driver domain's back-end workload.
 *
 * See models/blk.h for what is modelled, the sources and the
 * simplifications. The back-end workload of a driver domain, each time the
 * core asks it for an operation:
 *   1. if its upcall is pending: COMPUTE costs.upcall, then clear it and
 *      discard the pending ports (it rescans every back end it serves);
 *   2. a request whose per_request CPU has just been spent goes to the disk;
 *   3. completed disk requests become responses, pushed per ring, with a
 *      notify of the guest when the ring says so;
 *   4. the next unconsumed request (back ends in round-robin order) is taken
 *      and costs COMPUTE backend.per_request;
 *   5. with nothing left, each ring's final check re-arms its event index,
 *      and the vCPU BLOCKs until a notify or physical IRQ kicks it.
 */
#include "models/blk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/evtchn.h"
#include "models/hv.h"
#include "sim/err.h"
#include "sim/units.h"
#include "workloads/wl.h"

/* Raw io_latency samples kept for exact quantiles per domain. */
#define BLK_LATENCY_EXACT_CAP 8192

struct blk_front {                  /* one (guest, device) pair, both ends */
    struct blk *b;
    int guest, dev, drv;            /* domain, device, driver-domain indices */
    struct ring *ring;
    struct disk *disk;              /* borrowed from b */
    int gport, dport;               /* the guest's and the driver's channel ports */
    sim_time_t *issue_t;            /* [depth] ns engine time each tag was put */
    uint32_t *issue_bytes;          /* [depth] B of each tag */
    int depth;
    uint32_t *done;                 /* FIFO of completed tags, [ring slots] */
    uint32_t done_head, done_n, done_cap;
    uint64_t io_ops, io_bytes, stalls, notifies;
    struct st_rec *lat;             /* io_latency, ns */
};

struct blk {
    struct ev_loop *loop;
    struct hv *h;
    const struct scn *s;
    struct evtchn *ev;
    struct disk **disks;            /* [ndevices], NULL if unused */
    struct blk_front **fronts;      /* [nfronts] */
    int nfronts;
    int *dom_front;                 /* [ndomains] index into fronts or -1 */
    sim_time_t upcall_ns;           /* costs.upcall */
    sim_time_t reset_t;             /* ns engine time of the last reset */
};

struct blk_drv {                    /* the driver domain's back-end workload */
    struct wl base;
    struct blk *b;
    int dom;
    sim_time_t per_request;         /* ns of CPU per request */
    bool upcall_done;               /* the upcall's cost has been paid */
    bool have_req;                  /* req (of front f) was paid for, not submitted */
    struct blk_front *f;
    struct ring_req req;
    int rr;                         /* next front to take a request from */
};

static void seterr(char *err, size_t errlen, const char *fmt, const char *a)
{
    if (err && errlen)
        snprintf(err, errlen, fmt, a);
}


bool blk_needed(const struct scn *s)
{
    for (int d = 0; s && d < s->ndomains; d++)
        if (s->domains[d].wl.type == SCN_WL_IO)
            return true;
    return false;
}

static void kick(void *ctx, int dom, int vcpu)
{
    struct blk *b = ctx;
    (void)vcpu;
    hv_vcpu_wake(b->h, dom, 0);
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

/* ---- the back-end workload ---- */

static int drv_next(struct wl *w, sim_time_t now, struct wl_op *op)
{
    struct blk_drv *x = (struct blk_drv *)w;
    struct blk *b = x->b;
    (void)now;
    if (!x->upcall_done && evtchn_upcall_pending(b->ev, x->dom)) {
        x->upcall_done = true;
        if (b->upcall_ns > 0) {
            *op = (struct wl_op){ .kind = WL_OP_COMPUTE, .ns = b->upcall_ns };
            return 0;
        }
    }
    x->upcall_done = false;
    struct evtchn_fired fired[16];
    int rc;
    do {
        rc = evtchn_consume(b->ev, x->dom, ev_now(b->loop), fired, 16);
    } while (rc == 16);
    if (rc < 0)
        return rc;
    if (x->have_req) {
        x->have_req = false;
        struct disk_req dr = { .id = x->req.id,
                               .op = (x->req.payload & 1) ? DISK_WRITE : DISK_READ,
                               .sector = x->req.payload >> 1, .bytes = x->req.size_bytes,
                               .done = disk_done, .arg = x->f };
        rc = disk_submit(x->f->disk, &dr);
        if (rc < 0)
            return rc;
    }
    for (;;) {
        /* Responses of completed requests. */
        for (int i = 0; i < b->nfronts; i++) {
            struct blk_front *f = b->fronts[i];
            if (f->drv != x->dom || !f->done_n)
                continue;
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
            if (notify && (rc = evtchn_notify(b->ev, x->dom, f->dport, ev_now(b->loop))) < 0)
                return rc;
        }
        /* The next request, round robin over the rings served. */
        for (int k = 0; k < b->nfronts; k++) {
            int i = (x->rr + k) % b->nfronts;
            struct blk_front *f = b->fronts[i];
            if (f->drv != x->dom || ring_req_get(f->ring, &x->req) < 0)
                continue;
            x->rr = (i + 1) % b->nfronts;
            x->f = f;
            x->have_req = true;
            *op = (struct wl_op){ .kind = WL_OP_COMPUTE, .ns = x->per_request };
            return 0;
        }
        bool more = false;
        for (int i = 0; i < b->nfronts; i++) {
            struct blk_front *f = b->fronts[i];
            bool m = false;
            if (f->drv == x->dom && (rc = ring_req_final_check(f->ring, &m)) < 0)
                return rc;
            more = more || m;
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

static const struct wl_ops drv_ops = { "blkback", drv_next, drv_free };

/* ---- the front-end interface ---- */

bool blk_front_upcall_pending(const struct blk_front *f)
{
    return evtchn_upcall_pending(f->b->ev, f->guest);
}

int blk_front_upcall(struct blk_front *f)
{
    struct evtchn_fired fired[16];
    int rc;
    do {
        rc = evtchn_consume(f->b->ev, f->guest, ev_now(f->b->loop), fired, 16);
    } while (rc == 16);
    return rc < 0 ? rc : 0;
}

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

uint64_t blk_front_capacity(const struct blk_front *f)
{
    return disk_capacity(f->disk);
}

sim_time_t blk_front_upcall_ns(const struct blk_front *f)
{
    return f->b->upcall_ns;
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
    evtchn_free(b->ev);
    free(b);
}

static int build(struct blk *b, uint32_t replication, char *err, size_t errlen)
{
    const struct scn *s = b->s;
    int nports = 2 + s->ndomains + s->ndevices;
    if (nports > EVTCHN_MAX_PORTS || s->ndevices > EVTCHN_NR_PIRQS) {
        seterr(err, errlen, "%s: too many domains or devices for the event channels", s->name);
        return -SIM_EINVAL;
    }
    b->ev = evtchn_new(s->ndomains, nports, kick, b);
    b->disks = calloc((size_t)s->ndevices + 1, sizeof *b->disks);
    b->fronts = calloc((size_t)s->ndomains + 1, sizeof *b->fronts);
    b->dom_front = malloc(((size_t)s->ndomains + 1) * sizeof *b->dom_front);
    if (!b->ev || !b->disks || !b->fronts || !b->dom_front) {
        seterr(err, errlen, "%s", "out of memory");
        return -SIM_ENOMEM;
    }
    for (int d = 0; d < s->ndomains; d++)
        b->dom_front[d] = -1;
    for (int d = 0; d < s->ndomains; d++) {
        const struct scn_workload *wl = &s->domains[d].wl;
        if (wl->type != SCN_WL_IO)
            continue;
        int k = wl->device;
        const struct scn_device *dev = &s->devices[k];
        if (dev->kind != SCN_DEV_DISK || dev->driver < 0) {
            seterr(err, errlen, "domain '%s': its device has no driver domain", s->domains[d].name);
            return -SIM_EINVAL;
        }
        if (dev->driver == d) {
            seterr(err, errlen, "domain '%s': a driver domain cannot run an io workload",
                   s->domains[d].name);
            return -SIM_EINVAL;
        }
        if (!b->disks[k]) {
            b->disks[k] = disk_new(b->loop, dev, s->seed, replication, NULL);
            int port;
            if (!b->disks[k] || evtchn_bind_pirq(b->ev, dev->driver, k, &port) < 0) {
                seterr(err, errlen, "device '%s': cannot build its disk", dev->name);
                return -SIM_EINVAL;
            }
        }
        struct blk_front *f = calloc(1, sizeof *f);
        if (!f) {
            seterr(err, errlen, "%s", "out of memory");
            return -SIM_ENOMEM;
        }
        b->fronts[b->nfronts] = f;
        b->dom_front[d] = b->nfronts++;
        f->b = b;
        f->guest = d;
        f->dev = k;
        f->drv = dev->driver;
        f->disk = b->disks[k];
        f->depth = wl->depth;
        f->done_cap = (uint32_t)dev->ring;
        f->ring = ring_new((uint32_t)dev->ring, 0);
        f->issue_t = calloc((size_t)f->depth, sizeof *f->issue_t);
        f->issue_bytes = calloc((size_t)f->depth, sizeof *f->issue_bytes);
        f->done = calloc(f->done_cap, sizeof *f->done);
        f->lat = st_rec_new(BLK_LATENCY_EXACT_CAP);
        if (!f->ring || !f->issue_t || !f->issue_bytes || !f->done || !f->lat) {
            seterr(err, errlen, "%s", "out of memory");
            return -SIM_ENOMEM;
        }
        if (evtchn_alloc_unbound(b->ev, d, f->drv, &f->gport) < 0
            || evtchn_bind_interdomain(b->ev, f->drv, d, f->gport, &f->dport) < 0) {
            seterr(err, errlen, "domain '%s': cannot connect its event channel",
                   s->domains[d].name);
            return -SIM_ENOSPC;
        }
    }
    return 0;
}

static int install(struct blk *b, uint32_t replication, char *err, size_t errlen)
{
    const struct scn *s = b->s;
    for (int d = 0; d < s->ndomains; d++) {
        bool serves = false;
        for (int i = 0; i < b->nfronts; i++)
            serves = serves || b->fronts[i]->drv == d;
        struct wl *w = NULL;
        if (serves) {
            if (s->domains[d].wl.type != SCN_WL_NONE) {
                seterr(err, errlen, "driver domain '%s': a domain that runs a back end "
                       "cannot have a workload of its own", s->domains[d].name);
                return -SIM_EINVAL;
            }
            struct blk_drv *x = calloc(1, sizeof *x);
            if (!x) {
                seterr(err, errlen, "%s", "out of memory");
                return -SIM_ENOMEM;
            }
            x->base.ops = &drv_ops;
            x->b = b;
            x->dom = d;
            x->per_request = s->domains[d].backend_per_request;
            w = &x->base;
        } else if (b->dom_front[d] >= 0) {
            struct wl_env env = { .s = s, .dom = d, .vcpu = 0, .replication = replication };
            w = wl_io_new(&env, b->fronts[b->dom_front[d]], err, errlen);
            if (!w)
                return -SIM_EINVAL;
        } else {
            continue;
        }
        int rc = hv_set_workload(b->h, d, 0, w);
        if (rc < 0) {
            wl_free(w);
            seterr(err, errlen, "domain '%s': cannot install its workload", s->domains[d].name);
            return rc;
        }
    }
    return 0;
}

struct blk *blk_new(struct ev_loop *loop, struct hv *h, const struct scn *s,
                    uint32_t replication, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!loop || !h || !s) {
        seterr(err, errlen, "%s", "blk_new: missing loop, host or scenario");
        return NULL;
    }
    struct blk *b = calloc(1, sizeof *b);
    if (!b) {
        seterr(err, errlen, "%s", "out of memory");
        return NULL;
    }
    b->loop = loop;
    b->h = h;
    b->s = s;
    b->upcall_ns = unit_cost_ns(&s->machine.costs.upcall, s->machine.clock.tsc_hz);
    b->reset_t = ev_now(loop);
    if (build(b, replication, err, errlen) < 0 || install(b, replication, err, errlen) < 0) {
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
    const struct blk_front *f = b->fronts[b->dom_front[dom]];
    sim_time_t w = ev_now(b->loop) - b->reset_t;
    out->has_io = true;
    out->io_ops = f->io_ops;
    out->io_bytes = f->io_bytes;
    out->io_ops_per_s = w > 0 ? (double)f->io_ops * 1e9 / (double)w : 0;
    out->ring_full_stalls = f->stalls;
    out->notifies = f->notifies;
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
