#!/usr/bin/env python3
"""Differential test of xensim's scheduler models against Xen's own scheduler code.

compare.py --xensim BIN --oracle BIN [--sched credit|credit2|rtds|null|arinc653]
           [--version 3.4|4.17] [--out DIR] [--only NAME,...]
           [--warmup-ms N] [--duration-ms N] [--timeline-ms N] [--tol-ns N]
           [--cpu-tol-ns N] [--count-tol N] [--order xensim|xen] [--oracle-opt "..."]
           [--check] [--list]

Every scenario of the scheduler runs through xensim (`xensim run --timeline`
over the whole window, scheduler.name --sched (Credit: of --version), every
cost 0, 1 GHz TSC and APIC, timer_slop 1ns) and through the oracle binary
(credit34 for Credit 3.4; xen417 for Xen 4.17.5's credit, credit2, rtds,
null and arinc653, run with --sched; same command line:
tests/xen-oracle/README.md), then prints per vCPU the CPU share, dispatches
and (per domain) migrations of both, and the first switch where the two
schedules part: switches of all pCPUs in (time, pCPU) order, compared
pairwise (same pCPU, same vCPU, times within --tol-ns).

--order xensim|xen: how the oracle orders events of different pCPUs at one
instant (README.md, "Order at one instant"); default xensim.
--check: exit 1 if a scenario disagrees beyond the tolerances (README.md,
"Tolerances": by default none, every number and switch must be equal), except
the scenarios listed in KNOWN for that version, which are reported as known
divergences and do not fail.
"""
import argparse, os, sqlite3, subprocess, sys

MS = 1_000_000

US = 1_000

# A domain. weight and cap are Credit's and Credit2's (domains.D.sched.NAME.
# {weight, cap}); rt, RTDS's per-domain parameters, is None (rt.c's defaults)
# or dict(period=NS, budget=NS, extratime=BOOL), any subset
# (domains.D.sched.rtds.{period, budget, extratime}).
def dom(name, kind="hog", vcpus=1, weight=256, cap=0, cpus=None, period=0, burst=0, phase=0,
        soft=None, rt=None):
    return dict(name=name, kind=kind, vcpus=vcpus, weight=weight, cap=cap, cpus=cpus,
                period=period, burst=burst, phase=phase, soft=soft, rt=rt)

def per(name, period, burst, **kw):
    return dom(name, kind="periodic", period=period, burst=burst, **kw)

# name -> (pcpus, topology (sockets, cores, threads) or None, numbering, domains, what it checks)
SCEN = {
    "w124-1p": (1, None, "split", [dom("a", weight=1), dom("b", weight=2), dom("c", weight=4)],
                "3 hogs, weights 1:2:4 on one pCPU (the algorithm aims at 1/7, 2/7, 4/7)"),
    "w256-512-256-2p": (2, None, "split", [dom("a"), dom("b", weight=512), dom("c")],
                        "3 hogs, weights 256:512:256 on 2 pCPUs"),
    "2hogs-periodic-1p": (1, None, "split", [dom("h0"), dom("h1"), per("p", 10 * MS, 1 * MS)],
                          "2 hogs and a periodic guest (1 ms every 10 ms) on one pCPU: BOOST on wake"),
    "cap25-1p": (1, None, "split", [dom("capped", cap=25), dom("free")],
                 "a hog capped at 25% beside an uncapped hog on one pCPU: parking"),
    "4vcpu-guest-4p": (4, None, "split", [dom("g", vcpus=4), dom("h")],
                       "a 4-vCPU guest of hogs and one other hog on 4 pCPUs: stealing"),
    "w124-4vcpu-4p-2x2x1": (4, (2, 2, 1), "split",
                            [dom("a", vcpus=4, weight=1), dom("b", vcpus=4, weight=2),
                             dom("c", vcpus=4, weight=4)],
                            "three 4-vCPU hog guests, weights 1:2:4, 4 pCPUs in 2 sockets of 2 cores"),
    "affinity-3p": (3, None, "split",
                    [dom("pin0", cpus=[0]), dom("pin01", cpus=[0, 1]), dom("free"),
                     dom("pin2", vcpus=2, cpus=[2]), dom("free2")],
                    "hard affinity: hogs pinned to pCPU 0, pCPUs 0-1, pCPU 2, and free ones, 3 pCPUs"),
    "8p-2x2x2-mixed": (8, (2, 2, 2), "split",
                       [dom("hogs", vcpus=4, weight=512), dom("batch", vcpus=4, weight=128),
                        dom("h1"), dom("h2", cap=50),
                        per("p5", 5 * MS, 500_000), per("p10", 10 * MS, 2 * MS, vcpus=2),
                        per("p20", 20 * MS, 3 * MS, phase=1 * MS)],
                       "8 pCPUs (2 sockets x 2 cores x 2 threads): periodic guests and hogs, a cap"),
    "tick-exploit-1p": (1, None, "split", [per("rogue", 10 * MS, 9_500_000, phase=200_000), dom("victim")],
                        "a periodic guest that sleeps across every 10 ms tick beside a hog (sampled debit)"),
    "cap150-4vcpu-4p": (4, None, "split", [dom("capped", vcpus=4, cap=150), dom("h0"), dom("h1")],
                        "a 4-vCPU guest capped at 150% beside two hogs on 4 pCPUs: parking of several vCPUs"),
    "adjacent-8p-2x2x2": (8, (2, 2, 2), "adjacent",
                          [dom("a", vcpus=2), dom("b", vcpus=2), dom("c"), per("p", 7 * MS, 3 * MS, vcpus=3)],
                          "8 pCPUs numbered adjacent, 5 hogs and 3 periodic vCPUs: pick_cpu spreads over cores"),
    "overload-periodic-2p": (2, None, "split",
                             [per("p1", 10 * MS, 6 * MS, vcpus=2, weight=512), per("p2", 4 * MS, 3 * MS),
                              per("p3", 15 * MS, 9 * MS, phase=5 * MS), dom("h")],
                             "periodic guests asking more than 2 pCPUs give, and a hog: backlogs, BOOST, OVER"),
    "affinity-periodic-4p": (4, (1, 2, 2), "split",
                             [dom("pinned", vcpus=2, cpus=[0, 1]), per("pp", 5 * MS, 2 * MS, vcpus=2, cpus=[1, 2, 3]),
                              dom("free", vcpus=3, weight=128), per("p", 3 * MS, 1 * MS, cpus=[3])],
                             "hard affinity over a 1x2x2 topology with periodic wakes: tickles limited by affinity"),
    "16p-2x4x2-mixed": (16, (2, 4, 2), "split",
                        [dom("big", vcpus=8, weight=1024, cap=600), dom("mid", vcpus=4, weight=256),
                         dom("small", vcpus=2, weight=64), per("lat", 2 * MS, 300_000, vcpus=4),
                         per("batchy", 30 * MS, 20 * MS, vcpus=4, phase=3 * MS)],
                        "16 pCPUs, 22 vCPUs: caps, weights, periodic of two kinds"),
}

# Soft affinity (xensim's cpus_soft, xl's cpus_soft): Xen 4.17 only (3.4 had none).
SCEN_417 = {
    "soft-4p-2x2x1": (4, (2, 2, 1), "split",
                      [dom("h", vcpus=2, soft=[2, 3]), per("p", 10 * MS, 4 * MS, vcpus=2, soft=[0, 1]),
                       dom("q"), per("r", 7 * MS, 2 * MS, soft=[3], cpus=[1, 2, 3])],
                      "soft affinity against the placement: hogs that prefer the other socket, "
                      "periodic vCPUs that prefer the first"),
    "soft-8p-2x2x2": (8, (2, 2, 2), "split",
                      [dom("g", vcpus=4, soft=[4, 5, 6, 7]), per("lat", 5 * MS, 1 * MS, vcpus=4, soft=[0, 1]),
                       dom("h", vcpus=2), per("b", 20 * MS, 12 * MS, vcpus=2, soft=[2, 6], phase=3 * MS)],
                      "soft affinity on 8 pCPUs: steals and picks within the soft set first"),
}

# The other Xen 4.17.5 schedulers, one dict each, scenarios as above with a sixth
# element, the scheduler's globals (scheduler.NAME.*; None or {} for its
# defaults):
#   credit2:  runqueue ("cpu", "core", "socket", "node", "all"), ratelimit (ns,
#             whole us), migrate_resist (ns, whole us), cap_period (ns, whole ms),
#             balance_under, balance_over, load_window_shift, load_precision_shift,
#             max_cpus_runqueue: each set in the oracle as Xen's boot parameter is
#             (credit2_runqueue, sched_ratelimit_us, sched_credit2_migrate_resist,
#             credit2_cap_period_ms, credit2_balance_under, credit2_balance_over,
#             credit2_load_window_shift, credit2_load_precision_shift,
#             sched_credit2_max_cpus_runqueue);
#   arinc653: major_frame (ns), minor_frames [(domain, vcpu, runtime ns), ...] in
#             order (the oracle's --a653, set through XEN_SYSCTL_SCHEDOP_putinfo);
#   rtds, null: none (their *_quirk keys are xensim's departures, which Xen's
#             code cannot take: the comparison runs with the defaults).
# Per domain: credit2 weight= and cap= (dom()), rtds rt= (dom()).
SCEN_CREDIT2 = {
    "c2-w124-1p": (1, None, "split", [dom("a", weight=1), dom("b", weight=2), dom("c", weight=4)],
                   "3 hogs, weights 1:2:4 on one pCPU", None),
    "c2-w124-2p": (2, None, "split", [dom("a", weight=1), dom("b", weight=2), dom("c", weight=4)],
                   "3 hogs, weights 1:2:4 on 2 pCPUs of one run queue", None),
    "c2-equal-2p": (2, None, "split", [dom("a"), dom("b"), dom("c")],
                    "3 equal hogs on 2 pCPUs: balancing within one run queue", None),
    "c2-periodic-1p": (1, None, "split", [dom("h0"), dom("h1"), per("p", 10 * MS, 1 * MS),
                                          per("q", 10 * MS, 300_000, phase=1200_000)],
                       "2 hogs and 2 periodic guests on one pCPU: wake preemption, ratelimit", None),
    "c2-cap-2p": (2, None, "split", [dom("capped", vcpus=2, cap=50), dom("free")],
                  "a 2-vCPU guest capped at 50% beside a hog on 2 pCPUs: budget, parking", None),
    "c2-rq-core-8p-2x2x2": (8, (2, 2, 2), "split",
                            [dom("hogs", vcpus=4, weight=512), dom("batch", vcpus=4, weight=128), dom("h1"),
                             per("p5", 5 * MS, 500_000), per("p10", 10 * MS, 2 * MS, vcpus=2)],
                            "8 pCPUs, one run queue per core: load balancing across run queues",
                            dict(runqueue="core")),
    "c2-rq-cpu-4p-rl0": (4, None, "split",
                         [dom("a", vcpus=3), dom("b", weight=512), per("p", 4 * MS, 1 * MS, vcpus=2)],
                         "4 pCPUs, one run queue each, ratelimit off", dict(runqueue="cpu", ratelimit=0)),
    "c2-rq-core-cap-4p-1x2x2": (4, (1, 2, 2), "split",
                                [dom("capped", vcpus=2, cap=60), per("p", 6 * MS, 2 * MS, vcpus=2),
                                 dom("h", vcpus=2, weight=512)],
                                "4 pCPUs, one run queue per core: a capped guest, periodic wakes and "
                                "hogs, balancing between the two run queues", dict(runqueue="core")),
    "c2-soft-4p-2x2x1": (4, (2, 2, 1), "split",
                         [dom("h", vcpus=2, soft=[2, 3]), per("p", 10 * MS, 4 * MS, vcpus=2, soft=[0, 1]),
                          dom("q"), per("r", 7 * MS, 2 * MS, soft=[3], cpus=[1, 2, 3])],
                         "soft affinity against the placement, one run queue per socket (2 pCPUs each)",
                         None),
}

SCEN_RTDS = {
    "rt-234-1p": (1, None, "split",
                  [dom(n, rt=dict(period=10 * MS, budget=b * MS, extratime=False))
                   for n, b in (("a", 2), ("b", 3), ("c", 4))],
                  "3 hogs, period 10 ms, budgets 2/3/4 ms, no extratime, one pCPU", None),
    "rt-234-extra-1p": (1, None, "split",
                        [dom(n, rt=dict(period=10 * MS, budget=b * MS, extratime=True))
                         for n, b in (("a", 2), ("b", 3), ("c", 4))],
                        "the same with extratime: the spare 10% goes to extra time", None),
    "rt-periodic-2p": (2, None, "split",
                       [per("p1", 10 * MS, 3 * MS, vcpus=2, rt=dict(period=10 * MS, budget=4 * MS, extratime=False)),
                        per("p2", 5 * MS, 1 * MS, rt=dict(period=5 * MS, budget=1500 * US, extratime=False)),
                        per("p3", 20 * MS, 5 * MS, phase=2 * MS, rt=dict(period=20 * MS, budget=6 * MS)),
                        dom("h", rt=dict(period=10 * MS, budget=5 * MS)), dom("x")],
                       "periodic guests within their budgets, a hog with extratime and one with rt.c's "
                       "defaults on 2 pCPUs: the global EDF queue, replenishments, tickles", None),
    "rt-under-1p": (1, None, "split",
                    [per("p", 10 * MS, 2 * MS, rt=dict(period=10 * MS, budget=2500 * US, extratime=False)),
                     per("q", 20 * MS, 5 * MS, rt=dict(period=20 * MS, budget=5500 * US, extratime=False)),
                     per("s", 40 * MS, 8 * MS, rt=dict(period=40 * MS, budget=9 * MS, extratime=False))],
                    "a task set under the bound (0.75), periods 10/20/40 ms", None),
    "rt-over-1p": (1, None, "split",
                   [per("p", 10 * MS, 3 * MS, vcpus=4, rt=dict(period=10 * MS, budget=3 * MS, extratime=False))],
                   "four 3 ms / 10 ms tasks on one pCPU: over the bound", None),
    "rt-slack-1p": (1, None, "split",
                    [dom("a", rt=dict(period=10 * MS, budget=2 * MS, extratime=True)),
                     dom("b", rt=dict(period=10 * MS, budget=4 * MS, extratime=True))],
                    "extratime sharing the slack, ties at level 1", None),
    "rt-mixed-4p": (4, None, "split",
                    [per("p", 10 * MS, 2 * MS, vcpus=3, rt=dict(period=10 * MS, budget=1 * MS, extratime=True)),
                     dom("h", vcpus=2, rt=dict(period=7 * MS, budget=3 * MS)),
                     dom("k", cpus=[0, 1], rt=dict(period=15 * MS, budget=5 * MS, extratime=False)),
                     per("q", 7 * MS, 1 * MS, phase=1 * MS, rt=dict(period=5 * MS, budget=1 * MS))],
                    "periodic vCPUs blocking in extratime, hogs, affinity, 4 pCPUs", None),
}

SCEN_NULL = {
    "null-3on2": (2, None, "split", [dom("a"), dom("b"), dom("c")],
                  "3 hogs on 2 pCPUs: one waits for a free pCPU", None),
    "null-2on2": (2, None, "split", [dom("a"), dom("b")], "2 hogs on 2 pCPUs", None),
    "null-periodic-3p": (3, None, "split",
                         [per("p", 10 * MS, 2 * MS, vcpus=2), dom("h", cpus=[1, 2]), per("q", 7 * MS, 3 * MS),
                          dom("w")],
                         "periodic vCPUs keep their pCPUs while blocked; the rest wait", None),
    "null-affinity-3p": (3, None, "split",
                         [dom("s", soft=[2]), dom("t", soft=[2]), dom("p", cpus=[2]),
                          per("q", 10 * MS, 2 * MS), dom("w")],
                         "soft and hard affinity in null's pick and its wait list", None),
}

SCEN_ARINC653 = {
    "a653-10-20-1p": (1, None, "split", [dom("A"), dom("B")],
                      "major frame 30 ms: 10 ms for A, 20 ms for B",
                      dict(major_frame=30 * MS, minor_frames=[("A", 0, 10 * MS), ("B", 0, 20 * MS)])),
    "a653-periodic-1p": (1, None, "split", [per("A", 10 * MS, 3 * MS), dom("B", vcpus=2), per("C", 25 * MS, 4 * MS)],
                         "major frame 40 ms with 5 ms of slack: a periodic guest in two windows, "
                         "a 2-vCPU hog guest, a periodic guest whose jobs span frames",
                         dict(major_frame=40 * MS, minor_frames=[("A", 0, 5 * MS), ("B", 1, 10 * MS),
                                                                 ("C", 0, 6 * MS), ("A", 0, 5 * MS),
                                                                 ("B", 0, 9 * MS)])),
    "a653-2p": (2, None, "split", [dom("A", vcpus=2), dom("B"), per("C", 10 * MS, 2 * MS), dom("D")],
                "2 pCPUs sharing one schedule position; a frame naming a vCPU A lacks idles",
                dict(major_frame=50 * MS, minor_frames=[("A", 0, 10 * MS), ("A", 1, 10 * MS),
                                                        ("B", 0, 5 * MS), ("C", 0, 7 * MS),
                                                        ("A", 3, 5 * MS)])),
}

SCEN_BY_SCHED = {"credit2": SCEN_CREDIT2, "rtds": SCEN_RTDS, "null": SCEN_NULL,
                 "arinc653": SCEN_ARINC653}

# Scenarios where xensim is known to differ from Xen's code, per Credit version
# or other scheduler: name -> reason. They are run and printed, but do not fail
# --check. Each entry is a model bug the lead fixes in schedulers/ or models/,
# then removes from here.
KNOWN = {
    "3.4": {},
    "4.17": {},
    "credit2": {},
    "rtds": {},
    "null": {},
    "arinc653": {},
}

# How the oracle orders events on different pCPUs at one instant (its --instant,
# --context-saved, --virq-rearm options: README.md, "Order at one instant").
# Xen leaves that order to the hardware; "xensim" makes the oracle follow the
# order xensim's event queue gives, so that every remaining difference is one of
# Credit's or the core's rules. "xen" keeps Xen's per-pCPU order (context_saved
# inline at the end of the switch) and shows what the order alone changes.
# For 4.17, "xen" is the driver's own order (--instant heap: credit417/NOTES.md).
ORDER_OPTS = {
    "3.4": {"xensim": ["--instant", "fifo", "--context-saved", "deferred", "--virq-rearm", "1"],
            "xen": ["--instant", "fifo", "--context-saved", "inline"]},
    "4.17": {"xensim": ["--instant", "fifo", "--context-saved", "deferred", "--virq-rearm", "1"],
             "xen": ["--instant", "heap"]},
}

def fmt_time(ns):
    """ns in the largest unit that keeps it whole (xensim's quantities)."""
    for unit, f in (("ms", MS), ("us", US)):
        if ns and ns % f == 0:
            return f"{ns // f}{unit}"
    return f"{ns}ns"

def globs(sc):
    return (sc[5] if len(sc) > 5 else None) or {}

# scheduler.credit2.KEY -> the oracle's boot parameter (value in its unit).
CREDIT2_BOOT = {
    "migrate_resist": ("sched_credit2_migrate_resist", US),
    "cap_period": ("credit2_cap_period_ms", MS),
    "balance_under": ("credit2_balance_under", None),
    "balance_over": ("credit2_balance_over", None),
    "load_window_shift": ("credit2_load_window_shift", None),
    "load_precision_shift": ("credit2_load_precision_shift", None),
    "max_cpus_runqueue": ("sched_credit2_max_cpus_runqueue", None),
}
CREDIT2_TIMES = ("ratelimit", "migrate_resist", "cap_period")

def sched_yaml(sched, version, g):
    """The lines under `scheduler:` after its name."""
    if sched == "credit":
        return [f"  credit: {{ version: \"{version}\" }}"]
    if sched == "credit2" and g:
        items = [f"{k}: {fmt_time(v) if k in CREDIT2_TIMES else v}" for k, v in g.items()]
        return ["  credit2: { " + ", ".join(items) + " }"]
    if sched == "arinc653" and g:
        L = ["  arinc653:", f"    major_frame: {fmt_time(g['major_frame'])}", "    minor_frames:"]
        L += [f"      - {{ domain: {d}, vcpu: {k}, runtime: {fmt_time(r)} }}"
              for d, k, r in g["minor_frames"]]
        return L
    return []

def dom_sched_yaml(sched, d):
    """The domain's `sched:` line, or None."""
    if sched in ("credit", "credit2"):
        return f"    sched: {{ {sched}: {{ weight: {d['weight']}, cap: {d['cap']} }} }}"
    if sched == "rtds" and d["rt"]:
        items = [f"{k}: {str(v).lower() if k == 'extratime' else fmt_time(v)}"
                 for k, v in d["rt"].items()]
        return "    sched: { rtds: { " + ", ".join(items) + " } }"
    return None

def yaml_machine(name, np_, warmup_ms, duration_ms):
    """The scenario's head up to its machine's costs: every cost 0, a 1 GHz TSC
    and APIC, exact timers run in the order they were set (also sedf45/compare.py)."""
    return [f"name: oracle-{name}", "seed: 1", f"duration: {duration_ms}ms", f"warmup: {warmup_ms}ms",
            "machine:", f"  pcpus: {np_}",
            "  clock: { tsc_hz: 1GHz, timer_slop: 1ns, apic_timer_hz: 1GHz, timer_order: fifo }",
            "  costs: { context_switch: 0, hypercall: 0, upcall: 0, pte_validate: 0, cache_refill: 0, migration: 0 }"]

def yaml_domain(d):
    """A domain's lines up to its workload (also sedf45/compare.py)."""
    L = [f"  {d['name']}:"]
    if d["vcpus"] != 1:
        L.append(f"    vcpus: {d['vcpus']}")
    if d["cpus"] is not None:
        L.append(f"    cpus: [{', '.join(map(str, d['cpus']))}]")
    if d["soft"] is not None:
        L.append(f"    cpus_soft: [{', '.join(map(str, d['soft']))}]")
    if d["kind"] == "hog":
        L.append("    workload: { type: cpu }")
    else:
        L.append(f"    workload: {{ type: periodic, period: {d['period']}ns, burst: {d['burst']}ns, "
                 f"phase: {d['phase']}ns }}")
    return L

def yaml_for(name, sched, version, sc, warmup_ms, duration_ms):
    np_, topo, numbering, doms = sc[:4]
    L = yaml_machine(name, np_, warmup_ms, duration_ms)
    if topo:
        L.append(f"  topology: {{ sockets: {topo[0]}, cores_per_socket: {topo[1]}, "
                 f"threads_per_core: {topo[2]}, numbering: {numbering} }}")
    L += ["scheduler:", f"  name: \"{sched}\""] + sched_yaml(sched, version, globs(sc)) + ["domains:"]
    for d in doms:
        L += yaml_domain(d)
        line = dom_sched_yaml(sched, d)
        if line:
            L.append(line)
    return "\n".join(L) + "\n"

def oracle_sched_args(sched, g):
    """The oracle's scheduler options (none for credit: credit34 takes no --sched)."""
    if sched == "credit":
        return []
    a = ["--sched", sched]
    if sched == "credit2":
        for k, v in g.items():
            if k == "runqueue":
                a += ["--credit2-runqueue", v]
            elif k == "ratelimit":
                a += ["--ratelimit-us", str(v // US)]
            else:
                param, unit = CREDIT2_BOOT[k]
                a += ["--boot", f"{param}={v // unit if unit else v}"]
    if sched == "arinc653" and g:
        a += ["--a653", ";".join([str(g["major_frame"])] +
                                 [f"{d}/v{k}:{r}" for d, k, r in g["minor_frames"]])]
    return a

def oracle_dom_keys(sched, d):
    if sched in ("credit", "credit2"):
        return [f"weight={d['weight']}", f"cap={d['cap']}"]
    if sched == "rtds" and d["rt"]:
        names = {"period": "period_us", "budget": "budget_us", "extratime": "extratime"}
        return [f"{names[k]}={int(v) if k == 'extratime' else v // US}" for k, v in d["rt"].items()]
    return []

def oracle_window(np_, warmup_ms, duration_ms, timeline_ms):
    """The oracle's --pcpus and window options (also sedf45/compare.py)."""
    return ["--pcpus", str(np_), "--warmup", str(warmup_ms * MS), "--duration", str(duration_ms * MS),
            "--timeline-ns", str(timeline_ms * MS)]

def oracle_dom(d, sched_keys=(), after=()):
    """A domain's --dom value: name, vcpus, sched_keys, kind, the periodic
    workload, cpus, soft, then after (also sedf45/compare.py)."""
    spec = [d["name"], f"vcpus={d['vcpus']}"] + list(sched_keys) + ["kind=" + d["kind"]]
    if d["kind"] == "periodic":
        spec += [f"period={d['period']}", f"burst={d['burst']}", f"phase={d['phase']}"]
    if d["cpus"] is not None:
        spec.append("cpus=" + ";".join(map(str, d["cpus"])))
    if d["soft"] is not None:
        spec.append("soft=" + ";".join(map(str, d["soft"])))
    return ",".join(spec + list(after))

def oracle_args(sched, sc, warmup_ms, duration_ms, timeline_ms):
    np_, topo, numbering, doms = sc[:4]
    a = oracle_sched_args(sched, globs(sc))
    a += oracle_window(np_, warmup_ms, duration_ms, timeline_ms)
    if topo:
        a += ["--topology", ",".join(map(str, topo)), "--numbering", numbering]
    for d in doms:
        a += ["--dom", oracle_dom(d, oracle_dom_keys(sched, d))]
    return a

def vnames(doms):
    return [f"{d['name']}/v{k}" for d in doms for k in range(d["vcpus"])]

def run_xensim(xbin, out, name, sched, version, sc, warmup_ms, duration_ms):
    y = os.path.join(out, name + ".yaml"); db = os.path.join(out, name + ".db")
    with open(y, "w") as f:
        f.write(yaml_for(name, sched, version, sc, warmup_ms, duration_ms))
    for f in (db, db + "-wal", db + "-shm"):
        if os.path.exists(f):
            os.remove(f)
    subprocess.run([xbin, "run", y, "--db", db, f"--timeline=0s:{duration_ms}ms", "-q"], check=True,
                   stdout=subprocess.DEVNULL)
    c = sqlite3.connect(db)
    enum = c.execute("select attrValue from runAttr where attrName='timeline_enum'").fetchone()[0]
    names = {}
    for item in enum.split(","):
        n, v = item.rsplit("=", 1)
        names[int(v)] = n if (n == "idle" or "/" in n) else n + "/v0"
    w0, w1 = [int(c.execute("select cast(attrValue as integer) from vectorAttr va join vector v using(vectorId) "
                            f"where v.vectorName='timeline' and va.attrName='{a}' limit 1").fetchone()[0])
              for a in ("window_start_ns", "window_end_ns")]
    cpu = {n: 0 for n in vnames(sc[3])}; disp = dict.fromkeys(cpu, 0)
    switches = []
    for (mod,) in c.execute("select moduleName from vector where vectorName='timeline' order by vectorId").fetchall():
        p = int(mod[len("pcpu"):])
        pts = [(int(t), names[int(v)]) for t, v in c.execute(
            "select simtimeRaw, value from vectorData join vector using(vectorId) "
            "where vectorName='timeline' and moduleName=? order by eventNumber, simtimeRaw", (mod,))]
        for i, (t, n) in enumerate(pts):
            end = pts[i + 1][0] if i + 1 < len(pts) else w1
            if n != "idle":
                cpu[n] += end - t
                if i > 0:
                    disp[n] += 1
            if i > 0:
                switches.append((t - w0, p, n))
    mig = {}
    for d in sc[3]:
        r = c.execute("select scalarValue from scalar where moduleName=? and scalarName='migrations'",
                      (d["name"],)).fetchone()
        mig[d["name"]] = int(r[0]) if r else 0
    switches.sort(key=lambda s: (s[0], s[1]))
    return dict(cpu=cpu, disp=disp, mig=mig, switches=switches, window=w1 - w0)

def run_oracle(obin, sched, sc, warmup_ms, duration_ms, timeline_ms, extra):
    p = subprocess.run([obin] + oracle_args(sched, sc, warmup_ms, duration_ms, timeline_ms) + extra,
                       check=True, capture_output=True, text=True)
    cpu, disp, migv, switches = {}, {}, {}, []
    for line in p.stdout.splitlines():
        f = line.split()
        kv = dict(x.split("=", 1) for x in f[1:])
        if f[0] == "switch":
            switches.append((int(kv["t"]), int(kv["cpu"]), kv["to"]))
        elif f[0] == "vcpu":
            n = kv["name"]
            cpu[n] = int(kv["cpu_ns"]); disp[n] = int(kv["dispatches"]); migv[n] = int(kv.get("moves", kv["migrations"]))
    mig = {}
    for d in sc[3]:
        mig[d["name"]] = sum(migv.get(f"{d['name']}/v{k}", 0) for k in range(d["vcpus"]))
    switches.sort(key=lambda s: (s[0], s[1]))
    return dict(cpu=cpu, disp=disp, mig=mig, switches=switches, window=duration_ms * MS)

def first_divergence(ot, xt, tol):
    for i, (o, x) in enumerate(zip(ot, xt)):
        if o[1] != x[1] or o[2] != x[2] or abs(o[0] - x[0]) > tol:
            return i
    if len(ot) != len(xt):
        return min(len(ot), len(xt))
    return None

def fmt_sw(s):
    return f"{s[0] / 1e6:.6f}ms cpu{s[1]}->{s[2]}"

def print_timeline(ot, xt, tol, timeline_ms):
    """Print where the two switch sequences part (or that they do not) and
    return first_divergence's answer (also sedf45/compare.py)."""
    k = first_divergence(ot, xt, tol)
    if k is None:
        print(f"timeline: identical, {len(ot)} switches in the first {timeline_ms} ms")
    else:
        lo = max(0, k - 3)
        print(f"timeline: first divergent switch #{k} of {len(ot)} (Xen) / {len(xt)} (xensim):")
        print("  Xen:    " + "; ".join(fmt_sw(s) for s in ot[lo:k + 3]))
        print("  xensim: " + "; ".join(fmt_sw(s) for s in xt[lo:k + 3]))
    return k

def select(scen, only):
    """The scenarios whose names start with one of --only's prefixes (all without it)."""
    return [n for n in scen if not only or any(n.startswith(o) for o in only.split(","))]

def common_args(ap, out, timeline_ms):
    """The options both comparisons take (also sedf45/compare.py)."""
    ap.add_argument("--xensim", required=True)
    ap.add_argument("--oracle", required=True)
    ap.add_argument("--out", default=out)
    ap.add_argument("--only", default="", help="comma-separated name prefixes")
    ap.add_argument("--warmup-ms", type=int, default=1000)
    ap.add_argument("--duration-ms", type=int, default=10000)
    ap.add_argument("--timeline-ms", type=int, default=timeline_ms,
                    help="compare the switches of this much of the window")
    ap.add_argument("--oracle-opt", default="", help="extra oracle options")
    ap.add_argument("--order", default="xensim", choices=["xensim", "xen"],
                    help="same-instant order across pCPUs in the oracle (README.md)")
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--list", action="store_true")

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    common_args(ap, "oracle-runs", 1000)
    ap.add_argument("--sched", default="credit", choices=["credit"] + list(SCEN_BY_SCHED),
                    help="the scheduler (credit: of --version; the others are Xen 4.17.5's)")
    ap.add_argument("--version", default="3.4", choices=["3.4", "4.17"],
                    help="Credit's release (--sched credit)")
    ap.add_argument("--tol-ns", type=int, default=0)
    ap.add_argument("--cpu-tol-ns", type=int, default=0,
                    help="largest CPU time difference per vCPU over the window")
    ap.add_argument("--count-tol", type=int, default=0,
                    help="largest difference in dispatches per vCPU and migrations per domain")
    a = ap.parse_args()
    if a.sched == "credit":
        scen = dict(SCEN, **(SCEN_417 if a.version == "4.17" else {}))
        kind, order_key, title = a.version, a.version, f"Credit {a.version}"
    else:
        scen = SCEN_BY_SCHED[a.sched]
        kind, order_key, title = a.sched, "4.17", f"{a.sched}, Xen 4.17.5"
    names = select(scen, a.only)
    if a.list:
        for n in names:
            print(f"{n}: {scen[n][4]}")
        return 0
    os.makedirs(a.out, exist_ok=True)
    known = KNOWN.get(kind, {})
    bad, known_bad = [], []
    for name in names:
        sc = scen[name]
        x = run_xensim(a.xensim, a.out, name, a.sched, a.version, sc, a.warmup_ms, a.duration_ms)
        o = run_oracle(a.oracle, a.sched, sc, a.warmup_ms, a.duration_ms, a.timeline_ms,
                       ORDER_OPTS[order_key][a.order] + a.oracle_opt.split())
        xt = [s for s in x["switches"] if s[0] <= a.timeline_ms * MS]
        ot = o["switches"]
        print(f"### {name}  ({title}; {sc[4]})")
        print("| vCPU | share Xen | share xensim | dispatches Xen | dispatches xensim |")
        print("|---|---|---|---|---|")
        worst = 0.0; worst_ns = 0; worst_disp = 0
        for n in vnames(sc[3]):
            so, sx = o["cpu"][n] / o["window"], x["cpu"][n] / x["window"]
            worst = max(worst, abs(so - sx))
            worst_ns = max(worst_ns, abs(o["cpu"][n] - x["cpu"][n]))
            worst_disp = max(worst_disp, abs(o["disp"][n] - x["disp"][n]))
            print(f"| {n} | {so:.4f} | {sx:.4f} | {o['disp'][n]} | {x['disp'][n]} |")
        print("| domain | migrations Xen | migrations xensim |")
        print("|---|---|---|")
        for d in sc[3]:
            print(f"| {d['name']} | {o['mig'][d['name']]} | {x['mig'][d['name']]} |")
        worst_mig = max(abs(o["mig"][d["name"]] - x["mig"][d["name"]]) for d in sc[3])
        print(f"largest differences: CPU time {worst_ns} ns, dispatches {worst_disp}, migrations {worst_mig}")
        k = print_timeline(ot, xt, a.tol_ns, a.timeline_ms)
        whys = []
        if worst_ns > a.cpu_tol_ns:
            whys.append(f"CPU time differs by {worst_ns} ns (share {worst:.4f})")
        if max(worst_disp, worst_mig) > a.count_tol:
            whys.append(f"dispatches/migrations differ by {max(worst_disp, worst_mig)}")
        if k is not None:
            whys.append(f"switch sequences differ from switch #{k}")
        if whys:
            why = "; ".join(whys)
            if name in known:
                known_bad.append(name)
                print(f"KNOWN DIVERGENCE ({why}): {known[name]}")
            else:
                bad.append(name)
                print(f"DISAGREE: {why}")
        elif name in known:
            print(f"NOTE: listed as a known divergence but agrees now: remove it from KNOWN")
        print()
    print(f"{len(names)} scenarios: {len(names) - len(bad) - len(known_bad)} agree, "
          f"{len(known_bad)} known divergences, {len(bad)} disagree")
    return 1 if a.check and bad else 0

if __name__ == "__main__":
    sys.exit(main())
