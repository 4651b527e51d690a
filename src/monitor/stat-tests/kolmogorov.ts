/**
 * The survival function of the two-sided one-sample Kolmogorov–Smirnov statistic D_n (SciPy's
 * `kstwo.sf`), which `ks_2samp` uses for its asymptotic p-value with n = round(m·n / (m + n)).
 * This follows SciPy's `_kolmogn` choice of method (Simard and L'Ecuyer 2011): Ruben–Gambino
 * closed forms at the ends, twice the one-sided Smirnov tail for large d, the Durbin matrix
 * (Marsaglia–Tsang–Wang) or Pomeranz recursion for small n, and the Pelz–Good expansion for
 * large n. The Smirnov tail sums the Birnbaum–Tingey series in log space with compensated
 * arguments instead of Cephes' double-double, which agrees to about 1e-12 relative.
 *
 * @module
 */

import { roundHalfEven } from "./special-functions.js";

const E128 = 128;
const P128 = 2 ** 128;
const M128 = 2 ** -128;
const MIN_LOG = -708.3964185322641;
const DBL_EPSILON = 2.220446049250313e-16;
const PI2 = Math.PI ** 2;
const PI4 = Math.PI ** 4;
const PI6 = Math.PI ** 6;
const SQRT2PI = Math.sqrt(2 * Math.PI);
const STIRLING = [
  -0.029550653594771242, 0.00641025641025641, -0.0019175269175269176, 0.0008417508417508417,
  -0.0005952380952380953, 0.0007936507936507937, -0.002777777777777778, 0.08333333333333333,
];

const clip = (p: number): number => (p < 0 ? 0 : Math.min(p, 1));

/**
 * P(D_n ≥ x) for the two-sided one-sample KS statistic with sample size `n`.
 *
 * @example
 * ```ts
 * kolmogorovSf(100, 0.2); // ≈ 5.9e-4
 * ```
 */
export function kolmogorovSf(n: number, x: number): number {
  if (!Number.isInteger(n) || n <= 0) return Number.NaN;
  if (x >= 1) return 0;
  if (x <= 0) return 1;
  const t = n * x;
  if (t <= 1) {
    if (t <= 0.5) return 1;
    let prob: number;
    if (n <= 140) {
      prob = 1;
      for (let i = 1; i <= n; i++) prob *= i * (1 / n) * (2 * t - 1);
    } else {
      prob = Math.exp(logFactorialOverPower(n) + n * Math.log(2 * t - 1));
    }
    return clip(1 - prob);
  }
  if (t >= n - 1) return clip(2 * (1 - x) ** n);
  if (x >= 0.5) return clip(2 * smirnovSf(n, x));
  const nxSquared = t * x;
  if (n <= 140) {
    if (nxSquared <= 0.754693) return clip(1 - durbinMatrixCdf(n, x));
    if (nxSquared <= 4) return clip(1 - pomeranzCdf(n, x));
    return clip(2 * smirnovSf(n, x));
  }
  if (nxSquared >= 370) return 0;
  if (nxSquared >= 2.2) return clip(2 * smirnovSf(n, x));
  const cdf = n <= 100_000 && n * x ** 1.5 <= 1.4 ? durbinMatrixCdf(n, x) : pelzGoodCdf(n, x);
  return clip(1 - cdf);
}

/** log(n! / n^n) by Stirling's series with n·log(n) taken out (SciPy's helper). */
function logFactorialOverPower(n: number): number {
  const rn = 1 / n;
  let poly = 0;
  for (const c of STIRLING) poly = poly * (rn / n) + c;
  return Math.log(n) / 2 - n + Math.log(2 * Math.PI) / 2 + rn * poly;
}

/** Pr(D_n ≤ d) by Durbin's matrix, Marsaglia–Tsang–Wang's scaled powering. */
function durbinMatrixCdf(n: number, d: number): number {
  if (d >= 1) return 1;
  const nd = n * d;
  if (nd <= 0.5) return 0;
  const k = Math.ceil(nd);
  const h = k - nd;
  const m = 2 * k - 1;
  const v = new Float64Array(m);
  const w = new Float64Array(m);
  let fac = 1;
  for (let j = 1; j <= m; j++) {
    w[j - 1] = fac;
    fac /= j;
    v[j - 1] = (1 - h ** j) * fac;
  }
  const tt = Math.max(2 * h - 1, 0) ** m - 2 * h ** m;
  v[m - 1] = (1 + tt) * fac;
  let H: Float64Array = new Float64Array(m * m);
  for (let i = 1; i < m; i++) for (let r = i - 1; r < m; r++) H[r * m + i] = w[r - i + 1] as number;
  for (let r = 0; r < m; r++) H[r * m] = v[r] as number;
  for (let c = 0; c < m; c++) H[(m - 1) * m + c] = v[m - 1 - c] as number;
  let power: Float64Array = new Float64Array(m * m);
  for (let i = 0; i < m; i++) power[i * m + i] = 1;
  let nn = n;
  let exponent = 0;
  let hExponent = 0;
  while (nn > 0) {
    if (nn % 2) {
      power = matmul(power, H, m);
      exponent += hExponent;
    }
    H = matmul(H, H, m);
    hExponent *= 2;
    if (Math.abs(H[(k - 1) * m + (k - 1)] as number) > P128) {
      for (let i = 0; i < H.length; i++) (H[i] as number) /= P128;
      hExponent += E128;
    }
    nn = Math.floor(nn / 2);
  }
  let p = power[(k - 1) * m + (k - 1)] as number;
  for (let i = 1; i <= n; i++) {
    p = (i * p) / n;
    if (Math.abs(p) < M128) {
      p *= P128;
      exponent -= E128;
    }
  }
  if (exponent !== 0) p *= 2 ** exponent;
  return clip(p);
}

function matmul(a: Float64Array, b: Float64Array, m: number): Float64Array {
  const out = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let l = 0; l < m; l++) {
      const x = a[i * m + l] as number;
      if (x === 0) continue;
      const row = l * m;
      const o = i * m;
      for (let j = 0; j < m; j++) out[o + j] = (out[o + j] as number) + x * (b[row + j] as number);
    }
  }
  return out;
}

function pomeranzBounds(
  i: number,
  n: number,
  ll: number,
  ceilf: number,
  roundf: number,
): [number, number] {
  let j1: number;
  let j2: number;
  if (i === 0) {
    j1 = -ll - ceilf - 1;
    j2 = ll + ceilf - 1;
  } else {
    const half = Math.floor((i + 1) / 2);
    if ((i + 1) % 2 === 0) {
      if (half === n + 1) {
        j1 = n - ll - ceilf - 1;
        j2 = n + ll + ceilf - 1;
      } else {
        j1 = half - 1 - ll - roundf - 1;
        j2 = half + ll - 1 + ceilf - 1;
      }
    } else {
      j1 = half - 1 - ll - 1;
      j2 = half + ll + roundf - 1;
    }
  }
  return [Math.max(j1 + 2, 0), Math.min(j2, n)];
}

/** Pr(D_n ≤ x) by Pomeranz's recursion (small n). */
function pomeranzCdf(n: number, x: number): number {
  const t = n * x;
  const ll = Math.floor(t);
  const f = t - ll;
  const g = Math.min(f, 1 - f);
  const ceilf = f > 0 ? 1 : 0;
  const roundf = f > 0.5 ? 1 : 0;
  const npwrs = 2 * (ll + 1);
  const gpower = new Float64Array(npwrs);
  const twogpower = new Float64Array(npwrs);
  const onem2gpower = new Float64Array(npwrs);
  gpower[0] = 1;
  twogpower[0] = 1;
  onem2gpower[0] = 1;
  let expnt = 0;
  for (let m = 1; m < npwrs; m++) {
    gpower[m] = ((gpower[m - 1] as number) * (g / n)) / m;
    twogpower[m] = ((twogpower[m - 1] as number) * ((2 * g) / n)) / m;
    onem2gpower[m] = ((onem2gpower[m - 1] as number) * ((1 - 2 * g) / n)) / m;
  }
  let V0 = new Float64Array(npwrs);
  let V1 = new Float64Array(npwrs);
  V1[0] = 1;
  let V0s = 0;
  let V1s = 0;
  let [j1, j2] = pomeranzBounds(0, n, ll, ceilf, roundf);
  for (let i = 1; i < 2 * n + 2; i++) {
    const k1 = j1;
    [V0, V1] = [V1, V0];
    [V0s, V1s] = [V1s, V0s];
    V1.fill(0);
    [j1, j2] = pomeranzBounds(i, n, ll, ceilf, roundf);
    const pwrs = i === 1 || i === 2 * n + 1 ? gpower : i % 2 ? twogpower : onem2gpower;
    const ln2 = j2 - k1 + 1;
    if (ln2 > 0) {
      const start = k1 - V0s;
      const convStart = j1 - k1;
      const convLen = j2 - j1 + 1;
      // conv[c] = Σ_a V0[start + a] · pwrs[c - a], for the entries kept.
      for (let c = 0; c < convLen; c++) {
        const idx = convStart + c;
        let s = 0;
        for (let a = Math.max(0, idx - ln2 + 1); a <= Math.min(idx, ln2 - 1); a++) {
          s += (V0[start + a] as number) * (pwrs[idx - a] as number);
        }
        V1[c] = s;
      }
      let max = 0;
      for (let c = 0; c < convLen; c++) if ((V1[c] as number) > max) max = V1[c] as number;
      if (max > 0 && max < M128) {
        for (let c = 0; c < V1.length; c++) (V1[c] as number) *= P128;
        expnt -= E128;
      }
      V1s = V0s + j1 - k1;
    }
  }
  let ans = V1[n - V1s] as number;
  for (let m = 1; m <= n; m++) {
    if (Math.abs(ans) > P128) {
      ans *= M128;
      expnt += E128;
    }
    ans *= m;
  }
  if (expnt !== 0) ans *= 2 ** expnt;
  return clip(ans);
}

/** The Pelz–Good approximation to Pr(D_n ≤ x) (large n). */
function pelzGoodCdf(n: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const z = Math.sqrt(n) * x;
  const z2 = z * z;
  const z3 = z2 * z;
  const z4 = z2 * z2;
  const z6 = z4 * z2;
  const qlog = -PI2 / 8 / z2;
  if (qlog < -708) return 0;
  let q = Math.exp(qlog);
  const k1a = -z2;
  const k1b = PI2 / 4;
  const k2a = 6 * z6 + 2 * z4;
  const k2b = ((2 * z4 - 5 * z2) * PI2) / 4;
  const k2c = (PI4 * (1 - 2 * z2)) / 16;
  const k3d = (PI6 * (5 - 30 * z2)) / 64;
  const k3c = (PI4 * (-60 * z2 + 212 * z4)) / 16;
  const k3b = (PI2 * (135 * z4 - 96 * z6)) / 4;
  const k3a = -30 * z6 - 90 * z ** 8;
  const K = [0, 0, 0, 0];
  const maxk = Math.ceil((16 * z) / Math.PI);
  for (let k = maxk; k > 0; k--) {
    const m = 2 * k - 1;
    const m2 = m * m;
    const m4 = m2 * m2;
    const m6 = m4 * m2;
    const qpower = q ** (8 * k);
    const coeffs = [
      1,
      k1a + k1b * m2,
      k2a + k2b * m2 + k2c * m4,
      k3a + k3b * m2 + k3c * m4 + k3d * m6,
    ];
    for (let i = 0; i < 4; i++) K[i] = (K[i] as number) * qpower + (coeffs[i] as number);
  }
  const divisors = [z, 6 * z4, 72 * z ** 7, 6480 * z ** 10];
  for (let i = 0; i < 4; i++) K[i] = ((K[i] as number) * q * SQRT2PI) / (divisors[i] as number);
  q = Math.exp(-PI2 / 2 / z2);
  let k2extra = 0;
  let k3extra = 0;
  const sqrt3z = Math.sqrt(3) * z;
  for (let k = maxk; k > 0; k--) {
    const k2 = k * k;
    const qp = q ** k2;
    k2extra += k2 * qp;
    const kpi = Math.PI * k;
    k3extra += (sqrt3z + kpi) * (sqrt3z - kpi) * k2 * qp;
  }
  K[2] = (K[2] as number) + (k2extra * PI2 * SQRT2PI) / (-36 * z3);
  K[3] = (K[3] as number) + (k3extra * PI2 * SQRT2PI) / (216 * z6);
  let sum = 0;
  for (let i = 0; i < 4; i++) sum += (K[i] as number) / n ** (i / 2);
  return sum;
}

/** Neumaier's compensated running sum. */
class CompensatedSum {
  #sum = 0;
  #comp = 0;

  add(x: number): void {
    const t = this.#sum + x;
    this.#comp += Math.abs(this.#sum) >= Math.abs(x) ? this.#sum - t + x : x - t + this.#sum;
    this.#sum = t;
  }

  value(): number {
    return this.#sum + this.#comp;
  }
}

/** a·b as an exact sum hi + lo (Dekker). */
function twoProduct(a: number, b: number): [number, number] {
  const p = a * b;
  const split = (v: number): [number, number] => {
    const c = 134217729 * v;
    const hi = c - (c - v);
    return [hi, v - hi];
  };
  const [ah, al] = split(a);
  const [bh, bl] = split(b);
  const err = ah * bh - p + ah * bl + al * bh + al * bl;
  return [p, err];
}

/** a + b as an exact sum hi + lo (Knuth). */
function twoSum(a: number, b: number): [number, number] {
  const s = a + b;
  const bb = s - a;
  return [s, a - (s - bb) + (b - bb)];
}

/** log(c/n + sign·x) with the quotient and sum carried to double-double before the log. */
function logOfRatioPlus(c: number, n: number, x: number): number {
  const q = c / n;
  const [p, pe] = twoProduct(q, n);
  const rem = (c - p - pe) / n;
  const [s, se] = twoSum(q, x);
  const lo = se + rem;
  return Math.log(s) + lo / s;
}

/**
 * The one-sided Smirnov tail P(D_n⁺ ≥ x) (SciPy's `smirnov`), by the Birnbaum–Tingey sum.
 *
 * @example
 * ```ts
 * smirnovSf(10, 0.3); // ≈ 0.1456
 * ```
 */
export function smirnovSf(n: number, x: number): number {
  if (!(n > 0 && x >= 0 && x <= 1)) return Number.NaN;
  if (n === 1) return 1 - x;
  if (x === 0) return 1;
  if (x === 1) return 0;
  const [nxHi, nxLo] = twoProduct(n, x);
  let nxfl = Math.floor(nxHi);
  let alpha = nxHi - nxfl + nxLo;
  if (alpha < 0) {
    nxfl -= 1;
    alpha += 1;
  }
  if (alpha >= 1) {
    nxfl += 1;
    alpha -= 1;
  }
  if (nxfl === 0 || (nxfl === 1 && alpha === 0)) {
    const cdf = x * (1 + x) ** (n - 1);
    return clip(1 - cdf);
  }
  if (-2 * n * x * x < MIN_LOG) return 0;
  if (nxfl >= n - 1) return clip((1 - x) ** n);
  if (n > 1_000_000) return Math.exp(-((6 * n * x + 1) ** 2) / 18 / n);
  let n1mxfl = n - nxfl - (alpha === 0 ? 0 : 1);
  let n1mxceil = n - nxfl;
  if (alpha === 0) {
    n1mxfl -= 1;
    n1mxceil += 1;
  }
  const nUpper = n - n1mxceil + 1;
  const useUpper = (nUpper <= 1 && x < 0.5) || (n >= 10 && nUpper <= 3 && x <= 0.5 / Math.sqrt(n));
  if (useUpper) {
    // Few alternating terms from the top: cdf = x Σ_{v=n}^{n1mxceil} C(n,v)(x+v/n)^(v-1)(1-x-v/n)^(n-v).
    let sum = 0;
    const logC = new CompensatedSum();
    for (let j = 0; j < nUpper; j++) {
      const v = n - j;
      const base = (n - v) / n - x; // negative
      const term =
        Math.exp(logC.value() + (v - 1) * logOfRatioPlus(v, n, x)) *
        (j === 0 ? 1 : base ** (n - v));
      sum += term;
      logC.add(Math.log((n - j) / (j + 1)));
    }
    return clip(1 - x * sum);
  }
  const nTerms = n1mxfl + 1;
  // log C(n, j) accumulates thousands of terms of size ~10⁴: compensated, or its rounding alone
  // moves p-values by ~1e-8 relative at n = 500,000.
  const logC = new CompensatedSum();
  let sum = 0;
  const vmid = Math.floor(n / 2);
  for (let j = 0; j < nTerms; j++) {
    const logTerm =
      logC.value() +
      (j - 1) * (j === 0 ? Math.log(x) : logOfRatioPlus(j, n, x)) +
      (n - j) * logOfRatioPlus(n - j, n, -x);
    const term = Math.exp(logTerm);
    sum += term;
    if (term !== 0) {
      if (4 * (nTerms - j) * term < DBL_EPSILON * sum && j !== nTerms - 1) break;
    } else if (j > vmid) break;
    logC.add(Math.log((n - j) / (j + 1)));
  }
  return clip(x * sum);
}

/**
 * The asymptotic two-sided p-value of the two-sample KS test as `ks_2samp` computes it:
 * `kstwo.sf(d, round(m·n / (m + n)))` with m ≥ n.
 *
 * @example
 * ```ts
 * ksAsymptoticPValue(0.01, 20_000, 30_000);
 * ```
 */
export function ksAsymptoticPValue(d: number, n1: number, n2: number): number {
  const m = Math.max(n1, n2);
  const n = Math.min(n1, n2);
  const en = (m * n) / (m + n);
  return clip(kolmogorovSf(roundHalfEven(en), d));
}
