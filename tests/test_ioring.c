/*
 * tests/test_ioring.c: unit tests of the Xen-style I/O ring (models/ioring).
 *
 * What is checked, with numbers worked out by hand: slot-count validation;
 * the ring never holds more than its slots and a full ring refuses until a
 * response is consumed; FIFO order of requests and responses; indices that
 * wrap past 2^32; notification suppression (a batching back end gets 1
 * notification per 32 requests, an idle re-armed one is notified for the
 * first request); the final check closes the drain/re-arm race.
 */
#include <stdint.h>

#include "models/ioring.h"
#include "sim/err.h"
#include "tests/check_util.h"

static struct ring_req mkreq(uint32_t id)
{
    struct ring_req q = { .id = id, .size_bytes = 4096, .payload = 1000u + id };
    return q;
}

/* Back end: consume every published request, answer each with status 0,
 * push the responses; returns requests handled. */
static unsigned back_drain(struct ring *r, bool *rsp_notify)
{
    struct ring_req q;
    unsigned n = 0;
    while (ring_req_get(r, &q) == 0) {
        struct ring_rsp p = { .id = q.id, .status = 0 };
        ck_assert_int_eq(ring_rsp_put(r, &p), 0);
        n++;
    }
    ck_assert_int_eq(ring_rsp_push(r, rsp_notify), 0);
    return n;
}

START_TEST(slots_validated)
{
    ck_assert_ptr_null(ring_new(0, 0));
    ck_assert_ptr_null(ring_new(3, 0));
    ck_assert_ptr_null(ring_new(48, 0));
    ck_assert_ptr_null(ring_new(8192, 0));
    ck_assert_ptr_null(ring_new(4097, 0));
    uint32_t ok[] = { 1, 2, 32, 256, 4096 };
    for (unsigned i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        struct ring *r = ring_new(ok[i], 0);
        ck_assert_ptr_nonnull(r);
        ck_assert_uint_eq(ring_size(r), ok[i]);
        ck_assert_uint_eq(ring_free_slots(r), ok[i]);
        ring_free(r);
    }
    ring_free(NULL);
    ck_assert_int_eq(ring_req_put(NULL, NULL), -SIM_EINVAL);
}
END_TEST

START_TEST(full_ring_refuses)
{
    struct ring *r = ring_new(8, 0);
    struct ring_req q;
    struct ring_rsp p;
    for (uint32_t i = 0; i < 8; i++) {
        q = mkreq(i);
        ck_assert_int_eq(ring_req_put(r, &q), 0);
    }
    ck_assert_uint_eq(ring_outstanding(r), 8);
    ck_assert_uint_eq(ring_free_slots(r), 0);
    q = mkreq(8);
    ck_assert_int_eq(ring_req_put(r, &q), -SIM_ENOSPC);
    ck_assert_int_eq(ring_req_push(r, NULL), 0);

    /* The back end consumes and answers all 8: still full, since the
     * responses occupy the slots until the front end consumes them. */
    ck_assert_uint_eq(back_drain(r, NULL), 8);
    p.id = 99;
    p.status = 0;
    ck_assert_int_eq(ring_rsp_put(r, &p), -SIM_ESTATE); /* no consumed request left */
    ck_assert_uint_eq(ring_rsps_unconsumed(r), 8);
    ck_assert_int_eq(ring_req_put(r, &q), -SIM_ENOSPC);

    /* Consuming one response frees exactly one slot. */
    ck_assert_int_eq(ring_rsp_get(r, &p), 0);
    ck_assert_uint_eq(p.id, 0);
    ck_assert_uint_eq(ring_free_slots(r), 1);
    ck_assert_int_eq(ring_req_put(r, &q), 0);
    ck_assert_int_eq(ring_req_put(r, &q), -SIM_ENOSPC);

    struct ring_stats st;
    ring_get_stats(r, &st);
    ck_assert_uint_eq(st.full_refusals, 3);
    ck_assert_uint_eq(st.max_outstanding, 8);
    ck_assert_uint_eq(st.reqs_pushed, 8);
    ck_assert_uint_eq(st.rsps_pushed, 8);
    ring_free(r);
}
END_TEST

/* A deterministic random mix of both sides' operations: the ring never holds
 * more than its slots, every id comes back once and in order. */
START_TEST(never_more_than_slots)
{
    uint32_t sizes[] = { 1, 2, 4, 16 };
    for (unsigned s = 0; s < 4; s++) {
        struct ring *r = ring_new(sizes[s], UINT32_MAX - 37);
        uint64_t x = 12345;
        uint32_t next_id = 0, next_rsp = 0, next_req_seen = 0, answered = 0;
        for (int step = 0; step < 20000; step++) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            unsigned op = (unsigned)(x >> 61); /* 0..7 */
            struct ring_req q;
            struct ring_rsp p;
            switch (op) {
            case 0: case 1: case 2:
                q = mkreq(next_id);
                if (ring_req_put(r, &q) == 0)
                    next_id++;
                else
                    ck_assert_uint_eq(ring_outstanding(r), sizes[s]);
                break;
            case 3:
                ring_req_push(r, NULL);
                break;
            case 4:
                if (ring_req_get(r, &q) == 0) {
                    ck_assert_uint_eq(q.id, next_req_seen);
                    ck_assert(q.payload == 1000u + q.id);
                    next_req_seen++;
                }
                break;
            case 5:
                ring_rsp_push(r, NULL);
                break;
            case 6:
                /* answer the oldest consumed, unanswered request */
                p.id = answered;
                p.status = 0;
                if (ring_rsp_put(r, &p) == 0)
                    answered++;
                else
                    ck_assert_uint_eq(answered, next_req_seen);
                break;
            default:
                if (ring_rsp_get(r, &p) == 0) {
                    ck_assert_uint_eq(p.id, next_rsp);
                    next_rsp++;
                }
                break;
            }
            ck_assert_uint_le(ring_outstanding(r), sizes[s]);
            ck_assert_uint_le(ring_reqs_unconsumed(r) + ring_rsps_unconsumed(r), sizes[s]);
        }
        struct ring_stats st;
        ring_get_stats(r, &st);
        ck_assert_uint_le(st.max_outstanding, sizes[s]);
        ck_assert_uint_gt(next_rsp, 100);
        ring_free(r);
    }
}
END_TEST

START_TEST(fifo_order)
{
    struct ring *r = ring_new(16, 0);
    struct ring_req q;
    struct ring_rsp p;
    uint32_t sent = 0, got_req = 0, got_rsp = 0;
    /* Rounds of 5 puts, then the back end takes 3 and answers them in order,
     * then the front end takes what is there. */
    for (int round = 0; round < 100; round++) {
        for (int i = 0; i < 5 && ring_free_slots(r); i++) {
            q = mkreq(sent++);
            ck_assert_int_eq(ring_req_put(r, &q), 0);
        }
        ring_req_push(r, NULL);
        for (int i = 0; i < 3 && ring_req_get(r, &q) == 0; i++) {
            ck_assert_uint_eq(q.id, got_req);
            ck_assert(q.payload == 1000u + got_req);
            ck_assert_uint_eq(q.size_bytes, 4096);
            got_req++;
            p.id = q.id;
            p.status = -(int32_t)(q.id % 3);
            ck_assert_int_eq(ring_rsp_put(r, &p), 0);
        }
        ring_rsp_push(r, NULL);
        while (ring_rsp_get(r, &p) == 0) {
            ck_assert_uint_eq(p.id, got_rsp);
            ck_assert_int_eq(p.status, -(int32_t)(got_rsp % 3));
            got_rsp++;
        }
    }
    ck_assert_uint_eq(got_rsp, got_req);
    ck_assert_uint_eq(got_req, 300);
    ring_free(r);
}
END_TEST

/* Indices start 5 short of 2^32: 100 requests through a 4-slot ring keep
 * FIFO order, the full condition and notification across the wrap. */
START_TEST(wraparound)
{
    uint32_t start = UINT32_MAX - 5;
    struct ring *r = ring_new(4, start);
    struct ring_req q;
    struct ring_rsp p;
    uint32_t sent = 0, got = 0;
    unsigned notifies = 0, rsp_notifies = 0;
    while (got < 100) {
        while (sent < 100) {
            q = mkreq(sent);
            if (ring_req_put(r, &q) != 0)
                break;
            sent++;
        }
        ck_assert_uint_le(ring_outstanding(r), 4);
        bool n, rn, more;
        ring_req_push(r, &n);
        notifies += n;
        /* an idle back end, re-armed after every drain: each batch notifies */
        ck_assert(n);
        back_drain(r, &rn);
        rsp_notifies += rn;
        ck_assert_int_eq(ring_req_final_check(r, &more), 0);
        ck_assert(!more);
        while (ring_rsp_get(r, &p) == 0) {
            ck_assert_uint_eq(p.id, got);
            got++;
        }
        ck_assert_int_eq(ring_rsp_final_check(r, &more), 0);
        ck_assert(!more);
    }
    /* 100 requests in batches of 4: 25 request and 25 response notifies */
    ck_assert_uint_eq(notifies, 25);
    ck_assert_uint_eq(rsp_notifies, 25);
    ck_assert_uint_eq(ring_outstanding(r), 0);
    ring_free(r);
}
END_TEST

/* The back end is scheduled only once per 32 front-end pushes (it is busy
 * or descheduled meanwhile) and then drains everything and re-arms: 320
 * requests pushed one at a time give 10 notifications, 1/32 per request. */
START_TEST(suppression_batching_backend)
{
    struct ring *r = ring_new(32, 0);
    unsigned notifies = 0;
    uint32_t id = 0;
    for (int batch = 0; batch < 10; batch++) {
        for (int i = 0; i < 32; i++) {
            struct ring_req q = mkreq(id++);
            bool n;
            ck_assert_int_eq(ring_req_put(r, &q), 0);
            ck_assert_int_eq(ring_req_push(r, &n), 0);
            notifies += n;
            ck_assert(n == (i == 0)); /* only the first of each batch */
        }
        bool more = true;
        while (more) {
            back_drain(r, NULL);
            ring_req_final_check(r, &more);
        }
        struct ring_rsp p;
        while (ring_rsp_get(r, &p) == 0)
            ;
    }
    ck_assert_uint_eq(notifies, 10);
    struct ring_stats st;
    ring_get_stats(r, &st);
    ck_assert_uint_eq(st.req_notifies, 10);
    ck_assert_uint_eq(st.reqs_pushed, 320);
    ck_assert(st.req_notifies * 32 == st.reqs_pushed);
    ring_free(r);
}
END_TEST

/* A back end that drains and re-arms after every request is notified for
 * every request (one per request, the upper bound); a fresh ring notifies
 * for the first request; pushing nothing never notifies. */
START_TEST(suppression_idle_backend)
{
    struct ring *r = ring_new(32, 0);
    bool n, more;
    ck_assert_int_eq(ring_req_push(r, &n), 0);
    ck_assert(!n);
    for (uint32_t i = 0; i < 50; i++) {
        struct ring_req q = mkreq(i);
        ring_req_put(r, &q);
        ring_req_push(r, &n);
        ck_assert(n);
        ck_assert_uint_eq(back_drain(r, NULL), 1);
        ring_req_final_check(r, &more);
        ck_assert(!more);
        struct ring_rsp p;
        ck_assert_int_eq(ring_rsp_get(r, &p), 0);
        ring_rsp_final_check(r, &more);
    }
    /* Without the re-arm the back end is not notified again. */
    struct ring_req q = mkreq(50);
    ring_req_put(r, &q);
    ring_req_push(r, &n);
    ck_assert(n);
    back_drain(r, NULL);
    ring_req_put(r, &q);
    ring_req_push(r, &n);
    ck_assert(!n);
    struct ring_stats st;
    ring_get_stats(r, &st);
    ck_assert_uint_eq(st.req_notifies, 51);
    ck_assert_uint_eq(st.reqs_pushed, 52);
    ring_free(r);
}
END_TEST

/* Responses: a front end that sleeps after its final check is notified by
 * the first response; while it is not re-armed further responses do not
 * notify. */
START_TEST(suppression_responses)
{
    struct ring *r = ring_new(8, 7);
    bool n, more;
    for (uint32_t i = 0; i < 4; i++) {
        struct ring_req q = mkreq(i);
        ring_req_put(r, &q);
    }
    ring_req_push(r, &n);
    ck_assert(n);
    struct ring_req q;
    struct ring_rsp p;
    ck_assert_int_eq(ring_rsp_final_check(r, &more), 0);
    ck_assert(!more);
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(ring_req_get(r, &q), 0);
        p.id = q.id;
        p.status = 0;
        ring_rsp_put(r, &p);
        ring_rsp_push(r, &n);
        ck_assert(n == (i == 0));
    }
    struct ring_stats st;
    ring_get_stats(r, &st);
    ck_assert_uint_eq(st.rsp_notifies, 1);
    ck_assert_uint_eq(st.rsps_pushed, 4);
    ring_free(r);
}
END_TEST

/* The race: the back end has drained but not yet re-armed when a request is
 * pushed; the push does not notify (req_event is stale), but the final
 * check sees the request, so it is not lost. In the other order (re-arm
 * first) the push notifies. Either way the back end learns of it. */
START_TEST(final_check_closes_race)
{
    struct ring *r = ring_new(8, 0);
    bool n, more;
    struct ring_req q = mkreq(0);
    ring_req_put(r, &q);
    ring_req_push(r, &n);
    ck_assert(n);
    ck_assert_uint_eq(back_drain(r, NULL), 1);

    /* pushed between drain and re-arm */
    q = mkreq(1);
    ring_req_put(r, &q);
    ring_req_push(r, &n);
    ck_assert(!n);
    ck_assert_int_eq(ring_req_final_check(r, &more), 0);
    ck_assert(more);
    ck_assert_int_eq(ring_req_get(r, &q), 0);
    ck_assert_uint_eq(q.id, 1);
    struct ring_rsp p = { .id = 1, .status = 0 };
    ring_rsp_put(r, &p);
    ring_rsp_push(r, NULL);
    ck_assert_int_eq(ring_req_final_check(r, &more), 0);
    ck_assert(!more);

    /* pushed after re-arm: notified */
    q = mkreq(2);
    ring_req_put(r, &q);
    ring_req_push(r, &n);
    ck_assert(n);
    ck_assert_int_eq(ring_req_get(r, &q), 0);
    ck_assert_uint_eq(q.id, 2);
    ck_assert_int_eq(ring_req_get(r, &q), -SIM_ENOENT);
    ring_free(r);
}
END_TEST

static Suite *ioring_suite(void)
{
    Suite *s = suite_create("ioring");
    TCase *tc = xs_tcase(s, "ring", 10);
    tcase_add_test(tc, slots_validated);
    tcase_add_test(tc, full_ring_refuses);
    tcase_add_test(tc, never_more_than_slots);
    tcase_add_test(tc, fifo_order);
    tcase_add_test(tc, wraparound);
    tcase_add_test(tc, suppression_batching_backend);
    tcase_add_test(tc, suppression_idle_backend);
    tcase_add_test(tc, suppression_responses);
    tcase_add_test(tc, final_check_closes_race);
    return s;
}

XS_CHECK_MAIN(ioring_suite)
