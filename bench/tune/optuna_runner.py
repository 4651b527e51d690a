"""Runs Optuna's TPESampler (defaults) on the analytic problems of bench/tune and prints JSON.

Usage: /usr/bin/python3 bench/tune/optuna_runner.py PROBLEM N_TRIALS[,N_TRIALS...] SEED [SEED ...] [--stream] [--values]
--stream prints {"run": ...} per seed as it finishes instead of one object at the end.
--values adds every trial's objective value to each run ("values", in trial order).
--fast swaps two pure-Python helpers of Optuna's truncated normal (log Φ and its inverse by
100-step bisection, most of Optuna's sampler time here) for SciPy's log_ndtr and ndtri_exp, the
same functions to about 1e-15; bench/tune/curve.mjs checks that runs stay the same trial for trial.
--startup FILE enqueues, per seed, the first trials' parameters from FILE ({"SEED": [{"x0": ..},
...]}), so both libraries start TPE from the same random startup trials (bench/tune/curve.mjs).
--own-startup-stream gives the startup RandomSampler its own stream (seed 1,000,000 + seed):
Optuna 3.1 seeds both its TPE RandomState and its startup RandomSampler with the same seed, so
the TPE draws of trial 11 on replay the uniforms the startup trials were made of
(bench/tune/README: does that help Optuna?).
Output: {"problem", "optunaVersion", "runs": [{"seed", "best", "bestAt", "samplerMsPerTrial"}]}
With several budgets (e.g. 50,80) one study runs the largest, and "bestAt" holds the best value
after each budget's number of trials: TPE never looks at the total, so the first 50 trials of
an 80-trial study are a 50-trial study.
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


MIXED_OFFSET = {"gbtree": 1.2, "dart": 0.0, "linear": 2.5, "rf": 0.8, "goss": 1.6, "hist": 0.4}


def mixed6(t):
    booster = t.suggest_categorical("booster", list(MIXED_OFFSET))
    eta = t.suggest_float("eta", 1e-4, 1.0, log=True)
    lam = t.suggest_float("lambda", 1e-3, 100.0, log=True)
    depth = t.suggest_int("depth", 1, 16)
    subsample = t.suggest_float("subsample", 0.3, 1.0)
    return (
        MIXED_OFFSET[booster]
        + (math.log10(eta) - math.log10(0.03)) ** 2
        + 0.25 * math.log10(lam) ** 2
        + 0.05 * (depth - 6) ** 2
        + 4 * (subsample - 0.8) ** 2
    )


def conditional(t):
    model = t.suggest_categorical("model", ["linear", "tree", "knn", "svm"])
    if model == "linear":
        alpha = t.suggest_float("alpha", 1e-5, 10.0, log=True)
        l1_ratio = t.suggest_float("l1Ratio", 0.0, 1.0)
        return 0.5 + (math.log10(alpha) + 3) ** 2 / 4 + (l1_ratio - 0.3) ** 2
    if model == "tree":
        depth = t.suggest_int("depth", 1, 12)
        lr = t.suggest_float("lr", 1e-3, 1.0, log=True)
        return 0.2 + (depth - 6) ** 2 / 16 + (math.log10(lr) + 1.5) ** 2 / 2
    if model == "knn":
        k = t.suggest_int("k", 1, 64, log=True)
        return 0.4 + (math.log(k) - math.log(15)) ** 2
    c = t.suggest_float("c", 1e-3, 1e3, log=True)
    gamma = t.suggest_float("gamma", 1e-4, 1.0, log=True)
    return 0.45 + (math.log10(c) - 1) ** 2 / 4 + (math.log10(gamma) + 2) ** 2 / 4


PROBLEMS = {
    "branin": branin,
    "rosenbrock4": rosenbrock4,
    "styblinskiTang5": styblinski_tang5,
    "mixed6": mixed6,
    "conditional": conditional,
}


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
    stream = "--stream" in sys.argv
    with_values = "--values" in sys.argv
    startup = {}
    if "--startup" in sys.argv:
        at = sys.argv.index("--startup")
        startup = json.load(open(sys.argv[at + 1]))
        del sys.argv[at : at + 2]
    if "--fast" in sys.argv:
        import scipy.special
        from optuna.samplers._tpe import _truncnorm

        _truncnorm._log_ndtr = scipy.special.log_ndtr
        _truncnorm._ndtri_exp = scipy.special.ndtri_exp
    own_startup_stream = "--own-startup-stream" in sys.argv
    args = [
        a
        for a in sys.argv
        if a not in ("--stream", "--values", "--fast", "--own-startup-stream")
    ]
    problem, seeds = args[1], [int(s) for s in args[3:]]
    budgets = [int(b) for b in args[2].split(",")]
    n_trials = max(budgets)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    runs = []
    for seed in seeds:
        tpe = optuna.samplers.TPESampler(seed=seed)
        if own_startup_stream:
            tpe._random_sampler = optuna.samplers.RandomSampler(seed=1_000_000 + seed)
        sampler = TimedSampler(tpe)
        study = optuna.create_study(direction="minimize", sampler=sampler)
        for params in startup.get(str(seed), []):
            study.enqueue_trial(params)
        study.optimize(PROBLEMS[problem], n_trials=n_trials)
        values = [t.value for t in study.trials]
        best_at = {str(b): min(values[:b]) for b in budgets}
        run = {
            "seed": seed,
            "best": study.best_value,
            "bestAt": best_at,
            "samplerMsPerTrial": 1000 * sampler.seconds / n_trials,
        }
        if with_values:
            run["values"] = values
        runs.append(run)
        if stream:
            print(json.dumps({"run": run}), flush=True)
    if not stream:
        print(json.dumps({"problem": problem, "optunaVersion": optuna.__version__, "runs": runs}))


if __name__ == "__main__":
    main()
