/*
 * sim/host/timeline.h: the schedule of a window of the run, kept for the
 * recorder (`xensim run --timeline`, docs/results.md "vector"): per pCPU,
 * the vCPU switched to at each context switch ("timeline": its global
 * number, -1 for idle) and the run-queue length at each change ("runq"),
 * each series starting with the state at the window's start. At most
 * RUN_TIMELINE_MAX_POINTS points are kept per run; later changes are
 * dropped and tl_truncated says so.
 */
#ifndef XENSIM_SIM_HOST_TIMELINE_H
#define XENSIM_SIM_HOST_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>

#include "sim/scenario.h"
#include "sim/types.h"

struct ev_loop;
struct hv;
struct hv_obs;
struct tl;

/* At most this many timeline and runq points are kept per run (about 24 B
 * each). */
#define RUN_TIMELINE_MAX_POINTS ((size_t)1 << 22)

/* A timeline of h for (w0, w1], ns of engine time; NULL when out of memory.
 * Its observer is tl_observe (ctx: the timeline), which keeps nothing before
 * tl_start. */
struct tl *tl_new(struct ev_loop *loop, const struct hv *h, sim_time_t w0, sim_time_t w1);
void tl_free(struct tl *t);                 /* accepts NULL */
/* Sample every pCPU at w0 (the engine stopped there): the first points. */
void tl_start(struct tl *t);
void tl_observe(void *ctx, const struct hv_obs *o);

/* 0, or the first allocation failure while it was kept. */
int tl_error(const struct tl *t);
int tl_npcpus(const struct tl *t);
void tl_window(const struct tl *t, sim_time_t *w0, sim_time_t *w1);
bool tl_truncated(const struct tl *t);
/* Pcpu p's switches (runq false) or run-queue lengths, *n points. */
const struct sim_vpoint *tl_series_of(const struct tl *t, int p, bool runq, size_t *n);
/* "idle=-1,dom0=0,web/v0=1,web/v1=2": the vCPUs' names by global number;
 * malloc'd, NULL when out of memory. */
char *tl_enum(const struct tl *t, const struct scn *s);

#endif
