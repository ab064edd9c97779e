/*
 * workloads/trace.c: the `trace` workload: a vCPU replays the closed-loop
 * demand recorded for it in a native trace (traces/trace.h).
 *
 * Mapping: the scenario domain replays the trace's domain of the same
 * name, or, if the trace has only one domain, that one; vCPU k replays the
 * records of the trace vCPU k, in file order, one operation per record:
 *   compute a   COMPUTE a ns (it takes as long as the scheduler lets it);
 *   sleep a     SLEEP until NOW() + a (relative, so a replay that is
 *               delayed stays delayed, as a real guest's timer would);
 *   yield       YIELD.
 * At the end of the trace the vCPU loops back to the first record if
 * `loop: true`, else it blocks for good. The whole trace is read once when
 * the workload is built, so a damaged file, a domain that is not in it, or
 * records this replay cannot perform are refused before the run starts,
 * with the reader's message (byte offset or line).
 *
 * Source: DESIGN.md section 4 (`trace` workload) and issue 6.
 *
 * Simplified (this stage): the closed-loop CPU operations only. Traces
 * whose records for the domain include block I/O, network sends, page-table
 * batches or open-loop arrivals are refused (their replay through the split
 * drivers and the memory model comes next); the time stamps of closed-loop
 * records are not used (only their order).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/err.h"
#include "traces/trace.h"
#include "workloads/wl.h"

struct wl_trace {
    struct wl base;
    struct tr_reader *r;            /* streamed: one block in memory */
    int tdom;                       /* the trace's domain index */
    int vcpu;                       /* the trace's vCPU index (= this vCPU's) */
    bool loop;
    uint64_t mine;                  /* records for this vCPU in the whole trace */
    bool done;                      /* end of a non-looping trace */
};

static int trace_next(struct wl *w, sim_time_t now, struct wl_op *op)
{
    struct wl_trace *x = (struct wl_trace *)w;
    struct tr_record rec;
    while (!x->done) {
        int rc = tr_read(x->r, &rec);
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
        if (rec.dom != x->tdom || rec.vcpu != x->vcpu)
            continue;
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
    free(x);
}

static const struct wl_ops trace_ops = { "trace", trace_next, trace_free };

/* Which of the trace's domains the scenario domain replays, or -1. */
static int pick_domain(const struct tr_header *h, const char *name)
{
    for (uint32_t i = 0; i < h->ndomains; i++)
        if (!strcmp(h->domains[i].name, name))
            return (int)i;
    return h->ndomains == 1 ? 0 : -1;
}

/* Read the whole trace once: count this vCPU's records and refuse what
 * the replay cannot do. */
static int validate(struct wl_trace *x, const char *dname, char *err, size_t errlen)
{
    struct tr_record rec;
    int rc;
    while ((rc = tr_read(x->r, &rec)) > 0) {
        /* Arrivals are the domain's, whatever vCPU reads them. */
        if (rec.dom != x->tdom || (rec.vcpu != x->vcpu && rec.op != TR_ARRIVAL))
            continue;
        if (rec.op != TR_COMPUTE && rec.op != TR_SLEEP && rec.op != TR_YIELD) {
            snprintf(err, errlen, "domain '%s': trace record at %lld ns is a %s, which the "
                     "trace workload cannot replay yet (compute, sleep and yield only)",
                     dname, (long long)rec.t, tr_op_name(rec.op));
            return -SIM_EBADINPUT;
        }
        x->mine++;
    }
    if (rc < 0) {
        snprintf(err, errlen, "%s", tr_reader_error(x->r));
        return rc;
    }
    return tr_rewind(x->r);
}

struct wl *wl_trace_new(const struct wl_env *env, char *err, size_t errlen)
{
    const struct scn_domain *d = &env->s->domains[env->dom];
    char e[512] = "";
    struct wl_trace *x = calloc(1, sizeof *x);
    if (!x) {
        snprintf(err, errlen, "workload: out of memory");
        return NULL;
    }
    x->base.ops = &trace_ops;
    x->vcpu = env->vcpu;
    x->loop = d->wl.loop;
    x->r = tr_reader_open(d->wl.file, e, sizeof e);
    if (!x->r) {
        snprintf(err, errlen, "domain '%s': %s", d->name, e);
        free(x);
        return NULL;
    }
    const struct tr_header *h = tr_reader_header(x->r);
    x->tdom = pick_domain(h, d->name);
    if (x->tdom < 0) {
        snprintf(err, errlen, "domain '%s': trace %s has %u domains and none is named '%s'",
                 d->name, d->wl.file, (unsigned)h->ndomains, d->name);
        trace_free(&x->base);
        return NULL;
    }
    if (env->vcpu == 0 && h->domains[x->tdom].vcpus > (uint32_t)d->vcpus) {
        snprintf(err, errlen, "domain '%s': the trace's domain '%s' has %u vCPUs, the scenario "
                 "gives it %d", d->name, h->domains[x->tdom].name,
                 (unsigned)h->domains[x->tdom].vcpus, d->vcpus);
        trace_free(&x->base);
        return NULL;
    }
    if (validate(x, d->name, err, errlen) < 0) {
        trace_free(&x->base);
        return NULL;
    }
    return &x->base;
}
