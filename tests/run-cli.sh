#!/bin/sh
# End-to-end `xensim run`: run scenarios/default.yaml into results databases
# in a temporary directory and read them back with the sqlite3 CLI
# (scripts/deps installs it). Checks: one run per replication, -q prints
# nothing, a rerun is skipped and adds nothing, --set scheduler.name and
# --seed make new runs, a workload type that is not modelled yet and a bad
# --seed exit 2 and write no run, and SIGINT during a long run exits 130,
# adding no row to a database (intact) and leaving no new one behind.
# Prints "N passed, N failed".
set -u
srcdir=${abs_top_srcdir:-.}
xensim=${XENSIM:-./xensim}
scn="$srcdir/scenarios/default.yaml"
. "$srcdir/tests/shlib.sh"
require_tools sqlite3
tmp=$(mktemp -d)
pid=
trap 'if [ -n "$pid" ]; then kill -KILL "$pid" 2>/dev/null; fi; rm -rf "$tmp"' EXIT
pass=0
fail=0

runs_in() {
    if [ -f "$1" ]; then sql "$1" 'SELECT count(*) FROM run'; else echo 0; fi
}

status_is() {
    eq "$1" "$2"
}

# ---- one run per replication, quiet, skip on rerun ----
db="$tmp/a.db"
"$xensim" run "$scn" --db "$db" -q >"$tmp/out" 2>"$tmp/err"
check "run default.yaml exits 0" status_is $? 0
check "-q prints nothing on stdout" test ! -s "$tmp/out"
check "one run for one replication" eq "$(runs_in "$db")" 1
check "runs view names scenario, scheduler, seed, replication" eq \
    "$(sql "$db" 'SELECT scenario, scheduler, seed, replication FROM runs')" \
    "mixed-host|bvt|7|0"
check "run name is scenario-hash-seed-replication" eq \
    "$(sql "$db" "SELECT count(*) FROM runs WHERE runName = scenario || '-' || scenario_hash || '-s7-r0'")" 1
check "metrics were written" test "$(sql "$db" \
    "SELECT count(*) FROM scalar WHERE moduleName = 'probe' AND scalarName = 'cpu_time_ns'")" = 1

rows_before=$(sql "$db" 'SELECT (SELECT count(*) FROM scalar) + (SELECT count(*) FROM statistic)')
"$xensim" run "$scn" --db "$db" -q >"$tmp/out" 2>"$tmp/err"
check "rerun exits 0" status_is $? 0
check "rerun adds no run" eq "$(runs_in "$db")" 1
check "rerun adds no rows" eq \
    "$(sql "$db" 'SELECT (SELECT count(*) FROM scalar) + (SELECT count(*) FROM statistic)')" \
    "$rows_before"
"$xensim" run "$scn" --db "$db" >"$tmp/out" 2>"$tmp/err"
check "rerun says it skipped" grep -q 'already in .*: skipped' "$tmp/out"

"$xensim" run "$scn" --db "$db" -q --set scheduler.name=rr >/dev/null 2>"$tmp/err"
check "--set scheduler.name=rr exits 0" status_is $? 0
check "--set scheduler.name=rr makes another run" eq "$(runs_in "$db")" 2
check "that run is rr's" eq "$(sql "$db" "SELECT count(*) FROM runs WHERE scheduler = 'rr'")" 1

"$xensim" run "$scn" --db "$db" -q --seed 9 >/dev/null 2>"$tmp/err"
check "--seed 9 exits 0" status_is $? 0
check "--seed 9 makes another run" eq "$(runs_in "$db")" 3
check "that run has seed 9 in its name and attributes" eq \
    "$(sql "$db" "SELECT count(*) FROM runs WHERE seed = '9' AND runName LIKE '%-s9-r0'")" 1
check "the file is intact" eq "$(sql "$db" 'PRAGMA integrity_check')" ok

db="$tmp/reps.db"
"$xensim" run "$scn" --db "$db" -q --set replications=3 --set duration=1s >/dev/null 2>"$tmp/err"
check "replications=3 exits 0" status_is $? 0
check "three replications make three runs" eq \
    "$(sql "$db" 'SELECT group_concat(replication) FROM (SELECT replication FROM runs ORDER BY 1)')" \
    "0,1,2"

# ---- refusals: exit 2, a message, no run ----
# A trace workload whose trace is not a trace is refused before the run,
# with the reader's message, and writes nothing.
db="$tmp/trace.db"
: >"$tmp/empty.xtr"
printf '%s\n' 'name: trace-refused' 'duration: 1s' 'domains:' \
    '  t: { workload: { type: trace, file: empty.xtr } }' >"$tmp/trace.yaml"
"$xensim" run "$tmp/trace.yaml" --db "$db" -q >"$tmp/out" 2>"$tmp/err"
check "a trace workload on an empty file exits 2" status_is $? 2
check "the message names the domain and the empty trace" \
    grep -Eq "domain 't': .*empty" "$tmp/err"
check "the refused scenario writes no run" eq "$(runs_in "$db")" 0

# ---- the hash covers the contents of the files a scenario reads ----
# The same scenario text over another trace, or over the same trace cut
# short, is another experiment: a new run name, never "already in DB".
db="$tmp/content.db"
cp "$srcdir/traces/gzip.xst" "$tmp/t.xst"
printf '%s\n' 'name: trace-content' 'duration: 200ms' 'devices:' \
    '  disk0: { kind: disk, seek: 4ms, rpm: 10000, bandwidth: 80MB/s }' 'domains:' \
    '  dom0: { privileged: true }' \
    '  t: { workload: { type: trace, file: t.xst, loop: true, device: disk0 } }' \
    >"$tmp/content.yaml"
hash_of() { scenario_hash "$tmp/content.yaml"; }
lacks() { ! grep -q "$1" "$2"; }
h1=$(hash_of)
"$xensim" run "$tmp/content.yaml" --db "$db" -q >/dev/null 2>"$tmp/err"
check "run over t.xst (gzip) exits 0" status_is $? 0
cp "$srcdir/traces/sqlite.xst" "$tmp/t.xst"
h2=$(hash_of)
check "check prints another hash once t.xst is another trace" test "$h1" != "$h2"
"$xensim" run "$tmp/content.yaml" --db "$db" >"$tmp/out" 2>"$tmp/err"
check "run over the replaced t.xst exits 0" status_is $? 0
check "run over the replaced t.xst is not skipped" lacks 'already in' "$tmp/out"
check "it is a second run, under the new hash" eq \
    "$(sql "$db" "SELECT group_concat(scenario_hash) FROM (SELECT scenario_hash FROM runs ORDER BY runId)")" \
    "$h1,$h2"
cp "$tmp/t.xst" "$tmp/t.xst.orig"
head -c "$(($(wc -c <"$tmp/t.xst") - 20))" "$tmp/t.xst.orig" >"$tmp/t.xst"
"$xensim" run "$tmp/content.yaml" --db "$db" >"$tmp/out" 2>"$tmp/err"
check "run over the truncated t.xst exits 2" status_is $? 2
check "it is refused with the reader's byte offset" grep -q 't.xst: byte [0-9]*: truncated' "$tmp/err"
check "and not skipped" lacks 'already in' "$tmp/out"
cp "$tmp/t.xst.orig" "$tmp/t.xst"
check "the same bytes again give the same hash" eq "$(hash_of)" "$h2"
"$xensim" run "$tmp/content.yaml" --db "$db" >"$tmp/out" 2>"$tmp/err"
check "so the run is skipped" grep -q 'already in .*: skipped' "$tmp/out"
check "two runs in all" eq "$(runs_in "$db")" 2

# check reads a trace as run does: the truncated t.xst is refused by check
# with run's message, also when only a sweep value names it.
head -c "$(($(wc -c <"$tmp/t.xst") - 20))" "$tmp/t.xst.orig" >"$tmp/cut.xst"
"$xensim" check "$tmp/content.yaml" --set domains.t.workload.file=cut.xst >"$tmp/out" 2>"$tmp/err"
check "check of the truncated trace exits 2" status_is $? 2
check "with run's message: the trace's byte offset" grep -q 'cut.xst: byte [0-9]*: truncated' "$tmp/err"
{ cat "$tmp/content.yaml"; printf '%s\n' 'sweep:' '  domains.t.workload.file: [t.xst, cut.xst]'; } \
    >"$tmp/content-sweep.yaml"
"$xensim" check "$tmp/content-sweep.yaml" >"$tmp/out" 2>"$tmp/err"
check "check of a sweep naming the truncated trace exits 2" status_is $? 2
check "naming the trace and the byte" grep -q 'cut.xst: byte [0-9]*: truncated' "$tmp/err"

db="$tmp/seed.db"
for seed in -1 abc 1.5 18446744073709551616 ''; do
    "$xensim" run "$scn" --db "$db" -q --seed "$seed" >"$tmp/out" 2>"$tmp/err"
    check "--seed '$seed' exits 2" status_is $? 2
    check "--seed '$seed' explains itself" grep -q -- '--seed' "$tmp/err"
done
"$xensim" run "$scn" --db "$db" -q --seed >"$tmp/out" 2>"$tmp/err"
check "--seed without a value exits 2" status_is $? 2
check "bad seeds write no run" eq "$(runs_in "$db")" 0

# ---- SIGINT during a long run (about 10 s uninterrupted) ----
# Once into a database that holds a run already, once into a new file.
interrupt_run() {
    "$xensim" run "$scn" --db "$1" -q --set duration=100000s >"$tmp/out" 2>"$tmp/err" &
    pid=$!
    sleep 1
    kill -INT "$pid"
    n=0
    while kill -0 "$pid" 2>/dev/null && [ $n -lt 100 ]; do
        sleep 0.1
        n=$((n + 1))
    done
    if kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid" 2>/dev/null
        echo "  xensim did not stop within 10 s of SIGINT"
    fi
    wait "$pid"
    status=$?
    pid=
}
db="$tmp/int.db"
"$xensim" run "$scn" --db "$db" -q >/dev/null 2>&1
check "a first run is stored" eq "$(runs_in "$db")" 1
rows='SELECT (SELECT count(*) FROM runAttr) + (SELECT count(*) FROM scalar) + (SELECT count(*) FROM statistic) + (SELECT count(*) FROM histogramBin)'
before=$(sql "$db" "$rows")
interrupt_run "$db"
check "SIGINT exits 130" status_is "$status" 130
check "SIGINT says the run was interrupted" grep -q 'interrupted' "$tmp/err"
check "SIGINT adds no run" eq "$(runs_in "$db")" 1
check "SIGINT adds no rows at all" eq "$(sql "$db" "$rows")" "$before"
check "the file is intact after SIGINT" eq "$(sql "$db" 'PRAGMA integrity_check')" ok
db="$tmp/int-new.db"
interrupt_run "$db"
check "SIGINT into a new database exits 130" status_is "$status" 130
check "SIGINT into a new database leaves no file" test ! -e "$db"
check "nor its -wal or -shm" test ! -e "$db-wal" -a ! -e "$db-shm"

finish
