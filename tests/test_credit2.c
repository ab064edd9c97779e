/*
 * tests/test_credit2.c: the Credit2 policy of Xen 4.17.5
 * (schedulers/credit2.c) driven step by step through the fake core
 * (tests/sched_fake.h).
 *
 * White-box: the policy file is included so the tests can read and set
 * credits, loads and queues. Every expected number is worked out in the
 * comments from Xen 4.17.5's sched/credit2.c as docs/schedulers.md states
 * it: credit starts at CREDIT_INIT = 10 ms and burns at max_weight/weight
 * ns per ns run (remainder kept in residual), floor -10 ms; the run queue
 * is sorted by credit; the slice runs the chosen vCPU down to the next
 * one's credit (or to 0), at least MIN_TIMER 500 us or the 1 ms ratelimit,
 * at most MAX_TIMER 10 ms; the reset adds 10 ms (20 ms if the chosen one
 * is at the floor) and clips at 10.5 ms; migrate_resist is 500 us; loads
 * are in 1/2^18 units, the overload tolerance 2^-3.
 */
#include "schedulers/credit2.c"

#include <check.h>
#include "tests/check_util.h"
#include "tests/sched_fake.h"

#define MS SIM_MSEC
#define US SIM_USEC

static struct sched_core *core_t(int np, struct topo t, struct scn_sched_global g)
{
    struct sched_core *c;
    ck_assert_int_eq(topo_pcpus(&t), np);
    ck_assert_int_eq(fake_core_new_topo(&sched_credit2_ops, &t, &g, &c), 0);
    return c;
}

/* np pCPUs on one socket (one run queue), every pCPU idle. */
static struct sched_core *core_n(int np)
{
    struct sched_core *c = core_t(np, topo_flat(np), fake_sched_defaults());
    for (int p = 0; p < np; p++)
        ck_assert(fake_schedule(c, p).next->is_idle);
    return c;
}

static struct c2 *pol(struct sched_core *c)
{
    return fake_policy(c);
}

static struct sched_vcpu *dom_w(struct sched_core *c, int weight, int cap, bool runnable)
{
    struct scn_domain d = fake_domain_defaults();
    d.credit2.weight = weight;
    d.credit2.cap = cap;
    struct sched_vcpu *v;
    ck_assert_int_eq(fake_vcpu_new(c, &d, 0, runnable, &v), 0);
    return v;
}

/* ---- burn and slices ---- */

/* One pCPU, weights 256 (a) and 512 (b); max_weight 512. Both start at
 * 10 ms of credit; a was queued first and b, equal, behind it, so a runs.
 * Its slice: the waiting b has as much credit, rt_credit 0, so the minimum,
 * the 1 ms ratelimit. 1 ms run burns 1 ms x 512 / 256 = 2 ms: a at 8 ms.
 * b (10 ms > 8 ms) runs next. Its slice is worked out before a is queued
 * again (Xen queues the preempted vCPU in context_saved, after the
 * switch): the queue is empty, so b runs its whole 10 ms of credit,
 * c2t = 10 ms x 512/512. a, queued then, cannot preempt b (within the
 * ratelimit). At 11 ms b is at 0; a (8 ms) runs, again against an empty
 * queue: c2t(8 ms) = 8 ms x 256/512 = 4 ms, burning 2 ns a ns: 0 at 15
 * ms. Then b (0) does not beat a (0): a stays, and the top credit, 0, is
 * <= CREDIT_RESET: both get 10 ms. a's slice: the rest of its ratelimit
 * is gone, b as much credit: MIN_TIMER, 500 us. */
START_TEST(burn_scaled_by_weight)
{
    struct sched_core *c = core_n(1);
    struct sched_vcpu *a = dom_w(c, 256, 0, true), *b = dom_w(c, 512, 0, true);
    ck_assert_uint_eq(pol(c)->rqds[0].max_weight, 512);
    struct sched_slice s = fake_schedule(c, 0);
    ck_assert_ptr_eq(s.next, a);
    ck_assert_int_eq(s.slice, 1 * MS);
    fake_advance(c, 0, s.slice);
    s = fake_schedule(c, 0);
    ck_assert_int_eq(cu(a)->credit, 8 * MS);
    ck_assert_ptr_eq(s.next, b);
    ck_assert_int_eq(s.slice, 10 * MS);
    fake_advance(c, 0, s.slice);
    s = fake_schedule(c, 0);
    ck_assert_int_eq(cu(b)->credit, 0);
    ck_assert_ptr_eq(s.next, a);
    ck_assert_int_eq(s.slice, 4 * MS);
    fake_advance(c, 0, s.slice);
    s = fake_schedule(c, 0);
    ck_assert_ptr_eq(s.next, a);
    ck_assert_int_eq(cu(a)->credit, 10 * MS);
    ck_assert_int_eq(cu(b)->credit, 10 * MS);
    ck_assert_int_eq(s.slice, 500 * US);
    fake_core_free(c);
}
END_TEST

/* Weight 300 beside 512: 1 ms run is 1e6 x 512 = 512e6, / 300 = 1706666
 * remainder 200: credit 10e6 - 1706666 = 8293334, residual 200. Another
 * 1 ms: (512e6 + 200) / 300 = 1706667 remainder 100: 6586667. */
START_TEST(burn_residual)
{
    struct sched_core *c = core_n(1);
    struct sched_vcpu *a = dom_w(c, 300, 0, true);
    dom_w(c, 512, 0, false);
    ck_assert_ptr_eq(fake_schedule(c, 0).next, a);
    struct c2_rqd *r = &pol(c)->rqds[0];
    fake_advance(c, 0, 1 * MS);
    burn_credits(pol(c), r, cu(a), sched_now(c, 0));
    ck_assert_int_eq(cu(a)->credit, 8293334);
    ck_assert_uint_eq(cu(a)->residual, 200);
    fake_advance(c, 0, 1 * MS);
    burn_credits(pol(c), r, cu(a), sched_now(c, 0));
    ck_assert_int_eq(cu(a)->credit, 6586667);
    ck_assert_uint_eq(cu(a)->residual, 100);
    fake_core_free(c);
}
END_TEST

/* ---- reset ---- */

/* A lone hog a (and b, blocked but assigned to the run queue): a's slice
 * is c2t(10 ms) = 10 ms (MAX_TIMER). At its end its credit is 0, the top
 * of the run queue is <= CREDIT_RESET: everyone gets 10 ms, clipped at
 * 10.5 ms: a 10 ms, b 20 -> 10.5 ms. A second lone run of 25 ms (an
 * overrun) floors a at -10 ms: the reset then adds 20 ms, to 10 ms. */
START_TEST(reset_clips_and_floors)
{
    struct sched_core *c = core_n(1);
    struct sched_vcpu *a = dom_w(c, 256, 0, true), *b = dom_w(c, 256, 0, false);
    struct sched_slice s = fake_schedule(c, 0);
    ck_assert_ptr_eq(s.next, a);
    ck_assert_int_eq(s.slice, 10 * MS);
    fake_advance(c, 0, s.slice);
    s = fake_schedule(c, 0);
    ck_assert_ptr_eq(s.next, a);
    ck_assert_int_eq(cu(a)->credit, 10 * MS);
    ck_assert_int_eq(cu(b)->credit, 10500 * US);
    fake_advance(c, 0, 25 * MS);
    burn_credits(pol(c), &pol(c)->rqds[0], cu(a), sched_now(c, 0));
    ck_assert_int_eq(cu(a)->credit, -10 * MS);
    s = fake_schedule(c, 0);
    ck_assert_int_eq(cu(a)->credit, 10 * MS);
    ck_assert_int_eq(cu(b)->credit, 10500 * US);
    fake_core_free(c);
}
END_TEST

/* ---- placement and tickling ---- */

/* Two pCPUs, one run queue (pick_bias 0 at boot). The first vCPU goes to
 * the pCPU after pick_bias, 1, the second to the one after that, 0. Each
 * wake tickles its own pCPU, idle and untickled (a fully idle core). */
START_TEST(place_and_tickle_idlers)
{
    struct sched_core *c = core_n(2);
    struct sched_vcpu *a = dom_w(c, 256, 0, false), *b = dom_w(c, 256, 0, false);
    ck_assert_int_eq(a->processor, 1);
    ck_assert_int_eq(b->processor, 0);
    fake_clear_log(c);
    fake_wake(c, a);
    ck_assert_int_eq(fake_ntickles(c, 1), 1);
    ck_assert_int_eq(fake_ntickles(c, 0), 0);
    ck_assert(pol(c)->rqds[0].tickled[1]);
    ck_assert_int_eq(cu(a)->tickled_cpu, 1);
    fake_wake(c, b);
    ck_assert_int_eq(fake_ntickles(c, 0), 1);
    ck_assert_int_eq(fake_ntickles(c, 1), 1);
    fake_core_free(c);
}
END_TEST

/* Two sockets of two pCPUs: run queue 0 holds pCPUs 0 and 1 (pick_bias 0),
 * run queue 1 pCPUs 2 and 3 (pick_bias 2). s prefers 2 and 3: both loads
 * are 0, so the least loaded of its hard affinity is run queue 0 (the
 * first) and of its soft affinity run queue 1. csched2_res_pick picks among
 * run queue 1's preferred pCPUs but from run queue 0's pick_bias: after 0
 * in {2, 3} is 2, and run queue 0's bias becomes 2. n, no preference, then
 * finds run queue 0 at load 0 against 0.5: after 2 in {0, 1} is 0. Without
 * soft_pick_bias_quirk, run queue 1's own bias: after 2 in {2, 3} is 3,
 * run queue 1's bias becomes 3, run queue 0's stays 0, and n goes after 0
 * in {0, 1}: 1. */
START_TEST(place_soft_uses_hard_bias)
{
    for (int quirk = 1; quirk >= 0; quirk--) {
        struct topo t = { 2, 2, 1, TOPO_SPLIT };
        struct scn_sched_global g = fake_sched_defaults();
        g.credit2.soft_pick_bias_quirk = quirk;
        struct sched_core *c = core_t(4, t, g);
        struct c2 *x = pol(c);
        ck_assert_int_eq(x->nrqd, 2);
        ck_assert_ptr_eq(x->pcpus[1].rqd, &x->rqds[0]);
        ck_assert_ptr_eq(x->pcpus[2].rqd, &x->rqds[1]);
        struct scn_domain d = fake_domain_defaults();
        int soft[] = { 2, 3 };
        d.cpus_soft = soft;
        d.ncpus_soft = 2;
        struct sched_vcpu *s, *n;
        ck_assert_int_eq(fake_vcpu_new(c, &d, 0, false, &s), 0);
        ck_assert_int_eq(s->processor, (quirk ? 2 : 3));
        ck_assert_int_eq(x->rqds[0].pick_bias, (quirk ? 2 : 0));
        ck_assert_int_eq(x->rqds[1].pick_bias, (quirk ? 2 : 3));
        n = dom_w(c, 256, 0, false);
        ck_assert_int_eq(n->processor, (quirk ? 0 : 1));
        fake_core_free(c);
    }
}
END_TEST

/* Both pCPUs busy with x (pCPU 0) and y (pCPU 1), past the ratelimit. A
 * new vCPU n of pCPU 0 with 10 ms: against x at 10.5 ms the score is -0.5
 * ms; against y, off n's pCPU, 10 - credit(y) - 0.5 ms. y at 9.6 ms: -0.1
 * ms, no tickle at all. y at 9.4 ms: +0.1 ms (plus the soft-affinity
 * bonuses), pCPU 1 is tickled. */
START_TEST(tickle_migrate_resist)
{
    for (int k = 0; k < 2; k++) {
        struct sched_core *c = core_n(2);
        struct sched_vcpu *y = dom_w(c, 256, 0, true), *x = dom_w(c, 256, 0, true);
        struct sched_vcpu *n = dom_w(c, 256, 0, false);
        ck_assert_int_eq(y->processor, 1);
        ck_assert_int_eq(x->processor, 0);
        ck_assert_ptr_eq(fake_schedule(c, 0).next, x);
        ck_assert_ptr_eq(fake_schedule(c, 1).next, y);
        fake_advance(c, 0, 2 * MS);
        fake_advance(c, 1, 2 * MS);
        if (n->processor != 0)
            ck_assert_int_eq(sched_move(c, n, 0), 0);
        cu(n)->cpu = 0;     /* the policy's own record of n's pCPU follows */
        cu(x)->start_time = cu(y)->start_time = 2 * MS;
        cu(x)->credit = 10500 * US;
        cu(y)->credit = k ? 9400 * US : 9600 * US;
        fake_clear_log(c);
        fake_wake(c, n);
        ck_assert_int_eq(fake_ntickles(c, 0), 0);
        ck_assert_int_eq(fake_ntickles(c, 1), k);
        fake_core_free(c);
    }
}
END_TEST

/* ---- load balancing ---- */

/* Two sockets of one pCPU: two run queues. Placement: a to run queue 0
 * (both loads 0, the first wins), whose b_avgload becomes a's starting
 * 50% (2^17); b to run queue 1 (0 < 2^17); c to run queue 0 (a tie: the
 * first). At time 0 nothing decays. Set a, c at 1.0 (2^18) and b at 0.5:
 * run queue 0 at 2.0, run queue 1 at 0.5, delta 1.5 = 393216. The last
 * run queue of the list (1) gives load_max 2.0 >= 1 pCPU: overloaded, the
 * tolerance 2^(18-3) = 32768 is passed. Swap a/b: 2.0 - 1 + 0.5 = 1.5
 * against 0.5 + 1 - 0.5 = 1.0, delta 0.5; push a alone: 1.0 against 1.5,
 * 0.5 too, not better; c's the same; pull b alone: 2.5 against 0. The
 * first best, swap a and b, is done: a to pCPU 1, b to pCPU 0. */
START_TEST(balance_swaps)
{
    struct topo t = { 2, 1, 1, TOPO_SPLIT };
    struct sched_core *c = core_t(2, t, fake_sched_defaults());
    struct c2 *x = pol(c);
    ck_assert_int_eq(x->nrqd, 2);
    struct sched_vcpu *a = dom_w(c, 256, 0, false), *b = dom_w(c, 256, 0, false);
    struct sched_vcpu *cc = dom_w(c, 256, 0, false);
    ck_assert_ptr_eq(cu(a)->rqd, &x->rqds[0]);
    ck_assert_ptr_eq(cu(b)->rqd, &x->rqds[1]);
    ck_assert_ptr_eq(cu(cc)->rqd, &x->rqds[0]);
    cu(a)->avgload = cu(cc)->avgload = 1 << 18;
    cu(b)->avgload = 1 << 17;
    x->rqds[0].b_avgload = 2 << 18;
    x->rqds[1].b_avgload = 1 << 17;
    balance_load(x, 0, 0);
    ck_assert_ptr_eq(cu(a)->rqd, &x->rqds[1]);
    ck_assert_ptr_eq(cu(b)->rqd, &x->rqds[0]);
    ck_assert_ptr_eq(cu(cc)->rqd, &x->rqds[0]);
    ck_assert_int_eq(a->processor, 1);
    ck_assert_int_eq(b->processor, 0);
    fake_core_free(c);
}
END_TEST

/* balance_last_rq_quirk. Three sockets, three run queues; vCPU o on run
 * queue 0, p on 1 (placement goes to the least loaded, the first of
 * equals). Loads: run queue 0 (the balancer's) 0.5, run queue 1 1.2
 * (delta 0.7, the largest), run queue 2 (the last) 0.6. Xen reads
 * load_max from the last run queue looked at: max(0.5, 0.6) < 1 pCPU, so
 * the underload tolerance 2^0 = 1.0 applies and 0.7 stays: nothing moves.
 * Without the quirk load_max is 1.2: overloaded, 0.7 >= 1/8, balance. With
 * p at 0.35 and o at its starting 0.5: pushing o gives 0 against 1.7,
 * swapping 0.35 against 1.35, pulling p 0.85 against 0.85: p is pulled. */
START_TEST(balance_last_rq_quirk)
{
    for (int quirk = 0; quirk < 2; quirk++) {
        struct scn_sched_global g = fake_sched_defaults();
        g.credit2.balance_last_rq_quirk = quirk;
        struct topo t = { 3, 1, 1, TOPO_SPLIT };
        struct sched_core *c = core_t(3, t, g);
        struct c2 *x = pol(c);
        ck_assert_int_eq(x->nrqd, 3);
        struct sched_vcpu *o = dom_w(c, 256, 0, false), *p = dom_w(c, 256, 0, false);
        ck_assert_ptr_eq(cu(o)->rqd, &x->rqds[0]);
        ck_assert_ptr_eq(cu(p)->rqd, &x->rqds[1]);
        int64_t one = 1 << 18;
        x->rqds[0].b_avgload = one / 2;
        x->rqds[1].b_avgload = one * 12 / 10;
        x->rqds[2].b_avgload = one * 6 / 10;
        cu(p)->avgload = one * 35 / 100;
        balance_load(x, 0, 0);
        ck_assert_ptr_eq(cu(p)->rqd, &x->rqds[quirk ? 1 : 0]);
        ck_assert_ptr_eq(cu(o)->rqd, &x->rqds[0]);
        fake_core_free(c);
    }
}
END_TEST

/* ---- ratelimit and caps ---- */

/* Ratelimit: b wakes with more credit than the running a 300 us after a
 * started: on its own pCPU, a is not preemptable (300 us < 1 ms - 50 us),
 * so no tickle; a schedule then keeps a (it ran 300 us < 1 ms) and gives
 * it the rest of its ratelimit, 700 us. */
START_TEST(ratelimit_keeps_running)
{
    struct sched_core *c = core_n(1);
    struct sched_vcpu *a = dom_w(c, 256, 0, true), *b = dom_w(c, 256, 0, false);
    ck_assert_ptr_eq(fake_schedule(c, 0).next, a);
    fake_advance(c, 0, 300 * US);
    cu(a)->credit = 5 * MS;
    fake_clear_log(c);
    fake_wake(c, b);
    ck_assert_int_eq(fake_ntickles(c, 0), 0);
    struct sched_slice s = fake_schedule(c, 0);
    ck_assert_ptr_eq(s.next, a);
    ck_assert_int_eq(s.slice, 700 * US);
    fake_core_free(c);
}
END_TEST

/* A cap of 25 with the 10 ms period: tot_budget 2.5 ms, a quota of 2.5
 * ms. A lone capped hog a grabs the 2.5 ms; its slice, 10 ms by credit,
 * is cut to the budget, 2.5 ms. Then its budget is 0 and so is the
 * pool's: it is parked and the pCPU idles until the refill at 10 ms
 * unparks it, and the next refill is due at 20 ms. */
START_TEST(cap_parks_until_refill)
{
    struct sched_core *c = core_n(1);
    struct sched_vcpu *a = dom_w(c, 256, 25, true);
    struct c2_dom *d = cu(a)->d;
    ck_assert_int_eq(d->tot_budget, 2500 * US);
    ck_assert_int_eq(cu(a)->budget_quota, 2500 * US);
    ck_assert_int_eq(fake_run(c, 0, 9999 * US) > 0, 1);
    ck_assert_int_eq(fake_cpu_time(c, a), 2500 * US);
    ck_assert(fake_parked(c, a));
    fake_fire_until(c, 0, 10 * MS);
    ck_assert(!fake_parked(c, a));
    ck_assert_int_eq(d->next_repl, 20 * MS);
    fake_core_free(c);
}
END_TEST

/* ---- run queue arrangement ---- */

/* 2 sockets x 2 cores x 2 threads (split numbering: pCPU p's sibling is
 * p + 4, its socket p / 2 % 2 ... as sim/topo.h places them): per socket,
 * two run queues of four; per core, four of two; per pCPU, eight; all, one
 * of eight. */
START_TEST(runqueue_arrangement)
{
    static const struct { int opt, nrqd; } k[] = {
        { SCN_C2_RQ_SOCKET, 2 }, { SCN_C2_RQ_CORE, 4 }, { SCN_C2_RQ_CPU, 8 },
        { SCN_C2_RQ_ALL, 1 }, { SCN_C2_RQ_NODE, 1 },
    };
    struct topo t = { 2, 2, 2, TOPO_SPLIT };
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
        struct scn_sched_global g = fake_sched_defaults();
        g.credit2.runqueue = k[i].opt;
        struct sched_core *c = core_t(8, t, g);
        struct c2 *x = pol(c);
        ck_assert_int_eq(x->nrqd, k[i].nrqd);
        for (int p = 0; p < 8; p++)
            for (int q = 0; q < 8; q++) {
                bool same = x->pcpus[p].rqd == x->pcpus[q].rqd;
                bool want = k[i].opt == SCN_C2_RQ_SOCKET ? topo_same_socket(&t, p, q)
                            : k[i].opt == SCN_C2_RQ_CORE ? topo_same_core(&t, p, q)
                            : k[i].opt == SCN_C2_RQ_CPU ? p == q : true;
                ck_assert_int_eq(same, want);
            }
        fake_core_free(c);
    }
}
END_TEST

static Suite *credit2_suite(void)
{
    Suite *s = suite_create("credit2");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, burn_scaled_by_weight);
    tcase_add_test(tc, burn_residual);
    tcase_add_test(tc, reset_clips_and_floors);
    tcase_add_test(tc, place_and_tickle_idlers);
    tcase_add_test(tc, place_soft_uses_hard_bias);
    tcase_add_test(tc, tickle_migrate_resist);
    tcase_add_test(tc, balance_swaps);
    tcase_add_test(tc, balance_last_rq_quirk);
    tcase_add_test(tc, ratelimit_keeps_running);
    tcase_add_test(tc, cap_parks_until_refill);
    tcase_add_test(tc, runqueue_arrangement);
    suite_add_tcase(s, tc);
    return s;
}

XS_CHECK_MAIN(credit2_suite)
