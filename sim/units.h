/*
 * sim/units.h: quantities with units, as written in scenario files.
 *
 * Every quantity that has a unit must carry one ("10ms", "64KiB", "1Gbit/s",
 * "2.4GHz"); a bare number is an error, so that a scenario never silently
 * means microseconds where the author meant milliseconds. Values are parsed
 * exactly with integer arithmetic (no binary floating point), so "0.1ms" is
 * exactly 100000 ns, and converted to one base unit per kind:
 *
 *   time       ns        units: ns us ms s, and cycles where allowed
 *   size       bytes     units: B KiB MiB GiB TiB (1024-based) KB MB GB TB (1000-based)
 *   rate       bit/s     units: bit/s Kbit/s Mbit/s Gbit/s B/s KB/s MB/s GB/s (1000-based)
 *   frequency  Hz        units: Hz kHz MHz GHz
 *
 * A value must be a whole number of base units after scaling ("0.5ns" is
 * refused), non-negative unless the caller allows a sign, and fit in int64.
 * Units are case-sensitive, as listed; a near miss gets a suggestion. One
 * space between number and unit is tolerated ("10 ms"). unit_parse may be
 * given a NULL out to validate only.
 */
#ifndef XENSIM_SIM_UNITS_H
#define XENSIM_SIM_UNITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum unit_kind {
    UNIT_TIME,          /* ns (or cycles, see UNIT_ALLOW_CYCLES) */
    UNIT_SIZE,          /* bytes */
    UNIT_RATE,          /* bits per second */
    UNIT_FREQ,          /* Hz */
};

/* Flags for unit_parse(). */
#define UNIT_ALLOW_CYCLES   0x1u    /* time may be given in cycles */
#define UNIT_ALLOW_NEGATIVE 0x2u    /* a leading '-' is accepted */

struct quantity {
    int64_t value;      /* in the kind's base unit, or in cycles if is_cycles */
    bool is_cycles;     /* UNIT_TIME only: value counts CPU cycles, not ns */
};

/* Why a parse failed: a message (no location) and the byte offset within the
 * input where the problem starts, for a caret. */
struct unit_err {
    size_t pos;
    char msg[200];
};

/*
 * Parse s[0..len) as a quantity of the given kind. Returns 0 and fills *out,
 * or -SIM_EBADINPUT and fills *err (if err is not NULL). s need not be
 * NUL-terminated.
 */
int unit_parse(const char *s, size_t len, enum unit_kind kind, unsigned flags,
               struct quantity *out, struct unit_err *err);

/* Name of a kind for messages: "time", "size", "rate", "frequency". */
const char *unit_kind_name(enum unit_kind kind);

/* An example value for messages, e.g. "10ms", and the list of unit names. */
const char *unit_kind_example(enum unit_kind kind);
const char *unit_kind_units(enum unit_kind kind);

/*
 * A time-or-cycles quantity in ns: cycles are converted at hz (a CPU's
 * nominal frequency), rounded to nearest; saturates at INT64_MAX. hz > 0.
 */
int64_t unit_cost_ns(const struct quantity *q, int64_t hz);

/*
 * Format a base-unit value with the largest unit that keeps it exact, e.g.
 * 5000000 ns -> "5ms", 1536 B -> "1536B" or "1.5KiB"; writes at most n bytes
 * including the NUL and returns buf.
 */
char *unit_format(int64_t value, enum unit_kind kind, char *buf, size_t n);

/* A duration in ns for a table, to about three digits: "812ns", "3.4us",
 * "1.25ms", "2.000s" (negative ones alike); "-" for NaN. Returns buf. */
char *unit_format_time(double ns, char *buf, size_t n);

#endif
