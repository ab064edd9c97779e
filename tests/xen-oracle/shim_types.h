/*
 * tests/xen-oracle/shim_types.h: the C headers, the integer types of Xen's
 * headers (u8 ... s64, s_time_t in ns, domid_t) and atomic_t with its
 * plain-int operations (one thread plays every pCPU, so nothing needs to be
 * atomic) that every oracle's shim starts from: shim_common.h (credit34's
 * and sedf45's shims) and xen417/shim.h include it. Written for the
 * oracles; no Xen text.
 */
#ifndef ORACLE_SHIM_TYPES_H
#define ORACLE_SHIM_TYPES_H

#include <inttypes.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint8_t u8;   typedef int8_t s8;
typedef uint16_t u16; typedef int16_t s16;
typedef uint32_t u32; typedef int32_t s32;
typedef uint64_t u64; typedef int64_t s64;
typedef s64 s_time_t;
typedef u16 domid_t;

typedef struct { int counter; } atomic_t;
#define atomic_read(v)          ((v)->counter)
#define atomic_set(v, i)        ((v)->counter = (i))
#define atomic_add(i, v)        ((v)->counter += (i))
#define atomic_sub(i, v)        ((v)->counter -= (i))
#define atomic_inc(v)           ((v)->counter++)
#define atomic_dec_and_test(v)  (--(v)->counter == 0)

#endif
