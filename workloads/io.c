/*
 * workloads/io.c: the `io` workload: a closed loop of `depth` block
 * requests outstanding through the guest's front end (models/blk.h).
 *
 * Models: each of the depth tags waits `think` (a sleep, drawn from the
 * think distribution, stream "dom:<domain>/vcpu0/think") after its
 * previous completion (and before its first request), then issues a request
 * of `size` bytes, `op` read or write, at a sector chosen at random
 * (uniform over the device, stream "dom:<domain>/vcpu0/io") or sequentially
 * (each request starts where the previous one ended, wrapping at the end of
 * the device). Each time the vCPU runs (the core has taken any event
 * upcall first, models/hv.h) it consumes every response, issues
 * every tag whose think is over (a tag that finds the ring full waits for a
 * response: one ring_full_stall per waiting request; tags are issued
 * oldest-ready first, so a waiting tag is never overtaken), pushes them (the front end notifies the
 * back end if the ring says so), re-arms the ring's response event and then
 * sleeps until the earliest think ends, or blocks until an event.
 *
 * Source: the closed-loop I/O generator of DESIGN.md section 4 (io keys).
 *
 * Simplified: the guest spends no CPU building requests or handling
 * responses beyond the upcall; think time is idle (not CPU) time; the
 * oldest-ready search is linear in depth per request issued.
 */
#include <stdio.h>
#include <stdlib.h>

#include "models/blk.h"
#include "sim/dist.h"
#include "sim/err.h"
#include "sim/rng.h"
#include "workloads/wl.h"

enum io_tag_state { IO_THINK, IO_OUT };

struct wl_io {
    struct wl base;
    struct blk_front *f;
    struct dist think;              /* ns between completion and next request */
    struct rng *think_rng;
    struct rng *pos_rng;
    enum disk_op op;
    uint32_t bytes;                 /* B per request */
    uint64_t sectors;               /* 512 B sectors per request */
    bool sequential;
    uint64_t next_sector;           /* sequential: where the next request starts */
    int depth;
    enum io_tag_state *state;       /* [depth] */
    sim_time_t *ready;              /* [depth] ns NOW(): end of each tag's think */
    bool *stalled;                  /* [depth] found the ring full, not issued yet */
    bool started;
};

static sim_time_t think_ns(struct wl_io *x)
{
    int64_t t = dist_sample_i64(&x->think, x->think_rng);
    return t > 0 ? t : 0;
}

static uint64_t pick_sector(struct wl_io *x)
{
    uint64_t cap = blk_front_capacity(x->f);
    uint64_t span = cap > x->sectors ? cap - x->sectors + 1 : 1;
    if (!x->sequential)
        return rng_below(x->pos_rng, span);
    if (x->next_sector >= span)
        x->next_sector = 0;
    uint64_t s = x->next_sector;
    x->next_sector = s + x->sectors;
    return s;
}

static int io_next(struct wl *w, sim_time_t now, struct wl_op *op)
{
    struct wl_io *x = (struct wl_io *)w;
    int rc;
    if (!x->started) {
        x->started = true;
        for (int i = 0; i < x->depth; i++)
            x->ready[i] = now + think_ns(x);
    }
    for (;;) {
        uint32_t id;
        while ((rc = blk_front_get(x->f, &id)) == 0) {
            x->state[id] = IO_THINK;
            x->ready[id] = now + think_ns(x);
        }
        if (rc != -SIM_ENOENT)
            return rc;
        bool put = false;
        for (;;) {
            /* The tag that has waited longest (earliest ready, then lowest
             * index) goes first, so a stalled tag is never overtaken. */
            int i = -1;
            for (int j = 0; j < x->depth; j++)
                if (x->state[j] == IO_THINK && x->ready[j] <= now
                    && (i < 0 || x->ready[j] < x->ready[i]))
                    i = j;
            if (i < 0)
                break;
            uint64_t sector = pick_sector(x);
            rc = blk_front_put(x->f, (uint32_t)i, x->op, sector, x->bytes);
            if (rc == -SIM_ENOSPC) {
                /* The sequential position was not used: take it back. Every
                 * tag ready now waits for a slot: one stall each. */
                if (x->sequential)
                    x->next_sector -= x->sectors;
                for (int j = 0; j < x->depth; j++) {
                    if (x->state[j] == IO_THINK && x->ready[j] <= now && !x->stalled[j]) {
                        x->stalled[j] = true;
                        blk_front_stalled(x->f);
                    }
                }
                break;
            }
            if (rc < 0)
                return rc;
            wl_note(&x->base, WL_DEM_BLOCK_SUBMIT, x->op == DISK_WRITE, x->bytes, sector);
            x->stalled[i] = false;
            x->state[i] = IO_OUT;
            put = true;
        }
        if (put && (rc = blk_front_push(x->f)) < 0)
            return rc;
        bool more = false;
        if ((rc = blk_front_final_check(x->f, &more)) < 0)
            return rc;
        if (!more)
            break;
    }
    sim_time_t wake = SIM_TIME_MAX;
    for (int i = 0; i < x->depth; i++)
        if (x->state[i] == IO_THINK && x->ready[i] > now && x->ready[i] < wake)
            wake = x->ready[i];
    if (wake != SIM_TIME_MAX)
        *op = (struct wl_op){ .kind = WL_OP_SLEEP, .rec = WL_REC_WAIT, .ns = wake };
    else
        *op = (struct wl_op){ .kind = WL_OP_BLOCK, .ns = 0 };
    return 0;
}

static void io_free(struct wl *w)
{
    struct wl_io *x = (struct wl_io *)w;
    rng_free(x->think_rng);
    rng_free(x->pos_rng);
    free(x->state);
    free(x->ready);
    free(x->stalled);
    free(x);
}

static unsigned io_needs(const struct wl *w)
{
    (void)w;
    return WL_NEEDS_BLK;
}

static int io_attach(struct wl *w, const struct wl_devs *d, char *err, size_t errlen)
{
    struct wl_io *x = (struct wl_io *)w;
    if (!d->blk) {
        sim_errmsg(err, errlen, "io workload: no block front end");
        return -SIM_EINVAL;
    }
    x->f = d->blk;
    return 0;
}

static const struct wl_ops io_ops = { .name = "io", .next = io_next, .free = io_free,
                                      .needs = io_needs, .attach = io_attach };

struct wl *wl_io_new(const struct wl_env *env, char *err, size_t errlen)
{
    const struct scn_domain *d = &env->s->domains[env->dom];
    const struct scn_workload *wl = env->wl;
    if (wl->depth < 1 || wl->size <= 0 || (uint64_t)wl->size > DISK_REQ_MAX_BYTES
        || (uint64_t)wl->size > UINT32_MAX) {
        sim_errmsg(err, errlen, "domain '%s': io workload needs depth >= 1 and "
                   "0 < size <= 1 GiB", d->name);
        return NULL;
    }
    struct wl_io *x = calloc(1, sizeof *x);
    char tn[256], pn[256];
    snprintf(tn, sizeof tn, "dom:%s/vcpu%d/think", d->name, env->vcpu);
    snprintf(pn, sizeof pn, "dom:%s/vcpu%d/io", d->name, env->vcpu);
    if (x) {
        x->think_rng = rng_new(env->s->seed, env->replication, tn);
        x->pos_rng = rng_new(env->s->seed, env->replication, pn);
        x->state = calloc((size_t)wl->depth, sizeof *x->state);
        x->ready = calloc((size_t)wl->depth, sizeof *x->ready);
        x->stalled = calloc((size_t)wl->depth, sizeof *x->stalled);
    }
    if (!x || !x->think_rng || !x->pos_rng || !x->state || !x->ready || !x->stalled) {
        if (x)
            io_free(&x->base);
        sim_errmsg(err, errlen, "workload: out of memory");
        return NULL;
    }
    x->base.ops = &io_ops;
    x->think = wl->think;
    x->op = wl->op == SCN_IO_WRITE ? DISK_WRITE : DISK_READ;
    x->bytes = (uint32_t)wl->size;
    x->sectors = ((uint64_t)wl->size + DISK_SECTOR_BYTES - 1) / DISK_SECTOR_BYTES;
    x->sequential = wl->pattern == SCN_IO_SEQUENTIAL;
    x->depth = wl->depth;
    return &x->base;
}
