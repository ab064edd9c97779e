#!/bin/sh
# A campaign on a real Slurm cluster (docs/cluster.md). The test starts its
# own single-node cluster (tests/slurm/cluster.sh: munged, slurmctld and
# slurmd of the Debian packages, everything in a temporary directory, free
# ports, two CPUs) and stops it on any exit. A sweep of 2 x 2 points x 3
# replications = 12 runs goes out with `xensim sweep --slurm` as a job array
# of 2 runs a task, at most 3 tasks at once; once every task has ended, the
# merged shards must equal a local `xensim sweep -j 2`, run by run (every
# table keyed by run name, datetime aside).
#
# Two faults, each in a campaign of its own:
# - One array task cancelled while it runs, before its program starts. To
#   cancel a task that certainly runs, without guessing at timings, the
#   cluster's TaskProlog (tests/slurm/task-prolog.sh) holds array task 2 for
#   as long as the test's hold file exists: the test waits until the task
#   says it is held (Slurm shows it RUNNING), scancels JOBID_2, and lifts
#   the hold only once the array has ended. The other tasks ran; this one
#   reports nothing and leaves no shard. `--status` and `--resume` must name
#   its 2 runs, the resume must be one new task of exactly those runs (no
#   run simulated twice), and the merged shards must again equal the local
#   sweep; a resume with nothing missing submits nothing.
# - One array task cancelled inside xensim: a campaign of 4 runs, 2 a task,
#   whose last run simulates 2000 s (seconds of wall clock) while the others
#   take milliseconds. The test watches task 1's scratch shard and scancels
#   the task as soon as its first run is recorded there, that is inside its
#   long second run. Slurm's SIGTERM must make xensim stop, the job script
#   must still move the finished run into the campaign's shards and report
#   "failed 130", `--status` must name the long run with that reason, and
#   the resume must run it alone, after which the merge equals the local
#   sweep of that campaign.
#
# Skips (77) unless root (slurmd starts jobs as their owner) with the Slurm
# and munge programs installed (scripts/deps). Prints the time of each part
# and "N passed, N failed".
set -u
# sort and comm order run names as SQLite does.
LC_ALL=C
export LC_ALL
srcdir=${abs_top_srcdir:-.}
xensim=${XENSIM:-./xensim}
. "$srcdir/tests/shlib.sh"
# The daemons live in sbin, which a non-login PATH may lack.
PATH=$PATH:/usr/sbin:/sbin
if [ "$(id -u)" -ne 0 ]; then
    echo "SKIP: needs root: slurmd starts jobs as their owner"
    exit 77
fi
require_tools sqlite3 munged munge unmunge slurmctld slurmd sbatch squeue scancel sinfo scontrol hostname
. "$srcdir/tests/slurm/cluster.sh"
# Jobs start in another process tree: they need the absolute path.
xensim=$(cd "$(dirname "$xensim")" && pwd)/$(basename "$xensim")
tmp=$(mktemp -d)
# munged wants every directory above its socket searchable by all.
chmod 711 "$tmp"
trap 'cluster_stop; rm -rf "$tmp"' EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
# Output into a closed pipe must not end the test before its EXIT trap.
trap 'exit 141' PIPE
pass=0
fail=0

status_is() {
    eq "$1" "$2"
}

runs_in() {
    if [ -f "$1" ]; then sql "$1" 'SELECT count(*) FROM run'; else echo 0; fi
}

started=$(date +%s.%N)
mark=$started
# lap WHAT: print the time since the last lap.
lap() {
    now=$(date +%s.%N)
    awk -v what="$1" -v a="$mark" -v b="$now" 'BEGIN { printf "time: %s: %.1f s\n", what, b - a }'
    mark=$now
}

# The newest array job of this cluster (squeue keeps ended jobs: MinJobAge).
newest_job() {
    squeue -h -t all -o %F | sort -n | tail -n 1
}

# The job's array tasks that have not ended.
job_active() {
    squeue -h -r -t all -j "$1" -o %T 2>/dev/null | grep -v -x -E \
        'COMPLETED|CANCELLED|FAILED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|BOOT_FAIL|DEADLINE|PREEMPTED'
}

job_ended() {
    [ -z "$(job_active "$waited")" ]
}

# wait_job JOB: until every task of the array has ended, at most 120 s.
wait_job() {
    waited=$1
    if [ -z "$waited" ]; then
        echo "  no job to wait for"
        return 1
    fi
    if cluster_wait 120 job_ended; then return 0; fi
    echo "  job $1 still active after 120 s:"
    squeue -r -t all -j "$1"
    cluster_logs
    return 1
}

# TASK STATE lines of a job, by task.
task_states() {
    squeue -h -r -t all -j "$1" -o '%K %T' | sort -n | tr '\n' ' ' | sed 's/ $//'
}

# The runs of all shards of a campaign directory, added up.
shard_runs() {
    total=0
    for shard in "$1"/shards/*.db; do
        [ -f "$shard" ] || continue
        total=$((total + $(runs_in "$shard")))
    done
    echo "$total"
}

count_files() {
    n=0
    for f in "$@"; do
        [ -e "$f" ] && n=$((n + 1))
    done
    echo "$n"
}

# 2 x 2 points x 3 replications; 2 s of simulated time a run (milliseconds
# of wall clock each).
scn="$tmp/campaign.yaml"
campaign_yaml slurm-cli 2s "$scn"

# ---- the reference: a local sweep ----
"$xensim" sweep "$scn" --db "$tmp/local.db" -j 2 -q >"$tmp/out" 2>"$tmp/err"
check "the local sweep exits 0" status_is $? 0
check "the local sweep records 12 runs" eq "$(runs_in "$tmp/local.db")" 12
hash=$(sql "$tmp/local.db" 'SELECT DISTINCT scenario_hash FROM runs')
sql "$tmp/local.db" 'SELECT runName FROM run ORDER BY 1' >"$tmp/names"

"$xensim" sweep "$scn" --list >"$tmp/list" 2>"$tmp/err"
check "--list exits 0" status_is $? 0
check "--list names the local sweep's 12 runs" eq \
    "$(cut -f2 "$tmp/list" | sort | tr '\n' ' ')" "$(tr '\n' ' ' <"$tmp/names")"
check "--list numbers them with 12 distinct indices" eq \
    "$(cut -f1 "$tmp/list" | grep -c -x -E '[0-9]+') $(cut -f1 "$tmp/list" | sort -u | wc -l)" "12 12"
lap "local sweep and list"

# ---- the cluster ----
if ! cluster_start "$tmp/cluster"; then
    check "the cluster starts" false
    finish
    exit 1
fi
lap "cluster up"

# Node-local scratch of the tasks (the job script honours TMPDIR; sbatch
# passes the environment on), so that nothing is left outside $tmp.
TMPDIR=$tmp/scratch
export TMPDIR
mkdir "$TMPDIR"

# submitted OUT: the job id that `xensim sweep --slurm` printed.
submitted() {
    sed -n 's/^submitted job \([0-9][0-9]*\)$/\1/p' "$1"
}

# Lines "TASK STATUS" of a submission's status files (logs/sN-tT.status:
# "ok 0 JOBID HOST"), checked to name the job and this node.
statuses() {
    for f in "$1"/logs/s"$2"-t*.status; do
        [ -f "$f" ] || continue
        t=${f##*-t}
        read -r word code jobid host <"$f"
        if [ "$jobid" = "$3" ] && [ "$host" = "$(uname -n)" ]; then
            echo "${t%.status} $word $code"
        else
            echo "${t%.status} $word $code job $jobid on $host"
        fi
    done | sort -n | tr '\n' ' ' | sed 's/ $//'
}

# The indices of runs named in file $1, by --list.
indices_of() {
    while read -r name; do
        awk -F'\t' -v n="$name" '$2 == n { print $1 }' "$tmp/list"
    done <"$1" | sort -n | tr '\n' ' ' | sed 's/ $//'
}

# The indices of an index list ("0-2,5" -> "0 1 2 5").
expand() {
    for part in $(echo "$1" | tr ',' ' '); do
        i=${part%-*}
        while [ "$i" -le "${part#*-}" ]; do
            echo "$i"
            i=$((i + 1))
        done
    done | tr '\n' ' ' | sed 's/ $//'
}

# ---- a whole campaign as a job array ----
camp=$tmp/a
"$xensim" sweep "$scn" --slurm "$camp" --runs-per-task 2 --array-throttle 3 >"$tmp/out" 2>"$tmp/err"
check "--slurm exits 0" status_is $? 0
job=$(submitted "$tmp/out")
check "--slurm prints the job id" test -n "$job"
check "which is the cluster's new array job" eq "$(newest_job)" "$job"
check "--slurm prints the merge command" grep -q -F -x \
    "  $xensim merge $camp/results.db $camp/shards/*.db --scenario-hash $hash" "$tmp/out"
for f in scenario.yaml campaign.tsv runs.tsv tasks-1.tsv job-1.sh logs shards; do
    check "--slurm writes $f" test -e "$camp/$f"
done
scontrol show job "$job" >"$tmp/show" 2>&1
check "the array is throttled to 3 tasks" grep -q 'ArrayTaskThrottle=3' "$tmp/show"
wait_job "$job"
check "the array has 6 tasks of 2 runs, all completed" eq "$(task_states "$job")" \
    "0 COMPLETED 1 COMPLETED 2 COMPLETED 3 COMPLETED 4 COMPLETED 5 COMPLETED"
check "every task reports ok with its job id and node" eq "$(statuses "$camp" 1 "$job")" \
    "0 ok 0 1 ok 0 2 ok 0 3 ok 0 4 ok 0 5 ok 0"
check "one shard a task" eq "$(count_files "$camp"/shards/s1-t*.db)" 6
check "the shards hold the 12 runs once each" eq "$(shard_runs "$camp")" 12
check "no scratch is left on the node" eq "$(ls -A "$TMPDIR")" ""
lap "campaign of 12 runs on the cluster"
"$xensim" merge "$camp/results.db" "$camp"/shards/*.db --scenario-hash "$hash" -q \
    >"$tmp/out" 2>"$tmp/err"
check "the merge exits 0" status_is $? 0
check "the merged campaign equals the local sweep" same_db "$tmp/local.db" "$camp/results.db"

# ---- one task cancelled while it runs, then --resume ----
camp=$tmp/b
gate=$cluster_dir/gate
: >"$gate/hold-2"
"$xensim" sweep "$scn" --slurm "$camp" --runs-per-task 2 --array-throttle 3 >"$tmp/out" 2>"$tmp/err"
check "the second campaign is submitted" status_is $? 0
job=$(submitted "$tmp/out")
if [ -n "$job" ] && cluster_wait 60 test -f "$gate/held-2"; then
    check "task 2 runs while held" eq "$(squeue -h -j "${job}_2" -o %T)" RUNNING
    scancel "${job}_2"
    check "scancel of task 2 exits 0" status_is $? 0
else
    check "task 2 starts within 60 s" false
fi
wait_job "$job"
# Only now: a hold lifted before the cancel has reached the task would let
# its program start.
rm -f "$gate/hold-2"
check "task 2 was cancelled, the others completed" eq "$(task_states "$job")" \
    "0 COMPLETED 1 COMPLETED 2 CANCELLED 3 COMPLETED 4 COMPLETED 5 COMPLETED"
check "task 2 did not report" eq "$(statuses "$camp" 1 "$job")" \
    "0 ok 0 1 ok 0 3 ok 0 4 ok 0 5 ok 0"
check "task 2 left no shard" eq "$(count_files "$camp"/shards/*.db)" 5
check "the other shards hold 10 runs" eq "$(shard_runs "$camp")" 10
"$xensim" merge "$tmp/partial.db" "$camp"/shards/*.db --scenario-hash "$hash" -q \
    >"$tmp/out" 2>"$tmp/err"
check "the partial merge exits 0" status_is $? 0
sql "$tmp/partial.db" 'SELECT runName FROM run ORDER BY 1' | comm -23 "$tmp/names" - >"$tmp/missing"
check "2 runs are missing" eq "$(wc -l <"$tmp/missing" | tr -d ' ')" 2
# Task 2 of 2 runs a task: plan indices 4 and 5 (docs/cluster.md).
check "they are the runs of task 2" eq "$(indices_of "$tmp/missing")" "4 5"
lap "campaign with a cancelled task"

"$xensim" sweep "$scn" --slurm "$camp" --status >"$tmp/out" 2>"$tmp/err"
check "--status exits 0" status_is $? 0
check "--status counts the tasks" grep -q -F \
    "submission 1 (job $job): 6 tasks: 5 ok, 0 failed, 1 not reported" "$tmp/out"
check "--status lists 2 missing runs" eq "$(grep -c '^missing: ' "$tmp/out")" 2
while read -r name; do
    check "--status names $name, of task 2" grep -q -F "missing: $name (run " "$tmp/out"
done <"$tmp/missing"
check "--status submits nothing" eq "$(newest_job)" "$job"

"$xensim" sweep "$scn" --slurm "$camp" --resume --runs-per-task 2 >"$tmp/out" 2>"$tmp/err"
check "--resume exits 0" status_is $? 0
while read -r name; do
    check "--resume names $name" grep -q -F "missing: $name (run " "$tmp/out"
done <"$tmp/missing"
resumed=$(submitted "$tmp/out")
check "--resume submits a new array job" eq "$(newest_job)" "${resumed:-none}"
check "it is not the cancelled one" test "$resumed" != "$job"
check "its one task has exactly the missing runs" eq \
    "$(cut -f1 "$camp/tasks-2.tsv" | tr '\n' ' ')/$(expand "$(cut -f2 "$camp/tasks-2.tsv")")" "0 /4 5"
wait_job "$resumed"
check "the new array completed" eq "$(task_states "$resumed")" "0 COMPLETED"
check "and reports ok" eq "$(statuses "$camp" 2 "$resumed")" "0 ok 0"
check "no run was simulated twice" eq "$(shard_runs "$camp")" 12
"$xensim" merge "$camp/results.db" "$camp"/shards/*.db --scenario-hash "$hash" -q \
    >"$tmp/out" 2>"$tmp/err"
check "the merge after --resume exits 0" status_is $? 0
check "the resumed campaign equals the local sweep" same_db "$tmp/local.db" "$camp/results.db"
"$xensim" sweep "$scn" --slurm "$camp" --resume >"$tmp/out" 2>"$tmp/err"
check "--resume of a complete campaign exits 0" status_is $? 0
check "and submits nothing" eq "$(newest_job)" "$resumed"
check "no scratch is left after the cancel" eq "$(ls -A "$TMPDIR")" ""
lap "status and resume"

# ---- a task cancelled inside xensim ----
# 4 runs, 2 a task; run 3 simulates 2000 s, about 2 s of wall clock (4 s
# under ASan), the others 1-3 s in milliseconds. So task 1 records run 2 in
# its scratch shard at once and is then inside run 3 for seconds: the test
# cancels it as soon as run 2 is there.
slow="$tmp/slow.yaml"
cat >"$slow" <<'EOF'
name: slurm-cli-slow
seed: 5
duration: 1s
domains:
  p: { workload: { type: periodic, period: 200us, burst: { dist: exponential, mean: 50us } } }
  hog: { count: 2, workload: { type: cpu } }
sweep:
  duration: [1s, 2s, 3s, 2000s]
EOF
"$xensim" sweep "$slow" --db "$tmp/slow.db" -j 2 -q >"$tmp/out" 2>"$tmp/err"
check "the local sweep of 4 runs exits 0" status_is $? 0
slow_hash=$(sql "$tmp/slow.db" 'SELECT DISTINCT scenario_hash FROM runs')
"$xensim" sweep "$slow" --list >"$tmp/slow.list"
long=$(awk -F'\t' '$1 == 3 { print $2 }' "$tmp/slow.list")
check "run 3 is the long one" eq "${long#*-duration=}" 2000s-s5-r0
lap "local sweep with a long run"

camp=$tmp/c
"$xensim" sweep "$slow" --slurm "$camp" --runs-per-task 2 >"$tmp/out" 2>"$tmp/err"
check "the campaign with a long run is submitted" status_is $? 0
job=$(submitted "$tmp/out")
# The scratch shard of task 1 (docs/cluster.md); not opened before it exists,
# as sqlite3 would create it.
scratch=$TMPDIR/xensim-$job-1/shard.db
scratch_has_a_run() {
    [ -f "$scratch" ] || return 1
    n=$(sql "$scratch" 'SELECT count(*) FROM run')
    [ "$n" != error ] && [ "$n" -ge 1 ]
}
if [ -n "$job" ] && cluster_wait 60 scratch_has_a_run; then
    scancel "${job}_1"
    check "scancel of task 1 exits 0" status_is $? 0
else
    check "task 1 records its first run within 60 s" false
fi
wait_job "$job"
check "task 1 was cancelled, task 0 completed" eq "$(task_states "$job")" "0 COMPLETED 1 CANCELLED"
check "task 1 reports that xensim was interrupted" eq "$(statuses "$camp" 1 "$job")" \
    "0 ok 0 1 failed 130"
check "task 1's shard keeps the run it finished" eq "$(runs_in "$camp/shards/s1-t1.db")" 1
check "the shards hold 3 runs" eq "$(shard_runs "$camp")" 3
"$xensim" sweep "$slow" --slurm "$camp" --status >"$tmp/out" 2>"$tmp/err"
check "--status exits 0" status_is $? 0
check "--status counts a failed task" grep -q -F \
    "submission 1 (job $job): 2 tasks: 1 ok, 1 failed, 0 not reported" "$tmp/out"
check "--status names the long run and why it is missing" grep -q -F \
    "missing: $long (run 3; task 1 of submission 1 failed with exit status 130" "$tmp/out"
check "--status names no other run" eq "$(grep -c '^missing: ' "$tmp/out")" 1
"$xensim" sweep "$slow" --slurm "$camp" --resume --runs-per-task 2 >"$tmp/out" 2>"$tmp/err"
check "--resume exits 0" status_is $? 0
resumed=$(submitted "$tmp/out")
check "--resume submits run 3 alone" eq "$(cat "$camp/tasks-2.tsv" 2>&1)" "0	3"
wait_job "$resumed"
check "and it reports ok" eq "$(statuses "$camp" 2 "$resumed")" "0 ok 0"
check "no run was simulated twice" eq "$(shard_runs "$camp")" 4
"$xensim" merge "$camp/results.db" "$camp"/shards/*.db --scenario-hash "$slow_hash" -q \
    >"$tmp/out" 2>"$tmp/err"
check "the merge exits 0" status_is $? 0
check "the campaign equals its local sweep" same_db "$tmp/slow.db" "$camp/results.db"
check "no scratch is left" eq "$(ls -A "$TMPDIR")" ""
lap "campaign with a task cancelled inside xensim"

cluster_stop
check "no daemon or job outlives the cluster" eq "$(cluster_procs)" ""
lap "stopping the cluster"
mark=$started
lap "the whole test"
finish
