/*
 * sim/cmd_regress.c: `xensim regress` (issue 5; being written).
 */
#include <stdio.h>

#include "sim/cli.h"

int cmd_regress(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "xensim regress: not implemented yet\n");
    return EXIT_BADINPUT;
}
