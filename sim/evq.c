/*
 * sim/evq.c: a priority queue of pending actions ordered by (key, seq), the
 * future-event set under the event loop and the per-CPU timer lists.
 *
 * Sources of the idea (facts only, no code taken): libevent's min-heap and
 * libuv's timer heap store each element's heap index so that erase/adjust
 * are O(log n), and libuv breaks equal timeouts with a monotonic counter;
 * OMNeT++'s cEventHeap orders by (time, priority, insertOrder) so equal
 * times run FIFO. PeerSim's Heap keeps the heap as plain arrays rather than
 * an array of pointers. Published hold-model measurements (see
 * /work/shared/facts/des-engines-and-results.md 2.3) put a 4-ary heap of
 * 16-byte entries within a small factor of any O(1) queue up to ~1e5 entries
 * with no tuning and no bad worst case, which is why this is not a calendar
 * or ladder queue.
 *
 * Layout. The heap is an array of 16-byte POD entries {key, tag} (the key
 * stored with its sign bit flipped), tag = seq << 25 | tracked << 24 | slot,
 * compared as (key, tag): seq is unique and sits in the high bits, so this
 * is (key, seq) order and the low bits never decide. The root lives at physical index 3 and the children of
 * p at 4p-8..4p-5, so with a 64-byte aligned array every group of four
 * siblings is exactly one cache line and parent/child index math is a shift,
 * never a division. Beside the heap, per slot: slot[] {fn, arg} (16 bytes,
 * read once per pop, written once per push; free slots form a LIFO list
 * through the same array, so the slot a pop frees is the one the next push
 * takes, still in cache), and for tracked entries only, pos[] (the entry's
 * heap index) and gen[] (its generation).
 *
 * Tracked entries. Only an entry queued with a handle can be cancelled or
 * moved, so only those need their heap position kept: the tracked bit in the
 * tag says whether a sift must store pos[] for the entry it moves. Plain
 * events (the bulk of a simulation's: arrivals, completions) never touch
 * pos[] or gen[], which keeps the working set of a large queue to the heap
 * and the 16-byte slots. Measured (bench/hold, idle machine): keeping pos[]
 * for every entry, with 24-byte slots holding the generation, cost 1.4-1.6x
 * a bare heap at 1e6 pending; this layout costs 1.1-1.25x at every size.
 *
 * Handles: id = gen << 24 | slot, gen being the slot's 40-bit generation.
 * A tracked entry increments gen when it takes a slot and again when it
 * leaves it, so gen is odd exactly while a tracked entry holds the slot: a
 * valid id is never 0, and an id goes stale (gen mismatch) the moment its
 * entry is popped or cancelled, whatever later reuses the slot (an untracked
 * occupant leaves gen even, which no handle matches). Generations wrap after
 * 2^39 tracked reuses of one slot; a handle kept that long could alias,
 * which we accept.
 *
 * Deferred root ("replace top"): pop takes the root and leaves a hole there
 * instead of immediately sifting the last entry down. If the next operation is
 * a push, as when a dispatched event schedules its successor, the new entry
 * goes into the hole and sifts down once: one sift per hold instead of a
 * sift-down plus a sift-up. Any other operation fills the hole first.
 *
 * Sequence space: seq has 39 bits. When it would overflow, the pending
 * entries are sorted by (key, seq) and renumbered 0..n-1 (a sorted array is a
 * valid heap), O(n log n) once per 2^39 (5.5e11) insertions; order and
 * handles are unchanged.
 *
 * Cost: comparisons are branch-free and sifts prefetch the grandchild
 * lines; a pop prefetches the slot of the entry that will most likely be
 * the next root, a whole event ahead. Large arrays get transparent huge
 * pages (sim/mem.h). docs/engine.md has the figures.
 *
 * Simplified: capacity only grows (doubling); the slot table never shrinks;
 * no priorities besides key and insertion order.
 */
#include "sim/evq.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "sim/err.h"
#include "sim/mem.h"

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#define SLOT_BITS 24
#define SLOT_MASK ((uint64_t)EVQ_MAX_PENDING - 1)
#define TRACKED ((uint64_t)1 << SLOT_BITS)     /* entry has a handle: keep pos[] */
#define SEQ_SHIFT (SLOT_BITS + 1)
#define SEQ_MAX (((uint64_t)1 << 39) - 1)
#define GEN_MASK (((uint64_t)1 << 40) - 1)
#define ROOT 3u                 /* physical index of the root */
#define NIL UINT32_MAX          /* end of the free-slot list */
#define MIN_CAP 16u
#define LINE 64u                /* cache line: one group of 4 siblings */
#define PREFETCH_SLOTS 2048u    /* slot tables beyond this (32 KiB) get the pop's prefetch */
#define PREFETCH_HEAP 2048u     /* heaps beyond this (32 KiB) get the sift's prefetches */

struct evq_ent {
    uint64_t ukey;              /* owner's key (e.g. ns) with its sign bit flipped
                                   (to_ukey), so unsigned order is signed key order */
    uint64_t tag;               /* seq << 25 | tracked << 24 | slot */
};

struct evq_slot {
    ev_fn *fn;                  /* action, NULL allowed (the owner's business) */
    union {
        void *arg;              /* occupied: passed to fn; never owned */
        uint32_t next;          /* free: next free slot, or NIL */
    } u;
};

struct evq {
    struct evq_ent *heap;       /* [ROOT, ROOT+n) in use; 64-byte aligned */
    uint32_t *pos;              /* tracked slot -> heap index */
    struct evq_slot *slot;      /* per-slot action, 16 bytes */
    uint64_t *gen;              /* per-slot generation: odd while a tracked entry holds it */
    uint32_t n;                 /* heap positions in use, the root hole included */
    uint32_t lim;               /* min(cap, max): a push without a hole needs n < lim */
    uint32_t cap;               /* entries the arrays can hold */
    uint32_t max;               /* pending limit, EVQ_MAX_PENDING unless a test lowers it */
    uint32_t used;              /* slots ever handed out; slots >= used are untouched */
    uint32_t free_head;         /* most recently freed slot, or NIL */
    bool hole;                  /* root vacated by a pop and not yet refilled */
    uint64_t seq;               /* seq of the next insertion, <= SEQ_MAX + 1 */
};

static_assert(sizeof(struct evq_ent) == 16, "heap entries must stay 16-byte POD");
static_assert(EVQ_MAX_PENDING == (size_t)1 << SLOT_BITS, "slot field is 24 bits");

static inline uint64_t to_ukey(int64_t key)
{
    return (uint64_t)key ^ (UINT64_C(1) << 63);
}

static inline int64_t from_ukey(uint64_t ukey)
{
    return (int64_t)(ukey ^ (UINT64_C(1) << 63));
}

/* (key, tag) order as one unsigned 128-bit comparison (the biased key on
 * top), which gcc compiles to cmp/sbb, not branches: which child is
 * smallest is a coin toss with random times, and the mispredicts of the
 * branchy form made a hold about 2x slower at 1e3-1e4 pending (bench/hold).
 * Keys are stored biased so that the comparison, a sift's inner step, does
 * no flipping of its own. */
static inline bool ent_lt(const struct evq_ent *a, const struct evq_ent *b)
{
    __extension__ typedef unsigned __int128 u128;
    u128 x = (u128)a->ukey << 64 | a->tag;
    u128 y = (u128)b->ukey << 64 | b->tag;
    return x < y;
}

static inline uint32_t ent_slot(const struct evq_ent *e)
{
    return (uint32_t)(e->tag & SLOT_MASK);
}

static inline uint32_t first_child(uint32_t p)
{
    return 4 * p - 8;
}

static inline uint32_t parent(uint32_t p)
{
    return (p >> 2) + 2;
}

/* Place e in the hole at h, moving smaller children up until e fits. */
static inline __attribute__((always_inline)) void sift_down(struct evq *q, uint32_t h,
                                                         struct evq_ent e)
{
    struct evq_ent *a = q->heap;
    uint32_t *pos = q->pos;
    uint32_t end = ROOT + q->n;
    /* Only a heap that may not be in L1 gains from the prefetches below:
     * with the few dozen events of a simulated host they were ~1% of an
     * event's instructions for nothing. */
    uint32_t pf_end = q->n > PREFETCH_HEAP ? end : 0;

    for (;;) {
        uint32_t c = first_child(h), m;
        if (likely(c + 3 < end)) {
            /* Tournament of the four siblings: two independent compares,
             * then one, a shorter dependency chain than a linear scan. */
            uint32_t m01 = c + ent_lt(&a[c + 1], &a[c]);
            uint32_t m23 = c + 2 + ent_lt(&a[c + 3], &a[c + 2]);
            m = ent_lt(&a[m23], &a[m01]) ? m23 : m01;
            /* Without branches the CPU cannot run ahead down the tree, so
             * fetch all four grandchild lines now: one of them is the next
             * level. Costs nothing while the heap is in L1, hides a miss per
             * level once it is not. */
            uint32_t g = first_child(c);
            if (g + 12 < pf_end) {
                __builtin_prefetch(&a[g]);
                __builtin_prefetch(&a[g + 4]);
                __builtin_prefetch(&a[g + 8]);
                __builtin_prefetch(&a[g + 12]);
            }
        } else if (c < end) {
            m = c;
            for (uint32_t i = c + 1; i < end; i++)
                if (ent_lt(&a[i], &a[m]))
                    m = i;
        } else {
            break;
        }
        if (!ent_lt(&a[m], &e))
            break;
        a[h] = a[m];
        if (a[h].tag & TRACKED)
            pos[ent_slot(&a[h])] = h;
        h = m;
    }
    a[h] = e;
    if (e.tag & TRACKED)
        pos[ent_slot(&e)] = h;
}

/* Place e in the hole at h, moving larger parents down until e fits. */
static inline void sift_up(struct evq *q, uint32_t h, struct evq_ent e)
{
    struct evq_ent *a = q->heap;
    uint32_t *pos = q->pos;

    while (h > ROOT) {
        uint32_t p = parent(h);
        if (!ent_lt(&e, &a[p]))
            break;
        a[h] = a[p];
        if (a[h].tag & TRACKED)
            pos[ent_slot(&a[h])] = h;
        h = p;
    }
    a[h] = e;
    if (e.tag & TRACKED)
        pos[ent_slot(&e)] = h;
}

/* Put e at h, whose old occupant is gone, in whichever direction it must go.
 * Only one direction can be needed: if e is below h's parent, it is below
 * everything in h's subtree too (libevent's erase makes the same argument). */
static void reseat(struct evq *q, uint32_t h, struct evq_ent e)
{
    if (h > ROOT && ent_lt(&e, &q->heap[parent(h)]))
        sift_up(q, h, e);
    else
        sift_down(q, h, e);
}

/* Refill the root hole with the last entry. Kept out of line: the hot
 * paths (a pop, a push into the hole) rarely need it, and inlining its
 * sift made their frames save every register on every call. */
static __attribute__((noinline)) void fill_hole(struct evq *q)
{
    q->hole = false;
    q->n--;
    sift_down(q, ROOT, q->heap[ROOT + q->n]);
}

/* The free list is threaded through the slots themselves, not pos[]: a pop
 * followed by a push then touches only the slot's line, which the pop has
 * in cache anyway. */
static inline void slot_release(struct evq *q, uint32_t s, bool tracked)
{
    /* Only entries with a handle touch the generation: an untracked occupant
     * leaves it even, which no handle matches, so gen[] stays out of the
     * cache on the path of plain events. */
    if (tracked)
        q->gen[s]++;
    q->slot[s].u.next = q->free_head;
    q->free_head = s;
}

/* Take a slot; the caller has made sure one exists (occupied < cap). */
static inline uint32_t slot_take(struct evq *q, ev_fn *fn, void *arg, bool tracked)
{
    uint32_t s = q->free_head;
    if (s != NIL) {
        q->free_head = q->slot[s].u.next;
    } else {
        s = q->used++;
        q->gen[s] = 0;
    }
    if (tracked)
        q->gen[s]++;
    struct evq_slot *sl = &q->slot[s];
    sl->fn = fn;
    sl->u.arg = arg;
    return s;
}

static inline ev_id make_id(const struct evq *q, uint32_t s)
{
    return ((q->gen[s] & GEN_MASK) << SLOT_BITS) | s;
}

/* Slot of a live handle, or NIL. */
static inline uint32_t id_slot(const struct evq *q, ev_id id)
{
    uint64_t s = id & SLOT_MASK, gen = id >> SLOT_BITS;
    if (s >= q->used || !(gen & 1) || (q->gen[s] & GEN_MASK) != gen)
        return NIL;
    return (uint32_t)s;
}

static int ent_cmp(const void *x, const void *y)
{
    const struct evq_ent *a = x, *b = y;
    return ent_lt(a, b) ? -1 : ent_lt(b, a) ? 1 : 0;
}

/* Renumber pending entries 0..n-1 in (key, seq) order. Sorting in place
 * needs no memory, and the sorted array is itself a valid heap. */
static void renumber(struct evq *q)
{
    if (q->hole)
        fill_hole(q);
    q->seq = q->n;
    if (q->n == 0)
        return;                 /* the heap may not even be allocated yet */
    struct evq_ent *a = q->heap + ROOT;
    qsort(a, q->n, sizeof *a, ent_cmp);
    for (uint32_t i = 0; i < q->n; i++) {
        uint32_t s = ent_slot(&a[i]);
        a[i].tag = (uint64_t)i << SEQ_SHIFT | (a[i].tag & TRACKED) | s;
        q->pos[s] = ROOT + i;
    }
}

/* Tag of an entry that has a handle (a moved one). */
static inline uint64_t next_tag(struct evq *q, uint32_t s)
{
    if (unlikely(q->seq > SEQ_MAX))
        renumber(q);
    return q->seq++ << SEQ_SHIFT | TRACKED | s;
}

/* Double the arrays (up to max). On failure nothing observable changes: a
 * pos/slot array that was already enlarged is merely bigger than needed. */
static int grow(struct evq *q)
{
    uint32_t cap = q->cap ? q->cap * 2 : MIN_CAP;
    if (cap > q->max)
        cap = q->max;
    /* Entries 0..2 are padding so that sibling groups start on a line. */
    struct evq_ent *heap = mem_alloc_big(((size_t)ROOT + cap) * sizeof *heap);
    uint32_t *pos = mem_alloc_big(cap * sizeof *pos);
    struct evq_slot *slot = mem_alloc_big(cap * sizeof *slot);
    uint64_t *gen = mem_alloc_big(cap * sizeof *gen);
    if (!heap || !pos || !slot || !gen) {
        mem_free(heap);
        mem_free(pos);
        mem_free(slot);
        mem_free(gen);
        return -SIM_ENOMEM;
    }
    if (q->heap) {
        memcpy(heap + ROOT, q->heap + ROOT, q->n * sizeof *heap);
        memcpy(pos, q->pos, q->cap * sizeof *pos);
        memcpy(slot, q->slot, q->used * sizeof *slot);
        memcpy(gen, q->gen, q->used * sizeof *gen);
    }
    mem_free(q->heap);
    mem_free(q->pos);
    mem_free(q->slot);
    mem_free(q->gen);
    q->heap = heap;
    q->pos = pos;
    q->slot = slot;
    q->gen = gen;
    q->cap = cap;
    q->lim = cap < q->max ? cap : q->max;
    return 0;
}

struct evq *evq_new(void)
{
    struct evq *q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    q->max = EVQ_MAX_PENDING;
    q->free_head = NIL;
    return q;
}

void evq_free(struct evq *q)
{
    if (!q)
        return;
    mem_free(q->heap);
    mem_free(q->pos);
    mem_free(q->slot);
    mem_free(q->gen);
    free(q);
}

/* A push with no root hole to fill (or at the end of the sequence space):
 * out of line, for the same reason as fill_hole. */
static __attribute__((noinline)) int push_append(struct evq *q, int64_t key, ev_fn *fn,
                                                 void *arg, ev_id *id)
{
    if (unlikely(q->seq > SEQ_MAX))
        renumber(q);            /* also fills the hole, if any */
    if (q->hole)
        fill_hole(q);
    if (unlikely(q->n >= q->lim)) {
        if (q->n >= q->max)
            return -SIM_ENOSPC;
        int rc = grow(q);
        if (rc)
            return rc;
    }
    uint32_t s = slot_take(q, fn, arg, id != NULL);
    struct evq_ent e = { to_ukey(key), q->seq++ << SEQ_SHIFT | (id ? TRACKED : 0) | s };
    q->n++;
    sift_up(q, ROOT + q->n - 1, e);
    if (id)
        *id = make_id(q, s);
    return 0;
}

int evq_push(struct evq *q, int64_t key, ev_fn *fn, void *arg, ev_id *id)
{
    if (!q->hole || unlikely(q->seq > SEQ_MAX))
        return push_append(q, key, fn, arg, id);
    /* Replace-top: the root is free, sift the new entry down from it. */
    uint32_t s = slot_take(q, fn, arg, id != NULL);
    struct evq_ent e = { to_ukey(key), q->seq++ << SEQ_SHIFT | (id ? TRACKED : 0) | s };
    q->hole = false;
    sift_down(q, ROOT, e);
    if (id)
        *id = make_id(q, s);
    return 0;
}

bool evq_peek(const struct evq *q, int64_t *key)
{
    if (q->n == 0)
        return false;
    if (!q->hole) {
        *key = from_ukey(q->heap[ROOT].ukey);
        return true;
    }
    /* With the root vacated, the minimum is the least of its children (a
     * hole is only left when at least one entry remains). */
    const struct evq_ent *a = q->heap;
    uint32_t c = first_child(ROOT), end = ROOT + q->n, m = c;
    for (uint32_t i = c + 1; i < end && i < c + 4; i++)
        if (ent_lt(&a[i], &a[m]))
            m = i;
    *key = from_ukey(a[m].ukey);
    return true;
}

/* Take the root (no hole pending, n > 0) and leave a hole behind it. */
static inline void take_root(struct evq *q, int64_t *key, ev_fn **fn, void **arg)
{
    const struct evq_ent *top = &q->heap[ROOT];
    uint32_t s = ent_slot(top);
    const struct evq_slot *sl = &q->slot[s];
    *key = from_ukey(top->ukey);
    *fn = sl->fn;
    *arg = sl->u.arg;
    slot_release(q, s, (top->tag & TRACKED) != 0);
    if (q->n == 1) {
        q->n = 0;
        return;
    }
    q->hole = true;
    /* The next root is one of the root's children (or an entry pushed
     * before then, whose slot is hot). Its slot is a random line of a table
     * larger than the heap, and its read in the next pop was the costliest
     * load of a hold: without this bench/hold ran at ~2x the bare heap at
     * 1e5-1e6 pending instead of ~1.3x. Fetching all four now, a whole
     * event ahead, hides it; siblings stay children for several pops, so
     * most of these prefetches hit in cache. A slot table that fits in L1
     * (a simulated host keeps a few dozen events pending) gains nothing
     * from it, and the three compares were ~4% of an event there. */
    if (q->used <= PREFETCH_SLOTS)
        return;
    const struct evq_ent *a = q->heap;
    uint32_t c = first_child(ROOT), end = ROOT + q->n, m = c;
    for (uint32_t i = c + 1; i < end && i < c + 4; i++)
        m = ent_lt(&a[i], &a[m]) ? i : m;
    __builtin_prefetch(&q->slot[ent_slot(&a[m])]);
}

int evq_pop(struct evq *q, int64_t *key, ev_fn **fn, void **arg)
{
    if (q->hole)
        fill_hole(q);
    if (unlikely(q->n == 0))
        return -SIM_ENOENT;
    take_root(q, key, fn, arg);
    return 0;
}

int evq_pop_until(struct evq *q, int64_t limit, int64_t *key, ev_fn **fn, void **arg)
{
    if (q->hole)
        fill_hole(q);
    if (unlikely(q->n == 0) || q->heap[ROOT].ukey > to_ukey(limit))
        return -SIM_ENOENT;
    take_root(q, key, fn, arg);
    return 0;
}

int evq_cancel(struct evq *q, ev_id id)
{
    uint32_t s = id_slot(q, id);
    if (s == NIL)
        return -SIM_ENOENT;
    if (q->hole)
        fill_hole(q);
    uint32_t h = q->pos[s];
    slot_release(q, s, true);
    q->n--;
    uint32_t last = ROOT + q->n;
    if (h != last)
        reseat(q, h, q->heap[last]);
    return 0;
}

int evq_move(struct evq *q, ev_id id, int64_t key)
{
    uint32_t s = id_slot(q, id);
    if (s == NIL)
        return -SIM_ENOENT;
    if (q->hole)
        fill_hole(q);
    struct evq_ent e = { to_ukey(key), next_tag(q, s) };   /* may renumber: read pos after */
    reseat(q, q->pos[s], e);
    return 0;
}

bool evq_contains(const struct evq *q, ev_id id)
{
    return id_slot(q, id) != NIL;
}

bool evq_key_of(const struct evq *q, ev_id id, int64_t *key)
{
    uint32_t s = id_slot(q, id);
    if (s == NIL)
        return false;
    *key = from_ukey(q->heap[q->pos[s]].ukey);
    return true;
}

size_t evq_len(const struct evq *q)
{
    return q->n - q->hole;
}

void evq_debug_set_seq(struct evq *q, uint64_t seq)
{
    q->seq = seq > SEQ_MAX ? SEQ_MAX + 1 : seq;
}

int evq_debug_set_max(struct evq *q, size_t max)
{
    if (q->hole)
        fill_hole(q);
    if (max == 0 || max > EVQ_MAX_PENDING || max < q->n)
        return -SIM_EINVAL;
    q->max = (uint32_t)max;
    q->lim = q->cap < q->max ? q->cap : q->max;
    return 0;
}
