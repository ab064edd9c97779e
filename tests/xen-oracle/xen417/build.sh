#!/bin/sh
# Build the Xen 4.17 scheduler oracle (tests/xen-oracle/xen417/NOTES.md).
# Usage: build.sh [OUT]
#   OUT: build directory (default $XENSIM_CACHE/oracle-xen-4.17, XENSIM_CACHE
#        defaulting to $HOME/.cache/xensim). The binary is OUT/xen417 (every
#        scheduler, chosen with --sched); OUT/credit417 is the same program,
#        whose default scheduler is credit either way.
# Xen's xen/common/sched/{credit,credit2,rt,null,arinc653}.c, sched/private.h
# and xen/include/xen/list.h come from Debian's xen 4.17.5 source tarball
# through scripts/xen-source (fetched once, SHA-256 checked, cached outside
# the tree) and are compiled unmodified against shim.h; nothing of Xen is
# kept in this repository.
# Exit 77 (with scripts/xen-source's message) if the source cannot be had.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../../.." && pwd)
OUT=${1:-${XENSIM_CACHE:-$HOME/.cache/xensim}/oracle-xen-4.17}
CC=${CC:-cc}
SCHEDS="credit credit2 rt null arinc653"
SRC=$("$TOP/scripts/xen-source" xen/common/sched xen/include) || exit $?
X="$OUT/xen"
rm -rf "$X"
mkdir -p "$X/src" "$X/include/xen" "$X/shim/xen" "$X/shim/asm" "$X/shim/public" "$X/gen"

# Unmodified Xen files.
for s in $SCHEDS; do
    cp "$SRC/xen/common/sched/$s.c" "$X/src/"
done
cp "$SRC/xen/common/sched/private.h" "$X/src/"
cp "$SRC/xen/include/xen/list.h" "$X/include/xen/"

# Constants of the public interface, taken line by line from Xen's headers.
{
    grep -E '^#define (XEN_SYSCTL_(SCHED_RATELIMIT_M(AX|IN)|CSCHED_TSLICE_M(AX|IN)|CSCHED_MGR_DLY_MAX_US|SCHEDOP_(put|get)info)|ARINC653_MAX_DOMAINS_PER_SCHEDULE) ' \
        "$SRC/xen/include/public/sysctl.h"
    grep -E '^#define (XEN_SCHEDULER_(CREDIT|CREDIT2|ARINC653|RTDS|NULL)|XEN_DOMCTL_SCHEDOP_(put|get)(vcpu)?info|_?XEN_DOMCTL_SCHEDRT_extra) ' \
        "$SRC/xen/include/public/domctl.h"
} > "$X/gen/public_consts.h"
[ "$(wc -l < "$X/gen/public_consts.h")" -eq 19 ] \
    || { echo "xen417/build.sh: public constants not found in $SRC" >&2; exit 1; }

# Forwarding headers: every other header those files include is our shim.
for h in xen/init.h xen/lib.h xen/param.h xen/sched.h xen/domain.h xen/delay.h xen/event.h \
         xen/time.h xen/timer.h xen/softirq.h xen/errno.h xen/keyhandler.h xen/trace.h \
         xen/err.h xen/percpu.h xen/rcupdate.h xen/perfc.h xen/cpu.h xen/guest_access.h \
         asm/atomic.h asm/div64.h asm/system.h asm/cpufeature.h asm/processor.h \
         public/sysctl.h; do
    echo '#include "shim.h"' > "$X/shim/$h"
done

# Xen's release build (NDEBUG); -fno-strict-aliasing and -fwrapv as Xen's
# own CFLAGS; warnings of Xen's files are Xen's business (-w).
XCFLAGS="-O2 -g -std=gnu11 -fno-strict-aliasing -fwrapv -DNDEBUG -I$HERE -I$X/shim -I$X/include -I$X/gen"
objs=
for s in $SCHEDS; do
    $CC $XCFLAGS -w -Werror=implicit-function-declaration -c "$X/src/$s.c" -o "$X/$s.o"
    objs="$objs $X/$s.o"
done
$CC $XCFLAGS -I"$X/src" -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare -Werror \
    -c "$HERE/driver.c" -o "$X/driver.o"
# shellcheck disable=SC2086
$CC -o "$OUT/xen417" "$X/driver.o" $objs
ln -f "$OUT/xen417" "$OUT/credit417"
echo "$OUT/xen417"
