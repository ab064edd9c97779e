/*
 * tests/sched_fake.h: a fake hypervisor core for unit-testing scheduler
 * policies (schedulers/rr.c, bvt.c, atropos.c) without models/hv.c, the
 * clock or the event engine. Link tests/sched_fake.c with the policy's .c
 * (by hand), or before libxensim.a (mk/schedulers.am): the fake's
 * definitions of the core services then win, because nothing a policy
 * references pulls models/hv.o out of the archive.
 *
 * It implements every core service of schedulers/sched.h against state the
 * test controls, and records what the policy asked for:
 *   - sched_now(pcpu) returns fake_set_now()/fake_advance() time, per pCPU;
 *   - sched_curr/sched_idle come from per-pCPU slots (fake_set_curr, or
 *     fake_schedule, which installs the vCPU do_schedule chose);
 *   - sched_tickle and sched_timer_earlier are appended to a call log
 *     (fake_ntickles, fake_log); sched_timer_earlier also moves the fake
 *     slice timer (fake_slice_timer) when earlier, as the real core would;
 *   - sched_move, sched_migrate, sched_park and sched_unpark act on the
 *     fake's vCPUs (see fake_moves below);
 *   - sched_timer_* keep the policy's own timers in a list: nothing fires by
 *     itself; the test fires them (fake_fire_next, fake_fire_until), which
 *     first moves that pCPU's NOW() up to the deadline. No slop: a timer
 *     fires exactly at its deadline.
 *
 * What the fake does NOT model: context-switch costs, the 10 ms tick,
 * events, clock drift. fake_schedule mimics Xen 2.0's __enter_scheduler
 * steps 4-5 (facts 1.2): charge prev's CPU time, call do_schedule(now), set
 * next->lastschd = now and the slice timer to now + slice.
 *
 * One fake core may exist at a time (the sched_timer_* services take no
 * core argument, so the fake finds its timers through a file-static
 * pointer). Check forks each test, so create it in the test or a fixture.
 *
 * Usage:
 *     struct scn_sched_global g = fake_sched_defaults();
 *     struct sched_core *c;
 *     ck_assert_int_eq(fake_core_new(&sched_bvt_ops, 1, &g, &c), 0);
 *     struct scn_domain d = fake_domain_defaults();
 *     d.bvt.mcu_advance = 20;
 *     struct sched_vcpu *a;
 *     ck_assert_int_eq(fake_vcpu_new(c, &d, 0, true, &a), 0);
 *     struct sched_slice s = fake_schedule(c, 0);      // a runs
 *     fake_advance(c, 0, s.slice);
 *     ...
 *     fake_core_free(c);
 */
#ifndef XENSIM_TESTS_SCHED_FAKE_H
#define XENSIM_TESTS_SCHED_FAKE_H

#include <stdbool.h>
#include <stddef.h>
#include "schedulers/sched.h"
#include "sim/scenario.h"
#include "sim/types.h"

#define FAKE_MAX_PCPUS 16
#define FAKE_MAX_VCPUS 256      /* non-idle vCPUs per fake core */
#define FAKE_MAX_TIMERS 1024    /* distinct sched_timer objects initialised */
#define FAKE_MAX_LOG 4096       /* recorded core calls kept (later ones dropped) */

/* A core service the policy called (recorded, in call order). */
enum fake_call_kind { FAKE_TICKLE, FAKE_TIMER_EARLIER, FAKE_TRACE };
struct fake_call {
    enum fake_call_kind kind;
    int pcpu;
    sim_time_t expires;         /* ns NOW(): FAKE_TIMER_EARLIER's argument, else 0 */
    sim_time_t at;              /* ns NOW() of that pCPU when the call was made */
    uint32_t event;             /* FAKE_TRACE: sched_trace's event and payload */
    unsigned nd;
    uint32_t d[7];
};

/* Scenario defaults of the scheduler block (docs/scenario.md): rr.slice
 * 10 ms, bvt.ctx_allow 5 ms, every quirk on; name "". */
struct scn_sched_global fake_sched_defaults(void);
/* Defaults of an unprivileged domain's scheduling parameters: bvt
 * mcu_advance 10, warp 0, warpl 2000 ms, warpu 1000 ms; atropos period
 * 10 s, slice 10 ms, latency 10 s, xtratime; rtds period 10 ms, budget
 * 4 ms, extratime; sedf nothing given
 * (SCN_SEDF_UNSET, sedf.set false). Name "d". */
struct scn_domain fake_domain_defaults(void);

/*
 * Create the fake core with npcpus (1..FAKE_MAX_PCPUS) pCPUs: calls
 * ops->init with a scenario whose sched block is *g (copied), then creates
 * each pCPU's idle vCPU (alloc_vdata + insert, runnable, with NOW() reading
 * -1 during the insert as the real core's boot) and makes it current, then
 * wakes the idle vCPU of every pCPU but 0. NOW() starts at 0 on every pCPU. 0 or the negative sim_err of
 * the policy (or -SIM_EINVAL / -SIM_ENOMEM); *out is NULL on failure.
 */
int fake_core_new(const struct sched_ops *ops, int npcpus,
                  const struct scn_sched_global *g, struct sched_core **out);
/* The same on a machine of topology *t (its pCPUs), known from the
 * policy's init on (Credit2 arranges its run queues there). */
int fake_core_new_topo(const struct sched_ops *ops, const struct topo *t,
                       const struct scn_sched_global *g, struct sched_core **out);
/* Give the machine a topology of its pCPUs (flat by default: each its own
 * core of one socket); -SIM_EINVAL if its pCPU count differs. */
int fake_core_set_topology(struct sched_core *c, struct topo t);
/* remove + free_vdata every vCPU (idle last), then deinit. Accepts NULL. */
void fake_core_free(struct sched_core *c);
/* The policy's global state (what init stored). */
void *fake_policy(struct sched_core *c);

/*
 * Create a vCPU of a domain with parameters *dom (copied; the vCPU's dom
 * points at the copy) on pcpu: alloc_vdata, then insert (paused, as the
 * real core creates it), then, if runnable, its unpause: fake_wake at the
 * pCPU's NOW(). A vCPU created not runnable is admitted by its first
 * fake_wake. Each call makes a new domain (index = creation order,
 * 0-based), vcpu 0. On an alloc_vdata error returns it (e.g. -SIM_EINVAL),
 * after free_vdata, and *out is NULL.
 */
int fake_vcpu_new(struct sched_core *c, const struct scn_domain *dom, int pcpu,
                  bool runnable, struct sched_vcpu **out);

/* NOW() of a pCPU. fake_advance adds dt and returns the new NOW(). */
void fake_set_now(struct sched_core *c, int pcpu, sim_time_t now);
sim_time_t fake_advance(struct sched_core *c, int pcpu, sim_time_t dt);
/* Make v the running vCPU of its pCPU and stamp v->lastschd = NOW()
 * (as if dispatched now), without calling the policy. */
void fake_set_curr(struct sched_core *c, struct sched_vcpu *v);

/*
 * What the core does on SCHEDULE_SOFTIRQ: charge the current vCPU
 * (now - lastschd) to its CPU time, call do_schedule(pcpu, now), set
 * next->lastschd = now, make next current, arm the fake slice timer at
 * now + slice. Returns do_schedule's result unchanged.
 */
struct sched_slice fake_schedule(struct sched_core *c, int pcpu);

/* The block, pause and wake paths: set v->runnable, then call the
 * policy's do_block, sleep or wake hook (if any), as the real core does
 * (a block calls do_block, a pause sleep). None reschedules: call
 * fake_schedule. */
void fake_block(struct sched_core *c, struct sched_vcpu *v);
void fake_pause(struct sched_core *c, struct sched_vcpu *v);
void fake_wake(struct sched_core *c, struct sched_vcpu *v);

/* Migration services (sched_move, sched_migrate, sched_park): the fake
 * moves v at once (sched_move), or, for sched_migrate, at fake_schedule of
 * its pCPU once it is descheduled (pick_cpu, then the wake hook unless v is
 * parked or blocked), as the core does; a vCPU not running that
 * do_schedule asks to migrate may be returned by it, or is moved when it
 * returns; sched_unpark wakes v (a parked vCPU of a test never blocks).
 * fake_moves counts v's moves, fake_parked says whether it is parked. */
int fake_moves(struct sched_core *c, const struct sched_vcpu *v);
bool fake_parked(struct sched_core *c, const struct sched_vcpu *v);

/* ns charged to v by fake_schedule (and fake_run) so far. */
sim_time_t fake_cpu_time(struct sched_core *c, const struct sched_vcpu *v);
/* Where the fake slice timer of pcpu is (NOW() time), SIM_TIME_MAX if none. */
sim_time_t fake_slice_timer(struct sched_core *c, int pcpu);

/* The call log (the first FAKE_MAX_LOG calls since the last clear; the
 * counts below include every call). */
size_t fake_nlog(struct sched_core *c);
const struct fake_call *fake_log(struct sched_core *c, size_t i);
int fake_ntickles(struct sched_core *c, int pcpu);
/* Number of FAKE_TIMER_EARLIER calls for pcpu; *last gets the newest one's
 * argument if there is one (last may be NULL). */
int fake_nearlier(struct sched_core *c, int pcpu, sim_time_t *last);
void fake_clear_log(struct sched_core *c);

/* Policy timers. */
bool fake_timer_pending(struct sched_core *c, const struct sched_timer *t);
sim_time_t fake_timer_expires(struct sched_core *c, const struct sched_timer *t);
/* Pending policy timers on pcpu (pcpu -1: all pCPUs). */
int fake_timers_pending(struct sched_core *c, int pcpu);
/* Earliest pending deadline on pcpu, SIM_TIME_MAX if none. */
sim_time_t fake_next_timer(struct sched_core *c, int pcpu);
/* Fire the earliest pending timer of pcpu (ties: the one set first),
 * after moving NOW() up to its deadline if that is later. The timer's
 * callback may tickle or set timers. Returns false if none was pending. */
bool fake_fire_next(struct sched_core *c, int pcpu);
/* Fire, in deadline order, every timer of pcpu due at or before `until`
 * (including ones set by callbacks); returns how many fired. NOW() is not
 * moved to `until`, only to each fired deadline. */
int fake_fire_until(struct sched_core *c, int pcpu, sim_time_t until);

/*
 * Run pcpu as a host whose runnable vCPUs never block, until NOW() reaches
 * `until`: fake_schedule; then advance to the slice timer (which
 * sched_timer_earlier may pull in), firing policy timers due on the way;
 * reschedule at once after any tickle (from a timer callback) or when the
 * slice timer expires. Returns the number of do_schedule calls.
 */
long fake_run(struct sched_core *c, int pcpu, sim_time_t until);

#endif
