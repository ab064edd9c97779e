/*
 * models/mm.c: machine frames, P2M/M2P, page types and reference counts,
 * and the validated mmu_update hypercall (models/mm.h has the model, its
 * source and its simplifications).
 *
 * Representation: per domain, one struct mm_frame per frame it owns (owner,
 * pfn: its M2P entries; type, type count, reference count; the slot of its
 * entry table if it is a page table) and a uint32_t P2M array; and one
 * array of MM_PT_ENTRIES encoded entries per pinned page table (0 = empty,
 * else ((mfn + 1) << 1) | writable). Memory: 24 B per frame plus 4 KiB
 * per page table, but only for the domains whose frames ever change: a
 * domain's arrays are built the first time one of its frames is pinned or
 * mapped (in practice, the mmu domains). Until then its frames are in the
 * state construction gives them (owned in its contiguous range, untyped,
 * unmapped), which is what the lookups return; a host of many large
 * guests thus pays for the memory of the few that update page tables.
 * The owner of a machine frame is found by binary search over the
 * domains' contiguous ranges.
 */
#include "models/mm.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/hv.h"
#include "sim/err.h"
#include "workloads/wl.h"

struct mm_frame {
    int32_t owner;                  /* domain index (M2P) */
    uint32_t pfn;                   /* pseudo-physical frame within the owner (M2P) */
    uint32_t type_count;            /* writable mappings, or 1 for a pinned table */
    uint32_t ref_count;             /* page-table entries mapping the frame */
    uint32_t table;                 /* slot + 1 in mm.tables if a page table, else 0 */
    uint8_t type;                   /* enum mm_type */
};

struct mm_dom {
    uint64_t first;                 /* first mfn (contiguous layout) */
    uint64_t frames;                /* frames owned */
    uint32_t *p2m;                  /* [frames] pfn -> mfn; NULL until built */
    struct mm_frame *f;             /* [frames] its frames; NULL until built */
    struct mm_dom_stats st;
};

struct mm {
    uint64_t nframes;
    int ndoms;
    struct mm_dom *d;               /* [ndoms] */
    uint64_t **tables;              /* [ntables] entry arrays, NULL if free */
    uint32_t ntables, cap_tables;
    mm_batch_hook hook;
    void *hook_arg;
};

bool mm_needed(const struct scn *s)
{
    for (int d = 0; s && d < s->ndomains; d++)
        if (s->domains[d].wl.type == SCN_WL_MMU)
            return true;
    return false;
}

/* A vCPU of a trace domain whose records have page-table batches. */
static bool trace_needs_mm(const struct scn *s, struct hv *h, int d)
{
    if (s->domains[d].wl.type != SCN_WL_TRACE)
        return false;
    for (int v = 0; v < s->domains[d].vcpus; v++)
        if (wl_trace_needs_mm(hv_workload(h, d, v)))
            return true;
    return false;
}

bool mm_host_needed(const struct scn *s, struct hv *h)
{
    if (mm_needed(s))
        return true;
    for (int d = 0; s && h && d < s->ndomains; d++)
        if (trace_needs_mm(s, h, d))
            return true;
    return false;
}

struct mm *mm_new(const struct scn *s, char *err, size_t errlen)
{
    if (!s || s->ndomains < 0) {
        sim_errmsg(err, errlen, "memory: no scenario");
        return NULL;
    }
    uint64_t total = 0;
    for (int d = 0; d < s->ndomains; d++) {
        int64_t mem = s->domains[d].memory;
        if (mem < MM_PAGE_BYTES) {
            sim_errmsg(err, errlen, "domain '%s': memory must be at least 4KiB", s->domains[d].name);
            return NULL;
        }
        total += (uint64_t)mem / MM_PAGE_BYTES;
        if (total > UINT32_MAX - 1u) {
            sim_errmsg(err, errlen, "memory: more than 2^32 - 2 machine frames in all");
            return NULL;
        }
    }
    struct mm *m = calloc(1, sizeof *m);
    if (!m)
        goto oom;
    m->nframes = total;
    m->ndoms = s->ndomains;
    m->d = calloc(s->ndomains ? (size_t)s->ndomains : 1, sizeof *m->d);
    if (!m->d)
        goto oom;
    uint64_t next = 0;
    for (int d = 0; d < s->ndomains; d++) {
        struct mm_dom *x = &m->d[d];
        x->first = next;
        x->frames = (uint64_t)s->domains[d].memory / MM_PAGE_BYTES;
        x->st.has_mmu = s->domains[d].wl.type == SCN_WL_MMU;
        next += x->frames;
    }
    return m;
oom:
    mm_free(m);
    sim_errmsg(err, errlen, "memory: out of memory for the frame tables");
    return NULL;
}

void mm_free(struct mm *m)
{
    if (!m)
        return;
    for (int d = 0; m->d && d < m->ndoms; d++) {
        free(m->d[d].p2m);
        free(m->d[d].f);
    }
    for (uint32_t t = 0; t < m->ntables; t++)
        free(m->tables[t]);
    free(m->tables);
    free(m->d);
    free(m);
}

/* The domain owning mfn (< nframes): binary search of the ranges. */
static int owner_of(const struct mm *m, uint64_t mfn)
{
    int lo = 0, hi = m->ndoms - 1;
    while (lo < hi) {
        int mid = lo + (hi - lo + 1) / 2;
        if (m->d[mid].first <= mfn)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;          /* every domain owns at least one frame (mm_new) */
}

/* Build dom's frame and P2M arrays in their construction state. */
static int materialise(struct mm *m, int dom)
{
    struct mm_dom *x = &m->d[dom];
    if (x->f)
        return 0;
    size_t n = x->frames ? (size_t)x->frames : 1;
    uint32_t *p2m = malloc(n * sizeof *p2m);
    struct mm_frame *f = calloc(n, sizeof *f);
    if (!p2m || !f) {
        free(p2m);
        free(f);
        return -SIM_ENOMEM;
    }
    for (uint64_t k = 0; k < x->frames; k++) {
        p2m[k] = (uint32_t)(x->first + k);
        f[k] = (struct mm_frame){ .owner = dom, .pfn = (uint32_t)k };
    }
    x->p2m = p2m;
    x->f = f;
    return 0;
}

/* The state of machine frame mfn (< nframes): its domain's entry, or, for
 * a domain not built yet, the construction state in *tmp. */
static const struct mm_frame *frame_of(const struct mm *m, uint64_t mfn, struct mm_frame *tmp)
{
    int d = owner_of(m, mfn);
    const struct mm_dom *x = &m->d[d];
    if (x->f)
        return &x->f[mfn - x->first];
    *tmp = (struct mm_frame){ .owner = d, .pfn = (uint32_t)(mfn - x->first) };
    return tmp;
}

uint64_t mm_nframes(const struct mm *m)
{
    return m->nframes;
}

int mm_ndomains(const struct mm *m)
{
    return m->ndoms;
}

int64_t mm_dom_frames(const struct mm *m, int dom)
{
    if (dom < 0 || dom >= m->ndoms)
        return -SIM_EINVAL;
    return (int64_t)m->d[dom].frames;
}

int64_t mm_dom_first_mfn(const struct mm *m, int dom)
{
    if (dom < 0 || dom >= m->ndoms)
        return -SIM_EINVAL;
    return (int64_t)m->d[dom].first;
}

uint64_t mm_p2m(const struct mm *m, int dom, uint64_t pfn)
{
    if (dom < 0 || dom >= m->ndoms || pfn >= m->d[dom].frames)
        return MM_MFN_NONE;
    return m->d[dom].p2m ? m->d[dom].p2m[pfn] : m->d[dom].first + pfn;
}

int mm_m2p(const struct mm *m, uint64_t mfn, int *dom, uint64_t *pfn)
{
    if (mfn >= m->nframes)
        return -SIM_EINVAL;
    struct mm_frame tmp;
    const struct mm_frame *f = frame_of(m, mfn, &tmp);
    if (dom)
        *dom = f->owner;
    if (pfn)
        *pfn = f->pfn;
    return 0;
}

int mm_frame_info(const struct mm *m, uint64_t mfn, enum mm_type *type, uint32_t *type_count,
                  uint32_t *ref_count)
{
    if (mfn >= m->nframes)
        return -SIM_EINVAL;
    struct mm_frame tmp;
    const struct mm_frame *f = frame_of(m, mfn, &tmp);
    if (type)
        *type = (enum mm_type)f->type;
    if (type_count)
        *type_count = f->type_count;
    if (ref_count)
        *ref_count = f->ref_count;
    return 0;
}

static inline uint64_t pte_mfn(uint64_t pte)
{
    return pte ? (pte >> 1) - 1 : MM_MFN_NONE;
}

/* The entries of page-table frame mfn (its domain is built: it pinned it). */
static inline uint64_t *table_of(const struct mm *m, uint64_t mfn)
{
    struct mm_frame tmp;
    return m->tables[frame_of(m, mfn, &tmp)->table - 1];
}

/* Whether mfn exists and is owned by dom: a range check, since the layout
 * is contiguous (the hot path of validation: no search). */
static bool owned(const struct mm *m, int dom, uint64_t mfn)
{
    const struct mm_dom *x = &m->d[dom];
    return mfn >= x->first && mfn - x->first < x->frames;
}

/* The state of frame mfn of dom (owned(m, dom, mfn)), NULL while dom is
 * not built (its frames are then untyped and unmapped). */
static struct mm_frame *own_frame(const struct mm *m, int dom, uint64_t mfn)
{
    const struct mm_dom *x = &m->d[dom];
    return x->f ? &x->f[mfn - x->first] : NULL;
}

static uint8_t type_of(const struct mm *m, uint64_t mfn)
{
    struct mm_frame tmp;
    return frame_of(m, mfn, &tmp)->type;
}

int mm_pte(const struct mm *m, uint64_t table, uint32_t index, uint64_t *mfn, bool *writable)
{
    if (table >= m->nframes || type_of(m, table) != MM_TYPE_PT || index >= MM_PT_ENTRIES)
        return -SIM_EINVAL;
    uint64_t pte = table_of(m, table)[index];
    if (mfn)
        *mfn = pte_mfn(pte);
    if (writable)
        *writable = pte & 1u;
    return 0;
}

int mm_pin_table(struct mm *m, int dom, uint64_t mfn)
{
    if (dom < 0 || dom >= m->ndoms || !owned(m, dom, mfn))
        return -SIM_EINVAL;
    if (materialise(m, dom) < 0)
        return -SIM_ENOMEM;
    struct mm_frame *f = own_frame(m, dom, mfn);
    /* Validating a new L1 table: it must not be writable (type rule) and,
     * as it starts empty here, must not be mapped at all (a read-only
     * mapping would let the guest read a table it thinks is empty; kept
     * simple: refused). */
    if (f->type != MM_TYPE_NONE || f->ref_count != 0)
        return -SIM_ESTATE;
    uint32_t slot = 0;
    while (slot < m->ntables && m->tables[slot])
        slot++;
    if (slot == m->ntables) {
        if (m->ntables == m->cap_tables) {
            uint32_t cap = m->cap_tables ? 2 * m->cap_tables : 16;
            uint64_t **t = realloc(m->tables, cap * sizeof *t);
            if (!t)
                return -SIM_ENOMEM;
            m->tables = t;
            m->cap_tables = cap;
        }
        m->tables[m->ntables++] = NULL;
    }
    m->tables[slot] = calloc(MM_PT_ENTRIES, sizeof **m->tables);
    if (!m->tables[slot])
        return -SIM_ENOMEM;
    f->type = MM_TYPE_PT;
    f->type_count = 1;
    f->table = slot + 1;
    return 0;
}

/* Drop the references an entry of a table of dom holds (entries map only
 * dom's own frames). */
static void put_pte(struct mm *m, int dom, uint64_t pte)
{
    if (!pte)
        return;
    struct mm_frame *g = own_frame(m, dom, pte_mfn(pte));
    g->ref_count--;
    if (pte & 1u) {
        if (--g->type_count == 0)
            g->type = MM_TYPE_NONE;
    }
}

int mm_unpin_table(struct mm *m, int dom, uint64_t mfn)
{
    if (dom < 0 || dom >= m->ndoms || !owned(m, dom, mfn) || type_of(m, mfn) != MM_TYPE_PT)
        return -SIM_EINVAL;
    struct mm_frame *f = own_frame(m, dom, mfn);
    uint64_t *t = m->tables[f->table - 1];
    for (uint32_t i = 0; i < MM_PT_ENTRIES; i++)
        put_pte(m, dom, t[i]);
    free(t);
    m->tables[f->table - 1] = NULL;
    f->table = 0;
    f->type = MM_TYPE_NONE;
    f->type_count = 0;
    return 0;
}

enum mm_verdict mm_validate(const struct mm *m, int dom, const struct mm_entry *e)
{
    if (dom < 0 || dom >= m->ndoms)
        return MM_REJ_TABLE;
    const struct mm_frame *t = owned(m, dom, e->table) ? own_frame(m, dom, e->table) : NULL;
    if (!t || t->type != MM_TYPE_PT || e->index >= MM_PT_ENTRIES)
        return MM_REJ_TABLE;
    if (e->mfn == MM_MFN_NONE)
        return MM_OK;
    if (!owned(m, dom, e->mfn))
        return MM_REJ_FOREIGN;
    if (e->writable && own_frame(m, dom, e->mfn)->type == MM_TYPE_PT)
        return MM_REJ_TYPE;
    return MM_OK;
}

/* Apply a validated entry: take the new mapping's references first, then
 * drop the old one's (so remapping the same frame never passes through a
 * count of zero). */
static void apply(struct mm *m, int dom, const struct mm_entry *e)
{
    uint64_t *t = m->tables[own_frame(m, dom, e->table)->table - 1];
    uint64_t old = t[e->index];
    uint64_t pte = 0;
    if (e->mfn != MM_MFN_NONE) {
        struct mm_frame *g = own_frame(m, dom, e->mfn);
        g->ref_count++;
        if (e->writable) {
            g->type = MM_TYPE_WRITABLE;
            g->type_count++;
        }
        pte = ((e->mfn + 1) << 1) | (e->writable ? 1u : 0u);
    }
    t[e->index] = pte;
    put_pte(m, dom, old);
}

int mm_update(struct mm *m, int dom, const struct mm_entry *e, int n,
              struct mm_batch_result *res)
{
    if (!m || dom < 0 || dom >= m->ndoms || n < 0 || (n > 0 && !e))
        return -SIM_EINVAL;
    if (materialise(m, dom) < 0)
        return -SIM_ENOMEM;
    struct mm_batch_result r = { 0 };
    struct mm_dom_stats *st = &m->d[dom].st;
    for (int i = 0; i < n; i++) {
        enum mm_verdict v = mm_validate(m, dom, &e[i]);
        r.by_verdict[v]++;
        if (v == MM_OK) {
            apply(m, dom, &e[i]);
            r.applied++;
        } else {
            r.rejected++;
            st->rejected_by[v]++;
        }
    }
    st->batches++;
    st->updates += (uint64_t)n;
    st->applied += (uint64_t)r.applied;
    st->rejected += (uint64_t)r.rejected;
    if (res)
        *res = r;
    if (m->hook)
        m->hook(m->hook_arg, m, dom, e, n, &r);
    return 0;
}

void mm_set_batch_hook(struct mm *m, mm_batch_hook fn, void *arg)
{
    m->hook = fn;
    m->hook_arg = arg;
}

int mm_check_consistency(const struct mm *m, char *msg, size_t msglen)
{
    struct mm_frame tmp;
    for (int d = 0; d < m->ndoms; d++) {
        const struct mm_dom *x = &m->d[d];
        for (uint64_t k = 0; x->p2m && k < x->frames; k++) {
            uint64_t mfn = x->p2m[k];
            if (mfn >= m->nframes || frame_of(m, mfn, &tmp)->owner != d
                || frame_of(m, mfn, &tmp)->pfn != k) {
                sim_errmsg(msg, msglen, "P2M of domain %d pfn %llu -> mfn %llu is not inverted by M2P",
                       d, (unsigned long long)k, (unsigned long long)mfn);
                return -SIM_ESTATE;
            }
        }
    }
    uint32_t *refs = calloc(m->nframes ? m->nframes : 1, sizeof *refs);
    uint32_t *wr = calloc(m->nframes ? m->nframes : 1, sizeof *wr);
    int rc = 0;
    if (!refs || !wr) {
        sim_errmsg(msg, msglen, "consistency check: out of memory");
        rc = -SIM_ENOMEM;
        goto out;
    }
    for (uint64_t mfn = 0; mfn < m->nframes; mfn++) {
        const struct mm_frame *f = frame_of(m, mfn, &tmp);
        if (f->owner < 0 || f->owner >= m->ndoms || f->pfn >= m->d[f->owner].frames
            || mm_p2m(m, f->owner, f->pfn) != mfn) {
            sim_errmsg(msg, msglen, "M2P of mfn %llu is not inverted by P2M", (unsigned long long)mfn);
            rc = -SIM_ESTATE;
            goto out;
        }
        if ((f->type == MM_TYPE_PT) != (f->table != 0)) {
            sim_errmsg(msg, msglen, "mfn %llu: page-table type and entry table disagree",
                   (unsigned long long)mfn);
            rc = -SIM_ESTATE;
            goto out;
        }
        if (f->type != MM_TYPE_PT)
            continue;
        const uint64_t *t = table_of(m, mfn);
        for (uint32_t i = 0; i < MM_PT_ENTRIES; i++) {
            if (!t[i])
                continue;
            uint64_t g = pte_mfn(t[i]);
            if (!owned(m, f->owner, g)) {
                sim_errmsg(msg, msglen, "table mfn %llu entry %u maps mfn %llu not of its owner",
                       (unsigned long long)mfn, i, (unsigned long long)g);
                rc = -SIM_ESTATE;
                goto out;
            }
            refs[g]++;
            if (t[i] & 1u)
                wr[g]++;
        }
    }
    for (uint64_t mfn = 0; mfn < m->nframes; mfn++) {
        const struct mm_frame *f = frame_of(m, mfn, &tmp);
        bool ok = f->ref_count == refs[mfn];
        switch (f->type) {
        case MM_TYPE_NONE: ok = ok && f->type_count == 0 && wr[mfn] == 0; break;
        case MM_TYPE_WRITABLE: ok = ok && wr[mfn] > 0 && f->type_count == wr[mfn]; break;
        case MM_TYPE_PT: ok = ok && wr[mfn] == 0 && f->type_count == 1; break;
        default: ok = false; break;
        }
        if (!ok) {
            sim_errmsg(msg, msglen, "mfn %llu: type %d type_count %u ref_count %u but %u mappings, "
                   "%u writable", (unsigned long long)mfn, f->type, f->type_count, f->ref_count,
                   refs[mfn], wr[mfn]);
            rc = -SIM_ESTATE;
            goto out;
        }
    }
out:
    free(refs);
    free(wr);
    return rc;
}

int mm_dom_stats(const struct mm *m, int dom, struct mm_dom_stats *out)
{
    if (!m || dom < 0 || dom >= m->ndoms || !out)
        return -SIM_EINVAL;
    *out = m->d[dom].st;
    return 0;
}

void mm_stats_reset(struct mm *m)
{
    for (int d = 0; m && d < m->ndoms; d++) {
        bool has = m->d[d].st.has_mmu;
        m->d[d].st = (struct mm_dom_stats){ .has_mmu = has };
    }
}

void mm_account_cpu(struct mm *m, int dom, int64_t ns)
{
    if (m && dom >= 0 && dom < m->ndoms)
        m->d[dom].st.validate_ns += ns;
}

int mm_install(struct mm *m, struct hv *h, const struct scn *s, uint32_t replication,
               char *err, size_t errlen)
{
    if (!m || !h || !s || s->ndomains != m->ndoms) {
        sim_errmsg(err, errlen, "memory: bad arguments");
        return -SIM_EINVAL;
    }
    for (int d = 0; d < s->ndomains; d++) {
        bool trace = trace_needs_mm(s, h, d);
        if (s->domains[d].wl.type != SCN_WL_MMU && !trace)
            continue;
        struct mm_dom *x = &m->d[d];
        uint64_t nt = x->frames - 1 < MM_WL_TABLES ? x->frames - 1 : MM_WL_TABLES;
        if (nt < 1) {
            sim_errmsg(err, errlen, "domain '%s': page-table updates need at least 2 frames",
                   s->domains[d].name);
            return -SIM_EINVAL;
        }
        for (uint64_t k = 0; k < nt; k++) {
            int rc = mm_pin_table(m, d, mm_p2m(m, d, k));
            if (rc < 0) {
                sim_errmsg(err, errlen, "domain '%s': cannot pin its page tables",
                       s->domains[d].name);
                return rc;
            }
        }
        if (trace) {
            /* The trace workloads hv_new built get the memory. */
            x->st.has_mmu = true;
            for (int v = 0; v < s->domains[d].vcpus; v++) {
                struct wl *w = hv_workload(h, d, v);
                if (wl_trace_needs_mm(w) && wl_trace_attach_mm(w, m) < 0) {
                    sim_errmsg(err, errlen, "domain '%s': out of memory", s->domains[d].name);
                    return -SIM_ENOMEM;
                }
            }
            continue;
        }
        struct wl_env env = { s, d, 0, replication };
        struct wl *w = wl_mmu_new(&env, m, err, errlen);
        if (!w)
            return -SIM_EINVAL;
        int rc = hv_set_workload(h, d, 0, w);
        if (rc < 0) {
            wl_free(w);
            sim_errmsg(err, errlen, "domain '%s': cannot install its workload", s->domains[d].name);
            return rc;
        }
    }
    return 0;
}
