/*
 * tests/test_units.c: unit tests for sim/units (parsing and formatting of
 * quantities with units).
 *
 * Source of facts: sim/units.h and DESIGN.md section 4. The tables below pin
 * every accepted unit to its exact base-unit value and every rejection to
 * its exact message and caret position: the messages are user interface,
 * and the scenario loader's error fixtures depend on them.
 */
#include <check.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sim/err.h"
#include "sim/units.h"
#include "tests/check_util.h"

#define T UNIT_TIME
#define Z UNIT_SIZE
#define R UNIT_RATE
#define F UNIT_FREQ
#define CYC UNIT_ALLOW_CYCLES
#define NEG UNIT_ALLOW_NEGATIVE

/* ck_assert records a checkpoint through a pipe on every success; loops of
 * many thousands of checks use this instead, which costs nothing unless it
 * fails. */
#define REQUIRE(cond, ...)              \
    do {                                \
        if (!(cond))                    \
            ck_abort_msg(__VA_ARGS__);  \
    } while (0)

struct good {
    const char *in;
    enum unit_kind kind;
    unsigned flags;
    int64_t value;      /* base units, or cycles */
    bool cycles;
};

static const struct good goods[] = {
    /* time, every unit */
    { "1ns", T, 0, 1, false },
    { "1us", T, 0, 1000, false },
    { "1ms", T, 0, 1000000, false },
    { "1s", T, 0, 1000000000, false },
    { "300cycles", T, CYC, 300, true },
    { "0cycles", T, CYC, 0, true },
    { "10ms", T, CYC, 10000000, false },
    /* decimals, spacing, zeros */
    { "0.1ms", T, 0, 100000, false },
    { "10 ms", T, 0, 10000000, false },
    { "1.5s", T, 0, 1500000000, false },
    { "0.000000001s", T, 0, 1, false },
    { "2.5us", T, 0, 2500, false },
    { ".5us", T, 0, 500, false },
    { "5.us", T, 0, 5000, false },
    { "007ms", T, 0, 7000000, false },
    { "0s", T, 0, 0, false },
    { "0.0ns", T, 0, 0, false },
    { "1.000000000000000000000000000000000000000000000000000s", T, 0,
      1000000000, false },
    { "0000000000000000000000000000000000000000000001ns", T, 0, 1, false },
    { "50us", T, 0, 50000, false },
    /* limits and signs */
    { "9223372036854775807ns", T, 0, INT64_MAX, false },
    { "9223372036.854775807s", T, 0, INT64_MAX, false },
    { "-3ms", T, NEG, -3000000, false },
    { "-0.5us", T, NEG, -500, false },
    { "-9223372036854775808ns", T, NEG, INT64_MIN, false },
    { "-0ms", T, NEG, 0, false },
    { "-150cycles", T, NEG | CYC, -150, true },
    /* size, every unit */
    { "1B", Z, 0, 1, false },
    { "1KiB", Z, 0, 1024, false },
    { "1MiB", Z, 0, 1048576, false },
    { "1GiB", Z, 0, 1073741824, false },
    { "1TiB", Z, 0, 1099511627776, false },
    { "1KB", Z, 0, 1000, false },
    { "1MB", Z, 0, 1000000, false },
    { "1GB", Z, 0, 1000000000, false },
    { "1TB", Z, 0, 1000000000000, false },
    /* 4 TiB = 2^42 B, a domain's largest memory (docs/scenario.md) */
    { "4TiB", Z, 0, 4398046511104, false },
    { "0.5TiB", Z, 0, 549755813888, false },
    /* 2^-40 TiB is one byte: 40 fraction digits, the most any unit needs */
    { "0.0000000000009094947017729282379150390625TiB", Z, 0, 1, false },
    { "8388607TiB", Z, 0, 9223370937343148032, false },
    { "1.5TB", Z, 0, 1500000000000, false },
    { "1.5KiB", Z, 0, 1536, false },
    { "0.5KiB", Z, 0, 512, false },
    { "64KiB", Z, 0, 65536, false },
    { "512MiB", Z, 0, 536870912, false },
    { "0.25MiB", Z, 0, 262144, false },
    { "2.5GB", Z, 0, 2500000000, false },
    { "8589934591GiB", Z, 0, 9223372035781033984, false },
    { "8589934591.5GiB", Z, 0, 9223372036317904896, false },
    /* rate, every unit */
    { "1bit/s", R, 0, 1, false },
    { "1Kbit/s", R, 0, 1000, false },
    { "1Mbit/s", R, 0, 1000000, false },
    { "1Gbit/s", R, 0, 1000000000, false },
    { "1B/s", R, 0, 8, false },
    { "1KB/s", R, 0, 8000, false },
    { "1MB/s", R, 0, 8000000, false },
    { "1GB/s", R, 0, 8000000000, false },
    { "80MB/s", R, 0, 640000000, false },
    { "1.5Mbit/s", R, 0, 1500000, false },
    { "0.125B/s", R, 0, 1, false },
    { "100 Mbit/s", R, 0, 100000000, false },
    /* frequency, every unit */
    { "1Hz", F, 0, 1, false },
    { "1kHz", F, 0, 1000, false },
    { "1MHz", F, 0, 1000000, false },
    { "1GHz", F, 0, 1000000000, false },
    { "2.4GHz", F, 0, 2400000000, false },
    { "100MHz", F, 0, 100000000, false },
    { "32.768kHz", F, 0, 32768, false },
    { "3.000000001GHz", F, 0, 3000000001, false },
};

/*
 * The tables run as one test each, not one forked test per row (slow under
 * sanitizers); every failing row is listed on stderr, and the assertion
 * quotes the first.
 */
static int table_failures;
static char first_failure[400];

static void row_failed(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void row_failed(const char *fmt, ...)
{
    char line[400];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s\n", line);
    if (table_failures++ == 0)
        snprintf(first_failure, sizeof first_failure, "%s", line);
}

#define TABLE_DONE(n)                                                      \
    ck_assert_msg(table_failures == 0, "%d of %zu rows failed; first: %s", \
                  table_failures, (size_t)(n), first_failure)

START_TEST(test_good)
{
    for (size_t i = 0; i < sizeof goods / sizeof goods[0]; i++) {
        const struct good *g = &goods[i];
        struct quantity q = { -42, true };
        struct unit_err e = { 0, "" };
        int rc = unit_parse(g->in, strlen(g->in), g->kind, g->flags, &q, &e);

        if (rc != 0)
            row_failed("'%s': rc %d: %s", g->in, rc, e.msg);
        else if (q.value != g->value || q.is_cycles != g->cycles)
            row_failed("'%s': got %lld%s, want %lld%s", g->in,
                       (long long)q.value, q.is_cycles ? " cycles" : "",
                       (long long)g->value, g->cycles ? " cycles" : "");
    }
    TABLE_DONE(sizeof goods / sizeof goods[0]);
}
END_TEST

struct bad {
    const char *in;
    enum unit_kind kind;
    unsigned flags;
    size_t pos;
    const char *msg;
};

static const struct bad bads[] = {
    { "", T, 0, 0,
      "empty value: a time needs a number and a unit such as 10ms" },
    { "", Z, 0, 0,
      "empty value: a size needs a number and a unit such as 64KiB" },
    /* missing unit, one per kind, and with cycles allowed */
    { "10", T, 0, 2,
      "missing unit: a time needs a unit such as 10ms (ns, us, ms, s)" },
    { "10", T, CYC, 2, "missing unit: a time needs a unit such as 10ms "
      "(ns, us, ms, s, cycles)" },
    { "64", Z, 0, 2, "missing unit: a size needs a unit such as 64KiB "
      "(B, KiB, MiB, GiB, TiB, KB, MB, GB, TB)" },
    { "1", R, 0, 1, "missing unit: a rate needs a unit such as 1Gbit/s "
      "(bit/s, Kbit/s, Mbit/s, Gbit/s, B/s, KB/s, MB/s, GB/s)" },
    { "2.4", F, 0, 3, "missing unit: a frequency needs a unit such as 2.4GHz "
      "(Hz, kHz, MHz, GHz)" },
    { "10 ", T, 0, 3,
      "missing unit: a time needs a unit such as 10ms (ns, us, ms, s)" },
    /* unknown units, with and without a suggestion */
    { "10mb", Z, 0, 2, "unknown unit 'mb' for a size; did you mean 'MB'?" },
    { "10kib", Z, 0, 2, "unknown unit 'kib' for a size; did you mean 'KiB'?" },
    { "10k", Z, 0, 2, "unknown unit 'k' for a size; did you mean 'KB'?" },
    { "10bytes", Z, 0, 2, "unknown unit 'bytes' for a size; did you mean 'B'?" },
    { "10mbyte", Z, 0, 2, "unknown unit 'mbyte' for a size "
      "(B, KiB, MiB, GiB, TiB, KB, MB, GB, TB)" },
    { "10mb", T, 0, 2, "unknown unit 'mb' for a time; did you mean 'ms'?" },
    { "10m", T, 0, 2, "unknown unit 'm' for a time; did you mean 'ms'?" },
    { "10S", T, 0, 2, "unknown unit 'S' for a time; did you mean 's'?" },
    { "10sec", T, 0, 2, "unknown unit 'sec' for a time; did you mean 's'?" },
    { "10msec", T, 0, 2, "unknown unit 'msec' for a time; did you mean 'ms'?" },
    { "10usec", T, 0, 2, "unknown unit 'usec' for a time; did you mean 'us'?" },
    { "10\xc2\xb5s", T, 0, 2,
      "unknown unit '\xc2\xb5s' for a time; did you mean 'us'?" },
    { "10x", T, 0, 2, "unknown unit 'x' for a time (ns, us, ms, s)" },
    { "10ms5", T, 0, 2, "unknown unit 'ms5' for a time; did you mean 'ms'?" },
    { "10cycle", T, CYC, 2,
      "unknown unit 'cycle' for a time; did you mean 'cycles'?" },
    { "10cycle", T, 0, 2, "unknown unit 'cycle' for a time (ns, us, ms, s)" },
    { "10Mbps", R, 0, 2,
      "unknown unit 'Mbps' for a rate; did you mean 'Mbit/s'?" },
    { "10Mb/s", R, 0, 2,
      "unknown unit 'Mb/s' for a rate; did you mean 'Mbit/s'?" },
    { "10kB/s", R, 0, 2, "unknown unit 'kB/s' for a rate; did you mean 'KB/s'?" },
    { "10kbit/s", R, 0, 2,
      "unknown unit 'kbit/s' for a rate; did you mean 'Kbit/s'?" },
    { "10Gbit", R, 0, 2,
      "unknown unit 'Gbit' for a rate; did you mean 'Gbit/s'?" },
    { "10khz", F, 0, 2,
      "unknown unit 'khz' for a frequency; did you mean 'kHz'?" },
    { "10 K", Z, 0, 3, "unknown unit 'K' for a size; did you mean 'KB'?" },
    { "1xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", T, 0, 1,
      "unknown unit 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...' for a time "
      "(ns, us, ms, s)" },
    /* a unit of another kind */
    { "10MB", T, 0, 2, "'10MB' is a size, expected a time such as 10ms" },
    { "10Hz", T, 0, 2, "'10Hz' is a frequency, expected a time such as 10ms" },
    { "10MB", R, 0, 2, "'10MB' is a size, expected a rate such as 1Gbit/s" },
    { "10MB/s", Z, 0, 2, "'10MB/s' is a rate, expected a size such as 64KiB" },
    { "10ms", F, 0, 2,
      "'10ms' is a time, expected a frequency such as 2.4GHz" },
    { "5 GHz", T, 0, 2, "'5 GHz' is a frequency, expected a time such as 10ms" },
    { "3cycles", Z, 0, 1,
      "'3cycles' is a cycle count, expected a size such as 64KiB" },
    /* cycles where not allowed */
    { "300cycles", T, 0, 3, "cycles are not allowed here: give a time such "
      "as 10ms (ns, us, ms, s)" },
    /* trailing junk */
    { "10ms foo", T, 0, 4, "unexpected ' foo' after '10ms'" },
    { "10ms ", T, 0, 4, "unexpected ' ' after '10ms'" },
    { "10 ms x", T, 0, 5, "unexpected ' x' after '10 ms'" },
    /* not a whole number of base units */
    { "0.5ns", T, 0, 0, "'0.5ns' is not a whole number of ns" },
    { "1.0000000001s", T, 0, 0, "'1.0000000001s' is not a whole number of ns" },
    { "1.5B", Z, 0, 0, "'1.5B' is not a whole number of bytes" },
    { "0.0001KiB", Z, 0, 0, "'0.0001KiB' is not a whole number of bytes" },
    { "0.1B/s", R, 0, 0, "'0.1B/s' is not a whole number of bit/s" },
    { "0.5Hz", F, 0, 0, "'0.5Hz' is not a whole number of Hz" },
    { "1.5cycles", T, CYC, 0, "'1.5cycles' is not a whole number of cycles" },
    { "0.00000000000000000000000000000000000000000000001s", T, 0, 0,
      "'0.00000000000000000000000000000000000000...' is not a whole number "
      "of ns" },
    /* too large */
    { "9223372036854775808ns", T, 0, 0, "'9223372036854775808ns' is too "
      "large (at most 9223372036854775807 ns)" },
    { "9223372036.854775808s", T, 0, 0, "'9223372036.854775808s' is too "
      "large (at most 9223372036854775807 ns)" },
    { "99999999999s", T, 0, 0,
      "'99999999999s' is too large (at most 9223372036854775807 ns)" },
    { "100000000000000000000000000ns", T, 0, 0, "'100000000000000000000000000"
      "ns' is too large (at most 9223372036854775807 ns)" },
    { "8589934592GiB", Z, 0, 0,
      "'8589934592GiB' is too large (at most 9223372036854775807 bytes)" },
    { "8388608TiB", Z, 0, 0,
      "'8388608TiB' is too large (at most 9223372036854775807 bytes)" },
    { "0.00000000000090949470177292823791503906251TiB", Z, 0, 0,
      "'0.00000000000090949470177292823791503906...' is not a whole number of bytes" },
    { "10tib", Z, 0, 2, "unknown unit 'tib' for a size; did you mean 'TiB'?" },
    { "1152921504606846976B/s", R, 0, 0, "'1152921504606846976B/s' is too "
      "large (at most 9223372036854775807 bit/s)" },
    { "-9223372036854775809ns", T, NEG, 0, "'-9223372036854775809ns' is too "
      "far below zero (at least -9223372036854775808 ns)" },
    /* negatives */
    { "-5ms", T, 0, 0, "a time must not be negative" },
    { "-1B", Z, 0, 0, "a size must not be negative" },
    { "-0ms", T, 0, 0, "a time must not be negative" },
    /* malformed numbers */
    { "1.2.3ms", T, 0, 3, "more than one '.' in the number" },
    { "1..ms", T, 0, 2, "more than one '.' in the number" },
    { "ms", T, 0, 0,
      "missing number: a time needs a number and a unit such as 10ms" },
    { ".ms", T, 0, 0,
      "missing number: a time needs a number and a unit such as 10ms" },
    { "--5ms", T, NEG, 1,
      "missing number: a time needs a number and a unit such as 10ms" },
    { "+5ms", T, 0, 0,
      "missing number: a time needs a number and a unit such as 10ms" },
    { " 10ms", T, 0, 0,
      "missing number: a time needs a number and a unit such as 10ms" },
    { "GHz", F, 0, 0, "missing number: a frequency needs a number and a unit "
      "such as 2.4GHz" },
    { "10  ms", T, 0, 3,
      "only one space may separate the number from its unit" },
    { "10\tms", T, 0, 2,
      "only one space may separate the number from its unit" },
    { "1e3ms", T, 0, 1, "exponent notation such as 1e3 is not supported; "
      "write the number out in full" },
    { "10,5ms", T, 0, 2, "unexpected ',' after the number" },
    { "10-ms", T, 0, 2, "unexpected '-' after the number" },
    { "10\x01ms", T, 0, 2, "unexpected byte 0x01 after the number" },
};

START_TEST(test_bad)
{
    for (size_t i = 0; i < sizeof bads / sizeof bads[0]; i++) {
        const struct bad *b = &bads[i];
        struct quantity q = { 12345, false };
        struct unit_err e = { 9999, "" };
        int rc = unit_parse(b->in, strlen(b->in), b->kind, b->flags, &q, &e);

        if (rc != -SIM_EBADINPUT)
            row_failed("'%s': rc %d (value %lld)", b->in, rc,
                       (long long)q.value);
        else if (strcmp(e.msg, b->msg) != 0)
            row_failed("'%s': message\n  got:  %s\n  want: %s", b->in, e.msg,
                       b->msg);
        else if (e.pos != b->pos)
            row_failed("'%s': pos %zu, want %zu", b->in, e.pos, b->pos);
        else if (q.value != 12345)
            row_failed("'%s': *out written on failure", b->in);
        else if (strchr(e.msg, '\n'))
            row_failed("'%s': message is not one line", b->in);
    }
    TABLE_DONE(sizeof bads / sizeof bads[0]);
}
END_TEST

/* The input need not be NUL-terminated, and out/err may be NULL. */
START_TEST(test_length_and_nulls)
{
    const char buf[] = "10msXYZ";
    struct quantity q;
    struct unit_err e;

    ck_assert_int_eq(unit_parse(buf, 4, T, 0, &q, &e), 0);
    ck_assert_int_eq(q.value, 10000000);
    ck_assert_int_eq(unit_parse(buf, 3, T, 0, &q, &e), -SIM_EBADINPUT);
    ck_assert_str_eq(e.msg, "unknown unit 'm' for a time; did you mean 'ms'?");
    ck_assert_int_eq(unit_parse(buf, 2, T, 0, &q, &e), -SIM_EBADINPUT);
    ck_assert_uint_eq(e.pos, 2);
    ck_assert_str_eq(e.msg, "missing unit: a time needs a unit such as 10ms "
                     "(ns, us, ms, s)");
    ck_assert_int_eq(unit_parse(buf, 7, T, 0, &q, NULL), -SIM_EBADINPUT);
    ck_assert_int_eq(unit_parse("5ms", 3, T, 0, NULL, NULL), 0);
    ck_assert_int_eq(unit_parse(NULL, 0, T, 0, &q, &e), -SIM_EBADINPUT);
    ck_assert_str_eq(e.msg,
                     "empty value: a time needs a number and a unit such as 10ms");
    /* An embedded NUL is a byte like any other. */
    ck_assert_int_eq(unit_parse("10\0ms", 5, T, 0, &q, &e), -SIM_EBADINPUT);
    ck_assert_str_eq(e.msg, "unexpected byte 0x00 after the number");
    ck_assert_uint_eq(e.pos, 2);
    ck_assert_int_eq(unit_parse("5ms", 3, (enum unit_kind)99, 0, &q, &e),
                     -SIM_EINVAL);
}
END_TEST

START_TEST(test_kind_strings)
{
    ck_assert_str_eq(unit_kind_name(T), "time");
    ck_assert_str_eq(unit_kind_name(Z), "size");
    ck_assert_str_eq(unit_kind_name(R), "rate");
    ck_assert_str_eq(unit_kind_name(F), "frequency");
    ck_assert_str_eq(unit_kind_example(T), "10ms");
    ck_assert_str_eq(unit_kind_example(Z), "64KiB");
    ck_assert_str_eq(unit_kind_example(R), "1Gbit/s");
    ck_assert_str_eq(unit_kind_example(F), "2.4GHz");
    ck_assert_str_eq(unit_kind_units(T), "ns, us, ms, s");
    ck_assert_str_eq(unit_kind_units(Z), "B, KiB, MiB, GiB, TiB, KB, MB, GB, TB");
    ck_assert_str_eq(unit_kind_units(R),
                     "bit/s, Kbit/s, Mbit/s, Gbit/s, B/s, KB/s, MB/s, GB/s");
    ck_assert_str_eq(unit_kind_units(F), "Hz, kHz, MHz, GHz");

    /* Every kind's example parses, and every listed unit is accepted. */
    for (int k = T; k <= F; k++) {
        const char *ex = unit_kind_example(k);
        ck_assert_int_eq(unit_parse(ex, strlen(ex), k, 0, NULL, NULL), 0);
        char list[128], *save = NULL;
        snprintf(list, sizeof list, "%s", unit_kind_units(k));
        for (char *u = strtok_r(list, ", ", &save); u;
             u = strtok_r(NULL, ", ", &save)) {
            char in[32];
            int n = snprintf(in, sizeof in, "3%s", u);
            ck_assert_msg(unit_parse(in, (size_t)n, k, 0, NULL, NULL) == 0,
                          "listed unit '%s' refused", u);
        }
    }
}
END_TEST

struct fmt_case {
    int64_t value;
    enum unit_kind kind;
    const char *want;
};

static const struct fmt_case fmts[] = {
    { 0, T, "0ns" }, { 1, T, "1ns" }, { 999, T, "999ns" },
    { 1000, T, "1us" }, { 1500, T, "1.5us" }, { 1500000, T, "1.5ms" },
    { 5000000, T, "5ms" }, { 50000, T, "50us" }, { 500000000, T, "500ms" },
    { 1500000000, T, "1.5s" }, { 10000000000, T, "10s" },
    { 1001, T, "1.001us" }, { 1234567, T, "1234.567us" },
    { 100000, T, "100us" }, { -1500000, T, "-1.5ms" },
    { INT64_MAX, T, "9223372036854775.807us" },
    { INT64_MIN, T, "-9223372036854775.808us" },
    { 0, Z, "0B" }, { 1000, Z, "1000B" }, { 1024, Z, "1KiB" },
    { 1536, Z, "1.5KiB" }, { 1310720, Z, "1.25MiB" }, { 65536, Z, "64KiB" },
    { 536870912, Z, "512MiB" }, { 1073741824, Z, "1GiB" },
    { 4398046511104, Z, "4TiB" }, { 1649267441664, Z, "1.5TiB" },
    { 4398046511105, Z, "4398046511105B" }, { 4397509640192, Z, "4095.5GiB" },
    { 1000000, Z, "1000000B" },     /* 976.5625KiB: too many decimals */
    { 0, R, "0bit/s" }, { 8, R, "8bit/s" }, { 1500, R, "1.5Kbit/s" },
    { 640000000, R, "640Mbit/s" }, { 1000000000, R, "1Gbit/s" },
    { 0, F, "0Hz" }, { 2400000000, F, "2.4GHz" }, { 100000000, F, "100MHz" },
    { 32768, F, "32.768kHz" },
};

START_TEST(test_format_pinned)
{
    for (size_t i = 0; i < sizeof fmts / sizeof fmts[0]; i++) {
        const struct fmt_case *c = &fmts[i];
        char buf[48] = "";

        if (unit_format(c->value, c->kind, buf, sizeof buf) != buf ||
            strcmp(buf, c->want) != 0)
            row_failed("%lld %s: got '%s', want '%s'", (long long)c->value,
                       unit_kind_name(c->kind), buf, c->want);
    }
    TABLE_DONE(sizeof fmts / sizeof fmts[0]);
}
END_TEST

START_TEST(test_format_truncates)
{
    char buf[4] = "xyz";

    ck_assert_str_eq(unit_format(2400000000, F, buf, sizeof buf), "2.4");
    ck_assert_str_eq(unit_format(1, T, buf, 1), "");
    ck_assert_ptr_eq(unit_format(1, T, NULL, 0), NULL);
    ck_assert_str_eq(unit_format(1, (enum unit_kind)99, buf, sizeof buf), "");
}
END_TEST

static void check_round_trip(int64_t v, enum unit_kind kind)
{
    char buf[48];
    struct quantity q;
    struct unit_err e;

    unit_format(v, kind, buf, sizeof buf);
    int rc = unit_parse(buf, strlen(buf), kind, NEG, &q, &e);
    REQUIRE(rc == 0, "%lld formatted as '%s' does not parse: %s",
            (long long)v, buf, e.msg);
    REQUIRE(q.value == v, "%lld -> '%s' -> %lld", (long long)v, buf,
            (long long)q.value);
}

/* Marsaglia's xorshift64: test values independent of the code under test. */
static uint64_t xorshift(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

START_TEST(test_round_trip)
{
    static const int64_t factors[] = {
        1, 8, 1000, 1024, 8000, 1000000, 1048576, 8000000, 1000000000,
        1073741824, 8000000000,
    };
    uint64_t x = 0x2545f4914f6cdd1dull;
    long n = 0;

    for (int k = T; k <= F; k++) {
        check_round_trip(0, k);
        check_round_trip(INT64_MAX, k);
        check_round_trip(INT64_MIN, k);
        for (size_t f = 0; f < sizeof factors / sizeof factors[0]; f++)
            for (int64_t m = 1; m <= 4096; m = m * 3 + 1) {
                check_round_trip(factors[f] * m, k);
                check_round_trip(factors[f] * m + 1, k);
                check_round_trip(factors[f] * m / 2, k);
                check_round_trip(-factors[f] * m, k);
                n += 4;
            }
        for (int i = 0; i < 20000; i++) {
            /* Spread over magnitudes: 1 to 63 random bits. */
            int bits = (int)(xorshift(&x) % 63) + 1;
            int64_t v = (int64_t)(xorshift(&x) >> (64 - bits));
            check_round_trip(v, k);
            /* A value with few significant decimals in a large unit. */
            int64_t m = (int64_t)(xorshift(&x) % 100000);
            size_t f = xorshift(&x) % (sizeof factors / sizeof factors[0]);
            int64_t w = m * factors[f];
            check_round_trip(w, k);
            check_round_trip(-v, k);
            n += 3;
        }
    }
    ck_assert_int_gt(n, 100000);
}
END_TEST

static Suite *units_suite(void)
{
    Suite *s = suite_create("units");
    TCase *tc = xs_tcase(s, "parse", 10);

    tcase_add_test(tc, test_good);
    tcase_add_test(tc, test_bad);
    tcase_add_test(tc, test_length_and_nulls);
    tcase_add_test(tc, test_kind_strings);

    tc = xs_tcase(s, "format", 30);
    tcase_add_test(tc, test_format_pinned);
    tcase_add_test(tc, test_format_truncates);
    tcase_add_test(tc, test_round_trip);
    return s;
}

XS_CHECK_MAIN(units_suite)
