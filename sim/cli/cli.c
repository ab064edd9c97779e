/*
 * sim/cli/cli.c: helpers the commands share (see sim/cli/cli.h).
 */
#include "config.h"

#include "sim/cli/cli.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/store.h"

int cli_usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "xensim: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(run 'xensim --help' for usage)\n");
    return EXIT_BADINPUT;
}

int cli_check_db(const char *path)
{
    char err[512];
    if (store_check_path(path, err, sizeof err) == 0)
        return 0;
    fprintf(stderr, "xensim: %s\n", err);
    return EXIT_BADINPUT;
}

bool cli_parse_seed(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    if (!*s || *s == '-')
        return false;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

int cli_parse_scn_args(int argc, char **argv, struct scn_args *a, bool run)
{
    memset(a, 0, sizeof *a);
    a->sets = calloc((size_t)argc + 1, sizeof *a->sets);
    if (!a->sets)
        return cli_usage_error("%s", "out of memory");
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        if (!strcmp(arg, "--set")) {
            if (i + 1 >= argc)
                return cli_usage_error("%s needs PATH=VALUE", arg);
            a->sets[a->nsets++] = argv[++i];
        } else if (!strncmp(arg, "--set=", 6)) {
            a->sets[a->nsets++] = arg + 6;
        } else if (!strcmp(arg, "-q") || !strcmp(arg, "--quiet")) {
            a->quiet = true;
        } else if (run && (!strcmp(arg, "--db") || !strcmp(arg, "--seed"))) {
            if (i + 1 >= argc)
                return cli_usage_error("%s needs a value", arg);
            const char *v = argv[++i];
            if (!strcmp(arg, "--db")) {
                a->db = v;
                if (cli_check_db(v))
                    return EXIT_BADINPUT;
            } else if (!cli_parse_seed(v, &a->seed)) {
                return cli_usage_error("--seed: '%s' is not a whole number from 0 to 2^64-1", v);
            } else {
                a->have_seed = true;
            }
        } else if (arg[0] == '-' && arg[1]) {
            return cli_usage_error("unknown option '%s'", arg);
        } else if (!a->path) {
            a->path = arg;
        } else {
            return cli_usage_error("unexpected argument '%s'", arg);
        }
    }
    if (!a->path)
        return cli_usage_error("%s", "missing SCENARIO file");
    return 0;
}

struct scn *cli_load(const struct scn_args *a)
{
    struct scn_load_opts opts = { .sets = a->sets, .nsets = a->nsets, .sweep_index = NULL };
    struct scn_diags *d = NULL;
    struct scn *s = scn_load(a->path, &opts, &d);
    if (!s) {
        char *text = d ? scn_diags_text(d) : NULL;
        if (text)
            fputs(text, stderr);
        else
            fprintf(stderr, "%s: out of memory while loading the scenario\n", a->path);
        size_t n = scn_diags_count(d);
        if (n > 1)
            fprintf(stderr, "%zu errors\n", n);
        free(text);
        scn_diags_free(d);
    }
    return s;
}

volatile sig_atomic_t cli_interrupted;

static void on_signal(int sig)
{
    (void)sig;
    cli_interrupted = 1;
}

void cli_catch_signals(void)
{
    struct sigaction sa = { .sa_handler = on_signal };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}


/* Whether an executable `name` is in a directory of PATH. */
static bool on_path(const char *name)
{
    const char *path = getenv("PATH");
    if (!path)
        return false;
    char buf[4096];
    for (const char *s = path; *s;) {
        const char *e = strchr(s, ':');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        snprintf(buf, sizeof buf, "%.*s/%s", (int)len, len ? s : ".", name);
        if (access(buf, X_OK) == 0)
            return true;
        if (!e)
            break;
        s = e + 1;
    }
    return false;
}

const char *cli_find_gnuplot(void)
{
    const char *env = getenv("XENSIM_GNUPLOT");
    if (env && *env)
        return env;
    if (on_path("gnuplot"))
        return "gnuplot";
    if (GNUPLOT_PATH[0] == '/' && access(GNUPLOT_PATH, X_OK) == 0)
        return GNUPLOT_PATH;
    return "gnuplot";
}

bool cli_parse_pct(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno || !isfinite(v))
        return false;
    if (*end == '%' && end[1] == '\0')
        end++;
    if (*end)
        return false;
    *out = v;
    return true;
}




