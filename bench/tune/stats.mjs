// Two-sample statistics for bench/tune: is keel's best value distributed like Optuna's?
// Values are "losses" here (lower is better); callers negate maximised objectives first.
// Needs `npm run build` (keel's seeded Rng keeps the bootstrap interval the same every run).
import { join } from "node:path";

const { Rng } = await import(join(import.meta.dirname, "..", "..", "dist", "core", "index.js"));

/** Median of a list of numbers. */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 via erf; |error| < 1.5e-7). */
function normalCdf(z) {
  const t = 1 / (1 + 0.3275911 * (Math.abs(z) / Math.SQRT2));
  const poly =
    t *
    (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-(z * z) / 2);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/**
 * Mann–Whitney U test of `a` against `b` (lower is better): `pBetter` is the probability that a
 * random run of `a` ends lower than a random run of `b` (ties count half; 0.5 = no difference),
 * `p` the two-sided p-value from the normal approximation with tie and continuity corrections.
 */
export function mannWhitney(a, b) {
  const all = [...a.map((v) => ({ v, g: 0 })), ...b.map((v) => ({ v, g: 1 }))].sort(
    (x, y) => x.v - y.v,
  );
  const ranks = new Float64Array(all.length);
  let tieTerm = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j + 1 < all.length && all[j + 1].v === all[i].v) j++;
    const t = j - i + 1;
    tieTerm += t ** 3 - t;
    for (let k = i; k <= j; k++) ranks[k] = (i + j) / 2 + 1;
    i = j + 1;
  }
  const n1 = a.length;
  const n2 = b.length;
  let rankSumA = 0;
  all.forEach((x, i) => {
    if (x.g === 0) rankSumA += ranks[i];
  });
  // U counts pairs where a is the larger; a lower value is better, so pBetter = 1 − U/(n1·n2).
  const u = rankSumA - (n1 * (n1 + 1)) / 2;
  const mean = (n1 * n2) / 2;
  const n = n1 + n2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  const z = variance > 0 ? (Math.abs(u - mean) - 0.5) / Math.sqrt(variance) : 0;
  return { pBetter: 1 - u / (n1 * n2), p: Math.min(1, 2 * (1 - normalCdf(Math.max(z, 0)))) };
}

/**
 * Percentile bootstrap 95% interval of median(a) − median(b), resampling each side on its own
 * (the runs of the two samplers are independent even where the seed number matches).
 */
export function bootstrapMedianDiff(a, b, resamples = 4000, seed = 17) {
  const rng = new Rng(seed);
  const draw = (xs) => median(Array.from(xs, () => xs[Math.floor(rng.next() * xs.length)]));
  const diffs = Array.from({ length: resamples }, () => draw(a) - draw(b)).sort((x, y) => x - y);
  return [diffs[Math.floor(0.025 * resamples)], diffs[Math.ceil(0.975 * resamples) - 1]];
}

/** Two-sample Kolmogorov–Smirnov: the largest CDF gap D and its asymptotic p-value. */
export function ksTwoSample(a, b) {
  const x = [...a].sort((p, q) => p - q);
  const y = [...b].sort((p, q) => p - q);
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < x.length && j < y.length) {
    const v = Math.min(x[i], y[j]);
    while (i < x.length && x[i] <= v) i++;
    while (j < y.length && y[j] <= v) j++;
    d = Math.max(d, Math.abs(i / x.length - j / y.length));
  }
  const ne = (x.length * y.length) / (x.length + y.length);
  const lambda = (Math.sqrt(ne) + 0.12 + 0.11 / Math.sqrt(ne)) * d;
  let p = 0;
  for (let k = 1; k < 100; k++) p += 2 * (-1) ** (k - 1) * Math.exp(-2 * k * k * lambda * lambda);
  return { d, p: Math.min(1, Math.max(0, p)) };
}

/**
 * Two-sided exact sign test for paired runs: `better` pairs went one way, `worse` the other
 * (ties left out). The p-value of so uneven a split if each way were equally likely.
 */
export function signTest(better, worse) {
  const n = better + worse;
  if (n === 0) return 1;
  const k = Math.min(better, worse);
  // log C(n, i) − n log 2, summed over the tail i ≤ k, doubled for two sides.
  let logC = 0;
  let tail = 0;
  for (let i = 0; i <= k; i++) {
    if (i > 0) logC += Math.log(n - i + 1) - Math.log(i);
    tail += Math.exp(logC - n * Math.LN2);
  }
  return Math.min(1, 2 * tail);
}
