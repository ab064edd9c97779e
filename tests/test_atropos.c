/*
 * tests/test_atropos.c: unit tests of the Atropos policy
 * (schedulers/atropos.c), driven one scheduling decision at a time through
 * the fake core (tests/sched_fake.h).
 *
 * Every expected number is worked by hand in the comments from the rules of
 * shared/facts/xen-schedulers.md section 3 (summarised in docs/schedulers.md,
 * "Atropos"): do_schedule = charge current, replenish the wait queue heads
 * whose deadline passed, pick the run-queue head or else (idle at the head)
 * the first UNBLOCKED waiter for its remain or else the next xtratime waiter
 * of the global round robin for 5 ms, then slice = max(min(end, first
 * waiting deadline), now + 5 ms). The vCPU chosen stays on its queue until
 * its deschedule requeues it (behind equal deadlines).
 *
 * Admission is Xen 2.0's (at_add_task, then unblock at the unpause). A
 * vCPU created runnable is unpaused at its creation instant: a short block
 * onto the wait queue, WAIT with remain 0 for an unprivileged domain,
 * UNBLOCKED with remain 15 ms for a privileged one, deadline = creation
 * time. The first decision replenishes it at once; a scenario period
 * shorter than the constant's (10 s, or 20 ms privileged) makes that
 * replenishment double the current period past it and so clamp period and
 * slice to the scenario's; an equal one leaves the constants' slice. With
 * sticky WAIT such a vCPU lives on slack. A vCPU created paused and woken
 * later takes the long-block path: latency scaling, `state` still 0, so
 * the run queue.
 *
 * A block calls no hook, so a blocked vCPU keeps its state; do_schedule
 * charges the run that ended in the block only if the vCPU was UNBLOCKED
 * (uncharged_block quirk; off, every run is charged). A pause (fake_pause)
 * is Xen's block(): state BLOCKED, off the queues, so its wake reaches the
 * run queue.
 *
 * Idle vCPUs: pCPU 0's has remain 0 (5 ms minimum slices); every other
 * pCPU's was woken at boot from deadline -1 (long block: remain 10 ms), so
 * its slices are 10 ms, cut at the first waiting deadline, at least 5 ms.
 *
 * Xen 2.0's "sticky WAIT" is on by default (scheduler.atropos.sticky_wait_quirk);
 * tests of the intended semantics turn it off through the scenario block.
 * So are the global slack index and the slack search without wrap-around
 * (global_slack_index_quirk, slack_search_wrap_quirk); the "xen20" tests
 * show each on and off.
 *
 * Internal values (remain, period, deadline) are read back from the
 * policy's dump hook.
 */
#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schedulers/policies.h"
#include "schedulers/sched.h"
#include "sim/err.h"
#include "tests/check_util.h"
#include "tests/sched_fake.h"

#define MS SIM_MSEC
#define SEC SIM_SEC

/* ---------------------------------------------------------------------- */
/* Helpers */

/* A fake core with the given quirk settings (true = Xen 2.0). */
static struct sched_core *core_new_q(int npcpus, bool uncharged_block_quirk,
                                     bool sticky_wait_quirk, bool global_slack_index_quirk,
                                     bool slack_search_wrap_quirk)
{
    struct scn_sched_global g = fake_sched_defaults();
    g.atropos.uncharged_block_quirk = uncharged_block_quirk;
    g.atropos.sticky_wait_quirk = sticky_wait_quirk;
    g.atropos.global_slack_index_quirk = global_slack_index_quirk;
    g.atropos.slack_search_wrap_quirk = slack_search_wrap_quirk;
    struct sched_core *c;
    ck_assert_int_eq(fake_core_new(&sched_atropos_ops, npcpus, &g, &c), 0);
    return c;
}

/* The slack round-robin quirks on, as Xen 2.0. */
static struct sched_core *core_new(int npcpus, bool uncharged_block_quirk,
                                   bool sticky_wait_quirk)
{
    return core_new_q(npcpus, uncharged_block_quirk, sticky_wait_quirk, true, true);
}


static struct scn_domain at_dom(sim_time_t period, sim_time_t slice, sim_time_t latency,
                                bool xtratime)
{
    struct scn_domain d = fake_domain_defaults();
    d.atropos.set = true;
    d.atropos.period = period;
    d.atropos.slice = slice;
    d.atropos.latency = latency;
    d.atropos.xtratime = xtratime;
    return d;
}

/* A CPU hog with the scenario defaults of an unprivileged domain. */
static struct scn_domain hog_dom(void)
{
    return fake_domain_defaults();
}

static struct sched_vcpu *vnew(struct sched_core *c, const struct scn_domain *d, int pcpu,
                               bool runnable)
{
    struct sched_vcpu *v;
    ck_assert_int_eq(fake_vcpu_new(c, d, pcpu, runnable, &v), 0);
    return v;
}

/* One vCPU's line of the dump hook. */
struct view {
    char state[16];
    int64_t deadline, prevddln, remain, period, nat_period, slice, nat_slice, latency;
};

static struct view view(struct sched_core *c, const struct sched_vcpu *v)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ck_assert_ptr_nonnull(f);
    sched_atropos_ops.dump(fake_policy(c), f);
    fclose(f);

    char key[32];
    snprintf(key, sizeof key, "vcpu %d (", v->id);
    const char *line = strstr(buf, key);
    ck_assert_msg(line != NULL, "vcpu %d not in dump:\n%s", v->id, buf);
    struct view w;
    memset(&w, 0, sizeof w);
    int n = sscanf(line,
                   "vcpu %*d (dom %*d.%*d) %15s deadline %" SCNd64 " prevddln %" SCNd64
                   " remain %" SCNd64 " period %" SCNd64 "/%" SCNd64 " slice %" SCNd64
                   "/%" SCNd64 " latency %" SCNd64,
                   w.state, &w.deadline, &w.prevddln, &w.remain, &w.period, &w.nat_period,
                   &w.slice, &w.nat_slice, &w.latency);
    ck_assert_int_eq(n, 9);
    free(buf);
    return w;
}

/* A record of who ran when on a pCPU, for CPU time inside a window. */
#define MAX_SEGS 20000
struct seg {
    sim_time_t start, end;      /* ns NOW() */
    int id;                     /* sched_vcpu.id */
};
static struct seg segs[MAX_SEGS];
static int nsegs;

/* One scheduling decision on pcpu, the chosen vCPU running its whole
 * slice (every runnable vCPU is CPU-bound). */
static struct sched_slice step(struct sched_core *c, int pcpu)
{
    struct sched_slice s = fake_schedule(c, pcpu);
    sim_time_t now = sched_now(c, pcpu);
    ck_assert_int_gt(s.slice, 0);
    ck_assert_int_lt(nsegs, MAX_SEGS);
    segs[nsegs++] = (struct seg){ now, now + s.slice, s.next->id };
    fake_advance(c, pcpu, s.slice);
    return s;
}

static void run_until(struct sched_core *c, int pcpu, sim_time_t until)
{
    while (sched_now(c, pcpu) < until)
        step(c, pcpu);
}

/* ns that vCPU v ran inside [from, to), from the recorded slices. */
static sim_time_t ran(const struct sched_vcpu *v, sim_time_t from, sim_time_t to)
{
    sim_time_t sum = 0;
    for (int i = 0; i < nsegs; i++) {
        if (segs[i].id != v->id)
            continue;
        sim_time_t a = segs[i].start > from ? segs[i].start : from;
        sim_time_t b = segs[i].end < to ? segs[i].end : to;
        if (b > a)
            sum += b - a;
    }
    return sum;
}

static void trace_reset(void)
{
    nsegs = 0;
}

/* ---------------------------------------------------------------------- */
/* Parameter validation (Xen's at_adjdom) */

START_TEST(test_alloc_rejects)
{
    struct sched_core *c = core_new(1, true, true);
    struct sched_vcpu *v;
    struct scn_domain d;

    d = at_dom(100 * MS, 20 * MS, 0, true);             /* latency 0 */
    ck_assert_int_eq(fake_vcpu_new(c, &d, 0, true, &v), -SIM_EINVAL);
    ck_assert_ptr_null(v);
    d = at_dom(100 * MS, 20 * MS, 100 * MS + 1, true);  /* latency > period */
    ck_assert_int_eq(fake_vcpu_new(c, &d, 0, true, &v), -SIM_EINVAL);
    d = at_dom(100 * MS, 100 * MS + 1, 10 * MS, true);  /* slice > period */
    ck_assert_int_eq(fake_vcpu_new(c, &d, 0, true, &v), -SIM_EINVAL);
    d = at_dom(100 * MS, -1, 10 * MS, true);            /* negative slice */
    ck_assert_int_eq(fake_vcpu_new(c, &d, 0, true, &v), -SIM_EINVAL);
    d = at_dom(0, 0, 0, true);                          /* period 0 needs latency 0 */
    ck_assert_int_eq(fake_vcpu_new(c, &d, 0, true, &v), -SIM_EINVAL);

    /* The limits themselves are accepted, as are a zero slice and the
     * defaults. */
    d = at_dom(100 * MS, 100 * MS, 100 * MS, false);
    ck_assert_int_eq(fake_vcpu_new(c, &d, 0, true, &v), 0);
    d = at_dom(100 * MS, 0, 1, false);
    ck_assert_int_eq(fake_vcpu_new(c, &d, 0, true, &v), 0);
    d = hog_dom();
    ck_assert_int_eq(fake_vcpu_new(c, &d, 0, true, &v), 0);
    fake_core_free(c);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* EDF and the minimum slice */

START_TEST(test_edf_order)
{
    struct sched_core *c = core_new(1, true, true);
    trace_reset();
    /* Both created blocked at 0 (deadline 0) and woken at 1 ms: long
     * blocks. A: slice 20 ms / (100 / 40) = 10 ms, deadline 41 ms.
     * B: 20 ms / (100 / 10) = 2 ms, deadline 11 ms. */
    struct scn_domain da = at_dom(100 * MS, 20 * MS, 40 * MS, false);
    struct scn_domain db = at_dom(100 * MS, 20 * MS, 10 * MS, false);
    struct sched_vcpu *a = vnew(c, &da, 0, false);
    struct sched_vcpu *b = vnew(c, &db, 0, false);
    fake_set_now(c, 0, 1 * MS);
    fake_wake(c, a);
    fake_wake(c, b);
    ck_assert_int_eq(view(c, a).deadline, 41 * MS);
    ck_assert_int_eq(view(c, b).deadline, 11 * MS);

    /* B first although A woke first: earlier deadline. Its remain of 2 ms
     * is raised to the 5 ms minimum. */
    struct sched_slice s = step(c, 0);
    ck_assert_ptr_eq(s.next, b);
    ck_assert_int_eq(s.slice, 5 * MS);
    /* At 6 ms B is 2 - 5 = -3 ms in deficit, WAIT until 11 ms; A runs,
     * cut from 6 + 10 = 16 ms to B's deadline at 11 ms. */
    s = step(c, 0);
    ck_assert_ptr_eq(s.next, a);
    ck_assert_int_eq(s.slice, 5 * MS);
    ck_assert_int_eq(view(c, b).remain, -3 * MS);
    ck_assert_str_eq(view(c, b).state, "wait");
    fake_core_free(c);
}
END_TEST

START_TEST(test_min_slice_and_waitq_cut)
{
    struct sched_core *c = core_new(1, true, true);
    trace_reset();
    /* Created at 0 they would both start WAIT on the wait queue; created
     * paused and woken at 1 ms they take the long-block path (no scaling,
     * latency = period) onto the run queue with state 0:
     * Q (8 ms / 1 ms, no xtratime): remain 1, deadline 9.
     * P (20 ms / 15 ms, xtratime): remain 15, deadline 21. */
    struct scn_domain dq = at_dom(8 * MS, 1 * MS, 8 * MS, false);
    struct scn_domain dp = at_dom(20 * MS, 15 * MS, 20 * MS, true);
    struct sched_vcpu *q = vnew(c, &dq, 0, false);
    struct sched_vcpu *p = vnew(c, &dp, 0, false);
    fake_set_now(c, 0, 1 * MS);
    fake_wake(c, q);
    fake_wake(c, p);
    ck_assert_int_eq(view(c, q).deadline, 9 * MS);
    ck_assert_int_eq(view(c, p).deadline, 21 * MS);

    /* 1: run queue [Q(9), P(21)], wait queue empty. Q: 1 + 1 = 2 raised
     * to the minimum, 6: 5 ms. */
    struct sched_slice s = step(c, 0);
    ck_assert_ptr_eq(s.next, q);
    ck_assert_int_eq(s.slice, 5 * MS);
    /* 6: Q charged 1 - 5 = -4: WAIT, wait queue [Q(9)]. P: 6 + 15 = 21,
     * cut at Q's deadline 9, raised to the minimum 11: 5 ms (the minimum
     * wins over the cut). */
    s = step(c, 0);
    ck_assert_ptr_eq(s.next, p);
    ck_assert_int_eq(s.slice, 5 * MS);
    ck_assert_int_eq(view(c, q).remain, -4 * MS);
    ck_assert_str_eq(view(c, q).state, "wait");
    /* 11: P 15 - 5 = 10, back on the run queue. Q replenished (9 <= 11):
     * -4 + 1 = -3, deadline 17, WAIT. P: 11 + 10 = 21 cut at 17: 6 ms,
     * less than its remain. */
    s = step(c, 0);
    ck_assert_ptr_eq(s.next, p);
    ck_assert_int_eq(s.slice, 6 * MS);
    ck_assert_int_eq(view(c, q).remain, -3 * MS);
    ck_assert_int_eq(view(c, q).deadline, 17 * MS);
    ck_assert_int_eq(view(c, p).remain, 10 * MS);
    /* 17: P 10 - 6 = 4. Q: -2, deadline 25. P: 17 + 4 = 21 (< 25) raised
     * to 22: 5 ms, more than its remain. */
    s = step(c, 0);
    ck_assert_ptr_eq(s.next, p);
    ck_assert_int_eq(s.slice, 5 * MS);
    ck_assert_int_eq(view(c, q).deadline, 25 * MS);
    /* 22: P 4 - 5 = -1: WAIT, wait queue [P(21), Q(25)]; P replenished at
     * once: period = natural, -1 + 15 = 14, deadline 41, still WAIT
     * (sticky): [Q(25), P(41)]. Only idle on the run queue (remain 0: 22);
     * no UNBLOCKED; the round robin from index 0 skips Q (no xtratime) and
     * takes P at position 1: 27, cut at 25, raised to 27: 5 ms. */
    s = step(c, 0);
    ck_assert_ptr_eq(s.next, p);
    ck_assert_int_eq(s.slice, 5 * MS);
    struct view w = view(c, p);
    ck_assert_str_eq(w.state, "wait");
    ck_assert_int_eq(w.remain, 14 * MS);
    ck_assert_int_eq(w.deadline, 41 * MS);
    ck_assert_int_eq(w.prevddln, 21 * MS);
    fake_core_free(c);
}
END_TEST

/* With nothing to run the idle vCPU gets 5 ms slices, even when a waiting
 * deadline is nearer: the minimum wins over the cut. */
START_TEST(test_idle_slice)
{
    struct sched_core *c = core_new(1, true, true);
    trace_reset();
    struct sched_slice s = step(c, 0);
    ck_assert(s.next->is_idle);
    ck_assert_int_eq(s.slice, 5 * MS);

    /* A (10 ms / 1 ms, no xtratime) created blocked at 5 ms and woken at
     * 6 ms: long block, slice 1 ms / (10 / 10) = 1 ms, deadline 16 ms.
     * Dispatched at 10 ms for 5 ms (> remain), WAIT at 15 with -4 ms; at
     * 15 the idle slice is min(15, 16) raised to 20. */
    struct scn_domain da = at_dom(10 * MS, 1 * MS, 10 * MS, false);
    struct sched_vcpu *a = vnew(c, &da, 0, false);
    fake_set_now(c, 0, 6 * MS);
    fake_wake(c, a);
    fake_set_now(c, 0, 10 * MS);
    s = step(c, 0);
    ck_assert_ptr_eq(s.next, a);
    ck_assert_int_eq(s.slice, 5 * MS);
    s = step(c, 0);
    ck_assert(s.next->is_idle);
    ck_assert_int_eq(s.slice, 5 * MS);
    ck_assert_int_eq(view(c, a).remain, -4 * MS);
    fake_core_free(c);
}
END_TEST

/*
 * The idle vCPU of pCPU 1 was woken at boot from deadline -1: a long block,
 * remain = 10 ms / (10 s / 10 s) = 10 ms, never charged. With nothing to run
 * its slices are 10 ms (pCPU 0's stay 5 ms); a waiting vCPU's deadline cuts
 * them, down to the 5 ms minimum.
 */
START_TEST(test_idle_slice_secondary_pcpu)
{
    struct sched_core *c = core_new(2, true, true);
    trace_reset();
    /* Nothing to run: 0, 10, 20 on pCPU 1; 0, 5, 10 on pCPU 0. */
    for (int i = 0; i < 3; i++) {
        struct sched_slice s1 = step(c, 1);
        ck_assert(s1.next->is_idle);
        ck_assert_int_eq(s1.slice, 10 * MS);
        struct sched_slice s0 = step(c, 0);
        ck_assert(s0.next->is_idle);
        ck_assert_int_eq(s0.slice, 5 * MS);
    }
    ck_assert_int_eq(sched_now(c, 1), 30 * MS);

    /* A (7 ms / 1 ms, no xtratime) created on pCPU 1 at 30: WAIT, remain 0,
     * deadline 30. 30: replenished: period 10 s doubled past 7 ms, clamped
     * to 7/1; remain 0 + 1 = 1, deadline 37, WAIT. Idle (no xtratime
     * waiter): 30 + 10 = 40 cut at 37: 7 ms. 37: remain 1 > 0 reset to 1,
     * deadline 44; idle 47 cut at 44: 7 ms. */
    struct scn_domain da = at_dom(7 * MS, 1 * MS, 7 * MS, false);
    struct sched_vcpu *a = vnew(c, &da, 1, true);
    struct sched_slice s = step(c, 1);
    ck_assert(s.next->is_idle);
    ck_assert_int_eq(s.slice, 7 * MS);
    ck_assert_int_eq(view(c, a).deadline, 37 * MS);
    s = step(c, 1);
    ck_assert(s.next->is_idle);
    ck_assert_int_eq(s.slice, 7 * MS);
    ck_assert_int_eq(view(c, a).deadline, 44 * MS);
    ck_assert_int_eq(view(c, a).remain, 1 * MS);

    /* B (3 ms / 1 ms, no xtratime) created at 44: WAIT, deadline 44, behind
     * A (44). 44: A -> 51; B clamped to 3/1, remain 1, deadline 47: [B(47),
     * A(51)]. Idle: 54 cut at 47, raised to 49: 5 ms. 49: B -> 50; idle
     * 59 cut at 50, raised to 54: 5 ms. 54: B -> 53 -> 56 (twice in one
     * pass), A -> 58; idle 64 cut at 56, raised to 59: 5 ms. */
    struct scn_domain db = at_dom(3 * MS, 1 * MS, 3 * MS, false);
    struct sched_vcpu *b = vnew(c, &db, 1, true);
    for (int i = 0; i < 3; i++) {
        s = step(c, 1);
        ck_assert(s.next->is_idle);
        ck_assert_int_eq(s.slice, 5 * MS);
    }
    ck_assert_int_eq(view(c, b).deadline, 56 * MS);
    ck_assert_int_eq(view(c, a).deadline, 58 * MS);
    /* pCPU 0 never saw them: still 5 ms idle slices. */
    s = step(c, 0);
    ck_assert(s.next->is_idle);
    ck_assert_int_eq(s.slice, 5 * MS);
    fake_core_free(c);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* Replenishment */

START_TEST(test_deficit_carry_over)
{
    struct sched_core *c = core_new(1, true, false);
    trace_reset();
    /* A: 1 ms every 10 ms, latency 10 ms, no xtratime, woken at 1 ms from
     * a long block: period 10, slice 1, remain 1, deadline 11.
     * 1: runs 5 ms (minimum) -> remain -4 at 6.
     * Replenishments add the slice to the deficit: 11: -3, 21: -2,
     * 31: -1, 41: 0 (still WAIT), 51: +1 -> run queue, dispatched at 51.
     * Had the deficit been forgiven it would run again at 11. */
    struct scn_domain da = at_dom(10 * MS, 1 * MS, 10 * MS, false);
    struct sched_vcpu *a = vnew(c, &da, 0, false);
    fake_set_now(c, 0, 1 * MS);
    fake_wake(c, a);
    struct sched_slice s = step(c, 0);
    ck_assert_ptr_eq(s.next, a);
    run_until(c, 0, 12 * MS);       /* decisions at 6 and 11 */
    ck_assert_int_eq(view(c, a).remain, -3 * MS);
    ck_assert_int_eq(view(c, a).deadline, 21 * MS);
    ck_assert_int_eq(view(c, a).prevddln, 11 * MS);
    run_until(c, 0, 42 * MS);
    ck_assert_int_eq(view(c, a).remain, 0);
    ck_assert_str_eq(view(c, a).state, "wait");
    ck_assert_int_eq(ran(a, 6 * MS, 51 * MS), 0);

    /* The cycle repeats every 50 ms: 5 ms per 50 = 1 ms per 10 ms, the
     * reservation exactly, the minimum slice's overrun paid back. Runs at
     * 1, 51, ..., 951: 20 x 5 ms in [0, 1001 ms). */
    run_until(c, 0, 1001 * MS);
    ck_assert_int_eq(ran(a, 51 * MS, 56 * MS), 5 * MS);
    ck_assert_int_eq(ran(a, 0, 1001 * MS), 100 * MS);
    fake_core_free(c);
}
END_TEST

/* Unused guaranteed time does not accumulate: remain > 0 at a new period
 * is reset to the slice, not added to. */
START_TEST(test_remain_reset)
{
    struct sched_core *c = core_new(1, true, true);
    trace_reset();
    /* A: 20 ms / 100 ms, latency 100 ms, created blocked, woken at 1 ms:
     * slice 20 / (100 / 100) = 20 ms, remain 20, deadline 101 ms. */
    struct scn_domain da = at_dom(100 * MS, 20 * MS, 100 * MS, false);
    struct sched_vcpu *a = vnew(c, &da, 0, false);
    fake_set_now(c, 0, 1 * MS);
    fake_wake(c, a);
    struct sched_slice s = fake_schedule(c, 0);
    ck_assert_ptr_eq(s.next, a);
    ck_assert_int_eq(s.slice, 20 * MS);
    /* It blocks 5 ms in, keeping the state 0 of its admission (no hook):
     * neither runnable nor UNBLOCKED, so not charged (quirk), remain 20;
     * idle runs. */
    fake_advance(c, 0, 5 * MS);
    fake_block(c, a);
    s = fake_schedule(c, 0);
    ck_assert(s.next->is_idle);
    ck_assert_int_eq(view(c, a).remain, 20 * MS);
    ck_assert_str_eq(view(c, a).state, "none");
    /* Woken at 50 ms: short block (101 > 50), UNBLOCKED, remain 20. With
     * no decision before 101 ms, the replenishment then finds remain
     * 20 > 0: remain = slice = 20 (not 40), deadline 201. */
    fake_set_now(c, 0, 50 * MS);
    fake_wake(c, a);
    ck_assert_str_eq(view(c, a).state, "unblocked");
    fake_set_now(c, 0, 101 * MS);
    fake_schedule(c, 0);
    ck_assert_int_eq(view(c, a).remain, 20 * MS);
    ck_assert_int_eq(view(c, a).deadline, 201 * MS);
    ck_assert_int_eq(view(c, a).prevddln, 101 * MS);
    /* Xen 2.0: still UNBLOCKED (nothing resets it); it is preferred for
     * slack with its fresh 20 ms. */
    ck_assert_str_eq(view(c, a).state, "unblocked");
    fake_core_free(c);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* Wake after a long block: latency scaling and doubling back */

START_TEST(test_long_block_scaling)
{
    struct sched_core *c = core_new(1, true, true);
    trace_reset();
    /* nat 100 ms / 20 ms, latency 10 ms: period 10 ms, slice
     * 20 / (100 / 10) = 2 ms, remain 2 ms, deadline now + 10 ms. */
    struct scn_domain dl = at_dom(100 * MS, 20 * MS, 10 * MS, false);
    struct sched_vcpu *l = vnew(c, &dl, 0, false);
    fake_set_now(c, 0, 1 * SEC);
    fake_wake(c, l);
    struct view w = view(c, l);
    ck_assert_int_eq(w.period, 10 * MS);
    ck_assert_int_eq(w.slice, 2 * MS);
    ck_assert_int_eq(w.remain, 2 * MS);
    ck_assert_int_eq(w.deadline, 1 * SEC + 10 * MS);
    ck_assert_int_eq(w.prevddln, 1 * SEC);
    ck_assert_int_eq(w.nat_period, 100 * MS);
    ck_assert_int_eq(w.nat_slice, 20 * MS);

    /* Each replenishment doubles both until the period would pass the
     * natural one, then both are clamped: deadlines step by the new
     * period. 1.010: 20/4 -> 1.030; 1.030: 40/8 -> 1.070; 1.070: 80/16
     * -> 1.150; 1.150: 160 > 100 -> 100/20 -> 1.250; then 100/20. */
    static const int64_t want[][3] = {  /* period, slice, deadline (ms) */
        { 10, 2, 1010 }, { 20, 4, 1030 }, { 40, 8, 1070 },
        { 80, 16, 1150 }, { 100, 20, 1250 }, { 100, 20, 1350 },
    };
    int seen = 1;
    int64_t last = w.deadline;
    while (sched_now(c, 0) < 1300 * MS) {
        step(c, 0);
        w = view(c, l);
        if (w.deadline == last)
            continue;
        ck_assert_int_lt(seen, 6);
        ck_assert_int_eq(w.period, want[seen][0] * MS);
        ck_assert_int_eq(w.slice, want[seen][1] * MS);
        ck_assert_int_eq(w.deadline, want[seen][2] * MS);
        ck_assert_int_eq(w.prevddln, last);
        last = w.deadline;
        seen++;
    }
    ck_assert_int_eq(seen, 6);
    fake_core_free(c);
}
END_TEST

/* A latency that does not divide the period: integer division twice. */
START_TEST(test_long_block_scaling_rounding)
{
    struct sched_core *c = core_new(1, true, true);
    /* nat 100 ms / 20 ms, latency 30 ms: 100 / 30 = 3, slice
     * 20 ms / 3 = 6666666 ns; period 30 -> 60 -> 120 > 100: 100/20. */
    struct scn_domain dl = at_dom(100 * MS, 20 * MS, 30 * MS, false);
    struct sched_vcpu *l = vnew(c, &dl, 0, false);
    fake_set_now(c, 0, 1 * SEC);
    fake_wake(c, l);
    struct view w = view(c, l);
    ck_assert_int_eq(w.period, 30 * MS);
    ck_assert_int_eq(w.slice, 6666666);
    ck_assert_int_eq(w.remain, 6666666);
    fake_core_free(c);
}
END_TEST

/* The bound: dispatched within the latency hint plus the 5 ms
 * minimum slice of whoever runs. Two CPU hogs live on slack (5 ms quanta);
 * the woken vCPU waits on the run queue for the current quantum to end
 * (wake does not preempt) and is then the run queue's head. */
START_TEST(test_long_block_dispatch)
{
    struct sched_core *c = core_new(1, true, true);
    trace_reset();
    struct scn_domain dh = hog_dom();
    vnew(c, &dh, 0, true);
    vnew(c, &dh, 0, true);
    struct scn_domain dl = at_dom(100 * MS, 20 * MS, 10 * MS, false);
    struct sched_vcpu *l = vnew(c, &dl, 0, false);
    run_until(c, 0, 1 * SEC);

    /* Wake instants at various points of the 5 ms quantum grid. */
    static const sim_time_t offs[] = { 0, 300 * SIM_USEC, 1700 * SIM_USEC, 2500 * SIM_USEC,
                                       4100 * SIM_USEC, 4999 * SIM_USEC };
    for (size_t k = 0; k < sizeof offs / sizeof offs[0]; k++) {
        sim_time_t tw = (1 + (sim_time_t)k) * SEC + offs[k];
        /* Run up to the decision that covers tw. */
        struct sched_slice s;
        for (;;) {
            s = fake_schedule(c, 0);
            ck_assert_ptr_ne(s.next, l);
            if (sched_now(c, 0) + s.slice > tw)
                break;
            fake_advance(c, 0, s.slice);
        }
        sim_time_t end = sched_now(c, 0) + s.slice;
        fake_set_now(c, 0, tw);
        int tickles = fake_ntickles(c, 0);
        fake_wake(c, l);
        ck_assert_str_eq(view(c, l).state, "none");             /* run queue */
        ck_assert_int_eq(fake_ntickles(c, 0), tickles);         /* no preemption */
        ck_assert_int_eq(fake_nearlier(c, 0, NULL), 0);
        fake_set_now(c, 0, end);
        s = fake_schedule(c, 0);
        ck_assert_ptr_eq(s.next, l);
        ck_assert_int_le(end - tw, 5 * MS);
        ck_assert_int_le(end - tw, dl.atropos.latency + 5 * MS);
        /* Its 2 ms are raised to the minimum; then it blocks until well
         * after its deadline. It keeps the state 0 of its admission, so
         * the run is not charged (quirk) and each wake is a long block
         * onto the run queue. */
        ck_assert_int_eq(s.slice, 5 * MS);
        fake_advance(c, 0, s.slice);
        fake_block(c, l);
    }
    fake_core_free(c);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* Wake after a short block: UNBLOCKED, first in line for slack; and the
 * uncharged-block quirk */

/*
 * S (50 ms / 100 ms, latency 100 ms, xtratime) and hog H, created runnable
 * at 0 in that order: both WAIT with remain 0 and deadline 0, so S reaches
 * its short block from slack, in WAIT.
 * 0: S replenished: period 10 s doubled past 100 ms, clamped to 100/50;
 *    remain 0 + 50 = 50, deadline 100, WAIT (sticky). H: period = natural,
 *    remain 0 + 10 = 10, deadline 10 s. Wait queue [S(100), H(10 s)].
 *    Idle heads the run queue; no UNBLOCKED; round robin from 0: S (index
 *    1), 5 ms.
 * 5: S charged (sticky: slack counts): 45. Index 1: H (index 2), 5 ms.
 * 10: H 10 - 5 = 5. Index 2 >= 2 -> 0: S (index 1), 5 ms.
 * 12: S blocks: no hook, its state stays WAIT. The decision at 12 finds it
 *     not runnable and not UNBLOCKED: quirk on, not charged, remain 45; off,
 *     45 - 2 = 43. Either way off the queues. Wait queue [H]: index 1 >= 1
 *     -> 0: H (index 1) for 5 ms.
 * 14: S wakes; 100 > 14: short block, remain > 0: UNBLOCKED, [S, H]. No
 *     tickle, no earlier decision.
 * 17: H 5 - 5 = 0. S is first for slack although the round robin points
 *     past it: slice = remain = 45 ms (quirk off: 43), below its deadline.
 */
static sim_time_t short_block_slice(bool quirk)
{
    struct sched_core *c = core_new(1, quirk, true);
    trace_reset();
    struct scn_domain ds = at_dom(100 * MS, 50 * MS, 100 * MS, true);
    struct scn_domain dh = hog_dom();
    struct sched_vcpu *s = vnew(c, &ds, 0, true);
    struct sched_vcpu *h = vnew(c, &dh, 0, true);
    ck_assert_str_eq(view(c, s).state, "wait");
    ck_assert_int_eq(view(c, s).remain, 0);

    ck_assert_ptr_eq(step(c, 0).next, s);
    ck_assert_int_eq(view(c, s).deadline, 100 * MS);
    ck_assert_ptr_eq(step(c, 0).next, h);
    struct sched_slice sl = fake_schedule(c, 0);
    ck_assert_ptr_eq(sl.next, s);
    ck_assert_int_eq(sl.slice, 5 * MS);
    ck_assert_int_eq(view(c, s).remain, 45 * MS);

    fake_advance(c, 0, 2 * MS);
    fake_block(c, s);
    ck_assert_int_eq(fake_ntickles(c, 0), 0);   /* no hook raised anything */
    ck_assert_str_eq(view(c, s).state, "wait");
    sl = fake_schedule(c, 0);
    ck_assert_ptr_eq(sl.next, h);
    ck_assert_int_eq(sl.slice, 5 * MS);
    ck_assert_str_eq(view(c, s).state, "wait");
    ck_assert_int_eq(view(c, s).remain, quirk ? 45 * MS : 43 * MS);

    fake_advance(c, 0, 2 * MS);
    fake_wake(c, s);
    ck_assert_str_eq(view(c, s).state, "unblocked");
    ck_assert_int_eq(fake_ntickles(c, 0), 0);
    ck_assert_int_eq(fake_nearlier(c, 0, NULL), 0);

    fake_advance(c, 0, 3 * MS);
    sl = fake_schedule(c, 0);
    ck_assert_ptr_eq(sl.next, s);
    sim_time_t got = sl.slice;
    /* Its run is charged (UNBLOCKED): at 17 + slice, remain 0 -> WAIT, and
     * the round robin (index 1 after H) gives H the next quantum. */
    fake_advance(c, 0, sl.slice);
    sl = fake_schedule(c, 0);
    ck_assert_ptr_eq(sl.next, h);
    ck_assert_int_eq(view(c, s).remain, 0);
    ck_assert_str_eq(view(c, s).state, "wait");
    fake_core_free(c);
    return got;
}

START_TEST(test_short_block_unblocked_first)
{
    ck_assert_int_eq(short_block_slice(true), 45 * MS);
}
END_TEST

START_TEST(test_uncharged_block_quirk_off)
{
    ck_assert_int_eq(short_block_slice(false), 43 * MS);
}
END_TEST

/*
 * A block calls no hook, so the run that ends in it is charged by state:
 * UNBLOCKED is charged (Xen 2.0 charged a vCPU runnable or UNBLOCKED), WAIT
 * is not unless the uncharged_block quirk is off. P is privileged (20 ms /
 * 15 ms, latency 5 ms, xtratime), H a hog; both created runnable at 0:
 * P UNBLOCKED with Xen's dom0 remain of 15 ms, H WAIT with remain 0, both
 * deadline 0.
 * 0: P replenished: period = natural 20 ms, remain 15 > 0 reset to the
 *    slice 15, deadline 20, still UNBLOCKED; H: 0 + 10 = 10, deadline
 *    10 s. [P(20), H(10 s)]. Idle at the head; P, the first UNBLOCKED, for
 *    its remain: 15, cut at 20 no earlier: 15 ms.
 * 4: P blocks: charged 15 - 4 = 11 (> 0, stays UNBLOCKED), off the queues.
 *    [H]: round robin from 0: H, 5 ms.
 * 9: H blocks, in WAIT: quirk on not charged, remain 10; off 10 - 5 = 5.
 *    Nothing waits: idle, 5 ms.
 * 12: P wakes: 20 >= 12, short block, remain 11 > 0: UNBLOCKED, [P(20)].
 * 14: P, the first UNBLOCKED, for its remain: 14 + 11 = 25, cut at its
 *     deadline 20: 6 ms (the cut would be the same with remain 15, hence
 *     the remain read from the dump above).
 * 20: P 11 - 6 = 5, replenished at once: 5 > 0 reset to 15, deadline 40;
 *     again P, the only UNBLOCKED. CPU time: P 4 + 6 ms, H 5 ms.
 */
static void block_charge(bool quirk)
{
    struct sched_core *c = core_new(1, quirk, true);
    trace_reset();
    struct scn_domain dp = at_dom(20 * MS, 15 * MS, 5 * MS, true);
    dp.privileged = true;
    struct scn_domain dh = hog_dom();
    struct sched_vcpu *p = vnew(c, &dp, 0, true);
    struct sched_vcpu *h = vnew(c, &dh, 0, true);
    ck_assert_str_eq(view(c, p).state, "unblocked");
    ck_assert_int_eq(view(c, p).remain, 15 * MS);
    ck_assert_str_eq(view(c, h).state, "wait");

    struct sched_slice s = fake_schedule(c, 0);
    ck_assert_ptr_eq(s.next, p);
    ck_assert_int_eq(s.slice, 15 * MS);
    ck_assert_int_eq(view(c, p).deadline, 20 * MS);
    fake_advance(c, 0, 4 * MS);
    fake_block(c, p);
    s = fake_schedule(c, 0);
    ck_assert_ptr_eq(s.next, h);
    ck_assert_int_eq(s.slice, 5 * MS);
    ck_assert_str_eq(view(c, p).state, "unblocked");
    ck_assert_int_eq(view(c, p).remain, 11 * MS);

    fake_advance(c, 0, 5 * MS);
    fake_block(c, h);
    s = fake_schedule(c, 0);
    ck_assert(s.next->is_idle);
    ck_assert_int_eq(s.slice, 5 * MS);
    ck_assert_str_eq(view(c, h).state, "wait");
    ck_assert_int_eq(view(c, h).remain, quirk ? 10 * MS : 5 * MS);
    ck_assert_int_eq(view(c, p).remain, 11 * MS);

    fake_advance(c, 0, 3 * MS);
    fake_wake(c, p);
    ck_assert_str_eq(view(c, p).state, "unblocked");
    fake_advance(c, 0, 2 * MS);
    s = fake_schedule(c, 0);
    ck_assert_ptr_eq(s.next, p);
    ck_assert_int_eq(s.slice, 6 * MS);
    fake_advance(c, 0, s.slice);
    s = fake_schedule(c, 0);
    ck_assert_ptr_eq(s.next, p);
    ck_assert_int_eq(view(c, p).remain, 15 * MS);
    ck_assert_int_eq(view(c, p).deadline, 40 * MS);
    ck_assert_int_eq(fake_cpu_time(c, p), 4 * MS + 6 * MS);
    ck_assert_int_eq(fake_cpu_time(c, h), 5 * MS);
    fake_core_free(c);
}

START_TEST(test_block_charge_by_state)
{
    block_charge(true);
}
END_TEST

START_TEST(test_block_charge_quirk_off)
{
    block_charge(false);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* Shares against CPU hogs, with the what-if semantics (sticky WAIT off) */

/*
 * M: 20 ms every 100 ms, no xtratime; one hog H, both created runnable at
 * 0 (WAIT, remain 0, deadline 0). Sticky WAIT off.
 * 0: M replenished: clamped to 100/20, remain 20, deadline 100, and with
 *    time left back to state 0: run queue. H: remain 10, deadline 10 s, run
 *    queue. M (deadline 100) for its 20 ms.
 * 20: M 0: WAIT. H for min(30, 100): 10 ms -> 0 at 30, WAIT.
 * 30..100: H's slack quanta (free: slack is not charged with sticky WAIT
 *    off), 5 ms each, the round robin skipping M (no xtratime).
 * 100 (on the 5 ms grid): M replenished 0 + 20, run queue, runs 100-120;
 *    H's slack to 200; and so on.
 * So M gets exactly 20 ms in every [100k, 100k + 100), and no more.
 */
START_TEST(test_reservation_no_xtratime)
{
    struct sched_core *c = core_new(1, true, false);
    trace_reset();
    struct scn_domain dm = at_dom(100 * MS, 20 * MS, 100 * MS, false);
    struct scn_domain dh = hog_dom();
    struct sched_vcpu *m = vnew(c, &dm, 0, true);
    struct sched_vcpu *h = vnew(c, &dh, 0, true);
    run_until(c, 0, 2 * SEC);
    for (int k = 0; k < 20; k++) {
        sim_time_t t0 = k * 100 * MS, t1 = t0 + 100 * MS;
        ck_assert_msg(ran(m, t0, t1) == 20 * MS, "period %d: M ran %" PRId64 " ns", k,
                      ran(m, t0, t1));
        ck_assert_int_eq(ran(h, t0, t1), 80 * MS);
    }
    fake_core_free(c);
}
END_TEST

/*
 * M (20 ms / 100 ms, xtratime) against three hogs, sticky WAIT off: in
 * every period M has its 20 ms from the run queue (slack runs are free, so
 * they leave no deficit) plus a share of the slack.
 */
START_TEST(test_reservation_with_hogs)
{
    struct sched_core *c = core_new(1, true, false);
    trace_reset();
    struct scn_domain dm = at_dom(100 * MS, 20 * MS, 100 * MS, true);
    struct scn_domain dh = hog_dom();
    struct sched_vcpu *m = vnew(c, &dm, 0, true);
    for (int i = 0; i < 3; i++)
        vnew(c, &dh, 0, true);
    run_until(c, 0, 2 * SEC);
    sim_time_t total = 0;
    for (int k = 0; k < 20; k++) {
        sim_time_t got = ran(m, k * 100 * MS, (k + 1) * 100 * MS);
        ck_assert_msg(got >= 20 * MS, "period %d: M ran %" PRId64 " ns", k, got);
        total += got;
    }
    /* And more than the reservation overall: 20 ms plus about a quarter
     * of the other 80 ms per period. */
    ck_assert_int_gt(total, 20 * 20 * MS + 20 * 10 * MS);
    fake_core_free(c);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* Xen 2.0's own semantics (the default) */

/*
 * Sticky WAIT: the same M (no xtratime) and hog as
 * test_reservation_no_xtratime. Created runnable at 0, M would be WAIT from
 * its admission and never run; so it is created paused and unpaused at
 * 5 ms, a long block that puts it on the run queue (state 0) with its
 * reservation, and it is the exhaustion of that reservation that makes it
 * WAIT for good.
 * 0: H (WAIT, remain 0, deadline 0) replenished: remain 10, deadline 10 s.
 *    Idle heads the run queue; round robin from 0: H (index 1), 5 ms.
 * 5: M wakes: 0 < 5, long block: slice 20 / (100 / 100) = 20, remain 20,
 *    deadline 105, run queue. H 10 - 5 = 5. M for 5 + 20 = 25: 20 ms.
 * 25: M 0: WAIT, [M(105), H(10 s)]. Round robin from 1: H (index 2).
 * 30 on: index 2 >= 2 -> 0, M skipped (no xtratime), H at position 1;
 *    every slice 5 ms (M's deadlines 105, 205, ... are on the grid).
 * M's replenishments reset remain to 20 but leave it WAIT: nothing else
 * runs it. In [0, 1 s): M 20 ms, H 980 ms, no idle time. The last
 * decision was at 995 ms, the last replenishment at 905 ms: deadline
 * 1005 ms, remain 20.
 */
START_TEST(test_sticky_wait_starves)
{
    struct sched_core *c = core_new(1, true, true);
    trace_reset();
    struct scn_domain dm = at_dom(100 * MS, 20 * MS, 100 * MS, false);
    struct scn_domain dh = hog_dom();
    struct sched_vcpu *m = vnew(c, &dm, 0, false);
    struct sched_vcpu *h = vnew(c, &dh, 0, true);
    ck_assert_ptr_eq(step(c, 0).next, h);
    fake_wake(c, m);
    ck_assert_int_eq(view(c, m).deadline, 105 * MS);
    struct sched_slice s = step(c, 0);
    ck_assert_ptr_eq(s.next, m);
    ck_assert_int_eq(s.slice, 20 * MS);
    run_until(c, 0, 1 * SEC);
    ck_assert_int_eq(ran(m, 0, 1 * SEC), 20 * MS);
    ck_assert_int_eq(ran(h, 0, 1 * SEC), 980 * MS);
    struct view w = view(c, m);
    ck_assert_str_eq(w.state, "wait");
    ck_assert_int_eq(w.remain, 20 * MS);
    ck_assert_int_eq(w.deadline, 1005 * MS);
    ck_assert_int_eq(w.prevddln, 905 * MS);
    fake_core_free(c);
}
END_TEST

/*
 * A WAIT vCPU that blocks keeps WAIT (no hook), so after a long block its
 * wake scales its period as usual but sends it back to the wait queue:
 * without xtratime it never runs again, while a hog without reservation
 * takes all the slack. Only a pause (Xen's block(): BLOCKED) gets it back
 * to the run queue.
 * W: privileged, 20 ms / 15 ms, latency 5 ms, no xtratime; H a hog. Both
 * created runnable at 0: W UNBLOCKED, remain 15 (dom0's constant), H WAIT.
 * 0: W: remain 15, deadline 20; H: 10, deadline 10 s. W, the first
 *    UNBLOCKED, for 15 (cut at 20 no earlier).
 * 15: W blocks at the end of its slice: UNBLOCKED is charged, 15 - 15 = 0:
 *    WAIT, off the queues. [H]: H (index 1), 5 ms; and every 5 ms on.
 * 50: W wakes, 20 < 50: long block: period 5, slice 15 / (20 / 5) =
 *    3.75 ms, remain 3.75, deadline 55, prevddln 50; state WAIT: [W(55),
 *    H]. Index 1: H (index 2), 50 -> 55.
 * 55: W replenished: 10 / 7.5, remain 3.75 > 0 reset to 7.5, deadline 65,
 *    still WAIT. 65: 20 / 15 (= natural), remain 15, deadline 85; then
 *    every 20 ms. The round robin (index 2 -> 0) skips W at position 0
 *    and takes H, 5 ms each (W's deadlines are on the grid).
 * In [0, 1 s): W 15 ms, H 985 ms. Last decision 995, last replenishment
 * at 985: deadline 1005.
 * Contrast: paused at 1 s (BLOCKED, dequeued) and unpaused at 1.1 s, long
 * block again (1005 < 1100): remain 3.75, deadline 1105, run queue. W for
 * 1103.75 raised to 1105: 5 ms. 1105: charged 3.75 - 5 = -1.25: WAIT,
 * replenished at once: 10 / 7.5, -1.25 + 7.5 = 6.25, deadline 1115.
 */
START_TEST(test_wait_long_block_stays_waiting)
{
    struct sched_core *c = core_new(1, true, true);
    trace_reset();
    struct scn_domain dw = at_dom(20 * MS, 15 * MS, 5 * MS, false);
    dw.privileged = true;
    struct scn_domain dh = hog_dom();
    struct sched_vcpu *w = vnew(c, &dw, 0, true);
    struct sched_vcpu *h = vnew(c, &dh, 0, true);

    struct sched_slice s = step(c, 0);
    ck_assert_ptr_eq(s.next, w);
    ck_assert_int_eq(s.slice, 15 * MS);
    fake_block(c, w);
    ck_assert_ptr_eq(step(c, 0).next, h);
    struct view vw = view(c, w);
    ck_assert_str_eq(vw.state, "wait");
    ck_assert_int_eq(vw.remain, 0);

    run_until(c, 0, 50 * MS);
    fake_wake(c, w);
    vw = view(c, w);
    ck_assert_str_eq(vw.state, "wait");
    ck_assert_int_eq(vw.period, 5 * MS);
    ck_assert_int_eq(vw.slice, 3750 * SIM_USEC);
    ck_assert_int_eq(vw.remain, 3750 * SIM_USEC);
    ck_assert_int_eq(vw.deadline, 55 * MS);
    ck_assert_int_eq(vw.prevddln, 50 * MS);
    s = step(c, 0);
    ck_assert_ptr_eq(s.next, h);
    ck_assert_int_eq(s.slice, 5 * MS);
    step(c, 0);
    vw = view(c, w);
    ck_assert_int_eq(vw.period, 10 * MS);
    ck_assert_int_eq(vw.remain, 7500 * SIM_USEC);
    ck_assert_int_eq(vw.deadline, 65 * MS);

    run_until(c, 0, 1 * SEC);
    ck_assert_int_eq(ran(w, 0, 1 * SEC), 15 * MS);
    ck_assert_int_eq(ran(h, 0, 1 * SEC), 985 * MS);
    vw = view(c, w);
    ck_assert_str_eq(vw.state, "wait");
    ck_assert_int_eq(vw.period, 20 * MS);
    ck_assert_int_eq(vw.remain, 15 * MS);
    ck_assert_int_eq(vw.deadline, 1005 * MS);

    fake_pause(c, w);
    ck_assert_str_eq(view(c, w).state, "blocked");
    run_until(c, 0, 1100 * MS);
    fake_wake(c, w);
    s = step(c, 0);
    ck_assert_ptr_eq(s.next, w);
    ck_assert_int_eq(s.slice, 5 * MS);
    step(c, 0);
    vw = view(c, w);
    ck_assert_str_eq(vw.state, "wait");
    ck_assert_int_eq(vw.remain, 6250 * SIM_USEC);
    ck_assert_int_eq(vw.deadline, 1115 * MS);
    ck_assert_int_eq(ran(h, 1 * SEC, 1100 * MS), 100 * MS);
    fake_core_free(c);
}
END_TEST

/*
 * Sticky WAIT with xtratime: M (20 ms / 100 ms) and five hogs, all created
 * runnable at 0: WAIT on the wait queue from their admission, sharing
 * slack in 5 ms quanta. 0: M replenished (100/20, deadline 100), the hogs
 * (deadline 10 s, each requeued behind the others), [M, H1..H5]. M's
 * deadline keeps it at the head of the wait queue; every other position
 * holds an xtratime hog, so from index 1 each decision advances the index
 * by one, to 6, which wraps to 0: M. M gets one quantum in six, at 0, 30,
 * 60, ... (all on the 5 ms grid, as are its deadlines). In [0, 2 s):
 * 67 x 5 = 335 ms, about 1/6; [100, 200) holds only 120, 150, 180: 15 ms,
 * less than its 20%.
 */
START_TEST(test_sticky_wait_shares_slack)
{
    struct sched_core *c = core_new(1, true, true);
    trace_reset();
    struct scn_domain dm = at_dom(100 * MS, 20 * MS, 100 * MS, true);
    struct scn_domain dh = hog_dom();
    struct sched_vcpu *m = vnew(c, &dm, 0, true);
    for (int i = 0; i < 5; i++)
        vnew(c, &dh, 0, true);
    run_until(c, 0, 2 * SEC);
    ck_assert_int_eq(ran(m, 0, 2 * SEC), 335 * MS);
    int short_periods = 0;
    for (int k = 0; k < 20; k++)
        if (ran(m, k * 100 * MS, (k + 1) * 100 * MS) < 20 * MS)
            short_periods++;
    ck_assert_int_gt(short_periods, 0);
    fake_core_free(c);
}
END_TEST

/*
 * The slack round robin has no wrap-around search. X (10 ms / 100 ms,
 * xtratime) and Y (the defaults but no xtratime), created runnable at 0 in
 * that order: both WAIT, remain 0, deadline 0; Y, without xtratime, never
 * runs.
 * 0: X replenished: clamped to 100/10, remain 10, deadline 100; Y: remain
 *    10, deadline 10 s. [X(100), Y(10 s)]. Round robin from 0: X (index 1),
 *    5 ms.
 * 5: X 10 - 5 = 5, back at the head. From index 1 only Y, without
 *    xtratime: nothing, the pCPU idles (5 ms), and keeps idling (X stays
 *    first, its replenishments keep its deadline below Y's 10 s, the index
 *    stays 1): X 5 ms, Y 0, idle 995 ms in [0, 1 s).
 * Quirk off: at 5 the search wraps to position 0: X again (index 1), and
 * so at every decision (all on the 5 ms grid, X's deadlines 100, 200, ...
 * among them): X 1000 ms, no idle time.
 */
static void slack_wrap(bool quirk, sim_time_t want_x)
{
    struct sched_core *c = core_new_q(1, true, true, true, quirk);
    trace_reset();
    struct scn_domain dx = at_dom(100 * MS, 10 * MS, 100 * MS, true);
    struct scn_domain dy = hog_dom();
    dy.atropos.xtratime = false;
    struct sched_vcpu *x = vnew(c, &dx, 0, true);
    struct sched_vcpu *y = vnew(c, &dy, 0, true);
    run_until(c, 0, 1 * SEC);
    ck_assert_int_eq(ran(x, 0, 1 * SEC), want_x);
    ck_assert_int_eq(ran(y, 0, 1 * SEC), 0);
    ck_assert_int_eq(ran(sched_idle(c, 0), 0, 1 * SEC), 1 * SEC - want_x);
    fake_core_free(c);
}

START_TEST(test_slack_rr_no_wrap)
{
    slack_wrap(true, 5 * MS);
}
END_TEST

START_TEST(test_slack_search_wrap_quirk_off)
{
    slack_wrap(false, 1000 * MS);
}
END_TEST

/*
 * The round-robin index is one global, as Xen's function-static was.
 * pCPU 0 has hogs A, B; pCPU 1 hogs C, D, all created runnable at 0: WAIT,
 * deadline 0, queues [A, B] and [C, D]. rr_setup runs pCPU 0 to 10 ms,
 * then pCPU 1:
 *   p0 0: A, B replenished (remain 10, deadline 10 s, in that order):
 *         [A, B]; index 0 -> A (1). 5: A requeued behind B: [B, A];
 *         index 1 -> A (2).
 *   p1 0: [C, D]; 2 >= 2 -> 0: C (1). 5: [D, C]; 1 -> C (2).
 * (pCPU 1's idle remain of 10 ms plays no part: idle heads its run queue
 * all along.) Then decisions alternate pCPU 0, pCPU 1, each runner being
 * requeued behind the other hog (equal deadlines 10 s):
 *   p0 10: [B, A]; 2 -> 0: B (1).   p1 10: [D, C]; 1 -> C (2).
 *   p0 15: [A, B]; 2 -> 0: A (1).   p1 15: [D, C]; 1 -> C (2).  ...
 * pCPU 0 alternates B, A; pCPU 1 always finds index 1, the vCPU it has
 * just run: C only, D starves. Alone, pCPU 1 runs both:
 *   10: [D, C]; 2 -> 0: D (1). 15: [C, D]; 1 -> D (2).
 *   20: [C, D]; 2 -> 0: C (1). 25: [D, C]; 1 -> C (2). ...: D, D, C, C.
 */
static void rr_setup(struct sched_core *c, struct sched_vcpu **v)
{
    struct scn_domain dh = hog_dom();
    for (int i = 0; i < 4; i++)
        v[i] = vnew(c, &dh, i / 2, true);
    for (int p = 0; p < 2; p++)
        run_until(c, p, 10 * MS);           /* two quanta each */
}

/* Slack quanta each hog got in 40 alternating decisions per pCPU. */
static void rr_alternate(struct sched_core *c, struct sched_vcpu **v, int *n)
{
    for (int i = 0; i < 4; i++)
        n[i] = 0;
    for (int i = 0; i < 40; i++) {
        struct sched_vcpu *n0 = step(c, 0).next;
        struct sched_vcpu *n1 = step(c, 1).next;
        n[0] += n0 == v[0];
        n[1] += n0 == v[1];
        n[2] += n1 == v[2];
        n[3] += n1 == v[3];
    }
}

START_TEST(test_global_rr_index)
{
    struct sched_core *c = core_new(2, true, true);
    trace_reset();
    struct sched_vcpu *v[4];
    int n[4];
    rr_setup(c, v);
    rr_alternate(c, v, n);
    ck_assert_int_eq(n[0], 20);
    ck_assert_int_eq(n[1], 20);
    ck_assert_int_eq(n[2], 40);
    ck_assert_int_eq(n[3], 0);
    fake_core_free(c);

    c = core_new(2, true, true);
    trace_reset();
    rr_setup(c, v);
    int ran_c = 0, ran_d = 0;
    for (int i = 0; i < 40; i++) {
        struct sched_vcpu *n1 = step(c, 1).next;
        ran_c += n1 == v[2];
        ran_d += n1 == v[3];
    }
    ck_assert_int_eq(ran_c, 20);
    ck_assert_int_eq(ran_d, 20);
    fake_core_free(c);
}
END_TEST

/*
 * Quirk off: each pCPU has its own index, so the alternation no longer
 * matters and each pCPU behaves as pCPU 1 alone above. Setup: pCPU 0
 * [A, B] 0 -> A (1); [B, A] 1 -> A (2); pCPU 1 the same with C. Then
 * pCPU 0: [B, A] 2 -> 0: B (1); [A, B] 1 -> B (2); [A, B] 2 -> 0: A (1);
 * [B, A] 1 -> A (2) ...: B, B, A, A: 20 quanta each in 40, and D, D, C, C
 * on pCPU 1.
 */
START_TEST(test_global_slack_index_quirk_off)
{
    struct sched_core *c = core_new_q(2, true, true, false, true);
    trace_reset();
    struct sched_vcpu *v[4];
    int n[4];
    rr_setup(c, v);
    rr_alternate(c, v, n);
    for (int i = 0; i < 4; i++)
        ck_assert_msg(n[i] == 20, "hog %d: %d quanta", i, n[i]);
    fake_core_free(c);
}
END_TEST

/* ---------------------------------------------------------------------- */

static Suite *atropos_suite(void)
{
    Suite *s = suite_create("atropos");
    TCase *tc = xs_tcase(s, "params", 5);
    tcase_add_test(tc, test_alloc_rejects);
    tc = xs_tcase(s, "edf", 5);
    tcase_add_test(tc, test_edf_order);
    tcase_add_test(tc, test_min_slice_and_waitq_cut);
    tcase_add_test(tc, test_idle_slice);
    tcase_add_test(tc, test_idle_slice_secondary_pcpu);
    tc = xs_tcase(s, "replenish", 5);
    tcase_add_test(tc, test_deficit_carry_over);
    tcase_add_test(tc, test_remain_reset);
    tc = xs_tcase(s, "long_block", 5);
    tcase_add_test(tc, test_long_block_scaling);
    tcase_add_test(tc, test_long_block_scaling_rounding);
    tcase_add_test(tc, test_long_block_dispatch);
    tc = xs_tcase(s, "short_block", 5);
    tcase_add_test(tc, test_short_block_unblocked_first);
    tcase_add_test(tc, test_uncharged_block_quirk_off);
    tcase_add_test(tc, test_block_charge_by_state);
    tcase_add_test(tc, test_block_charge_quirk_off);
    tc = xs_tcase(s, "shares", 10);
    tcase_add_test(tc, test_reservation_no_xtratime);
    tcase_add_test(tc, test_reservation_with_hogs);
    tc = xs_tcase(s, "xen20", 10);
    tcase_add_test(tc, test_sticky_wait_starves);
    tcase_add_test(tc, test_wait_long_block_stays_waiting);
    tcase_add_test(tc, test_sticky_wait_shares_slack);
    tcase_add_test(tc, test_slack_rr_no_wrap);
    tcase_add_test(tc, test_slack_search_wrap_quirk_off);
    tcase_add_test(tc, test_global_rr_index);
    tcase_add_test(tc, test_global_slack_index_quirk_off);
    return s;
}

XS_CHECK_MAIN(atropos_suite)
