/*
 * tests/test_credit.c: the Credit policy of Xen 3.4 (schedulers/credit.c)
 * driven step by step through the fake core (tests/sched_fake.h).
 *
 * White-box: the policy file is included so the tests can read and set
 * credits, priorities and queues. Every expected number is worked out in
 * the comments from Xen 3.4's sched_credit.c as docs/schedulers.md states
 * it: a pool of 300 credits per pCPU every 30 ms, shared by weight among
 * the active domains (ceil), capped at ceil(cap x 300 / 100), split equally
 * among a domain's active vCPUs; 100 credits debited per 10 ms tick from
 * the running vCPU; UNDER at >= 0 credits, OVER below; above 300 inactive
 * and reset to 0; priorities BOOST 0 > UNDER -1 > OVER -2 > IDLE -64.
 *
 * The 4.17 tests (core417) derive theirs from Xen 4.17.5's sched/credit.c
 * as docs/schedulers.md states it: 10 credits per ms run, metered with a
 * residual; the weight counted once per active vCPU; above the bound the
 * credit halved; a 1 ms ratelimit; one idler tickled, in rotation;
 * pick_cpu needing twice the idlers across sockets; the load balancer
 * starting after the peer it last stole from.
 */
#include "schedulers/credit.c"

#include <check.h>
#include <string.h>
#include "sim/err.h"
#include "tests/check_util.h"
#include "tests/sched_fake.h"

static struct sched_core *core_n(int np, bool quirks)
{
    struct scn_sched_global g = fake_sched_defaults();
    g.credit.reset_credit_quirk = quirks;
    g.credit.tickle_all_idlers_quirk = quirks;
    struct sched_core *c;
    ck_assert_int_eq(fake_core_new(&sched_credit_ops, np, &g, &c), 0);
    /* Every pCPU's boot schedule: the idle vCPU, its ticker started. */
    for (int p = 0; p < np; p++)
        ck_assert(fake_schedule(c, p).next->is_idle);
    return c;
}

static struct sched_core *core417_g(int np, struct scn_sched_global g)
{
    g.credit.version = SCN_CREDIT_4_17;
    struct sched_core *c;
    ck_assert_int_eq(fake_core_new(&sched_credit_ops, np, &g, &c), 0);
    for (int p = 0; p < np; p++)
        ck_assert(fake_schedule(c, p).next->is_idle);
    return c;
}

static struct sched_core *core417(int np)
{
    return core417_g(np, fake_sched_defaults());
}

static struct sched_vcpu *dom_on(struct sched_core *c, int pcpu, int weight, int cap,
                                 bool runnable)
{
    struct scn_domain d = fake_domain_defaults();
    d.credit.weight = weight;
    d.credit.cap = cap;
    struct sched_vcpu *v;
    ck_assert_int_eq(fake_vcpu_new(c, &d, pcpu, runnable, &v), 0);
    return v;
}

static struct cr *pol(struct sched_core *c)
{
    return fake_policy(c);
}

/* The run queue of pcpu as "domain:pri" words, idle as "idle". */
static const char *queue(struct sched_core *c, int pcpu)
{
    static char buf[256];
    size_t n = 0;
    buf[0] = '\0';
    struct cr_link *q = &pol(c)->pcpus[pcpu].runq;
    for (struct cr_link *it = q->next; it != q; it = it->next) {
        const struct cr_vcpu *x = CR_OF(it, struct cr_vcpu, runq_elem);
        if (x->v->is_idle)
            n += (size_t)snprintf(buf + n, sizeof buf - n, "%sidle", n ? " " : "");
        else
            n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%d:%d", n ? " " : "",
                                  x->v->domain, x->pri);
    }
    return buf;
}

/* Make v current on its pCPU and fire that pCPU's ticker once (the debit
 * of 100, the end of a BOOST, the activation). */
static void tick_running(struct sched_core *c, struct sched_vcpu *v)
{
    fake_set_curr(c, v);
    ticker_fn(&pol(c)->args[v->processor]);
}

/* ---- accounting ---- */

/* One pCPU: pool 300. Weights 256 and 512, both active (each activated by
 * a tick that debited 100): fair shares ceil(300 x 256 / 768) = 100 and
 * ceil(300 x 512 / 768) = 200, below each peak of 300, so credited as is:
 * -100 + 100 = 0 (UNDER) and -100 + 200 = 100 (UNDER). The balance is their
 * sum, 100. */
START_TEST(accounting_shares_by_weight)
{
    struct sched_core *c = core_n(1, true);
    struct sched_vcpu *a = dom_on(c, 0, 256, 0, true), *b = dom_on(c, 0, 512, 0, true);
    tick_running(c, a);
    tick_running(c, b);
    ck_assert_int_eq(cv(a)->credit, -100);
    ck_assert_int_eq(pol(c)->weight, 768);
    acct_fn(pol(c));
    ck_assert_int_eq(cv(a)->credit, 0);
    ck_assert_int_eq(cv(b)->credit, 100);
    ck_assert_int_eq(cv(a)->pri, CR_PRI_UNDER);
    ck_assert_int_eq(pol(c)->credit_balance, 100);
    /* Three more debits each take a to -300 and b to -200: OVER. The next
     * pool is the same (the balance is not negative). */
    for (int i = 0; i < 3; i++) {
        tick_running(c, a);
        tick_running(c, b);
    }
    acct_fn(pol(c));
    ck_assert_int_eq(cv(a)->credit, -200);
    ck_assert_int_eq(cv(b)->credit, 0);
    ck_assert_int_eq(cv(a)->pri, CR_PRI_OVER);
    ck_assert_int_eq(cv(b)->pri, CR_PRI_UNDER);
    /* A negative balance (-200) grows the pool to 500 and each peak by
     * ceil(200 x w / 768): a's fair ceil(500 x 256 / 768) = 167 <
     * peak 300 + 67: -200 + 167 = -33. */
    acct_fn(pol(c));
    ck_assert_int_eq(cv(a)->credit, -33);
    fake_core_free(c);
}
END_TEST

/* Above 300 a vCPU stops earning: inactive, credit 0 (the quirk) or 300,
 * and its domain's weight leaves the total. */
START_TEST(credit_above_300_stops_earning)
{
    for (int quirk = 0; quirk < 2; quirk++) {
        struct sched_core *c = core_n(1, quirk);
        struct sched_vcpu *a = dom_on(c, 0, 256, 0, true);
        tick_running(c, a);                     /* -100, active */
        cv(a)->credit = 250;
        acct_fn(pol(c));                        /* + 300 (alone): 550 > 300 */
        ck_assert_int_eq(cv(a)->credit, quirk ? 0 : 300);
        ck_assert(cl_empty(&cv(a)->active_elem));
        ck_assert_int_eq(pol(c)->weight, 0);
        ck_assert_int_eq(cv(a)->pri, CR_PRI_UNDER);
        fake_core_free(c);
    }
}
END_TEST

/* A cap of 50 on one pCPU alone: peak min(300, ceil(50 x 300 / 100) = 150),
 * the fair share 300 >= 150, so 150 a period; parked once below -150 (the
 * per-vCPU cap), unparked (not BOOSTed) once back at >= 0. */
START_TEST(cap_parks_and_unparks)
{
    struct sched_core *c = core_n(1, true);
    struct sched_vcpu *a = dom_on(c, 0, 256, 50, true);
    tick_running(c, a);                         /* -100 */
    tick_running(c, a);                         /* -200 */
    acct_fn(pol(c));                            /* -50: OVER, not below -150 */
    ck_assert_int_eq(cv(a)->credit, -50);
    ck_assert(!cv(a)->parked);
    for (int i = 0; i < 3; i++)
        tick_running(c, a);                     /* -350 */
    acct_fn(pol(c));                            /* -200 < -150: parked */
    ck_assert_int_eq(cv(a)->credit, -200);
    ck_assert(cv(a)->parked && fake_parked(c, a));
    ck_assert(!a->runnable);
    acct_fn(pol(c));                            /* -50 */
    ck_assert(cv(a)->parked);
    acct_fn(pol(c));                            /* 100: UNDER, unparked, woken */
    ck_assert_int_eq(cv(a)->credit, 100);
    ck_assert(!cv(a)->parked && !fake_parked(c, a) && a->runnable);
    ck_assert_int_eq(cv(a)->pri, CR_PRI_UNDER);     /* no BOOST on the unpark */
    fake_core_free(c);
}
END_TEST

/* ---- queues, wake and tickle ---- */

/* FIFO within a priority, BOOST before UNDER before OVER, idle last; a wake
 * BOOSTs an UNDER vCPU only. */
START_TEST(queue_order_and_boost)
{
    struct sched_core *c = core_n(1, true);
    struct sched_vcpu *h = dom_on(c, 0, 256, 0, true);      /* domain 0, BOOST */
    ck_assert_int_eq(cv(h)->pri, CR_PRI_BOOST);
    ck_assert_ptr_eq(fake_schedule(c, 0).next, h);
    ck_assert_str_eq(queue(c, 0), "idle");
    struct sched_vcpu *u = dom_on(c, 0, 256, 0, false);     /* 1 */
    struct sched_vcpu *o = dom_on(c, 0, 256, 0, false);     /* 2 */
    struct sched_vcpu *u2 = dom_on(c, 0, 256, 0, false);    /* 3 */
    cv(o)->pri = CR_PRI_OVER;
    fake_wake(c, o);
    cv(u)->pri = CR_PRI_UNDER;
    fake_wake(c, u);                                        /* BOOSTed */
    fake_wake(c, u2);                                       /* BOOSTed, after u */
    ck_assert_str_eq(queue(c, 0), "1:0 3:0 2:-2 idle");
    /* h, descheduled while BOOST, goes behind its equals. */
    ck_assert_ptr_eq(fake_schedule(c, 0).next, u);
    ck_assert_str_eq(queue(c, 0), "3:0 0:0 2:-2 idle");
    fake_core_free(c);
}
END_TEST

/* The local pCPU is tickled only if the woken vCPU beats what runs there;
 * if that pCPU is busy, every idle pCPU (the quirk) or the first idle one
 * after it is tickled too. */
START_TEST(tickles)
{
    for (int quirk = 0; quirk < 2; quirk++) {
        struct sched_core *c = core_n(4, quirk);
        struct sched_vcpu *busy = dom_on(c, 1, 256, 0, true);
        ck_assert_ptr_eq(fake_schedule(c, 1).next, busy);
        cv(busy)->pri = CR_PRI_BOOST;           /* nothing beats it */
        fake_clear_log(c);
        struct sched_vcpu *w = dom_on(c, 1, 256, 0, true);   /* BOOST = BOOST */
        ck_assert_int_eq(fake_ntickles(c, 1), 0);
        ck_assert_int_eq(fake_ntickles(c, 0), quirk);
        ck_assert_int_eq(fake_ntickles(c, 2), 1);
        ck_assert_int_eq(fake_ntickles(c, 3), quirk);
        /* On an idle pCPU: only that one. */
        fake_clear_log(c);
        (void)dom_on(c, 3, 256, 0, true);
        ck_assert_int_eq(fake_ntickles(c, 3), 1);
        ck_assert_int_eq(fake_ntickles(c, 0) + fake_ntickles(c, 1) + fake_ntickles(c, 2), 0);
        (void)w;
        fake_core_free(c);
    }
}
END_TEST

/* ---- stealing ---- */

/* pCPU 1 finds only OVER work (or idle) at home: it steals the first vCPU
 * of strictly higher priority from a busy peer; never from a peer that
 * runs idle; never an equal. */
START_TEST(steals_strictly_higher_priority)
{
    struct sched_core *c = core_n(2, true);
    struct sched_vcpu *run = dom_on(c, 0, 256, 0, true);
    ck_assert_ptr_eq(fake_schedule(c, 0).next, run);
    struct sched_vcpu *q1 = dom_on(c, 0, 256, 0, false), *q2 = dom_on(c, 0, 256, 0, false);
    cv(q1)->pri = CR_PRI_OVER;
    fake_wake(c, q1);                           /* OVER */
    fake_wake(c, q2);                           /* BOOST */
    ck_assert_str_eq(queue(c, 0), "2:0 1:-2 idle");
    /* pCPU 1 is idle: its head is idle, so anything non-idle is better; the
     * first entry of pCPU 0's queue is q2. */
    ck_assert_ptr_eq(fake_schedule(c, 1).next, q2);
    ck_assert_int_eq(q2->processor, 1);
    ck_assert_int_eq(fake_moves(c, q2), 1);
    ck_assert_str_eq(queue(c, 0), "1:-2 idle");
    /* pCPU 1 now runs q2 (BOOST) and gets an OVER vCPU of its own; at its
     * next schedule q2 (requeued) heads its queue, so no steal. */
    struct sched_vcpu *o1 = dom_on(c, 1, 256, 0, false);
    cv(o1)->pri = CR_PRI_OVER;
    fake_wake(c, o1);
    cv(q2)->pri = CR_PRI_OVER;                  /* as if accounting made it OVER */
    ck_assert_ptr_eq(fake_schedule(c, 1).next, o1);     /* OVER head: q1 is no better */
    ck_assert_int_eq(q1->processor, 0);
    fake_core_free(c);
}
END_TEST

/* ---- pick_cpu and topology ---- */

/* 2 sockets x 2 cores x 2 threads, split numbering: pCPU n's sibling is
 * n + 4, sockets {0, 1, 4, 5} and {2, 3, 6, 7}. The vCPU's own pCPU (0)
 * counts as idle; a group replaces the choice only with strictly more idle
 * threads: the core within a socket, the socket across sockets. */
START_TEST(pick_cpu_prefers_idle_cores)
{
    struct sched_core *c = core_n(8, true);
    ck_assert_int_eq(fake_core_set_topology(c, (struct topo){ 2, 2, 2, TOPO_SPLIT }), 0);
    struct sched_vcpu *v = dom_on(c, 0, 256, 0, false);
    struct cr *x = pol(c);
    bool busy[4][8] = {
        { 0 },                                  /* all idle: every group ties, stay */
        { 1, 0, 0, 0, 1, 0, 0, 0 },             /* 0 and its sibling 4 busy */
        { 1, 0, 1, 1, 0, 0, 1, 1 },             /* socket 1 busy, 0 busy, 4 idle */
        { 1, 0, 1, 1, 1, 0, 1, 1 },             /* ... and 4 busy too */
    };
    /* 0: ties everywhere. 1: core {1, 5} has 2 idle threads against 0's 1
     * (itself), so 1; then socket 1 has 4 idle against socket 0's 3 (0, 1,
     * 5), so 2; nothing beats 2's core or socket after that. 2: core {1, 5}
     * ties with {0, 4} (2 each), nothing else is idle: stay. 3: {1, 5} has
     * 2 against {0}'s 1: 1. */
    static const int want[4] = { 0, 2, 0, 1 };
    for (int k = 0; k < 4; k++) {
        for (int p = 0; p < 8; p++)
            x->pcpus[p].idler = !busy[k][p];
        ck_assert_msg(cr_pick_cpu(x, v) == want[k], "case %d: pCPU %d, expected %d", k,
                      cr_pick_cpu(x, v), want[k]);
    }
    /* Pinned elsewhere (cpus: [6, 3]): the first allowed pCPU after its own,
     * 3, and no idle group outside the pins counts. */
    static int pin[2] = { 6, 3 };
    struct scn_domain *d = (struct scn_domain *)v->dom;
    d->cpus = pin;
    d->ncpus = 2;
    for (int p = 0; p < 8; p++)
        x->pcpus[p].idler = true;
    ck_assert_int_eq(cr_pick_cpu(x, v), 3);
    fake_core_free(c);
}
END_TEST

/* ---- Credit 4.17 ---- */

/* A vCPU not runnable at creation, then woken as after a block (not after
 * insert's pick, which marks it migrating): a BOOST wake. */
static struct sched_vcpu *boosted_on(struct sched_core *c, int pcpu)
{
    struct sched_vcpu *v = dom_on(c, pcpu, 256, 0, false);
    cv(v)->migrating = false;
    fake_wake(c, v);
    return v;
}

/* burn_credits: 10 credits per ms, the remainder both in residual and in
 * start_time. 2.55 ms: 25 credits, residual 0.5, start_time 2.5 ms on
 * (50 us left uncharged). 50 us more: 100 us uncharged + 0.5 residual =
 * 1.5 credits: 1, residual 0.5, start_time on by 100 us. 50 us more: 50 us
 * + 0.5 = 1 credit, residual 0, start_time on by 100 us, 50 us ahead of
 * NOW(): 27 credits for 2.65 ms run. 30 us later start_time is still
 * 20 us ahead: nothing charged. 40 us later: 20 us = 0.2 credit, kept as
 * residual: 27 credits for 2.72 ms. */
START_TEST(v417_burn_meters_time_run)
{
    struct sched_core *c = core417(1);
    struct sched_vcpu *a = dom_on(c, 0, 256, 0, true);
    ck_assert_ptr_eq(fake_schedule(c, 0).next, a);
    static const struct { sim_time_t dt; int credit; uint32_t residual; } step[] = {
        { 2550 * SIM_USEC, -25, 500000 },
        { 50 * SIM_USEC, -26, 500000 },
        { 50 * SIM_USEC, -27, 0 },
        { 30 * SIM_USEC, -27, 0 },
        { 40 * SIM_USEC, -27, 200000 },
    };
    for (size_t i = 0; i < sizeof step / sizeof step[0]; i++) {
        fake_advance(c, 0, step[i].dt);
        ck_assert_ptr_eq(fake_schedule(c, 0).next, a);
        ck_assert_msg(cv(a)->credit == step[i].credit && cv(a)->residual == step[i].residual,
                      "step %zu: credit %d residual %u", i, cv(a)->credit, cv(a)->residual);
    }
    fake_core_free(c);
}
END_TEST

/* Two pCPUs (pool 600). Domain A with two active vCPUs of weight 256, B
 * with one of 256. 4.17 counts A's weight twice: total 768, A's fair
 * ceil(600 x 512 / 768) = 400 < peak 600, 200 a vCPU; B's ceil(600 x 256 /
 * 768) = 200 < peak 300: 200. 3.4 counts it once: total 512, A's fair 300,
 * 150 a vCPU; B's 300 = its peak: 300. */
START_TEST(v417_weight_per_active_vcpu)
{
    for (int v417 = 0; v417 < 2; v417++) {
        struct sched_core *c = v417 ? core417(2) : core_n(2, true);
        struct sched_vcpu *a1 = dom_on(c, 0, 256, 0, true), *a2 = dom_on(c, 1, 256, 0, true);
        struct sched_vcpu *b = dom_on(c, 0, 256, 0, true);
        cv(a2)->d = cv(a1)->d;              /* a2 is A's second vCPU */
        tick_running(c, a1);
        tick_running(c, a2);
        tick_running(c, b);
        ck_assert_int_eq(pol(c)->weight, v417 ? 768 : 512);
        /* 3.4 debited 100 at each tick; 4.17 charged the 0 ns they ran. */
        int base = v417 ? 0 : -100;
        acct_fn(pol(c));
        ck_assert_int_eq(cv(a1)->credit - base, v417 ? 200 : 150);
        ck_assert_int_eq(cv(a2)->credit - base, v417 ? 200 : 150);
        ck_assert_int_eq(cv(b)->credit - base, v417 ? 200 : 300);
        fake_core_free(c);
    }
}
END_TEST

/* Above the bound (300) a 4.17 vCPU leaves the active list with its credit
 * halved: 250 + 300 = 550 -> 275. */
START_TEST(v417_credit_halved_above_bound)
{
    struct sched_core *c = core417(1);
    struct sched_vcpu *a = dom_on(c, 0, 256, 0, true);
    tick_running(c, a);
    cv(a)->credit = 250;
    acct_fn(pol(c));
    ck_assert_int_eq(cv(a)->credit, 275);
    ck_assert(cl_empty(&cv(a)->active_elem));
    ck_assert_int_eq(pol(c)->weight, 0);
    fake_core_free(c);
}
END_TEST

/* A keeps its pCPU until it has run the ratelimit (1 ms) since it was
 * dispatched: a schedule 50 us in gives it 100 us more (the floor), one
 * 400 us in gives it 600 us; at 1 ms the BOOSTed b takes over with a
 * full 30 ms slice. A yield is not held back. */
START_TEST(v417_ratelimit)
{
    struct sched_core *c = core417(1);
    struct sched_vcpu *a = dom_on(c, 0, 256, 0, true);
    ck_assert_ptr_eq(fake_schedule(c, 0).next, a);
    fake_clear_log(c);
    struct sched_vcpu *b = boosted_on(c, 0);
    ck_assert_int_eq(cv(b)->pri, CR_PRI_BOOST);
    ck_assert_int_eq(fake_ntickles(c, 0), 1);
    fake_advance(c, 0, 50 * SIM_USEC);
    struct sched_slice s = fake_schedule(c, 0);
    ck_assert_ptr_eq(s.next, a);
    ck_assert_int_eq(s.slice, 100 * SIM_USEC);
    fake_advance(c, 0, 350 * SIM_USEC);
    s = fake_schedule(c, 0);
    ck_assert_ptr_eq(s.next, a);
    ck_assert_int_eq(s.slice, 600 * SIM_USEC);
    fake_advance(c, 0, 600 * SIM_USEC);
    s = fake_schedule(c, 0);
    ck_assert_ptr_eq(s.next, b);
    ck_assert_int_eq(s.slice, 30 * SIM_MSEC);
    /* b yields 10 us after its dispatch: no ratelimit, a runs. */
    fake_advance(c, 0, 10 * SIM_USEC);
    cr_yield(pol(c), b);
    ck_assert_ptr_eq(fake_schedule(c, 0).next, a);
    fake_core_free(c);
}
END_TEST

/* pCPU 0 busy, 1-3 idle: each BOOST wake on 0 tickles one idler, the next
 * after the last one tickled from 0 (1, 2, 3), and takes it out of the
 * idlers; with none left, 0 itself (BOOST beats UNDER). Without
 * tickle_one_idle every idler at once. */
START_TEST(v417_tickle_one_idler_in_rotation)
{
    for (int one = 1; one >= 0; one--) {
        struct scn_sched_global g = fake_sched_defaults();
        g.credit.tickle_one_idle = one;
        struct sched_core *c = core417_g(4, g);
        struct sched_vcpu *h = dom_on(c, 0, 256, 0, true);
        ck_assert_ptr_eq(fake_schedule(c, 0).next, h);
        ck_assert_int_eq(cv(h)->pri, CR_PRI_UNDER);
        fake_clear_log(c);
        for (int k = 1; k <= (one ? 4 : 2); k++) {
            (void)boosted_on(c, 0);
            for (int p = 0; p < 4; p++) {
                int want = one ? (k <= 3 ? p == k : p == 0) : (k == 1 ? p > 0 : p == 0);
                ck_assert_msg(fake_ntickles(c, p) == want, "one %d wake %d pCPU %d: %d tickles",
                              one, k, p, fake_ntickles(c, p));
            }
            fake_clear_log(c);
        }
        for (int p = 0; p < 4; p++)
            ck_assert(!pol(c)->pcpus[p].idler);
        fake_core_free(c);
    }
}
END_TEST

/* One socket of two cores of two threads (cores {0, 2} and {1, 3}); g runs
 * on 2, pinned there. A vCPU pinned to the busy pCPU 0 wakes BOOSTed, 2 ms after h began
 * to run there (past the ratelimit), while 1 and 3 idle: it can go nowhere
 * else, so 0 is tickled. Xen 4.17 then means to move the running h to an
 * idler but tests the waking vCPU's affinity: nothing moves
 * (kick_away_quirk). Without the quirk h is migrated, to pick_cpu's choice:
 * its own pCPU counts as idle (nothing queued there), but core {1, 3} has
 * two idlers to core {0, 2}'s one: 1, the idler after that core's
 * idle_bias (3). */
START_TEST(v417_kick_away)
{
    for (int quirk = 1; quirk >= 0; quirk--) {
        struct scn_sched_global g = fake_sched_defaults();
        g.credit.kick_away_quirk = quirk;
        struct sched_core *c = core417_g(4, g);
        ck_assert_int_eq(fake_core_set_topology(c, (struct topo){ 1, 2, 2, TOPO_SPLIT }), 0);
        /* g pinned to 2, where insert's pick would not leave it (core {1, 3}
         * has more idlers). */
        static int two[1] = { 2 };
        struct scn_domain dg = fake_domain_defaults();
        dg.cpus = two;
        dg.ncpus = 1;
        struct sched_vcpu *h = dom_on(c, 0, 256, 0, true), *gv;
        ck_assert_int_eq(fake_vcpu_new(c, &dg, 2, true, &gv), 0);
        ck_assert_ptr_eq(fake_schedule(c, 0).next, h);
        ck_assert_ptr_eq(fake_schedule(c, 2).next, gv);
        static int zero[1] = { 0 };
        struct scn_domain d = fake_domain_defaults();
        d.cpus = zero;
        d.ncpus = 1;
        struct sched_vcpu *pin;
        ck_assert_int_eq(fake_vcpu_new(c, &d, 0, false, &pin), 0);
        ck_assert(cv(pin)->pinned);
        cv(pin)->migrating = false;
        fake_advance(c, 0, 2 * SIM_MSEC);           /* past h's ratelimit */
        fake_clear_log(c);
        fake_wake(c, pin);
        /* The fake counts sched_migrate's own request to reschedule 0 too. */
        ck_assert_int_eq(fake_ntickles(c, 0), (quirk ? 1 : 2));
        ck_assert_int_eq(fake_ntickles(c, 1), 0);
        ck_assert_ptr_eq(fake_schedule(c, 0).next, pin);
        ck_assert_int_eq(fake_moves(c, h), (quirk ? 0 : 1));
        ck_assert_int_eq(h->processor, (quirk ? 0 : 1));
        fake_core_free(c);
    }
}
END_TEST

/* 2 sockets x 3 cores (sockets {0, 1, 2}, {3, 4, 5}); v's own pCPU 0,
 * queue empty, counts as idle. 1 and 2 busy: 4.17 moves across sockets
 * only for more than twice the idlers: 3 > 2 x 1, to socket 1's idler
 * after its idle_bias (5): 3; committed, idle_bias becomes 3, so the next
 * pick there gives 4. 1-3 busy: 2 idlers is not more than 2 x 1: stay at
 * 0, where 3.4 (strictly more) moves to 4. */
START_TEST(v417_pick_cpu_socket_factor_and_bias)
{
    struct sched_core *c = core417(6);
    ck_assert_int_eq(fake_core_set_topology(c, (struct topo){ 2, 3, 1, TOPO_SPLIT }), 0);
    struct sched_vcpu *v = dom_on(c, 0, 256, 0, false);
    struct cr *x = pol(c);
    bool busy1[6] = { 0, 1, 1, 0, 0, 0 }, busy2[6] = { 0, 1, 1, 1, 0, 0 };
    for (int p = 0; p < 6; p++)
        x->pcpus[p].idler = !busy1[p];
    ck_assert_int_eq(pick417(x, v, false), 3);
    ck_assert_int_eq(x->pcpus[3].idle_bias, 5);
    ck_assert_int_eq(cr_pick_cpu(x, v), 3);         /* commits */
    ck_assert(cv(v)->migrating);
    ck_assert_int_eq(x->pcpus[3].idle_bias, 3);
    ck_assert_int_eq(cr_pick_cpu(x, v), 4);
    for (int p = 0; p < 6; p++)
        x->pcpus[p].idler = !busy2[p];
    ck_assert_int_eq(pick417(x, v, false), 0);
    ck_assert_int_eq(pick34(x, v), 4);
    fake_core_free(c);
}
END_TEST

/* No BOOST for a wake that ends a migration (pick_cpu marked it), nor for
 * a new vCPU's first wake (insert's pick: first_wake_quirk); a later wake
 * after a block is one. */
START_TEST(v417_boost_rules)
{
    for (int quirk = 1; quirk >= 0; quirk--) {
        struct scn_sched_global g = fake_sched_defaults();
        g.credit.first_wake_quirk = quirk;
        struct sched_core *c = core417_g(1, g);
        struct sched_vcpu *a = dom_on(c, 0, 256, 0, true);
        ck_assert_int_eq(cv(a)->pri, quirk ? CR_PRI_UNDER : CR_PRI_BOOST);
        ck_assert_ptr_eq(fake_schedule(c, 0).next, a);
        fake_block(c, a);
        ck_assert(fake_schedule(c, 0).next->is_idle);
        cv(a)->pri = CR_PRI_UNDER;
        (void)cr_pick_cpu(pol(c), a);
        fake_wake(c, a);
        ck_assert_int_eq(cv(a)->pri, CR_PRI_UNDER);
        ck_assert_ptr_eq(fake_schedule(c, 0).next, a);
        fake_block(c, a);
        ck_assert(fake_schedule(c, 0).next->is_idle);
        fake_wake(c, a);
        ck_assert_int_eq(cv(a)->pri, CR_PRI_BOOST);
        fake_core_free(c);
    }
}
END_TEST

/* A yielding vCPU goes behind one lower-priority entry: a (UNDER) yields
 * with b (UNDER) and o (OVER) queued: b runs, then o, then a. Without the
 * yield a would be back before o. */
START_TEST(v417_yield_goes_one_further)
{
    for (int y = 1; y >= 0; y--) {
        struct sched_core *c = core417(1);
        struct sched_vcpu *a = dom_on(c, 0, 256, 0, true);      /* 0 */
        ck_assert_ptr_eq(fake_schedule(c, 0).next, a);
        struct sched_vcpu *b = dom_on(c, 0, 256, 0, true);      /* 1 */
        struct sched_vcpu *o = dom_on(c, 0, 256, 0, false);     /* 2 */
        cv(o)->pri = CR_PRI_OVER;
        fake_wake(c, o);
        ck_assert_str_eq(queue(c, 0), "1:-1 2:-2 idle");
        fake_advance(c, 0, 2 * SIM_MSEC);
        if (y)
            cr_yield(pol(c), a);
        ck_assert_ptr_eq(fake_schedule(c, 0).next, b);
        ck_assert_str_eq(queue(c, 0), y ? "2:-2 0:-1 idle" : "0:-1 2:-2 idle");
        ck_assert(!cv(a)->yield);
        fake_core_free(c);
    }
}
END_TEST

/* Peers 0 and 1 each run a vCPU with an UNDER one queued; the idle pCPU 2
 * steals. 4.17 starts after the peer it last stole from (balance_bias 0 at
 * boot): pCPU 1's; 3.4 starts after itself: pCPU 0's. */
START_TEST(v417_load_balance_bias)
{
    for (int v417 = 0; v417 < 2; v417++) {
        struct sched_core *c = v417 ? core417(3) : core_n(3, true);
        struct sched_vcpu *h0 = dom_on(c, 0, 256, 0, true), *h1 = dom_on(c, 1, 256, 0, true);
        ck_assert_ptr_eq(fake_schedule(c, 0).next, h0);
        ck_assert_ptr_eq(fake_schedule(c, 1).next, h1);
        struct sched_vcpu *q0 = dom_on(c, 0, 256, 0, true), *q1 = dom_on(c, 1, 256, 0, true);
        cv(q0)->pri = cv(q1)->pri = CR_PRI_UNDER;
        pol(c)->pcpus[2].idler = true;
        ck_assert_ptr_eq(fake_schedule(c, 2).next, v417 ? q1 : q0);
        if (v417) {
            ck_assert_int_eq(pol(c)->balance_bias, 1);
            ck_assert_int_eq(pol(c)->pcpus[1].nr_runnable, 1);
            ck_assert_int_eq(pol(c)->pcpus[2].nr_runnable, 1);
        }
        fake_core_free(c);
    }
}
END_TEST

/* The ticker stops when the pCPU goes idle and restarts on the next
 * multiple of the tick period when it leaves idle: 3 ms -> 10 ms. */
START_TEST(v417_ticker_stops_while_idle)
{
    struct sched_core *c = core417(1);
    struct cr *x = pol(c);
    fake_set_now(c, 0, 3 * SIM_MSEC);
    struct sched_vcpu *a = dom_on(c, 0, 256, 0, true);
    ck_assert_ptr_eq(fake_schedule(c, 0).next, a);
    ck_assert_int_eq(fake_timer_expires(c, &x->pcpus[0].ticker), 10 * SIM_MSEC);
    fake_advance(c, 0, 12 * SIM_MSEC);
    fake_block(c, a);
    ck_assert(fake_schedule(c, 0).next->is_idle);
    ck_assert(!fake_timer_pending(c, &x->pcpus[0].ticker));
    fake_core_free(c);
}
END_TEST

/* __csched_set_tslice: 30 ms gives 10 ms ticks and 300 credits a pCPU;
 * 10 ms gives 3333 us ticks and 100; 2 ms (under 3 ticks' worth) one tick
 * of 2 ms and 20. */
START_TEST(v417_tslice_sets_tick_and_credits)
{
    static const struct { int ms; sim_time_t tick; int credits; } t[] = {
        { 30, 10 * SIM_MSEC, 300 }, { 10, 3333 * SIM_USEC, 100 }, { 2, 2 * SIM_MSEC, 20 },
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        struct scn_sched_global g = fake_sched_defaults();
        g.credit.tslice = t[i].ms * SIM_MSEC;
        g.credit.ratelimit = 0;
        struct sched_core *c = core417_g(2, g);
        ck_assert_int_eq(pol(c)->tick, t[i].tick);
        ck_assert_int_eq(pol(c)->credits_per_tslice, t[i].credits);
        ck_assert_uint_eq(pol(c)->credit, 2u * (unsigned)t[i].credits);
        fake_core_free(c);
    }
}
END_TEST

static Suite *credit_suite(void)
{
    Suite *s = suite_create("credit");
    TCase *tc = xs_tcase(s, "xen34", 30);
    tcase_add_test(tc, accounting_shares_by_weight);
    tcase_add_test(tc, credit_above_300_stops_earning);
    tcase_add_test(tc, cap_parks_and_unparks);
    tcase_add_test(tc, queue_order_and_boost);
    tcase_add_test(tc, tickles);
    tcase_add_test(tc, steals_strictly_higher_priority);
    tcase_add_test(tc, pick_cpu_prefers_idle_cores);
    tc = xs_tcase(s, "xen417", 30);
    tcase_add_test(tc, v417_burn_meters_time_run);
    tcase_add_test(tc, v417_weight_per_active_vcpu);
    tcase_add_test(tc, v417_credit_halved_above_bound);
    tcase_add_test(tc, v417_ratelimit);
    tcase_add_test(tc, v417_tickle_one_idler_in_rotation);
    tcase_add_test(tc, v417_kick_away);
    tcase_add_test(tc, v417_pick_cpu_socket_factor_and_bias);
    tcase_add_test(tc, v417_boost_rules);
    tcase_add_test(tc, v417_yield_goes_one_further);
    tcase_add_test(tc, v417_load_balance_bias);
    tcase_add_test(tc, v417_ticker_stops_while_idle);
    tcase_add_test(tc, v417_tslice_sets_tick_and_credits);
    return s;
}

XS_CHECK_MAIN(credit_suite)
