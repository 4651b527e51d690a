"""Best of Optuna 3.1's 10 random startup trials of TPESampler(seed=s) on one of bench/tune's
problems with plain float parameters (branin, rosenbrock4, styblinskiTang5), for many seeds at
once, without running Optuna's sampler: its RandomSampler(seed=s) draws each parameter, in the
order the objective asks, as the next numpy RandomState(s).uniform(low, high) value. The first
two seeds are also run through Optuna itself to check that.

Usage: /usr/bin/python3 bench/tune/optuna_startup.py PROBLEM FROM:TO [FROM:TO ...] [--params]
Prints {"FROM:TO": [best of the 10 startup trials, per seed], ...}; with --params
{"SEED": [the 10 startup trials' parameters, in order], ...} instead (bench/tune/startup-swap.mjs).
"""
import json
import sys

import numpy as np
import optuna

from optuna_runner import PROBLEMS


class UniformTrial:
    """Stands in for a trial: each suggest_float is the next uniform draw of one RandomState."""

    def __init__(self, rs):
        self.rs = rs
        self.params = {}

    def suggest_float(self, name, low, high):
        self.params[name] = float(self.rs.uniform(low, high))
        return self.params[name]


def emulated(objective, seed, params=False):
    rs = np.random.RandomState(seed)
    trials = [UniformTrial(rs) for _ in range(10)]
    values = [objective(t) for t in trials]
    return [t.params for t in trials] if params else values


def main():
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    objective = PROBLEMS[sys.argv[1]]
    for seed in (0, 1):
        study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed))
        study.optimize(objective, n_trials=10)
        assert np.allclose([t.value for t in study.trials], emulated(objective, seed)), seed
    out = {}
    for spec in [a for a in sys.argv[2:] if a != "--params"]:
        lo, hi = (int(v) for v in spec.split(":"))
        if "--params" in sys.argv:
            out.update({str(s): emulated(objective, s, True) for s in range(lo, hi)})
        else:
            out[spec] = [min(emulated(objective, s)) for s in range(lo, hi)]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
