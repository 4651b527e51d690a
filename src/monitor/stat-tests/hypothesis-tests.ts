import { pairwiseSum } from "../../core/index.js";
import { ksPValue, ksStatisticSorted } from "./ks-two-sample.js";
import { chiSquareSurvival, normalCdf } from "./special-functions.js";
import { alignCounts, categoryCounts, sortedNumbers, total } from "./stat-data.js";
import type { StatData, StatOptions, StatResult, StatTest } from "./types.js";

const P_LEVEL = 0.05;

/**
 * KS on two ascending NaN-free samples (the report sorts each column once for several tests).
 *
 * @example
 * ```ts
 * ksSorted(Float64Array.of(1, 2, 3), Float64Array.of(4, 5, 6)).pValue; // 0.1
 * ```
 */
export function ksSorted(a: Float64Array, b: Float64Array, threshold = P_LEVEL): StatResult {
  if (a.length === 0 || b.length === 0)
    return { statistic: 0, pValue: 1, threshold, drifted: false, effectSize: 0 };
  const d = ksStatisticSorted(a, b);
  const { statistic, pValue } = ksPValue(d, a.length, b.length);
  return { statistic, pValue, threshold, drifted: pValue < threshold, effectSize: statistic };
}

/**
 * Two-sample Kolmogorov–Smirnov (numeric): `scipy.stats.ks_2samp(reference, current)` with
 * method `auto`, exact p-value up to 10,000 values a side, asymptotic beyond. Drift at p < 0.05.
 *
 * @example
 * ```ts
 * statTests.ks.compute(Float64Array.of(1, 2, 3, 4), Float64Array.of(3, 4, 5, 6)).pValue;
 * ```
 */
export const ks: StatTest = {
  name: "ks",
  kinds: ["numeric"],
  defaultThreshold: P_LEVEL,
  usesPValue: true,
  compute(reference: StatData, current: StatData, options: StatOptions = {}): StatResult {
    return ksSorted(
      sortedNumbers(reference, "ks"),
      sortedNumbers(current, "ks"),
      options.threshold ?? P_LEVEL,
    );
  },
};

/** The no-drift verdict of a test with nothing to compare (one category, or an empty side). */
function noDrift(threshold: number): StatResult {
  return { statistic: 0, pValue: 1, threshold, drifted: false, effectSize: 0 };
}

/** Both sides' counts over the union of categories, or undefined when there is nothing to test. */
function comparableCounts(reference: StatData, current: StatData) {
  const { reference: r, current: c } = alignCounts(
    categoryCounts(reference),
    categoryCounts(current),
  );
  const n1 = total(r);
  const n2 = total(c);
  return r.length <= 1 || n1 === 0 || n2 === 0 ? undefined : { r, c, n1, n2 };
}

/** Total variation distance of two count vectors' shares. */
function totalVariation(r: Float64Array, c: Float64Array): number {
  const nr = total(r);
  const nc = total(c);
  if (nr === 0 || nc === 0) return 0;
  let s = 0;
  for (let i = 0; i < r.length; i++) s += Math.abs((r[i] as number) / nr - (c[i] as number) / nc);
  return s / 2;
}

/**
 * Chi-square goodness of fit as Evidently computes it: `scipy.stats.chisquare` of the current
 * counts against the reference proportions scaled to the current size, over the union of both
 * sides' categories. A category the reference never saw makes the statistic infinite (p = 0);
 * a single shared category is no drift (statistic 0, p = 1). Drift at p < 0.05.
 *
 * @example
 * ```ts
 * statTests.chiSquare.compute(new Map([["a", 50], ["b", 50]]), new Map([["a", 70], ["b", 30]]));
 * ```
 */
export const chiSquare: StatTest = {
  name: "chiSquare",
  kinds: ["categorical", "numeric"],
  defaultThreshold: P_LEVEL,
  usesPValue: true,
  compute(reference: StatData, current: StatData, options: StatOptions = {}): StatResult {
    const threshold = options.threshold ?? P_LEVEL;
    const counts = comparableCounts(reference, current);
    if (!counts) return noDrift(threshold);
    const { r, c, n1: nr, n2: nc } = counts;
    const scale = nc / nr;
    const terms = new Float64Array(r.length);
    for (let i = 0; i < r.length; i++) {
      const expected = (r[i] as number) * scale;
      const diff = (c[i] as number) - expected;
      terms[i] =
        expected === 0
          ? diff === 0
            ? Number.NaN
            : Number.POSITIVE_INFINITY
          : (diff * diff) / expected;
    }
    const statistic = pairwiseSum(terms);
    const pValue = chiSquareSurvival(statistic, r.length - 1);
    return {
      statistic,
      pValue,
      threshold,
      drifted: pValue < threshold,
      effectSize: totalVariation(r, c),
    };
  },
};

/**
 * The two-proportion z-test (binary columns), Evidently's statistic: the share of the first
 * category in each sample, pooled standard error. The p-value is the two-sided normal tail
 * 2·Φ(−|z|), the same quantity as Evidently's 2·(1 − Φ(|z|)) without its rounding in the far
 * tail. Both samples holding one and the same value is no drift (p = 1). Drift at p < 0.05.
 *
 * @example
 * ```ts
 * statTests.zTest.compute(new Map([["yes", 40], ["no", 60]]), new Map([["yes", 55], ["no", 45]]));
 * ```
 */
export const zTest: StatTest = {
  name: "zTest",
  kinds: ["categorical", "numeric"],
  defaultThreshold: P_LEVEL,
  usesPValue: true,
  compute(reference: StatData, current: StatData, options: StatOptions = {}): StatResult {
    const threshold = options.threshold ?? P_LEVEL;
    const counts = comparableCounts(reference, current);
    if (!counts) return noDrift(threshold);
    const { r, c, n1, n2 } = counts;
    // Evidently codes the first category as 0 and every other as 1: p is the share of the rest.
    const p1 = (n1 - (r[0] as number)) / n1;
    const p2 = (n2 - (c[0] as number)) / n2;
    const pooled = (p1 * n1 + p2 * n2) / (n1 + n2);
    const z = (p1 - p2) / Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
    const pValue = 2 * normalCdf(-Math.abs(z));
    return {
      statistic: z,
      pValue,
      threshold,
      drifted: pValue < threshold,
      effectSize: totalVariation(r, c),
    };
  },
};
