/*
 * tests/fuzz/fuzz_xtimport.c: fuzz target for the xentrace importer
 * (traces/xtimport.{c,h}).
 *
 * libFuzzer calls LLVMFuzzerTestOneInput with arbitrary bytes. The first
 * byte picks the layout option (auto, windows, fixed32, fixed64), a small
 * or default bound on the ordering buffer, the TSC rate, the skew mode
 * (report, auto, none) and whether CPU 0 is given an offset of -1000
 * cycles; the rest is the file, read from memory. The importer must
 * refuse it with a message naming the file (and a byte offset if it is
 * damaged), or import it, and never crash, hang or leak. When it imports,
 * every record it emits must be one tr_write accepts for its header (known
 * op, domain and vCPU in range, time never negative nor going backwards,
 * a positive length) and the per-vCPU totals it reports must equal the
 * sums of the emitted COMPUTE and SLEEP records, and each CPU's estimated
 * TSC offset must lie in the range it reports, be 0 for its reference CPU
 * and, under auto, be what was applied (abort() otherwise, which
 * the fuzzer reports as a crash). Built two ways: with clang
 * -fsanitize=fuzzer by scripts/fuzz, and with tests/fuzz/corpus_main.c
 * into a plain program that `make check` runs over
 * tests/fuzz/corpus-xtimport/.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "traces/trace.h"
#include "traces/xtimport.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct state {
    const struct tr_header *h;
    sim_time_t last;
    uint64_t n;
    size_t nv;
    size_t *vbase;
    sim_time_t *run, *block;
};

static int check_rec(void *ctx, const struct tr_record *r)
{
    struct state *s = ctx;
    if ((r->op != TR_COMPUTE && r->op != TR_SLEEP) || r->dom >= s->h->ndomains ||
        r->vcpu >= s->h->domains[r->dom].vcpus || r->t < 0 || r->t < s->last || r->a == 0 ||
        r->a > (uint64_t)INT64_MAX || r->flags || r->b)
        abort();
    s->last = r->t;
    s->n++;
    size_t i = s->vbase[r->dom] + r->vcpu;
    if (r->op == TR_COMPUTE)
        s->run[i] += (sim_time_t)r->a;
    else
        s->block[i] += (sim_time_t)r->a;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 1 << 16)
        return 0;
    static const struct xti_offset off0 = { 0, -1000 };
    static const enum xti_skew skew[4] = { XTI_SKEW_REPORT, XTI_SKEW_AUTO, XTI_SKEW_NONE,
                                           XTI_SKEW_AUTO };
    struct xti_opts o = { .layout = (enum xti_layout)(data[0] & 3),
                          .max_pending = (data[0] & 4) ? 3 : 0,
                          .skew = skew[(data[0] >> 4) & 3] };
    if (data[0] & 8)
        o.cpu_hz = 1000000000u;
    if (data[0] & 64) {
        o.offsets = &off0;
        o.noffsets = 1;
    }
    char err[1024];
    err[0] = 0;
    struct xti_import *x = xti_open_mem(data + 1, size - 1, "fuzz", &o, err, sizeof err);
    if (!x) {
        if (!strstr(err, "fuzz: "))
            abort();
        return 0;
    }
    const struct tr_header *h = xti_header(x);
    struct state st = { h, 0, 0, 0, NULL, NULL, NULL };
    st.vbase = calloc(h->ndomains + 1, sizeof *st.vbase);
    for (uint32_t d = 0; d < h->ndomains; d++) {
        if (h->domains[d].vcpus < 1 || h->domains[d].vcpus > TR_MAX_VCPUS)
            abort();
        st.vbase[d + 1] = st.vbase[d] + h->domains[d].vcpus;
    }
    st.nv = st.vbase[h->ndomains];
    if (st.nv != xti_nvcpus(x))
        abort();
    st.run = calloc(st.nv + 1, sizeof *st.run);
    st.block = calloc(st.nv + 1, sizeof *st.block);
    if (!st.vbase || !st.run || !st.block)
        abort();
    int rc = xti_run(x, check_rec, &st);
    if (rc == 0) {
        const struct xti_stats *s = xti_stats(x);
        if (s->ops[TR_COMPUTE] + s->ops[TR_SLEEP] != st.n)
            abort();
        for (size_t i = 0; i < st.nv; i++) {
            struct xti_vcpu v;
            if (!xti_vcpu_get(x, i, &v) || v.run != st.run[i] || v.block != st.block[i])
                abort();
        }
        for (size_t i = 0; i < s->ncpus; i++) {
            struct xti_cpu c;
            if (!xti_cpu_get(x, i, &c))
                abort();
            int64_t given = o.noffsets && c.cpu == 0 ? off0.cycles : 0;
            if (c.offset != given + (o.skew == XTI_SKEW_AUTO ? c.estimate : 0))
                abort();
            if (!s->skew_estimated)
                continue;
            if ((c.has_lo && c.lo > c.estimate) || (c.has_hi && c.hi < c.estimate) ||
                (c.cpu == c.ref && c.estimate != 0))
                abort();
        }
        if (xti_cpu_get(x, s->ncpus, &(struct xti_cpu){ 0 }))
            abort();
    } else if (!xti_error(x)[0]) {
        abort();
    }
    free(st.vbase);
    free(st.run);
    free(st.block);
    xti_close(x);
    return 0;
}
