/*
 * sim/cli/cmd_merge.c: `xensim merge OUT.db SHARD.db... [--scenario-hash HASH]
 * [-q]`: copy the runs of shard results databases into OUT (created if
 * missing), skipping runs already there (analysis/merge.h does the work).
 * With --scenario-hash, a shard holding a run of another scenario hash (the
 * base hash of the campaign, as in run names; docs/cluster.md) is refused.
 * A shard that cannot be merged is reported and skipped, the others are
 * merged, and the exit status is then 2; a bad OUT stops everything before
 * any shard.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/merge.h"
#include "sim/cli/cli.h"
#include "sim/err.h"

int cmd_merge(int argc, char **argv)
{
    bool quiet = false;
    const char *out = NULL;
    const char **shards = calloc((size_t)argc + 1, sizeof *shards);
    size_t nshards = 0;
    if (!shards)
        return cli_usage_error("%s", "out of memory");
    int status = 0;
    bool opts_done = false;
    struct merge_opts mo = { .scenario_hash = NULL };
    for (int i = 0; i < argc && !status; i++) {
        const char *arg = argv[i];
        if (!opts_done && !strcmp(arg, "--")) {
            opts_done = true;
        } else if (!opts_done && (!strcmp(arg, "--scenario-hash") ||
                                  !strncmp(arg, "--scenario-hash=", 16))) {
            const char *h = arg[15] == '=' ? arg + 16 : i + 1 < argc ? argv[++i] : NULL;
            if (!h || strlen(h) != 16 || strspn(h, "0123456789abcdef") != 16)
                status = cli_usage_error("merge: --scenario-hash needs the 16 hex digits of a "
                                         "scenario hash, not '%s'", h ? h : "");
            else
                mo.scenario_hash = h;
        } else if (!opts_done && (!strcmp(arg, "-q") || !strcmp(arg, "--quiet"))) {
            quiet = true;
        } else if (!opts_done && arg[0] == '-' && arg[1]) {
            status = cli_usage_error("merge: unknown option '%s'", arg);
        } else if (!out) {
            out = arg;
        } else {
            shards[nshards++] = arg;
        }
    }
    if (!status && (!out || nshards == 0))
        status = cli_usage_error("%s", "merge: needs OUT.db and at least one SHARD.db");
    if (!status)
        status = cli_check_db(out);
    for (size_t i = 0; !status && i < nshards; i++)
        status = cli_check_db(shards[i]);
    if (status) {
        free(shards);
        return status;
    }
    char err[1024] = "";
    struct merge *m = merge_open(out, err, sizeof err);
    if (!m) {
        fprintf(stderr, "xensim merge: %s; nothing merged\n", err);
        free(shards);
        return EXIT_BADINPUT;
    }
    int64_t copied = 0, present = 0, bad = 0;
    for (size_t i = 0; i < nshards; i++) {
        struct merge_result r;
        int rc = merge_shard(m, shards[i], &mo, &r, err, sizeof err);
        copied += r.copied;
        present += r.present;
        if (rc < 0) {
            bad++;
            if (r.copied || r.present)
                fprintf(stderr, "xensim merge: %s; its other runs were merged (%" PRId64
                        " copied, %" PRId64 " already in %s)\n", err, r.copied, r.present,
                        out);
            else
                fprintf(stderr, "xensim merge: %s; shard skipped, the other shards are "
                        "merged\n", err);
        } else if (!quiet) {
            printf("%s: %" PRId64 " run%s merged, %" PRId64 " already in %s\n", shards[i],
                   r.copied, r.copied == 1 ? "" : "s", r.present, out);
        }
    }
    merge_close(m);
    if (!quiet)
        printf("%s: %" PRId64 " run%s merged from %zu shard%s, %" PRId64
               " already present%s\n", out, copied, copied == 1 ? "" : "s", nshards - (size_t)bad,
               nshards - (size_t)bad == 1 ? "" : "s", present,
               bad ? "; some shards had errors (see above)" : "");
    if (bad) {
        fprintf(stderr, "xensim merge: %" PRId64 " of %zu shard%s not (fully) merged\n", bad,
                nshards, nshards == 1 ? "" : "s");
        status = EXIT_BADINPUT;
    }
    free(shards);
    return status;
}
