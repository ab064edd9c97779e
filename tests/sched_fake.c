/*
 * tests/sched_fake.c: the fake hypervisor core of tests/sched_fake.h.
 *
 * It stands in for models/hv.c behind schedulers/sched.h so a policy can be
 * driven one call at a time. Everything lives in fixed arrays (test sizes
 * are small and known), and misuse by a policy (an unknown timer, a vCPU of
 * another pCPU returned by do_schedule) aborts, so a policy bug fails the
 * test loudly instead of corrupting the fake.
 */
#include "tests/sched_fake.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include "sim/err.h"

struct fake_vcpu {
    struct sched_vcpu v;
    struct scn_domain dom;          /* the parameters v.dom points at */
    sim_time_t cpu_time;            /* ns charged by fake_schedule */
    int moves;                      /* sched_move and finished sched_migrate calls */
    bool migrating;                 /* sched_migrate: moved at its next deschedule */
    bool parked;                    /* sched_park */
    bool blocked;                   /* fake_block, until fake_wake */
};

struct fake_timer {
    struct sched_timer *t;          /* the policy's object (identity only) */
    int pcpu;
    void (*fn)(void *arg);
    void *arg;
    bool pending;
    sim_time_t expires;             /* ns NOW() of pcpu, while pending */
    unsigned long seq;              /* set order, breaks deadline ties */
};

struct sched_core {
    bool booting;                   /* idle vCPUs being set up: NOW() reads -1 */
    const struct sched_ops *ops;
    void *priv;                     /* the policy's global state */
    struct scn scn;                 /* only .sched, .machine.pcpus and .topology are set */
    int npcpus;
    sim_time_t now[FAKE_MAX_PCPUS];             /* ns NOW() */
    sim_time_t slice_timer[FAKE_MAX_PCPUS];     /* ns NOW(), SIM_TIME_MAX if unset */
    struct sched_vcpu *curr[FAKE_MAX_PCPUS];
    struct sched_vcpu *inserting;   /* the vCPU whose insert hook runs (sched_place) */
    int scheduling;                 /* pCPU whose do_schedule runs, -1 */
    struct sched_vcpu *chosen;      /* not running, asked to migrate from do_schedule */
    struct fake_vcpu idle[FAKE_MAX_PCPUS];
    struct fake_vcpu *vcpus[FAKE_MAX_VCPUS];
    int nvcpus;
    struct fake_call log[FAKE_MAX_LOG];
    size_t nlog;
    /* Counts survive a full log (long fake_run loops). */
    int ntickle[FAKE_MAX_PCPUS];
    int nearlier[FAKE_MAX_PCPUS];
    sim_time_t last_earlier[FAKE_MAX_PCPUS];    /* ns NOW() */
    struct fake_timer timers[FAKE_MAX_TIMERS];
    int ntimers;
    unsigned long timer_seq;
};

/* sched_timer_set/cancel get no core argument; see the header. */
static struct sched_core *fake_current;

static void fake_check_pcpu(const struct sched_core *c, int pcpu)
{
    if (pcpu < 0 || pcpu >= c->npcpus)
        abort();
}

static struct fake_vcpu *fake_of(const struct sched_vcpu *v)
{
    return (struct fake_vcpu *)((char *)v - offsetof(struct fake_vcpu, v));
}

static void fake_record(struct sched_core *c, enum fake_call_kind kind, int pcpu,
                        sim_time_t expires)
{
    if (kind == FAKE_TICKLE) {
        c->ntickle[pcpu]++;
    } else {
        c->nearlier[pcpu]++;
        c->last_earlier[pcpu] = expires;
    }
    if (c->nlog >= FAKE_MAX_LOG)
        return;
    c->log[c->nlog++] = (struct fake_call){ .kind = kind, .pcpu = pcpu, .expires = expires,
                                            .at = c->now[pcpu] };
}

/* ---- the core services of schedulers/sched.h ---- */

sim_time_t sched_now(struct sched_core *core, int pcpu)
{
    fake_check_pcpu(core, pcpu);
    return core->booting ? -1 : core->now[pcpu];
}

int sched_npcpus(const struct sched_core *core)
{
    return core->npcpus;
}

const struct topo *sched_topology(const struct sched_core *core)
{
    return &core->scn.machine.topology.t;
}

bool sched_may_run(const struct sched_core *core, const struct sched_vcpu *v, int pcpu)
{
    if (pcpu < 0 || pcpu >= core->npcpus)
        return false;
    return v->is_idle ? pcpu == v->processor : scn_dom_may_run(v->dom, pcpu);
}

bool sched_prefers(const struct sched_core *core, const struct sched_vcpu *v, int pcpu)
{
    if (pcpu < 0 || pcpu >= core->npcpus)
        return false;
    return v->is_idle ? pcpu == v->processor : scn_dom_prefers(v->dom, pcpu);
}

static bool fake_running(const struct sched_core *c, const struct sched_vcpu *v)
{
    for (int p = 0; p < c->npcpus; p++)
        if (c->curr[p] == v)
            return true;
    return false;
}

bool sched_running(const struct sched_core *core, const struct sched_vcpu *v)
{
    return fake_running(core, v);
}

int sched_move(struct sched_core *core, struct sched_vcpu *v, int pcpu)
{
    if (v->is_idle || !sched_may_run(core, v, pcpu))
        return -SIM_EINVAL;
    if (fake_running(core, v) || fake_of(v)->migrating)
        return -SIM_ESTATE;
    if (v->processor != pcpu) {
        v->processor = pcpu;
        fake_of(v)->moves++;
    }
    return 0;
}

int sched_place(struct sched_core *core, struct sched_vcpu *v, int pcpu)
{
    if (v->is_idle || !sched_may_run(core, v, pcpu))
        return -SIM_EINVAL;
    if (core->inserting != v)
        return -SIM_ESTATE;
    v->processor = pcpu;
    return 0;
}

int sched_migrate(struct sched_core *core, struct sched_vcpu *v)
{
    if (v->is_idle || !core->ops->pick_cpu)
        return -SIM_EINVAL;
    /* Not runnable and not parked: blocked. */
    struct fake_vcpu *fv = fake_of(v);
    if (fv->migrating || v == core->chosen)
        return -SIM_ESTATE;
    bool blocked = fv->blocked;
    if (core->curr[v->processor] != v) {
        /* From do_schedule, a vCPU it may be about to return. */
        if (core->scheduling < 0 || core->chosen || !v->runnable)
            return -SIM_ESTATE;
        core->chosen = v;
    } else {
        fv->migrating = true;
    }
    v->runnable = false;
    if (!blocked)
        sched_tickle(core, v->processor);
    return 0;
}

/* As the real core once v is off its pCPU (or at once if it never ran): a
 * vCPU asked to migrate goes where pick_cpu says and is woken there unless
 * parked or blocked (fake_blocked). */
static void fake_finish_migrate(struct sched_core *c, struct sched_vcpu *v)
{
    struct fake_vcpu *fv = fake_of(v);
    fv->migrating = false;
    int to = c->ops->pick_cpu(c->priv, v);
    if (!sched_may_run(c, v, to))
        abort();
    if (to != v->processor) {
        v->processor = to;
        fv->moves++;
    }
    if (!fv->parked && !fv->blocked)
        fake_wake(c, v);
}

int sched_park(struct sched_core *core, struct sched_vcpu *v)
{
    if (v->is_idle)
        return -SIM_EINVAL;
    struct fake_vcpu *fv = fake_of(v);
    if (fv->parked)
        return 0;
    fv->parked = true;
    if (v->runnable) {
        v->runnable = false;
        if (core->ops->sleep)
            core->ops->sleep(core->priv, v);
    }
    return 0;
}

int sched_unpark(struct sched_core *core, struct sched_vcpu *v)
{
    if (v->is_idle)
        return -SIM_EINVAL;
    struct fake_vcpu *fv = fake_of(v);
    if (!fv->parked)
        return 0;
    fv->parked = false;
    if (!fv->migrating)
        fake_wake(core, v);
    return 0;
}

int fake_moves(struct sched_core *c, const struct sched_vcpu *v)
{
    (void)c;
    return fake_of(v)->moves;
}

bool fake_parked(struct sched_core *c, const struct sched_vcpu *v)
{
    (void)c;
    return fake_of(v)->parked;
}

int fake_core_set_topology(struct sched_core *c, struct topo t)
{
    if (topo_pcpus(&t) != c->npcpus)
        return -SIM_EINVAL;
    c->scn.machine.topology = (struct scn_topology){ .given = true, .t = t };
    return 0;
}

struct sched_vcpu *sched_curr(struct sched_core *core, int pcpu)
{
    fake_check_pcpu(core, pcpu);
    return core->curr[pcpu];
}

struct sched_vcpu *sched_idle(struct sched_core *core, int pcpu)
{
    fake_check_pcpu(core, pcpu);
    return &core->idle[pcpu].v;
}

void sched_tickle(struct sched_core *core, int pcpu)
{
    fake_check_pcpu(core, pcpu);
    fake_record(core, FAKE_TICKLE, pcpu, 0);
}

void sched_trace(struct sched_core *core, int pcpu, uint32_t event, unsigned n,
                 const uint32_t *d)
{
    fake_check_pcpu(core, pcpu);
    if (n > SCHED_TRACE_MAX)
        abort();
    if (core->nlog >= FAKE_MAX_LOG)
        return;
    struct fake_call f = { .kind = FAKE_TRACE, .pcpu = pcpu, .at = core->now[pcpu],
                           .event = event, .nd = n };
    for (unsigned i = 0; i < n; i++)
        f.d[i] = d[i];
    core->log[core->nlog++] = f;
}

void sched_timer_earlier(struct sched_core *core, int pcpu, sim_time_t expires)
{
    fake_check_pcpu(core, pcpu);
    fake_record(core, FAKE_TIMER_EARLIER, pcpu, expires);
    if (expires < core->slice_timer[pcpu])
        core->slice_timer[pcpu] = expires;
}

static struct fake_timer *fake_timer_find(struct sched_core *c, const struct sched_timer *t)
{
    for (int i = 0; i < c->ntimers; i++)
        if (c->timers[i].t == t)
            return &c->timers[i];
    return NULL;
}

void sched_timer_init(struct sched_core *core, struct sched_timer *t, int pcpu,
                      void (*fn)(void *arg), void *arg)
{
    fake_check_pcpu(core, pcpu);
    if (!t || !fn)
        abort();
    /* Freed policy memory may be reused for a new timer: re-bind it. */
    struct fake_timer *ft = fake_timer_find(core, t);
    if (!ft) {
        if (core->ntimers >= FAKE_MAX_TIMERS)
            abort();
        ft = &core->timers[core->ntimers++];
    }
    *ft = (struct fake_timer){ .t = t, .pcpu = pcpu, .fn = fn, .arg = arg };
    memset(&t->ct, 0, sizeof t->ct);
}

void sched_timer_set(struct sched_timer *t, sim_time_t expires)
{
    struct fake_timer *ft = fake_current ? fake_timer_find(fake_current, t) : NULL;
    if (!ft)
        abort();                    /* set before sched_timer_init */
    ft->pending = true;
    ft->expires = expires;
    ft->seq = fake_current->timer_seq++;
    t->ct.expires = expires;
}

void sched_timer_cancel(struct sched_timer *t)
{
    struct fake_timer *ft = fake_current ? fake_timer_find(fake_current, t) : NULL;
    if (!ft)
        abort();
    ft->pending = false;
}

/* ---- set-up ---- */

struct scn_sched_global fake_sched_defaults(void)
{
    struct scn_sched_global g;
    memset(&g, 0, sizeof g);
    g.rr.slice = 10 * SIM_MSEC;
    g.credit.version = SCN_CREDIT_3_4;
    g.credit.reset_credit_quirk = true;
    g.credit.tickle_all_idlers_quirk = true;
    g.credit.tslice = 30 * SIM_MSEC;
    g.credit.ratelimit = SIM_MSEC;
    g.credit.tickle_one_idle = true;
    g.credit.kick_away_quirk = true;
    g.credit.first_wake_quirk = true;
    g.credit2.runqueue = SCN_C2_RQ_SOCKET;
    g.credit2.ratelimit = SIM_MSEC;
    g.credit2.migrate_resist = 500 * SIM_USEC;
    g.credit2.cap_period = 10 * SIM_MSEC;
    g.credit2.balance_over = -3;
    g.credit2.load_window_shift = 30;
    g.credit2.load_precision_shift = 18;
    g.credit2.max_cpus_runqueue = 16;
    g.credit2.balance_last_rq_quirk = true;
    g.credit2.pick_next_quirk = true;
    g.credit2.soft_pick_bias_quirk = true;
    g.rtds.stale_first_period_quirk = true;
    g.rtds.replq_priority_quirk = true;
    g.sedf.pen_once_quirk = true;
    g.sedf.first_deadline_quirk = true;
    g.bvt.ctx_allow = 5 * SIM_MSEC;
    g.bvt.slice_units_quirk = true;
    g.bvt.u32_runtime_quirk = true;
    g.bvt.u32_warp_quirk = true;
    g.bvt.warp_per_dispatch_quirk = true;
    g.bvt.stale_warp_evt_quirk = true;
    g.bvt.wrap_blocked_quirk = true;
    g.atropos.uncharged_block_quirk = true;
    g.atropos.sticky_wait_quirk = true;
    g.atropos.global_slack_index_quirk = true;
    g.atropos.slack_search_wrap_quirk = true;
    return g;
}

struct scn_domain fake_domain_defaults(void)
{
    static char name[] = "d";
    struct scn_domain d;
    memset(&d, 0, sizeof d);
    d.name = name;
    d.group = name;
    d.index = -1;
    d.vcpus = 1;
    d.bvt.mcu_advance = 10;
    d.bvt.warp = 0;
    d.bvt.warpl = 2000 * SIM_MSEC;
    d.bvt.warpu = 1000 * SIM_MSEC;
    d.atropos.period = 10 * SIM_SEC;
    d.atropos.slice = 10 * SIM_MSEC;
    d.atropos.latency = 10 * SIM_SEC;
    d.atropos.xtratime = true;
    d.credit.weight = 256;
    d.credit2.weight = 256;
    d.rtds.period = 10 * SIM_MSEC;
    d.rtds.budget = 4 * SIM_MSEC;
    d.rtds.extratime = true;
    d.sedf.period = d.sedf.slice = d.sedf.latency = SCN_SEDF_UNSET;
    d.sedf.extratime = d.sedf.weight = SCN_SEDF_UNSET;
    static struct scn_workload none = { .type = SCN_WL_NONE, .device = -1, .nic = -1 };
    d.wl = &none;
    d.nwl = 1;
    return d;
}

int fake_core_new(const struct sched_ops *ops, int npcpus,
                  const struct scn_sched_global *g, struct sched_core **out)
{
    struct topo t = topo_flat(npcpus);
    return fake_core_new_topo(ops, &t, g, out);
}

int fake_core_new_topo(const struct sched_ops *ops, const struct topo *t,
                       const struct scn_sched_global *g, struct sched_core **out)
{
    int npcpus = topo_pcpus(t);
    *out = NULL;
    if (!ops || !g || npcpus < 1 || npcpus > FAKE_MAX_PCPUS || fake_current)
        return -SIM_EINVAL;
    struct sched_core *c = calloc(1, sizeof *c);
    if (!c)
        return -SIM_ENOMEM;
    c->ops = ops;
    c->npcpus = npcpus;
    c->scheduling = -1;
    c->scn.sched = *g;
    c->scn.machine.pcpus = npcpus;
    c->scn.machine.topology = (struct scn_topology){ .given = true, .t = *t };
    for (int p = 0; p < npcpus; p++)
        c->slice_timer[p] = SIM_TIME_MAX;
    fake_current = c;

    int err = ops->init(c, &c->scn, &c->priv);
    if (err) {
        fake_current = NULL;
        free(c);
        return err;
    }
    for (int p = 0; p < npcpus; p++) {
        struct sched_vcpu *v = &c->idle[p].v;
        v->id = p;
        v->domain = -1;
        v->vcpu = 0;
        v->processor = p;
        v->is_idle = true;
        v->runnable = true;
        v->dom = NULL;
        err = ops->alloc_vdata(c->priv, v);
        if (err) {
            for (int q = 0; q <= p; q++)
                sched_op_free_vdata(ops, c->priv, &c->idle[q].v);
            if (ops->deinit)
                ops->deinit(c->priv);
            fake_current = NULL;
            free(c);
            return err;
        }
        c->booting = true;
        ops->insert(c->priv, v);
        c->booting = false;
        c->curr[p] = v;
    }
    /* As the real core's boot: every pCPU but 0 wakes its idle vCPU. */
    for (int p = 1; p < npcpus; p++)
        if (ops->wake)
            ops->wake(c->priv, &c->idle[p].v);
    *out = c;
    return 0;
}

void fake_core_free(struct sched_core *c)
{
    if (!c)
        return;
    for (int i = 0; i < c->nvcpus; i++) {
        struct sched_vcpu *v = &c->vcpus[i]->v;
        if (c->ops->remove)
            c->ops->remove(c->priv, v);
        sched_op_free_vdata(c->ops, c->priv, v);
        free(c->vcpus[i]);
    }
    for (int p = 0; p < c->npcpus; p++) {
        if (c->ops->remove)
            c->ops->remove(c->priv, &c->idle[p].v);
        sched_op_free_vdata(c->ops, c->priv, &c->idle[p].v);
    }
    if (c->ops->deinit)
        c->ops->deinit(c->priv);
    if (fake_current == c)
        fake_current = NULL;
    free(c);
}

void *fake_policy(struct sched_core *c)
{
    return c->priv;
}

int fake_vcpu_new(struct sched_core *c, const struct scn_domain *dom, int pcpu,
                  bool runnable, struct sched_vcpu **out)
{
    *out = NULL;
    if (!dom || pcpu < 0 || pcpu >= c->npcpus || c->nvcpus >= FAKE_MAX_VCPUS)
        return -SIM_EINVAL;
    struct fake_vcpu *fv = calloc(1, sizeof *fv);
    if (!fv)
        return -SIM_ENOMEM;
    fv->dom = *dom;
    fv->dom.index = -1;
    struct sched_vcpu *v = &fv->v;
    v->id = c->npcpus + c->nvcpus;
    v->domain = c->nvcpus;
    v->vcpu = 0;
    v->processor = pcpu;
    v->is_idle = false;
    v->runnable = false;
    v->dom = &fv->dom;
    v->lastschd = c->now[pcpu];
    int err = c->ops->alloc_vdata(c->priv, v);
    if (err) {
        sched_op_free_vdata(c->ops, c->priv, v);
        free(fv);
        return err;
    }
    c->inserting = v;
    c->ops->insert(c->priv, v);
    c->inserting = NULL;
    c->vcpus[c->nvcpus++] = fv;
    *out = v;
    if (runnable)
        fake_wake(c, v);
    return 0;
}

/* ---- driving ---- */

void fake_set_now(struct sched_core *c, int pcpu, sim_time_t now)
{
    fake_check_pcpu(c, pcpu);
    c->now[pcpu] = now;
}

sim_time_t fake_advance(struct sched_core *c, int pcpu, sim_time_t dt)
{
    fake_check_pcpu(c, pcpu);
    c->now[pcpu] += dt;
    return c->now[pcpu];
}

void fake_set_curr(struct sched_core *c, struct sched_vcpu *v)
{
    fake_check_pcpu(c, v->processor);
    c->curr[v->processor] = v;
    v->lastschd = c->now[v->processor];
}

struct sched_slice fake_schedule(struct sched_core *c, int pcpu)
{
    fake_check_pcpu(c, pcpu);
    sim_time_t now = c->now[pcpu];
    struct sched_vcpu *prev = c->curr[pcpu];
    fake_of(prev)->cpu_time += now - prev->lastschd;
    c->scheduling = pcpu;
    struct sched_slice s = c->ops->do_schedule(c->priv, pcpu, now);
    c->scheduling = -1;
    struct sched_vcpu *chosen = c->chosen;
    c->chosen = NULL;
    if (chosen)
        fake_of(chosen)->migrating = true;
    if (!s.next || s.next->processor != pcpu)
        abort();                    /* the contract of do_schedule */
    if (chosen && chosen != s.next)
        fake_finish_migrate(c, chosen);
    s.next->lastschd = now;
    c->curr[pcpu] = s.next;
    /* Saturated, as the real core arms it (an idle vCPU's slice has no end). */
    c->slice_timer[pcpu] = s.slice > SIM_TIME_MAX - now ? SIM_TIME_MAX : now + s.slice;
    if (prev != s.next && !prev->is_idle && fake_of(prev)->migrating)
        fake_finish_migrate(c, prev);
    return s;
}

void fake_block(struct sched_core *c, struct sched_vcpu *v)
{
    v->runnable = false;
    fake_of(v)->blocked = true;
    if (c->ops->do_block)
        c->ops->do_block(c->priv, v);
}

void fake_pause(struct sched_core *c, struct sched_vcpu *v)
{
    v->runnable = false;
    if (c->ops->sleep)
        c->ops->sleep(c->priv, v);
}

void fake_wake(struct sched_core *c, struct sched_vcpu *v)
{
    v->runnable = true;
    fake_of(v)->blocked = false;
    if (c->ops->wake)
        c->ops->wake(c->priv, v);
}

sim_time_t fake_cpu_time(struct sched_core *c, const struct sched_vcpu *v)
{
    (void)c;
    return fake_of(v)->cpu_time;
}

sim_time_t fake_slice_timer(struct sched_core *c, int pcpu)
{
    fake_check_pcpu(c, pcpu);
    return c->slice_timer[pcpu];
}

/* ---- the call log ---- */

size_t fake_nlog(struct sched_core *c)
{
    return c->nlog;
}

const struct fake_call *fake_log(struct sched_core *c, size_t i)
{
    return i < c->nlog ? &c->log[i] : NULL;
}

int fake_ntickles(struct sched_core *c, int pcpu)
{
    fake_check_pcpu(c, pcpu);
    return c->ntickle[pcpu];
}

int fake_nearlier(struct sched_core *c, int pcpu, sim_time_t *last)
{
    fake_check_pcpu(c, pcpu);
    if (last && c->nearlier[pcpu])
        *last = c->last_earlier[pcpu];
    return c->nearlier[pcpu];
}

void fake_clear_log(struct sched_core *c)
{
    c->nlog = 0;
    memset(c->ntickle, 0, sizeof c->ntickle);
    memset(c->nearlier, 0, sizeof c->nearlier);
}

/* ---- policy timers ---- */

bool fake_timer_pending(struct sched_core *c, const struct sched_timer *t)
{
    struct fake_timer *ft = fake_timer_find(c, t);
    return ft && ft->pending;
}

sim_time_t fake_timer_expires(struct sched_core *c, const struct sched_timer *t)
{
    struct fake_timer *ft = fake_timer_find(c, t);
    return ft && ft->pending ? ft->expires : SIM_TIME_MAX;
}

int fake_timers_pending(struct sched_core *c, int pcpu)
{
    int n = 0;
    for (int i = 0; i < c->ntimers; i++)
        if (c->timers[i].pending && (pcpu < 0 || c->timers[i].pcpu == pcpu))
            n++;
    return n;
}

static struct fake_timer *fake_timer_earliest(struct sched_core *c, int pcpu)
{
    struct fake_timer *best = NULL;
    for (int i = 0; i < c->ntimers; i++) {
        struct fake_timer *ft = &c->timers[i];
        if (!ft->pending || ft->pcpu != pcpu)
            continue;
        if (!best || ft->expires < best->expires ||
            (ft->expires == best->expires && ft->seq < best->seq))
            best = ft;
    }
    return best;
}

sim_time_t fake_next_timer(struct sched_core *c, int pcpu)
{
    fake_check_pcpu(c, pcpu);
    struct fake_timer *ft = fake_timer_earliest(c, pcpu);
    return ft ? ft->expires : SIM_TIME_MAX;
}

bool fake_fire_next(struct sched_core *c, int pcpu)
{
    fake_check_pcpu(c, pcpu);
    struct fake_timer *ft = fake_timer_earliest(c, pcpu);
    if (!ft)
        return false;
    if (c->now[pcpu] < ft->expires)
        c->now[pcpu] = ft->expires;
    ft->pending = false;
    /* Copy first: the callback may re-init or re-arm this very timer. */
    void (*fn)(void *) = ft->fn;
    void *arg = ft->arg;
    fn(arg);
    return true;
}

int fake_fire_until(struct sched_core *c, int pcpu, sim_time_t until)
{
    int n = 0;
    while (fake_next_timer(c, pcpu) <= until) {
        fake_fire_next(c, pcpu);
        n++;
    }
    return n;
}

long fake_run(struct sched_core *c, int pcpu, sim_time_t until)
{
    fake_check_pcpu(c, pcpu);
    long calls = 0;
    while (c->now[pcpu] < until) {
        fake_schedule(c, pcpu);
        calls++;
        for (;;) {
            sim_time_t end = c->slice_timer[pcpu] < until ? c->slice_timer[pcpu] : until;
            if (fake_next_timer(c, pcpu) <= end) {
                int before = fake_ntickles(c, pcpu);
                fake_fire_next(c, pcpu);
                if (fake_ntickles(c, pcpu) != before)
                    break;          /* SCHEDULE_SOFTIRQ: reschedule now */
                continue;
            }
            if (c->now[pcpu] < end)
                c->now[pcpu] = end;
            break;
        }
    }
    return calls;
}
