/*
 * models/backend.c: the driver domains' back-end loop (see backend.h for
 * the model, the sources and the simplifications).
 *
 * Each driver domain has a list of back ends (ops + context) and one
 * workload that walks it. The workload itself is a thin handle the hv owns
 * and frees; the state it works on stays here, so freeing the hv never
 * touches the back ends.
 */
#include "models/backend.h"

#include <stdio.h>
#include <stdlib.h>

#include "models/hv.h"
#include "sim/err.h"
#include "models/wl.h"

struct be_slot {
    const struct be_ops *ops;
    void *be;
};

struct be_drv {                     /* one driver domain */
    struct be_slot *slot;
    int n, cap;
    int rr;                         /* next slot to take work from */
    bool have;                      /* work (of slot cur) paid for, not finished */
    int cur;
    struct be_work work;
    sim_time_t per_request;         /* ns of CPU per unit of work */
};

struct be_host {
    struct hv *h;
    const struct scn *s;
    struct be_drv *drv;             /* [ndomains] */
};

struct be_wl {                      /* the workload handle the hv owns */
    struct wl base;
    struct be_drv *d;
};

struct be_host *be_new(struct hv *h, const struct scn *s)
{
    if (!h || !s)
        return NULL;
    struct be_host *bh = calloc(1, sizeof *bh);
    if (!bh)
        return NULL;
    bh->h = h;
    bh->s = s;
    bh->drv = calloc(s->ndomains > 0 ? (size_t)s->ndomains : 1, sizeof *bh->drv);
    if (!bh->drv) {
        free(bh);
        return NULL;
    }
    for (int d = 0; d < s->ndomains; d++)
        bh->drv[d].per_request = s->domains[d].backend_per_request;
    return bh;
}

void be_free(struct be_host *bh)
{
    if (!bh)
        return;
    for (int d = 0; d < bh->s->ndomains; d++)
        free(bh->drv[d].slot);
    free(bh->drv);
    free(bh);
}

int be_attach(struct be_host *bh, int dom, const struct be_ops *ops, void *be)
{
    if (!bh || dom < 0 || dom >= bh->s->ndomains || !ops || !ops->take || !ops->finish
        || !ops->final_check)
        return -SIM_EINVAL;
    struct be_drv *d = &bh->drv[dom];
    if (d->n == d->cap) {
        int cap = d->cap ? 2 * d->cap : 4;
        struct be_slot *s = realloc(d->slot, (size_t)cap * sizeof *s);
        if (!s)
            return -SIM_ENOMEM;
        d->slot = s;
        d->cap = cap;
    }
    d->slot[d->n++] = (struct be_slot){ ops, be };
    return 0;
}

bool be_serves(const struct be_host *bh, int dom)
{
    return bh && dom >= 0 && dom < bh->s->ndomains && bh->drv[dom].n > 0;
}

static int be_next(struct wl *w, sim_time_t now, struct wl_op *op)
{
    struct be_drv *d = ((struct be_wl *)w)->d;
    int rc;
    (void)now;
    if (d->have) {
        d->have = false;
        struct be_slot *sl = &d->slot[d->cur];
        if ((rc = sl->ops->finish(sl->be, &d->work)) < 0)
            return rc;
    }
    for (;;) {
        for (int i = 0; i < d->n; i++)
            if (d->slot[i].ops->flush && (rc = d->slot[i].ops->flush(d->slot[i].be)) < 0)
                return rc;
        for (int k = 0; k < d->n; k++) {
            int i = (d->rr + k) % d->n;
            rc = d->slot[i].ops->take(d->slot[i].be, &d->work);
            if (rc < 0)
                return rc;
            if (rc == 0)
                continue;
            d->have = true;
            d->cur = i;
            d->rr = (i + 1) % d->n;
            *op = (struct wl_op){ .kind = WL_OP_COMPUTE, .ns = d->per_request };
            return 0;
        }
        bool more = false;
        for (int i = 0; i < d->n; i++) {
            bool m = false;
            if ((rc = d->slot[i].ops->final_check(d->slot[i].be, &m)) < 0)
                return rc;
            more = more || m;
        }
        if (!more)
            break;
    }
    *op = (struct wl_op){ .kind = WL_OP_BLOCK, .ns = 0 };
    return 0;
}

static void be_wl_free(struct wl *w)
{
    free(w);
}

static const struct wl_ops be_wl_ops = { .name = "backend", .next = be_next, .free = be_wl_free };

int be_install(struct be_host *bh, char *err, size_t errlen)
{
    if (!bh)
        return -SIM_EINVAL;
    const struct scn *s = bh->s;
    for (int d = 0; d < s->ndomains; d++) {
        if (!bh->drv[d].n)
            continue;
        const struct scn_domain *dm = &s->domains[d];
        if (scn_vcpu_wl(dm, 0)->type != SCN_WL_NONE) {
            sim_errmsg(err, errlen, "driver domain '%s': its vCPU 0 runs its back ends and "
                       "cannot also run a workload (give the domain one workload per vCPU, "
                       "the first of type none)", dm->name);
            return -SIM_EINVAL;
        }
        struct be_wl *w = calloc(1, sizeof *w);
        if (!w) {
            sim_errmsg(err, errlen, "out of memory");
            return -SIM_ENOMEM;
        }
        w->base.ops = &be_wl_ops;
        w->d = &bh->drv[d];
        int rc = hv_set_workload(bh->h, d, 0, &w->base);
        if (rc < 0) {
            free(w);
            sim_errmsg(err, errlen, "domain '%s': cannot install its back end",
                       s->domains[d].name);
            return rc;
        }
    }
    return 0;
}
