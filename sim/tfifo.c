/*
 * sim/tfifo.c: see sim/tfifo.h.
 */
#include "sim/tfifo.h"

#include <stdlib.h>

#include "sim/err.h"

int tfifo_push(struct tfifo *q, sim_time_t t)
{
    if (q->n == q->cap) {
        size_t cap = q->cap ? 2 * q->cap : 64;
        sim_time_t *b = malloc(cap * sizeof *b);
        if (!b)
            return -SIM_ENOMEM;
        for (size_t i = 0; i < q->n; i++)
            b[i] = q->buf[(q->head + i) % q->cap];
        free(q->buf);
        q->buf = b;
        q->head = 0;
        q->cap = cap;
    }
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
