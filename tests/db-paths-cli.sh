#!/bin/sh
# The results database paths of every command (docs/results.md, "Database
# paths"): paths that are not files ("", :memory:, file: URIs) are refused
# with exit 2 before anything is simulated or created; a database that
# cannot be written (file or directory) is refused before simulating; over a
# file size limit (RLIMIT_FSIZE with SIGXFSZ ignored, so writes fail with
# EFBIG like a full disk) a failed run leaves nothing: no file it created,
# no run in a -wal; the readers read a database in a directory they cannot
# write, and say why when they cannot (a -wal with frames and no way to
# create -shm); and each message names the path once and the cause once (exact
# messages below). The unprivileged cases run as nobody through setpriv
# when the test runs as root (root ignores directory permissions), and are
# skipped with a message if that is not possible. Prints "N passed, N failed".
set -u
srcdir=${abs_top_srcdir:-.}
xensim=${XENSIM:-./xensim}
scn="$srcdir/scenarios/default.yaml"
. "$srcdir/tests/shlib.sh"
require_tools sqlite3
tmp=$(mktemp -d)
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
cd "$tmp" || exit 1
pass=0
fail=0
short="duration=100ms"

# outcome: "STATUS|STDERR" of a command (stdout discarded).
outcome() {
    "$@" >/dev/null 2>err.txt
    st=$?
    printf '%s|%s' "$st" "$(cat err.txt)"
}

runs_in() {
    sql "$1" 'SELECT count(*) FROM run'
}

# ---- 1. paths that are not files: refused, nothing simulated or created ----
"$xensim" run "$scn" --set "$short" --db ok.db -q
for p in "" ":memory:" "file:u.db"; do
    case $p in
    "") m="xensim: '': an empty path is not a file (SQLite would use a temporary database that is deleted on exit, so nothing would be kept)" ;;
    :memory:) m="xensim: ':memory:': not a file (SQLite would keep the results in memory and lose them on exit)" ;;
    *) m="xensim: 'file:u.db': an SQLite URI, not a file path (give the file itself, ./file:u.db for a file of that name; xensim sets the SQLite options it needs)" ;;
    esac
    check "run --db '$p': exit 2 and why" eq "$(outcome "$xensim" run "$scn" --db "$p" -q)" "2|$m"
    check "sweep --db '$p'" eq "$(outcome "$xensim" sweep "$scn" --db "$p" -q)" "2|$m"
    check "compare --db '$p'" eq "$(outcome "$xensim" compare "$scn" --db "$p" -q)" "2|$m"
    check "report '$p'" eq "$(outcome "$xensim" report "$p")" "2|$m"
    check "plot '$p'" eq "$(outcome "$xensim" plot "$p" --out plots)" "2|$m"
    check "regress --current '$p'" eq \
        "$(outcome "$xensim" regress --baseline ok.db --current "$p")" "2|$m"
    check "merge OUT '$p'" eq "$(outcome "$xensim" merge m.db "$p")" "2|$m"
    check "merge '$p' SHARD" eq "$(outcome "$xensim" merge "$p" ok.db)" "2|$m"
done
check "nothing created by the refusals" eq "$(ls | tr '\n' ' ')" "err.txt ok.db "

# ---- 5. messages name the path once and the cause once ----
i=0
while [ $i -lt 200 ]; do printf 'garbage '; i=$((i + 1)); done >g.db
check "run into a garbage file" eq "$(outcome "$xensim" run "$scn" --set "$short" --db g.db -q)" \
    "2|xensim: g.db: not an SQLite database"
check "report of a garbage file" eq "$(outcome "$xensim" report g.db)" \
    "2|xensim report: g.db: not an SQLite database"
cp ok.db neg.db
sqlite3 neg.db 'PRAGMA user_version = -5'
v="neg.db: not a xensim results database (schema version -5; expected 1)"
check "run into user_version -5" eq "$(outcome "$xensim" run "$scn" --set "$short" --db neg.db -q)" \
    "2|xensim: $v"
check "compare into user_version -5" eq \
    "$(outcome "$xensim" compare "$scn" --set "$short" --db neg.db -q)" "2|xensim: $v"
check "report of user_version -5" eq "$(outcome "$xensim" report neg.db)" "2|xensim report: $v"
check "plot of user_version -5" eq "$(outcome "$xensim" plot neg.db --out plots)" \
    "2|xensim plot: $v"
check "regress of user_version -5" eq \
    "$(outcome "$xensim" regress --baseline ok.db --current neg.db)" "2|xensim regress: $v"
check "run into a missing directory" eq \
    "$(outcome "$xensim" run "$scn" --set "$short" --db no/such.db -q)" \
    "2|xensim: no/such.db: cannot open: directory no does not exist"

# ---- 3. over a file size limit: a failed run changes nothing ----
if command -v prlimit >/dev/null 2>&1; then
    # SIGXFSZ ignored (inherited through exec), so writes fail with EFBIG.
    limited() {
        lim=$1
        shift
        (trap '' XFSZ; exec prlimit --fsize="$lim" "$@")
    }
    check "first run over the limit: exit 2 and why" eq \
        "$(outcome limited 100000 "$xensim" run "$scn" --set "$short" --db f.db -q)" \
        "2|xensim: f.db: cannot grow the file for the schema: disk I/O error (no space left, or over the file size limit)"
    check "first run over the limit: no file left behind" eq "$(ls f.db* 2>/dev/null)" ""
    cp ok.db b.db
    for seed in 1 2 3 4 5; do "$xensim" run "$scn" --set "$short" --seed $seed --db b.db -q; done
    size=$(wc -c <b.db)
    # Room for the run in the -wal (the file grows by less than one run),
    # but not in the database file.
    o=$(outcome limited $((size + 8192)) "$xensim" run "$scn" --set "$short" --seed 99 --db b.db -q)
    check "run that does not fit: exit 2" eq "${o%%|*}" 2
    check "run that does not fit: says why" eq "${o#*|}" \
        "xensim: $scn: results database: cannot grow b.db to hold the run: disk I/O error (no space left, or over the file size limit)"
    check "run that does not fit: not in the database, nor its -wal" eq "$(runs_in b.db)" 6
    check "the database is intact" eq "$(sql b.db 'PRAGMA integrity_check')" ok
    "$xensim" run "$scn" --set "$short" --seed 99 --db b.db -q
    check "without the limit the run is stored" eq "$(runs_in b.db)" 7
else
    echo "SKIP: prlimit (util-linux) is not installed: the file size limit cases"
fi

# ---- 2 and 4: a directory and files this user cannot write ----
if [ "$(id -u)" -ne 0 ]; then
    as_user() { "$@"; }
elif command -v setpriv >/dev/null 2>&1 && setpriv --reuid=nobody --regid=nogroup \
        --clear-groups true 2>/dev/null; then
    as_user() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
else
    echo "SKIP: running as root without setpriv: the read-only directory cases"
fi
if command -v as_user >/dev/null 2>&1; then
    mkdir ro out
    cp ok.db ro/r.db
    cp ok.db ro/w.db
    check "the fixture is a WAL database" eq "$(sql ro/r.db 'PRAGMA journal_mode')" wal
    # ro/p.db: a copy taken while a writer held frames in its -wal.
    cp ok.db src.db
    sqlite3 src.db 'PRAGMA wal_autocheckpoint=0;' 'UPDATE run SET runName = runName;' \
        '.shell cp src.db ro/p.db; cp src.db-wal ro/p.db-wal' >/dev/null
    walsize=$(wc -c <ro/p.db-wal | tr -d ' ')
    check "the -wal fixture has frames" test "$walsize" -gt 0
    chmod 644 ro/r.db ro/p.db ro/p.db-wal
    chmod 666 ro/w.db
    chmod 555 ro
    chmod 777 out
    # 2: refused at once (a 1000 s run would take far longer than the timeout).
    long="duration=1000s"
    check "run into a read-only file: exit 2 before simulating, and why" eq \
        "$(outcome as_user timeout 60 "$xensim" run "$scn" --set "$long" --db ro/r.db -q)" \
        "2|xensim: ro/r.db: cannot store runs: the file is not writable (Permission denied)"
    check "run into a writable file in a read-only directory" eq \
        "$(outcome as_user timeout 60 "$xensim" run "$scn" --set "$long" --db ro/w.db -q)" \
        "2|xensim: ro/w.db: cannot store runs: directory ro is not writable (Permission denied), and SQLite creates ro/w.db-wal and ro/w.db-shm (or ro/w.db-journal) there"
    check "sweep into a read-only directory" eq \
        "$(outcome as_user timeout 60 "$xensim" sweep "$scn" --set "$long" --db ro/n.db -q)" \
        "2|xensim: $scn: ro/n.db: cannot store runs: directory ro is not writable (Permission denied), and SQLite creates ro/n.db-wal and ro/n.db-shm (or ro/n.db-journal) there"
    check "compare into a read-only directory" eq \
        "$(outcome as_user timeout 60 "$xensim" compare "$scn" --set "$long" --db ro/n.db -q)" \
        "2|xensim: ro/n.db: cannot store runs: directory ro is not writable (Permission denied), and SQLite creates ro/n.db-wal and ro/n.db-shm (or ro/n.db-journal) there"
    # 4: the readers read it (immutable=1: no -wal, no -shm, no writer).
    as_user "$xensim" report ro/r.db --format csv >out.csv 2>err.txt
    check "report in a read-only directory: exit 0" eq "$?|$(cat err.txt)" "0|"
    check "report in a read-only directory: its run" test "$(grep -c 'mixed-host' out.csv)" -ge 1
    check "plot in a read-only directory" eq \
        "$(outcome as_user "$xensim" plot ro/r.db --out out/plots --no-render -q)" "0|"
    check "regress in a read-only directory" eq \
        "$(outcome as_user "$xensim" regress --baseline ro/r.db --current ro/r.db)" "0|"
    check "merge from a read-only directory: exit 0" eq \
        "$(outcome as_user "$xensim" merge -q out/m.db ro/r.db)" "0|"
    check "merge from a read-only directory: the run" eq "$(runs_in out/m.db)" 1
    # A -wal with frames cannot be read without creating -shm: say so.
    check "report of a WAL database whose -wal has frames, in a read-only directory" eq \
        "$(outcome as_user "$xensim" report ro/p.db)" \
        "2|xensim report: ro/p.db: cannot read: unable to open database file (a WAL database; its directory is not writable (Permission denied), so SQLite cannot create ro/p.db-shm, and ro/p.db-wal holds $walsize bytes not yet in the file: open it once where it can be written)"
    check "merge from it: the same cause" eq \
        "$(outcome as_user "$xensim" merge -q out/m2.db ro/p.db)" \
        "2|xensim merge: ro/p.db: cannot read: unable to open database file (a WAL database; its directory is not writable (Permission denied), so SQLite cannot create ro/p.db-shm, and ro/p.db-wal holds $walsize bytes not yet in the file: open it once where it can be written); shard skipped, the other shards are merged
xensim merge: 1 of 1 shard not (fully) merged"
    check "the readers left no file in the directory" eq "$(ls ro | tr '\n' ' ')" "p.db p.db-wal r.db w.db "
fi

finish
