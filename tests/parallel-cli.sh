#!/bin/sh
# A campaign through GNU parallel with two local slots (docs/cluster.md):
# `xensim sweep --list` feeds `parallel`, each job runs one run with
# `xensim sweep --index I --db shards/I.db`, and `xensim merge` combines the
# shards. Checks: the list is the plan (12 runs, indices 0..11, the names a
# local sweep records); the merged database equals a local `sweep -j 2` run
# by run; merging twice adds nothing; after losing two shards, `--missing`
# lists exactly their runs and a second parallel pass completes the
# campaign; a shard of another scenario hash is refused with the exact
# message while the others merge; a corrupt shard is reported and skipped
# while the others merge (exit 2); bad --index values exit 2 and write
# nothing. Prints "N passed, N failed".
set -u
srcdir=${abs_top_srcdir:-.}
xensim=${XENSIM:-./xensim}
. "$srcdir/tests/shlib.sh"
require_tools sqlite3 parallel
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

status_is() {
    eq "$1" "$2"
}

runs_in() {
    if [ -f "$1" ]; then sql "$1" 'SELECT count(*) FROM run'; else echo 0; fi
}

# 4 points x 3 replications, each run about 0.1 s of wall clock.
scn="$tmp/par.yaml"
campaign_yaml par-cli 60s "$scn"
# The base scenario hash as `xensim check` reports it.
hash=$(scenario_hash "$scn")
check "xensim check reports a 16-digit hash" test "${#hash}" -eq 16

"$xensim" sweep "$scn" -j 2 --db "$tmp/local.db" -q
check "the local sweep records 12 runs" eq "$(runs_in "$tmp/local.db")" 12

# ---- the list is the plan ----
"$xensim" sweep "$scn" --list >"$tmp/list" 2>"$tmp/err"
check "--list exits 0" status_is $? 0
check "--list prints nothing on stderr" test ! -s "$tmp/err"
check "--list has 12 lines" eq "$(wc -l <"$tmp/list" | tr -d ' ')" 12
check "--list numbers the runs 0..11 in order" eq "$(cut -f1 "$tmp/list" | tr '\n' ' ')" \
    "0 1 2 3 4 5 6 7 8 9 10 11 "
check "--list names the runs the local sweep recorded" eq \
    "$(cut -f2 "$tmp/list" | sort | tr '\n' ' ')" \
    "$(sql "$tmp/local.db" 'SELECT runName FROM run ORDER BY 1' | sort | tr '\n' ' ')"
check "run 0 is the first point's first replication" eq "$(sed -n 1p "$tmp/list")" \
    "0	par-cli-$hash-scheduler.name=rr,scheduler.rr.slice=1ms-s3-r0"
check "run 11 is the last point's last replication" eq "$(sed -n 12p "$tmp/list")" \
    "11	par-cli-$hash-scheduler.name=bvt,scheduler.rr.slice=2ms-s3-r2"

# ---- GNU parallel, two slots, one shard per run ----
mkdir "$tmp/shards"
"$xensim" sweep "$scn" --list | parallel --colsep '\t' -j2 --joblog "$tmp/joblog" \
    "$xensim" sweep "$scn" --index '{1}' --db "$tmp/shards/{1}.db" -q >"$tmp/out" 2>"$tmp/err"
check "parallel exits 0" status_is $? 0
check "the joblog has 12 jobs that exited 0" eq \
    "$(awk -F'\t' 'NR > 1 && $7 == 0' "$tmp/joblog" | wc -l | tr -d ' ')" 12
check "12 shards of one run each" eq "$(for f in "$tmp"/shards/*.db; do runs_in "$f"; done |
    sort | uniq -c | tr -s ' ')" " 12 1"
check "shard 7 holds run 7" eq "$(sql "$tmp/shards/7.db" 'SELECT runName FROM run')" \
    "$(sed -n 8p "$tmp/list" | cut -f2)"
"$xensim" merge "$tmp/merged.db" "$tmp"/shards/*.db --scenario-hash "$hash" >"$tmp/out" \
    2>"$tmp/err"
check "merge exits 0" status_is $? 0
check "merge reports 12 runs from 12 shards" grep -q "12 runs merged from 12 shards, 0 already" \
    "$tmp/out"
check "the merged shards equal the local sweep -j 2, run by run" \
    same_db "$tmp/local.db" "$tmp/merged.db"
check "every run carries the base scenario hash" eq \
    "$(sql "$tmp/merged.db" "SELECT count(*) FROM runs WHERE scenario_hash = '$hash'")" 12

# ---- merging twice adds nothing ----
"$xensim" merge "$tmp/merged.db" "$tmp"/shards/*.db --scenario-hash "$hash" >"$tmp/out" \
    2>"$tmp/err"
check "a second merge exits 0" status_is $? 0
check "a second merge copies nothing" grep -q "0 runs merged from 12 shards, 12 already" \
    "$tmp/out"
check "a second merge leaves 12 runs" eq "$(runs_in "$tmp/merged.db")" 12
check "and the same rows" same_db "$tmp/local.db" "$tmp/merged.db"

# ---- two shards lost: --missing lists their runs, a second pass completes ----
rm "$tmp/shards/4.db" "$tmp/shards/9.db"
"$xensim" merge "$tmp/partial.db" "$tmp"/shards/*.db -q
check "the remaining shards merge to 10 runs" eq "$(runs_in "$tmp/partial.db")" 10
"$xensim" sweep "$scn" --list --db "$tmp/partial.db" --missing >"$tmp/missing" 2>"$tmp/err"
check "--missing exits 0" status_is $? 0
check "--missing lists exactly the lost runs" eq "$(cat "$tmp/missing")" \
    "$(sed -n '5p;10p' "$tmp/list")"
"$xensim" sweep "$scn" --list --db "$tmp/nonexistent.db" --missing >"$tmp/out"
check "--missing against no database lists every run" cmp -s "$tmp/out" "$tmp/list"
check "and creates no database" test ! -e "$tmp/nonexistent.db"
parallel --colsep '\t' -j2 --joblog "$tmp/joblog2" \
    "$xensim" sweep "$scn" --index '{1}' --db "$tmp/shards/{1}.db" -q <"$tmp/missing"
check "the second pass exits 0" status_is $? 0
check "the second pass ran 2 jobs" eq "$(awk 'NR > 1' "$tmp/joblog2" | wc -l | tr -d ' ')" 2
"$xensim" merge "$tmp/partial.db" "$tmp"/shards/*.db --scenario-hash "$hash" -q
check "the resumed campaign equals the local sweep" same_db "$tmp/local.db" "$tmp/partial.db"
"$xensim" sweep "$scn" --list --db "$tmp/partial.db" --missing >"$tmp/out"
check "then nothing is missing" test ! -s "$tmp/out"
"$xensim" sweep "$scn" --index 2 --db "$tmp/shards/2.db" >"$tmp/out" 2>"$tmp/err"
check "re-running a shard's run exits 0" status_is $? 0
check "and simulates nothing" grep -q '0 simulated, 1 already in' "$tmp/out"

# ---- a shard of another scenario hash is refused, the others merge ----
"$xensim" sweep "$scn" --set duration=30s --index 0 --db "$tmp/other.db" -q
other_hash=$(scenario_hash "$scn" --set duration=30s)
check "--set changes the base hash" test "$other_hash" != "$hash" -a "${#other_hash}" -eq 16
other_run=$("$xensim" sweep "$scn" --set duration=30s --list | sed -n '1s/^0	//p')
"$xensim" merge "$tmp/mixed.db" "$tmp/shards/0.db" "$tmp/other.db" "$tmp/shards/1.db" \
    --scenario-hash "$hash" >"$tmp/out" 2>"$tmp/err"
check "a shard of another hash makes merge exit 2" status_is $? 2
check "the refusal names the shard, its run and both hashes" grep -qxF \
    "xensim merge: $tmp/other.db: run $other_run has scenario hash $other_hash, not $hash; the shard belongs to another scenario; shard skipped, the other shards are merged" \
    "$tmp/err"
check "the other two shards are merged" eq "$(runs_in "$tmp/mixed.db")" 2
check "nothing of the refused shard is merged" eq \
    "$(sql "$tmp/mixed.db" "SELECT count(*) FROM runs WHERE scenario_hash != '$hash'")" 0
"$xensim" merge "$tmp/mixed2.db" "$tmp/other.db" >"$tmp/out" 2>"$tmp/err"
check "without --scenario-hash it merges" status_is $? 0
for bad in 123 e1db114f8a2a0edg ''; do
    "$xensim" merge "$tmp/bad.db" "$tmp/shards/0.db" --scenario-hash "$bad" >"$tmp/out" 2>"$tmp/err"
    check "--scenario-hash '$bad' is a usage error" status_is $? 2
    check "--scenario-hash '$bad' writes nothing" test ! -e "$tmp/bad.db"
done

# ---- a corrupt shard is reported and skipped, the others merge ----
cp "$tmp/shards/3.db" "$tmp/corrupt.db"
# Overwrite the third page (the b-tree of a result table), keep the header.
printf 'not a b-tree page %.0s' $(seq 1 60) |
    dd of="$tmp/corrupt.db" bs=1 seek=8192 conv=notrunc 2>/dev/null
"$xensim" merge "$tmp/c.db" "$tmp/shards/5.db" "$tmp/corrupt.db" "$tmp/shards/6.db" \
    >"$tmp/out" 2>"$tmp/err"
check "a corrupt shard makes merge exit 2" status_is $? 2
check "the corrupt shard is named as corrupt" grep -q "^xensim merge: $tmp/corrupt.db: corrupt" \
    "$tmp/err"
check "the two good shards are merged" eq "$(sql "$tmp/c.db" 'SELECT runName FROM run ORDER BY 1')" \
    "$(sed -n '6p;7p' "$tmp/list" | cut -f2 | sort)"

# ---- bad --index: exit 2, nothing written ----
for spec in 12 0-12 x 3-1 '' 1, -1; do
    "$xensim" sweep "$scn" --index "$spec" --db "$tmp/bad.db" >"$tmp/out" 2>"$tmp/err"
    check "--index '$spec' exits 2" status_is $? 2
    check "--index '$spec' explains itself" grep -q -- '--index' "$tmp/err"
    check "--index '$spec' writes nothing" test ! -e "$tmp/bad.db"
done
"$xensim" sweep "$scn" --list --missing >"$tmp/out" 2>"$tmp/err"
check "--missing without --db exits 2" status_is $? 2
"$xensim" sweep "$scn" --missing --db "$tmp/local.db" >"$tmp/out" 2>"$tmp/err"
check "--missing without --list exits 2" status_is $? 2
"$xensim" sweep "$scn" --list --index 1 >"$tmp/out" 2>"$tmp/err"
check "--list with --index exits 2" status_is $? 2

finish
