#!/bin/sh
# Differential test of the SEDF model against Xen 4.5's own sched_sedf.c
# (tests/xen-oracle/README.md, "SEDF 4.5"). The oracle is built from a Xen
# git directory (tests/xen-oracle/sedf45/build.sh) into
# $XENSIM_CACHE/oracle-sedf-4.5, and sedf45/compare.py --check runs every
# scenario through xensim (scheduler sedf) and the oracle: with every cost 0
# and exact timers, every vCPU's CPU time and dispatches and the whole switch
# sequence of the 10 s window must be equal, and nothing may migrate.
# The test can fail: with xensim's pen_once quirk off, short-block-1p must
# disagree (Xen 4.5 clears the lost-slice debt after one L0 run).
# Skips (77) when the oracle cannot be built.
set -u
srcdir=${abs_top_srcdir:-.}
xensim=${XENSIM:-./xensim}
. "$srcdir/tests/shlib.sh"
require_tools python3 sqlite3 cc git
cache=${XENSIM_CACHE:-${HOME:-/tmp}/.cache/xensim}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
here="$srcdir/tests/xen-oracle"

"$here/sedf45/build.sh" "$cache/oracle-sedf-4.5" >"$tmp/build.out" 2>"$tmp/build.err"
rc=$?
if [ "$rc" -eq 77 ]; then
    echo "SKIP: $(cat "$tmp/build.err")"
    exit 77
fi
if [ "$rc" -ne 0 ]; then
    echo "FAIL: building the SEDF 4.5 oracle (exit $rc):"
    cat "$tmp/build.err"
    exit 1
fi
oracle=$(tail -n 1 "$tmp/build.out")

if python3 "$here/sedf45/compare.py" --xensim "$xensim" --oracle "$oracle" \
    --out "$tmp/runs" --check >"$tmp/compare.out" 2>&1; then
    pass=$((pass + 1))
else
    fail=$((fail + 1))
    echo "FAIL: xensim's SEDF and Xen 4.5's code disagree:"
    grep -v '^| ' "$tmp/compare.out"
fi
tail -n 1 "$tmp/compare.out"

if python3 "$here/sedf45/compare.py" --xensim "$xensim" --oracle "$oracle" \
    --out "$tmp/runs-quirk" --only short-block-1p --quirks-off pen_once --check \
    >"$tmp/quirk.out" 2>&1; then
    fail=$((fail + 1))
    echo "FAIL: with pen_once_quirk off, short-block-1p should disagree with Xen 4.5"
elif grep -q 'DISAGREE' "$tmp/quirk.out"; then
    pass=$((pass + 1))
else
    fail=$((fail + 1))
    echo "FAIL: compare.py --quirks-off failed without a disagreement:"
    cat "$tmp/quirk.out"
fi
finish
