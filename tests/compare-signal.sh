#!/bin/sh
# `xensim compare -j 2` stopped by a signal sent to its own process only
# (not to its process group, so its workers see nothing from the terminal):
# SIGINT and SIGTERM each make it stop its workers and exit 130, as
# `sweep -j` and `compare -j 1` do; no worker outlives it; the database
# holds only whole runs, fewer than the comparison's 8; a rerun completes
# the comparison. The same with -j 1 for reference. Prints
# "N passed, N failed".
set -u
srcdir=${abs_top_srcdir:-.}
xensim=${XENSIM:-./xensim}
. "$srcdir/tests/shlib.sh"
require_tools sqlite3
tmp=$(mktemp -d)
pid=
trap 'if [ -n "$pid" ]; then kill -KILL "$pid" 2>/dev/null; fi; rm -rf "$tmp"' EXIT
pass=0
fail=0

# 2 schedulers x 4 replications = 8 runs; each simulates 600 s of a busy
# host (about 0.7 s of wall clock natively), so the whole comparison takes
# several seconds with two workers.
scn="$tmp/long.yaml"
cat >"$scn" <<'EOF2'
name: compare-signal
seed: 3
duration: 600s
replications: 4
domains:
  p: { workload: { type: periodic, period: 200us, burst: { dist: exponential, mean: 50us } } }
  hog: { count: 2, workload: { type: cpu } }
EOF2

runs_in() {
    got=$(sql "$1" 'SELECT count(*) FROM run' 2>/dev/null)
    case $got in ''|error) echo 0 ;; *) echo "$got" ;; esac
}

# Wait (up to 60 s) until DB holds a first run, or the process $2 ended.
wait_first_run() {
    n=0
    while [ $n -lt 1200 ]; do
        [ "$(runs_in "$1")" -ge 1 ] && return 0
        kill -0 "$2" 2>/dev/null || return 1
        sleep 0.05
        n=$((n + 1))
    done
    return 1
}

# Whole runs: each has its scenario attribute and the machine's two scalars.
whole_runs() {
    eq "$(sql "$1" "SELECT count(*) FROM run r WHERE
        (SELECT count(*) FROM runAttr a WHERE a.runId = r.runId AND a.attrName = 'scenario') != 1
        OR (SELECT count(*) FROM scalar s WHERE s.runId = r.runId AND s.moduleName = 'machine') != 2")" 0
}

# interrupt SIGNAL JOBS: start the comparison in the background, send
# SIGNAL to its pid once it has recorded a run, and check what is left.
interrupt() {
    sig=$1 jobs=$2
    db="$tmp/$sig-$jobs.db"
    "$xensim" compare "$scn" --schedulers rr,bvt -j "$jobs" --db "$db" -q \
        >"$tmp/out" 2>"$tmp/err" &
    pid=$!
    check "$sig -j $jobs: the comparison records a first run" wait_first_run "$db" "$pid"
    workers=$(pgrep -P "$pid" 2>/dev/null || true)
    if [ "$jobs" -gt 1 ]; then
        check "$sig -j $jobs: $jobs workers run" eq "$(echo $workers | wc -w)" "$jobs"
    fi
    kill "-$sig" "$pid"
    # A run in flight stops at its next check; 10 s is far more than that
    # and less than what finishing every run would take under load.
    n=0
    while kill -0 "$pid" 2>/dev/null && [ $n -lt 100 ]; do
        sleep 0.1
        n=$((n + 1))
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    wait "$pid"
    status=$?
    pid=
    check "$sig -j $jobs: exit status 130" eq "$status" 130
    check "$sig -j $jobs: says it was interrupted" grep -q 'interrupted' "$tmp/err"
    for w in $workers; do
        check "$sig -j $jobs: worker $w stopped" gone "$w"
    done
    n1=$(runs_in "$db")
    check "$sig -j $jobs: stopped mid-way (runs: $n1 of 8)" test "$n1" -ge 1 -a "$n1" -lt 8
    check "$sig -j $jobs: only whole runs" whole_runs "$db"
    check "$sig -j $jobs: the file is intact" eq "$(sql "$db" 'PRAGMA integrity_check')" ok
    sleep 0.3
    check "$sig -j $jobs: nothing writes afterwards" eq "$(runs_in "$db")" "$n1"
}

interrupt INT 2
interrupt TERM 2
interrupt INT 1

# The interrupted comparison completes on a rerun, simulating only the rest.
db="$tmp/INT-2.db"
n1=$(runs_in "$db")
"$xensim" compare "$scn" --schedulers rr,bvt -j 2 --db "$db" >"$tmp/out" 2>"$tmp/err"
check "the rerun exits 0" eq "$?" 0
check "the rerun simulates only the missing runs" \
    grep -q "$((8 - n1)) runs* simulated, $n1 already in" "$tmp/out"
check "the rerun completes the comparison" eq "$(runs_in "$db")" 8

finish
