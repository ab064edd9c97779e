#!/bin/sh
# The layers' include rules (docs/architecture.md), checked on every
# #include "..." line of the sources (tests/ and bench/ aside), so a new file
# cannot break them unnoticed: no two folders include each other, directly
# or through others (folder granularity: sim/host and sim are different
# folders; config.h, the build's, is no folder); the models execute the
# operation streams of models/wl.h and never include a workload kind; the
# trace formats are read by the trace workload, never the reverse. Prints
# "N passed, N failed".
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

# folder_cycles ROOT: the pairs of folders that reach each other through
# includes, one "A <-> B" per line; nothing when the folders are layers.
folder_cycles() {
    (cd "$1" && find . -path ./tests -prune -o -path ./bench -prune -o -path './_build*' -prune \
        -o -type f \( -name '*.c' -o -name '*.h' \) -print | sed 's#^\./##' | sort |
        while read -r f; do
            sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\(.*\)".*/\1/p' "$f" |
                while read -r h; do
                    case $h in */*) echo "${f%/*} ${h%/*}" ;; esac
                done
        done) | awk '
        $1 != $2 { e[$1, $2] = 1; n[$1] = 1; n[$2] = 1 }
        END {
            for (k in n) for (i in n) for (j in n)
                if (e[i, k] && e[k, j]) e[i, j] = 1
            for (i in n) for (j in n)
                if (i < j && e[i, j] && e[j, i]) print i " <-> " j
        }' | sort
}

check "no two folders include each other" eq "$(folder_cycles "$srcdir")" ""
check "models/ includes nothing from workloads/" no_include "$srcdir" models workloads
check "traces/ includes nothing from workloads/" no_include "$srcdir" traces workloads
check "models/ includes nothing from traces/" no_include "$srcdir" models traces

# The rules bite: files that break them are found.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/models" "$tmp/workloads" "$tmp/sim/host"
printf '#include <stdio.h>\n  #include "workloads/wl.h"\n' >"$tmp/models/x.c"
if no_include "$tmp" models workloads >/dev/null; then
    fail=$((fail + 1))
    echo "FAIL: a breaking include is found"
else
    pass=$((pass + 1))
fi
printf '#include "sim/host/run.h"\n' >"$tmp/sim/ev.c"
printf '#include "models/hv.h"\n' >"$tmp/sim/host/run.c"
printf '#include "sim/ev.h"\n' >"$tmp/models/hv.c"
check "a cycle through three folders is found" eq "$(folder_cycles "$tmp")" \
"models <-> sim
models <-> sim/host
sim <-> sim/host"

finish
