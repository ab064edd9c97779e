/*
 * sim/cmd_report.c: `xensim report` (issue 5; being written).
 */
#include <stdio.h>

#include "sim/cli.h"

int cmd_report(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "xensim report: not implemented yet\n");
    return EXIT_BADINPUT;
}
