/*
 * traces/strace.h: a streaming reader of `strace -f -ttt -T` output that
 * turns what a real program did into native trace records (traces/trace.h):
 * one domain, one vCPU per traced process or thread, in order of first
 * appearance. docs/traces.md ("strace import") states the mapping; in short:
 *
 *   time between syscalls, and the time of syscalls that are not mapped,
 *       -> COMPUTE (one record per span, emitted before the next mapped op)
 *   read/pread64/readv/preadv on a regular file   -> BLOCK_IO read
 *   write/pwrite64/writev/pwritev on a regular file -> BLOCK_IO write
 *   fsync/fdatasync/sync_file_range on a regular file -> BLOCK_IO write of
 *       512 bytes at the file's first sector (the flush)
 *   recv*, read on a socket, accept  -> SLEEP (the wait) + ARRIVAL at return
 *   send*, write on a socket         -> NET_REPLY if some data received
 *       is not answered yet (one answer per receive), else NET_SEND
 *   read/write on a pipe             -> SLEEP of the measured duration
 *   nanosleep, clock_nanosleep, poll, select, epoll_wait, futex waits,
 *       wait4, waitid, pause, sigsuspend -> SLEEP of the measured duration
 *   sched_yield                       -> YIELD
 *
 * Input is fed in chunks of any size (stc_feed) and split into lines here,
 * so memory does not depend on the capture's length: it holds the current
 * line, one pending `<unfinished ...>` call per process, the fd tables, and
 * the records that cannot be released yet because a process that is still
 * computing or blocked may emit an earlier one (records leave in time
 * order; see strace.c).
 *
 * Lines that cannot be parsed are reported through the diagnostic callback
 * (line number and message, never the line's bytes) and skipped; the
 * parser keeps going. Errors: 0 or a negative enum sim_err; the constructor
 * returns NULL only when out of memory.
 */
#ifndef XENSIM_TRACES_STRACE_H
#define XENSIM_TRACES_STRACE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/types.h"
#include "traces/trace.h"

#define STC_LINE_MAX (1u << 20)     /* longer lines are skipped as unparseable */
#define STC_MAX_PIDS 4096           /* distinct pids tracked; more are skipped */
#define STC_UNKNOWN_NAMES 256       /* distinct unknown syscall names kept */
#define STC_ACCEPT_BYTES 64         /* size of the ARRIVAL an accept makes */

/* Receives each record, in non-decreasing time order. Non-zero stops the
 * parser and is returned from stc_feed/stc_finish. */
typedef int (*stc_emit_fn)(void *ctx, const struct tr_record *r);
/* Receives "cannot parse" messages: line number (from 1) and text. */
typedef void (*stc_diag_fn)(void *ctx, uint64_t line, const char *msg);

struct stc_stats {
    uint64_t lines;                 /* lines read, blank ones included */
    uint64_t syscalls;              /* completed calls (an unfinished/resumed pair is one) */
    uint64_t mapped;                /* calls that produced at least one record */
    uint64_t other;                 /* known calls that produced none (time: COMPUTE) */
    uint64_t unknown;               /* calls whose name is not in the table */
    uint64_t failed;                /* calls that returned an error (part of other) */
    uint64_t signals;               /* `--- SIG... ---` lines */
    uint64_t exits;                 /* `+++ exited/killed +++` lines */
    uint64_t notes;                 /* `strace: ...` and `<detached ...>` lines, ignored */
    uint64_t skipped;               /* lines that could not be parsed */
    uint64_t unmatched;             /* unfinished calls never resumed, or resumed
                                       without an unfinished call */
    uint64_t clamped;               /* records whose time was raised to keep the
                                       output in order (out-of-order lines) */
    uint64_t records[TR_OP_COUNT];  /* records emitted, per op */
    uint64_t read_bytes, write_bytes;   /* BLOCK_IO totals */
    uint64_t recv_bytes, send_bytes;    /* ARRIVAL and NET_SEND + NET_REPLY totals */
    uint32_t pids;                  /* distinct pids seen */
    uint32_t vcpus;                 /* vCPUs used: min(pids, TR_MAX_VCPUS), at least 1 */
    sim_time_t span;                /* ns from the first to the last timestamp */
};

struct stc_parser;

/* A parser emitting records for domain `dom`. emit and diag may be NULL.
 * NULL if out of memory. */
struct stc_parser *stc_new(uint16_t dom, stc_emit_fn emit, stc_diag_fn diag, void *ctx);
void stc_free(struct stc_parser *p);                    /* accepts NULL */

/* Feed the next n bytes of the capture. 0, -SIM_ENOMEM, or the emit
 * callback's non-zero value. */
int stc_feed(struct stc_parser *p, const void *buf, size_t n);

/* End of input: parse a last line that has no newline (if it cannot be
 * parsed it is reported as truncated), then emit what is still pending
 * (each live process's last compute span) and release every record. */
int stc_finish(struct stc_parser *p);

/* Feed all of f and finish; -SIM_EIO on a read error. */
int stc_feed_file(struct stc_parser *p, FILE *f);

const struct stc_stats *stc_stats(const struct stc_parser *p);

/* The unknown syscall names, in order of first appearance, with counts;
 * names beyond STC_UNKNOWN_NAMES are counted under "(more names)". */
size_t stc_unknown_count(const struct stc_parser *p);
const char *stc_unknown_name(const struct stc_parser *p, size_t i, uint64_t *count);

/* A domain name made from a capture's file name: the base name up to its
 * first '.', other characters than [A-Za-z0-9_-] replaced by '_', a leading
 * '_' added if it does not start with a letter or '_', at most TR_NAME_MAX
 * bytes; "strace" if nothing is left. */
void stc_domain_from_path(const char *path, char *out, size_t n);

#endif
