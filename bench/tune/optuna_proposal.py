"""Optuna's TPESampler (defaults) proposals after a fixed history, one fresh seeded stream each.

Usage: /usr/bin/python3 bench/tune/optuna_proposal.py HISTORY_JSON N_SEEDS
HISTORY_JSON: [{"x0": .., "x1": .., "v": ..}, ...] (Branin's parameters and values).
Prints [[x0, x1], ...]: the trial after the history, for seeds 0 .. N_SEEDS-1. The proposals are
asked from one study and left RUNNING, which Optuna 3.1's TPE ignores (constant_liar off).
"""
import json
import sys

import numpy as np
import optuna


def main():
    history, n_seeds = json.load(open(sys.argv[1])), int(sys.argv[2])
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = optuna.samplers.TPESampler(seed=0)
    study = optuna.create_study(direction="minimize", sampler=sampler)
    for h in history:
        study.enqueue_trial({"x0": h["x0"], "x1": h["x1"]})
        trial = study.ask()
        trial.suggest_float("x0", -5.0, 10.0)
        trial.suggest_float("x1", 0.0, 15.0)
        study.tell(trial, h["v"])
    proposals = []
    for seed in range(n_seeds):
        # TPESampler(seed=s) seeds this RandomState with s; reseeding it gives seed s's proposal.
        sampler._rng = np.random.RandomState(seed)
        trial = study.ask()
        proposals.append([trial.suggest_float("x0", -5.0, 10.0), trial.suggest_float("x1", 0.0, 15.0)])
    print(json.dumps(proposals))


if __name__ == "__main__":
    main()
