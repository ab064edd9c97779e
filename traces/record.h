/*
 * traces/record.h: `xensim run --record-trace FILE`: the demand the
 * workloads produced in a run, written as a native trace (traces/trace.h)
 * that the `trace` workload replays.
 *
 * What is recorded, from the start of the run (warm-up included, since a
 * replay starts there too), each as a record of its domain and vCPU at the
 * engine time it happened:
 *   - every operation a domain's workload returns to the core (models/hv.h,
 *     hv_set_op_observer): COMPUTE ns (an endless COMPUTE as SIM_TIME_MAX
 *     ns), SLEEP as `sleep` of its duration from the vCPU's NOW(), YIELD,
 *     BLOCK as `wait 0`; a SLEEP that events may end early (the io
 *     workload's think, struct wl_op's WL_REC_WAIT) as `wait` with that
 *     duration as its timeout; operations that follow from demand written
 *     otherwise (WL_REC_NONE: a page-table batch's CPU cost, a sleep
 *     resumed) are not written;
 *   - the demand a workload puts on the models, told through the workload's
 *     tap (workloads/wl.h, wl_note): block requests put on the ring as
 *     `block_submit` (the io workload keeps several in flight), packets sent
 *     as `net_send`, a server's replies as `net_reply`, page-table batches as
 *     `pt_batch` with the count of entries that map a frame of another
 *     owner;
 *   - every packet that reaches a domain's NIC from outside (models/net's
 *     arrival observer) as `arrival`, for the vCPU whose queue receives it.
 * vCPUs without a workload (a driver domain's vCPU 0 included: its
 * back-end loop is the host's, not demand) record nothing. The header names every domain
 * of the scenario with its vCPU count, the clock rate is the scenario's
 * tsc_hz and the source "xensim".
 *
 * Replaying the file with `workload: { type: trace, file: FILE }` for each
 * recorded domain (with `device:` and `nic:` where it did I/O), in the same
 * scenario with the same seed, performs the same operations and model
 * calls at the same instants, hence identical results
 * (tests/test_record.c), with one exception: a request or reply that found
 * its ring full is recorded when it was finally put, so the replay never
 * meets that full ring and its ring_full_stalls are not reproduced.
 *
 * Errors: 0 or a negative enum sim_err; trec_new returns NULL with a
 * message. The file is complete only after trec_close returned 0; a run
 * that fails calls trec_abort, which removes it.
 */
#ifndef XENSIM_TRACES_RECORD_H
#define XENSIM_TRACES_RECORD_H

#include <stddef.h>

#include "sim/scenario.h"

struct ev_loop;
struct hv;
struct net;
struct trec;

/* Check that s can be recorded and create path with the header. */
struct trec *trec_new(const char *path, const struct scn *s, char *err, size_t errlen);
/* Record from now on: h's operations (its operation observer), the taps of
 * the workloads h runs, and net's arrivals (net may be NULL). 0, or
 * -SIM_ENOMEM. */
int trec_attach(struct trec *r, struct ev_loop *loop, struct hv *h, struct net *net);
/* 0, or the first error met while recording (the file is then useless). */
int trec_status(const struct trec *r);
/* Finish the file and free r: 0 if the file is complete. */
int trec_close(struct trec *r);
/* Remove the unfinished file and free r; accepts NULL. */
void trec_abort(struct trec *r);

#endif
