/*
 * analysis/record.c: a replication recorded in the results database (see
 * analysis/record.h).
 *
 * The metrics (names and meanings DESIGN.md section 7's) come from the
 * models through host_report (sim/host/host.h; each model's report function
 * defines its own: models/hv.h hv_report for cpu_share, cpu_util and
 * runq_len_mean, sim/host/host.h host_jain_fairness), handed to a recording
 * plan wrapped as their sink (sim/metric.h): the plan applies the
 * scenario's `record:` rules to domain rows, pools the count groups and
 * writes every other module's rows as they are.
 *
 * --timeline: the schedule the driver kept (sim/host/timeline.h)
 * goes into the vector tables inside the run's transaction
 * (docs/results.md, "vector").
 */
#include "analysis/record.h"

#include <fnmatch.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "sim/err.h"
#include "sim/host/host.h"
#include "sim/host/timeline.h"
#include "sim/metric.h"
#include "sim/rng.h"
#include "sim/stats.h"

/* The sweep point of the run as runItervar rows. */
static int record_point(struct store *db, const struct run_opts *o)
{
    for (size_t i = 0; o->point && i < o->npoint; i++)
        if (store_run_itervar(db, o->point[i].name, o->point[i].value) < 0)
            return -SIM_EDB;
    return 0;
}

/* Everything the run writes besides metrics: attributes and configuration. */
static int record_run_info(struct store *db, const struct scn *s, uint64_t seed,
                           uint32_t rep)
{
    char buf[64];
    int rc = 0;
    rc |= store_run_attr(db, STORE_ATTR_SCENARIO, s->name);
    rc |= store_run_attr(db, STORE_ATTR_SCENARIO_HASH, s->hash);
    rc |= store_run_attr(db, STORE_ATTR_SCHEDULER, s->sched.name);
    snprintf(buf, sizeof buf, "%" PRIu64, seed);
    rc |= store_run_attr(db, STORE_ATTR_SEED, buf);
    snprintf(buf, sizeof buf, "%" PRIu32, rep);
    rc |= store_run_attr(db, STORE_ATTR_REPLICATION, buf);
    rc |= store_run_attr(db, STORE_ATTR_VERSION, PACKAGE_VERSION);
    rc |= store_run_attr(db, "rng", rng_scheme());
    rc |= store_run_attr(db, "scenario_file", s->file);
    snprintf(buf, sizeof buf, "%" PRId64, s->warmup);
    rc |= store_run_attr(db, "warmup_ns", buf);
    snprintf(buf, sizeof buf, "%" PRId64, s->duration);
    rc |= store_run_attr(db, "duration_ns", buf);
    /* Wall-clock provenance: the only attribute that differs between two
     * otherwise identical runs. */
    time_t now = time(NULL);
    struct tm tm;
    if (gmtime_r(&now, &tm) && strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm))
        rc |= store_run_attr(db, "datetime", buf);
    if (rc)
        return -SIM_EDB;
    /* The fully resolved parameters, one per line, as the run's config. */
    char *canon = scn_canonical(s);
    if (!canon)
        return -SIM_ENOMEM;
    int order = 0;
    for (char *line = canon, *nl; line && *line; line = nl ? nl + 1 : NULL) {
        nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        char *sp = strchr(line, ' ');
        if (sp)
            *sp = '\0';
        if (store_run_config(db, line, sp ? sp + 1 : "", order++) < 0) {
            free(canon);
            return -SIM_EDB;
        }
    }
    free(canon);
    return 0;
}

/* --- what is recorded: per domain and per count group -------------- */

/* Domain metrics go through a plan made from the scenario's `record:`
 * rules (sim/scenario.h) or, without them, the default: every metric per
 * domain, and nothing per group, up to RUN_GROUP_DEFAULT_DOMAINS domains;
 * above, per count group everything, and per domain the scalars only.
 * A domain outside any count group is a group of one: its group level is
 * its own module. A group module carries the scalar `members` (N), every
 * member scalar summed over the members, `jain_fairness` over the members'
 * cpu_time_ns, and every statistic pooled from the members' samples
 * (st_rec_merge). */
#define GRP_MAX_SCALARS 32
#define GRP_MAX_STATS 8

struct grp_scalar {
    const char *name;               /* a metric name (a string literal) */
    double sum;                     /* over the members */
};

struct grp_stat {
    const char *name;
    struct st_rec *rec;             /* the members' samples pooled */
};

struct rec_group {
    const char *name;               /* the group as written; borrowed */
    int members;
    unsigned what;                  /* SCN_REC_* at the group level */
    struct grp_scalar sc[GRP_MAX_SCALARS];
    int nsc;
    struct grp_stat st[GRP_MAX_STATS];
    int nst;
    double cpu_sum, cpu_sq;         /* ns, ns^2: members' cpu_time_ns, for Jain's index */
    int cpu_n;
};

struct rec_plan {
    struct store *db;
    const struct scn *s;
    unsigned *what;                 /* [ndomains] SCN_REC_* of the domain's own module */
    int *group;                     /* [ndomains] index into groups, -1: none */
    struct rec_group *groups;
    int ngroups;
};

/* What the rules give domain d at one level (SCN_REC_PER_DOMAIN or
 * SCN_REC_PER_GROUP); dflt if no rule covers it. */
static unsigned rule_what(const struct scn_record_rule *rules, int n, const struct scn_domain *d,
                          int level, unsigned dflt)
{
    for (int i = 0; i < n; i++) {
        const struct scn_record_rule *r = &rules[i];
        if ((r->per == level || r->per == SCN_REC_PER_BOTH)
            && (!fnmatch(r->modules, d->name, 0) || !fnmatch(r->modules, d->group, 0)))
            return r->what;
    }
    return dflt;
}

static void plan_free(struct rec_plan *p)
{
    for (int g = 0; g < p->ngroups; g++)
        for (int k = 0; k < p->groups[g].nst; k++)
            st_rec_free(p->groups[g].st[k].rec);
    free(p->groups);
    free(p->what);
    free(p->group);
}

static int plan_new(struct rec_plan *p, struct store *db, const struct scn *s)
{
    static const struct scn_record_rule big_default[] = {
        { (char *)"*", SCN_REC_ALL, SCN_REC_PER_GROUP, { NULL, 0, 0 } },
        { (char *)"*", SCN_REC_SCALARS, SCN_REC_PER_DOMAIN, { NULL, 0, 0 } },
    };
    const struct scn_record_rule *rules = s->record;
    int nrules = s->nrecord;
    if (!s->record_given && s->ndomains > RUN_GROUP_DEFAULT_DOMAINS) {
        rules = big_default;
        nrules = 2;
    }
    size_t n = (size_t)(s->ndomains ? s->ndomains : 1);
    *p = (struct rec_plan){ .db = db, .s = s, .what = calloc(n, sizeof *p->what),
                            .group = calloc(n, sizeof *p->group),
                            .groups = calloc(n, sizeof *p->groups) };
    if (!p->what || !p->group || !p->groups) {
        plan_free(p);
        return -SIM_ENOMEM;
    }
    for (int d = 0; d < s->ndomains; d++) {
        const struct scn_domain *dm = &s->domains[d];
        unsigned own = rule_what(rules, nrules, dm, SCN_REC_PER_DOMAIN, SCN_REC_ALL);
        unsigned grp = rule_what(rules, nrules, dm, SCN_REC_PER_GROUP, 0);
        p->group[d] = -1;
        if (dm->index < 0) {
            p->what[d] = own | grp;
            continue;
        }
        p->what[d] = own;
        if (!grp)
            continue;
        int g = p->ngroups;
        if (g > 0 && !strcmp(p->groups[g - 1].name, dm->group))
            g--;                    /* members of a count group are adjacent */
        else
            p->groups[p->ngroups++] = (struct rec_group){ .name = dm->group, .what = grp };
        p->groups[g].members++;
        p->group[d] = g;
    }
    return 0;
}

/* A scalar of domain d: in its module and/or added to its group's. */
static int rec_scalar(struct rec_plan *p, int d, const char *name, double v)
{
    int rc = 0;
    if (p->what[d] & SCN_REC_SCALARS)
        rc = store_scalar(p->db, p->s->domains[d].name, name, v);
    if (p->group[d] < 0 || !(p->groups[p->group[d]].what & SCN_REC_SCALARS))
        return rc;
    struct rec_group *g = &p->groups[p->group[d]];
    int k = 0;
    while (k < g->nsc && strcmp(g->sc[k].name, name))
        k++;
    if (k == g->nsc) {
        if (k == GRP_MAX_SCALARS)
            return -SIM_ERANGE;
        g->sc[g->nsc++] = (struct grp_scalar){ name, 0 };
    }
    g->sc[k].sum += v;
    if (!strcmp(name, "cpu_time_ns") && scn_dom_has_wl(&p->s->domains[d])) {
        g->cpu_sum += v;
        g->cpu_sq += v * v;
        g->cpu_n++;
    }
    return rc;
}

/* A statistic of domain d: in its module (with or without its histogram)
 * and/or pooled into its group's. */
static int rec_stat(struct rec_plan *p, int d, const char *name, struct st_rec *rec)
{
    unsigned w = p->what[d];
    if ((w & SCN_REC_STATISTICS)
        && store_statistic_flags(p->db, p->s->domains[d].name, name, rec,
                                 w & SCN_REC_HISTOGRAMS ? 0 : STORE_STAT_NO_HISTOGRAM) < 0)
        return -SIM_EDB;
    if (!rec || p->group[d] < 0 || !(p->groups[p->group[d]].what & SCN_REC_STATISTICS))
        return 0;
    struct rec_group *g = &p->groups[p->group[d]];
    int k = 0;
    while (k < g->nst && strcmp(g->st[k].name, name))
        k++;
    if (k == g->nst) {
        if (k == GRP_MAX_STATS)
            return -SIM_ERANGE;
        struct st_rec *r = st_rec_new(0);
        if (!r)
            return -SIM_ENOMEM;
        g->st[g->nst++] = (struct grp_stat){ name, r };
    }
    return st_rec_merge(g->st[k].rec, rec);
}

/* The group modules, after every domain's metrics. */
static int record_groups(struct rec_plan *p)
{
    for (int i = 0; i < p->ngroups; i++) {
        struct rec_group *g = &p->groups[i];
        const char *m = g->name;
        int rc = 0;
        if (g->what & SCN_REC_SCALARS) {
            rc |= store_scalar(p->db, m, "members", g->members);
            for (int k = 0; k < g->nsc; k++)
                rc |= store_scalar(p->db, m, g->sc[k].name, g->sc[k].sum);
            rc |= store_scalar(p->db, m, "jain_fairness",
                               g->cpu_n && g->cpu_sq > 0
                                   ? g->cpu_sum * g->cpu_sum / (g->cpu_n * g->cpu_sq) : NAN);
        }
        for (int k = 0; rc == 0 && k < g->nst; k++)
            rc = store_statistic_flags(p->db, m, g->st[k].name, g->st[k].rec,
                                       g->what & SCN_REC_HISTOGRAMS ? 0
                                                                    : STORE_STAT_NO_HISTOGRAM);
        if (rc)
            return -SIM_EDB;
    }
    return 0;
}

/* The plan as the models' sink (sim/metric.h): domain rows through
 * its rules, every other module's as they are. */
static int plan_scalar(void *ctx, int dom, const char *module, const char *name, double v)
{
    struct rec_plan *p = ctx;
    if (dom >= p->s->ndomains)
        return -SIM_EINVAL;
    if (dom >= 0)
        return rec_scalar(p, dom, name, v);
    return store_scalar(p->db, module, name, v) < 0 ? -SIM_EDB : 0;
}

static int plan_stat(void *ctx, int dom, const char *module, const char *name,
                     struct st_rec *r)
{
    struct rec_plan *p = ctx;
    if (dom >= p->s->ndomains)
        return -SIM_EINVAL;
    if (dom >= 0)
        return rec_stat(p, dom, name, r);
    return store_statistic(p->db, module, name, r) < 0 ? -SIM_EDB : 0;
}

/* Every metric of the host, then the group modules. */
static int record_metrics(struct rec_plan *p, struct host *x)
{
    struct metric_sink k = { plan_scalar, plan_stat, p };
    int rc = host_report(x, &k);
    return rc < 0 ? rc : record_groups(p);
}

/* --- --timeline ---------------------------------------------------- */

static int tl_write(struct store *db, const struct tl *t, const struct scn *s)
{
    if (tl_error(t))
        return tl_error(t);
    char *en = tl_enum(t, s);
    if (!en)
        return -SIM_ENOMEM;
    sim_time_t a, b;
    tl_window(t, &a, &b);
    char w0[32], w1[32];
    snprintf(w0, sizeof w0, "%" PRId64, a);
    snprintf(w1, sizeof w1, "%" PRId64, b);
    /* The names once per run: with thousands of domains they are far
     * larger than most pCPUs' timelines. */
    int rc = store_run_attr(db, "timeline_enum", en);
    for (int p = 0; p < tl_npcpus(t) && rc == 0; p++) {
        char m[32];
        snprintf(m, sizeof m, "pcpu%d", p);
        for (int k = 0; k < 2 && rc == 0; k++) {
            size_t n;
            const struct sim_vpoint *pts = tl_series_of(t, p, k, &n);
            rc = store_vector(db, m, k ? "runq" : "timeline", pts, n, NULL);
            if (rc == 0)
                rc = store_vector_attr(db, "window_start_ns", w0);
            if (rc == 0)
                rc = store_vector_attr(db, "window_end_ns", w1);
            if (rc == 0)
                rc = store_vector_attr(db, "interpolationmode", "sample-hold");
            if (rc == 0 && k)
                rc = store_vector_attr(db, "unit", "vCPUs");
            if (rc == 0 && tl_truncated(t))
                rc = store_vector_attr(db, "truncated", "1");
        }
    }
    free(en);
    return rc;
}

struct rec_ctx {
    const struct run_opts *o;
    struct store *db;
};

/* The recorder run_simulate calls: one transaction with everything. */
static int record_run(void *ctx, struct host *x, const struct scn *s,
                      const struct run_result *out, const struct tl *tl, char *err,
                      size_t errlen)
{
    const struct run_opts *o = ((const struct rec_ctx *)ctx)->o;
    struct store *db = ((const struct rec_ctx *)ctx)->db;
    int rc = store_run_begin(db, out->name, NULL);
    if (rc == 0)
        rc = record_run_info(db, s, o->seed, o->replication);
    if (rc == 0)
        rc = record_point(db, o);
    struct rec_plan plan;
    if (rc == 0)
        rc = plan_new(&plan, db, s);
    if (rc == 0) {
        rc = record_metrics(&plan, x);
        plan_free(&plan);
    }
    if (rc == 0 && tl)
        rc = tl_write(db, tl, s);
    if (rc == 0)
        rc = store_run_end(db);
    if (rc < 0) {
        snprintf(err, errlen, "results database: %s", store_errmsg(db));
        store_run_abort(db);
        return rc == -SIM_ENOMEM ? rc : -SIM_EDB;
    }
    return 0;
}

int run_replication(const struct scn *s, const struct run_opts *o, struct store *db,
                    struct run_result *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (!db)
        return run_simulate(s, o, NULL, NULL, out, err, errlen);
    char name[sizeof out->name];
    run_name_at(s, o->seed, o->replication, o->point, o->npoint, name, sizeof name);
    bool exists = false;
    if (store_has_run(db, name, &exists) < 0) {
        snprintf(out->name, sizeof out->name, "%s", name);
        snprintf(err, errlen, "results database: %s", store_errmsg(db));
        return -SIM_EDB;
    }
    if (exists && !o->xentrace && !o->record_trace) {
        snprintf(out->name, sizeof out->name, "%s", name);
        out->skipped = true;
        return 0;
    }
    if (!exists)
        store_run_attempt(db);
    /* A run already recorded is simulated again for its files only. */
    struct rec_ctx c = { o, db };
    int rc = run_simulate(s, o, exists ? NULL : record_run, &c, out, err, errlen);
    out->skipped = exists;
    return rc;
}
