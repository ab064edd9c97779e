/*
 * tests/test_plot.c: the schedule recording of `xensim run --timeline`
 * (models/hv observer -> sim/run buffer -> analysis/store vectors) and the
 * figures of analysis/plot.
 *
 * A small host (2 pCPUs: an idle dom0, a periodic probe, two hogs, a hog
 * that yields) runs for 300 ms after 50 ms of warm-up into SQLite files in
 * a mkdtemp directory, read back with plain SQL. Checks: the timeline
 * vectors of every pCPU start at the window's start and hold one point per
 * context switch after it (their count matches context_switches when the
 * window covers the measured time), times rise strictly and stay in the
 * window, each vCPU appears on one pCPU only; the runq vectors integrate to
 * runq_len_mean; a narrower window keeps only its points; a run without
 * --timeline writes no vector rows. plot_all writes every script (latency,
 * CPU share, sweep, Gantt, run queue) and, where gnuplot is installed,
 * renders each into a non-empty PNG; a missing gnuplot still writes them.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "analysis/plot.h"
#include "analysis/store.h"
#include "sim/err.h"
#include "sim/host/run.h"
#include "sim/scenario.h"
#include "tests/check_util.h"
#include "tests/db_util.h"
#include "tests/tmpdb.h"

static const char scenario_yaml[] =
    "name: plot-test\n"
    "seed: 3\n"
    "duration: 300ms\n"
    "warmup: 50ms\n"
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

#define WARMUP_NS 50000000LL
#define DURATION_NS 300000000LL

static void setup(void)
{
    tmpdb_make("xs_plot");
}

/* One replication of yaml into path with the given options (timeline, point). */
static void run_yaml_into(const char *path, const char *yaml, const char *const *sets,
                          int nsets, uint32_t rep, struct run_opts *o, char *name,
                          size_t namelen)
{
    struct scn *s = xs_db_load("plot-test.yaml", yaml, sets, nsets);
    char err[512] = "";
    struct store *db = store_open(path, err, sizeof err);
    ck_assert_msg(db != NULL, "store_open: %s", err);
    o->seed = s->seed;
    o->replication = rep;
    struct run_result r;
    int rc = run_replication(s, o, db, &r, err, sizeof err);
    ck_assert_msg(rc == 0, "run_replication: %s (%s)", sim_strerror(rc), err);
    ck_assert(!r.skipped);
    if (name)
        snprintf(name, namelen, "%s", r.name);
    run_result_free(&r);
    store_close(db);
    scn_free(s);
}

static void run_into(const char *path, const char *const *sets, int nsets, uint32_t rep,
                     struct run_opts *o, char *name, size_t namelen)
{
    run_yaml_into(path, scenario_yaml, sets, nsets, rep, o, name, namelen);
}

static int64_t q1(sqlite3 *db, const char *fmt, const char *arg)
{
    char sql[1024];
    snprintf(sql, sizeof sql, fmt, arg);
    return xs_db_count(db, sql);
}

/* ---- recording ---- */

START_TEST(timeline_whole_window)
{
    const char *path = tmpdb_path("whole.db");
    struct run_opts o = { .timeline = true, .timeline_start = 0,
                          .timeline_end = 10 * DURATION_NS };
    char name[256];
    run_into(path, NULL, 0, 0, &o, name, sizeof name);
    sqlite3 *db = xs_db_open_ro(path);
    ck_assert_int_eq(xs_db_count(db, "SELECT count(*) FROM vector WHERE vectorName = "
                                     "'timeline'"), 2);
    ck_assert_int_eq(xs_db_count(db, "SELECT count(*) FROM vector WHERE vectorName = "
                                     "'runq'"), 2);
    /* vectorCount matches the rows. */
    ck_assert_int_eq(xs_db_count(db, "SELECT count(*) FROM vector v WHERE vectorCount <> "
                                     "(SELECT count(*) FROM vectorData d WHERE "
                                     "d.vectorId = v.vectorId)"), 0);
    for (int p = 0; p < 2; p++) {
        char m[16];
        snprintf(m, sizeof m, "pcpu%d", p);
        int64_t pts = q1(db, "SELECT count(*) FROM vectorData JOIN vector USING (vectorId)"
                             " WHERE moduleName = '%s' AND vectorName = 'timeline'", m);
        double sw = xs_db_must_scalar(db, name, m, "context_switches");
        ck_assert_msg(sw > 10, "%s: only %g switches", m, sw);
        ck_assert_msg(pts - 1 == (int64_t)sw, "%s: %lld points, %g switches", m,
                      (long long)pts, sw);
        /* The first point is at the window's start, all are within it. */
        ck_assert_int_eq(q1(db, "SELECT min(simtimeRaw) FROM vectorData JOIN vector USING "
                                "(vectorId) WHERE moduleName = '%s'", m), WARMUP_NS);
        ck_assert(q1(db, "SELECT max(simtimeRaw) FROM vectorData JOIN vector USING "
                         "(vectorId) WHERE moduleName = '%s'", m) <= WARMUP_NS + DURATION_NS);
        /* At most one vCPU per pCPU at any instant: times rise strictly. */
        ck_assert_int_eq(q1(db, "SELECT count(*) FROM (SELECT simtimeRaw FROM vectorData"
                                " JOIN vector USING (vectorId) WHERE moduleName = '%s' AND"
                                " vectorName = 'timeline' GROUP BY simtimeRaw"
                                " HAVING count(*) > 1)", m), 0);
    }
    /* A vCPU is placed on one pCPU: no value but idle on both. */
    ck_assert_int_eq(xs_db_count(db, "SELECT count(*) FROM (SELECT d.value FROM vectorData d"
                                     " JOIN vector v USING (vectorId) WHERE vectorName ="
                                     " 'timeline' AND d.value >= 0 GROUP BY d.value"
                                     " HAVING count(DISTINCT v.moduleName) > 1)"), 0);
    /* Values are vCPU numbers of the enum: -1 (idle) to 4 (yhog); the
     * hogs keep both pCPUs busy, and yhog is the highest. */
    ck_assert_int_ge(xs_db_count(db, "SELECT min(value) FROM vectorData d JOIN vector v"
                                     " USING (vectorId) WHERE vectorName = 'timeline'"), -1);
    ck_assert_int_eq(xs_db_count(db, "SELECT max(value) FROM vectorData d JOIN vector v"
                                     " USING (vectorId) WHERE vectorName = 'timeline'"), 4);
    /* Their names, once for the run (not once per pCPU). */
    ck_assert_int_eq(xs_db_count(db, "SELECT count(*) FROM runAttr WHERE attrName ="
                                     " 'timeline_enum' AND attrValue = 'idle=-1,dom0=0,probe=1,"
                                     "hog.0=2,hog.1=3,yhog=4'"), 1);
    ck_assert_int_eq(xs_db_count(db, "SELECT count(*) FROM vectorAttr WHERE attrName = 'enum'"),
                     0);
    /* The run queue integrates to runq_len_mean. */
    for (int p = 0; p < 2; p++) {
        char sql[512];
        snprintf(sql, sizeof sql, "SELECT d.simtimeRaw, d.value FROM vectorData d JOIN vector"
                 " v USING (vectorId) WHERE v.moduleName = 'pcpu%d' AND v.vectorName ="
                 " 'runq' ORDER BY d.simtimeRaw, d.rowid", p);
        sqlite3_stmt *st = xs_db_prep(db, sql);
        double area = 0, last_v = 0;
        int64_t last_t = -1;
        while (sqlite3_step(st) == SQLITE_ROW) {
            int64_t t = sqlite3_column_int64(st, 0);
            if (last_t >= 0)
                area += last_v * (double)(t - last_t);
            last_t = t;
            last_v = sqlite3_column_double(st, 1);
        }
        sqlite3_finalize(st);
        area += last_v * (double)(WARMUP_NS + DURATION_NS - last_t);
        char m[16];
        snprintf(m, sizeof m, "pcpu%d", p);
        double mean = xs_db_must_scalar(db, name, m, "runq_len_mean");
        ck_assert_msg(fabs(area / DURATION_NS - mean) <= 1e-9 * (1 + mean),
                      "%s: runq integrates to %.12g, runq_len_mean %.12g", m,
                      area / DURATION_NS, mean);
    }
    sqlite3_close(db);
}
END_TEST

START_TEST(timeline_narrow_window)
{
    const char *path = tmpdb_path("narrow.db");
    struct run_opts o = { .timeline = true, .timeline_start = 20000000,
                          .timeline_end = 40000000 };
    run_into(path, NULL, 0, 0, &o, NULL, 0);
    sqlite3 *db = xs_db_open_ro(path);
    ck_assert_int_eq(xs_db_count(db, "SELECT min(simtimeRaw) FROM vectorData"),
                     WARMUP_NS + 20000000);
    ck_assert(xs_db_count(db, "SELECT max(simtimeRaw) FROM vectorData")
              <= WARMUP_NS + 40000000);
    ck_assert(xs_db_count(db, "SELECT count(*) FROM vectorData") > 8);
    ck_assert_int_eq(xs_db_count(db, "SELECT count(*) FROM vector WHERE startSimtimeRaw <> "
                                     "(SELECT min(simtimeRaw) FROM vectorData)"), 0);
    ck_assert_int_eq(xs_db_count(db, "SELECT count(DISTINCT attrValue) FROM vectorAttr"
                                     " WHERE attrName = 'window_start_ns'"), 1);
    ck_assert_int_eq(xs_db_count(db, "SELECT CAST(attrValue AS INTEGER) FROM vectorAttr"
                                     " WHERE attrName = 'window_end_ns' LIMIT 1"),
                     WARMUP_NS + 40000000);
    sqlite3_close(db);
}
END_TEST

START_TEST(no_timeline_no_vectors)
{
    const char *path = tmpdb_path("plain.db");
    struct run_opts o = { 0 };
    run_into(path, NULL, 0, 0, &o, NULL, 0);
    sqlite3 *db = xs_db_open_ro(path);
    ck_assert_int_eq(xs_db_count(db, "SELECT count(*) FROM vector"), 0);
    ck_assert_int_eq(xs_db_count(db, "SELECT count(*) FROM vectorData"), 0);
    ck_assert_int_eq(xs_db_count(db, "SELECT count(*) FROM vectorAttr"), 0);
    sqlite3_close(db);
}
END_TEST

/* The timeline changes nothing else: the same run without it has the
 * same scalars, bit for bit. */
START_TEST(timeline_changes_no_metric)
{
    const char *a = tmpdb_path("same-a.db"), *b = tmpdb_path("same-b.db");
    struct run_opts oa = { 0 }, ob = { .timeline = true, .timeline_start = 5000000,
                                       .timeline_end = 60000000 };
    run_into(a, NULL, 0, 0, &oa, NULL, 0);
    run_into(b, NULL, 0, 0, &ob, NULL, 0);
    static const char q[] = "SELECT moduleName, scalarName, scalarValue FROM scalar"
                            " ORDER BY moduleName, scalarName";
    sqlite3 *da = xs_db_open_ro(a), *dbb = xs_db_open_ro(b);
    char *x = xs_db_dump(da, q), *y = xs_db_dump(dbb, q);
    ck_assert_str_eq(x, y);
    free(x);
    free(y);
    sqlite3_close(da);
    sqlite3_close(dbb);
}
END_TEST

/* ---- figures ---- */

static bool have_gnuplot(void)
{
    return system("gnuplot --version >/dev/null 2>&1") == 0;
}

static off_t file_size(const char *dir, const char *name)
{
    char p[1024];
    struct stat sb;
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return stat(p, &sb) == 0 ? sb.st_size : -1;
}

static void quiet_note(void *ctx, const char *msg)
{
    (void)msg;
    (*(int *)ctx)++;
}

/* A database with two schedulers, a two-point sweep with two
 * replications, and one run with a timeline. */
static const char *figure_db(void)
{
    const char *path = tmpdb_path("fig.db");
    static const char *const rr[] = { "scheduler.name=rr" };
    for (int hogs = 1; hogs <= 2; hogs++) {
        for (uint32_t rep = 0; rep < 2; rep++) {
            char set[64], val[16];
            snprintf(set, sizeof set, "domains.hog.count=%d", hogs);
            snprintf(val, sizeof val, "%d", hogs);
            const char *sets[] = { set };
            struct run_itervar iv = { "domains.hog.count", val };
            struct run_opts o = { .point = &iv, .npoint = 1,
                                  .timeline = hogs == 2 && rep == 0,
                                  .timeline_end = RUN_TIMELINE_DEFAULT_NS };
            run_into(path, sets, 1, rep, &o, NULL, 0);
        }
    }
    struct run_opts o = { .timeline = true, .timeline_end = 30000000 };
    run_into(path, rr, 1, 0, &o, NULL, 0);
    return path;
}

START_TEST(plot_writes_and_renders)
{
    const char *db = figure_db();
    const char *out = tmpdb_path("figs");
    int notes = 0;
    bool gp = have_gnuplot();
    struct plot_opts o = { .db_path = db, .out_dir = out, .format = PLOT_PNG, .render = gp,
                           .note = quiet_note, .note_ctx = &notes };
    struct plot_result r;
    char err[512];
    int rc = plot_all(&o, &r, err, sizeof err);
    ck_assert_msg(rc == 0, "plot_all: %s (%s)", sim_strerror(rc), err);
    static const char *const figs[] = {
        "latency-sched_latency", "latency-evtchn_latency", "cpu-share", "sweep",
        "gantt-run3", "runq-run3", "gantt-run5", "runq-run5",
    };
    for (size_t i = 0; i < sizeof figs / sizeof figs[0]; i++) {
        char n[128];
        snprintf(n, sizeof n, "%s.gp", figs[i]);
        ck_assert_msg(file_size(out, n) > 200, "%s missing or empty", n);
        if (gp) {
            snprintf(n, sizeof n, "%s.png", figs[i]);
            ck_assert_msg(file_size(out, n) > 1000, "%s missing or empty", n);
        }
    }
    ck_assert_int_eq(r.written, 8);
    ck_assert_int_eq(r.rendered, gp ? 8 : 0);
    /* io and net latencies have no samples here: two notes. */
    ck_assert_int_ge(notes, 2);
    char p[1024];
    for (size_t i = 0; i < sizeof figs / sizeof figs[0]; i++) {
        snprintf(p, sizeof p, "%s/%s.gp", out, figs[i]);
        unlink(p);
        snprintf(p, sizeof p, "%s/%s.png", out, figs[i]);
        unlink(p);
    }
    rmdir(out);
}
END_TEST

/* The share figure's bar of module m in script dir/cpu-share.gp: share and
 * entitlement (%); false if there is none. */
static bool share_bar(const char *dir, const char *m, double *share, double *ent)
{
    char p[1024], line[512], name[128], want[132];
    snprintf(p, sizeof p, "%s/cpu-share.gp", dir);
    snprintf(want, sizeof want, "\"%s\"", m);     /* names are quoted */
    FILE *f = fopen(p, "r");
    ck_assert_ptr_nonnull(f);
    bool found = false;
    double x, sh, en;
    int runs;
    while (!found && fgets(line, sizeof line, f))
        if (sscanf(line, "%lf %127s %lf %lf %d", &x, name, &sh, &en, &runs) == 5
            && strcmp(name, want) == 0) {
            *share = sh;
            *ent = en;
            found = true;
        }
    fclose(f);
    return found;
}

/* A count group recorded beside its members is not a bar of its own (its
 * cpu_share is theirs summed); recorded alone, it is one bar with its
 * members' share and entitlement together. */
START_TEST(share_figure_groups)
{
    static const char *const rules[] = {
        "record:\n  - { modules: 'hog', per: both }\n",
        "record:\n  - { modules: 'hog', per: group }\n"
        "  - { modules: 'hog.*', what: [], per: domain }\n",
    };
    const char *dirs[2];
    for (int i = 0; i < 2; i++) {
        char db[64], yaml[2048];
        snprintf(db, sizeof db, "groups%d.db", i);
        snprintf(yaml, sizeof yaml, "%s%s", scenario_yaml, rules[i]);
        const char *path = tmpdb_path(db);
        struct run_opts o = { 0 };
        run_yaml_into(path, yaml, NULL, 0, 0, &o, NULL, 0);
        snprintf(db, sizeof db, "groups%d", i);
        dirs[i] = strdup(tmpdb_path(db));
        int notes = 0;
        struct plot_opts po = { .db_path = path, .out_dir = dirs[i], .note = quiet_note,
                                .note_ctx = &notes };
        struct plot_result r;
        char err[512];
        int rc = plot_all(&po, &r, err, sizeof err);
        ck_assert_msg(rc == 0, "plot_all: %s (%s)", sim_strerror(rc), err);
    }
    double s0, e0, s1, e1, sg, eg, sp, ep;
    ck_assert(share_bar(dirs[0], "hog.0", &s0, &e0));
    ck_assert(share_bar(dirs[0], "hog.1", &s1, &e1));
    ck_assert(share_bar(dirs[0], "probe", &sp, &ep));
    ck_assert_msg(!share_bar(dirs[0], "hog", &sg, &eg), "the group is drawn beside its members");
    ck_assert(!share_bar(dirs[1], "hog.0", &sg, &eg));
    ck_assert(share_bar(dirs[1], "hog", &sg, &eg));
    /* Two cpu hogs share the 2 pCPUs with the probe and yhog. */
    ck_assert(s0 > 10 && s1 > 10);
    ck_assert_double_eq_tol(sg, s0 + s1, 1e-4 * sg);
    ck_assert_double_eq_tol(eg, e0 + e1, 1e-4 * eg);
    ck_assert(eg > 0);
    for (int i = 0; i < 2; i++)
        free((void *)dirs[i]);
}
END_TEST

START_TEST(plot_selects_runs_and_window)
{
    const char *path = tmpdb_path("sel.db");
    struct run_opts o = { .timeline = true, .timeline_end = 50000000 };
    char name[256];
    run_into(path, NULL, 0, 0, &o, name, sizeof name);
    const char *out = tmpdb_path("sel-figs");
    const char *runs[] = { name };
    struct plot_opts po = { .db_path = path, .out_dir = out, .runs = runs, .nruns = 1,
                            .have_window = true, .win_start = 10000000, .win_end = 20000000 };
    struct plot_result r;
    char err[512];
    ck_assert_int_eq(plot_all(&po, &r, err, sizeof err), 0);
    /* latency-sched_latency, latency-evtchn_latency, cpu-share, gantt, runq */
    ck_assert_int_eq(r.written, 5);
    char p[1024];
    snprintf(p, sizeof p, "%s/gantt-run1.gp", out);
    FILE *f = fopen(p, "r");
    ck_assert_ptr_nonnull(f);
    char line[512];
    bool xr = false;
    while (fgets(line, sizeof line, f))
        xr = xr || strstr(line, "set xrange [10.000000:20.000000]");
    fclose(f);
    ck_assert_msg(xr, "the Gantt chart does not cover the window");
    /* An unknown run is bad input. */
    const char *bad[] = { "no-such-run" };
    po.runs = bad;
    ck_assert_int_eq(plot_all(&po, &r, err, sizeof err), -SIM_EBADINPUT);
    ck_assert_ptr_nonnull(strstr(err, "no-such-run"));
    /* No gnuplot: the scripts are still written. */
    po.runs = runs;
    po.render = true;
    po.gnuplot = "/nonexistent/gnuplot";
    ck_assert_int_eq(plot_all(&po, &r, err, sizeof err), 0);
    ck_assert(r.no_gnuplot);
    ck_assert_int_eq(r.written, 5);
    ck_assert_int_eq(r.rendered, 0);
    static const char *const names[] = {
        "latency-sched_latency.gp", "latency-evtchn_latency.gp", "cpu-share.gp",
        "gantt-run1.gp", "runq-run1.gp",
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", out, names[i]);
        unlink(p);
    }
    rmdir(out);
}
END_TEST

/* How the work of reading the database grows with the runs: the SQLite
 * steps of every query of plot_all for n replications and for 2n. A query
 * that reads every run's rows for each run (cpu_share found through the
 * index by name, the latency panels' order looked up per output row) makes
 * the second about four times the first once n is large enough; reading
 * each row a bounded number of times makes it twice. */
START_TEST(plot_reads_linearly)
{
    uint64_t steps[2];
    for (int k = 0; k < 2; k++) {
        uint32_t n = 30u << k;
        char file[32];
        snprintf(file, sizeof file, "lin%u.db", n);
        const char *path = tmpdb_path(file);
        static const char *const sets[] = { "duration=10ms", "warmup=0ms" };
        for (uint32_t rep = 0; rep < n; rep++) {
            struct run_opts o = { 0 };
            run_into(path, sets, 2, rep, &o, NULL, 0);
        }
        int notes = 0;
        struct plot_opts po = { .db_path = path, .out_dir = tmpdb_path("lin-figs"),
                                .note = quiet_note, .note_ctx = &notes };
        struct plot_result r;
        char err[512];
        int rc = plot_all(&po, &r, err, sizeof err);
        ck_assert_msg(rc == 0, "plot_all: %s (%s)", sim_strerror(rc), err);
        ck_assert_int_ge(r.written, 2);
        steps[k] = r.db_steps;
    }
    ck_assert_uint_gt(steps[0], 0);
    ck_assert_msg((double)steps[1] < 2.3 * (double)steps[0],
                  "%" PRIu64 " steps for 30 runs, %" PRIu64 " for 60", steps[0], steps[1]);
}
END_TEST

/* The whole text of a file, malloc'ed. */
static char *slurp(const char *dir, const char *name)
{
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "rb");
    ck_assert_msg(f != NULL, "%s missing", p);
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    int ch;
    while ((ch = fgetc(f)) != EOF)
        fputc(ch, m);
    fclose(f);
    fclose(m);
    return buf;
}

/* Databases written before the names were a run attribute carry them as
 * the `enum` vectorAttr of every timeline vector: the Gantt chart of such
 * a file (made here from a new one with SQL) is byte for byte that of the
 * new layout. */
START_TEST(gantt_reads_both_layouts)
{
    const char *path = tmpdb_path("layout.db");
    struct run_opts o = { .timeline = true, .timeline_end = 30000000 };
    run_into(path, NULL, 0, 0, &o, NULL, 0);
    char *gp[2];
    for (int k = 0; k < 2; k++) {
        if (k == 1) {
            sqlite3 *db = NULL;
            ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
            ck_assert_int_eq(sqlite3_exec(db,
                "INSERT INTO vectorAttr (vectorId, attrName, attrValue) SELECT v.vectorId,"
                " 'enum', r.attrValue FROM vector v JOIN runAttr r ON r.runId = v.runId"
                " WHERE v.vectorName = 'timeline' AND r.attrName = 'timeline_enum';"
                "DELETE FROM runAttr WHERE attrName = 'timeline_enum';", NULL, NULL, NULL),
                SQLITE_OK);
            sqlite3_close(db);
            sqlite3 *ro = xs_db_open_ro(path);
            ck_assert_int_eq(xs_db_count(ro, "SELECT count(*) FROM vectorAttr WHERE attrName"
                                             " = 'enum'"), 2);
            sqlite3_close(ro);
        }
        const char *out = tmpdb_path("layout-figs");
        int notes = 0;
        struct plot_opts po = { .db_path = path, .out_dir = out, .note = quiet_note,
                                .note_ctx = &notes };
        struct plot_result r;
        char err[512];
        int rc = plot_all(&po, &r, err, sizeof err);
        ck_assert_msg(rc == 0, "plot_all: %s (%s)", sim_strerror(rc), err);
        gp[k] = slurp(out, "gantt-run1.gp");
    }
    /* Named vCPUs, not the "vcpuN" fallback. */
    ck_assert_ptr_nonnull(strstr(gp[0], " \"probe\"\n"));
    ck_assert_ptr_null(strstr(gp[0], "vcpu"));
    size_t at = 0;
    while (gp[0][at] && gp[0][at] == gp[1][at])
        at++;
    ck_assert_msg(gp[0][at] == gp[1][at], "the scripts differ at byte %zu: '%.40s' / '%.40s'",
                  at, gp[0] + at, gp[1] + at);
    free(gp[0]);
    free(gp[1]);
}
END_TEST

START_TEST(window_parsing)
{
    int64_t a, b;
    char err[256];
    ck_assert_int_eq(plot_parse_window("0:100ms", &a, &b, err, sizeof err), 0);
    ck_assert_int_eq(a, 0);
    ck_assert_int_eq(b, 100000000);
    ck_assert_int_eq(plot_parse_window("2s:", &a, &b, err, sizeof err), 0);
    ck_assert_int_eq(a, 2000000000);
    ck_assert_int_eq(b, INT64_MAX);
    ck_assert_int_eq(plot_parse_window("5ms:1ms", &a, &b, err, sizeof err), -SIM_EBADINPUT);
    ck_assert_int_eq(plot_parse_window("100", &a, &b, err, sizeof err), -SIM_EBADINPUT);
    ck_assert_int_eq(plot_parse_window("1:2ms", &a, &b, err, sizeof err), -SIM_EBADINPUT);
}
END_TEST

static Suite *plot_suite(void)
{
    Suite *s = suite_create("plot");
    TCase *tc = xs_tcase(s, "timeline", 60);
    tcase_add_unchecked_fixture(tc, setup, tmpdb_remove);
    tcase_add_test(tc, timeline_whole_window);
    tcase_add_test(tc, timeline_narrow_window);
    tcase_add_test(tc, no_timeline_no_vectors);
    tcase_add_test(tc, timeline_changes_no_metric);
    tc = xs_tcase(s, "figures", 120);
    tcase_add_unchecked_fixture(tc, setup, tmpdb_remove);
    tcase_add_test(tc, plot_writes_and_renders);
    tcase_add_test(tc, plot_selects_runs_and_window);
    tcase_add_test(tc, share_figure_groups);
    tcase_add_test(tc, window_parsing);
    tcase_add_test(tc, plot_reads_linearly);
    tcase_add_test(tc, gantt_reads_both_layouts);
    return s;
}

XS_CHECK_MAIN(plot_suite)
