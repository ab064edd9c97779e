/*
 * schedulers/null.c: the null scheduler as Xen 4.17 runs it
 * (scheduler.name: null).
 *
 * Source (facts only, no Xen code; docs/schedulers.md has the algorithm and
 * the tables): xen/common/sched/null.c of RELEASE-4.17.5, the file Debian
 * 12's xen 4.17.5+72-g01140da4e8 ships unchanged, and the parts of
 * xen/common/sched/core.c it relies on (sched_init_vcpu, vcpu_wake,
 * affinity balancing). The scheduling unit is one vCPU (sched-gran=cpu).
 *
 * Model: each pCPU has at most one vCPU assigned to it for good. A new vCPU
 * is assigned at insert to the pCPU pick_res chooses (its own if free and
 * within its soft, then hard, affinity, else the first free pCPU of that
 * mask); with no free pCPU it joins one FIFO wait list for the host.
 * do_schedule runs the assigned vCPU if it is runnable and idle otherwise,
 * with no time slice; a pCPU left without a vCPU takes the first waiting
 * vCPU that may run there (soft affinity first). A vCPU that blocks keeps
 * its pCPU, so a waiting vCPU gets one only when an assigned vCPU leaves
 * (remove). Wake and pause only make the vCPU's own pCPU reschedule.
 *
 * Simplified: where Xen's pick_res falls back to cpumask_any (a random
 * pCPU of the hard affinity, for a vCPU that goes on the wait list), the
 * vCPU stays on the pCPU the core placed it on if it may run there, else
 * the first it may: a waiting vCPU never runs where it is parked, so only
 * its bookkeeping pCPU differs. The insert starts from the core's
 * placement (models/hv.c), not from Xen's sched_select_initial_cpu. Xen's
 * paths for vCPUs going offline and for cpupool changes have no
 * counterpart (xensim vCPUs are never offlined), and no tasklets.
 */
#include "schedulers/policies.h"

#include <assert.h>
#include <stdlib.h>
#include "sim/err.h"

/* Trace records, TRC_SCHED_CLASS_EVT(SNULL, n) of Xen 4.17's
 * public/trace.h: class 0x00022000, the null scheduler's id 5 at bit 9. */
enum {
    NL_TRC_PICKED_CPU = 1,          /* vcpu | dom << 16, pCPU */
    NL_TRC_ASSIGN = 2,              /* the same */
    NL_TRC_DEASSIGN = 3,            /* the same */
    NL_TRC_SCHEDULE = 5,            /* tasklet | pCPU << 16, vcpu | dom << 16 (-1: none) */
};
#define NL_TRC(n) (0x00022000u + (5u << 9) + (uint32_t)(n))

struct nl_vcpu {
    struct sched_vcpu *v;
    bool waiting;                   /* on the wait list */
    struct nl_vcpu *wprev, *wnext;  /* wait list links */
};

struct nl {
    struct sched_core *core;
    int np;
    struct sched_vcpu **assigned;   /* [np]: the vCPU each pCPU is assigned, NULL = free */
    struct nl_vcpu *whead, *wtail;  /* the wait list, oldest first */
};

static struct nl_vcpu *nv(const struct sched_vcpu *v)
{
    return v->priv;
}

static void trc_vcpu(const struct nl *x, int cpu, int n, const struct sched_vcpu *v, int pcpu)
{
    uint32_t d[2] = { sched_trace_unit(v), (uint32_t)pcpu };
    sched_trace(x->core, cpu, NL_TRC(n), 2, d);
}

/* The affinity balancing steps of Xen 4.x: soft (within hard) first, for
 * a vCPU whose soft affinity matters, then hard. */
enum { NL_STEP_SOFT, NL_STEP_HARD };

static void wait_add(struct nl *x, struct nl_vcpu *n)
{
    n->waiting = true;
    n->wnext = NULL;
    n->wprev = x->wtail;
    if (x->wtail)
        x->wtail->wnext = n;
    else
        x->whead = n;
    x->wtail = n;
}

static void wait_del(struct nl *x, struct nl_vcpu *n)
{
    if (!n->waiting)
        return;
    if (n->wprev)
        n->wprev->wnext = n->wnext;
    else
        x->whead = n->wnext;
    if (n->wnext)
        n->wnext->wprev = n->wprev;
    else
        x->wtail = n->wprev;
    n->waiting = false;
    n->wprev = n->wnext = NULL;
}

/* pick_res: v's own pCPU if it is free (or v's) and in the step's mask,
 * else the first free pCPU of the mask; after both steps, a pCPU of the
 * hard affinity (see the simplification above). */
static int pick(const struct nl *x, const struct sched_vcpu *v)
{
    int cpu = v->processor, out = -1;
    bool soft = sched_soft_matters(x->core, v);
    for (int step = NL_STEP_SOFT; step <= NL_STEP_HARD && out < 0; step++) {
        if (step == NL_STEP_SOFT && !soft)
            continue;
        if ((!x->assigned[cpu] || x->assigned[cpu] == v) &&
            sched_in_step(x->core, v, step == NL_STEP_SOFT, cpu)) {
            out = cpu;
            break;
        }
        for (int p = 0; p < x->np && out < 0; p++)
            if (!x->assigned[p] && sched_in_step(x->core, v, step == NL_STEP_SOFT, p))
                out = p;
    }
    if (out < 0 && sched_may_run(x->core, v, cpu))
        out = cpu;
    for (int p = 0; p < x->np && out < 0; p++)
        if (sched_may_run(x->core, v, p))
            out = p;
    trc_vcpu(x, v->processor, NL_TRC_PICKED_CPU, v, out);
    return out;
}

/* unit_assign: cpu is v's for good; a waiting vCPU is moved there (it
 * never ran, so it is neither running nor asleep with a deadline). */
static void assign(struct nl *x, struct sched_vcpu *v, int cpu)
{
    x->assigned[cpu] = v;
    if (v->processor != cpu) {
        int rc = sched_move(x->core, v, cpu);
        assert(rc == 0);
        (void)rc;
    }
    trc_vcpu(x, cpu, NL_TRC_ASSIGN, v, cpu);
}

/* The first waiting vCPU that may run on cpu, those whose soft affinity
 * matters and includes cpu first (unit_deassign's and null_schedule's
 * scans of the wait list). */
static struct nl_vcpu *first_waiter(const struct nl *x, int cpu)
{
    for (int step = NL_STEP_SOFT; step <= NL_STEP_HARD; step++)
        for (struct nl_vcpu *w = x->whead; w; w = w->wnext) {
            if (step == NL_STEP_SOFT && !sched_soft_matters(x->core, w->v))
                continue;
            if (sched_in_step(x->core, w->v, step == NL_STEP_SOFT, cpu))
                return w;
        }
    return NULL;
}

/* unit_deassign: v gives up its pCPU, which goes to the first fitting
 * waiting vCPU, if any (and reschedules to run it). */
static void deassign(struct nl *x, struct sched_vcpu *v)
{
    int cpu = v->processor;
    x->assigned[cpu] = NULL;
    trc_vcpu(x, cpu, NL_TRC_DEASSIGN, v, cpu);
    struct nl_vcpu *w = first_waiter(x, cpu);
    if (!w)
        return;
    wait_del(x, w);
    assign(x, w->v, cpu);
    sched_tickle(x->core, cpu);
}

static int nl_init(struct sched_core *core, const struct scn *s, void **priv)
{
    (void)s;
    struct nl *x = calloc(1, sizeof *x);
    if (!x)
        return -SIM_ENOMEM;
    x->core = core;
    x->np = sched_npcpus(core);
    x->assigned = calloc((size_t)x->np, sizeof *x->assigned);
    if (!x->assigned) {
        free(x);
        return -SIM_ENOMEM;
    }
    *priv = x;
    return 0;
}

static void nl_deinit(void *priv)
{
    struct nl *x = priv;
    free(x->assigned);
    free(x);
}

static int nl_alloc_vdata(void *priv, struct sched_vcpu *v)
{
    (void)priv;
    struct nl_vcpu *n = calloc(1, sizeof *n);
    if (!n)
        return -SIM_ENOMEM;
    n->v = v;
    v->priv = n;
    return 0;
}

/* null_unit_insert: the pCPU pick chooses if free, else the wait list
 * (pick only answers a taken pCPU when none of the hard affinity is free,
 * so Xen's retry for a pCPU taken meanwhile does not arise). */
static void nl_insert(void *priv, struct sched_vcpu *v)
{
    struct nl *x = priv;
    if (v->is_idle)
        return;
    int cpu = pick(x, v);
    if (cpu != v->processor) {
        int rc = sched_place(x->core, v, cpu);
        assert(rc == 0);
        (void)rc;
    }
    if (!x->assigned[cpu]) {
        x->assigned[cpu] = v;
        trc_vcpu(x, cpu, NL_TRC_ASSIGN, v, cpu);
    } else {
        wait_add(x, nv(v));
    }
}

static void nl_remove(void *priv, struct sched_vcpu *v)
{
    struct nl *x = priv;
    struct nl_vcpu *n = nv(v);
    if (!n || v->is_idle)
        return;
    if (n->waiting)
        wait_del(x, n);
    else if (x->assigned[v->processor] == v)
        deassign(x, v);
}

/* null_unit_wake: a vCPU that runs or waits needs nothing; an assigned
 * one makes its pCPU reschedule. A vCPU neither assigned nor waiting
 * (Xen: back from offline; not reachable here, kept for completeness)
 * takes its own pCPU if that is free and within its affinities, else
 * waits and every free pCPU it may run on is made to reschedule. */
static void nl_wake(void *priv, struct sched_vcpu *v)
{
    struct nl *x = priv;
    if (v->is_idle || sched_running(x->core, v) || nv(v)->waiting)
        return;
    int cpu = v->processor;
    if (x->assigned[cpu] == v) {
        sched_tickle(x->core, cpu);
        return;
    }
    if (!x->assigned[cpu] && sched_in_step(x->core, v, false, cpu)
        && (!sched_soft_matters(x->core, v) || sched_in_step(x->core, v, true, cpu))) {
        x->assigned[cpu] = v;
        trc_vcpu(x, cpu, NL_TRC_ASSIGN, v, cpu);
        sched_tickle(x->core, cpu);
        return;
    }
    wait_add(x, nv(v));
    for (int p = 0; p < x->np; p++)
        if (!x->assigned[p] && sched_may_run(x->core, v, p))
            sched_tickle(x->core, p);
}

/* null_unit_sleep: a paused vCPU that runs makes its pCPU reschedule. */
static void nl_sleep(void *priv, struct sched_vcpu *v)
{
    struct nl *x = priv;
    if (!v->is_idle && sched_running(x->core, v))
        sched_tickle(x->core, v->processor);
}

/* null_schedule: the assigned vCPU if runnable, else idle; a free pCPU
 * first takes a waiting vCPU. No time slice (Xen's next_time -1). */
static struct sched_slice nl_do_schedule(void *priv, int pcpu, sim_time_t now)
{
    (void)now;
    struct nl *x = priv;
    struct sched_vcpu *next = x->assigned[pcpu];
    uint32_t d[2] = { (uint32_t)pcpu << 16, next ? sched_trace_unit(next) : 0xffffffffu };
    sched_trace(x->core, pcpu, NL_TRC(NL_TRC_SCHEDULE), 2, d);
    if (!next) {
        struct nl_vcpu *w = first_waiter(x, pcpu);
        if (w) {
            wait_del(x, w);
            assign(x, w->v, pcpu);
            next = w->v;
        }
    }
    if (!next || !next->runnable)
        next = sched_idle(x->core, pcpu);
    return (struct sched_slice){ next, SIM_TIME_MAX };
}

static void nl_dump(void *priv, FILE *out)
{
    struct nl *x = priv;
    for (int p = 0; p < x->np; p++) {
        const struct sched_vcpu *v = x->assigned[p];
        if (v)
            fprintf(out, "pCPU %d: d%dv%d\n", p, v->domain, v->vcpu);
        else
            fprintf(out, "pCPU %d: free\n", p);
    }
    fprintf(out, "waiting:");
    for (const struct nl_vcpu *w = x->whead; w; w = w->wnext)
        fprintf(out, " d%dv%d", w->v->domain, w->v->vcpu);
    fprintf(out, "\n");
}

const struct sched_ops sched_null_ops = {
    .name = "null Scheduler",
    .opt_name = "null",
    .init = nl_init,
    .deinit = nl_deinit,
    .alloc_vdata = nl_alloc_vdata,
    .insert = nl_insert,
    .remove = nl_remove,
    .sleep = nl_sleep,
    .wake = nl_wake,
    .do_schedule = nl_do_schedule,
    .dump = nl_dump,
};
