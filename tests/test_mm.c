/*
 * tests/test_mm.c: the memory model (models/mm) and the mmu workload
 * (workloads/mmu.c): the validation rules entry by entry, isolation over a
 * whole run with invalid > 0 (every forbidden update rejected, none
 * applied, P2M/M2P and the counts consistent after every batch), the
 * amortisation of the hypercall cost by batching (exact, for zero-noise
 * parameters) and determinism.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "models/hv.h"
#include "models/mm.h"
#include "schedulers/sched.h"
#include "sim/err.h"
#include "tests/check_util.h"
#include "tests/hv_rig.h"

#define US 1000LL
#define MS 1000000LL

/* ---- a host with the memory model ---- */

struct mrig {
    struct rig r;
    struct mm *m;
};

static void mrig_up(struct mrig *x, const char *yaml)
{
    rig_build(&x->r, yaml, NULL);
    x->m = x->r.host->mm;
    ck_assert_ptr_nonnull(x->m);
}

static void mrig_start(struct mrig *x)
{
    ck_assert_int_eq(hv_start(x->r.h), 0);
}

static void mrig_down(struct mrig *x)
{
    rig_down(&x->r);
}

static struct mm_dom_stats mstats(struct mrig *x, const char *name)
{
    struct mm_dom_stats st;
    ck_assert_int_eq(mm_dom_stats(x->m, dom_index(x->r.s, name), &st), 0);
    return st;
}

static void consistent(const struct mm *m)
{
    char msg[256] = "";
    ck_assert_msg(mm_check_consistency(m, msg, sizeof msg) == 0, "inconsistent: %s", msg);
}

static void frame_is(const struct mm *m, uint64_t mfn, enum mm_type type, uint32_t tc,
                     uint32_t rc)
{
    enum mm_type t;
    uint32_t a, b;
    ck_assert_int_eq(mm_frame_info(m, mfn, &t, &a, &b), 0);
    ck_assert_msg(t == type && a == tc && b == rc,
                  "mfn %llu: type %d tc %u rc %u, expected %d %u %u", (unsigned long long)mfn,
                  t, a, b, type, tc, rc);
}

static struct mm_batch_result one(struct mm *m, int dom, uint64_t table, uint32_t index,
                                  uint64_t mfn, bool writable)
{
    struct mm_entry e = { table, index, mfn, writable };
    struct mm_batch_result r;
    ck_assert_int_eq(mm_update(m, dom, &e, 1, &r), 0);
    ck_assert_int_eq(r.applied + r.rejected, 1);
    consistent(m);
    return r;
}

/* Two domains of 1 MiB (256 frames each): a owns mfns 0..255, b 256..511
 * (contiguous, scenario order); a second scheduler-free host for the rules. */
static const char two_doms[] =
    "name: mm-rules\nduration: 1s\n"
    "machine: { pcpus: 1 }\n"
    "scheduler: { name: rr }\n"
    "domains:\n"
    "  a: { memory: 1MiB, workload: { type: mmu, interval: 1ms, updates: 1 } }\n"
    "  b: { memory: 1MiB, workload: { type: cpu } }\n";

START_TEST(test_layout_p2m_m2p)
{
    struct scn *s = rig_load(two_doms);
    char err[256];
    struct mm *m = mm_new(s, err, sizeof err);
    ck_assert_msg(m != NULL, "%s", err);
    ck_assert_uint_eq(mm_nframes(m), 512);
    ck_assert_int_eq(mm_dom_frames(m, 0), 256);
    ck_assert_int_eq(mm_dom_first_mfn(m, 1), 256);
    ck_assert_uint_eq(mm_p2m(m, 0, 5), 5);
    ck_assert_uint_eq(mm_p2m(m, 1, 5), 261);
    ck_assert_uint_eq(mm_p2m(m, 1, 256), MM_MFN_NONE);
    int d;
    uint64_t pfn;
    ck_assert_int_eq(mm_m2p(m, 261, &d, &pfn), 0);
    ck_assert_int_eq(d, 1);
    ck_assert_uint_eq(pfn, 5);
    ck_assert_int_eq(mm_m2p(m, 512, &d, &pfn), -SIM_EINVAL);
    frame_is(m, 0, MM_TYPE_NONE, 0, 0);
    consistent(m);
    mm_free(m);
    scn_free(s);
}
END_TEST

START_TEST(test_rules)
{
    struct scn *s = rig_load(two_doms);
    char err[256];
    struct mm *m = mm_new(s, err, sizeof err);
    ck_assert_ptr_nonnull(m);
    const uint64_t T = 0, TB = 256;         /* a's and b's page tables */
    ck_assert_int_eq(mm_pin_table(m, 0, T), 0);
    ck_assert_int_eq(mm_pin_table(m, 0, T), -SIM_ESTATE);     /* already a table */
    ck_assert_int_eq(mm_pin_table(m, 0, TB), -SIM_EINVAL);    /* not a's frame */
    ck_assert_int_eq(mm_pin_table(m, 1, TB), 0);
    frame_is(m, T, MM_TYPE_PT, 1, 0);
    consistent(m);

    /* Own frame, writable: applied; frame 10 is now writable, 1 mapping. */
    struct mm_batch_result r = one(m, 0, T, 0, 10, true);
    ck_assert_int_eq(r.applied, 1);
    frame_is(m, 10, MM_TYPE_WRITABLE, 1, 1);
    uint64_t got;
    bool w;
    ck_assert_int_eq(mm_pte(m, T, 0, &got, &w), 0);
    ck_assert_uint_eq(got, 10);
    ck_assert(w);

    /* A foreign frame (b's 300), writable or not: rejected, nothing changes. */
    r = one(m, 0, T, 1, 300, true);
    ck_assert_int_eq(r.by_verdict[MM_REJ_FOREIGN], 1);
    r = one(m, 0, T, 1, 300, false);
    ck_assert_int_eq(r.by_verdict[MM_REJ_FOREIGN], 1);
    frame_is(m, 300, MM_TYPE_NONE, 0, 0);
    ck_assert_int_eq(mm_pte(m, T, 1, &got, &w), 0);
    ck_assert_uint_eq(got, MM_MFN_NONE);
    /* A frame past machine memory: rejected as foreign. */
    ck_assert_int_eq(one(m, 0, T, 1, 512, false).by_verdict[MM_REJ_FOREIGN], 1);

    /* Targets: b's table, a frame that is not a table, an index past the
     * table: rejected. */
    ck_assert_int_eq(one(m, 0, TB, 0, 10, true).by_verdict[MM_REJ_TABLE], 1);
    ck_assert_int_eq(one(m, 0, 10, 0, 11, true).by_verdict[MM_REJ_TABLE], 1);
    ck_assert_int_eq(one(m, 0, T, MM_PT_ENTRIES, 11, true).by_verdict[MM_REJ_TABLE], 1);
    frame_is(m, 11, MM_TYPE_NONE, 0, 0);

    /* The type rule: a page table mapped writable is refused (even the
     * table itself); read-only is fine. */
    ck_assert_int_eq(one(m, 0, T, 2, T, true).by_verdict[MM_REJ_TYPE], 1);
    frame_is(m, T, MM_TYPE_PT, 1, 0);
    ck_assert_int_eq(one(m, 0, T, 2, T, false).applied, 1);
    frame_is(m, T, MM_TYPE_PT, 1, 1);
    /* ... and a writable frame cannot become a page table. */
    ck_assert_int_eq(mm_pin_table(m, 0, 10), -SIM_ESTATE);
    frame_is(m, 10, MM_TYPE_WRITABLE, 1, 1);

    /* A second writable mapping, then remapping entry 0 away from 10:
     * counts go 2 -> 1, and the old frame keeps its type until the last
     * writable mapping goes. */
    ck_assert_int_eq(one(m, 0, T, 3, 10, true).applied, 1);
    frame_is(m, 10, MM_TYPE_WRITABLE, 2, 2);
    ck_assert_int_eq(one(m, 0, T, 0, 11, false).applied, 1);
    frame_is(m, 10, MM_TYPE_WRITABLE, 1, 1);
    frame_is(m, 11, MM_TYPE_NONE, 0, 1);
    ck_assert_int_eq(one(m, 0, T, 3, MM_MFN_NONE, false).applied, 1);
    frame_is(m, 10, MM_TYPE_NONE, 0, 0);
    /* Now 10 can be a table. */
    ck_assert_int_eq(mm_pin_table(m, 0, 10), 0);
    ck_assert_int_eq(mm_unpin_table(m, 0, 10), 0);

    /* A batch of five, two valid: the rejected ones change nothing. */
    struct mm_entry e[5] = {
        { T, 5, 20, true },       /* ok */
        { T, 6, 400, true },      /* foreign */
        { T, 7, T, true },        /* type */
        { TB, 8, 20, true },      /* b's table */
        { T, 9, 20, false },      /* ok: second mapping of 20 */
    };
    ck_assert_int_eq(mm_update(m, 0, e, 5, &r), 0);
    ck_assert_int_eq(r.applied, 2);
    ck_assert_int_eq(r.rejected, 3);
    ck_assert_int_eq(r.by_verdict[MM_REJ_FOREIGN], 1);
    ck_assert_int_eq(r.by_verdict[MM_REJ_TYPE], 1);
    ck_assert_int_eq(r.by_verdict[MM_REJ_TABLE], 1);
    frame_is(m, 20, MM_TYPE_WRITABLE, 1, 2);
    consistent(m);

    /* Counted: 12 single updates (5 applied; 3 foreign, 3 bad targets, 1
     * type) and the batch of 5. */
    struct mm_dom_stats st;
    ck_assert_int_eq(mm_dom_stats(m, 0, &st), 0);
    ck_assert_uint_eq(st.batches, 13);
    ck_assert_uint_eq(st.updates, 17);
    ck_assert_uint_eq(st.applied, 7);
    ck_assert_uint_eq(st.rejected, 10);
    ck_assert_uint_eq(st.rejected_by[MM_REJ_FOREIGN], 4);
    ck_assert_uint_eq(st.rejected_by[MM_REJ_TABLE], 4);
    ck_assert_uint_eq(st.rejected_by[MM_REJ_TYPE], 2);
    ck_assert_int_eq(mm_dom_stats(m, 1, &st), 0);
    ck_assert_uint_eq(st.batches, 0);

    /* Unpinning drops every entry's references. */
    ck_assert_int_eq(mm_unpin_table(m, 0, T), 0);
    frame_is(m, T, MM_TYPE_NONE, 0, 0);
    frame_is(m, 20, MM_TYPE_NONE, 0, 0);
    frame_is(m, 11, MM_TYPE_NONE, 0, 0);
    ck_assert_int_eq(mm_unpin_table(m, 0, T), -SIM_EINVAL);
    consistent(m);
    mm_free(m);
    scn_free(s);
}
END_TEST

/* ---- isolation over a run ---- */

struct iso {
    uint64_t batches, entries, forbidden, rejected, applied;
    int bad;                /* first failure, reported after the run */
    char msg[256];
};

static void iso_hook(void *arg, struct mm *m, int dom, const struct mm_entry *e, int n,
                     const struct mm_batch_result *r)
{
    struct iso *x = arg;
    int forbidden = 0;
    for (int i = 0; i < n; i++) {
        int owner = -1;
        if (mm_m2p(m, e[i].mfn, &owner, NULL) < 0 || owner != dom)
            forbidden++;
    }
    x->batches++;
    x->entries += (uint64_t)n;
    x->forbidden += (uint64_t)forbidden;
    x->rejected += (uint64_t)r->rejected;
    x->applied += (uint64_t)r->applied;
    if (x->bad)
        return;
    /* The workload's valid entries are always valid: exactly the forbidden
     * ones are rejected, as foreign. */
    if (r->rejected != forbidden || r->by_verdict[MM_REJ_FOREIGN] != forbidden
        || r->applied != n - forbidden) {
        x->bad = 1;
        snprintf(x->msg, sizeof x->msg, "batch %llu of dom %d: %d forbidden, %d rejected",
                 (unsigned long long)x->batches, dom, forbidden, r->rejected);
        return;
    }
    /* None applied: no entry of the batch's tables maps a foreign frame
     * (the full check below covers every table), and the tables are
     * consistent. */
    if (mm_check_consistency(m, x->msg, sizeof x->msg) < 0)
        x->bad = 2;
}

static const char iso_yaml[] =
    "name: mm-iso\nduration: 1s\nseed: 7\n"
    "machine: { pcpus: 2, clock: { tsc_hz: 2GHz } }\n"
    "scheduler: { name: rr }\n"
    "domains:\n"
    "  a: { memory: 1MiB, workload: { type: mmu, updates: 50, batch: 8, invalid: 0.3,\n"
    "       interval: { dist: exponential, mean: 1ms } } }\n"
    "  b: { memory: 2MiB, workload: { type: mmu, updates: 20, batch: 1, invalid: 0.5,\n"
    "       interval: { dist: uniform, min: 100us, max: 3ms } } }\n"
    "  hog: { memory: 1MiB, workload: { type: cpu } }\n";

static void iso_run(struct iso *x, struct mm_dom_stats *sa, struct mm_dom_stats *sb,
                    int64_t *cpu_a)
{
    struct mrig r;
    mrig_up(&r, iso_yaml);
    memset(x, 0, sizeof *x);
    mm_set_batch_hook(r.m, iso_hook, x);
    mrig_start(&r);
    rig_run(&r.r, 300 * MS);
    ck_assert_msg(!x->bad, "%s", x->msg);
    consistent(r.m);
    *sa = mstats(&r, "a");
    *sb = mstats(&r, "b");
    *cpu_a = dstats(&r.r, "a").cpu_time_ns;
    /* mm_install marks the domains whose workloads use the memory. */
    ck_assert(sa->has_mmu && sb->has_mmu);
    ck_assert(!mstats(&r, "hog").has_mmu);
    /* The hog's frames were never touched. */
    int hog = dom_index(r.r.s, "hog");
    uint64_t first = (uint64_t)mm_dom_first_mfn(r.m, hog);
    for (uint64_t k = 0; k < (uint64_t)mm_dom_frames(r.m, hog); k++)
        frame_is(r.m, first + k, MM_TYPE_NONE, 0, 0);
    check_conservation(&r.r);
    mrig_down(&r);
}

START_TEST(test_isolation)
{
    struct iso x;
    struct mm_dom_stats a, b;
    int64_t cpu_a;
    iso_run(&x, &a, &b, &cpu_a);
    ck_assert_uint_gt(x.batches, 500);
    ck_assert_uint_gt(x.forbidden, 1000);
    ck_assert_uint_eq(x.rejected, x.forbidden);
    ck_assert_uint_eq(x.applied, x.entries - x.forbidden);
    ck_assert_uint_eq(a.rejected + b.rejected, x.forbidden);
    ck_assert_uint_eq(a.updates + b.updates, x.entries);
    ck_assert_uint_eq(a.batches + b.batches, x.batches);
    ck_assert_uint_eq(a.rejected, a.rejected_by[MM_REJ_FOREIGN]);
    /* The fractions are about invalid (binomial: thousands of draws). */
    double fa = (double)a.rejected / (double)a.updates;
    double fb = (double)b.rejected / (double)b.updates;
    ck_assert_msg(fa > 0.25 && fa < 0.35, "a rejected %.3f", fa);
    ck_assert_msg(fb > 0.44 && fb < 0.56, "b rejected %.3f", fb);
    /* Bursts: a issues 50 in ceil(50/8) = 7 hypercalls (8 x 6, then 2);
     * the run may end inside a burst. b issues one entry per hypercall. */
    uint64_t k = a.updates / 50, rem = a.updates % 50;
    ck_assert_uint_eq(rem % 8, 0);
    ck_assert_uint_eq(a.batches, 7 * k + rem / 8);
    ck_assert_uint_eq(b.batches, b.updates);
    ck_assert_int_le(a.validate_ns, cpu_a);
}
END_TEST

/* Memory in proportion to what is touched: five guests of 4 TiB (2^30
 * frames each, 5 * 2^30 in all, past 2^32) under an address-space limit of
 * 1 GiB, where a table of every frame (24 B each, 120 GiB) could not be
 * built. The mmu guest, the last, pins 16 tables and maps frames for
 * 200 ms, alone on its pCPU: a burst of 64 updates (4 hypercalls of 16,
 * 4 * (300 + 16 * 150) cycles at 2.4 GHz: 4.5 us) 1 ms after the last,
 * plus the wake's context switch (3 us) and upcall: about 198 bursts. A fifth of its updates
 * aim at other guests' frames; every one of those is refused, its own
 * frames above 2^32 map, and the tables stay consistent. */
static const char huge_yaml[] =
    "name: mm-huge\nduration: 1s\nseed: 3\n"
    "machine: { pcpus: 1 }\n"
    "scheduler: { name: rr }\n"
    "domains:\n"
    "  big: { count: 4, memory: 4096GiB }\n"
    "  pt: { memory: 4096GiB, workload: { type: mmu, updates: 64, batch: 16, invalid: 0.2,\n"
    "        interval: 1ms } }\n";

START_TEST(test_sparse_huge)
{
#if !defined(__SANITIZE_ADDRESS__)
    struct rlimit lim = { (rlim_t)1 << 30, (rlim_t)1 << 30 };
    ck_assert_int_eq(setrlimit(RLIMIT_AS, &lim), 0);
#endif
    struct mrig r;
    mrig_up(&r, huge_yaml);
    const uint64_t per = (uint64_t)1 << 30;
    ck_assert_uint_eq(mm_nframes(r.m), 5 * per);
    int pt = dom_index(r.r.s, "pt");
    uint64_t first = (uint64_t)mm_dom_first_mfn(r.m, pt);
    ck_assert_uint_eq(first, 4 * per);
    mrig_start(&r);
    rig_run(&r.r, 200 * MS);
    consistent(r.m);
    struct mm_dom_stats st = mstats(&r, "pt");
    ck_assert_uint_ge(st.updates, 197 * 64);
    ck_assert_uint_le(st.updates, 199 * 64);
    ck_assert_uint_gt(st.rejected, st.updates / 10);
    ck_assert_uint_eq(st.rejected, st.rejected_by[MM_REJ_FOREIGN]);
    ck_assert_uint_eq(st.applied, st.updates - st.rejected);
    /* Its table (its first frame) maps its own last frame, not the
     * previous guest's last. */
    uint64_t last = first + per - 1;
    ck_assert_int_eq(one(r.m, pt, first, 7, first - 1, true).by_verdict[MM_REJ_FOREIGN], 1);
    ck_assert_int_eq(one(r.m, pt, first, 7, last, true).applied, 1);
    uint64_t got;
    bool w;
    ck_assert_int_eq(mm_pte(r.m, first, 7, &got, &w), 0);
    ck_assert_uint_eq(got, last);
    ck_assert(w);
    frame_is(r.m, last, MM_TYPE_WRITABLE, 1, 1);
    int owner;
    uint64_t pfn;
    ck_assert_int_eq(mm_m2p(r.m, last, &owner, &pfn), 0);
    ck_assert_int_eq(owner, pt);
    ck_assert_uint_eq(pfn, per - 1);
    mrig_down(&r);
}
END_TEST

START_TEST(test_determinism)
{
    struct iso x, y;
    struct mm_dom_stats a1, b1, a2, b2;
    int64_t c1, c2;
    iso_run(&x, &a1, &b1, &c1);
    iso_run(&y, &a2, &b2, &c2);
    ck_assert(memcmp(&a1, &a2, sizeof a1) == 0);
    ck_assert(memcmp(&b1, &b2, sizeof b1) == 0);
    ck_assert_int_eq(c1, c2);
    ck_assert_uint_eq(x.forbidden, y.forbidden);
    ck_assert_uint_eq(x.batches, y.batches);
}
END_TEST

/* ---- batching amortises the hypercall ---- */

/*
 * Zero noise: 1 pCPU, tsc_hz 1GHz (1 cycle = 1 ns), no switch or refill
 * cost, no timer slop, a constant interval of 1ms, 64 updates per burst.
 * hypercall = 1000 cycles = 1000 ns, pte_validate = 100 cycles = 100 ns.
 * A burst of batch b is 64/b hypercalls of 1000 + 100 b ns:
 *   B(b) = 64000/b + 6400 ns: B(1) = 70400, B(8) = 14400, B(64) = 7400,
 * CPU per update 1000/b + 100: 1100, 225, 115.625 ns.
 * The first burst starts at 1ms, burst k ends at k (1ms + B): after 10
 * bursts plus half an interval, exactly 10 bursts are done.
 */
static void batch_case(int b, int64_t burst_ns)
{
    char y[1024];
    snprintf(y, sizeof y,
             "name: mm-batch\nduration: 1s\n"
             "machine: { pcpus: 1, clock: { tsc_hz: 1GHz, timer_slop: 0ns },\n"
             "  costs: { context_switch: 0ns, cache_refill: 0ns, hypercall: 1000cycles,\n"
             "           pte_validate: 100cycles } }\n"
             "scheduler: { name: rr }\n"
             "domains:\n"
             "  g: { memory: 1MiB, workload: { type: mmu, interval: 1ms, updates: 64,"
             " batch: %d } }\n", b);
    struct mrig r;
    mrig_up(&r, y);
    mrig_start(&r);
    ck_assert_int_eq(64000 / b + 6400, burst_ns);
    rig_run(&r.r, 10 * (MS + burst_ns) + MS / 2);
    struct mm_dom_stats st = mstats(&r, "g");
    ck_assert_uint_eq(st.updates, 640);
    ck_assert_uint_eq(st.batches, 640 / (uint64_t)b);
    ck_assert_uint_eq(st.rejected, 0);
    ck_assert_int_eq(st.validate_ns, 10 * burst_ns);
    ck_assert_int_eq(st.validate_ns, (int64_t)st.batches * 1000 + 640 * 100);
    /* The guest does nothing else: its CPU time is its hypercalls and its
     * event upcalls (VIRQ_TIMER). */
    struct hv_dom_stats gs = dstats(&r.r, "g");
    ck_assert_int_eq(gs.cpu_time_ns - gs.upcall_ns, st.validate_ns);
    consistent(r.m);
    check_conservation(&r.r);
    mrig_down(&r);
}

START_TEST(test_batching)
{
    batch_case(1, 70400);       /* 1100 ns per update */
    batch_case(8, 14400);       /* 225 ns per update */
    batch_case(64, 7400);       /* 115.625 ns per update */
}
END_TEST

/* The last hypercall of a burst takes what is left: 10 updates in batches
 * of 4 are 3 hypercalls (4, 4, 2): 3 * 1000 + 10 * 100 = 4000 ns a burst. */
START_TEST(test_partial_batch)
{
    struct mrig r;
    mrig_up(&r, "name: mm-part\nduration: 1s\n"
                "machine: { pcpus: 1, clock: { tsc_hz: 1GHz, timer_slop: 0ns },\n"
                "  costs: { context_switch: 0ns, cache_refill: 0ns, hypercall: 1us,\n"
                "           pte_validate: 100ns } }\n"
                "scheduler: { name: rr }\n"
                "domains:\n"
                "  g: { memory: 1MiB, workload: { type: mmu, interval: 1ms, updates: 10,"
                " batch: 4 } }\n");
    mrig_start(&r);
    rig_run(&r.r, 5 * (MS + 4000) + MS / 2);
    struct mm_dom_stats st = mstats(&r, "g");
    ck_assert_uint_eq(st.updates, 50);
    ck_assert_uint_eq(st.batches, 15);
    ck_assert_int_eq(st.validate_ns, 5 * 4000);
    mrig_down(&r);
}
END_TEST

static Suite *mm_suite(void)
{
    Suite *s = suite_create("mm");
    TCase *tc = xs_tcase(s, "rules", 10);
    tcase_add_test(tc, test_layout_p2m_m2p);
    tcase_add_test(tc, test_rules);
    tc = xs_tcase(s, "run", 120);
    tcase_add_test(tc, test_isolation);
    tcase_add_test(tc, test_determinism);
    tcase_add_test(tc, test_sparse_huge);
    tcase_add_test(tc, test_batching);
    tcase_add_test(tc, test_partial_batch);
    return s;
}

XS_CHECK_MAIN(mm_suite)
