/*
 * analysis/merge.c: see analysis/merge.h.
 *
 * The copy uses SQLite's ATTACH DATABASE (sqlite.org/lang_attach.html):
 * the shard is attached read-only through a URI (store_read_uri:
 * file:PATH?mode=ro, or immutable=1 for a WAL shard in a directory that
 * cannot take its -shm; sqlite.org/uri.html), so one INSERT ... SELECT
 * per table moves a run's rows without passing them through C. Ids are
 * remapped by an offset per table family: the shard run's ids [lo, hi] go to
 * [base, base + hi - lo] where base is above both the output's largest id
 * and its sqlite_sequence entry (AUTOINCREMENT never reuses an id), and the
 * child rows (attributes, bins, vector data) follow with the same offset.
 *
 * Order of checks on a shard, all before the first write: exists and is a
 * regular file; is not the output; ATTACH; PRAGMA user_version readable
 * (else not SQLite); version equal to the output's; the fourteen tables
 * present; PRAGMA quick_check "ok"; scenario hash if asked.
 */
#include "analysis/merge.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "analysis/store.h"
#include "sim/err.h"

struct merge {
    sqlite3 *db;
    char *path;
    dev_t dev;
    ino_t ino;
};

void merge_close(struct merge *m)
{
    if (!m)
        return;
    if (m->db && !sqlite3_get_autocommit(m->db))
        sqlite3_exec(m->db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(m->db);
    free(m->path);
    free(m);
}

struct merge *merge_open(const char *out_path, char *err, size_t errlen)
{
    sim_errmsg(err, errlen, "%s", "");
    if (!out_path) {
        sim_errmsg(err, errlen, "no output database given");
        return NULL;
    }
    /* Create it, or check it is ours and bring it to the current schema. */
    struct store *s = store_open(out_path, err, errlen);
    if (!s)
        return NULL;
    store_close(s);

    struct merge *m = calloc(1, sizeof *m);
    if (!m || !(m->path = strdup(out_path))) {
        sim_errmsg(err, errlen, "%s: out of memory", out_path);
        merge_close(m);
        return NULL;
    }
    struct stat st;
    if (stat(out_path, &st) != 0) {
        sim_errmsg(err, errlen, "%s: %s", out_path, strerror(errno));
        merge_close(m);
        return NULL;
    }
    m->dev = st.st_dev;
    m->ino = st.st_ino;
    /* SQLITE_OPEN_URI so that ATTACH takes store_read_uri's URIs. */
    int rc = sqlite3_open_v2(out_path, &m->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_URI, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_extended_result_codes(m->db, 1);
        sqlite3_busy_timeout(m->db, STORE_BUSY_TIMEOUT_MS);
        rc = sqlite3_exec(m->db, "PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL", NULL,
                          NULL, NULL);
    }
    if (rc != SQLITE_OK) {
        sim_errmsg(err, errlen, "%s: cannot open: %s", out_path,
            m->db ? sqlite3_errmsg(m->db) : sqlite3_errstr(rc));
        merge_close(m);
        return NULL;
    }
    return m;
}

/* ---- the shard's checks ---- */

/* The first column of the first row of sql (bound text ?1 if given). */
static int query_i64(sqlite3 *db, const char *sql, const char *arg, int64_t *out)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK) {
        if (arg)
            sqlite3_bind_text(st, 1, arg, -1, SQLITE_TRANSIENT);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            *out = sqlite3_column_int64(st, 0);
            rc = SQLITE_OK;
        } else if (rc == SQLITE_DONE) {
            *out = 0;
            rc = SQLITE_OK;
        }
    }
    sqlite3_finalize(st);
    return rc;
}

static bool is_notadb(sqlite3 *db, int rc)
{
    return (rc & 0xff) == SQLITE_NOTADB || (sqlite3_extended_errcode(db) & 0xff) ==
        SQLITE_NOTADB;
}

static bool is_corrupt(sqlite3 *db, int rc)
{
    return (rc & 0xff) == SQLITE_CORRUPT || (sqlite3_extended_errcode(db) & 0xff) ==
        SQLITE_CORRUPT;
}

static const char *const tables[] = {
    "run", "runAttr", "runItervar", "runConfig", "scalar", "scalarAttr", "parameter",
    "paramAttr", "statistic", "statisticAttr", "histogramBin", "vector", "vectorAttr",
    "vectorData",
};
#define NTABLES (sizeof tables / sizeof tables[0])

int merge_check_db(sqlite3 *db, const char *schema, const char *path, const char *out,
                   char *err, size_t errlen)
{
    int64_t ver = 0, n = 0;
    char sql[512];
    snprintf(sql, sizeof sql, "PRAGMA %s.user_version", schema);
    int rc = query_i64(db, sql, NULL, &ver);
    if (rc != SQLITE_OK) {
        if (is_notadb(db, rc))
            sim_errmsg(err, errlen, "%s: not an SQLite database", path);
        else
            sim_errmsg(err, errlen, "%s: cannot read: %s", path, sqlite3_errmsg(db));
        return -SIM_EIO;
    }
    if (ver == 0) {
        snprintf(sql, sizeof sql, "SELECT count(*) FROM %s.sqlite_master", schema);
        rc = query_i64(db, sql, NULL, &n);
        if (rc != SQLITE_OK) {
            sim_errmsg(err, errlen, "%s: cannot read: %s", path, sqlite3_errmsg(db));
            return is_notadb(db, rc) ? -SIM_EIO : -SIM_EDB;
        }
        sim_errmsg(err, errlen, "%s: not a xensim results database (%s)", path,
            n ? "SQLite tables but schema version 0" : "an empty SQLite file");
        return -SIM_ESCHEMA;
    }
    if (ver < 0)
        return store_check_version(path, ver, err, errlen);
    if (ver != STORE_SCHEMA_VERSION) {
        sim_errmsg(err, errlen, "%s: results schema version %" PRId64 ", but %s has version %d; "
            "merge only shards written with the same schema version", path, ver,
            out ? out : "this build", STORE_SCHEMA_VERSION);
        return -SIM_ESCHEMA;
    }
    size_t len = (size_t)snprintf(sql, sizeof sql, "SELECT count(*) FROM %s.sqlite_master "
                                  "WHERE type = 'table' AND name IN (", schema);
    for (size_t i = 0; i < NTABLES; i++)
        len += (size_t)snprintf(sql + len, sizeof sql - len, "%s'%s'", i ? ", " : "",
                                tables[i]);
    snprintf(sql + len, sizeof sql - len, ")");
    if ((rc = query_i64(db, sql, NULL, &n)) != SQLITE_OK) {
        sim_errmsg(err, errlen, "%s: %s its schema: %s", path,
            is_corrupt(db, rc) ? "corrupt, cannot read" : "cannot read", sqlite3_errmsg(db));
        return -SIM_EDB;
    }
    if (n != (int64_t)NTABLES) {
        sim_errmsg(err, errlen, "%s: not a xensim results database (schema version %" PRId64
            " but %" PRId64 " of the %zu result tables)", path, ver, n, NTABLES);
        return -SIM_ESCHEMA;
    }
    /* quick_check: the b-trees and records are well formed (O(N), no index
     * cross-check); the first row is "ok" or the first problem. */
    sqlite3_stmt *st = NULL;
    snprintf(sql, sizeof sql, "PRAGMA %s.quick_check", schema);
    rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(st, 0);
        if (!t || strcmp(t, "ok") != 0) {
            sim_errmsg(err, errlen, "%s: corrupt (quick_check: %s)", path, t ? t : "?");
            sqlite3_finalize(st);
            return -SIM_EDB;
        }
    } else {
        sim_errmsg(err, errlen, "%s: corrupt (quick_check failed: %s)", path, sqlite3_errmsg(db));
        sqlite3_finalize(st);
        return -SIM_EDB;
    }
    sqlite3_finalize(st);
    return 0;
}

static int check_shard(struct merge *m, const char *path, const struct merge_opts *o,
                       char *err, size_t errlen)
{
    sqlite3 *db = m->db;
    sqlite3_stmt *st = NULL;
    int rc = merge_check_db(db, "shard", path, m->path, err, errlen);
    if (rc < 0)
        return rc;
    if (o && o->scenario_hash) {
        rc = sqlite3_prepare_v2(db, "SELECT r.runName, (SELECT attrValue FROM shard.runAttr a"
                                " WHERE a.runId = r.runId AND a.attrName = '"
                                STORE_ATTR_SCENARIO_HASH "') AS h FROM shard.run r"
                                " WHERE h IS NULL OR h != ?1 ORDER BY r.runId LIMIT 1", -1,
                                &st, NULL);
        if (rc == SQLITE_OK) {
            sqlite3_bind_text(st, 1, o->scenario_hash, -1, SQLITE_TRANSIENT);
            rc = sqlite3_step(st);
        }
        if (rc == SQLITE_ROW) {
            const char *h = (const char *)sqlite3_column_text(st, 1);
            sim_errmsg(err, errlen, "%s: run %s has scenario hash %s, not %s; the shard belongs "
                "to another scenario", path, (const char *)sqlite3_column_text(st, 0),
                h ? h : "(none)", o->scenario_hash);
            sqlite3_finalize(st);
            return -SIM_EBADINPUT;
        }
        if (rc != SQLITE_DONE) {
            sim_errmsg(err, errlen, "%s: cannot read its runs: %s", path, sqlite3_errmsg(db));
            sqlite3_finalize(st);
            return -SIM_EDB;
        }
        sqlite3_finalize(st);
    }
    return 0;
}

/* ---- copying one run ---- */

/* A table with its own ids, and the child tables keyed by them. */
struct family {
    const char *table, *id, *cols;          /* cols: all but id and runId */
    const char *child[2], *child_cols[2];   /* child: (id, child_cols...) */
};

static const struct family families[] = {
    { "scalar", "scalarId", "moduleName, scalarName, scalarValue",
      { "scalarAttr", NULL }, { "c.attrName, c.attrValue", NULL } },
    { "statistic", "statId",
      "moduleName, statName, isHistogram, isWeighted, statCount, statMean, statStddev, "
      "statSum, statSqrsum, statMin, statMax, statWeights, statWeightedSum, "
      "statSqrSumWeights, statWeightedSqrSum",
      { "statisticAttr", "histogramBin" },
      { "c.attrName, c.attrValue", "c.lowerEdge, c.binValue" } },
    { "parameter", "paramId", "moduleName, paramName, paramValue",
      { "paramAttr", NULL }, { "c.attrName, c.attrValue", NULL } },
    { "vector", "vectorId",
      "moduleName, vectorName, vectorCount, vectorMin, vectorMax, vectorSum, vectorSumSqr, "
      "startEventNum, endEventNum, startSimtimeRaw, endSimtimeRaw",
      { "vectorAttr", "vectorData" },
      { "c.attrName, c.attrValue", "c.eventNumber, c.simtimeRaw, c.value" } },
};
#define NFAMILIES (sizeof families / sizeof families[0])

/* Strip the "c." prefixes of a child column list for the INSERT side. */
static void plain_cols(const char *in, char *out, size_t n)
{
    size_t k = 0;
    for (const char *p = in; *p && k + 1 < n; p++) {
        if (p[0] == 'c' && p[1] == '.' && (p == in || p[-1] == ' '))
            p++;
        else
            out[k++] = *p;
    }
    out[k] = '\0';
}

/* Run one statement with ?1 = shard runId, ?2 = new runId, ?3 = offset
 * (whichever of them it uses). */
static int exec3(sqlite3 *db, const char *sql, int64_t old_id, int64_t new_id, int64_t off)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK) {
        int np = sqlite3_bind_parameter_count(st);
        if (np >= 1)
            sqlite3_bind_int64(st, 1, old_id);
        if (np >= 2)
            sqlite3_bind_int64(st, 2, new_id);
        if (np >= 3)
            sqlite3_bind_int64(st, 3, off);
        rc = sqlite3_step(st);
        if (rc == SQLITE_DONE)
            rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return rc;
}

static int copy_family(sqlite3 *db, const struct family *f, int64_t old_id, int64_t new_id,
                       char *why, size_t whylen)
{
    char sql[1024];
    sqlite3_stmt *st = NULL;
    snprintf(sql, sizeof sql, "SELECT min(%s), max(%s) FROM shard.%s WHERE runId = ?1",
             f->id, f->id, f->table);
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, old_id);
        rc = sqlite3_step(st);
    }
    if (rc != SQLITE_ROW) {
        sim_errmsg(why, whylen, "%s", sqlite3_errmsg(db));
        sqlite3_finalize(st);
        return -SIM_EDB;
    }
    bool none = sqlite3_column_type(st, 0) == SQLITE_NULL;
    int64_t lo = sqlite3_column_int64(st, 0), hi = sqlite3_column_int64(st, 1);
    sqlite3_finalize(st);
    if (none)
        return 0;
    snprintf(sql, sizeof sql, "SELECT max(coalesce((SELECT seq FROM main.sqlite_sequence "
             "WHERE name = '%s'), 0), coalesce((SELECT max(%s) FROM main.%s), 0))",
             f->table, f->id, f->table);
    int64_t top = 0;
    if ((rc = query_i64(db, sql, NULL, &top)) != SQLITE_OK) {
        sim_errmsg(why, whylen, "%s", sqlite3_errmsg(db));
        return -SIM_EDB;
    }
    int64_t span, base, off;
    if (__builtin_sub_overflow(hi, lo, &span) || __builtin_add_overflow(top, 1, &base) ||
        base > INT64_MAX - span || __builtin_sub_overflow(base, lo, &off)) {
        sim_errmsg(why, whylen, "%s ids out of range", f->table);
        return -SIM_ERANGE;
    }
    snprintf(sql, sizeof sql, "INSERT INTO main.%s (%s, runId, %s) SELECT %s + ?3, ?2, %s "
             "FROM shard.%s WHERE runId = ?1 ORDER BY %s", f->table, f->id, f->cols, f->id,
             f->cols, f->table, f->id);
    if ((rc = exec3(db, sql, old_id, new_id, off)) != SQLITE_OK)
        goto fail;
    for (int k = 0; k < 2 && f->child[k]; k++) {
        char cols[256];
        plain_cols(f->child_cols[k], cols, sizeof cols);
        snprintf(sql, sizeof sql, "INSERT INTO main.%s (%s, %s) SELECT c.%s + ?3, %s FROM "
                 "shard.%s c JOIN shard.%s t ON t.%s = c.%s WHERE t.runId = ?1 ORDER BY "
                 "c.rowid", f->child[k], f->id, cols, f->id, f->child_cols[k], f->child[k],
                 f->table, f->id, f->id);
        if ((rc = exec3(db, sql, old_id, new_id, off)) != SQLITE_OK)
            goto fail;
    }
    return 0;
fail:
    sim_errmsg(why, whylen, "%s", sqlite3_errmsg(db));
    return -SIM_EDB;
}

/* The run row, named `name` (the shard's runName, prefixed if asked). */
static int insert_run(sqlite3 *db, int64_t old_id, const char *name)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, "INSERT INTO main.run (runName, simtimeExp) SELECT ?2, "
                                "simtimeExp FROM shard.run WHERE runId = ?1", -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, old_id);
        sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
        rc = sqlite3_step(st);
        if (rc == SQLITE_DONE)
            rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return rc;
}

static int insert_attr(sqlite3 *db, int64_t run_id, const char *name, const char *value)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, "INSERT INTO main.runAttr (runId, attrName, attrValue) "
                                "VALUES (?1, ?2, ?3)", -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, run_id);
        sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, value, -1, SQLITE_TRANSIENT);
        rc = sqlite3_step(st);
        if (rc == SQLITE_DONE)
            rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return rc;
}

/* One run in one transaction: 1 copied, 0 already present, < 0 failed
 * (rolled back, reason in why). name is the name it gets in the output. */
static int copy_run(sqlite3 *db, int64_t old_id, const char *name, const struct merge_opts *o,
                    char *why, size_t whylen)
{
    int rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        sim_errmsg(why, whylen, "%s", sqlite3_errmsg(db));
        return -SIM_EDB;
    }
    int64_t present = 0;
    int ret = 0;
    if ((rc = query_i64(db, "SELECT count(*) FROM main.run WHERE runName = ?1", name,
                        &present)) != SQLITE_OK) {
        sim_errmsg(why, whylen, "%s", sqlite3_errmsg(db));
        ret = -SIM_EDB;
        goto fail;
    }
    if (present) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return 0;
    }
    if ((rc = insert_run(db, old_id, name)) != SQLITE_OK) {
        sim_errmsg(why, whylen, "%s", sqlite3_errmsg(db));
        ret = -SIM_EDB;
        goto fail;
    }
    int64_t new_id = sqlite3_last_insert_rowid(db);
    if (o && o->attr_name && (rc = insert_attr(db, new_id, o->attr_name, o->attr_value)) !=
        SQLITE_OK) {
        sim_errmsg(why, whylen, "%s", sqlite3_errmsg(db));
        ret = -SIM_EDB;
        goto fail;
    }
    static const char *const simple[] = {
        "INSERT INTO main.runAttr (runId, attrName, attrValue) SELECT ?2, attrName, "
        "attrValue FROM shard.runAttr WHERE runId = ?1 ORDER BY rowid",
        "INSERT INTO main.runItervar (runId, itervarName, itervarValue) SELECT ?2, "
        "itervarName, itervarValue FROM shard.runItervar WHERE runId = ?1 ORDER BY rowid",
        "INSERT INTO main.runConfig (runId, configKey, configValue, configOrder) SELECT ?2, "
        "configKey, configValue, configOrder FROM shard.runConfig WHERE runId = ?1 "
        "ORDER BY rowid",
    };
    for (size_t i = 0; i < sizeof simple / sizeof simple[0]; i++)
        if ((rc = exec3(db, simple[i], old_id, new_id, 0)) != SQLITE_OK) {
            sim_errmsg(why, whylen, "%s", sqlite3_errmsg(db));
            ret = -SIM_EDB;
            goto fail;
        }
    for (size_t i = 0; i < NFAMILIES; i++)
        if ((ret = copy_family(db, &families[i], old_id, new_id, why, whylen)) != 0)
            goto fail;
    if ((rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL)) != SQLITE_OK) {
        sim_errmsg(why, whylen, "cannot commit: %s", sqlite3_errmsg(db));
        ret = -SIM_EDB;
        goto fail;
    }
    return 1;
fail:
    if (!sqlite3_get_autocommit(db))
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return ret;
}

struct run_id {
    int64_t id;
    char *name;
};

static int list_runs(sqlite3 *db, struct run_id **out, size_t *nout)
{
    sqlite3_stmt *st = NULL;
    struct run_id *v = NULL;
    size_t n = 0, cap = 0;
    int rc = sqlite3_prepare_v2(db, "SELECT runId, runName FROM shard.run ORDER BY runId", -1,
                                &st, NULL);
    int ret = 0;
    if (rc == SQLITE_OK) {
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            if (n == cap) {
                size_t nc = cap ? 2 * cap : 64;
                struct run_id *p = realloc(v, nc * sizeof *p);
                if (!p) {
                    ret = -SIM_ENOMEM;
                    break;
                }
                v = p;
                cap = nc;
            }
            const char *name = (const char *)sqlite3_column_text(st, 1);
            v[n].id = sqlite3_column_int64(st, 0);
            v[n].name = strdup(name ? name : "");
            if (!v[n++].name) {
                ret = -SIM_ENOMEM;
                break;
            }
        }
        if (!ret && rc != SQLITE_DONE)
            ret = -SIM_EDB;
    } else {
        ret = -SIM_EDB;
    }
    sqlite3_finalize(st);
    if (ret) {
        for (size_t i = 0; i < n; i++)
            free(v[i].name);
        free(v);
        return ret;
    }
    *out = v;
    *nout = n;
    return 0;
}

int merge_shard(struct merge *m, const char *path, const struct merge_opts *o,
                struct merge_result *res, char *err, size_t errlen)
{
    struct merge_result r = { 0 };
    sim_errmsg(err, errlen, "%s", "");
    if (res)
        *res = r;
    if (!m || !path) {
        sim_errmsg(err, errlen, "merge: no output or shard given");
        return -SIM_EINVAL;
    }
    int bad = store_check_path(path, err, errlen);
    if (bad)
        return bad;
    struct stat sb;
    if (stat(path, &sb) != 0) {
        sim_errmsg(err, errlen, "%s: %s", path, errno == ENOENT ? "no such file" : strerror(errno));
        return errno == ENOENT ? -SIM_ENOENT : -SIM_EIO;
    }
    if (!S_ISREG(sb.st_mode)) {
        sim_errmsg(err, errlen, "%s: not a regular file", path);
        return -SIM_EIO;
    }
    if (sb.st_dev == m->dev && sb.st_ino == m->ino) {
        sim_errmsg(err, errlen, "%s: is the output database itself", path);
        return -SIM_EBADINPUT;
    }
    char *uri = store_read_uri(path);
    if (!uri) {
        sim_errmsg(err, errlen, "%s: out of memory", path);
        return -SIM_ENOMEM;
    }
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(m->db, "ATTACH DATABASE ?1 AS shard", -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, uri, -1, SQLITE_TRANSIENT);
        rc = sqlite3_step(st);
        if (rc == SQLITE_DONE)
            rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    free(uri);
    if (rc != SQLITE_OK) {
        /* ATTACH reads the shard's schema: a damaged one fails here. */
        if (is_notadb(m->db, rc)) {
            sim_errmsg(err, errlen, "%s: not an SQLite database", path);
            return -SIM_EIO;
        }
        if (is_corrupt(m->db, rc)) {
            sim_errmsg(err, errlen, "%s: corrupt (%s)", path, sqlite3_errstr(SQLITE_CORRUPT));
            return -SIM_EDB;
        }
        store_read_failure(path, m->db, rc, err, errlen);
        return -SIM_EIO;
    }
    struct run_id *runs = NULL;
    size_t nruns = 0;
    int ret = check_shard(m, path, o, err, errlen);
    if (!ret && (ret = list_runs(m->db, &runs, &nruns)) != 0)
        sim_errmsg(err, errlen, "%s: cannot read its runs: %s", path,
            ret == -SIM_ENOMEM ? "out of memory" : sqlite3_errmsg(m->db));
    for (size_t i = 0; !ret && i < nruns; i++) {
        char why[512] = "";
        char *name = runs[i].name;
        if (o && o->name_prefix) {
            size_t lp = strlen(o->name_prefix), ln = strlen(runs[i].name);
            if (!(name = malloc(lp + ln + 1))) {
                ret = -SIM_ENOMEM;
                sim_errmsg(err, errlen, "%s: out of memory", path);
                break;
            }
            memcpy(name, o->name_prefix, lp);
            memcpy(name + lp, runs[i].name, ln + 1);
        }
        int k = copy_run(m->db, runs[i].id, name, o, why, sizeof why);
        if (name != runs[i].name)
            free(name);
        if (k == 1) {
            r.copied++;
        } else if (k == 0) {
            r.present++;
        } else {
            if (r.failed++ == 0)
                sim_errmsg(err, errlen, "%s: run %s: %s (rolled back, nothing of it merged)", path,
                    runs[i].name, why);
        }
    }
    if (!ret && r.failed) {
        ret = -SIM_EDB;
        if (r.failed > 1) {
            size_t l = err ? strlen(err) : 0;
            if (err && l < errlen)
                sim_errmsg(err + l, errlen - l, "; %" PRId64 " runs failed in all", r.failed);
        }
    }
    for (size_t i = 0; i < nruns; i++)
        free(runs[i].name);
    free(runs);
    sqlite3_exec(m->db, "DETACH DATABASE shard", NULL, NULL, NULL);
    if (res)
        *res = r;
    return ret;
}
