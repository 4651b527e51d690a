/**
 * scikit-learn's rules for grouping rare categories (`min_frequency`, `max_categories`) and for
 * choosing the dropped column (`drop`), shared by OneHotEncoder and OrdinalEncoder.
 *
 * @module
 */

/**
 * Indices of the categories that count as infrequent, or an empty array.
 * `minFrequency` ≥ 1 is a count, below 1 a fraction of `nSamples`; `maxCategories` caps the
 * output (the infrequent group counts as one), dropping the rarest first (stable on ties).
 *
 * @example
 * ```ts
 * infrequentIndices(Float64Array.of(50, 3, 40), 100, 5, undefined); // [1]
 * ```
 */
export function infrequentIndices(
  counts: Float64Array,
  nSamples: number,
  minFrequency: number | undefined,
  maxCategories: number | undefined,
): number[] {
  const infrequent = new Array<boolean>(counts.length).fill(false);
  if (minFrequency !== undefined) {
    const threshold = minFrequency >= 1 ? minFrequency : nSamples * minFrequency;
    counts.forEach((c, k) => {
      infrequent[k] = c < threshold;
    });
  }
  const nInfrequent = infrequent.filter(Boolean).length;
  const nOut = counts.length - nInfrequent + 1;
  if (maxCategories !== undefined && maxCategories < nOut) {
    const order = Array.from(counts.keys()).sort(
      (a, b) => (counts[a] as number) - (counts[b] as number) || a - b,
    );
    // NumPy's `order[: -maxCategories + 1]`: for maxCategories = 1 that slice is empty.
    const take = maxCategories > 1 ? Math.max(0, order.length - maxCategories + 1) : 0;
    for (const k of order.slice(0, take)) infrequent[k] = true;
  }
  return infrequent.flatMap((flag, k) => (flag ? [k] : []));
}

/**
 * Maps each category index to its grouped index: frequent categories keep their order, every
 * infrequent one maps to the last slot.
 *
 * @example
 * ```ts
 * groupedIndex(4, [1, 3]); // Int32Array [0, 2, 1, 2]
 * ```
 */
export function groupedIndex(nCategories: number, infrequent: readonly number[]): Int32Array {
  const isInfrequent = new Set(infrequent);
  const nFrequent = nCategories - isInfrequent.size;
  const out = new Int32Array(nCategories);
  let next = 0;
  for (let k = 0; k < nCategories; k++) out[k] = isInfrequent.has(k) ? nFrequent : next++;
  return out;
}
