# scripts/validate.awk: the evaluator of scripts/validate. It reads the
# results of the validation runs, flattened to text, and the rows of
# validation/published.tsv, computes each row's metric (the expression
# language of validation/README.md), checks the row's expectation and prints
# the table. POSIX awk (Debian's mawk runs it).
#
# Input files, in order (set with -v):
#   axes   lines "STEM<TAB>PATH": the sweep axes of each experiment
#   data   lines "STEM<TAB>OVERRIDES<TAB>SWEEP_POINT<TAB>REP<TAB>MODULE<TAB>NAME<TAB>VALUE";
#          OVERRIDES and SWEEP_POINT are "path=value, ..." (OVERRIDES "-" if
#          none); a statistic comes as NAME "STAT#count", "#sum", "#sqrsum",
#          "#min", "#max", one line each
#   rows   validation/published.tsv (only the experiments in `axes` are checked)
# Output: the table on stdout; with -v tsvout=FILE also the results as TSV.
# Exit status: 0, or 1 if a row expected to hold fails or cannot be computed.
#
# With -v mode=sets (and no data file) it prints instead the override sets
# the rows need, one per line, "path=value, ..." or "-" for none: the pairs
# of each row's point, and of each point a @{...} of its metric names, that
# are not on swept paths. The caller runs the sweep once per set.

BEGIN {
    FS = "\t"
    nrow = 0
    # Named quantities: replaced by their definition, in parentheses.
    macro["work_share"] = "(sum(*.cpu_time_ns) - sum(*.refill_ns)) / " \
        "(sum(pcpu*.busy_ns) + sum(pcpu*.idle_ns) + sum(pcpu*.switch_ns))"
    statfield["mean"] = statfield["stddev"] = statfield["count"] = 1
    statfield["min"] = statfield["max"] = statfield["sum"] = 1
}

# ---- helpers ------------------------------------------------------------

function trim(s) {
    sub(/^[ \t]+/, "", s)
    sub(/[ \t]+$/, "", s)
    return s
}

# "b=2, a=1" -> "a=1, b=2"; "-" and "" -> "". Pairs are split at commas, so
# a value may not contain one.
function norm(p,    n, a, i, j, t, out) {
    p = trim(p)
    if (p == "-" || p == "")
        return ""
    n = split(p, a, ",")
    for (i = 1; i <= n; i++)
        a[i] = trim(a[i])
    for (i = 2; i <= n; i++) {
        t = a[i]
        for (j = i - 1; j >= 1 && a[j] > t; j--)
            a[j + 1] = a[j]
        a[j + 1] = t
    }
    out = ""
    for (i = 1; i <= n; i++)
        if (a[i] != "")
            out = out (out == "" ? "" : ", ") a[i]
    return out
}

function key_of(pair) { return substr(pair, 1, index(pair, "=") - 1) }

# The normalised point p with the pairs of `set` ("k=v, ...") replacing
# those of the same key, or added.
function apply_set(p, set,    n, a, m, b, i, j, out, k, found) {
    n = split(norm(p), a, ", ")
    if (norm(p) == "") n = 0
    m = split(norm(set), b, ", ")
    if (norm(set) == "") m = 0
    out = ""
    for (i = 1; i <= n; i++) {
        k = key_of(a[i])
        found = 0
        for (j = 1; j <= m; j++)
            if (key_of(b[j]) == k) found = 1
        if (!found)
            out = out (out == "" ? "" : ", ") a[i]
    }
    for (j = 1; j <= m; j++)
        out = out (out == "" ? "" : ", ") b[j]
    return norm(out)
}

# Display form of a point: the last component of each path.
function short_point(p,    n, a, i, out, k) {
    if (p == "") return "-"
    n = split(p, a, ", ")
    out = ""
    for (i = 1; i <= n; i++) {
        k = key_of(a[i])
        sub(/.*\./, "", k)
        out = out (out == "" ? "" : ", ") k substr(a[i], index(a[i], "="))
    }
    return out
}

function fmt(v) {
    if (v == "") return "-"
    return sprintf("%.4g", v)
}

function isnum(s) { return s ~ /^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$/ }

function glob_re(g) {
    gsub(/\./, "\\.", g)
    gsub(/\*/, ".*", g)
    gsub(/\?/, ".", g)
    return "^" g "$"
}

# ---- the runs' results ----------------------------------------------------

FILENAME == axes {
    isaxis[$1, $2] = 1
    next
}

FILENAME == data {
    stem = $1
    ov = ($2 == "-") ? "" : $2
    p = norm(ov (ov != "" && $3 != "" ? ", " : "") $3)
    if (!((stem, p) in haspoint)) {
        haspoint[stem, p] = 1
        npoint[stem]++
        point[stem, npoint[stem]] = p
        modlist[stem, p] = "|"
    }
    if (index(modlist[stem, p], "|" $5 "|") == 0)
        modlist[stem, p] = modlist[stem, p] $5 "|"
    k = stem SUBSEP p SUBSEP $5 SUBSEP $6
    if ($6 ~ /#(min|max)$/) {
        if (!(k in val) || ($6 ~ /#min$/ ? $7 + 0 < val[k] : $7 + 0 > val[k]))
            val[k] = $7 + 0
    } else {
        val[k] += $7
    }
    cnt[k]++
    next
}

# ---- the published rows -----------------------------------------------------

/^#/ || /^[ \t]*$/ { next }
$1 == "experiment" && $2 == "point" { next }

{
    # Only the experiments that were run: the caller lists each with a
    # marker line "STEM<TAB>" in `axes`.
    if (!(($1, "") in isaxis))
        next
    nrow++
    r_exp[nrow] = $1
    r_point[nrow] = $2
    r_metric[nrow] = $3
    r_pub[nrow] = $4
    r_spread[nrow] = $5
    r_source[nrow] = $6
    r_expect[nrow] = $7
    if (NF < 7 || $7 == "")
        r_bad[nrow] = "published.tsv:" FNR ": 7 tab-separated fields expected, found " NF
}

# ---- evaluation ---------------------------------------------------------------

function fail(msg) {
    if (everr == "") everr = msg
    return 0
}

# The data point of experiment `stem` selected by the request q (normalised):
# the one point holding every pair of q whose other pairs are all sweep axes.
function resolve(stem, q,    i, n, a, m, b, j, ok, found, hit, p) {
    if ((stem, q) in rescache) return rescache[stem, q]
    hit = ""
    found = 0
    n = (q == "") ? 0 : split(q, a, ", ")
    for (i = 1; i <= npoint[stem]; i++) {
        p = point[stem, i]
        m = (p == "") ? 0 : split(p, b, ", ")
        ok = 1
        for (j = 1; j <= n && ok; j++)
            if (index(", " p ", ", ", " a[j] ", ") == 0) ok = 0
        for (j = 1; j <= m && ok; j++)
            if (index(", " q ", ", ", " b[j] ", ") == 0 && !((stem, key_of(b[j])) in isaxis))
                ok = 0
        if (ok) { found++; hit = p }
    }
    if (found != 1) {
        fail(found ? "point '" (q == "" ? "-" : q) "' matches " found " runs' points: give every swept path" \
                   : "no run at point '" (q == "" ? "-" : q) "'")
        rescache[stem, q] = "\001"
        return "\001"
    }
    rescache[stem, q] = hit
    return hit
}

# Value of MODULE.NAME at the current request.
function lookup(mod, name,    p, k, base, fld, c, s, q) {
    p = resolve(cur_exp, cur_req)
    if (p == "\001") return 0
    base = name
    fld = ""
    if (index(name, ":") > 0) {
        fld = substr(name, index(name, ":") + 1)
        if (fld in statfield)
            base = substr(name, 1, index(name, ":") - 1)
        else
            fld = ""
    }
    if (fld == "") {
        k = cur_exp SUBSEP p SUBSEP mod SUBSEP name
        if (!(k in val))
            return fail("no scalar " mod "." name " at point '" (p == "" ? "-" : p) "'")
        return val[k] / cnt[k]
    }
    k = cur_exp SUBSEP p SUBSEP mod SUBSEP base
    if (!((k "#count") in val))
        return fail("no statistic " mod "." base " at point '" (p == "" ? "-" : p) "'")
    c = val[k "#count"]
    s = val[k "#sum"]
    q = val[k "#sqrsum"]
    if (fld == "count") return c
    if (fld == "sum") return s
    if (c == 0) return fail(mod "." base " has no samples")
    if (fld == "mean") return s / c
    if (fld == "min") return val[k "#min"]
    if (fld == "max") return val[k "#max"]
    if (c < 2) return fail(mod "." base " has one sample: no stddev")
    q = (q - s * s / c) / (c - 1)
    return sqrt(q > 0 ? q : 0)
}

# fn(GLOB.NAME) over the modules of the current point that have NAME.
function aggregate(fn, arg,    dot, g, name, re, p, n, a, i, v, acc, got) {
    dot = 0
    for (i = length(arg); i > 0; i--)
        if (substr(arg, i, 1) == ".") { dot = i; break }
    if (dot == 0) return fail(fn "(" arg "): MODULE.NAME expected")
    g = substr(arg, 1, dot - 1)
    name = substr(arg, dot + 1)
    re = glob_re(g)
    p = resolve(cur_exp, cur_req)
    if (p == "\001") return 0
    n = split(modlist[cur_exp, p], a, "|")
    got = 0
    acc = 0
    for (i = 1; i <= n; i++) {
        if (a[i] == "" || a[i] !~ re) continue
        if (!((cur_exp SUBSEP p SUBSEP a[i] SUBSEP name) in val)) continue
        v = lookup(a[i], name)
        if (fn == "sum" || fn == "mean") acc += v
        else if (fn == "min") { if (!got || v < acc) acc = v }
        else if (fn == "max") { if (!got || v > acc) acc = v }
        got++
    }
    if (fn == "count") return got
    if (!got) return fail(fn "(" arg "): no module matches at point '" (p == "" ? "-" : p) "'")
    return fn == "mean" ? acc / got : acc
}

# Tokens into T[1..nt]; a named quantity is replaced by its definition in
# parentheses.
function tokenize(s,    c, j, name) {
    delete T
    nt = 0
    while (s != "") {
        c = substr(s, 1, 1)
        if (c == " " || c == "\t") { s = substr(s, 2); continue }
        # "*" where an operand is expected starts a module glob: sum(*.x)
        if (index("+-*/(),", c) > 0 && !(c == "*" && (nt == 0 || index("+-*/(,", T[nt]) > 0))) {
            T[++nt] = c
            s = substr(s, 2)
            continue
        }
        if (c == "@") {
            if (substr(s, 2, 1) != "{" || index(s, "}") == 0)
                return fail("'@' must be followed by {path=value, ...}")
            j = index(s, "}")
            T[++nt] = substr(s, 1, j)
            s = substr(s, j + 1)
            continue
        }
        if (match(s, /^([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?/)) {
            T[++nt] = substr(s, 1, RLENGTH)
            s = substr(s, RLENGTH + 1)
            continue
        }
        if (match(s, /^[A-Za-z_*?][A-Za-z0-9_.*?:-]*/)) {
            name = substr(s, 1, RLENGTH)
            s = substr(s, RLENGTH + 1)
            if (name in macro)
                s = "(" macro[name] ")" s
            else
                T[++nt] = name
            continue
        }
        return fail("cannot read the metric at '" s "'")
    }
    T[nt + 1] = ""
    return 1
}

# Index of the last token of the primary starting at i.
function primary_end(i,    d) {
    if (T[i] == "(" || T[i + 1] == "(") {
        if (T[i] != "(") i++
        d = 0
        for (; i <= nt; i++) {
            if (T[i] == "(") d++
            else if (T[i] == ")" && --d == 0) return i
        }
        fail("unbalanced parentheses")
        return nt
    }
    return i
}

function expr(    v) {
    v = term()
    while (T[pos] == "+" || T[pos] == "-") {
        if (T[pos++] == "+") v += term()
        else v -= term()
    }
    return v
}

function term(    v, d) {
    v = factor()
    while (T[pos] == "*" || T[pos] == "/") {
        if (T[pos++] == "*") v *= factor()
        else {
            d = factor()
            if (d == 0) return fail("division by zero")
            v /= d
        }
    }
    return v
}

function factor(    e, saved, v) {
    if (T[pos] == "-") { pos++; return -factor() }
    if (T[pos] == "+") { pos++; return factor() }
    e = primary_end(pos)
    if (substr(T[e + 1], 1, 1) == "@") {
        saved = cur_req
        cur_req = apply_set(cur_req, substr(T[e + 1], 3, length(T[e + 1]) - 3))
        v = primary()
        cur_req = saved
        pos = e + 2
        return v
    }
    v = primary()
    pos = e + 1
    return v
}

function primary(    t, v, dot, i, fn) {
    t = T[pos]
    if (t == "") return fail("the metric ends too early")
    if (isnum(t)) { pos++; return t + 0 }
    if (t == "(") {
        pos++
        v = expr()
        if (T[pos] != ")") return fail("')' expected")
        pos++
        return v
    }
    if (T[pos + 1] == "(") {
        fn = t
        if (fn != "sum" && fn != "mean" && fn != "min" && fn != "max" && fn != "count")
            return fail("unknown function '" fn "' (sum, mean, min, max, count)")
        if (T[pos + 3] != ")") return fail(fn "(MODULE.NAME) expected")
        v = aggregate(fn, T[pos + 2])
        pos += 4
        return v
    }
    dot = 0
    for (i = length(t); i > 0; i--)
        if (substr(t, i, 1) == ".") { dot = i; break }
    if (dot == 0) return fail("'" t "': MODULE.NAME, a number, a function or a named quantity expected")
    pos++
    return lookup(substr(t, 1, dot - 1), substr(t, dot + 1))
}

function evaluate(stem, req, metric,    v) {
    everr = ""
    cur_exp = stem
    cur_req = norm(req)
    if (!tokenize(metric)) return 0
    pos = 1
    v = expr()
    if (everr == "" && pos <= nt)
        fail("unexpected '" T[pos] "' in the metric")
    return v
}

# 1 if v meets the expectation e (without its "gap:"), 0 if not; sets
# everr if e cannot be read.
function meets(e, v, pub,    a, n, x) {
    n = split(trim(e), a, " ")
    if (a[1] == "within") {
        if (n != 2) return fail("expectation '" e "': within TOL or within TOL%")
        if (!isnum(pub)) return fail("expectation '" e "' needs a numeric published value")
        x = a[2]
        if (x ~ /%$/) {
            x = substr(x, 1, length(x) - 1)
            if (!isnum(x)) return fail("expectation '" e "': bad tolerance")
            return (v - pub <= x / 100 * (pub < 0 ? -pub : pub) && pub - v <= x / 100 * (pub < 0 ? -pub : pub))
        }
        if (!isnum(x)) return fail("expectation '" e "': bad tolerance")
        return (v - pub <= x + 0 && pub - v <= x + 0)
    }
    if (a[1] == "between") {
        if (n != 3 || !isnum(a[2]) || !isnum(a[3])) return fail("expectation '" e "': between LOW HIGH")
        return v >= a[2] + 0 && v <= a[3] + 0
    }
    if (n != 2 || !isnum(a[2]))
        return fail("expectation '" e "': within, between, <, <=, > or >= expected")
    if (a[1] == "<") return v < a[2] + 0
    if (a[1] == "<=") return v <= a[2] + 0
    if (a[1] == ">") return v > a[2] + 0
    if (a[1] == ">=") return v >= a[2] + 0
    return fail("expectation '" e "': within, between, <, <=, > or >= expected")
}

# The pairs of the normalised request q that are not on a swept path of
# `stem`, normalised ("" if none).
function overrides(stem, q,    n, a, i, out) {
    n = (q == "") ? 0 : split(q, a, ", ")
    out = ""
    for (i = 1; i <= n; i++)
        if (!((stem, key_of(a[i])) in isaxis))
            out = out (out == "" ? "" : ", ") a[i]
    return out
}

function print_sets(    i, q, m, o) {
    for (i = 1; i <= nrow; i++) {
        q = norm(r_point[i])
        o = overrides(r_exp[i], q)
        if (!((o) in seen)) { seen[o] = 1; print (o == "" ? "-" : o) }
        m = r_metric[i]
        while (match(m, /@\{[^}]*\}/)) {
            o = overrides(r_exp[i], apply_set(q, substr(m, RSTART + 2, RLENGTH - 3)))
            if (!((o) in seen)) { seen[o] = 1; print (o == "" ? "-" : o) }
            m = substr(m, RSTART + RLENGTH)
        }
    }
}

END {
    if (mode == "sets") {
        print_sets()
        exit 0
    }
    npass = nfail = ngap = nxpass = nerr = 0
    hdr[1] = "experiment"; hdr[2] = "point"; hdr[3] = "metric"; hdr[4] = "published"
    hdr[5] = "simulated"; hdr[6] = "expect"; hdr[7] = "verdict"
    for (c = 1; c <= 7; c++) w[c] = length(hdr[c])
    for (i = 1; i <= nrow; i++) {
        e = r_expect[i]
        gap = 0
        if (e ~ /^gap:/) { gap = 1; e = trim(substr(e, 5)) }
        sim = ""
        if (r_bad[i] != "") {
            everr = r_bad[i]
        } else {
            v = evaluate(r_exp[i], r_point[i], r_metric[i])
            if (everr == "") sim = v
            if (everr == "") ok = meets(e, v, r_pub[i])
        }
        if (everr != "") { verdict = "ERROR"; nerr++; msg[i] = everr }
        else if (ok && !gap) { verdict = "PASS"; npass++ }
        else if (!ok && !gap) { verdict = "FAIL"; nfail++ }
        else if (!ok) { verdict = "GAP"; ngap++ }
        else { verdict = "XPASS"; nxpass++ }
        cell[i, 1] = r_exp[i]
        cell[i, 2] = short_point(norm(r_point[i]))
        cell[i, 3] = r_metric[i]
        cell[i, 4] = r_pub[i] (r_spread[i] != "-" && r_spread[i] != "" ? " (" r_spread[i] ")" : "")
        cell[i, 5] = fmt(sim)
        cell[i, 6] = r_expect[i]
        cell[i, 7] = verdict
        for (c = 1; c <= 7; c++)
            if (length(cell[i, c]) > w[c]) w[c] = length(cell[i, c])
        if (tsvout != "")
            printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r_exp[i], r_point[i], r_metric[i],
                r_pub[i], r_spread[i], (sim == "" ? "-" : sprintf("%.6g", sim)), r_expect[i],
                verdict > tsvout
    }
    for (c = 1; c < 7; c++) printf("%-" w[c] "s  ", hdr[c])
    print hdr[7]
    for (i = 1; i <= nrow; i++) {
        for (c = 1; c < 7; c++) printf("%-" w[c] "s  ", cell[i, c])
        print cell[i, 7]
        if (msg[i] != "") printf "  error: %s\n", msg[i]
    }
    printf "%d rows: %d pass, %d fail, %d gap, %d xpass, %d error\n", nrow, npass, nfail,
        ngap, nxpass, nerr
    exit (nfail + nerr > 0) ? 1 : 0
}
