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

finish() {
    echo "$pass passed, $fail failed"
    [ "$fail" -eq 0 ]
}
