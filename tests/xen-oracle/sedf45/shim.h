/*
 * User-space stand-ins for the parts of the Xen 4.5 hypervisor that
 * sched_sedf.c (RELEASE-4.5.0) compiles against. Every xen/, asm/ and
 * public/ header that file and xen/sched-if.h include, except xen/list.h and
 * xen/sched-if.h (taken unmodified from the Xen tree at build time), is a
 * one-line header that includes this file. Written for the oracle from the
 * behaviour of Xen 4.5's interfaces; no Xen text. What Xen 3.4's interfaces
 * have alike (types, no-op locks, atomics, bit operations, per-cpu data,
 * NOW(), struct timer, softirqs) is ../shim_common.h, shared with
 * credit34/oracle_shim.h; here is 4.5's own: cpumasks passed by pointer
 * with cpumask_cycle, one cpupool holding every pCPU and domain, the domain
 * list and for_each_vcpu, xzalloc, the domctl's sedf fields.
 */
#ifndef ORACLE45_SHIM_H
#define ORACLE45_SHIM_H

#include "../shim_common.h"

typedef u8 bool_t;
typedef uint64_t uint64_aligned_t;

#define nr_cpu_ids NR_CPUS
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define EINVAL 22
#define SCHED_STAT_CRANK(x) ((void)0)

#define __read_mostly
#define rcu_read_lock(l)                ((void)(l))
#define rcu_read_unlock(l)              ((void)(l))
extern int domlist_read_lock;

/* cpumask_t passed by pointer, as Xen 4.5's. */
typedef cpumask_t *cpumask_var_t;
static inline int cpumask_test_cpu(int c, const cpumask_t *m) { return (m->bits[0] >> c) & 1; }
static inline void cpumask_set_cpu(int c, cpumask_t *m) { m->bits[0] |= 1UL << c; }
static inline void cpumask_and(cpumask_t *d, const cpumask_t *a, const cpumask_t *b)
{ d->bits[0] = a->bits[0] & b->bits[0]; }
static inline int cpumask_weight(const cpumask_t *m) { return __builtin_popcountl(m->bits[0]); }
static inline int cpumask_next(int n, const cpumask_t *m)
{
    for (int c = n + 1; c < NR_CPUS; c++) if (cpumask_test_cpu(c, m)) return c;
    return NR_CPUS;
}
static inline int cpumask_first(const cpumask_t *m) { return cpumask_next(-1, m); }
/* The next cpu of the mask after n, wrapping to its first. */
static inline int cpumask_cycle(int n, const cpumask_t *m)
{ int c = cpumask_next(n, m); return c == NR_CPUS ? cpumask_first(m) : c; }
static inline int cpumask_last(const cpumask_t *m)
{
    for (int c = NR_CPUS - 1; c >= 0; c--) if (cpumask_test_cpu(c, m)) return c;
    return NR_CPUS;
}

/* Allocation. */
#define xzalloc(type)          ((type *)oracle_zalloc(sizeof(type)))
#define xzalloc_array(type, n) ((type *)oracle_zalloc(sizeof(type) * (n)))

/* The fields of Xen 4.5's struct vcpu and struct domain SEDF and the
 * driver's schedule.c core use. */
struct domain;
struct cpupool;
struct vcpu {
    int              vcpu_id;
    unsigned int     processor;
    struct domain   *domain;
    struct vcpu     *next_in_list;
    void            *sched_priv;
    unsigned long    pause_flags;
    atomic_t         pause_count;
    bool_t           is_running;
    cpumask_var_t    cpu_hard_affinity;
    cpumask_t        hard_mask;         /* what cpu_hard_affinity points at */
    int              oracle_idx;        /* index in the driver's table, -1 idle */
};
struct domain {
    domid_t          domain_id;
    void            *sched_priv;
    struct vcpu    **vcpu;
    struct domain   *next_in_list;
    struct cpupool  *cpupool;
    atomic_t         pause_count;
};
static inline int vcpu_runnable(struct vcpu *v)
{
    return !(v->pause_flags | atomic_read(&v->pause_count) | atomic_read(&v->domain->pause_count));
}
extern struct vcpu *idle_vcpu[NR_CPUS];
extern struct domain *domain_list;
#define rcu_dereference(p) (p)
#define for_each_domain(_d) for ((_d) = domain_list; (_d) != NULL; (_d) = (_d)->next_in_list)
#define for_each_domain_in_cpupool(_d, _c) for_each_domain(_d) if ((_d)->cpupool == (_c))
#define for_each_vcpu(_d, _v) \
    for ((_v) = (_d)->vcpu ? (_d)->vcpu[0] : NULL; (_v) != NULL; (_v) = (_v)->next_in_list)
#define current (per_cpu(schedule_data, smp_processor_id()).curr)

/* public/domctl.h: the scheduler operation's fields SEDF reads. */
#define XEN_SCHEDULER_SEDF 4
struct xen_domctl_scheduler_op {
    u32 sched_id;
    u32 cmd;
    union {
        struct { uint64_aligned_t period, slice, latency; u32 extratime, weight; } sedf;
    } u;
};
struct xen_sysctl_scheduler_op;

#include <xen/list.h>            /* taken whole from Xen 4.5 */

#endif
