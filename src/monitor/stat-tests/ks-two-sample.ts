/**
 * The two-sample Kolmogorov–Smirnov test exactly as `scipy.stats.ks_2samp` (method `auto`,
 * two-sided) computes it: the statistic from both empirical CDFs, an exact p-value when both
 * samples have at most 10,000 values (Hodges' lattice-path counting, Viehmann's recursion for
 * 1 − p, the closed form for equal sizes), else the asymptotic `kstwo` distribution.
 *
 * @module
 */

import { ksAsymptoticPValue } from "./kolmogorov.js";
import { roundHalfEven } from "./special-functions.js";

/** Above this size of either sample the p-value is asymptotic (SciPy's `MAX_AUTO_N`). */
export const KS_EXACT_MAX_N = 10_000;

/**
 * The KS statistic of two ascending, NaN-free samples: max |F₁(x) − F₂(x)|.
 *
 * @example
 * ```ts
 * ksStatisticSorted(Float64Array.of(1, 2, 3), Float64Array.of(2, 3, 4)); // 1/3
 * ```
 */
export function ksStatisticSorted(a: Float64Array, b: Float64Array): number {
  const n1 = a.length;
  const n2 = b.length;
  let i = 0;
  let j = 0;
  let maxS = 0;
  let minS = 0;
  while (i < n1 || j < n2) {
    const va = i < n1 ? (a[i] as number) : Number.POSITIVE_INFINITY;
    const vb = j < n2 ? (b[j] as number) : Number.POSITIVE_INFINITY;
    const v = Math.min(va, vb);
    while (i < n1 && (a[i] as number) === v) i++;
    while (j < n2 && (b[j] as number) === v) j++;
    const diff = i / n1 - j / n2;
    if (diff > maxS) maxS = diff;
    if (diff < minS) minS = diff;
  }
  return Math.max(maxS, -minS);
}

function gcd(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y) [x, y] = [y, x % y];
  return x;
}

/**
 * The two-sided p-value for statistic `d` with sample sizes `n1`, `n2` (SciPy's `auto` method).
 * Returns the statistic as SciPy reports it too (snapped to the lattice in the exact case).
 *
 * @example
 * ```ts
 * ksPValue(0.5, 10, 12); // { statistic: 0.5, pValue: 0.0825… }
 * ```
 */
export function ksPValue(d: number, n1: number, n2: number): { statistic: number; pValue: number } {
  if (Math.max(n1, n2) <= KS_EXACT_MAX_N) {
    const g = gcd(n1, n2);
    const lcm = (n1 / g) * n2;
    const h = roundHalfEven(d * lcm);
    const snapped = h / lcm;
    if (h === 0) return { statistic: snapped, pValue: 1 };
    const p = n1 === n2 ? probOutsideSquare(n1, h) : outerProbInside(n1, n2, g, h);
    if (Number.isFinite(p) && p >= 0 && p <= 1) return { statistic: snapped, pValue: p };
    return { statistic: snapped, pValue: ksAsymptoticPValue(snapped, n1, n2) };
  }
  return { statistic: d, pValue: ksAsymptoticPValue(d, n1, n2) };
}

/** Pr(D_{n,n} ≥ h/n) by the alternating binomial series in Horner form. */
function probOutsideSquare(n: number, h: number): number {
  let P = 0;
  let k = Math.floor(n / h);
  while (k >= 0) {
    let p1 = 1;
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1);
    P = p1 * (1 - P);
    k -= 1;
  }
  return 2 * P;
}

/** 1 − (share of lattice paths staying strictly inside the band), Viehmann's stable recursion. */
function outerProbInside(m0: number, n0: number, g: number, h: number): number {
  const m = Math.max(m0, n0);
  const n = Math.min(m0, n0);
  const mg = m / g;
  const ng = n / g;
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const lenA = Math.min(2 * maxj + 2, n + 1);
  const A = new Float64Array(lenA).fill(1);
  A.fill(0, minj, maxj);
  for (let i = 1; i <= m; i++) {
    const lastminj = minj;
    const lastlen = curlen;
    minj = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1;
    let val = minj === 0 ? 0 : 1;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      val = ((A[jj + minj - lastminj] as number) * i + val * j) / (i + j);
      A[jj] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) A.fill(1, maxj - minj, maxj - minj + (lastlen - curlen));
  }
  return A[maxj - minj - 1] as number;
}
