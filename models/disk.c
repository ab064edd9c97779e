/*
 * models/disk.c: a block device (spinning disk or flash) with a FIFO or
 * LOOK-elevator request queue on the event engine. The model, its source
 * (classic seek + rotation + transfer decomposition; the Linux/BSD elevator
 * as LOOK) and its simplifications are described in models/disk.h.
 */
#include "models/disk.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sim/err.h"
#include "sim/rng.h"

struct disk_ent {
    struct disk_req req;
    sim_time_t submitted;       /* ns, engine time of disk_submit */
};

struct disk {
    struct ev_loop *loop;       /* borrowed */
    char *name;
    bool flash;
    sim_time_t latency;         /* ns, fixed per-request overhead (flash) */
    sim_time_t seek_avg;        /* ns, configured mean seek */
    int64_t rpm;                /* rev/min, 0 for flash */
    int64_t bandwidth;          /* bit/s */
    enum scn_queue policy;
    uint64_t capacity;          /* sectors */
    bool random_rotation;
    sim_time_t rot_mean;        /* ns, half a revolution */
    sim_time_t rev;             /* ns, one revolution */
    struct rng *rng;            /* "disk:<name>/seek" */

    uint64_t head;              /* sector after the last one served */
    int dir;                    /* +1 up, -1 down (elevator) */

    struct disk_ent *q;         /* waiting, in submission order */
    size_t nq, capq;
    bool busy;
    struct disk_ent cur;        /* in service when busy */
    bool cur_seq;               /* cur needed no seek */
    int status;                 /* 0 or the error that stopped service */

    /* Statistics window. */
    sim_time_t win_start;       /* ns */
    sim_time_t last;            /* ns, last accounting update */
    sim_time_t busy_ns;
    int64_t area;               /* request-ns */
    uint64_t depth_max;
    uint64_t completed, bytes, reads, writes, sequential;
    struct st_rec *tis;         /* time in system, ns */
};

/* Bring busy time and the depth area up to now. */
static void account(struct disk *d, sim_time_t now)
{
    sim_time_t dt = now - d->last;
    uint64_t n = d->nq + (d->busy ? 1 : 0);
    if (dt > 0) {
        d->area += (int64_t)n * dt;
        if (d->busy)
            d->busy_ns += dt;
    }
    d->last = now;
}

static uint64_t end_sector(const struct disk_req *r)
{
    return r->sector + (r->bytes + DISK_SECTOR_BYTES - 1) / DISK_SECTOR_BYTES;
}

sim_time_t disk_transfer_ns(const struct disk *d, uint64_t bytes)
{
    unsigned __int128 bits = (unsigned __int128)bytes * 8u * (uint64_t)SIM_SEC;
    unsigned __int128 bw = (uint64_t)d->bandwidth;
    return (sim_time_t)((bits * 2 + bw) / (bw * 2));
}

sim_time_t disk_seek_ns(const struct disk *d, uint64_t distance)
{
    if (d->flash || distance == 0)
        return 0;
    double s = (double)d->seek_avg;
    double x = (double)distance / (double)d->capacity;
    if (x > 1.0)
        x = 1.0;
    return (sim_time_t)llround(s / 4.0 + s * 45.0 / 32.0 * sqrt(x));
}

sim_time_t disk_rotation_mean_ns(const struct disk *d)
{
    return d->rot_mean;
}

bool disk_is_flash(const struct disk *d)
{
    return d->flash;
}

uint64_t disk_capacity(const struct disk *d)
{
    return d->capacity;
}

struct disk *disk_new(struct ev_loop *loop, const struct scn_device *cfg,
                      uint64_t master_seed, uint32_t replication,
                      const struct disk_opts *opts)
{
    if (!loop || !cfg || cfg->kind != SCN_DEV_DISK || cfg->bandwidth <= 0 ||
        cfg->rpm < 0 || (cfg->queue != SCN_QUEUE_FIFO && cfg->queue != SCN_QUEUE_ELEVATOR))
        return NULL;
    bool flash = cfg->rpm == 0;
    if (flash ? cfg->latency < 0 : cfg->seek < 0)
        return NULL;
    /* Keep every service time far from overflow: seek and latency below
     * ~292 years / 4. */
    if (cfg->seek > SIM_TIME_MAX / 8 || cfg->latency > SIM_TIME_MAX / 8)
        return NULL;
    struct disk *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    const char *nm = cfg->name ? cfg->name : "disk";
    d->name = strdup(nm);
    size_t len = strlen(nm) + sizeof "disk:/seek";
    char *sname = malloc(len);
    if (sname)
        snprintf(sname, len, "disk:%s/seek", nm);
    d->rng = sname ? rng_new(master_seed, replication, sname) : NULL;
    free(sname);
    d->tis = st_rec_new(0);
    if (!d->name || !d->rng || !d->tis) {
        disk_free(d);
        return NULL;
    }
    d->loop = loop;
    d->flash = flash;
    d->latency = flash ? cfg->latency : 0;
    d->seek_avg = flash ? 0 : cfg->seek;
    d->rpm = cfg->rpm;
    d->bandwidth = cfg->bandwidth;
    d->policy = cfg->queue;
    d->capacity = opts && opts->capacity ? opts->capacity : DISK_CAPACITY_DEFAULT;
    d->random_rotation = opts ? opts->random_rotation : false;
    if (!flash) {
        d->rev = (60 * SIM_SEC + d->rpm / 2) / d->rpm;
        d->rot_mean = (30 * SIM_SEC + d->rpm / 2) / d->rpm;
    }
    d->dir = 1;
    d->win_start = d->last = ev_now(loop);
    return d;
}

void disk_free(struct disk *d)
{
    if (!d)
        return;
    free(d->name);
    rng_free(d->rng);
    st_rec_free(d->tis);
    free(d->q);
    free(d);
}

static sim_time_t service_ns(struct disk *d, const struct disk_req *r, bool *seq)
{
    sim_time_t t = d->latency + disk_transfer_ns(d, r->bytes);
    *seq = true;
    if (d->flash)
        return t;
    uint64_t dist = r->sector > d->head ? r->sector - d->head : d->head - r->sector;
    if (dist == 0)
        return t;
    *seq = false;
    t += disk_seek_ns(d, dist);
    if (d->random_rotation)
        t += (sim_time_t)rng_below(d->rng, (uint64_t)d->rev);
    else
        t += d->rot_mean;
    return t;
}

static void complete(void *arg);

/* Put e in service now. */
static int start(struct disk *d, const struct disk_ent *e)
{
    bool seq;
    sim_time_t svc = service_ns(d, &e->req, &seq);
    int rc = ev_after(d->loop, svc, complete, d, NULL);
    if (rc < 0)
        return rc;
    d->cur = *e;
    d->cur_seq = seq;
    d->busy = true;
    if (e->req.sector < d->head)
        d->dir = -1;
    else if (e->req.sector > d->head)
        d->dir = 1;
    d->head = end_sector(&e->req);
    return 0;
}

/* Index of the next waiting request to serve (nq > 0). */
static size_t pick(struct disk *d)
{
    if (d->policy == SCN_QUEUE_FIFO)
        return 0;
    for (int pass = 0; pass < 2; pass++) {
        size_t best = d->nq;
        for (size_t i = 0; i < d->nq; i++) {
            uint64_t s = d->q[i].req.sector;
            if (d->dir > 0 ? s < d->head : s > d->head)
                continue;
            if (best == d->nq ||
                (d->dir > 0 ? s < d->q[best].req.sector : s > d->q[best].req.sector))
                best = i;
        }
        if (best < d->nq)
            return best;
        d->dir = -d->dir;   /* nothing left this way: reverse (LOOK) */
    }
    return 0;   /* unreachable: one of the two directions holds every request */
}

static void dispatch_next(struct disk *d)
{
    if (d->nq == 0 || d->status < 0)
        return;
    size_t i = pick(d);
    struct disk_ent e = d->q[i];
    int rc = start(d, &e);
    if (rc < 0) {
        d->status = rc;     /* the request stays queued; service has stopped */
        return;
    }
    memmove(&d->q[i], &d->q[i + 1], (d->nq - i - 1) * sizeof *d->q);
    d->nq--;
}

static void complete(void *arg)
{
    struct disk *d = arg;
    sim_time_t now = ev_now(d->loop);
    account(d, now);
    struct disk_ent e = d->cur;
    d->busy = false;
    d->completed++;
    d->bytes += e.req.bytes;
    if (e.req.op == DISK_READ)
        d->reads++;
    else
        d->writes++;
    if (d->cur_seq)
        d->sequential++;
    /* A failed add (out of memory) loses one sample; the counters above stay
     * exact. */
    (void)st_rec_add(d->tis, now - e.submitted);
    dispatch_next(d);
    if (e.req.done)
        e.req.done(&e.req, e.req.arg);
}

int disk_submit(struct disk *d, const struct disk_req *req)
{
    if (!d || !req || req->bytes == 0 || req->bytes > DISK_REQ_MAX_BYTES ||
        req->sector >= d->capacity || end_sector(req) > d->capacity)
        return -SIM_EINVAL;
    if (d->status < 0)
        return -SIM_ESTATE;
    sim_time_t now = ev_now(d->loop);
    struct disk_ent e = { *req, now };
    if (!d->busy) {
        account(d, now);    /* the interval up to now had the old state */
        int rc = start(d, &e);
        if (rc < 0)
            return rc;
    } else {
        if (d->nq == d->capq) {
            size_t cap = d->capq ? d->capq * 2 : 16;
            struct disk_ent *q = realloc(d->q, cap * sizeof *q);
            if (!q)
                return -SIM_ENOMEM;
            d->q = q;
            d->capq = cap;
        }
        account(d, now);
        d->q[d->nq++] = e;
    }
    uint64_t n = disk_in_system(d);
    if (n > d->depth_max)
        d->depth_max = n;
    return 0;
}

int disk_status(const struct disk *d)
{
    return d->status;
}

uint64_t disk_in_system(const struct disk *d)
{
    return d->nq + (d->busy ? 1 : 0);
}

uint64_t disk_waiting(const struct disk *d)
{
    return d->nq;
}

uint64_t disk_head(const struct disk *d)
{
    return d->head;
}

int disk_direction(const struct disk *d)
{
    return d->dir;
}

void disk_stats(const struct disk *d, struct disk_stats *out)
{
    sim_time_t now = ev_now(d->loop);
    sim_time_t dt = now - d->last;
    memset(out, 0, sizeof *out);
    out->elapsed = now - d->win_start;
    out->busy = d->busy_ns + (d->busy ? dt : 0);
    out->depth_area = d->area + (int64_t)disk_in_system(d) * dt;
    if (out->elapsed > 0) {
        out->utilization = (double)out->busy / (double)out->elapsed;
        out->queue_depth_mean = (double)out->depth_area / (double)out->elapsed;
        out->throughput = (double)d->completed * 1e9 / (double)out->elapsed;
    }
    out->queue_depth_max = d->depth_max;
    out->completed = d->completed;
    out->bytes = d->bytes;
    out->reads = d->reads;
    out->writes = d->writes;
    out->sequential = d->sequential;
}

struct st_rec *disk_time_in_system(struct disk *d)
{
    return d->tis;
}

void disk_stats_reset(struct disk *d)
{
    sim_time_t now = ev_now(d->loop);
    d->win_start = d->last = now;
    d->busy_ns = 0;
    d->area = 0;
    d->depth_max = disk_in_system(d);
    d->completed = d->bytes = d->reads = d->writes = d->sequential = 0;
    st_rec_reset(d->tis);
}
