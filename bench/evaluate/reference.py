#!/usr/bin/python3
"""scikit-learn's side of bench/evaluate: the same 10M scores and the same Telco folds keel
used, timed in this process; prints one JSON line.  Usage: reference.py metrics|cv"""
import json
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", ".data")


def timed(fn, repeats):
    seconds = []
    value = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        value = fn()
        seconds.append(time.perf_counter() - t0)
    seconds.sort()
    return {"value": float(value), "best": seconds[0], "median": seconds[len(seconds) // 2]}


def metrics():
    from sklearn.metrics import average_precision_score, roc_auc_score

    scores = np.fromfile(os.path.join(DATA, "eval-10m.scores.f64"), dtype="<f8")
    labels = np.fromfile(os.path.join(DATA, "eval-10m.labels.u8"), dtype=np.uint8)
    print(json.dumps({
        "rocAuc": timed(lambda: roc_auc_score(labels, scores), 3),
        "averagePrecision": timed(lambda: average_precision_score(labels, scores), 3),
    }))


def cv():
    import pandas as pd
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import PredefinedSplit, cross_validate

    df = pd.read_csv(os.path.join(HERE, "..", "..", "data", "telco_churn.csv"))
    y = (df.pop("churn") == "Yes").astype(int).to_numpy()
    x = pd.get_dummies(df, dtype=float).to_numpy(dtype=float)
    folds = np.array(json.load(open(os.path.join(DATA, "telco-cv-folds.json"))))
    model = HistGradientBoostingClassifier(
        max_iter=100, max_depth=6, learning_rate=0.1, max_bins=255, max_leaf_nodes=None,
        early_stopping=False, random_state=0,
    )
    t0 = time.perf_counter()
    result = cross_validate(model, x, y, cv=PredefinedSplit(folds), scoring="roc_auc", n_jobs=1)
    seconds = time.perf_counter() - t0
    scores = result["test_score"]
    print(json.dumps({"seconds": seconds, "meanAuc": float(scores.mean()), "folds": scores.tolist()}))


if __name__ == "__main__":
    {"metrics": metrics, "cv": cv}[sys.argv[1]]()
