/*
 * analysis/compare.c: a scheduler comparison study (see
 * analysis/compare.h for the statistics: Student-t intervals per
 * scheduler, paired t-tests against the first scheduler under common
 * random numbers).
 *
 * The runs go through the run driver (sim/host/run.h) into the database; the
 * numbers are then read back from the database with plain SQL on a
 * read-only connection, so that runs recorded by an earlier call (and
 * skipped now) count exactly like new ones. Each run's rows are filtered
 * to the chosen metrics and collected as (module, metric, scheduler,
 * replication, value) tuples, sorted, and reduced per (module, metric).
 *
 * Simplified: modules are ordered by the first scenario's domain order,
 * then any other module (pCPUs, devices, machine) by name.
 */
#include "analysis/compare.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_statistics_double.h>
#include <sqlite3.h>

#include "sim/stats.h"
#include "analysis/store.h"
#include "analysis/workers.h"
#include "sim/err.h"
#include "analysis/record.h"
#include "sim/host/run.h"

const char *const cmp_default_metrics[] = {
    "cpu_share",
    "sched_latency:mean",
    "sched_latency:p99",
    "io_latency:p99",
    "net_latency:p99",
    "io_ops_per_s",
    "requests_per_s",
    "late_periods",
};
const size_t cmp_ndefault_metrics = sizeof cmp_default_metrics / sizeof cmp_default_metrics[0];

double cmp_paired_p(const double *d, size_t n)
{
    if (n < 2)
        return NAN;
    double m = gsl_stats_mean(d, 1, n);
    double sd = gsl_stats_sd_m(d, 1, n, m);
    if (!(sd > 0))
        return m == 0 ? 1.0 : 0.0;
    double t = m / (sd / sqrt((double)n));
    double p = 2.0 * gsl_cdf_tdist_Q(fabs(t), (double)(n - 1));
    return p > 1.0 ? 1.0 : p;
}

void cmp_result_free(struct cmp_result *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nrows; i++) {
        free(r->rows[i].module);
        free(r->rows[i].cells);
    }
    free(r->rows);
    for (size_t i = 0; i < r->nruns; i++)
        free(r->runs[i]);
    free(r->runs);
    memset(r, 0, sizeof *r);
}

struct tuple {
    int rank;                       /* module order */
    char *module;
    int metric;                     /* index in the metric list */
    int sched, rep;
    double v;
};

struct tuples {
    struct tuple *t;
    size_t n, cap;
};

static int cmp_tuple(const void *a, const void *b)
{
    const struct tuple *x = a, *y = b;
    if (x->rank != y->rank)
        return x->rank < y->rank ? -1 : 1;
    int c = strcmp(x->module, y->module);
    if (c)
        return c;
    if (x->metric != y->metric)
        return x->metric < y->metric ? -1 : 1;
    if (x->sched != y->sched)
        return x->sched < y->sched ? -1 : 1;
    return x->rep < y->rep ? -1 : x->rep > y->rep;
}

static int module_rank(const struct scn *s, const char *module)
{
    for (int d = 0; d < s->ndomains; d++)
        if (!strcmp(s->domains[d].name, module))
            return d;
    return s->ndomains;
}

/* The chosen metrics of one run, appended to ts. */
static int read_run(sqlite3_stmt *st, const char *run, int sched, int rep,
                    const struct scn *order, const char *const *metrics, size_t nmetrics,
                    struct tuples *ts)
{
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, run, -1, SQLITE_TRANSIENT);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *mod = (const char *)sqlite3_column_text(st, 0);
        const char *met = (const char *)sqlite3_column_text(st, 1);
        if (!mod || !met || sqlite3_column_type(st, 2) == SQLITE_NULL)
            continue;
        int m = -1;
        for (size_t i = 0; i < nmetrics && m < 0; i++)
            if (!strcmp(metrics[i], met))
                m = (int)i;
        double v = sqlite3_column_double(st, 2);
        if (m < 0 || !isfinite(v))
            continue;
        if (ts->n == ts->cap) {
            size_t cap = ts->cap ? 2 * ts->cap : 256;
            struct tuple *t = realloc(ts->t, cap * sizeof *t);
            if (!t)
                return -SIM_ENOMEM;
            ts->t = t;
            ts->cap = cap;
        }
        char *copy = strdup(mod);
        if (!copy)
            return -SIM_ENOMEM;
        ts->t[ts->n++] = (struct tuple){ module_rank(order, mod), copy, m, sched, rep, v };
    }
    return rc == SQLITE_DONE ? 0 : -SIM_EDB;
}

/* Fill one row's cells from vals[sched * reps + rep] (NAN: absent); x and
 * d are scratch arrays of reps doubles. */
static void summarise(struct cmp_row *row, const double *vals, int nscheds, int reps,
                      double level, double *x, double *d)
{
    for (int s = 0; s < nscheds; s++) {
        struct cmp_cell *c = &row->cells[s];
        int n = 0, m = 0;
        for (int k = 0; k < reps; k++) {
            double v = vals[s * reps + k], v0 = vals[k];
            if (isnan(v))
                continue;
            x[n++] = v;
            if (s > 0 && !isnan(v0))
                d[m++] = v - v0;
        }
        c->n = n;
        c->mean = n ? gsl_stats_mean(x, 1, (size_t)n) : NAN;
        c->half = NAN;
        double mean;
        if (n >= 2 && st_mean_ci(x, (size_t)n, level, &mean, &c->half) < 0)
            c->half = NAN;
        c->npaired = m;
        c->p = s > 0 ? cmp_paired_p(d, (size_t)m) : NAN;
        c->significant = !isnan(c->p) && c->p < 1.0 - level;
    }
}

static int build_rows(struct tuples *ts, int nscheds, int reps, double level,
                      const char *const *metrics, struct cmp_result *out)
{
    if (ts->n)
        qsort(ts->t, ts->n, sizeof *ts->t, cmp_tuple);
    double *vals = malloc((size_t)nscheds * (size_t)reps * sizeof *vals);
    double *x = malloc(2 * (size_t)reps * sizeof *x);
    out->rows = calloc(ts->n ? ts->n : 1, sizeof *out->rows);
    if (!vals || !x || !out->rows) {
        free(vals);
        free(x);
        return -SIM_ENOMEM;
    }
    for (size_t i = 0; i < ts->n;) {
        size_t j = i;
        for (int k = 0; k < nscheds * reps; k++)
            vals[k] = NAN;
        bool nonzero = false;
        while (j < ts->n && ts->t[j].rank == ts->t[i].rank &&
               !strcmp(ts->t[j].module, ts->t[i].module) && ts->t[j].metric == ts->t[i].metric) {
            vals[ts->t[j].sched * reps + ts->t[j].rep] = ts->t[j].v;
            nonzero = nonzero || ts->t[j].v != 0;
            j++;
        }
        if (nonzero) {
            struct cmp_row *row = &out->rows[out->nrows];
            row->cells = calloc((size_t)nscheds, sizeof *row->cells);
            row->module = strdup(ts->t[i].module);
            row->metric = metrics[ts->t[i].metric];
            out->nrows++;
            if (!row->cells || !row->module) {
                free(vals);
                free(x);
                return -SIM_ENOMEM;
            }
            summarise(row, vals, nscheds, reps, level, x, x + reps);
        }
        i = j;
    }
    free(vals);
    free(x);
    return 0;
}

/* What a worker of run_parallel needs. */
struct par_args {
    struct scn *const *scns;
    const struct cmp_opts *o;
    int nruns, jobs;
};

/* Worker k: runs k, k + jobs, ...; exit status 0, 3 interrupted, 1 failed. */
static int par_worker(void *ctx, int k)
{
    const struct par_args *pa = ctx;
    const struct cmp_opts *o = pa->o;
    char werr[512];
    struct store *wdb = store_open(o->db_path, werr, sizeof werr);
    int code = wdb ? 0 : 1;
    for (int i = k; wdb && i < pa->nruns && !code; i += pa->jobs) {
        if (o->interrupted && *o->interrupted) {
            code = 3;
            break;
        }
        struct run_opts ro = { .seed = o->seed, .replication = (uint32_t)(i % o->replications),
                               .interrupted = o->interrupted };
        struct run_result res;
        int rc = run_replication(pa->scns[i / o->replications], &ro, wdb, &res, werr, sizeof werr);
        run_result_free(&res);
        if (rc < 0)
            code = rc == -SIM_ESTATE ? 3 : 1;
    }
    store_close(wdb);
    return code;
}

/*
 * The runs in o->jobs forked workers: worker w simulates runs w, w + jobs,
 * ... of the (scheduler, replication) list, each opening its own
 * connection to the database (WAL; one transaction per run, so writers
 * serialise, as analysis/sweep does); they start and stop as sweep's do
 * (analysis/workers.h). The parent names the runs (run_name
 * is a pure function), counts those already recorded, and waits. A run's
 * rows do not depend on which worker made it, so the table is the same as
 * with one process.
 */
static int run_parallel(struct scn *const *scns, int nscheds, const struct cmp_opts *o,
                        char (*names)[256], struct cmp_result *out, char *err, size_t errlen)
{
    int nruns = nscheds * o->replications;
    struct store *db = store_open(o->db_path, err, errlen);
    if (!db)
        return -SIM_EDB;
    int existing = 0;
    for (int i = 0; i < nruns; i++) {
        bool have = false;
        run_name(scns[i / o->replications], o->seed, (uint32_t)(i % o->replications), names[i],
                 256);
        if (store_has_run(db, names[i], &have) < 0) {
            store_close(db);
            sim_errmsg(err, errlen, "cannot read the results database");
            return -SIM_EDB;
        }
        existing += have;
    }
    bool created = store_created(db);
    store_close(db);                /* a connection must not cross a fork */
    int jobs = o->jobs < nruns ? o->jobs : nruns;
    struct par_args pa = { scns, o, nruns, jobs };
    struct workers ws;
    int rc = workers_start(&ws, jobs, par_worker, &pa, o->interrupted);
    if (rc == -SIM_EIO)
        rc = -SIM_ENOMEM;
    workers_wait(&ws);
    for (int w = 0; w < ws.n; w++) {
        int st = ws.status[w];
        int code = WIFEXITED(st) ? WEXITSTATUS(st) : 1;
        if (code == 3 && rc == 0)
            rc = -SIM_ESTATE;
        else if (code != 0 && code != 3 && !ws.stopping)
            rc = -SIM_EBADINPUT;
    }
    /* Stopped workers may all have been between runs: still interrupted. */
    if (ws.stopping && rc == 0)
        rc = -SIM_ESTATE;
    workers_free(&ws);
    /* A file this compare created, whose runs failed without a worker
     * recording one, goes, as it does when they fail in this process. */
    if (created && rc == -SIM_EBADINPUT)
        store_drop_unused(o->db_path);
    if (rc == -SIM_ENOMEM)
        sim_errmsg(err, errlen, "cannot start the worker processes");
    else if (rc == -SIM_EBADINPUT)
        sim_errmsg(err, errlen, "a run failed in a worker process (rerun with -j 1 to see why)");
    else if (rc < 0)
        sim_errmsg(err, errlen, "interrupted");
    if (rc < 0)
        return rc;
    out->runs_skipped = existing;
    out->runs_done = nruns - existing;
    return 0;
}

static int run_all(struct scn *const *scns, int nscheds, const struct cmp_opts *o,
                   char (*names)[256], struct cmp_result *out, char *err, size_t errlen)
{
    if (o->jobs > 1)
        return run_parallel(scns, nscheds, o, names, out, err, errlen);
    struct store *db = store_open(o->db_path, err, errlen);
    if (!db)
        return -SIM_EDB;
    int rc = 0, total = nscheds * o->replications;
    for (int s = 0; s < nscheds && !rc; s++) {
        for (int k = 0; k < o->replications && !rc; k++) {
            if (o->progress)
                o->progress(o->progress_ctx, s, k, out->runs_done + out->runs_skipped, total);
            struct run_opts ro = { .seed = o->seed, .replication = (uint32_t)k,
                                   .interrupted = o->interrupted };
            struct run_result res;
            rc = run_replication(scns[s], &ro, db, &res, err, errlen);
            if (rc == 0) {
                snprintf(names[s * o->replications + k], 256, "%s", res.name);
                if (res.skipped)
                    out->runs_skipped++;
                else
                    out->runs_done++;
            }
            run_result_free(&res);
        }
    }
    store_close(db);
    return rc;
}

int cmp_run(struct scn *const *scns, int nscheds, const struct cmp_opts *o,
            struct cmp_result *out, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!out)
        return -SIM_EINVAL;
    memset(out, 0, sizeof *out);
    if (!scns || nscheds < 1 || !o || !o->db_path || o->replications < 1 ||
        (o->level != 0 && !(o->level > 0 && o->level < 1))) {
        sim_errmsg(err, errlen, "invalid comparison options");
        return -SIM_EINVAL;
    }
    for (int s = 0; s < nscheds; s++) {
        if (!scns[s]) {
            sim_errmsg(err, errlen, "missing scenario");
            return -SIM_EINVAL;
        }
    }
    const char *const *metrics = o->metrics && o->nmetrics ? o->metrics : cmp_default_metrics;
    size_t nmetrics = o->metrics && o->nmetrics ? o->nmetrics : cmp_ndefault_metrics;
    out->nscheds = nscheds;
    out->reps = o->replications;
    out->level = o->level ? o->level : CMP_LEVEL_DEFAULT;

    size_t nruns = (size_t)nscheds * (size_t)o->replications;
    char (*names)[256] = calloc(nruns, sizeof *names);
    if (!names) {
        sim_errmsg(err, errlen, "out of memory");
        return -SIM_ENOMEM;
    }
    int rc = run_all(scns, nscheds, o, names, out, err, errlen);
    if (rc) {
        free(names);
        return rc;
    }

    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    struct tuples ts = { 0 };
    if (store_open_read(o->db_path, &db, NULL, err, errlen) < 0) {
        rc = -SIM_EDB;
        goto out;
    }
    if (sqlite3_prepare_v2(db,
                           "SELECT s.moduleName, s.scalarName, s.scalarValue"
                           " FROM scalar s JOIN run r ON r.runId = s.runId WHERE r.runName = ?1"
                           " UNION ALL"
                           " SELECT t.moduleName, t.statName || ':mean', t.statMean"
                           " FROM statistic t JOIN run r ON r.runId = t.runId"
                           " WHERE r.runName = ?1", -1, &st, NULL) != SQLITE_OK) {
        sim_errmsg(err, errlen, "%s: %s", o->db_path, sqlite3_errmsg(db));
        rc = -SIM_EDB;
        goto out;
    }
    for (int s = 0; s < nscheds && !rc; s++)
        for (int k = 0; k < o->replications && !rc; k++)
            rc = read_run(st, names[s * o->replications + k], s, k, scns[0], metrics, nmetrics,
                          &ts);
    if (rc) {
        if (rc == -SIM_ENOMEM)
            sim_errmsg(err, errlen, "out of memory");
        else
            sim_errmsg(err, errlen, "%s: %s", o->db_path, sqlite3_errmsg(db));
        goto out;
    }
    rc = build_rows(&ts, nscheds, o->replications, out->level, metrics, out);
    out->runs = calloc(nruns, sizeof *out->runs);
    if (!rc && !out->runs)
        rc = -SIM_ENOMEM;
    for (size_t i = 0; !rc && i < nruns; i++) {
        out->runs[i] = strdup(names[i]);
        if (!out->runs[i])
            rc = -SIM_ENOMEM;
        else
            out->nruns++;
    }
    if (rc)
        sim_errmsg(err, errlen, "out of memory");
out:
    for (size_t i = 0; i < ts.n; i++)
        free(ts.t[i].module);
    free(ts.t);
    sqlite3_finalize(st);
    sqlite3_close(db);
    free(names);
    return rc;
}
