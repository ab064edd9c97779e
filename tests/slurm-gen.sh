#!/bin/sh
# `xensim sweep --slurm DIR` without Slurm (docs/cluster.md): the campaign
# directory it writes, its job script run by hand as Slurm would run an
# array task (SLURM_ARRAY_JOB_ID, SLURM_ARRAY_TASK_ID set), --status and
# --resume. A fake `sbatch` on PATH stands for submission. Checks: the files
# (scenario.yaml byte for byte, runs.tsv = --list, tasks that cover every
# run exactly once with K runs per task, the throttle and log paths in the
# script); without sbatch on PATH it exits 2 and writes nothing; the fake
# sbatch gets --parsable and the script and its job id is printed; each task
# leaves its shard (and no scratch) and an "ok" status, and the merged
# shards equal a local `sweep -j 2`; a task that fails is reported with its
# exit status and its runs by name; --resume after losing a shard submits
# exactly the missing runs, and with nothing missing submits nothing; the
# task runs the copy of the scenario with the campaign's --set/--seed; a
# task cancelled mid-way (SIGTERM) keeps its finished runs and reports
# failed 130; option and directory errors exit 2. Prints "N passed, N failed".
set -u
srcdir=${abs_top_srcdir:-.}
xensim=${XENSIM:-./xensim}
. "$srcdir/tests/shlib.sh"
require_tools sqlite3 setsid
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

# The indices of an index list ("0-2,5" -> "0 1 2 5 "), by plain shell.
expand() {
    out=
    for part in $(echo "$1" | tr ',' ' '); do
        lo=${part%-*}
        hi=${part#*-}
        i=$lo
        while [ "$i" -le "$hi" ]; do
            out="$out$i "
            i=$((i + 1))
        done
    done
    echo "$out"
}

# Run task $2 of submission $3 of campaign $1 by hand, as job $4.
run_task() {
    SLURM_ARRAY_JOB_ID=$4 SLURM_ARRAY_TASK_ID=$2 TMPDIR=$tmp/scratch \
        sh "$1/job-$3.sh" >"$tmp/task.out" 2>"$tmp/task.err"
}

scn="$tmp/gen.yaml"
campaign_yaml slurm-gen 60s "$scn"
hash=$(scenario_hash "$scn")
"$xensim" sweep "$scn" --list >"$tmp/list"
"$xensim" sweep "$scn" -j 2 --db "$tmp/local.db" -q
mkdir "$tmp/scratch" "$tmp/empty" "$tmp/bin"

# ---- no sbatch on PATH: exit 2, nothing written ----
camp="$tmp/camp"
PATH="$tmp/empty" "$xensim" sweep "$scn" --slurm "$camp" >"$tmp/out" 2>"$tmp/err"
check "without sbatch on PATH --slurm exits 2" status_is $? 2
check "and says sbatch is missing" grep -q 'sbatch is not on PATH' "$tmp/err"
check "and writes nothing" test ! -e "$camp"

# ---- --no-submit: the directory ----
"$xensim" sweep "$scn" --slurm "$camp" --no-submit --runs-per-task 5 --array-throttle 2 \
    >"$tmp/out" 2>"$tmp/err"
check "--slurm --no-submit exits 0" status_is $? 0
check "it says it did not submit" grep -q 'not submitted (--no-submit)' "$tmp/out"
check "it prints the merge command" grep -qF \
    "$xensim merge $camp/results.db $camp/shards/*.db --scenario-hash $hash" "$tmp/out"
for f in scenario.yaml campaign.tsv runs.tsv tasks-1.tsv job-1.sh logs shards; do
    check "DIR/$f is written" test -e "$camp/$f"
done
check "scenario.yaml is the scenario byte for byte" cmp -s "$scn" "$camp/scenario.yaml"
check "runs.tsv is the --list output" cmp -s "$tmp/list" "$camp/runs.tsv"
check "12 runs in 3 tasks of 5" eq "$(wc -l <"$camp/tasks-1.tsv" | tr -d ' ')" 3
covered=
for t in 0 1 2; do
    spec=$(awk -F'\t' -v t="$t" '$1 == t { print $2 }' "$camp/tasks-1.tsv")
    n=$(expand "$spec" | wc -w | tr -d ' ')
    check "task $t has at most 5 runs ($n)" test "$n" -le 5 -a "$n" -ge 1
    covered="$covered$(expand "$spec")"
done
check "the tasks cover every run exactly once" eq \
    "$(echo "$covered" | tr ' ' '\n' | sed '/^$/d' | sort -n | tr '\n' ' ')" \
    "0 1 2 3 4 5 6 7 8 9 10 11 "
script="$camp/job-1.sh"
check "the script is an array of 3 tasks, 2 at once" grep -qx '#SBATCH --array=0-2%2' "$script"
check "the script logs into DIR/logs" grep -qx "#SBATCH --output=$camp/logs/s1-t%a.out" "$script"
check "the script runs this xensim" grep -qF "$xensim sweep \"\$dir/scenario.yaml\"" "$script"
check "the script is executable" test -x "$script"

# ---- running the tasks by hand ----
for t in 0 1 2; do
    run_task "$camp" "$t" 1 501
    check "task $t exits 0" status_is $? 0
    check "task $t leaves its shard" test -f "$camp/shards/s1-t$t.db"
    check "task $t reports ok" grep -q "^ok 0 501 " "$camp/logs/s1-t$t.status"
done
check "the tasks leave no scratch" eq "$(ls "$tmp/scratch")" ""
check "no temporary shard is left" eq "$(ls -A "$camp/shards" | grep -c '^\.')" 0
check "shards of 5, 5 and 2 runs" eq "$(runs_in "$camp/shards/s1-t0.db") \
$(runs_in "$camp/shards/s1-t1.db") $(runs_in "$camp/shards/s1-t2.db")" "5 5 2"
"$xensim" merge "$tmp/m1.db" "$camp"/shards/*.db --scenario-hash "$hash" -q
check "the merged shards equal the local sweep -j 2" same_db "$tmp/local.db" "$tmp/m1.db"
"$xensim" sweep "$scn" --slurm "$camp" --status >"$tmp/out" 2>"$tmp/err"
check "--status exits 0" status_is $? 0
check "--status: 12 runs, none missing" grep -q "12 runs, 12 in shards, 0 missing" "$tmp/out"
check "--status counts the tasks" grep -q "^submission 1 (not submitted): 3 tasks: 3 ok, 0 failed, 0 not reported" "$tmp/out"
run_task "$camp" 3 1 502
check "a task id not in the tasks file exits 2" status_is $? 2
check "and reports failed" grep -q "^failed 2 502 " "$camp/logs/s1-t3.status"

# ---- a failed task and a lost shard: --status names the runs, --resume ----
rm "$camp/shards/s1-t1.db" "$camp/shards/s1-t2.db"
TMPDIR=/proc/no-scratch SLURM_ARRAY_JOB_ID=503 SLURM_ARRAY_TASK_ID=1 sh "$script" \
    >"$tmp/task.out" 2>"$tmp/task.err"
check "a task without scratch space fails" status_is $? 2
check "and reports failed with its exit status" grep -q "^failed 2 503 " "$camp/logs/s1-t1.status"
"$xensim" sweep "$scn" --slurm "$camp" --status >"$tmp/out" 2>"$tmp/err"
check "--status counts the failed task" grep -q "3 tasks: 2 ok, 1 failed, 0 not reported" "$tmp/out"
check "--status: 7 runs missing" grep -q "12 runs, 5 in shards, 7 missing" "$tmp/out"
for i in 5 6 7 8 9; do
    name=$(sed -n "$((i + 1))p" "$tmp/list" | cut -f2)
    check "run $i of the failed task is named" grep -qxF \
        "missing: $name (run $i; task 1 of submission 1 failed with exit status 2 on $(uname -n))" \
        "$tmp/out"
done
check "the runs of the lost shard are named" grep -qF \
    "$(sed -n 12p "$tmp/list" | cut -f2) (run 11; task 2 of submission 1 reported ok, but its shard" \
    "$tmp/out"
check "--status submits nothing" test ! -e "$camp/tasks-2.tsv"

"$xensim" sweep "$scn" --slurm "$camp" >"$tmp/out" 2>"$tmp/err"
check "an existing DIR without --resume exits 2" status_is $? 2
check "and suggests --resume" grep -q -- '--resume' "$tmp/err"
"$xensim" sweep "$scn" --slurm "$camp" --resume --seed 9 --no-submit >"$tmp/out" 2>"$tmp/err"
check "--resume with another --seed exits 2" status_is $? 2
check "and submits nothing" test ! -e "$camp/tasks-2.tsv"

# The fake sbatch: records its arguments, answers a job id.
cat >"$tmp/bin/sbatch" <<EOF
#!/bin/sh
echo "\$@" >>"$tmp/sbatch.args"
echo "4242;test"
EOF
chmod +x "$tmp/bin/sbatch"
PATH="$tmp/bin:$PATH" "$xensim" sweep "$scn" --slurm "$camp" --resume --runs-per-task 3 \
    >"$tmp/out" 2>"$tmp/err"
check "--resume exits 0" status_is $? 0
check "--resume submits 7 runs in 3 tasks" grep -q \
    "^submission 2: 7 runs in 3 array tasks of up to 3 runs" "$tmp/out"
check "sbatch got --parsable and the new script" eq "$(cat "$tmp/sbatch.args")" \
    "--parsable $camp/job-2.sh"
check "the job id is printed" grep -qx "submitted job 4242" "$tmp/out"
check "and recorded" eq "$(cat "$camp/job-2.id")" 4242
check "the new tasks hold exactly the missing runs" eq \
    "$(cut -f2 "$camp/tasks-2.tsv" | tr '\n' ' ')" "5-7 8-10 11 "
check "the new script is an array of 3 tasks" grep -qx '#SBATCH --array=0-2' "$camp/job-2.sh"
for t in 0 1 2; do
    run_task "$camp" "$t" 2 4242
    check "resumed task $t exits 0" status_is $? 0
done
PATH="$tmp/bin:$PATH" "$xensim" sweep "$scn" --slurm "$camp" --resume >"$tmp/out" 2>"$tmp/err"
check "--resume with nothing missing exits 0" status_is $? 0
check "and says so" grep -q "nothing to submit" "$tmp/out"
check "and submits nothing" test ! -e "$camp/tasks-3.tsv" -a "$(wc -l <"$tmp/sbatch.args")" -eq 1
check "--status shows the job id" grep -q "^submission 2 (job 4242): 3 tasks: 3 ok" "$tmp/out"
"$xensim" merge "$tmp/m2.db" "$camp"/shards/*.db --scenario-hash "$hash" -q
check "the resumed campaign equals the local sweep" same_db "$tmp/local.db" "$tmp/m2.db"

# ---- the campaign is the copy in DIR, with its --set/--seed ----
cp "$scn" "$tmp/seeded.yaml"
"$xensim" sweep "$tmp/seeded.yaml" --slurm "$tmp/seeded" --no-submit --seed 11 \
    --set duration=30s --runs-per-task 12 >"$tmp/out" 2>"$tmp/err"
check "a campaign with --set and --seed exits 0" status_is $? 0
echo 'garbage: [' >"$tmp/seeded.yaml"
run_task "$tmp/seeded" 0 1 601
check "its task runs after the scenario file changed" status_is $? 0
"$xensim" sweep "$scn" --set duration=30s --seed 11 -j 2 --db "$tmp/seeded-local.db" -q
"$xensim" merge "$tmp/m3.db" "$tmp/seeded/shards/s1-t0.db" -q
check "with the --set and --seed of the campaign" eq \
    "$(sql "$tmp/m3.db" "SELECT count(*) FROM runs WHERE seed = '11' AND runName LIKE '%-s11-r_'")" 12
check "the same runs as a local sweep with them" eq \
    "$(sql "$tmp/m3.db" 'SELECT runName FROM run ORDER BY 1')" \
    "$(sql "$tmp/seeded-local.db" 'SELECT runName FROM run ORDER BY 1')"
"$xensim" sweep "$tmp/seeded.yaml" --slurm "$tmp/seeded" --resume --no-submit \
    >"$tmp/out" 2>"$tmp/err"
check "--resume after the file changed exits 0" status_is $? 0
check "and notes the change" grep -q "does not load any more" "$tmp/err"

# ---- a task cancelled mid-way (SIGTERM to its process group, as Slurm does) ----
"$xensim" sweep "$scn" --slurm "$tmp/term" --no-submit --runs-per-task 12 >/dev/null
SLURM_ARRAY_JOB_ID=701 SLURM_ARRAY_TASK_ID=0 TMPDIR=$tmp/scratch \
    setsid sh "$tmp/term/job-1.sh" >"$tmp/task.out" 2>"$tmp/task.err" &
spid=$!
n=0
while [ $n -lt 400 ]; do
    got=$(sql "$tmp/scratch/xensim-701-0/shard.db" 'SELECT count(*) FROM run' 2>/dev/null)
    case $got in ''|error) got=0 ;; esac
    if [ "$got" -ge 1 ]; then break; fi
    sleep 0.05
    n=$((n + 1))
done
kill -TERM "-$spid" 2>/dev/null
wait "$spid"
check "a cancelled task exits non-zero" test $? -ne 0
check "a cancelled task reports failed 130" grep -q "^failed 130 701 " \
    "$tmp/term/logs/s1-t0.status"
kept=$(runs_in "$tmp/term/shards/s1-t0.db")
check "its finished runs are moved out ($kept of 12)" test "$kept" -ge 1 -a "$kept" -lt 12
check "and its scratch is removed" test ! -e "$tmp/scratch/xensim-701-0"
"$xensim" sweep "$scn" --slurm "$tmp/term" --resume --no-submit >"$tmp/out" 2>"$tmp/err"
check "--resume then submits the other $((12 - kept)) runs" grep -q \
    "^submission 2: $((12 - kept)) runs in $((12 - kept)) array tasks" "$tmp/out"

# ---- option and directory errors: exit 2 ----
for args in "--runs-per-task 0" "--runs-per-task x" "--array-throttle 0" \
    "--array-throttle -1" "--no-submit --db $tmp/x.db"; do
    # shellcheck disable=SC2086
    "$xensim" sweep "$scn" --slurm "$tmp/bad" $args >"$tmp/out" 2>"$tmp/err"
    check "--slurm $args exits 2" status_is $? 2
    check "--slurm $args writes nothing" test ! -e "$tmp/bad"
done
for args in "--status" "--no-submit" "--runs-per-task 2" "--sbatch-arg=--time=1"; do
    # shellcheck disable=SC2086
    "$xensim" sweep "$scn" $args --db "$tmp/x.db" >"$tmp/out" 2>"$tmp/err"
    check "$args without --slurm exits 2" status_is $? 2
done
"$xensim" sweep "$scn" --slurm "$tmp/with space" --no-submit >"$tmp/out" 2>"$tmp/err"
check "a directory with a space exits 2" status_is $? 2
check "and is not created" test ! -e "$tmp/with space"
"$xensim" sweep "$scn" --slurm "$tmp/none" --status >"$tmp/out" 2>"$tmp/err"
check "--status of no campaign exits 2" status_is $? 2

finish
