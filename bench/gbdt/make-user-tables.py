"""Generates the two CSV tables of bench/gbdt's user-view benchmark (issue 18), deterministically:

- mixed-204k.csv: 204,000 rows x 7 features, binary target `label` (yes/no). Three two-level
  categoricals (text), four small integers (0-9, 0-30, 1-5, 0-99); the label follows a logistic
  model of them with interactions, so trees of depth 6 have signal to find.
- letters-16k.csv: 16,000 rows x 16 integer features 0-15 and a 26-class target `letter` (A-Z),
  shaped like the UCI letter-recognition training set: per class a centroid, rows scattered
  around it and clipped to 0-15.

Usage: python3 bench/gbdt/make-user-tables.py [outdir]   (default bench/.data)
"""
import os
import sys

import numpy as np
import pandas as pd

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", ".data"
)
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
print("wrote", os.path.join(out, "mixed-204k.csv"), "and letters-16k.csv", file=sys.stderr)
