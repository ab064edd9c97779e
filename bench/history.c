/*
 * bench/history.c: how a result history grows and how long it takes to add
 * a night and find the steps, night after night (analysis/history.h).
 *
 *     bench/history NIGHT.db [-n NIGHTS] [-k KEEP] [-o HISTORY.db]
 *
 * NIGHT.db is one night's results, e.g. `xensim compare
 * scenarios/default.yaml --replications 5 --db NIGHT.db` (15 runs). It is
 * added NIGHTS times (default 365) as nights d001, d002, ... one day apart,
 * each add followed by history_prune(KEEP) as `xensim history add` does
 * (default 7; 0 keeps everything). At nights 1, 10, 30, 100, 200 and the
 * last, one line:
 *   nights=N add_ms=A bare_merge_ms=M size_mb=S read_ms=R regress_ms=G
 *       series=K steps=F
 * add_ms: that night's history_add + history_prune; bare_merge_ms, the
 * baseline of the same run: merge_shard of NIGHT.db into a new, empty
 * results database (the cost of copying the runs at all); size_mb: the
 * history file; read_ms: history_read of the whole history (what `history
 * regressions` and `dashboard` do); regress_ms, its baseline:
 * regress_compare of NIGHT.db against itself (one night against one).
 * Wall-clock times of single operations on a quiet machine are what they
 * are: run it twice.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "analysis/history.h"
#include "analysis/merge.h"
#include "analysis/regress.h"
#include "sim/err.h"

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static double file_mb(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (double)st.st_size / (1024.0 * 1024.0) : 0;
}

static int fail(const char *what, int rc, const char *err)
{
    fprintf(stderr, "history: %s: %s\n", what, err[0] ? err : sim_strerror(rc));
    return 2;
}

int main(int argc, char **argv)
{
    const char *night = NULL, *out = NULL;
    int nights = 365, keep = HISTORY_KEEP_DETAIL_DEFAULT;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-n") && i + 1 < argc)
            nights = atoi(argv[++i]);
        else if (!strcmp(argv[i], "-k") && i + 1 < argc)
            keep = atoi(argv[++i]);
        else if (!strcmp(argv[i], "-o") && i + 1 < argc)
            out = argv[++i];
        else if (argv[i][0] != '-' && !night)
            night = argv[i];
        else
            night = NULL, i = argc;
    }
    if (!night || nights < 1 || keep < 0) {
        fprintf(stderr, "usage: bench/history NIGHT.db [-n NIGHTS] [-k KEEP] [-o HISTORY.db]\n");
        return 2;
    }
    char dir[] = "/tmp/xs_bench_history_XXXXXX";
    if (!mkdtemp(dir)) {
        fprintf(stderr, "history: mkdtemp: %s\n", strerror(errno));
        return 2;
    }
    char hist[600], bare[600];
    snprintf(hist, sizeof hist, "%s/history.db", dir);
    snprintf(bare, sizeof bare, "%s/bare.db", dir);
    if (out) {
        snprintf(hist, sizeof hist, "%s", out);
        unlink(hist);
    }
    char err[1024] = "";
    int status = 0;
    printf("# night %s, %d nights, detail kept for %d nights\n", night, nights, keep);
    for (int k = 1; k <= nights && !status; k++) {
        char label[32];
        snprintf(label, sizeof label, "d%03d", k);
        double t0 = now_ms();
        struct history_add_result r;
        int rc = history_add(hist, night, label, true, 1767225600 + (int64_t)k * 86400, &r, err,
                             sizeof err);
        if (rc == 0)
            rc = history_prune(hist, keep, NULL, err, sizeof err);
        double add_ms = now_ms() - t0;
        if (rc < 0) {
            status = fail("add", rc, err);
            break;
        }
        if (k != 1 && k != 10 && k != 30 && k != 100 && k != 200 && k != nights)
            continue;
        unlink(bare);
        t0 = now_ms();
        struct merge *m = merge_open(bare, err, sizeof err);
        rc = m ? merge_shard(m, night, NULL, NULL, err, sizeof err) : -SIM_EIO;
        merge_close(m);
        double bare_ms = now_ms() - t0;
        if (rc < 0) {
            status = fail("bare merge", rc, err);
            break;
        }
        struct history_opts o = { HISTORY_TOLERANCE_DEFAULT, HISTORY_ALPHA_DEFAULT,
                                  HISTORY_WINDOW_DEFAULT, NULL, 0 };
        struct history *h = NULL;
        t0 = now_ms();
        rc = history_read(hist, &o, &h, err, sizeof err);
        double read_ms = now_ms() - t0;
        if (rc < 0) {
            status = fail("read", rc, err);
            break;
        }
        struct regress_opts ro = { REGRESS_TOLERANCE_DEFAULT, REGRESS_ALPHA_DEFAULT, NULL, 0 };
        struct regress_report rep;
        t0 = now_ms();
        rc = regress_compare(night, night, &ro, &rep, err, sizeof err);
        double regress_ms = now_ms() - t0;
        regress_report_free(&rep);
        if (rc < 0) {
            history_free(h);
            status = fail("regress", rc, err);
            break;
        }
        printf("nights=%d add_ms=%.1f bare_merge_ms=%.1f size_mb=%.1f read_ms=%.1f "
               "regress_ms=%.1f series=%zu steps=%zu\n", k, add_ms, bare_ms, file_mb(hist),
               read_ms, regress_ms, h->nseries, h->nflags);
        fflush(stdout);
        history_free(h);
    }
    unlink(bare);
    if (!out) {
        unlink(hist);
        char p[700];
        snprintf(p, sizeof p, "%s-wal", hist);
        unlink(p);
        snprintf(p, sizeof p, "%s-shm", hist);
        unlink(p);
    }
    rmdir(dir);
    return status;
}
