#!/usr/bin/env python3
"""Differential test of xensim's SEDF model against Xen 4.5's own sched_sedf.c.

sedf45/compare.py --xensim BIN --oracle BIN [--out DIR] [--only NAME,...]
                  [--warmup-ms N] [--duration-ms N] [--timeline-ms N]
                  [--order xensim|xen] [--oracle-opt "..."] [--quirks-off NAME,...]
                  [--check] [--list]

The SEDF entry of ../compare.py (the Credit comparison): the same options,
runs, readers, scenario head and domain lines, --dom values and switch
comparison (imported from it), with SEDF's scenarios,
xensim YAML (scheduler sedf, per-domain sched.sedf) and oracle --dom keys
(speriod, sslice, latency, extratime, weight). Every cost 0, exact timers,
no tolerance: the same decisions give the same switches at the same
nanosecond. --quirks-off pen_once,first_deadline turns those quirks of
xensim's model off (scheduler.sedf.NAME_quirk: false), which must make the
scenarios that reach them disagree: Xen 4.5 has them. --order xen runs the oracle with Xen's inline context_saved
(SEDF never migrates, so it changes nothing but is offered for symmetry).
"""
import argparse, os, sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import compare as C  # noqa: E402

MS = C.MS

def dom(name, kind="hog", vcpus=1, cpus=None, period=0, burst=0, phase=0, **sedf):
    """A domain; sedf holds the sched.sedf keys given (period, slice and
    latency in ns, whole ms; extratime 0/1; weight)."""
    return dict(name=name, kind=kind, vcpus=vcpus, cpus=cpus, period=period, burst=burst,
                phase=phase, soft=None, sedf=sedf)

def per(name, period, burst, **kw):
    return dom(name, kind="periodic", period=period, burst=burst, **kw)

# name -> (pcpus, None, "split", domains, what it checks)
SCEN = {
    "res-1p": (1, None, "split",
               [dom("a", speriod=20 * MS, sslice=5 * MS, extratime=0),
                dom("b", speriod=100 * MS, sslice=30 * MS, extratime=0), dom("h")],
               "two reservations without extratime and a best-effort hog: EDF, the waitq, extra quanta"),
    "extraweight-1p": (1, None, "split",
                       [dom("x1", weight=1), dom("x3", weight=3), dom("h")],
                       "best-effort hogs of extraweights 1, 3 and 1 (the default): L1 scores"),
    "short-block-1p": (1, None, "split",
                       [per("p", 10 * MS, 2 * MS, speriod=20 * MS, sslice=4 * MS, phase=3 * MS),
                        dom("r", speriod=10 * MS, sslice=5 * MS), dom("h")],
                       "a periodic guest that wakes inside its reservation's period (short blocks): "
                       "the lost slice on L0 against a reservation's lower L1 score"),
    "long-block-1p": (1, None, "split",
                      [per("p", 20 * MS, 1 * MS, speriod=10 * MS, sslice=2 * MS, extratime=0),
                       dom("h0"), dom("h1")],
                      "a reserved latency-sensitive guest: long blocks, new periods at the wake, "
                      "preemption of extra time"),
    "rt-extra-2p": (2, None, "split",
                    [dom("r", vcpus=2, speriod=30 * MS, sslice=10 * MS),
                     per("q", 7 * MS, 2 * MS, speriod=5 * MS, sslice=1 * MS, vcpus=2),
                     dom("h", vcpus=2, weight=4)],
                    "real-time domains with extratime (L1 score from period/slice) beside a "
                    "best-effort one, 2 pCPUs"),
    "weights-2p": (2, None, "split",
                   [dom("t", speriod=20 * MS, sslice=5 * MS, extratime=0),
                    dom("w1", weight=1, extratime=0), dom("w3", weight=3, extratime=0),
                    dom("w2", weight=2, extratime=0, vcpus=2), dom("h", vcpus=2)],
                   "weight-driven real-time slices (WEIGHT_PERIOD, WEIGHT_SAFETY) per pCPU sums"),
    "overload-1p": (1, None, "split",
                    [dom("a", speriod=10 * MS, sslice=6 * MS, extratime=0),
                     dom("b", speriod=15 * MS, sslice=8 * MS),
                     per("p", 9 * MS, 3 * MS, speriod=9 * MS, sslice=2 * MS)],
                    "reservations above 100%: missed deadlines moved on by whole periods"),
    "mixed-4p": (4, None, "split",
                 [dom("pin", vcpus=2, cpus=[0], speriod=50 * MS, sslice=10 * MS),
                  per("lat", 5 * MS, 1 * MS, vcpus=4, speriod=5 * MS, sslice=2 * MS, extratime=0),
                  per("burst", 30 * MS, 12 * MS, vcpus=2, phase=4 * MS, weight=3),
                  dom("be", vcpus=3), per("pp", 13 * MS, 5 * MS, cpus=[2, 3], speriod=26 * MS,
                                          sslice=7 * MS, latency=3 * MS)],
                 "4 pCPUs, 12 vCPUs: pinning, periodic of several kinds, reservations, weights"),
}

KNOWN = {}

QUIRKS_OFF = []     # --quirks-off

ORDER_OPTS = {"xensim": ["--instant", "fifo", "--context-saved", "deferred", "--virq-rearm", "1"],
              "xen": ["--instant", "fifo", "--context-saved", "inline"]}

def ms(ns):
    return f"{ns // MS}ms"

def yaml_for(name, version, sc, warmup_ms, duration_ms):
    np_, _, _, doms, _ = sc
    L = C.yaml_machine(name, np_, warmup_ms, duration_ms) + [
        "scheduler: { name: sedf, sedf: { "
        + ", ".join(f"{q}_quirk: false" for q in QUIRKS_OFF) + " } }", "domains:"]
    for d in doms:
        L += C.yaml_domain(d)
        s = d["sedf"]
        keys = [("speriod", "period"), ("sslice", "slice"), ("latency", "latency")]
        kv = [f"{y}: {ms(s[k])}" for k, y in keys if k in s]
        if "extratime" in s:
            kv.append(f"extratime: {'true' if s['extratime'] else 'false'}")
        if "weight" in s:
            kv.append(f"weight: {s['weight']}")
        if kv:
            L.append(f"    sched: {{ sedf: {{ {', '.join(kv)} }} }}")
    return "\n".join(L) + "\n"

def oracle_args(sc, warmup_ms, duration_ms, timeline_ms):
    np_, _, _, doms, _ = sc
    a = C.oracle_window(np_, warmup_ms, duration_ms, timeline_ms)
    for d in doms:
        a += ["--dom", C.oracle_dom(d, after=[f"{k}={v}" for k, v in d["sedf"].items()])]
    return a

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    C.common_args(ap, "oracle-runs-sedf", 10000)
    ap.add_argument("--quirks-off", default="", help="comma-separated: pen_once, first_deadline")
    a = ap.parse_args()
    QUIRKS_OFF[:] = [q for q in a.quirks_off.split(",") if q]
    names = C.select(SCEN, a.only)
    if a.list:
        for n in names:
            print(f"{n}: {SCEN[n][4]}")
        return 0
    # The shared runners call these, with the scheduler's name first.
    C.yaml_for = lambda name, sched, version, sc, w, d: yaml_for(name, version, sc, w, d)
    C.oracle_args = lambda sched, sc, w, d, t: oracle_args(sc, w, d, t)
    os.makedirs(a.out, exist_ok=True)
    bad = []
    for name in names:
        sc = SCEN[name]
        x = C.run_xensim(a.xensim, a.out, name, "sedf", "4.5", sc, a.warmup_ms, a.duration_ms)
        o = C.run_oracle(a.oracle, "sedf", sc, a.warmup_ms, a.duration_ms, a.timeline_ms,
                         ORDER_OPTS[a.order] + a.oracle_opt.split())
        xt = [s for s in x["switches"] if s[0] <= a.timeline_ms * MS]
        ot = o["switches"]
        print(f"### {name}  (SEDF 4.5; {sc[4]})")
        print("| vCPU | share Xen | share xensim | dispatches Xen | dispatches xensim |")
        print("|---|---|---|---|---|")
        worst_ns = worst_disp = 0
        for n in C.vnames(sc[3]):
            worst_ns = max(worst_ns, abs(o["cpu"][n] - x["cpu"][n]))
            worst_disp = max(worst_disp, abs(o["disp"][n] - x["disp"][n]))
            print(f"| {n} | {o['cpu'][n] / o['window']:.4f} | {x['cpu'][n] / x['window']:.4f} "
                  f"| {o['disp'][n]} | {x['disp'][n]} |")
        moved = sum(x["mig"].values())
        print(f"largest differences: CPU time {worst_ns} ns, dispatches {worst_disp}; "
              f"migrations xensim {moved} (SEDF never migrates)")
        k = C.print_timeline(ot, xt, 0, a.timeline_ms)
        if worst_ns or worst_disp or moved or k is not None:
            if name in KNOWN:
                print(f"KNOWN DIVERGENCE: {KNOWN[name]}")
            else:
                bad.append(name)
                print("DISAGREE")
        print()
    print(f"{len(names)} scenarios: {len(names) - len(bad)} agree, {len(bad)} disagree")
    return 1 if a.check and bad else 0

if __name__ == "__main__":
    sys.exit(main())
