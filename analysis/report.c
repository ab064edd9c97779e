/*
 * analysis/report.c: see analysis/report.h. Reads the tables and the `runs`
 * view of docs/results.md with SQL on a read-only connection; never looks
 * at models or at the store's C structures.
 *
 * Sources: RFC 4180 (CSV: CRLF line ends, fields with a comma, quote, CR
 * or LF quoted, quotes doubled); RFC 8259 (JSON: strings escaped, numbers
 * without NaN or infinities, which become null). The shortest round-trip
 * number text (%.15g, else %.16g, else %.17g, the first that strtod reads
 * back to the same double) keeps CSV and JSON raw yet readable.
 *
 * Simplified: every selected row is read into memory run by run (a run has
 * hundreds of metrics, not millions); invalid UTF-8 in a string becomes
 * U+FFFD in JSON and passes through unchanged in text and CSV.
 */
#include "analysis/report.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "analysis/store.h"
#include "sim/err.h"

/* ---- small helpers ---- */

/* A growing string; on allocation failure `oom` is set and appends stop. */
struct sb {
    char *s;
    size_t len, cap;
    bool oom;
};

static void sb_add(struct sb *b, const char *f, ...) __attribute__((format(printf, 2, 3)));
static void sb_add(struct sb *b, const char *f, ...)
{
    if (b->oom)
        return;
    va_list ap;
    va_start(ap, f);
    int n = vsnprintf(NULL, 0, f, ap);
    va_end(ap);
    if (n < 0) {
        b->oom = true;
        return;
    }
    if (b->len + (size_t)n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + (size_t)n + 1)
            cap *= 2;
        char *p = realloc(b->s, cap);
        if (!p) {
            b->oom = true;
            return;
        }
        b->s = p;
        b->cap = cap;
    }
    va_start(ap, f);
    vsnprintf(b->s + b->len, b->cap - b->len, f, ap);
    va_end(ap);
    b->len += (size_t)n;
}

static char *xstrdup(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p)
        memcpy(p, s, n);
    return p;
}

/* The shortest %.Ng (N = 15..17) that reads back as v; "inf", "-inf",
 * "nan" for the non-finite (callers map those for JSON). */
static void fmt_num(double v, char *buf, size_t n)
{
    for (int p = 15; p <= 17; p++) {
        snprintf(buf, n, "%.*g", p, v);
        if (!isfinite(v) || strtod(buf, NULL) == v)
            return;
    }
}

/* A latency or time in ns in human units. */
static void fmt_ns(double ns, char *buf, size_t n)
{
    double a = fabs(ns);
    if (a < 1e3)
        snprintf(buf, n, ns == floor(ns) ? "%.0fns" : "%.1fns", ns);
    else if (a < 1e6)
        snprintf(buf, n, "%.2fus", ns / 1e3);
    else if (a < 1e9)
        snprintf(buf, n, "%.3fms", ns / 1e6);
    else
        snprintf(buf, n, "%.3fs", ns / 1e9);
}

static bool ends_with(const char *s, size_t len, const char *suffix)
{
    size_t k = strlen(suffix);
    return len >= k && !memcmp(s + len - k, suffix, k);
}

/* Whether a metric's values are ns (docs/results.md: names ending in _ns,
 * the latency statistics and their NAME:pNN scalars). */
static bool metric_is_ns(const char *name)
{
    const char *colon = strchr(name, ':');
    size_t len = colon ? (size_t)(colon - name) : strlen(name);
    return ends_with(name, len, "_ns") || ends_with(name, len, "latency");
}

/* ---- reading ---- */

struct run_row {
    int64_t id;
    char *col[8];       /* runName, scenario, scenario_hash, scheduler, seed,
                         * replication, version, sweep_point (NULL if NULL) */
};
enum { C_NAME, C_SCENARIO, C_HASH, C_SCHED, C_SEED, C_REP, C_VERSION, C_SWEEP };

static const char *const run_col_names[8] = {
    "runName", "scenario", "scenario_hash", "scheduler", "seed", "replication", "version",
    "sweep_point",
};

/* One metric row: a scalar (value) or a statistic (the rest). */
struct metric_row {
    char *module, *name;
    bool is_stat;
    double v[7];        /* scalar: v[0]; statistic: count, mean, stddev, min, max,
                         * sum, sqrsum */
    bool null[7];
};

struct ctx {
    sqlite3 *db;
    const char *path;
    const struct report_opts *o;
    char *run_where;        /* params ?1 scenario, ?2 scheduler, ?3.. runs */
    char *metric_where_s;   /* over scalarName, params ?2.. */
    char *metric_where_t;   /* over statName */
    char *err;
    size_t errlen;
};

static int db_fail(struct ctx *c, const char *what)
{
    bool corrupt = (sqlite3_extended_errcode(c->db) & 0xff) == SQLITE_CORRUPT;
    sim_errmsg(c->err, c->errlen, "%s: %s%s: %s", c->path, corrupt ? "corrupt file, " : "", what,
        sqlite3_errmsg(c->db));
    return -SIM_EDB;
}

static int prep(struct ctx *c, const char *sql, sqlite3_stmt **st)
{
    if (sqlite3_prepare_v2(c->db, sql, -1, st, NULL) != SQLITE_OK) {
        *st = NULL;
        return db_fail(c, "cannot read the results");
    }
    return 0;
}

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

static char *build_run_where(const struct report_opts *o)
{
    struct sb b = { 0 };
    sb_add(&b, "(?1 IS NULL OR scenario = ?1) AND (?2 IS NULL OR scheduler = ?2)");
    if (o->nruns) {
        sb_add(&b, " AND (");
        for (size_t i = 0; i < o->nruns; i++)
            sb_add(&b, "%sCAST(runId AS TEXT) = ?%zu OR runName = ?%zu", i ? " OR " : "",
                   i + 3, i + 3);
        sb_add(&b, ")");
    }
    if (b.oom) {
        free(b.s);
        return NULL;
    }
    return b.s;
}

static void bind_run_where(sqlite3_stmt *st, const struct report_opts *o)
{
    bind_text(st, 1, o->scenario);
    bind_text(st, 2, o->scheduler);
    for (size_t i = 0; i < o->nruns; i++)
        bind_text(st, (int)(i + 3), o->runs[i]);
}

/* (col matches metric k for some k), metric k bound at ?(base + k). */
static char *build_metric_where(const char *col, size_t n, int base)
{
    struct sb b = { 0 };
    if (!n) {
        sb_add(&b, "1");
    } else {
        sb_add(&b, "(");
        for (size_t i = 0; i < n; i++) {
            int p = base + (int)i;
            sb_add(&b, "%s%s = ?%d OR %s GLOB ?%d OR substr(%s, 1, length(?%d) + 1) = ?%d || ':'",
                   i ? " OR " : "", col, p, col, p, col, p, p);
        }
        sb_add(&b, ")");
    }
    if (b.oom) {
        free(b.s);
        return NULL;
    }
    return b.s;
}

static void bind_metrics(sqlite3_stmt *st, const struct report_opts *o, int base)
{
    for (size_t i = 0; i < o->nmetrics; i++)
        bind_text(st, base + (int)i, o->metrics[i]);
}

/* Open read-only and check that this is a xensim results database of a
 * schema version this code knows, inside a read transaction. */
static int open_db(struct ctx *c)
{
    int64_t ver = 0, tables = 0;
    int rc = store_open_read(c->path, &c->db, &ver, c->err, c->errlen);
    if (rc < 0)
        return rc == -SIM_EBADINPUT || rc == -SIM_ENOENT ? rc : -SIM_EIO;
    if ((rc = store_check_version(c->path, ver, c->err, c->errlen)) < 0)
        return rc;
    /* One snapshot for everything the report reads (COMMIT at the end). */
    if (sqlite3_exec(c->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        return db_fail(c, "cannot read the schema");
    sqlite3_stmt *st = NULL;
    rc = sqlite3_prepare_v2(c->db, "SELECT count(*) FROM sqlite_master WHERE name IN "
                            "('run', 'runAttr', 'runItervar', 'scalar', 'statistic', 'runs')",
                            -1, &st, NULL);
    if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        tables = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (rc != SQLITE_OK)
        return db_fail(c, "cannot read the schema");
    if (tables != 6) {
        sim_errmsg(c->err, c->errlen, "%s: not a xensim results database (schema version %" PRId64
            " but tables or the runs view missing)", c->path, ver);
        return -SIM_ESCHEMA;
    }
    return 0;
}

static void free_runs(struct run_row *r, size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < 8; k++)
            free(r[i].col[k]);
    free(r);
}

static int load_runs(struct ctx *c, struct run_row **out, size_t *nout)
{
    *out = NULL;
    *nout = 0;
    struct sb q = { 0 };
    sb_add(&q, "SELECT runId, runName, scenario, scenario_hash, scheduler, seed, replication,"
           " version, sweep_point FROM runs WHERE %s ORDER BY runId", c->run_where);
    if (q.oom) {
        free(q.s);
        sim_errmsg(c->err, c->errlen, "out of memory");
        return -SIM_ENOMEM;
    }
    sqlite3_stmt *st;
    int ret = prep(c, q.s, &st);
    free(q.s);
    if (ret)
        return ret;
    bind_run_where(st, c->o);
    struct run_row *v = NULL;
    size_t n = 0, cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            size_t nc = cap ? 2 * cap : 16;
            struct run_row *p = realloc(v, nc * sizeof *p);
            if (!p) {
                ret = -SIM_ENOMEM;
                break;
            }
            v = p;
            cap = nc;
        }
        struct run_row *r = &v[n++];
        memset(r, 0, sizeof *r);
        r->id = sqlite3_column_int64(st, 0);
        for (int k = 0; k < 8; k++) {
            const char *t = (const char *)sqlite3_column_text(st, k + 1);
            if (t && !(r->col[k] = xstrdup(t)))
                ret = -SIM_ENOMEM;
        }
        if (ret)
            break;
    }
    if (!ret && rc != SQLITE_DONE)
        ret = db_fail(c, "cannot read the runs");
    else if (ret == -SIM_ENOMEM)
        sim_errmsg(c->err, c->errlen, "out of memory");
    sqlite3_finalize(st);
    if (ret) {
        free_runs(v, n);
        return ret;
    }
    *out = v;
    *nout = n;
    return 0;
}

static void free_metrics(struct metric_row *m, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(m[i].module);
        free(m[i].name);
    }
    free(m);
}

/* The selected scalars then statistics of one run, in the order written. */
static int load_metrics(struct ctx *c, int64_t run_id, struct metric_row **out, size_t *nout)
{
    *out = NULL;
    *nout = 0;
    struct metric_row *v = NULL;
    size_t n = 0, cap = 0;
    int ret = 0;
    for (int pass = 0; pass < 2 && !ret; pass++) {
        struct sb q = { 0 };
        if (pass == 0)
            sb_add(&q, "SELECT moduleName, scalarName, scalarValue FROM scalar WHERE runId = ?1"
                   " AND %s ORDER BY scalarId", c->metric_where_s);
        else
            sb_add(&q, "SELECT moduleName, statName, statCount, statMean, statStddev, statMin,"
                   " statMax, statSum, statSqrsum FROM statistic WHERE runId = ?1 AND %s"
                   " ORDER BY statId", c->metric_where_t);
        if (q.oom) {
            free(q.s);
            ret = -SIM_ENOMEM;
            break;
        }
        sqlite3_stmt *st;
        ret = prep(c, q.s, &st);
        free(q.s);
        if (ret)
            break;
        sqlite3_bind_int64(st, 1, run_id);
        bind_metrics(st, c->o, 2);
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            if (n == cap) {
                size_t nc = cap ? 2 * cap : 64;
                struct metric_row *p = realloc(v, nc * sizeof *p);
                if (!p) {
                    ret = -SIM_ENOMEM;
                    break;
                }
                v = p;
                cap = nc;
            }
            struct metric_row *m = &v[n++];
            memset(m, 0, sizeof *m);
            m->is_stat = pass == 1;
            m->module = xstrdup((const char *)sqlite3_column_text(st, 0));
            m->name = xstrdup((const char *)sqlite3_column_text(st, 1));
            if (!m->module || !m->name) {
                ret = -SIM_ENOMEM;
                break;
            }
            int ncol = pass == 0 ? 1 : 7;
            for (int k = 0; k < ncol; k++) {
                m->null[k] = sqlite3_column_type(st, k + 2) == SQLITE_NULL;
                m->v[k] = m->null[k] ? NAN : sqlite3_column_double(st, k + 2);
            }
        }
        if (!ret && rc != SQLITE_DONE)
            ret = db_fail(c, "cannot read the metrics");
        sqlite3_finalize(st);
    }
    if (ret == -SIM_ENOMEM)
        sim_errmsg(c->err, c->errlen, "out of memory");
    if (ret) {
        free_metrics(v, n);
        return ret;
    }
    *out = v;
    *nout = n;
    return 0;
}

/* Each --run names a run that exists, something is selected, and each
 * --metric names something in the selection. */
static int check_selection(struct ctx *c, size_t nsel)
{
    const struct report_opts *o = c->o;
    sqlite3_stmt *st;
    int ret;
    for (size_t i = 0; i < o->nruns; i++) {
        if ((ret = prep(c, "SELECT count(*) FROM run WHERE CAST(runId AS TEXT) = ?1"
                           " OR runName = ?1", &st)) != 0)
            return ret;
        bind_text(st, 1, o->runs[i]);
        int64_t k = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
        sqlite3_finalize(st);
        if (k < 0)
            return db_fail(c, "cannot read the runs");
        if (k == 0) {
            sim_errmsg(c->err, c->errlen, "%s: no run with id or name '%s'", c->path, o->runs[i]);
            return -SIM_ENOENT;
        }
    }
    if (nsel == 0) {
        char what[512];
        sim_errmsg(what, sizeof what, "%s%s%s%s%s%s", o->nruns ? " --run" : "",
            o->scenario ? " --scenario " : "", o->scenario ? o->scenario : "",
            o->scheduler ? " --scheduler " : "", o->scheduler ? o->scheduler : "",
            o->nruns || o->scenario || o->scheduler ? "" : " (the database has no runs)");
        sim_errmsg(c->err, c->errlen, "%s: no runs match the selection:%s", c->path, what);
        return -SIM_ENOENT;
    }
    for (size_t i = 0; i < o->nmetrics; i++) {
        struct sb q = { 0 };
        char *ws = build_metric_where("scalarName", 1, 3 + (int)o->nruns);
        char *wt = build_metric_where("statName", 1, 3 + (int)o->nruns);
        if (ws && wt)
            sb_add(&q, "SELECT (SELECT count(*) FROM scalar WHERE %s AND runId IN (SELECT runId"
                   " FROM runs WHERE %s)) + (SELECT count(*) FROM statistic WHERE %s AND"
                   " runId IN (SELECT runId FROM runs WHERE %s))", ws, c->run_where, wt,
                   c->run_where);
        free(ws);
        free(wt);
        if (!ws || !wt || q.oom) {
            free(q.s);
            sim_errmsg(c->err, c->errlen, "out of memory");
            return -SIM_ENOMEM;
        }
        ret = prep(c, q.s, &st);
        free(q.s);
        if (ret)
            return ret;
        bind_run_where(st, o);
        bind_text(st, 3 + (int)o->nruns, o->metrics[i]);
        int64_t k = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
        sqlite3_finalize(st);
        if (k < 0)
            return db_fail(c, "cannot read the metrics");
        if (k == 0) {
            sim_errmsg(c->err, c->errlen, "%s: no metric '%s' in the selected runs", c->path,
                o->metrics[i]);
            return -SIM_ENOENT;
        }
    }
    return 0;
}

/* ---- text ---- */

struct table {
    int ncols;
    const bool *right;      /* per column: right-aligned */
    char **cells;           /* row-major, header first */
    size_t nrows, cap;
    bool oom;
};

static void tbl_add(struct table *t, char **row)
{
    if (t->oom)
        goto drop;
    if (t->nrows == t->cap) {
        size_t nc = t->cap ? 2 * t->cap : 32;
        char **p = realloc(t->cells, nc * (size_t)t->ncols * sizeof *p);
        if (!p) {
            t->oom = true;
            goto drop;
        }
        t->cells = p;
        t->cap = nc;
    }
    for (int k = 0; k < t->ncols; k++) {
        char *s = xstrdup(row[k] ? row[k] : "-");
        if (!s)
            t->oom = true;
        t->cells[t->nrows * (size_t)t->ncols + (size_t)k] = s;
    }
    t->nrows++;
    return;
drop:
    return;
}

static void tbl_print(struct table *t, FILE *out, const char *indent)
{
    size_t w[16] = { 0 };
    for (size_t r = 0; r < t->nrows; r++)
        for (int k = 0; k < t->ncols; k++) {
            const char *s = t->cells[r * (size_t)t->ncols + (size_t)k];
            size_t l = s ? strlen(s) : 0;
            if (l > w[k])
                w[k] = l;
        }
    for (size_t r = 0; r < t->nrows; r++) {
        fputs(indent, out);
        for (int k = 0; k < t->ncols; k++) {
            const char *s = t->cells[r * (size_t)t->ncols + (size_t)k];
            bool last = k + 1 == t->ncols;
            if (t->right[k])
                fprintf(out, "%*s", (int)w[k], s ? s : "");
            else
                fprintf(out, "%-*s", last ? 0 : (int)w[k], s ? s : "");
            fputs(last ? "\n" : "  ", out);
        }
    }
}

static void tbl_free(struct table *t)
{
    for (size_t i = 0; i < t->nrows * (size_t)t->ncols; i++)
        free(t->cells[i]);
    free(t->cells);
}

static void text_value(const char *name, double v, bool null, bool ns, char *buf, size_t n)
{
    if (null || isnan(v))
        snprintf(buf, n, "-");
    else if (ns && isfinite(v))
        fmt_ns(v, buf, n);
    else if (isfinite(v) && v == floor(v) && fabs(v) < 1e15)
        snprintf(buf, n, "%.0f", v);
    else
        snprintf(buf, n, "%.6g", v);
    if (name && !null && !isnan(v) && !ns && ends_with(name, strlen(name), "_per_s")) {
        size_t l = strlen(buf);
        snprintf(buf + l, n - l, "/s");
    }
}

static int text_run(struct ctx *c, const struct run_row *r, FILE *out)
{
    fprintf(out, "run %" PRId64 "  %s\n", r->id, r->col[C_NAME]);
    fprintf(out, "  scenario %s (hash %s), scheduler %s, seed %s, replication %s, xensim %s\n",
            r->col[C_SCENARIO] ? r->col[C_SCENARIO] : "-",
            r->col[C_HASH] ? r->col[C_HASH] : "-", r->col[C_SCHED] ? r->col[C_SCHED] : "-",
            r->col[C_SEED] ? r->col[C_SEED] : "-", r->col[C_REP] ? r->col[C_REP] : "-",
            r->col[C_VERSION] ? r->col[C_VERSION] : "-");
    if (r->col[C_SWEEP])
        fprintf(out, "  sweep point: %s\n", r->col[C_SWEEP]);
    struct metric_row *m;
    size_t n;
    int ret = load_metrics(c, r->id, &m, &n);
    if (ret)
        return ret;
    static const bool sright[] = { false, false, true };
    static const bool tright[] = { false, false, true, true, true, true, true };
    struct table ts = { .ncols = 3, .right = sright };
    struct table tt = { .ncols = 7, .right = tright };
    char *sh[] = { "module", "scalar", "value" };
    char *th[] = { "module", "statistic", "count", "mean", "stddev", "min", "max" };
    tbl_add(&ts, sh);
    tbl_add(&tt, th);
    for (size_t i = 0; i < n; i++) {
        bool ns = metric_is_ns(m[i].name);
        if (!m[i].is_stat) {
            char val[64];
            text_value(m[i].name, m[i].v[0], m[i].null[0], ns, val, sizeof val);
            char *row[] = { m[i].module, m[i].name, val };
            tbl_add(&ts, row);
        } else {
            char f[5][64];
            text_value(NULL, m[i].v[0], m[i].null[0], false, f[0], sizeof f[0]);
            for (int k = 1; k < 5; k++)
                text_value(NULL, m[i].v[k], m[i].null[k], ns, f[k], sizeof f[k]);
            char *row[] = { m[i].module, m[i].name, f[0], f[1], f[2], f[3], f[4] };
            tbl_add(&tt, row);
        }
    }
    if (ts.oom || tt.oom) {
        sim_errmsg(c->err, c->errlen, "out of memory");
        ret = -SIM_ENOMEM;
    } else {
        if (ts.nrows > 1)
            tbl_print(&ts, out, "  ");
        if (tt.nrows > 1) {
            if (ts.nrows > 1)
                fputc('\n', out);
            tbl_print(&tt, out, "  ");
        }
        if (ts.nrows == 1 && tt.nrows == 1)
            fputs("  (no metrics selected in this run)\n", out);
    }
    tbl_free(&ts);
    tbl_free(&tt);
    free_metrics(m, n);
    return ret;
}

/* ---- CSV ---- */

static void csv_field(FILE *out, const char *s)
{
    if (!s)
        return;
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

static void csv_num(FILE *out, double v, bool null)
{
    if (null || isnan(v))
        return;
    char buf[40];
    fmt_num(v, buf, sizeof buf);
    fputs(buf, out);
}

static const char *const csv_header[] = {
    "runId", "runName", "scenario", "scenario_hash", "scheduler", "seed", "replication",
    "sweep_point", "module", "metric", "kind", "value", "count", "mean", "stddev", "min", "max",
};

static int csv_run(struct ctx *c, const struct run_row *r, FILE *out)
{
    struct metric_row *m;
    size_t n;
    int ret = load_metrics(c, r->id, &m, &n);
    if (ret)
        return ret;
    static const int cols[] = { C_NAME, C_SCENARIO, C_HASH, C_SCHED, C_SEED, C_REP, C_SWEEP };
    for (size_t i = 0; i < n; i++) {
        fprintf(out, "%" PRId64, r->id);
        for (size_t k = 0; k < sizeof cols / sizeof cols[0]; k++) {
            fputc(',', out);
            csv_field(out, r->col[cols[k]]);
        }
        fputc(',', out);
        csv_field(out, m[i].module);
        fputc(',', out);
        csv_field(out, m[i].name);
        fputs(m[i].is_stat ? ",statistic," : ",scalar,", out);
        if (!m[i].is_stat) {
            csv_num(out, m[i].v[0], m[i].null[0]);
            fputs(",,,,,", out);
        } else {
            for (int k = 0; k < 5; k++) {
                fputc(',', out);
                csv_num(out, m[i].v[k], m[i].null[k]);
            }
        }
        fputs("\r\n", out);
    }
    free_metrics(m, n);
    return 0;
}

/* ---- JSON ---- */

/* Length of the valid UTF-8 sequence at s, 0 if invalid. */
static int utf8_len(const unsigned char *s)
{
    unsigned char c = s[0];
    int n;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    for (int i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
        (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
        return 0;
    return n;
}

static void json_str(FILE *out, const char *s)
{
    if (!s) {
        fputs("null", out);
        return;
    }
    fputc('"', out);
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned char ch = *p;
        if (ch == '"' || ch == '\\') {
            fputc('\\', out);
            fputc(ch, out);
            p++;
        } else if (ch == '\n') {
            fputs("\\n", out);
            p++;
        } else if (ch == '\t') {
            fputs("\\t", out);
            p++;
        } else if (ch == '\r') {
            fputs("\\r", out);
            p++;
        } else if (ch < 0x20 || ch == 0x7f) {
            fprintf(out, "\\u%04x", ch);
            p++;
        } else {
            int n = utf8_len(p);
            if (n == 0) {
                fputs("\\ufffd", out);
                p++;
            } else {
                fwrite(p, 1, (size_t)n, out);
                p += n;
            }
        }
    }
    fputc('"', out);
}

static void json_num(FILE *out, double v, bool null)
{
    if (null || !isfinite(v)) {
        fputs("null", out);
        return;
    }
    char buf[40];
    fmt_num(v, buf, sizeof buf);
    fputs(buf, out);
}

/* "name": {"k": "v", ...} from a two-column query on the run. */
static int json_pairs(struct ctx *c, FILE *out, const char *key, const char *sql, int64_t id)
{
    sqlite3_stmt *st;
    int ret = prep(c, sql, &st);
    if (ret)
        return ret;
    sqlite3_bind_int64(st, 1, id);
    fprintf(out, ",\n      \"%s\": {", key);
    int rc;
    bool first = true;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        fputs(first ? "" : ", ", out);
        json_str(out, (const char *)sqlite3_column_text(st, 0));
        fputs(": ", out);
        json_str(out, (const char *)sqlite3_column_text(st, 1));
        first = false;
    }
    fputc('}', out);
    if (rc != SQLITE_DONE)
        ret = db_fail(c, "cannot read run attributes");
    sqlite3_finalize(st);
    return ret;
}

static int json_run(struct ctx *c, const struct run_row *r, FILE *out, bool first)
{
    fprintf(out, "%s    {\n      \"runId\": %" PRId64, first ? "" : ",\n", r->id);
    for (int k = 0; k < 8; k++) {
        fprintf(out, ",\n      \"%s\": ", run_col_names[k]);
        json_str(out, r->col[k]);
    }
    int ret = json_pairs(c, out, "attributes", "SELECT attrName, attrValue FROM runAttr"
                         " WHERE runId = ?1 ORDER BY attrName", r->id);
    if (!ret)
        ret = json_pairs(c, out, "itervars", "SELECT itervarName, itervarValue FROM"
                         " runItervar WHERE runId = ?1 ORDER BY itervarName", r->id);
    if (ret)
        return ret;
    struct metric_row *m;
    size_t n;
    if ((ret = load_metrics(c, r->id, &m, &n)) != 0)
        return ret;
    static const char *const sk[] = { "count", "mean", "stddev", "min", "max", "sum",
                                      "sqrsum" };
    for (int pass = 0; pass < 2; pass++) {
        fprintf(out, ",\n      \"%s\": [", pass ? "statistics" : "scalars");
        bool f = true;
        for (size_t i = 0; i < n; i++) {
            if (m[i].is_stat != (pass == 1))
                continue;
            fprintf(out, "%s\n        {\"module\": ", f ? "" : ",");
            json_str(out, m[i].module);
            fputs(", \"name\": ", out);
            json_str(out, m[i].name);
            if (!pass) {
                fputs(", \"value\": ", out);
                json_num(out, m[i].v[0], m[i].null[0]);
            } else {
                for (int k = 0; k < 7; k++) {
                    fprintf(out, ", \"%s\": ", sk[k]);
                    json_num(out, m[i].v[k], m[i].null[k]);
                }
            }
            fputc('}', out);
            f = false;
        }
        fputs(f ? "]" : "\n      ]", out);
    }
    fputs("\n    }", out);
    free_metrics(m, n);
    return 0;
}

/* ---- entry points ---- */

int report_parse_format(const char *name, enum report_format *out)
{
    if (!name || !out)
        return -SIM_EINVAL;
    if (!strcmp(name, "text"))
        *out = REPORT_TEXT;
    else if (!strcmp(name, "csv"))
        *out = REPORT_CSV;
    else if (!strcmp(name, "json"))
        *out = REPORT_JSON;
    else
        return -SIM_EINVAL;
    return 0;
}

int report_write(const char *db_path, const struct report_opts *o, FILE *out, char *err,
                 size_t errlen)
{
    sim_errmsg(err, errlen, "%s", "");
    if (!db_path || !o || !out || (o->nruns && !o->runs) || (o->nmetrics && !o->metrics)) {
        sim_errmsg(err, errlen, "report: missing database path, options or output");
        return -SIM_EINVAL;
    }
    if (o->format != REPORT_TEXT && o->format != REPORT_CSV && o->format != REPORT_JSON) {
        sim_errmsg(err, errlen, "report: unknown format %d", (int)o->format);
        return -SIM_EINVAL;
    }
    for (size_t i = 0; i < o->nruns; i++)
        if (!o->runs[i])
            return sim_errmsg(err, errlen, "report: a run selector is NULL"), -SIM_EINVAL;
    for (size_t i = 0; i < o->nmetrics; i++)
        if (!o->metrics[i])
            return sim_errmsg(err, errlen, "report: a metric selector is NULL"), -SIM_EINVAL;
    struct ctx c = { .path = db_path, .o = o, .err = err, .errlen = errlen };
    struct run_row *runs = NULL;
    size_t nruns = 0;
    int ret = open_db(&c);
    if (ret)
        goto done;
    c.run_where = build_run_where(o);
    c.metric_where_s = build_metric_where("scalarName", o->nmetrics, 2);
    c.metric_where_t = build_metric_where("statName", o->nmetrics, 2);
    if (!c.run_where || !c.metric_where_s || !c.metric_where_t) {
        sim_errmsg(err, errlen, "out of memory");
        ret = -SIM_ENOMEM;
        goto done;
    }
    if ((ret = load_runs(&c, &runs, &nruns)) != 0 ||
        (ret = check_selection(&c, nruns)) != 0)
        goto done;

    if (o->format == REPORT_TEXT) {
        fprintf(out, "%s: %zu run%s\n", db_path, nruns, nruns == 1 ? "" : "s");
        for (size_t i = 0; i < nruns && !ret; i++) {
            fputc('\n', out);
            ret = text_run(&c, &runs[i], out);
        }
    } else if (o->format == REPORT_CSV) {
        for (size_t k = 0; k < sizeof csv_header / sizeof csv_header[0]; k++)
            fprintf(out, "%s%s", k ? "," : "", csv_header[k]);
        fputs("\r\n", out);
        for (size_t i = 0; i < nruns && !ret; i++)
            ret = csv_run(&c, &runs[i], out);
    } else {
        fputs("{\n  \"database\": ", out);
        json_str(out, db_path);
        fprintf(out, ",\n  \"schema_version\": %d,\n  \"runs\": [\n", STORE_SCHEMA_VERSION);
        for (size_t i = 0; i < nruns && !ret; i++)
            ret = json_run(&c, &runs[i], out, i == 0);
        fputs("\n  ]\n}\n", out);
    }
    if (!ret && (fflush(out) != 0 || ferror(out))) {
        sim_errmsg(err, errlen, "cannot write the report: %s", strerror(errno));
        ret = -SIM_EIO;
    }
done:
    free_runs(runs, nruns);
    free(c.run_where);
    free(c.metric_where_s);
    free(c.metric_where_t);
    if (c.db) {
        sqlite3_exec(c.db, "COMMIT", NULL, NULL, NULL);
        sqlite3_close(c.db);
    }
    return ret;
}
