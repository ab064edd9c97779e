/*
 * workloads/trace.c: the `trace` workload: a vCPU replays the closed-loop
 * demand recorded for it in a native trace (traces/trace.h), through the
 * models for its I/O and page-table records, and the domain's open-loop
 * arrivals reach its NIC at their timestamps.
 *
 * Mapping: the scenario domain replays the trace's domain of the same
 * name, or, if the trace has only one domain, that one; the vCPUs that
 * replay the file take the trace's vCPUs in order (scn_trace_rank: with
 * one workload for the domain, vCPU k replays trace vCPU k; with a list,
 * the k-th vCPU listed with this file replays trace vCPU k), each its
 * records in file order. Each time the vCPU asks for
 * its next operation it first takes every block response and received
 * packet there is, then performs records until one hands the CPU back:
 *   compute a   COMPUTE a ns (it takes as long as the scheduler lets it);
 *   sleep a     SLEEP until NOW() + a (relative, so a replay that is
 *               delayed stays delayed, as a real guest's timer would); an
 *               event that wakes the vCPU earlier is taken and the vCPU
 *               sleeps on to the deadline (unless within the timer slop);
 *   wait a      BLOCK until an event (a block response, a packet), or, if
 *               a > 0, SLEEP until NOW() + a, which any event ends early;
 *   yield       YIELD;
 *   block_submit  (with `device: DISK`) a request of a bytes at sector b
 *               (modulo the disk's size), read or write, put on the vCPU's
 *               queue of the domain's block front end (models/blk.h: tags
 *               up to the ring's slots) and left in flight: the vCPU goes
 *               on (io_ops, io_bytes and io_latency are the front end's,
 *               summed over its queues, as for an io domain); a full ring
 *               makes it BLOCK until a slot frees;
 *   block_io    the same, then BLOCK until that request's response;
 *   pt_batch    one mmu_update of a entries, the first b of them mapping
 *               a frame the domain does not own (rejected), built and
 *               costed by the mm batcher the mmu workload uses
 *               (workloads/wl.h): COMPUTE hypercall + a * pte_validate, then
 *               the batch is validated and applied;
 *   net_send    (with `nic: NIC`) a packet of a bytes put on the tx ring
 *               of the vCPU's netfront queue (models/net.h); the vCPU goes
 *               on at once, or BLOCKs while the tx ring is full;
 *   net_reply   the same, answering the oldest packet this vCPU received
 *               and has not answered yet: its time on the wire minus that
 *               packet's NIC arrival is a net_latency sample, as a
 *               server's reply;
 *   arrival     not an operation: the workload of the vCPU it names hands
 *               models/net its arrivals (net_front_set_arrivals, read by
 *               their own streamed reader), which injects each at the NIC
 *               at its timestamp (plus, when looping, the trace's last
 *               record time per pass) for that vCPU's queue.
 * Requests put are pushed (the back end notified if the ring asks) once,
 * before the vCPU gives up the CPU. The rings' response events are re-armed
 * only when the vCPU goes idle (sleep, wait, block), as the io and server
 * workloads do: a packet or response that comes while the vCPU computes is
 * taken at its next operation, without an upcall. With this, a recording
 * of the io, server and mmu workloads (traces/record.h) replays exactly.
 * At the end of the trace the vCPU loops back to the first record if
 * `loop: true`, else it blocks for good. The whole trace is read once when
 * the workload is built, so a damaged file, a domain that is not in it, or
 * records this replay cannot perform (block_io without a device, network
 * records without a nic, oversized requests or packets) are refused before
 * the run starts, with the reader's message (byte offset or line) or the
 * record's time, vCPU and kind. What the records need is told through the
 * workload interface (trace_needs: a block queue per vCPU that issues block
 * I/O, and the first replaying vCPU's; a network queue per vCPU that sends
 * or receives, and the first's; the memory for page-table batches) and
 * handed to the
 * workload once built (trace_attach); this file knows the front ends'
 * interfaces, the models do not know the trace format.
 *
 * Source: DESIGN.md section 4 (`trace` workload).
 *
 * Simplified: the time stamps of closed-loop records are not used (only
 * their order); the guest's
 * CPU cost of building a block request or a packet, or of receiving one,
 * is not modelled (as for the io and server workloads); a net_reply with
 * no packet waiting answers nothing (no net_latency sample); the guest's
 * queue of received packets is kept only if the trace has net_reply
 * records, and is unbounded, as the server's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/blk.h"
#include "models/mm.h"
#include "models/net.h"
#include "sim/err.h"
#include "sim/tfifo.h"
#include "traces/trace.h"
#include "workloads/wl.h"

/* Largest pt_batch replayed (entries in one mmu_update). */
#define TRACE_PT_MAX (1 << 20)
/* Largest packet sent or received (B). */
#define TRACE_NET_MAX 65536

struct wl_trace {
    struct wl base;
    struct tr_reader *r;            /* streamed: one block in memory */
    int tdom;                       /* the trace's domain index */
    int vcpu;                       /* the trace's vCPU index (scn_trace_rank) */
    bool first;                     /* it replays trace vCPU 0: holds the replay's
                                       first queues, receives its arrivals */
    bool loop;
    uint64_t mine;                  /* records for this vCPU in the whole trace */
    bool done;                      /* end of a non-looping trace */
    struct wl_env env;              /* for the mm batcher's stream */
    bool has_io, has_pt;            /* this vCPU has block / pt_batch records */
    bool has_send, has_reply;       /* ... net_send or net_reply / net_reply records */
    bool has_arrival;               /* ... arrivals for its queue */
    /* Block I/O (its queue, attached by models/blk): tags 0 .. depth-1. */
    struct blk_front *f;
    uint32_t depth;
    bool *busy;                     /* [depth] tag in flight */
    bool pushed;                    /* every request put has been pushed */
    bool sync;                      /* a block_io waits for tag sync_id */
    uint32_t sync_id;
    bool io_out;                    /* a block request found the ring full: io_rec */
    struct tr_record io_rec;
    /* Page tables (attached by models/mm). */
    struct wl_mmbatch mb;
    bool mm_ready;
    /* Network (its queue, attached by models/net). */
    struct net_front *nf;
    bool send_out;                  /* a send or reply waits for a tx slot: send_rec */
    struct tr_record send_rec;
    struct tfifo rq;                /* ns NIC arrival times not replied (has_reply) */
    /* An uninterruptible sleep (a `sleep` record) in progress. */
    bool sleeping;
    sim_time_t sleep_until;         /* ns NOW() */
};

/* Take every block response and received packet there is. */
static int take_events(struct wl_trace *x)
{
    int rc;
    if (x->f) {
        uint32_t id;
        while ((rc = blk_front_get(x->f, &id)) == 0) {
            if (id >= x->depth || !x->busy[id])
                return -SIM_ESTATE;
            x->busy[id] = false;
            if (x->sync && id == x->sync_id)
                x->sync = false;
        }
        if (rc != -SIM_ENOENT)
            return rc;
    }
    if (x->nf) {
        sim_time_t t;
        while ((rc = net_front_recv(x->nf, &t)) == 0)
            if (x->has_reply && (rc = tfifo_push(&x->rq, t)) < 0)
                return rc;
        if (rc != -SIM_ENOENT)
            return rc;
    }
    return 0;
}

/* Before the vCPU goes idle: re-arm the rings' response events, taking
 * what came meanwhile; *got if anything did. */
static int rearm(struct wl_trace *x, bool *got)
{
    *got = false;
    for (;;) {
        bool a = false, b = false;
        int rc;
        if (x->f && (rc = blk_front_final_check(x->f, &a)) < 0)
            return rc;
        if (x->nf && (rc = net_front_final_check(x->nf, &b)) < 0)
            return rc;
        if (!a && !b)
            return 0;
        *got = true;
        if ((rc = take_events(x)) < 0)
            return rc;
    }
}

/* Try the pending send (a net_send or net_reply record): 1 if the tx ring
 * is still full, 0 if sent. */
static int try_send(struct wl_trace *x)
{
    const struct tr_record *rec = &x->send_rec;
    bool reply = rec->op == TR_NET_REPLY;
    /* A reply with no request waiting answers nothing. */
    uint64_t answers = reply && x->rq.n ? (uint64_t)tfifo_front(&x->rq) : NET_NO_REQUEST;
    int rc = net_front_send(x->nf, rec->a, answers);
    if (rc == -SIM_ENOSPC) {
        if (!x->send_out)
            net_front_stalled(x->nf);
        x->send_out = true;
        return 1;
    }
    if (rc < 0)
        return rc;
    x->send_out = false;
    if (reply && x->rq.n)
        tfifo_pop(&x->rq);
    wl_note(&x->base, reply ? WL_DEM_NET_REPLY : WL_DEM_NET_SEND, false, rec->a, 0);
    return 0;
}

/* Try the pending block request (block_io or block_submit): 1 if the ring
 * is still full, 0 if put (pushed before the vCPU gives up the CPU). */
static int try_submit(struct wl_trace *x)
{
    const struct tr_record *rec = &x->io_rec;
    uint32_t id = 0;
    while (id < x->depth && x->busy[id])
        id++;
    uint64_t sectors = (rec->a + DISK_SECTOR_BYTES - 1) / DISK_SECTOR_BYTES;
    uint64_t cap = blk_front_capacity(x->f);
    uint64_t span = cap > sectors ? cap - sectors + 1 : 1;
    enum disk_op op = rec->flags & TR_F_WRITE ? DISK_WRITE : DISK_READ;
    int rc = id < x->depth ? blk_front_put(x->f, id, op, rec->b % span, (uint32_t)rec->a)
                           : -SIM_ENOSPC;
    if (rc == -SIM_ENOSPC) {
        if (!x->io_out)
            blk_front_stalled(x->f);
        x->io_out = true;
        return 1;
    }
    if (rc < 0)
        return rc;
    x->io_out = false;
    x->busy[id] = true;
    x->pushed = false;
    if (rec->op == TR_BLOCK_IO) {
        x->sync = true;
        x->sync_id = id;
    }
    wl_note(&x->base, WL_DEM_BLOCK_SUBMIT, op == DISK_WRITE, rec->a, rec->b % span);
    return 0;
}

static int replay_next(struct wl_trace *x, sim_time_t now, struct wl_op *op);

static int trace_next(struct wl *w, sim_time_t now, struct wl_op *op)
{
    struct wl_trace *x = (struct wl_trace *)w;
    int rc;
    for (;;) {
        if ((rc = take_events(x)) < 0)
            return rc;
        if (x->sleeping && now + x->env.s->machine.clock.timer_slop < x->sleep_until) {
            /* An event ended a `sleep` early: the guest sleeps on (unless the
             * rest is within the timer slop, as the timer's own early wake). */
            *op = (struct wl_op){ .kind = WL_OP_SLEEP, .rec = WL_REC_NONE, .ns = x->sleep_until };
        } else {
            x->sleeping = false;
            if ((rc = replay_next(x, now, op)) < 0)
                return rc;
            if (op->kind == WL_OP_SLEEP && op->rec == WL_REC_AS_IS) {
                x->sleeping = true;
                x->sleep_until = op->ns;
            }
        }
        if (!x->pushed) {
            if ((rc = blk_front_push(x->f)) < 0)
                return rc;
            x->pushed = true;
        }
        bool got = false, for_sync = op->kind == WL_OP_BLOCK && x->sync;
        if ((op->kind == WL_OP_SLEEP || op->kind == WL_OP_BLOCK) && (rc = rearm(x, &got)) < 0)
            return rc;
        if (x->has_reply)
            net_front_set_queued(x->nf, x->rq.n);
        /* A block_io whose response came while re-arming: go on. */
        if (!(got && for_sync && !x->sync))
            return 0;
    }
}

static int replay_next(struct wl_trace *x, sim_time_t now, struct wl_op *op)
{
    struct tr_record rec;
    int rc;
    /* Waiting for a tx slot, a ring slot, or a block_io's response. */
    if ((x->send_out && (rc = try_send(x)) != 0) || (x->io_out && (rc = try_submit(x)) != 0)) {
        if (rc < 0)
            return rc;
        *op = (struct wl_op){ .kind = WL_OP_BLOCK, .ns = 0 };
        return 0;
    }
    if (x->sync) {
        *op = (struct wl_op){ .kind = WL_OP_BLOCK, .ns = 0 };
        return 0;
    }
    if (x->mm_ready && (rc = wl_mmbatch_finish(&x->mb)) < 0)
        return rc;
    while (!x->done) {
        rc = tr_read(x->r, &rec);
        if (rc < 0)
            return rc;
        if (rc == 0) {
            if (!x->loop || !x->mine) {
                x->done = true;
                break;
            }
            if ((rc = tr_rewind(x->r)) < 0)
                return rc;
            continue;
        }
        if (rec.dom != x->tdom || rec.vcpu != x->vcpu || rec.op == TR_ARRIVAL)
            continue;           /* arrivals: models/net's source */
        switch (rec.op) {
        case TR_COMPUTE:
            *op = (struct wl_op){ .kind = WL_OP_COMPUTE, .ns = (sim_time_t)rec.a };
            return 0;
        case TR_SLEEP:
            *op = (struct wl_op){ .kind = WL_OP_SLEEP, .ns = now + (sim_time_t)rec.a };
            return 0;
        case TR_YIELD:
            *op = (struct wl_op){ .kind = WL_OP_YIELD, .ns = 0 };
            return 0;
        case TR_WAIT:
            if (rec.a)
                *op = (struct wl_op){ .kind = WL_OP_SLEEP, .rec = WL_REC_WAIT,
                                      .ns = now + (sim_time_t)rec.a };
            else
                *op = (struct wl_op){ .kind = WL_OP_BLOCK, .ns = 0 };
            return 0;
        case TR_BLOCK_IO:
        case TR_BLOCK_SUBMIT:
            if (!x->f)
                return -SIM_ESTATE;             /* no front end attached */
            x->io_rec = rec;
            if ((rc = try_submit(x)) < 0)
                return rc;
            if (rc == 0 && !x->sync)
                continue;                       /* in flight: go on */
            *op = (struct wl_op){ .kind = WL_OP_BLOCK, .ns = 0 };
            return 0;
        case TR_NET_SEND:
        case TR_NET_REPLY:
            if (!x->nf)
                return -SIM_ESTATE;             /* no front end attached */
            x->send_rec = rec;
            if ((rc = try_send(x)) < 0)
                return rc;
            if (rc == 0)
                continue;                       /* handed to netfront: go on */
            *op = (struct wl_op){ .kind = WL_OP_BLOCK, .ns = 0 };
            return 0;
        case TR_PT_BATCH: {
            if (!x->mm_ready)
                return -SIM_ESTATE;             /* no memory attached */
            sim_time_t ns = wl_mmbatch_build(&x->mb, (int)rec.a, (int)rec.b, 0);
            if (ns < 0)
                return (int)ns;
            wl_note(&x->base, WL_DEM_PT_BATCH, false, rec.a, (uint64_t)x->mb.nforeign);
            if (ns == 0) {
                if ((rc = wl_mmbatch_finish(&x->mb)) < 0)
                    return rc;
                continue;
            }
            *op = (struct wl_op){ .kind = WL_OP_COMPUTE, .rec = WL_REC_NONE, .ns = ns };
            return 0;
        }
        default:
            return -SIM_EBADINPUT;      /* refused when built */
        }
    }
    *op = (struct wl_op){ .kind = WL_OP_BLOCK, .ns = 0 };
    return 0;
}

static void trace_free(struct wl *w)
{
    struct wl_trace *x = (struct wl_trace *)w;
    tr_reader_close(x->r);
    if (x->mm_ready)
        wl_mmbatch_fini(&x->mb);
    free(x->busy);
    tfifo_free(&x->rq);
    free(x);
}

static unsigned trace_needs(const struct wl *w);
static int trace_attach(struct wl *w, const struct wl_devs *d, char *err, size_t errlen);

static const struct wl_ops trace_ops = { .name = "trace", .next = trace_next, .free = trace_free,
                                         .needs = trace_needs, .attach = trace_attach };

/* Which of the trace's domains the scenario domain replays, or -1. */
static int pick_domain(const struct tr_header *h, const char *name)
{
    for (uint32_t i = 0; i < h->ndomains; i++)
        if (!strcmp(h->domains[i].name, name))
            return (int)i;
    return h->ndomains == 1 ? 0 : -1;
}

/* Why the replay with the workload entry wl cannot perform rec, or NULL if
 * it can. */
static const char *refuse(const struct scn_workload *wl, const struct tr_record *rec)
{
    switch (rec->op) {
    case TR_COMPUTE:
    case TR_SLEEP:
    case TR_YIELD:
        return NULL;
    case TR_WAIT:
        return NULL;
    case TR_BLOCK_IO:
    case TR_BLOCK_SUBMIT:
        if (wl->device < 0)
            return "block I/O needs the workload's `device:` (a disk)";
        if (rec->a == 0 || rec->a > DISK_REQ_MAX_BYTES)
            return "block I/O must be of 1 B to 1 GiB";
        return NULL;
    case TR_PT_BATCH:
        if (rec->a == 0 || rec->a > TRACE_PT_MAX || rec->b > rec->a)
            return "a page-table batch must have 1 to 1048576 entries, at most all of them "
                   "invalid";
        return NULL;
    case TR_NET_SEND:
    case TR_NET_REPLY:
    case TR_ARRIVAL:
        if (wl->nic < 0)
            return "network records need the workload's `nic:` (a NIC)";
        if (rec->a == 0 || rec->a > TRACE_NET_MAX)
            return "a packet must be of 1 to 65536 B";
        return NULL;
    default:
        return "unknown record";
    }
}

/* The message for a record the replay refuses; -SIM_EBADINPUT. */
static int refused(const struct scn_domain *d, const struct tr_record *rec, const char *why,
                   char *err, size_t errlen)
{
    sim_errmsg(err, errlen, "domain '%s': trace record at %lld ns (vCPU %u), %s: %s", d->name,
               (long long)rec->t, (unsigned)rec->vcpu, tr_op_name(rec->op), why);
    return -SIM_EBADINPUT;
}

/* What a pass over a trace found in the records it checked. */
struct scan {
    uint64_t mine;                  /* closed-loop records (not arrivals) */
    bool has_io, has_pt, has_send, has_reply, has_arrival;
};

/* Read the whole trace once and refuse what the replay of d cannot do: the
 * records of the trace's domain tdom for vCPU vcpu and the domain's
 * arrivals. The reader is left at the end. */
static int scan(struct tr_reader *r, int tdom, int vcpu, const struct scn_domain *d,
                const struct scn_workload *wl, struct scan *o, char *err, size_t errlen)
{
    struct tr_record rec;
    int rc;
    *o = (struct scan){ 0 };
    while ((rc = tr_read(r, &rec)) > 0) {
        if (rec.dom != tdom || rec.vcpu != vcpu)
            continue;
        const char *why = refuse(wl, &rec);
        if (why)
            return refused(d, &rec, why, err, errlen);
        o->has_io |= rec.op == TR_BLOCK_IO || rec.op == TR_BLOCK_SUBMIT;
        o->has_reply |= rec.op == TR_NET_REPLY;
        o->has_pt |= rec.op == TR_PT_BATCH;
        o->has_send |= rec.op == TR_NET_SEND || rec.op == TR_NET_REPLY;
        o->has_arrival |= rec.op == TR_ARRIVAL;
        if (rec.op != TR_ARRIVAL)
            o->mine++;
    }
    if (rc < 0)
        sim_errmsg(err, errlen, "%s", tr_reader_error(r));
    return rc;
}

/* Open the trace file that d replays and find the domain it replays
 * (*tdom); with nrep > 0 (the vCPUs of d that replay it), also refuse a
 * trace domain with more vCPUs than that. NULL with a message. */
static struct tr_reader *open_trace(const struct scn_domain *d, const char *file, int nrep,
                                    int *tdom, char *err, size_t errlen)
{
    char e[512] = "";
    struct tr_reader *r = tr_reader_open(file, e, sizeof e);
    if (!r) {
        sim_errmsg(err, errlen, "domain '%s': %s", d->name, e);
        return NULL;
    }
    const struct tr_header *h = tr_reader_header(r);
    *tdom = pick_domain(h, d->name);
    if (*tdom < 0) {
        sim_errmsg(err, errlen, "domain '%s': trace %s has %u domains and none is named '%s'",
                   d->name, file, (unsigned)h->ndomains, d->name);
    } else if (nrep > 0 && h->domains[*tdom].vcpus > (uint32_t)nrep && d->nwl == 1) {
        sim_errmsg(err, errlen, "domain '%s': the trace's domain '%s' has %u vCPUs, the scenario "
                   "gives it %d", d->name, h->domains[*tdom].name,
                   (unsigned)h->domains[*tdom].vcpus, d->vcpus);
    } else if (nrep > 0 && h->domains[*tdom].vcpus > (uint32_t)nrep) {
        sim_errmsg(err, errlen, "domain '%s': the trace's domain '%s' has %u vCPUs, and %d of "
                   "the domain's vCPUs replay it (one per trace vCPU)", d->name,
                   h->domains[*tdom].name, (unsigned)h->domains[*tdom].vcpus, nrep);
    } else {
        return r;
    }
    tr_reader_close(r);
    return NULL;
}

struct wl *wl_trace_new(const struct wl_env *env, char *err, size_t errlen)
{
    const struct scn_domain *d = &env->s->domains[env->dom];
    struct wl_trace *x = calloc(1, sizeof *x);
    if (!x) {
        sim_errmsg(err, errlen, "workload: out of memory");
        return NULL;
    }
    x->base.ops = &trace_ops;
    int nrep;
    x->vcpu = scn_trace_rank(d, env->vcpu, &nrep);
    x->pushed = true;
    x->loop = env->wl->loop;
    /* The vCPU counts are checked (and reported) once, by the replay's
     * first vCPU. */
    x->first = x->vcpu == 0;
    x->r = open_trace(d, env->wl->file, x->first ? nrep : 0, &x->tdom, err, errlen);
    if (!x->r) {
        free(x);
        return NULL;
    }
    x->env = *env;
    struct scan o;
    if (scan(x->r, x->tdom, x->vcpu, d, env->wl, &o, err, errlen) < 0
        || tr_rewind(x->r) < 0) {
        trace_free(&x->base);
        return NULL;
    }
    x->mine = o.mine;
    x->has_io = o.has_io;
    x->has_pt = o.has_pt;
    x->has_send = o.has_send;
    x->has_reply = o.has_reply;
    x->has_arrival = o.has_arrival;
    return &x->base;
}

/* The first record the replay of one vCPU would refuse. */
struct refusal {
    bool set;
    struct tr_record rec;
    const char *why;
};

/* The check of the replay of the trace that vCPU lead (its rank 0) and
 * the vCPUs of the same file replay. */
static int check_one(const struct scn_domain *d, int lead, char *err, size_t errlen)
{
    const struct scn_workload *wl = scn_vcpu_wl(d, lead);
    int nrep, tdom;
    scn_trace_rank(d, lead, &nrep);
    struct tr_reader *r = open_trace(d, wl->file, nrep, &tdom, err, errlen);
    if (!r)
        return -SIM_EBADINPUT;
    /* One pass for every trace vCPU, reporting what `run` would: it reads
     * the trace once per vCPU, in order, and stops at trace vCPU 0's first
     * refusal or the reader's error, whichever comes first in the file, or
     * else at the first refusal of the lowest vCPU that has one. */
    uint32_t nv = tr_reader_header(r)->domains[tdom].vcpus;
    struct refusal *first = calloc(nv ? nv : 1, sizeof *first);
    if (!first) {
        tr_reader_close(r);
        sim_errmsg(err, errlen, "domain '%s': out of memory", d->name);
        return -SIM_ENOMEM;
    }
    struct tr_record rec;
    int rc = 0;
    while (!first[0].set && (rc = tr_read(r, &rec)) > 0) {
        if (rec.dom != tdom)
            continue;
        const char *why = refuse(wl, &rec);
        if (!why)
            continue;
        if (rec.vcpu < nv && !first[rec.vcpu].set)
            first[rec.vcpu] = (struct refusal){ true, rec, why };
    }
    if (!first[0].set && rc < 0)
        sim_errmsg(err, errlen, "%s", tr_reader_error(r));
    for (uint32_t v = 0; v < nv && rc >= 0; v++)
        if (first[v].set)
            rc = refused(d, &first[v].rec, first[v].why, err, errlen);
    free(first);
    tr_reader_close(r);
    return rc < 0 ? rc : 0;
}

int wl_trace_check(const struct scn *s, int dom, char *err, size_t errlen)
{
    const struct scn_domain *d = &s->domains[dom];
    for (int k = 0; k < d->nwl; k++) {
        if (d->wl[k].type != SCN_WL_TRACE || scn_trace_rank(d, k, NULL) != 0)
            continue;
        int rc = check_one(d, k, err, errlen);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* The replay's first vCPU holds a queue of each front end its workload
 * names (a `device`, a `nic`), whatever its own records; another vCPU has
 * a queue of its own where its records use one, arrivals included
 * (multi-queue front ends, docs/split-drivers.md). The memory goes to each
 * vCPU with page-table batches. */
static unsigned trace_needs(const struct wl *w)
{
    const struct wl_trace *x = (const struct wl_trace *)w;
    const struct scn_workload *wl = x->env.wl;
    unsigned n = x->has_pt ? WL_NEEDS_MM : 0;
    if (wl->device >= 0 && (x->first || x->has_io))
        n |= WL_NEEDS_BLK;
    if (wl->nic >= 0 && (x->first || x->has_send || x->has_arrival))
        n |= WL_NEEDS_NET;
    return n;
}

static int trace_arrivals(const struct wl_trace *x, struct net_arrivals *src, char *err,
                          size_t errlen);

static int trace_attach(struct wl *w, const struct wl_devs *d, char *err, size_t errlen)
{
    struct wl_trace *x = (struct wl_trace *)w;
    const char *name = x->env.s->domains[x->env.dom].name;
    unsigned n = trace_needs(w);
    if (((n & WL_NEEDS_BLK) && !d->blk) || ((n & WL_NEEDS_NET) && !d->net)
        || ((n & WL_NEEDS_MM) && !d->mm)) {
        sim_errmsg(err, errlen, "domain '%s': trace workload without its devices", name);
        return -SIM_EINVAL;
    }
    if (n & WL_NEEDS_BLK) {
        x->depth = blk_front_depth(d->blk);
        x->busy = calloc(x->depth ? x->depth : 1, sizeof *x->busy);
        if (!x->busy) {
            sim_errmsg(err, errlen, "domain '%s': out of memory", name);
            return -SIM_ENOMEM;
        }
        x->f = d->blk;
    }
    if (n & WL_NEEDS_NET) {
        x->nf = d->net;
        /* The open-loop arrivals for this vCPU come in on its queue. */
        struct net_arrivals src;
        int rc;
        if (x->has_arrival && ((rc = trace_arrivals(x, &src, err, errlen)) < 0
                             || (rc = net_front_set_arrivals(d->net, &src)) < 0)) {
            if (rc != -SIM_EBADINPUT)
                sim_errmsg(err, errlen, "domain '%s': out of memory", name);
            return rc;
        }
    }
    if (n & WL_NEEDS_MM) {
        int rc = wl_mmbatch_init(&x->mb, &x->env, d->mm);
        if (rc < 0) {
            sim_errmsg(err, errlen, "domain '%s': out of memory", name);
            return rc;
        }
        x->mm_ready = true;
    }
    return 0;
}

/* ---- the open-loop arrivals of a trace domain (models/net's source) ---- */

struct trace_arrivals {
    struct tr_reader *r;            /* its own: one block in memory */
    int tdom;
    int vcpu;                       /* the trace vCPU whose arrivals these are */
    bool loop;
    sim_time_t shift;               /* ns added to trace times: passes * period */
    sim_time_t last;                /* ns, the last record's time seen (any domain) */
    bool any;                       /* an arrival found in this pass */
};

static int arrivals_next(void *arg, sim_time_t *t, uint64_t *bytes)
{
    struct trace_arrivals *a = arg;
    struct tr_record rec;
    for (;;) {
        int rc = tr_read(a->r, &rec);
        if (rc < 0)
            return rc;
        if (rc == 0) {
            /* The next pass starts one period (the trace's last time) later;
             * a pass without arrivals, or of zero length, ends the source. */
            if (!a->loop || !a->any || a->last <= 0)
                return 0;
            a->shift += a->last;
            a->any = false;
            if ((rc = tr_rewind(a->r)) < 0)
                return rc;
            continue;
        }
        a->last = rec.t;
        if (rec.dom != a->tdom || rec.vcpu != a->vcpu || rec.op != TR_ARRIVAL)
            continue;
        a->any = true;
        *t = rec.t + a->shift;
        *bytes = rec.a;
        return 1;
    }
}

static void arrivals_free(void *arg)
{
    struct trace_arrivals *a = arg;
    tr_reader_close(a->r);
    free(a);
}

static int trace_arrivals(const struct wl_trace *x, struct net_arrivals *src, char *err,
                          size_t errlen)
{
    const struct wl_env *env = &x->env;
    const struct scn_domain *d = &env->s->domains[env->dom];
    struct trace_arrivals *a = calloc(1, sizeof *a);
    char e[512] = "";
    if (a)
        a->r = tr_reader_open(env->wl->file, e, sizeof e);
    if (!a || !a->r) {
        sim_errmsg(err, errlen, "domain '%s': %s", d->name, a ? e : "out of memory");
        free(a);
        return -SIM_EBADINPUT;
    }
    /* wl_trace_new has validated the trace and the domain already. */
    a->tdom = pick_domain(tr_reader_header(a->r), d->name);
    a->vcpu = x->vcpu;
    a->loop = env->wl->loop;
    *src = (struct net_arrivals){ arrivals_next, arrivals_free, a };
    return 0;
}
