/*
 * analysis/plot.c: the standard figures of a results database as gnuplot
 * scripts with inline data, rendered by running gnuplot (see plot.h and
 * docs/plots.md).
 *
 * Every query is plain SQL on a read-only connection (docs/results.md).
 * The selected runs go into a TEMP table `sel(runId, label)`, label being
 * the run's scheduler, plus its sweep point when it has one: the curves of
 * the latency and CPU-share figures are per label, replications pooled.
 *
 * Scripts find their own directory through ARG0 (gnuplot 5), so
 * `gnuplot DIR/NAME.gp` from anywhere writes DIR/NAME.png. Titles come
 * from scenario and domain names: they are escaped for double quotes and
 * the terminal is noenhanced, so '_' or '^' in a name print as they are.
 *
 * gnuplot runs through posix_spawnp (PATH lookup), one process per
 * script; a non-zero exit status is an error naming the script (gnuplot's
 * own message, with file and line, goes to the caller's stderr). If the
 * program cannot be started the remaining scripts are only written.
 *
 * Simplified: entitlement is a share of the whole machine that ignores
 * placement and per-vCPU caps; at most PLOT_MAX_PANELS domains get a
 * latency panel, PLOT_MAX_RUNS runs a Gantt chart.
 */
#include "analysis/plot.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <sqlite3.h>

#include "sim/stats.h"
#include "analysis/store.h"
#include "config.h"
#include "sim/err.h"
#include "sim/hash.h"
#include "sim/units.h"

extern char **environ;

#define PLOT_MAX_PANELS 12          /* latency panels (domains) per figure */
#define PLOT_MAX_RUNS 8             /* runs that get a Gantt and a runq figure */
#define PLOT_MAX_CURVES 16          /* run-queue curves (pCPUs) per figure */
#define PLOT_MAX_VCPUS (1 << 22)    /* timeline values that get a name from the enum */
#define PLOT_NCOLORS 12
#define PLOT_LAT_MIN_NS 1000.0      /* left edge of the latency CDFs: 1 us */

/* Distinct colours (Tableau 10 and two darker ones), linetypes 1..12. */
static const char *const colors[PLOT_NCOLORS] = {
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
    "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939",
};

static const char *const latency_stats[] = {
    "sched_latency", "io_latency", "net_latency", "evtchn_latency",
};

struct names;

struct pc {
    const struct plot_opts *o;
    struct plot_result *r;
    sqlite3 *db;
    char *err;
    size_t errlen;
    int nsel;                       /* selected runs */
    FILE *f;                        /* script being written */
    char name[128];                 /* its name, without .gp */
    char path[4096];                /* its path */
    int fail;                       /* first rendering or I/O failure */
    struct names *labels;           /* every label, in the order of the runs */
};

static void note(struct pc *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void note(struct pc *c, const char *fmt, ...)
{
    if (!c->o->note)
        return;
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    c->o->note(c->o->note_ctx, buf);
}

static int db_err(struct pc *c, const char *what)
{
    sim_errmsg(c->err, c->errlen, "%s: %s: %s", c->o->db_path, what, sqlite3_errmsg(c->db));
    return -SIM_EDB;
}

static sqlite3_stmt *prep(struct pc *c, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK) {
        db_err(c, "query failed");
        return NULL;
    }
    return st;
}

/* Finalize st, adding the work SQLite did for it to r->db_steps. */
static void fin(struct pc *c, sqlite3_stmt *st)
{
    if (st)
        c->r->db_steps += (uint64_t)sqlite3_stmt_status(st, SQLITE_STMTSTATUS_VM_STEP, 0);
    sqlite3_finalize(st);
}

static const char *col_text(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? (const char *)t : "";
}

/* A string inside gnuplot double quotes. */
static void put_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', f);
        if (*s == '\n')
            fputs("\\n", f);
        else
            fputc(*s, f);
    }
    fputc('"', f);
}

/* A word for a datablock line (no blanks or quotes in it). */
static void put_word(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++)
        fputc(*s == '"' || *s == '\n' ? '\'' : *s, f);
    fputc('"', f);
}

/* --- scripts --------------------------------------------------------- */

/* Start DIR/name.gp: header, colours and the terminal. height in px. */
static int script_open(struct pc *c, const char *name, const char *what, const char *source,
                       int height)
{
    snprintf(c->name, sizeof c->name, "%s", name);
    snprintf(c->path, sizeof c->path, "%s/%s.gp", c->o->out_dir, name);
    c->f = fopen(c->path, "w");
    if (!c->f) {
        sim_errmsg(c->err, c->errlen, "%s: cannot write: %s", c->path, strerror(errno));
        return -SIM_EIO;
    }
    FILE *f = c->f;
    const char *ext = c->o->format == PLOT_SVG ? "svg" : "png";
    fprintf(f, "# xensim plot: %s\n# Data: %s, from the tables %s.\n", what, c->o->db_path,
            source);
    fprintf(f, "# Written by xensim %s. Re-render with `gnuplot %s`: the image goes beside\n"
            "# this script, wherever gnuplot is started. docs/plots.md explains the figure\n"
            "# and how to change it; the data are the datablocks below.\n\n",
            PACKAGE_VERSION, c->path);
    fprintf(f, "here = \"\"\ns = exists(\"ARG0\") ? ARG0 : \"\"\n"
            "while (strstrt(s, \"/\") > 0) { here = here . s[1:strstrt(s, \"/\")]; "
            "s = s[strstrt(s, \"/\") + 1:] }\n");
    if (c->o->format == PLOT_SVG)
        fprintf(f, "set terminal svg size 1000,%d dynamic noenhanced font \"Sans,12\" "
                "background \"white\"\n", height);
    else
        fprintf(f, "set terminal pngcairo size 1000,%d noenhanced font \"Sans,10\"\n", height);
    fprintf(f, "set output here . \"%s.%s\"\n", name, ext);
    for (int i = 0; i < PLOT_NCOLORS; i++)
        fprintf(f, "set linetype %d lc rgb \"%s\" lw 2 pt %d\n", i + 1, colors[i], 7);
    fprintf(f, "set linetype cycle %d\nset grid lc rgb \"#dddddd\"\nset border lc rgb "
            "\"#555555\"\nset key noenhanced\n\n", PLOT_NCOLORS);
    return 0;
}

/* Run gnuplot on the finished script. */
static void render(struct pc *c)
{
    if (!c->o->render || c->r->no_gnuplot)
        return;
    const char *prog = c->o->gnuplot ? c->o->gnuplot : "gnuplot";
    char *argv[] = { (char *)prog, c->path, NULL };
    pid_t pid;
    int rc = posix_spawnp(&pid, prog, NULL, NULL, argv, environ);
    if (rc != 0) {
        c->r->no_gnuplot = true;
        note(c, "cannot run %s (%s): scripts are written but not rendered", prog,
             strerror(rc));
        return;
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            status = -1;
            break;
        }
    }
    if (status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        c->r->rendered++;
        return;
    }
    if (status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 127) {
        /* The shell-less spawn could not exec: same as not installed. */
        c->r->no_gnuplot = true;
        note(c, "cannot run %s: scripts are written but not rendered", prog);
        return;
    }
    if (!c->fail) {
        sim_errmsg(c->err, c->errlen, "gnuplot failed on %s (%s %d)", c->path,
                   WIFEXITED(status) ? "exit status" : "signal",
                   WIFEXITED(status) ? WEXITSTATUS(status)
                   : WIFSIGNALED(status) ? WTERMSIG(status) : -1);
        c->fail = -SIM_ESTATE;
    }
}

static int script_close(struct pc *c)
{
    FILE *f = c->f;
    c->f = NULL;
    fprintf(f, "\nunset output\n");
    bool bad = ferror(f) != 0;
    if (fclose(f) != 0 || bad) {
        sim_errmsg(c->err, c->errlen, "%s: write error", c->path);
        return -SIM_EIO;
    }
    c->r->written++;
    render(c);
    return 0;
}

/* Abandon a script being written (an error or no data after all). */
static void script_drop(struct pc *c)
{
    if (!c->f)
        return;
    fclose(c->f);
    c->f = NULL;
    remove(c->path);
}

/* --- run selection ----------------------------------------------------- */

static bool all_digits(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

static int select_runs(struct pc *c)
{
    if (sqlite3_exec(c->db, "CREATE TEMP TABLE sel (runId INTEGER PRIMARY KEY, label TEXT)",
                     NULL, NULL, NULL) != SQLITE_OK)
        return db_err(c, "cannot make a temporary table");
    static const char ins[] =
        "INSERT OR IGNORE INTO sel SELECT r.runId, CASE WHEN r.sweep_point LIKE"
        " '%scheduler.name=%' THEN replace(r.sweep_point, 'scheduler.name=', '')"
        " ELSE coalesce(r.scheduler, '?') || coalesce(' ' || r.sweep_point, '') END"
        " FROM runs r";
    if (c->o->nruns == 0) {
        if (sqlite3_exec(c->db, ins, NULL, NULL, NULL) != SQLITE_OK)
            return db_err(c, "cannot read the runs");
    } else {
        char sql[256];
        for (size_t i = 0; i < c->o->nruns; i++) {
            const char *id = c->o->runs[i];
            bool num = all_digits(id);
            snprintf(sql, sizeof sql, "%s WHERE r.%s = ?1", ins, num ? "runId" : "runName");
            sqlite3_stmt *st = prep(c, sql);
            if (!st)
                return -SIM_EDB;
            if (num)
                sqlite3_bind_int64(st, 1, strtoll(id, NULL, 10));
            else
                sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
            int rc = sqlite3_step(st);
            fin(c, st);
            if (rc != SQLITE_DONE)
                return db_err(c, "cannot read the runs");
            if (sqlite3_changes(c->db) == 0) {
                /* Already selected, or no such run. */
                snprintf(sql, sizeof sql, "SELECT count(*) FROM run WHERE %s = ?1",
                         num ? "runId" : "runName");
                st = prep(c, sql);
                if (!st)
                    return -SIM_EDB;
                if (num)
                    sqlite3_bind_int64(st, 1, strtoll(id, NULL, 10));
                else
                    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
                bool found = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) > 0;
                fin(c, st);
                if (!found) {
                    sim_errmsg(c->err, c->errlen, "%s: no run with %s '%s'", c->o->db_path,
                               num ? "runId" : "runName", id);
                    return -SIM_EBADINPUT;
                }
            }
        }
    }
    sqlite3_stmt *st = prep(c, "SELECT count(*) FROM sel");
    if (!st)
        return -SIM_EDB;
    c->nsel = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    fin(c, st);
    if (c->nsel == 0) {
        sim_errmsg(c->err, c->errlen, "%s: no runs in the database", c->o->db_path);
        return -SIM_EBADINPUT;
    }
    return 0;
}

/* --- small containers -------------------------------------------------- */

/* A list of distinct strings, in order of first appearance, with a hash
 * index (figures of thousands of domains look names up per point). */
struct names {
    char **v;
    int n, cap;
    int *slot;                      /* open addressing: index + 1, 0 = empty */
    size_t nslot;                   /* a power of two, > 2 n; 0 before the first add */
};

static size_t names_slot(const struct names *ns, const char *s)
{
    size_t i = (size_t)hash_fnv1a64(s) & (ns->nslot - 1);
    while (ns->slot[i] && strcmp(ns->v[ns->slot[i] - 1], s))
        i = (i + 1) & (ns->nslot - 1);
    return i;
}

static int names_find(const struct names *ns, const char *s)
{
    return ns->nslot ? ns->slot[names_slot(ns, s)] - 1 : -1;
}

/* Index of s, added if new; -1 on allocation failure. */
static int names_add(struct names *ns, const char *s)
{
    int i = names_find(ns, s);
    if (i >= 0)
        return i;
    if (ns->n == ns->cap) {
        int cap = ns->cap ? 2 * ns->cap : 16;
        char **v = realloc(ns->v, (size_t)cap * sizeof *v);
        if (!v)
            return -1;
        ns->v = v;
        ns->cap = cap;
    }
    if ((size_t)ns->n * 2 + 2 > ns->nslot) {
        size_t nslot = ns->nslot ? 2 * ns->nslot : 64;
        int *slot = calloc(nslot, sizeof *slot);
        if (!slot)
            return -1;
        free(ns->slot);
        ns->slot = slot;
        ns->nslot = nslot;
        for (int k = 0; k < ns->n; k++)
            ns->slot[names_slot(ns, ns->v[k])] = k + 1;
    }
    if (!(ns->v[ns->n] = strdup(s)))
        return -1;
    ns->slot[names_slot(ns, s)] = ns->n + 1;
    return ns->n++;
}

static void names_free(struct names *ns)
{
    for (int i = 0; i < ns->n; i++)
        free(ns->v[i]);
    free(ns->v);
    free(ns->slot);
    *ns = (struct names){ 0 };
}

/* The linetype of a label: its position among all labels, by first run. */
static int label_lt(const struct pc *c, const char *label)
{
    int i = c->labels ? names_find(c->labels, label) : -1;
    return (i < 0 ? 0 : i) % PLOT_NCOLORS + 1;
}

static int load_labels(struct pc *c, struct names *ns)
{
    c->labels = ns;                 /* freed by plot_all, even on failure */
    sqlite3_stmt *st = prep(c, "SELECT label FROM sel GROUP BY label ORDER BY min(runId)");
    if (!st)
        return -SIM_EDB;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (names_add(ns, col_text(st, 0)) < 0) {
            rc = -SIM_ENOMEM;
            break;
        }
    fin(c, st);
    if (rc != SQLITE_DONE)
        return rc > 0 ? db_err(c, "cannot read the runs") : rc;
    return 0;
}

/* A growable array of doubles. */
struct dvec {
    double *v;
    size_t n, cap;
};

static int dvec_push(struct dvec *d, double x)
{
    if (d->n == d->cap) {
        size_t cap = d->cap ? 2 * d->cap : 64;
        double *v = realloc(d->v, cap * sizeof *v);
        if (!v)
            return -SIM_ENOMEM;
        d->v = v;
        d->cap = cap;
    }
    d->v[d->n++] = x;
    return 0;
}

/* --- figure 1: latency CDFs -------------------------------------------- */

/* Width of the log-linear histogram bin starting at lower (sim/stats.h:
 * 1 ns below ST_HIST_EXACT_BELOW, then ST_HIST_SUB bins per power of two). */
static double bin_width(double lower)
{
    if (lower < ST_HIST_EXACT_BELOW)
        return 1.0;
    int64_t l = (int64_t)lower;
    int k = 63 - __builtin_clzll((unsigned long long)l);
    return ldexp(1.0, k - 7);
}

struct curve {
    int panel, label;               /* indexes into the domain and label lists */
    struct dvec x, y;               /* ns upper edge, cumulative count */
};

static int fig_latency(struct pc *c, const char *stat)
{
    /* The domains in the order of their first statistic, computed once
     * (statistic has no index by name, so a per-row lookup would scan it
     * for every output row: labels x bins x all statistics). */
    sqlite3_stmt *st = prep(c,
        "WITH dom_order AS (SELECT moduleName, min(statId) AS first FROM statistic"
        "  WHERE statName = ?1 GROUP BY moduleName)"
        " SELECT st.moduleName, sel.label, b.lowerEdge, sum(b.binValue)"
        " FROM histogramBin b JOIN statistic st ON st.statId = b.statId"
        " JOIN sel ON sel.runId = st.runId"
        " JOIN dom_order o ON o.moduleName = st.moduleName"
        " WHERE st.statName = ?1 AND b.binValue > 0 AND b.lowerEdge > -1e308"
        " GROUP BY st.moduleName, sel.label, b.lowerEdge"
        " ORDER BY o.first, sel.label, b.lowerEdge");
    if (!st)
        return -SIM_EDB;
    sqlite3_bind_text(st, 1, stat, -1, SQLITE_STATIC);
    struct names doms = { 0 }, labels = { 0 };
    struct curve *cv = NULL;
    int ncv = 0, rc = 0;
    double xmax = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int d = names_add(&doms, col_text(st, 0));
        int l = names_add(&labels, col_text(st, 1));
        if (d < 0 || l < 0) {
            rc = -SIM_ENOMEM;
            break;
        }
        if (!ncv || cv[ncv - 1].panel != d || cv[ncv - 1].label != l) {
            struct curve *n = realloc(cv, (size_t)(ncv + 1) * sizeof *n);
            if (!n) {
                rc = -SIM_ENOMEM;
                break;
            }
            cv = n;
            cv[ncv++] = (struct curve){ .panel = d, .label = l };
        }
        struct curve *k = &cv[ncv - 1];
        double lo = sqlite3_column_double(st, 2), cnt = sqlite3_column_double(st, 3);
        double prev = k->y.n ? k->y.v[k->y.n - 1] : 0;
        if (!k->x.n && (dvec_push(&k->x, lo) < 0 || dvec_push(&k->y, 0) < 0)) {
            rc = -SIM_ENOMEM;
            break;
        }
        /* Flat across an empty gap, rising within the bin. */
        double hi = lo + bin_width(lo);
        if ((k->x.n > 1 && (dvec_push(&k->x, lo) < 0 || dvec_push(&k->y, prev) < 0))
            || dvec_push(&k->x, hi) < 0 || dvec_push(&k->y, prev + cnt) < 0) {
            rc = -SIM_ENOMEM;
            break;
        }
        xmax = hi > xmax ? hi : xmax;
    }
    fin(c, st);
    if (rc != SQLITE_DONE) {
        if (rc > 0)
            rc = db_err(c, "cannot read the histograms");
        goto out;
    }
    rc = 0;
    if (!ncv) {
        note(c, "latency-%s: no %s samples in the selected runs, figure skipped", stat, stat);
        goto out;
    }
    int npanel = doms.n < PLOT_MAX_PANELS ? doms.n : PLOT_MAX_PANELS;
    if (doms.n > npanel)
        note(c, "latency-%s: %d domains have samples; the first %d by statistic order are "
             "drawn", stat, doms.n, npanel);
    int cols = npanel == 1 ? 1 : npanel <= 4 ? 2 : 3;
    int rows = (npanel + cols - 1) / cols;
    /* Everything below PLOT_LAT_MIN_NS sits on the left edge, and every
     * curve runs on at 1 to the right edge, so a domain whose samples are
     * all tiny still shows. */
    bool ms = xmax > 10e6;
    double div = ms ? 1e6 : 1e3;
    double xright = xmax * 1.5 > PLOT_LAT_MIN_NS * 10 ? xmax * 1.5 : PLOT_LAT_MIN_NS * 10;
    /* The left edge: the decade below the smallest latency, at least 1 us. */
    double xmin = xright;
    for (int i = 0; i < ncv; i++)
        xmin = cv[i].x.v[0] < xmin ? cv[i].x.v[0] : xmin;
    double xleft = PLOT_LAT_MIN_NS;
    while (xleft * 10 <= xmin && xleft * 10 < xright / 10)
        xleft *= 10;
    char name[64], what[128];
    snprintf(name, sizeof name, "latency-%s", stat);
    snprintf(what, sizeof what, "CDF of %s per domain, one curve per scheduler", stat);
    int height = rows * 300 + 60 < 560 ? 560 : rows * 300 + 60;
    if ((rc = script_open(c, name, what, "statistic, histogramBin, runs", height)) != 0)
        goto out;
    FILE *f = c->f;
    for (int i = 0; i < ncv; i++) {
        if (cv[i].panel >= npanel)
            continue;
        double total = cv[i].y.v[cv[i].y.n - 1];
        fprintf(f, "# %s, ", doms.v[cv[i].panel]);
        fprintf(f, "%s: latency (%s), fraction of samples <= it\n", labels.v[cv[i].label],
                ms ? "ms" : "us");
        fprintf(f, "$c%d << EOD\n", i);
        for (size_t k = 0; k < cv[i].x.n; k++) {
            double x = cv[i].x.v[k] < xleft ? xleft : cv[i].x.v[k];
            fprintf(f, "%.9g %.6g\n", x / div, total > 0 ? cv[i].y.v[k] / total : 0);
        }
        fprintf(f, "%.9g 1\nEOD\n", xright / div);
    }
    fprintf(f, "\nset logscale x 10\nset format x \"%%g\"\nset xrange [%.9g:%.9g]\n"
            "set yrange [0:1.02]\n", xleft / div, xright / div);
    fprintf(f, ""
            "set ytics 0.25\nset mytics 5\n"
            "set xlabel \"%s (%s, log scale)\"\nset ylabel \"P(latency <= x)\"\n"
            "set key right bottom box opaque samplen 2\n", stat, ms ? "ms" : "us");
    /* Many curves: one key for all panels, in a right-hand column. */
    bool side_key = labels.n > 4;
    fprintf(f, "set multiplot layout %d,%d%s title ", rows, cols,
            side_key ? " margins 0.07,0.74,0.11,0.90 spacing 0.07,0.14" : "");
    char t[256];
    snprintf(t, sizeof t, "%s: cumulative distribution per domain (%d run%s, replications "
             "pooled)", stat, c->nsel, c->nsel == 1 ? "" : "s");
    put_str(f, t);
    fprintf(f, " font \",12\"\n");
    for (int p = 0; p < npanel; p++) {
        if (side_key && p == 0)
            fprintf(f, "set key at screen 0.995, screen 0.90 right top vertical font \",9\"\n");
        else if (side_key && p == 1)
            fprintf(f, "unset key\n");
        fprintf(f, "set title ");
        put_str(f, doms.v[p]);
        fprintf(f, "\nplot ");
        bool first = true;
        for (int i = 0; i < ncv; i++) {
            if (cv[i].panel != p)
                continue;
            fprintf(f, "%s$c%d using 1:2 with lines lt %d ", first ? "" : ", \\\n     ", i,
                    label_lt(c, labels.v[cv[i].label]));
            if (side_key) {
                fprintf(f, "notitle");
            } else {
                fprintf(f, "title ");
                put_str(f, labels.v[cv[i].label]);
            }
            first = false;
        }
        for (int l = 0; side_key && p == 0 && l < labels.n; l++) {
            fprintf(f, "%sNaN with lines lt %d title ", first ? "" : ", \\\n     ",
                    label_lt(c, labels.v[l]));
            put_str(f, labels.v[l]);
            first = false;
        }
        fprintf(f, "\n");
    }
    fprintf(f, "unset multiplot\n");
    rc = script_close(c);
out:
    for (int i = 0; i < ncv; i++) {
        free(cv[i].x.v);
        free(cv[i].y.v);
    }
    free(cv);
    names_free(&doms);
    names_free(&labels);
    return rc;
}

/* --- figure 2: CPU share against entitlement --------------------------- */

struct ent_dom {
    char name[128];
    bool workload;                  /* has a workload of its own */
    double mcu_advance;             /* bvt */
    double period, slice;           /* atropos, ns */
};

/* The entitlement of each domain of run id, as a share of the machine,
 * from runConfig (scn_canonical, sim/scenario/print.c). Returns the domains in
 * *out (caller frees) or a negative error. */
static int entitlement(struct pc *c, int64_t run, struct ent_dom **out, int *nout,
                       double **ent)
{
    sqlite3_stmt *st = prep(c, "SELECT configKey, configValue FROM runConfig"
                               " WHERE runId = ?1 ORDER BY configOrder");
    if (!st)
        return -SIM_EDB;
    sqlite3_bind_int64(st, 1, run);
    struct ent_dom *d = NULL;
    int n = 0, pcpus = 1;
    char sched[32] = "";
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *k = col_text(st, 0), *v = col_text(st, 1);
        if (!strcmp(k, "pcpus")) {
            pcpus = atoi(v) > 0 ? atoi(v) : 1;
        } else if (!strcmp(k, "scheduler")) {
            sscanf(v, "%31s", sched);
        } else if (!strcmp(k, "domain")) {
            struct ent_dom *nd = realloc(d, (size_t)(n + 1) * sizeof *nd);
            if (!nd) {
                rc = -SIM_ENOMEM;
                break;
            }
            d = nd;
            d[n] = (struct ent_dom){ .mcu_advance = 1 };
            sscanf(v, "%127s", d[n].name);
            n++;
        } else if (!*k && n) {
            /* The domain's continuation lines: " bvt MCU ...", " atropos
             * PERIOD SLICE ...", " workload TYPE ..." or, a workload per
             * vCPU, " workload vcpu K TYPE ..." (leading blank). */
            char word[32] = "";
            double a = 0, b = 0;
            int got = sscanf(v, "%31s %lf %lf", word, &a, &b);
            if (!strcmp(word, "bvt") && got >= 2)
                d[n - 1].mcu_advance = a > 0 ? a : 1;
            else if (!strcmp(word, "atropos") && got >= 3) {
                d[n - 1].period = a;
                d[n - 1].slice = b;
            } else if (!strcmp(word, "workload")) {
                char type[32] = "";
                if (sscanf(v, "%*s %31s", type) == 1 && !strcmp(type, "vcpu"))
                    sscanf(v, "%*s %*s %*d %31s", type);
                d[n - 1].workload |= strcmp(type, "none") != 0;
            }
        }
    }
    fin(c, st);
    if (rc != SQLITE_DONE) {
        free(d);
        return rc > 0 ? db_err(c, "cannot read runConfig") : rc;
    }
    double *e = calloc((size_t)(n ? n : 1), sizeof *e);
    if (!e) {
        free(d);
        return -SIM_ENOMEM;
    }
    double sum = 0;
    for (int i = 0; i < n; i++) {
        if (!strcmp(sched, "atropos"))
            e[i] = d[i].period > 0 ? d[i].slice / d[i].period / pcpus : 0;
        else if (!strcmp(sched, "bvt"))
            e[i] = d[i].workload ? 1.0 / d[i].mcu_advance : 0;
        else
            e[i] = d[i].workload ? 1.0 : 0;
        sum += e[i];
    }
    if (strcmp(sched, "atropos") != 0)
        for (int i = 0; i < n; i++)
            e[i] = sum > 0 ? e[i] / sum : 0;
    *out = d;
    *nout = n;
    *ent = e;
    return 0;
}

/* One bar of the share figure in one run: a domain, or a count group whose
 * members have no cpu_share of their own in the run (recorded per group
 * only). A group that is recorded beside its members is left out: its
 * cpu_share is theirs summed. */
struct share_row {
    char *module;
    double share;                   /* fraction of the machine */
    double ent;                     /* entitlement, fraction of the machine */
};

static void share_rows_free(struct share_row *r, int n)
{
    for (int i = 0; i < n; i++)
        free(r[i].module);
    free(r);
}

/* The count group of a member's module name ("hog" for "hog.3"), in buf;
 * false for a domain outside any group. */
static bool group_of_member(const char *m, char *buf, size_t len)
{
    const char *dot = strrchr(m, '.');
    if (!dot || dot == m || (size_t)(dot - m) >= len || !dot[1])
        return false;
    for (const char *q = dot + 1; *q; q++)
        if (*q < '0' || *q > '9')
            return false;
    memcpy(buf, m, (size_t)(dot - m));
    buf[dot - m] = '\0';
    return true;
}

/* The bars of run (sq: its cpu_share scalars, bound here), with their
 * entitlements; *out is the caller's (share_rows_free). */
static int run_shares(struct pc *c, sqlite3_stmt *sq, int64_t run, struct share_row **out,
                      int *nout)
{
    *out = NULL;
    *nout = 0;
    struct ent_dom *ed = NULL;
    double *ent = NULL, *gent = NULL;
    int ned = 0, n = 0, cap = 0, rc;
    struct share_row *r = NULL;
    struct names en = { 0 }, groups = { 0 }, shown = { 0 };
    char g[128];
    if ((rc = entitlement(c, run, &ed, &ned, &ent)) < 0)
        return rc;
    rc = SQLITE_DONE;
    /* The domains by name (unique), and each group's members' entitlement. */
    gent = calloc((size_t)ned + 1, sizeof *gent);
    if (!gent)
        rc = -SIM_ENOMEM;
    for (int i = 0; i < ned && rc == SQLITE_DONE; i++) {
        if (names_add(&en, ed[i].name) < 0) {
            rc = -SIM_ENOMEM;
        } else if (group_of_member(ed[i].name, g, sizeof g)) {
            int k = names_add(&groups, g);
            if (k < 0)
                rc = -SIM_ENOMEM;
            else
                gent[k] += ent[i];
        }
    }
    sqlite3_bind_int64(sq, 1, run);
    while (rc == SQLITE_DONE && (rc = sqlite3_step(sq)) == SQLITE_ROW) {
        const char *m = col_text(sq, 0);
        int d = names_find(&en, m);
        if (n == cap) {
            int nc = cap ? 2 * cap : 64;
            struct share_row *nr = realloc(r, (size_t)nc * sizeof *nr);
            if (!nr) {
                rc = -SIM_ENOMEM;
                break;
            }
            r = nr;
            cap = nc;
        }
        r[n] = (struct share_row){ strdup(m), sqlite3_column_double(sq, 1),
                                   d >= 0 ? ent[d] : 0 };
        if (!r[n].module) {
            rc = -SIM_ENOMEM;
            break;
        }
        n++;
        if (d >= 0 && group_of_member(m, g, sizeof g) && names_add(&shown, g) < 0) {
            rc = -SIM_ENOMEM;
            break;
        }
        rc = SQLITE_DONE;
    }
    sqlite3_reset(sq);
    if (rc == SQLITE_DONE) {
        int k = 0;
        for (int i = 0; i < n; i++) {
            if (names_find(&en, r[i].module) < 0) {
                if (names_find(&shown, r[i].module) >= 0) {
                    free(r[i].module);
                    continue;
                }
                int gi = names_find(&groups, r[i].module);
                r[i].ent = gi >= 0 ? gent[gi] : 0;
            }
            r[k++] = r[i];
        }
        n = k;
        rc = 0;
    } else {
        if (rc > 0)
            rc = db_err(c, "cannot read cpu_share");
        share_rows_free(r, n);
        r = NULL;
        n = 0;
    }
    names_free(&en);
    names_free(&groups);
    names_free(&shown);
    free(gent);
    free(ed);
    free(ent);
    *out = r;
    *nout = n;
    return rc;
}

static int fig_share(struct pc *c)
{
    struct names doms = { 0 }, labels = { 0 };
    /* Sums per (label, domain): share, entitlement, runs. */
    double *ssum = NULL, *esum = NULL;
    int *cnt = NULL;
    int rc = 0;
    sqlite3_stmt *st = prep(c, "SELECT sel.runId, sel.label FROM sel ORDER BY sel.runId");
    /* By the run's index (runId, ...): "+" keeps SQLite from choosing the
     * index by name, which would read every run's cpu_share for each run. */
    sqlite3_stmt *sq = prep(c, "SELECT moduleName, scalarValue FROM scalar WHERE runId = ?1"
                               " AND +scalarName = 'cpu_share' AND scalarValue IS NOT NULL"
                               " ORDER BY scalarId");
    if (!st || !sq) {
        fin(c, st);
        fin(c, sq);
        return -SIM_EDB;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t run = sqlite3_column_int64(st, 0);
        if (names_add(&labels, col_text(st, 1)) < 0) {
            rc = -SIM_ENOMEM;
            break;
        }
        struct share_row *r;
        int n;
        if ((rc = run_shares(c, sq, run, &r, &n)) < 0)
            break;
        for (int i = 0; i < n && rc == 0; i++)
            if (names_add(&doms, r[i].module) < 0)
                rc = -SIM_ENOMEM;
        share_rows_free(r, n);
        if (rc < 0)
            break;
    }
    /* Second pass, now that the sizes are known: accumulate. */
    if (rc == SQLITE_DONE && doms.n && labels.n) {
        size_t sz = (size_t)labels.n * (size_t)doms.n;
        ssum = calloc(sz, sizeof *ssum);
        esum = calloc(sz, sizeof *esum);
        cnt = calloc(sz, sizeof *cnt);
        if (!ssum || !esum || !cnt)
            rc = -SIM_ENOMEM;
        sqlite3_reset(st);
        while (rc == SQLITE_DONE && sqlite3_step(st) == SQLITE_ROW) {
            int64_t run = sqlite3_column_int64(st, 0);
            int l = names_find(&labels, col_text(st, 1));
            struct share_row *r;
            int n;
            if ((rc = run_shares(c, sq, run, &r, &n)) < 0)
                break;
            for (int i = 0; i < n; i++) {
                size_t k = (size_t)l * (size_t)doms.n + (size_t)names_find(&doms, r[i].module);
                ssum[k] += r[i].share;
                esum[k] += r[i].ent;
                cnt[k]++;
            }
            share_rows_free(r, n);
            rc = SQLITE_DONE;
        }
    }
    fin(c, st);
    fin(c, sq);
    if (rc != SQLITE_DONE) {
        if (rc > 0)
            rc = db_err(c, "cannot read cpu_share");
        goto out;
    }
    rc = 0;
    if (!doms.n) {
        note(c, "cpu-share: no cpu_share scalars in the selected runs, figure skipped");
        goto out;
    }
    if ((rc = script_open(c, "cpu-share", "CPU share against entitlement per domain",
                          "scalar (cpu_share), runConfig, runs", 640)) != 0)
        goto out;
    FILE *f = c->f;
    double bw = 0.8 / labels.n;
    for (int l = 0; l < labels.n; l++) {
        fprintf(f, "# %s: x, domain, measured cpu_share (%%), entitlement (%%), runs\n",
                labels.v[l]);
        fprintf(f, "$s%d << EOD\n", l);
        for (int d = 0; d < doms.n; d++) {
            size_t k = (size_t)l * (size_t)doms.n + (size_t)d;
            if (!cnt[k])
                continue;
            fprintf(f, "%.4f ", d + (l - (labels.n - 1) / 2.0) * bw);
            put_word(f, doms.v[d]);
            fprintf(f, " %.6g %.6g %d\n", 100 * ssum[k] / cnt[k], 100 * esum[k] / cnt[k],
                    cnt[k]);
        }
        fprintf(f, "EOD\n");
    }
    fprintf(f, "\nset title ");
    char t[256];
    snprintf(t, sizeof t, "CPU share per domain (bars) against its entitlement (black ticks), "
             "%d run%s", c->nsel, c->nsel == 1 ? "" : "s");
    put_str(f, t);
    fprintf(f, "\nset ylabel \"share of the machine's CPU time (%%)\"\n"
            "set style fill solid 0.75 border -1\nset boxwidth %.4f absolute\n"
            "set xrange [-0.6:%d.6]\nset yrange [0:*]\nset grid noxtics ytics\n"
            "set key below horizontal box\nset xtics (", bw * 0.9, doms.n - 1);
    for (int d = 0; d < doms.n; d++) {
        fprintf(f, "%s", d ? ", " : "");
        put_str(f, doms.v[d]);
        fprintf(f, " %d", d);
    }
    fprintf(f, ")\nplot ");
    for (int l = 0; l < labels.n; l++) {
        fprintf(f, "$s%d using 1:3 with boxes lt %d title ", l, label_lt(c, labels.v[l]));
        put_str(f, labels.v[l]);
        fprintf(f, ", \\\n     ");
    }
    for (int l = 0; l < labels.n; l++)
        fprintf(f, "$s%d using 1:4:(%.4f) with xerrorbars pt 0 lw 3 lc rgb \"black\" %s%s",
                l, bw * 0.45, l ? "notitle" : "title \"entitlement\"",
                l + 1 < labels.n ? ", \\\n     " : "\n");
    rc = script_close(c);
out:
    free(ssum);
    free(esum);
    free(cnt);
    names_free(&doms);
    names_free(&labels);
    return rc;
}

/* --- figure 3: metrics against a sweep variable ------------------------ */

struct sw_row {
    char *key;                      /* curve: domain [scheduler] [other itervars] */
    char *x;                        /* the variable's value */
    double xn;                      /* numeric value, NAN if not a number */
    double v;
};

static int sw_cmp(const void *a, const void *b)
{
    const struct sw_row *p = a, *q = b;
    int k = strcmp(p->key, q->key);
    if (k)
        return k;
    if (!isnan(p->xn) && !isnan(q->xn) && p->xn != q->xn)
        return p->xn < q->xn ? -1 : 1;
    return strcmp(p->x, q->x);
}

/* Write one panel's datablocks ($<tag><curve>: x, mean, ci, n, label) and
 * return the number of curves (or a negative error). */
static int sweep_blocks(struct pc *c, const char *var, const char *const *metrics,
                        size_t nmetrics, double scale, const char *tag, struct names *keys,
                        struct names *pkeys, struct names *xcat, bool *numeric)
{
    sqlite3_stmt *st = prep(c,
        "SELECT s.moduleName, coalesce(r.scheduler, '?'), iv.itervarValue, s.scalarValue,"
        " (SELECT group_concat(o.itervarName || '=' || o.itervarValue, ',') FROM runItervar o"
        "  WHERE o.runId = s.runId AND o.itervarName <> ?1)"
        " FROM scalar s JOIN sel ON sel.runId = s.runId JOIN runs r ON r.runId = s.runId"
        " JOIN runItervar iv ON iv.runId = s.runId AND iv.itervarName = ?1"
        " WHERE s.scalarName = ?2 AND s.scalarValue IS NOT NULL");
    sqlite3_stmt *ns = prep(c, "SELECT count(DISTINCT coalesce(r.scheduler, '')) FROM runs r"
                               " JOIN sel ON sel.runId = r.runId");
    if (!st || !ns) {
        fin(c, st);
        fin(c, ns);
        return -SIM_EDB;
    }
    bool many_sched = sqlite3_step(ns) == SQLITE_ROW && sqlite3_column_int(ns, 0) > 1;
    fin(c, ns);
    struct sw_row *rows = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    for (size_t m = 0; m < nmetrics && rc == 0; m++) {
        sqlite3_bind_text(st, 1, var, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, metrics[m], -1, SQLITE_STATIC);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            if (n == cap) {
                size_t nc = cap ? 2 * cap : 64;
                struct sw_row *nr = realloc(rows, nc * sizeof *nr);
                if (!nr) {
                    rc = -SIM_ENOMEM;
                    break;
                }
                rows = nr;
                cap = nc;
            }
            /* domain, then the other sweep values ("scheduler.name=" left
             * out), or the scheduler when it varies outside the sweep. */
            char key[512], oth[400];
            const char *other = col_text(st, 4);
            size_t ol = 0;
            for (const char *p = other; *p && ol + 1 < sizeof oth;) {
                if (!strncmp(p, "scheduler.name=", 15)) {
                    p += 15;
                    continue;
                }
                oth[ol++] = *p == ',' ? ' ' : *p;
                p++;
            }
            oth[ol] = '\0';
            bool sched_in = strstr(other, "scheduler.name=") != NULL;
            snprintf(key, sizeof key, "%s%s%s", col_text(st, 0),
                     ol || (many_sched && !sched_in) ? " " : "",
                     ol ? oth : many_sched && !sched_in ? col_text(st, 1) : "");
            const char *x = col_text(st, 2);
            char *end = NULL;
            double xn = strtod(x, &end);
            rows[n] = (struct sw_row){ strdup(key), strdup(x),
                                       end != x && !*end ? xn : NAN,
                                       sqlite3_column_double(st, 3) * scale };
            if (!rows[n].key || !rows[n].x) {
                free(rows[n].key);
                free(rows[n].x);
                rc = -SIM_ENOMEM;
                break;
            }
            n++;
        }
        rc = rc == SQLITE_DONE ? 0 : rc > 0 ? db_err(c, "cannot read the sweep") : rc;
        sqlite3_reset(st);
    }
    fin(c, st);
    for (size_t i = 0; i < n; i++)
        if (isnan(rows[i].xn))
            *numeric = false;
    if (rc == 0 && n)
        qsort(rows, n, sizeof *rows, sw_cmp);
    /* Categorical values keep a fixed order across panels. */
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (names_add(xcat, rows[i].x) < 0)
            rc = -SIM_ENOMEM;
    int ncurves = 0;
    FILE *f = c->f;
    double *vals = n ? malloc(n * sizeof *vals) : NULL;
    if (n && !vals)
        rc = -SIM_ENOMEM;
    for (size_t i = 0; rc == 0 && i < n;) {
        size_t j = i;
        while (j < n && !strcmp(rows[j].key, rows[i].key))
            j++;
        if (names_add(keys, rows[i].key) < 0 || names_add(pkeys, rows[i].key) < 0) {
            rc = -SIM_ENOMEM;
            break;
        }
        fprintf(f, "# %s: %s value, mean, 95%% CI half-width, replications\n$%s%d << EOD\n",
                rows[i].key, var, tag, ncurves);
        for (size_t a = i; a < j;) {
            size_t b = a, nv = 0;
            while (b < j && !strcmp(rows[b].x, rows[a].x))
                vals[nv++] = rows[b++].v;
            double mean = vals[0], hw = 0;
            if (nv >= 2 && st_mean_ci(vals, nv, 0.95, &mean, &hw) < 0) {
                mean = vals[0];
                hw = 0;
            }
            double xpos = isnan(rows[a].xn) ? names_find(xcat, rows[a].x) : rows[a].xn;
            fprintf(f, "%.9g %.9g %.9g %zu\n", xpos, mean, hw, nv);
            a = b;
        }
        fprintf(f, "EOD\n");
        ncurves++;
        i = j;
    }
    free(vals);
    for (size_t i = 0; i < n; i++) {
        free(rows[i].key);
        free(rows[i].x);
    }
    free(rows);
    return rc < 0 ? rc : ncurves;
}

static int fig_sweep(struct pc *c)
{
    sqlite3_stmt *st = prep(c, "SELECT itervarName, count(DISTINCT itervarValue) FROM runItervar"
                               " JOIN sel USING (runId) GROUP BY itervarName"
                               " ORDER BY itervarName");
    if (!st)
        return -SIM_EDB;
    char var[256] = "";
    int nvars = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        /* The first variable with more than one value in the selection. */
        if (!var[0] && sqlite3_column_int(st, 1) > 1)
            snprintf(var, sizeof var, "%s", col_text(st, 0));
        nvars++;
    }
    fin(c, st);
    if (!var[0]) {
        note(c, "sweep: the selected runs have no sweep variable with two values or more, "
             "figure skipped");
        return 0;
    }
    if (nvars > 1)
        note(c, "sweep: %d sweep variables; plotting against '%s', one curve per value of "
             "the others", nvars, var);
    int rc = script_open(c, "sweep", "throughput and latency against a sweep variable",
                         "scalar, runItervar, runs", 640);
    if (rc)
        return rc;
    static const char *const tput[] = { "io_ops_per_s", "requests_per_s" };
    static const char *const lat[] = { "io_latency:p99", "net_latency:p99" };
    static const char *const share[] = { "cpu_share" };
    static const char *const slat[] = { "sched_latency:p99" };
    struct names keys = { 0 }, xcat = { 0 }, pk[2] = { { 0 }, { 0 } };
    bool numeric = true;
    const char *ylab1 = "throughput (requests or I/O operations per s)";
    const char *ylab2 = "p99 I/O or request latency (ms)";
    int n1 = sweep_blocks(c, var, tput, 2, 1.0, "t", &keys, &pk[0], &xcat, &numeric);
    if (n1 == 0) {
        ylab1 = "CPU share (%)";
        n1 = sweep_blocks(c, var, share, 1, 100.0, "t", &keys, &pk[0], &xcat, &numeric);
    }
    int n2 = n1 < 0 ? n1 : sweep_blocks(c, var, lat, 2, 1e-6, "l", &keys, &pk[1], &xcat, &numeric);
    if (n2 == 0) {
        ylab2 = "p99 scheduling latency (ms)";
        n2 = sweep_blocks(c, var, slat, 1, 1e-6, "l", &keys, &pk[1], &xcat, &numeric);
    }
    if (n1 < 0 || n2 < 0) {
        rc = n1 < 0 ? n1 : n2;
        script_drop(c);
        goto out;
    }
    if (n1 + n2 == 0) {
        script_drop(c);
        note(c, "sweep: no throughput or latency metrics in the swept runs, figure skipped");
        goto out;
    }
    FILE *f = c->f;
    fprintf(f, "\nset xlabel ");
    put_str(f, var);
    if (!numeric) {
        fprintf(f, "\nset xrange [-0.5:%d.5]\nset xtics (", xcat.n - 1);
        for (int i = 0; i < xcat.n; i++) {
            fprintf(f, "%s", i ? ", " : "");
            put_str(f, xcat.v[i]);
            fprintf(f, " %d", i);
        }
        fprintf(f, ")");
    } else {
        fprintf(f, "\nset offsets graph 0.05, graph 0.05, 0, 0");
        /* Values spanning two decades or more (weights, slices) read
         * better on a log axis. */
        double lo = HUGE_VAL, hi = -HUGE_VAL;
        for (int i = 0; i < xcat.n; i++) {
            double v = strtod(xcat.v[i], NULL);
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
        if (lo > 0 && hi / lo >= 100)
            fprintf(f, "\nset logscale x 10");
        if (xcat.n <= 15) {
            fprintf(f, "\nset xtics (");
            for (int i = 0; i < xcat.n; i++) {
                fprintf(f, "%s", i ? ", " : "");
                put_str(f, xcat.v[i]);
                fprintf(f, " %s", xcat.v[i]);
            }
            fprintf(f, ")");
        }
    }
    fprintf(f, "\nset yrange [0:*]\nset key tmargin center horizontal box font \",9\"\nset tmargin 6\n"
            "set bars small\nset multiplot layout 1,2 title ");
    char t[512];
    snprintf(t, sizeof t, "Throughput and latency against %s\n"
             "(mean over replications, Student-t 95%% confidence bars)", var);
    put_str(f, t);
    fprintf(f, " font \",12\"\n");
    const int ns[2] = { n1, n2 };
    const char *tags[2] = { "t", "l" };
    const char *ylabs[2] = { ylab1, ylab2 };
    const char *titles[2] = { "throughput", "latency" };
    for (int p = 0; p < 2; p++) {
        fprintf(f, "set title \"%s\"\nset ylabel ", titles[p]);
        put_str(f, ylabs[p]);
        fprintf(f, "\n");
        if (!ns[p]) {
            fprintf(f, "set label 1 \"no data\" at graph 0.5, graph 0.5 center\n"
                    "plot NaN notitle\nunset label 1\n");
            continue;
        }
        fprintf(f, "plot ");
        for (int i = 0; i < ns[p]; i++) {
            fprintf(f, "%s$%s%d using 1:2:3 with yerrorlines lt %d title ",
                    i ? ", \\\n     " : "", tags[p], i,
                    names_find(&keys, pk[p].v[i]) % PLOT_NCOLORS + 1);
            put_str(f, pk[p].v[i]);
        }
        fprintf(f, "\n");
    }
    fprintf(f, "unset multiplot\n");
    rc = script_close(c);
out:
    names_free(&keys);
    names_free(&xcat);
    names_free(&pk[0]);
    names_free(&pk[1]);
    return rc;
}

/* --- figures 4 and 5: Gantt chart and run queue ------------------------- */

struct vec_pt {
    int64_t t;                      /* ns engine time */
    double v;
};

struct pvec {
    char module[64];
    struct vec_pt *p;
    size_t n;
    int64_t w0, w1;                 /* recorded window, ns engine time */
};

static void pvecs_free(struct pvec *pv, int n)
{
    for (int i = 0; i < n; i++) {
        free(pv[i].p);
    }
    free(pv);
}

/* Every vector `name` of run id, ordered by pCPU number. */
static int load_vectors(struct pc *c, int64_t run, const char *name, struct pvec **out,
                        int *nout)
{
    sqlite3_stmt *sv = prep(c,
        "SELECT vectorId, moduleName,"
        " (SELECT attrValue FROM vectorAttr a WHERE a.vectorId = v.vectorId"
        "  AND a.attrName = 'window_start_ns'),"
        " (SELECT attrValue FROM vectorAttr a WHERE a.vectorId = v.vectorId"
        "  AND a.attrName = 'window_end_ns')"
        " FROM vector v WHERE runId = ?1 AND vectorName = ?2"
        " ORDER BY CAST(substr(moduleName, 5) AS INTEGER), moduleName");
    sqlite3_stmt *sd = prep(c, "SELECT simtimeRaw, value FROM vectorData WHERE vectorId = ?1"
                               " ORDER BY simtimeRaw, rowid");
    if (!sv || !sd) {
        fin(c, sv);
        fin(c, sd);
        return -SIM_EDB;
    }
    sqlite3_bind_int64(sv, 1, run);
    sqlite3_bind_text(sv, 2, name, -1, SQLITE_STATIC);
    struct pvec *pv = NULL;
    int n = 0, rc;
    while ((rc = sqlite3_step(sv)) == SQLITE_ROW) {
        struct pvec *np = realloc(pv, (size_t)(n + 1) * sizeof *np);
        if (!np) {
            rc = -SIM_ENOMEM;
            break;
        }
        pv = np;
        struct pvec *v = &pv[n++];
        *v = (struct pvec){ 0 };
        snprintf(v->module, sizeof v->module, "%s", col_text(sv, 1));
        v->w0 = strtoll(col_text(sv, 2), NULL, 10);
        v->w1 = strtoll(col_text(sv, 3), NULL, 10);
        size_t cap = 0;
        sqlite3_bind_int64(sd, 1, sqlite3_column_int64(sv, 0));
        while ((rc = sqlite3_step(sd)) == SQLITE_ROW) {
            if (v->n == cap) {
                size_t nc = cap ? 2 * cap : 256;
                struct vec_pt *p = realloc(v->p, nc * sizeof *p);
                if (!p) {
                    rc = -SIM_ENOMEM;
                    break;
                }
                v->p = p;
                cap = nc;
            }
            v->p[v->n++] = (struct vec_pt){ sqlite3_column_int64(sd, 0),
                                            sqlite3_column_double(sd, 1) };
        }
        sqlite3_reset(sd);
        if (rc != SQLITE_DONE)
            break;
    }
    fin(c, sv);
    fin(c, sd);
    if (rc != SQLITE_DONE) {
        pvecs_free(pv, n);
        return rc > 0 ? db_err(c, "cannot read the vectors") : rc;
    }
    *out = pv;
    *nout = n;
    return 0;
}

/* The warm-up of a run (runAttr warmup_ns), ns; 0 if absent. */
static int64_t run_warmup(struct pc *c, int64_t run)
{
    sqlite3_stmt *st = prep(c, "SELECT attrValue FROM runAttr WHERE runId = ?1"
                               " AND attrName = 'warmup_ns'");
    int64_t w = 0;
    if (!st)
        return 0;
    sqlite3_bind_int64(st, 1, run);
    if (sqlite3_step(st) == SQLITE_ROW)
        w = strtoll(col_text(st, 0), NULL, 10);
    fin(c, st);
    return w;
}

/* The window drawn, in engine ns: the recording, cut to --window. */
static bool draw_window(struct pc *c, int64_t warm, const struct pvec *pv, int n,
                        int64_t *a, int64_t *b)
{
    *a = INT64_MAX;
    *b = INT64_MIN;
    for (int i = 0; i < n; i++) {
        *a = pv[i].w0 < *a ? pv[i].w0 : *a;
        *b = pv[i].w1 > *b ? pv[i].w1 : *b;
    }
    if (c->o->have_window) {
        int64_t ws = warm + c->o->win_start;
        int64_t we = c->o->win_end > INT64_MAX - warm ? INT64_MAX : warm + c->o->win_end;
        *a = ws > *a ? ws : *a;
        *b = we < *b ? we : *b;
    }
    return *b > *a;
}

/* The names of a run's timeline values, parsed once from the OMNeT++
 * `enum` text ("idle=-1,dom0=0,..."): name[v + 1] for value v. */
struct tl_names {
    char **name;                    /* NULL where no name is given */
    int n;
};

static void tl_names_free(struct tl_names *tn)
{
    for (int i = 0; i < tn->n; i++)
        free(tn->name[i]);
    free(tn->name);
    *tn = (struct tl_names){ 0 };
}

/* The first name given to each integral value -1 .. PLOT_MAX_VCPUS - 1. */
static int tl_names_parse(struct tl_names *tn, const char *en)
{
    for (const char *s = en; s && *s;) {
        const char *eq = strchr(s, '='), *comma = strchr(s, ',');
        if (!eq || (comma && comma < eq))
            break;
        double v = strtod(eq + 1, NULL);
        if (v == floor(v) && v >= -1 && v < PLOT_MAX_VCPUS) {
            int i = (int)v + 1;
            if (i >= tn->n) {
                char **nn = realloc(tn->name, (size_t)(i + 1) * sizeof *nn);
                if (!nn)
                    return -SIM_ENOMEM;
                memset(nn + tn->n, 0, (size_t)(i + 1 - tn->n) * sizeof *nn);
                tn->name = nn;
                tn->n = i + 1;
            }
            size_t l = (size_t)(eq - s) < 127 ? (size_t)(eq - s) : 127;
            if (!tn->name[i] && !(tn->name[i] = strndup(s, l)))
                return -SIM_ENOMEM;
        }
        s = comma ? comma + 1 : NULL;
    }
    return 0;
}

/* A run's timeline names: the runAttr timeline_enum, or in databases
 * written before it was the enum vectorAttr of each timeline vector (all
 * alike), that of the first. */
static int tl_names_load(struct pc *c, int64_t run, struct tl_names *tn)
{
    *tn = (struct tl_names){ 0 };
    sqlite3_stmt *st = prep(c, "SELECT coalesce((SELECT attrValue FROM runAttr WHERE"
        " runId = ?1 AND attrName = 'timeline_enum'), (SELECT a.attrValue FROM vector v"
        " JOIN vectorAttr a ON a.vectorId = v.vectorId WHERE v.runId = ?1"
        " AND v.vectorName = 'timeline' AND a.attrName = 'enum' ORDER BY v.vectorId LIMIT 1))");
    if (!st)
        return -SIM_EDB;
    sqlite3_bind_int64(st, 1, run);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        rc = tl_names_parse(tn, col_text(st, 0));
    else
        rc = db_err(c, "cannot read the timeline's names");
    fin(c, st);
    if (rc < 0)
        tl_names_free(tn);
    return rc < 0 ? rc : 0;
}

/* The name of timeline value v, or NULL. */
static const char *tl_name(const struct tl_names *tn, double v)
{
    if (!(v == floor(v) && v >= -1 && v + 1 < tn->n))
        return NULL;
    return tn->name[(int)v + 1];
}

static void run_title(struct pc *c, int64_t run, char *buf, size_t len)
{
    sqlite3_stmt *st = prep(c, "SELECT runName, coalesce(scheduler, '?') FROM runs"
                               " WHERE runId = ?1");
    snprintf(buf, len, "run %" PRId64, run);
    if (!st)
        return;
    sqlite3_bind_int64(st, 1, run);
    if (sqlite3_step(st) == SQLITE_ROW)
        snprintf(buf, len, "run %" PRId64 " (%s, scheduler %s)", run, col_text(st, 0),
                 col_text(st, 1));
    fin(c, st);
}

/* What the figures of a --timeline window start from: the run's vectors
 * of one name, one per pCPU, and the part of them to draw. */
struct tl_fig {
    struct pvec *pv;
    int n;
    int64_t warm;                   /* ns, the run's warm-up */
    int64_t a, b;                   /* ns engine time, the window drawn */
    char name[64];                  /* the figure's file name */
};

/* Load run's vectors `vec` into g: 1 if there is something to draw, 0 if
 * not (none recorded, or --window misses them: a note says which `what`
 * was skipped), or a negative sim_err. The caller frees g->pv in every
 * case. */
static int tl_fig_load(struct pc *c, int64_t run, const char *vec, const char *prefix,
                       const char *what, struct tl_fig *g)
{
    *g = (struct tl_fig){ 0 };
    int rc = load_vectors(c, run, vec, &g->pv, &g->n);
    if (rc < 0 || g->n == 0)
        return rc;
    g->warm = run_warmup(c, run);
    snprintf(g->name, sizeof g->name, "%s-run%" PRId64, prefix, run);
    if (!draw_window(c, g->warm, g->pv, g->n, &g->a, &g->b)) {
        note(c, "%s: --window does not overlap the recorded %s, figure skipped", g->name, what);
        return 0;
    }
    return 1;
}

static int fig_gantt(struct pc *c, int64_t run)
{
    struct tl_fig g;
    struct tl_names names = { 0 };
    int rc = tl_fig_load(c, run, "timeline", "gantt", "timeline", &g);
    if (rc <= 0 || (rc = tl_names_load(c, run, &names)) < 0)
        goto out;
    if ((rc = script_open(c, g.name, "which vCPU ran on which pCPU (Gantt chart)",
                          "vector and vectorData (timeline), runAttr (warmup_ns)",
                          g.n * 60 + 260 > 400 ? g.n * 60 + 260 : 400)) != 0)
        goto out;
    FILE *f = c->f;
    struct names labels = { 0 };
    fprintf(f, "# pCPU, start and end (ms since the measured window began), colour, vCPU\n"
            "$g << EOD\n");
    for (int i = 0; i < g.n && rc == 0; i++) {
        const struct pvec *v = &g.pv[i];
        for (size_t k = 0; k < v->n; k++) {
            int64_t s = v->p[k].t, e = k + 1 < v->n ? v->p[k + 1].t : v->w1;
            s = s > g.a ? s : g.a;
            e = e < g.b ? e : g.b;
            if (e <= s || v->p[k].v < 0)
                continue;               /* outside, or the idle vCPU */
            char fb[32];
            const char *lab = tl_name(&names, v->p[k].v);
            if (!lab) {
                snprintf(fb, sizeof fb, "vcpu%g", v->p[k].v);
                lab = fb;
            }
            int li = names_add(&labels, lab);
            if (li < 0) {
                rc = -SIM_ENOMEM;
                break;
            }
            fprintf(f, "%d %.6f %.6f %d ", i, (double)(s - g.warm) / 1e6, (double)(e - g.warm) / 1e6,
                    li % PLOT_NCOLORS + 1);
            put_word(f, lab);
            fprintf(f, "\n");
        }
    }
    fprintf(f, "EOD\n\nset title ");
    char t[512], rt[400];
    run_title(c, run, rt, sizeof rt);
    snprintf(t, sizeof t, "Which vCPU ran on which pCPU: %s", rt);
    put_str(f, t);
    fprintf(f, "\nset xlabel \"time since the start of the measured window (ms)\"\n"
            "set ylabel \"pCPU\"\nset xrange [%.6f:%.6f]\nset yrange [%d.6:-0.6]\n"
            "set ytics (", (double)(g.a - g.warm) / 1e6, (double)(g.b - g.warm) / 1e6, g.n - 1);
    for (int i = 0; i < g.n; i++) {
        fprintf(f, "%s", i ? ", " : "");
        put_str(f, g.pv[i].module);
        fprintf(f, " %d", i);
    }
    fprintf(f, ")\nset grid xtics noytics\nset style fill solid 1.0 noborder\n"
            "set key outside right top title \"vCPU (blank: idle)\" box\n"
            "plot $g using (($2+$3)/2):1:(($3-$2)/2):(0.35):4 with boxxyerror lc variable "
            "notitle");
    for (int l = 0; l < labels.n; l++) {
        fprintf(f, ", \\\n     NaN with boxes lt %d title ", l % PLOT_NCOLORS + 1);
        put_str(f, labels.v[l]);
    }
    fprintf(f, "\n");
    names_free(&labels);
    if (rc == 0)
        rc = script_close(c);
    else
        script_drop(c);
out:
    tl_names_free(&names);
    pvecs_free(g.pv, g.n);
    return rc;
}

static int fig_runq(struct pc *c, int64_t run)
{
    struct tl_fig g;
    int rc = tl_fig_load(c, run, "runq", "runq", "run queue", &g);
    if (rc <= 0)
        goto out;
    rc = 0;
    int nc = g.n < PLOT_MAX_CURVES ? g.n : PLOT_MAX_CURVES;
    if (g.n > nc)
        note(c, "%s: %d pCPUs; the first %d are drawn", g.name, g.n, nc);
    if ((rc = script_open(c, g.name, "run-queue length over time per pCPU",
                          "vector and vectorData (runq), runAttr (warmup_ns)", 640)) != 0)
        goto out;
    FILE *f = c->f;
    double ymax = 1;
    for (int i = 0; i < nc; i++) {
        const struct pvec *v = &g.pv[i];
        fprintf(f, "# %s: ms since the measured window began, runnable vCPUs waiting\n"
                "$q%d << EOD\n", v->module, i);
        double last = v->n ? v->p[0].v : 0;
        bool started = false;
        for (size_t k = 0; k < v->n; k++) {
            if (v->p[k].t <= g.a) {
                last = v->p[k].v;
                continue;
            }
            if (v->p[k].t > g.b)
                break;
            if (!started) {
                fprintf(f, "%.6f %g\n", (double)(g.a - g.warm) / 1e6, last);
                started = true;
            }
            fprintf(f, "%.6f %g\n", (double)(v->p[k].t - g.warm) / 1e6, v->p[k].v);
            last = v->p[k].v;
            ymax = last > ymax ? last : ymax;
        }
        if (!started)
            fprintf(f, "%.6f %g\n", (double)(g.a - g.warm) / 1e6, last);
        fprintf(f, "%.6f %g\nEOD\n", (double)(g.b - g.warm) / 1e6, last);
        ymax = last > ymax ? last : ymax;
    }
    fprintf(f, "\nset title ");
    char t[512], rt[400];
    run_title(c, run, rt, sizeof rt);
    snprintf(t, sizeof t, "Run-queue length (runnable vCPUs waiting, running one excluded): %s",
             rt);
    put_str(f, t);
    fprintf(f, "\nset xlabel \"time since the start of the measured window (ms)\"\n"
            "set ylabel \"runnable vCPUs waiting\"\nset xrange [%.6f:%.6f]\n"
            "set yrange [0:%g]\nset ytics 1\nset key top right box opaque\nplot ",
            (double)(g.a - g.warm) / 1e6, (double)(g.b - g.warm) / 1e6, ymax + 0.5);
    for (int i = 0; i < nc; i++) {
        fprintf(f, "%s$q%d using 1:2 with steps lt %d title ", i ? ", \\\n     " : "", i,
                i % PLOT_NCOLORS + 1);
        put_str(f, g.pv[i].module);
    }
    fprintf(f, "\n");
    rc = script_close(c);
out:
    pvecs_free(g.pv, g.n);
    return rc;
}

static int fig_timelines(struct pc *c)
{
    sqlite3_stmt *st = prep(c, "SELECT DISTINCT v.runId FROM vector v JOIN sel"
                               " ON sel.runId = v.runId WHERE v.vectorName IN"
                               " ('timeline', 'runq') ORDER BY v.runId");
    if (!st)
        return -SIM_EDB;
    int64_t runs[PLOT_MAX_RUNS];
    int n = 0, more = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (n < PLOT_MAX_RUNS)
            runs[n++] = sqlite3_column_int64(st, 0);
        else
            more++;
    }
    fin(c, st);
    if (!n) {
        note(c, "gantt, runq: no run recorded with `xensim run --timeline` among the selected "
             "runs, figures skipped");
        return 0;
    }
    if (more)
        note(c, "gantt, runq: %d more runs have a timeline; pick them with --run", more);
    for (int i = 0; i < n; i++) {
        int rc = fig_gantt(c, runs[i]);
        if (rc == 0)
            rc = fig_runq(c, runs[i]);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* --- entry points ------------------------------------------------------ */

static int make_dir(struct pc *c, const char *dir)
{
    char p[4096];
    snprintf(p, sizeof p, "%s", dir);
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST) {
            sim_errmsg(c->err, c->errlen, "%s: cannot create: %s", p, strerror(errno));
            return -SIM_EIO;
        }
        *s = '/';
    }
    if (mkdir(p, 0777) != 0 && errno != EEXIST) {
        sim_errmsg(c->err, c->errlen, "%s: cannot create: %s", p, strerror(errno));
        return -SIM_EIO;
    }
    struct stat sb;
    if (stat(p, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        sim_errmsg(c->err, c->errlen, "%s: not a directory", p);
        return -SIM_EIO;
    }
    return 0;
}

int plot_all(const struct plot_opts *o, struct plot_result *r, char *err, size_t errlen)
{
    struct pc c = { .o = o, .r = r, .err = err, .errlen = errlen };
    *r = (struct plot_result){ 0 };
    if (err && errlen)
        err[0] = '\0';
    if (!o->db_path || !o->out_dir) {
        sim_errmsg(err, errlen, "no database or output directory given");
        return -SIM_EINVAL;
    }
    int64_t ver = 0;
    if (store_open_read(o->db_path, &c.db, &ver, err, errlen) < 0)
        return -SIM_EBADINPUT;
    int rc = store_check_version(o->db_path, ver, err, errlen) < 0 ? -SIM_EBADINPUT : 0;
    if (rc < 0)
        goto out;
    struct names labels = { 0 };
    if ((rc = select_runs(&c)) < 0 || (rc = load_labels(&c, &labels)) < 0
        || (rc = make_dir(&c, o->out_dir)) < 0)
        goto out;
    for (size_t i = 0; i < sizeof latency_stats / sizeof latency_stats[0] && rc == 0; i++)
        rc = fig_latency(&c, latency_stats[i]);
    if (rc == 0)
        rc = fig_share(&c);
    if (rc == 0)
        rc = fig_sweep(&c);
    if (rc == 0)
        rc = fig_timelines(&c);
    if (rc == 0 && c.fail)
        rc = c.fail;
out:
    script_drop(&c);
    if (c.labels)
        names_free(c.labels);
    sqlite3_close(c.db);
    return rc;
}

/* A time of a window: a quantity with a unit, or a bare 0. */
static int parse_time(const char *s, size_t len, int64_t *out, char *msg, size_t msglen)
{
    if (len == 1 && s[0] == '0') {
        *out = 0;
        return 0;
    }
    struct quantity q;
    struct unit_err ue;
    if (unit_parse(s, len, UNIT_TIME, 0, &q, &ue) < 0) {
        sim_errmsg(msg, msglen, "%s", ue.msg);
        return -SIM_EBADINPUT;
    }
    *out = q.value;
    return 0;
}

int plot_parse_window(const char *s, int64_t *start, int64_t *end, char *err, size_t errlen)
{
    const char *colon = s ? strchr(s, ':') : NULL;
    if (!colon) {
        sim_errmsg(err, errlen, "'%s' is not START:END (e.g. 0:100ms)", s ? s : "");
        return -SIM_EBADINPUT;
    }
    char msg[200];
    *start = 0;
    *end = INT64_MAX;
    if (colon > s && parse_time(s, (size_t)(colon - s), start, msg, sizeof msg) < 0) {
        sim_errmsg(err, errlen, "start '%.*s': %s", (int)(colon - s), s, msg);
        return -SIM_EBADINPUT;
    }
    if (colon[1] && parse_time(colon + 1, strlen(colon + 1), end, msg, sizeof msg) < 0) {
        sim_errmsg(err, errlen, "end '%s': %s", colon + 1, msg);
        return -SIM_EBADINPUT;
    }
    if (*start < 0 || *end <= *start) {
        sim_errmsg(err, errlen, "'%s': START must be below END", s);
        return -SIM_EBADINPUT;
    }
    return 0;
}
