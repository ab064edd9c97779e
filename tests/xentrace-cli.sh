#!/bin/sh
# End-to-end `xensim run --xentrace FILE` (docs/traces.md, "xentrace
# export"). A 2-pCPU scenario (a periodic probe and two hogs on pCPU 0, a
# periodic 2-vCPU guest and an idle dom0 on pCPU 1, so pCPU 1 idles and
# vCPUs block and wake; context_switch 0 so that a vCPU's "running" time is
# exactly xensim's cpu_time_ns) is run with --xentrace, and the file is
# decoded by tests/xentrace_decode.py, an independent reader that follows
# the record layout of the facts file and shares no code with xensim.
# Checks: windows and records parse to the end of the file exactly, TSCs
# never decrease per CPU, every runstate change starts from the state the
# vCPU was left in; per domain the running time equals cpu_time_ns, the
# runnable time runnable_wait_ns and the blocked time the rest of
# vcpus * window (within one TSC cycle per accounted interval, counted as
# 1 ns), the runnable->running, blocked->runnable and running->blocked
# changes equal dispatches, wakeups and blocks; every pCPU's vCPUs (idle
# included) run for exactly the window. Also: the file appears only after a
# successful run, a run already in the database is simulated again for the
# file without a second run row, --timeline still works beside it, and a
# file that cannot be created exits 2 and records nothing. With
# scenarios/default.yaml (3us context switches) running time is
# cpu_time_ns plus 3us per dispatch.
# The default clock: the same scenario without tsc_offset and without
# warm-up writes every pCPU's first TSC as 60 s of cycles at 2.4 GHz
# (docs/clock.md), and its records span exactly the window's cycles.
# Then Xen's own xenalyze (built by scripts/xenalyze from Debian's Xen
# source; skipped with a message if that fails) must read both files with
# --summary, exit 0 without a "Strange" complaint (a TSC of 0 at the start,
# what the default clock wrote before, makes it stop with "Strange, pN
# first_tsc 0!"), give the window as the total time and report per-domain
# running time within 1% of cpu_time_ns.
# Prints "N passed, N failed".
set -u
srcdir=${abs_top_srcdir:-.}
xensim=${XENSIM:-./xensim}
. "$srcdir/tests/shlib.sh"
require_tools sqlite3 python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

HZ=2400000000
cat >"$tmp/s.yaml" <<'EOF'
name: xentrace-export
seed: 3
duration: 1500ms
warmup: 300ms
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
    sched:
      bvt: { mcu_advance: 10, warp: 5ms, warpl: 50ms, warpu: 200ms }
  hog:
    count: 2
    cpus: [0]
    workload: { type: cpu }
  wide:
    vcpus: 2
    cpus: [1]
    workload: { type: periodic, period: 1ms, burst: { dist: exponential, mean: 200us } }
EOF
# Domain index -> name and vCPU count, in scenario order.
doms="0:dom0:1 1:probe:1 2:hog.0:1 3:hog.1:1 4:wide:2"
window=1500000000

db="$tmp/r.db"
xt="$tmp/out.xt"
"$xensim" run "$tmp/s.yaml" --db "$db" --xentrace "$xt" --timeline >"$tmp/out" 2>"$tmp/err"
check "run --xentrace exits 0" eq "$?" 0
check "the file exists" test -s "$xt"
check "run says where the file is" grep -q "^xentrace: $xt ([0-9]* records" "$tmp/out"
check "no temporary file is left" eq "$(ls "$tmp" | grep -c '^out\.xt\.')" 0
check "--timeline still records beside --xentrace" eq \
    "$(sql "$db" "SELECT count(*) FROM vector WHERE vectorName = 'timeline'")" 2

python3 "$srcdir/tests/xentrace_decode.py" "$xt" --hz "$HZ" >"$tmp/dec" 2>"$tmp/dec.err"
check "the independent reader parses the whole file" eq "$?" 0
cat "$tmp/dec.err"
check "records counted by xensim and by the reader agree" eq \
    "$(awk '/^file/ { print $6 }' "$tmp/dec")" \
    "$(sed -n 's/^xentrace: .* (\([0-9]*\) records.*/\1/p' "$tmp/out")"
check "several windows per CPU" test "$(awk '/^file/ { print $4 }' "$tmp/dec")" -gt 4

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

for e in $doms; do
    i=${e%%:*}
    rest=${e#*:}
    name=${rest%:*}
    nv=${rest#*:}
    line=$(grep "^dom $i " "$tmp/dec")
    field() { echo "$line" | awk -v k="$1" '{ for (j = 1; j < NF; j++) if ($j == k) print $(j + 1) }'; }
    tol=$(( $(field intervals) + 2 ))
    run=$(field running_ns)
    rbl=$(field runnable_ns)
    blk=$(field blocked_ns)
    cpu=$(scalar "$name" cpu_time_ns)
    wait=$(scalar "$name" runnable_wait_ns)
    check "$name: running time = cpu_time_ns" near "$run" "$cpu" "$tol"
    check "$name: runnable time = runnable_wait_ns" near "$rbl" "$wait" "$tol"
    check "$name: blocked time = vcpus * window - the rest" near "$blk" \
        "$((nv * window - cpu - wait))" "$tol"
    check "$name: runnable->running changes = dispatches" eq "$(field dispatches)" \
        "$(scalar "$name" dispatches)"
    check "$name: blocked->runnable changes = wakeups" eq "$(field wakeups)" \
        "$(scalar "$name" wakeups)"
    check "$name: running->blocked changes = blocks" eq "$(field blocks)" \
        "$(scalar "$name" blocks)"
done
check "some vCPU blocked and woke" test "$(scalar probe wakeups)" -gt 100
check "pCPU 1 idled" test "$(scalar pcpu1 idle_ns)" -gt 100000000
for p in 0 1; do
    check "pcpu$p: its vCPUs, idle included, run for the whole window" near \
        "$(awk -v p="$p" '$1 == "cpu" && $2 == p { print $10 }' "$tmp/dec")" "$window" 1
done

# With a context-switch cost (scenarios/default.yaml: 3us, one pCPU, I/O
# through dom0), a vCPU's running time also holds the overhead of its
# dispatches: cpu_time_ns + dispatches * 3us (one switch may straddle the
# window's start).
ddb="$tmp/default.db"
"$xensim" run "$srcdir/scenarios/default.yaml" --set duration=2s --db "$ddb" \
    --xentrace "$tmp/default.xt" -q >/dev/null 2>"$tmp/err"
check "default.yaml with --xentrace exits 0" eq "$?" 0
python3 "$srcdir/tests/xentrace_decode.py" "$tmp/default.xt" --hz "$HZ" >"$tmp/ddec" 2>&1
check "the reader parses default.yaml's file" eq "$?" 0
i=0
for name in dom0 probe web db hog.0 hog.1; do
    line=$(grep "^dom $i " "$tmp/ddec")
    c=$(sql "$ddb" "SELECT printf('%.0f', scalarValue) FROM scalar WHERE moduleName = '$name' AND scalarName = 'cpu_time_ns'")
    n=$(sql "$ddb" "SELECT printf('%.0f', scalarValue) FROM scalar WHERE moduleName = '$name' AND scalarName = 'dispatches'")
    check "default.yaml $name: running = cpu_time_ns + dispatches * 3us" near \
        "$(echo "$line" | awk '{ print $4 }')" "$((c + n * 3000))" \
        "$(( $(echo "$line" | awk '{ print $10 }') + 3002 ))"
    i=$((i + 1))
done

# A run already recorded is simulated again for the file, not recorded again.
"$xensim" run "$tmp/s.yaml" --db "$db" --xentrace "$tmp/again.xt" >"$tmp/out2" 2>"$tmp/err"
check "rerun with --xentrace exits 0" eq "$?" 0
check "rerun says it skipped the database" grep -q 'already in .*: skipped' "$tmp/out2"
check "rerun adds no run" eq "$(sql "$db" 'SELECT count(*) FROM run')" 1
check "rerun writes the same file" cmp -s "$xt" "$tmp/again.xt"

# A file that cannot be created: exit 2, nothing recorded.
"$xensim" run "$tmp/s.yaml" --db "$tmp/bad.db" --xentrace "$tmp/no/such/dir/x.xt" -q \
    >/dev/null 2>"$tmp/err"
check "an uncreatable file exits 2" eq "$?" 2
check "its error names the file" grep -q "no/such/dir/x.xt" "$tmp/err"
check "and no database is left behind" test ! -e "$tmp/bad.db"
"$xensim" run "$tmp/s.yaml" --db "$tmp/bad.db" --xentrace >/dev/null 2>"$tmp/err"
check "--xentrace without a file exits 2" eq "$?" 2

# ---- the default clock ----
# The same scenario without tsc_offset and without warm-up, so that the file
# starts at engine time 0: every pCPU's TSC then starts at the documented
# default, 60 s of cycles at tsc_hz (sim/clock.h), 60 * 2.4e9 = 144e9.
sed -e 's/, tsc_offset: \[[^]]*\]//' -e 's/^warmup: .*/warmup: 0s/' "$tmp/s.yaml" >"$tmp/s0.yaml"
check "the default-clock scenario gives no tsc_offset" eq "$(grep -c tsc_offset "$tmp/s0.yaml")" 0
db0="$tmp/r0.db"
xt0="$tmp/out0.xt"
"$xensim" run "$tmp/s0.yaml" --db "$db0" --xentrace "$xt0" -q >/dev/null 2>"$tmp/err"
check "run --xentrace with the default clock exits 0" eq "$?" 0
python3 "$srcdir/tests/xentrace_decode.py" "$xt0" --hz "$HZ" >"$tmp/dec0" 2>&1
check "the reader parses the default-clock file" eq "$?" 0
for p in 0 1; do
    check "default clock: pCPU $p's first TSC is 60 s of cycles" eq \
        "$(awk -v p="$p" '$1 == "cpu" && $2 == p { print $6 }' "$tmp/dec0")" 144000000000
    check "default clock: pCPU $p's records span the window" eq \
        "$(awk -v p="$p" '$1 == "cpu" && $2 == p { printf "%.0f", $8 - $6 }' "$tmp/dec0")" \
        "$((window / 1000000000 * HZ + window % 1000000000 * HZ / 1000000000))"
done

# ---- Xen's own xenalyze ----
# xenalyze_checks LABEL FILE DB DECODED: xenalyze --summary reads FILE
# (exit 0, none of its "Strange" complaints), its total time is the window,
# and per domain the running time it reports is cpu_time_ns of DB within
# 1%, and the probe's blocked time the reader's (DECODED) within 1%.
xenalyze_checks() {
    xl=$1
    xf=$2
    db=$3
    xd=$4
    "$xa" --summary --cpu-hz="$HZ" "$xf" >"$tmp/xa.out" 2>"$tmp/xa.log"
    rc=$?
    check "$xl: xenalyze --summary reads the file" eq "$rc" 0
    check "$xl: xenalyze finds nothing strange" eq "$(grep -c '^Strange' "$tmp/xa.log")" 0
    grep '^Strange' "$tmp/xa.log" | head -n 3
    check "$xl: xenalyze's total time is the window" grep -q '^Total time: 1.50 seconds' "$tmp/xa.out"
    # Per domain: the sum over its vCPUs of "running: COUNT SECONDS AVG":
    # COUNT * AVG cycles (AVG is rounded down: within COUNT cycles).
    awk '/^\|-- Domain / { d = $3; v = 0; next }
         /^-- v[0-9]+ --/ { v = 1; next }
         v && $1 == "running:" { run[d] += $2 * $4 }
         END { for (d in run) printf "%s %.0f\n", d, run[d] }' "$tmp/xa.out" >"$tmp/xa.run"
    for e in $doms; do
        i=${e%%:*}
        rest=${e#*:}
        name=${rest%:*}
        cpu=$(scalar "$name" cpu_time_ns)
        got=$(awk -v d="$i" -v hz="$HZ" '$1 == d { printf "%.0f", $2 * 1e9 / hz }' "$tmp/xa.run")
        check "$xl: xenalyze: $name runs $cpu ns within 1%" near "${got:-0}" "$cpu" \
            "$(awk -v c="$cpu" 'BEGIN { printf "%.0f", c / 100 + 1 }')"
    done
    check "$xl: xenalyze: the probe's blocked time agrees within 1%" near \
        "$(awk '/^\|-- Domain 1 --/ { d = 1 } /^-- v0 --/ && d { v = 1 }
                v && $1 == "blocked:" { printf "%.0f", $2 * $4 * 1e9 / 2400000000; exit }' \
                "$tmp/xa.out")" \
        "$(awk '/^dom 1 / { print $8 }' "$xd")" \
        "$(awk '/^dom 1 / { printf "%.0f", $8 / 100 }' "$xd")"
}
# ---- vCPUs that move: credit, three hogs on two pCPUs ----
# Credit steals a queued hog for the pCPU whose own head is OVER, often at
# the instant the other pCPU switched away from it; the records of a vCPU
# on two pCPUs must still read in order (docs/traces.md), and each hog's
# running time is its cpu_time_ns.
cat >"$tmp/m.yaml" <<'EOF'
name: xentrace-migrate
duration: 1500ms
machine: { pcpus: 2, clock: { tsc_hz: 2.4GHz }, costs: { context_switch: 0us } }
scheduler: { name: credit }
domains:
  hog: { count: 3, workload: { type: cpu } }
EOF
dbm="$tmp/m.db"
xtm="$tmp/m.xt"
"$xensim" run "$tmp/m.yaml" --db "$dbm" --xentrace "$xtm" -q >/dev/null 2>"$tmp/err"
check "credit run --xentrace exits 0" eq "$?" 0
check "credit: the hogs moved" test "$(sql "$dbm" "SELECT printf('%.0f', sum(scalarValue))
    FROM scalar WHERE scalarName = 'migrations'")" -gt 0
python3 "$srcdir/tests/xentrace_decode.py" "$xtm" --hz "$HZ" >"$tmp/decm" 2>"$tmp/decm.err"
check "credit: the reader follows the hogs across pCPUs" eq "$?" 0
cat "$tmp/decm.err"
for i in 0 1 2; do
    got=$(awk -v d="$i" '$1 == "dom" && $2 == d { print $4 }' "$tmp/decm")
    want=$(sql "$dbm" "SELECT printf('%.0f', scalarValue) FROM scalar
        WHERE moduleName = 'hog.$i' AND scalarName = 'cpu_time_ns'")
    check "credit: hog.$i running time = cpu_time_ns" near "${got:-0}" "$want" 1000
done

# ---- Credit 4.17's own records (TRC_CSCHED_*, 0x0002200N) ----
# The same host under Credit 4.17, which writes its scheduler's records as
# Xen 4.17 does. Every do_schedule writes one SCHEDULE record and then a
# switch or a continue-running record: the counts match. Credit 3.4 had no
# records of its own: its file has none.
"$xensim" run "$tmp/m.yaml" --set scheduler.credit.version=4.17 --db "$tmp/m4.db" \
    --xentrace "$tmp/m4.xt" -q >/dev/null 2>"$tmp/err"
check "credit 4.17 run --xentrace exits 0" eq "$?" 0
python3 "$srcdir/tests/xentrace_decode.py" "$tmp/m4.xt" --hz "$HZ" --events >"$tmp/decm4" \
    2>"$tmp/decm4.err"
check "credit 4.17: the reader reads the file" eq "$?" 0
cat "$tmp/decm4.err"
nev() { awk -v e="$2" '$1 == "event" && $2 == e { print $3 }' "$1"; }
n_sched=$(nev "$tmp/decm4" 0x00022009)
n_sw=$(nev "$tmp/decm4" 0x0002800a)
n_cont=$(nev "$tmp/decm4" 0x00021002)
check "credit 4.17: SCHEDULE records" test "${n_sched:-0}" -gt 100
# The file opens and closes with one continue-running record per pCPU (2 x
# 2): the state at each end.
check "credit 4.17: one SCHEDULE per switch or continue-running" eq "${n_sched:-0}" \
    "$(( ${n_sw:-0} + ${n_cont:-0} - 4 ))"
check "credit 4.17: TICKLE and PICKED_CPU records" test \
    "$(( $(nev "$tmp/decm4" 0x00022006) + 0 ))" -gt 0
python3 "$srcdir/tests/xentrace_decode.py" "$xtm" --hz "$HZ" --events >"$tmp/decm3"
check "credit 3.4: no records of its own" eq \
    "$(awk '$1 == "event" && $2 ~ /^0x000220/' "$tmp/decm3" | wc -l)" 0

# ---- Credit2's records (TRC_CSCHED2_*, 0x000222NN) ----
# Four run queues of one pCPU each, six hogs and a periodic probe: the
# balancer runs and moves vCPUs, so every record Xen 4.17's credit2.c
# writes on such a host appears (RATELIMIT, 22, only when a preemption
# comes within 1 ms of a dispatch). Structure from the code: do_schedule
# ends in one RUNQ_CANDIDATE or one RATELIMIT, and a LOAD_BALANCE only
# follows a LOAD_CHECK that passed the threshold.
cat >"$tmp/c2.yaml" <<'EOF'
name: xentrace-credit2
duration: 1500ms
machine: { pcpus: 4, clock: { tsc_hz: 2.4GHz }, costs: { context_switch: 0us } }
scheduler: { name: credit2, credit2: { runqueue: cpu } }
domains:
  hog: { count: 6, workload: { type: cpu } }
  probe: { workload: { type: periodic, period: 5ms, burst: 500us } }
EOF
"$xensim" run "$tmp/c2.yaml" --db "$tmp/c2.db" --xentrace "$tmp/c2.xt" -q >/dev/null 2>"$tmp/err"
check "credit2 run --xentrace exits 0" eq "$?" 0
python3 "$srcdir/tests/xentrace_decode.py" "$tmp/c2.xt" --hz "$HZ" --events >"$tmp/decc2" \
    2>"$tmp/decc2.err"
check "credit2: the reader reads the file" eq "$?" 0
cat "$tmp/decc2.err"
for n in 02 03 05 06 07 09 0a 0b 0c 0d 0e 0f 10 11 13 14 15 17; do
    check "credit2: record 0x000222$n written" test "$(( $(nev "$tmp/decc2" 0x000222$n) + 0 ))" -gt 0
done
c2_sched=$(nev "$tmp/decc2" 0x00022215)
check "credit2: one SCHEDULE per switch or continue-running" eq "${c2_sched:-0}" \
    "$(( $(nev "$tmp/decc2" 0x0002800a) + $(nev "$tmp/decc2" 0x00021002) - 8 ))"
check "credit2: every SCHEDULE ends in RUNQ_CANDIDATE or RATELIMIT" eq "${c2_sched:-0}" \
    "$(( $(nev "$tmp/decc2" 0x00022214) + $(nev "$tmp/decc2" 0x00022216) + 0 ))"
c2_lb=$(nev "$tmp/decc2" 0x00022211)
check "credit2: LOAD_BALANCE only after LOAD_CHECK" test "${c2_lb:-0}" -le \
    "$(( $(nev "$tmp/decc2" 0x00022210) + 0 ))"

if xa=$("$srcdir/scripts/xenalyze" 2>"$tmp/xa.err"); then
    xenalyze_checks "tsc_offset [5000, 12000]" "$xt" "$db" "$tmp/dec"
    xenalyze_checks "default clock" "$xt0" "$db0" "$tmp/dec0"
    "$xa" --summary --cpu-hz="$HZ" "$xtm" >"$tmp/xa.out" 2>"$tmp/xa.log"
    check "credit: xenalyze --summary reads the file" eq "$?" 0
    check "credit: xenalyze finds nothing strange" eq "$(grep -c '^Strange' "$tmp/xa.log")" 0
    awk '/^\|-- Domain / { d = $3; v = 0; next }
         /^-- v[0-9]+ --/ { v = 1; next }
         v && $1 == "running:" { run[d] += $2 * $4 }
         END { for (d in run) printf "%s %.0f\n", d, run[d] }' "$tmp/xa.out" >"$tmp/xa.run"
    for i in 0 1 2; do
        want=$(sql "$dbm" "SELECT printf('%.0f', scalarValue) FROM scalar
            WHERE moduleName = 'hog.$i' AND scalarName = 'cpu_time_ns'")
        got=$(awk -v d="$i" -v hz="$HZ" '$1 == d { printf "%.0f", $2 * 1e9 / hz }' "$tmp/xa.run")
        check "credit: xenalyze: hog.$i runs $want ns within 1%" near "${got:-0}" "$want" \
            "$(awk -v c="$want" 'BEGIN { printf "%.0f", c / 100 + 1 }')"
    done
    "$xa" --dump-all --cpu-hz="$HZ" "$tmp/m4.xt" >"$tmp/xa4.out" 2>"$tmp/xa4.log"
    check "credit 4.17: xenalyze --dump-all reads the file" eq "$?" 0
    check "credit 4.17: xenalyze finds nothing strange" eq "$(grep -c '^Strange' "$tmp/xa4.log")" 0
    check "credit 4.17: xenalyze decodes every SCHEDULE record" eq \
        "$(grep -c 'csched:schedule' "$tmp/xa4.out")" "${n_sched:-0}"
    check "credit 4.17: xenalyze decodes the tickles" test \
        "$(grep -c 'csched:runq_tickle' "$tmp/xa4.out")" -gt 0
    "$xa" --dump-all --cpu-hz="$HZ" "$tmp/c2.xt" >"$tmp/xac2.out" 2>"$tmp/xac2.log"
    check "credit2: xenalyze --dump-all reads the file" eq "$?" 0
    check "credit2: xenalyze finds nothing strange" eq "$(grep -c '^Strange' "$tmp/xac2.log")" 0
    check "credit2: xenalyze decodes every SCHEDULE record" eq \
        "$(grep -c 'csched2:schedule' "$tmp/xac2.out")" "${c2_sched:-0}"
    check "credit2: xenalyze decodes every LOAD_BALANCE record" eq \
        "$(grep -c 'csched2:load_balance_begin' "$tmp/xac2.out")" "${c2_lb:-0}"
    check "credit2: each balance is between two of the four run queues" eq "$(awk \
        '/load_balance_begin/ { for (i = 1; i <= NF; i++) if ($i == "lrq#") l = $(i + 1);
                                    else if ($i == "orq#") o = $(i + 1);
                                if (l + 0 == o + 0 || o + 0 > 3 || l + 0 > 3) bad++ }
         END { print bad + 0 }' "$tmp/xac2.out")" 0
else
    echo "SKIP: xenalyze checks: $(cat "$tmp/xa.err")"
fi
finish
