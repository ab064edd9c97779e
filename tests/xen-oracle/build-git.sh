# tests/xen-oracle/build-git.sh: the build steps of the oracles compiled from
# a Xen git directory (credit34/build.sh, sedf45/build.sh), sourced by their
# build.sh (POSIX sh). Xen's scheduler file, xen/list.h and xen/sched-if.h
# are extracted from one revision of a Xen git directory ($XEN_GIT, else
# /work/.mirror/xen-project+xen/repo) into OUT/xen at build time and
# compiled unmodified; nothing of Xen is kept in this repository.
#
# build_from_git NAME REV WHAT FILE SHIM XENFLAGS HEADERS
#   HERE (set by the caller): the oracle's directory (driver.c, SHIM)
#   OUT (set by the caller): the build directory; the binary is OUT/NAME
#   NAME: the oracle (credit34, sedf45); REV: the commit or tag; WHAT: REV
#   as the message names it; FILE: the scheduler file under xen/common/;
#   SHIM: the header every forwarding header includes; XENFLAGS: the
#   warning flags of Xen's file (its style is not ours); HEADERS: the
#   xen/ and asm/ headers forwarded to SHIM.
# Prints the binary's path. Exits 77 with a message if no Xen git directory
# has REV.
build_from_git() {
    name=$1 rev=$2 what=$3 file=$4 shim=$5 xenflags=$6 headers=$7
    CC=${CC:-cc}
    git_dir=
    for g in ${XEN_GIT:-} /work/.mirror/xen-project+xen/repo; do
        if [ -n "$g" ] && git --git-dir="$g" cat-file -e "$rev:xen/common/$file" 2>/dev/null; then
            git_dir=$g
            break
        fi
    done
    if [ -z "$git_dir" ]; then
        echo "$name/build.sh: no Xen git directory with $what (set XEN_GIT to a clone of xen.git)" >&2
        exit 77
    fi
    X="$OUT/xen"
    rm -rf "$X"
    mkdir -p "$X/src" "$X/include/xen" "$X/shim/xen" "$X/shim/asm"

    # Unmodified Xen source and headers.
    git --git-dir="$git_dir" show "$rev:xen/common/$file" > "$X/src/$file"
    for h in list.h sched-if.h; do
        git --git-dir="$git_dir" show "$rev:xen/include/xen/$h" > "$X/include/xen/$h"
    done

    # Forwarding headers: every other header those files include is our shim.
    for h in $headers; do
        echo "#include \"$shim\"" > "$X/shim/$h"
    done

    CFLAGS="-O2 -g -std=gnu99 -fno-strict-aliasing -I$HERE -I$X/shim -I$X/include"
    obj="$X/${file%.c}.o"
    # shellcheck disable=SC2086
    $CC $CFLAGS $xenflags -c "$X/src/$file" -o "$obj"
    $CC $CFLAGS -Wall -Wextra -Werror -Wno-unused-parameter -c "$HERE/driver.c" -o "$X/driver.o"
    $CC -o "$OUT/$name" "$X/driver.o" "$obj"
    echo "$OUT/$name"
}
