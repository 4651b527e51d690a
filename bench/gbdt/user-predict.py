"""XGBoost side of bench/gbdt/user-view.mjs's prediction rows: loads the model user-script.py
saved, reads and one-hot encodes the table (before the clock starts), and times predict_proba on
its first 200,000 rows `repeats` times (2 threads).
Usage: user-predict.py MODEL FILE TARGET [repeats]
Prints one JSON line: seconds per repeat."""
import json
import sys
import time

import pandas as pd
import xgboost as xgb

model_file, path, target = sys.argv[1], sys.argv[2], sys.argv[3]
repeats = int(sys.argv[4]) if len(sys.argv) > 4 else 5
x = pd.get_dummies(pd.read_csv(path).drop(columns=[target]), dtype=float).iloc[:200_000]
model = xgb.XGBClassifier(n_jobs=2)
model.load_model(model_file)
seconds = []
for _ in range(repeats):
    started = time.perf_counter()
    model.predict_proba(x)
    seconds.append(time.perf_counter() - started)
print(json.dumps({"rows": len(x), "seconds": seconds}))
