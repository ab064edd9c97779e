/*
 * User-space stand-ins for the parts of the Xen 3.4 hypervisor that
 * sched_credit.c (a36045afa8) compiles against. Every xen/, asm/ and public/
 * header that file includes, except xen/list.h and xen/sched-if.h (taken
 * unmodified from the Xen tree at build time), is a one-line header that
 * includes this file. Written for the oracle from the behaviour of Xen 3.4's
 * interfaces; no Xen text. Many pCPUs, simulated by one thread: spin locks
 * are no-ops and a trylock always succeeds; NOW() is the driver's clock.
 */
#ifndef ORACLE34_SHIM_H
#define ORACLE34_SHIM_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <stddef.h>
#include <limits.h>

typedef uint8_t u8;   typedef int8_t s8;
typedef uint16_t u16; typedef int16_t s16;
typedef uint32_t u32; typedef int32_t s32;
typedef uint64_t u64; typedef int64_t s64;
typedef s64 s_time_t;
typedef u16 domid_t;

#define NR_CPUS 64
#define __init
#define __cacheline_aligned
#define asmlinkage
#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define prefetch(x) ((void)(x))
#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))
void oracle_bug(const char *what, const char *file, int line);
#define BUG()       oracle_bug("BUG", __FILE__, __LINE__)
#define BUG_ON(c)   do { if (c) oracle_bug(#c, __FILE__, __LINE__); } while (0)
#define ASSERT(c)   do { if (!(c)) oracle_bug(#c, __FILE__, __LINE__); } while (0)
#define printk(...) fprintf(stderr, __VA_ARGS__)
#define ENOMEM 12

/* Boot-time hooks: parameters keep their defaults; initcalls are called by the driver. */
#define integer_param(name, var)
#define __initcall(fn) int (*oracle_initcall_##fn)(void) = fn

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
#define local_irq_save(f)               ((f) = 0)
#define local_irq_restore(f)            ((void)(f))
#define local_irq_disable()             ((void)0)
#define local_irq_enable()              ((void)0)
#define smp_mb()                        ((void)0)
#define smp_wmb()                       ((void)0)

typedef struct { int counter; } atomic_t;
#define atomic_read(v)          ((v)->counter)
#define atomic_set(v, i)        ((v)->counter = (i))
#define atomic_add(i, v)        ((v)->counter += (i))
#define atomic_sub(i, v)        ((v)->counter -= (i))
#define atomic_inc(v)           ((v)->counter++)
#define atomic_dec_and_test(v)  (--(v)->counter == 0)

/* Bit operations on arrays of unsigned long. */
#define ORACLE_BPL (8 * sizeof(unsigned long))
static inline void set_bit(int nr, volatile void *a)
{ ((volatile unsigned long *)a)[nr / ORACLE_BPL] |= 1UL << (nr % ORACLE_BPL); }
static inline void clear_bit(int nr, volatile void *a)
{ ((volatile unsigned long *)a)[nr / ORACLE_BPL] &= ~(1UL << (nr % ORACLE_BPL)); }
static inline int test_bit(int nr, const volatile void *a)
{ return (((const volatile unsigned long *)a)[nr / ORACLE_BPL] >> (nr % ORACLE_BPL)) & 1; }
static inline int test_and_set_bit(int nr, volatile void *a)
{ int o = test_bit(nr, a); set_bit(nr, a); return o; }
static inline int test_and_clear_bit(int nr, volatile void *a)
{ int o = test_bit(nr, a); clear_bit(nr, a); return o; }

/* cpumask_t: NR_CPUS bits, passed by value as Xen's. */
typedef struct { unsigned long bits[1]; } cpumask_t;
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
extern cpumask_t cpu_online_map;
#define cpu_online(c)            cpu_isset((c), cpu_online_map)
#define for_each_online_cpu(c)   for_each_cpu_mask((c), cpu_online_map)
extern cpumask_t cpu_sibling_map[NR_CPUS];   /* threads of the cpu's core */
extern cpumask_t cpu_core_map[NR_CPUS];      /* threads of the cpu's socket */
int cpumask_scnprintf(char *buf, int len, cpumask_t m);
extern int sched_smt_power_savings;

/* Per-cpu data and the cpu whose code runs now. */
#define DECLARE_PER_CPU(type, name) extern __typeof__(type) per_cpu__##name[NR_CPUS]
#define DEFINE_PER_CPU(type, name)  __typeof__(type) per_cpu__##name[NR_CPUS]
#define per_cpu(name, cpu)          (per_cpu__##name[(cpu)])
extern int oracle_cpu;
#define smp_processor_id()          (oracle_cpu)
#define this_cpu(name)              per_cpu(name, smp_processor_id())

#include <xen/list.h>            /* taken whole from Xen 3.4 */

/* Simulated time. */
extern s_time_t oracle_now;
#define NOW()        ((s_time_t)oracle_now)
#define MILLISECS(ms) ((s_time_t)(ms) * 1000000LL)
#define MICROSECS(us) ((s_time_t)(us) * 1000LL)

/* Timers: the driver's heap. */
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
extern unsigned long oracle_softirq_pending[NR_CPUS];
#define softirq_pending(cpu) (oracle_softirq_pending[(cpu)])
void oracle_raise_softirq(unsigned int cpu, unsigned int nr);   /* the driver's */
#define cpu_raise_softirq(cpu, nr) oracle_raise_softirq((cpu), (nr))
static inline void cpumask_raise_softirq(cpumask_t mask, unsigned int nr)
{ int c; for_each_cpu_mask(c, mask) cpu_raise_softirq(c, nr); }

/* Allocation. */
void *oracle_zalloc(size_t n);
#define xmalloc(type) ((type *)oracle_zalloc(sizeof(type)))
#define xfree(p)      free(p)

#define perfc_incr(x) ((void)0)

/* The fields of Xen 3.4's struct vcpu and struct domain the Credit code and
 * the driver's schedule.c core use. */
#define _VPF_blocked   0
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
#define IDLE_DOMAIN_ID 0x7FFF
#define is_idle_domain(d) ((d)->domain_id == IDLE_DOMAIN_ID)
#define is_idle_vcpu(v)   is_idle_domain((v)->domain)
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
#define XEN_DOMCTL_SCHEDOP_putinfo 0
#define XEN_DOMCTL_SCHEDOP_getinfo 1
struct xen_domctl_scheduler_op {
    u32 sched_id;
    u32 cmd;
    union { struct { u16 weight; u16 cap; } credit; } u;
};

#endif
