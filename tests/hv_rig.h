/*
 * tests/hv_rig.h: a host under test (scenario + the host sim/host builds:
 * engine, hypervisor core, workloads and devices), shared by the core's
 * tests (test_hv.c), the end-to-end scheduler tests (test_sched_e2e.c) and
 * the device tests. Every helper fails the running Check test on error.
 */
#ifndef XENSIM_TESTS_HV_RIG_H
#define XENSIM_TESTS_HV_RIG_H

#include "models/hv.h"
#include "schedulers/sched.h"
#include "sim/ev.h"
#include "sim/host/host.h"
#include "sim/scenario.h"

struct rig {
    struct scn *s;
    struct host *host;          /* owns the rest */
    struct ev_loop *loop;       /* = host->loop */
    struct hv *h;               /* = host->h */
};

/* Load a scenario from YAML (named "test.yaml" in messages). */
struct scn *rig_load(const char *yaml);

/* Build (sim/host) and start the host of a scenario with ops, or with the
 * policy the scenario names if ops is NULL. */
void rig_up(struct rig *r, const char *yaml, const struct sched_ops *ops);
/* The same without starting it. */
void rig_build(struct rig *r, const char *yaml, const struct sched_ops *ops);

/* Run the engine to `until` and require that the host reported no error. */
void rig_run(struct rig *r, sim_time_t until);

void rig_down(struct rig *r);

int dom_index(const struct scn *s, const char *name);
struct hv_dom_stats dstats(struct rig *r, const char *name);
struct hv_pcpu_stats pstats(struct rig *r, int p);

/* The conservation laws, exactly, at the current instant: per pCPU busy +
 * idle + switch == elapsed, and the CPU times of all vCPUs sum to the
 * pCPUs' busy time (those placed on a pCPU to its busy time, where no vCPU
 * moved); per vCPU the runstates sum to elapsed, running time covers CPU
 * time and CPU time covers refill. */
void check_conservation(struct rig *r);

#endif
