"""Why `minRows` defaults to 500: how often sampling noise alone trips the drift thresholds.

Windows of n rows are drawn from the reference's own distribution (no drift at all); the share
of windows that a default check flags is a false-alarm rate. Run: /usr/bin/python3 bench/monitor/min-rows-noise.py
"""
import numpy as np
from scipy.spatial.distance import jensenshannon
from scipy.stats import wasserstein_distance

rng = np.random.default_rng(0)
ref = rng.normal(size=5000)
sd = ref.std()
shares = np.array([0.5, 0.3, 0.2])
scores = rng.beta(1.0, 2.7, size=5000)  # predicted probabilities, mean about 0.27
TRIALS = 400
print("rows | Wasserstein/std >= 0.1 | Jensen-Shannon >= 0.1 (3 categories) | mean prediction shift > 10%")
for n in [30, 100, 200, 300, 500, 1000]:
    w = [wasserstein_distance(ref, rng.normal(size=n)) / sd for _ in range(TRIALS)]
    js = [jensenshannon(shares, np.bincount(rng.choice(3, size=n, p=shares), minlength=3) / n) for _ in range(TRIALS)]
    shift = [abs(rng.beta(1.0, 2.7, size=n).mean() - scores.mean()) / scores.mean() for _ in range(TRIALS)]
    print(f"{n} | {np.mean(np.array(w) >= 0.1):.3f} | {np.mean(np.array(js) >= 0.1):.3f} | {np.mean(np.array(shift) > 0.1):.3f}")
