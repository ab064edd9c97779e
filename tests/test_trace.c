/*
 * tests/test_trace.c: the native trace format (traces/trace.c).
 *
 * Round trips in both encodings (random records from a seeded generator,
 * every op, edge values), text <-> binary conversion identity (byte for
 * byte), tr_rewind, the writer's validation, streaming (10 million records
 * read with a constant reader footprint and bounded peak RSS), and damage:
 * truncation of a small binary file at every byte and flipping every byte
 * of it must each give an error (never a crash, never a silent short or
 * wrong read), lost, repeated and reordered blocks and trailing data, plus
 * the empty file, wrong magic and wrong version, and text
 * errors with their line and column. Files go to the build directory.
 */
#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "sim/err.h"
#include "tests/check_util.h"
#include "traces/trace.h"

static char *tmp_path(const char *name)
{
    static char buf[4][512];
    static int k;
    char *p = buf[k++ % 4];
    snprintf(p, 512, "test_trace.%ld.%s", (long)getpid(), name);
    return p;
}

static struct tr_domain doms[3] = {
    { "dom0", 1 },
    { "web-1.x", 4 },
    { "Z_", TR_MAX_VCPUS },
};

static struct tr_header hdr(void)
{
    struct tr_header h = { .version = TR_VERSION, .clock_hz = 2400000000u, .ndomains = 3,
                           .domains = doms };
    strcpy(h.source, "test");
    return h;
}

/* splitmix64 */
static uint64_t rnd(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* A value with every varint length and the extremes likely. */
static uint64_t edge_value(uint64_t *s)
{
    switch (rnd(s) % 6) {
    case 0:
        return 0;
    case 1:
        return UINT64_MAX;
    case 2:
        return rnd(s) % 128;
    case 3:
        return rnd(s) >> (rnd(s) % 64);
    default:
        return rnd(s) % 100000;
    }
}

/* The i-th random record after time *t (well-formed for hdr()). */
static struct tr_record gen(uint64_t *s, sim_time_t *t)
{
    struct tr_record r = { 0 };
    int big = rnd(s) % 50 == 0;
    *t += big ? (sim_time_t)(rnd(s) % ((uint64_t)1 << 40)) : (sim_time_t)(rnd(s) % 3000);
    r.t = *t;
    r.op = (uint8_t)(1 + rnd(s) % (TR_OP_COUNT - 1));
    r.dom = (uint16_t)(rnd(s) % 3);
    r.vcpu = r.op == TR_ARRIVAL ? 0 : (uint16_t)(rnd(s) % doms[r.dom].vcpus);
    switch (r.op) {
    case TR_BLOCK_IO:
    case TR_BLOCK_SUBMIT:
        r.flags = (uint8_t)(rnd(s) & TR_F_WRITE);
        r.a = edge_value(s);
        r.b = edge_value(s);
        break;
    case TR_PT_BATCH:
        r.a = edge_value(s);
        r.b = r.a ? rnd(s) % r.a : 0;
        break;
    case TR_YIELD:
        break;
    default:
        r.a = edge_value(s);
    }
    return r;
}

static int rec_eq(const struct tr_record *x, const struct tr_record *y)
{
    return x->t == y->t && x->dom == y->dom && x->vcpu == y->vcpu && x->op == y->op &&
           x->flags == y->flags && x->a == y->a && x->b == y->b;
}

/* Write n random records (seed) to path in enc. */
static void write_random(const char *path, enum tr_encoding enc, uint64_t seed, long n)
{
    char err[512];
    struct tr_header h = hdr();
    struct tr_writer *w = tr_writer_open(path, &h, enc, err, sizeof err);
    ck_assert_msg(w, "%s", err);
    sim_time_t t = 0;
    for (long i = 0; i < n; i++) {
        struct tr_record r = gen(&seed, &t);
        if (tr_write(w, &r) != 0)           /* (ck_assert marks a point: a syscall each) */
            ck_abort_msg("record %ld refused: %s", i, tr_writer_error(w));
    }
    ck_assert_int_eq(tr_writer_close(w), 0);
}

/* Read path and compare with the generator; returns the records read. */
static long check_random(const char *path, uint64_t seed, long n)
{
    char err[512];
    struct tr_reader *r = tr_reader_open(path, err, sizeof err);
    ck_assert_msg(r, "%s", err);
    const struct tr_header *h = tr_reader_header(r);
    ck_assert_uint_eq(h->version, TR_VERSION);
    ck_assert_uint_eq(h->clock_hz, 2400000000u);
    ck_assert_str_eq(h->source, "test");
    ck_assert_uint_eq(h->ndomains, 3);
    for (int i = 0; i < 3; i++) {
        ck_assert_str_eq(h->domains[i].name, doms[i].name);
        ck_assert_uint_eq(h->domains[i].vcpus, doms[i].vcpus);
    }
    sim_time_t t = 0;
    struct tr_record got;
    long i = 0;
    int rc;
    while ((rc = tr_read(r, &got)) == 1) {
        struct tr_record want = gen(&seed, &t);
        if (i >= n || !rec_eq(&got, &want))
            ck_abort_msg("record %ld differs", i);
        i++;
    }
    ck_assert_msg(rc == 0, "%s", tr_reader_error(r));
    ck_assert_int_eq(tr_read(r, &got), 0);  /* the end stays the end */
    tr_reader_close(r);
    return i;
}

static long fsize(const char *path)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fclose(f);
    return n;
}

static unsigned char *slurp(const char *path, long *n)
{
    *n = fsize(path);
    unsigned char *b = malloc((size_t)*n + 1);
    FILE *f = fopen(path, "rb");
    ck_assert_int_eq((long)fread(b, 1, (size_t)*n, f), *n);
    fclose(f);
    return b;
}

static void spit(const char *path, const void *b, long n)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq((long)fwrite(b, 1, (size_t)n, f), n);
    fclose(f);
}

/* Convert in -> out in enc through the reader and writer. */
static void convert(const char *in, const char *out, enum tr_encoding enc)
{
    char err[512];
    struct tr_reader *r = tr_reader_open(in, err, sizeof err);
    ck_assert_msg(r, "%s", err);
    struct tr_writer *w = tr_writer_open(out, tr_reader_header(r), enc, err, sizeof err);
    ck_assert_msg(w, "%s", err);
    struct tr_record rec;
    int rc;
    while ((rc = tr_read(r, &rec)) == 1)
        if (tr_write(w, &rec) != 0)
            ck_abort_msg("%s", tr_writer_error(w));
    ck_assert_msg(rc == 0, "%s", tr_reader_error(r));
    ck_assert_int_eq(tr_writer_close(w), 0);
    tr_reader_close(r);
}

START_TEST(round_trip_binary)
{
    const char *p = tmp_path("rt.xst");
    long ns[] = { 0, 1, 2, 1000, 50000 };
    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
        write_random(p, TR_BINARY, 42 + i, ns[i]);
        ck_assert_int_eq(check_random(p, 42 + i, ns[i]), ns[i]);
    }
    unlink(p);
}
END_TEST

START_TEST(round_trip_text)
{
    const char *p = tmp_path("rt.txt");
    long ns[] = { 0, 1, 1000, 20000 };
    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
        write_random(p, TR_TEXT, 7 + i, ns[i]);
        ck_assert_int_eq(check_random(p, 7 + i, ns[i]), ns[i]);
    }
    unlink(p);
}
END_TEST

START_TEST(conversion_identity)
{
    const char *b1 = tmp_path("c1.xst"), *t1 = tmp_path("c1.txt"), *b2 = tmp_path("c2.xst"),
               *t2 = tmp_path("c2.txt");
    write_random(b1, TR_BINARY, 99, 30000);
    convert(b1, t1, TR_TEXT);
    convert(t1, b2, TR_BINARY);
    convert(b2, t2, TR_TEXT);
    long n1, n2, m1, m2;
    unsigned char *x = slurp(b1, &n1), *y = slurp(b2, &n2), *u = slurp(t1, &m1),
                  *v = slurp(t2, &m2);
    ck_assert_int_eq(n1, n2);
    ck_assert(memcmp(x, y, (size_t)n1) == 0);
    ck_assert_int_eq(m1, m2);
    ck_assert(memcmp(u, v, (size_t)m1) == 0);
    ck_assert_int_eq(check_random(t1, 99, 30000), 30000);
    free(x);
    free(y);
    free(u);
    free(v);
    unlink(b1);
    unlink(t1);
    unlink(b2);
    unlink(t2);
}
END_TEST

START_TEST(text_exact_form)
{
    const char *p = tmp_path("form.txt");
    struct tr_header h = hdr();
    char err[512];
    struct tr_writer *w = tr_writer_open(p, &h, TR_TEXT, err, sizeof err);
    ck_assert_msg(w, "%s", err);
    struct tr_record rs[] = {
        { .t = 0, .dom = 1, .vcpu = 0, .op = TR_COMPUTE, .a = 1500000 },
        { .t = 5, .dom = 1, .vcpu = 3, .op = TR_BLOCK_IO, .a = 4096, .b = 128 },
        { .t = 5, .dom = 1, .vcpu = 3, .op = TR_BLOCK_IO, .flags = TR_F_WRITE, .a = 1, .b = 2 },
        { .t = 6, .dom = 0, .vcpu = 0, .op = TR_NET_SEND, .a = 1024 },
        { .t = 7, .dom = 0, .vcpu = 0, .op = TR_SLEEP, .a = 2000000 },
        { .t = 8, .dom = 2, .vcpu = 255, .op = TR_PT_BATCH, .a = 64, .b = 3 },
        { .t = 9, .dom = 2, .vcpu = 1, .op = TR_YIELD },
        { .t = 10, .dom = 0, .vcpu = 0, .op = TR_ARRIVAL, .a = 512 },
        { .t = 11, .dom = 1, .vcpu = 2, .op = TR_WAIT, .a = 0 },
        { .t = 11, .dom = 1, .vcpu = 2, .op = TR_WAIT, .a = 250000 },
        { .t = 12, .dom = 1, .vcpu = 0, .op = TR_BLOCK_SUBMIT, .flags = TR_F_WRITE, .a = 8192,
          .b = 77 },
        { .t = 13, .dom = 0, .vcpu = 0, .op = TR_NET_REPLY, .a = 1448 },
    };
    for (size_t i = 0; i < sizeof rs / sizeof rs[0]; i++)
        ck_assert_int_eq(tr_write(w, &rs[i]), 0);
    ck_assert_int_eq(tr_writer_close(w), 0);
    long n;
    char *s = (char *)slurp(p, &n);
    s[n] = 0;
    ck_assert_str_eq(s, "# xensim-trace 2\n# clock_hz 2400000000\n# source test\n"
                        "# domain dom0 1\n# domain web-1.x 4\n# domain Z_ 256\n"
                        "0 web-1.x 0 compute 1500000\n5 web-1.x 3 block_io read 4096 128\n"
                        "5 web-1.x 3 block_io write 1 2\n6 dom0 0 net_send 1024\n"
                        "7 dom0 0 sleep 2000000\n8 Z_ 255 pt_batch 64 3\n9 Z_ 1 yield\n"
                        "10 dom0 0 arrival 512\n11 web-1.x 2 wait 0\n"
                        "11 web-1.x 2 wait 250000\n12 web-1.x 0 block_submit write 8192 77\n"
                        "13 dom0 0 net_reply 1448\n");
    free(s);
    unlink(p);
}
END_TEST

START_TEST(rewind_reads_again)
{
    const char *names[2] = { tmp_path("rw.xst"), tmp_path("rw.txt") };
    for (int e = 0; e < 2; e++) {
        write_random(names[e], e ? TR_TEXT : TR_BINARY, 5, 5000);
        char err[512];
        struct tr_reader *r = tr_reader_open(names[e], err, sizeof err);
        ck_assert_msg(r, "%s", err);
        ck_assert_int_eq(tr_reader_encoding(r), e ? TR_TEXT : TR_BINARY);
        for (int pass = 0; pass < 3; pass++) {
            uint64_t seed = 5;
            sim_time_t t = 0;
            struct tr_record got;
            long i = 0;
            int stop = pass == 1 ? 123 : -1;    /* rewind from the middle too */
            while (i != stop && tr_read(r, &got) == 1) {
                struct tr_record want = gen(&seed, &t);
                ck_assert(rec_eq(&got, &want));
                i++;
            }
            ck_assert_int_eq(i, pass == 1 ? 123 : 5000);
            ck_assert_int_eq(tr_rewind(r), 0);
        }
        tr_reader_close(r);
        unlink(names[e]);
    }
}
END_TEST

START_TEST(op_names)
{
    const char *want[] = { NULL,    "compute", "block_io", "net_send", "sleep",
                           "pt_batch", "yield", "arrival", "wait", "block_submit",
                           "net_reply" };
    for (int op = 0; op < TR_OP_COUNT; op++) {
        if (want[op])
            ck_assert_str_eq(tr_op_name(op), want[op]);
        else
            ck_assert_ptr_null(tr_op_name(op));
    }
    ck_assert_ptr_null(tr_op_name(TR_OP_COUNT));
    ck_assert_ptr_null(tr_op_name(-1));
}
END_TEST

START_TEST(writer_validation)
{
    const char *p = tmp_path("val.xst");
    struct tr_header h = hdr();
    char err[512];
    struct tr_writer *w = tr_writer_open(p, &h, TR_BINARY, err, sizeof err);
    ck_assert_msg(w, "%s", err);
    struct tr_record ok = { .t = 100, .dom = 1, .vcpu = 3, .op = TR_COMPUTE, .a = 1 };
    ck_assert_int_eq(tr_write(w, &ok), 0);
    struct tr_record bad[] = {
        { .t = 99, .dom = 1, .op = TR_COMPUTE },                 /* backwards */
        { .t = -1, .dom = 1, .op = TR_COMPUTE },                 /* negative */
        { .t = 100, .dom = 3, .op = TR_COMPUTE },                /* no such domain */
        { .t = 100, .dom = 1, .vcpu = 4, .op = TR_COMPUTE },     /* no such vCPU */
        { .t = 100, .dom = 1, .op = 0 },                         /* unknown op */
        { .t = 100, .dom = 1, .op = TR_OP_COUNT },
        { .t = 100, .dom = 1, .vcpu = 4, .op = TR_ARRIVAL },     /* no such vCPU */
        { .t = 100, .dom = 1, .op = TR_COMPUTE, .flags = TR_F_WRITE },
        { .t = 100, .dom = 1, .op = TR_BLOCK_IO, .flags = 2 },
        { .t = 100, .dom = 1, .op = TR_YIELD, .a = 1 },          /* unused argument */
        { .t = 100, .dom = 1, .op = TR_COMPUTE, .b = 1 },
        { .t = 100, .dom = 1, .op = TR_PT_BATCH, .a = 2, .b = 3 },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_msg(tr_write(w, &bad[i]) == -SIM_EINVAL, "bad record %zu accepted", i);
        ck_assert_str_ne(tr_writer_error(w), "");
    }
    ck_assert_int_eq(tr_write(w, &ok), 0);
    /* An arrival for the queue of vCPU 1 (a server on that vCPU). */
    struct tr_record arr = { .t = 100, .dom = 1, .vcpu = 1, .op = TR_ARRIVAL, .a = 64 };
    ck_assert_int_eq(tr_write(w, &arr), 0);
    ck_assert_int_eq(tr_writer_close(w), 0);
    ck_assert_int_eq(tr_writer_close(NULL), 0);
    /* Bad headers. */
    struct tr_domain dd[2] = { { "a", 1 }, { "a", 1 } }, bn[1] = { { "a b", 1 } },
                     bv[1] = { { "a", 0 } };
    struct tr_header hs[4] = { h, h, h, h };
    hs[0].domains = dd;
    hs[0].ndomains = 2;
    hs[1].domains = bn;
    hs[1].ndomains = 1;
    hs[2].domains = bv;
    hs[2].ndomains = 1;
    hs[3].ndomains = 0;
    for (int i = 0; i < 4; i++) {
        err[0] = 0;
        ck_assert_ptr_null(tr_writer_open(p, &hs[i], TR_BINARY, err, sizeof err));
        ck_assert_str_ne(err, "");
    }
    unlink(p);
}
END_TEST

/* Open and read to the end: 0 if it reads cleanly, else the error code
 * (err gets the message). */
static int read_whole(const char *path, char *err, size_t n, long *count)
{
    struct tr_reader *r = tr_reader_open(path, err, n);
    *count = 0;
    if (!r)
        return -SIM_EBADINPUT;
    struct tr_record rec;
    int rc;
    while ((rc = tr_read(r, &rec)) == 1)
        (*count)++;
    if (rc)
        snprintf(err, n, "%s", tr_reader_error(r));
    tr_reader_close(r);
    return rc;
}

/* A 3-block file of incompressible records (each ~23 bytes). */
static void write_three_blocks(const char *p)
{
    char err[512];
    struct tr_header h = hdr();
    struct tr_writer *w = tr_writer_open(p, &h, TR_BINARY, err, sizeof err);
    ck_assert_msg(w, "%s", err);
    for (int i = 0; i < 7000; i++) {
        struct tr_record r = { .t = i, .dom = 1, .vcpu = 2, .op = TR_BLOCK_IO,
                               .a = UINT64_MAX - (uint64_t)i, .b = UINT64_MAX };
        if (tr_write(w, &r) != 0)
            ck_abort_msg("refused");
    }
    ck_assert_int_eq(tr_writer_close(w), 0);
}

static uint32_t le32(const unsigned char *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

START_TEST(lost_and_reordered_blocks)
{
    const char *p = tmp_path("blk.xst"), *q = tmp_path("blk2.xst");
    write_three_blocks(p);
    long n;
    unsigned char *b = slurp(p, &n), *c = malloc((size_t)n);
    /* Find the three blocks. */
    long off[4];
    off[0] = le32(b + 12);
    for (int k = 0; k < 3; k++) {
        ck_assert(!memcmp(b + off[k], "XSBK", 4));
        off[k + 1] = off[k] + 24 + le32(b + off[k] + 8);
    }
    ck_assert(!memcmp(b + off[3], "XSEN", 4));
    char err[512];
    long count;
    /* Drop the middle block. */
    memcpy(c, b, (size_t)off[1]);
    memcpy(c + off[1], b + off[2], (size_t)(n - off[2]));
    spit(q, c, n - (off[2] - off[1]));
    ck_assert_int_eq(read_whole(q, err, sizeof err, &count), -SIM_EBADINPUT);
    ck_assert_msg(strstr(err, "a block is missing or out of order"), "%s", err);
    /* Drop the last block: the chain holds, the end marker's count does not. */
    memcpy(c, b, (size_t)off[2]);
    memcpy(c + off[2], b + off[3], (size_t)(n - off[3]));
    spit(q, c, n - (off[3] - off[2]));
    ck_assert_int_eq(read_whole(q, err, sizeof err, &count), -SIM_EBADINPUT);
    ck_assert_msg(strstr(err, "the end marker counts"), "%s", err);
    /* Repeat the first block. */
    long l0 = off[1] - off[0];
    c = realloc(c, (size_t)(n + l0));
    memcpy(c, b, (size_t)off[1]);
    memcpy(c + off[1], b + off[0], (size_t)l0);
    memcpy(c + off[1] + l0, b + off[1], (size_t)(n - off[1]));
    spit(q, c, n + l0);
    ck_assert_int_eq(read_whole(q, err, sizeof err, &count), -SIM_EBADINPUT);
    ck_assert_msg(strstr(err, "a block is missing or out of order"), "%s", err);
    /* Trailing garbage. */
    memcpy(c, b, (size_t)n);
    c[n] = 0;
    spit(q, c, n + 1);
    ck_assert_int_eq(read_whole(q, err, sizeof err, &count), -SIM_EBADINPUT);
    ck_assert_msg(strstr(err, "data after the end marker"), "%s", err);
    free(b);
    free(c);
    unlink(p);
    unlink(q);
}
END_TEST

START_TEST(truncation_every_byte)
{
    const char *p = tmp_path("full.xst"), *q = tmp_path("cut.xst");
    char err[512];
    write_three_blocks(p);
    long n;
    unsigned char *b = slurp(p, &n);
    ck_assert_int_gt(n, 2 * 65536);
    for (long cut = 0; cut < n; cut++) {
        /* Every byte of the header and the block edges; strided inside payloads. */
        if (cut > 400 && cut < n - 400 && cut % 97 != 0)
            continue;
        spit(q, b, cut);
        long count;
        err[0] = 0;
        int rc = read_whole(q, err, sizeof err, &count);
        ck_assert_msg(rc == -SIM_EBADINPUT, "cut at %ld read cleanly (%ld records)", cut, count);
        ck_assert_msg(strstr(err, q) && strstr(err, "byte "), "cut at %ld: '%s'", cut, err);
    }
    free(b);
    unlink(p);
    unlink(q);
}
END_TEST

/* A small file: header, one block of 40 records, end marker. */
static void write_small(const char *p)
{
    write_random(p, TR_BINARY, 1234, 40);
}

START_TEST(truncation_small_every_byte)
{
    const char *p = tmp_path("small.xst"), *q = tmp_path("smallcut.xst");
    write_small(p);
    long n;
    unsigned char *b = slurp(p, &n);
    for (long cut = 0; cut < n; cut++) {
        spit(q, b, cut);
        char err[512] = "";
        long count;
        int rc = read_whole(q, err, sizeof err, &count);
        ck_assert_msg(rc == -SIM_EBADINPUT, "cut at %ld of %ld read cleanly", cut, n);
        ck_assert_msg(strstr(err, "byte "), "cut at %ld: '%s'", cut, err);
    }
    free(b);
    unlink(p);
    unlink(q);
}
END_TEST

START_TEST(flip_every_byte)
{
    const char *p = tmp_path("flip.xst"), *q = tmp_path("flipped.xst");
    write_small(p);
    long n;
    unsigned char *b = slurp(p, &n);
    long undetected = 0;
    for (long i = 0; i < n; i++) {
        for (int bit = 0; bit < 8; bit++) {
            b[i] ^= (unsigned char)(1u << bit);
            spit(q, b, n);
            b[i] ^= (unsigned char)(1u << bit);
            char err[512] = "";
            long count;
            int rc = read_whole(q, err, sizeof err, &count);
            if (rc == 0) {
                /* Only acceptable if it decodes identically: count it. */
                ck_assert_int_eq(check_random(q, 1234, 40), 40);
                undetected++;
            } else {
                ck_assert_int_eq(rc, -SIM_EBADINPUT);
                ck_assert_msg(strstr(err, "byte "), "flip at %ld: '%s'", i, err);
            }
        }
    }
    ck_assert_msg(undetected == 0, "%ld flips went undetected", undetected);
    free(b);
    unlink(p);
    unlink(q);
}
END_TEST

static void expect_open_error(const char *content, long n, const char *want_suffix)
{
    const char *p = tmp_path("bad");
    spit(p, content, n);
    char err[512] = "";
    long count;
    ck_assert_int_eq(read_whole(p, err, sizeof err, &count), -SIM_EBADINPUT);
    char want[600];
    snprintf(want, sizeof want, "%s%s", p, want_suffix);
    ck_assert_str_eq(err, want);
    unlink(p);
}

/* The captures under traces/ were written in version 1 (op in 3 bits of the
 * tag): they still read whole, with the op counts of their import
 * (traces/README.md: gzip made 112 block I/O records, the rest compute). */
START_TEST(reads_version_1)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/traces/gzip.xst", xs_srcdir());
    char err[512] = "";
    struct tr_reader *r = tr_reader_open(path, err, sizeof err);
    ck_assert_msg(r, "%s", err);
    ck_assert_int_eq(tr_reader_header(r)->version, 1);
    struct tr_record rec;
    long n = 0, io = 0, other = 0;
    int rc;
    while ((rc = tr_read(r, &rec)) == 1) {
        n++;
        if (rec.op == TR_BLOCK_IO)
            io++;
        else if (rec.op != TR_COMPUTE)
            other++;
    }
    ck_assert_msg(rc == 0, "%s", tr_reader_error(r));
    ck_assert_int_eq(n, 225);
    ck_assert_int_eq(io, 112);
    ck_assert_int_eq(other, 0);
    tr_reader_close(r);
}
END_TEST

START_TEST(bad_files)
{
    expect_open_error("", 0, ": byte 0: empty file (expected a trace header)");
    expect_open_error("hello world\n", 12,
                      ": byte 0: not an xensim trace (expected the magic XSTRACE or a first line "
                      "'# xensim-trace 2')");
    expect_open_error("XSTR", 4, ": byte 4: truncated header (the file ends there)");
    /* Wrong version: patch a valid file. */
    const char *p = tmp_path("v.xst");
    write_small(p);
    long n;
    unsigned char *b = slurp(p, &n);
    b[8] = 3;
    expect_open_error((char *)b, n,
                      ": byte 8: unsupported trace version 3 (this build reads versions 1 to 2)");
    b[8] = 0;
    expect_open_error((char *)b, n,
                      ": byte 8: unsupported trace version 0 (this build reads versions 1 to 2)");
    b[8] = 2;
    b[0] = 'Y';
    expect_open_error((char *)b, n,
                      ": byte 0: not an xensim trace (expected the magic XSTRACE or a first line "
                      "'# xensim-trace 2')");
    free(b);
    unlink(p);
    const char *t3 = "# xensim-trace 3\n# domain a 1\n";
    expect_open_error(t3, (long)strlen(t3),
                      ":1:16: unsupported trace version 3 (this build reads versions 1 to 2)");
    /* A version 1 text trace cannot use the version 2 ops. */
    const char *t1 = "# xensim-trace 1\n# domain a 1\n0 a 0 wait 0\n";
    expect_open_error(t1, (long)strlen(t1),
                      ":3:7: op wait needs trace format version 2 (the header says 1)");
}
END_TEST

START_TEST(text_errors)
{
    static const struct {
        const char *body, *msg;
    } cases[] = {
        { "0 a 0 fly 3\n", ":5:7: unknown op 'fly' (expected one of compute, block_io, net_send, "
                           "sleep, pt_batch, yield, arrival, wait, block_submit, net_reply)" },
        { "0 a 0 compute\n", ":5:14: compute: expected ns of CPU, found end of line" },
        { "0 a 0 compute 5 6\n", ":5:17: unexpected '6' after the arguments of compute" },
        { "0 zz 0 yield\n", ":5:3: unknown domain 'zz' (not declared in the header)" },
        { "0 a 2 yield\n", ":5:5: vCPU 2 out of range: domain 'a' has 2 vCPUs" },
        { "5 a 0 yield\n\n# c\n4 a 0 yield\n", ":8:1: time goes backwards (4 ns after 5 ns)" },
        { "x a 0 yield\n", ":5:1: expected a time in ns, found 'x'" },
        { "0 a 0 block_io rw 1 2\n", ":5:16: block_io: expected read or write, found 'rw'" },
        { "0 a 0 block_submit 1 2\n", ":5:20: block_submit: expected read or write, found '1'" },
        { "0 a 0 wait\n", ":5:11: wait: expected ns of timeout (0: none), found end of line" },
        { "0 a 0 pt_batch 2 3\n", ":5:18: pt_batch: 3 forbidden entries out of 2" },
        { "0 a 0 yield", ":5:12: the last line does not end with a newline (truncated file?)" },
        { "0 a 0 yield\n# domain b 1\n", ":6:1: '# domain' lines must come before the first record" },
    };
    const char *head = "# xensim-trace 2\n# clock_hz 0\n# source hand\n# domain a 2\n";
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[1024];
        snprintf(buf, sizeof buf, "%s%s", head, cases[i].body);
        expect_open_error(buf, (long)strlen(buf), cases[i].msg);
    }
    const char *nodom = "# xensim-trace 1\n0 a 0 yield\n";
    expect_open_error(nodom, (long)strlen(nodom),
                      ":2:1: no '# domain NAME VCPUS' line before the first record");
    const char *src2 = "# xensim-trace 1\n# source my tool\n# domain a 1\n";
    expect_open_error(src2, (long)strlen(src2),
                      ":2:13: unexpected 'tool' after the source (one word, no spaces)");
    const char *dup = "# xensim-trace 1\n# domain a 1\n# domain a 2\n";
    expect_open_error(dup, (long)strlen(dup), ":3:10: duplicate domain 'a'");
    /* Comments, blank lines, tabs and a header-only trace are fine. */
    const char *ok = "# xensim-trace 1\n# a comment\n\n# domain a 1\n# source hand\n\n"
                     "  # note\n0\ta 0 yield\n3 a 0 compute 7\n";
    const char *p = tmp_path("ok.txt");
    spit(p, ok, (long)strlen(ok));
    char err[512] = "";
    long count;
    ck_assert_msg(read_whole(p, err, sizeof err, &count) == 0, "%s", err);
    ck_assert_int_eq(count, 2);
    unlink(p);
}
END_TEST

static long max_rss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

START_TEST(streaming_ten_million)
{
    const char *p = tmp_path("big.xst");
    char err[512];
    struct tr_header h = hdr();
    struct tr_writer *w = tr_writer_open(p, &h, TR_BINARY, err, sizeof err);
    ck_assert_msg(w, "%s", err);
    const long n = 10 * 1000 * 1000;
    for (long i = 0; i < n; i++) {
        struct tr_record r = { .t = i * 100, .dom = (uint16_t)(i % 3), .vcpu = 0,
                               .op = TR_COMPUTE, .a = (uint64_t)i };
        if (i % 7 == 0)
            r.op = TR_YIELD, r.a = 0;
        if (tr_write(w, &r) != 0)
            ck_abort_msg("record %ld refused", i);
    }
    ck_assert_int_eq(tr_writer_close(w), 0);
    long rss0 = max_rss_kb();
    struct tr_reader *r = tr_reader_open(p, err, sizeof err);
    ck_assert_msg(r, "%s", err);
    size_t fp0 = tr_reader_footprint(r);
    ck_assert_uint_lt(fp0, 256 * 1024);
    struct tr_record rec;
    long i = 0;
    int rc;
    while ((rc = tr_read(r, &rec)) == 1) {
        if ((i & 0xfffff) == 0 && tr_reader_footprint(r) != fp0)
            ck_abort_msg("footprint changed at record %ld", i);
        i++;
    }
    ck_assert_msg(rc == 0, "%s", tr_reader_error(r));
    ck_assert_int_eq(i, n);
    ck_assert_uint_eq(tr_reader_footprint(r), fp0);
    tr_reader_close(r);
    long rss1 = max_rss_kb();
    /* The file is ~60 MB; reading it may not grow the peak by more than 4 MB. */
    ck_assert_msg(rss1 - rss0 < 4096, "peak RSS grew by %ld KiB", rss1 - rss0);
    unlink(p);
}
END_TEST

static Suite *trace_suite(void)
{
    Suite *s = suite_create("trace");
    TCase *tc = xs_tcase(s, "encode", 60);
    tcase_add_test(tc, round_trip_binary);
    tcase_add_test(tc, round_trip_text);
    tcase_add_test(tc, conversion_identity);
    tcase_add_test(tc, text_exact_form);
    tcase_add_test(tc, rewind_reads_again);
    tcase_add_test(tc, op_names);
    tcase_add_test(tc, writer_validation);
    tc = xs_tcase(s, "damage", 120);
    tcase_add_test(tc, truncation_every_byte);
    tcase_add_test(tc, truncation_small_every_byte);
    tcase_add_test(tc, flip_every_byte);
    tcase_add_test(tc, lost_and_reordered_blocks);
    tcase_add_test(tc, bad_files);
    tcase_add_test(tc, reads_version_1);
    tcase_add_test(tc, text_errors);
    tc = xs_tcase(s, "stream", 300);
    tcase_add_test(tc, streaming_ten_million);
    return s;
}

XS_CHECK_MAIN(trace_suite)
