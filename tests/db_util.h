/*
 * tests/db_util.h: helpers for end-to-end tests that drive the run driver
 * (sim/host/run.c) from a YAML scenario in memory into a SQLite results file in
 * a mkdtemp directory and read it back with plain SQL on a separate,
 * read-only connection, as another tool would (docs/results.md).
 *
 * Every helper fails the current Check test (ck_assert) on error, so a
 * test reads as a list of runs and queries. xs_db_dump's string is the
 * caller's to free. The directory itself comes from tests/tmpdb.h.
 */
#ifndef XENSIM_TESTS_DB_UTIL_H
#define XENSIM_TESTS_DB_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "analysis/record.h"
#include "sim/host/run.h"
#include "sim/scenario.h"

/* ---- scenarios and runs ---- */

/* A small host for tests that need a few runs with every kind of CPU
 * metric: one pCPU under BVT, an idle dom0, a periodic probe with
 * exponential bursts and two hogs, 300 ms after a 50 ms warm-up. NAME is
 * the scenario's name (a string literal). */
#define XS_DB_SMALL_HOST(NAME)                                                             \
    "name: " NAME "\n"                                                                     \
    "seed: 7\nduration: 300ms\nwarmup: 50ms\n"                                             \
    "machine:\n  pcpus: 1\n  costs: { context_switch: 3us, cache_refill: 0us }\n"          \
    "scheduler:\n  name: bvt\n"                                                           \
    "domains:\n  dom0:\n    privileged: true\n"                                            \
    "  probe:\n"                                                                          \
    "    workload: { type: periodic, period: 10ms, burst: { dist: exponential, mean: 1ms } }\n" \
    "  hog:\n    count: 2\n    workload: { type: cpu }\n"

/* Load a scenario from YAML text with nsets `--set PATH=VALUE` overrides;
 * fails the test with the loader's messages if it is refused. */
struct scn *xs_db_load(const char *file, const char *yaml, const char *const *sets,
                       int nsets);
/* One replication into a new database at path (NULL: no database); out
 * filled (free it with run_result_free). */
void xs_db_run(const char *path, const struct scn *s, uint64_t seed, uint32_t rep,
               struct run_result *out);

/* The same with options (sweep point, --timeline, ...): o->db is set from
 * path (NULL: no database), the rest of *o is used as given. */
void xs_db_run_opts(const char *path, const struct scn *s, struct run_opts *o,
                    struct run_result *out);

/* ---- plain SQL ---- */

sqlite3 *xs_db_open_ro(const char *path);
/* A prepared statement (fails the test if sql does not compile). */
sqlite3_stmt *xs_db_prep(sqlite3 *db, const char *sql);
/* The first column of the first row of sql as an integer. */
int64_t xs_db_count(sqlite3 *db, const char *sql);
/* A scalar of the named run; *present false (and NAN) without the row. */
double xs_db_scalar(sqlite3 *db, const char *run, const char *module, const char *name,
                    bool *present);
/* The same, failing the test without the row. */
double xs_db_must_scalar(sqlite3 *db, const char *run, const char *module, const char *name);
/* One numeric column of a statistic row (column: statCount, statMean,
 * statStddev, statSum, statMin or statMax); fails the test without the
 * row. */
double xs_db_must_stat(sqlite3 *db, const char *run, const char *module, const char *name,
                       const char *column);
/* Run sql (one or more statements) on a read-write connection to the
 * file at path, e.g. to inject a change into a results database. */
void xs_db_exec(const char *path, const char *sql);
/* Copy a database file byte for byte (its writer closed, WAL checkpointed). */
void xs_db_copy(const char *from, const char *to);
/* Every row of sql, one line per row, doubles as %a (exact): two dumps
 * are equal only if every value is bit for bit the same. */
char *xs_db_dump(sqlite3 *db, const char *sql);

/* The full sorted row sets of a file's runs by names rather than ids,
 * without the wall-clock `datetime` attribute (the only value that differs
 * between two runs of the same scenario). */
extern const char *const xs_db_row_sets[];
extern const size_t xs_db_nrow_sets;

/* The same row sets with every row keyed by its run's name and fully
 * ordered, for files whose runs were written in different orders (a sweep
 * with several workers). */
extern const char *const xs_db_named_row_sets[];
extern const size_t xs_db_nnamed_row_sets;

/* Fail the test unless the files at paths a and b hold the same
 * xs_db_named_row_sets (bit for bit, datetime aside). */
void xs_db_assert_same_rows(const char *a, const char *b);

#endif
