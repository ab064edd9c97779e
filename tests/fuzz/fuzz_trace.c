/*
 * tests/fuzz/fuzz_trace.c: fuzz target for the native trace reader
 * (traces/trace.c), both encodings.
 *
 * libFuzzer calls LLVMFuzzerTestOneInput with arbitrary bytes, read as a
 * trace from memory (fmemopen). The reader must either read it to a clean
 * end or report an error, and never crash, hang or leak. When it reads to
 * the end, two invariants are checked (abort() on failure, which the fuzzer
 * reports as a crash): a rewind reads the same records again, and the
 * writer accepts every record the reader accepted (both encodings, into
 * /dev/null). Built two ways: with clang -fsanitize=fuzzer by scripts/fuzz,
 * and with tests/fuzz/corpus_main.c into a plain program that `make check`
 * runs over tests/fuzz/corpus-trace.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "traces/trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_RECORDS 200000                  /* per pass, to bound the time of one input */

/* Read up to MAX_RECORDS; a hash of what was read in *hash. */
static int read_all(struct tr_reader *r, long *count, uint64_t *hash, struct tr_writer *w[2])
{
    struct tr_record rec;
    uint64_t h = 1469598103934665603u;
    int rc;
    *count = 0;
    while (*count < MAX_RECORDS && (rc = tr_read(r, &rec)) == 1) {
        uint64_t v[6] = { (uint64_t)rec.t, rec.dom, rec.vcpu, rec.op | (uint64_t)rec.flags << 8,
                          rec.a, rec.b };
        for (int i = 0; i < 6; i++)
            h = (h ^ v[i]) * 1099511628211u;
        for (int i = 0; i < 2; i++)
            if (w[i] && tr_write(w[i], &rec) != 0)
                abort();                    /* the reader accepted what the writer rejects */
        (*count)++;
    }
    *hash = h;
    return *count >= MAX_RECORDS ? 1 : rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 20)
        return 0;
    /* fmemopen wants a non-empty writable-looking buffer; copy. */
    char *buf = malloc(size + 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    FILE *f = size ? fmemopen(buf, size, "rb") : fopen("/dev/null", "rb");
    if (!f) {
        free(buf);
        return 0;
    }
    char err[512];
    struct tr_reader *r = tr_reader_open_file(f, "fuzz", err, sizeof err);
    if (!r) {
        if (!err[0])
            abort();                        /* a failure must say why */
        free(buf);
        return 0;
    }
    struct tr_writer *w[2] = {
        tr_writer_open("/dev/null", tr_reader_header(r), TR_BINARY, err, sizeof err),
        tr_writer_open("/dev/null", tr_reader_header(r), TR_TEXT, err, sizeof err),
    };
    if (!w[0] || !w[1])
        abort();                            /* the reader accepted a header the writer rejects */
    long n1, n2;
    uint64_t h1, h2;
    int rc = read_all(r, &n1, &h1, w);
    if (rc < 0 && !tr_reader_error(r)[0])
        abort();
    if (rc == 0) {
        struct tr_writer *none[2] = { NULL, NULL };
        if (tr_rewind(r) != 0 || read_all(r, &n2, &h2, none) != 0 || n1 != n2 || h1 != h2)
            abort();                        /* a rewind must read the same records */
    }
    tr_writer_close(w[0]);
    tr_writer_close(w[1]);
    tr_reader_close(r);
    free(buf);
    return 0;
}
