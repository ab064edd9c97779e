/*
 * tests/test_ev.c: unit tests of the event loop and timers, sim/ev.c.
 *
 * Every test records what ran and when into a log and compares it with the
 * exact expected sequence of (time, label), so an order or time that is off
 * by one event or one nanosecond fails. Covered: scheduling in the past,
 * run-until and the final clock, stop, same-time FIFO including events
 * scheduled during dispatch, cancel/move from callbacks, periodic and
 * one-shot timers (self-cancel, re-arm, move), the dispatched counter and
 * renumbering through the loop.
 *
 * Simplified: allocation failure is not injected.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "sim/err.h"
#include "sim/ev.h"
#include "tests/check_util.h"

/* ---- a log of (time, label) pairs written by callbacks ---- */

#define LOG_MAX 256

struct rec {
    sim_time_t t;               /* ns, ev_now() when the callback ran */
    int label;
};

static struct ev_loop *L;
static struct rec log_v[LOG_MAX];
static int log_n;

static void setup(void)
{
    L = ev_loop_new();
    ck_assert_ptr_nonnull(L);
    log_n = 0;
}

static void teardown(void)
{
    ev_loop_free(L);
    L = NULL;
}

static void log_it(int label)
{
    ck_assert_int_lt(log_n, LOG_MAX);
    log_v[log_n].t = ev_now(L);
    log_v[log_n].label = label;
    log_n++;
}

/* Compare the log with pairs {t0, label0, t1, label1, ...}. */
static void expect_log(const sim_time_t *want, int pairs)
{
    for (int i = 0; i < pairs && i < log_n; i++) {
        ck_assert_msg(log_v[i].t == want[2 * i] && log_v[i].label == want[2 * i + 1],
                      "entry %d: got (%lld, %d), want (%lld, %d)", i,
                      (long long)log_v[i].t, log_v[i].label,
                      (long long)want[2 * i], (int)want[2 * i + 1]);
    }
    ck_assert_int_eq(log_n, pairs);
}

static void *lab(intptr_t label) { return (void *)label; }

static void cb_log(void *arg)
{
    log_it((int)(intptr_t)arg);
}

/* ---- scheduling and running ---- */

START_TEST(test_at_in_past)
{
    ck_assert_int_eq(ev_at(L, -1, cb_log, lab(1), NULL), -SIM_EINVAL);
    ck_assert_int_eq(ev_at(L, 0, cb_log, lab(1), NULL), 0);
    ck_assert_uint_eq(ev_run(L, 100), 1);
    ck_assert_int_eq(ev_now(L), 100);
    ck_assert_int_eq(ev_at(L, 99, cb_log, lab(2), NULL), -SIM_EINVAL);
    ck_assert_int_eq(ev_after(L, -1, cb_log, lab(2), NULL), -SIM_EINVAL);
    ck_assert_int_eq(ev_after(L, SIM_TIME_MAX, cb_log, lab(2), NULL), -SIM_ERANGE);
    ck_assert_int_eq(ev_at(L, 100, cb_log, lab(3), NULL), 0);
    ck_assert_int_eq(ev_after(L, 5, cb_log, lab(4), NULL), 0);
    ck_assert_uint_eq(ev_pending(L), 2);
    ck_assert_uint_eq(ev_run(L, 200), 2);
    static const sim_time_t want[] = { 0, 1, 100, 3, 105, 4 };
    expect_log(want, 3);
}
END_TEST

START_TEST(test_run_until_sets_now)
{
    ck_assert_int_eq(ev_now(L), 0);
    ck_assert_int_eq(ev_next_time(L), SIM_TIME_MAX);
    ck_assert_int_eq(ev_at(L, 30, cb_log, lab(3), NULL), 0);
    ck_assert_int_eq(ev_at(L, 10, cb_log, lab(1), NULL), 0);
    ck_assert_int_eq(ev_at(L, 20, cb_log, lab(2), NULL), 0);
    ck_assert_int_eq(ev_next_time(L), 10);
    ck_assert_uint_eq(ev_run(L, 20), 2);          /* until is inclusive */
    ck_assert_int_eq(ev_now(L), 20);
    ck_assert_uint_eq(ev_pending(L), 1);
    ck_assert_int_eq(ev_next_time(L), 30);
    ck_assert_uint_eq(ev_run(L, 25), 0);
    ck_assert_int_eq(ev_now(L), 25);
    ck_assert_uint_eq(ev_run(L, 24), 0);          /* never backwards */
    ck_assert_int_eq(ev_now(L), 25);
    ck_assert_uint_eq(ev_run(L, 1000), 1);
    ck_assert_int_eq(ev_now(L), 1000);
    ck_assert_uint_eq(ev_dispatched(L), 3);
    static const sim_time_t want[] = { 10, 1, 20, 2, 30, 3 };
    expect_log(want, 3);
}
END_TEST

/* Label 1 at t schedules label 3 at the same t; label 2 was already queued
 * for t. Expected order: 1, 2, 3, all at t, in a single ev_run. */
static void cb_spawn_now(void *arg)
{
    log_it((int)(intptr_t)arg);
    ck_assert_int_eq(ev_at(L, ev_now(L), cb_log, lab(3), NULL), 0);
}

START_TEST(test_same_time_fifo_and_dispatch_time)
{
    ck_assert_int_eq(ev_at(L, 50, cb_spawn_now, lab(1), NULL), 0);
    ck_assert_int_eq(ev_at(L, 50, cb_log, lab(2), NULL), 0);
    ck_assert_int_eq(ev_at(L, 40, cb_log, lab(0), NULL), 0);
    ck_assert_int_eq(ev_at(L, 50, cb_log, lab(4), NULL), 0);
    ck_assert_int_eq(ev_at(L, 60, cb_log, lab(5), NULL), 0);
    ck_assert_uint_eq(ev_run(L, 50), 5);
    static const sim_time_t want[] = { 40, 0, 50, 1, 50, 2, 50, 4, 50, 3 };
    expect_log(want, 5);
    ck_assert_uint_eq(ev_pending(L), 1);
}
END_TEST

static void cb_stop(void *arg)
{
    log_it((int)(intptr_t)arg);
    ev_stop(L);
}

START_TEST(test_stop)
{
    ck_assert_int_eq(ev_at(L, 10, cb_log, lab(1), NULL), 0);
    ck_assert_int_eq(ev_at(L, 20, cb_stop, lab(2), NULL), 0);
    ck_assert_int_eq(ev_at(L, 20, cb_log, lab(3), NULL), 0);
    ck_assert_int_eq(ev_at(L, 30, cb_log, lab(4), NULL), 0);
    ck_assert_uint_eq(ev_run(L, 100), 2);
    ck_assert_int_eq(ev_now(L), 20);              /* stopped: not advanced */
    ck_assert_uint_eq(ev_pending(L), 2);
    ev_stop(L);                                   /* outside a run: no effect */
    ck_assert_uint_eq(ev_run(L, 100), 2);
    ck_assert_int_eq(ev_now(L), 100);
    static const sim_time_t want[] = { 10, 1, 20, 2, 20, 3, 30, 4 };
    expect_log(want, 4);
}
END_TEST

/* ---- cancel, move, handles from inside callbacks ---- */

static ev_id id_self, id_victim, id_moved;

static void cb_cancel_others(void *arg)
{
    log_it((int)(intptr_t)arg);
    /* The running event's own handle is already stale. */
    ck_assert(!ev_is_pending(L, id_self));
    ck_assert_int_eq(ev_cancel(L, id_self), -SIM_ENOENT);
    ck_assert_int_eq(ev_cancel(L, id_victim), 0);
    ck_assert_int_eq(ev_move(L, id_moved, ev_now(L) - 1), -SIM_EINVAL);
    ck_assert_int_eq(ev_move(L, id_moved, ev_now(L)), 0);
    ck_assert_int_eq(ev_time_of(L, id_moved), ev_now(L));
}

START_TEST(test_cancel_and_move_in_callback)
{
    ck_assert_int_eq(ev_at(L, 10, cb_cancel_others, lab(1), &id_self), 0);
    ck_assert_int_eq(ev_at(L, 10, cb_log, lab(2), &id_victim), 0);
    ck_assert_int_eq(ev_at(L, 50, cb_log, lab(3), &id_moved), 0);
    ck_assert_int_eq(ev_at(L, 10, cb_log, lab(4), NULL), 0);
    ck_assert_int_eq(ev_time_of(L, id_moved), 50);
    ck_assert(ev_is_pending(L, id_self));
    ck_assert_uint_eq(ev_run(L, 100), 3);
    /* 3 was moved to now=10 with a fresh seq: after 4. */
    static const sim_time_t want[] = { 10, 1, 10, 4, 10, 3 };
    expect_log(want, 3);
    ck_assert_int_eq(ev_time_of(L, id_moved), -1);
    ck_assert_int_eq(ev_cancel(L, id_moved), -SIM_ENOENT);
    ck_assert_int_eq(ev_move(L, id_victim, 200), -SIM_ENOENT);
}
END_TEST

START_TEST(test_move_outside_run)
{
    ev_id a, b;
    ck_assert_int_eq(ev_at(L, 10, cb_log, lab(1), &a), 0);
    ck_assert_int_eq(ev_at(L, 20, cb_log, lab(2), &b), 0);
    ck_assert_int_eq(ev_move(L, a, 30), 0);
    ck_assert_int_eq(ev_move(L, b, 30), 0);
    ck_assert_int_eq(ev_time_of(L, a), 30);
    ck_assert_int_eq(ev_next_time(L), 30);
    ck_assert_uint_eq(ev_run(L, 30), 2);
    static const sim_time_t want[] = { 30, 1, 30, 2 };
    expect_log(want, 2);
}
END_TEST

static void cb_nested_run(void *arg)
{
    log_it((int)(intptr_t)arg);
    ck_assert_uint_eq(ev_run(L, 1000), 0);        /* refused */
}

START_TEST(test_nested_run_refused)
{
    ck_assert_int_eq(ev_at(L, 10, cb_nested_run, lab(1), NULL), 0);
    ck_assert_int_eq(ev_at(L, 20, cb_log, lab(2), NULL), 0);
    ck_assert_uint_eq(ev_run(L, 15), 1);
    ck_assert_int_eq(ev_now(L), 15);
    static const sim_time_t want[] = { 10, 1 };
    expect_log(want, 1);
}
END_TEST

START_TEST(test_dispatched_counter)
{
    for (int i = 0; i < 10; i++)
        ck_assert_int_eq(ev_at(L, i, cb_log, lab(i), NULL), 0);
    ck_assert_uint_eq(ev_dispatched(L), 0);
    ck_assert_uint_eq(ev_run(L, 3), 4);
    ck_assert_uint_eq(ev_dispatched(L), 4);
    ck_assert_uint_eq(ev_run(L, 100), 6);
    ck_assert_uint_eq(ev_dispatched(L), 10);
    ck_assert_uint_eq(ev_run(L, 200), 0);
    ck_assert_uint_eq(ev_dispatched(L), 10);
}
END_TEST

START_TEST(test_renumbering_through_loop)
{
    /* Same-time events straddling the 2^39 seq limit keep FIFO order. */
    ck_assert_int_eq(ev_at(L, 7, cb_log, lab(0), NULL), 0);
    ck_assert_int_eq(ev_at(L, 7, cb_log, lab(1), NULL), 0);
    ev_debug_set_seq(L, ((uint64_t)1 << 39) - 2);
    for (int i = 2; i < 8; i++)
        ck_assert_int_eq(ev_at(L, 7, cb_log, lab(i), NULL), 0);
    ck_assert_int_eq(ev_at(L, 6, cb_log, lab(9), NULL), 0);
    ck_assert_uint_eq(ev_run(L, 7), 9);
    static const sim_time_t want[] = { 6, 9, 7, 0, 7, 1, 7, 2, 7, 3, 7, 4, 7, 5, 7, 6, 7, 7 };
    expect_log(want, 9);
}
END_TEST

/* ---- timers ---- */

static struct ev_timer T, U;

static void cb_timer_log(void *arg)
{
    log_it((int)(intptr_t)arg);
}

START_TEST(test_periodic)
{
    ev_timer_init(&T, L, cb_timer_log, lab(7));
    ck_assert(!ev_timer_armed(&T));
    ck_assert_int_eq(ev_timer_arm_periodic(&T, 5, 0), -SIM_EINVAL);
    ck_assert_int_eq(ev_timer_arm_periodic(&T, 5, -3), -SIM_EINVAL);
    ck_assert_int_eq(ev_timer_arm_periodic(&T, 5, 10), 0);
    ck_assert(ev_timer_armed(&T));
    ck_assert_uint_eq(ev_run(L, 45), 5);
    static const sim_time_t want[] = { 5, 7, 15, 7, 25, 7, 35, 7, 45, 7 };
    expect_log(want, 5);
    ck_assert(ev_timer_armed(&T));
    ck_assert_int_eq(T.when, 55);
    ck_assert_int_eq(ev_time_of(L, T.id), 55);
    ev_timer_cancel(&T);
    ck_assert(!ev_timer_armed(&T));
    ck_assert_uint_eq(ev_run(L, 1000), 0);
}
END_TEST

/* Cancels itself on its third expiry. */
static void cb_self_cancel(void *arg)
{
    (void)arg;
    log_it(8);
    ck_assert(ev_timer_armed(&T));              /* already re-armed */
    if (log_n == 3)
        ev_timer_cancel(&T);
}

START_TEST(test_periodic_self_cancel)
{
    ev_timer_init(&T, L, cb_self_cancel, NULL);
    ck_assert_int_eq(ev_timer_arm_periodic(&T, 100, 100), 0);
    ck_assert_uint_eq(ev_run(L, 10000), 3);
    static const sim_time_t want[] = { 100, 8, 200, 8, 300, 8 };
    expect_log(want, 3);
    ck_assert(!ev_timer_armed(&T));
    ck_assert_uint_eq(ev_pending(L), 0);
}
END_TEST

/* A periodic timer turned into a one-shot from its own callback. */
static void cb_periodic_to_oneshot(void *arg)
{
    (void)arg;
    log_it(9);
    if (log_n == 2)
        ck_assert_int_eq(ev_timer_arm(&T, ev_now(L) + 1000), 0);
}

START_TEST(test_periodic_rearmed_as_oneshot)
{
    ev_timer_init(&T, L, cb_periodic_to_oneshot, NULL);
    ck_assert_int_eq(ev_timer_arm_periodic(&T, 10, 10), 0);
    ck_assert_uint_eq(ev_run(L, 5000), 3);
    static const sim_time_t want[] = { 10, 9, 20, 9, 1020, 9 };
    expect_log(want, 3);
    ck_assert(!ev_timer_armed(&T));
}
END_TEST

START_TEST(test_oneshot_rearm_moves)
{
    ev_timer_init(&T, L, cb_timer_log, lab(1));
    ev_timer_init(&U, L, cb_timer_log, lab(2));
    ck_assert_int_eq(ev_timer_arm(&T, 10), 0);
    ck_assert_int_eq(ev_timer_arm(&U, 30), 0);
    ev_id before = T.id;
    ck_assert_int_eq(ev_timer_arm(&T, 30), 0);   /* moved: same handle, after U */
    ck_assert_uint_eq(T.id, before);
    ck_assert_uint_eq(ev_pending(L), 2);
    ck_assert_int_eq(ev_timer_arm(&T, -1), -SIM_EINVAL);
    ck_assert_int_eq(T.when, 30);
    ck_assert_uint_eq(ev_run(L, 100), 2);
    static const sim_time_t want[] = { 30, 2, 30, 1 };
    expect_log(want, 2);
    ck_assert(!ev_timer_armed(&T));
    ck_assert_uint_eq(T.id, EV_NONE);
    /* Fired timers can be armed again. */
    ck_assert_int_eq(ev_timer_arm(&T, 150), 0);
    ck_assert_uint_eq(ev_run(L, 200), 1);
    ck_assert_int_eq(log_v[2].t, 150);
}
END_TEST

/* A one-shot that re-arms itself 25 ns later every time. */
static void cb_rearm_self(void *arg)
{
    (void)arg;
    log_it(3);
    ck_assert(!ev_timer_armed(&T));             /* one-shot: disarmed before the callback */
    ck_assert_uint_eq(T.id, EV_NONE);
    ck_assert_int_eq(ev_timer_arm(&T, ev_now(L) + 25), 0);
}

START_TEST(test_oneshot_rearm_from_callback)
{
    ev_timer_init(&T, L, cb_rearm_self, NULL);
    ck_assert_int_eq(ev_timer_arm(&T, 10), 0);
    ck_assert_uint_eq(ev_run(L, 70), 3);
    static const sim_time_t want[] = { 10, 3, 35, 3, 60, 3 };
    expect_log(want, 3);
    /* The arming done inside the last callback is still owned by the timer. */
    ck_assert(ev_timer_armed(&T));
    ck_assert_int_eq(T.when, 85);
    ck_assert_int_eq(ev_time_of(L, T.id), 85);
    ev_timer_cancel(&T);
    ck_assert_uint_eq(ev_pending(L), 0);
    ck_assert_uint_eq(ev_run(L, 1000), 0);
}
END_TEST

START_TEST(test_cancel_unarmed)
{
    ev_timer_init(&T, L, cb_timer_log, lab(4));
    ev_timer_cancel(&T);
    ev_timer_cancel(&T);
    ck_assert(!ev_timer_armed(&T));
    ck_assert_uint_eq(ev_pending(L), 0);
    ck_assert_int_eq(ev_timer_arm(&T, 40), 0);
    ev_timer_cancel(&T);
    ev_timer_cancel(&T);
    ck_assert_uint_eq(ev_pending(L), 0);
    ck_assert_int_eq(ev_timer_arm(&T, 50), 0);
    ck_assert_uint_eq(ev_run(L, 100), 1);
    ev_timer_cancel(&T);                         /* after it fired */
    static const sim_time_t want[] = { 50, 4 };
    expect_log(want, 1);
}
END_TEST

START_TEST(test_periodic_rearm_changes_period)
{
    ev_timer_init(&T, L, cb_timer_log, lab(5));
    ck_assert_int_eq(ev_timer_arm_periodic(&T, 10, 10), 0);
    ck_assert_uint_eq(ev_run(L, 20), 2);
    ck_assert_int_eq(ev_timer_arm_periodic(&T, 25, 100), 0);   /* moves the pending expiry */
    ck_assert_uint_eq(ev_pending(L), 1);
    ck_assert_uint_eq(ev_run(L, 300), 3);
    static const sim_time_t want[] = { 10, 5, 20, 5, 25, 5, 125, 5, 225, 5 };
    expect_log(want, 5);
    ev_timer_cancel(&T);
}
END_TEST

START_TEST(test_loop_free_null)
{
    ev_loop_free(NULL);
    ck_assert_uint_eq(ev_pending(L), 0);
}
END_TEST

static Suite *ev_suite(void)
{
    Suite *s = suite_create("ev");
    TCase *tc = xs_tcase(s, "loop", 10);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_at_in_past);
    tcase_add_test(tc, test_run_until_sets_now);
    tcase_add_test(tc, test_same_time_fifo_and_dispatch_time);
    tcase_add_test(tc, test_stop);
    tcase_add_test(tc, test_cancel_and_move_in_callback);
    tcase_add_test(tc, test_move_outside_run);
    tcase_add_test(tc, test_nested_run_refused);
    tcase_add_test(tc, test_dispatched_counter);
    tcase_add_test(tc, test_renumbering_through_loop);
    tcase_add_test(tc, test_loop_free_null);
    tc = xs_tcase(s, "timer", 10);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_periodic);
    tcase_add_test(tc, test_periodic_self_cancel);
    tcase_add_test(tc, test_periodic_rearmed_as_oneshot);
    tcase_add_test(tc, test_oneshot_rearm_moves);
    tcase_add_test(tc, test_oneshot_rearm_from_callback);
    tcase_add_test(tc, test_cancel_unarmed);
    tcase_add_test(tc, test_periodic_rearm_changes_period);
    return s;
}

XS_CHECK_MAIN(ev_suite)
