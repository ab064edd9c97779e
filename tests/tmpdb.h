/*
 * tests/tmpdb.h: a temporary directory for the results databases of the
 * store and run tests (tests/test_store.c, tests/test_run.c).
 *
 * Make it and remove it in an unchecked fixture (run by the parent process),
 * so it goes even when a test fails:
 *     static void setup(void) { tmpdb_make("xs_store"); }
 *     tcase_add_unchecked_fixture(tc, setup, tmpdb_remove);
 * The directory is $TMPDIR/PREFIX_XXXXXX (/tmp without TMPDIR); the tests of
 * one case share it and use distinct file names. Header only, like
 * tests/check_util.h: one directory per test program.
 */
#ifndef XENSIM_TESTS_TMPDB_H
#define XENSIM_TESTS_TMPDB_H

#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tmpdb_dir[512];

/* Make the directory $TMPDIR/PREFIX_XXXXXX (aborts the test on failure). */
static inline void tmpdb_make(const char *prefix)
{
    const char *base = getenv("TMPDIR");
    snprintf(tmpdb_dir, sizeof tmpdb_dir, "%s/%s_XXXXXX", base && *base ? base : "/tmp",
             prefix);
    ck_assert_ptr_nonnull(mkdtemp(tmpdb_dir));
}

/* Remove the directory and the files in it (not subdirectories). */
static inline void tmpdb_remove(void)
{
    DIR *d = opendir(tmpdb_dir);
    if (!d)
        return;
    struct dirent *e;
    char p[1024];
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(p, sizeof p, "%s/%s", tmpdb_dir, e->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(tmpdb_dir);
}

/* The path of file `name` in the directory; valid until four more calls. */
static inline const char *tmpdb_path(const char *name)
{
    static char p[4][1024];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/%s", tmpdb_dir, name);
    return p[k];
}

#endif
