#!/bin/sh
# End-to-end `xensim report` and `xensim merge` through the binary, on
# results databases made by `xensim run` from scenarios/default.yaml (1 s
# simulated) in a temporary directory, read with the sqlite3 CLI.
# Checks: report exits 0 in each format; every CSV record has 17 fields
# (python3's csv module, RFC 4180) and there is one per (run, module,
# metric); the JSON parses (python3 -m json.tool); selections narrow the
# output; bad input exits 2 with a message (missing file, garbage, foreign
# SQLite, newer schema, unknown format, no run matching, unknown option).
# Merge: two shards merged equal both runs made into one file (row counts
# per table and every scalar by run name); merging again changes no row
# count; a shard of another user_version is refused naming both versions;
# a garbage shard is reported and skipped while the good shard is merged
# (exit 2). Prints "N passed, N failed".
set -u
srcdir=${abs_top_srcdir:-.}
xensim=${XENSIM:-./xensim}
scn="$srcdir/scenarios/default.yaml"
. "$srcdir/tests/shlib.sh"
require_tools sqlite3
python=
for p in /usr/bin/python3 python3; do
    if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import csv, json' 2>/dev/null; then
        python=$p
        break
    fi
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

status_is() {
    eq "$1" "$2"
}

run_into() {      # DB SCHEDULER SEED
    "$xensim" run "$scn" --db "$1" -q --set duration=1s --set scheduler.name="$2" \
        --seed "$3" >/dev/null 2>"$tmp/run.err"
}

# ---- databases: a (bvt, seed 7), b (rr, seed 8), both (the two runs) ----
run_into "$tmp/a.db" bvt 7 && run_into "$tmp/b.db" rr 8 &&
    run_into "$tmp/both.db" bvt 7 && run_into "$tmp/both.db" rr 8
check "xensim run makes the input databases" status_is $? 0
db="$tmp/both.db"
metrics=$(sql "$db" 'SELECT (SELECT count(*) FROM scalar) + (SELECT count(*) FROM statistic)')

# ---- report: formats ----
"$xensim" report "$db" >"$tmp/out.txt" 2>"$tmp/err"
check "report (text) exits 0" status_is $? 0
check "text names both runs" eq "$(grep -c '^run [0-9]' "$tmp/out.txt")" 2
check "text shows ns metrics in human units" grep -Eq ' cpu_time_ns +[0-9.]+(ns|us|ms|s)$' \
    "$tmp/out.txt"

"$xensim" report "$db" --format csv >"$tmp/out.csv" 2>"$tmp/err"
check "report --format csv exits 0" status_is $? 0
if [ -n "$python" ]; then
    fields=$("$python" -c '
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
print(len(rows) - 1, " ".join(sorted(set(str(len(r)) for r in rows))))' "$tmp/out.csv")
    check "every CSV record has 17 fields" eq "${fields#* }" 17
    check "one CSV record per (run, module, metric)" eq "${fields%% *}" "$metrics"
else
    echo "note: no python3 with csv and json; CSV and JSON are checked by line counts only"
    check "one CSV line per metric, plus the header" eq "$(wc -l <"$tmp/out.csv" | tr -d ' ')" \
        $((metrics + 1))
fi
check "CSV lines end in CRLF" test "$(head -1 "$tmp/out.csv" | od -c | grep -c '\\r')" -ge 1

"$xensim" report "$db" --format json >"$tmp/out.json" 2>"$tmp/err"
check "report --format json exits 0" status_is $? 0
if [ -n "$python" ]; then
    "$python" -m json.tool "$tmp/out.json" >/dev/null 2>"$tmp/json.err"
    check "the JSON parses (python3 -m json.tool)" status_is $? 0
    check "the JSON has both runs and every metric" eq "$("$python" -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(len(d["runs"]), sum(len(r["scalars"]) + len(r["statistics"]) for r in d["runs"]))' \
        "$tmp/out.json")" "2 $metrics"
fi

# ---- report: selections ----
n_rr=$(sql "$db" "SELECT count(*) FROM scalar JOIN runs USING (runId) WHERE scheduler = 'rr'")
n_rr=$((n_rr + $(sql "$db" "SELECT count(*) FROM statistic JOIN runs USING (runId) WHERE scheduler = 'rr'")))
got=$("$xensim" report "$db" --format csv --scheduler rr | tail -n +2 | grep -c ',rr,')
check "--scheduler rr selects the rr run's rows" eq "$got" "$n_rr"
rr_name=$(sql "$db" "SELECT runName FROM runs WHERE scheduler = 'rr'")
got=$("$xensim" report "$db" --format csv --run "$rr_name" | tail -n +2 | wc -l | tr -d ' ')
check "--run NAME selects that run" eq "$got" "$n_rr"
got=$("$xensim" report "$db" --format csv --run=1 --run 2 --metric cpu_share | tail -n +2 |
    wc -l | tr -d ' ')
check "--run ID twice and --metric cpu_share" eq "$got" \
    "$(sql "$db" "SELECT count(*) FROM scalar WHERE scalarName = 'cpu_share'")"
got=$("$xensim" report "$db" --format csv --scenario mixed-host --metric 'io_latency' |
    tail -n +2 | wc -l | tr -d ' ')
check "--metric io_latency: the statistic and its percentiles" eq "$got" \
    "$(sql "$db" "SELECT (SELECT count(*) FROM scalar WHERE scalarName LIKE 'io_latency:%') + (SELECT count(*) FROM statistic WHERE statName = 'io_latency')")"

# ---- report: bad input exits 2 with a message, nothing on stdout ----
refused() {       # DESCRIPTION PATTERN ARGS...
    desc=$1
    pat=$2
    shift 2
    "$xensim" report "$@" >"$tmp/out" 2>"$tmp/err"
    check "$desc exits 2" status_is $? 2
    check "$desc says why" grep -Eq "$pat" "$tmp/err"
    check "$desc prints no report" test ! -s "$tmp/out"
}
printf 'not a database at all\n%.0s' $(seq 1 200) >"$tmp/garbage.db"
sqlite3 "$tmp/foreign.db" 'CREATE TABLE t (x)'
cp "$tmp/a.db" "$tmp/v2.db"
sqlite3 "$tmp/v2.db" 'PRAGMA user_version = 2'
refused "a missing file" 'no such file' "$tmp/missing.db"
refused "a garbage file" 'not an SQLite database' "$tmp/garbage.db"
refused "a foreign SQLite file" 'not a xensim results database' "$tmp/foreign.db"
refused "a newer schema" 'version 2 is newer than version 1' "$tmp/v2.db"
refused "an unknown format" "unknown format 'xml'" "$db" --format xml
refused "no run matching" 'no runs match' "$db" --scheduler atropos
refused "an unknown run" "no run with id or name 'nope'" "$db" --run nope
refused "an unknown metric" "no metric 'nope'" "$db" --metric nope
refused "an unknown option" "unknown option '--bogus'" "$db" --bogus
refused "no DB" 'missing DB'

# ---- merge ----
out="$tmp/merged.db"
"$xensim" merge "$out" "$tmp/a.db" "$tmp/b.db" >"$tmp/out" 2>"$tmp/err"
check "merge of two shards exits 0" status_is $? 0
check "merge says what it copied" grep -q '2 runs merged from 2 shards' "$tmp/out"
counts() {
    for t in run runAttr runItervar runConfig scalar scalarAttr statistic statisticAttr \
        histogramBin parameter paramAttr vector vectorAttr vectorData; do
        printf '%s=%s ' "$t" "$(sql "$1" "SELECT count(*) FROM $t")"
    done
}
check "merged rows equal both runs in one file (per table)" eq "$(counts "$out")" \
    "$(counts "$db")"
by_name='SELECT r.runName, s.moduleName, s.scalarName, quote(s.scalarValue) FROM scalar s JOIN run r USING (runId) ORDER BY 1, 2, 3'
check "merged scalars equal both runs in one file (by run name)" eq \
    "$(sql "$out" "$by_name" | md5sum)" "$(sql "$db" "$by_name" | md5sum)"
before=$(counts "$out")
"$xensim" merge -q "$out" "$tmp/a.db" "$tmp/b.db" >"$tmp/out" 2>"$tmp/err"
check "merging again exits 0" status_is $? 0
check "merging again changes no row count" eq "$(counts "$out")" "$before"
check "-q prints nothing" test ! -s "$tmp/out"
check "the merged file is intact" eq "$(sql "$out" 'PRAGMA integrity_check')" ok
"$xensim" report "$tmp/merged.db" --format csv >"$tmp/m.csv" 2>"$tmp/err"
check "report reads the merged file" status_is $? 0
"$xensim" report "$db" --format csv >"$tmp/b.csv" 2>"$tmp/err"
check "its CSV equals the one-file CSV" eq "$(md5sum <"$tmp/m.csv")" "$(md5sum <"$tmp/b.csv")"

out="$tmp/m2.db"
"$xensim" merge "$out" "$tmp/v2.db" "$tmp/b.db" >"$tmp/out" 2>"$tmp/err"
check "a shard of another schema version: exit 2" status_is $? 2
check "the refusal names the file and both versions" \
    grep -q "v2.db: results schema version 2, but .*m2.db has version 1" "$tmp/err"
check "the other shard is still merged" eq "$(sql "$out" 'SELECT count(*) FROM run')" 1

out="$tmp/m3.db"
"$xensim" merge "$out" "$tmp/garbage.db" "$tmp/a.db" >"$tmp/out" 2>"$tmp/err"
check "a garbage shard: exit 2" status_is $? 2
check "the garbage shard is reported and skipped" \
    grep -q "garbage.db: not an SQLite database; shard skipped" "$tmp/err"
check "the good shard is merged" eq "$(sql "$out" 'SELECT count(*) FROM run')" 1

"$xensim" merge "$tmp/m4.db" >"$tmp/out" 2>"$tmp/err"
check "merge without shards exits 2" status_is $? 2
"$xensim" merge "$tmp/garbage.db" "$tmp/a.db" >"$tmp/out" 2>"$tmp/err"
check "a garbage OUT exits 2" status_is $? 2
check "a garbage OUT merges nothing" grep -q 'nothing merged' "$tmp/err"

finish
