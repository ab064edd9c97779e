/*
 * tests/xen-oracle/guest.h: the guests and the run loop shared by the
 * drivers of the oracles whose shim is shim_common.h (credit34/driver.c,
 * sedf45/driver.c; README.md, "The driver").
 *
 * The guests, written for the oracles as the model of xensim's workloads:
 * a `hog` never blocks; a `periodic` guest releases a job of `burst` ns at
 * phase, phase + period, ...: when a job's computation ends it blocks
 * (do_block, and schedule() at once on its pCPU, as the hypercall's return
 * path runs softirqs) until the next release, on a one-shot timer of the
 * pCPU it blocked on whose VIRQ_TIMER unblocks it, or starts the next job
 * at once if that release has passed (xensim's workloads/periodic.c,
 * overload included). Each vCPU's CPU time, dispatches and (for a driver
 * that migrates) migrations are counted over the window (W0, W1].
 *
 * Also here, alike in both drivers: the environment both shims declare
 * (oracle_now, oracle_cpu, cpu_online_map, oracle_bug, oracle_zalloc, the
 * pending softirqs and their raise, a raised SCHEDULE_SOFTIRQ taking its
 * place in instant.h's order); the hooks that run the guests, timers
 * (timers.h) and softirqs in instant.h's order, with --virq-rearm's renewal
 * at xensim's 10 ms tick; the common command line (--pcpus, --warmup,
 * --duration, --timeline-ns, instant.h's options, --dom with its name,
 * vcpus, kind, period, burst, phase and cpus keys); the placement of each
 * vCPU as xensim places it (the pCPU with the fewest vCPUs so far among the
 * allowed ones, lowest index on ties: docs/hypervisor.md); the unpause of
 * every domain in creation order; the loop from instant to instant and the
 * output lines (README.md, "Command line and output").
 *
 * The including driver defines ORACLE_PROG (its name, for messages) and
 * struct dom_sched (its scheduler's --dom parameters) first, and defines
 * the static functions declared below: running(cpu), vcpu_wake, schedule,
 * hook_migrate, usage, dom_sched_init and dom_sched_key. Header-only: each
 * driver is one translation unit.
 */
#ifndef ORACLE_GUEST_H
#define ORACLE_GUEST_H

#include <inttypes.h>
#include <stdbool.h>

#include "instant.h"
#include "timers.h"

#ifndef ORACLE_PROG
#error "define ORACLE_PROG before including guest.h"
#endif

/* ---- what the driver defines ---- */
static struct vcpu *running(int cpu);   /* the vCPU cpu runs now */
static void vcpu_wake(struct vcpu *v);
static void schedule(int cpu);
static void hook_migrate(int i);        /* instant.h's deferred migration of guest vCPU i */
static void usage(void);
struct dom_sched;
static void dom_sched_init(struct dom_sched *p);
/* One --dom key of the scheduler's; false if it is not one. */
static bool dom_sched_key(struct dom_sched *p, const char *key, const char *val);

/* ---- the environment the shims declare ---- */
s_time_t oracle_now;
int oracle_cpu;
cpumask_t cpu_online_map;
unsigned long oracle_softirq_pending[NR_CPUS];

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

/* SCHEDULE_SOFTIRQ pending per pCPU, in the order raised (instant.h). */
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
    unsigned long long done_seq;    /* when its current computation was started, in event order */
    unsigned int seen_proc;     /* processor when last looked at (the driver's migrations) */
    /* over the window */
    s_time_t cpu_ns; long dispatches, migrations;
};
static struct gvcpu gv[MAXV];
static int ngv, np;
static s_time_t W0, W1, TL;
static s_time_t acct_from[NR_CPUS];
static unsigned long long done_counter;
static int trace;      /* ORACLE_TRACE set: the driver's trace on stderr */

/* The measured window for counts is (W0, W1], as xensim's timeline: a switch at W0
 * is part of the state the window starts from. */
static int in_window(s_time_t t) { return t > W0 && t <= W1; }
static struct gvcpu *G(struct vcpu *v) { return v->oracle_idx >= 0 ? &gv[v->oracle_idx] : NULL; }

/* Account the CPU time of cpu's running vCPU up to now. */
static void account(int cpu)
{
    s_time_t a = acct_from[cpu] > W0 ? acct_from[cpu] : W0, b = oracle_now < W1 ? oracle_now : W1;
    struct gvcpu *g = G(running(cpu));
    if (g && b > a) g->cpu_ns += b - a;
    if (g && g->work != INF) g->work -= oracle_now - acct_from[cpu];
    acct_from[cpu] = oracle_now;
}

/* cpu has switched to next: the switch line, and a guest's dispatch (its
 * computation's place in the instant's order starts anew). */
static void guest_switched(int cpu, struct vcpu *next)
{
    struct gvcpu *g = G(next);
    if (in_window(oracle_now) && oracle_now - W0 <= TL)
        printf("switch t=%" PRId64 " cpu=%d to=%s\n", oracle_now - W0, cpu, g ? g->name : "idle");
    if (g) {
        g->done_seq = ++done_counter;
        if (in_window(oracle_now)) g->dispatches++;
    }
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
    struct gvcpu *g = G(running(cpu));
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
    struct gvcpu *g = G(running(cpu));
    return g && g->work != INF && g->work <= 0;
}

static unsigned long long hook_guest_key(int cpu)
{
    return G(running(cpu))->done_seq;
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

/* --virq-rearm, before a pCPU's due timers run: xensim's Xen 2.0 tick, at
 * every 10 ms on every pCPU, sends VIRQ_TIMER to a running vCPU 0, and its
 * upcall re-queues the completion. Credit 3.4's ticker has a timer of every
 * pCPU due at those instants; under SEDF only a pCPU with a timer due then
 * comes here. */
static void hook_before_timers(int cpu)
{
    struct gvcpu *g = G(running(cpu));
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
static s_time_t num(const char *s)
{
    char *e; long long v = strtoll(s, &e, 10);
    if (*e || e == s) { fprintf(stderr, ORACLE_PROG ": not an integer: %s\n", s); exit(2); }
    return v;
}

struct domspec {
    char name[64]; int vcpus, kind; s_time_t period, burst, phase;
    cpumask_t cpus; int has_cpus;
    struct dom_sched sched;     /* the scheduler's parameters (the driver's) */
};
static struct domspec ds[MAXV];
static int nds;

/* cpus=A-B|A;B;C */
static void parse_cpus(struct domspec *d, char *v)
{
    d->cpus.bits[0] = 0; d->has_cpus = 1;
    for (char *tok = strtok(v, ";"); tok; tok = strtok(NULL, ";")) {
        char *dash = strchr(tok, '-');
        long a = strtol(tok, NULL, 10), b = dash ? strtol(dash + 1, NULL, 10) : a;
        for (long c = a; c <= b; c++) d->cpus.bits[0] |= 1UL << c;
    }
}

static void parse_dom(char *spec)
{
    if (nds == MAXV) usage();
    struct domspec *d = &ds[nds++];
    memset(d, 0, sizeof *d);
    d->vcpus = 1; d->kind = HOG;
    dom_sched_init(&d->sched);
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
        else if (!dom_sched_key(&d->sched, tok, v)) {
            fprintf(stderr, ORACLE_PROG ": unknown --dom key %s\n", tok);
            exit(2);
        }
    }
}

/* The options, each with its value; own (NULL: none) takes the driver's
 * own and returns false on any other. Then the window, instant.h's checks
 * and hooks, ORACLE_TRACE. */
static void guest_options(int argc, char **argv, bool (*own)(const char *opt, char *val))
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
        else if (oi_option(ORACLE_PROG, NULL, a, v)) continue;
        else if (!strcmp(a, "--dom")) parse_dom(v);
        else if (!own || !own(a, v)) usage();
    }
    if (np < 1 || np > NR_CPUS || warmup < 0 || duration <= 0) usage();
    oi_check(ORACLE_PROG);
    hooks.np = np;
    if (oi_virq_rearm) hooks.before_timers = hook_before_timers;
    W0 = warmup; W1 = warmup + duration;
    trace = getenv("ORACLE_TRACE") != NULL;
}

/* ---- the domains' vCPUs ---- */

/* The pCPU xensim places the next vCPU of s on: the fewest vCPUs so far
 * (nplaced) among its allowed ones, lowest index on ties; counted. */
static int guest_place(const struct domspec *s, int *nplaced)
{
    int best = -1;
    for (int c = 0; c < np; c++) {
        if (s->has_cpus && !((s->cpus.bits[0] >> c) & 1)) continue;
        if (best < 0 || nplaced[c] < nplaced[best]) best = c;
    }
    if (best < 0) { fprintf(stderr, ORACLE_PROG ": domain %s has no pCPU\n", s->name); exit(2); }
    nplaced[best]++;
    return best;
}

/* The pCPUs vCPUs of s may run on. */
static cpumask_t guest_cpus(const struct domspec *s)
{
    return s->has_cpus ? s->cpus : cpu_online_map;
}

/* Guest vCPU k of domain s (struct domain dom) on pCPU cpu: the next entry
 * of gv, its struct vcpu's identity and its workload set; oracle_cpu is
 * cpu, for the scheduler's calls that follow. */
static struct gvcpu *guest_add(const struct domspec *s, int k, struct domain *dom, int cpu)
{
    if (ngv == MAXV) usage();
    struct gvcpu *g = &gv[ngv];
    g->v.vcpu_id = k; g->v.processor = (unsigned int)cpu; g->v.domain = dom;
    g->v.oracle_idx = ngv; g->seen_proc = (unsigned int)cpu;
    snprintf(g->name, sizeof g->name, "%.63s/v%d", s->name, k);
    g->kind = s->kind; g->period = s->period; g->burst = s->burst;
    /* A periodic guest's first job is released at phase (xensim's
     * workloads/periodic.c). */
    g->release = s->phase - s->period;
    g->work = s->kind == HOG ? INF : 0;
    ngv++;
    oracle_cpu = cpu;
    return g;
}

/* The toolstack unpauses each domain in creation order: every vCPU wakes. */
static void guests_unpause(struct domain **doms)
{
    for (int d = 0, i = 0; d < nds; d++) {
        atomic_set(&doms[d]->pause_count, 0);
        for (int k = 0; k < ds[d].vcpus; k++, i++) {
            oracle_cpu = (int)gv[i].v.processor;
            vcpu_wake(&gv[i].v);
        }
    }
}

/* Instant after instant up to W1, then each vCPU's line. */
static void guests_run(void)
{
    for (;;) {
        oi_instant(&hooks);
        /* The next instant: a timer's expiry or the end of a running guest's computation. */
        s_time_t t = ot_next_expiry();
        for (int c = 0; c < np; c++) {
            struct gvcpu *g = G(running(c));
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
}

#endif
