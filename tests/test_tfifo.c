/*
 * tests/test_tfifo.c: the time FIFO (sim/tfifo.h): first in, first out
 * across growth, including growth while the oldest entry sits in the middle
 * of the buffer (head wrapped), which is where a copy in the wrong order
 * would show.
 */
#include "sim/tfifo.h"

#include <stdlib.h>

#include "tests/check_util.h"

START_TEST(fifo_order_across_growth)
{
    struct tfifo q = { 0 };
    sim_time_t next_in = 0, next_out = 0;
    /* Push 3, pop 2, repeatedly: the queue grows from 64 to 2048 slots
     * with its head everywhere in the buffer. */
    for (int round = 0; round < 1000; round++) {
        for (int k = 0; k < 3; k++)
            ck_assert_int_eq(tfifo_push(&q, next_in++), 0);
        for (int k = 0; k < 2; k++) {
            ck_assert_int_eq(tfifo_front(&q), next_out);
            ck_assert_int_eq(tfifo_pop(&q), next_out++);
        }
        ck_assert_uint_eq(q.n, (size_t)(next_in - next_out));
    }
    ck_assert_uint_eq(q.n, 1000);
    ck_assert_uint_eq(q.cap, 1024);
    while (q.n)
        ck_assert_int_eq(tfifo_pop(&q), next_out++);
    ck_assert_int_eq(next_out, 3000);
    tfifo_free(&q);
    ck_assert_ptr_null(q.buf);
    ck_assert_uint_eq(q.cap, 0);
    tfifo_free(NULL);
}
END_TEST

/* tfifo_grow on a buffer of 3-word records, full with its head in the
 * middle: the oldest (at head) must land at index 0, in order, and a
 * buffer that is not full is left alone. */
struct rec {
    long a, b, c;
};

START_TEST(grow_wrapped_records)
{
    size_t cap = 4, head = 3, n = 4;
    struct rec *r = malloc(cap * sizeof *r);
    ck_assert_ptr_nonnull(r);
    for (size_t i = 0; i < n; i++)
        r[(head + i) % cap] = (struct rec){ (long)i, 10 * (long)i, 100 * (long)i };
    void *buf = r;
    ck_assert_int_eq(tfifo_grow(&buf, sizeof *r, &head, n, &cap, 16), 0);
    r = buf;
    ck_assert_uint_eq(cap, 8);
    ck_assert_uint_eq(head, 0);
    for (size_t i = 0; i < n; i++) {
        ck_assert_int_eq(r[i].a, (long)i);
        ck_assert_int_eq(r[i].b, 10 * (long)i);
        ck_assert_int_eq(r[i].c, 100 * (long)i);
    }
    /* Not full: nothing moves. */
    head = 2;
    ck_assert_int_eq(tfifo_grow(&buf, sizeof *r, &head, 5, &cap, 16), 0);
    ck_assert_ptr_eq(buf, r);
    ck_assert_uint_eq(cap, 8);
    ck_assert_uint_eq(head, 2);
    free(buf);
    /* Empty: the first capacity. */
    buf = NULL;
    cap = head = 0;
    ck_assert_int_eq(tfifo_grow(&buf, sizeof *r, &head, 0, &cap, 16), 0);
    ck_assert_uint_eq(cap, 16);
    free(buf);
}
END_TEST

static Suite *tfifo_suite(void)
{
    Suite *s = suite_create("tfifo");
    TCase *tc = xs_tcase(s, "fifo", 10);
    tcase_add_test(tc, fifo_order_across_growth);
    tcase_add_test(tc, grow_wrapped_records);
    return s;
}

XS_CHECK_MAIN(tfifo_suite)
