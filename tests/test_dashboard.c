/*
 * tests/test_dashboard.c: the pure parts of analysis/dashboard: HTML
 * escaping, file names of scenario names, axis ticks, the linear scale,
 * SVG paths and sparklines, each against exact expected strings or
 * numbers (the hashes in file names are FNV-1a 32 computed
 * independently). The site itself is checked in a real browser by
 * tests/dashboard-browser.sh.
 */
#include <math.h>
#include <string.h>

#include "analysis/dashboard.h"
#include "sim/err.h"
#include "tests/check_util.h"

START_TEST(escape)
{
    char b[64];
    const char *want = "a&lt;b&gt;&amp;&quot;c&#39;&#xFFFD;\td";
    ck_assert_uint_eq(dash_html_escape("a<b>&\"c'\x01\td", b, sizeof b), strlen(want));
    ck_assert_str_eq(b, want);
    /* Truncated as snprintf is: the whole length is returned. */
    ck_assert_uint_eq(dash_html_escape("a<b", b, 5), 6);
    ck_assert_str_eq(b, "a&lt");
    ck_assert_uint_eq(dash_html_escape("<", NULL, 0), 4);
    ck_assert_uint_eq(dash_html_escape("", b, sizeof b), 0);
    ck_assert_str_eq(b, "");
    /* UTF-8 passes as it is. */
    dash_html_escape("caf\xc3\xa9", b, sizeof b);
    ck_assert_str_eq(b, "caf\xc3\xa9");
}
END_TEST

START_TEST(file_names)
{
    char b[128];
    ck_assert_uint_eq(dash_file_name("default", b, sizeof b), 7);
    ck_assert_str_eq(b, "default");
    dash_file_name("io-vs_hogs.2", b, sizeof b);
    ck_assert_str_eq(b, "io-vs_hogs.2");
    dash_file_name("io vs/hogs", b, sizeof b);
    ck_assert_str_eq(b, "io_vs_hogs-06f15326");
    /* "io_vs_hogs" itself keeps its name: the two never share a file. */
    dash_file_name("io_vs_hogs", b, sizeof b);
    ck_assert_str_eq(b, "io_vs_hogs");
    dash_file_name("", b, sizeof b);
    ck_assert_str_eq(b, "_-811c9dc5");
    dash_file_name(".hidden", b, sizeof b);
    ck_assert_str_eq(b, ".hidden-4747f185");
    dash_file_name("<b>", b, sizeof b);
    ck_assert_str_eq(b, "_b_-8e9a967f");
    char longname[71];
    memset(longname, 'a', 70);
    longname[70] = '\0';
    ck_assert_uint_eq(dash_file_name(longname, b, sizeof b), 64 + 9);
    ck_assert_str_eq(b + 64, "-5904740b");
    ck_assert_int_eq(strspn(b, "a"), 64);
}
END_TEST

static void ticks_are(double min, double max, int target, double lo, double hi, double step,
                      int n)
{
    struct dash_ticks t;
    ck_assert_int_eq(dash_nice_ticks(min, max, target, &t), 0);
    ck_assert_int_eq(t.n, n);
    ck_assert_double_eq_tol(t.lo, lo, 1e-12 * fabs(step));
    ck_assert_double_eq_tol(t.hi, hi, 1e-12 * fabs(step));
    ck_assert_double_eq_tol(t.step, step, 1e-12 * fabs(step));
    for (int i = 0; i < n; i++)
        ck_assert_double_eq_tol(t.v[i], lo + i * step, 1e-9 * fabs(step));
    ck_assert(t.v[0] <= min && t.v[n - 1] >= max);
}

START_TEST(ticks)
{
    ticks_are(0.93, 1.27, 5, 0.9, 1.3, 0.1, 5);
    ticks_are(0, 10, 6, 0, 10, 2, 6);
    ticks_are(1234, 98765, 5, 0, 100000, 50000, 3);
    ticks_are(1.2e6, 1.5e6, 5, 1.2e6, 1.5e6, 1e5, 4);
    ticks_are(-3, 7, 5, -5, 10, 5, 4);
    /* An empty range is widened: by 10% of its value, to [0, 1] at 0. */
    ticks_are(100, 100, 5, 90, 110, 5, 5);
    ticks_are(-2, -2, 5, -2.2, -1.8, 0.1, 5);
    ticks_are(0, 0, 5, 0, 1, 0.5, 3);
    /* No "-0" among the ticks. */
    struct dash_ticks t;
    ck_assert_int_eq(dash_nice_ticks(-1, 1, 3, &t), 0);
    ck_assert_int_eq(t.n, 3);
    ck_assert(t.v[1] == 0 && !signbit(t.v[1]));
    ck_assert_int_eq(dash_nice_ticks(NAN, 1, 5, &t), -SIM_EINVAL);
    ck_assert_int_eq(dash_nice_ticks(0, INFINITY, 5, &t), -SIM_EINVAL);
    ck_assert_int_eq(dash_nice_ticks(2, 1, 5, &t), -SIM_EINVAL);
    ck_assert_int_eq(dash_nice_ticks(0, 1, 1, &t), -SIM_EINVAL);
    ck_assert_int_eq(dash_nice_ticks(0, 1, DASH_TICKS_MAX - 1, &t), -SIM_EINVAL);
    /* The most ticks asked for still fit. */
    ck_assert_int_eq(dash_nice_ticks(0.001, 0.999, DASH_TICKS_MAX - 2, &t), 0);
    ck_assert_int_le(t.n, DASH_TICKS_MAX);
}
END_TEST

START_TEST(scale)
{
    ck_assert_double_eq(dash_scale(5, 0, 10, 0, 100), 50);
    ck_assert_double_eq(dash_scale(0, 0, 10, 200, 20), 200);
    ck_assert_double_eq(dash_scale(10, 0, 10, 200, 20), 20);
    ck_assert_double_eq(dash_scale(2.5, 0, 10, 200, 20), 155);
    ck_assert_double_eq(dash_scale(7, 3, 3, 10, 30), 20);
}
END_TEST

START_TEST(paths)
{
    char b[128];
    double x[] = { 0, 10, 20, 30, 40 }, y[] = { 5, NAN, 7.25, 8, -0.04 };
    const char *want = "M0.0,5.0M20.0,7.3L30.0,8.0L40.0,0.0";
    ck_assert_uint_eq(dash_path(x, y, 5, b, sizeof b), strlen(want));
    ck_assert_str_eq(b, want);
    ck_assert_uint_eq(dash_path(x, y, 5, NULL, 0), strlen(want));
    ck_assert_uint_eq(dash_path(x, y, 5, b, 6), strlen(want));
    ck_assert_str_eq(b, "M0.0,");
    ck_assert_uint_eq(dash_path(x, y, 0, b, sizeof b), 0);
    ck_assert_str_eq(b, "");
}
END_TEST

START_TEST(sparkline)
{
    char b[128];
    double v[] = { 1, 2, NAN, 4 };
    /* x: 2 + i * 96 / 3; y: 18 - (v - 1) * 16 / 3. */
    dash_sparkline(v, 4, 100, 20, 2, b, sizeof b);
    ck_assert_str_eq(b, "M2.0,18.0L34.0,12.7M98.0,2.0");
    double flat[] = { 3, 3 };
    dash_sparkline(flat, 2, 100, 20, 2, b, sizeof b);
    ck_assert_str_eq(b, "M2.0,10.0L98.0,10.0");
    double one[] = { 7 };
    dash_sparkline(one, 1, 100, 20, 2, b, sizeof b);
    ck_assert_str_eq(b, "M50.0,10.0");
    double none[] = { NAN, NAN };
    ck_assert_uint_eq(dash_sparkline(none, 2, 100, 20, 2, b, sizeof b), 0);
    ck_assert_str_eq(b, "");
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("dashboard");
    TCase *tc = xs_tcase(s, "pure", 10);
    tcase_add_test(tc, escape);
    tcase_add_test(tc, file_names);
    tcase_add_test(tc, ticks);
    tcase_add_test(tc, scale);
    tcase_add_test(tc, paths);
    tcase_add_test(tc, sparkline);
    return s;
}

XS_CHECK_MAIN(make_suite)
