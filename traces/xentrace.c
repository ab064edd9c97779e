/*
 * traces/xentrace.c: the xentrace writer (see traces/xentrace.h for the
 * layout, its source and what is simplified).
 *
 * Memory is bounded: one buffer of at most window_max bytes per CPU,
 * allocated when the CPU writes its first record. When a buffer cannot take
 * the next record, every CPU's buffer is written out, one window per CPU
 * that has records, CPUs in order: a round, as xentrace drains all its
 * per-CPU buffers at once. The order matters to xenalyze, which learns the
 * CPUs from the first round of windows (it stops at the first CPU seen
 * twice, and a CPU found later can upset its merge); the recorder below
 * gives every pCPU records before the first round.
 */
#include "traces/xentrace.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/clock.h"
#include "sim/err.h"

/* --- encoding ------------------------------------------------------------ */

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

uint32_t xt_runstate_event(unsigned old_rs, unsigned new_rs)
{
    return XT_TRC_SCHED_RUNSTATE_CHANGE | (old_rs & 0xfu) << 8 | (new_rs & 0xfu) << 4;
}

uint32_t xt_vcpu_word(unsigned dom, unsigned vcpu)
{
    return (vcpu & 0xffffu) | (dom & 0xffffu) << 16;
}

size_t xt_encode(uint8_t *buf, uint32_t event, bool with_tsc, uint64_t tsc,
                 const uint32_t *extra, unsigned n)
{
    if (n > XT_MAX_EXTRA || (event & ~XT_EVENT_MASK))
        return 0;
    put32(buf, event | (uint32_t)n << 28 | (with_tsc ? XT_HDR_CYCLES : 0));
    size_t k = 4;
    if (with_tsc) {
        put32(buf + 4, (uint32_t)tsc);
        put32(buf + 8, (uint32_t)(tsc >> 32));
        k = 12;
    }
    for (unsigned i = 0; i < n; i++, k += 4)
        put32(buf + k, extra[i]);
    return k;
}

size_t xt_encode_cpu_change(uint8_t *buf, uint32_t cpu, uint32_t window_size)
{
    uint32_t w[2] = { cpu, window_size };
    return xt_encode(buf, XT_TRC_TRACE_CPU_CHANGE, false, 0, w, 2);
}

/* --- the file writer ------------------------------------------------------ */

struct xt_buf {
    uint8_t *data;                  /* wmax bytes, or NULL until first used */
    size_t len;
};

struct xt_file {
    FILE *fp;
    char *path;
    char *tmp;                      /* the temporary file, renamed at close */
    int ncpus;
    size_t wmax;                    /* bytes per window at most */
    struct xt_buf *cpu;
    uint64_t records;
    int err;                        /* first write error (errno), or 0 */
};

static void file_free(struct xt_file *f)
{
    if (!f)
        return;
    if (f->cpu)
        for (int c = 0; c < f->ncpus; c++)
            free(f->cpu[c].data);
    free(f->cpu);
    free(f->path);
    free(f->tmp);
    free(f);
}

struct xt_file *xt_file_open(const char *path, int ncpus, size_t window_max, char *err,
                             size_t errlen)
{
    if (!path || !*path || ncpus <= 0 || (window_max && window_max < XT_REC_MAX)
        || window_max > ((size_t)1 << 31)) {
        sim_errmsg(err, errlen, "invalid xentrace file parameters");
        return NULL;
    }
    struct xt_file *f = calloc(1, sizeof *f);
    if (!f || !(f->path = strdup(path)) || !(f->tmp = malloc(strlen(path) + 8))
        || !(f->cpu = calloc((size_t)ncpus, sizeof *f->cpu))) {
        file_free(f);
        sim_errmsg(err, errlen, "out of memory");
        return NULL;
    }
    f->ncpus = ncpus;
    f->wmax = window_max ? window_max : XT_WINDOW_DEFAULT;
    sprintf(f->tmp, "%s.XXXXXX", path);
    int fd = mkstemp(f->tmp);
    if (fd < 0 || !(f->fp = fdopen(fd, "wb"))) {
        int e = errno;
        if (fd >= 0) {
            close(fd);
            unlink(f->tmp);
        }
        sim_errmsg(err, errlen, "%s: cannot create (%s)", path, strerror(e));
        file_free(f);
        return NULL;
    }
    return f;
}

/* Write cpu's buffer as one window. */
static int flush_cpu(struct xt_file *f, int c)
{
    struct xt_buf *b = &f->cpu[c];
    if (b->len == 0)
        return 0;
    uint8_t hdr[XT_CPU_CHANGE_SIZE];
    xt_encode_cpu_change(hdr, (uint32_t)c, (uint32_t)b->len);
    if (fwrite(hdr, 1, sizeof hdr, f->fp) != sizeof hdr
        || fwrite(b->data, 1, b->len, f->fp) != b->len) {
        f->err = errno ? errno : EIO;
        return -SIM_EIO;
    }
    b->len = 0;
    return 0;
}

int xt_file_rec(struct xt_file *f, int cpu, uint32_t event, bool with_tsc, uint64_t tsc,
                const uint32_t *extra, unsigned n)
{
    if (!f || cpu < 0 || cpu >= f->ncpus)
        return -SIM_EINVAL;
    if (f->err)
        return -SIM_EIO;
    uint8_t rec[XT_REC_MAX];
    size_t k = xt_encode(rec, event, with_tsc, tsc, extra, n);
    if (k == 0)
        return -SIM_EINVAL;
    struct xt_buf *b = &f->cpu[cpu];
    if (!b->data && !(b->data = malloc(f->wmax)))
        return -SIM_ENOMEM;
    if (b->len + k > f->wmax)
        for (int c = 0; c < f->ncpus; c++) {
            int rc = flush_cpu(f, c);
            if (rc < 0)
                return rc;
        }
    memcpy(b->data + b->len, rec, k);
    b->len += k;
    f->records++;
    return 0;
}

uint64_t xt_file_records(const struct xt_file *f)
{
    return f ? f->records : 0;
}

int xt_file_close(struct xt_file *f, char *err, size_t errlen)
{
    if (!f)
        return -SIM_EINVAL;
    for (int c = 0; c < f->ncpus && !f->err; c++)
        flush_cpu(f, c);
    if (fflush(f->fp) != 0 && !f->err)
        f->err = errno ? errno : EIO;
    if (fclose(f->fp) != 0 && !f->err)
        f->err = errno ? errno : EIO;
    f->fp = NULL;
    if (!f->err && rename(f->tmp, f->path) != 0)
        f->err = errno ? errno : EIO;
    if (f->err) {
        sim_errmsg(err, errlen, "%s: cannot write (%s)", f->path, strerror(f->err));
        unlink(f->tmp);
        file_free(f);
        return -SIM_EIO;
    }
    file_free(f);
    return 0;
}

void xt_file_abort(struct xt_file *f)
{
    if (!f)
        return;
    if (f->fp)
        fclose(f->fp);
    unlink(f->tmp);
    file_free(f);
}

/* --- the recorder of a host ----------------------------------------------- */

struct xt_who {
    int dom;                        /* domain index, -1 for idle */
    int vcpu;                       /* vCPU index (the pCPU for idle) */
};

struct xt_host {
    const struct hv *h;
    struct xt_file *f;
    int np;
    bool started;
    int err;                        /* first error, or 0 */
    struct xt_who *cur;             /* per pCPU: the vCPU running there */
    /* Order across pCPUs: a vCPU taken by one pCPU at the same instant
     * (the same ns) another switched away from it is recorded one cycle
     * later, so its records on the two pCPUs keep the model's order. */
    uint64_t *last_p;               /* per pCPU: TSC of its last record */
    int *vfirst;                    /* per domain: index of its vCPU 0 in the below */
    uint64_t *last_v;               /* per domain vCPU: TSC of its last record */
    int *last_vcpu_p;               /* per domain vCPU: the pCPU of that record, -1 */
};

static void xt_host_free_arrays(struct xt_host *x)
{
    if (!x)
        return;
    free(x->cur);
    free(x->last_p);
    free(x->vfirst);
    free(x->last_v);
    free(x->last_vcpu_p);
}

struct xt_host *xt_host_new(const struct hv *h, const char *path, size_t window_max,
                            char *err, size_t errlen)
{
    if (!h || hv_npcpus(h) <= 0) {
        sim_errmsg(err, errlen, "no host to record");
        return NULL;
    }
    /* Domain ids are 16 bits in runstate records and must stay below the
     * idle domain's. */
    if (hv_ndomains(h) > (int)XT_IDLE_DOMID || hv_npcpus(h) > 0xffff) {
        sim_errmsg(err, errlen, "%s: xentrace has room for %u domains and 65535 pCPUs, the "
               "scenario has %d and %d", path, XT_IDLE_DOMID, hv_ndomains(h), hv_npcpus(h));
        return NULL;
    }
    struct xt_host *x = calloc(1, sizeof *x);
    int nd = hv_ndomains(h), nv = 0;
    for (int d = 0; d < nd; d++)
        nv += hv_domain_vcpus(h, d);
    if (x) {
        x->cur = calloc((size_t)hv_npcpus(h), sizeof *x->cur);
        x->last_p = calloc((size_t)hv_npcpus(h), sizeof *x->last_p);
        x->vfirst = calloc((size_t)nd + 1, sizeof *x->vfirst);
        x->last_v = calloc((size_t)nv + 1, sizeof *x->last_v);
        x->last_vcpu_p = malloc(((size_t)nv + 1) * sizeof *x->last_vcpu_p);
    }
    if (!x || !x->cur || !x->last_p || !x->vfirst || !x->last_v || !x->last_vcpu_p) {
        xt_host_free_arrays(x);
        free(x);
        sim_errmsg(err, errlen, "out of memory");
        return NULL;
    }
    for (int d = 0, k = 0; d < nd; k += hv_domain_vcpus(h, d), d++)
        x->vfirst[d] = k;
    for (int k = 0; k <= nv; k++)
        x->last_vcpu_p[k] = -1;
    x->h = h;
    x->np = hv_npcpus(h);
    x->f = xt_file_open(path, x->np, window_max, err, errlen);
    if (!x->f) {
        xt_host_free_arrays(x);
        free(x);
        return NULL;
    }
    return x;
}

static uint32_t domid(int dom)
{
    return dom < 0 ? XT_IDLE_DOMID : (uint32_t)dom;
}

/* One record with pCPU p's TSC at engine time t, about vCPU w of a
 * domain if w is not NULL; errors are sticky. */
static void emit_about(struct xt_host *x, int p, sim_time_t t, const struct xt_who *w,
                       uint32_t event, const uint32_t *extra, unsigned n)
{
    if (x->err)
        return;
    uint64_t tsc = clk_tsc(hv_pcpu_clock(x->h, p), t);
    if (tsc < x->last_p[p])
        tsc = x->last_p[p];
    if (w && w->dom >= 0) {
        int k = x->vfirst[w->dom] + w->vcpu;
        if (x->last_vcpu_p[k] >= 0 && x->last_vcpu_p[k] != p && tsc <= x->last_v[k])
            tsc = x->last_v[k] + 1;
        x->last_v[k] = tsc;
        x->last_vcpu_p[k] = p;
    }
    x->last_p[p] = tsc;
    int rc = xt_file_rec(x->f, p, event, true, tsc, extra, n);
    if (rc < 0)
        x->err = rc;
}

static void emit(struct xt_host *x, int p, sim_time_t t, uint32_t event, const uint32_t *extra,
                 unsigned n)
{
    emit_about(x, p, t, NULL, event, extra, n);
}

static void emit_rs(struct xt_host *x, int p, sim_time_t t, struct xt_who w, unsigned old_rs,
                    unsigned new_rs)
{
    uint32_t word = xt_vcpu_word(domid(w.dom), (unsigned)w.vcpu);
    emit_about(x, p, t, &w, xt_runstate_event(old_rs, new_rs), &word, 1);
}

static void emit_continue(struct xt_host *x, int p, sim_time_t t, struct xt_who w)
{
    uint32_t word = xt_vcpu_word(domid(w.dom), (unsigned)w.vcpu);
    emit(x, p, t, XT_TRC_SCHED_CONTINUE_RUNNING, &word, 1);
}

/* xentrace's code of a runstate that is not running. */
static unsigned xt_rs(int rs)
{
    return rs == HV_RS_BLOCKED ? XT_RS_BLOCKED
           : rs == HV_RS_OFFLINE ? XT_RS_OFFLINE
                                 : XT_RS_RUNNABLE;
}

/* The runstate of a vCPU that is not running (the idle vCPU: runnable). */
static unsigned rs_of(const struct xt_host *x, struct xt_who w)
{
    if (w.dom < 0)
        return XT_RS_RUNNABLE;
    return xt_rs(hv_vcpu_runstate(x->h, w.dom, w.vcpu));
}

void xt_host_observe(void *ctx, const struct hv_obs *o)
{
    struct xt_host *x = ctx;
    if (!x->started || x->err || o->pcpu < 0 || o->pcpu >= x->np)
        return;
    int p = o->pcpu;
    struct xt_who w = { o->dom, o->vcpu };
    switch (o->kind) {
    case HV_OBS_SWITCH: {
        struct xt_who prev = x->cur[p];
        unsigned prs = rs_of(x, prev);
        if (prs == XT_RS_BLOCKED) {
            uint32_t d[2] = { domid(prev.dom), (uint32_t)prev.vcpu };
            emit(x, p, o->t, XT_TRC_SCHED_BLOCK, d, 2);
        }
        emit_rs(x, p, o->t, prev, XT_RS_RUNNING, prs);
        emit_rs(x, p, o->t, w, XT_RS_RUNNABLE, XT_RS_RUNNING);
        uint32_t sw[4] = { domid(prev.dom), (uint32_t)prev.vcpu, domid(w.dom),
                           (uint32_t)w.vcpu };
        emit(x, p, o->t, XT_TRC_SCHED_SWITCH, sw, 4);
        x->cur[p] = w;
        break;
    }
    case HV_OBS_RESCHED:
        emit_continue(x, p, o->t, w);
        break;
    case HV_OBS_WAKE: {
        uint32_t d[2] = { domid(w.dom), (uint32_t)w.vcpu };
        emit(x, p, o->t, XT_TRC_SCHED_WAKE, d, 2);
        emit_rs(x, p, o->t, w, xt_rs((int)o->prev_rs), XT_RS_RUNNABLE);
        break;
    }
    case HV_OBS_SLEEP:
        emit_rs(x, p, o->t, w, XT_RS_RUNNABLE, XT_RS_OFFLINE);
        break;
    case HV_OBS_POLICY:
        emit(x, p, o->t, o->event, o->d, o->nd);
        break;
    }
}

/* Every vCPU's runstate at t: CONTINUE_RUNNING for the running ones (first
 * in each pCPU's stream), a same-state change for the others. */
static void snapshot(struct xt_host *x, sim_time_t t)
{
    for (int p = 0; p < x->np; p++) {
        struct xt_who w = { -1, p };
        hv_pcpu_now(x->h, p, &w.dom, &w.vcpu, NULL);
        x->cur[p] = w;
        emit_continue(x, p, t, w);
    }
    for (int p = 0; p < x->np; p++)
        if (x->cur[p].dom >= 0)
            emit_rs(x, p, t, (struct xt_who){ -1, p }, XT_RS_RUNNABLE, XT_RS_RUNNABLE);
    int nd = hv_ndomains(x->h);
    for (int d = 0; d < nd; d++) {
        int nv = hv_domain_vcpus(x->h, d);
        for (int v = 0; v < nv; v++) {
            int p = hv_vcpu_pcpu(x->h, d, v);
            if (p < 0 || p >= x->np || (x->cur[p].dom == d && x->cur[p].vcpu == v))
                continue;
            unsigned rs = rs_of(x, (struct xt_who){ d, v });
            emit_rs(x, p, t, (struct xt_who){ d, v }, rs, rs);
        }
    }
}

int xt_host_start(struct xt_host *x, sim_time_t t)
{
    if (!x || x->started)
        return -SIM_ESTATE;
    int nd = hv_ndomains(x->h);
    for (int d = 0; d < nd; d++) {
        uint32_t id = (uint32_t)d;
        emit(x, 0, t, XT_TRC_SCHED_DOM_ADD, &id, 1);
    }
    snapshot(x, t);
    x->started = true;
    return x->err;
}

uint64_t xt_host_records(const struct xt_host *x)
{
    return x ? xt_file_records(x->f) : 0;
}

int xt_host_finish(struct xt_host *x, sim_time_t t, uint64_t *nrec, char *err, size_t errlen)
{
    if (!x)
        return -SIM_EINVAL;
    int rc = x->started ? 0 : -SIM_ESTATE;
    if (rc == 0) {
        snapshot(x, t);
        rc = x->err;
    }
    if (rc < 0 && rc != -SIM_EIO) {
        sim_errmsg(err, errlen, "xentrace: %s",
               rc == -SIM_ESTATE ? "the recording was never started" : sim_strerror(rc));
        xt_file_abort(x->f);
    } else {
        if (nrec)
            *nrec = xt_file_records(x->f);
        rc = xt_file_close(x->f, err, errlen);
    }
    xt_host_free_arrays(x);
    free(x);
    return rc;
}

void xt_host_free(struct xt_host *x)
{
    if (!x)
        return;
    xt_file_abort(x->f);
    xt_host_free_arrays(x);
    free(x);
}
