/*
 * schedulers/atropos.c: the Atropos soft real-time CPU scheduler as Xen 2.0
 * ran it. Each domain asks for `slice` ns of CPU every `period` ns; the
 * policy keeps an earliest-deadline-first run queue of vCPUs that still have
 * guaranteed time this period and a deadline-ordered wait queue of those
 * that do not (or that woke from a short block), hands slack time to the
 * wait queue, and scales a long-blocked vCPU's period down to its latency
 * hint on wake so that it is dispatched soon, doubling it back afterwards.
 *
 * Source: the behaviour of Xen 2.0's sched_atropos.c (Nemesis Atropos, Roscoe
 * / Cambridge 1994-1999, ported by Mark Williamson 2004) as summarised in
 * shared/facts/xen-schedulers.md sections 3 and 9; facts only, this is
 * independent code. Xen's quirks are reproduced by default and listed in
 * docs/schedulers.md ("Atropos").
 *
 * Simplified or decided here (docs/schedulers.md says why):
 *  - Time is the pCPU's NOW(); deadlines and periods are ns of it.
 *  - Xen's uninitialised `state` from at_alloc_task is modelled as 0, as if
 *    the allocator returned zeroed memory: none of UNBLOCKED, WAIT or
 *    BLOCKED, which Xen's requeue treats like a runnable vCPU (run queue).
 *  - Admission is Xen's: `insert` is at_add_task (the current period,
 *    slice and remain are its constants, 20 ms/15 ms/15 ms for a privileged
 *    domain, 10 s/10 ms/0 for others, deadline = NOW()) and queues nothing;
 *    the core's first unpause is a wake, i.e. unblock(): the short-block
 *    path when unpaused at the instant of creation (a best-effort domain,
 *    remain 0, starts in WAIT on the wait queue), the long-block path with
 *    latency scaling when unpaused later. The scenario's values are the
 *    natural ones, as Xen's adjdom set them (adjdom leaves the current
 *    ones alone). Replenishment doubles the current period and slice
 *    while the period differs from the natural one and clamps both to the
 *    natural values once the period exceeds it: a natural period below
 *    twice at_add_task's is reached at the first replenishment, one equal
 *    to at_add_task's keeps at_add_task's slice until a long block.
 *  - Idle vCPUs are set up as Xen's at_init_idle_task did (at_add_task's
 *    best-effort constants, on the run queue); the core then wakes the idle
 *    vCPU of every pCPU but 0 at boot, and since Xen set it up before system
 *    time started that wake takes the long-block path: remain 10 ms there,
 *    so idle slices on those pCPUs last 10 ms rather than the 5 ms minimum.
 *  - Blocking calls no hook (Xen 2.0's Atropos had no do_block), so a
 *    blocked vCPU keeps its state: one in WAIT returns to the wait queue
 *    after a long block, one in UNBLOCKED is charged when it blocks. The
 *    sleep hook (Xen's block(): state BLOCKED) runs only on pause.
 *  - wake never preempts (no tickle, no earlier timer): Xen 2.0's unblock
 *    only requeued, and domain_wake raised nothing either, so a woken vCPU
 *    waits for the end of the current slice, at most 5 ms on an idle pCPU.
 *  - `sticky_wait`: Xen 2.0 kept only Atropos's own UNBLOCKED, WAIT and
 *    BLOCKED states and tested runnability apart, so replenishment never
 *    sets a state that leads back to the run queue (a vCPU that once ran
 *    out of guaranteed time lives on slack until it blocks), and a slack
 *    run is charged against the guarantee. Off, as in Xen's first port of
 *    Atropos (2004-03): replenishment with time left returns the vCPU to
 *    the run queue and slack runs are free.
 *  - `global_slack_index`: Xen's slack round-robin index was a function
 *    static shared by every pCPU; off, each pCPU keeps its own.
 *  - `slack_search_wrap`: Xen's slack search looked only at positions >=
 *    the index; off, it wraps around to the start of the wait queue.
 *  These three and `uncharged_block` (at_deschedule) are the scenario keys
 *  `scheduler.atropos.<name>_quirk`, default on (Xen 2.0).
 *
 * Cost: queue insertion and the slack scans are O(n) in the vCPUs of one
 * pCPU, as in Xen; n is tens at most.
 */
#include <assert.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>

#include "schedulers/policies.h"
#include "schedulers/sched.h"
#include "sim/err.h"

/* Xen's BESTEFFORT_QUANTUM: the slack quantum and the shortest slice. */
#define AT_QUANTUM (5 * SIM_MSEC)

/* Xen's values; AT_NONE is what a zeroed per-vCPU struct holds (see top). */
enum at_state {
    AT_NONE = 0,
    AT_UNBLOCKED = 16,
    AT_WAIT = 32,
    AT_BLOCKED = 48,
};

struct at_link {
    struct at_link *prev, *next;
};

/* The queue walks read each vCPU's link and deadline, the schedule its
 * remain and state: they come first, to share a cache line. */
struct at_vcpu {
    struct at_link runq;        /* in the pCPU's run queue; self-linked if not */
    struct at_link waitq;       /* in the pCPU's wait queue; self-linked if not */
    sim_time_t deadline;        /* ns NOW(): end of the current period */
    sim_time_t remain;          /* ns of guaranteed time left this period (< 0: deficit) */
    struct sched_vcpu *v;       /* owner */
    struct at_link all;         /* in at_global.all (non-idle, inserted) */
    sim_time_t prevddln;        /* ns NOW(): start of the current period */
    sim_time_t period;          /* ns, current (scaled after a long block) */
    sim_time_t slice;           /* ns per period, current */
    sim_time_t nat_period;      /* ns, as the scenario set it */
    sim_time_t nat_slice;       /* ns per nat_period */
    sim_time_t latency;         /* ns, wake-up latency hint */
    bool xtratime;              /* may run in slack time */
    bool slack_run;             /* dispatched by the xtratime round robin */
    int state;                  /* enum at_state */
};

struct at_pcpu {
    struct at_link runq;        /* by deadline; the idle vCPU is always last */
    struct at_link waitq;       /* by deadline */
    int waitq_len;              /* entries on waitq (Xen's q_len) */
    /* Slack round-robin position in waitq (0-based) when the index is per
     * pCPU (global_slack_index off); unused otherwise. */
    int waitq_rrobin;
};

struct at_global {
    bool sticky_wait;           /* Xen 2.0: WAIT is left only by blocking,
                                   slack runs are charged */
    bool uncharged_block;       /* Xen 2.0: a run ending in a block is free */
    bool global_slack_index;    /* Xen 2.0: one slack round-robin index for
                                   every pCPU (else at_pcpu.waitq_rrobin) */
    bool slack_search_wrap;     /* Xen 2.0: the slack search stops at the end
                                   of the wait queue (no wrap-around) */
    struct sched_core *core;
    int npcpus;
    struct at_pcpu *pcpu;       /* [npcpus] */
    struct at_link all;         /* every inserted non-idle vCPU, for dump */
    /* Xen's `static waitq_rrobin` of ksched_scheduler: one slack
     * round-robin position (0-based) shared by every pCPU's wait queue;
     * used only with global_slack_index. */
    int waitq_rrobin;
};

#define AT_OF(link, member) \
    ((struct at_vcpu *)(void *)((char *)(link) - offsetof(struct at_vcpu, member)))

static void at_link_init(struct at_link *l)
{
    l->prev = l->next = l;
}

static bool at_linked(const struct at_link *l)
{
    return l->next != l;
}

/* Linking a node that is on a list, or unlinking one that is not, would
 * corrupt the list without any other symptom: the asserts catch it. */
static void at_link_before(struct at_link *l, struct at_link *pos)
{
    assert(!at_linked(l));
    l->next = pos;
    l->prev = pos->prev;
    pos->prev->next = l;
    pos->prev = l;
}

static void at_unlink(struct at_link *l)
{
    assert(at_linked(l));
    l->prev->next = l->next;
    l->next->prev = l->prev;
    at_link_init(l);
}

static struct at_vcpu *at_of(const struct sched_vcpu *v)
{
    return v->priv;
}

static void at_dequeue(struct at_global *g, struct at_vcpu *a)
{
    if (at_linked(&a->waitq)) {
        at_unlink(&a->waitq);
        g->pcpu[a->v->processor].waitq_len--;
    }
    if (at_linked(&a->runq))
        at_unlink(&a->runq);
}

/* Xen's requeue: WAIT and UNBLOCKED go to the wait queue, any other state
 * of a runnable vCPU to the run queue, a blocked vCPU nowhere. Equal
 * deadlines keep arrival order. */
static void at_requeue(struct at_global *g, struct at_vcpu *a)
{
    struct at_pcpu *p = &g->pcpu[a->v->processor];
    struct at_link *pos;

    assert(!at_linked(&a->runq) && !at_linked(&a->waitq));
    if (!a->v->runnable)
        return;
    if (a->state == AT_WAIT || a->state == AT_UNBLOCKED) {
        for (pos = p->waitq.next; pos != &p->waitq; pos = pos->next)
            if (AT_OF(pos, waitq)->deadline > a->deadline)
                break;
        at_link_before(&a->waitq, pos);
        p->waitq_len++;
    } else {
        for (pos = p->runq.next; pos != &p->runq; pos = pos->next) {
            const struct at_vcpu *i = AT_OF(pos, runq);
            if (i->v->is_idle || i->deadline > a->deadline)
                break;
        }
        at_link_before(&a->runq, pos);
    }
}

static int at_init(struct sched_core *core, const struct scn *s, void **priv)
{
    struct at_global *g = calloc(1, sizeof *g);
    if (!g)
        return -SIM_ENOMEM;
    g->npcpus = sched_npcpus(core);
    g->pcpu = calloc((size_t)g->npcpus, sizeof *g->pcpu);
    if (!g->pcpu) {
        free(g);
        return -SIM_ENOMEM;
    }
    for (int i = 0; i < g->npcpus; i++) {
        at_link_init(&g->pcpu[i].runq);
        at_link_init(&g->pcpu[i].waitq);
    }
    at_link_init(&g->all);
    g->core = core;
    g->uncharged_block = s->sched.atropos.uncharged_block_quirk;
    g->sticky_wait = s->sched.atropos.sticky_wait_quirk;
    g->global_slack_index = s->sched.atropos.global_slack_index_quirk;
    g->slack_search_wrap = s->sched.atropos.slack_search_wrap_quirk;
    *priv = g;
    return 0;
}

static void at_deinit(void *priv)
{
    struct at_global *g = priv;
    if (!g)
        return;
    free(g->pcpu);
    free(g);
}

/* Xen's at_adjdom checks, applied when the scenario's values arrive. */
static int at_alloc_vdata(void *priv, struct sched_vcpu *v)
{
    (void)priv;
    struct at_vcpu *a = calloc(1, sizeof *a);
    if (!a)
        return -SIM_ENOMEM;
    a->v = v;
    at_link_init(&a->runq);
    at_link_init(&a->waitq);
    at_link_init(&a->all);
    a->state = AT_NONE;
    if (!v->is_idle) {
        const struct scn_atropos_dom *p = &v->dom->atropos;
        if (p->latency <= 0 || p->latency > p->period || p->slice < 0 ||
            p->slice > p->period) {
            free(a);
            return -SIM_EINVAL;
        }
        a->nat_period = p->period;
        a->nat_slice = p->slice;
        a->latency = p->latency;
        a->xtratime = p->xtratime;
    }
    v->priv = a;
    return 0;
}

/* Xen's at_add_task: its constants for the current values (see top). A
 * domain's vCPU is queued by its first wake; an idle vCPU goes on the run
 * queue at once, as at_init_idle_task put it. */
static void at_insert(void *priv, struct sched_vcpu *v)
{
    struct at_global *g = priv;
    struct at_vcpu *a = at_of(v);
    sim_time_t now = sched_now(g->core, v->processor);
    bool dom0 = !v->is_idle && v->dom->privileged;

    a->remain = dom0 ? 15 * SIM_MSEC : 0;
    a->period = dom0 ? 20 * SIM_MSEC : 10 * SIM_SEC;
    a->slice = dom0 ? 15 * SIM_MSEC : 10 * SIM_MSEC;
    a->deadline = now;
    a->prevddln = dom0 ? now : 0;
    if (v->is_idle) {
        /* The idle domain got the best-effort constants in full (it never
         * had adjdom). remain 0 makes every idle slice the 5 ms minimum,
         * so an idle pCPU looks at its queues at least that often. */
        a->nat_period = a->period;
        a->nat_slice = a->slice;
        a->latency = 10 * SIM_SEC;
        a->xtratime = true;
        at_requeue(g, a);
        return;
    }
    at_link_before(&a->all, &g->all);
}

static void at_remove(void *priv, struct sched_vcpu *v)
{
    struct at_global *g = priv;
    struct at_vcpu *a = at_of(v);
    if (v->is_idle) {
        if (at_linked(&a->runq))
            at_unlink(&a->runq);
        return;
    }
    at_dequeue(g, a);
    if (at_linked(&a->all))
        at_unlink(&a->all);
}

/* Xen's block(), its sleep hook: reached only when the vCPU is paused.
 * It raises nothing; the core deschedules a paused running vCPU. */
static void at_sleep(void *priv, struct sched_vcpu *v)
{
    struct at_global *g = priv;
    struct at_vcpu *a = at_of(v);
    a->state = AT_BLOCKED;
    at_dequeue(g, a);
}

static void at_wake(void *priv, struct sched_vcpu *v)
{
    struct at_global *g = priv;
    struct at_vcpu *a = at_of(v);
    sim_time_t now = sched_now(g->core, v->processor);

    at_dequeue(g, a);
    if (a->deadline < now) {
        /* Long block: a short period (the latency hint) with the same
         * share, so the vCPU is served soon without taking more than its
         * reservation. `state` is left as it was: WAIT or UNBLOCKED send
         * it back to the wait queue; only BLOCKED (after a pause) or the
         * initial 0 reach the run queue. */
        a->prevddln = now;
        a->deadline = now + a->latency;
        a->slice = a->nat_slice / (a->nat_period / a->latency);
        a->period = a->latency;
        a->remain = a->slice;
    } else {
        /* Short block: keep what is left of this period; with time left
         * it is preferred for slack until its deadline. */
        a->state = a->remain > 0 ? AT_UNBLOCKED : AT_WAIT;
    }
    at_requeue(g, a);
}

static void at_deschedule(struct at_global *g, struct sched_vcpu *cur, sim_time_t now)
{
    struct at_vcpu *a = at_of(cur);
    sim_time_t ranfor = now - cur->lastschd;

    at_dequeue(g, a);
    if (a->slack_run && !g->sticky_wait) {
        /* What-if: slack is a gift, as when WAIT was a task state that
         * the charging test excluded. */
    } else if (cur->runnable || a->state == AT_UNBLOCKED
               || (!g->uncharged_block && a->state != AT_BLOCKED)) {
        /* Xen charges a runnable vCPU, and one in UNBLOCKED even if it
         * has just blocked; with uncharged_block off a run that ended in
         * a block is charged too (not one ended by a pause: BLOCKED). */
        a->remain -= ranfor;
        if (a->remain <= 0)
            a->state = AT_WAIT;
    }
    at_requeue(g, a);
}

/* Start new periods for every wait-queue vCPU whose deadline has passed. */
static void at_replenish(struct at_global *g, struct at_pcpu *p, sim_time_t now)
{
    while (p->waitq.next != &p->waitq) {
        struct at_vcpu *a = AT_OF(p->waitq.next, waitq);
        if (a->deadline > now)
            break;
        at_dequeue(g, a);
        if (a->period != a->nat_period) {
            a->period *= 2;
            a->slice *= 2;
            if (a->period > a->nat_period) {
                a->period = a->nat_period;
                a->slice = a->nat_slice;
            }
        }
        /* Unused time does not accumulate, a deficit (slack runs are
         * charged too) carries over. */
        if (a->remain > 0)
            a->remain = a->slice;
        else
            a->remain += a->slice;
        a->prevddln = a->deadline;
        a->deadline += a->period;
        if (a->remain <= 0)
            a->state = AT_WAIT;
        else if (!g->sticky_wait)
            a->state = AT_NONE;
        at_requeue(g, a);
    }
}

static struct sched_slice at_do_schedule(void *priv, int pcpu, sim_time_t now)
{
    struct at_global *g = priv;
    struct at_pcpu *p = &g->pcpu[pcpu];
    struct sched_vcpu *cur = sched_curr(g->core, pcpu);

    if (!cur->is_idle)
        at_deschedule(g, cur, now);
    at_replenish(g, p, now);

    assert(p->runq.next != &p->runq);
    struct at_vcpu *next = AT_OF(p->runq.next, runq);
    sim_time_t newtime = now + next->remain;
    struct at_link *pos;
    bool slack = false;

    if (next->v->is_idle && p->waitq_len > 0) {
        for (pos = p->waitq.next; pos != &p->waitq; pos = pos->next) {
            struct at_vcpu *a = AT_OF(pos, waitq);
            if (a->state == AT_UNBLOCKED) {
                next = a;
                newtime = now + a->remain;
                goto found;
            }
        }
        /* Xen's approximate round robin: the index is a position in a
         * queue whose order changes. With the global-index quirk every
         * pCPU moves the same index, so one pCPU's decisions skip vCPUs
         * of another; without it each pCPU keeps its own. */
        int *rrobin = g->global_slack_index ? &g->waitq_rrobin : &p->waitq_rrobin;
        if (*rrobin >= p->waitq_len)
            *rrobin = 0;
        int i = 0;
        for (pos = p->waitq.next; pos != &p->waitq; pos = pos->next, i++) {
            struct at_vcpu *a = AT_OF(pos, waitq);
            if (a->xtratime && i >= *rrobin) {
                next = a;
                newtime = now + AT_QUANTUM;
                *rrobin = i + 1;
                slack = true;
                goto found;
            }
        }
        /* Xen searched only from the index to the end, so the pCPU could
         * idle although an xtratime vCPU waited before the index. Without
         * the quirk the search wraps around to the queue's start (the
         * positions < index, which the loop above skipped). */
        if (!g->slack_search_wrap) {
            i = 0;
            for (pos = p->waitq.next; i < *rrobin; pos = pos->next, i++) {
                struct at_vcpu *a = AT_OF(pos, waitq);
                if (a->xtratime) {
                    next = a;
                    newtime = now + AT_QUANTUM;
                    *rrobin = i + 1;
                    slack = true;
                    goto found;
                }
            }
        }
    }
found:
    /* Stop in time to replenish the first waiting vCPU, but never run a
     * slice shorter than the quantum, even past remain or that deadline. */
    if (p->waitq_len > 0) {
        sim_time_t d = AT_OF(p->waitq.next, waitq)->deadline;
        if (d < newtime)
            newtime = d;
    }
    if (newtime < now + AT_QUANTUM)
        newtime = now + AT_QUANTUM;
    next->slack_run = slack;
    return (struct sched_slice){ .next = next->v, .slice = newtime - now };
}

static const char *at_state_name(int state)
{
    switch (state) {
    case AT_NONE: return "none";
    case AT_UNBLOCKED: return "unblocked";
    case AT_WAIT: return "wait";
    case AT_BLOCKED: return "blocked";
    default: return "?";
    }
}

static void at_dump_vcpu(const struct at_vcpu *a, FILE *out)
{
    if (a->v->is_idle) {
        fprintf(out, "    idle\n");
        return;
    }
    fprintf(out,
            "    vcpu %d (dom %d.%d) %s deadline %" PRId64 " prevddln %" PRId64
            " remain %" PRId64 " period %" PRId64 "/%" PRId64 " slice %" PRId64
            "/%" PRId64 " latency %" PRId64 " xtratime %d\n",
            a->v->id, a->v->domain, a->v->vcpu, at_state_name(a->state), a->deadline,
            a->prevddln, a->remain, a->period, a->nat_period, a->slice, a->nat_slice,
            a->latency, a->xtratime);
}

static void at_dump(void *priv, FILE *out)
{
    const struct at_global *g = priv;
    fprintf(out,
            "atropos: sticky_wait %d uncharged_block %d global_slack_index %d"
            " slack_search_wrap %d",
            g->sticky_wait, g->uncharged_block, g->global_slack_index, g->slack_search_wrap);
    if (g->global_slack_index)
        fprintf(out, " waitq_rrobin %d", g->waitq_rrobin);
    fprintf(out, "\n");
    for (int c = 0; c < g->npcpus; c++) {
        const struct at_pcpu *p = &g->pcpu[c];
        const struct at_link *pos;
        fprintf(out, "  pcpu %d runq:\n", c);
        for (pos = p->runq.next; pos != &p->runq; pos = pos->next)
            at_dump_vcpu(AT_OF(pos, runq), out);
        fprintf(out, "  pcpu %d waitq (%d)", c, p->waitq_len);
        if (!g->global_slack_index)
            fprintf(out, " waitq_rrobin %d", p->waitq_rrobin);
        fprintf(out, ":\n");
        for (pos = p->waitq.next; pos != &p->waitq; pos = pos->next)
            at_dump_vcpu(AT_OF(pos, waitq), out);
    }
    fprintf(out, "  off queue:\n");
    for (const struct at_link *pos = g->all.next; pos != &g->all; pos = pos->next) {
        const struct at_vcpu *a = AT_OF(pos, all);
        if (!at_linked(&a->runq) && !at_linked(&a->waitq))
            at_dump_vcpu(a, out);
    }
}

const struct sched_ops sched_atropos_ops = {
    .name = "Atropos Soft Real Time Scheduler",
    .opt_name = "atropos",
    .init = at_init,
    .deinit = at_deinit,
    .alloc_vdata = at_alloc_vdata,
    .insert = at_insert,
    .remove = at_remove,
    .sleep = at_sleep,
    .wake = at_wake,
    .do_schedule = at_do_schedule,
    .dump = at_dump,
};
