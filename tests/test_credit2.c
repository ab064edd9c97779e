/*
 * tests/test_credit2.c: the Credit2 policy of Xen 4.17.5
 * (schedulers/credit2.c) driven step by step through the fake core.
 */
#include "schedulers/credit2.c"

#include <check.h>
#include "tests/check_util.h"
#include "tests/sched_fake.h"

START_TEST(placeholder)
{
    ck_assert(1);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("credit2");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, placeholder);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int nf = srunner_ntests_failed(sr);
    srunner_free(sr);
    return nf ? 1 : 0;
}
