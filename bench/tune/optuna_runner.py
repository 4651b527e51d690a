"""Runs Optuna's TPESampler (defaults) on the analytic problems of bench/tune and prints JSON.

Usage: /usr/bin/python3 bench/tune/optuna_runner.py PROBLEM N_TRIALS SEED [SEED ...]
Output: {"problem", "optunaVersion", "runs": [{"seed", "best", "samplerMsPerTrial"}]}
Sampler time is measured by wrapping the sampler's methods, so objective time is excluded.
"""
import json
import math
import sys
import time

import optuna


def branin(t):
    x = t.suggest_float("x0", -5.0, 10.0)
    y = t.suggest_float("x1", 0.0, 15.0)
    b = 5.1 / (4 * math.pi ** 2)
    c = 5 / math.pi
    return (y - b * x * x + c * x - 6) ** 2 + 10 * (1 - 1 / (8 * math.pi)) * math.cos(x) + 10


def rosenbrock4(t):
    xs = [t.suggest_float(f"x{i}", -5.0, 10.0) for i in range(4)]
    return sum(100 * (xs[i + 1] - xs[i] ** 2) ** 2 + (1 - xs[i]) ** 2 for i in range(3))


def styblinski_tang5(t):
    xs = [t.suggest_float(f"x{i}", -5.0, 5.0) for i in range(5)]
    return sum(x ** 4 - 16 * x ** 2 + 5 * x for x in xs) / 2


PROBLEMS = {"branin": branin, "rosenbrock4": rosenbrock4, "styblinskiTang5": styblinski_tang5}


class TimedSampler(optuna.samplers.BaseSampler):
    """Delegates to TPESampler and adds up the time spent inside it."""

    def __init__(self, inner):
        self.inner = inner
        self.seconds = 0.0

    def _timed(self, fn, *args):
        start = time.perf_counter()
        try:
            return fn(*args)
        finally:
            self.seconds += time.perf_counter() - start

    def infer_relative_search_space(self, study, trial):
        return self._timed(self.inner.infer_relative_search_space, study, trial)

    def sample_relative(self, study, trial, search_space):
        return self._timed(self.inner.sample_relative, study, trial, search_space)

    def sample_independent(self, study, trial, name, dist):
        return self._timed(self.inner.sample_independent, study, trial, name, dist)

    def after_trial(self, study, trial, state, values):
        return self._timed(self.inner.after_trial, study, trial, state, values)


def main():
    problem, n_trials, seeds = sys.argv[1], int(sys.argv[2]), [int(s) for s in sys.argv[3:]]
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    runs = []
    for seed in seeds:
        sampler = TimedSampler(optuna.samplers.TPESampler(seed=seed))
        study = optuna.create_study(direction="minimize", sampler=sampler)
        study.optimize(PROBLEMS[problem], n_trials=n_trials)
        runs.append(
            {"seed": seed, "best": study.best_value, "samplerMsPerTrial": 1000 * sampler.seconds / n_trials}
        )
    print(json.dumps({"problem": problem, "optunaVersion": optuna.__version__, "runs": runs}))


if __name__ == "__main__":
    main()
