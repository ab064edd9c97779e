/*
 * tests/test_strace.c: the strace reader (traces/strace.{c,h}).
 *
 * Hand-written snippets pin the exact records for every construct the
 * reader knows: the mapping of each syscall class, fd tracking (open,
 * pipe, socketpair, dup, fcntl, close, lseek; tables copied on fork and
 * shared by threads), unfinished/resumed pairs across pids with `) = ` and
 * quotes inside strings, errors, signals, exits, the pid prefixes, bad
 * lines (reported by line and skipped) and a truncated last line. Feeding
 * byte by byte gives the same records as one chunk (streaming). The real
 * captures under traces/ (gzip, SQLite, and a five-process shell pipeline)
 * parse with no bad line and the counts and byte totals that an
 * independent reading of them gives, and the committed imports
 * (traces/gzip.xst, sqlite.xst, pipeline.xst) hold exactly the records the
 * reader makes today. Every sink checks that records arrive in time order
 * and well-formed.
 */
#include <check.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/err.h"
#include "sim/hash.h"
#include "traces/strace.h"
#include "traces/trace.h"
#include "tests/check_util.h"

#define MAXREC 4096

struct sink {
    struct tr_record r[MAXREC];
    size_t n;
    uint64_t total;                 /* records seen, also beyond MAXREC */
    uint64_t sum_a[TR_OP_COUNT][2]; /* by op and write flag */
    char diags[16][320];
    uint64_t diag_line[16];
    size_t ndiag;
};

static int sink_emit(void *ctx, const struct tr_record *r)
{
    struct sink *s = ctx;
    ck_assert_int_ge(r->t, 0);
    ck_assert(r->op >= 1 && r->op < TR_OP_COUNT);
    ck_assert_uint_lt(r->vcpu, TR_MAX_VCPUS);
    if (s->total)
        ck_assert_msg(r->t >= (s->n ? s->r[s->n - 1].t : 0), "time went backwards");
    if (s->n < MAXREC)
        s->r[s->n++] = *r;
    else
        s->r[MAXREC - 1] = *r;      /* keep the last for the order check */
    s->total++;
    s->sum_a[r->op][r->flags & TR_F_WRITE ? 1 : 0] += r->a;
    return 0;
}

static void sink_diag(void *ctx, uint64_t line, const char *msg)
{
    struct sink *s = ctx;
    if (s->ndiag < 16) {
        snprintf(s->diags[s->ndiag], sizeof s->diags[0], "%s", msg);
        s->diag_line[s->ndiag] = line;
        s->ndiag++;
    }
}

/* Parse text in chunks of `chunk` bytes (0: all at once). */
static struct stc_parser *parse(const char *text, size_t chunk, struct sink *s)
{
    memset(s, 0, sizeof *s);
    struct stc_parser *p = stc_new(0, sink_emit, sink_diag, s);
    ck_assert_ptr_nonnull(p);
    size_t n = strlen(text);
    if (!chunk)
        chunk = n ? n : 1;
    for (size_t i = 0; i < n; i += chunk)
        ck_assert_int_eq(stc_feed(p, text + i, i + chunk <= n ? chunk : n - i), 0);
    ck_assert_int_eq(stc_finish(p), 0);
    return p;
}

struct exp {
    sim_time_t t;
    int vcpu, op, flags;
    uint64_t a, b;
};

static void expect(const struct sink *s, const struct exp *e, size_t n)
{
    for (size_t i = 0; i < n && i < s->n; i++) {
        const struct tr_record *r = &s->r[i];
        ck_assert_msg(r->t == e[i].t && r->vcpu == e[i].vcpu && r->op == e[i].op &&
                      r->flags == e[i].flags && r->a == e[i].a && r->b == e[i].b,
                      "record %zu: got t=%" PRId64 " vcpu=%u op=%u flags=%u a=%" PRIu64
                      " b=%" PRIu64 ", want t=%" PRId64 " vcpu=%d op=%d flags=%d a=%" PRIu64
                      " b=%" PRIu64, i, r->t, r->vcpu, r->op, r->flags, r->a, r->b, e[i].t,
                      e[i].vcpu, e[i].op, e[i].flags, e[i].a, e[i].b);
        ck_assert_int_eq(r->dom, 0);
    }
    ck_assert_uint_eq(s->n, n);
}

static uint64_t base_of(const char *path)
{
    return (hash_fnv1a64(path) % 256) * (1ull << 23);
}

#define C TR_COMPUTE
#define IO TR_BLOCK_IO
#define W TR_F_WRITE

/* ---- file I/O, strings, exits ---- */

static const char files_text[] =
    "100 1000.000000 openat(AT_FDCWD, \"/data/f\", O_RDONLY) = 3 <0.000010>\n"
    "100 1000.000100 read(3, \"abc\"..., 4096) = 4096 <0.000200>\n"
    "100 1000.000500 read(3, \"x) = 5 \\\"q\\\" (\", 4096) = 100 <0.000050>\n"
    "100 1000.001000 pread64(3, \"\\0\\1\"..., 1024, 8192) = 1024 <0.000010>\n"
    "100 1000.002000 exit_group(0)                     = ?\n"
    "100 1000.002100 +++ exited with 0 +++\n";

START_TEST(file_reads)
{
    struct sink s;
    struct stc_parser *p = parse(files_text, 0, &s);
    uint64_t b = base_of("/data/f");
    const struct exp e[] = {
        { 0, 0, C, 0, 100000, 0 },
        { 100000, 0, IO, 0, 4096, b },
        { 300000, 0, C, 0, 200000, 0 },
        { 500000, 0, IO, 0, 100, b + 8 },
        { 550000, 0, C, 0, 450000, 0 },
        { 1000000, 0, IO, 0, 1024, b + 16 },
        { 1010000, 0, C, 0, 990000, 0 },
    };
    expect(&s, e, sizeof e / sizeof e[0]);
    const struct stc_stats *st = stc_stats(p);
    ck_assert_uint_eq(st->lines, 6);
    ck_assert_uint_eq(st->syscalls, 5);
    ck_assert_uint_eq(st->mapped, 3);
    ck_assert_uint_eq(st->other, 2);
    ck_assert_uint_eq(st->unknown, 0);
    ck_assert_uint_eq(st->exits, 1);
    ck_assert_uint_eq(st->skipped, 0);
    ck_assert_uint_eq(st->pids, 1);
    ck_assert_uint_eq(st->vcpus, 1);
    ck_assert_uint_eq(st->read_bytes, 5220);
    ck_assert_int_eq(st->span, 2100000);
    ck_assert_uint_eq(s.ndiag, 0);
    stc_free(p);
}
END_TEST

/* ---- two pids, a blocked recv, sleeps, signals ---- */

static const char net_text[] =
    "200 10.000000 socket(AF_INET, SOCK_STREAM, IPPROTO_TCP) = 5 <0.000005>\n"
    "200 10.000010 recvfrom(5,  <unfinished ...>\n"
    "201 10.000020 write(1, \"hi\", 2)        = 2 <0.000001>\n"
    "201 10.000030 nanosleep({tv_sec=0, tv_nsec=1000000}, NULL) = 0 <0.001000>\n"
    "200 10.000500 <... recvfrom resumed>\"GET / ) = 3 \\\"x\\\"\", 512, 0, NULL, NULL) = 300 "
    "<0.000490>\n"
    "200 10.000600 sendto(5, \"HTTP/1.0 200 OK\\r\\n\"..., 1000, MSG_NOSIGNAL, NULL, 0) = 1000 "
    "<0.000020>\n"
    "201 10.001100 --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=202} ---\n"
    "201 10.001200 +++ exited with 0 +++\n"
    "200 10.002000 +++ killed by SIGKILL +++\n";

static const struct exp net_exp[] = {
    { 0, 0, C, 0, 10000, 0 },
    { 10000, 0, TR_SLEEP, 0, 490000, 0 },
    { 20000, 1, C, 0, 10000, 0 },
    { 30000, 1, TR_SLEEP, 0, 1000000, 0 },
    { 500000, 0, TR_ARRIVAL, 0, 300, 0 },
    { 500000, 0, C, 0, 100000, 0 },
    { 600000, 0, TR_NET_REPLY, 0, 1000, 0 },     /* answers the 300 B received */
};

START_TEST(net_two_pids)
{
    struct sink s;
    struct stc_parser *p = parse(net_text, 0, &s);
    expect(&s, net_exp, sizeof net_exp / sizeof net_exp[0]);
    const struct stc_stats *st = stc_stats(p);
    ck_assert_uint_eq(st->syscalls, 5);
    ck_assert_uint_eq(st->mapped, 3);
    ck_assert_uint_eq(st->signals, 1);
    ck_assert_uint_eq(st->exits, 2);
    ck_assert_uint_eq(st->pids, 2);
    ck_assert_uint_eq(st->vcpus, 2);
    ck_assert_uint_eq(st->unmatched, 0);
    ck_assert_uint_eq(st->recv_bytes, 300);
    ck_assert_uint_eq(st->send_bytes, 1000);
    ck_assert_uint_eq(st->records[TR_COMPUTE], 3);
    stc_free(p);
}
END_TEST

START_TEST(byte_by_byte)
{
    struct sink s;
    struct stc_parser *p = parse(net_text, 1, &s);
    expect(&s, net_exp, sizeof net_exp / sizeof net_exp[0]);
    stc_free(p);
    p = parse(net_text, 7, &s);
    expect(&s, net_exp, sizeof net_exp / sizeof net_exp[0]);
    stc_free(p);
}
END_TEST

/* ---- errors, special files, appends, sync, waits, unknown calls ---- */

static const char misc_text[] =
    "300 5.000000 openat(AT_FDCWD, \"/nope\", O_RDONLY) = -1 ENOENT (No such file or "
    "directory) <0.000004>\n"
    "300 5.000010 read(7, 0x7ffd1234, 10)  = -1 EBADF (Bad file descriptor) <0.000001>\n"
    "300 5.000020 openat(AT_FDCWD, \"/proc/self/stat\", O_RDONLY) = 3 <0.000004>\n"
    "300 5.000030 read(3, \"300 (x) S\", 1024) = 9 <0.000004>\n"
    "300 5.000040 close(3)                = 0 <0.000001>\n"
    "300 5.000050 openat(AT_FDCWD, \"/var/log/x\", O_WRONLY|O_APPEND) = 3 <0.000004>\n"
    "300 5.000060 lseek(3, 0, SEEK_END)   = 1048576 <0.000001>\n"
    "300 5.000070 write(3, \"line\\n\", 5) = 5 <0.000003>\n"
    "300 5.000080 fsync(3)                = 0 <0.000100>\n"
    "300 5.000300 frobnicate(1, 2)        = 0 <0.000001>\n"
    "300 5.000310 frobnicate(3 /* three */) = 0 <0.000001>\n"
    "300 5.000320 epoll_wait(4, [], 8, 100) = 0 <0.100100>\n"
    "300 5.100500 futex(0x55d0, FUTEX_WAIT_PRIVATE, 0, NULL) = 0 <0.000400>\n"
    "300 5.101000 futex(0x55d0, FUTEX_WAKE_PRIVATE, 1) = 1 <0.000002>\n"
    "300 5.101100 sched_yield()           = 0 <0.000001>\n"
    "300 5.101200 exit_group(0)           = ?\n"
    "300 5.101300 +++ exited with 0 +++\n";

START_TEST(misc_calls)
{
    struct sink s;
    struct stc_parser *p = parse(misc_text, 0, &s);
    uint64_t b = base_of("/var/log/x");
    const struct exp e[] = {
        { 0, 0, C, 0, 70000, 0 },
        { 70000, 0, IO, W, 5, b + 2048 },
        { 73000, 0, C, 0, 7000, 0 },
        { 80000, 0, IO, W, 512, b },
        { 180000, 0, C, 0, 140000, 0 },
        { 320000, 0, TR_SLEEP, 0, 100100000, 0 },
        { 100420000, 0, C, 0, 80000, 0 },
        { 100500000, 0, TR_SLEEP, 0, 400000, 0 },
        { 100900000, 0, C, 0, 200000, 0 },
        { 101100000, 0, TR_YIELD, 0, 0, 0 },
        { 101101000, 0, C, 0, 99000, 0 },
    };
    expect(&s, e, sizeof e / sizeof e[0]);
    const struct stc_stats *st = stc_stats(p);
    ck_assert_uint_eq(st->syscalls, 16);
    ck_assert_uint_eq(st->mapped, 5);
    ck_assert_uint_eq(st->unknown, 2);
    ck_assert_uint_eq(st->other, 9);
    ck_assert_uint_eq(st->failed, 2);
    ck_assert_uint_eq(stc_unknown_count(p), 1);
    uint64_t n = 0;
    ck_assert_str_eq(stc_unknown_name(p, 0, &n), "frobnicate");
    ck_assert_uint_eq(n, 2);
    ck_assert_ptr_null(stc_unknown_name(p, 1, NULL));
    stc_free(p);
}
END_TEST

/* ---- pipes, socketpairs, dup, fcntl, accept, prefixes ---- */

static const char fds_text[] =
    "[pid     1] 0.000000 pipe2([3, 4], O_CLOEXEC) = 0 <0.000001>\n"
    "[pid 1] 0.000010 write(4, \"x\", 1)    = 1 <0.000001>\n"
    "1 0.000020 socketpair(AF_UNIX, SOCK_STREAM, 0, [5, 6]) = 0 <0.000001>\n"
    "1 0.000030 write(5, \"hello\", 5)     = 5 <0.000001>\n"
    "1 0.000040 openat(AT_FDCWD, \"/f\", O_RDONLY) = 7 <0.000001>\n"
    "1 0.000050 dup2(7, 9)               = 9 <0.000001>\n"
    "1 0.000060 read(9, \"ab\", 2)         = 2 <0.000001>\n"
    "1 0.000070 fcntl(5, F_DUPFD_CLOEXEC, 10) = 10 <0.000001>\n"
    "1 0.000080 read(10, \"zz\", 2)        = 2 <0.000002>\n"
    "1 0.000090 accept4(11, NULL, NULL, SOCK_CLOEXEC) = 12 <0.000100>\n"
    "1 0.000200 close(9)                 = 0 <0.000001>\n"
    "1 0.000210 read(9, 0x1, 2)          = 2 <0.000001>\n"
    "1 0.000220 recvmsg(12, {msg_name=NULL, msg_iov=[{iov_base=\"q\", iov_len=1}]}, 0) = 1 "
    "<0.000001>\n";

START_TEST(fd_tracking)
{
    struct sink s;
    struct stc_parser *p = parse(fds_text, 0, &s);
    uint64_t b = base_of("/f");
    const struct exp e[] = {
        { 0, 0, C, 0, 10000, 0 },
        { 10000, 0, TR_SLEEP, 0, 1000, 0 },
        { 11000, 0, C, 0, 19000, 0 },
        { 30000, 0, TR_NET_SEND, 0, 5, 0 },
        { 31000, 0, C, 0, 29000, 0 },
        { 60000, 0, IO, 0, 2, b },
        { 61000, 0, C, 0, 19000, 0 },
        { 80000, 0, TR_SLEEP, 0, 2000, 0 },
        { 82000, 0, TR_ARRIVAL, 0, 2, 0 },
        { 82000, 0, C, 0, 8000, 0 },
        { 90000, 0, TR_SLEEP, 0, 100000, 0 },
        { 190000, 0, TR_ARRIVAL, 0, STC_ACCEPT_BYTES, 0 },
        { 190000, 0, C, 0, 30000, 0 },
        { 220000, 0, TR_SLEEP, 0, 1000, 0 },
        { 221000, 0, TR_ARRIVAL, 0, 1, 0 },
    };
    expect(&s, e, sizeof e / sizeof e[0]);
    ck_assert_uint_eq(stc_stats(p)->pids, 1);
    ck_assert_uint_eq(stc_stats(p)->skipped, 0);
    stc_free(p);
}
END_TEST

/* Forks copy the fd table (also when the child's first line comes before
 * the parent's clone returns), threads (CLONE_FILES) share it. */
static const char fork_text[] =
    "1 0.000000 openat(AT_FDCWD, \"/a\", O_RDONLY) = 3 <0.000001>\n"
    "1 0.000010 pipe2([4, 5], 0)         = 0 <0.000001>\n"
    "1 0.000020 clone(child_stack=NULL, flags=SIGCHLD <unfinished ...>\n"
    "2 0.000030 dup2(4, 0)               = 0 <0.000001>\n"
    "1 0.000040 <... clone resumed>, child_tidptr=0x1) = 2 <0.000020>\n"
    "1 0.000050 close(4)                 = 0 <0.000001>\n"
    "2 0.000060 read(0, \"x\", 1)          = 1 <0.000005>\n"
    "2 0.000070 read(3, \"y\", 1)          = 1 <0.000001>\n"
    "1 0.000080 read(0, \"z\", 1)          = 1 <0.000001>\n"
    "1 0.000090 clone(child_stack=0x7f, flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|"
    "CLONE_THREAD, parent_tid=[3]) = 3 <0.000010>\n"
    "3 0.000110 openat(AT_FDCWD, \"/b\", O_RDONLY) = 6 <0.000001>\n"
    "1 0.000120 read(6, \"w\", 1)          = 1 <0.000001>\n";

START_TEST(fork_and_threads)
{
    struct sink s;
    struct stc_parser *p = parse(fork_text, 0, &s);
    const struct exp e[] = {
        { 0, 0, C, 0, 120000, 0 },
        { 30000, 1, C, 0, 30000, 0 },
        { 60000, 1, TR_SLEEP, 0, 5000, 0 },
        { 65000, 1, C, 0, 5000, 0 },
        { 70000, 1, IO, 0, 1, base_of("/a") },
        { 100000, 2, C, 0, 11000, 0 },
        { 120000, 0, IO, 0, 1, base_of("/b") },
    };
    expect(&s, e, sizeof e / sizeof e[0]);
    ck_assert_uint_eq(stc_stats(p)->pids, 3);
    ck_assert_uint_eq(stc_stats(p)->skipped, 0);
    ck_assert_uint_eq(stc_stats(p)->clamped, 0);
    stc_free(p);
}
END_TEST

/* ---- bad lines are reported and skipped ---- */

static const char bad_text[] =
    "400 1.000000 read(3, \"abc\", 3) = 3 <0.000001>\n"
    "garbage here\n"
    "400 1.000010 read(3, \"unterminated\n"
    "400 1.000020 write(1, \"x\", 1) = 1 <0.000001>\n"
    "400 1.000030 <... read resumed>\"x\", 1) = 1 <0.000001>\n"
    "400 1.000035 read(3) 7\n"
    "strace: Process 400 detached\n"
    "\n"
    "400 1.000040 getpid(";

START_TEST(bad_lines)
{
    struct sink s;
    struct stc_parser *p = parse(bad_text, 0, &s);
    ck_assert_uint_eq(s.ndiag, 5);
    ck_assert_uint_eq(s.diag_line[0], 2);
    ck_assert_str_eq(s.diags[0],
                     "expected 'PID SECONDS.MICROS SYSCALL(...)' (strace -f -ttt -T output)");
    ck_assert_uint_eq(s.diag_line[1], 3);
    ck_assert_str_eq(s.diags[1], "read: unterminated string in the arguments");
    ck_assert_uint_eq(s.diag_line[2], 5);
    ck_assert_str_eq(s.diags[2], "'read' resumed, but pid 400 has no unfinished read call");
    ck_assert_uint_eq(s.diag_line[3], 6);
    ck_assert_str_eq(s.diags[3], "read: expected '= RESULT' after the arguments");
    ck_assert_uint_eq(s.diag_line[4], 9);
    ck_assert_str_eq(s.diags[4], "truncated last line (no newline at the end of the file): "
                     "getpid: the argument list is not closed (a truncated line?)");
    const struct stc_stats *st = stc_stats(p);
    ck_assert_uint_eq(st->skipped, 5);
    ck_assert_uint_eq(st->syscalls, 2);
    ck_assert_uint_eq(st->notes, 1);
    ck_assert_uint_eq(st->lines, 9);
    ck_assert_uint_eq(st->unmatched, 1);
    stc_free(p);
}
END_TEST

START_TEST(binary_and_empty)
{
    struct sink s;
    struct stc_parser *p = parse("", 0, &s);
    ck_assert_uint_eq(stc_stats(p)->lines, 0);
    ck_assert_uint_eq(stc_stats(p)->syscalls, 0);
    ck_assert_uint_eq(s.n, 0);
    stc_free(p);
    memset(&s, 0, sizeof s);
    p = stc_new(0, sink_emit, sink_diag, &s);
    static const unsigned char junk[] = { 0x7f, 'E', 'L', 'F', 0, 1, 2, '\n', 0xff, 0xfe, '(',
                                          ')', '\n', '1', ' ', '2', '.', '5', ' ', 0, '\n' };
    ck_assert_int_eq(stc_feed(p, junk, sizeof junk), 0);
    ck_assert_int_eq(stc_finish(p), 0);
    ck_assert_uint_eq(stc_stats(p)->skipped, 3);
    ck_assert_str_eq(s.diags[0], "binary data (a NUL byte): not strace output");
    ck_assert_uint_eq(stc_stats(p)->syscalls, 0);
    stc_free(p);
}
END_TEST

/* An unfinished call never resumed (its pid exits), a resumed call blocked
 * again, lines without a pid (one process), and out-of-order lines. */
START_TEST(unfinished_edge_cases)
{
    static const char text[] =
        "10 1.000000 futex(0x1, FUTEX_WAIT, 0, NULL <unfinished ...>\n"
        "11 1.000100 exit_group(0) = ?\n"
        "10 1.000200 <... futex resumed>) = ?\n"
        "10 1.000300 +++ exited with 0 +++\n"
        "11 1.000300 +++ exited with 0 +++\n"
        "12 0.999000 sched_yield() = 0 <0.000001>\n";
    struct sink s;
    struct stc_parser *p = parse(text, 0, &s);
    ck_assert_uint_eq(stc_stats(p)->skipped, 0);
    ck_assert_uint_eq(stc_stats(p)->syscalls, 3);
    /* The futex has no duration: no SLEEP. pid 12's yield at t < 0 is at 0. */
    const struct exp e[] = { { 0, 2, TR_YIELD, 0, 0, 0 } };
    expect(&s, e, 1);
    ck_assert_uint_eq(stc_stats(p)->vcpus, 3);
    stc_free(p);

    static const char single[] =
        "1700000000.000000 nanosleep({tv_sec=1, tv_nsec=0}, NULL) = 0 <1.000100>\n"
        "1700000001.000200 clock_nanosleep(CLOCK_MONOTONIC, 0, {tv_sec=0, tv_nsec=5000}, "
        "NULL) = 0 <0.000006>\n";
    p = parse(single, 0, &s);
    const struct exp e2[] = {
        { 0, 0, TR_SLEEP, 0, 1000100000, 0 },
        { 1000100000, 0, C, 0, 100000, 0 },
        { 1000200000, 0, TR_SLEEP, 0, 6000, 0 },
    };
    expect(&s, e2, 3);
    stc_free(p);

    /* A resumed call that blocks again, then completes. */
    static const char again[] =
        "5 2.000000 read(4,  <unfinished ...>\n"
        "6 2.000001 getpid() = 6 <0.000001>\n"
        "5 2.000002 <... read resumed> <unfinished ...>\n"
        "5 2.000010 <... read resumed>\"\", 10) = 0 <0.000010>\n";
    p = parse(again, 0, &s);
    ck_assert_uint_eq(stc_stats(p)->syscalls, 2);
    ck_assert_uint_eq(stc_stats(p)->skipped, 0);
    stc_free(p);
}
END_TEST

START_TEST(many_pids_fold)
{
    char *text = malloc(300 * 80);
    size_t n = 0;
    for (int i = 0; i < 300; i++)
        n += (size_t)sprintf(text + n, "%d 1.%06d sched_yield() = 0 <0.000001>\n", 1000 + i, i);
    struct sink s;
    struct stc_parser *p = parse(text, 0, &s);
    ck_assert_uint_eq(stc_stats(p)->pids, 300);
    ck_assert_uint_eq(stc_stats(p)->vcpus, TR_MAX_VCPUS);
    ck_assert_uint_eq(s.n, 300);
    ck_assert_uint_eq(s.r[299].vcpu, 299 % TR_MAX_VCPUS);
    stc_free(p);
    free(text);
}
END_TEST

START_TEST(domain_names)
{
    char b[TR_NAME_MAX + 1];
    stc_domain_from_path("traces/gzip.strace", b, sizeof b);
    ck_assert_str_eq(b, "gzip");
    stc_domain_from_path("/x/2nd run+copy.log", b, sizeof b);
    ck_assert_str_eq(b, "_2nd_run_copy");
    stc_domain_from_path("/x/.hidden", b, sizeof b);
    ck_assert_str_eq(b, "strace");
    stc_domain_from_path("a-b_c", b, sizeof b);
    ck_assert_str_eq(b, "a-b_c");
    char small[4];
    stc_domain_from_path("abcdef", small, sizeof small);
    ck_assert_str_eq(small, "abc");
}
END_TEST

/* ---- the real captures ---- */

static struct stc_parser *parse_file(const char *rel, struct sink *s)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", xs_srcdir(), rel);
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    memset(s, 0, sizeof *s);
    struct stc_parser *p = stc_new(0, sink_emit, sink_diag, s);
    ck_assert_int_eq(stc_feed_file(p, f), 0);
    fclose(f);
    ck_assert_msg(s->ndiag == 0, "%s: line %" PRIu64 ": %s", rel, s->diag_line[0], s->diags[0]);
    return p;
}

/* The committed import equals what the reader makes now. */
static void same_as_import(const char *rel, const struct sink *s, const char *dom)
{
    char path[4096], err[512];
    snprintf(path, sizeof path, "%s/%s", xs_srcdir(), rel);
    struct tr_reader *r = tr_reader_open(path, err, sizeof err);
    ck_assert_msg(r != NULL, "%s", err);
    const struct tr_header *h = tr_reader_header(r);
    ck_assert_uint_eq(h->ndomains, 1);
    ck_assert_str_eq(h->domains[0].name, dom);
    ck_assert_str_eq(h->source, "strace");
    struct tr_record rec;
    size_t i = 0;
    int rc;
    while ((rc = tr_read(r, &rec)) == 1) {
        ck_assert_uint_lt(i, s->n);
        const struct tr_record *w = &s->r[i++];
        ck_assert_msg(rec.t == w->t && rec.op == w->op && rec.vcpu == w->vcpu &&
                      rec.flags == w->flags && rec.a == w->a && rec.b == w->b,
                      "%s: record %zu differs from a fresh import", rel, i - 1);
    }
    ck_assert_int_eq(rc, 0);
    ck_assert_uint_eq(i, s->n);
    tr_reader_close(r);
}

START_TEST(capture_gzip)
{
    static struct sink s;
    struct stc_parser *p = parse_file("traces/gzip.strace", &s);
    const struct stc_stats *st = stc_stats(p);
    ck_assert_uint_eq(st->skipped, 0);
    ck_assert_uint_eq(st->unknown, 0);
    ck_assert_uint_eq(st->pids, 1);
    ck_assert_uint_eq(st->lines, 167);
    ck_assert_uint_eq(st->syscalls, 166);
    /* 106 reads: the 3388895-byte input (seq 1 500000) plus libc's ELF
     * header (832) and two 784-byte program-header preads; 5 writes of the
     * 1066384-byte .gz; one fsync (--synchronous). */
    ck_assert_uint_eq(st->records[TR_BLOCK_IO], 112);
    ck_assert_uint_eq(s.sum_a[TR_BLOCK_IO][0], 3388895 + 832 + 2 * 784);
    ck_assert_uint_eq(s.sum_a[TR_BLOCK_IO][1], 1066384 + 512);
    ck_assert_uint_eq(st->records[TR_ARRIVAL] + st->records[TR_NET_SEND] +
                      st->records[TR_NET_REPLY] + st->records[TR_SLEEP], 0);
    same_as_import("traces/gzip.xst", &s, "gzip");
    stc_free(p);
}
END_TEST

START_TEST(capture_sqlite)
{
    static struct sink s;
    struct stc_parser *p = parse_file("traces/sqlite.strace", &s);
    const struct stc_stats *st = stc_stats(p);
    ck_assert_uint_eq(st->skipped, 0);
    ck_assert_uint_eq(st->unknown, 0);
    ck_assert_uint_eq(st->pids, 1);
    ck_assert_uint_eq(st->syscalls, 521);
    /* 17 reads (ld.so's ELF headers, the database's pread64s), 165
     * pwrite64s of the database and its journal, 28 fdatasyncs. */
    ck_assert_uint_eq(st->records[TR_BLOCK_IO], 17 + 165 + 28);
    ck_assert_uint_eq(s.sum_a[TR_BLOCK_IO][0], 8419);
    ck_assert_uint_eq(s.sum_a[TR_BLOCK_IO][1], 523956 + 28 * 512);
    ck_assert_uint_eq(st->failed, 27);
    same_as_import("traces/sqlite.xst", &s, "sqlite");
    stc_free(p);
}
END_TEST

START_TEST(capture_pipeline)
{
    static struct sink s;
    struct stc_parser *p = parse_file("traces/pipeline.strace", &s);
    const struct stc_stats *st = stc_stats(p);
    ck_assert_uint_eq(st->skipped, 0);
    ck_assert_uint_eq(st->unknown, 0);
    ck_assert_uint_eq(st->unmatched, 0);
    ck_assert_uint_eq(st->clamped, 0);
    /* sh and its four children (seq, gzip, wc, sleep): five vCPUs. */
    ck_assert_uint_eq(st->pids, 5);
    ck_assert_uint_eq(st->vcpus, 5);
    ck_assert_uint_eq(st->lines, 783);
    ck_assert_uint_eq(st->syscalls, 547);
    ck_assert_uint_eq(st->signals, 4);
    ck_assert_uint_eq(st->exits, 5);
    /* The pipe transfers and sh's wait4s and sleep's 50 ms are waits. */
    ck_assert_uint_eq(st->records[TR_SLEEP], 43);
    ck_assert_uint_eq(st->records[TR_BLOCK_IO], 18);
    bool slept_50ms = false;
    for (size_t i = 0; i < s.n; i++)
        if (s.r[i].op == TR_SLEEP && s.r[i].a == 50229000)
            slept_50ms = true;
    ck_assert(slept_50ms);
    same_as_import("traces/pipeline.xst", &s, "pipeline");
    stc_free(p);
}
END_TEST

static Suite *strace_suite(void)
{
    Suite *s = suite_create("strace");
    TCase *tc = xs_tcase(s, "snippets", 10);
    tcase_add_test(tc, file_reads);
    tcase_add_test(tc, net_two_pids);
    tcase_add_test(tc, byte_by_byte);
    tcase_add_test(tc, misc_calls);
    tcase_add_test(tc, fd_tracking);
    tcase_add_test(tc, fork_and_threads);
    tcase_add_test(tc, bad_lines);
    tcase_add_test(tc, binary_and_empty);
    tcase_add_test(tc, unfinished_edge_cases);
    tcase_add_test(tc, many_pids_fold);
    tcase_add_test(tc, domain_names);
    tc = xs_tcase(s, "captures", 30);
    tcase_add_test(tc, capture_gzip);
    tcase_add_test(tc, capture_sqlite);
    tcase_add_test(tc, capture_pipeline);
    return s;
}

XS_CHECK_MAIN(strace_suite)
