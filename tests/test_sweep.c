/*
 * tests/test_sweep.c: the sweep runner (analysis/sweep.c) and the sweep
 * point in run names (sim/host/run.c), from YAML scenarios in memory into SQLite
 * files in a mkdtemp directory, read back with plain SQL (tests/db_util.h).
 *
 * What is checked:
 *   1. enumeration: the cartesian product of the axes in axis order, the
 *      last fastest, replications innermost; count, points, run names
 *      (base hash, point, seed, replication); no sweep gives one point and
 *      plain `xensim run` names; an axis fixed by --set is not swept;
 *      a value listed twice and a bad value are refused before any run;
 *   2. execution: every run recorded once, with its point as runItervar rows
 *      and in the `runs` view; 1 and 3 workers give identical rows; a
 *      second call refuses without resume and adds nothing; resume after
 *      losing some runs completes the sweep to the same rows;
 *   3. common random numbers: a periodic domain alone on its pCPU has the
 *      same cpu_time_ns at every point for a replication, and a different
 *      one in another replication;
 *   4. failures and interruption: a run that cannot be built fails by name
 *      while the others are recorded (in process and with workers); an
 *      interrupted sweep records nothing;
 *   5. concurrent writers: processes creating and writing one fresh file at
 *      once all succeed (analysis/store.c's busy timeout and schema lock).
 *
 * Every simulation is short (20 ms of simulated time, 2 pCPUs).
 */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "analysis/store.h"
#include "analysis/sweep.h"
#include "sim/err.h"
#include "sim/host/run.h"
#include "sim/scenario.h"
#include "tests/check_util.h"
#include "tests/db_util.h"
#include "tests/tmpdb.h"

static void setup(void)
{
    tmpdb_make("xs_sweep");
}

/* A periodic probe alone on pCPU 1 (its demand is random: exponential
 * bursts) and CPU hogs on pCPU 0. */
static const char base_yaml[] =
    "name: sw\n"
    "seed: 7\n"
    "duration: 20ms\n"
    "replications: 2\n"
    "machine: { pcpus: 2 }\n"
    "domains:\n"
    "  p:\n"
    "    cpus: [1]\n"
    "    workload: { type: periodic, period: 1ms, burst: { dist: exponential, mean: 200us } }\n"
    "  hog:\n"
    "    count: 1\n"
    "    cpus: [0]\n"
    "    workload: { type: cpu }\n";

static const char sweep_block[] =
    "sweep:\n"
    "  scheduler.name: [rr, bvt, atropos]\n"
    "  domains.hog.count: [1, 2]\n";

/* base_yaml + extra, in a static buffer. */
static const char *yaml_with(const char *extra)
{
    static char buf[4096];
    snprintf(buf, sizeof buf, "%s%s", base_yaml, extra);
    return buf;
}

static struct sweep_plan *plan(const char *yaml, const char *const *sets, size_t nsets)
{
    struct sweep_plan_opts o = { .sets = sets, .nsets = nsets };
    struct scn_diags *d = NULL;
    char err[512] = "";
    struct sweep_plan *p = sweep_plan_new(tmpdb_path("sw.yaml"), yaml, strlen(yaml), &o, &d,
                                          err, sizeof err);
    if (!p) {
        char *t = d ? scn_diags_text(d) : NULL;
        ck_abort_msg("plan refused: %s%s", t ? t : "", err);
    }
    return p;
}

static int exec(const struct sweep_plan *p, const char *db, int jobs, bool resume,
                struct sweep_result *res)
{
    struct sweep_opts o = { .db_path = tmpdb_path(db), .jobs = jobs, .resume = resume };
    char err[512] = "";
    int rc = sweep_exec(p, &o, res, err, sizeof err);
    return rc;
}

static void exec_ok(const struct sweep_plan *p, const char *db, int jobs, bool resume)
{
    struct sweep_result res;
    struct sweep_opts o = { .db_path = tmpdb_path(db), .jobs = jobs, .resume = resume };
    char err[512] = "";
    int rc = sweep_exec(p, &o, &res, err, sizeof err);
    ck_assert_msg(rc == 0, "sweep_exec: %s (%s; %zu failures, first: %s)", sim_strerror(rc),
                  err, res.nfailures, res.nfailures ? res.failures[0].msg : "");
    ck_assert_uint_eq(res.not_run, 0);
    sweep_result_free(&res);
}

/* ---- 1. enumeration ---- */

START_TEST(enumeration_order)
{
    struct sweep_plan *p = plan(yaml_with(sweep_block), NULL, 0);
    const struct scn *s = sweep_plan_scn(p);
    ck_assert_uint_eq(sweep_plan_points(p), 6);
    ck_assert_uint_eq(sweep_plan_runs(p), 12);
    ck_assert_uint_eq(sweep_plan_naxes(p), 2);
    ck_assert_str_eq(sweep_plan_axis(p, 0), "scheduler.name");
    ck_assert_str_eq(sweep_plan_axis(p, 1), "domains.hog.count");
    static const char *const sched[] = { "rr", "rr", "bvt", "bvt", "atropos", "atropos" };
    static const char *const count[] = { "1", "2", "1", "2", "1", "2" };
    for (size_t i = 0; i < 12; i++) {
        uint64_t pt;
        uint32_t rep;
        ck_assert_int_eq(sweep_plan_run(p, i, &pt, &rep), 0);
        ck_assert_uint_eq(pt, i / 2);
        ck_assert_uint_eq(rep, i % 2);
        struct run_itervar v[2];
        ck_assert_int_eq(sweep_plan_point(p, pt, v, 2), 0);
        ck_assert_str_eq(v[0].name, "scheduler.name");
        ck_assert_str_eq(v[0].value, sched[pt]);
        ck_assert_str_eq(v[1].value, count[pt]);
        char want[256];
        snprintf(want, sizeof want, "sw-%s-scheduler.name=%s,domains.hog.count=%s-s7-r%zu",
                 s->hash, sched[pt], count[pt], i % 2);
        ck_assert_str_eq(sweep_plan_run_name(p, i), want);
        /* The run's scenario has the point applied, and the base's hash. */
        struct scn_diags *d = NULL;
        struct scn *ps = sweep_plan_load_run(p, i, &d);
        ck_assert_ptr_nonnull(ps);
        ck_assert_str_eq(ps->sched.name, sched[pt]);
        ck_assert_int_eq(ps->ndomains, 1 + atoi(count[pt]));
        ck_assert_str_eq(ps->hash, s->hash);
        scn_free(ps);
    }
    ck_assert_ptr_null(sweep_plan_run_name(p, 12));
    ck_assert_int_eq(sweep_plan_run(p, 12, NULL, NULL), -SIM_EINVAL);
    sweep_plan_free(p);
}
END_TEST

/* A plan's run names, one by one, against the names of the point loaded
 * on its own (scn_load_buffer with the point's sweep_index, which parses
 * the text again). */
static void names_match_point_loads(const char *yaml)
{
    struct sweep_plan *p = plan(yaml, NULL, 0);
    const struct scn *b = sweep_plan_scn(p);
    size_t naxes = sweep_plan_naxes(p);
    ck_assert_uint_eq(naxes, (size_t)b->nsweep);
    size_t i = 0;
    for (uint64_t pt = 0; pt < sweep_plan_points(p); pt++) {
        int idx[8];
        uint64_t rest = pt;
        for (int a = b->nsweep - 1; a >= 0; a--) {
            idx[a] = (int)(rest % (uint64_t)b->sweep[a].nvalues);
            rest /= (uint64_t)b->sweep[a].nvalues;
        }
        struct scn_load_opts lo = { .sweep_index = idx };
        struct scn_diags *d = NULL;
        struct scn *s = scn_load_buffer(tmpdb_path("sw.yaml"), yaml, strlen(yaml), &lo, &d);
        ck_assert_ptr_nonnull(s);
        struct run_itervar v[8];
        ck_assert_int_eq(sweep_plan_point(p, pt, v, naxes), 0);
        for (int r = 0; r < s->replications; r++, i++) {
            char want[256];
            run_name_at(s, s->seed, (uint32_t)r, v, naxes, want, sizeof want);
            ck_assert_str_eq(sweep_plan_run_name(p, i), want);
        }
        scn_free(s);
    }
    ck_assert_uint_eq(i, sweep_plan_runs(p));
    sweep_plan_free(p);
}

START_TEST(names_as_each_point_alone)
{
    /* Axes that leave name, seed and replications alone ... */
    names_match_point_loads(yaml_with(sweep_block));
    /* ... and axes that vary them (3 + 1 + 2 runs per seed). */
    names_match_point_loads(yaml_with("sweep:\n"
                                      "  replications: [3, 1, 2]\n"
                                      "  seed: [5, 9]\n"
                                      "  name: [a, b]\n"));
}
END_TEST

/* head (ending in a sweep block) and a last axis `duration` of 1 .. n ms,
 * malloc'ed. */
static char *with_durations(const char *head, int n)
{
    char *yaml = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&yaml, &len);
    ck_assert_ptr_nonnull(f);
    fprintf(f, "%s  duration:\n", head);
    for (int ms = 1; ms <= n; ms++)
        fprintf(f, "    - %dms\n", ms);
    fclose(f);
    return yaml;
}

/* A sweep of the seed (a setting run names are made of) builds every point
 * to name its runs; it must not copy the whole sweep block into each (that
 * made planning quadratic: 2,000 seeds took 0.3 s, 100,000 over ten
 * minutes). The names are the same as each point loaded alone. */
START_TEST(plan_seed_axis_copies_no_sweep)
{
    char head[1024];
    snprintf(head, sizeof head, "%ssweep:\n  seed: [", base_yaml);
    size_t len = strlen(head);
    char *yaml = malloc(len + 3000 * 8 + 8);
    ck_assert_ptr_nonnull(yaml);
    memcpy(yaml, head, len);
    for (int i = 1; i <= 3000; i++)
        len += (size_t)sprintf(yaml + len, "%s%d", i > 1 ? ", " : "", i);
    strcpy(yaml + len, "]\n");
    unsigned long copies = scn_sweep_copy_count();
    struct sweep_plan *p = plan(yaml, NULL, 0);
    ck_assert_uint_eq(scn_sweep_copy_count() - copies, 0);
    ck_assert_uint_eq(sweep_plan_points(p), 3000);
    for (size_t i = 0; i < sweep_plan_runs(p); i += 997) {
        struct scn_diags *d = NULL;
        struct scn *s = sweep_plan_load_run(p, i, &d);
        ck_assert_ptr_nonnull(s);
        uint64_t pt;
        ck_assert_int_eq(sweep_plan_run(p, i, &pt, NULL), 0);
        ck_assert_uint_eq(s->seed, pt + 1);
        ck_assert_int_eq(s->nsweep, 1);             /* a run's scenario keeps its sweep */
        scn_free(s);
    }
    sweep_plan_free(p);
    free(yaml);
}
END_TEST

/* The plan reads the YAML once however many points it has, and the runs'
 * scenarios are built from that parse: planning is linear in the points
 * (each parse reads every value of every axis). */
START_TEST(plan_parses_once)
{
    char head[1024];
    snprintf(head, sizeof head, "%ssweep:\n  scheduler.name: [rr, bvt]\n", base_yaml);
    char *yaml = with_durations(head, 300);
    unsigned long before = scn_parse_count();
    struct sweep_plan *p = plan(yaml, NULL, 0);
    ck_assert_uint_eq(scn_parse_count() - before, 1);
    ck_assert_uint_eq(sweep_plan_points(p), 600);
    ck_assert_uint_eq(sweep_plan_runs(p), 1200);
    for (size_t i = 0; i < 1200; i += 299) {
        struct scn_diags *d = NULL;
        struct scn *s = sweep_plan_load_run(p, i, &d);
        ck_assert_ptr_nonnull(s);
        uint64_t pt;
        ck_assert_int_eq(sweep_plan_run(p, i, &pt, NULL), 0);
        ck_assert_int_eq(s->duration, (int64_t)(pt % 300 + 1) * 1000000);
        ck_assert_str_eq(s->sched.name, pt < 300 ? "rr" : "bvt");
        ck_assert_int_eq(s->nsweep, 2);
        ck_assert_int_eq(s->sweep[1].nvalues, 300);
        scn_free(s);
    }
    ck_assert_uint_eq(scn_parse_count() - before, 1);
    sweep_plan_free(p);
    free(yaml);
}
END_TEST

/* A combination of values that is bad only together (pCPU 1 for a domain
 * on 1 pCPU), in a sweep too large for the plan to build every point
 * (2 x 2 x 1025 > SCN_MAX_SWEEP_CHECK): the plan accepts it, and running
 * stops before the first run, but a shard of good points runs. */
START_TEST(bad_combination_stops_before_running)
{
    char *yaml = with_durations("name: combo\nseed: 1\nduration: 1ms\nreplications: 1\n"
                                "machine: { pcpus: 2 }\n"
                                "domains:\n  p: { cpus: [0], workload: { type: cpu } }\n"
                                "sweep:\n  domains.p.cpus: [[0], [1]]\n"
                                "  machine.pcpus: [2, 1]\n", 1025);
    struct sweep_plan *p = plan(yaml, NULL, 0);
    ck_assert_uint_eq(sweep_plan_runs(p), 4100);
    struct sweep_result res;
    struct sweep_opts o = { .db_path = tmpdb_path("combo.db"), .jobs = 1 };
    char err[512] = "";
    ck_assert_int_eq(sweep_exec(p, &o, &res, err, sizeof err), -SIM_EBADINPUT);
    ck_assert_msg(strstr(err, "sw.yaml:") != NULL, "%s", err);
    ck_assert_uint_eq(res.st.done, 0);
    sweep_result_free(&res);
    /* Runs 0 and 1: cpus [0] on 2 pCPUs, 1 ms and 2 ms. */
    size_t only[] = { 0, 1 };
    o.only = only;
    o.nonly = 2;
    ck_assert_int_eq(sweep_exec(p, &o, &res, err, sizeof err), 0);
    ck_assert_uint_eq(res.st.done, 2);
    sweep_result_free(&res);
    sqlite3 *db = xs_db_open_ro(tmpdb_path("combo.db"));
    ck_assert_int_eq(xs_db_count(db, "SELECT count(*) FROM run"), 2);
    sqlite3_close(db);
    sweep_plan_free(p);
    free(yaml);
}
END_TEST

START_TEST(no_sweep_is_one_point)
{
    struct sweep_plan *p = plan(base_yaml, NULL, 0);
    ck_assert_uint_eq(sweep_plan_points(p), 1);
    ck_assert_uint_eq(sweep_plan_runs(p), 2);
    ck_assert_uint_eq(sweep_plan_naxes(p), 0);
    /* The names are those of `xensim run`. */
    for (uint32_t r = 0; r < 2; r++) {
        char want[256];
        run_name(sweep_plan_scn(p), 7, r, want, sizeof want);
        ck_assert_str_eq(sweep_plan_run_name(p, r), want);
    }
    sweep_plan_free(p);
    /* --seed replaces the seed in every name. */
    struct sweep_plan_opts o = { .have_seed = true, .seed = 42 };
    struct scn_diags *d = NULL;
    char err[256];
    p = sweep_plan_new("x.yaml", base_yaml, strlen(base_yaml), &o, &d, err, sizeof err);
    ck_assert_ptr_nonnull(p);
    ck_assert_ptr_nonnull(strstr(sweep_plan_run_name(p, 1), "-s42-r1"));
    sweep_plan_free(p);
}
END_TEST

START_TEST(set_fixes_an_axis)
{
    const char *sets[] = { "scheduler.name=bvt", "replications=1" };
    struct sweep_plan *p = plan(yaml_with(sweep_block), sets, 2);
    ck_assert_uint_eq(sweep_plan_points(p), 2);
    ck_assert_uint_eq(sweep_plan_runs(p), 2);
    ck_assert_uint_eq(sweep_plan_naxes(p), 1);
    ck_assert_str_eq(sweep_plan_axis(p, 0), "domains.hog.count");
    ck_assert_uint_eq(sweep_plan_nfixed(p), 1);
    ck_assert_str_eq(sweep_plan_fixed(p, 0), "scheduler.name");
    ck_assert_ptr_nonnull(strstr(sweep_plan_run_name(p, 1), "-domains.hog.count=2-s7-r0"));
    struct scn_diags *d = NULL;
    struct scn *s = sweep_plan_load_run(p, 1, &d);
    ck_assert_str_eq(s->sched.name, "bvt");
    scn_free(s);
    sweep_plan_free(p);
}
END_TEST

START_TEST(long_point_is_hashed)
{
    struct run_itervar v[3] = { { "a.very.long.path.name.for.a.parameter", "1" },
                                { "another.very.long.path.name.for.a.parameter", "2" },
                                { "yet.another.very.long.path.name.for.a.parameter", "3" } };
    struct scn *s = xs_db_load("x.yaml", base_yaml, NULL, 0);
    char a[256], b[256];
    run_name_at(s, 7, 0, v, 3, a, sizeof a);
    run_name_at(s, 7, 0, v, 3, b, sizeof b);
    ck_assert_str_eq(a, b);
    ck_assert_ptr_nonnull(strstr(a, "-pt"));
    ck_assert_ptr_null(strstr(a, "a.very"));
    v[2].value = "4";
    run_name_at(s, 7, 0, v, 3, b, sizeof b);
    ck_assert_str_ne(a, b);
    run_name_at(s, 7, 0, v, 0, b, sizeof b);
    run_name(s, 7, 0, a, sizeof a);
    ck_assert_str_eq(a, b);
    scn_free(s);
}
END_TEST

START_TEST(refused_before_running)
{
    struct scn_diags *d = NULL;
    char err[512] = "";
    /* A value listed twice would give two points the same runs. */
    const char *y = yaml_with("sweep:\n  domains.hog.count: [1, 1]\n");
    struct sweep_plan *p = sweep_plan_new("x.yaml", y, strlen(y), NULL, &d, err, sizeof err);
    ck_assert_ptr_null(p);
    if (d) {
        scn_diags_free(d);
    } else {
        ck_assert_msg(strstr(err, "same run name") != NULL, "%s", err);
    }
    /* A bad value is the loader's error, pointing into the sweep. */
    d = NULL;
    y = yaml_with("sweep:\n  domains.hog.count: [1, -3]\n");
    p = sweep_plan_new("x.yaml", y, strlen(y), NULL, &d, err, sizeof err);
    ck_assert_ptr_null(p);
    ck_assert_ptr_nonnull(d);
    ck_assert_msg(strstr(scn_diags_message(d, 0), "x.yaml:15:") != NULL, "%s",
                  scn_diags_message(d, 0));
    scn_diags_free(d);
}
END_TEST

/* ---- 2. execution ---- */

START_TEST(records_every_run_with_itervars)
{
    struct sweep_plan *p = plan(yaml_with(sweep_block), NULL, 0);
    exec_ok(p, "all.db", 1, false);
    sqlite3 *db = xs_db_open_ro(tmpdb_path("all.db"));
    ck_assert_int_eq(xs_db_count(db, "SELECT count(*) FROM run"), 12);
    ck_assert_int_eq(xs_db_count(db, "SELECT count(*) FROM runItervar"), 24);
    for (size_t i = 0; i < 12; i++) {
        char sql[512];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM run WHERE runName = '%s'",
                 sweep_plan_run_name(p, i));
        ck_assert_int_eq(xs_db_count(db, sql), 1);
    }
    ck_assert_int_eq(xs_db_count(db, "SELECT count(*) FROM runs WHERE sweep_point = "
                                     "'domains.hog.count=2, scheduler.name=atropos' AND "
                                     "scheduler = 'atropos' AND replication = '1'"), 1);
    ck_assert_int_eq(xs_db_count(db, "SELECT count(DISTINCT scenario_hash) FROM runs"), 1);
    /* The point's domains ran: hog.1 exists only where count = 2. */
    ck_assert_int_eq(xs_db_count(db, "SELECT count(*) FROM scalar s JOIN runs r USING (runId)"
                                     " WHERE s.moduleName = 'hog.1' AND"
                                     " s.scalarName = 'cpu_time_ns' AND"
                                     " r.sweep_point LIKE 'domains.hog.count=2,%'"), 6);
    ck_assert_int_eq(xs_db_count(db, "SELECT count(*) FROM scalar WHERE moduleName = 'hog.1'"
                                     " AND scalarName = 'cpu_time_ns'"), 6);
    sqlite3_close(db);

    /* Again without resume: refused, nothing added; with resume: nothing
     * to do. */
    struct sweep_result res;
    ck_assert_int_eq(exec(p, "all.db", 2, false, &res), -SIM_EEXIST);
    ck_assert_uint_eq(res.st.existing, 12);
    sweep_result_free(&res);
    ck_assert_int_eq(exec(p, "all.db", 2, true, &res), 0);
    ck_assert_uint_eq(res.st.existing, 12);
    ck_assert_uint_eq(res.st.done, 0);
    sweep_result_free(&res);
    db = xs_db_open_ro(tmpdb_path("all.db"));
    ck_assert_int_eq(xs_db_count(db, "SELECT count(*) FROM run"), 12);
    sqlite3_close(db);
    sweep_plan_free(p);
}
END_TEST

START_TEST(jobs_do_not_change_results)
{
    struct sweep_plan *p = plan(yaml_with(sweep_block), NULL, 0);
    exec_ok(p, "j1.db", 1, false);
    exec_ok(p, "j3.db", 3, false);
    xs_db_assert_same_rows(tmpdb_path("j1.db"), tmpdb_path("j3.db"));
    sqlite3 *db = xs_db_open_ro(tmpdb_path("j3.db"));
    ck_assert_int_eq(xs_db_count(db, "SELECT count(*) FROM run"), 12);
    sqlite3_close(db);
    sweep_plan_free(p);
}
END_TEST

START_TEST(resume_completes_to_the_same_rows)
{
    struct sweep_plan *p = plan(yaml_with(sweep_block), NULL, 0);
    exec_ok(p, "full.db", 1, false);
    exec_ok(p, "part.db", 2, false);
    /* Lose every other run, as a kill would (whole runs only). */
    sqlite3 *db = NULL;
    ck_assert_int_eq(sqlite3_open(tmpdb_path("part.db"), &db), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(db, "PRAGMA foreign_keys=ON; DELETE FROM run WHERE "
                                      "runId % 2 = 0", NULL, NULL, NULL), SQLITE_OK);
    ck_assert_int_eq(xs_db_count(db, "SELECT count(*) FROM run"), 6);
    sqlite3_close(db);
    struct sweep_result res;
    ck_assert_int_eq(exec(p, "part.db", 2, false, &res), -SIM_EEXIST);
    ck_assert_uint_eq(res.st.existing, 6);
    sweep_result_free(&res);
    ck_assert_int_eq(exec(p, "part.db", 2, true, &res), 0);
    ck_assert_uint_eq(res.st.existing, 6);
    ck_assert_uint_eq(res.st.done, 6);
    sweep_result_free(&res);
    xs_db_assert_same_rows(tmpdb_path("full.db"), tmpdb_path("part.db"));
    sweep_plan_free(p);
}
END_TEST

/* ---- 3. common random numbers ---- */

START_TEST(common_random_numbers)
{
    struct sweep_plan *p = plan(yaml_with("sweep:\n  scheduler.name: [rr, bvt]\n"
                                          "  domains.hog.count: [1, 3]\n"
                                          "  scheduler.rr.slice: [1ms, 5ms]\n"),
                                NULL, 0);
    ck_assert_uint_eq(sweep_plan_runs(p), 16);
    exec_ok(p, "crn.db", 2, false);
    sqlite3 *db = xs_db_open_ro(tmpdb_path("crn.db"));
    double first[2] = { NAN, NAN };
    for (size_t i = 0; i < sweep_plan_runs(p); i++) {
        uint32_t rep;
        sweep_plan_run(p, i, NULL, &rep);
        double v = xs_db_must_scalar(db, sweep_plan_run_name(p, i), "p", "cpu_time_ns");
        ck_assert(v > 0);
        if (isnan(first[rep]))
            first[rep] = v;
        ck_assert_msg(v == first[rep], "run %s: p's cpu_time_ns %.0f, %.0f at point 0",
                      sweep_plan_run_name(p, i), v, first[rep]);
    }
    /* The replications themselves see different numbers. */
    ck_assert_msg(first[0] != first[1], "replications 0 and 1 both %.0f", first[0]);
    /* The hogs' pCPU is what the points change. */
    ck_assert_int_gt(xs_db_count(db, "SELECT count(DISTINCT scalarValue) FROM scalar"
                                     " WHERE moduleName = 'pcpu0'"
                                     " AND scalarName = 'context_switches'"), 1);
    sqlite3_close(db);
    sweep_plan_free(p);
}
END_TEST

/* ---- 4. failures and interruption ---- */

/* The points with one trace domain fail to build: its trace file is empty,
 * not a trace. */
static const char failing_yaml[] =
    "name: fl\n"
    "duration: 20ms\n"
    "domains:\n"
    "  hog: { workload: { type: cpu } }\n"
    "  t: { count: 0, workload: { type: trace, file: empty.xtr } }\n"
    "sweep:\n"
    "  domains.t.count: [0, 1]\n"
    "  domains.hog.count: [1, 2]\n";

START_TEST(failed_runs_are_named)
{
    FILE *f = fopen(tmpdb_path("empty.xtr"), "w");
    ck_assert_ptr_nonnull(f);
    fclose(f);
    struct sweep_plan *p = plan(failing_yaml, NULL, 0);
    ck_assert_uint_eq(sweep_plan_runs(p), 4);
    const char *dbs[2] = { "fail1.db", "fail2.db" };
    for (int j = 1; j <= 2; j++) {
        struct sweep_result res;
        int rc = exec(p, dbs[j - 1], j, false, &res);
        ck_assert_int_eq(rc, -SIM_EBADINPUT);
        ck_assert_uint_eq(res.nfailures, 2);
        ck_assert_uint_eq(res.st.failed, 2);
        ck_assert_uint_eq(res.st.done, 2);
        /* Points 2 and 3 (t.count = 1), in plan order. */
        ck_assert_uint_eq(res.failures[0].run, 2);
        ck_assert_uint_eq(res.failures[1].run, 3);
        ck_assert_msg(strstr(res.failures[0].msg, "trace") != NULL, "%s",
                      res.failures[0].msg);
        sweep_result_free(&res);
        sqlite3 *db = xs_db_open_ro(tmpdb_path(dbs[j - 1]));
        ck_assert_int_eq(xs_db_count(db, "SELECT count(*) FROM runs WHERE sweep_point LIKE "
                                         "'%domains.t.count=0%'"), 2);
        ck_assert_int_eq(xs_db_count(db, "SELECT count(*) FROM run"), 2);
        sqlite3_close(db);
    }
    sweep_plan_free(p);
}
END_TEST

START_TEST(interrupted_records_nothing)
{
    struct sweep_plan *p = plan(yaml_with(sweep_block), NULL, 0);
    static volatile sig_atomic_t stop = 1;
    /* The workers inherit Check's SIGTERM handler, which answers the
     * parent's SIGTERM by killing the whole test process group (this test
     * included) when a worker is still alive to receive it. */
    signal(SIGTERM, SIG_DFL);
    for (int j = 1; j <= 2; j++) {
        const char *name = j == 1 ? "int1.db" : "int2.db";
        struct sweep_opts o = { .db_path = tmpdb_path(name), .jobs = j, .interrupted = &stop };
        struct sweep_result res;
        char err[256];
        ck_assert_int_eq(sweep_exec(p, &o, &res, err, sizeof err), -SIM_ESTATE);
        ck_assert_uint_eq(res.not_run, 12);
        ck_assert_uint_eq(res.nfailures, 0);
        sweep_result_free(&res);
        sqlite3 *db = xs_db_open_ro(tmpdb_path(name));
        ck_assert_int_eq(xs_db_count(db, "SELECT count(*) FROM run"), 0);
        sqlite3_close(db);
    }
    sweep_plan_free(p);
}
END_TEST

/* ---- 5. concurrent writers ---- */

#define WRITERS 6
#define WRITER_RUNS 25

START_TEST(concurrent_writers)
{
    const char *path = tmpdb_path("conc.db");
    pid_t pids[WRITERS];
    for (int w = 0; w < WRITERS; w++) {
        pids[w] = fork();
        ck_assert_int_ge(pids[w], 0);
        if (pids[w] == 0) {
            /* All open the fresh file at once: schema creation, WAL switch
             * and every run's BEGIN IMMEDIATE contend. */
            char err[256];
            struct store *s = store_open(path, err, sizeof err);
            if (!s)
                _exit(10);
            for (int r = 0; r < WRITER_RUNS; r++) {
                char name[64];
                snprintf(name, sizeof name, "w%d-r%d", w, r);
                if (store_run_begin(s, name, NULL) < 0)
                    _exit(11);
                for (int k = 0; k < 50; k++) {
                    char m[16];
                    snprintf(m, sizeof m, "m%d", k);
                    if (store_scalar(s, m, "x", k * 1.5) < 0)
                        _exit(12);
                }
                if (store_run_end(s) < 0)
                    _exit(13);
            }
            store_close(s);
            _exit(0);
        }
    }
    for (int w = 0; w < WRITERS; w++) {
        int st = 0;
        ck_assert_int_eq(waitpid(pids[w], &st, 0), pids[w]);
        ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "writer %d: status %d", w, st);
    }
    sqlite3 *db = xs_db_open_ro(path);
    ck_assert_int_eq(xs_db_count(db, "SELECT count(*) FROM run"), WRITERS * WRITER_RUNS);
    ck_assert_int_eq(xs_db_count(db, "SELECT count(*) FROM scalar"),
                     WRITERS * WRITER_RUNS * 50);
    char *ok = xs_db_dump(db, "PRAGMA integrity_check");
    ck_assert_str_eq(ok, "'ok'\n");
    free(ok);
    sqlite3_close(db);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("sweep");
    TCase *tc = xs_tcase(s, "plan", 30);
    tcase_add_unchecked_fixture(tc, setup, tmpdb_remove);
    tcase_add_test(tc, enumeration_order);
    tcase_add_test(tc, no_sweep_is_one_point);
    tcase_add_test(tc, names_as_each_point_alone);
    tcase_add_test(tc, plan_parses_once);
    tcase_add_test(tc, plan_seed_axis_copies_no_sweep);
    tcase_add_test(tc, bad_combination_stops_before_running);
    tcase_add_test(tc, set_fixes_an_axis);
    tcase_add_test(tc, long_point_is_hashed);
    tcase_add_test(tc, refused_before_running);
    tc = xs_tcase(s, "exec", 60);
    tcase_add_unchecked_fixture(tc, setup, tmpdb_remove);
    tcase_add_test(tc, records_every_run_with_itervars);
    tcase_add_test(tc, jobs_do_not_change_results);
    tcase_add_test(tc, resume_completes_to_the_same_rows);
    tcase_add_test(tc, common_random_numbers);
    tcase_add_test(tc, failed_runs_are_named);
    tcase_add_test(tc, interrupted_records_nothing);
    tc = xs_tcase(s, "store", 60);
    tcase_add_unchecked_fixture(tc, setup, tmpdb_remove);
    tcase_add_test(tc, concurrent_writers);
    return s;
}

XS_CHECK_MAIN(make_suite)
