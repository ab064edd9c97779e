#!/bin/sh
# Build the Xen 4.5 SEDF oracle (tests/xen-oracle/README.md).
# Usage: build.sh [OUT]
#   OUT: build directory (default $XENSIM_CACHE/oracle-sedf-4.5, XENSIM_CACHE
#        defaulting to $HOME/.cache/xensim); the binary is OUT/sedf45.
# Xen's sched_sedf.c, xen/list.h and xen/sched-if.h are extracted from tag
# RELEASE-4.5.0 of a Xen git directory ($XEN_GIT, else
# /work/.mirror/xen-project+xen/repo) into OUT at build time and compiled
# unmodified; nothing of Xen is kept in this repository.
# Exit 77 if no Xen git directory with that tag can be found.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${1:-${XENSIM_CACHE:-$HOME/.cache/xensim}/oracle-sedf-4.5}
REV=RELEASE-4.5.0
CC=${CC:-cc}
git_dir=
for g in ${XEN_GIT:-} /work/.mirror/xen-project+xen/repo; do
    if [ -n "$g" ] && git --git-dir="$g" cat-file -e "$REV:xen/common/sched_sedf.c" 2>/dev/null; then
        git_dir=$g
        break
    fi
done
if [ -z "$git_dir" ]; then
    echo "sedf45/build.sh: no Xen git directory with $REV (set XEN_GIT to a clone of xen.git)" >&2
    exit 77
fi
X="$OUT/xen"
rm -rf "$X"
mkdir -p "$X/src" "$X/include/xen" "$X/shim/xen" "$X/shim/asm"
show() { git --git-dir="$git_dir" show "$REV:$1"; }

# Unmodified Xen source and headers.
show xen/common/sched_sedf.c > "$X/src/sched_sedf.c"
for h in list.h sched-if.h; do show "xen/include/xen/$h" > "$X/include/xen/$h"; done

# Forwarding headers: every other header those files include is our shim.
for h in xen/lib.h xen/sched.h xen/timer.h xen/softirq.h xen/time.h xen/errno.h xen/percpu.h \
         xen/prefetch.h asm/system.h; do
    echo '#include "shim.h"' > "$X/shim/$h"
done

CFLAGS="-O2 -g -std=gnu99 -fno-strict-aliasing -I$HERE -I$X/shim -I$X/include"
# Xen's file is built with its own warnings off (its style is not ours);
# NDEBUG stays undefined, so its ASSERTs and CHECKs are on.
$CC $CFLAGS -w -Werror=implicit-function-declaration -c "$X/src/sched_sedf.c" -o "$X/sched_sedf.o"
$CC $CFLAGS -Wall -Wextra -Werror -Wno-unused-parameter -c "$HERE/driver.c" -o "$X/driver.o"
$CC -o "$OUT/sedf45" "$X/driver.o" "$X/sched_sedf.o"
echo "$OUT/sedf45"
