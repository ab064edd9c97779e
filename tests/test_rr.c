/*
 * tests/test_rr.c: the Round Robin policy (schedulers/rr.c) driven step by
 * step through the fake core (tests/sched_fake.h), and the registry.
 *
 * Expected values follow the Xen 2.0 behaviour recorded in
 * shared/facts/xen-schedulers.md section 4: tail requeue, wake to the head,
 * preemption only of an idle pCPU, the same global slice for every
 * dispatch (idle included).
 */
#include <check.h>
#include <string.h>
#include "schedulers/policies.h"
#include "sim/err.h"
#include "tests/check_util.h"
#include "tests/sched_fake.h"

static struct sched_core *core_with(sim_time_t slice)
{
    struct scn_sched_global g = fake_sched_defaults();
    g.rr.slice = slice;
    struct sched_core *c;
    ck_assert_int_eq(fake_core_new(&sched_rr_ops, 1, &g, &c), 0);
    return c;
}

static struct sched_vcpu *vcpu(struct sched_core *c, bool runnable)
{
    struct scn_domain d = fake_domain_defaults();
    struct sched_vcpu *v;
    ck_assert_int_eq(fake_vcpu_new(c, &d, 0, runnable, &v), 0);
    return v;
}

/* Run one slice: dispatch, then let the slice expire. */
static struct sched_vcpu *step(struct sched_core *c)
{
    struct sched_slice s = fake_schedule(c, 0);
    fake_advance(c, 0, s.slice);
    return s.next;
}

START_TEST(test_tail_requeue_order)
{
    struct sched_core *c = core_with(10 * SIM_MSEC);
    struct sched_vcpu *a = vcpu(c, true), *b = vcpu(c, true), *d = vcpu(c, true);
    /* Admitted (unpaused through wake) in order a, b, d: each goes to the
     * head, so the queue is [d, b, a]; every admission found idle running
     * and asked for a reschedule. Each descheduled vCPU goes back to the
     * tail, so the order repeats. */
    ck_assert_int_eq(fake_ntickles(c, 0), 3);
    struct sched_vcpu *want[] = { d, b, a, d, b, a, d };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        ck_assert_ptr_eq(step(c), want[i]);
    fake_core_free(c);
}
END_TEST

START_TEST(test_slice_value)
{
    /* Every dispatch gets scheduler.rr.slice, whatever runs. */
    struct sched_core *c = core_with(3 * SIM_MSEC);
    struct sched_slice s = fake_schedule(c, 0);
    ck_assert(s.next->is_idle);                 /* empty queue: idle */
    ck_assert_int_eq(s.slice, 3 * SIM_MSEC);    /* idle gets the slice too */
    struct sched_vcpu *a = vcpu(c, true);
    s = fake_schedule(c, 0);
    ck_assert_ptr_eq(s.next, a);
    ck_assert_int_eq(s.slice, 3 * SIM_MSEC);
    fake_core_free(c);

    c = core_with(10 * SIM_MSEC);               /* the scenario default */
    s = fake_schedule(c, 0);
    ck_assert_int_eq(s.slice, 10 * SIM_MSEC);
    fake_core_free(c);
}
END_TEST

START_TEST(test_wake_head_no_preempt)
{
    struct sched_core *c = core_with(10 * SIM_MSEC);
    struct sched_vcpu *a = vcpu(c, true), *b = vcpu(c, true), *w = vcpu(c, false);
    /* Admissions: queue [b, a]; b runs. */
    ck_assert_ptr_eq(fake_schedule(c, 0).next, b);      /* queue now [a] */
    fake_clear_log(c);
    fake_advance(c, 0, 4 * SIM_MSEC);
    fake_wake(c, w);                                    /* queue [w, a] */
    /* a is not idle: no preemption, no timer change. */
    ck_assert_int_eq(fake_ntickles(c, 0), 0);
    ck_assert_int_eq(fake_nearlier(c, 0, NULL), 0);
    ck_assert_int_eq(fake_slice_timer(c, 0), 10 * SIM_MSEC);
    fake_set_now(c, 0, 10 * SIM_MSEC);
    /* b requeues at the tail behind [w, a]: the woken vCPU runs next,
     * ahead of a, which had waited longer. */
    ck_assert_ptr_eq(step(c), w);
    ck_assert_ptr_eq(step(c), a);
    ck_assert_ptr_eq(step(c), b);
    ck_assert_ptr_eq(step(c), w);
    fake_core_free(c);
}
END_TEST

START_TEST(test_wake_preempts_idle)
{
    struct sched_core *c = core_with(10 * SIM_MSEC);
    struct sched_vcpu *w = vcpu(c, false);
    ck_assert(fake_schedule(c, 0).next->is_idle);
    fake_advance(c, 0, 1 * SIM_MSEC);
    fake_wake(c, w);
    ck_assert_int_eq(fake_ntickles(c, 0), 1);
    ck_assert_ptr_eq(fake_schedule(c, 0).next, w);
    /* A second wake of a queued or running vCPU does nothing. */
    fake_wake(c, w);
    ck_assert_int_eq(fake_ntickles(c, 0), 1);
    fake_core_free(c);
}
END_TEST

START_TEST(test_sleep)
{
    /* The sleep hook, which the core calls only for a pause. */
    struct sched_core *c = core_with(10 * SIM_MSEC);
    struct sched_vcpu *d = vcpu(c, true), *b = vcpu(c, true), *a = vcpu(c, true);
    ck_assert_ptr_eq(fake_schedule(c, 0).next, a);      /* queue [b, d] */
    fake_clear_log(c);
    /* A queued vCPU that is paused leaves the queue at once, no resched. */
    fake_pause(c, b);
    ck_assert_int_eq(fake_ntickles(c, 0), 0);
    /* The running one asks for a reschedule and is dropped there. */
    fake_advance(c, 0, 2 * SIM_MSEC);
    fake_pause(c, a);
    ck_assert_int_eq(fake_ntickles(c, 0), 1);
    ck_assert_ptr_eq(step(c), d);
    ck_assert_ptr_eq(step(c), d);                       /* alone now */
    fake_pause(c, d);
    ck_assert(step(c)->is_idle);
    fake_wake(c, b);
    ck_assert_int_eq(fake_ntickles(c, 0), 3);   /* a and d pausing running, b waking */
    ck_assert_ptr_eq(step(c), b);
    fake_core_free(c);
}
END_TEST

START_TEST(test_block_calls_no_hook)
{
    /* Xen 2.0's RR had no do_block: a block reaches the policy only as a
     * previous vCPU that do_schedule finds not runnable and drops. */
    struct sched_core *c = core_with(10 * SIM_MSEC);
    struct sched_vcpu *b = vcpu(c, true), *a = vcpu(c, true);
    ck_assert_ptr_eq(fake_schedule(c, 0).next, a);      /* queue [b] */
    fake_clear_log(c);
    fake_advance(c, 0, 2 * SIM_MSEC);
    fake_block(c, a);
    ck_assert_int_eq(fake_ntickles(c, 0), 0);
    ck_assert_ptr_eq(step(c), b);
    ck_assert_ptr_eq(step(c), b);                       /* a is not requeued */
    fake_wake(c, a);                                    /* head, no preemption */
    ck_assert_int_eq(fake_ntickles(c, 0), 0);
    ck_assert_ptr_eq(step(c), a);
    fake_core_free(c);
}
END_TEST

START_TEST(test_equal_shares)
{
    /* Four CPU-bound vCPUs for 4 s of 10 ms slices: 400 dispatches, 100
     * each, so each gets exactly 1 s = 1/4 (within 1% asked). */
    struct sched_core *c = core_with(10 * SIM_MSEC);
    struct sched_vcpu *v[4];
    for (int i = 0; i < 4; i++)
        v[i] = vcpu(c, true);
    ck_assert_int_eq(fake_run(c, 0, 4 * SIM_SEC), 400);
    fake_schedule(c, 0);                        /* charge the last slice */
    for (int i = 0; i < 4; i++) {
        double share = (double)fake_cpu_time(c, v[i]) / (double)(4 * SIM_SEC);
        ck_assert_double_eq_tol(share, 0.25, 0.01);
        ck_assert_int_eq(fake_cpu_time(c, v[i]), 1 * SIM_SEC);
    }
    fake_core_free(c);
}
END_TEST

START_TEST(test_two_pcpus_independent)
{
    struct scn_sched_global g = fake_sched_defaults();
    struct sched_core *c;
    ck_assert_int_eq(fake_core_new(&sched_rr_ops, 2, &g, &c), 0);
    struct scn_domain d = fake_domain_defaults();
    struct sched_vcpu *a, *b;
    ck_assert_int_eq(fake_vcpu_new(c, &d, 0, true, &a), 0);
    ck_assert_int_eq(fake_vcpu_new(c, &d, 1, false, &b), 0);
    ck_assert_ptr_eq(fake_schedule(c, 0).next, a);
    ck_assert(fake_schedule(c, 1).next->is_idle);
    fake_clear_log(c);
    fake_wake(c, b);                            /* pCPU 1 is idle: preempt there */
    ck_assert_int_eq(fake_ntickles(c, 0), 0);
    ck_assert_int_eq(fake_ntickles(c, 1), 1);
    ck_assert_ptr_eq(fake_schedule(c, 1).next, b);
    ck_assert_ptr_eq(fake_schedule(c, 0).next, a);
    fake_core_free(c);
}
END_TEST

START_TEST(test_dump)
{
    struct sched_core *c = core_with(10 * SIM_MSEC);
    vcpu(c, true);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ck_assert_ptr_nonnull(f);
    sched_rr_ops.dump(fake_policy(c), f);
    fclose(f);
    ck_assert_ptr_nonnull(strstr(buf, "slice 10000000 ns"));
    ck_assert_ptr_nonnull(strstr(buf, "runq: 1"));     /* vCPU id 1 (idle is 0) */
    free(buf);
    fake_core_free(c);
}
END_TEST

START_TEST(test_registry)
{
    ck_assert_ptr_eq(sched_registry[0], &sched_rr_ops);
    ck_assert_ptr_eq(sched_registry[1], &sched_bvt_ops);
    ck_assert_ptr_eq(sched_registry[2], &sched_atropos_ops);
    ck_assert_ptr_eq(sched_registry[3], &sched_credit_ops);
    ck_assert_ptr_eq(sched_registry[4], &sched_credit2_ops);
    ck_assert_ptr_eq(sched_registry[5], &sched_rtds_ops);
    ck_assert_ptr_eq(sched_registry[6], &sched_sedf_ops);
    ck_assert_ptr_eq(sched_registry[7], &sched_null_ops);
    ck_assert_ptr_eq(sched_registry[8], &sched_arinc653_ops);
    ck_assert_ptr_null(sched_registry[9]);
    ck_assert_ptr_eq(sched_find("rr"), &sched_rr_ops);
    ck_assert_ptr_eq(sched_find("bvt"), &sched_bvt_ops);
    ck_assert_ptr_eq(sched_find("atropos"), &sched_atropos_ops);
    ck_assert_ptr_null(sched_find("rrobin"));
    ck_assert_ptr_null(sched_find(""));
    ck_assert_ptr_null(sched_find(NULL));
    ck_assert_ptr_eq(sched_find("null"), &sched_null_ops);
    ck_assert_ptr_eq(sched_find("arinc653"), &sched_arinc653_ops);
    ck_assert_ptr_eq(sched_find("rtds"), &sched_rtds_ops);
    ck_assert_ptr_eq(sched_find("sedf"), &sched_sedf_ops);
    ck_assert_str_eq(sched_names(), "rr, bvt, atropos, credit, credit2, rtds, sedf, null, arinc653");
    /* Every policy provides the hooks sched.h calls required. */
    for (int i = 0; sched_registry[i]; i++) {
        const struct sched_ops *o = sched_registry[i];
        ck_assert(o->name && o->opt_name && o->init && o->alloc_vdata && o->insert &&
                  o->do_schedule);
    }
}
END_TEST

START_TEST(test_init_rejects_bad_slice)
{
    struct scn_sched_global g = fake_sched_defaults();
    g.rr.slice = 0;
    struct sched_core *c;
    ck_assert_int_eq(fake_core_new(&sched_rr_ops, 1, &g, &c), -SIM_EINVAL);
    ck_assert_ptr_null(c);
}
END_TEST

static Suite *rr_suite(void)
{
    Suite *s = suite_create("rr");
    TCase *tc = xs_tcase(s, "policy", 10);
    tcase_add_test(tc, test_tail_requeue_order);
    tcase_add_test(tc, test_slice_value);
    tcase_add_test(tc, test_wake_head_no_preempt);
    tcase_add_test(tc, test_wake_preempts_idle);
    tcase_add_test(tc, test_sleep);
    tcase_add_test(tc, test_block_calls_no_hook);
    tcase_add_test(tc, test_equal_shares);
    tcase_add_test(tc, test_two_pcpus_independent);
    tcase_add_test(tc, test_dump);
    tcase_add_test(tc, test_init_rejects_bad_slice);
    tc = xs_tcase(s, "registry", 5);
    tcase_add_test(tc, test_registry);
    return s;
}

XS_CHECK_MAIN(rr_suite)
