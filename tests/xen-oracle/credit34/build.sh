#!/bin/sh
# Build the Xen 3.4 Credit oracle (tests/xen-oracle/README.md).
# Usage: build.sh [OUT]
#   OUT: build directory (default $XENSIM_CACHE/oracle-credit-3.4, XENSIM_CACHE
#        defaulting to $HOME/.cache/xensim); the binary is OUT/credit34.
# Xen's sched_credit.c, xen/list.h and xen/sched-if.h are extracted from
# commit a36045afa8 of a Xen git directory ($XEN_GIT, else
# /work/.mirror/xen-project+xen/repo) into OUT at build time and compiled
# unmodified; nothing of Xen is kept in this repository.
# Exit 77 if no Xen git directory with that commit can be found.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${1:-${XENSIM_CACHE:-$HOME/.cache/xensim}/oracle-credit-3.4}
COMMIT=a36045afa8
CC=${CC:-cc}
git_dir=
for g in ${XEN_GIT:-} /work/.mirror/xen-project+xen/repo; do
    if [ -n "$g" ] && git --git-dir="$g" cat-file -e "$COMMIT:xen/common/sched_credit.c" 2>/dev/null; then
        git_dir=$g
        break
    fi
done
if [ -z "$git_dir" ]; then
    echo "credit34/build.sh: no Xen git directory with commit $COMMIT (set XEN_GIT to a clone of xen.git)" >&2
    exit 77
fi
X="$OUT/xen"
rm -rf "$X"
mkdir -p "$X/src" "$X/include/xen" "$X/shim/xen" "$X/shim/asm"
show() { git --git-dir="$git_dir" show "$COMMIT:$1"; }

# Unmodified Xen source and headers.
show xen/common/sched_credit.c > "$X/src/sched_credit.c"
for h in list.h sched-if.h; do show "xen/include/xen/$h" > "$X/include/xen/$h"; done

# Forwarding headers: every other header those files include is our shim.
for h in xen/config.h xen/init.h xen/lib.h xen/sched.h xen/domain.h xen/delay.h xen/event.h \
         xen/time.h xen/perfc.h xen/softirq.h xen/errno.h xen/percpu.h xen/timer.h \
         asm/atomic.h asm/system.h; do
    echo '#include "oracle_shim.h"' > "$X/shim/$h"
done

CFLAGS="-O2 -g -std=gnu99 -fno-strict-aliasing -I$HERE -I$X/shim -I$X/include"
# Xen's file is built with its own warnings off (its style is not ours).
$CC $CFLAGS -w -c "$X/src/sched_credit.c" -o "$X/sched_credit.o"
$CC $CFLAGS -Wall -Wextra -Werror -Wno-unused-parameter -c "$HERE/driver.c" -o "$X/driver.o"
$CC -o "$OUT/credit34" "$X/driver.o" "$X/sched_credit.o"
echo "$OUT/credit34"
