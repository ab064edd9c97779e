/*
 * traces/record.h: `xensim run --record-trace FILE`: the demand the
 * synthetic workloads produced in a run, written as a native trace
 * (traces/trace.h) that the `trace` workload replays.
 *
 * What is recorded: every operation a domain's workload returns to the
 * core (models/hv.h, hv_set_op_observer), from the start of the run
 * (warm-up included, since a replay starts there too), as one record of
 * that domain and vCPU at the engine time it was returned: COMPUTE ns
 * (an endless COMPUTE as SIM_TIME_MAX ns), SLEEP as its duration from the
 * vCPU's NOW() (0 for a deadline already reached), YIELD. The header names
 * every domain of the scenario with its vCPU count, the clock rate is the
 * scenario's tsc_hz and the source "xensim".
 *
 * Replaying the file with `workload: { type: trace, file: FILE }` for each
 * recorded domain, in the same scenario with the same seed, gives the same
 * operations at the same instants, hence identical scheduling results
 * (tests/test_record.c). Only workloads whose demand is a stream of CPU
 * operations can be recorded (cpu, periodic, trace); a scenario with io,
 * server or mmu domains is refused (their requests pass through the split
 * drivers and the memory model, which replay does not drive yet).
 *
 * Errors: 0 or a negative enum sim_err; trec_new returns NULL with a
 * message. The file is complete only after trec_close returned 0; a run
 * that fails calls trec_abort, which removes it.
 */
#ifndef XENSIM_TRACES_RECORD_H
#define XENSIM_TRACES_RECORD_H

#include <stddef.h>

#include "sim/scenario.h"

struct hv;
struct trec;

/* Check that s can be recorded and create path with the header. */
struct trec *trec_new(const char *path, const struct scn *s, char *err, size_t errlen);
/* Record h's operations from now on (sets h's operation observer). */
void trec_attach(struct trec *r, struct hv *h);
/* 0, or the first error met while recording (the file is then useless). */
int trec_status(const struct trec *r);
/* Finish the file and free r: 0 if the file is complete. */
int trec_close(struct trec *r);
/* Remove the unfinished file and free r; accepts NULL. */
void trec_abort(struct trec *r);

#endif
