/**
 * Special functions the stat tests need, ported so p-values agree with SciPy: the normal tail
 * from Cephes' `erfc` (the coefficients SciPy uses), the upper regularised incomplete gamma
 * function (chi-square survival), `lgamma` and NumPy's round-half-to-even.
 *
 * @module
 */

const ERFC_P = [
  2.461969814735305e-10, 0.5641895648310689, 7.463210564422699, 48.63719709856814,
  196.5208329560771, 526.4451949954773, 934.5285271719576, 1027.5518868951572, 557.5353353693994,
];
const ERFC_Q = [
  13.228195115474499, 86.70721408859897, 354.9377788878199, 975.7085017432055, 1823.9091668790973,
  2246.3376081871097, 1656.6630919416134, 557.5353408177277,
];
const ERFC_R = [
  0.5641895835477551, 1.275366707599781, 5.019050422511805, 6.160210979930536, 7.4097426995044895,
  2.9788666537210022,
];
const ERFC_S = [
  2.2605286322011726, 9.396035249380015, 12.048953980809666, 17.08144507475659, 9.608968090632859,
  3.369076451000815,
];
const ERF_T = [
  9.604973739870516, 90.02601972038427, 2232.005345946843, 7003.325141128051, 55592.30130103949,
];
const ERF_U = [
  33.56171416475031, 521.3579497801527, 4594.323829709801, 22629.000061389095, 49267.39426086359,
];
const MAXLOG = 709.782712893384;

/** Cephes `polevl`: coefficients from the highest power down. */
function polevl(x: number, coef: readonly number[]): number {
  let ans = coef[0] as number;
  for (let i = 1; i < coef.length; i++) ans = ans * x + (coef[i] as number);
  return ans;
}

/** Cephes `p1evl`: as {@link polevl} with an implicit leading coefficient 1. */
function p1evl(x: number, coef: readonly number[]): number {
  let ans = x + (coef[0] as number);
  for (let i = 1; i < coef.length; i++) ans = ans * x + (coef[i] as number);
  return ans;
}

/**
 * The error function, as Cephes (and so SciPy) computes it.
 *
 * @example
 * ```ts
 * erf(0.5); // 0.5204998778130465
 * ```
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x < 0) return -erf(-x);
  if (x > 1) return 1 - erfc(x);
  const z = x * x;
  return (x * polevl(z, ERF_T)) / p1evl(z, ERF_U);
}

/**
 * The complementary error function `1 - erf(x)`, accurate in the far tail (Cephes' rational fits).
 *
 * @example
 * ```ts
 * erfc(3); // 0.00002209049699858544
 * ```
 */
export function erfc(a: number): number {
  if (Number.isNaN(a)) return Number.NaN;
  const x = Math.abs(a);
  if (x < 1) return 1 - erf(a);
  const z = -a * a;
  if (z < -MAXLOG) return a < 0 ? 2 : 0;
  const e = Math.exp(z);
  const p = x < 8 ? polevl(x, ERFC_P) : polevl(x, ERFC_R);
  const q = x < 8 ? p1evl(x, ERFC_Q) : p1evl(x, ERFC_S);
  let y = (e * p) / q;
  if (a < 0) y = 2 - y;
  if (y !== 0) return y;
  return a < 0 ? 2 : 0;
}

/**
 * The standard normal CDF Φ(a) (SciPy's `ndtr`); the upper tail is `normalCdf(-a)`.
 *
 * @example
 * ```ts
 * normalCdf(-1.959963984540054); // 0.025
 * ```
 */
export function normalCdf(a: number): number {
  if (Number.isNaN(a)) return Number.NaN;
  const x = a * Math.SQRT1_2;
  const z = Math.abs(x);
  if (z < Math.SQRT1_2) return 0.5 + 0.5 * erf(x);
  const y = 0.5 * erfc(z);
  return x > 0 ? 1 - y : y;
}

const LANCZOS_G = 7;
const LANCZOS = [
  0.9999999999998099, 676.5203681218851, -1259.1392167224028, 771.3234287776531,
  -176.61503916999186, 12.507343278686905, -0.13857109526572012, 0.000009984369578019572,
  1.5056327351493116e-7,
];

/**
 * The natural logarithm of the gamma function for x > 0 (Lanczos, g = 7; exact factorials for
 * small integers and half-integers, which is what chi-square degrees of freedom give).
 *
 * @example
 * ```ts
 * logGamma(5); // Math.log(24)
 * ```
 */
export function logGamma(x: number): number {
  if (x <= 0 || !Number.isFinite(x)) return Number.NaN;
  // Integers and half-integers below 171: the exact product, so chi-square prefactors are exact.
  if (x < 171 && Number.isInteger(2 * x)) {
    let prod = Number.isInteger(x) ? 1 : Math.sqrt(Math.PI);
    for (let k = Number.isInteger(x) ? 1 : 0.5; k < x; k++) prod *= k;
    return Math.log(prod);
  }
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0] as number;
  const t = z + LANCZOS_G + 0.5;
  for (let i = 1; i < LANCZOS_G + 2; i++) a += (LANCZOS[i] as number) / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

const EPS = 2.220446049250313e-16;
const BIG = 4503599627370496;
const BIG_INV = 2.220446049250313e-16;

/**
 * The upper regularised incomplete gamma function Q(a, x) = Γ(a, x) / Γ(a), as Cephes' `igamc`
 * evaluates it: a continued fraction when x > a and x > 1, else one minus the power series.
 *
 * @example
 * ```ts
 * upperGamma(1, 2); // Math.exp(-2)
 * ```
 */
export function upperGamma(a: number, x: number): number {
  if (x < 0 || a <= 0 || Number.isNaN(x)) return Number.NaN;
  if (x === 0) return 1;
  if (!Number.isFinite(x)) return 0;
  if (x < 1 || x < a) return 1 - lowerGammaSeries(a, x);
  const logPrefactor = a * Math.log(x) - x - logGamma(a);
  if (logPrefactor < -MAXLOG) return 0;
  const ax = Math.exp(logPrefactor);
  // Cephes' continued fraction (Lentz-free form with rescaling).
  let y = 1 - a;
  let z = x + y + 1;
  let c = 0;
  let pkm2 = 1;
  let qkm2 = x;
  let pkm1 = x + 1;
  let qkm1 = z * x;
  let ans = pkm1 / qkm1;
  let t: number;
  do {
    c += 1;
    y += 1;
    z += 2;
    const yc = y * c;
    const pk = pkm1 * z - pkm2 * yc;
    const qk = qkm1 * z - qkm2 * yc;
    if (qk !== 0) {
      const r = pk / qk;
      t = Math.abs((ans - r) / r);
      ans = r;
    } else t = 1;
    pkm2 = pkm1;
    pkm1 = pk;
    qkm2 = qkm1;
    qkm1 = qk;
    if (Math.abs(pk) > BIG) {
      pkm2 *= BIG_INV;
      pkm1 *= BIG_INV;
      qkm2 *= BIG_INV;
      qkm1 *= BIG_INV;
    }
  } while (t > EPS && c < 10_000);
  return ans * ax;
}

/** P(a, x) by its power series (Cephes' `igam` for x < a or x < 1). */
function lowerGammaSeries(a: number, x: number): number {
  const logPrefactor = a * Math.log(x) - x - logGamma(a);
  if (logPrefactor < -MAXLOG) return 0;
  const ax = Math.exp(logPrefactor);
  let r = a;
  let c = 1;
  let ans = 1;
  do {
    r += 1;
    c *= x / r;
    ans += c;
  } while (c / ans > EPS);
  return (ans * ax) / a;
}

/**
 * The chi-square survival function P(X ≥ statistic) with `df` degrees of freedom (SciPy's `chi2.sf`).
 *
 * @example
 * ```ts
 * chiSquareSurvival(3.841458820694124, 1); // 0.05
 * ```
 */
export function chiSquareSurvival(statistic: number, df: number): number {
  if (statistic === Number.POSITIVE_INFINITY) return 0;
  return upperGamma(df / 2, statistic / 2);
}

/**
 * Rounds half to even, as `np.round` does (`Math.round` rounds halves up).
 *
 * @example
 * ```ts
 * roundHalfEven(2.5); // 2
 * roundHalfEven(3.5); // 4
 * ```
 */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
