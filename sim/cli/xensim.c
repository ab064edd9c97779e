/*
 * sim/cli/xensim.c: the xensim command line (DESIGN.md section 5).
 *
 * main() and the table of commands (sim/cli/cli.h; each in sim/cli/cmd_<name>.c).
 * The table gives each command's synopsis, what it does and its options;
 * `xensim --help`, `xensim COMMAND --help`, the shell completion (through
 * `xensim _complete`, sim/cli/cmd_complete.c) and the test that keeps the
 * manual page in step (tests/man-cli.sh) all read it, so none can drift
 * from another.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <gsl/gsl_errno.h>

#include "sim/cli/cli.h"

#define O_SET { "--set", "PATH=VALUE", "override a scenario setting, validated like the file; " \
                "repeatable, the last of a path wins (docs/scenario.md)" }
#define O_QUIET { "-q, --quiet", NULL, "print nothing but errors" }
#define O_SEED { "--seed", "N", "the master seed, 0 .. 2^64-1, instead of the scenario's" }
#define O_DB { "--db", "FILE", "the results database (default " DEFAULT_DB ")" }
#define O_END { NULL, NULL, NULL }

static const struct cli_opt run_opts[] = {
    O_SET, O_SEED, O_DB,
    { "--timeline", "[=START:END]", "also record the schedule of that window of the measured "
      "time (default 0:100ms) for `plot`" },
    { "--xentrace", "FILE", "write the measured window of replication 0 as a xentrace file" },
    { "--record-trace", "FILE", "write replication 0's workload demand as a native trace" },
    O_QUIET, O_END,
};

static const struct cli_opt check_opts[] = { O_SET, O_QUIET, O_END };

static const struct cli_opt sweep_opts[] = {
    { "-j, --jobs", "N", "simulate in N worker processes (1 .. 1024; default 1)" },
    O_DB,
    { "--resume", NULL, "simulate only the runs missing from the database" },
    O_SET, O_SEED, O_QUIET,
    { "--list", NULL, "print the campaign's runs (index, name), one a line" },
    { "--missing", NULL, "with --list: only the runs missing from --db" },
    { "--index", "I[-J][,...]", "simulate only these runs of the list into --db (a shard)" },
    { "--origin", "PATH", "with --index: the scenario path recorded in the runs" },
    { "--slurm", "DIR", "run the campaign as a Slurm job array from DIR (docs/cluster.md)" },
    { "--runs-per-task", "K", "with --slurm: runs per array task" },
    { "--array-throttle", "N", "with --slurm: at most N array tasks at once" },
    { "--sbatch-arg", "ARG", "with --slurm: pass ARG to sbatch (repeatable)" },
    { "--no-submit", NULL, "with --slurm: write the campaign directory, do not submit it" },
    { "--status", NULL, "with --slurm: report how far the campaign in DIR is" },
    O_END,
};

static const struct cli_opt compare_opts[] = {
    { "--schedulers", "LIST", "comma-separated scheduler names (default rr,bvt,atropos)" },
    { "--replications", "N", "replications per scheduler (default the scenario's, at least 2)" },
    O_DB,
    { "--plots", "DIR", "draw the standard figures of the comparison's runs into DIR" },
    { "-j", "N", "simulate in N worker processes (1 .. 4096; default 1)" },
    { "--metric", "NAME", "compare only this metric (repeatable; docs/results.md)" },
    O_SET, O_QUIET, O_END,
};

static const struct cli_opt report_opts[] = {
    { "--run", "ID|NAME", "only this run (repeatable)" },
    { "--scenario", "NAME", "only the runs of this scenario" },
    { "--scheduler", "NAME", "only the runs under this scheduler" },
    { "--metric", "NAME", "only this metric (repeatable)" },
    { "--format", "text|csv|json", "the output format (default text)" },
    O_END,
};

static const struct cli_opt plot_opts[] = {
    { "--out", "DIR", "where the scripts, data and figures go (required)" },
    { "--format", "png|svg", "the figures' format (default png)" },
    { "--run", "ID|NAME", "only this run (repeatable)" },
    { "--window", "START:END", "the window of the schedule figures" },
    { "--no-render", NULL, "write the gnuplot scripts and data without running gnuplot" },
    O_QUIET, O_END,
};

static const struct cli_opt regress_opts[] = {
    { "--baseline", "DB", "the reference results database (required)" },
    { "--current", "DB", "the results database to check (required)" },
    { "--tolerance", "PCT", "a move smaller than this is never a regression (default 5%)" },
    { "--alpha", "A", "significance level of Welch's t-test (default 0.05)" },
    { "--metric", "NAME", "check only this metric (repeatable)" },
    O_END,
};

static const struct cli_opt dashboard_opts[] = {
    { "--out", "DIR", "where the site goes: index.html, style.css, s/SCENARIO.html (required)" },
    { "--tolerance", "PCT", "a step smaller than this is never flagged (default 5%)" },
    { "--alpha", "A", "significance level of Welch's t-test for a step (default 0.01)" },
    { "--window", "N", "nights in the stable stretch a night is tested against, at most "
      "(default 10)" },
    { "--metric", "NAME", "only this metric's series (repeatable)" },
    { "--nights", "N|all", "show the newest N nights (default 60); steps are found over all" },
    { "--no-figures", NULL, "skip the newest night's gnuplot figures" },
    O_QUIET, O_END,
};

static const struct cli_opt merge_opts[] = {
    { "--scenario-hash", "HASH", "refuse shards holding runs of another scenario hash" },
    O_QUIET, O_END,
};

static const struct cli_opt history_opts[] = {
    { "--label", "LABEL", "add: the night's label, a date or a commit (required)" },
    { "--time", "T", "add: the night's time, YYYY-MM-DD[THH:MM[:SS]][Z] (UTC) or @SECONDS "
      "(default now)" },
    { "--keep-detail", "N|all", "add: keep the histogram bins and vector data of the newest "
      "N nights only (default 7)" },
    { "--tolerance", "PCT", "regressions: a move smaller than this is never a step "
      "(default 5%)" },
    { "--alpha", "A", "regressions: significance level of Welch's t-test (default 0.01)" },
    { "--window", "N", "regressions: nights in the stable stretch, at most (default 10)" },
    { "--metric", "NAME", "regressions: only this metric (repeatable)" },
    { "--all", NULL, "regressions: list improvements and changes too" },
    { "-q", NULL, "add: print nothing but errors" },
    O_END,
};

static const struct cli_opt trace_opts[] = {
    { "-o", "OUT", "convert, import: the trace to write" },
    { "--output", "OUT", "convert: the same as -o" },
    { "--text", NULL, "convert, import: write the text form" },
    { "--binary", NULL, "convert: write the binary form (the default)" },
    { "--domain", "NAME", "import strace: the domain's name in the trace" },
    { "--cpu-hz", "HZ", "import xentrace: the TSC frequency (default 2.4GHz)" },
    { "--layout", "auto|windows|fixed32|fixed64", "import xentrace: the record layout "
      "(default auto)" },
    { "--tsc-offset", "CPU=CYCLES", "import xentrace: subtract CYCLES from CPU's TSC "
      "(repeatable)" },
    { "--tsc-skew", "report|auto|none", "import xentrace: report the skew between CPUs' TSCs, "
      "remove it, or ignore it (default report)" },
    { "-q", NULL, "import: print nothing but errors" },
    O_END,
};

const struct cli_command cli_commands[] = {
    { "run", cmd_run, "run SCENARIO [--set PATH=VALUE]... [--seed N] [--db FILE] "
      "[--timeline[=START:END]] [--xentrace FILE] [--record-trace FILE] [-q]",
      "simulate every replication of a scenario and record it in the results database "
      "(default " DEFAULT_DB "); --timeline also records the schedule of a window of the "
      "measured time (default 0:100ms) for `plot`; --xentrace writes the measured window "
      "of replication 0 as a xentrace file and --record-trace its workloads' demand as a "
      "native trace (docs/traces.md)", run_opts },
    { "check", cmd_check, "check SCENARIO [--set PATH=VALUE]... [-q]",
      "validate a scenario (and every point of its sweep) and print its summary", check_opts },
    { "sweep", cmd_sweep, "sweep SCENARIO [-j N] [--db FILE] [--resume] [--set PATH=VALUE]... "
      "[--seed N] [-q] | --list [--db FILE --missing] | --index I[-J][,...] --db SHARD | "
      "--slurm DIR [--runs-per-task K] [--array-throttle N] [--sbatch-arg ARG]... "
      "[--no-submit] [--resume] [--status]",
      "simulate every point of the scenario's sweep times its replications; list its runs, "
      "run some into a shard, or run it as a Slurm job array (docs/cluster.md)", sweep_opts },
    { "compare", cmd_compare,
      "compare SCENARIO [--schedulers rr,bvt,atropos] [--replications N] [--db FILE] "
      "[--plots DIR] [-j N] [--metric NAME]... [--set PATH=VALUE]... [-q]",
      "run a scenario under each scheduler and compare the metrics with confidence intervals",
      compare_opts },
    { "report", cmd_report,
      "report DB [--run ID|NAME]... [--scenario NAME] [--scheduler NAME] [--metric NAME]... "
      "[--format text|csv|json]",
      "print the runs and metrics of a results database as text, CSV or JSON", report_opts },
    { "plot", cmd_plot, "plot DB --out DIR [--format png|svg] [--run ID|NAME]... "
      "[--window START:END] [--no-render] [-q]",
      "write a gnuplot script with its data per standard figure into DIR and render it "
      "(docs/plots.md)", plot_opts },
    { "regress", cmd_regress,
      "regress --baseline DB --current DB [--tolerance PCT] [--alpha A] [--metric NAME]...",
      "compare a results database against a baseline; exit 1 on a regression", regress_opts },
    { "merge", cmd_merge, "merge OUT.db SHARD.db... [--scenario-hash HASH] [-q]",
      "merge results databases into OUT.db, skipping runs already present", merge_opts },
    { "history", cmd_history,
      "history {add HISTORY.db RESULTS.db... --label LABEL [--time T] [--keep-detail N|all] "
      "[-q] | list HISTORY.db | "
      "regressions HISTORY.db [--tolerance PCT] [--alpha A] [--window N] [--metric NAME]... "
      "[--all]}",
      "keep a history of nightly results and find the nights where a metric stepped; "
      "`regressions` exits 1 if the newest night regressed (docs/experiments.md)",
      history_opts },
    { "dashboard", cmd_dashboard,
      "dashboard HISTORY.db --out DIR [--tolerance PCT] [--alpha A] [--window N] "
      "[--metric NAME]... [--nights N|all] [--no-figures] [-q]",
      "write a result history as a static web site: every scenario's series with their "
      "trends and steps, and the newest night's figures (docs/dashboard.md)", dashboard_opts },
    { "trace", cmd_trace,
      "trace {info FILE | convert IN -o OUT [--text] | import strace FILE -o OUT | "
      "import xentrace FILE|- -o OUT [--cpu-hz HZ] [--layout L] [--tsc-offset CPU=CYCLES]... "
      "[--tsc-skew report|auto|none] [--text]}",
      "inspect, convert and import workload traces (docs/traces.md)", trace_opts },
    { NULL, NULL, NULL, NULL, NULL },
};

#define EXIT_TEXT "exit status: 0 success, 1 regression found (regress, history " \
                  "regressions), 2 bad input or " \
                  "usage, 130 interrupted (SIGINT or SIGTERM)\n"

static void usage(FILE *out)
{
    fprintf(out, "usage: xensim COMMAND [ARGS]\n\ncommands:\n");
    for (const struct cli_command *c = cli_commands; c->name; c++)
        fprintf(out, "  xensim %s\n      %s\n", c->synopsis, c->help);
    fprintf(out, "  xensim --version\n\n'xensim COMMAND --help' lists a command's options; "
            "man xensim.\n" EXIT_TEXT);
}

static void command_usage(const struct cli_command *c)
{
    printf("usage: xensim %s\n\n%s\n\noptions:\n", c->synopsis, c->help);
    for (const struct cli_opt *o = c->opts; o->name; o++) {
        const char *arg = o->arg ? o->arg : "";
        printf("  %s%s%s\n      %s\n", o->name, arg[0] && arg[0] != '[' ? " " : "", arg,
               o->help);
    }
    printf("  -h, --help\n      print this help and exit\n\n" EXIT_TEXT);
}

/* Whether option `arg` of command c takes the next word as its value. */
static bool takes_value(const struct cli_command *c, const char *arg)
{
    for (const struct cli_opt *o = c->opts; o->name; o++) {
        if (!o->arg || o->arg[0] == '[')
            continue;
        /* name is "--db" or "-j, --jobs" */
        for (const char *p = o->name; p;) {
            size_t n = strcspn(p, ",");
            if (strlen(arg) == n && !strncmp(p, arg, n))
                return true;
            p = p[n] ? p + n + 2 : NULL;
        }
    }
    return false;
}

/* -h or --help among a command's words (not as an option's value). */
static bool wants_help(const struct cli_command *c, int argc, char **argv)
{
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
            return true;
        if (!strcmp(argv[i], "--"))
            return false;
        if (takes_value(c, argv[i]))
            i++;
    }
    return false;
}

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
        for (const struct cli_command *c = cli_commands; argc > 2 && c->name; c++)
            if (!strcmp(c->name, argv[2])) {
                command_usage(c);
                return 0;
            }
        usage(stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
        printf("xensim %s\n", PACKAGE_VERSION);
        return 0;
    }
    if (!strcmp(cmd, "_complete"))
        return cmd_complete(argc - 2, argv + 2);
    for (const struct cli_command *c = cli_commands; c->name; c++)
        if (!strcmp(c->name, cmd)) {
            if (wants_help(c, argc - 2, argv + 2)) {
                command_usage(c);
                return 0;
            }
            return c->fn(argc - 2, argv + 2);
        }
    return cli_usage_error("unknown command '%s'", cmd);
}
