/*
 * sim/cli/cmd_regress.c: `xensim regress --baseline DB --current DB
 * [--tolerance PCT] [--alpha A] [--metric NAME]...`: compare a results
 * database against a baseline (analysis/regress.h has the rule: beyond the
 * tolerance in the metric's bad direction and, with replications,
 * significant by Welch's t-test), print what moved, one block per run
 * group, and exit 1 if anything regressed, 0 if not, 2 on bad input.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/regress.h"
#include "sim/cli/cli.h"
#include "sim/err.h"

static void print_report(const struct regress_report *r, const char *base, const char *cur,
                         double tol, double alpha)
{
    printf("baseline %s, current %s: %zu run group%s in common", base, cur, r->ngroups,
           r->ngroups == 1 ? "" : "s");
    if (r->only_base || r->only_cur)
        printf(" (%zu only in the baseline, %zu only in the current)", r->only_base,
               r->only_cur);
    printf("; tolerance %g%%, alpha %g\n", 100.0 * tol, alpha);
    const char *group = NULL;
    for (size_t i = 0; i < r->nrows; i++) {
        const struct regress_row *x = &r->rows[i];
        if (x->group != group) {
            group = x->group;
            const struct regress_group *gr = NULL;
            for (size_t g = 0; g < r->ngroups; g++)
                if (r->groups[g].name == group)
                    gr = &r->groups[g];
            printf("\nrun group %s (", group);
            if (gr && gr->scheduler)
                printf("scheduler %s, ", gr->scheduler);
            printf("%d baseline, %d current replication%s)\n", gr ? gr->nbase : 0,
                   gr ? gr->ncur : 0, gr && gr->ncur == 1 ? "" : "s");
            printf("  %-24s %-12s %12s %12s %9s %9s  %s\n", "metric", "module", "baseline",
                   "current", "change", "p-value", "verdict");
        }
        char b[32], c[32], ch[32], p[32];
        regress_fmt_value(x->metric, x->base, b, sizeof b);
        regress_fmt_value(x->metric, x->cur, c, sizeof c);
        regress_fmt_change(x->change, ch, sizeof ch);
        regress_fmt_p(x->p, p, sizeof p);
        printf("  %-24s %-12s %12s %12s %9s %9s  %s\n", x->metric, x->module, b, c, ch, p,
               regress_verdict_name(x->verdict));
    }
    if (r->nrows)
        printf("\n");
    printf("%zu metrics compared: %zu regressed, %zu improved, %zu changed (no bad direction), "
           "%zu not significant, %zu moved within the tolerance\n", r->compared, r->regressed,
           r->improved, r->changed, r->noise, r->within);
    if (r->regressed)
        printf("REGRESSION: %zu metric%s regressed\n", r->regressed,
               r->regressed == 1 ? "" : "s");
    else
        printf("ok: no regression\n");
}

int cmd_regress(int argc, char **argv)
{
    const char *base = NULL, *cur = NULL;
    struct regress_opts o = { .tolerance = REGRESS_TOLERANCE_DEFAULT,
                              .alpha = REGRESS_ALPHA_DEFAULT };
    const char **metrics = calloc((size_t)argc + 1, sizeof *metrics);
    if (!metrics)
        return cli_usage_error("%s", "out of memory");
    size_t nmetrics = 0;
    int rc = 0;
    for (int i = 0; i < argc && !rc; i++) {
        const char *arg = argv[i];
        bool takes = !strcmp(arg, "--baseline") || !strcmp(arg, "--current") ||
                     !strcmp(arg, "--tolerance") || !strcmp(arg, "--alpha") ||
                     !strcmp(arg, "--metric");
        if (!takes) {
            rc = cli_usage_error(arg[0] == '-' ? "unknown option '%s'"
                                               : "unexpected argument '%s'", arg);
            break;
        }
        if (i + 1 >= argc) {
            rc = cli_usage_error("%s needs a value", arg);
            break;
        }
        const char *v = argv[++i];
        double d;
        if (!strcmp(arg, "--baseline")) {
            base = v;
        } else if (!strcmp(arg, "--current")) {
            cur = v;
        } else if (!strcmp(arg, "--metric")) {
            metrics[nmetrics++] = v;
        } else if (!strcmp(arg, "--tolerance")) {
            if (!cli_parse_pct(v, &d) || d < 0)
                rc = cli_usage_error("--tolerance: '%s' is not a percentage >= 0", v);
            else
                o.tolerance = d / 100.0;
        } else if (!cli_parse_pct(v, &d) || !(d > 0 && d < 1)) {
            rc = cli_usage_error("--alpha: '%s' is not a level between 0 and 1", v);
        } else {
            o.alpha = d;
        }
    }
    if (!rc && (!base || !cur))
        rc = cli_usage_error("%s", !base ? "missing --baseline DB" : "missing --current DB");
    if (!rc)
        rc = cli_check_db(base) ? EXIT_BADINPUT : cli_check_db(cur);
    if (rc) {
        free(metrics);
        return rc;
    }
    o.metrics = nmetrics ? metrics : NULL;
    o.nmetrics = nmetrics;
    struct regress_report r;
    char err[512] = "";
    int e = regress_compare(base, cur, &o, &r, err, sizeof err);
    free(metrics);
    if (e < 0) {
        fprintf(stderr, "xensim regress: %s\n", err[0] ? err : sim_strerror(e));
        regress_report_free(&r);
        return EXIT_BADINPUT;
    }
    print_report(&r, base, cur, o.tolerance, o.alpha);
    int status = r.regressed ? EXIT_REGRESSION : 0;
    regress_report_free(&r);
    return status;
}
