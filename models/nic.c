/*
 * models/nic.c: a full-duplex NIC on the event engine: per-direction FIFO
 * queues serialised at the line rate, a fixed wire latency on transmit. The
 * model, its source (transmission + propagation delay of the textbook link
 * model) and its simplifications are described in models/nic.h.
 */
#include "models/nic.h"

#include <stdlib.h>
#include <string.h>
#include "sim/metric.h"
#include "sim/err.h"
#include "sim/tfifo.h"

struct nic_ent {
    struct nic_pkt pkt;
    sim_time_t submitted;       /* ns, engine time of submit/inject */
};

/* A growable FIFO ring of entries. */
struct nic_fifo {
    struct nic_ent *buf;
    size_t head, n, cap;
};

struct nic;

/* One direction: a queue served by one serialiser. */
struct nic_q {
    struct nic *nic;            /* owner, the event argument */
    enum nic_dir dir;
    struct nic_fifo wait;       /* waiting, in submission order */
    bool busy;
    struct nic_ent cur;         /* being serialised when busy */

    /* Statistics window. */
    sim_time_t last;            /* ns, last accounting update */
    sim_time_t busy_ns;
    int64_t area;               /* packet-ns */
    uint64_t depth_max;
    uint64_t packets, bytes, delivered, dropped;
    struct st_rec *sojourn;     /* ns, submit to end of serialisation */
    struct st_rec *delay;       /* ns, submit to callback */
};

struct nic {
    struct ev_loop *loop;       /* borrowed */
    char *name;
    int64_t bandwidth;          /* bit/s */
    sim_time_t latency;         /* ns, one-way wire latency (transmit) */
    uint64_t max_queue;         /* packets per direction, 0: unbounded */
    nic_done_fn *rx_fn;
    void *rx_arg;
    struct nic_q q[2];          /* NIC_TX, NIC_RX */
    struct nic_fifo wire;       /* transmitted, in flight, in order */
    int status;                 /* 0 or the error that stopped service */
    sim_time_t win_start;       /* ns */
};

static int fifo_push(struct nic_fifo *f, const struct nic_ent *e)
{
    void *buf = f->buf;
    int rc = tfifo_grow(&buf, sizeof *f->buf, &f->head, f->n, &f->cap, 16);
    if (rc < 0)
        return rc;
    f->buf = buf;
    f->buf[(f->head + f->n) % f->cap] = *e;
    f->n++;
    return 0;
}

static struct nic_ent fifo_pop(struct nic_fifo *f)
{
    struct nic_ent e = f->buf[f->head];
    f->head = (f->head + 1) % f->cap;
    f->n--;
    return e;
}

static uint64_t in_system(const struct nic_q *q)
{
    return q->wait.n + (q->busy ? 1 : 0);
}

/* Bring busy time and the depth area of q up to now. */
static void account(struct nic_q *q, sim_time_t now)
{
    sim_time_t dt = now - q->last;
    if (dt > 0) {
        q->area += (int64_t)in_system(q) * dt;
        if (q->busy)
            q->busy_ns += dt;
    }
    q->last = now;
}

sim_time_t nic_serialise_ns(const struct nic *n, uint64_t bytes)
{
    unsigned __int128 bits = (unsigned __int128)bytes * 8u * (uint64_t)SIM_SEC;
    unsigned __int128 bw = (uint64_t)n->bandwidth;
    return (sim_time_t)((bits * 2 + bw) / (bw * 2));
}

sim_time_t nic_latency_ns(const struct nic *n)
{
    return n->latency;
}

int64_t nic_bandwidth(const struct nic *n)
{
    return n->bandwidth;
}

struct nic *nic_new(struct ev_loop *loop, const struct scn_device *cfg,
                    const struct nic_opts *opts)
{
    if (!loop || !cfg || cfg->kind != SCN_DEV_NIC || cfg->bandwidth <= 0 ||
        cfg->latency < 0 || cfg->latency > SIM_TIME_MAX / 8)
        return NULL;
    struct nic *n = calloc(1, sizeof *n);
    if (!n)
        return NULL;
    n->name = strdup(cfg->name ? cfg->name : "nic");
    bool ok = n->name != NULL;
    for (int d = 0; d < 2; d++) {
        n->q[d].nic = n;
        n->q[d].dir = (enum nic_dir)d;
        n->q[d].sojourn = st_rec_new(0);
        n->q[d].delay = st_rec_new(0);
        ok = ok && n->q[d].sojourn && n->q[d].delay;
    }
    if (!ok) {
        nic_free(n);
        return NULL;
    }
    n->loop = loop;
    n->bandwidth = cfg->bandwidth;
    n->latency = cfg->latency;
    if (opts) {
        n->max_queue = opts->max_queue;
        n->rx_fn = opts->rx;
        n->rx_arg = opts->rx_arg;
    }
    n->win_start = n->q[0].last = n->q[1].last = ev_now(loop);
    return n;
}

void nic_free(struct nic *n)
{
    if (!n)
        return;
    free(n->name);
    for (int d = 0; d < 2; d++) {
        st_rec_free(n->q[d].sojourn);
        st_rec_free(n->q[d].delay);
        free(n->q[d].wait.buf);
    }
    free(n->wire.buf);
    free(n);
}

static void tx_done(void *arg);
static void rx_done(void *arg);
static void wire_arrive(void *arg);

/* Put e in serialisation now on q. */
static int start(struct nic_q *q, const struct nic_ent *e)
{
    struct nic *n = q->nic;
    sim_time_t ser = nic_serialise_ns(n, e->pkt.bytes);
    int rc = ev_after(n->loop, ser, q->dir == NIC_TX ? tx_done : rx_done, n, NULL);
    if (rc < 0)
        return rc;
    q->cur = *e;
    q->busy = true;
    return 0;
}

static void start_next(struct nic_q *q)
{
    if (q->wait.n == 0 || q->nic->status < 0)
        return;
    struct nic_ent e = q->wait.buf[q->wait.head];
    int rc = start(q, &e);
    if (rc < 0) {
        q->nic->status = rc;    /* the packet stays queued; service has stopped */
        return;
    }
    (void)fifo_pop(&q->wait);
}

/* End of serialisation on q: record it, start the next, return the packet. */
static struct nic_ent finish(struct nic_q *q)
{
    sim_time_t now = ev_now(q->nic->loop);
    account(q, now);
    struct nic_ent e = q->cur;
    q->busy = false;
    q->packets++;
    q->bytes += e.pkt.bytes;
    /* A failed add (out of memory) loses one sample; the counters stay exact. */
    (void)st_rec_add(q->sojourn, now - e.submitted);
    start_next(q);
    return e;
}

static void deliver(struct nic_q *q, const struct nic_ent *e, nic_done_fn *fn, void *arg)
{
    q->delivered++;
    (void)st_rec_add(q->delay, ev_now(q->nic->loop) - e->submitted);
    if (fn)
        fn(&e->pkt, arg);
}

static void tx_done(void *arg)
{
    struct nic *n = arg;
    struct nic_ent e = finish(&n->q[NIC_TX]);
    int rc = fifo_push(&n->wire, &e);
    if (rc == 0) {
        rc = ev_after(n->loop, n->latency, wire_arrive, n, NULL);
        if (rc < 0)
            n->wire.n--;        /* undo the push: the packet is lost */
    }
    if (rc < 0)
        n->status = rc;
}

static void wire_arrive(void *arg)
{
    struct nic *n = arg;
    struct nic_ent e = fifo_pop(&n->wire);
    deliver(&n->q[NIC_TX], &e, e.pkt.done, e.pkt.arg);
}

static void rx_done(void *arg)
{
    struct nic *n = arg;
    struct nic_ent e = finish(&n->q[NIC_RX]);
    if (e.pkt.done)
        deliver(&n->q[NIC_RX], &e, e.pkt.done, e.pkt.arg);
    else
        deliver(&n->q[NIC_RX], &e, n->rx_fn, n->rx_arg);
}

static int submit(struct nic *n, enum nic_dir dir, const struct nic_pkt *pkt)
{
    if (!n || !pkt || pkt->bytes == 0 || pkt->bytes > NIC_PKT_MAX_BYTES)
        return -SIM_EINVAL;
    if (n->status < 0)
        return -SIM_ESTATE;
    struct nic_q *q = &n->q[dir];
    if (n->max_queue && in_system(q) >= n->max_queue) {
        q->dropped++;
        return -SIM_ENOSPC;
    }
    sim_time_t now = ev_now(n->loop);
    struct nic_ent e = { *pkt, now };
    if (!q->busy) {
        account(q, now);        /* the interval up to now had the old state */
        int rc = start(q, &e);
        if (rc < 0)
            return rc;
    } else {
        if (q->wait.n == q->wait.cap) {
            /* Grow before accounting so that a failure changes nothing. */
            int rc = fifo_push(&q->wait, &e);
            if (rc < 0)
                return rc;
            q->wait.n--;
        }
        account(q, now);
        (void)fifo_push(&q->wait, &e);  /* room is there: cannot fail */
    }
    uint64_t k = in_system(q);
    if (k > q->depth_max)
        q->depth_max = k;
    return 0;
}

int nic_tx_submit(struct nic *n, const struct nic_pkt *pkt)
{
    return submit(n, NIC_TX, pkt);
}

int nic_rx_inject(struct nic *n, const struct nic_pkt *pkt)
{
    return submit(n, NIC_RX, pkt);
}

int nic_status(const struct nic *n)
{
    return n->status;
}

uint64_t nic_in_system(const struct nic *n, enum nic_dir dir)
{
    return in_system(&n->q[dir]);
}

uint64_t nic_waiting(const struct nic *n, enum nic_dir dir)
{
    return n->q[dir].wait.n;
}

uint64_t nic_in_flight(const struct nic *n)
{
    return n->wire.n;
}

static void dir_stats(const struct nic *n, const struct nic_q *q, sim_time_t now,
                      struct nic_dir_stats *out)
{
    sim_time_t dt = now - q->last;
    memset(out, 0, sizeof *out);
    out->elapsed = now - n->win_start;
    out->busy = q->busy_ns + (q->busy ? dt : 0);
    out->depth_area = q->area + (int64_t)in_system(q) * dt;
    if (out->elapsed > 0) {
        double el = (double)out->elapsed;
        out->utilization = (double)out->busy / el;
        out->queue_depth_mean = (double)out->depth_area / el;
        out->throughput = (double)q->packets * 1e9 / el;
        out->bit_rate = (double)q->bytes * 8e9 / el;
    }
    out->queue_depth_max = q->depth_max;
    out->packets = q->packets;
    out->bytes = q->bytes;
    out->delivered = q->delivered;
    out->dropped = q->dropped;
}

void nic_stats(const struct nic *n, struct nic_stats *out)
{
    sim_time_t now = ev_now(n->loop);
    dir_stats(n, &n->q[NIC_TX], now, &out->tx);
    dir_stats(n, &n->q[NIC_RX], now, &out->rx);
}

int nic_report(const struct nic *n, const char *module, const struct metric_sink *k)
{
    struct nic_stats ns;
    nic_stats(n, &ns);
    int rc = 0;
    metric_scalar(k, &rc, METRIC_NO_DOM, module, "utilization", ns.tx.utilization);
    metric_scalar(k, &rc, METRIC_NO_DOM, module, "queue_depth_mean", ns.tx.queue_depth_mean);
    metric_scalar(k, &rc, METRIC_NO_DOM, module, "queue_depth_max",
                  (double)ns.tx.queue_depth_max);
    return rc;
}

struct st_rec *nic_sojourn(struct nic *n, enum nic_dir dir)
{
    return n->q[dir].sojourn;
}

struct st_rec *nic_delay(struct nic *n, enum nic_dir dir)
{
    return n->q[dir].delay;
}

void nic_stats_reset(struct nic *n)
{
    sim_time_t now = ev_now(n->loop);
    n->win_start = now;
    for (int d = 0; d < 2; d++) {
        struct nic_q *q = &n->q[d];
        q->last = now;
        q->busy_ns = 0;
        q->area = 0;
        q->depth_max = in_system(q);
        q->packets = q->bytes = q->delivered = q->dropped = 0;
        st_rec_reset(q->sojourn);
        st_rec_reset(q->delay);
    }
}
