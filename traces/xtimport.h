/*
 * traces/xtimport.h: reading a xentrace binary file (Xen's tracer, or
 * `xensim run --xentrace`) and turning its scheduler records into xensim's
 * native trace (traces/trace.h): each vCPU's running periods become COMPUTE
 * records of their length, its blocked periods SLEEP records of theirs
 * (docs/traces.md "xentrace import").
 *
 * Source: shared/facts/xen-schedulers.md section 6 (record layouts, event
 * ids, lost-record markers, xenalyze's per-CPU merge by TSC); facts only,
 * no Xen code. Written independently of xensim's writer (traces/xentrace.c).
 *
 * Layouts (enum xti_layout):
 *   windows  Xen 3.2 and later: per-CPU windows, each a TRC_TRACE_CPU_CHANGE
 *            record {u32 header; u32 cpu; u32 window_size} then window_size
 *            bytes of that CPU's compact records (u32 header {event:28;
 *            extra:3; tsc:1}, the TSC as u32 lo, u32 hi if tsc, then extra
 *            u32 words);
 *   fixed32  Xen 2.0 (and 3.0-3.1 on 32-bit x86): per record u32 cpu, then
 *            {u64 cycles; u32 event; u32 d1..d5}, 36 bytes;
 *   fixed64  Xen 3.0-3.1 on x86-64: u32 cpu, then {u64 cycles; u32 event;
 *            u32 padding; u64 data[5]}, 60 bytes (the low 32 bits of each
 *            data word are used).
 * All words little-endian (x86).
 *
 * Reading is two streamed passes over a seekable input: the first checks
 * the whole file (a truncated or corrupt file is refused before anything is
 * written, with the byte offset), finds the CPUs, domains and vCPUs (the
 * native header needs them first) and the smallest TSC; the second merges
 * the per-CPU streams by TSC with one cursor per CPU (as xenalyze does) and
 * derives the demand. A stream that cannot seek (a pipe, stdin) is first
 * copied to an unlinked temporary file (tmpfile()), which the passes read:
 * the layout checks need the total size before the first record. Memory: a
 * cursor per CPU, a state per vCPU, at most max_pending finished operations
 * waiting for time order, and with TSC skew detection a CPU-by-CPU table.
 *
 * Per-CPU TSC skew: each CPU c has an offset off_c (cycles), subtracted from
 * its TSCs before anything else (times, merge order). Given offsets
 * (xti_opts.offsets) are applied as they are. Detection (xti_opts.skew) uses
 * causality: a vCPU that stops running on CPU A (a runstate change from
 * running, or a switch away from it) at TSC a and next starts running on
 * CPU B at TSC b left A before it reached B, so b - off_B >= a - off_A, i.e.
 * off_B - off_A <= b - a (the tightest such bound per pair of CPUs is
 * kept). b < a is a violation. "Next" is taken in TSC order: a stint that
 * starts on B while the vCPU still runs on A is paired with A's end. The
 * offsets are a solution of these difference constraints (Bellman-Ford):
 * starting from no correction, a CPU's offset is lowered only as far as a
 * chain of constraints forces it (the greatest solution <= 0), then taken
 * relative to the lowest-numbered CPU of its group of CPUs linked by
 * migrations (the reference, offset 0). For two CPUs that is the smallest
 * correction that removes every violation. Each estimate comes with the
 * range the constraints allow given the reference (one end is open when
 * the vCPUs migrated only one way). xtimport.c says what it cannot detect.
 *
 * Errors: 0 or a negative enum sim_err (-SIM_EBADINPUT for a damaged file,
 * -SIM_EIO, -SIM_ENOMEM); constructors return NULL with a message in err.
 */
#ifndef XENSIM_TRACES_XTIMPORT_H
#define XENSIM_TRACES_XTIMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "traces/trace.h"

#define XTI_DEFAULT_HZ 2400000000ull /* xenalyze's default --cpu-hz */
#define XTI_MAX_CPUS 1024           /* distinct CPUs in one file */
#define XTI_IDLE_DOMID 32767u       /* Xen's idle domain: ignored */
#define XTI_DEFAULT_PENDING 65536u  /* finished operations held for ordering */

enum xti_layout { XTI_AUTO, XTI_WINDOWS, XTI_FIXED32, XTI_FIXED64 };

/* TSC skew detection: REPORT observes the migrations in the import pass and
 * estimates offsets without applying them; AUTO runs an extra merged pass
 * first, applies the estimates, and observes again in the import pass;
 * NONE observes nothing. */
enum xti_skew { XTI_SKEW_REPORT, XTI_SKEW_AUTO, XTI_SKEW_NONE };

struct xti_offset {
    uint32_t cpu;
    int64_t cycles;                 /* subtracted from the CPU's TSCs */
};

/* Event classes counted in the summary. */
enum xti_class {
    XTI_C_TRACE,                    /* 0x0001f: lost records, wrap, CPU change */
    XTI_C_RUNSTATE,                 /* 0x00021: runstate changes, continue running */
    XTI_C_SCHED_CLASS,              /* 0x00022: scheduler-specific */
    XTI_C_SCHED_VERBOSE,            /* 0x00028: switch, wake, block, dom add, ... */
    XTI_C_SCHED_30,                 /* 0x0002f: Xen 3.0-3.3 scheduler ids */
    XTI_C_SCHED_20,                 /* 0x00010: Xen 2.0 scheduler ids (fixed layouts) */
    XTI_C_OTHER,
    XTI_C_COUNT
};

struct xti_opts {
    enum xti_layout layout;         /* XTI_AUTO: detected (xtimport.c says how) */
    uint64_t cpu_hz;                /* TSC Hz; 0: XTI_DEFAULT_HZ */
    size_t max_pending;             /* 0: XTI_DEFAULT_PENDING */
    enum xti_skew skew;             /* 0: XTI_SKEW_REPORT */
    const struct xti_offset *offsets; /* [noffsets]: given per-CPU TSC offsets, each
                                       CPU at most once and present in the file */
    size_t noffsets;
};

/* What one merged pass saw of the vCPUs' migrations. */
struct xti_skew_obs {
    uint64_t migrations;            /* a vCPU stopped on one CPU, next ran on another */
    uint64_t violations;            /* of which it started on the new CPU, by the
                                       TSCs, before it stopped on the old one */
    uint64_t worst;                 /* cycles: the largest such overlap */
    uint64_t unpaired;              /* stints overlapping two others: not paired */
    uint64_t pairs;                 /* distinct (from, to) CPU pairs constrained */
    bool conflict;                  /* no offsets satisfy every constraint (a cycle
                                       of migrations goes backwards) */
};

struct xti_stats {
    enum xti_layout layout;
    uint64_t bytes, records, windows; /* records: CPU_CHANGE headers excluded */
    uint64_t by_class[XTI_C_COUNT];
    uint32_t ncpus;
    uint64_t lost_markers, lost_records; /* TRC_LOST_RECORDS and what they announce */
    uint64_t wraps;                 /* TRC_TRACE_WRAP_BUFFER, skipped */
    bool runstate_mode;             /* demand from runstate changes (else switches) */
    uint64_t inconsistent;          /* changes from a state the vCPU was not in */
    uint64_t backwards;             /* TSCs going backwards on a CPU */
    uint64_t ignored;               /* records naming a vCPU beyond TR_MAX_VCPUS or
                                       a payload too short */
    uint64_t splits;                /* periods split to bound the ordering buffer */
    uint64_t ops[TR_OP_COUNT];      /* records written, per op */
    uint64_t tsc_first, tsc_last;   /* cycles, offsets subtracted */
    sim_time_t span;                /* ns from the first to the last TSC */
    enum xti_skew skew_mode;
    struct xti_skew_obs skew;       /* with the given offsets only: AUTO's detection
                                       pass, else the import pass (after xti_run) */
    struct xti_skew_obs skew_after; /* AUTO: the import pass, estimates applied */
    bool skew_estimated;            /* xti_cpu_get's estimates are valid */
};

struct xti_cpu {
    uint32_t cpu;
    uint32_t ref;                   /* the CPU estimate and bounds are relative to */
    int64_t offset;                 /* cycles subtracted from this CPU's TSCs: given,
                                       plus estimate under XTI_SKEW_AUTO */
    int64_t estimate;               /* cycles: detected offset on top of the given
                                       one (0: none needed) */
    bool has_lo, has_hi;            /* false: that end is open */
    int64_t lo, hi;                 /* cycles: what the constraints allow for estimate */
};

struct xti_vcpu {
    uint16_t domid, vcpu;
    sim_time_t run, block, runnable; /* ns in each state, over closed periods */
};

struct xti_import;

/* Open a file (read twice; one that cannot seek is copied to a temporary
 * file first; the importer owns f and closes it, also on failure) or a
 * memory buffer (not copied: it must outlive the importer), run the first
 * pass, and under XTI_SKEW_AUTO the detection pass. NULL with a message
 * naming `name` and the byte offset for a damaged file, or why the given or
 * detected offsets cannot be applied. */
struct xti_import *xti_open_file(FILE *f, const char *name, const struct xti_opts *o,
                                 char *err, size_t errlen);
struct xti_import *xti_open_mem(const void *data, size_t size, const char *name,
                                const struct xti_opts *o, char *err, size_t errlen);
void xti_close(struct xti_import *x);   /* accepts NULL */

/* The native header: one domain per Xen domain seen (idle excluded), in
 * domain id order, named "dom0" or "d<id>", with vCPUs up to the highest
 * seen. ndomains is 0 if the file names no domain (nothing to import). */
const struct tr_header *xti_header(const struct xti_import *x);

/* The second pass: emit every record, time-ordered; emit's negative return
 * stops it and is returned. 0, or a negative error with xti_error. */
int xti_run(struct xti_import *x, int (*emit)(void *ctx, const struct tr_record *r),
            void *ctx);
const char *xti_error(const struct xti_import *x);

const struct xti_stats *xti_stats(const struct xti_import *x);
size_t xti_nvcpus(const struct xti_import *x);
/* The i-th vCPU (domain id order, then vCPU): false if i is out of range. */
bool xti_vcpu_get(const struct xti_import *x, size_t i, struct xti_vcpu *out);
/* The i-th CPU (in the order the file first names them; i < stats ncpus):
 * its offsets, and the estimate when stats skew_estimated. */
bool xti_cpu_get(const struct xti_import *x, size_t i, struct xti_cpu *out);

const char *xti_layout_name(enum xti_layout l);  /* "windows", "fixed32", ... */
const char *xti_class_name(enum xti_class c);

#endif
