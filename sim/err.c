/*
 * sim/err.c: text for the error codes of sim/err.h.
 */
#include "sim/err.h"

#include <stdarg.h>
#include <stdio.h>

static const char *const err_text[SIM_ERR_COUNT] = {
    [SIM_OK] = "success",
    [SIM_ENOMEM] = "out of memory",
    [SIM_EINVAL] = "invalid argument",
    [SIM_ENOENT] = "no such item",
    [SIM_ENOSPC] = "capacity exhausted",
    [SIM_ERANGE] = "value out of range",
    [SIM_EIO] = "input/output error",
    [SIM_EDB] = "results database error",
    [SIM_ESCHEMA] = "unsupported results database schema",
    [SIM_EBADINPUT] = "invalid input",
    [SIM_EEXIST] = "item already exists",
    [SIM_ESTATE] = "operation not valid in the current state",
};

const char *sim_strerror(int err)
{
    if (err < 0)
        err = -err;
    if (err >= SIM_ERR_COUNT || !err_text[err])
        return "unknown error";
    return err_text[err];
}

void sim_errmsg(char *buf, size_t n, const char *f, ...)
{
    if (!buf || !n)
        return;
    va_list ap;
    va_start(ap, f);
    vsnprintf(buf, n, f, ap);
    va_end(ap);
}
