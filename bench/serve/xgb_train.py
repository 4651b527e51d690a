"""Trains the Telco churn XGBoost model the Python service serves: 200 trees of depth 6 on
pandas one-hot features, as users write it. Writes model.json and columns.json to OUT."""
import json
import sys

import pandas as pd
import xgboost as xgb

data, out = sys.argv[1], sys.argv[2]
frame = pd.read_csv(data)
y = (frame.pop("churn") == "Yes").astype(int)
frame["total_charges"] = pd.to_numeric(frame["total_charges"], errors="coerce")
x = pd.get_dummies(frame, dtype=float)
model = xgb.XGBClassifier(n_estimators=200, max_depth=6, learning_rate=0.1, tree_method="hist", n_jobs=1)
model.fit(x, y)
model.save_model(f"{out}/model.json")
with open(f"{out}/columns.json", "w") as f:
    json.dump(list(x.columns), f)
print(json.dumps({"features": len(x.columns), "rows": len(x)}))
