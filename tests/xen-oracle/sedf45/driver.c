/*
 * sedf45 oracle driver: Xen 4.5's own SEDF scheduler (sched_sedf.c of
 * RELEASE-4.5.0, compiled unmodified) on simulated pCPUs, for a
 * differential test of xensim's sedf model (tests/xen-oracle/README.md).
 *
 * This file is the rest of the hypervisor and the toolstack, written for
 * the oracle from the behaviour of Xen 4.5's xen/common/schedule.c and
 * tools/libxl (libxl_create.c sched_params_valid, libxl.c
 * sched_sedf_domain_set; no Xen code): the per-pCPU schedule()
 * (ops.do_schedule, s_timer armed with the slice, the switch), vcpu_wake;
 * at boot each pCPU's alloc_pdata and idle vCPU (alloc_vdata, insert_vcpu),
 * each domain's vCPUs (alloc_vdata, insert_vcpu), then libxl's getinfo and
 * putinfo through ops.adjust, then the unpause. Timers (timers.h) fire exactly at
 * expiry, every cost is 0, one thread plays every pCPU, one cpupool holds
 * everything, and there are no tasklets. SEDF never migrates (its
 * pick_cpu serves affinity changes only, which no scenario makes).
 *
 * Shared with credit34's driver: the guests (hog, periodic; do_block and
 * the guest's one-shot timer), the softirqs, the common command line, the
 * placement of vCPUs, the run loop and the output (../guest.h); the timers
 * (../timers.h); the order at one instant (../instant.h, README.md).
 *
 * Command line: credit34's (README.md), with SEDF's parameters in --dom in
 * place of weight and cap: speriod=NS, sslice=NS, latency=NS,
 * extratime=0|1, weight=N, each optional (absent: libxl's "default", not
 * given to xl).
 * Periods, slices and latencies are passed to libxl in ms, as xl does, so
 * they must be whole ms.
 */
#include "shim.h"
#include <xen/sched-if.h>

/* SEDF's --dom keys (libxl's parameters; UNSET: not given to xl). */
#define UNSET (-1LL)
struct dom_sched { long long period, slice, latency, extratime, weight; };   /* ns / flags */
#define ORACLE_PROG "sedf45"
#include "../guest.h"

extern const struct scheduler sched_sedf_def;

/* ---- the environment sched_sedf.c links against (with guest.h's) ---- */
DEFINE_PER_CPU(struct schedule_data, schedule_data);
DEFINE_PER_CPU(struct scheduler *, scheduler);
DEFINE_PER_CPU(struct cpupool *, cpupool);
int domlist_read_lock;
cpumask_t cpupool_free_cpus;
struct cpupool *cpupool0;
int sched_ratelimit_us;
struct vcpu *idle_vcpu[NR_CPUS];
struct domain *domain_list;
static struct scheduler ops;        /* scheduler_init's copy of sched_sedf_def */
static struct cpupool pool0;
static struct domain idle_dom;
static struct vcpu idle_v[NR_CPUS];

static struct vcpu *running(int cpu) { return curr_on_cpu(cpu); }

/* ---- the schedule.c core ---- */
static void vcpu_wake(struct vcpu *v)
{
    if (vcpu_runnable(v))
        ops.wake(&ops, v);
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
    guest_switched(cpu, next);
}

static void s_timer_fn(void *data)
{
    (void)data;
    cpu_raise_softirq(smp_processor_id(), SCHEDULE_SOFTIRQ);
}

/* ---- the instant's order (instant.h; the other hooks are guest.h's) ---- */
static void hook_migrate(int i)
{
    (void)i;            /* SEDF never flags a migration */
}

/* ---- the toolstack: xl create's scheduling parameters (libxl 4.5) ---- */

/* sched_params_valid, then sched_sedf_domain_set: what is not given keeps
 * the domain's current value (getinfo); then putinfo. 0, or -1 where libxl
 * refused, or Xen's error. */
static int libxl_set(struct domain *d, const struct dom_sched *s)
{
    int has_w = s->weight != UNSET, has_p = s->period != UNSET;
    int has_s = s->slice != UNSET, has_x = s->extratime != UNSET;
    long long period = s->period, slice = s->slice, weight = s->weight;
    if (has_w && (has_p || has_s)) return -1;
    if (has_p != has_s) return -1;
    if (has_w) { slice = 0; period = 0; }
    else if (!has_p) { weight = has_x ? s->extratime : 1; period = 0; }
    else weight = 0;
    struct xen_domctl_scheduler_op op = { .sched_id = XEN_SCHEDULER_SEDF,
                                          .cmd = XEN_DOMCTL_SCHEDOP_getinfo };
    int rc = ops.adjust(&ops, d, &op);
    if (rc) return rc;
    op.cmd = XEN_DOMCTL_SCHEDOP_putinfo;
    /* period and weight are always set by now; libxl passes ms. */
    op.u.sedf.period = (uint64_t)(period / 1000000) * 1000000;
    if (slice != UNSET) op.u.sedf.slice = (uint64_t)(slice / 1000000) * 1000000;
    if (s->latency != UNSET) op.u.sedf.latency = (uint64_t)(s->latency / 1000000) * 1000000;
    if (has_x) op.u.sedf.extratime = (u32)s->extratime;
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

static void dom_sched_init(struct dom_sched *p)
{
    p->period = p->slice = p->latency = p->extratime = p->weight = UNSET;
}

/* speriod=NS, sslice=NS, latency=NS, extratime=0|1, weight=N */
static bool dom_sched_key(struct dom_sched *p, const char *key, const char *val)
{
    if (!strcmp(key, "speriod")) p->period = num(val);
    else if (!strcmp(key, "sslice")) p->slice = num(val);
    else if (!strcmp(key, "latency")) p->latency = num(val);
    else if (!strcmp(key, "extratime")) p->extratime = num(val);
    else if (!strcmp(key, "weight")) p->weight = num(val);
    else return false;
    return true;
}

int main(int argc, char **argv)
{
    guest_options(argc, argv, NULL);

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
     * xensim places it (guest_place), then xl's parameters. */
    int nplaced[NR_CPUS] = { 0 };
    struct domain *doms[MAXV], **tail = &domain_list;
    for (int d = 0; d < nds; d++) {
        struct domspec *s = &ds[d];
        struct domain *dom = oracle_zalloc(sizeof *dom);
        dom->domain_id = (domid_t)(d + 1);
        atomic_set(&dom->pause_count, 1);
        dom->cpupool = &pool0;
        dom->vcpu = oracle_zalloc(sizeof *dom->vcpu * (size_t)s->vcpus);
        *tail = dom; tail = &dom->next_in_list;
        doms[d] = dom;
        dom->sched_priv = ops.alloc_domdata(&ops, dom);
        for (int k = 0; k < s->vcpus; k++) {
            struct gvcpu *g = guest_add(s, k, dom, guest_place(s, nplaced));
            g->v.cpu_hard_affinity = &g->v.hard_mask;
            g->v.hard_mask = guest_cpus(s);
            if (k) dom->vcpu[k - 1]->next_in_list = &g->v;
            dom->vcpu[k] = &g->v;
            g->v.sched_priv = ops.alloc_vdata(&ops, &g->v, dom->sched_priv);
            ops.insert_vcpu(&ops, &g->v);
        }
        if (libxl_set(dom, &s->sched)) {
            fprintf(stderr, "sedf45: domain %s: parameters refused\n", s->name);
            return 2;
        }
    }
    guests_unpause(doms);
    guests_run();
    return 0;
}
