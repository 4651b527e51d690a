#!/usr/bin/python3
"""scikit-learn's side of bench/transform: the same ColumnTransformer on the same raw files.

Prints one JSON line with timings. Categorical columns are pandas Categoricals (missing = NaN),
the form a pandas user hands to scikit-learn; OneHotEncoder gives dense output like keel.
"""
import json
import os
import resource
import sys
import time

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer, make_column_selector
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

directory, repeats = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 3
meta = json.load(open(os.path.join(directory, "meta.json")))
n = meta["rows"]
numeric = np.fromfile(os.path.join(directory, "numeric.f64"), dtype=np.float64).reshape(len(meta["numeric"]), n)
codes = np.fromfile(os.path.join(directory, "categorical.i32"), dtype=np.int32).reshape(len(meta["categorical"]), n)
columns = {name: numeric[j] for j, name in enumerate(meta["numeric"])}
for j, name in enumerate(meta["categorical"]):
    columns[name] = pd.Categorical.from_codes(codes[j], categories=meta["levels"][j])
frame = pd.DataFrame(columns)


def preprocessing():
    return ColumnTransformer([
        ("num", Pipeline([("impute", SimpleImputer()), ("scale", StandardScaler())]), make_column_selector(dtype_include=np.number)),
        ("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), make_column_selector(dtype_include="category")),
    ])


runs = []
shape = None
for _ in range(repeats):
    t0, c0 = time.perf_counter(), time.process_time()
    fitted = preprocessing().fit(frame)
    t1, c1 = time.perf_counter(), time.process_time()
    out = fitted.transform(frame)
    t2, c2 = time.perf_counter(), time.process_time()
    shape = list(out.shape)
    del out
    runs.append({"fit": t1 - t0, "transform": t2 - t1, "fitCpu": c1 - c0, "transformCpu": c2 - c1})

# Single-record transform, as a Python service would do it: a one-row DataFrame.
telco = pd.read_csv(os.path.join(os.path.dirname(__file__), "..", "..", "data", "telco_churn.csv"))
x = telco.drop(columns=["churn"])
served = ColumnTransformer([
    ("num", Pipeline([("impute", SimpleImputer()), ("scale", StandardScaler())]), make_column_selector(dtype_include=np.number)),
    ("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), make_column_selector(dtype_include=object)),
]).fit(x)
records = x.head(200).to_dict("records")
times, cpu_times = [], []
for i in range(400):
    row = pd.DataFrame([records[i % len(records)]])
    t0, c0 = time.perf_counter(), time.process_time()
    served.transform(row)
    times.append((time.perf_counter() - t0) * 1e6)
    cpu_times.append((time.process_time() - c0) * 1e6)
times.sort()
cpu_times.sort()
print(json.dumps({
    "runs": runs,
    "shape": shape,
    "recordMedianMicros": times[len(times) // 2],
    "recordMedianCpuMicros": cpu_times[len(cpu_times) // 2],
    "peakRssMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
