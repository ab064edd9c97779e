/*
 * sim/cli/cmd_report.c: `xensim report DB [--run ID|NAME]... [--scenario NAME]
 * [--scheduler NAME] [--metric NAME]... [--format text|csv|json]`: the
 * runs and metrics of a results database on stdout (analysis/report.h
 * does the work; this file parses options and turns errors into messages
 * and exit status 2).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/report.h"
#include "sim/cli/cli.h"
#include "sim/err.h"

/* "--opt VALUE" or "--opt=VALUE": the value, or NULL if arg is not opt. A
 * missing value sets *missing. */
static const char *opt_value(int argc, char **argv, int *i, const char *opt, bool *missing)
{
    size_t n = strlen(opt);
    const char *arg = argv[*i];
    if (strncmp(arg, opt, n) != 0)
        return NULL;
    if (arg[n] == '=')
        return arg + n + 1;
    if (arg[n] != '\0')
        return NULL;
    if (*i + 1 >= argc) {
        *missing = true;
        return NULL;
    }
    return argv[++*i];
}

int cmd_report(int argc, char **argv)
{
    struct report_opts o = { .format = REPORT_TEXT };
    const char **runs = calloc((size_t)argc + 1, sizeof *runs);
    const char **metrics = calloc((size_t)argc + 1, sizeof *metrics);
    const char *db = NULL;
    int status = 0;
    if (!runs || !metrics) {
        status = cli_usage_error("%s", "out of memory");
        goto out;
    }
    for (int i = 0; i < argc && !status; i++) {
        const char *arg = argv[i], *v;
        bool missing = false;
        if ((v = opt_value(argc, argv, &i, "--run", &missing)) != NULL) {
            runs[o.nruns++] = v;
        } else if ((v = opt_value(argc, argv, &i, "--metric", &missing)) != NULL) {
            metrics[o.nmetrics++] = v;
        } else if ((v = opt_value(argc, argv, &i, "--scenario", &missing)) != NULL) {
            o.scenario = v;
        } else if ((v = opt_value(argc, argv, &i, "--scheduler", &missing)) != NULL) {
            o.scheduler = v;
        } else if ((v = opt_value(argc, argv, &i, "--format", &missing)) != NULL) {
            if (report_parse_format(v, &o.format) != 0)
                status = cli_usage_error("--format: unknown format '%s' (text, csv or json)",
                                         v);
        } else if (missing) {
            status = cli_usage_error("%s needs a value", arg);
        } else if (arg[0] == '-' && arg[1]) {
            status = cli_usage_error("report: unknown option '%s'", arg);
        } else if (!db) {
            db = arg;
        } else {
            status = cli_usage_error("report: unexpected argument '%s'", arg);
        }
    }
    if (!status && !db)
        status = cli_usage_error("%s", "report: missing DB (the results database)");
    if (!status)
        status = cli_check_db(db);
    if (status)
        goto out;
    o.runs = runs;
    o.metrics = metrics;
    char err[1024] = "";
    int rc = report_write(db, &o, stdout, err, sizeof err);
    if (rc < 0) {
        fflush(stdout);
        fprintf(stderr, "xensim report: %s\n", err[0] ? err : sim_strerror(rc));
        status = EXIT_BADINPUT;
    }
out:
    free(runs);
    free(metrics);
    return status;
}
