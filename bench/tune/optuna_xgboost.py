"""What a Python user would run to tune a GBDT on Telco: Optuna's TPESampler (defaults) with
XGBoost, 5-fold CV ROC AUC on the very folds keel uses, over the same search space as keel's
Telco row (the GBDT's declared search hints, 100 rounds).

Usage: /usr/bin/python3 bench/tune/optuna_xgboost.py N_SEEDS N_TRIALS FOLDS_JSON SPACE_JSON
Output: one JSON line per seed: {"seed", "best", "samplerMsPerTrial", "objectiveSeconds"}.
XGBoost runs on one thread (nthread=1), as keel's GBDT does in bench/tune.
"""
import json
import math
import os
import sys
import time

import numpy as np
import optuna
import pandas as pd
import xgboost as xgb
from sklearn.metrics import roc_auc_score

HERE = os.path.dirname(os.path.abspath(__file__))
# keel's camelCase names -> XGBoost's.
XGB_NAMES = {
    "learningRate": "learning_rate",
    "maxDepth": "max_depth",
    "minChildWeight": "min_child_weight",
    "lambda": "reg_lambda",
    "subsample": "subsample",
    "colsampleBytree": "colsample_bytree",
}


def main():
    n_seeds, n_trials = int(sys.argv[1]), int(sys.argv[2])
    folds = np.array(json.load(open(sys.argv[3])))
    space = json.loads(sys.argv[4])
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    df = pd.read_csv(os.path.join(HERE, "..", "..", "data", "telco_churn.csv"))
    y = (df.pop("churn") == "Yes").astype(int).to_numpy()
    x = pd.get_dummies(df, dtype=float).to_numpy(dtype=float)
    splits = [(np.flatnonzero(folds != k), np.flatnonzero(folds == k)) for k in range(folds.max() + 1)]

    def objective(trial):
        params = {}
        for name, spec in space.items():
            if spec["kind"] == "int":
                params[XGB_NAMES[name]] = trial.suggest_int(name, spec["low"], spec["high"], log=spec["log"])
            else:
                params[XGB_NAMES[name]] = trial.suggest_float(name, spec["low"], spec["high"], log=spec["log"])
        aucs = []
        for train, test in splits:
            model = xgb.XGBClassifier(
                n_estimators=100, tree_method="hist", max_bin=256, n_jobs=1, random_state=0, **params
            )
            model.fit(x[train], y[train])
            aucs.append(roc_auc_score(y[test], model.predict_proba(x[test])[:, 1]))
        return float(np.mean(aucs))

    for seed in range(n_seeds):
        sampler = optuna.samplers.TPESampler(seed=seed)
        study = optuna.create_study(direction="maximize", sampler=sampler)
        objective_seconds = 0.0
        start = time.perf_counter()

        def timed(trial):
            nonlocal objective_seconds
            t0 = time.perf_counter()
            try:
                return objective(trial)
            finally:
                objective_seconds += time.perf_counter() - t0

        study.optimize(timed, n_trials=n_trials)
        total = time.perf_counter() - start
        print(
            json.dumps(
                {
                    "seed": seed,
                    "best": study.best_value,
                    # Everything but the objective: sampling and Optuna's study bookkeeping.
                    "samplerMsPerTrial": 1000 * (total - objective_seconds) / n_trials,
                    "objectiveSeconds": objective_seconds,
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
