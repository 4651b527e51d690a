"""Drives Optuna's TPESampler (defaults) by ask/tell over stdin/stdout, so that keel evaluates
the very same objective (keel's GBDT cross-validated on Telco) for both samplers.

Usage: /usr/bin/python3 bench/tune/optuna_asktell.py SEED N_TRIALS SPACE_JSON
Protocol: prints one JSON line of params per trial, reads one line with the objective value;
finally prints {"done": true, "samplerMsPerTrial": ...}.
"""
import json
import sys
import time

import optuna


def distribution(spec):
    if "choices" in spec:
        return optuna.distributions.CategoricalDistribution(spec["choices"])
    if spec["kind"] == "int":
        return optuna.distributions.IntDistribution(spec["low"], spec["high"], log=spec["log"], step=spec["step"])
    return optuna.distributions.FloatDistribution(spec["low"], spec["high"], log=spec["log"], step=spec.get("step"))


def main():
    seed, n_trials, space = int(sys.argv[1]), int(sys.argv[2]), json.loads(sys.argv[3])
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    distributions = {name: distribution(spec) for name, spec in space.items()}
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=seed))
    seconds = 0.0
    for _ in range(n_trials):
        start = time.perf_counter()
        trial = study.ask(distributions)
        seconds += time.perf_counter() - start
        print(json.dumps(trial.params), flush=True)
        value = float(sys.stdin.readline())
        study.tell(trial, value)
    print(json.dumps({"done": True, "best": study.best_value, "samplerMsPerTrial": 1000 * seconds / n_trials}), flush=True)


if __name__ == "__main__":
    main()
