/*
 * sim/cli/cmd_trace_strace.c: `xensim trace import strace FILE -o OUT
 * [--domain NAME] [--text] [-q]`: turn `strace -f -ttt -T` output into a
 * native trace (traces/strace.h for the mapping, docs/traces.md "strace
 * import" for the rules and messages) and print a summary: records per op,
 * syscalls mapped, unknown syscalls with counts, lines skipped.
 *
 * The trace's header needs the number of vCPUs (one per traced pid) before
 * the first record, so the capture is read twice: once to count pids and
 * report bad lines, once to write. Memory stays independent of its length.
 *
 * Exit status: 0; 2 for a usage error, an unreadable FILE, a FILE with no
 * syscall at all (nothing written), or an OUT that cannot be written (it is
 * removed). Lines that cannot be parsed are reported as FILE:LINE: message
 * (the first 20; then a count) and skipped; the trace is still written from
 * the rest, but the exit status is 2 so that scripts notice.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/cli/cli.h"
#include "sim/units.h"
#include "sim/err.h"
#include "traces/strace.h"
#include "traces/trace.h"

#define MAX_SHOWN 20                /* bad-line messages printed */

struct diag_ctx {
    const char *path;
    uint64_t shown;
};

static void print_diag(void *ctx, uint64_t line, const char *msg)
{
    struct diag_ctx *d = ctx;
    if (d->shown++ < MAX_SHOWN)
        fprintf(stderr, "%s:%" PRIu64 ": %s\n", d->path, line, msg);
}

static int write_rec(void *ctx, const struct tr_record *r)
{
    return tr_write(ctx, r);
}

static bool valid_domain(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > TR_NAME_MAX)
        return false;
    if (!((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return false;
    }
    return true;
}

static void human_bytes(uint64_t b, char *buf, size_t n)
{
    if (b >= 1024 * 1024)
        snprintf(buf, n, "%.2f MiB", (double)b / (1024.0 * 1024.0));
    else if (b >= 1024)
        snprintf(buf, n, "%.1f KiB", (double)b / 1024.0);
    else
        snprintf(buf, n, "%" PRIu64 " B", b);
}

static void print_summary(const char *in, const char *out, const char *dom, bool text,
                          const struct stc_parser *p)
{
    const struct stc_stats *s = stc_stats(p);
    char span[32], rd[32], wr[32], rx[32], tx[32];
    unit_format_time((double)s->span, span, sizeof span);
    human_bytes(s->read_bytes, rd, sizeof rd);
    human_bytes(s->write_bytes, wr, sizeof wr);
    human_bytes(s->recv_bytes, rx, sizeof rx);
    human_bytes(s->send_bytes, tx, sizeof tx);
    printf("imported %s -> %s (%s)\n", in, out, text ? "text" : "binary");
    printf("  domain %s: %" PRIu32 " vCPU%s (%" PRIu32 " pid%s%s), span %s\n", dom, s->vcpus,
           s->vcpus == 1 ? "" : "s", s->pids, s->pids == 1 ? "" : "s",
           s->pids > s->vcpus ? ", folded onto the vCPUs" : "", span);
    printf("  lines %" PRIu64 ": syscalls %" PRIu64 ", signals %" PRIu64 ", exits %" PRIu64
           ", notes %" PRIu64 ", skipped %" PRIu64 "\n", s->lines, s->syscalls, s->signals,
           s->exits, s->notes, s->skipped);
    printf("  syscalls: mapped %" PRIu64 ", other %" PRIu64 " (%" PRIu64 " failed; time as "
           "compute), unknown %" PRIu64 ", unmatched unfinished/resumed %" PRIu64 "\n",
           s->mapped, s->other, s->failed, s->unknown, s->unmatched);
    uint64_t total = 0;
    for (int op = 1; op < TR_OP_COUNT; op++)
        total += s->records[op];
    printf("  records %" PRIu64 ":", total);
    for (int op = 1; op < TR_OP_COUNT; op++)
        printf(" %s %" PRIu64 "%s", tr_op_name(op) ? tr_op_name(op) : "?", s->records[op],
               op + 1 < TR_OP_COUNT ? "," : "\n");
    printf("  block I/O: %s read, %s written; network: %s received, %s sent\n", rd, wr, rx, tx);
    if (s->clamped)
        printf("  %" PRIu64 " records moved later to keep time order (out-of-order lines)\n",
               s->clamped);
    size_t nu = stc_unknown_count(p);
    if (nu) {
        printf("  unknown syscalls:");
        for (size_t i = 0; i < nu; i++) {
            uint64_t c = 0;
            const char *name = stc_unknown_name(p, i, &c);
            printf(" %s %" PRIu64 "%s", name, c, i + 1 < nu ? "," : "\n");
        }
    }
}

int cmd_trace_import_strace(int argc, char **argv)
{
    const char *in = NULL, *out = NULL, *dom = NULL;
    bool text = false, quiet = false;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-o") || !strcmp(a, "--domain")) {
            if (i + 1 >= argc)
                return cli_usage_error("trace import strace: %s needs a value", a);
            if (a[1] == 'o')
                out = argv[++i];
            else
                dom = argv[++i];
        } else if (!strcmp(a, "--text")) {
            text = true;
        } else if (!strcmp(a, "-q")) {
            quiet = true;
        } else if (a[0] == '-' && a[1]) {
            return cli_usage_error("trace import strace: unknown option '%s'", a);
        } else if (in) {
            return cli_usage_error("trace import strace: unexpected argument '%s'", a);
        } else {
            in = a;
        }
    }
    if (!in)
        return cli_usage_error("%s", "trace import strace: missing FILE (strace -f -ttt -T "
                               "output)");
    if (!out)
        return cli_usage_error("%s", "trace import strace: missing -o OUT");
    char name[TR_NAME_MAX + 1];
    if (dom) {
        if (!valid_domain(dom))
            return cli_usage_error("trace import strace: invalid domain name '%s': use "
                                   "letters, digits, '_' and '-', starting with a letter or "
                                   "'_', at most 63 characters", dom);
        snprintf(name, sizeof name, "%s", dom);
    } else {
        stc_domain_from_path(in, name, sizeof name);
    }

    FILE *f = fopen(in, "rb");
    if (!f) {
        fprintf(stderr, "%s: cannot open: %s\n", in, strerror(errno));
        return EXIT_BADINPUT;
    }
    /* Pass 1: count pids, report bad lines. */
    struct diag_ctx dc = { in, 0 };
    struct stc_parser *p = stc_new(0, NULL, print_diag, &dc);
    if (!p) {
        fclose(f);
        fprintf(stderr, "xensim trace import strace: out of memory\n");
        return EXIT_BADINPUT;
    }
    int rc = stc_feed_file(p, f);
    if (rc) {
        fprintf(stderr, "%s: cannot read: %s\n", in, rc == -SIM_EIO ? strerror(errno)
                                                                    : sim_strerror(rc));
        stc_free(p);
        fclose(f);
        return EXIT_BADINPUT;
    }
    struct stc_stats st1 = *stc_stats(p);
    stc_free(p);
    if (dc.shown > MAX_SHOWN)
        fprintf(stderr, "%s: %" PRIu64 " more unparseable lines not shown\n", in,
                dc.shown - MAX_SHOWN);
    if (st1.syscalls == 0) {
        if (st1.lines == 0)
            fprintf(stderr, "%s: the file is empty: no syscall to import\n", in);
        else
            fprintf(stderr, "%s: no syscall found in %" PRIu64 " line%s: not strace -f -ttt "
                    "-T output\n", in, st1.lines, st1.lines == 1 ? "" : "s");
        fclose(f);
        return EXIT_BADINPUT;
    }

    /* Pass 2: write. */
    struct tr_domain d = { .vcpus = st1.vcpus };
    snprintf(d.name, sizeof d.name, "%s", name);
    struct tr_header h = { .version = TR_VERSION, .clock_hz = 0, .ndomains = 1, .domains = &d };
    snprintf(h.source, sizeof h.source, "%s", "strace");
    char err[512];
    struct tr_writer *w = tr_writer_open(out, &h, text ? TR_TEXT : TR_BINARY, err, sizeof err);
    if (!w) {
        fprintf(stderr, "%s\n", err);
        fclose(f);
        return EXIT_BADINPUT;
    }
    p = stc_new(0, write_rec, NULL, w);
    rc = !p ? -SIM_ENOMEM : fseek(f, 0, SEEK_SET) ? -SIM_EIO : stc_feed_file(p, f);
    fclose(f);
    if (rc) {
        const char *why = tr_writer_error(w);
        fprintf(stderr, "%s: cannot write the trace: %s\n", out,
                why && *why ? why : sim_strerror(rc));
        tr_writer_close(w);
        unlink(out);
        stc_free(p);
        return EXIT_BADINPUT;
    }
    if (tr_writer_close(w)) {
        fprintf(stderr, "%s: cannot write the trace: %s\n", out, strerror(errno));
        unlink(out);
        stc_free(p);
        return EXIT_BADINPUT;
    }
    if (!quiet)
        print_summary(in, out, name, text, p);
    stc_free(p);
    if (st1.skipped) {
        fprintf(stderr, "%s: %" PRIu64 " line%s could not be parsed and %s skipped; %s holds "
                "the rest\n", in, st1.skipped, st1.skipped == 1 ? "" : "s",
                st1.skipped == 1 ? "was" : "were", out);
        return EXIT_BADINPUT;
    }
    return 0;
}
