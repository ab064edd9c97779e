/*
 * sedf45 oracle driver: Xen 4.5's own SEDF scheduler (sched_sedf.c of
 * RELEASE-4.5.0, compiled unmodified) on simulated pCPUs, for a
 * differential test of xensim's sedf model (tests/xen-oracle/README.md).
 *
 * This file is the rest of the hypervisor and the toolstack, written for
 * the oracle from the behaviour of Xen 4.5's xen/common/schedule.c and
 * tools/libxl (libxl_create.c sched_params_valid, libxl.c
 * sched_sedf_domain_set; no Xen code): the per-pCPU schedule()
 * (ops.do_schedule, s_timer armed with the slice, the switch), vcpu_wake,
 * do_block and the guest's one-shot timer; at boot each pCPU's
 * alloc_pdata and idle vCPU (alloc_vdata, insert_vcpu), each domain's
 * vCPUs (alloc_vdata, insert_vcpu), then libxl's getinfo and putinfo
 * through ops.adjust, then the unpause. Timers (timers.h) fire exactly at
 * expiry, every cost is 0, one thread plays every pCPU, one cpupool holds
 * everything, and there are no tasklets. SEDF never migrates (its
 * pick_cpu serves affinity changes only, which no scenario makes).
 *
 * Order at one instant: instant.h, as credit34's driver (README.md).
 *
 * Command line: credit34's (README.md), with SEDF's parameters in --dom in
 * place of weight and cap: period=NS, slice=NS, latency=NS, extratime=0|1,
 * weight=N, each optional (absent: libxl's "default", not given to xl).
 * Periods, slices and latencies are passed to libxl in ms, as xl does, so
 * they must be whole ms.
 */
#include "shim.h"
#include <xen/sched-if.h>
#include <stdbool.h>

#include "../instant.h"
#include "../timers.h"

extern const struct scheduler sched_sedf_def;

/* ---- the environment sched_sedf.c links against ---- */
DEFINE_PER_CPU(struct schedule_data, schedule_data);
DEFINE_PER_CPU(struct scheduler *, scheduler);
DEFINE_PER_CPU(struct cpupool *, cpupool);
s_time_t oracle_now;
int oracle_cpu;
int domlist_read_lock;
cpumask_t cpu_online_map;
cpumask_t cpupool_free_cpus;
struct cpupool *cpupool0;
int sched_ratelimit_us;
struct vcpu *idle_vcpu[NR_CPUS];
struct domain *domain_list;
static unsigned long softirq_pending[NR_CPUS];
static struct scheduler ops;        /* scheduler_init's copy of sched_sedf_def */
static struct cpupool pool0;

void oracle_bug(const char *what, const char *file, int line)
{
    fprintf(stderr, "oracle: %s failed at %s:%d (t=%" PRId64 " cpu %d)\n", what, file, line,
            oracle_now, oracle_cpu);
    abort();
}

void *oracle_zalloc(size_t n)
{
    void *p = calloc(1, n ? n : 1);
    if (!p) { fprintf(stderr, "oracle: out of memory\n"); exit(1); }
    return p;
}

void oracle_raise_softirq(unsigned int cpu, unsigned int nr)
{
    unsigned long bit = 1UL << nr;
    if (!(softirq_pending[cpu] & bit)) {
        softirq_pending[cpu] |= bit;
        if (nr == SCHEDULE_SOFTIRQ)
            oi_raise((int)cpu);
    }
}

/* ---- guests ---- */
#define INF INT64_MAX
#define MAXV 256
enum { HOG, PERIODIC };
struct gvcpu {
    struct vcpu v;
    char name[80];
    int kind;
    s_time_t period, burst, release;
    s_time_t work;              /* CPU still needed by the current job (INF: hog) */
    struct timer wake_timer;    /* the guest's one-shot timer (set_timer_op) */
    unsigned long long done_seq;    /* when its current computation was started, in event order */
    s_time_t cpu_ns; long dispatches;   /* over the window */
};
static struct gvcpu gv[MAXV];
static int ngv, np;
static struct domain idle_dom;
static struct vcpu idle_v[NR_CPUS];
static s_time_t W0, W1, TL;
static s_time_t acct_from[NR_CPUS];
static unsigned long long done_counter;
static int trace;      /* ORACLE_TRACE set: each schedule() and the queues on stderr */

/* The window for counts is (W0, W1], as xensim's timeline. */
static int in_window(s_time_t t) { return t > W0 && t <= W1; }
static struct gvcpu *G(struct vcpu *v) { return v->oracle_idx >= 0 ? &gv[v->oracle_idx] : NULL; }

/* ---- the schedule.c core ---- */
static void vcpu_wake(struct vcpu *v)
{
    if (vcpu_runnable(v))
        ops.wake(&ops, v);
}

static void account(int cpu)
{
    s_time_t a = acct_from[cpu] > W0 ? acct_from[cpu] : W0, b = oracle_now < W1 ? oracle_now : W1;
    struct gvcpu *g = G(curr_on_cpu(cpu));
    if (g && b > a) g->cpu_ns += b - a;
    if (g && g->work != INF) g->work -= oracle_now - acct_from[cpu];
    acct_from[cpu] = oracle_now;
}

static void schedule(int cpu)
{
    oracle_cpu = cpu;
    if (trace) {
        fprintf(stderr, "t=%" PRId64 " schedule cpu %d\n", oracle_now, cpu);
        ops.dump_cpu_state(&ops, cpu);
    }
    struct schedule_data *sd = &per_cpu(schedule_data, cpu);
    struct vcpu *prev = sd->curr;
    account(cpu);
    stop_timer(&sd->s_timer);
    struct task_slice s = ops.do_schedule(&ops, NOW(), 0);
    struct vcpu *next = s.task;
    oracle_cpu = cpu;
    sd->curr = next;
    if (s.time >= 0)
        set_timer(&sd->s_timer, NOW() + s.time);
    if (next == prev) return;
    next->is_running = 1;
    prev->is_running = 0;       /* context_saved: SEDF has no hook of its own */
    if (in_window(NOW()) && NOW() - W0 <= TL)
        printf("switch t=%" PRId64 " cpu=%d to=%s\n", NOW() - W0, cpu, G(next) ? G(next)->name : "idle");
    struct gvcpu *g = G(next);
    if (g) {
        g->done_seq = ++done_counter;
        if (in_window(NOW())) g->dispatches++;
    }
}

static void s_timer_fn(void *data)
{
    (void)data;
    cpu_raise_softirq(smp_processor_id(), SCHEDULE_SOFTIRQ);
}

/* The guest's one-shot timer: VIRQ_TIMER unblocks it; its next job is released. */
static void wake_timer_fn(void *data)
{
    struct gvcpu *g = data;
    g->work = g->burst;
    if (g->v.pause_flags & (1UL << _VPF_blocked)) {
        g->v.pause_flags &= ~(1UL << _VPF_blocked);
        vcpu_wake(&g->v);
    }
}

/* cpu's running guest has finished its computation: start the next job or block. */
static void guest_step(int cpu)
{
    struct gvcpu *g = G(curr_on_cpu(cpu));
    g->release += g->period;
    if (NOW() >= g->release) { g->work = g->burst; g->done_seq = ++done_counter; return; }
    oracle_cpu = cpu;
    init_timer(&g->wake_timer, wake_timer_fn, g, (unsigned int)cpu);
    set_timer(&g->wake_timer, g->release);
    g->v.pause_flags |= 1UL << _VPF_blocked;    /* do_block; no event is ever pending */
    /* raise_softirq(SCHEDULE_SOFTIRQ), run on the hypercall's return path:
     * one raised before at this instant is done with too. */
    softirq_pending[cpu] &= ~(1UL << SCHEDULE_SOFTIRQ);
    oi_cancel(cpu);
    schedule(cpu);
}

/* ---- the instant's order (instant.h) ---- */
static bool hook_guest_due(int cpu)
{
    struct gvcpu *g = G(curr_on_cpu(cpu));
    return g && g->work != INF && g->work <= 0;
}

static unsigned long long hook_guest_key(int cpu)
{
    return G(curr_on_cpu(cpu))->done_seq;
}

static bool hook_timers_due(int cpu)
{
    return ot_due(cpu) != NULL;
}

static bool hook_run_schedule(int cpu)
{
    if (!(softirq_pending[cpu] & (1UL << SCHEDULE_SOFTIRQ))) return false;
    softirq_pending[cpu] &= ~(1UL << SCHEDULE_SOFTIRQ);
    schedule(cpu);
    return true;
}

static void hook_migrate(int i)
{
    (void)i;            /* SEDF never flags a migration */
}

/* --virq-rearm: xensim's Xen 2.0 tick, every 10 ms on every pCPU, sends
 * VIRQ_TIMER to a running vCPU 0, whose upcall re-queues the completion. */
static void hook_before_timers(int cpu)
{
    struct gvcpu *g = G(curr_on_cpu(cpu));
    if (oracle_now % MILLISECS(10) == 0 && g && g->v.vcpu_id == 0 && g->work != INF && g->work > 0)
        g->done_seq = ++done_counter;
}

static struct oi_hooks hooks = {
    .guest_due = hook_guest_due,
    .guest_key = hook_guest_key,
    .guest_step = guest_step,
    .timers_due = hook_timers_due,
    .run_timers = ot_run,
    .run_schedule = hook_run_schedule,
    .migrate = hook_migrate,
};

/* ---- the toolstack: xl create's scheduling parameters (libxl 4.5) ---- */
#define UNSET (-1LL)
struct domspec {
    char name[64]; int vcpus, kind;
    s_time_t period, burst, phase;
    long long s_period, s_slice, s_latency, s_extratime, s_weight;   /* ns / flags; UNSET */
    cpumask_t cpus; int has_cpus;
};
static struct domspec ds[MAXV];
static int nds;

/* sched_params_valid, then sched_sedf_domain_set: what is not given keeps
 * the domain's current value (getinfo); then putinfo. 0, or -1 where libxl
 * refused, or Xen's error. */
static int libxl_set(struct domain *d, const struct domspec *s)
{
    int has_w = s->s_weight != UNSET, has_p = s->s_period != UNSET;
    int has_s = s->s_slice != UNSET, has_x = s->s_extratime != UNSET;
    long long period = s->s_period, slice = s->s_slice, weight = s->s_weight;
    if (has_w && (has_p || has_s)) return -1;
    if (has_p != has_s) return -1;
    if (has_w) { slice = 0; period = 0; }
    else if (!has_p) { weight = has_x ? s->s_extratime : 1; period = 0; }
    else weight = 0;
    struct xen_domctl_scheduler_op op = { .sched_id = XEN_SCHEDULER_SEDF,
                                          .cmd = XEN_DOMCTL_SCHEDOP_getinfo };
    int rc = ops.adjust(&ops, d, &op);
    if (rc) return rc;
    op.cmd = XEN_DOMCTL_SCHEDOP_putinfo;
    /* period and weight are always set by now; libxl passes ms. */
    op.u.sedf.period = (uint64_t)(period / 1000000) * 1000000;
    if (slice != UNSET) op.u.sedf.slice = (uint64_t)(slice / 1000000) * 1000000;
    if (s->s_latency != UNSET) op.u.sedf.latency = (uint64_t)(s->s_latency / 1000000) * 1000000;
    if (has_x) op.u.sedf.extratime = (u32)s->s_extratime;
    op.u.sedf.weight = (u32)weight;
    return ops.adjust(&ops, d, &op);
}

/* ---- command line ---- */
static void usage(void)
{
    fprintf(stderr, "usage: sedf45 --pcpus N --warmup NS --duration NS [--timeline-ns NS]\n"
            "  [--instant fifo|index|per-cpu] [--context-saved inline|deferred] [--virq-rearm 0|1]\n"
            "  --dom NAME,vcpus=V,kind=hog|periodic[,period=NS,burst=NS,phase=NS][,cpus=A-B|A;B]"
            "[,speriod=NS,sslice=NS,latency=NS,extratime=0|1,weight=N] ...\n");
    exit(2);
}

static long long num(const char *s)
{
    char *e; long long v = strtoll(s, &e, 10);
    if (*e || e == s) { fprintf(stderr, "sedf45: not an integer: %s\n", s); exit(2); }
    return v;
}

static void parse_cpus(struct domspec *d, char *v)
{
    memset(&d->cpus, 0, sizeof d->cpus); d->has_cpus = 1;
    for (char *tok = strtok(v, ";"); tok; tok = strtok(NULL, ";")) {
        char *dash = strchr(tok, '-');
        long a = strtol(tok, NULL, 10), b = dash ? strtol(dash + 1, NULL, 10) : a;
        for (long c = a; c <= b; c++) cpumask_set_cpu((int)c, &d->cpus);
    }
}

static void parse_dom(char *spec)
{
    if (nds == MAXV) usage();
    struct domspec *d = &ds[nds++];
    memset(d, 0, sizeof *d);
    d->vcpus = 1; d->kind = HOG;
    d->s_period = d->s_slice = d->s_latency = d->s_extratime = d->s_weight = UNSET;
    char *save, *tok = strtok_r(spec, ",", &save);
    snprintf(d->name, sizeof d->name, "%s", tok);
    while ((tok = strtok_r(NULL, ",", &save))) {
        char *v = strchr(tok, '=');
        if (!v) usage();
        *v++ = 0;
        if (!strcmp(tok, "vcpus")) d->vcpus = (int)num(v);
        else if (!strcmp(tok, "kind")) d->kind = !strcmp(v, "periodic") ? PERIODIC : !strcmp(v, "hog") ? HOG : (usage(), 0);
        else if (!strcmp(tok, "period")) d->period = num(v);
        else if (!strcmp(tok, "burst")) d->burst = num(v);
        else if (!strcmp(tok, "phase")) d->phase = num(v);
        else if (!strcmp(tok, "cpus")) parse_cpus(d, v);
        else if (!strcmp(tok, "speriod")) d->s_period = num(v);
        else if (!strcmp(tok, "sslice")) d->s_slice = num(v);
        else if (!strcmp(tok, "latency")) d->s_latency = num(v);
        else if (!strcmp(tok, "extratime")) d->s_extratime = num(v);
        else if (!strcmp(tok, "weight")) d->s_weight = num(v);
        else { fprintf(stderr, "sedf45: unknown --dom key %s\n", tok); exit(2); }
    }
}

int main(int argc, char **argv)
{
    s_time_t warmup = -1, duration = -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (i + 1 >= argc) usage();
        char *v = argv[++i];
        if (!strcmp(a, "--pcpus")) np = (int)num(v);
        else if (!strcmp(a, "--warmup")) warmup = num(v);
        else if (!strcmp(a, "--duration")) duration = num(v);
        else if (!strcmp(a, "--timeline-ns")) TL = num(v);
        else if (oi_option("sedf45", NULL, a, v)) continue;
        else if (!strcmp(a, "--dom")) parse_dom(v);
        else usage();
    }
    if (np < 1 || np > NR_CPUS || warmup < 0 || duration <= 0) usage();
    oi_check("sedf45");
    hooks.np = np;
    if (oi_virq_rearm) hooks.before_timers = hook_before_timers;
    W0 = warmup; W1 = warmup + duration;
    trace = getenv("ORACLE_TRACE") != NULL;

    /* Boot (4.5's scheduler_init and cpu bring-up): the policy, each pCPU's
     * data and its idle vCPU, current on it. */
    ops = sched_sedf_def;
    if (ops.init(&ops)) { fprintf(stderr, "sedf45: init failed\n"); return 1; }
    for (int c = 0; c < np; c++) cpumask_set_cpu(c, &cpu_online_map);
    pool0.cpu_valid = &cpu_online_map;
    pool0.sched = &ops;
    cpupool0 = &pool0;
    idle_dom.domain_id = IDLE_DOMAIN_ID;
    for (int c = 0; c < np; c++) {
        struct vcpu *v = &idle_v[c];
        v->vcpu_id = c; v->processor = (unsigned int)c; v->domain = &idle_dom; v->oracle_idx = -1;
        v->cpu_hard_affinity = &v->hard_mask;
        cpumask_set_cpu(c, v->cpu_hard_affinity);
        idle_vcpu[c] = v;
        struct schedule_data *sd = &per_cpu(schedule_data, c);
        sd->schedule_lock = &sd->_lock;
        sd->sched_priv = ops.alloc_pdata(&ops, c);
        init_timer(&sd->s_timer, s_timer_fn, NULL, (unsigned int)c);
        per_cpu(scheduler, c) = &ops;
        per_cpu(cpupool, c) = &pool0;
        sd->curr = v;
        v->is_running = 1;
        oracle_cpu = c;
        v->sched_priv = ops.alloc_vdata(&ops, v, NULL);
        ops.insert_vcpu(&ops, v);
    }

    /* The domains, created paused at 0 in --dom order, each vCPU placed as
     * xensim places it (the pCPU with the fewest vCPUs so far among its
     * allowed ones, lowest index on ties), then xl's parameters. */
    int nplaced[NR_CPUS] = { 0 };
    struct domain *doms[MAXV], **tail = &domain_list;
    for (int d = 0; d < nds; d++) {
        struct domspec *s = &ds[d];
        struct domain *dom = oracle_zalloc(sizeof *dom);
        dom->domain_id = (domid_t)(d + 1);
        dom->pause_count = 1;
        dom->cpupool = &pool0;
        dom->vcpu = oracle_zalloc(sizeof *dom->vcpu * (size_t)s->vcpus);
        *tail = dom; tail = &dom->next_in_list;
        doms[d] = dom;
        dom->sched_priv = ops.alloc_domdata(&ops, dom);
        for (int k = 0; k < s->vcpus; k++) {
            if (ngv == MAXV) usage();
            int best = -1;
            for (int c = 0; c < np; c++) {
                if (s->has_cpus && !cpumask_test_cpu(c, &s->cpus)) continue;
                if (best < 0 || nplaced[c] < nplaced[best]) best = c;
            }
            if (best < 0) { fprintf(stderr, "sedf45: domain %s has no pCPU\n", s->name); return 2; }
            nplaced[best]++;
            struct gvcpu *g = &gv[ngv];
            g->v.vcpu_id = k; g->v.processor = (unsigned int)best; g->v.domain = dom;
            g->v.oracle_idx = ngv;
            g->v.cpu_hard_affinity = &g->v.hard_mask;
            g->v.hard_mask = s->has_cpus ? s->cpus : cpu_online_map;
            if (k) dom->vcpu[k - 1]->next_in_list = &g->v;
            dom->vcpu[k] = &g->v;
            snprintf(g->name, sizeof g->name, "%.63s/v%d", s->name, k);
            g->kind = s->kind; g->period = s->period; g->burst = s->burst;
            /* A periodic guest's first job is released at phase (xensim's
             * workloads/periodic.c). */
            g->release = s->phase - s->period;
            g->work = s->kind == HOG ? INF : 0;
            ngv++;
            oracle_cpu = best;
            g->v.sched_priv = ops.alloc_vdata(&ops, &g->v, dom->sched_priv);
            ops.insert_vcpu(&ops, &g->v);
        }
        if (libxl_set(dom, s)) {
            fprintf(stderr, "sedf45: domain %s: parameters refused\n", s->name);
            return 2;
        }
    }
    /* The toolstack unpauses each domain in creation order: every vCPU wakes. */
    for (int d = 0, i = 0; d < nds; d++) {
        doms[d]->pause_count = 0;
        for (int k = 0; k < ds[d].vcpus; k++, i++) {
            oracle_cpu = (int)gv[i].v.processor;
            vcpu_wake(&gv[i].v);
        }
    }

    for (;;) {
        oi_instant(&hooks);
        /* The next instant: a timer's expiry or the end of a running guest's computation. */
        s_time_t t = ot_next_expiry();
        for (int c = 0; c < np; c++) {
            struct gvcpu *g = G(curr_on_cpu(c));
            if (g && g->work != INF && oracle_now + g->work < t) t = oracle_now + g->work;
        }
        if (oracle_now >= W1) break;
        if (t > W1) t = W1;
        oracle_now = t;
        for (int c = 0; c < np; c++) account(c);
    }
    for (int i = 0; i < ngv; i++)
        printf("vcpu name=%s cpu_ns=%" PRId64 " dispatches=%ld migrations=0\n", gv[i].name,
               gv[i].cpu_ns, gv[i].dispatches);
    return 0;
}
