/*
 * tests/test_record.c: `run --record-trace` and the `trace` workload
 * (traces/record.c, workloads/trace.c): a run's demand, recorded and
 * replayed under the same scenario and seed, gives identical results.
 *
 * Method: a host of one idle dom0, a periodic probe with exponential
 * bursts, a hog and a hog that yields every 2 ms, on 2 pCPUs, is run under
 * each scheduler with record_trace set. The same scenario with every
 * workload replaced by `{ type: trace, file: RECORDED }` is then run, and
 * every scheduling result of the two runs is compared for equality (CPU
 * time, dispatches, wakeups, blocks, preemptions, the sched_latency and
 * evtchn_latency counts and percentiles, per-pCPU busy/idle/switch time,
 * context switches and the number of engine events). Only late_periods
 * differs by design (the trace workload does not know about periods).
 * The same for a host with I/O: an io guest (several requests in flight,
 * think times), a server, an mmu guest and a hog, recorded and replayed
 * with `device:`/`nic:`, give bit-identical scalars and statistics (ring
 * stalls aside, traces/record.h). So does a domain with a workload per
 * vCPU (compute, io, a server), replayed by one trace workload or by a
 * list of them. Also: a trace with a record the replay
 * cannot perform, or a damaged trace, is refused when the host is built,
 * with the reader's message.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/err.h"
#include "analysis/record.h"
#include "sim/host/run.h"
#include "sim/scenario.h"
#include "tests/check_util.h"
#include "tests/db_util.h"
#include "tests/tmpdb.h"
#include "traces/trace.h"

static const char *const scheds[] = { "rr", "bvt", "atropos" };

static const char *const host_fmt =
    "name: rec\nseed: 5\nduration: 1s\nwarmup: 100ms\n"
    "machine: { pcpus: 2, costs: { context_switch: 3us, upcall: 1us } }\n"
    "scheduler: { name: %s }\n"
    "domains:\n"
    "  dom0: { privileged: true }\n"
    "  probe:\n"
    "    workload: %s\n"
    "    sched: { bvt: { mcu_advance: 10, warp: 2ms, warpl: 20ms, warpu: 100ms },"
    " atropos: { period: 10ms, slice: 2ms, latency: 5ms, xtratime: true } }\n"
    "  hog:\n"
    "    workload: %s\n"
    "  yhog:\n"
    "    workload: %s\n";

static struct scn *host(const char *sched, const char *trace)
{
    char w[3][1200], y[4096];
    if (trace) {
        for (int i = 0; i < 3; i++)
            snprintf(w[i], sizeof w[i], "{ type: trace, file: \"%s\" }", trace);
    } else {
        snprintf(w[0], sizeof w[0],
                 "{ type: periodic, period: 10ms, burst: { dist: exponential, mean: 2ms } }");
        snprintf(w[1], sizeof w[1], "{ type: cpu }");
        snprintf(w[2], sizeof w[2], "{ type: cpu, yield_every: 2ms }");
    }
    snprintf(y, sizeof y, host_fmt, sched, w[0], w[1], w[2]);
    return xs_db_load(trace ? "replay.yaml" : "record.yaml", y, NULL, 0);
}

static void setup(void)
{
    tmpdb_make("xs_rec");
}

static void same_results(const struct run_result *a, const struct run_result *b)
{
    ck_assert_int_eq(a->ndoms, b->ndoms);
    ck_assert_int_eq(a->npcpus, b->npcpus);
    ck_assert_uint_eq(a->events, b->events);
    for (int d = 0; d < a->ndoms; d++) {
        const struct run_dom *x = &a->doms[d], *y = &b->doms[d];
        ck_assert_str_eq(x->name, y->name);
        ck_assert_int_eq(x->cpu_time_ns, y->cpu_time_ns);
        ck_assert_uint_eq(x->dispatches, y->dispatches);
        ck_assert_uint_eq(x->wakeups, y->wakeups);
        ck_assert_uint_eq(x->blocks, y->blocks);
        ck_assert_uint_eq(x->preemptions, y->preemptions);
        ck_assert_int_eq(x->runnable_wait_ns, y->runnable_wait_ns);
        ck_assert_uint_eq(x->lat_count, y->lat_count);
        ck_assert(x->lat_p50 == y->lat_p50 || (isnan(x->lat_p50) && isnan(y->lat_p50)));
        ck_assert(x->lat_p99 == y->lat_p99 || (isnan(x->lat_p99) && isnan(y->lat_p99)));
        ck_assert(x->evt_p99 == y->evt_p99 || (isnan(x->evt_p99) && isnan(y->evt_p99)));
    }
    for (int p = 0; p < a->npcpus; p++) {
        ck_assert_int_eq(a->pcpus[p].busy_ns, b->pcpus[p].busy_ns);
        ck_assert_int_eq(a->pcpus[p].idle_ns, b->pcpus[p].idle_ns);
        ck_assert_int_eq(a->pcpus[p].switch_ns, b->pcpus[p].switch_ns);
        ck_assert_uint_eq(a->pcpus[p].context_switches, b->pcpus[p].context_switches);
    }
}

START_TEST(record_then_replay_is_identical)
{
    const char *sched = scheds[_i];
    char file[64];
    snprintf(file, sizeof file, "rec-%s.xst", sched);
    char path[1024];
    snprintf(path, sizeof path, "%s", tmpdb_path(file));

    struct scn *s = host(sched, NULL);
    struct run_opts o = { .seed = s->seed, .record_trace = path };
    struct run_result a, b;
    char err[512] = "";
    int rc = run_replication(s, &o, NULL, &a, err, sizeof err);
    ck_assert_msg(rc == 0, "record: %s", err);

    /* The trace holds the recorded domains' operations, time-ordered. */
    char e[512];
    struct tr_reader *r = tr_reader_open(path, e, sizeof e);
    ck_assert_msg(r != NULL, "%s", e);
    const struct tr_header *h = tr_reader_header(r);
    ck_assert_uint_eq(h->ndomains, 4);
    ck_assert_str_eq(h->domains[1].name, "probe");
    struct tr_record rec;
    uint64_t n = 0, per_dom[4] = { 0 };
    sim_time_t last = 0;
    while ((rc = tr_read(r, &rec)) > 0) {
        ck_assert_int_ge(rec.t, last);
        last = rec.t;
        ck_assert_uint_lt(rec.dom, 4);
        per_dom[rec.dom]++;
        n++;
    }
    ck_assert_msg(rc == 0, "%s", tr_reader_error(r));
    tr_reader_close(r);
    ck_assert_uint_eq(per_dom[0], 0);           /* dom0 has no workload */
    ck_assert_uint_gt(per_dom[1], 100);         /* a burst and a sleep per period */
    ck_assert_uint_ge(per_dom[2], 1);           /* one endless compute */
    ck_assert_uint_gt(per_dom[3], 100);         /* compute 2 ms, yield, ... */
    ck_assert_uint_eq(n, per_dom[1] + per_dom[2] + per_dom[3]);

    struct scn *t = host(sched, path);
    struct run_opts p = { .seed = s->seed };
    rc = run_replication(t, &p, NULL, &b, err, sizeof err);
    ck_assert_msg(rc == 0, "replay: %s", err);
    same_results(&a, &b);
    run_result_free(&a);
    run_result_free(&b);
    scn_free(s);
    scn_free(t);
}
END_TEST

/* The I/O host: dom0 serves a disk and a NIC; an io guest keeps 4 random
 * reads in flight with exponential think times (its sleeps are `wait`s
 * that completions end early), a server answers exponential arrivals, an
 * mmu guest validates batches with 5% forbidden entries, and a hog, on 2
 * pCPUs. Replayed, each guest gets the recorded trace with the device it
 * used. */
static const char *const io_host_fmt =
    "name: recio\nseed: 11\nduration: 1s\nwarmup: 100ms\n"
    "machine: { pcpus: 2, costs: { context_switch: 3us, upcall: 1us } }\n"
    "scheduler: { name: %s }\n"
    "devices:\n"
    "  disk0: { kind: disk, seek: 2ms, rpm: 10000, bandwidth: 100MB/s }\n"
    "  nic0: { kind: nic, bandwidth: 1Gbit/s, latency: 20us }\n"
    "domains:\n"
    "  dom0: { privileged: true, backend: { per_request: 20us } }\n"
    "  io: { workload: %s }\n"
    "  web: { workload: %s }\n"
    "  pt: { memory: 64MiB, workload: %s }\n"
    "  hog: { workload: %s }\n";

static struct scn *io_host(const char *sched, const char *trace)
{
    char w[4][1200], y[6144];
    if (trace) {
        snprintf(w[0], sizeof w[0], "{ type: trace, file: \"%s\", device: disk0 }", trace);
        snprintf(w[1], sizeof w[1], "{ type: trace, file: \"%s\", nic: nic0 }", trace);
        snprintf(w[2], sizeof w[2], "{ type: trace, file: \"%s\" }", trace);
        snprintf(w[3], sizeof w[3], "{ type: trace, file: \"%s\" }", trace);
    } else {
        snprintf(w[0], sizeof w[0], "{ type: io, device: disk0, depth: 4, size: 16KiB, "
                 "think: { dist: exponential, mean: 3ms } }");
        snprintf(w[1], sizeof w[1], "{ type: server, device: nic0, reply_size: 1500B, "
                 "arrival: { dist: exponential, mean: 4ms }, "
                 "service: { dist: exponential, mean: 300us } }");
        snprintf(w[2], sizeof w[2], "{ type: mmu, interval: { dist: exponential, mean: 5ms }, "
                 "updates: 200, batch: 16, invalid: 0.05 }");
        snprintf(w[3], sizeof w[3], "{ type: cpu }");
    }
    snprintf(y, sizeof y, io_host_fmt, sched, w[0], w[1], w[2], w[3]);
    return xs_db_load(trace ? "replayio.yaml" : "recordio.yaml", y, NULL, 0);
}

/* Every scalar and statistic of the file's one run, by module and name,
 * exact; the workload-specific counters the trace workload does not have
 * (late_periods) and the ring stalls (see traces/record.h) left out. */
static char *metrics(const char *path)
{
    sqlite3 *db = xs_db_open_ro(path);
    char *d = xs_db_dump(db,
        "SELECT moduleName, scalarName, scalarValue FROM scalar "
        "WHERE scalarName NOT IN ('late_periods', 'ring_full_stalls') "
        "UNION ALL SELECT moduleName, statName, statCount || ' ' || statMean || ' ' || statMin "
        "|| ' ' || statMax || ' ' || statSum FROM statistic ORDER BY 1, 2");
    sqlite3_close(db);
    return d;
}

/* io, server and mmu demand, recorded and replayed through the split
 * drivers and the memory model, gives the same metrics, to the bit. */
START_TEST(io_server_mmu_replay_is_identical)
{
    const char *sched = scheds[_i];
    char name[64], path[1024], dba[1024], dbb[1024];
    snprintf(name, sizeof name, "recio-%s.xst", sched);
    snprintf(path, sizeof path, "%s", tmpdb_path(name));
    snprintf(name, sizeof name, "recio-%s-a.db", sched);
    snprintf(dba, sizeof dba, "%s", tmpdb_path(name));
    snprintf(name, sizeof name, "recio-%s-b.db", sched);
    snprintf(dbb, sizeof dbb, "%s", tmpdb_path(name));

    struct scn *s = io_host(sched, NULL);
    struct run_opts o = { .seed = s->seed, .record_trace = path };
    struct run_result a, b;
    xs_db_run_opts(dba, s, &o, &a);

    /* What was recorded: every kind of demand these generators make. */
    char e[512];
    struct tr_reader *r = tr_reader_open(path, e, sizeof e);
    ck_assert_msg(r != NULL, "%s", e);
    struct tr_record rec;
    uint64_t ops[TR_OP_COUNT] = { 0 }, per_dom[5] = { 0 };
    int rc;
    while ((rc = tr_read(r, &rec)) > 0) {
        ops[rec.op]++;
        per_dom[rec.dom]++;
    }
    ck_assert_msg(rc == 0, "%s", tr_reader_error(r));
    tr_reader_close(r);
    ck_assert_uint_eq(per_dom[0], 0);                   /* dom0's back ends are not demand */
    /* The disk is the bottleneck: 2 ms seek + 3 ms half turn at 10000 rpm +
     * 0.16 ms transfer per request, ~210 requests in 1.1 s. */
    ck_assert_uint_gt(ops[TR_BLOCK_SUBMIT], 150);
    ck_assert_uint_lt(ops[TR_BLOCK_SUBMIT], 230);
    ck_assert_uint_gt(ops[TR_WAIT], 100);
    ck_assert_uint_gt(ops[TR_ARRIVAL], 200);            /* 1.1 s / 4 ms */
    ck_assert_uint_gt(ops[TR_NET_REPLY], 200);
    ck_assert_uint_gt(ops[TR_PT_BATCH], 1000);          /* 13 batches per burst */
    ck_assert_uint_eq(ops[TR_BLOCK_IO] + ops[TR_NET_SEND], 0);

    struct scn *t = io_host(sched, path);
    struct run_opts p = { .seed = s->seed };
    xs_db_run_opts(dbb, t, &p, &b);
    same_results(&a, &b);
    char *ma = metrics(dba), *mb = metrics(dbb);
    ck_assert_str_eq(ma, mb);
    /* Not vacuous: the I/O metrics are there and non-zero. */
    ck_assert_ptr_nonnull(strstr(ma, "io_ops_per_s"));
    ck_assert_ptr_nonnull(strstr(ma, "net_latency"));
    ck_assert_ptr_nonnull(strstr(ma, "mmu_rejected"));
    free(ma);
    free(mb);
    run_result_free(&a);
    run_result_free(&b);
    scn_free(s);
    scn_free(t);
}
END_TEST

/* A domain with a workload per vCPU: compute on vCPU 0, disk I/O on vCPU
 * 1, a server on vCPU 2 (its arrivals recorded for vCPU 2's queue), and
 * a hog, on 2 pCPUs. Replayed by one trace workload for the domain (its
 * vCPU k replays trace vCPU k) and by a list of three trace items, each
 * gives the recorded metrics to the bit. */
static const char *const mix_host_fmt =
    "name: recmix\nseed: 13\nduration: 1s\nwarmup: 100ms\n"
    "machine: { pcpus: 2, costs: { context_switch: 3us, upcall: 1us } }\n"
    "scheduler: { name: %s }\n"
    "devices:\n"
    "  disk0: { kind: disk, latency: 200us, bandwidth: 100MB/s }\n"
    "  nic0: { kind: nic, bandwidth: 1Gbit/s, latency: 20us }\n"
    "domains:\n"
    "  dom0: { privileged: true, backend: { per_request: 20us } }\n"
    "  mix:\n    vcpus: 3\n    workload: %s\n"
    "  hog: { workload: %s }\n";

static struct scn *mix_host(const char *sched, const char *trace, bool list)
{
    char w[2][2048], y[6144];
    if (trace && list) {
        char one[512];
        snprintf(one, sizeof one, "{ type: trace, file: \"%s\", device: disk0, nic: nic0 }",
                 trace);
        snprintf(w[0], sizeof w[0], "[ %s, %s, %s ]", one, one, one);
    } else if (trace) {
        snprintf(w[0], sizeof w[0], "{ type: trace, file: \"%s\", device: disk0, nic: nic0 }",
                 trace);
    } else {
        snprintf(w[0], sizeof w[0],
                 "[ { type: cpu, yield_every: 3ms },\n"
                 "      { type: io, device: disk0, depth: 2, size: 8KiB,\n"
                 "        think: { dist: exponential, mean: 2ms } },\n"
                 "      { type: server, device: nic0, reply_size: 1500B,\n"
                 "        arrival: { dist: exponential, mean: 3ms },\n"
                 "        service: { dist: exponential, mean: 200us } } ]");
    }
    if (trace)
        snprintf(w[1], sizeof w[1], "{ type: trace, file: \"%s\" }", trace);
    else
        snprintf(w[1], sizeof w[1], "{ type: cpu }");
    snprintf(y, sizeof y, mix_host_fmt, sched, w[0], w[1]);
    return xs_db_load(trace ? "replaymix.yaml" : "recordmix.yaml", y, NULL, 0);
}

START_TEST(per_vcpu_workloads_replay_is_identical)
{
    const char *sched = scheds[_i];
    char name[64], path[1024], db[3][1024];
    snprintf(name, sizeof name, "recmix-%s.xst", sched);
    snprintf(path, sizeof path, "%s", tmpdb_path(name));
    for (int k = 0; k < 3; k++) {
        snprintf(name, sizeof name, "recmix-%s-%d.db", sched, k);
        snprintf(db[k], sizeof db[k], "%s", tmpdb_path(name));
    }
    struct scn *s = mix_host(sched, NULL, false);
    struct run_opts o = { .seed = s->seed, .record_trace = path };
    struct run_result r[3];
    xs_db_run_opts(db[0], s, &o, &r[0]);

    /* Each kind of demand is recorded for the vCPU that made it. */
    char e[512];
    struct tr_reader *rd = tr_reader_open(path, e, sizeof e);
    ck_assert_msg(rd != NULL, "%s", e);
    struct tr_record rec;
    uint64_t on[3][TR_OP_COUNT] = { { 0 } };
    int rc;
    while ((rc = tr_read(rd, &rec)) > 0)
        if (rec.dom == 1)
            on[rec.vcpu][rec.op]++;
    ck_assert_msg(rc == 0, "%s", tr_reader_error(rd));
    tr_reader_close(rd);
    ck_assert_uint_gt(on[0][TR_YIELD], 100);
    ck_assert_uint_gt(on[1][TR_BLOCK_SUBMIT], 100);
    ck_assert_uint_gt(on[2][TR_ARRIVAL], 200);           /* 1.1 s / 3 ms */
    ck_assert_uint_gt(on[2][TR_NET_REPLY], 200);
    ck_assert_uint_eq(on[0][TR_BLOCK_SUBMIT] + on[2][TR_BLOCK_SUBMIT] + on[0][TR_ARRIVAL]
                      + on[1][TR_ARRIVAL] + on[0][TR_NET_REPLY], 0);

    char *m0 = metrics(db[0]);
    ck_assert_ptr_nonnull(strstr(m0, "io_ops_per_s"));
    ck_assert_ptr_nonnull(strstr(m0, "net_latency"));
    for (int k = 1; k < 3; k++) {
        struct scn *t = mix_host(sched, path, k == 2);
        struct run_opts p = { .seed = s->seed };
        xs_db_run_opts(db[k], t, &p, &r[k]);
        same_results(&r[0], &r[k]);
        char *mk = metrics(db[k]);
        ck_assert_msg(!strcmp(m0, mk), "%s, replayed by %s: the metrics differ", sched,
                      k == 2 ? "a list" : "one workload");
        free(mk);
        run_result_free(&r[k]);
        scn_free(t);
    }
    free(m0);
    run_result_free(&r[0]);
    scn_free(s);
}
END_TEST

/* A trace with a block I/O record for a domain without a `device`, or a
 * damaged trace, is refused when the host is built, naming the domain or
 * the damage (tests/test_replay.c has the other refusals). */
START_TEST(unreplayable_traces_refused)
{
    const char *path = tmpdb_path("io-rec.xst");
    struct tr_domain dom = { .name = "g", .vcpus = 1 };
    struct tr_header h = { .version = TR_VERSION, .ndomains = 1, .domains = &dom };
    snprintf(h.source, sizeof h.source, "hand");
    char e[512];
    struct tr_writer *w = tr_writer_open(path, &h, TR_TEXT, e, sizeof e);
    ck_assert_msg(w != NULL, "%s", e);
    struct tr_record c = { .t = 0, .op = TR_COMPUTE, .a = 1000 };
    struct tr_record io = { .t = 10, .op = TR_BLOCK_IO, .a = 4096, .b = 8 };
    ck_assert_int_eq(tr_write(w, &c), 0);
    ck_assert_int_eq(tr_write(w, &io), 0);
    ck_assert_int_eq(tr_writer_close(w), 0);
    char y[512];
    snprintf(y, sizeof y, "name: t\nduration: 10ms\ndomains:\n"
             "  g: { workload: { type: trace, file: \"%s\" } }\n", path);
    struct scn *s = xs_db_load("t.yaml", y, NULL, 0);
    struct run_opts o = { .seed = 1 };
    struct run_result r;
    char err[512] = "";
    ck_assert_int_eq(run_replication(s, &o, NULL, &r, err, sizeof err), -SIM_EBADINPUT);
    ck_assert_msg(strstr(err, "block_io") && strstr(err, "'g'"), "%s", err);
    scn_free(s);

    /* Damaged: cut the binary form of a good trace in the middle. */
    const char *bin = tmpdb_path("cut.xst");
    w = tr_writer_open(bin, &h, TR_BINARY, e, sizeof e);
    ck_assert_msg(w != NULL, "%s", e);
    for (int i = 0; i < 1000; i++) {
        struct tr_record x = { .t = i, .op = TR_COMPUTE, .a = 1000 + (uint64_t)i };
        ck_assert_int_eq(tr_write(w, &x), 0);
    }
    ck_assert_int_eq(tr_writer_close(w), 0);
    FILE *f = fopen(bin, "r+b");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
    long size = ftell(f);
    fclose(f);
    ck_assert_int_eq(truncate(bin, size / 2), 0);
    snprintf(y, sizeof y, "name: t\nduration: 10ms\ndomains:\n"
             "  g: { workload: { type: trace, file: \"%s\" } }\n", bin);
    s = xs_db_load("t.yaml", y, NULL, 0);
    err[0] = '\0';
    ck_assert_int_eq(run_replication(s, &o, NULL, &r, err, sizeof err), -SIM_EBADINPUT);
    ck_assert_msg(strstr(err, "byte") != NULL, "%s", err);
    scn_free(s);
}
END_TEST

static Suite *record_suite(void)
{
    Suite *s = suite_create("record");
    TCase *tc = xs_tcase(s, "replay", 120);
    tcase_add_unchecked_fixture(tc, setup, tmpdb_remove);
    tcase_add_loop_test(tc, record_then_replay_is_identical, 0, 3);
    tcase_add_loop_test(tc, io_server_mmu_replay_is_identical, 0, 3);
    tcase_add_loop_test(tc, per_vcpu_workloads_replay_is_identical, 0, 3);
    tcase_add_test(tc, unreplayable_traces_refused);
    return s;
}

XS_CHECK_MAIN(record_suite)
