/*
 * sim/mem.h: allocation of the large arrays behind the event queue.
 *
 * A future-event set of a million entries spreads its heap and slot table
 * over tens of MiB and is read at random: with 4 KiB pages nearly every
 * access misses the TLB too. Arrays of 2 MiB or more are therefore aligned
 * to 2 MiB and marked for transparent huge pages (madvise MADV_HUGEPAGE,
 * where the system offers it; Debian's default THP mode is "madvise").
 * Smaller arrays are plain 64-byte aligned allocations.
 */
#ifndef XENSIM_SIM_MEM_H
#define XENSIM_SIM_MEM_H

#include <stddef.h>

/* Allocate bytes, 64-byte aligned (2 MiB aligned and huge-page advised when
 * large). NULL if out of memory. Free with mem_free. */
void *mem_alloc_big(size_t bytes);

void mem_free(void *p);

#endif
