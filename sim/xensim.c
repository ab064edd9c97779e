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

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <gsl/gsl_errno.h>

#include "analysis/store.h"
#include "sim/err.h"
#include "sim/run.h"
#include "sim/scenario.h"

#define EXIT_BADINPUT 2
#define EXIT_INTERRUPTED 130
#define DEFAULT_DB "xensim-results.db"

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
    fprintf(out, "  xensim --version\n\nExit status: 0 success, 2 bad input or usage, "
            "130 interrupted.\n");
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
    const char *db;                 /* run: --db */
    bool have_seed;                 /* run: --seed given */
    uint64_t seed;
};

static bool parse_seed(const char *s, uint64_t *out)
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

static int parse_scn_args(int argc, char **argv, struct scn_args *a, bool run)
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
        } else if (run && (!strcmp(arg, "--db") || !strcmp(arg, "--seed"))) {
            if (i + 1 >= argc)
                return usage_error("%s needs a value", arg);
            const char *v = argv[++i];
            if (!strcmp(arg, "--db")) {
                a->db = v;
            } else if (!parse_seed(v, &a->seed)) {
                return usage_error("--seed: '%s' is not a whole number from 0 to 2^64-1", v);
            } else {
                a->have_seed = true;
            }
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
    int rc = parse_scn_args(argc, argv, &a, false);
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

/* ---- run ---- */

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
    (void)sig;
    interrupted = 1;
}

struct progress {
    int rep, reps;
    int last;                       /* last percentage drawn */
};

static void draw_progress(void *ctx, double f)
{
    struct progress *p = ctx;
    int pct = (int)(f * 100.0);
    if (pct == p->last)
        return;
    p->last = pct;
    fprintf(stderr, "\r  replication %d/%d: %3d%% simulated", p->rep + 1, p->reps, pct);
    fflush(stderr);
}

static void fmt_ns(double ns, char *buf, size_t n)
{
    if (isnan(ns))
        snprintf(buf, n, "-");
    else if (ns < 1e3)
        snprintf(buf, n, "%.0fns", ns);
    else if (ns < 1e6)
        snprintf(buf, n, "%.1fus", ns / 1e3);
    else if (ns < 1e9)
        snprintf(buf, n, "%.2fms", ns / 1e6);
    else
        snprintf(buf, n, "%.3fs", ns / 1e9);
}

static void print_table(const struct scn *s, const struct run_result *r)
{
    printf("run %s (scheduler %s): %.3fs simulated in %.2fs wall, %" PRIu64
           " events (%.2f M/s)\n", r->name, s->sched.name, (double)r->window_ns / 1e9,
           r->wall_s, r->events_total,
           r->wall_s > 0 ? (double)r->events_total / r->wall_s / 1e6 : 0.0);
    printf("  %-12s %7s %10s %9s %8s %8s %9s %9s %6s\n", "domain", "share", "cpu", "dispatch",
           "wakeups", "preempt", "lat p50", "lat p99", "late");
    for (int d = 0; d < r->ndoms; d++) {
        const struct run_dom *x = &r->doms[d];
        char cpu[32], p50[32], p99[32];
        fmt_ns((double)x->cpu_time_ns, cpu, sizeof cpu);
        fmt_ns(x->lat_p50, p50, sizeof p50);
        fmt_ns(x->lat_p99, p99, sizeof p99);
        printf("  %-12s %6.2f%% %10s %9" PRIu64 " %8" PRIu64 " %8" PRIu64 " %9s %9s %6" PRIu64
               "\n", x->name, 100.0 * x->cpu_share, cpu, x->dispatches, x->wakeups,
               x->preemptions, p50, p99, x->late_periods);
    }
    bool io = false;
    for (int d = 0; d < r->ndoms; d++)
        io = io || r->doms[d].io_kind;
    if (io) {
        printf("  %-12s %-7s %10s %9s %9s %8s %8s %9s\n", "I/O", "kind", "rate/s", "lat p50",
               "lat p99", "stalls", "rejected", "evt p99");
        for (int d = 0; d < r->ndoms; d++) {
            const struct run_dom *x = &r->doms[d];
            if (!x->io_kind)
                continue;
            char p50[32], p99[32], e99[32];
            fmt_ns(x->io_p50, p50, sizeof p50);
            fmt_ns(x->io_p99, p99, sizeof p99);
            fmt_ns(x->evt_p99, e99, sizeof e99);
            printf("  %-12s %-7s %10.1f %9s %9s %8" PRIu64 " %8" PRIu64 " %9s\n", x->name,
                   x->io_kind, x->io_rate, p50, p99, x->io_stalls, x->mmu_rejected, e99);
        }
    }
    for (int p = 0; p < r->npcpus; p++) {
        const struct run_pcpu *x = &r->pcpus[p];
        double w = (double)r->window_ns;
        printf("  pcpu%-8d busy %.2f%%, idle %.2f%%, switching %.3f%%, %" PRIu64
               " context switches, run queue %.2f\n", p, w > 0 ? 100.0 * x->busy_ns / w : 0.0,
               w > 0 ? 100.0 * x->idle_ns / w : 0.0, w > 0 ? 100.0 * x->switch_ns / w : 0.0,
               x->context_switches, x->runq_len_mean);
    }
    if (!isnan(r->jain_fairness))
        printf("  Jain fairness over domains with a workload: %.4f\n", r->jain_fairness);
}

static int cmd_run(int argc, char **argv)
{
    /* Installed first: an interruption at any point leaves no half run. */
    struct sigaction sa = { .sa_handler = on_sigint };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    struct scn_args a;
    int rc = parse_scn_args(argc, argv, &a, true);
    if (rc) {
        free(a.sets);
        return rc;
    }
    struct scn *s = load(&a);
    free(a.sets);
    if (!s)
        return EXIT_BADINPUT;
    const char *db_path = a.db ? a.db : DEFAULT_DB;
    if (s->nsweep && !a.quiet)
        fprintf(stderr, "xensim: note: %s has a sweep of %" PRIu64 " points; `run` simulates "
                "the scenario without it (use --set to pick a point)\n", a.path,
                s->sweep_points);
    char err[512] = "";
    struct store *db = store_open(db_path, err, sizeof err);
    if (!db) {
        fprintf(stderr, "xensim: %s: %s\n", db_path, err);
        scn_free(s);
        return EXIT_BADINPUT;
    }
    bool tty = isatty(STDERR_FILENO) && !a.quiet;
    int status = 0;
    for (int r = 0; r < s->replications; r++) {
        struct progress pg = { r, s->replications, -1 };
        struct run_opts o = {
            .seed = a.have_seed ? a.seed : s->seed,
            .replication = (uint32_t)r,
            .db = db,
            .progress = tty ? draw_progress : NULL,
            .progress_ctx = &pg,
            .interrupted = &interrupted,
        };
        struct run_result res;
        rc = run_replication(s, &o, &res, err, sizeof err);
        if (tty)
            fprintf(stderr, "\r%*s\r", 48, "");
        if (rc < 0) {
            fprintf(stderr, "xensim: %s: %s%s\n", a.path, err,
                    rc == -SIM_ESTATE ? " (nothing of this run was recorded)" : "");
            status = rc == -SIM_ESTATE ? EXIT_INTERRUPTED : EXIT_BADINPUT;
            break;
        }
        if (res.skipped) {
            if (!a.quiet)
                printf("run %s is already in %s: skipped\n", res.name, db_path);
        } else if (!a.quiet) {
            print_table(s, &res);
        }
        run_result_free(&res);
    }
    if (status == 0 && !a.quiet)
        printf("results in %s\n", db_path);
    store_close(db);
    scn_free(s);
    return status;
}

static const struct command commands[] = {
    { "run", cmd_run, "run SCENARIO [--set PATH=VALUE]... [--seed N] [--db FILE] [-q]",
      "simulate every replication of a scenario and record it in the results database "
      "(default " DEFAULT_DB ")" },
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
