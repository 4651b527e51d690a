"""Generates the synthetic benchmark data once: 1,000,000 x 50 binary classification
(make_classification seed 7, 10 informative, 5 redundant, flip_y 0.05), 5% of feature values
set missing. Written column-major as raw little-endian float64 so that keel and the Python
reference systems read exactly the same numbers without a CSV parser in the timing.

Output: bench/.data/synth-1m.x.f64 (50 columns of 1,000,000 values), synth-1m.y.f64,
synth-1m.json (shape). The first 800,000 rows are the training set, the last 200,000 the test set
(make_classification shuffles rows, so this is a random 80/20 split)."""
import json
import os
import sys

import numpy as np
from sklearn.datasets import make_classification

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".data")
os.makedirs(out, exist_ok=True)
n_rows, n_features = 1_000_000, 50
x, y = make_classification(
    n_samples=n_rows, n_features=n_features, n_informative=10, n_redundant=5,
    flip_y=0.05, random_state=7,
)
rng = np.random.RandomState(7)
x[rng.random_sample(x.shape) < 0.05] = np.nan
np.asfortranarray(x).T.astype("<f8").tofile(os.path.join(out, "synth-1m.x.f64"))
y.astype("<f8").tofile(os.path.join(out, "synth-1m.y.f64"))
with open(os.path.join(out, "synth-1m.json"), "w") as f:
    json.dump({"nRows": n_rows, "nFeatures": n_features, "nTrain": 800_000}, f)
print("wrote", out, file=sys.stderr)
