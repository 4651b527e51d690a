/**
 * The quantiles a profile reports, as fractions.
 *
 * @example
 * ```ts
 * quantilesInPlace(values, PROFILE_QUANTILES);
 * ```
 */
export const PROFILE_QUANTILES = [0.05, 0.25, 0.5, 0.75, 0.95] as const;

/**
 * Summary statistics of the non-missing values of a numeric or timestamp column.
 *
 * @example
 * ```ts
 * const { mean, std, quantiles } = summarizeNumbers(frame.numeric("tenure"));
 * ```
 */
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
 * `scratch` (at least `values.length` doubles) and `distinctWorkspace` (see {@link countDistinct})
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
  distinctWorkspace?: DistinctWorkspace,
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
  const distinct = countDistinct(data, distinctWorkspace);
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
 * Linear-interpolated quantiles of non-missing numbers; may reorder `data`. Each needs two
 * order statistics, x[⌊h⌋] and x[⌊h⌋ + 1]. Large inputs find them with a histogram: one pass
 * counts the values into 65,536 equal-width bins between min and max (binning is monotonic,
 * so bins hold consecutive ranks), a second copies out only the few bins holding the wanted
 * ranks, and selection runs inside those. Small inputs, or a spread too wide to bin, use
 * middle-first quickselect on the whole array.
 *
 * @example
 * ```ts
 * quantilesInPlace(Float64Array.of(4, 1, 3, 2), [0.5]); // [2.5]
 * ```
 */
export function quantilesInPlace(data: Float64Array, qs: readonly number[]): number[] {
  const n = data.length;
  const ranks = [
    ...new Set(
      qs.flatMap((q) => {
        const h = (n - 1) * q;
        const lo = Math.floor(h);
        return h > lo && lo + 1 < n ? [lo, lo + 1] : [lo];
      }),
    ),
  ].sort((a, b) => a - b);
  const values = orderStatistics(data, ranks);
  return qs.map((q) => {
    const h = (n - 1) * q;
    const lo = Math.floor(h);
    const low = values.get(lo) as number;
    if (h === lo || lo + 1 >= n) return low;
    return low + (h - lo) * ((values.get(lo + 1) as number) - low);
  });
}

const HISTOGRAM_BINS = 65536;

/** The values at the given ascending ranks (0-based) of `data`. */
function orderStatistics(data: Float64Array, ranks: readonly number[]): Map<number, number> {
  const n = data.length;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const v = data[i] as number;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const scale = HISTOGRAM_BINS / (max - min);
  if (n < 8 * HISTOGRAM_BINS || !(max > min) || !Number.isFinite(scale) || scale === 0) {
    selectMany(data, ranks, 0, ranks.length - 1, 0, n - 1);
    return new Map(ranks.map((r) => [r, data[r] as number]));
  }
  const last = HISTOGRAM_BINS - 1;
  const counts = new Int32Array(HISTOGRAM_BINS);
  for (let i = 0; i < n; i++) {
    const b = Math.min(last, ((data[i] as number) - min) * scale) | 0;
    counts[b] = (counts[b] as number) + 1;
  }
  // Which bin holds each rank, and where that bin starts in sorted order.
  const slotOfBin = new Int32Array(HISTOGRAM_BINS).fill(-1);
  const slotStart: number[] = [];
  const slotSize: number[] = [];
  const rankSlot: number[] = [];
  let bin = 0;
  let start = 0;
  for (const rank of ranks) {
    while (start + (counts[bin] as number) <= rank) {
      start += counts[bin] as number;
      bin++;
    }
    if (slotOfBin[bin] === -1) {
      slotOfBin[bin] = slotStart.length;
      slotStart.push(start);
      slotSize.push(counts[bin] as number);
    }
    rankSlot.push(slotOfBin[bin] as number);
  }
  const buffers = slotSize.map((size) => new Float64Array(size));
  const fill = new Int32Array(buffers.length);
  for (let i = 0; i < n; i++) {
    const v = data[i] as number;
    const slot = slotOfBin[Math.min(last, (v - min) * scale) | 0] as number;
    if (slot < 0) continue;
    const at = fill[slot] as number;
    (buffers[slot] as Float64Array)[at] = v;
    fill[slot] = at + 1;
  }
  const out = new Map<number, number>();
  ranks.forEach((rank, i) => {
    const slot = rankSlot[i] as number;
    const buffer = buffers[slot] as Float64Array;
    const k = rank - (slotStart[slot] as number);
    select(buffer, k, 0, buffer.length - 1);
    out.set(rank, buffer[k] as number);
  });
  return out;
}

/** Selects `positions[from..to]` (ascending) within `data[left..right]`, middle first. */
function selectMany(
  data: Float64Array,
  positions: readonly number[],
  from: number,
  to: number,
  left: number,
  right: number,
): void {
  if (from > to) return;
  const middle = (from + to) >>> 1;
  const k = positions[middle] as number;
  select(data, k, left, right);
  selectMany(data, positions, from, middle - 1, left, k - 1);
  selectMany(data, positions, middle + 1, to, k + 1, right);
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
 * Reusable buffers for {@link countDistinct}, so that profiling many columns allocates once.
 *
 * @example
 * ```ts
 * const workspace = { partition: new Float64Array(n), table: new Float64Array(BUCKET_TABLE_SIZE) };
 * ```
 */
export interface DistinctWorkspace {
  /** At least as long as the data. */
  readonly partition: Float64Array;
  /** At least {@link BUCKET_TABLE_SIZE} long. */
  readonly table: Float64Array;
}

const BUCKET_BITS = 8;
/**
 * Hash tables stay this small (32 KiB) so that probing stays in the CPU cache.
 *
 * @example
 * ```ts
 * new Float64Array(BUCKET_TABLE_SIZE); // a reusable bucket table for countDistinct
 * ```
 */
export const BUCKET_TABLE_SIZE = 4096;

/**
 * The number of distinct values among non-NaN doubles, exactly. Probing one hash table the
 * size of the data misses the CPU cache on nearly every value, so large inputs are first
 * scattered into 256 buckets by the top bits of their hash (two sequential passes), and each
 * bucket is counted with a small open-addressing table keyed on the doubles' bits. (A
 * `Set<number>` is several times slower.)
 *
 * @example
 * ```ts
 * countDistinct(Float64Array.of(1, 2, 2, 3)); // 3
 * ```
 */
export function countDistinct(data: Float64Array, workspace?: DistinctWorkspace): number {
  const n = data.length;
  const buckets = 1 << BUCKET_BITS;
  if (n <= BUCKET_TABLE_SIZE / 2) return countInTable(data, new Float64Array(BUCKET_TABLE_SIZE));
  const bits = new Uint32Array(data.buffer, data.byteOffset, n * 2);
  const starts = new Int32Array(buckets + 1);
  for (let i = 0; i < n; i++) {
    const b = (hashAt(bits, i) >>> (32 - BUCKET_BITS)) + 1;
    starts[b] = (starts[b] as number) + 1;
  }
  for (let b = 0; b < buckets; b++)
    starts[b + 1] = (starts[b + 1] as number) + (starts[b] as number);
  const partition =
    workspace && workspace.partition.length >= n ? workspace.partition : new Float64Array(n);
  const fill = starts.slice(0, buckets);
  for (let i = 0; i < n; i++) {
    const b = hashAt(bits, i) >>> (32 - BUCKET_BITS);
    const at = fill[b] as number;
    partition[at] = data[i] as number;
    fill[b] = at + 1;
  }
  let largest = 0;
  for (let b = 0; b < buckets; b++) {
    largest = Math.max(largest, (starts[b + 1] as number) - (starts[b] as number));
  }
  const tableSize = Math.max(BUCKET_TABLE_SIZE, hashTableSize(largest));
  const table =
    workspace && workspace.table.length >= tableSize
      ? workspace.table
      : new Float64Array(tableSize);
  let distinct = 0;
  for (let b = 0; b < buckets; b++) {
    distinct += countInTable(
      partition.subarray(starts[b] as number, starts[b + 1] as number),
      table,
    );
  }
  return distinct;
}

/** Counts distinct values with one open-addressing table (NaN marks an empty slot). */
function countInTable(values: Float64Array, workspace: Float64Array): number {
  const n = values.length;
  if (n === 0) return 0;
  const size = hashTableSize(n);
  const mask = size - 1;
  const table = workspace.subarray(0, size).fill(Number.NaN);
  const bits = new Uint32Array(values.buffer, values.byteOffset, n * 2);
  let distinct = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    let slot = hashAt(bits, i) & mask;
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

/** A 32-bit mix of the two halves of the i-th double's bits. */
function hashAt(bits: Uint32Array, i: number): number {
  let h = Math.imul(
    (bits[2 * i] as number) ^ Math.imul(bits[2 * i + 1] as number, 0x9e3779b1),
    0x85ebca6b,
  );
  h ^= h >>> 15;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 13)) >>> 0;
}

/**
 * The size of the hash table used for `n` values: the power of two at or above 2n, so that
 * the table is at most half full.
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
