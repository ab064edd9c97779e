/*
 * traces/trace.h: xensim's native trace format: what each vCPU of a set of
 * domains asked of the machine (closed-loop demand) and what arrived from
 * outside (open-loop arrivals), in time order, streamed.
 *
 * A trace has a header (magic, format version, the clock rate its times
 * were measured with, the domains and their vCPU counts) and a sequence of
 * records. Two encodings carry the same header and records and convert into
 * each other exactly (docs/traces.md):
 *   binary  compact, in checksummed blocks, so that truncation and
 *           corruption are detected and named by byte offset;
 *   text    one record per line, for hand-written traces and diffs; errors
 *           are named by line.
 * Readers detect the encoding from the first bytes. Reading is streamed:
 * memory does not depend on the trace's length.
 *
 * Records (struct tr_record): times are ns since the start of the trace,
 * non-decreasing in file order. Closed-loop operations (COMPUTE, BLOCK_IO,
 * NET_SEND, SLEEP, PT_BATCH, YIELD, and since version 2 WAIT,
 * BLOCK_SUBMIT and NET_REPLY) are the demand of one vCPU, in the
 * order that vCPU issued them; their time is when the source issued them
 * (replay takes as long as the simulated scheduler lets it, so only their
 * order and arguments matter, except SLEEP and WAIT, which are relative:
 * `a` ns). Version 1 files (without the three later ops) are still read;
 * this build writes version 2. Open-loop ARRIVALs (a packet or request arriving for the domain from
 * outside) keep their timestamps on replay.
 *
 * Errors: functions return 0 or a negative enum sim_err (sim/err.h);
 * constructors return NULL with a message in err. Messages about a bad
 * file name the file and the byte offset (binary) or line (text).
 */
#ifndef XENSIM_TRACES_TRACE_H
#define XENSIM_TRACES_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/types.h"

#define TR_VERSION 2                /* format version this build writes; it reads 1 and 2 */
#define TR_VERSION_MIN 1
#define TR_NAME_MAX 63              /* bytes of a domain name, NUL excluded */
#define TR_MAX_DOMAINS 4096
#define TR_MAX_VCPUS 256            /* per domain */

enum tr_op {
    TR_COMPUTE = 1,                 /* a: ns of CPU */
    TR_BLOCK_IO = 2,                /* a: bytes, b: sector (512 B), flags: TR_F_WRITE; wait
                                       for its completion */
    TR_NET_SEND = 3,                /* a: bytes sent on the domain's NIC */
    TR_SLEEP = 4,                   /* a: ns to sleep (block with a timer) */
    TR_PT_BATCH = 5,                /* a: page-table entries in one mmu_update, b: how
                                       many of them target forbidden frames */
    TR_YIELD = 6,                   /* give up the CPU, stay runnable */
    TR_ARRIVAL = 7,                 /* open loop: a: bytes arriving at the domain's NIC,
                                       for the queue of the record's vCPU */
    /* Version 2 (what the synthetic generators' recordings need): */
    TR_WAIT = 8,                    /* block until an event reaches the vCPU (an I/O
                                       response, a packet) or, if a > 0, a ns have passed */
    TR_BLOCK_SUBMIT = 9,            /* as BLOCK_IO, but do not wait: the request stays in
                                       flight while the vCPU goes on */
    TR_NET_REPLY = 10,              /* a: bytes sent on the domain's NIC in answer to the
                                       oldest received packet not answered yet */
    TR_OP_COUNT
};

#define TR_F_WRITE 0x1u             /* BLOCK_IO, BLOCK_SUBMIT: a write (else a read) */

struct tr_record {
    sim_time_t t;                   /* ns since the start of the trace */
    uint16_t dom;                   /* index into the header's domains */
    uint16_t vcpu;                  /* < that domain's vcpus */
    uint8_t op;                     /* enum tr_op */
    uint8_t flags;
    uint64_t a, b;                  /* arguments, per op (above); unused ones 0 */
};

struct tr_domain {
    char name[TR_NAME_MAX + 1];     /* as in a scenario: [A-Za-z0-9_.-]+ */
    uint32_t vcpus;                 /* 1 .. TR_MAX_VCPUS */
};

struct tr_header {
    uint32_t version;               /* TR_VERSION when written by this build */
    uint64_t clock_hz;              /* Hz of the clock the source measured with (e.g.
                                       the TSC of a captured host); 0 if unknown.
                                       Informational: times are already in ns */
    char source[64];                /* what made the trace: "xensim", "xentrace",
                                       "strace", "hand", ... */
    uint32_t ndomains;              /* 1 .. TR_MAX_DOMAINS */
    struct tr_domain *domains;      /* [ndomains]; owned by whoever built the header */
};

enum tr_encoding { TR_BINARY, TR_TEXT };

/* ---- writing ---- */

struct tr_writer;

/* Create path (truncating it) and write the header. NULL with a message. */
struct tr_writer *tr_writer_open(const char *path, const struct tr_header *h,
                                 enum tr_encoding enc, char *err, size_t errlen);
/* Append one record: -SIM_EINVAL if it is malformed for the header (unknown
 * op, domain or vCPU out of range, time going backwards, a negative time). */
int tr_write(struct tr_writer *w, const struct tr_record *r);
/* Flush and close; the file is complete only if this returns 0. Accepts
 * NULL. */
int tr_writer_close(struct tr_writer *w);

/* ---- reading ---- */

struct tr_reader;

/* Open and read the header; the encoding is detected. NULL with a message
 * naming the file and the offset or line if it is empty, not a trace, of
 * another version, or its header is damaged. */
struct tr_reader *tr_reader_open(const char *path, char *err, size_t errlen);
void tr_reader_close(struct tr_reader *r);              /* accepts NULL */

/* The header (owned by the reader). */
const struct tr_header *tr_reader_header(const struct tr_reader *r);
enum tr_encoding tr_reader_encoding(const struct tr_reader *r);

/* The next record: 1 (out filled), 0 at the clean end of the trace, or a
 * negative error (-SIM_EBADINPUT for a damaged file, -SIM_EIO) with tr_reader_error
 * saying what and where (byte offset or line). A truncated or corrupt file
 * is an error, never a silent end. */
int tr_read(struct tr_reader *r, struct tr_record *out);
const char *tr_reader_error(const struct tr_reader *r);

/* Back to the first record (for `loop: true`). */
int tr_rewind(struct tr_reader *r);

/* Names of the ops as the text form writes them ("compute", "block_io",
 * ...); NULL for an unknown op. */
const char *tr_op_name(int op);

/* ---- additions (beyond the agreed interface) ---- */

/* What the last tr_write or tr_writer_close failure was (a record index and
 * the rule it broke, or the I/O error); "" if none. */
const char *tr_writer_error(const struct tr_writer *w);

/* tr_reader_open on an open stream (which must support fseek, e.g. from
 * fmemopen), named `name` in messages; the reader owns f and closes it,
 * also on failure. */
struct tr_reader *tr_reader_open_file(FILE *f, const char *name, char *err, size_t errlen);

/* Bytes of memory the reader holds; constant from open to close, whatever
 * the trace's length (the streaming guarantee, checked by the tests). */
size_t tr_reader_footprint(const struct tr_reader *r);

#endif
