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
    return s;
}

XS_CHECK_MAIN(credit_suite)
