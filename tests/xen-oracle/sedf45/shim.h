/*
 * User-space stand-ins for the parts of the Xen 4.5 hypervisor that
 * sched_sedf.c (RELEASE-4.5.0) compiles against. Every xen/, asm/ and
 * public/ header that file and xen/sched-if.h include, except xen/list.h and
 * xen/sched-if.h (taken unmodified from the Xen tree at build time), is a
 * one-line header that includes this file. Written for the oracle from the
 * behaviour of Xen 4.5's interfaces; no Xen text. Many pCPUs, simulated by
 * one thread: spin locks are no-ops; NOW() is the driver's clock; one
 * cpupool holds every pCPU and domain.
 */
#ifndef ORACLE45_SHIM_H
#define ORACLE45_SHIM_H

#include <inttypes.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint8_t u8;   typedef int8_t s8;
typedef uint16_t u16; typedef int16_t s16;
typedef uint32_t u32; typedef int32_t s32;
typedef uint64_t u64; typedef int64_t s64;
typedef s64 s_time_t;
typedef u16 domid_t;
typedef u8 bool_t;
typedef uint64_t uint64_aligned_t;

#define NR_CPUS 64
#define nr_cpu_ids NR_CPUS
#define __init
#define __cacheline_aligned
#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define prefetch(x) ((void)(x))
#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
void oracle_bug(const char *what, const char *file, int line);
#define BUG()       oracle_bug("BUG", __FILE__, __LINE__)
#define BUG_ON(c)   do { if (c) oracle_bug(#c, __FILE__, __LINE__); } while (0)
#define ASSERT(c)   do { if (!(c)) oracle_bug(#c, __FILE__, __LINE__); } while (0)
/* SEDF's printks (its "exceeded deadline" and "BEHIND schedule" notes) go
 * to stderr; the driver counts nothing from them. */
#define printk(...) fprintf(stderr, __VA_ARGS__)
#define ENOMEM 12
#define EINVAL 22
#define SCHED_STAT_CRANK(x) ((void)0)

/* Locks: one thread simulates every pCPU, so nothing is ever contended. */
typedef struct { int unused; } spinlock_t;
#define spin_lock_init(l)               ((void)(l))
#define spin_lock(l)                    ((void)(l))
#define spin_unlock(l)                  ((void)(l))
#define spin_trylock(l)                 ((void)(l), 1)
#define spin_lock_irq(l)                ((void)(l))
#define spin_unlock_irq(l)              ((void)(l))
#define spin_lock_irqsave(l, f)         do { (void)(l); (f) = 0; } while (0)
#define spin_unlock_irqrestore(l, f)    do { (void)(l); (void)(f); } while (0)
#define smp_mb()                        ((void)0)
#define smp_wmb()                       ((void)0)
#define __read_mostly
#define rcu_read_lock(l)                ((void)(l))
#define rcu_read_unlock(l)              ((void)(l))
extern int domlist_read_lock;

typedef struct { int counter; } atomic_t;

/* cpumask_t: NR_CPUS bits, passed by pointer as Xen 4.5's. */
typedef struct { unsigned long bits[1]; } cpumask_t;
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
extern cpumask_t cpu_online_map;

/* Per-cpu data and the cpu whose code runs now. */
#define DECLARE_PER_CPU(type, name) extern __typeof__(type) per_cpu__##name[NR_CPUS]
#define DEFINE_PER_CPU(type, name)  __typeof__(type) per_cpu__##name[NR_CPUS]
#define per_cpu(name, cpu)          (per_cpu__##name[(cpu)])
extern int oracle_cpu;
#define smp_processor_id()          (oracle_cpu)
#define this_cpu(name)              per_cpu(name, smp_processor_id())

/* Simulated time. */
extern s_time_t oracle_now;
#define NOW()         ((s_time_t)oracle_now)
#define SECONDS(s)    ((s_time_t)(s) * 1000000000LL)
#define MILLISECS(ms) ((s_time_t)(ms) * 1000000LL)
#define MICROSECS(us) ((s_time_t)(us) * 1000LL)

/* Timers: the driver's (tests/xen-oracle/timers.h). */
struct timer {
    s_time_t expires;
    unsigned long long seq;     /* set order: ties on expires run in it */
    unsigned int cpu;
    void (*function)(void *);
    void *data;
    int active;
};
void init_timer(struct timer *t, void (*fn)(void *), void *data, unsigned int cpu);
void set_timer(struct timer *t, s_time_t expires);
void stop_timer(struct timer *t);

/* Softirqs. */
enum { TIMER_SOFTIRQ = 0, SCHEDULE_SOFTIRQ };
void oracle_raise_softirq(unsigned int cpu, unsigned int nr);   /* the driver's */
#define cpu_raise_softirq(cpu, nr) oracle_raise_softirq((cpu), (nr))

/* Allocation. */
void *oracle_zalloc(size_t n);
#define xzalloc(type)          ((type *)oracle_zalloc(sizeof(type)))
#define xzalloc_array(type, n) ((type *)oracle_zalloc(sizeof(type) * (n)))
#define xfree(p)               free(p)

/* The fields of Xen 4.5's struct vcpu and struct domain SEDF and the
 * driver's schedule.c core use. */
#define _VPF_blocked 0
struct domain;
struct cpupool;
struct vcpu {
    int              vcpu_id;
    unsigned int     processor;
    struct domain   *domain;
    struct vcpu     *next_in_list;
    void            *sched_priv;
    unsigned long    pause_flags;
    int              pause_count;
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
    int              pause_count;
};
#define IDLE_DOMAIN_ID 0x7FFF
#define is_idle_domain(d) ((d)->domain_id == IDLE_DOMAIN_ID)
#define is_idle_vcpu(v)   is_idle_domain((v)->domain)
static inline int vcpu_runnable(struct vcpu *v)
{
    return !(v->pause_flags | v->pause_count | v->domain->pause_count);
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
#define XEN_DOMCTL_SCHEDOP_putinfo 0
#define XEN_DOMCTL_SCHEDOP_getinfo 1
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
