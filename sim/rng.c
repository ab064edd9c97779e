/*
 * sim/rng.c: named random-number streams over GSL's mt19937.
 *
 * Sources of facts: DESIGN.md section 2 ("RNG streams"); facts/c-style-and-
 * ecosystem.md B3 (GSL streams and their pitfalls); facts/des-engines-and-
 * results.md 3.1 (keying streams by a stable name, as ns-3's
 * AssignStreams does, so that configurations share random numbers). FNV-1a
 * is Fowler/Noll/Vo's; the splitmix64 finaliser is Steele, Lea and Flood's
 * (OOPSLA 2014), as used by java.util.SplittableRandom; the state layout
 * and seeding of mt19937 are those of GSL's rng/mt.c (GSL 1.x-2.x).
 *
 * The key of a stream, part of the reproducibility contract (changing it
 * changes every result), with G = 0x9e3779b97f4a7c15 and all arithmetic
 * modulo 2^64:
 *
 *   mix(z)  = z ^= z >> 30; z *= 0xbf58476d1ce4e5b9;
 *             z ^= z >> 27; z *= 0x94d049bb133111eb; z ^ (z >> 31)
 *   fnv(s)  = FNV-1a 64 over the bytes of s (offset basis
 *             0xcbf29ce484222325, prime 0x100000001b3), without the NUL
 *   key     = mix(mix(mix(seed + G) ^ (replication + 2G)) ^ (fnv(name) + 3G))
 *
 * mix is a bijection, so with two inputs fixed, distinct values of the third
 * give distinct keys; across all three a collision has probability 2^-64.
 *
 * The generator's state: GSL seeds mt19937 from 32 bits only (mt_set masks
 * the seed), so two keys equal in their low 32 bits would give the same
 * stream. Instead the 624 state words are written directly: word 0 is
 * 0x80000000 and words 1..623 are the low 32 bits of successive splitmix64
 * outputs (state x0 = key; x_{i+1} = x_i + G; output mix(x_{i+1})); the
 * position index is set to 624 so the first draw regenerates the block.
 * Word 0 contributes only its top bit to the recurrence, and setting it is
 * what Matsumoto and Nishimura's init_by_array does: it makes the all-zero,
 * degenerate state impossible. This relies on GSL's private state layout
 * (unsigned long mt[624]; int mti), which is checked at run time on every
 * stream: the state size must match, and gsl_rng_set(r, 5489) must produce
 * the reference first two words and index. If the check fails, the stream
 * falls back to gsl_rng_set(r, key ^ (key >> 32)) and rng_scheme() says so,
 * so results record which scheme produced them.
 *
 * Simplified: no jump-ahead or substreams (GSL's mt19937 has none); streams
 * are made distinct by their keys, as GSL's manual allows for different
 * seeds.
 */
#include "sim/rng.h"
#include "sim/hash.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define MT_N 624
#define MT_REF_SEED 5489ul          /* Matsumoto and Nishimura's default */
#define MT_INIT_MULT 1812433253ul   /* from MT's init_genrand, as in GSL */
#define GOLDEN 0x9e3779b97f4a7c15ull

static const char scheme_full[] = "mt19937/splitmix64-key";
static const char scheme_fallback[] = "mt19937/gsl_rng_set-folded-key";

/* GSL's mt_state_t (rng/mt.c), restated to check the size and to write it. */
struct rng_mt_state {
    unsigned long mt[MT_N];     /* 32-bit words stored in unsigned long */
    int mti;                    /* next word to temper; MT_N = regenerate */
};

struct rng {
    gsl_rng *gen;               /* owned */
    uint64_t key;               /* rng_key() of the stream's inputs */
    char *name;                 /* owned copy */
};

static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t splitmix64_next(uint64_t *x)
{
    *x += GOLDEN;
    return mix64(*x);
}

uint64_t rng_key(uint64_t master_seed, uint32_t replication, const char *name)
{
    uint64_t k = mix64(master_seed + GOLDEN);
    k = mix64(k ^ ((uint64_t)replication + 2 * GOLDEN));
    return mix64(k ^ (hash_fnv1a64(name ? name : "") + 3 * GOLDEN));
}

/*
 * Does r hold GSL's mt19937 with the layout above? Seeds r with the
 * reference seed and compares against MT's published initialisation; r is
 * reseeded by the caller afterwards.
 */
static bool mt_layout_ok(gsl_rng *r)
{
    if (r->type != gsl_rng_mt19937 ||
        gsl_rng_size(r) != sizeof(struct rng_mt_state))
        return false;
    gsl_rng_set(r, MT_REF_SEED);
    const struct rng_mt_state *st = gsl_rng_state(r);
    unsigned long w1 = (MT_INIT_MULT * (MT_REF_SEED ^ (MT_REF_SEED >> 30)) + 1)
                       & 0xfffffffful;
    return st->mt[0] == MT_REF_SEED && st->mt[1] == w1 && st->mti == MT_N;
}

static void mt_fill(gsl_rng *r, uint64_t key)
{
    struct rng_mt_state *st = gsl_rng_state(r);
    uint64_t x = key;

    st->mt[0] = 0x80000000ul;
    for (int i = 1; i < MT_N; i++)
        st->mt[i] = (unsigned long)(splitmix64_next(&x) & 0xffffffffull);
    st->mti = MT_N;
}

struct rng *rng_new(uint64_t master_seed, uint32_t replication, const char *name)
{
    if (!name)
        return NULL;

    struct rng *r = calloc(1, sizeof *r);
    size_t n = strlen(name) + 1;
    if (!r)
        return NULL;
    r->name = malloc(n);
    r->gen = gsl_rng_alloc(gsl_rng_mt19937);
    if (!r->name || !r->gen)
        goto fail;
    memcpy(r->name, name, n);
    r->key = rng_key(master_seed, replication, name);
    if (mt_layout_ok(r->gen))
        mt_fill(r->gen, r->key);
    else
        gsl_rng_set(r->gen, (unsigned long)(r->key ^ (r->key >> 32)));
    return r;

fail:
    rng_free(r);
    return NULL;
}

void rng_free(struct rng *r)
{
    if (!r)
        return;
    if (r->gen)
        gsl_rng_free(r->gen);
    free(r->name);
    free(r);
}

double rng_uniform(struct rng *r)
{
    return gsl_rng_uniform(r->gen);
}

/*
 * n up to the generator's range (2^32 - 1 for mt19937) goes to
 * gsl_rng_uniform_int, which rejects to stay unbiased; GSL raises an error
 * above that, so larger n draw a 64-bit word from two 32-bit outputs (high
 * word first) and reject the 2^64 mod n lowest values before reducing.
 * n == 0 is outside the contract; it returns 0 without drawing rather than
 * reach GSL's error handler.
 */
uint64_t rng_below(struct rng *r, uint64_t n)
{
    gsl_rng *g = r->gen;
    uint64_t range = (uint64_t)(g->type->max - g->type->min);

    if (n == 0)
        return 0;
    if (n <= range)
        return gsl_rng_uniform_int(g, (unsigned long)n);

    /* mt19937 yields full 32-bit words (min 0, max 2^32 - 1). */
    uint64_t reject_below = (0 - n) % n;
    uint64_t x;
    do {
        uint64_t hi = gsl_rng_get(g) & 0xffffffffull;
        uint64_t lo = gsl_rng_get(g) & 0xffffffffull;
        x = hi << 32 | lo;
    } while (x < reject_below);
    return x % n;
}

gsl_rng *rng_gsl(struct rng *r)
{
    return r->gen;
}

const char *rng_name(const struct rng *r)
{
    return r->name;
}

/* Probes a scratch generator, so the answer needs no shared state and is
 * the same for every stream of the process. */
const char *rng_scheme(void)
{
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    bool ok;

    if (g)
        ok = mt_layout_ok(g);
    else
        ok = gsl_rng_mt19937->size == sizeof(struct rng_mt_state);
    if (g)
        gsl_rng_free(g);
    return ok ? scheme_full : scheme_fallback;
}
