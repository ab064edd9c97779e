#!/bin/sh
# The bash completion (completion/xensim, or the file given as $1): sourced
# into bash, _xensim fills COMPREPLY for commands, a command's options,
# option values (schedulers, formats, layouts), trace's and history's
# subcommands and the key paths of --set, those of a SCENARIO on the line
# with its own domain and device names (a device with its kind's keys
# only); each list comes from `xensim _complete`. Prints "N passed, N
# failed".
set -u
srcdir=${abs_top_srcdir:-.}
xensim=${XENSIM:-./xensim}
completion=${1:-$srcdir/completion/xensim}
. "$srcdir/tests/shlib.sh"
require_tools bash
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

# complete WORD...: the sorted COMPREPLY for the command line WORD... (the
# last word is the one being completed; split at "=" as bash does by
# default), space-separated.
complete_line() {
    bash -c '
        . "$1" || exit 3
        shift
        COMP_WORDS=("$@")
        COMP_CWORD=$(($# - 1))
        _xensim
        printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " " | sed "s/ $//"
    ' complete-test "$completion" "$xensim" "$@" 2>"$tmp/err"
}

c() {
    want=$1
    shift
    got=$(complete_line "$@")
    check "xensim $* -> '$want'" eq "$got" "$want"
    check "xensim $*: nothing on stderr" eq "$(cat "$tmp/err")" ""
}

# xensim's own lists, so the cases below follow the program.
c "compare" "com"
c "check compare" "c"
c "--help --version" "--"
c "--resume" sweep x.yaml "--re"
c "--timeline" run "--ti"
c "--jobs" sweep "--jo"
c "--scheduler" report db "--schedul"
c "--schedulers" compare x.yaml "--schedul"
c "arinc653 atropos bvt credit credit2 null rr rtds sedf" compare x.yaml --schedulers ""
c "rr,arinc653 rr,atropos rr,bvt rr,credit rr,credit2 rr,null rr,rr rr,rtds rr,sedf" compare x.yaml --schedulers "rr,"
c "svg" plot db --out d --format s
c "--no-figures" dashboard h.db --out d "--no-"
c "csv" report db --format c
c "fixed32 fixed64" trace import xentrace f --layout fi
c "auto" trace import xentrace f --tsc-skew a
c "import info" trace i
c "strace" trace import s
c "regressions" history r
c "add" history a
c "--all --alpha" history regressions h.db --al
# --set paths: with no scenario the generic ones, "=" appended.
c "machine.clock.tsc_hz= machine.clock.tsc_offset= machine.clock.tsc_ppm=" \
    run x.yaml --set machine.clock.tsc
c "scheduler.bvt.ctx_allow=" run x.yaml --set scheduler.bvt.ctx
c "domains.*.sched.bvt.warp= domains.*.sched.bvt.warpl= domains.*.sched.bvt.warpu=" run x.yaml --set "domains.*.sched.bvt.warp"
# With a scenario, its names: default.yaml's domains and devices.
scn=$srcdir/scenarios/default.yaml
c "domains.probe.sched.bvt.mcu_advance=" run "$scn" --set domains.probe.sched.bvt.mc
c "devices.disk0.rpm=" sweep "$scn" -j 2 --set devices.disk0.rp
# Each device with the keys of its kind (io-vs-hogs.yaml: disk0, nic0).
io=$srcdir/scenarios/io-vs-hogs.yaml
c "devices.disk0.seek=" run "$io" --set devices.disk0.se
c "" run "$io" --set devices.nic0.see
c "devices.nic0.served_by=" run "$io" --set devices.nic0.ser
c "" run "$io" --set devices.disk0.ser
c "devices.disk0.ring= devices.disk0.rpm=" run "$io" --set devices.disk0.r
got=$(complete_line check "$scn" --set domains.)
check "--set domains. lists each domain of the scenario" \
    test "$(echo "$got" | tr ' ' '\n' | grep -c '^domains\.[a-z0-9_-]*\.vcpus=$')" -eq \
         "$(sed -n '/^domains:/,/^[a-z]/p' "$scn" | grep -c '^  [a-z_][a-z0-9_-]*:')"
# --set scheduler.name=VALUE, split at "=" as bash does.
c "arinc653 atropos" run x.yaml --set scheduler.name = a
c "arinc653 atropos bvt credit credit2 null rr rtds sedf" run x.yaml --set scheduler.name = ""
c "scheduler.name=" run x.yaml --set = scheduler.na
# After a file option, files.
mkdir "$tmp/dir"
: >"$tmp/dir/results.db"
c "$tmp/dir/results.db" run x.yaml --db "$tmp/dir/res"

finish
