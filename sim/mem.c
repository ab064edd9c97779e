/*
 * sim/mem.c: large-array allocation (see sim/mem.h).
 */
#define _DEFAULT_SOURCE 1
#include "sim/mem.h"

#include <stdlib.h>
#include <sys/mman.h>

#define LINE 64u
#define HUGE_PAGE ((size_t)2 << 20)

void *mem_alloc_big(size_t bytes)
{
    if (bytes < HUGE_PAGE) {
        size_t n = (bytes + LINE - 1) / LINE * LINE;
        return aligned_alloc(LINE, n ? n : LINE);
    }
    size_t n = (bytes + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
    void *p = aligned_alloc(HUGE_PAGE, n);
#ifdef MADV_HUGEPAGE
    /* Only advice: where THP is off this is refused and nothing changes. */
    if (p)
        (void)madvise(p, n, MADV_HUGEPAGE);
#endif
    return p;
}

void mem_free(void *p)
{
    free(p);
}
