/*
 * analysis/cluster.c: see analysis/cluster.h and docs/cluster.md.
 *
 * Slurm facts used (slurm.schedmd.com, sbatch and job_array pages):
 * `#SBATCH` lines before the first command carry options; `--array=0-N%M`
 * runs tasks 0..N with at most M at once; each task sees
 * SLURM_ARRAY_JOB_ID and SLURM_ARRAY_TASK_ID; `%a` in --output/--error is
 * the task id; `sbatch --parsable` prints "JOBID[;CLUSTER]". A cancelled or
 * timed-out task gets SIGTERM (then SIGKILL after KillWait).
 *
 * Every file of a campaign directory is written whole: into a temporary
 * name in the same directory, then rename(2), so a reader (or a second
 * `--resume`) never sees half a file. Shards reach shards/ the same way
 * from the job script (cp to a dot name, then mv), because the scratch
 * directory is on another file system.
 *
 * Simplified: the job script is POSIX sh and reads its task's line with
 * the shell's `read` (no awk or bash needed on the nodes).
 */
#include "analysis/cluster.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "analysis/merge.h"
#include "analysis/store.h"
#include "sim/err.h"

#define CL_SBATCH_OUT_MAX 4096      /* bytes of sbatch output read */

/* A malloc'ed formatted string; NULL if out of memory. */
static char *strf(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *strf(const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    int n = vsnprintf(NULL, 0, f, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *s = malloc((size_t)n + 1);
    if (!s)
        return NULL;
    va_start(ap, f);
    vsnprintf(s, (size_t)n + 1, f, ap);
    va_end(ap);
    return s;
}

/* ------------------------------------------------------------------------
 * Index lists
 */

/* A whole number at *p (digits only), advancing *p. */
static bool parse_uint(const char **p, size_t *out)
{
    const char *s = *p;
    if (*s < '0' || *s > '9')
        return false;
    size_t v = 0;
    while (*s >= '0' && *s <= '9') {
        size_t d = (size_t)(*s - '0');
        if (v > (SIZE_MAX - d) / 10)
            return false;
        v = v * 10 + d;
        s++;
    }
    *p = s;
    *out = v;
    return true;
}

int cl_parse_index(const char *spec, size_t nruns, size_t **out, size_t *n, char *err,
                   size_t errlen)
{
    *out = NULL;
    *n = 0;
    bool *want = calloc(nruns + 1, sizeof *want);
    if (!want) {
        sim_errmsg(err, errlen, "out of memory");
        return -SIM_ENOMEM;
    }
    int rc = 0;
    const char *p = spec;
    if (!*p)
        rc = -SIM_EBADINPUT;
    while (rc == 0 && *p) {
        size_t lo, hi;
        if (!parse_uint(&p, &lo)) {
            rc = -SIM_EBADINPUT;
            break;
        }
        hi = lo;
        if (*p == '-') {
            p++;
            if (!parse_uint(&p, &hi) || hi < lo) {
                rc = -SIM_EBADINPUT;
                break;
            }
        }
        if (*p == ',') {
            p++;
            if (!*p)
                rc = -SIM_EBADINPUT;
        } else if (*p) {
            rc = -SIM_EBADINPUT;
        }
        if (rc == 0 && hi >= nruns) {
            sim_errmsg(err, errlen, "run index %zu out of range: the sweep has %zu runs (0 to %zu)",
                hi, nruns, nruns ? nruns - 1 : 0);
            rc = -SIM_ERANGE;
        }
        for (size_t i = lo; rc == 0 && i <= hi; i++)
            want[i] = true;
    }
    if (rc == -SIM_EBADINPUT)
        sim_errmsg(err, errlen, "'%s' is not a run index list (I, I-J, or a comma list of those)",
            spec);
    size_t cnt = 0;
    for (size_t i = 0; rc == 0 && i < nruns; i++)
        cnt += want[i];
    if (rc == 0 && !(*out = malloc((cnt + 1) * sizeof **out))) {
        sim_errmsg(err, errlen, "out of memory");
        rc = -SIM_ENOMEM;
    }
    for (size_t i = 0; rc == 0 && i < nruns; i++)
        if (want[i])
            (*out)[(*n)++] = i;
    free(want);
    return rc;
}

char *cl_format_index(const size_t *idx, size_t n)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    for (size_t k = 0; k < n;) {
        size_t j = k;
        while (j + 1 < n && idx[j + 1] == idx[j] + 1)
            j++;
        if (j == k)
            fprintf(f, "%s%zu", k ? "," : "", idx[k]);
        else
            fprintf(f, "%s%zu-%zu", k ? "," : "", idx[k], idx[j]);
        k = j + 1;
    }
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* ------------------------------------------------------------------------
 * Which runs a results database holds
 */

static const char *const *sort_names;

static int cmp_by_name(const void *a, const void *b)
{
    return strcmp(sort_names[*(const size_t *)a], sort_names[*(const size_t *)b]);
}

int cl_mark_present(const char *path, const char *const *names, size_t n, bool *present,
                    char *err, size_t errlen)
{
    struct stat stt;
    if (stat(path, &stt) != 0) {
        sim_errmsg(err, errlen, "%s: %s", path, strerror(errno));
        return errno == ENOENT ? -SIM_ENOENT : -SIM_EIO;
    }
    /* Only reads; but a read-only connection to a WAL file leaves its -wal
     * and -shm files behind, which a writable one removes on closing. */
    sqlite3 *db = NULL;
    int flags = access(path, W_OK) == 0 ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY;
    if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
        sim_errmsg(err, errlen, "%s: cannot open: %s", path, db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return -SIM_EDB;
    }
    sqlite3_busy_timeout(db, STORE_BUSY_TIMEOUT_MS);
    size_t *order = malloc((n + 1) * sizeof *order);
    bool *found = calloc(n + 1, sizeof *found);
    sqlite3_stmt *st = NULL;
    int rc = 0;
    if (!order || !found) {
        sim_errmsg(err, errlen, "out of memory");
        rc = -SIM_ENOMEM;
        goto out;
    }
    /* What merge checks: a shard merge would refuse holds nothing. */
    if ((rc = merge_check_db(db, "main", path, NULL, err, errlen)) < 0)
        goto out;
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    sort_names = names;
    qsort(order, n, sizeof *order, cmp_by_name);
    if (sqlite3_prepare_v2(db, "SELECT runName FROM run", -1, &st, NULL) != SQLITE_OK) {
        sim_errmsg(err, errlen, "%s: cannot read its runs: %s", path, sqlite3_errmsg(db));
        rc = -SIM_EDB;
        goto out;
    }
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        size_t lo = 0, hi = n;
        while (name && lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            int c = strcmp(names[order[mid]], name);
            if (c == 0) {
                found[order[mid]] = true;
                break;
            }
            if (c < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
    }
    if (step != SQLITE_DONE) {
        sim_errmsg(err, errlen, "%s: cannot read its runs: %s", path, sqlite3_errmsg(db));
        rc = -SIM_EDB;
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        present[i] = present[i] || found[i];
out:
    sqlite3_finalize(st);
    sqlite3_close(db);
    free(order);
    free(found);
    return rc;
}

/* ------------------------------------------------------------------------
 * sh words
 */

static bool shell_safe(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           strchr("_@%+=:,./-", c) != NULL;
}

char *cl_shell_quote(const char *s)
{
    bool safe = *s != '\0';
    for (const char *p = s; *p && safe; p++)
        safe = shell_safe(*p);
    if (safe)
        return strdup(s);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    fputc('\'', f);
    for (const char *p = s; *p; p++) {
        if (*p == '\'')
            fputs("'\\''", f);
        else
            fputc(*p, f);
    }
    fputc('\'', f);
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* ------------------------------------------------------------------------
 * Files of a campaign directory
 */

/* Write text (len bytes) to path whole: a temporary name, then rename. */
static int write_whole(const char *path, const char *text, size_t len, char *err,
                       size_t errlen)
{
    char *tmp = strf("%s.tmp.%ld", path, (long)getpid());
    if (!tmp) {
        sim_errmsg(err, errlen, "out of memory");
        return -SIM_ENOMEM;
    }
    FILE *f = fopen(tmp, "wb");
    bool ok = f && fwrite(text, 1, len, f) == len;
    if (f && fclose(f) != 0)
        ok = false;
    if (ok && rename(tmp, path) != 0)
        ok = false;
    if (!ok) {
        sim_errmsg(err, errlen, "%s: cannot write: %s", path, strerror(errno));
        unlink(tmp);
    }
    free(tmp);
    return ok ? 0 : -SIM_EIO;
}

/* The whole file at path, NUL-terminated (*len bytes); NULL with errno set. */
static char *read_whole(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t n = 0;
    FILE *m = open_memstream(&buf, &n);
    char chunk[8192];
    size_t got;
    bool ok = m != NULL;
    while (ok && (got = fread(chunk, 1, sizeof chunk, f)) > 0)
        ok = fwrite(chunk, 1, got, m) == got;
    ok = ok && !ferror(f);
    fclose(f);
    if (m && fclose(m) != 0)
        ok = false;
    if (!ok) {
        free(buf);
        errno = errno ? errno : EIO;
        return NULL;
    }
    if (len)
        *len = n;
    return buf;
}

/* mkdir -p */
static int make_dirs(const char *path)
{
    char *p = strdup(path);
    if (!p)
        return -1;
    for (char *s = p + 1;; s++) {
        if (*s == '/' || *s == '\0') {
            char c = *s;
            *s = '\0';
            if (mkdir(p, 0777) != 0 && errno != EEXIST) {
                free(p);
                return -1;
            }
            *s = c;
            if (!c)
                break;
        }
    }
    free(p);
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode) ? 0 : -1;
}

bool cl_dir_in_use(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return false;
    if (!S_ISDIR(st.st_mode))
        return true;
    DIR *d = opendir(path);
    if (!d)
        return true;
    struct dirent *e;
    bool used = false;
    while (!used && (e = readdir(d)) != NULL)
        used = strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return used;
}

void cl_dir_free(struct cl_dir *d)
{
    if (!d)
        return;
    free(d->path);
    free((char *)d->c.name);
    free((char *)d->c.hash);
    free((char *)d->c.origin);
    free((char *)d->c.cwd);
    free((char *)d->c.xensim);
    for (size_t i = 0; i < d->c.nargs; i++)
        free((char *)d->c.args[i]);
    free((char **)d->c.args);
    for (size_t i = 0; i < d->nruns; i++)
        free(d->names[i]);
    free(d->names);
    for (size_t s = 0; s < d->nsubs; s++) {
        for (size_t t = 0; t < d->subs[s].ntasks; t++)
            free(d->subs[s].tasks[t].runs);
        free(d->subs[s].tasks);
    }
    free(d->subs);
    free(d->present);
    for (size_t i = 0; i < d->nbad; i++)
        free(d->bad_shards[i]);
    free(d->bad_shards);
    free(d);
}

/* No tab or newline: the value fits one "key<TAB>value" line. */
static bool one_field(const char *s)
{
    return !strpbrk(s, "\t\n\r");
}

/* Characters that #SBATCH lines and unquoted paths in them cannot carry. */
static bool sbatch_path_ok(const char *s)
{
    return !strpbrk(s, " \t\n\r'\"%\\");
}

static char *campaign_text(const struct cl_campaign *c)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    fprintf(f, "name\t%s\nhash\t%s\norigin\t%s\ncwd\t%s\nxensim\t%s\n", c->name, c->hash,
            c->origin, c->cwd, c->xensim);
    for (size_t i = 0; i < c->nargs; i++)
        fprintf(f, "arg\t%s\n", c->args[i]);
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

static char *runs_text(const char *const *names, size_t n)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%zu\t%s\n", i, names[i]);
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* Write path/name from text; 0 or an error. */
static int write_in(const char *dir, const char *name, const char *text, size_t len,
                    char *err, size_t errlen)
{
    char *p = strf("%s/%s", dir, name);
    if (!p) {
        sim_errmsg(err, errlen, "out of memory");
        return -SIM_ENOMEM;
    }
    int rc = write_whole(p, text, len, err, errlen);
    free(p);
    return rc;
}

/* Remove what cl_dir_create wrote, after a failure. */
static void undo_create(const char *path, bool made)
{
    static const char *const files[] = { "scenario.yaml", "campaign.tsv", "runs.tsv" };
    static const char *const dirs[] = { "shards", "logs" };
    char p[4096];
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", path, files[i]);
        unlink(p);
    }
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", path, dirs[i]);
        rmdir(p);
    }
    if (made)
        rmdir(path);
}

struct cl_dir *cl_dir_create(const char *path, const char *text, size_t len,
                             const struct cl_campaign *c, const char *const *names,
                             size_t nruns, char *err, size_t errlen)
{
    sim_errmsg(err, errlen, "%s", "");
    if (path[0] != '/' || !sbatch_path_ok(path)) {
        sim_errmsg(err, errlen, "%s: the campaign directory must be an absolute path without "
            "spaces, quotes, '%%' or '\\' (they cannot go into #SBATCH lines)", path);
        return NULL;
    }
    if (!one_field(c->name) || !one_field(c->hash) || !one_field(c->origin) ||
        !one_field(c->cwd) || !one_field(c->xensim)) {
        sim_errmsg(err, errlen, "a name or path with a tab or newline cannot be recorded");
        return NULL;
    }
    for (size_t i = 0; i < c->nargs; i++)
        if (!one_field(c->args[i])) {
            sim_errmsg(err, errlen, "'%s': an option value with a tab or newline cannot be "
                "recorded", c->args[i]);
            return NULL;
        }
    if (cl_dir_in_use(path)) {
        sim_errmsg(err, errlen, "%s already exists and is not empty: pass --resume to complete "
            "its campaign, or choose a new directory", path);
        return NULL;
    }
    struct stat st;
    bool made = stat(path, &st) != 0;
    if (make_dirs(path) != 0) {
        sim_errmsg(err, errlen, "%s: cannot create: %s", path, strerror(errno));
        return NULL;
    }
    char *ct = campaign_text(c);
    char *rt = runs_text(names, nruns);
    char *sh = strf("%s/shards", path), *lg = strf("%s/logs", path);
    int rc = ct && rt && sh && lg ? 0 : -SIM_ENOMEM;
    if (rc)
        sim_errmsg(err, errlen, "out of memory");
    if (rc == 0 && (mkdir(sh, 0777) != 0 || mkdir(lg, 0777) != 0)) {
        sim_errmsg(err, errlen, "%s: cannot create its subdirectories: %s", path, strerror(errno));
        rc = -SIM_EIO;
    }
    if (rc == 0)
        rc = write_in(path, "scenario.yaml", text, len, err, errlen);
    if (rc == 0)
        rc = write_in(path, "campaign.tsv", ct, strlen(ct), err, errlen);
    if (rc == 0)
        rc = write_in(path, "runs.tsv", rt, strlen(rt), err, errlen);
    free(ct);
    free(rt);
    free(sh);
    free(lg);
    struct cl_dir *d = NULL;
    if (rc == 0 && !(d = cl_dir_open(path, err, errlen)))
        rc = -SIM_EIO;
    if (rc)
        undo_create(path, made);
    return d;
}

/* Split "key<TAB>value" lines of text in place; calls fn for each. */
typedef int line_fn(void *ctx, size_t lineno, char *key, char *value);

static int each_line(char *text, line_fn *fn, void *ctx)
{
    size_t lineno = 0;
    for (char *line = text, *nl; line && *line; line = nl ? nl + 1 : NULL) {
        nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        char *tab = strchr(line, '\t');
        if (!tab)
            return -SIM_EBADINPUT;
        *tab = '\0';
        int rc = fn(ctx, lineno++, line, tab + 1);
        if (rc)
            return rc;
    }
    return 0;
}

static int campaign_line(void *ctx, size_t lineno, char *key, char *value)
{
    (void)lineno;
    struct cl_dir *d = ctx;
    const char **slot = !strcmp(key, "name")     ? &d->c.name
                        : !strcmp(key, "hash")   ? &d->c.hash
                        : !strcmp(key, "origin") ? &d->c.origin
                        : !strcmp(key, "cwd")    ? &d->c.cwd
                        : !strcmp(key, "xensim") ? &d->c.xensim
                                                 : NULL;
    char *v = strdup(value);
    if (!v)
        return -SIM_ENOMEM;
    if (slot) {
        free((char *)*slot);
        *slot = v;
        return 0;
    }
    if (strcmp(key, "arg") != 0) {
        free(v);
        return -SIM_EBADINPUT;
    }
    const char **na = realloc((char **)d->c.args, (d->c.nargs + 1) * sizeof *na);
    if (!na) {
        free(v);
        return -SIM_ENOMEM;
    }
    na[d->c.nargs++] = v;
    d->c.args = na;
    return 0;
}

static int runs_line(void *ctx, size_t lineno, char *key, char *value)
{
    struct cl_dir *d = ctx;
    const char *p = key;
    size_t i;
    if (!parse_uint(&p, &i) || *p || i != lineno || !*value)
        return -SIM_EBADINPUT;
    char **nn = realloc(d->names, (d->nruns + 1) * sizeof *nn);
    if (!nn)
        return -SIM_ENOMEM;
    d->names = nn;
    if (!(nn[d->nruns] = strdup(value)))
        return -SIM_ENOMEM;
    d->nruns++;
    return 0;
}

struct tasks_ctx {
    struct cl_dir *d;
    struct cl_submission *sub;
};

static int tasks_line(void *ctx, size_t lineno, char *key, char *value)
{
    struct tasks_ctx *tc = ctx;
    struct cl_submission *s = tc->sub;
    const char *p = key;
    size_t t;
    if (!parse_uint(&p, &t) || *p || t != lineno)
        return -SIM_EBADINPUT;
    struct cl_task *nt = realloc(s->tasks, (s->ntasks + 1) * sizeof *nt);
    if (!nt)
        return -SIM_ENOMEM;
    s->tasks = nt;
    struct cl_task *task = &nt[s->ntasks];
    memset(task, 0, sizeof *task);
    int rc = cl_parse_index(value, tc->d->nruns, &task->runs, &task->nruns, NULL, 0);
    if (rc)
        return rc;
    s->ntasks++;
    return 0;
}

/* Read a file of "key<TAB>value" lines; a missing file is -SIM_ENOENT. */
static int read_lines(const char *dir, const char *name, line_fn *fn, void *ctx, char *err,
                      size_t errlen)
{
    char *p = strf("%s/%s", dir, name);
    if (!p) {
        sim_errmsg(err, errlen, "out of memory");
        return -SIM_ENOMEM;
    }
    char *text = read_whole(p, NULL);
    int rc;
    if (!text) {
        rc = errno == ENOENT ? -SIM_ENOENT : -SIM_EIO;
        sim_errmsg(err, errlen, "%s: %s", p, strerror(errno));
    } else {
        rc = each_line(text, fn, ctx);
        if (rc == -SIM_EBADINPUT || rc == -SIM_ERANGE)
            sim_errmsg(err, errlen, "%s: not as `xensim sweep --slurm` writes it", p);
        else if (rc)
            sim_errmsg(err, errlen, "out of memory");
    }
    free(text);
    free(p);
    return rc;
}

/* The status file of task t of submission s, if any. */
static void read_status(const struct cl_dir *d, struct cl_submission *s, size_t t)
{
    struct cl_task *task = &s->tasks[t];
    char *p = strf("%s/logs/s%d-t%zu.status", d->path, s->n, t);
    char *text = p ? read_whole(p, NULL) : NULL;
    free(p);
    if (!text)
        return;
    char state[16] = "", host[64] = "";
    int code = 0;
    char job[64];
    int got = sscanf(text, "%15s %d %63s %63s", state, &code, job, host);
    free(text);
    if (got < 2)
        return;
    if (!strcmp(state, "ok") && code == 0) {
        task->state = CL_TASK_OK;
    } else if (!strcmp(state, "failed")) {
        task->state = CL_TASK_FAILED;
        task->exit_code = code;
    } else {
        return;
    }
    if (got == 4)
        snprintf(task->host, sizeof task->host, "%s", host);
}

static int read_submissions(struct cl_dir *d, char *err, size_t errlen)
{
    for (int n = 1;; n++) {
        char name[64];
        snprintf(name, sizeof name, "tasks-%d.tsv", n);
        struct cl_submission *ns = realloc(d->subs, (d->nsubs + 1) * sizeof *ns);
        if (!ns) {
            sim_errmsg(err, errlen, "out of memory");
            return -SIM_ENOMEM;
        }
        d->subs = ns;
        struct cl_submission *s = &ns[d->nsubs];
        memset(s, 0, sizeof *s);
        s->n = n;
        struct tasks_ctx tc = { d, s };
        int rc = read_lines(d->path, name, tasks_line, &tc, err, errlen);
        if (rc == -SIM_ENOENT) {
            free(s->tasks);
            sim_errmsg(err, errlen, "%s", "");
            return 0;
        }
        d->nsubs++;
        if (rc)
            return rc;
        snprintf(name, sizeof name, "%s/job-%d.id", d->path, n);
        FILE *f = fopen(name, "r");
        if (f) {
            if (!fgets(s->jobid, sizeof s->jobid, f))
                s->jobid[0] = '\0';
            s->jobid[strcspn(s->jobid, "\n")] = '\0';
            fclose(f);
        }
        for (size_t t = 0; t < s->ntasks; t++) {
            read_status(d, s, t);
            s->ok += s->tasks[t].state == CL_TASK_OK;
            s->failed += s->tasks[t].state == CL_TASK_FAILED;
            s->not_reported += s->tasks[t].state == CL_TASK_NOT_REPORTED;
        }
    }
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The shards in shards/ (not the dot names of copies in flight), by name. */
static int read_shards(struct cl_dir *d, char *err, size_t errlen)
{
    char *sp = strf("%s/shards", d->path);
    if (!sp) {
        sim_errmsg(err, errlen, "out of memory");
        return -SIM_ENOMEM;
    }
    DIR *dir = opendir(sp);
    if (!dir) {
        sim_errmsg(err, errlen, "%s: %s", sp, strerror(errno));
        free(sp);
        return -SIM_EIO;
    }
    char **files = NULL;
    size_t nfiles = 0;
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(dir)) != NULL) {
        size_t l = strlen(e->d_name);
        if (e->d_name[0] == '.' || l < 4 || strcmp(e->d_name + l - 3, ".db") != 0)
            continue;
        char **nf = realloc(files, (nfiles + 1) * sizeof *nf);
        if (!nf || !(nf[nfiles] = strf("%s/%s", sp, e->d_name))) {
            if (nf)
                files = nf;
            rc = -SIM_ENOMEM;
            break;
        }
        files = nf;
        nfiles++;
    }
    closedir(dir);
    if (files)
        qsort(files, nfiles, sizeof *files, cmp_str);
    for (size_t i = 0; rc == 0 && i < nfiles; i++) {
        char msg[1024];
        if (cl_mark_present(files[i], (const char *const *)d->names, d->nruns, d->present,
                            msg, sizeof msg) == 0)
            continue;
        char **nb = realloc(d->bad_shards, (d->nbad + 1) * sizeof *nb);
        if (!nb || !(nb[d->nbad] = strdup(msg))) {
            if (nb)
                d->bad_shards = nb;
            rc = -SIM_ENOMEM;
            break;
        }
        d->bad_shards = nb;
        d->nbad++;
    }
    if (rc)
        sim_errmsg(err, errlen, "out of memory");
    for (size_t i = 0; i < nfiles; i++)
        free(files[i]);
    free(files);
    free(sp);
    return rc;
}

struct cl_dir *cl_dir_open(const char *path, char *err, size_t errlen)
{
    sim_errmsg(err, errlen, "%s", "");
    struct cl_dir *d = calloc(1, sizeof *d);
    if (!d || !(d->path = strdup(path))) {
        sim_errmsg(err, errlen, "out of memory");
        cl_dir_free(d);
        return NULL;
    }
    size_t l = strlen(d->path);
    while (l > 1 && d->path[l - 1] == '/')
        d->path[--l] = '\0';
    int rc = read_lines(d->path, "campaign.tsv", campaign_line, d, err, errlen);
    if (rc == 0 && (!d->c.name || !d->c.hash || !d->c.origin || !d->c.cwd || !d->c.xensim)) {
        sim_errmsg(err, errlen, "%s/campaign.tsv: incomplete", d->path);
        rc = -SIM_EBADINPUT;
    }
    if (rc == -SIM_ENOENT)
        sim_errmsg(err, errlen, "%s is not a campaign directory of `xensim sweep --slurm` (no "
            "campaign.tsv)", d->path);
    if (rc == 0)
        rc = read_lines(d->path, "runs.tsv", runs_line, d, err, errlen);
    if (rc == 0 && !(d->present = calloc(d->nruns + 1, sizeof *d->present))) {
        sim_errmsg(err, errlen, "out of memory");
        rc = -SIM_ENOMEM;
    }
    if (rc == 0)
        rc = read_submissions(d, err, errlen);
    if (rc == 0)
        rc = read_shards(d, err, errlen);
    if (rc) {
        cl_dir_free(d);
        return NULL;
    }
    for (size_t i = 0; i < d->nruns; i++)
        d->npresent += d->present[i];
    return d;
}

bool cl_dir_run_task(const struct cl_dir *d, size_t i, size_t *sub, size_t *task)
{
    for (size_t s = d->nsubs; s-- > 0;)
        for (size_t t = 0; t < d->subs[s].ntasks; t++) {
            const struct cl_task *tk = &d->subs[s].tasks[t];
            for (size_t k = 0; k < tk->nruns; k++)
                if (tk->runs[k] == i) {
                    *sub = s;
                    *task = t;
                    return true;
                }
        }
    return false;
}

/* ------------------------------------------------------------------------
 * Submissions
 */

int cl_job_script(const struct cl_dir *d, int sub, size_t ntasks,
                  const struct cl_submit_opts *o, char **out, char *err, size_t errlen)
{
    *out = NULL;
    if (ntasks == 0) {
        sim_errmsg(err, errlen, "a job array needs at least one task");
        return -SIM_EINVAL;
    }
    for (size_t i = 0; i < o->nsbatch; i++)
        if (strpbrk(o->sbatch_args[i], "\n\r") || o->sbatch_args[i][0] != '-') {
            sim_errmsg(err, errlen, "--sbatch-arg '%s': one sbatch option on one line, starting "
                "with '-'", o->sbatch_args[i]);
            return -SIM_EBADINPUT;
        }
    char *dirq = cl_shell_quote(d->path);
    char *xq = cl_shell_quote(d->c.xensim);
    char *oq = cl_shell_quote(d->c.origin);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = dirq && xq && oq ? open_memstream(&buf, &len) : NULL;
    if (!f) {
        free(dirq);
        free(xq);
        free(oq);
        sim_errmsg(err, errlen, "out of memory");
        return -SIM_ENOMEM;
    }
    fprintf(f, "#!/bin/sh\n"
            "# xensim campaign %s (scenario hash %s), submission %d: %zu array task%s.\n"
            "# Written by `xensim sweep --slurm` (docs/cluster.md). Array task T runs the\n"
            "# runs listed for it in tasks-%d.tsv into a shard on node-local scratch,\n"
            "# copies the shard into shards/ under a temporary name and renames it to\n"
            "# shards/s%d-tT.db, and writes logs/s%d-tT.status (\"ok 0\" or \"failed EXIT\").\n",
            d->c.name, d->c.hash, sub, ntasks, ntasks == 1 ? "" : "s", sub, sub, sub);
    fprintf(f, "#SBATCH --job-name=xensim-s%d\n", sub);
    if (o->throttle)
        fprintf(f, "#SBATCH --array=0-%zu%%%u\n", ntasks - 1, o->throttle);
    else
        fprintf(f, "#SBATCH --array=0-%zu\n", ntasks - 1);
    fprintf(f, "#SBATCH --output=%s/logs/s%d-t%%a.out\n", d->path, sub);
    fprintf(f, "#SBATCH --error=%s/logs/s%d-t%%a.err\n", d->path, sub);
    for (size_t i = 0; i < o->nsbatch; i++)
        fprintf(f, "#SBATCH %s\n", o->sbatch_args[i]);
    fprintf(f, "set -u\n"
            "dir=%s\n"
            "sub=%d\n"
            "task=${SLURM_ARRAY_TASK_ID:?not a Slurm array task (set SLURM_ARRAY_TASK_ID)}\n"
            "job=${SLURM_ARRAY_JOB_ID:?not a Slurm array task (set SLURM_ARRAY_JOB_ID)}\n"
            "status=$dir/logs/s$sub-t$task.status\n"
            "# Slurm signals every process of a cancelled or timed-out task; xensim then\n"
            "# stops, and the runs it finished are still moved out below.\n"
            "term=0\n"
            "trap 'term=1' TERM INT\n"
            "report() {\n"
            "    printf '%%s %%s %%s %%s\\n' \"$1\" \"$2\" \"$job\" \"$(uname -n)\" "
            ">\"$status.$job.tmp\" &&\n"
            "        mv -f \"$status.$job.tmp\" \"$status\"\n"
            "}\n"
            "list=\n"
            "while IFS='\t' read -r t l; do\n"
            "    if [ \"$t\" = \"$task\" ]; then list=$l; fi\n"
            "done <\"$dir/tasks-$sub.tsv\"\n"
            "if [ -z \"$list\" ]; then\n"
            "    echo \"xensim job: task $task is not in $dir/tasks-$sub.tsv\" >&2\n"
            "    report failed 2\n"
            "    exit 2\n"
            "fi\n"
            "scratch=${SLURM_TMPDIR:-${TMPDIR:-/tmp}}/xensim-$job-$task\n"
            "rm -rf \"$scratch\"\n"
            "if ! mkdir -p \"$scratch\"; then\n"
            "    report failed 2\n"
            "    exit 2\n"
            "fi\n", dirq, sub);
    int rc = 0;
    if (d->c.origin[0] != '/') {
        /* The run records the scenario path as given, as a local sweep
         * from the same directory would, and resolves traces from there. */
        char *cq = cl_shell_quote(d->c.cwd);
        if (!cq)
            rc = -SIM_ENOMEM;
        else
            fprintf(f, "if ! cd %s; then\n"
                    "    echo \"xensim job: the scenario path %s is relative to %s\" >&2\n"
                    "    report failed 2\n"
                    "    exit 2\n"
                    "fi\n", cq, oq, cq);
        free(cq);
    }
    fprintf(f, "%s sweep \"$dir/scenario.yaml\" --origin %s --index \"$list\" "
            "--db \"$scratch/shard.db\"", xq, oq);
    for (size_t i = 0; i < d->c.nargs; i++) {
        char *q = cl_shell_quote(d->c.args[i]);
        if (!q)
            rc = -SIM_ENOMEM;
        else
            fprintf(f, " %s", q);
        free(q);
    }
    fprintf(f, "\n"
            "rc=$?\n"
            "if [ -f \"$scratch/shard.db\" ]; then\n"
            "    tmp=$dir/shards/.s$sub-t$task.$job.tmp\n"
            "    if ! { cp \"$scratch/shard.db\" \"$tmp\" && "
            "mv -f \"$tmp\" \"$dir/shards/s$sub-t$task.db\"; }; then\n"
            "        echo \"xensim job: cannot move the shard into $dir/shards\" >&2\n"
            "        rm -f \"$tmp\"\n"
            "        if [ \"$rc\" -eq 0 ]; then rc=74; fi\n"
            "    fi\n"
            "fi\n"
            "rm -rf \"$scratch\"\n"
            "if [ \"$rc\" -eq 0 ] && [ \"$term\" -ne 0 ]; then rc=143; fi\n"
            "if [ \"$rc\" -eq 0 ]; then report ok 0; else report failed \"$rc\"; fi\n"
            "exit \"$rc\"\n");
    free(dirq);
    free(xq);
    free(oq);
    if (fclose(f) != 0)
        rc = -SIM_ENOMEM;
    if (rc) {
        free(buf);
        sim_errmsg(err, errlen, "out of memory");
        return rc;
    }
    *out = buf;
    return 0;
}

int cl_dir_add_submission(struct cl_dir *d, const size_t *idx, size_t n,
                          const struct cl_submit_opts *o, int *sub, size_t *ntasks,
                          char *err, size_t errlen)
{
    if (n == 0 || o->per_task == 0) {
        sim_errmsg(err, errlen, "nothing to submit");
        return -SIM_EINVAL;
    }
    int s = (int)d->nsubs + 1;
    size_t nt = (n + o->per_task - 1) / o->per_task;
    struct cl_submission *ns = realloc(d->subs, (d->nsubs + 1) * sizeof *ns);
    if (!ns) {
        sim_errmsg(err, errlen, "out of memory");
        return -SIM_ENOMEM;
    }
    d->subs = ns;
    struct cl_submission *sb = &ns[d->nsubs];
    memset(sb, 0, sizeof *sb);
    sb->n = s;
    sb->tasks = calloc(nt, sizeof *sb->tasks);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = sb->tasks ? open_memstream(&buf, &len) : NULL;
    int rc = f ? 0 : -SIM_ENOMEM;
    for (size_t t = 0; rc == 0 && t < nt; t++) {
        size_t first = t * o->per_task;
        size_t cnt = n - first < o->per_task ? n - first : o->per_task;
        struct cl_task *tk = &sb->tasks[t];
        char *spec = cl_format_index(idx + first, cnt);
        tk->runs = malloc(cnt * sizeof *tk->runs);
        if (!spec || !tk->runs) {
            free(spec);
            rc = -SIM_ENOMEM;
            break;
        }
        memcpy(tk->runs, idx + first, cnt * sizeof *tk->runs);
        tk->nruns = cnt;
        sb->ntasks++;
        fprintf(f, "%zu\t%s\n", t, spec);
        free(spec);
    }
    if (f && fclose(f) != 0)
        rc = -SIM_ENOMEM;
    if (rc)
        sim_errmsg(err, errlen, "out of memory");
    char *script = NULL;
    if (rc == 0)
        rc = cl_job_script(d, s, nt, o, &script, err, errlen);
    char tname[64], jname[64];
    snprintf(tname, sizeof tname, "tasks-%d.tsv", s);
    snprintf(jname, sizeof jname, "job-%d.sh", s);
    if (rc == 0)
        rc = write_in(d->path, jname, script, strlen(script), err, errlen);
    /* The tasks file last: a submission exists once it is there. */
    if (rc == 0)
        rc = write_in(d->path, tname, buf, len, err, errlen);
    free(script);
    free(buf);
    if (rc) {
        for (size_t t = 0; t < sb->ntasks; t++)
            free(sb->tasks[t].runs);
        free(sb->tasks);
        return rc;
    }
    char *jp = strf("%s/%s", d->path, jname);
    if (jp)
        chmod(jp, 0755);
    free(jp);
    sb->not_reported = nt;
    d->nsubs++;
    *sub = s;
    *ntasks = nt;
    return 0;
}

/* The first executable `name` on PATH, malloc'ed; NULL if none. */
static char *find_on_path(const char *name)
{
    const char *path = getenv("PATH");
    if (!path)
        return NULL;
    for (const char *p = path;;) {
        const char *end = strchr(p, ':');
        size_t l = end ? (size_t)(end - p) : strlen(p);
        char *cand = l ? strf("%.*s/%s", (int)l, p, name) : strf("./%s", name);
        if (cand && access(cand, X_OK) == 0)
            return cand;
        free(cand);
        if (!end)
            return NULL;
        p = end + 1;
    }
}

bool cl_sbatch_found(void)
{
    char *p = find_on_path("sbatch");
    free(p);
    return p != NULL;
}

int cl_sbatch(struct cl_dir *d, int sub, char *err, size_t errlen)
{
    if (sub < 1 || (size_t)sub > d->nsubs) {
        sim_errmsg(err, errlen, "no submission %d", sub);
        return -SIM_EINVAL;
    }
    char *sbatch = find_on_path("sbatch");
    if (!sbatch) {
        sim_errmsg(err, errlen, "sbatch is not on PATH (is Slurm installed here?); the job script "
            "is %s/job-%d.sh", d->path, sub);
        return -SIM_ENOENT;
    }
    char *script = strf("%s/job-%d.sh", d->path, sub);
    int fds[2] = { -1, -1 };
    if (!script || pipe(fds) != 0) {
        sim_errmsg(err, errlen, "cannot run sbatch: %s", script ? strerror(errno) : "out of memory");
        free(sbatch);
        free(script);
        return -SIM_EIO;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        if (dup2(fds[1], STDOUT_FILENO) < 0)
            _exit(127);
        close(fds[1]);
        char *argv[] = { sbatch, (char *)"--parsable", script, NULL };
        execv(sbatch, argv);
        _exit(127);
    }
    close(fds[1]);
    char out[CL_SBATCH_OUT_MAX];
    size_t have = 0;
    ssize_t got;
    while (pid > 0 && have < sizeof out - 1 &&
           ((got = read(fds[0], out + have, sizeof out - 1 - have)) > 0 ||
            (got < 0 && errno == EINTR)))
        if (got > 0)
            have += (size_t)got;
    out[have] = '\0';
    close(fds[0]);
    int status = 0;
    while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    int rc = 0;
    if (pid < 0) {
        sim_errmsg(err, errlen, "cannot run sbatch: %s", strerror(errno));
        rc = -SIM_EIO;
    } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        sim_errmsg(err, errlen, "%s --parsable %s failed (exit status %d); nothing was submitted",
            sbatch, script, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
        rc = -SIM_EIO;
    } else {
        /* "JOBID" or "JOBID;CLUSTER" */
        size_t l = strspn(out, "0123456789");
        if (l == 0 || l >= sizeof d->subs[0].jobid) {
            sim_errmsg(err, errlen, "sbatch answered '%.60s', not a job id", out);
            rc = -SIM_EIO;
        } else {
            struct cl_submission *s = &d->subs[sub - 1];
            memcpy(s->jobid, out, l);
            s->jobid[l] = '\0';
            char name[64];
            snprintf(name, sizeof name, "job-%d.id", sub);
            char line[80];
            snprintf(line, sizeof line, "%s\n", s->jobid);
            rc = write_in(d->path, name, line, strlen(line), err, errlen);
        }
    }
    free(sbatch);
    free(script);
    return rc;
}
