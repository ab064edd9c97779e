#!/bin/sh
# End-to-end `xensim trace import xentrace` (docs/traces.md, "xentrace
# import"): a 2-pCPU scenario (a periodic probe and two hogs on pCPU 0, a
# periodic 2-vCPU guest and an idle dom0 on pCPU 1; context_switch 0 so
# that a vCPU's running time in the xentrace file is exactly xensim's
# cpu_time_ns) is run with --xentrace, the file imported with --cpu-hz at
# the scenario's TSC rate, and the native trace checked: `trace info`
# reads it, and per domain the total COMPUTE equals cpu_time_ns and the
# total SLEEP the blocked time (vcpus * window - cpu_time_ns -
# runnable_wait_ns), within 1 ns per operation plus 2 (the conversions
# round down). The summary names the layout and every vCPU; lost records
# are zero. Then the imported trace is replayed (one `trace` workload per
# domain) and must run. Also: a truncated copy exits 2 naming a byte
# offset and writes nothing, a non-xentrace file exits 2, usage errors
# exit 2. Prints "N passed, N failed".
set -u
srcdir=${abs_top_srcdir:-.}
xensim=${XENSIM:-./xensim}
. "$srcdir/tests/shlib.sh"
require_tools sqlite3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

HZ=2400000000
cat >"$tmp/small.yaml" <<'EOF2'
name: xtimport-roundtrip
seed: 5
duration: 800ms
warmup: 200ms
machine:
  pcpus: 2
  clock: { tsc_hz: 2.4GHz, tsc_offset: [5000cycles, 12000cycles] }
  costs: { context_switch: 0us, cache_refill: 2us, upcall: 1us }
scheduler:
  name: bvt
domains:
  dom0:
    privileged: true
    cpus: [1]
  probe:
    cpus: [0]
    workload: { type: periodic, period: 2ms, burst: { dist: exponential, mean: 300us } }
  hog:
    count: 2
    cpus: [0]
    workload: { type: cpu }
  wide:
    vcpus: 2
    cpus: [1]
    workload: { type: periodic, period: 1ms, burst: { dist: exponential, mean: 200us } }
EOF2
# xentrace domain id:scenario name:vCPUs
doms="0:dom0:1 1:probe:1 2:hog.0:1 3:hog.1:1 4:wide:2"
window=800000000

db="$tmp/d.db"
"$xensim" run "$tmp/small.yaml" --db "$db" --xentrace "$tmp/x.bin" -q >/dev/null 2>"$tmp/err"
check "run --xentrace exits 0" eq "$?" 0
"$xensim" trace import xentrace "$tmp/x.bin" -o "$tmp/x.xst" --cpu-hz "$HZ" >"$tmp/sum" \
    2>"$tmp/err"
check "import exits 0" eq "$?" 0
cat "$tmp/err"
cat "$tmp/sum"
check "the summary names the layout" grep -q 'layout windows (Xen 3.2+)' "$tmp/sum"
check "the summary says no record was lost" grep -q 'lost records: 0 in 0' "$tmp/sum"
check "no warning" test ! -s "$tmp/err"
"$xensim" trace info "$tmp/x.xst" >"$tmp/info" 2>&1
check "trace info reads the import" eq "$?" 0
check "trace info: source xentrace" grep -q 'xentrace' "$tmp/info"
"$xensim" trace convert "$tmp/x.xst" -o "$tmp/x.txt" --text >/dev/null 2>&1
check "trace convert to text" eq "$?" 0
"$xensim" trace import xentrace "$tmp/x.bin" -o "$tmp/y.txt" --cpu-hz 2.4GHz --text -q \
    >/dev/null 2>&1
check "--text --cpu-hz 2.4GHz gives the same records" cmp -s "$tmp/x.txt" "$tmp/y.txt"

scalar() {   # scalar MODULE NAME: the value as an integer
    sql "$db" "SELECT printf('%.0f', scalarValue) FROM scalar WHERE moduleName = '$1' AND scalarName = '$2'"
}

# near GOT WANT TOL: |GOT - WANT| <= TOL.
near() {
    if awk -v g="$1" -v w="$2" -v t="$3" 'BEGIN { d = g - w; if (d < 0) d = -d; exit !(d <= t) }'
    then return 0; fi
    echo "  got $1, want $2 (tolerance $3)"
    return 1
}

# Per trace domain: total compute, its ops, total sleep, its ops.
awk '!/^#/ && NF >= 5 { seen[$2] = 1
                        if ($4 == "compute") { c[$2] += $5; nc[$2]++ }
                        else if ($4 == "sleep") { s[$2] += $5; ns[$2]++ } }
     END { for (d in seen) printf "%s %.0f %d %.0f %d\n", d, c[d], nc[d], s[d], ns[d] }' \
    "$tmp/x.txt" >"$tmp/tot"
for e in $doms; do
    i=${e%%:*}
    rest=${e#*:}
    name=${rest%:*}
    nv=${rest#*:}
    tname=d$i
    [ "$i" = 0 ] && tname=dom0
    line=$(grep "^$tname " "$tmp/tot")
    comp=$(echo "$line" | awk '{ print $2 + 0 }')
    nc=$(echo "$line" | awk '{ print $3 + 0 }')
    slp=$(echo "$line" | awk '{ print $4 + 0 }')
    nsl=$(echo "$line" | awk '{ print $5 + 0 }')
    cpu=$(scalar "$name" cpu_time_ns)
    wait=$(scalar "$name" runnable_wait_ns)
    blk=$((nv * window - cpu - wait))
    echo "$name ($tname): compute $comp in $nc ops vs cpu_time_ns $cpu; sleep $slp in $nsl ops vs blocked $blk"
    check "$name: total compute = cpu_time_ns" near "$comp" "$cpu" "$((nc + 2))"
    check "$name: total sleep = blocked time" near "$slp" "$blk" "$((nsl + 2))"
done
check "the probe slept often" test "$(grep '^d1 ' "$tmp/tot" | awk '{ print $5 }')" -gt 100

# Replay the import: one trace workload per domain, named as in the trace.
cat >"$tmp/replay.yaml" <<EOF2
name: xtimport-replay
seed: 1
duration: 800ms
machine:
  pcpus: 2
  costs: { context_switch: 0us }
scheduler:
  name: bvt
domains:
  dom0:
    privileged: true
    cpus: [1]
    workload: { type: trace, file: x.xst }
  d1:
    cpus: [0]
    workload: { type: trace, file: x.xst }
  d2:
    cpus: [0]
    workload: { type: trace, file: x.xst }
  d3:
    cpus: [0]
    workload: { type: trace, file: x.xst }
  d4:
    vcpus: 2
    cpus: [1]
    workload: { type: trace, file: x.xst }
EOF2
"$xensim" run "$tmp/replay.yaml" --db "$tmp/r.db" -q >"$tmp/rout" 2>"$tmp/err"
check "the imported trace replays" eq "$?" 0
cat "$tmp/err"
check "the replay recorded its run" eq "$(sql "$tmp/r.db" 'SELECT count(*) FROM run')" 1
rc=$(sql "$tmp/r.db" "SELECT printf('%.0f', scalarValue) FROM scalar WHERE moduleName = 'd1' AND scalarName = 'cpu_time_ns'")
echo "replay: d1 cpu_time_ns $rc"
check "the replayed probe computed" test "${rc:-0}" -gt 1000000

# Damage.
size=$(wc -c <"$tmp/x.bin")
head -c $((size - 5)) "$tmp/x.bin" >"$tmp/cut.bin"
"$xensim" trace import xentrace "$tmp/cut.bin" -o "$tmp/cut.xst" >/dev/null 2>"$tmp/err"
check "a truncated file exits 2" eq "$?" 2
check "its message names a byte offset" grep -q "cut.bin: byte [0-9]*: " "$tmp/err"
check "and nothing is written" test ! -e "$tmp/cut.xst"
"$xensim" trace import xentrace "$tmp/small.yaml" -o "$tmp/n.xst" >/dev/null 2>"$tmp/err"
check "a YAML file exits 2" eq "$?" 2
check "as not xentrace" grep -q 'byte 0: not a xentrace file' "$tmp/err"
"$xensim" trace import xentrace "$tmp/x.bin" >/dev/null 2>&1
check "missing -o exits 2" eq "$?" 2
"$xensim" trace import xentrace "$tmp/x.bin" -o "$tmp/z.xst" --cpu-hz fast >/dev/null 2>&1
check "a bad --cpu-hz exits 2" eq "$?" 2
"$xensim" trace import xentrace "$tmp/x.bin" -o "$tmp/z.xst" --layout fixed32 >/dev/null 2>&1
check "the wrong --layout exits 2" eq "$?" 2
"$xensim" trace import xentrace "$tmp/x.bin" -o "$tmp/z.xst" -q 2>"$tmp/err" >/dev/null
check "without --cpu-hz: a note (2.4 GHz)" grep -q 'assuming 2.4 GHz' "$tmp/err"
finish
