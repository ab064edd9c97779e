/*
 * tests/test_evq.c: unit tests of the (key, seq) priority queue, sim/evq.c.
 *
 * The core is a differential test in the manner of SQLite's
 * sqlite3BitvecBuiltinTest: a long seeded random mix of push, pop, cancel
 * and move, with many equal keys, run against a plain sorted array that is
 * obviously correct, comparing every result, length, peek and handle lookup.
 * The rest pins the documented edge cases with exact expected orders:
 * FIFO ties, cancel at each end, stale handles, move, renumbering near
 * 2^39, capacity and growth.
 *
 * Simplified: allocation failure is not injected (the growth path is
 * exercised, the failure branch is not).
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim/err.h"
#include "sim/evq.h"
#include "tests/check_util.h"

#define SEQ_LIMIT ((uint64_t)1 << 39)

/* ck_assert records a checkpoint (a write to a pipe) even on success, which
 * would dominate the differential loops; REQUIRE calls Check only on failure. */
#define REQUIRE(c)                                                      \
    do {                                                                \
        if (!(c))                                                       \
            ck_abort_msg("%s:%d: %s", __FILE__, __LINE__, #c);          \
    } while (0)

static void fn_a(void *arg) { (void)arg; }
static void fn_b(void *arg) { (void)arg; }

static void *tok(uintptr_t i) { return (void *)i; }

/* Pop one entry and return its token; fails the test if the queue is empty. */
static uintptr_t pop_tok(struct evq *q, int64_t *key)
{
    int64_t k;
    ev_fn *fn;
    void *arg;
    REQUIRE(evq_pop(q, &k, &fn, &arg) == 0);
    if (key)
        *key = k;
    return (uintptr_t)arg;
}

/* ---- xorshift64*: deterministic, seeded ---- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1Dull;
}

static uint32_t rnd_below(uint32_t n)
{
    return (uint32_t)((rnd() >> 32) % n);
}

/* ---- reference: array kept sorted by (key, seq) ---- */

struct ref_ent {
    int64_t key;
    uint64_t seq;               /* reference's own insertion counter */
    ev_id id;                   /* handle the queue gave */
    uintptr_t token;            /* arg given to the queue */
    ev_fn *fn;
};

struct ref {
    struct ref_ent *v;
    size_t n, cap;
    uint64_t seq;
};

static bool ref_before(const struct ref_ent *a, const struct ref_ent *b)
{
    return a->key < b->key || (a->key == b->key && a->seq < b->seq);
}

static void ref_insert(struct ref *r, struct ref_ent e)
{
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 64;
        r->v = realloc(r->v, r->cap * sizeof *r->v);
        REQUIRE(r->v != NULL);
    }
    size_t i = r->n;
    while (i > 0 && ref_before(&e, &r->v[i - 1]))
        i--;
    memmove(&r->v[i + 1], &r->v[i], (r->n - i) * sizeof *r->v);
    r->v[i] = e;
    r->n++;
}

static struct ref_ent ref_remove(struct ref *r, size_t i)
{
    struct ref_ent e = r->v[i];
    memmove(&r->v[i], &r->v[i + 1], (r->n - i - 1) * sizeof *r->v);
    r->n--;
    return e;
}

/* Retired handles (popped or cancelled), to probe staleness. */
#define STALE_MAX 4096
struct stale {
    ev_id id[STALE_MAX];
    size_t n, next;
};

static void stale_add(struct stale *s, ev_id id)
{
    s->id[s->next] = id;
    s->next = (s->next + 1) % STALE_MAX;
    if (s->n < STALE_MAX)
        s->n++;
}

static void check_same(struct evq *q, const struct ref *r)
{
    REQUIRE(evq_len(q) == r->n);
    int64_t k = 12345;
    if (r->n == 0) {
        REQUIRE(!evq_peek(q, &k));
    } else {
        REQUIRE(evq_peek(q, &k));
        REQUIRE(k == r->v[0].key);
        /* A random live handle answers with its own key. */
        const struct ref_ent *e = &r->v[rnd_below((uint32_t)r->n)];
        if (e->id != EV_NONE) {
            REQUIRE(evq_contains(q, e->id));
            REQUIRE(evq_key_of(q, e->id, &k));
            REQUIRE(k == e->key);
        }
    }
}

/* A random reference entry that has a handle, or SIZE_MAX if none has. */
static size_t tracked_index(const struct ref *r)
{
    size_t start = rnd_below((uint32_t)r->n);
    for (size_t k = 0; k < r->n; k++) {
        size_t i = (start + k) % r->n;
        if (r->v[i].id != EV_NONE)
            return i;
    }
    return SIZE_MAX;
}

/*
 * One differential run: ops random operations, keys drawn from
 * [-keyspan/4, 3 keyspan/4) (negative keys included) so that ties are
 * frequent when keyspan is small, population steered around target. If
 * seq_jumps, the insertion counter is pushed to just below 2^39 every 997
 * operations, so that renumbering happens again and again mid-mix.
 */
static void differential(uint64_t seed, int ops, uint32_t keyspan, uint32_t target, bool seq_jumps)
{
    struct evq *q = evq_new();
    REQUIRE(q != NULL);
    struct ref r = { 0 };
    static struct stale st;
    memset(&st, 0, sizeof st);
    rng_state = seed;
    uintptr_t next_tok = 1;
    int jumps = 0;

    for (int op = 0; op < ops; op++) {
        if (seq_jumps && op % 997 == 0) {
            evq_debug_set_seq(q, SEQ_LIMIT - 1 - rnd_below(8));
            jumps++;
        }
        uint32_t dice = rnd_below(100);
        /* Bias pushes by population so that it hovers around target. */
        uint32_t push_pct = r.n < target / 2 ? 65 : r.n > target ? 25 : 40;
        if (dice < push_pct || r.n == 0) {
            struct ref_ent e = {
                .key = (int64_t)rnd_below(keyspan) - (int64_t)keyspan / 4,
                .seq = r.seq++,
                .token = next_tok++,
                .fn = (rnd() & 1) ? fn_a : fn_b,
            };
            /* A third of the entries are queued without a handle, as plain
             * events are: they never have their positions tracked, and must
             * not disturb the tracked ones around them. */
            if (rnd_below(3) == 0) {
                e.id = EV_NONE;
                REQUIRE(evq_push(q, e.key, e.fn, tok(e.token), NULL) == 0);
            } else {
                REQUIRE(evq_push(q, e.key, e.fn, tok(e.token), &e.id) == 0);
                REQUIRE(e.id != EV_NONE);
            }
            ref_insert(&r, e);
        } else if (dice < push_pct + 25) {
            int64_t k;
            ev_fn *fn;
            void *arg;
            REQUIRE(evq_pop(q, &k, &fn, &arg) == 0);
            struct ref_ent e = ref_remove(&r, 0);
            REQUIRE(k == e.key);
            REQUIRE((uintptr_t)arg == e.token);
            REQUIRE(fn == e.fn);
            if (e.id != EV_NONE) {
                REQUIRE(!evq_contains(q, e.id));
                stale_add(&st, e.id);
            }
        } else if (dice < push_pct + 35) {
            size_t i = tracked_index(&r);
            if (i == SIZE_MAX)
                continue;
            struct ref_ent e = ref_remove(&r, i);
            REQUIRE(evq_cancel(q, e.id) == 0);
            REQUIRE(evq_cancel(q, e.id) == -SIM_ENOENT);
            stale_add(&st, e.id);
        } else if (dice < push_pct + 50) {
            size_t i = tracked_index(&r);
            if (i == SIZE_MAX)
                continue;
            struct ref_ent e = ref_remove(&r, i);
            e.key = (int64_t)rnd_below(keyspan) - (int64_t)keyspan / 4;
            e.seq = r.seq++;
            REQUIRE(evq_move(q, e.id, e.key) == 0);
            ref_insert(&r, e);
        } else if (dice < push_pct + 55) {
            int64_t k;
            ev_fn *fn;
            void *arg;
            int64_t limit = (int64_t)rnd_below(keyspan) - (int64_t)keyspan / 4;
            if (r.n && r.v[0].key <= limit) {
                REQUIRE(evq_pop_until(q, limit, &k, &fn, &arg) == 0);
                struct ref_ent e = ref_remove(&r, 0);
                REQUIRE(k == e.key);
                REQUIRE((uintptr_t)arg == e.token);
                if (e.id != EV_NONE)
                    stale_add(&st, e.id);
            } else {
                REQUIRE(evq_pop_until(q, limit, &k, &fn, &arg) == -SIM_ENOENT);
            }
        } else if (st.n) {
            /* Stale handles are refused and change nothing. */
            ev_id id = st.id[rnd_below((uint32_t)st.n)];
            int64_t k;
            REQUIRE(!evq_contains(q, id));
            REQUIRE(!evq_key_of(q, id, &k));
            REQUIRE(evq_cancel(q, id) == -SIM_ENOENT);
            REQUIRE(evq_move(q, id, 0) == -SIM_ENOENT);
        }
        check_same(q, &r);
    }
    /* Drain: the full remaining order must match. */
    while (r.n) {
        int64_t k;
        uintptr_t t = pop_tok(q, &k);
        struct ref_ent e = ref_remove(&r, 0);
        REQUIRE(k == e.key);
        REQUIRE(t == e.token);
    }
    REQUIRE(evq_len(q) == 0);
    if (seq_jumps)
        REQUIRE(jumps > 10);
    free(r.v);
    evq_free(q);
}

START_TEST(test_differential_ties)
{
    differential(0x1234567ull, 400000, 16, 300, false);
}
END_TEST

START_TEST(test_differential_wide)
{
    differential(0xfeedbeefull, 150000, 1u << 30, 1500, false);
}
END_TEST

START_TEST(test_differential_renumbering)
{
    differential(0xabcdefull, 150000, 8, 200, true);
}
END_TEST

START_TEST(test_fifo_equal_keys)
{
    struct evq *q = evq_new();
    for (uintptr_t i = 0; i < 500; i++)
        ck_assert_int_eq(evq_push(q, 7, fn_a, tok(i), NULL), 0);
    /* Interleave a smaller and a larger key to disturb the heap shape. */
    ck_assert_int_eq(evq_push(q, 8, fn_a, tok(1000), NULL), 0);
    ck_assert_int_eq(evq_push(q, 6, fn_a, tok(1001), NULL), 0);
    ck_assert_uint_eq(pop_tok(q, NULL), 1001);
    for (uintptr_t i = 0; i < 500; i++) {
        int64_t k;
        ck_assert_uint_eq(pop_tok(q, &k), i);
        ck_assert_int_eq(k, 7);
    }
    ck_assert_uint_eq(pop_tok(q, NULL), 1000);
    int64_t k;
    ev_fn *fn;
    void *arg;
    ck_assert_int_eq(evq_pop(q, &k, &fn, &arg), -SIM_ENOENT);
    evq_free(q);
}
END_TEST

START_TEST(test_pop_returns_action)
{
    struct evq *q = evq_new();
    ev_id id;
    ck_assert_int_eq(evq_push(q, -5, fn_b, tok(42), &id), 0);
    ck_assert_uint_ne(id, EV_NONE);
    int64_t k;
    ev_fn *fn;
    void *arg;
    ck_assert_int_eq(evq_pop_until(q, -6, &k, &fn, &arg), -SIM_ENOENT);
    ck_assert_uint_eq(evq_len(q), 1);
    ck_assert_int_eq(evq_pop_until(q, -5, &k, &fn, &arg), 0);
    ck_assert_int_eq(k, -5);
    ck_assert(fn == fn_b);
    ck_assert_ptr_eq(arg, tok(42));
    ck_assert_int_eq(evq_pop_until(q, INT64_MAX, &k, &fn, &arg), -SIM_ENOENT);
    evq_free(q);
    evq_free(NULL);
}
END_TEST

/* Keys 10, 20, ..., 90 pushed in a scrambled order; tokens are the keys. */
static struct evq *nine(ev_id ids[10])
{
    static const int order[9] = { 5, 1, 9, 3, 7, 2, 8, 4, 6 };
    struct evq *q = evq_new();
    for (int i = 0; i < 9; i++) {
        int k = order[i] * 10;
        ck_assert_int_eq(evq_push(q, k, fn_a, tok((uintptr_t)k), &ids[order[i]]), 0);
    }
    return q;
}

static void expect_drain(struct evq *q, const uintptr_t *want, size_t n)
{
    ck_assert_uint_eq(evq_len(q), n);
    for (size_t i = 0; i < n; i++)
        ck_assert_uint_eq(pop_tok(q, NULL), want[i]);
    ck_assert_uint_eq(evq_len(q), 0);
}

START_TEST(test_cancel_head_middle_last)
{
    ev_id ids[10];
    struct evq *q = nine(ids);
    ck_assert_int_eq(evq_cancel(q, ids[1]), 0);          /* head */
    int64_t k;
    ck_assert(evq_peek(q, &k));
    ck_assert_int_eq(k, 20);
    ck_assert_int_eq(evq_cancel(q, ids[5]), 0);          /* middle */
    ck_assert_int_eq(evq_cancel(q, ids[6]), 0);          /* last pushed */
    ck_assert_int_eq(evq_cancel(q, ids[9]), 0);          /* largest */
    static const uintptr_t want[] = { 20, 30, 40, 70, 80 };
    expect_drain(q, want, 5);
    evq_free(q);
}
END_TEST

START_TEST(test_cancel_after_pop)
{
    /* Cancel while the root is vacated by a pop (the deferred refill). */
    ev_id ids[10];
    struct evq *q = nine(ids);
    ck_assert_uint_eq(pop_tok(q, NULL), 10);
    int64_t k;
    ck_assert(evq_peek(q, &k));
    ck_assert_int_eq(k, 20);
    ck_assert_uint_eq(evq_len(q), 8);
    ck_assert_int_eq(evq_cancel(q, ids[2]), 0);
    ck_assert_uint_eq(pop_tok(q, NULL), 30);
    ck_assert_int_eq(evq_move(q, ids[4], 95), 0);
    ck_assert_int_eq(evq_push(q, 55, fn_a, tok(55), NULL), 0);
    static const uintptr_t want[] = { 50, 55, 60, 70, 80, 90, 40 };
    expect_drain(q, want, 7);
    evq_free(q);
}
END_TEST

START_TEST(test_stale_handles)
{
    struct evq *q = evq_new();
    ev_id a, b, c, d;
    ck_assert_int_eq(evq_push(q, 1, fn_a, tok(1), &a), 0);
    ck_assert_int_eq(evq_push(q, 2, fn_a, tok(2), &b), 0);
    ck_assert_int_eq(evq_push(q, 3, fn_a, tok(3), &c), 0);

    /* After pop. */
    ck_assert_uint_eq(pop_tok(q, NULL), 1);
    ck_assert(!evq_contains(q, a));
    ck_assert_int_eq(evq_cancel(q, a), -SIM_ENOENT);
    ck_assert_int_eq(evq_move(q, a, 0), -SIM_ENOENT);

    /* After cancel. */
    ck_assert_int_eq(evq_cancel(q, b), 0);
    ck_assert_int_eq(evq_cancel(q, b), -SIM_ENOENT);
    int64_t k;
    ck_assert(!evq_key_of(q, b, &k));

    /* After the slot is reused: d takes a freed slot (same low bits as
     * a or b), yet the old handles still miss and d is untouched. */
    ck_assert_int_eq(evq_push(q, 0, fn_a, tok(4), &d), 0);
    ck_assert(d != a && d != b);
    ck_assert((d & 0xffffff) == (a & 0xffffff) || (d & 0xffffff) == (b & 0xffffff));
    ck_assert_int_eq(evq_cancel(q, a), -SIM_ENOENT);
    ck_assert_int_eq(evq_cancel(q, b), -SIM_ENOENT);
    ck_assert_int_eq(evq_move(q, a, 100), -SIM_ENOENT);
    ck_assert(evq_contains(q, d));
    ck_assert(evq_key_of(q, d, &k));
    ck_assert_int_eq(k, 0);
    ck_assert_uint_eq(evq_len(q), 2);

    /* Never-valid handles. */
    ck_assert(!evq_contains(q, EV_NONE));
    ck_assert_int_eq(evq_cancel(q, EV_NONE), -SIM_ENOENT);
    ck_assert_int_eq(evq_cancel(q, ~(ev_id)0), -SIM_ENOENT);
    ck_assert_int_eq(evq_cancel(q, (ev_id)1 << 24 | 0xfffff), -SIM_ENOENT);
    ck_assert_int_eq(evq_cancel(q, d + (1u << 24)), -SIM_ENOENT);   /* even generation */
    ck_assert_int_eq(evq_cancel(q, d + (2u << 24)), -SIM_ENOENT);   /* a later one */

    static const uintptr_t want[] = { 4, 3 };
    expect_drain(q, want, 2);

    /* A freed slot's own generation (even) never makes a handle valid. */
    ev_id x;
    ck_assert_int_eq(evq_push(q, 5, fn_a, tok(5), &x), 0);
    ck_assert_uint_eq(pop_tok(q, NULL), 5);
    ck_assert(!evq_contains(q, x + ((ev_id)1 << 24)));
    ck_assert_int_eq(evq_cancel(q, x + ((ev_id)1 << 24)), -SIM_ENOENT);
    evq_free(q);
}
END_TEST

START_TEST(test_move_reorders_as_fresh)
{
    struct evq *q = evq_new();
    ev_id a, b, c;
    ck_assert_int_eq(evq_push(q, 5, fn_a, tok(1), &a), 0);
    ck_assert_int_eq(evq_push(q, 5, fn_a, tok(2), &b), 0);
    ck_assert_int_eq(evq_push(q, 5, fn_a, tok(3), &c), 0);
    /* Same key: a goes behind the others, as if pushed now. */
    ck_assert_int_eq(evq_move(q, a, 5), 0);
    /* Earlier key: c to the front. */
    ck_assert_int_eq(evq_move(q, c, 1), 0);
    /* Later key, then back: b ends up behind a at key 5. */
    ck_assert_int_eq(evq_move(q, b, 9), 0);
    ck_assert_int_eq(evq_move(q, b, 5), 0);
    int64_t k;
    ck_assert(evq_key_of(q, c, &k));
    ck_assert_int_eq(k, 1);
    ck_assert(evq_contains(q, a) && evq_contains(q, b) && evq_contains(q, c));
    static const uintptr_t want[] = { 3, 1, 2 };
    expect_drain(q, want, 3);
    evq_free(q);
}
END_TEST

START_TEST(test_renumbering_keeps_order_and_handles)
{
    struct evq *q = evq_new();
    ev_id id[40];
    /* 20 entries with old seqs, keys 0..4 repeating. */
    for (uintptr_t i = 0; i < 20; i++)
        ck_assert_int_eq(evq_push(q, (int64_t)(i % 5), fn_a, tok(i), &id[i]), 0);
    /* The next 3 pushes use the last seqs, the 4th forces a renumbering. */
    evq_debug_set_seq(q, SEQ_LIMIT - 3);
    for (uintptr_t i = 20; i < 40; i++)
        ck_assert_int_eq(evq_push(q, (int64_t)(i % 5), fn_a, tok(i), &id[i]), 0);
    /* All handles survived, a move after renumbering works. */
    for (int i = 0; i < 40; i++) {
        int64_t k;
        ck_assert(evq_key_of(q, id[i], &k));
        ck_assert_int_eq(k, i % 5);
    }
    ck_assert_int_eq(evq_cancel(q, id[5]), 0);
    ck_assert_int_eq(evq_move(q, id[0], 0), 0);   /* behind 10, 15, ... at key 0 */
    /* Expected: per key, insertion order across the renumbering. */
    uintptr_t want[39];
    size_t n = 0;
    for (int key = 0; key < 5; key++) {
        for (uintptr_t i = 0; i < 40; i++)
            if ((int)(i % 5) == key && i != 5 && i != 0)
                want[n++] = i;
        if (key == 0)
            want[n++] = 0;
    }
    ck_assert_uint_eq(n, 39);
    expect_drain(q, want, n);
    evq_free(q);
}
END_TEST

START_TEST(test_renumbering_by_move_and_clamp)
{
    struct evq *q = evq_new();
    ev_id a, b, c;
    ck_assert_int_eq(evq_push(q, 1, fn_a, tok(1), &a), 0);
    ck_assert_int_eq(evq_push(q, 1, fn_a, tok(2), &b), 0);
    ck_assert_int_eq(evq_push(q, 1, fn_a, tok(3), &c), 0);
    ck_assert_uint_eq(pop_tok(q, NULL), 1);        /* leave the root vacated */
    evq_debug_set_seq(q, UINT64_MAX);              /* clamped: renumber next */
    ck_assert_int_eq(evq_move(q, b, 1), 0);        /* renumbers, then b last */
    ck_assert_int_eq(evq_push(q, 1, fn_a, tok(4), NULL), 0);
    ck_assert(!evq_contains(q, a));
    static const uintptr_t want[] = { 3, 2, 4 };
    expect_drain(q, want, 3);
    evq_free(q);
}
END_TEST

START_TEST(test_renumbering_empty)
{
    /* Renumbering a queue that never held anything (no arrays yet). */
    struct evq *q = evq_new();
    evq_debug_set_seq(q, SEQ_LIMIT);
    ev_id a, b;
    ck_assert_int_eq(evq_push(q, 3, fn_a, tok(1), &a), 0);
    ck_assert_int_eq(evq_push(q, 3, fn_a, tok(2), &b), 0);
    int64_t k;
    ck_assert(evq_key_of(q, a, &k));
    ck_assert_int_eq(k, 3);
    static const uintptr_t want[] = { 1, 2 };
    expect_drain(q, want, 2);
    evq_free(q);
}
END_TEST

START_TEST(test_capacity)
{
    struct evq *q = evq_new();
    ck_assert_int_eq(evq_debug_set_max(q, 0), -SIM_EINVAL);
    ck_assert_int_eq(evq_debug_set_max(q, EVQ_MAX_PENDING + 1), -SIM_EINVAL);
    ck_assert_int_eq(evq_debug_set_max(q, 20), 0);
    for (uintptr_t i = 0; i < 20; i++)
        ck_assert_int_eq(evq_push(q, (int64_t)(20 - i), fn_a, tok(i), NULL), 0);
    ev_id id = 99;
    ck_assert_int_eq(evq_push(q, 0, fn_a, tok(99), &id), -SIM_ENOSPC);
    ck_assert_uint_eq(id, 99);                     /* untouched on failure */
    ck_assert_uint_eq(evq_len(q), 20);
    ck_assert_int_eq(evq_debug_set_max(q, 19), -SIM_EINVAL);
    ck_assert_uint_eq(pop_tok(q, NULL), 19);
    /* Vacated root: a push fits again. */
    ck_assert_int_eq(evq_push(q, 0, fn_a, tok(100), NULL), 0);
    ck_assert_int_eq(evq_push(q, 0, fn_a, tok(101), NULL), -SIM_ENOSPC);
    ck_assert_uint_eq(pop_tok(q, NULL), 100);
    ck_assert_uint_eq(pop_tok(q, NULL), 18);
    evq_free(q);
}
END_TEST

START_TEST(test_growth_sorts)
{
    /* Enough entries for many doublings; drain must come out sorted and
     * FIFO within equal keys (token order). */
    enum { N = 50000 };
    struct evq *q = evq_new();
    rng_state = 99;
    for (uintptr_t i = 0; i < N; i++)
        REQUIRE(evq_push(q, (int64_t)rnd_below(1000), fn_a, tok(i), NULL) == 0);
    ck_assert_uint_eq(evq_len(q), N);
    int64_t prev_k = INT64_MIN;
    uintptr_t prev_t = 0;
    for (int i = 0; i < N; i++) {
        int64_t k;
        uintptr_t t = pop_tok(q, &k);
        REQUIRE(k > prev_k || (k == prev_k && t > prev_t));
        prev_k = k;
        prev_t = t;
    }
    evq_free(q);
}
END_TEST

static Suite *evq_suite(void)
{
    Suite *s = suite_create("evq");
    TCase *tc = xs_tcase(s, "differential", 60);
    tcase_add_test(tc, test_differential_ties);
    tcase_add_test(tc, test_differential_wide);
    tcase_add_test(tc, test_differential_renumbering);
    tc = xs_tcase(s, "order", 10);
    tcase_add_test(tc, test_fifo_equal_keys);
    tcase_add_test(tc, test_pop_returns_action);
    tcase_add_test(tc, test_move_reorders_as_fresh);
    tcase_add_test(tc, test_growth_sorts);
    tc = xs_tcase(s, "handles", 10);
    tcase_add_test(tc, test_cancel_head_middle_last);
    tcase_add_test(tc, test_cancel_after_pop);
    tcase_add_test(tc, test_stale_handles);
    tc = xs_tcase(s, "renumbering", 10);
    tcase_add_test(tc, test_renumbering_keeps_order_and_handles);
    tcase_add_test(tc, test_renumbering_by_move_and_clamp);
    tcase_add_test(tc, test_renumbering_empty);
    tc = xs_tcase(s, "capacity", 10);
    tcase_add_test(tc, test_capacity);
    return s;
}

XS_CHECK_MAIN(evq_suite)
