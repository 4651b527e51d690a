"""Reference side of bench/gbdt: trains XGBoost (hist, nthread=2) and scikit-learn's
HistGradientBoostingClassifier with the same settings keel uses, on the same data, and prints
one JSON object per system on stdout: test AUC, train time, predict time, single-record latency
and peak memory (ru_maxrss of this process, measured per system in a fresh process).

Usage: reference.py telco|synthetic xgboost|sklearn [n_estimators]
"""
import json
import os
import resource
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", ".data")


def load_telco():
    import pandas as pd
    from sklearn.model_selection import train_test_split

    df = pd.read_csv(os.path.join(HERE, "..", "..", "..", "shared", "data", "telco_churn.csv"))
    y = (df.pop("churn") == "Yes").astype(int).to_numpy()
    # One-hot categoricals as XGBoost users do; numeric columns as they are.
    x = pd.get_dummies(df, dtype=float)
    idx = np.arange(len(df))
    tr, te = train_test_split(idx, test_size=0.2, stratify=y, random_state=42)
    with open(os.path.join(DATA, "telco-split.json"), "w") as f:
        json.dump({"train": tr.tolist(), "test": te.tolist()}, f)
    xv = x.to_numpy(dtype=float)
    return xv[tr], y[tr], xv[te], y[te]


def load_synthetic():
    meta = json.load(open(os.path.join(DATA, "synth-1m.json")))
    n, f, n_train = meta["nRows"], meta["nFeatures"], meta["nTrain"]
    x = np.fromfile(os.path.join(DATA, "synth-1m.x.f64"), dtype="<f8").reshape(f, n).T
    y = np.fromfile(os.path.join(DATA, "synth-1m.y.f64"), dtype="<f8")
    return x[:n_train], y[:n_train], x[n_train:], y[n_train:]


def main():
    dataset, system = sys.argv[1], sys.argv[2]
    n_estimators = int(sys.argv[3]) if len(sys.argv) > 3 else 200
    from sklearn.metrics import roc_auc_score

    x_tr, y_tr, x_te, y_te = load_telco() if dataset == "telco" else load_synthetic()
    if system == "xgboost":
        import xgboost as xgb

        model = xgb.XGBClassifier(
            n_estimators=n_estimators, max_depth=6, learning_rate=0.1, max_bin=256,
            tree_method="hist", n_jobs=2, random_state=0,
        )
    else:
        from sklearn.ensemble import HistGradientBoostingClassifier

        model = HistGradientBoostingClassifier(
            max_iter=n_estimators, max_depth=6, learning_rate=0.1, max_bins=255,
            max_leaf_nodes=None, early_stopping=False, random_state=0,
        )
    t0 = time.perf_counter()
    model.fit(x_tr, y_tr)
    train_s = time.perf_counter() - t0
    x_pred = x_te if len(x_te) >= 200_000 else np.resize(x_te, (200_000, x_te.shape[1]))
    t0 = time.perf_counter()
    model.predict_proba(x_pred[:200_000])
    predict_s = time.perf_counter() - t0
    auc = roc_auc_score(y_te, model.predict_proba(x_te)[:, 1])
    one = x_te[:1]
    times = []
    for i in range(200):
        t0 = time.perf_counter()
        model.predict_proba(x_te[i % len(x_te) : i % len(x_te) + 1])
        times.append(time.perf_counter() - t0)
    print(json.dumps({
        "system": system, "dataset": dataset, "auc": auc, "trainSeconds": train_s,
        "predict200kSeconds": predict_s, "singleRecordMicros": float(np.median(times) * 1e6),
        "peakRssMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


main()
