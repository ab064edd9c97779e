/*
 * analysis/dashboard.c: a result history as a static web site
 * (analysis/dashboard.h; docs/dashboard.md describes the pages).
 *
 * The history is read once with history_read (nights, series, steps); the
 * scenario names come from the history's runAttr rows with plain SQL, so
 * that a scenario without any metric still gets its page. Pages are HTML5
 * with inline SVG and one style sheet; every name from the database is
 * escaped, and file names are made by dash_file_name, so nothing in a
 * name can reach outside DIR or into the markup. Charts are drawn in a
 * fixed 720 x 260 user space (viewBox), scaled to the page's width by the
 * style sheet; coordinates are written with one decimal, so the same
 * history gives the same bytes.
 *
 * The newest night's figures of a scenario are analysis/plot's standard
 * figures of its runs of the newest night that has any, drawn as SVG into
 * DIR/s/NAME-fig/ and shown with <img>; gnuplot's SVG names only the SVG
 * and XLink namespaces, which browsers never fetch.
 *
 * Simplified: the y axis of a chart spans the series' means and intervals
 * only (a step's base is not drawn); night labels on the x axis are thinned
 * to at most 8; a series with values on one night only is drawn as a short
 * level mark.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "analysis/dashboard.h"
#include "analysis/plot.h"
#include "analysis/store.h"
#include "sim/err.h"

/* ---- pure parts ---------------------------------------------------- */

/* A caller's buffer written as snprintf writes: bytes past the end are
 * counted, not stored. */
struct sbuf {
    char *out;
    size_t n;                       /* bytes of out */
    size_t len;                     /* bytes of the whole result so far */
};

static void sb_add(struct sbuf *b, const char *s, size_t k)
{
    if (b->n && b->len < b->n - 1) {
        size_t room = b->n - 1 - b->len;
        memcpy(b->out + b->len, s, k < room ? k : room);
    }
    b->len += k;
    if (b->n)
        b->out[b->len < b->n - 1 ? b->len : b->n - 1] = '\0';
}

static void sb_fmt(struct sbuf *b, const char *f, ...) __attribute__((format(printf, 2, 3)));
static void sb_fmt(struct sbuf *b, const char *f, ...)
{
    char tmp[128];
    va_list ap;
    va_start(ap, f);
    int k = vsnprintf(tmp, sizeof tmp, f, ap);
    va_end(ap);
    if (k > 0)
        sb_add(b, tmp, (size_t)k < sizeof tmp ? (size_t)k : sizeof tmp - 1);
}

/* The character reference that stands for byte c in HTML text and
 * attribute values, or NULL if c stands for itself. */
static const char *html_ref(unsigned char c)
{
    switch (c) {
    case '&': return "&amp;";
    case '<': return "&lt;";
    case '>': return "&gt;";
    case '"': return "&quot;";
    case '\'': return "&#39;";
    case '\t': case '\n': case '\r': return NULL;
    default: return c < 0x20 || c == 0x7f ? "&#xFFFD;" : NULL;
    }
}

size_t dash_html_escape(const char *s, char *out, size_t n)
{
    struct sbuf b = { out, n, 0 };
    if (n)
        out[0] = '\0';
    for (; s && *s; s++) {
        const char *r = html_ref((unsigned char)*s);
        if (r)
            sb_add(&b, r, strlen(r));
        else
            sb_add(&b, s, 1);
    }
    return b.len;
}

static uint32_t fnv1a(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 16777619u;
    }
    return h;
}

#define FILE_NAME_MAX 64            /* bytes of a name kept in its file name */

size_t dash_file_name(const char *name, char *out, size_t n)
{
    struct sbuf b = { out, n, 0 };
    if (n)
        out[0] = '\0';
    bool changed = !name[0] || name[0] == '.';
    if (!name[0])
        sb_add(&b, "_", 1);
    size_t i;
    for (i = 0; name[i] && i < FILE_NAME_MAX; i++) {
        char c = name[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                  || c == '.' || c == '_' || c == '-';
        changed |= !ok;
        sb_add(&b, ok ? &c : "_", 1);
    }
    if (name[i])
        changed = true;
    if (changed)
        sb_fmt(&b, "-%08x", (unsigned)fnv1a(name));
    return b.len;
}

int dash_nice_ticks(double min, double max, int target, struct dash_ticks *t)
{
    if (!isfinite(min) || !isfinite(max) || min > max || target < 2
        || target > DASH_TICKS_MAX - 2)
        return -SIM_EINVAL;
    if (min == max && min == 0) {
        max = 1;
    } else if (min == max) {
        min -= fabs(min) * 0.1;
        max += fabs(max) * 0.1;
    }
    double raw = (max - min) / (target - 1);
    double mag = pow(10.0, floor(log10(raw)));
    double f = raw / mag;
    /* The tolerance keeps a raw step of exactly 0.1 or 2 from being
     * rounded up by its last bit. */
    double nice = f <= 1 + 1e-9 ? 1 : f <= 2 + 1e-9 ? 2 : f <= 5 + 1e-9 ? 5 : 10;
    double step = nice * mag;
    double k0 = floor(min / step + 1e-9), k1 = ceil(max / step - 1e-9);
    int cnt = (int)(k1 - k0) + 1;
    /* step >= raw gives at most target - 1 steps inside [min, max], and
     * each end adds at most one. */
    if (cnt > DASH_TICKS_MAX)
        cnt = DASH_TICKS_MAX;
    for (int i = 0; i < cnt; i++)
        t->v[i] = (k0 + i) * step + 0.0;    /* + 0.0: no "-0" */
    t->n = cnt;
    t->step = step;
    t->lo = t->v[0];
    t->hi = t->v[cnt - 1];
    return 0;
}

double dash_scale(double v, double d0, double d1, double r0, double r1)
{
    if (d1 == d0)
        return (r0 + r1) / 2;
    return r0 + (v - d0) * (r1 - r0) / (d1 - d0);
}

/* One decimal, never "-0.0". */
static double round1(double v)
{
    double r = round(v * 10) / 10;
    return r == 0 ? 0.0 : r;
}

static void path_point(struct sbuf *b, double x, double y, bool *pen)
{
    if (isnan(x) || isnan(y)) {
        *pen = false;
        return;
    }
    sb_fmt(b, "%c%.1f,%.1f", *pen ? 'L' : 'M', round1(x), round1(y));
    *pen = true;
}

size_t dash_path(const double *x, const double *y, size_t n, char *out, size_t len)
{
    struct sbuf b = { out, len, 0 };
    if (len)
        out[0] = '\0';
    bool pen = false;
    for (size_t i = 0; i < n; i++)
        path_point(&b, x[i], y[i], &pen);
    return b.len;
}

size_t dash_sparkline(const double *v, size_t n, double w, double h, double pad, char *out,
                      size_t len)
{
    struct sbuf b = { out, len, 0 };
    if (len)
        out[0] = '\0';
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i])) {
            lo = v[i] < lo ? v[i] : lo;
            hi = v[i] > hi ? v[i] : hi;
        }
    bool pen = false;
    for (size_t i = 0; i < n && lo <= hi; i++) {
        double x = dash_scale((double)i, 0, n > 1 ? (double)(n - 1) : 0, pad, w - pad);
        double y = isfinite(v[i]) ? dash_scale(v[i], lo, hi, h - pad, pad) : NAN;
        path_point(&b, x, y, &pen);
    }
    return b.len;
}





/* ---- the site -------------------------------------------------------- */

/* The chart's user space and margins, in SVG user units. */
#define CW 720.0
#define CH 260.0
#define ML 78.0
#define MR 18.0
#define MT 26.0
#define MB 44.0
#define XLABELS_MAX 8               /* night labels on the x axis, at most */
#define SPARK_W 120.0               /* sparkline box */
#define SPARK_H 24.0

struct site {
    const struct dash_opts *o;
    struct dash_result *r;
    struct history *h;
    char **scen;                    /* scenario names, sorted */
    size_t nscen;
    double *xs, *ys;                /* one per night, scratch for paths */
    char *pbuf;                     /* scratch for a path's text */
    size_t pcap;
    char *err;
    size_t errlen;
    size_t all_nights;              /* in the history, before keeping the newest o->nights */
};

static void note(const struct site *st, const char *f, ...) __attribute__((format(printf, 2, 3)));
static void note(const struct site *st, const char *f, ...)
{
    if (!st->o->note)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, f);
    vsnprintf(msg, sizeof msg, f, ap);
    va_end(ap);
    st->o->note(st->o->note_ctx, msg);
}

static void put_esc(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        const char *r = html_ref((unsigned char)*s);
        if (r)
            fputs(r, f);
        else
            putc(*s, f);
    }
}

/* A relative URL's path segment: bytes outside [A-Za-z0-9._-] as %XX. */
static void put_url(FILE *f, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
            || c == '.' || c == '_' || c == '-')
            putc(c, f);
        else
            fprintf(f, "%%%02X", c);
    }
}

static const char *verdict_word(enum regress_verdict v)
{
    switch (v) {
    case REGRESS_REGRESSED: return "regressed";
    case REGRESS_IMPROVED: return "improved";
    default: return "changed";
    }
}

static void fmt_time(int64_t t, char *buf, size_t n)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm) || !strftime(buf, n, "%Y-%m-%d %H:%M UTC", &tm))
        snprintf(buf, n, "%lld", (long long)t);
}

/* Create dir and its missing parents. */
static int make_dirs(const char *dir, char *err, size_t errlen)
{
    char p[PATH_MAX];
    if (snprintf(p, sizeof p, "%s", dir) >= (int)sizeof p) {
        sim_errmsg(err, errlen, "%s: path too long", dir);
        return -SIM_EBADINPUT;
    }
    for (char *s = p + 1;; s++) {
        bool end = !*s;
        if (*s == '/' || end) {
            char c = *s;
            *s = '\0';
            struct stat sb;
            if (mkdir(p, 0777) != 0 && errno != EEXIST) {
                sim_errmsg(err, errlen, "%s: cannot create: %s", p, strerror(errno));
                return -SIM_EIO;
            }
            if (stat(p, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
                sim_errmsg(err, errlen, "%s: not a directory", p);
                return -SIM_EIO;
            }
            *s = c;
        }
        if (end)
            break;
    }
    return 0;
}

static int path_of(struct site *st, char *buf, size_t n, const char *f, ...)
    __attribute__((format(printf, 4, 5)));
static int path_of(struct site *st, char *buf, size_t n, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    int k = vsnprintf(buf, n, f, ap);
    va_end(ap);
    if (k < 0 || (size_t)k >= n) {
        sim_errmsg(st->err, st->errlen, "%s/...: path too long", st->o->out_dir);
        return -SIM_EBADINPUT;
    }
    return 0;
}

static FILE *open_out(struct site *st, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        sim_errmsg(st->err, st->errlen, "%s: cannot write: %s", path, strerror(errno));
    return f;
}

static int close_out(struct site *st, FILE *f, const char *path)
{
    bool bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        sim_errmsg(st->err, st->errlen, "%s: cannot write: %s", path,
                   errno ? strerror(errno) : "write error");
        return -SIM_EIO;
    }
    return 0;
}

/* The scenario names of the history's runs, sorted (bytewise). */
static int read_scenarios(struct site *st)
{
    sqlite3 *db;
    int64_t ver;
    int rc = store_open_read(st->o->history, &db, &ver, st->err, st->errlen);
    if (rc)
        return rc;
    sqlite3_stmt *q = NULL;
    rc = sqlite3_prepare_v2(db, "SELECT DISTINCT attrValue FROM runAttr WHERE attrName = '"
                            STORE_ATTR_SCENARIO "' ORDER BY attrValue", -1, &q, NULL);
    int ret = 0;
    size_t cap = 0;
    while (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        const char *s = (const char *)sqlite3_column_text(q, 0);
        if (st->nscen == cap) {
            size_t ncap = cap ? 2 * cap : 16;
            char **v = realloc(st->scen, ncap * sizeof *v);
            if (!v) {
                ret = -SIM_ENOMEM;
                break;
            }
            st->scen = v;
            cap = ncap;
        }
        if (!(st->scen[st->nscen] = strdup(s ? s : ""))) {
            ret = -SIM_ENOMEM;
            break;
        }
        st->nscen++;
        rc = SQLITE_OK;
    }
    if (ret == -SIM_ENOMEM) {
        sim_errmsg(st->err, st->errlen, "out of memory");
    } else if (rc != SQLITE_DONE) {
        sim_errmsg(st->err, st->errlen, "%s: cannot read the scenarios: %s", st->o->history,
                   sqlite3_errmsg(db));
        ret = -SIM_EDB;
    }
    sqlite3_finalize(q);
    sqlite3_close(db);
    return ret;
}

/* ---- page parts ---- */

static const char style_css[] =
    "/* xensim dashboard: one style sheet for every page; no fonts, images or\n"
    "   addresses from outside. */\n"
    ":root { --fg: #1b1b1b; --muted: #5f6368; --line: #d0d4d9; --bg-alt: #f4f6f8;\n"
    "        --mean: #1f5fa8; --band: rgba(31, 95, 168, 0.18); --regressed: #c62828;\n"
    "        --improved: #2e7d32; --changed: #b26a00; }\n"
    "* { box-sizing: border-box; }\n"
    "body { margin: 0 auto; max-width: 72rem; padding: 0.75rem; color: var(--fg);\n"
    "       font: 15px/1.45 system-ui, -apple-system, \"Segoe UI\", Roboto, sans-serif;\n"
    "       overflow-wrap: anywhere; }\n"
    "h1 { font-size: 1.5rem; margin: 0.5rem 0; }\n"
    "h2 { font-size: 1.2rem; margin: 1.5rem 0 0.5rem; border-bottom: 1px solid var(--line); }\n"
    "h3 { font-size: 1rem; margin: 0.25rem 0; }\n"
    "a { color: #1a56a6; }\n"
    ".muted { color: var(--muted); }\n"
    ".banner { padding: 0.6rem 0.8rem; border-radius: 4px; font-weight: 600; }\n"
    ".banner.bad { background: #fdecea; color: var(--regressed); border: 1px solid var(--regressed); }\n"
    ".banner.ok { background: #edf7ee; color: var(--improved); border: 1px solid var(--improved); }\n"
    ".scroll { overflow-x: auto; max-width: 100%; }\n"
    "table { border-collapse: collapse; font-size: 0.9rem; overflow-wrap: normal; }\n"
    "th, td { padding: 0.2rem 0.5rem; border-bottom: 1px solid var(--line); text-align: left;\n"
    "         white-space: nowrap; vertical-align: middle; }\n"
    "th { background: var(--bg-alt); }\n"
    "td.num, th.num, table.nums td:nth-child(n+3), table.nums th:nth-child(n+3) {\n"
    "  text-align: right; font-variant-numeric: tabular-nums; }\n"
    "table.nums td:last-child, table.nums th:last-child { text-align: left; }\n"
    "tr.flagged td { background: #fff8e1; }\n"
    ".mark { font-weight: 600; }\n"
    ".mark.regressed, .v-regressed { color: var(--regressed); }\n"
    ".mark.improved, .v-improved { color: var(--improved); }\n"
    ".mark.changed, .v-changed { color: var(--changed); }\n"
    "svg.spark { width: 120px; height: 24px; display: block; }\n"
    "svg.spark path { fill: none; stroke: var(--mean); stroke-width: 1.5; }\n"
    "svg.spark circle.flag { stroke: none; }\n"
    "figure { margin: 0; }\n"
    "figure.trend { margin: 1rem 0 1.5rem; break-inside: avoid; page-break-inside: avoid; }\n"
    "figure.trend figcaption { font-weight: 600; }\n"
    "svg.chart { width: 100%; height: auto; display: block; max-width: 60rem; }\n"
    "svg.chart text { font: 12px sans-serif; fill: var(--fg); }\n"
    "svg.chart .grid { stroke: #e3e6ea; stroke-width: 1; }\n"
    "svg.chart .axis { stroke: #555; fill: none; stroke-width: 1; }\n"
    "svg.chart path.band { fill: var(--band); stroke: none; }\n"
    "svg.chart path.mean { fill: none; stroke: var(--mean); stroke-width: 2; }\n"
    "svg.chart circle.pt { fill: var(--mean); }\n"
    "circle.flag { fill: none; stroke-width: 2.5; }\n"
    "circle.flag.regressed { stroke: var(--regressed); fill: var(--regressed); }\n"
    "circle.flag.improved { stroke: var(--improved); fill: var(--improved); }\n"
    "circle.flag.changed { stroke: var(--changed); fill: var(--changed); }\n"
    "svg.chart text.flag { font-weight: 600; }\n"
    "svg.chart text.flag.regressed { fill: var(--regressed); }\n"
    "svg.chart text.flag.improved { fill: var(--improved); }\n"
    "svg.chart text.flag.changed { fill: var(--changed); }\n"
    ".legend { display: flex; flex-wrap: wrap; gap: 0.4rem 1.2rem; font-size: 0.9rem; }\n"
    ".legend svg { width: 28px; height: 12px; vertical-align: middle; }\n"
    ".figs { display: grid; gap: 1rem;\n"
    "        grid-template-columns: repeat(auto-fill, minmax(min(100%, 26rem), 1fr)); }\n"
    ".figs img { width: 100%; height: auto; border: 1px solid var(--line); }\n"
    "details { margin: 0.5rem 0; }\n"
    "summary { cursor: pointer; }\n"
    "@media print {\n"
    "  body { max-width: none; padding: 0; font-size: 11pt; }\n"
    "  a { color: inherit; text-decoration: none; }\n"
    "  .scroll { overflow: visible; }\n"
    "  figure, .figs img, svg.chart, table { break-inside: avoid; page-break-inside: avoid; }\n"
    "  h2, h3 { break-after: avoid; page-break-after: avoid; }\n"
    "}\n";

static void page_head(FILE *f, const char *title, const char *title2, const char *css)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<title>", f);
    put_esc(f, title);
    put_esc(f, title2);
    fprintf(f, "</title>\n<link rel=\"stylesheet\" href=\"%s\">\n</head>\n<body>\n", css);
}

static void page_tail(FILE *f)
{
    fputs("<footer class=\"muted\"><p>Written by <code>xensim dashboard</code> from the "
          "history's nights; docs/dashboard.md explains the pages.</p></footer>\n"
          "</body>\n</html>\n", f);
}

/* "bvt, a=1" for a series' scheduler and sweep point. */
static void put_group(FILE *f, const struct history_series *s)
{
    bool sched = s->scheduler && s->scheduler[0], point = s->sweep_point && s->sweep_point[0];
    if (!sched && !point)
        fputs("-", f);
    put_esc(f, sched ? s->scheduler : "");
    if (sched && point)
        fputs(", ", f);
    put_esc(f, point ? s->sweep_point : "");
}

static void put_value(FILE *f, const char *metric, double v)
{
    char b[64];
    regress_fmt_value(metric, v, b, sizeof b);
    put_esc(f, b);
}

/* The flag of series s at night j, or NULL. */
static const struct history_flag *flag_at(const struct history *h, size_t s, size_t j)
{
    const struct history_series *se = &h->series[s];
    for (size_t k = se->first_flag; k < se->first_flag + se->nflags && k < h->nflags; k++)
        if (h->flags[k].night == j)
            return &h->flags[k];
    return NULL;
}

static bool is_key(const struct history_series *s)
{
    return s->dir != REGRESS_NEUTRAL || s->nflags > 0;
}

/* Make room for a path of need bytes (and its terminator) in st->pbuf. */
static int path_room(struct site *st, size_t need)
{
    if (need + 1 <= st->pcap)
        return 0;
    size_t cap = need + 1 > 2 * st->pcap ? need + 1 : 2 * st->pcap;
    char *p = realloc(st->pbuf, cap);
    if (!p) {
        sim_errmsg(st->err, st->errlen, "out of memory");
        return -SIM_ENOMEM;
    }
    st->pbuf = p;
    st->pcap = cap;
    return 0;
}

static int put_path(struct site *st, FILE *f, const double *x, const double *y, size_t n)
{
    size_t need = dash_path(x, y, n, NULL, 0);
    int rc = path_room(st, need);
    if (rc)
        return rc;
    dash_path(x, y, n, st->pbuf, st->pcap);
    fputs(st->pbuf, f);
    return 0;
}

static int put_sparkline(struct site *st, FILE *f, size_t s)
{
    const struct history *h = st->h;
    const struct history_series *se = &h->series[s];
    for (size_t j = 0; j < h->nnights; j++)
        st->ys[j] = se->points[j].n > 0 ? se->points[j].mean : NAN;
    size_t need = dash_sparkline(st->ys, h->nnights, SPARK_W, SPARK_H, 2, NULL, 0);
    int rc = path_room(st, need);
    if (rc)
        return rc;
    dash_sparkline(st->ys, h->nnights, SPARK_W, SPARK_H, 2, st->pbuf, st->pcap);
    fprintf(f, "<svg class=\"spark\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" "
            "aria-label=\"trend over %zu nights\"><path d=\"%s\"/>", SPARK_W, SPARK_H,
            h->nnights, st->pbuf);
    /* The newest night's step as a dot at the line's end (a step has a
     * value on its night). */
    const struct history_flag *fl = h->nnights ? flag_at(h, s, h->nnights - 1) : NULL;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t j = 0; j < h->nnights; j++)
        if (isfinite(st->ys[j])) {
            lo = fmin(lo, st->ys[j]);
            hi = fmax(hi, st->ys[j]);
        }
    double last = h->nnights ? st->ys[h->nnights - 1] : NAN;
    if (fl && isfinite(last)) {
        double n1 = (double)(h->nnights - 1);
        fprintf(f, "<circle class=\"flag %s\" cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\"/>",
                verdict_word(fl->verdict), round1(dash_scale(n1, 0, n1, 2, SPARK_W - 2)),
                round1(dash_scale(last, lo, hi, SPARK_H - 2, 2)));
    }
    fputs("</svg>", f);
    return 0;
}

/* The point's tooltip: "n07 (2026-01-07): mean 1.20ms, 95% CI 1.10ms ..
 * 1.30ms, n = 5" (the table under the chart has the rest). */
static void put_point_title(FILE *f, const struct history_night *night, const char *metric,
                            const struct history_point *p)
{
    char t[64];
    fmt_time(night->time, t, sizeof t);
    put_esc(f, night->label);
    fprintf(f, " (%.10s): mean ", t);
    put_value(f, metric, p->mean);
    fputs(", 95% CI ", f);
    put_value(f, metric, p->lo);
    fputs(" .. ", f);
    put_value(f, metric, p->hi);
    fprintf(f, ", n = %d", p->n);
}

static void put_step_words(FILE *f, const struct history *h, const struct history_flag *fl)
{
    const struct history_series *se = &h->series[fl->series];
    char ch[32], p[32];
    regress_fmt_change(fl->change, ch, sizeof ch);
    regress_fmt_p(fl->p, p, sizeof p);
    fprintf(f, "%s at ", verdict_word(fl->verdict));
    put_esc(f, h->nights[fl->night].label);
    fputs(": ", f);
    put_value(f, se->metric, fl->base);
    fputs(" -> ", f);
    put_value(f, se->metric, fl->cur);
    fprintf(f, " (%s, p = %s)", ch, p);
}

/* Axis units of a chart: a time axis in the unit of its largest tick. */
static void axis_unit(const char *metric, const struct dash_ticks *t, double *div,
                      const char **unit)
{
    *div = 1;
    *unit = "";
    if (!regress_is_time(metric))
        return;
    double a = fabs(t->lo) > fabs(t->hi) ? fabs(t->lo) : fabs(t->hi);
    if (a < 1e3) {
        *unit = "ns";
    } else if (a < 1e6) {
        *div = 1e3;
        *unit = "us";
    } else if (a < 1e9) {
        *div = 1e6;
        *unit = "ms";
    } else {
        *div = 1e9;
        *unit = "s";
    }
}

static void put_tick_label(FILE *f, double v, double step, double div, bool time)
{
    double a = fabs(v / div);
    if (!time && a >= 1e6) {
        fprintf(f, "%.3g", v);
        return;
    }
    int dec = (int)-floor(log10(step / div) + 1e-9);
    dec = dec < 0 ? 0 : dec > 9 ? 9 : dec;
    fprintf(f, "%.*f", dec, v / div + 0.0);
}

/* One trend chart: the figure with its SVG and its table of numbers. */
static int put_chart(struct site *st, FILE *f, size_t s)
{
    const struct history *h = st->h;
    const struct history_series *se = &h->series[s];
    size_t nn = h->nnights;
    double lo = INFINITY, hi = -INFINITY;
    size_t npts = 0, only = 0;
    for (size_t j = 0; j < nn; j++) {
        const struct history_point *p = &se->points[j];
        if (p->n <= 0 || !isfinite(p->mean))
            continue;
        npts++;
        only = j;
        double a = isfinite(p->lo) ? p->lo : p->mean, b = isfinite(p->hi) ? p->hi : p->mean;
        lo = fmin(lo, fmin(a, p->mean));
        hi = fmax(hi, fmax(b, p->mean));
    }
    fprintf(f, "<figure class=\"trend\" id=\"c%zu\">\n<figcaption>", s);
    put_esc(f, se->metric);
    fputs(" <span class=\"muted\">of ", f);
    put_esc(f, se->module);
    fputs(", ", f);
    put_group(f, se);
    fputs("</span></figcaption>\n", f);
    if (!npts) {
        fputs("<p class=\"muted\">No night has a value of this series.</p>\n</figure>\n", f);
        return 0;
    }
    struct dash_ticks t;
    if (dash_nice_ticks(lo, hi, 5, &t) < 0) {
        fputs("<p class=\"muted\">Values out of range; see the table.</p>\n</figure>\n", f);
        return 0;
    }
    double div;
    const char *unit;
    axis_unit(se->metric, &t, &div, &unit);
    bool time = regress_is_time(se->metric);
    double pw = CW - ML - MR, ph = CH - MT - MB, x0 = ML, x1 = ML + pw, ybot = MT + ph;
    fprintf(f, "<svg class=\"chart\" viewBox=\"0 0 %.0f %.0f\" role=\"img\">\n<title>", CW, CH);
    put_esc(f, se->metric);
    fputs(" of ", f);
    put_esc(f, se->module);
    fputs(" over the nights</title>\n", f);
    /* Grid and y ticks. */
    for (int i = 0; i < t.n; i++) {
        double y = dash_scale(t.v[i], t.lo, t.hi, ybot, MT);
        fprintf(f, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
                "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", x0, round1(y), x1,
                round1(y), x0 - 6, round1(y + 4));
        put_tick_label(f, t.v[i], t.step, div, time);
        fputs("</text>\n", f);
    }
    fprintf(f, "<text x=\"4\" y=\"14\">");
    put_esc(f, se->metric);
    if (unit[0])
        fprintf(f, " (%s)", unit);
    fputs("</text>\n", f);
    fprintf(f, "<path class=\"axis\" d=\"M%.1f,%.1fV%.1fH%.1f\"/>\n", x0, MT, ybot, x1);
    /* Night labels, thinned. */
    size_t every = (nn + XLABELS_MAX - 1) / XLABELS_MAX;
    every = every ? every : 1;
    for (size_t j = 0; j < nn; j += every) {
        double x = dash_scale((double)j, 0, (double)(nn - 1), x0, x1);
        fprintf(f, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
                "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", round1(x), ybot,
                round1(x), ybot + 5, round1(x), ybot + 18);
        put_esc(f, h->nights[j].label);
        fputs("</text>\n", f);
    }
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" class=\"muted\">night"
            "</text>\n", (x0 + x1) / 2, CH - 6);
    /* The band: one closed shape per stretch of nights with an interval. */
    fputs("<path class=\"band\" d=\"", f);
    for (size_t j = 0; j < nn;) {
        size_t k = j;
        while (k < nn && se->points[k].n > 0 && isfinite(se->points[k].lo)
               && isfinite(se->points[k].hi))
            k++;
        if (k - j >= 2) {
            size_t m = 0;
            for (size_t i = j; i < k; i++, m++) {
                st->xs[m] = dash_scale((double)i, 0, (double)(nn - 1), x0, x1);
                st->ys[m] = dash_scale(se->points[i].hi, t.lo, t.hi, ybot, MT);
            }
            int rc = put_path(st, f, st->xs, st->ys, m);
            if (rc)
                return rc;
            for (size_t i = k; i-- > j;)
                fprintf(f, "L%.1f,%.1f",
                        round1(dash_scale((double)i, 0, (double)(nn - 1), x0, x1)),
                        round1(dash_scale(se->points[i].lo, t.lo, t.hi, ybot, MT)));
            fputs("Z", f);
        }
        j = k > j ? k : j + 1;
    }
    fputs("\"/>\n", f);
    /* The mean line; a lone value as a short level mark. */
    fputs("<path class=\"mean\" d=\"", f);
    if (npts == 1) {
        double x = dash_scale((double)only, 0, (double)(nn - 1), x0, x1);
        double y = dash_scale(se->points[only].mean, t.lo, t.hi, ybot, MT);
        double xs[2] = { x - 8, x + 8 }, ys[2] = { y, y };
        int rc = put_path(st, f, xs, ys, 2);
        if (rc)
            return rc;
    } else {
        for (size_t j = 0; j < nn; j++) {
            const struct history_point *p = &se->points[j];
            st->xs[j] = dash_scale((double)j, 0, (double)(nn - 1), x0, x1);
            st->ys[j] = p->n > 0 && isfinite(p->mean)
                        ? dash_scale(p->mean, t.lo, t.hi, ybot, MT) : NAN;
        }
        int rc = put_path(st, f, st->xs, st->ys, nn);
        if (rc)
            return rc;
    }
    fputs("\"/>\n<g class=\"pts\">\n", f);
    for (size_t j = 0; j < nn; j++) {
        const struct history_point *p = &se->points[j];
        if (p->n <= 0 || !isfinite(p->mean))
            continue;
        fprintf(f, "<circle class=\"pt\" cx=\"%.1f\" cy=\"%.1f\" r=\"3\"><title>",
                round1(dash_scale((double)j, 0, (double)(nn - 1), x0, x1)),
                round1(dash_scale(p->mean, t.lo, t.hi, ybot, MT)));
        put_point_title(f, &h->nights[j], se->metric, p);
        fputs("</title></circle>\n", f);
    }
    fputs("</g>\n", f);
    /* The steps, each a ring with its verdict and night written beside it. */
    for (size_t k = se->first_flag; k < se->first_flag + se->nflags && k < h->nflags; k++) {
        const struct history_flag *fl = &h->flags[k];
        double x = dash_scale((double)fl->night, 0, (double)(nn - 1), x0, x1);
        double y = dash_scale(fl->cur, t.lo, t.hi, ybot, MT);
        const char *w = verdict_word(fl->verdict);
        fprintf(f, "<circle class=\"flag %s\" cx=\"%.1f\" cy=\"%.1f\" r=\"6\" "
                "fill-opacity=\"0.35\"><title>", w, round1(x), round1(y));
        put_step_words(f, h, fl);
        fputs("</title></circle>\n", f);
        const char *anchor = x > x0 + 0.75 * pw ? "end" : x < x0 + 0.25 * pw ? "start"
                                                                              : "middle";
        double ty = y - 11 < 12 ? y + 22 : y - 11;
        fprintf(f, "<text class=\"flag %s\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">%s ",
                w, round1(x), round1(ty), anchor, w);
        put_esc(f, h->nights[fl->night].label);
        fputs("</text>\n", f);
    }
    fputs("</svg>\n", f);
    /* The numbers. */
    fputs("<details><summary>numbers per night</summary>\n<div class=\"scroll\">"
          "<table class=\"nums\">\n<thead><tr><th>night</th><th>time (UTC)</th><th>n</th>"
          "<th>mean</th><th>sd</th><th>95% CI</th><th>step</th></tr></thead>\n<tbody>\n", f);
    for (size_t j = nn; j-- > 0;) {
        const struct history_point *p = &se->points[j];
        const struct history_flag *fl = flag_at(h, s, j);
        char tm[64];
        fmt_time(h->nights[j].time, tm, sizeof tm);
        fprintf(f, "<tr%s><td>", fl ? " class=\"flagged\"" : "");
        put_esc(f, h->nights[j].label);
        fprintf(f, "</td><td>%.16s</td><td>%d</td><td>", tm, p->n);
        put_value(f, se->metric, p->n > 0 ? p->mean : NAN);
        fputs("</td><td>", f);
        put_value(f, se->metric, p->n > 0 ? p->sd : NAN);
        fputs("</td><td>", f);
        if (p->n > 0) {
            put_value(f, se->metric, p->lo);
            fputs(" .. ", f);
            put_value(f, se->metric, p->hi);
        } else {
            fputs("-", f);
        }
        fputs("</td><td>", f);
        if (fl) {
            fprintf(f, "<span class=\"mark %s\">", verdict_word(fl->verdict));
            put_step_words(f, h, fl);
            fputs("</span>", f);
        }
        fputs("</td></tr>\n", f);
    }
    fputs("</tbody></table></div></details>\n</figure>\n", f);
    return 0;
}

/* A table of steps (flags given by index), newest night first. */
static void put_steps_table(FILE *f, const struct history *h, const size_t *fl, size_t n,
                            const char *scenario_href_prefix, bool with_scenario)
{
    fputs("<div class=\"scroll\"><table class=\"steps\">\n<thead><tr><th>verdict</th>"
          "<th>night</th>", f);
    if (with_scenario)
        fputs("<th>scenario</th>", f);
    fputs("<th>group</th><th>module</th><th>metric</th><th class=\"num\">base -&gt; current"
          "</th><th class=\"num\">change</th><th class=\"num\">p-value</th></tr></thead>\n"
          "<tbody>\n", f);
    for (size_t i = 0; i < n; i++) {
        const struct history_flag *x = &h->flags[fl[i]];
        const struct history_series *se = &h->series[x->series];
        const char *w = verdict_word(x->verdict);
        char ch[32], p[32], fn[128];
        regress_fmt_change(x->change, ch, sizeof ch);
        regress_fmt_p(x->p, p, sizeof p);
        fprintf(f, "<tr><td class=\"v-%s\"><span class=\"mark %s\">%s</span></td><td>", w, w,
                w);
        put_esc(f, h->nights[x->night].label);
        fputs("</td>", f);
        dash_file_name(se->scenario, fn, sizeof fn);
        if (with_scenario) {
            fprintf(f, "<td><a href=\"%s", scenario_href_prefix);
            put_url(f, fn);
            fputs(".html\">", f);
            put_esc(f, se->scenario);
            fputs("</a></td>", f);
        }
        fputs("<td>", f);
        put_group(f, se);
        fputs("</td><td>", f);
        put_esc(f, se->module);
        fprintf(f, "</td><td><a href=\"%s", scenario_href_prefix);
        put_url(f, fn);
        fprintf(f, ".html#c%zu\">", x->series);
        put_esc(f, se->metric);
        fputs("</a></td><td class=\"num\">", f);
        put_value(f, se->metric, x->base);
        fputs(" -&gt; ", f);
        put_value(f, se->metric, x->cur);
        fprintf(f, "</td><td class=\"num\">%s</td><td class=\"num\">%s</td></tr>\n", ch, p);
    }
    fputs("</tbody></table></div>\n", f);
}

static int cmp_flag_newest(const void *a, const void *b, const struct history *h)
{
    const struct history_flag *x = &h->flags[*(const size_t *)a];
    const struct history_flag *y = &h->flags[*(const size_t *)b];
    if (x->night != y->night)
        return x->night > y->night ? -1 : 1;
    return x->series < y->series ? -1 : x->series > y->series;
}

/* Sorts flag indexes newest night first; qsort has no context argument,
 * and the flags are already by series then night, so a stable insertion
 * sort on the night is enough. */
static void sort_flags(size_t *v, size_t n, const struct history *h)
{
    for (size_t i = 1; i < n; i++) {
        size_t x = v[i], j = i;
        while (j > 0 && cmp_flag_newest(&v[j - 1], &x, h) > 0) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
}

/* ---- index.html ---- */

static void put_series_row(struct site *st, FILE *f, size_t s, const char *fn, int *rc)
{
    const struct history *h = st->h;
    const struct history_series *se = &h->series[s];
    size_t nn = h->nnights;
    const struct history_point *cur = nn ? &se->points[nn - 1] : NULL;
    const struct history_point *prev = nn > 1 ? &se->points[nn - 2] : NULL;
    const struct history_flag *fl = nn ? flag_at(h, s, nn - 1) : NULL;
    fprintf(f, "<tr%s><td>", fl ? " class=\"flagged\"" : "");
    put_group(f, se);
    fputs("</td><td>", f);
    put_esc(f, se->module);
    fputs("</td><td><a href=\"s/", f);
    put_url(f, fn);
    fprintf(f, ".html#c%zu\">", s);
    put_esc(f, se->metric);
    fputs("</a></td><td class=\"num\">", f);
    double cv = cur && cur->n > 0 ? cur->mean : NAN;
    double pv = prev && prev->n > 0 ? prev->mean : NAN;
    put_value(f, se->metric, cv);
    double change = NAN;
    if (!isnan(cv) && !isnan(pv))
        change = pv != 0 ? (cv - pv) / fabs(pv) : cv == 0 ? 0 : cv > 0 ? INFINITY : -INFINITY;
    char ch[32];
    regress_fmt_change(change, ch, sizeof ch);
    fprintf(f, "</td><td class=\"num\">%s</td><td>", ch);
    if (!*rc)
        *rc = put_sparkline(st, f, s);
    fputs("</td><td>", f);
    if (fl) {
        const char *w = verdict_word(fl->verdict);
        fprintf(f, "<span class=\"mark %s\" title=\"", w);
        put_step_words(f, h, fl);
        fprintf(f, "\">%s %s</span>", fl->verdict == REGRESS_REGRESSED ? "&#9650;"
                : fl->verdict == REGRESS_IMPROVED ? "&#9660;" : "&#9670;", w);
    } else if (se->nflags) {
        const struct history_flag *last = &h->flags[se->first_flag + se->nflags - 1];
        fprintf(f, "<span class=\"muted\">last step: %s at ", verdict_word(last->verdict));
        put_esc(f, h->nights[last->night].label);
        fputs("</span>", f);
    }
    fputs("</td></tr>\n", f);
}

static void put_series_head(FILE *f)
{
    fputs("<div class=\"scroll\"><table class=\"series\">\n<thead><tr><th>group</th>"
          "<th>module</th><th>metric</th><th class=\"num\">newest</th>"
          "<th class=\"num\">since the night before</th><th>trend</th><th>step</th></tr>"
          "</thead>\n<tbody>\n", f);
}

static int write_index(struct site *st)
{
    const struct history *h = st->h;
    size_t nn = h->nnights;
    char path[PATH_MAX];
    int rc = path_of(st, path, sizeof path, "%s/index.html", st->o->out_dir);
    if (rc)
        return rc;
    FILE *f = open_out(st, path);
    if (!f)
        return -SIM_EIO;
    page_head(f, "xensim results history", "", "style.css");
    const char *base = strrchr(st->o->history, '/');
    base = base ? base + 1 : st->o->history;
    fputs("<header><h1>xensim results history</h1>\n<p class=\"muted\">History <code>", f);
    put_esc(f, base);
    fputs("</code></p></header>\n<main>\n", f);
    if (!nn) {
        fputs("<p>The history has no nights yet: add one with <code>xensim history add"
              "</code>.</p>\n", f);
    } else {
        const struct history_night *first = &h->nights[0], *last = &h->nights[nn - 1];
        char t0[64], t1[64];
        fmt_time(first->time, t0, sizeof t0);
        fmt_time(last->time, t1, sizeof t1);
        if (st->all_nights > nn)
            fprintf(f, "<p class=\"summary\">The newest %zu of %zu nights, from ", nn,
                    st->all_nights);
        else
            fprintf(f, "<p class=\"summary\">%zu night%s, from ", nn, nn == 1 ? "" : "s");
        put_esc(f, first->label);
        fprintf(f, " (%s) to ", t0);
        put_esc(f, last->label);
        fprintf(f, " (%s). Newest night <strong id=\"newest\">", t1);
        put_esc(f, last->label);
        fprintf(f, "</strong>, %s: %lld run%s", t1, (long long)last->runs,
                last->runs == 1 ? "" : "s");
        if (last->versions && last->versions[0]) {
            fputs(" of xensim ", f);
            put_esc(f, last->versions);
        }
        fprintf(f, "; %zu scenario%s, %zu series.</p>\n", st->nscen, st->nscen == 1 ? "" : "s",
                h->nseries);
        size_t nreg = st->r->newest_regressions;
        fprintf(f, "<p class=\"banner %s\" id=\"banner\">", nreg ? "bad" : "ok");
        if (nreg)
            fprintf(f, "%zu regression%s in night ", nreg, nreg == 1 ? "" : "s");
        else
            fputs("No regression in night ", f);
        put_esc(f, last->label);
        fputs("</p>\n", f);
        size_t *fl = malloc((h->nflags + 1) * sizeof *fl);
        if (!fl) {
            fclose(f);
            sim_errmsg(st->err, st->errlen, "out of memory");
            return -SIM_ENOMEM;
        }
        size_t n = 0;
        for (size_t k = 0; k < h->nflags; k++)
            if (h->flags[k].night == nn - 1)
                fl[n++] = k;
        fputs("<h2 id=\"steps\">Steps in the newest night</h2>\n", f);
        if (n)
            put_steps_table(f, h, fl, n, "s/", true);
        else
            fputs("<p>No series stepped in the newest night.</p>\n", f);
        free(fl);
    }
    fputs("<h2 id=\"scenarios\">Scenarios</h2>\n<div class=\"scroll\"><table>\n<thead><tr>"
          "<th>scenario</th><th class=\"num\">series</th><th class=\"num\">with steps</th>"
          "<th class=\"num\">steps in the newest night</th></tr></thead>\n<tbody>\n", f);
    for (size_t k = 0; k < st->nscen; k++) {
        size_t ns = 0, nf = 0, nnew = 0;
        for (size_t s = 0; s < h->nseries; s++) {
            if (strcmp(h->series[s].scenario, st->scen[k]))
                continue;
            ns++;
            nf += h->series[s].nflags > 0;
            nnew += nn && flag_at(h, s, nn - 1);
        }
        char fn[128];
        dash_file_name(st->scen[k], fn, sizeof fn);
        fputs("<tr><td><a class=\"scenario\" href=\"s/", f);
        put_url(f, fn);
        fputs(".html\">", f);
        put_esc(f, st->scen[k]);
        fprintf(f, "</a></td><td class=\"num\">%zu</td><td class=\"num\">%zu</td>"
                "<td class=\"num\">%zu</td></tr>\n", ns, nf, nnew);
    }
    fputs("</tbody></table></div>\n", f);
    /* Per scenario: the series that can regress or stepped, those with a
     * step in the newest night first; the rest folded away. */
    for (size_t k = 0; k < st->nscen && !rc; k++) {
        char fn[128];
        dash_file_name(st->scen[k], fn, sizeof fn);
        fprintf(f, "<section class=\"scenario\">\n<h2 id=\"s-%zu\"><a href=\"s/", k);
        put_url(f, fn);
        fputs(".html\">", f);
        put_esc(f, st->scen[k]);
        fputs("</a></h2>\n", f);
        size_t nkey = 0, nother = 0;
        for (size_t s = 0; s < h->nseries; s++)
            if (!strcmp(h->series[s].scenario, st->scen[k]))
                *(is_key(&h->series[s]) ? &nkey : &nother) += 1;
        if (nkey) {
            put_series_head(f);
            for (int pass = 0; pass < 3; pass++)
                for (size_t s = 0; s < h->nseries; s++) {
                    const struct history_series *se = &h->series[s];
                    if (strcmp(se->scenario, st->scen[k]) || !is_key(se))
                        continue;
                    bool newest = nn && flag_at(h, s, nn - 1);
                    int want = newest ? 0 : se->nflags ? 1 : 2;
                    if (want == pass)
                        put_series_row(st, f, s, fn, &rc);
                }
            fputs("</tbody></table></div>\n", f);
        }
        if (nother) {
            fprintf(f, "<details><summary>%zu other series (no bad direction, no step)"
                    "</summary>\n", nother);
            put_series_head(f);
            for (size_t s = 0; s < h->nseries; s++)
                if (!strcmp(h->series[s].scenario, st->scen[k]) && !is_key(&h->series[s]))
                    put_series_row(st, f, s, fn, &rc);
            fputs("</tbody></table></div>\n</details>\n", f);
        }
        if (!nkey && !nother)
            fputs("<p class=\"muted\">No metrics recorded.</p>\n", f);
        fputs("</section>\n", f);
    }
    fputs("</main>\n", f);
    page_tail(f);
    int crc = close_out(st, f, path);
    return rc ? rc : crc;
}

/* ---- s/NAME.html ---- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The .svg files of dir, sorted; with remove, the .svg and .gp files are
 * deleted instead (and none returned). */
static int list_figs(struct site *st, const char *dir, bool remove, char ***out, size_t *n)
{
    *out = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? 0 : (sim_errmsg(st->err, st->errlen, "%s: cannot read: %s",
                                                 dir, strerror(errno)), -SIM_EIO);
    size_t cap = 0;
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d)) && !rc) {
        size_t len = strlen(e->d_name);
        bool svg = len > 4 && !strcmp(e->d_name + len - 4, ".svg");
        bool gp = len > 3 && !strcmp(e->d_name + len - 3, ".gp");
        if (remove && (svg || gp)) {
            char p[PATH_MAX];
            if (!path_of(st, p, sizeof p, "%s/%s", dir, e->d_name) && unlink(p) != 0) {
                sim_errmsg(st->err, st->errlen, "%s: cannot remove: %s", p, strerror(errno));
                rc = -SIM_EIO;
            }
            continue;
        }
        if (remove || !svg)
            continue;
        if (*n == cap) {
            cap = cap ? 2 * cap : 8;
            char **v = realloc(*out, cap * sizeof *v);
            if (!v) {
                rc = -SIM_ENOMEM;
                break;
            }
            *out = v;
        }
        if (!((*out)[*n] = strdup(e->d_name)))
            rc = -SIM_ENOMEM;
        else
            (*n)++;
    }
    closedir(d);
    if (rc == -SIM_ENOMEM)
        sim_errmsg(st->err, st->errlen, "out of memory");
    if (*n)
        qsort(*out, *n, sizeof **out, cmp_str);
    return rc;
}

static void free_strs(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i]);
    free(v);
}

struct plot_note_ctx {
    const struct site *st;
    const char *scenario;
};

static void plot_note(void *ctx, const char *msg)
{
    const struct plot_note_ctx *c = ctx;
    note(c->st, "%s: %s", c->scenario, msg);
}

/* The newest night's figures of scenario k, drawn into DIR/s/FN-fig and
 * listed in the page. A failure to draw is written on the page. */
static int put_figures(struct site *st, FILE *f, size_t k, const char *fn)
{
    const struct history *h = st->h;
    const char *scn = st->scen[k];
    fputs("<section id=\"figures\">\n", f);
    if (!st->o->figures) {
        fputs("<h2>Figures</h2>\n<p class=\"muted\">Figures skipped (<code>--no-figures"
              "</code>).</p>\n</section>\n", f);
        return 0;
    }
    int64_t *ids = NULL;
    size_t nids = 0, night = h->nnights;
    char err[512] = "";
    while (night-- > 0) {
        int rc = history_night_runs(st->o->history, h->nights[night].label, scn, &ids, &nids,
                                    err, sizeof err);
        if (rc) {
            sim_errmsg(st->err, st->errlen, "%s", err);
            return rc;
        }
        if (nids)
            break;
        free(ids);
        ids = NULL;
    }
    if (!nids) {
        fputs("<h2>Figures</h2>\n<p class=\"muted\">No night has runs of this scenario."
              "</p>\n</section>\n", f);
        free(ids);
        return 0;
    }
    const char *label = h->nights[night].label;
    char dir[PATH_MAX];
    int rc = path_of(st, dir, sizeof dir, "%s/s/%s-fig", st->o->out_dir, fn);
    char **names = NULL;
    size_t nnames = 0;
    char (*idtxt)[24] = calloc(nids, sizeof *idtxt);
    const char **runs = calloc(nids, sizeof *runs);
    if (!rc && (!idtxt || !runs)) {
        sim_errmsg(st->err, st->errlen, "out of memory");
        rc = -SIM_ENOMEM;
    }
    if (!rc)
        rc = list_figs(st, dir, true, &names, &nnames);
    struct plot_result pr = { 0 };
    int prc = 0;
    err[0] = '\0';
    if (!rc) {
        for (size_t i = 0; i < nids; i++) {
            snprintf(idtxt[i], sizeof idtxt[i], "%lld", (long long)ids[i]);
            runs[i] = idtxt[i];
        }
        struct plot_note_ctx nc = { st, scn };
        struct plot_opts po = {
            .db_path = st->o->history, .out_dir = dir, .format = PLOT_SVG, .runs = runs,
            .nruns = nids, .render = true, .gnuplot = st->o->gnuplot, .note = plot_note,
            .note_ctx = &nc,
        };
        prc = plot_all(&po, &pr, err, sizeof err);
        if (prc < 0)
            note(st, "%s: figures of night %s: %s", scn, label, err);
        if (pr.no_gnuplot)
            st->r->no_gnuplot = true;
        rc = list_figs(st, dir, false, &names, &nnames);
    }
    if (!rc) {
        fputs("<h2>Figures of night ", f);
        put_esc(f, label);
        fprintf(f, "</h2>\n<p class=\"muted\">The standard figures of <code>xensim plot"
                "</code> (docs/plots.md) of this scenario's %zu run%s of night ", nids,
                nids == 1 ? "" : "s");
        put_esc(f, label);
        fputs("; their gnuplot scripts are beside them in <code>", f);
        put_esc(f, fn);
        fputs("-fig/</code>.</p>\n", f);
        if (prc < 0) {
            fputs("<p class=\"banner bad\">The figures could not all be drawn: ", f);
            put_esc(f, err);
            fputs("</p>\n", f);
        }
        if (pr.no_gnuplot)
            fputs("<p class=\"banner bad\">gnuplot could not be run, so the figures were "
                  "not drawn; install gnuplot, or render the scripts with <code>gnuplot "
                  "NAME.gp</code>.</p>\n", f);
        if (nnames) {
            fputs("<div class=\"figs\">\n", f);
            for (size_t i = 0; i < nnames; i++) {
                size_t len = strlen(names[i]);
                fputs("<figure><a href=\"", f);
                put_url(f, fn);
                fputs("-fig/", f);
                put_url(f, names[i]);
                fputs("\"><img src=\"", f);
                put_url(f, fn);
                fputs("-fig/", f);
                put_url(f, names[i]);
                fputs("\" alt=\"figure ", f);
                fprintf(f, "%.*s", (int)(len - 4), names[i]);
                fputs(" of night ", f);
                put_esc(f, label);
                fprintf(f, "\"></a><figcaption>%.*s</figcaption></figure>\n", (int)(len - 4),
                        names[i]);
                st->r->figures++;
            }
            fputs("</div>\n", f);
        } else if (!pr.no_gnuplot && prc >= 0) {
            fputs("<p class=\"muted\">No figure has data.</p>\n", f);
        }
    }
    fputs("</section>\n", f);
    free_strs(names, nnames);
    free(runs);
    free(idtxt);
    free(ids);
    return rc;
}

static void put_legend(FILE *f)
{
    fputs("<div class=\"legend\" aria-label=\"legend\">"
          "<span><svg viewBox=\"0 0 28 12\" aria-hidden=\"true\"><path d=\"M2,6H26\" "
          "style=\"stroke:var(--mean);stroke-width:2\"/></svg> mean of the night's "
          "replications</span>"
          "<span><svg viewBox=\"0 0 28 12\" aria-hidden=\"true\"><rect x=\"2\" y=\"1\" "
          "width=\"24\" height=\"10\" style=\"fill:var(--band)\"/></svg> its 95% confidence "
          "interval</span>", f);
    static const char *const kinds[] = { "regressed", "improved", "changed" };
    for (int i = 0; i < 3; i++)
        fprintf(f, "<span><svg viewBox=\"0 0 28 12\" aria-hidden=\"true\"><circle "
                "class=\"flag %s\" cx=\"14\" cy=\"6\" r=\"5\" fill-opacity=\"0.35\"/></svg> "
                "step: %s</span>", kinds[i], kinds[i]);
    fputs("</div>\n", f);
}

static int write_scenario(struct site *st, size_t k)
{
    const struct history *h = st->h;
    const char *scn = st->scen[k];
    size_t nn = h->nnights;
    char fn[128], path[PATH_MAX];
    dash_file_name(scn, fn, sizeof fn);
    int rc = path_of(st, path, sizeof path, "%s/s/%s.html", st->o->out_dir, fn);
    if (rc)
        return rc;
    size_t *fl = malloc((h->nflags + 1) * sizeof *fl);
    if (!fl) {
        sim_errmsg(st->err, st->errlen, "out of memory");
        return -SIM_ENOMEM;
    }
    FILE *f = open_out(st, path);
    if (!f) {
        free(fl);
        return -SIM_EIO;
    }
    page_head(f, scn, " - xensim results history", "../style.css");
    fputs("<nav><a href=\"../index.html\">&larr; all scenarios</a></nav>\n<header><h1>", f);
    put_esc(f, scn);
    fputs("</h1>\n", f);
    size_t nkey = 0, nother = 0, nf = 0;
    for (size_t s = 0; s < h->nseries; s++) {
        if (strcmp(h->series[s].scenario, scn))
            continue;
        *(is_key(&h->series[s]) ? &nkey : &nother) += 1;
        for (size_t j = h->series[s].first_flag;
             j < h->series[s].first_flag + h->series[s].nflags && j < h->nflags; j++)
            fl[nf++] = j;
    }
    fprintf(f, "<p class=\"summary\">%zu series over %s%zu night%s", nkey + nother,
            st->all_nights > nn ? "the newest " : "", nn, nn == 1 ? "" : "s");
    if (st->all_nights > nn)
        fprintf(f, " of %zu", st->all_nights);
    if (nn) {
        fputs(", the newest ", f);
        put_esc(f, h->nights[nn - 1].label);
    }
    fprintf(f, "; %zu step%s found (tolerance %g%%, alpha %g, window %d nights).</p>\n"
            "</header>\n<main>\n", nf, nf == 1 ? "" : "s", 100.0 * st->o->hist.tolerance,
            st->o->hist.alpha, st->o->hist.window);
    fputs("<h2 id=\"steps\">Steps</h2>\n", f);
    if (nf) {
        sort_flags(fl, nf, h);
        put_steps_table(f, h, fl, nf, "", false);
    } else {
        fputs("<p>No series of this scenario stepped.</p>\n", f);
    }
    free(fl);
    rc = put_figures(st, f, k, fn);
    fputs("<h2 id=\"trends\">Trends</h2>\n", f);
    put_legend(f);
    for (size_t s = 0; s < h->nseries && !rc; s++)
        if (!strcmp(h->series[s].scenario, scn) && is_key(&h->series[s]))
            rc = put_chart(st, f, s);
    if (nother && !rc) {
        fprintf(f, "<details><summary>%zu other series (no bad direction, no step)"
                "</summary>\n", nother);
        for (size_t s = 0; s < h->nseries && !rc; s++)
            if (!strcmp(h->series[s].scenario, scn) && !is_key(&h->series[s]))
                rc = put_chart(st, f, s);
        fputs("</details>\n", f);
    }
    if (!nkey && !nother)
        fputs("<p class=\"muted\">No metrics recorded.</p>\n", f);
    fputs("</main>\n", f);
    page_tail(f);
    int crc = close_out(st, f, path);
    return rc ? rc : crc;
}

static int write_css(struct site *st)
{
    char path[PATH_MAX];
    int rc = path_of(st, path, sizeof path, "%s/style.css", st->o->out_dir);
    if (rc)
        return rc;
    FILE *f = open_out(st, path);
    if (!f)
        return -SIM_EIO;
    fputs(style_css, f);
    return close_out(st, f, path);
}

int dash_write(const struct dash_opts *o, struct dash_result *r, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    if (!o->history || !o->out_dir || !o->out_dir[0]) {
        sim_errmsg(err, errlen, "no history or no output directory given");
        return -SIM_EINVAL;
    }
    struct site st = { .o = o, .r = r, .err = err, .errlen = errlen };
    int rc = history_read(o->history, &o->hist, &st.h, err, errlen);
    if (rc)
        return rc;
    st.all_nights = st.h->nnights;
    history_keep_newest(st.h, o->nights);
    const struct history *h = st.h;
    if (!(rc = read_scenarios(&st))) {
        st.xs = calloc(h->nnights + 2, sizeof *st.xs);
        st.ys = calloc(h->nnights + 2, sizeof *st.ys);
        if (!st.xs || !st.ys) {
            sim_errmsg(err, errlen, "out of memory");
            rc = -SIM_ENOMEM;
        }
    }
    char sdir[PATH_MAX];
    if (!rc && !(rc = make_dirs(o->out_dir, err, errlen))
        && !(rc = path_of(&st, sdir, sizeof sdir, "%s/s", o->out_dir)))
        rc = make_dirs(sdir, err, errlen);
    if (!rc) {
        r->nights = h->nnights;
        r->all_nights = st.all_nights;
        r->series = h->nseries;
        r->steps = h->nflags;
        if (h->nnights) {
            snprintf(r->newest, sizeof r->newest, "%s", h->nights[h->nnights - 1].label);
            for (size_t k = 0; k < h->nflags; k++)
                r->newest_regressions += h->flags[k].night == h->nnights - 1
                                         && h->flags[k].verdict == REGRESS_REGRESSED;
        }
        rc = write_css(&st);
    }
    for (size_t k = 0; k < st.nscen && !rc; k++)
        if (!(rc = write_scenario(&st, k)))
            r->scenarios++;
    if (!rc)
        rc = write_index(&st);
    history_free(st.h);
    free_strs(st.scen, st.nscen);
    free(st.xs);
    free(st.ys);
    free(st.pbuf);
    return rc;
}
