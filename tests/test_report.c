/*
 * tests/test_report.c: analysis/report (`xensim report`) on results
 * databases made by the real run driver from a small YAML scenario (two
 * runs: bvt with seed 7, rr with seed 8) in a mkdtemp directory
 * (tests/db_util.h, tests/tmpdb.h), read back with plain SQL to know what
 * the report must say.
 *
 * What is checked:
 *   1. CSV: RFC 4180 parsed by a strict parser here; the header; 17 fields
 *      in every record; one record per (run, module, metric), as many as
 *      scalar + statistic rows; every scalar value reads back (strtod) to
 *      the exact double in the database; CRLF line ends;
 *   2. JSON: accepted by a strict RFC 8259 validator here; NULL statistics
 *      (a domain with no samples) are null; runs and metrics counted;
 *   3. text: run names and aligned tables (every row of a table has the
 *      same width), ns metrics in human units, plain counts raw;
 *   4. selection by run id, run name, scheduler, scenario and metric
 *      (exact, GLOB, statistic name with its percentiles), combined;
 *   5. awkward values (a NULL scalar, a module name with a comma, a quote
 *      and a newline, non-UTF-8 bytes) stay valid CSV and JSON;
 *   6. refusals with their codes and nothing written: no such file, not
 *      SQLite, SQLite but not xensim, a newer schema, no run matching, an
 *      unknown run or metric, an unknown format name.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "analysis/report.h"
#include "analysis/store.h"
#include "sim/err.h"
#include "sim/host/run.h"
#include "tests/check_util.h"
#include "tests/db_util.h"
#include "tests/tmpdb.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static const char scenario_yaml[] = XS_DB_SMALL_HOST("report-test");

static void setup(void)
{
    tmpdb_make("xs_report");
}

static char run_bvt[256], run_rr[256];

/* Two runs into a fresh file: bvt seed 7 and rr seed 8. */
static const char *make_db(const char *file)
{
    const char *path = tmpdb_path(file);
    const char *sets_bvt[] = { "scheduler.name=bvt" }, *sets_rr[] = { "scheduler.name=rr" };
    struct scn *s = xs_db_load("report-test.yaml", scenario_yaml, sets_bvt, 1);
    struct run_result r;
    xs_db_run(path, s, 7, 0, &r);
    snprintf(run_bvt, sizeof run_bvt, "%s", r.name);
    run_result_free(&r);
    scn_free(s);
    s = xs_db_load("report-test.yaml", scenario_yaml, sets_rr, 1);
    xs_db_run(path, s, 8, 0, &r);
    snprintf(run_rr, sizeof run_rr, "%s", r.name);
    run_result_free(&r);
    scn_free(s);
    return path;
}

/* The report as a string (caller frees); *rc gets report_write's code. */
static char *report(const char *path, const struct report_opts *o, int *rc, char *err,
                    size_t errlen)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ck_assert_ptr_nonnull(f);
    *rc = report_write(path, o, f, err, errlen);
    fclose(f);
    return buf;
}

static char *must_report(const char *path, const struct report_opts *o)
{
    char err[1024] = "";
    int rc;
    char *s = report(path, o, &rc, err, sizeof err);
    ck_assert_msg(rc == 0, "report_write: %s (%s)", sim_strerror(rc), err);
    return s;
}

static void exec_sql(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    ck_assert_msg(rc == SQLITE_OK, "%s: %s", sql, msg ? msg : "?");
    sqlite3_close(db);
}

/* ---- a strict RFC 4180 reader ---- */

#define CSV_MAXF 32
struct csv {
    size_t nrec;
    size_t nf[4096];
    char *f[4096][CSV_MAXF];
    bool crlf_only;             /* every record ended by CRLF */
};

/* Parse s; fails the test on malformed CSV. */
static struct csv *csv_parse(const char *s)
{
    struct csv *c = calloc(1, sizeof *c);
    ck_assert_ptr_nonnull(c);
    c->crlf_only = true;
    const char *p = s;
    while (*p) {
        ck_assert_uint_lt(c->nrec, N_OF(c->nf));
        size_t r = c->nrec++;
        for (;;) {
            ck_assert_uint_lt(c->nf[r], CSV_MAXF);
            char *field = malloc(strlen(p) + 1), *o = field;
            ck_assert_ptr_nonnull(field);
            if (*p == '"') {
                p++;
                for (;;) {
                    ck_assert_msg(*p, "unterminated quoted field");
                    if (*p == '"' && p[1] == '"') {
                        *o++ = '"';
                        p += 2;
                    } else if (*p == '"') {
                        p++;
                        break;
                    } else {
                        *o++ = *p++;
                    }
                }
                ck_assert_msg(*p == ',' || *p == '\r' || *p == '\n' || !*p,
                              "text after a closing quote");
            } else {
                while (*p && *p != ',' && *p != '\r' && *p != '\n') {
                    ck_assert_msg(*p != '"', "quote inside an unquoted field");
                    *o++ = *p++;
                }
            }
            *o = '\0';
            c->f[r][c->nf[r]++] = field;
            if (*p == ',') {
                p++;
                continue;
            }
            if (*p == '\r' && p[1] == '\n')
                p += 2;
            else if (*p == '\n')
                c->crlf_only = false, p++;
            else if (*p)
                ck_abort_msg("bare CR");
            else
                c->crlf_only = false;   /* last record without a line end */
            break;
        }
    }
    return c;
}

static void csv_free(struct csv *c)
{
    for (size_t r = 0; r < c->nrec; r++)
        for (size_t k = 0; k < c->nf[r]; k++)
            free(c->f[r][k]);
    free(c);
}

/* ---- a strict RFC 8259 validator ---- */

static const char *js_ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    return p;
}

static const char *js_value(const char *p, int depth);

static const char *js_string(const char *p)
{
    if (*p != '"')
        return NULL;
    for (p++; *p != '"'; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch < 0x20)
            return NULL;
        if (ch == '\\') {
            p++;
            if (*p == 'u') {
                for (int i = 1; i <= 4; i++)
                    if (!strchr("0123456789abcdefABCDEF", p[i]) || !p[i])
                        return NULL;
                p += 4;
            } else if (!*p || !strchr("\"\\/bfnrt", *p)) {
                return NULL;
            }
        }
    }
    return p + 1;
}

static const char *js_number(const char *p)
{
    if (*p == '-')
        p++;
    if (*p == '0')
        p++;
    else if (*p >= '1' && *p <= '9')
        while (*p >= '0' && *p <= '9')
            p++;
    else
        return NULL;
    if (*p == '.') {
        p++;
        if (!(*p >= '0' && *p <= '9'))
            return NULL;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!(*p >= '0' && *p <= '9'))
            return NULL;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    return p;
}

static const char *js_value(const char *p, int depth)
{
    if (depth > 64)
        return NULL;
    p = js_ws(p);
    if (*p == '{' || *p == '[') {
        char close = *p == '{' ? '}' : ']';
        bool obj = *p == '{';
        p = js_ws(p + 1);
        if (*p == close)
            return p + 1;
        for (;;) {
            if (obj) {
                p = js_string(js_ws(p));
                if (!p)
                    return NULL;
                p = js_ws(p);
                if (*p++ != ':')
                    return NULL;
            }
            p = js_value(p, depth + 1);
            if (!p)
                return NULL;
            p = js_ws(p);
            if (*p == ',') {
                p++;
                continue;
            }
            return *p == close ? p + 1 : NULL;
        }
    }
    if (*p == '"')
        return js_string(p);
    if (!strncmp(p, "true", 4))
        return p + 4;
    if (!strncmp(p, "false", 5))
        return p + 5;
    if (!strncmp(p, "null", 4))
        return p + 4;
    return js_number(p);
}

static bool json_valid(const char *s)
{
    const char *p = js_value(s, 0);
    return p && *js_ws(p) == '\0';
}

static size_t count_sub(const char *s, const char *sub)
{
    size_t n = 0;
    for (const char *p = s; (p = strstr(p, sub)) != NULL; p += strlen(sub))
        n++;
    return n;
}

/* ---- the validator and reader themselves ---- */

START_TEST(test_validators)
{
    static const char *const good[] = { "{}", "[]", "{\"a\": [1, -2.5e3, null, true]}",
                                        "\"\\u00e9\"", " 0 " };
    static const char *const bad[] = { "{", "[1,]", "{\"a\" 1}", "nan", "inf", "01",
                                       "\"a\nb\"", "{} x", "[1.]", "'a'" };
    for (size_t i = 0; i < N_OF(good); i++)
        ck_assert_msg(json_valid(good[i]), "%s", good[i]);
    for (size_t i = 0; i < N_OF(bad); i++)
        ck_assert_msg(!json_valid(bad[i]), "%s", bad[i]);
    struct csv *c = csv_parse("a,\"b,\"\"c\"\"\",\r\n\"x\r\ny\",,z\r\n");
    ck_assert_uint_eq(c->nrec, 2);
    ck_assert_uint_eq(c->nf[0], 3);
    ck_assert_str_eq(c->f[0][1], "b,\"c\"");
    ck_assert_str_eq(c->f[0][2], "");
    ck_assert_str_eq(c->f[1][0], "x\r\ny");
    ck_assert(c->crlf_only);
    csv_free(c);
}
END_TEST

/* ---- formats ---- */

START_TEST(test_csv)
{
    const char *path = make_db("csv.db");
    struct report_opts o = { .format = REPORT_CSV };
    char *out = must_report(path, &o);
    struct csv *c = csv_parse(out);
    ck_assert(c->crlf_only);
    static const char *const header[] = {
        "runId", "runName", "scenario", "scenario_hash", "scheduler", "seed", "replication",
        "sweep_point", "module", "metric", "kind", "value", "count", "mean", "stddev", "min",
        "max",
    };
    ck_assert_uint_eq(c->nf[0], N_OF(header));
    for (size_t k = 0; k < N_OF(header); k++)
        ck_assert_str_eq(c->f[0][k], header[k]);
    sqlite3 *db = xs_db_open_ro(path);
    int64_t rows = xs_db_count(db, "SELECT (SELECT count(*) FROM scalar) + "
                               "(SELECT count(*) FROM statistic)");
    ck_assert_int_gt(rows, 20);
    ck_assert_uint_eq(c->nrec, (size_t)rows + 1);
    size_t nscalar = 0, nstat = 0, nbvt = 0;
    for (size_t r = 1; r < c->nrec; r++) {
        ck_assert_uint_eq(c->nf[r], N_OF(header));
        ck_assert_str_eq(c->f[r][2], "report-test");
        const char *run = c->f[r][1];
        ck_assert(!strcmp(run, run_bvt) || !strcmp(run, run_rr));
        nbvt += !strcmp(run, run_bvt);
        ck_assert_str_eq(c->f[r][4], !strcmp(run, run_bvt) ? "bvt" : "rr");
        ck_assert_str_eq(c->f[r][5], !strcmp(run, run_bvt) ? "7" : "8");
        if (!strcmp(c->f[r][10], "scalar")) {
            nscalar++;
            bool present;
            double want = xs_db_scalar(db, run, c->f[r][8], c->f[r][9], &present);
            ck_assert(present);
            if (isnan(want)) {
                ck_assert_str_eq(c->f[r][11], "");
            } else {
                char *end;
                double got = strtod(c->f[r][11], &end);
                ck_assert_msg(*end == '\0' && got == want, "%s %s.%s: '%s' != %.17g", run,
                              c->f[r][8], c->f[r][9], c->f[r][11], want);
            }
            for (int k = 12; k <= 16; k++)
                ck_assert_str_eq(c->f[r][k], "");
        } else {
            ck_assert_str_eq(c->f[r][10], "statistic");
            nstat++;
            ck_assert_str_eq(c->f[r][11], "");
            double cnt = xs_db_must_stat(db, run, c->f[r][8], c->f[r][9], "statCount");
            ck_assert_double_eq(strtod(c->f[r][12], NULL), cnt);
            double mean = xs_db_must_stat(db, run, c->f[r][8], c->f[r][9], "statMean");
            if (cnt == 0)
                ck_assert_str_eq(c->f[r][13], "");
            else
                ck_assert_double_eq(strtod(c->f[r][13], NULL), mean);
        }
    }
    ck_assert_int_eq((int64_t)nscalar, xs_db_count(db, "SELECT count(*) FROM scalar"));
    ck_assert_int_eq((int64_t)nstat, xs_db_count(db, "SELECT count(*) FROM statistic"));
    char sql[1024];
    snprintf(sql, sizeof sql, "SELECT (SELECT count(*) FROM scalar JOIN run USING (runId) "
             "WHERE runName = '%s') + (SELECT count(*) FROM statistic JOIN run USING (runId) "
             "WHERE runName = '%s')", run_bvt, run_bvt);
    ck_assert_int_eq((int64_t)nbvt, xs_db_count(db, sql));
    sqlite3_close(db);
    csv_free(c);
    free(out);
}
END_TEST

START_TEST(test_json)
{
    const char *path = make_db("json.db");
    struct report_opts o = { .format = REPORT_JSON };
    char *out = must_report(path, &o);
    ck_assert_msg(json_valid(out), "invalid JSON:\n%s", out);
    sqlite3 *db = xs_db_open_ro(path);
    ck_assert_uint_eq(count_sub(out, "\"runName\": "), 2);
    ck_assert_uint_eq(count_sub(out, "\"value\": "),
                      (size_t)xs_db_count(db, "SELECT count(*) FROM scalar"));
    ck_assert_uint_eq(count_sub(out, "\"stddev\": "),
                      (size_t)xs_db_count(db, "SELECT count(*) FROM statistic"));
    /* The hogs never wake: sched_latency has no samples, so no mean. */
    ck_assert_int_gt(xs_db_count(db, "SELECT count(*) FROM statistic WHERE statMean IS NULL"),
                     0);
    ck_assert_ptr_nonnull(strstr(out, "\"count\": 0, \"mean\": null"));
    ck_assert_ptr_nonnull(strstr(out, run_bvt));
    ck_assert_ptr_nonnull(strstr(out, "\"attributes\": {"));
    ck_assert_ptr_nonnull(strstr(out, "\"scheduler\": \"rr\""));
    ck_assert_ptr_null(strstr(out, "nan"));
    ck_assert_ptr_null(strstr(out, "inf"));
    sqlite3_close(db);
    free(out);
}
END_TEST

/* Every line of each table block (between blank lines, after the run
 * header) has the same width: the columns are aligned. */
START_TEST(test_text)
{
    const char *path = make_db("text.db");
    struct report_opts o = { .format = REPORT_TEXT };
    char *out = must_report(path, &o);
    ck_assert_ptr_nonnull(strstr(out, run_bvt));
    ck_assert_ptr_nonnull(strstr(out, run_rr));
    ck_assert_ptr_nonnull(strstr(out, ": 2 runs\n"));
    size_t tables = 0, width = 0, lines = 0;
    bool in_table = false;
    char *save = NULL;
    for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (!strncmp(line, "  module ", 9)) {
            in_table = true;
            tables++;
            width = strlen(line);
            continue;
        }
        if (in_table && !strncmp(line, "    ", 4)) {
            in_table = false;   /* not a table row */
        } else if (in_table && line[0] == ' ' && line[1] == ' ' && line[2] != ' ') {
            ck_assert_msg(strlen(line) == width, "misaligned: '%s' (%zu, header %zu)", line,
                          strlen(line), width);
            lines++;
            /* Units: times in human units, counts raw. */
            if (strstr(line, " cpu_time_ns "))
                ck_assert_msg(line[strlen(line) - 1] == 's', "%s", line);
            if (strstr(line, " dispatches "))
                ck_assert_msg(strspn(strrchr(line, ' ') + 1, "0123456789") ==
                              strlen(strrchr(line, ' ') + 1), "%s", line);
        } else {
            in_table = false;
        }
    }
    ck_assert_uint_eq(tables, 4);       /* scalars and statistics of two runs */
    ck_assert_uint_gt(lines, 40);
    free(out);
}
END_TEST

START_TEST(test_text_units)
{
    const char *path = make_db("units.db");
    const char *metrics[] = { "cpu_time_ns" };
    const char *runs[] = { run_bvt };
    struct report_opts o = { .format = REPORT_TEXT, .metrics = metrics, .nmetrics = 1,
                             .runs = runs, .nruns = 1 };
    char *out = must_report(path, &o);
    sqlite3 *db = xs_db_open_ro(path);
    double ns = xs_db_must_scalar(db, run_bvt, "probe", "cpu_time_ns");
    sqlite3_close(db);
    ck_assert(ns >= 1e6 && ns < 1e9);
    char want[64];
    snprintf(want, sizeof want, "%.3fms\n", ns / 1e6);
    ck_assert_msg(strstr(out, want), "no '%s' in:\n%s", want, out);
    free(out);
}
END_TEST

/* ---- selection ---- */

static size_t csv_records(const char *path, const struct report_opts *in)
{
    struct report_opts o = *in;
    o.format = REPORT_CSV;
    char *out = must_report(path, &o);
    struct csv *c = csv_parse(out);
    size_t n = c->nrec - 1;
    csv_free(c);
    free(out);
    return n;
}

START_TEST(test_select)
{
    const char *path = make_db("select.db");
    sqlite3 *db = xs_db_open_ro(path);
    int64_t all = xs_db_count(db, "SELECT (SELECT count(*) FROM scalar) + "
                              "(SELECT count(*) FROM statistic)");
    char sql[1024];
    snprintf(sql, sizeof sql, "SELECT (SELECT count(*) FROM scalar JOIN run USING (runId) "
             "WHERE runName = '%s') + (SELECT count(*) FROM statistic JOIN run USING (runId) "
             "WHERE runName = '%s')", run_rr, run_rr);
    int64_t rr = xs_db_count(db, sql);
    snprintf(sql, sizeof sql, "SELECT runId FROM run WHERE runName = '%s'", run_rr);
    char rr_id[32];
    snprintf(rr_id, sizeof rr_id, "%lld", (long long)xs_db_count(db, sql));
    int64_t shares = xs_db_count(db, "SELECT count(*) FROM scalar WHERE scalarName = "
                                 "'cpu_share'");
    int64_t ns = xs_db_count(db, "SELECT count(*) FROM scalar WHERE scalarName GLOB '*_ns'");
    int64_t lat = xs_db_count(db, "SELECT (SELECT count(*) FROM scalar WHERE scalarName "
                              "LIKE 'sched_latency:p%') + (SELECT count(*) FROM statistic "
                              "WHERE statName = 'sched_latency')");
    sqlite3_close(db);

    struct report_opts o = { 0 };
    ck_assert_uint_eq(csv_records(path, &o), (size_t)all);
    const char *by_name[] = { run_rr }, *by_id[] = { rr_id }, *both[] = { run_bvt, rr_id };
    o = (struct report_opts){ .runs = by_name, .nruns = 1 };
    ck_assert_uint_eq(csv_records(path, &o), (size_t)rr);
    o = (struct report_opts){ .runs = by_id, .nruns = 1 };
    ck_assert_uint_eq(csv_records(path, &o), (size_t)rr);
    o = (struct report_opts){ .runs = both, .nruns = 2 };
    ck_assert_uint_eq(csv_records(path, &o), (size_t)all);
    o = (struct report_opts){ .scheduler = "rr" };
    ck_assert_uint_eq(csv_records(path, &o), (size_t)rr);
    o = (struct report_opts){ .scenario = "report-test" };
    ck_assert_uint_eq(csv_records(path, &o), (size_t)all);
    const char *m_share[] = { "cpu_share" }, *m_ns[] = { "*_ns" },
               *m_lat[] = { "sched_latency" }, *m_two[] = { "cpu_share", "*_ns" };
    o = (struct report_opts){ .metrics = m_share, .nmetrics = 1 };
    ck_assert_uint_eq(csv_records(path, &o), (size_t)shares);
    o = (struct report_opts){ .metrics = m_ns, .nmetrics = 1 };
    ck_assert_uint_eq(csv_records(path, &o), (size_t)ns);
    o = (struct report_opts){ .metrics = m_lat, .nmetrics = 1 };
    ck_assert_uint_eq(csv_records(path, &o), (size_t)lat);
    o = (struct report_opts){ .metrics = m_two, .nmetrics = 2 };
    ck_assert_uint_eq(csv_records(path, &o), (size_t)(shares + ns));
    /* Filters combine: rr's cpu_share rows are half of them (same domains). */
    o = (struct report_opts){ .metrics = m_share, .nmetrics = 1, .scheduler = "rr" };
    ck_assert_uint_eq(2 * csv_records(path, &o), (size_t)shares);
}
END_TEST

/* ---- awkward values ---- */

START_TEST(test_awkward_values)
{
    const char *path = make_db("awkward.db");
    exec_sql(path, "UPDATE scalar SET scalarValue = NULL WHERE scalarName = 'cpu_share';"
                   "UPDATE scalar SET moduleName = 'a,b\"c' || char(10) || 'd' "
                   "WHERE moduleName = 'probe';"
                   "UPDATE statistic SET moduleName = 'x' || char(9) || CAST(X'FF' AS TEXT) "
                   "WHERE moduleName = 'dom0';");
    struct report_opts o = { .format = REPORT_CSV };
    char *out = must_report(path, &o);
    struct csv *c = csv_parse(out);
    size_t odd = 0, nulls = 0;
    for (size_t r = 1; r < c->nrec; r++) {
        ck_assert_uint_eq(c->nf[r], 17);
        odd += !strcmp(c->f[r][8], "a,b\"c\nd");
        if (!strcmp(c->f[r][9], "cpu_share")) {
            ck_assert_str_eq(c->f[r][11], "");
            nulls++;
        }
    }
    ck_assert_uint_gt(odd, 0);
    ck_assert_uint_gt(nulls, 0);
    csv_free(c);
    free(out);

    o.format = REPORT_JSON;
    out = must_report(path, &o);
    ck_assert_msg(json_valid(out), "invalid JSON:\n%s", out);
    ck_assert_ptr_nonnull(strstr(out, "\"a,b\\\"c\\nd\""));
    ck_assert_ptr_nonnull(strstr(out, "\"x\\t\\ufffd\""));
    ck_assert_ptr_nonnull(strstr(out, "\"name\": \"cpu_share\", \"value\": null"));
    free(out);

    o.format = REPORT_TEXT;
    out = must_report(path, &o);
    ck_assert_ptr_nonnull(strstr(out, "cpu_share  "));
    free(out);
}
END_TEST

/* ---- refusals ---- */

static void expect_refusal(const char *path, const struct report_opts *o, int code,
                           const char *msg_part)
{
    char err[1024] = "";
    int rc;
    char *out = report(path, o, &rc, err, sizeof err);
    ck_assert_msg(rc == code, "%s: got %d (%s), want %d", path, rc, err, code);
    ck_assert_msg(strstr(err, msg_part), "message '%s' lacks '%s'", err, msg_part);
    ck_assert_msg(!out || !*out, "a refused report wrote: %s", out);
    free(out);
}

START_TEST(test_refusals)
{
    struct report_opts o = { 0 };
    expect_refusal(tmpdb_path("missing.db"), &o, -SIM_ENOENT, "no such file");

    const char *garbage = tmpdb_path("garbage.db");
    FILE *f = fopen(garbage, "w");
    ck_assert_ptr_nonnull(f);
    for (int i = 0; i < 2000; i++)
        fputs("this is not a database ", f);
    fclose(f);
    expect_refusal(garbage, &o, -SIM_EIO, "not an SQLite database");

    const char *foreign = tmpdb_path("foreign.db");
    exec_sql(foreign, "CREATE TABLE t (x)");
    expect_refusal(foreign, &o, -SIM_ESCHEMA, "not a xensim results database");

    const char *path = make_db("refuse.db");
    const char *newer = tmpdb_path("newer.db");
    exec_sql(newer, "CREATE TABLE run (x); PRAGMA user_version = 2");
    expect_refusal(newer, &o, -SIM_ESCHEMA, "version 2 is newer than version 1");

    o = (struct report_opts){ .scheduler = "atropos" };
    expect_refusal(path, &o, -SIM_ENOENT, "no runs match the selection: --scheduler atropos");
    o = (struct report_opts){ .scenario = "other" };
    expect_refusal(path, &o, -SIM_ENOENT, "no runs match");
    const char *bad_run[] = { "no-such-run" }, *bad_metric[] = { "no_such_metric" };
    o = (struct report_opts){ .runs = bad_run, .nruns = 1 };
    expect_refusal(path, &o, -SIM_ENOENT, "no run with id or name 'no-such-run'");
    o = (struct report_opts){ .metrics = bad_metric, .nmetrics = 1 };
    expect_refusal(path, &o, -SIM_ENOENT, "no metric 'no_such_metric'");
    o = (struct report_opts){ .format = (enum report_format)7 };
    expect_refusal(path, &o, -SIM_EINVAL, "format");

    const char *empty = tmpdb_path("empty.db");
    char err[512];
    struct store *st = store_open(empty, err, sizeof err);
    ck_assert_ptr_nonnull(st);
    store_close(st);
    o = (struct report_opts){ 0 };
    expect_refusal(empty, &o, -SIM_ENOENT, "the database has no runs");

    enum report_format fmtv;
    ck_assert_int_eq(report_parse_format("csv", &fmtv), 0);
    ck_assert_int_eq(fmtv, REPORT_CSV);
    ck_assert_int_eq(report_parse_format("json", &fmtv), 0);
    ck_assert_int_eq(fmtv, REPORT_JSON);
    ck_assert_int_eq(report_parse_format("text", &fmtv), 0);
    ck_assert_int_eq(fmtv, REPORT_TEXT);
    ck_assert_int_eq(report_parse_format("xml", &fmtv), -SIM_EINVAL);
}
END_TEST

static Suite *report_suite(void)
{
    Suite *s = suite_create("report");
    TCase *tc = xs_tcase(s, "report", 60);
    tcase_add_unchecked_fixture(tc, setup, tmpdb_remove);
    tcase_add_test(tc, test_validators);
    tcase_add_test(tc, test_csv);
    tcase_add_test(tc, test_json);
    tcase_add_test(tc, test_text);
    tcase_add_test(tc, test_text_units);
    tcase_add_test(tc, test_select);
    tcase_add_test(tc, test_awkward_values);
    tcase_add_test(tc, test_refusals);
    return s;
}

XS_CHECK_MAIN(report_suite)
