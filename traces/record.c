/*
 * traces/record.c: the run's demand as a native trace (see record.h).
 */
#include "traces/record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/hv.h"
#include "models/net.h"
#include "sim/ev.h"
#include "sim/err.h"
#include "traces/trace.h"
#include "models/wl.h"

struct trec {
    struct tr_writer *w;
    char *path;
    const struct scn *s;            /* borrowed: the run's scenario */
    struct ev_loop *loop;
    struct wl_tap *taps;            /* one per vCPU of a domain with a workload */
    int status;                     /* first error, or 0 */
};

struct trec *trec_new(const char *path, const struct scn *s, char *err, size_t errlen)
{
    if (!path || !s || s->ndomains < 1 || s->ndomains > TR_MAX_DOMAINS) {
        sim_errmsg(err, errlen, "--record-trace: the scenario cannot be recorded");
        return NULL;
    }
    for (int d = 0; d < s->ndomains; d++) {
        const struct scn_domain *dom = &s->domains[d];
        if (strlen(dom->name) > TR_NAME_MAX || dom->vcpus > TR_MAX_VCPUS) {
            sim_errmsg(err, errlen, "--record-trace: domain '%s': name longer than %d bytes or "
                       "more than %d vCPUs", dom->name, TR_NAME_MAX, TR_MAX_VCPUS);
            return NULL;
        }
    }
    struct trec *r = calloc(1, sizeof *r);
    struct tr_domain *doms = calloc((size_t)s->ndomains, sizeof *doms);
    if (r)
        r->path = strdup(path);
    if (!r || !doms || !r->path) {
        free(doms);
        if (r)
            free(r->path);
        free(r);
        sim_errmsg(err, errlen, "out of memory");
        return NULL;
    }
    r->s = s;
    for (int d = 0; d < s->ndomains; d++) {
        snprintf(doms[d].name, sizeof doms[d].name, "%s", s->domains[d].name);
        doms[d].vcpus = (uint32_t)s->domains[d].vcpus;
    }
    struct tr_header h = { .version = TR_VERSION, .clock_hz = (uint64_t)s->machine.clock.tsc_hz,
                           .ndomains = (uint32_t)s->ndomains, .domains = doms };
    snprintf(h.source, sizeof h.source, "xensim");
    char e[512] = "";
    r->w = tr_writer_open(path, &h, TR_BINARY, e, sizeof e);
    free(doms);
    if (!r->w) {
        sim_errmsg(err, errlen, "--record-trace: %s", e);
        free(r->path);
        free(r);
        return NULL;
    }
    return r;
}

static void put(struct trec *r, struct tr_record *rec)
{
    if (!r->status)
        r->status = tr_write(r->w, rec);
}

static void on_op(void *ctx, sim_time_t t, int dom, int vcpu, sim_time_t now,
                  const struct wl_op *op)
{
    struct trec *r = ctx;
    if (op->rec == WL_REC_NONE || scn_vcpu_wl(&r->s->domains[dom], vcpu)->type == SCN_WL_NONE)
        return;     /* implied by other records; or a vCPU without a workload */
    struct tr_record rec = { .t = t, .dom = (uint16_t)dom, .vcpu = (uint16_t)vcpu };
    switch (op->kind) {
    case WL_OP_COMPUTE:
        rec.op = TR_COMPUTE;
        rec.a = op->ns > 0 ? (uint64_t)op->ns : 0;
        break;
    case WL_OP_SLEEP:
        rec.a = op->ns > now ? (uint64_t)(op->ns - now) : 0;
        rec.op = TR_SLEEP;
        if (op->rec == WL_REC_WAIT) {
            rec.op = TR_WAIT;
            rec.a = rec.a ? rec.a : 1;      /* `wait 0` would mean no timeout */
        }
        break;
    case WL_OP_YIELD:
        rec.op = TR_YIELD;
        break;
    case WL_OP_BLOCK:
        rec.op = TR_WAIT;
        break;
    }
    put(r, &rec);
}

static void on_demand(void *ctx, int dom, int vcpu, const struct wl_demand *d)
{
    struct trec *r = ctx;
    static const uint8_t ops[] = { [WL_DEM_BLOCK_SUBMIT] = TR_BLOCK_SUBMIT,
                                   [WL_DEM_NET_SEND] = TR_NET_SEND,
                                   [WL_DEM_NET_REPLY] = TR_NET_REPLY,
                                   [WL_DEM_PT_BATCH] = TR_PT_BATCH };
    struct tr_record rec = { .t = ev_now(r->loop), .dom = (uint16_t)dom, .vcpu = (uint16_t)vcpu,
                             .op = ops[d->kind], .flags = d->write ? TR_F_WRITE : 0,
                             .a = d->a, .b = d->b };
    put(r, &rec);
}

static void on_arrival(void *ctx, int dom, int vcpu, uint64_t bytes)
{
    struct trec *r = ctx;
    struct tr_record rec = { .t = ev_now(r->loop), .dom = (uint16_t)dom,
                             .vcpu = (uint16_t)vcpu, .op = TR_ARRIVAL, .a = bytes };
    put(r, &rec);
}

int trec_attach(struct trec *r, struct ev_loop *loop, struct hv *h, struct net *net)
{
    const struct scn *s = r->s;
    size_t n = 0;
    for (int d = 0; d < s->ndomains; d++)
        n += (size_t)s->domains[d].vcpus;
    r->taps = calloc(n ? n : 1, sizeof *r->taps);
    if (!r->taps)
        return -SIM_ENOMEM;
    r->loop = loop;
    struct wl_tap *t = r->taps;
    for (int d = 0; d < s->ndomains; d++) {
        for (int v = 0; v < s->domains[d].vcpus; v++, t++) {
            struct wl *w = hv_workload(h, d, v);
            if (!w || scn_vcpu_wl(&s->domains[d], v)->type == SCN_WL_NONE)
                continue;
            *t = (struct wl_tap){ on_demand, r, d, v };
            w->tap = t;
        }
    }
    hv_set_op_observer(h, on_op, r);
    net_set_arrival_observer(net, on_arrival, r);
    return 0;
}

int trec_status(const struct trec *r)
{
    return r ? r->status : -SIM_EINVAL;
}

int trec_close(struct trec *r)
{
    if (!r)
        return -SIM_EINVAL;
    int rc = tr_writer_close(r->w);
    if (r->status < 0 || rc < 0)
        remove(r->path);
    rc = r->status < 0 ? r->status : rc;
    free(r->taps);
    free(r->path);
    free(r);
    return rc;
}

void trec_abort(struct trec *r)
{
    if (!r)
        return;
    tr_writer_close(r->w);
    remove(r->path);
    free(r->taps);
    free(r->path);
    free(r);
}
