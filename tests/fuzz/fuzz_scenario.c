/*
 * tests/fuzz/fuzz_scenario.c: fuzz target for the scenario loader.
 *
 * libFuzzer calls LLVMFuzzerTestOneInput with arbitrary bytes; the loader
 * must either accept them or produce diagnostics, and never crash, hang or
 * leak. The first byte picks whether one or two --set options (taken from
 * the input's last line) are applied too, so the override path is fuzzed
 * alongside the file. Built two ways: with clang -fsanitize=fuzzer by
 * scripts/fuzz, and with tests/fuzz/corpus_main.c into a plain program that
 * `make check` runs over the stored corpus.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16)
        return 0;
    const char *text = (const char *)data;
    char set[256] = "";
    const char *sets[1] = { set };
    struct scn_load_opts opts = { .sets = sets, .nsets = 0, .sweep_index = NULL };
    if (size > 0 && (data[0] & 1)) {
        /* The last line, if short, doubles as a --set argument. */
        const char *nl = memchr(text, '\n', size);
        const char *last = text;
        for (const char *p = nl; p && p + 1 < text + size;
             p = memchr(p + 1, '\n', (size_t)(text + size - p - 1)))
            last = p + 1;
        size_t n = (size_t)(text + size - last);
        if (n < sizeof set && !memchr(last, '\0', n)) {
            memcpy(set, last, n);
            set[n] = '\0';
            opts.nsets = 1;
        }
    }
    struct scn_diags *d = NULL;
    struct scn *s = scn_load_buffer("fuzz.yaml", text, size, &opts, &d);
    if (s) {
        char *canon = scn_canonical(s);
        free(canon);
        scn_free(s);
    } else {
        char *msg = scn_diags_text(d);
        free(msg);
        scn_diags_free(d);
    }
    return 0;
}
