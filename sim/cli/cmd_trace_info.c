/*
 * sim/cli/cmd_trace_info.c: `xensim trace info FILE` (print a trace's header,
 * its records per domain and op, and its time span, reading and so
 * validating the whole file) and `xensim trace convert IN -o OUT [--text |
 * --binary]` (re-encode a trace exactly; binary -> text -> binary gives a
 * byte-identical file). Formats and messages: docs/traces.md. A bad trace
 * exits 2 with the reader's message; convert then removes its partial
 * output.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/cli/cli.h"
#include "sim/units.h"
#include "sim/err.h"
#include "traces/trace.h"

static void print_span(const char *label, sim_time_t ns)
{
    char buf[32];
    unit_format_time((double)ns, buf, sizeof buf);
    printf("  %-9s %" PRId64 " ns (%s)\n", label, ns, buf);
}

int cmd_trace_info(int argc, char **argv)
{
    const char *path = NULL;
    for (int i = 0; i < argc; i++) {
        if (argv[i][0] == '-' && argv[i][1])
            return cli_usage_error("trace info: unknown option '%s'", argv[i]);
        if (path)
            return cli_usage_error("trace info: unexpected argument '%s'", argv[i]);
        path = argv[i];
    }
    if (!path)
        return cli_usage_error("%s", "trace info: missing FILE");
    char err[512];
    struct tr_reader *r = tr_reader_open(path, err, sizeof err);
    if (!r) {
        fprintf(stderr, "%s\n", err);
        return EXIT_BADINPUT;
    }
    const struct tr_header *h = tr_reader_header(r);
    uint64_t *counts = calloc((size_t)h->ndomains * TR_OP_COUNT, sizeof *counts);
    if (!counts) {
        tr_reader_close(r);
        fprintf(stderr, "xensim trace info: out of memory\n");
        return EXIT_BADINPUT;
    }
    struct tr_record rec;
    uint64_t total = 0;
    sim_time_t first = 0, last = 0;
    int rc;
    while ((rc = tr_read(r, &rec)) == 1) {
        if (total++ == 0)
            first = rec.t;
        last = rec.t;
        counts[(size_t)rec.dom * TR_OP_COUNT + rec.op]++;
        if (cli_interrupted)
            break;
    }
    if (rc < 0) {
        fprintf(stderr, "%s\n", tr_reader_error(r));
        free(counts);
        tr_reader_close(r);
        return EXIT_BADINPUT;
    }
    printf("trace     %s\n", path);
    printf("encoding  %s\n", tr_reader_encoding(r) == TR_BINARY ? "binary" : "text");
    printf("version   %" PRIu32 "\n", h->version);
    printf("clock_hz  %" PRIu64 "%s\n", h->clock_hz, h->clock_hz ? "" : " (unknown)");
    printf("source    %s\n", h->source[0] ? h->source : "-");
    printf("domains   %" PRIu32 "\n", h->ndomains);
    printf("records   %" PRIu64 "\n", total);
    printf("time\n");
    print_span("first", first);
    print_span("last", last);
    print_span("duration", last - first);
    printf("\n%-16s %6s", "domain", "vcpus");
    for (int op = 1; op < TR_OP_COUNT; op++)
        printf(" %10s", tr_op_name(op));
    printf(" %12s\n", "total");
    for (uint32_t d = 0; d < h->ndomains; d++) {
        uint64_t sum = 0;
        printf("%-16s %6" PRIu32, h->domains[d].name, h->domains[d].vcpus);
        for (int op = 1; op < TR_OP_COUNT; op++) {
            uint64_t c = counts[(size_t)d * TR_OP_COUNT + op];
            sum += c;
            printf(" %10" PRIu64, c);
        }
        printf(" %12" PRIu64 "\n", sum);
    }
    free(counts);
    tr_reader_close(r);
    return 0;
}

int cmd_trace_convert(int argc, char **argv)
{
    const char *in = NULL, *out = NULL;
    enum tr_encoding enc = TR_BINARY;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            if (i + 1 >= argc)
                return cli_usage_error("trace convert: %s needs a file", a);
            out = argv[++i];
        } else if (!strcmp(a, "--text"))
            enc = TR_TEXT;
        else if (!strcmp(a, "--binary"))
            enc = TR_BINARY;
        else if (a[0] == '-' && a[1])
            return cli_usage_error("trace convert: unknown option '%s'", a);
        else if (in)
            return cli_usage_error("trace convert: unexpected argument '%s'", a);
        else
            in = a;
    }
    if (!in)
        return cli_usage_error("%s", "trace convert: missing IN (the trace to convert)");
    if (!out)
        return cli_usage_error("%s", "trace convert: missing -o OUT");
    struct stat si, so;
    if (stat(in, &si) == 0 && stat(out, &so) == 0 && si.st_dev == so.st_dev &&
        si.st_ino == so.st_ino)
        return cli_usage_error("trace convert: '%s' is both input and output", out);
    char err[512];
    struct tr_reader *r = tr_reader_open(in, err, sizeof err);
    if (!r) {
        fprintf(stderr, "%s\n", err);
        return EXIT_BADINPUT;
    }
    cli_catch_signals();
    struct tr_writer *w = tr_writer_open(out, tr_reader_header(r), enc, err, sizeof err);
    if (!w) {
        fprintf(stderr, "xensim trace convert: %s\n", err);
        tr_reader_close(r);
        return EXIT_BADINPUT;
    }
    struct tr_record rec;
    int rc;
    while ((rc = tr_read(r, &rec)) == 1 && !cli_interrupted) {
        rc = tr_write(w, &rec);
        if (rc) {
            /* The reader validates what the writer does; only I/O fails here. */
            fprintf(stderr, "xensim trace convert: %s: %s\n", out, tr_writer_error(w));
            break;
        }
    }
    int status = 0;
    if (rc < 0 && tr_reader_error(r)[0]) {
        fprintf(stderr, "%s\n", tr_reader_error(r));
        status = EXIT_BADINPUT;
    } else if (rc != 0 && !cli_interrupted)
        status = EXIT_BADINPUT;
    if (cli_interrupted)
        status = EXIT_INTERRUPTED;
    int crc = tr_writer_close(w);
    if (!status && crc) {
        fprintf(stderr, "xensim trace convert: %s: %s\n", out, sim_strerror(crc));
        status = EXIT_BADINPUT;
    }
    tr_reader_close(r);
    if (status)
        unlink(out);
    return status;
}
