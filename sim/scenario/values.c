/*
 * sim/scenario/values.c: the scenario loader's value handlers, one per
 * kind of value a key takes (whole numbers, booleans, strings, fractions,
 * quantities with units, names from a list, nested mappings and
 * distributions), each checking its limits and saying what it expected.
 */
#include "sim/scenario/scn_private.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/err.h"

/* ------------------------------------------------------------------------
 * Value handlers
 */

/* A scalar is required; say so in the key's terms if not. */
static int need_scalar(struct ctx *c, const struct keydef *k, const struct nref *v,
                       const char *what)
{
    if (scnp_is_scalar(v))
        return 0;
    if (!v->node)
        return scnp_err(c, v, "%s is a single value, not a mapping: nothing can be set below it",
                        scnp_where(c));
    if (scnp_is_null(v))
        return scnp_err(c, v, "%s: missing value: expected %s", k->name, what);
    return scnp_err(c, v, "%s: expected %s, found %s", k->name, what, scnp_found(v));
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

int scnp_get_int(struct ctx *c, const struct keydef *k, const struct nref *v,
                 const struct ilim *lim, int64_t *out)
{
    int rc = need_scalar(c, k, v, "a whole number");
    if (rc)
        return rc;
    size_t n;
    const char *s = scnp_sval(v, &n);
    int64_t x;
    rc = parse_i64(s, n, &x);
    if (rc == -SIM_ERANGE || (rc == 0 && (x < lim->min || x > lim->max)))
        return scnp_err(c, v, "%s: must be between %" PRId64 " and %" PRId64 " (got %.*s)",
                        k->name, lim->min, lim->max, (int)(n > 40 ? 40 : n), s);
    if (rc)
        return scnp_err(c, v, "%s: expected a whole number, found '%.*s'", k->name,
                        (int)(n > 40 ? 40 : n), s);
    *out = x;
    return 0;
}

int scnp_k_int(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    int64_t x;
    int rc = scnp_get_int(c, k, &v, k->aux, &x);
    if (!rc)
        *(int *)dst = (int)x;
    return rc;
}

int scnp_k_i64(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    int64_t x;
    int rc = scnp_get_int(c, k, &v, k->aux, &x);
    if (!rc)
        *(int64_t *)dst = x;
    return rc;
}

int scnp_k_seed(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    int rc = need_scalar(c, k, &v, "a whole number");
    if (rc)
        return rc;
    size_t n;
    const char *s = scnp_sval(&v, &n);
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
        return scnp_err(c, &v, "%s: expected a whole number between 0 and %" PRIu64
                        ", found '%.*s'", k->name, UINT64_MAX, (int)(n > 40 ? 40 : n), s);
    *(uint64_t *)dst = x;
    return 0;
}

int scnp_k_bool(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    int rc = need_scalar(c, k, &v, "true or false");
    if (rc)
        return rc;
    size_t n;
    const char *s = scnp_sval(&v, &n);
    if (n == 4 && !memcmp(s, "true", 4))
        *(bool *)dst = true;
    else if (n == 5 && !memcmp(s, "false", 5))
        *(bool *)dst = false;
    else
        return scnp_err(c, &v, "%s: expected true or false, found '%.*s'", k->name,
                        (int)(n > 40 ? 40 : n), s);
    return 0;
}

int scnp_k_str(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    int rc = need_scalar(c, k, &v, "a string");
    if (rc)
        return rc;
    size_t n;
    const char *s = scnp_sval(&v, &n);
    if (memchr(s, '\0', n))
        return scnp_err(c, &v, "%s: contains a NUL character", k->name);
    if (n > 4096)
        return scnp_err(c, &v, "%s: longer than 4096 characters", k->name);
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
int scnp_get_number(struct ctx *c, const struct keydef *k, const struct nref *v,
                    const char *what, double *out)
{
    int rc = need_scalar(c, k, v, what);
    if (rc)
        return rc;
    size_t n;
    const char *s = scnp_sval(v, &n);
    char buf[64];
    snprintf(buf, sizeof buf, "%.*s", (int)(n < 63 ? n : 63), s);
    char *end;
    errno = 0;
    double x = strtod(buf, &end);
    if (n >= 63 || end == buf || *end || errno || !isfinite(x) || strpbrk(buf, "xXnNiI"))
        return scnp_err(c, v, "%s: expected %s, found '%.*s'", k->name, what,
                        (int)(n > 40 ? 40 : n), s);
    *out = x;
    return 0;
}

/* The fraction of something, 0..1, written as a plain decimal. */
int scnp_k_fraction(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    double x;
    int rc = scnp_get_number(c, k, &v, "a fraction between 0 and 1", &x);
    if (rc)
        return rc;
    if (x < 0.0 || x > 1.0) {
        size_t n;
        const char *s = scnp_sval(&v, &n);
        return scnp_err(c, &v, "%s: expected a fraction between 0 and 1, found '%.*s'", k->name,
                        (int)(n > 40 ? 40 : n), s);
    }
    *(double *)dst = x;
    return 0;
}

/* A plain positive number without unit (a shape, a sigma). */
static int get_plain(struct ctx *c, const struct keydef *k, const struct nref *v,
                     bool allow_zero, double *out)
{
    int rc = scnp_get_number(c, k, v, "a plain number", out);
    if (rc)
        return rc;
    if (*out < 0 || (!allow_zero && *out == 0)) {
        size_t n;
        const char *s = scnp_sval(v, &n);
        return scnp_err(c, v, "%s: must be %s (got %.*s)", k->name,
                        allow_zero ? "zero or more" : "greater than zero",
                        (int)(n > 40 ? 40 : n), s);
    }
    return 0;
}

/* A quantity with a unit; a bare 0 is accepted as zero of any unit. */
int scnp_get_qty(struct ctx *c, const struct keydef *k, const struct nref *v,
                 const struct qlim *lim, struct quantity *q)
{
    char what[96];
    snprintf(what, sizeof what, "a %s such as %s", unit_kind_name(lim->kind),
             unit_kind_example(lim->kind));
    int rc = need_scalar(c, k, v, what);
    if (rc)
        return rc;
    size_t n;
    const char *s = scnp_sval(v, &n);
    if (n == 1 && s[0] == '0') {
        q->value = 0;
        q->is_cycles = false;
    } else {
        struct unit_err ue;
        if (unit_parse(s, n, lim->kind, lim->uflags, q, &ue) < 0)
            return scnp_err_off(c, v, ue.pos, "%s: %s", k->name, ue.msg);
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
            return scnp_err(c, v, "%s: must be at least %s (got %.*s)", k->name, lo,
                            (int)(n > 40 ? 40 : n), s);
        return scnp_err(c, v, "%s: must be between %s and %s (got %.*s)", k->name, lo, hi,
                        (int)(n > 40 ? 40 : n), s);
    }
    return 0;
}

int scnp_k_qty(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    struct quantity q;
    int rc = scnp_get_qty(c, k, &v, k->aux, &q);
    if (!rc)
        *(int64_t *)dst = q.value;
    return rc;
}

/* A cost: time or cycles. */
int scnp_k_cost(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    struct quantity q;
    int rc = scnp_get_qty(c, k, &v, k->aux, &q);
    if (!rc)
        *(struct quantity *)dst = q;
    return rc;
}

int scnp_k_enum(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
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
    const char *s = scnp_sval(&v, &n);
    for (size_t i = 0; i < nn; i++) {
        if (strlen(names[i]) == n && !memcmp(names[i], s, n)) {
            *(int *)dst = (int)i;
            return 0;
        }
    }
    char word[64];
    snprintf(word, sizeof word, "%.*s", (int)(n < 63 ? n : 63), s);
    const char *near = scnp_nearest(word, names, nn);
    if (near)
        return scnp_err(c, &v, "%s: unknown value '%s'; did you mean '%s'? (expected one of %s)",
                        k->name, word, near, list);
    return scnp_err(c, &v, "%s: unknown value '%s' (expected one of %s)", k->name, word, list);
}

int scnp_k_map(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    return scnp_walk_map(c, v, k->aux, dst);
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

int scnp_k_dist(struct ctx *c, const struct keydef *k, struct nref v, void *dst)
{
    const struct qlim *lim = k->aux;
    struct dist *d = dst;
    if (!scnp_is_map(&v) || scnp_is_null(&v)) {
        struct quantity q;
        int rc = scnp_get_qty(c, k, &v, lim, &q);
        if (rc)
            return rc;
        d->kind = DIST_CONST;
        d->a = (double)q.value;
        d->b = 0;
        return 0;
    }
    struct entries es;
    int rc = scnp_collect(c, v, true, "key", &es);
    struct entry *de = scnp_entries_find(&es, "dist");
    const struct dist_spec *sp = NULL;
    if (!de) {
        rc = scnp_err(c, &v, "%s: a distribution needs 'dist' (one of constant, exponential, "
                      "uniform, normal, lognormal, pareto)", k->name);
        goto out;
    }
    {
        static const char *const dnames[] = { "constant", "exponential", "uniform", "normal",
                                              "lognormal", "pareto", NULL };
        struct keydef dk = { "dist", scnp_k_enum, 0, dnames, 0 };
        int idx;
        size_t old = scnp_path_push(c, "dist");
        int r = scnp_k_enum(c, &dk, de->val, &idx);
        scnp_path_pop(c, old);
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
            const char *near = scnp_nearest(e->key, cands, 2);
            if (near)
                rc = scnp_err(c, &e->kref, "unknown key '%s' for %s %s distribution; "
                              "did you mean '%s'?", e->key, article(sp->name), sp->name, near);
            else
                rc = scnp_err(c, &e->kref, "unknown key '%s' for %s %s distribution "
                              "(valid keys: dist, %s%s%s)", e->key, article(sp->name),
                              sp->name, sp->p[0], sp->p[1] ? ", " : "",
                              sp->p[1] ? sp->p[1] : "");
            continue;
        }
        struct keydef pk = { sp->p[j], NULL, 0, NULL, 0 };
        size_t old = scnp_path_push(c, e->key);
        int r;
        if (sp->plain[j]) {
            r = get_plain(c, &pk, &e->val, false, &par[j]);
        } else {
            struct quantity q;
            struct qlim ql = *lim;
            ql.min = 0;
            r = scnp_get_qty(c, &pk, &e->val, &ql, &q);
            par[j] = (double)q.value;
        }
        scnp_path_pop(c, old);
        if (r < 0)
            rc = r;
        else
            have[j] = true;
    }
    for (int j = 0; j < 2 && !unknown; j++)
        if (sp->p[j] && !have[j] && !scnp_entries_find(&es, sp->p[j]))
            rc = scnp_err(c, &v, "%s: %s %s distribution needs '%s'", k->name, article(sp->name),
                          sp->name, sp->p[j]);
    if (rc < 0)
        goto out;
    d->kind = sp->kind;
    d->a = par[0];
    d->b = par[1];
    if (sp->kind == DIST_EXPONENTIAL && d->a <= 0)
        rc = scnp_err(c, &v, "%s: an exponential distribution needs a mean greater than zero",
                      k->name);
    else if (sp->kind == DIST_UNIFORM && d->a > d->b)
        rc = scnp_err(c, &v, "%s: uniform min must not exceed max", k->name);
    else if (sp->kind == DIST_LOGNORMAL && d->a <= 0)
        rc = scnp_err(c, &v, "%s: a lognormal distribution needs a median greater than zero",
                      k->name);
    else if (sp->kind == DIST_PARETO && d->b <= 0)
        rc = scnp_err(c, &v, "%s: a pareto distribution needs a scale greater than zero", k->name);
    else if (sp->kind == DIST_PARETO && d->a <= 1)
        rc = scnp_err(c, &v, "%s: a pareto distribution needs a shape greater than 1 (with a "
                      "shape of 1 or less its mean is infinite)", k->name);
    else if (d->kind != DIST_CONST && dist_mean(d) > (double)lim->max)
        rc = scnp_err(c, &v, "%s: the mean of this distribution is beyond the allowed maximum",
                      k->name);
out:
    scnp_entries_free(&es);
    return rc;
}
