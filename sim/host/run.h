/*
 * sim/host/run.h: the run driver. One replication of a scenario, start to end:
 * build the host (sim/host/host.h) with the scenario's policy, simulate the
 * warm-up, reset the statistics, simulate `duration`, and hand the host and
 * the run's summary to a recorder (analysis/record.h writes the run into the
 * results database inside one transaction, so an interrupted or failed run
 * leaves nothing).
 * Run names are a pure function of the scenario's hash (sim/scenario.h),
 * the master seed, the sweep point and the replication index:
 * "<name>-<hash>-s<seed>-r<replication>" without a sweep point, and
 * "<name>-<hash>-<path=value,...>-s<seed>-r<replication>" at one (the hash
 * is then that of the base scenario, the same for every point; a point
 * longer than RUN_POINT_MAX characters is written as "pt" and the hex
 * FNV-1a 64 of its text).
 * The driver never prints: it reports progress through a callback and
 * returns a summary (struct run_result) that the command line formats.
 */
#ifndef XENSIM_SIM_RUN_H
#define XENSIM_SIM_RUN_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "sim/scenario.h"

struct run_dom {
    const char *name;               /* borrowed from the scenario */
    bool has_workload;
    int64_t cpu_time_ns;            /* ns over the measured window */
    int64_t refill_ns;              /* ns of it refilling caches (costs.cache_refill) */
    double cpu_share;               /* cpu time / (window * pcpus) */
    double cpu_util;                /* cpu time / window, in pCPUs */
    uint64_t dispatches, wakeups, blocks, preemptions, late_periods;
    int64_t runnable_wait_ns;       /* ns */
    uint64_t lat_count;             /* sched_latency samples */
    double lat_p50, lat_p99;        /* ns; NAN without samples */
    double evt_p50, evt_p99;        /* ns, evtchn_latency; NAN without samples */
    /* The domain's I/O, by workload kind: io (block requests), server
     * (network requests) or mmu (page-table updates); io_kind NULL for
     * the others. */
    const char *io_kind;
    double io_rate;                 /* per s: io_ops_per_s, requests_per_s, or
                                       mmu_updates per s */
    double io_p50, io_p99;          /* ns, io_latency or net_latency; NAN for mmu */
    uint64_t io_stalls;             /* ring_full_stalls (0 for mmu) */
    uint64_t mmu_rejected;          /* mmu: forbidden updates refused */
};

struct run_pcpu {
    int64_t busy_ns, idle_ns, switch_ns; /* ns */
    uint64_t context_switches;
    double runq_len_mean;           /* vCPUs */
};

struct run_result {
    char name[256];                 /* runName */
    bool skipped;                   /* already in the database: not recorded again
                                       (analysis/record.h) */
    sim_time_t window_ns;           /* measured window, ns */
    int ndoms, npcpus;
    struct run_dom *doms;
    struct run_pcpu *pcpus;
    uint64_t events;                /* engine events in the measured window */
    uint64_t events_total;          /* engine events, warm-up included */
    double jain_fairness;           /* over the CPU times of domains with a workload */
    double wall_s;                  /* wall-clock seconds of the simulation */
    double setup_s;                 /* wall-clock s building the host (models, workloads) */
    double store_s;                 /* wall-clock s collecting and storing the results
                                       (the transaction and its checkpoint included) */
    uint64_t xentrace_records;      /* records written with run_opts.xentrace */
};

/* One coordinate of a sweep point: a swept path and its value as written
 * in the scenario (struct scn_sweep_axis.values). */
struct run_itervar {
    const char *name;               /* e.g. "scheduler.name"; borrowed */
    const char *value;              /* e.g. "rr"; borrowed */
};

/* Longest sweep point (characters) written out in a run name. */
#define RUN_POINT_MAX 96

/* Progress: fraction of simulated time done, 0..1. */
typedef void run_progress_fn(void *ctx, double fraction);

struct run_opts {
    uint64_t seed;                  /* master seed (the scenario's, or --seed) */
    uint32_t replication;
    run_progress_fn *progress;      /* may be NULL */
    void *progress_ctx;
    volatile sig_atomic_t *interrupted; /* set asynchronously to stop; may be NULL */
    const struct run_itervar *point; /* the sweep point, in axis order; NULL: none */
    size_t npoint;                  /* coordinates in point */
    /* --timeline: keep the schedule of (start, end] (ns from the start of
     * the measured window; end clamped to the run's end) for the recorder,
     * which writes it as the vectors "timeline" and "runq" of every pCPU
     * (docs/results.md). Only with a recorder. */
    bool timeline;
    sim_time_t timeline_start, timeline_end;
    /* --xentrace: write the measured window's scheduling events as a
     * xentrace file (traces/xentrace.h) at this path, renamed into place
     * only if the run succeeds; NULL: none. */
    const char *xentrace;
    /* --record-trace: write the demand of every domain's workload, from the
     * start of the run, as a native trace at this path (traces/record.h);
     * NULL: none. The file is removed if the run fails. */
    const char *record_trace;
};

/* The --timeline window when none is given: the first 100 ms measured. */
#define RUN_TIMELINE_DEFAULT_NS (100 * (sim_time_t)1000000)

/* The deterministic name of a run (no sweep point). */
void run_name(const struct scn *s, uint64_t seed, uint32_t replication, char *buf, size_t n);
/* The same at a sweep point (npoint 0: exactly run_name's). */
void run_name_at(const struct scn *s, uint64_t seed, uint32_t replication,
                 const struct run_itervar *point, size_t npoint, char *buf, size_t n);

struct tl;
struct host;
/* A recorder, called once the measured window is over and the summary
 * collected: the host (its models' reports), the scenario as simulated
 * (the seed the run used), the summary, and the timeline (sim/host/timeline.h;
 * NULL without --timeline). 0, or a negative sim_err with a message. */
typedef int run_record_fn(void *ctx, struct host *x, const struct scn *s,
                          const struct run_result *out, const struct tl *tl, char *err,
                          size_t errlen);

/*
 * Simulate one replication and hand it to record (NULL: none). 0 on
 * success (out filled); -SIM_EBADINPUT if the host cannot be built from
 * the scenario (a policy refused a domain's parameters, a trace workload's
 * file is unreadable or does not fit its domain), -SIM_ESTATE if
 * interrupted, the recorder's error, with a message in err. Free out with
 * run_result_free.
 */
int run_simulate(const struct scn *s, const struct run_opts *o, run_record_fn *record,
                 void *record_ctx, struct run_result *out, char *err, size_t errlen);

void run_result_free(struct run_result *r);

#endif
