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

export const PROBLEMS = {
  branin: { objective: branin, optimum: 0.397887 },
  rosenbrock4: { objective: rosenbrock4, optimum: 0 },
  styblinskiTang5: { objective: styblinskiTang5, optimum: -195.830828 },
};
