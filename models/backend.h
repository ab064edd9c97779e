/*
 * models/backend.h: the driver domain's side of the split drivers. One
 * workload per driver domain serves every back end bound to it: blkback
 * for each (guest, disk) pair of models/blk, netback for each (guest, NIC)
 * pair of models/net, in any mix. So a driver domain may serve disks and
 * NICs together, and when it is starved of CPU every guest it serves waits.
 *
 * The back-end loop, each time the core asks the driver domain's vCPU 0
 * for an operation (events were taken by the core's upcall before that,
 * models/hv.h):
 *   1. the unit of work whose backend.per_request CPU has just been spent
 *      is finished (a request handed to the disk, a packet to the NIC or
 *      into a guest's buffer);
 *   2. every back end answers what became ready without CPU (completed
 *      disk requests become responses);
 *   3. the next unit of work, back ends in round-robin order, costs
 *      COMPUTE backend.per_request;
 *   4. with nothing left, each back end re-arms its request events (the
 *      rings' final checks) and the vCPU BLOCKs until a notify or a
 *      physical IRQ kicks it.
 *
 * Source: the driver-domain structure of Barham et al., "Xen and the Art
 * of Virtualization" (SOSP 2003) section 3.2 and Fraser et al., "Safe
 * hardware access with the Xen virtual machine monitor" (OASIS 2004):
 * back ends are ordinary code in a scheduled domain. Own design.
 *
 * Simplified: one kernel thread of work per driver domain, on its vCPU 0
 * (its other vCPUs run the workloads the scenario lists for them, or
 * idle); a unit of work costs per_request once; the driver domain's vCPU 0
 * has no workload of its own (refused by be_install).
 *
 * Ownership: the host borrows hv and scenario; it owns the per-domain
 * lists of back ends (the back ends themselves belong to models/blk and
 * models/net); the workloads be_install gives the hv point into it, so
 * free the hv first, then the back-end owners, then this.
 * Errors: 0 or a negative enum sim_err (sim/err.h); be_new returns NULL.
 */
#ifndef XENSIM_MODELS_BACKEND_H
#define XENSIM_MODELS_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "models/ioring.h"
#include "sim/scenario.h"
#include "sim/types.h"

struct hv;
struct be_host;

/* One unit of back-end work, taken by be_ops.take and finished by
 * be_ops.finish once its CPU has been spent. */
struct be_work {
    int kind;                       /* the back end's own tag (e.g. tx or rx) */
    struct ring_req req;            /* the request taken from a ring */
    sim_time_t t;                   /* ns, the back end's own timestamp */
};

struct be_ops {
    const char *name;               /* "blkback", "netback" */
    /* Answer, without CPU, what became ready (may be NULL). */
    int (*flush)(void *be);
    /* Take the next unit of work: 1 (w filled), 0 if none, or an error. */
    int (*take)(void *be, struct be_work *w);
    /* Act on w, whose per_request CPU has been spent. */
    int (*finish)(void *be, const struct be_work *w);
    /* Re-arm request events before the vCPU blocks; *more if work
     * arrived meanwhile. */
    int (*final_check)(void *be, bool *more);
};

/* An empty set of back ends for the host's domains. NULL on allocation
 * failure or bad arguments. */
struct be_host *be_new(struct hv *h, const struct scn *s);
void be_free(struct be_host *bh);           /* accepts NULL */

/* Serve back end `be` from driver domain `dom`, after those already bound
 * to it (the round-robin order). */
int be_attach(struct be_host *bh, int dom, const struct be_ops *ops, void *be);

/* Whether dom serves at least one back end. */
bool be_serves(const struct be_host *bh, int dom);

/* Give every driver domain with back ends its back-end workload
 * (hv_set_workload, vCPU 0). After every be_attach, before hv_start. A
 * driver domain whose vCPU 0 has a workload in the scenario is refused,
 * with a message. */
int be_install(struct be_host *bh, char *err, size_t errlen);

#endif
