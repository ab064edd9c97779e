#!/bin/sh
# scripts/validate: the fast subset of the validation suite (validation/,
# docs/validation.md) holds, so a verdict that holds cannot silently flip;
# and the validator itself: on a small experiment of its own, with rows
# built to pass, fail, stay a gap or close one, each row gets the verdict it
# must, a cross-point reference (@{...}) and a --set override point compute
# the numbers the model gives, a bad row is an ERROR, and the exit status
# says so. Prints "N passed, N failed".
set -u
srcdir=${abs_top_srcdir:-.}
xensim=${XENSIM:-./xensim}
. "$srcdir/tests/shlib.sh"
require_tools sqlite3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
validate="$srcdir/scripts/validate"
tab=$(printf '\t')

# ---- the fast subset of the real suite ----
"$validate" --fast --xensim "$xensim" --tsv "$tmp/fast.tsv" >"$tmp/out" 2>"$tmp/err"
status=$?
check "validate --fast exits 0" eq "$status" 0
if [ "$status" -ne 0 ]; then sed 's/^/  /' "$tmp/out" "$tmp/err"; fi
check "no row fails or errs" eq "$(grep -cE ' (FAIL|ERROR)$' "$tmp/out")" 0
# Every row of every fast experiment was checked.
fast_exps=$(grep -lE '^# *validate:.*fast' "$srcdir"/validation/*.yaml | sed 's|.*/||; s|\.yaml$||')
want=0
for e in $fast_exps; do
    want=$((want + $(awk -F'\t' -v e="$e" '!/^#/ && $1 == e' "$srcdir/validation/published.tsv" | wc -l)))
done
check "fast experiments found" test "$want" -gt 0
check "every row of the fast experiments reported" eq "$(wc -l <"$tmp/fast.tsv" | tr -d ' ')" "$want"
check "the summary line" grep -q "^$want rows: " "$tmp/out"
check "Fig. 6 calibration point reproduced" \
    grep -qE "^barham-fig6${tab}domains.d.count=128, scheduler.bvt.ctx_allow=5ms, scheduler.name=bvt${tab}work_share / work_share@\{scheduler.name=rr\}${tab}.*${tab}PASS$" "$tmp/fast.tsv"

# ---- the validator on an experiment of its own ----
# One hog alone, on 1 or 2 pCPUs: its cpu_share is 1 or 0.5 exactly
# (cpu_share is over every pCPU, and a lone hog never switches).
mkdir "$tmp/v"
cat >"$tmp/v/hog.yaml" <<'EOF'
# validate: fast
name: hog
duration: 200ms
machine: { pcpus: 1 }
domains:
  hog: { workload: { type: cpu } }
sweep:
  machine.pcpus: [1, 2]
EOF
cat >"$tmp/v/idle.yaml" <<'EOF'
name: idle
duration: 100ms
domains:
  hog: { workload: { type: cpu } }
EOF
row() { printf '%s\t%s\t%s\t%s\t-\ttest\t%s\n' "$@"; }
{
    printf 'experiment\tpoint\tmetric\tpublished\tspread\tsource\texpect\n'
    row hog "machine.pcpus=1" "hog.cpu_share" 1 "within 1%"
    row hog "machine.pcpus=2" "hog.cpu_share" 0.5 "within 0.001"
    row hog "machine.pcpus=1" "hog.cpu_share@{machine.pcpus=2} / hog.cpu_share" 0.5 "between 0.499 0.501"
    row hog "machine.pcpus=2, duration=100ms" "hog.cpu_time_ns / 1e6" 100 "within 0.1%"
    row hog "machine.pcpus=2" "sum(*.cpu_util) + count(pcpu*.busy_ns)" 3 "within 0.001"
    row hog "machine.pcpus=1" "hog.cpu_time_ns@{duration=100ms} / hog.cpu_time_ns" 0.5 "within 0.1%"
    row hog "machine.pcpus=2" "hog.cpu_share" 1 "gap: within 1%"
    row idle "-" "hog.cpu_share" 1 "within 1%"
} >"$tmp/v/published.tsv"
"$validate" --dir "$tmp/v" --xensim "$xensim" --tsv "$tmp/v.tsv" >"$tmp/out" 2>"$tmp/err"
status=$?
check "all rows hold: exit 0" eq "$status" 0
if [ "$status" -ne 0 ]; then sed 's/^/  /' "$tmp/out" "$tmp/err"; fi
verdicts() { cut -f8 "$1" | tr '\n' ' '; }
check "verdicts" eq "$(verdicts "$tmp/v.tsv")" "PASS PASS PASS PASS PASS PASS GAP PASS "
check "the cross-point ratio" eq "$(sed -n 3p "$tmp/v.tsv" | cut -f6)" 0.5
check "the override point ran as its own sweep, once" eq "$(grep -c "running hog with duration=100ms$" "$tmp/err")" 1
check "the table names the point by its last components" \
    grep -qE '^hog +pcpus=2 +hog.cpu_share +0.5 +0.5 +within 0.001 +PASS$' "$tmp/out"
check "summary" grep -q '^8 rows: 7 pass, 0 fail, 1 gap, 0 xpass, 0 error$' "$tmp/out"

# --fast keeps only experiments marked fast; --only selects by stem.
"$validate" --dir "$tmp/v" --xensim "$xensim" --fast >"$tmp/out" 2>&1
check "--fast: exit 0" eq "$?" 0
check "--fast: the marked experiment only" grep -q '^7 rows: 6 pass' "$tmp/out"
"$validate" --dir "$tmp/v" --xensim "$xensim" --only idle >"$tmp/out" 2>&1
check "--only: exit 0" eq "$?" 0
check "--only: that experiment only" grep -q '^1 rows: 1 pass' "$tmp/out"

# A row that does not hold fails the run; a gap that holds is an XPASS; a
# metric that cannot be computed is an ERROR.
{
    cat "$tmp/v/published.tsv"
    row hog "machine.pcpus=2" "hog.cpu_share" 1 "within 1%"
    row hog "machine.pcpus=1" "hog.cpu_share" 1 "gap: within 1%"
    row hog "machine.pcpus=1" "nosuch.cpu_share" 1 "within 1%"
    row hog "-" "hog.cpu_share" 1 "within 1%"
    row hog "machine.pcpus=1" "hog.cpu_share" 1 "about 1"
} >"$tmp/v/p2" && mv "$tmp/v/p2" "$tmp/v/published.tsv"
"$validate" --dir "$tmp/v" --xensim "$xensim" --tsv "$tmp/v.tsv" >"$tmp/out" 2>"$tmp/err"
check "a failing row: exit 1" eq "$?" 1
check "verdicts with failures" eq "$(verdicts "$tmp/v.tsv")" \
    "PASS PASS PASS PASS PASS PASS GAP PASS FAIL XPASS ERROR ERROR ERROR "
check "an unknown module is named" grep -q "error: no scalar nosuch.cpu_share at point 'machine.pcpus=1'" "$tmp/out"
check "an ambiguous point is named" grep -q "error: point '-' matches 2 runs' points" "$tmp/out"
check "a bad expectation is named" grep -q "error: expectation 'about 1'" "$tmp/out"

# Usage errors: exit 2.
"$validate" --dir "$tmp/v" --xensim "$xensim" --only nosuch >"$tmp/out" 2>&1
check "--only with an unknown experiment: exit 2" eq "$?" 2
"$validate" --bogus >"$tmp/out" 2>&1
check "unknown option: exit 2" eq "$?" 2
printf 'gone\t-\tx.cpu_share\t1\t-\ttest\twithin 1%%\n' >>"$tmp/v/published.tsv"
"$validate" --dir "$tmp/v" --xensim "$xensim" >"$tmp/out" 2>&1
check "a row without its scenario: exit 2" eq "$?" 2

finish
