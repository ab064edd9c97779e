/*
 * traces/xentrace.h: writing a simulated host's scheduling events as a
 * xentrace binary file, the format of Xen's own tracer, so that Xen's
 * analyser (xenalyze) and other xentrace readers can read a simulation
 * (`xensim run --xentrace FILE`, docs/traces.md "xentrace export").
 *
 * Source: the record layouts and event ids of shared/facts/xen-schedulers.md
 * section 6 (facts only, no Xen code): the 3.2+ layout, where a file is a
 * sequence of per-CPU windows, each a TRC_TRACE_CPU_CHANGE record
 * {u32 header; u32 cpu; u32 window_size} followed by window_size bytes of
 * records of that CPU; a record is a u32 header {event:28; extra_u32:3;
 * cycles_included:1}, then, if cycles_included, the TSC as u32 lo then u32
 * hi, then extra_u32 u32 words. Words are little-endian, as an x86 Xen
 * writes them. A runstate change's event carries the old runstate in bits
 * 8-11 and the new one in bits 4-7, its payload is one u32 with the vCPU id
 * in the low 16 bits and the domain id in the high 16.
 *
 * Two layers:
 *   - encoding (xt_encode*) and a file writer (struct xt_file): per-CPU
 *     buffers, all written as windows (one per CPU with records, CPUs in
 *     order) when one of them reaches its size limit, and at the end; to a
 *     temporary file renamed into place only by xt_file_close, so a failed
 *     run leaves no file;
 *   - the recorder of a host (struct xt_host): a schedule observer
 *     (models/hv.h) that turns switches, reschedules and wakes into records
 *     with the TSC of the pCPU's modelled clock (sim/clock.h) at the event.
 *
 * What the recorder writes, per pCPU, into that pCPU's stream (a vCPU's
 * records all go to the pCPU it is placed on: there is no migration):
 *   window start  TRC_SCHED_DOM_ADD for every domain (on pCPU 0); then a
 *                 snapshot: TRC_SCHED_CONTINUE_RUNNING for the vCPU running
 *                 on the pCPU, and a RUNSTATE_CHANGE from a state to itself
 *                 (runnable->runnable, blocked->blocked) for every other
 *                 vCPU placed there, idle vCPU included;
 *   switch        [TRC_SCHED_BLOCK prev if it blocked], RUNSTATE_CHANGE prev
 *                 running->runnable|blocked, RUNSTATE_CHANGE next
 *                 runnable->running, TRC_SCHED_SWITCH {prev dom, prev vcpu,
 *                 next dom, next vcpu};
 *   reschedule    TRC_SCHED_CONTINUE_RUNNING (do_schedule kept the vCPU);
 *   wake          TRC_SCHED_WAKE {dom, vcpu}, RUNSTATE_CHANGE
 *                 blocked->runnable;
 *   window end    the same snapshot as at the start, so every interval is
 *                 closed by a record (xenalyze accounts an interval when
 *                 the next record of the vCPU arrives).
 * Domain ids are scenario domain indexes (the first domain is 0); the idle
 * vCPU of pCPU p is vCPU p of Xen's idle domain, 32767 (so a host of more
 * than 32767 domains is refused). Every record but CPU_CHANGE carries a
 * TSC.
 *
 * Simplified: only scheduler records are written (no TRC_LOST_RECORDS: the
 * writer never loses any); the snapshot records are xensim's (Xen has no
 * window start and emits no same-state change); a vCPU "running" includes
 * its context-switch overhead, as xensim's runstate accounting does, so
 * its running time equals xensim's cpu_time_ns only with
 * costs.context_switch 0.
 *
 * Errors: 0 or a negative enum sim_err (sim/err.h); constructors and
 * xt_file_close / xt_host_finish give a message in err.
 */
#ifndef XENSIM_TRACES_XENTRACE_H
#define XENSIM_TRACES_XENTRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "models/hv.h"

/* Event ids (shared/facts/xen-schedulers.md 6.1, 6.2). */
#define XT_TRC_LOST_RECORDS 0x0001f001u
#define XT_TRC_TRACE_CPU_CHANGE 0x0001f003u
#define XT_TRC_SCHED_RUNSTATE_CHANGE 0x00021001u
#define XT_TRC_SCHED_CONTINUE_RUNNING 0x00021002u
#define XT_TRC_SCHED_DOM_ADD 0x00028001u
#define XT_TRC_SCHED_WAKE 0x00028004u
#define XT_TRC_SCHED_BLOCK 0x00028006u
#define XT_TRC_SCHED_SWITCH 0x0002800au

#define XT_HDR_CYCLES 0x80000000u   /* header bit 31: a TSC follows */
#define XT_EVENT_MASK 0x0fffffffu   /* header bits 0-27 */
#define XT_MAX_EXTRA 7              /* extra u32 words per record */
#define XT_REC_MAX (4 + 8 + 4 * XT_MAX_EXTRA) /* bytes of the largest record */
#define XT_CPU_CHANGE_SIZE 12       /* bytes of a TRC_TRACE_CPU_CHANGE record */
#define XT_IDLE_DOMID 32767u        /* Xen's idle domain */
#define XT_WINDOW_DEFAULT 65536u    /* bytes of records per window at most */

/* Xen's runstates (the same numbers as enum hv_runstate). */
enum xt_runstate { XT_RS_RUNNING, XT_RS_RUNNABLE, XT_RS_BLOCKED, XT_RS_OFFLINE };

/* The event of a runstate change from old to new (each 0..3). */
uint32_t xt_runstate_event(unsigned old_rs, unsigned new_rs);

/* The payload word of a runstate record: vcpu | dom << 16. */
uint32_t xt_vcpu_word(unsigned dom, unsigned vcpu);

/*
 * Encode one record into buf (at least XT_REC_MAX bytes): the header
 * (event & XT_EVENT_MASK, n in bits 28-30, XT_HDR_CYCLES if with_tsc), the
 * TSC if with_tsc, then extra[0..n-1]. Returns its size in bytes, or 0 if
 * n > XT_MAX_EXTRA or event has bits above 27.
 */
size_t xt_encode(uint8_t *buf, uint32_t event, bool with_tsc, uint64_t tsc,
                 const uint32_t *extra, unsigned n);

/* Encode the TRC_TRACE_CPU_CHANGE record that opens a window of
 * window_size bytes of cpu's records (XT_CPU_CHANGE_SIZE bytes). */
size_t xt_encode_cpu_change(uint8_t *buf, uint32_t cpu, uint32_t window_size);

/* --- the file writer ---------------------------------------------------- */

struct xt_file;

/*
 * A writer of a xentrace file at path for CPUs 0..ncpus-1, each buffering
 * at most window_max bytes of records (XT_REC_MAX .. 2^31; 0 means
 * XT_WINDOW_DEFAULT); when a CPU's buffer cannot take a record, every
 * buffer is written as a window first, CPUs in order. The data goes to a
 * temporary file in path's directory. NULL with a message on failure.
 */
struct xt_file *xt_file_open(const char *path, int ncpus, size_t window_max, char *err,
                             size_t errlen);

/* Append a record to cpu's stream (see xt_encode). 0, -SIM_EINVAL (bad cpu,
 * n or event), or -SIM_EIO if a window could not be written. */
int xt_file_rec(struct xt_file *f, int cpu, uint32_t event, bool with_tsc, uint64_t tsc,
                const uint32_t *extra, unsigned n);

/* Records appended so far (CPU_CHANGE records not counted). */
uint64_t xt_file_records(const struct xt_file *f);

/* Write every buffer still holding records as a last window (CPUs in
 * order), close and rename the file to its path, and free f. 0, or
 * -SIM_EIO with a message (the temporary file is then removed). */
int xt_file_close(struct xt_file *f, char *err, size_t errlen);

/* Remove the temporary file and free f. Accepts NULL. */
void xt_file_abort(struct xt_file *f);

/* --- the recorder of a simulated host ----------------------------------- */

struct xt_host;

/*
 * A recorder of host h into a xentrace file at path (window_max as
 * xt_file_open). It records nothing until xt_host_start. Install
 * xt_host_observe as (or call it from) h's schedule observer with the
 * recorder as ctx. NULL with a message on failure.
 */
struct xt_host *xt_host_new(const struct hv *h, const char *path, size_t window_max,
                            char *err, size_t errlen);

/* The schedule observer (an hv_obs_fn): ctx is the struct xt_host. */
void xt_host_observe(void *ctx, const struct hv_obs *o);

/* Start recording at the current engine time t (the start of the measured
 * window): the domains and the snapshot. 0 or -SIM_EIO / -SIM_ESTATE. */
int xt_host_start(struct xt_host *x, sim_time_t t);

/* Records written so far. */
uint64_t xt_host_records(const struct xt_host *x);

/* End the recording at engine time t (the end of the run): the closing
 * snapshot, then the file is written and renamed into place, and *nrec
 * (if not NULL) set to the records written. Frees x. 0, or a negative
 * error with a message (no file is left). */
int xt_host_finish(struct xt_host *x, sim_time_t t, uint64_t *nrec, char *err, size_t errlen);

/* Drop the recording (no file is left) and free x. Accepts NULL. */
void xt_host_free(struct xt_host *x);

#endif
