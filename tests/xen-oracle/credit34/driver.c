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
 * parking), the boot with Credit's tickers, the domains with their weight
 * and cap, the topology's sibling and core maps. Time is integer ns, timers
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
 * Shared with sedf45's driver: the guests (hog, periodic; do_block and the
 * guest's one-shot timer), the softirqs, the common command line, the
 * placement of vCPUs, the run loop and the output (../guest.h); each
 * pCPU's timers in (expiry, set order) (../timers.h); the instant's order
 * (../instant.h).
 *
 * Command line and output: tests/xen-oracle/README.md (the common contract).
 */
#include "oracle_shim.h"
#include <xen/sched-if.h>

/* Credit's --dom keys: weight=W (default 256), cap=C (default 0). */
struct dom_sched { int weight, cap; };
#define ORACLE_PROG "credit34"
#include "../guest.h"

extern struct scheduler sched_credit_def;
extern int (*oracle_initcall_csched_start_tickers)(void);

/* ---- the environment sched_credit.c links against (with guest.h's) ---- */
DEFINE_PER_CPU(struct schedule_data, schedule_data);
cpumask_t cpu_sibling_map[NR_CPUS];
cpumask_t cpu_core_map[NR_CPUS];
int sched_smt_power_savings;
struct vcpu *oracle_current[NR_CPUS];

int cpumask_scnprintf(char *buf, int len, cpumask_t m)
{
    return snprintf(buf, (size_t)len, "%#lx", m.bits[0]);
}

static struct domain idle_dom;
static struct vcpu idle_v[NR_CPUS];

static struct vcpu *running(int cpu) { return oracle_current[cpu]; }

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

/* ---- the schedule.c core (ORACLE_TRACE: each schedule(), the queues, each
 * vcpu_migrate on stderr) ---- */
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
    guest_switched(cpu, next);
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

/* ---- the instant's order (instant.h; the other hooks are guest.h's) ---- */
static void hook_migrate(int i)
{
    struct vcpu *v = &gv[i].v;
    oracle_cpu = (int)v->processor;
    vcpu_migrate(v);
}

/* ---- command line ---- */
static void usage(void)
{
    fprintf(stderr, "usage: credit34 --pcpus N [--topology S,C,T] [--numbering split|adjacent]\n"
            "  --warmup NS --duration NS [--timeline-ns NS] [--instant fifo|index|per-cpu] [--context-saved inline|deferred] [--virq-rearm 0|1]\n"
            "  --dom NAME,vcpus=V,weight=W,cap=C,kind=hog|periodic[,period=NS,burst=NS][,cpus=A-B|A;B][,phase=NS] ...\n");
    exit(2);
}

static void dom_sched_init(struct dom_sched *p)
{
    p->weight = 256;
    p->cap = 0;
}

static bool dom_sched_key(struct dom_sched *p, const char *key, const char *val)
{
    if (!strcmp(key, "weight")) p->weight = (int)num(val);
    else if (!strcmp(key, "cap")) p->cap = (int)num(val);
    else return false;
    return true;
}

static int S = 1, C = -1, T = 1, adjacent, topo;

/* --topology S,C,T and --numbering split|adjacent. */
static bool topology_option(const char *a, char *v)
{
    if (!strcmp(a, "--topology")) { topo = 1; if (sscanf(v, "%d,%d,%d", &S, &C, &T) != 3) usage(); }
    else if (!strcmp(a, "--numbering")) adjacent = !strcmp(v, "adjacent");
    else return false;
    return true;
}

/* Sibling (same core) and core (same socket) maps of the topology. */
static void build_topology(void)
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
    guest_options(argc, argv, topology_option);
    if (!topo) { S = 1; C = np; T = 1; }
    if (S * C * T != np) { fprintf(stderr, "credit34: topology %d,%d,%d is not %d pCPUs\n", S, C, T, np); exit(2); }
    build_topology();

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
     * xensim places it (guest_place). */
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
            struct gvcpu *g = guest_add(s, k, dom, guest_place(s, nplaced));
            g->v.cpu_affinity = guest_cpus(s);
            if (sched_credit_def.init_vcpu(&g->v)) { fprintf(stderr, "credit34: init_vcpu failed\n"); return 1; }
        }
        struct xen_domctl_scheduler_op op = { .sched_id = XEN_SCHEDULER_CREDIT, .cmd = XEN_DOMCTL_SCHEDOP_putinfo };
        op.u.credit.weight = (u16)s->sched.weight; op.u.credit.cap = (u16)s->sched.cap;
        sched_credit_def.adjust(dom, &op);
    }
    guests_unpause(doms);
    guests_run();
    return 0;
}
