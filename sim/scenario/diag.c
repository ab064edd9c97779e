/*
 * sim/scenario/diag.c: the scenario loader's diagnostics. Messages are
 * collected with the location they point at (FILE:LINE:COL in the scenario
 * file or a --set argument) and rendered with the source line and a caret;
 * the growable string the loader's text outputs are built in lives here too.
 */
#include "sim/scenario/scn_private.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/err.h"

/* ------------------------------------------------------------------------
 * Sources and diagnostics
 */

void scnp_diags_push(struct ctx *c, const char *file, int line, int col,
                     const char *linetext, size_t linelen, const char *msg)
{
    struct scn_diags *d = c->diags;
    if (d->n >= SCN_MAX_DIAGS) {
        d->truncated = true;
        return;
    }
    /* The same problem reached through several sweep points is said once. */
    char head[1024];
    if (line > 0)
        snprintf(head, sizeof head, "%s:%d:%d: %s", file, line, col, msg);
    else
        snprintf(head, sizeof head, "%s: %s", file, msg);
    for (size_t i = 0; i < d->n; i++)
        if (strcmp(d->v[i].head, head) == 0)
            return;
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 8;
        struct diag *v = realloc(d->v, cap * sizeof *v);
        if (!v) {
            c->oom = true;
            return;
        }
        d->v = v;
        d->cap = cap;
    }
    struct diag *g = &d->v[d->n];
    g->head = strdup(head);
    g->line = linetext ? strndup(linetext, linelen) : NULL;
    g->lineno = line;
    g->col = col;
    if (!g->head || (linetext && !g->line)) {
        free(g->head);
        free(g->line);
        c->oom = true;
        return;
    }
    d->n++;
}

/* Find 1-based line `line` of a source; returns its start and length. */
const char *scnp_src_line(const struct src *src, int line, size_t *len)
{
    if (!src || !src->text || line < 1)
        return NULL;
    const char *p = src->text, *end = src->text + src->len;
    for (int l = 1; l < line; l++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            return NULL;
        p = nl + 1;
    }
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
    if (n && p[n - 1] == '\r')
        n--;
    *len = n;
    return p;
}

void scnp_ref_loc(const struct nref *r, int *line, int *col)
{
    if (r->node) {
        *line = (int)r->node->start_mark.line + r->line0 + 1;
        *col = (int)r->node->start_mark.column + r->col0 + 1;
    } else {
        *line = r->line0 + 1;
        *col = r->col0 + 1;
    }
}

void scnp_verr_at(struct ctx *c, struct src *src, int line, int col,
                  const char *fmt, va_list ap)
{
    char msg[768];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t len = 0;
    const char *lt = scnp_src_line(src, line, &len);
    scnp_diags_push(c, src ? src->name : "?", line, col, lt, len, msg);
}

void scnp_err_at(struct ctx *c, struct src *src, int line, int col,
                 const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    scnp_verr_at(c, src, line, col, fmt, ap);
    va_end(ap);
}

int scnp_err(struct ctx *c, const struct nref *r, const char *fmt, ...)
{
    int line, col;
    scnp_ref_loc(r, &line, &col);
    va_list ap;
    va_start(ap, fmt);
    scnp_verr_at(c, r->src, line, col, fmt, ap);
    va_end(ap);
    return -SIM_EBADINPUT;
}

/* Same, with the caret moved `off` characters into the node's scalar. */
int scnp_err_off(struct ctx *c, const struct nref *r, size_t off,
                 const char *fmt, ...)
{
    int line, col;
    scnp_ref_loc(r, &line, &col);
    /* Quoted scalars start one character before their value. */
    if (r->node && r->node->type == YAML_SCALAR_NODE &&
        (r->node->data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
         r->node->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE))
        col++;
    va_list ap;
    va_start(ap, fmt);
    scnp_verr_at(c, r->src, line, col + (int)off, fmt, ap);
    va_end(ap);
    return -SIM_EBADINPUT;
}

size_t scn_diags_count(const struct scn_diags *d)
{
    return d ? d->n : 0;
}

const char *scn_diags_message(const struct scn_diags *d, size_t i)
{
    return d && i < d->n ? d->v[i].head : NULL;
}

void scn_diags_free(struct scn_diags *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n; i++) {
        free(d->v[i].head);
        free(d->v[i].line);
    }
    free(d->v);
    free(d);
}

void scnp_sb_printf(struct sbuf *b, const char *fmt, ...)
{
    if (b->oom)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        size_t room = b->cap - b->n;
        int k = vsnprintf(b->p ? b->p + b->n : NULL, room, fmt, ap);
        va_end(ap);
        if (k < 0) {
            b->oom = true;
            return;
        }
        if ((size_t)k < room) {
            b->n += (size_t)k;
            return;
        }
        size_t cap = b->cap ? b->cap * 2 : 256;
        while (cap - b->n <= (size_t)k)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
}

char *scnp_sb_take(struct sbuf *b)
{
    if (b->oom) {
        free(b->p);
        return NULL;
    }
    if (!b->p)
        return strdup("");
    return b->p;
}

char *scn_diags_text(const struct scn_diags *d)
{
    struct sbuf b = { 0 };
    for (size_t i = 0; d && i < d->n; i++) {
        const struct diag *g = &d->v[i];
        scnp_sb_printf(&b, "%s\n", g->head);
        if (!g->line)
            continue;
        char num[16];
        snprintf(num, sizeof num, "%d", g->lineno);
        scnp_sb_printf(&b, " %s | %s\n %*s | ", num, g->line, (int)strlen(num), "");
        /* Echo tabs so the caret lines up; count UTF-8 characters, not bytes. */
        int chars = 0;
        for (const unsigned char *q = (const unsigned char *)g->line;
             *q && chars < g->col - 1; q++) {
            if ((*q & 0xC0) == 0x80)
                continue;
            scnp_sb_printf(&b, "%c", *q == '\t' ? '\t' : ' ');
            chars++;
        }
        for (; chars < g->col - 1; chars++)
            scnp_sb_printf(&b, " ");
        scnp_sb_printf(&b, "^\n");
    }
    if (d && d->truncated)
        scnp_sb_printf(&b, "(further errors not shown)\n");
    return scnp_sb_take(&b);
}
