/*
 * traces/xtimport.c: the xentrace importer (traces/xtimport.h says what it
 * reads, in two passes, and what it makes of it).
 *
 * Source: shared/facts/xen-schedulers.md section 6 (layouts, event ids,
 * TRC_LOST_RECORDS = 0x0001f001 with the lost count in its first word,
 * TRC_TRACE_WRAP_BUFFER = 0x0001f002, TRC_TRACE_CPU_CHANGE = 0x0001f003,
 * RUNSTATE_CHANGE 0x00021001 with the old runstate in event bits 8-11 and
 * the new one in bits 4-7, payload vcpu | dom << 16; runstates 0 running,
 * 1 runnable, 2 blocked, 3 offline; xenalyze's merge of the per-CPU streams
 * by TSC, TSC-less records inheriting the previous TSC of their CPU).
 *
 * Layout detection (XTI_AUTO), on the first bytes:
 *   - a first word that is a CPU_CHANGE header (event 0x0001f003, 2 extra
 *     words, no TSC) means the windows layout;
 *   - otherwise each fixed layout is tried on its first 16 records: a
 *     record is plausible if its CPU is below XTI_MAX_CPUS, its event is
 *     non-zero with bits 28-31 clear and its TSC does not go backwards on
 *     its CPU; a layout whose records are all plausible wins, fixed32 first
 *     if both are (a 36-byte record is the 2.0 and 32-bit 3.0 case) unless
 *     only fixed64 divides the file size;
 *   - if neither fits, the file is refused ("not a xentrace file").
 * --layout (xti_opts.layout) overrides it.
 *
 * Demand: if the file has any RUNSTATE_CHANGE record (Xen 3.4+, and
 * xensim's export), it alone drives each vCPU's state, with
 * CONTINUE_RUNNING confirming a running vCPU and a change from a state to
 * itself confirming that state; otherwise the switch records do (3.x
 * SWITCH {prev dom, prev vcpu, next dom, next vcpu} at 0x0002800a or
 * 0x0002f00a; 2.0 SWITCH 0x00010009 {next dom}, the previous domain being
 * the last one switched in on that CPU, vCPU 0), a BLOCK record marking the
 * running vCPU as blocking at its next switch-out and a WAKE ending a
 * blocked period. Assumed, as the facts give only the 3.4+ payloads: 3.0's
 * ids carry the same payloads as the current ones, and 2.0's WAKE, BLOCK
 * and DOM_ADD carry the domain id in d1.
 * A period ends at the next change of the vCPU's state: running becomes
 * COMPUTE of its length, blocked SLEEP of its length, runnable (and
 * offline) nothing. A vCPU's first record starts its first period (what
 * came before is unknown); at the end of the file a period is closed at the
 * last record that confirmed it. A change from a state the vCPU is not in
 * (records lost, or a damaged file) closes the period at its last
 * confirmation and is counted. The idle domain (32767) and Xen's special
 * ids (0x7ff0 and above) are ignored.
 *
 * Time order of the output: an operation is known when its period ends but
 * is written at its start, so finished operations wait in a heap until no
 * open period can start earlier; if max_pending wait, every open period is
 * split at the current TSC (two consecutive COMPUTEs or SLEEPs replay as
 * one; totals are unchanged) and the heap drains. Times are
 * (tsc - first tsc) * 1e9 / cpu_hz, rounded down, so a vCPU's totals are
 * within 1 ns per operation of the exact conversion. No layout records the
 * TSC frequency: cpu_hz comes from the caller (default 2.4 GHz, as
 * xenalyze).
 *
 * TSC skew (xtimport.h gives the model): offsets are subtracted as each
 * record is decoded, so the first TSC, the span and the merge all use the
 * corrected TSCs; an offset that takes a CPU's TSCs out of the 64-bit range
 * is refused. The observation runs on the same merged stream as the
 * demand, from the records' own old and new states (not the state
 * machine's), on the CPU whose stream holds them. Constraint bounds are
 * capped at +-2^52 cycles (weeks at any real clock rate) so that sums along
 * chains of up to 1024 CPUs stay in 64 bits; a chain going below -2^62 can
 * only come from a cycle that goes backwards, reported as a conflict.
 * What it cannot detect:
 *   - skew between CPUs that no vCPU migrates between (then it changes no
 *     vCPU's totals, only how the vCPUs' operations interleave); such groups
 *     of CPUs are each corrected relative to their own lowest CPU;
 *   - skew smaller than the gaps: a constraint only bounds the offset, so
 *     the estimate is the smallest correction that removes the violations,
 *     which is the true offset only when some migration had no gap
 *     (between switch-out and switch-in) in the direction that binds;
 *   - skew larger than the time between a vCPU's successive stints on
 *     different CPUs: pairing by TSC order then pairs the wrong stints
 *     (a stint overlapping two others is counted as unpaired);
 *   - drift (TSCs at different rates): a constant offset per CPU is
 *     assumed; drift shows as conflicting constraints over a long trace.
 */
#include "traces/xtimport.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sim/err.h"

#define EV_LOST 0x0001f001u
#define EV_WRAP 0x0001f002u
#define EV_CPU_CHANGE 0x0001f003u
#define EV_RUNSTATE 0x00021001u     /* | old << 8 | new << 4 */
#define EV_CONTINUE 0x00021002u
#define EV_DOM_ADD 0x00028001u
#define EV_WAKE 0x00028004u
#define EV_BLOCK 0x00028006u
#define EV_SWITCH 0x0002800au
#define EV30_DOM_ADD 0x0002f001u
#define EV30_WAKE 0x0002f004u
#define EV30_BLOCK 0x0002f006u
#define EV30_SWITCH 0x0002f00au
#define EV20_DOM_ADD 0x00010000u
#define EV20_WAKE 0x00010002u
#define EV20_BLOCK 0x00010003u
#define EV20_SWITCH 0x00010009u

#define NDOMID 32768u               /* domain ids 0..32767 */
#define SPECIAL_DOMID 0x7ff0u       /* DOMID_SELF and friends: not domains */
#define CACHE 4096u
#define WINDOW_HDR 12u
#define DETECT_RECS 16

struct raw {
    uint64_t off;                   /* byte offset of the record */
    uint32_t cpu, event;
    bool has_tsc;
    uint64_t tsc;
    unsigned n;                     /* payload words */
    uint32_t d[7];
};

struct cache {
    uint8_t buf[CACHE];
    uint64_t off;
    size_t len;
};

struct cursor {
    uint32_t cpu;
    uint64_t first;                 /* offset of the CPU's first window / record */
    uint64_t scan, pos, end;        /* windows: next header; current window's records */
    uint64_t tsc;                   /* last TSC on this CPU */
    bool have_tsc;                  /* pass 1 */
    bool have, done;
    struct raw head;
    int cur_dom;                    /* 2.0 switches: domain running here, -1 unknown */
    uint64_t raw_min, raw_max;      /* cycles: this CPU's TSCs as recorded (pass 1) */
    int64_t off;                    /* cycles: the offset applied */
    int64_t est, lo, hi;            /* cycles: detected offset and its range */
    bool has_lo, has_hi;
    uint32_t ref;                   /* index of the CPU est is relative to */
    struct cache c;
};

enum vs { VS_UNKNOWN, VS_RUNNING, VS_RUNNABLE, VS_BLOCKED, VS_OFFLINE };

struct vst {
    uint8_t state;                  /* enum vs */
    bool block_pending;             /* switch mode: blocks at its next switch-out */
    uint64_t since, seen;           /* TSC: period start, last confirmation */
    sim_time_t run, block, runnable;
};

struct pend {
    struct tr_record r;
    uint64_t seq;
};

/* A vCPU's stints (running periods) for the skew observation, in the order
 * of their starts by TSC: the last one, and one that started on another CPU
 * while the last one was still open. */
struct mig {
    int32_t cpu, pcpu;              /* cursor indices; -1: none */
    bool open, popen;
    uint64_t out, pin, pout;        /* cycles: end of the last; start and end of the other */
};

struct edge {
    uint32_t from, to;              /* cursor indices */
    int64_t w;                      /* cycles: off_to - off_from <= w */
};

struct xti_import {
    FILE *f;
    const uint8_t *mem;
    uint64_t size;
    char name[256];
    char msg[1024];
    enum xti_layout layout;
    unsigned recsize;               /* fixed layouts */
    uint64_t hz;
    size_t max_pending;
    struct xti_stats st;
    uint64_t base;                  /* smallest TSC, offsets subtracted */
    uint32_t *domids;               /* [ndomains]: the Xen domain id */
    struct cursor *cpu;             /* [ncpus], room for capcpus */
    uint32_t ncpus, capcpus;
    uint16_t *dommax;               /* [NDOMID]: vCPUs seen + 1 (0: domain unseen)... */
    int32_t *domidx;                /* [NDOMID]: header index or -1 */
    size_t *vbase;                  /* [ndomains]: first vst of the domain */
    struct vst *v;
    size_t nv;
    struct tr_header h;
    struct pend *heap;
    size_t nheap, check_at;
    uint64_t seq, now;
    sim_time_t last_out;
    bool ran;
    bool demand;                    /* this pass derives the demand (else it only observes) */
    struct mig *mig;                /* [nv], NULL: no skew observation */
    struct xti_skew_obs *obs;       /* where this pass's observations go */
    uint32_t *edge_at;              /* [ncpus * ncpus]: 1 + index into edges, 0: none */
    struct edge *edges;
    size_t nedges, capedges;
};

static void fail(struct xti_import *x, uint64_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fail(struct xti_import *x, uint64_t off, const char *fmt, ...)
{
    char m[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m, sizeof m, fmt, ap);
    va_end(ap);
    snprintf(x->msg, sizeof x->msg, "%s: byte %" PRIu64 ": %s", x->name, off, m);
}

/* ---- input ---------------------------------------------------------------- */

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
    return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* n bytes (n <= 64) at off into out through the cache; the caller has
 * checked that they are inside the file. */
static int cread(struct xti_import *x, struct cache *c, uint64_t off, size_t n, uint8_t *out)
{
    if (off >= c->off && off + n <= c->off + c->len) {
        memcpy(out, c->buf + (off - c->off), n);
        return 0;
    }
    size_t want = x->size - off < CACHE ? (size_t)(x->size - off) : CACHE, got;
    if (x->mem) {
        memcpy(c->buf, x->mem + off, want);
    } else if (fseeko(x->f, (off_t)off, SEEK_SET) != 0) {
        c->len = 0;
        fail(x, off, "cannot seek: %s", strerror(errno));
        return -SIM_EIO;
    } else if ((got = fread(c->buf, 1, want, x->f)) != want) {
        c->len = 0;
        if (ferror(x->f))
            fail(x, off + got, "read error: %s", strerror(errno));
        else
            fail(x, off + got, "unexpected end of file, %" PRIu64 " bytes were expected (did "
                 "the file shrink while it was read?)", x->size);
        clearerr(x->f);
        return -SIM_EIO;
    }
    c->off = off;
    c->len = want;
    memcpy(out, c->buf, n);
    return 0;
}

/* A compact record at off, which must end by end. */
static int dec_compact(struct xti_import *x, struct cache *c, uint64_t off, uint64_t end,
                       struct raw *r, uint64_t *len)
{
    uint8_t b[4 + 8 + 28];
    if (end - off < 4) {
        fail(x, off, "truncated record: %" PRIu64 " of at least 4 bytes before the end of "
             "its window", end - off);
        return -SIM_EBADINPUT;
    }
    int rc = cread(x, c, off, 4, b);
    if (rc < 0)
        return rc;
    uint32_t h = get32(b);
    r->off = off;
    r->event = h & 0x0fffffffu;
    r->n = (h >> 28) & 7u;
    r->has_tsc = (h >> 31) != 0;
    uint64_t sz = 4 + (r->has_tsc ? 8 : 0) + 4 * (uint64_t)r->n;
    if (end - off < sz) {
        fail(x, off, "truncated record (event 0x%08" PRIx32 "): %" PRIu64 " of %" PRIu64
             " bytes before the end of its window", r->event, end - off, sz);
        return -SIM_EBADINPUT;
    }
    if ((rc = cread(x, c, off, (size_t)sz, b)) < 0)
        return rc;
    const uint8_t *p = b + 4;
    r->tsc = 0;
    if (r->has_tsc) {
        r->tsc = get64(p);
        p += 8;
    }
    memset(r->d, 0, sizeof r->d);
    for (unsigned i = 0; i < r->n; i++)
        r->d[i] = get32(p + 4 * i);
    *len = sz;
    return 0;
}

/* A fixed-layout record at off (the caller checked it fits). */
static int dec_fixed(struct xti_import *x, struct cache *c, uint64_t off, struct raw *r)
{
    uint8_t b[60];
    int rc = cread(x, c, off, x->recsize, b);
    if (rc < 0)
        return rc;
    r->off = off;
    r->cpu = get32(b);
    r->has_tsc = true;
    r->tsc = get64(b + 4);
    r->event = get32(b + 12);
    r->n = 5;
    memset(r->d, 0, sizeof r->d);
    for (unsigned i = 0; i < 5; i++)
        r->d[i] = x->recsize == 36 ? get32(b + 16 + 4 * i) : get32(b + 20 + 8 * i);
    return 0;
}

/* A window header at off: 0 with cpu and size, or an error. */
static int dec_window(struct xti_import *x, struct cache *c, uint64_t off, uint32_t *cpu,
                      uint32_t *wsz)
{
    uint8_t b[WINDOW_HDR];
    if (x->size - off < WINDOW_HDR) {
        fail(x, off, "truncated window header: %" PRIu64 " of 12 bytes", x->size - off);
        return -SIM_EBADINPUT;
    }
    int rc = cread(x, c, off, WINDOW_HDR, b);
    if (rc < 0)
        return rc;
    uint32_t h = get32(b);
    if (h != (EV_CPU_CHANGE | 2u << 28)) {
        fail(x, off, "expected a TRC_TRACE_CPU_CHANGE window header, found 0x%08" PRIx32
             " (damaged file, or not the 3.2+ layout?)", h);
        return -SIM_EBADINPUT;
    }
    *cpu = get32(b + 4);
    *wsz = get32(b + 8);
    if (*wsz > x->size - off - WINDOW_HDR) {
        fail(x, off, "the window of CPU %" PRIu32 " claims %" PRIu32 " bytes, %" PRIu64
             " remain (truncated file?)", *cpu, *wsz, x->size - off - WINDOW_HDR);
        return -SIM_EBADINPUT;
    }
    return 0;
}

/* ---- pass 1 ----------------------------------------------------------------- */

static struct cursor *cpu_find(struct xti_import *x, uint32_t cpu)
{
    for (uint32_t i = 0; i < x->ncpus; i++)
        if (x->cpu[i].cpu == cpu)
            return &x->cpu[i];
    return NULL;
}

static struct cursor *cpu_add(struct xti_import *x, uint32_t cpu, uint64_t off)
{
    struct cursor *c = cpu_find(x, cpu);
    if (c)
        return c;
    if (x->ncpus >= XTI_MAX_CPUS) {
        fail(x, off, "more than %u CPUs (CPU %" PRIu32 "): damaged file?", XTI_MAX_CPUS, cpu);
        return NULL;
    }
    if (x->ncpus == x->capcpus) {
        uint32_t cap = x->capcpus ? 2 * x->capcpus : 4;
        struct cursor *n = realloc(x->cpu, cap * sizeof *n);
        if (!n) {
            snprintf(x->msg, sizeof x->msg, "%s: out of memory", x->name);
            return NULL;
        }
        x->cpu = n;
        x->capcpus = cap;
    }
    c = &x->cpu[x->ncpus++];
    memset(c, 0, sizeof *c);
    c->cpu = cpu;
    c->first = off;
    c->cur_dom = -1;
    return c;
}

static void note(struct xti_import *x, uint32_t dom, uint32_t vcpu, bool dom_only)
{
    if (dom >= SPECIAL_DOMID || dom == XTI_IDLE_DOMID)
        return;
    if (!dom_only && vcpu >= TR_MAX_VCPUS) {
        x->st.ignored++;
        return;
    }
    uint16_t want = (uint16_t)(dom_only ? 1 : vcpu + 1);
    if (x->dommax[dom] < want)
        x->dommax[dom] = want;
}

static enum xti_class classify(uint32_t ev, bool fixed)
{
    switch (ev >> 12) {
    case 0x0001f: return XTI_C_TRACE;
    case 0x00021: return XTI_C_RUNSTATE;
    case 0x00022: return XTI_C_SCHED_CLASS;
    case 0x00028: return XTI_C_SCHED_VERBOSE;
    case 0x0002f: return XTI_C_SCHED_30;
    case 0x00010: return fixed ? XTI_C_SCHED_20 : XTI_C_OTHER;
    default: return XTI_C_OTHER;
    }
}

static bool is_runstate(uint32_t ev)
{
    return (ev & ~0xff0u) == EV_RUNSTATE;
}

static bool fixed(const struct xti_import *x)
{
    return x->layout != XTI_WINDOWS;
}

/* Account one record of the first pass (cursor c: its CPU). */
static void scan_rec(struct xti_import *x, struct cursor *c, const struct raw *r)
{
    struct xti_stats *s = &x->st;
    s->records++;
    s->by_class[classify(r->event, fixed(x))]++;
    if (r->has_tsc) {
        if (c->have_tsc && r->tsc < c->tsc)
            s->backwards++;
        c->tsc = r->tsc;
        if (!c->have_tsc || r->tsc < c->raw_min)
            c->raw_min = r->tsc;
        if (!c->have_tsc || r->tsc > c->raw_max)
            c->raw_max = r->tsc;
        c->have_tsc = true;
    }
    uint32_t ev = r->event;
    if (ev == EV_LOST) {
        s->lost_markers++;
        if (r->n >= 1)
            s->lost_records += r->d[0];
    } else if (ev == EV_WRAP) {
        s->wraps++;
    } else if (is_runstate(ev) || ev == EV_CONTINUE) {
        if (is_runstate(ev))
            s->runstate_mode = true;
        if (r->n >= 1)
            note(x, r->d[0] >> 16, r->d[0] & 0xffffu, false);
        else
            s->ignored++;
    } else if (ev == EV_SWITCH || ev == EV30_SWITCH) {
        if (r->n >= 4) {
            note(x, r->d[0], r->d[1], false);
            note(x, r->d[2], r->d[3], false);
        } else {
            s->ignored++;
        }
    } else if (ev == EV_WAKE || ev == EV_BLOCK || ev == EV30_WAKE || ev == EV30_BLOCK) {
        if (r->n >= 2)
            note(x, r->d[0], r->d[1], false);
        else
            s->ignored++;
    } else if (ev == EV_DOM_ADD || ev == EV30_DOM_ADD) {
        if (r->n >= 1)
            note(x, r->d[0], 0, true);
    } else if (fixed(x) && (ev == EV20_SWITCH || ev == EV20_WAKE || ev == EV20_BLOCK)) {
        note(x, r->d[0], 0, false);
    } else if (fixed(x) && ev == EV20_DOM_ADD) {
        note(x, r->d[0], 0, true);
    }
}

static int scan_windows(struct xti_import *x)
{
    struct cache *cc = malloc(sizeof *cc);
    if (!cc)
        return -SIM_ENOMEM;
    cc->len = 0;
    cc->off = 0;
    int rc = 0;
    uint64_t off = 0;
    while (off < x->size && rc == 0) {
        uint32_t cpu, wsz;
        if ((rc = dec_window(x, cc, off, &cpu, &wsz)) < 0)
            break;
        struct cursor *cu = cpu_add(x, cpu, off);
        if (!cu) {
            rc = -SIM_EBADINPUT;
            break;
        }
        x->st.windows++;
        uint64_t p = off + WINDOW_HDR, end = p + wsz;
        while (p < end) {
            struct raw r;
            uint64_t len;
            if ((rc = dec_compact(x, cc, p, end, &r, &len)) < 0)
                break;
            r.cpu = cpu;
            scan_rec(x, cu, &r);
            p += len;
        }
        off = end;
    }
    free(cc);
    return rc;
}

static int scan_fixed(struct xti_import *x)
{
    struct cache *cc = malloc(sizeof *cc);
    if (!cc)
        return -SIM_ENOMEM;
    cc->len = 0;
    cc->off = 0;
    int rc = 0;
    for (uint64_t off = 0; off < x->size; off += x->recsize) {
        if (x->size - off < x->recsize) {
            fail(x, off, "truncated record: %" PRIu64 " of %u bytes", x->size - off,
                 x->recsize);
            rc = -SIM_EBADINPUT;
            break;
        }
        struct raw r;
        if ((rc = dec_fixed(x, cc, off, &r)) < 0)
            break;
        if (r.cpu >= XTI_MAX_CPUS) {
            fail(x, off, "CPU %" PRIu32 " out of range (damaged file, or another layout?)",
                 r.cpu);
            rc = -SIM_EBADINPUT;
            break;
        }
        struct cursor *cu = cpu_add(x, r.cpu, off);
        if (!cu) {
            rc = -SIM_EBADINPUT;
            break;
        }
        scan_rec(x, cu, &r);
    }
    free(cc);
    return rc;
}

/* Are the first records plausible in a fixed layout of rs bytes? */
static bool plausible(struct xti_import *x, unsigned rs)
{
    uint64_t last[DETECT_RECS];
    uint32_t cpus[DETECT_RECS];
    int ncpu = 0, k = 0;
    struct cache *cc = malloc(sizeof *cc);
    if (!cc)
        return false;
    cc->len = 0;
    cc->off = 0;
    x->recsize = rs;
    bool ok = x->size >= rs;
    for (uint64_t off = 0; ok && k < DETECT_RECS && x->size - off >= rs; off += rs, k++) {
        struct raw r;
        if (dec_fixed(x, cc, off, &r) < 0 || r.cpu >= XTI_MAX_CPUS || r.event == 0 ||
            (r.event >> 28)) {
            ok = false;
            break;
        }
        int i = 0;
        while (i < ncpu && cpus[i] != r.cpu)
            i++;
        if (i == ncpu) {
            cpus[ncpu++] = r.cpu;
        } else if (r.tsc < last[i]) {
            ok = false;
            break;
        }
        last[i] = r.tsc;
    }
    free(cc);
    return ok;
}

static int detect(struct xti_import *x)
{
    if (x->size == 0) {
        fail(x, 0, "the file is empty");
        return -SIM_EBADINPUT;
    }
    if (x->size >= 4) {
        uint8_t b[4];
        struct cache *cc = malloc(sizeof *cc);
        if (!cc)
            return -SIM_ENOMEM;
        cc->len = 0;
        cc->off = 0;
        int rc = cread(x, cc, 0, 4, b);
        free(cc);
        if (rc < 0)
            return rc;
        if (get32(b) == (EV_CPU_CHANGE | 2u << 28)) {
            x->layout = XTI_WINDOWS;
            return 0;
        }
    }
    bool p36 = plausible(x, 36), p60 = plausible(x, 60);
    if (p36 && p60 && x->size % 36 != 0 && x->size % 60 == 0)
        p36 = false;
    if (p36 || p60) {
        x->layout = p36 ? XTI_FIXED32 : XTI_FIXED64;
        return 0;
    }
    fail(x, 0, "not a xentrace file: neither a CPU_CHANGE window header nor plausible "
         "fixed-size records (try --layout)");
    return -SIM_EBADINPUT;
}

static int build_header(struct xti_import *x)
{
    uint32_t nd = 0;
    for (uint32_t d = 0; d < NDOMID; d++)
        if (x->dommax[d])
            nd++;
    if (nd > TR_MAX_DOMAINS) {
        fail(x, 0, "%" PRIu32 " domains, more than the %d a native trace holds", nd,
             TR_MAX_DOMAINS);
        return -SIM_EBADINPUT;
    }
    x->h.version = TR_VERSION;
    x->h.clock_hz = x->hz;
    snprintf(x->h.source, sizeof x->h.source, "%s", "xentrace");
    x->h.ndomains = nd;
    if (nd == 0)
        return 0;
    x->h.domains = calloc(nd, sizeof *x->h.domains);
    x->vbase = calloc(nd, sizeof *x->vbase);
    x->domids = calloc(nd, sizeof *x->domids);
    if (!x->h.domains || !x->vbase || !x->domids)
        return -SIM_ENOMEM;
    uint32_t i = 0;
    size_t nv = 0;
    for (uint32_t d = 0; d < NDOMID; d++) {
        if (!x->dommax[d])
            continue;
        struct tr_domain *td = &x->h.domains[i];
        if (d == 0)
            snprintf(td->name, sizeof td->name, "dom0");
        else
            snprintf(td->name, sizeof td->name, "d%" PRIu32, d);
        td->vcpus = x->dommax[d];
        x->domidx[d] = (int32_t)i;
        x->domids[i] = d;
        x->vbase[i] = nv;
        nv += td->vcpus;
        i++;
    }
    x->nv = nv;
    x->v = calloc(nv, sizeof *x->v);
    return x->v ? 0 : -SIM_ENOMEM;
}

/* Copy the unseekable stream x->f to an unlinked temporary file, which
 * becomes x->f: the passes need the size first and read the file twice. */
static int spool(struct xti_import *x, const char *name, char *err, size_t errlen)
{
    clearerr(x->f);
    FILE *t = tmpfile();
    if (!t) {
        sim_errmsg(err, errlen, "%s: cannot create a temporary file to hold the input (it "
                   "cannot seek, and it is read twice): %s", name, strerror(errno));
        return -SIM_EIO;
    }
    uint8_t *buf = malloc(CACHE * 16);
    uint64_t n = 0;
    int rc = buf ? 0 : -SIM_ENOMEM;
    if (rc < 0)
        sim_errmsg(err, errlen, "%s: out of memory", name);
    while (rc == 0) {
        size_t k = fread(buf, 1, CACHE * 16, x->f);
        if (k < CACHE * 16 && ferror(x->f)) {
            sim_errmsg(err, errlen, "%s: byte %" PRIu64 ": read error: %s", name, n + k,
                       strerror(errno));
            rc = -SIM_EIO;
        } else if (k && fwrite(buf, 1, k, t) != k) {
            sim_errmsg(err, errlen, "%s: cannot write the temporary copy of the input "
                       "after %" PRIu64 " bytes: %s", name, n, strerror(errno));
            rc = -SIM_EIO;
        }
        n += k;
        if (k < CACHE * 16)
            break;
    }
    free(buf);
    if (rc == 0 && fflush(t) != 0) {
        sim_errmsg(err, errlen, "%s: cannot write the temporary copy of the input: %s",
                   name, strerror(errno));
        rc = -SIM_EIO;
    }
    fclose(x->f);
    x->f = t;
    x->size = n;
    return rc;
}

/* The given offsets onto their CPUs' cursors. */
static int give_offsets(struct xti_import *x, const struct xti_opts *o)
{
    for (size_t i = 0; o && i < o->noffsets; i++) {
        struct cursor *c = cpu_find(x, o->offsets[i].cpu);
        if (!c) {
            snprintf(x->msg, sizeof x->msg, "%s: a TSC offset is given for CPU %" PRIu32
                     ", which has no records in the file", x->name, o->offsets[i].cpu);
            return -SIM_EBADINPUT;
        }
        for (size_t j = 0; j < i; j++)
            if (o->offsets[j].cpu == o->offsets[i].cpu) {
                snprintf(x->msg, sizeof x->msg, "%s: two TSC offsets are given for CPU %"
                         PRIu32, x->name, o->offsets[i].cpu);
                return -SIM_EBADINPUT;
            }
        c->off = o->offsets[i].cycles;
    }
    return 0;
}

/* The first and last corrected TSC and the span between them; refused if
 * an offset takes a CPU's TSCs out of the 64-bit range or the span is too
 * long for ns. */
static int set_span(struct xti_import *x)
{
    bool have = false;
    uint64_t first = 0, last = 0;
    for (uint32_t i = 0; i < x->ncpus; i++) {
        const struct cursor *c = &x->cpu[i];
        if (!c->have_tsc)
            continue;
        __int128 lo = (__int128)c->raw_min - c->off, hi = (__int128)c->raw_max - c->off;
        if (lo < 0 || hi > (__int128)UINT64_MAX) {
            snprintf(x->msg, sizeof x->msg, "%s: CPU %" PRIu32 ": its TSCs (%" PRIu64 " to %"
                     PRIu64 ") minus the offset %" PRId64 " cycles leave the range of 0 to "
                     "2^64-1", x->name, c->cpu, c->raw_min, c->raw_max, c->off);
            return -SIM_EBADINPUT;
        }
        if (!have || (uint64_t)lo < first)
            first = (uint64_t)lo;
        if (!have || (uint64_t)hi > last)
            last = (uint64_t)hi;
        have = true;
    }
    x->base = x->st.tsc_first = first;
    x->st.tsc_last = last;
    unsigned __int128 span = (unsigned __int128)(last - first) * 1000000000u / x->hz;
    if (span > (unsigned __int128)(INT64_MAX / 4)) {
        fail(x, 0, "the TSCs span %" PRIu64 " cycles, too long at %" PRIu64 " Hz",
             last - first, x->hz);
        return -SIM_EBADINPUT;
    }
    x->st.span = (sim_time_t)span;
    return 0;
}

static int skew_setup(struct xti_import *x);
static int skew_auto(struct xti_import *x);

static struct xti_import *open_common(struct xti_import *x, const char *name,
                                      const struct xti_opts *o, char *err, size_t errlen)
{
    snprintf(x->name, sizeof x->name, "%s", name ? name : "xentrace");
    x->layout = o ? o->layout : XTI_AUTO;
    x->hz = o && o->cpu_hz ? o->cpu_hz : XTI_DEFAULT_HZ;
    x->max_pending = o && o->max_pending ? o->max_pending : XTI_DEFAULT_PENDING;
    x->st.bytes = x->size;
    x->dommax = calloc(NDOMID, sizeof *x->dommax);
    x->domidx = malloc(NDOMID * sizeof *x->domidx);
    int rc = 0;
    if (!x->dommax || !x->domidx)
        rc = -SIM_ENOMEM;
    else
        for (uint32_t d = 0; d < NDOMID; d++)
            x->domidx[d] = -1;
    if (rc == 0 && x->layout == XTI_AUTO)
        rc = detect(x);
    if (rc == 0) {
        x->recsize = x->layout == XTI_FIXED32 ? 36 : x->layout == XTI_FIXED64 ? 60 : 0;
        x->st.layout = x->layout;
        if (x->size == 0) {
            fail(x, 0, "the file is empty");
            rc = -SIM_EBADINPUT;
        } else {
            rc = x->layout == XTI_WINDOWS ? scan_windows(x) : scan_fixed(x);
        }
    }
    if (rc == 0) {
        x->st.ncpus = x->ncpus;
        rc = give_offsets(x, o);
    }
    if (rc == 0)
        rc = set_span(x);
    if (rc == 0)
        rc = build_header(x);
    x->st.skew_mode = o ? o->skew : XTI_SKEW_REPORT;
    if (rc == 0 && x->ncpus > 1 && x->st.skew_mode != XTI_SKEW_NONE)
        rc = skew_setup(x);
    if (rc == 0 && x->mig && x->st.skew_mode == XTI_SKEW_AUTO)
        rc = skew_auto(x);
    if (rc < 0) {
        if (rc == -SIM_ENOMEM)
            snprintf(x->msg, sizeof x->msg, "%s: out of memory", x->name);
        sim_errmsg(err, errlen, "%s", x->msg);
        xti_close(x);
        return NULL;
    }
    return x;
}

struct xti_import *xti_open_file(FILE *f, const char *name, const struct xti_opts *o,
                                 char *err, size_t errlen)
{
    struct xti_import *x = f ? calloc(1, sizeof *x) : NULL;
    if (!x) {
        if (f)
            fclose(f);
        sim_errmsg(err, errlen, "%s: %s", name ? name : "xentrace",
                   f ? "out of memory" : "no file");
        return NULL;
    }
    x->f = f;
    off_t end;
    if (fseeko(f, 0, SEEK_END) == 0 && (end = ftello(f)) >= 0) {
        x->size = (uint64_t)end;
    } else if (spool(x, name ? name : "xentrace", err, errlen) < 0) {
        xti_close(x);
        return NULL;
    }
    return open_common(x, name, o, err, errlen);
}

struct xti_import *xti_open_mem(const void *data, size_t size, const char *name,
                                const struct xti_opts *o, char *err, size_t errlen)
{
    static const uint8_t none[1];
    struct xti_import *x = calloc(1, sizeof *x);
    if (!x) {
        sim_errmsg(err, errlen, "%s: out of memory", name ? name : "xentrace");
        return NULL;
    }
    x->mem = data ? data : none;
    x->size = data ? size : 0;
    return open_common(x, name, o, err, errlen);
}

void xti_close(struct xti_import *x)
{
    if (!x)
        return;
    if (x->f)
        fclose(x->f);
    free(x->cpu);
    free(x->dommax);
    free(x->domidx);
    free(x->vbase);
    free(x->domids);
    free(x->v);
    free(x->h.domains);
    free(x->heap);
    free(x->mig);
    free(x->edge_at);
    free(x->edges);
    free(x);
}

/* ---- pass 2 ----------------------------------------------------------------- */

static sim_time_t ns(const struct xti_import *x, uint64_t tsc)
{
    if (tsc <= x->base)
        return 0;
    return (sim_time_t)((unsigned __int128)(tsc - x->base) * 1000000000u / x->hz);
}

/* The next record of cursor c into c->head (c->have), or c->done. */
static int cur_next(struct xti_import *x, struct cursor *c)
{
    c->have = false;
    for (;;) {
        if (x->layout == XTI_WINDOWS) {
            while (c->pos >= c->end) {
                if (c->scan >= x->size) {
                    c->done = true;
                    return 0;
                }
                uint32_t cpu, wsz;
                int rc = dec_window(x, &c->c, c->scan, &cpu, &wsz);
                if (rc < 0)
                    return rc;
                if (cpu == c->cpu) {
                    c->pos = c->scan + WINDOW_HDR;
                    c->end = c->pos + wsz;
                }
                c->scan += WINDOW_HDR + (uint64_t)wsz;
            }
            uint64_t len;
            int rc = dec_compact(x, &c->c, c->pos, c->end, &c->head, &len);
            if (rc < 0)
                return rc;
            c->pos += len;
            c->head.cpu = c->cpu;
            break;
        }
        if (x->size - c->scan < x->recsize) {
            c->done = true;
            return 0;
        }
        int rc = dec_fixed(x, &c->c, c->scan, &c->head);
        if (rc < 0)
            return rc;
        c->scan += x->recsize;
        if (c->head.cpu == c->cpu)
            break;
    }
    if (c->head.has_tsc)
        c->tsc = c->head.tsc -= (uint64_t)c->off;   /* in range: set_span checked */
    else
        c->head.tsc = c->tsc;
    c->have = true;
    return 0;
}

static bool pend_less(const struct pend *a, const struct pend *b)
{
    return a->r.t < b->r.t || (a->r.t == b->r.t && a->seq < b->seq);
}

static void heap_push(struct xti_import *x, const struct pend *p)
{
    size_t i = x->nheap++;
    x->heap[i] = *p;
    while (i > 0) {
        size_t up = (i - 1) / 2;
        if (!pend_less(&x->heap[i], &x->heap[up]))
            break;
        struct pend t = x->heap[i];
        x->heap[i] = x->heap[up];
        x->heap[up] = t;
        i = up;
    }
}

static void heap_pop(struct xti_import *x)
{
    x->heap[0] = x->heap[--x->nheap];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < x->nheap && pend_less(&x->heap[l], &x->heap[m]))
            m = l;
        if (l + 1 < x->nheap && pend_less(&x->heap[l + 1], &x->heap[m]))
            m = l + 1;
        if (m == i)
            break;
        struct pend t = x->heap[i];
        x->heap[i] = x->heap[m];
        x->heap[m] = t;
        i = m;
    }
}

struct sink {
    int (*emit)(void *ctx, const struct tr_record *r);
    void *ctx;
};

/* Write the waiting operations that start before bound. */
static int drain(struct xti_import *x, struct sink *s, sim_time_t bound)
{
    while (x->nheap && x->heap[0].r.t <= bound) {
        struct tr_record r = x->heap[0].r;
        heap_pop(x);
        if (r.t < x->last_out)
            r.t = x->last_out;
        x->last_out = r.t;
        x->st.ops[r.op]++;
        int rc = s->emit(s->ctx, &r);
        if (rc < 0) {
            snprintf(x->msg, sizeof x->msg, "%s: writing the trace failed (%s)", x->name,
                     sim_strerror(rc));
            return rc;
        }
    }
    return 0;
}

/* The earliest start any future operation can have. */
static sim_time_t open_bound(const struct xti_import *x)
{
    sim_time_t b = ns(x, x->now);
    for (size_t i = 0; i < x->nv; i++) {
        const struct vst *v = &x->v[i];
        if (v->state == VS_RUNNING || v->state == VS_BLOCKED) {
            sim_time_t t = ns(x, v->since);
            if (t < b)
                b = t;
        }
    }
    return b;
}

static void close_period(struct xti_import *x, struct vst *v, uint64_t end);

/* Called after an operation was queued: write what can be, and bound the
 * queue. */
static int settle(struct xti_import *x, struct sink *s)
{
    if (x->nheap < x->check_at)
        return 0;
    int rc = drain(x, s, open_bound(x));
    if (rc < 0)
        return rc;
    if (x->nheap >= x->max_pending) {
        /* Split every open period at the current TSC: all that waits can go. */
        for (size_t i = 0; i < x->nv; i++) {
            struct vst *v = &x->v[i];
            if ((v->state == VS_RUNNING || v->state == VS_BLOCKED) && v->since < x->now) {
                close_period(x, v, x->now);
                v->since = x->now;
                if (v->seen < x->now)
                    v->seen = x->now;
                x->st.splits++;
            }
        }
        if ((rc = drain(x, s, open_bound(x))) < 0)
            return rc;
    }
    size_t next = x->nheap * 2 < 64 ? 64 : x->nheap * 2;
    x->check_at = next < x->max_pending ? next : x->max_pending;
    return 0;
}

static void queue(struct xti_import *x, const struct vst *v, int op, sim_time_t t, sim_time_t len)
{
    size_t vi = (size_t)(v - x->v);
    /* The domain: the last one whose first vCPU is at or before vi. */
    size_t lo = 0, hi = x->h.ndomains;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (x->vbase[mid] <= vi)
            lo = mid;
        else
            hi = mid;
    }
    struct pend p = { .seq = x->seq++ };
    p.r.t = t;
    p.r.dom = (uint16_t)lo;
    p.r.vcpu = (uint16_t)(vi - x->vbase[lo]);
    p.r.op = (uint8_t)op;
    p.r.a = (uint64_t)len;
    heap_push(x, &p);
}

static void close_period(struct xti_import *x, struct vst *v, uint64_t end)
{
    if (end < v->since) {
        x->st.backwards++;
        return;
    }
    sim_time_t t0 = ns(x, v->since), len = ns(x, end) - t0;
    switch (v->state) {
    case VS_RUNNING:
        v->run += len;
        if (len > 0)
            queue(x, v, TR_COMPUTE, t0, len);
        break;
    case VS_BLOCKED:
        v->block += len;
        if (len > 0)
            queue(x, v, TR_SLEEP, t0, len);
        break;
    case VS_RUNNABLE:
        v->runnable += len;
        break;
    default:
        break;
    }
}

static struct vst *vfind(struct xti_import *x, uint32_t dom, uint32_t vcpu)
{
    if (dom >= NDOMID || x->domidx[dom] < 0)
        return NULL;
    const struct tr_domain *d = &x->h.domains[x->domidx[dom]];
    if (vcpu >= d->vcpus)
        return NULL;
    return &x->v[x->vbase[x->domidx[dom]] + vcpu];
}

/* The vCPU enters state nw at tsc; old is the state the record says it
 * leaves (VS_UNKNOWN: not said). */
static void set_state(struct xti_import *x, struct vst *v, int old, int nw, uint64_t tsc)
{
    if (v->state == VS_UNKNOWN) {
        v->state = (uint8_t)nw;
        v->since = v->seen = tsc;
        return;
    }
    if (old != VS_UNKNOWN && old != v->state) {
        x->st.inconsistent++;
        close_period(x, v, v->seen);
    } else if (nw == v->state) {
        if (tsc > v->seen)
            v->seen = tsc;
        return;
    } else {
        close_period(x, v, tsc);
    }
    v->state = (uint8_t)nw;
    v->since = v->seen = tsc;
}

static int vs_of(unsigned rs)
{
    return rs == 0 ? VS_RUNNING : rs == 1 ? VS_RUNNABLE : rs == 2 ? VS_BLOCKED
           : rs == 3 ? VS_OFFLINE : -1;
}

/* ---- TSC skew ------------------------------------------------------------- */

#define WCAP (INT64_C(1) << 52)    /* cycles: cap on a constraint's bound */
#define DFLOOR (-(INT64_C(1) << 62)) /* below: only a cycle going backwards */
#define NO_PATH INT64_MAX

/* The vCPU left CPU `from` at tsc a and reached CPU `to` at tsc b. */
static int constrain(struct xti_import *x, int32_t from, int32_t to, uint64_t a, uint64_t b)
{
    struct xti_skew_obs *o = x->obs;
    o->migrations++;
    int64_t w;
    if (b >= a) {
        w = b - a > (uint64_t)WCAP ? WCAP : (int64_t)(b - a);
    } else {
        o->violations++;
        if (a - b > o->worst)
            o->worst = a - b;
        w = a - b > (uint64_t)WCAP ? -WCAP : -(int64_t)(a - b);
    }
    uint32_t *at = &x->edge_at[(size_t)from * x->ncpus + (size_t)to];
    if (*at) {
        if (w < x->edges[*at - 1].w)
            x->edges[*at - 1].w = w;
        return 0;
    }
    if (x->nedges == x->capedges) {
        size_t cap = x->capedges ? 2 * x->capedges : 16;
        struct edge *n = realloc(x->edges, cap * sizeof *n);
        if (!n)
            return -SIM_ENOMEM;
        x->edges = n;
        x->capedges = cap;
    }
    x->edges[x->nedges++] = (struct edge){ (uint32_t)from, (uint32_t)to, w };
    *at = (uint32_t)x->nedges;
    o->pairs++;
    return 0;
}

static int mig_in(struct xti_import *x, const struct vst *v, const struct cursor *c,
                  uint64_t tsc)
{
    if (!x->mig)
        return 0;
    struct mig *m = &x->mig[v - x->v];
    int32_t ci = (int32_t)(c - x->cpu);
    if (m->pcpu >= 0) {
        /* A third stint before the first one ended: pairing is lost. */
        x->obs->unpaired++;
        *m = (struct mig){ .cpu = ci, .pcpu = -1, .open = true };
    } else if (m->cpu < 0 || m->cpu == ci) {
        m->cpu = ci;
        m->open = true;
    } else if (m->open) {
        m->pcpu = ci;
        m->pin = tsc;
        m->popen = true;
    } else {
        int32_t from = m->cpu;
        m->cpu = ci;
        m->open = true;
        return constrain(x, from, ci, m->out, tsc);
    }
    return 0;
}

static int mig_out(struct xti_import *x, const struct vst *v, const struct cursor *c,
                   uint64_t tsc)
{
    if (!x->mig)
        return 0;
    struct mig *m = &x->mig[v - x->v];
    int32_t ci = (int32_t)(c - x->cpu);
    if (m->pcpu >= 0 && ci == m->cpu) {
        /* The older stint ends after the newer one began: a violation. */
        int32_t from = m->cpu, to = m->pcpu;
        uint64_t in = m->pin;
        *m = (struct mig){ .cpu = to, .pcpu = -1, .open = m->popen, .out = m->pout };
        return constrain(x, from, to, tsc, in);
    }
    if (m->pcpu >= 0 && ci == m->pcpu) {
        m->popen = false;
        m->pout = tsc;
    } else if (ci == m->cpu || m->cpu < 0) {
        /* (A vCPU's first record can be the end of a stint.) */
        m->cpu = ci;
        m->open = false;
        m->out = tsc;
    }
    return 0;
}

static int do_switch(struct xti_import *x, const struct cursor *c, struct vst *prev,
                     struct vst *next, uint64_t tsc)
{
    int rc = 0;
    if (prev && prev != next) {
        rc = mig_out(x, prev, c, tsc);
        if (x->demand) {
            int nw = prev->block_pending ? VS_BLOCKED : VS_RUNNABLE;
            prev->block_pending = false;
            set_state(x, prev, VS_RUNNING, nw, tsc);
        }
    }
    if (next) {
        if (prev != next && rc == 0)
            rc = mig_in(x, next, c, tsc);
        if (x->demand)
            set_state(x, next, VS_UNKNOWN, VS_RUNNING, tsc);
    }
    return rc;
}

static void do_block(struct vst *v)
{
    if (v)
        v->block_pending = true;
}

static void do_wake(struct xti_import *x, struct vst *v, uint64_t tsc)
{
    if (!v)
        return;
    v->block_pending = false;
    if (v->state == VS_BLOCKED)
        set_state(x, v, VS_BLOCKED, VS_RUNNABLE, tsc);
}

/* One record: the skew observation (if x->mig), and the demand if
 * x->demand. */
static int process(struct xti_import *x, struct cursor *c, const struct raw *r)
{
    uint32_t ev = r->event;
    uint64_t tsc = r->tsc;
    if (tsc > x->now)
        x->now = tsc;
    if (x->st.runstate_mode) {
        int rc = 0;
        if (is_runstate(ev) && r->n >= 1) {
            struct vst *v = vfind(x, r->d[0] >> 16, r->d[0] & 0xffffu);
            int old = vs_of((ev >> 8) & 0xfu), nw = vs_of((ev >> 4) & 0xfu);
            if (!v)
                return 0;
            if (old < 0 || nw < 0) {
                if (x->demand)
                    x->st.ignored++;
                return 0;
            }
            if (old == VS_RUNNING && nw != VS_RUNNING)
                rc = mig_out(x, v, c, tsc);
            else if (old != VS_RUNNING && nw == VS_RUNNING)
                rc = mig_in(x, v, c, tsc);
            if (x->demand)
                set_state(x, v, old, nw, tsc);
        } else if (ev == EV_CONTINUE && r->n >= 1 && x->demand) {
            struct vst *v = vfind(x, r->d[0] >> 16, r->d[0] & 0xffffu);
            if (v)
                set_state(x, v, VS_RUNNING, VS_RUNNING, tsc);
        }
        return rc;
    }
    if ((ev == EV_SWITCH || ev == EV30_SWITCH) && r->n >= 4)
        return do_switch(x, c, vfind(x, r->d[0], r->d[1]), vfind(x, r->d[2], r->d[3]), tsc);
    if (fixed(x) && ev == EV20_SWITCH) {
        struct vst *prev = c->cur_dom >= 0 ? vfind(x, (uint32_t)c->cur_dom, 0) : NULL;
        c->cur_dom = r->d[0] < NDOMID ? (int)r->d[0] : -1;
        return do_switch(x, c, prev, vfind(x, r->d[0], 0), tsc);
    }
    if (!x->demand)
        return 0;
    if ((ev == EV_BLOCK || ev == EV30_BLOCK) && r->n >= 2)
        do_block(vfind(x, r->d[0], r->d[1]));
    else if ((ev == EV_WAKE || ev == EV30_WAKE) && r->n >= 2)
        do_wake(x, vfind(x, r->d[0], r->d[1]), tsc);
    else if (fixed(x) && ev == EV20_BLOCK)
        do_block(vfind(x, r->d[0], 0));
    else if (fixed(x) && ev == EV20_WAKE)
        do_wake(x, vfind(x, r->d[0], 0), tsc);
    return 0;
}

/* Every cursor back at its CPU's first record, and the observation (if
 * any) reset, writing into obs. */
static int rewind_all(struct xti_import *x, struct xti_skew_obs *obs)
{
    x->now = x->base;
    x->obs = obs;
    if (x->mig) {
        for (size_t i = 0; i < x->nv; i++)
            x->mig[i] = (struct mig){ .cpu = -1, .pcpu = -1 };
        for (size_t e = 0; e < x->nedges; e++)
            x->edge_at[(size_t)x->edges[e].from * x->ncpus + x->edges[e].to] = 0;
        x->nedges = 0;
    }
    int rc = 0;
    for (uint32_t i = 0; i < x->ncpus && rc == 0; i++) {
        struct cursor *c = &x->cpu[i];
        c->scan = c->first;
        c->pos = c->end = 0;
        c->tsc = x->base;
        c->cur_dom = -1;
        c->c.len = 0;
        c->done = false;
        rc = cur_next(x, c);
    }
    return rc;
}

/* The cursor holding the earliest record (ties: the CPU the file names
 * first), NULL at the end of every CPU's stream. */
static struct cursor *earliest(struct xti_import *x)
{
    struct cursor *best = NULL;
    for (uint32_t i = 0; i < x->ncpus; i++) {
        struct cursor *c = &x->cpu[i];
        if (c->have && (!best || c->head.tsc < best->head.tsc))
            best = c;
    }
    return best;
}

/* Shortest paths over the constraints (reversed if rev) from the finite
 * entries of d; false if they keep shrinking (a cycle going backwards). */
static bool relax(const struct xti_import *x, int64_t *d, bool rev)
{
    for (uint32_t it = 0; it <= x->ncpus; it++) {
        bool changed = false;
        for (size_t e = 0; e < x->nedges; e++) {
            const struct edge *g = &x->edges[e];
            uint32_t a = rev ? g->to : g->from, b = rev ? g->from : g->to;
            if (d[a] == NO_PATH || d[a] + g->w >= d[b])
                continue;
            d[b] = d[a] + g->w;
            if (d[b] < DFLOOR)
                return false;
            changed = true;
        }
        if (!changed)
            return true;
    }
    return false;
}

/* The offsets that the collected constraints call for, into the cursors
 * (est, its range, ref); -SIM_ENOMEM, or 0 with obs->conflict set if there
 * are none. */
static int solve(struct xti_import *x)
{
    uint32_t n = x->ncpus;
    int64_t *d = malloc(n * sizeof *d);
    uint32_t *up = malloc(n * sizeof *up);
    if (!d || !up) {
        free(d);
        free(up);
        return -SIM_ENOMEM;
    }
    /* Groups of CPUs linked by migrations (union-find), each led by its
     * lowest-numbered CPU. */
    for (uint32_t i = 0; i < n; i++)
        up[i] = i;
    for (size_t e = 0; e < x->nedges; e++) {
        uint32_t a = x->edges[e].from, b = x->edges[e].to;
        while (up[a] != a)
            a = up[a] = up[up[a]];
        while (up[b] != b)
            b = up[b] = up[up[b]];
        if (x->cpu[b].cpu < x->cpu[a].cpu)
            up[a] = b;
        else
            up[b] = a;
    }
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = i;
        while (up[r] != r)
            r = up[r];
        x->cpu[i].ref = r;
        x->cpu[i].est = 0;
        x->cpu[i].has_lo = x->cpu[i].has_hi = false;
    }
    /* From no correction, lower each offset only as far as a chain of
     * constraints forces it. */
    for (uint32_t i = 0; i < n; i++)
        d[i] = 0;
    bool ok = relax(x, d, false);
    x->obs->conflict = !ok;
    for (uint32_t i = 0; ok && i < n; i++)
        x->cpu[i].est = d[i] - d[x->cpu[i].ref];
    /* The range each offset may take with its reference's fixed at 0:
     * up to the shortest path from the reference, down to minus the
     * shortest path back to it. */
    for (int rev = 0; ok && rev < 2; rev++) {
        for (uint32_t i = 0; i < n; i++)
            d[i] = x->cpu[i].ref == i ? 0 : NO_PATH;
        relax(x, d, rev);
        for (uint32_t i = 0; i < n; i++) {
            struct cursor *c = &x->cpu[i];
            if (d[i] == NO_PATH)
                continue;
            if (rev) {
                c->has_lo = true;
                c->lo = -d[i];
            } else {
                c->has_hi = true;
                c->hi = d[i];
            }
        }
    }
    x->st.skew_estimated = ok;
    free(d);
    free(up);
    return 0;
}

static int skew_setup(struct xti_import *x)
{
    x->mig = calloc(x->nv ? x->nv : 1, sizeof *x->mig);
    x->edge_at = calloc((size_t)x->ncpus * x->ncpus, sizeof *x->edge_at);
    return x->mig && x->edge_at ? 0 : -SIM_ENOMEM;
}

/* XTI_SKEW_AUTO: a merged pass that only observes, the offsets solved and
 * applied. */
static int skew_auto(struct xti_import *x)
{
    x->demand = false;
    int rc = rewind_all(x, &x->st.skew);
    struct cursor *c;
    while (rc == 0 && (c = earliest(x))) {
        struct raw r = c->head;
        if ((rc = process(x, c, &r)) == 0)
            rc = cur_next(x, c);
    }
    if (rc == 0)
        rc = solve(x);
    if (rc < 0)
        return rc;
    if (x->st.skew.conflict) {
        snprintf(x->msg, sizeof x->msg, "%s: the TSC offsets cannot be estimated: the "
                 "migrations contradict each other (a cycle of them goes backwards for "
                 "any offsets: TSC drift, or lost records?); give --tsc-offset, or "
                 "--tsc-skew report to see them", x->name);
        return -SIM_EBADINPUT;
    }
    for (uint32_t i = 0; i < x->ncpus; i++)
        x->cpu[i].off += x->cpu[i].est;
    return set_span(x);
}

int xti_run(struct xti_import *x, int (*emit)(void *ctx, const struct tr_record *r), void *ctx)
{
    if (!x || !emit)
        return -SIM_EINVAL;
    if (x->ran) {
        snprintf(x->msg, sizeof x->msg, "%s: already imported", x->name);
        return -SIM_ESTATE;
    }
    x->ran = true;
    /* Room for max_pending, plus one operation per vCPU (the splits, and
     * the periods closed at the end), plus the one being queued. */
    x->heap = malloc((x->max_pending + x->nv + 1) * sizeof *x->heap);
    if (!x->heap) {
        snprintf(x->msg, sizeof x->msg, "%s: out of memory", x->name);
        return -SIM_ENOMEM;
    }
    x->check_at = 64 < x->max_pending ? 64 : x->max_pending;
    x->demand = true;
    bool auto_ = x->st.skew_mode == XTI_SKEW_AUTO;
    struct sink s = { emit, ctx };
    int rc = rewind_all(x, auto_ ? &x->st.skew_after : &x->st.skew);
    struct cursor *c;
    while (rc == 0 && (c = earliest(x))) {
        struct raw r = c->head;
        if ((rc = process(x, c, &r)) < 0) {
            snprintf(x->msg, sizeof x->msg, "%s: out of memory", x->name);
            break;
        }
        if (x->nheap && (rc = settle(x, &s)) < 0)
            break;
        rc = cur_next(x, c);
    }
    if (rc == 0) {
        for (size_t i = 0; i < x->nv; i++)
            if (x->v[i].state != VS_UNKNOWN)
                close_period(x, &x->v[i], x->v[i].seen);
        rc = drain(x, &s, INT64_MAX);
    }
    if (rc == 0 && x->mig && !auto_ && (rc = solve(x)) < 0)
        snprintf(x->msg, sizeof x->msg, "%s: out of memory", x->name);
    return rc;
}

const char *xti_error(const struct xti_import *x)
{
    return x ? x->msg : "";
}

const struct tr_header *xti_header(const struct xti_import *x)
{
    return &x->h;
}

const struct xti_stats *xti_stats(const struct xti_import *x)
{
    return &x->st;
}

size_t xti_nvcpus(const struct xti_import *x)
{
    return x->nv;
}

bool xti_vcpu_get(const struct xti_import *x, size_t i, struct xti_vcpu *out)
{
    if (i >= x->nv)
        return false;
    size_t lo = 0, hi = x->h.ndomains;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (x->vbase[mid] <= i)
            lo = mid;
        else
            hi = mid;
    }
    out->domid = (uint16_t)x->domids[lo];
    out->vcpu = (uint16_t)(i - x->vbase[lo]);
    out->run = x->v[i].run;
    out->block = x->v[i].block;
    out->runnable = x->v[i].runnable;
    return true;
}

bool xti_cpu_get(const struct xti_import *x, size_t i, struct xti_cpu *out)
{
    if (i >= x->ncpus)
        return false;
    const struct cursor *c = &x->cpu[i];
    *out = (struct xti_cpu){ .cpu = c->cpu, .ref = x->cpu[c->ref].cpu, .offset = c->off,
                             .estimate = c->est, .has_lo = c->has_lo, .has_hi = c->has_hi,
                             .lo = c->lo, .hi = c->hi };
    return true;
}

const char *xti_layout_name(enum xti_layout l)
{
    switch (l) {
    case XTI_WINDOWS: return "windows (Xen 3.2+)";
    case XTI_FIXED32: return "fixed32 (Xen 2.0, 32-bit 3.0-3.1)";
    case XTI_FIXED64: return "fixed64 (64-bit Xen 3.0-3.1)";
    default: return "auto";
    }
}

const char *xti_class_name(enum xti_class c)
{
    static const char *const n[XTI_C_COUNT] = {
        "trace (0x0001f)", "runstate (0x00021)", "scheduler-specific (0x00022)",
        "sched verbose (0x00028)", "sched 3.0 ids (0x0002f)", "sched 2.0 ids (0x00010)",
        "other",
    };
    return (unsigned)c < XTI_C_COUNT ? n[c] : "?";
}
