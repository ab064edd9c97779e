/*
 * analysis/regress.c: regression between two results databases (see
 * analysis/regress.h for the rule).
 *
 * Each database is opened read-only with plain SQLite and read in one pass:
 * every non-NULL scalar and every statistic's mean (as "STAT:mean") with
 * its runName. The rows are sorted by (group, module, metric) and reduced
 * to (n, mean, sample variance) per key, with a two-pass mean/variance
 * (GSL gsl_stats_mean, gsl_stats_variance_m); the two sorted lists are
 * then merged.
 *
 * Welch's t-test (B. L. Welch, "The generalization of Student's problem
 * when several different population variances are involved", Biometrika
 * 34, 1947): t = (m2 - m1) / sqrt(v1/n1 + v2/n2) with the
 * Welch-Satterthwaite degrees of freedom
 *   df = (v1/n1 + v2/n2)^2 / ((v1/n1)^2/(n1-1) + (v2/n2)^2/(n2-1)),
 * two-sided p = 2 Q_t(|t|; df) (GSL gsl_cdf_tdist_Q, which accepts a
 * non-integer df).
 *
 * Bad directions (docs/experiments.md has the same table):
 *   up is bad    every latency statistic and its percentiles
 *                (sched_latency, io_latency, net_latency, evtchn_latency
 *                and any other "*_latency"), runnable_wait_ns and any
 *                "*_wait_ns", late_periods, ring_full_stalls, mmu_rejected,
 *                mmu_validate_ns (guest CPU lost to validation), switch_ns
 *                (pCPU time lost to switching), runq_len_mean (vCPUs
 *                waiting);
 *   down is bad  any "*_per_s" (io_ops_per_s, requests_per_s), io_ops,
 *                io_bytes, requests_completed, net_packets, mmu_updates
 *                (work done in a fixed window), jain_fairness;
 *   neither      cpu_time_ns, cpu_share, cpu_util (who should get the CPU
 *                depends on the policy's entitlements), dispatches,
 *                wakeups, blocks, preemptions, context_switches (more can
 *                buy lower latency), busy_ns, idle_ns, events, mmu_batches,
 *                utilization, queue_depth_mean, queue_depth_max, and every
 *                name not listed.
 *
 * Simplified: the whole of both databases is held in memory (a few hundred
 * bytes per metric row); see regress.h for the statistical simplifications.
 */
#include "analysis/regress.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_statistics_double.h>
#include <sqlite3.h>

#include "analysis/store.h"
#include "sim/err.h"
#include "sim/units.h"

/* ---- metric directions ---- */

static const struct {
    const char *name;
    enum regress_dir dir;
} dir_table[] = {
    { "late_periods", REGRESS_UP_BAD },
    { "ring_full_stalls", REGRESS_UP_BAD },
    { "mmu_rejected", REGRESS_UP_BAD },
    { "mmu_validate_ns", REGRESS_UP_BAD },
    { "switch_ns", REGRESS_UP_BAD },
    { "runq_len_mean", REGRESS_UP_BAD },
    { "io_ops", REGRESS_DOWN_BAD },
    { "io_bytes", REGRESS_DOWN_BAD },
    { "requests_completed", REGRESS_DOWN_BAD },
    { "net_packets", REGRESS_DOWN_BAD },
    { "mmu_updates", REGRESS_DOWN_BAD },
    { "jain_fairness", REGRESS_DOWN_BAD },
};

static bool ends_with(const char *s, size_t n, const char *suffix)
{
    size_t k = strlen(suffix);
    return n >= k && !memcmp(s + n - k, suffix, k);
}

enum regress_dir regress_direction(const char *metric)
{
    if (!metric)
        return REGRESS_NEUTRAL;
    /* "io_latency:p99" and "io_latency:mean" go by their statistic. */
    const char *colon = strchr(metric, ':');
    size_t n = colon ? (size_t)(colon - metric) : strlen(metric);
    if (ends_with(metric, n, "_latency") || ends_with(metric, n, "_wait_ns"))
        return REGRESS_UP_BAD;
    if (ends_with(metric, n, "_per_s"))
        return REGRESS_DOWN_BAD;
    for (size_t i = 0; i < sizeof dir_table / sizeof dir_table[0]; i++)
        if (strlen(dir_table[i].name) == n && !memcmp(dir_table[i].name, metric, n))
            return dir_table[i].dir;
    return REGRESS_NEUTRAL;
}

const char *regress_verdict_name(enum regress_verdict v)
{
    switch (v) {
    case REGRESS_WITHIN: return "within tolerance";
    case REGRESS_NOISE: return "not significant";
    case REGRESS_CHANGED: return "changed";
    case REGRESS_IMPROVED: return "improved";
    case REGRESS_REGRESSED: return "REGRESSED";
    case REGRESS_ONLY_BASELINE: return "only in baseline";
    case REGRESS_ONLY_CURRENT: return "only in current";
    }
    return "?";
}

size_t regress_group_len(const char *run_name, unsigned long *replication)
{
    size_t n = strlen(run_name);
    size_t d = n;
    while (d > 0 && run_name[d - 1] >= '0' && run_name[d - 1] <= '9')
        d--;
    if (d < n && d >= 2 && run_name[d - 1] == 'r' && run_name[d - 2] == '-') {
        if (replication)
            *replication = strtoul(run_name + d, NULL, 10);
        return d - 2;
    }
    if (replication)
        *replication = 0;
    return n;
}

double regress_welch_p(double m1, double v1, size_t n1, double m2, double v2, size_t n2)
{
    if (n1 < 2 || n2 < 2)
        return NAN;
    double a = v1 / (double)n1, b = v2 / (double)n2;
    double se2 = a + b;
    if (!(se2 > 0))
        return m1 == m2 ? 1.0 : 0.0;
    double t = (m2 - m1) / sqrt(se2);
    double df = se2 * se2 / (a * a / (double)(n1 - 1) + b * b / (double)(n2 - 1));
    double p = 2.0 * gsl_cdf_tdist_Q(fabs(t), df);
    return p > 1.0 ? 1.0 : p;
}

/* ---- reading one database ---- */

/* A metric value of one run: "group\0module\0metric" in key. */
struct ent {
    char *key;
    size_t glen, mlen;              /* lengths of group and module */
    double v;
};

/* One (group, module, metric) of one database, reduced. */
struct agg {
    const char *group, *module, *metric; /* point into the side's entries */
    size_t n;
    double mean, var;               /* var: NAN for n < 2 */
};

struct grp {
    char *name;
    char *sched;                    /* scheduler attribute of one of its runs, or NULL */
    int runs;
};

struct side {
    sqlite3 *db;
    int version;
    struct ent *ents;
    size_t nents;
    struct agg *aggs;
    size_t naggs;
    struct grp *grps;
    size_t ngrps;
};

static void side_free(struct side *s)
{
    for (size_t i = 0; i < s->nents; i++)
        free(s->ents[i].key);
    free(s->ents);
    free(s->aggs);
    for (size_t i = 0; i < s->ngrps; i++) {
        free(s->grps[i].name);
        free(s->grps[i].sched);
    }
    free(s->grps);
    sqlite3_close(s->db);
    memset(s, 0, sizeof *s);
}

static int side_open(struct side *s, const char *path, char *err, size_t errlen)
{
    int64_t ver = 0;
    int rc = store_open_read(path, &s->db, &ver, err, errlen);
    if (rc < 0)
        return rc == -SIM_EBADINPUT || rc == -SIM_ESCHEMA ? rc : -SIM_EIO;
    s->version = (int)ver;
    sqlite3_stmt *st = NULL;
    if (ver < 1)
        return store_check_version(path, ver, err, errlen);
    rc = sqlite3_prepare_v2(s->db, "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
                            " AND name IN ('run', 'scalar', 'statistic')", -1, &st, NULL);
    int tables = 0;
    if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        tables = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (tables != 3 || s->version < 1) {
        sim_errmsg(err, errlen, "%s: not an xensim results database (no run, scalar and"
                   " statistic tables with a schema version)", path);
        return -SIM_ESCHEMA;
    }
    return 0;
}

static int cmp_ent(const void *a, const void *b)
{
    const struct ent *x = a, *y = b;
    /* Keys hold three NUL-terminated strings: compare them in turn. */
    const char *p = x->key, *q = y->key;
    for (int i = 0; i < 3; i++) {
        int c = strcmp(p, q);
        if (c)
            return c;
        p += strlen(p) + 1;
        q += strlen(q) + 1;
    }
    return 0;
}

static int cmp_grp(const void *a, const void *b)
{
    return strcmp(((const struct grp *)a)->name, ((const struct grp *)b)->name);
}

bool regress_selected(const char *metric, const char *const *metrics, size_t nmetrics)
{
    if (!metrics || !nmetrics)
        return true;
    const char *colon = strchr(metric, ':');
    size_t base = colon ? (size_t)(colon - metric) : strlen(metric);
    for (size_t i = 0; i < nmetrics; i++) {
        const char *m = metrics[i];
        if (!strcmp(m, metric) || (strlen(m) == base && !memcmp(m, metric, base)))
            return true;
    }
    return false;
}

enum regress_verdict regress_judge(double m1, double v1, size_t n1, double m2, double v2,
                                   size_t n2, enum regress_dir dir, double tolerance,
                                   double alpha, double *change_out, double *p_out)
{
    double change = m1 == m2 ? 0 : m1 != 0 ? (m2 - m1) / fabs(m1)
                                           : (m2 > m1 ? INFINITY : -INFINITY);
    *change_out = change;
    *p_out = NAN;
    if (m1 == m2 || fabs(change) <= tolerance)
        return REGRESS_WITHIN;
    double p = regress_welch_p(m1, v1, n1, m2, v2, n2);
    *p_out = p;
    if (!(isnan(p) || p < alpha))
        return REGRESS_NOISE;
    if (dir == REGRESS_NEUTRAL)
        return REGRESS_CHANGED;
    return (change > 0 ? 1 : -1) == (int)dir ? REGRESS_REGRESSED : REGRESS_IMPROVED;
}

static int side_groups(struct side *s, const char *path, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT r.runName, (SELECT a.attrValue FROM runAttr a"
                           " WHERE a.runId = r.runId AND a.attrName = '" STORE_ATTR_SCHEDULER
                           "') FROM run r", -1, &st, NULL) != SQLITE_OK) {
        sim_errmsg(err, errlen, "%s: %s", path, sqlite3_errmsg(s->db));
        return -SIM_EDB;
    }
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        if (!name)
            continue;
        if (s->ngrps == cap) {
            cap = cap ? 2 * cap : 16;
            struct grp *g = realloc(s->grps, cap * sizeof *g);
            if (!g) {
                sqlite3_finalize(st);
                sim_errmsg(err, errlen, "out of memory");
                return -SIM_ENOMEM;
            }
            s->grps = g;
        }
        size_t len = regress_group_len(name, NULL);
        const char *sched = (const char *)sqlite3_column_text(st, 1);
        char *g = strndup(name, len), *sc = sched ? strdup(sched) : NULL;
        if (!g || (sched && !sc)) {
            free(g);
            free(sc);
            sqlite3_finalize(st);
            sim_errmsg(err, errlen, "out of memory");
            return -SIM_ENOMEM;
        }
        s->grps[s->ngrps++] = (struct grp){ g, sc, 1 };
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        sim_errmsg(err, errlen, "%s: %s", path, sqlite3_errmsg(s->db));
        return -SIM_EDB;
    }
    if (s->ngrps)
        qsort(s->grps, s->ngrps, sizeof *s->grps, cmp_grp);
    /* Collapse equal names, counting runs. */
    size_t w = 0;
    for (size_t i = 0; i < s->ngrps; i++) {
        if (w > 0 && !strcmp(s->grps[w - 1].name, s->grps[i].name)) {
            s->grps[w - 1].runs++;
            free(s->grps[i].name);
            free(s->grps[i].sched);
        } else {
            s->grps[w++] = s->grps[i];
        }
    }
    s->ngrps = w;
    return 0;
}

static int side_values(struct side *s, const char *path, const struct regress_opts *o,
                       char *err, size_t errlen)
{
    static const char sql[] =
        "SELECT r.runName, s.moduleName, s.scalarName, s.scalarValue"
        " FROM scalar s JOIN run r ON r.runId = s.runId WHERE s.scalarValue IS NOT NULL"
        " UNION ALL"
        " SELECT r.runName, t.moduleName, t.statName || ':mean', t.statMean"
        " FROM statistic t JOIN run r ON r.runId = t.runId WHERE t.statMean IS NOT NULL";
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
        sim_errmsg(err, errlen, "%s: %s", path, sqlite3_errmsg(s->db));
        return -SIM_EDB;
    }
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *run = (const char *)sqlite3_column_text(st, 0);
        const char *mod = (const char *)sqlite3_column_text(st, 1);
        const char *met = (const char *)sqlite3_column_text(st, 2);
        double v = sqlite3_column_double(st, 3);
        if (!run || !mod || !met || !isfinite(v) || !regress_selected(met, o->metrics, o->nmetrics))
            continue;
        if (s->nents == cap) {
            cap = cap ? 2 * cap : 1024;
            struct ent *e = realloc(s->ents, cap * sizeof *e);
            if (!e) {
                sqlite3_finalize(st);
                sim_errmsg(err, errlen, "out of memory");
                return -SIM_ENOMEM;
            }
            s->ents = e;
        }
        size_t gl = regress_group_len(run, NULL), ml = strlen(mod), nl = strlen(met);
        char *key = malloc(gl + ml + nl + 3);
        if (!key) {
            sqlite3_finalize(st);
            sim_errmsg(err, errlen, "out of memory");
            return -SIM_ENOMEM;
        }
        memcpy(key, run, gl);
        key[gl] = '\0';
        memcpy(key + gl + 1, mod, ml + 1);
        memcpy(key + gl + ml + 2, met, nl + 1);
        s->ents[s->nents++] = (struct ent){ key, gl, ml, v };
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        sim_errmsg(err, errlen, "%s: %s", path, sqlite3_errmsg(s->db));
        return -SIM_EDB;
    }
    if (s->nents)
        qsort(s->ents, s->nents, sizeof *s->ents, cmp_ent);

    /* Reduce runs of equal keys. */
    s->aggs = calloc(s->nents ? s->nents : 1, sizeof *s->aggs);
    double *vals = malloc((s->nents ? s->nents : 1) * sizeof *vals);
    if (!s->aggs || !vals) {
        free(vals);
        sim_errmsg(err, errlen, "out of memory");
        return -SIM_ENOMEM;
    }
    for (size_t i = 0; i < s->nents;) {
        size_t j = i;
        while (j < s->nents && !cmp_ent(&s->ents[i], &s->ents[j])) {
            vals[j - i] = s->ents[j].v;
            j++;
        }
        const struct ent *e = &s->ents[i];
        struct agg *a = &s->aggs[s->naggs++];
        a->group = e->key;
        a->module = e->key + e->glen + 1;
        a->metric = e->key + e->glen + e->mlen + 2;
        a->n = j - i;
        a->mean = gsl_stats_mean(vals, 1, a->n);
        a->var = a->n >= 2 ? gsl_stats_variance_m(vals, 1, a->n, a->mean) : NAN;
        i = j;
    }
    free(vals);
    return 0;
}

static int cmp_agg_key(const struct agg *x, const struct agg *y)
{
    int c = strcmp(x->group, y->group);
    if (!c)
        c = strcmp(x->module, y->module);
    if (!c)
        c = strcmp(x->metric, y->metric);
    return c;
}

/* ---- the comparison ---- */

struct rows {
    struct regress_report *r;
    size_t cap;
};

/* Append a row for a; the group name is the report's copy. */
static int add_row(struct rows *rs, const char *group, const struct agg *b, const struct agg *c)
{
    struct regress_report *r = rs->r;
    if (r->nrows == rs->cap) {
        size_t cap = rs->cap ? 2 * rs->cap : 32;
        struct regress_row *n = realloc(r->rows, cap * sizeof *n);
        if (!n)
            return -SIM_ENOMEM;
        r->rows = n;
        rs->cap = cap;
    }
    const struct agg *a = b ? b : c;
    struct regress_row *row = &r->rows[r->nrows];
    memset(row, 0, sizeof *row);
    row->group = group;
    row->module = strdup(a->module);
    row->metric = strdup(a->metric);
    if (!row->module || !row->metric) {
        free(row->module);
        free(row->metric);
        return -SIM_ENOMEM;
    }
    row->nbase = b ? (int)b->n : 0;
    row->ncur = c ? (int)c->n : 0;
    row->base = b ? b->mean : NAN;
    row->cur = c ? c->mean : NAN;
    row->change = NAN;
    row->p = NAN;
    row->dir = regress_direction(a->metric);
    row->verdict = !c ? REGRESS_ONLY_BASELINE : REGRESS_ONLY_CURRENT;
    r->nrows++;
    return 0;
}

/* Judge one metric present on both sides; add a row if it moved beyond
 * the tolerance. */
static int judge(struct rows *rs, const char *group, const struct agg *b, const struct agg *c,
                 const struct regress_opts *o)
{
    struct regress_report *r = rs->r;
    r->compared++;
    double change, p;
    enum regress_verdict v = regress_judge(b->mean, b->var, b->n, c->mean, c->var, c->n,
                                           regress_direction(b->metric), o->tolerance,
                                           o->alpha, &change, &p);
    if (v == REGRESS_WITHIN) {
        if (b->mean != c->mean)
            r->within++;
        return 0;
    }
    int rc = add_row(rs, group, b, c);
    if (rc < 0)
        return rc;
    struct regress_row *row = &r->rows[r->nrows - 1];
    row->change = change;
    row->p = p;
    row->verdict = v;
    switch (v) {
    case REGRESS_NOISE: r->noise++; break;
    case REGRESS_CHANGED: r->changed++; break;
    case REGRESS_REGRESSED: r->regressed++; break;
    default: r->improved++; break;
    }
    return 0;
}

/* The report's copy of a group name, or NULL if the group is not common. */
static const char *common_group(const struct regress_report *r, const char *name)
{
    size_t lo = 0, hi = r->ngroups;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(r->groups[mid].name, name);
        if (!c)
            return r->groups[mid].name;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static int merge_groups(struct regress_report *r, const struct side *b, const struct side *c)
{
    size_t n = b->ngrps < c->ngrps ? b->ngrps : c->ngrps;
    r->groups = calloc(n ? n : 1, sizeof *r->groups);
    if (!r->groups)
        return -SIM_ENOMEM;
    size_t i = 0, j = 0;
    while (i < b->ngrps || j < c->ngrps) {
        int k = i == b->ngrps ? 1 : j == c->ngrps ? -1 : strcmp(b->grps[i].name,
                                                                  c->grps[j].name);
        if (k < 0) {
            r->only_base++;
            i++;
        } else if (k > 0) {
            r->only_cur++;
            j++;
        } else {
            char *name = strdup(b->grps[i].name);
            char *sched = b->grps[i].sched ? strdup(b->grps[i].sched) : NULL;
            if (!name || (b->grps[i].sched && !sched)) {
                free(name);
                free(sched);
                return -SIM_ENOMEM;
            }
            r->groups[r->ngroups++] = (struct regress_group){ name, sched, b->grps[i].runs,
                                                              c->grps[j].runs };
            i++;
            j++;
        }
    }
    return 0;
}

int regress_compare(const char *baseline, const char *current, const struct regress_opts *o,
                    struct regress_report *out, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!out)
        return -SIM_EINVAL;
    memset(out, 0, sizeof *out);
    if (!baseline || !current || !o || !(o->tolerance >= 0) || !isfinite(o->tolerance) ||
        !(o->alpha > 0 && o->alpha < 1)) {
        sim_errmsg(err, errlen, "invalid options");
        return -SIM_EINVAL;
    }
    struct side b = { 0 }, c = { 0 };
    int rc = side_open(&b, baseline, err, errlen);
    if (!rc)
        rc = side_open(&c, current, err, errlen);
    if (!rc && b.version != c.version) {
        sim_errmsg(err, errlen, "schema versions differ: baseline %d, current %d (compare"
                   " databases written by the same results schema)", b.version, c.version);
        rc = -SIM_ESCHEMA;
    }
    if (!rc && b.version > STORE_SCHEMA_VERSION) {
        sim_errmsg(err, errlen, "results schema version %d is newer than version %d, the"
                   " newest this xensim knows", b.version, STORE_SCHEMA_VERSION);
        rc = -SIM_ESCHEMA;
    }
    if (!rc)
        rc = side_groups(&b, baseline, err, errlen);
    if (!rc)
        rc = side_groups(&c, current, err, errlen);
    if (!rc && merge_groups(out, &b, &c) < 0) {
        sim_errmsg(err, errlen, "out of memory");
        rc = -SIM_ENOMEM;
    }
    if (!rc && out->ngroups == 0) {
        sim_errmsg(err, errlen, "no runs in common between %s and %s", baseline, current);
        rc = -SIM_ENOENT;
    }
    if (!rc)
        rc = side_values(&b, baseline, o, err, errlen);
    if (!rc)
        rc = side_values(&c, current, o, err, errlen);
    struct rows rs = { out, 0 };
    size_t i = 0, j = 0;
    while (!rc && (i < b.naggs || j < c.naggs)) {
        int k = i == b.naggs ? 1 : j == c.naggs ? -1 : cmp_agg_key(&b.aggs[i], &c.aggs[j]);
        const struct agg *x = k <= 0 ? &b.aggs[i] : NULL, *y = k >= 0 ? &c.aggs[j] : NULL;
        const char *g = common_group(out, (x ? x : y)->group);
        if (g && x && y)
            rc = judge(&rs, g, x, y, o);
        else if (g)
            rc = add_row(&rs, g, x, y);
        if (rc) {
            sim_errmsg(err, errlen, "out of memory");
            rc = -SIM_ENOMEM;
        }
        if (k <= 0)
            i++;
        if (k >= 0)
            j++;
    }
    side_free(&b);
    side_free(&c);
    return rc;
}

void regress_report_free(struct regress_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nrows; i++) {
        free(r->rows[i].module);
        free(r->rows[i].metric);
    }
    free(r->rows);
    for (size_t i = 0; i < r->ngroups; i++) {
        free(r->groups[i].name);
        free(r->groups[i].scheduler);
    }
    free(r->groups);
    memset(r, 0, sizeof *r);
}

bool regress_is_time(const char *metric)
{
    const char *colon = strchr(metric, ':');
    size_t n = colon ? (size_t)(colon - metric) : strlen(metric);
    return (n >= 3 && !memcmp(metric + n - 3, "_ns", 3)) ||
           (n >= 8 && !memcmp(metric + n - 8, "_latency", 8));
}

void regress_fmt_value(const char *metric, double v, char *buf, size_t n)
{
    if (isnan(v))
        snprintf(buf, n, "-");
    else if (regress_is_time(metric))
        unit_format_time(v, buf, n);
    else
        snprintf(buf, n, "%.6g", v);
}

void regress_fmt_change(double change, char *buf, size_t n)
{
    if (isnan(change))
        snprintf(buf, n, "-");
    else if (isinf(change))
        snprintf(buf, n, "%s", change > 0 ? "+inf" : "-inf");
    else
        snprintf(buf, n, "%+.1f%%", 100.0 * change + 0.0);
}

void regress_fmt_p(double p, char *buf, size_t n)
{
    if (isnan(p))
        snprintf(buf, n, "-");
    else
        snprintf(buf, n, "%.2g", p);
}
