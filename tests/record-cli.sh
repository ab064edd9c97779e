#!/bin/sh
# End-to-end `xensim run --record-trace` (docs/traces.md, "Replay and
# recording") as a user runs it: the demo scenario scenarios/default.yaml
# (a periodic probe, a server on nic0, an io guest with 2 requests in flight
# on disk0, two hogs, dom0 serving both back ends) is run for 2 s under each
# scheduler with --record-trace; every workload is then replaced by
# `{ type: trace, file: RECORDED }` (with `nic: nic0` for the server and
# `device: disk0` for the io guest) and the copy is run with the same seed.
# Every scalar and statistic of the two results databases must be equal
# (late_periods aside: a trace has no periods; ring_full_stalls aside, see
# traces/record.h, and asserted 0 here so nothing is hidden). Also: the
# trace names every domain and holds arrivals, replies, block submits and
# waits; a recording to an unwritable path exits 2 and leaves no rows.
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

scn="$srcdir/scenarios/default.yaml"
# The replay copy: each workload line of the demo replaced by the trace.
sed -e "s|workload: { type: periodic,.*|workload: { type: trace, file: \"$tmp/mix.xst\" }|" \
    -e "s|workload: { type: server,.*|workload: { type: trace, file: \"$tmp/mix.xst\", nic: nic0 }|" \
    -e "s|workload: { type: io,.*|workload: { type: trace, file: \"$tmp/mix.xst\", device: disk0 }|" \
    -e "s|workload: { type: cpu }|workload: { type: trace, file: \"$tmp/mix.xst\" }|" \
    "$scn" >"$tmp/replay.yaml"
check "the replay copy uses traces for all 5 workloads" \
    eq "$(grep -c 'type: trace' "$tmp/replay.yaml")" 4

metrics() {
    sqlite3 "$1" "SELECT moduleName, scalarName, scalarValue FROM scalar
                  WHERE scalarName NOT IN ('late_periods', 'ring_full_stalls')
                  UNION ALL SELECT moduleName, statName, statCount || ' ' || statMean || ' '
                  || statMin || ' ' || statMax || ' ' || statSum FROM statistic ORDER BY 1, 2"
}

for s in rr bvt atropos; do
    rm -f "$tmp/a.db" "$tmp/b.db" "$tmp/mix.xst"
    "$xensim" run "$scn" --set scheduler.name=$s --set duration=2s --db "$tmp/a.db" \
        --record-trace "$tmp/mix.xst" -q
    check "$s: recording run exits 0" eq $? 0
    info=$("$xensim" trace info "$tmp/mix.xst")
    # Columns: domain vcpus compute block_io net_send sleep pt_batch yield
    # arrival wait block_submit net_reply total.
    row() { echo "$info" | awk -v d="$1" -v c="$2" '$1 == d { print $c }'; }
    check "$s: web's arrivals and replies recorded" \
        test "$(row web 9)" -gt 300 -a "$(row web 10)" -gt 0 -a "$(row web 12)" -gt 300
    check "$s: db's block submits and waits recorded" \
        test "$(row db 11)" -gt 100 -a "$(row db 10)" -gt 100
    check "$s: dom0 (back ends only) records nothing" eq "$(row dom0 13)" 0
    "$xensim" run "$tmp/replay.yaml" --set scheduler.name=$s --set duration=2s \
        --db "$tmp/b.db" -q
    check "$s: replay exits 0" eq $? 0
    check "$s: no ring was full (nothing left out of the comparison)" \
        eq "$(sql "$tmp/a.db" "SELECT count(*) FROM scalar WHERE scalarName = 'ring_full_stalls'
                               AND scalarValue != 0")" 0
    metrics "$tmp/a.db" >"$tmp/a.txt"
    metrics "$tmp/b.db" >"$tmp/b.txt"
    check "$s: the results compared are many" test "$(wc -l <"$tmp/a.txt")" -gt 100
    check "$s: replay's scalars and statistics equal the recording run's" \
        cmp -s "$tmp/a.txt" "$tmp/b.txt"
    check "$s: net_latency has samples" \
        test "$(sql "$tmp/b.db" "SELECT statCount FROM statistic WHERE moduleName = 'web'
                                 AND statName = 'net_latency'")" -gt 300
done

"$xensim" run "$scn" --set duration=100ms --db "$tmp/c.db" --record-trace "$tmp/no/such/x.xst" \
    -q 2>"$tmp/err"
check "unwritable --record-trace exits 2" eq $? 2
check "it says which file" grep -q "no/such/x.xst" "$tmp/err"
check "and leaves no database behind" test ! -e "$tmp/c.db"

finish
