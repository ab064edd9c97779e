/*
 * traces/record.c: the run's demand as a native trace (see record.h).
 */
#include "traces/record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/hv.h"
#include "sim/err.h"
#include "traces/trace.h"
#include "workloads/wl.h"

struct trec {
    struct tr_writer *w;
    char *path;
    int status;                     /* first error, or 0 */
};

/* A trace workload with a disk or a NIC replays I/O, which is not recorded
 * as such. */
static bool recordable(const struct scn_workload *wl)
{
    enum scn_wl_type t = wl->type;
    return t == SCN_WL_NONE || t == SCN_WL_CPU || t == SCN_WL_PERIODIC
           || (t == SCN_WL_TRACE && wl->device < 0 && wl->nic < 0);
}

struct trec *trec_new(const char *path, const struct scn *s, char *err, size_t errlen)
{
    if (!path || !s || s->ndomains < 1 || s->ndomains > TR_MAX_DOMAINS) {
        snprintf(err, errlen, "--record-trace: the scenario cannot be recorded");
        return NULL;
    }
    for (int d = 0; d < s->ndomains; d++) {
        const struct scn_domain *dom = &s->domains[d];
        if (!recordable(&dom->wl)) {
            snprintf(err, errlen, "--record-trace: domain '%s' runs a workload whose requests "
                     "go through devices or the memory model; only cpu, periodic and trace "
                     "workloads (without device or nic) can be recorded for now", dom->name);
            return NULL;
        }
        if (strlen(dom->name) > TR_NAME_MAX || dom->vcpus > TR_MAX_VCPUS) {
            snprintf(err, errlen, "--record-trace: domain '%s': name longer than %d bytes or "
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
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
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
        snprintf(err, errlen, "--record-trace: %s", e);
        free(r->path);
        free(r);
        return NULL;
    }
    return r;
}

static void on_op(void *ctx, sim_time_t t, int dom, int vcpu, sim_time_t now,
                  const struct wl_op *op)
{
    struct trec *r = ctx;
    if (r->status)
        return;
    struct tr_record rec = { .t = t, .dom = (uint16_t)dom, .vcpu = (uint16_t)vcpu };
    switch (op->kind) {
    case WL_OP_COMPUTE:
        rec.op = TR_COMPUTE;
        rec.a = op->ns > 0 ? (uint64_t)op->ns : 0;
        break;
    case WL_OP_SLEEP:
        rec.op = TR_SLEEP;
        rec.a = op->ns > now ? (uint64_t)(op->ns - now) : 0;
        break;
    case WL_OP_YIELD:
        rec.op = TR_YIELD;
        break;
    case WL_OP_BLOCK:
        return;         /* domains without a workload: nothing to replay */
    }
    r->status = tr_write(r->w, &rec);
}

void trec_attach(struct trec *r, struct hv *h)
{
    hv_set_op_observer(h, on_op, r);
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
    free(r->path);
    free(r);
}
