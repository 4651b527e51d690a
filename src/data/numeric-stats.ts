/** The quantiles a profile reports, as fractions. */
export const PROFILE_QUANTILES = [0.05, 0.25, 0.5, 0.75, 0.95] as const;

/** Summary statistics of the non-missing values of a numeric or timestamp column. */
export interface NumericSummary {
  readonly count: number;
  readonly missing: number;
  readonly distinct: number;
  readonly min: number | null;
  readonly max: number | null;
  readonly mean: number | null;
  /** Sample standard deviation (n - 1 in the denominator, as pandas' `describe`). */
  readonly std: number | null;
  /** The values at {@link PROFILE_QUANTILES}, in that order. */
  readonly quantiles: readonly number[] | null;
}

/**
 * Summarises numbers (NaN = missing) in linear time: one pass for count, min, max and mean,
 * one for the variance (two-pass, for accuracy), quantiles by selection instead of a full
 * sort, and distinct values counted with an open-addressing hash set of the doubles.
 * Quantiles interpolate linearly between the two nearest order statistics, pandas' and
 * NumPy's default: at q the position is h = (n - 1) q and the value
 * x[⌊h⌋] + (h - ⌊h⌋)(x[⌊h⌋ + 1] - x[⌊h⌋]).
 *
 * `scratch` (at least `values.length` doubles) and `hashWorkspace` (see {@link countDistinct})
 * may be passed to reuse buffers across columns.
 *
 * @example
 * ```ts
 * const s = summarizeNumbers(Float64Array.of(1, 2, 3, 4, Number.NaN));
 * // s.count 4, s.missing 1, s.mean 2.5, s.quantiles[2] (the median) 2.5
 * ```
 */
export function summarizeNumbers(
  values: Float64Array,
  scratch?: Float64Array,
  hashWorkspace?: Float64Array,
): NumericSummary {
  const n = values.length;
  const present = scratch && scratch.length >= n ? scratch.subarray(0, n) : new Float64Array(n);
  let count = 0;
  let sum = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    if (Number.isNaN(v)) continue;
    // `+ 0` turns -0 into 0 so the two count as one distinct value.
    present[count++] = v + 0;
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const missing = n - count;
  if (count === 0) {
    return {
      count,
      missing,
      distinct: 0,
      min: null,
      max: null,
      mean: null,
      std: null,
      quantiles: null,
    };
  }
  const data = present.subarray(0, count);
  const mean = sum / count;
  let squares = 0;
  for (let i = 0; i < count; i++) {
    const d = (data[i] as number) - mean;
    squares += d * d;
  }
  const std = count > 1 ? Math.sqrt(squares / (count - 1)) : null;
  // Counting distinct values before selection, which reorders `data`, keeps no extra copy.
  const distinct = countDistinct(data, hashWorkspace);
  return {
    count,
    missing,
    distinct,
    min,
    max,
    mean,
    std,
    quantiles: quantilesInPlace(data, PROFILE_QUANTILES),
  };
}

/**
 * Linear-interpolated quantiles of non-missing numbers, computed by selection; reorders
 * `data`. `qs` must be ascending.
 *
 * @example
 * ```ts
 * quantilesInPlace(Float64Array.of(4, 1, 3, 2), [0.5]); // [2.5]
 * ```
 */
export function quantilesInPlace(data: Float64Array, qs: readonly number[]): number[] {
  const n = data.length;
  const out: number[] = [];
  let from = 0;
  for (const q of qs) {
    const h = (n - 1) * q;
    const lo = Math.floor(h);
    if (lo >= from) {
      select(data, lo, from, n - 1);
      from = lo;
    }
    const low = data[lo] as number;
    if (h === lo || lo + 1 >= n) {
      out.push(low);
      continue;
    }
    // After selecting position lo, the next order statistic is the minimum to its right.
    let high = Number.POSITIVE_INFINITY;
    for (let i = lo + 1; i < n; i++) if ((data[i] as number) < high) high = data[i] as number;
    out.push(low + (h - lo) * (high - low));
  }
  return out;
}

/** Hoare-style quickselect (median-of-three pivots): puts the k-th smallest at `k`. */
function select(a: Float64Array, k: number, left: number, right: number): void {
  let l = left;
  let r = right;
  while (r > l) {
    const mid = (l + r) >>> 1;
    const x = a[l] as number;
    const y = a[mid] as number;
    const z = a[r] as number;
    const pivot = Math.max(Math.min(x, y), Math.min(Math.max(x, y), z)); // median of three
    let i = l;
    let j = r;
    while (i <= j) {
      while ((a[i] as number) < pivot) i++;
      while ((a[j] as number) > pivot) j--;
      if (i <= j) {
        const t = a[i] as number;
        a[i] = a[j] as number;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) r = j;
    else if (k >= i) l = i;
    else return;
  }
}

/**
 * The number of distinct values among non-NaN doubles, exactly, with an open-addressing
 * hash set keyed on the doubles' bits (a `Set<number>` is several times slower). Pass a
 * `workspace` of at least {@link hashTableSize}(n) doubles to avoid allocating one.
 *
 * @example
 * ```ts
 * countDistinct(Float64Array.of(1, 2, 2, 3)); // 3
 * ```
 */
export function countDistinct(data: Float64Array, workspace?: Float64Array): number {
  const n = data.length;
  if (n === 0) return 0;
  const size = hashTableSize(n);
  const mask = size - 1;
  // A table passed in is reused (profiling 50 columns allocates one, not 50).
  const table = (
    workspace && workspace.length >= size ? workspace.subarray(0, size) : new Float64Array(size)
  ).fill(Number.NaN);
  const bits = new Uint32Array(data.buffer, data.byteOffset, n * 2);
  let distinct = 0;
  for (let i = 0; i < n; i++) {
    const v = data[i] as number;
    let slot = Math.imul(
      (bits[2 * i] as number) ^ Math.imul(bits[2 * i + 1] as number, 0x9e3779b1),
      0x85ebca6b,
    );
    slot = (slot ^ (slot >>> 15)) & mask;
    for (;;) {
      const held = table[slot] as number;
      if (held === v) break;
      if (Number.isNaN(held)) {
        table[slot] = v;
        distinct++;
        break;
      }
      slot = (slot + 1) & mask;
    }
  }
  return distinct;
}

/**
 * The size of the hash table {@link countDistinct} uses for `n` values: the power of two at
 * or above 2n, so that the table is at most half full.
 *
 * @example
 * ```ts
 * hashTableSize(1000); // 2048
 * ```
 */
export function hashTableSize(n: number): number {
  let size = 16;
  while (size < n * 2) size *= 2;
  return size;
}
