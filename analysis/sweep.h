/*
 * analysis/sweep.h: the sweep runner behind `xensim sweep` (DESIGN.md
 * sections 4 to 6; docs/experiments.md).
 *
 * A plan is the list of runs of a scenario's campaign: the cartesian
 * product of its `sweep:` axes (in axis order, the last axis varying
 * fastest) times `replications` (innermost), as OMNeT++ numbers the runs of
 * a parameter study with the repetition innermost. Each point is loaded
 * with scn_load_buffer(..., sweep_index), so every value meets the full
 * validation, and each run gets its deterministic name from the run driver
 * (run_name_at in sim/host/run.h): base scenario hash, point, seed, replication.
 * An axis whose path is also given with --set is not swept (the --set wins,
 * as in the loader) and is left out of the points and run names.
 *
 * Executing a plan runs every run that is not yet in the results database,
 * either in the calling process (jobs = 1) or in `jobs` forked worker
 * processes that claim runs from a shared counter and each write their runs
 * into the same SQLite file (WAL; one transaction per run, so writers
 * serialise and a killed worker loses only its run in flight). Results do
 * not depend on the number of workers: a run's rows depend only on the run.
 *
 * A sweep can also execute a subset of the plan's runs (sweep_opts.only),
 * by plan index: that is how a campaign is cut into shards, one results
 * database per Slurm array task or GNU parallel job, merged afterwards
 * (analysis/cluster.h, analysis/merge.h, docs/cluster.md). A run's rows do
 * not depend on which subset it was executed in.
 *
 * Simplified: the forked workers share one machine (other machines are
 * reached through shards, not from here), they claim runs in plan order (no
 * cost-aware scheduling), and the ETA assumes runs of equal cost.
 *
 * Never prints; the command line (sim/cli/cmd_sweep.c) formats the status,
 * progress and failures.
 */
#ifndef XENSIM_ANALYSIS_SWEEP_H
#define XENSIM_ANALYSIS_SWEEP_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/host/run.h"
#include "sim/scenario.h"

#define SWEEP_MAX_JOBS 1024

struct sweep_plan;

struct sweep_plan_opts {
    const char *const *sets;        /* "PATH=VALUE" overrides (--set), may be NULL */
    size_t nsets;
    bool have_seed;                 /* seed replaces every point's seed (--seed) */
    uint64_t seed;
    /* sweep_plan_load: the scenario's name in messages, in the run
     * attribute scenario_file and for relative trace paths, instead of the
     * path read (--origin: a copy of the file stands in for it); NULL: the
     * path. */
    const char *origin;
};

/*
 * Plan the campaign of the scenario `text` (len bytes; name is used in
 * messages and run attributes, as in scn_load_buffer). On success returns
 * the plan; on failure NULL with either *diags set (the scenario or one of
 * its points was refused; free with scn_diags_free) or a reason in err
 * (out of memory, two points with the same run name).
 */
struct sweep_plan *sweep_plan_new(const char *name, const char *text, size_t len,
                                  const struct sweep_plan_opts *o, struct scn_diags **diags,
                                  char *err, size_t errlen);
/* The same, reading the scenario from a file (read once: every point and
 * worker sees the same text even if the file changes meanwhile). */
struct sweep_plan *sweep_plan_load(const char *path, const struct sweep_plan_opts *o,
                                   struct scn_diags **diags, char *err, size_t errlen);
void sweep_plan_free(struct sweep_plan *p);

/* The base scenario (no point applied); owned by the plan. */
const struct scn *sweep_plan_scn(const struct sweep_plan *p);
/* Points (1 if nothing is swept) and runs (sum of the points' replications). */
uint64_t sweep_plan_points(const struct sweep_plan *p);
size_t sweep_plan_runs(const struct sweep_plan *p);
/* Swept axes (those not fixed by --set), and the paths fixed by --set. */
size_t sweep_plan_naxes(const struct sweep_plan *p);
const char *sweep_plan_axis(const struct sweep_plan *p, size_t k);
size_t sweep_plan_nfixed(const struct sweep_plan *p);
const char *sweep_plan_fixed(const struct sweep_plan *p, size_t k);

/* Run i (0 .. runs-1): its name, point index, replication, and the point's
 * coordinates (npoint of them; borrowed from the plan). -SIM_EINVAL if i
 * is out of range. */
const char *sweep_plan_run_name(const struct sweep_plan *p, size_t i);
int sweep_plan_run(const struct sweep_plan *p, size_t i, uint64_t *point, uint32_t *rep);
int sweep_plan_point(const struct sweep_plan *p, uint64_t point, struct run_itervar *out,
                     size_t nout);

/* The scenario text the plan was made from (len bytes, NUL-terminated);
 * owned by the plan. */
const char *sweep_plan_text(const struct sweep_plan *p, size_t *len);

/* Load the scenario of run i (the point applied, full validation); NULL
 * with *diags on failure. */
struct scn *sweep_plan_load_run(const struct sweep_plan *p, size_t i, struct scn_diags **diags);

/* What the progress callback sees (in the calling process). */
struct sweep_status {
    size_t total;                   /* runs to do: the plan's, or sweep_opts.only's */
    size_t existing;                /* already in the database at the start */
    size_t done;                    /* simulated and recorded */
    size_t skipped;                 /* found in the database when their turn came */
    size_t failed;
    size_t running;
    double elapsed_s;               /* s of wall clock since the start */
    double eta_s;                   /* s of wall clock still needed; NAN while unknown */
};
typedef void sweep_progress_fn(void *ctx, const struct sweep_status *st);

struct sweep_opts {
    const char *db_path;
    int jobs;                       /* worker processes, 1 .. SWEEP_MAX_JOBS; 1: in process */
    bool resume;                    /* complete a sweep whose runs are partly recorded */
    const size_t *only;             /* plan indices of the runs to do (ascending, each
                                       once); NULL: every run of the plan */
    size_t nonly;
    sweep_progress_fn *progress;    /* may be NULL; at most ~5 calls per s, and at the end */
    void *progress_ctx;
    volatile sig_atomic_t *interrupted; /* set asynchronously to stop; may be NULL */
};

struct sweep_failure {
    size_t run;                     /* index in the plan; SIZE_MAX: no run (a worker
                                       could not start) */
    int rc;                         /* negative enum sim_err */
    char msg[480];
};

struct sweep_result {
    struct sweep_status st;         /* the final counts */
    size_t not_run;                 /* runs neither recorded nor failed (interrupted) */
    struct sweep_failure *failures; /* nfailures of them, in plan order */
    size_t nfailures;
};

/*
 * Execute the plan (or the runs o->only) into the database at o->db_path.
 * Returns 0 when every run to do is in the database; -SIM_EINVAL if o->only
 * holds an index out of range; -SIM_EEXIST (nothing run) if some runs
 * are already there and o->resume is false (out->st.existing says how
 * many); -SIM_ESTATE if interrupted (runs in flight leave nothing); the
 * first failed run's error if any run failed (all others are still run,
 * out->failures lists the failures); -SIM_EDB/-SIM_ESCHEMA/-SIM_EIO/
 * -SIM_ENOMEM with a reason in err if the sweep could not start.
 * Free out with sweep_result_free.
 */
int sweep_exec(const struct sweep_plan *p, const struct sweep_opts *o, struct sweep_result *out,
               char *err, size_t errlen);
void sweep_result_free(struct sweep_result *r);

#endif
