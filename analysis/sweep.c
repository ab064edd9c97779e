/*
 * analysis/sweep.c: the sweep runner (see analysis/sweep.h and
 * docs/experiments.md).
 *
 * Enumeration follows OMNeT++ parameter studies (ch-config-sim.tex,
 * "Parameter Studies"): iteration variables nest in the order written, the
 * last varying fastest, and the repetition is innermost. Resume follows
 * SEM's run_missing_simulations: the runs whose names are missing from the
 * database are the ones to do, so calling again is idempotent.
 *
 * Workers (jobs > 1) are forked processes. They share, in an anonymous
 * MAP_SHARED mapping, a counter from which each claims the next missing
 * run (a queue without a feeder), the counts of finished runs and, per
 * worker, the run in flight and how far it is (for the progress line). A
 * failed run's message travels to the parent through a pipe as a
 * fixed-size record (below PIPE_BUF, so writes from several workers never
 * interleave); the pipe's end of file tells the parent that every worker
 * has gone. Each worker opens its own SQLite connection after the fork (a
 * connection must not cross a fork) and writes each run in one transaction
 * (BEGIN IMMEDIATE, which waits on the busy timeout while another worker
 * commits). The workers are started and stopped by analysis/workers.h: a
 * worker dies with its parent, and an interruption of the parent alone
 * reaches them, so either loses only the runs in flight.
 *
 * Simplified: the ETA assumes every remaining run costs what the finished
 * ones did on average; no cost model. Shards and clusters are
 * analysis/cluster.c's, through sweep_opts.only.
 */
#define _DEFAULT_SOURCE 1       /* MAP_ANONYMOUS */

#include "analysis/sweep.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "analysis/store.h"
#include "analysis/workers.h"
#include "sim/err.h"
#include "analysis/record.h"
#include "sim/host/run.h"

#define SWEEP_MAX_RUNS 1000000      /* runs in one plan */
#define PROGRESS_PERIOD_S 0.2       /* s between progress calls */
#define POLL_MS 100                 /* ms, parent's wait for worker messages */

struct plan_run {
    uint64_t point;                 /* point index, 0 .. npoints-1 */
    uint32_t rep;                   /* replication */
    char name[256];                 /* runName */
};

struct sweep_plan {
    char *name;                     /* scenario file name, for messages */
    char *text;                     /* the scenario as read */
    size_t len;                     /* bytes of text */
    char **sets;                    /* copies of the --set strings */
    size_t nsets;
    bool have_seed;
    uint64_t seed;
    struct scn_prep *prep;          /* the scenario parsed once; points are built from it */
    const struct scn *base;         /* the scenario without a point (prep's) */
    int *axes;                      /* indices into base->sweep of the swept axes */
    size_t naxes;
    int *fixed;                     /* indices of the axes fixed by --set */
    size_t nfixed;
    uint64_t npoints;
    bool points_built;              /* every point was built (and so validated) by the plan */
    struct plan_run *runs;
    size_t nruns;
};

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ------------------------------------------------------------------------
 * Plans
 */

/* Whether a --set string ("PATH=VALUE", spaces allowed around PATH) names
 * this path. */
static bool set_names(const char *set, const char *path)
{
    while (*set == ' ')
        set++;
    const char *eq = strchr(set, '=');
    if (!eq)
        return false;
    const char *end = eq;
    while (end > set && end[-1] == ' ')
        end--;
    return (size_t)(end - set) == strlen(path) && !memcmp(set, path, strlen(path));
}

/* The full sweep_index (one per axis of the base) of a point. */
static void point_index(const struct sweep_plan *p, uint64_t point, int *idx)
{
    for (int a = 0; a < p->base->nsweep; a++)
        idx[a] = 0;
    for (size_t k = p->naxes; k-- > 0;) {
        int a = p->axes[k];
        uint64_t n = (uint64_t)p->base->sweep[a].nvalues;
        idx[a] = (int)(point % n);
        point /= n;
    }
}

/* A point's scenario, built from the parse tree the plan keeps (the YAML
 * is not read again); with `full` false, without its copy of the sweep
 * (scn_prep_settings: enough to name its runs). */
static struct scn *load_point(const struct sweep_plan *p, uint64_t point, bool full,
                              struct scn_diags **diags)
{
    *diags = NULL;
    int *idx = calloc((size_t)p->base->nsweep + 1, sizeof *idx);
    if (!idx)
        return NULL;
    point_index(p, point, idx);
    struct scn *s = full ? scn_prep_point(p->prep, idx, diags)
                         : scn_prep_settings(p->prep, idx, diags);
    free(idx);
    return s;
}

/* Whether a swept path is one of the settings a run name is made of
 * besides the point itself (the scenario's name, seed and replications;
 * the hash is the base's for every point). */
static bool names_runs(const char *path)
{
    return !strcmp(path, "name") || !strcmp(path, "seed") || !strcmp(path, "replications");
}

int sweep_plan_point(const struct sweep_plan *p, uint64_t point, struct run_itervar *out,
                     size_t nout)
{
    if (point >= p->npoints || nout < p->naxes)
        return -SIM_EINVAL;
    int *idx = calloc((size_t)p->base->nsweep + 1, sizeof *idx);
    if (!idx)
        return -SIM_ENOMEM;
    point_index(p, point, idx);
    for (size_t k = 0; k < p->naxes; k++) {
        const struct scn_sweep_axis *ax = &p->base->sweep[p->axes[k]];
        out[k] = (struct run_itervar){ ax->path, ax->values[idx[p->axes[k]]] };
    }
    free(idx);
    return 0;
}

static int cmp_name(const void *a, const void *b)
{
    const struct plan_run *x = *(const struct plan_run *const *)a;
    const struct plan_run *y = *(const struct plan_run *const *)b;
    return strcmp(x->name, y->name);
}

/* Two points that render alike (e.g. [1, 1]) would share their runs. */
static int check_unique(struct sweep_plan *p, char *err, size_t errlen)
{
    const struct plan_run **v = malloc((p->nruns + 1) * sizeof *v);
    if (!v) {
        sim_errmsg(err, errlen, "out of memory");
        return -SIM_ENOMEM;
    }
    for (size_t i = 0; i < p->nruns; i++)
        v[i] = &p->runs[i];
    qsort(v, p->nruns, sizeof *v, cmp_name);
    int rc = 0;
    for (size_t i = 1; i < p->nruns && rc == 0; i++)
        if (!strcmp(v[i - 1]->name, v[i]->name)) {
            sim_errmsg(err, errlen, "sweep points %" PRIu64 " and %" PRIu64 " give the same run "
                "name '%s' (a value is listed twice?)", v[i - 1]->point, v[i]->point,
                v[i]->name);
            rc = -SIM_EBADINPUT;
        }
    free(v);
    return rc;
}

/* Every run's name. Unless an axis varies a setting the names are made of
 * (names_runs), each point names its runs as the base does, with its own
 * values: no point is built. Otherwise each point is built from the kept
 * parse tree. Either way the cost is linear in the points. */
static int plan_runs(struct sweep_plan *p, struct scn_diags **diags, char *err, size_t errlen)
{
    size_t cap = 0;
    bool build = false;
    for (size_t k = 0; k < p->naxes; k++)
        build = build || names_runs(p->base->sweep[p->axes[k]].path);
    struct run_itervar *pt = calloc(p->naxes + 1, sizeof *pt);
    if (!pt)
        goto oom;
    for (uint64_t point = 0; point < p->npoints; point++) {
        struct scn *built = build ? load_point(p, point, false, diags) : NULL;
        if (build && !built) {
            free(pt);
            if (!*diags)
                goto oom_nofree;
            return -SIM_EBADINPUT;
        }
        const struct scn *s = build ? built : p->base;
        uint64_t seed = p->have_seed ? p->seed : s->seed;
        if (sweep_plan_point(p, point, pt, p->naxes) < 0) {
            scn_free(built);
            goto oom;
        }
        if (p->nruns + (size_t)s->replications > SWEEP_MAX_RUNS) {
            sim_errmsg(err, errlen, "the sweep has more than %d runs", SWEEP_MAX_RUNS);
            scn_free(built);
            free(pt);
            return -SIM_ERANGE;
        }
        for (int r = 0; r < s->replications; r++) {
            if (p->nruns == cap) {
                size_t nc = cap ? cap * 2 : 16;
                struct plan_run *nr = realloc(p->runs, nc * sizeof *nr);
                if (!nr) {
                    scn_free(built);
                    goto oom;
                }
                p->runs = nr;
                cap = nc;
            }
            struct plan_run *pr = &p->runs[p->nruns++];
            pr->point = point;
            pr->rep = (uint32_t)r;
            run_name_at(s, seed, (uint32_t)r, pt, p->naxes, pr->name, sizeof pr->name);
        }
        scn_free(built);
    }
    free(pt);
    p->points_built = build;
    return check_unique(p, err, errlen);
oom:
    free(pt);
oom_nofree:
    sim_errmsg(err, errlen, "out of memory");
    return -SIM_ENOMEM;
}

struct sweep_plan *sweep_plan_new(const char *name, const char *text, size_t len,
                                  const struct sweep_plan_opts *o, struct scn_diags **diags,
                                  char *err, size_t errlen)
{
    *diags = NULL;
    sim_errmsg(err, errlen, "%s", "");
    struct sweep_plan *p = calloc(1, sizeof *p);
    if (!p)
        goto oom;
    size_t nsets = o ? o->nsets : 0;
    p->name = strdup(name);
    p->text = malloc(len + 1);
    p->sets = calloc(nsets + 1, sizeof *p->sets);
    if (!p->name || !p->text || !p->sets)
        goto oom;
    memcpy(p->text, text, len);
    p->text[len] = '\0';
    p->len = len;
    for (size_t i = 0; i < nsets; i++) {
        if (!(p->sets[i] = strdup(o->sets[i])))
            goto oom;
        p->nsets++;
    }
    p->have_seed = o && o->have_seed;
    p->seed = o ? o->seed : 0;
    struct scn_load_opts lo = { .sets = (const char *const *)p->sets, .nsets = p->nsets };
    p->prep = scn_prep_buffer(p->name, p->text, p->len, &lo, diags);
    if (!p->prep) {
        if (!*diags)
            goto oom;
        sweep_plan_free(p);
        return NULL;
    }
    p->base = scn_prep_base(p->prep);
    int nsw = p->base->nsweep;
    p->axes = calloc((size_t)nsw + 1, sizeof *p->axes);
    p->fixed = calloc((size_t)nsw + 1, sizeof *p->fixed);
    if (!p->axes || !p->fixed)
        goto oom;
    p->npoints = 1;
    for (int a = 0; a < nsw; a++) {
        bool fixed = false;
        for (size_t i = 0; i < p->nsets; i++)
            fixed = fixed || set_names(p->sets[i], p->base->sweep[a].path);
        if (fixed) {
            p->fixed[p->nfixed++] = a;
            continue;
        }
        p->axes[p->naxes++] = a;
        uint64_t n = (uint64_t)p->base->sweep[a].nvalues;
        if (p->npoints > SWEEP_MAX_RUNS / n) {
            sim_errmsg(err, errlen, "the sweep has more than %d points", SWEEP_MAX_RUNS);
            sweep_plan_free(p);
            return NULL;
        }
        p->npoints *= n;
    }
    if (plan_runs(p, diags, err, errlen) < 0) {
        sweep_plan_free(p);
        return NULL;
    }
    return p;
oom:
    sim_errmsg(err, errlen, "out of memory");
    sweep_plan_free(p);
    return NULL;
}

struct sweep_plan *sweep_plan_load(const char *path, const struct sweep_plan_opts *o,
                                   struct scn_diags **diags, char *err, size_t errlen)
{
    *diags = NULL;
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t len = 0, cap = 0;
    bool ok = f != NULL;
    while (ok) {
        if (len == cap) {
            cap = cap ? cap * 2 : 8192;
            char *nb = cap <= (64u << 20) ? realloc(buf, cap) : NULL;
            if (!nb) {
                ok = false;
                break;
            }
            buf = nb;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0) {
            ok = !ferror(f);
            break;
        }
    }
    if (f)
        fclose(f);
    if (!ok) {
        /* Let the loader say what is wrong with the file, in its words. */
        free(buf);
        struct scn *s = scn_load(path, NULL, diags);
        if (s) {
            scn_free(s);
            sim_errmsg(err, errlen, "%s: cannot read the scenario", path);
        }
        return NULL;
    }
    struct sweep_plan *p = sweep_plan_new(o && o->origin ? o->origin : path, buf ? buf : "",
                                          len, o, diags, err, errlen);
    free(buf);
    return p;
}

void sweep_plan_free(struct sweep_plan *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->nsets; i++)
        free(p->sets[i]);
    free(p->sets);
    free(p->name);
    free(p->text);
    scn_prep_free(p->prep);
    free(p->axes);
    free(p->fixed);
    free(p->runs);
    free(p);
}

const struct scn *sweep_plan_scn(const struct sweep_plan *p)
{
    return p->base;
}

uint64_t sweep_plan_points(const struct sweep_plan *p)
{
    return p->npoints;
}

size_t sweep_plan_runs(const struct sweep_plan *p)
{
    return p->nruns;
}

size_t sweep_plan_naxes(const struct sweep_plan *p)
{
    return p->naxes;
}

const char *sweep_plan_axis(const struct sweep_plan *p, size_t k)
{
    return k < p->naxes ? p->base->sweep[p->axes[k]].path : NULL;
}

size_t sweep_plan_nfixed(const struct sweep_plan *p)
{
    return p->nfixed;
}

const char *sweep_plan_fixed(const struct sweep_plan *p, size_t k)
{
    return k < p->nfixed ? p->base->sweep[p->fixed[k]].path : NULL;
}

const char *sweep_plan_run_name(const struct sweep_plan *p, size_t i)
{
    return i < p->nruns ? p->runs[i].name : NULL;
}

int sweep_plan_run(const struct sweep_plan *p, size_t i, uint64_t *point, uint32_t *rep)
{
    if (i >= p->nruns)
        return -SIM_EINVAL;
    if (point)
        *point = p->runs[i].point;
    if (rep)
        *rep = p->runs[i].rep;
    return 0;
}

const char *sweep_plan_text(const struct sweep_plan *p, size_t *len)
{
    if (len)
        *len = p->len;
    return p->text;
}

struct scn *sweep_plan_load_run(const struct sweep_plan *p, size_t i, struct scn_diags **diags)
{
    *diags = NULL;
    if (i >= p->nruns)
        return NULL;
    return load_point(p, p->runs[i].point, true, diags);
}

/* ------------------------------------------------------------------------
 * Execution
 */

/* What the workers share (MAP_SHARED when forked). Accessed only through
 * __atomic builtins. */
struct slot {
    int64_t run;                    /* plan index of the run in flight, -1: none */
    uint32_t permille;              /* how far that run is, 0..1000 */
};

struct shared {
    uint64_t next;                  /* next index into pending[] to claim */
    uint64_t done, skipped, failed; /* runs finished so */
    struct slot slot[];             /* one per worker */
};

/* A failed run, from a worker to the parent; smaller than PIPE_BUF. */
struct msg {
    uint64_t run;                   /* plan index; UINT64_MAX: no run */
    int32_t rc;
    char text[480];
};

struct exec {
    const struct sweep_plan *p;
    const struct sweep_opts *o;
    size_t ntotal;                  /* runs to do, recorded ones included */
    size_t *pending;                /* plan indices of the runs to do */
    size_t npending;
    size_t existing;
    int jobs;
    struct shared *sh;
    size_t shsize;                  /* bytes of the mapping */
    bool forked;                    /* in a worker process */
    int msg_fd;                     /* worker: the pipe's write end */
    double t0;                      /* wall clock at the start, s */
    double last;                    /* wall clock of the last progress call, s */
    struct sweep_failure *failures;
    size_t nfailures, capfailures;
    bool oom;
};

struct worker_ctx {
    struct exec *x;
    int w;
};

static void status_now(struct exec *x, struct sweep_status *st)
{
    memset(st, 0, sizeof *st);
    st->total = x->ntotal;
    st->existing = x->existing;
    st->done = (size_t)__atomic_load_n(&x->sh->done, __ATOMIC_SEQ_CST);
    st->skipped = (size_t)__atomic_load_n(&x->sh->skipped, __ATOMIC_SEQ_CST);
    st->failed = (size_t)__atomic_load_n(&x->sh->failed, __ATOMIC_SEQ_CST);
    double frac = 0;
    for (int w = 0; w < x->jobs; w++)
        if (__atomic_load_n(&x->sh->slot[w].run, __ATOMIC_SEQ_CST) >= 0) {
            st->running++;
            frac += __atomic_load_n(&x->sh->slot[w].permille, __ATOMIC_SEQ_CST) / 1000.0;
        }
    double now = wall_now();
    st->elapsed_s = now - x->t0;
    /* Work units: simulated runs (failed ones count as spent), plus the
     * fractions of those in flight; skipped runs cost nothing. */
    double work = (double)(x->npending - st->skipped);
    double spent = (double)(st->done + st->failed) + frac;
    st->eta_s = spent > 0 && st->elapsed_s > 0 ? st->elapsed_s * (work - spent) / spent : NAN;
    if (st->eta_s < 0)
        st->eta_s = 0;
}

static void report_progress(struct exec *x, bool final)
{
    if (!x->o->progress || x->forked)
        return;
    double now = wall_now();
    if (!final && now - x->last < PROGRESS_PERIOD_S)
        return;
    x->last = now;
    struct sweep_status st;
    status_now(x, &st);
    x->o->progress(x->o->progress_ctx, &st);
}

static void add_failure(struct exec *x, size_t run, int rc, const char *text)
{
    if (x->nfailures == x->capfailures) {
        size_t nc = x->capfailures ? x->capfailures * 2 : 8;
        struct sweep_failure *nf = realloc(x->failures, nc * sizeof *nf);
        if (!nf) {
            x->oom = true;
            return;
        }
        x->failures = nf;
        x->capfailures = nc;
    }
    struct sweep_failure *f = &x->failures[x->nfailures++];
    f->run = run;
    f->rc = rc;
    snprintf(f->msg, sizeof f->msg, "%s", text);
}

/* A failure: in a worker, to the parent through the pipe. */
static void report_failure(struct exec *x, size_t run, int rc, const char *text)
{
    if (!x->forked) {
        add_failure(x, run, rc, text);
        return;
    }
    struct msg m;
    memset(&m, 0, sizeof m);
    m.run = run == SIZE_MAX ? UINT64_MAX : (uint64_t)run;
    m.rc = rc;
    snprintf(m.text, sizeof m.text, "%s", text);
    const char *b = (const char *)&m;
    size_t left = sizeof m;
    while (left > 0) {
        ssize_t n = write(x->msg_fd, b, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        b += n;
        left -= (size_t)n;
    }
}

static void on_run_progress(void *ctx, double fraction)
{
    struct worker_ctx *wc = ctx;
    uint32_t pm = fraction <= 0 ? 0 : fraction >= 1 ? 1000 : (uint32_t)(fraction * 1000.0);
    __atomic_store_n(&wc->x->sh->slot[wc->w].permille, pm, __ATOMIC_SEQ_CST);
    report_progress(wc->x, false);
}

static bool interrupted(const struct exec *x)
{
    return x->o->interrupted && *x->o->interrupted;
}

/* Simulate and record run i. *skipped: it was in the database already. */
static int run_one(struct exec *x, size_t i, struct store *db, struct worker_ctx *wc,
                   bool *skipped, char *err, size_t errlen)
{
    const struct sweep_plan *p = x->p;
    struct scn_diags *d = NULL;
    struct scn *s = sweep_plan_load_run(p, i, &d);
    if (!s) {
        sim_errmsg(err, errlen, "%s", d && scn_diags_count(d) ? scn_diags_message(d, 0)
                                                      : "out of memory loading the scenario");
        scn_diags_free(d);
        return d ? -SIM_EBADINPUT : -SIM_ENOMEM;
    }
    struct run_itervar *pt = calloc(p->naxes + 1, sizeof *pt);
    if (!pt || sweep_plan_point(p, p->runs[i].point, pt, p->naxes) < 0) {
        free(pt);
        scn_free(s);
        sim_errmsg(err, errlen, "out of memory");
        return -SIM_ENOMEM;
    }
    struct run_opts ro = {
        .seed = p->have_seed ? p->seed : s->seed,
        .replication = p->runs[i].rep,
        .progress = on_run_progress,
        .progress_ctx = wc,
        .interrupted = x->o->interrupted,
        .point = pt,
        .npoint = p->naxes,
    };
    struct run_result res;
    int rc = run_replication(s, &ro, db, &res, err, errlen);
    if (rc == 0) {
        *skipped = res.skipped;
        run_result_free(&res);
    } else if (rc == -SIM_EDB) {
        /* Another process (a second sweep into the same file) may have
         * committed the same run meanwhile: then it is done. */
        bool exists = false;
        if (store_has_run(db, p->runs[i].name, &exists) == 0 && exists) {
            *skipped = true;
            rc = 0;
        }
    }
    free(pt);
    scn_free(s);
    return rc;
}

/* Claim and run missing runs until none is left or the sweep stops. */
static void work(struct exec *x, int w, struct store *db, pid_t parent)
{
    struct worker_ctx wc = { x, w };
    struct shared *sh = x->sh;
    for (;;) {
        if (interrupted(x))
            break;
        if (x->forked && getppid() != parent)
            break;
        uint64_t k = __atomic_fetch_add(&sh->next, 1, __ATOMIC_SEQ_CST);
        if (k >= x->npending)
            break;
        size_t i = x->pending[k];
        __atomic_store_n(&sh->slot[w].permille, 0, __ATOMIC_SEQ_CST);
        __atomic_store_n(&sh->slot[w].run, (int64_t)i, __ATOMIC_SEQ_CST);
        bool skipped = false;
        char err[480] = "";
        int rc = run_one(x, i, db, &wc, &skipped, err, sizeof err);
        if (rc == -SIM_ESTATE && interrupted(x)) {
            __atomic_store_n(&sh->slot[w].run, -1, __ATOMIC_SEQ_CST);
            break;                  /* not run: nothing of it was written */
        }
        if (rc == 0) {
            __atomic_fetch_add(skipped ? &sh->skipped : &sh->done, 1, __ATOMIC_SEQ_CST);
        } else {
            report_failure(x, i, rc, err);
            __atomic_fetch_add(&sh->failed, 1, __ATOMIC_SEQ_CST);
        }
        __atomic_store_n(&sh->slot[w].run, -1, __ATOMIC_SEQ_CST);
        report_progress(x, false);
    }
}

/* What a worker process needs (analysis/workers.h). */
struct worker_args {
    struct exec *x;
    int rd, wr;                     /* the pipe to the parent */
    pid_t parent;
};

/* The body of worker process w; its exit status. */
static int worker_main(void *ctx, int w)
{
    struct worker_args *wa = ctx;
    struct exec *x = wa->x;
    close(wa->rd);
    x->forked = true;
    x->msg_fd = wa->wr;
    char err[480] = "";
    struct store *db = store_open(x->o->db_path, err, sizeof err);
    if (!db) {
        report_failure(x, SIZE_MAX, -SIM_EDB, err);
        return 1;
    }
    work(x, w, db, wa->parent);
    store_close(db);
    return 0;
}

/* Read whole records from the workers' pipe into the failure list; false
 * at end of file (every worker has gone) or on a read error. */
static bool drain(struct exec *x, int fd, char *buf, size_t *have)
{
    ssize_t n = read(fd, buf + *have, sizeof(struct msg) * 8 - *have);
    if (n < 0)
        return errno == EINTR || errno == EAGAIN;
    if (n == 0)
        return false;
    *have += (size_t)n;
    size_t off = 0;
    while (*have - off >= sizeof(struct msg)) {
        struct msg m;
        memcpy(&m, buf + off, sizeof m);
        m.text[sizeof m.text - 1] = '\0';
        add_failure(x, m.run == UINT64_MAX ? SIZE_MAX : (size_t)m.run, m.rc, m.text);
        off += sizeof m;
    }
    memmove(buf, buf + off, *have - off);
    *have -= off;
    return true;
}

static int exec_forked(struct exec *x, char *err, size_t errlen)
{
    int fds[2];
    if (pipe(fds) < 0) {
        sim_errmsg(err, errlen, "cannot create a pipe: %s", strerror(errno));
        return -SIM_EIO;
    }
    struct worker_args wa = { x, fds[0], fds[1], getpid() };
    struct workers ws;
    int rc = workers_start(&ws, x->jobs, worker_main, &wa, x->o->interrupted);
    if (rc == -SIM_ENOMEM) {
        close(fds[0]);
        close(fds[1]);
        sim_errmsg(err, errlen, "out of memory");
        return rc;
    }
    if (rc < 0)
        sim_errmsg(err, errlen, "cannot start worker %d: %s", ws.n + 1, strerror(errno));
    close(fds[1]);
    if (rc < 0) {
        /* Stop those already started: they claim nothing more. */
        __atomic_store_n(&x->sh->next, (uint64_t)x->npending, __ATOMIC_SEQ_CST);
    }
    char buf[sizeof(struct msg) * 8];
    size_t have = 0;
    for (;;) {
        struct pollfd pf = { .fd = fds[0], .events = POLLIN };
        int n = poll(&pf, 1, POLL_MS);
        if (n > 0 && !drain(x, fds[0], buf, &have))
            break;
        if (n < 0 && errno != EINTR)
            break;
        workers_check(&ws);
        report_progress(x, false);
    }
    close(fds[0]);
    workers_wait(&ws);
    for (int w = 0; w < ws.n; w++) {
        int status = ws.status[w];
        bool clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
        if (clean || ws.stopping)
            continue;
        /* A worker that died in a run: that run failed (it left nothing). */
        int64_t run = __atomic_load_n(&x->sh->slot[w].run, __ATOMIC_SEQ_CST);
        if (run >= 0) {
            char why[128];
            if (WIFSIGNALED(status))
                sim_errmsg(why, sizeof why, "worker process killed by signal %d", WTERMSIG(status));
            else
                sim_errmsg(why, sizeof why, "worker process exited with status %d",
                    WEXITSTATUS(status));
            add_failure(x, (size_t)run, -SIM_EIO, why);
            __atomic_fetch_add(&x->sh->failed, 1, __ATOMIC_SEQ_CST);
            __atomic_store_n(&x->sh->slot[w].run, -1, __ATOMIC_SEQ_CST);
        }
    }
    workers_free(&ws);
    return rc;
}

static int cmp_failure(const void *a, const void *b)
{
    const struct sweep_failure *x = a, *y = b;
    return x->run < y->run ? -1 : x->run > y->run;
}

/* Every point of the runs to do is validated before the first run, so that
 * a bad combination of values stops the sweep before anything is simulated
 * (the plan checks every value alone, and every combination only of small
 * sweeps; see scn_load_buffer). Linear in the runs to do: no re-parse. */
static int check_points(const struct sweep_plan *p, const size_t *runs, size_t n, char *err,
                        size_t errlen)
{
    if (p->base->nsweep == 0)
        return 0;
    int *idx = calloc((size_t)p->base->nsweep, sizeof *idx);
    if (!idx) {
        sim_errmsg(err, errlen, "out of memory");
        return -SIM_ENOMEM;
    }
    int rc = 0;
    for (size_t k = 0; k < n && rc == 0; k++) {
        uint64_t pt = p->runs[runs[k]].point;
        if (k > 0 && pt == p->runs[runs[k - 1]].point)
            continue;
        point_index(p, pt, idx);
        struct scn_diags *d = NULL;
        rc = scn_prep_check(p->prep, idx, &d);
        if (rc < 0)
            sim_errmsg(err, errlen, "%s", d ? scn_diags_message(d, 0) : "out of memory");
        scn_diags_free(d);
    }
    free(idx);
    return rc;
}

int sweep_exec(const struct sweep_plan *p, const struct sweep_opts *o, struct sweep_result *out,
               char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    size_t ntotal = o->only ? o->nonly : p->nruns;
    out->st.total = ntotal;
    sim_errmsg(err, errlen, "%s", "");
    if (!o->db_path || o->jobs < 1 || o->jobs > SWEEP_MAX_JOBS) {
        sim_errmsg(err, errlen, "jobs must be 1 .. %d and a database given", SWEEP_MAX_JOBS);
        return -SIM_EINVAL;
    }
    for (size_t k = 0; o->only && k < o->nonly; k++)
        if (o->only[k] >= p->nruns) {
            sim_errmsg(err, errlen, "run index %zu out of range (the plan has %zu runs)", o->only[k],
                p->nruns);
            return -SIM_EINVAL;
        }
    struct exec x = { .p = p, .o = o, .msg_fd = -1, .ntotal = ntotal };
    x.t0 = wall_now();
    x.last = x.t0;
    /* The parent creates the file and its schema before any worker opens
     * it, and finds the runs already recorded. */
    struct store *db = store_open(o->db_path, err, errlen);
    if (!db) {
        return -SIM_EDB;
    }
    x.pending = malloc((ntotal + 1) * sizeof *x.pending);
    if (!x.pending) {
        store_close(db);
        sim_errmsg(err, errlen, "out of memory");
        return -SIM_ENOMEM;
    }
    for (size_t k = 0; k < ntotal; k++) {
        size_t i = o->only ? o->only[k] : k;
        bool exists = false;
        if (store_has_run(db, p->runs[i].name, &exists) < 0) {
            sim_errmsg(err, errlen, "%s: %s", o->db_path, store_errmsg(db));
            store_close(db);
            free(x.pending);
            return -SIM_EDB;
        }
        if (exists)
            x.existing++;
        else
            x.pending[x.npending++] = i;
    }
    out->st.existing = x.existing;
    if (x.existing && !o->resume) {
        sim_errmsg(err, errlen, "%s already holds %zu of the %zu runs of this sweep", o->db_path,
            x.existing, ntotal);
        store_close(db);
        free(x.pending);
        return -SIM_EEXIST;
    }
    int rc = p->points_built ? 0 : check_points(p, x.pending, x.npending, err, errlen);
    if (rc < 0) {
        store_close(db);
        free(x.pending);
        return rc;
    }
    x.jobs = o->jobs < (int)x.npending ? o->jobs : (int)(x.npending ? x.npending : 1);
    x.shsize = sizeof(struct shared) + (size_t)x.jobs * sizeof(struct slot);
    if (x.jobs == 1) {
        x.sh = calloc(1, x.shsize);
    } else {
        void *m = mmap(NULL, x.shsize, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        x.sh = m == MAP_FAILED ? NULL : m;
    }
    if (!x.sh) {
        store_close(db);
        free(x.pending);
        sim_errmsg(err, errlen, "out of memory");
        return -SIM_ENOMEM;
    }
    for (int w = 0; w < x.jobs; w++)
        x.sh->slot[w].run = -1;
    if (x.jobs == 1) {
        work(&x, 0, db, getpid());
        store_close(db);
    } else {
        bool created = store_created(db);
        store_close(db);            /* a connection must not cross a fork */
        rc = exec_forked(&x, err, errlen);
        /* A file this sweep created, whose runs failed without a worker
         * recording one, goes, as it does when they fail in this process. */
        if (created && x.nfailures)
            store_drop_unused(o->db_path);
    }
    report_progress(&x, true);
    status_now(&x, &out->st);
    out->st.running = 0;
    out->st.eta_s = 0;
    size_t finished = out->st.done + out->st.skipped + out->st.failed;
    out->not_run = x.npending > finished ? x.npending - finished : 0;
    if (x.failures)
        qsort(x.failures, x.nfailures, sizeof *x.failures, cmp_failure);
    out->failures = x.failures;
    out->nfailures = x.nfailures;
    if (x.jobs == 1)
        free(x.sh);
    else
        munmap(x.sh, x.shsize);
    free(x.pending);
    if (rc < 0)
        return rc;
    if (x.oom) {
        sim_errmsg(err, errlen, "out of memory recording failures");
        return -SIM_ENOMEM;
    }
    if (out->not_run && interrupted(&x)) {
        sim_errmsg(err, errlen, "interrupted");
        return -SIM_ESTATE;
    }
    if (out->nfailures)
        return out->failures[0].rc < 0 ? out->failures[0].rc : -SIM_EIO;
    if (out->not_run) {
        sim_errmsg(err, errlen, "%zu runs were not run", out->not_run);
        return -SIM_ESTATE;
    }
    return 0;
}

void sweep_result_free(struct sweep_result *r)
{
    if (!r)
        return;
    free(r->failures);
    r->failures = NULL;
    r->nfailures = 0;
}
