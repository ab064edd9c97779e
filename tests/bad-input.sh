#!/bin/sh
# End-to-end bad input: run `xensim check` on every fixture of
# tests/bad-input/messages.tsv and tests/bad-input/check-messages.tsv (whose
# scenarios `xensim run` must refuse with the same first line), `xensim trace
# info` on every fixture of tests/bad-input/trace-messages.tsv and `xensim
# trace import strace` on every fixture of
# tests/bad-input/strace-messages.tsv, and require exit status 2,
# nothing on stdout, and the table's exact message as the first line of
# stderr. A run that crashes (status > 128) or accepts the input fails the
# test.
set -u
srcdir=${abs_top_srcdir:-.}
xensim=${XENSIM:-./xensim}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
tab=$(printf '\t')
check_table="$srcdir/tests/bad-input/check-messages.tsv"
# run_table TABLE 'COMMAND WORDS': every row of TABLE through `xensim COMMAND WORDS FIXTURE`.
run_table() {
table=$1
cmd=$2
while IFS="$tab" read -r fixture sets expect; do
    case "$fixture" in ''|'#'*) continue ;; esac
    file="$srcdir/tests/bad-input/$fixture"
    # shellcheck disable=SC2086
    set -- $cmd "$file"
    if [ "$sets" != "-" ]; then
        rest=$sets
        while [ -n "$rest" ]; do
            one=${rest%%;;*}
            set -- "$@" --set "$one"
            case "$rest" in *';;'*) rest=${rest#*;;} ;; *) rest= ;; esac
        done
    fi
    "$xensim" "$@" >"$tmp/out" 2>"$tmp/err"
    status=$?
    want=$(printf '%s' "$expect" | sed "s|FILE|$file|; s|DIR|${file%/*}|g")
    got=$(head -n 1 "$tmp/err")
    # A row of the check table: `run` must refuse the scenario the same way.
    same=yes
    if [ "$table" = "$check_table" ]; then
        shift
        "$xensim" run "$@" --db "$tmp/run.db" -q >/dev/null 2>"$tmp/run-err"
        rstatus=$?
        if [ "$rstatus" -ne 2 ] || [ "$(head -n 1 "$tmp/run-err")" != "$want" ]; then
            same="no: run exits $rstatus with '$(head -n 1 "$tmp/run-err")'"
        fi
    fi
    if [ "$status" -eq 2 ] && [ ! -s "$tmp/out" ] && [ "$got" = "$want" ] && [ "$same" = yes ]; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL: $fixture ($sets): status $status"
        echo "  want: $want"
        echo "  got:  $got"
        [ "$same" = yes ] || echo "  run:  $same"
    fi
done <"$table"
}
run_table "$srcdir/tests/bad-input/messages.tsv" check
run_table "$check_table" check
run_table "$srcdir/tests/bad-input/trace-messages.tsv" "trace info"
run_table "$srcdir/tests/bad-input/strace-messages.tsv" "trace import strace -q -o $tmp/strace.xst"

# Usage errors are bad input too.
for args in "" "check" "frobnicate x.yaml" "check --bogus $srcdir/scenarios/default.yaml" \
    "trace info" "trace convert $srcdir/tests/fuzz/corpus-trace/hand.xst" \
    "trace import strace" "trace import strace $srcdir/traces/gzip.strace"; do
    # shellcheck disable=SC2086
    "$xensim" $args >/dev/null 2>"$tmp/err"
    status=$?
    if [ "$status" -eq 2 ] && [ -s "$tmp/err" ]; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL: usage '$args': status $status"
    fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
