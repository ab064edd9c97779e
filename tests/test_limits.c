/*
 * tests/test_limits.c: every upper bound docs/scenario.md documents that
 * fits on a small machine is accepted by the loader and simulated, briefly,
 * by the run driver (sim/host/run.c, no database): 1024 pCPUs, a count of
 * 100000 domains, 64 vCPUs, rings of 4096 slots with 1024 requests in
 * flight, batches of 4096 page-table updates, an mmu guest of 4 TiB, a
 * driver domain using all 1024 of its event-channel ports, the largest
 * seed, unpause time and
 * replication index. Each test checks what the bound must produce (every
 * domain present, every pCPU busy, CPU time conserved), with numbers that
 * follow from the scenario. Bounds that take long to reach by simulation
 * (a duration of 10^6 s, 100000 replications) are left out: they are plain
 * counters.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "analysis/record.h"
#include "sim/host/run.h"
#include "sim/scenario.h"
#include "tests/check_util.h"
#include "tests/db_util.h"

#define MS ((int64_t)1000000)               /* ns */

/* Simulate replication rep of yaml (no database). */
static struct scn *run(const char *yaml, uint32_t rep, struct run_result *r)
{
    struct scn *s = xs_db_load("limits.yaml", yaml, NULL, 0);
    xs_db_run(NULL, s, s->seed, rep, r);
    return s;
}

/* No pCPU ever idle: every ns of the window is either a context switch or
 * some domain's CPU time (busy_ns). */
static void assert_saturated(const struct run_result *r, int pcpus)
{
    ck_assert_int_eq(r->npcpus, pcpus);
    int64_t busy = 0, sw = 0, cpu = 0;
    for (int p = 0; p < r->npcpus; p++) {
        ck_assert_int_eq(r->pcpus[p].idle_ns, 0);
        ck_assert_int_eq(r->pcpus[p].busy_ns + r->pcpus[p].switch_ns, r->window_ns);
        busy += r->pcpus[p].busy_ns;
        sw += r->pcpus[p].switch_ns;
    }
    for (int d = 0; d < r->ndoms; d++)
        cpu += r->doms[d].cpu_time_ns;
    ck_assert_int_eq(cpu, busy);
    ck_assert_int_eq(busy + sw, (int64_t)pcpus * r->window_ns);
}

/* count: 100000 CPU-bound domains on 4 pCPUs under RR (10 ms slices): all
 * are built (their names run to hog.99999); in 20 ms each pCPU runs two
 * slices, so 8 domains get a whole slice each. */
START_TEST(count_100000)
{
    static const char yaml[] =
        "name: lim-count\nduration: 20ms\nmachine: { pcpus: 4 }\n"
        "scheduler: { name: rr }\n"
        "domains:\n  hog: { count: 100000, workload: { type: cpu } }\n";
    struct run_result r;
    struct scn *s = run(yaml, 0, &r);
    ck_assert_int_eq(r.ndoms, 100000);
    ck_assert_str_eq(r.doms[99999].name, "hog.99999");
    assert_saturated(&r, 4);
    int ran = 0;
    for (int d = 0; d < r.ndoms; d++)
        ran += r.doms[d].cpu_time_ns > 0;
    ck_assert_int_eq(ran, 8);
    run_result_free(&r);
    scn_free(s);
}
END_TEST

/* pcpus: 1024 with 1024 hogs under BVT: every pCPU runs one the whole
 * time. */
START_TEST(pcpus_1024)
{
    static const char yaml[] =
        "name: lim-pcpus\nduration: 20ms\nmachine: { pcpus: 1024 }\n"
        "domains:\n  hog: { count: 1024, workload: { type: cpu } }\n";
    struct run_result r;
    struct scn *s = run(yaml, 0, &r);
    assert_saturated(&r, 1024);
    run_result_free(&r);
    scn_free(s);
}
END_TEST

/* vcpus: 64 on 64 pCPUs: one domain uses all 64 (cpu_util 64 pCPUs). */
START_TEST(vcpus_64)
{
    static const char yaml[] =
        "name: lim-vcpus\nduration: 20ms\nmachine: { pcpus: 64 }\n"
        "domains:\n  big: { vcpus: 64, workload: { type: cpu } }\n";
    struct run_result r;
    struct scn *s = run(yaml, 0, &r);
    assert_saturated(&r, 64);
    ck_assert_double_eq_tol(r.doms[0].cpu_util, 64.0, 64.0 * 3e-6 * 2 / 0.02);
    run_result_free(&r);
    scn_free(s);
}
END_TEST

/* ring: 4096 slots on a disk and a NIC, 1024 block requests in flight,
 * batches of 4096 page-table updates. The flash disk (1 ms, 4 KiB at
 * 4096 MB/s: 1 us) completes its requests one by one: 1024 outstanding
 * keep it busy, so about 200 ms / 1.001 ms requests complete; the server
 * is answered; the mmu domain's bursts of one batch, 10 ms apart plus
 * their cost (300 + 4096 * 150 cycles at 2.4 GHz: 256 us), number 19 or
 * 20. */
START_TEST(rings_and_batches)
{
    static const char yaml[] =
        "name: lim-rings\nduration: 200ms\nmachine: { pcpus: 2 }\n"
        "devices:\n"
        "  disk0: { kind: disk, latency: 1ms, bandwidth: 4096MB/s, ring: 4096 }\n"
        "  nic0: { kind: nic, bandwidth: 1Gbit/s, ring: 4096 }\n"
        "domains:\n"
        "  dom0: { privileged: true }\n"
        "  db: { workload: { type: io, device: disk0, size: 4KiB, depth: 1024 } }\n"
        "  web: { workload: { type: server, device: nic0, arrival: 1ms, service: 10us } }\n"
        "  pt: { workload: { type: mmu, interval: 10ms, updates: 4096, batch: 4096 } }\n";
    struct run_result r;
    struct scn *s = run(yaml, 0, &r);
    ck_assert_int_eq(r.ndoms, 4);
    double ops = r.doms[1].io_rate * 0.2;
    ck_assert_msg(ops > 190 && ops <= 200, "io ops %g", ops);
    ck_assert(r.doms[2].io_rate > 0);
    double updates = r.doms[3].io_rate * 0.2;
    ck_assert_msg(updates >= 19 * 4096 && updates <= 20 * 4096, "updates %g", updates);
    run_result_free(&r);
    scn_free(s);
}
END_TEST

/* memory: 4 TiB (2^30 frames) for an mmu guest, within 1 GiB of address
 * space: the memory model keeps only the frames in use. Its bursts of 64
 * updates come about every 1 ms, so 50 ms see about 49 of them. */
START_TEST(memory_4tib)
{
#if !defined(__SANITIZE_ADDRESS__)
    struct rlimit lim = { (rlim_t)1 << 30, (rlim_t)1 << 30 };
    ck_assert_int_eq(setrlimit(RLIMIT_AS, &lim), 0);
#endif
    static const char yaml[] =
        "name: lim-memory\nduration: 50ms\n"
        "domains:\n  pt: { memory: 4096GiB, workload: { type: mmu, interval: 1ms, "
        "updates: 64, batch: 16 } }\n";
    struct run_result r;
    struct scn *s = run(yaml, 0, &r);
    double updates = r.doms[0].io_rate * 0.05;
    ck_assert_msg(updates >= 47 * 64 && updates <= 50 * 64, "updates %g", updates);
    run_result_free(&r);
    scn_free(s);
}
END_TEST

/* Event-channel ports: dom0 serving 1021 guests of one NIC uses exactly
 * its 1024 ports (port 0, its timer, the NIC's interrupt, one per guest)
 * and runs; one more guest is refused by the loader, which names dom0. */
START_TEST(ports_1024)
{
    static const char fmt[] =
        "name: lim-ports\nduration: 10ms\nmachine: { pcpus: 2 }\n"
        "devices:\n  nic0: { kind: nic, bandwidth: 1Gbit/s, ring: 1 }\n"
        "domains:\n  dom0: { privileged: true }\n"
        "  web: { count: %d, workload: { type: server, device: nic0, arrival: 5ms, "
        "service: 10us } }\n";
    char yaml[512];
    snprintf(yaml, sizeof yaml, fmt, 1021);
    struct run_result r;
    struct scn *s = run(yaml, 0, &r);
    ck_assert_int_eq(r.ndoms, 1022);
    run_result_free(&r);
    scn_free(s);

    snprintf(yaml, sizeof yaml, fmt, 1022);
    struct scn_diags *dg = NULL;
    s = scn_load_buffer("limits.yaml", yaml, strlen(yaml), NULL, &dg);
    ck_assert_ptr_null(s);
    ck_assert_ptr_nonnull(strstr(scn_diags_message(dg, 0),
                                 "domain 'dom0' needs 1025 event-channel ports, more than "
                                 "the 1024"));
    scn_diags_free(dg);
}
END_TEST

/* The largest seed, unpause time and replication index: a domain
 * unpaused at 10^6 s never runs in 10 ms, the other has the pCPU. */
START_TEST(seed_unpause_replication)
{
    static const char yaml[] =
        "name: lim-misc\nseed: 18446744073709551615\nduration: 10ms\n"
        "domains:\n  late: { unpause: 1000000s, workload: { type: cpu } }\n"
        "  now: { workload: { type: cpu } }\n";
    struct run_result r;
    struct scn *s = run(yaml, 99999, &r);
    ck_assert_int_eq(r.doms[0].cpu_time_ns, 0);
    ck_assert_int_eq(r.doms[1].cpu_time_ns, r.window_ns - r.pcpus[0].switch_ns);
    run_result_free(&r);
    scn_free(s);
}
END_TEST

static Suite *limits_suite(void)
{
    Suite *s = suite_create("limits");
    TCase *tc = xs_tcase(s, "bounds", 60);
    tcase_add_test(tc, count_100000);
    tcase_add_test(tc, pcpus_1024);
    tcase_add_test(tc, vcpus_64);
    tcase_add_test(tc, rings_and_batches);
    tcase_add_test(tc, memory_4tib);
    tcase_add_test(tc, ports_1024);
    tcase_add_test(tc, seed_unpause_replication);
    return s;
}

XS_CHECK_MAIN(limits_suite)
