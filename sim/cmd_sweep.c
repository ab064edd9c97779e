/*
 * sim/cmd_sweep.c: `xensim sweep` (issue 5; being written).
 */
#include <stdio.h>

#include "sim/cli.h"

int cmd_sweep(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "xensim sweep: not implemented yet\n");
    return EXIT_BADINPUT;
}
