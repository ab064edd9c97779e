/*
 * tests/test_scenario.c: the scenario loader (sim/scenario/).
 *
 * Good input is checked value by value against what the files say (units
 * converted by hand); bad input against the table of fixtures in
 * tests/bad-input/messages.tsv, which pins each exact message; overrides,
 * sweeps and the scenario hash against their documented rules; and a
 * deterministic mutation run shows that no damaged input crashes the loader
 * (the sanitizer build of `make check` runs it under ASan and UBSan).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/scenario.h"
#include "tests/check_util.h"

static char *path_of(const char *rel)
{
    static char buf[4][4096];
    static int k;
    char *p = buf[k++ % 4];
    snprintf(p, 4096, "%s/%s", xs_srcdir(), rel);
    return p;
}

static struct scn *load_ok(const char *rel, const char *const *sets, size_t nsets)
{
    struct scn_load_opts o = { .sets = sets, .nsets = nsets };
    struct scn_diags *d = NULL;
    struct scn *s = scn_load(path_of(rel), &o, &d);
    if (!s) {
        char *t = scn_diags_text(d);
        ck_abort_msg("%s failed to load:\n%s", rel, t ? t : "?");
    }
    ck_assert_ptr_null(d);
    return s;
}

static struct scn *load_text(const char *text, const char *const *sets, size_t nsets,
                             struct scn_diags **d)
{
    struct scn_load_opts o = { .sets = sets, .nsets = nsets };
    return scn_load_buffer("mem.yaml", text, strlen(text), &o, d);
}

static const struct scn_domain *dom(const struct scn *s, const char *name)
{
    for (int i = 0; i < s->ndomains; i++)
        if (!strcmp(s->domains[i].name, name))
            return &s->domains[i];
    ck_abort_msg("no domain %s", name);
    return NULL;
}

START_TEST(default_scenario_values)
{
    struct scn *s = load_ok("scenarios/io-vs-hogs.yaml", NULL, 0);
    ck_assert_str_eq(s->name, "io-vs-hogs");
    ck_assert_uint_eq(s->seed, 7);
    ck_assert_int_eq(s->duration, 10000000000LL);      /* 10s */
    ck_assert_int_eq(s->warmup, 1000000000LL);         /* 1s */
    ck_assert_int_eq(s->replications, 3);
    ck_assert_int_eq(s->machine.pcpus, 1);
    ck_assert_int_eq(s->machine.clock.tsc_hz, 2400000000LL);
    ck_assert_int_eq(s->machine.clock.tsc_ppb[0], 0);
    ck_assert_int_eq(s->machine.clock.tsc_offset[0], 0);   /* given as [0] */
    ck_assert_int_eq(s->machine.clock.timer_slop, 50000);
    ck_assert_int_eq(s->machine.clock.apic_timer_hz, 100000000LL);
    ck_assert_int_eq(s->machine.costs.context_switch.value, 3000);
    ck_assert(!s->machine.costs.context_switch.is_cycles);
    ck_assert_int_eq(s->machine.costs.hypercall.value, 300);
    ck_assert(s->machine.costs.hypercall.is_cycles);
    ck_assert_str_eq(s->sched.name, "bvt");
    ck_assert_int_eq(s->sched.rr.slice, 10000000);
    ck_assert_int_eq(s->sched.bvt.ctx_allow, 5000000);

    ck_assert_int_eq(s->ndevices, 2);
    ck_assert_str_eq(s->devices[0].name, "disk0");
    ck_assert_int_eq(s->devices[0].kind, SCN_DEV_DISK);
    ck_assert_int_eq(s->devices[0].seek, 4000000);
    ck_assert_int_eq(s->devices[0].rpm, 10000);
    ck_assert_int_eq(s->devices[0].bandwidth, 640000000LL);   /* 80 MB/s in bit/s */
    ck_assert_int_eq(s->devices[0].ring, 32);
    ck_assert_int_eq(s->devices[1].kind, SCN_DEV_NIC);
    ck_assert_int_eq(s->devices[1].bandwidth, 1000000000LL);
    ck_assert_int_eq(s->devices[1].latency, 20000);
    ck_assert_int_eq(s->devices[1].ring, 256);

    /* dom0, probe, io, hog.0..2 in file order. */
    ck_assert_int_eq(s->ndomains, 6);
    ck_assert_str_eq(s->domains[3].name, "hog.0");
    ck_assert_str_eq(s->domains[5].name, "hog.2");
    ck_assert_str_eq(s->domains[5].group, "hog");
    ck_assert_int_eq(s->domains[5].index, 2);
    const struct scn_domain *d0 = dom(s, "dom0");
    ck_assert(d0->privileged);
    ck_assert_int_eq(d0->memory, 512LL << 20);
    ck_assert_int_eq(d0->backend_per_request, 20000);
    ck_assert_int_eq(d0->atropos.period, 20000000);
    ck_assert_int_eq(d0->atropos.slice, 15000000);
    ck_assert_int_eq(d0->atropos.latency, 5000000);
    const struct scn_domain *p = dom(s, "probe");
    ck_assert(p->bvt.set);
    ck_assert_int_eq(p->bvt.warp, 5000000);
    ck_assert_int_eq(p->bvt.warpl, 50000000);
    ck_assert_int_eq(p->bvt.warpu, 200000000);
    ck_assert_int_eq(p->wl[0].type, SCN_WL_SERVER);
    ck_assert_int_eq(p->wl[0].device, 1);
    ck_assert_int_eq(p->wl[0].arrival.kind, DIST_EXPONENTIAL);
    ck_assert_double_eq(p->wl[0].arrival.a, 1e7);
    ck_assert_int_eq(p->wl[0].service.kind, DIST_CONST);
    ck_assert_double_eq(p->wl[0].service.a, 1e5);
    const struct scn_domain *io = dom(s, "io");
    ck_assert_int_eq(io->wl[0].type, SCN_WL_IO);
    ck_assert_int_eq(io->wl[0].size, 65536);
    ck_assert_int_eq(io->wl[0].device, 0);
    ck_assert_int_eq(io->wl[0].depth, 1);
    ck_assert_double_eq(io->wl[0].think.a, 2e6);
    ck_assert_int_eq(dom(s, "hog.1")->wl[0].type, SCN_WL_CPU);
    ck_assert_int_eq(s->nsweep, 0);
    ck_assert_uint_eq(s->sweep_points, 1);
    ck_assert_int_eq((int)strlen(s->hash), 16);
    scn_free(s);
}
END_TEST

START_TEST(defaults_for_absent_keys)
{
    struct scn_diags *d = NULL;
    struct scn *s = load_text("name: m\nduration: 1s\ndomains:\n  a: {}\n  z: { privileged: true }\n",
                              NULL, 0, &d);
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(s->seed, 1);
    ck_assert_int_eq(s->warmup, 0);
    ck_assert_int_eq(s->replications, 1);
    ck_assert_int_eq(s->machine.pcpus, 1);
    ck_assert_str_eq(s->sched.name, "bvt");              /* Xen 2.0's default */
    ck_assert_int_eq(s->domains[0].vcpus, 1);
    ck_assert_int_eq(s->domains[0].bvt.mcu_advance, 10);
    ck_assert_int_eq(s->domains[0].bvt.warpl, 2000000000LL);
    ck_assert_int_eq(s->domains[0].bvt.warpu, 1000000000LL);
    /* Atropos: guests are best effort, the driver domain has a reservation. */
    ck_assert_int_eq(s->domains[0].atropos.period, 10000000000LL);
    ck_assert_int_eq(s->domains[0].atropos.slice, 10000000);
    ck_assert_int_eq(s->domains[1].atropos.period, 20000000);
    ck_assert_int_eq(s->domains[1].atropos.slice, 15000000);
    ck_assert_int_eq(s->domains[0].wl[0].type, SCN_WL_NONE);
    ck_assert_int_eq(s->domains[0].index, -1);
    ck_assert_str_eq(s->description, "");
    scn_free(s);
}
END_TEST

START_TEST(set_overrides)
{
    const char *sets[] = {
        "scheduler.name=rr",
        "domains.hog.count=5",
        "domains.io.sched.bvt.mcu_advance=20",   /* sched block absent in the file */
        "machine.pcpus=2",
        "machine.clock.tsc_ppm=[1.5, -2]",
        "domains.probe.workload.arrival={dist: uniform, min: 1ms, max: 3ms}",
    };
    struct scn *s = load_ok("scenarios/io-vs-hogs.yaml", sets, 6);
    ck_assert_str_eq(s->sched.name, "rr");
    ck_assert_int_eq(s->ndomains, 3 + 5);
    ck_assert_str_eq(s->domains[7].name, "hog.4");
    ck_assert(dom(s, "io")->bvt.set);
    ck_assert_int_eq(dom(s, "io")->bvt.mcu_advance, 20);
    ck_assert_int_eq(s->machine.clock.tsc_ppb[0], 1500);
    ck_assert_int_eq(s->machine.clock.tsc_ppb[1], -2000);
    ck_assert_int_eq(s->machine.clock.tsc_offset[1], 0);   /* [0] applies to both */
    ck_assert_int_eq(dom(s, "probe")->wl[0].arrival.kind, DIST_UNIFORM);
    ck_assert_double_eq(dom(s, "probe")->wl[0].arrival.b, 3e6);
    scn_free(s);
}
END_TEST

/* docs/scenario.md gives a domain's memory as 1MiB .. 4TiB: the upper bound
 * is accepted in TiB (2^42 B) and in GiB alike, one byte more is
 * refused (the message is pinned in tests/bad-input/messages.tsv). */
START_TEST(memory_bound_in_tib)
{
    const char *sets[][1] = { { "domains.io.memory=4TiB" }, { "domains.io.memory=4096GiB" },
                              { "domains.io.memory=1.5TiB" } };
    const int64_t want[] = { 1LL << 42, 1LL << 42, 3LL << 39 };
    for (int i = 0; i < 3; i++) {
        struct scn *s = load_ok("scenarios/io-vs-hogs.yaml", sets[i], 1);
        ck_assert_int_eq(dom(s, "io")->memory, want[i]);
        scn_free(s);
    }
}
END_TEST

/* A file of n bytes: byte i is (i * 7 + seed) & 0xff. */
static void write_bytes(const char *path, size_t n, unsigned seed)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    for (size_t i = 0; i < n; i++)
        fputc((int)((i * 7 + seed) & 0xff), f);
    ck_assert_int_eq(fclose(f), 0);
}

/* FNV-1a 64 of those bytes, computed here from the definition (offset
 * basis 0xcbf29ce484222325, prime 0x100000001b3). */
static uint64_t fnv_of_bytes(size_t n, unsigned seed)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) {
        h ^= (uint64_t)((i * 7 + seed) & 0xff);
        h *= 0x100000001b3ull;
    }
    return h;
}

static struct scn *load_point(const char *path, const int *idx)
{
    struct scn_load_opts o = { .sweep_index = idx };
    struct scn_diags *d = NULL;
    struct scn *s = scn_load(path, &o, &d);
    if (!s) {
        char *t = scn_diags_text(d);
        ck_abort_msg("%s failed to load:\n%s", path, t ? t : "?");
    }
    return s;
}

/* The hash covers the contents of every file the scenario reads: the
 * base's trace and the traces a sweep's values name (the campaign hash,
 * which every point shares). Another byte, another length or another file
 * changes it; the same bytes rewritten do not. Loading only digests the
 * files: a trace's own validity is checked by `check` and `run`. */
START_TEST(hash_covers_file_contents)
{
    char dir[] = "/tmp/xs-scn-XXXXXX", a[64], b[64], yaml[64];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(a, sizeof a, "%s/a.xst", dir);
    snprintf(b, sizeof b, "%s/b.xst", dir);
    snprintf(yaml, sizeof yaml, "%s/s.yaml", dir);
    FILE *f = fopen(yaml, "w");
    ck_assert_ptr_nonnull(f);
    fputs("name: files\nduration: 1s\n"
          "domains:\n  t: { workload: { type: trace, file: a.xst } }\n"
          "sweep:\n  domains.t.workload.file: [a.xst, b.xst]\n", f);
    ck_assert_int_eq(fclose(f), 0);
    write_bytes(a, 100000, 1);
    write_bytes(b, 70000, 2);

    struct scn *s = load_point(yaml, NULL);
    ck_assert_int_eq(s->nfiles, 2);
    ck_assert_str_eq(s->files[0].path, a);
    ck_assert_int_eq(s->files[0].bytes, 100000);
    ck_assert_uint_eq(s->files[0].digest, fnv_of_bytes(100000, 1));
    ck_assert_str_eq(s->files[1].path, b);
    ck_assert_uint_eq(s->files[1].digest, fnv_of_bytes(70000, 2));
    char *canon = scn_canonical(s);
    char line[160];
    snprintf(line, sizeof line, "\nfile %s bytes 100000 fnv1a64 %016llx\n", a,
             (unsigned long long)fnv_of_bytes(100000, 1));
    ck_assert_ptr_nonnull(strstr(canon, line));
    free(canon);
    char h0[17];
    memcpy(h0, s->hash, sizeof h0);
    scn_free(s);

    /* A point that reads b.xst carries the campaign's hash. */
    int idx[1] = { 1 };
    s = load_point(yaml, idx);
    ck_assert_str_eq(s->hash, h0);
    ck_assert_str_eq(dom(s, "t")->wl[0].file, b);
    scn_free(s);

    /* The same bytes written again: the same hash. */
    write_bytes(a, 100000, 1);
    s = load_point(yaml, NULL);
    ck_assert_str_eq(s->hash, h0);
    scn_free(s);

    /* One byte of b.xst changed, its length kept: the base and every point
     * get another hash, though the base does not read b.xst. */
    write_bytes(b, 70000, 2);
    f = fopen(b, "r+b");
    ck_assert_ptr_nonnull(f);
    fseek(f, 69999, SEEK_SET);
    fputc(0x5a, f);
    fclose(f);
    s = load_point(yaml, NULL);
    ck_assert_str_ne(s->hash, h0);
    char h1[17];
    memcpy(h1, s->hash, sizeof h1);
    scn_free(s);
    s = load_point(yaml, idx);
    ck_assert_str_eq(s->hash, h1);
    scn_free(s);

    /* a.xst cut short by one byte: another hash again. */
    write_bytes(a, 99999, 1);
    s = load_point(yaml, NULL);
    ck_assert_str_ne(s->hash, h0);
    ck_assert_str_ne(s->hash, h1);
    ck_assert_int_eq(s->files[0].bytes, 99999);
    scn_free(s);

    remove(a);
    remove(b);
    remove(yaml);
    rmdir(dir);
}
END_TEST

/* tsc_offset: without the key every pCPU's TSC starts at the cycles of
 * CLK_DEFAULT_UPTIME_S (60 s) at the scenario's tsc_hz; a given offset,
 * 0 included, is kept as written; the offset is part of the hash. */
START_TEST(tsc_offset_default)
{
    const char *base = "name: t\nduration: 1s\nmachine: { pcpus: 2, clock: { tsc_hz: %s%s } }\n"
                       "domains: {a: {workload: {type: cpu}}}\n";
    char text[256];
    struct scn_diags *d = NULL;
    snprintf(text, sizeof text, base, "2.4GHz", "");
    struct scn *dflt = load_text(text, NULL, 0, &d);
    ck_assert_ptr_nonnull(dflt);
    ck_assert_int_eq(dflt->machine.clock.tsc_offset[0], 144000000000LL);
    ck_assert_int_eq(dflt->machine.clock.tsc_offset[1], 144000000000LL);
    snprintf(text, sizeof text, base, "1GHz", "");
    struct scn *slow = load_text(text, NULL, 0, &d);
    ck_assert_ptr_nonnull(slow);
    ck_assert_int_eq(slow->machine.clock.tsc_offset[1], 60000000000LL);
    snprintf(text, sizeof text, base, "2.4GHz", ", tsc_offset: [0]");
    struct scn *zero = load_text(text, NULL, 0, &d);
    ck_assert_ptr_nonnull(zero);
    ck_assert_int_eq(zero->machine.clock.tsc_offset[0], 0);
    ck_assert_int_eq(zero->machine.clock.tsc_offset[1], 0);
    ck_assert_str_ne(zero->hash, dflt->hash);
    snprintf(text, sizeof text, base, "2.4GHz", ", tsc_offset: 144000000000cycles");
    struct scn *same = load_text(text, NULL, 0, &d);
    ck_assert_ptr_nonnull(same);
    ck_assert_str_eq(same->hash, dflt->hash);
    /* The summary flags offsets other than the default, not the default. */
    char *sum[2] = { NULL, NULL };
    size_t len;
    const struct scn *pair[2] = { dflt, zero };
    for (int i = 0; i < 2; i++) {
        FILE *f = open_memstream(&sum[i], &len);
        ck_assert_ptr_nonnull(f);
        scn_print_summary(pair[i], f);
        fclose(f);
    }
    ck_assert_ptr_null(strstr(sum[0], "offset set"));
    ck_assert_ptr_nonnull(strstr(sum[1], "(per-pCPU error/offset set)"));
    free(sum[0]);
    free(sum[1]);
    scn_free(dflt);
    scn_free(slow);
    scn_free(zero);
    scn_free(same);
}
END_TEST

START_TEST(set_changes_hash_and_later_set_wins)
{
    struct scn *a = load_ok("scenarios/io-vs-hogs.yaml", NULL, 0);
    const char *one[] = { "scheduler.name=rr" };
    struct scn *b = load_ok("scenarios/io-vs-hogs.yaml", one, 1);
    const char *two[] = { "scheduler.name=rr", "scheduler.name=atropos" };
    struct scn *c = load_ok("scenarios/io-vs-hogs.yaml", two, 2);
    ck_assert_str_ne(a->hash, b->hash);
    ck_assert_str_eq(c->sched.name, "atropos");
    scn_free(a);
    scn_free(b);
    scn_free(c);
}
END_TEST

/* machine.clock.timer_order: the scheduler's default unless written; an
 * explicit value (file or --set) always wins and is part of the hash; and
 * machine.clock.system_time. */
START_TEST(clock_model_keys)
{
    const char *base = "name: t\nduration: 1s\ndomains: {a: {}}\n";
    static const char *const scheds[] = { "rr", "bvt", "atropos" };
    for (size_t i = 0; i < 3; i++) {
        char set[64];
        snprintf(set, sizeof set, "scheduler.name=%s", scheds[i]);
        const char *sets[] = { set };
        struct scn_diags *d = NULL;
        struct scn *s = load_text(base, sets, 1, &d);
        ck_assert_ptr_nonnull(s);
        ck_assert_int_eq(s->machine.clock.timer_order, CLK_ORDER_XEN);
        ck_assert(!s->machine.clock.timer_order_given);
        scn_free(s);
    }
    ck_assert_int_eq(scn_default_timer_order("rr"), CLK_ORDER_XEN);
    ck_assert_int_eq(scn_default_timer_order("no-such-policy"), CLK_ORDER_FIFO);

    struct scn_diags *d = NULL;
    struct scn *x = load_text(base, NULL, 0, &d);
    const char *fifo[] = { "machine.clock.timer_order=fifo", "scheduler.name=rr" };
    struct scn *f = load_text(base, fifo, 2, &d);
    struct scn *g = load_text("name: t\nduration: 1s\nmachine: {clock: {timer_order: fifo}}\n"
                              "domains: {a: {}}\n", NULL, 0, &d);
    const char *xen[] = { "machine.clock.timer_order=xen" };
    struct scn *e = load_text(base, xen, 1, &d);
    ck_assert_ptr_nonnull(x);
    ck_assert_ptr_nonnull(f);
    ck_assert_ptr_nonnull(g);
    ck_assert_ptr_nonnull(e);
    ck_assert_int_eq(f->machine.clock.timer_order, CLK_ORDER_FIFO);
    ck_assert_int_eq(g->machine.clock.timer_order, CLK_ORDER_FIFO);
    ck_assert(g->machine.clock.timer_order_given);
    ck_assert_int_eq(e->machine.clock.timer_order, CLK_ORDER_XEN);
    /* Writing the default changes nothing; another order is another run. */
    ck_assert_str_eq(x->hash, e->hash);
    ck_assert_str_ne(x->hash, g->hash);

    /* machine.clock.system_time: Xen 3.0's unless written. */
    const char *x2[] = { "machine.clock.system_time=xen2" };
    const char *x3[] = { "machine.clock.system_time=xen3" };
    struct scn *s2 = load_text(base, x2, 1, &d);
    struct scn *s3 = load_text(base, x3, 1, &d);
    ck_assert_ptr_nonnull(s2);
    ck_assert_ptr_nonnull(s3);
    ck_assert_int_eq(x->machine.clock.system_time, CLK_TIME_XEN3);
    ck_assert_int_eq(s2->machine.clock.system_time, CLK_TIME_XEN2);
    ck_assert_str_eq(x->hash, s3->hash);
    ck_assert_str_ne(x->hash, s2->hash);
    scn_free(s2);
    scn_free(s3);
    scn_free(x);
    scn_free(f);
    scn_free(g);
    scn_free(e);
}
END_TEST

START_TEST(hash_ignores_formatting)
{
    const char *x = "name: h\nduration: 1s\ndomains: {a: {workload: {type: cpu}}}\n";
    const char *y = "# a comment\nname: h\nduration: 1000ms   # the same time\n"
                    "domains:\n  a:\n    workload:\n      type: cpu\n";
    const char *z = "name: h\nduration: 1001ms\ndomains: {a: {workload: {type: cpu}}}\n";
    struct scn_diags *d = NULL;
    struct scn *a = load_text(x, NULL, 0, &d), *b = load_text(y, NULL, 0, &d),
               *c = load_text(z, NULL, 0, &d);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert_ptr_nonnull(c);
    ck_assert_str_eq(a->hash, b->hash);
    ck_assert_str_ne(a->hash, c->hash);
    scn_free(a);
    scn_free(b);
    scn_free(c);
}
END_TEST

/* workload as a list: item k is vCPU k's, each resolved on its own (its
 * device, its defaults), copied into every domain of a count group; the
 * summary names each vCPU's; the hash covers every item, while a single
 * item for a single vCPU is the same experiment as the mapping. */
static const char *list_text =
    "name: l\nduration: 1s\n"
    "devices:\n  d1: { kind: disk, latency: 100us, bandwidth: 200MB/s }\n"
    "  d2: { kind: disk, latency: 50us, bandwidth: 400MB/s }\n"
    "  n: { kind: nic, bandwidth: 1Gbit/s }\n"
    "domains:\n"
    "  dom0: { privileged: true, vcpus: 2, workload: [ { type: none }, { type: cpu } ] }\n"
    "  mix:\n    count: 2\n    vcpus: 3\n"
    "    workload:\n"
    "      - { type: io, device: d2, size: 8KiB, depth: 2 }\n"
    "      - { type: cpu, yield_every: 2ms }\n"
    "      - { type: server, device: n, arrival: { dist: exponential, mean: 1ms },\n"
    "          service: 50us }\n"
    "  one: { vcpus: 2, workload: { type: io, device: d1, size: 4KiB } }\n";

START_TEST(workload_list_per_vcpu)
{
    struct scn_diags *d = NULL;
    struct scn *s = load_text(list_text, NULL, 0, &d);
    if (!s) {
        char *t = scn_diags_text(d);
        ck_abort_msg("list scenario refused:\n%s", t ? t : "?");
    }
    const struct scn_domain *d0 = dom(s, "dom0"), *m1 = dom(s, "mix.1"), *one = dom(s, "one");
    ck_assert_int_eq(d0->nwl, 2);
    ck_assert_int_eq(scn_vcpu_wl(d0, 0)->type, SCN_WL_NONE);
    ck_assert_int_eq(scn_vcpu_wl(d0, 1)->type, SCN_WL_CPU);
    ck_assert(scn_dom_has_wl(d0));
    for (int i = 0; i < 2; i++) {
        const struct scn_domain *m = dom(s, i ? "mix.1" : "mix.0");
        ck_assert_int_eq(m->nwl, 3);
        ck_assert_int_eq(scn_vcpu_wl(m, 0)->type, SCN_WL_IO);
        ck_assert_int_eq(scn_vcpu_wl(m, 0)->device, 1);         /* d2 */
        ck_assert_int_eq(scn_vcpu_wl(m, 0)->size, 8192);
        ck_assert_int_eq(scn_vcpu_wl(m, 0)->depth, 2);
        ck_assert_int_eq(scn_vcpu_wl(m, 1)->type, SCN_WL_CPU);
        ck_assert_int_eq(scn_vcpu_wl(m, 1)->yield_every, 2000000);
        ck_assert_int_eq(scn_vcpu_wl(m, 1)->device, -1);
        ck_assert_int_eq(scn_vcpu_wl(m, 2)->type, SCN_WL_SERVER);
        ck_assert_int_eq(scn_vcpu_wl(m, 2)->device, 2);         /* n */
        ck_assert_int_eq(scn_vcpu_wl(m, 2)->reply_size, 1024);  /* the default */
        ck_assert_double_eq(scn_vcpu_wl(m, 2)->arrival.a, 1e6);
    }
    /* The copies own their entries. */
    ck_assert_ptr_ne(dom(s, "mix.0")->wl, m1->wl);
    /* One mapping: every vCPU reads it. */
    ck_assert_int_eq(one->nwl, 1);
    ck_assert_ptr_eq(scn_vcpu_wl(one, 1), scn_vcpu_wl(one, 0));
    ck_assert_int_eq(scn_vcpu_wl(one, 0)->device, 0);

    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    scn_print_summary(s, f);
    fclose(f);
    ck_assert_msg(strstr(text, "vCPU 0: no workload of its own; vCPU 1: cpu (always runnable)"),
                  "%s", text);
    ck_assert_msg(strstr(text, "vCPU 0: io on d2: read random 8KiB, depth 2, think 0ns;"
                               " vCPU 1: cpu, yields every 2ms; vCPU 2: server on n:"), "%s", text);
    free(text);

    /* The hash covers every item: change the last one's reply. */
    const char *sets[] = { "domains.mix.workload.2.reply_size=2KiB" };
    struct scn *t = load_text(list_text, sets, 1, &d);
    ck_assert_ptr_nonnull(t);
    ck_assert_int_eq(scn_vcpu_wl(dom(t, "mix.0"), 2)->reply_size, 2048);
    ck_assert_str_ne(s->hash, t->hash);
    scn_free(t);
    scn_free(s);

    /* A one-item list for one vCPU hashes as the mapping; the same item
     * on vCPU 1 of two does not. */
    const char *x = "name: h\nduration: 1s\ndomains: {a: {workload: {type: cpu}}}\n";
    const char *y = "name: h\nduration: 1s\ndomains: {a: {workload: [{type: cpu}]}}\n";
    const char *z = "name: h\nduration: 1s\n"
                    "domains: {a: {vcpus: 2, workload: [{type: none}, {type: cpu}]}}\n";
    const char *w = "name: h\nduration: 1s\n"
                    "domains: {a: {vcpus: 2, workload: [{type: cpu}, {type: none}]}}\n";
    struct scn *a = load_text(x, NULL, 0, &d), *b = load_text(y, NULL, 0, &d),
               *c = load_text(z, NULL, 0, &d), *e = load_text(w, NULL, 0, &d);
    ck_assert(a && b && c && e);
    ck_assert_str_eq(a->hash, b->hash);
    ck_assert_str_ne(c->hash, e->hash);
    scn_free(a);
    scn_free(b);
    scn_free(c);
    scn_free(e);
}
END_TEST

/* machine.topology: counts not given are 1 but cores_per_socket, which is
 * what the pCPUs leave; the flat default when absent; the hash tells
 * machines apart and nothing else. */
START_TEST(machine_topology)
{
    const char *base = "name: t\nduration: 1s\nmachine: { pcpus: 16%s }\n"
                       "domains: { a: { workload: { type: cpu } } }\n";
    char y[512];
    struct scn_diags *d = NULL;
    snprintf(y, sizeof y, base, "");
    struct scn *flat = load_text(y, NULL, 0, &d);
    snprintf(y, sizeof y, base, ", topology: { cores_per_socket: 16 }");
    struct scn *flat2 = load_text(y, NULL, 0, &d);
    snprintf(y, sizeof y, base, ", topology: { sockets: 2, threads_per_core: 2 }");
    struct scn *split = load_text(y, NULL, 0, &d);
    snprintf(y, sizeof y, base,
             ", topology: { sockets: 2, threads_per_core: 2, numbering: adjacent }");
    struct scn *adj = load_text(y, NULL, 0, &d);
    ck_assert(flat && flat2 && split && adj);
    const struct topo *t = &flat->machine.topology.t;
    ck_assert(!flat->machine.topology.given);
    ck_assert_int_eq(t->sockets, 1);
    ck_assert_int_eq(t->cores, 16);
    ck_assert_int_eq(t->threads, 1);
    t = &split->machine.topology.t;
    ck_assert_int_eq(t->sockets, 2);
    ck_assert_int_eq(t->cores, 4);
    ck_assert_int_eq(t->threads, 2);
    ck_assert_int_eq(t->numbering, TOPO_SPLIT);
    ck_assert(topo_same_core(t, 3, 11));
    ck_assert_int_eq(adj->machine.topology.t.numbering, TOPO_ADJACENT);
    ck_assert(topo_same_core(&adj->machine.topology.t, 2, 3));
    /* The flat machine written out is the default one; the others differ. */
    ck_assert_str_eq(flat->hash, flat2->hash);
    ck_assert_str_ne(flat->hash, split->hash);
    ck_assert_str_ne(split->hash, adj->hash);
    scn_free(flat);
    scn_free(flat2);
    scn_free(split);
    scn_free(adj);
}
END_TEST

static const char *sweep_text =
    "name: s\nduration: 1s\nreplications: 2\n"
    "scheduler: { name: bvt }\n"
    "domains:\n  dom0: { privileged: true }\n  hog: { count: 1, workload: { type: cpu } }\n"
    "sweep:\n  scheduler.name: [rr, bvt, atropos]\n  domains.hog.count: [0, 1, 3]\n";

START_TEST(sweep_axes_and_points)
{
    struct scn_diags *d = NULL;
    struct scn *s = load_text(sweep_text, NULL, 0, &d);
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(s->nsweep, 2);
    ck_assert_str_eq(s->sweep[0].path, "scheduler.name");
    ck_assert_int_eq(s->sweep[0].nvalues, 3);
    ck_assert_str_eq(s->sweep[0].values[2], "atropos");
    ck_assert_str_eq(s->sweep[1].values[2], "3");
    ck_assert_uint_eq(s->sweep_points, 9);
    /* The base run is the file without the sweep applied. */
    ck_assert_str_eq(s->sched.name, "bvt");
    ck_assert_int_eq(s->ndomains, 2);

    int idx[2] = { 2, 2 };
    struct scn_load_opts o = { .sweep_index = idx };
    struct scn *p = scn_load_buffer("mem.yaml", sweep_text, strlen(sweep_text), &o, &d);
    ck_assert_ptr_nonnull(p);
    ck_assert_str_eq(p->sched.name, "atropos");
    ck_assert_int_eq(p->ndomains, 1 + 3);
    ck_assert_str_eq(p->hash, s->hash);        /* one campaign, one hash */
    /* A --set of a swept path wins over the sweep value. */
    const char *sets[] = { "scheduler.name=rr" };
    o.sets = sets;
    o.nsets = 1;
    struct scn *q = scn_load_buffer("mem.yaml", sweep_text, strlen(sweep_text), &o, &d);
    ck_assert_ptr_nonnull(q);
    ck_assert_str_eq(q->sched.name, "rr");
    ck_assert_int_eq(q->ndomains, 4);
    scn_free(s);
    scn_free(p);
    scn_free(q);
}
END_TEST

START_TEST(sweep_combination_checked)
{
    /* Each value is valid alone (period 10ms fits the file's latency 5ms;
     * latency 30ms fits the file's period 40ms), but the point that takes
     * both, period 10ms with latency 30ms, is not. */
    const char *t =
        "name: s\nduration: 1s\n"
        "domains:\n  a: { sched: { atropos: { period: 40ms, slice: 1ms, latency: 5ms } } }\n"
        "sweep:\n  domains.a.sched.atropos.period: [40ms, 10ms]\n"
        "  domains.a.sched.atropos.latency: [5ms, 30ms]\n";
    struct scn_diags *d = NULL;
    struct scn *s = load_text(t, NULL, 0, &d);
    ck_assert_ptr_null(s);
    ck_assert_uint_eq(scn_diags_count(d), 1);
    ck_assert_str_eq(scn_diags_message(d, 0),
                     "mem.yaml:4:26: atropos: latency (30ms) must not exceed period (10ms)");
    scn_diags_free(d);
}
END_TEST

/* The table: fixture, --set options (";;"-separated, or "-"), message. */
START_TEST(bad_input_table)
{
    FILE *f = fopen(path_of("tests/bad-input/messages.tsv"), "r");
    ck_assert_ptr_nonnull(f);
    char line[4096];
    int rows = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        line[strcspn(line, "\n")] = '\0';
        char *fixture = strtok(line, "\t"), *setcol = strtok(NULL, "\t"),
             *expect = strtok(NULL, "\t");
        ck_assert_msg(fixture && setcol && expect, "malformed table row %d", rows + 1);
        const char *sets[8];
        size_t nsets = 0;
        if (strcmp(setcol, "-") != 0) {
            for (char *p = setcol; p && nsets < 8;) {
                char *sep = strstr(p, ";;");
                if (sep)
                    *sep = '\0';
                sets[nsets++] = p;
                p = sep ? sep + 2 : NULL;
            }
        }
        char rel[512];
        snprintf(rel, sizeof rel, "tests/bad-input/%s", fixture);
        const char *path = path_of(rel);
        struct scn_load_opts o = { .sets = sets, .nsets = nsets };
        struct scn_diags *d = NULL;
        struct scn *s = scn_load(path, &o, &d);
        ck_assert_msg(s == NULL, "%s was accepted", fixture);
        ck_assert_msg(scn_diags_count(d) == 1, "%s: %zu messages, expected 1", fixture,
                      scn_diags_count(d));
        char want[4096];
        if (!strncmp(expect, "FILE", 4))
            snprintf(want, sizeof want, "%s%s", path, expect + 4);
        else
            snprintf(want, sizeof want, "%s", expect);
        ck_assert_str_eq(scn_diags_message(d, 0), want);
        scn_diags_free(d);
        rows++;
    }
    fclose(f);
    ck_assert_int_ge(rows, 30);
}
END_TEST

START_TEST(message_shows_line_and_caret)
{
    const char *t = "name: t\nduration: 1s\ndomains:\n  a:\n    vcpus: lots\n";
    struct scn_diags *d = NULL;
    ck_assert_ptr_null(load_text(t, NULL, 0, &d));
    char *text = scn_diags_text(d);
    ck_assert_str_eq(text, "mem.yaml:5:12: vcpus: expected a whole number, found 'lots'\n"
                           " 5 |     vcpus: lots\n"
                           "   |            ^\n");
    free(text);
    scn_diags_free(d);
}
END_TEST

START_TEST(several_errors_reported_together)
{
    const char *t = "name: t\nduration: 10\nmachine: { pcpus: 0 }\n"
                    "domains:\n  a: { vcpus: 0 }\n  b: { privileged: maybe }\n";
    struct scn_diags *d = NULL;
    ck_assert_ptr_null(load_text(t, NULL, 0, &d));
    ck_assert_uint_eq(scn_diags_count(d), 4);
    ck_assert_str_eq(scn_diags_message(d, 3),
                     "mem.yaml:6:20: privileged: expected true or false, found 'maybe'");
    scn_diags_free(d);
}
END_TEST

START_TEST(set_errors_point_into_the_argument)
{
    const char *sets[] = { "machine.pcpus=two" };
    struct scn_diags *d = NULL;
    struct scn_load_opts o = { .sets = sets, .nsets = 1 };
    ck_assert_ptr_null(scn_load(path_of("scenarios/io-vs-hogs.yaml"), &o, &d));
    char *text = scn_diags_text(d);
    ck_assert_str_eq(text, "--set:1:15: pcpus: expected a whole number, found 'two'\n"
                           " 1 | machine.pcpus=two\n"
                           "   |               ^\n");
    free(text);
    scn_diags_free(d);
}
END_TEST

/* A cheap deterministic fuzzer: damaged copies of the demo scenario (bytes
 * flipped, deleted, duplicated; truncated) must load or fail cleanly. The
 * sanitizer build turns any memory error into a failure. */
START_TEST(mutations_never_crash)
{
    FILE *f = fopen(path_of("scenarios/io-vs-hogs.yaml"), "rb");
    ck_assert_ptr_nonnull(f);
    static char orig[16384];
    size_t n = fread(orig, 1, sizeof orig - 1, f);
    fclose(f);
    static const char alphabet[] = "{}[]:,-#&*!|>'\"%@` \t\n0123456789.msukMGiB~";
    uint64_t x = 0x9e3779b97f4a7c15ULL;
    int accepted = 0, rejected = 0;
    for (int iter = 0; iter < 3000; iter++) {
        char buf[16384];
        size_t len = n;
        memcpy(buf, orig, n);
        int edits = 1 + iter % 4;
        for (int e = 0; e < edits; e++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            size_t pos = (size_t)(x % (len ? len : 1));
            switch ((x >> 32) % 4) {
            case 0: buf[pos] = alphabet[(x >> 40) % (sizeof alphabet - 1)]; break;
            case 1: memmove(buf + pos, buf + pos + 1, len - pos - 1); len--; break;
            case 2: if (len < sizeof buf - 1) { memmove(buf + pos + 1, buf + pos, len - pos); len++; } break;
            case 3: len = pos; break;
            }
        }
        struct scn_diags *d = NULL;
        struct scn *s = scn_load_buffer("fuzz.yaml", buf, len, NULL, &d);
        if (s) {
            accepted++;
            scn_free(s);
        } else {
            ck_assert_uint_ge(scn_diags_count(d), 1);
            char *t = scn_diags_text(d);
            ck_assert_ptr_nonnull(t);
            free(t);
            scn_diags_free(d);
            rejected++;
        }
    }
    /* Both outcomes occur, so the mutations exercise parsing and validation. */
    ck_assert_int_gt(accepted, 0);
    ck_assert_int_gt(rejected, 0);
}
END_TEST

static Suite *scenario_suite(void)
{
    Suite *s = suite_create("scenario");
    TCase *tc = xs_tcase(s, "load", 30);
    tcase_add_test(tc, default_scenario_values);
    tcase_add_test(tc, defaults_for_absent_keys);
    tcase_add_test(tc, set_overrides);
    tcase_add_test(tc, memory_bound_in_tib);
    tcase_add_test(tc, tsc_offset_default);
    tcase_add_test(tc, set_changes_hash_and_later_set_wins);
    tcase_add_test(tc, clock_model_keys);
    tcase_add_test(tc, hash_ignores_formatting);
    tcase_add_test(tc, hash_covers_file_contents);
    tcase_add_test(tc, workload_list_per_vcpu);
    tcase_add_test(tc, machine_topology);
    tcase_add_test(tc, sweep_axes_and_points);
    tcase_add_test(tc, sweep_combination_checked);
    tc = xs_tcase(s, "errors", 30);
    tcase_add_test(tc, bad_input_table);
    tcase_add_test(tc, message_shows_line_and_caret);
    tcase_add_test(tc, several_errors_reported_together);
    tcase_add_test(tc, set_errors_point_into_the_argument);
    tc = xs_tcase(s, "robustness", 120);
    tcase_add_test(tc, mutations_never_crash);
    return s;
}

XS_CHECK_MAIN(scenario_suite)
