#!/bin/sh
# `xensim dashboard` read by a real browser: a history of 30 nights of two
# scenarios (scenarios/default.yaml under rr and bvt with `xensim compare`,
# scenarios/io-vs-hogs.yaml with `xensim run`, briefly), each night a copy
# of those results with a little seeded noise per replication and, from
# night n20 on, the probe's mean scheduling latency 20% higher
# (tests/dashboard_browser.py nights), added with `xensim history add`.
# Then: the dashboard exits 0 and gives the same bytes twice; its pages
# hold no script and no address outside the site, nor do gnuplot's
# figures; --nights shows the newest nights with their steps; bad input
# exits 2; and headless Chromium, driven by selenium
# (tests/dashboard_browser.py check), opens every page and checks what a
# reader would: every scenario listed, every chart drawn, the step marked
# and named, every link and image good, no console error, no page wider
# than a phone. Skips (77) without chromium, chromedriver, python3 with
# selenium or sqlite3 (scripts/deps installs them). Prints "N passed, N
# failed".
set -u
srcdir=${abs_top_srcdir:-.}
xensim=${XENSIM:-./xensim}
. "$srcdir/tests/shlib.sh"
require_tools sqlite3
missing=""
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
command -v chromedriver >/dev/null 2>&1 || missing="$missing chromium-driver"
python=""
# Debian's python3-selenium is for the system python3, which a python3
# earlier on PATH (a virtualenv, pyenv) may hide.
for p in /usr/bin/python3 python3; do
    if "$p" -c 'import selenium' >/dev/null 2>&1; then
        python=$p
        break
    fi
done
[ -n "$python" ] || missing="$missing python3-selenium"
if [ -n "$missing" ]; then
    echo "SKIP: not installed:$missing (scripts/deps installs them: apt-get install$missing)"
    exit 77
fi
helper=$srcdir/tests/dashboard_browser.py
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

# ---- the history ----
short="--set duration=300ms --set warmup=50ms"
# shellcheck disable=SC2086
"$xensim" compare "$srcdir/scenarios/default.yaml" --schedulers rr,bvt --replications 3 \
    --db "$tmp/base.db" -q $short >/dev/null 2>"$tmp/err"
check "compare default.yaml exits 0" eq $? 0
# shellcheck disable=SC2086
"$xensim" run "$srcdir/scenarios/io-vs-hogs.yaml" --db "$tmp/base.db" -q $short \
    --set replications=2 >/dev/null 2>"$tmp/err"
check "run io-vs-hogs.yaml exits 0" eq $? 0
"$python" "$helper" nights "$tmp/base.db" "$tmp/nights" 30 20 probe sched_latency
check "30 nights made" test -f "$tmp/nights/n30.db"
hist=$tmp/hist.db
added=0
for i in $(seq 1 30); do
    n=$(printf 'n%02d' "$i")
    # Nights a day apart from 2026-01-01 02:00 UTC.
    if "$xensim" history add "$hist" "$tmp/nights/$n.db" --label "$n" \
        --time @$((1767232800 + (i - 1) * 86400)) -q >/dev/null 2>"$tmp/err"; then
        added=$((added + 1))
    else
        sed 's/^/  /' "$tmp/err"
    fi
done
check "history add: 30 nights added" eq "$added" 30
sql "$hist" "SELECT DISTINCT attrValue FROM runAttr WHERE attrName = 'scenario'" \
    >"$tmp/scenarios"
check "the history holds two scenarios" eq "$(wc -l <"$tmp/scenarios")" 2

# ---- the site ----
site=$tmp/site
"$xensim" dashboard "$hist" --out "$site" >"$tmp/out" 2>"$tmp/err"
check "dashboard exits 0" eq $? 0
check "dashboard names the index" grep -q "$site/index.html" "$tmp/out"
check "dashboard counts the regressions of the newest night" \
    grep -q '^0 regressions in the newest night, n30$' "$tmp/out"
check "index.html, style.css and a page per scenario" \
    test -s "$site/index.html" -a -s "$site/style.css" -a \
    "$(ls "$site"/s/*.html | wc -l)" -eq 2
check "figures drawn for each scenario" test "$(ls "$site"/s/*-fig/*.svg | wc -l)" -ge 2
mv "$site" "$tmp/site.1"
"$xensim" dashboard "$hist" --out "$site" -q >"$tmp/out" 2>"$tmp/err"
check "dashboard -q exits 0 and prints nothing" eq "$?:$(cat "$tmp/out")" "0:"
diff -r "$tmp/site.1" "$site" >"$tmp/diff" 2>&1
check "the same history gives the same site, byte for byte" eq "$(head -5 "$tmp/diff")" ""
check "no page has a script" eq "$(grep -ril '<script' "$site" | head -3)" ""
check "no page or style names an address outside the site" \
    eq "$(grep -ilE 'https?:|//[a-z]|url\(' "$site"/*.html "$site"/*.css "$site"/s/*.html |
          head -3)" ""
# gnuplot's SVG names the SVG and XLink namespaces (never fetched) and
# nothing else outside itself.
check "gnuplot's figures reference nothing outside (namespaces aside)" \
    eq "$(cat "$site"/s/*-fig/*.svg | grep -oE '(https?:|href=.[^#])[^"'"'"' ]*' |
          grep -vxE 'http://www.w3.org/(2000/svg|1999/xlink)' | sort -u | head -3)" ""
"$xensim" dashboard "$hist" --out "$tmp/site-nf" --no-figures -q >/dev/null 2>&1
check "--no-figures: no figure directory, the pages say so" eq \
    "$(ls -d "$tmp"/site-nf/s/*-fig 2>/dev/null | wc -l):$(grep -l 'no-figures' \
       "$tmp"/site-nf/s/*.html | wc -l)" "0:2"
"$xensim" dashboard "$hist" --out "$tmp/site-t" --tolerance 50% --no-figures -q \
    >/dev/null 2>&1
check "--tolerance 50%: no step of 20% is flagged" eq \
    "$(grep -c '<text class="flag' "$tmp"/site-t/s/*.html | awk -F: '{ s += $2 } END { print s }')" 0
# --nights 11 shows n20 .. n30: the step at n20 is still marked, every
# chart's mean line has 11 points; --nights 10 cuts the step's night off.
"$xensim" dashboard "$hist" --out "$tmp/site-n" --nights 11 --no-figures -q >/dev/null 2>&1
check "--nights 11: the summary says so" grep -q 'The newest 11 of 30 nights, from n20 ' \
    "$tmp/site-n/index.html"
n20_marks() {
    grep -o '<text class="flag regressed"[^>]*>regressed n20<' "$1"/s/*.html | wc -l |
        tr -d ' '
}
check "--nights 11: the steps at n20 are marked as on the whole site" eq \
    "$(n20_marks "$tmp/site-n")" "$(n20_marks "$site")"
check "... and there are some" test "$(n20_marks "$site")" -gt 0
check "--nights 11: every mean line has 11 points" eq "$(grep -ho '<path class="mean" d="[^"]*"' \
    "$tmp"/site-n/s/*.html | awk -F'[ML]' '{ print NF - 1 }' | sort -u)" 11
"$xensim" dashboard "$hist" --out "$tmp/site-n10" --nights 10 --no-figures -q >/dev/null 2>&1
check "--nights 10: no step shown" eq \
    "$(grep -c '<text class="flag' "$tmp"/site-n10/s/*.html | awk -F: '{ s += $2 } END { print s }')" 0

# ---- bad input ----
"$xensim" dashboard "$tmp/none.db" --out "$tmp/x" >/dev/null 2>"$tmp/err"
check "a missing history exits 2" eq $? 2
check "... and says so" grep -q 'none.db' "$tmp/err"
"$xensim" dashboard "$hist" >/dev/null 2>"$tmp/err"
check "no --out exits 2" eq $? 2
check "... and says so" grep -q 'missing --out DIR' "$tmp/err"
for bad in "--tolerance -1" "--alpha 1" "--window 0" "--window x" "--nights 0" "--bogus"; do
    # shellcheck disable=SC2086
    "$xensim" dashboard "$hist" --out "$tmp/x" $bad >/dev/null 2>"$tmp/err"
    check "$bad exits 2" eq $? 2
done
printf 'not a database' >"$tmp/junk.db"
"$xensim" dashboard "$tmp/junk.db" --out "$tmp/x" >/dev/null 2>"$tmp/err"
check "a file that is no history exits 2" eq $? 2

# ---- in the browser ----
"$python" "$helper" check "$site" "$tmp/scenarios" n20 >"$tmp/browser" 2>&1
rc=$?
sed 's/^/  /' "$tmp/browser"
check "the browser's checks pass" eq "$rc" 0
check "the browser checked every page" grep -q '^pages checked: [0-9]* (3 of them HTML)$' \
    "$tmp/browser"

finish
