/*
 * sim/scenario/load.c: the scenario loader's entry points. A load parses
 * the file once (struct scn_prep), builds the base scenario and hashes its
 * canonical form, checks every sweep value and (if few enough) every point,
 * and builds any sweep point on request; freeing a scenario is here too.
 */
#include "sim/scenario/scn_private.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/err.h"
#include "sim/hash.h"

#define SCN_MAX_SWEEP_CHECK 4096   /* sweep points validated one by one */

/* ------------------------------------------------------------------------
 * Loading
 */

static void domain_free(struct scn_domain *d)
{
    free(d->name);
    free(d->group);
    free(d->cpus);
    free(d->cpus_soft);
    for (int k = 0; d->wl && k < d->nwl; k++) {
        free(d->wl[k].device_name);
        free(d->wl[k].nic_name);
        free(d->wl[k].file);
    }
    free(d->wl);
    free(d->vif_name);
    free(d->ping.target_name);
}

static void free_sweep(struct scn_sweep_axis *sw, int n)
{
    for (int i = 0; i < n; i++) {
        free(sw[i].path);
        for (int j = 0; j < sw[i].nvalues; j++)
            free(sw[i].values[j]);
        free(sw[i].values);
    }
    free(sw);
}

void scn_free(struct scn *s)
{
    if (!s)
        return;
    free(s->file);
    free(s->name);
    free(s->description);
    free(s->machine.clock.tsc_ppb);
    free(s->machine.clock.tsc_offset);
    for (int i = 0; i < s->ndevices; i++) {
        free(s->devices[i].name);
        free(s->devices[i].driver_name);
    }
    free(s->devices);
    for (int i = 0; i < s->ndomains; i++)
        domain_free(&s->domains[i]);
    free(s->domains);
    for (int i = 0; i < s->nrecord; i++)
        free(s->record[i].modules);
    free(s->record);
    free_sweep(s->sweep, s->nsweep);
    for (int i = 0; i < s->nfiles; i++)
        free(s->files[i].path);
    free(s->files);
    free(s);
}

static void walk_free(struct walk *w)
{
    free(w->mtmp.ppb.v);
    free(w->mtmp.offset.v);
    for (int i = 0; i < w->ndoms; i++) {
        domain_free(&w->doms[i].d);
        free(w->doms[i].cpus.v);
        free(w->doms[i].cpus_soft.v);
    }
    free(w->doms);
}

static void scn_defaults(struct scn *s)
{
    s->seed = 1;
    s->replications = 1;
    s->machine.pcpus = 1;
    s->machine.clock.tsc_hz = 2400000000LL;
    s->machine.clock.timer_slop = US(50);
    s->machine.clock.apic_timer_hz = 100000000LL;
    s->machine.clock.system_time = CLK_TIME_XEN3;
    s->machine.costs.context_switch = (struct quantity){ US(3), false };
    s->machine.costs.hypercall = (struct quantity){ 300, true };
    s->machine.costs.upcall = (struct quantity){ US(1), false };
    s->machine.costs.pte_validate = (struct quantity){ 150, true };
    s->machine.costs.cache_refill = (struct quantity){ 0, false };
    s->machine.costs.migration = (struct quantity){ 0, false };
    s->machine.costs.kernel_packet = (struct quantity){ US(5), false };
    snprintf(s->sched.name, sizeof s->sched.name, "bvt");
    s->sched.rr.slice = MS(10);
    s->sched.bvt.ctx_allow = MS(5);
    s->sched.bvt.slice_units_quirk = true;
    s->sched.bvt.u32_runtime_quirk = true;
    s->sched.bvt.u32_warp_quirk = true;
    s->sched.bvt.warp_per_dispatch_quirk = true;
    s->sched.bvt.stale_warp_evt_quirk = true;
    s->sched.bvt.wrap_blocked_quirk = true;
    s->sched.atropos.uncharged_block_quirk = true;
    s->sched.atropos.sticky_wait_quirk = true;
    s->sched.atropos.global_slack_index_quirk = true;
    s->sched.atropos.slack_search_wrap_quirk = true;
    s->sched.credit.version = SCN_CREDIT_3_4;
    s->sched.credit.reset_credit_quirk = true;
    s->sched.credit.tickle_all_idlers_quirk = true;
    s->sched.credit.tslice = MS(30);
    s->sched.credit.ratelimit = US(1000);
    s->sched.credit.migration_delay = 0;
    s->sched.credit.tickle_one_idle = true;
    s->sched.credit.kick_away_quirk = true;
    s->sched.credit.first_wake_quirk = true;
    s->sched.arinc653.late_frame_quirk = true;
    /* Xen 4.17.5's defaults (credit2.c, core.c's sched_ratelimit_us). */
    s->sched.credit2.runqueue = SCN_C2_RQ_SOCKET;
    s->sched.credit2.ratelimit = US(1000);
    s->sched.credit2.migrate_resist = US(500);
    s->sched.credit2.cap_period = MS(10);
    s->sched.credit2.balance_under = 0;
    s->sched.credit2.balance_over = -3;
    s->sched.credit2.load_window_shift = 30;
    s->sched.credit2.load_precision_shift = 18;
    s->sched.credit2.max_cpus_runqueue = 16;
    s->sched.credit2.balance_last_rq_quirk = true;
    s->sched.credit2.pick_next_quirk = true;
    s->sched.credit2.soft_pick_bias_quirk = true;
    s->sched.rtds.stale_first_period_quirk = true;
    s->sched.rtds.replq_priority_quirk = true;
    s->sched.sedf.pen_once_quirk = true;
    s->sched.sedf.first_deadline_quirk = true;
    s->sweep_points = 1;
}

static void fix_loc(struct scn_loc *l, const char *file)
{
    if (!l->file)
        l->file = file;
}

/* One walk of the document with the current overrides, into a new scn. */
static struct scn *build(struct ctx *c, struct nref root, const char *file)
{
    struct scn *s = calloc(1, sizeof *s);
    if (!s || !(s->file = strdup(file))) {
        free(s);
        c->oom = true;
        return NULL;
    }
    scn_defaults(s);
    struct walk w = { .s = s };
    c->w = &w;
    c->path[0] = '\0';
    for (int i = 0; i < c->novr; i++)
        c->ovr[i].used = false;
    size_t before = c->diags->n;
    if (!root.node || scnp_is_null(&root)) {
        scnp_err_at(c, root.src, 1, 1, "the scenario is empty: expected a mapping with at least "
                    "'name', 'duration' and 'domains'");
    } else if (root.node->type != YAML_MAPPING_NODE) {
        scnp_err(c, &root, "the scenario must be a mapping of keys such as 'name' and 'duration', "
                 "found %s", scnp_found(&root));
    } else {
        scnp_walk_map(c, root, scnp_top_keys, s);
        for (int i = 0; c->diags->n == before && i < c->novr; i++) {
            struct override *o = &c->ovr[i];
            if (!o->used)
                scnp_err(c, &o->key, "'%s' does not name a setting of this scenario", o->path);
        }
        if (c->diags->n == before && !c->oom)
            scnp_finish(c, &w);
    }
    if (!s->description && !c->oom)
        s->description = strdup("");
    walk_free(&w);
    c->w = NULL;
    if (c->diags->n != before || c->oom || !s->description) {
        scn_free(s);
        return NULL;
    }
    fix_loc(&s->sched.loc, s->file);
    fix_loc(&s->machine.topology.loc, s->file);
    for (int i = 0; i < s->ndevices; i++) {
        fix_loc(&s->devices[i].loc, s->file);
        fix_loc(&s->devices[i].driver_loc, s->file);
        fix_loc(&s->devices[i].served_loc, s->file);
    }
    for (int i = 0; i < s->sched.arinc653.nframes; i++)
        fix_loc(&s->sched.arinc653.frames[i].loc, s->file);
    for (int i = 0; i < s->ndomains; i++) {
        struct scn_domain *d = &s->domains[i];
        fix_loc(&d->loc, s->file);
        fix_loc(&d->bvt.loc, s->file);
        fix_loc(&d->atropos.loc, s->file);
        fix_loc(&d->credit.loc, s->file);
        fix_loc(&d->credit2.loc, s->file);
        fix_loc(&d->rtds.loc, s->file);
        fix_loc(&d->sedf.loc, s->file);
        fix_loc(&d->wl_loc, s->file);
        for (int k = 0; k < d->nwl; k++) {
            fix_loc(&d->wl[k].loc, s->file);
            fix_loc(&d->wl[k].ref_loc, s->file);
            fix_loc(&d->wl[k].file_loc, s->file);
            fix_loc(&d->wl[k].nic_loc, s->file);
        }
        fix_loc(&d->vif_loc, s->file);
        fix_loc(&d->ping.loc, s->file);
        fix_loc(&d->ping.target_loc, s->file);
        fix_loc(&d->echo.loc, s->file);
    }
    for (int i = 0; i < s->nrecord; i++)
        fix_loc(&s->record[i].loc, s->file);
    return s;
}

static void ctx_free(struct ctx *c)
{
    for (int i = 0; i < c->ndocs; i++) {
        yaml_document_delete(c->docs[i]);
        free(c->docs[i]);
    }
    for (int i = 0; i < c->novr; i++)
        free(c->ovr[i].path);
    free(c->ovr);
    for (int i = 0; i < c->nseen; i++)
        free(c->seen[i].path);
    free(c->seen);
    while (c->srcs) {
        struct src *n = c->srcs->next;
        free(c->srcs->name);
        free(c->srcs->text);
        free(c->srcs);
        c->srcs = n;
    }
}

static bool is_file_key(const char *k, size_t n)
{
    for (size_t i = 0; scnp_file_keys[i]; i++)
        if (strlen(scnp_file_keys[i]) == n && !memcmp(scnp_file_keys[i], k, n))
            return true;
    return false;
}

/* The files node v of a sweep value names: v itself if it is the value of a
 * file key (is_file), else those of the file keys within it. */
static int sweep_value_files(struct ctx *c, struct scn *base, struct nref v, bool is_file)
{
    if (!v.node)
        return 0;
    if (is_file && scnp_is_scalar(&v)) {
        size_t n;
        const char *t = scnp_sval(&v, &n);
        char *w = strndup(t, n), *p = w ? scnp_resolve_path(base->file, w) : NULL;
        free(w);
        if (!p)
            return c->oom = true, -SIM_ENOMEM;
        struct scn_file f;
        int rc = scnp_digest_file(c, p, &f);
        free(p);
        /* Unreadable: the point that reads it reports that. */
        if (rc < 0)
            return rc == -SIM_ENOMEM ? rc : 0;
        return scnp_add_file(c, base, &f);
    }
    if (v.node->type != YAML_MAPPING_NODE)
        return 0;
    for (yaml_node_pair_t *p = v.node->data.mapping.pairs.start;
         p < v.node->data.mapping.pairs.top; p++) {
        struct nref k = scnp_child(&v, p->key);
        size_t n = 0;
        const char *ks = scnp_is_scalar(&k) ? scnp_sval(&k, &n) : NULL;
        int rc = sweep_value_files(c, base, scnp_child(&v, p->value), ks && is_file_key(ks, n));
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* Every file a sweep point may read that the base does not: those its axes'
 * values name, so that the campaign's hash (the base's, shared by every
 * point) covers them; the same for the base load and every point load. */
static int sweep_files(struct ctx *c, struct nref root, struct scn *base,
                       const struct axis_tmp *axes)
{
    for (int a = 0; a < base->nsweep; a++) {
        const char *path = base->sweep[a].path, *last = strrchr(path, '.');
        last = last ? last + 1 : path;
        for (int i = 0; i < axes[a].n; i++) {
            int rc = sweep_value_files(c, base, scnp_child(&root, axes[a].items[i]),
                                       is_file_key(last, strlen(last)));
            if (rc < 0)
                return rc;
        }
    }
    return 0;
}

/* Validate every sweep value on its own, then (if the campaign is small
 * enough) every point, so that `xensim check` finds a bad combination
 * before a long campaign does. */
static void check_sweep(struct ctx *c, struct nref root, const char *file,
                        const struct scn *base, struct axis_tmp *axes)
{
    for (int a = 0; a < base->nsweep; a++) {
        for (int i = 0; i < axes[a].n; i++) {
            struct nref v = scnp_child(&root, axes[a].items[i]);
            if (scnp_add_override(c, base->sweep[a].path, axes[a].key, v, true) < 0)
                return;
            scn_free(build(c, root, file));
            scnp_drop_front(c, 1);
            if (c->diags->n >= SCN_MAX_DIAGS)
                return;
        }
    }
    if (base->nsweep < 2 || base->sweep_points > SCN_MAX_SWEEP_CHECK || c->diags->n)
        return;
    int idx[64];
    if (base->nsweep > 64)
        return;
    for (uint64_t pt = 0; pt < base->sweep_points; pt++) {
        uint64_t rest = pt;
        for (int a = base->nsweep - 1; a >= 0; a--) {
            idx[a] = (int)(rest % (uint64_t)axes[a].n);
            rest /= (uint64_t)axes[a].n;
        }
        if (scnp_push_point(c, root, base, axes, idx) < 0)
            return;
        scn_free(build(c, root, file));
        scnp_drop_front(c, base->nsweep);
        if (c->diags->n)
            return;
    }
}

/* A scenario parsed once, from which sweep points are built. */
struct scn_prep {
    struct ctx c;                   /* the parse tree, sources and --set overrides */
    struct nref root;
    struct scn *base;               /* the scenario without a point, with its hash */
    struct axis_tmp *axes;          /* the sweep's value nodes, one per base->sweep */
};

static unsigned long scn_parses;    /* scenario documents parsed by this process */

unsigned long scn_parse_count(void)
{
    return __atomic_load_n(&scn_parses, __ATOMIC_RELAXED);
}

void scn_prep_free(struct scn_prep *p)
{
    if (!p)
        return;
    free(p->axes);
    scn_free(p->base);
    ctx_free(&p->c);
    scn_diags_free(p->c.diags);
    free(p);
}

/* The diagnostics of a failed step, handed to the caller; a fresh set stays. */
static struct scn_diags *take_diags(struct ctx *c)
{
    if (c->oom && c->diags->n == 0)
        scnp_err_at(c, c->srcs, 0, 0, "out of memory while loading the scenario");
    struct scn_diags *d = c->diags;
    c->diags = calloc(1, sizeof *c->diags);
    c->oom = false;
    return d;
}

/* Parse, apply the --set options, build the base and hash it; `check`: also
 * validate the sweep's values (check_sweep). */
static struct scn_prep *prep_new(const char *name, const char *text, size_t len,
                                 const struct scn_load_opts *opts, bool check,
                                 struct scn_diags **diags)
{
    *diags = NULL;
    struct scn_prep *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    struct ctx *c = &p->c;
    if (!(c->diags = calloc(1, sizeof *c->diags))) {
        free(p);
        return NULL;
    }
    struct src *src = scnp_src_new(c, name, text, len);
    if (!src) {
        c->oom = true;
        goto fail;
    }
    if (scnp_check_tabs(c, src) < 0)
        goto fail;
    __atomic_fetch_add(&scn_parses, 1, __ATOMIC_RELAXED);
    yaml_document_t *doc = scnp_parse_doc(c, src, 0, 0, true);
    if (!doc)
        goto fail;
    p->root = (struct nref){ .doc = doc, .node = yaml_document_get_root_node(doc), .src = src };

    /* The sweep block is read first; its own errors stop the load. */
    struct scn sweep_holder = { 0 };
    if (scnp_read_sweep(c, p->root, &sweep_holder, &p->axes) < 0 || c->oom) {
        free_sweep(sweep_holder.sweep, sweep_holder.nsweep);
        goto fail;
    }
    for (size_t i = 0; opts && i < opts->nsets; i++)
        scnp_parse_set(c, opts->sets[i]);
    if (!c->diags->n && !c->oom)
        p->base = build(c, p->root, name);
    if (!p->base) {
        free_sweep(sweep_holder.sweep, sweep_holder.nsweep);
        goto fail;
    }
    p->base->sweep = sweep_holder.sweep;
    p->base->nsweep = sweep_holder.nsweep;
    p->base->sweep_points = sweep_holder.sweep_points ? sweep_holder.sweep_points : 1;
    for (int i = 0; i < p->base->nsweep; i++)
        fix_loc(&p->base->sweep[i].loc, p->base->file);
    if (sweep_files(c, p->root, p->base, p->axes) < 0)
        goto fail;
    char *canon = scn_canonical(p->base);
    if (!canon) {
        c->oom = true;
        goto fail;
    }
    snprintf(p->base->hash, sizeof p->base->hash, "%016" PRIx64, hash_fnv1a64(canon));
    free(canon);
    if (check)
        check_sweep(c, p->root, name, p->base, p->axes);
    if (c->diags->n || c->oom)
        goto fail;
    return p;
fail:
    *diags = take_diags(c);
    scn_prep_free(p);
    return NULL;
}

struct scn_prep *scn_prep_buffer(const char *name, const char *text, size_t len,
                                 const struct scn_load_opts *opts, struct scn_diags **diags)
{
    return prep_new(name, text, len, opts, true, diags);
}

const struct scn *scn_prep_base(const struct scn_prep *p)
{
    return p->base;
}

/* A deep copy of the sweep axes, for a point that keeps them. */
static unsigned long scn_sweep_copies;   /* copy_sweep calls in this process */

unsigned long scn_sweep_copy_count(void)
{
    return __atomic_load_n(&scn_sweep_copies, __ATOMIC_RELAXED);
}

static struct scn_sweep_axis *copy_sweep(const struct scn_sweep_axis *sw, int n)
{
    __atomic_fetch_add(&scn_sweep_copies, 1, __ATOMIC_RELAXED);
    struct scn_sweep_axis *v = calloc((size_t)n + 1, sizeof *v);
    for (int i = 0; v && i < n; i++) {
        v[i] = (struct scn_sweep_axis){ .path = strdup(sw[i].path), .loc = sw[i].loc,
                                        .values = calloc((size_t)sw[i].nvalues + 1,
                                                         sizeof *v[i].values) };
        if (!v[i].path || !v[i].values) {
            free_sweep(v, i + 1);
            return NULL;
        }
        for (int j = 0; j < sw[i].nvalues; j++, v[i].nvalues++)
            if (!(v[i].values[j] = strdup(sw[i].values[j]))) {
                free_sweep(v, i + 1);
                return NULL;
            }
    }
    return v;
}

/* Point idx built from the parse tree; `keep`: with a copy of the sweep
 * (the run records it), else only validated and NULL returned. */
/* What prep_build returns: nothing (validation only), the point without
 * the sweep, or the point with its copy of the sweep. */
enum prep_keep { PREP_DISCARD, PREP_SETTINGS, PREP_FULL };

static struct scn *prep_build(struct scn_prep *p, const int *idx, enum prep_keep keep,
                              struct scn_diags **diags)
{
    *diags = NULL;
    struct ctx *c = &p->c;
    if (!c->diags)
        return NULL;
    const struct scn *base = p->base;
    /* The axes' values go in front of the --set options. */
    for (int a = 0; a < base->nsweep; a++)
        if (idx[a] < 0 || idx[a] >= p->axes[a].n) {
            scnp_err(c, &p->axes[a].key, "sweep: value index %d out of range for %s", idx[a],
                     base->sweep[a].path);
            *diags = take_diags(c);
            return NULL;
        }
    struct scn *s = NULL;
    int before = c->novr;
    if (scnp_push_point(c, p->root, base, p->axes, idx) == 0)
        s = build(c, p->root, base->file);
    scnp_drop_front(c, c->novr - before);
    if (s && keep == PREP_DISCARD) {
        scn_free(s);
        s = NULL;
    } else if (s) {
        memcpy(s->hash, base->hash, sizeof s->hash);
        s->sweep_points = base->sweep_points;
        if (keep == PREP_FULL && base->nsweep) {
            if ((s->sweep = copy_sweep(base->sweep, base->nsweep)))
                s->nsweep = base->nsweep;
            else
                c->oom = true;
        }
    }
    if (c->diags->n || c->oom) {
        scn_free(s);
        *diags = take_diags(c);
        return NULL;
    }
    return s;
}

struct scn *scn_prep_point(struct scn_prep *p, const int *idx, struct scn_diags **diags)
{
    return prep_build(p, idx, PREP_FULL, diags);
}

struct scn *scn_prep_settings(struct scn_prep *p, const int *idx, struct scn_diags **diags)
{
    return prep_build(p, idx, PREP_SETTINGS, diags);
}

int scn_prep_check(struct scn_prep *p, const int *idx, struct scn_diags **diags)
{
    if (!p->c.diags)
        return -SIM_ENOMEM;
    prep_build(p, idx, PREP_DISCARD, diags);
    return !*diags ? 0 : scn_diags_count(*diags) ? -SIM_EBADINPUT : -SIM_ENOMEM;
}

struct scn *scn_load_buffer(const char *name, const char *text, size_t len,
                            const struct scn_load_opts *opts, struct scn_diags **diags)
{
    bool point = opts && opts->sweep_index;
    struct scn_prep *p = prep_new(name, text, len, opts, !point, diags);
    if (!p)
        return NULL;
    struct scn *s;
    if (point) {
        s = scn_prep_point(p, opts->sweep_index, diags);
    } else {
        s = p->base;
        p->base = NULL;
    }
    scn_prep_free(p);
    return s;
}

struct scn *scn_load(const char *path, const struct scn_load_opts *opts,
                     struct scn_diags **diags)
{
    *diags = NULL;
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t len = 0, cap = 0;
    if (f) {
        for (;;) {
            if (len == cap) {
                cap = cap ? cap * 2 : 8192;
                if (cap > (64u << 20)) {
                    fclose(f);
                    free(buf);
                    struct ctx c = { 0 };
                    c.diags = calloc(1, sizeof *c.diags);
                    if (!c.diags)
                        return NULL;
                    scnp_diags_push(&c, path, 1, 1, NULL, 0,
                                    "the scenario file is larger than 64 MiB");
                    *diags = c.diags;
                    return NULL;
                }
                char *nb = realloc(buf, cap);
                if (!nb) {
                    free(buf);
                    fclose(f);
                    return NULL;
                }
                buf = nb;
            }
            errno = 0;
            size_t got = fread(buf + len, 1, cap - len, f);
            len += got;
            if (got == 0)
                break;
        }
        bool bad = ferror(f);
        int read_errno = errno ? errno : EIO;
        fclose(f);
        if (!bad) {
            struct scn *s = scn_load_buffer(path, buf ? buf : "", len, opts, diags);
            free(buf);
            return s;
        }
        errno = read_errno;
    }
    int e = errno;
    free(buf);
    struct ctx c = { 0 };
    c.diags = calloc(1, sizeof *c.diags);
    if (!c.diags)
        return NULL;
    char msg[512];
    snprintf(msg, sizeof msg, "cannot read the scenario: %s", strerror(e));
    scnp_diags_push(&c, path, 0, 0, NULL, 0, msg);
    *diags = c.diags;
    return NULL;
}
