/*
 * sim/xensim.c: the xensim command line (DESIGN.md section 5).
 *
 * The only place that prints diagnostics and chooses exit statuses: 0 for
 * success, 1 for a regression found (regress), 2 for bad input or usage.
 * Each subcommand is a function of (argc, argv) after the command word;
 * the table below lists them with their synopsis, which is also the usage
 * text, so the help cannot drift from what is accepted.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_errno.h>

#include "sim/scenario.h"

#define EXIT_BADINPUT 2

struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *synopsis;
    const char *help;
};

static const struct command commands[];

static void usage(FILE *out)
{
    fprintf(out, "usage: xensim COMMAND [ARGS]\n\ncommands:\n");
    for (const struct command *c = commands; c->name; c++)
        fprintf(out, "  xensim %s\n      %s\n", c->synopsis, c->help);
    fprintf(out, "  xensim --version\n\nExit status: 0 success, 2 bad input or usage.\n");
}

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "xensim: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(run 'xensim --help' for usage)\n");
    return EXIT_BADINPUT;
}

/* Options shared by the commands that load a scenario. */
struct scn_args {
    const char *path;
    const char **sets;
    size_t nsets;
    bool quiet;
};

static int parse_scn_args(int argc, char **argv, struct scn_args *a)
{
    memset(a, 0, sizeof *a);
    a->sets = calloc((size_t)argc + 1, sizeof *a->sets);
    if (!a->sets)
        return usage_error("%s", "out of memory");
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        if (!strcmp(arg, "--set")) {
            if (i + 1 >= argc)
                return usage_error("%s needs PATH=VALUE", arg);
            a->sets[a->nsets++] = argv[++i];
        } else if (!strncmp(arg, "--set=", 6)) {
            a->sets[a->nsets++] = arg + 6;
        } else if (!strcmp(arg, "-q") || !strcmp(arg, "--quiet")) {
            a->quiet = true;
        } else if (arg[0] == '-' && arg[1]) {
            return usage_error("unknown option '%s'", arg);
        } else if (!a->path) {
            a->path = arg;
        } else {
            return usage_error("unexpected argument '%s'", arg);
        }
    }
    if (!a->path)
        return usage_error("%s", "missing SCENARIO file");
    return 0;
}

/* Load a scenario; on failure print every diagnostic. */
static struct scn *load(const struct scn_args *a)
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

static int cmd_check(int argc, char **argv)
{
    struct scn_args a;
    int rc = parse_scn_args(argc, argv, &a);
    if (rc) {
        free(a.sets);
        return rc;
    }
    struct scn *s = load(&a);
    free(a.sets);
    if (!s)
        return EXIT_BADINPUT;
    if (!a.quiet) {
        scn_print_summary(s, stdout);
        printf("ok: %s is valid\n", a.path);
    }
    scn_free(s);
    return 0;
}

static const struct command commands[] = {
    { "check", cmd_check, "check SCENARIO [--set PATH=VALUE]... [-q]",
      "validate a scenario (and every point of its sweep) and print its summary" },
    { NULL, NULL, NULL, NULL },
};

int main(int argc, char **argv)
{
    /* GSL's default handler aborts; every call site checks its inputs and
     * return codes instead. */
    gsl_set_error_handler_off();
    if (argc < 2) {
        usage(stderr);
        return EXIT_BADINPUT;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
        printf("xensim %s\n", PACKAGE_VERSION);
        return 0;
    }
    for (const struct command *c = commands; c->name; c++)
        if (!strcmp(c->name, cmd))
            return c->fn(argc - 2, argv + 2);
    return usage_error("unknown command '%s'", cmd);
}
