#!/bin/sh
# End-to-end bad input: run `xensim check` on every fixture of
# tests/bad-input/messages.tsv and require exit status 2, nothing on stdout,
# and the table's exact message as the first line of stderr. A run that
# crashes (status > 128) or accepts the input fails the test.
set -u
srcdir=${abs_top_srcdir:-.}
xensim=${XENSIM:-./xensim}
table="$srcdir/tests/bad-input/messages.tsv"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
tab=$(printf '\t')
while IFS="$tab" read -r fixture sets expect; do
    case "$fixture" in ''|'#'*) continue ;; esac
    file="$srcdir/tests/bad-input/$fixture"
    set -- check "$file"
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
    want=$(printf '%s' "$expect" | sed "s|^FILE|$file|")
    got=$(head -n 1 "$tmp/err")
    if [ "$status" -eq 2 ] && [ ! -s "$tmp/out" ] && [ "$got" = "$want" ]; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL: $fixture ($sets): status $status"
        echo "  want: $want"
        echo "  got:  $got"
    fi
done <"$table"

# Usage errors are bad input too.
for args in "" "check" "frobnicate x.yaml" "check --bogus $srcdir/scenarios/default.yaml"; do
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
