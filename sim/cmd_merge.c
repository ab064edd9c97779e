/*
 * sim/cmd_merge.c: `xensim merge` (issue 5; being written).
 */
#include <stdio.h>

#include "sim/cli.h"

int cmd_merge(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "xensim merge: not implemented yet\n");
    return EXIT_BADINPUT;
}
