/*
 * tests/hv_rig.c: the shared host-under-test helpers (tests/hv_rig.h).
 */
#include "tests/hv_rig.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

struct scn *rig_load(const char *yaml)
{
    struct scn_diags *d = NULL;
    struct scn *s = scn_load_buffer("test.yaml", yaml, strlen(yaml), NULL, &d);
    if (!s) {
        char *t = scn_diags_text(d);
        ck_abort_msg("scenario refused: %s", t ? t : "?");
    }
    return s;
}

void rig_build(struct rig *r, const char *yaml, const struct sched_ops *ops)
{
    char err[512];
    r->s = rig_load(yaml);
    r->host = host_new(r->s, 0, ops, err, sizeof err);
    ck_assert_msg(r->host != NULL, "host_new: %s", err);
    r->loop = r->host->loop;
    r->h = r->host->h;
}

void rig_up(struct rig *r, const char *yaml, const struct sched_ops *ops)
{
    rig_build(r, yaml, ops);
    ck_assert_int_eq(hv_start(r->h), 0);
}

void rig_run(struct rig *r, sim_time_t until)
{
    ev_run(r->loop, until);
    ck_assert_msg(hv_status(r->h) == 0, "hv: %s", hv_status_msg(r->h));
    ck_assert_int_eq(ev_now(r->loop), until);
}

void rig_down(struct rig *r)
{
    host_free(r->host);
    scn_free(r->s);
}

int dom_index(const struct scn *s, const char *name)
{
    for (int i = 0; i < s->ndomains; i++)
        if (!strcmp(s->domains[i].name, name))
            return i;
    ck_abort_msg("no domain %s", name);
    return -1;
}

struct hv_dom_stats dstats(struct rig *r, const char *name)
{
    struct hv_dom_stats ds;
    ck_assert_int_eq(hv_dom_stats(r->h, dom_index(r->s, name), &ds), 0);
    return ds;
}

struct hv_pcpu_stats pstats(struct rig *r, int p)
{
    struct hv_pcpu_stats ps;
    ck_assert_int_eq(hv_pcpu_stats(r->h, p, &ps), 0);
    return ps;
}

void check_conservation(struct rig *r)
{
    struct hv *h = r->h;
    sim_time_t el = hv_elapsed(h);
    int np = hv_npcpus(h);
    int64_t *cpu_on = calloc((size_t)np, sizeof *cpu_on);
    ck_assert_ptr_nonnull(cpu_on);
    int64_t cpu_all = 0, busy_all = 0;
    uint64_t moves = 0;
    for (int d = 0; d < hv_ndomains(h); d++) {
        for (int k = 0; k < hv_domain_vcpus(h, d); k++) {
            struct hv_vcpu_stats vs;
            ck_assert_int_eq(hv_vcpu_stats(h, d, k, &vs), 0);
            ck_assert_int_eq(vs.pcpu, hv_vcpu_pcpu(h, d, k));
            cpu_on[vs.pcpu] += vs.cpu_time_ns;
            cpu_all += vs.cpu_time_ns;
            moves += vs.migrations;
            int64_t sum = 0;
            for (int i = 0; i < HV_RS_COUNT; i++)
                sum += vs.runstate_ns[i];
            ck_assert_int_eq(sum, el);
            ck_assert_int_ge(vs.runstate_ns[HV_RS_RUNNING], vs.cpu_time_ns);
            ck_assert_int_ge(vs.cpu_time_ns, vs.refill_ns);
        }
    }
    for (int p = 0; p < np; p++) {
        struct hv_pcpu_stats ps = pstats(r, p);
        ck_assert_int_eq(ps.elapsed_ns, el);
        ck_assert_int_eq(ps.busy_ns + ps.idle_ns + ps.switch_ns, el);
        /* Per pCPU only where no vCPU moved: a vCPU's CPU time is then all
         * from the pCPU it is on. */
        if (!moves)
            ck_assert_int_eq(cpu_on[p], ps.busy_ns);
        busy_all += ps.busy_ns;
        ck_assert_int_ge(ps.busy_ns, 0);
        ck_assert_int_ge(ps.idle_ns, 0);
    }
    ck_assert_int_eq(cpu_all, busy_all);
    free(cpu_on);
}
