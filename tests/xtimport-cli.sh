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
# domain) and must run. The same file read from a pipe (FILE `-`) and a
# FIFO gives the same trace. TSC skew: the run's pCPUs have TSC offsets
# 5000 and 12000 cycles but no vCPU migrates, so nothing is detected and a
# given --tsc-offset shifts times without changing any total; the default
# clock's file and tsc_offset [0]'s import to the same records; a small file
# built here (printf) in which a vCPU moves between two CPUs whose TSCs
# differ by 700 cycles gets a warning and the estimate -700 (allowed
# -2200..-700, derived in tests/test_xtimport.c), and --tsc-skew auto or
# --tsc-offset 1=-700 turn it into the import of the unskewed file. Also: a
# truncated copy exits 2 naming a byte offset and writes nothing, a
# non-xentrace file exits 2, usage errors exit 2. Prints "N passed, N
# failed".
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

# Non-seekable input: stdin from a pipe (cat, not a redirect, which could
# seek), and a FIFO by name.
# shellcheck disable=SC2002
cat "$tmp/x.bin" | "$xensim" trace import xentrace - -o "$tmp/p.txt" --cpu-hz "$HZ" --text \
    >"$tmp/psum" 2>"$tmp/err"
check "a pipe on stdin (-) imports" eq "$?" 0
cat "$tmp/err"
check "the same records as from the file" cmp -s "$tmp/x.txt" "$tmp/p.txt"
check "the summary calls it (stdin)" grep -q 'imported (stdin) -> ' "$tmp/psum"
mkfifo "$tmp/fifo"
cat "$tmp/x.bin" >"$tmp/fifo" &
"$xensim" trace import xentrace "$tmp/fifo" -o "$tmp/f.txt" --cpu-hz "$HZ" --text -q \
    >/dev/null 2>"$tmp/err"
check "a FIFO imports" eq "$?" 0
wait
check "the same records from the FIFO" cmp -s "$tmp/x.txt" "$tmp/f.txt"
head -c 1000 "$tmp/x.bin" | "$xensim" trace import xentrace - -o "$tmp/pc.xst" \
    >/dev/null 2>"$tmp/err"
check "a truncated pipe exits 2" eq "$?" 2
check "naming (stdin) and a byte offset" grep -q '^(stdin): byte [0-9]*: ' "$tmp/err"
check "and writes nothing" test ! -e "$tmp/pc.xst"

# The default clock (no tsc_offset: every pCPU's TSC starts at 60 s of
# cycles, docs/clock.md) and tsc_offset [0] give files that differ only in
# their TSCs, all by the same amount, which the import subtracts: the same
# records.
sed -e 's/, tsc_offset: \[[^]]*\]//' "$tmp/small.yaml" >"$tmp/dflt.yaml"
sed -e 's/tsc_offset: \[[^]]*\]/tsc_offset: [0]/' "$tmp/small.yaml" >"$tmp/zero.yaml"
for c in dflt zero; do
    "$xensim" run "$tmp/$c.yaml" --db "$tmp/$c.db" --xentrace "$tmp/$c.bin" -q \
        >/dev/null 2>"$tmp/err"
    check "run --xentrace ($c clock) exits 0" eq "$?" 0
    "$xensim" trace import xentrace "$tmp/$c.bin" -o "$tmp/$c.txt" --cpu-hz "$HZ" --text -q \
        >/dev/null 2>"$tmp/err"
    check "import ($c clock) exits 0" eq "$?" 0
done
check "the default clock's file has other TSCs than offset 0's" \
    test "$(cmp -s "$tmp/dflt.bin" "$tmp/zero.bin"; echo $?)" = 1
check "their files are the same size" eq "$(wc -c <"$tmp/dflt.bin")" "$(wc -c <"$tmp/zero.bin")"
check "and import to the same records" cmp -s "$tmp/dflt.txt" "$tmp/zero.txt"

# TSC skew without migrations: nothing detected; a given offset moves CPU
# 1's times but no vCPU's totals. (CPU 1's TSC is 7000 cycles ahead; 6000
# cycles are 2500 ns at 2.4 GHz exactly and keep CPU 0's first TSC the
# first, so each time on CPU 1 moves by 2500 ns with no new rounding.)
check "the summary saw no migration" \
    grep -q 'TSC skew: 0 migrations between 0 CPU pairs, 0 going backwards' "$tmp/sum"
"$xensim" trace import xentrace "$tmp/x.bin" -o "$tmp/o.txt" --cpu-hz "$HZ" --text \
    --tsc-offset 1=6000cycles --tsc-skew none >"$tmp/osum" 2>"$tmp/err"
check "--tsc-offset 1=6000cycles exits 0" eq "$?" 0
check "it changes the records' times" test "$(cmp -s "$tmp/x.txt" "$tmp/o.txt"; echo $?)" = 1
check "but no vCPU's totals" eq "$(grep -E '^  (dom0|d[0-9]+) ' "$tmp/osum")" \
    "$(grep -E '^  (dom0|d[0-9]+) ' "$tmp/sum")"
check "the summary lists the given offset" grep -Eq '^  1 +6000 +- ' "$tmp/osum"

# A vCPU migrating between skewed CPUs (tests/test_xtimport.c "migrating"):
# 1 GHz, CPU 1's TSC 700 behind CPU 0's.
le32() {
    for sh in 0 8 16 24; do
        # shellcheck disable=SC2059
        printf "\\$(printf '%03o' $((($1 >> sh) & 255)))"
    done
}
rs() {   # rs TSC OLD NEW DOM VCPU: a runstate change with a TSC and 1 word
    le32 $((0x00021001 | $2 << 8 | $3 << 4 | 1 << 28 | 1 << 31))
    le32 $(($1 & 0xffffffff))
    le32 $(($1 >> 32))
    le32 $(($5 | $4 << 16))
}
migrating() {   # migrating SKEW > FILE
    t0=10000
    t1=$((10000 + $1))
    le32 $((0x0001f003 | 2 << 28)); le32 0; le32 64
    rs $((t0 + 1000)) 1 0 1 0; rs $((t0 + 3000)) 0 1 1 0
    rs $((t0 + 6500)) 1 0 1 0; rs $((t0 + 8000)) 0 2 1 0
    le32 $((0x0001f003 | 2 << 28)); le32 1; le32 112
    rs $((t1 + 500)) 1 0 2 0; rs $((t1 + 2900)) 0 1 2 0; rs $((t1 + 3000)) 1 0 1 0
    rs $((t1 + 5000)) 0 2 1 0; rs $((t1 + 5000)) 1 0 2 0; rs $((t1 + 6000)) 2 1 1 0
    rs $((t1 + 9000)) 0 1 2 0
}
migrating 0 >"$tmp/m0.bin"
migrating -700 >"$tmp/m7.bin"
check "the built file has 2 windows of 4 and 7 records" eq "$(wc -c <"$tmp/m7.bin" | tr -d ' ')" \
    $((12 + 4 * 16 + 12 + 7 * 16))
xt() { "$xensim" trace import xentrace "$@" --cpu-hz 1GHz --text; }
xt "$tmp/m0.bin" -o "$tmp/m0.txt" >/dev/null 2>&1
check "the unskewed file imports" eq "$?" 0
xt "$tmp/m7.bin" -o "$tmp/m7.txt" >"$tmp/msum" 2>"$tmp/err"
check "the skewed file imports (report)" eq "$?" 0
cat "$tmp/msum"
check "a warning: 1 of 2 migrations backwards by 700" grep -q \
    'warning: .*m7.bin: 1 of 2 migrations go backwards in TSC by up to 700 cycles' "$tmp/err"
check "the summary estimates CPU 1 at -700 in -2200..-700" \
    grep -Eq '^  1 +0 +-700 +-2200\.\.-700 vs CPU 0$' "$tmp/msum"
check "uncorrected, the records differ" \
    test "$(cmp -s "$tmp/m0.txt" "$tmp/m7.txt"; echo $?)" = 1
xt "$tmp/m7.bin" -o "$tmp/ma.txt" --tsc-skew auto >"$tmp/asum" 2>"$tmp/err"
check "--tsc-skew auto exits 0" eq "$?" 0
check "without a warning" test ! -s "$tmp/err"
check "--tsc-skew auto gives the unskewed import" cmp -s "$tmp/m0.txt" "$tmp/ma.txt"
check "it says what it applied" grep -Eq '^  1 +0 +-700 +-2200\.\.-700 vs CPU 0 +-700$' "$tmp/asum"
check "and that nothing goes backwards after" \
    grep -q 'TSC skew after correction: 2 migrations between 2 CPU pairs, 0 going' "$tmp/asum"
xt "$tmp/m7.bin" -o "$tmp/mo.txt" --tsc-offset 1=-700 --tsc-skew none >/dev/null 2>&1
check "--tsc-offset 1=-700 gives the unskewed import" cmp -s "$tmp/m0.txt" "$tmp/mo.txt"
# shellcheck disable=SC2002
cat "$tmp/m7.bin" | xt - -o "$tmp/mp.txt" --tsc-skew auto >/dev/null 2>&1
check "so does --tsc-skew auto from a pipe" cmp -s "$tmp/m0.txt" "$tmp/mp.txt"
xt "$tmp/m7.bin" -o "$tmp/mx.txt" --tsc-offset 3=5 >/dev/null 2>"$tmp/err"
check "an offset for a CPU not in the file exits 2" eq "$?" 2
check "saying so" grep -q 'CPU 3, which has no records' "$tmp/err"
check "and writes nothing" test ! -e "$tmp/mx.txt"
for bad in "--tsc-offset 1" "--tsc-offset x=5" "--tsc-offset 1=5s" \
    "--tsc-offset 1=2 --tsc-offset 1=3" "--tsc-offset -1=2" "--tsc-skew maybe"; do
    # shellcheck disable=SC2086
    "$xensim" trace import xentrace "$tmp/m7.bin" -o "$tmp/mx.txt" $bad >/dev/null 2>&1
    check "usage error: $bad" eq "$?" 2
done

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
