/**
 * Column statistics that ignore NaN, computed the way NumPy does so that fitted values match
 * scikit-learn's to the last few bits.
 *
 * @module
 */

import { pairwiseSum } from "../core/index.js";

/**
 * The non-NaN values of `values`, sorted ascending.
 *
 * @example
 * ```ts
 * finiteSorted(Float64Array.of(3, Number.NaN, 1)); // Float64Array [1, 3]
 * ```
 */
export function finiteSorted(values: Float64Array): Float64Array {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i] as number)) n++;
  const out = new Float64Array(n);
  let k = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isNaN(v)) out[k++] = v;
  }
  return out.sort();
}

/**
 * The `q`-th percentile (0–100) of sorted values with NumPy's default "linear" method, using
 * its two-sided lerp; NaN for an empty array.
 *
 * @example
 * ```ts
 * percentileSorted(Float64Array.of(1, 2, 3, 4), 50); // 2.5
 * ```
 */
export function percentileSorted(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  // NumPy's "linear" method, written as NumPy computes it (virtual index n·q + (1 − q) − 1).
  const quantile = q / 100;
  const position = n * quantile + (1 - quantile) - 1;
  const below = Math.floor(position);
  const lo = sorted[Math.min(Math.max(below, 0), n - 1)] as number;
  const hi = sorted[Math.min(Math.max(below + 1, 0), n - 1)] as number;
  const t = position - below;
  const diff = hi - lo;
  // NumPy's _lerp: interpolate from whichever end is nearer, for symmetric rounding.
  return t >= 0.5 ? hi - diff * (1 - t) : lo + diff * t;
}

/**
 * The median of sorted values (mean of the two middle ones for an even count), as `np.median`.
 *
 * @example
 * ```ts
 * medianSorted(Float64Array.of(1, 2, 3, 10)); // 2.5
 * ```
 */
export function medianSorted(sorted: Float64Array): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const mid = n >> 1;
  return n % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * Count, mean and population variance of the non-NaN values, as scikit-learn's
 * `_incremental_mean_and_var` computes them on a first batch: NumPy's pairwise `nansum` for the
 * sum (see `pairwiseSum`: a plain loop drifts by several ulps on columns around 1e9), then the
 * corrected two-pass variance of Chan, Golub and LeVeque, `(Σd² − (Σd)²/n) / n` with
 * `d = x − mean`, whose correction term cancels most of the rounding left in the mean.
 *
 * @example
 * ```ts
 * meanVariance(Float64Array.of(1, 3, Number.NaN)); // { count: 2, mean: 2, variance: 1 }
 * ```
 */
export function meanVariance(values: Float64Array): {
  count: number;
  mean: number;
  variance: number;
} {
  let count = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i] as number)) count++;
  if (count === 0) return { count, mean: Number.NaN, variance: Number.NaN };
  const mean = pairwiseSum(values, { nanAsZero: true }) / count;
  const deviations = new Float64Array(values.length);
  const squares = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const d = (values[i] as number) - mean;
    deviations[i] = d;
    squares[i] = d * d;
  }
  const correction = pairwiseSum(deviations, { nanAsZero: true });
  const unnormalised =
    pairwiseSum(squares, { nanAsZero: true }) - (correction * correction) / count;
  return { count, mean, variance: unnormalised / count };
}

/**
 * The mean of the non-NaN values as `np.ma.mean` (scikit-learn's mean imputer) computes it:
 * the pairwise sum with NaN counted as 0, divided by the count. NaN when there are none.
 *
 * @example
 * ```ts
 * nanMean(Float64Array.of(1, Number.NaN, 2)); // 1.5
 * ```
 */
export function nanMean(values: Float64Array): number {
  let count = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i] as number)) count++;
  return count === 0 ? Number.NaN : pairwiseSum(values, { nanAsZero: true }) / count;
}

/**
 * True when a column is constant up to rounding, scikit-learn's `_is_constant_feature`: the
 * variance is within the error that computing it on `count` values near `mean` can leave
 * (`var ≤ n·ε·var + (n·mean·ε)²`). A column of ten 0.1s has variance 1.9e-34, not 0; without
 * this test its scale would be 1.4e-17 and its standardised values ±1 instead of 0.
 *
 * @example
 * ```ts
 * const { count, mean, variance } = meanVariance(values);
 * isConstantFeature(variance, mean, count); // true for ten 0.1s
 * ```
 */
export function isConstantFeature(variance: number, mean: number, count: number): boolean {
  const drift = count * mean * Number.EPSILON;
  return variance <= count * Number.EPSILON * variance + drift * drift;
}

/**
 * Smallest and largest non-NaN values (NaN, NaN when there are none).
 *
 * @example
 * ```ts
 * minMax(Float64Array.of(2, Number.NaN, -1)); // { min: -1, max: 2 }
 * ```
 */
export function minMax(values: Float64Array): { min: number; max: number } {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let seen = false;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isNaN(v)) {
      seen = true;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  return seen ? { min, max } : { min: Number.NaN, max: Number.NaN };
}

/**
 * `count` evenly spaced values from `start` to `stop` inclusive, as `np.linspace` computes them.
 *
 * @example
 * ```ts
 * linspace(0, 1, 5); // Float64Array [0, 0.25, 0.5, 0.75, 1]
 * ```
 */
export function linspace(start: number, stop: number, count: number): Float64Array {
  const out = new Float64Array(count);
  const step = (stop - start) / (count - 1);
  for (let i = 0; i < count; i++) out[i] = i * step + start;
  if (count > 1) out[count - 1] = stop;
  return out;
}

/**
 * Values below this are treated as zero scale, as scikit-learn's `_handle_zeros_in_scale`.
 *
 * @example
 * ```ts
 * const scale = range < ZERO_SCALE ? 1 : range;
 * ```
 */
export const ZERO_SCALE = 10 * Number.EPSILON;
