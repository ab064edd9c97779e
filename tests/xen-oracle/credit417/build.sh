#!/bin/sh
# Build the Xen 4.17 Credit oracle (tests/xen-oracle/credit417/NOTES.md).
# Usage: build.sh [OUT]
#   OUT: build directory (default $XENSIM_CACHE/oracle-credit-4.17, XENSIM_CACHE
#        defaulting to $HOME/.cache/xensim); the binary is OUT/credit417.
# Xen's xen/common/sched/credit.c, sched/private.h and xen/include/xen/list.h
# come from Debian's xen 4.17.5 source tarball through scripts/xen-source
# (fetched once, SHA-256 checked, cached outside the tree) and are compiled
# unmodified against shim.h; nothing of Xen is kept in this repository.
# Exit 77 (with scripts/xen-source's message) if the source cannot be had.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../../.." && pwd)
OUT=${1:-${XENSIM_CACHE:-$HOME/.cache/xensim}/oracle-credit-4.17}
CC=${CC:-cc}
SRC=$("$TOP/scripts/xen-source" xen/common/sched xen/include) || exit $?
X="$OUT/xen"
rm -rf "$X"
mkdir -p "$X/src" "$X/include/xen" "$X/shim/xen" "$X/shim/asm" "$X/gen"

# Unmodified Xen files.
cp "$SRC/xen/common/sched/credit.c" "$SRC/xen/common/sched/private.h" "$X/src/"
cp "$SRC/xen/include/xen/list.h" "$X/include/xen/"

# Constants of the public interface, taken line by line from Xen's headers.
{
    grep -E '^#define XEN_SYSCTL_(SCHED_RATELIMIT_M(AX|IN)|CSCHED_TSLICE_M(AX|IN)|CSCHED_MGR_DLY_MAX_US|SCHEDOP_(put|get)info) ' \
        "$SRC/xen/include/public/sysctl.h"
    grep -E '^#define (XEN_SCHEDULER_CREDIT|XEN_DOMCTL_SCHEDOP_(put|get)info) ' \
        "$SRC/xen/include/public/domctl.h"
} > "$X/gen/public_consts.h"
[ "$(wc -l < "$X/gen/public_consts.h")" -eq 10 ] \
    || { echo "credit417/build.sh: public constants not found in $SRC" >&2; exit 1; }

# Forwarding headers: every other header those files include is our shim.
for h in xen/init.h xen/lib.h xen/param.h xen/sched.h xen/domain.h xen/delay.h xen/event.h \
         xen/time.h xen/softirq.h xen/errno.h xen/keyhandler.h xen/trace.h xen/err.h \
         xen/percpu.h xen/rcupdate.h asm/atomic.h asm/div64.h asm/system.h; do
    echo '#include "shim.h"' > "$X/shim/$h"
done

# Xen's release build (NDEBUG); -fno-strict-aliasing and -fwrapv as Xen's
# own CFLAGS; warnings of Xen's file are Xen's business (-w).
XCFLAGS="-O2 -g -std=gnu11 -fno-strict-aliasing -fwrapv -DNDEBUG -I$HERE -I$X/shim -I$X/include -I$X/gen"
$CC $XCFLAGS -w -c "$X/src/credit.c" -o "$X/credit.o"
$CC $XCFLAGS -I"$X/src" -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare -Werror \
    -c "$HERE/driver.c" -o "$X/driver.o"
$CC -o "$OUT/credit417" "$X/driver.o" "$X/credit.o"
echo "$OUT/credit417"
