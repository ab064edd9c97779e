#!/bin/sh
# End-to-end `xensim compare` and `xensim regress` through the binary, read
# back with the sqlite3 tool. compare: a small scenario (a periodic probe,
# a server and two hogs on one pCPU, 300 ms) under rr and bvt with 3
# replications prints the table with intervals and paired-test marks,
# exits 0 and records schedulers x replications runs; a rerun simulates
# nothing and adds no rows; bad options exit 2. regress: the database
# against itself exits 0, a +10% latency injected with SQL exits 1 and
# names the metric, a missing file and no runs in common exit 2.
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

scn="$tmp/small.yaml"
cat >"$scn" <<'EOF'
name: compare-small
seed: 3
duration: 300ms
warmup: 20ms
replications: 3
machine:
  pcpus: 1
scheduler:
  name: bvt
devices:
  nic0: { kind: nic, bandwidth: 1Gbit/s, latency: 20us }
domains:
  dom0:
    privileged: true
    backend: { per_request: 20us }
    sched:
      bvt: { mcu_advance: 1, warp: 2ms, warpl: 10ms, warpu: 50ms }
  probe:
    workload: { type: periodic, period: 5ms, burst: { dist: exponential, mean: 500us } }
    sched:
      bvt: { mcu_advance: 10, warp: 2ms, warpl: 50ms, warpu: 200ms }
  web:
    workload: { type: server, device: nic0, arrival: { dist: exponential, mean: 5ms }, service: 200us }
  hog:
    count: 2
    workload: { type: cpu }
EOF

status_is() {
    eq "$1" "$2"
}

runs_in() {
    if [ -f "$1" ]; then sql "$1" 'SELECT count(*) FROM run'; else echo 0; fi
}

# ---- compare ----
db="$tmp/cmp.db"
"$xensim" compare "$scn" --schedulers rr,bvt --db "$db" >"$tmp/out" 2>"$tmp/err"
check "compare exits 0" status_is $? 0
check "records schedulers x replications runs" eq "$(runs_in "$db")" 6
check "3 runs per scheduler" eq \
    "$(sql "$db" 'SELECT scheduler || ":" || count(*) FROM runs GROUP BY scheduler ORDER BY 1' | tr '\n' ' ')" \
    "bvt:3 rr:3 "
check "replications 0..2 of each" eq \
    "$(sql "$db" 'SELECT count(DISTINCT replication) FROM runs')" 3
check "replication k of each scheduler has the same seed" eq \
    "$(sql "$db" 'SELECT count(DISTINCT seed) FROM runs')" 1
check "table header names both schedulers" grep -q 'module.*metric.*rr.*bvt' "$tmp/out"
check "table has the probe's cpu_share" grep -q 'probe.*cpu_share' "$tmp/out"
check "table has web's net_latency p99" grep -q 'net_latency:p99' "$tmp/out"
check "table has requests_per_s" grep -q 'requests_per_s' "$tmp/out"
check "table shows intervals" grep -q '±' "$tmp/out"
check "a significant difference is marked" grep -q ' \*' "$tmp/out"
check "the legend explains the marks" grep -q 'paired t-test' "$tmp/out"
check "says 6 runs simulated" grep -q '6 runs simulated, 0 already in' "$tmp/out"
cp "$tmp/out" "$tmp/first"

rows=$(sql "$db" 'SELECT (SELECT count(*) FROM scalar) + (SELECT count(*) FROM statistic)')
"$xensim" compare "$scn" --schedulers rr,bvt --db "$db" >"$tmp/out" 2>"$tmp/err"
check "rerun exits 0" status_is $? 0
check "rerun adds no run" eq "$(runs_in "$db")" 6
check "rerun adds no rows" eq \
    "$(sql "$db" 'SELECT (SELECT count(*) FROM scalar) + (SELECT count(*) FROM statistic)')" "$rows"
check "rerun says nothing was simulated" grep -q '0 runs simulated, 6 already in' "$tmp/out"
check "rerun prints the same table" eq "$(sed 1d "$tmp/out")" "$(sed 1d "$tmp/first")"

"$xensim" compare "$scn" --schedulers rr,bvt --db "$db" -q >"$tmp/out" 2>"$tmp/err"
check "-q prints nothing" test ! -s "$tmp/out"

"$xensim" compare "$scn" --schedulers rr,bvt --db "$tmp/par.db" -j 3 >"$tmp/out" 2>"$tmp/err"
check "-j 3 exits 0" status_is $? 0
check "-j 3 records the same 6 runs" eq \
    "$(sql "$tmp/par.db" 'SELECT runName FROM run ORDER BY 1' | tr '\n' ' ')" \
    "$(sql "$db" 'SELECT runName FROM run ORDER BY 1' | tr '\n' ' ')"
check "-j 3 says 6 runs simulated" grep -q '6 runs simulated, 0 already in' "$tmp/out"
check "-j 3 prints the same table as one process" eq "$(sed 1d "$tmp/out")" "$(sed 1d "$tmp/first")"

"$xensim" compare "$scn" --schedulers rr,bvt --db "$db" --metric late_periods \
    --replications 2 -j 2 >"$tmp/out" 2>"$tmp/err"
check "--metric, --replications 2, -j 2 exit 0" status_is $? 0
check "--metric limits the table" eq "$(grep -c 'cpu_share' "$tmp/out")" 0
check "--metric late_periods is shown" grep -q 'probe.*late_periods' "$tmp/out"
check "--replications 2 reuses replications 0 and 1" eq "$(runs_in "$db")" 6

"$xensim" compare "$scn" --schedulers rr,nosuch --db "$tmp/bad.db" >"$tmp/out" 2>"$tmp/err"
check "an unknown scheduler exits 2" status_is $? 2
check "and names it" grep -q 'nosuch' "$tmp/err"
"$xensim" compare "$scn" --replications 0 --db "$tmp/bad.db" >/dev/null 2>&1
check "--replications 0 exits 2" status_is $? 2
"$xensim" compare "$scn" --schedulers rr,rr --db "$tmp/bad.db" >/dev/null 2>&1
check "a scheduler named twice exits 2" status_is $? 2
"$xensim" compare "$tmp/missing.yaml" --db "$tmp/bad.db" >/dev/null 2>&1
check "a missing scenario exits 2" status_is $? 2
check "bad input records nothing" eq "$(runs_in "$tmp/bad.db")" 0

# ---- regress ----
"$xensim" regress --baseline "$db" --current "$db" >"$tmp/out" 2>"$tmp/err"
check "regress against itself exits 0" status_is $? 0
check "and reports no regression" grep -q '^ok: no regression' "$tmp/out"

cur="$tmp/cur.db"
cp "$db" "$cur"
sqlite3 "$cur" "UPDATE scalar SET scalarValue = scalarValue * 1.10
                WHERE moduleName = 'probe' AND scalarName = 'sched_latency:p99'
                  AND runId IN (SELECT runId FROM runs WHERE scheduler = 'rr')"
"$xensim" regress --baseline "$db" --current "$cur" >"$tmp/out" 2>"$tmp/err"
check "+10% p99 latency exits 1" status_is $? 1
check "names the metric as regressed" grep -q 'sched_latency:p99.*probe.*+10.0%.*REGRESSED' \
    "$tmp/out"
"$xensim" regress --baseline "$db" --current "$cur" --tolerance 15 >"$tmp/out" 2>"$tmp/err"
check "--tolerance 15 accepts +10%" status_is $? 0
"$xensim" regress --baseline "$db" --current "$cur" --metric cpu_share >"$tmp/out" 2>"$tmp/err"
check "--metric cpu_share ignores the latency" status_is $? 0

"$xensim" regress --baseline "$db" --current "$tmp/missing.db" >"$tmp/out" 2>"$tmp/err"
check "a missing database exits 2" status_is $? 2
"$xensim" compare "$scn" --schedulers atropos --replications 1 --db "$tmp/other.db" -q \
    >/dev/null 2>&1
"$xensim" regress --baseline "$db" --current "$tmp/other.db" >"$tmp/out" 2>"$tmp/err"
check "no runs in common exits 2" status_is $? 2
check "and says so" grep -q 'no runs in common' "$tmp/err"
"$xensim" regress --baseline "$db" >/dev/null 2>&1
check "missing --current exits 2" status_is $? 2
"$xensim" regress --baseline "$db" --current "$cur" --alpha 2 >/dev/null 2>&1
check "--alpha 2 exits 2" status_is $? 2

# ---- a compare whose runs all fail leaves no new file (-j 1 and -j 2) ----
: >"$tmp/empty.xtr"
printf '%s\n' 'name: allfail' 'duration: 10ms' 'domains:' \
    '  t: { workload: { type: trace, file: empty.xtr } }' >"$tmp/allfail.yaml"
for j in 1 2; do
    "$xensim" compare "$tmp/allfail.yaml" --schedulers rr,bvt --replications 1 \
        --db "$tmp/allfail$j.db" -j $j -q >/dev/null 2>"$tmp/err"
    check "-j $j: a compare whose runs all fail exits 2" status_is $? 2
    check "-j $j: it leaves no file" test ! -e "$tmp/allfail$j.db" -a ! -e "$tmp/allfail$j.db-wal"
done

finish
