/*
 * sim/host/timeline.c: the schedule kept for `xensim run --timeline` (see
 * sim/host/timeline.h).
 *
 * A schedule observer (models/hv.h) keeps, per pCPU, the vCPU switched to at
 * each context switch and the run-queue length at each change, within the
 * window only, in memory; the recorder writes them as vectors
 * (analysis/record.c). Without --timeline no observer is set and nothing is
 * buffered.
 */
#include "sim/host/timeline.h"

#include <stdio.h>
#include <stdlib.h>

#include "models/hv.h"
#include "sim/err.h"
#include "sim/ev.h"

struct tl_series {
    struct sim_vpoint *pts;
    size_t n, cap;
};

struct tl {
    struct ev_loop *loop;
    const struct hv *h;
    sim_time_t w0, w1;              /* ns engine time: record (w0, w1] */
    bool started;                   /* the state at w0 was sampled */
    int np;
    int *first;                     /* per domain: global number of its vCPU 0 */
    struct tl_series *sw;           /* per pCPU: switches */
    struct tl_series *rq;           /* per pCPU: run-queue length */
    size_t total;                   /* points kept, all series */
    bool truncated;                 /* RUN_TIMELINE_MAX_POINTS reached */
    int err;                        /* first allocation failure, or 0 */
};

void tl_free(struct tl *t)
{
    if (!t)
        return;
    for (int p = 0; p < t->np; p++) {
        if (t->sw)
            free(t->sw[p].pts);
        if (t->rq)
            free(t->rq[p].pts);
    }
    free(t->sw);
    free(t->rq);
    free(t->first);
    free(t);
}

struct tl *tl_new(struct ev_loop *loop, const struct hv *h, sim_time_t w0, sim_time_t w1)
{
    struct tl *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->loop = loop;
    t->h = h;
    t->w0 = w0;
    t->w1 = w1;
    t->np = hv_npcpus(h);
    int nd = hv_ndomains(h);
    t->first = calloc((size_t)(nd ? nd : 1), sizeof *t->first);
    t->sw = calloc((size_t)t->np, sizeof *t->sw);
    t->rq = calloc((size_t)t->np, sizeof *t->rq);
    if (!t->first || !t->sw || !t->rq) {
        tl_free(t);
        return NULL;
    }
    for (int d = 1; d < nd; d++)
        t->first[d] = t->first[d - 1] + hv_domain_vcpus(h, d - 1);
    return t;
}

/* The timeline value of a vCPU: its global number, -1 for idle. */
static double tl_value(const struct tl *t, int dom, int vcpu)
{
    return dom < 0 ? -1.0 : (double)(t->first[dom] + vcpu);
}

static void tl_push(struct tl *t, struct tl_series *s, sim_time_t at, double v)
{
    if (t->err)
        return;
    if (t->total >= RUN_TIMELINE_MAX_POINTS) {
        t->truncated = true;
        return;
    }
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 256;
        struct sim_vpoint *np = realloc(s->pts, cap * sizeof *np);
        if (!np) {
            t->err = -SIM_ENOMEM;
            return;
        }
        s->pts = np;
        s->cap = cap;
    }
    s->pts[s->n++] = (struct sim_vpoint){ (int64_t)ev_dispatched(t->loop), at, v };
    t->total++;
}

/* A run-queue sample: kept only when the length changed; two changes at
 * one instant leave one point (the later value). */
static void tl_runq(struct tl *t, int p, sim_time_t at)
{
    int q = 0;
    hv_pcpu_now(t->h, p, NULL, NULL, &q);
    struct tl_series *s = &t->rq[p];
    if (s->n && s->pts[s->n - 1].value == (double)q)
        return;
    if (s->n > 1 && s->pts[s->n - 1].t_ns == at) {
        s->pts[s->n - 1].value = (double)q;
        s->pts[s->n - 1].event = (int64_t)ev_dispatched(t->loop);
        if (s->pts[s->n - 2].value == (double)q) {
            s->n--;
            t->total--;
        }
        return;
    }
    tl_push(t, s, at, (double)q);
}

/* The state of every pCPU at w0: the first point of each vector. */
void tl_start(struct tl *t)
{
    for (int p = 0; p < t->np; p++) {
        int dom = -1, vcpu = 0, q = 0;
        hv_pcpu_now(t->h, p, &dom, &vcpu, &q);
        tl_push(t, &t->sw[p], t->w0, tl_value(t, dom, vcpu));
        tl_push(t, &t->rq[p], t->w0, (double)q);
    }
    t->started = true;
}

void tl_observe(void *ctx, const struct hv_obs *o)
{
    struct tl *t = ctx;
    if (!t->started || o->t <= t->w0 || o->t > t->w1 || o->kind == HV_OBS_POLICY)
        return;
    if (o->kind == HV_OBS_SWITCH)
        tl_push(t, &t->sw[o->pcpu], o->t, tl_value(t, o->dom, o->vcpu));
    tl_runq(t, o->pcpu, o->t);
}

int tl_error(const struct tl *t)
{
    return t->err;
}

int tl_npcpus(const struct tl *t)
{
    return t->np;
}

void tl_window(const struct tl *t, sim_time_t *w0, sim_time_t *w1)
{
    *w0 = t->w0;
    *w1 = t->w1;
}

bool tl_truncated(const struct tl *t)
{
    return t->truncated;
}

const struct sim_vpoint *tl_series_of(const struct tl *t, int p, bool runq, size_t *n)
{
    const struct tl_series *ser = runq ? &t->rq[p] : &t->sw[p];
    *n = ser->n;
    return ser->pts;
}

char *tl_enum(const struct tl *t, const struct scn *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    fprintf(f, "idle=-1");
    for (int d = 0; d < s->ndomains; d++) {
        int nv = hv_domain_vcpus(t->h, d);
        for (int v = 0; v < nv; v++) {
            if (nv == 1)
                fprintf(f, ",%s=%d", s->domains[d].name, t->first[d]);
            else
                fprintf(f, ",%s/v%d=%d", s->domains[d].name, v, t->first[d] + v);
        }
    }
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

