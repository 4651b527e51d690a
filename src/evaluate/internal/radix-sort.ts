/**
 * Sorting float64 scores fast. `Float64Array.prototype.sort` in Node 20 takes ~2.5 s for ten
 * million values; a least-significant-digit radix sort on the IEEE-754 bit patterns does it
 * in a fraction of that, which is what lets rocAuc on 10M scores keep up with numpy.
 */

const RADIX_BITS = 11;
const RADIX = 1 << RADIX_BITS;
const MASK = RADIX - 1;
/** Below this size the native sort is faster than six histogram passes. */
const NATIVE_SORT_BELOW = 4096;

/**
 * Returns the values sorted ascending in a new array (the input is left as it is). Values must
 * not be NaN (callers check); -0 sorts equal to +0 for every caller's purpose.
 *
 * @example
 * ```ts
 * sortAscending(Float64Array.of(0.3, 0.1, 0.2)); // Float64Array [0.1, 0.2, 0.3]
 * ```
 */
export function sortAscending(values: Float64Array): Float64Array {
  const n = values.length;
  // Bootstrap resamples arrive already in score order; checking costs one pass.
  if (isAscending(values)) return values.slice();
  if (n < NATIVE_SORT_BELOW) return Float64Array.from(values).sort();
  const words = new Uint32Array(values.buffer, values.byteOffset, n * 2);
  let lo = new Uint32Array(n);
  let hi = new Uint32Array(n);
  // Map each double to an unsigned 64-bit key that orders like the double: flip every bit of
  // negatives, only the sign bit of positives. Little-endian: the low word comes first.
  for (let i = 0; i < n; i++) {
    const l = words[2 * i]!;
    const h = words[2 * i + 1]!;
    if (h & 0x80000000) {
      lo[i] = ~l >>> 0;
      hi[i] = ~h >>> 0;
    } else {
      lo[i] = l;
      hi[i] = (h | 0x80000000) >>> 0;
    }
  }
  const counts = histograms(lo, hi);
  let loOut = new Uint32Array(n);
  let hiOut = new Uint32Array(n);
  for (let pass = 0; pass < 6; pass++) {
    const count = counts.subarray(pass * RADIX, (pass + 1) * RADIX);
    if (isSingleBucket(count, n)) continue; // every key has the same digit: nothing moves
    let total = 0;
    for (let b = 0; b < RADIX; b++) {
      const c = count[b]!;
      count[b] = total;
      total += c;
    }
    const key = pass < 3 ? lo : hi;
    const shift = (pass % 3) * RADIX_BITS;
    for (let i = 0; i < n; i++) {
      const digit = (key[i]! >>> shift) & MASK;
      const at = count[digit]!;
      count[digit] = at + 1;
      loOut[at] = lo[i]!;
      hiOut[at] = hi[i]!;
    }
    [lo, loOut] = [loOut, lo];
    [hi, hiOut] = [hiOut, hi];
  }
  const out = new Float64Array(n);
  const outWords = new Uint32Array(out.buffer);
  for (let i = 0; i < n; i++) {
    const h = hi[i]!;
    if (h & 0x80000000) {
      outWords[2 * i] = lo[i]!;
      outWords[2 * i + 1] = (h & 0x7fffffff) >>> 0;
    } else {
      outWords[2 * i] = ~lo[i]! >>> 0;
      outWords[2 * i + 1] = ~h >>> 0;
    }
  }
  return out;
}

/** One pass over the keys counting all six 11-bit digits at once. */
function histograms(lo: Uint32Array, hi: Uint32Array): Uint32Array {
  const counts = new Uint32Array(6 * RADIX);
  for (let i = 0; i < lo.length; i++) {
    const l = lo[i]!;
    const h = hi[i]!;
    counts[l & MASK]!++;
    counts[RADIX + ((l >>> RADIX_BITS) & MASK)]!++;
    counts[2 * RADIX + (l >>> (2 * RADIX_BITS))]!++;
    counts[3 * RADIX + (h & MASK)]!++;
    counts[4 * RADIX + ((h >>> RADIX_BITS) & MASK)]!++;
    counts[5 * RADIX + (h >>> (2 * RADIX_BITS))]!++;
  }
  return counts;
}

function isAscending(values: Float64Array): boolean {
  for (let i = 1; i < values.length; i++) if (values[i - 1]! > values[i]!) return false;
  return true;
}

function isSingleBucket(count: Uint32Array, n: number): boolean {
  for (let b = 0; b < RADIX; b++) {
    const c = count[b]!;
    if (c !== 0) return c === n;
  }
  return false;
}
