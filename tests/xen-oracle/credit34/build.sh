#!/bin/sh
# Build the Xen 3.4 Credit oracle (tests/xen-oracle/README.md).
# Usage: build.sh [OUT]
#   OUT: build directory (default $XENSIM_CACHE/oracle-credit-3.4, XENSIM_CACHE
#        defaulting to $HOME/.cache/xensim); the binary is OUT/credit34.
# Xen's sched_credit.c, xen/list.h and xen/sched-if.h are extracted from
# commit a36045afa8 of a Xen git directory ($XEN_GIT, else
# /work/.mirror/xen-project+xen/repo) into OUT at build time and compiled
# unmodified, with their warnings off (../build-git.sh); nothing of Xen is
# kept in this repository.
# Exit 77 if no Xen git directory with that commit can be found.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${1:-${XENSIM_CACHE:-$HOME/.cache/xensim}/oracle-credit-3.4}
COMMIT=a36045afa8
. "$HERE/../build-git.sh"
build_from_git credit34 "$COMMIT" "commit $COMMIT" sched_credit.c oracle_shim.h "-w" \
    "xen/config.h xen/init.h xen/lib.h xen/sched.h xen/domain.h xen/delay.h xen/event.h
     xen/time.h xen/perfc.h xen/softirq.h xen/errno.h xen/percpu.h xen/timer.h
     asm/atomic.h asm/system.h"
