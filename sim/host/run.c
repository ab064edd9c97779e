/*
 * sim/host/run.c: the run driver (see sim/host/run.h).
 *
 * The simulation runs in chunks of simulated time (1/100 of the run) so
 * that progress can be reported and an interruption noticed between them,
 * without adding events to the engine: the results (machine `events`
 * included) do not depend on whether anyone watches.
 *
 * Only the printed summary (collect) reads the models' statistics here;
 * the recorder gets the host and takes every row through host_report.
 *
 * --timeline (run_opts.timeline): a schedule observer (models/hv.h) keeps,
 * per pCPU, the vCPU switched to at each context switch and the run-queue
 * length at each change, within the window only, in memory, for the
 * recorder. Without it no observer is set and nothing is buffered.
 *
 * --xentrace (run_opts.xentrace): a recorder (traces/xentrace.h) observes
 * the schedule from the end of the warm-up (chained with the --timeline
 * observer when both are on) and its file is renamed into place after the
 * run has been recorded.
 */
#include "sim/host/run.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "models/blk.h"
#include "models/bridge.h"
#include "models/mm.h"
#include "models/net.h"
#include "models/hv.h"
#include "sim/err.h"
#include "sim/ev.h"
#include "sim/hash.h"
#include "sim/host/host.h"
#include "sim/host/timeline.h"
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
        rd->has_workload = scn_dom_has_wl(&s->domains[d]);
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

int run_simulate(const struct scn *s, const struct run_opts *o, run_record_fn *record,
                 void *record_ctx, struct run_result *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    run_name_at(s, o->seed, o->replication, o->point, o->npoint, out->name, sizeof out->name);
    /* The seed may come from the command line: the host reads it from the
     * scenario, so give it a shallow copy that says so. */
    struct scn sc = *s;
    sc.seed = o->seed;
    double t_setup = wall_now();
    char herr[512] = "";
    struct host *x = host_new(&sc, o->replication, NULL, herr, sizeof herr);
    if (!x) {
        sim_errmsg(err, errlen, "%s", herr);
        return -SIM_EBADINPUT;
    }
    struct ev_loop *loop = x->loop;
    struct hv *h = x->h;
    struct net *net = x->net;
    struct br *br = x->br;
    int rc;
    sim_time_t total = s->warmup + s->duration;
    /* The timeline window in engine time, within the measured window. */
    sim_time_t tl_w0 = s->warmup + (o->timeline_start > 0 ? o->timeline_start : 0);
    sim_time_t tl_w1 = o->timeline_end > s->duration ? total : s->warmup + o->timeline_end;
    if (tl_w0 > total)
        tl_w0 = total;
    struct host_obs obs = { .timeline = o->timeline && record, .tl_w0 = tl_w0,
                            .tl_w1 = tl_w1 > tl_w0 ? tl_w1 : tl_w0, .xentrace = o->xentrace,
                            .record_trace = o->record_trace };
    if ((rc = host_observe(x, &obs, err, errlen)) < 0)
        goto fail;
    struct tl *tl = x->tl;
    rc = hv_start(h);
    if (rc < 0) {
        sim_errmsg(err, errlen, "cannot start the host: %s", sim_strerror(rc));
        goto fail;
    }
    double t0 = wall_now();
    out->setup_s = t0 - t_setup;
    if (!simulate(loop, h, 0, s->warmup, total, o) || net_status(net) < 0 || br_status(br) < 0)
        goto stopped;
    host_stats_reset(x);
    if (x->xt && (rc = xt_host_start(x->xt, ev_now(loop))) < 0) {
        sim_errmsg(err, errlen, "%s: cannot write (%s)", o->xentrace, sim_strerror(rc));
        goto fail;
    }
    /* With --timeline the loop stops once more at the window's start to
     * sample every pCPU (no event is added, so nothing else changes). */
    if (tl && tl_w0 > s->warmup
        && (!simulate(loop, h, s->warmup, tl_w0, total, o) || net_status(net) < 0
            || br_status(br) < 0))
        goto stopped;
    if (tl)
        tl_start(tl);
    if (!simulate(loop, h, tl ? tl_w0 : s->warmup, total, total, o) || net_status(net) < 0
        || br_status(br) < 0)
        goto stopped;
    double t_store = wall_now();
    out->wall_s = t_store - t0;
    out->events_total = ev_dispatched(loop);
    rc = collect(x, s, out);
    if (rc < 0) {
        sim_errmsg(err, errlen, "collecting statistics: %s", sim_strerror(rc));
        goto fail;
    }
    if (record && (rc = record(record_ctx, x, &sc, out, tl, err, errlen)) < 0)
        goto fail;
    out->store_s = wall_now() - t_store;
    if (x->xt) {
        rc = xt_host_finish(x->xt, ev_now(loop), &out->xentrace_records, err, errlen);
        x->xt = NULL;
        if (rc < 0)
            goto fail;
    }
    if (x->rec) {
        rc = trec_close(x->rec);
        x->rec = NULL;
        if (rc < 0) {
            sim_errmsg(err, errlen, "%s: cannot write the trace (%s)", o->record_trace,
                       sim_strerror(rc));
            goto fail;
        }
    }
    goto done;
stopped:
    if (hv_status(h) < 0) {
        sim_errmsg(err, errlen, "simulation failed: %s", hv_status_msg(h));
        rc = hv_status(h);
    } else if (net_status(net) < 0 || br_status(br) < 0) {
        rc = net_status(net) < 0 ? net_status(net) : br_status(br);
        sim_errmsg(err, errlen, "simulation failed: network path: %s", sim_strerror(rc));
    } else {
        sim_errmsg(err, errlen, "interrupted");
        rc = -SIM_ESTATE;
    }
fail:
    run_result_free(out);
done:
    host_free(x);
    return rc;
}
