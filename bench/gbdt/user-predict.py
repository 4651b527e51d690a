"""XGBoost side of bench/gbdt/user-view.mjs's prediction rows: loads the model user-script.py
saved, reads and one-hot encodes the table (before the clock starts), and times predict_proba on
200,000 rows (a smaller table's repeated) `repeats` times (2 threads).
Usage: user-predict.py MODEL FILE TARGET [repeats]
Prints one JSON line: wall and CPU seconds per repeat."""
import json
import sys
import time

import numpy as np
import pandas as pd
import xgboost as xgb

model_file, path, target = sys.argv[1], sys.argv[2], sys.argv[3]
repeats = int(sys.argv[4]) if len(sys.argv) > 4 else 5
x = pd.get_dummies(pd.read_csv(path).drop(columns=[target]), dtype=float)
# 200,000 rows: the first ones, or a smaller table's rows repeated (as user-predict.mjs).
x = x.iloc[:200_000] if len(x) >= 200_000 else x.iloc[np.arange(200_000) % len(x)]
model = xgb.XGBClassifier(n_jobs=2)
model.load_model(model_file)
seconds = []
# CPU seconds of the whole process (every thread) per call, as user-predict.mjs measures.
cpu_seconds = []
for _ in range(repeats):
    cpu = time.process_time()
    started = time.perf_counter()
    model.predict_proba(x)
    seconds.append(time.perf_counter() - started)
    cpu_seconds.append(time.process_time() - cpu)
print(json.dumps({"rows": len(x), "seconds": seconds, "cpuSeconds": cpu_seconds}))
