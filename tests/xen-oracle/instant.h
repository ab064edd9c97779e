/*
 * tests/xen-oracle/instant.h: the order of one instant's events across
 * pCPUs, shared by the oracles' drivers (credit34/driver.c and
 * sedf45/driver.c through guest.h, xen417/driver.c; README.md, "Order at
 * one instant").
 *
 * Xen's pCPUs act concurrently, so events of different pCPUs at the same
 * instant (slice ends, ticks, wakes, blocks) have no defined order, and a
 * sequential driver must choose one. This header holds the choices both
 * drivers offer and the loop that applies them; each driver supplies its
 * guests, timers and scheduling core through struct oi_hooks. At each
 * instant, until nothing is left: the guests whose computation ends now;
 * then the pCPUs with due timers run them (TIMER_SOFTIRQ); then the raised
 * SCHEDULE_SOFTIRQs run schedule() (SCHEDULE comes after TIMER in Xen's
 * softirq order). Across pCPUs:
 *
 *   --instant fifo     guests in the order their computations started,
 *                      timer interrupts in the order each pCPU's one-shot
 *                      timer was last programmed (its earliest expiry last
 *                      changed), softirqs in the order raised: the order of
 *                      xensim's event queue (models/hv.c, sim/clock.c);
 *   --instant index    timers, then softirqs, each in pCPU index order;
 *   --instant per-cpu  each pCPU's timers then its schedule, pCPU by pCPU;
 *   --context-saved deferred  the migration of a vCPU switched away from
 *                      with _VPF_migrating set waits its turn among the
 *                      instant's softirqs, as xensim's context_saved_fn
 *                      event, instead of ending the switch; a pCPU's next
 *                      switch away from a vCPU to migrate ends the one
 *                      still waiting first, as xensim's one pending event
 *                      per pCPU does (needs fifo);
 *   --virq-rearm 1     a computation's place in that order is renewed when
 *                      xensim's Xen 2.0 tick sends VIRQ_TIMER to its
 *                      vCPU 0 (the upcall re-queues the completion); how a
 *                      driver models the tick is its own (hooks).
 *
 * A driver may keep an order of its own as its default (xen417's heap
 * order), run outside oi_instant.
 *
 * Header-only: each driver is one translation unit; everything is static
 * (inline where a driver may not use it).
 */
#ifndef ORACLE_INSTANT_H
#define ORACLE_INSTANT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OI_MAXCPU 64

enum { OI_OWN, OI_FIFO, OI_INDEX, OI_PERCPU };

struct oi_hooks {
    int np;
    /* cpu's running guest has finished its computation now */
    bool (*guest_due)(int cpu);
    /* when that computation started (or was last re-queued), in event order */
    unsigned long long (*guest_key)(int cpu);
    /* it starts its next job, or blocks and schedules at once (the
     * hypercall's return path runs softirqs) */
    void (*guest_step)(int cpu);
    bool (*timers_due)(int cpu);
    /* TIMER_SOFTIRQ on cpu, softirqs it raises left pending; returns the
     * number of timers run */
    int (*run_timers)(int cpu);
    /* cpu's SCHEDULE_SOFTIRQ, if pending: clear it and schedule(); false if
     * it was not pending */
    bool (*run_schedule)(int cpu);
    /* the deferred context_saved of guest vCPU i (--context-saved deferred) */
    void (*migrate)(int i);
    /* before cpu's due timers run (NULL: nothing) */
    void (*before_timers)(int cpu);
};

static int oi_order = OI_FIFO;      /* --instant */
static bool oi_saved_deferred;      /* --context-saved deferred */
static bool oi_virq_rearm;          /* --virq-rearm 1 */

/* Order in which each pCPU's one-shot timer interrupt was last programmed. */
static unsigned long long oi_irq_seq[OI_MAXCPU], oi_irq_counter;
static int64_t oi_irq_for[OI_MAXCPU];

/* The instant's work list in the order raised: a pCPU's SCHEDULE_SOFTIRQ
 * (>= 0), a deferred migration of guest vCPU i (-1 - i), or OI_GONE. */
#define OI_MAXRAISE 4096
#define OI_GONE INT32_MIN
static int oi_raised[OI_MAXRAISE], oi_nraised;

/* Per pCPU, 1 + the slot in oi_raised of the deferred migration its last
 * switch raised and that has not run (0: none). xensim's pCPU holds one
 * pending context_saved_fn event: a switch away from another vCPU asked to
 * migrate first ends the pending one, on the spot (models/hv.c,
 * enter_scheduler). */
static int oi_saved_slot[OI_MAXCPU];

/* Parse one of the order options; own_name (NULL: none) names the driver's
 * own order, the default then. Returns false if opt is not one of them;
 * exits 2 on a bad value. */
static bool oi_option(const char *prog, const char *own_name, const char *opt, const char *val)
{
    if (!strcmp(opt, "--instant")) {
        if (own_name && !strcmp(val, own_name))
            oi_order = OI_OWN;
        else if (!strcmp(val, "fifo"))
            oi_order = OI_FIFO;
        else if (!strcmp(val, "index"))
            oi_order = OI_INDEX;
        else if (!strcmp(val, "per-cpu"))
            oi_order = OI_PERCPU;
        else
            goto bad;
    } else if (!strcmp(opt, "--context-saved")) {
        if (!strcmp(val, "deferred"))
            oi_saved_deferred = true;
        else if (!strcmp(val, "inline"))
            oi_saved_deferred = false;
        else
            goto bad;
    } else if (!strcmp(opt, "--virq-rearm")) {
        if (strcmp(val, "0") && strcmp(val, "1"))
            goto bad;
        oi_virq_rearm = val[0] == '1';
    } else {
        return false;
    }
    return true;
bad:
    fprintf(stderr, "%s: bad value for %s: %s\n", prog, opt, val);
    exit(2);
}

/* After the options: the combinations that make no sense. */
static void oi_check(const char *prog)
{
    if (oi_saved_deferred && oi_order != OI_FIFO) {
        fprintf(stderr, "%s: --context-saved deferred needs --instant fifo\n", prog);
        exit(2);
    }
}

/* cpu's earliest timer expiry is now `first` (INT64_MAX: none): if that
 * changed, its one-shot interrupt is programmed anew, and goes behind the
 * others of the same instant. */
static void oi_reprogram(int cpu, int64_t first)
{
    if (first != oi_irq_for[cpu]) {
        oi_irq_for[cpu] = first;
        oi_irq_seq[cpu] = ++oi_irq_counter;
    }
}

/* After cpu's TIMER_SOFTIRQ: the one-shot is programmed for what is left. */
static void oi_reprogrammed(int cpu, int64_t first)
{
    oi_irq_for[cpu] = -1;
    oi_reprogram(cpu, first);
}

static void oi_raise(int item)
{
    if (oi_nraised == OI_MAXRAISE) {
        fprintf(stderr, "oracle: softirq storm\n");
        exit(1);
    }
    oi_raised[oi_nraised++] = item;
}

/* cpu switched away from guest vCPU i, which is to migrate (--context-saved
 * deferred): its migration waits its turn in the list. */
static inline void oi_defer_saved(int cpu, int i)
{
    oi_raise(-1 - i);
    oi_saved_slot[cpu] = oi_nraised;
}

/* The guest vCPU whose deferred migration cpu raised and that has not run,
 * taken off the list (the caller ends it now); -1 if none. */
static inline int oi_take_saved(int cpu)
{
    int k = oi_saved_slot[cpu] - 1;
    oi_saved_slot[cpu] = 0;
    if (k < 0 || oi_raised[k] == OI_GONE)
        return -1;
    int i = -1 - oi_raised[k];
    oi_raised[k] = OI_GONE;
    return i;
}

/* cpu scheduled outside the list (a block's schedule() on the hypercall's
 * return path): its pending SCHEDULE_SOFTIRQ is done with, as xensim's
 * enter_scheduler cancels it, so a later raise takes a new place. */
static void oi_cancel(int cpu)
{
    for (int i = 0; i < oi_nraised; i++)
        if (oi_raised[i] == cpu)
            oi_raised[i] = OI_GONE;
}

/* The pCPUs with want[c] in the order of key (ascending), ties by index. */
static int oi_by_key(const struct oi_hooks *h, int *out, const unsigned long long *key,
                     const bool *want)
{
    int n = 0;
    for (int c = 0; c < h->np; c++) {
        if (!want[c])
            continue;
        int i = n++;
        while (i > 0 && key[out[i - 1]] > key[c]) {
            out[i] = out[i - 1];
            i--;
        }
        out[i] = c;
    }
    return n;
}

/* Everything due now, until nothing is (the header's comment). */
static void oi_instant(const struct oi_hooks *h)
{
    bool busy;
    do {
        busy = false;
        int ord[OI_MAXCPU], n;
        bool want[OI_MAXCPU];
        unsigned long long key[OI_MAXCPU];
        for (int c = 0; c < h->np; c++) {
            want[c] = h->guest_due(c);
            key[c] = want[c] ? h->guest_key(c) : 0;
        }
        n = oi_by_key(h, ord, key, want);
        for (int i = 0; i < n; i++) {
            if (h->guest_due(ord[i])) {
                h->guest_step(ord[i]);
                busy = true;
            }
        }
        for (int c = 0; c < h->np; c++)
            want[c] = h->timers_due(c);
        if (oi_order == OI_PERCPU) {
            for (int c = 0; c < h->np; c++) {
                if (want[c] && h->before_timers)
                    h->before_timers(c);
                busy |= h->run_timers(c) > 0;
                busy |= h->run_schedule(c);
            }
            oi_nraised = 0;
            continue;
        }
        if (oi_order == OI_FIFO) {
            n = oi_by_key(h, ord, oi_irq_seq, want);
        } else {
            n = 0;
            for (int c = 0; c < h->np; c++)
                if (want[c])
                    ord[n++] = c;
        }
        for (int i = 0; i < n; i++) {
            if (h->before_timers)
                h->before_timers(ord[i]);
            busy |= h->run_timers(ord[i]) > 0;
        }
        if (oi_order == OI_FIFO) {
            for (int i = 0; i < oi_nraised; i++) {     /* a schedule may raise more */
                if (oi_raised[i] == OI_GONE) {
                    continue;
                } else if (oi_raised[i] >= 0) {
                    busy |= h->run_schedule(oi_raised[i]);
                } else {
                    int item = oi_raised[i];
                    oi_raised[i] = OI_GONE;
                    for (int c = 0; c < h->np; c++)
                        if (oi_saved_slot[c] == i + 1)
                            oi_saved_slot[c] = 0;
                    h->migrate(-1 - item);
                    busy = true;
                }
            }
        } else {
            for (int c = 0; c < h->np; c++)
                busy |= h->run_schedule(c);
        }
        oi_nraised = 0;
        memset(oi_saved_slot, 0, sizeof oi_saved_slot);
    } while (busy);
}

#endif
