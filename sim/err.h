/*
 * sim/err.h: the one error convention of xensim.
 *
 * Functions that can fail return 0 on success or a negative member of
 * enum sim_err; constructors return NULL (and, where a caller needs the
 * reason, write it into a caller-supplied buffer). Library code never prints
 * and never exits: only main() turns an error into a message and an exit
 * status. Destructors accept NULL.
 */
#ifndef XENSIM_SIM_ERR_H
#define XENSIM_SIM_ERR_H

#include <stddef.h>

enum sim_err {
    SIM_OK = 0,
    SIM_ENOMEM,         /* allocation failed */
    SIM_EINVAL,         /* argument outside the function's contract */
    SIM_ENOENT,         /* no such item (e.g. cancelling an event that is not pending) */
    SIM_ENOSPC,         /* a fixed capacity is exhausted */
    SIM_ERANGE,         /* a value is out of its representable or allowed range */
    SIM_EIO,            /* a file could not be read or written */
    SIM_EDB,            /* the results database reported an error */
    SIM_ESCHEMA,        /* the results database has an unknown or newer schema */
    SIM_EBADINPUT,      /* user input (scenario, trace, option) is invalid */
    SIM_EEXIST,         /* the item already exists */
    SIM_ESTATE,         /* call not valid in the object's current state */
    SIM_ERR_COUNT
};

/* Text for an error code; accepts the code with either sign. Never NULL. */
const char *sim_strerror(int err);

/* Write a message into a caller's error buffer, printf-style, truncating
 * to n bytes; nothing if buf is NULL or n is 0. */
void sim_errmsg(char *buf, size_t n, const char *f, ...) __attribute__((format(printf, 3, 4)));

#endif
