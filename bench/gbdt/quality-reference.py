"""Reference side of bench/gbdt's quality table: writes the four tables and their five splits
(bench/.data/quality/), then trains XGBoost 1.7 (hist, one-hot categoricals as a Python user
writes them with pandas.get_dummies) on each split and prints one JSON line with the test AUC
(classification) or RMSE (regression) per table and seed.

Tables:
  telco     IBM Telco churn (7,043 rows, target churn = Yes), categoricals of 2 to 4 levels
  loans     9,857 rows, 5% positives, categoricals of 50, 35 and 12 levels with weak signal
  levels800 800 levels x 30 rows, the level is the whole signal (regression)
  friedman1 make_friedman1 (1,000 rows, noise 1), each seed scored on an unseen 1,000-row table

Usage: /usr/bin/python3 quality-reference.py [n_estimators]
"""
import json
import os
import sys

import numpy as np
import pandas as pd
import xgboost as xgb
from sklearn.datasets import make_friedman1
from sklearn.metrics import mean_squared_error, roc_auc_score
from sklearn.model_selection import train_test_split

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", ".data", "quality")
SEEDS = [0, 1, 2, 3, 4]
N_ESTIMATORS = int(sys.argv[1]) if len(sys.argv) > 1 else 200


def zipf_levels(rng, n, k, prefix):
    """k levels with Zipf-like frequencies (a few common, many rare), as real ids are."""
    weights = 1.0 / np.arange(1, k + 1) ** 0.8
    codes = rng.choice(k, size=n, p=weights / weights.sum())
    return np.array([f"{prefix}{c:03d}" for c in codes]), codes


def make_loans():
    rng = np.random.default_rng(2024)
    n = 9857
    a, a_codes = zipf_levels(rng, n, 50, "s")
    b, b_codes = zipf_levels(rng, n, 35, "p")
    c, c_codes = zipf_levels(rng, n, 12, "g")
    x = rng.normal(size=(n, 4))
    # Weak category effects beside two real numeric signals; intercept for ~5% positives.
    logit = (
        0.6 * x[:, 0]
        + 0.3 * x[:, 1]
        + rng.normal(0, 0.25, 50)[a_codes]
        + rng.normal(0, 0.25, 35)[b_codes]
        + rng.normal(0, 0.3, 12)[c_codes]
    )
    logit += -3.15
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return pd.DataFrame(
        {"y": y, "state": a, "purpose": b, "grade": c, **{f"x{j}": x[:, j] for j in range(4)}}
    )


def make_levels800():
    rng = np.random.default_rng(800)
    codes = np.repeat(np.arange(800), 30)
    rng.shuffle(codes)
    effect = rng.normal(0, 1, 800)
    return pd.DataFrame(
        {
            "y": effect[codes],
            "level": [f"L{c:03d}" for c in codes],
            "noise": rng.normal(size=codes.size),
        }
    )


def write(name, frame, splits):
    frame.to_csv(os.path.join(OUT, f"{name}.csv"), index=False)
    with open(os.path.join(OUT, f"{name}.splits.json"), "w") as f:
        json.dump(splits, f)


def xgb_score(task, x_train, y_train, x_test, y_test, seed, base_score=None):
    params = {
        "tree_method": "hist",
        "max_depth": 6,
        "eta": 0.1,
        "max_bin": 256,
        "nthread": 2,
        "seed": seed,
        "objective": "binary:logistic" if task == "binary" else "reg:squarederror",
    }
    if base_score is not None:
        params["base_score"] = base_score
    booster = xgb.train(params, xgb.DMatrix(x_train, label=y_train), N_ESTIMATORS)
    p = booster.predict(xgb.DMatrix(x_test))
    if task == "binary":
        return float(roc_auc_score(y_test, p))
    return float(np.sqrt(mean_squared_error(y_test, p)))


def one_hot(frame, target):
    return pd.get_dummies(frame.drop(columns=[target]), dtype=float).to_numpy(dtype=float)


def main():
    os.makedirs(OUT, exist_ok=True)
    results = {}
    telco = pd.read_csv(os.path.join(HERE, "..", "..", "data", "telco_churn.csv"))
    telco_y = (telco["churn"] == "Yes").astype(int).to_numpy()
    loans = make_loans()
    levels = make_levels800()
    tables = {
        "telco": (telco, "churn", telco_y, "binary"),
        "loans": (loans, "y", loans["y"].to_numpy(), "binary"),
        "levels800": (levels, "y", levels["y"].to_numpy(), "regression"),
    }
    for name, (frame, target, y, task) in tables.items():
        x = one_hot(frame, target)
        idx = np.arange(len(frame))
        splits, scores = [], []
        for seed in SEEDS:
            tr, te = train_test_split(
                idx, test_size=0.2, random_state=seed, stratify=y if task == "binary" else None
            )
            splits.append({"train": tr.tolist(), "test": te.tolist()})
            scores.append(xgb_score(task, x[tr], y[tr], x[te], y[te], seed))
        write(name, frame, splits)
        results[name] = {"task": task, "target": target, "xgboost": scores}
    # Friedman #1: each seed trains on its own 1,000 rows and is scored on an unseen 1,000.
    # XGBoost 1.7 starts regression from base_score 0.5; keel (like LightGBM and XGBoost 2)
    # starts from the label mean. The second score isolates that difference.
    rows, splits, scores, mean_start = [], [], [], []
    for seed in SEEDS:
        x_tr, y_tr = make_friedman1(n_samples=1000, noise=1.0, random_state=seed)
        x_te, y_te = make_friedman1(n_samples=1000, noise=1.0, random_state=1000 + seed)
        base = len(rows) * 1000
        rows += [np.column_stack([y_tr, x_tr]), np.column_stack([y_te, x_te])]
        splits.append(
            {"train": list(range(base, base + 1000)), "test": list(range(base + 1000, base + 2000))}
        )
        scores.append(xgb_score("regression", x_tr, y_tr, x_te, y_te, seed))
        mean_start.append(
            xgb_score("regression", x_tr, y_tr, x_te, y_te, seed, base_score=float(y_tr.mean()))
        )
    friedman = pd.DataFrame(np.vstack(rows), columns=["y"] + [f"x{j}" for j in range(10)])
    write("friedman1", friedman, splits)
    results["friedman1"] = {
        "task": "regression",
        "target": "y",
        "xgboost": scores,
        "xgboostMeanStart": mean_start,
    }
    print(json.dumps({"xgboost": xgb.__version__, "results": results}))


main()
