/*
 * tests/test_topo.c: the CPU topology (sim/topo.c): both numbering
 * layouts on a 2-socket, 4-core, 2-thread machine, written out by hand
 * from the layouts' definitions in sim/topo.h, and the round trip on
 * every shape up to 3 x 5 x 4.
 */
#include <check.h>

#include "sim/topo.h"
#include "tests/check_util.h"

/* 2 sockets x 4 cores x 2 threads = 16 pCPUs. */
START_TEST(split_numbering)
{
    struct topo t = { 2, 4, 2, TOPO_SPLIT };
    ck_assert_int_eq(topo_pcpus(&t), 16);
    /* Thread 0 of socket 0's cores, of socket 1's, then the thread 1s. */
    static const int socket[16] = { 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1 };
    static const int core[16] = { 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3 };
    for (int c = 0; c < 16; c++) {
        struct topo_place p = topo_place(&t, c);
        ck_assert_int_eq(p.socket, socket[c]);
        ck_assert_int_eq(p.core, core[c]);
        ck_assert_int_eq(p.thread, c / 8);
    }
    ck_assert(topo_same_core(&t, 0, 8));
    ck_assert(topo_same_core(&t, 5, 13));
    ck_assert(!topo_same_core(&t, 0, 1));
    ck_assert(topo_same_socket(&t, 0, 11));
    ck_assert(!topo_same_socket(&t, 3, 4));
}
END_TEST

START_TEST(adjacent_numbering)
{
    struct topo t = { 2, 4, 2, TOPO_ADJACENT };
    for (int c = 0; c < 16; c++) {
        struct topo_place p = topo_place(&t, c);
        ck_assert_int_eq(p.thread, c % 2);
        ck_assert_int_eq(p.core, (c / 2) % 4);
        ck_assert_int_eq(p.socket, c / 8);
    }
    ck_assert(topo_same_core(&t, 6, 7));
    ck_assert(!topo_same_core(&t, 7, 8));
    ck_assert(topo_same_socket(&t, 0, 7));
    ck_assert(!topo_same_socket(&t, 7, 8));
}
END_TEST

/* Every pCPU has one place and every place one pCPU, in both layouts. */
START_TEST(round_trip)
{
    for (int n = 0; n < 2; n++)
        for (int s = 1; s <= 3; s++)
            for (int c = 1; c <= 5; c++)
                for (int th = 1; th <= 4; th++) {
                    struct topo t = { s, c, th, n ? TOPO_ADJACENT : TOPO_SPLIT };
                    int seen[60] = { 0 };
                    for (int cpu = 0; cpu < topo_pcpus(&t); cpu++) {
                        struct topo_place p = topo_place(&t, cpu);
                        ck_assert(p.socket >= 0 && p.socket < s && p.core >= 0 && p.core < c
                                  && p.thread >= 0 && p.thread < th);
                        ck_assert_int_eq(topo_cpu(&t, p), cpu);
                        seen[(p.socket * c + p.core) * th + p.thread]++;
                    }
                    for (int i = 0; i < topo_pcpus(&t); i++)
                        ck_assert_int_eq(seen[i], 1);
                }
    /* The default: every pCPU its own core of one socket. */
    struct topo f = topo_flat(6);
    ck_assert_int_eq(topo_pcpus(&f), 6);
    ck_assert(!topo_same_core(&f, 2, 3));
    ck_assert(topo_same_socket(&f, 0, 5));
}
END_TEST

static Suite *topo_suite(void)
{
    Suite *s = suite_create("topo");
    TCase *tc = xs_tcase(s, "numbering", 10);
    tcase_add_test(tc, split_numbering);
    tcase_add_test(tc, adjacent_numbering);
    tcase_add_test(tc, round_trip);
    return s;
}

XS_CHECK_MAIN(topo_suite)
