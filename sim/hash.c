/*
 * sim/hash.c: FNV-1a 64 (see sim/hash.h).
 */
#include "sim/hash.h"

uint64_t hash_fnv1a64(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ull;
    }
    return h;
}
