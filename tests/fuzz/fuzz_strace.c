/*
 * tests/fuzz/fuzz_strace.c: fuzz target for the strace reader
 * (traces/strace.{c,h}).
 *
 * libFuzzer calls LLVMFuzzerTestOneInput with arbitrary bytes; the reader
 * must parse or report every line and never crash, hang or leak, and every
 * record it emits must be one that tr_write would accept: a known op,
 * domain 0, a vCPU below the vCPU count it reports, times never negative
 * nor going backwards (checked here; a violation aborts). The first byte
 * picks the chunk size the input is fed in, so line reassembly across
 * chunks is fuzzed too. Built two ways: with clang -fsanitize=fuzzer by
 * scripts/fuzz, and with tests/fuzz/corpus_main.c into a plain program
 * that `make check` runs over tests/fuzz/corpus-strace/.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "traces/strace.h"
#include "traces/trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct state {
    sim_time_t last;
    uint64_t n;
    uint32_t max_vcpu;
};

static int check_rec(void *ctx, const struct tr_record *r)
{
    struct state *s = ctx;
    if (r->op < 1 || r->op >= TR_OP_COUNT || r->dom != 0 || r->vcpu >= TR_MAX_VCPUS ||
        r->t < 0 || r->t < s->last || (r->flags & ~TR_F_WRITE) != 0)
        abort();
    if (r->op != TR_BLOCK_IO && r->flags)
        abort();
    if (r->vcpu + 1u > s->max_vcpu)
        s->max_vcpu = r->vcpu + 1u;
    s->last = r->t;
    s->n++;
    return 0;
}

static void ignore_diag(void *ctx, uint64_t line, const char *msg)
{
    (void)ctx;
    (void)line;
    if (!msg || !msg[0])
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16)
        return 0;
    struct state st = { 0, 0, 0 };
    struct stc_parser *p = stc_new(0, check_rec, ignore_diag, &st);
    if (!p)
        return 0;
    size_t chunk = size ? (size_t)(data[0] % 64) + 1 : 1;
    if (size && data[0] >= 192)
        chunk = size;               /* a quarter of inputs in one piece */
    for (size_t i = 0; i < size; i += chunk) {
        size_t n = i + chunk <= size ? chunk : size - i;
        if (stc_feed(p, data + i, n))
            abort();
    }
    if (stc_finish(p))
        abort();
    const struct stc_stats *s = stc_stats(p);
    uint64_t total = 0;
    for (int op = 0; op < TR_OP_COUNT; op++)
        total += s->records[op];
    if (total != st.n || st.max_vcpu > s->vcpus || s->vcpus > TR_MAX_VCPUS ||
        s->mapped + s->other + s->unknown != s->syscalls || s->skipped > s->lines)
        abort();
    for (size_t i = 0; i < stc_unknown_count(p); i++)
        if (!stc_unknown_name(p, i, NULL))
            abort();
    stc_free(p);
    return 0;
}
