/*
 * tests/xen-oracle/timers.h: the oracles' timers, shared by the drivers
 * that model a Xen core with one timer list per pCPU (credit34/driver.c,
 * sedf45/driver.c): Xen's init_timer, set_timer and stop_timer over one
 * array of armed timers; each pCPU runs its own due timers in (expiry, set
 * order) (TIMER_SOFTIRQ), a timer set meanwhile included if due. Timers
 * fire exactly at expiry. The time of each pCPU's next interrupt is told to
 * instant.h (oi_reprogram), which orders the pCPUs' interrupts at an
 * instant.
 *
 * shim_common.h declares struct timer (expires, seq, cpu, function, data,
 * active), s_time_t, oracle_now and oracle_cpu; guest.h defines the latter
 * two and includes instant.h, then this file. Header-only: each driver is
 * one translation unit.
 */
#ifndef ORACLE_TIMERS_H
#define ORACLE_TIMERS_H

#define OT_MAXT 1024
static struct timer *ot_timers[OT_MAXT];
static int ot_ntimers;
static unsigned long long ot_seq;
static int ot_in_softirq[OI_MAXCPU];

static s_time_t ot_cpu_first(int cpu)
{
    s_time_t m = INT64_MAX;
    for (int i = 0; i < ot_ntimers; i++)
        if ((int)ot_timers[i]->cpu == cpu && ot_timers[i]->expires < m) m = ot_timers[i]->expires;
    return m;
}

void init_timer(struct timer *t, void (*fn)(void *), void *data, unsigned int cpu)
{
    memset(t, 0, sizeof *t);
    t->function = fn; t->data = data; t->cpu = cpu;
}

void stop_timer(struct timer *t)
{
    if (!t->active) return;
    for (int i = 0; i < ot_ntimers; i++)
        if (ot_timers[i] == t) { ot_timers[i] = ot_timers[--ot_ntimers]; break; }
    t->active = 0;
    if (!ot_in_softirq[t->cpu]) oi_reprogram((int)t->cpu, ot_cpu_first((int)t->cpu));
}

void set_timer(struct timer *t, s_time_t expires)
{
    stop_timer(t);
    if (ot_ntimers == OT_MAXT) { fprintf(stderr, "oracle: too many timers\n"); exit(1); }
    t->expires = expires; t->seq = ot_seq++; t->active = 1;
    ot_timers[ot_ntimers++] = t;
    if (!ot_in_softirq[t->cpu]) oi_reprogram((int)t->cpu, ot_cpu_first((int)t->cpu));
}

/* The due timer of cpu that runs first, or NULL. */
static struct timer *ot_due(int cpu)
{
    struct timer *best = NULL;
    for (int i = 0; i < ot_ntimers; i++) {
        struct timer *t = ot_timers[i];
        if ((int)t->cpu != cpu || t->expires > oracle_now) continue;
        if (!best || t->expires < best->expires || (t->expires == best->expires && t->seq < best->seq))
            best = t;
    }
    return best;
}

/* The earliest expiry of any pCPU's timers. */
static s_time_t ot_next_expiry(void)
{
    s_time_t m = INT64_MAX;
    for (int i = 0; i < ot_ntimers; i++) if (ot_timers[i]->expires < m) m = ot_timers[i]->expires;
    return m;
}

/* TIMER_SOFTIRQ on cpu: run what is due, a timer set meanwhile included if due. */
static int ot_run(int cpu)
{
    int n = 0;
    struct timer *t;
    oracle_cpu = cpu;
    ot_in_softirq[cpu] = 1;
    while ((t = ot_due(cpu))) {
        stop_timer(t);
        t->function(t->data);
        oracle_cpu = cpu;
        n++;
    }
    ot_in_softirq[cpu] = 0;
    if (n) oi_reprogrammed(cpu, ot_cpu_first(cpu));
    return n;
}

#endif
