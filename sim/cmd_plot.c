/*
 * sim/cmd_plot.c: `xensim plot` (issue 5; being written).
 */
#include <stdio.h>

#include "sim/cli.h"

int cmd_plot(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "xensim plot: not implemented yet\n");
    return EXIT_BADINPUT;
}
