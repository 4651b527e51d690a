"""The Python user's script of bench/gbdt's user-view table: what a user writes to do what
`keel train --data F.csv --target T --out DIR` does. Read the CSV with pandas, one-hot encode
the text columns, fit XGBoost 1.7 `hist` (2 threads, 200 trees, depth 6, learning rate 0.1,
256 bins), print training metrics (from predict_proba on the training set, as a user does) and
save the model.

With TASK `regression` it fits XGBRegressor instead and prints RMSE and R² (from predict).

Usage: user-script.py FILE TARGET OUTFILE [n_estimators] [TASK]
Prints one JSON line with the phase times in seconds.
"""
import json
import sys
import time

t_start = time.perf_counter()
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import xgboost as xgb  # noqa: E402
from sklearn.metrics import accuracy_score, log_loss, mean_squared_error, r2_score, roc_auc_score  # noqa: E402,E501

t_import = time.perf_counter()
path, target, out = sys.argv[1], sys.argv[2], sys.argv[3]
n_estimators = int(sys.argv[4]) if len(sys.argv) > 4 else 200
regression = len(sys.argv) > 5 and sys.argv[5] == "regression"
df = pd.read_csv(path)
t_read = time.perf_counter()
y_text = df.pop(target)
if regression:
    y = y_text.to_numpy(dtype=float)
else:
    classes, y = np.unique(y_text.to_numpy(), return_inverse=True)
x = pd.get_dummies(df, dtype=float)
t_pre = time.perf_counter()
settings = dict(
    n_estimators=n_estimators, max_depth=6, learning_rate=0.1, max_bin=256,
    tree_method="hist", n_jobs=2, random_state=0,
)
model = xgb.XGBRegressor(**settings) if regression else xgb.XGBClassifier(**settings)
cpu_fit = time.process_time()
model.fit(x, y)
t_fit = time.perf_counter()
# CPU seconds of the fit, every thread of the process (as keel train --verbose reports).
fit_cpu = time.process_time() - cpu_fit
if regression:
    predicted = model.predict(x)
    metrics = {"rmse": mean_squared_error(y, predicted) ** 0.5, "r2": r2_score(y, predicted)}
else:
    proba = model.predict_proba(x)
    metrics = {"logLoss": log_loss(y, proba), "accuracy": accuracy_score(y, proba.argmax(1))}
    if len(classes) == 2:
        metrics["auc"] = roc_auc_score(y, proba[:, 1])
t_metrics = time.perf_counter()
model.save_model(out)
t_end = time.perf_counter()
print(json.dumps({
    "import": t_import - t_start, "read": t_read - t_import, "preprocess": t_pre - t_read,
    "fit": t_fit - t_pre, "fitCpu": fit_cpu, "metrics": t_metrics - t_fit, "save": t_end - t_metrics,
    "metricValues": metrics,
}))
