"""Generates the two CSV tables of bench/gbdt's user-view benchmark (issue 18), deterministically:

- mixed-204k.csv: 204,000 rows x 7 features, binary target `label` (yes/no). Three two-level
  categoricals (text), four small integers (0-9, 0-30, 1-5, 0-99); the label follows a logistic
  model of them with interactions, so trees of depth 6 have signal to find.
- letters-16k.csv: 16,000 rows x 16 integer features 0-15 and a 26-class target `letter` (A-Z),
  shaped like the UCI letter-recognition training set: per class a centroid, rows scattered
  around it and clipped to 0-15.

- regression-1k.csv: 1,000 rows x 6 features (five numbers, one three-level text column), a
  numeric target `y` (a smooth function of them plus noise).
- synth-1m50.csv (only with --large): bench/gbdt's synthetic set as a user has it, a CSV file:
  1,000,000 rows x 50 numbers (make_classification seed 7, 10 informative, 5 redundant, flip_y
  0.05, 5% missing, as make-synthetic.py) and a 0/1 target `label`; about 0.6 GB.

Usage: python3 bench/gbdt/make-user-tables.py [outdir] [--large]   (default bench/.data)
"""
import os
import sys

import numpy as np
import pandas as pd

args = [a for a in sys.argv[1:] if not a.startswith("--")]
out = args[0] if args else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".data")
os.makedirs(out, exist_ok=True)
rng = np.random.RandomState(18)

n = 204_000
contract = rng.choice(["monthly", "yearly"], n, p=[0.6, 0.4])
paperless = rng.choice(["yes", "no"], n)
gender = rng.choice(["female", "male"], n)
calls = rng.randint(0, 10, n)
tenure = rng.randint(0, 31, n)
plan = rng.randint(1, 6, n)
usage = rng.randint(0, 100, n)
logit = (
    -0.5
    + 1.2 * (contract == "monthly")
    + 0.4 * (paperless == "yes")
    + 0.25 * calls
    - 0.08 * tenure
    + 0.3 * (plan >= 4) * (contract == "monthly")
    + 0.015 * (usage - 50) * (calls > 5)
    - 0.6 * ((tenure > 20) & (plan <= 2))
)
label = np.where(rng.random_sample(n) < 1 / (1 + np.exp(-logit)), "yes", "no")
pd.DataFrame(
    {
        "contract": contract,
        "paperless": paperless,
        "gender": gender,
        "calls": calls,
        "tenure": tenure,
        "plan": plan,
        "usage": usage,
        "label": label,
    }
).to_csv(os.path.join(out, "mixed-204k.csv"), index=False)

m, k, f = 16_000, 26, 16
centroids = rng.uniform(2, 13, (k, f))
cls = rng.randint(0, k, m)
x = np.clip(np.rint(centroids[cls] + rng.normal(0, 2.2, (m, f))), 0, 15).astype(int)
letters = pd.DataFrame(x, columns=[f"x{j}" for j in range(f)])
letters["letter"] = [chr(ord("A") + c) for c in cls]
letters.to_csv(os.path.join(out, "letters-16k.csv"), index=False)
r = np.random.RandomState(1000)
n_reg = 1_000
xs = r.uniform(-2, 2, (n_reg, 5))
region = r.choice(["north", "south", "west"], n_reg)
y = (
    np.sin(xs[:, 0]) * 3
    + xs[:, 1] ** 2
    - 1.5 * xs[:, 2] * (xs[:, 3] > 0)
    + np.where(region == "south", 1.0, np.where(region == "west", -0.5, 0.0))
    + r.normal(0, 0.5, n_reg)
)
regression = pd.DataFrame(xs.round(4), columns=[f"x{j}" for j in range(5)])
regression["region"] = region
regression["y"] = y.round(4)
regression.to_csv(os.path.join(out, "regression-1k.csv"), index=False)
print("wrote mixed-204k.csv, letters-16k.csv and regression-1k.csv to", out, file=sys.stderr)

if "--large" in sys.argv:
    from sklearn.datasets import make_classification

    x_big, y_big = make_classification(
        n_samples=1_000_000, n_features=50, n_informative=10, n_redundant=5,
        flip_y=0.05, random_state=7,
    )
    x_big[np.random.RandomState(7).random_sample(x_big.shape) < 0.05] = np.nan
    big = pd.DataFrame(x_big, columns=[f"f{j}" for j in range(50)])
    big["label"] = y_big
    big.to_csv(os.path.join(out, "synth-1m50.csv"), index=False, float_format="%.6g")
    print("wrote synth-1m50.csv to", out, file=sys.stderr)
