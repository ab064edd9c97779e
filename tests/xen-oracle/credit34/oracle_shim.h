/*
 * User-space stand-ins for the parts of the Xen 3.4 hypervisor that
 * sched_credit.c (a36045afa8) compiles against. Every xen/, asm/ and public/
 * header that file includes, except xen/list.h and xen/sched-if.h (taken
 * unmodified from the Xen tree at build time), is a one-line header that
 * includes this file. Written for the oracle from the behaviour of Xen 3.4's
 * interfaces; no Xen text. What Xen 4.5's interfaces have alike (types,
 * no-op locks, atomics, bit operations, per-cpu data, NOW(), struct timer,
 * softirqs) is ../shim_common.h, shared with sedf45/shim.h; here is 3.4's
 * own: cpumask_t passed by value, the boot-time hooks, the fields of struct
 * vcpu and struct domain Credit uses, the domctl's Credit fields.
 */
#ifndef ORACLE34_SHIM_H
#define ORACLE34_SHIM_H

#include "../shim_common.h"

#define asmlinkage

/* Boot-time hooks: parameters keep their defaults; initcalls are called by the driver. */
#define integer_param(name, var)
#define __initcall(fn) int (*oracle_initcall_##fn)(void) = fn

#define local_irq_save(f)               ((f) = 0)
#define local_irq_restore(f)            ((void)(f))
#define local_irq_disable()             ((void)0)
#define local_irq_enable()              ((void)0)

/* cpumask_t passed by value, as Xen 3.4's. */
#define cpus_clear(m)            ((m).bits[0] = 0)
#define cpu_set(c, m)            ((m).bits[0] |= 1UL << (c))
#define cpu_clear(c, m)          ((m).bits[0] &= ~(1UL << (c)))
#define cpu_isset(c, m)          (((m).bits[0] >> (c)) & 1)
#define cpus_and(d, a, b)        ((d).bits[0] = (a).bits[0] & (b).bits[0])
#define cpus_or(d, a, b)         ((d).bits[0] = (a).bits[0] | (b).bits[0])
#define cpus_andnot(d, a, b)     ((d).bits[0] = (a).bits[0] & ~(b).bits[0])
#define cpus_empty(m)            ((m).bits[0] == 0)
#define cpus_weight(m)           __builtin_popcountl((m).bits[0])
static inline int oracle_next_cpu(int n, cpumask_t m)
{
    for (int c = n + 1; c < NR_CPUS; c++) if (cpu_isset(c, m)) return c;
    return NR_CPUS;
}
#define first_cpu(m)             oracle_next_cpu(-1, (m))
#define next_cpu(n, m)           oracle_next_cpu((n), (m))
/* The next cpu of the mask after n, wrapping to its first. */
static inline int cycle_cpu(int n, cpumask_t m)
{ int c = next_cpu(n, m); return c == NR_CPUS ? first_cpu(m) : c; }
#define for_each_cpu_mask(c, m)  for ((c) = first_cpu(m); (c) < NR_CPUS; (c) = next_cpu((c), (m)))
#define cpu_online(c)            cpu_isset((c), cpu_online_map)
#define for_each_online_cpu(c)   for_each_cpu_mask((c), cpu_online_map)
extern cpumask_t cpu_sibling_map[NR_CPUS];   /* threads of the cpu's core */
extern cpumask_t cpu_core_map[NR_CPUS];      /* threads of the cpu's socket */
int cpumask_scnprintf(char *buf, int len, cpumask_t m);
extern int sched_smt_power_savings;

#include <xen/list.h>            /* taken whole from Xen 3.4 */

static inline void cpumask_raise_softirq(cpumask_t mask, unsigned int nr)
{ int c; for_each_cpu_mask(c, mask) cpu_raise_softirq(c, nr); }

#define xmalloc(type) ((type *)oracle_zalloc(sizeof(type)))

#define perfc_incr(x) ((void)0)

/* The fields of Xen 3.4's struct vcpu and struct domain the Credit code and
 * the driver's schedule.c core use. */
#define _VPF_migrating 3
struct domain;
struct vcpu {
    int              vcpu_id;
    unsigned int     processor;
    struct domain   *domain;
    void            *sched_priv;
    unsigned long    pause_flags;
    atomic_t         pause_count;
    int              is_running;
    s_time_t         last_run_time;
    cpumask_t        cpu_affinity;
    int              oracle_idx;        /* index in the driver's table, -1 idle */
};
struct domain {
    domid_t          domain_id;
    void            *sched_priv;
    atomic_t         pause_count;
};
static inline int vcpu_runnable(struct vcpu *v)
{
    return !(v->pause_flags | atomic_read(&v->pause_count) | atomic_read(&v->domain->pause_count));
}
void vcpu_pause_nosync(struct vcpu *v);
void vcpu_unpause(struct vcpu *v);
extern struct vcpu *oracle_current[NR_CPUS];
#define current (oracle_current[smp_processor_id()])

/* public/domctl.h: the scheduler operation's fields that Credit reads. */
#define XEN_SCHEDULER_CREDIT 5
struct xen_domctl_scheduler_op {
    u32 sched_id;
    u32 cmd;
    union { struct { u16 weight; u16 cap; } credit; } u;
};

#endif
