/*
 * tests/test_xentrace.c: unit tests of the xentrace writer's encoding
 * (traces/xentrace.h): record headers, TSC words, extra counts, the
 * CPU_CHANGE records that open windows, window sizes and splitting, and
 * that the file appears only when closed.
 *
 * Source of facts: shared/facts/xen-schedulers.md 6.1 and 6.2 (header
 * {event:28; extra_u32:3; cycles_included:1}, TSC lo then hi, a window is
 * {0x0001f003 header with 2 extras; cpu; window_size} then window_size
 * bytes; runstate change 0x00021001 with old state in bits 8-11 and new in
 * bits 4-7, payload vcpu in the low 16 bits and dom in the high 16). Every
 * expected byte below is computed by hand from those facts, not by the
 * writer.
 */
#include <check.h>
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/err.h"
#include "tests/check_util.h"
#include "traces/xentrace.h"

static void expect_bytes(const uint8_t *got, size_t ngot, const uint8_t *want, size_t nwant)
{
    ck_assert_uint_eq(ngot, nwant);
    for (size_t i = 0; i < nwant; i++)
        if (got[i] != want[i])
            ck_abort_msg("byte %zu: got 0x%02x, want 0x%02x", i, got[i], want[i]);
}

START_TEST(test_runstate_event)
{
    /* running(0) -> blocked(2): 0x00021001 | 0 << 8 | 2 << 4 */
    ck_assert_uint_eq(xt_runstate_event(0, 2), 0x00021021u);
    /* runnable(1) -> running(0) */
    ck_assert_uint_eq(xt_runstate_event(1, 0), 0x00021101u);
    /* blocked(2) -> runnable(1) */
    ck_assert_uint_eq(xt_runstate_event(2, 1), 0x00021211u);
    /* runnable -> runnable (the snapshot) */
    ck_assert_uint_eq(xt_runstate_event(1, 1), 0x00021111u);
    ck_assert_uint_eq(xt_vcpu_word(3, 1), 0x00030001u);
    ck_assert_uint_eq(xt_vcpu_word(32767, 2), 0x7fff0002u);
}
END_TEST

START_TEST(test_encode_runstate_with_tsc)
{
    uint8_t buf[XT_REC_MAX];
    uint32_t w = 0x00030001u;
    size_t n = xt_encode(buf, 0x00021021u, true, 0x0000000123456789ull, &w, 1);
    /* header 0x00021021 | 1 << 28 | 1 << 31 = 0x90021021 */
    const uint8_t want[] = { 0x21, 0x10, 0x02, 0x90, 0x89, 0x67, 0x45, 0x23,
                             0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x03, 0x00 };
    expect_bytes(buf, n, want, sizeof want);
}
END_TEST

START_TEST(test_encode_switch_without_tsc)
{
    uint8_t buf[XT_REC_MAX];
    uint32_t w[4] = { 32767, 1, 2, 0 };
    size_t n = xt_encode(buf, XT_TRC_SCHED_SWITCH, false, 99, w, 4);
    /* header 0x0002800a | 4 << 28 = 0x4002800a; no TSC words */
    const uint8_t want[] = { 0x0a, 0x80, 0x02, 0x40, 0xff, 0x7f, 0x00, 0x00,
                             0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
                             0x00, 0x00, 0x00, 0x00 };
    expect_bytes(buf, n, want, sizeof want);
}
END_TEST

START_TEST(test_encode_limits)
{
    uint8_t buf[XT_REC_MAX];
    uint32_t w[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    /* 7 extras with a TSC: 4 + 8 + 28 = 40 bytes, header bits 28-31 all set */
    ck_assert_uint_eq(xt_encode(buf, 0x00028004u, true, 0, w, 7), 40);
    ck_assert_uint_eq(buf[3], 0xf0);
    ck_assert_uint_eq(buf[36], 7);
    /* no extras, no TSC: the header alone, 0x00021002 */
    ck_assert_uint_eq(xt_encode(buf, XT_TRC_SCHED_CONTINUE_RUNNING, false, 0, NULL, 0), 4);
    ck_assert_uint_eq(buf[0], 0x02);
    ck_assert_uint_eq(buf[3], 0x00);
    /* 8 extras or an event above 28 bits cannot be encoded */
    ck_assert_uint_eq(xt_encode(buf, 0x00028004u, true, 0, w, 8), 0);
    ck_assert_uint_eq(xt_encode(buf, 0x10028004u, true, 0, w, 1), 0);
}
END_TEST

START_TEST(test_encode_cpu_change)
{
    uint8_t buf[XT_CPU_CHANGE_SIZE];
    size_t n = xt_encode_cpu_change(buf, 1, 48);
    /* header 0x0001f003 | 2 << 28 = 0x2001f003, cpu 1, 48 bytes */
    const uint8_t want[] = { 0x03, 0xf0, 0x01, 0x20, 0x01, 0x00, 0x00, 0x00,
                             0x30, 0x00, 0x00, 0x00 };
    expect_bytes(buf, n, want, sizeof want);
}
END_TEST

static char dir[64];

static void mkdir_tmp(void)
{
    snprintf(dir, sizeof dir, "/tmp/test_xentrace.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

/* Entries of dir ("." and ".." excluded). */
static int entries(void)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return n;
}

static void rm_tmp(const char *path)
{
    unlink(path);
    rmdir(dir);
}

START_TEST(test_file_windows)
{
    mkdir_tmp();
    char path[128];
    snprintf(path, sizeof path, "%s/out.bin", dir);
    char err[256] = "";
    /* Windows of at most 40 bytes: the third 16-byte record of CPU 0 makes
     * a round of windows (CPU 0's two records, then CPU 1's one), and the
     * close a last one (CPU 0's third record). */
    struct xt_file *f = xt_file_open(path, 2, 40, err, sizeof err);
    ck_assert_msg(f != NULL, "%s", err);
    uint32_t w = 0x00010000u;           /* dom 1 vcpu 0 */
    ck_assert_int_eq(xt_file_rec(f, 0, xt_runstate_event(1, 0), true, 0x10, &w, 1), 0);
    ck_assert_int_eq(xt_file_rec(f, 0, xt_runstate_event(0, 2), true, 0x20, &w, 1), 0);
    ck_assert_int_eq(xt_file_rec(f, 1, XT_TRC_SCHED_CONTINUE_RUNNING, true, 0x1000000000ull,
                                 &w, 1), 0);
    ck_assert_int_eq(xt_file_rec(f, 0, xt_runstate_event(2, 1), true, 0x30, &w, 1), 0);
    ck_assert_int_eq(xt_file_rec(f, 2, XT_TRC_SCHED_CONTINUE_RUNNING, true, 0, &w, 1),
                     -SIM_EINVAL);
    ck_assert_int_eq(xt_file_rec(f, 0, 0x00021001u, true, 0, &w, 8), -SIM_EINVAL);
    ck_assert_uint_eq(xt_file_records(f), 4);
    /* Only the temporary file exists until the close. */
    ck_assert_int_eq(access(path, F_OK), -1);
    ck_assert_int_eq(entries(), 1);
    ck_assert_int_eq(xt_file_close(f, err, sizeof err), 0);
    ck_assert_int_eq(entries(), 1);

    const uint8_t want[] = {
        /* window: CPU 0, 32 bytes */
        0x03, 0xf0, 0x01, 0x20, 0x00, 0x00, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00,
        /* runnable -> running, header 0x90021101, TSC 0x10 */
        0x01, 0x11, 0x02, 0x90, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x01, 0x00,
        /* running -> blocked, header 0x90021021, TSC 0x20 */
        0x21, 0x10, 0x02, 0x90, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x01, 0x00,
        /* window: CPU 1, 16 bytes (same round) */
        0x03, 0xf0, 0x01, 0x20, 0x01, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00,
        /* continue running, header 0x90021002, TSC hi word 0x10 */
        0x02, 0x10, 0x02, 0x90, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x01, 0x00,
        /* window: CPU 0, 16 bytes (written at the close) */
        0x03, 0xf0, 0x01, 0x20, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00,
        /* blocked -> runnable, header 0x90021211, TSC 0x30 */
        0x11, 0x12, 0x02, 0x90, 0x30, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x01, 0x00,
    };
    uint8_t got[256];
    FILE *in = fopen(path, "rb");
    ck_assert_ptr_nonnull(in);
    size_t n = fread(got, 1, sizeof got, in);
    fclose(in);
    expect_bytes(got, n, want, sizeof want);
    rm_tmp(path);
}
END_TEST

START_TEST(test_file_abort_and_bad_args)
{
    mkdir_tmp();
    char path[128];
    snprintf(path, sizeof path, "%s/out.bin", dir);
    char err[256] = "";
    struct xt_file *f = xt_file_open(path, 1, 0, err, sizeof err);
    ck_assert_ptr_nonnull(f);
    uint32_t w = 0;
    ck_assert_int_eq(xt_file_rec(f, 0, XT_TRC_SCHED_CONTINUE_RUNNING, true, 5, &w, 1), 0);
    xt_file_abort(f);
    ck_assert_int_eq(entries(), 0);
    xt_file_abort(NULL);
    ck_assert_ptr_null(xt_file_open(path, 0, 0, err, sizeof err));
    ck_assert_ptr_null(xt_file_open(path, 1, 39, err, sizeof err));
    char bad[160];
    snprintf(bad, sizeof bad, "%s/no/such/dir/out.bin", dir);
    ck_assert_ptr_null(xt_file_open(bad, 1, 0, err, sizeof err));
    ck_assert_msg(strstr(err, "cannot create") != NULL, "%s", err);
    ck_assert_int_eq(entries(), 0);
    rm_tmp(path);
}
END_TEST

static Suite *xentrace_suite(void)
{
    Suite *s = suite_create("xentrace");
    TCase *tc = xs_tcase(s, "encode", 10);
    tcase_add_test(tc, test_runstate_event);
    tcase_add_test(tc, test_encode_runstate_with_tsc);
    tcase_add_test(tc, test_encode_switch_without_tsc);
    tcase_add_test(tc, test_encode_limits);
    tcase_add_test(tc, test_encode_cpu_change);
    tc = xs_tcase(s, "file", 10);
    tcase_add_test(tc, test_file_windows);
    tcase_add_test(tc, test_file_abort_and_bad_args);
    return s;
}

XS_CHECK_MAIN(xentrace_suite)
