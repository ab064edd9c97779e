#!/bin/sh
# The example scenarios: `xensim check` accepts every scenarios/*.yaml (exit
# 0), and the I/O and memory examples (driver-starvation.yaml,
# page-table-storm.yaml, strace-replay.yaml: real captures replayed with
# their block I/O; mixed-vcpus.yaml: one workload per vCPU) run briefly
# under rr, bvt and atropos, smp-credit.yaml under those, credit, credit2, rtds and
# sedf, and default.yaml under credit2, rtds and sedf, each writing one run with its metrics into a
# results database in a temporary directory, read back with the sqlite3 CLI
# (scripts/deps installs it).
# Prints "N passed, N failed".
set -u
srcdir=${abs_top_srcdir:-.}
xensim=${XENSIM:-./xensim}
. "$srcdir/tests/shlib.sh"
require_tools sqlite3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

positive() {
    case $1 in
        '' | *[!0-9]* | 0) echo "  got '$1', want a count above 0"; return 1 ;;
    esac
    return 0
}

# ---- every example validates ----
n=0
for f in "$srcdir"/scenarios/*.yaml; do
    [ -f "$f" ] || continue
    n=$((n + 1))
    "$xensim" check "$f" >"$tmp/out" 2>"$tmp/err"
    status=$?
    check "check $(basename "$f") exits 0" eq "$status" 0
    if [ "$status" -ne 0 ]; then sed 's/^/  /' "$tmp/err"; fi
done
check "found the four example scenarios or more" test "$n" -ge 4

# ---- the I/O and memory examples run, briefly, under each scheduler ----
# run_short FILE SCHEDULER METRIC-QUERY: run FILE shortened, expect exit 0,
# one run of that scheduler, metrics, and METRIC-QUERY's count above 0.
run_short() {
    name=$(basename "$1" .yaml)
    db="$tmp/$name-$2.db"
    "$xensim" run "$srcdir/scenarios/$1" --db "$db" -q --set duration=300ms \
        --set warmup=100ms --set scheduler.name="$2" >"$tmp/out" 2>"$tmp/err"
    status=$?
    check "run $1 under $2 exits 0" eq "$status" 0
    if [ "$status" -ne 0 ]; then sed 's/^/  /' "$tmp/err"; fi
    check "$1 under $2: one run" eq "$(sql "$db" 'SELECT count(*) FROM run')" 1
    check "$1 under $2: the run is $2's" eq "$(sql "$db" 'SELECT scheduler FROM runs')" "$2"
    check "$1 under $2: scalars written" positive "$(sql "$db" 'SELECT count(*) FROM scalar')"
    check "$1 under $2: $3" positive "$(sql "$db" "$4")"
}

# smp-credit.yaml (an 8-pCPU SMP host with multi-vCPU guests) under every
# scheduler: I/O completes and, under credit, credit2 and rtds (global EDF), vCPUs
# move. Under null the ten vCPUs of dom0, web and db take the 8 pCPUs in creation
# order, so db's last two wait, and I/O still completes on its first two.
for s in rr bvt atropos credit credit2 rtds sedf null; do
    run_short smp-credit.yaml "$s" "io_latency of db and net_latency of web" \
        "SELECT count(*) FROM statistic WHERE statCount > 0 AND ((statName = 'io_latency'
         AND moduleName = 'db') OR (statName = 'net_latency' AND moduleName = 'web'))
         HAVING count(*) = 2"
    moved=$(sql "$tmp/smp-credit-$s.db" "SELECT sum(scalarValue) FROM scalar
        WHERE scalarName = 'migrations'")
    if [ "$s" = credit ] || [ "$s" = credit2 ] || [ "$s" = rtds ]; then
        check "smp-credit.yaml under $s: vCPUs migrate" positive "${moved%.0}"
    else
        check "smp-credit.yaml under $s: no vCPU moves" eq "${moved%.0}" 0
    fi
done

# Under arinc653 without a schedule (Xen's boot schedule), only dom0's
# vCPUs run, 10 ms each in turn; nothing else ever does.
run_short smp-credit.yaml arinc653 "dom0 runs" \
    "SELECT count(*) FROM scalar WHERE moduleName = 'dom0' AND scalarName = 'cpu_time_ns'
     AND scalarValue > 0"
others=$(sql "$tmp/smp-credit-arinc653.db" "SELECT sum(scalarValue) FROM scalar
    WHERE scalarName = 'cpu_time_ns' AND moduleName NOT IN ('dom0', 'host')")
check "smp-credit.yaml under arinc653's boot schedule: no domU runs" eq "${others%.0}" 0
for f in default smp-credit; do
    for s in null arinc653; do
        "$xensim" run "$srcdir/scenarios/$f.yaml" --db "$tmp/$f-$s-run.db" -q \
            --set duration=300ms --set scheduler.name="$s" >"$tmp/out" 2>"$tmp/err"
        check "run $f.yaml under $s exits 0" eq "$?" 0
    done
done
# default.yaml under the schedulers added after Xen 2.0's.
for s in credit2; do
    "$xensim" run "$srcdir/scenarios/default.yaml" --db "$tmp/default-$s.db" -q \
        --set duration=300ms --set warmup=100ms --set scheduler.name="$s" >"$tmp/out" 2>"$tmp/err"
    status=$?
    check "run default.yaml under $s exits 0" eq "$status" 0
    if [ "$status" -ne 0 ]; then sed 's/^/  /' "$tmp/err"; fi
    check "default.yaml under $s: scalars written" \
        positive "$(sql "$tmp/default-$s.db" 'SELECT count(*) FROM scalar')"
done
# default.yaml under the schedulers its own name does not pick: every
# domain with a workload gets CPU time.
for s in rtds; do
    run_short default.yaml "$s" "CPU time of all six domains" \
        "SELECT count(*) FROM scalar WHERE scalarName = 'cpu_time_ns' AND scalarValue > 0
         AND moduleName IN ('dom0', 'probe', 'web', 'db', 'hog.0', 'hog.1') HAVING count(*) = 6"
done
# default.yaml (the mixed host) under SEDF, the scheduler added last.
run_short default.yaml sedf "io_latency of db" \
    "SELECT count(*) FROM statistic WHERE statName = 'io_latency' AND statCount > 0
     AND moduleName = 'db'"

for s in rr bvt atropos; do
    run_short driver-starvation.yaml "$s" "io_latency of both io guests" \
        "SELECT count(*) FROM statistic WHERE statName = 'io_latency' AND statCount > 0
         AND moduleName IN ('io.0', 'io.1') HAVING count(*) = 2"
    run_short page-table-storm.yaml "$s" "mmu updates and rejections" \
        "SELECT count(*) FROM scalar WHERE moduleName = 'storm-bad' AND scalarName = 'mmu_rejected'
         AND scalarValue > 0"
    run_short strace-replay.yaml "$s" "io_ops of the gzip, sqlite and pipeline replays" \
        "SELECT count(*) FROM scalar WHERE scalarName = 'io_ops' AND scalarValue > 0
         AND moduleName IN ('gzip', 'sqlite', 'pipeline') HAVING count(*) = 3"
    run_short mixed-vcpus.yaml "$s" "io_latency of web's vCPU 1" \
        "SELECT count(*) FROM statistic WHERE statName = 'io_latency' AND statCount > 0
         AND moduleName = 'web'"
done

finish
