/*
 * bench/hold.c: the classic hold-model benchmark of the event engine, next
 * to a bare-heap baseline in the same program.
 *
 * The hold model (Jones; used for the calendar-queue and ladder-queue
 * papers, see /work/shared/facts/des-engines-and-results.md 2.1 and 2.3):
 * N events are pending; each dispatched event schedules exactly one new event
 * at now + increment, so the population stays N. Increments come from a
 * table of 2^16 exponential variates (mean 1000 ns) built once with a fixed
 * seed and read with a counter, so the cost measured is the queue, not the
 * random numbers, and both sides see the same increments.
 *
 * Engine side: the real API, ev_at() from inside the callback and ev_run().
 * Baseline: a bare 4-ary heap of 16-byte (time, seq) entries doing pop-min
 * then push(min + increment), with the engine's heap layout (root at index 3,
 * sibling groups on cache lines), its branch-free comparison and its
 * grandchild prefetch, but no handles, no slot table, no callbacks. The
 * ratio is therefore the cost of the engine's machinery, not of a better or
 * worse heap.
 *
 * Each size runs a warm-up of N holds, then ROUNDS alternating timed rounds
 * of engine and baseline. The times printed are the median rounds; the ratio
 * is the median of the per-pair ratios (an engine round over the baseline
 * round right after it), which is robust to a shared machine stealing a
 * round or two and to load that drifts over the run.
 *
 * Usage: bench/hold [SIZE...] [-n HOLDS]
 *   default sizes 1000 10000 100000 1000000, HOLDS = max(1e7, 10 N)
 * Prints one line per size: pending=N engine_ns=X baseline_ns=Y ratio=Z
 *
 * Simplified: one increment distribution (exponential); one process, so
 * the figures include whatever else the machine is doing.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim/err.h"
#include "sim/ev.h"
#include "sim/mem.h"

#define TABLE_BITS 16
#define TABLE_SIZE (1u << TABLE_BITS)
#define MEAN_NS 1000.0
#define ROUNDS 15

static sim_time_t incr[TABLE_SIZE];     /* ns, exponential(MEAN_NS) */

static void make_table(void)
{
    uint64_t x = 0x9e3779b97f4a7c15ull;  /* fixed seed: same table every run */
    for (unsigned i = 0; i < TABLE_SIZE; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        double u = ((x >> 11) + 0.5) * (1.0 / 9007199254740992.0);  /* (0,1) */
        incr[i] = (sim_time_t)llround(-MEAN_NS * log(u));
    }
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* ---- engine side ---- */

struct hold {
    struct ev_loop *loop;
    uint64_t left;              /* holds still to do in this round */
    uint32_t k;                 /* index into incr[] */
    int err;                    /* first ev_at failure, 0 if none */
};

static void hold_cb(void *arg)
{
    struct hold *h = arg;
    sim_time_t t = ev_now(h->loop) + incr[h->k++ & (TABLE_SIZE - 1)];
    int rc = ev_at(h->loop, t, hold_cb, h, NULL);
    if (rc && !h->err)
        h->err = rc;
    if (--h->left == 0)
        ev_stop(h->loop);
}

static int engine_holds(struct hold *h, uint64_t holds)
{
    h->left = holds;
    ev_run(h->loop, SIM_TIME_MAX);
    return h->err;
}

/* ---- baseline: bare 4-ary heap, root at index 3, children of p at 4p-8 ---- */

struct bent {
    int64_t time;               /* ns */
    uint64_t seq;               /* insertion order */
};

struct bheap {
    struct bent *a;             /* 64-byte aligned, [3, 3+n) used */
    uint32_t n;                 /* entries */
    uint64_t seq;               /* next seq */
    uint32_t k;                 /* index into incr[] */
};

/* The same branch-free (time, seq) comparison as sim/evq.c's ent_lt. */
static inline int bent_lt(const struct bent *a, const struct bent *b)
{
    __extension__ typedef unsigned __int128 u128;
    u128 x = (u128)((uint64_t)a->time ^ (UINT64_C(1) << 63)) << 64 | a->seq;
    u128 y = (u128)((uint64_t)b->time ^ (UINT64_C(1) << 63)) << 64 | b->seq;
    return x < y;
}

static void bheap_push(struct bheap *b, int64_t time)
{
    struct bent e = { time, b->seq++ };
    uint32_t h = 3 + b->n++;
    while (h > 3) {
        uint32_t p = (h >> 2) + 2;
        if (!bent_lt(&e, &b->a[p]))
            break;
        b->a[h] = b->a[p];
        h = p;
    }
    b->a[h] = e;
}

static struct bent bheap_pop(struct bheap *b)
{
    struct bent *a = b->a;
    struct bent top = a[3];
    struct bent e = a[3 + --b->n];
    uint32_t end = 3 + b->n, h = 3;
    for (;;) {
        uint32_t c = 4 * h - 8, m;
        if (c + 3 < end) {
            uint32_t m01 = c + bent_lt(&a[c + 1], &a[c]);
            uint32_t m23 = c + 2 + bent_lt(&a[c + 3], &a[c + 2]);
            m = bent_lt(&a[m23], &a[m01]) ? m23 : m01;
            uint32_t g = 4 * c - 8;
            if (g + 12 < end) {
                __builtin_prefetch(&a[g]);
                __builtin_prefetch(&a[g + 4]);
                __builtin_prefetch(&a[g + 8]);
                __builtin_prefetch(&a[g + 12]);
            }
        } else if (c < end) {
            m = c;
            for (uint32_t i = c + 1; i < end; i++)
                if (bent_lt(&a[i], &a[m]))
                    m = i;
        } else {
            break;
        }
        if (!bent_lt(&a[m], &e))
            break;
        a[h] = a[m];
        h = m;
    }
    a[h] = e;
    return top;
}

static void baseline_holds(struct bheap *b, uint64_t holds)
{
    for (uint64_t i = 0; i < holds; i++) {
        struct bent top = bheap_pop(b);
        bheap_push(b, top.time + incr[b->k++ & (TABLE_SIZE - 1)]);
    }
}

/* ---- driver ---- */

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

static int run_size(uint32_t n, uint64_t holds)
{
    struct hold h = { .loop = ev_loop_new() };
    size_t bytes = ((size_t)n + 3 + 3) / 4 * 4 * sizeof(struct bent);
    struct bheap b = { .a = mem_alloc_big(bytes) };
    if (!h.loop || !b.a) {
        fprintf(stderr, "hold: out of memory at pending=%u\n", n);
        ev_loop_free(h.loop);
        mem_free(b.a);
        return -1;
    }
    for (uint32_t i = 0; i < n; i++) {
        sim_time_t t = incr[i & (TABLE_SIZE - 1)];
        int rc = ev_at(h.loop, t, hold_cb, &h, NULL);
        if (rc) {
            fprintf(stderr, "hold: ev_at: %s\n", sim_strerror(rc));
            ev_loop_free(h.loop);
            mem_free(b.a);
            return -1;
        }
        bheap_push(&b, t);
    }
    h.k = b.k = n;

    engine_holds(&h, n);
    baseline_holds(&b, n);

    uint64_t per = holds / ROUNDS ? holds / ROUNDS : 1;
    double eng[ROUNDS], base[ROUNDS], ratio[ROUNDS];
    int err = 0;
    for (int r = 0; r < ROUNDS; r++) {
        double t0 = now_s();
        err |= engine_holds(&h, per);
        double t1 = now_s();
        baseline_holds(&b, per);
        double t2 = now_s();
        eng[r] = (t1 - t0) * 1e9 / per;
        base[r] = (t2 - t1) * 1e9 / per;
        ratio[r] = eng[r] / base[r];
    }
    /* Both sides must have done the same work: same population, and the
     * same sequence of times (identical increments, identical order). */
    int64_t bmin = b.a[3].time;
    sim_time_t emin = ev_next_time(h.loop);
    if (err || ev_pending(h.loop) != n || emin != bmin) {
        fprintf(stderr, "hold: engine and baseline disagree (err=%d pending=%zu next=%lld/%lld)\n",
                err, ev_pending(h.loop), (long long)emin, (long long)bmin);
        ev_loop_free(h.loop);
        mem_free(b.a);
        return -1;
    }
    /* The ratio is the median of the ratios of neighbouring rounds, which
     * ran back to back under the same load; the times are the medians. */
    qsort(eng, ROUNDS, sizeof eng[0], cmp_double);
    qsort(base, ROUNDS, sizeof base[0], cmp_double);
    qsort(ratio, ROUNDS, sizeof ratio[0], cmp_double);
    double e = eng[ROUNDS / 2], bl = base[ROUNDS / 2];
    printf("pending=%u engine_ns=%.1f baseline_ns=%.1f ratio=%.2f\n", n, e, bl,
           ratio[ROUNDS / 2]);
    fflush(stdout);
    ev_loop_free(h.loop);
    mem_free(b.a);
    return 0;
}

static int parse_u64(const char *s, uint64_t *v)
{
    char *end;
    double d = strtod(s, &end);     /* accepts 1e6 */
    if (end == s || *end || !(d >= 1) || d > 1e15)
        return -1;
    *v = (uint64_t)d;
    return 0;
}

int main(int argc, char **argv)
{
    uint64_t sizes[32];
    int nsizes = 0;
    uint64_t holds = 0;

    for (int i = 1; i < argc; i++) {
        uint64_t v;
        if (!strcmp(argv[i], "-n") && i + 1 < argc) {
            if (parse_u64(argv[++i], &holds))
                goto usage;
        } else if (nsizes < 32 && !parse_u64(argv[i], &v) && v <= EVQ_MAX_PENDING) {
            sizes[nsizes++] = v;
        } else {
            goto usage;
        }
    }
    if (!nsizes) {
        sizes[0] = 1000;
        sizes[1] = 10000;
        sizes[2] = 100000;
        sizes[3] = 1000000;
        nsizes = 4;
    }
    make_table();
    for (int i = 0; i < nsizes; i++) {
        uint64_t h = holds;
        if (!h)
            h = sizes[i] * 10 > 10000000 ? sizes[i] * 10 : 10000000;
        if (run_size((uint32_t)sizes[i], h))
            return 1;
    }
    return 0;

usage:
    fprintf(stderr, "usage: %s [SIZE...] [-n HOLDS]   (SIZE <= %zu)\n", argv[0],
            (size_t)EVQ_MAX_PENDING);
    return 2;
}
