/*
 * tests/xen-oracle/shim_common.h: the user-space stand-ins that Xen 3.4's
 * and Xen 4.5's interfaces have in common, shared by the shims the credit34
 * (credit34/oracle_shim.h) and sedf45 (sedf45/shim.h) oracles compile Xen's
 * scheduler files against; each shim adds its release's own (cpumasks by
 * value in 3.4, by pointer in 4.5; struct vcpu and struct domain; the
 * domctl's fields). Written for the oracles from the behaviour of those
 * interfaces; no Xen text. Many pCPUs, simulated by one thread: spin locks
 * are no-ops and a trylock always succeeds; NOW() is the driver's clock;
 * timers and softirqs are the driver's (timers.h, guest.h).
 */
#ifndef ORACLE_SHIM_COMMON_H
#define ORACLE_SHIM_COMMON_H

#include "shim_types.h"

#define NR_CPUS 64
#define __init
#define __cacheline_aligned
#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define prefetch(x) ((void)(x))
#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))
void oracle_bug(const char *what, const char *file, int line);
#define BUG()       oracle_bug("BUG", __FILE__, __LINE__)
#define BUG_ON(c)   do { if (c) oracle_bug(#c, __FILE__, __LINE__); } while (0)
#define ASSERT(c)   do { if (!(c)) oracle_bug(#c, __FILE__, __LINE__); } while (0)
/* Xen's console goes to stderr (SEDF's "exceeded deadline" and "BEHIND
 * schedule" notes among it); the drivers count nothing from it. */
#define printk(...) fprintf(stderr, __VA_ARGS__)
#define ENOMEM 12

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

/* cpumask_t: NR_CPUS bits (the operations are each shim's). */
typedef struct { unsigned long bits[1]; } cpumask_t;
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

/* Timers: the driver's (timers.h). */
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

/* Softirqs: the pending bits per pCPU and the raise are the driver's (guest.h). */
enum { TIMER_SOFTIRQ = 0, SCHEDULE_SOFTIRQ };
extern unsigned long oracle_softirq_pending[NR_CPUS];
#define softirq_pending(cpu) (oracle_softirq_pending[(cpu)])
void oracle_raise_softirq(unsigned int cpu, unsigned int nr);
#define cpu_raise_softirq(cpu, nr) oracle_raise_softirq((cpu), (nr))

/* Allocation (each shim names its release's allocators). */
void *oracle_zalloc(size_t n);
#define xfree(p) free(p)

/* The idle domain, and the flag of a blocked vCPU. */
#define _VPF_blocked 0
#define IDLE_DOMAIN_ID 0x7FFF
#define is_idle_domain(d) ((d)->domain_id == IDLE_DOMAIN_ID)
#define is_idle_vcpu(v)   is_idle_domain((v)->domain)

/* public/domctl.h: the scheduler operation's commands. */
#define XEN_DOMCTL_SCHEDOP_putinfo 0
#define XEN_DOMCTL_SCHEDOP_getinfo 1

#endif
