/*
 * tests/test_evtchn.c: unit tests of Xen-style event channels
 * (models/evtchn).
 *
 * What is checked, with numbers by hand: port allocation and binding
 * (interdomain, virq, pirq; errors for double binds and wrong states);
 * notify sets the remote port pending and kicks once (a second notify while
 * pending merges); masking suppresses the kick and unmasking a pending port
 * kicks; the upcall consumes pending unmasked ports in port order, clears
 * them and upcall_pending; notify-to-upcall latency bookkeeping; close;
 * ports bound to another vCPU (evtchn_bind_vcpu) kick and are consumed by
 * that vCPU only, masked or not.
 */
#include "models/evtchn.h"
#include "sim/err.h"
#include "tests/check_util.h"

struct kicks {
    int n;
    int last_dom, last_vcpu;
};

static void kick(void *ctx, int dom, int vcpu)
{
    struct kicks *k = ctx;
    k->n++;
    k->last_dom = dom;
    k->last_vcpu = vcpu;
}

/* dom 0 is the back end, dom 1 the front end; returns ports in *p0, *p1. */
static void connect(struct evtchn *e, int *p0, int *p1)
{
    ck_assert_int_eq(evtchn_alloc_unbound(e, 0, 1, p0), 0);
    ck_assert_int_eq(evtchn_bind_interdomain(e, 1, 0, *p0, p1), 0);
}

START_TEST(new_validates)
{
    ck_assert_ptr_null(evtchn_new(0, 64, NULL, NULL));
    ck_assert_ptr_null(evtchn_new(2, 1, NULL, NULL));
    ck_assert_ptr_null(evtchn_new(2, EVTCHN_MAX_PORTS + 1, NULL, NULL));
    struct evtchn *e = evtchn_new(2, EVTCHN_MAX_PORTS, NULL, NULL);
    ck_assert_ptr_nonnull(e);
    evtchn_free(e);
    evtchn_free(NULL);
}
END_TEST

/* Domains are indices, not 16-bit domids: a host of 100000 domains (the
 * scenario's largest count) connects its last domain to a driver domain
 * and routes a physical IRQ to it, and both ends name each other. */
START_TEST(many_domains)
{
    const int n = 100000, last = n - 1;
    struct evtchn *e = evtchn_new(n, 8, NULL, NULL);
    ck_assert_ptr_nonnull(e);
    int g, d, irq;
    struct evtchn_port_info in;
    ck_assert_int_eq(evtchn_alloc_unbound(e, last, 0, &g), 0);
    ck_assert_int_eq(evtchn_bind_interdomain(e, 0, last, g, &d), 0);
    ck_assert_int_eq(evtchn_port_info(e, 0, d, &in), 0);
    ck_assert_int_eq(in.state, EVTCHN_INTERDOMAIN);
    ck_assert_int_eq(in.remote_dom, last);
    ck_assert_int_eq(in.remote_port, g);
    ck_assert_int_eq(evtchn_port_info(e, last, g, &in), 0);
    ck_assert_int_eq(in.remote_dom, 0);
    ck_assert_int_eq(evtchn_bind_pirq(e, 40000, 3, &irq), 0);
    ck_assert_int_eq(evtchn_port_info(e, 40000, irq, &in), 0);
    ck_assert_int_eq(in.state, EVTCHN_PIRQ);
    ck_assert_int_eq(in.pirq, 3);
    ck_assert_int_eq(evtchn_send_pirq(e, 3, 0), 0);
    ck_assert_int_eq(evtchn_port_info(e, 40000, irq, &in), 0);
    ck_assert(in.pending);
    evtchn_free(e);
}
END_TEST

START_TEST(binding)
{
    struct evtchn *e = evtchn_new(3, 8, NULL, NULL);
    int p0, p1, p, q;
    struct evtchn_port_info in;

    /* port 0 is reserved: the first port allocated is 1 */
    ck_assert_int_eq(evtchn_alloc_unbound(e, 0, 1, &p0), 0);
    ck_assert_int_eq(p0, 1);
    ck_assert_int_eq(evtchn_port_info(e, 0, p0, &in), 0);
    ck_assert_int_eq(in.state, EVTCHN_UNBOUND);
    ck_assert_int_eq(in.remote_dom, 1);
    /* only the named domain may bind it */
    ck_assert_int_eq(evtchn_bind_interdomain(e, 2, 0, p0, &p), -SIM_ESTATE);
    ck_assert_int_eq(evtchn_bind_interdomain(e, 1, 0, p0, &p1), 0);
    ck_assert_int_eq(p1, 1);
    ck_assert_int_eq(evtchn_bind_interdomain(e, 1, 0, p0, &p), -SIM_ESTATE); /* bound now */
    evtchn_port_info(e, 0, p0, &in);
    ck_assert_int_eq(in.state, EVTCHN_INTERDOMAIN);
    ck_assert_int_eq(in.remote_dom, 1);
    ck_assert_int_eq(in.remote_port, p1);
    evtchn_port_info(e, 1, p1, &in);
    ck_assert_int_eq(in.remote_dom, 0);
    ck_assert_int_eq(in.remote_port, p0);

    ck_assert_int_eq(evtchn_bind_virq(e, 1, EVTCHN_VIRQ_TIMER, &p), 0);
    ck_assert_int_eq(p, 2);
    ck_assert_int_eq(evtchn_bind_virq(e, 1, EVTCHN_VIRQ_TIMER, &q), -SIM_EEXIST);
    ck_assert_int_eq(evtchn_bind_virq(e, 1, EVTCHN_NR_VIRQS, &q), -SIM_EINVAL);
    evtchn_port_info(e, 1, p, &in);
    ck_assert_int_eq(in.state, EVTCHN_VIRQ);
    ck_assert_int_eq(in.virq, EVTCHN_VIRQ_TIMER);

    ck_assert_int_eq(evtchn_bind_pirq(e, 0, 14, &p), 0);
    ck_assert_int_eq(p, 2);
    ck_assert_int_eq(evtchn_bind_pirq(e, 2, 14, &q), -SIM_EEXIST);
    ck_assert_int_eq(evtchn_bind_pirq(e, 0, EVTCHN_NR_PIRQS, &q), -SIM_EINVAL);
    evtchn_port_info(e, 0, p, &in);
    ck_assert_int_eq(in.state, EVTCHN_PIRQ);
    ck_assert_int_eq(in.pirq, 14);

    /* notify only on interdomain ports; unbound virq/pirq are ENOENT */
    ck_assert_int_eq(evtchn_notify(e, 0, p, 0), -SIM_ESTATE);
    ck_assert_int_eq(evtchn_notify(e, 0, 7, 0), -SIM_ESTATE);   /* free */
    ck_assert_int_eq(evtchn_notify(e, 0, 0, 0), -SIM_EINVAL);   /* reserved */
    ck_assert_int_eq(evtchn_notify(e, 0, 8, 0), -SIM_EINVAL);   /* out of range */
    ck_assert_int_eq(evtchn_send_virq(e, 2, EVTCHN_VIRQ_TIMER, 0), -SIM_ENOENT);
    ck_assert_int_eq(evtchn_send_pirq(e, 15, 0), -SIM_ENOENT);

    /* ports run out: dom 2 has ports 1..7 */
    for (int i = 1; i < 8; i++) {
        ck_assert_int_eq(evtchn_alloc_unbound(e, 2, 0, &q), 0);
        ck_assert_int_eq(q, i);
    }
    ck_assert_int_eq(evtchn_alloc_unbound(e, 2, 0, &q), -SIM_ENOSPC);
    evtchn_free(e);
}
END_TEST

START_TEST(notify_pending_once)
{
    struct kicks k = { 0, -1, -1 };
    struct evtchn *e = evtchn_new(2, 64, kick, &k);
    int p0, p1;
    connect(e, &p0, &p1);
    struct evtchn_port_info in;

    /* back end (dom 0) notifies the front end (dom 1) */
    ck_assert_int_eq(evtchn_notify(e, 0, p0, 1000), 0);
    evtchn_port_info(e, 1, p1, &in);
    ck_assert(in.pending);
    evtchn_port_info(e, 0, p0, &in);
    ck_assert(!in.pending);                 /* only the remote end */
    ck_assert(evtchn_upcall_pending(e, 1, 0));
    ck_assert(!evtchn_upcall_pending(e, 0, 0));
    /* the word hv keeps a pointer to reads the same bits, live */
    const uint64_t *w1 = evtchn_upcall_word(e, 1);
    ck_assert_ptr_nonnull(w1);
    ck_assert_uint_eq(*w1, 1);
    ck_assert_uint_eq(*evtchn_upcall_word(e, 0), 0);
    ck_assert_ptr_null(evtchn_upcall_word(e, 2));
    ck_assert_ptr_null(evtchn_upcall_word(e, -1));
    ck_assert_int_eq(k.n, 1);
    ck_assert_int_eq(k.last_dom, 1);
    ck_assert_int_eq(k.last_vcpu, 0);

    /* a second notify while pending: merged, no kick */
    evtchn_notify(e, 0, p0, 2000);
    ck_assert_int_eq(k.n, 1);
    struct evtchn_stats st;
    evtchn_get_stats(e, 1, &st);
    ck_assert_uint_eq(st.raised, 2);
    ck_assert_uint_eq(st.already_pending, 1);
    ck_assert_uint_eq(st.kicks, 1);

    /* the upcall takes it once, latency from the first notify */
    struct evtchn_fired f[4];
    ck_assert_int_eq(evtchn_consume(e, 1, 0, 5000, f, 4), 1);
    ck_assert_int_eq(f[0].port, p1);
    ck_assert(f[0].latency_ns == 4000);
    ck_assert(!evtchn_upcall_pending(e, 1, 0));
    ck_assert_uint_eq(*w1, 0);
    ck_assert_int_eq(evtchn_consume(e, 1, 0, 6000, f, 4), 0);

    /* after consumption a notify kicks again; the other direction works */
    evtchn_notify(e, 0, p0, 7000);
    ck_assert_int_eq(k.n, 2);
    evtchn_notify(e, 1, p1, 7000);
    ck_assert_int_eq(k.n, 3);
    ck_assert_int_eq(k.last_dom, 0);
    evtchn_free(e);
}
END_TEST

/* A second port raised while upcall_pending is already set does not kick
 * again (the vCPU is already due an upcall) but is delivered by it. */
START_TEST(upcall_pending_merges_ports)
{
    struct kicks k = { 0, -1, -1 };
    struct evtchn *e = evtchn_new(2, 64, kick, &k);
    int p0, p1, t;
    connect(e, &p0, &p1);
    ck_assert_int_eq(evtchn_bind_virq(e, 1, EVTCHN_VIRQ_TIMER, &t), 0);
    evtchn_send_virq(e, 1, EVTCHN_VIRQ_TIMER, 100);
    evtchn_notify(e, 0, p0, 300);
    ck_assert_int_eq(k.n, 1);
    struct evtchn_fired f[4];
    ck_assert_int_eq(evtchn_consume(e, 1, 0, 1000, f, 4), 2);
    ck_assert_int_eq(f[0].port, p1);        /* port order: 1 then 2 */
    ck_assert(f[0].latency_ns == 700);
    ck_assert_int_eq(f[1].port, t);
    ck_assert(f[1].latency_ns == 900);
    evtchn_free(e);
}
END_TEST

START_TEST(masking)
{
    struct kicks k = { 0, -1, -1 };
    struct evtchn *e = evtchn_new(2, 64, kick, &k);
    int p0, p1;
    connect(e, &p0, &p1);
    struct evtchn_port_info in;
    struct evtchn_fired f[4];

    ck_assert_int_eq(evtchn_mask(e, 1, p1), 0);
    evtchn_notify(e, 0, p0, 100);
    evtchn_port_info(e, 1, p1, &in);
    ck_assert(in.pending && in.masked);
    ck_assert_int_eq(k.n, 0);               /* masked: no kick */
    ck_assert(!evtchn_upcall_pending(e, 1, 0));
    /* the upcall does not take a masked port; it stays pending */
    ck_assert_int_eq(evtchn_consume(e, 1, 0, 200, f, 4), 0);
    evtchn_port_info(e, 1, p1, &in);
    ck_assert(in.pending);

    /* unmasking the pending port kicks */
    ck_assert_int_eq(evtchn_unmask(e, 1, p1), 0);
    ck_assert_int_eq(k.n, 1);
    ck_assert(evtchn_upcall_pending(e, 1, 0));
    ck_assert_int_eq(evtchn_consume(e, 1, 0, 500, f, 4), 1);
    ck_assert(f[0].latency_ns == 400);     /* from the notify at 100 */

    /* unmasking a port that is not pending, or not masked, does nothing */
    evtchn_mask(e, 1, p1);
    evtchn_unmask(e, 1, p1);
    evtchn_unmask(e, 1, p1);
    ck_assert_int_eq(k.n, 1);

    struct evtchn_stats st;
    evtchn_get_stats(e, 1, &st);
    ck_assert_uint_eq(st.masked, 1);
    ck_assert_uint_eq(st.kicks, 1);
    ck_assert_int_eq(evtchn_mask(e, 1, 0), -SIM_EINVAL);
    evtchn_free(e);
}
END_TEST

/* Ports raised in reverse order come out in port order; max limits one
 * upcall and leaves upcall_pending set for the rest. */
START_TEST(consume_order_and_clearing)
{
    struct kicks k = { 0, -1, -1 };
    struct evtchn *e = evtchn_new(2, 16, kick, &k);
    int bp[6], fp[6];
    for (int i = 0; i < 6; i++)
        connect(e, &bp[i], &fp[i]);
    for (int i = 5; i >= 0; i--)
        evtchn_notify(e, 0, bp[i], 10 * (6 - i));  /* port 6 at 10 ... port 1 at 60 */
    ck_assert_int_eq(k.n, 1);
    evtchn_mask(e, 1, fp[2]);                       /* port 3 masked after raise */

    struct evtchn_fired f[8];
    ck_assert_int_eq(evtchn_consume(e, 1, 0, 100, f, 3), 3);
    ck_assert_int_eq(f[0].port, 1);
    ck_assert_int_eq(f[1].port, 2);
    ck_assert_int_eq(f[2].port, 4);                 /* 3 is masked */
    ck_assert(f[0].latency_ns == 40);
    ck_assert(f[1].latency_ns == 50);
    ck_assert(f[2].latency_ns == 70);
    ck_assert(evtchn_upcall_pending(e, 1, 0));         /* 5 and 6 left */
    ck_assert_int_eq(k.n, 1);

    ck_assert_int_eq(evtchn_consume(e, 1, 0, 200, f, 8), 2);
    ck_assert_int_eq(f[0].port, 5);
    ck_assert_int_eq(f[1].port, 6);
    ck_assert(f[1].latency_ns == 190);
    ck_assert(!evtchn_upcall_pending(e, 1, 0));
    ck_assert_int_eq(evtchn_consume(e, 1, 0, 300, f, 8), 0);

    /* latency bookkeeping: 40+50+70+180+190 = 530 over 5, max 190 */
    struct evtchn_stats st;
    evtchn_get_stats(e, 1, &st);
    ck_assert_uint_eq(st.delivered, 5);
    ck_assert(st.latency_sum_ns == 530);
    ck_assert(st.latency_max_ns == 190);
    ck_assert_uint_eq(st.raised, 6);

    ck_assert_int_eq(evtchn_consume(e, 1, 0, 300, NULL, 1), -SIM_EINVAL);
    ck_assert_int_eq(evtchn_consume(e, 2, 0, 300, f, 1), -SIM_EINVAL);
    evtchn_free(e);
}
END_TEST

/* The disk's physical IRQ reaches the driver domain; the timer virq the
 * guest. Latency counts from when the port became pending, not from the
 * later merged raise. */
START_TEST(pirq_virq_latency)
{
    struct kicks k = { 0, -1, -1 };
    struct evtchn *e = evtchn_new(3, 32, kick, &k);
    int dp, tp;
    ck_assert_int_eq(evtchn_bind_pirq(e, 0, 14, &dp), 0);
    ck_assert_int_eq(evtchn_bind_virq(e, 2, EVTCHN_VIRQ_TIMER, &tp), 0);
    ck_assert_int_eq(evtchn_send_pirq(e, 14, 5 * SIM_MSEC), 0);
    ck_assert_int_eq(k.last_dom, 0);
    ck_assert_int_eq(evtchn_send_pirq(e, 14, 6 * SIM_MSEC), 0);  /* merged */
    ck_assert_int_eq(evtchn_send_virq(e, 2, EVTCHN_VIRQ_TIMER, 10 * SIM_MSEC), 0);
    ck_assert_int_eq(k.n, 2);
    ck_assert_int_eq(k.last_dom, 2);

    struct evtchn_fired f[2];
    ck_assert_int_eq(evtchn_consume(e, 0, 0, 8 * SIM_MSEC, f, 2), 1);
    ck_assert_int_eq(f[0].port, dp);
    ck_assert(f[0].latency_ns == 3 * SIM_MSEC);
    ck_assert_int_eq(evtchn_consume(e, 2, 0, 10 * SIM_MSEC + 250 * SIM_USEC, f, 2), 1);
    ck_assert(f[0].latency_ns == 250 * SIM_USEC);
    ck_assert_int_eq(evtchn_consume(e, 1, 0, 0, f, 2), 0);
    evtchn_free(e);
}
END_TEST

START_TEST(close_ports)
{
    struct kicks k = { 0, -1, -1 };
    struct evtchn *e = evtchn_new(2, 8, kick, &k);
    int p0, p1, p, t, d;
    connect(e, &p0, &p1);
    evtchn_notify(e, 0, p0, 0);
    /* closing the front end's port: back end's goes back to unbound */
    ck_assert_int_eq(evtchn_close(e, 1, p1), 0);
    struct evtchn_port_info in;
    evtchn_port_info(e, 1, p1, &in);
    ck_assert_int_eq(in.state, EVTCHN_FREE);
    ck_assert(!in.pending);
    evtchn_port_info(e, 0, p0, &in);
    ck_assert_int_eq(in.state, EVTCHN_UNBOUND);
    ck_assert_int_eq(in.remote_dom, 1);
    ck_assert_int_eq(evtchn_notify(e, 0, p0, 0), -SIM_ESTATE);
    ck_assert_int_eq(evtchn_close(e, 1, p1), -SIM_ESTATE);
    /* rebind: the freed port is reused */
    ck_assert_int_eq(evtchn_bind_interdomain(e, 1, 0, p0, &p), 0);
    ck_assert_int_eq(p, p1);
    /* it delivers: neither the close of the pending port nor the binds
     * (which reset the ports they take) leave the domain's pending count
     * short, which would end the consume's scan before it */
    ck_assert_int_eq(evtchn_notify(e, 0, p0, 5), 0);
    struct evtchn_fired f[2];
    ck_assert_int_eq(evtchn_consume(e, 1, 0, 9, f, 2), 1);
    ck_assert_int_eq(f[0].port, p1);
    ck_assert(f[0].latency_ns == 4);
    /* virq and pirq can be bound again after close */
    evtchn_bind_virq(e, 1, EVTCHN_VIRQ_TIMER, &t);
    ck_assert_int_eq(evtchn_close(e, 1, t), 0);
    ck_assert_int_eq(evtchn_send_virq(e, 1, EVTCHN_VIRQ_TIMER, 0), -SIM_ENOENT);
    ck_assert_int_eq(evtchn_bind_virq(e, 1, EVTCHN_VIRQ_TIMER, &t), 0);
    evtchn_bind_pirq(e, 0, 3, &d);
    ck_assert_int_eq(evtchn_close(e, 0, d), 0);
    ck_assert_int_eq(evtchn_send_pirq(e, 3, 0), -SIM_ENOENT);
    ck_assert_int_eq(evtchn_bind_pirq(e, 1, 3, &d), 0);
    evtchn_free(e);
}
END_TEST

/*
 * Two front-end ports of dom 1, p1 on vCPU 0 and q1 moved to vCPU 1: a
 * notify of q1 kicks (1, 1) and marks vCPU 1's upcall only; vCPU 0's
 * handler takes nothing (q1 stays pending), vCPU 1's takes q1 with latency
 * 700 - 200 = 500 ns. p1 raised meanwhile goes to vCPU 0. Masked, q1 stays
 * silent (no kick, no upcall on either vCPU); unmasking kicks vCPU 1.
 * Rebinding a pending port moves its delivery to the new vCPU at once.
 */
START_TEST(bound_to_vcpu)
{
    struct kicks k = { 0, -1, -1 };
    struct evtchn *e = evtchn_new(2, 16, kick, &k);
    int p0, p1, q0, q1;
    connect(e, &p0, &p1);
    connect(e, &q0, &q1);
    ck_assert_int_eq(evtchn_bind_vcpu(e, 1, q1, 1), 0);
    struct evtchn_port_info in;
    evtchn_port_info(e, 1, q1, &in);
    ck_assert_int_eq(in.vcpu, 1);
    evtchn_port_info(e, 1, p1, &in);
    ck_assert_int_eq(in.vcpu, 0);

    ck_assert_int_eq(evtchn_notify(e, 0, q0, 200), 0);
    ck_assert_int_eq(k.n, 1);
    ck_assert_int_eq(k.last_dom, 1);
    ck_assert_int_eq(k.last_vcpu, 1);
    ck_assert(evtchn_upcall_pending(e, 1, 1));
    ck_assert(!evtchn_upcall_pending(e, 1, 0));
    struct evtchn_fired f[4];
    ck_assert_int_eq(evtchn_consume(e, 1, 0, 600, f, 4), 0);
    evtchn_port_info(e, 1, q1, &in);
    ck_assert(in.pending);                  /* not vCPU 0's to take */
    ck_assert_int_eq(evtchn_notify(e, 0, p0, 650), 0);
    ck_assert_int_eq(k.n, 2);
    ck_assert_int_eq(k.last_vcpu, 0);
    ck_assert_int_eq(evtchn_consume(e, 1, 1, 700, f, 4), 1);
    ck_assert_int_eq(f[0].port, q1);
    ck_assert_int_eq(f[0].latency_ns, 500);
    ck_assert(!evtchn_upcall_pending(e, 1, 1));
    ck_assert(evtchn_upcall_pending(e, 1, 0));      /* p1, untouched */
    ck_assert_int_eq(evtchn_consume(e, 1, 0, 800, f, 4), 1);
    ck_assert_int_eq(f[0].port, p1);
    ck_assert_int_eq(f[0].latency_ns, 150);

    /* masked: silent on both vCPUs */
    ck_assert_int_eq(evtchn_mask(e, 1, q1), 0);
    ck_assert_int_eq(evtchn_notify(e, 0, q0, 1000), 0);
    ck_assert_int_eq(k.n, 2);
    ck_assert(!evtchn_upcall_pending(e, 1, 0));
    ck_assert(!evtchn_upcall_pending(e, 1, 1));
    ck_assert_int_eq(evtchn_consume(e, 1, 1, 1100, f, 4), 0);
    ck_assert_int_eq(evtchn_unmask(e, 1, q1), 0);
    ck_assert_int_eq(k.n, 3);
    ck_assert_int_eq(k.last_vcpu, 1);
    ck_assert(evtchn_upcall_pending(e, 1, 1));
    ck_assert(!evtchn_upcall_pending(e, 1, 0));

    /* rebound while pending: vCPU 3 gets it (kick), with its first raise time */
    ck_assert_int_eq(evtchn_bind_vcpu(e, 1, q1, 3), 0);
    ck_assert_int_eq(k.n, 4);
    ck_assert_int_eq(k.last_vcpu, 3);
    ck_assert_int_eq(evtchn_consume(e, 1, 1, 1200, f, 4), 0);
    ck_assert_int_eq(evtchn_consume(e, 1, 3, 1300, f, 4), 1);
    ck_assert_int_eq(f[0].latency_ns, 300);
    struct evtchn_stats st;
    evtchn_get_stats(e, 1, &st);
    ck_assert_uint_eq(st.kicks, 4);
    ck_assert_uint_eq(st.delivered, 3);

    /* what cannot be moved */
    int t;
    ck_assert_int_eq(evtchn_bind_virq(e, 1, EVTCHN_VIRQ_TIMER, &t), 0);
    ck_assert_int_eq(evtchn_bind_vcpu(e, 1, t, 1), -SIM_ESTATE);
    ck_assert_int_eq(evtchn_bind_vcpu(e, 1, q1, EVTCHN_MAX_VCPUS), -SIM_EINVAL);
    ck_assert_int_eq(evtchn_bind_vcpu(e, 1, q1, -1), -SIM_EINVAL);
    ck_assert_int_eq(evtchn_bind_vcpu(e, 1, 7, 1), -SIM_ESTATE);   /* free */
    ck_assert_int_eq(evtchn_bind_vcpu(e, 1, 16, 1), -SIM_EINVAL);
    ck_assert(!evtchn_upcall_pending(e, 1, EVTCHN_MAX_VCPUS));
    ck_assert_int_eq(evtchn_consume(e, 1, EVTCHN_MAX_VCPUS, 0, f, 4), -SIM_EINVAL);
    /* closing forgets the binding: the port comes back on vCPU 0 */
    ck_assert_int_eq(evtchn_close(e, 1, q1), 0);
    int r;
    ck_assert_int_eq(evtchn_bind_interdomain(e, 1, 0, q0, &r), 0);
    ck_assert_int_eq(r, q1);
    evtchn_port_info(e, 1, r, &in);
    ck_assert_int_eq(in.vcpu, 0);
    evtchn_free(e);
}
END_TEST

static Suite *evtchn_suite(void)
{
    Suite *s = suite_create("evtchn");
    TCase *tc = xs_tcase(s, "evtchn", 10);
    tcase_add_test(tc, new_validates);
    tcase_add_test(tc, binding);
    tcase_add_test(tc, many_domains);
    tcase_add_test(tc, notify_pending_once);
    tcase_add_test(tc, upcall_pending_merges_ports);
    tcase_add_test(tc, masking);
    tcase_add_test(tc, consume_order_and_clearing);
    tcase_add_test(tc, pirq_virq_latency);
    tcase_add_test(tc, close_ports);
    tcase_add_test(tc, bound_to_vcpu);
    return s;
}

XS_CHECK_MAIN(evtchn_suite)
