/*
 * sim/units.c: exact parsing and formatting of quantities with units.
 *
 * Source of facts: DESIGN.md section 4 (the unit names of the scenario
 * language) and sim/units.h (the contract). The number is parsed as a
 * decimal string and multiplied by the unit's factor digit by digit, so a
 * value is exact whatever its number of digits and no binary floating point
 * is involved ("0.1ms" is 100000 ns, not 99999.99...).
 *
 * Simplified: no exponent notation (1e3), no thousands separators, no '+'
 * sign; units are case-sensitive. Beyond the list in sim/units.h, "GB/s" is
 * accepted as a rate, because the byte-based rates otherwise stop at MB/s and
 * the nearest-name suggestion for "GB/s" would be "MB/s", a thousand times
 * off. Suggestions for unknown units come from a small table of common
 * spellings (Mbps, msec, ...), then a case-insensitive match, then edit
 * distance.
 */
#include "sim/units.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sim/err.h"

struct unit_def {
    const char *name;
    uint64_t factor;            /* base units per unit (ns, B, bit/s, Hz) */
};

static const struct unit_def time_units[] = {
    { "ns", 1 }, { "us", 1000 }, { "ms", 1000000 }, { "s", 1000000000 },
};
static const struct unit_def cycle_units[] = {
    { "cycles", 1 },
};
static const struct unit_def size_units[] = {
    { "B", 1 }, { "KiB", 1024 }, { "MiB", 1048576 }, { "GiB", 1073741824 },
    { "TiB", 1099511627776 },
    { "KB", 1000 }, { "MB", 1000000 }, { "GB", 1000000000 },
    { "TB", 1000000000000 },
};
static const struct unit_def rate_units[] = {
    { "bit/s", 1 }, { "Kbit/s", 1000 }, { "Mbit/s", 1000000 },
    { "Gbit/s", 1000000000 }, { "B/s", 8 }, { "KB/s", 8000 },
    { "MB/s", 8000000 }, { "GB/s", 8000000000 },
};
static const struct unit_def freq_units[] = {
    { "Hz", 1 }, { "kHz", 1000 }, { "MHz", 1000000 }, { "GHz", 1000000000 },
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Output uses only these, largest first: one family per kind, so that a
 * formatted value reads the same way everywhere (sizes are 1024-based). */
static const struct unit_def time_out[] = {
    { "s", 1000000000 }, { "ms", 1000000 }, { "us", 1000 }, { "ns", 1 },
};
static const struct unit_def size_out[] = {
    { "TiB", 1099511627776 }, { "GiB", 1073741824 }, { "MiB", 1048576 }, { "KiB", 1024 }, { "B", 1 },
};
static const struct unit_def rate_out[] = {
    { "Gbit/s", 1000000000 }, { "Mbit/s", 1000000 }, { "Kbit/s", 1000 },
    { "bit/s", 1 },
};
static const struct unit_def freq_out[] = {
    { "GHz", 1000000000 }, { "MHz", 1000000 }, { "kHz", 1000 }, { "Hz", 1 },
};

struct kind_info {
    const char *name;
    const char *example;
    const char *units;          /* for messages, without cycles */
    const char *base;           /* base unit for "not a whole number of ..." */
    const struct unit_def *in;
    size_t n_in;
    const struct unit_def *out;
    size_t n_out;
};

static const struct kind_info kinds[] = {
    [UNIT_TIME] = { "time", "10ms", "ns, us, ms, s", "ns",
                    time_units, NELEM(time_units), time_out, NELEM(time_out) },
    [UNIT_SIZE] = { "size", "64KiB", "B, KiB, MiB, GiB, TiB, KB, MB, GB, TB",
                    "bytes",
                    size_units, NELEM(size_units), size_out, NELEM(size_out) },
    [UNIT_RATE] = { "rate", "1Gbit/s",
                    "bit/s, Kbit/s, Mbit/s, Gbit/s, B/s, KB/s, MB/s, GB/s",
                    "bit/s", rate_units, NELEM(rate_units),
                    rate_out, NELEM(rate_out) },
    [UNIT_FREQ] = { "frequency", "2.4GHz", "Hz, kHz, MHz, GHz", "Hz",
                    freq_units, NELEM(freq_units), freq_out, NELEM(freq_out) },
};

/* Common spellings that are not units here, and what the author most likely
 * meant. A lower-case 'b' in a rate means bits by convention (Mb/s, Mbps). */
static const struct {
    const char *alias;
    const char *unit;
} unit_aliases[] = {
    { "sec", "s" }, { "secs", "s" }, { "second", "s" }, { "seconds", "s" },
    { "msec", "ms" }, { "msecs", "ms" }, { "millisecond", "ms" },
    { "milliseconds", "ms" },
    { "usec", "us" }, { "usecs", "us" }, { "\xc2\xb5s", "us" },
    { "\xce\xbcs", "us" }, { "microsecond", "us" }, { "microseconds", "us" },
    { "nsec", "ns" }, { "nsecs", "ns" }, { "nanosecond", "ns" },
    { "nanoseconds", "ns" },
    { "cycle", "cycles" }, { "cyc", "cycles" },
    { "byte", "B" }, { "bytes", "B" },
    { "bps", "bit/s" }, { "b/s", "bit/s" },
    { "kbps", "Kbit/s" }, { "Kbps", "Kbit/s" }, { "kb/s", "Kbit/s" },
    { "Kb/s", "Kbit/s" },
    { "mbps", "Mbit/s" }, { "Mbps", "Mbit/s" }, { "mb/s", "Mbit/s" },
    { "Mb/s", "Mbit/s" },
    { "gbps", "Gbit/s" }, { "Gbps", "Gbit/s" }, { "gb/s", "Gbit/s" },
    { "Gb/s", "Gbit/s" },
    { "Bps", "B/s" }, { "KBps", "KB/s" }, { "MBps", "MB/s" },
    { "GBps", "GB/s" },
};

/* Longest input echoed back in a message; keeps every message well inside
 * struct unit_err.msg. */
#define QUOTE_MAX 40

/* Tokens longer than this get no edit-distance suggestion. */
#define SUGGEST_MAX 24

/* After trailing zeros are dropped, a fraction with more digits than this
 * can never scale to a whole number: the factors hold at most 2^40 (TiB)
 * and 5^12 (TB), and a fraction of F digits needs 2^F and 5^F. */
#define FRAC_DIGITS_MAX 40

/* An integer part with more significant digits than this exceeds 2^63. */
#define INT_DIGITS_MAX 20

static bool kind_valid(enum unit_kind kind)
{
    return (unsigned)kind < NELEM(kinds);
}

const char *unit_kind_name(enum unit_kind kind)
{
    return kind_valid(kind) ? kinds[kind].name : "quantity";
}

const char *unit_kind_example(enum unit_kind kind)
{
    return kind_valid(kind) ? kinds[kind].example : "?";
}

const char *unit_kind_units(enum unit_kind kind)
{
    return kind_valid(kind) ? kinds[kind].units : "";
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '\v';
}

static bool starts_unit(char c)
{
    unsigned char u = (unsigned char)c;
    /* Non-ASCII bytes are let through so that "µs" reaches the alias table. */
    return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || u >= 0x80;
}

static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static bool tok_eq(const char *t, size_t n, const char *name)
{
    return strlen(name) == n && memcmp(t, name, n) == 0;
}

static bool tok_eq_nocase(const char *t, size_t n, const char *name)
{
    if (strlen(name) != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (lower(t[i]) != lower(name[i]))
            return false;
    return true;
}

static const struct unit_def *find_unit(const struct unit_def *tab, size_t n,
                                        const char *t, size_t tn)
{
    for (size_t i = 0; i < n; i++)
        if (tok_eq(t, tn, tab[i].name))
            return &tab[i];
    return NULL;
}

static size_t edit_distance(const char *a, size_t na, const char *b)
{
    size_t nb = strlen(b);
    size_t row[SUGGEST_MAX + 2];

    if (na > SUGGEST_MAX || nb > SUGGEST_MAX)
        return (size_t)-1;
    for (size_t j = 0; j <= nb; j++)
        row[j] = j;
    for (size_t i = 1; i <= na; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= nb; j++) {
            size_t up = row[j];
            size_t best = diag + (lower(a[i - 1]) != lower(b[j - 1]));
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[nb];
}

/* The candidate units of a parse: the kind's own, plus cycles if allowed. */
struct cands {
    const struct unit_def *tab[2];
    size_t n[2];
};

static void get_cands(enum unit_kind kind, unsigned flags, struct cands *c)
{
    c->tab[0] = kinds[kind].in;
    c->n[0] = kinds[kind].n_in;
    c->tab[1] = cycle_units;
    c->n[1] = (kind == UNIT_TIME && (flags & UNIT_ALLOW_CYCLES)) ? 1 : 0;
}

static const char *cand_named(const struct cands *c, const char *name)
{
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < c->n[k]; i++)
            if (strcmp(c->tab[k][i].name, name) == 0)
                return c->tab[k][i].name;
    return NULL;
}

/*
 * The unit the author most likely meant, or NULL. Edits ignore case, which
 * the author most often got wrong. Short tokens only get a suggestion one
 * edit away, and never one that the edit would rewrite entirely ("x" is one
 * edit from "s", which says nothing).
 */
static const char *suggest(const struct cands *c, const char *t, size_t tn)
{
    for (size_t i = 0; i < NELEM(unit_aliases); i++) {
        if (tok_eq(t, tn, unit_aliases[i].alias)) {
            const char *u = cand_named(c, unit_aliases[i].unit);
            if (u)
                return u;
        }
    }
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < c->n[k]; i++)
            if (tok_eq_nocase(t, tn, c->tab[k][i].name))
                return c->tab[k][i].name;

    size_t limit = tn <= 3 ? 1 : 2;
    const char *best = NULL;
    size_t best_d = limit + 1;
    for (int k = 0; k < 2; k++) {
        for (size_t i = 0; i < c->n[k]; i++) {
            const char *name = c->tab[k][i].name;
            size_t d = edit_distance(t, tn, name);
            if (d < best_d && d < strlen(name)) {
                best = name;
                best_d = d;
            }
        }
    }
    return best;
}

/* A piece of the input for a message: at most QUOTE_MAX bytes, then "...". */
struct quote {
    int len;
    const char *s;
    const char *ellipsis;
};

static struct quote quote(const char *s, size_t n)
{
    struct quote q = { QUOTE_MAX, s, "..." };
    if (n <= QUOTE_MAX) {
        q.len = (int)n;
        q.ellipsis = "";
    }
    return q;
}

#define Q_FMT "%.*s%s"
#define Q_ARG(q) (q).len, (q).s, (q).ellipsis

static int fail(struct unit_err *err, size_t pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Fills *err (if any) and returns -SIM_EBADINPUT, so a check is one line. */
static int fail(struct unit_err *err, size_t pos, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        err->pos = pos;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return -SIM_EBADINPUT;
}

static const char *cycles_units_suffix(enum unit_kind kind, unsigned flags)
{
    return (kind == UNIT_TIME && (flags & UNIT_ALLOW_CYCLES)) ? ", cycles" : "";
}

/* Which kind, other than `kind`, has a unit spelled exactly t[0..tn)? */
static const char *other_kind_of(enum unit_kind kind, const char *t, size_t tn)
{
    for (size_t k = 0; k < NELEM(kinds); k++) {
        if (k == (size_t)kind)
            continue;
        if (find_unit(kinds[k].in, kinds[k].n_in, t, tn))
            return kinds[k].name;
    }
    return NULL;
}

enum scale_result { SCALE_OK, SCALE_NOT_WHOLE, SCALE_TOO_LARGE };

/*
 * value = digits(int part . frac part) * factor, exactly, with |value| at
 * most `limit`. The significant digits are multiplied by the factor as a
 * decimal string; the product's last F digits (F = fraction digits) must be
 * zero for the value to be whole, and the rest is the result.
 */
static enum scale_result scale(const char *ip, size_t ni, const char *fp,
                               size_t nf, uint64_t factor, uint64_t limit,
                               uint64_t *out)
{
    unsigned char d[INT_DIGITS_MAX + FRAC_DIGITS_MAX];
    unsigned char prod[INT_DIGITS_MAX + FRAC_DIGITS_MAX + 24];
    size_t nd = 0, np = 0;

    while (ni > 0 && *ip == '0') {
        ip++;
        ni--;
    }
    while (nf > 0 && fp[nf - 1] == '0')
        nf--;
    if (ni > INT_DIGITS_MAX)
        return SCALE_TOO_LARGE;
    if (nf > FRAC_DIGITS_MAX)
        return SCALE_NOT_WHOLE;
    for (size_t i = 0; i < ni; i++)
        d[nd++] = (unsigned char)(ip[i] - '0');
    for (size_t i = 0; i < nf; i++)
        d[nd++] = (unsigned char)(fp[i] - '0');

    /* Least significant digit first. factor < 2^41, so no step overflows. */
    uint64_t carry = 0;
    for (size_t j = nd; j-- > 0;) {
        uint64_t t = d[j] * factor + carry;
        prod[np++] = (unsigned char)(t % 10);
        carry = t / 10;
    }
    while (carry) {
        prod[np++] = (unsigned char)(carry % 10);
        carry /= 10;
    }
    for (size_t k = 0; k < nf && k < np; k++)
        if (prod[k] != 0)
            return SCALE_NOT_WHOLE;

    uint64_t v = 0;
    for (size_t k = np; k-- > nf;) {
        if (v > (limit - prod[k]) / 10)
            return SCALE_TOO_LARGE;
        v = v * 10 + prod[k];
    }
    *out = v;
    return SCALE_OK;
}

int unit_parse(const char *s, size_t len, enum unit_kind kind, unsigned flags,
               struct quantity *out, struct unit_err *err)
{
    if (!kind_valid(kind)) {
        fail(err, 0, "internal error: unknown quantity kind %d", (int)kind);
        return -SIM_EINVAL;
    }
    if (!s)
        len = 0;

    const struct kind_info *ki = &kinds[kind];
    const char *cyc = cycles_units_suffix(kind, flags);
    size_t i = 0;
    bool neg = false;

    if (len == 0)
        return fail(err, 0, "empty value: a %s needs a number and a unit "
                    "such as %s", ki->name, ki->example);
    if (s[0] == '-') {
        if (!(flags & UNIT_ALLOW_NEGATIVE))
            return fail(err, 0, "a %s must not be negative", ki->name);
        neg = true;
        i = 1;
    }

    size_t num_start = i, dot = 0, ndigits = 0;
    bool have_dot = false;
    for (; i < len; i++) {
        if (is_digit(s[i])) {
            ndigits++;
        } else if (s[i] == '.') {
            if (have_dot)
                return fail(err, i, "more than one '.' in the number");
            have_dot = true;
            dot = i;
        } else {
            break;
        }
    }
    if (ndigits == 0)
        return fail(err, num_start, "missing number: a %s needs a number "
                    "and a unit such as %s", ki->name, ki->example);
    size_t num_end = i;

    if (i < len && s[i] == ' ')
        i++;
    if (i < len && is_blank(s[i]))
        return fail(err, i, "only one space may separate the number from "
                    "its unit");

    size_t us = i;
    while (i < len && !is_blank(s[i]))
        i++;
    size_t ue = i, un = ue - us;
    const char *u = s + us;
    struct quote whole = quote(s, ue);

    if (un == 0)
        return fail(err, us, "missing unit: a %s needs a unit such as %s "
                    "(%s%s)", ki->name, ki->example, ki->units, cyc);
    if ((u[0] == 'e' || u[0] == 'E') && un > 1 &&
        (is_digit(u[1]) || u[1] == '-' || u[1] == '+'))
        return fail(err, us, "exponent notation such as 1e3 is not "
                    "supported; write the number out in full");
    if (!starts_unit(u[0])) {
        unsigned char c = (unsigned char)u[0];
        if (c < 0x20 || c == 0x7f)
            return fail(err, us, "unexpected byte 0x%02x after the number", c);
        return fail(err, us, "unexpected '%c' after the number", u[0]);
    }

    struct cands c;
    get_cands(kind, flags, &c);
    const struct unit_def *def = find_unit(c.tab[0], c.n[0], u, un);
    bool is_cycles = false;
    if (!def && c.n[1]) {
        def = find_unit(c.tab[1], c.n[1], u, un);
        is_cycles = def != NULL;
    }
    if (!def) {
        const char *other = other_kind_of(kind, u, un);
        if (other)
            return fail(err, us, "'" Q_FMT "' is a %s, expected a %s such "
                        "as %s", Q_ARG(whole), other, ki->name, ki->example);
        if (find_unit(cycle_units, NELEM(cycle_units), u, un)) {
            if (kind == UNIT_TIME)
                return fail(err, us, "cycles are not allowed here: give a "
                            "time such as %s (%s)", ki->example, ki->units);
            return fail(err, us, "'" Q_FMT "' is a cycle count, expected a "
                        "%s such as %s", Q_ARG(whole), ki->name, ki->example);
        }
        struct quote qu = quote(u, un);
        const char *hint = suggest(&c, u, un);
        if (hint)
            return fail(err, us, "unknown unit '" Q_FMT "' for a %s; did you "
                        "mean '%s'?", Q_ARG(qu), ki->name, hint);
        return fail(err, us, "unknown unit '" Q_FMT "' for a %s (%s%s)",
                    Q_ARG(qu), ki->name, ki->units, cyc);
    }
    if (ue < len) {
        struct quote rest = quote(s + ue, len - ue);
        return fail(err, ue, "unexpected '" Q_FMT "' after '" Q_FMT "'",
                    Q_ARG(rest), Q_ARG(whole));
    }

    const char *ip = s + num_start;
    size_t ni = (have_dot ? dot : num_end) - num_start;
    const char *fp = have_dot ? s + dot + 1 : s + num_end;
    size_t nf = have_dot ? num_end - dot - 1 : 0;
    uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    uint64_t mag = 0;

    switch (scale(ip, ni, fp, nf, def->factor, limit, &mag)) {
    case SCALE_OK:
        break;
    case SCALE_NOT_WHOLE:
        return fail(err, 0, "'" Q_FMT "' is not a whole number of %s",
                    Q_ARG(whole), is_cycles ? "cycles" : ki->base);
    case SCALE_TOO_LARGE:
        if (neg)
            return fail(err, 0, "'" Q_FMT "' is too far below zero (at least "
                        "-9223372036854775808 %s)", Q_ARG(whole),
                        is_cycles ? "cycles" : ki->base);
        return fail(err, 0, "'" Q_FMT "' is too large (at most "
                    "9223372036854775807 %s)", Q_ARG(whole),
                    is_cycles ? "cycles" : ki->base);
    }

    if (out) {
        /* mag <= 2^63 here; -(2^63) is INT64_MIN, reached without overflow. */
        out->value = neg ? (int64_t)(0 - mag) : (int64_t)mag;
        out->is_cycles = is_cycles;
    }
    return 0;
}

char *unit_format(int64_t value, enum unit_kind kind, char *buf, size_t n)
{
    if (!buf || n == 0)
        return buf;
    buf[0] = '\0';
    if (!kind_valid(kind))
        return buf;

    const struct kind_info *ki = &kinds[kind];
    const char *sign = value < 0 ? "-" : "";
    uint64_t mag = value < 0 ? 0 - (uint64_t)value : (uint64_t)value;

    if (mag == 0) {
        snprintf(buf, n, "0%s", ki->out[ki->n_out - 1].name);
        return buf;
    }
    for (size_t i = 0; i < ki->n_out; i++) {
        uint64_t f = ki->out[i].factor;
        uint64_t q = mag / f, rem = mag % f;
        if (q == 0)
            continue;
        if (rem == 0) {
            snprintf(buf, n, "%s%llu%s", sign, (unsigned long long)q,
                     ki->out[i].name);
            return buf;
        }
        /* Up to three decimals when they are exact (rem < f <= 2^40, so
         * rem * 1000 cannot overflow); trailing zeros dropped. */
        if (rem * 1000 % f == 0) {
            unsigned milli = (unsigned)(rem * 1000 / f);
            char dec[4] = { (char)('0' + milli / 100),
                            (char)('0' + milli / 10 % 10),
                            (char)('0' + milli % 10), '\0' };
            for (int k = 2; k > 0 && dec[k] == '0'; k--)
                dec[k] = '\0';
            snprintf(buf, n, "%s%llu.%s%s", sign, (unsigned long long)q, dec,
                     ki->out[i].name);
            return buf;
        }
    }
    return buf;     /* not reached: the last output unit has factor 1 */
}

int64_t unit_cost_ns(const struct quantity *q, int64_t hz)
{
    if (!q->is_cycles)
        return q->value;
    unsigned __int128 x = (unsigned __int128)q->value * 1000000000u + (uint64_t)hz / 2;
    x /= (uint64_t)hz;
    return x > (unsigned __int128)INT64_MAX ? INT64_MAX : (int64_t)x;
}

char *unit_format_time(double ns, char *buf, size_t n)
{
    double a = fabs(ns);
    if (isnan(ns))
        snprintf(buf, n, "-");
    else if (a < 1e3)
        snprintf(buf, n, "%.0fns", ns);
    else if (a < 1e6)
        snprintf(buf, n, "%.1fus", ns / 1e3);
    else if (a < 1e9)
        snprintf(buf, n, "%.2fms", ns / 1e6);
    else
        snprintf(buf, n, "%.3fs", ns / 1e9);
    return buf;
}
