/*
 * analysis/store.h: the SQLite results database.
 *
 * The layout is the OMNeT++ SQLite result file schema (omnetpp
 * src/common/sqliteresultfileschema.cc): run, runAttr, runItervar,
 * runConfig, scalar, scalarAttr, parameter, paramAttr, statistic,
 * statisticAttr, histogramBin, vector, vectorAttr, vectorData, with the same
 * columns, so OMNeT++'s readers and habits carry over. xensim adds a view
 * `runs` (one row per run, the identifying run attributes as columns),
 * uniqueness constraints and indexes, and PRAGMA user_version as the schema
 * version. docs/results.md describes every table and column.
 *
 * One run is one transaction (BEGIN IMMEDIATE at store_run_begin, COMMIT at
 * store_run_end): a run that fails or is interrupted leaves no rows. Several
 * runs, and several processes, may share one file (WAL, 10 s busy timeout).
 *
 * Simplified against OMNeT++: times are always ns (simtimeExp -9); no
 * weighted statistics; nothing writes parameter rows (the table exists so
 * the file is complete); vectors are written whole from a buffer
 * (store_vector) rather than streamed; histograms are the sparse log-linear
 * buckets of sim/stats, written as contiguous bins.
 */
#ifndef XENSIM_ANALYSIS_STORE_H
#define XENSIM_ANALYSIS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/stats.h"
#include "sim/types.h"

/* PRAGMA user_version of the files this code writes. Files with a newer
 * version are refused; files with version 0 and tables are not ours. */
#define STORE_SCHEMA_VERSION 1

#define STORE_SIMTIME_EXP (-9)          /* run.simtimeExp: times in ns */
#define STORE_BUSY_TIMEOUT_MS 10000     /* ms, as OMNeT++ */

/* runAttr names that the `runs` view turns into columns. */
#define STORE_ATTR_SCENARIO      "scenario"       /* scenario name */
#define STORE_ATTR_SCENARIO_HASH "scenario_hash"  /* hash of the scenario file */
#define STORE_ATTR_SCHEDULER     "scheduler"      /* scheduler name */
#define STORE_ATTR_SEED          "seed"           /* master seed, decimal */
#define STORE_ATTR_REPLICATION   "replication"    /* replication index, decimal */
#define STORE_ATTR_VERSION       "version"        /* xensim version */

/* Attributes store_statistic writes (statisticAttr, and scalarAttr on the
 * percentile scalars). */
#define STORE_SATTR_UNIT     "unit"             /* "ns" */
#define STORE_SATTR_QMETHOD  "quantile_method"  /* STORE_QMETHOD_* */
#define STORE_SATTR_RELERR   "rel_error"        /* bound on |error| / value */
#define STORE_SATTR_BINS     "bins"             /* histogram layout */
#define STORE_QMETHOD_EXACT     "exact"
#define STORE_QMETHOD_LOGLINEAR "loglinear"

struct store;
struct sqlite3;

/* Refuse a database path SQLite would not take as a plain file: NULL, ""
 * (a temporary database deleted at close), ":memory:" and URIs ("file:..."),
 * none of which leaves results anywhere. 0, or -SIM_EBADINPUT with the
 * reason in err. store_open and store_open_read call it; commands call it
 * before anything else so nothing is simulated for such a path. */
int store_check_path(const char *path, char *err, size_t errlen);

/* 0 if version is STORE_SCHEMA_VERSION; else -SIM_ESCHEMA with "PATH: ..."
 * in err: newer than this build, or not a xensim results database. */
int store_check_version(const char *path, int64_t version, char *err, size_t errlen);

/* Open an existing results database for reading only (SQLITE_OPEN_READONLY,
 * extended result codes, busy timeout) and read its PRAGMA user_version
 * into *version (may be NULL); the schema is left to the caller. A WAL file
 * in a directory the process cannot write, with no -shm and no non-empty
 * -wal beside it, is opened with the URI parameter immutable=1: SQLite
 * could not create its -shm, nothing is committed outside the main file,
 * and no writer can be at work (it would need a -wal there). When the read
 * fails for want of the WAL files the message says so. *db is NULL on
 * failure. -SIM_EBADINPUT (path refused), -SIM_ENOENT, -SIM_ESCHEMA (not an
 * SQLite file), -SIM_EIO. */
int store_open_read(const char *path, struct sqlite3 **db, int64_t *version, char *err,
                    size_t errlen);

/* The message for a read of path that failed with SQLite code rc on db
 * (opening it, or attaching it to db): the cause once, and the missing WAL
 * files when they are the likely reason. */
void store_read_failure(const char *path, struct sqlite3 *db, int rc, char *err, size_t errlen);

/* The URI to ATTACH path read-only by the same rule (mode=ro, or
 * immutable=1); malloc'd, NULL when out of memory. */
char *store_read_uri(const char *path);

/* Open or create the database at path and bring it to the current schema.
 * Refuses (NULL, reason in err) a path store_check_path refuses, a file or
 * directory this process cannot write (checked before any simulation needs
 * it: SQLite creates PATH-wal, PATH-shm or PATH-journal beside the file), a
 * file that is not SQLite, an SQLite file of someone else (tables but
 * user_version 0) and another schema version; a refused file is not
 * modified. A file that store_open created is removed again by store_close
 * if the runs this store began or was told of (store_run_attempt) all
 * failed and the file holds no run. Journal mode is WAL; if the file system cannot do
 * WAL (the pragma does not answer "wal") the store falls back to DELETE,
 * which store_journal_mode reports. err may be NULL. */
struct store *store_open(const char *path, char *err, size_t errlen);

/* Close; a run still open is rolled back. Accepts NULL. */
void store_close(struct store *s);

/* "wal", or "delete" after the fallback. */
const char *store_journal_mode(const struct store *s);

/* Whether store_open created the file (it did not exist before). */
bool store_created(const struct store *s);

/* Remove the file at path, which an earlier store of this process created
 * and closed without runs (the parent of sweep or compare workers, before
 * it forks), if it still holds no run: what store_close does for a store
 * that created its file and whose runs all failed. */
void store_drop_unused(const char *path);

/* A run this store is to record is being simulated: if it fails before
 * store_run_begin (an interruption, a model error), it still counts as a
 * failed run for removing the file store_open created. */
void store_run_attempt(struct store *s);

/* Start a run: BEGIN IMMEDIATE and insert the run row (simtimeExp -9).
 * *run_id (may be NULL) gets run.runId. -SIM_EEXIST (nothing written) if a
 * run of that name exists; -SIM_ESTATE if a run is already open. */
int store_run_begin(struct store *s, const char *run_name, int64_t *run_id);

/* Rows of the open run. Strings are copied. -SIM_ESTATE outside a run,
 * -SIM_EEXIST if the name is already set for this run, -SIM_EDB for a
 * database error (the run should then be aborted). */
int store_run_attr(struct store *s, const char *name, const char *value);
int store_run_itervar(struct store *s, const char *name, const char *value);
int store_run_config(struct store *s, const char *key, const char *value,
                     int order);

/* A scalar of the open run; NaN is stored as NULL. -SIM_EEXIST if
 * (module, name) was already recorded in this run. */
int store_scalar(struct store *s, const char *module, const char *name,
                 double value);
/* An attribute of the scalar most recently written by store_scalar in this
 * run; -SIM_ESTATE if there is none. */
int store_scalar_attr(struct store *s, const char *name, const char *value);

/* A statistic of the open run, atomically (all its rows or none): the
 * statistic row (isHistogram = 1 when count > 0), its histogramBin rows,
 * statisticAttr rows (unit, quantile_method, rel_error, bins) and the
 * scalars NAME:p50, NAME:p90, NAME:p99, NAME:p999 of the same module.
 * With count 0 only the statistic row (statCount 0) and its unit.
 * The recorder is not const because exact quantiles sort its samples. */
int store_statistic(struct store *s, const char *module, const char *name,
                    struct st_rec *rec);
/* The same with flags: STORE_STAT_NO_HISTOGRAM leaves out the histogramBin
 * rows and the `bins` attribute (isHistogram = 0); the summary, the other
 * attributes and the percentile scalars are written as always. */
#define STORE_STAT_NO_HISTOGRAM 1u
int store_statistic_flags(struct store *s, const char *module, const char *name,
                          struct st_rec *rec, unsigned flags);

/* A vector of the open run (its points: sim/types.h), atomically: the vector row (count, min, max,
 * sum, sum of squares over the non-NaN values; start/end event and time
 * of the first and last point, NULL if n is 0) and its n vectorData rows,
 * in the order given. Names need not be unique (OMNeT++ allows repeats).
 * *vector_id (may be NULL) gets vector.vectorId. */
int store_vector(struct store *s, const char *module, const char *name,
                 const struct sim_vpoint *pts, size_t n, int64_t *vector_id);
/* An attribute of the vector most recently written by store_vector in this
 * run; -SIM_ESTATE if there is none. */
int store_vector_attr(struct store *s, const char *name, const char *value);

/* COMMIT the open run and, in WAL mode, checkpoint it into the main file.
 * If the commit fails the run is rolled back and -SIM_EDB returned. If the
 * checkpoint fails for an I/O reason (a full disk, a file size limit) the
 * run is deleted again and -SIM_EDB returned: a run reported stored is in
 * the database file itself. A checkpoint that stops early only because
 * other connections are reading is not a failure (they finish it). Either
 * way no run is open afterwards. */
int store_run_end(struct store *s);

/* ROLLBACK the open run; 0 if no run is open. */
int store_run_abort(struct store *s);

/* Whether a committed run (or the open one) has this name. */
int store_has_run(struct store *s, const char *run_name, bool *exists);

/* The last error: SQLite's text and the SQL that failed, or the reason for
 * a state error. "" if none. Valid until the next call on the store. */
const char *store_errmsg(const struct store *s);

#endif
