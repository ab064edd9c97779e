/*
 * sim/clock.h: the modelled x86 clock of one physical CPU: its TSC, the
 * hypervisor's NOW() derived from it, and the per-CPU one-shot software
 * timers (Xen's ac_timer) driven by an APIC-like one-shot interrupt.
 *
 * Source: Xen 2.0/3.0 behaviour as recorded in shared/facts/xen-schedulers.md
 * 1.2, 1.3 and 9.1 and read in RELEASE-2.0.0 xen/common/ac_timer.c and
 * xen/arch/x86/time.c (facts and numbers only; no Xen code or comments):
 * NOW() is either a per-CPU stamp plus a 32.32 fixed-point scaled TSC delta
 * rounded down, recalibrated every EPOCH (1 s) against the platform timer
 * (3.0 style, CLK_TIME_XEN3), or Xen 2.0's global 10 ms PIT-tick time plus
 * the TSC progress past the PIT CPU's latched TSC (CLK_TIME_XEN2); the
 * one-shot count is computed from the ns left to the earliest deadline and a
 * past or zero count means "run the softirq now" (2.0 reprogram_ac_timer);
 * the softirq runs every timer with expires < NOW() + TIMER_SLOP (50 us), so
 * timers fire up to the slop early and timers due together are batched;
 * timers with equal expiries run in the order of Xen 2.0's ac_timer heap
 * (or of setting, with the fifo tie rule). An APIC interrupt that expires
 * at an engine instant where other events are already due is taken after
 * them (docs/clock.md says why).
 * Timers sit in a per-CPU binary heap with Xen 2.0's sift rules
 * (xen/common/ac_timer.c), which fixes the order of equal expiries.
 *
 * Three timelines appear here:
 *   engine time  ns of true time (sim_time_t of sim/ev.h), what the APIC and
 *                the platform timer count;
 *   TSC          cycles, a pure function of engine time:
 *                tsc(t) = tsc_offset + floor(t * tsc_hz * (1e9 + tsc_ppb) / 1e18);
 *   local time   NOW() of this CPU, ns since boot (engine time 0), what
 *                schedulers see and what timer deadlines are written in.
 *
 * Recalibration is LAZY: it is performed for every epoch boundary k*epoch
 * that engine time has passed whenever NOW() is read or a timer is set,
 * cancelled or fires. Because the TSC is a pure function of engine time the
 * result is bit-identical to an engine event per epoch, and it costs none.
 * docs/clock.md gives the formulas and the error bound.
 *
 * Simplified: the platform timer and the PIT are exact true time; the APIC
 * counts true time at exactly apic_hz (its own calibration error is not
 * modelled); CPUs differ only by their own TSC offset, frequency error and
 * calibration, with no cross-CPU synchronisation; the TSC never stops or
 * changes frequency; handling an interrupt takes no simulated time.
 */
#ifndef XENSIM_SIM_CLOCK_H
#define XENSIM_SIM_CLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include "sim/ev.h"
#include "sim/evq.h"
#include "sim/types.h"

/* Largest tsc_hz and apic_hz accepted (1 THz): keeps every product of the
 * fixed-point arithmetic inside 128 bits and the 32.32 scale above zero. */
#define CLK_HZ_MAX ((int64_t)1000000000000)
/* |tsc_ppb| must stay below this (10%): a clock that far off is a typo. */
#define CLK_PPB_LIMIT ((int64_t)100000000)

#define CLK_DEFAULT_TSC_HZ ((int64_t)2400000000)   /* 2.4 GHz */
#define CLK_DEFAULT_TIMER_SLOP (50 * SIM_USEC)     /* Xen TIMER_SLOP */
#define CLK_DEFAULT_APIC_HZ ((int64_t)100000000)   /* 100 MHz */
#define CLK_DEFAULT_EPOCH SIM_SEC                  /* Xen 3.0 EPOCH */
/* Seconds the TSC has been counting when the hypervisor's clock starts
 * (engine time 0, NOW() = 0) unless told otherwise: a TSC counts from
 * power-on, through firmware and boot loader, so a real one never reads 0
 * at boot. A stated round figure, not a measurement; the SMP TSCs are reset
 * together, so every pCPU gets the same count. */
#define CLK_DEFAULT_UPTIME_S 60

/* Most timers one CPU can hold pending (clk_timer_set fails with
 * -SIM_ENOSPC beyond it). */
#define CLK_MAX_TIMERS ((size_t)1 << 24)

/*
 * Which of several timers with the SAME expires runs first (distinct
 * expiries always run in expiry order).
 *   CLK_ORDER_XEN   the order Xen 2.0's per-CPU ac_timer binary heap gives
 *                   (RELEASE-2.0.0 xen/common/ac_timer.c): the heap is kept
 *                   with the same sift rules, and set, cancel and the softirq
 *                   perform the operations of mod/add_ac_timer, rem_ac_timer
 *                   and the softirq loop, so ties fall as Xen's layout puts
 *                   them (a function of the operation sequence);
 *   CLK_ORDER_FIFO  the order in which the timers were last set.
 */
enum clk_timer_order { CLK_ORDER_FIFO, CLK_ORDER_XEN };

/*
 * What the slop means (docs/clock.md, "The slop").
 *   CLK_SLOP_EARLY  Xen 2.0's ac_timer.c: a timer runs once NOW() is within
 *                   timer_slop of its expiry, so up to the slop early;
 *   CLK_SLOP_LATE   Xen 4.x's timer.c (RELEASE-4.17.5 timer_softirq_action):
 *                   a timer runs once its expiry has passed, and the one-shot
 *                   is never programmed closer than timer_slop ahead of the
 *                   softirq that programs it, so a timer set nearer than the
 *                   slop runs up to the slop late, never early.
 */
enum clk_slop_rule { CLK_SLOP_EARLY, CLK_SLOP_LATE };

/*
 * How NOW() is computed from the TSC (docs/clock.md gives both in full).
 *   CLK_TIME_XEN3  Xen 3.0 style: a per-CPU stamp plus the scaled TSC delta,
 *                  recalibrated every epoch against an exact platform timer;
 *   CLK_TIME_XEN2  Xen 2.0 (RELEASE-2.0.0 xen/arch/x86/time.c): one global
 *                  system time advanced by exactly 10 ms per PIT interrupt,
 *                  interpolated with the reading CPU's TSC against the TSC
 *                  the PIT CPU latched at that interrupt, scaled with the
 *                  boot calibration of the PIT CPU's TSC, clamped so that no
 *                  read (on any CPU) returns less than the one before.
 */
enum clk_time_model { CLK_TIME_XEN3, CLK_TIME_XEN2 };

/* Xen 2.0's PIT: crystal rate, interrupt rate, and the counts it loads. */
#define CLK_PIT_HZ 1193180                                /* CLOCK_TICK_RATE */
#define CLK_XEN2_HZ 100                                   /* HZ */
#define CLK_XEN2_LATCH ((CLK_PIT_HZ + CLK_XEN2_HZ / 2) / CLK_XEN2_HZ)  /* 11932 */
#define CLK_XEN2_TICK (SIM_SEC / CLK_XEN2_HZ)             /* ns stime_irq adds per tick */
#define CLK_XEN2_CAL_FRAC 20                              /* calibrate over 1/20 s */
#define CLK_XEN2_CAL_LATCH ((CLK_PIT_HZ + CLK_XEN2_CAL_FRAC / 2) / CLK_XEN2_CAL_FRAC) /* 59659 */

struct clk_params {
    int64_t tsc_hz;             /* Hz, nominal TSC frequency (what boot calibration believed) */
    int64_t tsc_ppb;            /* parts per 1e9, actual frequency error, may be negative */
    uint64_t tsc_offset;        /* cycles, TSC count at engine time 0 (NOW() does not depend on it) */
    sim_time_t timer_slop;      /* ns, timers run up to this early (Xen TIMER_SLOP), or,
                                   under CLK_SLOP_LATE, up to this late */
    int64_t apic_hz;            /* Hz, count rate of the one-shot interrupt timer */
    sim_time_t epoch;           /* ns of true time between recalibrations */
    enum clk_timer_order timer_order; /* tie rule among equal expiries */
    enum clk_slop_rule slop_rule;   /* early (Xen 2.0) or late (Xen 4.x) */
    enum clk_time_model time;   /* how NOW() is computed */
    struct clk_cpu *pit_cpu;    /* CLK_TIME_XEN2 only: the CPU that takes the PIT interrupt
                                   and whose TSC is latched and calibrated (Xen's CPU 0);
                                   NULL means this CPU is that one. Must use the same loop
                                   and model, name no pit_cpu itself, and outlive this one. */
};

/* The TSC count at engine time 0 of a TSC of nominal frequency tsc_hz
 * when no offset is given: CLK_DEFAULT_UPTIME_S seconds of its cycles
 * (144e9 at 2.4 GHz). 0 if tsc_hz <= 0. */
uint64_t clk_default_tsc_offset(int64_t tsc_hz);

/* 2.4 GHz, no error, offset clk_default_tsc_offset(2.4 GHz), 50 us slop,
 * 100 MHz APIC, 1 s epoch, fifo ties (the scenario loader picks the tie
 * rule per scheduler), Xen 3.0 time. */
struct clk_params clk_params_default(void);

/* 0 if p is acceptable, else -SIM_EINVAL: tsc_hz and apic_hz in
 * [1, CLK_HZ_MAX], |tsc_ppb| < CLK_PPB_LIMIT, timer_slop >= 0, epoch > 0,
 * timer_order, slop_rule and time one of their enums; under CLK_TIME_XEN2 the
 * calibrated frequency (clk_xen2_calibrate) must be positive. */
int clk_params_check(const struct clk_params *p);

/* Usage counters of one CPU's clock, for tests and metrics. */
struct clk_stats {
    uint64_t interrupts;        /* one-shot APIC expiries handled */
    uint64_t softirqs;          /* timer softirq runs: interrupts + runs raised directly */
    uint64_t timers_fired;      /* timer callbacks run */
    uint64_t apic_programs;     /* one-shot programmings with a positive count */
    uint64_t recalibrations;    /* epoch boundaries processed */
    uint64_t program_failures;  /* interrupts the engine could not queue (out of memory) */
};

struct clk_cpu;

/*
 * A clock for one CPU whose engine is loop, with parameters p (NULL means
 * clk_params_default()). NULL if loop is NULL, p fails clk_params_check(),
 * or memory runs out. The loop must outlive the clock.
 */
struct clk_cpu *clk_cpu_new(struct ev_loop *loop, const struct clk_params *p);

/* Cancels its pending interrupt in the loop and leaves every timer still
 * queued on it not pending; those timers must be re-initialised before
 * reuse. Accepts NULL. Not to be called from one of its timer callbacks. */
void clk_cpu_free(struct clk_cpu *c);

const struct clk_params *clk_cpu_params(const struct clk_cpu *c);

/* The TSC at engine time t (t < 0 is taken as 0); wraps modulo 2^64. */
uint64_t clk_tsc(const struct clk_cpu *c, sim_time_t t);

/* The part of a CPU that clk_now() reads inline: the first member of
 * struct clk_cpu, written only by sim/clock.c. A second NOW() at the same
 * engine instant, the common case, then costs a compare instead of a call. */
struct clk_cpu_pub {
    struct ev_loop *loop;       /* engine the interrupts are queued on */
    sim_time_t now_at;          /* ns engine time of the last NOW() (CLK_TIME_XEN3), or -1,
                                   which no engine time equals (always under CLK_TIME_XEN2) */
    sim_time_t now_local;       /* ns, what it read: the same instant reads the same */
};

/* NOW() computed afresh (and cached for the instant); clk_now is the call
 * to use. */
sim_time_t clk_now_read(struct clk_cpu *c);

/* NOW(): this CPU's local time at the loop's current engine time. Never
 * decreases from one call to the next (under CLK_TIME_XEN2 not even across
 * the CPUs sharing a PIT CPU, whose reads are clamped together). */
static inline sim_time_t clk_now(struct clk_cpu *c)
{
    const struct clk_cpu_pub *pub = (const struct clk_cpu_pub *)(const void *)c;
    if (pub->now_at == ev_now(pub->loop))
        return pub->now_local;
    return clk_now_read(c);
}

/* The local time NOW() reads (or will read) at engine time t, without
 * changing any state. CLK_TIME_XEN3: t must not precede the last epoch
 * boundary already applied (at most ev_now's), else -SIM_ERANGE; O(epochs
 * from there to t). CLK_TIME_XEN2: any t >= 0, clamped by the last read
 * made so far (reads made between now and t could raise it). */
int clk_local_at(const struct clk_cpu *c, sim_time_t t, sim_time_t *local);

/* The earliest engine time t >= ev_now at which NOW() >= local: the exact
 * inverse of clk_local_at, future recalibrations included, for targets up
 * to 64 epochs past ev_now; beyond that the converged clock is extrapolated
 * at slope 1 (off by at most the steady-state tracking error, a few ns; see
 * docs/clock.md). Under CLK_TIME_XEN2 it is exact at any distance: the
 * earliest t >= ev_now whose reading is >= local if no other read comes
 * first; it walks the PIT intervals from the one that can first reach
 * local (at most about 2^31 shifted cycles, ~3.6 s at 2.4 GHz, of them).
 * -SIM_ERANGE if t would lie beyond SIM_TIME_MAX. */
int clk_engine_at(const struct clk_cpu *c, sim_time_t local, sim_time_t *t);

/* The 32.32 ns-per-cycle factor in use at ev_now (recalibrating first);
 * under CLK_TIME_XEN2 the fixed ns per shifted cycle of clk_xen2_calibrate. */
uint64_t clk_scale(struct clk_cpu *c);

/* (delta * scale_q32) >> 32, exact, rounding down; saturates at
 * SIM_TIME_MAX. */
sim_time_t clk_scale_delta(uint64_t scale_q32, uint64_t delta);

/* floor(1e9 * 2^32 / hz): the scale a TSC of hz cycles/s gets; 0 if hz <= 0. */
uint64_t clk_scale_for_hz(int64_t hz);

/*
 * The recalibration rule: the scale that makes local time advance by
 * epoch - err over the next dtsc cycles, where err = local - true at the
 * boundary and dtsc the cycles counted over the last epoch. The advance is
 * clamped to [max(epoch/2, 1), 2 * epoch] so the slope stays positive and
 * bounded however large err is; the result is rounded down, at least 1 and
 * saturated at UINT64_MAX. dtsc == 0 (the TSC did not tick) keeps old_scale.
 */
uint64_t clk_calib_scale(sim_time_t epoch, sim_time_t err, uint64_t dtsc, uint64_t old_scale);

/*
 * Xen 2.0's boot calibration of a TSC whose actual rate is
 * tsc_hz * (1e9 + tsc_ppb) / 1e9 (RELEASE-2.0.0 time_init, calibrate_tsc,
 * init_xen_time): the cycles counted while the PIT counts
 * CLK_XEN2_CAL_LATCH ticks, rounded down, times CLK_XEN2_CAL_FRAC give
 * cpu_freq; shift is the number of bits of cpu_freq / 1e9 (so the TSC
 * shifted right by it counts below 1 GHz); scale = (1e9 << (32 + shift)) /
 * cpu_freq, the ns per shifted cycle in 32.32, with the left shift taken
 * modulo 2^64 as Xen's 64-bit arithmetic does (it wraps from 4 GHz on).
 */
struct clk_xen2_cal {
    uint64_t cpu_freq;          /* Hz, what Xen 2.0 believes */
    unsigned shift;             /* rdtsc_bitshift */
    uint64_t scale;             /* ns per shifted cycle, 32.32 (st_scale_i:st_scale_f) */
};
void clk_xen2_calibrate(int64_t tsc_hz, int64_t tsc_ppb, struct clk_xen2_cal *out);

/* Engine time of the k-th PIT interrupt under CLK_TIME_XEN2 (k >= 0; the
 * 0th is boot): the first whole ns at or after k * LATCH / CLK_PIT_HZ s,
 * saturated at SIM_TIME_MAX. */
sim_time_t clk_xen2_tick_time(int64_t k);

void clk_cpu_stats(const struct clk_cpu *c, struct clk_stats *out);

/* Number of timers pending on this CPU. */
size_t clk_timers_pending(const struct clk_cpu *c);

/*
 * A one-shot software timer (ac_timer). Intrusive and caller-owned: it must
 * stay valid while pending, so cancel it before freeing it. fn(arg) runs from
 * the CPU's timer softirq, at an engine time where NOW() > expires - slop.
 * A callback may set or cancel any timer, itself included, on any CPU; one
 * that re-arms itself less than timer_slop ahead runs again in the same
 * softirq, as in Xen, so periodic timers must advance by more than that.
 */
struct clk_timer {
    struct clk_cpu *cpu;        /* CPU whose NOW() and softirq it uses */
    ev_fn *fn;                  /* callback */
    void *arg;                  /* passed to fn, never owned */
    size_t pos;                 /* index in the CPU's timer heap (from 1), 0 = not pending */
    uint64_t seq;               /* when it was last set, in the CPU's set count (fifo ties) */
    sim_time_t expires;         /* ns of local time; meaningful while pending */
};

/* Bind t to CPU c with callback fn(arg); t must not be pending. */
void clk_timer_init(struct clk_timer *t, struct clk_cpu *c, ev_fn *fn, void *arg);

/*
 * Arm, or move if pending, to expire at local time expires (any value: one
 * already within the slop runs from a softirq raised at the current engine
 * time). Moving is a removal then an insertion, as Xen 2.0's mod_ac_timer.
 * Reprograms the CPU's one-shot when the earliest deadline changes.
 * 0; -SIM_EINVAL if t is NULL or not initialised; -SIM_ENOMEM or -SIM_ENOSPC
 * if the timer or the interrupt cannot be queued, in which case t is left
 * not pending.
 */
int clk_timer_set(struct clk_timer *t, sim_time_t expires);

/* Disarm; harmless if not pending. */
void clk_timer_cancel(struct clk_timer *t);

bool clk_timer_pending(const struct clk_timer *t);

#endif
