#!/bin/sh
# The manual pages in step with the program and docs/scenario.md:
# xensim(1) describes every command and every option that `xensim COMMAND
# --help` lists; xensim-scenario(5) describes every key of docs/scenario.md's
# tables and every --set path `xensim _complete keys` lists (the loader's
# key tables); both render with groff's warnings on (-ww) and through
# `man -l` without a message. Prints "N passed, N failed".
set -u
srcdir=${abs_top_srcdir:-.}
builddir=${abs_top_builddir:-.}
xensim=${XENSIM:-./xensim}
. "$srcdir/tests/shlib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

man1=$builddir/man/xensim.1
man5=$builddir/man/xensim-scenario.5
check "man/xensim.1 is built" test -s "$man1"
check "man/xensim-scenario.5 is built" test -s "$man5"
check "no placeholder is left in xensim.1" eq "$(grep -c '@[a-zA-Z]*@' "$man1")" 0
check "no placeholder is left in xensim-scenario.5" eq "$(grep -c '@[a-zA-Z]*@' "$man5")" 0

# The words of a page, roff escapes and fonts removed, one a line.
words() {
    sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\(em//g' "$1" |
        tr ' ,|[]()' '\n\n\n\n\n\n\n' | sed -e 's/^"//' -e 's/"$//' -e 's/[.:;]$//'
}
words "$man1" | sort -u >"$tmp/w1"
words "$man5" | sort -u >"$tmp/w5"
has() {
    grep -qxF -- "$2" "$1" && return 0
    echo "  '$2' is not in the page"
    return 1
}

# ---- xensim(1): commands, their options, exit statuses ----
for c in $("$xensim" _complete commands); do
    check "xensim.1 has a section for $c" grep -q "^\.SS \"xensim $c" "$man1"
    for o in $("$xensim" _complete options "$c"); do
        check "xensim.1 describes $c $o" has "$tmp/w1" "$o"
    done
done
for s in 0 1 2 130; do
    check "xensim.1 explains exit status $s" grep -qx "\.B $s" "$man1"
done
for sect in 'EXIT STATUS' ENVIRONMENT FILES EXAMPLES; do
    check "xensim.1 has $sect" grep -qx ".SH $sect" "$man1"
done
check "xensim.1 names XENSIM_GNUPLOT (read by plot)" has "$tmp/w1" XENSIM_GNUPLOT

# ---- xensim-scenario(5): the keys ----
# The key column of docs/scenario.md's tables of keys: the first cell of
# each row, or the second when the first is a kind ("disk", "io", ...).
awk -F'|' '/^## (Top level|machine|scheduler|devices|domains|workload)/ { on = 1; next }
           /^## / { on = 0 }
           on && /^\| *`/ { print $2 }
           on && /^\| *[a-z]+ *\| *`/ { print $3 }' "$srcdir/docs/scenario.md" |
    grep -o '`[a-z_.]*`' | tr -d '`' | sort -u >"$tmp/doc-keys"
check "docs/scenario.md's tables give keys ($(wc -l <"$tmp/doc-keys"))" \
    test "$(wc -l <"$tmp/doc-keys")" -ge 80
for k in $(cat "$tmp/doc-keys"); do
    check "xensim-scenario.5 describes $k (docs/scenario.md)" has "$tmp/w5" "$k"
done
# Every --set path, less its block (machine., scheduler., devices.NAME.,
# domains.NAME., domains.NAME.workload.), as the page names it.
"$xensim" _complete keys | sed -e 's/^machine\.//' -e 's/^scheduler\.//' \
    -e 's/^devices\.\*\.//' -e 's/^domains\.\*\.workload\.//' -e 's/^domains\.\*\.//' |
    sort -u >"$tmp/paths"
check "xensim _complete keys lists paths" test "$(wc -l <"$tmp/paths")" -ge 80
for k in $(cat "$tmp/paths"); do
    check "xensim-scenario.5 describes $k (a --set path)" has "$tmp/w5" "$k"
done

# ---- rendering ----
for page in "$man1" "$man5"; do
    if command -v groff >/dev/null 2>&1; then
        groff -man -ww -z "$page" 2>"$tmp/err"
        check "groff -man -ww: $(basename "$page") without warnings" eq "$(cat "$tmp/err")" ""
    fi
    if command -v man >/dev/null 2>&1; then
        MANWIDTH=80 man -l "$page" >"$tmp/out" 2>"$tmp/err"
        check "man -l $(basename "$page") exits 0" eq "$?" 0
        check "man -l $(basename "$page") says nothing on stderr" eq "$(cat "$tmp/err")" ""
        check "man -l $(basename "$page") renders text" test "$(wc -l <"$tmp/out")" -ge 100
    fi
done

finish
