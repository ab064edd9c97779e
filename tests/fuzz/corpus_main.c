/*
 * tests/fuzz/corpus_main.c: run a fuzz target over stored inputs.
 *
 * With arguments, each is a file or a directory of files; without, the
 * target's corpus under $abs_top_srcdir (set by `make check`) plus the
 * example scenarios and the bad-input fixtures. Every input is run once; a
 * crash is the sanitizers' to report, so success here means "no input
 * crashed". Prints how many inputs ran, and fails if none did.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    if (!buf) {
        fclose(f);
        return -1;
    }
    n = fread(buf, 1, cap, f);
    fclose(f);
    LLVMFuzzerTestOneInput(buf, n);
    free(buf);
    return 0;
}

static int run_path(const char *path, long *count)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "corpus: cannot stat %s\n", path);
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        if (run_file(path) == 0)
            (*count)++;
        return 0;
    }
    DIR *d = opendir(path);
    if (!d)
        return -1;
    /* Sorted, so runs are repeatable. */
    struct dirent **names;
    closedir(d);
    int n = scandir(path, &names, NULL, alphasort);
    for (int i = 0; i < n; i++) {
        if (names[i]->d_name[0] != '.') {
            char full[4096];
            snprintf(full, sizeof full, "%s/%s", path, names[i]->d_name);
            if (stat(full, &st) == 0 && S_ISREG(st.st_mode) && run_file(full) == 0)
                (*count)++;
        }
        free(names[i]);
    }
    free(names);
    return n < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
    long count = 0;
    int rc = 0;
    if (argc > 1) {
        for (int i = 1; i < argc; i++)
            rc |= run_path(argv[i], &count);
    } else {
        const char *top = getenv("abs_top_srcdir");
        if (!top)
            top = ".";
        const char *dirs[] = { FUZZ_CORPUS, "scenarios", "tests/bad-input" };
        for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
            char p[4096];
            snprintf(p, sizeof p, "%s/%s", top, dirs[i]);
            rc |= run_path(p, &count);
        }
    }
    printf("%ld inputs ran without a crash\n", count);
    return rc == 0 && count > 0 ? 0 : 1;
}
