import { KeelError } from "../../core/index.js";
import type { StatData } from "./types.js";

/**
 * The non-missing numbers of `data`, sorted ascending (a new array); ±Infinity counts as missing,
 * as Evidently replaces it with NaN before its tests.
 *
 * @example
 * ```ts
 * sortedNumbers([3, Number.NaN, 1], "ks"); // Float64Array [1, 3]
 * ```
 */
export function sortedNumbers(data: StatData, test: string): Float64Array {
  if (isCounts(data)) {
    throw new KeelError(
      "KEEL_ERR_INVALID_ARGUMENT",
      `The '${test}' test needs numbers, but got category counts.`,
      { details: { test } },
    );
  }
  const out = new Float64Array(data.length);
  let k = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i] as number;
    if (Number.isFinite(v)) out[k++] = v;
  }
  return out.subarray(0, k).sort();
}

/**
 * True when `data` is category counts rather than numbers.
 *
 * @example
 * ```ts
 * isCounts(new Map([["a", 1]])); // true
 * ```
 */
export function isCounts(data: StatData): data is ReadonlyMap<string, number> {
  return data instanceof Map;
}

/**
 * Category counts of `data`: counts as given (zero counts dropped), or each non-missing number
 * counted as its own category.
 *
 * @example
 * ```ts
 * categoryCounts([1, 1, 2]); // Map { "1" => 2, "2" => 1 }
 * ```
 */
export function categoryCounts(data: StatData): Map<string, number> {
  const out = new Map<string, number>();
  if (isCounts(data)) {
    for (const [k, v] of data) if (v > 0) out.set(k, v);
    return out;
  }
  for (let i = 0; i < data.length; i++) {
    const v = data[i] as number;
    if (Number.isNaN(v)) continue;
    const key = String(v);
    out.set(key, (out.get(key) ?? 0) + 1);
  }
  return out;
}

/**
 * The counts of both sides over the union of their categories, in one order.
 *
 * @example
 * ```ts
 * alignCounts(new Map([["a", 2]]), new Map([["b", 1]])); // { keys: ["a","b"], reference: [2,0], current: [0,1] }
 * ```
 */
export function alignCounts(
  reference: ReadonlyMap<string, number>,
  current: ReadonlyMap<string, number>,
): { keys: string[]; reference: Float64Array; current: Float64Array } {
  const keys = [...new Set([...reference.keys(), ...current.keys()])];
  return {
    keys,
    reference: Float64Array.from(keys, (k) => reference.get(k) ?? 0),
    current: Float64Array.from(keys, (k) => current.get(k) ?? 0),
  };
}

/**
 * Sum of an array.
 *
 * @example
 * ```ts
 * total(Float64Array.of(1, 2)); // 3
 * ```
 */
export function total(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i] as number;
  return s;
}
