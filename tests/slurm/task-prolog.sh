#!/bin/sh
# TaskProlog of the test cluster (tests/slurm/cluster.sh copies it next to
# slurm.conf). slurmstepd runs it before each task's program. If the test
# has created gate/hold-N, array task N stays here, running as far as Slurm
# knows, and says so in gate/held-N: the test can then cancel a task that is
# certainly running, without guessing at timings. The wait is bounded so a
# forgotten hold cannot keep a job forever. Prints nothing: slurmstepd reads
# this program's output as environment settings.
gate=$(dirname "$0")/gate
task=${SLURM_ARRAY_TASK_ID:-none}
n=0
while [ -f "$gate/hold-$task" ] && [ $n -lt 600 ]; do
    : >"$gate/held-$task"
    sleep 0.2
    n=$((n + 1))
done
exit 0
