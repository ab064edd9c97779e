/*
 * models/mm.c: machine frames, P2M/M2P, page types and reference counts,
 * and the validated mmu_update hypercall (models/mm.h has the model, its
 * source and its simplifications).
 *
 * Representation, in proportion to the frames a guest touches rather than
 * to its memory size: P2M and M2P follow from the contiguous layout (pfn k
 * of a domain is its k-th frame; they never change after construction),
 * so a domain costs only its range and counters. A frame whose state
 * differs from the one construction gives it (untyped, unmapped: a pinned
 * page table, or a frame some entry maps) has an entry in its domain's
 * open-addressing hash table keyed by pfn (linear probing, at most 70%
 * full, 20 B an entry; one table per domain keeps a guest's lookups in a
 * small, cache-friendly table); the entry goes when the frame returns to
 * that state, so the table holds the frames in use, not every frame ever
 * touched. A pinned page table also has its MM_PT_ENTRIES entries (4 B
 * each: the mapped frame as pfn + 1 within the table's owner, whose frames
 * are the only ones it may map; a writable bit per entry): about 2 KiB. A
 * batch reserves room in its domain's table for its entries before it
 * starts, so an update never fails half applied. Ownership of a frame is a range check
 * (the hot path of validation); the owner of any machine frame is found
 * by binary search over the domains' ranges.
 */
#include "models/mm.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/metric.h"
#include "models/hv.h"
#include "sim/err.h"
#include "models/wl.h"

/* A frame not in its construction state. */
struct mm_frame {
    uint32_t key;                   /* pfn + 1 within its owner; 0: an empty slot */
    uint32_t type_count;            /* writable mappings, or 1 for a pinned table */
    uint32_t ref_count;             /* page-table entries mapping the frame */
    uint32_t table;                 /* slot + 1 in mm.tables if a page table, else 0 */
    uint8_t type;                   /* enum mm_type */
};

/* The entries of a pinned page table. */
struct mm_table {
    uint32_t pfn1[MM_PT_ENTRIES];   /* pfn + 1 (within the table's owner) mapped, 0: none */
    uint64_t wr[MM_PT_ENTRIES / 64]; /* bit i: entry i maps writable */
};

/* The frames of one domain in use: an open-addressing hash table. */
struct fset {
    struct mm_frame *h;             /* [1 << bits], NULL while none */
    unsigned bits;
    uint32_t count;                 /* entries */
};

struct mm_dom {
    uint64_t first;                 /* first mfn (contiguous layout) */
    uint64_t frames;                /* frames owned */
    struct fset fs;
    struct mm_dom_stats st;
};

struct mm {
    const struct scn *s;            /* borrowed: the domains' names, for mm_report */
    uint64_t nframes;
    int ndoms;
    struct mm_dom *d;               /* [ndoms] */
    struct mm_table **tables;       /* [ntables], NULL if free */
    uint32_t ntables, cap_tables;
    uint32_t free_hint;             /* no free slot below it */
    mm_batch_hook hook;
    void *hook_arg;
};

/* A domain with a workload that needs the memory model. */
static bool needs_mm(struct hv *h, const struct scn *s, int d)
{
    for (int v = 0; v < s->domains[d].vcpus; v++)
        if (wl_needs(hv_workload(h, d, v)) & WL_NEEDS_MM)
            return true;
    return false;
}

bool mm_host_needed(const struct scn *s, struct hv *h)
{
    for (int d = 0; s && h && d < s->ndomains; d++)
        if (needs_mm(h, s, d))
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
            sim_errmsg(err, errlen, "domain '%s': memory must be at least 4KiB",
                       s->domains[d].name);
            return NULL;
        }
        /* A table entry holds pfn + 1 in 32 bits; the loader allows 4 TiB
         * (2^30 frames) a domain and 100000 domains, so total cannot
         * overflow either. */
        if ((uint64_t)mem / MM_PAGE_BYTES >= UINT32_MAX) {
            sim_errmsg(err, errlen, "domain '%s': more than 2^32 - 2 frames", s->domains[d].name);
            return NULL;
        }
        total += (uint64_t)mem / MM_PAGE_BYTES;
    }
    struct mm *m = calloc(1, sizeof *m);
    if (!m)
        goto oom;
    m->s = s;
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
        next += x->frames;
    }
    return m;
oom:
    mm_free(m);
    sim_errmsg(err, errlen, "memory: out of memory for the domains' memory ranges");
    return NULL;
}

void mm_free(struct mm *m)
{
    if (!m)
        return;
    for (uint32_t t = 0; t < m->ntables; t++)
        free(m->tables[t]);
    free(m->tables);
    for (int d = 0; m->d && d < m->ndoms; d++)
        free(m->d[d].fs.h);
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

/* ---- each domain's frames in use ---- */

static size_t home(const struct fset *fs, uint32_t key)
{
    return (size_t)(((uint64_t)key * 0x9E3779B97F4A7C15ull) >> (64 - fs->bits));
}

static struct mm_frame *fs_find(const struct fset *fs, uint32_t key)
{
    if (!fs->h)
        return NULL;
    size_t mask = ((size_t)1 << fs->bits) - 1;
    for (size_t i = home(fs, key);; i = (i + 1) & mask) {
        if (fs->h[i].key == key)
            return &fs->h[i];
        if (fs->h[i].key == 0)
            return NULL;
    }
}

/* The entry of frame mfn of dom (owned), NULL if in its construction state. */
static struct mm_frame *find(const struct mm *m, int dom, uint64_t mfn)
{
    return fs_find(&m->d[dom].fs, (uint32_t)(mfn - m->d[dom].first + 1));
}

/* Make room in dom's set for n more entries (growing keeps it at most
 * 70% full). */
static int reserve(struct mm *m, int dom, uint64_t n)
{
    struct fset *fs = &m->d[dom].fs;
    unsigned bits = fs->bits ? fs->bits : 6;
    while ((fs->count + n) * 10 > ((uint64_t)7 << bits))
        bits++;
    if (fs->h && bits == fs->bits)
        return 0;
    if (bits > 32)
        return -SIM_ENOMEM;
    struct mm_frame *h = calloc((size_t)1 << bits, sizeof *h);
    if (!h)
        return -SIM_ENOMEM;
    struct mm_frame *old = fs->h;
    size_t oldcap = old ? (size_t)1 << fs->bits : 0;
    fs->h = h;
    fs->bits = bits;
    size_t mask = ((size_t)1 << bits) - 1;
    for (size_t j = 0; j < oldcap; j++) {
        if (!old[j].key)
            continue;
        size_t i = home(fs, old[j].key);
        while (h[i].key)
            i = (i + 1) & mask;
        h[i] = old[j];
    }
    free(old);
    return 0;
}

/* The entry of frame mfn of dom, added in the construction state if absent
 * (room was reserved). */
static struct mm_frame *get(struct mm *m, int dom, uint64_t mfn)
{
    struct fset *fs = &m->d[dom].fs;
    uint32_t key = (uint32_t)(mfn - m->d[dom].first + 1);
    size_t mask = ((size_t)1 << fs->bits) - 1;
    size_t i = home(fs, key);
    for (; fs->h[i].key; i = (i + 1) & mask)
        if (fs->h[i].key == key)
            return &fs->h[i];
    fs->h[i] = (struct mm_frame){ .key = key };
    fs->count++;
    return &fs->h[i];
}

/* Drop entry f of dom's set if the frame is back in its construction
 * state (moving later entries of its probe run back, so lookups still
 * find them). */
static void settle(struct mm *m, int dom, struct mm_frame *f)
{
    if (f->type != MM_TYPE_NONE || f->type_count || f->ref_count || f->table)
        return;
    struct fset *fs = &m->d[dom].fs;
    size_t mask = ((size_t)1 << fs->bits) - 1;
    size_t i = (size_t)(f - fs->h);
    for (size_t j = (i + 1) & mask; fs->h[j].key; j = (j + 1) & mask) {
        size_t k = home(fs, fs->h[j].key);
        /* Entry j may fill hole i unless its home lies cyclically in (i, j]. */
        bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
        if (!stays) {
            fs->h[i] = fs->h[j];
            i = j;
        }
    }
    fs->h[i].key = 0;
    fs->count--;
}

/* The state of machine frame mfn (< nframes), and its owner in *dom. */
static struct mm_frame state_of(const struct mm *m, uint64_t mfn, int *dom)
{
    int d = owner_of(m, mfn);
    if (dom)
        *dom = d;
    const struct mm_frame *f = find(m, d, mfn);
    return f ? *f : (struct mm_frame){ .key = (uint32_t)(mfn - m->d[d].first + 1) };
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
    return m->d[dom].first + pfn;
}

int mm_m2p(const struct mm *m, uint64_t mfn, int *dom, uint64_t *pfn)
{
    if (mfn >= m->nframes)
        return -SIM_EINVAL;
    int d = owner_of(m, mfn);
    if (dom)
        *dom = d;
    if (pfn)
        *pfn = mfn - m->d[d].first;
    return 0;
}

int mm_frame_info(const struct mm *m, uint64_t mfn, enum mm_type *type, uint32_t *type_count,
                  uint32_t *ref_count)
{
    if (mfn >= m->nframes)
        return -SIM_EINVAL;
    struct mm_frame f = state_of(m, mfn, NULL);
    if (type)
        *type = (enum mm_type)f.type;
    if (type_count)
        *type_count = f.type_count;
    if (ref_count)
        *ref_count = f.ref_count;
    return 0;
}

/* Whether mfn exists and is owned by dom: a range check, since the layout
 * is contiguous (the hot path of validation: no search). */
static bool owned(const struct mm *m, int dom, uint64_t mfn)
{
    const struct mm_dom *x = &m->d[dom];
    return mfn >= x->first && mfn - x->first < x->frames;
}

/* Entry i of table t of domain dom: the mfn it maps (MM_MFN_NONE if
 * none) and whether writable. */
static uint64_t entry_mfn(const struct mm *m, int dom, const struct mm_table *t, uint32_t i)
{
    return t->pfn1[i] ? m->d[dom].first + t->pfn1[i] - 1 : MM_MFN_NONE;
}

static bool entry_wr(const struct mm_table *t, uint32_t i)
{
    return (t->wr[i / 64] >> (i % 64)) & 1u;
}

int mm_pte(const struct mm *m, uint64_t table, uint32_t index, uint64_t *mfn, bool *writable)
{
    if (table >= m->nframes)
        return -SIM_EINVAL;
    int dom;
    struct mm_frame f = state_of(m, table, &dom);
    if (f.type != MM_TYPE_PT || index >= MM_PT_ENTRIES)
        return -SIM_EINVAL;
    const struct mm_table *t = m->tables[f.table - 1];
    if (mfn)
        *mfn = entry_mfn(m, dom, t, index);
    if (writable)
        *writable = entry_wr(t, index);
    return 0;
}

int mm_pin_table(struct mm *m, int dom, uint64_t mfn)
{
    if (dom < 0 || dom >= m->ndoms || !owned(m, dom, mfn))
        return -SIM_EINVAL;
    /* Validating a new L1 table: it must not be writable (type rule) and,
     * as it starts empty here, must not be mapped at all (a read-only
     * mapping would let the guest read a table it thinks is empty; kept
     * simple: refused). Any entry in the hash means one or the other. */
    if (find(m, dom, mfn))
        return -SIM_ESTATE;
    uint32_t slot = m->free_hint;
    while (slot < m->ntables && m->tables[slot])
        slot++;
    if (slot == m->ntables) {
        if (m->ntables == m->cap_tables) {
            uint32_t cap = m->cap_tables ? 2 * m->cap_tables : 16;
            struct mm_table **t = realloc(m->tables, cap * sizeof *t);
            if (!t)
                return -SIM_ENOMEM;
            m->tables = t;
            m->cap_tables = cap;
        }
        m->tables[m->ntables++] = NULL;
    }
    if (reserve(m, dom, 1) < 0 || !(m->tables[slot] = calloc(1, sizeof **m->tables)))
        return -SIM_ENOMEM;
    m->free_hint = slot + 1;
    struct mm_frame *f = get(m, dom, mfn);
    f->type = MM_TYPE_PT;
    f->type_count = 1;
    f->table = slot + 1;
    return 0;
}

/* Drop the references of a mapping of frame mfn of dom (in use: mapped). */
static void put_ref(struct mm *m, int dom, uint64_t mfn, bool writable)
{
    struct mm_frame *g = find(m, dom, mfn);
    g->ref_count--;
    if (writable && --g->type_count == 0)
        g->type = MM_TYPE_NONE;
    settle(m, dom, g);
}

int mm_unpin_table(struct mm *m, int dom, uint64_t mfn)
{
    if (dom < 0 || dom >= m->ndoms || !owned(m, dom, mfn))
        return -SIM_EINVAL;
    struct mm_frame *f = find(m, dom, mfn);
    if (!f || f->type != MM_TYPE_PT)
        return -SIM_EINVAL;
    uint32_t slot = f->table - 1;
    struct mm_table *t = m->tables[slot];
    for (uint32_t i = 0; i < MM_PT_ENTRIES; i++)
        if (t->pfn1[i])
            put_ref(m, dom, entry_mfn(m, dom, t, i), entry_wr(t, i));
    free(t);
    m->tables[slot] = NULL;
    if (slot < m->free_hint)
        m->free_hint = slot;
    f = find(m, dom, mfn);      /* the drops may have moved it */
    f->table = 0;
    f->type = MM_TYPE_NONE;
    f->type_count = 0;
    settle(m, dom, f);
    return 0;
}

enum mm_verdict mm_validate(const struct mm *m, int dom, const struct mm_entry *e)
{
    if (dom < 0 || dom >= m->ndoms)
        return MM_REJ_TABLE;
    const struct mm_frame *t = owned(m, dom, e->table) ? find(m, dom, e->table) : NULL;
    if (!t || t->type != MM_TYPE_PT || e->index >= MM_PT_ENTRIES)
        return MM_REJ_TABLE;
    if (e->mfn == MM_MFN_NONE)
        return MM_OK;
    if (!owned(m, dom, e->mfn))
        return MM_REJ_FOREIGN;
    const struct mm_frame *g;
    if (e->writable && (g = find(m, dom, e->mfn)) && g->type == MM_TYPE_PT)
        return MM_REJ_TYPE;
    return MM_OK;
}

/* Apply a validated entry (room reserved for its frame): take the new
 * mapping's references first, then drop the old one's (so remapping the
 * same frame never passes through a count of zero). */
static void apply(struct mm *m, int dom, const struct mm_entry *e)
{
    struct mm_table *t = m->tables[find(m, dom, e->table)->table - 1];
    uint32_t i = e->index;
    uint64_t old = entry_mfn(m, dom, t, i);
    bool old_wr = entry_wr(t, i);
    uint64_t bit = (uint64_t)1 << (i % 64);
    t->pfn1[i] = 0;
    t->wr[i / 64] &= ~bit;
    if (e->mfn != MM_MFN_NONE) {
        struct mm_frame *g = get(m, dom, e->mfn);
        g->ref_count++;
        if (e->writable) {
            g->type = MM_TYPE_WRITABLE;
            g->type_count++;
            t->wr[i / 64] |= bit;
        }
        t->pfn1[i] = (uint32_t)(e->mfn - m->d[dom].first + 1);
    }
    if (old != MM_MFN_NONE)
        put_ref(m, dom, old, old_wr);
}

int mm_update(struct mm *m, int dom, const struct mm_entry *e, int n,
              struct mm_batch_result *res)
{
    if (!m || dom < 0 || dom >= m->ndoms || n < 0 || (n > 0 && !e))
        return -SIM_EINVAL;
    if (reserve(m, dom, (uint64_t)n) < 0)
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

/* One mapping found in a table, for the consistency check. */
struct mapping {
    uint64_t mfn;
    bool writable;
};

static int cmp_mapping(const void *a, const void *b)
{
    uint64_t x = ((const struct mapping *)a)->mfn, y = ((const struct mapping *)b)->mfn;
    return (x > y) - (x < y);
}

/* mm_check_consistency: describe the first fault found and stop. */
#define FAIL(...)                                  \
    do {                                           \
        sim_errmsg(msg, msglen, __VA_ARGS__);      \
        rc = -SIM_ESTATE;                          \
        goto out;                                  \
    } while (0)

int mm_check_consistency(const struct mm *m, char *msg, size_t msglen)
{
    int rc = 0;
    struct mapping *map = NULL;
    /* P2M and M2P: the ranges tile machine memory in domain order, so
     * each is the other's inverse. */
    uint64_t next = 0;
    for (int d = 0; d < m->ndoms; d++) {
        if (m->d[d].first != next || m->d[d].frames == 0)
            FAIL("domain %d: its frames do not follow the previous domain's", d);
        next += m->d[d].frames;
    }
    if (next != m->nframes)
        FAIL("the domains own %llu frames, not the %llu of the machine",
             (unsigned long long)next, (unsigned long long)m->nframes);
    /* The frames in use: a lookup finds each; none is in its construction
     * state; a page table has an entry table, nothing else has one. */
    size_t nmap = 0, tables = 0;
    for (int d = 0; d < m->ndoms; d++) {
        const struct mm_dom *x = &m->d[d];
        size_t cap = x->fs.h ? (size_t)1 << x->fs.bits : 0, used = 0;
        for (size_t j = 0; j < cap; j++) {
            const struct mm_frame *f = &x->fs.h[j];
            if (!f->key)
                continue;
            used++;
            uint64_t mfn = x->first + f->key - 1;
            if (f->key > x->frames || find(m, d, mfn) != f)
                FAIL("mfn %llu: its entry in its domain's frame set is lost",
                     (unsigned long long)mfn);
            if ((f->type == MM_TYPE_PT) != (f->table != 0) || f->table > m->ntables
                || (f->table && !m->tables[f->table - 1]))
                FAIL("mfn %llu: page-table type and entry table disagree",
                     (unsigned long long)mfn);
            if (f->type == MM_TYPE_NONE && !f->type_count && !f->ref_count)
                FAIL("mfn %llu: kept in use in its construction state",
                     (unsigned long long)mfn);
            if (f->type != MM_TYPE_PT)
                continue;
            tables++;
            const struct mm_table *t = m->tables[f->table - 1];
            for (uint32_t i = 0; i < MM_PT_ENTRIES; i++)
                nmap += t->pfn1[i] != 0;
        }
        if (used != x->fs.count)
            FAIL("domain %d: its frame set counts %u frames but holds %zu", d, x->fs.count,
                 used);
    }
    uint32_t live = 0;
    for (uint32_t t = 0; t < m->ntables; t++)
        live += m->tables[t] != NULL;
    if (live != tables)
        FAIL("%u entry tables but %zu page-table frames", live, tables);
    /* Every entry maps a frame of the table's owner; the frames' counts
     * equal the mappings. */
    map = malloc((nmap ? nmap : 1) * sizeof *map);
    if (!map) {
        sim_errmsg(msg, msglen, "consistency check: out of memory");
        return -SIM_ENOMEM;
    }
    size_t k = 0, referenced = 0;
    for (int d = 0; d < m->ndoms; d++) {
        const struct mm_dom *x = &m->d[d];
        size_t cap = x->fs.h ? (size_t)1 << x->fs.bits : 0;
        for (size_t j = 0; j < cap; j++) {
            const struct mm_frame *f = &x->fs.h[j];
            referenced += f->key && f->ref_count;
            /* A frame in use that no entry maps is a pinned table. */
            if (f->key && !f->ref_count && (f->type != MM_TYPE_PT || f->type_count != 1))
                FAIL("mfn %llu: type %d type_count %u but no mappings",
                     (unsigned long long)(x->first + f->key - 1), f->type, f->type_count);
            if (!f->key || f->type != MM_TYPE_PT)
                continue;
            const struct mm_table *t = m->tables[f->table - 1];
            for (uint32_t i = 0; i < MM_PT_ENTRIES; i++) {
                if (!t->pfn1[i])
                    continue;
                uint64_t g = entry_mfn(m, d, t, i);
                if (!owned(m, d, g))
                    FAIL("table mfn %llu entry %u maps mfn %llu not of its owner",
                         (unsigned long long)(x->first + f->key - 1), i, (unsigned long long)g);
                map[k++] = (struct mapping){ g, entry_wr(t, i) };
            }
        }
    }
    qsort(map, nmap, sizeof *map, cmp_mapping);
    size_t mapped = 0;
    for (size_t a = 0; a < nmap;) {
        uint32_t refs = 0, wr = 0;
        size_t b = a;
        for (; b < nmap && map[b].mfn == map[a].mfn; b++) {
            refs++;
            wr += map[b].writable;
        }
        struct mm_frame f = state_of(m, map[a].mfn, NULL);
        bool ok = f.ref_count == refs;
        switch (f.type) {
        case MM_TYPE_NONE: ok = ok && f.type_count == 0 && wr == 0; break;
        case MM_TYPE_WRITABLE: ok = ok && wr > 0 && f.type_count == wr; break;
        case MM_TYPE_PT: ok = ok && wr == 0 && f.type_count == 1; break;
        default: ok = false; break;
        }
        if (!ok)
            FAIL("mfn %llu: type %d type_count %u ref_count %u but %u mappings, %u writable",
                 (unsigned long long)map[a].mfn, f.type, f.type_count, f.ref_count, refs, wr);
        mapped++;
        a = b;
    }
    if (referenced != mapped)
        FAIL("%zu frames count references but %zu are mapped", referenced, mapped);
out:
    free(map);
    return rc;
}

#undef FAIL

int mm_dom_stats(const struct mm *m, int dom, struct mm_dom_stats *out)
{
    if (!m || dom < 0 || dom >= m->ndoms || !out)
        return -SIM_EINVAL;
    *out = m->d[dom].st;
    return 0;
}

int mm_report(const struct mm *m, const struct metric_sink *k)
{
    int rc = 0;
    for (int d = 0; m && d < m->ndoms; d++) {
        const struct mm_dom_stats *st = &m->d[d].st;
        if (!st->has_mmu)
            continue;
        const char *name = m->s->domains[d].name;
        metric_scalar(k, &rc, d, name, "mmu_updates", (double)st->updates);
        metric_scalar(k, &rc, d, name, "mmu_batches", (double)st->batches);
        metric_scalar(k, &rc, d, name, "mmu_rejected", (double)st->rejected);
        metric_scalar(k, &rc, d, name, "mmu_validate_ns", (double)st->validate_ns);
    }
    return rc;
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

int mm_install(struct mm *m, struct hv *h, const struct scn *s, char *err, size_t errlen)
{
    if (!m || !h || !s || s->ndomains != m->ndoms) {
        sim_errmsg(err, errlen, "memory: bad arguments");
        return -SIM_EINVAL;
    }
    for (int d = 0; d < s->ndomains; d++) {
        if (!needs_mm(h, s, d))
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
                sim_errmsg(err, errlen, "domain '%s': cannot pin its page tables: %s",
                       s->domains[d].name, rc == -SIM_ENOMEM
                           ? "out of host memory for the memory model's frame and page tables"
                           : "its frame is in use");
                return rc;
            }
        }
        x->st.has_mmu = true;
    }
    return 0;
}
