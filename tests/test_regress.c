/*
 * tests/test_regress.c: analysis/regress (the regression between two
 * results databases) and analysis/compare (the scheduler comparison).
 *
 * Databases are real: a short scenario (a periodic probe and two CPU hogs
 * on one pCPU, 300 ms, Round Robin, whose probe latency varies little
 * between replications) run through the run driver (tests/db_util.h) into
 * files in a temporary directory; changes are injected into the "current"
 * file with SQL UPDATEs (+10% on the probe's sched_latency rows, etc.).
 * Checked: a database against itself and against an identical rerun
 * regresses nothing; +10% on a latency with 4 replications per side is a
 * regression with a Welch p-value below 0.05, +3% is within the 5%
 * tolerance, +10% on a single replication of a single-run group is
 * decided by the tolerance alone, a change confined to one replication is
 * not significant; throughput down and latency down go the right ways;
 * bad input (missing file, not a database, someone else's SQLite, a
 * different schema version, no runs in common) is refused with the right
 * error. Welch's p-value is checked against values computed independently
 * (numerical integration of the t density: t = 2.1909, df = 6,
 * p = 0.070988; an unequal-variance case with df = 3.2988, p = 0.054741).
 * cmp_run: the runs are recorded once, a rerun simulates nothing, and the
 * paired t-test finds the probe's share under rr and bvt. The formats of
 * values, changes and p-values that regress, history and the dashboard
 * print, against exact strings.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "analysis/compare.h"
#include "analysis/regress.h"
#include "sim/err.h"
#include "tests/check_util.h"
#include "tests/db_util.h"
#include "tests/tmpdb.h"

static const char yaml[] =
    "name: regress-test\n"
    "seed: 11\n"
    "duration: 300ms\n"
    "warmup: 20ms\n"
    "machine:\n"
    "  pcpus: 1\n"
    "scheduler:\n"
    "  name: rr\n"
    "domains:\n"
    "  probe:\n"
    "    workload: { type: periodic, period: 5ms, burst: { dist: exponential, mean: 500us } }\n"
    "    sched:\n"
    "      bvt: { mcu_advance: 10, warp: 2ms, warpl: 50ms, warpu: 200ms }\n"
    "      atropos: { period: 5ms, slice: 1ms, latency: 2ms, xtratime: true }\n"
    "  hog:\n"
    "    count: 2\n"
    "    workload: { type: cpu }\n";

#define REPS 4

/* A database with replications 0..reps-1 of the scenario. */
static void make_db(const char *path, int reps)
{
    struct scn *s = xs_db_load("regress-test.yaml", yaml, NULL, 0);
    for (int r = 0; r < reps; r++) {
        struct run_result res;
        xs_db_run(path, s, s->seed, (uint32_t)r, &res);
        run_result_free(&res);
    }
    scn_free(s);
}

static const struct regress_opts defaults = { REGRESS_TOLERANCE_DEFAULT,
                                              REGRESS_ALPHA_DEFAULT, NULL, 0 };

static void setup(void)
{
    tmpdb_make("xs_regress");
    make_db(tmpdb_path("base.db"), REPS);
    make_db(tmpdb_path("same.db"), REPS);
    make_db(tmpdb_path("one.db"), 1);
}

/* A fresh copy of base.db (or one.db) to inject changes into; the path
 * stays valid (tmpdb_path's buffers are reused after four calls) until the
 * next call. */
static const char *current(const char *name, const char *from)
{
    static char p[1024];
    snprintf(p, sizeof p, "%s", tmpdb_path(name));
    xs_db_copy(tmpdb_path(from), p);
    return p;
}

static const struct regress_row *find_row(const struct regress_report *r, const char *module,
                                          const char *metric)
{
    for (size_t i = 0; i < r->nrows; i++)
        if (!strcmp(r->rows[i].module, module) && !strcmp(r->rows[i].metric, metric))
            return &r->rows[i];
    return NULL;
}

static void compare_ok(const char *base, const char *cur, const struct regress_opts *o,
                       struct regress_report *r)
{
    char err[512];
    int rc = regress_compare(base, cur, o, r, err, sizeof err);
    ck_assert_msg(rc == 0, "regress_compare: %s (%s)", sim_strerror(rc), err);
}

START_TEST(same_build_is_clean)
{
    struct regress_report r;
    compare_ok(tmpdb_path("base.db"), tmpdb_path("base.db"), &defaults, &r);
    ck_assert_uint_eq(r.ngroups, 1);
    ck_assert_int_eq(r.groups[0].nbase, REPS);
    ck_assert_int_eq(r.groups[0].ncur, REPS);
    ck_assert_uint_gt(r.compared, 50);
    ck_assert_uint_eq(r.nrows, 0);
    ck_assert_uint_eq(r.regressed + r.improved + r.changed + r.noise + r.within, 0);
    regress_report_free(&r);
    /* An identical rerun into another file: the simulator is deterministic. */
    compare_ok(tmpdb_path("base.db"), tmpdb_path("same.db"), &defaults, &r);
    ck_assert_uint_eq(r.nrows, 0);
    ck_assert_uint_eq(r.regressed, 0);
    regress_report_free(&r);
}
END_TEST

START_TEST(slowdown_10pct_regresses)
{
    const char *cur = current("slow.db", "base.db");
    xs_db_exec(cur, "UPDATE statistic SET statMean = statMean * 1.10"
                    " WHERE moduleName = 'probe' AND statName = 'sched_latency';"
                    "UPDATE scalar SET scalarValue = scalarValue * 1.10"
                    " WHERE moduleName = 'probe' AND scalarName = 'sched_latency:p99';");
    struct regress_report r;
    compare_ok(tmpdb_path("base.db"), cur, &defaults, &r);
    ck_assert_uint_eq(r.regressed, 2);
    ck_assert_uint_eq(r.nrows, 2);
    const struct regress_row *x = find_row(&r, "probe", "sched_latency:mean");
    ck_assert_ptr_nonnull(x);
    ck_assert_int_eq(x->verdict, REGRESS_REGRESSED);
    ck_assert_int_eq(x->dir, REGRESS_UP_BAD);
    ck_assert_int_eq(x->nbase, REPS);
    ck_assert_int_eq(x->ncur, REPS);
    ck_assert_msg(fabs(x->change - 0.10) < 1e-9, "change %g", x->change);
    ck_assert_msg(x->p < 0.05, "p = %g", x->p);
    fprintf(stderr, "slowdown: sched_latency:mean %g -> %g ns, Welch p = %.3g\n", x->base,
            x->cur, x->p);
    x = find_row(&r, "probe", "sched_latency:p99");
    ck_assert_ptr_nonnull(x);
    ck_assert_int_eq(x->verdict, REGRESS_REGRESSED);
    fprintf(stderr, "slowdown: sched_latency:p99 Welch p = %.3g\n", x->p);
    regress_report_free(&r);

    /* --metric: only what was asked for is compared. */
    const char *only[] = { "cpu_share" };
    struct regress_opts o = defaults;
    o.metrics = only;
    o.nmetrics = 1;
    compare_ok(tmpdb_path("base.db"), cur, &o, &r);
    ck_assert_uint_eq(r.regressed, 0);
    ck_assert_uint_eq(r.compared, 3);       /* probe, hog.0, hog.1 */
    regress_report_free(&r);
    const char *lat[] = { "sched_latency" };
    o.metrics = lat;
    compare_ok(tmpdb_path("base.db"), cur, &o, &r);
    ck_assert_uint_eq(r.regressed, 2);
    regress_report_free(&r);
}
END_TEST

START_TEST(within_tolerance_is_not_a_regression)
{
    const char *cur = current("small.db", "base.db");
    xs_db_exec(cur, "UPDATE statistic SET statMean = statMean * 1.03"
                    " WHERE moduleName = 'probe' AND statName = 'sched_latency'");
    struct regress_report r;
    compare_ok(tmpdb_path("base.db"), cur, &defaults, &r);
    ck_assert_uint_eq(r.regressed, 0);
    ck_assert_uint_eq(r.nrows, 0);
    ck_assert_uint_eq(r.within, 1);
    regress_report_free(&r);
    /* With a 2% tolerance the same 3% is beyond it. */
    struct regress_opts o = defaults;
    o.tolerance = 0.02;
    compare_ok(tmpdb_path("base.db"), cur, &o, &r);
    ck_assert_uint_eq(r.nrows, 1);
    ck_assert_int_ne(r.rows[0].verdict, REGRESS_WITHIN);
    regress_report_free(&r);
}
END_TEST

START_TEST(single_replication_tolerance_decides)
{
    const char *cur = current("one-slow.db", "one.db");
    xs_db_exec(cur, "UPDATE statistic SET statMean = statMean * 1.10"
                    " WHERE moduleName = 'probe' AND statName = 'sched_latency'");
    struct regress_report r;
    compare_ok(tmpdb_path("one.db"), cur, &defaults, &r);
    ck_assert_uint_eq(r.regressed, 1);
    ck_assert(isnan(r.rows[0].p));
    ck_assert_int_eq(r.rows[0].nbase, 1);
    regress_report_free(&r);
}
END_TEST

START_TEST(noise_is_not_a_regression)
{
    /* +40% on replication 0 only: the mean moves by about 10%, but the
     * spread across replications makes it not significant. */
    const char *cur = current("noisy.db", "base.db");
    xs_db_exec(cur, "UPDATE statistic SET statMean = statMean * 1.40"
                    " WHERE moduleName = 'probe' AND statName = 'sched_latency'"
                    " AND runId = (SELECT runId FROM run WHERE runName LIKE '%-r0')");
    struct regress_report r;
    compare_ok(tmpdb_path("base.db"), cur, &defaults, &r);
    ck_assert_uint_eq(r.regressed, 0);
    const struct regress_row *x = find_row(&r, "probe", "sched_latency:mean");
    ck_assert_ptr_nonnull(x);
    ck_assert_int_eq(x->verdict, REGRESS_NOISE);
    ck_assert_msg(x->p >= 0.05, "p = %g", x->p);
    fprintf(stderr, "noise: change %+.1f%%, Welch p = %.3g\n", 100 * x->change, x->p);
    regress_report_free(&r);
}
END_TEST

START_TEST(directions)
{
    ck_assert_int_eq(regress_direction("sched_latency:mean"), REGRESS_UP_BAD);
    ck_assert_int_eq(regress_direction("io_latency:p99"), REGRESS_UP_BAD);
    ck_assert_int_eq(regress_direction("net_latency:p999"), REGRESS_UP_BAD);
    ck_assert_int_eq(regress_direction("runnable_wait_ns"), REGRESS_UP_BAD);
    ck_assert_int_eq(regress_direction("late_periods"), REGRESS_UP_BAD);
    ck_assert_int_eq(regress_direction("ring_full_stalls"), REGRESS_UP_BAD);
    ck_assert_int_eq(regress_direction("mmu_rejected"), REGRESS_UP_BAD);
    ck_assert_int_eq(regress_direction("io_ops_per_s"), REGRESS_DOWN_BAD);
    ck_assert_int_eq(regress_direction("requests_per_s"), REGRESS_DOWN_BAD);
    ck_assert_int_eq(regress_direction("requests_completed"), REGRESS_DOWN_BAD);
    ck_assert_int_eq(regress_direction("jain_fairness"), REGRESS_DOWN_BAD);
    ck_assert_int_eq(regress_direction("cpu_share"), REGRESS_NEUTRAL);
    ck_assert_int_eq(regress_direction("context_switches"), REGRESS_NEUTRAL);
    ck_assert_int_eq(regress_direction("no_such_metric"), REGRESS_NEUTRAL);
    ck_assert_int_eq(regress_direction("io_ops"), REGRESS_DOWN_BAD);
    ck_assert_int_eq(regress_direction("io_ops_x"), REGRESS_NEUTRAL);

    /* Latency down: improved; fairness down: regressed; a neutral metric
     * moved: changed, never a regression. */
    const char *cur = current("dirs.db", "base.db");
    xs_db_exec(cur, "UPDATE statistic SET statMean = statMean * 0.8"
                    " WHERE moduleName = 'probe' AND statName = 'sched_latency';"
                    "UPDATE scalar SET scalarValue = scalarValue * 0.8"
                    " WHERE moduleName = 'machine' AND scalarName = 'jain_fairness';"
                    "UPDATE scalar SET scalarValue = scalarValue * 1.5"
                    " WHERE moduleName = 'pcpu0' AND scalarName = 'context_switches';");
    struct regress_report r;
    compare_ok(tmpdb_path("base.db"), cur, &defaults, &r);
    const struct regress_row *x = find_row(&r, "probe", "sched_latency:mean");
    ck_assert_ptr_nonnull(x);
    ck_assert_int_eq(x->verdict, REGRESS_IMPROVED);
    x = find_row(&r, "machine", "jain_fairness");
    ck_assert_ptr_nonnull(x);
    ck_assert_int_eq(x->verdict, REGRESS_REGRESSED);
    x = find_row(&r, "pcpu0", "context_switches");
    ck_assert_ptr_nonnull(x);
    ck_assert_int_eq(x->verdict, REGRESS_CHANGED);
    ck_assert_uint_eq(r.regressed, 1);
    ck_assert_uint_eq(r.improved, 1);
    ck_assert_uint_eq(r.changed, 1);
    regress_report_free(&r);
}
END_TEST

START_TEST(group_names)
{
    unsigned long k = 99;
    ck_assert_uint_eq(regress_group_len("mixed-0123abcd-s7-r12", &k), strlen("mixed-0123abcd-s7"));
    ck_assert_uint_eq(k, 12);
    ck_assert_uint_eq(regress_group_len("plain", &k), 5);
    ck_assert_uint_eq(k, 0);
    ck_assert_uint_eq(regress_group_len("x-r", &k), 3);
    ck_assert_uint_eq(regress_group_len("xr5", &k), 3);
    ck_assert_uint_eq(regress_group_len("a-r0", NULL), 1);
}
END_TEST

START_TEST(welch_p_values)
{
    /* 1..4 against 3..6: t = 2.1909, df = 6, p = 0.070988. */
    double p = regress_welch_p(2.5, 5.0 / 3.0, 4, 4.5, 5.0 / 3.0, 4);
    ck_assert_msg(fabs(p - 0.070988) < 1e-5, "p = %.8g", p);
    /* {10..14} against {15, 19, 22, 30}: df = 3.2988, p = 0.054741. */
    double y_mean = 21.5, y_var = (6.5 * 6.5 + 2.5 * 2.5 + 0.25 + 8.5 * 8.5) / 3.0;
    p = regress_welch_p(12.0, 2.5, 5, y_mean, y_var, 4);
    ck_assert_msg(fabs(p - 0.054741) < 1e-5, "p = %.8g", p);
    ck_assert(isnan(regress_welch_p(1, 0, 1, 2, 0, 5)));
    ck_assert(regress_welch_p(1, 0, 3, 1, 0, 3) == 1.0);
    ck_assert(regress_welch_p(1, 0, 3, 2, 0, 3) == 0.0);
}
END_TEST

static int compare_err(const char *base, const char *cur)
{
    struct regress_report r;
    char err[512] = "";
    int rc = regress_compare(base, cur, &defaults, &r, err, sizeof err);
    fprintf(stderr, "bad input: %s\n", err);
    ck_assert(rc == 0 || err[0]);
    regress_report_free(&r);
    return rc;
}

START_TEST(bad_input)
{
    char base[1024];    /* tmpdb_path's buffers are reused after four calls */
    snprintf(base, sizeof base, "%s", tmpdb_path("base.db"));
    ck_assert_int_eq(compare_err(base, tmpdb_path("missing.db")), -SIM_EIO);
    ck_assert_int_eq(compare_err(tmpdb_path("missing.db"), base), -SIM_EIO);
    FILE *f = fopen(tmpdb_path("text.db"), "w");
    ck_assert_ptr_nonnull(f);
    fputs("this is not a database, just some text long enough to fill a header......"
          "..........................................................................\n", f);
    fclose(f);
    ck_assert_int_eq(compare_err(base, tmpdb_path("text.db")), -SIM_ESCHEMA);
    f = fopen(tmpdb_path("other.db"), "w");     /* empty: SQLite makes it a database */
    ck_assert_ptr_nonnull(f);
    fclose(f);
    xs_db_exec(tmpdb_path("other.db"), "CREATE TABLE t (x)");
    ck_assert_int_eq(compare_err(base, tmpdb_path("other.db")), -SIM_ESCHEMA);

    const char *v2 = current("v2.db", "base.db");
    xs_db_exec(v2, "PRAGMA user_version = 2");
    ck_assert_int_eq(compare_err(base, v2), -SIM_ESCHEMA);
    ck_assert_int_eq(compare_err(v2, base), -SIM_ESCHEMA);
    ck_assert_int_eq(compare_err(v2, v2), -SIM_ESCHEMA);   /* newer than known */

    const char *renamed = current("renamed.db", "base.db");
    xs_db_exec(renamed, "UPDATE run SET runName = 'other-' || runName");
    ck_assert_int_eq(compare_err(base, renamed), -SIM_ENOENT);
}
END_TEST

START_TEST(compare_records_once_and_pairs)
{
    const char *db = tmpdb_path("cmp.db");
    const char *sets_rr[] = { "scheduler.name=rr" };
    const char *sets_bvt[] = { "scheduler.name=bvt" };
    struct scn *scns[2] = { xs_db_load("regress-test.yaml", yaml, sets_rr, 1),
                            xs_db_load("regress-test.yaml", yaml, sets_bvt, 1) };
    struct cmp_opts o = { .db_path = db, .replications = 3, .seed = scns[0]->seed };
    struct cmp_result r;
    char err[512];
    int rc = cmp_run(scns, 2, &o, &r, err, sizeof err);
    ck_assert_msg(rc == 0, "cmp_run: %s (%s)", sim_strerror(rc), err);
    ck_assert_int_eq(r.runs_done, 6);
    ck_assert_int_eq(r.runs_skipped, 0);
    ck_assert_uint_gt(r.nrows, 3);
    /* Rows come in the scenario's domain order; the probe is first. */
    ck_assert_str_eq(r.rows[0].module, "probe");
    ck_assert_str_eq(r.rows[0].metric, "cpu_share");
    for (size_t i = 0; i < r.nrows; i++) {
        const struct cmp_row *row = &r.rows[i];
        ck_assert_int_eq(row->cells[0].n, 3);
        ck_assert(isnan(row->cells[0].p));
        ck_assert(row->cells[1].npaired == 3);
        ck_assert(!isnan(row->cells[1].p) || row->cells[1].n < 2);
        ck_assert(isnan(row->cells[0].half) || row->cells[0].half >= 0);
        fprintf(stderr, "compare: %-6s %-20s rr %g ± %g, bvt %g ± %g, paired p %.3g\n",
                row->module, row->metric, row->cells[0].mean, row->cells[0].half,
                row->cells[1].mean, row->cells[1].half, row->cells[1].p);
    }
    cmp_result_free(&r);
    sqlite3 *q = xs_db_open_ro(db);
    ck_assert_int_eq(xs_db_count(q, "SELECT count(*) FROM runs"), 6);
    ck_assert_int_eq(xs_db_count(q, "SELECT count(DISTINCT scheduler) FROM runs"), 2);
    sqlite3_close(q);

    rc = cmp_run(scns, 2, &o, &r, err, sizeof err);
    ck_assert_int_eq(rc, 0);
    ck_assert_int_eq(r.runs_done, 0);
    ck_assert_int_eq(r.runs_skipped, 6);
    cmp_result_free(&r);
    scn_free(scns[0]);
    scn_free(scns[1]);
}
END_TEST

START_TEST(paired_p_values)
{
    /* d = 1..4 - 0: mean 2.5, sd 1.2910, t = 3.873, df 3 -> p = 0.030466. */
    static const double d[] = { 1, 2, 3, 4 };
    double p = cmp_paired_p(d, 4);
    ck_assert_msg(fabs(p - 0.030466) < 1e-5, "p = %.8g", p);
    static const double z[] = { 0, 0, 0 }, c[] = { 2, 2, 2 };
    ck_assert(cmp_paired_p(z, 3) == 1.0);
    ck_assert(cmp_paired_p(c, 3) == 0.0);
    ck_assert(isnan(cmp_paired_p(d, 1)));
}
END_TEST

START_TEST(formats)
{
    char b[32];
    ck_assert(regress_is_time("sched_latency:mean"));
    ck_assert(regress_is_time("io_latency:p99"));
    ck_assert(regress_is_time("cpu_time_ns"));
    ck_assert(!regress_is_time("cpu_share"));
    ck_assert(!regress_is_time("late_ns_periods"));
    regress_fmt_value("sched_latency:mean", 1234567, b, sizeof b);
    ck_assert_str_eq(b, "1.23ms");
    regress_fmt_value("cpu_time_ns", 812, b, sizeof b);
    ck_assert_str_eq(b, "812ns");
    regress_fmt_value("net_latency:p50", 3400, b, sizeof b);
    ck_assert_str_eq(b, "3.4us");
    regress_fmt_value("busy_ns", 2e9, b, sizeof b);
    ck_assert_str_eq(b, "2.000s");
    regress_fmt_value("io_ops", 12.5, b, sizeof b);
    ck_assert_str_eq(b, "12.5");
    regress_fmt_value("cpu_share", 0.123456789, b, sizeof b);
    ck_assert_str_eq(b, "0.123457");
    regress_fmt_value("io_ops", NAN, b, sizeof b);
    ck_assert_str_eq(b, "-");
    regress_fmt_change(0.2, b, sizeof b);
    ck_assert_str_eq(b, "+20.0%");
    regress_fmt_change(-0.031, b, sizeof b);
    ck_assert_str_eq(b, "-3.1%");
    regress_fmt_change(0, b, sizeof b);
    ck_assert_str_eq(b, "+0.0%");
    regress_fmt_change(INFINITY, b, sizeof b);
    ck_assert_str_eq(b, "+inf");
    regress_fmt_change(-INFINITY, b, sizeof b);
    ck_assert_str_eq(b, "-inf");
    regress_fmt_change(NAN, b, sizeof b);
    ck_assert_str_eq(b, "-");
    regress_fmt_value("runnable_wait_ns", -5000, b, sizeof b);
    ck_assert_str_eq(b, "-5.0us");
    regress_fmt_p(0.000123, b, sizeof b);
    ck_assert_str_eq(b, "0.00012");
    regress_fmt_p(NAN, b, sizeof b);
    ck_assert_str_eq(b, "-");
}
END_TEST

static Suite *regress_suite(void)
{
    Suite *s = suite_create("regress");
    TCase *tc = xs_tcase(s, "regress", 60);
    tcase_add_unchecked_fixture(tc, setup, tmpdb_remove);
    tcase_add_test(tc, same_build_is_clean);
    tcase_add_test(tc, slowdown_10pct_regresses);
    tcase_add_test(tc, within_tolerance_is_not_a_regression);
    tcase_add_test(tc, single_replication_tolerance_decides);
    tcase_add_test(tc, noise_is_not_a_regression);
    tcase_add_test(tc, directions);
    tcase_add_test(tc, bad_input);
    tcase_add_test(tc, compare_records_once_and_pairs);
    tc = xs_tcase(s, "pure", 5);
    tcase_add_test(tc, group_names);
    tcase_add_test(tc, welch_p_values);
    tcase_add_test(tc, paired_p_values);
    tcase_add_test(tc, formats);
    return s;
}

XS_CHECK_MAIN(regress_suite)
