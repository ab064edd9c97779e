/*
 * tests/test_null.c: the null scheduler of Xen 4.17 (schedulers/null.c)
 * driven step by step through the fake core (tests/sched_fake.h).
 *
 * White-box: the policy file is included so the tests can read which
 * vCPU each pCPU is assigned and the wait list. Every expectation follows
 * from Xen 4.17.5's sched/null.c as docs/schedulers.md states it: insert
 * assigns a vCPU to its own pCPU if free, else the first free pCPU of its
 * soft, then hard, affinity, else queues it; a pCPU keeps its vCPU through
 * blocks; a freed pCPU takes the first waiter whose soft affinity holds
 * it, else the first whose hard affinity does; no time slice.
 */
#include "schedulers/null.c"

#include <check.h>
#include <string.h>
#include "tests/check_util.h"
#include "tests/sched_fake.h"

static struct sched_core *core_n(int np)
{
    struct scn_sched_global g = fake_sched_defaults();
    struct sched_core *c;
    ck_assert_int_eq(fake_core_new(&sched_null_ops, np, &g, &c), 0);
    for (int p = 0; p < np; p++)
        ck_assert(fake_schedule(c, p).next->is_idle);
    return c;
}

static struct nl *pol(struct sched_core *c)
{
    return fake_policy(c);
}

/* A one-vCPU domain created on pcpu (the core's placement), runnable,
 * with the given hard and soft affinities (NULL: any). */
static struct sched_vcpu *vcpu_on(struct sched_core *c, int pcpu, int *cpus, int ncpus,
                                  int *soft, int nsoft)
{
    struct scn_domain d = fake_domain_defaults();
    d.cpus = cpus;
    d.ncpus = ncpus;
    d.cpus_soft = soft;
    d.ncpus_soft = nsoft;
    struct sched_vcpu *v;
    ck_assert_int_eq(fake_vcpu_new(c, &d, pcpu, true, &v), 0);
    return v;
}

/* The wait list as "domain" words, oldest first. */
static const char *waiting(struct sched_core *c)
{
    static char buf[128];
    size_t n = 0;
    buf[0] = '\0';
    for (const struct nl_vcpu *w = pol(c)->whead; w; w = w->wnext)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%d", n ? " " : "", w->v->domain);
    return buf;
}

/* Two pCPUs, three vCPUs all placed by the core on pCPU 0: the first keeps
 * pCPU 0 (free), the second goes to the first free pCPU, 1; the third
 * finds none free and waits, left on pCPU 0. Each assigned vCPU runs with
 * no slice (SIM_TIME_MAX: Xen's next_time -1); the waiter never runs. */
START_TEST(insert_assigns_then_waits)
{
    struct sched_core *c = core_n(2);
    struct sched_vcpu *a = vcpu_on(c, 0, NULL, 0, NULL, 0);
    struct sched_vcpu *b = vcpu_on(c, 0, NULL, 0, NULL, 0);
    struct sched_vcpu *w = vcpu_on(c, 0, NULL, 0, NULL, 0);
    ck_assert_ptr_eq(pol(c)->assigned[0], a);
    ck_assert_ptr_eq(pol(c)->assigned[1], b);
    ck_assert_int_eq(b->processor, 1);
    ck_assert_int_eq(fake_moves(c, b), 0);          /* placed at insert, not moved */
    ck_assert_str_eq(waiting(c), "2");
    ck_assert_int_eq(w->processor, 0);
    struct sched_slice s0 = fake_schedule(c, 0), s1 = fake_schedule(c, 1);
    ck_assert_ptr_eq(s0.next, a);
    ck_assert_ptr_eq(s1.next, b);
    ck_assert(s0.slice == SIM_TIME_MAX && s1.slice == SIM_TIME_MAX);
    /* A wake of the waiter asks for nothing: it has no pCPU. */
    fake_clear_log(c);
    fake_wake(c, w);
    ck_assert_int_eq(fake_ntickles(c, 0) + fake_ntickles(c, 1), 0);
    fake_advance(c, 0, SIM_SEC);
    fake_advance(c, 1, SIM_SEC);
    ck_assert_ptr_eq(fake_schedule(c, 0).next, a);
    ck_assert_ptr_eq(fake_schedule(c, 1).next, b);
    ck_assert_int_eq(fake_cpu_time(c, w), 0);
    ck_assert_int_eq(fake_cpu_time(c, a), SIM_SEC);
    fake_core_free(c);
}
END_TEST

/* A blocked vCPU keeps its pCPU, which idles (the waiter does not get
 * it); its wake makes that pCPU reschedule, and it runs again. A pause of
 * the running vCPU makes its pCPU reschedule too. */
START_TEST(block_keeps_the_pcpu)
{
    struct sched_core *c = core_n(1);
    struct sched_vcpu *a = vcpu_on(c, 0, NULL, 0, NULL, 0);
    vcpu_on(c, 0, NULL, 0, NULL, 0);
    ck_assert_ptr_eq(fake_schedule(c, 0).next, a);
    fake_block(c, a);
    ck_assert(fake_schedule(c, 0).next->is_idle);
    ck_assert_ptr_eq(pol(c)->assigned[0], a);
    ck_assert_str_eq(waiting(c), "1");
    fake_clear_log(c);
    fake_wake(c, a);
    ck_assert_int_eq(fake_ntickles(c, 0), 1);
    ck_assert_ptr_eq(fake_schedule(c, 0).next, a);
    fake_clear_log(c);
    fake_pause(c, a);
    ck_assert_int_eq(fake_ntickles(c, 0), 1);
    ck_assert(fake_schedule(c, 0).next->is_idle);
    fake_core_free(c);
}
END_TEST

/* A removed vCPU's pCPU goes to the first waiter that may run there, one
 * whose soft affinity holds it first: with waiters w1 (no soft affinity)
 * then w2 (soft {1}), freeing pCPU 1 picks w2 although w1 is older;
 * freeing pCPU 0 then picks w1. Each is moved there (one move) and the
 * pCPU is made to reschedule. */
START_TEST(remove_hands_the_pcpu_to_a_waiter)
{
    struct sched_core *c = core_n(2);
    int soft1[] = { 1 };
    struct sched_vcpu *a = vcpu_on(c, 0, NULL, 0, NULL, 0);
    struct sched_vcpu *b = vcpu_on(c, 1, NULL, 0, NULL, 0);
    struct sched_vcpu *w1 = vcpu_on(c, 0, NULL, 0, NULL, 0);
    struct sched_vcpu *w2 = vcpu_on(c, 0, NULL, 0, soft1, 1);
    ck_assert_str_eq(waiting(c), "2 3");
    ck_assert_int_eq(w2->processor, 0);     /* no free pCPU: left where placed */
    fake_clear_log(c);
    sched_null_ops.remove(pol(c), b);
    ck_assert_ptr_eq(pol(c)->assigned[1], w2);
    ck_assert_int_eq(w2->processor, 1);
    ck_assert_int_eq(fake_moves(c, w2), 1);
    ck_assert_int_eq(fake_ntickles(c, 1), 1);
    ck_assert_str_eq(waiting(c), "2");
    ck_assert_ptr_eq(fake_schedule(c, 1).next, w2);
    sched_null_ops.remove(pol(c), a);
    ck_assert_ptr_eq(pol(c)->assigned[0], w1);
    ck_assert_int_eq(fake_moves(c, w1), 0); /* already on pCPU 0 */
    ck_assert_str_eq(waiting(c), "");
    fake_core_free(c);
}
END_TEST

/* pick_res with affinities, three pCPUs. A vCPU preferring {2}, placed on
 * 0, gets 2 (soft step: 0 is not in its soft mask, 2 is the first free
 * there). A second one preferring {2}: no free pCPU in {2}, so the hard
 * step: its own pCPU 0 is free, it stays. A vCPU pinned to {2}: taken, so
 * it waits although pCPU 1 is free, and pCPU 1's schedule does not take
 * it (not in its hard affinity). */
START_TEST(pick_with_affinity)
{
    struct sched_core *c = core_n(3);
    int two[] = { 2 };
    struct sched_vcpu *s1 = vcpu_on(c, 0, NULL, 0, two, 1);
    struct sched_vcpu *s2 = vcpu_on(c, 0, NULL, 0, two, 1);
    struct sched_vcpu *p = vcpu_on(c, 2, two, 1, NULL, 0);
    ck_assert_int_eq(s1->processor, 2);
    ck_assert_int_eq(s2->processor, 0);
    ck_assert_ptr_eq(pol(c)->assigned[2], s1);
    ck_assert_ptr_eq(pol(c)->assigned[0], s2);
    ck_assert_ptr_null(pol(c)->assigned[1]);
    ck_assert_str_eq(waiting(c), "2");
    ck_assert(fake_schedule(c, 1).next->is_idle);
    ck_assert_str_eq(waiting(c), "2");
    (void)p;
    fake_core_free(c);
}
END_TEST

/* A free pCPU's schedule takes the first waiter that may run there (Xen:
 * a pCPU that has just joined the pool): here pCPU 1 is freed behind the
 * policy's back, so no deassign hands it over; its schedule assigns and
 * runs the waiter, moved from pCPU 0. */
START_TEST(free_pcpu_schedule_takes_a_waiter)
{
    struct sched_core *c = core_n(2);
    vcpu_on(c, 0, NULL, 0, NULL, 0);
    vcpu_on(c, 1, NULL, 0, NULL, 0);
    struct sched_vcpu *w = vcpu_on(c, 0, NULL, 0, NULL, 0);
    pol(c)->assigned[1] = NULL;
    ck_assert_ptr_eq(fake_schedule(c, 1).next, w);
    ck_assert_ptr_eq(pol(c)->assigned[1], w);
    ck_assert_int_eq(w->processor, 1);
    ck_assert_str_eq(waiting(c), "");
    fake_core_free(c);
}
END_TEST

/* Trace records as Xen 4.17 numbers them: TRC_SCHED_CLASS 0x00022000 +
 * (SNULL id 5 << 9 = 0xa00) + event; the insert of domain 0's vCPU 0 on
 * pCPU 1 writes PICKED_CPU (1) then UNIT_ASSIGN (2), payload
 * vcpu | dom << 16 = 0, then the pCPU, 1. */
START_TEST(trace_records)
{
    struct sched_core *c = core_n(2);
    fake_clear_log(c);
    vcpu_on(c, 1, NULL, 0, NULL, 0);
    int picked = 0, assigned = 0;
    for (size_t i = 0; i < fake_nlog(c); i++) {
        const struct fake_call *f = fake_log(c, i);
        if (f->kind != FAKE_TRACE)
            continue;
        if (f->event == 0x00022a01u && f->nd == 2 && f->d[0] == 0 && f->d[1] == 1)
            picked++;
        if (f->event == 0x00022a02u && f->nd == 2 && f->d[0] == 0 && f->d[1] == 1)
            assigned++;
    }
    ck_assert_int_eq(picked, 1);
    ck_assert_int_eq(assigned, 1);
    fake_core_free(c);
}
END_TEST

static Suite *null_suite(void)
{
    Suite *s = suite_create("null");
    TCase *tc = xs_tcase(s, "xen417", 30);
    tcase_add_test(tc, insert_assigns_then_waits);
    tcase_add_test(tc, block_keeps_the_pcpu);
    tcase_add_test(tc, remove_hands_the_pcpu_to_a_waiter);
    tcase_add_test(tc, pick_with_affinity);
    tcase_add_test(tc, free_pcpu_schedule_takes_a_waiter);
    tcase_add_test(tc, trace_records);
    return s;
}

XS_CHECK_MAIN(null_suite)
