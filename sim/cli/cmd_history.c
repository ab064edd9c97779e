/*
 * sim/cli/cmd_history.c: `xensim history add|list|regressions`, the
 * nightly result history (analysis/history.h has the model and the step
 * rule; docs/experiments.md the nightly setup):
 *   history add HISTORY.db RESULTS.db... --label LABEL [--time T]
 *       [--keep-detail N|all] [-q]
 *   history list HISTORY.db
 *   history regressions HISTORY.db [--tolerance PCT] [--alpha A]
 *       [--window N] [--metric NAME]... [--all]
 * `regressions` exits 1 when the newest night has a regression, as
 * `regress` does for one comparison, so cron and CI can fail on it.
 */
#define _DEFAULT_SOURCE 1           /* timegm, gmtime_r */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analysis/history.h"
#include "sim/cli/cli.h"
#include "sim/err.h"

/* T as "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS][Z]" (UTC) or "@SECONDS". */
static bool parse_time(const char *s, int64_t *out)
{
    if (s[0] == '@') {
        char *end;
        errno = 0;
        long long v = strtoll(s + 1, &end, 10);
        if (end == s + 1 || *end || errno)
            return false;
        *out = v;
        return true;
    }
    struct tm tm = { 0 };
    int y, mo, d, h = 0, mi = 0, sec = 0, used = 0;
    if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &used) != 3 || used != 10)
        return false;
    const char *p = s + used;
    if (*p == 'T' || *p == ' ') {
        int k = 0;
        if (sscanf(p + 1, "%2d:%2d%n", &h, &mi, &k) != 2 || k != 5)
            return false;
        p += 1 + k;
        if (*p == ':') {
            if (sscanf(p + 1, "%2d%n", &sec, &k) != 1 || k != 2)
                return false;
            p += 1 + k;
        }
        if (*p == 'Z')
            p++;
    }
    if (*p || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 ||
        h < 0 || mi < 0 || sec < 0)
        return false;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    time_t t = timegm(&tm);
    if (tm.tm_mday != d)            /* 2026-02-30 normalised to March */
        return false;
    *out = (int64_t)t;
    return true;
}

static void fmt_time(int64_t t, char *buf, size_t n)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm) || !strftime(buf, n, "%Y-%m-%d %H:%M:%SZ", &tm))
        snprintf(buf, n, "@%" PRId64, t);
}

static int history_error(const char *what, int rc, const char *err)
{
    fprintf(stderr, "xensim history %s: %s\n", what, err[0] ? err : sim_strerror(rc));
    return EXIT_BADINPUT;
}

static int cmd_add(int argc, char **argv)
{
    const char *hist = NULL, *label = NULL;
    const char **dbs = calloc((size_t)argc + 1, sizeof *dbs);
    if (!dbs)
        return cli_usage_error("%s", "out of memory");
    size_t ndbs = 0;
    bool quiet = false, have_time = false;
    int64_t t = 0;
    int keep = HISTORY_KEEP_DETAIL_DEFAULT;
    int rc = 0;
    for (int i = 0; i < argc && !rc; i++) {
        const char *arg = argv[i];
        if (!strcmp(arg, "--label") || !strcmp(arg, "--time") || !strcmp(arg, "--keep-detail")) {
            if (i + 1 >= argc) {
                rc = cli_usage_error("history add: %s needs a value", arg);
            } else if (!strcmp(arg, "--label")) {
                label = argv[++i];
            } else if (!strcmp(arg, "--keep-detail")) {
                const char *v = argv[++i];
                char *end;
                errno = 0;
                long k = strcmp(v, "all") ? strtol(v, &end, 10) : 0;
                if (strcmp(v, "all") && (end == v || *end || errno || k < 1 || k > 1000000))
                    rc = cli_usage_error("history add: --keep-detail: '%s' is not a number of "
                                         "nights from 1, or all", v);
                else
                    keep = (int)k;
            } else if (!parse_time(argv[++i], &t)) {
                rc = cli_usage_error("history add: --time: '%s' is not YYYY-MM-DD, "
                                     "YYYY-MM-DDTHH:MM[:SS][Z] or @SECONDS", argv[i]);
            } else {
                have_time = true;
            }
        } else if (!strcmp(arg, "-q") || !strcmp(arg, "--quiet")) {
            quiet = true;
        } else if (arg[0] == '-' && arg[1]) {
            rc = cli_usage_error("history add: unknown option '%s'", arg);
        } else if (!hist) {
            hist = arg;
        } else {
            dbs[ndbs++] = arg;
        }
    }
    if (!rc && (!hist || !ndbs))
        rc = cli_usage_error("%s", "history add: needs HISTORY.db and at least one RESULTS.db");
    if (!rc && !label)
        rc = cli_usage_error("%s", "history add: needs --label LABEL (a date or a commit)");
    if (!rc)
        rc = cli_check_db(hist);
    for (size_t i = 0; !rc && i < ndbs; i++)
        rc = cli_check_db(dbs[i]);
    int64_t copied = 0, present = 0;
    bool bad = false;
    for (size_t i = 0; !rc && i < ndbs; i++) {
        char err[1024] = "";
        struct history_add_result r;
        int e = history_add(hist, dbs[i], label, have_time, t, &r, err, sizeof err);
        copied += r.copied;
        present += r.present;
        if (e < 0) {
            history_error("add", e, err);
            bad = true;
        } else if (!quiet) {
            printf("%s: %" PRId64 " run%s added to night %s%s, %" PRId64 " already there\n",
                   dbs[i], r.copied, r.copied == 1 ? "" : "s", label,
                   r.new_night ? " (new)" : "", r.present);
        }
        /* Later files join the night at the time the first one set. */
        have_time = false;
    }
    free(dbs);
    if (rc)
        return rc;
    if (!bad || copied) {
        char err[1024] = "";
        int64_t pruned = 0;
        int e = history_prune(hist, keep, &pruned, err, sizeof err);
        if (e < 0)
            return history_error("add", e, err);
        if (!quiet && pruned)
            printf("%s: detail of nights older than the newest %d dropped (%" PRId64
                   " rows)\n", hist, keep, pruned);
    }
    if (!quiet && ndbs > 1)
        printf("%s: night %s: %" PRId64 " runs added, %" PRId64 " already there\n", hist, label,
               copied, present);
    return bad ? EXIT_BADINPUT : 0;
}

static int cmd_list(int argc, char **argv)
{
    if (argc != 1 || argv[0][0] == '-')
        return cli_usage_error("%s", "history list: needs HISTORY.db (and nothing else)");
    int rc = cli_check_db(argv[0]);
    if (rc)
        return rc;
    struct history_night *v = NULL;
    size_t n = 0;
    char err[1024] = "";
    int e = history_list(argv[0], &v, &n, err, sizeof err);
    if (e < 0)
        return history_error("list", e, err);
    printf("%s: %zu night%s\n", argv[0], n, n == 1 ? "" : "s");
    printf("%-20s %-21s %5s  %-24s %-10s %s\n", "night", "time (UTC)", "runs", "scenarios",
           "version", "scenario hashes");
    for (size_t i = 0; i < n; i++) {
        char tb[40];
        fmt_time(v[i].time, tb, sizeof tb);
        printf("%-20s %-21s %5" PRId64 "  %-24s %-10s %s\n", v[i].label, tb, v[i].runs,
               v[i].scenarios, v[i].versions, v[i].hashes);
    }
    history_nights_free(v, n);
    return 0;
}

int cli_history_option(const char *opt, const char *val, struct history_opts *o,
                       const char **metrics, size_t *nmetrics)
{
    double d;
    if (!strcmp(opt, "--metric")) {
        metrics[(*nmetrics)++] = val;
    } else if (!strcmp(opt, "--tolerance")) {
        if (!cli_parse_pct(val, &d) || d < 0)
            return cli_usage_error("--tolerance: '%s' is not a percentage >= 0", val);
        o->tolerance = d / 100.0;
    } else if (!strcmp(opt, "--alpha")) {
        if (!cli_parse_pct(val, &d) || !(d > 0 && d < 1))
            return cli_usage_error("--alpha: '%s' is not a level between 0 and 1", val);
        o->alpha = d;
    } else if (!strcmp(opt, "--window")) {
        char *end;
        errno = 0;
        long w = strtol(val, &end, 10);
        if (end == val || *end || errno || w < 1 || w > 100000)
            return cli_usage_error("--window: '%s' is not a number of nights from 1", val);
        o->window = (int)w;
    } else {
        return -1;
    }
    return 0;
}

static const char *group_text(const struct history_series *s, char *buf, size_t n)
{
    snprintf(buf, n, "%s%s%s", s->scheduler[0] ? s->scheduler : "-",
             s->sweep_point[0] ? " " : "", s->sweep_point);
    return buf;
}

static int cmd_regressions(int argc, char **argv)
{
    const char *hist = NULL;
    struct history_opts o = { .tolerance = HISTORY_TOLERANCE_DEFAULT,
                              .alpha = HISTORY_ALPHA_DEFAULT,
                              .window = HISTORY_WINDOW_DEFAULT };
    const char **metrics = calloc((size_t)argc + 1, sizeof *metrics);
    if (!metrics)
        return cli_usage_error("%s", "out of memory");
    size_t nmetrics = 0;
    bool all = false;
    int rc = 0;
    for (int i = 0; i < argc && !rc; i++) {
        const char *arg = argv[i];
        if (!strcmp(arg, "--all")) {
            all = true;
        } else if (arg[0] == '-' && arg[1]) {
            if (i + 1 >= argc)
                rc = cli_usage_error("history regressions: %s needs a value", arg);
            else if ((rc = cli_history_option(arg, argv[i + 1], &o, metrics, &nmetrics)) < 0)
                rc = cli_usage_error("history regressions: unknown option '%s'", arg);
            else
                i++;
        } else if (!hist) {
            hist = arg;
        } else {
            rc = cli_usage_error("history regressions: unexpected argument '%s'", arg);
        }
    }
    if (!rc && !hist)
        rc = cli_usage_error("%s", "history regressions: needs HISTORY.db");
    if (!rc)
        rc = cli_check_db(hist);
    if (rc) {
        free(metrics);
        return rc;
    }
    o.metrics = nmetrics ? metrics : NULL;
    o.nmetrics = nmetrics;
    struct history *h = NULL;
    char err[1024] = "";
    int e = history_read(hist, &o, &h, err, sizeof err);
    free(metrics);
    if (e < 0)
        return history_error("regressions", e, err);
    size_t newest = h->nnights ? h->nnights - 1 : 0;
    size_t nreg = 0, nreg_newest = 0, shown = 0;
    for (size_t i = 0; i < h->nflags; i++)
        if (h->flags[i].verdict == REGRESS_REGRESSED) {
            nreg++;
            nreg_newest += h->flags[i].night == newest;
        }
    char tb[40] = "-";
    if (h->nnights)
        fmt_time(h->nights[newest].time, tb, sizeof tb);
    printf("%s: %zu night%s (newest %s, %s), %zu series; tolerance %g%%, alpha %g, "
           "window %d nights\n", hist, h->nnights, h->nnights == 1 ? "" : "s",
           h->nnights ? h->nights[newest].label : "-", tb, h->nseries, 100.0 * o.tolerance,
           o.alpha, o.window);
    /* Steps in night order, then as the series sort. */
    for (size_t k = 0; k < h->nnights; k++)
        for (size_t i = 0; i < h->nflags; i++) {
            const struct history_flag *f = &h->flags[i];
            if (f->night != k || (!all && f->verdict != REGRESS_REGRESSED))
                continue;
            const struct history_series *s = &h->series[f->series];
            if (!shown++)
                printf("\n%-16s %-16s %-16s %-12s %-24s %12s %12s %9s %9s  %s\n", "night",
                       "scenario", "scheduler/point", "module", "metric", "before", "after",
                       "change", "p-value", "verdict");
            char b[32], c[32], ch[32], p[32], g[160];
            regress_fmt_value(s->metric, f->base, b, sizeof b);
            regress_fmt_value(s->metric, f->cur, c, sizeof c);
            regress_fmt_change(f->change, ch, sizeof ch);
            regress_fmt_p(f->p, p, sizeof p);
            printf("%-16s %-16s %-16s %-12s %-24s %12s %12s %9s %9s  %s\n",
                   h->nights[f->night].label, s->scenario, group_text(s, g, sizeof g),
                   s->module, s->metric, b, c, ch, p, regress_verdict_name(f->verdict));
        }
    if (shown)
        printf("\n");
    printf("%zu step%s found: %zu regression%s over the history, %zu in the newest night\n",
           h->nflags, h->nflags == 1 ? "" : "s", nreg, nreg == 1 ? "" : "s", nreg_newest);
    if (nreg_newest)
        printf("REGRESSION: night %s regressed %zu metric%s\n", h->nights[newest].label,
               nreg_newest, nreg_newest == 1 ? "" : "s");
    else
        printf("ok: no regression in the newest night\n");
    history_free(h);
    return nreg_newest ? EXIT_REGRESSION : 0;
}

int cmd_history(int argc, char **argv)
{
    if (argc < 1)
        return cli_usage_error("%s", "history: missing subcommand (add, list, regressions)");
    const char *sub = argv[0];
    if (!strcmp(sub, "add"))
        return cmd_add(argc - 1, argv + 1);
    if (!strcmp(sub, "list"))
        return cmd_list(argc - 1, argv + 1);
    if (!strcmp(sub, "regressions"))
        return cmd_regressions(argc - 1, argv + 1);
    return cli_usage_error("history: unknown subcommand '%s' (add, list, regressions)", sub);
}
