# tests/shlib.sh: what the shell tests share (sourced, not run). A test
# sets pass=0 fail=0, counts its cases with `check`, and ends with `finish`,
# which prints "N passed, N failed" (scripts/test collects that line) and
# gives the exit status.

# require_tools TOOL...: skip the whole test (exit 77) if a tool is missing.
require_tools() {
    for tool in "$@"; do
        if ! command -v "$tool" >/dev/null 2>&1; then
            echo "SKIP: $tool is not installed (scripts/deps installs it)"
            exit 77
        fi
    done
}

# check DESCRIPTION COMMAND...: one case, passing if COMMAND succeeds.
check() {
    desc=$1
    shift
    if "$@"; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL: $desc"
    fi
}

# sql DB QUERY: the query's output, or "error".
sql() {
    sqlite3 "$1" "$2" 2>/dev/null || echo error
}

# eq GOT WANT: equal strings, or say what differed.
eq() {
    if [ "$1" = "$2" ]; then return 0; fi
    echo "  got '$1', want '$2'"
    return 1
}

# gone PID: the process has ended (or is a zombie waiting for its new
# parent to reap it).
gone() {
    ! kill -0 "$1" 2>/dev/null && return 0
    case $(ps -o stat= -p "$1" 2>/dev/null) in Z*|'') return 0 ;; esac
    echo "  process $1 still runs"
    return 1
}

finish() {
    echo "$pass passed, $fail failed"
    [ "$fail" -eq 0 ]
}

# dump DB: every row of every table, keyed by run name, fully ordered;
# doubles with 17 significant digits; without the wall-clock datetime
# attribute (the one value two runs of the same scenario differ in).
dump() {
    sqlite3 "$1" "
SELECT runName, simtimeExp FROM run ORDER BY 1;
SELECT r.runName, a.attrName, a.attrValue FROM runAttr a JOIN run r USING (runId)
  WHERE a.attrName != 'datetime' ORDER BY 1, 2, 3;
SELECT r.runName, i.itervarName, i.itervarValue FROM runItervar i JOIN run r USING (runId)
  ORDER BY 1, 2, 3;
SELECT r.runName, c.configOrder, c.configKey, c.configValue FROM runConfig c
  JOIN run r USING (runId) ORDER BY 1, 2, 3, 4;
SELECT r.runName, s.moduleName, s.scalarName, printf('%!.17g', s.scalarValue) FROM scalar s
  JOIN run r USING (runId) ORDER BY 1, 2, 3;
SELECT r.runName, s.moduleName, s.scalarName, a.attrName, a.attrValue FROM scalarAttr a
  JOIN scalar s ON s.scalarId = a.scalarId JOIN run r ON r.runId = s.runId ORDER BY 1, 2, 3, 4;
SELECT r.runName, s.moduleName, s.statName, s.statCount, printf('%!.17g', s.statMean),
  printf('%!.17g', s.statStddev), printf('%!.17g', s.statSum), printf('%!.17g', s.statSqrsum),
  s.statMin, s.statMax FROM statistic s JOIN run r USING (runId) ORDER BY 1, 2, 3;
SELECT r.runName, s.moduleName, s.statName, a.attrName, a.attrValue FROM statisticAttr a
  JOIN statistic s ON s.statId = a.statId JOIN run r ON r.runId = s.runId ORDER BY 1, 2, 3, 4;
SELECT r.runName, s.moduleName, s.statName, h.lowerEdge, h.binValue FROM histogramBin h
  JOIN statistic s ON s.statId = h.statId JOIN run r ON r.runId = s.runId ORDER BY 1, 2, 3, 4;
" 2>&1
}

# same_db A B: A and B hold the same rows run by run (not empty); the test
# sets $tmp, a scratch directory, where the two dumps go.
same_db() {
    dump "$1" >"$tmp/dump1"
    dump "$2" >"$tmp/dump2"
    if cmp -s "$tmp/dump1" "$tmp/dump2" && [ -s "$tmp/dump1" ]; then return 0; fi
    echo "  $1 and $2 differ:"
    diff "$tmp/dump1" "$tmp/dump2" | head -5
    return 1
}

# campaign_yaml NAME DURATION FILE: the small campaign the sweep and cluster
# tests share: 2 x 2 points (scheduler rr|bvt x rr slice 1|2 ms) x 3
# replications = 12 runs of a periodic probe and two hogs.
campaign_yaml() {
    cat >"$3" <<EOF2
name: $1
seed: 3
duration: $2
replications: 3
domains:
  p: { workload: { type: periodic, period: 200us, burst: { dist: exponential, mean: 50us } } }
  hog: { count: 2, workload: { type: cpu } }
sweep:
  scheduler.name: [rr, bvt]
  scheduler.rr.slice: [1ms, 2ms]
EOF2
}

# scenario_hash SCENARIO [ARGS...]: the base scenario hash `xensim check`
# prints (the one in run names and in `merge --scenario-hash`).
scenario_hash() {
    "$xensim" check "$@" | sed -n 's/^scenario .*hash \([0-9a-f]*\))$/\1/p'
}
