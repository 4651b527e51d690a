#!/usr/bin/python3
"""numpy/scipy side of bench/monitor: the same computations on the same data; prints one JSON line.

Usage: /usr/bin/python3 bench/monitor/reference.py DATA_DIR
"""
import json
import os
import resource
import sys
import time

import numpy as np
from scipy import stats
from scipy.spatial import distance

d = sys.argv[1]
meta = json.load(open(os.path.join(d, "meta.json")))
ref_n = [np.fromfile(os.path.join(d, f"ref-n{c}.f64")) for c in range(meta["numeric"])]
cur_n = [np.fromfile(os.path.join(d, f"cur-n{c}.f64")) for c in range(meta["numeric"])]
ref_c = [np.fromfile(os.path.join(d, f"ref-c{c}.i32"), dtype=np.int32) for c in range(meta["categorical"])]
cur_c = [np.fromfile(os.path.join(d, f"cur-c{c}.i32"), dtype=np.int32) for c in range(meta["categorical"])]


def computations():
    out = {"ks": [], "wasserstein": [], "jensenShannon": []}
    for a, b in zip(ref_n, cur_n):
        ks = stats.ks_2samp(a, b)
        out["ks"].append([float(ks.statistic), float(ks.pvalue)])
        out["wasserstein"].append(float(stats.wasserstein_distance(a, b)))
    for c, (a, b) in enumerate(zip(ref_c, cur_c)):
        k = meta["levels"][c]
        out["jensenShannon"].append(float(distance.jensenshannon(np.bincount(a, minlength=k), np.bincount(b, minlength=k))))
    return out


def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


walls, cpus = [], []
for _ in range(3):
    c0, t0 = cpu(), time.perf_counter()
    values = computations()
    walls.append(time.perf_counter() - t0)
    cpus.append(cpu() - c0)
print(json.dumps({"computations": {"wall": sorted(walls)[1], "cpu": sorted(cpus)[1], "best": min(walls), "values": values}}))
