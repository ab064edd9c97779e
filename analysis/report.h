/*
 * analysis/report.h: `xensim report` without the command line: the runs of
 * a results database and their metrics (scalars, and statistics as count,
 * mean, stddev, min, max) written as aligned text, CSV or JSON to a FILE*
 * the caller gives.
 *
 * The database is read only through SQL (the tables and the `runs` view of
 * docs/results.md), on a read-only connection inside one read transaction,
 * so a report taken while a sweep writes sees a consistent set of runs.
 * Every selection and check happens before the first byte of the report is
 * written: a refused database or selection writes nothing.
 *
 * Formats (docs/results.md, "Reports"):
 *  - text: per run a header and two aligned tables; values whose metric
 *    name ends in _ns or is a latency (statistics, NAME:pNN) in human
 *    units (812ns, 3.40us, 1.250ms, 2.000s), "-" for NULL;
 *  - csv: RFC 4180 (CRLF, quotes doubled), a header and one row per (run,
 *    module, metric), raw numbers (shortest text that reads back to the
 *    same double), empty fields for NULL;
 *  - json: one object, runs in an array, numbers raw, NULL, NaN and
 *    infinities as null.
 *
 * JSON also carries each run's attributes and itervars. Simplified:
 * histogram bins, runConfig, vectors and parameters are not reported
 * (plots and SQL read them).
 */
#ifndef XENSIM_ANALYSIS_REPORT_H
#define XENSIM_ANALYSIS_REPORT_H

#include <stddef.h>
#include <stdio.h>

enum report_format {
    REPORT_TEXT,
    REPORT_CSV,
    REPORT_JSON,
};

/* What to report. Every filter that is given must hold (AND); within
 * runs and metrics any entry may match (OR). NULL / 0 means "all". */
struct report_opts {
    enum report_format format;
    const char *const *runs;        /* runId (decimal) or runName */
    size_t nruns;
    const char *scenario;           /* runs.scenario, exactly */
    const char *scheduler;          /* runs.scheduler, exactly */
    /* A metric matches a scalarName or statName exactly, as an SQLite GLOB
     * pattern (io_*), or as a statistic's name for its percentile scalars
     * (sched_latency selects sched_latency:p50 ... as well). */
    const char *const *metrics;
    size_t nmetrics;
};

/* "text", "csv" or "json"; -SIM_EINVAL for anything else. */
int report_parse_format(const char *name, enum report_format *out);

/* Write the report of the database at db_path to out. Errors (message in
 * err, nothing written to out unless the failure came while writing):
 *   -SIM_ENOENT   no such file, or no run (or metric) matches the selection
 *   -SIM_EIO      not readable, not an SQLite file, or writing out failed
 *   -SIM_ESCHEMA  an SQLite file that is not a xensim results database, or
 *                 one with a newer schema
 *   -SIM_EDB      an SQLite error while reading
 *   -SIM_EINVAL   bad options (NULL pointers, unknown format) */
int report_write(const char *db_path, const struct report_opts *o, FILE *out, char *err,
                 size_t errlen);

#endif
