"""Optuna's TPESampler (defaults) proposals after a fixed history, one fresh seeded stream each.

Usage: /usr/bin/python3 bench/tune/optuna_proposal.py HISTORY_JSON N_SEEDS
HISTORY_JSON is either [{"x0": .., "x1": .., "v": ..}, ...] (Branin's parameters and values) or
{"space": {"x0": [low, high], ...}, "trials": [{"params": {"x0": ..}, "value": ..}, ...]} (plain
float parameters). Prints [[x0, x1, ...], ...]: the trial after the history, for seeds
0 .. N_SEEDS-1, parameters in the space's order. The proposals are asked from one study and
left RUNNING, which Optuna 3.1's TPE ignores (constant_liar off).
"""
import json
import sys

import numpy as np
import optuna


def main():
    history, n_seeds = json.load(open(sys.argv[1])), int(sys.argv[2])
    if isinstance(history, list):
        space = {"x0": [-5.0, 10.0], "x1": [0.0, 15.0]}
        trials = [{"params": {"x0": h["x0"], "x1": h["x1"]}, "value": h["v"]} for h in history]
    else:
        space, trials = history["space"], history["trials"]
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = optuna.samplers.TPESampler(seed=0)
    study = optuna.create_study(direction="minimize", sampler=sampler)
    for h in trials:
        study.enqueue_trial(h["params"])
        trial = study.ask()
        for name, (low, high) in space.items():
            trial.suggest_float(name, float(low), float(high))
        study.tell(trial, h["value"])
    proposals = []
    for seed in range(n_seeds):
        # TPESampler(seed=s) seeds this RandomState with s; reseeding it gives seed s's proposal.
        sampler._rng = np.random.RandomState(seed)
        trial = study.ask()
        proposals.append(
            [trial.suggest_float(name, float(lo), float(hi)) for name, (lo, hi) in space.items()]
        )
    print(json.dumps(proposals))


if __name__ == "__main__":
    main()
