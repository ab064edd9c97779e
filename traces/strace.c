/*
 * traces/strace.c: the `strace -f -ttt -T` reader (traces/strace.h).
 *
 * Sources: strace(1) and the output of strace 6.1 on Debian 12 (the
 * captures under traces/): a line is
 *     [PID ]SECONDS.FRACTION BODY
 * (or "[pid PID] " when strace writes to stderr), where BODY is one of
 *     NAME(ARGS) = RESULT[ ERRNO (TEXT)][ (DETAIL)] <DURATION>
 *     NAME(ARGS <unfinished ...>            the call blocked; another pid ran
 *     <... NAME resumed>ARGS) = RESULT ... <DURATION>
 *     --- SIGNAME {...} ---                 a signal (counted)
 *     +++ exited with N +++ / +++ killed by SIG +++   the pid ended
 * ARGS hold C strings with escapes ("a\"b", "x) = 1"), truncated strings
 * ("..."...), nested [ ] { } ( ), and C comments; the scanner below
 * tracks quotes and nesting so that none of these ends the argument list.
 * DURATION (-T) is measured from entry, so a resumed call ends at the
 * unfinished line's time plus it.
 *
 * Mapping (strace.h, docs/traces.md): each pid is a vCPU. A pid computes
 * from the end of its last mapped call (busy_from) to the start of its next
 * one; calls that map to nothing (mmap, openat, a failed read, ...) are
 * part of that compute span, so their time counts as COMPUTE. Records that
 * a call produces are stamped at its start (ARRIVAL at its end); COMPUTE
 * at the start of its span.
 *
 * Ordering: a pid's COMPUTE is only known at its next mapped call, and a
 * blocked call only at its resumption, so records wait in a min-heap on
 * (time, sequence) and leave once no live pid can still produce an earlier
 * one: the watermark is the least busy_from (or pending call start) over
 * live pids. Times that would go backwards anyway (out-of-order lines) are
 * raised to the last time released and counted (stats.clamped).
 *
 * Reads and writes on pipes become a SLEEP of their duration (the time
 * waiting for the other end is not CPU), without a data record.
 *
 * fd tables: one per process, copied on fork and shared by threads
 * (CLONE_FILES in the clone's flags); a pid whose first line comes before
 * its parent's clone returned inherits from the process with a pending
 * clone-family call. Simplifications: close-on-exec is not applied; fds
 * 0-2 and fds never seen opened are of unknown kind, and calls on them map
 * to nothing; dup'ed fds get a copy of the offset, not a shared one. A
 * file's sectors: FNV-1a of its path picks
 * one of 256 regions of 4 GiB, plus the file offset (tracked from open,
 * read/write sizes, lseek results and pread/pwrite offsets), modulo the
 * default disk's 2^31 sectors. Paths under /dev, /proc and /sys and
 * O_DIRECTORY opens are not files. recvmmsg/sendmmsg/sendfile/splice and
 * io_uring are counted as other calls.
 */
#include "traces/strace.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "sim/err.h"
#include "sim/hash.h"

#define FD_CAP (1 << 16)            /* fds at or above this are of unknown kind */
#define MAX_ARGS 8
#define REGION_SECTORS (1ull << 23) /* 4 GiB */
#define DISK_SECTORS (1ull << 31)
#define SECS_MAX (1ll << 32)          /* timestamps and durations: 136 years */

/* ---- syscall classes ---- */

enum cls {
    C_OTHER,                        /* known, maps to nothing */
    C_READ, C_PREAD, C_WRITE, C_PWRITE, C_SYNC,
    C_RECV, C_SEND, C_ACCEPT,
    C_SLEEP, C_POLL, C_FUTEX, C_YIELD,
    C_OPEN, C_OPENAT, C_SOCKET, C_PAIR, C_DUP, C_FCNTL, C_CLOSE, C_LSEEK, C_OTHERFD,
    C_CLONE,                        /* a new process or thread: its fd table */
};

struct sysdef {
    const char *name;
    enum cls cls;
};

static const struct sysdef sysdefs[] = {
    { "read", C_READ }, { "readv", C_READ }, { "pread64", C_PREAD }, { "preadv", C_PREAD },
    { "preadv2", C_PREAD }, { "write", C_WRITE }, { "writev", C_WRITE },
    { "pwrite64", C_PWRITE }, { "pwritev", C_PWRITE }, { "pwritev2", C_PWRITE },
    { "fsync", C_SYNC }, { "fdatasync", C_SYNC }, { "sync_file_range", C_SYNC },
    { "recv", C_RECV }, { "recvfrom", C_RECV }, { "recvmsg", C_RECV },
    { "send", C_SEND }, { "sendto", C_SEND }, { "sendmsg", C_SEND },
    { "accept", C_ACCEPT }, { "accept4", C_ACCEPT },
    { "nanosleep", C_SLEEP }, { "clock_nanosleep", C_SLEEP }, { "wait4", C_SLEEP },
    { "waitid", C_SLEEP }, { "pause", C_SLEEP }, { "rt_sigsuspend", C_SLEEP },
    { "rt_sigtimedwait", C_SLEEP }, { "poll", C_POLL }, { "ppoll", C_POLL },
    { "select", C_POLL }, { "pselect6", C_POLL }, { "epoll_wait", C_POLL },
    { "epoll_pwait", C_POLL }, { "epoll_pwait2", C_POLL }, { "futex", C_FUTEX },
    { "sched_yield", C_YIELD },
    { "open", C_OPEN }, { "creat", C_OPEN }, { "openat", C_OPENAT }, { "openat2", C_OPENAT },
    { "socket", C_SOCKET }, { "socketpair", C_PAIR }, { "pipe", C_PAIR }, { "pipe2", C_PAIR },
    { "dup", C_DUP }, { "dup2", C_DUP }, { "dup3", C_DUP }, { "fcntl", C_FCNTL },
    { "close", C_CLOSE }, { "lseek", C_LSEEK },
    { "eventfd", C_OTHERFD }, { "eventfd2", C_OTHERFD }, { "timerfd_create", C_OTHERFD },
    { "signalfd", C_OTHERFD }, { "signalfd4", C_OTHERFD }, { "epoll_create", C_OTHERFD },
    { "epoll_create1", C_OTHERFD }, { "inotify_init", C_OTHERFD },
    { "inotify_init1", C_OTHERFD }, { "memfd_create", C_OTHERFD },
    { "userfaultfd", C_OTHERFD }, { "perf_event_open", C_OTHERFD },
    { "io_uring_setup", C_OTHERFD }, { "pidfd_open", C_OTHERFD },
    { "fanotify_init", C_OTHERFD },
    { "clone", C_CLONE }, { "clone3", C_CLONE }, { "fork", C_CLONE }, { "vfork", C_CLONE },
};

/* Known calls that map to nothing (their time is COMPUTE). */
static const char *const other_names[] = {
    "execve", "execveat", "brk", "mmap", "munmap", "mremap", "mprotect", "madvise", "mlock",
    "munlock", "mincore", "msync", "access", "faccessat", "faccessat2", "stat", "fstat",
    "lstat", "newfstatat", "statx", "statfs", "fstatfs", "getdents", "getdents64", "readlink",
    "readlinkat", "getcwd", "chdir", "fchdir", "mkdir", "mkdirat", "rmdir", "unlink",
    "unlinkat", "rename", "renameat", "renameat2", "link", "linkat", "symlink", "symlinkat",
    "chmod", "fchmod", "fchmodat", "chown", "fchown", "lchown", "fchownat", "utime",
    "utimes", "utimensat", "futimesat", "truncate", "ftruncate", "fallocate", "fadvise64",
    "readahead", "flock", "ioctl", "umask", "getpid", "getppid", "gettid", "getuid",
    "geteuid", "getgid", "getegid", "getresuid", "getresgid", "getgroups", "setuid",
    "setgid", "setresuid", "setresgid", "setgroups", "getpgrp", "getpgid", "setpgid",
    "getsid", "setsid", "arch_prctl", "prctl", "set_tid_address", "set_robust_list",
    "get_robust_list", "rseq", "prlimit64", "getrlimit", "setrlimit", "getrusage", "uname",
    "sysinfo", "times", "gettimeofday", "clock_gettime", "clock_getres", "time",
    "getrandom", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigaltstack",
    "rt_sigpending", "rt_sigqueueinfo", "kill", "tkill", "tgkill", "alarm", "setitimer",
    "getitimer", "timer_create", "timer_settime", "timer_gettime", "timer_delete",
    "timerfd_settime", "timerfd_gettime", "exit",
    "exit_group", "restart_syscall", "connect", "bind", "listen", "shutdown",
    "getsockname", "getpeername", "setsockopt", "getsockopt", "epoll_ctl", "sched_getaffinity",
    "sched_setaffinity", "sched_getparam", "sched_setparam", "sched_getscheduler",
    "sched_setscheduler", "sched_get_priority_max", "sched_get_priority_min", "getpriority",
    "setpriority", "capget", "capset", "personality", "sync", "syncfs", "mount", "umount2",
    "chroot", "pivot_root", "sethostname", "setdomainname", "membarrier", "get_mempolicy",
    "set_mempolicy", "mbind", "inotify_add_watch", "inotify_rm_watch", "getxattr",
    "lgetxattr", "fgetxattr", "setxattr", "lsetxattr", "fsetxattr", "listxattr",
    "llistxattr", "flistxattr", "removexattr", "copy_file_range", "sendfile", "splice",
    "tee", "vmsplice", "recvmmsg", "sendmmsg", "io_uring_enter", "io_uring_register",
    "io_setup", "io_submit", "io_getevents", "io_destroy", "close_range", "pkey_alloc",
    "pkey_mprotect", "pkey_free", "process_vm_readv", "process_vm_writev", "ptrace",
    "seccomp", "landlock_create_ruleset", "unshare", "setns", "vhangup", "mknod", "mknodat",
    "name_to_handle_at", "open_by_handle_at", "pidfd_send_signal", "pidfd_getfd",
    "timerfd_settime", "fstatat64", "sysctl", "syslog", "keyctl", "add_key", "request_key",
    NULL,
};

static bool lookup_sys(const char *name, enum cls *cls)
{
    for (size_t i = 0; i < sizeof sysdefs / sizeof sysdefs[0]; i++)
        if (!strcmp(sysdefs[i].name, name))
            return *cls = sysdefs[i].cls, true;
    for (size_t i = 0; other_names[i]; i++)
        if (!strcmp(other_names[i], name))
            return *cls = C_OTHER, true;
    return false;
}

/* ---- state ---- */

enum fdkind { FD_NONE, FD_FILE, FD_SOCKET, FD_PIPE, FD_OTHER };

struct fdent {
    uint8_t kind;
    uint64_t base;                  /* first sector of the file's region */
    uint64_t off;                   /* file offset, bytes */
};

/* A process's fd table; threads (CLONE_FILES) share one, forks copy. */
struct fdtab {
    struct fdent *fds;
    size_t n;                       /* allocated entries */
    unsigned refs;
};

struct proc {
    int64_t pid;
    struct fdtab *tab;              /* NULL until needed and after the exit */
    uint16_t vcpu;
    bool live;
    sim_time_t busy_from;           /* start of the current compute span */
    sim_time_t last_end;            /* end of the last call seen */
    bool pending;                   /* an <unfinished ...> call */
    sim_time_t pend_start;
    char *pend_text;                /* "NAME(ARGS-so-far", malloc'd */
    size_t pend_len;
};

struct hent {                       /* heap entry */
    struct tr_record r;
    uint64_t seq;
};

struct unk {
    char name[32];
    uint64_t count;
};

struct stc_parser {
    uint16_t dom;
    stc_emit_fn emit;
    stc_diag_fn diag;
    void *ctx;
    struct stc_stats st;
    uint64_t unanswered;            /* data received on sockets and not answered yet */

    char *line;                     /* the line being assembled */
    size_t len, cap;
    bool overlong;                  /* the current line passed STC_LINE_MAX */

    bool have_t0;
    sim_time_t t0_abs;              /* first timestamp, ns since the epoch */
    sim_time_t t_last;              /* latest line time, ns since t0 */

    struct proc **procs;            /* each allocated alone: pointers stay valid */
    size_t nprocs, proc_cap;


    struct hent *heap;
    size_t nheap, heap_cap;
    uint64_t seq;
    sim_time_t released;            /* time of the last record emitted */

    struct unk unk[STC_UNKNOWN_NAMES + 1];  /* the last: "(more names)" */
    size_t nunk;
    bool more_unk;
    int failed;                     /* sticky emit/alloc error */
    bool last_line;                 /* parsing the final line, which had no newline */
    char *join;                     /* scratch for unfinished + resumed */
    size_t join_cap;
};

/* ---- small helpers ---- */

static void diag(struct stc_parser *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void diag(struct stc_parser *p, const char *fmt, ...)
{
    p->st.skipped++;
    if (!p->diag)
        return;
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (p->last_line) {
        char full[320];
        snprintf(full, sizeof full, "truncated last line (no newline at the end of the file): %s",
                 msg);
        p->diag(p->ctx, p->st.lines, full);
        return;
    }
    p->diag(p->ctx, p->st.lines, msg);
}

/* A name safe to put in a message: printable, at most 31 bytes. */
static void safe_name(const char *s, size_t n, char *out, size_t outn)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < outn; i++)
        out[k++] = isprint((unsigned char)s[i]) ? s[i] : '?';
    out[k] = '\0';
}

static bool is_name_char(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

/* Parse a decimal "S.F" (F up to 9 digits used, more ignored) into ns.
 * Advances *s. False if not a number or out of range. */
static bool parse_secs(const char **s, sim_time_t *ns)
{
    const char *q = *s;
    if (!isdigit((unsigned char)*q))
        return false;
    int64_t sec = 0;
    while (isdigit((unsigned char)*q)) {
        if (sec >= SECS_MAX / 10)
            return false;
        sec = sec * 10 + (*q++ - '0');
    }
    int64_t frac = 0;
    int digits = 0;
    if (*q == '.') {
        q++;
        if (!isdigit((unsigned char)*q))
            return false;
        while (isdigit((unsigned char)*q)) {
            if (digits < 9) {
                frac = frac * 10 + (*q - '0');
                digits++;
            }
            q++;
        }
    }
    while (digits < 9) {
        frac *= 10;
        digits++;
    }
    *ns = sec * SIM_SEC + frac;
    *s = q;
    return true;
}

/* An integer argument or result: decimal (maybe negative) or 0x hex. */
static bool parse_int(const char *s, size_t n, int64_t *out)
{
    while (n && *s == ' ')
        s++, n--;
    if (!n)
        return false;
    bool neg = false;
    if (*s == '-') {
        neg = true;
        s++, n--;
    }
    uint64_t v = 0;
    size_t i = 0;
    if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        for (i = 2; i < n && isxdigit((unsigned char)s[i]); i++) {
            if (v >> 60)
                return false;
            int d = isdigit((unsigned char)s[i]) ? s[i] - '0'
                                                 : tolower((unsigned char)s[i]) - 'a' + 10;
            v = v * 16 + (uint64_t)d;
        }
        if (i == 2)
            return false;
    } else {
        for (i = 0; i < n && isdigit((unsigned char)s[i]); i++) {
            if (v > (UINT64_MAX - 9) / 10)
                return false;
            v = v * 10 + (uint64_t)(s[i] - '0');
        }
        if (i == 0)
            return false;
    }
    if (v > (uint64_t)INT64_MAX)
        v = (uint64_t)INT64_MAX;            /* unsigned results (mmap addresses) */
    *out = neg ? -(int64_t)v : (int64_t)v;
    return true;
}

/* ---- the record heap ---- */

static bool hless(const struct hent *a, const struct hent *b)
{
    return a->r.t < b->r.t || (a->r.t == b->r.t && a->seq < b->seq);
}

static int heap_push(struct stc_parser *p, const struct tr_record *r)
{
    if (p->nheap == p->heap_cap) {
        size_t cap = p->heap_cap ? p->heap_cap * 2 : 64;
        struct hent *h = realloc(p->heap, cap * sizeof *h);
        if (!h)
            return -SIM_ENOMEM;
        p->heap = h;
        p->heap_cap = cap;
    }
    size_t i = p->nheap++;
    struct hent e = { *r, p->seq++ };
    while (i > 0) {
        size_t up = (i - 1) / 2;
        if (!hless(&e, &p->heap[up]))
            break;
        p->heap[i] = p->heap[up];
        i = up;
    }
    p->heap[i] = e;
    return 0;
}

static void heap_pop(struct stc_parser *p, struct tr_record *out)
{
    *out = p->heap[0].r;
    struct hent last = p->heap[--p->nheap];
    size_t i = 0, n = p->nheap;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && hless(&p->heap[c + 1], &p->heap[c]))
            c++;
        if (!hless(&p->heap[c], &last))
            break;
        p->heap[i] = p->heap[c];
        i = c;
    }
    if (n)
        p->heap[i] = last;
}

/* Emit every held record with time <= upto. */
static int release(struct stc_parser *p, sim_time_t upto)
{
    while (p->nheap && p->heap[0].r.t <= upto) {
        struct tr_record r;
        heap_pop(p, &r);
        p->released = r.t;
        p->st.records[r.op]++;
        if (p->emit) {
            int rc = p->emit(p->ctx, &r);
            if (rc)
                return p->failed = rc;
        }
    }
    return 0;
}

static sim_time_t watermark(const struct stc_parser *p)
{
    sim_time_t w = SIM_TIME_MAX;
    for (size_t i = 0; i < p->nprocs; i++) {
        const struct proc *q = p->procs[i];
        if (!q->live)
            continue;
        sim_time_t t = q->pending && q->pend_start < q->busy_from ? q->pend_start : q->busy_from;
        if (t < w)
            w = t;
    }
    return w;
}

static int put(struct stc_parser *p, sim_time_t t, uint16_t vcpu, int op, uint8_t flags,
               uint64_t a, uint64_t b)
{
    if (t < p->released) {
        t = p->released;
        p->st.clamped++;
    }
    struct tr_record r = { .t = t, .dom = p->dom, .vcpu = vcpu, .op = (uint8_t)op,
                           .flags = flags, .a = a, .b = b };
    int rc = heap_push(p, &r);
    return rc ? (p->failed = rc) : 0;
}

/* ---- processes and fds ---- */

/* The state of pid; created (at time t, *created set) if new. NULL when
 * there are STC_MAX_PIDS already or out of memory. */
static struct proc *find_proc(struct stc_parser *p, int64_t pid, sim_time_t t, bool *created)
{
    *created = false;
    for (size_t i = 0; i < p->nprocs; i++)
        if (p->procs[i]->pid == pid)
            return p->procs[i];
    if (p->nprocs >= STC_MAX_PIDS)
        return NULL;
    if (p->nprocs == p->proc_cap) {
        size_t cap = p->proc_cap ? p->proc_cap * 2 : 8;
        struct proc **n = realloc(p->procs, cap * sizeof *n);
        if (!n) {
            p->failed = -SIM_ENOMEM;
            return NULL;
        }
        p->procs = n;
        p->proc_cap = cap;
    }
    struct proc *q = malloc(sizeof *q);
    if (!q) {
        p->failed = -SIM_ENOMEM;
        return NULL;
    }
    *q = (struct proc){ .pid = pid, .vcpu = (uint16_t)(p->nprocs % TR_MAX_VCPUS),
                        .live = true, .busy_from = t, .last_end = t };
    p->procs[p->nprocs++] = q;
    p->st.pids = (uint32_t)p->nprocs;
    p->st.vcpus = p->nprocs < TR_MAX_VCPUS ? (uint32_t)p->nprocs : TR_MAX_VCPUS;
    *created = true;
    return q;
}

/* ---- fd tables ---- */

static struct fdtab *tab_new(struct stc_parser *p, const struct fdtab *from)
{
    struct fdtab *t = calloc(1, sizeof *t);
    if (!t) {
        p->failed = -SIM_ENOMEM;
        return NULL;
    }
    t->refs = 1;
    if (from && from->n) {
        t->fds = malloc(from->n * sizeof *t->fds);
        if (!t->fds) {
            free(t);
            p->failed = -SIM_ENOMEM;
            return NULL;
        }
        memcpy(t->fds, from->fds, from->n * sizeof *t->fds);
        t->n = from->n;
    }
    return t;
}

static void tab_unref(struct fdtab *t)
{
    if (t && --t->refs == 0) {
        free(t->fds);
        free(t);
    }
}

/* q's table, made empty if q has none. NULL when out of memory. */
static struct fdtab *tab_of(struct stc_parser *p, struct proc *q)
{
    if (!q->tab)
        q->tab = tab_new(p, NULL);
    return q->tab;
}

static struct fdent *fd_get(struct stc_parser *p, struct proc *q, int64_t fd, bool create)
{
    struct fdtab *t = tab_of(p, q);
    if (!t || fd < 0 || fd >= FD_CAP)
        return NULL;
    if ((size_t)fd >= t->n) {
        if (!create)
            return NULL;
        size_t n = t->n ? t->n : 64;
        while (n <= (size_t)fd)
            n *= 2;
        struct fdent *f = realloc(t->fds, n * sizeof *f);
        if (!f) {
            p->failed = -SIM_ENOMEM;
            return NULL;
        }
        memset(f + t->n, 0, (n - t->n) * sizeof *f);
        t->fds = f;
        t->n = n;
    }
    return &t->fds[fd];
}

static int fd_kind(struct stc_parser *p, struct proc *q, int64_t fd)
{
    struct fdent *e = fd_get(p, q, fd, false);
    return e ? e->kind : FD_NONE;
}

static void fd_set(struct stc_parser *p, struct proc *q, int64_t fd, int kind, uint64_t base)
{
    struct fdent *e = fd_get(p, q, fd, true);
    if (e)
        *e = (struct fdent){ .kind = (uint8_t)kind, .base = base };
}

/* Give the new process `child` the fd table of `parent`: shared when the
 * clone had CLONE_FILES (a thread), else a copy (a fork). */
static void inherit(struct stc_parser *p, struct proc *child, struct proc *parent, bool share)
{
    struct fdtab *t = tab_of(p, parent);
    if (!t)
        return;
    tab_unref(child->tab);
    if (share) {
        t->refs++;
        child->tab = t;
    } else {
        child->tab = tab_new(p, t);
    }
}

static uint64_t sector_of(const struct fdent *e, uint64_t off)
{
    return (e->base + off / 512) % DISK_SECTORS;
}

/* ---- one call ---- */

struct call {
    char name[65];
    const char *args[MAX_ARGS];     /* top-level arguments, not NUL-terminated */
    size_t arglen[MAX_ARGS];
    int nargs;
    bool has_result;                /* a number after '=' ("?" is none) */
    int64_t result;
    bool has_dur;
    sim_time_t dur;
};

/* Scan "NAME(ARGS) = RESULT ... <DUR>" in s (n bytes). *unfinished is set
 * when the text ends with "<unfinished ...>" instead (then only the name is
 * checked). NULL or a message naming what is wrong. */
static const char *scan_call(const char *s, size_t n, struct call *c, bool *unfinished)
{
    memset(c, 0, sizeof *c);
    *unfinished = false;
    size_t i = 0;
    while (i < n && is_name_char(s[i]))
        i++;
    if (i == 0)
        return "expected a syscall name";
    if (i >= sizeof c->name)
        return "syscall name too long";
    memcpy(c->name, s, i);
    c->name[i] = '\0';
    if (i >= n || s[i] != '(')
        return "expected '(' after the syscall name";
    static const char unf[] = "<unfinished ...>";
    size_t ul = sizeof unf - 1;
    size_t end = n;
    while (end > 0 && (s[end - 1] == ' ' || s[end - 1] == '\r'))
        end--;
    if (end >= ul && !memcmp(s + end - ul, unf, ul)) {
        *unfinished = true;
        return NULL;
    }
    /* The argument list, up to its matching ')'. */
    size_t k = i + 1, argstart = k;
    int depth = 1;
    while (k < n && depth > 0) {
        char ch = s[k];
        if (ch == '"') {
            k++;
            while (k < n && s[k] != '"') {
                if (s[k] == '\\')
                    k++;
                k++;
            }
            if (k >= n)
                return "unterminated string in the arguments";
            k++;
            continue;
        }
        if (ch == '/' && k + 1 < n && s[k + 1] == '*') {
            const char *e = NULL;
            for (size_t m = k + 2; m + 1 < n; m++)
                if (s[m] == '*' && s[m + 1] == '/') {
                    e = s + m;
                    break;
                }
            if (!e)
                return "unterminated comment in the arguments";
            k = (size_t)(e - s) + 2;
            continue;
        }
        if (ch == '(' || ch == '[' || ch == '{')
            depth++;
        else if (ch == ')' || ch == ']' || ch == '}')
            depth--;
        if (depth == 0 || (depth == 1 && ch == ',')) {
            if (c->nargs < MAX_ARGS) {
                size_t a = argstart, b = k;
                while (a < b && s[a] == ' ')
                    a++;
                if (b > a || ch == ',' || c->nargs > 0) {
                    c->args[c->nargs] = s + a;
                    c->arglen[c->nargs] = b - a;
                    c->nargs++;
                }
            }
            argstart = k + 1;
        }
        k++;
    }
    if (depth > 0)
        return "the argument list is not closed (a truncated line?)";
    /* " = RESULT" */
    while (k < n && s[k] == ' ')
        k++;
    if (k >= n || s[k] != '=')
        return "expected '= RESULT' after the arguments";
    k++;
    while (k < n && s[k] == ' ')
        k++;
    size_t r0 = k;
    while (k < n && s[k] != ' ')
        k++;
    if (k == r0)
        return "missing result after '='";
    if (!(k - r0 == 1 && s[r0] == '?')) {
        /* "3</path>" (strace -y) is the number 3. */
        size_t rl = k - r0;
        const char *lt = memchr(s + r0, '<', rl);
        if (lt)
            rl = (size_t)(lt - (s + r0));
        if (!parse_int(s + r0, rl, &c->result))
            return "the result is not a number or '?'";
        c->has_result = true;
    }
    /* "<DURATION>" at the end, if any. */
    if (end > k && s[end - 1] == '>') {
        size_t lt = end - 1;
        while (lt > k && s[lt] != '<')
            lt--;
        if (s[lt] == '<') {
            const char *q = s + lt + 1;
            sim_time_t d;
            if (parse_secs(&q, &d) && q == s + end - 1) {
                c->has_dur = true;
                c->dur = d;
            }
        }
    }
    return NULL;
}

static bool arg_int(const struct call *c, int i, int64_t *v)
{
    return i < c->nargs && parse_int(c->args[i], c->arglen[i], v);
}

static bool arg_has(const struct call *c, int i, const char *word);

/* word in any argument. */
static bool call_has(const struct call *c, const char *word)
{
    for (int i = 0; i < c->nargs; i++)
        if (arg_has(c, i, word))
            return true;
    return false;
}

static bool arg_has(const struct call *c, int i, const char *word)
{
    if (i >= c->nargs)
        return false;
    size_t wl = strlen(word);
    for (size_t k = 0; k + wl <= c->arglen[i]; k++)
        if (!memcmp(c->args[i] + k, word, wl))
            return true;
    return false;
}

/* The path of an open: the first string argument. */
static void arg_path(const struct call *c, int i, char *out, size_t n)
{
    out[0] = '\0';
    if (i >= c->nargs || c->arglen[i] < 2 || c->args[i][0] != '"')
        return;
    size_t k = 0;
    for (size_t m = 1; m < c->arglen[i] && c->args[i][m] != '"' && k + 1 < n; m++) {
        if (c->args[i][m] == '\\' && m + 1 < c->arglen[i])
            m++;
        out[k++] = c->args[i][m];
    }
    out[k] = '\0';
}

/* Two fds in "[3, 4]" (pipe, socketpair): argument i. */
static bool arg_pair(const struct call *c, int i, int64_t *a, int64_t *b)
{
    if (c->nargs <= i || c->arglen[i] < 5 || c->args[i][0] != '[')
        return false;
    const char *s = c->args[i] + 1;
    size_t n = c->arglen[i] - 1;
    const char *comma = memchr(s, ',', n);
    if (!comma)
        return false;
    size_t close = n;
    const char *rb = memchr(s, ']', n);
    if (rb)
        close = (size_t)(rb - s);
    if ((size_t)(comma - s) >= close)
        return false;
    return parse_int(s, (size_t)(comma - s), a) &&
           parse_int(comma + 1, close - (size_t)(comma - s) - 1, b);
}

static void count_unknown(struct stc_parser *p, const char *name)
{
    p->st.unknown++;
    for (size_t i = 0; i < p->nunk; i++)
        if (!strcmp(p->unk[i].name, name)) {
            p->unk[i].count++;
            return;
        }
    if (p->nunk < STC_UNKNOWN_NAMES) {
        struct unk *u = &p->unk[p->nunk++];
        size_t len = strlen(name);
        if (len >= sizeof u->name)
            len = sizeof u->name - 1;
        memcpy(u->name, name, len);
        u->name[len] = '\0';
        u->count = 1;
        return;
    }
    struct unk *u = &p->unk[STC_UNKNOWN_NAMES];
    snprintf(u->name, sizeof u->name, "(more names)");
    u->count++;
    p->more_unk = true;
}

/* Track what an open-like call did to the fd table. */
static void track_fds(struct stc_parser *p, struct proc *q, enum cls cls, const struct call *c)
{
    if (!c->has_result || c->result < 0)
        return;
    int64_t r = c->result, a, b;
    char path[512];
    switch (cls) {
    case C_OPEN:
    case C_OPENAT: {
        int pi = cls == C_OPEN ? 0 : 1;
        arg_path(c, pi, path, sizeof path);
        bool special = !strncmp(path, "/dev/", 5) || !strncmp(path, "/proc/", 6) ||
                       !strncmp(path, "/sys/", 5) || arg_has(c, pi + 1, "O_DIRECTORY");
        uint64_t base = (hash_fnv1a64(path) % (DISK_SECTORS / REGION_SECTORS)) * REGION_SECTORS;
        fd_set(p, q, r, special ? FD_OTHER : FD_FILE, base);
        break;
    }
    case C_SOCKET:
    case C_ACCEPT:
        fd_set(p, q, r, FD_SOCKET, 0);
        break;
    case C_PAIR: {
        /* pipe([a, b]), pipe2([a, b], flags), socketpair(dom, type, proto, [a, b]) */
        bool sock = !strcmp(c->name, "socketpair");
        if (arg_pair(c, sock ? 3 : 0, &a, &b)) {
            fd_set(p, q, a, sock ? FD_SOCKET : FD_PIPE, 0);
            fd_set(p, q, b, sock ? FD_SOCKET : FD_PIPE, 0);
        }
        break;
    }
    case C_DUP:
    case C_FCNTL:
        if (cls == C_FCNTL && !arg_has(c, 1, "F_DUPFD"))
            break;
        if (arg_int(c, 0, &a) && a != r) {
            struct fdent *src = fd_get(p, q, a, false);
            struct fdent copy = src ? *src : (struct fdent){ 0 };
            struct fdent *dst = fd_get(p, q, r, true);
            if (dst)
                *dst = copy;
        }
        break;
    case C_CLOSE:
        if (arg_int(c, 0, &a)) {
            struct fdent *e = fd_get(p, q, a, false);
            if (e)
                *e = (struct fdent){ 0 };
        }
        break;
    case C_LSEEK:
        if (arg_int(c, 0, &a)) {
            struct fdent *e = fd_get(p, q, a, false);
            if (e)
                e->off = (uint64_t)r;
        }
        break;
    case C_OTHERFD:
        fd_set(p, q, r, FD_OTHER, 0);
        break;
    default:
        break;
    }
}

/* Emit the compute span of q that ends at t (the start of a mapped call),
 * and return the time to stamp that call with. */
static sim_time_t compute_until(struct stc_parser *p, struct proc *q, sim_time_t t)
{
    if (t <= q->busy_from)
        return q->busy_from;
    put(p, q->busy_from, q->vcpu, TR_COMPUTE, 0, (uint64_t)(t - q->busy_from), 0);
    q->busy_from = t;
    return t;
}

/* n bytes sent on a socket at t: the answer to data received earlier, if
 * some is not answered yet (net_reply: the replay measures net_latency from
 * that arrival), else a plain send. Every receive counts as one request,
 * however many sends answer it. */
static void net_send(struct stc_parser *p, struct proc *q, sim_time_t t, uint64_t n)
{
    int op = TR_NET_SEND;
    if (p->unanswered) {
        p->unanswered--;
        op = TR_NET_REPLY;
    }
    put(p, t, q->vcpu, op, 0, n, 0);
    p->st.send_bytes += n;
}

/* n bytes received on a socket by a call from t to te that took dur. */
static void net_recv(struct stc_parser *p, struct proc *q, sim_time_t t, sim_time_t te,
                     sim_time_t dur, uint64_t n)
{
    if (dur > 0)
        put(p, t, q->vcpu, TR_SLEEP, 0, (uint64_t)dur, 0);
    put(p, te > t ? te : t, 0, TR_ARRIVAL, 0, n, 0);
    p->st.recv_bytes += n;
    p->unanswered++;
}

/* A complete call of q that started at ts. */
static void do_call(struct stc_parser *p, struct proc *q, sim_time_t ts, const struct call *c)
{
    p->st.syscalls++;
    sim_time_t dur = c->has_dur ? c->dur : 0;
    sim_time_t te = ts + dur;
    if (te > q->last_end)
        q->last_end = te;
    enum cls cls;
    if (!lookup_sys(c->name, &cls)) {
        count_unknown(p, c->name);
        return;
    }
    track_fds(p, q, cls, c);
    bool ok = c->has_result && c->result >= 0;
    if (c->has_result && c->result < 0)
        p->st.failed++;
    int64_t fd = -1, off;
    bool mapped = false;
    if (cls == C_READ || cls == C_PREAD || cls == C_WRITE || cls == C_PWRITE ||
        cls == C_SYNC || cls == C_RECV || cls == C_SEND)
        arg_int(c, 0, &fd);
    int kind = fd_kind(p, q, fd);
    switch (cls) {
    case C_READ:
    case C_PREAD:
    case C_WRITE:
    case C_PWRITE: {
        bool wr = cls == C_WRITE || cls == C_PWRITE;
        if (!ok || c->result == 0)
            break;
        uint64_t n = (uint64_t)c->result;
        if (kind == FD_FILE) {
            struct fdent *e = fd_get(p, q, fd, false);
            bool pos = cls == C_PREAD || cls == C_PWRITE;
            uint64_t at = e->off;
            if (pos && arg_int(c, 3, &off) && off >= 0)
                at = (uint64_t)off;
            sim_time_t t = compute_until(p, q, ts);
            put(p, t, q->vcpu, TR_BLOCK_IO, wr ? TR_F_WRITE : 0, n, sector_of(e, at));
            if (!pos)
                e->off += n;
            if (wr) {
                p->st.write_bytes += n;
            } else {
                p->st.read_bytes += n;
            }
            mapped = true;
        } else if (kind == FD_PIPE) {
            /* Waiting for the other end: a wait, not CPU, and no device. */
            sim_time_t t = compute_until(p, q, ts);
            if (dur > 0)
                put(p, t, q->vcpu, TR_SLEEP, 0, (uint64_t)dur, 0);
            mapped = true;
        } else if (kind == FD_SOCKET) {
            sim_time_t t = compute_until(p, q, ts);
            if (wr)
                net_send(p, q, t, n);
            else
                net_recv(p, q, t, te, dur, n);
            mapped = true;
        }
        break;
    }
    case C_SYNC:
        if (ok && kind == FD_FILE) {
            /* The written bytes were already BLOCK_IO writes: a sync is one
             * more write, of a sector, at the file's start (the flush). */
            struct fdent *e = fd_get(p, q, fd, false);
            sim_time_t t = compute_until(p, q, ts);
            put(p, t, q->vcpu, TR_BLOCK_IO, TR_F_WRITE, 512, sector_of(e, 0));
            p->st.write_bytes += 512;
            mapped = true;
        }
        break;
    case C_RECV:
    case C_SEND:
        if (ok && c->result > 0) {
            uint64_t n = (uint64_t)c->result;
            sim_time_t t = compute_until(p, q, ts);
            if (cls == C_SEND)
                net_send(p, q, t, n);
            else
                net_recv(p, q, t, te, dur, n);
            mapped = true;
        }
        break;
    case C_ACCEPT:
        if (ok) {
            sim_time_t t = compute_until(p, q, ts);
            if (dur > 0)
                put(p, t, q->vcpu, TR_SLEEP, 0, (uint64_t)dur, 0);
            put(p, te > t ? te : t, 0, TR_ARRIVAL, 0, STC_ACCEPT_BYTES, 0);
            p->st.recv_bytes += STC_ACCEPT_BYTES;
            mapped = true;
        }
        break;
    case C_FUTEX:
        if (!arg_has(c, 1, "FUTEX_WAIT") && !arg_has(c, 1, "FUTEX_LOCK_PI"))
            break;
        /* fall through */
    case C_SLEEP:
    case C_POLL:
        if (c->has_dur) {
            sim_time_t t = compute_until(p, q, ts);
            if (dur > 0)
                put(p, t, q->vcpu, TR_SLEEP, 0, (uint64_t)dur, 0);
            mapped = true;
        }
        break;
    case C_CLONE:
        if (ok && c->result > 0 && c->result != q->pid) {
            bool created;
            struct proc *child = find_proc(p, c->result, te, &created);
            if (child && created)
                inherit(p, child, q, call_has(c, "CLONE_FILES"));
        }
        break;
    case C_YIELD: {
        sim_time_t t = compute_until(p, q, ts);
        put(p, t, q->vcpu, TR_YIELD, 0, 0, 0);
        mapped = true;
        break;
    }
    default:
        break;
    }
    if (mapped) {
        p->st.mapped++;
        if (te > q->busy_from)
            q->busy_from = te;
    } else {
        p->st.other++;
    }
}

/* ---- lines ---- */

static void drop_pending(struct proc *q)
{
    free(q->pend_text);
    q->pend_text = NULL;
    q->pend_len = 0;
    q->pending = false;
}

/* The pid ended at t: its last compute span becomes a record. */
static void end_proc(struct stc_parser *p, struct proc *q)
{
    if (q->pending) {
        p->st.unmatched++;
        drop_pending(q);
    }
    if (q->last_end > q->busy_from)
        put(p, q->busy_from, q->vcpu, TR_COMPUTE, 0, (uint64_t)(q->last_end - q->busy_from), 0);
    q->busy_from = q->last_end;
    q->live = false;
    tab_unref(q->tab);
    q->tab = NULL;
}

static int set_pending(struct stc_parser *p, struct proc *q, sim_time_t t, const char *s,
                       size_t n)
{
    char *txt = malloc(n + 1);
    if (!txt)
        return p->failed = -SIM_ENOMEM;
    memcpy(txt, s, n);
    txt[n] = '\0';
    free(q->pend_text);
    q->pend_text = txt;
    q->pend_len = n;
    q->pending = true;
    q->pend_start = t;
    return 0;
}

/* Strip a trailing "<unfinished ...>" (and the blanks before it). */
static size_t strip_unfinished(const char *s, size_t n)
{
    static const char unf[] = "<unfinished ...>";
    size_t ul = sizeof unf - 1;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\r'))
        n--;
    if (n >= ul && !memcmp(s + n - ul, unf, ul))
        n -= ul;
    while (n && s[n - 1] == ' ')
        n--;
    return n;
}

/* BODY of a line of pid q at time t (s, n bytes). */
static void do_body(struct stc_parser *p, struct proc *q, sim_time_t t, const char *s, size_t n)
{
    if (n >= 4 && !memcmp(s, "--- ", 4)) {
        p->st.signals++;
        return;
    }
    if (n >= 4 && !memcmp(s, "+++ ", 4)) {
        p->st.exits++;
        end_proc(p, q);             /* teardown after exit_group is not compute */
        return;
    }
    if (n >= 9 && !memcmp(s, "<detached", 9)) {
        p->st.notes++;
        return;
    }
    struct call c;
    bool unf;
    const char *msg;
    if (n >= 5 && !memcmp(s, "<... ", 5)) {
        /* "<... NAME resumed>REST": join with the pending "NAME(ARGS". */
        size_t k = 5, n0;
        while (k < n && is_name_char(s[k]))
            k++;
        n0 = k - 5;
        static const char res[] = " resumed>";
        size_t rl = sizeof res - 1;
        if (n0 == 0 || k + rl > n || memcmp(s + k, res, rl)) {
            diag(p, "expected '<... NAME resumed>'");
            return;
        }
        char name[40];
        safe_name(s + 5, n0 < 32 ? n0 : 32, name, sizeof name);
        size_t plen = q->pending ? strcspn(q->pend_text, "(") : 0;
        if (!q->pending || plen != n0 || memcmp(q->pend_text, s + 5, n0)) {
            p->st.unmatched++;
            diag(p, "'%s' resumed, but pid %lld has no unfinished %s call", name,
                 (long long)q->pid, name);
            return;
        }
        const char *rest = s + k + rl;
        size_t restn = n - k - rl;
        size_t need = q->pend_len + restn + 1;
        if (need > p->join_cap) {
            char *j = realloc(p->join, need);
            if (!j) {
                p->failed = -SIM_ENOMEM;
                return;
            }
            p->join = j;
            p->join_cap = need;
        }
        memcpy(p->join, q->pend_text, q->pend_len);
        memcpy(p->join + q->pend_len, rest, restn);
        size_t jn = q->pend_len + restn;
        p->join[jn] = '\0';
        sim_time_t ts = q->pend_start;
        msg = scan_call(p->join, jn, &c, &unf);
        if (msg) {
            drop_pending(q);
            diag(p, "%s: %s", name, msg);
            return;
        }
        if (unf) {                  /* resumed and blocked again */
            size_t m = strip_unfinished(p->join, jn);
            char *txt = malloc(m + 1);
            if (!txt) {
                p->failed = -SIM_ENOMEM;
                return;
            }
            memcpy(txt, p->join, m);
            txt[m] = '\0';
            free(q->pend_text);
            q->pend_text = txt;
            q->pend_len = m;
            return;
        }
        drop_pending(q);
        do_call(p, q, ts, &c);
        if (!c.has_dur && t > q->last_end)  /* no <T> ("= ?"): it was blocked */
            q->busy_from = q->last_end = t; /* until the resumed line, not computing */
        return;
    }
    msg = scan_call(s, n, &c, &unf);
    if (msg) {
        char name[40];
        size_t k = 0;
        while (k < n && k < 32 && is_name_char(s[k]))
            k++;
        safe_name(s, k, name, sizeof name);
        if (k)
            diag(p, "%s: %s", name, msg);
        else
            diag(p, "%s", msg);
        return;
    }
    if (q->pending) {               /* its unfinished call never came back */
        p->st.unmatched++;
        drop_pending(q);
    }
    if (unf) {
        set_pending(p, q, t, s, strip_unfinished(s, n));
        return;
    }
    do_call(p, q, t, &c);
}

/* A pid seen before its parent's clone/fork returned: it inherits from
 * the process whose clone-family call is pending, the latest if several;
 * a pid with no such candidate (the first, or one traced by attaching)
 * starts with an empty fd table. */
static void guess_parent(struct stc_parser *p, struct proc *child)
{
    struct proc *best = NULL;
    for (size_t i = 0; i < p->nprocs; i++) {
        struct proc *q = p->procs[i];
        if (q == child || !q->live || !q->pending)
            continue;
        size_t n = strcspn(q->pend_text, "(");
        bool cl = (n == 5 && !memcmp(q->pend_text, "clone", 5)) ||
                  (n == 6 && !memcmp(q->pend_text, "clone3", 6)) ||
                  (n == 4 && !memcmp(q->pend_text, "fork", 4)) ||
                  (n == 5 && !memcmp(q->pend_text, "vfork", 5));
        if (cl && (!best || q->pend_start >= best->pend_start))
            best = q;
    }
    if (best)
        inherit(p, child, best, strstr(best->pend_text, "CLONE_FILES") != NULL);
}

/* One whole line (no newline). last: the input's final, unterminated line. */
static void do_line(struct stc_parser *p, const char *s, size_t n, bool last)
{
    p->st.lines++;
    p->last_line = last;
    while (n && (s[n - 1] == '\r' || s[n - 1] == ' '))
        n--;
    if (n == 0)
        return;
    if (memchr(s, '\0', n)) {
        diag(p, "binary data (a NUL byte): not strace output");
        return;
    }
    if (n >= 8 && !memcmp(s, "strace: ", 8)) {
        p->st.notes++;
        return;
    }
    const char *q = s, *e = s + n;
    int64_t pid = 0;
    sim_time_t abs;
    /* "[pid N] " or "N " before the timestamp; none for a single process. */
    if (e - q > 5 && !memcmp(q, "[pid", 4)) {
        q += 4;
        while (q < e && *q == ' ')
            q++;
        const char *d = q;
        while (q < e && isdigit((unsigned char)*q))
            q++;
        if (q == d || q >= e || *q != ']' || !parse_int(d, (size_t)(q - d), &pid)) {
            diag(p, "malformed '[pid N]' prefix");
            return;
        }
        q++;
    } else {
        const char *d = q;
        while (q < e && isdigit((unsigned char)*q))
            q++;
        if (q < e && *q == ' ' && q > d) {
            if (!parse_int(d, (size_t)(q - d), &pid)) {
                diag(p, "the pid is out of range");
                return;
            }
        } else {
            q = d;
        }
    }
    while (q < e && *q == ' ')
        q++;
    const char *tq = q;
    if (!parse_secs(&tq, &abs) || tq >= e || *tq != ' ' || !memchr(q, '.', (size_t)(tq - q))) {
        diag(p, "expected 'PID SECONDS.MICROS SYSCALL(...)' (strace -f -ttt -T output)");
        return;
    }
    q = tq;
    while (q < e && *q == ' ')
        q++;
    if (!p->have_t0) {
        p->have_t0 = true;
        p->t0_abs = abs;
    }
    sim_time_t t = abs - p->t0_abs;
    if (t < 0)
        t = 0;
    if (t > p->t_last)
        p->t_last = t;
    bool created;
    struct proc *pr = find_proc(p, pid, t, &created);
    if (pr && created)
        guess_parent(p, pr);
    if (!pr) {
        if (!p->failed)
            diag(p, "more than %d processes: pid %lld ignored", STC_MAX_PIDS, (long long)pid);
        return;
    }
    if (!pr->live) {                /* a pid reused after its exit: a new life */
        pr->live = true;
        pr->busy_from = pr->last_end = t > pr->last_end ? t : pr->last_end;
    }
    do_body(p, pr, t, q, (size_t)(e - q));
    if (pr->last_end > p->st.span)
        p->st.span = pr->last_end;
    if (t > p->st.span)
        p->st.span = t;
    if (p->nheap && !p->failed) {
        sim_time_t w = watermark(p);
        release(p, w < t ? w : t);
    }
}

/* ---- the public functions ---- */

struct stc_parser *stc_new(uint16_t dom, stc_emit_fn emit, stc_diag_fn diagfn, void *ctx)
{
    struct stc_parser *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->dom = dom;
    p->emit = emit;
    p->diag = diagfn;
    p->ctx = ctx;
    p->st.vcpus = 1;
    return p;
}

void stc_free(struct stc_parser *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->nprocs; i++) {
        free(p->procs[i]->pend_text);
        tab_unref(p->procs[i]->tab);
        free(p->procs[i]);
    }
    free(p->procs);
    free(p->heap);
    free(p->line);
    free(p->join);
    free(p);
}

int stc_feed(struct stc_parser *p, const void *buf, size_t n)
{
    const char *s = buf;
    while (n && !p->failed) {
        const char *nl = memchr(s, '\n', n);
        size_t take = nl ? (size_t)(nl - s) : n;
        if (!p->overlong) {
            if (p->len + take > STC_LINE_MAX) {
                p->overlong = true;
            } else {
                if (p->len + take + 1 > p->cap) {
                    size_t cap = p->cap ? p->cap : 256;
                    while (cap < p->len + take + 1)
                        cap *= 2;
                    char *l = realloc(p->line, cap);
                    if (!l)
                        return p->failed = -SIM_ENOMEM;
                    p->line = l;
                    p->cap = cap;
                }
                memcpy(p->line + p->len, s, take);
                p->len += take;
            }
        }
        if (!nl)
            break;
        if (p->overlong) {
            p->st.lines++;
            diag(p, "line longer than %u bytes", STC_LINE_MAX);
        } else {
            do_line(p, p->line ? p->line : "", p->len, false);
        }
        p->len = 0;
        p->overlong = false;
        s = nl + 1;
        n -= take + 1;
    }
    return p->failed;
}

int stc_finish(struct stc_parser *p)
{
    if (p->failed)
        return p->failed;
    if (p->overlong) {
        p->st.lines++;
        diag(p, "line longer than %u bytes", STC_LINE_MAX);
    } else if (p->len) {
        do_line(p, p->line, p->len, true);
    }
    p->len = 0;
    p->overlong = false;
    for (size_t i = 0; i < p->nprocs && !p->failed; i++)
        if (p->procs[i]->live)
            end_proc(p, p->procs[i]);
    if (!p->failed)
        release(p, SIM_TIME_MAX);
    return p->failed;
}

int stc_feed_file(struct stc_parser *p, FILE *f)
{
    char buf[1 << 16];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        int rc = stc_feed(p, buf, n);
        if (rc)
            return rc;
    }
    if (ferror(f))
        return -SIM_EIO;
    return stc_finish(p);
}

const struct stc_stats *stc_stats(const struct stc_parser *p)
{
    return &p->st;
}

size_t stc_unknown_count(const struct stc_parser *p)
{
    return p->nunk + (p->more_unk ? 1 : 0);
}

const char *stc_unknown_name(const struct stc_parser *p, size_t i, uint64_t *count)
{
    if (i >= stc_unknown_count(p))
        return NULL;
    const struct unk *u = i < p->nunk ? &p->unk[i] : &p->unk[STC_UNKNOWN_NAMES];
    if (count)
        *count = u->count;
    return u->name;
}

void stc_domain_from_path(const char *path, char *out, size_t n)
{
    if (!n)
        return;
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    size_t len = strcspn(b, ".");
    size_t k = 0;
    size_t lim = n - 1 < TR_NAME_MAX ? n - 1 : TR_NAME_MAX;
    if (len && !(isalpha((unsigned char)b[0]) || b[0] == '_') && k < lim)
        out[k++] = '_';
    for (size_t i = 0; i < len && k < lim; i++) {
        char ch = b[i];
        out[k++] = (isalnum((unsigned char)ch) || ch == '_' || ch == '-') ? ch : '_';
    }
    out[k] = '\0';
    if (k == 0)
        snprintf(out, n, "%s", "strace");
}
