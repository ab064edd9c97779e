/*
 * sim/scenario/resolve.c: what the scenario loader does after the walk:
 * per-pCPU lists expanded, counted domains named, names of devices, driver
 * domains and ping targets resolved, event-channel ports and result module
 * names checked; and every file a scenario reads resolved and digested.
 */
#include "sim/scenario/scn_private.h"

#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/err.h"
#include "sim/hash.h"

/* ------------------------------------------------------------------------
 * After the walk: cross-references and expansion
 */

/* A domain's list of pCPUs (`cpus`, `cpus_soft`): each one exists, none
 * twice. 0 or the error of the last bad entry. */
static int check_cpu_list(struct ctx *c, const struct rawlist *l, const char *key, int pcpus)
{
    int rc = 0;
    for (int j = 0; j < l->n; j++) {
        if (l->v[j] >= pcpus) {
            struct nref e = l->ref;
            if (scnp_is_seq(&e))
                e = scnp_child(&l->ref, l->ref.node->data.sequence.items.start[j]);
            rc = scnp_err(c, &e, "%s: pCPU %" PRId64 " does not exist (the machine has %d "
                          "pCPU%s, numbered from 0)", key, l->v[j], pcpus, pcpus == 1 ? "" : "s");
        }
        for (int k = 0; k < j; k++)
            if (l->v[k] == l->v[j])
                rc = scnp_err(c, &l->ref, "%s: pCPU %" PRId64 " is listed twice", key, l->v[j]);
    }
    return rc;
}

/* The list as ints, malloc'ed; NULL for an empty one or out of memory. */
static int *copy_cpu_list(const struct rawlist *l, int *n)
{
    *n = 0;
    if (!l->n)
        return NULL;
    int *v = malloc((size_t)l->n * sizeof *v);
    if (!v)
        return NULL;
    for (int k = 0; k < l->n; k++)
        v[k] = (int)l->v[k];
    *n = l->n;
    return v;
}

static int expand_list(struct ctx *c, struct rawlist *l, int pcpus, int64_t dflt,
                       const char *key, int64_t **out)
{
    int64_t *v = calloc((size_t)pcpus, sizeof *v);
    if (!v)
        return c->oom = true, -SIM_ENOMEM;
    *out = v;
    if (!l->given) {
        for (int i = 0; i < pcpus; i++)
            v[i] = dflt;
        return 0;
    }
    if (l->n != 1 && l->n != pcpus)
        return scnp_err(c, &l->ref, "%s: has %d entries but the machine has %d pCPU%s (give one "
                        "value for all, or one per pCPU)", key, l->n, pcpus, pcpus == 1 ? "" : "s");
    for (int i = 0; i < pcpus; i++)
        v[i] = l->v[l->n == 1 ? 0 : i];
    return 0;
}

static const char *dirname_of(const char *path, char *buf, size_t n)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return NULL;
    snprintf(buf, n, "%.*s", (int)(slash - path), path);
    return buf;
}

static int loc_err(struct ctx *c, const struct scn_loc *loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int loc_err(struct ctx *c, const struct scn_loc *loc, const char *fmt, ...)
{
    /* A location recorded during the walk: find its source again. */
    struct src *src = c->srcs;
    if (loc->file && !strcmp(loc->file, "--set")) {
        for (struct src *s = c->srcs; s; s = s->next)
            if (!strcmp(s->name, "--set"))
                src = s;
    }
    va_list ap;
    va_start(ap, fmt);
    scnp_verr_at(c, src, loc->line, loc->col, fmt, ap);
    va_end(ap);
    return -SIM_EBADINPUT;
}

/* ------------------------------------------------------------------------
 * Files the scenario reads
 *
 * Every file a scenario refers to goes through ref_file (a sweep's values
 * through sweep_files), which resolves it, reads it whole once per load to
 * digest it (sim/hash.h), and lists it in scn.files; the canonical form
 * records each file's length and digest, so the scenario's hash, and with
 * it every run name, changes when a file's contents do.
 */

/* Keys whose value is a path the scenario reads. */
const char *const scnp_file_keys[] = { "file", NULL };

/* path resolved against the directory of the scenario file scn_file, as
 * written if absolute or if the scenario has no directory; malloc'ed. */
char *scnp_resolve_path(const char *scn_file, const char *path)
{
    char dir[4096];
    if (path[0] == '/' || !dirname_of(scn_file, dir, sizeof dir))
        return strdup(path);
    size_t need = strlen(dir) + strlen(path) + 2;
    char *p = malloc(need);
    if (p)
        snprintf(p, need, "%s/%s", dir, path);
    return p;
}

/* The length and digest of the file at path (out->path borrowed from the
 * load's list): read on its first use in this load only. 0, or a negative
 * sim_err with errno saying why it could not be read. */
int scnp_digest_file(struct ctx *c, const char *path, struct scn_file *out)
{
    for (int i = 0; i < c->nseen; i++)
        if (!strcmp(c->seen[i].path, path)) {
            *out = c->seen[i];
            return 0;
        }
    struct scn_file f = { 0 };
    int rc = hash_file_fnv1a64(path, &f.digest, &f.bytes);
    if (rc == -SIM_ENOMEM)
        c->oom = true;
    if (rc < 0)
        return rc;
    struct scn_file *v = realloc(c->seen, (size_t)(c->nseen + 1) * sizeof *v);
    if (v)
        c->seen = v;
    if (!v || !(f.path = strdup(path)))
        return c->oom = true, -SIM_ENOMEM;
    c->seen[c->nseen++] = f;
    *out = f;
    return 0;
}

/* List f in s->files (a copy), unless it is there already. */
int scnp_add_file(struct ctx *c, struct scn *s, const struct scn_file *f)
{
    for (int i = 0; i < s->nfiles; i++)
        if (!strcmp(s->files[i].path, f->path))
            return 0;
    struct scn_file *v = realloc(s->files, (size_t)(s->nfiles + 1) * sizeof *v);
    if (v)
        s->files = v;
    if (!v || !(v[s->nfiles].path = strdup(f->path)))
        return c->oom = true, -SIM_ENOMEM;
    v[s->nfiles].bytes = f->bytes;
    v[s->nfiles].digest = f->digest;
    s->nfiles++;
    return 0;
}

/* The one way a scenario refers to a file: *path, as written under key
 * (at loc), is resolved against the scenario's directory (and replaced by
 * the result), read and digested, and listed in s->files; what names the
 * file's kind in messages ("trace"). */
static int ref_file(struct ctx *c, struct scn *s, const char *key, const char *what,
                    const struct scn_loc *loc, char **path)
{
    char written[256];
    bool relative = (*path)[0] != '/';
    snprintf(written, sizeof written, "%s", *path);
    char *p = scnp_resolve_path(s->file, *path);
    if (!p)
        return c->oom = true, -SIM_ENOMEM;
    free(*path);
    *path = p;
    struct scn_file f;
    int rc = scnp_digest_file(c, p, &f);
    if (rc == -SIM_ENOMEM)
        return rc;
    if (rc < 0)
        return loc_err(c, loc, "%s: cannot open %s '%s'%s: %s", key, what, written,
                       relative ? " (relative to the scenario's directory)" : "",
                       strerror(errno));
    return scnp_add_file(c, s, &f);
}

/* The device an io, server or trace workload names under key (name, at
 * loc): it must exist and be of kind want; its index goes to *out. */
static int resolve_device(struct ctx *c, struct scn *s, const struct scn_workload *wl,
                          const char *key, const char *name, const struct scn_loc *loc,
                          enum scn_dev_kind want, int *out, bool *uses_dev)
{
    for (int i = 0; i < s->ndevices; i++) {
        if (strcmp(s->devices[i].name, name) != 0)
            continue;
        if (s->devices[i].kind != want && wl->type == SCN_WL_TRACE)
            return loc_err(c, loc, "%s: '%s' is a %s; a trace workload replays its %s records "
                           "on a %s", key, name, scnp_kind_names[s->devices[i].kind],
                           want == SCN_DEV_DISK ? "block_io" : "net_send and arrival",
                           scnp_kind_names[want]);
        if (s->devices[i].kind != want)
            return loc_err(c, loc, "%s: '%s' is a %s; an %s workload needs a %s", key, name,
                           scnp_kind_names[s->devices[i].kind],
                           wl->type == SCN_WL_IO ? "io" : "server", scnp_kind_names[want]);
        *out = i;
        *uses_dev = true;
        return 0;
    }
    char list[512] = "";
    size_t used = 0;
    const char *names[256];
    size_t nn = 0;
    for (int i = 0; i < s->ndevices; i++) {
        if (nn < 256)
            names[nn++] = s->devices[i].name;
        int w = snprintf(list + used, sizeof list - used, "%s%s", used ? ", " : "",
                         s->devices[i].name);
        if (w > 0 && (size_t)w < sizeof list - used)
            used += (size_t)w;
    }
    const char *near = scnp_nearest(name, names, nn);
    if (near)
        return loc_err(c, loc, "%s: '%s' is not defined; did you mean '%s'?", key, name, near);
    return loc_err(c, loc, "%s: '%s' is not defined (%s%s)", key, name,
                   s->ndevices ? "devices: " : "the scenario has no devices",
                   s->ndevices ? list : "");
}

static int resolve_one(struct ctx *c, struct scn *s, struct scn_workload *wl, bool *uses_dev)
{
    if (wl->type == SCN_WL_PERIODIC && wl->phase >= wl->period) {
        char a[32], b[32];
        return loc_err(c, &wl->loc, "periodic: phase (%s) must be below period (%s)",
                       unit_format(wl->phase, UNIT_TIME, a, sizeof a),
                       unit_format(wl->period, UNIT_TIME, b, sizeof b));
    }
    if (wl->type == SCN_WL_IO || wl->type == SCN_WL_SERVER)
        return resolve_device(c, s, wl, "device", wl->device_name, &wl->ref_loc,
                              wl->type == SCN_WL_IO ? SCN_DEV_DISK : SCN_DEV_NIC, &wl->device,
                              uses_dev);
    int rc;
    if (wl->type == SCN_WL_TRACE && wl->device_name
        && (rc = resolve_device(c, s, wl, "device", wl->device_name, &wl->ref_loc,
                                SCN_DEV_DISK, &wl->device, uses_dev)) < 0)
        return rc;
    if (wl->type == SCN_WL_TRACE && wl->nic_name
        && (rc = resolve_device(c, s, wl, "nic", wl->nic_name, &wl->nic_loc, SCN_DEV_NIC,
                                &wl->nic, uses_dev)) < 0)
        return rc;
    if (wl->type == SCN_WL_TRACE)
        return ref_file(c, s, "file", "trace", &wl->file_loc, &wl->file);
    return 0;
}

/* Whether vCPUs j and k of d replay the same trace file. */
static bool same_trace(const struct scn_domain *d, int j, int k)
{
    const struct scn_workload *a = scn_vcpu_wl(d, j), *b = scn_vcpu_wl(d, k);
    return a->type == SCN_WL_TRACE && b->type == SCN_WL_TRACE && a->file && b->file
           && !strcmp(a->file, b->file);
}

/* Each workload's devices and files; a list has one workload per vCPU. The
 * trace workloads of a list that replay the same file replay it together,
 * so they name the same devices and loop alike. *first is the first
 * workload that uses a device. */
static int resolve_workloads(struct ctx *c, struct scn *s, struct scn_domain *d,
                             const struct scn_workload **first)
{
    if (d->wl_list && d->nwl != d->vcpus)
        return loc_err(c, &d->wl_loc, "workload: a list of %d workload%s for %d vCPU%s; give "
                       "one per vCPU, in vCPU order", d->nwl, d->nwl == 1 ? "" : "s", d->vcpus,
                       d->vcpus == 1 ? "" : "s");
    int rc = 0;
    for (int k = 0; k < d->nwl; k++) {
        bool dev = false;
        int r = resolve_one(c, s, &d->wl[k], &dev);
        if (r < 0)
            rc = r;
        else if (dev && !*first)
            *first = &d->wl[k];
    }
    for (int k = 0; rc == 0 && k < d->nwl; k++) {
        int j = 0;
        while (j < k && !same_trace(d, j, k))
            j++;
        const struct scn_workload *a = &d->wl[k], *b = &d->wl[j];
        if (j < k && (a->device != b->device || a->nic != b->nic || a->loop != b->loop))
            rc = loc_err(c, &a->loc, "workload: vCPUs %d and %d replay the same trace; give "
                         "them the same device, nic and loop", j, k);
    }
    return rc;
}

int scn_trace_rank(const struct scn_domain *d, int vcpu, int *n)
{
    if (d->nwl == 1) {
        if (n)
            *n = d->vcpus;
        return vcpu;
    }
    int rank = 0, all = 0;
    for (int k = 0; k < d->nwl; k++) {
        if (!same_trace(d, k, vcpu))
            continue;
        rank += k < vcpu;
        all++;
    }
    if (n)
        *n = all;
    return rank;
}

/* A device's back end runs in its named driver domain, or by default in the
 * first privileged domain. */
static int resolve_driver(struct ctx *c, struct scn *s, struct scn_device *dv)
{
    dv->driver = -1;
    if (!dv->driver_name) {
        for (int i = 0; i < s->ndomains && dv->driver < 0; i++)
            if (s->domains[i].privileged)
                dv->driver = i;
        return 0;
    }
    const char *names[256];
    size_t nn = 0;
    int group = 0;
    for (int i = 0; i < s->ndomains; i++) {
        const struct scn_domain *d = &s->domains[i];
        if (!strcmp(d->name, dv->driver_name)) {
            if (!d->privileged)
                return loc_err(c, &dv->driver_loc, "driver: domain '%s' is not privileged; a "
                               "back end runs only in a domain with 'privileged: true'",
                               d->name);
            dv->driver = i;
            return 0;
        }
        if (d->index >= 0 && !strcmp(d->group, dv->driver_name))
            group++;
        if (nn < 256)
            names[nn++] = d->name;
    }
    if (group)
        return loc_err(c, &dv->driver_loc, "driver: '%s' names a group of %d domains; name one "
                       "of them, e.g. '%s.0'", dv->driver_name, group, dv->driver_name);
    const char *near = scnp_nearest(dv->driver_name, names, nn);
    if (near)
        return loc_err(c, &dv->driver_loc, "driver: domain '%s' is not defined; did you mean "
                       "'%s'?", dv->driver_name, near);
    return loc_err(c, &dv->driver_loc, "driver: domain '%s' is not defined", dv->driver_name);
}

/* The index of the domain named name (at loc, under key), or an error
 * that names a group or suggests the nearest name. */
static int find_domain(struct ctx *c, const struct scn *s, const char *key, const char *name,
                       const struct scn_loc *loc, int *out)
{
    const char *names[256];
    size_t nn = 0;
    int group = 0;
    for (int i = 0; i < s->ndomains; i++) {
        if (!strcmp(s->domains[i].name, name)) {
            *out = i;
            return 0;
        }
        if (s->domains[i].index >= 0 && !strcmp(s->domains[i].group, name))
            group++;
        if (nn < 256)
            names[nn++] = s->domains[i].name;
    }
    if (group)
        return loc_err(c, loc, "%s: '%s' names a group of %d domains; name one of them, e.g. "
                       "'%s.0'", key, name, group, name);
    const char *near = scnp_nearest(name, names, nn);
    if (near)
        return loc_err(c, loc, "%s: domain '%s' is not defined; did you mean '%s'?", key, name,
                       near);
    return loc_err(c, loc, "%s: domain '%s' is not defined", key, name);
}

/* A server or trace workload wl of domain i on a NIC: the NIC has a
 * driver domain and carries no echo clients. */
static int check_nic_user(struct ctx *c, const struct scn *s, int i,
                          const struct scn_workload *wl)
{
    int k = wl->type == SCN_WL_SERVER ? wl->device : wl->type == SCN_WL_TRACE ? wl->nic : -1;
    if (k < 0)
        return 0;
    if (s->domains[i].echo.set)
        return loc_err(c, &s->domains[i].echo.loc, "echo: domain '%s' has a %s workload "
                       "on a nic already (their net_latency would mix)", s->domains[i].name,
                       scnp_wl_names[wl->type]);
    if (s->devices[k].by_hypervisor)
        return loc_err(c, &wl->loc, "workload: nic '%s' is served by the hypervisor, which "
                       "carries only vif traffic (vif, echo); serve it by a driver domain",
                       s->devices[k].name);
    for (int j = 0; j < s->ndomains; j++)
        if (s->domains[j].echo.set && s->domains[j].vif == k)
            return loc_err(c, &s->domains[j].echo.loc, "echo: nic '%s' also carries the "
                           "%s workload of '%s'; give the echo clients a nic of their own",
                           s->devices[k].name, scnp_wl_names[wl->type], s->domains[i].name);
    return 0;
}

/* vif, ping and echo (models/bridge.h): the vif names a NIC with a server
 * (a driver domain or the hypervisor); ping and echo need a vif; a ping's
 * target is another domain with a vif on the same bridge, which only a
 * driver domain has; a NIC carries echo clients or server/trace traffic,
 * not both. */
/* Whether name is one the results store gives to the host or a pCPU. */
static bool reserved_module(const char *name)
{
    if (!strcmp(name, "machine"))
        return true;
    if (strncmp(name, "pcpu", 4) || !name[4])
        return false;
    for (const char *p = name + 4; *p; p++)
        if (*p < '0' || *p > '9')
            return false;
    return true;
}

/* Every domain, count group and device is a module of the results (its
 * moduleName), beside `machine` and `pcpuN`: two of them with one name
 * would mix their rows. */
static int check_module_names(struct ctx *c, struct scn *s)
{
    int rc = 0;
    for (int i = 0; i < s->ndomains; i++) {
        const struct scn_domain *d = &s->domains[i];
        if (d->index > 0)
            continue;               /* a group is checked once, at its first member */
        const char *nm = d->index == 0 ? d->group : d->name;
        if (reserved_module(nm))
            rc = loc_err(c, &d->loc, "domain '%s': the results use this name for the %s; "
                         "choose another name", nm, strcmp(nm, "machine") ? "pCPU of that "
                         "number" : "host's own metrics");
        for (int j = 0; j < s->ndevices; j++)
            if (!strcmp(nm, s->devices[j].name))
                rc = loc_err(c, &d->loc, "domain%s '%s': a device has the same name, and the "
                             "results would mix their rows under one module; rename one of "
                             "them", d->index == 0 ? " group" : "", nm);
    }
    for (int j = 0; j < s->ndevices; j++)
        if (reserved_module(s->devices[j].name))
            rc = loc_err(c, &s->devices[j].loc, "device '%s': the results use this name for "
                         "the %s; choose another name", s->devices[j].name,
                         strcmp(s->devices[j].name, "machine") ? "pCPU of that number"
                                                               : "host's own metrics");
    return rc;
}

static int resolve_net(struct ctx *c, struct scn *s)
{
    int rc = 0;
    for (int i = 0; i < s->ndomains; i++) {
        struct scn_domain *d = &s->domains[i];
        if (d->vif_name) {
            int k = -1;
            for (int j = 0; j < s->ndevices && k < 0; j++)
                if (!strcmp(s->devices[j].name, d->vif_name))
                    k = j;
            const struct scn_device *dv = k >= 0 ? &s->devices[k] : NULL;
            if (!dv)
                rc = loc_err(c, &d->vif_loc, "vif: device '%s' is not defined (a vif is on "
                             "the bridge of a nic)", d->vif_name);
            else if (dv->kind != SCN_DEV_NIC)
                rc = loc_err(c, &d->vif_loc, "vif: '%s' is a disk; a vif is on the bridge "
                             "of a nic", d->vif_name);
            else if (!dv->by_hypervisor && dv->driver < 0)
                rc = loc_err(c, &d->vif_loc, "vif: nic '%s' has no driver domain: mark a "
                             "domain 'privileged: true' (usually dom0) or give the nic "
                             "'served_by: hypervisor'", d->vif_name);
            else if (dv->driver == i)
                rc = loc_err(c, &d->vif_loc, "vif: domain '%s' is the driver domain of '%s' "
                             "(its bridge's host), not a guest on it", d->name, d->vif_name);
            else
                d->vif = k;
        }
        if (d->ping.set && !d->vif_name)
            rc = loc_err(c, &d->ping.loc, "ping: domain '%s' has no vif (add 'vif: NIC')",
                         d->name);
        if (d->echo.set && !d->vif_name)
            rc = loc_err(c, &d->echo.loc, "echo: domain '%s' has no vif (add 'vif: NIC')",
                         d->name);
    }
    if (rc)
        return rc;
    for (int i = 0; i < s->ndomains; i++) {
        struct scn_domain *d = &s->domains[i];
        int t;
        if (!d->ping.set)
            continue;
        int r = find_domain(c, s, "target", d->ping.target_name, &d->ping.target_loc, &t);
        if (r < 0) {
            rc = r;
            continue;
        }
        const struct scn_device *dv = &s->devices[d->vif];
        if (t == i)
            rc = loc_err(c, &d->ping.target_loc, "target: domain '%s' cannot ping itself",
                         d->name);
        else if (s->domains[t].vif != d->vif)
            rc = loc_err(c, &d->ping.target_loc, "target: domain '%s' has no vif on '%s' "
                         "(add 'vif: %s' to it)", s->domains[t].name, dv->name, dv->name);
        else if (dv->by_hypervisor)
            rc = loc_err(c, &d->ping.loc, "ping: nic '%s' is served by the hypervisor, which "
                         "has no bridge between guests; serve it by a driver domain",
                         dv->name);
        else
            d->ping.target = t;
    }
    for (int i = 0; i < s->ndomains; i++)
        for (int q = 0; q < s->domains[i].nwl; q++) {
            int r = check_nic_user(c, s, i, &s->domains[i].wl[q]);
            if (r < 0)
                return r;
        }
    return rc;
}

/* A driver domain runs its back ends on its vCPU 0 (models/backend.h), so
 * that vCPU has no workload of its own; its other vCPUs may have, but not
 * as a guest of its own back ends. */
static int check_drivers(struct ctx *c, const struct scn *s)
{
    for (int i = 0; i < s->ndomains; i++) {
        for (int q = 0; q <= s->domains[i].nwl; q++) {
            int k[2] = { s->domains[i].vif, -1 };
            const struct scn_workload *wl = NULL;
            if (q < s->domains[i].nwl) {
                wl = &s->domains[i].wl[q];
                k[0] = wl->device;
                k[1] = wl->type == SCN_WL_TRACE ? wl->nic : -1;
            }
            for (int j = 0; j < 2; j++) {
                if (k[j] < 0 || s->devices[k[j]].by_hypervisor || s->devices[k[j]].driver < 0)
                    continue;
                if (wl && s->devices[k[j]].driver == i)
                    return loc_err(c, j == 0 ? &wl->ref_loc : &wl->nic_loc, "%s: domain '%s' "
                                   "is the driver domain of '%s' and cannot be a guest of its "
                                   "own back end", j == 0 ? "device" : "nic", s->domains[i].name,
                                   s->devices[k[j]].name);
                const struct scn_domain *drv = &s->domains[s->devices[k[j]].driver];
                const struct scn_workload *w0 = scn_vcpu_wl(drv, 0);
                if (w0->type != SCN_WL_NONE)
                    return loc_err(c, &w0->loc, "workload: domain '%s' runs the back end of "
                                   "%s '%s' on its vCPU 0, which cannot also run a workload; "
                                   "give it one workload per vCPU, the first of type none",
                                   drv->name, scnp_kind_names[s->devices[k[j]].kind],
                                   s->devices[k[j]].name);
            }
        }
    }
    return 0;
}

/* Event-channel ports: every domain uses port 0 (reserved) and its timer
 * VIRQ; each front end (an io or server workload's queue, a trace replay's
 * first queue, a vif) takes one port in the guest and one in its device's driver domain;
 * each device in use takes a physical-IRQ port in its driver domain
 * (models/blk.c, net.c, bridge.c, hv.c bind exactly these). A trace's
 * queues of other vCPUs, known only once the trace is read, are counted
 * when the host is built. A domain needing more than SCN_EVTCHN_PORTS is
 * refused, at the domain. */
static int check_ports(struct ctx *c, const struct scn *s)
{
    int *ports = calloc((size_t)s->ndomains + 1, sizeof *ports);
    int *fronts = calloc((size_t)s->ndevices + 1, sizeof *fronts);     /* per device */
    bool *irq = calloc((size_t)s->ndevices + 1, sizeof *irq);
    if (!ports || !fronts || !irq) {
        free(ports);
        free(fronts);
        free(irq);
        return c->oom = true, -SIM_ENOMEM;
    }
    for (int i = 0; i < s->ndomains; i++) {
        const struct scn_domain *d = &s->domains[i];
        ports[i] += 2;
        for (int q = 0; q <= d->nwl; q++) {
            int k[2] = { -1, -1 };          /* devices of its front ends */
            if (q == d->nwl) {
                k[0] = d->vif;
            } else {
                const struct scn_workload *wl = &d->wl[q];
                if (wl->type == SCN_WL_IO || wl->type == SCN_WL_SERVER)
                    k[0] = wl->device;
                if (wl->type == SCN_WL_TRACE && scn_trace_rank(d, q, NULL) == 0)
                    k[0] = wl->device, k[1] = wl->nic;
            }
            for (int j = 0; j < 2; j++) {
                if (k[j] < 0)
                    continue;
                const struct scn_device *dv = &s->devices[k[j]];
                ports[i]++;
                if (dv->by_hypervisor || dv->driver < 0)
                    continue;
                ports[dv->driver]++;
                fronts[k[j]]++;
                if (q < d->nwl || d->echo.set)
                    irq[k[j]] = true;
            }
        }
    }
    for (int k = 0; k < s->ndevices; k++)
        if (irq[k])
            ports[s->devices[k].driver]++;
    int rc = 0;
    for (int i = 0; i < s->ndomains && rc == 0; i++) {
        if (ports[i] <= SCN_EVTCHN_PORTS)
            continue;
        struct sbuf b = { 0 };
        for (int k = 0; k < s->ndevices; k++)
            if (fronts[k] && s->devices[k].driver == i && !s->devices[k].by_hypervisor)
                scnp_sb_printf(&b, "%s%d '%s'", b.n ? ", " : "", fronts[k], s->devices[k].name);
        char *list = scnp_sb_take(&b);
        if (!list) {
            rc = -SIM_ENOMEM;
            c->oom = true;
            break;
        }
        rc = loc_err(c, &s->domains[i].loc, "domain '%s' needs %d event-channel ports, more "
                     "than the %d a domain has (Xen 2.0's NR_EVENT_CHANNELS): it serves %s "
                     "front ends; serve some devices from another privileged domain (the "
                     "device's 'driver:' key), and split the guests of a device over more "
                     "devices if one has too many", s->domains[i].name, ports[i],
                     SCN_EVTCHN_PORTS, list);
        free(list);
    }
    free(ports);
    free(fronts);
    free(irq);
    return rc;
}

/* machine.topology: counts not given are 1, but cores_per_socket, which
 * is what the pCPUs leave; the product must be pcpus. */
static int resolve_topology(struct ctx *c, struct scn_machine *m, const struct machine_tmp *t)
{
    struct scn_topology *tp = &m->topology;
    if (!tp->given) {
        tp->t = topo_flat(m->pcpus);
        return 0;
    }
    tp->t.sockets = t->sockets ? t->sockets : 1;
    tp->t.threads = t->threads ? t->threads : 1;
    int per = tp->t.sockets * tp->t.threads;
    tp->t.cores = t->cores ? t->cores : (m->pcpus % per ? 0 : m->pcpus / per);
    if (tp->t.cores == 0)
        return loc_err(c, &tp->loc, "topology: %d socket%s x %d thread%s per core do not "
                       "divide the machine's %d pCPUs", tp->t.sockets,
                       tp->t.sockets == 1 ? "" : "s", tp->t.threads,
                       tp->t.threads == 1 ? "" : "s", m->pcpus);
    if ((long long)tp->t.sockets * tp->t.cores * tp->t.threads != m->pcpus)
        return loc_err(c, &tp->loc, "topology: %d socket%s x %d cores x %d thread%s = %lld "
                       "pCPUs, but the machine has %d (pcpus)", tp->t.sockets,
                       tp->t.sockets == 1 ? "" : "s", tp->t.cores, tp->t.threads,
                       tp->t.threads == 1 ? "" : "s",
                       (long long)tp->t.sockets * tp->t.cores * tp->t.threads, m->pcpus);
    return 0;
}

/* A deep copy of n workloads, or NULL. */
static struct scn_workload *copy_workloads(const struct scn_workload *src, int n)
{
    struct scn_workload *a = malloc((size_t)n * sizeof *a);
    if (!a)
        return NULL;
    bool ok = true;
    for (int k = 0; k < n; k++) {
        a[k] = src[k];
        a[k].device_name = src[k].device_name ? strdup(src[k].device_name) : NULL;
        a[k].nic_name = src[k].nic_name ? strdup(src[k].nic_name) : NULL;
        a[k].file = src[k].file ? strdup(src[k].file) : NULL;
        ok = ok && (!src[k].device_name || a[k].device_name) && (!src[k].nic_name || a[k].nic_name)
             && (!src[k].file || a[k].file);
    }
    if (!ok) {
        for (int k = 0; k < n; k++) {
            free(a[k].device_name);
            free(a[k].nic_name);
            free(a[k].file);
        }
        free(a);
        return NULL;
    }
    return a;
}

int scnp_finish(struct ctx *c, struct walk *w)
{
    struct scn *s = w->s;
    int rc = 0;
    int pcpus = s->machine.pcpus;
    int r = expand_list(c, &w->mtmp.ppb, pcpus, 0, "tsc_ppm", &s->machine.clock.tsc_ppb);
    if (r < 0)
        rc = r;
    /* No tsc_offset: the TSCs have counted since power-on (sim/clock.h). */
    r = expand_list(c, &w->mtmp.offset, pcpus,
                    (int64_t)clk_default_tsc_offset(s->machine.clock.tsc_hz), "tsc_offset",
                    &s->machine.clock.tsc_offset);
    if (r < 0)
        rc = r;
    r = resolve_topology(c, &s->machine, &w->mtmp);
    if (r < 0)
        rc = r;
    if (!s->machine.clock.timer_order_given)
        s->machine.clock.timer_order = scn_default_timer_order(s->sched.name);
    if (!s->machine.clock.slop_rule_given)
        s->machine.clock.slop_rule = scn_default_slop_rule(&s->sched);

    /* Expand counts; every domain of a group shares the group's settings. */
    int total = 0;
    for (int i = 0; i < w->ndoms; i++)
        total += w->doms[i].count < 0 ? 1 : w->doms[i].count;
    s->domains = calloc((size_t)(total ? total : 1), sizeof *s->domains);
    if (!s->domains)
        return c->oom = true, -SIM_ENOMEM;
    bool uses_dev = false, have_priv = false;
    struct scn_loc first_dev_user = { 0 };
    for (int i = 0; i < w->ndoms; i++) {
        struct dom_tmp *t = &w->doms[i];
        int r1 = check_cpu_list(c, &t->cpus, "cpus", pcpus);
        int r2 = check_cpu_list(c, &t->cpus_soft, "cpus_soft", pcpus);
        if (r1 < 0 || r2 < 0)
            rc = r1 < 0 ? r1 : r2;
        if (t->d.credit.cap > 100 * t->d.vcpus)
            rc = loc_err(c, &t->d.credit.loc, "credit: cap %d is above 100 x the domain's %d "
                         "vCPU%s (%d); Xen's toolstack refused it (3.4's xend, 4.17's libxl)",
                         t->d.credit.cap, t->d.vcpus, t->d.vcpus == 1 ? "" : "s",
                         100 * t->d.vcpus);
        if (t->d.credit2.cap > 100 * t->d.vcpus)
            rc = loc_err(c, &t->d.credit2.loc, "credit2: cap %d is above 100 x the domain's %d "
                         "vCPU%s (%d); Xen 4.17's libxl refused it", t->d.credit2.cap,
                         t->d.vcpus, t->d.vcpus == 1 ? "" : "s", 100 * t->d.vcpus);
        const struct scn_workload *dev = NULL;
        r = resolve_workloads(c, s, &t->d, &dev);
        if (r < 0)
            rc = r;
        if (dev && !uses_dev) {
            uses_dev = true;
            first_dev_user = dev->loc;
        }
        if (t->d.privileged && t->count != 0)
            have_priv = true;
        int n = t->count < 0 ? 1 : t->count;
        for (int j = 0; j < n; j++) {
            struct scn_domain *d = &s->domains[s->ndomains];
            *d = t->d;
            d->name = NULL;
            d->group = strdup(t->d.group);
            d->wl = copy_workloads(t->d.wl, t->d.nwl);
            d->vif_name = t->d.vif_name ? strdup(t->d.vif_name) : NULL;
            d->ping.target_name = t->d.ping.target_name ? strdup(t->d.ping.target_name) : NULL;
            d->cpus = d->cpus_soft = NULL;
            d->ncpus = d->ncpus_soft = 0;
            s->ndomains++;
            if (t->count < 0) {
                d->name = strdup(t->d.name);
            } else {
                char nm[SCN_NAME_MAX + 16];
                snprintf(nm, sizeof nm, "%s.%d", t->d.group, j);
                d->name = strdup(nm);
                d->index = j;
            }
            d->cpus = copy_cpu_list(&t->cpus, &d->ncpus);
            d->cpus_soft = copy_cpu_list(&t->cpus_soft, &d->ncpus_soft);
            if (!d->name || !d->group || !d->wl || (t->cpus.n && !d->cpus) ||
                (t->cpus_soft.n && !d->cpus_soft) ||
                (t->d.vif_name && !d->vif_name) ||
                (t->d.ping.target_name && !d->ping.target_name))
                return c->oom = true, -SIM_ENOMEM;
        }
    }
    if (uses_dev && !have_priv)
        rc = loc_err(c, &first_dev_user, "this workload uses a device, whose back end runs in a "
                     "driver domain: mark a domain 'privileged: true' (usually dom0)");
    for (int i = 0; i < s->ndevices; i++) {
        if (s->devices[i].by_hypervisor) {
            s->devices[i].driver = -1;
            if (s->devices[i].irq_cpu >= pcpus)
                rc = loc_err(c, &s->devices[i].served_loc, "irq_cpu: pCPU %d does not exist "
                             "(the machine has %d pCPU%s)", s->devices[i].irq_cpu, pcpus,
                             pcpus == 1 ? "" : "s");
            continue;
        }
        r = resolve_driver(c, s, &s->devices[i]);
        if (r < 0)
            rc = r;
    }
    for (int i = 0; i < s->sched.arinc653.nframes; i++) {
        struct scn_a653_frame *f = &s->sched.arinc653.frames[i];
        r = find_domain(c, s, "minor_frames.domain", f->domain_name, &f->loc, &f->domain);
        if (r < 0)
            rc = r;
    }
    if (rc == 0)
        rc = resolve_net(c, s);
    if (rc == 0)
        rc = check_drivers(c, s);
    if (rc == 0)
        rc = check_ports(c, s);
    if (rc == 0)
        rc = check_module_names(c, s);
    for (int i = 0; rc == 0 && i < s->nrecord; i++) {
        const struct scn_record_rule *rr = &s->record[i];
        bool hit = false;
        for (int d = 0; d < s->ndomains && !hit; d++)
            hit = !fnmatch(rr->modules, s->domains[d].name, 0)
                  || !fnmatch(rr->modules, s->domains[d].group, 0);
        if (!hit)
            rc = loc_err(c, &rr->loc, "record: modules '%s' matches no domain and no count "
                         "group", rr->modules);
    }
    return rc;
}
