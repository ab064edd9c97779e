/*
 * analysis/cluster.h: campaigns past one machine (docs/cluster.md):
 * a sweep cut into shards, one results database per Slurm array task or
 * GNU parallel job, merged afterwards with `xensim merge` (analysis/merge.h).
 * Follows the facts file des-engines-and-results.md section 4: one SQLite
 * file per task on node-local scratch, moved into place whole, an
 * idempotent merge keyed by run name, no shared database on a network file
 * system.
 *
 * Runs are named by their index in the sweep plan (analysis/sweep.h), as
 * `xensim sweep --list` prints them; an index list ("3", "0-4", "0-4,9")
 * selects the runs of one shard.
 *
 * A Slurm campaign directory DIR holds:
 *   scenario.yaml     the exact scenario text the plan was made from
 *   campaign.tsv      "key<TAB>value" lines: name, hash (the base scenario
 *                     hash every run carries), origin (the scenario's path
 *                     as given, recorded as scenario_file), cwd (what a
 *                     relative origin is relative to), xensim (the binary),
 *                     and one "arg" line per word of the --set/--seed options
 *   runs.tsv          "INDEX<TAB>RUNNAME", the plan (as --list)
 *   tasks-N.tsv       submission N: "TASK<TAB>INDEX-LIST", one line a task
 *   job-N.sh          submission N's sbatch script; job-N.id its job id
 *   shards/sN-tT.db   the shard of task T of submission N (moved in whole)
 *   logs/sN-tT.out, .err, .status   Slurm's output and the task's status:
 *                     "ok 0 JOBID HOST" or "failed EXIT JOBID HOST"
 * The runs missing from a campaign are those of runs.tsv in no readable
 * shard; resuming submits a new array (submission N+1) for them only.
 *
 * Simplified: a task is one `xensim sweep --index` process (its runs in
 * sequence; parallelism comes from the array); nothing asks Slurm about
 * tasks still queued or running (squeue): a task without a status file is
 * "not reported", whether it was killed or has not finished.
 *
 * Never prints; sim/cli/cmd_sweep.c formats. Functions return 0 or a negative
 * enum sim_err with a reason in err.
 */
#ifndef XENSIM_ANALYSIS_CLUSTER_H
#define XENSIM_ANALYSIS_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>

/* ---- index lists ---- */

/* Parse SPEC ("I", "I-J", or a comma list of those; whole numbers, I <= J)
 * against a plan of nruns runs into the ascending list of distinct indices
 * (*out, malloc'ed, *n of them). -SIM_EBADINPUT for a malformed spec,
 * -SIM_ERANGE for an index >= nruns. */
int cl_parse_index(const char *spec, size_t nruns, size_t **out, size_t *n, char *err,
                   size_t errlen);

/* The shortest spec of an ascending list ("0-3,7,9-10"); malloc'ed, NULL if
 * out of memory. */
char *cl_format_index(const size_t *idx, size_t n);

/* ---- which runs a results database holds ---- */

/* Set present[i] for every names[i] recorded in the results database at
 * path, which is only read (present[] is not cleared first, so several shards add
 * up). -SIM_ENOENT if there is no such file; -SIM_ESCHEMA if it is not a
 * results database of this schema version; -SIM_EDB if it is corrupt
 * (quick_check) or unreadable. A refused file sets nothing. */
int cl_mark_present(const char *path, const char *const *names, size_t n, bool *present,
                    char *err, size_t errlen);

/* ---- a word for sh ---- */

/* s as one sh word: unchanged if it is made of safe characters, else in
 * single quotes; malloc'ed, NULL if out of memory. */
char *cl_shell_quote(const char *s);

/* ---- Slurm campaign directories ---- */

/* What the job scripts need to reproduce the plan. */
struct cl_campaign {
    const char *name;               /* scenario name (job name) */
    const char *hash;               /* base scenario hash (merge --scenario-hash) */
    const char *origin;             /* the scenario's path as given (--origin) */
    const char *cwd;                /* absolute working directory a relative origin
                                       is relative to (the job enters it) */
    const char *xensim;             /* absolute path of the xensim binary */
    const char *const *args;        /* --set/--seed words for `xensim sweep` */
    size_t nargs;
};

enum cl_task_state { CL_TASK_NOT_REPORTED, CL_TASK_OK, CL_TASK_FAILED };

struct cl_task {
    size_t *runs;                   /* plan indices, ascending */
    size_t nruns;
    enum cl_task_state state;
    int exit_code;                  /* of the task's xensim (FAILED) */
    char host[64];                  /* where it reported; "" if not */
};

struct cl_submission {
    int n;                          /* 1, 2, ... */
    char jobid[64];                 /* "" if not submitted (--no-submit) */
    struct cl_task *tasks;          /* task id = index */
    size_t ntasks;
    size_t ok, failed, not_reported;
};

/* A campaign directory as read from disk (or just written). */
struct cl_dir {
    char *path;                     /* absolute */
    struct cl_campaign c;           /* strings owned by the dir */
    char **names;                   /* runs.tsv: run names by plan index */
    size_t nruns;
    struct cl_submission *subs;     /* subs[k].n == k + 1 */
    size_t nsubs;
    bool *present;                  /* per run: in a readable shard */
    size_t npresent;
    char **bad_shards;              /* one message per shard that was refused */
    size_t nbad;
};

/* Whether path exists and is a non-empty directory (or another file). */
bool cl_dir_in_use(const char *path);

/* Create the campaign directory at path (absolute; created with its parents;
 * must not exist or be empty) with scenario.yaml (text), campaign.tsv,
 * runs.tsv (names), shards/ and logs/. NULL with the reason in err, and
 * nothing left behind; paths with whitespace, quotes, '%' or '\\' are
 * refused (they would break #SBATCH lines). */
struct cl_dir *cl_dir_create(const char *path, const char *text, size_t len,
                             const struct cl_campaign *c, const char *const *names,
                             size_t nruns, char *err, size_t errlen);

/* Read a campaign directory: campaign, runs, every submission with its
 * tasks and their status files, and which runs the shards hold (a shard
 * that cannot be read goes into bad_shards; its runs count as missing).
 * NULL with the reason in err. */
struct cl_dir *cl_dir_open(const char *path, char *err, size_t errlen);

void cl_dir_free(struct cl_dir *d);

/* The last submission whose tasks hold run i, and the task; false if none. */
bool cl_dir_run_task(const struct cl_dir *d, size_t i, size_t *sub, size_t *task);

struct cl_submit_opts {
    size_t per_task;                /* runs per array task, >= 1 */
    unsigned throttle;              /* tasks running at once (%N); 0: no limit */
    const char *const *sbatch_args; /* extra #SBATCH lines' options */
    size_t nsbatch;
};

/* The sbatch script of submission sub (ntasks array tasks); malloc'ed into
 * *out. */
int cl_job_script(const struct cl_dir *d, int sub, size_t ntasks,
                  const struct cl_submit_opts *o, char **out, char *err, size_t errlen);

/* Add submission N+1 for the runs idx (n of them, ascending): tasks of
 * o->per_task consecutive runs into tasks-N.tsv, and job-N.sh (both
 * written whole: temporary name, then rename). *sub gets N, *ntasks the
 * tasks. The submission is appended to d->subs. */
int cl_dir_add_submission(struct cl_dir *d, const size_t *idx, size_t n,
                          const struct cl_submit_opts *o, int *sub, size_t *ntasks,
                          char *err, size_t errlen);

/* Whether an executable sbatch is on PATH. */
bool cl_sbatch_found(void);

/* Submit job-<sub>.sh with `sbatch --parsable` (found on PATH) and record
 * the job id in job-<sub>.id and d. -SIM_ENOENT if there is no sbatch;
 * -SIM_EIO if it failed (its messages went to stderr). */
int cl_sbatch(struct cl_dir *d, int sub, char *err, size_t errlen);

#endif
