# tests/slurm/cluster.sh: a private single-node Slurm cluster for one test
# (sourced, not run). cluster_start writes slurm.conf from slurm.conf.in
# into a directory of the test's own, with a munge key and socket, state,
# spool, logs and pid files there too and TCP ports chosen free at run time,
# then starts munged, slurmctld and slurmd in the foreground of background
# jobs, so their process ids are known, and waits until the node is idle.
# cluster_stop cancels what is left and stops all three; call it from an
# EXIT trap. Needs root (slurmd runs jobs as their owner) and the Debian
# packages munge, slurmctld, slurmd and slurm-client. SLURM_CONF is exported
# so that sbatch, squeue and the rest talk to this cluster only. The test
# sets srcdir (the source tree's top).
#
# Every daemon carries XENSIM_TEST_CLUSTER=DIR in its environment: with the
# marks in cluster_procs, cluster_stop finds leftovers of this cluster and
# never touches another test's.

: "${srcdir:?the test sets srcdir before sourcing cluster.sh}"
cluster_node=
cluster_node_state=
cluster_munged=
cluster_ctld=
cluster_slurmd=

# A TCP port in 20000-60999 that nothing on this machine holds now and that
# differs from $1. Another test may take it before the daemon binds it:
# cluster_start then retries with new ports.
cluster_free_port() {
    while :; do
        port=$(( $(od -An -N2 -tu2 /dev/urandom) % 41000 + 20000 ))
        [ "$port" = "${1:-}" ] && continue
        hex=$(printf '%04X' "$port")
        if ! cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
                awk '{ print $2 }' | grep -q ":$hex\$"; then
            echo "$port"
            return 0
        fi
    done
}

# cluster_wait SECONDS COMMAND...: poll COMMAND every 0.1 s until it
# succeeds, for SECONDS of wall clock at most (a client command can itself
# wait seconds for a daemon that does not answer).
cluster_wait() {
    deadline=$(( $(date +%s) + $1 ))
    shift
    while :; do
        if "$@"; then return 0; fi
        [ "$(date +%s)" -lt "$deadline" ] || return 1
        sleep 0.1
    done
}

# The node is idle, or a daemon has exited (cluster_node_state tells).
cluster_idle_or_dead() {
    cluster_node_state=$(sinfo -h -n "$cluster_node" -o %T 2>&1)
    [ "$cluster_node_state" = idle ] || ! cluster_running "$cluster_ctld" "$cluster_slurmd"
}

# cluster_running PID...: all of them run (a daemon that has exited stays
# a zombie until waited for, which kill -0 does not tell).
cluster_running() {
    for p in "$@"; do
        state=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | cut -c1)
        case $state in ''|Z|X) return 1 ;; esac
    done
}

cluster_none_running() {
    for p in "$@"; do
        cluster_running "$p" && return 1
    done
    return 0
}

# The daemons' logs, for a failure's explanation.
cluster_logs() {
    for log in "$cluster_dir"/log/*; do
        [ -f "$log" ] || continue
        echo "---- ${log##*/} (last 30 lines) ----"
        tail -n 30 "$log"
    done
}

# cluster_start DIR: set up and start the cluster in DIR (an empty directory
# of the test's own). Returns non-zero, with the logs printed, if the node is
# not idle within 30 s.
cluster_start() {
    cluster_dir=$1
    cluster_node=$(hostname -s)
    mkdir -p "$cluster_dir/munge" "$cluster_dir/state" "$cluster_dir/spool" \
        "$cluster_dir/log" "$cluster_dir/run" "$cluster_dir/gate" || return 1
    # munged refuses a socket in a directory that not everyone can reach.
    chmod 711 "$cluster_dir" || return 1
    up=${cluster_dir%/*}
    while [ -n "$up" ]; do
        case $(stat -c %A "$up") in
            *x|*t) ;;
            *)
                echo "cluster: $up is not searchable by others, which munged requires"
                return 1
                ;;
        esac
        up=${up%/*}
    done
    (umask 077 && dd if=/dev/urandom of="$cluster_dir/munge/munge.key" bs=1024 count=1 \
        2>/dev/null) || return 1
    sock=$cluster_dir/munge/munged.sock
    if [ ${#sock} -gt 100 ]; then
        echo "cluster: $sock is too long for a Unix socket; set TMPDIR to a shorter directory"
        return 1
    fi
    XENSIM_TEST_CLUSTER=$cluster_dir munged -F --socket="$sock" \
        --key-file="$cluster_dir/munge/munge.key" --log-file="$cluster_dir/log/munged.log" \
        --pid-file="$cluster_dir/run/munged.pid" --seed-file="$cluster_dir/munge/munged.seed" \
        >>"$cluster_dir/log/munged.out" 2>&1 &
    cluster_munged=$!
    if ! cluster_wait 10 test -S "$sock"; then
        echo "munged did not create its socket within 10 s"
        cluster_logs
        return 1
    fi
    if ! munge -S "$sock" -n | unmunge -S "$sock" >/dev/null; then
        echo "munged does not answer on $sock"
        cluster_logs
        return 1
    fi
    cp "$srcdir/tests/slurm/task-prolog.sh" "$cluster_dir/task-prolog.sh" &&
        chmod 755 "$cluster_dir/task-prolog.sh" || return 1
    SLURM_CONF=$cluster_dir/slurm.conf
    export SLURM_CONF
    attempt=1
    while :; do
        ctld_port=$(cluster_free_port)
        slurmd_port=$(cluster_free_port "$ctld_port")
        sed -e "s|@DIR@|$cluster_dir|g" -e "s|@NODE@|$cluster_node|g" \
            -e "s|@CTLD_PORT@|$ctld_port|g" -e "s|@SLURMD_PORT@|$slurmd_port|g" \
            -e "s|@FIRST_JOB_ID@|$(( $(od -An -N4 -tu4 /dev/urandom) % 60000000 + 1000 ))|g" \
            "$srcdir/tests/slurm/slurm.conf.in" >"$SLURM_CONF" || return 1
        XENSIM_TEST_CLUSTER=$cluster_dir slurmctld -D -f "$SLURM_CONF" \
            >>"$cluster_dir/log/slurmctld.out" 2>&1 &
        cluster_ctld=$!
        XENSIM_TEST_CLUSTER=$cluster_dir slurmd -D -f "$SLURM_CONF" -N "$cluster_node" \
            >>"$cluster_dir/log/slurmd.out" 2>&1 &
        cluster_slurmd=$!
        cluster_wait 30 cluster_idle_or_dead
        if [ "$cluster_node_state" = idle ]; then
            echo "cluster: node $cluster_node idle (ports $ctld_port, $slurmd_port)"
            return 0
        fi
        # A port taken between the choice and the bind: stop, choose again.
        if [ $attempt -lt 3 ] && grep -qs "Address already in use" "$cluster_dir/log/slurmctld.log" "$cluster_dir/log/slurmd.log"; then
            echo "cluster: port $ctld_port or $slurmd_port was taken meanwhile; new ports"
            cluster_stop_daemons
            for log in "$cluster_dir"/log/slurm*; do mv "$log" "$log.$attempt"; done
            attempt=$((attempt + 1))
            continue
        fi
        echo "cluster: node $cluster_node not idle within 30 s: $cluster_node_state"
        cluster_running "$cluster_ctld" || echo "slurmctld has exited"
        cluster_running "$cluster_slurmd" || echo "slurmd has exited"
        cluster_logs
        return 1
    done
}

# Processes of this cluster: the daemons and their children carry the mark,
# job programs carry this SLURM_CONF, and a slurmstepd (started with an
# empty environment) holds this slurmd's log open.
cluster_procs() {
    (
        # Not the mark of this search's own programs.
        unset SLURM_CONF
        {
            grep -lsxz -e "XENSIM_TEST_CLUSTER=$cluster_dir" \
                -e "SLURM_CONF=$cluster_dir/slurm.conf" /proc/[0-9]*/environ
            find /proc/[0-9]*/fd -maxdepth 1 -lname "$cluster_dir/log/slurmd.log" 2>/dev/null
        } | cut -d/ -f3 | sort -un
    )
}

# cluster_end PID...: SIGTERM, then SIGKILL what still runs after 10 s.
cluster_end() {
    for p in "$@"; do
        kill -TERM "$p" 2>/dev/null
    done
    cluster_wait 10 cluster_none_running "$@"
    for p in "$@"; do
        kill -KILL "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
}

cluster_stop_daemons() {
    # shellcheck disable=SC2086
    cluster_end $cluster_slurmd $cluster_ctld
    cluster_slurmd=
    cluster_ctld=
}

cluster_no_jobs() {
    [ -z "$(squeue -h -o %i 2>/dev/null)" ]
}

# cluster_stop: cancel every job of this cluster, stop slurmd, slurmctld and
# munged, and kill whatever still carries the mark. Safe to call twice and
# before cluster_start.
cluster_stop() {
    [ -n "${cluster_dir:-}" ] || return 0
    if [ -n "$cluster_ctld" ] && cluster_running "$cluster_ctld"; then
        scancel --quiet --user="$(id -un)" 2>/dev/null
        cluster_wait 15 cluster_no_jobs || echo "cluster: jobs left after 15 s: $(squeue -h 2>&1)"
    fi
    cluster_stop_daemons
    # shellcheck disable=SC2086
    cluster_end $cluster_munged
    cluster_munged=
    left=$(cluster_procs)
    if [ -n "$left" ]; then
        echo "cluster: killing leftover processes" "$(echo "$left" | tr '\n' ' ')"
        # shellcheck disable=SC2086
        kill -KILL $left 2>/dev/null
    fi
}
