/*
 * sim/cli/cmd_sweep.c: `xensim sweep` (issues 5 and 7; docs/experiments.md,
 * docs/cluster.md): parse the options, plan the scenario's campaign and
 * either execute it (all of it, or the runs of --index into a shard) with
 * the sweep runner (analysis/sweep), drawing a progress line on a terminal,
 * list its runs (--list), or write, submit, resume and report a Slurm
 * campaign directory (--slurm, analysis/cluster); then print the outcome.
 * The work is in analysis/sweep.c and analysis/cluster.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/cluster.h"
#include "analysis/sweep.h"
#include "sim/cli/cli.h"
#include "sim/err.h"

#define MAX_FAILURES_SHOWN 20
#define STR_(x) #x
#define STR(x) STR_(x)

struct sweep_args {
    int jobs;
    bool resume;
    bool list, missing;             /* --list [--missing] */
    const char *index;              /* --index SPEC */
    const char *origin;             /* --origin PATH */
    const char *slurm;              /* --slurm DIR */
    bool status, no_submit;
    size_t per_task;                /* --runs-per-task */
    unsigned throttle;              /* --array-throttle; 0: none */
    const char **sbatch;            /* --sbatch-arg values */
    size_t nsbatch;
    bool slurm_only;                /* an option that needs --slurm was given */
};

/* A whole number from 1 to max. */
static bool parse_count(const char *s, unsigned long max, unsigned long *out)
{
    char *end;
    errno = 0;
    if (!*s || *s == '-' || *s == '+')
        return false;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || *end || v < 1 || v > max)
        return false;
    *out = v;
    return true;
}

/* The value of option `name` at argv[*i] ("--name VALUE" or "--name=VALUE"),
 * advancing *i; NULL if argv[*i] is another option; *missing if the value
 * is. */
static const char *opt_value(int argc, char **argv, int *i, const char *name, bool *missing)
{
    size_t l = strlen(name);
    const char *a = argv[*i];
    if (strncmp(a, name, l) != 0)
        return NULL;
    if (a[l] == '=')
        return a + l + 1;
    if (a[l] != '\0')
        return NULL;
    if (*i + 1 >= argc) {
        *missing = true;
        return NULL;
    }
    return argv[++*i];
}

/* Take the sweep's own options out of argv; the rest goes to
 * cli_parse_scn_args. Returns 0 or EXIT_BADINPUT. */
static int take_sweep_args(int *argc, char **argv, struct sweep_args *sa)
{
    int n = 0;
    for (int i = 0; i < *argc; i++) {
        const char *a = argv[i];
        const char *val = NULL;
        bool missing = false;
        unsigned long v;
        if (!strcmp(a, "--set") || !strcmp(a, "--db") || !strcmp(a, "--seed")) {
            argv[n++] = argv[i];
            if (i + 1 < *argc)
                argv[n++] = argv[++i];
            continue;
        }
        if (!strcmp(a, "--resume")) {
            sa->resume = true;
        } else if (!strcmp(a, "--list")) {
            sa->list = true;
        } else if (!strcmp(a, "--missing")) {
            sa->missing = true;
        } else if (!strcmp(a, "--status")) {
            sa->status = sa->slurm_only = true;
        } else if (!strcmp(a, "--no-submit")) {
            sa->no_submit = sa->slurm_only = true;
        } else if ((val = opt_value(*argc, argv, &i, "--index", &missing))) {
            sa->index = val;
        } else if ((val = opt_value(*argc, argv, &i, "--origin", &missing))) {
            sa->origin = val;
        } else if ((val = opt_value(*argc, argv, &i, "--slurm", &missing))) {
            sa->slurm = val;
        } else if ((val = opt_value(*argc, argv, &i, "--sbatch-arg", &missing))) {
            sa->sbatch[sa->nsbatch++] = val;
            sa->slurm_only = true;
        } else if ((val = opt_value(*argc, argv, &i, "--runs-per-task", &missing))) {
            if (!parse_count(val, SIZE_MAX, &v))
                return cli_usage_error("--runs-per-task: '%s' is not a whole number of runs "
                                       "from 1", val);
            sa->per_task = (size_t)v;
            sa->slurm_only = true;
        } else if ((val = opt_value(*argc, argv, &i, "--array-throttle", &missing))) {
            if (!parse_count(val, UINT_MAX, &v))
                return cli_usage_error("--array-throttle: '%s' is not a whole number of "
                                       "tasks from 1", val);
            sa->throttle = (unsigned)v;
            sa->slurm_only = true;
        } else if (missing) {
            return cli_usage_error("%s needs a value", a);
        } else if (!strcmp(a, "-j") || !strcmp(a, "--jobs") || !strncmp(a, "--jobs=", 7) ||
                   (!strncmp(a, "-j", 2) && a[2])) {
            if (!strcmp(a, "-j") || !strcmp(a, "--jobs")) {
                if (i + 1 >= *argc)
                    return cli_usage_error("%s needs a number of workers", a);
                val = argv[++i];
            } else {
                val = a[1] == 'j' ? a + 2 : a + 7;
            }
            if (!parse_count(val, SWEEP_MAX_JOBS, &v))
                return cli_usage_error("-j: '%s' is not a number of workers from 1 to "
                                       STR(SWEEP_MAX_JOBS), val);
            sa->jobs = (int)v;
        } else {
            argv[n++] = argv[i];
        }
    }
    *argc = n;
    int modes = (sa->list ? 1 : 0) + (sa->index ? 1 : 0) + (sa->slurm ? 1 : 0);
    if (modes > 1)
        return cli_usage_error("%s", "--list, --index and --slurm exclude each other");
    if (sa->missing && !sa->list)
        return cli_usage_error("%s", "--missing goes with --list (and --db)");
    if (sa->slurm_only && !sa->slurm)
        return cli_usage_error("%s", "--status, --no-submit, --runs-per-task, "
                               "--array-throttle and --sbatch-arg go with --slurm DIR");
    return 0;
}

static void fmt_duration(double s, char *buf, size_t n)
{
    if (isnan(s)) {
        snprintf(buf, n, "?");
        return;
    }
    long t = (long)(s + 0.5);
    if (t >= 3600)
        snprintf(buf, n, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(buf, n, "%ld:%02ld", t / 60, t % 60);
}

static void draw_progress(void *ctx, const struct sweep_status *st)
{
    (void)ctx;
    char eta[32], el[32];
    fmt_duration(st->eta_s, eta, sizeof eta);
    fmt_duration(st->elapsed_s, el, sizeof el);
    size_t done = st->existing + st->done + st->skipped;
    fprintf(stderr, "\r  sweep: %zu/%zu runs done, %zu running, %zu failed, %s elapsed, "
            "ETA %s   ", done, st->total, st->running, st->failed, el, eta);
    fflush(stderr);
}

/* path made absolute against the working directory; malloc'ed. */
static char *absolute(const char *path)
{
    if (path[0] == '/')
        return strdup(path);
    char cwd[4096];
    if (!getcwd(cwd, sizeof cwd))
        return NULL;
    size_t n = strlen(cwd) + strlen(path) + 2;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s/%s", cwd, path);
    return s;
}

/* Plan the campaign of a->path (named origin if non-NULL); prints why not. */
static struct sweep_plan *load_plan(const struct scn_args *a, const char *origin)
{
    struct sweep_plan_opts po = { .sets = a->sets, .nsets = a->nsets, .have_seed = a->have_seed,
                                  .seed = a->seed, .origin = origin };
    struct scn_diags *d = NULL;
    char err[512] = "";
    struct sweep_plan *p = sweep_plan_load(a->path, &po, &d, err, sizeof err);
    if (!p) {
        if (d) {
            char *text = scn_diags_text(d);
            fputs(text ? text : "out of memory\n", stderr);
            free(text);
            scn_diags_free(d);
        } else {
            fprintf(stderr, "xensim: %s: %s\n", a->path, err);
        }
        return NULL;
    }
    for (size_t k = 0; k < sweep_plan_nfixed(p) && !a->quiet; k++)
        fprintf(stderr, "xensim: note: --set fixes the swept path %s: it is not swept\n",
                sweep_plan_fixed(p, k));
    return p;
}

/* --list [--db DB --missing]: "INDEX<TAB>RUNNAME" lines. */
static int list_runs(const struct sweep_plan *p, const char *db, bool missing)
{
    size_t n = sweep_plan_runs(p);
    bool *present = calloc(n + 1, sizeof *present);
    const char **names = calloc(n + 1, sizeof *names);
    if (!present || !names) {
        free(present);
        free(names);
        return cli_usage_error("%s", "out of memory");
    }
    for (size_t i = 0; i < n; i++)
        names[i] = sweep_plan_run_name(p, i);
    int status = 0;
    if (missing) {
        char err[1024];
        int rc = db ? cl_mark_present(db, names, n, present, err, sizeof err) : -SIM_EINVAL;
        if (!db) {
            status = cli_usage_error("%s", "--missing needs --db DB (the runs in DB are left "
                                     "out)");
        } else if (rc < 0 && rc != -SIM_ENOENT) {
            fprintf(stderr, "xensim: %s\n", err);
            status = EXIT_BADINPUT;
        }
    }
    for (size_t i = 0; i < n && status == 0; i++)
        if (!present[i])
            printf("%zu\t%s\n", i, names[i]);
    free(present);
    free(names);
    return status;
}

/* The whole plan, or the runs of --index, into the database. */
static int run_sweep(const struct sweep_plan *p, const struct sweep_args *sa,
                     const struct scn_args *a)
{
    const struct scn *s = sweep_plan_scn(p);
    const char *db_path = a->db ? a->db : DEFAULT_DB;
    size_t nruns = sweep_plan_runs(p);
    size_t *only = NULL, nonly = 0;
    char err[512] = "";
    if (sa->index && cl_parse_index(sa->index, nruns, &only, &nonly, err, sizeof err) < 0)
        return cli_usage_error("--index: %s", err);
    if (!a->quiet) {
        printf("sweep %s (hash %s): %" PRIu64 " point%s", s->name, s->hash,
               sweep_plan_points(p), sweep_plan_points(p) == 1 ? "" : "s");
        for (size_t k = 0; k < sweep_plan_naxes(p); k++)
            printf("%s%s", k ? " x " : " over ", sweep_plan_axis(p, k));
        if (sa->index)
            printf(", %zu of its %zu runs (--index %s)", nonly, nruns, sa->index);
        else
            printf(", %zu run%s", nruns, nruns == 1 ? "" : "s");
        printf(", %d worker%s, into %s\n", sa->jobs, sa->jobs == 1 ? "" : "s", db_path);
        fflush(stdout);
    }
    bool tty = isatty(STDERR_FILENO) && !a->quiet;
    struct sweep_opts so = {
        .db_path = db_path,
        .jobs = sa->jobs,
        /* A shard's runs already there are skipped: re-running a task is safe. */
        .resume = sa->resume || sa->index,
        .only = only,
        .nonly = nonly,
        .progress = tty ? draw_progress : NULL,
        .interrupted = &cli_interrupted,
    };
    struct sweep_result res;
    int rc = sweep_exec(p, &so, &res, err, sizeof err);
    free(only);
    if (tty)
        fprintf(stderr, "\r%*s\r", 100, "");
    int status = 0;
    if (rc == -SIM_EEXIST) {
        fprintf(stderr, "xensim: %s; pass --resume to complete it (runs already recorded are "
                "skipped), or use another --db\n", err);
        status = EXIT_BADINPUT;
    } else if (rc == -SIM_ESTATE && cli_interrupted) {
        fprintf(stderr, "xensim: sweep interrupted: %zu runs recorded, %zu not run (the runs "
                "in flight left nothing); run again with --resume to finish\n",
                res.st.existing + res.st.done + res.st.skipped, res.not_run);
        status = EXIT_INTERRUPTED;
    } else if (rc == -SIM_EBADINPUT && res.nfailures == 0) {
        /* A point to run that does not load: the loader's FILE:LINE:COL message. */
        fprintf(stderr, "xensim: %s\n", err);
        status = EXIT_BADINPUT;
    } else if (rc < 0 && res.nfailures == 0) {
        fprintf(stderr, "xensim: %s: %s\n", a->path, err[0] ? err : sim_strerror(rc));
        status = EXIT_BADINPUT;
    }
    for (size_t k = 0; k < res.nfailures && k < MAX_FAILURES_SHOWN; k++) {
        const struct sweep_failure *f = &res.failures[k];
        if (f->run == SIZE_MAX)
            fprintf(stderr, "xensim: a worker could not start: %s\n", f->msg);
        else
            fprintf(stderr, "xensim: run %s failed: %s\n", sweep_plan_run_name(p, f->run),
                    f->msg);
    }
    if (res.nfailures > MAX_FAILURES_SHOWN)
        fprintf(stderr, "xensim: ... and %zu more failures\n",
                res.nfailures - MAX_FAILURES_SHOWN);
    if (res.nfailures) {
        fprintf(stderr, "xensim: %zu of %zu runs failed (they left nothing in %s)\n",
                res.st.failed ? res.st.failed : res.nfailures, res.st.total, db_path);
        if (status == 0)
            status = EXIT_BADINPUT;
    }
    if (status == 0 && !a->quiet) {
        printf("sweep %s: %zu runs: %zu simulated, %zu already in %s\n", s->name,
               res.st.total, res.st.done, res.st.existing + res.st.skipped, db_path);
        printf("results in %s\n", db_path);
    }
    sweep_result_free(&res);
    return status;
}

/* ---- --slurm DIR ---- */

static void print_merge(const struct cl_dir *d)
{
    char *x = cl_shell_quote(d->c.xensim);
    char *dir = cl_shell_quote(d->path);
    if (x && dir)
        printf("merge the shards when the job has finished:\n  %s merge %s/results.db "
               "%s/shards/*.db --scenario-hash %s\n", x, dir, dir, d->c.hash);
    free(x);
    free(dir);
}

/* Submit the runs idx (n) as the next submission of d. */
static int submit_runs(struct cl_dir *d, const size_t *idx, size_t n, const struct sweep_args *sa)
{
    struct cl_submit_opts o = { .per_task = sa->per_task ? sa->per_task : 1,
                                .throttle = sa->throttle,
                                .sbatch_args = sa->sbatch,
                                .nsbatch = sa->nsbatch };
    char err[1024];
    int sub;
    size_t ntasks;
    if (cl_dir_add_submission(d, idx, n, &o, &sub, &ntasks, err, sizeof err) < 0) {
        fprintf(stderr, "xensim: %s\n", err);
        return EXIT_BADINPUT;
    }
    printf("submission %d: %zu run%s in %zu array task%s of up to %zu run%s", sub, n,
           n == 1 ? "" : "s", ntasks, ntasks == 1 ? "" : "s", o.per_task,
           o.per_task == 1 ? "" : "s");
    if (o.throttle)
        printf(", at most %u at once", o.throttle);
    printf(": %s/job-%d.sh\n", d->path, sub);
    if (sa->no_submit) {
        printf("not submitted (--no-submit); submit it with: sbatch %s/job-%d.sh\n", d->path,
               sub);
    } else if (cl_sbatch(d, sub, err, sizeof err) < 0) {
        fprintf(stderr, "xensim: %s\n", err);
        return EXIT_BADINPUT;
    } else {
        printf("submitted job %s\n", d->subs[sub - 1].jobid);
    }
    print_merge(d);
    return 0;
}

/* What the status and resume print: submissions, refused shards, and
 * every missing run with the task that should have produced it. */
static void print_campaign(const struct cl_dir *d)
{
    size_t missing = d->nruns - d->npresent;
    printf("campaign %s (hash %s) in %s: %zu runs, %zu in shards, %zu missing\n", d->c.name,
           d->c.hash, d->path, d->nruns, d->npresent, missing);
    for (size_t k = 0; k < d->nsubs; k++) {
        const struct cl_submission *s = &d->subs[k];
        printf("submission %d (%s%s): %zu tasks: %zu ok, %zu failed, %zu not reported\n", s->n,
               s->jobid[0] ? "job " : "not submitted", s->jobid, s->ntasks, s->ok, s->failed,
               s->not_reported);
    }
    for (size_t k = 0; k < d->nbad; k++)
        fprintf(stderr, "xensim: shard refused, its runs count as missing: %s\n",
                d->bad_shards[k]);
    for (size_t i = 0; i < d->nruns; i++) {
        if (d->present[i])
            continue;
        size_t s, t;
        printf("missing: %s (run %zu", d->names[i], i);
        if (!cl_dir_run_task(d, i, &s, &t)) {
            printf(", in no task)\n");
            continue;
        }
        const struct cl_task *tk = &d->subs[s].tasks[t];
        printf("; task %zu of submission %d ", t, d->subs[s].n);
        if (tk->state == CL_TASK_FAILED)
            printf("failed with exit status %d%s%s)\n", tk->exit_code, tk->host[0] ? " on " : "",
                   tk->host);
        else if (tk->state == CL_TASK_OK)
            printf("reported ok, but its shard is missing or refused)\n");
        else
            printf("has not reported: killed, or not finished)\n");
    }
}

/* Whether the --set/--seed words given now are those DIR was written with
 * (none given: DIR's are used). */
static bool same_words(const struct cl_dir *d, const char *const *w, size_t nw)
{
    if (nw == 0)
        return true;
    if (nw != d->c.nargs)
        return false;
    for (size_t i = 0; i < nw; i++)
        if (strcmp(w[i], d->c.args[i]) != 0)
            return false;
    return true;
}

/* A note if SCENARIO no longer describes DIR's campaign (resume uses the
 * copy in DIR either way). */
static void note_changed(const struct cl_dir *d, const char *path)
{
    const char **sets = calloc(d->c.nargs + 1, sizeof *sets);
    size_t nsets = 0;
    if (!sets)
        return;
    for (size_t i = 0; i + 1 < d->c.nargs; i++)
        if (!strcmp(d->c.args[i], "--set"))
            sets[nsets++] = d->c.args[++i];
    struct scn_load_opts lo = { .sets = sets, .nsets = nsets };
    struct scn_diags *diags = NULL;
    struct scn *s = scn_load(path, &lo, &diags);
    if (!s || strcmp(s->hash, d->c.hash) != 0)
        fprintf(stderr, "xensim: note: %s %s since %s was written; the campaign saved in "
                "%s/scenario.yaml is resumed\n", path,
                s ? "has changed" : "does not load any more", d->path, d->path);
    scn_free(s);
    scn_diags_free(diags);
    free(sets);
}

/* --status, or --resume of an existing DIR. */
static int slurm_existing(const struct sweep_args *sa, const struct scn_args *a,
                          const char *dir, const char *const *words, size_t nw)
{
    char err[1024];
    struct cl_dir *d = cl_dir_open(dir, err, sizeof err);
    if (!d) {
        fprintf(stderr, "xensim: %s\n", err);
        return EXIT_BADINPUT;
    }
    if (!same_words(d, words, nw)) {
        fprintf(stderr, "xensim: %s was written with other --set/--seed options (see its "
                "campaign.tsv); give the same ones, or none\n", dir);
        cl_dir_free(d);
        return EXIT_BADINPUT;
    }
    if (!sa->status)
        note_changed(d, a->path);
    print_campaign(d);
    int status = 0;
    size_t nmissing = d->nruns - d->npresent;
    if (sa->status || nmissing == 0) {
        if (!sa->status)
            printf("nothing to submit: every run of the campaign is in a shard\n");
        print_merge(d);
    } else {
        size_t *idx = malloc(nmissing * sizeof *idx);
        size_t n = 0;
        for (size_t i = 0; idx && i < d->nruns; i++)
            if (!d->present[i])
                idx[n++] = i;
        if (!idx) {
            status = cli_usage_error("%s", "out of memory");
        } else {
            const struct cl_submission *last = d->nsubs ? &d->subs[d->nsubs - 1] : NULL;
            if (last && last->not_reported && last->jobid[0])
                fprintf(stderr, "xensim: note: %zu tasks of job %s have not reported; if it "
                        "still runs, their runs run twice (merge keeps one)\n",
                        last->not_reported, last->jobid);
            status = submit_runs(d, idx, n, sa);
        }
        free(idx);
    }
    cl_dir_free(d);
    return status;
}

/* A new campaign directory and its first submission. */
static int slurm_new(const struct sweep_args *sa, const struct scn_args *a, const char *dir,
                     const char *const *words, size_t nw)
{
    if (!sa->no_submit && !cl_sbatch_found()) {
        fprintf(stderr, "xensim: sbatch is not on PATH (is Slurm installed here?); nothing "
                "written. With --no-submit the directory is written without submitting\n");
        return EXIT_BADINPUT;
    }
    const char *origin = sa->origin ? sa->origin : a->path;
    char self[4096], cwd[4096];
    ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
    if (sl <= 0 || !getcwd(cwd, sizeof cwd)) {
        fprintf(stderr, "xensim: cannot find the path of the xensim binary or the working "
                "directory\n");
        return EXIT_BADINPUT;
    }
    self[sl] = '\0';
    struct sweep_plan *p = load_plan(a, origin);
    if (!p)
        return EXIT_BADINPUT;
    size_t n = sweep_plan_runs(p);
    const char **names = calloc(n + 1, sizeof *names);
    size_t *idx = calloc(n + 1, sizeof *idx);
    int status = 0;
    if (!names || !idx)
        status = cli_usage_error("%s", "out of memory");
    for (size_t i = 0; i < n && !status; i++) {
        names[i] = sweep_plan_run_name(p, i);
        idx[i] = i;
    }
    const struct scn *s = sweep_plan_scn(p);
    struct cl_campaign c = { .name = s->name, .hash = s->hash, .origin = origin, .cwd = cwd,
                             .xensim = self, .args = words, .nargs = nw };
    size_t len;
    const char *text = sweep_plan_text(p, &len);
    char err[1024];
    struct cl_dir *d = status ? NULL : cl_dir_create(dir, text, len, &c, names, n, err,
                                                     sizeof err);
    if (!status && !d) {
        fprintf(stderr, "xensim: %s\n", err);
        status = EXIT_BADINPUT;
    }
    if (d) {
        printf("campaign %s (hash %s): %zu runs in %s\n", s->name, s->hash, n, dir);
        status = submit_runs(d, idx, n, sa);
    }
    cl_dir_free(d);
    free(names);
    free(idx);
    sweep_plan_free(p);
    return status;
}

static int slurm(const struct sweep_args *sa, const struct scn_args *a)
{
    char *dir = absolute(sa->slurm);
    const char **words = calloc(2 * a->nsets + 3, sizeof *words);
    if (!dir || !words) {
        free(dir);
        free(words);
        return cli_usage_error("%s", "out of memory");
    }
    size_t l = strlen(dir);
    while (l > 1 && dir[l - 1] == '/')
        dir[--l] = '\0';
    size_t nw = 0;
    for (size_t i = 0; i < a->nsets; i++) {
        words[nw++] = "--set";
        words[nw++] = a->sets[i];
    }
    char seed[32];
    if (a->have_seed) {
        snprintf(seed, sizeof seed, "%" PRIu64, a->seed);
        words[nw++] = "--seed";
        words[nw++] = seed;
    }
    int status;
    if (sa->status || (sa->resume && cl_dir_in_use(dir)))
        status = slurm_existing(sa, a, dir, words, nw);
    else
        status = slurm_new(sa, a, dir, words, nw);
    free(words);
    free(dir);
    return status;
}

int cmd_sweep(int argc, char **argv)
{
    cli_catch_signals();
    struct sweep_args sa = { .jobs = 1 };
    sa.sbatch = calloc((size_t)argc + 1, sizeof *sa.sbatch);
    if (!sa.sbatch)
        return cli_usage_error("%s", "out of memory");
    int rc = take_sweep_args(&argc, argv, &sa);
    struct scn_args a = { 0 };
    if (rc == 0)
        rc = cli_parse_scn_args(argc, argv, &a, true);
    if (rc == 0 && a.db && sa.slurm)
        rc = cli_usage_error("%s", "--db does not go with --slurm (shards go into DIR/shards)");
    if (rc == 0 && sa.slurm) {
        rc = slurm(&sa, &a);
    } else if (rc == 0) {
        struct sweep_plan *p = load_plan(&a, sa.origin);
        if (!p)
            rc = EXIT_BADINPUT;
        else if (sa.list)
            rc = list_runs(p, a.db, sa.missing);
        else
            rc = run_sweep(p, &sa, &a);
        sweep_plan_free(p);
    }
    free(a.sets);
    free(sa.sbatch);
    return rc;
}
