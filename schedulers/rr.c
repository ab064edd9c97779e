/*
 * schedulers/rr.c: Round Robin, as Xen 2.0's sched_rrobin.c behaved.
 *
 * Source: the behaviour recorded in shared/facts/xen-schedulers.md section
 * 4 (RELEASE-2.0.0:xen/common/sched_rrobin.c; facts only, no Xen code).
 * Xen's manual called it "a simple demonstration of Xen's internal
 * scheduler API... not intended for production use".
 *
 * Model: one global slice (scenario scheduler.rr.slice, default 10 ms) and
 * one FIFO run queue per pCPU. A descheduled vCPU goes to the tail; a
 * waking vCPU goes to the HEAD but preempts only an idle pCPU, so it runs
 * at the end of the current slice, ahead of everyone queued. Every
 * dispatch, idle's included, gets the full slice.
 *
 * Simplified: Xen anchored the queue on the idle domain's own list node so
 * an empty queue "resolved" to idle; here idle is never queued and an empty
 * queue returns it explicitly, which is the same choice. A new vCPU
 * enters through wake (at the head) when the core first unpauses it, as
 * Xen's new domains did. No quirk of RR has an option.
 */
#include "schedulers/policies.h"

#include <assert.h>
#include <stdlib.h>
#include "sim/err.h"

/* Intrusive run-queue link; next == NULL means "not queued". */
struct rr_link {
    struct rr_link *prev, *next;
};

struct rr_vcpu {
    struct rr_link link;            /* in its pCPU's run queue */
    struct sched_vcpu *v;
};

struct rr_cpu {
    struct rr_link runq;            /* sentinel of a circular list; idle never on it */
};

struct rr {
    struct sched_core *core;
    sim_time_t slice;               /* ns, every dispatch (Xen rr_slice) */
    int npcpus;
    struct rr_cpu *cpus;            /* [npcpus] */
};

static struct rr_vcpu *rr_of(struct rr_link *l)
{
    return (struct rr_vcpu *)((char *)l - offsetof(struct rr_vcpu, link));
}

static bool rr_queued(const struct rr_vcpu *rv)
{
    return rv->link.next != NULL;
}

/* Linking a queued vCPU again, or unlinking one that is not queued, would
 * corrupt the queue without any other symptom: the asserts catch it. */
static void rr_add_head(struct rr_link *q, struct rr_vcpu *rv)
{
    assert(!rr_queued(rv));
    rv->link.prev = q;
    rv->link.next = q->next;
    q->next->prev = &rv->link;
    q->next = &rv->link;
}

static void rr_add_tail(struct rr_link *q, struct rr_vcpu *rv)
{
    assert(!rr_queued(rv));
    rv->link.next = q;
    rv->link.prev = q->prev;
    q->prev->next = &rv->link;
    q->prev = &rv->link;
}

static void rr_del(struct rr_vcpu *rv)
{
    assert(rr_queued(rv));
    rv->link.prev->next = rv->link.next;
    rv->link.next->prev = rv->link.prev;
    rv->link.prev = rv->link.next = NULL;
}

static int rr_init(struct sched_core *core, const struct scn *s, void **priv)
{
    *priv = NULL;
    if (s->sched.rr.slice <= 0)
        return -SIM_EINVAL;         /* do_schedule must return a slice > 0 */
    struct rr *r = calloc(1, sizeof *r);
    if (!r)
        return -SIM_ENOMEM;
    r->core = core;
    r->slice = s->sched.rr.slice;
    r->npcpus = sched_npcpus(core);
    r->cpus = calloc((size_t)r->npcpus, sizeof *r->cpus);
    if (!r->cpus) {
        free(r);
        return -SIM_ENOMEM;
    }
    for (int p = 0; p < r->npcpus; p++)
        r->cpus[p].runq.prev = r->cpus[p].runq.next = &r->cpus[p].runq;
    *priv = r;
    return 0;
}

static void rr_deinit(void *priv)
{
    struct rr *r = priv;
    if (!r)
        return;
    free(r->cpus);
    free(r);
}

static int rr_alloc_vdata(void *priv, struct sched_vcpu *v)
{
    (void)priv;
    struct rr_vcpu *rv = calloc(1, sizeof *rv);
    if (!rv)
        return -SIM_ENOMEM;
    rv->v = v;
    v->priv = rv;
    return 0;
}

/* Xen's rr_add_task only records the owner: a new vCPU is paused and
 * joins the queue through wake when the core unpauses it. */
static void rr_insert(void *priv, struct sched_vcpu *v)
{
    (void)priv;
    (void)v;
}

static void rr_remove(void *priv, struct sched_vcpu *v)
{
    (void)priv;
    struct rr_vcpu *rv = v->priv;
    if (rv && rr_queued(rv))
        rr_del(rv);
}

static void rr_sleep(void *priv, struct sched_vcpu *v)
{
    struct rr *r = priv;
    struct rr_vcpu *rv = v->priv;
    /* The running vCPU leaves the queue in do_schedule, not here. */
    if (sched_curr(r->core, v->processor) == v)
        sched_tickle(r->core, v->processor);
    else if (rr_queued(rv))
        rr_del(rv);
}

static void rr_wake(void *priv, struct sched_vcpu *v)
{
    struct rr *r = priv;
    struct rr_vcpu *rv = v->priv;
    if (v->is_idle || rr_queued(rv))
        return;                     /* someone already did the wake-up work */
    rr_add_head(&r->cpus[v->processor].runq, rv);
    /* A busy pCPU finishes its slice first: RR never preempts for a wake. */
    if (sched_curr(r->core, v->processor)->is_idle)
        sched_tickle(r->core, v->processor);
}

static struct sched_slice rr_do_schedule(void *priv, int pcpu, sim_time_t now)
{
    (void)now;
    struct rr *r = priv;
    struct rr_link *q = &r->cpus[pcpu].runq;
    struct sched_vcpu *prev = sched_curr(r->core, pcpu);

    if (!prev->is_idle) {
        struct rr_vcpu *rv = prev->priv;
        if (rr_queued(rv))
            rr_del(rv);
        if (prev->runnable)
            rr_add_tail(q, rv);
    }
    struct sched_slice s = { sched_idle(r->core, pcpu), r->slice };
    if (q->next != q)
        s.next = rr_of(q->next)->v;
    return s;
}

static void rr_dump(void *priv, FILE *out)
{
    struct rr *r = priv;
    fprintf(out, "rr: slice %lld ns\n", (long long)r->slice);
    for (int p = 0; p < r->npcpus; p++) {
        struct rr_link *q = &r->cpus[p].runq;
        fprintf(out, "  cpu %d curr %d runq:", p, sched_curr(r->core, p)->id);
        for (struct rr_link *l = q->next; l != q; l = l->next)
            fprintf(out, " %d", rr_of(l)->v->id);
        fputc('\n', out);
    }
}

const struct sched_ops sched_rr_ops = {
    .name = "Round Robin",
    .opt_name = "rr",
    .init = rr_init,
    .deinit = rr_deinit,
    .alloc_vdata = rr_alloc_vdata,
    .insert = rr_insert,
    .remove = rr_remove,
    .sleep = rr_sleep,
    .wake = rr_wake,
    .do_schedule = rr_do_schedule,
    .dump = rr_dump,
};
