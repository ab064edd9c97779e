/*
 * sim/tfifo.c: see sim/tfifo.h.
 */
#include "sim/tfifo.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "sim/err.h"

int tfifo_grow(void **buf, size_t elem, size_t *head, size_t n, size_t *cap, size_t first_cap)
{
    if (n < *cap)
        return 0;
    /* More elements than slots, or a head past the end, and the copies
     * below would read outside the old buffer. */
    assert(n == *cap && (*cap == 0 || *head < *cap));
    size_t ncap = *cap ? 2 * *cap : first_cap;
    char *b = malloc(ncap * elem);
    if (!b)
        return -SIM_ENOMEM;
    const char *old = *buf;
    /* The n elements run from head to the end, then wrap to index 0. */
    size_t tail = *cap - *head < n ? *cap - *head : n;
    if (n) {
        memcpy(b, old + *head * elem, tail * elem);
        memcpy(b + tail * elem, old, (n - tail) * elem);
    }
    free(*buf);
    *buf = b;
    *head = 0;
    *cap = ncap;
    return 0;
}

int tfifo_push(struct tfifo *q, sim_time_t t)
{
    void *buf = q->buf;
    int rc = tfifo_grow(&buf, sizeof *q->buf, &q->head, q->n, &q->cap, 64);
    if (rc < 0)
        return rc;
    q->buf = buf;
    q->buf[(q->head + q->n) % q->cap] = t;
    q->n++;
    return 0;
}

void tfifo_free(struct tfifo *q)
{
    if (!q)
        return;
    free(q->buf);
    *q = (struct tfifo){ 0 };
}
