/*
 * tests/check_util.h: the main() every Check test program shares.
 *
 * Simulation tests run far longer than Check's default 4 s per test, so each
 * test case sets its own timeout (tcase_set_timeout); XS_TCASE makes that the
 * norm. Output goes to the test's .log, ending with Check's summary line
 * ("100%: Checks: N, Failures: 0, Errors: 0"), which scripts/test prints.
 */
#ifndef XENSIM_TESTS_CHECK_UTIL_H
#define XENSIM_TESTS_CHECK_UTIL_H

#include <check.h>
#include <stdlib.h>

/* A test case with an explicit timeout in seconds. */
static inline TCase *xs_tcase(Suite *s, const char *name, double timeout_s)
{
    TCase *tc = tcase_create(name);
    tcase_set_timeout(tc, timeout_s);
    suite_add_tcase(s, tc);
    return tc;
}

/* Path of a file in the source tree (fixtures), valid under distcheck. */
static inline const char *xs_srcdir(void)
{
    const char *d = getenv("abs_top_srcdir");
    return d ? d : ".";
}

#define XS_CHECK_MAIN(make_suite)                                  \
    int main(void)                                                 \
    {                                                              \
        SRunner *sr = srunner_create(make_suite());                \
        srunner_run_all(sr, CK_NORMAL);                            \
        int failed = srunner_ntests_failed(sr);                    \
        srunner_free(sr);                                          \
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;               \
    }

#endif
