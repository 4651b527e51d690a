/**
 * NumPy 1.24's default `np.argsort` (kind "quicksort": an introsort) for numbers, step for
 * step. It is not stable, so the order it gives tied values is part of scikit-learn's
 * behaviour wherever ties are broken by an argsort — `GroupKFold` orders groups of equal size
 * this way. Partitions of up to 16 elements (a span of 15) are insertion-sorted (stable there); larger ones
 * are split around a median of three; past 2·log2(n) levels NumPy falls back to a heapsort,
 * ported as well.
 *
 * @module
 */

const SMALL_QUICKSORT = 15;

/**
 * The permutation that sorts `values` ascending, exactly as NumPy 1.24's `np.argsort(values)`.
 *
 * @example
 * ```ts
 * numpyArgsort([3, 1, 2]); // Int32Array [1, 2, 0]
 * ```
 */
export function numpyArgsort(values: ArrayLike<number>): Int32Array {
  const v = values;
  const num = values.length;
  const tosort = Int32Array.from({ length: num }, (_, i) => i);
  if (num < 2) return tosort;
  const less = (a: number, b: number): boolean => (v[a] as number) < (v[b] as number);
  const swap = (i: number, j: number): void => {
    const t = tosort[i] as number;
    tosort[i] = tosort[j] as number;
    tosort[j] = t;
  };
  const stack: number[] = [];
  const depths: number[] = [];
  let pl = 0;
  let pr = num - 1;
  let cdepth = msb(num) * 2;
  for (;;) {
    if (cdepth < 0) {
      heapsortRange(tosort, pl, pr - pl + 1, less);
    } else {
      while (pr - pl > SMALL_QUICKSORT) {
        const pm = pl + ((pr - pl) >> 1);
        if (less(tosort[pm] as number, tosort[pl] as number)) swap(pm, pl);
        if (less(tosort[pr] as number, tosort[pm] as number)) swap(pr, pm);
        if (less(tosort[pm] as number, tosort[pl] as number)) swap(pm, pl);
        const vp = tosort[pm] as number;
        let pi = pl;
        let pj = pr - 1;
        swap(pm, pj);
        for (;;) {
          do ++pi;
          while (less(tosort[pi] as number, vp));
          do --pj;
          while (less(vp, tosort[pj] as number));
          if (pi >= pj) break;
          swap(pi, pj);
        }
        swap(pi, pr - 1);
        // Push the larger partition, continue with the smaller one.
        if (pi - pl < pr - pi) {
          stack.push(pi + 1, pr);
          pr = pi - 1;
        } else {
          stack.push(pl, pi - 1);
          pl = pi + 1;
        }
        depths.push(--cdepth);
      }
      for (let pi = pl + 1; pi <= pr; pi++) {
        const vi = tosort[pi] as number;
        let pj = pi;
        while (pj > pl && less(vi, tosort[pj - 1] as number)) {
          tosort[pj] = tosort[pj - 1] as number;
          pj--;
        }
        tosort[pj] = vi;
      }
    }
    if (stack.length === 0) break;
    pr = stack.pop() as number;
    pl = stack.pop() as number;
    cdepth = depths.pop() as number;
  }
  return tosort;
}

/** The index of the most significant set bit (NumPy's `npy_get_msb`). */
function msb(n: number): number {
  let depth = 0;
  for (let u = n >>> 1; u > 0; u >>>= 1) depth++;
  return depth;
}

/**
 * The permutation NumPy 1.24's `np.argsort(values, kind="heapsort")` gives: the fallback that
 * {@link numpyArgsort} switches to on a partition that recursed too deep.
 *
 * @example
 * ```ts
 * numpyHeapArgsort([2, 1, 2]); // Int32Array [1, 2, 0]: unstable, the tie comes out reversed
 * ```
 */
export function numpyHeapArgsort(values: ArrayLike<number>): Int32Array {
  const tosort = Int32Array.from({ length: values.length }, (_, i) => i);
  heapsortRange(tosort, 0, values.length, (a, b) => (values[a] as number) < (values[b] as number));
  return tosort;
}

/** NumPy's `aheapsort` on `tosort[start .. start + n)`, with its 1-based indexing. */
function heapsortRange(
  tosort: Int32Array,
  start: number,
  n: number,
  less: (a: number, b: number) => boolean,
): void {
  // a[k] is tosort[start + k - 1], as NumPy's `a = tosort - 1`.
  const get = (k: number): number => tosort[start + k - 1] as number;
  const set = (k: number, value: number): void => {
    tosort[start + k - 1] = value;
  };
  // Sift the entry at `top` down the heap of the first `limit` entries.
  const sift = (top: number, limit: number): void => {
    const tmp = get(top);
    let i = top;
    for (let j = top << 1; j <= limit; ) {
      if (j < limit && less(get(j), get(j + 1))) j += 1;
      if (!less(tmp, get(j))) break;
      set(i, get(j));
      i = j;
      j += j;
    }
    set(i, tmp);
  };
  for (let l = n >> 1; l > 0; --l) sift(l, n);
  for (let m = n; m > 1; ) {
    const tmp = get(m);
    set(m, get(1));
    set(1, tmp);
    m -= 1;
    sift(1, m);
  }
}
