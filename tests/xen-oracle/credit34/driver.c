/*
 * credit34 oracle driver: Xen 3.4's own Credit scheduler (sched_credit.c of
 * commit a36045afa8, compiled unmodified) on simulated pCPUs, for a
 * differential test of xensim's Credit "3.4" model (tests/xen-oracle/README.md).
 *
 * This file is the rest of the hypervisor, written for the oracle from the
 * behaviour of Xen 3.4's xen/common/schedule.c and timer.c (no Xen code):
 * the per-pCPU schedule() (ops.do_schedule, s_timer armed with the slice,
 * context_saved -> vcpu_migrate for a vCPU flagged _VPF_migrating),
 * vcpu_wake, vcpu_sleep_nosync, vcpu_pause_nosync/vcpu_unpause (Credit's
 * parking), do_block and the guest's one-shot timer; one timer heap per
 * pCPU ordered by (expiry, set order); softirqs. Time is integer ns, timers
 * fire exactly at expiry, every cost is 0, and one thread plays every pCPU.
 *
 * Order at one instant (Xen's pCPUs act concurrently; a sequential driver
 * must pick an order): first the guests whose computation ends now (a
 * block enters schedule() on its pCPU at once, as the hypercall's return
 * path runs softirqs), then the pCPUs' due timers (TIMER_SOFTIRQ), then the
 * raised SCHEDULE_SOFTIRQs (SCHEDULE comes after TIMER in Xen's softirq
 * order), repeated until nothing is pending. Across pCPUs, by default
 * (--instant fifo): guests in the order their computations started,
 * interrupts in the order each pCPU's timer was last programmed, softirqs
 * in the order raised; --instant index and per-cpu, --context-saved and
 * --virq-rearm give other orders (README.md, "Order at one instant").
 *
 * Command line and output: tests/xen-oracle/README.md (the common contract).
 */
#include "oracle_shim.h"
#include <xen/sched-if.h>
#include <inttypes.h>

#include "../instant.h"

extern struct scheduler sched_credit_def;
extern int (*oracle_initcall_csched_start_tickers)(void);

/* ---- the environment sched_credit.c links against ---- */
DEFINE_PER_CPU(struct schedule_data, schedule_data);
s_time_t oracle_now;
int oracle_cpu;
cpumask_t cpu_online_map;
cpumask_t cpu_sibling_map[NR_CPUS];
cpumask_t cpu_core_map[NR_CPUS];
int sched_smt_power_savings;
unsigned long oracle_softirq_pending[NR_CPUS];
struct vcpu *oracle_current[NR_CPUS];

void oracle_bug(const char *what, const char *file, int line)
{
    fprintf(stderr, "oracle: %s failed at %s:%d (t=%" PRId64 " cpu %d)\n", what, file, line,
            oracle_now, oracle_cpu);
    abort();
}

void *oracle_zalloc(size_t n)
{
    void *p = calloc(1, n);
    if (!p) { fprintf(stderr, "oracle: out of memory\n"); exit(1); }
    return p;
}

int cpumask_scnprintf(char *buf, int len, cpumask_t m)
{
    return snprintf(buf, (size_t)len, "%#lx", m.bits[0]);
}

/* ---- timers (timers.h) ---- */
#include "../timers.h"

/* ---- softirqs: SCHEDULE_SOFTIRQ pending per pCPU, in the order raised (instant.h) ---- */
void oracle_raise_softirq(unsigned int cpu, unsigned int nr)
{
    if (!test_and_set_bit((int)nr, &softirq_pending(cpu)) && nr == SCHEDULE_SOFTIRQ)
        oi_raise((int)cpu);
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
    int last_ran;               /* pCPU it last ran on, -1 none */
    unsigned long long done_seq;    /* when its current computation was started, in event order */
    unsigned int seen_proc;     /* processor when last looked at */
    /* over the window */
    s_time_t cpu_ns; long dispatches, migrations;
};
static struct gvcpu gv[MAXV];
static int ngv;
static struct domain idle_dom;
static struct vcpu idle_v[NR_CPUS];
static s_time_t W0, W1, TL;
static s_time_t acct_from[NR_CPUS];

/* The measured window for counts is (W0, W1], as xensim's timeline: a switch at W0
 * is part of the state the window starts from. */
static int in_window(s_time_t t) { return t > W0 && t <= W1; }
static struct gvcpu *G(struct vcpu *v) { return v->oracle_idx >= 0 ? &gv[v->oracle_idx] : NULL; }

/* A vCPU's processor changed (a steal in do_schedule, or vcpu_migrate): xensim's `migrations`. */
static void note_moves(void)
{
    for (int i = 0; i < ngv; i++) {
        struct gvcpu *g = &gv[i];
        if (g->v.processor != g->seen_proc) {
            if (in_window(oracle_now)) g->migrations++;
            g->seen_proc = g->v.processor;
        }
    }
}

static int trace;      /* ORACLE_TRACE set: each schedule(), the queues, each vcpu_migrate on stderr */

/* ---- the schedule.c core ---- */
static void vcpu_wake(struct vcpu *v)
{
    if (vcpu_runnable(v))
        sched_credit_def.wake(v);
}

static void vcpu_sleep_nosync(struct vcpu *v)
{
    if (!vcpu_runnable(v))
        sched_credit_def.sleep(v);
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

static void vcpu_migrate(struct vcpu *v)
{
    if (v->is_running || !test_and_clear_bit(_VPF_migrating, &v->pause_flags))
        return;
    unsigned int from = v->processor;
    v->processor = (unsigned int)sched_credit_def.pick_cpu(v);
    if (trace)
        fprintf(stderr, "t=%" PRId64 " vcpu_migrate %s %u -> %u%s\n", oracle_now, G(v)->name, from,
                v->processor, vcpu_runnable(v) ? "" : " (not runnable: no wake)");
    note_moves();
    vcpu_wake(v);
}

static void context_saved(struct vcpu *prev)
{
    prev->is_running = 0;
    if (test_bit(_VPF_migrating, &prev->pause_flags))
        vcpu_migrate(prev);
}

static void print_switch(int cpu, struct vcpu *next)
{
    if (!in_window(oracle_now) || oracle_now - W0 > TL) return;
    struct gvcpu *g = G(next);
    printf("switch t=%" PRId64 " cpu=%d to=%s\n", oracle_now - W0, cpu, g ? g->name : "idle");
}

/* Account the CPU time of cpu's running vCPU up to now. */
static void account(int cpu)
{
    s_time_t a = acct_from[cpu] > W0 ? acct_from[cpu] : W0, b = oracle_now < W1 ? oracle_now : W1;
    struct gvcpu *g = G(oracle_current[cpu]);
    if (g && b > a) g->cpu_ns += b - a;
    if (g && g->work != INF) g->work -= oracle_now - acct_from[cpu];
    acct_from[cpu] = oracle_now;
}

static int np;

static unsigned long long done_counter;

static void schedule(int cpu)
{
    oracle_cpu = cpu;
    if (trace) {
        fprintf(stderr, "t=%" PRId64 " schedule cpu %d\n", oracle_now, cpu);
        for (int c = 0; c < np; c++) {
            fprintf(stderr, "pcpu %d:", c);
            sched_credit_def.dump_cpu_state(c);
        }
    }
    struct schedule_data *sd = &per_cpu(schedule_data, cpu);
    struct vcpu *prev = oracle_current[cpu];
    stop_timer(&sd->s_timer);
    struct task_slice s = sched_credit_def.do_schedule(NOW());
    struct vcpu *next = s.task;
    oracle_cpu = cpu;
    sd->curr = next;
    if (s.time >= 0)
        set_timer(&sd->s_timer, NOW() + s.time);
    note_moves();
    if (next == prev) return;
    account(cpu);
    prev->last_run_time = NOW();
    next->is_running = 1;
    oracle_current[cpu] = next;
    print_switch(cpu, next);
    struct gvcpu *g = G(next);
    if (g) {
        g->done_seq = ++done_counter;
        if (in_window(NOW())) g->dispatches++;
        g->last_ran = cpu;
    }
    if (oi_saved_deferred && test_bit(_VPF_migrating, &prev->pause_flags)) {
        /* --context-saved deferred: the running flag clears with the
         * switch, the migration waits its turn among the instant's softirqs;
         * one of this pCPU still waiting ends first (instant.h). */
        prev->is_running = 0;
        int older = oi_take_saved(cpu);
        if (older >= 0)
            vcpu_migrate(&gv[older].v);
        oi_defer_saved(cpu, prev->oracle_idx);
    } else {
        context_saved(prev);
    }
    oracle_cpu = cpu;
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
    if (test_and_clear_bit(_VPF_blocked, &g->v.pause_flags))
        vcpu_wake(&g->v);
}

/* cpu's running guest has finished its computation: start the next job or block. */
static void guest_step(int cpu)
{
    struct gvcpu *g = G(oracle_current[cpu]);
    g->release += g->period;
    if (NOW() >= g->release) { g->work = g->burst; g->done_seq = ++done_counter; return; }
    oracle_cpu = cpu;
    init_timer(&g->wake_timer, wake_timer_fn, g, (unsigned int)cpu);
    set_timer(&g->wake_timer, g->release);
    set_bit(_VPF_blocked, &g->v.pause_flags);   /* do_block; no event is ever pending */
    /* raise_softirq(SCHEDULE_SOFTIRQ), run on the hypercall's return path:
     * one raised before at this instant is done with too. */
    clear_bit(SCHEDULE_SOFTIRQ, &softirq_pending(cpu));
    oi_cancel(cpu);
    schedule(cpu);
}

/* ---- the instant's order (instant.h) ---- */
static bool hook_guest_due(int cpu)
{
    struct gvcpu *g = G(oracle_current[cpu]);
    return g && g->work != INF && g->work <= 0;
}

static unsigned long long hook_guest_key(int cpu)
{
    return G(oracle_current[cpu])->done_seq;
}

static bool hook_timers_due(int cpu)
{
    return ot_due(cpu) != NULL;
}

static bool hook_run_schedule(int cpu)
{
    if (!test_and_clear_bit(SCHEDULE_SOFTIRQ, &softirq_pending(cpu))) return false;
    schedule(cpu);
    return true;
}

static void hook_migrate(int i)
{
    struct vcpu *v = &gv[i].v;
    oracle_cpu = (int)v->processor;
    vcpu_migrate(v);
}

/* --virq-rearm: xensim's Xen 2.0 tick, at every 10 ms on every pCPU (where
 * the 3.4 ticker runs too), sends VIRQ_TIMER to a running vCPU 0, and its
 * upcall re-queues the completion. */
static void hook_before_timers(int cpu)
{
    struct gvcpu *g = G(oracle_current[cpu]);
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

/* ---- command line ---- */
static void usage(void)
{
    fprintf(stderr, "usage: credit34 --pcpus N [--topology S,C,T] [--numbering split|adjacent]\n"
            "  --warmup NS --duration NS [--timeline-ns NS] [--instant fifo|index|per-cpu] [--context-saved inline|deferred] [--virq-rearm 0|1]\n"
            "  --dom NAME,vcpus=V,weight=W,cap=C,kind=hog|periodic[,period=NS,burst=NS][,cpus=A-B|A;B][,phase=NS] ...\n");
    exit(2);
}

static s_time_t num(const char *s)
{
    char *e; long long v = strtoll(s, &e, 10);
    if (*e || e == s) { fprintf(stderr, "credit34: not an integer: %s\n", s); exit(2); }
    return v;
}

struct domspec {
    char name[64]; int vcpus, weight, cap, kind; s_time_t period, burst, phase; cpumask_t cpus; int has_cpus;
};
static struct domspec ds[MAXV];
static int nds;

static void parse_cpus(struct domspec *d, char *v)
{
    cpus_clear(d->cpus); d->has_cpus = 1;
    for (char *tok = strtok(v, ";"); tok; tok = strtok(NULL, ";")) {
        char *dash = strchr(tok, '-');
        long a = strtol(tok, NULL, 10), b = dash ? strtol(dash + 1, NULL, 10) : a;
        for (long c = a; c <= b; c++) cpu_set(c, d->cpus);
    }
}

static void parse_dom(char *spec)
{
    if (nds == MAXV) usage();
    struct domspec *d = &ds[nds++];
    memset(d, 0, sizeof *d);
    d->vcpus = 1; d->weight = 256; d->kind = HOG;
    char *save, *tok = strtok_r(spec, ",", &save);
    snprintf(d->name, sizeof d->name, "%s", tok);
    while ((tok = strtok_r(NULL, ",", &save))) {
        char *v = strchr(tok, '=');
        if (!v) usage();
        *v++ = 0;
        if (!strcmp(tok, "vcpus")) d->vcpus = (int)num(v);
        else if (!strcmp(tok, "weight")) d->weight = (int)num(v);
        else if (!strcmp(tok, "cap")) d->cap = (int)num(v);
        else if (!strcmp(tok, "kind")) d->kind = !strcmp(v, "periodic") ? PERIODIC : !strcmp(v, "hog") ? HOG : (usage(), 0);
        else if (!strcmp(tok, "period")) d->period = num(v);
        else if (!strcmp(tok, "burst")) d->burst = num(v);
        else if (!strcmp(tok, "phase")) d->phase = num(v);
        else if (!strcmp(tok, "cpus")) parse_cpus(d, v);
        else { fprintf(stderr, "credit34: unknown --dom key %s\n", tok); exit(2); }
    }
}

/* Sibling (same core) and core (same socket) maps of the topology. */
static void build_topology(int S, int C, int T, int adjacent)
{
    int sock[NR_CPUS], core[NR_CPUS];
    for (int n = 0; n < np; n++) {
        int x = n;
        if (adjacent) { x /= T; core[n] = x % C; sock[n] = x / C; }
        else { x %= S * C; core[n] = x % C; sock[n] = x / C; }
    }
    for (int a = 0; a < np; a++) {
        cpus_clear(cpu_sibling_map[a]); cpus_clear(cpu_core_map[a]);
        for (int b = 0; b < np; b++) {
            if (sock[a] == sock[b]) cpu_set(b, cpu_core_map[a]);
            if (sock[a] == sock[b] && core[a] == core[b]) cpu_set(b, cpu_sibling_map[a]);
        }
    }
}

int main(int argc, char **argv)
{
    int S = 1, C = -1, T = 1, adjacent = 0, topo = 0;
    s_time_t warmup = -1, duration = -1;
    TL = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (i + 1 >= argc) usage();
        char *v = argv[++i];
        if (!strcmp(a, "--pcpus")) np = (int)num(v);
        else if (!strcmp(a, "--topology")) { topo = 1; if (sscanf(v, "%d,%d,%d", &S, &C, &T) != 3) usage(); }
        else if (!strcmp(a, "--numbering")) adjacent = !strcmp(v, "adjacent");
        else if (!strcmp(a, "--warmup")) warmup = num(v);
        else if (!strcmp(a, "--duration")) duration = num(v);
        else if (!strcmp(a, "--timeline-ns")) TL = num(v);
        else if (oi_option("credit34", NULL, a, v)) continue;
        else if (!strcmp(a, "--dom")) parse_dom(v);
        else usage();
    }
    if (np < 1 || np > NR_CPUS || warmup < 0 || duration <= 0) usage();
    oi_check("credit34");
    hooks.np = np;
    if (oi_virq_rearm) hooks.before_timers = hook_before_timers;
    if (!topo) { S = 1; C = np; T = 1; }
    if (S * C * T != np) { fprintf(stderr, "credit34: topology %d,%d,%d is not %d pCPUs\n", S, C, T, np); exit(2); }
    W0 = warmup; W1 = warmup + duration;
    build_topology(S, C, T, adjacent);
    trace = getenv("ORACLE_TRACE") != NULL;

    /* Boot (Xen 3.4's scheduler_init and SMP bring-up): the policy, then each
     * pCPU's idle vCPU, current on its pCPU (csched_vcpu_init sets up the pCPU),
     * then the tickers once every pCPU is online. */
    idle_dom.domain_id = IDLE_DOMAIN_ID;
    sched_credit_def.init();
    for (int c = 0; c < np; c++) {
        struct vcpu *v = &idle_v[c];
        v->vcpu_id = c; v->processor = (unsigned int)c; v->domain = &idle_dom; v->oracle_idx = -1;
        cpu_set(c, v->cpu_affinity);
        struct schedule_data *sd = &per_cpu(schedule_data, c);
        init_timer(&sd->s_timer, s_timer_fn, NULL, (unsigned int)c);
        sd->curr = sd->idle = v;
        v->is_running = 1;
        oracle_current[c] = v;
        oracle_cpu = c;
        if (sched_credit_def.init_vcpu(v)) { fprintf(stderr, "credit34: init_vcpu failed\n"); return 1; }
        cpu_set(c, cpu_online_map);
    }
    oracle_cpu = 0;
    oracle_initcall_csched_start_tickers();

    /* The domains, created paused at 0 in --dom order; each vCPU placed as
     * xensim places it: the pCPU with the fewest vCPUs so far among its
     * allowed ones, lowest index on ties. */
    int nplaced[NR_CPUS] = { 0 };
    struct domain *doms[MAXV];
    for (int d = 0; d < nds; d++) {
        struct domspec *s = &ds[d];
        struct domain *dom = oracle_zalloc(sizeof *dom);
        dom->domain_id = (domid_t)(d + 1);
        atomic_set(&dom->pause_count, 1);
        doms[d] = dom;
        if (sched_credit_def.init_domain(dom)) { fprintf(stderr, "credit34: init_domain failed\n"); return 1; }
        for (int k = 0; k < s->vcpus; k++) {
            if (ngv == MAXV) usage();
            int best = -1;
            for (int c = 0; c < np; c++) {
                if (s->has_cpus && !cpu_isset(c, s->cpus)) continue;
                if (best < 0 || nplaced[c] < nplaced[best]) best = c;
            }
            if (best < 0) { fprintf(stderr, "credit34: domain %s has no pCPU\n", s->name); return 2; }
            nplaced[best]++;
            struct gvcpu *g = &gv[ngv];
            g->v.vcpu_id = k; g->v.processor = (unsigned int)best; g->v.domain = dom;
            g->v.oracle_idx = ngv; g->seen_proc = (unsigned int)best; g->last_ran = -1;
            if (s->has_cpus) g->v.cpu_affinity = s->cpus; else g->v.cpu_affinity = cpu_online_map;
            snprintf(g->name, sizeof g->name, "%.63s/v%d", s->name, k);
            g->kind = s->kind; g->period = s->period; g->burst = s->burst;
            /* A periodic guest's first job is released at phase; the driver's
             * model of xensim's periodic workload (workloads/periodic.c). */
            g->release = s->phase - s->period;
            g->work = s->kind == HOG ? INF : 0;
            ngv++;
            oracle_cpu = best;
            if (sched_credit_def.init_vcpu(&g->v)) { fprintf(stderr, "credit34: init_vcpu failed\n"); return 1; }
        }
        struct xen_domctl_scheduler_op op = { .sched_id = XEN_SCHEDULER_CREDIT, .cmd = XEN_DOMCTL_SCHEDOP_putinfo };
        op.u.credit.weight = (u16)s->weight; op.u.credit.cap = (u16)s->cap;
        sched_credit_def.adjust(dom, &op);
    }
    /* The toolstack unpauses each domain in creation order: every vCPU wakes. */
    for (int d = 0, i = 0; d < nds; d++) {
        atomic_set(&doms[d]->pause_count, 0);
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
            struct gvcpu *g = G(oracle_current[c]);
            if (g && g->work != INF && oracle_now + g->work < t) t = oracle_now + g->work;
        }
        if (oracle_now >= W1) break;
        if (t > W1) t = W1;
        oracle_now = t;
        for (int c = 0; c < np; c++) account(c);
    }
    for (int i = 0; i < ngv; i++)
        printf("vcpu name=%s cpu_ns=%" PRId64 " dispatches=%ld migrations=%ld\n", gv[i].name,
               gv[i].cpu_ns, gv[i].dispatches, gv[i].migrations);
    return 0;
}
