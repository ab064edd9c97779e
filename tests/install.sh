#!/bin/sh
# `make install DESTDIR=TMP` from the build tree puts every file in place:
# the program, the manual pages xensim(1) and xensim-scenario(5) (with the
# installed paths filled in), every scenarios/*.yaml and the traces they
# replay (the installed scenarios pass `xensim check` there), README.md and
# every docs/*.md, and the bash completion, which works from where it is
# installed; `make uninstall DESTDIR=TMP` removes every file again.
# Prints "N passed, N failed".
set -u
srcdir=${abs_top_srcdir:-.}
builddir=${abs_top_builddir:-.}
. "$srcdir/tests/shlib.sh"
require_tools make
tmp=$(mktemp -d)
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
pass=0
fail=0

dest=$tmp/dest
make -s -C "$builddir" install DESTDIR="$dest" >"$tmp/out" 2>&1
check "make install DESTDIR exits 0" eq "$?" 0
find "$dest" -type f | sed "s|^$dest||" | sort >"$tmp/files"

# in_place SUFFIX: one installed file ends in SUFFIX (under the configured
# prefix, whatever it is), and is not empty; its path in $got.
in_place() {
    got=$(grep -e "$1\$" "$tmp/files")
    if [ "$(echo "$got" | grep -c .)" -eq 1 ] && [ -s "$dest$got" ]; then return 0; fi
    echo "  no single non-empty file *$1 installed (got '$got')"
    return 1
}
check "xensim in bin" in_place /bin/xensim
bin=$dest$got
check "xensim(1) in man1" in_place /share/man/man1/xensim.1
man1=$dest$got
check "xensim-scenario(5) in man5" in_place /share/man/man5/xensim-scenario.5
check "scenarios in share/xensim/scenarios" in_place /share/xensim/scenarios/default.yaml
scndir=$(dirname "$got")
check "the manual gives the installed scenarios' path" grep -q "$scndir/default.yaml" "$man1"
for f in "$srcdir"/scenarios/*.yaml; do
    b=$(basename "$f")
    check "scenario $b installed" in_place "/share/xensim/scenarios/$b"
    check "scenario $b is the source's" cmp -s "$f" "$dest$scndir/$b"
    "$bin" check -q "$dest$scndir/$b" >/dev/null 2>"$tmp/err"
    check "installed scenario $b passes xensim check where it is" eq "$?" 0
done
for f in "$srcdir"/README.md "$srcdir"/docs/*.md; do
    check "doc $(basename "$f") installed" in_place "/share/doc/xensim/$(basename "$f")"
done
check "bash completion installed" in_place /share/bash-completion/completions/xensim
comp=$dest$got
if command -v bash >/dev/null 2>&1; then
    got=$(bash -c '. "$1"; COMP_WORDS=("$2" sweep --res); COMP_CWORD=2; _xensim;
                   echo "${COMPREPLY[*]}"' t "$comp" "$bin")
    check "the installed completion completes with the installed xensim" eq "$got" "--resume"
fi

make -s -C "$builddir" uninstall DESTDIR="$dest" >"$tmp/out" 2>&1
check "make uninstall DESTDIR exits 0" eq "$?" 0
left=$(find "$dest" -type f | sed "s|^$dest||")
check "make uninstall leaves no file" eq "$left" ""

finish
