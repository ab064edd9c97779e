/*
 * sim/scenario/sweep.c: the scenario loader's input before the walk: the
 * sweep block read into axes whose values become overrides, the --set
 * arguments parsed into overrides, and the YAML parse itself (tabs refused
 * first, libyaml's failures said in the user's terms).
 */
#include "sim/scenario/scn_private.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/err.h"

/* ------------------------------------------------------------------------
 * Sweep and overrides
 */

/* Compact YAML-ish rendering of a value, for run names and the summary. */
static void render(struct sbuf *b, const struct nref *v, int depth)
{
    if (!v->node || depth > 8) {
        scnp_sb_printf(b, "~");
        return;
    }
    switch (v->node->type) {
    case YAML_SCALAR_NODE: {
        size_t n;
        const char *s = scnp_sval(v, &n);
        scnp_sb_printf(b, "%.*s", (int)n, s);
        break;
    }
    case YAML_SEQUENCE_NODE: {
        scnp_sb_printf(b, "[");
        for (yaml_node_item_t *it = v->node->data.sequence.items.start;
             it < v->node->data.sequence.items.top; it++) {
            struct nref e = scnp_child(v, *it);
            scnp_sb_printf(b, "%s", it == v->node->data.sequence.items.start ? "" : ", ");
            render(b, &e, depth + 1);
        }
        scnp_sb_printf(b, "]");
        break;
    }
    case YAML_MAPPING_NODE: {
        scnp_sb_printf(b, "{");
        for (yaml_node_pair_t *p = v->node->data.mapping.pairs.start;
             p < v->node->data.mapping.pairs.top; p++) {
            struct nref k = scnp_child(v, p->key), x = scnp_child(v, p->value);
            scnp_sb_printf(b, "%s", p == v->node->data.mapping.pairs.start ? "" : ", ");
            render(b, &k, depth + 1);
            scnp_sb_printf(b, ": ");
            render(b, &x, depth + 1);
        }
        scnp_sb_printf(b, "}");
        break;
    }
    default:
        scnp_sb_printf(b, "~");
    }
}

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
int scnp_read_sweep(struct ctx *c, struct nref root, struct scn *s, struct axis_tmp **axes)
{
    *axes = NULL;
    if (!root.node || root.node->type != YAML_MAPPING_NODE)
        return 0;
    struct nref sw = { 0 };
    for (yaml_node_pair_t *p = root.node->data.mapping.pairs.start;
         p < root.node->data.mapping.pairs.top; p++) {
        struct nref k = scnp_child(&root, p->key);
        size_t n;
        if (scnp_is_scalar(&k) && (scnp_sval(&k, &n), n == 5) &&
            !memcmp(scnp_sval(&k, &n), "sweep", 5)) {
            sw = scnp_child(&root, p->value);
            break;
        }
    }
    if (!sw.node || scnp_is_null(&sw))
        return 0;
    if (sw.node->type != YAML_MAPPING_NODE)
        return scnp_err(c, &sw, "sweep: expected a mapping of paths to lists of values, found %s",
                        scnp_found(&sw));
    int npairs = (int)(sw.node->data.mapping.pairs.top - sw.node->data.mapping.pairs.start);
    s->sweep = calloc((size_t)(npairs ? npairs : 1), sizeof *s->sweep);
    *axes = calloc((size_t)(npairs ? npairs : 1), sizeof **axes);
    if (!s->sweep || !*axes)
        return c->oom = true, -SIM_ENOMEM;
    int rc = 0;
    s->sweep_points = 1;
    for (yaml_node_pair_t *p = sw.node->data.mapping.pairs.start;
         p < sw.node->data.mapping.pairs.top; p++) {
        struct nref k = scnp_child(&sw, p->key), v = scnp_child(&sw, p->value);
        if (!k.node || !v.node)
            return scnp_err(c, &sw, "unresolved alias in sweep");
        if (!scnp_is_scalar(&k)) {
            rc = scnp_err(c, &k, "sweep: keys must be dotted paths such as domains.hog.count");
            continue;
        }
        size_t n;
        const char *ks = scnp_sval(&k, &n);
        char path[256];
        snprintf(path, sizeof path, "%.*s", (int)(n < 255 ? n : 255), ks);
        if (n >= 255 || !valid_path(path)) {
            rc = scnp_err(c, &k, "sweep: '%s' is not a dotted path such as domains.hog.count",
                          path);
            continue;
        }
        if (!strcmp(path, "sweep") || !strncmp(path, "sweep.", 6)) {
            rc = scnp_err(c, &k, "sweep: a sweep cannot vary the sweep itself");
            continue;
        }
        for (int i = 0; i < s->nsweep; i++)
            if (!strcmp(s->sweep[i].path, path)) {
                rc = scnp_err(c, &k, "sweep: duplicate path '%s' (first at line %d)", path,
                              s->sweep[i].loc.line);
                goto next;
            }
        if (!scnp_is_seq(&v)) {
            rc = scnp_err(c, &v, "sweep: %s: expected a list of values such as [1, 2, 4], found %s",
                          path, scnp_found(&v));
            continue;
        }
        int nv = (int)(v.node->data.sequence.items.top - v.node->data.sequence.items.start);
        if (nv == 0) {
            rc = scnp_err(c, &v, "sweep: %s: the list of values is empty", path);
            continue;
        }
        struct scn_sweep_axis *ax = &s->sweep[s->nsweep];
        struct axis_tmp *at = &(*axes)[s->nsweep];
        s->nsweep++;
        ax->path = strdup(path);
        ax->values = calloc((size_t)nv, sizeof *ax->values);
        if (!ax->path || !ax->values)
            return c->oom = true, -SIM_ENOMEM;
        scnp_set_loc(c, &k, &ax->loc);
        at->key = k;
        at->items = v.node->data.sequence.items.start;
        at->n = nv;
        for (int i = 0; i < nv; i++) {
            struct nref e = scnp_child(&v, at->items[i]);
            struct sbuf b = { 0 };
            render(&b, &e, 0);
            ax->values[i] = scnp_sb_take(&b);
            if (!ax->values[i])
                return c->oom = true, -SIM_ENOMEM;
            ax->nvalues++;
        }
        if (s->sweep_points > UINT64_MAX / (uint64_t)nv)
            rc = scnp_err(c, &v, "sweep: too many points");
        else
            s->sweep_points *= (uint64_t)nv;
    next:;
    }
    return rc;
}

struct src *scnp_src_new(struct ctx *c, const char *name, const char *text, size_t len)
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
int scnp_add_override(struct ctx *c, const char *path, struct nref key, struct nref val,
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
void scnp_drop_front(struct ctx *c, int n)
{
    if (n <= 0)
        return;                 /* c->ovr may be NULL */
    for (int i = 0; i < n; i++)
        free(c->ovr[i].path);
    memmove(c->ovr, c->ovr + n, (size_t)(c->novr - n) * sizeof *c->ovr);
    c->novr -= n;
}

/* Put the values of sweep point `idx` (one index per axis) in front. */
int scnp_push_point(struct ctx *c, struct nref root, const struct scn *base,
                    const struct axis_tmp *axes, const int *idx)
{
    for (int a = base->nsweep - 1; a >= 0; a--) {
        struct nref v = scnp_child(&root, axes[a].items[idx[a]]);
        if (scnp_add_override(c, base->sweep[a].path, axes[a].key, v, true) < 0)
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
        scnp_err_at(c, src, line0 + line, col0 + col, "malformed YAML: %s (the file must be UTF-8 "
                    "text)", prob);
        return -SIM_EBADINPUT;
    }
    int line = (int)m.line + line0 + 1, col = (int)m.column + col0 + 1;
    size_t n;
    if (m.index >= src->len || !scnp_src_line(src, line, &n)) {
        scnp_err_at(c, src, line, col, "malformed YAML: %s %s at the end of the input", prob,
                    p->context ? p->context : "");
        return -SIM_EBADINPUT;
    }
    if (strstr(prob, "tab"))
        scnp_err_at(c, src, line, col, "tab character in indentation: YAML indentation must use "
                    "spaces");
    else if (p->context)
        scnp_err_at(c, src, line, col, "malformed YAML: %s %s", prob, p->context);
    else
        scnp_err_at(c, src, line, col, "malformed YAML: %s", prob);
    return -SIM_EBADINPUT;
}

/* Tabs used for indentation are refused before libyaml sees them, with a
 * message that says what to do. */
int scnp_check_tabs(struct ctx *c, struct src *src)
{
    int line = 1;
    const char *p = src->text, *end = src->text + src->len;
    while (p < end) {
        const char *q = p;
        while (q < end && *q == ' ')
            q++;
        if (q < end && *q == '\t') {
            scnp_err_at(c, src, line, (int)(q - p) + 1, "tab character in indentation: YAML "
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

yaml_document_t *scnp_parse_doc(struct ctx *c, struct src *src, int line0, int col0,
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
            scnp_err_at(c, src, (int)extra.start_mark.line + 1, (int)extra.start_mark.column + 1,
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
        scnp_err_at(c, src, 1, 1, "too many --set options (at most %d)",
                    (int)(sizeof c->docs / sizeof c->docs[0]) - 1);
        yaml_document_delete(doc);
        free(doc);
        return NULL;
    }
    c->docs[c->ndocs++] = doc;
    return doc;
}

/* --set PATH=VALUE: VALUE is parsed as YAML (so lists work), located within
 * the argument for messages. */
int scnp_parse_set(struct ctx *c, const char *arg)
{
    struct src *src = scnp_src_new(c, "--set", arg, strlen(arg));
    if (!src)
        return c->oom = true, -SIM_ENOMEM;
    const char *eq = strchr(arg, '=');
    if (!eq) {
        scnp_err_at(c, src, 1, 1, "expected PATH=VALUE, e.g. --set scheduler.name=rr");
        return -SIM_EBADINPUT;
    }
    char path[256];
    size_t plen = (size_t)(eq - arg);
    snprintf(path, sizeof path, "%.*s", (int)(plen < 255 ? plen : 255), arg);
    if (plen >= 255 || !valid_path(path)) {
        scnp_err_at(c, src, 1, 1, "'%s' is not a dotted path such as machine.pcpus", path);
        return -SIM_EBADINPUT;
    }
    if (!strcmp(path, "sweep") || !strncmp(path, "sweep.", 6)) {
        scnp_err_at(c, src, 1, 1, "--set cannot change the sweep; edit the scenario instead");
        return -SIM_EBADINPUT;
    }
    /* Parse just the value, then shift its marks into the argument. */
    const char *vtext = eq[1] ? eq + 1 : "~";   /* "--set description=": empty */
    struct src vsrc = { .name = src->name, .text = (char *)vtext, .len = strlen(vtext) };
    size_t before = c->diags->n;
    yaml_document_t *doc = scnp_parse_doc(c, &vsrc, 0, (int)plen + 1, false);
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
        return scnp_err_at(c, src, 1, (int)plen + 2, "missing value after '='"), -SIM_EBADINPUT;
    return scnp_add_override(c, path, key, val, false);
}
