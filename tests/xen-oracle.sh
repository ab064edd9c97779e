#!/bin/sh
# Differential test of the scheduler models against Xen's own scheduler code
# (tests/xen-oracle/README.md). Each oracle whose source can be had is built
# into $XENSIM_CACHE: Credit 3.4 (tests/xen-oracle/credit34/build.sh, from a
# Xen git directory) and Xen 4.17.5's schedulers (tests/xen-oracle/xen417/
# build.sh: credit, credit2, rtds, null, arinc653 in one binary, --sched).
# compare.py --check then runs every scenario of a scheduler through xensim
# and the oracle: with every cost 0 and exact timers, the same decisions give
# the same schedule, so every vCPU's CPU time, dispatches, every domain's
# migrations and the whole switch sequence of the 10 s window must be equal
# (scenarios listed in compare.py's KNOWN are printed, not failed).
# A 4.17 scheduler that xensim does not know (`xensim check` refuses its
# scheduler.name) is skipped with a note.
# The test can fail: with Xen's order rather than xensim's (--order xen),
# adjacent-8p-2x2x2 (Credit 3.4) and cap150-4vcpu-4p (Credit 4.17) are known
# to differ, and compare.py --check must say so.
# Skips (77) when no oracle can be built.
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
built=0
here="$srcdir/tests/xen-oracle"

# build WHAT SCRIPT OUT: sets oracle to the binary (the script's last line of
# output), or to nothing if the script skipped (77) or failed (a failure).
build() {
    oracle=
    "$2" "$3" >"$tmp/build-$1.out" 2>"$tmp/build-$1.err"
    rc=$?
    if [ "$rc" -eq 0 ]; then
        oracle=$(tail -n 1 "$tmp/build-$1.out")
    elif [ "$rc" -eq 77 ]; then
        echo "note: no $1 oracle: $(cat "$tmp/build-$1.err")"
    else
        echo "FAIL: building the $1 oracle (exit $rc):"
        cat "$tmp/build-$1.err"
        fail=$((fail + 1))
    fi
    [ -n "$oracle" ] && [ -x "$oracle" ] && built=$((built + 1))
}

# compare TITLE TAG ARGS...: compare.py --check over every scenario.
compare() {
    title=$1 tag=$2
    shift 2
    if python3 "$here/compare.py" --xensim "$xensim" --oracle "$oracle" "$@" \
        --out "$tmp/runs-$tag" --timeline-ms 10000 --check >"$tmp/compare-$tag.out" 2>&1; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL: xensim's $title and Xen's code disagree:"
        grep -B12 'DISAGREE' "$tmp/compare-$tag.out" | grep -v '^| ' || cat "$tmp/compare-$tag.out"
    fi
    grep 'KNOWN DIVERGENCE' "$tmp/compare-$tag.out" | sed "s/^/note: $title: /"
    echo "$title: $(tail -n 1 "$tmp/compare-$tag.out")"
}

# order_differs VERSION SCENARIO: Xen's own same-instant order must make the
# Credit scenario disagree (the comparison can fail).
order_differs() {
    if python3 "$here/compare.py" --xensim "$xensim" --oracle "$oracle" --version "$1" \
        --out "$tmp/runs-order-$1" --only "$2" --order xen --check >"$tmp/order-$1.out" 2>&1; then
        fail=$((fail + 1))
        echo "FAIL: --order xen should make $2 (Credit $1) disagree"
    elif grep -q 'DISAGREE' "$tmp/order-$1.out"; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL: compare.py --order xen failed without a disagreement (Credit $1):"
        cat "$tmp/order-$1.out"
    fi
}

# Credit 3.4.
build "Credit 3.4" "$here/credit34/build.sh" "$cache/oracle-credit-3.4"
if [ -n "$oracle" ]; then
    compare "Credit 3.4" credit-3.4 --version 3.4
    order_differs 3.4 adjacent-8p-2x2x2
fi

# Xen 4.17.5: Credit, then every other scheduler xensim models.
build "Xen 4.17" "$here/xen417/build.sh" "$cache/oracle-xen-4.17"
if [ -n "$oracle" ]; then
    compare "Credit 4.17" credit-4.17 --version 4.17
    order_differs 4.17 cap150-4vcpu-4p
    for s in credit2 rtds null arinc653; do
        printf 'name: probe\nduration: 1ms\nmachine: { pcpus: 1 }\nscheduler: { name: "%s" }\n%s\n' \
            "$s" 'domains: { a: { workload: { type: cpu } } }' >"$tmp/probe-$s.yaml"
        if ! "$xensim" check "$tmp/probe-$s.yaml" >/dev/null 2>&1; then
            echo "note: $s: xensim has no such scheduler; its comparison is skipped"
            continue
        fi
        compare "$s (Xen 4.17.5)" "$s" --sched "$s"
    done
fi
if [ "$built" -eq 0 ] && [ "$fail" -eq 0 ]; then
    echo "SKIP: no oracle could be built (set XEN_GIT to a Xen git directory holding commit a36045afa8, or let scripts/xen-source fetch Xen 4.17.5)"
    exit 77
fi
finish
