#!/bin/sh
# End-to-end `xensim plot` and `xensim run --timeline` with the real command
# line: short runs of scenarios/default.yaml under two schedulers into a
# results database in a temporary directory, then every figure rendered by
# gnuplot into a non-empty PNG (and SVG), the scripts re-rendered on their
# own from another directory, a missing gnuplot leaving the scripts and a
# note (exit 0), bad options exiting 2, and the timeline vectors checked
# with the sqlite3 CLI (one point per context switch after the window's
# start, none without --timeline). Skips (77) without gnuplot or sqlite3.
# Prints "N passed, N failed".
set -u
srcdir=${abs_top_srcdir:-.}
xensim=${XENSIM:-./xensim}
scn="$srcdir/scenarios/default.yaml"
. "$srcdir/tests/shlib.sh"
require_tools gnuplot sqlite3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

nonempty() {
    if [ -s "$1" ]; then return 0; fi
    echo "  $1 is missing or empty"
    return 1
}

db="$tmp/r.db"
short="--set duration=400ms --set warmup=50ms"
# shellcheck disable=SC2086
"$xensim" run "$scn" --db "$db" -q $short --timeline=0:10s >/dev/null 2>"$tmp/err"
check "run --timeline=0:10s exits 0" eq $? 0
# shellcheck disable=SC2086
"$xensim" run "$scn" --db "$db" -q $short --set scheduler.name=rr --timeline >/dev/null 2>"$tmp/err"
check "run --timeline (default window) exits 0" eq $? 0
# shellcheck disable=SC2086
"$xensim" run "$scn" --db "$db" -q $short --set scheduler.name=atropos >/dev/null 2>"$tmp/err"
check "run without --timeline exits 0" eq $? 0

# ---- the recording ----
check "a timeline and a runq vector per pCPU of run 1" eq \
    "$(sql "$db" "SELECT group_concat(vectorName, ',') FROM (SELECT vectorName FROM vector
                  WHERE runId = 1 ORDER BY vectorName)")" "runq,timeline"
check "one point per context switch after the window's start" eq \
    "$(sql "$db" "SELECT vectorCount - 1 FROM vector WHERE runId = 1 AND vectorName = 'timeline'")" \
    "$(sql "$db" "SELECT CAST(scalarValue AS INTEGER) FROM scalar WHERE runId = 1
                  AND moduleName = 'pcpu0' AND scalarName = 'context_switches'")"
check "the default window is the first 100 ms measured" eq \
    "$(sql "$db" "SELECT min(simtimeRaw) || ' ' || (max(simtimeRaw) <= 150000000) FROM vectorData
                  JOIN vector USING (vectorId) WHERE runId = 2")" "50000000 1"
check "at most one vCPU per pCPU at any instant" eq \
    "$(sql "$db" "SELECT count(*) FROM (SELECT 1 FROM vectorData JOIN vector USING (vectorId)
                  WHERE vectorName = 'timeline' GROUP BY vectorId, simtimeRaw HAVING count(*) > 1)")" 0
check "no vector rows without --timeline" eq \
    "$(sql "$db" "SELECT count(*) FROM vector WHERE runId = 3")" 0

# ---- a sweep, if `xensim sweep` is there ----
cat >"$tmp/sweep.yaml" <<'YAML'
name: plot-sweep
seed: 5
duration: 200ms
warmup: 20ms
replications: 2
machine: { pcpus: 1 }
scheduler: { name: bvt }
domains:
  probe:
    workload: { type: periodic, period: 10ms, burst: 1ms }
  hog:
    count: 1
    workload: { type: cpu }
sweep:
  domains.hog.count: [1, 2]
YAML
have_sweep=no
if "$xensim" sweep "$tmp/sweep.yaml" --db "$tmp/s.db" -q >/dev/null 2>&1; then
    have_sweep=yes
fi

# ---- every figure renders ----
out="$tmp/figs"
"$xensim" plot "$db" --out "$out" >"$tmp/out" 2>"$tmp/err"
check "plot exits 0" eq $? 0
for f in latency-sched_latency latency-io_latency latency-net_latency latency-evtchn_latency \
         cpu-share gantt-run1 runq-run1 gantt-run2 runq-run2; do
    check "$f.png rendered" nonempty "$out/$f.png"
    check "$f.gp written" nonempty "$out/$f.gp"
done
check "no Gantt chart for the run without a timeline" test ! -e "$out/gantt-run3.gp"
check "the missing sweep is a note" grep -q 'sweep: .*skipped' "$tmp/err"
if [ "$have_sweep" = yes ]; then
    "$xensim" plot "$tmp/s.db" --out "$tmp/sfigs" -q 2>"$tmp/err"
    check "plot of a sweep exits 0" eq $? 0
    check "sweep.png rendered" nonempty "$tmp/sfigs/sweep.png"
else
    echo "note: xensim sweep is not available; the sweep figure is checked by tests/test_plot"
fi

# ---- a script renders on its own, from anywhere ----
rm -f "$out/gantt-run1.png"
(cd / && gnuplot "$out/gantt-run1.gp") 2>"$tmp/err"
check "gnuplot DIR/gantt-run1.gp exits 0 from another directory" eq $? 0
check "and writes its image beside the script" nonempty "$out/gantt-run1.png"

# ---- SVG, run selection and window ----
"$xensim" plot "$db" --out "$tmp/svg" --format svg --run 2 --window 10ms:30ms -q 2>"$tmp/err"
check "plot --format svg --run 2 --window exits 0" eq $? 0
check "gantt-run2.svg rendered" nonempty "$tmp/svg/gantt-run2.svg"
check "only run 2 is drawn" test ! -e "$tmp/svg/gantt-run1.svg"
check "the Gantt chart covers the window" grep -q 'set xrange \[10.000000:30.000000\]' \
    "$tmp/svg/gantt-run2.gp"

# ---- no gnuplot: scripts and a note, exit 0 ----
XENSIM_GNUPLOT=/nonexistent/gnuplot "$xensim" plot "$db" --out "$tmp/nog" >"$tmp/out" 2>"$tmp/err"
check "plot without gnuplot exits 0" eq $? 0
check "it says how to render" grep -q "gnuplot $tmp/nog/\*.gp" "$tmp/err"
check "the scripts are written" nonempty "$tmp/nog/cpu-share.gp"
check "nothing is rendered" test ! -e "$tmp/nog/cpu-share.png"

# ---- bad input ----
"$xensim" plot "$db" --out "$tmp/bad" --run 99 >/dev/null 2>"$tmp/err"
check "an unknown --run exits 2" eq $? 2
"$xensim" plot "$db" >/dev/null 2>"$tmp/err"
check "a missing --out exits 2" eq $? 2
"$xensim" plot "$tmp/none.db" --out "$tmp/bad" >/dev/null 2>"$tmp/err"
check "a missing database exits 2" eq $? 2
"$xensim" plot "$db" --out "$tmp/bad" --format gif >/dev/null 2>"$tmp/err"
check "--format gif exits 2" eq $? 2
# shellcheck disable=SC2086
"$xensim" run "$scn" --db "$tmp/b.db" -q $short --timeline=5ms:1ms >/dev/null 2>"$tmp/err"
check "--timeline with START >= END exits 2" eq $? 2

finish
