/*
 * tests/xen-oracle/xen417/driver.c: the Xen 4.17 scheduler oracle's
 * hypervisor core, machine, guests and scheduler parameters. One of Xen
 * 4.17.5's xen/common/sched/{credit,credit2,rt,null,arinc653}.c (Debian 12's
 * xen 4.17.5+72-g01140da4e8, compiled unmodified, all five linked in,
 * chosen with --sched by opt_name) makes every scheduling decision; this
 * file is what it runs inside:
 *
 * - the scheduling core, modelled on Xen 4.17's xen/common/sched/core.c for
 *   sched-gran=cpu (one vCPU per unit): vcpu_wake, vcpu_sleep_nosync,
 *   vcpu_unblock, vcpu_pause_nosync/vcpu_unpause (xen/common/domain.c),
 *   schedule() (do_schedule: the policy's do_schedule, then prev->next_task
 *   and the s_timer armed at now + prev->next_time when >= 0), the context
 *   switch and unit_context_saved, and the migration path
 *   (sched_unit_migrate_finish: pick_resource, sched_set_res, vcpu_wake);
 *   boot as scheduler_init and schedule_cpu_add do it (alloc_pdata, the idle
 *   unit's alloc_udata, switch_sched), domains created paused and admitted
 *   by domain_unpause;
 * - the toolstack's side: boot parameters, then each scheduler's domain
 *   parameters (XEN_DOMCTL_SCHEDOP_putinfo / putvcpuinfo) once the vCPUs
 *   exist and ARINC 653's schedule (XEN_SYSCTL_SCHEDOP_putinfo), as Xen
 *   4.17's libxl orders them (NOTES.md, "Schedulers and their parameters");
 * - the machine: pCPUs with cpu_sibling_mask/cpu_core_mask and
 *   cpu_to_socket/cpu_to_core from --topology and --numbering, numbered as
 *   xensim's sim/topo.c numbers them, one NUMA
 *   node, per-pCPU softirq bits, one timer heap ordered by (expiry, arming
 *   sequence), integer-ns NOW() shared by all pCPUs, no cost for anything;
 * - the guests: `hog` never blocks; `periodic` as xensim's
 *   workloads/periodic.c: jobs released at phase + k * period, each runs
 *   `burst` ns of CPU, then the vCPU sets its one-shot timer to the next
 *   release (do_set_timer_op, the timer moving to the pCPU it runs on) and
 *   blocks (vcpu_block), unless that release has already passed, in which
 *   case the next job starts at once.
 *
 * One instant, several events (docs: NOTES.md): guest work due at the
 * instant first (burst ends, in pCPU order, each followed by that pCPU's
 * softirqs, i.e. the schedule its block raised); then timers in (expiry,
 * sequence) order, a pCPU running all its due timers and then its pending
 * softirqs (TIMER_SOFTIRQ before SCHEDULE_SOFTIRQ); then every pCPU with a
 * pending softirq in ascending order; repeated until the instant is quiet.
 * A SCHEDULE_SOFTIRQ raised on a pCPU therefore runs schedule() there at
 * the same instant. That is --instant heap, the default; the other orders
 * (--instant fifo|index|per-cpu, --context-saved, --virq-rearm) are
 * tests/xen-oracle/instant.h's, xensim's among them.
 *
 * Simplified: no tasklets, no rendezvous (granularity 1), no runstate
 * times, no event channels beyond "the one-shot timer unblocks the vCPU";
 * the guest takes every upcall at once, so a block never finds an event
 * pending; no domain 0; Xen's get_random is a seeded xorshift64 (--seed).
 *
 * Output (tests/xen-oracle/README.md): one `vcpu` line per guest vCPU over
 * the window [warmup, warmup + duration) and `switch` lines for the first
 * --timeline-ns of it.
 */
#include "shim.h"
#include "private.h"

#include "../instant.h"

/* ---- what the scheduler files and private.h expect from the rest of Xen ---- */
s_time_t oracle_now;
unsigned int oracle_cpu;
bool oracle_printk_on;
unsigned int nr_cpu_ids;
cpumask_t cpu_online_map, cpumask_all;
DEFINE_PER_CPU(cpumask_var_t, cpu_sibling_mask);
DEFINE_PER_CPU(cpumask_var_t, cpu_core_mask);
DEFINE_PER_CPU(struct sched_resource *, sched_res);
DEFINE_PER_CPU(cpumask_t, cpumask_scratch);
rcu_read_lock_t sched_res_rculock;
bool sched_smt_power_savings;
int sched_ratelimit_us = SCHED_DEFAULT_RATELIMIT_US;
cpumask_t cpupool_free_cpus, sched_res_mask;
nodemask_t node_online_map = { { 1 } };
cpumask_t oracle_node_cpumask[MAX_NUMNODES];
struct vcpu *oracle_current[NR_CPUS];

extern const struct scheduler *const __start_oracle_schedulers[];
extern const struct scheduler *const __stop_oracle_schedulers[];

void oracle_assert_failed(const char *what, const char *file, int line)
{
    fprintf(stderr, "oracle: assertion %s failed at %s:%d (t=%" PRId64 " ns, cpu %u)\n",
            what, file, line, oracle_now, oracle_cpu);
    abort();
}

static const char *progname = "xen417";

static void die(const char *msg, const char *arg)
{
    fprintf(stderr, "%s: %s%s%s\n", progname, msg, arg ? ": " : "", arg ? arg : "");
    exit(2);
}

/* ---- boot parameters: integer_param, boolean_param (var set) and
 * custom_param (parse called) of every scheduler file ---- */
static struct {
    const char *name;
    void *var;
    size_t size;
    int (*parse)(const char *);
} params[64];
static int nparams;

void oracle_param_register(const char *name, void *var, size_t size)
{
    if (nparams == (int)ARRAY_SIZE(params))
        abort();
    params[nparams].name = name;
    params[nparams].var = var;
    params[nparams++].size = size;
}

void oracle_custom_param_register(const char *name, int (*parse)(const char *))
{
    if (nparams == (int)ARRAY_SIZE(params))
        abort();
    params[nparams].name = name;
    params[nparams++].parse = parse;
}

/* As Xen's command line would set NAME=VAL before the scheduler starts.
 * sched_ratelimit_us is core.c's own (driver), the rest the files'. */
static void set_param(const char *name, const char *val)
{
    char *end;
    long n = strtol(val, &end, 0);
    for (int i = 0; i < nparams; i++) {
        if (strcmp(params[i].name, name))
            continue;
        if (params[i].parse) {
            if (params[i].parse(val))
                die("the scheduler refused a boot parameter's value", name);
            return;
        }
        if (end == val || *end)
            die("boot parameter wants an integer", name);
        if (params[i].size == sizeof(bool))
            *(bool *)params[i].var = n != 0;
        else if (params[i].size == sizeof(int))
            *(int *)params[i].var = (int)n;
        else
            die("boot parameter of unexpected size", name);
        return;
    }
    die("no such boot parameter in the scheduler files", name);
}

/* Xen's get_random (RDRAND or the TSC on x86) for cpumask_any: a
 * xorshift64 stream seeded by --seed, so that a run is repeatable. */
static uint64_t rnd_state = 1;

unsigned int get_random(void)
{
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 7;
    rnd_state ^= rnd_state << 17;
    return (unsigned int)(rnd_state >> 32);
}

const cpumask_t *cpumask_of(unsigned int cpu)
{
    static cpumask_t one[NR_CPUS];
    cpumask_clear(&one[cpu]);
    cpumask_set_cpu((int)cpu, &one[cpu]);
    return &one[cpu];
}

/* ---- timers: one binary heap ordered by (expires, seq) ---- */
static struct timer *heap[4 * NR_CPUS + 1024];
static int hn;
static uint64_t tseq;

static bool tbefore(const struct timer *a, const struct timer *b)
{
    return a->expires < b->expires || (a->expires == b->expires && a->seq < b->seq);
}

static void hswap(int i, int j)
{
    struct timer *t = heap[i];
    heap[i] = heap[j];
    heap[j] = t;
    heap[i]->heap_idx = i;
    heap[j]->heap_idx = j;
}

static void hup(int i)
{
    while (i > 0 && tbefore(heap[i], heap[(i - 1) / 2])) {
        hswap(i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static void hdown(int i)
{
    for (;;) {
        int l = 2 * i + 1, r = l + 1, m = i;
        if (l < hn && tbefore(heap[l], heap[m]))
            m = l;
        if (r < hn && tbefore(heap[r], heap[m]))
            m = r;
        if (m == i)
            return;
        hswap(i, m);
        i = m;
    }
}

static int in_timer_softirq[NR_CPUS];

/* cpu's earliest timer expiry, INT64_MAX if none. */
static s_time_t cpu_first(unsigned int cpu)
{
    s_time_t m = INT64_MAX;
    for (int i = 0; i < hn; i++)
        if (heap[i]->cpu == cpu && heap[i]->expires < m)
            m = heap[i]->expires;
    return m;
}

/* The order in which the pCPUs' one-shot interrupts were programmed
 * (instant.h, --instant fifo); inside its timer softirq a pCPU
 * reprograms once, at the end. */
static void reprogram(unsigned int cpu)
{
    if (!in_timer_softirq[cpu])
        oi_reprogram((int)cpu, cpu_first(cpu));
}

static void hremove(struct timer *t)
{
    int i = t->heap_idx;
    t->heap_idx = -1;
    t->status = TIMER_STATUS_inactive;
    if (i != --hn) {
        heap[i] = heap[hn];
        heap[i]->heap_idx = i;
        hup(i);
        hdown(i);
    }
}

void init_timer(struct timer *t, void (*fn)(void *), void *data, unsigned int cpu)
{
    memset(t, 0, sizeof *t);
    t->function = fn;
    t->data = data;
    t->cpu = cpu;
    t->heap_idx = -1;
    t->status = TIMER_STATUS_inactive;
}

void set_timer(struct timer *t, s_time_t expires)
{
    if (t->status == TIMER_STATUS_killed)
        return;
    if (t->heap_idx >= 0)
        hremove(t);
    if (hn == (int)ARRAY_SIZE(heap))
        die("timer heap full", NULL);
    t->expires = expires;
    t->seq = tseq++;
    t->status = TIMER_STATUS_in_heap;
    heap[hn] = t;
    t->heap_idx = hn++;
    hup(t->heap_idx);
    reprogram(t->cpu);
}

void stop_timer(struct timer *t)
{
    if (t->heap_idx >= 0) {
        hremove(t);
        reprogram(t->cpu);
    }
}

void migrate_timer(struct timer *t, unsigned int cpu)
{
    unsigned int old = t->cpu;
    t->cpu = cpu;
    if (t->heap_idx >= 0) {
        reprogram(old);
        reprogram(cpu);
    }
}

void kill_timer(struct timer *t)
{
    stop_timer(t);
    t->status = TIMER_STATUS_killed;
}

/* ORACLE_TRACE set: every wake, SCHEDULE_SOFTIRQ raised, migration's end,
 * and at each schedule() every pCPU's queue (the scheduler's own dump, where
 * it has one), and Xen's console (printk), on stderr. */
static bool trace;

/* ---- softirqs ---- */
static unsigned long softirq_pending[NR_CPUS];

void cpu_raise_softirq(unsigned int cpu, unsigned int nr)
{
    bool was = softirq_pending[cpu] & (1UL << nr);
    if (trace && !was && nr == SCHEDULE_SOFTIRQ)
        fprintf(stderr, "t=%" PRId64 " raise cpu %u (by cpu %u)\n", NOW(), cpu, oracle_cpu);
    softirq_pending[cpu] |= 1UL << nr;
    if (!was && nr == SCHEDULE_SOFTIRQ && oi_order == OI_FIFO)
        oi_raise((int)cpu);
}

void cpumask_raise_softirq(const cpumask_t *mask, unsigned int nr)
{
    int c;
    for_each_cpu(c, mask)
        cpu_raise_softirq((unsigned int)c, nr);
}

void raise_softirq(unsigned int nr)
{
    cpu_raise_softirq(oracle_cpu, nr);
}

/* ---- guests and what is measured ---- */
enum { HOG, PERIODIC };
enum { P_START, P_SLEEPING, P_BURST };

struct gdom {
    char name[64];
    int kind, nv;
    int weight, cap;                /* credit, credit2 (domctl putinfo) */
    uint32_t period_us, budget_us;  /* rtds (domctl putvcpuinfo, every vCPU) */
    bool extratime;                 /* rtds: XEN_DOMCTL_SCHEDRT_extra */
    unsigned int keys;              /* DK_* given in --dom */
    s_time_t period, burst, phase;  /* ns */
    bool pinned;
    cpumask_t cpus;                 /* hard affinity when pinned */
    bool has_soft;
    cpumask_t soft;                 /* soft affinity (soft=), all pCPUs if none */
    int nstart;
    int start[NR_CPUS];             /* start=: initial pCPU of vCPU k < nstart */
    struct domain *d;
};

struct gvcpu {
    struct gdom *gd;
    int k;
    struct vcpu *v;
    int state;                      /* P_* (periodic) */
    s_time_t release;               /* ns: current or next job's release */
    s_time_t work;                  /* ns of CPU the current burst still needs */
    int last_cpu;                   /* pCPU it last ran on, -1: none */
    int at_cpu;                     /* pCPU whose run queue it was last seen on */
    s_time_t woke_at;               /* ns: unblocked and not yet run, -1: none */
    s_time_t dispatched;            /* ns: when it last started running */
    bool entering;                  /* dispatched, its guest entry not yet taken
                                       (--instant fifo: xensim's entry event) */
    unsigned long long done_seq;    /* when its computation was last (re)queued, in
                                       event order (instant.h, --instant fifo) */
    s_time_t cpu_ns;                /* in the window */
    long dispatches, migrations, moves;
    long periods, late;             /* periodic jobs completed in the window; of
                                       them completed after release + period */
    long lat_n;                     /* wake-to-dispatch samples in the window */
    s_time_t lat_sum, lat_max;      /* ns */
};

#define MAXD 64
#define MAXV 512
static struct gdom gdoms[MAXD];
static int ngd;
static struct gvcpu gv[MAXV];
static int ngv;
static int np;
static s_time_t W0, W1, TL;     /* window start, end; timeline end */

static struct scheduler ops;
static struct cpupool pool0;
static struct domain idle_domain;

static unsigned long long done_counter;

static bool in_window(s_time_t t) { return t > W0 && t <= W1; }
static struct gvcpu *G(const struct vcpu *v) { return v->oracle_idx >= 0 ? &gv[v->oracle_idx] : NULL; }

/* ---- the scheduling core (Xen 4.17 core.c, granularity 1) ---- */
static void vcpu_wake(struct vcpu *v)
{
    struct sched_unit *unit = v->sched_unit;
    if (vcpu_runnable(v)) {
        if (trace && G(v))
            fprintf(stderr, "t=%" PRId64 " wake %s/v%d on %u (run by cpu %u)\n", NOW(),
                    G(v)->gd->name, G(v)->k, v->processor, oracle_cpu);
        if (v->runstate.state >= RUNSTATE_blocked)
            v->runstate.state = RUNSTATE_runnable;
        sched_wake(unit->res->scheduler, unit);
    } else if (!(v->pause_flags & VPF_blocked)) {
        if (v->runstate.state == RUNSTATE_blocked)
            v->runstate.state = RUNSTATE_offline;
    }
}

static void vcpu_sleep_nosync(struct vcpu *v)
{
    struct sched_unit *unit = v->sched_unit;
    if (!vcpu_runnable(v)) {
        if (v->runstate.state == RUNSTATE_runnable)
            v->runstate.state = RUNSTATE_offline;
        if (!unit_runnable(unit))
            sched_sleep(unit->res->scheduler, unit);
    }
}

void vcpu_pause_nosync(struct vcpu *v)
{
    atomic_inc(&v->pause_count);
    vcpu_sleep_nosync(v);
}

void vcpu_unpause(struct vcpu *v)
{
    if (atomic_dec_and_test(&v->pause_count))
        vcpu_wake(v);
}

static void vcpu_unblock(struct vcpu *v)
{
    if (!test_and_clear_bit(_VPF_blocked, &v->pause_flags))
        return;
    vcpu_wake(v);
}

/* The guest blocks on the pCPU it runs on (vcpu_block). */
static void vcpu_block(void)
{
    struct vcpu *v = current;
    set_bit(_VPF_blocked, &v->pause_flags);
    raise_softirq(SCHEDULE_SOFTIRQ);
}

static void note_move(struct sched_unit *unit)
{
    struct gvcpu *g = G(unit->vcpu_list);
    int c = (int)unit->res->master_cpu;
    if (g && c != g->at_cpu) {
        if (in_window(NOW()))
            g->moves++;
        g->at_cpu = c;
    }
}

static void sched_unit_migrate_finish(struct sched_unit *unit)
{
    struct vcpu *v = unit->vcpu_list;
    if (unit->is_running || !test_bit(_VPF_migrating, &v->pause_flags))
        return;
    /* The lock dance of core.c ends in one pass: a single lock world. */
    unsigned int new_cpu = sched_pick_resource(unit->res->scheduler, unit)->master_cpu;
    if (unit->is_running || !test_and_clear_bit(_VPF_migrating, &v->pause_flags))
        return;
    if (trace)
        fprintf(stderr, "t=%" PRId64 " migrate %s/v%d %u -> %u%s\n", NOW(), G(v)->gd->name,
                G(v)->k, unit->res->master_cpu, new_cpu, vcpu_runnable(v) ? "" : " (not runnable)");
    sched_migrate(unit->res->scheduler, unit, new_cpu);
    note_move(unit);
    vcpu_wake(v);
}

/* With --context-saved deferred, the migration waits its turn among the
 * instant's softirqs (instant.h), as xensim's context_saved_fn event, and
 * the pCPU's next such switch ends a migration still waiting first. */
static void unit_context_saved(struct sched_resource *sr)
{
    struct sched_unit *unit = sr->prev;
    if (!unit)
        return;
    unit->is_running = false;
    unit->state_entry_time = (uint64_t)NOW();
    sr->prev = NULL;
    sched_context_saved(unit->res->scheduler, unit);
    if (is_idle_unit(unit))
        return;
    if (oi_saved_deferred && test_bit(_VPF_migrating, &unit->vcpu_list->pause_flags)) {
        int older = oi_take_saved(sr->master_cpu);
        if (older >= 0)
            sched_unit_migrate_finish(gv[older].v->sched_unit);
        oi_defer_saved(sr->master_cpu, unit->vcpu_list->oracle_idx);
    } else {
        sched_unit_migrate_finish(unit);
    }
}

static void sched_switch_units(struct sched_resource *sr, struct sched_unit *next,
                               struct sched_unit *prev, s_time_t now)
{
    if (prev != next) {
        sr->curr = next;
        sr->prev = prev;
        next->is_running = true;
        next->state_entry_time = (uint64_t)now;
    }
    struct vcpu *vprev = get_cpu_current(sr->master_cpu), *vnext = next->vcpu_list;
    if (vprev != vnext || vprev->runstate.state != vnext->new_state) {
        vprev->runstate.state = (vprev->pause_flags & VPF_blocked) ? RUNSTATE_blocked
                                : vcpu_runnable(vprev) ? RUNSTATE_runnable : RUNSTATE_offline;
        vnext->runstate.state = is_idle_vcpu(vnext) ? RUNSTATE_running : vnext->new_state;
    }
    vnext->is_running = true;
}

static void note_switch(unsigned int cpu, struct vcpu *vnext)
{
    struct gvcpu *g = G(vnext);
    s_time_t now = NOW();
    if (now > W0 && now <= TL && now <= W1) {
        if (g)
            printf("switch t=%" PRId64 " cpu=%u to=%s/v%d\n", now - W0, cpu, g->gd->name, g->k);
        else
            printf("switch t=%" PRId64 " cpu=%u to=idle\n", now - W0, cpu);
    }
    if (!g)
        return;
    if (in_window(now)) {
        g->dispatches++;
        if (g->last_cpu >= 0 && g->last_cpu != (int)cpu)
            g->migrations++;
        if (g->woke_at >= 0) {
            g->lat_n++;
            g->lat_sum += now - g->woke_at;
            if (now - g->woke_at > g->lat_max)
                g->lat_max = now - g->woke_at;
        }
    }
    g->woke_at = -1;
    g->last_cpu = (int)cpu;
    g->dispatched = now;
    g->done_seq = ++done_counter;
    g->entering = true;
}

/* schedule() on pCPU cpu, at NOW(). */
static void schedule(unsigned int cpu)
{
    oracle_cpu = cpu;
    struct vcpu *vprev = current;
    struct sched_unit *prev = vprev->sched_unit;
    struct sched_resource *sr = get_sched_res(cpu);
    if (trace) {
        fprintf(stderr, "t=%" PRId64 " schedule cpu %u\n", NOW(), cpu);
        for (int c = 0; c < np && sr->scheduler->dump_cpu_state; c++)
            sr->scheduler->dump_cpu_state(sr->scheduler, c);
        oracle_cpu = cpu;
    }
    stop_timer(&sr->s_timer);
    s_time_t now = NOW();
    prev->rendezvous_in_cnt = 0;
    sr->scheduler->do_schedule(sr->scheduler, prev, now, false);
    struct sched_unit *next = prev->next_task;
    if (prev->next_time >= 0)
        set_timer(&sr->s_timer, now + prev->next_time);
    /* A steal moved next here; a balancer (credit2's migrate()) may have
     * moved queued vCPUs to another run queue: each counts, as each is a
     * sched_move in xensim. */
    for (int i = 0; i < ngv; i++)
        note_move(gv[i].v->sched_unit);
    sched_switch_units(sr, next, prev, now);
    atomic_set(&next->rendezvous_out_cnt, 0);
    struct vcpu *vnext = next->vcpu_list;
    if (vprev != vnext) {
        oracle_current[cpu] = vnext;
        note_switch(cpu, vnext);
        vprev->is_running = false;
    } else if (G(vnext) && G(vnext)->gd->kind == PERIODIC && G(vnext)->state == P_BURST) {
        /* xensim's schedule that keeps the running vCPU queues its
         * completion anew (models/hv.c, arm_done when next == prev). */
        G(vnext)->done_seq = ++done_counter;
    }
    unit_context_saved(sr);
}

static void s_timer_fn(void *unused)
{
    (void)unused;
    raise_softirq(SCHEDULE_SOFTIRQ);
}

/* The one-shot timer's event reaches the guest, which unblocks. */
static void singleshot_timer_fn(void *data)
{
    struct vcpu *v = data;
    if (test_bit(_VPF_blocked, &v->pause_flags))
        G(v)->woke_at = NOW();
    vcpu_unblock(v);
}

static void run_softirqs(unsigned int cpu)
{
    oracle_cpu = cpu;
    while (softirq_pending[cpu]) {
        int i = __builtin_ctzl(softirq_pending[cpu]);
        softirq_pending[cpu] &= ~(1UL << i);
        if (i == SCHEDULE_SOFTIRQ)
            schedule(cpu);
        oracle_cpu = cpu;
    }
}

/* ---- the guests' side ---- */
static bool guest_needs_step(unsigned int cpu)
{
    struct gvcpu *g = G(oracle_current[cpu]);
    return g && g->gd->kind == PERIODIC && !(g->state == P_BURST && g->work > 0)
           && !test_bit(_VPF_blocked, &g->v->pause_flags);
}

/* The running periodic vCPU on cpu asks its workload for what comes next
 * (workloads/periodic.c's states; a sleep to a time already passed goes on
 * at once, as models/hv.c does). */
static void guest_step(unsigned int cpu)
{
    oracle_cpu = cpu;
    struct gvcpu *g = G(current);
    for (;;) {
        switch (g->state) {
        case P_START:
            g->release = g->gd->phase;
            g->state = P_SLEEPING;
            break;
        case P_SLEEPING:
            g->state = P_BURST;
            g->work = g->gd->burst;
            g->done_seq = ++done_counter;
            return;
        case P_BURST:
            if (in_window(NOW())) {
                g->periods++;
                if (NOW() > g->release + g->gd->period)
                    g->late++;
            }
            g->release += g->gd->period;
            g->state = P_SLEEPING;
            break;
        }
        if (g->release > NOW()) {
            migrate_timer(&g->v->singleshot_timer, cpu);
            set_timer(&g->v->singleshot_timer, g->release);
            vcpu_block();
            return;
        }
    }
}

/* TIMER_SOFTIRQ on cpu: its due timers in (expiry, sequence) order, one
 * set meanwhile included if due; the softirqs they raise stay pending.
 * Returns the number run. */
static int run_cpu_timers(unsigned int cpu)
{
    int n = 0;
    in_timer_softirq[cpu] = 1;
    for (;;) {
        struct timer *t = NULL;
        for (int i = 0; i < hn; i++)
            if (heap[i]->cpu == cpu && heap[i]->expires <= NOW() && (!t || tbefore(heap[i], t)))
                t = heap[i];
        if (!t)
            break;
        hremove(t);
        oracle_cpu = cpu;
        t->function(t->data);
        n++;
    }
    in_timer_softirq[cpu] = 0;
    if (n)
        oi_reprogrammed((int)cpu, cpu_first(cpu));
    return n;
}

/* Run every timer of the earliest due pCPU that is due now, then its
 * softirqs. Returns false if no timer is due. */
static bool run_due_timers(void)
{
    if (hn == 0 || heap[0]->expires > NOW())
        return false;
    unsigned int cpu = heap[0]->cpu;
    run_cpu_timers(cpu);
    run_softirqs(cpu);
    return true;
}

static void run_instant(void)
{
    bool again;
    do {
        again = false;
        for (int c = 0; c < np; c++) {
            if (guest_needs_step((unsigned int)c)) {
                guest_step((unsigned int)c);
                run_softirqs((unsigned int)c);
                again = true;
            }
        }
        if (again)
            continue;
        if (run_due_timers()) {
            again = true;
            continue;
        }
        for (int c = 0; c < np && !again; c++) {
            if (softirq_pending[c]) {
                run_softirqs((unsigned int)c);
                again = true;
            }
        }
    } while (again);
}

/* ---- the other orders of an instant (instant.h) ---- */
/* A periodic vCPU dispatched at this instant is due for its guest entry,
 * which xensim runs as an event of its own queued at the dispatch
 * (models/hv.c): only there is its computation queued, or, if it has
 * none left (a job not yet started after a wake, or a burst that ended
 * as it was preempted), the workload asked for the next one. */
static bool hook_guest_due(int cpu)
{
    struct gvcpu *g = G(oracle_current[cpu]);
    return (g && g->entering && g->gd->kind == PERIODIC) || guest_needs_step((unsigned int)cpu);
}

static unsigned long long hook_guest_key(int cpu)
{
    return G(oracle_current[cpu])->done_seq;
}

/* The guest entry (above), or the guest's next step; a block enters
 * schedule() at once: the hypercall's return path. */
static void hook_guest_step(int cpu)
{
    struct gvcpu *g = G(oracle_current[cpu]);
    if (g && g->entering) {
        g->entering = false;
        if (!guest_needs_step((unsigned int)cpu)) {
            g->done_seq = ++done_counter;
            return;
        }
    }
    guest_step((unsigned int)cpu);
    oracle_cpu = (unsigned int)cpu;
    if (test_bit(_VPF_blocked, &current->pause_flags)
        && (softirq_pending[cpu] & (1UL << SCHEDULE_SOFTIRQ))) {
        softirq_pending[cpu] &= ~(1UL << SCHEDULE_SOFTIRQ);
        oi_cancel(cpu);
        schedule((unsigned int)cpu);
    }
}

static bool hook_timers_due(int cpu)
{
    for (int i = 0; i < hn; i++)
        if ((int)heap[i]->cpu == cpu && heap[i]->expires <= NOW())
            return true;
    return false;
}

static int hook_run_timers(int cpu)
{
    return run_cpu_timers((unsigned int)cpu);
}

static bool hook_run_schedule(int cpu)
{
    if (!(softirq_pending[cpu] & (1UL << SCHEDULE_SOFTIRQ)))
        return false;
    softirq_pending[cpu] &= ~(1UL << SCHEDULE_SOFTIRQ);
    schedule((unsigned int)cpu);
    return true;
}

static void hook_migrate(int i)
{
    struct vcpu *v = gv[i].v;
    oracle_cpu = v->processor;
    sched_unit_migrate_finish(v->sched_unit);
}

static struct oi_hooks hooks = {
    .guest_due = hook_guest_due,
    .guest_key = hook_guest_key,
    .guest_step = hook_guest_step,
    .timers_due = hook_timers_due,
    .run_timers = hook_run_timers,
    .run_schedule = hook_run_schedule,
    .migrate = hook_migrate,
};

/*
 * --virq-rearm 1: xensim keeps Xen 2.0's 10 ms tick on every pCPU
 * (models/hv.c t_timer: armed at boot, re-armed from NOW(), idle or not).
 * It takes no scheduling decision, but it is a timer of the pCPU, so it
 * takes part in the order in which the pCPUs' interrupts were programmed,
 * and its VIRQ_TIMER to a running vCPU 0 interrupts the computation, whose
 * completion is queued anew (unless the vCPU was dispatched this instant:
 * its guest entry queues it then).
 */
static struct timer xtick[NR_CPUS];

static void xtick_fn(void *data)
{
    struct timer *t = data;
    struct gvcpu *g = G(oracle_current[t->cpu]);
    if (g && g->k == 0 && g->gd->kind == PERIODIC && g->state == P_BURST && g->work > 0
        && g->dispatched != NOW())
        g->done_seq = ++done_counter;
    set_timer(t, NOW() + MILLISECS(10));
}

static void run_instant_in_order(void)
{
    if (oi_order == OI_OWN)
        run_instant();
    else
        oi_instant(&hooks);
}

/* Time passes from NOW() to t: running guests use CPU. */
static void advance(s_time_t t)
{
    s_time_t a = oracle_now > W0 ? oracle_now : W0, b = t < W1 ? t : W1;
    for (int c = 0; c < np; c++) {
        struct gvcpu *g = G(oracle_current[c]);
        if (!g)
            continue;
        if (b > a)
            g->cpu_ns += b - a;
        if (g->gd->kind == PERIODIC && g->state == P_BURST)
            g->work -= t - oracle_now;
    }
    oracle_now = t;
}

static s_time_t next_event(void)
{
    s_time_t t = INT64_MAX;
    if (hn > 0)
        t = heap[0]->expires;
    for (int c = 0; c < np; c++) {
        struct gvcpu *g = G(oracle_current[c]);
        if (g && g->gd->kind == PERIODIC && g->state == P_BURST && oracle_now + g->work < t)
            t = oracle_now + g->work;
    }
    return t;
}

/* ---- the machine and boot ---- */
static int topo_s = 1, topo_c = -1, topo_t = 1, adjacent;

/* sim/topo.c's numbering: where pCPU cpu sits. */
static void place_of(int cpu, int *socket, int *core)
{
    if (adjacent) {
        cpu /= topo_t;
    } else {
        cpu %= topo_s * topo_c;
    }
    *core = cpu % topo_c;
    *socket = cpu / topo_c;
}

unsigned int cpu_to_socket(unsigned int cpu)
{
    int sk, co;
    place_of((int)cpu, &sk, &co);
    return (unsigned int)sk;
}

unsigned int cpu_to_core(unsigned int cpu)
{
    int sk, co;
    place_of((int)cpu, &sk, &co);
    return (unsigned int)co;
}

static void build_machine(void)
{
    nr_cpu_ids = (unsigned int)np;
    cpumask_clear(&cpu_online_map);
    for (int c = 0; c < np; c++)
        cpumask_set_cpu(c, &cpu_online_map);
    cpumask_all.bits[0] = ~0UL;
    oracle_node_cpumask[0] = cpu_online_map;
    for (int a = 0; a < np; a++) {
        int sa, ca;
        place_of(a, &sa, &ca);
        cpumask_clear(per_cpu(cpu_sibling_mask, a));
        cpumask_clear(per_cpu(cpu_core_mask, a));
        for (int b = 0; b < np; b++) {
            int sb, cb;
            place_of(b, &sb, &cb);
            if (sa == sb)
                cpumask_set_cpu(b, per_cpu(cpu_core_mask, a));
            if (sa == sb && ca == cb)
                cpumask_set_cpu(b, per_cpu(cpu_sibling_mask, a));
        }
    }
}

static struct sched_unit *new_unit(struct domain *d, struct vcpu *v, unsigned int cpu)
{
    struct sched_unit *u = calloc(1, sizeof *u);
    if (!u)
        die("out of memory", NULL);
    u->domain = d;
    u->vcpu_list = v;
    u->unit_id = (unsigned int)v->vcpu_id;
    v->sched_unit = u;
    v->processor = cpu;
    sched_set_res(u, get_sched_res(cpu));
    return u;
}

/* ---- the schedulers: which one, and its parameters, set through the
 * interfaces Xen 4.17's toolstack uses (NOTES.md, "Schedulers") ---- */
enum { DK_WEIGHT = 1, DK_CAP = 2, DK_PERIOD = 4, DK_BUDGET = 8, DK_EXTRA = 16 };

static void die_rc(const char *what, const char *name, int rc)
{
    char msg[160];
    snprintf(msg, sizeof msg, "the scheduler refused %s (error %d)", what, rc);
    die(msg, name);
}

/* XEN_DOMCTL_SCHEDOP_putinfo with weight and cap (libxl's
 * sched_credit_domain_set / sched_credit2_domain_set). */
static void put_weight_cap(struct gdom *gd)
{
    struct xen_domctl_scheduler_op op = { .sched_id = ops.sched_id,
                                          .cmd = XEN_DOMCTL_SCHEDOP_putinfo };
    if (ops.sched_id == XEN_SCHEDULER_CREDIT2) {
        op.u.credit2.weight = (uint16_t)gd->weight;
        op.u.credit2.cap = (uint16_t)gd->cap;
    } else {
        op.u.credit.weight = (uint16_t)gd->weight;
        op.u.credit.cap = (uint16_t)gd->cap;
    }
    int rc = sched_adjust_dom(&ops, gd->d, &op);
    if (rc)
        die_rc("the weight or cap", gd->name, rc);
}

/* XEN_DOMCTL_SCHEDOP_putvcpuinfo for every vCPU (libxl's
 * sched_rtds_vcpus_params_set): period, budget, extratime. */
static void put_rtds(struct gdom *gd)
{
    xen_domctl_schedparam_vcpu_t *vp = calloc((size_t)gd->nv, sizeof *vp);
    if (!vp)
        die("out of memory", NULL);
    for (int k = 0; k < gd->nv; k++) {
        vp[k].vcpuid = (uint32_t)k;
        vp[k].u.rtds.period = gd->period_us;
        vp[k].u.rtds.budget = gd->budget_us;
        vp[k].u.rtds.flags = gd->extratime ? XEN_DOMCTL_SCHEDRT_extra : 0;
    }
    struct xen_domctl_scheduler_op op = { .sched_id = ops.sched_id,
                                          .cmd = XEN_DOMCTL_SCHEDOP_putvcpuinfo };
    op.u.v.vcpus.p = vp;
    op.u.v.nr_vcpus = (uint32_t)gd->nv;
    int rc = sched_adjust_dom(&ops, gd->d, &op);
    if (rc)
        die_rc("the period, budget or extratime", gd->name, rc);
    free(vp);
}

static const struct sched_desc {
    const char *name;               /* --sched: the file's opt_name */
    unsigned int dom_keys;          /* DK_* its --dom takes */
    void (*dom_params)(struct gdom *gd);    /* once the vCPUs exist */
} scheds[] = {
    { "credit", DK_WEIGHT | DK_CAP, put_weight_cap },
    { "credit2", DK_WEIGHT | DK_CAP, put_weight_cap },
    { "rtds", DK_PERIOD | DK_BUDGET | DK_EXTRA, put_rtds },
    { "null", 0, NULL },
    { "arinc653", 0, NULL },
}, *sched = &scheds[0];

/* The toolstack's domain handle (UUID): unique per domain, as arinc653.c
 * names a schedule's domains by it. */
static void dom_handle(int id, xen_domain_handle_t h)
{
    memset(h, 0x5a, sizeof(xen_domain_handle_t));
    h[0] = (uint8_t)(id >> 8);
    h[1] = (uint8_t)id;
}

/* --a653 "MAJOR_NS;DOM[/vK]:RUNTIME_NS;...": ARINC 653's major frame and
 * its minor frames in order, set once the domains exist with
 * XEN_SYSCTL_SCHEDOP_putinfo (what the a653 tool of the toolstack does
 * through xc_sched_arinc653_schedule_set). */
static char *a653_spec;

static s_time_t num(const char *s, const char *what);

static void put_a653(void)
{
    static struct xen_sysctl_arinc653_schedule sch;
    char *save = NULL, *tok = strtok_r(a653_spec, ";", &save);
    if (!tok)
        die("--a653 needs the major frame", NULL);
    sch.major_frame = (uint64_t)num(tok, "--a653 major frame");
    while ((tok = strtok_r(NULL, ";", &save))) {
        char *colon = strchr(tok, ':');
        if (!colon)
            die("--a653 entry wants DOM[/vK]:RUNTIME_NS", tok);
        *colon = 0;
        if (sch.num_sched_entries == ARINC653_MAX_DOMAINS_PER_SCHEDULE)
            die("--a653: too many entries", NULL);
        int k = 0;
        char *slash = strchr(tok, '/');
        if (slash) {
            *slash++ = 0;
            k = (int)num(slash + (*slash == 'v'), "--a653 vCPU");
        }
        int i;
        for (i = 0; i < ngd && strcmp(gdoms[i].name, tok); i++)
            ;
        if (i == ngd)
            die("--a653 names no --dom", tok);
        __typeof__(sch.sched_entries[0]) *e = &sch.sched_entries[sch.num_sched_entries++];
        memcpy(e->dom_handle, gdoms[i].d->handle, sizeof e->dom_handle);
        e->vcpu_id = (uint32_t)k;
        e->runtime = (uint64_t)num(colon + 1, "--a653 runtime");
    }
    struct xen_sysctl_scheduler_op op = { .cpupool_id = 0, .sched_id = ops.sched_id,
                                          .cmd = XEN_SYSCTL_SCHEDOP_putinfo };
    op.u.sched_arinc653.schedule.p = &sch;
    oracle_cpu = 0;
    int rc = sched_adjust_cpupool(&ops, &op);
    if (rc)
        die_rc("the --a653 schedule", NULL, rc);
}

/* scheduler_init, the idle domain, then cpupool0 taking every pCPU
 * (schedule_cpu_add: alloc_pdata, the idle unit's alloc_udata, switch_sched). */
static void boot(void)
{
    const struct scheduler *const *s;
    for (s = __start_oracle_schedulers; s < __stop_oracle_schedulers; s++)
        if (!strcmp((*s)->opt_name, sched->name))
            break;
    if (s == __stop_oracle_schedulers)
        die("no scheduler file registered", sched->name);
    if ((*s)->global_init && (*s)->global_init() < 0)
        die("the scheduler's global_init failed", sched->name);
    ops = **s;
    oracle_cpu = 0;
    for (int c = 0; oi_virq_rearm && c < np; c++) {
        init_timer(&xtick[c], xtick_fn, &xtick[c], (unsigned int)c);
        set_timer(&xtick[c], NOW() + MILLISECS(10));
    }
    for (int c = 0; c < np; c++) {
        struct sched_resource *sr = calloc(1, sizeof *sr);
        if (!sr)
            die("out of memory", NULL);
        sr->master_cpu = (unsigned int)c;
        sr->granularity = 1;
        cpumask_set_cpu(c, sr->cpus);
        sr->schedule_lock = &sr->_lock;
        init_timer(&sr->s_timer, s_timer_fn, NULL, (unsigned int)c);
        per_cpu(sched_res, c) = sr;
    }
    if (sched_init(&ops))
        die("the scheduler's init failed", sched->name);
    if (sched_ratelimit_us && (sched_ratelimit_us > XEN_SYSCTL_SCHED_RATELIMIT_MAX
                               || sched_ratelimit_us < XEN_SYSCTL_SCHED_RATELIMIT_MIN))
        sched_ratelimit_us = SCHED_DEFAULT_RATELIMIT_US;
    idle_domain.domain_id = DOMID_IDLE;
    idle_domain.max_vcpus = (unsigned int)np;
    idle_domain.vcpu = calloc((size_t)np, sizeof *idle_domain.vcpu);
    for (int c = 0; c < np; c++) {
        struct vcpu *v = calloc(1, sizeof *v);
        if (!v || !idle_domain.vcpu)
            die("out of memory", NULL);
        v->vcpu_id = c;
        v->domain = &idle_domain;
        v->oracle_idx = -1;
        idle_domain.vcpu[c] = v;
        struct sched_unit *u = new_unit(&idle_domain, v, (unsigned int)c);
        struct sched_resource *sr = get_sched_res((unsigned int)c);
        cpumask_copy(u->cpu_hard_affinity, cpumask_of((unsigned int)c));
        cpumask_copy(u->cpu_soft_affinity, &cpumask_all);
        sr->curr = sr->sched_unit_idle = u;
        v->is_running = u->is_running = true;
        v->runstate.state = RUNSTATE_running;
        u->state_entry_time = (uint64_t)NOW();
        oracle_current[c] = v;
    }
    pool0.sched = &ops;
    pool0.gran = SCHED_GRAN_cpu;
    pool0.sched_gran = 1;
    cpumask_copy(pool0.cpu_valid, &cpu_online_map);
    cpumask_copy(pool0.res_valid, &cpu_online_map);
    ops.cpupool = &pool0;
    for (int c = 0; c < np; c++) {
        struct sched_resource *sr = get_sched_res((unsigned int)c);
        void *ppriv = sched_alloc_pdata(&ops, c);
        void *vpriv = sched_alloc_udata(&ops, sr->sched_unit_idle, NULL);
        if (IS_ERR(ppriv) || !vpriv)
            die("the scheduler refused a pCPU", NULL);
        sched_switch_sched(&ops, (unsigned int)c, ppriv, vpriv);
        sr->scheduler = &ops;
        sr->sched_priv = ppriv;
        sr->cpupool = &pool0;
    }
}

/* core.c's sched_set_affinity. */
static void set_affinity(struct sched_unit *u, const cpumask_t *hard, const cpumask_t *soft)
{
    sched_adjust_affinity(&ops, u, hard, soft);
    cpumask_copy(u->cpu_hard_affinity, hard);
    cpumask_copy(u->cpu_soft_affinity, soft);
    u->soft_aff_effective = !cpumask_subset(u->cpu_hard_affinity, u->cpu_soft_affinity)
                            && cpumask_intersects(u->cpu_soft_affinity, u->cpu_hard_affinity);
}

static int placed[NR_CPUS];
static bool xen_placement;

/* xensim's placement (models/hv.c place): fewest vCPUs placed so far among
 * the allowed pCPUs, lowest index on ties. With --placement xen, Xen 4.17's
 * sched_select_initial_cpu instead: vCPU 0 on the first pCPU of the pool,
 * vCPU k on the next one after vCPU k-1's (hard affinity is applied later,
 * by the insert's pick). A domain's start= list (an oracle extension
 * xensim has no key for) names the first vCPUs' pCPUs outright. */
static unsigned int initial_cpu(const struct gdom *gd, const struct domain *d, int k)
{
    if (k < gd->nstart) {
        if (gd->start[k] >= np)
            die("a start= pCPU is not on the machine", gd->name);
        placed[gd->start[k]]++;
        return (unsigned int)gd->start[k];
    }
    if (xen_placement)
        return (unsigned int)(k == 0 ? cpumask_first(&cpu_online_map)
                              : cpumask_cycle((int)d->vcpu[k - 1]->processor, &cpu_online_map));
    int best = -1;
    for (int c = 0; c < np; c++) {
        if (gd->pinned && !cpumask_test_cpu(c, &gd->cpus))
            continue;
        if (best < 0 || placed[c] < placed[best])
            best = c;
    }
    if (best < 0)
        die("a domain's cpus name no pCPU of the machine", gd->name);
    placed[best]++;
    return (unsigned int)best;
}

/* domain_create (paused by the controller), each vCPU's sched_init_vcpu,
 * then the scheduler parameters (libxl__build_pre, after the vCPUs). */
static void create_domain(struct gdom *gd, int id)
{
    struct domain *d = calloc(1, sizeof *d);
    if (!d)
        die("out of memory", NULL);
    gd->d = d;
    d->domain_id = (domid_t)id;
    dom_handle(id, d->handle);
    atomic_set(&d->pause_count, 1);
    d->cpupool = &pool0;
    d->sched_priv = sched_alloc_domdata(&ops, d);
    if (IS_ERR(d->sched_priv))
        die("the scheduler refused a domain", gd->name);
    d->max_vcpus = (unsigned int)gd->nv;
    d->vcpu = calloc((size_t)gd->nv, sizeof *d->vcpu);
    if (!d->vcpu)
        die("out of memory", NULL);
    struct sched_unit *prev_unit = NULL;
    for (int k = 0; k < gd->nv; k++) {
        struct vcpu *v = calloc(1, sizeof *v);
        if (!v || ngv == MAXV)
            die("too many vCPUs", NULL);
        v->vcpu_id = k;
        v->domain = d;
        v->runstate.state = RUNSTATE_offline;
        d->vcpu[k] = v;
        if (k > 0)
            d->vcpu[k - 1]->next_in_list = v;
        struct gvcpu *g = &gv[ngv];
        memset(g, 0, sizeof *g);
        g->gd = gd;
        g->k = k;
        g->v = v;
        g->last_cpu = -1;
        g->woke_at = -1;
        g->state = P_START;
        v->oracle_idx = ngv++;
        oracle_cpu = 0;
        unsigned int cpu = initial_cpu(gd, d, k);
        init_timer(&v->singleshot_timer, singleshot_timer_fn, v, cpu);
        struct sched_unit *u = new_unit(d, v, cpu);
        if (prev_unit)
            prev_unit->next_in_list = u;
        else
            d->sched_unit_list = u;
        prev_unit = u;
        u->priv = sched_alloc_udata(&ops, u, d->sched_priv);
        if (!u->priv)
            die("the scheduler refused a vCPU", gd->name);
        set_affinity(u, gd->pinned ? &gd->cpus : &cpumask_all,
                     gd->has_soft ? &gd->soft : &cpumask_all);
        sched_insert_unit(&ops, u);
        g->at_cpu = (int)u->res->master_cpu;
    }
    if (sched->dom_params)
        sched->dom_params(gd);
}

/* domain_unpause_by_systemcontroller -> domain_unpause: every vCPU woken. */
static void unpause_domain(struct domain *d)
{
    oracle_cpu = 0;
    if (atomic_dec_and_test(&d->pause_count))
        for (unsigned int k = 0; k < d->max_vcpus; k++)
            vcpu_wake(d->vcpu[k]);
}

/* ---- command line ---- */
static s_time_t num(const char *s, const char *what)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    if (end == s || *end || v < 0)
        die("not a non-negative integer", what);
    return (s_time_t)v;
}

/* A pCPU list A-B;C;... into m. */
static void parse_cpus(cpumask_t *m, char *v)
{
    cpumask_clear(m);
    for (char *tok = strtok(v, ";"); tok; tok = strtok(NULL, ";")) {
        char *dash = strchr(tok, '-');
        long a, b;
        if (dash) {
            *dash = 0;
            a = (long)num(tok, "cpus");
            b = (long)num(dash + 1, "cpus");
        } else {
            a = b = (long)num(tok, "cpus");
        }
        if (a > b || b >= NR_CPUS)
            die("bad cpus range", tok);
        for (long c = a; c <= b; c++)
            cpumask_set_cpu((int)c, m);
    }
}

static void parse_dom(char *spec)
{
    if (ngd == MAXD)
        die("too many --dom", NULL);
    struct gdom *gd = &gdoms[ngd++];
    memset(gd, 0, sizeof *gd);
    gd->nv = 1;
    gd->weight = 256;               /* credit.c's and credit2.c's default weight */
    gd->period_us = 10000;          /* rt.c's RTDS_DEFAULT_PERIOD, */
    gd->budget_us = 4000;           /* RTDS_DEFAULT_BUDGET */
    gd->extratime = true;           /* and rt_alloc_udata's RTDS_extratime */
    char *save = NULL, *tok = strtok_r(spec, ",", &save);
    if (!tok)
        die("--dom needs a name", NULL);
    snprintf(gd->name, sizeof gd->name, "%s", tok);
    while ((tok = strtok_r(NULL, ",", &save))) {
        char *v = strchr(tok, '=');
        if (!v)
            die("--dom item without '='", tok);
        *v++ = 0;
        if (!strcmp(tok, "vcpus"))
            gd->nv = (int)num(v, tok);
        else if (!strcmp(tok, "weight")) {
            gd->weight = (int)num(v, tok);
            gd->keys |= DK_WEIGHT;
        } else if (!strcmp(tok, "cap")) {
            gd->cap = (int)num(v, tok);
            gd->keys |= DK_CAP;
        } else if (!strcmp(tok, "period_us")) {
            gd->period_us = (uint32_t)num(v, tok);
            gd->keys |= DK_PERIOD;
        } else if (!strcmp(tok, "budget_us")) {
            gd->budget_us = (uint32_t)num(v, tok);
            gd->keys |= DK_BUDGET;
        } else if (!strcmp(tok, "extratime")) {
            if (strcmp(v, "0") && strcmp(v, "1"))
                die("extratime is 0 or 1", v);
            gd->extratime = *v == '1';
            gd->keys |= DK_EXTRA;
        }
        else if (!strcmp(tok, "kind")) {
            if (!strcmp(v, "hog"))
                gd->kind = HOG;
            else if (!strcmp(v, "periodic"))
                gd->kind = PERIODIC;
            else
                die("unknown kind", v);
        } else if (!strcmp(tok, "period"))
            gd->period = num(v, tok);
        else if (!strcmp(tok, "burst"))
            gd->burst = num(v, tok);
        else if (!strcmp(tok, "phase"))
            gd->phase = num(v, tok);
        else if (!strcmp(tok, "cpus")) {
            gd->pinned = true;
            parse_cpus(&gd->cpus, v);
        } else if (!strcmp(tok, "soft")) {
            gd->has_soft = true;
            parse_cpus(&gd->soft, v);
        }
        else if (!strcmp(tok, "start")) {
            for (char *c = strtok(v, ";"); c && gd->nstart < NR_CPUS; c = strtok(NULL, ";"))
                gd->start[gd->nstart++] = (int)num(c, "start");
        }
        else
            die("unknown --dom key", tok);
    }
    if (gd->nv < 1 || gd->weight < 1 || gd->weight > 65535 || gd->cap > 65534)
        die("bad vcpus, weight or cap", gd->name);
    if (gd->kind == PERIODIC && (gd->period <= 0 || gd->burst <= 0))
        die("a periodic domain needs period > 0 and burst > 0", gd->name);
}

static void usage(void)
{
    fprintf(stderr,
          "usage: %s [--sched credit|credit2|rtds|null|arinc653]\n"
          "       --pcpus N [--topology S,C,T] [--numbering split|adjacent]\n"
          "       --warmup NS --duration NS [--timeline-ns NS]\n"
          "       [--ratelimit-us N] [--tslice-ms N (credit)] [--credit2-runqueue"
          " cpu|core|socket|node|all]\n"
          "       [--a653 \"MAJOR_NS;DOM[/vK]:RUNTIME_NS;...\"] [--boot NAME=VALUE]"
          " [--seed N] [--placement xensim|xen]\n"
          "       [--instant heap|fifo|index|per-cpu] [--context-saved inline|deferred]"
          " [--virq-rearm 0|1]\n"
          "       --dom NAME,vcpus=V,kind=hog|periodic[,period=NS,burst=NS,phase=NS]"
          "[,cpus=A-B|A;B][,soft=A-B|A;B][,start=A;B]\n"
          "             [,weight=W,cap=C (credit, credit2)]"
          "[,period_us=P,budget_us=B,extratime=0|1 (rtds)]\n", progname);
    exit(2);
}

int main(int argc, char **argv)
{
    const char *base = strrchr(argv[0], '/');
    progname = base ? base + 1 : argv[0];
    oi_order = OI_OWN;
    long tslice_ms = -1, ratelimit_us = SCHED_DEFAULT_RATELIMIT_US;
    const char *runqueue = NULL;
    const char *boot_params[16];
    int nboot = 0;
    s_time_t warmup = -1, duration = -1, timeline = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (i + 1 >= argc)
            usage();
        char *v = argv[++i];
        if (!strcmp(a, "--sched")) {
            size_t k;
            for (k = 0; k < ARRAY_SIZE(scheds) && strcmp(scheds[k].name, v); k++)
                ;
            if (k == ARRAY_SIZE(scheds))
                die("--sched is credit, credit2, rtds, null or arinc653", v);
            sched = &scheds[k];
        } else if (!strcmp(a, "--pcpus"))
            np = (int)num(v, a);
        else if (!strcmp(a, "--topology")) {
            if (sscanf(v, "%d,%d,%d", &topo_s, &topo_c, &topo_t) != 3
                || topo_s < 1 || topo_c < 1 || topo_t < 1)
                die("--topology wants S,C,T", v);
        } else if (!strcmp(a, "--numbering")) {
            if (!strcmp(v, "adjacent"))
                adjacent = 1;
            else if (strcmp(v, "split"))
                die("--numbering is split or adjacent", v);
        } else if (!strcmp(a, "--warmup"))
            warmup = num(v, a);
        else if (!strcmp(a, "--duration"))
            duration = num(v, a);
        else if (!strcmp(a, "--timeline-ns"))
            timeline = num(v, a);
        else if (!strcmp(a, "--tslice-ms"))
            tslice_ms = (long)num(v, a);
        else if (!strcmp(a, "--ratelimit-us"))
            ratelimit_us = (long)num(v, a);
        else if (!strcmp(a, "--credit2-runqueue"))
            runqueue = v;
        else if (!strcmp(a, "--a653"))
            a653_spec = v;
        else if (!strcmp(a, "--boot")) {
            if (nboot == (int)ARRAY_SIZE(boot_params) || !strchr(v, '='))
                die("--boot wants NAME=VALUE (at most 16)", v);
            boot_params[nboot++] = v;
        } else if (!strcmp(a, "--seed")) {
            rnd_state = (uint64_t)num(v, a);
            if (!rnd_state)
                die("--seed must not be 0", v);
        } else if (!strcmp(a, "--placement")) {
            if (!strcmp(v, "xen"))
                xen_placement = true;
            else if (strcmp(v, "xensim"))
                die("--placement is xensim or xen", v);
        } else if (!strcmp(a, "--dom"))
            parse_dom(v);
        else if (!oi_option(progname, "heap", a, v))
            usage();
    }
    if (np < 1 || np > NR_CPUS || warmup < 0 || duration <= 0 || ngd == 0)
        usage();
    oi_check(progname);
    for (int i = 0; i < ngd; i++)
        if (gdoms[i].keys & ~sched->dom_keys)
            die("--dom has a key the scheduler does not take", gdoms[i].name);
    if (tslice_ms >= 0 && strcmp(sched->name, "credit"))
        die("--tslice-ms is credit's", sched->name);
    if (runqueue && strcmp(sched->name, "credit2"))
        die("--credit2-runqueue is credit2's", sched->name);
    if (a653_spec && strcmp(sched->name, "arinc653"))
        die("--a653 is arinc653's", sched->name);
    trace = oracle_printk_on = getenv("ORACLE_TRACE") != NULL;
    hooks.np = np;
    if (topo_c < 0)
        topo_c = np;                /* sim/topo.c's topo_flat: one socket, one thread per core */
    if (topo_s * topo_c * topo_t != np)
        die("--topology does not multiply to --pcpus", NULL);
    W0 = warmup;
    W1 = warmup + duration;
    TL = warmup + timeline;

    /* Boot parameters, as Xen's command line sets them. */
    if (!strcmp(sched->name, "credit")) {
        char buf[24];
        snprintf(buf, sizeof buf, "%ld", tslice_ms >= 0 ? tslice_ms : 30);
        set_param("sched_credit_tslice_ms", buf);
    }
    if (runqueue)
        set_param("credit2_runqueue", runqueue);
    for (int i = 0; i < nboot; i++) {
        char name[64];
        const char *eq = strchr(boot_params[i], '=');
        snprintf(name, sizeof name, "%.*s", (int)(eq - boot_params[i]), boot_params[i]);
        set_param(name, eq + 1);
    }
    sched_ratelimit_us = (int)ratelimit_us;

    build_machine();
    for (int i = 0; i < ngd; i++) {
        if (!gdoms[i].pinned)
            continue;
        cpumask_and(&gdoms[i].cpus, &gdoms[i].cpus, &cpu_online_map);
        if (cpumask_empty(&gdoms[i].cpus))
            die("a domain's cpus name no pCPU of the machine", gdoms[i].name);
    }
    boot();
    for (int i = 0; i < ngd; i++)
        create_domain(&gdoms[i], i + 1);
    if (a653_spec)
        put_a653();
    for (int i = 0; i < ngd; i++)
        unpause_domain(gdoms[i].d);

    for (;;) {
        run_instant_in_order();
        s_time_t t = next_event();
        if (t > W1) {
            advance(W1);
            break;
        }
        advance(t);
    }
    /* The window is (W0, W1], as xensim's: what happens at W1 counts. */

    for (int i = 0; i < ngv; i++) {
        struct gvcpu *g = &gv[i];
        printf("vcpu name=%s/v%d cpu_ns=%" PRId64 " dispatches=%ld migrations=%ld moves=%ld"
               " wakes=%ld lat_mean_ns=%" PRId64 " lat_max_ns=%" PRId64,
               g->gd->name, g->k, g->cpu_ns, g->dispatches, g->migrations, g->moves, g->lat_n,
               g->lat_n ? g->lat_sum / g->lat_n : 0, g->lat_max);
        if (g->gd->kind == PERIODIC)
            printf(" periods=%ld late=%ld", g->periods, g->late);
        putchar('\n');
    }
    return 0;
}
