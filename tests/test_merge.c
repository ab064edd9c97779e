/*
 * tests/test_merge.c: analysis/merge (`xensim merge`) on results databases
 * made by the real run driver from a small YAML scenario (bvt seed 7 with
 * a --timeline, so the vector tables are filled too; rr seed 8) in a
 * mkdtemp directory (tests/db_util.h, tests/tmpdb.h).
 *
 * What is checked:
 *   1. two shards merged equal both runs simulated into one file: every row
 *      set of tests/db_util.h (names instead of ids) plus the vector rows,
 *      bit for bit; foreign keys and integrity hold after the id remapping;
 *   2. idempotence: merging the same shards again copies nothing and leaves
 *      every table, ids included, exactly as it was;
 *   3. refusals, each leaving the output untouched and the next shard
 *      mergeable: another schema version (message names the file and both
 *      versions), a garbage file, an empty file, a foreign SQLite file, a
 *      missing file, the output itself, a corrupt shard (pages overwritten),
 *      another scenario hash when one is required;
 *   4. a shard whose second run is inconsistent (a duplicate scalar, its
 *      unique index dropped) merges its first run and rolls the second back
 *      whole: no run row, no orphan rows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "analysis/merge.h"
#include "analysis/store.h"
#include "sim/err.h"
#include "sim/host/run.h"
#include "tests/check_util.h"
#include "tests/db_util.h"
#include "tests/tmpdb.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static const char scenario_yaml[] = XS_DB_SMALL_HOST("merge-test");

static void setup(void)
{
    tmpdb_make("xs_merge");
}

/* A path in the directory that stays valid for the whole test
 * (tmpdb_path's four buffers rotate). */
static const char *tp(const char *name)
{
    static char pool[64][1024];
    static size_t used;
    ck_assert_uint_lt(used, N_OF(pool));
    snprintf(pool[used], sizeof pool[used], "%s", tmpdb_path(name));
    return pool[used++];
}

static char name_bvt[256], name_rr[256];

/* bvt seed 7 with a 100 ms timeline (vectors), or rr seed 8. */
static void run_one(const char *path, bool bvt)
{
    const char *sets[] = { bvt ? "scheduler.name=bvt" : "scheduler.name=rr" };
    struct scn *s = xs_db_load("merge-test.yaml", scenario_yaml, sets, 1);
    struct run_opts o = { .seed = bvt ? 7 : 8 };
    if (bvt) {
        o.timeline = true;
        o.timeline_start = 0;
        o.timeline_end = RUN_TIMELINE_DEFAULT_NS;
    }
    struct run_result r;
    xs_db_run_opts(path, s, &o, &r);
    snprintf(bvt ? name_bvt : name_rr, sizeof name_bvt, "%s", r.name);
    run_result_free(&r);
    scn_free(s);
}

static void exec_sql(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    ck_assert_msg(rc == SQLITE_OK, "%s: %s", sql, msg ? msg : "?");
    sqlite3_close(db);
}

static const char *const tables[] = {
    "run", "runAttr", "runItervar", "runConfig", "scalar", "scalarAttr", "parameter",
    "paramAttr", "statistic", "statisticAttr", "histogramBin", "vector", "vectorAttr",
    "vectorData",
};

/* Extra row sets for the vector tables, by names rather than ids. */
static const char *const vector_sets[] = {
    "SELECT r.runName, v.moduleName, v.vectorName, v.vectorCount, v.vectorMin, v.vectorMax,"
    " v.vectorSum, v.vectorSumSqr, v.startEventNum, v.endEventNum, v.startSimtimeRaw,"
    " v.endSimtimeRaw FROM vector v JOIN run r USING (runId) ORDER BY 1, 2, 3",
    "SELECT r.runName, v.moduleName, v.vectorName, a.attrName, a.attrValue FROM vectorAttr a"
    " JOIN vector v USING (vectorId) JOIN run r USING (runId) ORDER BY 1, 2, 3, 4, 5",
    "SELECT r.runName, v.moduleName, v.vectorName, d.eventNumber, d.simtimeRaw, d.value"
    " FROM vectorData d JOIN vector v USING (vectorId) JOIN run r USING (runId)"
    " ORDER BY 1, 2, 3, d.rowid",
    "SELECT r.runName, s.moduleName, s.scalarName FROM scalar s JOIN run r USING (runId)"
    " ORDER BY 1, 2, 3",
};

/* Every table's full content, ids included, for "changes nothing". */
static char *dump_all(const char *path)
{
    sqlite3 *db = xs_db_open_ro(path);
    char *all = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&all, &len);
    ck_assert_ptr_nonnull(f);
    for (size_t i = 0; i < N_OF(tables); i++) {
        char sql[128];
        snprintf(sql, sizeof sql, "SELECT * FROM %s ORDER BY rowid", tables[i]);
        char *d = xs_db_dump(db, sql);
        fprintf(f, "== %s\n%s", tables[i], d ? d : "");
        free(d);
    }
    char *seq = xs_db_dump(db, "SELECT * FROM sqlite_sequence ORDER BY name");
    fprintf(f, "== sqlite_sequence\n%s", seq ? seq : "");
    free(seq);
    fclose(f);
    sqlite3_close(db);
    return all;
}

static void assert_same_rows(const char *p1, const char *p2)
{
    sqlite3 *a = xs_db_open_ro(p1), *b = xs_db_open_ro(p2);
    for (size_t i = 0; i < xs_db_nrow_sets + N_OF(vector_sets); i++) {
        const char *q = i < xs_db_nrow_sets ? xs_db_row_sets[i]
                                            : vector_sets[i - xs_db_nrow_sets];
        char *x = xs_db_dump(a, q), *y = xs_db_dump(b, q);
        ck_assert_msg(!strcmp(x ? x : "", y ? y : ""), "row set differs: %s", q);
        free(x);
        free(y);
    }
    sqlite3_close(a);
    sqlite3_close(b);
}

static int64_t count(const char *path, const char *sql)
{
    sqlite3 *db = xs_db_open_ro(path);
    int64_t n = xs_db_count(db, sql);
    sqlite3_close(db);
    return n;
}

static int merge_one(const char *out, const char *shard, const struct merge_opts *o,
                     struct merge_result *r, char *err, size_t errlen)
{
    char e[1024];
    struct merge *m = merge_open(out, e, sizeof e);
    ck_assert_msg(m != NULL, "merge_open(%s): %s", out, e);
    int rc = merge_shard(m, shard, o, r, err, errlen);
    merge_close(m);
    return rc;
}

/* Shards a (bvt, timeline) and b (rr), and both runs in one file. */
static void make_shards(const char *a, const char *b, const char *both)
{
    run_one(a, true);
    run_one(b, false);
    if (both) {
        run_one(both, true);
        run_one(both, false);
    }
}

START_TEST(test_merge_equals_one_file)
{
    const char *a = tp("eq-a.db"), *b = tp("eq-b.db");
    const char *both = tp("eq-both.db"), *out = tp("eq-out.db");
    make_shards(a, b, both);
    ck_assert_int_gt(count(a, "SELECT count(*) FROM vectorData"), 10);
    ck_assert_int_gt(count(a, "SELECT count(*) FROM vectorAttr"), 0);

    char err[1024], e[1024];
    struct merge *m = merge_open(out, e, sizeof e);
    ck_assert_msg(m != NULL, "%s", e);
    struct merge_result r;
    ck_assert_msg(merge_shard(m, a, NULL, &r, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(r.copied, 1);
    ck_assert_int_eq(r.present, 0);
    ck_assert_msg(merge_shard(m, b, NULL, &r, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(r.copied, 1);
    merge_close(m);

    assert_same_rows(out, both);
    for (size_t i = 0; i < N_OF(tables); i++) {
        char sql[128];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", tables[i]);
        ck_assert_int_eq(count(out, sql), count(both, sql));
    }
    sqlite3 *db = xs_db_open_ro(out);
    char *fk = xs_db_dump(db, "PRAGMA foreign_key_check");
    ck_assert_msg(!fk || !*fk, "foreign key violations:\n%s", fk);
    free(fk);
    char *ic = xs_db_dump(db, "PRAGMA integrity_check");
    ck_assert_str_eq(ic, "'ok'\n");
    free(ic);
    /* The rr run's ids come after the bvt run's in every table. */
    ck_assert_int_eq(xs_db_count(db, "SELECT count(*) FROM runs WHERE scheduler = 'rr' AND "
                                 "runId > (SELECT runId FROM runs WHERE scheduler = 'bvt')"),
                     1);
    sqlite3_close(db);
}
END_TEST

START_TEST(test_merge_idempotent)
{
    const char *a = tp("id-a.db"), *b = tp("id-b.db");
    const char *out = tp("id-out.db");
    make_shards(a, b, NULL);
    char err[1024];
    struct merge_result r;
    ck_assert_msg(merge_one(out, a, NULL, &r, err, sizeof err) == 0, "%s", err);
    ck_assert_msg(merge_one(out, b, NULL, &r, err, sizeof err) == 0, "%s", err);
    char *before = dump_all(out);
    for (int round = 0; round < 2; round++) {
        ck_assert_msg(merge_one(out, a, NULL, &r, err, sizeof err) == 0, "%s", err);
        ck_assert_int_eq(r.copied, 0);
        ck_assert_int_eq(r.present, 1);
        ck_assert_msg(merge_one(out, b, NULL, &r, err, sizeof err) == 0, "%s", err);
        ck_assert_int_eq(r.copied, 0);
        ck_assert_int_eq(r.present, 1);
    }
    char *after = dump_all(out);
    ck_assert_msg(!strcmp(before, after), "a second merge changed the output");
    free(before);
    free(after);
    /* A shard that overlaps partly: only its new run is copied. */
    const char *both = tp("id-both.db");
    make_shards(tp("id-a2.db"), tp("id-b2.db"), both);
    const char *out2 = tp("id-out2.db");
    ck_assert_msg(merge_one(out2, a, NULL, &r, err, sizeof err) == 0, "%s", err);
    ck_assert_msg(merge_one(out2, both, NULL, &r, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(r.copied, 1);
    ck_assert_int_eq(r.present, 1);
    assert_same_rows(out2, both);
}
END_TEST

/* The shard is refused with code and message, the output keeps exactly
 * what it had, and a good shard still merges afterwards. */
static void expect_refused(const char *out, const char *shard, const struct merge_opts *o,
                           int code, const char *part1, const char *part2)
{
    char *before = dump_all(out);
    char err[1024] = "";
    struct merge_result r;
    int rc = merge_one(out, shard, o, &r, err, sizeof err);
    ck_assert_msg(rc == code, "%s: got %d (%s), want %d", shard, rc, err, code);
    ck_assert_msg(strstr(err, shard), "message '%s' does not name %s", err, shard);
    ck_assert_msg(strstr(err, part1) || (part2 && strstr(err, part2)),
                  "message '%s' lacks '%s'", err, part1);
    ck_assert_int_eq(r.copied, 0);
    char *after = dump_all(out);
    ck_assert_msg(!strcmp(before, after), "a refused shard changed the output");
    free(before);
    free(after);
}

START_TEST(test_refusals)
{
    const char *a = tp("rf-a.db"), *b = tp("rf-b.db");
    const char *out = tp("rf-out.db");
    make_shards(a, b, NULL);
    char err[1024];
    struct merge_result r;
    ck_assert_msg(merge_one(out, a, NULL, &r, err, sizeof err) == 0, "%s", err);

    const char *v2 = tp("rf-v2.db");
    xs_db_copy(b, v2);
    exec_sql(v2, "PRAGMA user_version = 2");
    expect_refused(out, v2, NULL, -SIM_ESCHEMA, "schema version 2, but", NULL);
    {
        char e[1024];
        merge_one(out, v2, NULL, &r, e, sizeof e);
        ck_assert_msg(strstr(e, out) && strstr(e, "has version 1"), "%s", e);
    }

    const char *garbage = tp("rf-garbage.db");
    FILE *f = fopen(garbage, "w");
    ck_assert_ptr_nonnull(f);
    for (int i = 0; i < 3000; i++)
        fputs("garbage, not SQLite ", f);
    fclose(f);
    expect_refused(out, garbage, NULL, -SIM_EIO, "not an SQLite database", NULL);

    const char *empty = tp("rf-empty.db");
    f = fopen(empty, "w");
    ck_assert_ptr_nonnull(f);
    fclose(f);
    expect_refused(out, empty, NULL, -SIM_ESCHEMA, "not a xensim results database", NULL);

    const char *foreign = tp("rf-foreign.db");
    exec_sql(foreign, "CREATE TABLE t (x); INSERT INTO t VALUES (1)");
    expect_refused(out, foreign, NULL, -SIM_ESCHEMA, "not a xensim results database", NULL);

    const char *partial = tp("rf-partial.db");
    exec_sql(partial, "CREATE TABLE run (x); PRAGMA user_version = 1");
    expect_refused(out, partial, NULL, -SIM_ESCHEMA, "result tables", NULL);

    expect_refused(out, tp("rf-missing.db"), NULL, -SIM_ENOENT, "no such file",
                   NULL);
    expect_refused(out, out, NULL, -SIM_EBADINPUT, "output database itself", NULL);

    /* Corrupt: everything after the first two pages overwritten. */
    const char *corrupt = tp("rf-corrupt.db");
    xs_db_copy(b, corrupt);
    f = fopen(corrupt, "r+b");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
    long size = ftell(f);
    ck_assert_int_gt(size, 4 * 4096);
    ck_assert_int_eq(fseek(f, 2 * 4096, SEEK_SET), 0);
    for (long i = 2 * 4096; i < size; i++)
        fputc(0xA5, f);
    fclose(f);
    expect_refused(out, corrupt, NULL, -SIM_EDB, "corrupt", "malformed");
    /* Corrupt data pages only (the second half of the file): the schema
     * reads, PRAGMA quick_check finds the damage before anything is copied. */
    const char *corrupt2 = tp("rf-corrupt2.db");
    xs_db_copy(b, corrupt2);
    f = fopen(corrupt2, "r+b");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fseek(f, size / 2 / 4096 * 4096, SEEK_SET), 0);
    for (long i = size / 2 / 4096 * 4096; i < size; i++)
        fputc(0x5A, f);
    fclose(f);
    expect_refused(out, corrupt2, NULL, -SIM_EDB, "corrupt", "malformed");

    struct merge_opts want_other = { .scenario_hash = "0000000000000000" };
    expect_refused(out, b, &want_other, -SIM_EBADINPUT, "scenario hash", NULL);

    /* After all that, b (with the right hash required) still merges. */
    sqlite3 *db = xs_db_open_ro(b);
    sqlite3_stmt *st = xs_db_prep(db, "SELECT scenario_hash FROM runs");
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    char hash[64];
    snprintf(hash, sizeof hash, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(db);
    struct merge_opts want = { .scenario_hash = hash };
    ck_assert_msg(merge_one(out, b, &want, &r, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(r.copied, 1);
    ck_assert_int_eq(count(out, "SELECT count(*) FROM run"), 2);
}
END_TEST

START_TEST(test_inconsistent_run)
{
    const char *both = tp("in-both.db"), *out = tp("in-out.db");
    run_one(both, true);
    run_one(both, false);
    /* The rr run (the second) gets a duplicate scalar, which the output's
     * unique index refuses. */
    char sql[1024];
    snprintf(sql, sizeof sql,
             "DROP INDEX scalar_idx;"
             "INSERT INTO scalar (runId, moduleName, scalarName, scalarValue) SELECT runId,"
             " moduleName, scalarName, 1.5 FROM scalar WHERE runId = (SELECT runId FROM run"
             " WHERE runName = '%s') LIMIT 1", name_rr);
    exec_sql(both, sql);
    char err[1024] = "";
    struct merge_result r;
    int rc = merge_one(out, both, NULL, &r, err, sizeof err);
    ck_assert_int_eq(rc, -SIM_EDB);
    ck_assert_int_eq(r.copied, 1);
    ck_assert_int_eq(r.failed, 1);
    ck_assert_msg(strstr(err, name_rr) && strstr(err, "rolled back"), "%s", err);
    ck_assert_int_eq(count(out, "SELECT count(*) FROM run"), 1);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM run WHERE runName = '%s'", name_bvt);
    ck_assert_int_eq(count(out, sql), 1);
    /* Nothing of the rr run: every row belongs to the bvt run. */
    for (size_t i = 1; i < N_OF(tables); i++) {
        if (!strcmp(tables[i], "scalar") || !strcmp(tables[i], "statistic") ||
            !strcmp(tables[i], "runAttr") || !strcmp(tables[i], "runConfig") ||
            !strcmp(tables[i], "vector")) {
            snprintf(sql, sizeof sql, "SELECT count(*) FROM %s WHERE runId NOT IN "
                     "(SELECT runId FROM run)", tables[i]);
            ck_assert_int_eq(count(out, sql), 0);
        }
    }
    snprintf(sql, sizeof sql, "SELECT count(*) FROM scalar JOIN run USING (runId) WHERE "
             "runName = '%s'", name_bvt);
    ck_assert_int_eq(count(out, "SELECT count(*) FROM scalar"), count(both, sql));
    sqlite3 *db = xs_db_open_ro(out);
    char *fk = xs_db_dump(db, "PRAGMA foreign_key_check");
    ck_assert_msg(!fk || !*fk, "foreign key violations:\n%s", fk);
    free(fk);
    sqlite3_close(db);
}
END_TEST

static Suite *merge_suite(void)
{
    Suite *s = suite_create("merge");
    TCase *tc = xs_tcase(s, "merge", 120);
    tcase_add_unchecked_fixture(tc, setup, tmpdb_remove);
    tcase_add_test(tc, test_merge_equals_one_file);
    tcase_add_test(tc, test_merge_idempotent);
    tcase_add_test(tc, test_refusals);
    tcase_add_test(tc, test_inconsistent_run);
    return s;
}

XS_CHECK_MAIN(merge_suite)
