// The analytic test functions of bench/tune, identical to optuna_runner.py's (same names,
// same bounds, same parameter names), so both samplers see the same problem.

/** Branin–Hoo on [-5, 10] × [0, 15]; global minimum 0.397887. */
function branin(trial) {
  const x = trial.suggestFloat("x0", -5, 10);
  const y = trial.suggestFloat("x1", 0, 15);
  const b = 5.1 / (4 * Math.PI ** 2);
  const c = 5 / Math.PI;
  return (y - b * x * x + c * x - 6) ** 2 + 10 * (1 - 1 / (8 * Math.PI)) * Math.cos(x) + 10;
}

/** Rosenbrock in 4 dimensions on [-5, 10]^4; global minimum 0 at (1, 1, 1, 1). */
function rosenbrock4(trial) {
  const xs = [0, 1, 2, 3].map((i) => trial.suggestFloat(`x${i}`, -5, 10));
  let sum = 0;
  for (let i = 0; i < 3; i++) sum += 100 * (xs[i + 1] - xs[i] ** 2) ** 2 + (1 - xs[i]) ** 2;
  return sum;
}

/** Styblinski–Tang in 5 dimensions on [-5, 5]^5; global minimum −39.16617·5 = −195.83. */
function styblinskiTang5(trial) {
  const xs = [0, 1, 2, 3, 4].map((i) => trial.suggestFloat(`x${i}`, -5, 5));
  return xs.reduce((s, x) => s + x ** 4 - 16 * x ** 2 + 5 * x, 0) / 2;
}

const MIXED_OFFSET = { gbtree: 1.2, dart: 0, linear: 2.5, rf: 0.8, goss: 1.6, hist: 0.4 };

/**
 * A mixed space as in GBDT tuning: a 6-way categorical (one choice clearly best), two log-scale
 * floats, an int and a plain float. Global minimum 0 at booster "dart", eta 0.03, lambda 1,
 * depth 6, subsample 0.8.
 */
function mixed6(trial) {
  const booster = trial.suggestCategorical("booster", Object.keys(MIXED_OFFSET));
  const eta = trial.suggestFloat("eta", 1e-4, 1, { log: true });
  const lambda = trial.suggestFloat("lambda", 1e-3, 100, { log: true });
  const depth = trial.suggestInt("depth", 1, 16);
  const subsample = trial.suggestFloat("subsample", 0.3, 1);
  return (
    MIXED_OFFSET[booster] +
    (Math.log10(eta) - Math.log10(0.03)) ** 2 +
    0.25 * Math.log10(lambda) ** 2 +
    0.05 * (depth - 6) ** 2 +
    4 * (subsample - 0.8) ** 2
  );
}

/**
 * A conditional space: the categorical "model" decides which parameters exist. Global minimum
 * 0.2 with model "tree", depth 6, lr 10^-1.5.
 */
function conditional(trial) {
  const model = trial.suggestCategorical("model", ["linear", "tree", "knn", "svm"]);
  if (model === "linear") {
    const alpha = trial.suggestFloat("alpha", 1e-5, 10, { log: true });
    const l1Ratio = trial.suggestFloat("l1Ratio", 0, 1);
    return 0.5 + (Math.log10(alpha) + 3) ** 2 / 4 + (l1Ratio - 0.3) ** 2;
  }
  if (model === "tree") {
    const depth = trial.suggestInt("depth", 1, 12);
    const lr = trial.suggestFloat("lr", 1e-3, 1, { log: true });
    return 0.2 + (depth - 6) ** 2 / 16 + (Math.log10(lr) + 1.5) ** 2 / 2;
  }
  if (model === "knn") {
    const k = trial.suggestInt("k", 1, 64, { log: true });
    return 0.4 + (Math.log(k) - Math.log(15)) ** 2;
  }
  const c = trial.suggestFloat("c", 1e-3, 1e3, { log: true });
  const gamma = trial.suggestFloat("gamma", 1e-4, 1, { log: true });
  return 0.45 + (Math.log10(c) - 1) ** 2 / 4 + (Math.log10(gamma) + 2) ** 2 / 4;
}

export const PROBLEMS = {
  branin: { objective: branin, optimum: 0.397887 },
  rosenbrock4: { objective: rosenbrock4, optimum: 0 },
  styblinskiTang5: { objective: styblinskiTang5, optimum: -195.830828 },
  mixed6: { objective: mixed6, optimum: 0 },
  conditional: { objective: conditional, optimum: 0.2 },
};
