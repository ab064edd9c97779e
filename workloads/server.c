/*
 * workloads/server.c: the `server` workload: requests arriving open loop
 * through the guest's network front end (models/net.h) are served one at
 * a time, FIFO.
 *
 * Models: each time the vCPU runs (the core has taken any event upcall
 * first, models/hv.h), a request whose service has just been
 * computed is replied to (its reply put on the tx ring; a full ring makes
 * it wait for a slot, one ring_full_stall); every received packet is queued
 * (its rx buffer re-posted); the oldest queued request then costs COMPUTE
 * `service` (stream "dom:<domain>/service"); with nothing queued, the rings
 * are re-armed and the vCPU blocks until an event.
 *
 * Source: the open-loop server generator of DESIGN.md section 4 (server keys).
 *
 * Simplified: one request in service at a time on vCPU 0; no CPU spent
 * beyond the upcall and `service`; the queue in the guest is unbounded.
 */
#include <stdio.h>
#include <stdlib.h>

#include "models/net.h"
#include "sim/dist.h"
#include "sim/err.h"
#include "sim/rng.h"
#include "sim/tfifo.h"
#include "workloads/wl.h"

struct wl_server {
    struct wl base;
    struct net_front *f;
    struct dist service;            /* ns of CPU per request */
    struct rng *rng;
    struct tfifo q;                 /* ns NIC arrival times of the requests queued */
    bool served;                    /* the head's service has been computed */
    bool stalled;                   /* its reply found the tx ring full */
};

static int server_next(struct wl *w, sim_time_t now, struct wl_op *op)
{
    struct wl_server *x = (struct wl_server *)w;
    int rc;
    (void)now;
    for (;;) {
        if (x->served) {
            rc = net_front_reply(x->f, tfifo_front(&x->q));
            if (rc == 0) {
                wl_note(&x->base, WL_DEM_NET_REPLY, false, net_front_reply_bytes(x->f), 0);
                x->served = x->stalled = false;
                tfifo_pop(&x->q);
            } else if (rc == -SIM_ENOSPC) {
                if (!x->stalled)
                    net_front_stalled(x->f);
                x->stalled = true;
            } else {
                return rc;
            }
        }
        sim_time_t t;
        while ((rc = net_front_recv(x->f, &t)) == 0)
            if ((rc = tfifo_push(&x->q, t)) < 0)
                return rc;
        if (rc != -SIM_ENOENT)
            return rc;
        net_front_set_queued(x->f, x->q.n);
        if (!x->served && x->q.n) {
            x->served = true;
            int64_t s = dist_sample_i64(&x->service, x->rng);
            *op = (struct wl_op){ .kind = WL_OP_COMPUTE, .ns = s > 0 ? s : 0 };
            return 0;
        }
        bool more = false;
        if ((rc = net_front_final_check(x->f, &more)) < 0)
            return rc;
        if (!more)
            break;
    }
    *op = (struct wl_op){ .kind = WL_OP_BLOCK, .ns = 0 };
    return 0;
}

static void server_free(struct wl *w)
{
    struct wl_server *x = (struct wl_server *)w;
    rng_free(x->rng);
    tfifo_free(&x->q);
    free(x);
}

static unsigned server_needs(const struct wl *w)
{
    (void)w;
    return WL_NEEDS_NET;
}

static int server_attach(struct wl *w, const struct wl_devs *d, char *err, size_t errlen)
{
    struct wl_server *x = (struct wl_server *)w;
    if (!d->net) {
        sim_errmsg(err, errlen, "server workload: no network front end");
        return -SIM_EINVAL;
    }
    x->f = d->net;
    return 0;
}

static const struct wl_ops server_ops = { .name = "server", .next = server_next,
                                          .free = server_free, .needs = server_needs,
                                          .attach = server_attach };

struct wl *wl_server_new(const struct wl_env *env, char *err, size_t errlen)
{
    const struct scn_domain *d = &env->s->domains[env->dom];
    struct wl_server *x = calloc(1, sizeof *x);
    char name[256];
    /* vCPU 0's stream keeps the name it had when only vCPU 0 served. */
    if (env->vcpu == 0)
        snprintf(name, sizeof name, "dom:%s/service", d->name);
    else
        snprintf(name, sizeof name, "dom:%s/vcpu%d/service", d->name, env->vcpu);
    if (x)
        x->rng = rng_new(env->s->seed, env->replication, name);
    if (!x || !x->rng) {
        if (x)
            server_free(&x->base);
        sim_errmsg(err, errlen, "domain '%s': cannot build its server workload", d->name);
        return NULL;
    }
    x->base.ops = &server_ops;
    x->service = env->wl->service;
    return &x->base;
}
