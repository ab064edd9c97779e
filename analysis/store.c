/*
 * analysis/store.c: writes runs into an SQLite file laid out as OMNeT++
 * SQLite result files (omnetpp src/common/sqliteresultfileschema.cc, whose
 * tables and columns are kept as they are).
 *
 * Differences from the OMNeT++ writer, and why:
 *  - WAL + synchronous=NORMAL instead of TRUNCATE + synchronous=OFF: plots
 *    and analysis may read while a sweep writes, and a crash must not
 *    corrupt the runs already committed. NORMAL may lose the last commits
 *    on power loss, which a resumable sweep redoes.
 *  - one transaction per run (OMNeT++ commits every 100k INSERTs), so an
 *    interrupted run leaves nothing half-written and resume can test
 *    existence by runName alone;
 *  - UNIQUE constraints on runName and on per-run names, so a merge or
 *    resume that would record something twice fails loudly;
 *  - PRAGMA user_version versions the schema; newer or foreign files are
 *    refused before anything is written to them;
 *  - before a run commits, the main file is grown (fallocate, through
 *    SQLite's size hint) to the size the run gives the database, and after
 *    it commits it is checkpointed into the main file: on a full disk or
 *    over a file size limit the run fails and changes nothing, instead of
 *    committing into the -wal and failing later in the checkpoint, which
 *    would leave it only in the -wal (the main file alone is what gets
 *    copied around).
 *
 * Every statement is prepared once per store with SQLITE_PREPARE_PERSISTENT
 * and reused through bind/step/reset.
 */
#include "analysis/store.h"

#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "sim/err.h"

enum {
    Q_BEGIN, Q_COMMIT, Q_ROLLBACK,
    Q_SAVEPOINT, Q_RELEASE, Q_ROLLBACK_TO,
    Q_FIND_RUN, Q_RUN, Q_RUN_ATTR, Q_RUN_ITERVAR, Q_RUN_CONFIG,
    Q_SCALAR, Q_SCALAR_ATTR, Q_STAT, Q_STAT_ATTR, Q_BIN,
    Q_VECTOR, Q_VECTOR_ATTR, Q_VECTOR_DATA,
    Q_COUNT
};

static const char *const q_sql[Q_COUNT] = {
    [Q_BEGIN] = "BEGIN IMMEDIATE",
    [Q_COMMIT] = "COMMIT",
    [Q_ROLLBACK] = "ROLLBACK",
    [Q_SAVEPOINT] = "SAVEPOINT xs_stat",
    [Q_RELEASE] = "RELEASE xs_stat",
    [Q_ROLLBACK_TO] = "ROLLBACK TO xs_stat",
    [Q_FIND_RUN] = "SELECT runId FROM run WHERE runName = ?1",
    [Q_RUN] = "INSERT INTO run (runName, simtimeExp) VALUES (?1, ?2)",
    [Q_RUN_ATTR] = "INSERT INTO runAttr (runId, attrName, attrValue) VALUES (?1, ?2, ?3)",
    [Q_RUN_ITERVAR] = "INSERT INTO runItervar (runId, itervarName, itervarValue) "
                      "VALUES (?1, ?2, ?3)",
    [Q_RUN_CONFIG] = "INSERT INTO runConfig (runId, configKey, configValue, configOrder) "
                     "VALUES (?1, ?2, ?3, ?4)",
    [Q_SCALAR] = "INSERT INTO scalar (runId, moduleName, scalarName, scalarValue) "
                 "VALUES (?1, ?2, ?3, ?4)",
    [Q_SCALAR_ATTR] = "INSERT INTO scalarAttr (scalarId, attrName, attrValue) "
                      "VALUES (?1, ?2, ?3)",
    [Q_STAT] = "INSERT INTO statistic (runId, moduleName, statName, isHistogram, "
               "isWeighted, statCount, statMean, statStddev, statSum, statSqrsum, "
               "statMin, statMax, statWeights, statWeightedSum, statSqrSumWeights, "
               "statWeightedSqrSum) VALUES (?1, ?2, ?3, ?4, 0, ?5, ?6, ?7, ?8, ?9, "
               "?10, ?11, NULL, NULL, NULL, NULL)",
    [Q_STAT_ATTR] = "INSERT INTO statisticAttr (statId, attrName, attrValue) "
                    "VALUES (?1, ?2, ?3)",
    [Q_BIN] = "INSERT INTO histogramBin (statId, lowerEdge, binValue) VALUES (?1, ?2, ?3)",
    [Q_VECTOR] = "INSERT INTO vector (runId, moduleName, vectorName, vectorCount, vectorMin, "
                 "vectorMax, vectorSum, vectorSumSqr, startEventNum, endEventNum, "
                 "startSimtimeRaw, endSimtimeRaw) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
                 "?9, ?10, ?11, ?12)",
    [Q_VECTOR_ATTR] = "INSERT INTO vectorAttr (vectorId, attrName, attrValue) "
                      "VALUES (?1, ?2, ?3)",
    [Q_VECTOR_DATA] = "INSERT INTO vectorData (vectorId, eventNumber, simtimeRaw, value) "
                      "VALUES (?1, ?2, ?3, ?4)",
};

/* Schema version 1: the OMNeT++ tables verbatim (plus UNIQUE on runName),
 * then xensim's indexes and views. Created together with user_version in
 * one transaction. */
static const char schema_v1[] =
    "CREATE TABLE run ("
    " runId INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,"
    " runName TEXT NOT NULL UNIQUE,"
    " simtimeExp INTEGER NOT NULL);"
    "CREATE TABLE runAttr ("
    " runId INTEGER NOT NULL REFERENCES run(runId) ON DELETE CASCADE,"
    " attrName TEXT NOT NULL,"
    " attrValue TEXT NOT NULL);"
    "CREATE TABLE runItervar ("
    " runId INTEGER NOT NULL REFERENCES run(runId) ON DELETE CASCADE,"
    " itervarName TEXT NOT NULL,"
    " itervarValue TEXT NOT NULL);"
    "CREATE TABLE runConfig ("
    " runId INTEGER NOT NULL REFERENCES run(runId) ON DELETE CASCADE,"
    " configKey TEXT NOT NULL,"
    " configValue TEXT NOT NULL,"
    " configOrder INTEGER NOT NULL);"
    "CREATE TABLE scalar ("
    " scalarId INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,"
    " runId INTEGER NOT NULL REFERENCES run(runId) ON DELETE CASCADE,"
    " moduleName TEXT NOT NULL,"
    " scalarName TEXT NOT NULL,"
    " scalarValue REAL);"               /* nullable: SQLite stores NaN as NULL */
    "CREATE TABLE scalarAttr ("
    " scalarId INTEGER NOT NULL REFERENCES scalar(scalarId) ON DELETE CASCADE,"
    " attrName TEXT NOT NULL,"
    " attrValue TEXT NOT NULL);"
    "CREATE TABLE parameter ("
    " paramId INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,"
    " runId INTEGER NOT NULL REFERENCES run(runId) ON DELETE CASCADE,"
    " moduleName TEXT NOT NULL,"
    " paramName TEXT NOT NULL,"
    " paramValue TEXT NOT NULL);"
    "CREATE TABLE paramAttr ("
    " paramId INTEGER NOT NULL REFERENCES parameter(paramId) ON DELETE CASCADE,"
    " attrName TEXT NOT NULL,"
    " attrValue TEXT NOT NULL);"
    "CREATE TABLE statistic ("
    " statId INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,"
    " runId INTEGER NOT NULL REFERENCES run(runId) ON DELETE CASCADE,"
    " moduleName TEXT NOT NULL,"
    " statName TEXT NOT NULL,"
    " isHistogram INTEGER NOT NULL,"
    " isWeighted INTEGER NOT NULL,"
    " statCount INTEGER NOT NULL,"
    " statMean REAL,"
    " statStddev REAL,"
    " statSum REAL,"
    " statSqrsum REAL,"
    " statMin REAL,"
    " statMax REAL,"
    " statWeights REAL,"
    " statWeightedSum REAL,"
    " statSqrSumWeights REAL,"
    " statWeightedSqrSum REAL);"
    "CREATE TABLE statisticAttr ("
    " statId INTEGER NOT NULL REFERENCES statistic(statId) ON DELETE CASCADE,"
    " attrName TEXT NOT NULL,"
    " attrValue TEXT NOT NULL);"
    "CREATE TABLE histogramBin ("
    " statId INTEGER NOT NULL REFERENCES statistic(statId) ON DELETE CASCADE,"
    " lowerEdge REAL NOT NULL,"
    " binValue REAL NOT NULL);"
    "CREATE TABLE vector ("
    " vectorId INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,"
    " runId INTEGER NOT NULL REFERENCES run(runId) ON DELETE CASCADE,"
    " moduleName TEXT NOT NULL,"
    " vectorName TEXT NOT NULL,"
    " vectorCount INTEGER,"
    " vectorMin REAL,"
    " vectorMax REAL,"
    " vectorSum REAL,"
    " vectorSumSqr REAL,"
    " startEventNum INTEGER,"
    " endEventNum INTEGER,"
    " startSimtimeRaw INTEGER,"
    " endSimtimeRaw INTEGER);"
    "CREATE TABLE vectorAttr ("
    " vectorId INTEGER NOT NULL REFERENCES vector(vectorId) ON DELETE CASCADE,"
    " attrName TEXT NOT NULL,"
    " attrValue TEXT NOT NULL);"
    "CREATE TABLE vectorData ("
    " vectorId INTEGER NOT NULL REFERENCES vector(vectorId) ON DELETE CASCADE,"
    " eventNumber INTEGER NOT NULL,"
    " simtimeRaw INTEGER NOT NULL,"
    " value REAL);"
    /* Per-run names are unique: a metric recorded twice is a bug. The
     * indexes also serve the lookups by run and the ON DELETE CASCADE. */
    "CREATE UNIQUE INDEX runAttr_idx ON runAttr(runId, attrName);"
    "CREATE UNIQUE INDEX runItervar_idx ON runItervar(runId, itervarName);"
    "CREATE INDEX runConfig_idx ON runConfig(runId, configOrder);"
    "CREATE UNIQUE INDEX scalar_idx ON scalar(runId, moduleName, scalarName);"
    "CREATE INDEX scalar_name_idx ON scalar(scalarName, moduleName);"
    "CREATE UNIQUE INDEX scalarAttr_idx ON scalarAttr(scalarId, attrName);"
    "CREATE UNIQUE INDEX parameter_idx ON parameter(runId, moduleName, paramName);"
    "CREATE UNIQUE INDEX paramAttr_idx ON paramAttr(paramId, attrName);"
    "CREATE UNIQUE INDEX statistic_idx ON statistic(runId, moduleName, statName);"
    "CREATE UNIQUE INDEX statisticAttr_idx ON statisticAttr(statId, attrName);"
    "CREATE UNIQUE INDEX histogramBin_idx ON histogramBin(statId, lowerEdge);"
    "CREATE INDEX vector_idx ON vector(runId, moduleName, vectorName);"
    "CREATE INDEX vectorAttr_idx ON vectorAttr(vectorId);"
    "CREATE INDEX vectorData_idx ON vectorData(vectorId);"
    "CREATE VIEW runs AS SELECT r.runId AS runId, r.runName AS runName,"
    " (SELECT attrValue FROM runAttr a WHERE a.runId = r.runId"
    "  AND a.attrName = '" STORE_ATTR_SCENARIO "') AS scenario,"
    " (SELECT attrValue FROM runAttr a WHERE a.runId = r.runId"
    "  AND a.attrName = '" STORE_ATTR_SCENARIO_HASH "') AS scenario_hash,"
    " (SELECT attrValue FROM runAttr a WHERE a.runId = r.runId"
    "  AND a.attrName = '" STORE_ATTR_SCHEDULER "') AS scheduler,"
    " (SELECT attrValue FROM runAttr a WHERE a.runId = r.runId"
    "  AND a.attrName = '" STORE_ATTR_SEED "') AS seed,"
    " (SELECT attrValue FROM runAttr a WHERE a.runId = r.runId"
    "  AND a.attrName = '" STORE_ATTR_REPLICATION "') AS replication,"
    " (SELECT attrValue FROM runAttr a WHERE a.runId = r.runId"
    "  AND a.attrName = '" STORE_ATTR_VERSION "') AS version,"
    /* The ORDER BY in a FROM subquery of an aggregate is kept (SQLite
     * does not flatten it), which makes the string deterministic. */
    " (SELECT group_concat(n || '=' || v, ', ') FROM"
    "  (SELECT itervarName AS n, itervarValue AS v FROM runItervar i"
    "   WHERE i.runId = r.runId ORDER BY itervarName)) AS sweep_point"
    " FROM run r;"
    "CREATE VIEW runItervars AS SELECT r.runId AS runId, r.runName AS runName,"
    " i.itervarName AS itervarName, i.itervarValue AS itervarValue"
    " FROM run r JOIN runItervar i ON i.runId = r.runId;";

struct store {
    sqlite3 *db;
    char *path;                 /* as given to store_open */
    bool created;               /* the file did not exist before store_open */
    bool opened;                /* store_open succeeded */
    int64_t began;              /* runs begun with store_run_begin */
    bool attempted;             /* store_run_attempt was called */
    int64_t committed;          /* runs committed (and checkpointed) */
    sqlite3_stmt *q[Q_COUNT];
    char journal[16];           /* journal mode in effect */
    bool in_run;                /* BEGIN IMMEDIATE issued, no COMMIT/ROLLBACK yet */
    int64_t run_id;             /* run.runId of the open run */
    int64_t last_scalar_id;     /* scalar.scalarId for store_scalar_attr; 0: none */
    int64_t last_vector_id;     /* vector.vectorId for store_vector_attr; 0: none */
    char errmsg[1024];
};

/* Record a failed statement (its SQL and SQLite's text) and map the code:
 * a uniqueness violation is the caller's duplicate, anything else is a
 * database error. */
static int db_fail(struct store *s, int rc, const char *sql)
{
    sim_errmsg(s->errmsg, sizeof s->errmsg, "%s (SQLite error %d) in: %s",
        sqlite3_errmsg(s->db), rc, sql ? sql : "?");
    if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
        return -SIM_EEXIST;
    return -SIM_EDB;
}

/* Step a bound statement that returns no rows, then make it reusable. The
 * bindings point at caller memory (SQLITE_STATIC), so they are cleared. */
static int run_stmt(struct store *s, int which)
{
    sqlite3_stmt *st = s->q[which];
    int rc = sqlite3_step(st);
    int ret = 0;
    if (rc != SQLITE_DONE)
        ret = db_fail(s, rc, q_sql[which]);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return ret;
}

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
    sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

/* SQLite would turn NaN into NULL anyway; saying so keeps it explicit. */
static void bind_real(sqlite3_stmt *st, int i, double v)
{
    if (isnan(v))
        sqlite3_bind_null(st, i);
    else
        sqlite3_bind_double(st, i, v);
}

static int state_fail(struct store *s, int err, const char *why)
{
    sim_errmsg(s->errmsg, sizeof s->errmsg, "%s", why);
    return err;
}

/* Writes are valid only inside a run whose transaction is still live: an
 * I/O error can make SQLite roll back by itself, and later INSERTs would
 * then autocommit one by one, outside the run's transaction. */
static int in_live_run(struct store *s)
{
    if (!s->in_run)
        return state_fail(s, -SIM_ESTATE, "no run is open (call store_run_begin first)");
    if (sqlite3_get_autocommit(s->db))
        return state_fail(s, -SIM_EDB,
                          "the run's transaction was rolled back by an earlier error; "
                          "abort the run");
    return 0;
}

/* One integer from a one-row query (PRAGMA user_version, counts). */
static int query_int(sqlite3 *db, const char *sql, int64_t *out)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return rc;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int64(st, 0);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return rc;
}

/* Grow the main file to the size the open write transaction gives the
 * database (page_count pages), so that the checkpoint after COMMIT cannot
 * run out of space. SQLite's unix VFS grows the file for SQLITE_FCNTL_SIZE_HINT
 * only with a chunk size set (store_open sets it to the page size, so
 * nothing is rounded up), with posix_fallocate where it has it. */
static int reserve_main(sqlite3 *db)
{
    int64_t pages = 0, page_size = 0;
    int rc = query_int(db, "PRAGMA page_count", &pages);
    if (rc == SQLITE_OK)
        rc = query_int(db, "PRAGMA page_size", &page_size);
    sqlite3_int64 need = pages * page_size;
    if (rc == SQLITE_OK)
        rc = sqlite3_file_control(db, "main", SQLITE_FCNTL_SIZE_HINT, &need);
    return rc;
}

/* Set the journal mode and return the mode SQLite reports (it answers with
 * the old mode when it cannot switch). SQLite answers SQLITE_BUSY at once,
 * without its busy handler, when another connection holds a lock on the
 * file (several processes opening a fresh file together), so retry for up
 * to the busy timeout. */
static int set_journal_once(sqlite3 *db, const char *mode, char *got, size_t len);

static int set_journal(sqlite3 *db, const char *mode, char *got, size_t len)
{
    const struct timespec pause = { 0, 5 * 1000 * 1000 };  /* 5 ms */
    for (int waited_ms = 0;; waited_ms += 5) {
        int rc = set_journal_once(db, mode, got, len);
        if ((rc & 0xff) != SQLITE_BUSY || waited_ms >= STORE_BUSY_TIMEOUT_MS)
            return rc;
        nanosleep(&pause, NULL);
    }
}

static int set_journal_once(sqlite3 *db, const char *mode, char *got, size_t len)
{
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA journal_mode=%s", mode);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return rc;
    rc = sqlite3_step(st);
    got[0] = '\0';
    if (rc == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(st, 0);
        snprintf(got, len, "%s", t ? (const char *)t : "");
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return rc;
}

int store_check_path(const char *path, char *err, size_t errlen)
{
    const char *why = NULL;
    if (!path)
        why = "no results database path given";
    else if (!path[0])
        why = "'': an empty path is not a file (SQLite would use a temporary database that is "
              "deleted on exit, so nothing would be kept)";
    else if (strcmp(path, ":memory:") == 0)
        why = "':memory:': not a file (SQLite would keep the results in memory and lose them "
              "on exit)";
    if (why) {
        sim_errmsg(err, errlen, "%s", why);
        return -SIM_EBADINPUT;
    }
    if (strncmp(path, "file:", 5) == 0) {
        sim_errmsg(err, errlen, "'%s': an SQLite URI, not a file path (give the file itself, "
            "./%s for a file of that name; xensim sets the SQLite options it needs)", path, path);
        return -SIM_EBADINPUT;
    }
    return 0;
}

int store_check_version(const char *path, int64_t version, char *err, size_t errlen)
{
    if (version == STORE_SCHEMA_VERSION)
        return 0;
    if (version > STORE_SCHEMA_VERSION)
        sim_errmsg(err, errlen, "%s: results schema version %lld is newer than version %d, "
            "the newest this xensim knows; use a newer xensim", path, (long long)version,
            STORE_SCHEMA_VERSION);
    else
        sim_errmsg(err, errlen, "%s: not a xensim results database (schema version %lld; "
            "expected %d)", path, (long long)version, STORE_SCHEMA_VERSION);
    return -SIM_ESCHEMA;
}

/* access(2) on the directory holding path; 0 or an errno. */
static int dir_access(const char *path, int mode)
{
    char *copy = strdup(path);
    if (!copy)
        return ENOMEM;
    int e = access(dirname(copy), mode) == 0 ? 0 : errno;
    free(copy);
    return e;
}

/* Whether path is an SQLite file whose header says WAL (bytes 18 and 19,
 * the write and read format versions, are 2). */
static bool is_wal_file(const char *path)
{
    unsigned char h[20];
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    bool wal = fread(h, 1, sizeof h, f) == sizeof h &&
               memcmp(h, "SQLite format 3", 16) == 0 && h[18] == 2 && h[19] == 2;
    fclose(f);
    return wal;
}

/* path with suffix appended, malloc'd. */
static char *sibling(const char *path, const char *suffix)
{
    size_t n = strlen(path) + strlen(suffix) + 1;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s%s", path, suffix);
    return p;
}

/* Size of path+suffix, -1 if it does not exist (or cannot be looked at). */
static long long sibling_size(const char *path, const char *suffix)
{
    char *p = sibling(path, suffix);
    struct stat sb;
    long long n = p && stat(p, &sb) == 0 ? (long long)sb.st_size : -1;
    free(p);
    return n;
}

/* A WAL file that SQLite cannot read read-only (it needs to create -shm in
 * a directory it cannot write) but whose every committed page is in the
 * main file: no -shm (no connection has it open) and no -wal with frames. */
static bool read_immutable(const char *path)
{
    return is_wal_file(path) && dir_access(path, W_OK) != 0 &&
           sibling_size(path, "-shm") < 0 && sibling_size(path, "-wal") <= 0;
}

char *store_read_uri(const char *path)
{
    size_t n = strlen(path);
    char *u = malloc(3 * n + 32);
    if (!u)
        return NULL;
    char *p = u + sprintf(u, "file:");
    for (const unsigned char *c = (const unsigned char *)path; *c; c++) {
        if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
            *c == '/' || *c == '.' || *c == '_' || *c == '~' || *c == '-')
            *p++ = (char)*c;
        else
            p += sprintf(p, "%%%02X", *c);
    }
    strcpy(p, read_immutable(path) ? "?immutable=1" : "?mode=ro");
    return u;
}

void store_read_failure(const char *path, sqlite3 *db, int rc, char *err, size_t errlen)
{
    if ((rc & 0xff) == SQLITE_NOTADB) {
        sim_errmsg(err, errlen, "%s: not an SQLite database", path);
        return;
    }
    int e = dir_access(path, W_OK);
    if (is_wal_file(path) && e != 0)
        sim_errmsg(err, errlen, "%s: cannot read: %s (a WAL database; its directory is not "
            "writable (%s), so SQLite cannot create %s-shm, and %s-wal holds %lld bytes not "
            "yet in the file: open it once where it can be written)", path,
            sqlite3_errmsg(db), strerror(e), path, path, sibling_size(path, "-wal"));
    else
        sim_errmsg(err, errlen, "%s: cannot read: %s", path, sqlite3_errmsg(db));
}

int store_open_read(const char *path, sqlite3 **db, int64_t *version, char *err,
                    size_t errlen)
{
    *db = NULL;
    int ret = store_check_path(path, err, errlen);
    if (ret)
        return ret;
    struct stat sb;
    if (stat(path, &sb) != 0) {
        int e = errno;
        sim_errmsg(err, errlen, "%s: %s", path, e == ENOENT ? "no such file" : strerror(e));
        return e == ENOENT ? -SIM_ENOENT : -SIM_EIO;
    }
    if (!S_ISREG(sb.st_mode)) {
        sim_errmsg(err, errlen, "%s: not a regular file", path);
        return -SIM_EIO;
    }
    bool immutable = read_immutable(path);
    char *uri = immutable ? store_read_uri(path) : NULL;
    if (immutable && !uri) {
        sim_errmsg(err, errlen, "%s: out of memory", path);
        return -SIM_ENOMEM;
    }
    int rc = sqlite3_open_v2(immutable ? uri : path, db,
                             SQLITE_OPEN_READONLY | (immutable ? SQLITE_OPEN_URI : 0), NULL);
    free(uri);
    if (rc != SQLITE_OK) {
        sim_errmsg(err, errlen, "%s: cannot open: %s", path,
            *db ? sqlite3_errmsg(*db) : sqlite3_errstr(rc));
        goto fail;
    }
    sqlite3_extended_result_codes(*db, 1);
    sqlite3_busy_timeout(*db, STORE_BUSY_TIMEOUT_MS);
    int64_t v = 0;
    if ((rc = query_int(*db, "PRAGMA user_version", &v)) != SQLITE_OK) {
        store_read_failure(path, *db, rc, err, errlen);
        ret = (rc & 0xff) == SQLITE_NOTADB ? -SIM_ESCHEMA : -SIM_EIO;
        goto fail;
    }
    if (version)
        *version = v;
    return 0;
fail:
    sqlite3_close(*db);
    *db = NULL;
    return ret ? ret : -SIM_EIO;
}

/* Whether runs can be stored at path: an existing file must be a writable
 * regular file, and its directory writable because SQLite creates -wal,
 * -shm or -journal beside it. Checked before anything is simulated. */
static int check_writable(const char *path, bool *exists, char *err, size_t errlen)
{
    struct stat sb;
    *exists = stat(path, &sb) == 0;
    int e = *exists ? 0 : errno;
    if (!*exists && e != ENOENT) {
        sim_errmsg(err, errlen, "%s: cannot store runs: %s", path, strerror(e));
        return -SIM_EIO;
    }
    if (*exists && !S_ISREG(sb.st_mode)) {
        sim_errmsg(err, errlen, "%s: not a regular file", path);
        return -SIM_EIO;
    }
    if (*exists && access(path, R_OK | W_OK) != 0) {
        sim_errmsg(err, errlen, "%s: cannot store runs: the file is not writable (%s)", path,
            strerror(errno));
        return -SIM_EIO;
    }
    char *copy = strdup(path);
    if (!copy) {
        sim_errmsg(err, errlen, "%s: out of memory", path);
        return -SIM_ENOMEM;
    }
    const char *dir = dirname(copy);
    if (access(dir, W_OK | X_OK) != 0) {
        e = errno;
        if (e == ENOENT)
            sim_errmsg(err, errlen, "%s: cannot open: directory %s does not exist", path, dir);
        else
            sim_errmsg(err, errlen, "%s: cannot store runs: directory %s is not writable (%s), "
                "and SQLite creates %s-wal and %s-shm (or %s-journal) there", path, dir,
                strerror(e), path, path, path);
        free(copy);
        return -SIM_EIO;
    }
    free(copy);
    return 0;
}

/* Objects that are not SQLite's own: a version-0 file with any of these
 * belongs to someone else. */
static const char foreign_objects_sql[] =
    "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'";

/* Check the version and, for a fresh file, create schema v1. Runs inside
 * BEGIN IMMEDIATE so two processes creating the same file cannot both
 * build the schema: the second waits, then sees version 1. */
static int migrate(sqlite3 *db, const char *path, char *err, size_t errlen)
{
    int64_t ver = 0, objects = 0;
    int rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        sim_errmsg(err, errlen, "%s: cannot lock the results database: %s", path,
            sqlite3_errmsg(db));
        return -SIM_EDB;
    }
    if ((rc = query_int(db, "PRAGMA user_version", &ver)) != SQLITE_OK ||
        (rc = query_int(db, foreign_objects_sql, &objects)) != SQLITE_OK) {
        sim_errmsg(err, errlen, "%s: cannot read the schema: %s", path, sqlite3_errmsg(db));
        goto fail;
    }
    if (ver != 0 && store_check_version(path, ver, err, errlen) != 0) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return -SIM_ESCHEMA;
    }
    if (ver == 0 && objects > 0) {
        sim_errmsg(err, errlen, "%s: not a xensim results database (it has %lld tables or "
            "indexes but schema version 0)", path, (long long)objects);
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return -SIM_ESCHEMA;
    }
    /* Ordered upgrade steps; each future version adds one `if`. */
    if (ver < 1) {
        char *msg = NULL;
        rc = sqlite3_exec(db, schema_v1, NULL, NULL, &msg);
        if (rc != SQLITE_OK) {
            sim_errmsg(err, errlen, "%s: cannot create the schema: %s", path,
                msg ? msg : sqlite3_errstr(rc));
            sqlite3_free(msg);
            goto fail;
        }
    }
    if (ver < STORE_SCHEMA_VERSION) {
        char sql[64];
        /* A pragma takes no bound parameter; the value is a constant. */
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", STORE_SCHEMA_VERSION);
        if ((rc = sqlite3_exec(db, sql, NULL, NULL, NULL)) != SQLITE_OK) {
            sim_errmsg(err, errlen, "%s: cannot set the schema version: %s", path,
                sqlite3_errmsg(db));
            goto fail;
        }
    }
    if (ver < STORE_SCHEMA_VERSION && (rc = reserve_main(db)) != SQLITE_OK) {
        sim_errmsg(err, errlen, "%s: cannot grow the file for the schema: %s (no space left, "
            "or over the file size limit)", path, sqlite3_errstr(rc));
        goto fail;
    }
    if ((rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL)) != SQLITE_OK) {
        sim_errmsg(err, errlen, "%s: cannot commit the schema: %s", path, sqlite3_errmsg(db));
        goto fail;
    }
    rc = sqlite3_wal_checkpoint_v2(db, "main", SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    if (rc != SQLITE_OK && (rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED) {
        sim_errmsg(err, errlen, "%s: cannot write the schema into the file: %s", path,
            sqlite3_errmsg(db));
        return -SIM_EDB;
    }
    return 0;
fail:
    if (!sqlite3_get_autocommit(db))
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return -SIM_EDB;
}

struct store *store_open(const char *path, char *err, size_t errlen)
{
    sim_errmsg(err, errlen, "%s", "");
    bool exists = false;
    if (store_check_path(path, err, errlen) != 0 || check_writable(path, &exists, err, errlen) != 0)
        return NULL;
    struct store *s = calloc(1, sizeof *s);
    if (!s || !(s->path = strdup(path))) {
        sim_errmsg(err, errlen, "%s: out of memory", path);
        free(s);
        return NULL;
    }
    s->created = !exists;
    int rc = sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                             NULL);
    if (rc != SQLITE_OK) {
        sim_errmsg(err, errlen, "%s: cannot open: %s", path,
            s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
        goto fail;
    }
    if (sqlite3_db_readonly(s->db, "main") == 1) {
        sim_errmsg(err, errlen, "%s: cannot store runs: SQLite can open it only read-only", path);
        goto fail;
    }
    sqlite3_extended_result_codes(s->db, 1);
    sqlite3_busy_timeout(s->db, STORE_BUSY_TIMEOUT_MS);
    int64_t page_size = 0;
    if (query_int(s->db, "PRAGMA page_size", &page_size) == SQLITE_OK) {
        int chunk = (int)page_size;     /* for reserve_main */
        sqlite3_file_control(s->db, "main", SQLITE_FCNTL_CHUNK_SIZE, &chunk);
    }

    /* Inspect before changing anything: the pragmas below (WAL in
     * particular) persist in the file, and a file we refuse must be left
     * exactly as it was. */
    int64_t ver = 0, objects = 0;
    /* Both from one snapshot: another process may be creating the schema
     * and setting the version meanwhile (one transaction). */
    rc = sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = query_int(s->db, "PRAGMA user_version", &ver);
    if (rc == SQLITE_OK)
        rc = query_int(s->db, foreign_objects_sql, &objects);
    /* The message before the COMMIT below, which resets SQLite's error text. */
    if (rc != SQLITE_OK)
        store_read_failure(path, s->db, rc, err, errlen);
    if (!sqlite3_get_autocommit(s->db))
        sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        goto fail;
    if (ver != 0 && store_check_version(path, ver, err, errlen) != 0)
        goto fail;
    if (ver == 0 && objects > 0) {
        sim_errmsg(err, errlen, "%s: not a xensim results database (it has %lld tables or "
            "indexes but schema version 0)", path, (long long)objects);
        goto fail;
    }

    rc = set_journal(s->db, "WAL", s->journal, sizeof s->journal);
    if (rc == SQLITE_OK && strcmp(s->journal, "wal") != 0) {
        /* No shared memory or locking for WAL on this file system (or an
         * in-memory database): a rollback journal still keeps every run
         * atomic, only concurrent readers block while a run commits. */
        rc = set_journal(s->db, "DELETE", s->journal, sizeof s->journal);
        if (rc == SQLITE_OK && strcmp(s->journal, "delete") != 0 &&
            strcmp(s->journal, "memory") != 0) {
            sim_errmsg(err, errlen, "%s: neither WAL nor DELETE journal mode available "
                "(SQLite reports '%s')", path, s->journal);
            goto fail;
        }
    }
    if (rc != SQLITE_OK) {
        sim_errmsg(err, errlen, "%s: cannot set the journal mode: %s", path, sqlite3_errmsg(s->db));
        goto fail;
    }
    rc = sqlite3_exec(s->db, "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON",
                      NULL, NULL, NULL);
    int64_t fk = 0;
    if (rc == SQLITE_OK)
        rc = query_int(s->db, "PRAGMA foreign_keys", &fk);
    if (rc != SQLITE_OK || fk != 1) {
        sim_errmsg(err, errlen, "%s: cannot enable foreign keys: %s", path,
            rc != SQLITE_OK ? sqlite3_errmsg(s->db) : "SQLite built without them");
        goto fail;
    }

    if (migrate(s->db, path, err, errlen) != 0)
        goto fail;

    for (int i = 0; i < Q_COUNT; i++) {
        const char *tail = NULL;
        rc = sqlite3_prepare_v3(s->db, q_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
                                &s->q[i], &tail);
        if (rc != SQLITE_OK) {
            sim_errmsg(err, errlen, "%s: cannot prepare '%s': %s", path, q_sql[i],
                sqlite3_errmsg(s->db));
            goto fail;
        }
        if (tail && *tail) {
            sim_errmsg(err, errlen, "%s: unused SQL after statement: '%s'", path, tail);
            goto fail;
        }
    }
    s->opened = true;
    return s;
fail:
    store_close(s);
    return NULL;
}

/* Whether store_close should remove the file: this store created it, and
 * either store_open failed or every run it began or was told of failed,
 * and it holds no run. Switching the journal mode away from WAL needs the only connection
 * to the file, so BUSY means another process is using it and it stays. A
 * process that opens the file between that test and the unlink loses it;
 * a file that another process creates between store_open's stat and open
 * is taken for ours. */
static bool unused_file(struct store *s)
{
    if (!s->created || s->committed || (s->opened && !s->began && !s->attempted) || !s->db)
        return false;
    int64_t runs = 0;
    int rc = query_int(s->db, "SELECT count(*) FROM run", &runs);
    if (rc == SQLITE_OK && runs > 0)
        return false;
    char mode[16] = "";
    rc = set_journal_once(s->db, "DELETE", mode, sizeof mode);
    if (rc == SQLITE_OK)
        return strcmp(mode, "delete") == 0;
    /* Any other failure is the file's own (a full disk): nobody has it. */
    return (rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED;
}

void store_close(struct store *s)
{
    if (!s)
        return;
    if (s->db && !sqlite3_get_autocommit(s->db))
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    for (int i = 0; i < Q_COUNT; i++) {
        sqlite3_finalize(s->q[i]);      /* accepts NULL */
        s->q[i] = NULL;
    }
    bool remove = unused_file(s);
    sqlite3_close(s->db);               /* accepts NULL */
    if (remove) {
        static const char *const suffix[] = { "-wal", "-shm", "-journal" };
        for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
            char *p = sibling(s->path, suffix[i]);
            if (p)
                unlink(p);
            free(p);
        }
        unlink(s->path);
    }
    free(s->path);
    free(s);
}

const char *store_journal_mode(const struct store *s)
{
    return s->journal;
}

const char *store_errmsg(const struct store *s)
{
    return s->errmsg;
}

int store_has_run(struct store *s, const char *run_name, bool *exists)
{
    if (!run_name || !exists)
        return state_fail(s, -SIM_EINVAL, "run name or result pointer is NULL");
    sqlite3_stmt *st = s->q[Q_FIND_RUN];
    bind_text(st, 1, run_name);
    int rc = sqlite3_step(st);
    int ret = 0;
    if (rc == SQLITE_ROW)
        *exists = true;
    else if (rc == SQLITE_DONE)
        *exists = false;
    else
        ret = db_fail(s, rc, q_sql[Q_FIND_RUN]);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return ret;
}

static void rollback(struct store *s)
{
    if (!sqlite3_get_autocommit(s->db)) {
        sqlite3_step(s->q[Q_ROLLBACK]);
        sqlite3_reset(s->q[Q_ROLLBACK]);
    }
    s->in_run = false;
    s->run_id = 0;
    s->last_scalar_id = 0;
    s->last_vector_id = 0;
}

bool store_created(const struct store *s)
{
    return s && s->created;
}

void store_drop_unused(const char *path)
{
    struct store *s = store_open(path, NULL, 0);
    if (!s)
        return;
    s->created = true;
    s->attempted = true;
    store_close(s);
}

void store_run_attempt(struct store *s)
{
    s->attempted = true;
}

int store_run_begin(struct store *s, const char *run_name, int64_t *run_id)
{
    if (!run_name)
        return state_fail(s, -SIM_EINVAL, "run name is NULL");
    if (s->in_run)
        return state_fail(s, -SIM_ESTATE, "a run is already open");
    int ret = run_stmt(s, Q_BEGIN);
    if (ret)
        return -SIM_EDB;
    bool exists = false;
    if ((ret = store_has_run(s, run_name, &exists)) != 0)
        goto fail;
    if (exists) {
        sim_errmsg(s->errmsg, sizeof s->errmsg, "run '%s' is already in the database", run_name);
        ret = -SIM_EEXIST;
        goto fail;
    }
    sqlite3_stmt *st = s->q[Q_RUN];
    bind_text(st, 1, run_name);
    sqlite3_bind_int(st, 2, STORE_SIMTIME_EXP);
    if ((ret = run_stmt(s, Q_RUN)) != 0)
        goto fail;
    s->in_run = true;
    s->began++;
    s->run_id = sqlite3_last_insert_rowid(s->db);
    s->last_scalar_id = 0;
    s->last_vector_id = 0;
    if (run_id)
        *run_id = s->run_id;
    return 0;
fail:
    rollback(s);
    return ret;
}

/* Copy the committed run from the -wal into the main file. BUSY (another
 * connection checkpointing) and a partial copy (readers on older snapshots)
 * are fine: the frames stay valid and the next checkpoint copies them. An
 * I/O failure is not: the run would live only in the -wal, so it is deleted
 * again (ON DELETE CASCADE takes its rows), which the -wal can usually
 * still take as it only reuses pages. */
static int checkpoint_run(struct store *s, int64_t run_id)
{
    if (strcmp(s->journal, "wal") != 0)
        return 0;               /* DELETE mode: the commit wrote the main file */
    int rc = sqlite3_wal_checkpoint_v2(s->db, "main", SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    if (rc == SQLITE_OK || (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
        return 0;
    char why[256];
    snprintf(why, sizeof why, "%s", sqlite3_errmsg(s->db));
    char sql[64];
    snprintf(sql, sizeof sql, "DELETE FROM run WHERE runId = %lld", (long long)run_id);
    bool undone = sqlite3_exec(s->db, sql, NULL, NULL, NULL) == SQLITE_OK;
    sim_errmsg(s->errmsg, sizeof s->errmsg, "the run could not be copied from %s-wal into "
        "%s: %s; %s", s->path, s->path, why,
        undone ? "it was deleted again, so the database is as before"
               : "deleting it again failed too, so it stays in the -wal");
    return -SIM_EDB;
}

int store_run_end(struct store *s)
{
    if (!s->in_run)
        return state_fail(s, -SIM_ESTATE, "no run is open");
    int64_t run_id = s->run_id;
    int ret = in_live_run(s);
    int rc = ret == 0 ? reserve_main(s->db) : SQLITE_OK;
    if (rc != SQLITE_OK) {
        sim_errmsg(s->errmsg, sizeof s->errmsg, "cannot grow %s to hold the run: %s (no space "
            "left, or over the file size limit)", s->path, sqlite3_errstr(rc));
        ret = -SIM_EDB;
    }
    if (ret == 0) {
        ret = run_stmt(s, Q_COMMIT);
        if (ret)
            ret = -SIM_EDB;
    }
    rollback(s);        /* no-op after a successful COMMIT */
    if (ret == 0)
        ret = checkpoint_run(s, run_id);
    if (ret == 0)
        s->committed++;
    return ret;
}

int store_run_abort(struct store *s)
{
    rollback(s);
    return 0;
}

/* The three-column (id, name, value) inserts share this shape. */
static int insert3(struct store *s, int which, int64_t id, const char *name,
                   const char *value)
{
    int ret = in_live_run(s);
    if (ret)
        return ret;
    if (!name || !value)
        return state_fail(s, -SIM_EINVAL, "name or value is NULL");
    sqlite3_stmt *st = s->q[which];
    sqlite3_bind_int64(st, 1, id);
    bind_text(st, 2, name);
    bind_text(st, 3, value);
    return run_stmt(s, which);
}

int store_run_attr(struct store *s, const char *name, const char *value)
{
    return insert3(s, Q_RUN_ATTR, s->run_id, name, value);
}

int store_run_itervar(struct store *s, const char *name, const char *value)
{
    return insert3(s, Q_RUN_ITERVAR, s->run_id, name, value);
}

int store_run_config(struct store *s, const char *key, const char *value, int order)
{
    int ret = in_live_run(s);
    if (ret)
        return ret;
    if (!key || !value)
        return state_fail(s, -SIM_EINVAL, "config key or value is NULL");
    sqlite3_stmt *st = s->q[Q_RUN_CONFIG];
    sqlite3_bind_int64(st, 1, s->run_id);
    bind_text(st, 2, key);
    bind_text(st, 3, value);
    sqlite3_bind_int(st, 4, order);
    return run_stmt(s, Q_RUN_CONFIG);
}

int store_scalar(struct store *s, const char *module, const char *name, double value)
{
    int ret = in_live_run(s);
    if (ret)
        return ret;
    if (!module || !name)
        return state_fail(s, -SIM_EINVAL, "module or scalar name is NULL");
    sqlite3_stmt *st = s->q[Q_SCALAR];
    sqlite3_bind_int64(st, 1, s->run_id);
    bind_text(st, 2, module);
    bind_text(st, 3, name);
    bind_real(st, 4, value);
    if ((ret = run_stmt(s, Q_SCALAR)) != 0)
        return ret;
    s->last_scalar_id = sqlite3_last_insert_rowid(s->db);
    return 0;
}

int store_scalar_attr(struct store *s, const char *name, const char *value)
{
    int ret = in_live_run(s);
    if (ret)
        return ret;
    if (!s->last_scalar_id)
        return state_fail(s, -SIM_ESTATE, "no scalar written in this run yet");
    return insert3(s, Q_SCALAR_ATTR, s->last_scalar_id, name, value);
}

static const struct {
    const char *suffix;
    double p;
} percentiles[] = {
    { ":p50", 0.50 }, { ":p90", 0.90 }, { ":p99", 0.99 }, { ":p999", 0.999 },
};

/* OMNeT++ reads histogramBin as contiguous bins ordered by lowerEdge: a
 * first row at -inf holding the underflow, each row's bin ending where the
 * next row starts, and a last row holding the overflow. The recorder's
 * buckets are sparse, so a zero row closes each gap. */
static int write_bins(struct store *s, int64_t stat_id, const struct st_rec *rec)
{
    sqlite3_stmt *st = s->q[Q_BIN];
    struct st_bin_iter it = ST_BIN_ITER_INIT;
    int64_t lo, w, end = 0;
    uint64_t c;
    bool first = true;
    int ret;

#define BIN(edge, val)                                         \
    do {                                                       \
        sqlite3_bind_int64(st, 1, stat_id);                    \
        sqlite3_bind_double(st, 2, (edge));                    \
        sqlite3_bind_double(st, 3, (val));                     \
        if ((ret = run_stmt(s, Q_BIN)) != 0)                   \
            return ret;                                        \
    } while (0)

    BIN(-INFINITY, 0.0);        /* underflow: samples are never negative */
    while (st_rec_bin_next(rec, &it, &lo, &w, &c)) {
        if (!first && lo != end)
            BIN((double)end, 0.0);
        BIN((double)lo, (double)c);
        end = lo + w;
        first = false;
    }
    BIN((double)end, 0.0);      /* overflow: the histogram has no upper limit */
#undef BIN
    return 0;
}

static int stat_attr(struct store *s, int64_t stat_id, const char *name, const char *value)
{
    return insert3(s, Q_STAT_ATTR, stat_id, name, value);
}

static int write_statistic(struct store *s, const char *module, const char *name,
                           struct st_rec *rec, unsigned flags)
{
    struct st_summary sum;
    st_rec_summary(rec, &sum);
    bool has = sum.count > 0;
    bool hist = has && !(flags & STORE_STAT_NO_HISTOGRAM);
    bool exact = st_rec_is_exact(rec);
    const char *method = exact ? STORE_QMETHOD_EXACT : STORE_QMETHOD_LOGLINEAR;
    char relerr[32];
    snprintf(relerr, sizeof relerr, "%.17g", exact ? 0.0 : ST_HIST_REL_ERROR);

    sqlite3_stmt *st = s->q[Q_STAT];
    sqlite3_bind_int64(st, 1, s->run_id);
    bind_text(st, 2, module);
    bind_text(st, 3, name);
    sqlite3_bind_int(st, 4, hist);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)sum.count);
    bind_real(st, 6, sum.mean);
    bind_real(st, 7, sum.stddev);
    sqlite3_bind_double(st, 8, sum.sum);
    sqlite3_bind_double(st, 9, sum.sqrsum);
    bind_real(st, 10, has ? (double)sum.min : NAN);
    bind_real(st, 11, has ? (double)sum.max : NAN);
    int ret = run_stmt(s, Q_STAT);
    if (ret)
        return ret;
    int64_t stat_id = sqlite3_last_insert_rowid(s->db);

    if ((ret = stat_attr(s, stat_id, STORE_SATTR_UNIT, "ns")) != 0)
        return ret;
    if (!has)
        return 0;
    char bins[96];
    snprintf(bins, sizeof bins, "loglinear: width 1 below %d, %d per power of two above",
             ST_HIST_EXACT_BELOW, ST_HIST_SUB);
    if ((ret = stat_attr(s, stat_id, STORE_SATTR_QMETHOD, method)) != 0 ||
        (ret = stat_attr(s, stat_id, STORE_SATTR_RELERR, relerr)) != 0)
        return ret;
    if (hist && ((ret = stat_attr(s, stat_id, STORE_SATTR_BINS, bins)) != 0 ||
                 (ret = write_bins(s, stat_id, rec)) != 0))
        return ret;

    size_t len = strlen(name) + 8;
    char *pname = malloc(len);
    if (!pname)
        return state_fail(s, -SIM_ENOMEM, "out of memory");
    for (size_t i = 0; i < sizeof percentiles / sizeof percentiles[0]; i++) {
        double q;
        snprintf(pname, len, "%s%s", name, percentiles[i].suffix);
        if ((ret = st_rec_quantile(rec, percentiles[i].p, &q, NULL)) != 0 ||
            (ret = store_scalar(s, module, pname, q)) != 0 ||
            (ret = store_scalar_attr(s, STORE_SATTR_UNIT, "ns")) != 0 ||
            (ret = store_scalar_attr(s, STORE_SATTR_QMETHOD, method)) != 0 ||
            (ret = store_scalar_attr(s, STORE_SATTR_RELERR, relerr)) != 0)
            break;
    }
    free(pname);
    return ret;
}

int store_statistic(struct store *s, const char *module, const char *name,
                    struct st_rec *rec)
{
    return store_statistic_flags(s, module, name, rec, 0);
}

int store_statistic_flags(struct store *s, const char *module, const char *name,
                          struct st_rec *rec, unsigned flags)
{
    int ret = in_live_run(s);
    if (ret)
        return ret;
    if (!module || !name || !rec)
        return state_fail(s, -SIM_EINVAL, "module, statistic name or recorder is NULL");
    if ((ret = run_stmt(s, Q_SAVEPOINT)) != 0)
        return -SIM_EDB;
    ret = write_statistic(s, module, name, rec, flags);
    if (ret) {
        /* Keep the run going without this statistic's partial rows; the
         * error text of the failure stays in errmsg. */
        sqlite3_step(s->q[Q_ROLLBACK_TO]);
        sqlite3_reset(s->q[Q_ROLLBACK_TO]);
        if (!sqlite3_get_autocommit(s->db)) {
            sqlite3_step(s->q[Q_RELEASE]);
            sqlite3_reset(s->q[Q_RELEASE]);
        }
    } else if (run_stmt(s, Q_RELEASE) != 0) {
        ret = -SIM_EDB;
    }
    /* The percentile scalars are internal; scalar attrs must not land on them. */
    s->last_scalar_id = 0;
    return ret;
}

/* The vector row with its summary, then the points. */
static int write_vector(struct store *s, const char *module, const char *name,
                        const struct sim_vpoint *pts, size_t n)
{
    double min = NAN, max = NAN, sum = 0, sqr = 0;
    int64_t count = 0;
    for (size_t i = 0; i < n; i++) {
        double v = pts[i].value;
        if (isnan(v))
            continue;
        min = count == 0 || v < min ? v : min;
        max = count == 0 || v > max ? v : max;
        sum += v;
        sqr += v * v;
        count++;
    }
    sqlite3_stmt *st = s->q[Q_VECTOR];
    sqlite3_bind_int64(st, 1, s->run_id);
    bind_text(st, 2, module);
    bind_text(st, 3, name);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)n);
    bind_real(st, 5, min);
    bind_real(st, 6, max);
    sqlite3_bind_double(st, 7, sum);
    sqlite3_bind_double(st, 8, sqr);
    if (n) {
        sqlite3_bind_int64(st, 9, pts[0].event);
        sqlite3_bind_int64(st, 10, pts[n - 1].event);
        sqlite3_bind_int64(st, 11, pts[0].t_ns);
        sqlite3_bind_int64(st, 12, pts[n - 1].t_ns);
    }                           /* else NULL: cleared bindings */
    int ret = run_stmt(s, Q_VECTOR);
    if (ret)
        return ret;
    int64_t id = sqlite3_last_insert_rowid(s->db);
    st = s->q[Q_VECTOR_DATA];
    for (size_t i = 0; i < n; i++) {
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, pts[i].event);
        sqlite3_bind_int64(st, 3, pts[i].t_ns);
        bind_real(st, 4, pts[i].value);
        if ((ret = run_stmt(s, Q_VECTOR_DATA)) != 0)
            return ret;
    }
    s->last_vector_id = id;
    return 0;
}

int store_vector(struct store *s, const char *module, const char *name,
                 const struct sim_vpoint *pts, size_t n, int64_t *vector_id)
{
    int ret = in_live_run(s);
    if (ret)
        return ret;
    if (!module || !name || (n && !pts))
        return state_fail(s, -SIM_EINVAL, "module, vector name or points are NULL");
    s->last_vector_id = 0;
    if ((ret = run_stmt(s, Q_SAVEPOINT)) != 0)
        return -SIM_EDB;
    ret = write_vector(s, module, name, pts, n);
    if (ret) {
        s->last_vector_id = 0;
        sqlite3_step(s->q[Q_ROLLBACK_TO]);
        sqlite3_reset(s->q[Q_ROLLBACK_TO]);
        if (!sqlite3_get_autocommit(s->db)) {
            sqlite3_step(s->q[Q_RELEASE]);
            sqlite3_reset(s->q[Q_RELEASE]);
        }
        return ret;
    }
    if (run_stmt(s, Q_RELEASE) != 0)
        return -SIM_EDB;
    if (vector_id)
        *vector_id = s->last_vector_id;
    return 0;
}

int store_vector_attr(struct store *s, const char *name, const char *value)
{
    int ret = in_live_run(s);
    if (ret)
        return ret;
    if (!s->last_vector_id)
        return state_fail(s, -SIM_ESTATE, "no vector written in this run yet");
    return insert3(s, Q_VECTOR_ATTR, s->last_vector_id, name, value);
}
