"""Best of Optuna 3.1's 10 random startup trials of TPESampler(seed=s) on Styblinski–Tang 5-D, for
many seeds at once, without running Optuna's sampler: its RandomSampler(seed=s) draws each
trial's five parameters as consecutive numpy RandomState(s).uniform(-5, 5) values. The first two
seeds are also run through Optuna itself to check that.

Usage: /usr/bin/python3 bench/tune/optuna_startup.py FROM:TO [FROM:TO ...]
Prints {"FROM:TO": [best of the 10 startup trials, per seed], ...}.
"""
import json
import sys

import numpy as np
import optuna


def styblinski_tang(x):
    return ((x**4 - 16 * x**2 + 5 * x) / 2).sum(axis=-1)


def emulated(seed):
    return styblinski_tang(np.random.RandomState(seed).uniform(-5, 5, size=(10, 5)))


def main():
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    for seed in (0, 1):
        study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed))
        study.optimize(
            lambda t: float(
                styblinski_tang(np.array([t.suggest_float(f"x{i}", -5.0, 5.0) for i in range(5)]))
            ),
            n_trials=10,
        )
        assert np.allclose([t.value for t in study.trials], emulated(seed)), seed
    out = {}
    for spec in sys.argv[1:]:
        lo, hi = (int(v) for v in spec.split(":"))
        out[spec] = [float(emulated(s).min()) for s in range(lo, hi)]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
