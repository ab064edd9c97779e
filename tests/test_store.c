/*
 * tests/test_store.c: the SQLite results database of analysis/store.
 *
 * Every test works in its own mkdtemp directory and reads results back with
 * plain SQL on a second connection, comparing exact values: what another
 * tool (sqlite3, OMNeT++'s scave, pandas) would see. Covers the round trip,
 * the runs view, atomicity of runs and statistics, duplicates, reopening,
 * and refusal of newer, foreign and non-SQLite files (left unmodified).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "sim/stats.h"
#include "analysis/store.h"
#include "sim/err.h"
#include "tests/check_util.h"
#include "tests/tmpdb.h"

/* One directory per test case, made and removed by the parent process
 * (unchecked fixture) so that it is removed even when a test fails; the
 * tests of a case use distinct file names. */
static void setup(void)
{
    tmpdb_make("xs_store");
}

static struct store *open_ok(const char *path)
{
    char err[512];
    struct store *s = store_open(path, err, sizeof err);
    ck_assert_msg(s != NULL, "store_open: %s", err);
    return s;
}

/* ---- plain-SQL readers on a separate connection ---- */

static sqlite3 *ro(const char *path)
{
    sqlite3 *db = NULL;
    ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    return db;
}

static sqlite3_stmt *q1(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    ck_assert_msg(rc == SQLITE_OK, "%s: %s", sql, sqlite3_errmsg(db));
    rc = sqlite3_step(st);
    ck_assert_msg(rc == SQLITE_ROW, "%s: no row (%d)", sql, rc);
    return st;
}

static int64_t qi(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = q1(db, sql);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static double qd(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = q1(db, sql);
    ck_assert_msg(sqlite3_column_type(st, 0) == SQLITE_FLOAT ||
                  sqlite3_column_type(st, 0) == SQLITE_INTEGER, "%s: not a number", sql);
    double v = sqlite3_column_double(st, 0);
    sqlite3_finalize(st);
    return v;
}

static bool qnull(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = q1(db, sql);
    bool n = sqlite3_column_type(st, 0) == SQLITE_NULL;
    sqlite3_finalize(st);
    return n;
}

static void qs_eq(sqlite3 *db, const char *sql, const char *want)
{
    sqlite3_stmt *st = q1(db, sql);
    const unsigned char *t = sqlite3_column_text(st, 0);
    ck_assert_msg(t != NULL, "%s: NULL, expected '%s'", sql, want);
    ck_assert_msg(strcmp((const char *)t, want) == 0, "%s: '%s', expected '%s'", sql,
                  (const char *)t, want);
    sqlite3_finalize(st);
}

/* Rows in every table of the file, SQLite's own sqlite_sequence included. */
static int64_t total_rows(const char *path)
{
    sqlite3 *db = ro(path);
    sqlite3_stmt *st = NULL;
    ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master "
                                        "WHERE type = 'table'", -1, &st, NULL), SQLITE_OK);
    int64_t n = 0;
    int tables = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        char sql[256];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM \"%s\"", sqlite3_column_text(st, 0));
        n += qi(db, sql);
        tables++;
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    ck_assert_int_ge(tables, 14);
    return n;
}

static void check_integrity(const char *path)
{
    sqlite3 *db = ro(path);
    qs_eq(db, "PRAGMA integrity_check", "ok");
    sqlite3_stmt *st = NULL;
    ck_assert_int_eq(sqlite3_prepare_v2(db, "PRAGMA foreign_key_check", -1, &st, NULL),
                     SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

/* Raw bytes of a file, to prove a refused file was not touched. */
static char *slurp(const char *path, long *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    fseek(f, 0, SEEK_END);
    *len = ftell(f);
    rewind(f);
    char *b = malloc((size_t)*len + 1);
    ck_assert_ptr_nonnull(b);
    ck_assert_int_eq((long)fread(b, 1, (size_t)*len, f), *len);
    fclose(f);
    return b;
}

static void write_run(struct store *s, const char *name)
{
    int64_t id = 0;
    ck_assert_int_eq(store_run_begin(s, name, &id), 0);
    ck_assert_int_gt(id, 0);
    ck_assert_int_eq(store_run_attr(s, STORE_ATTR_SCENARIO, "probe"), 0);
    ck_assert_int_eq(store_scalar(s, "machine", "events", 1000.0), 0);
    ck_assert_int_eq(store_run_end(s), 0);
}

/* ---- tests ---- */

START_TEST(round_trip)
{
    const char *path = tmpdb_path("r.db");
    struct store *s = open_ok(path);
    ck_assert_str_eq(store_journal_mode(s), "wal");

    int64_t id = 0;
    ck_assert_int_eq(store_run_begin(s, "probe-1a2b/x=1/r0", &id), 0);
    ck_assert_int_eq(store_run_attr(s, STORE_ATTR_SCENARIO, "probe"), 0);
    ck_assert_int_eq(store_run_attr(s, STORE_ATTR_SCENARIO_HASH, "1a2b3c"), 0);
    ck_assert_int_eq(store_run_attr(s, STORE_ATTR_SCHEDULER, "bvt"), 0);
    ck_assert_int_eq(store_run_attr(s, STORE_ATTR_SEED, "42"), 0);
    ck_assert_int_eq(store_run_attr(s, STORE_ATTR_REPLICATION, "0"), 0);
    ck_assert_int_eq(store_run_attr(s, STORE_ATTR_VERSION, "0.1.0"), 0);
    ck_assert_int_eq(store_run_attr(s, "git_commit", "84ba549"), 0);
    ck_assert_int_eq(store_run_itervar(s, "z", "1"), 0);
    ck_assert_int_eq(store_run_itervar(s, "a", "two"), 0);
    ck_assert_int_eq(store_run_config(s, "scheduler", "bvt", 0), 0);
    ck_assert_int_eq(store_run_config(s, "domains.0.weight", "256", 1), 0);

    ck_assert_int_eq(store_scalar(s, "dom1", "cpu_time_ns", 123456789.0), 0);
    ck_assert_int_eq(store_scalar_attr(s, "unit", "ns"), 0);
    ck_assert_int_eq(store_scalar(s, "machine", "jain_fairness", 0.987654321012345), 0);
    ck_assert_int_eq(store_scalar(s, "dom1", "undefined", NAN), 0);

    struct st_rec *r = st_rec_new(0);
    static const int64_t x[] = { 100, 200, 300, 1000, 5000 };
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(st_rec_add(r, x[i]), 0);
    ck_assert_int_eq(store_statistic(s, "dom1", "io_latency", r), 0);

    struct st_rec *empty = st_rec_new(0);
    ck_assert_int_eq(store_statistic(s, "dom1", "net_latency", empty), 0);

    struct st_rec *big = st_rec_new(8);           /* histogram mode */
    for (int i = 1; i <= 1000; i++)
        ck_assert_int_eq(st_rec_add(big, i * 1000), 0);
    ck_assert_int_eq(store_statistic(s, "dom2", "sched_latency", big), 0);
    ck_assert_int_eq(store_run_end(s), 0);
    store_close(s);

    sqlite3 *db = ro(path);
    ck_assert_int_eq(qi(db, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
    qs_eq(db, "PRAGMA journal_mode", "wal");
    ck_assert_int_eq(qi(db, "SELECT count(*) FROM run"), 1);
    qs_eq(db, "SELECT runName FROM run", "probe-1a2b/x=1/r0");
    ck_assert_int_eq(qi(db, "SELECT runId FROM run"), id);
    ck_assert_int_eq(qi(db, "SELECT simtimeExp FROM run"), -9);

    /* The runs view pivots the identifying attributes into columns. */
    qs_eq(db, "SELECT runName FROM runs", "probe-1a2b/x=1/r0");
    qs_eq(db, "SELECT scenario FROM runs", "probe");
    qs_eq(db, "SELECT scenario_hash FROM runs", "1a2b3c");
    qs_eq(db, "SELECT scheduler FROM runs", "bvt");
    qs_eq(db, "SELECT seed FROM runs", "42");
    qs_eq(db, "SELECT replication FROM runs", "0");
    qs_eq(db, "SELECT version FROM runs", "0.1.0");
    qs_eq(db, "SELECT sweep_point FROM runs", "a=two, z=1");
    ck_assert_int_eq(qi(db, "SELECT count(*) FROM runItervars WHERE runName = "
                        "'probe-1a2b/x=1/r0'"), 2);
    qs_eq(db, "SELECT attrValue FROM runAttr WHERE attrName = 'git_commit'", "84ba549");
    qs_eq(db, "SELECT itervarValue FROM runItervar WHERE itervarName = 'a'", "two");
    qs_eq(db, "SELECT group_concat(configKey, ',') FROM "
          "(SELECT configKey FROM runConfig ORDER BY configOrder)",
          "scheduler,domains.0.weight");
    qs_eq(db, "SELECT configValue FROM runConfig WHERE configOrder = 1", "256");

    ck_assert(qd(db, "SELECT scalarValue FROM scalar WHERE moduleName = 'dom1' "
                 "AND scalarName = 'cpu_time_ns'") == 123456789.0);
    ck_assert(qd(db, "SELECT scalarValue FROM scalar WHERE scalarName = "
                 "'jain_fairness'") == 0.987654321012345);
    ck_assert(qnull(db, "SELECT scalarValue FROM scalar WHERE scalarName = 'undefined'"));
    qs_eq(db, "SELECT attrValue FROM scalarAttr JOIN scalar USING (scalarId) "
          "WHERE scalarName = 'cpu_time_ns' AND attrName = 'unit'", "ns");

    /* 100 200 300 1000 5000: sum 6600, mean 1320, sum of squares 26140000,
     * squared deviations 17428000 over n-1 = 4. */
#define STAT "SELECT %s FROM statistic WHERE statName = 'io_latency'"
    char sql[512];
#define SQ(col) (snprintf(sql, sizeof sql, STAT, col), sql)
    ck_assert_int_eq(qi(db, SQ("statCount")), 5);
    ck_assert_int_eq(qi(db, SQ("isHistogram")), 1);
    ck_assert_int_eq(qi(db, SQ("isWeighted")), 0);
    ck_assert(qd(db, SQ("statSum")) == 6600.0);
    ck_assert(qd(db, SQ("statSqrsum")) == 26140000.0);
    ck_assert(qd(db, SQ("statMean")) == 1320.0);
    ck_assert(fabs(qd(db, SQ("statStddev")) - sqrt(4357000.0)) < 1e-9);
    ck_assert(qd(db, SQ("statMin")) == 100.0);
    ck_assert(qd(db, SQ("statMax")) == 5000.0);
    ck_assert(qnull(db, SQ("statWeights")));
    ck_assert(qnull(db, SQ("statWeightedSqrSum")));
    qs_eq(db, SQ("moduleName"), "dom1");
#undef SQ
#undef STAT
    qs_eq(db, "SELECT attrValue FROM statisticAttr JOIN statistic USING (statId) "
          "WHERE statName = 'io_latency' AND attrName = 'unit'", "ns");
    qs_eq(db, "SELECT attrValue FROM statisticAttr JOIN statistic USING (statId) "
          "WHERE statName = 'io_latency' AND attrName = 'quantile_method'", "exact");
    qs_eq(db, "SELECT attrValue FROM statisticAttr JOIN statistic USING (statId) "
          "WHERE statName = 'io_latency' AND attrName = 'rel_error'", "0");

    /* Contiguous bins in OMNeT++'s reading: -inf underflow row, each
     * sample's bucket, a zero row closing each gap, a final overflow row.
     * 300 is in a width-2 bucket, 1000 in width 4 (lower 1000), 5000 in
     * width 32 (lower 156 * 32 = 4992). */
    static const double edges[] = { -INFINITY, 100, 101, 200, 201, 300, 302,
                                    1000, 1004, 4992, 5024 };
    static const double counts[] = { 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0 };
    sqlite3_stmt *st = NULL;
    ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT lowerEdge, binValue FROM histogramBin "
                                        "JOIN statistic USING (statId) WHERE statName = "
                                        "'io_latency' ORDER BY lowerEdge", -1, &st, NULL),
                     SQLITE_OK);
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++) {
        ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
        ck_assert_msg(sqlite3_column_double(st, 0) == edges[i], "edge %zu: %g != %g", i,
                      sqlite3_column_double(st, 0), edges[i]);
        ck_assert(sqlite3_column_double(st, 1) == counts[i]);
    }
    ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);

    /* Exact percentiles by interpolation at p*(n-1) over 100 200 300 1000 5000. */
    static const struct { const char *n; double v; } pct[] = {
        { "io_latency:p50", 300.0 },            /* index 2 */
        { "io_latency:p90", 3400.0 },           /* index 3.6 */
        { "io_latency:p99", 4840.0 },           /* index 3.96 */
        { "io_latency:p999", 4984.0 },          /* index 3.996 */
    };
    for (size_t i = 0; i < 4; i++) {
        snprintf(sql, sizeof sql, "SELECT scalarValue FROM scalar WHERE moduleName = "
                 "'dom1' AND scalarName = '%s'", pct[i].n);
        ck_assert_msg(fabs(qd(db, sql) - pct[i].v) < 1e-9, "%s = %.17g", pct[i].n,
                      qd(db, sql));
        snprintf(sql, sizeof sql, "SELECT attrValue FROM scalarAttr JOIN scalar USING "
                 "(scalarId) WHERE scalarName = '%s' AND attrName = 'quantile_method'",
                 pct[i].n);
        qs_eq(db, sql, "exact");
    }

    /* Count 0: the row, no histogram, no percentiles. */
    ck_assert_int_eq(qi(db, "SELECT statCount FROM statistic WHERE statName = "
                        "'net_latency'"), 0);
    ck_assert_int_eq(qi(db, "SELECT isHistogram FROM statistic WHERE statName = "
                        "'net_latency'"), 0);
    ck_assert(qnull(db, "SELECT statMean FROM statistic WHERE statName = 'net_latency'"));
    ck_assert(qnull(db, "SELECT statMin FROM statistic WHERE statName = 'net_latency'"));
    ck_assert_int_eq(qi(db, "SELECT count(*) FROM histogramBin JOIN statistic USING "
                        "(statId) WHERE statName = 'net_latency'"), 0);
    ck_assert_int_eq(qi(db, "SELECT count(*) FROM scalar WHERE scalarName LIKE "
                        "'net_latency:%'"), 0);

    /* Histogram mode: the method and its bound are recorded with the numbers. */
    qs_eq(db, "SELECT attrValue FROM statisticAttr JOIN statistic USING (statId) "
          "WHERE statName = 'sched_latency' AND attrName = 'quantile_method'", "loglinear");
    qs_eq(db, "SELECT attrValue FROM statisticAttr JOIN statistic USING (statId) "
          "WHERE statName = 'sched_latency' AND attrName = 'rel_error'", "0.00390625");
    qs_eq(db, "SELECT attrValue FROM scalarAttr JOIN scalar USING (scalarId) "
          "WHERE scalarName = 'sched_latency:p99' AND attrName = 'rel_error'", "0.00390625");
    double p50 = qd(db, "SELECT scalarValue FROM scalar WHERE moduleName = 'dom2' AND "
                    "scalarName = 'sched_latency:p50'");
    ck_assert_msg(fabs(p50 - 500500.0) <= ST_HIST_REL_ERROR * 500500.0, "p50 %g", p50);
    ck_assert(qd(db, "SELECT sum(binValue) FROM histogramBin JOIN statistic USING "
                 "(statId) WHERE statName = 'sched_latency'") == 1000.0);
    /* OMNeT++'s loader needs strictly increasing edges per statistic. */
    ck_assert_int_eq(qi(db, "SELECT count(*) FROM histogramBin a JOIN histogramBin b "
                        "ON a.statId = b.statId AND a.rowid < b.rowid "
                        "AND a.lowerEdge >= b.lowerEdge"), 0);
    sqlite3_close(db);
    check_integrity(path);
    st_rec_free(r);
    st_rec_free(empty);
    st_rec_free(big);
}
END_TEST

START_TEST(abort_leaves_nothing)
{
    const char *path = tmpdb_path("a.db");
    store_close(open_ok(path));     /* the file is not this store's creation */
    struct store *s = open_ok(path);
    ck_assert_int_eq(store_run_abort(s), 0);      /* no run: fine */
    ck_assert_int_eq(store_run_begin(s, "doomed", NULL), 0);
    ck_assert_int_eq(store_run_attr(s, STORE_ATTR_SEED, "1"), 0);
    ck_assert_int_eq(store_run_itervar(s, "x", "1"), 0);
    ck_assert_int_eq(store_run_config(s, "k", "v", 0), 0);
    ck_assert_int_eq(store_scalar(s, "m", "s", 1.0), 0);
    ck_assert_int_eq(store_scalar_attr(s, "unit", "ns"), 0);
    struct st_rec *r = st_rec_new(0);
    ck_assert_int_eq(st_rec_add(r, 12345), 0);
    ck_assert_int_eq(store_statistic(s, "m", "lat", r), 0);
    ck_assert_int_eq(store_run_abort(s), 0);
    ck_assert_int_eq(store_scalar(s, "m", "t", 1.0), -SIM_ESTATE);
    ck_assert_int_eq(store_run_abort(s), 0);
    ck_assert_int_eq(total_rows(path), 0);
    bool ex = true;
    ck_assert_int_eq(store_has_run(s, "doomed", &ex), 0);
    ck_assert(!ex);

    /* Closing with a run open rolls it back as well. */
    ck_assert_int_eq(store_run_begin(s, "interrupted", NULL), 0);
    ck_assert_int_eq(store_statistic(s, "m", "lat", r), 0);
    store_close(s);
    ck_assert_int_eq(total_rows(path), 0);
    check_integrity(path);
    st_rec_free(r);
}
END_TEST

START_TEST(two_runs_one_file)
{
    const char *path = tmpdb_path("two.db");
    struct store *a = open_ok(path);
    struct store *b = open_ok(path);         /* a second writer on the same file */
    write_run(a, "run-a");
    write_run(b, "run-b");
    bool ex = false;
    ck_assert_int_eq(store_has_run(a, "run-b", &ex), 0);
    ck_assert(ex);
    ck_assert_int_eq(store_has_run(b, "run-a", &ex), 0);
    ck_assert(ex);
    ck_assert_int_eq(store_has_run(b, "run-c", &ex), 0);
    ck_assert(!ex);
    store_close(a);
    store_close(b);
    sqlite3 *db = ro(path);
    ck_assert_int_eq(qi(db, "SELECT count(*) FROM runs"), 2);
    ck_assert_int_eq(qi(db, "SELECT count(DISTINCT runId) FROM scalar "
                        "WHERE scalarName = 'events'"), 2);
    ck_assert_int_eq(qi(db, "SELECT count(*) FROM runs WHERE scenario = 'probe'"), 2);
    sqlite3_close(db);
    check_integrity(path);
}
END_TEST

START_TEST(duplicate_run_refused)
{
    const char *path = tmpdb_path("dup.db");
    struct store *s = open_ok(path);
    write_run(s, "r1");
    ck_assert_int_eq(store_run_begin(s, "r1", NULL), -SIM_EEXIST);
    ck_assert_ptr_nonnull(strstr(store_errmsg(s), "r1"));
    ck_assert_int_eq(store_scalar(s, "machine", "events", 5.0), -SIM_ESTATE);
    /* The refused begin released its transaction: another run works. */
    write_run(s, "r2");
    store_close(s);
    sqlite3 *db = ro(path);
    ck_assert_int_eq(qi(db, "SELECT count(*) FROM run"), 2);
    ck_assert(qd(db, "SELECT scalarValue FROM scalar JOIN run USING (runId) "
                 "WHERE runName = 'r1'") == 1000.0);
    ck_assert_int_eq(qi(db, "SELECT count(*) FROM runAttr JOIN run USING (runId) "
                        "WHERE runName = 'r1'"), 1);
    sqlite3_close(db);
    check_integrity(path);
}
END_TEST

START_TEST(duplicates_within_run)
{
    const char *path = tmpdb_path("dupin.db");
    struct store *s = open_ok(path);
    struct st_rec *r = st_rec_new(0);
    ck_assert_int_eq(st_rec_add(r, 300), 0);
    ck_assert_int_eq(store_run_begin(s, "r", NULL), 0);
    ck_assert_int_eq(store_scalar(s, "m", "x", 1.0), 0);
    ck_assert_int_eq(store_scalar(s, "m", "x", 2.0), -SIM_EEXIST);
    ck_assert_ptr_nonnull(strstr(store_errmsg(s), "INSERT INTO scalar"));
    ck_assert_int_eq(store_run_attr(s, "a", "1"), 0);
    ck_assert_int_eq(store_run_attr(s, "a", "2"), -SIM_EEXIST);
    ck_assert_int_eq(store_statistic(s, "m", "lat", r), 0);
    ck_assert_int_eq(store_statistic(s, "m", "lat", r), -SIM_EEXIST);
    /* A percentile name already taken makes the whole statistic fail and
     * leave no partial rows (the statistic is written under a savepoint). */
    ck_assert_int_eq(store_scalar(s, "m", "lat2:p99", 7.0), 0);
    ck_assert_int_eq(store_statistic(s, "m", "lat2", r), -SIM_EEXIST);
    /* Statement-level failures keep the run usable. */
    ck_assert_int_eq(store_run_end(s), 0);
    store_close(s);
    sqlite3 *db = ro(path);
    ck_assert(qd(db, "SELECT scalarValue FROM scalar WHERE scalarName = 'x'") == 1.0);
    qs_eq(db, "SELECT attrValue FROM runAttr WHERE attrName = 'a'", "1");
    ck_assert_int_eq(qi(db, "SELECT count(*) FROM statistic"), 1);
    ck_assert_int_eq(qi(db, "SELECT count(*) FROM scalar WHERE scalarName LIKE 'lat2%'"), 1);
    ck_assert_int_eq(qi(db, "SELECT count(*) FROM scalar WHERE scalarName LIKE 'lat:%'"), 4);
    ck_assert_int_eq(qi(db, "SELECT count(*) FROM histogramBin"), 3);
    sqlite3_close(db);
    check_integrity(path);
    st_rec_free(r);
}
END_TEST

START_TEST(state_errors)
{
    struct store *s = open_ok(tmpdb_path("st.db"));
    struct st_rec *r = st_rec_new(0);
    ck_assert_int_eq(store_run_attr(s, "a", "b"), -SIM_ESTATE);
    ck_assert(store_errmsg(s)[0] != '\0');
    ck_assert_int_eq(store_run_itervar(s, "a", "b"), -SIM_ESTATE);
    ck_assert_int_eq(store_run_config(s, "a", "b", 0), -SIM_ESTATE);
    ck_assert_int_eq(store_scalar(s, "m", "n", 1.0), -SIM_ESTATE);
    ck_assert_int_eq(store_scalar_attr(s, "a", "b"), -SIM_ESTATE);
    ck_assert_int_eq(store_statistic(s, "m", "n", r), -SIM_ESTATE);
    ck_assert_int_eq(store_run_end(s), -SIM_ESTATE);
    ck_assert_int_eq(store_run_begin(s, "r", NULL), 0);
    ck_assert_int_eq(store_run_begin(s, "r2", NULL), -SIM_ESTATE);
    ck_assert_int_eq(store_scalar_attr(s, "a", "b"), -SIM_ESTATE);   /* no scalar yet */
    ck_assert_int_eq(store_run_attr(s, NULL, "b"), -SIM_EINVAL);
    ck_assert_int_eq(store_statistic(s, "m", "n", NULL), -SIM_EINVAL);
    ck_assert_int_eq(store_run_end(s), 0);
    ck_assert_int_eq(store_run_end(s), -SIM_ESTATE);
    store_close(s);
    store_close(NULL);
    st_rec_free(r);
}
END_TEST

START_TEST(reopen_existing)
{
    const char *path = tmpdb_path("re.db");
    struct store *s = open_ok(path);
    write_run(s, "first");
    store_close(s);
    s = open_ok(path);
    bool ex = false;
    ck_assert_int_eq(store_has_run(s, "first", &ex), 0);
    ck_assert(ex);
    write_run(s, "second");
    store_close(s);
    sqlite3 *db = ro(path);
    ck_assert_int_eq(qi(db, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
    ck_assert_int_eq(qi(db, "SELECT count(*) FROM run"), 2);
    sqlite3_close(db);
    check_integrity(path);
}
END_TEST

static void make_db(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

static void refused_unchanged(const char *path, const char *needle1, const char *needle2)
{
    long n0, n1;
    char *before = slurp(path, &n0);
    char err[512] = "";
    ck_assert_ptr_null(store_open(path, err, sizeof err));
    ck_assert_msg(strstr(err, needle1) != NULL, "'%s' lacks '%s'", err, needle1);
    if (needle2)
        ck_assert_msg(strstr(err, needle2) != NULL, "'%s' lacks '%s'", err, needle2);
    ck_assert_ptr_nonnull(strstr(err, path));
    ck_assert_ptr_null(store_open(path, NULL, 0));        /* no buffer: still fine */
    char *after = slurp(path, &n1);
    ck_assert_int_eq(n0, n1);
    ck_assert(memcmp(before, after, (size_t)n0) == 0);
    char wal[1100];
    snprintf(wal, sizeof wal, "%s-wal", path);
    ck_assert_int_ne(access(wal, F_OK), 0);
    free(before);
    free(after);
}

START_TEST(newer_schema_refused)
{
    const char *path = tmpdb_path("new.db");
    make_db(path, "CREATE TABLE run (runId INTEGER PRIMARY KEY); PRAGMA user_version = 99");
    refused_unchanged(path, "version 99", "version 1,");
    const char *bare = tmpdb_path("new_empty.db");
    make_db(bare, "PRAGMA user_version = 99");
    refused_unchanged(bare, "99", NULL);
}
END_TEST

START_TEST(foreign_sqlite_refused)
{
    const char *path = tmpdb_path("foreign.db");
    make_db(path, "CREATE TABLE accounts (id INTEGER, owner TEXT);"
                  "INSERT INTO accounts VALUES (1, 'x')");
    refused_unchanged(path, "not a xensim results database", "version 0");
}
END_TEST

START_TEST(garbage_refused)
{
    const char *path = tmpdb_path("garbage.db");
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    for (int i = 0; i < 200; i++)
        fputs("this is a text file, not a database\n", f);
    fclose(f);
    refused_unchanged(path, "not an SQLite database", NULL);

    char err[512] = "";
    ck_assert_ptr_null(store_open(tmpdb_path("no/such/dir/x.db"), err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "cannot open"));
    ck_assert_ptr_null(store_open(NULL, err, sizeof err));
}
END_TEST

/* Paths that are not files are refused by the opener and the reader alike,
 * before SQLite sees them: nothing is created. */
START_TEST(non_file_paths_refused)
{
    static const char *const bad[] = { "", ":memory:", "file:x.db", "file:x.db?mode=memory" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char err[512] = "";
        ck_assert_int_eq(store_check_path(bad[i], err, sizeof err), -SIM_EBADINPUT);
        ck_assert_msg(strstr(err, "not a file") != NULL, "%s: '%s'", bad[i], err);
        ck_assert_ptr_null(store_open(bad[i], err, sizeof err));
        sqlite3 *db = (sqlite3 *)1;
        ck_assert_int_eq(store_open_read(bad[i], &db, NULL, err, sizeof err), -SIM_EBADINPUT);
        ck_assert_ptr_null(db);
    }
    ck_assert_int_ne(access("x.db", F_OK), 0);
    char err[512];
    ck_assert_int_eq(store_check_path("./file:x.db", err, sizeof err), 0);
}
END_TEST

/* A file store_open created goes again when the runs it began or was told
 * of all failed; a file that existed, or that holds a run, stays. */
START_TEST(created_file_removed_after_failed_runs)
{
    const char *path = tmpdb_path("made.db");
    struct store *s = open_ok(path);
    ck_assert_int_eq(store_run_begin(s, "doomed", NULL), 0);
    ck_assert_int_eq(store_run_abort(s), 0);
    store_close(s);
    ck_assert_int_ne(access(path, F_OK), 0);
    char side[1100];
    snprintf(side, sizeof side, "%s-wal", path);
    ck_assert_int_ne(access(side, F_OK), 0);
    snprintf(side, sizeof side, "%s-shm", path);
    ck_assert_int_ne(access(side, F_OK), 0);

    s = open_ok(path);              /* a run simulated that failed before it began */
    store_run_attempt(s);
    store_close(s);
    ck_assert_int_ne(access(path, F_OK), 0);

    store_close(open_ok(path));     /* no run begun: kept (a sweep's parent) */
    ck_assert_int_eq(access(path, F_OK), 0);
    s = open_ok(path);              /* existed before: kept */
    ck_assert_int_eq(store_run_begin(s, "doomed", NULL), 0);
    store_close(s);
    ck_assert_int_eq(access(path, F_OK), 0);

    const char *kept = tmpdb_path("kept.db");
    s = open_ok(kept);              /* one run stored, one failed: kept */
    ck_assert_int_eq(store_run_begin(s, "ok", NULL), 0);
    ck_assert_int_eq(store_run_end(s), 0);
    ck_assert_int_eq(store_run_begin(s, "doomed", NULL), 0);
    store_close(s);
    sqlite3 *db = ro(kept);
    ck_assert_int_eq(qi(db, "SELECT count(*) FROM run"), 1);
    sqlite3_close(db);
}
END_TEST

START_TEST(empty_file_is_initialised)
{
    /* A zero-length file is a valid empty SQLite database (e.g. from
     * mktemp): it gets the schema. */
    const char *path = tmpdb_path("zero.db");
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    fclose(f);
    struct store *s = open_ok(path);
    write_run(s, "r");
    store_close(s);
    check_integrity(path);
}
END_TEST

static Suite *store_suite(void)
{
    Suite *s = suite_create("store");
    TCase *tc = xs_tcase(s, "runs", 20);
    tcase_add_unchecked_fixture(tc, setup, tmpdb_remove);
    tcase_add_test(tc, round_trip);
    tcase_add_test(tc, abort_leaves_nothing);
    tcase_add_test(tc, two_runs_one_file);
    tcase_add_test(tc, duplicate_run_refused);
    tcase_add_test(tc, duplicates_within_run);
    tcase_add_test(tc, state_errors);
    tcase_add_test(tc, reopen_existing);
    tc = xs_tcase(s, "open", 20);
    tcase_add_unchecked_fixture(tc, setup, tmpdb_remove);
    tcase_add_test(tc, newer_schema_refused);
    tcase_add_test(tc, foreign_sqlite_refused);
    tcase_add_test(tc, garbage_refused);
    tcase_add_test(tc, empty_file_is_initialised);
    tcase_add_test(tc, non_file_paths_refused);
    tcase_add_test(tc, created_file_removed_after_failed_runs);
    return s;
}

XS_CHECK_MAIN(store_suite)
