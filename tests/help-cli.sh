#!/bin/sh
# `xensim COMMAND --help` and `-h` for every command `xensim --help` lists:
# exit 0, the help on stdout (nothing on stderr), starting with the same
# usage line as that command's entry in `xensim --help` (one table feeds
# both); -h equals --help, also after other arguments and as `xensim help
# COMMAND`; every option of the usage line is described; and every option
# described is one the command accepts (its parser never answers "unknown
# option" for it). A value that happens to be "--help" is a value.
# Prints "N passed, N failed".
set -u
srcdir=${abs_top_srcdir:-.}
xensim=${XENSIM:-./xensim}
. "$srcdir/tests/shlib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

"$xensim" --help >"$tmp/top" 2>"$tmp/err"
check "xensim --help exits 0" eq "$?" 0
commands=$(sed -n 's/^  xensim \([a-z]*\) .*/\1/p' "$tmp/top")
check "xensim --help lists the 11 commands" eq "$(echo $commands)" \
    "run check sweep compare report plot regress merge history dashboard trace"

# The options a help text describes: its lines "  -x, --long ARG".
described() {
    sed -n '/^options:/,/^exit status/s/^  \(-[^ [,]*\).*/\1/p' "$1"
    sed -n '/^options:/,/^exit status/s/^  -[a-z], \(--[^ ]*\).*/\1/p' "$1"
}

for c in $commands; do
    "$xensim" "$c" --help >"$tmp/long" 2>"$tmp/err"
    check "$c --help exits 0" eq "$?" 0
    check "$c --help writes nothing on stderr" eq "$(cat "$tmp/err")" ""
    "$xensim" "$c" -h >"$tmp/short" 2>&1
    check "$c -h exits 0" eq "$?" 0
    check "$c -h prints what --help does" cmp -s "$tmp/long" "$tmp/short"
    "$xensim" help "$c" >"$tmp/word" 2>&1
    check "help $c prints what $c --help does" cmp -s "$tmp/long" "$tmp/word"
    "$xensim" "$c" some-file -q --help >"$tmp/late" 2>&1
    check "$c ARG -q --help prints the help" cmp -s "$tmp/long" "$tmp/late"
    usage=$(head -1 "$tmp/long" | sed 's/^usage: //')
    check "$c --help's usage line is its line in xensim --help" \
        grep -qxF "  $usage" "$tmp/top"
    check "$c --help has an options section" grep -q '^options:$' "$tmp/long"
    described "$tmp/long" | sort -u >"$tmp/desc"
    for o in $(echo "$usage" | grep -oE -- '(^|[ [])-[-a-z]+' | tr -d ' [' | sort -u); do
        check "$c: usage option $o is described" grep -qxF -- "$o" "$tmp/desc"
    done
    for o in $(cat "$tmp/desc"); do
        case $o in -h|--help) continue ;; esac
        if [ "$c" = trace ]; then
            ok=no
            for sub in convert "import strace" "import xentrace"; do
                # shellcheck disable=SC2086
                "$xensim" trace $sub "$o" </dev/null >/dev/null 2>"$tmp/err"
                grep -q "unknown option '$o'" "$tmp/err" || ok=yes
            done
            check "trace: $o is accepted by a subcommand" eq "$ok" yes
        else
            "$xensim" "$c" "$o" </dev/null >/dev/null 2>"$tmp/err"
            check "$c accepts $o" eq "$(grep -c "unknown option '$o'" "$tmp/err")" 0
        fi
    done
done

# A value that is "--help" is not a request for help.
"$xensim" report --format --help x.db >"$tmp/out" 2>"$tmp/err"
check "report --format --help is a bad format, not help (exit 2)" eq "$?" 2
check "and no help is printed" eq "$(grep -c '^usage:' "$tmp/out")" 0
"$xensim" nosuch --help >/dev/null 2>"$tmp/err"
check "an unknown command with --help exits 2" eq "$?" 2

finish
