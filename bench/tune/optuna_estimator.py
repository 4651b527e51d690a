"""One TPE step of Optuna 3.1 on one float parameter, many times: the l(x) draws and the chosen
candidates, for bench/tune/estimator-check.mjs.

Usage: /usr/bin/python3 bench/tune/optuna_estimator.py INPUT_JSON
INPUT_JSON: {"low", "high", "below": [...], "above": [...], "nDraws", "nProposals"}.
Prints {"draws": [...] (nDraws values from l(x)), "proposals": [...] (nProposals TPE choices,
24 candidates each), "logL": [...], "logG": [...] (at the first 1,000 draws)}.
Uses Optuna's private _ParzenEstimator and TPESampler._compare: the point is that exact code.
"""
import json
import sys

import numpy as np
from optuna.distributions import FloatDistribution
from optuna.samplers import TPESampler
from optuna.samplers._tpe.parzen_estimator import _ParzenEstimator, _ParzenEstimatorParameters
from optuna.samplers._tpe.sampler import default_weights

PARAMETERS = _ParzenEstimatorParameters(True, 1.0, True, False, default_weights, False)


def main():
    spec = json.load(open(sys.argv[1]))
    space = {"x": FloatDistribution(spec["low"], spec["high"])}
    below = _ParzenEstimator({"x": np.asarray(spec["below"], float)}, space, PARAMETERS)
    above = _ParzenEstimator({"x": np.asarray(spec["above"], float)}, space, PARAMETERS)
    rng = np.random.RandomState(0)
    draws = below.sample(rng, spec["nDraws"])["x"]
    proposals = []
    for _ in range(spec["nProposals"]):
        samples = below.sample(rng, 24)
        chosen = TPESampler._compare(samples, below.log_pdf(samples), above.log_pdf(samples))
        proposals.append(chosen["x"])
    head = {"x": draws[:1000]}
    print(
        json.dumps(
            {
                "draws": draws.tolist(),
                "proposals": proposals,
                "logL": below.log_pdf(head).tolist(),
                "logG": above.log_pdf(head).tolist(),
            }
        )
    )


if __name__ == "__main__":
    main()
