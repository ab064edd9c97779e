/*
 * sim/clock.c: the modelled x86 clock of a physical CPU (TSC, NOW(), epoch
 * recalibration) and its one-shot software timers (ac_timer analogue).
 *
 * Source: Xen 2.0/3.0 behaviour from shared/facts/xen-schedulers.md 1.2,
 * 1.3, 9.1 (facts only; this is independent code). The TSC-to-ns scaling is
 * 32.32 fixed point rounding down, as in both versions; the per-CPU stamp
 * and once-per-epoch recalibration against the platform timer are 3.0's;
 * the one-shot count, the "past or zero count: run the softirq now" rule
 * and the TIMER_SLOP batching are 2.0's. The CLK_TIME_XEN2 system time
 * follows RELEASE-2.0.0 xen/arch/x86/time.c, and the timer heap the layout
 * and sift rules of RELEASE-2.0.0 xen/common/ac_timer.c (both read for
 * their behaviour), so timers with equal expiries can run in Xen 2.0's
 * order.
 *
 * Simplified: see sim/clock.h and docs/clock.md (exact platform timer and
 * APIC, lazy epochs, no cross-CPU TSC synchronisation, zero-time handlers).
 *
 * All fixed-point products are done in unsigned __int128 so that nothing is
 * rounded except where Xen rounds (the final >> 32) or where the header
 * says so; CLK_HZ_MAX keeps every product below 2^128.
 */
#include "sim/clock.h"

#include <stdlib.h>

#include "sim/err.h"

typedef unsigned __int128 u128;
typedef __int128 i128;

#define NS_PER_S ((u128)1000000000u)
#define NS2_PER_S2 (NS_PER_S * NS_PER_S)

/*
 * One calibration of NOW(): local(t) = stime_stamp + scale_delta(scale,
 * tsc(t) - tsc_stamp), valid for engine times in [at, at + epoch). Stamps are
 * only ever taken at epoch boundaries, so tsc_stamp is also the TSC at the
 * start of the epoch just measured when the next boundary is processed.
 */
struct clk_cal {
    sim_time_t at;              /* ns engine time of the stamp, a multiple of epoch */
    uint64_t tsc_stamp;         /* cycles, TSC at `at` */
    sim_time_t stime_stamp;     /* ns local time at `at` */
    uint64_t scale;             /* ns per cycle, 32.32 fixed point */
};

struct clk_cpu {
    struct clk_cpu_pub pub;     /* first: the loop and NOW()'s cache, read by clk_now() */
    struct clk_params p;        /* validated copy */
    uint64_t rate_q, rate_m;    /* tsc_rate(&p) = rate_q * 1e9 + rate_m, rate_m < 1e9 */
    struct clk_cal cal;         /* CLK_TIME_XEN3: calibration in force at the last sync */
    struct clk_cpu *pit;        /* CLK_TIME_XEN2: the CPU whose TSC is latched (maybe itself) */
    struct clk_xen2_cal x2;     /* CLK_TIME_XEN2: the PIT CPU's boot calibration */
    sim_time_t x2_last;         /* ns, CLK_TIME_XEN2 on the PIT CPU: the last NOW() returned
                                   on any CPU sharing it (Xen's monotonic clamp) */
    struct clk_timer **heap;    /* pending timers, a binary min-heap in heap[1..nheap] */
    size_t nheap;               /* timers pending */
    size_t cap;                 /* slots allocated in heap, slot 0 unused */
    uint64_t sets;              /* clk_timer_set calls so far: the next timer's seq */
    ev_id irq_ev;               /* pending softirq/interrupt event in loop, or EV_NONE */
    bool irq_is_apic;           /* irq_ev is an APIC expiry, not a directly raised softirq */
    bool irq_deferred;          /* irq_ev is that expiry put behind the instant's other events */
    sim_time_t prog_for;        /* ns local, earliest deadline irq_ev was set up for */
    bool in_softirq;            /* timer callbacks running: defer reprogramming to the end */
    struct clk_stats st;
};

uint64_t clk_default_tsc_offset(int64_t tsc_hz)
{
    return tsc_hz > 0 ? (uint64_t)tsc_hz * CLK_DEFAULT_UPTIME_S : 0;
}

struct clk_params clk_params_default(void)
{
    return (struct clk_params){
        .tsc_hz = CLK_DEFAULT_TSC_HZ,
        .tsc_ppb = 0,
        .tsc_offset = clk_default_tsc_offset(CLK_DEFAULT_TSC_HZ),
        .timer_slop = CLK_DEFAULT_TIMER_SLOP,
        .apic_hz = CLK_DEFAULT_APIC_HZ,
        .epoch = CLK_DEFAULT_EPOCH,
        .timer_order = CLK_ORDER_FIFO,
        .slop_rule = CLK_SLOP_EARLY,
        .time = CLK_TIME_XEN3,
        .pit_cpu = NULL,
    };
}

int clk_params_check(const struct clk_params *p)
{
    if (!p)
        return -SIM_EINVAL;
    if (p->tsc_hz <= 0 || p->tsc_hz > CLK_HZ_MAX)
        return -SIM_EINVAL;
    if (p->tsc_ppb <= -CLK_PPB_LIMIT || p->tsc_ppb >= CLK_PPB_LIMIT)
        return -SIM_EINVAL;
    if (p->apic_hz <= 0 || p->apic_hz > CLK_HZ_MAX)
        return -SIM_EINVAL;
    if (p->timer_slop < 0 || p->epoch <= 0)
        return -SIM_EINVAL;
    if (p->timer_order != CLK_ORDER_FIFO && p->timer_order != CLK_ORDER_XEN)
        return -SIM_EINVAL;
    if (p->slop_rule != CLK_SLOP_EARLY && p->slop_rule != CLK_SLOP_LATE)
        return -SIM_EINVAL;
    if (p->time != CLK_TIME_XEN3 && p->time != CLK_TIME_XEN2)
        return -SIM_EINVAL;
    if (p->time == CLK_TIME_XEN2) {
        struct clk_xen2_cal x2;
        clk_xen2_calibrate(p->tsc_hz, p->tsc_ppb, &x2);
        if (x2.cpu_freq == 0)
            return -SIM_EINVAL;
    }
    return 0;
}

/* Actual TSC rate in cycles per 1e18 ns: tsc_hz * (1e9 + ppb). */
static u128 tsc_rate(const struct clk_params *p)
{
    return (u128)p->tsc_hz * (u128)(1000000000 + p->tsc_ppb);
}

/* x / 1e9 for the u128 sums below: a 64-bit division by a constant (a
 * multiply) whenever x fits in 64 bits, as it does at any tsc_hz up to a
 * few GHz, instead of the library's 128-bit division. */
static inline u128 div_ns_per_s(u128 x)
{
    if ((x >> 64) == 0)
        return (uint64_t)x / 1000000000u;
    return x / NS_PER_S;
}

/*
 * Cycles counted from engine time 0 to t, floor(t * rate / 1e18), exact.
 * t * rate can exceed 2^128, so both are split in base 1e9: with
 * t = s*1e9 + r and rate = q*1e9 + m (c->rate_q, c->rate_m), the floor is
 * s*q + floor((s*m + r*q + floor(r*m / 1e9)) / 1e9), every term of which
 * fits (s*m and r*m in 64 bits). This is NOW()'s hot path: no 128-bit
 * division unless tsc_hz is in the tens of GHz.
 */
static u128 ticks_since_zero(const struct clk_cpu *c, sim_time_t t)
{
    if (t <= 0)
        return 0;
    uint64_t s = (uint64_t)t / 1000000000u, r = (uint64_t)t % 1000000000u;
    u128 x = (u128)(s * c->rate_m) + (u128)r * c->rate_q + (r * c->rate_m) / 1000000000u;
    return (u128)s * c->rate_q + div_ns_per_s(x);
}

/*
 * Smallest engine time t >= 0 with ticks_since_zero(t) >= d, i.e.
 * ceil(d * 1e18 / rate), as u128 (may exceed SIM_TIME_MAX). d * 1e18 can
 * exceed 2^128, so the division is done in three steps whose remainders stay
 * below rate * 1e9.
 */
static u128 engine_for_ticks(const struct clk_params *p, u128 d)
{
    u128 rate = tsc_rate(p);
    u128 q1 = d / rate, r1 = d % rate;
    if (q1 > (u128)SIM_TIME_MAX / NS2_PER_S2)
        return (u128)SIM_TIME_MAX + 1;
    u128 x = r1 * NS_PER_S;
    u128 q2 = x / rate, r2 = x % rate;
    return q1 * NS2_PER_S2 + q2 * NS_PER_S + (r2 * NS_PER_S + rate - 1) / rate;
}

static uint64_t tsc_at(const struct clk_cpu *c, sim_time_t t)
{
    return c->p.tsc_offset + (uint64_t)ticks_since_zero(c, t);
}

sim_time_t clk_scale_delta(uint64_t scale_q32, uint64_t delta)
{
    u128 ns = ((u128)delta * scale_q32) >> 32;
    return ns > (u128)SIM_TIME_MAX ? SIM_TIME_MAX : (sim_time_t)ns;
}

uint64_t clk_scale_for_hz(int64_t hz)
{
    if (hz <= 0)
        return 0;
    u128 s = (NS_PER_S << 32) / (u128)hz;
    return s > UINT64_MAX ? UINT64_MAX : (uint64_t)s;
}

uint64_t clk_calib_scale(sim_time_t epoch, sim_time_t err, uint64_t dtsc, uint64_t old_scale)
{
    if (dtsc == 0)
        return old_scale;
    i128 lo = epoch / 2 > 0 ? epoch / 2 : 1;
    i128 hi = 2 * (i128)epoch;
    i128 adv = (i128)epoch - err;
    if (adv < lo)
        adv = lo;
    if (adv > hi)
        adv = hi;
    u128 s = ((u128)adv << 32) / dtsc;
    if (s == 0)
        return 1;
    return s > UINT64_MAX ? UINT64_MAX : (uint64_t)s;
}

static sim_time_t sat_add(sim_time_t a, sim_time_t b)
{
    return (b > 0 && a > SIM_TIME_MAX - b) ? SIM_TIME_MAX : a + b;
}

/* Local time at TSC value tsc under calibration cal. The subtraction is
 * modulo 2^64, so a TSC that wraps keeps counting forward. */
static sim_time_t cal_local(const struct clk_cal *cal, uint64_t tsc)
{
    return sat_add(cal->stime_stamp, clk_scale_delta(cal->scale, tsc - cal->tsc_stamp));
}

/*
 * Apply every epoch boundary up to engine time t. At each boundary the new
 * stamp is the old calibration's reading there, so NOW() is continuous, and
 * the new slope aims local time at true time one epoch later (docs/clock.md
 * derives the error bound).
 */
static void cal_advance(const struct clk_cpu *c, struct clk_cal *cal, sim_time_t t,
                        uint64_t *count)
{
    const struct clk_params *p = &c->p;
    while (cal->at <= t - p->epoch) {
        sim_time_t b = cal->at + p->epoch;
        uint64_t tsc_b = tsc_at(c, b);
        sim_time_t local_b = cal_local(cal, tsc_b);
        uint64_t scale = clk_calib_scale(p->epoch, local_b - b, tsc_b - cal->tsc_stamp,
                                         cal->scale);
        *cal = (struct clk_cal){ .at = b, .tsc_stamp = tsc_b, .stime_stamp = local_b,
                                 .scale = scale };
        if (count)
            (*count)++;
    }
}

/* ------------------------------------------------------------------------
 * Xen 2.0 system time (CLK_TIME_XEN2). Facts from RELEASE-2.0.0
 * xen/arch/x86/time.c (timer_interrupt, calibrate_tsc, time_init,
 * init_xen_time, get_time_delta, get_s_time) and i8259.c (the PIT's LATCH):
 * at PIT interrupt k, taken on the PIT CPU, system time becomes k * 10 ms
 * and that CPU's TSC is latched; a read on any CPU adds its own TSC's
 * progress past the latch, in shifted cycles as a signed 32-bit count
 * (negative counts as 0), times the boot scale. The PIT is exact: interrupt
 * k comes at k * LATCH / CLOCK_TICK_RATE s of true time, 10.0001676 ms
 * apart, while system time adds exactly 10 ms each.
 */

void clk_xen2_calibrate(int64_t tsc_hz, int64_t tsc_ppb, struct clk_xen2_cal *out)
{
    *out = (struct clk_xen2_cal){ 0 };
    if (tsc_hz <= 0)
        return;
    struct clk_params p = { .tsc_hz = tsc_hz, .tsc_ppb = tsc_ppb };
    /* Cycles in CAL_LATCH PIT periods: rate/1e18 cycles per ns times
     * CAL_LATCH * 1e9 / PIT_HZ ns. */
    u128 frac = tsc_rate(&p) * CLK_XEN2_CAL_LATCH / ((u128)CLK_PIT_HZ * NS_PER_S);
    out->cpu_freq = (uint64_t)frac * CLK_XEN2_CAL_FRAC;
    if (out->cpu_freq == 0)
        return;
    for (uint64_t ghz = out->cpu_freq / 1000000000u; ghz; ghz >>= 1)
        out->shift++;
    uint64_t num = (uint64_t)1000000000u << (32 + out->shift);  /* wraps as Xen's does */
    out->scale = num / out->cpu_freq;
}

/* Index of the last PIT interrupt at or before engine time t (0 = boot). */
static int64_t x2_tick_index(sim_time_t t)
{
    if (t <= 0)
        return 0;
    return (int64_t)((u128)t * CLK_PIT_HZ / ((u128)CLK_XEN2_LATCH * NS_PER_S));
}

sim_time_t clk_xen2_tick_time(int64_t k)
{
    if (k <= 0)
        return 0;
    u128 den = CLK_PIT_HZ;
    u128 t = ((u128)k * CLK_XEN2_LATCH * NS_PER_S + den - 1) / den;
    return t > (u128)SIM_TIME_MAX ? SIM_TIME_MAX : (sim_time_t)t;
}

/* The TSC of CPU p shifted right by `shift`, without the 64-bit wrap: its
 * low 32 bits are what Xen's (u32)(tsc >> shift) reads, wrap or not. */
static u128 x2_shifted(const struct clk_cpu *c, unsigned shift, sim_time_t t)
{
    return ((u128)c->p.tsc_offset + ticks_since_zero(c, t)) >> shift;
}

/* The PIT CPU's shifted TSC latched at interrupt k, low 32 bits. */
static uint32_t x2_latch(const struct clk_cpu *c, int64_t k)
{
    return (uint32_t)x2_shifted(c->pit, c->x2.shift, clk_xen2_tick_time(k));
}

/* get_s_time() before the monotonic clamp, on CPU c at engine time t. */
static sim_time_t x2_raw(const struct clk_cpu *c, sim_time_t t)
{
    int64_t k = x2_tick_index(t);
    uint32_t low = (uint32_t)x2_shifted(c, c->x2.shift, t);
    int32_t delta = (int32_t)(low - x2_latch(c, k));
    if (delta < 0)
        delta = 0;
    return sat_add((sim_time_t)k * CLK_XEN2_TICK, clk_scale_delta(c->x2.scale, (uint64_t)delta));
}

/*
 * Earliest t >= ev_now with x2_raw(t) >= local (or ev_now if the clamp
 * already reads that far). Within PIT interval k, [tick k, tick k+1), the
 * reading is k * 10 ms plus the scaled delta, so it reaches `local` once
 * the delta reaches d, the smallest count whose scaled value covers the
 * rest; the delta is the reading CPU's shifted TSC (low 32 bits) minus the
 * latch, as a signed 32-bit number, so it lies in [d, 2^31) exactly from
 * the first engine time the shifted TSC reaches latch + d (mod 2^32) until
 * 2^31 - d counts later. Intervals whose largest possible reading, k * 10 ms
 * + scale_delta(2^31 - 1), stays below `local` are skipped unseen.
 */
static int x2_engine_at(const struct clk_cpu *c, sim_time_t local, sim_time_t *t)
{
    const struct clk_params *p = &c->p;
    sim_time_t now = ev_now(c->pub.loop);
    if (c->pit->x2_last >= local || x2_raw(c, now) >= local) {
        *t = now;
        return 0;
    }
    int64_t k = x2_tick_index(now);
    sim_time_t reach = clk_scale_delta(c->x2.scale, INT32_MAX);
    i128 kmin = ((i128)local - reach + CLK_XEN2_TICK - 1) / CLK_XEN2_TICK;
    if (kmin > k)
        k = (int64_t)kmin;
    for (;; k++) {
        i128 base = (i128)k * CLK_XEN2_TICK;
        sim_time_t start = clk_xen2_tick_time(k);
        if (start < now)
            start = now;
        if (start == SIM_TIME_MAX || base > SIM_TIME_MAX)
            return -SIM_ERANGE;
        if (base >= local) {
            *t = start;
            return 0;
        }
        u128 need = (u128)((i128)local - base);
        if (c->x2.scale == 0)
            continue;
        u128 d = ((need << 32) + c->x2.scale - 1) / c->x2.scale;
        if (d > INT32_MAX)
            continue;
        uint32_t latch = x2_latch(c, k);
        u128 v0 = x2_shifted(c, c->x2.shift, start);
        if ((int32_t)((uint32_t)v0 - latch) >= (int32_t)d) {
            *t = start;
            return 0;
        }
        uint32_t m = latch + (uint32_t)d - (uint32_t)v0;   /* counts until latch + d */
        u128 target = ((v0 + m) << c->x2.shift) - p->tsc_offset;
        u128 te = engine_for_ticks(p, target);
        if (te < (u128)clk_xen2_tick_time(k + 1)) {
            *t = (sim_time_t)te;
            return 0;
        }
    }
}

struct clk_cpu *clk_cpu_new(struct ev_loop *loop, const struct clk_params *p)
{
    struct clk_params def = clk_params_default();
    if (!p)
        p = &def;
    if (!loop || clk_params_check(p) < 0)
        return NULL;
    struct clk_cpu *pit = p->time == CLK_TIME_XEN2 ? p->pit_cpu : NULL;
    if (pit && (pit->pub.loop != loop || pit->p.time != CLK_TIME_XEN2 || pit->pit != pit))
        return NULL;
    struct clk_cpu *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->pub.loop = loop;
    c->p = *p;
    /* Boot happens at engine time 0 with what calibration believed the TSC
     * frequency to be; the TSC's real error shows up as drift. */
    c->cal = (struct clk_cal){ .at = 0, .tsc_stamp = p->tsc_offset, .stime_stamp = 0,
                               .scale = clk_scale_for_hz(p->tsc_hz) };
    if (p->time == CLK_TIME_XEN2) {
        c->pit = pit ? pit : c;
        c->x2 = c->pit->x2;
        if (!pit)
            clk_xen2_calibrate(p->tsc_hz, p->tsc_ppb, &c->x2);
    }
    u128 rate = tsc_rate(p);
    c->rate_q = (uint64_t)(rate / NS_PER_S);
    c->rate_m = (uint64_t)(rate % NS_PER_S);
    c->pub.now_at = -1;
    c->irq_ev = EV_NONE;
    return c;
}

void clk_cpu_free(struct clk_cpu *c)
{
    if (!c)
        return;
    if (c->irq_ev != EV_NONE)
        ev_cancel(c->pub.loop, c->irq_ev);
    for (size_t i = 1; i <= c->nheap; i++)
        c->heap[i]->pos = 0;
    free(c->heap);
    free(c);
}

const struct clk_params *clk_cpu_params(const struct clk_cpu *c)
{
    return &c->p;
}

uint64_t clk_tsc(const struct clk_cpu *c, sim_time_t t)
{
    return tsc_at(c, t);
}

sim_time_t clk_now_read(struct clk_cpu *c)
{
    sim_time_t t = ev_now(c->pub.loop);
    if (c->p.time == CLK_TIME_XEN2) {
        sim_time_t now = x2_raw(c, t);
        if (now < c->pit->x2_last)
            now = c->pit->x2_last;
        c->pit->x2_last = now;
        return now;
    }
    if (t == c->pub.now_at)
        return c->pub.now_local;
    if (c->cal.at <= t - c->p.epoch)    /* an epoch boundary passed: cal_advance's test */
        cal_advance(c, &c->cal, t, &c->st.recalibrations);
    c->pub.now_at = t;
    c->pub.now_local = cal_local(&c->cal, tsc_at(c, t));
    return c->pub.now_local;
}

int clk_local_at(const struct clk_cpu *c, sim_time_t t, sim_time_t *local)
{
    if (c->p.time == CLK_TIME_XEN2) {
        if (t < 0)
            return -SIM_ERANGE;
        sim_time_t raw = x2_raw(c, t);
        *local = raw > c->pit->x2_last ? raw : c->pit->x2_last;
        return 0;
    }
    if (t < c->cal.at)
        return -SIM_ERANGE;
    struct clk_cal cal = c->cal;
    cal_advance(c, &cal, t, NULL);
    *local = cal_local(&cal, tsc_at(c, t));
    return 0;
}

/* Calibrations clk_engine_at() walks exactly before it extrapolates. */
#define ENGINE_AT_EPOCHS 64

/*
 * Walk forward one calibration at a time: within a calibration, local time
 * reaches L at the first cycle count d with (d * scale) >> 32 >= L - stamp,
 * and the TSC reaches that count at an exactly invertible engine time. If
 * that time lies past the next boundary, the recalibration there decides.
 * After ENGINE_AT_EPOCHS boundaries the clock has long converged to true
 * time (each epoch removes the error left by the previous one), so the rest
 * is extrapolated at slope 1 from the last boundary instead of walked.
 */
int clk_engine_at(const struct clk_cpu *c, sim_time_t local, sim_time_t *t)
{
    if (c->p.time == CLK_TIME_XEN2)
        return x2_engine_at(c, local, t);
    const struct clk_params *p = &c->p;
    sim_time_t now = ev_now(c->pub.loop);
    struct clk_cal cal = c->cal;
    cal_advance(c, &cal, now, NULL);
    if (cal_local(&cal, tsc_at(c, now)) >= local) {
        *t = now;
        return 0;
    }
    for (int walked = 0;; walked++) {
        /* Reached exactly at the boundary just applied. */
        if (local <= cal.stime_stamp) {
            *t = cal.at > now ? cal.at : now;
            return 0;
        }
        if (walked == ENGINE_AT_EPOCHS) {
            i128 est = (i128)cal.at + ((i128)local - cal.stime_stamp);
            if (est > SIM_TIME_MAX)
                return -SIM_ERANGE;
            *t = (sim_time_t)est;
            return 0;
        }
        u128 need = (u128)((i128)local - cal.stime_stamp);
        u128 d = ((need << 32) + cal.scale - 1) / cal.scale;
        u128 target = (u128)(uint64_t)(cal.tsc_stamp - p->tsc_offset) + d;
        u128 tc = engine_for_ticks(p, target);
        bool last = cal.at > SIM_TIME_MAX - p->epoch;
        if (last && tc > (u128)SIM_TIME_MAX)
            return -SIM_ERANGE;
        if (last || tc < (u128)(cal.at + p->epoch)) {
            *t = (sim_time_t)tc > now ? (sim_time_t)tc : now;
            return 0;
        }
        cal_advance(c, &cal, cal.at + p->epoch, NULL);
    }
}

uint64_t clk_scale(struct clk_cpu *c)
{
    if (c->p.time == CLK_TIME_XEN2)
        return c->x2.scale;
    clk_now(c);
    return c->cal.scale;
}

void clk_cpu_stats(const struct clk_cpu *c, struct clk_stats *out)
{
    *out = c->st;
}

size_t clk_timers_pending(const struct clk_cpu *c)
{
    return c->nheap;
}

/*
 * The per-CPU timer heap, with Xen 2.0's layout and sift rules (ac_timer.c:
 * add_entry, remove_entry, up_heap, down_heap): 1-based, children of i at 2i
 * and 2i+1; a timer rises while it sorts strictly before its parent; one
 * sinking takes the right child only if that sorts strictly before the left,
 * and keeps sinking past a child that does not sort strictly after it.
 * Under CLK_ORDER_XEN "sorts before" compares expires alone, exactly as Xen,
 * so timers with equal expires end wherever those rules leave them. Under
 * CLK_ORDER_FIFO it compares (expires, seq), a total order, so the top is
 * always the earliest-set of the earliest timers whatever the layout.
 */
static inline bool before_in(bool fifo, const struct clk_timer *a, const struct clk_timer *b)
{
    if (a->expires != b->expires)
        return a->expires < b->expires;
    return fifo && a->seq < b->seq;
}

static bool before(const struct clk_cpu *c, const struct clk_timer *a,
                   const struct clk_timer *b)
{
    return before_in(c->p.timer_order == CLK_ORDER_FIFO, a, b);
}

static void heap_place(struct clk_cpu *c, size_t pos, struct clk_timer *t)
{
    c->heap[pos] = t;
    t->pos = pos;
}

/* The sifts keep the array, its length and the order rule in locals: their
 * stores through timer pointers would otherwise make the compiler reload
 * them at every level. */
static void heap_up(struct clk_cpu *c, size_t pos)
{
    struct clk_timer **h = c->heap;
    bool fifo = c->p.timer_order == CLK_ORDER_FIFO;
    struct clk_timer *t = h[pos];
    while (pos > 1 && before_in(fifo, t, h[pos / 2])) {
        h[pos] = h[pos / 2];
        h[pos]->pos = pos;
        pos /= 2;
    }
    h[pos] = t;
    t->pos = pos;
}

static void heap_down(struct clk_cpu *c, size_t pos)
{
    struct clk_timer **h = c->heap;
    size_t n = c->nheap;
    bool fifo = c->p.timer_order == CLK_ORDER_FIFO;
    struct clk_timer *t = h[pos];
    size_t nxt;
    while ((nxt = 2 * pos) <= n) {
        if (nxt + 1 <= n && before_in(fifo, h[nxt + 1], h[nxt]))
            nxt++;
        if (before_in(fifo, t, h[nxt]))
            break;
        h[pos] = h[nxt];
        h[pos]->pos = pos;
        pos = nxt;
    }
    h[pos] = t;
    t->pos = pos;
}

/* Xen's remove_entry: the last entry fills the hole, then rises if it sorts
 * before the hole's parent, else sinks. */
static void heap_remove(struct clk_cpu *c, struct clk_timer *t)
{
    size_t pos = t->pos;
    t->pos = 0;
    struct clk_timer *last = c->heap[c->nheap--];
    if (pos == c->nheap + 1)
        return;
    heap_place(c, pos, last);
    if (pos > 1 && before(c, last, c->heap[pos / 2]))
        heap_up(c, pos);
    else
        heap_down(c, pos);
}

/* Xen's add_entry: append, then rise. Storage grows by doubling (Xen's
 * starts at 127 entries); growth moves no entry, so it cannot change order. */
static int heap_add(struct clk_cpu *c, struct clk_timer *t)
{
    if (c->nheap == CLK_MAX_TIMERS)
        return -SIM_ENOSPC;
    if (c->nheap + 1 >= c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 128;
        struct clk_timer **h = realloc(c->heap, cap * sizeof *h);
        if (!h)
            return -SIM_ENOMEM;
        c->heap = h;
        c->cap = cap;
    }
    c->heap[++c->nheap] = t;
    t->pos = c->nheap;
    heap_up(c, c->nheap);
    return 0;
}

static struct clk_timer *heap_top(const struct clk_cpu *c)
{
    return c->nheap ? c->heap[1] : NULL;
}

/*
 * The one-shot delay for a deadline `left` ns of local time away: the APIC
 * counts floor(left * apic_hz / 1e9) ticks and expires after that many
 * ticks of true time, truncated to whole ns. False if the count is 0 (the
 * deadline is past or closer than one tick).
 */
static bool apic_delay(const struct clk_cpu *c, sim_time_t deadline, sim_time_t now_l,
                       sim_time_t *delay)
{
    i128 left = (i128)deadline - now_l;
    if (left <= 0)
        return false;
    u128 ticks = div_ns_per_s((u128)left * (u128)c->p.apic_hz);
    if (ticks == 0)
        return false;
    /* A 64-bit division whenever the product fits (any deadline up to
     * seconds away at APIC rates up to GHz), not the library's 128-bit one. */
    u128 x = ticks * NS_PER_S;
    u128 ns = (x >> 64) == 0 ? (u128)((uint64_t)x / (uint64_t)c->p.apic_hz)
                             : x / (u128)c->p.apic_hz;
    *delay = ns > (u128)SIM_TIME_MAX ? SIM_TIME_MAX : (sim_time_t)ns;
    return true;
}

/* Whether a timer runs at local time now_l. Under CLK_SLOP_LATE an expiry
 * equal to NOW() counts as passed: Xen's test is strict, but a hardware
 * interrupt arrives after the deadline it was programmed for, which time
 * to the ns does not model. */
static bool is_due(const struct clk_cpu *c, sim_time_t expires, sim_time_t now_l)
{
    if (c->p.slop_rule == CLK_SLOP_LATE)
        return expires <= now_l;
    return (i128)expires < (i128)now_l + c->p.timer_slop;
}

/* The local time the one-shot is programmed for when the earliest timer
 * is `first`: that, or under CLK_SLOP_LATE no nearer than the slop. */
static sim_time_t program_target(const struct clk_cpu *c, sim_time_t first, sim_time_t now_l)
{
    if (c->p.slop_rule == CLK_SLOP_LATE && (i128)first < (i128)now_l + c->p.timer_slop)
        return sat_add(now_l, c->p.timer_slop);
    return first;
}

/* The first local time at which `first` is due. */
static sim_time_t due_from(const struct clk_cpu *c, sim_time_t first)
{
    return c->p.slop_rule == CLK_SLOP_LATE ? first : sat_add(first - c->p.timer_slop, 1);
}

static void softirq(void *arg);

/* Point the CPU's single pending event at engine time `at`. */
static int arm(struct clk_cpu *c, sim_time_t at, bool apic, sim_time_t deadline)
{
    int rc;
    if (c->irq_ev != EV_NONE) {
        rc = ev_move(c->pub.loop, c->irq_ev, at);
    } else {
        rc = ev_at(c->pub.loop, at, softirq, c, &c->irq_ev);
        if (rc < 0)
            c->irq_ev = EV_NONE;
    }
    if (rc < 0) {
        c->st.program_failures++;
        return rc;
    }
    c->irq_is_apic = apic;
    c->irq_deferred = false;
    c->prog_for = deadline;
    if (apic)
        c->st.apic_programs++;
    return 0;
}

/*
 * Outside the softirq, after the timer set changed. Xen raises the softirq
 * whenever the earliest deadline changes, and the softirq runs what is due
 * and reprograms the one-shot; doing the same directly here saves an engine
 * event whenever nothing is due yet.
 */
static __attribute__((noinline)) int reprogram_slow(struct clk_cpu *c)
{
    struct clk_timer *top = heap_top(c);
    if (!top) {
        if (c->irq_ev != EV_NONE)
            ev_cancel(c->pub.loop, c->irq_ev);
        c->irq_ev = EV_NONE;
        return 0;
    }
    sim_time_t first = top->expires;
    sim_time_t now_e = ev_now(c->pub.loop);
    sim_time_t now_l = clk_now(c);
    sim_time_t delay;
    if (is_due(c, first, now_l) || !apic_delay(c, program_target(c, first, now_l), now_l, &delay))
        return arm(c, now_e, false, first);
    return arm(c, sat_add(now_e, delay), true, first);
}

/* Most changes leave the earliest deadline where the interrupt already is
 * (a timer set behind the top): that answer is a compare, kept out of the
 * frame of the full reprogramming. */
static inline int reprogram(struct clk_cpu *c)
{
    if (c->irq_ev != EV_NONE && c->nheap && c->heap[1]->expires == c->prog_for)
        return 0;
    return reprogram_slow(c);
}

/*
 * At the end of a softirq no remaining timer is due at this engine time. When the one-shot cannot count the
 * distance (zero ticks, or less than 1 ns), Xen's softirq loops re-reading
 * NOW() until the deadline is within the slop; time does not pass inside a
 * handler here, so the softirq is instead raised at the engine time that
 * loop would have ended at.
 */
static void reprogram_after_softirq(struct clk_cpu *c, sim_time_t now_l)
{
    struct clk_timer *top = heap_top(c);
    if (!top)
        return;
    sim_time_t first = top->expires;
    sim_time_t now_e = ev_now(c->pub.loop);
    sim_time_t delay;
    if (apic_delay(c, program_target(c, first, now_l), now_l, &delay) && delay > 0) {
        arm(c, sat_add(now_e, delay), true, first);
        return;
    }
    sim_time_t at;
    if (clk_engine_at(c, due_from(c, first), &at) < 0)
        at = SIM_TIME_MAX;
    arm(c, at > now_e ? at : now_e + 1, false, first);
}

/*
 * The timer softirq (AC_TIMER_SOFTIRQ), as Xen 2.0's softirq loop: while the
 * heap top is due within the slop of NOW(), remove it and run its callback,
 * then look at the top again, so a timer a callback adds or re-arms is seen
 * at once if due; finally program the one-shot for the earliest left. NOW()
 * is read once because callbacks take no engine time.
 */
static void softirq(void *arg)
{
    struct clk_cpu *c = arg;
    c->irq_ev = EV_NONE;
    /* An APIC expiry is taken after everything else already due at the
     * same engine instant (a guest's computation that ends then, a wake),
     * once: the interrupt does not cut in ahead of work that completes at
     * the instant it fires. Events queued at that instant meanwhile come
     * after it. A re-queue that fails leaves the interrupt taken now. */
    sim_time_t at = ev_now(c->pub.loop);
    if (c->irq_is_apic && !c->irq_deferred && ev_next_time(c->pub.loop) == at
        && ev_at(c->pub.loop, at, softirq, c, &c->irq_ev) == 0) {
        c->irq_deferred = true;
        return;
    }
    c->irq_ev = EV_NONE;
    c->irq_deferred = false;
    if (c->irq_is_apic)
        c->st.interrupts++;
    c->st.softirqs++;
    c->in_softirq = true;
    sim_time_t now_l = clk_now(c);
    struct clk_timer *t;
    while ((t = heap_top(c)) && is_due(c, t->expires, now_l)) {
        heap_remove(c, t);
        c->st.timers_fired++;
        t->fn(t->arg);
    }
    c->in_softirq = false;
    reprogram_after_softirq(c, now_l);
}

void clk_timer_init(struct clk_timer *t, struct clk_cpu *c, ev_fn *fn, void *arg)
{
    *t = (struct clk_timer){ .cpu = c, .fn = fn, .arg = arg };
}

int clk_timer_set(struct clk_timer *t, sim_time_t expires)
{
    if (!t || !t->cpu || !t->fn)
        return -SIM_EINVAL;
    struct clk_cpu *c = t->cpu;
    if (t->pos)
        heap_remove(c, t);
    t->expires = expires;
    t->seq = c->sets++;
    int rc = heap_add(c, t);
    if (rc < 0)
        return rc;
    if (c->in_softirq)
        return 0;
    rc = reprogram(c);
    if (rc < 0) {
        /* Only a fresh ev_at can fail, i.e. no interrupt was pending, so
         * withdrawing t restores a consistent state for the others. */
        heap_remove(c, t);
    }
    return rc;
}

void clk_timer_cancel(struct clk_timer *t)
{
    if (!t || !t->pos)
        return;
    struct clk_cpu *c = t->cpu;
    heap_remove(c, t);
    if (!c->in_softirq)
        reprogram(c);
}

bool clk_timer_pending(const struct clk_timer *t)
{
    return t && t->pos != 0;
}
