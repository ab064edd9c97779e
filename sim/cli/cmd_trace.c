/*
 * sim/cli/cmd_trace.c: `xensim trace SUBCOMMAND ...`: the trace tools
 * (docs/traces.md). Each subcommand lives in its own file:
 *   trace info FILE                      sim/cli/cmd_trace_info.c
 *   trace convert IN -o OUT [--text]     sim/cli/cmd_trace_info.c
 *   trace import strace FILE -o OUT      sim/cli/cmd_trace_strace.c
 *   trace import xentrace FILE -o OUT    sim/cli/cmd_trace_xentrace.c
 */
#include <string.h>

#include "sim/cli/cli.h"

int cmd_trace(int argc, char **argv)
{
    if (argc < 1)
        return cli_usage_error("%s", "trace: missing subcommand (info, convert, import)");
    const char *sub = argv[0];
    if (!strcmp(sub, "info"))
        return cmd_trace_info(argc - 1, argv + 1);
    if (!strcmp(sub, "convert"))
        return cmd_trace_convert(argc - 1, argv + 1);
    if (!strcmp(sub, "import")) {
        if (argc < 2)
            return cli_usage_error("%s", "trace import: missing format (strace, xentrace)");
        if (!strcmp(argv[1], "strace"))
            return cmd_trace_import_strace(argc - 2, argv + 2);
        if (!strcmp(argv[1], "xentrace"))
            return cmd_trace_import_xentrace(argc - 2, argv + 2);
        return cli_usage_error("trace import: unknown format '%s' (known: strace, xentrace)",
                               argv[1]);
    }
    return cli_usage_error("trace: unknown subcommand '%s' (info, convert, import)", sub);
}
