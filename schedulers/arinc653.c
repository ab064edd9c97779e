/*
 * schedulers/arinc653.c: the ARINC 653 scheduler as Xen 4.17 runs it
 * (scheduler.name: arinc653).
 *
 * Source (facts only, no Xen code; docs/schedulers.md has the algorithm and
 * the tables): xen/common/sched/arinc653.c of RELEASE-4.17.5, the file
 * Debian 12's xen 4.17.5+72-g01140da4e8 ships unchanged, the parts of
 * xen/common/sched/core.c it relies on, and public/sysctl.h for the
 * schedule's limits. The scheduling unit is one vCPU (sched-gran=cpu).
 *
 * Model: a static cyclic schedule. A major frame is divided into minor
 * frames, each a (domain, vCPU) and a run time, run in order from the start
 * of each major frame; after the last minor frame the rest of the major
 * frame is idle. A minor frame whose vCPU is blocked, paused, missing or on
 * another pCPU than the one scheduling is idle too: time is never given to
 * another vCPU, and vCPUs outside the schedule never run. The schedule
 * comes from scheduler.arinc653 (Xen's XEN_SYSCTL_SCHEDOP_putinfo) or, if
 * none is given, is Xen's boot schedule: every vCPU of dom0 (here the
 * first privileged domain), 10 ms each, the major frame their sum.
 *
 * One position in the schedule for the whole host: Xen keeps the minor
 * frame index and the next switch time in function-static variables and
 * the next major frame in the scheduler's data, so every pCPU of the pool
 * reads and moves the same position, and each pCPU's slice ends at the
 * next switch: at most one vCPU runs at a time, on the pCPU it was placed
 * on (this scheduler never migrates: it has no insert hook and do_schedule
 * idles a pCPU whose current minor frame belongs to another pCPU's vCPU).
 *
 * Simplified: a given schedule is in force from boot (in Xen dom0 boots
 * under its boot schedule until the toolstack installs one, which restarts
 * the major frame at once); vCPUs are where the core placed them
 * (models/hv.c), not where Xen's sched_select_initial_cpu would; one
 * cpupool; no tasklets.
 */
#include "schedulers/policies.h"

#include <stdlib.h>
#include "sim/err.h"

#define A6_BOOT_SLICE (10 * SIM_MSEC)  /* dom0's run time in the boot schedule */

struct a6_frame {
    int domain, vcpu;               /* the scenario's domain index and vCPU index */
    sim_time_t runtime;             /* ns per major frame */
    struct sched_vcpu *v;           /* that vCPU, NULL if it does not exist */
};

struct a6 {
    struct sched_core *core;
    bool late_frame_quirk;
    bool given;                     /* a schedule was given (no boot entries) */
    int dom0;                       /* the first privileged domain seen, -1 before */
    int n;                          /* minor frames */
    sim_time_t major_frame;         /* ns */
    /* One slot more than Xen's limit: Xen's advance reads the run time of
     * the entry past the last (and then discards the sum); it is 0 here. */
    struct a6_frame f[SCN_A653_MAX_FRAMES + 1];
    /* The position in the schedule, shared by every pCPU (NOW() times). */
    sim_time_t next_major_frame;
    int index;
    sim_time_t next_switch;
};

struct a6_vcpu {
    bool awake;                     /* woken and not paused since (a block leaves it set) */
};

static struct a6_vcpu *av(const struct sched_vcpu *v)
{
    return v->priv;
}

static int a6_init(struct sched_core *core, const struct scn *s, void **priv)
{
    struct a6 *x = calloc(1, sizeof *x);
    if (!x)
        return -SIM_ENOMEM;
    const struct scn_sched_global *g = &s->sched;
    x->core = core;
    x->late_frame_quirk = g->arinc653.late_frame_quirk;
    x->dom0 = -1;
    if (g->arinc653.nframes > 0) {
        if (g->arinc653.nframes > SCN_A653_MAX_FRAMES) {
            free(x);
            return -SIM_EINVAL;
        }
        x->given = true;
        x->n = g->arinc653.nframes;
        x->major_frame = g->arinc653.major_frame;
        for (int i = 0; i < x->n; i++)
            x->f[i] = (struct a6_frame){ g->arinc653.frames[i].domain, g->arinc653.frames[i].vcpu,
                                         g->arinc653.frames[i].runtime, NULL };
    }
    *priv = x;
    return 0;
}

static void a6_deinit(void *priv)
{
    free(priv);
}

/* a653sched_alloc_udata: dom0's vCPUs join the boot schedule (while there
 * are slots); every new vCPU is matched against the schedule's entries. */
static int a6_alloc_vdata(void *priv, struct sched_vcpu *v)
{
    struct a6 *x = priv;
    struct a6_vcpu *a = calloc(1, sizeof *a);
    if (!a)
        return -SIM_ENOMEM;
    v->priv = a;
    if (v->is_idle)
        return 0;
    if (x->dom0 < 0 && v->dom && v->dom->privileged)
        x->dom0 = v->domain;
    if (!x->given && v->domain == x->dom0 && x->n < SCN_A653_MAX_FRAMES) {
        x->f[x->n++] = (struct a6_frame){ v->domain, v->vcpu, A6_BOOT_SLICE, NULL };
        x->major_frame += A6_BOOT_SLICE;
    }
    for (int i = 0; i < x->n; i++)
        if (x->f[i].domain == v->domain && x->f[i].vcpu == v->vcpu)
            x->f[i].v = v;
    return 0;
}

static void a6_free_vdata(void *priv, struct sched_vcpu *v)
{
    struct a6 *x = priv;
    for (int i = 0; i < x->n; i++)
        if (x->f[i].v == v)
            x->f[i].v = NULL;
    free(v->priv);
    v->priv = NULL;
}

/* Xen's arinc653 has no insert hook: a vCPU stays where it was placed. */
static void a6_insert(void *priv, struct sched_vcpu *v)
{
    (void)priv;
    (void)v;
}

static void a6_sleep(void *priv, struct sched_vcpu *v)
{
    struct a6 *x = priv;
    av(v)->awake = false;
    if (sched_running(x->core, v))
        sched_tickle(x->core, v->processor);
}

static void a6_wake(void *priv, struct sched_vcpu *v)
{
    struct a6 *x = priv;
    av(v)->awake = true;
    sched_tickle(x->core, v->processor);
}

/* Past the minor frames whose end is due; past the last, the switch is
 * the next major frame. */
static void advance(struct a6 *x, sim_time_t now)
{
    while (now >= x->next_switch && x->index < x->n) {
        x->index++;
        x->next_switch += x->f[x->index].runtime;
    }
}

/* a653sched_do_schedule. */
static struct sched_slice a6_do_schedule(void *priv, int pcpu, sim_time_t now)
{
    struct a6 *x = priv;
    if (x->n < 1) {
        x->next_major_frame = now + A6_BOOT_SLICE;
    } else if (now >= x->next_major_frame) {
        /* A new major frame. Xen starts it at now, however late this
         * schedule runs (late_frame_quirk); otherwise it starts on the
         * boundary it is due at, and minor frames already over are
         * skipped. */
        sim_time_t start = now;
        if (!x->late_frame_quirk && x->next_major_frame > 0) {
            start = x->next_major_frame;
            sim_time_t behind = (now - start) / x->major_frame;
            start += behind * x->major_frame;
        }
        x->index = 0;
        x->next_major_frame = start + x->major_frame;
        x->next_switch = start + x->f[0].runtime;
        if (!x->late_frame_quirk)
            advance(x, now);
    } else {
        advance(x, now);
    }
    if (x->index >= x->n)
        x->next_switch = x->next_major_frame;
    struct sched_vcpu *idle = sched_idle(x->core, pcpu);
    struct sched_vcpu *next = x->index < x->n ? x->f[x->index].v : idle;
    if (!next || (!next->is_idle && (!av(next)->awake || !next->runnable)))
        next = idle;
    if (!next->is_idle && next->processor != pcpu)
        next = idle;
    return (struct sched_slice){ next, x->next_switch - now };
}

static void a6_dump(void *priv, FILE *out)
{
    struct a6 *x = priv;
    fprintf(out, "major frame %lld ns, %d minor frames, at %d, next switch %lld, next major "
            "frame %lld\n", (long long)x->major_frame, x->n, x->index,
            (long long)x->next_switch, (long long)x->next_major_frame);
    for (int i = 0; i < x->n; i++)
        fprintf(out, "  d%dv%d %lld ns%s\n", x->f[i].domain, x->f[i].vcpu,
                (long long)x->f[i].runtime, x->f[i].v ? "" : " (no such vCPU)");
}

const struct sched_ops sched_arinc653_ops = {
    .name = "ARINC 653 Scheduler",
    .opt_name = "arinc653",
    .init = a6_init,
    .deinit = a6_deinit,
    .alloc_vdata = a6_alloc_vdata,
    .free_vdata = a6_free_vdata,
    .insert = a6_insert,
    .sleep = a6_sleep,
    .wake = a6_wake,
    .do_schedule = a6_do_schedule,
    .dump = a6_dump,
};
