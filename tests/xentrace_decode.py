#!/usr/bin/env python3
# tests/xentrace_decode.py: an independent reader of xentrace binary files
# (the 3.2+ layout), for tests/xentrace-cli.sh. It shares no code with
# xensim's writer (traces/xentrace.c): it follows only the record layout of
# shared/facts/xen-schedulers.md section 6.
#
# Layout (facts 6.1, 6.2): a file is a sequence of per-CPU windows; a window
# is a TRC_TRACE_CPU_CHANGE record (header 0x0001f003 with 2 extra words and
# no TSC; then u32 cpu, u32 window_size) followed by window_size bytes of
# that CPU's records. A record is a u32 header {event:28; extra:3; tsc:1},
# then the TSC (u32 lo, u32 hi) if the tsc bit is set, then `extra` u32
# words; little-endian. TRC_SCHED_RUNSTATE_CHANGE is 0x00021001 with the old
# runstate in bits 8-11 and the new one in bits 4-7 of the event, payload
# {u16 vcpu, u16 dom} in one word; TRC_SCHED_CONTINUE_RUNNING 0x00021002 has
# the same payload. Runstates: 0 running, 1 runnable, 2 blocked, 3 offline.
#
# Checks (exit 1 with the byte offset on the first failure): every window
# and record parses and the last window ends exactly at the end of the
# file; each CPU's TSCs never decrease; read in TSC order across CPUs (a
# vCPU that migrates has records on several), every runstate change starts
# from the state the vCPU's previous record left it in, and no record
# comes from another CPU than the one a running vCPU runs on. Accounting: a
# vCPU's first record gives its state (its old state for a change,
# "running" for a continue); from then on each record charges the time
# since the vCPU's previous record to the state it was in (running time to
# the CPU it ran on).
#
# Output, one line each, times in ns (cycles * 1e9 / --hz, rounded):
#   file BYTES windows N records N
#   cpu C records N first_tsc T last_tsc T running_ns NS
#   vcpu DOM VCPU cpu C running_ns NS   (C: the CPU of its last record) runnable_ns NS blocked_ns NS intervals N
#        dispatches N wakeups N blocks N
#   dom DOM running_ns NS runnable_ns NS blocked_ns NS intervals N
#        dispatches N wakeups N blocks N
# (on one line each; intervals: the accounted intervals, each of which may be
# off by up to one TSC cycle in ns; dispatches, wakeups and blocks count the
# runnable->running, blocked->runnable and running->blocked changes)
# (running_ns of a cpu line: the sum over the vCPUs whose records it holds,
# idle included; "dom" lines sum a domain's vCPUs, the idle domain 32767
# included.)
#
# With --events, also one line per event number: "event 0xEEEEEEEE COUNT"
# (every record counted, runstate changes under their full event number).
#
# Usage: xentrace_decode.py FILE --hz HZ [--events]
import struct
import sys

CPU_CHANGE = 0x0001F003
RUNSTATE_CHANGE = 0x00021001
CONTINUE_RUNNING = 0x00021002
SCHED_SWITCH = 0x0002800A
RUNNING, RUNNABLE, BLOCKED, OFFLINE = range(4)


def fail(off, msg):
    sys.stderr.write("xentrace_decode: offset %d: %s\n" % (off, msg))
    sys.exit(1)


def main(argv):
    events = len(argv) == 5 and argv[4] == "--events"
    if len(argv) not in (4, 5) or argv[2] != "--hz" or (len(argv) == 5 and not events):
        sys.stderr.write("usage: xentrace_decode.py FILE --hz HZ [--events]\n")
        return 2
    hz = float(argv[3])
    data = open(argv[1], "rb").read()
    off = 0
    windows = 0
    records = 0
    cpus = {}       # cpu -> [records, first_tsc, last_tsc]
    recs = []       # (tsc, file order, offset, cpu, event, extra)
    while off < len(data):
        if off + 12 > len(data):
            fail(off, "truncated window header")
        hdr, cpu, size = struct.unpack_from("<III", data, off)
        if hdr & 0x0FFFFFFF != CPU_CHANGE or (hdr >> 28) & 7 != 2 or hdr >> 31:
            fail(off, "expected a CPU_CHANGE record, header 0x%08x" % hdr)
        off += 12
        end = off + size
        if end > len(data):
            fail(off, "window of %d bytes runs past the end of the file" % size)
        windows += 1
        c = cpus.setdefault(cpu, [0, None, None])
        while off < end:
            if off + 4 > end:
                fail(off, "record header crosses the window end")
            (h,) = struct.unpack_from("<I", data, off)
            event, nextra, has_tsc = h & 0x0FFFFFFF, (h >> 28) & 7, h >> 31
            rsize = 4 + 8 * has_tsc + 4 * nextra
            if off + rsize > end:
                fail(off, "record of %d bytes crosses the window end" % rsize)
            p = off + 4
            tsc = None
            if has_tsc:
                lo, hi = struct.unpack_from("<II", data, p)
                tsc = hi << 32 | lo
                p += 8
            extra = struct.unpack_from("<%dI" % nextra, data, p)
            if tsc is None:
                fail(off, "record 0x%08x has no TSC" % event)
            if c[2] is not None and tsc < c[2]:
                fail(off, "cpu %d TSC goes back from %d to %d" % (cpu, c[2], tsc))
            if c[1] is None:
                c[1] = tsc
            c[2] = tsc
            c[0] += 1
            records += 1
            recs.append((tsc, len(recs), off, cpu, event, extra))
            off += rsize
    # The vCPUs' records in time order, as xenalyze reads them (a vCPU that
    # moves leaves records on several CPUs).
    recs.sort()
    vcpus = {}      # (dom, vcpu) -> dict(state, tsc, cpu, t=[4], n)
    run_on = {}     # cpu -> cycles its vCPUs ran there
    for tsc, _, off, cpu, event, extra in recs:
        nextra = len(extra)
        kind = event & 0xFFFFF00F
        if event & 0xFFFFF000 == 0x00021000 and kind in (RUNSTATE_CHANGE, CONTINUE_RUNNING):
            if nextra != 1:
                fail(off, "runstate record with %d extra words" % nextra)
            key = (extra[0] >> 16, extra[0] & 0xFFFF)
            if kind == RUNSTATE_CHANGE:
                old, new = (event >> 8) & 0xF, (event >> 4) & 0xF
            else:
                old = new = RUNNING
            v = vcpus.get(key)
            if v is None:
                v = vcpus[key] = {"state": old, "tsc": tsc, "cpu": cpu,
                                  "t": [0, 0, 0, 0], "n": 0, "c": [0, 0, 0]}
            if v["state"] == RUNNING and v["cpu"] != cpu:
                fail(off, "d%dv%d on cpu %d and %d" % (key + (v["cpu"], cpu)))
            if v["state"] != old:
                fail(off, "d%dv%d changes from state %d but is in state %d"
                     % (key + (old, v["state"])))
            if tsc > v["tsc"]:
                v["t"][v["state"]] += tsc - v["tsc"]
                if v["state"] == RUNNING:
                    run_on[v["cpu"]] = run_on.get(v["cpu"], 0) + tsc - v["tsc"]
                v["n"] += 1
            for i, tr in enumerate(((RUNNABLE, RUNNING), (BLOCKED, RUNNABLE),
                                    (RUNNING, BLOCKED))):
                if (old, new) == tr:
                    v["c"][i] += 1
            v["state"], v["tsc"], v["cpu"] = new, tsc, cpu
        elif event == SCHED_SWITCH:
            if nextra != 4:
                fail(off, "switch record with %d extra words" % nextra)
            nxt = vcpus.get((extra[2], extra[3]))
            if nxt is None or nxt["state"] != RUNNING or nxt["cpu"] != cpu:
                fail(off, "switch to d%dv%d, which is not running here" % extra[2:4])
    print("file %d windows %d records %d" % (len(data), windows, records))
    if events:
        count = {}
        for r in recs:
            count[r[4]] = count.get(r[4], 0) + 1
        for e in sorted(count):
            print("event 0x%08x %d" % (e, count[e]))

    def ns(cycles):
        return int(round(cycles * 1e9 / hz))

    for cpu in sorted(cpus):
        n, first, last = cpus[cpu]
        print("cpu %d records %d first_tsc %d last_tsc %d running_ns %d"
              % (cpu, n, first, last, ns(run_on.get(cpu, 0))))
    doms = {}
    for (d, vc) in sorted(vcpus):
        v = vcpus[(d, vc)]
        t = v["t"]
        print("vcpu %d %d cpu %d running_ns %d runnable_ns %d blocked_ns %d intervals %d"
              " dispatches %d wakeups %d blocks %d"
              % ((d, vc, v["cpu"], ns(t[RUNNING]), ns(t[RUNNABLE]), ns(t[BLOCKED]), v["n"])
                 + tuple(v["c"])))
        s = doms.setdefault(d, [0] * 7)
        for i in range(3):
            s[i] += t[i]
            s[4 + i] += v["c"][i]
        s[3] += v["n"]
    for d in sorted(doms):
        s = doms[d]
        print("dom %d running_ns %d runnable_ns %d blocked_ns %d intervals %d"
              " dispatches %d wakeups %d blocks %d"
              % ((d, ns(s[0]), ns(s[1]), ns(s[2]), s[3]) + tuple(s[4:])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
