/*
 * tests/test_run.c: the run driver (sim/host/run.c) end to end, as seen in the
 * results database.
 *
 * A small host (2 pCPUs; an idle dom0, a periodic probe with exponential
 * bursts, two hogs and a hog that yields) is loaded from YAML in memory and
 * simulated by run_replication into SQLite files in a mkdtemp directory.
 * Every check reads the file back with plain SQL on its own connection, as
 * another tool would: the run's rows under its exact name, the `runs` view,
 * every CPU-scheduling metric name of DESIGN.md section 7 for every domain,
 * pCPU and the machine, conservation in the stored numbers, determinism
 * (two fresh files, full sorted row sets compared bit for bit, only the
 * wall-clock `datetime` attribute left out), skip of a run already
 * recorded, --seed and replications changing the numbers, and an
 * interrupted run leaving nothing behind.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "analysis/store.h"
#include "sim/err.h"
#include "analysis/record.h"
#include "sim/host/run.h"
#include "sim/scenario.h"
#include "tests/check_util.h"
#include "tests/db_util.h"
#include "tests/tmpdb.h"

static const char scenario_yaml[] =
    "name: run-test\n"
    "seed: 7\n"
    "duration: 2s\n"
    "warmup: 200ms\n"
    "replications: 2\n"
    "machine:\n"
    "  pcpus: 2\n"
    "  clock: { tsc_hz: 2.4GHz, timer_slop: 50us, apic_timer_hz: 100MHz }\n"
    "  costs: { context_switch: 3us, cache_refill: 0us }\n"
    "scheduler:\n"
    "  name: bvt\n"
    "domains:\n"
    "  dom0:\n"
    "    privileged: true\n"
    "  probe:\n"
    "    workload: { type: periodic, period: 10ms, burst: { dist: exponential, mean: 1ms } }\n"
    "    sched:\n"
    "      bvt: { mcu_advance: 10, warp: 5ms, warpl: 50ms, warpu: 200ms }\n"
    "      atropos: { period: 10ms, slice: 2ms, latency: 5ms, xtratime: true }\n"
    "  hog:\n"
    "    count: 2\n"
    "    workload: { type: cpu }\n"
    "  yhog:\n"
    "    workload: { type: cpu, yield_every: 2ms }\n";

/* Domain scalars of DESIGN.md section 7 that apply to CPU scheduling, and
 * refill_ns (docs/results.md). */
static const char *const dom_scalars[] = {
    "cpu_time_ns", "refill_ns", "cpu_share", "cpu_util", "dispatches", "wakeups", "blocks",
    "preemptions", "runnable_wait_ns", "late_periods",
};
static const char *const pcpu_scalars[] = {
    "busy_ns", "idle_ns", "context_switches", "runq_len_mean",
};
static const char *const machine_scalars[] = { "events", "jain_fairness" };
static const char *const pct_suffix[] = { ":p50", ":p90", ":p99", ":p999" };

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* ---- temporary directory: made and removed by the parent (unchecked
 * fixture), so it goes even when a test fails ---- */

static void setup(void)
{
    tmpdb_make("xs_run");
}

/* ---- scenario and runs ---- */

static struct scn *load(const char *set)
{
    const char *sets[1] = { set };
    return xs_db_load("run-test.yaml", scenario_yaml, sets, set ? 1 : 0);
}

static struct store *open_store(const char *path)
{
    char err[512];
    struct store *db = store_open(path, err, sizeof err);
    ck_assert_msg(db != NULL, "store_open(%s): %s", path, err);
    return db;
}

/* One replication into the file at path (NULL: no database); out filled. */
static void run_into(const char *path, const struct scn *s, uint64_t seed, uint32_t rep,
                     struct run_result *out)
{
    struct store *db = path ? open_store(path) : NULL;
    struct run_opts o = { .seed = seed, .replication = rep };
    char err[512] = "";
    int rc = run_replication(s, &o, db, out, err, sizeof err);
    ck_assert_msg(rc == 0, "run_replication: %s (%s)", sim_strerror(rc), err);
    store_close(db);
}

/* ---- plain SQL on a separate connection ---- */

/* Rows in every table of the file (views excluded), summed. */
static int64_t all_rows(sqlite3 *db)
{
    sqlite3_stmt *st = xs_db_prep(db, "SELECT name FROM sqlite_master WHERE type = 'table'");
    int64_t total = 0;
    int tables = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        char sql[256];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM \"%s\"",
                 (const char *)sqlite3_column_text(st, 0));
        total += xs_db_count(db, sql);
        tables++;
    }
    sqlite3_finalize(st);
    ck_assert_int_ge(tables, 14);       /* the schema is there */
    return total;
}

static void integrity_ok(sqlite3 *db)
{
    sqlite3_stmt *st = xs_db_prep(db, "PRAGMA integrity_check");
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    ck_assert_str_eq((const char *)sqlite3_column_text(st, 0), "ok");
    sqlite3_finalize(st);
}

/* statCount of a statistic, -1 if there is no such row. */
static int64_t stat_count(sqlite3 *db, const char *run, const char *module, const char *name)
{
    sqlite3_stmt *st = xs_db_prep(db, "SELECT s.statCount FROM statistic s JOIN run r"
                                " ON r.runId = s.runId WHERE r.runName = ?1"
                                " AND s.moduleName = ?2 AND s.statName = ?3");
    sqlite3_bind_text(st, 1, run, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, module, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
    int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    return n;
}

/* ---- tests ---- */

START_TEST(rows_under_run_name)
{
    struct scn *s = load(NULL);
    const char *path = tmpdb_path("a.db");
    struct run_result r;
    run_into(path, s, 7, 0, &r);
    char name[256];
    run_name(s, 7, 0, name, sizeof name);
    ck_assert_str_eq(r.name, name);
    char want[256];
    snprintf(want, sizeof want, "run-test-%s-s7-r0", s->hash);
    ck_assert_str_eq(name, want);
    ck_assert(!r.skipped);

    sqlite3 *db = xs_db_open_ro(path);
    ck_assert_int_eq(xs_db_count(db, "SELECT count(*) FROM run"), 1);
    sqlite3_stmt *st = xs_db_prep(db, "SELECT runName, simtimeExp FROM run");
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    ck_assert_str_eq((const char *)sqlite3_column_text(st, 0), name);
    ck_assert_int_eq(sqlite3_column_int(st, 1), -9);
    sqlite3_finalize(st);

    st = xs_db_prep(db, "SELECT scenario, scenario_hash, scheduler, seed, replication, version"
                  " FROM runs WHERE runName = ?1");
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    ck_assert_str_eq((const char *)sqlite3_column_text(st, 0), "run-test");
    ck_assert_str_eq((const char *)sqlite3_column_text(st, 1), s->hash);
    ck_assert_str_eq((const char *)sqlite3_column_text(st, 2), "bvt");
    ck_assert_str_eq((const char *)sqlite3_column_text(st, 3), "7");
    ck_assert_str_eq((const char *)sqlite3_column_text(st, 4), "0");
    ck_assert_ptr_nonnull(sqlite3_column_text(st, 5));
    ck_assert_int_ne(sqlite3_step(st), SQLITE_ROW);
    sqlite3_finalize(st);

    /* Every metric row hangs off that run. */
    ck_assert_int_gt(xs_db_count(db, "SELECT count(*) FROM scalar"), 0);
    ck_assert_int_eq(xs_db_count(db, "SELECT count(*) FROM scalar s JOIN run r"
                                  " ON r.runId = s.runId WHERE r.runName LIKE 'run-test-%-s7-r0'"),
                     xs_db_count(db, "SELECT count(*) FROM scalar"));
    ck_assert_int_eq(xs_db_count(db, "SELECT count(*) FROM runAttr WHERE attrName = 'datetime'"),
                     1);
    integrity_ok(db);
    sqlite3_close(db);
    run_result_free(&r);
    scn_free(s);
}
END_TEST

/* Loop index: 0 rr, 1 bvt, 2 atropos. */
static const char *const sched_sets[] = {
    "scheduler.name=rr", "scheduler.name=bvt", "scheduler.name=atropos",
};

START_TEST(metrics_and_conservation)
{
    struct scn *s = load(sched_sets[_i]);
    char file[32];
    snprintf(file, sizeof file, "m%d.db", _i);
    const char *path = tmpdb_path(file);
    struct run_result r;
    run_into(path, s, 7, 0, &r);
    sqlite3 *db = xs_db_open_ro(path);
    const char *run = r.name;

    /* Every domain: the scalars, and sched_latency with its percentiles
     * exactly when it has samples. */
    int with_samples = 0;
    double dom_cpu = 0;
    ck_assert_int_eq(r.ndoms, s->ndomains);
    for (int d = 0; d < s->ndomains; d++) {
        const char *m = s->domains[d].name;
        for (size_t k = 0; k < N_OF(dom_scalars); k++)
            xs_db_must_scalar(db, run, m, dom_scalars[k]);
        double cpu = xs_db_must_scalar(db, run, m, "cpu_time_ns");
        ck_assert_double_eq(cpu, (double)r.doms[d].cpu_time_ns);
        dom_cpu += cpu;
        /* The scenario sets no cache refill. */
        ck_assert_double_eq(xs_db_must_scalar(db, run, m, "refill_ns"), 0);
        ck_assert_double_eq_tol(xs_db_must_scalar(db, run, m, "cpu_share"),
                                cpu / ((double)s->duration * s->machine.pcpus), 1e-12);
        ck_assert_double_eq_tol(xs_db_must_scalar(db, run, m, "cpu_util"),
                                cpu / (double)s->duration, 1e-12);
        int64_t n = stat_count(db, run, m, "sched_latency");
        ck_assert_msg(n >= 0, "%s: no sched_latency statistic", m);
        ck_assert_int_eq(n, (int64_t)r.doms[d].lat_count);
        for (size_t k = 0; k < N_OF(pct_suffix); k++) {
            char name[64];
            snprintf(name, sizeof name, "sched_latency%s", pct_suffix[k]);
            bool present;
            double v = xs_db_scalar(db, run, m, name, &present);
            ck_assert_msg(present == (n > 0), "%s.%s present=%d with %lld samples", m, name,
                          present, (long long)n);
            if (present)
                ck_assert_msg(v >= 0, "%s.%s = %g", m, name, v);
        }
        with_samples += n > 0;
    }
    /* The probe wakes every period; the idle dom0 and the hogs never wake. */
    ck_assert_int_gt(stat_count(db, run, "probe", "sched_latency"), 100);
    ck_assert_int_eq(stat_count(db, run, "dom0", "sched_latency"), 0);
    ck_assert_int_ge(with_samples, 1);
    ck_assert_double_eq(xs_db_must_scalar(db, run, "dom0", "cpu_time_ns"), 0);
    ck_assert_double_gt(xs_db_must_scalar(db, run, "probe", "wakeups"), 100);

    /* Every pCPU: the scalars, and busy + idle + switch == window. */
    double busy = 0, switching = 0;
    ck_assert_int_eq(r.npcpus, 2);
    for (int p = 0; p < s->machine.pcpus; p++) {
        char m[32];
        snprintf(m, sizeof m, "pcpu%d", p);
        for (size_t k = 0; k < N_OF(pcpu_scalars); k++)
            xs_db_must_scalar(db, run, m, pcpu_scalars[k]);
        double b = xs_db_must_scalar(db, run, m, "busy_ns");
        double i = xs_db_must_scalar(db, run, m, "idle_ns");
        double sw = xs_db_must_scalar(db, run, m, "switch_ns");
        ck_assert_msg(b + i + sw == (double)s->duration,
                      "%s: busy %.0f + idle %.0f + switch %.0f != window %lld", m, b, i, sw,
                      (long long)s->duration);
        ck_assert_double_gt(b, 0);
        ck_assert_double_ge(sw, 0);
        busy += b;
        switching += sw;
    }
    /* Some pCPU switches (under Atropos, Xen 2.0's shared slack index can
     * leave one pCPU running one hog for good). */
    ck_assert_double_gt(switching, 0);
    ck_assert_msg(dom_cpu == busy, "domains' cpu_time_ns %.0f != pCPUs' busy_ns %.0f",
                  dom_cpu, busy);
    for (size_t k = 0; k < N_OF(machine_scalars); k++)
        xs_db_must_scalar(db, run, "machine", machine_scalars[k]);
    ck_assert_double_eq(xs_db_must_scalar(db, run, "machine", "events"), (double)r.events);
    ck_assert_uint_gt(r.events, 1000);
    double j = xs_db_must_scalar(db, run, "machine", "jain_fairness");
    ck_assert_msg(j > 0 && j <= 1, "jain_fairness %g", j);
    /* The window recorded with the run is the one conserved. */
    ck_assert_int_eq(xs_db_count(db, "SELECT count(*) FROM runAttr WHERE attrName = 'duration_ns'"
                                  " AND attrValue = '2000000000'"), 1);
    sqlite3_close(db);
    run_result_free(&r);
    scn_free(s);
}
END_TEST

START_TEST(deterministic_rows)
{
    struct scn *s1 = load(NULL), *s2 = load(NULL);
    const char *p1 = tmpdb_path("d1.db"), *p2 = tmpdb_path("d2.db");
    struct run_result r1, r2;
    run_into(p1, s1, 7, 0, &r1);
    run_into(p2, s2, 7, 0, &r2);
    ck_assert_str_eq(r1.name, r2.name);
    sqlite3 *a = xs_db_open_ro(p1), *b = xs_db_open_ro(p2);
    ck_assert_int_gt(xs_db_count(a, "SELECT count(*) FROM histogramBin"), 0);
    for (size_t k = 0; k < xs_db_nrow_sets; k++) {
        char *x = xs_db_dump(a, xs_db_row_sets[k]), *y = xs_db_dump(b, xs_db_row_sets[k]);
        /* Only the sweep point is empty here (no sweep). */
        ck_assert_msg(strlen(x) > 0 || strstr(xs_db_row_sets[k], "runItervar"), "empty: %s",
                      xs_db_row_sets[k]);
        ck_assert_msg(!strcmp(x, y), "rows differ: %s", xs_db_row_sets[k]);
        free(x);
        free(y);
    }
    /* The datetime attribute exists in both (it is the only one left out). */
    ck_assert_int_eq(xs_db_count(a, "SELECT count(*) FROM runAttr WHERE attrName = 'datetime'"), 1);
    ck_assert_int_eq(xs_db_count(b, "SELECT count(*) FROM runAttr WHERE attrName = 'datetime'"), 1);
    sqlite3_close(a);
    sqlite3_close(b);
    run_result_free(&r1);
    run_result_free(&r2);
    scn_free(s1);
    scn_free(s2);
}
END_TEST

START_TEST(second_run_skipped)
{
    struct scn *s = load(NULL);
    const char *path = tmpdb_path("k.db");
    struct run_result r;
    run_into(path, s, 7, 0, &r);
    run_result_free(&r);
    sqlite3 *db = xs_db_open_ro(path);
    int64_t before = all_rows(db);
    char *rows = xs_db_dump(db, xs_db_row_sets[4]);
    sqlite3_close(db);
    ck_assert_int_gt(before, 0);

    run_into(path, s, 7, 0, &r);
    ck_assert(r.skipped);
    char name[256];
    run_name(s, 7, 0, name, sizeof name);
    ck_assert_str_eq(r.name, name);
    run_result_free(&r);

    db = xs_db_open_ro(path);
    ck_assert_int_eq(all_rows(db), before);
    ck_assert_int_eq(xs_db_count(db, "SELECT count(*) FROM run"), 1);
    char *again = xs_db_dump(db, xs_db_row_sets[4]);
    ck_assert_str_eq(again, rows);
    integrity_ok(db);
    sqlite3_close(db);
    free(rows);
    free(again);
    scn_free(s);
}
END_TEST

START_TEST(other_seed_other_run)
{
    struct scn *s = load(NULL);
    const char *path = tmpdb_path("s.db");
    struct run_result r7, r9;
    run_into(path, s, 7, 0, &r7);
    run_into(path, s, 9, 0, &r9);
    ck_assert(!r9.skipped);
    ck_assert_str_ne(r7.name, r9.name);
    char want[256];
    snprintf(want, sizeof want, "run-test-%s-s9-r0", s->hash);
    ck_assert_str_eq(r9.name, want);
    sqlite3 *db = xs_db_open_ro(path);
    ck_assert_int_eq(xs_db_count(db, "SELECT count(*) FROM run"), 2);
    ck_assert_int_eq(xs_db_count(db, "SELECT count(*) FROM runs WHERE seed = '9'"), 1);
    /* The probe's bursts are exponential: another seed, other demand. */
    double c7 = xs_db_must_scalar(db, r7.name, "probe", "cpu_time_ns");
    double c9 = xs_db_must_scalar(db, r9.name, "probe", "cpu_time_ns");
    ck_assert_msg(c7 != c9, "probe cpu_time_ns %.0f under both seeds", c7);
    sqlite3_close(db);
    run_result_free(&r7);
    run_result_free(&r9);
    scn_free(s);
}
END_TEST

START_TEST(replications_differ)
{
    struct scn *s = load(NULL);
    const char *path = tmpdb_path("r.db");
    struct run_result r0, r1;
    run_into(path, s, 7, 0, &r0);
    run_into(path, s, 7, 1, &r1);
    ck_assert_str_ne(r0.name, r1.name);
    sqlite3 *db = xs_db_open_ro(path);
    ck_assert_int_eq(xs_db_count(db, "SELECT count(*) FROM runs WHERE replication = '1'"
                                  " AND seed = '7'"), 1);
    double c0 = xs_db_must_scalar(db, r0.name, "probe", "cpu_time_ns");
    double c1 = xs_db_must_scalar(db, r1.name, "probe", "cpu_time_ns");
    ck_assert_msg(c0 != c1, "probe cpu_time_ns %.0f in both replications", c0);
    sqlite3_close(db);
    run_result_free(&r0);
    run_result_free(&r1);
    scn_free(s);
}
END_TEST

/* Progress callback that raises the interrupt flag halfway. */
struct stopper {
    volatile sig_atomic_t flag;
    double at;                          /* fraction at which to stop */
    int calls;
};

static void stop_at(void *ctx, double fraction)
{
    struct stopper *st = ctx;
    st->calls++;
    if (fraction >= st->at)
        st->flag = 1;
}

/* Loop index: 0 interrupted before the start, 1 during the warm-up,
 * 2 during the measured window. */
START_TEST(interrupted_leaves_nothing)
{
    static const double at[] = { -1, 0.05, 0.5 };
    struct scn *s = load(NULL);
    char file[32];
    snprintf(file, sizeof file, "i%d.db", _i);
    const char *path = tmpdb_path(file);
    store_close(open_store(path));  /* the database exists before the run */
    struct store *db = open_store(path);
    struct stopper stp = { .flag = _i == 0, .at = at[_i] };
    struct run_opts o = { .seed = 7, .replication = 0, .progress = stop_at,
                          .progress_ctx = &stp, .interrupted = &stp.flag };
    struct run_result r;
    char err[512] = "";
    int rc = run_replication(s, &o, db, &r, err, sizeof err);
    ck_assert_int_eq(rc, -SIM_ESTATE);
    ck_assert_msg(strstr(err, "interrupted"), "message: %s", err);
    if (_i > 0)
        ck_assert_int_gt(stp.calls, 0);
    run_result_free(&r);
    /* The store stays usable: nothing is open. */
    ck_assert_int_eq(store_run_abort(db), 0);
    store_close(db);

    sqlite3 *q = xs_db_open_ro(path);
    ck_assert_int_eq(all_rows(q), 0);
    integrity_ok(q);
    sqlite3_close(q);

    /* Into a file the run's store created, the file goes again. */
    snprintf(file, sizeof file, "n%d.db", _i);
    const char *fresh = tmpdb_path(file);
    db = open_store(fresh);
    stp = (struct stopper){ .flag = _i == 0, .at = at[_i] };
    ck_assert_int_eq(run_replication(s, &o, db, &r, err, sizeof err), -SIM_ESTATE);
    run_result_free(&r);
    store_close(db);
    ck_assert_int_ne(access(fresh, F_OK), 0);

    /* And the same run completes afterwards. */
    run_into(path, s, 7, 0, &r);
    ck_assert(!r.skipped);
    q = xs_db_open_ro(path);
    ck_assert_int_eq(xs_db_count(q, "SELECT count(*) FROM run"), 1);
    sqlite3_close(q);
    run_result_free(&r);
    scn_free(s);
}
END_TEST

START_TEST(no_database)
{
    /* db = NULL simulates and fills the summary, writing nothing. */
    struct scn *s = load(NULL);
    struct run_result r;
    run_into(NULL, s, 7, 0, &r);
    ck_assert(!r.skipped);
    ck_assert_int_eq(r.window_ns, s->duration);
    ck_assert_int_eq(r.ndoms, s->ndomains);
    ck_assert_uint_gt(r.events, 0);
    ck_assert_uint_ge(r.events_total, r.events);
    run_result_free(&r);
    scn_free(s);
}
END_TEST

/* With a cache refill, the hog that alternates with the yielding hog on
 * pCPU 0 (dom0 there never runs) pays it on every dispatch: the recorded
 * refill_ns is its dispatches times the cost, give or take the one refill
 * that the end of the warm-up may cut, and never more than its CPU. */
START_TEST(refill_recorded)
{
    struct scn *s = load("machine.costs.cache_refill=400us");
    const char *path = tmpdb_path("refill.db");
    struct run_result r;
    run_into(path, s, 7, 0, &r);
    sqlite3 *db = xs_db_open_ro(path);
    double n = xs_db_must_scalar(db, r.name, "hog.0", "dispatches");
    double refill = xs_db_must_scalar(db, r.name, "hog.0", "refill_ns");
    double cpu = xs_db_must_scalar(db, r.name, "hog.0", "cpu_time_ns");
    ck_assert_double_gt(n, 100);
    ck_assert_msg(refill >= (n - 1) * 400e3 && refill <= n * 400e3,
                  "refill_ns %.0f for %.0f dispatches of 400 us", refill, n);
    ck_assert_double_lt(refill, cpu);
    ck_assert_double_eq(xs_db_must_scalar(db, r.name, "dom0", "refill_ns"), 0);
    sqlite3_close(db);
    run_result_free(&r);
    scn_free(s);
}
END_TEST

/* ---- record: rules and count groups ---- */

#define GROUP_HOST(RECORD)                                                                  \
    "name: grp\nseed: 3\nduration: 400ms\nwarmup: 50ms\n"                                    \
    "machine:\n  pcpus: 2\n  costs: { context_switch: 3us, cache_refill: 0us }\n"           \
    "scheduler:\n  name: bvt\n"                                                             \
    "domains:\n  dom0:\n    privileged: true\n"                                              \
    "  per:\n    count: 3\n"                                                                 \
    "    workload: { type: periodic, period: 5ms, burst: { dist: exponential, mean: 1ms } }\n" \
    "  hog:\n    count: 2\n    workload: { type: cpu }\n" RECORD

static double col_sum(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = xs_db_prep(db, sql);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    double v = sqlite3_column_double(st, 0);
    sqlite3_finalize(st);
    return v;
}

static void close_rel(double got, double want, double rel, const char *what)
{
    ck_assert_msg(fabs(got - want) <= rel * fabs(want), "%s: %.17g, expected %.17g", what, got,
                  want);
}

/* A group's statistic is its members' samples pooled: count, sum, sum of
 * squares, min and max add up; mean and stddev follow from them; its
 * histogram holds every sample. Its scalars are the members' sums. */
START_TEST(group_pooled_from_members)
{
    struct scn *s = xs_db_load("grp.yaml", GROUP_HOST("record:\n  - { modules: '*', per: both }\n"),
                               NULL, 0);
    const char *path = tmpdb_path("group.db");
    struct run_result r;
    run_into(path, s, 3, 0, &r);
    sqlite3 *db = xs_db_open_ro(path);
    static const char *const stats[] = { "sched_latency", "evtchn_latency" };
    for (size_t i = 0; i < N_OF(stats); i++) {
        char sql[512];
#define MEMBERS(COL)                                                                     \
        (snprintf(sql, sizeof sql, "SELECT " COL " FROM statistic WHERE statName = '%s' " \
                  "AND moduleName LIKE 'per.%%'", stats[i]), col_sum(db, sql))
        double n = MEMBERS("sum(statCount)"), sum = MEMBERS("sum(statSum)");
        double sq = MEMBERS("sum(statSqrsum)");
        double mn = MEMBERS("min(statMin)"), mx = MEMBERS("max(statMax)");
#undef MEMBERS
        ck_assert_double_gt(n, 100);
        ck_assert_double_eq(xs_db_must_stat(db, r.name, "per", stats[i], "statCount"), n);
        close_rel(xs_db_must_stat(db, r.name, "per", stats[i], "statSum"), sum, 1e-12, "sum");
        close_rel(xs_db_must_stat(db, r.name, "per", stats[i], "statSqrsum"), sq, 1e-12, "sqrsum");
        ck_assert_double_eq(xs_db_must_stat(db, r.name, "per", stats[i], "statMin"), mn);
        ck_assert_double_eq(xs_db_must_stat(db, r.name, "per", stats[i], "statMax"), mx);
        close_rel(xs_db_must_stat(db, r.name, "per", stats[i], "statMean"), sum / n, 1e-9,
                  "mean");
        close_rel(xs_db_must_stat(db, r.name, "per", stats[i], "statStddev"),
                  sqrt((sq - sum * sum / n) / (n - 1)), 1e-6, "stddev");
        snprintf(sql, sizeof sql, "SELECT sum(binValue) FROM histogramBin JOIN statistic "
                 "USING (statId) WHERE moduleName = 'per' AND statName = '%s'", stats[i]);
        ck_assert_double_eq(col_sum(db, sql), n);
    }
    static const char *const summed[] = { "cpu_time_ns", "dispatches", "wakeups",
                                          "runnable_wait_ns" };
    for (size_t i = 0; i < N_OF(summed); i++) {
        char sql[256];
        snprintf(sql, sizeof sql, "SELECT sum(scalarValue) FROM scalar WHERE scalarName = '%s' "
                 "AND moduleName LIKE 'per.%%'", summed[i]);
        ck_assert_double_eq(xs_db_must_scalar(db, r.name, "per", summed[i]), col_sum(db, sql));
    }
    ck_assert_double_eq(xs_db_must_scalar(db, r.name, "per", "members"), 3);
    ck_assert_double_eq(xs_db_must_scalar(db, r.name, "hog", "members"), 2);
    /* dom0 is a group of one: its own module, recorded once. */
    ck_assert_int_eq(xs_db_count(db, "SELECT count(*) FROM scalar WHERE moduleName = 'dom0' "
                                     "AND scalarName = 'cpu_time_ns'"), 1);
    sqlite3_close(db);
    run_result_free(&r);
    scn_free(s);
}
END_TEST

/* The first rule covering a level decides; unmatched domain levels record
 * everything, unmatched group levels nothing. */
START_TEST(record_rules_select)
{
    struct scn *s = xs_db_load("grp.yaml", GROUP_HOST(
        "record:\n"
        "  - { modules: hog, what: [scalars], per: group }\n"
        "  - { modules: 'hog*', what: [], per: domain }\n"
        "  - { modules: '*', what: [scalars, statistics], per: both }\n"
        "  - { modules: per, what: [scalars], per: domain }\n"), NULL, 0);
    const char *path = tmpdb_path("rules.db");
    struct run_result r;
    run_into(path, s, 3, 0, &r);
    sqlite3 *db = xs_db_open_ro(path);
    /* hog.*: nothing; hog: scalars only. */
    ck_assert_int_eq(xs_db_count(db, "SELECT count(*) FROM scalar WHERE moduleName LIKE 'hog.%'"),
                     0);
    ck_assert_int_eq(xs_db_count(db, "SELECT count(*) FROM statistic WHERE moduleName LIKE 'hog%'"),
                     0);
    ck_assert_double_eq(xs_db_must_scalar(db, r.name, "hog", "members"), 2);
    /* per.*, per and dom0: statistics without histograms (the third rule
     * comes before the fourth). */
    ck_assert_int_eq(xs_db_count(db, "SELECT count(*) FROM statistic WHERE moduleName IN "
                                     "('per.0', 'per', 'dom0') AND statName = 'sched_latency'"), 3);
    ck_assert_int_eq(xs_db_count(db, "SELECT count(*) FROM histogramBin"), 0);
    ck_assert_int_eq(xs_db_count(db, "SELECT count(*) FROM statistic WHERE isHistogram"), 0);
    ck_assert_double_gt(xs_db_must_stat(db, r.name, "per", "sched_latency", "statCount"), 0);
    sqlite3_close(db);
    run_result_free(&r);
    scn_free(s);
}
END_TEST

/* Above RUN_GROUP_DEFAULT_DOMAINS domains, without `record:`: per-domain
 * scalars, per-group everything; `record: []` brings back per-domain
 * everything. */
START_TEST(big_host_default)
{
    char yaml[1024];
    snprintf(yaml, sizeof yaml,
             "name: many\nseed: 1\nduration: 20ms\nwarmup: 0s\n"
             "machine:\n  pcpus: 4\n"
             "domains:\n  dom0:\n    privileged: true\n"
             "  p:\n    count: %d\n    memory: 16MiB\n"
             "    workload: { type: periodic, period: 10ms, burst: 10us }\n%s",
             RUN_GROUP_DEFAULT_DOMAINS, _i ? "record: []\n" : "");
    struct scn *s = xs_db_load("many.yaml", yaml, NULL, 0);
    ck_assert_int_eq(s->ndomains, RUN_GROUP_DEFAULT_DOMAINS + 1);
    const char *path = tmpdb_path(_i ? "many-all.db" : "many.db");
    struct run_result r;
    run_into(path, s, 1, 0, &r);
    sqlite3 *db = xs_db_open_ro(path);
    int64_t member_stats = xs_db_count(db, "SELECT count(*) FROM statistic WHERE moduleName "
                                           "LIKE 'p.%'");
    int64_t member_scalars = xs_db_count(db, "SELECT count(*) FROM scalar WHERE moduleName "
                                             "LIKE 'p.%' AND scalarName = 'cpu_time_ns'");
    ck_assert_int_eq(member_scalars, RUN_GROUP_DEFAULT_DOMAINS);
    if (_i == 0) {
        ck_assert_int_eq(member_stats, 0);
        ck_assert_double_eq(xs_db_must_scalar(db, r.name, "p", "members"),
                            RUN_GROUP_DEFAULT_DOMAINS);
        ck_assert_double_gt(xs_db_must_stat(db, r.name, "p", "sched_latency", "statCount"), 0);
    } else {
        ck_assert_int_eq(member_stats, 2 * RUN_GROUP_DEFAULT_DOMAINS);
        ck_assert_int_eq(xs_db_count(db, "SELECT count(*) FROM scalar WHERE moduleName = 'p'"),
                         0);
    }
    sqlite3_close(db);
    run_result_free(&r);
    scn_free(s);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("run");
    TCase *tc = xs_tcase(s, "database", 60);
    tcase_add_unchecked_fixture(tc, setup, tmpdb_remove);
    tcase_add_test(tc, rows_under_run_name);
    tcase_add_loop_test(tc, metrics_and_conservation, 0, (int)N_OF(sched_sets));
    tcase_add_test(tc, deterministic_rows);
    tcase_add_test(tc, second_run_skipped);
    tcase_add_test(tc, other_seed_other_run);
    tcase_add_test(tc, replications_differ);
    tcase_add_loop_test(tc, interrupted_leaves_nothing, 0, 3);
    tcase_add_test(tc, no_database);
    tcase_add_test(tc, refill_recorded);
    tcase_add_test(tc, group_pooled_from_members);
    tcase_add_test(tc, record_rules_select);
    tcase_add_loop_test(tc, big_host_default, 0, 2);
    return s;
}

XS_CHECK_MAIN(make_suite)
