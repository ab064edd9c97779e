/*
 * tests/test_hash.c: sim/hash: FNV-1a 64 against the published test vectors
 * of its authors (the empty string, "a", "foobar"), the streamed update
 * against the string form, and the file digest against both, for files
 * shorter than, equal to and longer than one read block, an empty file
 * and a missing one.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/err.h"
#include "sim/hash.h"
#include "tests/check_util.h"

START_TEST(known_vectors)
{
    ck_assert_uint_eq(hash_fnv1a64(""), 0xcbf29ce484222325ull);
    ck_assert_uint_eq(hash_fnv1a64("a"), 0xaf63dc4c8601ec8cull);
    ck_assert_uint_eq(hash_fnv1a64("foobar"), 0x85944171f73967e8ull);
    uint64_t h = hash_fnv1a64_update(HASH_FNV1A64_BASIS, "foo", 3);
    ck_assert_uint_eq(hash_fnv1a64_update(h, "bar", 3), 0x85944171f73967e8ull);
}
END_TEST

START_TEST(file_digest_streams)
{
    char path[] = "/tmp/xs-hash-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    const size_t sizes[] = { 0, 1, HASH_FILE_BLOCK - 1, HASH_FILE_BLOCK, HASH_FILE_BLOCK + 1,
                             3 * HASH_FILE_BLOCK + 17 };
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t n = sizes[k];
        unsigned char *b = malloc(n ? n : 1);
        ck_assert_ptr_nonnull(b);
        for (size_t i = 0; i < n; i++)
            b[i] = (unsigned char)(i * 131 + k);
        FILE *f = fopen(path, "wb");
        ck_assert_ptr_nonnull(f);
        ck_assert_uint_eq(fwrite(b, 1, n, f), n);
        ck_assert_int_eq(fclose(f), 0);
        uint64_t d = 0, len = 99;
        ck_assert_int_eq(hash_file_fnv1a64(path, &d, &len), 0);
        ck_assert_uint_eq(len, n);
        ck_assert_uint_eq(d, hash_fnv1a64_update(HASH_FNV1A64_BASIS, b, n));
        free(b);
    }
    remove(path);
    uint64_t d, len;
    errno = 0;
    ck_assert_int_eq(hash_file_fnv1a64(path, &d, &len), -SIM_EIO);
    ck_assert_int_eq(errno, ENOENT);
    ck_assert_int_eq(hash_file_fnv1a64("/", &d, &len), -SIM_EIO);
    ck_assert_int_eq(errno, EISDIR);
}
END_TEST

static Suite *hash_suite(void)
{
    Suite *s = suite_create("hash");
    TCase *tc = xs_tcase(s, "fnv1a64", 10);
    tcase_add_test(tc, known_vectors);
    tcase_add_test(tc, file_digest_streams);
    return s;
}

XS_CHECK_MAIN(hash_suite)
