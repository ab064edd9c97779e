/*
 * tests/test_history.c: analysis/history (the nightly result history and
 * its step rule).
 *
 * The rule is checked on hand-made series with numbers worked out here: a
 * flat series has no step; +10% from night 5 on, with 5 replications of
 * sd 1 a night, is one step at night 5 against a stretch of mean exactly
 * 100 (a regression of a latency, an improvement of a throughput, a change
 * of a metric without a direction); +3% is within the 5% tolerance; +10%
 * with sd 20 is not significant (Welch t = 1.035); a one-night blip is
 * flagged out and back; the window bounds the stretch; one replication a
 * night leaves the tolerance alone to decide; nights without data are
 * passed over; the stretch is pooled exactly (99 and 101 with 2 values
 * each pool to mean 100, variance 4/3).
 *
 * Then real databases: a short scenario (tests/db_util.h) with three
 * replications is added as four nights, the third and fourth with the
 * probe's scheduling latency raised 25% by SQL; reading the history finds
 * exactly that step at the third night and none elsewhere; keeping the
 * newest two nights keeps it, renumbered, and the newest one drops it.
 * Adding a night
 * twice copies nothing; a night given another time, a bad label, a
 * results database without runs and a history added into a history are
 * refused and leave the history as it was.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "analysis/history.h"
#include "sim/err.h"
#include "tests/check_util.h"
#include "tests/db_util.h"
#include "tests/tmpdb.h"

static const struct history_opts defaults = { HISTORY_TOLERANCE_DEFAULT, HISTORY_ALPHA_DEFAULT,
                                              HISTORY_WINDOW_DEFAULT, NULL, 0 };

/* n replications a night with these means and one sd. */
static void fill(struct history_point *p, const double *means, size_t nn, int n, double sd)
{
    for (size_t i = 0; i < nn; i++)
        p[i] = (struct history_point){ n, means[i], n > 1 ? sd : 0, NAN, NAN };
}

START_TEST(flat_series_has_no_step)
{
    double m[12];
    for (int i = 0; i < 12; i++)
        m[i] = 100;
    struct history_point p[12];
    struct history_flag f[12];
    fill(p, m, 12, 5, 1.0);
    ck_assert_uint_eq(history_detect(p, 12, REGRESS_UP_BAD, &defaults, f), 0);
}
END_TEST

START_TEST(step_up_is_flagged_once)
{
    double m[10] = { 100, 100, 100, 100, 100, 110, 110, 110, 110, 110 };
    struct history_point p[10];
    struct history_flag f[10];
    fill(p, m, 10, 5, 1.0);
    size_t n = history_detect(p, 10, REGRESS_UP_BAD, &defaults, f);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(f[0].night, 5);
    ck_assert_int_eq(f[0].verdict, REGRESS_REGRESSED);
    ck_assert_double_eq_tol(f[0].base, 100.0, 1e-12);
    ck_assert_double_eq_tol(f[0].cur, 110.0, 1e-12);
    ck_assert_double_eq_tol(f[0].change, 0.10, 1e-12);
    ck_assert_uint_eq(f[0].stretch_from, 0);
    /* Stretch: 25 values, variance 5 x 4 x 1 / 24; night: 5 values of
     * variance 1; t = 10 / sqrt(0.8333/25 + 1/5) = 20.7 with Welch's
     * df = 0.2333^2 / (0.0333^2/24 + 0.2^2/4) = 5.42: p about 3e-6. */
    ck_assert(f[0].p > 1e-7 && f[0].p < 1e-5);
    /* A throughput going up is an improvement; a neutral metric changed. */
    ck_assert_uint_eq(history_detect(p, 10, REGRESS_DOWN_BAD, &defaults, f), 1);
    ck_assert_int_eq(f[0].verdict, REGRESS_IMPROVED);
    ck_assert_uint_eq(history_detect(p, 10, REGRESS_NEUTRAL, &defaults, f), 1);
    ck_assert_int_eq(f[0].verdict, REGRESS_CHANGED);
}
END_TEST

START_TEST(small_or_noisy_moves_are_not_steps)
{
    double m[8] = { 100, 100, 100, 100, 103, 103, 103, 103 };
    struct history_point p[8];
    struct history_flag f[8];
    fill(p, m, 8, 5, 1.0);
    ck_assert_uint_eq(history_detect(p, 8, REGRESS_UP_BAD, &defaults, f), 0);
    /* +10% with sd 20: stretch variance 5 x 4 x 400 / 24 = 333.3 over 20
     * values (4 nights: 16 x 400 / 19 = 336.8), night 400 over 5; t about 1,
     * p about 0.35. */
    double m2[8] = { 100, 100, 100, 100, 110, 100, 100, 100 };
    fill(p, m2, 8, 5, 20.0);
    ck_assert_uint_eq(history_detect(p, 8, REGRESS_UP_BAD, &defaults, f), 0);
}
END_TEST

START_TEST(blip_is_flagged_out_and_back)
{
    double m[8] = { 100, 100, 100, 100, 120, 100, 100, 100 };
    struct history_point p[8];
    struct history_flag f[8];
    fill(p, m, 8, 5, 1.0);
    size_t n = history_detect(p, 8, REGRESS_UP_BAD, &defaults, f);
    ck_assert_uint_eq(n, 2);
    ck_assert_uint_eq(f[0].night, 4);
    ck_assert_int_eq(f[0].verdict, REGRESS_REGRESSED);
    ck_assert_uint_eq(f[1].night, 5);
    ck_assert_int_eq(f[1].verdict, REGRESS_IMPROVED);
    ck_assert_double_eq_tol(f[1].base, 120.0, 1e-12);
    ck_assert_uint_eq(f[1].stretch_from, 4);
    ck_assert_double_eq_tol(f[1].change, -20.0 / 120.0, 1e-12);
}
END_TEST

START_TEST(window_bounds_the_stretch)
{
    /* A drift of +1 a night from 100. Against every night since the
     * start, night i's base is 100 + (i - 1) / 2: night 9 is 109 against
     * 104 (4.8%), night 10 is 110 against 104.5 (5.26%), a step; after it
     * the stretch restarts and no later night of the 14 gets 5% above it.
     * Against a 3-night window the base is 100 + i - 2: about 2%, never. */
    double m[14];
    for (int i = 0; i < 14; i++)
        m[i] = 100 + i;
    struct history_point p[14];
    struct history_flag f[14];
    fill(p, m, 14, 5, 0.1);
    struct history_opts o = defaults;
    o.window = 3;
    ck_assert_uint_eq(history_detect(p, 14, REGRESS_UP_BAD, &o, f), 0);
    o.window = 20;
    ck_assert_uint_eq(history_detect(p, 14, REGRESS_UP_BAD, &o, f), 1);
    ck_assert_uint_eq(f[0].night, 10);
    ck_assert_uint_eq(f[0].stretch_from, 0);
    ck_assert_double_eq_tol(f[0].base, 104.5, 1e-9);
    /* The default window (10 nights): night 10 against nights 0..9 is the
     * same; night 11 would be against 1..10, after the step it is 10 only. */
    ck_assert_uint_eq(history_detect(p, 14, REGRESS_UP_BAD, &defaults, f), 1);
    ck_assert_uint_eq(f[0].night, 10);
}
END_TEST

START_TEST(one_replication_tolerance_decides)
{
    double m[6] = { 100, 100, 100, 104, 104, 110 };
    struct history_point p[6];
    struct history_flag f[6];
    fill(p, m, 6, 1, 0);
    size_t n = history_detect(p, 6, REGRESS_UP_BAD, &defaults, f);
    /* Night 3: 104 vs 100, 4%: nothing. Night 5: 110 vs the mean of
     * 100, 100, 100, 104, 104 = 101.6: 8.27%, flagged without a test. */
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(f[0].night, 5);
    ck_assert(isnan(f[0].p));
    ck_assert_double_eq_tol(f[0].base, 101.6, 1e-9);
    ck_assert_double_eq_tol(f[0].change, 110.0 / 101.6 - 1, 1e-12);
}
END_TEST

START_TEST(gaps_and_zero_base)
{
    double m[6] = { 0, 0, 0, 0, 1, 1 };
    struct history_point p[6];
    struct history_flag f[6];
    fill(p, m, 6, 3, 0);
    p[2].n = 0;                         /* a night without this series */
    p[2].mean = NAN;
    size_t n = history_detect(p, 6, REGRESS_UP_BAD, &defaults, f);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(f[0].night, 4);
    ck_assert(isinf(f[0].change) && f[0].change > 0);
    ck_assert_int_eq(f[0].verdict, REGRESS_REGRESSED);
}
END_TEST

START_TEST(stretch_is_pooled_exactly)
{
    /* 99 and 101 with 2 values each and sd 0: 4 values 99, 99, 101, 101,
     * mean 100, variance 4/3. The third night, 106 with 2 values of
     * variance 0.5: t = 6 / sqrt((4/3)/4 + 0.5/2) = 6 / 0.7638 = 7.855,
     * Welch df = (0.3333 + 0.25)^2 / (0.3333^2/3 + 0.25^2/1) = 3.0857. */
    struct history_point p[3] = {
        { 2, 99, 0, NAN, NAN }, { 2, 101, 0, NAN, NAN }, { 2, 106, sqrt(0.5), NAN, NAN },
    };
    struct history_flag f[3];
    size_t n = history_detect(p, 3, REGRESS_UP_BAD, &defaults, f);
    ck_assert_uint_eq(n, 1);
    ck_assert_double_eq_tol(f[0].base, 100.0, 1e-12);
    double want = regress_welch_p(100.0, 4.0 / 3.0, 4, 106.0, 0.5, 2);
    ck_assert_double_eq_tol(f[0].p, want, 1e-15);
    ck_assert(f[0].p < 0.01);
}
END_TEST

/* ---- real databases ---- */

static const char yaml[] =
    "name: history-test\n"
    "seed: 5\n"
    "duration: 300ms\n"
    "warmup: 20ms\n"
    "machine:\n"
    "  pcpus: 1\n"
    "scheduler:\n"
    "  name: rr\n"
    "domains:\n"
    "  probe:\n"
    "    workload: { type: periodic, period: 5ms, burst: { dist: exponential, mean: 500us } }\n"
    "  hog:\n"
    "    count: 2\n"
    "    workload: { type: cpu }\n";

static void setup(void)
{
    tmpdb_make("xs_history");
    struct scn *s = xs_db_load("history-test.yaml", yaml, NULL, 0);
    for (int r = 0; r < 3; r++) {
        struct run_result res;
        xs_db_run(tmpdb_path("night.db"), s, s->seed, (uint32_t)r, &res);
        run_result_free(&res);
    }
    scn_free(s);
    xs_db_copy(tmpdb_path("night.db"), tmpdb_path("slow.db"));
    xs_db_exec(tmpdb_path("slow.db"), "UPDATE statistic SET statMean = statMean * 1.25 WHERE "
             "moduleName = 'probe' AND statName = 'sched_latency'");
}

static void add_ok(const char *db, const char *label, int64_t t, struct history_add_result *r)
{
    char err[512];
    int rc = history_add(tmpdb_path("h.db"), db, label, true, t, r, err, sizeof err);
    ck_assert_msg(rc == 0, "history_add %s: %s (%s)", label, sim_strerror(rc), err);
}

START_TEST(nights_find_the_injected_step)
{
    struct history_add_result r;
    /* Added out of time order: the history orders nights by their time. */
    add_ok(tmpdb_path("night.db"), "n2", 2000, &r);
    ck_assert(r.new_night);
    ck_assert_int_eq(r.copied, 3);
    add_ok(tmpdb_path("night.db"), "n1", 1000, &r);
    add_ok(tmpdb_path("slow.db"), "n3", 3000, &r);
    add_ok(tmpdb_path("slow.db"), "n4", 4000, &r);
    /* Again: nothing copied, the night is not new. */
    add_ok(tmpdb_path("slow.db"), "n4", 4000, &r);
    ck_assert(!r.new_night);
    ck_assert_int_eq(r.copied, 0);
    ck_assert_int_eq(r.present, 3);

    struct history *h = NULL;
    char err[512];
    int rc = history_read(tmpdb_path("h.db"), &defaults, &h, err, sizeof err);
    ck_assert_msg(rc == 0, "history_read: %s", err);
    ck_assert_uint_eq(h->nnights, 4);
    ck_assert_str_eq(h->nights[0].label, "n1");
    ck_assert_str_eq(h->nights[3].label, "n4");
    ck_assert_int_eq(h->nights[2].time, 3000);
    ck_assert_int_eq(h->nights[1].runs, 3);
    ck_assert_str_eq(h->nights[0].scenarios, "history-test");
    ck_assert_uint_gt(h->nseries, 50);
    /* Exactly one step in the whole history: the probe's latency at n3. */
    ck_assert_uint_eq(h->nflags, 1);
    const struct history_flag *f = &h->flags[0];
    const struct history_series *s = &h->series[f->series];
    ck_assert_str_eq(s->module, "probe");
    ck_assert_str_eq(s->metric, "sched_latency:mean");
    ck_assert_str_eq(s->scenario, "history-test");
    ck_assert_str_eq(s->scheduler, "rr");
    ck_assert_uint_eq(f->night, 2);
    ck_assert_int_eq(f->verdict, REGRESS_REGRESSED);
    ck_assert_double_eq_tol(f->change, 0.25, 1e-9);
    ck_assert_uint_eq(s->nflags, 1);
    ck_assert_int_eq(s->points[0].n, 3);
    ck_assert(s->points[0].lo < s->points[0].mean && s->points[0].mean < s->points[0].hi);
    ck_assert_double_eq_tol(s->points[2].mean, 1.25 * s->points[0].mean,
                            1e-9 * s->points[0].mean);
    /* Series come sorted by module then metric within a group. */
    for (size_t i = 1; i < h->nseries; i++) {
        int c = strcmp(h->series[i - 1].module, h->series[i].module);
        ck_assert(c < 0 || (c == 0 && strcmp(h->series[i - 1].metric, h->series[i].metric) < 0));
    }
    /* The newest two nights only: the step at n3 is now at index 0, its
     * stretch (which began at n1) at the first kept night. */
    double p3 = s->points[2].mean;
    size_t si = f->series;
    history_keep_newest(h, 2);
    ck_assert_uint_eq(h->nnights, 2);
    ck_assert_str_eq(h->nights[0].label, "n3");
    ck_assert_uint_eq(h->nflags, 1);
    ck_assert_uint_eq(h->flags[0].night, 0);
    ck_assert_uint_eq(h->flags[0].stretch_from, 0);
    ck_assert_uint_eq(h->flags[0].series, si);
    ck_assert_double_eq(h->series[si].points[0].mean, p3);
    ck_assert_uint_eq(h->series[si].first_flag, 0);
    ck_assert_uint_eq(h->series[si].nflags, 1);
    /* One night: the step is gone with n3. */
    history_keep_newest(h, 1);
    ck_assert_uint_eq(h->nflags, 0);
    ck_assert_uint_eq(h->series[si].nflags, 0);
    ck_assert_str_eq(h->nights[0].label, "n4");
    history_free(h);

    /* The runs of one night for its figures. */
    int64_t *ids = NULL;
    size_t n = 0;
    ck_assert_int_eq(history_night_runs(tmpdb_path("h.db"), "n3", "history-test", &ids, &n,
                                        err, sizeof err), 0);
    ck_assert_uint_eq(n, 3);
    free(ids);
    ck_assert_int_eq(history_night_runs(tmpdb_path("h.db"), "n3", "nope", &ids, &n, err,
                                        sizeof err), 0);
    ck_assert_uint_eq(n, 0);
    free(ids);

    /* Refused, and the history keeps its 4 nights and 12 runs. */
    rc = history_add(tmpdb_path("h.db"), tmpdb_path("night.db"), "n1", true, 999, &r, err,
                     sizeof err);
    ck_assert_int_eq(rc, -SIM_EBADINPUT);
    ck_assert_ptr_nonnull(strstr(err, "keeps the time"));
    rc = history_add(tmpdb_path("h.db"), tmpdb_path("night.db"), "a/b", false, 0, &r, err,
                     sizeof err);
    ck_assert_int_eq(rc, -SIM_EBADINPUT);
    ck_assert_ptr_nonnull(strstr(err, "bad night label"));
    rc = history_add(tmpdb_path("h2.db"), tmpdb_path("h.db"), "x", false, 0, &r, err,
                     sizeof err);
    ck_assert_int_eq(rc, -SIM_EBADINPUT);
    ck_assert_ptr_nonnull(strstr(err, "is a history"));
    rc = history_add(tmpdb_path("h.db"), tmpdb_path("missing.db"), "x", false, 0, &r, err,
                     sizeof err);
    ck_assert(rc < 0);
    struct history_night *nights = NULL;
    size_t nn = 0;
    ck_assert_int_eq(history_list(tmpdb_path("h.db"), &nights, &nn, err, sizeof err), 0);
    ck_assert_uint_eq(nn, 4);
    int64_t runs = 0;
    for (size_t i = 0; i < nn; i++)
        runs += nights[i].runs;
    ck_assert_int_eq(runs, 12);
    ck_assert_ptr_nonnull(strstr(nights[0].versions, "."));
    ck_assert_uint_eq(strlen(nights[0].hashes), 16);
    history_nights_free(nights, nn);
    /* A results database is not a history. */
    rc = history_list(tmpdb_path("night.db"), &nights, &nn, err, sizeof err);
    ck_assert_int_eq(rc, -SIM_EBADINPUT);
    ck_assert_ptr_nonnull(strstr(err, "not a history"));
}
END_TEST

static Suite *history_suite(void)
{
    Suite *s = suite_create("history");
    TCase *tc = xs_tcase(s, "rule", 10);
    tcase_add_test(tc, flat_series_has_no_step);
    tcase_add_test(tc, step_up_is_flagged_once);
    tcase_add_test(tc, small_or_noisy_moves_are_not_steps);
    tcase_add_test(tc, blip_is_flagged_out_and_back);
    tcase_add_test(tc, window_bounds_the_stretch);
    tcase_add_test(tc, one_replication_tolerance_decides);
    tcase_add_test(tc, gaps_and_zero_base);
    tcase_add_test(tc, stretch_is_pooled_exactly);
    tc = xs_tcase(s, "databases", 120);
    tcase_add_unchecked_fixture(tc, setup, tmpdb_remove);
    tcase_add_test(tc, nights_find_the_injected_step);
    return s;
}

XS_CHECK_MAIN(history_suite)
