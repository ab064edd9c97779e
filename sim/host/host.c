/*
 * sim/host/host.c: building a simulated host from a resolved scenario
 * (sim/host/host.h gives the phases and why they come in that order).
 *
 * Source: none beyond the models it assembles.
 * Simplified: nothing; this file only wires.
 */
#include "sim/host/host.h"

#include <math.h>
#include <stdlib.h>

#include "sim/metric.h"
#include "models/backend.h"
#include "models/blk.h"
#include "models/bridge.h"
#include "models/hv.h"
#include "models/mm.h"
#include "models/net.h"
#include "models/wl.h"
#include "schedulers/sched.h"
#include "sim/err.h"
#include "sim/ev.h"
#include "sim/host/timeline.h"
#include "traces/record.h"
#include "traces/xentrace.h"
#include "workloads/wl.h"

/* Phase 2: every vCPU's workload, installed in the core; the union of what
 * they need. */
static int install_workloads(struct host *x, uint32_t replication, unsigned *needs, char *err,
                             size_t errlen)
{
    const struct scn *s = x->s;
    *needs = 0;
    for (int d = 0; d < s->ndomains; d++) {
        for (int k = 0; k < s->domains[d].vcpus; k++) {
            struct wl_env env = { .s = s, .dom = d, .vcpu = k, .replication = replication };
            struct wl *w = wl_new(&env, err, errlen);
            if (!w)
                return -SIM_EINVAL;
            int rc = hv_set_workload(x->h, d, k, w);
            if (rc < 0) {
                wl_free(w);
                sim_errmsg(err, errlen, "domain '%s': cannot install its workload",
                           s->domains[d].name);
                return rc;
            }
            *needs |= wl_needs(w);
        }
    }
    return 0;
}

/* Phase 4: each workload gets the devices it asked for. */
static int attach_workloads(struct host *x, char *err, size_t errlen)
{
    const struct scn *s = x->s;
    for (int d = 0; d < s->ndomains; d++) {
        for (int k = 0; k < s->domains[d].vcpus; k++) {
            struct wl *w = hv_workload(x->h, d, k);
            unsigned n = wl_needs(w);
            if (!n)
                continue;
            struct wl_devs devs = {
                .blk = n & WL_NEEDS_BLK ? blk_front_of(x->blk, d, k) : NULL,
                .net = n & WL_NEEDS_NET ? net_front_of(x->net, d, k) : NULL,
                .mm = n & WL_NEEDS_MM ? x->mm : NULL,
            };
            int rc = wl_attach(w, &devs, err, errlen);
            if (rc < 0)
                return rc;
        }
    }
    return 0;
}

static int build(struct host *x, uint32_t replication, const struct sched_ops *ops, char *err,
                 size_t errlen)
{
    const struct scn *s = x->s;
    if (!ops)
        ops = sched_find(s->sched.name);
    if (!ops) {
        sim_errmsg(err, errlen, "scheduler '%s' is not available (known: %s)", s->sched.name,
                   sched_names());
        return -SIM_EBADINPUT;
    }
    if (!(x->loop = ev_loop_new())) {
        sim_errmsg(err, errlen, "out of memory");
        return -SIM_ENOMEM;
    }
    if (!(x->h = hv_new(x->loop, s, ops, err, errlen)))
        return -SIM_EBADINPUT;
    unsigned needs;
    int rc = install_workloads(x, replication, &needs, err, errlen);
    if (rc < 0)
        return rc;
    if ((needs & (WL_NEEDS_BLK | WL_NEEDS_NET)) || br_needed(s)) {
        if (!(x->bh = be_new(x->h, s))) {
            sim_errmsg(err, errlen, "out of memory");
            return -SIM_ENOMEM;
        }
    }
    if ((needs & WL_NEEDS_BLK)
        && !(x->blk = blk_new(x->loop, x->h, s, x->bh, replication, err, errlen)))
        return -SIM_EINVAL;
    if ((needs & WL_NEEDS_NET)
        && !(x->net = net_new(x->loop, x->h, s, x->bh, replication, err, errlen)))
        return -SIM_EINVAL;
    if (needs & WL_NEEDS_MM) {
        if (!(x->mm = mm_new(s, err, errlen)))
            return -SIM_EINVAL;
        if ((rc = mm_install(x->mm, x->h, s, err, errlen)) < 0)
            return rc;
    }
    if ((rc = attach_workloads(x, err, errlen)) < 0)
        return rc;
    if (br_needed(s) && !(x->br = br_new(x->loop, x->h, s, x->bh, replication, err, errlen)))
        return -SIM_EINVAL;
    if (x->bh && (rc = be_install(x->bh, err, errlen)) < 0)
        return rc;
    return 0;
}

struct host *host_new(const struct scn *s, uint32_t replication, const struct sched_ops *ops,
                      char *err, size_t errlen)
{
    sim_errmsg(err, errlen, "%s", "");
    if (!s) {
        sim_errmsg(err, errlen, "no scenario");
        return NULL;
    }
    struct host *x = calloc(1, sizeof *x);
    if (!x) {
        sim_errmsg(err, errlen, "out of memory");
        return NULL;
    }
    x->s = s;
    if (build(x, replication, ops, err, errlen) < 0) {
        if (err && errlen && !err[0])
            sim_errmsg(err, errlen, "cannot build the host");
        host_free(x);
        return NULL;
    }
    return x;
}

static void obs_both(void *ctx, const struct hv_obs *o)
{
    struct host_obs_pair *op = ctx;
    tl_observe(op->tl, o);
    xt_host_observe(op->xt, o);
}

int host_observe(struct host *x, const struct host_obs *o, char *err, size_t errlen)
{
    if (o->timeline) {
        if (!(x->tl = tl_new(x->loop, x->h, o->tl_w0, o->tl_w1))) {
            sim_errmsg(err, errlen, "out of memory");
            return -SIM_ENOMEM;
        }
        hv_set_switch_observer(x->h, tl_observe, x->tl);
    }
    if (o->xentrace) {
        if (!(x->xt = xt_host_new(x->h, o->xentrace, 0, err, errlen)))
            return -SIM_EIO;
        x->both = (struct host_obs_pair){ x->tl, x->xt };
        if (x->tl)
            hv_set_switch_observer(x->h, obs_both, &x->both);
        else
            hv_set_switch_observer(x->h, xt_host_observe, x->xt);
    }
    if (o->record_trace) {
        char e[512] = "";
        if (!(x->rec = trec_new(o->record_trace, x->s, e, sizeof e))) {
            sim_errmsg(err, errlen, "%s", e[0] ? e : "cannot build the host");
            return -SIM_EBADINPUT;
        }
        if (trec_attach(x->rec, x->loop, x->h, x->net) < 0) {
            sim_errmsg(err, errlen, "out of memory");
            return -SIM_ENOMEM;
        }
    }
    return 0;
}

void host_free(struct host *x)
{
    if (!x)
        return;
    /* The core first: its workloads point into the devices below, and it
     * calls the observers until it is freed. */
    hv_free(x->h);
    tl_free(x->tl);
    xt_host_free(x->xt);
    trec_abort(x->rec);
    blk_free(x->blk);
    net_free(x->net);
    br_free(x->br);
    mm_free(x->mm);
    be_free(x->bh);
    ev_loop_free(x->loop);
    free(x);
}

void host_stats_reset(struct host *x)
{
    if (!x)
        return;
    hv_stats_reset(x->h);
    blk_stats_reset(x->blk);
    net_stats_reset(x->net);
    br_stats_reset(x->br);
    mm_stats_reset(x->mm);
}

double host_jain_fairness(struct host *x)
{
    double sum = 0, sq = 0;
    int n = 0;
    for (int d = 0; d < x->s->ndomains; d++) {
        struct hv_dom_stats ds;
        if (!scn_dom_has_wl(&x->s->domains[d]) || hv_dom_stats(x->h, d, &ds) < 0)
            continue;
        double v = (double)ds.cpu_time_ns;
        sum += v;
        sq += v * v;
        n++;
    }
    return n && sq > 0 ? sum * sum / (n * sq) : NAN;
}

int host_report(struct host *x, const struct metric_sink *k)
{
    int rc = hv_report(x->h, k);
    metric_scalar(k, &rc, METRIC_NO_DOM, "machine", "events", (double)hv_events(x->h));
    metric_scalar(k, &rc, METRIC_NO_DOM, "machine", "jain_fairness", host_jain_fairness(x));
    if (rc == 0)
        rc = blk_report(x->blk, k);
    if (rc == 0)
        rc = net_report(x->net, x->br, k);
    if (rc == 0)
        rc = br_report(x->br, x->net, k);
    if (rc == 0)
        rc = mm_report(x->mm, k);
    return rc;
}
