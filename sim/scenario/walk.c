/*
 * sim/scenario/walk.c: how the scenario loader walks the YAML document:
 * node predicates, the "did you mean" suggestion, and the walk of a mapping
 * against a key table, with the --set and sweep overrides merged into each
 * mapping as it is reached.
 */
#include "sim/scenario/scn_private.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/err.h"

/* ------------------------------------------------------------------------
 * Nodes
 */

bool scnp_is_map(const struct nref *r)
{
    return !r->node || r->node->type == YAML_MAPPING_NODE;
}

bool scnp_is_seq(const struct nref *r)
{
    return r->node && r->node->type == YAML_SEQUENCE_NODE;
}

const char *scnp_sval(const struct nref *r, size_t *len)
{
    *len = r->node->data.scalar.length;
    return (const char *)r->node->data.scalar.value;
}

/* An empty value ("key:" with nothing after it, or ~ / null). */
bool scnp_is_null(const struct nref *r)
{
    if (!r->node || r->node->type != YAML_SCALAR_NODE ||
        r->node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return false;
    size_t n;
    const char *v = scnp_sval(r, &n);
    return n == 0 || (n == 1 && v[0] == '~') ||
           (n == 4 && (!memcmp(v, "null", 4) || !memcmp(v, "Null", 4) ||
                       !memcmp(v, "NULL", 4)));
}

bool scnp_is_scalar(const struct nref *r)
{
    return r->node && r->node->type == YAML_SCALAR_NODE && !scnp_is_null(r);
}

/* How a node looks, for "expected X, found Y" messages. */
const char *scnp_found(const struct nref *r)
{
    if (!r->node)
        return "nothing";
    switch (r->node->type) {
    case YAML_MAPPING_NODE: return "a mapping";
    case YAML_SEQUENCE_NODE: return "a list";
    case YAML_SCALAR_NODE: return scnp_is_null(r) ? "an empty value" : "a scalar";
    default: return "nothing";
    }
}

struct nref scnp_child(const struct nref *parent, int index)
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
const char *scnp_nearest(const char *word, const char *const *cands, size_t n)
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

void scnp_entries_free(struct entries *e)
{
    for (int i = 0; i < e->n; i++)
        free(e->v[i].key);
    free(e->v);
    e->v = NULL;
    e->n = 0;
}

struct entry *scnp_entries_find(const struct entries *e, const char *key)
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
size_t scnp_path_push(struct ctx *c, const char *key)
{
    size_t old = strlen(c->path);
    snprintf(c->path + old, sizeof c->path - old, "%s%s", old ? "." : "", key);
    return old;
}

void scnp_path_pop(struct ctx *c, size_t old)
{
    c->path[old] = '\0';
}

const char *scnp_where(const struct ctx *c)
{
    return c->path[0] ? c->path : "the top level";
}

/* Location of the start of segment `seg_off` of an override's path. */
static struct nref override_key_ref(const struct override *o, size_t seg_off)
{
    struct nref r = o->key;
    int line, col;
    scnp_ref_loc(&o->key, &line, &col);
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
int scnp_collect(struct ctx *c, struct nref map, bool allow_new, const char *entity,
                 struct entries *out)
{
    out->v = NULL;
    out->n = 0;
    int rc = 0;
    if (map.node && map.node->type == YAML_MAPPING_NODE) {
        for (yaml_node_pair_t *p = map.node->data.mapping.pairs.start;
             p < map.node->data.mapping.pairs.top; p++) {
            struct nref k = scnp_child(&map, p->key), v = scnp_child(&map, p->value);
            if (!k.node || !v.node) {
                rc = scnp_err(c, &map, "unresolved alias in mapping");
                continue;
            }
            if (!scnp_is_scalar(&k)) {
                rc = scnp_err(c, &k, "keys in %s must be plain names, found %s", scnp_where(c),
                              scnp_found(&k));
                continue;
            }
            size_t n;
            const char *key = scnp_sval(&k, &n);
            if (memchr(key, '\0', n)) {
                rc = scnp_err(c, &k, "key contains a NUL character");
                continue;
            }
            char tmp[128];
            snprintf(tmp, sizeof tmp, "%.*s", (int)(n < 100 ? n : 100), key);
            struct entry *dup = scnp_entries_find(out, tmp);
            if (dup) {
                int dl, dc;
                scnp_ref_loc(&dup->kref, &dl, &dc);
                rc = scnp_err(c, &k, "duplicate key '%s' in %s (first defined at line %d)",
                              tmp, scnp_where(c), dl);
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
        struct entry *e = scnp_entries_find(out, seg);
        if (!e && !allow_new) {
            const char *names[256];
            size_t nn = 0;
            for (int j = 0; j < out->n && nn < 256; j++)
                names[nn++] = out->v[j].key;
            const char *near = scnp_nearest(seg, names, nn);
            if (near)
                rc = scnp_err(c, &kref, "no %s named '%s' in %s; did you mean '%s'?", entity,
                              seg, scnp_where(c), near);
            else
                rc = scnp_err(c, &kref, "no %s named '%s' in %s", entity, seg, scnp_where(c));
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

int scnp_walk_entries(struct ctx *c, const struct nref *map, struct entries *es,
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
            const char *near = scnp_nearest(e->key, names, nn);
            if (near) {
                rc = scnp_err(c, &e->kref, "unknown key '%s' in %s; did you mean '%s'?", e->key,
                              scnp_where(c), near);
                if (nsugg < 16)
                    suggested[nsugg++] = near;
            } else {
                char keys[512];
                list_keys(tab, keys, sizeof keys);
                rc = scnp_err(c, &e->kref, "unknown key '%s' in %s (valid keys: %s)", e->key,
                              scnp_where(c), keys[0] ? keys : "none");
            }
            continue;
        }
        if (!k->fn)
            continue;               /* handled by the caller (e.g. a type selector) */
        size_t old = scnp_path_push(c, e->key);
        int r = k->fn(c, k, e->val, (char *)dst + k->off);
        scnp_path_pop(c, old);
        if (r < 0)
            rc = r;
    }
    for (const struct keydef *k = tab; k->name; k++) {
        if (!(k->flags & K_REQ) || scnp_entries_find(es, k->name))
            continue;
        bool explained = false;
        for (int i = 0; i < nsugg; i++)
            explained |= suggested[i] == k->name;
        if (!explained)
            rc = scnp_err(c, map, "missing required key '%s' in %s", k->name, scnp_where(c));
    }
    return rc;
}

/* Walk a mapping value against a table. `v` may be an absent mapping. */
int scnp_walk_map(struct ctx *c, struct nref v, const struct keydef *tab, void *dst)
{
    if (scnp_is_null(&v)) {
        /* "key:" with nothing after it is an empty mapping. */
        int line, col;
        scnp_ref_loc(&v, &line, &col);
        v.node = NULL;
        v.line0 = line - 1;
        v.col0 = col - 1;
    }
    if (!scnp_is_map(&v))
        return scnp_err(c, &v, "%s: expected a mapping, found %s", scnp_where(c), scnp_found(&v));
    struct entries es;
    int rc = scnp_collect(c, v, true, "key", &es);
    int r = scnp_walk_entries(c, &v, &es, tab, dst);
    scnp_entries_free(&es);
    return rc < 0 ? rc : r;
}
