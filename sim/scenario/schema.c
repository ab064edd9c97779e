/*
 * sim/scenario/schema.c: the scenario language itself. The key tables of
 * every mapping (top level, machine, scheduler, devices, workloads, domains,
 * record), their limits and value names, the handlers of keys whose values
 * only make sense there (per-pCPU lists, named devices and domains, a
 * workload's type), and the list of key paths the shell completion of --set
 * offers, read from the same tables.
 */
#include "sim/scenario/scn_private.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/err.h"

/* ------------------------------------------------------------------------
 * Limits
 */

static const struct ilim lim_pcpus = { 1, 1024 };
static const struct ilim lim_replications = { 1, 100000 };
static const struct ilim lim_vcpus = { 1, 64 };
static const struct ilim lim_count = { 0, 100000 };
static const struct ilim lim_depth = { 1, 1024 };
static const struct ilim lim_rpm = { 1000, 30000 };
static const struct ilim lim_mcu_advance = { 1, 1000000 };
static const struct ilim lim_updates = { 1, 1000000 };
static const struct ilim lim_batch = { 1, 4096 };
static const struct ilim lim_ring = { 1, 4096 };
static const struct ilim lim_irq_cpu = { 0, 1023 };
static const struct ilim lim_topo = { 1, 1024 };

static const struct qlim q_duration = { UNIT_TIME, 0, 1, SEC(1000000) };
static const struct qlim q_warmup = { UNIT_TIME, 0, 0, SEC(1000000) };
static const struct qlim q_tsc_hz = { UNIT_FREQ, 0, 1000000, 100000000000LL };
static const struct qlim q_apic_hz = { UNIT_FREQ, 0, 1000, 10000000000LL };
static const struct qlim q_slop = { UNIT_TIME, 0, 0, MS(10) };
static const struct qlim q_cost = { UNIT_TIME, UNIT_ALLOW_CYCLES, 0, SEC(1) };
static const struct qlim q_slice = { UNIT_TIME, 0, US(10), SEC(100) };
static const struct qlim q_dev_time = { UNIT_TIME, 0, 0, SEC(10) };
static const struct qlim q_bandwidth = { UNIT_RATE, 0, 1000, 10000000000000LL };
static const struct qlim q_memory = { UNIT_SIZE, 0, 1 << 20, 1LL << 42 };
static const struct qlim q_per_request = { UNIT_TIME, 0, 0, SEC(1) };
static const struct qlim q_io_size = { UNIT_SIZE, 0, 1, 64 << 20 };
static const struct qlim q_reply = { UNIT_SIZE, 0, 0, 64 << 10 };
static const struct qlim q_pkt_size = { UNIT_SIZE, 0, 1, 64 << 10 };
static const struct qlim q_wl_time = { UNIT_TIME, 0, 1, SEC(3600) };
static const struct qlim q_wl_dist = { UNIT_TIME, 0, 0, SEC(3600) };
static const struct qlim q_warp = { UNIT_TIME, 0, 0, SEC(100) };
static const struct qlim q_at_time = { UNIT_TIME, 0, 1, SEC(100) };
static const struct qlim q_at_slice = { UNIT_TIME, 0, 0, SEC(100) };

const char *const scnp_op_names[] = { "read", "write", NULL };
const char *const scnp_pattern_names[] = { "random", "sequential", NULL };
const char *const scnp_queue_names[] = { "fifo", "elevator", NULL };
const char *const scnp_kind_names[] = { "disk", "nic", NULL };
const char *const scnp_numbering_names[] = { "split", "adjacent", NULL };
const char *const scnp_wl_names[] = { "none", "cpu", "periodic", "io", "server", "mmu",
                                        "trace", "onoff", NULL };

/* ------------------------------------------------------------------------
 * Machine
 */

static struct machine_tmp *g_mtmp(struct ctx *c)
{
    return &c->w->mtmp;
}

/* tsc_ppm: a number or a list of numbers, in parts per million (decimals
 * allowed, kept to the nearest part per billion). */
static int get_ppm(struct ctx *c, const struct keydef *k, const struct nref *v, int64_t *ppb)
{
    double x;
    int rc = scnp_get_number(c, k, v, "a number of parts per million", &x);
    if (rc)
        return rc;
    if (fabs(x) > 10000) {
        size_t n;
        const char *s = scnp_sval(v, &n);
        return scnp_err(c, v, "%s: must be between -10000 and 10000 ppm (got %.*s)", k->name,
                        (int)(n > 40 ? 40 : n), s);
    }
    *ppb = llround(x * 1000.0);
    return 0;
}

static int get_offset(struct ctx *c, const struct keydef *k, const struct nref *v,
                      int64_t *out)
{
    static const struct qlim lim = { UNIT_TIME, UNIT_ALLOW_CYCLES, 0, INT64_MAX };
    struct quantity q;
    int rc = scnp_get_qty(c, k, v, &lim, &q);
    if (rc)
        return rc;
    if (q.value != 0 && !q.is_cycles)
        return scnp_err(c, v, "%s: a TSC offset is a count of cycles, e.g. 1000cycles", k->name);
    *out = q.value;
    return 0;
}

static int rawlist(struct ctx *c, const struct keydef *k, struct nref v, struct rawlist *l,
                   int (*one)(struct ctx *, const struct keydef *, const struct nref *, int64_t *))
{
    free(l->v);
    l->v = NULL;
    l->n = 0;
    l->ref = v;
    l->given = true;
    if (!scnp_is_seq(&v)) {
        l->v = malloc(sizeof *l->v);
        if (!l->v)
            return c->oom = true, -SIM_ENOMEM;
        l->n = 1;
        return one(c, k, &v, &l->v[0]);
    }
    yaml_node_item_t *it = v.node->data.sequence.items.start;
    int n = (int)(v.node->data.sequence.items.top - it);
    if (n == 0)
        return scnp_err(c, &v, "%s: the list is empty", k->name);
    l->v = calloc((size_t)n, sizeof *l->v);
    if (!l->v)
        return c->oom = true, -SIM_ENOMEM;
    l->n = n;
    int rc = 0;
    for (int i = 0; i < n; i++) {
        struct nref e = scnp_child(&v, it[i]);
        if (!e.node)
            return scnp_err(c, &v, "unresolved alias in list");
        int r = one(c, k, &e, &l->v[i]);
        if (r < 0)
            rc = r;
    }
    return rc;
}

static int k_ppm(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    (void)dst;
    return rawlist(c, k, v, &g_mtmp(c)->ppb, get_ppm);
}

static int k_offset(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    (void)dst;
    return rawlist(c, k, v, &g_mtmp(c)->offset, get_offset);
}

/* In enum clk_timer_order's and enum clk_time_model's orders. */
const char *const scnp_timer_order_names[] = { "fifo", "xen", NULL };
const char *const scnp_system_time_names[] = { "xen3", "xen2", NULL };
/* In enum clk_slop_rule's order. */
const char *const scnp_slop_rule_names[] = { "early", "late", NULL };

/* Each policy's default tie rule: Xen 2.0's policies ran on Xen 2.0's
 * ac_timer heap. */
static const struct {
    const char *sched;
    enum clk_timer_order order;
} timer_order_defaults[] = {
    { "rr", CLK_ORDER_XEN },
    { "bvt", CLK_ORDER_XEN },
    { "atropos", CLK_ORDER_XEN },
    { "credit", CLK_ORDER_XEN },    /* Xen 3.4's timer.c heap has the same rules */
    { "credit2", CLK_ORDER_XEN },   /* Xen 4.17's timer.c heap */
    { "null", CLK_ORDER_XEN },      /* Xen 4.17's timer.c heap, as credit 4.17 */
    { "arinc653", CLK_ORDER_XEN },
    { "rtds", CLK_ORDER_XEN },
    { "sedf", CLK_ORDER_XEN },      /* and Xen 4.5's */      /* Xen 4.17's timer.c heap */
};

enum clk_timer_order scn_default_timer_order(const char *sched)
{
    for (size_t i = 0; i < sizeof timer_order_defaults / sizeof timer_order_defaults[0]; i++)
        if (!strcmp(timer_order_defaults[i].sched, sched))
            return timer_order_defaults[i].order;
    return CLK_ORDER_FIFO;
}

enum clk_slop_rule scn_default_slop_rule(const struct scn_sched_global *g)
{
    if (!strcmp(g->name, "null") || !strcmp(g->name, "arinc653") || !strcmp(g->name, "credit2")
        || !strcmp(g->name, "rtds") || !strcmp(g->name, "sedf"))
        return CLK_SLOP_LATE;       /* Xen 4.x's timer.c */
    return !strcmp(g->name, "credit") && g->credit.version == SCN_CREDIT_4_17 ? CLK_SLOP_LATE
                                                                              : CLK_SLOP_EARLY;
}

static int k_slop_rule(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    struct scn_clock *clk = dst;
    int idx;
    int rc = scnp_k_enum(c, k, v, &idx);
    if (!rc) {
        clk->slop_rule = (enum clk_slop_rule)idx;
        clk->slop_rule_given = true;
    }
    return rc;
}

static int k_timer_order(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    struct scn_clock *clk = dst;
    int idx;
    int rc = scnp_k_enum(c, k, v, &idx);
    if (!rc) {
        clk->timer_order = (enum clk_timer_order)idx;
        clk->timer_order_given = true;
    }
    return rc;
}

static const struct keydef clock_keys[] = {
    { "tsc_hz", scnp_k_qty, offsetof(struct scn_clock, tsc_hz), &q_tsc_hz, 0 },
    { "tsc_ppm", k_ppm, 0, NULL, 0 },
    { "tsc_offset", k_offset, 0, NULL, 0 },
    { "timer_slop", scnp_k_qty, offsetof(struct scn_clock, timer_slop), &q_slop, 0 },
    { "apic_timer_hz", scnp_k_qty, offsetof(struct scn_clock, apic_timer_hz), &q_apic_hz, 0 },
    { "timer_order", k_timer_order, 0, scnp_timer_order_names, 0 },
    { "slop_rule", k_slop_rule, 0, scnp_slop_rule_names, 0 },
    { "system_time", scnp_k_enum, offsetof(struct scn_clock, system_time),
      scnp_system_time_names, 0 },
    { NULL, NULL, 0, NULL, 0 },
};

static const struct keydef cost_keys[] = {
    { "context_switch", scnp_k_cost, offsetof(struct scn_costs, context_switch), &q_cost, 0 },
    { "hypercall", scnp_k_cost, offsetof(struct scn_costs, hypercall), &q_cost, 0 },
    { "upcall", scnp_k_cost, offsetof(struct scn_costs, upcall), &q_cost, 0 },
    { "pte_validate", scnp_k_cost, offsetof(struct scn_costs, pte_validate), &q_cost, 0 },
    { "cache_refill", scnp_k_cost, offsetof(struct scn_costs, cache_refill), &q_cost, 0 },
    { "migration", scnp_k_cost, offsetof(struct scn_costs, migration), &q_cost, 0 },
    { "kernel_packet", scnp_k_cost, offsetof(struct scn_costs, kernel_packet), &q_cost, 0 },
    { NULL, NULL, 0, NULL, 0 },
};

const char *const scnp_unpause_order_names[] = { "creation", "reverse", NULL };

static int selector(struct ctx *c, struct entries *es, const char *key,
                    const char *const *names, int *out);

/* topology: its counts go to the walk's machine_tmp (resolution checks
 * their product against pcpus, which may be given after it), numbering
 * straight to the scenario. */
static const struct keydef topology_keys[] = {
    { "sockets", scnp_k_int, offsetof(struct machine_tmp, sockets), &lim_topo, 0 },
    { "cores_per_socket", scnp_k_int, offsetof(struct machine_tmp, cores), &lim_topo, 0 },
    { "threads_per_core", scnp_k_int, offsetof(struct machine_tmp, threads), &lim_topo, 0 },
    { "numbering", NULL, 0, NULL, 0 },
    { NULL, NULL, 0, NULL, 0 },
};

static int k_topology(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    struct scn_topology *t = dst;
    t->given = true;
    scnp_set_loc(c, &v, &t->loc);
    if (!scnp_is_map(&v) || scnp_is_null(&v))
        return scnp_err(c, &v, "%s: expected a mapping with sockets, cores_per_socket, "
                        "threads_per_core, numbering; found %s", k->name, scnp_found(&v));
    struct entries es;
    int rc = scnp_collect(c, v, true, "key", &es);
    int r = scnp_walk_entries(c, &v, &es, k->aux, g_mtmp(c));
    if (r < 0)
        rc = r;
    if (scnp_entries_find(&es, "numbering")) {
        int n;
        r = selector(c, &es, "numbering", scnp_numbering_names, &n);
        if (r < 0)
            rc = r;
        else
            t->t.numbering = (enum topo_numbering)n;
    }
    scnp_entries_free(&es);
    return rc;
}

static const struct keydef machine_keys[] = {
    { "pcpus", scnp_k_int, offsetof(struct scn_machine, pcpus), &lim_pcpus, 0 },
    { "topology", k_topology, offsetof(struct scn_machine, topology), topology_keys, 0 },
    { "unpause_order", scnp_k_enum, offsetof(struct scn_machine, unpause_order),
      scnp_unpause_order_names, 0 },
    { "clock", scnp_k_map, offsetof(struct scn_machine, clock), clock_keys, 0 },
    { "costs", scnp_k_map, offsetof(struct scn_machine, costs), cost_keys, 0 },
    { NULL, NULL, 0, NULL, 0 },
};

/* ------------------------------------------------------------------------
 * Scheduler
 */

const char *const scn_sched_names[] = { "rr", "bvt", "atropos", "credit", "credit2", "rtds",
                                        "sedf", "null", "arinc653", NULL };
const char *const scnp_credit2_runqueue_names[] = { "cpu", "core", "socket", "node", "all", NULL };
const char *const scnp_credit_version_names[] = { "3.4", "4.17", NULL };

static const struct keydef rr_global_keys[] = {
    { "slice", scnp_k_qty, 0, &q_slice, 0 },
    { NULL, NULL, 0, NULL, 0 },
};

#define BVT_Q(f) { #f, scnp_k_bool, offsetof(struct scn_sched_global, bvt.f) - \
                   offsetof(struct scn_sched_global, bvt), NULL, 0 }
#define AT_Q(f) { #f, scnp_k_bool, offsetof(struct scn_sched_global, atropos.f) - \
                  offsetof(struct scn_sched_global, atropos), NULL, 0 }

static const struct keydef bvt_global_keys[] = {
    { "ctx_allow", scnp_k_qty, 0, &q_slice, 0 },
    BVT_Q(slice_units_quirk),
    BVT_Q(u32_runtime_quirk),
    BVT_Q(u32_warp_quirk),
    BVT_Q(warp_per_dispatch_quirk),
    BVT_Q(stale_warp_evt_quirk),
    BVT_Q(wrap_blocked_quirk),
    { NULL, NULL, 0, NULL, 0 },
};

#define CR_Q(f) { #f, scnp_k_bool, offsetof(struct scn_sched_global, credit.f) - \
                  offsetof(struct scn_sched_global, credit), NULL, 0 }

/* A mapping walked with its entries kept, for the checks that tie its keys
 * together: 0 with *es filled (the caller frees it); 1 for a null value
 * or a non-mapping, walked (or refused) as scnp_walk_map does, *es unset;
 * or the walk's error, *es freed. */
static int walk_keep(struct ctx *c, struct nref v, const struct keydef *tab, void *dst,
                     struct entries *es)
{
    if (scnp_is_null(&v) || !scnp_is_map(&v)) {
        int r = scnp_walk_map(c, v, tab, dst);
        return r < 0 ? r : 1;
    }
    int rc = scnp_collect(c, v, true, "key", es);
    int r = scnp_walk_entries(c, &v, es, tab, dst);
    if (rc < 0 || r < 0) {
        scnp_entries_free(es);
        return rc < 0 ? rc : r;
    }
    return 0;
}

/* Xen's (or its toolstack's) parameters in whole units: an error at key's
 * value if it is given and val is not a whole number of unit. */
static int check_whole(struct ctx *c, const struct entries *es, const char *key, sim_time_t val,
                       sim_time_t unit, const char *uname, const char *whose)
{
    struct entry *e = scnp_entries_find(es, key);
    if (!e || val % unit == 0)
        return 0;
    return scnp_err(c, &e->val, "%s.%s: expected a whole number of %s (%s's unit for it)",
                    scnp_where(c), key, uname, whose);
}

/* Xen 4.17's limits (public/sysctl.h, as libxl_sched_credit_params_set
 * checks them): tslice 1..1000 ms, ratelimit 0 or 100 us..500 ms,
 * vcpu_migration_delay 0..100 ms. */
static const struct qlim q_cr_tslice = { UNIT_TIME, 0, MS(1), MS(1000) };
static const struct qlim q_cr_ratelimit = { UNIT_TIME, 0, 0, MS(500) };
static const struct qlim q_cr_migr_delay = { UNIT_TIME, 0, 0, MS(100) };

#define CR_T(f, q) { #f, scnp_k_qty, offsetof(struct scn_sched_global, credit.f) - \
                     offsetof(struct scn_sched_global, credit), &q, 0 }

static const struct keydef credit_global_keys[] = {
    { "version", scnp_k_enum, offsetof(struct scn_sched_global, credit.version) -
      offsetof(struct scn_sched_global, credit), scnp_credit_version_names, 0 },
    CR_Q(reset_credit_quirk),
    CR_Q(tickle_all_idlers_quirk),
    CR_T(tslice, q_cr_tslice),
    CR_T(ratelimit, q_cr_ratelimit),
    CR_T(migration_delay, q_cr_migr_delay),
    CR_Q(tickle_one_idle),
    CR_Q(kick_away_quirk),
    CR_Q(first_wake_quirk),
    { NULL, NULL, 0, NULL, 0 },
};

/* Which version each key of the credit block belongs to (the version key
 * itself to both). */
static const struct {
    const char *key;
    int version;
} credit_key_version[] = {
    { "reset_credit_quirk", SCN_CREDIT_3_4 },
    { "tickle_all_idlers_quirk", SCN_CREDIT_3_4 },
    { "tslice", SCN_CREDIT_4_17 },
    { "ratelimit", SCN_CREDIT_4_17 },
    { "migration_delay", SCN_CREDIT_4_17 },
    { "tickle_one_idle", SCN_CREDIT_4_17 },
    { "kick_away_quirk", SCN_CREDIT_4_17 },
    { "first_wake_quirk", SCN_CREDIT_4_17 },
};

/* The credit block: its keys, then the rules that tie them together. Xen
 * takes tslice in ms and ratelimit and the migration delay in us, so finer
 * values are refused rather than rounded. */
static int k_credit_global(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    struct scn_sched_global *g = (struct scn_sched_global *)((char *)dst -
                                                             offsetof(struct scn_sched_global, credit));
    struct entries es;
    int r = walk_keep(c, v, k->aux, dst, &es);
    if (r)
        return r < 0 ? r : 0;
    const char *ver = scnp_credit_version_names[g->credit.version];
    for (size_t i = 0; i < sizeof credit_key_version / sizeof credit_key_version[0]; i++) {
        struct entry *e = scnp_entries_find(&es, credit_key_version[i].key);
        if (e && credit_key_version[i].version != g->credit.version) {
            r = scnp_err(c, &e->kref, "%s.%s: a parameter of Credit %s, not of version %s",
                         scnp_where(c), e->key,
                         scnp_credit_version_names[credit_key_version[i].version], ver);
            goto out;
        }
    }
    if ((r = check_whole(c, &es, "tslice", g->credit.tslice, MS(1), "ms", "Xen"))
        || (r = check_whole(c, &es, "ratelimit", g->credit.ratelimit, US(1), "us", "Xen"))
        || (r = check_whole(c, &es, "migration_delay", g->credit.migration_delay, US(1), "us",
                            "Xen")))
        goto out;
    struct entry *e = scnp_entries_find(&es, "ratelimit");
    if (e && g->credit.ratelimit && g->credit.ratelimit < US(100)) {
        r = scnp_err(c, &e->val, "%s.ratelimit: expected 0 (off) or at least 100us", scnp_where(c));
        goto out;
    }
    if (g->credit.ratelimit > g->credit.tslice) {
        e = e ? e : scnp_entries_find(&es, "tslice");
        char a[32], b[32];
        r = scnp_err(c, e ? &e->val : &v, "%s: ratelimit (%s) must not exceed tslice (%s)",
                     scnp_where(c), unit_format(g->credit.ratelimit, UNIT_TIME, a, sizeof a),
                     unit_format(g->credit.tslice, UNIT_TIME, b, sizeof b));
        goto out;
    }
out:
    scnp_entries_free(&es);
    return r;
}

/* Credit2's boot parameters. Xen 4.17 warns and falls back to a default
 * for some values it cannot use (a precision shift below 4, a window
 * shift of 10 or less, a ratelimit outside 100 us..500 ms) and
 * misbehaves on others (max_cpus_runqueue 0 divides by zero, shifts out
 * of range); xensim refuses them all. */
static const struct qlim q_c2_ratelimit = { UNIT_TIME, 0, 0, MS(500) };
static const struct qlim q_c2_resist = { UNIT_TIME, 0, 0, MS(100) };
static const struct qlim q_c2_cap_period = { UNIT_TIME, 0, MS(1), SEC(10) };
static const struct ilim lim_c2_tolerance = { -16, 16 };
static const struct ilim lim_c2_window = { 11, 36 };
static const struct ilim lim_c2_precision = { 4, 24 };
static const struct ilim lim_c2_max_cpus = { 1, 1024 };

#define C2_K(name, fn, f, aux) { name, fn, offsetof(struct scn_sched_global, credit2.f) - \
                                 offsetof(struct scn_sched_global, credit2), aux, 0 }

static const struct keydef credit2_global_keys[] = {
    C2_K("runqueue", scnp_k_enum, runqueue, scnp_credit2_runqueue_names),
    C2_K("ratelimit", scnp_k_qty, ratelimit, &q_c2_ratelimit),
    C2_K("migrate_resist", scnp_k_qty, migrate_resist, &q_c2_resist),
    C2_K("cap_period", scnp_k_qty, cap_period, &q_c2_cap_period),
    C2_K("balance_under", scnp_k_int, balance_under, &lim_c2_tolerance),
    C2_K("balance_over", scnp_k_int, balance_over, &lim_c2_tolerance),
    C2_K("load_window_shift", scnp_k_int, load_window_shift, &lim_c2_window),
    C2_K("load_precision_shift", scnp_k_int, load_precision_shift, &lim_c2_precision),
    C2_K("max_cpus_runqueue", scnp_k_int, max_cpus_runqueue, &lim_c2_max_cpus),
    C2_K("balance_last_rq_quirk", scnp_k_bool, balance_last_rq_quirk, NULL),
    C2_K("pick_next_quirk", scnp_k_bool, pick_next_quirk, NULL),
    C2_K("soft_pick_bias_quirk", scnp_k_bool, soft_pick_bias_quirk, NULL),
    { NULL, NULL, 0, NULL, 0 },
};

/* The credit2 block: its keys, then Xen's units (ratelimit and the
 * migration resistance in us, the cap period in ms: finer values are
 * refused, not rounded) and the rules that tie keys together. */
static int k_credit2_global(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    struct scn_sched_global *g = (struct scn_sched_global *)((char *)dst -
                                                             offsetof(struct scn_sched_global, credit2));
    struct entries es;
    int r = walk_keep(c, v, k->aux, dst, &es);
    if (r)
        return r < 0 ? r : 0;
    if ((r = check_whole(c, &es, "ratelimit", g->credit2.ratelimit, US(1), "us", "Xen"))
        || (r = check_whole(c, &es, "migrate_resist", g->credit2.migrate_resist, US(1), "us",
                            "Xen"))
        || (r = check_whole(c, &es, "cap_period", g->credit2.cap_period, MS(1), "ms", "Xen")))
        goto out;
    struct entry *e = scnp_entries_find(&es, "ratelimit");
    if (e && g->credit2.ratelimit && g->credit2.ratelimit < US(100)) {
        r = scnp_err(c, &e->val, "%s.ratelimit: expected 0 (off) or at least 100us", scnp_where(c));
        goto out;
    }
    const char *tol[] = { "balance_under", "balance_over" };
    for (size_t i = 0; i < 2; i++) {
        int t = i ? g->credit2.balance_over : g->credit2.balance_under;
        if (g->credit2.load_precision_shift + t < 0) {
            e = scnp_entries_find(&es, tol[i]);
            e = e ? e : scnp_entries_find(&es, "load_precision_shift");
            r = scnp_err(c, e ? &e->val : &v, "%s: %s (%d) must not be below minus "
                         "load_precision_shift (%d): Xen shifts by their sum", scnp_where(c),
                         tol[i], t, g->credit2.load_precision_shift);
            goto out;
        }
    }
out:
    scnp_entries_free(&es);
    return r;
}

static const struct keydef atropos_global_keys[] = {
    AT_Q(uncharged_block_quirk),
    AT_Q(sticky_wait_quirk),
    AT_Q(global_slack_index_quirk),
    AT_Q(slack_search_wrap_quirk),
    { NULL, NULL, 0, NULL, 0 },
};

/* ARINC 653's schedule, checked as Xen 4.17's arinc653_sched_set checks
 * XEN_SYSCTL_SCHEDOP_putinfo: a major frame above 0, 1 to 64 minor frames,
 * each run time above 0, their sum within the major frame. A frame names
 * its domain here (Xen's names a UUID); resolution finds it. */
static const struct qlim q_a653_time = { UNIT_TIME, 0, 1, SEC(100) };
static const struct ilim lim_a653_vcpu = { 0, 63 };

static int k_a653_domain(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    char *name = NULL;
    int rc = scnp_k_str(c, k, v, &name);
    if (rc)
        return rc;
    struct scn_a653_frame *f = dst;
    if (strlen(name) >= sizeof f->domain_name)
        rc = scnp_err(c, &v, "%s: '%s' is longer than any domain name", k->name, name);
    else
        snprintf(f->domain_name, sizeof f->domain_name, "%s", name);
    free(name);
    scnp_set_loc(c, &v, &f->loc);
    return rc;
}

static const struct keydef a653_frame_keys[] = {
    { "domain", k_a653_domain, 0, NULL, K_REQ },
    { "vcpu", scnp_k_int, offsetof(struct scn_a653_frame, vcpu), &lim_a653_vcpu, 0 },
    { "runtime", scnp_k_qty, offsetof(struct scn_a653_frame, runtime), &q_a653_time, K_REQ },
    { NULL, NULL, 0, NULL, 0 },
};

static int k_a653_frames(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    struct scn_sched_global *g = (struct scn_sched_global *)((char *)dst -
                                                             offsetof(struct scn_sched_global,
                                                                      arinc653.nframes));
    if (!scnp_is_seq(&v))
        return scnp_err(c, &v, "%s: expected a list of { domain, vcpu, runtime }, found %s",
                        k->name, scnp_found(&v));
    yaml_node_item_t *it = v.node->data.sequence.items.start;
    int n = (int)(v.node->data.sequence.items.top - it);
    if (n < 1 || n > SCN_A653_MAX_FRAMES)
        return scnp_err(c, &v, "%s: %d minor frames; Xen takes 1 to %d", k->name, n,
                        SCN_A653_MAX_FRAMES);
    g->arinc653.nframes = n;
    int rc = 0;
    for (int i = 0; i < n; i++) {
        struct scn_a653_frame *f = &g->arinc653.frames[i];
        *f = (struct scn_a653_frame){ .domain = -1 };
        struct nref e = scnp_child(&v, it[i]);
        if (!e.node)
            return scnp_err(c, &v, "unresolved alias in list");
        int r = scnp_walk_map(c, e, a653_frame_keys, f);
        if (r < 0)
            rc = r;
    }
    return rc;
}

static const struct keydef a653_global_keys[] = {
    { "major_frame", scnp_k_qty, offsetof(struct scn_sched_global, arinc653.major_frame) -
      offsetof(struct scn_sched_global, arinc653), &q_a653_time, 0 },
    { "minor_frames", k_a653_frames, offsetof(struct scn_sched_global, arinc653.nframes) -
      offsetof(struct scn_sched_global, arinc653), NULL, 0 },
    { "late_frame_quirk", scnp_k_bool, offsetof(struct scn_sched_global,
                                                arinc653.late_frame_quirk) -
      offsetof(struct scn_sched_global, arinc653), NULL, 0 },
    { NULL, NULL, 0, NULL, 0 },
};

/* The arinc653 block: its keys, then the rules that tie them together. */
static int k_a653_global(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    struct scn_sched_global *g = (struct scn_sched_global *)((char *)dst -
                                                             offsetof(struct scn_sched_global,
                                                                      arinc653));
    struct entries es;
    int r = walk_keep(c, v, k->aux, dst, &es);
    if (r)
        return r < 0 ? r : 0;
    struct entry *mf = scnp_entries_find(&es, "major_frame");
    struct entry *fr = scnp_entries_find(&es, "minor_frames");
    if (mf && !fr) {
        r = scnp_err(c, &mf->kref, "%s.major_frame: given without minor_frames (a schedule "
                     "is both)", scnp_where(c));
    } else if (fr && !mf) {
        r = scnp_err(c, &fr->kref, "%s.minor_frames: given without major_frame (a schedule "
                     "is both)", scnp_where(c));
    } else if (fr) {
        sim_time_t sum = 0;
        for (int i = 0; i < g->arinc653.nframes; i++)
            sum += g->arinc653.frames[i].runtime;     /* <= 64 x 100 s: no overflow */
        if (sum > g->arinc653.major_frame) {
            char a[32], b[32];
            r = scnp_err(c, &mf->val, "%s.major_frame: %s is shorter than the minor frames' "
                         "run times (%s in all); Xen refuses such a schedule", scnp_where(c),
                         unit_format(g->arinc653.major_frame, UNIT_TIME, a, sizeof a),
                         unit_format(sum, UNIT_TIME, b, sizeof b));
        }
    }
    scnp_entries_free(&es);
    return r;
}

/* The name of Xen's null scheduler is YAML's null when written plainly;
 * scheduler.name has no use for "no value", so a plain `null` (exactly
 * that spelling) names the scheduler, as a quoted "null" does. */
static bool plain_null_word(const struct nref *v)
{
    size_t n;
    return scnp_is_null(v) && (scnp_sval(v, &n), n == 4) && !memcmp(scnp_sval(v, &n), "null", 4);
}

#define RT_Q(f) { #f, scnp_k_bool, offsetof(struct scn_sched_global, rtds.f) - \
                  offsetof(struct scn_sched_global, rtds), NULL, 0 }

static const struct keydef rtds_global_keys[] = {
    RT_Q(stale_first_period_quirk),
    RT_Q(replq_priority_quirk),
    { NULL, NULL, 0, NULL, 0 },
};

#define SEDF_Q(f) { #f, scnp_k_bool, offsetof(struct scn_sched_global, sedf.f) - \
                    offsetof(struct scn_sched_global, sedf), NULL, 0 }

static const struct keydef sedf_global_keys[] = {
    SEDF_Q(pen_once_quirk),
    SEDF_Q(first_deadline_quirk),
    { NULL, NULL, 0, NULL, 0 },
};

static int k_sched_name(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    int idx = 0;
    int rc = 0;
    if (plain_null_word(&v)) {
        while (strcmp(scn_sched_names[idx], "null"))
            idx++;
    } else {
        rc = scnp_k_enum(c, k, v, &idx);
    }
    if (rc)
        return rc;
    struct scn_sched_global *g = dst;
    snprintf(g->name, sizeof g->name, "%s", scn_sched_names[idx]);
    int line, col;
    scnp_ref_loc(&v, &line, &col);
    g->loc.line = line;
    g->loc.col = col;
    return 0;
}

static const struct keydef sched_keys[] = {
    { "name", k_sched_name, 0, scn_sched_names, 0 },
    { "rr", scnp_k_map, offsetof(struct scn_sched_global, rr), rr_global_keys, 0 },
    { "bvt", scnp_k_map, offsetof(struct scn_sched_global, bvt), bvt_global_keys, 0 },
    { "atropos", scnp_k_map, offsetof(struct scn_sched_global, atropos), atropos_global_keys, 0 },
    { "credit", k_credit_global, offsetof(struct scn_sched_global, credit), credit_global_keys, 0 },
    { "credit2", k_credit2_global, offsetof(struct scn_sched_global, credit2), credit2_global_keys,
      0 },
    { "rtds", scnp_k_map, offsetof(struct scn_sched_global, rtds), rtds_global_keys, 0 },
    { "sedf", scnp_k_map, offsetof(struct scn_sched_global, sedf), sedf_global_keys, 0 },
    { "arinc653", k_a653_global, offsetof(struct scn_sched_global, arinc653), a653_global_keys,
      0 },
    { NULL, NULL, 0, NULL, 0 },
};

/* ------------------------------------------------------------------------
 * Devices
 */

static bool valid_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > SCN_NAME_MAX)
        return false;
    if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_'))
        return false;
    for (size_t i = 1; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '_' || ch == '-'))
            return false;
    }
    return true;
}

static int check_name(struct ctx *c, const struct entry *e, const char *what)
{
    if (valid_name(e->key))
        return 0;
    return scnp_err(c, &e->kref, "invalid %s name '%s': use letters, digits, '_' and '-', "
                    "starting with a letter or '_', at most %d characters", what, e->key,
                    SCN_NAME_MAX);
}

int scnp_set_loc(struct ctx *c, const struct nref *r, struct scn_loc *loc)
{
    (void)c;
    scnp_ref_loc(r, &loc->line, &loc->col);
    /* Locations in the file get the scenario's own copy of its name when the
     * walk is finished; those in a --set argument say so. */
    loc->file = r->src && !strcmp(r->src->name, "--set") ? "--set" : NULL;
    return 0;
}

/* driver: the domain whose back end serves the device, checked after the
 * walk (domains come later in the file). */
static int k_driver(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    int rc = scnp_k_str(c, k, v, dst);
    if (rc)
        return rc;
    struct scn_device *d = (struct scn_device *)((char *)dst - k->off);
    return scnp_set_loc(c, &v, &d->driver_loc);
}

static const struct keydef disk_keys[] = {
    { "kind", NULL, 0, NULL, 0 },
    { "seek", scnp_k_qty, offsetof(struct scn_device, seek), &q_dev_time, 0 },
    { "rpm", scnp_k_i64, offsetof(struct scn_device, rpm), &lim_rpm, 0 },
    { "latency", scnp_k_qty, offsetof(struct scn_device, latency), &q_dev_time, 0 },
    { "bandwidth", scnp_k_qty, offsetof(struct scn_device, bandwidth), &q_bandwidth, K_REQ },
    { "queue", scnp_k_enum, offsetof(struct scn_device, queue), scnp_queue_names, 0 },
    { "ring", scnp_k_int, offsetof(struct scn_device, ring), &lim_ring, 0 },
    { "driver", k_driver, offsetof(struct scn_device, driver_name), NULL, 0 },
    { NULL, NULL, 0, NULL, 0 },
};

static const char *const served_names[] = { "domain", "hypervisor", NULL };

/* served_by: domain (a driver domain's back end) or hypervisor (Xen 1.0). */
static int k_served_by(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    int which = 0;
    int rc = scnp_k_enum(c, k, v, &which);
    if (rc)
        return rc;
    struct scn_device *d = (struct scn_device *)((char *)dst - k->off);
    d->by_hypervisor = which == 1;
    return scnp_set_loc(c, &v, &d->served_loc);
}

static const struct keydef nic_keys[] = {
    { "kind", NULL, 0, NULL, 0 },
    { "bandwidth", scnp_k_qty, offsetof(struct scn_device, bandwidth), &q_bandwidth, K_REQ },
    { "latency", scnp_k_qty, offsetof(struct scn_device, latency), &q_dev_time, 0 },
    { "ring", scnp_k_int, offsetof(struct scn_device, ring), &lim_ring, 0 },
    { "driver", k_driver, offsetof(struct scn_device, driver_name), NULL, 0 },
    { "served_by", k_served_by, offsetof(struct scn_device, by_hypervisor), served_names, 0 },
    { "per_request", scnp_k_qty, offsetof(struct scn_device, hv_per_request), &q_per_request, 0 },
    { "irq_cpu", scnp_k_int, offsetof(struct scn_device, irq_cpu), &lim_irq_cpu, 0 },
    { NULL, NULL, 0, NULL, 0 },
};

/* Parse the selector key (kind, type) of a mapping; the caller has checked
 * that it is present. */
static int selector(struct ctx *c, struct entries *es, const char *key,
                    const char *const *names, int *out)
{
    struct entry *e = scnp_entries_find(es, key);
    struct keydef k = { key, scnp_k_enum, 0, names, 0 };
    size_t old = scnp_path_push(c, key);
    int rc = scnp_k_enum(c, &k, e->val, out);
    scnp_path_pop(c, old);
    return rc;
}

static int one_device(struct ctx *c, struct entry *e, void *elem)
{
    struct scn_device *d = elem;
    int rc = check_name(c, e, "device");
    d->name = strdup(e->key);
    if (!d->name)
        return c->oom = true, -SIM_ENOMEM;
    scnp_set_loc(c, &e->kref, &d->loc);
    if (!scnp_is_map(&e->val) || scnp_is_null(&e->val))
        return scnp_err(c, &e->val, "device '%s': expected a mapping with 'kind', found %s",
                        e->key, scnp_found(&e->val));
    size_t old = scnp_path_push(c, e->key);
    struct entries es;
    int r = scnp_collect(c, e->val, true, "key", &es);
    if (r < 0)
        rc = r;
    int kind;
    if (!scnp_entries_find(&es, "kind")) {
        rc = scnp_err(c, &e->val, "device '%s': missing required key 'kind' (disk or nic)", e->key);
        goto out;
    }
    r = selector(c, &es, "kind", scnp_kind_names, &kind);
    if (r < 0) {
        rc = r;
        goto out;
    }
    d->kind = (enum scn_dev_kind)kind;
    d->seek = -1;
    d->rpm = -1;
    d->latency = -1;
    d->queue = SCN_QUEUE_FIFO;
    d->ring = d->kind == SCN_DEV_DISK ? 32 : 256;
    d->hv_per_request = -1;
    d->irq_cpu = -1;
    r = scnp_walk_entries(c, &e->val, &es, d->kind == SCN_DEV_DISK ? disk_keys : nic_keys, d);
    if (r < 0) {
        rc = r;
        goto out;
    }
    if (d->by_hypervisor && d->driver_name) {
        rc = scnp_err(c, &scnp_entries_find(&es, "driver")->val, "driver: nic '%s' is served "
                      "by the hypervisor (served_by: hypervisor); it has no driver domain",
                      e->key);
    } else if (!d->by_hypervisor && (d->hv_per_request >= 0 || d->irq_cpu >= 0)) {
        struct entry *x = scnp_entries_find(&es, d->irq_cpu >= 0 ? "irq_cpu" : "per_request");
        rc = scnp_err(c, &x->kref, "%s: only for a nic with 'served_by: hypervisor' (a driver "
                      "domain's cost is its backend: { per_request })", x->key);
    }
    if (d->hv_per_request < 0)
        d->hv_per_request = US(20);
    if (d->irq_cpu < 0)
        d->irq_cpu = 0;
    if (d->ring & (d->ring - 1)) {
        struct entry *re = scnp_entries_find(&es, "ring");
        rc = scnp_err(c, re ? &re->val : &e->val, "ring: must be a power of two (got %d)", d->ring);
    }
    if (d->kind == SCN_DEV_DISK) {
        bool spinning = d->seek >= 0 || d->rpm >= 0;
        if (spinning && d->latency >= 0)
            rc = scnp_err(c, &e->val, "disk '%s': give either seek and rpm (a spinning disk) or "
                          "latency (flash), not both", e->key);
        else if (!spinning && d->latency < 0)
            rc = scnp_err(c, &e->val, "disk '%s': needs seek and rpm (a spinning disk) or latency "
                          "(flash)", e->key);
        else if (spinning && (d->seek < 0 || d->rpm < 0))
            rc = scnp_err(c, &e->val, "disk '%s': a spinning disk needs both seek and rpm (missing "
                          "'%s')", e->key, d->seek < 0 ? "seek" : "rpm");
        if (d->seek < 0)
            d->seek = 0;
        if (d->rpm < 0)
            d->rpm = 0;
        if (d->latency < 0)
            d->latency = 0;
    } else if (d->latency < 0) {
        d->latency = 0;
    }
out:
    scnp_entries_free(&es);
    scnp_path_pop(c, old);
    return rc;
}

/* Build one named entity (a device or a domain) from its entry into *elem. */
typedef int one_named_fn(struct ctx *c, struct entry *e, void *elem);

/*
 * The mapping v of names to entities (`entity` names them in messages):
 * collect its entries, then build each with one() into a new array of
 * elements of `size` bytes, starting at index *n and counting each element
 * in *n even when it fails (so that the caller frees all it holds). Returns
 * the array, or NULL out of memory (*rc -SIM_ENOMEM); *rc is 0 or the last
 * error.
 */
static void *named_map(struct ctx *c, struct nref v, const char *entity, size_t size,
                       one_named_fn *one, int *n, int *rc)
{
    struct entries es;
    *rc = scnp_collect(c, v, false, entity, &es);
    char *arr = calloc((size_t)(es.n ? es.n : 1), size);
    if (!arr) {
        scnp_entries_free(&es);
        c->oom = true;
        *rc = -SIM_ENOMEM;
        return NULL;
    }
    for (int i = 0; i < es.n; i++) {
        int r = one(c, &es.v[i], arr + (size_t)*n * size);
        (*n)++;
        if (r < 0)
            *rc = r;
    }
    scnp_entries_free(&es);
    return arr;
}

static int k_devices(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    (void)dst;
    if (scnp_is_null(&v))
        return 0;
    if (!scnp_is_map(&v))
        return scnp_err(c, &v, "%s: expected a mapping of device names, found %s", k->name,
                        scnp_found(&v));
    struct scn *s = c->w->s;
    int rc;
    s->devices = named_map(c, v, "device", sizeof *s->devices, one_device, &s->ndevices, &rc);
    return rc;
}

/* ------------------------------------------------------------------------
 * Workloads
 */

#define WL(f) offsetof(struct scn_workload, f)

/* A string that refers to something checked after the walk (a device, a
 * trace file); its location is kept for that check's message, in ref_loc
 * (device), file_loc (file) or nic_loc (nic). */
static int k_ref(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    int rc = scnp_k_str(c, k, v, dst);
    if (rc)
        return rc;
    struct scn_workload *wl = (struct scn_workload *)((char *)dst - k->off);
    return scnp_set_loc(c, &v, k->off == WL(file) ? &wl->file_loc
                               : k->off == WL(nic_name) ? &wl->nic_loc : &wl->ref_loc);
}

static const struct keydef wl_none_keys[] = {
    { "type", NULL, 0, NULL, 0 },
    { NULL, NULL, 0, NULL, 0 },
};

static const struct keydef wl_cpu_keys[] = {
    { "type", NULL, 0, NULL, 0 },
    { "yield_every", scnp_k_qty, WL(yield_every), &q_wl_time, 0 },
    { NULL, NULL, 0, NULL, 0 },
};

static const struct keydef wl_periodic_keys[] = {
    { "type", NULL, 0, NULL, 0 },
    { "period", scnp_k_qty, WL(period), &q_wl_time, K_REQ },
    { "burst", scnp_k_dist, WL(burst), &q_wl_dist, K_REQ },
    { "phase", scnp_k_qty, WL(phase), &q_wl_dist, 0 },
    { NULL, NULL, 0, NULL, 0 },
};

static const struct keydef wl_io_keys[] = {
    { "type", NULL, 0, NULL, 0 },
    { "device", k_ref, WL(device_name), NULL, K_REQ },
    { "op", scnp_k_enum, WL(op), scnp_op_names, 0 },
    { "size", scnp_k_qty, WL(size), &q_io_size, K_REQ },
    { "think", scnp_k_dist, WL(think), &q_wl_dist, 0 },
    { "depth", scnp_k_int, WL(depth), &lim_depth, 0 },
    { "pattern", scnp_k_enum, WL(pattern), scnp_pattern_names, 0 },
    { NULL, NULL, 0, NULL, 0 },
};

static const struct keydef wl_server_keys[] = {
    { "type", NULL, 0, NULL, 0 },
    { "device", k_ref, WL(device_name), NULL, K_REQ },
    { "arrival", scnp_k_dist, WL(arrival), &q_wl_dist, K_REQ },
    { "service", scnp_k_dist, WL(service), &q_wl_dist, K_REQ },
    { "reply_size", scnp_k_qty, WL(reply_size), &q_reply, 0 },
    { NULL, NULL, 0, NULL, 0 },
};

static const struct keydef wl_mmu_keys[] = {
    { "type", NULL, 0, NULL, 0 },
    { "interval", scnp_k_dist, WL(interval), &q_wl_dist, K_REQ },
    { "updates", scnp_k_int, WL(updates), &lim_updates, K_REQ },
    { "batch", scnp_k_int, WL(batch), &lim_batch, 0 },
    { "invalid", scnp_k_fraction, WL(invalid), NULL, 0 },
    { NULL, NULL, 0, NULL, 0 },
};

static const struct keydef wl_trace_keys[] = {
    { "type", NULL, 0, NULL, 0 },
    { "file", k_ref, WL(file), NULL, K_REQ },
    { "loop", scnp_k_bool, WL(loop), NULL, 0 },
    { "device", k_ref, WL(device_name), NULL, 0 },
    { "nic", k_ref, WL(nic_name), NULL, 0 },
    { NULL, NULL, 0, NULL, 0 },
};

static const struct keydef wl_onoff_keys[] = {
    { "type", NULL, 0, NULL, 0 },
    { "on", scnp_k_dist, WL(on), &q_wl_dist, K_REQ },
    { "off", scnp_k_dist, WL(off), &q_wl_dist, K_REQ },
    { NULL, NULL, 0, NULL, 0 },
};

static const struct keydef *const wl_tables[] = {
    [SCN_WL_NONE] = wl_none_keys,
    [SCN_WL_CPU] = wl_cpu_keys, [SCN_WL_PERIODIC] = wl_periodic_keys,
    [SCN_WL_IO] = wl_io_keys, [SCN_WL_SERVER] = wl_server_keys,
    [SCN_WL_MMU] = wl_mmu_keys, [SCN_WL_TRACE] = wl_trace_keys,
    [SCN_WL_ONOFF] = wl_onoff_keys,
};

static void wl_defaults(struct scn_workload *wl)
{
    *wl = (struct scn_workload){ .type = SCN_WL_NONE, .device = -1, .nic = -1,
                                 .op = SCN_IO_READ, .depth = 1, .pattern = SCN_IO_RANDOM,
                                 .reply_size = 1024, .batch = 1 };
    wl->think.kind = DIST_CONST;
}

/* One workload mapping: the domain's, or item of a list (in_list). */
static int one_workload(struct ctx *c, const struct keydef *k, struct nref v, bool in_list,
                        struct scn_workload *wl)
{
    if (!scnp_is_map(&v) || scnp_is_null(&v))
        return scnp_err(c, &v, "%s: expected a mapping with 'type'%s, found %s", k->name,
                        in_list ? "" : " (or a list of them, one per vCPU)", scnp_found(&v));
    scnp_set_loc(c, &v, &wl->loc);
    struct entries es;
    int rc = scnp_collect(c, v, true, "key", &es);
    if (!scnp_entries_find(&es, "type")) {
        rc = scnp_err(c, &v, "workload: missing required key 'type' (one of none, cpu, "
                      "periodic, io, server, mmu, trace, onoff)");
        goto out;
    }
    int type;
    int r = selector(c, &es, "type", scnp_wl_names, &type);
    if (r < 0) {
        rc = r;
        goto out;
    }
    wl->type = (enum scn_wl_type)type;
    r = scnp_walk_entries(c, &v, &es, wl_tables[wl->type], wl);
    if (r < 0)
        rc = r;
out:
    scnp_entries_free(&es);
    return rc;
}

/* workload: one mapping, or a list of them, item k for vCPU k (resolution
 * checks the length against vcpus, which a sweep may change). */
static int k_workload(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    struct scn_domain *d = (struct scn_domain *)((char *)dst - offsetof(struct scn_domain, wl));
    scnp_set_loc(c, &v, &d->wl_loc);
    if (!scnp_is_seq(&v))
        return one_workload(c, k, v, false, &d->wl[0]);
    yaml_node_item_t *it = v.node->data.sequence.items.start;
    int n = (int)(v.node->data.sequence.items.top - it);
    if (n == 0)
        return scnp_err(c, &v, "%s: the list is empty; give one workload per vCPU", k->name);
    if (n > lim_vcpus.max)
        return scnp_err(c, &v, "%s: a list of %d workloads, more than a domain's %lld vCPUs",
                        k->name, n, (long long)lim_vcpus.max);
    struct scn_workload *a = realloc(d->wl, (size_t)n * sizeof *a);
    if (!a)
        return c->oom = true, -SIM_ENOMEM;
    d->wl = a;
    d->nwl = n;
    d->wl_list = true;
    int rc = 0;
    for (int i = 0; i < n; i++) {
        wl_defaults(&a[i]);
        struct nref e = scnp_child(&v, it[i]);
        if (!e.node) {
            rc = scnp_err(c, &v, "unresolved alias in list");
            continue;
        }
        char seg[16];
        snprintf(seg, sizeof seg, "%d", i);
        size_t old = scnp_path_push(c, seg);
        int r = one_workload(c, k, e, true, &a[i]);
        scnp_path_pop(c, old);
        if (r < 0)
            rc = r;
    }
    return rc;
}

/* ------------------------------------------------------------------------
 * Domains
 */

#define DOM(f) offsetof(struct dom_tmp, d.f)

static const struct keydef bvt_dom_keys[] = {
    { "mcu_advance", scnp_k_i64, offsetof(struct scn_bvt_dom, mcu_advance), &lim_mcu_advance, 0 },
    { "warp", scnp_k_qty, offsetof(struct scn_bvt_dom, warp), &q_warp, 0 },
    { "warpl", scnp_k_qty, offsetof(struct scn_bvt_dom, warpl), &q_warp, 0 },
    { "warpu", scnp_k_qty, offsetof(struct scn_bvt_dom, warpu), &q_warp, 0 },
    { NULL, NULL, 0, NULL, 0 },
};

static const struct keydef atropos_dom_keys[] = {
    { "period", scnp_k_qty, offsetof(struct scn_atropos_dom, period), &q_at_time, 0 },
    { "slice", scnp_k_qty, offsetof(struct scn_atropos_dom, slice), &q_at_slice, 0 },
    { "latency", scnp_k_qty, offsetof(struct scn_atropos_dom, latency), &q_at_time, 0 },
    { "xtratime", scnp_k_bool, offsetof(struct scn_atropos_dom, xtratime), NULL, 0 },
    { NULL, NULL, 0, NULL, 0 },
};

static const struct ilim lim_credit_weight = { 1, 65535 };
static const struct ilim lim_credit_cap = { 0, 6400 };   /* 100 x the most vCPUs */

static const struct keydef credit_dom_keys[] = {
    { "weight", scnp_k_int, offsetof(struct scn_credit_dom, weight), &lim_credit_weight, 0 },
    { "cap", scnp_k_int, offsetof(struct scn_credit_dom, cap), &lim_credit_cap, 0 },
    { NULL, NULL, 0, NULL, 0 },
};

/* Xen 3.4's xend and 4.17's libxl (sched_credit_domain_set) refused a cap
 * above 100 x the domain's vCPUs and a weight outside 1..65535; vcpus may
 * come after the block, so resolution checks that. */
static int k_credit_dom(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    struct scn_credit_dom *cr = dst;
    cr->set = true;
    scnp_set_loc(c, &v, &cr->loc);
    return scnp_walk_map(c, v, k->aux, cr);
}

static const struct keydef credit2_dom_keys[] = {
    { "weight", scnp_k_int, offsetof(struct scn_credit2_dom, weight), &lim_credit_weight, 0 },
    { "cap", scnp_k_int, offsetof(struct scn_credit2_dom, cap), &lim_credit_cap, 0 },
    { NULL, NULL, 0, NULL, 0 },
};

/* Xen 4.17's libxl (sched_credit2_domain_set) refuses a weight outside
 * 1..65535 and a cap above 100 x the domain's vCPUs; vcpus may come after
 * the block, so resolution checks the cap. */
static int k_credit2_dom(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    struct scn_credit2_dom *cr = dst;
    cr->set = true;
    scnp_set_loc(c, &v, &cr->loc);
    return scnp_walk_map(c, v, k->aux, cr);
}

/* Xen 4.17: libxl's sched_rtds_validate_params wants period and budget
 * >= 1 us with budget <= period, in int us; rt_dom_cntl then refuses a
 * period or budget below 10 us (RTDS_MIN_PERIOD, RTDS_MIN_BUDGET). */
static const struct qlim q_rtds_time = { UNIT_TIME, 0, US(10), INT32_MAX * US(1) };

static const struct keydef rtds_dom_keys[] = {
    { "period", scnp_k_qty, offsetof(struct scn_rtds_dom, period), &q_rtds_time, 0 },
    { "budget", scnp_k_qty, offsetof(struct scn_rtds_dom, budget), &q_rtds_time, 0 },
    { "extratime", scnp_k_bool, offsetof(struct scn_rtds_dom, extratime), NULL, 0 },
    { NULL, NULL, 0, NULL, 0 },
};

/* `xl sched-rtds -d D -v all -p P -b B -e E`: xl takes whole us, libxl
 * refuses a budget above the period. */
static int k_rtds_dom(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    struct scn_rtds_dom *rt = dst;
    rt->set = true;
    scnp_set_loc(c, &v, &rt->loc);
    struct entries es;
    int r = walk_keep(c, v, k->aux, rt, &es);
    if (r)
        return r < 0 ? r : 0;
    if ((r = check_whole(c, &es, "period", rt->period, US(1), "us", "Xen"))
        || (r = check_whole(c, &es, "budget", rt->budget, US(1), "us", "Xen")))
        goto out;
    if (rt->budget > rt->period) {
        struct entry *e = scnp_entries_find(&es, "budget");
        char b[32], p[32];
        r = scnp_err(c, e ? &e->val : &v, "rtds: budget (%s) must not exceed period (%s); "
                     "Xen's libxl refuses it",
                     unit_format(rt->budget, UNIT_TIME, b, sizeof b),
                     unit_format(rt->period, UNIT_TIME, p, sizeof p));
    }
out:
    scnp_entries_free(&es);
    return r;
}

/* SEDF: xl's units (libxl 4.5 passes period, slice and latency in whole
 * ms), Xen 4.5's limits (sedf_adjust: period 10 us .. 10 s, slice 5 us ..
 * period) and a weight that fits the short Xen keeps it in. */
static const struct qlim q_sedf_period = { UNIT_TIME, 0, MS(1), SEC(10) };
static const struct qlim q_sedf_latency = { UNIT_TIME, 0, 0, SEC(10000) };
static const struct ilim lim_sedf_weight = { 1, 32767 };

static int k_sedf_extratime(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    bool b;
    int rc = scnp_k_bool(c, k, v, &b);
    if (!rc)
        *(int *)dst = b;
    return rc;
}

static const struct keydef sedf_dom_keys[] = {
    { "period", scnp_k_qty, offsetof(struct scn_sedf_dom, period), &q_sedf_period, 0 },
    { "slice", scnp_k_qty, offsetof(struct scn_sedf_dom, slice), &q_sedf_period, 0 },
    { "latency", scnp_k_qty, offsetof(struct scn_sedf_dom, latency), &q_sedf_latency, 0 },
    { "extratime", k_sedf_extratime, offsetof(struct scn_sedf_dom, extratime), NULL, 0 },
    { "weight", scnp_k_int, offsetof(struct scn_sedf_dom, weight), &lim_sedf_weight, 0 },
    { NULL, NULL, 0, NULL, 0 },
};

/* The combinations libxl 4.5 (sched_params_valid) and Xen 4.5
 * (sedf_adjust) refused: weight with period or slice, period without
 * slice or slice without period, a slice longer than its period, and
 * extratime false on a domain with neither (Xen then gets neither a
 * period nor a weight). */
static int k_sedf_dom(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    struct scn_sedf_dom *sd = dst;
    sd->set = true;
    scnp_set_loc(c, &v, &sd->loc);
    struct entries es;
    int r = walk_keep(c, v, k->aux, sd, &es);
    if (r)
        return r < 0 ? r : 0;
    struct entry *ep = scnp_entries_find(&es, "period");
    struct entry *es_ = scnp_entries_find(&es, "slice");
    struct entry *ew = scnp_entries_find(&es, "weight");
    struct entry *ex = scnp_entries_find(&es, "extratime");
    if ((r = check_whole(c, &es, "period", sd->period, MS(1), "ms", "libxl"))
        || (r = check_whole(c, &es, "slice", sd->slice, MS(1), "ms", "libxl"))
        || (r = check_whole(c, &es, "latency", sd->latency, MS(1), "ms", "libxl")))
        goto out;
    if (ew && (ep || es_)) {
        r = scnp_err(c, &ew->kref, "%s: weight and period/slice exclude each other "
                     "(libxl 4.5 refused both)", scnp_where(c));
        goto out;
    }
    if (!ep != !es_) {
        struct entry *e = ep ? ep : es_;
        r = scnp_err(c, &e->kref, "%s: give both period and slice (a real-time domain), "
                     "or neither", scnp_where(c));
        goto out;
    }
    if (ep && sd->slice > sd->period) {
        char a[32], b[32];
        r = scnp_err(c, &es_->val, "%s: slice (%s) must not exceed period (%s)", scnp_where(c),
                     unit_format(sd->slice, UNIT_TIME, a, sizeof a),
                     unit_format(sd->period, UNIT_TIME, b, sizeof b));
        goto out;
    }
    if (ex && !sd->extratime && !ep && !ew) {
        r = scnp_err(c, &ex->val, "%s: extratime false needs a period and slice or a weight: "
                     "a best-effort domain runs only in extra time (Xen 4.5 refused it)",
                     scnp_where(c));
        goto out;
    }
out:
    scnp_entries_free(&es);
    return r;
}

static const struct keydef rr_dom_keys[] = {
    { NULL, NULL, 0, NULL, 0 },
};

static int k_bvt_dom(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    struct scn_bvt_dom *b = dst;
    b->set = true;
    scnp_set_loc(c, &v, &b->loc);
    return scnp_walk_map(c, v, k->aux, b);
}

static int k_atropos_dom(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    struct scn_atropos_dom *a = dst;
    a->set = true;
    scnp_set_loc(c, &v, &a->loc);
    int rc = scnp_walk_map(c, v, k->aux, a);
    if (rc)
        return rc;
    /* Xen's at_adjdom refused these; so do we (defaults included). */
    char x[32], p[32];
    unit_format(a->period, UNIT_TIME, p, sizeof p);
    if (a->slice > a->period)
        return scnp_err(c, &v, "atropos: slice (%s) must not exceed period (%s)",
                        unit_format(a->slice, UNIT_TIME, x, sizeof x), p);
    if (a->latency > a->period)
        return scnp_err(c, &v, "atropos: latency (%s) must not exceed period (%s)",
                        unit_format(a->latency, UNIT_TIME, x, sizeof x), p);
    return 0;
}

static const struct keydef dom_sched_keys[] = {
    { "rr", scnp_k_map, 0, rr_dom_keys, 0 },
    { "bvt", k_bvt_dom, DOM(bvt) - DOM(bvt), bvt_dom_keys, 0 },
    { "atropos", k_atropos_dom, DOM(atropos) - DOM(bvt), atropos_dom_keys, 0 },
    { "credit", k_credit_dom, DOM(credit) - DOM(bvt), credit_dom_keys, 0 },
    { "credit2", k_credit2_dom, DOM(credit2) - DOM(bvt), credit2_dom_keys, 0 },
    { "rtds", k_rtds_dom, DOM(rtds) - DOM(bvt), rtds_dom_keys, 0 },
    { "sedf", k_sedf_dom, DOM(sedf) - DOM(bvt), sedf_dom_keys, 0 },
    { NULL, NULL, 0, NULL, 0 },
};

/* sched: walks into the domain at its bvt member (see offsets above). */
static int k_dom_sched(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    return scnp_walk_map(c, v, k->aux, dst);
}

static const struct keydef backend_keys[] = {
    { "per_request", scnp_k_qty, 0, &q_per_request, 0 },
    { NULL, NULL, 0, NULL, 0 },
};

static int get_cpu(struct ctx *c, const struct keydef *k, const struct nref *v, int64_t *out)
{
    static const struct ilim lim = { 0, 1023 };
    return scnp_get_int(c, k, v, &lim, out);
}

static int k_cpus(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    struct rawlist *l = dst;
    if (!scnp_is_seq(&v))
        return scnp_err(c, &v, "%s: expected a list of pCPU numbers such as [0, 1], found %s",
                        k->name, scnp_found(&v));
    return rawlist(c, k, v, l, get_cpu);
}

static int k_count(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    return scnp_k_int(c, k, v, dst);
}

/* A domain named later (ping's target), checked after the walk. */
static int k_ping_target(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    int rc = scnp_k_str(c, k, v, dst);
    if (rc)
        return rc;
    struct scn_ping *p = (struct scn_ping *)((char *)dst - k->off);
    return scnp_set_loc(c, &v, &p->target_loc);
}

static const struct keydef ping_keys[] = {
    { "target", k_ping_target, offsetof(struct scn_ping, target_name), NULL, K_REQ },
    { "interval", scnp_k_dist, offsetof(struct scn_ping, interval), &q_wl_dist, K_REQ },
    { "size", scnp_k_qty, offsetof(struct scn_ping, size), &q_pkt_size, 0 },
    { NULL, NULL, 0, NULL, 0 },
};

static const struct keydef echo_keys[] = {
    { "arrival", scnp_k_dist, offsetof(struct scn_echo, arrival), &q_wl_dist, K_REQ },
    { "size", scnp_k_qty, offsetof(struct scn_echo, size), &q_pkt_size, 0 },
    { NULL, NULL, 0, NULL, 0 },
};

static int k_ping(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    struct scn_ping *p = dst;
    p->set = true;
    scnp_set_loc(c, &v, &p->loc);
    return scnp_walk_map(c, v, k->aux, p);
}

static int k_echo(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    struct scn_echo *p = dst;
    p->set = true;
    scnp_set_loc(c, &v, &p->loc);
    return scnp_walk_map(c, v, k->aux, p);
}

static int k_vif(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    int rc = scnp_k_str(c, k, v, dst);
    if (rc)
        return rc;
    struct scn_domain *d =
        (struct scn_domain *)((char *)dst - offsetof(struct scn_domain, vif_name));
    return scnp_set_loc(c, &v, &d->vif_loc);
}

static const struct keydef domain_keys[] = {
    { "privileged", scnp_k_bool, DOM(privileged), NULL, 0 },
    { "vcpus", scnp_k_int, DOM(vcpus), &lim_vcpus, 0 },
    { "memory", scnp_k_qty, DOM(memory), &q_memory, 0 },
    { "cpus", k_cpus, offsetof(struct dom_tmp, cpus), NULL, 0 },
    { "cpus_soft", k_cpus, offsetof(struct dom_tmp, cpus_soft), NULL, 0 },
    { "count", k_count, offsetof(struct dom_tmp, count), &lim_count, 0 },
    { "sched", k_dom_sched, DOM(bvt), dom_sched_keys, 0 },
    { "workload", k_workload, DOM(wl), NULL, 0 },
    { "backend", scnp_k_map, DOM(backend_per_request), backend_keys, 0 },
    { "unpause", scnp_k_qty, DOM(unpause), &q_warmup, 0 },
    { "vif", k_vif, DOM(vif_name), NULL, 0 },
    { "ping", k_ping, DOM(ping), ping_keys, 0 },
    { "echo", k_echo, DOM(echo), echo_keys, 0 },
    { NULL, NULL, 0, NULL, 0 },
};

static void dom_defaults(struct scn_domain *d, bool privileged)
{
    d->vcpus = 1;
    d->memory = 256LL << 20;
    d->backend_per_request = US(20);
    d->index = -1;
    d->bvt.mcu_advance = 10;
    d->bvt.warp = 0;
    d->bvt.warpl = MS(2000);
    d->bvt.warpu = MS(1000);
    /* Atropos defaults of Xen 2.0: domain 0 gets a real reservation, the
     * others are best effort (a 10 ms slice every 10 s, with xtratime). */
    d->atropos.period = privileged ? MS(20) : SEC(10);
    d->atropos.slice = privileged ? MS(15) : MS(10);
    d->atropos.latency = privileged ? MS(5) : SEC(10);
    d->atropos.xtratime = true;
    d->credit.weight = 256;         /* Xen 3.4's CSCHED_DEFAULT_WEIGHT */
    d->credit.cap = 0;
    d->credit2.weight = 256;        /* Xen 4.17's CSCHED2_DEFAULT_WEIGHT */
    d->credit2.cap = 0;
    d->rtds.period = MS(10);        /* Xen 4.17's RTDS_DEFAULT_PERIOD */
    d->rtds.budget = MS(4);         /* RTDS_DEFAULT_BUDGET */
    d->rtds.extratime = true;       /* rt_alloc_udata sets the flag */
    /* SEDF: nothing given (libxl's defaults); Xen 4.5 makes every domain,
     * dom0 included, best-effort. */
    d->sedf.period = d->sedf.slice = d->sedf.latency = SCN_SEDF_UNSET;
    d->sedf.extratime = d->sedf.weight = SCN_SEDF_UNSET;
    if (d->wl) {
        d->nwl = 1;
        wl_defaults(&d->wl[0]);
    }
    d->vif = -1;
    d->ping.target = -1;
    d->ping.size = 64;
    d->echo.size = 64;
}

/* Whether the domain's mapping (with overrides) says privileged: true; the
 * Atropos defaults depend on it, so it is read before the rest. */
static bool peek_privileged(struct ctx *c, struct entries *es)
{
    struct entry *e = scnp_entries_find(es, "privileged");
    if (!e || !scnp_is_scalar(&e->val))
        return false;
    (void)c;
    size_t n;
    const char *s = scnp_sval(&e->val, &n);
    return n == 4 && !memcmp(s, "true", 4);
}

static int one_domain(struct ctx *c, struct entry *e, void *elem)
{
    struct dom_tmp *t = elem;
    int rc = check_name(c, e, "domain");
    t->count = -1;
    if (!scnp_is_map(&e->val) && !scnp_is_null(&e->val))
        return scnp_err(c, &e->val, "domain '%s': expected a mapping, found %s", e->key,
                        scnp_found(&e->val));
    size_t old = scnp_path_push(c, e->key);
    struct entries es;
    struct nref v = e->val;
    if (scnp_is_null(&v)) {
        int line, col;
        scnp_ref_loc(&v, &line, &col);
        v.node = NULL, v.line0 = line - 1, v.col0 = col - 1;
    }
    int r = scnp_collect(c, v, true, "key", &es);
    if (r < 0)
        rc = r;
    t->d.wl = malloc(sizeof *t->d.wl);
    dom_defaults(&t->d, peek_privileged(c, &es));
    t->d.name = strdup(e->key);
    t->d.group = strdup(e->key);
    if (!t->d.name || !t->d.group || !t->d.wl) {
        scnp_entries_free(&es);
        scnp_path_pop(c, old);
        return c->oom = true, -SIM_ENOMEM;
    }
    scnp_set_loc(c, &e->kref, &t->d.loc);
    r = scnp_walk_entries(c, &v, &es, domain_keys, t);
    if (r < 0)
        rc = r;
    scnp_entries_free(&es);
    scnp_path_pop(c, old);
    return rc;
}

static int k_domains(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    (void)dst;
    if (!scnp_is_map(&v) || scnp_is_null(&v))
        return scnp_err(c, &v, "%s: expected a mapping of domain names, found %s", k->name,
                        scnp_found(&v));
    struct walk *w = c->w;
    int rc;
    w->doms = named_map(c, v, "domain", sizeof *w->doms, one_domain, &w->ndoms, &rc);
    return rc;
}

/* ------------------------------------------------------------------------
 * Top level
 */

static int k_sweep_seen(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    /* Parsed before the walk (scnp_read_sweep); nothing to do here. */
    (void)c, (void)k, (void)v, (void)dst;
    return 0;
}

/* record: a list of rules { modules, what, per }. */
const char *const scnp_rec_per_names[] = { "domain", "group", "both", NULL };
static const char *const rec_what_names[] = { "scalars", "statistics", "histograms", NULL };

static int k_rec_what(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    unsigned *what = dst;
    if (!scnp_is_seq(&v))
        return scnp_err(c, &v, "%s: expected a list such as [scalars, statistics, histograms], "
                        "found %s", k->name, scnp_found(&v));
    const struct keydef one = { k->name, scnp_k_enum, 0, rec_what_names, 0 };
    *what = 0;
    int rc = 0;
    for (yaml_node_item_t *it = v.node->data.sequence.items.start;
         it < v.node->data.sequence.items.top; it++) {
        struct nref e = scnp_child(&v, *it);
        int i = 0;
        if (!e.node)
            return scnp_err(c, &v, "unresolved alias in list");
        int r = scnp_k_enum(c, &one, e, &i);
        if (r < 0)
            rc = r;
        else
            *what |= 1u << i;
    }
    return rc;
}

static const struct keydef record_rule_keys[] = {
    { "modules", scnp_k_str, offsetof(struct scn_record_rule, modules), NULL, K_REQ },
    { "what", k_rec_what, offsetof(struct scn_record_rule, what), NULL, 0 },
    { "per", scnp_k_enum, offsetof(struct scn_record_rule, per), scnp_rec_per_names, 0 },
    { NULL, NULL, 0, NULL, 0 },
};

static int k_record(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    struct scn *s = dst;
    if (!scnp_is_seq(&v))
        return scnp_err(c, &v, "%s: expected a list of rules such as "
                        "[{ modules: 'hog*', what: [scalars], per: group }], found %s",
                        k->name, scnp_found(&v));
    yaml_node_item_t *it = v.node->data.sequence.items.start;
    int n = (int)(v.node->data.sequence.items.top - it);
    s->record_given = true;
    if (n == 0)
        return 0;
    s->record = calloc((size_t)n, sizeof *s->record);
    if (!s->record)
        return c->oom = true, -SIM_ENOMEM;
    int rc = 0;
    for (int i = 0; i < n; i++) {
        struct nref e = scnp_child(&v, it[i]);
        struct scn_record_rule *r = &s->record[s->nrecord++];
        r->what = SCN_REC_ALL;
        r->per = SCN_REC_PER_DOMAIN;
        if (!e.node)
            return scnp_err(c, &v, "unresolved alias in list");
        scnp_set_loc(c, &e, &r->loc);
        if (!scnp_is_map(&e) || scnp_is_null(&e)) {
            rc = scnp_err(c, &e, "%s: each rule is a mapping with keys modules, what, per; "
                          "found %s", k->name, scnp_found(&e));
            continue;
        }
        int x = scnp_walk_map(c, e, record_rule_keys, r);
        if (x < 0) {
            rc = x;
            continue;
        }
        if (!r->modules[0])
            rc = scnp_err(c, &e, "%s: modules: the pattern is empty", k->name);
        else if ((r->what & SCN_REC_HISTOGRAMS) && !(r->what & SCN_REC_STATISTICS))
            rc = scnp_err(c, &e, "%s: what: histograms are written with their statistics: "
                          "add 'statistics'", k->name);
    }
    return rc;
}

const struct keydef scnp_top_keys[] = {
    { "name", scnp_k_str, offsetof(struct scn, name), NULL, K_REQ },
    { "description", scnp_k_str, offsetof(struct scn, description), NULL, 0 },
    { "seed", scnp_k_seed, offsetof(struct scn, seed), NULL, 0 },
    { "duration", scnp_k_qty, offsetof(struct scn, duration), &q_duration, K_REQ },
    { "warmup", scnp_k_qty, offsetof(struct scn, warmup), &q_warmup, 0 },
    { "replications", scnp_k_int, offsetof(struct scn, replications), &lim_replications, 0 },
    { "machine", scnp_k_map, offsetof(struct scn, machine), machine_keys, 0 },
    { "scheduler", scnp_k_map, offsetof(struct scn, sched), sched_keys, 0 },
    { "devices", k_devices, 0, NULL, 0 },
    { "domains", k_domains, 0, NULL, K_REQ },
    { "sweep", k_sweep_seen, 0, NULL, 0 },
    { "record", k_record, 0, NULL, 0 },
    { NULL, NULL, 0, NULL, 0 },
};

/* ------------------------------------------------------------------------
 * The key paths, for the shell completion of --set
 */

#define PATH_MAX_LEN 256

static bool nested_keys(const struct keydef *k)
{
    return k->fn == scnp_k_map || k->fn == k_topology || k->fn == k_dom_sched || k->fn == k_bvt_dom ||
           k->fn == k_atropos_dom || k->fn == k_credit_dom || k->fn == k_credit2_dom ||
           k->fn == k_credit2_global || k->fn == k_rtds_dom || k->fn == k_sedf_dom || k->fn == k_ping ||
           k->fn == k_echo;
}

static void paths_of(const struct keydef *tab, char *path, size_t len, scn_path_fn *emit,
                     void *ctx)
{
    for (const struct keydef *k = tab; k->name; k++) {
        if (k->fn == k_sweep_seen)
            continue;               /* a mapping of paths, not a setting */
        int n = snprintf(path + len, PATH_MAX_LEN - len, "%s%s", len ? "." : "", k->name);
        if (n < 0 || (size_t)n >= PATH_MAX_LEN - len)
            continue;
        size_t l = len + (size_t)n;
        if (nested_keys(k) && k->aux) {
            paths_of(k->aux, path, l, emit, ctx);
        } else if (k->fn == k_devices || k->fn == k_domains) {
            snprintf(path + l, PATH_MAX_LEN - l, ".*");
            if (k->fn == k_domains) {
                paths_of(domain_keys, path, l + 2, emit, ctx);
            } else {
                paths_of(disk_keys, path, l + 2, emit, ctx);
                paths_of(nic_keys, path, l + 2, emit, ctx);
            }
        } else if (k->fn == k_workload) {
            for (size_t t = 0; t < sizeof wl_tables / sizeof wl_tables[0]; t++)
                if (wl_tables[t])
                    paths_of(wl_tables[t], path, l, emit, ctx);
        } else {
            emit(ctx, path);
        }
    }
    path[len] = '\0';
}

bool scn_device_takes(enum scn_dev_kind kind, const char *key)
{
    for (const struct keydef *k = kind == SCN_DEV_DISK ? disk_keys : nic_keys; k->name; k++)
        if (!strcmp(k->name, key))
            return true;
    return false;
}

void scn_key_paths(scn_path_fn *emit, void *ctx)
{
    char path[PATH_MAX_LEN] = "";
    paths_of(scnp_top_keys, path, 0, emit, ctx);
}
