/*
 * sim/cmd_trace_info.c: `xensim trace info` and `xensim trace convert`
 * (issue 6; being written).
 */
#include <stdio.h>

#include "sim/cli.h"

int cmd_trace_info(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "xensim trace info: not implemented yet\n");
    return EXIT_BADINPUT;
}

int cmd_trace_convert(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "xensim trace convert: not implemented yet\n");
    return EXIT_BADINPUT;
}
