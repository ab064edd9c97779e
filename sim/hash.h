/*
 * sim/hash.h: the one string hash of xensim.
 *
 * FNV-1a, 64 bits (Fowler, Noll, Vo; offset basis 0xcbf29ce484222325, prime
 * 0x100000001b3). It names RNG streams (sim/rng.c) and identifies scenarios
 * (the hash of their canonical form, sim/scenario.c), so its output is part
 * of the reproducibility contract: it must never change.
 */
#ifndef XENSIM_SIM_HASH_H
#define XENSIM_SIM_HASH_H

#include <stdint.h>

uint64_t hash_fnv1a64(const char *s);

#endif
