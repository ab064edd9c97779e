/*
 * tests/test_cluster.c: analysis/cluster.c without Slurm: index lists,
 * sh quoting, which runs a results database holds, and campaign
 * directories (files written, task partition, job script, status files,
 * shards, missing runs), in a mkdtemp directory.
 *
 * What is checked:
 *   1. index lists: single indices, ranges and comma lists parse to the
 *      ascending distinct list; out of range and malformed specs are
 *      refused; formatting gives the shortest ranges and parses back;
 *   2. sh words: safe words unchanged, others single-quoted (with ');
 *   3. presence: runs recorded by analysis/store are found by name; a
 *      missing file, a foreign SQLite file and garbage are refused and set
 *      nothing;
 *   4. directories: create writes scenario.yaml byte for byte, runs.tsv and
 *      campaign.tsv; a non-empty directory, a relative path and a path with
 *      a space are refused with nothing left; K runs per task cover every
 *      run exactly once; the script carries the array, throttle, quoted
 *      options and the task's index list; status files, shards (a corrupt
 *      one refused, a copy in flight ignored) give ok/failed/not reported
 *      and the missing runs; a second submission owns its runs.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "analysis/cluster.h"
#include "analysis/store.h"
#include "sim/err.h"
#include "tests/check_util.h"
#include "tests/tmpdb.h"

static char err[1024];

static void setup(void)
{
    tmpdb_make("xs_cluster");
}

/* Remove a directory tree (the campaign directories have subdirectories,
 * which tmpdb_remove does not handle). */
static void rm_rf(const char *path)
{
    DIR *d = opendir(path);
    if (!d) {
        unlink(path);
        return;
    }
    struct dirent *e;
    char p[1024];
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(p, sizeof p, "%s/%s", path, e->d_name);
        rm_rf(p);
    }
    closedir(d);
    rmdir(path);
}

static void teardown(void)
{
    rm_rf(tmpdb_dir);
}

/* ---- 1. index lists ---- */

static void expect_index(const char *spec, size_t nruns, const size_t *want, size_t nwant)
{
    size_t *got = NULL, n = 0;
    int rc = cl_parse_index(spec, nruns, &got, &n, err, sizeof err);
    ck_assert_msg(rc == 0, "'%s': %s", spec, err);
    ck_assert_uint_eq(n, nwant);
    for (size_t i = 0; i < n; i++)
        ck_assert_uint_eq(got[i], want[i]);
    free(got);
}

START_TEST(index_parse)
{
    expect_index("3", 12, (size_t[]){ 3 }, 1);
    expect_index("0", 1, (size_t[]){ 0 }, 1);
    expect_index("0-2,5,4", 12, (size_t[]){ 0, 1, 2, 4, 5 }, 5);
    expect_index("11,1,1,0-1", 12, (size_t[]){ 0, 1, 11 }, 3);
    expect_index("7-7", 8, (size_t[]){ 7 }, 1);
    size_t *got = NULL, n = 0;
    ck_assert_int_eq(cl_parse_index("12", 12, &got, &n, err, sizeof err), -SIM_ERANGE);
    ck_assert_ptr_nonnull(strstr(err, "12 runs"));
    ck_assert_ptr_null(got);
    ck_assert_int_eq(cl_parse_index("0-12", 12, &got, &n, err, sizeof err), -SIM_ERANGE);
    ck_assert_int_eq(cl_parse_index("0", 0, &got, &n, err, sizeof err), -SIM_ERANGE);
    static const char *const bad[] = { "", "a", "1,", ",1", "3-1", "1-", "-1", "1 ", "1;2",
                                       "1--2", "+1", "1,,2", "99999999999999999999999" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_msg(cl_parse_index(bad[i], 12, &got, &n, err, sizeof err) == -SIM_EBADINPUT,
                      "'%s' accepted", bad[i]);
        ck_assert_ptr_null(got);
        ck_assert_uint_eq(n, 0);
    }
}
END_TEST

START_TEST(index_format)
{
    char *s = cl_format_index((size_t[]){ 0, 1, 2, 5, 7, 8 }, 6);
    ck_assert_str_eq(s, "0-2,5,7-8");
    free(s);
    s = cl_format_index((size_t[]){ 4 }, 1);
    ck_assert_str_eq(s, "4");
    free(s);
    s = cl_format_index(NULL, 0);
    ck_assert_str_eq(s, "");
    free(s);
    /* Round trip over pseudo-random subsets of 0..39. */
    uint64_t x = 12345;
    for (int round = 0; round < 200; round++) {
        size_t want[40], n = 0;
        for (size_t i = 0; i < 40; i++) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            if ((x >> 33) % 3 == 0)
                want[n++] = i;
        }
        if (n == 0)
            continue;
        char *spec = cl_format_index(want, n);
        ck_assert_ptr_nonnull(spec);
        expect_index(spec, 40, want, n);
        free(spec);
    }
}
END_TEST

/* ---- 2. sh words ---- */

START_TEST(shell_quote)
{
    static const char *const cases[][2] = {
        { "abc", "abc" },
        { "/tmp/x-1/a.yaml", "/tmp/x-1/a.yaml" },
        { "scheduler.rr.slice=2ms", "scheduler.rr.slice=2ms" },
        { "a b", "'a b'" },
        { "it's", "'it'\\''s'" },
        { "", "''" },
        { "$HOME", "'$HOME'" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *q = cl_shell_quote(cases[i][0]);
        ck_assert_str_eq(q, cases[i][1]);
        free(q);
    }
}
END_TEST

/* ---- 3. presence ---- */

/* A results database at path holding runs with these names. */
static void make_db(const char *path, const char *const *names, size_t n)
{
    struct store *s = store_open(path, err, sizeof err);
    ck_assert_msg(s != NULL, "%s", err);
    for (size_t i = 0; i < n; i++) {
        ck_assert_int_eq(store_run_begin(s, names[i], NULL), 0);
        ck_assert_int_eq(store_run_attr(s, STORE_ATTR_SCENARIO, "t"), 0);
        ck_assert_int_eq(store_run_end(s), 0);
    }
    store_close(s);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "%s missing", path);
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static const char *const names12[] = { "r0", "r1", "r2", "r3", "r4", "r5",
                                       "r6", "r7", "r8", "r9", "r10", "r11" };

START_TEST(presence)
{
    char p[600];
    snprintf(p, sizeof p, "%s/a.db", tmpdb_dir);
    make_db(p, (const char *const[]){ "r3", "r10", "other" }, 3);
    bool present[12] = { false };
    ck_assert_int_eq(cl_mark_present(p, names12, 12, present, err, sizeof err), 0);
    for (size_t i = 0; i < 12; i++)
        ck_assert_msg(present[i] == (i == 3 || i == 10), "run %zu", i);
    /* Adds up over files. */
    snprintf(p, sizeof p, "%s/b.db", tmpdb_dir);
    make_db(p, (const char *const[]){ "r0" }, 1);
    ck_assert_int_eq(cl_mark_present(p, names12, 12, present, err, sizeof err), 0);
    ck_assert(present[0] && present[3] && present[10] && !present[1]);

    bool none[12] = { false };
    snprintf(p, sizeof p, "%s/missing.db", tmpdb_dir);
    ck_assert_int_eq(cl_mark_present(p, names12, 12, none, err, sizeof err), -SIM_ENOENT);
    snprintf(p, sizeof p, "%s/foreign.db", tmpdb_dir);
    sqlite3 *db;
    ck_assert_int_eq(sqlite3_open(p, &db), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(db, "CREATE TABLE run(runName TEXT); INSERT INTO run "
                                  "VALUES ('r1')", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    ck_assert_int_eq(cl_mark_present(p, names12, 12, none, err, sizeof err), -SIM_ESCHEMA);
    ck_assert_ptr_nonnull(strstr(err, "foreign.db"));
    snprintf(p, sizeof p, "%s/garbage.db", tmpdb_dir);
    write_file(p, "this is not an SQLite file, and it is long enough to have a header......"
               "..........................................................................");
    ck_assert_int_lt(cl_mark_present(p, names12, 12, none, err, sizeof err), 0);
    for (size_t i = 0; i < 12; i++)
        ck_assert(!none[i]);
}
END_TEST

/* ---- 4. directories ---- */

static const char scn_text[] = "name: t\nduration: 1ms\n# exact bytes\n";

static struct cl_dir *make_dir(const char *sub, const char *const *args, size_t nargs)
{
    char p[600];
    snprintf(p, sizeof p, "%s/%s", tmpdb_dir, sub);
    struct cl_campaign c = { .name = "t", .hash = "0123456789abcdef",
                             .origin = "/data/my scenarios/t.yaml", .cwd = "/home/u",
                             .xensim = "/opt/x/xensim",
                             .args = args, .nargs = nargs };
    struct cl_dir *d = cl_dir_create(p, scn_text, sizeof scn_text - 1, &c, names12, 12, err,
                                     sizeof err);
    ck_assert_msg(d != NULL, "%s", err);
    return d;
}

START_TEST(dir_create)
{
    const char *args[] = { "--set", "a b=c", "--seed", "5" };
    struct cl_dir *d = make_dir("c1/deep", args, 4);
    char p[700];
    snprintf(p, sizeof p, "%s/c1/deep/scenario.yaml", tmpdb_dir);
    ck_assert_str_eq(read_file(p), scn_text);
    snprintf(p, sizeof p, "%s/c1/deep/runs.tsv", tmpdb_dir);
    ck_assert_str_eq(read_file(p), "0\tr0\n1\tr1\n2\tr2\n3\tr3\n4\tr4\n5\tr5\n6\tr6\n7\tr7\n"
                     "8\tr8\n9\tr9\n10\tr10\n11\tr11\n");
    snprintf(p, sizeof p, "%s/c1/deep/campaign.tsv", tmpdb_dir);
    ck_assert_str_eq(read_file(p), "name\tt\nhash\t0123456789abcdef\norigin\t/data/my "
                     "scenarios/t.yaml\ncwd\t/home/u\nxensim\t/opt/x/xensim\narg\t--set\narg\ta b=c\n"
                     "arg\t--seed\narg\t5\n");
    struct stat st;
    snprintf(p, sizeof p, "%s/c1/deep/shards", tmpdb_dir);
    ck_assert(stat(p, &st) == 0 && S_ISDIR(st.st_mode));
    snprintf(p, sizeof p, "%s/c1/deep/logs", tmpdb_dir);
    ck_assert(stat(p, &st) == 0 && S_ISDIR(st.st_mode));
    ck_assert_uint_eq(d->nruns, 12);
    ck_assert_uint_eq(d->nsubs, 0);
    ck_assert_uint_eq(d->npresent, 0);
    ck_assert_uint_eq(d->c.nargs, 4);
    ck_assert_str_eq(d->c.args[1], "a b=c");
    cl_dir_free(d);

    /* Refusals leave nothing. */
    struct cl_campaign c = { .name = "t", .hash = "0123456789abcdef", .origin = "o.yaml",
                             .cwd = "/w d", .xensim = "/x" };
    snprintf(p, sizeof p, "%s/c1/deep", tmpdb_dir);
    ck_assert_ptr_null(cl_dir_create(p, "x", 1, &c, names12, 12, err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "not empty"));
    ck_assert_ptr_null(cl_dir_create("rel/dir", "x", 1, &c, names12, 12, err, sizeof err));
    ck_assert_int_ne(access("rel", F_OK), 0);
    snprintf(p, sizeof p, "%s/with space", tmpdb_dir);
    ck_assert_ptr_null(cl_dir_create(p, "x", 1, &c, names12, 12, err, sizeof err));
    ck_assert_int_ne(access(p, F_OK), 0);
    snprintf(p, sizeof p, "%s/nl", tmpdb_dir);
    const char *badargs[] = { "--set", "a=b\nc" };
    c.args = badargs;
    c.nargs = 2;
    ck_assert_ptr_null(cl_dir_create(p, "x", 1, &c, names12, 12, err, sizeof err));
    ck_assert_int_ne(access(p, F_OK), 0);
    /* An empty directory is fine. */
    snprintf(p, sizeof p, "%s/empty", tmpdb_dir);
    ck_assert_int_eq(mkdir(p, 0777), 0);
    c.nargs = 0;
    struct cl_dir *e = cl_dir_create(p, "x", 1, &c, names12, 12, err, sizeof err);
    ck_assert_msg(e != NULL, "%s", err);
    /* A relative scenario path: the job enters the directory it is relative
     * to, and records it as given; an absolute one needs no cd. */
    char *script = NULL;
    struct cl_submit_opts so = { .per_task = 1 };
    ck_assert_int_eq(cl_job_script(e, 1, 12, &so, &script, err, sizeof err), 0);
    ck_assert_ptr_nonnull(strstr(script, "\nif ! cd '/w d'; then\n"));
    ck_assert_ptr_nonnull(strstr(script, "\n/x sweep \"$dir/scenario.yaml\" --origin o.yaml "));
    ck_assert_ptr_nonnull(strstr(script, "\n#SBATCH --array=0-11\n"));
    free(script);
    cl_dir_free(e);
    d = make_dir("abs", NULL, 0);
    ck_assert_int_eq(cl_job_script(d, 1, 1, &so, &script, err, sizeof err), 0);
    ck_assert_ptr_null(strstr(script, "cd "));
    free(script);
    cl_dir_free(d);
}
END_TEST

START_TEST(dir_submissions)
{
    const char *args[] = { "--set", "a b=c" };
    struct cl_dir *d = make_dir("camp", args, 2);
    size_t all[12];
    for (size_t i = 0; i < 12; i++)
        all[i] = i;
    struct cl_submit_opts o = { .per_task = 5, .throttle = 4,
                                .sbatch_args = (const char *const[]){ "--time=00:10:00" },
                                .nsbatch = 1 };
    int sub;
    size_t ntasks;
    ck_assert_int_eq(cl_dir_add_submission(d, all, 12, &o, &sub, &ntasks, err, sizeof err), 0);
    ck_assert_int_eq(sub, 1);
    ck_assert_uint_eq(ntasks, 3);
    char p[700];
    snprintf(p, sizeof p, "%s/camp/tasks-1.tsv", tmpdb_dir);
    ck_assert_str_eq(read_file(p), "0\t0-4\n1\t5-9\n2\t10-11\n");
    snprintf(p, sizeof p, "%s/camp/job-1.sh", tmpdb_dir);
    const char *script = read_file(p);
    ck_assert_ptr_nonnull(strstr(script, "#!/bin/sh\n"));
    ck_assert_ptr_nonnull(strstr(script, "\n#SBATCH --array=0-2%4\n"));
    ck_assert_ptr_nonnull(strstr(script, "\n#SBATCH --time=00:10:00\n"));
    char want[900];
    snprintf(want, sizeof want, "\n#SBATCH --output=%s/camp/logs/s1-t%%a.out\n", tmpdb_dir);
    ck_assert_ptr_nonnull(strstr(script, want));
    ck_assert_ptr_nonnull(strstr(script, "/opt/x/xensim sweep \"$dir/scenario.yaml\" "
                                 "--origin '/data/my scenarios/t.yaml' --index \"$list\" "
                                 "--db \"$scratch/shard.db\" --set 'a b=c'\n"));
    ck_assert_ptr_nonnull(strstr(script, "${SLURM_TMPDIR:-${TMPDIR:-/tmp}}/xensim-$job-$task"));
    struct stat st;
    ck_assert(stat(p, &st) == 0 && (st.st_mode & S_IXUSR));
    cl_dir_free(d);

    /* Read back: every run in exactly one task. */
    snprintf(p, sizeof p, "%s/camp", tmpdb_dir);
    d = cl_dir_open(p, err, sizeof err);
    ck_assert_msg(d != NULL, "%s", err);
    ck_assert_uint_eq(d->nsubs, 1);
    ck_assert_uint_eq(d->subs[0].ntasks, 3);
    int seen[12] = { 0 };
    for (size_t t = 0; t < 3; t++) {
        ck_assert_uint_le(d->subs[0].tasks[t].nruns, 5);
        for (size_t k = 0; k < d->subs[0].tasks[t].nruns; k++)
            seen[d->subs[0].tasks[t].runs[k]]++;
    }
    for (size_t i = 0; i < 12; i++)
        ck_assert_int_eq(seen[i], 1);
    ck_assert_uint_eq(d->subs[0].not_reported, 3);
    cl_dir_free(d);

    /* Task 0 reported ok with its shard, task 1 failed after one run, task
     * 2 never reported; a corrupt shard and a copy in flight. */
    snprintf(p, sizeof p, "%s/camp/logs/s1-t0.status", tmpdb_dir);
    write_file(p, "ok 0 77 node1\n");
    snprintf(p, sizeof p, "%s/camp/logs/s1-t1.status", tmpdb_dir);
    write_file(p, "failed 2 77 node2\n");
    snprintf(p, sizeof p, "%s/camp/shards/s1-t0.db", tmpdb_dir);
    make_db(p, names12, 5);
    snprintf(p, sizeof p, "%s/camp/shards/s1-t1.db", tmpdb_dir);
    make_db(p, names12 + 5, 1);
    snprintf(p, sizeof p, "%s/camp/shards/zz-corrupt.db", tmpdb_dir);
    write_file(p, "garbage");
    snprintf(p, sizeof p, "%s/camp/shards/.s1-t2.77.tmp", tmpdb_dir);
    make_db(p, names12 + 10, 2);
    snprintf(p, sizeof p, "%s/camp", tmpdb_dir);
    d = cl_dir_open(p, err, sizeof err);
    ck_assert_msg(d != NULL, "%s", err);
    const struct cl_submission *s = &d->subs[0];
    ck_assert_uint_eq(s->ok, 1);
    ck_assert_uint_eq(s->failed, 1);
    ck_assert_uint_eq(s->not_reported, 1);
    ck_assert_int_eq(s->tasks[1].state, CL_TASK_FAILED);
    ck_assert_int_eq(s->tasks[1].exit_code, 2);
    ck_assert_str_eq(s->tasks[1].host, "node2");
    ck_assert_int_eq(s->tasks[2].state, CL_TASK_NOT_REPORTED);
    ck_assert_uint_eq(d->npresent, 6);
    for (size_t i = 0; i < 12; i++)
        ck_assert_msg(d->present[i] == (i < 6), "run %zu", i);
    ck_assert_uint_eq(d->nbad, 1);
    ck_assert_ptr_nonnull(strstr(d->bad_shards[0], "zz-corrupt.db"));
    size_t si, ti;
    ck_assert(cl_dir_run_task(d, 7, &si, &ti));
    ck_assert_uint_eq(si, 0);
    ck_assert_uint_eq(ti, 1);

    /* Resubmit the missing runs, 3 a task, no throttle: submission 2 owns them. */
    size_t miss[12], n = 0;
    for (size_t i = 0; i < 12; i++)
        if (!d->present[i])
            miss[n++] = i;
    ck_assert_uint_eq(n, 6);
    o = (struct cl_submit_opts){ .per_task = 3 };
    ck_assert_int_eq(cl_dir_add_submission(d, miss, n, &o, &sub, &ntasks, err, sizeof err), 0);
    ck_assert_int_eq(sub, 2);
    ck_assert_uint_eq(ntasks, 2);
    snprintf(p, sizeof p, "%s/camp/tasks-2.tsv", tmpdb_dir);
    ck_assert_str_eq(read_file(p), "0\t6-8\n1\t9-11\n");
    snprintf(p, sizeof p, "%s/camp/job-2.sh", tmpdb_dir);
    ck_assert_ptr_nonnull(strstr(read_file(p), "\n#SBATCH --array=0-1\n"));
    cl_dir_free(d);
    snprintf(p, sizeof p, "%s/camp", tmpdb_dir);
    d = cl_dir_open(p, err, sizeof err);
    ck_assert_msg(d != NULL, "%s", err);
    ck_assert_uint_eq(d->nsubs, 2);
    ck_assert(cl_dir_run_task(d, 7, &si, &ti));
    ck_assert_uint_eq(si, 1);
    ck_assert_uint_eq(ti, 0);
    ck_assert(cl_dir_run_task(d, 2, &si, &ti));
    ck_assert_uint_eq(si, 0);
    cl_dir_free(d);

    /* Not a campaign directory. */
    ck_assert_ptr_null(cl_dir_open(tmpdb_dir, err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "campaign.tsv"));
}
END_TEST

START_TEST(script_refusals)
{
    struct cl_dir *d = make_dir("refuse", NULL, 0);
    char *out = NULL;
    struct cl_submit_opts o = { .per_task = 1,
                                .sbatch_args = (const char *const[]){ "--x\n#SBATCH --y" },
                                .nsbatch = 1 };
    ck_assert_int_eq(cl_job_script(d, 1, 2, &o, &out, err, sizeof err), -SIM_EBADINPUT);
    ck_assert_ptr_null(out);
    o.nsbatch = 0;
    ck_assert_int_eq(cl_job_script(d, 1, 0, &o, &out, err, sizeof err), -SIM_EINVAL);
    size_t idx[1] = { 0 };
    int sub;
    size_t nt;
    o.per_task = 0;
    ck_assert_int_lt(cl_dir_add_submission(d, idx, 1, &o, &sub, &nt, err, sizeof err), 0);
    ck_assert_uint_eq(d->nsubs, 0);
    cl_dir_free(d);
}
END_TEST

static Suite *cluster_suite(void)
{
    Suite *s = suite_create("cluster");
    TCase *tc = xs_tcase(s, "index", 10);
    tcase_add_test(tc, index_parse);
    tcase_add_test(tc, index_format);
    tcase_add_test(tc, shell_quote);
    tc = xs_tcase(s, "files", 30);
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_add_test(tc, presence);
    tcase_add_test(tc, dir_create);
    tcase_add_test(tc, dir_submissions);
    tcase_add_test(tc, script_refusals);
    return s;
}

XS_CHECK_MAIN(cluster_suite)
