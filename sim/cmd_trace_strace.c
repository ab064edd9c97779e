/*
 * sim/cmd_trace_strace.c: `xensim trace import strace` (issue 6; being
 * written).
 */
#include <stdio.h>

#include "sim/cli.h"

int cmd_trace_import_strace(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "xensim trace import strace: not implemented yet\n");
    return EXIT_BADINPUT;
}
