import { alignCounts, categoryCounts, isCounts, sortedNumbers } from "./stat-data.js";
import type { StatData } from "./types.js";

/**
 * Numeric columns with at most this many distinct values (over both samples) are compared as
 * categories by the binned tests, as Evidently does.
 */
export const MAX_DISTINCT_AS_CATEGORIES = 20;

/** Counts of both samples over the same bins. */
export interface BinnedCounts {
  readonly reference: Float64Array;
  readonly current: Float64Array;
}

/**
 * Counts both samples over shared bins: categories (the union of both sides) for counts or
 * numbers with at most 20 distinct values, else `np.histogram_bin_edges(both, bins="sturges")`:
 * ⌈log₂ n + 1⌉ equal-width bins over the range of both samples, the last bin closed.
 *
 * @example
 * ```ts
 * const { reference, current } = sharedBins(refValues, curValues);
 * ```
 */
export function sharedBins(reference: StatData, current: StatData, test: string): BinnedCounts {
  if (isCounts(reference) || isCounts(current)) {
    return alignCounts(categoryCounts(reference), categoryCounts(current));
  }
  const a = sortedNumbers(reference, test);
  const b = sortedNumbers(current, test);
  return sharedBinsSorted(a, b);
}

/**
 * {@link sharedBins} for two ascending NaN-free samples.
 *
 * @example
 * ```ts
 * sharedBinsSorted(Float64Array.of(1, 2), Float64Array.of(2, 3));
 * ```
 */
export function sharedBinsSorted(a: Float64Array, b: Float64Array): BinnedCounts {
  const distinct = distinctValuesUpTo(a, b, MAX_DISTINCT_AS_CATEGORIES + 1);
  if (distinct.length <= MAX_DISTINCT_AS_CATEGORIES) {
    return { reference: countAt(a, distinct), current: countAt(b, distinct) };
  }
  const edges = sturgesEdges(a, b);
  return { reference: histogramSorted(a, edges), current: histogramSorted(b, edges) };
}

/**
 * The distinct values of two sorted samples, ascending, stopping once `limit` are found.
 *
 * @example
 * ```ts
 * distinctValuesUpTo(Float64Array.of(0, 1), Float64Array.of(1, 2), 10); // [0, 1, 2]
 * ```
 */
export function distinctValuesUpTo(a: Float64Array, b: Float64Array, limit: number): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while ((i < a.length || j < b.length) && out.length < limit) {
    const va = i < a.length ? (a[i] as number) : Number.POSITIVE_INFINITY;
    const vb = j < b.length ? (b[j] as number) : Number.POSITIVE_INFINITY;
    const v = Math.min(va, vb);
    out.push(v);
    while (i < a.length && (a[i] as number) === v) i++;
    while (j < b.length && (b[j] as number) === v) j++;
  }
  return out;
}

function countAt(sorted: Float64Array, values: readonly number[]): Float64Array {
  const out = new Float64Array(values.length);
  let i = 0;
  values.forEach((v, k) => {
    const start = i;
    while (i < sorted.length && (sorted[i] as number) === v) i++;
    out[k] = i - start;
  });
  return out;
}

/**
 * NumPy's Sturges bin edges over both samples: width = range / (log₂ n + 1), ⌈range / width⌉
 * bins, edges `first + i·step` with the last edge the maximum (as `np.linspace`).
 *
 * @example
 * ```ts
 * sturgesEdges(Float64Array.of(0, 1), Float64Array.of(2, 3)); // 3 bins over [0, 3]
 * ```
 */
export function sturgesEdges(a: Float64Array, b: Float64Array): Float64Array {
  const n = a.length + b.length;
  let first = Math.min(a[0] ?? Number.POSITIVE_INFINITY, b[0] ?? Number.POSITIVE_INFINITY);
  let last = Math.max(
    a[a.length - 1] ?? Number.NEGATIVE_INFINITY,
    b[b.length - 1] ?? Number.NEGATIVE_INFINITY,
  );
  const ptp = last - first;
  if (first === last) {
    first -= 0.5;
    last += 0.5;
  }
  const width = ptp / (Math.log2(n) + 1);
  // A range wider than the largest double (±1.7e308) overflows to Infinity: Sturges' bin count
  // still holds, and the step is taken from halves so that it stays finite.
  const bins = !Number.isFinite(ptp)
    ? Math.ceil(Math.log2(n) + 1)
    : width
      ? Math.ceil((last - first) / width)
      : 1;
  const step = Number.isFinite(ptp) ? (last - first) / bins : last / bins - first / bins;
  const edges = new Float64Array(bins + 1);
  for (let i = 0; i < bins; i++) edges[i] = i * step + first;
  edges[bins] = last;
  return edges;
}

/**
 * Counts of an ascending sample in the bins [e₀, e₁), …, [e_{k-1}, e_k] (NumPy's histogram with
 * explicit edges); values outside the edges are not counted.
 *
 * @example
 * ```ts
 * histogramSorted(Float64Array.of(0, 1, 2), Float64Array.of(0, 1, 2)); // [1, 2]
 * ```
 */
export function histogramSorted(sorted: Float64Array, edges: Float64Array): Float64Array {
  const bins = edges.length - 1;
  const out = new Float64Array(bins);
  let i = 0;
  while (i < sorted.length && (sorted[i] as number) < (edges[0] as number)) i++;
  for (let k = 0; k < bins; k++) {
    const upper = edges[k + 1] as number;
    const start = i;
    if (k === bins - 1) while (i < sorted.length && (sorted[i] as number) <= upper) i++;
    else while (i < sorted.length && (sorted[i] as number) < upper) i++;
    out[k] = i - start;
  }
  return out;
}

/**
 * The interior cut points of reference deciles (linear interpolation at h = (n − 1)·q, duplicates
 * removed) that PSI bins numbers by: bin = number of cut points ≤ value.
 *
 * @example
 * ```ts
 * decileCuts(Float64Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)); // [2, 3, …, 10]
 * ```
 */
export function decileCuts(sortedReference: Float64Array): Float64Array {
  const n = sortedReference.length;
  const cuts: number[] = [];
  for (let d = 1; d <= 9; d++) {
    const h = (n - 1) * (d / 10);
    const lo = Math.floor(h);
    const low = sortedReference[lo] as number;
    const v =
      h === lo || lo + 1 >= n ? low : low + (h - lo) * ((sortedReference[lo + 1] as number) - low);
    if (cuts.length === 0 || v > (cuts[cuts.length - 1] as number)) cuts.push(v);
  }
  return Float64Array.from(cuts);
}

/**
 * Counts of an ascending sample in the bins cut at `cuts` (bin = number of cuts ≤ value).
 *
 * @example
 * ```ts
 * countByCuts(Float64Array.of(1, 2, 3), Float64Array.of(2)); // [1, 2]
 * ```
 */
export function countByCuts(sorted: Float64Array, cuts: Float64Array): Float64Array {
  const out = new Float64Array(cuts.length + 1);
  let bin = 0;
  for (let i = 0; i < sorted.length; i++) {
    const v = sorted[i] as number;
    while (bin < cuts.length && (cuts[bin] as number) <= v) bin++;
    out[bin] = (out[bin] as number) + 1;
  }
  return out;
}
