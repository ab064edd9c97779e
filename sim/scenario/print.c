/*
 * sim/scenario/print.c: a loaded scenario as text: its canonical form
 * (every resolved parameter, exact, which the scenario hash is taken of)
 * and the summary `xensim check` prints.
 */
#include "sim/scenario/scn_private.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------
 * Canonical form and summary
 */

static void fmt_dist(char *buf, size_t n, const struct dist *d, enum unit_kind kind)
{
    char a[32], b[32];
    switch (d->kind) {
    case DIST_CONST:
        unit_format((int64_t)d->a, kind, a, sizeof a);
        snprintf(buf, n, "%s", a);
        break;
    case DIST_EXPONENTIAL:
        unit_format((int64_t)d->a, kind, a, sizeof a);
        snprintf(buf, n, "exponential(mean %s)", a);
        break;
    case DIST_UNIFORM:
        unit_format((int64_t)d->a, kind, a, sizeof a);
        unit_format((int64_t)d->b, kind, b, sizeof b);
        snprintf(buf, n, "uniform(%s, %s)", a, b);
        break;
    case DIST_NORMAL:
        unit_format((int64_t)d->a, kind, a, sizeof a);
        unit_format((int64_t)d->b, kind, b, sizeof b);
        snprintf(buf, n, "normal(mean %s, stddev %s)", a, b);
        break;
    case DIST_LOGNORMAL:
        unit_format((int64_t)d->a, kind, a, sizeof a);
        snprintf(buf, n, "lognormal(median %s, sigma %g)", a, d->b);
        break;
    case DIST_PARETO:
        unit_format((int64_t)d->b, kind, b, sizeof b);
        snprintf(buf, n, "pareto(shape %g, scale %s)", d->a, b);
        break;
    }
}

/* A disk's rate reads best in bytes per second, as it was most likely
 * written; bits are kept where the rate is not a whole number of bytes. */
static char *fmt_byte_rate(int64_t bits, char *buf, size_t n)
{
    static const struct { const char *unit; int64_t bytes; } u[] = {
        { "GB/s", 1000000000 }, { "MB/s", 1000000 }, { "KB/s", 1000 }, { "B/s", 1 },
    };
    if (bits % 8)
        return unit_format(bits, UNIT_RATE, buf, n);
    /* The largest unit that shows the rate exactly with at most 3 decimals. */
    int64_t b = bits / 8;
    for (size_t i = 0; i < sizeof u / sizeof u[0]; i++) {
        if (b >= u[i].bytes && (b * 1000) % u[i].bytes == 0) {
            snprintf(buf, n, "%g%s", (double)b / (double)u[i].bytes, u[i].unit);
            return buf;
        }
    }
    return unit_format(bits, UNIT_RATE, buf, n);
}

static void fmt_qty(char *buf, size_t n, struct quantity q)
{
    if (q.is_cycles)
        snprintf(buf, n, "%" PRId64 " cycles", q.value);
    else
        unit_format(q.value, UNIT_TIME, buf, n);
}

static void fmt_workload(struct sbuf *b, const struct scn *s, const struct scn_workload *wl)
{
    char x[96], y[96], z[96];
    switch (wl->type) {
    case SCN_WL_NONE:
        scnp_sb_printf(b, "no workload of its own");
        break;
    case SCN_WL_CPU:
        if (wl->yield_every)
            scnp_sb_printf(b, "cpu, yields every %s",
                           unit_format(wl->yield_every, UNIT_TIME, x, sizeof x));
        else
            scnp_sb_printf(b, "cpu (always runnable)");
        break;
    case SCN_WL_PERIODIC:
        fmt_dist(y, sizeof y, &wl->burst, UNIT_TIME);
        scnp_sb_printf(b, "periodic, every %s run %s",
                       unit_format(wl->period, UNIT_TIME, x, sizeof x), y);
        if (wl->phase)
            scnp_sb_printf(b, ", from %s", unit_format(wl->phase, UNIT_TIME, z, sizeof z));
        break;
    case SCN_WL_IO:
        fmt_dist(y, sizeof y, &wl->think, UNIT_TIME);
        scnp_sb_printf(b, "io on %s: %s %s %s, depth %d, think %s", s->devices[wl->device].name,
                       scnp_op_names[wl->op], scnp_pattern_names[wl->pattern],
                       unit_format(wl->size, UNIT_SIZE, x, sizeof x), wl->depth, y);
        break;
    case SCN_WL_SERVER:
        fmt_dist(x, sizeof x, &wl->arrival, UNIT_TIME);
        fmt_dist(y, sizeof y, &wl->service, UNIT_TIME);
        scnp_sb_printf(b, "server on %s: arrivals %s, service %s, reply %s",
                       s->devices[wl->device].name, x, y,
                       unit_format(wl->reply_size, UNIT_SIZE, z, sizeof z));
        break;
    case SCN_WL_MMU:
        fmt_dist(x, sizeof x, &wl->interval, UNIT_TIME);
        scnp_sb_printf(b, "mmu: %d updates every %s, %d per hypercall, %g invalid", wl->updates, x,
                       wl->batch, wl->invalid);
        break;
    case SCN_WL_ONOFF:
        fmt_dist(x, sizeof x, &wl->on, UNIT_TIME);
        fmt_dist(y, sizeof y, &wl->off, UNIT_TIME);
        scnp_sb_printf(b, "onoff: run %s, then sleep %s", x, y);
        break;
    case SCN_WL_TRACE:
        scnp_sb_printf(b, "trace %s%s%s%s%s%s", wl->file, wl->device >= 0 ? ", block I/O on " : "",
                       wl->device >= 0 ? s->devices[wl->device].name : "",
                       wl->nic >= 0 ? ", network on " : "",
                       wl->nic >= 0 ? s->devices[wl->nic].name : "",
                       wl->loop ? " (looped)" : "");
        break;
    }
}

/* One workload's line of the canonical form (after " workload "), and the
 * lines of the keys added since, written only when used so that the hashes
 * of the scenarios written before them stay. */
static void canon_workload(struct sbuf *b, const struct scn_workload *wl)
{
    /* Distribution parameters in full precision, not the summary's. */
    const struct dist *ds[] = { &wl->burst, &wl->think, &wl->arrival, &wl->service,
                                &wl->interval };
    scnp_sb_printf(b, "%s", scnp_wl_names[wl->type]);
    for (size_t k = 0; k < sizeof ds / sizeof ds[0]; k++)
        scnp_sb_printf(b, " %d:%.17g:%.17g", ds[k]->kind, ds[k]->a, ds[k]->b);
    scnp_sb_printf(b, " %" PRId64 " %" PRId64 " %d %d %d %" PRId64 " %" PRId64
                   " %d %d %.17g %s %d\n",
                   wl->yield_every, wl->period, wl->device, wl->op, wl->depth, wl->size,
                   wl->reply_size, wl->updates, wl->batch, wl->invalid,
                   wl->file ? wl->file : "-", wl->loop);
    if (wl->nic >= 0)
        scnp_sb_printf(b, " nic %d\n", wl->nic);
    if (wl->phase)
        scnp_sb_printf(b, " phase %" PRId64 "\n", wl->phase);
    if (wl->type == SCN_WL_ONOFF)
        scnp_sb_printf(b, " onoff %d:%.17g:%.17g %d:%.17g:%.17g\n", wl->on.kind, wl->on.a,
                       wl->on.b, wl->off.kind, wl->off.a, wl->off.b);
}

char *scn_canonical(const struct scn *s)
{
    /* Every resolved parameter, one per line, in a fixed order and with
     * exact values: two scenarios hash alike exactly when they describe the
     * same experiment, whatever their formatting. */
    struct sbuf b = { 0 };
    const struct scn_machine *m = &s->machine;
    char q[5][64];
    scnp_sb_printf(&b, "xensim-scenario 1\nname %s\ndescription %s\nseed %" PRIu64
                   "\nduration %" PRId64 "\nwarmup %" PRId64 "\nreplications %d\n",
                   s->name, s->description, s->seed, s->duration, s->warmup, s->replications);
    scnp_sb_printf(&b, "pcpus %d\ntsc_hz %" PRId64 "\ntimer_slop %" PRId64
                   "\napic_timer_hz %" PRId64 "\n", m->pcpus, m->clock.tsc_hz,
                   m->clock.timer_slop, m->clock.apic_timer_hz);
    for (int i = 0; i < m->pcpus; i++)
        scnp_sb_printf(&b, "pcpu %d ppb %" PRId64 " offset %" PRId64 "\n", i, m->clock.tsc_ppb[i],
                       m->clock.tsc_offset[i]);
    scnp_sb_printf(&b, "timer_order %s\nsystem_time %s\n",
                   scnp_timer_order_names[m->clock.timer_order],
                   scnp_system_time_names[m->clock.system_time]);
    /* Only the late rule is written, so that hashes of runs under the
     * early one stay as they were. */
    if (m->clock.slop_rule != CLK_SLOP_EARLY)
        scnp_sb_printf(&b, "slop_rule %s\n", scnp_slop_rule_names[m->clock.slop_rule]);
    fmt_qty(q[0], 64, m->costs.context_switch);
    fmt_qty(q[1], 64, m->costs.hypercall);
    fmt_qty(q[2], 64, m->costs.upcall);
    fmt_qty(q[3], 64, m->costs.pte_validate);
    fmt_qty(q[4], 64, m->costs.cache_refill);
    scnp_sb_printf(&b, "costs %s|%s|%s|%s|%s\n", q[0], q[1], q[2], q[3], q[4]);
    if (m->costs.migration.value) { /* only then: the other scenarios' hashes stay */
        fmt_qty(q[0], 64, m->costs.migration);
        scnp_sb_printf(&b, "costs.migration %s\n", q[0]);
    }
    scnp_sb_printf(&b, "unpause_order %s\n", scnp_unpause_order_names[m->unpause_order]);
    /* Only a topology other than the flat default, and the numbering only
     * where it tells threads apart: the same machine hashes alike, and the
     * scenarios without a topology keep their hashes. */
    const struct topo *tp = &m->topology.t;
    if (tp->sockets != 1 || tp->threads != 1)
        scnp_sb_printf(&b, "topology %d %d %d %s\n", tp->sockets, tp->cores, tp->threads,
                       tp->threads > 1 ? scnp_numbering_names[tp->numbering] : "-");
    const struct scn_sched_global *g = &s->sched;
    scnp_sb_printf(&b, "scheduler %s rr.slice %" PRId64 " bvt.ctx_allow %" PRId64
                   " bvt.quirks %d%d%d%d%d%d atropos.quirks %d%d%d%d\n", g->name, g->rr.slice,
                   g->bvt.ctx_allow, g->bvt.slice_units_quirk, g->bvt.u32_runtime_quirk,
                   g->bvt.u32_warp_quirk, g->bvt.warp_per_dispatch_quirk,
                   g->bvt.stale_warp_evt_quirk, g->bvt.wrap_blocked_quirk,
                   g->atropos.uncharged_block_quirk,
                   g->atropos.sticky_wait_quirk, g->atropos.global_slack_index_quirk,
                   g->atropos.slack_search_wrap_quirk);
    if (!strcmp(g->name, "credit") && g->credit.version == SCN_CREDIT_3_4)
        scnp_sb_printf(&b, "credit.version %s credit.quirks %d%d\n",
                       scnp_credit_version_names[g->credit.version], g->credit.reset_credit_quirk,
                       g->credit.tickle_all_idlers_quirk);
    else if (!strcmp(g->name, "credit"))
        scnp_sb_printf(&b, "credit.version %s tslice %" PRId64 " ratelimit %" PRId64
                       " migration_delay %" PRId64 " tickle_one_idle %d credit.quirks %d%d\n",
                       scnp_credit_version_names[g->credit.version], g->credit.tslice,
                       g->credit.ratelimit, g->credit.migration_delay, g->credit.tickle_one_idle,
                       g->credit.kick_away_quirk, g->credit.first_wake_quirk);
    if (!strcmp(g->name, "credit2"))
        scnp_sb_printf(&b, "credit2.runqueue %s ratelimit %" PRId64 " migrate_resist %" PRId64
                       " cap_period %" PRId64 " balance %d %d load_shifts %d %d max_cpus %d"
                       " credit2.quirks %d%d%d\n",
                       scnp_credit2_runqueue_names[g->credit2.runqueue], g->credit2.ratelimit,
                       g->credit2.migrate_resist, g->credit2.cap_period, g->credit2.balance_under,
                       g->credit2.balance_over, g->credit2.load_window_shift,
                       g->credit2.load_precision_shift, g->credit2.max_cpus_runqueue,
                       g->credit2.balance_last_rq_quirk, g->credit2.pick_next_quirk,
                       g->credit2.soft_pick_bias_quirk);
    if (!strcmp(g->name, "arinc653")) {
        scnp_sb_printf(&b, "arinc653.major_frame %" PRId64 " quirks %d frames",
                       g->arinc653.major_frame, g->arinc653.late_frame_quirk);
        for (int i = 0; i < g->arinc653.nframes; i++)
            scnp_sb_printf(&b, " %d.%d:%" PRId64, g->arinc653.frames[i].domain,
                           g->arinc653.frames[i].vcpu, g->arinc653.frames[i].runtime);
        scnp_sb_printf(&b, "\n");
    }
    if (!strcmp(g->name, "rtds"))
        scnp_sb_printf(&b, "rtds.quirks %d%d\n", g->rtds.stale_first_period_quirk,
                       g->rtds.replq_priority_quirk);
    if (!strcmp(g->name, "sedf"))
        scnp_sb_printf(&b, "sedf.quirks %d%d\n", g->sedf.pen_once_quirk,
                       g->sedf.first_deadline_quirk);
    for (int i = 0; i < s->ndevices; i++) {
        const struct scn_device *d = &s->devices[i];
        scnp_sb_printf(&b, "device %s %s seek %" PRId64 " rpm %" PRId64 " latency %" PRId64
                       " bandwidth %" PRId64 " queue %s ring %d driver %d\n", d->name,
                       scnp_kind_names[d->kind], d->seek, d->rpm, d->latency, d->bandwidth,
                       scnp_queue_names[d->queue], d->ring, d->driver);
    }
    for (int i = 0; i < s->ndomains; i++) {
        const struct scn_domain *d = &s->domains[i];
        scnp_sb_printf(&b, "domain %s privileged %d vcpus %d memory %" PRId64 " backend %" PRId64
                       " unpause %" PRId64 " cpus", d->name, d->privileged, d->vcpus, d->memory,
                       d->backend_per_request, d->unpause);
        for (int j = 0; j < d->ncpus; j++)
            scnp_sb_printf(&b, " %d", d->cpus[j]);
        /* Only when given, so that other hashes stay as they were. */
        if (d->ncpus_soft)
            scnp_sb_printf(&b, " cpus_soft");
        for (int j = 0; j < d->ncpus_soft; j++)
            scnp_sb_printf(&b, " %d", d->cpus_soft[j]);
        scnp_sb_printf(&b, "\n bvt %" PRId64 " %" PRId64 " %" PRId64 " %" PRId64
                       "\n atropos %" PRId64 " %" PRId64 " %" PRId64 " %d\n workload ",
                       d->bvt.mcu_advance, d->bvt.warp, d->bvt.warpl, d->bvt.warpu,
                       d->atropos.period, d->atropos.slice, d->atropos.latency,
                       d->atropos.xtratime);
        for (int k = 0; k < d->nwl; k++) {
            /* A list's items are numbered; one workload is written as it
             * always was, so that the hashes of such scenarios stay. */
            if (d->nwl > 1)
                scnp_sb_printf(&b, "%svcpu %d ", k ? " workload " : "", k);
            canon_workload(&b, &d->wl[k]);
        }
        if (d->vif >= 0) {          /* only when used, as a workload's nic */
            char kp[64];
            fmt_qty(kp, sizeof kp, m->costs.kernel_packet);
            scnp_sb_printf(&b, " vif %d kernel_packet %s\n", d->vif, kp);
        }
        if (d->ping.set)
            scnp_sb_printf(&b, " ping %d %d:%.17g:%.17g %" PRId64 "\n", d->ping.target,
                           d->ping.interval.kind, d->ping.interval.a, d->ping.interval.b,
                           d->ping.size);
        if (d->echo.set)
            scnp_sb_printf(&b, " echo %d:%.17g:%.17g %" PRId64 "\n", d->echo.arrival.kind,
                           d->echo.arrival.a, d->echo.arrival.b, d->echo.size);
        if (!strcmp(s->sched.name, "credit"))   /* only then: other hashes stay */
            scnp_sb_printf(&b, " credit %d %d\n", d->credit.weight, d->credit.cap);
        if (!strcmp(s->sched.name, "credit2"))
            scnp_sb_printf(&b, " credit2 %d %d\n", d->credit2.weight, d->credit2.cap);
        if (!strcmp(s->sched.name, "rtds"))
            scnp_sb_printf(&b, " rtds %" PRId64 " %" PRId64 " %d\n", d->rtds.period,
                           d->rtds.budget, d->rtds.extratime);
        if (!strcmp(s->sched.name, "sedf"))
            scnp_sb_printf(&b, " sedf %" PRId64 " %" PRId64 " %" PRId64 " %d %d\n",
                           d->sedf.period, d->sedf.slice, d->sedf.latency, d->sedf.extratime,
                           d->sedf.weight);
    }
    for (int i = 0; i < s->ndevices; i++) {
        const struct scn_device *d = &s->devices[i];
        if (d->by_hypervisor)
            scnp_sb_printf(&b, "device %s served_by hypervisor %" PRId64 " irq_cpu %d\n", d->name,
                           d->hv_per_request, d->irq_cpu);
    }
    /* Only when given, so the hashes of scenarios without it stay. */
    if (s->record_given)
        scnp_sb_printf(&b, "record %d\n", s->nrecord);
    for (int i = 0; i < s->nrecord; i++)
        scnp_sb_printf(&b, " rule %s what %u per %s\n", s->record[i].modules, s->record[i].what,
                       scnp_rec_per_names[s->record[i].per]);
    for (int i = 0; i < s->nsweep; i++) {
        scnp_sb_printf(&b, "sweep %s", s->sweep[i].path);
        for (int j = 0; j < s->sweep[i].nvalues; j++)
            scnp_sb_printf(&b, " | %s", s->sweep[i].values[j]);
        scnp_sb_printf(&b, "\n");
    }
    for (int i = 0; i < s->nfiles; i++)
        scnp_sb_printf(&b, "file %s bytes %" PRIu64 " fnv1a64 %016" PRIx64 "\n", s->files[i].path,
                       s->files[i].bytes, s->files[i].digest);
    return scnp_sb_take(&b);
}

/* "Xen 2.0 quirks on", or which of the chosen policy's quirks are off. */
static const char *quirks_off(const struct scn *s, char *buf, size_t n)
{
    const struct scn_sched_global *g = &s->sched;
    struct { const char *name; bool on; } q[8];
    int nq = 0;
    if (!strcmp(g->name, "bvt")) {
        q[nq++] = (typeof(q[0])){ "slice_units", g->bvt.slice_units_quirk };
        q[nq++] = (typeof(q[0])){ "u32_runtime", g->bvt.u32_runtime_quirk };
        q[nq++] = (typeof(q[0])){ "u32_warp", g->bvt.u32_warp_quirk };
        q[nq++] = (typeof(q[0])){ "warp_per_dispatch", g->bvt.warp_per_dispatch_quirk };
        q[nq++] = (typeof(q[0])){ "stale_warp_evt", g->bvt.stale_warp_evt_quirk };
        q[nq++] = (typeof(q[0])){ "wrap_blocked", g->bvt.wrap_blocked_quirk };
    } else if (!strcmp(g->name, "credit") && g->credit.version == SCN_CREDIT_3_4) {
        q[nq++] = (typeof(q[0])){ "reset_credit", g->credit.reset_credit_quirk };
        q[nq++] = (typeof(q[0])){ "tickle_all_idlers", g->credit.tickle_all_idlers_quirk };
    } else if (!strcmp(g->name, "credit")) {
        q[nq++] = (typeof(q[0])){ "kick_away", g->credit.kick_away_quirk };
        q[nq++] = (typeof(q[0])){ "first_wake", g->credit.first_wake_quirk };
    } else if (!strcmp(g->name, "credit2")) {
        q[nq++] = (typeof(q[0])){ "balance_last_rq", g->credit2.balance_last_rq_quirk };
        q[nq++] = (typeof(q[0])){ "pick_next", g->credit2.pick_next_quirk };
        q[nq++] = (typeof(q[0])){ "soft_pick_bias", g->credit2.soft_pick_bias_quirk };
    } else if (!strcmp(g->name, "arinc653")) {
        q[nq++] = (typeof(q[0])){ "late_frame", g->arinc653.late_frame_quirk };
    } else if (!strcmp(g->name, "rtds")) {
        q[nq++] = (typeof(q[0])){ "stale_first_period", g->rtds.stale_first_period_quirk };
        q[nq++] = (typeof(q[0])){ "replq_priority", g->rtds.replq_priority_quirk };
    } else if (!strcmp(g->name, "sedf")) {
        q[nq++] = (typeof(q[0])){ "pen_once", g->sedf.pen_once_quirk };
        q[nq++] = (typeof(q[0])){ "first_deadline", g->sedf.first_deadline_quirk };
    } else {
        q[nq++] = (typeof(q[0])){ "uncharged_block", g->atropos.uncharged_block_quirk };
        q[nq++] = (typeof(q[0])){ "sticky_wait", g->atropos.sticky_wait_quirk };
        q[nq++] = (typeof(q[0])){ "global_slack_index", g->atropos.global_slack_index_quirk };
        q[nq++] = (typeof(q[0])){ "slack_search_wrap", g->atropos.slack_search_wrap_quirk };
    }
    size_t used = (size_t)snprintf(buf, n, "quirks off:");
    int off = 0;
    for (int i = 0; i < nq; i++)
        if (!q[i].on && used < n) {
            used += (size_t)snprintf(buf + used, n - used, " %s", q[i].name);
            off++;
        }
    if (!off)
        snprintf(buf, n, "Xen %s quirks on", !strcmp(g->name, "credit")
                 ? scnp_credit_version_names[g->credit.version]
                 : !strcmp(g->name, "arinc653") || !strcmp(g->name, "rtds") ? "4.17"
                 : !strcmp(g->name, "credit2") ? "4.17.5"
                 : !strcmp(g->name, "sedf") ? "4.5" : "2.0");
    return buf;
}

void scn_print_summary(const struct scn *s, FILE *out)
{
    const struct scn_machine *m = &s->machine;
    char a[64], b[64], c[64], d[64], e[64];
    fprintf(out, "scenario   %s (%s, hash %s)\n", s->name, s->file, s->hash);
    if (s->description[0])
        fprintf(out, "           %s\n", s->description);
    fprintf(out, "run        %s measured after %s warm-up, %d replication%s, seed %" PRIu64 "\n",
            unit_format(s->duration, UNIT_TIME, a, sizeof a),
            unit_format(s->warmup, UNIT_TIME, b, sizeof b), s->replications,
            s->replications == 1 ? "" : "s", s->seed);
    bool drift = false;
    int64_t dflt_offset = (int64_t)clk_default_tsc_offset(m->clock.tsc_hz);
    for (int i = 0; i < m->pcpus; i++)
        drift |= m->clock.tsc_ppb[i] != 0 || m->clock.tsc_offset[i] != dflt_offset;
    fprintf(out, "machine    %d pCPU%s, TSC %s%s, timer slop %s (%s), APIC timer %s, %s timer ties, "
            "%s system time\n",
            m->pcpus, m->pcpus == 1 ? "" : "s",
            unit_format(m->clock.tsc_hz, UNIT_FREQ, a, sizeof a),
            drift ? " (per-pCPU error/offset set)" : "",
            unit_format(m->clock.timer_slop, UNIT_TIME, b, sizeof b),
            scnp_slop_rule_names[m->clock.slop_rule],
            unit_format(m->clock.apic_timer_hz, UNIT_FREQ, c, sizeof c),
            scnp_timer_order_names[m->clock.timer_order],
            scnp_system_time_names[m->clock.system_time]);
    if (m->topology.given) {
        const struct topo *t = &m->topology.t;
        fprintf(out, "topology   %d socket%s x %d core%s x %d thread%s", t->sockets,
                t->sockets == 1 ? "" : "s", t->cores, t->cores == 1 ? "" : "s", t->threads,
                t->threads == 1 ? "" : "s");
        if (t->threads > 1 && t->numbering == TOPO_SPLIT)
            fprintf(out, ", split numbering (pCPU 0's siblings: 0, %d, ...)",
                    t->sockets * t->cores);
        else if (t->threads > 1)
            fprintf(out, ", adjacent numbering (pCPU 0's siblings: 0, 1, ...)");
        fprintf(out, "\n");
    }
    fmt_qty(a, sizeof a, m->costs.context_switch);
    fmt_qty(b, sizeof b, m->costs.hypercall);
    fmt_qty(c, sizeof c, m->costs.upcall);
    fmt_qty(d, sizeof d, m->costs.pte_validate);
    fmt_qty(e, sizeof e, m->costs.cache_refill);
    fprintf(out, "costs      context switch %s, hypercall %s, upcall %s, PTE validation %s, "
            "cache refill %s", a, b, c, d, e);
    if (m->costs.migration.value) {
        fmt_qty(a, sizeof a, m->costs.migration);
        fprintf(out, ", migration %s", a);
    }
    fprintf(out, "\n");
    if (!strcmp(s->sched.name, "rr"))
        fprintf(out, "scheduler  rr (slice %s)\n",
                unit_format(s->sched.rr.slice, UNIT_TIME, a, sizeof a));
    else if (!strcmp(s->sched.name, "bvt"))
        fprintf(out, "scheduler  bvt (ctx_allow %s; %s)\n",
                unit_format(s->sched.bvt.ctx_allow, UNIT_TIME, a, sizeof a),
                quirks_off(s, b, sizeof b));
    else if (!strcmp(s->sched.name, "credit") && s->sched.credit.version == SCN_CREDIT_3_4)
        fprintf(out, "scheduler  credit (Xen %s; %s)\n",
                scnp_credit_version_names[s->sched.credit.version], quirks_off(s, b, sizeof b));
    else if (!strcmp(s->sched.name, "credit")) {
        char t[32], r[32];
        fprintf(out, "scheduler  credit (Xen %s; tslice %s, ratelimit %s%s; %s)\n",
                scnp_credit_version_names[s->sched.credit.version],
                unit_format(s->sched.credit.tslice, UNIT_TIME, t, sizeof t),
                unit_format(s->sched.credit.ratelimit, UNIT_TIME, r, sizeof r),
                s->sched.credit.tickle_one_idle ? "" : ", tickle every idler",
                quirks_off(s, b, sizeof b));
    }
    else if (!strcmp(s->sched.name, "credit2")) {
        char r[32], cp[32];
        fprintf(out, "scheduler  credit2 (Xen 4.17.5; run queue per %s, ratelimit %s, cap period "
                "%s; %s)\n", scnp_credit2_runqueue_names[s->sched.credit2.runqueue],
                unit_format(s->sched.credit2.ratelimit, UNIT_TIME, r, sizeof r),
                unit_format(s->sched.credit2.cap_period, UNIT_TIME, cp, sizeof cp),
                quirks_off(s, b, sizeof b));
    }
    else if (!strcmp(s->sched.name, "null"))
        fprintf(out, "scheduler  null (Xen 4.17)\n");
    else if (!strcmp(s->sched.name, "arinc653") && s->sched.arinc653.nframes)
        fprintf(out, "scheduler  arinc653 (Xen 4.17; major frame %s, %d minor frames; %s)\n",
                unit_format(s->sched.arinc653.major_frame, UNIT_TIME, a, sizeof a),
                s->sched.arinc653.nframes, quirks_off(s, b, sizeof b));
    else if (!strcmp(s->sched.name, "arinc653"))
        fprintf(out, "scheduler  arinc653 (Xen 4.17; boot schedule: dom0's vCPUs, 10 ms each; "
                "%s)\n", quirks_off(s, b, sizeof b));
    else if (!strcmp(s->sched.name, "rtds"))
        fprintf(out, "scheduler  rtds (Xen 4.17; %s)\n", quirks_off(s, b, sizeof b));
    else
        fprintf(out, "scheduler  atropos (%s)\n", quirks_off(s, b, sizeof b));
    fprintf(out, "devices    %d\n", s->ndevices);
    for (int i = 0; i < s->ndevices; i++) {
        const struct scn_device *dv = &s->devices[i];
        if (dv->kind == SCN_DEV_NIC)
            fprintf(out, "  %-10s nic, %s, latency %s, %d-slot ring", dv->name,
                    unit_format(dv->bandwidth, UNIT_RATE, a, sizeof a),
                    unit_format(dv->latency, UNIT_TIME, b, sizeof b), dv->ring);
        else if (dv->rpm)
            fprintf(out, "  %-10s disk, seek %s, %" PRId64 " rpm, %s, %s queue, %d-slot ring",
                    dv->name, unit_format(dv->seek, UNIT_TIME, a, sizeof a), dv->rpm,
                    fmt_byte_rate(dv->bandwidth, b, sizeof b), scnp_queue_names[dv->queue],
                    dv->ring);
        else
            fprintf(out, "  %-10s flash disk, latency %s, %s, %s queue, %d-slot ring", dv->name,
                    unit_format(dv->latency, UNIT_TIME, a, sizeof a),
                    fmt_byte_rate(dv->bandwidth, b, sizeof b), scnp_queue_names[dv->queue],
                    dv->ring);
        if (dv->driver >= 0)
            fprintf(out, ", back end in %s", s->domains[dv->driver].name);
        fprintf(out, "\n");
    }
    int vcpus = 0;
    for (int i = 0; i < s->ndomains; i++)
        vcpus += s->domains[i].vcpus;
    fprintf(out, "domains    %d (%d vCPU%s)\n", s->ndomains, vcpus, vcpus == 1 ? "" : "s");
    for (int i = 0; i < s->ndomains; i++) {
        const struct scn_domain *dm = &s->domains[i];
        struct sbuf sb = { 0 };
        for (int k = 0; k < dm->nwl; k++) {
            if (dm->nwl > 1)
                scnp_sb_printf(&sb, "%svCPU %d: ", k ? "; " : "", k);
            fmt_workload(&sb, s, &dm->wl[k]);
        }
        char *wl = scnp_sb_take(&sb);
        fprintf(out, "  %-10s %s%d vCPU%s, %s", dm->name, dm->privileged ? "privileged, " : "",
                dm->vcpus, dm->vcpus == 1 ? "" : "s",
                unit_format(dm->memory, UNIT_SIZE, a, sizeof a));
        if (dm->ncpus) {
            fprintf(out, ", pinned to");
            for (int j = 0; j < dm->ncpus; j++)
                fprintf(out, "%s%d", j ? "," : " ", dm->cpus[j]);
        }
        if (dm->ncpus_soft) {
            fprintf(out, ", prefers");
            for (int j = 0; j < dm->ncpus_soft; j++)
                fprintf(out, "%s%d", j ? "," : " ", dm->cpus_soft[j]);
        }
        fprintf(out, ", %s", wl ? wl : "?");
        if (dm->privileged)
            fprintf(out, "; back end %s per request",
                    unit_format(dm->backend_per_request, UNIT_TIME, a, sizeof a));
        fprintf(out, "\n");
        free(wl);
    }
    if (s->nsweep) {
        fprintf(out, "sweep      %d ax%s, %" PRIu64 " point%s x %d replication%s = %" PRIu64
                " run%s\n", s->nsweep, s->nsweep == 1 ? "is" : "es", s->sweep_points,
                s->sweep_points == 1 ? "" : "s", s->replications,
                s->replications == 1 ? "" : "s", s->sweep_points * (uint64_t)s->replications,
                s->sweep_points * (uint64_t)s->replications == 1 ? "" : "s");
        for (int i = 0; i < s->nsweep; i++) {
            fprintf(out, "  %s:", s->sweep[i].path);
            for (int j = 0; j < s->sweep[i].nvalues; j++)
                fprintf(out, "%s%s", j ? ", " : " ", s->sweep[i].values[j]);
            fprintf(out, "\n");
        }
    } else {
        fprintf(out, "sweep      none (%d run%s)\n", s->replications,
                s->replications == 1 ? "" : "s");
    }
    if (s->nfiles)
        fprintf(out, "files      %d, in the hash by content\n", s->nfiles);
    for (int i = 0; i < s->nfiles; i++)
        fprintf(out, "  %s: %" PRIu64 " B, fnv1a64 %016" PRIx64 "\n", s->files[i].path,
                s->files[i].bytes, s->files[i].digest);
}
