/*
 * sim/hash.c: FNV-1a 64 over strings, byte ranges and files (see
 * sim/hash.h).
 */
#include "sim/hash.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "sim/err.h"

#define FNV1A64_PRIME 0x100000001b3ull

uint64_t hash_fnv1a64(const char *s)
{
    uint64_t h = HASH_FNV1A64_BASIS;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= FNV1A64_PRIME;
    }
    return h;
}

uint64_t hash_fnv1a64_update(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= FNV1A64_PRIME;
    }
    return h;
}

int hash_file_fnv1a64(const char *path, uint64_t *digest, uint64_t *bytes)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -SIM_EIO;
    unsigned char *buf = malloc(HASH_FILE_BLOCK);
    if (!buf) {
        fclose(f);
        return -SIM_ENOMEM;
    }
    uint64_t h = HASH_FNV1A64_BASIS, len = 0;
    size_t n;
    errno = 0;
    while ((n = fread(buf, 1, HASH_FILE_BLOCK, f)) > 0) {
        h = hash_fnv1a64_update(h, buf, n);
        len += n;
    }
    int saved = errno;
    bool bad = ferror(f);
    fclose(f);
    free(buf);
    if (bad) {
        errno = saved ? saved : EIO;
        return -SIM_EIO;
    }
    *digest = h;
    *bytes = len;
    return 0;
}
