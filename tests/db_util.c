/*
 * tests/db_util.c: see tests/db_util.h.
 */
#include "tests/db_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "analysis/store.h"
#include "sim/err.h"

struct scn *xs_db_load(const char *file, const char *yaml, const char *const *sets,
                       int nsets)
{
    struct scn_load_opts opts = { .sets = nsets > 0 ? sets : NULL,
                                  .nsets = nsets > 0 ? (size_t)nsets : 0 };
    struct scn_diags *d = NULL;
    struct scn *s = scn_load_buffer(file, yaml, strlen(yaml), &opts, &d);
    if (!s) {
        char *t = d ? scn_diags_text(d) : NULL;
        ck_abort_msg("scenario %s refused: %s", file, t ? t : "?");
    }
    return s;
}

void xs_db_run(const char *path, const struct scn *s, uint64_t seed, uint32_t rep,
               struct run_result *out)
{
    char err[512] = "";
    struct store *db = NULL;
    if (path) {
        db = store_open(path, err, sizeof err);
        ck_assert_msg(db != NULL, "store_open(%s): %s", path, err);
    }
    struct run_opts o = { .seed = seed, .replication = rep };
    int rc = run_replication(s, &o, db, out, err, sizeof err);
    ck_assert_msg(rc == 0, "run_replication(%s): %s (%s)", s->name, sim_strerror(rc), err);
    ck_assert(!out->skipped);
    store_close(db);
}

void xs_db_run_opts(const char *path, const struct scn *s, struct run_opts *o,
                    struct run_result *out)
{
    char err[512] = "";
    struct store *db = NULL;
    if (path) {
        db = store_open(path, err, sizeof err);
        ck_assert_msg(db != NULL, "store_open(%s): %s", path, err);
    }
    int rc = run_replication(s, o, db, out, err, sizeof err);
    ck_assert_msg(rc == 0, "run_replication(%s): %s (%s)", s->name, sim_strerror(rc), err);
    ck_assert(!out->skipped);
    store_close(db);
}

sqlite3 *xs_db_open_ro(const char *path)
{
    sqlite3 *db = NULL;
    ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    return db;
}

sqlite3_stmt *xs_db_prep(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    ck_assert_msg(rc == SQLITE_OK, "%s: %s", sql, sqlite3_errmsg(db));
    return st;
}

int64_t xs_db_count(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = xs_db_prep(db, sql);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    int64_t n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

double xs_db_scalar(sqlite3 *db, const char *run, const char *module, const char *name,
                    bool *present)
{
    sqlite3_stmt *st = xs_db_prep(db, "SELECT s.scalarValue FROM scalar s JOIN run r"
                                " ON r.runId = s.runId WHERE r.runName = ?1"
                                " AND s.moduleName = ?2 AND s.scalarName = ?3");
    sqlite3_bind_text(st, 1, run, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, module, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
    double v = NAN;
    *present = sqlite3_step(st) == SQLITE_ROW;
    if (*present && sqlite3_column_type(st, 0) != SQLITE_NULL)
        v = sqlite3_column_double(st, 0);
    sqlite3_finalize(st);
    return v;
}

double xs_db_must_scalar(sqlite3 *db, const char *run, const char *module, const char *name)
{
    bool present;
    double v = xs_db_scalar(db, run, module, name, &present);
    ck_assert_msg(present, "run %s: no scalar %s.%s", run, module, name);
    return v;
}

double xs_db_must_stat(sqlite3 *db, const char *run, const char *module, const char *name,
                       const char *column)
{
    static const char *const ok[] = { "statCount", "statMean", "statStddev",
                                      "statSum",   "statSqrsum", "statMin", "statMax" };
    bool known = false;
    for (size_t k = 0; k < sizeof ok / sizeof ok[0]; k++)
        known |= !strcmp(column, ok[k]);
    ck_assert_msg(known, "not a statistic column: %s", column);
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT s.%s FROM statistic s JOIN run r ON r.runId = s.runId"
             " WHERE r.runName = ?1 AND s.moduleName = ?2 AND s.statName = ?3",
             column);
    sqlite3_stmt *st = xs_db_prep(db, sql);
    sqlite3_bind_text(st, 1, run, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, module, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
    bool present = sqlite3_step(st) == SQLITE_ROW;
    double v = NAN;
    if (present && sqlite3_column_type(st, 0) != SQLITE_NULL)
        v = sqlite3_column_double(st, 0);
    sqlite3_finalize(st);
    ck_assert_msg(present, "run %s: no statistic %s.%s", run, module, name);
    return v;
}

char *xs_db_dump(sqlite3 *db, const char *sql)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ck_assert_ptr_nonnull(f);
    sqlite3_stmt *st = xs_db_prep(db, sql);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        for (int c = 0; c < sqlite3_column_count(st); c++) {
            switch (sqlite3_column_type(st, c)) {
            case SQLITE_INTEGER:
                fprintf(f, "%lld", (long long)sqlite3_column_int64(st, c));
                break;
            case SQLITE_FLOAT:
                fprintf(f, "%a", sqlite3_column_double(st, c));
                break;
            case SQLITE_NULL:
                fputs("NULL", f);
                break;
            default:
                fprintf(f, "'%s'", (const char *)sqlite3_column_text(st, c));
                break;
            }
            fputc(c + 1 < sqlite3_column_count(st) ? '|' : '\n', f);
        }
    }
    ck_assert_int_eq(rc, SQLITE_DONE);
    sqlite3_finalize(st);
    fclose(f);
    return buf;
}

const char *const xs_db_row_sets[] = {
    "SELECT runName, simtimeExp FROM run ORDER BY 1",
    "SELECT attrName, attrValue FROM runAttr WHERE attrName != 'datetime' ORDER BY 1, 2",
    "SELECT itervarName, itervarValue FROM runItervar ORDER BY 1, 2",
    "SELECT configKey, configValue, configOrder FROM runConfig ORDER BY 3, 1, 2",
    "SELECT moduleName, scalarName, scalarValue FROM scalar ORDER BY 1, 2, 3",
    "SELECT s.moduleName, s.scalarName, a.attrName, a.attrValue FROM scalarAttr a"
    " JOIN scalar s ON s.scalarId = a.scalarId ORDER BY 1, 2, 3, 4",
    "SELECT moduleName, statName, isHistogram, isWeighted, statCount, statMean, statStddev,"
    " statSum, statSqrsum, statMin, statMax, statWeights, statWeightedSum,"
    " statSqrSumWeights, statWeightedSqrSum FROM statistic ORDER BY 1, 2",
    "SELECT s.moduleName, s.statName, a.attrName, a.attrValue FROM statisticAttr a"
    " JOIN statistic s ON s.statId = a.statId ORDER BY 1, 2, 3, 4",
    "SELECT s.moduleName, s.statName, h.lowerEdge, h.binValue FROM histogramBin h"
    " JOIN statistic s ON s.statId = h.statId ORDER BY 1, 2, 3, 4",
    "SELECT count(*) FROM parameter",
    "SELECT count(*) FROM vector",
};
const size_t xs_db_nrow_sets = sizeof xs_db_row_sets / sizeof xs_db_row_sets[0];

void xs_db_exec(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    sqlite3_busy_timeout(db, 10000);
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    ck_assert_msg(rc == SQLITE_OK, "%s: %s", sql, msg ? msg : "?");
    sqlite3_free(msg);
    ck_assert_int_eq(sqlite3_close(db), SQLITE_OK);
}

const char *const xs_db_named_row_sets[] = {
    "SELECT runName, simtimeExp FROM run ORDER BY 1",
    "SELECT r.runName, a.attrName, a.attrValue FROM runAttr a JOIN run r USING (runId)"
    " WHERE a.attrName != 'datetime' ORDER BY 1, 2, 3",
    "SELECT r.runName, i.itervarName, i.itervarValue FROM runItervar i"
    " JOIN run r USING (runId) ORDER BY 1, 2, 3",
    "SELECT r.runName, c.configOrder, c.configKey, c.configValue FROM runConfig c"
    " JOIN run r USING (runId) ORDER BY 1, 2, 3, 4",
    "SELECT r.runName, s.moduleName, s.scalarName, s.scalarValue FROM scalar s"
    " JOIN run r USING (runId) ORDER BY 1, 2, 3, 4",
    "SELECT r.runName, s.moduleName, s.scalarName, a.attrName, a.attrValue FROM scalarAttr a"
    " JOIN scalar s ON s.scalarId = a.scalarId JOIN run r ON r.runId = s.runId"
    " ORDER BY 1, 2, 3, 4, 5",
    "SELECT r.runName, s.moduleName, s.statName, s.isHistogram, s.isWeighted, s.statCount,"
    " s.statMean, s.statStddev, s.statSum, s.statSqrsum, s.statMin, s.statMax, s.statWeights,"
    " s.statWeightedSum, s.statSqrSumWeights, s.statWeightedSqrSum FROM statistic s"
    " JOIN run r USING (runId) ORDER BY 1, 2, 3",
    "SELECT r.runName, s.moduleName, s.statName, a.attrName, a.attrValue FROM statisticAttr a"
    " JOIN statistic s ON s.statId = a.statId JOIN run r ON r.runId = s.runId"
    " ORDER BY 1, 2, 3, 4, 5",
    "SELECT r.runName, s.moduleName, s.statName, h.lowerEdge, h.binValue FROM histogramBin h"
    " JOIN statistic s ON s.statId = h.statId JOIN run r ON r.runId = s.runId"
    " ORDER BY 1, 2, 3, 4, 5",
    "SELECT count(*) FROM parameter",
    "SELECT r.runName, v.moduleName, v.vectorName, v.vectorCount, v.vectorMin, v.vectorMax,"
    " v.vectorSum, v.vectorSumSqr, v.startEventNum, v.endEventNum, v.startSimtimeRaw,"
    " v.endSimtimeRaw FROM vector v JOIN run r USING (runId) ORDER BY 1, 2, 3",
    "SELECT r.runName, v.moduleName, v.vectorName, d.eventNumber, d.simtimeRaw, d.value"
    " FROM vectorData d JOIN vector v ON v.vectorId = d.vectorId"
    " JOIN run r ON r.runId = v.runId ORDER BY 1, 2, 3, 4, 5, 6",
};
const size_t xs_db_nnamed_row_sets =
    sizeof xs_db_named_row_sets / sizeof xs_db_named_row_sets[0];

void xs_db_assert_same_rows(const char *a, const char *b)
{
    sqlite3 *da = xs_db_open_ro(a), *dbb = xs_db_open_ro(b);
    for (size_t i = 0; i < xs_db_nnamed_row_sets; i++) {
        char *x = xs_db_dump(da, xs_db_named_row_sets[i]);
        char *y = xs_db_dump(dbb, xs_db_named_row_sets[i]);
        ck_assert_msg(!strcmp(x, y), "%s and %s differ in: %s", a, b,
                      xs_db_named_row_sets[i]);
        free(x);
        free(y);
    }
    sqlite3_close(da);
    sqlite3_close(dbb);
}

void xs_db_copy(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    ck_assert_ptr_nonnull(in);
    ck_assert_ptr_nonnull(out);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        ck_assert_uint_eq(fwrite(buf, 1, n, out), n);
    fclose(in);
    ck_assert_int_eq(fclose(out), 0);
}
