#!/usr/bin/env python3
"""Synthetic nights for the history tests (tests/history-cli.sh and the
dashboard's browser test).

    history_nights.py BASE.db OUTDIR NIGHTS SEED [STEP]...

Writes OUTDIR/night-01.db .. night-NN.db, each a copy of BASE.db (a results
database) in which every scalar and statistic mean of a run is replaced by
the mean of that metric over the replications of its scheduler, times
1 + e, e drawn from a normal distribution of sd 1% per value: the noise
of the nights is known rather than the simulator's spread between seeds
(seeded: the same arguments give the same files); then the injected steps. A STEP is
NIGHT:SCHEDULER:MODULE:METRIC:FACTOR: from night NIGHT (1-based) on, the
metric of that module in the runs of that scheduler is multiplied by FACTOR
as well. METRIC is a scalar name, or STAT:mean for a statistic's mean.
Prints nothing; exits 2 on a bad argument.
"""
import os
import random
import sqlite3
import sys

NOISE_SD = 0.01


def parse_step(s):
    parts = s.split(":")
    # METRIC may itself hold a colon (STAT:mean).
    if len(parts) not in (5, 6):
        raise ValueError(s)
    night, sched, module = int(parts[0]), parts[1], parts[2]
    metric = ":".join(parts[3:-1])
    return night, sched, module, metric, float(parts[-1])


def main(argv):
    if len(argv) < 5:
        print(__doc__, file=sys.stderr)
        return 2
    base, out, nights, seed = argv[1], argv[2], int(argv[3]), int(argv[4])
    try:
        steps = [parse_step(s) for s in argv[5:]]
    except ValueError as e:
        print("history_nights.py: bad step %s" % e, file=sys.stderr)
        return 2
    os.makedirs(out, exist_ok=True)
    rng = random.Random(seed)
    for k in range(1, nights + 1):
        path = os.path.join(out, "night-%02d.db" % k)
        if os.path.exists(path):
            os.remove(path)
        # The backup API copies what a -wal file beside BASE.db still holds.
        src = sqlite3.connect(base)
        db = sqlite3.connect(path)
        src.backup(db)
        src.close()
        sched = dict(db.execute("SELECT runId, attrValue FROM runAttr WHERE attrName = "
                                "'scheduler'"))
        scalars = db.execute("SELECT scalarId, runId, moduleName, scalarName, scalarValue "
                             "FROM scalar WHERE scalarValue IS NOT NULL "
                             "ORDER BY scalarId").fetchall()
        stats = db.execute("SELECT statId, runId, moduleName, statName || ':mean', statMean "
                           "FROM statistic WHERE statMean IS NOT NULL "
                           "ORDER BY statId").fetchall()
        sums = {}
        for (_, run, mod, name, v) in scalars + stats:
            key = (sched.get(run), mod, name)
            t = sums.setdefault(key, [0.0, 0])
            t[0] += v
            t[1] += 1

        def value(run, module, metric):
            t = sums[(sched.get(run), module, metric)]
            f = 1.0 + rng.gauss(0.0, NOISE_SD)
            for (n, s, m, met, x) in steps:
                if k >= n and sched.get(run) == s and module == m and metric == met:
                    f *= x
            return t[0] / t[1] * f

        for (sid, run, mod, name, _) in scalars:
            db.execute("UPDATE scalar SET scalarValue = ? WHERE scalarId = ?",
                       (value(run, mod, name), sid))
        for (sid, run, mod, name, _) in stats:
            db.execute("UPDATE statistic SET statMean = ? WHERE statId = ?",
                       (value(run, mod, name), sid))
        db.commit()
        db.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
