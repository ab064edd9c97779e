/*
 * analysis/merge.h: `xensim merge OUT SHARD...` without the command line:
 * copy every run of shard results databases into one output database.
 *
 * The output is opened (created if missing, schema and version checked)
 * by analysis/store, then written over a plain SQLite connection that
 * ATTACHes each shard read-only and copies with INSERT ... SELECT. Each run
 * is one transaction with all its rows: run, runAttr, runItervar,
 * runConfig, scalar + scalarAttr, statistic + statisticAttr + histogramBin,
 * parameter + paramAttr, vector + vectorAttr + vectorData. Rows get new ids
 * (each id range of the shard's run shifted above the output's largest id,
 * so rows keep their order and their links); a run whose runName is already
 * in the output is skipped, which makes merging twice a no-op and lets a
 * merge resume after an interruption.
 *
 * A shard is refused before anything of it is written when it is missing,
 * not SQLite, not a xensim results database, of another schema version
 * (PRAGMA user_version), fails PRAGMA quick_check (corrupt), is the output
 * itself, or (when asked) holds runs of another scenario hash. A run that
 * still fails while copying (e.g. inconsistent rows that break a UNIQUE
 * constraint) is rolled back whole and counted as failed; the other runs
 * go on.
 *
 * Simplified: no attempt to compare a skipped run with the one present
 * (same runName means same run, docs/results.md); orphan rows of a shard
 * (child rows of no run) are not copied.
 */
#ifndef XENSIM_ANALYSIS_MERGE_H
#define XENSIM_ANALYSIS_MERGE_H

#include <stddef.h>
#include <stdint.h>

struct merge;

struct merge_opts {
    /* If non-NULL: refuse a shard any of whose runs lacks this
     * scenario_hash attribute or has another one. */
    const char *scenario_hash;
    /* If non-NULL: each run is copied as PREFIX + its runName (a run of
     * that name already there is skipped), with one more run attribute,
     * attr_name = attr_value (both non-NULL), in the same transaction. The
     * history files nights this way (analysis/history.h). */
    const char *name_prefix;
    const char *attr_name, *attr_value;
};

struct merge_result {
    int64_t copied;     /* runs copied into the output */
    int64_t present;    /* runs skipped: the runName is already there */
    int64_t failed;     /* runs rolled back because copying failed */
};

/* Open or create the output database (analysis/store's checks: not SQLite,
 * foreign, newer schema are refused). NULL with the reason in err. */
struct merge *merge_open(const char *out_path, char *err, size_t errlen);

/* Merge one shard into the output; res (may be NULL) counts its runs.
 *   0             every run copied or already present
 *   -SIM_ENOENT   no such shard file
 *   -SIM_EIO      not readable, or not an SQLite file
 *   -SIM_ESCHEMA  SQLite but not a xensim database, or another schema version
 *   -SIM_EBADINPUT the output itself, or a run with another scenario hash
 *   -SIM_EDB      corrupt (quick_check), or some runs failed and were rolled
 *                 back (res->failed > 0; err names the first)
 * err (may be NULL) gets a message starting with the shard's path. For every
 * error but the last nothing of the shard is written. */
int merge_shard(struct merge *m, const char *shard_path, const struct merge_opts *o,
                struct merge_result *res, char *err, size_t errlen);

/* The checks a shard passes before anything of it is copied, on the
 * database attached (or opened) as `schema` ("shard", "main") on db: an
 * SQLite file, a xensim results database of this build's schema version
 * with every result table, and PRAGMA quick_check "ok". 0, or -SIM_EIO /
 * -SIM_ESCHEMA / -SIM_EDB with a message starting with path (a version
 * mismatch names `out`, the database it is merged into, if not NULL).
 * Also used by analysis/cluster before reading the runs a shard holds. */
struct sqlite3;
int merge_check_db(struct sqlite3 *db, const char *schema, const char *path, const char *out,
                   char *err, size_t errlen);

/* Close the output. Accepts NULL. */
void merge_close(struct merge *m);

#endif
