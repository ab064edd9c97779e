/*
 * sim/scenario.h: the scenario language (DESIGN.md section 4), loaded from
 * YAML into validated structs.
 *
 * A scenario describes one simulated host (machine, scheduler, devices,
 * domains and their workloads), how long to run it, and optionally a sweep:
 * a set of paths and values whose cartesian product, times `replications`,
 * makes a campaign of runs. The loader checks every key against the
 * language: unknown keys (with the nearest valid key suggested), wrong
 * types, missing units, out-of-range values, duplicate names, references to
 * undefined devices, tabs and malformed YAML are all errors, reported as
 * FILE:LINE:COL with the offending line and a caret. Nothing is silently
 * defaulted except keys that are absent (their defaults are in docs/).
 *
 * Overrides (`--set PATH=VALUE`, and the values of one sweep point) are
 * applied while the document is walked, so they meet exactly the same
 * validation and their errors point into the command-line argument or the
 * sweep entry that supplied them.
 *
 * Ownership: a struct scn owns every string and array it points to; free it
 * with scn_free(). Diagnostics are owned by struct scn_diags.
 */
#ifndef XENSIM_SIM_SCENARIO_H
#define XENSIM_SIM_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "sim/clock.h"
#include "sim/dist.h"
#include "sim/topo.h"
#include "sim/types.h"
#include "sim/units.h"

/* Event-channel ports per domain: Xen 2.0's NR_EVENT_CHANNELS (public/xen.h of
 * RELEASE-2.0.0). The loader refuses a host whose front ends need more ports
 * in one domain than this; models/evtchn.h's EVTCHN_MAX_PORTS equals it. */
#define SCN_EVTCHN_PORTS 1024

/* Where in a file (or --set argument) something was written; 1-based. */
struct scn_loc {
    const char *file;               /* borrowed from the owning struct scn */
    int line;
    int col;
};

struct scn_clock {
    int64_t tsc_hz;                 /* Hz, nominal TSC frequency */
    int64_t *tsc_ppb;               /* [pcpus] TSC frequency error, parts per billion */
    int64_t *tsc_offset;            /* [pcpus] TSC count at time 0, cycles */
    sim_time_t timer_slop;          /* ns, timers may run this early (Xen TIMER_SLOP) */
    int64_t apic_timer_hz;          /* Hz, one-shot timer count rate */
    enum clk_timer_order timer_order; /* tie rule of equal expiries; when not given,
                                       scn_default_timer_order(scheduler) */
    bool timer_order_given;         /* timer_order was written (file, --set or sweep) */
    enum clk_slop_rule slop_rule;   /* what timer_slop means; when not given,
                                       scn_default_slop_rule(scheduler block) */
    bool slop_rule_given;
    enum clk_time_model system_time; /* how NOW() is computed, default Xen 3.0's */
};

/* Costs may be given in time or in cycles (struct quantity says which). */
struct scn_costs {
    struct quantity context_switch; /* per switch between vCPUs */
    struct quantity hypercall;      /* per hypercall entry and exit */
    struct quantity upcall;         /* per event-channel upcall into a guest */
    struct quantity pte_validate;   /* per page-table entry validated */
    struct quantity cache_refill;   /* after switching to a different domain */
    struct quantity migration;      /* cold caches: when a vCPU runs on another pCPU
                                       than the one it last ran on */
    struct quantity kernel_packet;  /* guest kernel CPU per vif packet handled in an
                                       upcall (echo answered, reply taken, ping sent) */
};

/* The order in which domains unpaused at the same instant are unpaused
 * (each unpause is a wake, and Xen 2.0's RR and BVT wakes queue at the
 * head, so this decides who runs first). */
enum scn_unpause_order { SCN_UNPAUSE_CREATION, SCN_UNPAUSE_REVERSE };

/* The timer tie rule a policy runs with when machine.clock.timer_order is
 * not given: CLK_ORDER_XEN for the Xen 2.0 policies (rr, bvt, atropos),
 * CLK_ORDER_FIFO for any policy not in the table. */
enum clk_timer_order scn_default_timer_order(const char *sched);

struct scn_sched_global;
/* The slop rule a policy runs with when machine.clock.slop_rule is not
 * given: CLK_SLOP_LATE for Credit 4.17, null and arinc653 (Xen 4.x's timer.c), CLK_SLOP_EARLY
 * for the others. */
enum clk_slop_rule scn_default_slop_rule(const struct scn_sched_global *g);

/* machine.topology: sockets x cores x threads == pcpus; not given, every
 * pCPU is its own core of one socket (sim/topo.h). */
struct scn_topology {
    bool given;
    struct topo t;
    struct scn_loc loc;             /* of the mapping */
};

struct scn_machine {
    int pcpus;
    struct scn_topology topology;
    int unpause_order;              /* enum scn_unpause_order, default creation */
    struct scn_clock clock;
    struct scn_costs costs;
};

/* The Xen releases Credit is modelled as (scheduler.credit.version). */
enum scn_credit_version { SCN_CREDIT_3_4, SCN_CREDIT_4_17 };

/* ARINC 653: at most this many minor frames (Xen 4.17's
 * ARINC653_MAX_DOMAINS_PER_SCHEDULE, public/sysctl.h). */
#define SCN_A653_MAX_FRAMES 64

/* One minor frame of the ARINC 653 schedule: a vCPU and its run time per
 * major frame (an entry of Xen's struct xen_sysctl_arinc653_schedule). */
struct scn_a653_frame {
    char domain_name[80];           /* as written (a domain's name, at most 63 + ".N") */
    int domain;                     /* index into scn.domains, resolved */
    int vcpu;                       /* vCPU index in that domain; one it lacks leaves
                                       the frame idle, as Xen's does */
    sim_time_t runtime;             /* ns per major frame, > 0 */
    struct scn_loc loc;             /* of the entry's domain key */
};

/* How Credit2 arranges its run queues (scheduler.credit2.runqueue; Xen's
 * credit2_runqueue boot parameter, in its order). */
enum scn_credit2_runqueue {
    SCN_C2_RQ_CPU, SCN_C2_RQ_CORE, SCN_C2_RQ_SOCKET, SCN_C2_RQ_NODE, SCN_C2_RQ_ALL
};

/* Global scheduler parameters, one block per policy. */
struct scn_sched_global {
    char name[16];                  /* a name of scn_sched_names */
    struct scn_loc loc;             /* of scheduler.name (or the block) */
    struct { sim_time_t slice; } rr;            /* ns, default 10ms */
    /* Quirks: Xen 2.0 behaviour that departs from the algorithm's intent;
     * all default on (faithful), docs/schedulers.md describes each. */
    struct {
        sim_time_t ctx_allow;       /* ns, default 5ms */
        bool slice_units_quirk;     /* MCUs added to ns in the slice */
        bool u32_runtime_quirk;     /* run time charged as u32 ns (wraps after ~4.29 s) */
        bool u32_warp_quirk;        /* warped evt = avt - warp_value wraps below 0 */
        bool warp_per_dispatch_quirk; /* warpl counted per dispatch, not per warp */
        bool stale_warp_evt_quirk;  /* warp/unwarp timers leave evt as it was */
        bool wrap_blocked_quirk;    /* wrap-around also pulls back blocked vCPUs */
    } bvt;
    /* Credit: the Xen release modelled and its quirks (docs/schedulers.md). */
    struct {
        int version;                /* enum scn_credit_version */
        /* 3.4 */
        bool reset_credit_quirk;    /* above 300 credits: reset to 0, not held at 300 */
        bool tickle_all_idlers_quirk; /* a wake tickles every idle pCPU, not one */
        /* 4.17 (Xen's boot parameters and their defaults) */
        sim_time_t tslice;          /* ns, whole ms 1..1000 ms, default 30 ms */
        sim_time_t ratelimit;       /* ns, whole us, 0 (off) or 100 us..500 ms, <= tslice;
                                       default 1 ms */
        sim_time_t migration_delay; /* ns, whole us 0..100 ms (vcpu_migration_delay), default 0 */
        bool tickle_one_idle;       /* tickle_one_idle_cpu, default true */
        bool kick_away_quirk;       /* the kick-away test reads the waker's affinity: never fires */
        bool first_wake_quirk;      /* a new vCPU's first wake is not boosted */
    } credit;
    /* Credit2 (Xen 4.17.5): its boot parameters, with Xen's defaults, and
     * quirks (docs/schedulers.md). */
    struct {
        int runqueue;               /* enum scn_credit2_runqueue, default socket */
        sim_time_t ratelimit;       /* ns, whole us, 0 (off) or 100 us..500 ms; default
                                       1 ms (sched_ratelimit_us) */
        sim_time_t migrate_resist;  /* ns, whole us (sched_credit2_migrate_resist),
                                       default 500 us */
        sim_time_t cap_period;      /* ns, whole ms >= 1 (credit2_cap_period_ms),
                                       default 10 ms */
        int balance_under;          /* credit2_balance_under, default 0 */
        int balance_over;           /* credit2_balance_over, default -3 */
        int load_window_shift;      /* credit2_load_window_shift, default 30 */
        int load_precision_shift;   /* credit2_load_precision_shift, default 18 */
        int max_cpus_runqueue;      /* sched_credit2_max_cpus_runqueue, default 16 */
        bool balance_last_rq_quirk; /* the balancer's thresholds read the last run queue
                                       of the list, not the one it balances with */
        bool soft_pick_bias_quirk;  /* a soft-affine placement cycles from the bias of the
                                       least loaded hard run queue, not its own */
        bool pick_next_quirk;       /* a move to another run queue lands on the pCPU
                                       after the one picked */
    } credit2;
    /* RTDS (Xen 4.17): no global parameters, only its quirks. */
    struct {
        bool stale_first_period_quirk; /* the first period keeps the deadline and budget
                                          of the defaults (10 ms, 4 ms) set at insert */
        bool replq_priority_quirk;  /* the replenishment queue is ordered by priority
                                       level before deadline */
    } rtds;
    /* SEDF (Xen 4.5): its quirks (docs/schedulers.md). */
    struct {
        bool pen_once_quirk;        /* one L0 (penalty) run clears the lost-slice debt */
        bool first_deadline_quirk;  /* the first wake's deadline is now + slice */
    } sedf;
    struct {
        bool uncharged_block_quirk; /* a run that ends in a block is not charged */
        bool sticky_wait_quirk;     /* WAIT is left only by blocking, slack is charged */
        bool global_slack_index_quirk; /* one slack round-robin index for all pCPUs */
        bool slack_search_wrap_quirk;  /* the slack search does not wrap around */
    } atropos;
    /* ARINC 653 (Xen 4.17): the schedule the toolstack installs through
     * XEN_SYSCTL_SCHEDOP_putinfo; without one, Xen's boot schedule
     * (docs/schedulers.md). */
    struct {
        sim_time_t major_frame;     /* ns; 0 when no schedule is given */
        int nframes;                /* 0 .. SCN_A653_MAX_FRAMES; 0 = boot schedule */
        struct scn_a653_frame frames[SCN_A653_MAX_FRAMES];
        bool late_frame_quirk;      /* a late major-frame start shifts every later frame */
    } arinc653;
};

enum scn_dev_kind { SCN_DEV_DISK, SCN_DEV_NIC };
enum scn_queue { SCN_QUEUE_FIFO, SCN_QUEUE_ELEVATOR };

struct scn_device {
    char *name;
    enum scn_dev_kind kind;
    struct scn_loc loc;
    sim_time_t seek;                /* ns, disk: average seek (0 for flash) */
    int64_t rpm;                    /* rev/min, disk: spindle speed (0 for flash) */
    sim_time_t latency;             /* ns, flash disk: access latency; nic: wire latency */
    int64_t bandwidth;              /* bit/s, transfer rate */
    enum scn_queue queue;           /* disk request queue policy */
    int ring;                       /* slots in the front/back I/O ring */
    char *driver_name;              /* driver domain as written, NULL if not given */
    int driver;                     /* index into scn.domains of the domain running
                                       the back end; -1 if no domain is privileged */
    struct scn_loc driver_loc;      /* where driver was written */
    bool by_hypervisor;             /* nic: served_by: hypervisor (Xen 1.0), no driver domain */
    sim_time_t hv_per_request;      /* ns of hypervisor time per packet (served_by hypervisor) */
    int irq_cpu;                    /* pCPU that takes its interrupt (served_by hypervisor) */
    struct scn_loc served_loc;      /* where served_by was written */
};

/* Per-domain parameters of each policy; `set` says the block was given. */
struct scn_bvt_dom {
    bool set;
    int64_t mcu_advance;            /* virtual-time units per 100us MCU (inverse weight) */
    sim_time_t warp;                /* ns of virtual-time borrowing, 0 = none */
    sim_time_t warpl;               /* ns, longest a warp may last (0 = unlimited) */
    sim_time_t warpu;               /* ns, unwarped time required between warps */
    struct scn_loc loc;
};

/* Credit's per-domain parameters (xm sched-credit -w -c). */
struct scn_credit_dom {
    bool set;
    int weight;                     /* 1 .. 65535, default 256 */
    int cap;                        /* % of one pCPU, 0 = none; at most 100 x vcpus */
    struct scn_loc loc;
};

/* Credit2's per-domain parameters (xl sched-credit2 -w -c). */
struct scn_credit2_dom {
    bool set;
    int weight;                     /* 1 .. 65535, default 256 */
    int cap;                        /* % of one pCPU, 0 = none; at most 100 x vcpus */
    struct scn_loc loc;
};

/* RTDS's per-vCPU parameters, set on every vCPU of the domain as
 * `xl sched-rtds -d D -v all -p -b -e` does. */
struct scn_rtds_dom {
    bool set;
    sim_time_t period;              /* ns, whole us, 10 us .. INT_MAX us; default 10 ms */
    sim_time_t budget;              /* ns, whole us, 10 us .. period; default 4 ms */
    bool extratime;                 /* may run beyond its budget; default true */
    struct scn_loc loc;
};

/* SEDF's per-domain parameters as xl/libxl 4.5 take them (xl's period,
 * slice, latency, extratime, weight); a field not given is SCN_SEDF_UNSET,
 * libxl's LIBXL_DOMAIN_SCHED_PARAM_*_DEFAULT. */
#define SCN_SEDF_UNSET (-1)
struct scn_sedf_dom {
    bool set;
    sim_time_t period;              /* ns, whole ms, 1 ms .. 10 s */
    sim_time_t slice;               /* ns, whole ms, 1 ms .. period */
    sim_time_t latency;             /* ns, whole ms (stored; 4.5 never reads it) */
    int extratime;                  /* 0 or 1 */
    int weight;                     /* 1 .. 32767 */
    struct scn_loc loc;
};

struct scn_atropos_dom {
    bool set;
    sim_time_t period;              /* ns */
    sim_time_t slice;               /* ns guaranteed per period */
    sim_time_t latency;             /* ns, latency hint for wake after a long block */
    bool xtratime;                  /* may run in slack time */
    struct scn_loc loc;
};

enum scn_wl_type {
    SCN_WL_NONE, SCN_WL_CPU, SCN_WL_PERIODIC, SCN_WL_IO, SCN_WL_SERVER,
    SCN_WL_MMU, SCN_WL_TRACE, SCN_WL_ONOFF,
};
enum scn_io_op { SCN_IO_READ, SCN_IO_WRITE };
enum scn_io_pattern { SCN_IO_RANDOM, SCN_IO_SEQUENTIAL };

struct scn_workload {
    enum scn_wl_type type;
    struct scn_loc loc;
    /* cpu */
    sim_time_t yield_every;         /* ns of running between yields, 0 = never */
    /* periodic */
    sim_time_t period;              /* ns */
    struct dist burst;              /* ns of CPU per period */
    sim_time_t phase;               /* ns of NOW() of the first release, < period */
    /* io, server, trace (optional for trace: its disk for block_io records) */
    char *device_name;              /* as written, NULL if not */
    int device;                     /* index into scn.devices, -1 if none */
    /* io */
    enum scn_io_op op;
    int64_t size;                   /* bytes per request */
    struct dist think;              /* ns between completion and next request */
    int depth;                      /* requests outstanding */
    enum scn_io_pattern pattern;
    /* server */
    struct dist arrival;            /* ns between packet arrivals */
    struct dist service;            /* ns of guest CPU per request */
    int64_t reply_size;             /* bytes */
    /* mmu */
    struct dist interval;           /* ns between bursts */
    int updates;                    /* page-table updates per burst */
    int batch;                      /* updates per hypercall */
    double invalid;                 /* fraction targeting frames not owned */
    /* trace */
    char *file;                     /* path of the trace, resolved against the scenario's directory */
    bool loop;
    struct scn_loc ref_loc;         /* where device was written */
    struct scn_loc file_loc;        /* where file was written */
    char *nic_name;                 /* as written, NULL if not (net_send, arrival records) */
    int nic;                        /* index into scn.devices, -1 if none */
    struct scn_loc nic_loc;         /* where nic was written */
    /* onoff */
    struct dist on;                 /* ns of CPU per burst */
    struct dist off;                /* ns of sleep after a burst */
};

/* ping: the domain's kernel sends echo requests to another domain's vif. */
struct scn_ping {
    bool set;
    char *target_name;              /* as written */
    int target;                     /* index into scn.domains */
    struct dist interval;           /* ns between pings */
    int64_t size;                   /* B per echo request (and its reply) */
    struct scn_loc loc, target_loc;
};

/* echo: clients beyond the vif's NIC send the domain echo requests. */
struct scn_echo {
    bool set;
    struct dist arrival;            /* ns between requests */
    int64_t size;                   /* B per request (and its reply) */
    struct scn_loc loc;
};

struct scn_domain {
    char *name;                     /* unique; "hog.2" for the third of a count */
    char *group;                    /* the name as written ("hog") */
    int index;                      /* position within the count group, -1 if no count */
    struct scn_loc loc;
    bool privileged;
    int vcpus;
    int64_t memory;                 /* bytes */
    int *cpus;                      /* pCPUs the vCPUs may run on, NULL = any */
    int ncpus;
    int *cpus_soft;                 /* pCPUs the vCPUs prefer (soft affinity, xl's
                                       cpus_soft), NULL = no preference */
    int ncpus_soft;
    sim_time_t backend_per_request; /* ns of CPU per backend request (driver domains) */
    sim_time_t unpause;             /* ns engine time at which it is unpaused (admitted
                                       to its scheduler through wake); 0 = at boot */
    struct scn_bvt_dom bvt;
    struct scn_atropos_dom atropos;
    struct scn_credit_dom credit;
    struct scn_credit2_dom credit2;
    struct scn_rtds_dom rtds;
    struct scn_sedf_dom sedf;
    struct scn_workload *wl;        /* [nwl]: one workload, run by every vCPU (a kind
                                       that runs on vCPU 0 only leaves the others
                                       idle), or `workload:` as a list, one per
                                       vCPU; read through scn_vcpu_wl */
    int nwl;                        /* 1, or vcpus for a list of more than one */
    bool wl_list;                   /* `workload:` was written as a list */
    struct scn_loc wl_loc;          /* where `workload:` was written (0 if not) */
    char *vif_name;                 /* vif: the NIC whose bridge it is on, as written */
    int vif;                        /* index into scn.devices, -1 if none */
    struct scn_loc vif_loc;
    struct scn_ping ping;
    struct scn_echo echo;
};

/* The workload entry vCPU vcpu of d runs. */
static inline const struct scn_workload *scn_vcpu_wl(const struct scn_domain *d, int vcpu)
{
    return &d->wl[d->nwl > 1 ? vcpu : 0];
}

/* For vCPU vcpu of d, which runs a trace workload: the trace vCPU it
 * replays. The vCPUs of d that replay the same file take the trace's vCPUs
 * in order (with one workload for all, vCPU k replays trace vCPU k); rank 0
 * holds the replay's first queue of each front end and receives its
 * arrivals. *n, if not NULL, gets how many vCPUs replay the file. */
int scn_trace_rank(const struct scn_domain *d, int vcpu, int *n);

/* Whether d's vCPUs prefer pCPU pcpu: its `cpus_soft` list (soft
 * affinity), or any pCPU without one. */
static inline bool scn_dom_prefers(const struct scn_domain *d, int pcpu)
{
    if (!d || d->ncpus_soft == 0)
        return true;
    for (int j = 0; j < d->ncpus_soft; j++)
        if (d->cpus_soft[j] == pcpu)
            return true;
    return false;
}

/* Whether d's vCPUs may run on pCPU pcpu: its `cpus` list (hard
 * affinity), or any pCPU without one. */
static inline bool scn_dom_may_run(const struct scn_domain *d, int pcpu)
{
    if (!d || d->ncpus == 0)
        return true;
    for (int j = 0; j < d->ncpus; j++)
        if (d->cpus[j] == pcpu)
            return true;
    return false;
}

/* Whether some vCPU of d has a workload of its own (not `none`). */
static inline bool scn_dom_has_wl(const struct scn_domain *d)
{
    for (int k = 0; k < d->nwl; k++)
        if (d->wl[k].type != SCN_WL_NONE)
            return true;
    return false;
}

struct scn_sweep_axis {
    char *path;                     /* e.g. "domains.hog.count" */
    char **values;                  /* each value's YAML text, for run names */
    int nvalues;
    struct scn_loc loc;
};

/* A file the scenario reads (a trace), as its hash covers it: read once
 * per load, streamed, and digested with FNV-1a 64 (sim/hash.h). */
struct scn_file {
    char *path;                     /* resolved against the scenario's directory */
    uint64_t bytes;                 /* B, the file's length when loaded */
    uint64_t digest;                /* FNV-1a 64 of those bytes */
};

struct scn {
    char *file;                     /* path the scenario was read from */
    char *name;
    char *description;              /* "" if none */
    uint64_t seed;                  /* master seed */
    sim_time_t duration;            /* ns measured, after the warm-up */
    sim_time_t warmup;              /* ns excluded from metrics */
    int replications;
    struct scn_machine machine;
    struct scn_sched_global sched;
    struct scn_device *devices;
    int ndevices;
    struct scn_domain *domains;     /* after count expansion, in file order */
    int ndomains;
    /* record: which domain metrics the run writes, per module pattern
     * (docs/scenario.md "record"); none given: the run driver's default. */
    struct scn_record_rule *record;
    int nrecord;
    bool record_given;              /* the key is present (an empty list too) */
    struct scn_sweep_axis *sweep;
    int nsweep;
    uint64_t sweep_points;          /* product of the axes' lengths (1 if none) */
    struct scn_file *files;         /* every file it reads, each once, in the order
                                       first referenced; for a scenario with a
                                       sweep, also those its axes' values name */
    int nfiles;
    char hash[17];                  /* hex FNV-1a 64 of the canonical form */
};

/* One rule of `record:`. For a domain and a level (its own module, or its
 * count group's), the first rule whose `per` covers the level and whose
 * pattern matches the domain's name or its group's name decides what is
 * written at that level. */
enum scn_rec_per { SCN_REC_PER_DOMAIN, SCN_REC_PER_GROUP, SCN_REC_PER_BOTH };
#define SCN_REC_SCALARS    1u       /* the domain scalars (cpu_time_ns, io_ops, ...) */
#define SCN_REC_STATISTICS 2u       /* statistic rows and their NAME:pXX scalars */
#define SCN_REC_HISTOGRAMS 4u       /* histogramBin rows of those statistics */
#define SCN_REC_ALL (SCN_REC_SCALARS | SCN_REC_STATISTICS | SCN_REC_HISTOGRAMS)
struct scn_record_rule {
    char *modules;                  /* fnmatch(3) pattern */
    unsigned what;                  /* SCN_REC_* bits; histograms imply statistics */
    int per;                        /* enum scn_rec_per */
    struct scn_loc loc;
};

/* Diagnostics collected by a failed load. */
struct scn_diags;

struct scn_load_opts {
    const char *const *sets;        /* "PATH=VALUE" strings (--set), may be NULL */
    size_t nsets;
    const int *sweep_index;         /* one value index per sweep axis, or NULL */
};

/*
 * Load and validate a scenario file. On success returns the scenario and
 * leaves *diags NULL; on failure returns NULL and sets *diags (which the
 * caller frees with scn_diags_free) to at least one message.
 */
struct scn *scn_load(const char *path, const struct scn_load_opts *opts,
                     struct scn_diags **diags);

/* The same from memory; name is used in messages and resolves relative
 * trace paths against its directory. */
struct scn *scn_load_buffer(const char *name, const char *text, size_t len,
                            const struct scn_load_opts *opts,
                            struct scn_diags **diags);

void scn_free(struct scn *s);

/*
 * A scenario parsed once, for sweeps: the base (as scn_load_buffer without
 * a sweep_index returns it, its sweep validated the same way) and any
 * number of points built from the same parse tree, each equal to what
 * scn_load_buffer with that sweep_index returns. opts->sweep_index is
 * ignored. A point build changes only the prepared state's scratch, so a
 * prepared scenario is used by one thread at a time.
 */
struct scn_prep;
struct scn_prep *scn_prep_buffer(const char *name, const char *text, size_t len,
                                 const struct scn_load_opts *opts, struct scn_diags **diags);
const struct scn *scn_prep_base(const struct scn_prep *p);
/* idx: one value index per axis of the base's sweep. */
struct scn *scn_prep_point(struct scn_prep *p, const int *idx, struct scn_diags **diags);
/* The same point's resolved settings without the copy of the sweep a
 * point carries (nsweep 0; sweep_points and the hash as the base's): for
 * planning, where copying every axis per point would cost the square of
 * the points. */
struct scn *scn_prep_settings(struct scn_prep *p, const int *idx, struct scn_diags **diags);
/* The same point validated only (without the copy of the sweep a point
 * carries): 0, or -SIM_EBADINPUT with *diags set, or -SIM_ENOMEM. */
int scn_prep_check(struct scn_prep *p, const int *idx, struct scn_diags **diags);
void scn_prep_free(struct scn_prep *p);

/* How many scenario documents this process has parsed (loads and
 * preparations; not --set values): lets tests check that a plan parses
 * its scenario once. */
unsigned long scn_parse_count(void);
/* How many times a point's copy of the sweep block has been made (each
 * copies every value of every axis): lets tests check that planning a
 * sweep that must build its points makes none. */
unsigned long scn_sweep_copy_count(void);

/* All diagnostics as text, each "FILE:LINE:COL: message" followed by the
 * source line and a caret; malloc'ed, caller frees. NULL if out of memory. */
char *scn_diags_text(const struct scn_diags *d);
size_t scn_diags_count(const struct scn_diags *d);
/* The first line ("FILE:LINE:COL: message") of diagnostic i. */
const char *scn_diags_message(const struct scn_diags *d, size_t i);
void scn_diags_free(struct scn_diags *d);

/* Human summary as printed by `xensim check`. */
void scn_print_summary(const struct scn *s, FILE *out);

/* Canonical text of every resolved parameter (the input of scn.hash). */
char *scn_canonical(const struct scn *s);

/* Every settable key path, as --set takes it, in the order of the key
 * tables; a domain's or device's name is "*" (domains.*.vcpus). A path
 * valid for several kinds of device or workload comes once per kind. */
typedef void scn_path_fn(void *ctx, const char *path);
void scn_key_paths(scn_path_fn *emit, void *ctx);

/* Whether a device of this kind takes the key (its name under
 * devices.NAME, e.g. "seek"). */
bool scn_device_takes(enum scn_dev_kind kind, const char *key);

/* Names of the known policies, for messages and the scheduler registry. */
extern const char *const scn_sched_names[];

#endif
