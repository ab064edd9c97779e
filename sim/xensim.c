/*
 * sim/xensim.c: the xensim command line (DESIGN.md section 5).
 *
 * main() and the table of commands (sim/cli.h; each in sim/cmd_<name>.c).
 * The table gives each command's synopsis, which is also the usage text,
 * so the help cannot drift from what is accepted.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <gsl/gsl_errno.h>

#include "sim/cli.h"

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
    fprintf(out, "  xensim --version\n\nExit status: 0 success, 1 regression found (regress), "
            "2 bad input or usage, 130 interrupted.\n");
}

static const struct command commands[] = {
    { "run", cmd_run, "run SCENARIO [--set PATH=VALUE]... [--seed N] [--db FILE] "
      "[--timeline[=START:END]] [--xentrace FILE] [--record-trace FILE] [-q]",
      "simulate every replication of a scenario and record it in the results database "
      "(default " DEFAULT_DB "); --timeline also records the schedule of a window of the "
      "measured time (default 0:100ms) for `plot`; --xentrace writes the measured window "
      "of replication 0 as a xentrace file and --record-trace its workloads' demand as a "
      "native trace (docs/traces.md)" },
    { "check", cmd_check, "check SCENARIO [--set PATH=VALUE]... [-q]",
      "validate a scenario (and every point of its sweep) and print its summary" },
    { "sweep", cmd_sweep, "sweep SCENARIO [-j N] [--db FILE] [--resume] [--set PATH=VALUE]... "
      "[--seed N] [-q] | --list [--db FILE --missing] | --index I[-J][,...] --db SHARD | "
      "--slurm DIR [--runs-per-task K] [--array-throttle N] [--sbatch-arg ARG]... "
      "[--no-submit] [--resume] [--status]",
      "simulate every point of the scenario's sweep times its replications; list its runs, "
      "run some into a shard, or run it as a Slurm job array (docs/cluster.md)" },
    { "compare", cmd_compare,
      "compare SCENARIO [--schedulers rr,bvt,atropos] [--replications N] [--db FILE] "
      "[--plots DIR] [-j N] [--metric NAME]... [--set PATH=VALUE]... [-q]",
      "run a scenario under each scheduler and compare the metrics with confidence intervals" },
    { "report", cmd_report,
      "report DB [--run ID|NAME]... [--scenario NAME] [--scheduler NAME] [--metric NAME]... "
      "[--format text|csv|json]",
      "print the runs and metrics of a results database as text, CSV or JSON" },
    { "plot", cmd_plot, "plot DB --out DIR [--format png|svg] [--run ID|NAME]... "
      "[--window START:END] [--no-render] [-q]",
      "write a gnuplot script with its data per standard figure into DIR and render it "
      "(docs/plots.md)" },
    { "regress", cmd_regress,
      "regress --baseline DB --current DB [--tolerance PCT] [--alpha A] [--metric NAME]...",
      "compare a results database against a baseline; exit 1 on a regression" },
    { "merge", cmd_merge, "merge OUT.db SHARD.db... [--scenario-hash HASH] [-q]",
      "merge results databases into OUT.db, skipping runs already present" },
    { "trace", cmd_trace,
      "trace {info FILE | convert IN -o OUT [--text] | import strace FILE -o OUT | "
      "import xentrace FILE -o OUT [--cpu-hz HZ] [--layout L] [--text]}",
      "inspect, convert and import workload traces (docs/traces.md)" },
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
    return cli_usage_error("unknown command '%s'", cmd);
}
