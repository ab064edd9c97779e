/*
 * sim/scenario.c: the scenario loader.
 *
 * The YAML file is read whole with libyaml's document API (scenarios are
 * small; traces, which are large, are never YAML) and walked against tables
 * that say, for every mapping, which keys exist, how each value is parsed
 * and where it is stored. The walk is schema-first: a key that is not in
 * the table is an error that names the nearest valid key, and a value is
 * parsed by the handler of its key, so "10" for a time is refused for want
 * of a unit rather than guessed at.
 *
 * Overrides (--set and the values of a sweep point) are not applied by
 * editing the document. Each override is a path plus a value node (parsed
 * from the argument, or a node of the file's own sweep block); when the walk
 * reaches a mapping, overrides whose path names one of its keys replace that
 * key's value, or add the key if absent. So an override is validated by the
 * same handler as the file, and an error in it points at the argument or
 * sweep entry that supplied it. Overrides may add keys to fixed mappings but
 * never invent a new domain or device: a misspelt name there is an error.
 *
 * Errors are collected (up to SCN_MAX_DIAGS) rather than stopping at the
 * first, so one run of `xensim check` shows everything that is wrong.
 */
#include "sim/scenario.h"

#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "sim/clock.h"
#include "sim/err.h"
#include "sim/hash.h"

#define SCN_MAX_DIAGS 20
#define SCN_MAX_SWEEP_CHECK 4096   /* sweep points validated one by one */
#define SCN_NAME_MAX 63

const char *const scn_sched_names[] = { "rr", "bvt", "atropos", NULL };

/* ------------------------------------------------------------------------
 * Sources and diagnostics
 */

/* A text that locations point into: the scenario file or one --set argument. */
struct src {
    char *name;                     /* file path, or "--set" */
    char *text;
    size_t len;
    struct src *next;               /* list owned by the loader context */
};

struct diag {
    char *head;                     /* "FILE:LINE:COL: message" */
    char *line;                     /* source line, NULL if unknown */
    int lineno;                     /* 1-based line number */
    int col;                        /* 1-based column of the caret */
};

struct scn_diags {
    struct diag *v;
    size_t n, cap;
    bool truncated;
};

/* A reference to a YAML node together with what its marks are relative to.
 * node == NULL stands for an absent mapping (created by an override path);
 * then line0/col0 are the absolute 0-based location to report. */
struct nref {
    yaml_document_t *doc;
    yaml_node_t *node;
    struct src *src;
    int line0, col0;                /* added to the node's marks */
};

struct override {
    char *path;                     /* dotted path */
    struct nref key;                /* where the path was written (node may be NULL) */
    struct nref val;
    bool used;
};

struct ctx {
    struct scn *s;
    struct scn_diags *diags;
    struct src *srcs;
    yaml_document_t *docs[64];      /* override documents to free */
    int ndocs;
    struct override *ovr;
    int novr;
    char path[512];                 /* dotted path of the mapping being walked */
    struct walk *w;                 /* state of the walk in progress */
    struct scn_file *seen;          /* files digested by this load, each read once */
    int nseen;
    bool oom;
};

static void diags_push(struct ctx *c, const char *file, int line, int col,
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
static const char *src_line(const struct src *src, int line, size_t *len)
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

static void ref_loc(const struct nref *r, int *line, int *col)
{
    if (r->node) {
        *line = (int)r->node->start_mark.line + r->line0 + 1;
        *col = (int)r->node->start_mark.column + r->col0 + 1;
    } else {
        *line = r->line0 + 1;
        *col = r->col0 + 1;
    }
}

static void verr_at(struct ctx *c, struct src *src, int line, int col,
                    const char *fmt, va_list ap)
{
    char msg[768];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t len = 0;
    const char *lt = src_line(src, line, &len);
    diags_push(c, src ? src->name : "?", line, col, lt, len, msg);
}

static void err_at(struct ctx *c, struct src *src, int line, int col,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void err_at(struct ctx *c, struct src *src, int line, int col,
                   const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verr_at(c, src, line, col, fmt, ap);
    va_end(ap);
}

static int err(struct ctx *c, const struct nref *r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int err(struct ctx *c, const struct nref *r, const char *fmt, ...)
{
    int line, col;
    ref_loc(r, &line, &col);
    va_list ap;
    va_start(ap, fmt);
    verr_at(c, r->src, line, col, fmt, ap);
    va_end(ap);
    return -SIM_EBADINPUT;
}

/* Same, with the caret moved `off` characters into the node's scalar. */
static int err_off(struct ctx *c, const struct nref *r, size_t off,
                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int err_off(struct ctx *c, const struct nref *r, size_t off,
                   const char *fmt, ...)
{
    int line, col;
    ref_loc(r, &line, &col);
    /* Quoted scalars start one character before their value. */
    if (r->node && r->node->type == YAML_SCALAR_NODE &&
        (r->node->data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
         r->node->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE))
        col++;
    va_list ap;
    va_start(ap, fmt);
    verr_at(c, r->src, line, col + (int)off, fmt, ap);
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

/* Growable string for the text outputs. */
struct sbuf {
    char *p;
    size_t n, cap;
    bool oom;
};

static void sb_printf(struct sbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sbuf *b, const char *fmt, ...)
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

static char *sb_take(struct sbuf *b)
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
        sb_printf(&b, "%s\n", g->head);
        if (!g->line)
            continue;
        char num[16];
        snprintf(num, sizeof num, "%d", g->lineno);
        sb_printf(&b, " %s | %s\n %*s | ", num, g->line, (int)strlen(num), "");
        /* Echo tabs so the caret lines up; count UTF-8 characters, not bytes. */
        int chars = 0;
        for (const unsigned char *q = (const unsigned char *)g->line;
             *q && chars < g->col - 1; q++) {
            if ((*q & 0xC0) == 0x80)
                continue;
            sb_printf(&b, "%c", *q == '\t' ? '\t' : ' ');
            chars++;
        }
        for (; chars < g->col - 1; chars++)
            sb_printf(&b, " ");
        sb_printf(&b, "^\n");
    }
    if (d && d->truncated)
        sb_printf(&b, "(further errors not shown)\n");
    return sb_take(&b);
}

/* ------------------------------------------------------------------------
 * Nodes
 */

static bool is_map(const struct nref *r)
{
    return !r->node || r->node->type == YAML_MAPPING_NODE;
}

static bool is_seq(const struct nref *r)
{
    return r->node && r->node->type == YAML_SEQUENCE_NODE;
}

static const char *sval(const struct nref *r, size_t *len)
{
    *len = r->node->data.scalar.length;
    return (const char *)r->node->data.scalar.value;
}

/* An empty value ("key:" with nothing after it, or ~ / null). */
static bool is_null(const struct nref *r)
{
    if (!r->node || r->node->type != YAML_SCALAR_NODE ||
        r->node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return false;
    size_t n;
    const char *v = sval(r, &n);
    return n == 0 || (n == 1 && v[0] == '~') ||
           (n == 4 && (!memcmp(v, "null", 4) || !memcmp(v, "Null", 4) ||
                       !memcmp(v, "NULL", 4)));
}

static bool is_scalar(const struct nref *r)
{
    return r->node && r->node->type == YAML_SCALAR_NODE && !is_null(r);
}

/* How a node looks, for "expected X, found Y" messages. */
static const char *found(const struct nref *r)
{
    if (!r->node)
        return "nothing";
    switch (r->node->type) {
    case YAML_MAPPING_NODE: return "a mapping";
    case YAML_SEQUENCE_NODE: return "a list";
    case YAML_SCALAR_NODE: return is_null(r) ? "an empty value" : "a scalar";
    default: return "nothing";
    }
}

static struct nref child(const struct nref *parent, int index)
{
    struct nref r = *parent;
    r.node = yaml_document_get_node(parent->doc, index);
    return r;
}

/* Edit distance counting a swap of neighbours as one edit (optimal string
 * alignment), for "did you mean". */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return SIZE_MAX;
    size_t d[65][65];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            size_t v = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < v)
                v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    }
    return d[la][lb];
}

/* The candidate nearest to word, if near enough to be a plausible typo. */
static const char *nearest(const char *word, const char *const *cands, size_t n)
{
    const char *best = NULL;
    size_t bestd = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        if (!cands[i])
            continue;
        size_t d = edit_distance(word, cands[i]);
        if (d < bestd) {
            bestd = d;
            best = cands[i];
        }
    }
    size_t len = strlen(word);
    size_t limit = len <= 3 ? 1 : len <= 6 ? 2 : 3;
    if (bestd <= limit)
        return best;
    /* A shortened key ("yield" for "yield_every") is a likely slip too. */
    for (size_t i = 0; len >= 3 && i < n; i++)
        if (cands[i] && !strncmp(cands[i], word, len))
            return cands[i];
    return NULL;
}

/* ------------------------------------------------------------------------
 * Key tables and the mapping walk
 */

struct keydef;
typedef int key_fn(struct ctx *c, const struct keydef *k, struct nref v, void *dst);

struct keydef {
    const char *name;
    key_fn *fn;
    size_t off;                     /* where the value goes, within dst */
    const void *aux;                /* handler-specific limits or nested table */
    unsigned flags;
};
#define K_REQ 0x1u

struct entry {
    char *key;
    struct nref kref;               /* where the key was written */
    struct nref val;
};

struct entries {
    struct entry *v;
    int n;
};

static void entries_free(struct entries *e)
{
    for (int i = 0; i < e->n; i++)
        free(e->v[i].key);
    free(e->v);
    e->v = NULL;
    e->n = 0;
}

static struct entry *entries_find(const struct entries *e, const char *key)
{
    for (int i = 0; i < e->n; i++)
        if (strcmp(e->v[i].key, key) == 0)
            return &e->v[i];
    return NULL;
}

static struct entry *entries_add(struct ctx *c, struct entries *e, const char *key,
                                 size_t keylen)
{
    struct entry *v = realloc(e->v, (size_t)(e->n + 1) * sizeof *v);
    if (!v) {
        c->oom = true;
        return NULL;
    }
    e->v = v;
    struct entry *x = &e->v[e->n];
    memset(x, 0, sizeof *x);
    x->key = strndup(key, keylen);
    if (!x->key) {
        c->oom = true;
        return NULL;
    }
    e->n++;
    return x;
}

/* Path handling: c->path is the dotted path of the mapping being walked. */
static size_t path_push(struct ctx *c, const char *key)
{
    size_t old = strlen(c->path);
    snprintf(c->path + old, sizeof c->path - old, "%s%s", old ? "." : "", key);
    return old;
}

static void path_pop(struct ctx *c, size_t old)
{
    c->path[old] = '\0';
}

static const char *where(const struct ctx *c)
{
    return c->path[0] ? c->path : "the top level";
}

/* Location of the start of segment `seg_off` of an override's path. */
static struct nref override_key_ref(const struct override *o, size_t seg_off)
{
    struct nref r = o->key;
    int line, col;
    ref_loc(&o->key, &line, &col);
    if (o->key.node && o->key.node->type == YAML_SCALAR_NODE &&
        (o->key.node->data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
         o->key.node->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE))
        col++;
    r.node = NULL;
    r.line0 = line - 1;
    r.col0 = col - 1 + (int)seg_off;
    return r;
}

/*
 * Collect the entries of a mapping, merged with the overrides that name keys
 * in it. allow_new says whether overrides may add keys that the file does
 * not have (true for fixed-schema mappings, false for the name-keyed
 * mappings of domains and devices, where a new key would invent an entity).
 */
static int collect(struct ctx *c, struct nref map, bool allow_new, const char *entity,
                   struct entries *out)
{
    out->v = NULL;
    out->n = 0;
    int rc = 0;
    if (map.node && map.node->type == YAML_MAPPING_NODE) {
        for (yaml_node_pair_t *p = map.node->data.mapping.pairs.start;
             p < map.node->data.mapping.pairs.top; p++) {
            struct nref k = child(&map, p->key), v = child(&map, p->value);
            if (!k.node || !v.node) {
                rc = err(c, &map, "unresolved alias in mapping");
                continue;
            }
            if (!is_scalar(&k)) {
                rc = err(c, &k, "keys in %s must be plain names, found %s", where(c),
                         found(&k));
                continue;
            }
            size_t n;
            const char *key = sval(&k, &n);
            if (memchr(key, '\0', n)) {
                rc = err(c, &k, "key contains a NUL character");
                continue;
            }
            char tmp[128];
            snprintf(tmp, sizeof tmp, "%.*s", (int)(n < 100 ? n : 100), key);
            struct entry *dup = entries_find(out, tmp);
            if (dup) {
                int dl, dc;
                ref_loc(&dup->kref, &dl, &dc);
                rc = err(c, &k, "duplicate key '%s' in %s (first defined at line %d)",
                         tmp, where(c), dl);
                continue;
            }
            struct entry *e = entries_add(c, out, key, n);
            if (!e)
                return -SIM_ENOMEM;
            e->kref = k;
            e->val = v;
        }
    }
    size_t plen = strlen(c->path);
    for (int i = 0; i < c->novr; i++) {
        struct override *o = &c->ovr[i];
        const char *rest = o->path;
        if (plen) {
            if (strncmp(o->path, c->path, plen) != 0 || o->path[plen] != '.')
                continue;
            rest = o->path + plen + 1;
        }
        const char *dot = strchr(rest, '.');
        size_t seglen = dot ? (size_t)(dot - rest) : strlen(rest);
        char seg[128];
        snprintf(seg, sizeof seg, "%.*s", (int)(seglen < 100 ? seglen : 100), rest);
        struct nref kref = override_key_ref(o, (size_t)(rest - o->path));
        struct entry *e = entries_find(out, seg);
        if (!e && !allow_new) {
            const char *names[256];
            size_t nn = 0;
            for (int j = 0; j < out->n && nn < 256; j++)
                names[nn++] = out->v[j].key;
            const char *near = nearest(seg, names, nn);
            if (near)
                rc = err(c, &kref, "no %s named '%s' in %s; did you mean '%s'?", entity,
                         seg, where(c), near);
            else
                rc = err(c, &kref, "no %s named '%s' in %s", entity, seg, where(c));
            o->used = true;
            continue;
        }
        if (!e) {
            e = entries_add(c, out, seg, strlen(seg));
            if (!e)
                return -SIM_ENOMEM;
            e->kref = kref;
            e->val = kref;          /* an absent mapping, located at the path */
        }
        if (!dot) {
            e->val = o->val;
            o->used = true;
        }
    }
    return rc;
}

static void list_keys(const struct keydef *tab, char *buf, size_t n)
{
    buf[0] = '\0';
    size_t used = 0;
    for (const struct keydef *k = tab; k->name; k++) {
        int w = snprintf(buf + used, n - used, "%s%s", used ? ", " : "", k->name);
        if (w < 0 || (size_t)w >= n - used)
            break;
        used += (size_t)w;
    }
}

static int walk_entries(struct ctx *c, const struct nref *map, struct entries *es,
                        const struct keydef *tab, void *dst)
{
    int rc = 0;
    const char *suggested[16];      /* a misspelt key explains its absence */
    int nsugg = 0;
    for (int i = 0; i < es->n; i++) {
        struct entry *e = &es->v[i];
        const struct keydef *k = tab;
        while (k->name && strcmp(k->name, e->key) != 0)
            k++;
        if (!k->name) {
            const char *names[64];
            size_t nn = 0;
            for (const struct keydef *t = tab; t->name && nn < 64; t++)
                names[nn++] = t->name;
            const char *near = nearest(e->key, names, nn);
            if (near) {
                rc = err(c, &e->kref, "unknown key '%s' in %s; did you mean '%s'?", e->key,
                         where(c), near);
                if (nsugg < 16)
                    suggested[nsugg++] = near;
            } else {
                char keys[512];
                list_keys(tab, keys, sizeof keys);
                rc = err(c, &e->kref, "unknown key '%s' in %s (valid keys: %s)", e->key,
                         where(c), keys[0] ? keys : "none");
            }
            continue;
        }
        if (!k->fn)
            continue;               /* handled by the caller (e.g. a type selector) */
        size_t old = path_push(c, e->key);
        int r = k->fn(c, k, e->val, (char *)dst + k->off);
        path_pop(c, old);
        if (r < 0)
            rc = r;
    }
    for (const struct keydef *k = tab; k->name; k++) {
        if (!(k->flags & K_REQ) || entries_find(es, k->name))
            continue;
        bool explained = false;
        for (int i = 0; i < nsugg; i++)
            explained |= suggested[i] == k->name;
        if (!explained)
            rc = err(c, map, "missing required key '%s' in %s", k->name, where(c));
    }
    return rc;
}

/* Walk a mapping value against a table. `v` may be an absent mapping. */
static int walk_map(struct ctx *c, struct nref v, const struct keydef *tab, void *dst)
{
    if (is_null(&v)) {
        /* "key:" with nothing after it is an empty mapping. */
        int line, col;
        ref_loc(&v, &line, &col);
        v.node = NULL;
        v.line0 = line - 1;
        v.col0 = col - 1;
    }
    if (!is_map(&v))
        return err(c, &v, "%s: expected a mapping, found %s", where(c), found(&v));
    struct entries es;
    int rc = collect(c, v, true, "key", &es);
    int r = walk_entries(c, &v, &es, tab, dst);
    entries_free(&es);
    return rc < 0 ? rc : r;
}

/* ------------------------------------------------------------------------
 * Value handlers
 */

struct ilim { int64_t min, max; };
struct qlim { enum unit_kind kind; unsigned uflags; int64_t min, max; };

/* A scalar is required; say so in the key's terms if not. */
static int need_scalar(struct ctx *c, const struct keydef *k, const struct nref *v,
                       const char *what)
{
    if (is_scalar(v))
        return 0;
    if (!v->node)
        return err(c, v, "%s is a single value, not a mapping: nothing can be set below it",
                   where(c));
    if (is_null(v))
        return err(c, v, "%s: missing value: expected %s", k->name, what);
    return err(c, v, "%s: expected %s, found %s", k->name, what, found(v));
}

static int parse_i64(const char *s, size_t n, int64_t *out)
{
    size_t i = 0;
    bool neg = false;
    if (i < n && (s[i] == '-' || s[i] == '+'))
        neg = s[i++] == '-';
    if (i == n)
        return -SIM_EBADINPUT;
    uint64_t v = 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -SIM_EBADINPUT;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -SIM_ERANGE;
        v = v * 10 + d;
    }
    if (neg) {
        if (v > (uint64_t)INT64_MAX + 1)
            return -SIM_ERANGE;
        *out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
    } else {
        if (v > (uint64_t)INT64_MAX)
            return -SIM_ERANGE;
        *out = (int64_t)v;
    }
    return 0;
}

static int get_int(struct ctx *c, const struct keydef *k, const struct nref *v,
                   const struct ilim *lim, int64_t *out)
{
    int rc = need_scalar(c, k, v, "a whole number");
    if (rc)
        return rc;
    size_t n;
    const char *s = sval(v, &n);
    int64_t x;
    rc = parse_i64(s, n, &x);
    if (rc == -SIM_ERANGE || (rc == 0 && (x < lim->min || x > lim->max)))
        return err(c, v, "%s: must be between %" PRId64 " and %" PRId64 " (got %.*s)",
                   k->name, lim->min, lim->max, (int)(n > 40 ? 40 : n), s);
    if (rc)
        return err(c, v, "%s: expected a whole number, found '%.*s'", k->name,
                   (int)(n > 40 ? 40 : n), s);
    *out = x;
    return 0;
}

static int k_int(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    int64_t x;
    int rc = get_int(c, k, &v, k->aux, &x);
    if (!rc)
        *(int *)dst = (int)x;
    return rc;
}

static int k_i64(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    int64_t x;
    int rc = get_int(c, k, &v, k->aux, &x);
    if (!rc)
        *(int64_t *)dst = x;
    return rc;
}

static int k_seed(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    int rc = need_scalar(c, k, &v, "a whole number");
    if (rc)
        return rc;
    size_t n;
    const char *s = sval(&v, &n);
    uint64_t x = 0;
    bool ok = n > 0 && n <= 20;
    for (size_t i = 0; ok && i < n; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (s[i] < '0' || s[i] > '9' || x > (UINT64_MAX - d) / 10)
            ok = false;
        else
            x = x * 10 + d;
    }
    if (!ok)
        return err(c, &v, "%s: expected a whole number between 0 and %" PRIu64 ", found '%.*s'",
                   k->name, UINT64_MAX, (int)(n > 40 ? 40 : n), s);
    *(uint64_t *)dst = x;
    return 0;
}

static int k_bool(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    int rc = need_scalar(c, k, &v, "true or false");
    if (rc)
        return rc;
    size_t n;
    const char *s = sval(&v, &n);
    if (n == 4 && !memcmp(s, "true", 4))
        *(bool *)dst = true;
    else if (n == 5 && !memcmp(s, "false", 5))
        *(bool *)dst = false;
    else
        return err(c, &v, "%s: expected true or false, found '%.*s'", k->name,
                   (int)(n > 40 ? 40 : n), s);
    return 0;
}

static int k_str(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    int rc = need_scalar(c, k, &v, "a string");
    if (rc)
        return rc;
    size_t n;
    const char *s = sval(&v, &n);
    if (memchr(s, '\0', n))
        return err(c, &v, "%s: contains a NUL character", k->name);
    if (n > 4096)
        return err(c, &v, "%s: longer than 4096 characters", k->name);
    char *copy = strndup(s, n);
    if (!copy) {
        c->oom = true;
        return -SIM_ENOMEM;
    }
    free(*(char **)dst);
    *(char **)dst = copy;
    return 0;
}

/* A plain decimal number (no unit, no hex, no inf/nan); `what` names what
 * was expected, for the message. */
static int get_number(struct ctx *c, const struct keydef *k, const struct nref *v,
                      const char *what, double *out)
{
    int rc = need_scalar(c, k, v, what);
    if (rc)
        return rc;
    size_t n;
    const char *s = sval(v, &n);
    char buf[64];
    snprintf(buf, sizeof buf, "%.*s", (int)(n < 63 ? n : 63), s);
    char *end;
    errno = 0;
    double x = strtod(buf, &end);
    if (n >= 63 || end == buf || *end || errno || !isfinite(x) || strpbrk(buf, "xXnNiI"))
        return err(c, v, "%s: expected %s, found '%.*s'", k->name, what,
                   (int)(n > 40 ? 40 : n), s);
    *out = x;
    return 0;
}

/* The fraction of something, 0..1, written as a plain decimal. */
static int k_fraction(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    double x;
    int rc = get_number(c, k, &v, "a fraction between 0 and 1", &x);
    if (rc)
        return rc;
    if (x < 0.0 || x > 1.0) {
        size_t n;
        const char *s = sval(&v, &n);
        return err(c, &v, "%s: expected a fraction between 0 and 1, found '%.*s'", k->name,
                   (int)(n > 40 ? 40 : n), s);
    }
    *(double *)dst = x;
    return 0;
}

/* A plain positive number without unit (a shape, a sigma). */
static int get_plain(struct ctx *c, const struct keydef *k, const struct nref *v,
                     bool allow_zero, double *out)
{
    int rc = get_number(c, k, v, "a plain number", out);
    if (rc)
        return rc;
    if (*out < 0 || (!allow_zero && *out == 0)) {
        size_t n;
        const char *s = sval(v, &n);
        return err(c, v, "%s: must be %s (got %.*s)", k->name,
                   allow_zero ? "zero or more" : "greater than zero", (int)(n > 40 ? 40 : n), s);
    }
    return 0;
}

/* A quantity with a unit; a bare 0 is accepted as zero of any unit. */
static int get_qty(struct ctx *c, const struct keydef *k, const struct nref *v,
                   const struct qlim *lim, struct quantity *q)
{
    char what[96];
    snprintf(what, sizeof what, "a %s such as %s", unit_kind_name(lim->kind),
             unit_kind_example(lim->kind));
    int rc = need_scalar(c, k, v, what);
    if (rc)
        return rc;
    size_t n;
    const char *s = sval(v, &n);
    if (n == 1 && s[0] == '0') {
        q->value = 0;
        q->is_cycles = false;
    } else {
        struct unit_err ue;
        if (unit_parse(s, n, lim->kind, lim->uflags, q, &ue) < 0)
            return err_off(c, v, ue.pos, "%s: %s", k->name, ue.msg);
    }
    if (q->value < lim->min || q->value > lim->max) {
        char lo[32], hi[32];
        enum unit_kind kind = lim->kind;
        if (q->is_cycles)
            snprintf(lo, sizeof lo, "%" PRId64 "cycles", lim->min),
                snprintf(hi, sizeof hi, "%" PRId64 "cycles", lim->max);
        else
            unit_format(lim->min, kind, lo, sizeof lo), unit_format(lim->max, kind, hi, sizeof hi);
        if (lim->min > 0 && q->value < lim->min && lim->max == INT64_MAX)
            return err(c, v, "%s: must be at least %s (got %.*s)", k->name, lo,
                       (int)(n > 40 ? 40 : n), s);
        return err(c, v, "%s: must be between %s and %s (got %.*s)", k->name, lo, hi,
                   (int)(n > 40 ? 40 : n), s);
    }
    return 0;
}

static int k_qty(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    struct quantity q;
    int rc = get_qty(c, k, &v, k->aux, &q);
    if (!rc)
        *(int64_t *)dst = q.value;
    return rc;
}

/* A cost: time or cycles. */
static int k_cost(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    struct quantity q;
    int rc = get_qty(c, k, &v, k->aux, &q);
    if (!rc)
        *(struct quantity *)dst = q;
    return rc;
}

static int k_enum(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    const char *const *names = k->aux;
    char list[256] = "";
    size_t used = 0, nn = 0;
    for (; names[nn]; nn++) {
        int w = snprintf(list + used, sizeof list - used, "%s%s", nn ? ", " : "", names[nn]);
        if (w > 0 && (size_t)w < sizeof list - used)
            used += (size_t)w;
    }
    char what[300];
    snprintf(what, sizeof what, "one of %s", list);
    int rc = need_scalar(c, k, &v, what);
    if (rc)
        return rc;
    size_t n;
    const char *s = sval(&v, &n);
    for (size_t i = 0; i < nn; i++) {
        if (strlen(names[i]) == n && !memcmp(names[i], s, n)) {
            *(int *)dst = (int)i;
            return 0;
        }
    }
    char word[64];
    snprintf(word, sizeof word, "%.*s", (int)(n < 63 ? n : 63), s);
    const char *near = nearest(word, names, nn);
    if (near)
        return err(c, &v, "%s: unknown value '%s'; did you mean '%s'? (expected one of %s)",
                   k->name, word, near, list);
    return err(c, &v, "%s: unknown value '%s' (expected one of %s)", k->name, word, list);
}

static int k_map(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    return walk_map(c, v, k->aux, dst);
}

/* Distributions: a plain quantity (constant) or {dist: NAME, params...}. */
struct dist_spec {
    const char *name;
    enum dist_kind kind;
    const char *p[2];               /* parameter names */
    bool plain[2];                  /* parameter is dimensionless */
};

static const struct dist_spec dist_specs[] = {
    { "constant", DIST_CONST, { "value", NULL }, { false, false } },
    { "exponential", DIST_EXPONENTIAL, { "mean", NULL }, { false, false } },
    { "uniform", DIST_UNIFORM, { "min", "max" }, { false, false } },
    { "normal", DIST_NORMAL, { "mean", "stddev" }, { false, false } },
    { "lognormal", DIST_LOGNORMAL, { "median", "sigma" }, { false, true } },
    { "pareto", DIST_PARETO, { "shape", "scale" }, { true, false } },
    { NULL, 0, { NULL, NULL }, { false, false } },
};

static const char *article(const char *word)
{
    return strchr("aeiou", word[0]) ? "an" : "a";
}

static int k_dist(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    const struct qlim *lim = k->aux;
    struct dist *d = dst;
    if (!is_map(&v) || is_null(&v)) {
        struct quantity q;
        int rc = get_qty(c, k, &v, lim, &q);
        if (rc)
            return rc;
        d->kind = DIST_CONST;
        d->a = (double)q.value;
        d->b = 0;
        return 0;
    }
    struct entries es;
    int rc = collect(c, v, true, "key", &es);
    struct entry *de = entries_find(&es, "dist");
    const struct dist_spec *sp = NULL;
    if (!de) {
        rc = err(c, &v, "%s: a distribution needs 'dist' (one of constant, exponential, "
                 "uniform, normal, lognormal, pareto)", k->name);
        goto out;
    }
    {
        static const char *const dnames[] = { "constant", "exponential", "uniform", "normal",
                                              "lognormal", "pareto", NULL };
        struct keydef dk = { "dist", k_enum, 0, dnames, 0 };
        int idx;
        size_t old = path_push(c, "dist");
        int r = k_enum(c, &dk, de->val, &idx);
        path_pop(c, old);
        if (r < 0) {
            rc = r;
            goto out;
        }
        sp = &dist_specs[idx];
    }
    double par[2] = { 0, 0 };
    bool have[2] = { false, false }, unknown = false;
    for (int i = 0; i < es.n; i++) {
        struct entry *e = &es.v[i];
        if (e == de)
            continue;
        int j = -1;
        for (int t = 0; t < 2; t++)
            if (sp->p[t] && !strcmp(sp->p[t], e->key))
                j = t;
        if (j < 0) {
            unknown = true;
            const char *cands[2] = { sp->p[0], sp->p[1] };
            const char *near = nearest(e->key, cands, 2);
            if (near)
                rc = err(c, &e->kref, "unknown key '%s' for %s %s distribution; did you mean '%s'?",
                         e->key, article(sp->name), sp->name, near);
            else
                rc = err(c, &e->kref, "unknown key '%s' for %s %s distribution (valid keys: dist, %s%s%s)",
                         e->key, article(sp->name), sp->name, sp->p[0], sp->p[1] ? ", " : "", sp->p[1] ? sp->p[1] : "");
            continue;
        }
        struct keydef pk = { sp->p[j], NULL, 0, NULL, 0 };
        size_t old = path_push(c, e->key);
        int r;
        if (sp->plain[j]) {
            r = get_plain(c, &pk, &e->val, false, &par[j]);
        } else {
            struct quantity q;
            struct qlim ql = *lim;
            ql.min = 0;
            r = get_qty(c, &pk, &e->val, &ql, &q);
            par[j] = (double)q.value;
        }
        path_pop(c, old);
        if (r < 0)
            rc = r;
        else
            have[j] = true;
    }
    for (int j = 0; j < 2 && !unknown; j++)
        if (sp->p[j] && !have[j] && !entries_find(&es, sp->p[j]))
            rc = err(c, &v, "%s: %s %s distribution needs '%s'", k->name, article(sp->name),
                     sp->name, sp->p[j]);
    if (rc < 0)
        goto out;
    d->kind = sp->kind;
    d->a = par[0];
    d->b = par[1];
    if (sp->kind == DIST_EXPONENTIAL && d->a <= 0)
        rc = err(c, &v, "%s: an exponential distribution needs a mean greater than zero", k->name);
    else if (sp->kind == DIST_UNIFORM && d->a > d->b)
        rc = err(c, &v, "%s: uniform min must not exceed max", k->name);
    else if (sp->kind == DIST_LOGNORMAL && d->a <= 0)
        rc = err(c, &v, "%s: a lognormal distribution needs a median greater than zero", k->name);
    else if (sp->kind == DIST_PARETO && d->b <= 0)
        rc = err(c, &v, "%s: a pareto distribution needs a scale greater than zero", k->name);
    else if (sp->kind == DIST_PARETO && d->a <= 1)
        rc = err(c, &v, "%s: a pareto distribution needs a shape greater than 1 (with a "
                 "shape of 1 or less its mean is infinite)", k->name);
    else if (d->kind != DIST_CONST && dist_mean(d) > (double)lim->max)
        rc = err(c, &v, "%s: the mean of this distribution is beyond the allowed maximum",
                 k->name);
out:
    entries_free(&es);
    return rc;
}

/* ------------------------------------------------------------------------
 * Limits
 */

#define NS(x) ((int64_t)(x))
#define US(x) ((int64_t)(x) * 1000)
#define MS(x) ((int64_t)(x) * 1000000)
#define SEC(x) ((int64_t)(x) * 1000000000)

static const struct ilim lim_pcpus = { 1, 1024 };
static const struct ilim lim_replications = { 1, 100000 };
static const struct ilim lim_vcpus = { 1, 64 };
static const struct ilim lim_count = { 0, 100000 };
static const struct ilim lim_depth = { 1, 1024 };
static const struct ilim lim_rpm = { 1000, 30000 };
static const struct ilim lim_mcu_advance = { 1, 1000000 };
static const struct ilim lim_updates = { 1, 1000000 };
static const struct ilim lim_batch = { 1, 4096 };
static const struct ilim lim_ring = { 1, 4096 };
static const struct ilim lim_irq_cpu = { 0, 1023 };

static const struct qlim q_duration = { UNIT_TIME, 0, 1, SEC(1000000) };
static const struct qlim q_warmup = { UNIT_TIME, 0, 0, SEC(1000000) };
static const struct qlim q_tsc_hz = { UNIT_FREQ, 0, 1000000, 100000000000LL };
static const struct qlim q_apic_hz = { UNIT_FREQ, 0, 1000, 10000000000LL };
static const struct qlim q_slop = { UNIT_TIME, 0, 0, MS(10) };
static const struct qlim q_cost = { UNIT_TIME, UNIT_ALLOW_CYCLES, 0, SEC(1) };
static const struct qlim q_slice = { UNIT_TIME, 0, US(10), SEC(100) };
static const struct qlim q_dev_time = { UNIT_TIME, 0, 0, SEC(10) };
static const struct qlim q_bandwidth = { UNIT_RATE, 0, 1000, 10000000000000LL };
static const struct qlim q_memory = { UNIT_SIZE, 0, 1 << 20, 1LL << 42 };
static const struct qlim q_per_request = { UNIT_TIME, 0, 0, SEC(1) };
static const struct qlim q_io_size = { UNIT_SIZE, 0, 1, 64 << 20 };
static const struct qlim q_reply = { UNIT_SIZE, 0, 0, 64 << 10 };
static const struct qlim q_pkt_size = { UNIT_SIZE, 0, 1, 64 << 10 };
static const struct qlim q_wl_time = { UNIT_TIME, 0, 1, SEC(3600) };
static const struct qlim q_wl_dist = { UNIT_TIME, 0, 0, SEC(3600) };
static const struct qlim q_warp = { UNIT_TIME, 0, 0, SEC(100) };
static const struct qlim q_at_time = { UNIT_TIME, 0, 1, SEC(100) };
static const struct qlim q_at_slice = { UNIT_TIME, 0, 0, SEC(100) };

static const char *const op_names[] = { "read", "write", NULL };
static const char *const pattern_names[] = { "random", "sequential", NULL };
static const char *const queue_names[] = { "fifo", "elevator", NULL };
static const char *const kind_names[] = { "disk", "nic", NULL };
static const char *const wl_names[] = { "none", "cpu", "periodic", "io", "server", "mmu",
                                        "trace", NULL };

/* ------------------------------------------------------------------------
 * Machine
 */

/* Per-pCPU lists are kept raw until pcpus is known (it may come later in
 * the file, or from an override). */
struct rawlist {
    int64_t *v;
    int n;
    struct nref ref;
    bool given;
};

struct machine_tmp {
    struct rawlist ppb, offset;
};

/* What one walk of the document builds besides the struct scn itself. */
struct dom_tmp {
    struct scn_domain d;
    int count;                      /* -1 if not given */
    struct rawlist cpus;
};

struct walk {
    struct scn *s;
    struct machine_tmp mtmp;
    struct dom_tmp *doms;
    int ndoms;
};

static struct machine_tmp *g_mtmp(struct ctx *c)
{
    return &c->w->mtmp;
}

/* tsc_ppm: a number or a list of numbers, in parts per million (decimals
 * allowed, kept to the nearest part per billion). */
static int get_ppm(struct ctx *c, const struct keydef *k, const struct nref *v, int64_t *ppb)
{
    double x;
    int rc = get_number(c, k, v, "a number of parts per million", &x);
    if (rc)
        return rc;
    if (fabs(x) > 10000) {
        size_t n;
        const char *s = sval(v, &n);
        return err(c, v, "%s: must be between -10000 and 10000 ppm (got %.*s)", k->name,
                   (int)(n > 40 ? 40 : n), s);
    }
    *ppb = llround(x * 1000.0);
    return 0;
}

static int get_offset(struct ctx *c, const struct keydef *k, const struct nref *v,
                      int64_t *out)
{
    static const struct qlim lim = { UNIT_TIME, UNIT_ALLOW_CYCLES, 0, INT64_MAX };
    struct quantity q;
    int rc = get_qty(c, k, v, &lim, &q);
    if (rc)
        return rc;
    if (q.value != 0 && !q.is_cycles)
        return err(c, v, "%s: a TSC offset is a count of cycles, e.g. 1000cycles", k->name);
    *out = q.value;
    return 0;
}

static int rawlist(struct ctx *c, const struct keydef *k, struct nref v, struct rawlist *l,
                   int (*one)(struct ctx *, const struct keydef *, const struct nref *, int64_t *))
{
    free(l->v);
    l->v = NULL;
    l->n = 0;
    l->ref = v;
    l->given = true;
    if (!is_seq(&v)) {
        l->v = malloc(sizeof *l->v);
        if (!l->v)
            return c->oom = true, -SIM_ENOMEM;
        l->n = 1;
        return one(c, k, &v, &l->v[0]);
    }
    yaml_node_item_t *it = v.node->data.sequence.items.start;
    int n = (int)(v.node->data.sequence.items.top - it);
    if (n == 0)
        return err(c, &v, "%s: the list is empty", k->name);
    l->v = calloc((size_t)n, sizeof *l->v);
    if (!l->v)
        return c->oom = true, -SIM_ENOMEM;
    l->n = n;
    int rc = 0;
    for (int i = 0; i < n; i++) {
        struct nref e = child(&v, it[i]);
        if (!e.node)
            return err(c, &v, "unresolved alias in list");
        int r = one(c, k, &e, &l->v[i]);
        if (r < 0)
            rc = r;
    }
    return rc;
}


static int k_ppm(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    (void)dst;
    return rawlist(c, k, v, &g_mtmp(c)->ppb, get_ppm);
}

static int k_offset(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    (void)dst;
    return rawlist(c, k, v, &g_mtmp(c)->offset, get_offset);
}

/* In enum clk_timer_order's and enum clk_time_model's orders. */
static const char *const timer_order_names[] = { "fifo", "xen", NULL };
static const char *const system_time_names[] = { "xen3", "xen2", NULL };

/* Each policy's default tie rule: Xen 2.0's policies ran on Xen 2.0's
 * ac_timer heap. */
static const struct {
    const char *sched;
    enum clk_timer_order order;
} timer_order_defaults[] = {
    { "rr", CLK_ORDER_XEN },
    { "bvt", CLK_ORDER_XEN },
    { "atropos", CLK_ORDER_XEN },
};

enum clk_timer_order scn_default_timer_order(const char *sched)
{
    for (size_t i = 0; i < sizeof timer_order_defaults / sizeof timer_order_defaults[0]; i++)
        if (!strcmp(timer_order_defaults[i].sched, sched))
            return timer_order_defaults[i].order;
    return CLK_ORDER_FIFO;
}

static int k_timer_order(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    struct scn_clock *clk = dst;
    int idx;
    int rc = k_enum(c, k, v, &idx);
    if (!rc) {
        clk->timer_order = (enum clk_timer_order)idx;
        clk->timer_order_given = true;
    }
    return rc;
}

static const struct keydef clock_keys[] = {
    { "tsc_hz", k_qty, offsetof(struct scn_clock, tsc_hz), &q_tsc_hz, 0 },
    { "tsc_ppm", k_ppm, 0, NULL, 0 },
    { "tsc_offset", k_offset, 0, NULL, 0 },
    { "timer_slop", k_qty, offsetof(struct scn_clock, timer_slop), &q_slop, 0 },
    { "apic_timer_hz", k_qty, offsetof(struct scn_clock, apic_timer_hz), &q_apic_hz, 0 },
    { "timer_order", k_timer_order, 0, timer_order_names, 0 },
    { "system_time", k_enum, offsetof(struct scn_clock, system_time), system_time_names, 0 },
    { NULL, NULL, 0, NULL, 0 },
};

static const struct keydef cost_keys[] = {
    { "context_switch", k_cost, offsetof(struct scn_costs, context_switch), &q_cost, 0 },
    { "hypercall", k_cost, offsetof(struct scn_costs, hypercall), &q_cost, 0 },
    { "upcall", k_cost, offsetof(struct scn_costs, upcall), &q_cost, 0 },
    { "pte_validate", k_cost, offsetof(struct scn_costs, pte_validate), &q_cost, 0 },
    { "cache_refill", k_cost, offsetof(struct scn_costs, cache_refill), &q_cost, 0 },
    { "kernel_packet", k_cost, offsetof(struct scn_costs, kernel_packet), &q_cost, 0 },
    { NULL, NULL, 0, NULL, 0 },
};

static const char *const unpause_order_names[] = { "creation", "reverse", NULL };

static const struct keydef machine_keys[] = {
    { "pcpus", k_int, offsetof(struct scn_machine, pcpus), &lim_pcpus, 0 },
    { "unpause_order", k_enum, offsetof(struct scn_machine, unpause_order),
      unpause_order_names, 0 },
    { "clock", k_map, offsetof(struct scn_machine, clock), clock_keys, 0 },
    { "costs", k_map, offsetof(struct scn_machine, costs), cost_keys, 0 },
    { NULL, NULL, 0, NULL, 0 },
};

/* ------------------------------------------------------------------------
 * Scheduler
 */

static const struct keydef rr_global_keys[] = {
    { "slice", k_qty, 0, &q_slice, 0 },
    { NULL, NULL, 0, NULL, 0 },
};

#define BVT_Q(f) { #f, k_bool, offsetof(struct scn_sched_global, bvt.f) - \
                   offsetof(struct scn_sched_global, bvt), NULL, 0 }
#define AT_Q(f) { #f, k_bool, offsetof(struct scn_sched_global, atropos.f) - \
                  offsetof(struct scn_sched_global, atropos), NULL, 0 }

static const struct keydef bvt_global_keys[] = {
    { "ctx_allow", k_qty, 0, &q_slice, 0 },
    BVT_Q(slice_units_quirk),
    BVT_Q(u32_runtime_quirk),
    BVT_Q(u32_warp_quirk),
    BVT_Q(warp_per_dispatch_quirk),
    BVT_Q(stale_warp_evt_quirk),
    BVT_Q(wrap_blocked_quirk),
    { NULL, NULL, 0, NULL, 0 },
};

static const struct keydef atropos_global_keys[] = {
    AT_Q(uncharged_block_quirk),
    AT_Q(sticky_wait_quirk),
    AT_Q(global_slack_index_quirk),
    AT_Q(slack_search_wrap_quirk),
    { NULL, NULL, 0, NULL, 0 },
};

static int k_sched_name(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    int idx;
    int rc = k_enum(c, k, v, &idx);
    if (rc)
        return rc;
    struct scn_sched_global *g = dst;
    snprintf(g->name, sizeof g->name, "%s", scn_sched_names[idx]);
    int line, col;
    ref_loc(&v, &line, &col);
    g->loc.line = line;
    g->loc.col = col;
    return 0;
}

static const struct keydef sched_keys[] = {
    { "name", k_sched_name, 0, scn_sched_names, 0 },
    { "rr", k_map, offsetof(struct scn_sched_global, rr), rr_global_keys, 0 },
    { "bvt", k_map, offsetof(struct scn_sched_global, bvt), bvt_global_keys, 0 },
    { "atropos", k_map, offsetof(struct scn_sched_global, atropos), atropos_global_keys, 0 },
    { NULL, NULL, 0, NULL, 0 },
};

/* ------------------------------------------------------------------------
 * Devices
 */

static bool valid_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > SCN_NAME_MAX)
        return false;
    if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_'))
        return false;
    for (size_t i = 1; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '_' || ch == '-'))
            return false;
    }
    return true;
}

static int check_name(struct ctx *c, const struct entry *e, const char *what)
{
    if (valid_name(e->key))
        return 0;
    return err(c, &e->kref, "invalid %s name '%s': use letters, digits, '_' and '-', "
               "starting with a letter or '_', at most %d characters", what, e->key,
               SCN_NAME_MAX);
}

static int set_loc(struct ctx *c, const struct nref *r, struct scn_loc *loc)
{
    (void)c;
    ref_loc(r, &loc->line, &loc->col);
    /* Locations in the file get the scenario's own copy of its name when the
     * walk is finished; those in a --set argument say so. */
    loc->file = r->src && !strcmp(r->src->name, "--set") ? "--set" : NULL;
    return 0;
}

/* driver: the domain whose back end serves the device, checked after the
 * walk (domains come later in the file). */
static int k_driver(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    int rc = k_str(c, k, v, dst);
    if (rc)
        return rc;
    struct scn_device *d = (struct scn_device *)((char *)dst - k->off);
    return set_loc(c, &v, &d->driver_loc);
}

static const struct keydef disk_keys[] = {
    { "kind", NULL, 0, NULL, 0 },
    { "seek", k_qty, offsetof(struct scn_device, seek), &q_dev_time, 0 },
    { "rpm", k_i64, offsetof(struct scn_device, rpm), &lim_rpm, 0 },
    { "latency", k_qty, offsetof(struct scn_device, latency), &q_dev_time, 0 },
    { "bandwidth", k_qty, offsetof(struct scn_device, bandwidth), &q_bandwidth, K_REQ },
    { "queue", k_enum, offsetof(struct scn_device, queue), queue_names, 0 },
    { "ring", k_int, offsetof(struct scn_device, ring), &lim_ring, 0 },
    { "driver", k_driver, offsetof(struct scn_device, driver_name), NULL, 0 },
    { NULL, NULL, 0, NULL, 0 },
};

static const char *const served_names[] = { "domain", "hypervisor", NULL };

/* served_by: domain (a driver domain's back end) or hypervisor (Xen 1.0). */
static int k_served_by(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    int which = 0;
    int rc = k_enum(c, k, v, &which);
    if (rc)
        return rc;
    struct scn_device *d = (struct scn_device *)((char *)dst - k->off);
    d->by_hypervisor = which == 1;
    return set_loc(c, &v, &d->served_loc);
}

static const struct keydef nic_keys[] = {
    { "kind", NULL, 0, NULL, 0 },
    { "bandwidth", k_qty, offsetof(struct scn_device, bandwidth), &q_bandwidth, K_REQ },
    { "latency", k_qty, offsetof(struct scn_device, latency), &q_dev_time, 0 },
    { "ring", k_int, offsetof(struct scn_device, ring), &lim_ring, 0 },
    { "driver", k_driver, offsetof(struct scn_device, driver_name), NULL, 0 },
    { "served_by", k_served_by, offsetof(struct scn_device, by_hypervisor), served_names, 0 },
    { "per_request", k_qty, offsetof(struct scn_device, hv_per_request), &q_per_request, 0 },
    { "irq_cpu", k_int, offsetof(struct scn_device, irq_cpu), &lim_irq_cpu, 0 },
    { NULL, NULL, 0, NULL, 0 },
};


/* Parse the selector key (kind, type) of a mapping; the caller has checked
 * that it is present. */
static int selector(struct ctx *c, struct entries *es, const char *key,
                    const char *const *names, int *out)
{
    struct entry *e = entries_find(es, key);
    struct keydef k = { key, k_enum, 0, names, 0 };
    size_t old = path_push(c, key);
    int rc = k_enum(c, &k, e->val, out);
    path_pop(c, old);
    return rc;
}

static int one_device(struct ctx *c, struct entry *e, void *elem)
{
    struct scn_device *d = elem;
    int rc = check_name(c, e, "device");
    d->name = strdup(e->key);
    if (!d->name)
        return c->oom = true, -SIM_ENOMEM;
    set_loc(c, &e->kref, &d->loc);
    if (!is_map(&e->val) || is_null(&e->val))
        return err(c, &e->val, "device '%s': expected a mapping with 'kind', found %s",
                   e->key, found(&e->val));
    size_t old = path_push(c, e->key);
    struct entries es;
    int r = collect(c, e->val, true, "key", &es);
    if (r < 0)
        rc = r;
    int kind;
    if (!entries_find(&es, "kind")) {
        rc = err(c, &e->val, "device '%s': missing required key 'kind' (disk or nic)", e->key);
        goto out;
    }
    r = selector(c, &es, "kind", kind_names, &kind);
    if (r < 0) {
        rc = r;
        goto out;
    }
    d->kind = (enum scn_dev_kind)kind;
    d->seek = -1;
    d->rpm = -1;
    d->latency = -1;
    d->queue = SCN_QUEUE_FIFO;
    d->ring = d->kind == SCN_DEV_DISK ? 32 : 256;
    d->hv_per_request = -1;
    d->irq_cpu = -1;
    r = walk_entries(c, &e->val, &es, d->kind == SCN_DEV_DISK ? disk_keys : nic_keys, d);
    if (r < 0) {
        rc = r;
        goto out;
    }
    if (d->by_hypervisor && d->driver_name) {
        rc = err(c, &entries_find(&es, "driver")->val, "driver: nic '%s' is served by the "
                 "hypervisor (served_by: hypervisor); it has no driver domain", e->key);
    } else if (!d->by_hypervisor && (d->hv_per_request >= 0 || d->irq_cpu >= 0)) {
        struct entry *x = entries_find(&es, d->irq_cpu >= 0 ? "irq_cpu" : "per_request");
        rc = err(c, &x->kref, "%s: only for a nic with 'served_by: hypervisor' (a driver "
                 "domain's cost is its backend: { per_request })", x->key);
    }
    if (d->hv_per_request < 0)
        d->hv_per_request = US(20);
    if (d->irq_cpu < 0)
        d->irq_cpu = 0;
    if (d->ring & (d->ring - 1)) {
        struct entry *re = entries_find(&es, "ring");
        rc = err(c, re ? &re->val : &e->val, "ring: must be a power of two (got %d)", d->ring);
    }
    if (d->kind == SCN_DEV_DISK) {
        bool spinning = d->seek >= 0 || d->rpm >= 0;
        if (spinning && d->latency >= 0)
            rc = err(c, &e->val, "disk '%s': give either seek and rpm (a spinning disk) or "
                     "latency (flash), not both", e->key);
        else if (!spinning && d->latency < 0)
            rc = err(c, &e->val, "disk '%s': needs seek and rpm (a spinning disk) or latency "
                     "(flash)", e->key);
        else if (spinning && (d->seek < 0 || d->rpm < 0))
            rc = err(c, &e->val, "disk '%s': a spinning disk needs both seek and rpm (missing "
                     "'%s')", e->key, d->seek < 0 ? "seek" : "rpm");
        if (d->seek < 0)
            d->seek = 0;
        if (d->rpm < 0)
            d->rpm = 0;
        if (d->latency < 0)
            d->latency = 0;
    } else if (d->latency < 0) {
        d->latency = 0;
    }
out:
    entries_free(&es);
    path_pop(c, old);
    return rc;
}

/* Build one named entity (a device or a domain) from its entry into *elem. */
typedef int one_named_fn(struct ctx *c, struct entry *e, void *elem);

/*
 * The mapping v of names to entities (`entity` names them in messages):
 * collect its entries, then build each with one() into a new array of
 * elements of `size` bytes, starting at index *n and counting each element
 * in *n even when it fails (so that the caller frees all it holds). Returns
 * the array, or NULL out of memory (*rc -SIM_ENOMEM); *rc is 0 or the last
 * error.
 */
static void *named_map(struct ctx *c, struct nref v, const char *entity, size_t size,
                       one_named_fn *one, int *n, int *rc)
{
    struct entries es;
    *rc = collect(c, v, false, entity, &es);
    char *arr = calloc((size_t)(es.n ? es.n : 1), size);
    if (!arr) {
        entries_free(&es);
        c->oom = true;
        *rc = -SIM_ENOMEM;
        return NULL;
    }
    for (int i = 0; i < es.n; i++) {
        int r = one(c, &es.v[i], arr + (size_t)*n * size);
        (*n)++;
        if (r < 0)
            *rc = r;
    }
    entries_free(&es);
    return arr;
}

static int k_devices(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    (void)dst;
    if (is_null(&v))
        return 0;
    if (!is_map(&v))
        return err(c, &v, "%s: expected a mapping of device names, found %s", k->name, found(&v));
    struct scn *s = c->w->s;
    int rc;
    s->devices = named_map(c, v, "device", sizeof *s->devices, one_device, &s->ndevices, &rc);
    return rc;
}

/* ------------------------------------------------------------------------
 * Workloads
 */

#define WL(f) offsetof(struct scn_workload, f)

/* A string that refers to something checked after the walk (a device, a
 * trace file); its location is kept for that check's message, in ref_loc
 * (device), file_loc (file) or nic_loc (nic). */
static int k_ref(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    int rc = k_str(c, k, v, dst);
    if (rc)
        return rc;
    struct scn_workload *wl = (struct scn_workload *)((char *)dst - k->off);
    return set_loc(c, &v, k->off == WL(file) ? &wl->file_loc
                          : k->off == WL(nic_name) ? &wl->nic_loc : &wl->ref_loc);
}

static const struct keydef wl_cpu_keys[] = {
    { "type", NULL, 0, NULL, 0 },
    { "yield_every", k_qty, WL(yield_every), &q_wl_time, 0 },
    { NULL, NULL, 0, NULL, 0 },
};

static const struct keydef wl_periodic_keys[] = {
    { "type", NULL, 0, NULL, 0 },
    { "period", k_qty, WL(period), &q_wl_time, K_REQ },
    { "burst", k_dist, WL(burst), &q_wl_dist, K_REQ },
    { NULL, NULL, 0, NULL, 0 },
};

static const struct keydef wl_io_keys[] = {
    { "type", NULL, 0, NULL, 0 },
    { "device", k_ref, WL(device_name), NULL, K_REQ },
    { "op", k_enum, WL(op), op_names, 0 },
    { "size", k_qty, WL(size), &q_io_size, K_REQ },
    { "think", k_dist, WL(think), &q_wl_dist, 0 },
    { "depth", k_int, WL(depth), &lim_depth, 0 },
    { "pattern", k_enum, WL(pattern), pattern_names, 0 },
    { NULL, NULL, 0, NULL, 0 },
};

static const struct keydef wl_server_keys[] = {
    { "type", NULL, 0, NULL, 0 },
    { "device", k_ref, WL(device_name), NULL, K_REQ },
    { "arrival", k_dist, WL(arrival), &q_wl_dist, K_REQ },
    { "service", k_dist, WL(service), &q_wl_dist, K_REQ },
    { "reply_size", k_qty, WL(reply_size), &q_reply, 0 },
    { NULL, NULL, 0, NULL, 0 },
};

static const struct keydef wl_mmu_keys[] = {
    { "type", NULL, 0, NULL, 0 },
    { "interval", k_dist, WL(interval), &q_wl_dist, K_REQ },
    { "updates", k_int, WL(updates), &lim_updates, K_REQ },
    { "batch", k_int, WL(batch), &lim_batch, 0 },
    { "invalid", k_fraction, WL(invalid), NULL, 0 },
    { NULL, NULL, 0, NULL, 0 },
};

static const struct keydef wl_trace_keys[] = {
    { "type", NULL, 0, NULL, 0 },
    { "file", k_ref, WL(file), NULL, K_REQ },
    { "loop", k_bool, WL(loop), NULL, 0 },
    { "device", k_ref, WL(device_name), NULL, 0 },
    { "nic", k_ref, WL(nic_name), NULL, 0 },
    { NULL, NULL, 0, NULL, 0 },
};

static const struct keydef *const wl_tables[] = {
    [SCN_WL_NONE] = NULL,
    [SCN_WL_CPU] = wl_cpu_keys, [SCN_WL_PERIODIC] = wl_periodic_keys,
    [SCN_WL_IO] = wl_io_keys, [SCN_WL_SERVER] = wl_server_keys,
    [SCN_WL_MMU] = wl_mmu_keys, [SCN_WL_TRACE] = wl_trace_keys,
};

static int k_workload(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    struct scn_workload *wl = dst;
    if (!is_map(&v) || is_null(&v))
        return err(c, &v, "%s: expected a mapping with 'type', found %s", k->name, found(&v));
    set_loc(c, &v, &wl->loc);
    struct entries es;
    int rc = collect(c, v, true, "key", &es);
    if (!entries_find(&es, "type")) {
        rc = err(c, &v, "workload: missing required key 'type' (one of cpu, periodic, io, "
                 "server, mmu, trace)");
        goto out;
    }
    int type;
    int r = selector(c, &es, "type", wl_names + 1, &type);
    if (r < 0) {
        rc = r;
        goto out;
    }
    wl->type = (enum scn_wl_type)(type + 1);
    r = walk_entries(c, &v, &es, wl_tables[wl->type], wl);
    if (r < 0)
        rc = r;
out:
    entries_free(&es);
    return rc;
}

/* ------------------------------------------------------------------------
 * Domains
 */

#define DOM(f) offsetof(struct dom_tmp, d.f)

static const struct keydef bvt_dom_keys[] = {
    { "mcu_advance", k_i64, offsetof(struct scn_bvt_dom, mcu_advance), &lim_mcu_advance, 0 },
    { "warp", k_qty, offsetof(struct scn_bvt_dom, warp), &q_warp, 0 },
    { "warpl", k_qty, offsetof(struct scn_bvt_dom, warpl), &q_warp, 0 },
    { "warpu", k_qty, offsetof(struct scn_bvt_dom, warpu), &q_warp, 0 },
    { NULL, NULL, 0, NULL, 0 },
};

static const struct keydef atropos_dom_keys[] = {
    { "period", k_qty, offsetof(struct scn_atropos_dom, period), &q_at_time, 0 },
    { "slice", k_qty, offsetof(struct scn_atropos_dom, slice), &q_at_slice, 0 },
    { "latency", k_qty, offsetof(struct scn_atropos_dom, latency), &q_at_time, 0 },
    { "xtratime", k_bool, offsetof(struct scn_atropos_dom, xtratime), NULL, 0 },
    { NULL, NULL, 0, NULL, 0 },
};

static const struct keydef rr_dom_keys[] = {
    { NULL, NULL, 0, NULL, 0 },
};

static int k_bvt_dom(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    struct scn_bvt_dom *b = dst;
    b->set = true;
    set_loc(c, &v, &b->loc);
    return walk_map(c, v, k->aux, b);
}

static int k_atropos_dom(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    struct scn_atropos_dom *a = dst;
    a->set = true;
    set_loc(c, &v, &a->loc);
    int rc = walk_map(c, v, k->aux, a);
    if (rc)
        return rc;
    /* Xen's at_adjdom refused these; so do we (defaults included). */
    char x[32], p[32];
    unit_format(a->period, UNIT_TIME, p, sizeof p);
    if (a->slice > a->period)
        return err(c, &v, "atropos: slice (%s) must not exceed period (%s)",
                   unit_format(a->slice, UNIT_TIME, x, sizeof x), p);
    if (a->latency > a->period)
        return err(c, &v, "atropos: latency (%s) must not exceed period (%s)",
                   unit_format(a->latency, UNIT_TIME, x, sizeof x), p);
    return 0;
}

static const struct keydef dom_sched_keys[] = {
    { "rr", k_map, 0, rr_dom_keys, 0 },
    { "bvt", k_bvt_dom, DOM(bvt) - DOM(bvt), bvt_dom_keys, 0 },
    { "atropos", k_atropos_dom, DOM(atropos) - DOM(bvt), atropos_dom_keys, 0 },
    { NULL, NULL, 0, NULL, 0 },
};

/* sched: walks into the domain at its bvt member (see offsets above). */
static int k_dom_sched(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    return walk_map(c, v, k->aux, dst);
}

static const struct keydef backend_keys[] = {
    { "per_request", k_qty, 0, &q_per_request, 0 },
    { NULL, NULL, 0, NULL, 0 },
};

static int get_cpu(struct ctx *c, const struct keydef *k, const struct nref *v, int64_t *out)
{
    static const struct ilim lim = { 0, 1023 };
    return get_int(c, k, v, &lim, out);
}

static int k_cpus(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    struct rawlist *l = dst;
    if (!is_seq(&v))
        return err(c, &v, "%s: expected a list of pCPU numbers such as [0, 1], found %s",
                   k->name, found(&v));
    return rawlist(c, k, v, l, get_cpu);
}

static int k_count(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    return k_int(c, k, v, dst);
}

/* A domain named later (ping's target), checked after the walk. */
static int k_ping_target(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    int rc = k_str(c, k, v, dst);
    if (rc)
        return rc;
    struct scn_ping *p = (struct scn_ping *)((char *)dst - k->off);
    return set_loc(c, &v, &p->target_loc);
}

static const struct keydef ping_keys[] = {
    { "target", k_ping_target, offsetof(struct scn_ping, target_name), NULL, K_REQ },
    { "interval", k_dist, offsetof(struct scn_ping, interval), &q_wl_dist, K_REQ },
    { "size", k_qty, offsetof(struct scn_ping, size), &q_pkt_size, 0 },
    { NULL, NULL, 0, NULL, 0 },
};

static const struct keydef echo_keys[] = {
    { "arrival", k_dist, offsetof(struct scn_echo, arrival), &q_wl_dist, K_REQ },
    { "size", k_qty, offsetof(struct scn_echo, size), &q_pkt_size, 0 },
    { NULL, NULL, 0, NULL, 0 },
};

static int k_ping(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    struct scn_ping *p = dst;
    p->set = true;
    set_loc(c, &v, &p->loc);
    return walk_map(c, v, k->aux, p);
}

static int k_echo(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    struct scn_echo *p = dst;
    p->set = true;
    set_loc(c, &v, &p->loc);
    return walk_map(c, v, k->aux, p);
}

static int k_vif(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    int rc = k_str(c, k, v, dst);
    if (rc)
        return rc;
    struct scn_domain *d = (struct scn_domain *)((char *)dst - offsetof(struct scn_domain, vif_name));
    return set_loc(c, &v, &d->vif_loc);
}

static const struct keydef domain_keys[] = {
    { "privileged", k_bool, DOM(privileged), NULL, 0 },
    { "vcpus", k_int, DOM(vcpus), &lim_vcpus, 0 },
    { "memory", k_qty, DOM(memory), &q_memory, 0 },
    { "cpus", k_cpus, offsetof(struct dom_tmp, cpus), NULL, 0 },
    { "count", k_count, offsetof(struct dom_tmp, count), &lim_count, 0 },
    { "sched", k_dom_sched, DOM(bvt), dom_sched_keys, 0 },
    { "workload", k_workload, DOM(wl), NULL, 0 },
    { "backend", k_map, DOM(backend_per_request), backend_keys, 0 },
    { "unpause", k_qty, DOM(unpause), &q_warmup, 0 },
    { "vif", k_vif, DOM(vif_name), NULL, 0 },
    { "ping", k_ping, DOM(ping), ping_keys, 0 },
    { "echo", k_echo, DOM(echo), echo_keys, 0 },
    { NULL, NULL, 0, NULL, 0 },
};

static void dom_defaults(struct scn_domain *d, bool privileged)
{
    d->vcpus = 1;
    d->memory = 256LL << 20;
    d->backend_per_request = US(20);
    d->index = -1;
    d->bvt.mcu_advance = 10;
    d->bvt.warp = 0;
    d->bvt.warpl = MS(2000);
    d->bvt.warpu = MS(1000);
    /* Atropos defaults of Xen 2.0: domain 0 gets a real reservation, the
     * others are best effort (a 10 ms slice every 10 s, with xtratime). */
    d->atropos.period = privileged ? MS(20) : SEC(10);
    d->atropos.slice = privileged ? MS(15) : MS(10);
    d->atropos.latency = privileged ? MS(5) : SEC(10);
    d->atropos.xtratime = true;
    d->wl.type = SCN_WL_NONE;
    d->wl.device = -1;
    d->wl.nic = -1;
    d->wl.op = SCN_IO_READ;
    d->wl.depth = 1;
    d->wl.pattern = SCN_IO_RANDOM;
    d->wl.think.kind = DIST_CONST;
    d->wl.reply_size = 1024;
    d->wl.batch = 1;
    d->vif = -1;
    d->ping.target = -1;
    d->ping.size = 64;
    d->echo.size = 64;
}

/* Whether the domain's mapping (with overrides) says privileged: true; the
 * Atropos defaults depend on it, so it is read before the rest. */
static bool peek_privileged(struct ctx *c, struct entries *es)
{
    struct entry *e = entries_find(es, "privileged");
    if (!e || !is_scalar(&e->val))
        return false;
    (void)c;
    size_t n;
    const char *s = sval(&e->val, &n);
    return n == 4 && !memcmp(s, "true", 4);
}

static int one_domain(struct ctx *c, struct entry *e, void *elem)
{
    struct dom_tmp *t = elem;
    int rc = check_name(c, e, "domain");
    t->count = -1;
    if (!is_map(&e->val) && !is_null(&e->val))
        return err(c, &e->val, "domain '%s': expected a mapping, found %s", e->key,
                   found(&e->val));
    size_t old = path_push(c, e->key);
    struct entries es;
    struct nref v = e->val;
    if (is_null(&v)) {
        int line, col;
        ref_loc(&v, &line, &col);
        v.node = NULL, v.line0 = line - 1, v.col0 = col - 1;
    }
    int r = collect(c, v, true, "key", &es);
    if (r < 0)
        rc = r;
    dom_defaults(&t->d, peek_privileged(c, &es));
    t->d.name = strdup(e->key);
    t->d.group = strdup(e->key);
    if (!t->d.name || !t->d.group) {
        entries_free(&es);
        path_pop(c, old);
        return c->oom = true, -SIM_ENOMEM;
    }
    set_loc(c, &e->kref, &t->d.loc);
    r = walk_entries(c, &v, &es, domain_keys, t);
    if (r < 0)
        rc = r;
    entries_free(&es);
    path_pop(c, old);
    return rc;
}

static int k_domains(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    (void)dst;
    if (!is_map(&v) || is_null(&v))
        return err(c, &v, "%s: expected a mapping of domain names, found %s", k->name,
                   found(&v));
    struct walk *w = c->w;
    int rc;
    w->doms = named_map(c, v, "domain", sizeof *w->doms, one_domain, &w->ndoms, &rc);
    return rc;
}

/* ------------------------------------------------------------------------
 * Top level
 */

static int k_sweep_seen(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    /* Parsed before the walk (see read_sweep); nothing to do here. */
    (void)c, (void)k, (void)v, (void)dst;
    return 0;
}

/* record: a list of rules { modules, what, per }. */
static const char *const rec_per_names[] = { "domain", "group", "both", NULL };
static const char *const rec_what_names[] = { "scalars", "statistics", "histograms", NULL };

static int k_rec_what(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    unsigned *what = dst;
    if (!is_seq(&v))
        return err(c, &v, "%s: expected a list such as [scalars, statistics, histograms], "
                   "found %s", k->name, found(&v));
    const struct keydef one = { k->name, k_enum, 0, rec_what_names, 0 };
    *what = 0;
    int rc = 0;
    for (yaml_node_item_t *it = v.node->data.sequence.items.start;
         it < v.node->data.sequence.items.top; it++) {
        struct nref e = child(&v, *it);
        int i = 0;
        if (!e.node)
            return err(c, &v, "unresolved alias in list");
        int r = k_enum(c, &one, e, &i);
        if (r < 0)
            rc = r;
        else
            *what |= 1u << i;
    }
    return rc;
}

static const struct keydef record_rule_keys[] = {
    { "modules", k_str, offsetof(struct scn_record_rule, modules), NULL, K_REQ },
    { "what", k_rec_what, offsetof(struct scn_record_rule, what), NULL, 0 },
    { "per", k_enum, offsetof(struct scn_record_rule, per), rec_per_names, 0 },
    { NULL, NULL, 0, NULL, 0 },
};

static int k_record(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    struct scn *s = dst;
    if (!is_seq(&v))
        return err(c, &v, "%s: expected a list of rules such as "
                   "[{ modules: 'hog*', what: [scalars], per: group }], found %s",
                   k->name, found(&v));
    yaml_node_item_t *it = v.node->data.sequence.items.start;
    int n = (int)(v.node->data.sequence.items.top - it);
    s->record_given = true;
    if (n == 0)
        return 0;
    s->record = calloc((size_t)n, sizeof *s->record);
    if (!s->record)
        return c->oom = true, -SIM_ENOMEM;
    int rc = 0;
    for (int i = 0; i < n; i++) {
        struct nref e = child(&v, it[i]);
        struct scn_record_rule *r = &s->record[s->nrecord++];
        r->what = SCN_REC_ALL;
        r->per = SCN_REC_PER_DOMAIN;
        if (!e.node)
            return err(c, &v, "unresolved alias in list");
        set_loc(c, &e, &r->loc);
        if (!is_map(&e) || is_null(&e)) {
            rc = err(c, &e, "%s: each rule is a mapping with keys modules, what, per; found %s",
                     k->name, found(&e));
            continue;
        }
        int x = walk_map(c, e, record_rule_keys, r);
        if (x < 0) {
            rc = x;
            continue;
        }
        if (!r->modules[0])
            rc = err(c, &e, "%s: modules: the pattern is empty", k->name);
        else if ((r->what & SCN_REC_HISTOGRAMS) && !(r->what & SCN_REC_STATISTICS))
            rc = err(c, &e, "%s: what: histograms are written with their statistics: "
                     "add 'statistics'", k->name);
    }
    return rc;
}

static const struct keydef top_keys[] = {
    { "name", k_str, offsetof(struct scn, name), NULL, K_REQ },
    { "description", k_str, offsetof(struct scn, description), NULL, 0 },
    { "seed", k_seed, offsetof(struct scn, seed), NULL, 0 },
    { "duration", k_qty, offsetof(struct scn, duration), &q_duration, K_REQ },
    { "warmup", k_qty, offsetof(struct scn, warmup), &q_warmup, 0 },
    { "replications", k_int, offsetof(struct scn, replications), &lim_replications, 0 },
    { "machine", k_map, offsetof(struct scn, machine), machine_keys, 0 },
    { "scheduler", k_map, offsetof(struct scn, sched), sched_keys, 0 },
    { "devices", k_devices, 0, NULL, 0 },
    { "domains", k_domains, 0, NULL, K_REQ },
    { "sweep", k_sweep_seen, 0, NULL, 0 },
    { "record", k_record, 0, NULL, 0 },
    { NULL, NULL, 0, NULL, 0 },
};

/* ------------------------------------------------------------------------
 * After the walk: cross-references and expansion
 */

static int expand_list(struct ctx *c, struct rawlist *l, int pcpus, int64_t dflt,
                       const char *key, int64_t **out)
{
    int64_t *v = calloc((size_t)pcpus, sizeof *v);
    if (!v)
        return c->oom = true, -SIM_ENOMEM;
    *out = v;
    if (!l->given) {
        for (int i = 0; i < pcpus; i++)
            v[i] = dflt;
        return 0;
    }
    if (l->n != 1 && l->n != pcpus)
        return err(c, &l->ref, "%s: has %d entries but the machine has %d pCPU%s (give one "
                   "value for all, or one per pCPU)", key, l->n, pcpus, pcpus == 1 ? "" : "s");
    for (int i = 0; i < pcpus; i++)
        v[i] = l->v[l->n == 1 ? 0 : i];
    return 0;
}

static const char *dirname_of(const char *path, char *buf, size_t n)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return NULL;
    snprintf(buf, n, "%.*s", (int)(slash - path), path);
    return buf;
}

static int loc_err(struct ctx *c, const struct scn_loc *loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int loc_err(struct ctx *c, const struct scn_loc *loc, const char *fmt, ...)
{
    /* A location recorded during the walk: find its source again. */
    struct src *src = c->srcs;
    if (loc->file && !strcmp(loc->file, "--set")) {
        for (struct src *s = c->srcs; s; s = s->next)
            if (!strcmp(s->name, "--set"))
                src = s;
    }
    va_list ap;
    va_start(ap, fmt);
    verr_at(c, src, loc->line, loc->col, fmt, ap);
    va_end(ap);
    return -SIM_EBADINPUT;
}

/* ------------------------------------------------------------------------
 * Files the scenario reads
 *
 * Every file a scenario refers to goes through ref_file (a sweep's values
 * through sweep_files), which resolves it, reads it whole once per load to
 * digest it (sim/hash.h), and lists it in scn.files; the canonical form
 * records each file's length and digest, so the scenario's hash, and with
 * it every run name, changes when a file's contents do.
 */

/* Keys whose value is a path the scenario reads. */
static const char *const file_keys[] = { "file", NULL };

/* path resolved against the directory of the scenario file scn_file, as
 * written if absolute or if the scenario has no directory; malloc'ed. */
static char *resolve_path(const char *scn_file, const char *path)
{
    char dir[4096];
    if (path[0] == '/' || !dirname_of(scn_file, dir, sizeof dir))
        return strdup(path);
    size_t need = strlen(dir) + strlen(path) + 2;
    char *p = malloc(need);
    if (p)
        snprintf(p, need, "%s/%s", dir, path);
    return p;
}

/* The length and digest of the file at path (out->path borrowed from the
 * load's list): read on its first use in this load only. 0, or a negative
 * sim_err with errno saying why it could not be read. */
static int digest_file(struct ctx *c, const char *path, struct scn_file *out)
{
    for (int i = 0; i < c->nseen; i++)
        if (!strcmp(c->seen[i].path, path)) {
            *out = c->seen[i];
            return 0;
        }
    struct scn_file f = { 0 };
    int rc = hash_file_fnv1a64(path, &f.digest, &f.bytes);
    if (rc == -SIM_ENOMEM)
        c->oom = true;
    if (rc < 0)
        return rc;
    struct scn_file *v = realloc(c->seen, (size_t)(c->nseen + 1) * sizeof *v);
    if (v)
        c->seen = v;
    if (!v || !(f.path = strdup(path)))
        return c->oom = true, -SIM_ENOMEM;
    c->seen[c->nseen++] = f;
    *out = f;
    return 0;
}

/* List f in s->files (a copy), unless it is there already. */
static int add_file(struct ctx *c, struct scn *s, const struct scn_file *f)
{
    for (int i = 0; i < s->nfiles; i++)
        if (!strcmp(s->files[i].path, f->path))
            return 0;
    struct scn_file *v = realloc(s->files, (size_t)(s->nfiles + 1) * sizeof *v);
    if (v)
        s->files = v;
    if (!v || !(v[s->nfiles].path = strdup(f->path)))
        return c->oom = true, -SIM_ENOMEM;
    v[s->nfiles].bytes = f->bytes;
    v[s->nfiles].digest = f->digest;
    s->nfiles++;
    return 0;
}

/* The one way a scenario refers to a file: *path, as written under key
 * (at loc), is resolved against the scenario's directory (and replaced by
 * the result), read and digested, and listed in s->files; what names the
 * file's kind in messages ("trace"). */
static int ref_file(struct ctx *c, struct scn *s, const char *key, const char *what,
                    const struct scn_loc *loc, char **path)
{
    char written[256];
    bool relative = (*path)[0] != '/';
    snprintf(written, sizeof written, "%s", *path);
    char *p = resolve_path(s->file, *path);
    if (!p)
        return c->oom = true, -SIM_ENOMEM;
    free(*path);
    *path = p;
    struct scn_file f;
    int rc = digest_file(c, p, &f);
    if (rc == -SIM_ENOMEM)
        return rc;
    if (rc < 0)
        return loc_err(c, loc, "%s: cannot open %s '%s'%s: %s", key, what, written,
                       relative ? " (relative to the scenario's directory)" : "",
                       strerror(errno));
    return add_file(c, s, &f);
}

/* The device an io, server or trace workload names under key (name, at
 * loc): it must exist and be of kind want; its index goes to *out. */
static int resolve_device(struct ctx *c, struct scn *s, const struct scn_workload *wl,
                          const char *key, const char *name, const struct scn_loc *loc,
                          enum scn_dev_kind want, int *out, bool *uses_dev)
{
    for (int i = 0; i < s->ndevices; i++) {
        if (strcmp(s->devices[i].name, name) != 0)
            continue;
        if (s->devices[i].kind != want && wl->type == SCN_WL_TRACE)
            return loc_err(c, loc, "%s: '%s' is a %s; a trace workload replays its %s records "
                           "on a %s", key, name, kind_names[s->devices[i].kind],
                           want == SCN_DEV_DISK ? "block_io" : "net_send and arrival",
                           kind_names[want]);
        if (s->devices[i].kind != want)
            return loc_err(c, loc, "%s: '%s' is a %s; an %s workload needs a %s", key, name,
                           kind_names[s->devices[i].kind],
                           wl->type == SCN_WL_IO ? "io" : "server", kind_names[want]);
        *out = i;
        *uses_dev = true;
        return 0;
    }
    char list[512] = "";
    size_t used = 0;
    const char *names[256];
    size_t nn = 0;
    for (int i = 0; i < s->ndevices; i++) {
        if (nn < 256)
            names[nn++] = s->devices[i].name;
        int w = snprintf(list + used, sizeof list - used, "%s%s", used ? ", " : "",
                         s->devices[i].name);
        if (w > 0 && (size_t)w < sizeof list - used)
            used += (size_t)w;
    }
    const char *near = nearest(name, names, nn);
    if (near)
        return loc_err(c, loc, "%s: '%s' is not defined; did you mean '%s'?", key, name, near);
    return loc_err(c, loc, "%s: '%s' is not defined (%s%s)", key, name,
                   s->ndevices ? "devices: " : "the scenario has no devices",
                   s->ndevices ? list : "");
}

static int resolve_workload(struct ctx *c, struct scn *s, struct scn_domain *d, bool *uses_dev)
{
    struct scn_workload *wl = &d->wl;
    if (wl->type == SCN_WL_IO || wl->type == SCN_WL_SERVER)
        return resolve_device(c, s, wl, "device", wl->device_name, &wl->ref_loc,
                              wl->type == SCN_WL_IO ? SCN_DEV_DISK : SCN_DEV_NIC, &wl->device,
                              uses_dev);
    int rc;
    if (wl->type == SCN_WL_TRACE && wl->device_name
        && (rc = resolve_device(c, s, wl, "device", wl->device_name, &wl->ref_loc,
                                SCN_DEV_DISK, &wl->device, uses_dev)) < 0)
        return rc;
    if (wl->type == SCN_WL_TRACE && wl->nic_name
        && (rc = resolve_device(c, s, wl, "nic", wl->nic_name, &wl->nic_loc, SCN_DEV_NIC,
                                &wl->nic, uses_dev)) < 0)
        return rc;
    if (wl->type == SCN_WL_TRACE)
        return ref_file(c, s, "file", "trace", &wl->file_loc, &wl->file);
    return 0;
}

/* A device's back end runs in its named driver domain, or by default in the
 * first privileged domain. */
static int resolve_driver(struct ctx *c, struct scn *s, struct scn_device *dv)
{
    dv->driver = -1;
    if (!dv->driver_name) {
        for (int i = 0; i < s->ndomains && dv->driver < 0; i++)
            if (s->domains[i].privileged)
                dv->driver = i;
        return 0;
    }
    const char *names[256];
    size_t nn = 0;
    int group = 0;
    for (int i = 0; i < s->ndomains; i++) {
        const struct scn_domain *d = &s->domains[i];
        if (!strcmp(d->name, dv->driver_name)) {
            if (!d->privileged)
                return loc_err(c, &dv->driver_loc, "driver: domain '%s' is not privileged; a "
                               "back end runs only in a domain with 'privileged: true'",
                               d->name);
            dv->driver = i;
            return 0;
        }
        if (d->index >= 0 && !strcmp(d->group, dv->driver_name))
            group++;
        if (nn < 256)
            names[nn++] = d->name;
    }
    if (group)
        return loc_err(c, &dv->driver_loc, "driver: '%s' names a group of %d domains; name one "
                       "of them, e.g. '%s.0'", dv->driver_name, group, dv->driver_name);
    const char *near = nearest(dv->driver_name, names, nn);
    if (near)
        return loc_err(c, &dv->driver_loc, "driver: domain '%s' is not defined; did you mean "
                       "'%s'?", dv->driver_name, near);
    return loc_err(c, &dv->driver_loc, "driver: domain '%s' is not defined", dv->driver_name);
}

/* The index of the domain named name (at loc, under key), or an error
 * that names a group or suggests the nearest name. */
static int find_domain(struct ctx *c, const struct scn *s, const char *key, const char *name,
                       const struct scn_loc *loc, int *out)
{
    const char *names[256];
    size_t nn = 0;
    int group = 0;
    for (int i = 0; i < s->ndomains; i++) {
        if (!strcmp(s->domains[i].name, name)) {
            *out = i;
            return 0;
        }
        if (s->domains[i].index >= 0 && !strcmp(s->domains[i].group, name))
            group++;
        if (nn < 256)
            names[nn++] = s->domains[i].name;
    }
    if (group)
        return loc_err(c, loc, "%s: '%s' names a group of %d domains; name one of them, e.g. "
                       "'%s.0'", key, name, group, name);
    const char *near = nearest(name, names, nn);
    if (near)
        return loc_err(c, loc, "%s: domain '%s' is not defined; did you mean '%s'?", key, name,
                       near);
    return loc_err(c, loc, "%s: domain '%s' is not defined", key, name);
}

/* vif, ping and echo (models/bridge.h): the vif names a NIC with a server
 * (a driver domain or the hypervisor); ping and echo need a vif; a ping's
 * target is another domain with a vif on the same bridge, which only a
 * driver domain has; a NIC carries echo clients or server/trace traffic,
 * not both. */
/* Whether name is one the results store gives to the host or a pCPU. */
static bool reserved_module(const char *name)
{
    if (!strcmp(name, "machine"))
        return true;
    if (strncmp(name, "pcpu", 4) || !name[4])
        return false;
    for (const char *p = name + 4; *p; p++)
        if (*p < '0' || *p > '9')
            return false;
    return true;
}

/* Every domain, count group and device is a module of the results (its
 * moduleName), beside `machine` and `pcpuN`: two of them with one name
 * would mix their rows. */
static int check_module_names(struct ctx *c, struct scn *s)
{
    int rc = 0;
    for (int i = 0; i < s->ndomains; i++) {
        const struct scn_domain *d = &s->domains[i];
        if (d->index > 0)
            continue;               /* a group is checked once, at its first member */
        const char *nm = d->index == 0 ? d->group : d->name;
        if (reserved_module(nm))
            rc = loc_err(c, &d->loc, "domain '%s': the results use this name for the %s; "
                         "choose another name", nm, strcmp(nm, "machine") ? "pCPU of that "
                         "number" : "host's own metrics");
        for (int j = 0; j < s->ndevices; j++)
            if (!strcmp(nm, s->devices[j].name))
                rc = loc_err(c, &d->loc, "domain%s '%s': a device has the same name, and the "
                             "results would mix their rows under one module; rename one of "
                             "them", d->index == 0 ? " group" : "", nm);
    }
    for (int j = 0; j < s->ndevices; j++)
        if (reserved_module(s->devices[j].name))
            rc = loc_err(c, &s->devices[j].loc, "device '%s': the results use this name for "
                         "the %s; choose another name", s->devices[j].name,
                         strcmp(s->devices[j].name, "machine") ? "pCPU of that number"
                                                               : "host's own metrics");
    return rc;
}

static int resolve_net(struct ctx *c, struct scn *s)
{
    int rc = 0;
    for (int i = 0; i < s->ndomains; i++) {
        struct scn_domain *d = &s->domains[i];
        if (d->vif_name) {
            int k = -1;
            for (int j = 0; j < s->ndevices && k < 0; j++)
                if (!strcmp(s->devices[j].name, d->vif_name))
                    k = j;
            const struct scn_device *dv = k >= 0 ? &s->devices[k] : NULL;
            if (!dv)
                rc = loc_err(c, &d->vif_loc, "vif: device '%s' is not defined (a vif is on "
                             "the bridge of a nic)", d->vif_name);
            else if (dv->kind != SCN_DEV_NIC)
                rc = loc_err(c, &d->vif_loc, "vif: '%s' is a disk; a vif is on the bridge "
                             "of a nic", d->vif_name);
            else if (!dv->by_hypervisor && dv->driver < 0)
                rc = loc_err(c, &d->vif_loc, "vif: nic '%s' has no driver domain: mark a "
                             "domain 'privileged: true' (usually dom0) or give the nic "
                             "'served_by: hypervisor'", d->vif_name);
            else if (dv->driver == i)
                rc = loc_err(c, &d->vif_loc, "vif: domain '%s' is the driver domain of '%s' "
                             "(its bridge's host), not a guest on it", d->name, d->vif_name);
            else
                d->vif = k;
        }
        if (d->ping.set && !d->vif_name)
            rc = loc_err(c, &d->ping.loc, "ping: domain '%s' has no vif (add 'vif: NIC')",
                         d->name);
        if (d->echo.set && !d->vif_name)
            rc = loc_err(c, &d->echo.loc, "echo: domain '%s' has no vif (add 'vif: NIC')",
                         d->name);
    }
    if (rc)
        return rc;
    for (int i = 0; i < s->ndomains; i++) {
        struct scn_domain *d = &s->domains[i];
        int t;
        if (!d->ping.set)
            continue;
        int r = find_domain(c, s, "target", d->ping.target_name, &d->ping.target_loc, &t);
        if (r < 0) {
            rc = r;
            continue;
        }
        const struct scn_device *dv = &s->devices[d->vif];
        if (t == i)
            rc = loc_err(c, &d->ping.target_loc, "target: domain '%s' cannot ping itself",
                         d->name);
        else if (s->domains[t].vif != d->vif)
            rc = loc_err(c, &d->ping.target_loc, "target: domain '%s' has no vif on '%s' "
                         "(add 'vif: %s' to it)", s->domains[t].name, dv->name, dv->name);
        else if (dv->by_hypervisor)
            rc = loc_err(c, &d->ping.loc, "ping: nic '%s' is served by the hypervisor, which "
                         "has no bridge between guests; serve it by a driver domain",
                         dv->name);
        else
            d->ping.target = t;
    }
    for (int i = 0; i < s->ndomains; i++) {
        const struct scn_workload *wl = &s->domains[i].wl;
        int k = wl->type == SCN_WL_SERVER ? wl->device : wl->type == SCN_WL_TRACE ? wl->nic : -1;
        if (k < 0)
            continue;
        if (s->domains[i].echo.set)
            return loc_err(c, &s->domains[i].echo.loc, "echo: domain '%s' has a %s workload "
                           "on a nic already (their net_latency would mix)", s->domains[i].name,
                           wl_names[wl->type]);
        if (s->devices[k].by_hypervisor)
            return loc_err(c, &wl->loc, "workload: nic '%s' is served by the hypervisor, which "
                           "carries only vif traffic (vif, echo); serve it by a driver domain",
                           s->devices[k].name);
        for (int j = 0; j < s->ndomains; j++)
            if (s->domains[j].echo.set && s->domains[j].vif == k)
                return loc_err(c, &s->domains[j].echo.loc, "echo: nic '%s' also carries the "
                               "%s workload of '%s'; give the echo clients a nic of their own",
                               s->devices[k].name, wl_names[wl->type], s->domains[i].name);
    }
    return 0;
}

/* Event-channel ports: every domain uses port 0 (reserved) and its timer
 * VIRQ; each front end (an io, server or trace workload's vCPU 0 queue, a
 * vif) takes one port in the guest and one in its device's driver domain;
 * each device in use takes a physical-IRQ port in its driver domain
 * (models/blk.c, net.c, bridge.c, hv.c bind exactly these). A trace's
 * queues of other vCPUs, known only once the trace is read, are counted
 * when the host is built. A domain needing more than SCN_EVTCHN_PORTS is
 * refused, at the domain. */
static int check_ports(struct ctx *c, const struct scn *s)
{
    int *ports = calloc((size_t)s->ndomains + 1, sizeof *ports);
    int *fronts = calloc((size_t)s->ndevices + 1, sizeof *fronts);     /* per device */
    bool *irq = calloc((size_t)s->ndevices + 1, sizeof *irq);
    if (!ports || !fronts || !irq) {
        free(ports);
        free(fronts);
        free(irq);
        return c->oom = true, -SIM_ENOMEM;
    }
    for (int i = 0; i < s->ndomains; i++) {
        const struct scn_domain *d = &s->domains[i];
        const struct scn_workload *wl = &d->wl;
        int k[3] = { -1, -1, -1 };          /* devices of its front ends */
        if (wl->type == SCN_WL_IO || wl->type == SCN_WL_SERVER)
            k[0] = wl->device;
        if (wl->type == SCN_WL_TRACE)
            k[0] = wl->device, k[1] = wl->nic;
        k[2] = d->vif;
        ports[i] += 2;
        for (int j = 0; j < 3; j++) {
            if (k[j] < 0)
                continue;
            const struct scn_device *dv = &s->devices[k[j]];
            ports[i]++;
            if (dv->by_hypervisor || dv->driver < 0)
                continue;
            ports[dv->driver]++;
            fronts[k[j]]++;
            if (j < 2 || d->echo.set)
                irq[k[j]] = true;
        }
    }
    for (int k = 0; k < s->ndevices; k++)
        if (irq[k])
            ports[s->devices[k].driver]++;
    int rc = 0;
    for (int i = 0; i < s->ndomains && rc == 0; i++) {
        if (ports[i] <= SCN_EVTCHN_PORTS)
            continue;
        struct sbuf b = { 0 };
        for (int k = 0; k < s->ndevices; k++)
            if (fronts[k] && s->devices[k].driver == i && !s->devices[k].by_hypervisor)
                sb_printf(&b, "%s%d '%s'", b.n ? ", " : "", fronts[k], s->devices[k].name);
        char *list = sb_take(&b);
        if (!list) {
            rc = -SIM_ENOMEM;
            c->oom = true;
            break;
        }
        rc = loc_err(c, &s->domains[i].loc, "domain '%s' needs %d event-channel ports, more "
                     "than the %d a domain has (Xen 2.0's NR_EVENT_CHANNELS): it serves %s "
                     "front ends; serve some devices from another privileged domain (the "
                     "device's 'driver:' key), and split the guests of a device over more "
                     "devices if one has too many", s->domains[i].name, ports[i],
                     SCN_EVTCHN_PORTS, list);
        free(list);
    }
    free(ports);
    free(fronts);
    free(irq);
    return rc;
}

static int finish(struct ctx *c, struct walk *w)
{
    struct scn *s = w->s;
    int rc = 0;
    int pcpus = s->machine.pcpus;
    int r = expand_list(c, &w->mtmp.ppb, pcpus, 0, "tsc_ppm", &s->machine.clock.tsc_ppb);
    if (r < 0)
        rc = r;
    /* No tsc_offset: the TSCs have counted since power-on (sim/clock.h). */
    r = expand_list(c, &w->mtmp.offset, pcpus,
                    (int64_t)clk_default_tsc_offset(s->machine.clock.tsc_hz), "tsc_offset",
                    &s->machine.clock.tsc_offset);
    if (r < 0)
        rc = r;
    if (!s->machine.clock.timer_order_given)
        s->machine.clock.timer_order = scn_default_timer_order(s->sched.name);

    /* Expand counts; every domain of a group shares the group's settings. */
    int total = 0;
    for (int i = 0; i < w->ndoms; i++)
        total += w->doms[i].count < 0 ? 1 : w->doms[i].count;
    s->domains = calloc((size_t)(total ? total : 1), sizeof *s->domains);
    if (!s->domains)
        return c->oom = true, -SIM_ENOMEM;
    bool uses_dev = false, have_priv = false;
    struct scn_loc first_dev_user = { 0 };
    for (int i = 0; i < w->ndoms; i++) {
        struct dom_tmp *t = &w->doms[i];
        for (int j = 0; j < t->cpus.n; j++) {
            if (t->cpus.v[j] >= pcpus) {
                struct nref e = t->cpus.ref;
                if (is_seq(&e))
                    e = child(&t->cpus.ref, t->cpus.ref.node->data.sequence.items.start[j]);
                rc = err(c, &e, "cpus: pCPU %" PRId64 " does not exist (the machine has %d "
                         "pCPU%s, numbered from 0)", t->cpus.v[j], pcpus, pcpus == 1 ? "" : "s");
            }
            for (int k = 0; k < j; k++)
                if (t->cpus.v[k] == t->cpus.v[j]) {
                    rc = err(c, &t->cpus.ref, "cpus: pCPU %" PRId64 " is listed twice",
                             t->cpus.v[j]);
                }
        }
        bool dev = false;
        r = resolve_workload(c, s, &t->d, &dev);
        if (r < 0)
            rc = r;
        if (dev && !uses_dev) {
            uses_dev = true;
            first_dev_user = t->d.wl.loc;
        }
        if (t->d.privileged && t->count != 0)
            have_priv = true;
        int n = t->count < 0 ? 1 : t->count;
        for (int j = 0; j < n; j++) {
            struct scn_domain *d = &s->domains[s->ndomains];
            *d = t->d;
            d->name = NULL;
            d->group = strdup(t->d.group);
            d->wl.device_name = t->d.wl.device_name ? strdup(t->d.wl.device_name) : NULL;
            d->wl.nic_name = t->d.wl.nic_name ? strdup(t->d.wl.nic_name) : NULL;
            d->wl.file = t->d.wl.file ? strdup(t->d.wl.file) : NULL;
            d->vif_name = t->d.vif_name ? strdup(t->d.vif_name) : NULL;
            d->ping.target_name = t->d.ping.target_name ? strdup(t->d.ping.target_name) : NULL;
            d->cpus = NULL;
            d->ncpus = 0;
            s->ndomains++;
            if (t->count < 0) {
                d->name = strdup(t->d.name);
            } else {
                char nm[SCN_NAME_MAX + 16];
                snprintf(nm, sizeof nm, "%s.%d", t->d.group, j);
                d->name = strdup(nm);
                d->index = j;
            }
            if (t->cpus.n) {
                d->cpus = malloc((size_t)t->cpus.n * sizeof *d->cpus);
                if (d->cpus) {
                    for (int k = 0; k < t->cpus.n; k++)
                        d->cpus[k] = (int)t->cpus.v[k];
                    d->ncpus = t->cpus.n;
                }
            }
            if (!d->name || !d->group || (t->d.wl.device_name && !d->wl.device_name) ||
                (t->d.wl.nic_name && !d->wl.nic_name) ||
                (t->d.wl.file && !d->wl.file) || (t->cpus.n && !d->cpus) ||
                (t->d.vif_name && !d->vif_name) ||
                (t->d.ping.target_name && !d->ping.target_name))
                return c->oom = true, -SIM_ENOMEM;
        }
    }
    if (uses_dev && !have_priv)
        rc = loc_err(c, &first_dev_user, "this workload uses a device, whose back end runs in a "
                     "driver domain: mark a domain 'privileged: true' (usually dom0)");
    for (int i = 0; i < s->ndevices; i++) {
        if (s->devices[i].by_hypervisor) {
            s->devices[i].driver = -1;
            if (s->devices[i].irq_cpu >= pcpus)
                rc = loc_err(c, &s->devices[i].served_loc, "irq_cpu: pCPU %d does not exist "
                             "(the machine has %d pCPU%s)", s->devices[i].irq_cpu, pcpus,
                             pcpus == 1 ? "" : "s");
            continue;
        }
        r = resolve_driver(c, s, &s->devices[i]);
        if (r < 0)
            rc = r;
    }
    if (rc == 0)
        rc = resolve_net(c, s);
    if (rc == 0)
        rc = check_ports(c, s);
    if (rc == 0)
        rc = check_module_names(c, s);
    for (int i = 0; rc == 0 && i < s->nrecord; i++) {
        const struct scn_record_rule *rr = &s->record[i];
        bool hit = false;
        for (int d = 0; d < s->ndomains && !hit; d++)
            hit = !fnmatch(rr->modules, s->domains[d].name, 0)
                  || !fnmatch(rr->modules, s->domains[d].group, 0);
        if (!hit)
            rc = loc_err(c, &rr->loc, "record: modules '%s' matches no domain and no count "
                         "group", rr->modules);
    }
    return rc;
}

/* ------------------------------------------------------------------------
 * Sweep and overrides
 */

/* Compact YAML-ish rendering of a value, for run names and the summary. */
static void render(struct sbuf *b, const struct nref *v, int depth)
{
    if (!v->node || depth > 8) {
        sb_printf(b, "~");
        return;
    }
    switch (v->node->type) {
    case YAML_SCALAR_NODE: {
        size_t n;
        const char *s = sval(v, &n);
        sb_printf(b, "%.*s", (int)n, s);
        break;
    }
    case YAML_SEQUENCE_NODE: {
        sb_printf(b, "[");
        for (yaml_node_item_t *it = v->node->data.sequence.items.start;
             it < v->node->data.sequence.items.top; it++) {
            struct nref e = child(v, *it);
            sb_printf(b, "%s", it == v->node->data.sequence.items.start ? "" : ", ");
            render(b, &e, depth + 1);
        }
        sb_printf(b, "]");
        break;
    }
    case YAML_MAPPING_NODE: {
        sb_printf(b, "{");
        for (yaml_node_pair_t *p = v->node->data.mapping.pairs.start;
             p < v->node->data.mapping.pairs.top; p++) {
            struct nref k = child(v, p->key), x = child(v, p->value);
            sb_printf(b, "%s", p == v->node->data.mapping.pairs.start ? "" : ", ");
            render(b, &k, depth + 1);
            sb_printf(b, ": ");
            render(b, &x, depth + 1);
        }
        sb_printf(b, "}");
        break;
    }
    default:
        sb_printf(b, "~");
    }
}

struct axis_tmp {
    struct nref key;
    yaml_node_item_t *items;        /* the values' node indices */
    int n;
};

static bool valid_path(const char *p)
{
    if (!*p || *p == '.')
        return false;
    for (; *p; p++) {
        char ch = *p;
        if (ch == '.') {
            if (p[1] == '.' || p[1] == '\0')
                return false;
        } else if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                     (ch >= '0' && ch <= '9') || ch == '_' || ch == '-')) {
            return false;
        }
    }
    return true;
}

/* Read the sweep block before the walk: its values become overrides. */
static int read_sweep(struct ctx *c, struct nref root, struct scn *s, struct axis_tmp **axes)
{
    *axes = NULL;
    if (!root.node || root.node->type != YAML_MAPPING_NODE)
        return 0;
    struct nref sw = { 0 };
    for (yaml_node_pair_t *p = root.node->data.mapping.pairs.start;
         p < root.node->data.mapping.pairs.top; p++) {
        struct nref k = child(&root, p->key);
        size_t n;
        if (is_scalar(&k) && (sval(&k, &n), n == 5) && !memcmp(sval(&k, &n), "sweep", 5)) {
            sw = child(&root, p->value);
            break;
        }
    }
    if (!sw.node || is_null(&sw))
        return 0;
    if (sw.node->type != YAML_MAPPING_NODE)
        return err(c, &sw, "sweep: expected a mapping of paths to lists of values, found %s",
                   found(&sw));
    int npairs = (int)(sw.node->data.mapping.pairs.top - sw.node->data.mapping.pairs.start);
    s->sweep = calloc((size_t)(npairs ? npairs : 1), sizeof *s->sweep);
    *axes = calloc((size_t)(npairs ? npairs : 1), sizeof **axes);
    if (!s->sweep || !*axes)
        return c->oom = true, -SIM_ENOMEM;
    int rc = 0;
    s->sweep_points = 1;
    for (yaml_node_pair_t *p = sw.node->data.mapping.pairs.start;
         p < sw.node->data.mapping.pairs.top; p++) {
        struct nref k = child(&sw, p->key), v = child(&sw, p->value);
        if (!k.node || !v.node)
            return err(c, &sw, "unresolved alias in sweep");
        if (!is_scalar(&k)) {
            rc = err(c, &k, "sweep: keys must be dotted paths such as domains.hog.count");
            continue;
        }
        size_t n;
        const char *ks = sval(&k, &n);
        char path[256];
        snprintf(path, sizeof path, "%.*s", (int)(n < 255 ? n : 255), ks);
        if (n >= 255 || !valid_path(path)) {
            rc = err(c, &k, "sweep: '%s' is not a dotted path such as domains.hog.count", path);
            continue;
        }
        if (!strcmp(path, "sweep") || !strncmp(path, "sweep.", 6)) {
            rc = err(c, &k, "sweep: a sweep cannot vary the sweep itself");
            continue;
        }
        for (int i = 0; i < s->nsweep; i++)
            if (!strcmp(s->sweep[i].path, path)) {
                rc = err(c, &k, "sweep: duplicate path '%s' (first at line %d)", path,
                         s->sweep[i].loc.line);
                goto next;
            }
        if (!is_seq(&v)) {
            rc = err(c, &v, "sweep: %s: expected a list of values such as [1, 2, 4], found %s",
                     path, found(&v));
            continue;
        }
        int nv = (int)(v.node->data.sequence.items.top - v.node->data.sequence.items.start);
        if (nv == 0) {
            rc = err(c, &v, "sweep: %s: the list of values is empty", path);
            continue;
        }
        struct scn_sweep_axis *ax = &s->sweep[s->nsweep];
        struct axis_tmp *at = &(*axes)[s->nsweep];
        s->nsweep++;
        ax->path = strdup(path);
        ax->values = calloc((size_t)nv, sizeof *ax->values);
        if (!ax->path || !ax->values)
            return c->oom = true, -SIM_ENOMEM;
        set_loc(c, &k, &ax->loc);
        at->key = k;
        at->items = v.node->data.sequence.items.start;
        at->n = nv;
        for (int i = 0; i < nv; i++) {
            struct nref e = child(&v, at->items[i]);
            struct sbuf b = { 0 };
            render(&b, &e, 0);
            ax->values[i] = sb_take(&b);
            if (!ax->values[i])
                return c->oom = true, -SIM_ENOMEM;
            ax->nvalues++;
        }
        if (s->sweep_points > UINT64_MAX / (uint64_t)nv)
            rc = err(c, &v, "sweep: too many points");
        else
            s->sweep_points *= (uint64_t)nv;
    next:;
    }
    return rc;
}

static struct src *src_new(struct ctx *c, const char *name, const char *text, size_t len)
{
    struct src *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->name = strdup(name);
    s->text = malloc(len + 1);
    if (!s->name || !s->text) {
        free(s->name);
        free(s->text);
        free(s);
        return NULL;
    }
    memcpy(s->text, text, len);
    s->text[len] = '\0';
    s->len = len;
    /* Keep the file first: locations recorded without a source refer to it. */
    struct src **tail = &c->srcs;
    while (*tail)
        tail = &(*tail)->next;
    *tail = s;
    return s;
}

/* Add an override; at the front if `front`, so that later ones (the --set
 * options) win when two name the same path. */
static int add_override(struct ctx *c, const char *path, struct nref key, struct nref val,
                        bool front)
{
    struct override *o = realloc(c->ovr, (size_t)(c->novr + 1) * sizeof *o);
    if (!o)
        return c->oom = true, -SIM_ENOMEM;
    c->ovr = o;
    char *p = strdup(path);
    if (!p)
        return c->oom = true, -SIM_ENOMEM;
    if (front)
        memmove(c->ovr + 1, c->ovr, (size_t)c->novr * sizeof *c->ovr);
    o = &c->ovr[front ? 0 : c->novr];
    memset(o, 0, sizeof *o);
    o->path = p;
    o->key = key;
    o->val = val;
    c->novr++;
    return 0;
}

/* Drop the first n overrides (those of a sweep point just checked). */
static void drop_front(struct ctx *c, int n)
{
    if (n <= 0)
        return;                 /* c->ovr may be NULL */
    for (int i = 0; i < n; i++)
        free(c->ovr[i].path);
    memmove(c->ovr, c->ovr + n, (size_t)(c->novr - n) * sizeof *c->ovr);
    c->novr -= n;
}

/* Put the values of sweep point `idx` (one index per axis) in front. */
static int push_point(struct ctx *c, struct nref root, const struct scn *base,
                      const struct axis_tmp *axes, const int *idx)
{
    for (int a = base->nsweep - 1; a >= 0; a--) {
        struct nref v = child(&root, axes[a].items[idx[a]]);
        if (add_override(c, base->sweep[a].path, axes[a].key, v, true) < 0)
            return -SIM_ENOMEM;
    }
    return 0;
}

/* Describe a libyaml failure in the user's terms. */
static int yaml_failure(struct ctx *c, struct src *src, yaml_parser_t *p, int line0, int col0)
{
    const char *prob = p->problem ? p->problem : "malformed YAML";
    yaml_mark_t m = p->problem_mark;
    if (p->error == YAML_READER_ERROR) {
        /* Reader errors carry a byte offset, not a line. */
        size_t off = p->problem_offset;
        int line = 1, col = 1;
        for (size_t i = 0; i < off && i < src->len; i++) {
            if (src->text[i] == '\n')
                line++, col = 1;
            else
                col++;
        }
        err_at(c, src, line0 + line, col0 + col, "malformed YAML: %s (the file must be UTF-8 "
               "text)", prob);
        return -SIM_EBADINPUT;
    }
    int line = (int)m.line + line0 + 1, col = (int)m.column + col0 + 1;
    size_t n;
    if (m.index >= src->len || !src_line(src, line, &n)) {
        err_at(c, src, line, col, "malformed YAML: %s %s at the end of the input", prob,
               p->context ? p->context : "");
        return -SIM_EBADINPUT;
    }
    if (strstr(prob, "tab"))
        err_at(c, src, line, col, "tab character in indentation: YAML indentation must use "
               "spaces");
    else if (p->context)
        err_at(c, src, line, col, "malformed YAML: %s %s", prob, p->context);
    else
        err_at(c, src, line, col, "malformed YAML: %s", prob);
    return -SIM_EBADINPUT;
}

/* Tabs used for indentation are refused before libyaml sees them, with a
 * message that says what to do. */
static int check_tabs(struct ctx *c, struct src *src)
{
    int line = 1;
    const char *p = src->text, *end = src->text + src->len;
    while (p < end) {
        const char *q = p;
        while (q < end && *q == ' ')
            q++;
        if (q < end && *q == '\t') {
            err_at(c, src, line, (int)(q - p) + 1, "tab character in indentation: YAML "
                   "indentation must use spaces");
            return -SIM_EBADINPUT;
        }
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            break;
        p = nl + 1;
        line++;
    }
    return 0;
}

static yaml_document_t *parse_doc(struct ctx *c, struct src *src, int line0, int col0,
                                  bool single)
{
    yaml_document_t *doc = calloc(1, sizeof *doc);
    if (!doc)
        return c->oom = true, NULL;
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p)) {
        free(doc);
        return c->oom = true, NULL;
    }
    yaml_parser_set_input_string(&p, (const unsigned char *)src->text, src->len);
    if (!yaml_parser_load(&p, doc)) {
        yaml_failure(c, src, &p, line0, col0);
        yaml_parser_delete(&p);
        free(doc);
        return NULL;
    }
    if (single) {
        /* A second document in a scenario is almost surely a mistake. */
        yaml_document_t extra;
        if (!yaml_parser_load(&p, &extra)) {
            yaml_failure(c, src, &p, line0, col0);
            yaml_document_delete(doc);
            yaml_parser_delete(&p);
            free(doc);
            return NULL;
        }
        if (yaml_document_get_root_node(&extra)) {
            err_at(c, src, (int)extra.start_mark.line + 1, (int)extra.start_mark.column + 1,
                   "a scenario file holds one YAML document; found a second one");
            yaml_document_delete(&extra);
            yaml_document_delete(doc);
            yaml_parser_delete(&p);
            free(doc);
            return NULL;
        }
        yaml_document_delete(&extra);
    }
    yaml_parser_delete(&p);
    if (c->ndocs == (int)(sizeof c->docs / sizeof c->docs[0])) {
        err_at(c, src, 1, 1, "too many --set options (at most %d)", (int)(sizeof c->docs /
               sizeof c->docs[0]) - 1);
        yaml_document_delete(doc);
        free(doc);
        return NULL;
    }
    c->docs[c->ndocs++] = doc;
    return doc;
}

/* --set PATH=VALUE: VALUE is parsed as YAML (so lists work), located within
 * the argument for messages. */
static int parse_set(struct ctx *c, const char *arg)
{
    struct src *src = src_new(c, "--set", arg, strlen(arg));
    if (!src)
        return c->oom = true, -SIM_ENOMEM;
    const char *eq = strchr(arg, '=');
    if (!eq) {
        err_at(c, src, 1, 1, "expected PATH=VALUE, e.g. --set scheduler.name=rr");
        return -SIM_EBADINPUT;
    }
    char path[256];
    size_t plen = (size_t)(eq - arg);
    snprintf(path, sizeof path, "%.*s", (int)(plen < 255 ? plen : 255), arg);
    if (plen >= 255 || !valid_path(path)) {
        err_at(c, src, 1, 1, "'%s' is not a dotted path such as machine.pcpus", path);
        return -SIM_EBADINPUT;
    }
    if (!strcmp(path, "sweep") || !strncmp(path, "sweep.", 6)) {
        err_at(c, src, 1, 1, "--set cannot change the sweep; edit the scenario instead");
        return -SIM_EBADINPUT;
    }
    /* Parse just the value, then shift its marks into the argument. */
    const char *vtext = eq[1] ? eq + 1 : "~";   /* "--set description=": empty */
    struct src vsrc = { .name = src->name, .text = (char *)vtext, .len = strlen(vtext) };
    size_t before = c->diags->n;
    yaml_document_t *doc = parse_doc(c, &vsrc, 0, (int)plen + 1, false);
    if (!doc) {
        /* Re-point messages about the value at the whole argument. */
        for (size_t i = before; i < c->diags->n; i++) {
            free(c->diags->v[i].line);
            c->diags->v[i].line = strdup(arg);
        }
        return -SIM_EBADINPUT;
    }
    struct nref key = { .doc = NULL, .node = NULL, .src = src, .line0 = 0, .col0 = 0 };
    struct nref val = { .doc = doc, .node = yaml_document_get_root_node(doc), .src = src,
                        .line0 = 0, .col0 = (int)plen + 1 };
    if (!val.node)
        return err_at(c, src, 1, (int)plen + 2, "missing value after '='"), -SIM_EBADINPUT;
    return add_override(c, path, key, val, false);
}

/* ------------------------------------------------------------------------
 * Loading
 */

static void domain_free(struct scn_domain *d)
{
    free(d->name);
    free(d->group);
    free(d->cpus);
    free(d->wl.device_name);
    free(d->wl.nic_name);
    free(d->wl.file);
    free(d->vif_name);
    free(d->ping.target_name);
}

static void free_sweep(struct scn_sweep_axis *sw, int n)
{
    for (int i = 0; i < n; i++) {
        free(sw[i].path);
        for (int j = 0; j < sw[i].nvalues; j++)
            free(sw[i].values[j]);
        free(sw[i].values);
    }
    free(sw);
}

void scn_free(struct scn *s)
{
    if (!s)
        return;
    free(s->file);
    free(s->name);
    free(s->description);
    free(s->machine.clock.tsc_ppb);
    free(s->machine.clock.tsc_offset);
    for (int i = 0; i < s->ndevices; i++) {
        free(s->devices[i].name);
        free(s->devices[i].driver_name);
    }
    free(s->devices);
    for (int i = 0; i < s->ndomains; i++)
        domain_free(&s->domains[i]);
    free(s->domains);
    for (int i = 0; i < s->nrecord; i++)
        free(s->record[i].modules);
    free(s->record);
    free_sweep(s->sweep, s->nsweep);
    for (int i = 0; i < s->nfiles; i++)
        free(s->files[i].path);
    free(s->files);
    free(s);
}

static void walk_free(struct walk *w)
{
    free(w->mtmp.ppb.v);
    free(w->mtmp.offset.v);
    for (int i = 0; i < w->ndoms; i++) {
        domain_free(&w->doms[i].d);
        free(w->doms[i].cpus.v);
    }
    free(w->doms);
}

static void scn_defaults(struct scn *s)
{
    s->seed = 1;
    s->replications = 1;
    s->machine.pcpus = 1;
    s->machine.clock.tsc_hz = 2400000000LL;
    s->machine.clock.timer_slop = US(50);
    s->machine.clock.apic_timer_hz = 100000000LL;
    s->machine.clock.system_time = CLK_TIME_XEN3;
    s->machine.costs.context_switch = (struct quantity){ US(3), false };
    s->machine.costs.hypercall = (struct quantity){ 300, true };
    s->machine.costs.upcall = (struct quantity){ US(1), false };
    s->machine.costs.pte_validate = (struct quantity){ 150, true };
    s->machine.costs.cache_refill = (struct quantity){ 0, false };
    s->machine.costs.kernel_packet = (struct quantity){ US(5), false };
    snprintf(s->sched.name, sizeof s->sched.name, "bvt");
    s->sched.rr.slice = MS(10);
    s->sched.bvt.ctx_allow = MS(5);
    s->sched.bvt.slice_units_quirk = true;
    s->sched.bvt.u32_runtime_quirk = true;
    s->sched.bvt.u32_warp_quirk = true;
    s->sched.bvt.warp_per_dispatch_quirk = true;
    s->sched.bvt.stale_warp_evt_quirk = true;
    s->sched.bvt.wrap_blocked_quirk = true;
    s->sched.atropos.uncharged_block_quirk = true;
    s->sched.atropos.sticky_wait_quirk = true;
    s->sched.atropos.global_slack_index_quirk = true;
    s->sched.atropos.slack_search_wrap_quirk = true;
    s->sweep_points = 1;
}

static void fix_loc(struct scn_loc *l, const char *file)
{
    if (!l->file)
        l->file = file;
}

/* One walk of the document with the current overrides, into a new scn. */
static struct scn *build(struct ctx *c, struct nref root, const char *file)
{
    struct scn *s = calloc(1, sizeof *s);
    if (!s || !(s->file = strdup(file))) {
        free(s);
        c->oom = true;
        return NULL;
    }
    scn_defaults(s);
    struct walk w = { .s = s };
    c->w = &w;
    c->path[0] = '\0';
    for (int i = 0; i < c->novr; i++)
        c->ovr[i].used = false;
    size_t before = c->diags->n;
    if (!root.node || is_null(&root)) {
        err_at(c, root.src, 1, 1, "the scenario is empty: expected a mapping with at least "
               "'name', 'duration' and 'domains'");
    } else if (root.node->type != YAML_MAPPING_NODE) {
        err(c, &root, "the scenario must be a mapping of keys such as 'name' and 'duration', "
            "found %s", found(&root));
    } else {
        walk_map(c, root, top_keys, s);
        for (int i = 0; c->diags->n == before && i < c->novr; i++) {
            struct override *o = &c->ovr[i];
            if (!o->used)
                err(c, &o->key, "'%s' does not name a setting of this scenario", o->path);
        }
        if (c->diags->n == before && !c->oom)
            finish(c, &w);
    }
    if (!s->description && !c->oom)
        s->description = strdup("");
    walk_free(&w);
    c->w = NULL;
    if (c->diags->n != before || c->oom || !s->description) {
        scn_free(s);
        return NULL;
    }
    fix_loc(&s->sched.loc, s->file);
    for (int i = 0; i < s->ndevices; i++) {
        fix_loc(&s->devices[i].loc, s->file);
        fix_loc(&s->devices[i].driver_loc, s->file);
        fix_loc(&s->devices[i].served_loc, s->file);
    }
    for (int i = 0; i < s->ndomains; i++) {
        struct scn_domain *d = &s->domains[i];
        fix_loc(&d->loc, s->file);
        fix_loc(&d->bvt.loc, s->file);
        fix_loc(&d->atropos.loc, s->file);
        fix_loc(&d->wl.loc, s->file);
        fix_loc(&d->wl.ref_loc, s->file);
        fix_loc(&d->wl.file_loc, s->file);
        fix_loc(&d->wl.nic_loc, s->file);
        fix_loc(&d->vif_loc, s->file);
        fix_loc(&d->ping.loc, s->file);
        fix_loc(&d->ping.target_loc, s->file);
        fix_loc(&d->echo.loc, s->file);
    }
    for (int i = 0; i < s->nrecord; i++)
        fix_loc(&s->record[i].loc, s->file);
    return s;
}

static void ctx_free(struct ctx *c)
{
    for (int i = 0; i < c->ndocs; i++) {
        yaml_document_delete(c->docs[i]);
        free(c->docs[i]);
    }
    for (int i = 0; i < c->novr; i++)
        free(c->ovr[i].path);
    free(c->ovr);
    for (int i = 0; i < c->nseen; i++)
        free(c->seen[i].path);
    free(c->seen);
    while (c->srcs) {
        struct src *n = c->srcs->next;
        free(c->srcs->name);
        free(c->srcs->text);
        free(c->srcs);
        c->srcs = n;
    }
}

static bool is_file_key(const char *k, size_t n)
{
    for (size_t i = 0; file_keys[i]; i++)
        if (strlen(file_keys[i]) == n && !memcmp(file_keys[i], k, n))
            return true;
    return false;
}

/* The files node v of a sweep value names: v itself if it is the value of a
 * file key (is_file), else those of the file keys within it. */
static int sweep_value_files(struct ctx *c, struct scn *base, struct nref v, bool is_file)
{
    if (!v.node)
        return 0;
    if (is_file && is_scalar(&v)) {
        size_t n;
        const char *t = sval(&v, &n);
        char *w = strndup(t, n), *p = w ? resolve_path(base->file, w) : NULL;
        free(w);
        if (!p)
            return c->oom = true, -SIM_ENOMEM;
        struct scn_file f;
        int rc = digest_file(c, p, &f);
        free(p);
        /* Unreadable: the point that reads it reports that. */
        if (rc < 0)
            return rc == -SIM_ENOMEM ? rc : 0;
        return add_file(c, base, &f);
    }
    if (v.node->type != YAML_MAPPING_NODE)
        return 0;
    for (yaml_node_pair_t *p = v.node->data.mapping.pairs.start;
         p < v.node->data.mapping.pairs.top; p++) {
        struct nref k = child(&v, p->key);
        size_t n = 0;
        const char *ks = is_scalar(&k) ? sval(&k, &n) : NULL;
        int rc = sweep_value_files(c, base, child(&v, p->value), ks && is_file_key(ks, n));
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* Every file a sweep point may read that the base does not: those its axes'
 * values name, so that the campaign's hash (the base's, shared by every
 * point) covers them; the same for the base load and every point load. */
static int sweep_files(struct ctx *c, struct nref root, struct scn *base,
                       const struct axis_tmp *axes)
{
    for (int a = 0; a < base->nsweep; a++) {
        const char *path = base->sweep[a].path, *last = strrchr(path, '.');
        last = last ? last + 1 : path;
        for (int i = 0; i < axes[a].n; i++) {
            int rc = sweep_value_files(c, base, child(&root, axes[a].items[i]),
                                       is_file_key(last, strlen(last)));
            if (rc < 0)
                return rc;
        }
    }
    return 0;
}

/* Validate every sweep value on its own, then (if the campaign is small
 * enough) every point, so that `xensim check` finds a bad combination
 * before a long campaign does. */
static void check_sweep(struct ctx *c, struct nref root, const char *file,
                        const struct scn *base, struct axis_tmp *axes)
{
    for (int a = 0; a < base->nsweep; a++) {
        for (int i = 0; i < axes[a].n; i++) {
            struct nref v = child(&root, axes[a].items[i]);
            if (add_override(c, base->sweep[a].path, axes[a].key, v, true) < 0)
                return;
            scn_free(build(c, root, file));
            drop_front(c, 1);
            if (c->diags->n >= SCN_MAX_DIAGS)
                return;
        }
    }
    if (base->nsweep < 2 || base->sweep_points > SCN_MAX_SWEEP_CHECK || c->diags->n)
        return;
    int idx[64];
    if (base->nsweep > 64)
        return;
    for (uint64_t pt = 0; pt < base->sweep_points; pt++) {
        uint64_t rest = pt;
        for (int a = base->nsweep - 1; a >= 0; a--) {
            idx[a] = (int)(rest % (uint64_t)axes[a].n);
            rest /= (uint64_t)axes[a].n;
        }
        if (push_point(c, root, base, axes, idx) < 0)
            return;
        scn_free(build(c, root, file));
        drop_front(c, base->nsweep);
        if (c->diags->n)
            return;
    }
}

/* A scenario parsed once, from which sweep points are built. */
struct scn_prep {
    struct ctx c;                   /* the parse tree, sources and --set overrides */
    struct nref root;
    struct scn *base;               /* the scenario without a point, with its hash */
    struct axis_tmp *axes;          /* the sweep's value nodes, one per base->sweep */
};

static unsigned long scn_parses;    /* scenario documents parsed by this process */

unsigned long scn_parse_count(void)
{
    return __atomic_load_n(&scn_parses, __ATOMIC_RELAXED);
}

void scn_prep_free(struct scn_prep *p)
{
    if (!p)
        return;
    free(p->axes);
    scn_free(p->base);
    ctx_free(&p->c);
    scn_diags_free(p->c.diags);
    free(p);
}

/* The diagnostics of a failed step, handed to the caller; a fresh set stays. */
static struct scn_diags *take_diags(struct ctx *c)
{
    if (c->oom && c->diags->n == 0)
        err_at(c, c->srcs, 0, 0, "out of memory while loading the scenario");
    struct scn_diags *d = c->diags;
    c->diags = calloc(1, sizeof *c->diags);
    c->oom = false;
    return d;
}

/* Parse, apply the --set options, build the base and hash it; `check`: also
 * validate the sweep's values (check_sweep). */
static struct scn_prep *prep_new(const char *name, const char *text, size_t len,
                                 const struct scn_load_opts *opts, bool check,
                                 struct scn_diags **diags)
{
    *diags = NULL;
    struct scn_prep *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    struct ctx *c = &p->c;
    if (!(c->diags = calloc(1, sizeof *c->diags))) {
        free(p);
        return NULL;
    }
    struct src *src = src_new(c, name, text, len);
    if (!src) {
        c->oom = true;
        goto fail;
    }
    if (check_tabs(c, src) < 0)
        goto fail;
    __atomic_fetch_add(&scn_parses, 1, __ATOMIC_RELAXED);
    yaml_document_t *doc = parse_doc(c, src, 0, 0, true);
    if (!doc)
        goto fail;
    p->root = (struct nref){ .doc = doc, .node = yaml_document_get_root_node(doc), .src = src };

    /* The sweep block is read first; its own errors stop the load. */
    struct scn sweep_holder = { 0 };
    if (read_sweep(c, p->root, &sweep_holder, &p->axes) < 0 || c->oom) {
        free_sweep(sweep_holder.sweep, sweep_holder.nsweep);
        goto fail;
    }
    for (size_t i = 0; opts && i < opts->nsets; i++)
        parse_set(c, opts->sets[i]);
    if (!c->diags->n && !c->oom)
        p->base = build(c, p->root, name);
    if (!p->base) {
        free_sweep(sweep_holder.sweep, sweep_holder.nsweep);
        goto fail;
    }
    p->base->sweep = sweep_holder.sweep;
    p->base->nsweep = sweep_holder.nsweep;
    p->base->sweep_points = sweep_holder.sweep_points ? sweep_holder.sweep_points : 1;
    for (int i = 0; i < p->base->nsweep; i++)
        fix_loc(&p->base->sweep[i].loc, p->base->file);
    if (sweep_files(c, p->root, p->base, p->axes) < 0)
        goto fail;
    char *canon = scn_canonical(p->base);
    if (!canon) {
        c->oom = true;
        goto fail;
    }
    snprintf(p->base->hash, sizeof p->base->hash, "%016" PRIx64, hash_fnv1a64(canon));
    free(canon);
    if (check)
        check_sweep(c, p->root, name, p->base, p->axes);
    if (c->diags->n || c->oom)
        goto fail;
    return p;
fail:
    *diags = take_diags(c);
    scn_prep_free(p);
    return NULL;
}

struct scn_prep *scn_prep_buffer(const char *name, const char *text, size_t len,
                                 const struct scn_load_opts *opts, struct scn_diags **diags)
{
    return prep_new(name, text, len, opts, true, diags);
}

const struct scn *scn_prep_base(const struct scn_prep *p)
{
    return p->base;
}

/* A deep copy of the sweep axes, for a point that keeps them. */
static unsigned long scn_sweep_copies;   /* copy_sweep calls in this process */

unsigned long scn_sweep_copy_count(void)
{
    return __atomic_load_n(&scn_sweep_copies, __ATOMIC_RELAXED);
}

static struct scn_sweep_axis *copy_sweep(const struct scn_sweep_axis *sw, int n)
{
    __atomic_fetch_add(&scn_sweep_copies, 1, __ATOMIC_RELAXED);
    struct scn_sweep_axis *v = calloc((size_t)n + 1, sizeof *v);
    for (int i = 0; v && i < n; i++) {
        v[i] = (struct scn_sweep_axis){ .path = strdup(sw[i].path), .loc = sw[i].loc,
                                        .values = calloc((size_t)sw[i].nvalues + 1,
                                                         sizeof *v[i].values) };
        if (!v[i].path || !v[i].values) {
            free_sweep(v, i + 1);
            return NULL;
        }
        for (int j = 0; j < sw[i].nvalues; j++, v[i].nvalues++)
            if (!(v[i].values[j] = strdup(sw[i].values[j]))) {
                free_sweep(v, i + 1);
                return NULL;
            }
    }
    return v;
}

/* Point idx built from the parse tree; `keep`: with a copy of the sweep
 * (the run records it), else only validated and NULL returned. */
/* What prep_build returns: nothing (validation only), the point without
 * the sweep, or the point with its copy of the sweep. */
enum prep_keep { PREP_DISCARD, PREP_SETTINGS, PREP_FULL };

static struct scn *prep_build(struct scn_prep *p, const int *idx, enum prep_keep keep,
                              struct scn_diags **diags)
{
    *diags = NULL;
    struct ctx *c = &p->c;
    if (!c->diags)
        return NULL;
    const struct scn *base = p->base;
    /* The axes' values go in front of the --set options. */
    for (int a = 0; a < base->nsweep; a++)
        if (idx[a] < 0 || idx[a] >= p->axes[a].n) {
            err(c, &p->axes[a].key, "sweep: value index %d out of range for %s", idx[a],
                base->sweep[a].path);
            *diags = take_diags(c);
            return NULL;
        }
    struct scn *s = NULL;
    int before = c->novr;
    if (push_point(c, p->root, base, p->axes, idx) == 0)
        s = build(c, p->root, base->file);
    drop_front(c, c->novr - before);
    if (s && keep == PREP_DISCARD) {
        scn_free(s);
        s = NULL;
    } else if (s) {
        memcpy(s->hash, base->hash, sizeof s->hash);
        s->sweep_points = base->sweep_points;
        if (keep == PREP_FULL && base->nsweep) {
            if ((s->sweep = copy_sweep(base->sweep, base->nsweep)))
                s->nsweep = base->nsweep;
            else
                c->oom = true;
        }
    }
    if (c->diags->n || c->oom) {
        scn_free(s);
        *diags = take_diags(c);
        return NULL;
    }
    return s;
}

struct scn *scn_prep_point(struct scn_prep *p, const int *idx, struct scn_diags **diags)
{
    return prep_build(p, idx, PREP_FULL, diags);
}

struct scn *scn_prep_settings(struct scn_prep *p, const int *idx, struct scn_diags **diags)
{
    return prep_build(p, idx, PREP_SETTINGS, diags);
}

int scn_prep_check(struct scn_prep *p, const int *idx, struct scn_diags **diags)
{
    if (!p->c.diags)
        return -SIM_ENOMEM;
    prep_build(p, idx, PREP_DISCARD, diags);
    return !*diags ? 0 : scn_diags_count(*diags) ? -SIM_EBADINPUT : -SIM_ENOMEM;
}

struct scn *scn_load_buffer(const char *name, const char *text, size_t len,
                            const struct scn_load_opts *opts, struct scn_diags **diags)
{
    bool point = opts && opts->sweep_index;
    struct scn_prep *p = prep_new(name, text, len, opts, !point, diags);
    if (!p)
        return NULL;
    struct scn *s;
    if (point) {
        s = scn_prep_point(p, opts->sweep_index, diags);
    } else {
        s = p->base;
        p->base = NULL;
    }
    scn_prep_free(p);
    return s;
}

struct scn *scn_load(const char *path, const struct scn_load_opts *opts,
                     struct scn_diags **diags)
{
    *diags = NULL;
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t len = 0, cap = 0;
    if (f) {
        for (;;) {
            if (len == cap) {
                cap = cap ? cap * 2 : 8192;
                if (cap > (64u << 20)) {
                    fclose(f);
                    free(buf);
                    struct ctx c = { 0 };
                    c.diags = calloc(1, sizeof *c.diags);
                    if (!c.diags)
                        return NULL;
                    diags_push(&c, path, 1, 1, NULL, 0, "the scenario file is larger than 64 MiB");
                    *diags = c.diags;
                    return NULL;
                }
                char *nb = realloc(buf, cap);
                if (!nb) {
                    free(buf);
                    fclose(f);
                    return NULL;
                }
                buf = nb;
            }
            errno = 0;
            size_t got = fread(buf + len, 1, cap - len, f);
            len += got;
            if (got == 0)
                break;
        }
        bool bad = ferror(f);
        int read_errno = errno ? errno : EIO;
        fclose(f);
        if (!bad) {
            struct scn *s = scn_load_buffer(path, buf ? buf : "", len, opts, diags);
            free(buf);
            return s;
        }
        errno = read_errno;
    }
    int e = errno;
    free(buf);
    struct ctx c = { 0 };
    c.diags = calloc(1, sizeof *c.diags);
    if (!c.diags)
        return NULL;
    char msg[512];
    snprintf(msg, sizeof msg, "cannot read the scenario: %s", strerror(e));
    diags_push(&c, path, 0, 0, NULL, 0, msg);
    *diags = c.diags;
    return NULL;
}

/* ------------------------------------------------------------------------
 * Canonical form and summary
 */

static void fmt_dist(char *buf, size_t n, const struct dist *d, enum unit_kind kind)
{
    char a[32], b[32];
    switch (d->kind) {
    case DIST_CONST:
        unit_format((int64_t)d->a, kind, a, sizeof a);
        snprintf(buf, n, "%s", a);
        break;
    case DIST_EXPONENTIAL:
        unit_format((int64_t)d->a, kind, a, sizeof a);
        snprintf(buf, n, "exponential(mean %s)", a);
        break;
    case DIST_UNIFORM:
        unit_format((int64_t)d->a, kind, a, sizeof a);
        unit_format((int64_t)d->b, kind, b, sizeof b);
        snprintf(buf, n, "uniform(%s, %s)", a, b);
        break;
    case DIST_NORMAL:
        unit_format((int64_t)d->a, kind, a, sizeof a);
        unit_format((int64_t)d->b, kind, b, sizeof b);
        snprintf(buf, n, "normal(mean %s, stddev %s)", a, b);
        break;
    case DIST_LOGNORMAL:
        unit_format((int64_t)d->a, kind, a, sizeof a);
        snprintf(buf, n, "lognormal(median %s, sigma %g)", a, d->b);
        break;
    case DIST_PARETO:
        unit_format((int64_t)d->b, kind, b, sizeof b);
        snprintf(buf, n, "pareto(shape %g, scale %s)", d->a, b);
        break;
    }
}

/* A disk's rate reads best in bytes per second, as it was most likely
 * written; bits are kept where the rate is not a whole number of bytes. */
static char *fmt_byte_rate(int64_t bits, char *buf, size_t n)
{
    static const struct { const char *unit; int64_t bytes; } u[] = {
        { "GB/s", 1000000000 }, { "MB/s", 1000000 }, { "KB/s", 1000 }, { "B/s", 1 },
    };
    if (bits % 8)
        return unit_format(bits, UNIT_RATE, buf, n);
    /* The largest unit that shows the rate exactly with at most 3 decimals. */
    int64_t b = bits / 8;
    for (size_t i = 0; i < sizeof u / sizeof u[0]; i++) {
        if (b >= u[i].bytes && (b * 1000) % u[i].bytes == 0) {
            snprintf(buf, n, "%g%s", (double)b / (double)u[i].bytes, u[i].unit);
            return buf;
        }
    }
    return unit_format(bits, UNIT_RATE, buf, n);
}

static void fmt_qty(char *buf, size_t n, struct quantity q)
{
    if (q.is_cycles)
        snprintf(buf, n, "%" PRId64 " cycles", q.value);
    else
        unit_format(q.value, UNIT_TIME, buf, n);
}

static void fmt_workload(struct sbuf *b, const struct scn *s, const struct scn_workload *wl)
{
    char x[96], y[96], z[96];
    switch (wl->type) {
    case SCN_WL_NONE:
        sb_printf(b, "no workload of its own");
        break;
    case SCN_WL_CPU:
        if (wl->yield_every)
            sb_printf(b, "cpu, yields every %s", unit_format(wl->yield_every, UNIT_TIME, x, sizeof x));
        else
            sb_printf(b, "cpu (always runnable)");
        break;
    case SCN_WL_PERIODIC:
        fmt_dist(y, sizeof y, &wl->burst, UNIT_TIME);
        sb_printf(b, "periodic, every %s run %s",
                  unit_format(wl->period, UNIT_TIME, x, sizeof x), y);
        break;
    case SCN_WL_IO:
        fmt_dist(y, sizeof y, &wl->think, UNIT_TIME);
        sb_printf(b, "io on %s: %s %s %s, depth %d, think %s", s->devices[wl->device].name,
                  op_names[wl->op], pattern_names[wl->pattern],
                  unit_format(wl->size, UNIT_SIZE, x, sizeof x), wl->depth, y);
        break;
    case SCN_WL_SERVER:
        fmt_dist(x, sizeof x, &wl->arrival, UNIT_TIME);
        fmt_dist(y, sizeof y, &wl->service, UNIT_TIME);
        sb_printf(b, "server on %s: arrivals %s, service %s, reply %s",
                  s->devices[wl->device].name, x, y,
                  unit_format(wl->reply_size, UNIT_SIZE, z, sizeof z));
        break;
    case SCN_WL_MMU:
        fmt_dist(x, sizeof x, &wl->interval, UNIT_TIME);
        sb_printf(b, "mmu: %d updates every %s, %d per hypercall, %g invalid", wl->updates, x,
                  wl->batch, wl->invalid);
        break;
    case SCN_WL_TRACE:
        sb_printf(b, "trace %s%s%s%s%s%s", wl->file, wl->device >= 0 ? ", block I/O on " : "",
                  wl->device >= 0 ? s->devices[wl->device].name : "",
                  wl->nic >= 0 ? ", network on " : "", wl->nic >= 0 ? s->devices[wl->nic].name : "",
                  wl->loop ? " (looped)" : "");
        break;
    }
}

char *scn_canonical(const struct scn *s)
{
    /* Every resolved parameter, one per line, in a fixed order and with
     * exact values: two scenarios hash alike exactly when they describe the
     * same experiment, whatever their formatting. */
    struct sbuf b = { 0 };
    const struct scn_machine *m = &s->machine;
    char q[5][64];
    sb_printf(&b, "xensim-scenario 1\nname %s\ndescription %s\nseed %" PRIu64
              "\nduration %" PRId64 "\nwarmup %" PRId64 "\nreplications %d\n",
              s->name, s->description, s->seed, s->duration, s->warmup, s->replications);
    sb_printf(&b, "pcpus %d\ntsc_hz %" PRId64 "\ntimer_slop %" PRId64 "\napic_timer_hz %" PRId64
              "\n", m->pcpus, m->clock.tsc_hz, m->clock.timer_slop, m->clock.apic_timer_hz);
    for (int i = 0; i < m->pcpus; i++)
        sb_printf(&b, "pcpu %d ppb %" PRId64 " offset %" PRId64 "\n", i, m->clock.tsc_ppb[i],
                  m->clock.tsc_offset[i]);
    sb_printf(&b, "timer_order %s\nsystem_time %s\n", timer_order_names[m->clock.timer_order],
              system_time_names[m->clock.system_time]);
    fmt_qty(q[0], 64, m->costs.context_switch);
    fmt_qty(q[1], 64, m->costs.hypercall);
    fmt_qty(q[2], 64, m->costs.upcall);
    fmt_qty(q[3], 64, m->costs.pte_validate);
    fmt_qty(q[4], 64, m->costs.cache_refill);
    sb_printf(&b, "costs %s|%s|%s|%s|%s\n", q[0], q[1], q[2], q[3], q[4]);
    sb_printf(&b, "unpause_order %s\n", unpause_order_names[m->unpause_order]);
    const struct scn_sched_global *g = &s->sched;
    sb_printf(&b, "scheduler %s rr.slice %" PRId64 " bvt.ctx_allow %" PRId64
              " bvt.quirks %d%d%d%d%d%d atropos.quirks %d%d%d%d\n", g->name, g->rr.slice,
              g->bvt.ctx_allow, g->bvt.slice_units_quirk, g->bvt.u32_runtime_quirk,
              g->bvt.u32_warp_quirk, g->bvt.warp_per_dispatch_quirk,
              g->bvt.stale_warp_evt_quirk, g->bvt.wrap_blocked_quirk, g->atropos.uncharged_block_quirk,
              g->atropos.sticky_wait_quirk, g->atropos.global_slack_index_quirk,
              g->atropos.slack_search_wrap_quirk);
    for (int i = 0; i < s->ndevices; i++) {
        const struct scn_device *d = &s->devices[i];
        sb_printf(&b, "device %s %s seek %" PRId64 " rpm %" PRId64 " latency %" PRId64
                  " bandwidth %" PRId64 " queue %s ring %d driver %d\n", d->name,
                  kind_names[d->kind], d->seek, d->rpm, d->latency, d->bandwidth,
                  queue_names[d->queue], d->ring, d->driver);
    }
    for (int i = 0; i < s->ndomains; i++) {
        const struct scn_domain *d = &s->domains[i];
        sb_printf(&b, "domain %s privileged %d vcpus %d memory %" PRId64 " backend %" PRId64
                  " unpause %" PRId64 " cpus", d->name, d->privileged, d->vcpus, d->memory,
                  d->backend_per_request, d->unpause);
        for (int j = 0; j < d->ncpus; j++)
            sb_printf(&b, " %d", d->cpus[j]);
        sb_printf(&b, "\n bvt %" PRId64 " %" PRId64 " %" PRId64 " %" PRId64 "\n atropos %" PRId64
                  " %" PRId64 " %" PRId64 " %d\n workload ", d->bvt.mcu_advance, d->bvt.warp,
                  d->bvt.warpl, d->bvt.warpu, d->atropos.period, d->atropos.slice,
                  d->atropos.latency, d->atropos.xtratime);
        const struct scn_workload *wl = &d->wl;
        /* Distribution parameters in full precision, not the summary's. */
        const struct dist *ds[] = { &wl->burst, &wl->think, &wl->arrival, &wl->service,
                                    &wl->interval };
        sb_printf(&b, "%s", wl_names[wl->type]);
        for (size_t k = 0; k < sizeof ds / sizeof ds[0]; k++)
            sb_printf(&b, " %d:%.17g:%.17g", ds[k]->kind, ds[k]->a, ds[k]->b);
        sb_printf(&b, " %" PRId64 " %" PRId64 " %d %d %d %" PRId64 " %" PRId64 " %d %d %.17g %s %d\n",
                  wl->yield_every, wl->period, wl->device, wl->op, wl->depth, wl->size,
                  wl->reply_size, wl->updates, wl->batch, wl->invalid, wl->file ? wl->file : "-",
                  wl->loop);
        if (wl->nic >= 0)           /* only then: the other scenarios' hashes stay */
            sb_printf(&b, " nic %d\n", wl->nic);
        if (d->vif >= 0) {          /* likewise */
            char kp[64];
            fmt_qty(kp, sizeof kp, m->costs.kernel_packet);
            sb_printf(&b, " vif %d kernel_packet %s\n", d->vif, kp);
        }
        if (d->ping.set)
            sb_printf(&b, " ping %d %d:%.17g:%.17g %" PRId64 "\n", d->ping.target,
                      d->ping.interval.kind, d->ping.interval.a, d->ping.interval.b,
                      d->ping.size);
        if (d->echo.set)
            sb_printf(&b, " echo %d:%.17g:%.17g %" PRId64 "\n", d->echo.arrival.kind,
                      d->echo.arrival.a, d->echo.arrival.b, d->echo.size);
    }
    for (int i = 0; i < s->ndevices; i++) {
        const struct scn_device *d = &s->devices[i];
        if (d->by_hypervisor)
            sb_printf(&b, "device %s served_by hypervisor %" PRId64 " irq_cpu %d\n", d->name,
                      d->hv_per_request, d->irq_cpu);
    }
    /* Only when given, so the hashes of scenarios without it stay. */
    if (s->record_given)
        sb_printf(&b, "record %d\n", s->nrecord);
    for (int i = 0; i < s->nrecord; i++)
        sb_printf(&b, " rule %s what %u per %s\n", s->record[i].modules, s->record[i].what,
                  rec_per_names[s->record[i].per]);
    for (int i = 0; i < s->nsweep; i++) {
        sb_printf(&b, "sweep %s", s->sweep[i].path);
        for (int j = 0; j < s->sweep[i].nvalues; j++)
            sb_printf(&b, " | %s", s->sweep[i].values[j]);
        sb_printf(&b, "\n");
    }
    for (int i = 0; i < s->nfiles; i++)
        sb_printf(&b, "file %s bytes %" PRIu64 " fnv1a64 %016" PRIx64 "\n", s->files[i].path,
                  s->files[i].bytes, s->files[i].digest);
    return sb_take(&b);
}

/* "Xen 2.0 quirks on", or which of the chosen policy's quirks are off. */
static const char *quirks_off(const struct scn *s, char *buf, size_t n)
{
    const struct scn_sched_global *g = &s->sched;
    struct { const char *name; bool on; } q[8];
    int nq = 0;
    if (!strcmp(g->name, "bvt")) {
        q[nq++] = (typeof(q[0])){ "slice_units", g->bvt.slice_units_quirk };
        q[nq++] = (typeof(q[0])){ "u32_runtime", g->bvt.u32_runtime_quirk };
        q[nq++] = (typeof(q[0])){ "u32_warp", g->bvt.u32_warp_quirk };
        q[nq++] = (typeof(q[0])){ "warp_per_dispatch", g->bvt.warp_per_dispatch_quirk };
        q[nq++] = (typeof(q[0])){ "stale_warp_evt", g->bvt.stale_warp_evt_quirk };
        q[nq++] = (typeof(q[0])){ "wrap_blocked", g->bvt.wrap_blocked_quirk };
    } else {
        q[nq++] = (typeof(q[0])){ "uncharged_block", g->atropos.uncharged_block_quirk };
        q[nq++] = (typeof(q[0])){ "sticky_wait", g->atropos.sticky_wait_quirk };
        q[nq++] = (typeof(q[0])){ "global_slack_index", g->atropos.global_slack_index_quirk };
        q[nq++] = (typeof(q[0])){ "slack_search_wrap", g->atropos.slack_search_wrap_quirk };
    }
    size_t used = (size_t)snprintf(buf, n, "quirks off:");
    int off = 0;
    for (int i = 0; i < nq; i++)
        if (!q[i].on && used < n) {
            used += (size_t)snprintf(buf + used, n - used, " %s", q[i].name);
            off++;
        }
    if (!off)
        snprintf(buf, n, "Xen 2.0 quirks on");
    return buf;
}

void scn_print_summary(const struct scn *s, FILE *out)
{
    const struct scn_machine *m = &s->machine;
    char a[64], b[64], c[64], d[64], e[64];
    fprintf(out, "scenario   %s (%s, hash %s)\n", s->name, s->file, s->hash);
    if (s->description[0])
        fprintf(out, "           %s\n", s->description);
    fprintf(out, "run        %s measured after %s warm-up, %d replication%s, seed %" PRIu64 "\n",
            unit_format(s->duration, UNIT_TIME, a, sizeof a),
            unit_format(s->warmup, UNIT_TIME, b, sizeof b), s->replications,
            s->replications == 1 ? "" : "s", s->seed);
    bool drift = false;
    int64_t dflt_offset = (int64_t)clk_default_tsc_offset(m->clock.tsc_hz);
    for (int i = 0; i < m->pcpus; i++)
        drift |= m->clock.tsc_ppb[i] != 0 || m->clock.tsc_offset[i] != dflt_offset;
    fprintf(out, "machine    %d pCPU%s, TSC %s%s, timer slop %s, APIC timer %s, %s timer ties, "
            "%s system time\n",
            m->pcpus, m->pcpus == 1 ? "" : "s", unit_format(m->clock.tsc_hz, UNIT_FREQ, a, sizeof a),
            drift ? " (per-pCPU error/offset set)" : "",
            unit_format(m->clock.timer_slop, UNIT_TIME, b, sizeof b),
            unit_format(m->clock.apic_timer_hz, UNIT_FREQ, c, sizeof c),
            timer_order_names[m->clock.timer_order], system_time_names[m->clock.system_time]);
    fmt_qty(a, sizeof a, m->costs.context_switch);
    fmt_qty(b, sizeof b, m->costs.hypercall);
    fmt_qty(c, sizeof c, m->costs.upcall);
    fmt_qty(d, sizeof d, m->costs.pte_validate);
    fmt_qty(e, sizeof e, m->costs.cache_refill);
    fprintf(out, "costs      context switch %s, hypercall %s, upcall %s, PTE validation %s, "
            "cache refill %s\n", a, b, c, d, e);
    if (!strcmp(s->sched.name, "rr"))
        fprintf(out, "scheduler  rr (slice %s)\n",
                unit_format(s->sched.rr.slice, UNIT_TIME, a, sizeof a));
    else if (!strcmp(s->sched.name, "bvt"))
        fprintf(out, "scheduler  bvt (ctx_allow %s; %s)\n",
                unit_format(s->sched.bvt.ctx_allow, UNIT_TIME, a, sizeof a),
                quirks_off(s, b, sizeof b));
    else
        fprintf(out, "scheduler  atropos (%s)\n", quirks_off(s, b, sizeof b));
    fprintf(out, "devices    %d\n", s->ndevices);
    for (int i = 0; i < s->ndevices; i++) {
        const struct scn_device *dv = &s->devices[i];
        if (dv->kind == SCN_DEV_NIC)
            fprintf(out, "  %-10s nic, %s, latency %s, %d-slot ring", dv->name,
                    unit_format(dv->bandwidth, UNIT_RATE, a, sizeof a),
                    unit_format(dv->latency, UNIT_TIME, b, sizeof b), dv->ring);
        else if (dv->rpm)
            fprintf(out, "  %-10s disk, seek %s, %" PRId64 " rpm, %s, %s queue, %d-slot ring",
                    dv->name, unit_format(dv->seek, UNIT_TIME, a, sizeof a), dv->rpm,
                    fmt_byte_rate(dv->bandwidth, b, sizeof b), queue_names[dv->queue],
                    dv->ring);
        else
            fprintf(out, "  %-10s flash disk, latency %s, %s, %s queue, %d-slot ring", dv->name,
                    unit_format(dv->latency, UNIT_TIME, a, sizeof a),
                    fmt_byte_rate(dv->bandwidth, b, sizeof b), queue_names[dv->queue],
                    dv->ring);
        if (dv->driver >= 0)
            fprintf(out, ", back end in %s", s->domains[dv->driver].name);
        fprintf(out, "\n");
    }
    int vcpus = 0;
    for (int i = 0; i < s->ndomains; i++)
        vcpus += s->domains[i].vcpus;
    fprintf(out, "domains    %d (%d vCPU%s)\n", s->ndomains, vcpus, vcpus == 1 ? "" : "s");
    for (int i = 0; i < s->ndomains; i++) {
        const struct scn_domain *dm = &s->domains[i];
        struct sbuf sb = { 0 };
        fmt_workload(&sb, s, &dm->wl);
        char *wl = sb_take(&sb);
        fprintf(out, "  %-10s %s%d vCPU%s, %s", dm->name, dm->privileged ? "privileged, " : "",
                dm->vcpus, dm->vcpus == 1 ? "" : "s",
                unit_format(dm->memory, UNIT_SIZE, a, sizeof a));
        if (dm->ncpus) {
            fprintf(out, ", pinned to");
            for (int j = 0; j < dm->ncpus; j++)
                fprintf(out, "%s%d", j ? "," : " ", dm->cpus[j]);
        }
        fprintf(out, ", %s", wl ? wl : "?");
        if (dm->privileged)
            fprintf(out, "; back end %s per request",
                    unit_format(dm->backend_per_request, UNIT_TIME, a, sizeof a));
        fprintf(out, "\n");
        free(wl);
    }
    if (s->nsweep) {
        fprintf(out, "sweep      %d ax%s, %" PRIu64 " point%s x %d replication%s = %" PRIu64
                " run%s\n", s->nsweep, s->nsweep == 1 ? "is" : "es", s->sweep_points,
                s->sweep_points == 1 ? "" : "s", s->replications,
                s->replications == 1 ? "" : "s", s->sweep_points * (uint64_t)s->replications,
                s->sweep_points * (uint64_t)s->replications == 1 ? "" : "s");
        for (int i = 0; i < s->nsweep; i++) {
            fprintf(out, "  %s:", s->sweep[i].path);
            for (int j = 0; j < s->sweep[i].nvalues; j++)
                fprintf(out, "%s%s", j ? ", " : " ", s->sweep[i].values[j]);
            fprintf(out, "\n");
        }
    } else {
        fprintf(out, "sweep      none (%d run%s)\n", s->replications,
                s->replications == 1 ? "" : "s");
    }
    if (s->nfiles)
        fprintf(out, "files      %d, in the hash by content\n", s->nfiles);
    for (int i = 0; i < s->nfiles; i++)
        fprintf(out, "  %s: %" PRIu64 " B, fnv1a64 %016" PRIx64 "\n", s->files[i].path,
                s->files[i].bytes, s->files[i].digest);
}

/* ------------------------------------------------------------------------
 * The key paths, for the shell completion of --set
 */

#define PATH_MAX_LEN 256

static bool nested_keys(const struct keydef *k)
{
    return k->fn == k_map || k->fn == k_dom_sched || k->fn == k_bvt_dom ||
           k->fn == k_atropos_dom || k->fn == k_ping || k->fn == k_echo;
}

static void paths_of(const struct keydef *tab, char *path, size_t len, scn_path_fn *emit,
                     void *ctx)
{
    for (const struct keydef *k = tab; k->name; k++) {
        if (k->fn == k_sweep_seen)
            continue;               /* a mapping of paths, not a setting */
        int n = snprintf(path + len, PATH_MAX_LEN - len, "%s%s", len ? "." : "", k->name);
        if (n < 0 || (size_t)n >= PATH_MAX_LEN - len)
            continue;
        size_t l = len + (size_t)n;
        if (nested_keys(k) && k->aux) {
            paths_of(k->aux, path, l, emit, ctx);
        } else if (k->fn == k_devices || k->fn == k_domains) {
            snprintf(path + l, PATH_MAX_LEN - l, ".*");
            if (k->fn == k_domains) {
                paths_of(domain_keys, path, l + 2, emit, ctx);
            } else {
                paths_of(disk_keys, path, l + 2, emit, ctx);
                paths_of(nic_keys, path, l + 2, emit, ctx);
            }
        } else if (k->fn == k_workload) {
            for (size_t t = 0; t < sizeof wl_tables / sizeof wl_tables[0]; t++)
                if (wl_tables[t])
                    paths_of(wl_tables[t], path, l, emit, ctx);
        } else {
            emit(ctx, path);
        }
    }
    path[len] = '\0';
}

bool scn_device_takes(enum scn_dev_kind kind, const char *key)
{
    for (const struct keydef *k = kind == SCN_DEV_DISK ? disk_keys : nic_keys; k->name; k++)
        if (!strcmp(k->name, key))
            return true;
    return false;
}

void scn_key_paths(scn_path_fn *emit, void *ctx)
{
    char path[PATH_MAX_LEN] = "";
    paths_of(top_keys, path, 0, emit, ctx);
}
