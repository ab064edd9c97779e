/*
 * tests/test_arinc653.c: the ARINC 653 scheduler of Xen 4.17
 * (schedulers/arinc653.c) driven step by step through the fake core
 * (tests/sched_fake.h).
 *
 * White-box: the policy file is included so the tests can read the
 * schedule. Every expectation follows from Xen 4.17.5's sched/arinc653.c as
 * docs/schedulers.md states it: minor frames run in order from the start of
 * each major frame, each for its run time; the rest of the major frame is
 * idle, and so is a minor frame whose vCPU cannot run or sits on another
 * pCPU; a late schedule at a major-frame boundary starts the frame late
 * (late_frame_quirk); without a schedule, dom0's vCPUs run 10 ms each.
 */
#include "schedulers/arinc653.c"

#include <check.h>
#include <string.h>
#include "tests/check_util.h"
#include "tests/sched_fake.h"

#define MS SIM_MSEC

struct frame { int dom, vcpu; sim_time_t runtime; };

/* A core of np pCPUs with the schedule f[0 .. n-1] in a major frame of
 * major ns (n 0: none given). */
static struct sched_core *core_sched(int np, sim_time_t major, const struct frame *f, int n,
                                     bool quirk)
{
    struct scn_sched_global g = fake_sched_defaults();
    g.arinc653.late_frame_quirk = quirk;
    g.arinc653.major_frame = major;
    g.arinc653.nframes = n;
    for (int i = 0; i < n; i++)
        g.arinc653.frames[i] = (struct scn_a653_frame){ .domain = f[i].dom, .vcpu = f[i].vcpu,
                                                        .runtime = f[i].runtime };
    struct sched_core *c;
    ck_assert_int_eq(fake_core_new(&sched_arinc653_ops, np, &g, &c), 0);
    return c;
}

/* A one-vCPU domain on pcpu, runnable (the domain index is the creation
 * order). */
static struct sched_vcpu *dom_on(struct sched_core *c, int pcpu, bool privileged)
{
    struct scn_domain d = fake_domain_defaults();
    d.privileged = privileged;
    struct sched_vcpu *v;
    ck_assert_int_eq(fake_vcpu_new(c, &d, pcpu, true, &v), 0);
    return v;
}

static struct a6 *pol(struct sched_core *c)
{
    return fake_policy(c);
}

/* Major frame 20 ms: A (domain 0) 10 ms, B (1) 5 ms, then 5 ms idle; C (2)
 * is not in the schedule. Slices 10, 5, 5 from t = 0; over 200 ms (ten
 * major frames) A runs 100 ms, B 50 ms, C nothing. */
START_TEST(frames_run_in_order)
{
    const struct frame f[] = { { 0, 0, 10 * MS }, { 1, 0, 5 * MS } };
    struct sched_core *c = core_sched(1, 20 * MS, f, 2, true);
    struct sched_vcpu *a = dom_on(c, 0, false), *b = dom_on(c, 0, false);
    struct sched_vcpu *x = dom_on(c, 0, false);
    struct sched_slice s = fake_schedule(c, 0);
    ck_assert_ptr_eq(s.next, a);
    ck_assert_int_eq(s.slice, 10 * MS);
    fake_advance(c, 0, s.slice);
    s = fake_schedule(c, 0);
    ck_assert_ptr_eq(s.next, b);
    ck_assert_int_eq(s.slice, 5 * MS);
    fake_advance(c, 0, s.slice);
    s = fake_schedule(c, 0);
    ck_assert(s.next->is_idle);
    ck_assert_int_eq(s.slice, 5 * MS);
    fake_advance(c, 0, s.slice);
    s = fake_schedule(c, 0);
    ck_assert_ptr_eq(s.next, a);
    ck_assert_int_eq(s.slice, 10 * MS);
    fake_run(c, 0, 200 * MS);
    ck_assert_int_eq(fake_cpu_time(c, a), 100 * MS);
    ck_assert_int_eq(fake_cpu_time(c, b), 50 * MS);
    ck_assert_int_eq(fake_cpu_time(c, x), 0);
    fake_core_free(c);
}
END_TEST

/* A's minor frame (0-10 ms): A blocks at 4 ms, the pCPU idles until the
 * frame's end (slice 6 ms); A wakes at 6 ms: its pCPU is made to
 * reschedule and A runs the remaining 4 ms. A pause idles the slot too,
 * and a wake after it brings A back. */
START_TEST(blocked_frame_idles)
{
    const struct frame f[] = { { 0, 0, 10 * MS } };
    struct sched_core *c = core_sched(1, 20 * MS, f, 1, true);
    struct sched_vcpu *a = dom_on(c, 0, false);
    ck_assert_ptr_eq(fake_schedule(c, 0).next, a);
    fake_advance(c, 0, 4 * MS);
    fake_block(c, a);
    struct sched_slice s = fake_schedule(c, 0);
    ck_assert(s.next->is_idle);
    ck_assert_int_eq(s.slice, 6 * MS);
    fake_advance(c, 0, 2 * MS);
    fake_clear_log(c);
    fake_wake(c, a);
    ck_assert_int_eq(fake_ntickles(c, 0), 1);
    s = fake_schedule(c, 0);
    ck_assert_ptr_eq(s.next, a);
    ck_assert_int_eq(s.slice, 4 * MS);
    fake_advance(c, 0, 1 * MS);
    fake_clear_log(c);
    fake_pause(c, a);
    ck_assert_int_eq(fake_ntickles(c, 0), 1);
    ck_assert(fake_schedule(c, 0).next->is_idle);
    fake_wake(c, a);
    ck_assert_ptr_eq(fake_schedule(c, 0).next, a);
    fake_core_free(c);
}
END_TEST

/* Two pCPUs, A on pCPU 0 and B on pCPU 1, frames A 10 ms, B 10 ms. One
 * position for the host: at 0 pCPU 0 runs A and pCPU 1 idles (A is not
 * its vCPU), both until 10 ms; at 10 ms pCPU 0 moves the position to B and
 * idles, and pCPU 1 runs B until 20 ms. */
START_TEST(one_position_for_all_pcpus)
{
    const struct frame f[] = { { 0, 0, 10 * MS }, { 1, 0, 10 * MS } };
    struct sched_core *c = core_sched(2, 20 * MS, f, 2, true);
    struct sched_vcpu *a = dom_on(c, 0, false), *b = dom_on(c, 1, false);
    struct sched_slice s0 = fake_schedule(c, 0), s1 = fake_schedule(c, 1);
    ck_assert_ptr_eq(s0.next, a);
    ck_assert(s1.next->is_idle);
    ck_assert_int_eq(s0.slice, 10 * MS);
    ck_assert_int_eq(s1.slice, 10 * MS);
    fake_advance(c, 0, 10 * MS);
    fake_advance(c, 1, 10 * MS);
    s0 = fake_schedule(c, 0);
    s1 = fake_schedule(c, 1);
    ck_assert(s0.next->is_idle);
    ck_assert_ptr_eq(s1.next, b);
    ck_assert_int_eq(s0.slice, 10 * MS);
    ck_assert_int_eq(s1.slice, 10 * MS);
    fake_core_free(c);
}
END_TEST

/* Major frame 20 ms, A 10 ms. The boundary's schedule runs 50 us late, at
 * 20.05 ms. Quirk on (Xen): the frame starts then, A's slice is 10 ms (to
 * 30.05 ms) and the next frame is due at 40.05 ms. Off: the frame started
 * at 20 ms, A's slice is 9.95 ms; a schedule at 45 ms (two boundaries
 * late) lands in the frame of 40 ms, A until 50 ms. */
START_TEST(late_frame_quirk)
{
    const struct frame f[] = { { 0, 0, 10 * MS } };
    for (int q = 0; q < 2; q++) {
        struct sched_core *c = core_sched(1, 20 * MS, f, 1, q == 1);
        struct sched_vcpu *a = dom_on(c, 0, false);
        ck_assert_ptr_eq(fake_schedule(c, 0).next, a);
        fake_set_now(c, 0, 20 * MS + 50 * SIM_USEC);
        struct sched_slice s = fake_schedule(c, 0);
        ck_assert_ptr_eq(s.next, a);
        if (q == 1) {
            ck_assert_int_eq(s.slice, 10 * MS);
            ck_assert_int_eq(pol(c)->next_major_frame, 40 * MS + 50 * SIM_USEC);
        } else {
            ck_assert_int_eq(s.slice, 10 * MS - 50 * SIM_USEC);
            ck_assert_int_eq(pol(c)->next_major_frame, 40 * MS);
            fake_set_now(c, 0, 45 * MS);
            s = fake_schedule(c, 0);
            ck_assert_ptr_eq(s.next, a);
            ck_assert_int_eq(s.slice, 5 * MS);
        }
        fake_core_free(c);
    }
}
END_TEST

/* No schedule given: Xen's boot schedule. The first privileged domain
 * (dom0, index 1 here) gets an entry of 10 ms for its vCPU and the major
 * frame is 10 ms; a second privileged domain and an unprivileged one get
 * none and never run. With no privileged domain there is no entry at all
 * and the pCPU idles, rescheduling every 10 ms. */
START_TEST(boot_schedule)
{
    struct sched_core *c = core_sched(1, 0, NULL, 0, true);
    struct sched_vcpu *u = dom_on(c, 0, false);
    struct sched_vcpu *d0 = dom_on(c, 0, true);
    struct sched_vcpu *d1 = dom_on(c, 0, true);
    ck_assert_int_eq(pol(c)->n, 1);
    ck_assert_int_eq(pol(c)->major_frame, 10 * MS);
    ck_assert_int_eq(pol(c)->f[0].domain, 1);
    fake_run(c, 0, 100 * MS);
    fake_schedule(c, 0);            /* charges the run that ends at 100 ms */
    ck_assert_int_eq(fake_cpu_time(c, d0), 100 * MS);
    ck_assert_int_eq(fake_cpu_time(c, u) + fake_cpu_time(c, d1), 0);
    fake_core_free(c);

    c = core_sched(1, 0, NULL, 0, true);
    dom_on(c, 0, false);
    struct sched_slice s = fake_schedule(c, 0);
    ck_assert(s.next->is_idle);
    ck_assert_int_eq(s.slice, 10 * MS);
    fake_core_free(c);
}
END_TEST

/* A minor frame naming a vCPU its domain lacks (vCPU 3 of a 1-vCPU
 * domain) is accepted and idles: with A 10 ms then the missing one 5 ms in
 * 15 ms, A gets 10 of every 15 ms. */
START_TEST(missing_vcpu_idles)
{
    const struct frame f[] = { { 0, 0, 10 * MS }, { 0, 3, 5 * MS } };
    struct sched_core *c = core_sched(1, 15 * MS, f, 2, true);
    struct sched_vcpu *a = dom_on(c, 0, false);
    ck_assert_ptr_null(pol(c)->f[1].v);
    fake_run(c, 0, 150 * MS);
    ck_assert_int_eq(fake_cpu_time(c, a), 100 * MS);
    fake_core_free(c);
}
END_TEST

static Suite *arinc653_suite(void)
{
    Suite *s = suite_create("arinc653");
    TCase *tc = xs_tcase(s, "xen417", 30);
    tcase_add_test(tc, frames_run_in_order);
    tcase_add_test(tc, blocked_frame_idles);
    tcase_add_test(tc, one_position_for_all_pcpus);
    tcase_add_test(tc, late_frame_quirk);
    tcase_add_test(tc, boot_schedule);
    tcase_add_test(tc, missing_vcpu_idles);
    return s;
}

XS_CHECK_MAIN(arinc653_suite)
