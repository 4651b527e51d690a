import { pairwiseSum } from "../../core/index.js";
import { countByCuts, decileCuts, sharedBins } from "./binning.js";
import { alignCounts, categoryCounts, isCounts, sortedNumbers, total } from "./stat-data.js";
import type { StatData, StatOptions, StatResult, StatTest } from "./types.js";

/** The share that replaces an empty bin in PSI and KL (Evidently's value), so logs stay finite. */
export const EMPTY_BIN_SHARE = 1e-4;

const DISTANCE = 0.1;

function result(statistic: number, threshold: number): StatResult {
  return { statistic, threshold, drifted: statistic >= threshold, effectSize: statistic };
}

function shares(counts: Float64Array, fillEmpty: boolean): Float64Array {
  const n = total(counts);
  return counts.map((v) => (fillEmpty && v === 0 ? EMPTY_BIN_SHARE : v / n));
}

/**
 * Wasserstein-1 distance of two ascending samples, the area between their empirical CDFs
 * (`scipy.stats.wasserstein_distance`), summed with Neumaier compensation.
 *
 * @example
 * ```ts
 * wassersteinSorted(Float64Array.of(0, 1), Float64Array.of(1, 2)); // 1
 * ```
 */
export function wassersteinSorted(a: Float64Array, b: Float64Array): number {
  const n1 = a.length;
  const n2 = b.length;
  let i = 0;
  let j = 0;
  let sum = 0;
  let comp = 0;
  let prev = Number.NaN;
  let cdfDiff = 0;
  while (i < n1 || j < n2) {
    const va = i < n1 ? (a[i] as number) : Number.POSITIVE_INFINITY;
    const vb = j < n2 ? (b[j] as number) : Number.POSITIVE_INFINITY;
    const v = Math.min(va, vb);
    if (!Number.isNaN(prev)) {
      const term = cdfDiff * (v - prev);
      const t = sum + term;
      comp += Math.abs(sum) >= Math.abs(term) ? sum - t + term : term - t + sum;
      sum = t;
    }
    while (i < n1 && (a[i] as number) === v) i++;
    while (j < n2 && (b[j] as number) === v) j++;
    cdfDiff = Math.abs(i / n1 - j / n2);
    prev = v;
  }
  return sum + comp;
}

/**
 * Population standard deviation as `np.std` computes it (pairwise sums).
 *
 * @example
 * ```ts
 * populationStd(Float64Array.of(1, 3)); // 1
 * ```
 */
export function populationStd(values: Float64Array): number {
  const n = values.length;
  if (n === 0) return Number.NaN;
  const std = plainPopulationStd(values, 1);
  if (Number.isFinite(std)) return std;
  // Squares (or the sum) overflowed, e.g. values near 1e300, where np.std says inf and a
  // Wasserstein shift would read as 0: rescale by the largest magnitude and scale back.
  let scale = 0;
  for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(values[i] as number));
  if (!Number.isFinite(scale) || scale === 0) return std;
  return scale * plainPopulationStd(values, scale);
}

function plainPopulationStd(values: Float64Array, scale: number): number {
  const n = values.length;
  const scaled = scale === 1 ? values : values.map((v) => v / scale);
  const mean = pairwiseSum(scaled) / n;
  const sq = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const d = (scaled[i] as number) - mean;
    sq[i] = d * d;
  }
  return Math.sqrt(pairwiseSum(sq) / n);
}

/**
 * The normalised Wasserstein distance as Evidently computes it: `wasserstein_distance` divided by
 * the reference's population standard deviation, at least 0.001.
 *
 * @example
 * ```ts
 * normalisedWasserstein(sortedRef, sortedCur, populationStd(sortedRef));
 * ```
 */
export function normalisedWasserstein(
  a: Float64Array,
  b: Float64Array,
  referenceStd: number,
): number {
  return wassersteinSorted(a, b) / Math.max(referenceStd, 0.001);
}

/**
 * Wasserstein distance (numeric) normalised by the reference standard deviation, as Evidently:
 * drift when ≥ 0.1.
 *
 * @example
 * ```ts
 * statTests.wasserstein.compute(Float64Array.of(1, 2, 3), Float64Array.of(2, 3, 4)).statistic;
 * ```
 */
export const wasserstein: StatTest = {
  name: "wasserstein",
  kinds: ["numeric"],
  defaultThreshold: DISTANCE,
  usesPValue: false,
  compute(reference: StatData, current: StatData, options: StatOptions = {}): StatResult {
    const a = sortedNumbers(reference, "wasserstein");
    const b = sortedNumbers(current, "wasserstein");
    if (a.length === 0 || b.length === 0) return result(0, options.threshold ?? DISTANCE);
    return result(normalisedWasserstein(a, b, populationStd(a)), options.threshold ?? DISTANCE);
  },
};

/**
 * Jensen–Shannon distance of two count vectors as `scipy.spatial.distance.jensenshannon`
 * (natural log): each normalised to shares, √(½·KL(p‖m) + ½·KL(q‖m)), m the mean.
 *
 * @example
 * ```ts
 * jensenShannonOfCounts(Float64Array.of(1, 0), Float64Array.of(0, 1)); // √ln 2
 * ```
 */
export function jensenShannonOfCounts(r: Float64Array, c: Float64Array): number {
  const p = shares(r, false);
  const q = shares(c, false);
  const left = new Float64Array(p.length);
  const right = new Float64Array(p.length);
  for (let i = 0; i < p.length; i++) {
    const m = ((p[i] as number) + (q[i] as number)) / 2;
    left[i] = relEntr(p[i] as number, m);
    right[i] = relEntr(q[i] as number, m);
  }
  const js = pairwiseSum(left) + pairwiseSum(right);
  return Math.sqrt(Math.max(0, js / 2));
}

function relEntr(x: number, y: number): number {
  if (x > 0 && y > 0) return x * Math.log(x / y);
  if (x === 0 && y >= 0) return 0;
  return Number.POSITIVE_INFINITY;
}

/**
 * Jensen–Shannon distance (any kind): category shares, or for numbers with more than 20
 * distinct values Sturges bins over both samples, as Evidently. Drift when ≥ 0.1.
 *
 * @example
 * ```ts
 * statTests.jensenShannon.compute(new Map([["a", 5], ["b", 5]]), new Map([["a", 9], ["b", 1]]));
 * ```
 */
export const jensenShannon: StatTest = {
  name: "jensenShannon",
  kinds: ["numeric", "categorical"],
  defaultThreshold: DISTANCE,
  usesPValue: false,
  compute(reference: StatData, current: StatData, options: StatOptions = {}): StatResult {
    const { reference: r, current: c } = sharedBins(reference, current, "jensenShannon");
    if (total(r) === 0 || total(c) === 0) return result(0, options.threshold ?? DISTANCE);
    return result(jensenShannonOfCounts(r, c), options.threshold ?? DISTANCE);
  },
};

/**
 * Hellinger distance (any kind) over the same bins as Jensen–Shannon:
 * √(Σ(√pᵢ − √qᵢ)²) / √2, between 0 and 1. Drift when ≥ 0.1.
 *
 * @example
 * ```ts
 * statTests.hellinger.compute(new Map([["a", 1]]), new Map([["b", 1]])).statistic; // 1
 * ```
 */
export const hellinger: StatTest = {
  name: "hellinger",
  kinds: ["numeric", "categorical"],
  defaultThreshold: DISTANCE,
  usesPValue: false,
  compute(reference: StatData, current: StatData, options: StatOptions = {}): StatResult {
    const { reference: r, current: c } = sharedBins(reference, current, "hellinger");
    if (total(r) === 0 || total(c) === 0) return result(0, options.threshold ?? DISTANCE);
    const p = shares(r, false);
    const q = shares(c, false);
    const terms = p.map((pi, i) => (Math.sqrt(pi) - Math.sqrt(q[i] as number)) ** 2);
    return result(Math.sqrt(pairwiseSum(terms)) / Math.SQRT2, options.threshold ?? DISTANCE);
  },
};

/**
 * Kullback–Leibler divergence KL(reference ‖ current) (any kind) over the Jensen–Shannon bins,
 * empty bins given the share 1e-4 on both sides and shares renormalised (`scipy.stats.entropy`),
 * as Evidently. Drift when ≥ 0.1.
 *
 * @example
 * ```ts
 * statTests.kl.compute(new Map([["a", 5], ["b", 5]]), new Map([["a", 9], ["b", 1]])).statistic;
 * ```
 */
export const kl: StatTest = {
  name: "kl",
  kinds: ["numeric", "categorical"],
  defaultThreshold: DISTANCE,
  usesPValue: false,
  compute(reference: StatData, current: StatData, options: StatOptions = {}): StatResult {
    const { reference: r, current: c } = sharedBins(reference, current, "kl");
    if (total(r) === 0 || total(c) === 0) return result(0, options.threshold ?? DISTANCE);
    return result(entropyOf(shares(r, true), shares(c, true)), options.threshold ?? DISTANCE);
  },
};

/** `scipy.stats.entropy(p, q)`: both renormalised, Σ p·ln(p/q). */
function entropyOf(p0: Float64Array, q0: Float64Array): number {
  const sp = pairwiseSum(p0);
  const sq = pairwiseSum(q0);
  const terms = p0.map((v, i) => relEntr(v / sp, (q0[i] as number) / sq));
  return pairwiseSum(terms);
}

/**
 * Population stability index (any kind): bins from the reference deciles for numbers (open
 * outer bins, so current values beyond the reference range count in the end bins), category
 * shares otherwise; empty bins get the share 1e-4. PSI = Σ (rᵢ − cᵢ)·ln(rᵢ / cᵢ). Drift when ≥ 0.1.
 *
 * @example
 * ```ts
 * statTests.psi.compute(referenceScores, currentScores).statistic;
 * ```
 */
export const psi: StatTest = {
  name: "psi",
  kinds: ["numeric", "categorical"],
  defaultThreshold: DISTANCE,
  usesPValue: false,
  compute(reference: StatData, current: StatData, options: StatOptions = {}): StatResult {
    let r: Float64Array;
    let c: Float64Array;
    if (isCounts(reference) || isCounts(current)) {
      ({ reference: r, current: c } = alignCounts(
        categoryCounts(reference),
        categoryCounts(current),
      ));
    } else {
      const a = sortedNumbers(reference, "psi");
      const b = sortedNumbers(current, "psi");
      if (a.length === 0 || b.length === 0) return result(0, options.threshold ?? DISTANCE);
      const cuts = decileCuts(a);
      r = countByCuts(a, cuts);
      c = countByCuts(b, cuts);
    }
    if (total(r) === 0 || total(c) === 0) return result(0, options.threshold ?? DISTANCE);
    return result(psiOfCounts(r, c), options.threshold ?? DISTANCE);
  },
};

/**
 * PSI of two count vectors over the same bins, empty bins at share 1e-4.
 *
 * @example
 * ```ts
 * psiOfCounts(Float64Array.of(50, 50), Float64Array.of(50, 50)); // 0
 * ```
 */
export function psiOfCounts(r: Float64Array, c: Float64Array): number {
  const p = shares(r, true);
  const q = shares(c, true);
  const terms = p.map((pi, i) => (pi - (q[i] as number)) * Math.log(pi / (q[i] as number)));
  return pairwiseSum(terms);
}
