/*
 * analysis/history.c: the result history (see analysis/history.h for what
 * a history is and the step rule).
 *
 * Adding: the historyNight row is written first, in its own transaction,
 * then analysis/merge copies the runs (one transaction each) under the
 * "LABEL/" prefix with the "night" attribute; a new night whose every run
 * failed is deleted again, so a failed add leaves nothing behind.
 *
 * Reading: the runs are read once with their night and group (scenario,
 * scheduler, sweep point), then every scalar and statistic mean in one
 * pass. Module and metric names are interned (a history repeats a few
 * hundred names over thousands of runs), each value becomes a 24-byte
 * entry, the entries are sorted by (group, module, metric, night) and each
 * run of equal keys is reduced to one point: n, mean, sample standard
 * deviation (GSL's two-pass gsl_stats_mean and gsl_stats_sd_m) and the
 * Student-t 95% interval (gsl_cdf_tdist_Pinv). The stretch a night is
 * tested against is pooled from its nights' (n, mean, sd) exactly, around
 * the stretch's first mean to keep the sums small.
 */
#define _GNU_SOURCE 1               /* qsort_r */
#include "analysis/history.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_statistics_double.h>
#include <sqlite3.h>

#include "analysis/merge.h"
#include "analysis/store.h"
#include "sim/err.h"

#define ATTR_NIGHT "night"

/* The history's own table and an index to find a night's runs. */
static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS historyNight ("
    " nightId INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,"
    " label TEXT NOT NULL UNIQUE,"
    " nightTime INTEGER NOT NULL,"
    " addedTime INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS runAttr_value_idx ON runAttr(attrName, attrValue);";

static int open_history(const char *path, sqlite3 **db, char *err, size_t errlen);

static bool label_ok(const char *l)
{
    size_t n = l ? strlen(l) : 0;
    if (n == 0 || n > HISTORY_LABEL_MAX)
        return false;
    return strspn(l, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:+-") == n;
}

static int exec_sql(sqlite3 *db, const char *sql, const char *path, char *err, size_t errlen)
{
    int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        sim_errmsg(err, errlen, "%s: %s", path, sqlite3_errmsg(db));
        return -SIM_EDB;
    }
    return 0;
}

/* The night's row: inserted if new (*is_new), checked against time_s if
 * not. */
static int night_row(sqlite3 *db, const char *path, const char *label, bool have_time,
                     int64_t time_s, bool *is_new, char *err, size_t errlen)
{
    int ret = exec_sql(db, "BEGIN IMMEDIATE", path, err, errlen);
    if (ret)
        return ret;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, "SELECT nightTime FROM historyNight WHERE label = ?1", -1,
                                &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, label, -1, SQLITE_TRANSIENT);
        rc = sqlite3_step(st);
    }
    if (rc == SQLITE_ROW) {
        int64_t t = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        *is_new = false;
        if (have_time && t != time_s) {
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            sim_errmsg(err, errlen, "%s: night %s is at %" PRId64 " s, not at %" PRId64
                " s; a night keeps the time it was first added with", path, label, t, time_s);
            return -SIM_EBADINPUT;
        }
        return exec_sql(db, "COMMIT", path, err, errlen);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        sim_errmsg(err, errlen, "%s: %s", path, sqlite3_errmsg(db));
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return -SIM_EDB;
    }
    int64_t now = (int64_t)time(NULL);
    rc = sqlite3_prepare_v2(db, "INSERT INTO historyNight (label, nightTime, addedTime) "
                            "VALUES (?1, ?2, ?3)", -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, label, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 2, have_time ? time_s : now);
        sqlite3_bind_int64(st, 3, now);
        rc = sqlite3_step(st);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        sim_errmsg(err, errlen, "%s: %s", path, sqlite3_errmsg(db));
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return -SIM_EDB;
    }
    *is_new = true;
    return exec_sql(db, "COMMIT", path, err, errlen);
}

/* The number of runs of a results database, refusing a history (whose
 * runs already carry a night). */
static int count_runs(const char *path, int64_t *n, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    int64_t ver = 0;
    int ret = store_open_read(path, &db, &ver, err, errlen);
    if (ret < 0)
        return ret;
    if ((ret = store_check_version(path, ver, err, errlen)) < 0) {
        sqlite3_close(db);
        return ret;
    }
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, "SELECT (SELECT count(*) FROM run), (SELECT count(*) FROM "
                                "sqlite_master WHERE name = 'historyNight')", -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sim_errmsg(err, errlen, "%s: cannot read its runs: %s", path, sqlite3_errmsg(db));
        ret = -SIM_EDB;
    } else if (sqlite3_column_int64(st, 1)) {
        sim_errmsg(err, errlen, "%s: is a history, not one night's results", path);
        ret = -SIM_EBADINPUT;
    } else {
        *n = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return ret;
}

int history_add(const char *path, const char *results_db, const char *label, bool have_time,
                int64_t time_s, struct history_add_result *res, char *err, size_t errlen)
{
    struct history_add_result r = { 0 };
    sim_errmsg(err, errlen, "%s", "");
    if (res)
        *res = r;
    if (!label_ok(label)) {
        sim_errmsg(err, errlen, "bad night label '%s': 1 to %d characters of A-Z a-z 0-9 . _ "
            ": + -", label ? label : "", HISTORY_LABEL_MAX);
        return -SIM_EBADINPUT;
    }
    int64_t nruns = 0;
    int ret = count_runs(results_db, &nruns, err, errlen);
    if (ret < 0)
        return ret;
    if (nruns == 0) {
        sim_errmsg(err, errlen, "%s: no runs to add", results_db);
        return -SIM_EBADINPUT;
    }
    struct merge *m = merge_open(path, err, errlen);
    if (!m)
        return -SIM_EBADINPUT;
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL);
    if (rc != SQLITE_OK) {
        sim_errmsg(err, errlen, "%s: cannot open: %s", path,
            db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        sqlite3_close(db);
        merge_close(m);
        return -SIM_EIO;
    }
    sqlite3_busy_timeout(db, STORE_BUSY_TIMEOUT_MS);
    bool is_new = false;
    ret = exec_sql(db, schema_sql, path, err, errlen);
    if (!ret)
        ret = night_row(db, path, label, have_time, time_s, &is_new, err, errlen);
    if (!ret) {
        char prefix[HISTORY_LABEL_MAX + 2];
        snprintf(prefix, sizeof prefix, "%s/", label);
        struct merge_opts mo = { .name_prefix = prefix, .attr_name = ATTR_NIGHT,
                                 .attr_value = label };
        struct merge_result mr = { 0 };
        ret = merge_shard(m, results_db, &mo, &mr, err, errlen);
        r.copied = mr.copied;
        r.present = mr.present;
        r.new_night = is_new;
        if (ret < 0 && is_new && mr.copied == 0 && mr.present == 0) {
            sqlite3_stmt *st = NULL;
            if (sqlite3_prepare_v2(db, "DELETE FROM historyNight WHERE label = ?1", -1, &st,
                                   NULL) == SQLITE_OK) {
                sqlite3_bind_text(st, 1, label, -1, SQLITE_TRANSIENT);
                sqlite3_step(st);
            }
            sqlite3_finalize(st);
            r.new_night = false;
        }
    }
    sqlite3_close(db);
    merge_close(m);
    if (res)
        *res = r;
    return ret;
}

int history_prune(const char *path, int keep, int64_t *deleted, char *err, size_t errlen)
{
    if (deleted)
        *deleted = 0;
    if (keep <= 0)
        return 0;
    sqlite3 *db = NULL;
    int ret = open_history(path, &db, err, errlen);
    if (ret < 0)
        return ret;
    sqlite3_close(db);
    db = NULL;
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL);
    if (rc != SQLITE_OK) {
        sim_errmsg(err, errlen, "%s: cannot open: %s", path,
            db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        sqlite3_close(db);
        return -SIM_EIO;
    }
    sqlite3_busy_timeout(db, STORE_BUSY_TIMEOUT_MS);
    /* The runs of every night but the newest `keep`. */
#define OLD_RUNS "SELECT n.runId FROM runAttr n WHERE n.attrName = '" ATTR_NIGHT "' AND " \
                 "n.attrValue IN (SELECT label FROM historyNight ORDER BY nightTime DESC, " \
                 "label DESC LIMIT -1 OFFSET ?1)"
    static const char *const sql[] = {
        "DELETE FROM histogramBin WHERE statId IN (SELECT statId FROM statistic WHERE "
        "runId IN (" OLD_RUNS "))",
        "DELETE FROM vectorData WHERE vectorId IN (SELECT vectorId FROM vector WHERE "
        "runId IN (" OLD_RUNS "))",
    };
#undef OLD_RUNS
    ret = exec_sql(db, "BEGIN IMMEDIATE", path, err, errlen);
    int64_t n = 0;
    for (size_t i = 0; !ret && i < sizeof sql / sizeof sql[0]; i++) {
        sqlite3_stmt *st = NULL;
        rc = sqlite3_prepare_v2(db, sql[i], -1, &st, NULL);
        if (rc == SQLITE_OK) {
            sqlite3_bind_int(st, 1, keep);
            rc = sqlite3_step(st);
        }
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE) {
            sim_errmsg(err, errlen, "%s: cannot prune: %s", path, sqlite3_errmsg(db));
            ret = -SIM_EDB;
        } else {
            n += sqlite3_changes(db);
        }
    }
    if (!ret)
        ret = exec_sql(db, "COMMIT", path, err, errlen);
    else
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(db);
    if (!ret && deleted)
        *deleted = n;
    return ret;
}

/* ---- reading ---- */

static int open_history(const char *path, sqlite3 **db, char *err, size_t errlen)
{
    int64_t ver = 0;
    int ret = store_open_read(path, db, &ver, err, errlen);
    if (ret < 0)
        return ret == -SIM_ENOENT ? -SIM_EBADINPUT : ret;
    if ((ret = store_check_version(path, ver, err, errlen)) < 0)
        goto fail;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(*db, "SELECT count(*) FROM sqlite_master WHERE name = "
                                "'historyNight'", -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    int64_t n = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    if (n < 0) {
        sim_errmsg(err, errlen, "%s: cannot read: %s", path, sqlite3_errmsg(*db));
        ret = -SIM_EDB;
        goto fail;
    }
    if (n == 0) {
        sim_errmsg(err, errlen, "%s: a results database but not a history (no nights); "
            "make one with `xensim history add`", path);
        ret = -SIM_EBADINPUT;
        goto fail;
    }
    return 0;
fail:
    sqlite3_close(*db);
    *db = NULL;
    return ret;
}

static char *dup_col(sqlite3_stmt *st, int i)
{
    const char *t = (const char *)sqlite3_column_text(st, i);
    return strdup(t ? t : "");
}

static void night_strings_free(struct history_night *x)
{
    free(x->label);
    free(x->scenarios);
    free(x->versions);
    free(x->hashes);
}

void history_nights_free(struct history_night *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        night_strings_free(&v[i]);
    free(v);
}

/* The distinct values of one run attribute over a night's runs, sorted.
 * CROSS JOIN keeps SQLite from scanning every run's attribute x for each
 * night (quadratic in the nights): the night's runs first, by the index. */
#define NIGHT_ATTRS(a) \
    "(SELECT group_concat(v, ', ') FROM (SELECT DISTINCT x.attrValue AS v FROM runAttr n CROSS " \
    "JOIN runAttr x ON x.runId = n.runId AND x.attrName = '" a "' WHERE n.attrName = '" \
    ATTR_NIGHT "' AND n.attrValue = h.label ORDER BY v))"

static int read_nights(sqlite3 *db, const char *path, struct history_night **out, size_t *nout,
                       char *err, size_t errlen)
{
    static const char sql[] =
        "SELECT h.nightId, h.label, h.nightTime, (SELECT count(*) FROM runAttr n WHERE "
        "n.attrName = '" ATTR_NIGHT "' AND n.attrValue = h.label), "
        NIGHT_ATTRS(STORE_ATTR_SCENARIO) ", " NIGHT_ATTRS(STORE_ATTR_VERSION) ", "
        NIGHT_ATTRS(STORE_ATTR_SCENARIO_HASH)
        " FROM historyNight h ORDER BY h.nightTime, h.label";
    sqlite3_stmt *st = NULL;
    struct history_night *v = NULL;
    size_t n = 0, cap = 0;
    int ret = 0, rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            size_t nc = cap ? 2 * cap : 32;
            struct history_night *p = realloc(v, nc * sizeof *p);
            if (!p) {
                ret = -SIM_ENOMEM;
                break;
            }
            v = p;
            cap = nc;
        }
        struct history_night *x = &v[n++];
        x->id = sqlite3_column_int64(st, 0);
        x->label = dup_col(st, 1);
        x->time = sqlite3_column_int64(st, 2);
        x->runs = sqlite3_column_int64(st, 3);
        x->scenarios = dup_col(st, 4);
        x->versions = dup_col(st, 5);
        x->hashes = dup_col(st, 6);
        if (!x->label || !x->scenarios || !x->versions || !x->hashes) {
            ret = -SIM_ENOMEM;
            break;
        }
        rc = SQLITE_OK;
    }
    if (!ret && rc != SQLITE_DONE)
        ret = -SIM_EDB;
    if (ret)
        sim_errmsg(err, errlen, "%s: cannot read its nights: %s", path,
            ret == -SIM_ENOMEM ? "out of memory" : sqlite3_errmsg(db));
    sqlite3_finalize(st);
    if (ret) {
        history_nights_free(v, n);
        return ret;
    }
    *out = v;
    *nout = n;
    return 0;
}

int history_list(const char *path, struct history_night **out, size_t *n, char *err,
                 size_t errlen)
{
    sqlite3 *db = NULL;
    *out = NULL;
    *n = 0;
    int ret = open_history(path, &db, err, errlen);
    if (ret < 0)
        return ret;
    ret = read_nights(db, path, out, n, err, errlen);
    sqlite3_close(db);
    return ret;
}

int history_night_runs(const char *path, const char *label, const char *scenario,
                       int64_t **ids, size_t *n, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    *ids = NULL;
    *n = 0;
    int ret = open_history(path, &db, err, errlen);
    if (ret < 0)
        return ret;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, "SELECT n.runId FROM runAttr n JOIN runAttr s ON "
                                "s.runId = n.runId AND s.attrName = '" STORE_ATTR_SCENARIO
                                "' WHERE n.attrName = '" ATTR_NIGHT "' AND n.attrValue = ?1 "
                                "AND s.attrValue = ?2 ORDER BY n.runId", -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, label, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, scenario, -1, SQLITE_TRANSIENT);
    }
    size_t cap = 0;
    while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            size_t nc = cap ? 2 * cap : 16;
            int64_t *p = realloc(*ids, nc * sizeof *p);
            if (!p) {
                ret = -SIM_ENOMEM;
                break;
            }
            *ids = p;
            cap = nc;
        }
        (*ids)[(*n)++] = sqlite3_column_int64(st, 0);
        rc = SQLITE_OK;
    }
    if (!ret && rc != SQLITE_DONE)
        ret = -SIM_EDB;
    if (ret) {
        sim_errmsg(err, errlen, "%s: cannot read the runs of night %s: %s", path, label,
            ret == -SIM_ENOMEM ? "out of memory" : sqlite3_errmsg(db));
        free(*ids);
        *ids = NULL;
        *n = 0;
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return ret;
}

/* ---- the step rule ---- */

size_t history_detect(const struct history_point *pts, size_t nnights, enum regress_dir dir,
                      const struct history_opts *o, struct history_flag *flags)
{
    size_t nf = 0;
    size_t start = SIZE_MAX;        /* first night of the stable stretch */
    int window = o->window > 0 ? o->window : 1;
    for (size_t i = 0; i < nnights; i++) {
        const struct history_point *p = &pts[i];
        if (p->n <= 0)
            continue;
        if (start == SIZE_MAX) {
            start = i;
            continue;
        }
        /* The last `window` nights with data in [start, i). */
        size_t from = i;
        int taken = 0;
        while (from > start && taken < window) {
            from--;
            if (pts[from].n > 0)
                taken++;
        }
        while (pts[from].n <= 0)
            from++;
        double c = pts[from].mean, sum = 0, sq = 0;
        double nt = 0;
        for (size_t j = from; j < i; j++) {
            const struct history_point *q = &pts[j];
            if (q->n <= 0)
                continue;
            double d = q->mean - c;
            nt += q->n;
            sum += q->n * d;
            sq += (q->n - 1) * q->sd * q->sd + q->n * d * d;
        }
        double md = sum / nt;
        double base = c + md;
        double var = nt > 1 ? (sq - nt * md * md) / (nt - 1) : NAN;
        if (var < 0)
            var = 0;
        double v = p->n > 1 ? p->sd * p->sd : NAN;
        double change, pv;
        enum regress_verdict verdict = regress_judge(base, var, (size_t)nt, p->mean, v,
                                                     (size_t)p->n, dir, o->tolerance, o->alpha,
                                                     &change, &pv);
        if (verdict == REGRESS_REGRESSED || verdict == REGRESS_IMPROVED ||
            verdict == REGRESS_CHANGED) {
            flags[nf++] = (struct history_flag){ .series = 0, .night = i, .verdict = verdict,
                                                 .base = base, .cur = p->mean, .change = change,
                                                 .p = pv, .stretch_from = from };
            start = i;
        }
    }
    return nf;
}

/* ---- reading every value ---- */

/* Interned names: an open-addressing table of indices into a string list. */
struct names {
    char **s;
    size_t n, cap;
    int32_t *slot;                  /* index + 1, 0 empty */
    size_t nslots;
};

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static int names_grow(struct names *t)
{
    size_t ns = t->nslots ? 2 * t->nslots : 256;
    int32_t *slot = calloc(ns, sizeof *slot);
    if (!slot)
        return -SIM_ENOMEM;
    for (size_t i = 0; i < t->n; i++) {
        size_t k = hash_str(t->s[i]) & (ns - 1);
        while (slot[k])
            k = (k + 1) & (ns - 1);
        slot[k] = (int32_t)i + 1;
    }
    free(t->slot);
    t->slot = slot;
    t->nslots = ns;
    return 0;
}

/* The index of s, added if new; < 0 on error. */
static int32_t names_get(struct names *t, const char *s)
{
    if (2 * (t->n + 1) > t->nslots && names_grow(t) < 0)
        return -SIM_ENOMEM;
    size_t k = hash_str(s) & (t->nslots - 1);
    while (t->slot[k]) {
        int32_t i = t->slot[k] - 1;
        if (!strcmp(t->s[i], s))
            return i;
        k = (k + 1) & (t->nslots - 1);
    }
    if (t->n == t->cap) {
        size_t nc = t->cap ? 2 * t->cap : 64;
        char **p = realloc(t->s, nc * sizeof *p);
        if (!p)
            return -SIM_ENOMEM;
        t->s = p;
        t->cap = nc;
    }
    if (t->n >= INT32_MAX - 1 || !(t->s[t->n] = strdup(s)))
        return -SIM_ENOMEM;
    t->slot[k] = (int32_t)t->n + 1;
    return (int32_t)t->n++;
}

/* One group: the replications of one experiment on each night. */
struct grp {
    int32_t scenario, scheduler, sweep;   /* name indices */
};

struct run_ref {
    int32_t night;                  /* -1: not a run of a known night */
    int32_t group;
};

struct ent {
    int32_t group, module, metric, night;
    double value;
};

struct reader {
    struct names names;
    int32_t *rank;                  /* rank of each name in byte order */
    struct grp *groups;
    size_t ngroups, gcap;
    int32_t *grank;                 /* rank of each group */
    struct run_ref *runs;           /* by runId */
    int64_t nruns;
    struct ent *ents;
    size_t nents, ecap;
};

static void reader_free(struct reader *r)
{
    free(r->names.slot);
    free(r->rank);
    free(r->groups);
    free(r->grank);
    free(r->runs);
    free(r->ents);
    /* the names themselves move into the history (or are freed by it) */
}

static int find_night(const struct history *h, const char *label)
{
    for (size_t i = 0; i < h->nnights; i++)
        if (!strcmp(h->nights[i].label, label))
            return (int)i;
    return -1;
}

static int32_t group_of(struct reader *r, int32_t sc, int32_t sd, int32_t sw)
{
    for (size_t i = 0; i < r->ngroups; i++)
        if (r->groups[i].scenario == sc && r->groups[i].scheduler == sd &&
            r->groups[i].sweep == sw)
            return (int32_t)i;
    if (r->ngroups == r->gcap) {
        size_t nc = r->gcap ? 2 * r->gcap : 16;
        struct grp *p = realloc(r->groups, nc * sizeof *p);
        if (!p)
            return -SIM_ENOMEM;
        r->groups = p;
        r->gcap = nc;
    }
    r->groups[r->ngroups] = (struct grp){ sc, sd, sw };
    return (int32_t)r->ngroups++;
}

static int read_runs(sqlite3 *db, struct reader *r, const struct history *h)
{
    static const char sql[] =
        "SELECT v.runId, n.attrValue, coalesce(v.scenario, ''), coalesce(v.scheduler, ''), "
        "coalesce(v.sweep_point, '') FROM runs v JOIN runAttr n ON n.runId = v.runId AND "
        "n.attrName = '" ATTR_NIGHT "' ORDER BY v.runId";
    sqlite3_stmt *st = NULL;
    int ret = 0, rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        rc = SQLITE_OK;
        int64_t id = sqlite3_column_int64(st, 0);
        const char *night = (const char *)sqlite3_column_text(st, 1);
        int k = night ? find_night(h, night) : -1;
        if (id < 0 || id > INT32_MAX || k < 0)
            continue;
        if (id >= r->nruns) {
            int64_t nn = r->nruns ? 2 * r->nruns : 1024;
            while (nn <= id)
                nn *= 2;
            struct run_ref *p = realloc(r->runs, (size_t)nn * sizeof *p);
            if (!p) {
                ret = -SIM_ENOMEM;
                break;
            }
            for (int64_t i = r->nruns; i < nn; i++)
                p[i] = (struct run_ref){ -1, -1 };
            r->runs = p;
            r->nruns = nn;
        }
        int32_t sc = names_get(&r->names, (const char *)sqlite3_column_text(st, 2));
        int32_t sd = names_get(&r->names, (const char *)sqlite3_column_text(st, 3));
        int32_t sw = names_get(&r->names, (const char *)sqlite3_column_text(st, 4));
        int32_t g = sc < 0 || sd < 0 || sw < 0 ? -SIM_ENOMEM : group_of(r, sc, sd, sw);
        if (g < 0) {
            ret = g;
            break;
        }
        r->runs[id] = (struct run_ref){ k, g };
    }
    if (!ret && rc != SQLITE_DONE)
        ret = -SIM_EDB;
    sqlite3_finalize(st);
    return ret;
}

static int read_values(sqlite3 *db, struct reader *r, const struct history_opts *o)
{
    static const char sql[] =
        "SELECT runId, moduleName, scalarName, scalarValue FROM scalar WHERE scalarValue "
        "IS NOT NULL UNION ALL SELECT runId, moduleName, statName || ':mean', statMean "
        "FROM statistic WHERE statMean IS NOT NULL";
    sqlite3_stmt *st = NULL;
    int ret = 0, rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        rc = SQLITE_OK;
        int64_t id = sqlite3_column_int64(st, 0);
        const char *mod = (const char *)sqlite3_column_text(st, 1);
        const char *met = (const char *)sqlite3_column_text(st, 2);
        double v = sqlite3_column_double(st, 3);
        if (id < 0 || id >= r->nruns || r->runs[id].night < 0 || !mod || !met ||
            !isfinite(v) || !regress_selected(met, o->metrics, o->nmetrics))
            continue;
        if (r->nents == r->ecap) {
            size_t nc = r->ecap ? 2 * r->ecap : 4096;
            struct ent *p = realloc(r->ents, nc * sizeof *p);
            if (!p) {
                ret = -SIM_ENOMEM;
                break;
            }
            r->ents = p;
            r->ecap = nc;
        }
        int32_t mi = names_get(&r->names, mod), ti = names_get(&r->names, met);
        if (mi < 0 || ti < 0) {
            ret = -SIM_ENOMEM;
            break;
        }
        r->ents[r->nents++] = (struct ent){ r->runs[id].group, mi, ti, r->runs[id].night, v };
    }
    if (!ret && rc != SQLITE_DONE)
        ret = -SIM_EDB;
    sqlite3_finalize(st);
    return ret;
}

static int cmp_name_idx(const void *a, const void *b, void *ctx)
{
    const struct reader *sort_ctx = ctx;
    char *const *s = sort_ctx->names.s;
    return strcmp(s[*(const int32_t *)a], s[*(const int32_t *)b]);
}

static int cmp_group_idx(const void *a, const void *b, void *ctx)
{
    const struct reader *sort_ctx = ctx;
    const struct grp *x = &sort_ctx->groups[*(const int32_t *)a];
    const struct grp *y = &sort_ctx->groups[*(const int32_t *)b];
    const int32_t *rk = sort_ctx->rank;
    if (x->scenario != y->scenario)
        return rk[x->scenario] < rk[y->scenario] ? -1 : 1;
    if (x->scheduler != y->scheduler)
        return rk[x->scheduler] < rk[y->scheduler] ? -1 : 1;
    if (x->sweep != y->sweep)
        return rk[x->sweep] < rk[y->sweep] ? -1 : 1;
    return 0;
}

static int cmp_ent(const void *a, const void *b, void *ctx)
{
    const struct reader *sort_ctx = ctx;
    const struct ent *x = a, *y = b;
    const int32_t *rk = sort_ctx->rank, *gr = sort_ctx->grank;
    if (x->group != y->group)
        return gr[x->group] < gr[y->group] ? -1 : 1;
    if (x->module != y->module)
        return rk[x->module] < rk[y->module] ? -1 : 1;
    if (x->metric != y->metric)
        return rk[x->metric] < rk[y->metric] ? -1 : 1;
    if (x->night != y->night)
        return x->night < y->night ? -1 : 1;
    return 0;
}

static int rank_all(struct reader *r)
{
    size_t n = r->names.n;
    int32_t *idx = malloc((n ? n : 1) * sizeof *idx);
    int32_t *gidx = malloc((r->ngroups ? r->ngroups : 1) * sizeof *gidx);
    r->rank = malloc((n ? n : 1) * sizeof *r->rank);
    r->grank = malloc((r->ngroups ? r->ngroups : 1) * sizeof *r->grank);
    if (!idx || !gidx || !r->rank || !r->grank) {
        free(idx);
        free(gidx);
        return -SIM_ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        idx[i] = (int32_t)i;
    qsort_r(idx, n, sizeof *idx, cmp_name_idx, r);
    for (size_t i = 0; i < n; i++)
        r->rank[idx[i]] = (int32_t)i;
    for (size_t i = 0; i < r->ngroups; i++)
        gidx[i] = (int32_t)i;
    qsort_r(gidx, r->ngroups, sizeof *gidx, cmp_group_idx, r);
    for (size_t i = 0; i < r->ngroups; i++)
        r->grank[gidx[i]] = (int32_t)i;
    qsort_r(r->ents, r->nents, sizeof *r->ents, cmp_ent, r);
    free(idx);
    free(gidx);
    return 0;
}

static void set_point(struct history_point *p, const double *v, size_t n)
{
    p->n = (int)n;
    p->mean = gsl_stats_mean(v, 1, n);
    if (n > 1) {
        p->sd = gsl_stats_sd_m(v, 1, n, p->mean);
        double h = gsl_cdf_tdist_Pinv(0.975, (double)(n - 1)) * p->sd / sqrt((double)n);
        p->lo = p->mean - h;
        p->hi = p->mean + h;
    } else {
        p->sd = 0;
        p->lo = p->hi = p->mean;
    }
}

/* Turn the sorted entries into series, points and flags. */
static int build(struct history *h, struct reader *r, const struct history_opts *o)
{
    size_t cap = 0, fcap = 0, vcap = 0;
    double *vals = NULL;
    struct history_flag *tmp = malloc((h->nnights ? h->nnights : 1) * sizeof *tmp);
    if (!tmp)
        return -SIM_ENOMEM;
    int ret = 0;
    for (size_t i = 0; i < r->nents && !ret;) {
        const struct ent *e = &r->ents[i];
        if (h->nseries == cap) {
            size_t nc = cap ? 2 * cap : 64;
            struct history_series *p = realloc(h->series, nc * sizeof *p);
            if (!p) {
                ret = -SIM_ENOMEM;
                break;
            }
            h->series = p;
            cap = nc;
        }
        struct history_series *s = &h->series[h->nseries];
        const struct grp *g = &r->groups[e->group];
        *s = (struct history_series){
            .scenario = r->names.s[g->scenario], .scheduler = r->names.s[g->scheduler],
            .sweep_point = r->names.s[g->sweep], .module = r->names.s[e->module],
            .metric = r->names.s[e->metric], .dir = regress_direction(r->names.s[e->metric]),
        };
        s->points = malloc((h->nnights ? h->nnights : 1) * sizeof *s->points);
        if (!s->points) {
            ret = -SIM_ENOMEM;
            break;
        }
        h->nseries++;
        for (size_t k = 0; k < h->nnights; k++)
            s->points[k] = (struct history_point){ 0, NAN, NAN, NAN, NAN };
        size_t j = i;
        while (j < r->nents && r->ents[j].group == e->group && r->ents[j].module == e->module &&
               r->ents[j].metric == e->metric) {
            size_t k = j;
            int32_t night = r->ents[j].night;
            while (k < r->nents && r->ents[k].group == e->group &&
                   r->ents[k].module == e->module && r->ents[k].metric == e->metric &&
                   r->ents[k].night == night)
                k++;
            if (k - j > vcap) {
                double *p = realloc(vals, (k - j) * sizeof *p);
                if (!p) {
                    ret = -SIM_ENOMEM;
                    break;
                }
                vals = p;
                vcap = k - j;
            }
            for (size_t q = j; q < k; q++)
                vals[q - j] = r->ents[q].value;
            set_point(&s->points[night], vals, k - j);
            j = k;
        }
        i = j;
        if (ret)
            break;
        size_t nf = history_detect(s->points, h->nnights, s->dir, o, tmp);
        s->first_flag = h->nflags;
        s->nflags = nf;
        if (h->nflags + nf > fcap) {
            size_t nc = fcap ? 2 * fcap : 64;
            while (nc < h->nflags + nf)
                nc *= 2;
            struct history_flag *p = realloc(h->flags, nc * sizeof *p);
            if (!p) {
                ret = -SIM_ENOMEM;
                break;
            }
            h->flags = p;
            fcap = nc;
        }
        for (size_t f = 0; f < nf; f++) {
            tmp[f].series = h->nseries - 1;
            h->flags[h->nflags++] = tmp[f];
        }
    }
    free(vals);
    free(tmp);
    return ret;
}

int history_read(const char *path, const struct history_opts *o, struct history **out,
                 char *err, size_t errlen)
{
    *out = NULL;
    sim_errmsg(err, errlen, "%s", "");
    if (!(o->tolerance >= 0) || !(o->alpha > 0 && o->alpha < 1) || o->window < 1) {
        sim_errmsg(err, errlen, "history: tolerance >= 0, alpha in (0, 1) and window >= 1");
        return -SIM_EINVAL;
    }
    sqlite3 *db = NULL;
    int ret = open_history(path, &db, err, errlen);
    if (ret < 0)
        return ret;
    struct history *h = calloc(1, sizeof *h);
    struct reader r = { 0 };
    if (!h) {
        sqlite3_close(db);
        sim_errmsg(err, errlen, "%s: out of memory", path);
        return -SIM_ENOMEM;
    }
    ret = read_nights(db, path, &h->nights, &h->nnights, err, errlen);
    if (!ret && (ret = read_runs(db, &r, h)) == 0 && (ret = read_values(db, &r, o)) == 0 &&
        (ret = rank_all(&r)) == 0)
        ret = build(h, &r, o);
    if (ret < 0 && err && !err[0])
        sim_errmsg(err, errlen, "%s: cannot read its results: %s", path,
            ret == -SIM_ENOMEM ? "out of memory" : sqlite3_errmsg(db));
    h->strings = r.names.s;
    h->nstrings = r.names.n;
    reader_free(&r);
    sqlite3_close(db);
    if (ret < 0) {
        history_free(h);
        return ret;
    }
    *out = h;
    return 0;
}

void history_keep_newest(struct history *h, size_t n)
{
    if (!h || n == 0 || h->nnights <= n)
        return;
    size_t cut = h->nnights - n;
    for (size_t i = 0; i < cut; i++)
        night_strings_free(&h->nights[i]);
    memmove(h->nights, h->nights + cut, n * sizeof *h->nights);
    h->nnights = n;
    size_t w = 0;
    for (size_t i = 0; i < h->nseries; i++) {
        struct history_series *s = &h->series[i];
        memmove(s->points, s->points + cut, n * sizeof *s->points);
        size_t first = w;
        for (size_t k = s->first_flag; k < s->first_flag + s->nflags; k++) {
            struct history_flag f = h->flags[k];
            if (f.night < cut)
                continue;
            f.night -= cut;
            f.stretch_from = f.stretch_from >= cut ? f.stretch_from - cut : 0;
            h->flags[w++] = f;
        }
        s->first_flag = first;
        s->nflags = w - first;
    }
    h->nflags = w;
}

void history_free(struct history *h)
{
    if (!h)
        return;
    history_nights_free(h->nights, h->nnights);
    for (size_t i = 0; i < h->nseries; i++)
        free(h->series[i].points);
    free(h->series);
    free(h->flags);
    for (size_t i = 0; i < h->nstrings; i++)
        free(h->strings[i]);
    free(h->strings);
    free(h);
}
