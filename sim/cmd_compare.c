/*
 * sim/cmd_compare.c: `xensim compare` (issue 5; being written).
 */
#include <stdio.h>

#include "sim/cli.h"

int cmd_compare(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "xensim compare: not implemented yet\n");
    return EXIT_BADINPUT;
}
