#!/bin/sh
# End-to-end `xensim sweep` (docs/experiments.md) on a small scenario of 4
# points x 3 replications = 12 runs, into results databases in a temporary
# directory, read back with the sqlite3 CLI. Checks: -j 1 and -j 2 give the
# same rows (every table keyed by run name, datetime aside); a second call
# is refused without --resume and adds nothing; a sweep killed with SIGKILL
# mid-way leaves an intact file with whole runs only and no workers behind,
# and --resume completes it to the rows of an uninterrupted sweep; SIGINT
# exits 130 and --resume finishes; a scenario without a sweep is one point;
# bad -j values are usage errors (exit 2); a run that cannot be built is
# reported by name while the others are recorded, and a sweep whose runs all
# fail leaves no new file (-j 1 and -j 2). Prints "N passed, N failed".
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

status_is() {
    eq "$1" "$2"
}

runs_in() {
    if [ -f "$1" ]; then sql "$1" 'SELECT count(*) FROM run'; else echo 0; fi
}

# Whole runs only: every run has its attributes, configuration and metrics.
whole_runs() {
    eq "$(sql "$1" "SELECT count(*) FROM run r WHERE
        (SELECT count(*) FROM runAttr a WHERE a.runId = r.runId AND a.attrName = 'scenario') != 1
        OR (SELECT count(*) FROM runItervar i WHERE i.runId = r.runId) != 2
        OR (SELECT count(*) FROM scalar s WHERE s.runId = r.runId AND s.moduleName = 'machine') != 2")" 0
}

# 4 points x 3 replications; each run simulates 60 s of a busy host
# (about 0.1 s of wall clock natively).
scn="$tmp/sweep.yaml"
campaign_yaml sweep-cli 60s "$scn"

# ---- -j 1 and -j 2 give the same rows ----
"$xensim" sweep "$scn" --db "$tmp/j1.db" -j 1 >"$tmp/out" 2>"$tmp/err"
check "sweep -j 1 exits 0" status_is $? 0
check "sweep -j 1 records 12 runs" eq "$(runs_in "$tmp/j1.db")" 12
check "the summary names the points and runs" grep -q '4 points over scheduler.name x scheduler.rr.slice, 12 runs' "$tmp/out"
check "no progress line on a pipe" test ! -s "$tmp/err"
"$xensim" sweep "$scn" --db "$tmp/j2.db" -j 2 -q >"$tmp/out" 2>"$tmp/err"
check "sweep -j 2 exits 0" status_is $? 0
check "-q prints nothing" test ! -s "$tmp/out"
check "sweep -j 2 records 12 runs" eq "$(runs_in "$tmp/j2.db")" 12
check "-j 1 and -j 2 give identical rows" same_db "$tmp/j1.db" "$tmp/j2.db"
check "run names carry hash, point, seed, replication" eq "$(sql "$tmp/j2.db" \
    "SELECT count(*) FROM runs WHERE runName = 'sweep-cli-' || scenario_hash ||
     '-scheduler.name=bvt,scheduler.rr.slice=2ms-s3-r2'")" 1
check "the runs view shows the sweep point" eq "$(sql "$tmp/j2.db" \
    "SELECT count(*) FROM runs WHERE sweep_point = 'scheduler.name=rr, scheduler.rr.slice=1ms'")" 3
check "one scenario hash for the whole sweep" eq \
    "$(sql "$tmp/j2.db" 'SELECT count(DISTINCT scenario_hash) FROM runs')" 1

# ---- a second call: refused without --resume, nothing to do with it ----
"$xensim" sweep "$scn" --db "$tmp/j1.db" -q >"$tmp/out" 2>"$tmp/err"
check "a complete sweep again without --resume exits 2" status_is $? 2
check "the refusal suggests --resume" grep -q -- '--resume' "$tmp/err"
"$xensim" sweep "$scn" --db "$tmp/j1.db" --resume >"$tmp/out" 2>"$tmp/err"
check "--resume of a complete sweep exits 0" status_is $? 0
check "and simulates nothing" grep -q '0 simulated, 12 already in' "$tmp/out"
check "and adds nothing" eq "$(runs_in "$tmp/j1.db")" 12

# ---- SIGKILL mid-way, then --resume ----
# Wait (up to 30 s) until the file holds at least $2 runs, or the process
# $3 has ended.
wait_runs() {
    n=0
    while [ $n -lt 600 ]; do
        got=$(sql "$1" 'SELECT count(*) FROM run' 2>/dev/null)
        case $got in ''|error) got=0 ;; esac
        if [ "$got" -ge "$2" ]; then return 0; fi
        if ! kill -0 "$3" 2>/dev/null; then return 1; fi
        sleep 0.05
        n=$((n + 1))
    done
    return 1
}

db="$tmp/kill.db"
"$xensim" sweep "$scn" --db "$db" -j 2 -q >"$tmp/out" 2>"$tmp/err" &
pid=$!
check "the sweep records its first runs" wait_runs "$db" 2 "$pid"
workers=$(pgrep -P "$pid" 2>/dev/null || true)
kill -KILL "$pid"
wait "$pid" 2>/dev/null
pid=
sleep 0.5
for w in $workers; do
    check "worker $w died with the sweep" gone "$w"
done
n1=$(runs_in "$db")
sleep 0.5
check "nothing writes after the kill" eq "$(runs_in "$db")" "$n1"
check "the kill came mid-way (runs: $n1)" test "$n1" -ge 2 -a "$n1" -lt 12
check "the file is intact after SIGKILL" eq "$(sql "$db" 'PRAGMA integrity_check')" ok
check "only whole runs after SIGKILL" whole_runs "$db"
"$xensim" sweep "$scn" --db "$db" -j 2 -q >"$tmp/out" 2>"$tmp/err"
check "without --resume the killed sweep is refused (exit 2)" status_is $? 2
check "the refusal counts the runs already there" grep -q "holds $n1 of the 12 runs" "$tmp/err"
"$xensim" sweep "$scn" --db "$db" -j 2 --resume >"$tmp/out" 2>"$tmp/err"
check "--resume after SIGKILL exits 0" status_is $? 0
check "--resume simulates only the missing runs" grep -q "$((12 - n1)) simulated, $n1 already in" "$tmp/out"
check "--resume completes the sweep" eq "$(runs_in "$db")" 12
check "the resumed sweep equals an uninterrupted one" same_db "$tmp/j1.db" "$db"
check "the file is intact after the resume" eq "$(sql "$db" 'PRAGMA integrity_check')" ok

# ---- SIGINT mid-way: exit 130, whole runs, --resume finishes ----
db="$tmp/int.db"
"$xensim" sweep "$scn" --db "$db" -j 2 -q >"$tmp/out" 2>"$tmp/err" &
pid=$!
check "the sweep records a first run" wait_runs "$db" 1 "$pid"
kill -INT "$pid"
n=0
while kill -0 "$pid" 2>/dev/null && [ $n -lt 100 ]; do
    sleep 0.1
    n=$((n + 1))
done
wait "$pid"
status=$?
pid=
check "SIGINT exits 130" status_is "$status" 130
check "SIGINT says how to finish" grep -q 'interrupted.*--resume' "$tmp/err"
check "only whole runs after SIGINT" whole_runs "$db"
"$xensim" sweep "$scn" --db "$db" -j 2 --resume -q >"$tmp/out" 2>"$tmp/err"
check "--resume after SIGINT exits 0" status_is $? 0
check "the sweep finished after SIGINT equals an uninterrupted one" same_db "$tmp/j1.db" "$db"

# ---- no sweep block: one point; --set fixes an axis ----
cat >"$tmp/plain.yaml" <<'EOF'
name: plain
duration: 10ms
replications: 2
domains:
  hog: { count: 2, workload: { type: cpu } }
EOF
"$xensim" sweep "$tmp/plain.yaml" --db "$tmp/plain.db" >"$tmp/out" 2>"$tmp/err"
check "a scenario without a sweep exits 0" status_is $? 0
check "it is one point" grep -q '1 point, 2 runs' "$tmp/out"
check "with the names of xensim run" eq "$(sql "$tmp/plain.db" \
    "SELECT count(*) FROM runs WHERE runName = 'plain-' || scenario_hash || '-s1-r' || replication AND sweep_point IS NULL")" 2
"$xensim" run "$tmp/plain.yaml" --db "$tmp/plain.db" -q >/dev/null 2>&1
check "xensim run then finds the runs already there" eq "$(runs_in "$tmp/plain.db")" 2
"$xensim" sweep "$scn" --db "$tmp/fixed.db" --set scheduler.name=rr --set duration=10ms \
    --set replications=1 --seed 5 >"$tmp/out" 2>"$tmp/err"
check "--set of a swept path exits 0" status_is $? 0
check "--set of a swept path is noted" grep -q 'fixes the swept path scheduler.name' "$tmp/err"
check "--set of a swept path leaves the other axis" eq "$(sql "$tmp/fixed.db" \
    "SELECT group_concat(sweep_point, ';') FROM (SELECT sweep_point FROM runs ORDER BY 1)")" \
    "scheduler.rr.slice=1ms;scheduler.rr.slice=2ms"
check "--seed goes into names and attributes" eq "$(sql "$tmp/fixed.db" \
    "SELECT count(*) FROM runs WHERE seed = '5' AND runName LIKE '%-s5-r0' AND scheduler = 'rr'")" 2

# ---- bad input: exit 2, nothing written ----
for j in 0 x -1 1.5 ''; do
    "$xensim" sweep "$scn" --db "$tmp/bad.db" -j "$j" -q >"$tmp/out" 2>"$tmp/err"
    check "-j '$j' exits 2" status_is $? 2
    check "-j '$j' explains itself" grep -q -- '-j' "$tmp/err"
done
"$xensim" sweep "$scn" --db "$tmp/bad.db" -j >"$tmp/out" 2>"$tmp/err"
check "-j without a value exits 2" status_is $? 2
"$xensim" sweep "$scn" --db "$tmp/bad.db" --frobnicate >"$tmp/out" 2>"$tmp/err"
check "an unknown option exits 2" status_is $? 2
"$xensim" sweep "$tmp/missing.yaml" --db "$tmp/bad.db" >"$tmp/out" 2>"$tmp/err"
check "a missing scenario exits 2" status_is $? 2
printf '%s\n' 'name: badsw' 'duration: 1s' 'domains:' '  h: { workload: { type: cpu } }' \
    'sweep:' '  domains.h.count: [1, -2]' >"$tmp/badsw.yaml"
"$xensim" sweep "$tmp/badsw.yaml" --db "$tmp/bad.db" >"$tmp/out" 2>"$tmp/err"
check "a bad sweep value exits 2" status_is $? 2
check "the message points at the value" grep -q 'badsw.yaml:6:' "$tmp/err"
check "bad input writes no run" eq "$(runs_in "$tmp/bad.db")" 0

# ---- values bad only together, in a sweep too large to check every point
# when planning (2 x 2 x 1025 points): --list lists it, running stops before
# the first run at the value, a shard of good points runs ----
{
    printf '%s\n' 'name: combo' 'duration: 1ms' 'machine: { pcpus: 2 }' 'domains:' \
        '  p: { cpus: [0], workload: { type: cpu } }' 'sweep:' '  domains.p.cpus: [[0], [1]]' \
        '  machine.pcpus: [2, 1]' '  duration:'
    for ms in $(seq 1 1025); do echo "    - ${ms}ms"; done
} >"$tmp/combo.yaml"
check "a large sweep with a bad combination lists its runs" eq \
    "$("$xensim" sweep "$tmp/combo.yaml" --list 2>/dev/null | wc -l | tr -d ' ')" 4100
"$xensim" sweep "$tmp/combo.yaml" --db "$tmp/combo.db" -q >"$tmp/out" 2>"$tmp/err"
check "running it exits 2" status_is $? 2
check "the message points at the value" grep -q '^xensim: .*combo.yaml:7:26: cpus: pCPU 1 does not exist' "$tmp/err"
check "nothing is run" eq "$(runs_in "$tmp/combo.db")" 0
"$xensim" sweep "$tmp/combo.yaml" --index 0-1 --db "$tmp/combo.db" -q >"$tmp/out" 2>"$tmp/err"
check "a shard of good points runs" status_is $? 0
check "and records its runs" eq "$(runs_in "$tmp/combo.db")" 2

# ---- a run that cannot be built fails by name; the others are recorded ----
: >"$tmp/empty.xtr"
printf '%s\n' 'name: partfail' 'duration: 10ms' 'domains:' '  h: { workload: { type: cpu } }' \
    '  t: { count: 0, workload: { type: trace, file: empty.xtr } }' \
    'sweep:' '  domains.t.count: [0, 1]' >"$tmp/partfail.yaml"
"$xensim" sweep "$tmp/partfail.yaml" --db "$tmp/partfail.db" -j 2 -q >"$tmp/out" 2>"$tmp/err"
check "a sweep with a failing run exits 2" status_is $? 2
check "the failed run is named" grep -q 'run partfail-.*-domains.t.count=1-s1-r0 failed: .*trace' "$tmp/err"
check "the other run is recorded" eq "$(sql "$tmp/partfail.db" 'SELECT sweep_point FROM runs')" \
    "domains.t.count=0"

# ---- a sweep whose every run fails leaves no new file behind ----
printf '%s\n' 'name: allfail' 'duration: 10ms' 'domains:' \
    '  t: { workload: { type: trace, file: empty.xtr } }' \
    'sweep:' '  scheduler.name: [rr, bvt]' >"$tmp/allfail.yaml"
for j in 1 2; do
    "$xensim" sweep "$tmp/allfail.yaml" --db "$tmp/allfail$j.db" -j $j -q >"$tmp/out" 2>"$tmp/err"
    check "-j $j: a sweep whose runs all fail exits 2" status_is $? 2
    check "-j $j: both failures are named" eq "$(grep -c 'run allfail-.* failed: .*trace' "$tmp/err")" 2
    check "-j $j: it leaves no file" test ! -e "$tmp/allfail$j.db" -a ! -e "$tmp/allfail$j.db-wal"
done

finish
