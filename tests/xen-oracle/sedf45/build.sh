#!/bin/sh
# Build the Xen 4.5 SEDF oracle (tests/xen-oracle/README.md).
# Usage: build.sh [OUT]
#   OUT: build directory (default $XENSIM_CACHE/oracle-sedf-4.5, XENSIM_CACHE
#        defaulting to $HOME/.cache/xensim); the binary is OUT/sedf45.
# Xen's sched_sedf.c, xen/list.h and xen/sched-if.h are extracted from tag
# RELEASE-4.5.0 of a Xen git directory ($XEN_GIT, else
# /work/.mirror/xen-project+xen/repo) into OUT at build time and compiled
# unmodified (../build-git.sh); nothing of Xen is kept in this repository.
# Xen's file is built with its own warnings off, but an implicit function
# declaration is an error; NDEBUG stays undefined, so its ASSERTs and
# CHECKs are on.
# Exit 77 if no Xen git directory with that tag can be found.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${1:-${XENSIM_CACHE:-$HOME/.cache/xensim}/oracle-sedf-4.5}
REV=RELEASE-4.5.0
. "$HERE/../build-git.sh"
build_from_git sedf45 "$REV" "$REV" sched_sedf.c shim.h "-w -Werror=implicit-function-declaration" \
    "xen/lib.h xen/sched.h xen/timer.h xen/softirq.h xen/time.h xen/errno.h xen/percpu.h
     xen/prefetch.h asm/system.h"
