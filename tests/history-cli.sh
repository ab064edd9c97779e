#!/bin/sh
# End-to-end `xensim history` through the binary. A small scenario (a
# periodic probe, a server and two hogs on one pCPU) is compared under rr
# and bvt with 5 replications; tests/history_nights.py turns that database
# into 31 nights, each replication's value the mean over its scheduler's
# replications with 1% noise, and four injected steps:
#   night 12  rr   probe  sched_latency:mean  x1.08  (latency up: regression)
#   night 20  bvt  web    requests_per_s      x0.92  (throughput down: regression)
#   night 24  rr   web    net_latency:mean    x0.90  (latency down: improvement)
#   night 27  bvt  hog.1  dispatches          x1.10  (no bad direction: change)
# With nights 1..30 added, `history regressions` must list exactly the two
# regressions, `--all` exactly the four steps at their nights; the newest
# night (30) did not regress, so the exit status is 0. Night 31 steps web's
# scheduling latency under rr up by 25%: the exit status becomes 1. Also: adding a night twice adds nothing, `list` shows the 30 nights in
# time order whatever the order they were added in, and bad input exits 2
# with a message and leaves the history as it was.
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

cat >"$tmp/small.yaml" <<'EOF'
name: history-small
seed: 3
duration: 300ms
warmup: 20ms
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
  probe:
    workload: { type: periodic, period: 5ms, burst: { dist: exponential, mean: 500us } }
  web:
    workload: { type: server, device: nic0, arrival: { dist: exponential, mean: 5ms }, service: 200us }
  hog:
    count: 2
    workload: { type: cpu }
EOF
"$xensim" compare "$tmp/small.yaml" --schedulers rr,bvt --replications 5 --db "$tmp/base.db" \
    -q >/dev/null 2>"$tmp/err"
check "compare for the base night exits 0" eq "$?" 0
cat "$tmp/err"
python3 "$srcdir/tests/history_nights.py" "$tmp/base.db" "$tmp/nights" 31 17 \
    12:rr:probe:sched_latency:mean:1.08 20:bvt:web:requests_per_s:0.92 \
    24:rr:web:net_latency:mean:0.90 27:bvt:hog.1:dispatches:1.10 \
    31:rr:web:sched_latency:mean:1.25
check "the 31 nights are written" eq "$(ls "$tmp/nights" | wc -l)" 31

h="$tmp/hist.db"
# Added newest first: the history orders nights by --time.
ok=0
for k in $(seq 30 -1 1); do
    n=$(printf %02d "$k")
    "$xensim" history add "$h" "$tmp/nights/night-$n.db" --label "n$n" \
        --time "2026-11-${n}T02:30Z" -q || ok=1
done
check "history add of 30 nights exits 0" eq "$ok" 0
out=$("$xensim" history add "$h" "$tmp/nights/night-05.db" --label n05 --time 2026-11-05T02:30Z)
check "adding a night again exits 0" eq "$?" 0
check "adding a night again adds nothing" eq "$out" \
    "$tmp/nights/night-05.db: 0 runs added to night n05, 10 already there"
check "the history holds 300 runs" eq "$(sql "$h" "SELECT count(*) FROM run")" 300
check "each run carries its night" eq \
    "$(sql "$h" "SELECT count(DISTINCT attrValue) FROM runAttr WHERE attrName = 'night'")" 30

"$xensim" history list "$h" >"$tmp/list"
check "history list exits 0" eq "$?" 0
check "list: 30 nights" eq "$(head -n 1 "$tmp/list")" "$h: 30 nights"
check "list: in time order" eq "$(awk 'NR > 2 { print $1 }' "$tmp/list" | tr '\n' ' ')" \
    "$(seq -f 'n%02g' 1 30 | tr '\n' ' ')"
check "list: night n12's time, runs and scenario" eq \
    "$(awk '$1 == "n12" { print $2, $3, $4, $5 }' "$tmp/list")" \
    "2026-11-12 02:30:00Z 10 history-small"

# The steps: night scheduler module metric verdict, one a line.
steps() {
    awk 'f && NF == 0 { f = 0 } f { print $1, $3, $4, $5, $NF } /^night / { f = 1 }' "$1"
}
"$xensim" history regressions "$h" >"$tmp/reg"
rc=$?
check "regressions: the newest night did not regress: exit 0" eq "$rc" 0
check "regressions: exactly the two injected regressions" eq "$(steps "$tmp/reg")" \
"n12 rr probe sched_latency:mean REGRESSED
n20 bvt web requests_per_s REGRESSED"
check "regressions: the summary" grep -q \
    "^4 steps found: 2 regressions over the history, 0 in the newest night$" "$tmp/reg"
"$xensim" history regressions "$h" --all >"$tmp/all"
check "regressions --all: exactly the four injected steps" eq "$(steps "$tmp/all")" \
"n12 rr probe sched_latency:mean REGRESSED
n20 bvt web requests_per_s REGRESSED
n24 rr web net_latency:mean improved
n27 bvt hog.1 dispatches changed"
# +8% injected, against a stretch whose mean carries 1% / sqrt(50) of
# noise and a night whose mean carries 1% / sqrt(5): within 1.5 points.
check "regressions: the step's size is the injected one" eq \
    "$(awk '$1 == "n12" && $5 == "sched_latency:mean" { c = $8 + 0; print (c > 6.5 && c < 9.5) }' \
        "$tmp/reg")" 1
"$xensim" history regressions "$h" --metric requests_per_s >"$tmp/m"
check "regressions --metric: only that metric" eq "$(steps "$tmp/m")" \
    "n20 bvt web requests_per_s REGRESSED"
"$xensim" history regressions "$h" --tolerance 20% >"$tmp/t"
check "regressions --tolerance 20%: nothing is that large" eq "$(steps "$tmp/t")" ""

# The 31st night regresses (web's latency under rr): exit 1, the night named.
"$xensim" history add "$h" "$tmp/nights/night-31.db" --label n31 --time 2026-12-01T02:30Z -q
"$xensim" history regressions "$h" >"$tmp/reg31"
check "regressions: a regressed newest night exits 1" eq "$?" 1
check "regressions: the newest night is named" grep -q \
    "^REGRESSION: night n31 regressed 1 metric$" "$tmp/reg31"
check "regressions: night 31's step" eq "$(steps "$tmp/reg31" | tail -n 1)" \
    "n31 rr web sched_latency:mean REGRESSED"

# Bad input: exit 2, a message, the history unchanged.
before=$(sql "$h" "SELECT count(*) FROM run")
bad() {
    want=$1
    shift
    "$xensim" history "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    check "history $*: exits 2" eq "$rc" 2
    check "history $*: says '$want'" grep -qF -- "$want" "$tmp/err"
}
bad "keeps the time it was first added with" add "$h" "$tmp/nights/night-01.db" --label n01 \
    --time 2026-11-02
bad "bad night label 'a/b'" add "$h" "$tmp/nights/night-01.db" --label a/b
bad "needs --label LABEL" add "$h" "$tmp/nights/night-01.db"
bad "is not YYYY-MM-DD" add "$h" "$tmp/nights/night-01.db" --label x --time 2026-02-30
bad "no such file" add "$h" "$tmp/missing.db" --label x
bad "is a history, not one night's results" add "$tmp/h2.db" "$h" --label x
bad "not a history" regressions "$tmp/base.db"
bad "--alpha: '2' is not a level" regressions "$h" --alpha 2
bad "--window: '0' is not a number of nights" regressions "$h" --window 0
bad "unknown subcommand 'show'" show "$h"
check "bad input left the history as it was" eq "$(sql "$h" "SELECT count(*) FROM run")" \
    "$before"
check "no night x was left behind" eq \
    "$(sql "$h" "SELECT count(*) FROM historyNight WHERE label = 'x'")" 0
finish
