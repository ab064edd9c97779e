/*
 * sim/run.c: the run driver (see sim/run.h).
 *
 * The simulation runs in chunks of simulated time (1/100 of the run) so
 * that progress can be reported and an interruption noticed between them,
 * without adding events to the engine: the results (machine `events`
 * included) do not depend on whether anyone watches.
 *
 * The metrics (names and meanings DESIGN.md section 7's) come from the
 * models through host_report (sim/host.h, each model's report function
 * defines its own: models/hv.h hv_report for cpu_share, cpu_util and
 * runq_len_mean, sim/host.h host_jain_fairness), handed to a recording
 * plan wrapped as their sink (analysis/metric.h): the plan applies the
 * scenario's `record:` rules to domain rows, pools the count groups and
 * writes every other module's rows as they are. Only the printed summary
 * (collect) reads the models' statistics here.
 *
 * --timeline (run_opts.timeline): a schedule observer (models/hv.h) keeps,
 * per pCPU, the vCPU switched to at each context switch and the run-queue
 * length at each change, within the window only, in memory; both go into
 * the vector tables inside the run's transaction (docs/results.md,
 * "vector"). Without it no observer is set and nothing is buffered.
 *
 * --xentrace (run_opts.xentrace): a recorder (traces/xentrace.h) observes
 * the schedule from the end of the warm-up (chained with the --timeline
 * observer when both are on) and its file is renamed into place after the
 * run has been recorded; a run already in the database is simulated again
 * for it without being recorded again.
 */
#include "sim/run.h"

#include <fnmatch.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "analysis/metric.h"
#include "models/blk.h"
#include "models/bridge.h"
#include "models/mm.h"
#include "models/net.h"
#include "models/hv.h"
#include "schedulers/sched.h"
#include "sim/err.h"
#include "sim/ev.h"
#include "sim/hash.h"
#include "sim/host.h"
#include "sim/rng.h"
#include "traces/record.h"
#include "traces/xentrace.h"

#define CHUNKS 100

void run_name(const struct scn *s, uint64_t seed, uint32_t replication, char *buf, size_t n)
{
    snprintf(buf, n, "%s-%s-s%" PRIu64 "-r%" PRIu32, s->name, s->hash, seed, replication);
}

void run_name_at(const struct scn *s, uint64_t seed, uint32_t replication,
                 const struct run_itervar *point, size_t npoint, char *buf, size_t n)
{
    if (!point || npoint == 0) {
        run_name(s, seed, replication, buf, n);
        return;
    }
    /* "path=value,path=value"; a point too long for a readable name is
     * replaced by the hash of the same text. */
    char pt[RUN_POINT_MAX + 1];
    size_t len = 0;
    char *full = NULL;
    size_t flen = 0;
    FILE *f = open_memstream(&full, &flen);
    for (size_t i = 0; f && i < npoint; i++)
        fprintf(f, "%s%s=%s", i ? "," : "", point[i].name, point[i].value);
    if (f)
        fclose(f);
    if (full && flen <= RUN_POINT_MAX) {
        len = flen;
        memcpy(pt, full, len);
    } else {
        len = (size_t)snprintf(pt, sizeof pt, "pt%016" PRIx64, hash_fnv1a64(full ? full : ""));
    }
    pt[len] = '\0';
    free(full);
    snprintf(buf, n, "%s-%s-%s-s%" PRIu64 "-r%" PRIu32, s->name, s->hash, pt, seed,
             replication);
}

/* The sweep point of the run as runItervar rows. */
static int record_point(struct store *db, const struct run_opts *o)
{
    for (size_t i = 0; o->point && i < o->npoint; i++)
        if (store_run_itervar(db, o->point[i].name, o->point[i].value) < 0)
            return -SIM_EDB;
    return 0;
}

void run_result_free(struct run_result *r)
{
    if (!r)
        return;
    free(r->doms);
    free(r->pcpus);
    r->doms = NULL;
    r->pcpus = NULL;
}

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Simulate to t_end in chunks; false if interrupted or the host failed. */
static bool simulate(struct ev_loop *loop, struct hv *h, sim_time_t t_start, sim_time_t t_end,
                     sim_time_t total, const struct run_opts *o)
{
    sim_time_t step = total / CHUNKS > 0 ? total / CHUNKS : 1;
    for (sim_time_t t = t_start; t < t_end;) {
        if (o->interrupted && *o->interrupted)
            return false;
        sim_time_t next = t_end - t > step ? t + step : t_end;
        ev_run(loop, next);
        if (hv_status(h) < 0)
            return false;
        if (o->interrupted && *o->interrupted)
            return false;
        t = next;
        if (o->progress)
            o->progress(o->progress_ctx, total > 0 ? (double)t / (double)total : 1.0);
    }
    return true;
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

static double quantile(struct st_rec *r, double q)
{
    double v;
    bool exact;
    if (!r || st_rec_quantile(r, q, &v, &exact) < 0)
        return NAN;
    return v;
}

/* The I/O line of domain d, from whichever model drives it. */
static void collect_io(struct run_dom *rd, int d, struct blk *b, struct net *net,
                       struct br *br, struct mm *mm, double window_ns)
{
    struct br_dom_stats vs;
    struct blk_dom_stats bs;
    struct net_dom_stats ns;
    struct mm_dom_stats ms;
    rd->io_p50 = rd->io_p99 = NAN;
    if (b && blk_dom_stats(b, d, &bs) == 0 && bs.has_io) {
        rd->io_kind = "io";
        rd->io_rate = bs.io_ops_per_s;
        rd->io_p50 = quantile(blk_dom_io_latency(b, d), 0.5);
        rd->io_p99 = quantile(blk_dom_io_latency(b, d), 0.99);
        rd->io_stalls = bs.ring_full_stalls;
    } else if (net && net_dom_stats(net, d, &ns) == 0 && ns.has_server) {
        rd->io_kind = "server";
        rd->io_rate = ns.requests_per_s;
        rd->io_p50 = quantile(net_dom_latency(net, d), 0.5);
        rd->io_p99 = quantile(net_dom_latency(net, d), 0.99);
        rd->io_stalls = ns.ring_full_stalls;
    } else if (br && br_dom_stats(br, d, &vs) == 0 && (vs.echo || vs.pings)) {
        /* Echo clients' net_latency, else the pings' ping_latency. */
        struct st_rec *r = vs.echo ? br_dom_echo_latency(br, d) : br_dom_ping_latency(br, d);
        rd->io_kind = vs.echo ? "echo" : "ping";
        rd->io_rate = window_ns > 0 ? (double)(vs.echo ? vs.echo_completed : vs.ping_replies)
                                          * 1e9 / window_ns : 0;
        rd->io_p50 = quantile(r, 0.5);
        rd->io_p99 = quantile(r, 0.99);
        rd->io_stalls = vs.ring_full_stalls;
    } else if (mm && mm_dom_stats(mm, d, &ms) == 0 && ms.has_mmu) {
        rd->io_kind = "mmu";
        rd->io_rate = window_ns > 0 ? (double)ms.updates * 1e9 / window_ns : 0;
        rd->mmu_rejected = ms.rejected;
    }
}

/* Collect the statistics of the measured window into out (the summary
 * `xensim run` prints). */
static int collect(struct host *x, const struct scn *s, struct run_result *out)
{
    struct hv *h = x->h;
    hv_stats_sync(h);
    out->window_ns = hv_elapsed(h);
    out->events = hv_events(h);
    out->ndoms = hv_ndomains(h);
    out->npcpus = hv_npcpus(h);
    out->doms = calloc((size_t)(out->ndoms ? out->ndoms : 1), sizeof *out->doms);
    out->pcpus = calloc((size_t)(out->npcpus ? out->npcpus : 1), sizeof *out->pcpus);
    if (!out->doms || !out->pcpus)
        return -SIM_ENOMEM;
    double w = (double)out->window_ns;
    for (int d = 0; d < out->ndoms; d++) {
        struct hv_dom_stats ds;
        if (hv_dom_stats(h, d, &ds) < 0)
            return -SIM_EINVAL;
        struct run_dom *rd = &out->doms[d];
        rd->name = s->domains[d].name;
        rd->has_workload = s->domains[d].wl.type != SCN_WL_NONE;
        rd->cpu_time_ns = ds.cpu_time_ns;
        rd->refill_ns = ds.refill_ns;
        rd->cpu_util = w > 0 ? (double)ds.cpu_time_ns / w : NAN;
        rd->cpu_share = w > 0 ? (double)ds.cpu_time_ns / (w * out->npcpus) : NAN;
        rd->dispatches = ds.dispatches;
        rd->wakeups = ds.wakeups;
        rd->blocks = ds.blocks;
        rd->preemptions = ds.preemptions;
        rd->late_periods = ds.late_periods;
        rd->runnable_wait_ns = ds.runnable_wait_ns;
        struct st_rec *lat = hv_dom_sched_latency(h, d);
        rd->lat_count = lat ? st_rec_count(lat) : 0;
        rd->lat_p50 = quantile(lat, 0.5);
        rd->lat_p99 = quantile(lat, 0.99);
        rd->evt_p50 = quantile(hv_dom_evtchn_latency(h, d), 0.5);
        rd->evt_p99 = quantile(hv_dom_evtchn_latency(h, d), 0.99);
        collect_io(rd, d, x->blk, x->net, x->br, x->mm, w);
    }
    for (int p = 0; p < out->npcpus; p++) {
        struct hv_pcpu_stats ps;
        if (hv_pcpu_stats(h, p, &ps) < 0)
            return -SIM_EINVAL;
        out->pcpus[p] = (struct run_pcpu){ ps.busy_ns, ps.idle_ns, ps.switch_ns,
                                           ps.context_switches, ps.runq_len_mean };
    }
    out->jain_fairness = host_jain_fairness(x);
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
    if (!strcmp(name, "cpu_time_ns") && p->s->domains[d].wl.type != SCN_WL_NONE) {
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

/* The plan as the models' sink (analysis/metric.h): domain rows through
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

/* --- --timeline recording ------------------------------------------- */

struct tl_series {
    struct store_vpoint *pts;
    size_t n, cap;
};

struct tl {
    struct ev_loop *loop;
    const struct hv *h;
    sim_time_t w0, w1;              /* ns engine time: record (w0, w1] */
    bool started;                   /* the state at w0 was sampled */
    int np;
    int *first;                     /* per domain: global number of its vCPU 0 */
    struct tl_series *sw;           /* per pCPU: switches */
    struct tl_series *rq;           /* per pCPU: run-queue length */
    size_t total;                   /* points kept, all series */
    bool truncated;                 /* RUN_TIMELINE_MAX_POINTS reached */
    int err;                        /* first allocation failure, or 0 */
};

static void tl_free(struct tl *t)
{
    if (!t)
        return;
    for (int p = 0; p < t->np; p++) {
        if (t->sw)
            free(t->sw[p].pts);
        if (t->rq)
            free(t->rq[p].pts);
    }
    free(t->sw);
    free(t->rq);
    free(t->first);
    free(t);
}

static struct tl *tl_new(struct ev_loop *loop, const struct hv *h, sim_time_t w0,
                         sim_time_t w1)
{
    struct tl *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->loop = loop;
    t->h = h;
    t->w0 = w0;
    t->w1 = w1;
    t->np = hv_npcpus(h);
    int nd = hv_ndomains(h);
    t->first = calloc((size_t)(nd ? nd : 1), sizeof *t->first);
    t->sw = calloc((size_t)t->np, sizeof *t->sw);
    t->rq = calloc((size_t)t->np, sizeof *t->rq);
    if (!t->first || !t->sw || !t->rq) {
        tl_free(t);
        return NULL;
    }
    for (int d = 1; d < nd; d++)
        t->first[d] = t->first[d - 1] + hv_domain_vcpus(h, d - 1);
    return t;
}

/* The timeline value of a vCPU: its global number, -1 for idle. */
static double tl_value(const struct tl *t, int dom, int vcpu)
{
    return dom < 0 ? -1.0 : (double)(t->first[dom] + vcpu);
}

static void tl_push(struct tl *t, struct tl_series *s, sim_time_t at, double v)
{
    if (t->err)
        return;
    if (t->total >= RUN_TIMELINE_MAX_POINTS) {
        t->truncated = true;
        return;
    }
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 256;
        struct store_vpoint *np = realloc(s->pts, cap * sizeof *np);
        if (!np) {
            t->err = -SIM_ENOMEM;
            return;
        }
        s->pts = np;
        s->cap = cap;
    }
    s->pts[s->n++] = (struct store_vpoint){ (int64_t)ev_dispatched(t->loop), at, v };
    t->total++;
}

/* A run-queue sample: kept only when the length changed; two changes at
 * one instant leave one point (the later value). */
static void tl_runq(struct tl *t, int p, sim_time_t at)
{
    int q = 0;
    hv_pcpu_now(t->h, p, NULL, NULL, &q);
    struct tl_series *s = &t->rq[p];
    if (s->n && s->pts[s->n - 1].value == (double)q)
        return;
    if (s->n > 1 && s->pts[s->n - 1].t_ns == at) {
        s->pts[s->n - 1].value = (double)q;
        s->pts[s->n - 1].event = (int64_t)ev_dispatched(t->loop);
        if (s->pts[s->n - 2].value == (double)q) {
            s->n--;
            t->total--;
        }
        return;
    }
    tl_push(t, s, at, (double)q);
}

/* The state of every pCPU at w0: the first point of each vector. */
static void tl_start(struct tl *t)
{
    for (int p = 0; p < t->np; p++) {
        int dom = -1, vcpu = 0, q = 0;
        hv_pcpu_now(t->h, p, &dom, &vcpu, &q);
        tl_push(t, &t->sw[p], t->w0, tl_value(t, dom, vcpu));
        tl_push(t, &t->rq[p], t->w0, (double)q);
    }
    t->started = true;
}

static void tl_observe(void *ctx, const struct hv_obs *o)
{
    struct tl *t = ctx;
    if (!t->started || o->t <= t->w0 || o->t > t->w1)
        return;
    if (o->kind == HV_OBS_SWITCH)
        tl_push(t, &t->sw[o->pcpu], o->t, tl_value(t, o->dom, o->vcpu));
    tl_runq(t, o->pcpu, o->t);
}

/* Both schedule observers, when --timeline and --xentrace are on. */
struct obs_pair {
    struct tl *tl;
    struct xt_host *xt;
};

static void obs_both(void *ctx, const struct hv_obs *o)
{
    struct obs_pair *op = ctx;
    tl_observe(op->tl, o);
    xt_host_observe(op->xt, o);
}

/* "idle=-1,dom0=0,web/v0=1,web/v1=2": an OMNeT++ `enum` attribute's text,
 * recorded once per run (runAttr timeline_enum) for all its timelines. */
static char *tl_enum(const struct tl *t, const struct scn *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    fprintf(f, "idle=-1");
    for (int d = 0; d < s->ndomains; d++) {
        int nv = hv_domain_vcpus(t->h, d);
        for (int v = 0; v < nv; v++) {
            if (nv == 1)
                fprintf(f, ",%s=%d", s->domains[d].name, t->first[d]);
            else
                fprintf(f, ",%s/v%d=%d", s->domains[d].name, v, t->first[d] + v);
        }
    }
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

static int tl_write(struct store *db, const struct tl *t, const struct scn *s)
{
    if (t->err)
        return t->err;
    char *en = tl_enum(t, s);
    if (!en)
        return -SIM_ENOMEM;
    char w0[32], w1[32];
    snprintf(w0, sizeof w0, "%" PRId64, t->w0);
    snprintf(w1, sizeof w1, "%" PRId64, t->w1);
    /* The names once per run: with thousands of domains they are far
     * larger than most pCPUs' timelines. */
    int rc = store_run_attr(db, "timeline_enum", en);
    for (int p = 0; p < t->np && rc == 0; p++) {
        char m[32];
        snprintf(m, sizeof m, "pcpu%d", p);
        for (int k = 0; k < 2 && rc == 0; k++) {
            const struct tl_series *ser = k ? &t->rq[p] : &t->sw[p];
            rc = store_vector(db, m, k ? "runq" : "timeline", ser->pts, ser->n, NULL);
            if (rc == 0)
                rc = store_vector_attr(db, "window_start_ns", w0);
            if (rc == 0)
                rc = store_vector_attr(db, "window_end_ns", w1);
            if (rc == 0)
                rc = store_vector_attr(db, "interpolationmode", "sample-hold");
            if (rc == 0 && k)
                rc = store_vector_attr(db, "unit", "vCPUs");
            if (rc == 0 && t->truncated)
                rc = store_vector_attr(db, "truncated", "1");
        }
    }
    free(en);
    return rc;
}

int run_replication(const struct scn *s, const struct run_opts *o, struct run_result *out,
                    char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    run_name_at(s, o->seed, o->replication, o->point, o->npoint, out->name, sizeof out->name);
    if (o->db) {
        bool exists = false;
        if (store_has_run(o->db, out->name, &exists) < 0) {
            snprintf(err, errlen, "results database: %s", store_errmsg(o->db));
            return -SIM_EDB;
        }
        if (exists) {
            out->skipped = true;
            if (!o->xentrace && !o->record_trace)
                return 0;
        } else {
            store_run_attempt(o->db);
        }
    }
    /* The seed may come from the command line: the host reads it from the
     * scenario, so give it a shallow copy that says so. */
    struct scn sc = *s;
    sc.seed = o->seed;
    double t_setup = wall_now();
    char herr[512] = "";
    struct host *x = host_new(&sc, o->replication, NULL, herr, sizeof herr);
    if (!x) {
        snprintf(err, errlen, "%s", herr);
        return -SIM_EBADINPUT;
    }
    struct ev_loop *loop = x->loop;
    struct hv *h = x->h;
    struct net *net = x->net;
    struct br *br = x->br;
    struct tl *tl = NULL;           /* --timeline recorder */
    struct xt_host *xt = NULL;      /* --xentrace recorder */
    struct trec *rec = NULL;        /* --record-trace recorder */
    struct obs_pair both;
    int rc = -SIM_EBADINPUT;
    sim_time_t total = s->warmup + s->duration;
    /* The timeline window in engine time, within the measured window. */
    sim_time_t tl_w0 = s->warmup + (o->timeline_start > 0 ? o->timeline_start : 0);
    if (o->timeline && o->db) {
        sim_time_t w1 = o->timeline_end > s->duration ? total : s->warmup + o->timeline_end;
        if (tl_w0 > total)
            tl_w0 = total;
        tl = tl_new(loop, h, tl_w0, w1 > tl_w0 ? w1 : tl_w0);
        if (!tl) {
            snprintf(err, errlen, "out of memory");
            rc = -SIM_ENOMEM;
            goto fail;
        }
        hv_set_switch_observer(h, tl_observe, tl);
    }
    if (o->xentrace) {
        xt = xt_host_new(h, o->xentrace, 0, err, errlen);
        if (!xt) {
            rc = -SIM_EIO;
            goto fail;
        }
        both = (struct obs_pair){ tl, xt };
        if (tl)
            hv_set_switch_observer(h, obs_both, &both);
        else
            hv_set_switch_observer(h, xt_host_observe, xt);
    }
    if (o->record_trace) {
        rec = trec_new(o->record_trace, &sc, herr, sizeof herr);
        if (!rec)
            goto build_failed;
        if (trec_attach(rec, loop, h, net) < 0) {
            snprintf(err, errlen, "out of memory");
            rc = -SIM_ENOMEM;
            goto fail;
        }
    }
    rc = hv_start(h);
    if (rc < 0) {
        snprintf(err, errlen, "cannot start the host: %s", sim_strerror(rc));
        goto fail;
    }
    double t0 = wall_now();
    out->setup_s = t0 - t_setup;
    if (!simulate(loop, h, 0, s->warmup, total, o) || net_status(net) < 0 || br_status(br) < 0)
        goto stopped;
    host_stats_reset(x);
    if (xt && (rc = xt_host_start(xt, ev_now(loop))) < 0) {
        snprintf(err, errlen, "%s: cannot write (%s)", o->xentrace, sim_strerror(rc));
        goto fail;
    }
    /* With --timeline the loop stops once more at the window's start to
     * sample every pCPU (no event is added, so nothing else changes). */
    if (tl && tl_w0 > s->warmup
        && (!simulate(loop, h, s->warmup, tl_w0, total, o) || net_status(net) < 0 || br_status(br) < 0))
        goto stopped;
    if (tl)
        tl_start(tl);
    if (!simulate(loop, h, tl ? tl_w0 : s->warmup, total, total, o) || net_status(net) < 0 || br_status(br) < 0)
        goto stopped;
    double t_store = wall_now();
    out->wall_s = t_store - t0;
    out->events_total = ev_dispatched(loop);
    rc = collect(x, s, out);
    if (rc < 0) {
        snprintf(err, errlen, "collecting statistics: %s", sim_strerror(rc));
        goto fail;
    }
    if (o->db && !out->skipped) {
        rc = store_run_begin(o->db, out->name, NULL);
        if (rc == 0)
            rc = record_run_info(o->db, &sc, o->seed, o->replication);
        if (rc == 0)
            rc = record_point(o->db, o);
        struct rec_plan plan;
        if (rc == 0)
            rc = plan_new(&plan, o->db, &sc);
        if (rc == 0) {
            rc = record_metrics(&plan, x);
            plan_free(&plan);
        }
        if (rc == 0 && tl)
            rc = tl_write(o->db, tl, &sc);
        if (rc == 0)
            rc = store_run_end(o->db);
        if (rc < 0) {
            snprintf(err, errlen, "results database: %s", store_errmsg(o->db));
            store_run_abort(o->db);
            rc = rc == -SIM_ENOMEM ? rc : -SIM_EDB;
            goto fail;
        }
    }
    out->store_s = wall_now() - t_store;
    if (xt) {
        rc = xt_host_finish(xt, ev_now(loop), &out->xentrace_records, err, errlen);
        xt = NULL;
        if (rc < 0)
            goto fail;
    }
    if (rec) {
        rc = trec_close(rec);
        rec = NULL;
        if (rc < 0) {
            snprintf(err, errlen, "%s: cannot write the trace (%s)", o->record_trace,
                     sim_strerror(rc));
            goto fail;
        }
    }
    goto done;
build_failed:
    snprintf(err, errlen, "%s", herr[0] ? herr : "cannot build the host");
    goto done;
stopped:
    if (hv_status(h) < 0) {
        snprintf(err, errlen, "simulation failed: %s", hv_status_msg(h));
        rc = hv_status(h);
    } else if (net_status(net) < 0 || br_status(br) < 0) {
        rc = net_status(net) < 0 ? net_status(net) : br_status(br);
        snprintf(err, errlen, "simulation failed: network path: %s", sim_strerror(rc));
    } else {
        snprintf(err, errlen, "interrupted");
        rc = -SIM_ESTATE;
    }
fail:
    run_result_free(out);
done:
    /* The host first: its core calls the observers until it is freed. */
    host_free(x);
    tl_free(tl);
    xt_host_free(xt);
    trec_abort(rec);
    return rc;
}
