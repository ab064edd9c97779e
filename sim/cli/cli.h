/*
 * sim/cli/cli.h: what the commands of the xensim command line share
 * (DESIGN.md section 5). Each command is a function of (argc, argv) after
 * the command word, in its own file sim/cli/cmd_<name>.c, listed in the table
 * of sim/cli/xensim.c. Commands are the only code that prints diagnostics and
 * chooses exit statuses: 0 success, 1 a regression found (regress), 2 bad
 * input or usage, 130 interrupted.
 */
#ifndef XENSIM_SIM_CLI_H
#define XENSIM_SIM_CLI_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/scenario.h"

#define EXIT_REGRESSION 1
#define EXIT_BADINPUT 2
#define EXIT_INTERRUPTED 130
#define DEFAULT_DB "xensim-results.db"

/* The commands (sim/cli/cmd_*.c). */
int cmd_run(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_regress(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_history(int argc, char **argv);
int cmd_trace(int argc, char **argv);
int cmd_dashboard(int argc, char **argv);
/* The subcommands of `trace` (sim/cli/cmd_trace*.c). */
int cmd_trace_info(int argc, char **argv);
int cmd_trace_convert(int argc, char **argv);
int cmd_trace_import_strace(int argc, char **argv);
int cmd_trace_import_xentrace(int argc, char **argv);

int cmd_complete(int argc, char **argv);

/* One option of a command, for its --help, the manual page and the shell
 * completion (sim/cli/xensim.c holds the table). */
struct cli_opt {
    const char *name;               /* "--db", or "-j, --jobs" (the first is the one shown) */
    const char *arg;                /* its value, e.g. "FILE"; NULL: none */
    const char *help;
};

struct cli_command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *synopsis;           /* the usage line after "xensim " */
    const char *help;               /* what it does */
    const struct cli_opt *opts;     /* ends with a NULL name */
};

/* Every command, ending with a NULL name (sim/cli/xensim.c). */
extern const struct cli_command cli_commands[];

/* Print "xensim: MESSAGE" (fmt with one %s) and the pointer to --help;
 * returns EXIT_BADINPUT. */
int cli_usage_error(const char *fmt, const char *arg);

/* 0 if path may name a results database (store_check_path); else print
 * why not and return EXIT_BADINPUT. Every command checks its database
 * paths with it before doing any work. */
int cli_check_db(const char *path);

/* Options shared by the commands that load a scenario. */
struct scn_args {
    const char *path;
    const char **sets;
    size_t nsets;
    bool quiet;
    const char *db;                 /* run: --db */
    bool have_seed;                 /* run: --seed given */
    uint64_t seed;
};

/* A whole number from 0 to 2^64-1. */
bool cli_parse_seed(const char *s, uint64_t *out);

/* Parse SCENARIO [--set PATH=VALUE]... [-q], plus --db FILE and --seed N
 * if run; a usage error returns EXIT_BADINPUT (free a->sets either way). */
int cli_parse_scn_args(int argc, char **argv, struct scn_args *a, bool run);

/* Load a scenario; on failure print every diagnostic and return NULL. */
struct scn *cli_load(const struct scn_args *a);

/* SIGINT and SIGTERM set cli_interrupted (install before any work, so an
 * interruption at any point leaves no half-written run). */
extern volatile sig_atomic_t cli_interrupted;
void cli_catch_signals(void);

/* The gnuplot to run: $XENSIM_GNUPLOT if set, else `gnuplot` on PATH,
 * else the one configure found (GNUPLOT_PATH), else "gnuplot" (which
 * then fails to start, and the caller says so). */
const char *cli_find_gnuplot(void);


/* The options the history's readers share (`history regressions`,
 * `dashboard`): --tolerance PCT, --alpha A, --window N and --metric NAME
 * (appended to metrics, which has room). 0 if opt is one of them and val
 * is good, EXIT_BADINPUT (message printed) if val is bad, -1 if opt is
 * none of them (sim/cli/cmd_history.c). */
struct history_opts;
int cli_history_option(const char *opt, const char *val, struct history_opts *o,
                       const char **metrics, size_t *nmetrics);

/* A finite number, optionally followed by '%' (which is dropped). */
bool cli_parse_pct(const char *s, double *out);


#endif
