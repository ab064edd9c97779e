/*
 * sim/hash.h: the one hash of xensim.
 *
 * FNV-1a, 64 bits (Fowler, Noll, Vo; offset basis 0xcbf29ce484222325, prime
 * 0x100000001b3). It names RNG streams (sim/rng.c) and identifies scenarios
 * (the hash of their canonical form, sim/scenario/), so its output is part
 * of the reproducibility contract: it must never change.
 *
 * The same function over a file's bytes is the digest of the files a
 * scenario reads (traces), which its canonical form records beside the
 * file's length. It is there to notice a file that changed by accident (a
 * trace replaced, cut short, re-recorded): each step of FNV-1a is a
 * bijection of the state for a given byte, so two files of the same length
 * that differ in exactly one byte always differ in digest, a change of
 * length is caught by the length, and two unrelated files of the same
 * length collide with a chance of about 2^-64. It is not a cryptographic
 * hash: a file crafted to collide is easy to make, and is not guarded
 * against.
 */
#ifndef XENSIM_SIM_HASH_H
#define XENSIM_SIM_HASH_H

#include <stddef.h>
#include <stdint.h>

#define HASH_FNV1A64_BASIS 0xcbf29ce484222325ull

uint64_t hash_fnv1a64(const char *s);

/* Continue a hash (start from HASH_FNV1A64_BASIS) over n bytes at p;
 * hash_fnv1a64(s) is hash_fnv1a64_update(HASH_FNV1A64_BASIS, s, strlen(s)). */
uint64_t hash_fnv1a64_update(uint64_t h, const void *p, size_t n);

/*
 * The FNV-1a 64 of the bytes of the file at path, read in blocks of
 * HASH_FILE_BLOCK bytes (memory does not depend on the file's length), and
 * its length in bytes. 0, -SIM_ENOMEM, or -SIM_EIO with errno saying why
 * the file could not be opened or read.
 */
#define HASH_FILE_BLOCK 65536
int hash_file_fnv1a64(const char *path, uint64_t *digest, uint64_t *bytes);

#endif
