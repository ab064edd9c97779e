/*
 * sim/cli/cmd_trace_xentrace.c: `xensim trace import xentrace FILE -o OUT
 * [--cpu-hz HZ] [--layout auto|windows|fixed32|fixed64]
 * [--tsc-offset CPU=CYCLES]... [--tsc-skew report|auto|none] [--text] [-q]`:
 * turn a xentrace binary file (Xen's tracer, or `xensim run --xentrace`;
 * FILE `-` is stdin) into a native trace: each vCPU's running periods
 * become COMPUTE records, its blocked periods SLEEP records
 * (traces/xtimport.h for the layouts, the rules and the TSC skew model,
 * docs/traces.md "xentrace import"). Prints a summary: records per event
 * class, lost records, the TSC skew seen in migrations and the offsets that
 * would remove (or, with --tsc-skew auto, removed) it, per domain and vCPU
 * the running, blocked and runnable time.
 *
 * Source: shared/facts/xen-schedulers.md section 6; --cpu-hz defaults to
 * 2.4 GHz as xenalyze does, since no layout records the TSC frequency (a
 * note says so).
 *
 * Exit status: 0; 2 for a usage error, an unreadable, truncated or corrupt
 * FILE (the message names the byte offset; nothing is written), a FILE
 * without scheduler records, or an OUT that cannot be written (removed).
 * Lost records (TRC_LOST_RECORDS) are reported as a warning on stderr and
 * in the summary; the trace is still written (exit 0). So are migrations
 * that go backwards in TSC when the offsets are not applied (--tsc-skew
 * report, the default), with the estimated offsets.
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
#include "traces/trace.h"
#include "traces/xtimport.h"

static int write_rec(void *ctx, const struct tr_record *r)
{
    return tr_write(ctx, r);
}

static bool parse_hz(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || !(v > 0))
        return false;
    if (!strcmp(end, "GHz"))
        v *= 1e9;
    else if (!strcmp(end, "MHz"))
        v *= 1e6;
    else if (!strcmp(end, "kHz"))
        v *= 1e3;
    else if (*end && strcmp(end, "Hz"))
        return false;
    if (v < 1e3 || v > 1e12)
        return false;
    *out = (uint64_t)(v + 0.5);
    return true;
}

/* CPU=CYCLES, CYCLES a signed whole number (an optional "cycles" suffix). */
static bool parse_offset(const char *s, struct xti_offset *out)
{
    char *end;
    errno = 0;
    unsigned long cpu = strtoul(s, &end, 10);
    if (errno || end == s || *end != '=' || *s == '-' || *s == '+' || cpu >= XTI_MAX_CPUS)
        return false;
    const char *v = end + 1;
    long long c = strtoll(v, &end, 10);
    if (errno || end == v || (*end && strcmp(end, "cycles")))
        return false;
    out->cpu = (uint32_t)cpu;
    out->cycles = (int64_t)c;
    return true;
}

static void print_obs(const char *what, const struct xti_skew_obs *o)
{
    printf("  TSC skew%s: %" PRIu64 " migration%s between %" PRIu64 " CPU pair%s, %" PRIu64
           " going backwards", what, o->migrations, o->migrations == 1 ? "" : "s", o->pairs,
           o->pairs == 1 ? "" : "s", o->violations);
    if (o->violations)
        printf(" (by up to %" PRIu64 " cycles)", o->worst);
    if (o->unpaired)
        printf(", %" PRIu64 " stints not paired", o->unpaired);
    if (o->conflict)
        printf(", contradictory (no offsets satisfy them all)");
    printf("\n");
}

/* The skew lines of the summary: what the migrations showed, and the
 * offsets per CPU (given, estimated, applied). */
static void print_skew(struct xti_import *x)
{
    const struct xti_stats *s = xti_stats(x);
    bool auto_ = s->skew_mode == XTI_SKEW_AUTO, given = false, est = false;
    for (size_t i = 0; i < s->ncpus; i++) {
        struct xti_cpu c;
        if (xti_cpu_get(x, i, &c)) {
            given |= c.offset != (auto_ ? c.estimate : 0);
            est |= c.estimate != 0;
        }
    }
    if (s->skew_mode == XTI_SKEW_NONE || s->ncpus < 2) {
        if (!given)
            return;
    } else {
        print_obs(auto_ ? " before correction" : "", &s->skew);
        if (auto_)
            print_obs(" after correction", &s->skew_after);
    }
    if (!given && !est)
        return;
    printf("  %-5s %14s %14s %28s", "cpu", "given_cycles", "estimate", "allowed");
    printf(auto_ ? " %14s\n" : "\n", "applied");
    for (size_t i = 0; i < s->ncpus; i++) {
        struct xti_cpu c;
        if (!xti_cpu_get(x, i, &c))
            break;
        printf("  %-5" PRIu32 " %14" PRId64, c.cpu, c.offset - (auto_ ? c.estimate : 0));
        char r[64] = "-";
        if (!s->skew_estimated) {
            printf(" %14s", "-");
        } else {
            printf(" %14" PRId64, c.estimate);
            if (c.cpu == c.ref) {
                snprintf(r, sizeof r, "reference");
            } else {
                char lo[24] = "-inf", hi[24] = "+inf";
                if (c.has_lo)
                    snprintf(lo, sizeof lo, "%" PRId64, c.lo);
                if (c.has_hi)
                    snprintf(hi, sizeof hi, "%" PRId64, c.hi);
                snprintf(r, sizeof r, "%s..%s vs CPU %" PRIu32, lo, hi, c.ref);
            }
        }
        printf(" %28s", r);
        if (auto_)
            printf(" %14" PRId64, c.offset);
        printf("\n");
    }
}

static void print_summary(const char *in, const char *out, bool text, struct xti_import *x)
{
    const struct xti_stats *s = xti_stats(x);
    const struct tr_header *h = xti_header(x);
    char span[32];
    unit_format_time((double)s->span, span, sizeof span);
    printf("imported %s -> %s (%s)\n", in, out, text ? "text" : "binary");
    printf("  layout %s, %" PRIu64 " bytes, %" PRIu32 " CPU%s", xti_layout_name(s->layout),
           s->bytes, s->ncpus, s->ncpus == 1 ? "" : "s");
    if (s->layout == XTI_WINDOWS)
        printf(", %" PRIu64 " windows", s->windows);
    printf(", span %s at %" PRIu64 " Hz\n", span, h->clock_hz);
    printf("  records %" PRIu64 ":", s->records);
    bool first = true;
    for (int c = 0; c < XTI_C_COUNT; c++)
        if (s->by_class[c]) {
            printf("%s %s %" PRIu64, first ? "" : ",", xti_class_name(c), s->by_class[c]);
            first = false;
        }
    printf("\n");
    printf("  lost records: %" PRIu64 " in %" PRIu64 " TRC_LOST_RECORDS marker%s; wrap "
           "markers skipped: %" PRIu64 "\n", s->lost_records, s->lost_markers,
           s->lost_markers == 1 ? "" : "s", s->wraps);
    printf("  demand from %s; written: compute %" PRIu64 ", sleep %" PRIu64 "\n",
           s->runstate_mode ? "runstate changes" : "switch, block and wake records",
           s->ops[TR_COMPUTE], s->ops[TR_SLEEP]);
    if (s->inconsistent || s->backwards || s->ignored || s->splits)
        printf("  inconsistent changes %" PRIu64 ", TSCs backwards %" PRIu64 ", records "
               "ignored %" PRIu64 ", periods split for ordering %" PRIu64 "\n",
               s->inconsistent, s->backwards, s->ignored, s->splits);
    print_skew(x);
    printf("  %-8s %5s %14s %14s %14s\n", "domain", "vcpu", "run_ns", "block_ns",
           "runnable_ns");
    for (size_t i = 0; i < xti_nvcpus(x); i++) {
        struct xti_vcpu v;
        if (!xti_vcpu_get(x, i, &v))
            break;
        char dn[16];
        if (v.domid == 0)
            snprintf(dn, sizeof dn, "dom0");
        else
            snprintf(dn, sizeof dn, "d%u", (unsigned)v.domid);
        printf("  %-8s %5u %14" PRId64 " %14" PRId64 " %14" PRId64 "\n", dn,
               (unsigned)v.vcpu, v.run, v.block, v.runnable);
    }
}

/* The options into o (offsets into offs, o->noffsets of them); 0, or the
 * usage error's exit status. */
static int parse_args(int argc, char **argv, const char **in, const char **out, bool *text,
                      bool *quiet, struct xti_opts *o, struct xti_offset *offs)
{
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-o") || !strcmp(a, "--cpu-hz") || !strcmp(a, "--layout") ||
            !strcmp(a, "--tsc-offset") || !strcmp(a, "--tsc-skew")) {
            if (i + 1 >= argc)
                return cli_usage_error("trace import xentrace: %s needs a value", a);
            const char *v = argv[++i];
            if (!strcmp(a, "-o")) {
                *out = v;
            } else if (!strcmp(a, "--cpu-hz")) {
                if (!parse_hz(v, &o->cpu_hz))
                    return cli_usage_error("trace import xentrace: invalid --cpu-hz '%s' "
                                           "(a frequency from 1kHz to 1THz, e.g. "
                                           "2400000000 or 2.4GHz)", v);
            } else if (!strcmp(a, "--tsc-offset")) {
                struct xti_offset *n = &offs[o->noffsets];
                if (!parse_offset(v, n))
                    return cli_usage_error("trace import xentrace: invalid --tsc-offset '%s' "
                                           "(CPU=CYCLES: a CPU number below 1024 and a "
                                           "signed whole number of cycles, e.g. 1=-7000)", v);
                for (size_t k = 0; k < o->noffsets; k++)
                    if (offs[k].cpu == n->cpu)
                        return cli_usage_error("trace import xentrace: --tsc-offset '%s' "
                                               "names a CPU given before", v);
                o->noffsets++;
            } else if (!strcmp(a, "--tsc-skew")) {
                if (!strcmp(v, "report"))
                    o->skew = XTI_SKEW_REPORT;
                else if (!strcmp(v, "auto"))
                    o->skew = XTI_SKEW_AUTO;
                else if (!strcmp(v, "none"))
                    o->skew = XTI_SKEW_NONE;
                else
                    return cli_usage_error("trace import xentrace: unknown --tsc-skew '%s' "
                                           "(report, auto, none)", v);
            } else if (!strcmp(v, "auto")) {
                o->layout = XTI_AUTO;
            } else if (!strcmp(v, "windows")) {
                o->layout = XTI_WINDOWS;
            } else if (!strcmp(v, "fixed32")) {
                o->layout = XTI_FIXED32;
            } else if (!strcmp(v, "fixed64")) {
                o->layout = XTI_FIXED64;
            } else {
                return cli_usage_error("trace import xentrace: unknown --layout '%s' (auto, "
                                       "windows, fixed32, fixed64)", v);
            }
        } else if (!strcmp(a, "--text")) {
            *text = true;
        } else if (!strcmp(a, "-q")) {
            *quiet = true;
        } else if (a[0] == '-' && a[1]) {
            return cli_usage_error("trace import xentrace: unknown option '%s'", a);
        } else if (*in) {
            return cli_usage_error("trace import xentrace: unexpected argument '%s'", a);
        } else {
            *in = a;
        }
    }
    if (!*in)
        return cli_usage_error("%s", "trace import xentrace: missing FILE (a xentrace "
                               "binary file, or - for stdin)");
    if (!*out)
        return cli_usage_error("%s", "trace import xentrace: missing -o OUT");
    return 0;
}

static int import(const char *in, const char *out, bool text, bool quiet,
                  const struct xti_opts *o)
{
    bool std = !strcmp(in, "-");
    const char *name = std ? "(stdin)" : in;
    FILE *f = std ? stdin : fopen(in, "rb");
    if (!f) {
        fprintf(stderr, "%s: cannot open: %s\n", in, strerror(errno));
        return EXIT_BADINPUT;
    }
    char err[1024];
    struct xti_import *x = xti_open_file(f, name, o, err, sizeof err);
    if (!x) {
        fprintf(stderr, "%s\n", err);
        return EXIT_BADINPUT;
    }
    const struct tr_header *h = xti_header(x);
    if (h->ndomains == 0) {
        fprintf(stderr, "%s: no scheduler record names a domain (%" PRIu64 " records): "
                "nothing to import\n", name, xti_stats(x)->records);
        xti_close(x);
        return EXIT_BADINPUT;
    }
    if (!o->cpu_hz)
        fprintf(stderr, "note: %s: xentrace files do not record the TSC frequency; "
                "assuming %.1f GHz as xenalyze does (give --cpu-hz)\n", name,
                (double)XTI_DEFAULT_HZ / 1e9);
    struct tr_writer *w = tr_writer_open(out, h, text ? TR_TEXT : TR_BINARY, err, sizeof err);
    if (!w) {
        fprintf(stderr, "%s\n", err);
        xti_close(x);
        return EXIT_BADINPUT;
    }
    int rc = xti_run(x, write_rec, w);
    if (rc < 0) {
        const char *why = tr_writer_error(w);
        fprintf(stderr, "%s\n", xti_error(x));
        if (why && *why)
            fprintf(stderr, "%s: %s\n", out, why);
        tr_writer_close(w);
        unlink(out);
        xti_close(x);
        return EXIT_BADINPUT;
    }
    if (tr_writer_close(w)) {
        fprintf(stderr, "%s: cannot write the trace: %s\n", out, strerror(errno));
        unlink(out);
        xti_close(x);
        return EXIT_BADINPUT;
    }
    const struct xti_stats *s = xti_stats(x);
    if (!quiet)
        print_summary(name, out, text, x);
    if (s->lost_markers)
        fprintf(stderr, "warning: %s: %" PRIu64 " TRC_LOST_RECORDS marker%s %" PRIu64
                " lost record%s: the periods around them may be wrong\n", name,
                s->lost_markers, s->lost_markers == 1 ? " announces" : "s announce",
                s->lost_records, s->lost_records == 1 ? "" : "s");
    if (s->inconsistent)
        fprintf(stderr, "warning: %s: %" PRIu64 " runstate change%s from a state the vCPU "
                "was not in (periods closed at their last confirmation)\n", name,
                s->inconsistent, s->inconsistent == 1 ? "" : "s");
    const struct xti_skew_obs *left = s->skew_mode == XTI_SKEW_AUTO ? &s->skew_after : &s->skew;
    if (left->violations)
        fprintf(stderr, "warning: %s: %" PRIu64 " of %" PRIu64 " migrations go backwards in "
                "TSC by up to %" PRIu64 " cycles: the CPUs' TSCs are skewed%s\n", name,
                left->violations, left->migrations, left->worst,
                s->skew_mode == XTI_SKEW_AUTO ? " even after the correction"
                : s->skew.conflict ? " or drift (the offsets contradict each other)"
                : " (the summary estimates the offsets; --tsc-skew auto applies them)");
    xti_close(x);
    return 0;
}

int cmd_trace_import_xentrace(int argc, char **argv)
{
    const char *in = NULL, *out = NULL;
    bool text = false, quiet = false;
    struct xti_opts o = { .layout = XTI_AUTO, .skew = XTI_SKEW_REPORT };
    struct xti_offset *offs = calloc((size_t)argc + 1, sizeof *offs);
    if (!offs)
        return cli_usage_error("%s", "out of memory");
    o.offsets = offs;
    int rc = parse_args(argc, argv, &in, &out, &text, &quiet, &o, offs);
    if (rc == 0)
        rc = import(in, out, text, quiet, &o);
    free(offs);
    return rc;
}
