"""Runs Optuna 3.1's NSGAIISampler (defaults) on the 2-objective problems of bench/tune/multi-objective.mjs.

Usage: /usr/bin/python3 bench/tune/optuna_nsga2.py PROBLEM N_TRIALS SEED [SEED ...] [--tpe]
--tpe runs TPESampler (defaults; MOTPE on these studies) instead.
Output: {"problem", "optunaVersion", "runs": [{"seed", "front": [[f1, f2], ...]}]}
The hypervolume is computed by the caller, the same way for keel and Optuna.
"""
import json
import math
import sys

import optuna


def zdt1(t):
    x = [t.suggest_float(f"x{i}", 0.0, 1.0) for i in range(5)]
    g = 1 + 9 * sum(x[1:]) / 4
    return x[0], g * (1 - math.sqrt(x[0] / g))


def binh_korn(t):
    x = t.suggest_float("x", 0.0, 5.0)
    y = t.suggest_float("y", 0.0, 3.0)
    return 4 * x * x + 4 * y * y, (x - 5) ** 2 + (y - 5) ** 2


def zdt2(t):
    x = [t.suggest_float(f"x{i}", 0.0, 1.0) for i in range(5)]
    g = 1 + 9 * sum(x[1:]) / 4
    return x[0], g * (1 - (x[0] / g) ** 2)


PROBLEMS = {"zdt1": zdt1, "zdt2": zdt2, "binhKorn": binh_korn}

optuna.logging.set_verbosity(optuna.logging.WARNING)
use_tpe = "--tpe" in sys.argv
problem, n_trials, *seeds = [a for a in sys.argv[1:] if a != "--tpe"]
runs = []
for seed in seeds:
    study = optuna.create_study(
        directions=["minimize", "minimize"],
        sampler=(optuna.samplers.TPESampler if use_tpe else optuna.samplers.NSGAIISampler)(
            seed=int(seed)
        ),
    )
    study.optimize(PROBLEMS[problem], n_trials=int(n_trials))
    runs.append({"seed": int(seed), "front": [list(t.values) for t in study.best_trials]})
print(json.dumps({"problem": problem, "optunaVersion": optuna.__version__, "runs": runs}))
