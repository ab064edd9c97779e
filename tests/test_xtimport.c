/*
 * tests/test_xtimport.c: the xentrace importer (traces/xtimport.{c,h}) on
 * hand-built files, byte by byte from the layouts of
 * shared/facts/xen-schedulers.md section 6 (not with xensim's writer):
 * windows with records with and without a TSC and with extra words, two
 * CPUs merged by TSC, a lost-records marker, a wrap marker, the 2.0 fixed
 * layout (switch records) and the 64-bit 3.0 one, the bounded ordering
 * buffer (periods split, totals kept), a corrupt window header, a file
 * truncated at every offset (an error naming a byte offset unless the cut
 * falls between windows or records), a vCPU migrating between two CPUs
 * whose TSCs are skewed (the damage without correction, the offsets
 * detected, bounded and applied, given offsets, contradictory migrations),
 * and input through a pipe and a stream that fails.
 */
#define _GNU_SOURCE                 /* fopencookie: a stream that fails on demand */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/check_util.h"
#include "traces/trace.h"
#include "traces/xtimport.h"

struct buf {
    uint8_t b[8192];
    size_t n;
};

static void p32(struct buf *b, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        b->b[b->n++] = (uint8_t)(v >> (8 * i));
}

static void p64(struct buf *b, uint64_t v)
{
    p32(b, (uint32_t)v);
    p32(b, (uint32_t)(v >> 32));
}

/* A compact record; tsc == UINT64_MAX: none. */
static void rec(struct buf *b, uint32_t ev, uint64_t tsc, unsigned n, const uint32_t *d)
{
    p32(b, ev | (uint32_t)n << 28 | (tsc != UINT64_MAX ? 0x80000000u : 0));
    if (tsc != UINT64_MAX)
        p64(b, tsc);
    for (unsigned i = 0; i < n; i++)
        p32(b, d[i]);
}

/* A window of cpu holding w's bytes. */
static void window(struct buf *b, uint32_t cpu, const struct buf *w)
{
    p32(b, 0x0001f003u | 2u << 28);
    p32(b, cpu);
    p32(b, (uint32_t)w->n);
    memcpy(b->b + b->n, w->b, w->n);
    b->n += w->n;
}

static uint32_t rs_ev(unsigned o, unsigned n)
{
    return 0x00021001u | o << 8 | n << 4;
}

static void rs(struct buf *b, uint64_t tsc, unsigned o, unsigned n, unsigned dom, unsigned v)
{
    uint32_t w = v | dom << 16;
    rec(b, rs_ev(o, n), tsc, 1, &w);
}

struct got {
    struct tr_record r[256];
    int n;
};

static int collect(void *ctx, const struct tr_record *r)
{
    struct got *g = ctx;
    ck_assert_int_lt(g->n, 256);
    if (g->n)
        ck_assert_int_ge(r->t, g->r[g->n - 1].t);
    g->r[g->n++] = *r;
    return 0;
}

static struct xti_import *import(const struct buf *b, enum xti_layout l, size_t pend,
                                 struct got *g)
{
    /* 1 GHz: a cycle is a ns */
    struct xti_opts o = { .layout = l, .cpu_hz = 1000000000u, .max_pending = pend };
    char err[512];
    struct xti_import *x = xti_open_mem(b->b, b->n, "t.bin", &o, err, sizeof err);
    ck_assert_msg(x != NULL, "%s", err);
    memset(g, 0, sizeof *g);
    ck_assert_int_eq(xti_run(x, collect, g), 0);
    return x;
}

static sim_time_t total(const struct got *g, int op, int dom, int vcpu)
{
    sim_time_t s = 0;
    for (int i = 0; i < g->n; i++)
        if (g->r[i].op == op && g->r[i].dom == dom && g->r[i].vcpu == vcpu)
            s += (sim_time_t)g->r[i].a;
    return s;
}

/* One CPU: dom1 vCPU0 runs 1000-3000, blocks to 7000, runnable to 7500,
 * runs to 9000 (confirmed at 8000 by a CONTINUE_RUNNING, then by one
 * without a TSC, which inherits 8000); a record with 7 extras, a lost and
 * a TSC-less wrap marker; an idle-domain change. */
static void one_cpu(struct buf *f)
{
    struct buf w = { .n = 0 };
    uint32_t x7[7] = { 1, 2, 3, 4, 5, 6, 7 };
    uint32_t lost[4] = { 5, 0, 0, 0 };
    rs(&w, 1000, 1, 0, 1, 0);
    rec(&w, 0x00022007u, 1500, 7, x7);            /* scheduler-specific, 7 extras */
    rs(&w, 3000, 0, 2, 1, 0);
    rec(&w, 0x0001f001u, 4000, 4, lost);          /* lost 5 records */
    rec(&w, 0x0001f002u, UINT64_MAX, 0, NULL);    /* wrap, no TSC */
    rs(&w, 7000, 2, 1, 1, 0);
    rs(&w, 7500, 1, 0, 1, 0);
    uint32_t c = 0 | 1u << 16;
    rec(&w, 0x00021002u, 8000, 1, &c);            /* continue running */
    rec(&w, 0x00021002u, UINT64_MAX, 1, &c);      /* no TSC: inherits 8000 */
    rs(&w, 9000, 0, 1, 1, 0);
    rs(&w, 9000, 1, 0, 32767, 0);                 /* idle: ignored */
    f->n = 0;
    window(f, 0, &w);
}

START_TEST(windows_one_cpu)
{
    struct buf f;
    one_cpu(&f);
    struct got g;
    struct xti_import *x = import(&f, XTI_AUTO, 0, &g);
    const struct xti_stats *s = xti_stats(x);
    ck_assert_int_eq(s->layout, XTI_WINDOWS);
    ck_assert_uint_eq(s->windows, 1);
    ck_assert_uint_eq(s->records, 11);
    ck_assert_uint_eq(s->by_class[XTI_C_RUNSTATE], 8);
    ck_assert_uint_eq(s->by_class[XTI_C_SCHED_CLASS], 1);
    ck_assert_uint_eq(s->by_class[XTI_C_TRACE], 2);
    ck_assert_uint_eq(s->lost_markers, 1);
    ck_assert_uint_eq(s->lost_records, 5);
    ck_assert_uint_eq(s->wraps, 1);
    ck_assert(s->runstate_mode);
    const struct tr_header *h = xti_header(x);
    ck_assert_uint_eq(h->ndomains, 1);
    ck_assert_str_eq(h->domains[0].name, "d1");
    ck_assert_uint_eq(h->domains[0].vcpus, 1);
    /* base TSC 1000: compute 0..2000, sleep 2000..6000, compute 6500..8000 */
    ck_assert_int_eq(g.n, 3);
    ck_assert_int_eq(g.r[0].op, TR_COMPUTE);
    ck_assert_int_eq(g.r[0].t, 0);
    ck_assert_uint_eq(g.r[0].a, 2000);
    ck_assert_int_eq(g.r[1].op, TR_SLEEP);
    ck_assert_int_eq(g.r[1].t, 2000);
    ck_assert_uint_eq(g.r[1].a, 4000);
    ck_assert_int_eq(g.r[2].op, TR_COMPUTE);
    ck_assert_int_eq(g.r[2].t, 6500);
    ck_assert_uint_eq(g.r[2].a, 1500);
    struct xti_vcpu v;
    ck_assert(xti_vcpu_get(x, 0, &v));
    ck_assert_int_eq(v.domid, 1);
    ck_assert_int_eq(v.run, 3500);
    ck_assert_int_eq(v.block, 4000);
    ck_assert_int_eq(v.runnable, 500);
    ck_assert(!xti_vcpu_get(x, 1, &v));
    xti_close(x);
}
END_TEST

/* Two CPUs, two windows each, out of TSC order in the file: dom0 on CPU 0,
 * dom2 (2 vCPUs) on CPU 1; the output must be time-ordered. */
START_TEST(windows_merge)
{
    struct buf f = { .n = 0 }, a = { .n = 0 }, b = { .n = 0 };
    rs(&a, 100, 1, 0, 0, 0);
    rs(&a, 600, 0, 2, 0, 0);
    rs(&b, 50, 2, 2, 2, 1);
    rs(&b, 200, 1, 0, 2, 0);
    rs(&b, 250, 2, 1, 2, 1);
    window(&f, 0, &a);
    window(&f, 1, &b);
    a.n = b.n = 0;
    rs(&a, 2000, 2, 2, 0, 0);                     /* blocked confirmed to 2000 */
    rs(&b, 900, 0, 1, 2, 0);
    rs(&b, 900, 1, 0, 2, 1);
    rs(&b, 1900, 0, 2, 2, 1);
    window(&f, 1, &b);
    window(&f, 0, &a);
    struct got g;
    struct xti_import *x = import(&f, XTI_AUTO, 0, &g);
    const struct tr_header *h = xti_header(x);
    ck_assert_uint_eq(h->ndomains, 2);
    ck_assert_str_eq(h->domains[0].name, "dom0");
    ck_assert_str_eq(h->domains[1].name, "d2");
    ck_assert_uint_eq(h->domains[1].vcpus, 2);
    ck_assert_uint_eq(xti_stats(x)->ncpus, 2);
    ck_assert_uint_eq(xti_stats(x)->windows, 4);
    /* base 50 */
    ck_assert_int_eq(total(&g, TR_COMPUTE, 0, 0), 500);
    ck_assert_int_eq(total(&g, TR_SLEEP, 0, 0), 1400);
    ck_assert_int_eq(total(&g, TR_COMPUTE, 1, 0), 700);
    ck_assert_int_eq(total(&g, TR_SLEEP, 1, 1), 200);
    ck_assert_int_eq(total(&g, TR_COMPUTE, 1, 1), 1000);
    ck_assert_int_eq(g.r[0].t, 0);                /* d2.1's sleep from 50 */
    ck_assert_int_eq(g.r[0].op, TR_SLEEP);
    xti_close(x);
}
END_TEST

/* The 2.0 layout: u32 cpu, u64 tsc, u32 event, u32 d1..d5 (36 B). */
static void rec20(struct buf *b, uint32_t cpu, uint64_t tsc, uint32_t ev, uint32_t d1)
{
    p32(b, cpu);
    p64(b, tsc);
    p32(b, ev);
    p32(b, d1);
    for (int i = 0; i < 4; i++)
        p32(b, 0xdead0000u + (uint32_t)i);
}

static void file20(struct buf *f)
{
    f->n = 0;
    rec20(f, 0, 1000, 0x00010009u, 1);    /* switch to dom1 */
    rec20(f, 0, 1200, 0x00010003u, 1);    /* dom1 blocks */
    rec20(f, 0, 1500, 0x00010009u, 2);    /* switch to dom2: dom1 blocked */
    rec20(f, 0, 2500, 0x00010002u, 1);    /* wake dom1 */
    rec20(f, 0, 3000, 0x00010009u, 1);    /* switch to dom1: dom2 runnable */
    rec20(f, 0, 3100, 0x00010009u, 32767);/* idle */
}

START_TEST(fixed32_layout)
{
    struct buf f;
    file20(&f);
    struct got g;
    struct xti_import *x = import(&f, XTI_AUTO, 0, &g);
    const struct xti_stats *s = xti_stats(x);
    ck_assert_int_eq(s->layout, XTI_FIXED32);
    ck_assert(!s->runstate_mode);
    ck_assert_uint_eq(s->by_class[XTI_C_SCHED_20], 6);
    ck_assert_uint_eq(xti_header(x)->ndomains, 2);
    ck_assert_int_eq(total(&g, TR_COMPUTE, 0, 0), 500 + 100);
    ck_assert_int_eq(total(&g, TR_SLEEP, 0, 0), 1000);
    ck_assert_int_eq(total(&g, TR_COMPUTE, 1, 0), 1500);
    xti_close(x);
}
END_TEST

/* 64-bit 3.0: u32 cpu, u64 tsc, u32 event, u32 pad, u64 data[5] (60 B),
 * 3.0 switch ids {prev dom, prev vcpu, next dom, next vcpu}. */
static void rec30(struct buf *b, uint32_t cpu, uint64_t tsc, uint32_t ev, const uint32_t *d)
{
    p32(b, cpu);
    p64(b, tsc);
    p32(b, ev);
    p32(b, 0);
    for (int i = 0; i < 5; i++)
        p64(b, d[i] | (uint64_t)0xffff << 48);   /* high halves ignored */
}

START_TEST(fixed64_layout)
{
    struct buf f = { .n = 0 };
    uint32_t s1[5] = { 32767, 1, 3, 1, 0 }, s2[5] = { 3, 1, 32767, 1, 0 };
    uint32_t bl[5] = { 3, 1, 0, 0, 0 };
    rec30(&f, 1, 100, 0x0002f00au, s1);
    rec30(&f, 1, 400, 0x0002f006u, bl);
    rec30(&f, 1, 500, 0x0002f00au, s2);
    rec30(&f, 1, 900, 0x0002f004u, bl);
    struct got g;
    struct xti_import *x = import(&f, XTI_AUTO, 0, &g);
    ck_assert_int_eq(xti_stats(x)->layout, XTI_FIXED64);
    ck_assert_uint_eq(xti_header(x)->ndomains, 1);
    ck_assert_str_eq(xti_header(x)->domains[0].name, "d3");
    ck_assert_uint_eq(xti_header(x)->domains[0].vcpus, 2);
    ck_assert_int_eq(total(&g, TR_COMPUTE, 0, 1), 400);
    ck_assert_int_eq(total(&g, TR_SLEEP, 0, 1), 400);
    xti_close(x);
    /* The same bytes forced into the 36-byte layout are refused. */
    struct xti_opts o = { .layout = XTI_FIXED32 };
    char err[512];
    ck_assert_ptr_null(xti_open_mem(f.b, f.n, "t.bin", &o, err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "t.bin: byte "));
}
END_TEST

/* A vCPU blocked all along holds back the others' operations: with a
 * buffer of 2, periods are split and the totals stay. */
START_TEST(bounded_pending)
{
    struct buf f = { .n = 0 }, w = { .n = 0 };
    rs(&w, 0, 2, 2, 5, 0);
    for (int i = 0; i < 20; i++) {
        rs(&w, 100 + 100 * (uint64_t)i, 1, 0, 6, 0);
        rs(&w, 150 + 100 * (uint64_t)i, 0, 1, 6, 0);
    }
    rs(&w, 5000, 2, 2, 5, 0);
    window(&f, 0, &w);
    struct got g;
    struct xti_import *x = import(&f, XTI_AUTO, 2, &g);
    ck_assert_uint_gt(xti_stats(x)->splits, 0);
    ck_assert_int_eq(total(&g, TR_SLEEP, 0, 0), 5000);
    ck_assert_int_eq(total(&g, TR_COMPUTE, 1, 0), 20 * 50);
    struct got g2;
    struct xti_import *y = import(&f, XTI_AUTO, 0, &g2);
    ck_assert_uint_eq(xti_stats(y)->splits, 0);
    ck_assert_int_eq(g2.n, 21);
    xti_close(y);
    xti_close(x);
}
END_TEST

START_TEST(corrupt)
{
    struct buf f;
    one_cpu(&f);
    struct buf two = f;
    memcpy(two.b + two.n, f.b, f.n);
    two.n += f.n;
    two.b[f.n] ^= 0x40;                       /* second window's header */
    struct xti_opts o = { .layout = XTI_WINDOWS };
    char err[512];
    ck_assert_ptr_null(xti_open_mem(two.b, two.n, "t.bin", &o, err, sizeof err));
    char want[64];
    snprintf(want, sizeof want, "t.bin: byte %zu: expected a TRC_TRACE_CPU_CHANGE", f.n);
    ck_assert_msg(strstr(err, want) != NULL, "%s", err);
    /* A window claiming more than the file holds. */
    f.b[8] = 0xff;
    ck_assert_ptr_null(xti_open_mem(f.b, f.n, "t.bin", &o, err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "t.bin: byte 0: the window of CPU 0 claims"));
    /* Not xentrace at all; empty. */
    ck_assert_ptr_null(xti_open_mem("hello, world", 12, "t.bin", NULL, err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "t.bin: byte 0: not a xentrace file"));
    ck_assert_ptr_null(xti_open_mem("", 0, "t.bin", NULL, err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "t.bin: byte 0: the file is empty"));
}
END_TEST

/* Every prefix of a small file: refused with a byte offset, unless the cut
 * is between windows (windows) or records (fixed32). */
START_TEST(truncated_everywhere)
{
    struct buf f = { .n = 0 }, w = { .n = 0 };
    rs(&w, 10, 1, 0, 1, 0);
    rec(&w, 0x00028004u, UINT64_MAX, 2, (uint32_t[]){ 1, 0 });
    rs(&w, 20, 0, 2, 1, 0);
    window(&f, 0, &w);
    size_t first = f.n;
    w.n = 0;
    rs(&w, 30, 2, 1, 1, 1);
    window(&f, 3, &w);
    struct xti_opts o = { .layout = XTI_AUTO };
    char err[512];
    for (size_t k = 0; k < f.n; k++) {
        struct xti_import *x = xti_open_mem(f.b, k, "t.bin", &o, err, sizeof err);
        if (k == first) {
            ck_assert_msg(x != NULL, "cut at %zu: %s", k, err);
            xti_close(x);
            continue;
        }
        ck_assert_msg(x == NULL, "cut at %zu accepted", k);
        ck_assert_msg(strstr(err, "t.bin: byte ") != NULL, "cut at %zu: %s", k, err);
    }
    struct buf g;
    file20(&g);
    o.layout = XTI_FIXED32;
    for (size_t k = 0; k < g.n; k++) {
        struct xti_import *x = xti_open_mem(g.b, k, "t.bin", &o, err, sizeof err);
        if (k && k % 36 == 0) {
            ck_assert_msg(x != NULL, "cut at %zu: %s", k, err);
            xti_close(x);
            continue;
        }
        ck_assert_msg(x == NULL, "cut at %zu accepted", k);
        char want[64];
        snprintf(want, sizeof want, "t.bin: byte %zu: ", k - k % 36);
        ck_assert_msg(strstr(err, want) != NULL, "cut at %zu: %s", k, err);
    }
}
END_TEST

/* A file on disk goes through the same passes. */
START_TEST(from_file)
{
    struct buf f;
    one_cpu(&f);
    char path[] = "/tmp/xti-test-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    FILE *fp = fdopen(fd, "w+b");
    ck_assert_uint_eq(fwrite(f.b, 1, f.n, fp), f.n);
    fflush(fp);
    char err[512];
    struct xti_import *x = xti_open_file(fp, path, NULL, err, sizeof err);
    ck_assert_msg(x != NULL, "%s", err);
    struct got g;
    memset(&g, 0, sizeof g);
    ck_assert_int_eq(xti_run(x, collect, &g), 0);
    ck_assert_int_eq(g.n, 3);
    ck_assert_uint_eq(xti_header(x)->clock_hz, XTI_DEFAULT_HZ);
    /* 2000 cycles at 2.4 GHz = 833 ns */
    ck_assert_uint_eq(g.r[0].a, 833);
    xti_close(x);
    unlink(path);
}
END_TEST

/* Two CPUs at 1 GHz, all TSCs + 10000 (true time, CPU 0's clock), CPU 1's
 * + skew on top. d1.0 runs on CPU 0 1000-3000, moves with no gap to CPU 1
 * and runs 3000-5000, blocks, is woken on CPU 1 at 6000 and runs on CPU 0
 * 6500-8000, then blocks. d2.0, on CPU 1 only, runs 500-2900 and
 * 5000-9000. */
static void migrating(struct buf *f, int64_t skew)
{
    struct buf a = { .n = 0 }, b = { .n = 0 };
    uint64_t t0 = 10000, t1 = (uint64_t)(10000 + skew);
    rs(&a, t0 + 1000, 1, 0, 1, 0);
    rs(&a, t0 + 3000, 0, 1, 1, 0);
    rs(&a, t0 + 6500, 1, 0, 1, 0);
    rs(&a, t0 + 8000, 0, 2, 1, 0);
    rs(&b, t1 + 500, 1, 0, 2, 0);
    rs(&b, t1 + 2900, 0, 1, 2, 0);
    rs(&b, t1 + 3000, 1, 0, 1, 0);
    rs(&b, t1 + 5000, 0, 2, 1, 0);
    rs(&b, t1 + 5000, 1, 0, 2, 0);
    rs(&b, t1 + 6000, 2, 1, 1, 0);
    rs(&b, t1 + 9000, 0, 1, 2, 0);
    f->n = 0;
    window(f, 0, &a);
    window(f, 1, &b);
}

static struct xti_import *import_skew(const struct buf *b, enum xti_skew mode,
                                      const struct xti_offset *off, size_t noff, struct got *g)
{
    struct xti_opts o = { .cpu_hz = 1000000000u, .skew = mode, .offsets = off,
                          .noffsets = noff };
    char err[512];
    struct xti_import *x = xti_open_mem(b->b, b->n, "t.bin", &o, err, sizeof err);
    ck_assert_msg(x != NULL, "%s", err);
    memset(g, 0, sizeof *g);
    ck_assert_int_eq(xti_run(x, collect, g), 0);
    return x;
}

static void same_records(const struct got *a, const struct got *b)
{
    ck_assert_int_eq(a->n, b->n);
    for (int i = 0; i < a->n; i++) {
        ck_assert_int_eq(a->r[i].t, b->r[i].t);
        ck_assert_int_eq(a->r[i].op, b->r[i].op);
        ck_assert_int_eq(a->r[i].dom, b->r[i].dom);
        ck_assert_int_eq(a->r[i].vcpu, b->r[i].vcpu);
        ck_assert_uint_eq(a->r[i].a, b->r[i].a);
    }
}

/* CPU 1's TSC 700 cycles behind CPU 0's. */
START_TEST(skew_detected_and_corrected)
{
    struct buf good, bad;
    migrating(&good, 0);
    migrating(&bad, -700);
    struct got gg, gb, ga, gn;
    /* The true import: d1 runs 2000 + 2000 + 1500, blocked 1000, runnable
     * 500; d2 runs 2400 + 4000; from base 10500: d1's computes at 500,
     * 2500 and 6000, its sleep at 4500. The 0->1 move has no gap (a bound
     * of 0), the 1->0 one a gap of 1500. */
    struct xti_import *x = import_skew(&good, XTI_SKEW_REPORT, NULL, 0, &gg);
    const struct xti_stats *s = xti_stats(x);
    ck_assert_uint_eq(s->skew.migrations, 2);
    ck_assert_uint_eq(s->skew.violations, 0);
    ck_assert_uint_eq(s->skew.pairs, 2);
    ck_assert(s->skew_estimated);
    struct xti_cpu c;
    ck_assert(xti_cpu_get(x, 1, &c));
    ck_assert_uint_eq(c.cpu, 1);
    ck_assert_uint_eq(c.ref, 0);
    ck_assert_int_eq(c.estimate, 0);
    ck_assert(c.has_lo && c.has_hi);
    ck_assert_int_eq(c.lo, -1500);
    ck_assert_int_eq(c.hi, 0);
    struct xti_vcpu v;
    ck_assert(xti_vcpu_get(x, 0, &v));
    ck_assert_int_eq(v.run, 5500);
    ck_assert_int_eq(v.block, 1000);
    ck_assert_int_eq(v.runnable, 500);
    ck_assert(xti_vcpu_get(x, 1, &v));
    ck_assert_int_eq(v.run, 6400);
    ck_assert_int_eq(total(&gg, TR_COMPUTE, 0, 0), 5500);
    xti_close(x);

    /* Uncorrected: d1 appears on CPU 1 at 2300 while it runs on CPU 0 to
     * 3000, so its first 2000 on CPU 0 are lost (closed at their last
     * confirmation, 1000), the overlap 2300-3000 counts as running, the
     * block at 4300 comes while it is runnable: run 700 + 1500, runnable
     * 15300-16500 = 1200, two inconsistent changes. */
    x = import_skew(&bad, XTI_SKEW_REPORT, NULL, 0, &gb);
    s = xti_stats(x);
    ck_assert_uint_eq(s->inconsistent, 2);
    ck_assert(xti_vcpu_get(x, 0, &v));
    ck_assert_int_eq(v.run, 2200);
    ck_assert_int_eq(v.runnable, 1200);
    ck_assert_int_eq(total(&gb, TR_COMPUTE, 0, 0), 2200);
    /* Detected: the 0->1 move goes back 700 (off1 - off0 <= -700), the
     * 1->0 one forward 2200 (off0 - off1 <= 2200): CPU 1's offset is in
     * -2200..-700, the smallest correction -700, the true skew. */
    ck_assert_uint_eq(s->skew.migrations, 2);
    ck_assert_uint_eq(s->skew.violations, 1);
    ck_assert_uint_eq(s->skew.worst, 700);
    ck_assert(!s->skew.conflict);
    ck_assert(s->skew_estimated);
    ck_assert(xti_cpu_get(x, 0, &c));
    ck_assert_int_eq(c.estimate, 0);
    ck_assert_int_eq(c.offset, 0);
    ck_assert(xti_cpu_get(x, 1, &c));
    ck_assert_int_eq(c.estimate, -700);
    ck_assert_int_eq(c.lo, -2200);
    ck_assert_int_eq(c.hi, -700);
    ck_assert_int_eq(c.offset, 0);            /* report: not applied */
    ck_assert(!xti_cpu_get(x, 2, &c));
    xti_close(x);

    /* Applied: the same records as the true import, no violation left. */
    x = import_skew(&bad, XTI_SKEW_AUTO, NULL, 0, &ga);
    s = xti_stats(x);
    ck_assert_uint_eq(s->skew.violations, 1);
    ck_assert_uint_eq(s->skew_after.migrations, 2);
    ck_assert_uint_eq(s->skew_after.violations, 0);
    ck_assert_uint_eq(s->inconsistent, 0);
    ck_assert(xti_cpu_get(x, 1, &c));
    ck_assert_int_eq(c.offset, -700);
    ck_assert_uint_eq(s->tsc_first, 10500);
    same_records(&ga, &gg);
    xti_close(x);

    /* Given: the same, without detection. */
    struct xti_offset off = { 1, -700 };
    x = import_skew(&bad, XTI_SKEW_NONE, &off, 1, &gn);
    ck_assert_uint_eq(xti_stats(x)->skew.migrations, 0);
    ck_assert(xti_cpu_get(x, 1, &c));
    ck_assert_int_eq(c.offset, -700);
    same_records(&gn, &gg);
    xti_close(x);
}
END_TEST

/* CPU 1 ahead by 3000: only the 1->0 move binds (off1 >= 3000 - 1500),
 * and the estimate is the smallest correction, 1500, not the truth; given
 * part of it (1000), detection adds the rest. Then moves that go back both
 * ways contradict any offsets; offsets out of range or for a CPU not in
 * the file are refused. */
START_TEST(skew_bounds_and_conflicts)
{
    struct buf f;
    migrating(&f, 3000);
    struct got g;
    struct xti_import *x = import_skew(&f, XTI_SKEW_REPORT, NULL, 0, &g);
    struct xti_cpu c;
    ck_assert(xti_cpu_get(x, 1, &c));
    ck_assert_int_eq(c.estimate, 1500);
    ck_assert_int_eq(c.lo, 1500);
    ck_assert_int_eq(c.hi, 3000);
    ck_assert_uint_eq(xti_stats(x)->skew.worst, 1500);
    xti_close(x);
    struct xti_offset off = { 1, 1000 };
    x = import_skew(&f, XTI_SKEW_AUTO, &off, 1, &g);
    ck_assert(xti_cpu_get(x, 1, &c));
    ck_assert_int_eq(c.estimate, 500);
    ck_assert_int_eq(c.offset, 1500);
    ck_assert_uint_eq(xti_stats(x)->skew.worst, 500);
    ck_assert_uint_eq(xti_stats(x)->skew_after.violations, 0);
    xti_close(x);

    /* d1.0 runs on CPU 0 1000-3000 but on CPU 1 from 2000 (off1 - off0 <=
     * -1000); d3.0 runs on CPU 1 100-4000 but on CPU 0 from 3500 (off0 -
     * off1 <= -500): the two sum to -1500 < 0, no offsets fit. */
    struct buf h = { .n = 0 }, a = { .n = 0 }, b = { .n = 0 };
    rs(&a, 1000, 1, 0, 1, 0);
    rs(&a, 3000, 0, 1, 1, 0);
    rs(&a, 3500, 1, 0, 3, 0);
    rs(&a, 3800, 0, 1, 3, 0);
    rs(&b, 100, 1, 0, 3, 0);
    rs(&b, 2000, 1, 0, 1, 0);
    rs(&b, 2500, 0, 1, 1, 0);
    rs(&b, 4000, 0, 1, 3, 0);
    window(&h, 0, &a);
    window(&h, 1, &b);
    x = import_skew(&h, XTI_SKEW_REPORT, NULL, 0, &g);
    ck_assert(xti_stats(x)->skew.conflict);
    ck_assert(!xti_stats(x)->skew_estimated);
    ck_assert_uint_eq(xti_stats(x)->skew.violations, 2);
    ck_assert_uint_eq(xti_stats(x)->skew.worst, 1000);
    xti_close(x);
    struct xti_opts o = { .skew = XTI_SKEW_AUTO };
    char err[512];
    ck_assert_ptr_null(xti_open_mem(h.b, h.n, "t.bin", &o, err, sizeof err));
    ck_assert_msg(strstr(err, "t.bin: the TSC offsets cannot be estimated") != NULL, "%s", err);
    struct xti_offset bad[2] = { { 1, 20000 }, { 5, 0 } };
    o = (struct xti_opts){ .offsets = bad, .noffsets = 1 };
    ck_assert_ptr_null(xti_open_mem(f.b, f.n, "t.bin", &o, err, sizeof err));
    ck_assert_msg(strstr(err, "t.bin: CPU 1: its TSCs (13500 to 22000) minus the offset "
                          "20000 cycles leave") != NULL, "%s", err);
    o.offsets = bad + 1;
    ck_assert_ptr_null(xti_open_mem(f.b, f.n, "t.bin", &o, err, sizeof err));
    ck_assert_msg(strstr(err, "for CPU 5, which has no records") != NULL, "%s", err);
}
END_TEST

/* Switch records only (no runstate changes): d1.0 runs on CPU 0
 * 1000-3000, then with no gap on CPU 1 3000-5000, whose TSC is 700 behind;
 * it never comes back, so the range is open below. Uncorrected, its second
 * period is lost (the switch-out on CPU 1 finds it runnable). */
START_TEST(skew_switch_records)
{
    struct buf f = { .n = 0 }, a = { .n = 0 }, b = { .n = 0 };
    uint32_t in0[4] = { 32767, 0, 1, 0 }, out0[4] = { 1, 0, 32767, 0 };
    uint32_t in1[4] = { 32767, 1, 1, 0 }, out1[4] = { 1, 0, 32767, 1 };
    rec(&a, 0x0002800au, 11000, 4, in0);
    rec(&a, 0x0002800au, 13000, 4, out0);
    rec(&b, 0x0002800au, 13000 - 700, 4, in1);
    rec(&b, 0x0002800au, 15000 - 700, 4, out1);
    window(&f, 0, &a);
    window(&f, 1, &b);
    struct got g;
    struct xti_import *x = import_skew(&f, XTI_SKEW_REPORT, NULL, 0, &g);
    const struct xti_stats *s = xti_stats(x);
    ck_assert(!s->runstate_mode);
    ck_assert_uint_eq(s->inconsistent, 1);
    ck_assert_int_eq(total(&g, TR_COMPUTE, 0, 0), 2000);
    ck_assert_uint_eq(s->skew.violations, 1);
    struct xti_cpu c;
    ck_assert(xti_cpu_get(x, 1, &c));
    ck_assert_int_eq(c.estimate, -700);
    ck_assert(!c.has_lo);
    ck_assert(c.has_hi);
    ck_assert_int_eq(c.hi, -700);
    xti_close(x);
    x = import_skew(&f, XTI_SKEW_AUTO, NULL, 0, &g);
    ck_assert_uint_eq(xti_stats(x)->inconsistent, 0);
    ck_assert_int_eq(g.n, 2);
    ck_assert_int_eq(g.r[1].t, 2000);
    ck_assert_int_eq(total(&g, TR_COMPUTE, 0, 0), 4000);
    xti_close(x);
}
END_TEST

/* Through a pipe (no seeking: copied to a temporary file first) the
 * import is the same as from memory. */
START_TEST(from_pipe)
{
    struct buf f;
    migrating(&f, -700);
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    ck_assert_int_eq(write(p[1], f.b, f.n), (ssize_t)f.n);  /* < the pipe's buffer */
    close(p[1]);
    FILE *fp = fdopen(p[0], "rb");
    ck_assert_ptr_nonnull(fp);
    struct xti_opts o = { .cpu_hz = 1000000000u, .skew = XTI_SKEW_AUTO };
    char err[512];
    struct xti_import *x = xti_open_file(fp, "pipe", &o, err, sizeof err);
    ck_assert_msg(x != NULL, "%s", err);
    ck_assert_uint_eq(xti_stats(x)->bytes, f.n);
    struct got g, m;
    memset(&g, 0, sizeof g);
    ck_assert_int_eq(xti_run(x, collect, &g), 0);
    xti_close(x);
    struct buf good;
    migrating(&good, 0);
    xti_close(import_skew(&good, XTI_SKEW_NONE, NULL, 0, &m));
    same_records(&g, &m);
}
END_TEST

/* A stream that cannot seek and fails after 40 bytes. */
static ssize_t failing_read(void *cookie, char *buf, size_t n)
{
    size_t *left = cookie;
    if (*left == 0) {
        errno = EIO;
        return -1;
    }
    size_t k = n < *left ? n : *left;
    memset(buf, 0, k);
    *left -= k;
    return (ssize_t)k;
}

START_TEST(read_error)
{
    size_t left = 40;
    FILE *fp = fopencookie(&left, "rb", (cookie_io_functions_t){ .read = failing_read });
    ck_assert_ptr_nonnull(fp);
    char err[512];
    ck_assert_ptr_null(xti_open_file(fp, "flaky", NULL, err, sizeof err));
    ck_assert_msg(strstr(err, "flaky: byte 40: read error: ") != NULL, "%s", err);
    ck_assert_msg(strstr(err, strerror(EIO)) != NULL, "%s", err);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("xtimport");
    TCase *tc = xs_tcase(s, "layouts", 10);
    tcase_add_test(tc, windows_one_cpu);
    tcase_add_test(tc, windows_merge);
    tcase_add_test(tc, fixed32_layout);
    tcase_add_test(tc, fixed64_layout);
    tcase_add_test(tc, bounded_pending);
    tc = xs_tcase(s, "damage", 30);
    tcase_add_test(tc, corrupt);
    tcase_add_test(tc, truncated_everywhere);
    tcase_add_test(tc, from_file);
    tcase_add_test(tc, from_pipe);
    tcase_add_test(tc, read_error);
    tc = xs_tcase(s, "skew", 10);
    tcase_add_test(tc, skew_detected_and_corrected);
    tcase_add_test(tc, skew_bounds_and_conflicts);
    tcase_add_test(tc, skew_switch_records);
    return s;
}

XS_CHECK_MAIN(suite)
