/**
 * The few distribution functions A/B analysis and its tests need: the chi-square survival
 * function and the standard normal CDF (both through the regularized incomplete gamma
 * function, accurate to ~1e-12), and the 95% normal critical value.
 */

/**
 * P(X ≥ x) for X ~ chi-square with `df` degrees of freedom (scipy's `chi2.sf`).
 *
 * @example
 * ```ts
 * chiSquareSurvival(3.841458820694124, 1); // ≈ 0.05
 * ```
 */
export function chiSquareSurvival(x: number, df: number): number {
  if (!(x > 0)) return 1;
  return upperGammaRegularized(df / 2, x / 2);
}

/**
 * The standard normal cumulative distribution function Φ(z) (scipy's `norm.cdf`).
 *
 * @example
 * ```ts
 * normalCdf(1.959963984540054); // ≈ 0.975
 * ```
 */
export function normalCdf(z: number): number {
  if (Number.isNaN(z)) return Number.NaN;
  // Φ(z) = ½·(1 + sign(z)·P(½, z²/2)); the tail uses Q directly to keep precision far out.
  const q = upperGammaRegularized(0.5, (z * z) / 2) / 2;
  return z < 0 ? q : 1 - q;
}

/**
 * The two-sided 95% standard normal critical value Φ⁻¹(0.975) (scipy `norm.ppf(0.975)`).
 *
 * @example
 * ```ts
 * const halfWidth = Z_95 * standardError;
 * ```
 */
export const Z_95 = 1.959963984540054;

/** Q(a, x) = Γ(a, x) / Γ(a): series for x < a + 1, Lentz continued fraction otherwise. */
function upperGammaRegularized(a: number, x: number): number {
  if (x <= 0) return 1;
  const logPrefix = a * Math.log(x) - x - logGamma(a);
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 1000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-16) break;
    }
    return 1 - sum * Math.exp(logPrefix);
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(logPrefix) * h;
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9; ~1e-15 relative). */
function logGamma(x: number): number {
  const g = [
    0.9999999999998099, 676.5203681218851, -1259.1392167224028, 771.3234287776531,
    -176.6150291621406, 12.507343278686905, -0.13857109526572012, 9.984369578019572e-6,
    1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let sum = g[0]!;
  for (let i = 1; i < 9; i++) sum += g[i]! / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}
