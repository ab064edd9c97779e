#!/bin/sh
# The layers' include rules (docs/architecture.md): the models execute the
# operation streams of models/wl.h and never include a workload kind
# (workloads/ uses models/, never the reverse), and the trace formats
# (traces/) are read by the trace workload, never the reverse. Each rule is
# checked on every #include line of the sources, so a new file cannot break
# it unnoticed. Prints "N passed, N failed".
set -u
srcdir=${abs_top_srcdir:-.}
. "$srcdir/tests/shlib.sh"
pass=0
fail=0

# no_include ROOT FROM TO: no file under ROOT/FROM includes a header under TO.
no_include() {
    found=$(cd "$1" && grep -n "^[[:space:]]*#[[:space:]]*include[[:space:]]*\"$3/" \
        "$2"/*.c "$2"/*.h 2>/dev/null)
    if [ -n "$found" ]; then
        echo "$found" | sed 's/^/  /'
        return 1
    fi
    return 0
}

check "models/ includes nothing from workloads/" no_include "$srcdir" models workloads
check "traces/ includes nothing from workloads/" no_include "$srcdir" traces workloads
check "models/ includes nothing from traces/" no_include "$srcdir" models traces
# The rule bites: a file that breaks it is found.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/models"
printf '#include <stdio.h>\n  #include "workloads/wl.h"\n' >"$tmp/models/x.c"
if no_include "$tmp" models workloads >/dev/null; then
    fail=$((fail + 1))
    echo "FAIL: a breaking include is found"
else
    pass=$((pass + 1))
fi

finish
