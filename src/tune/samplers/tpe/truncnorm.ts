/**
 * The standard normal pieces TPE needs: CDF, its log, its inverse, log-mass of an interval,
 * and sampling and log-density of a truncated normal. Written for stability in the tails,
 * where Parzen kernels far from the candidate live.
 *
 * @module
 */
import type { Rng } from "../../../core/index.js";

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * The complementary error function (Chebyshev fit, relative error < 1.2e-7).
 *
 * @example
 * ```ts
 * erfc(0); // 1
 * ```
 */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t *
                              (-1.13520398 +
                                t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/**
 * Φ(x), the standard normal CDF.
 *
 * @example
 * ```ts
 * ndtr(1.96); // ≈ 0.975
 * ```
 */
export function ndtr(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

/**
 * log Φ(x), accurate far into the left tail (asymptotic series below -20).
 *
 * @example
 * ```ts
 * logNdtr(-40); // ≈ -804.6
 * ```
 */
export function logNdtr(x: number): number {
  if (x > -20) return Math.log(ndtr(x));
  // log Φ(x) = -x²/2 - log(-x) - log√(2π) + log(1 - 1/x² + 3/x⁴ - …)
  const x2 = x * x;
  return -0.5 * x2 - Math.log(-x) - LOG_SQRT_2PI + Math.log1p(-1 / x2 + 3 / (x2 * x2));
}

/**
 * log(Φ(b) − Φ(a)) for a ≤ b, without cancellation in either tail.
 *
 * @example
 * ```ts
 * logGaussMass(-1, 1); // log 0.6827
 * ```
 */
export function logGaussMass(a: number, b: number): number {
  if (a >= b) return Number.NEGATIVE_INFINITY;
  // Work in the left tail, where Φ is small and has full relative precision.
  if (a > 0) return logGaussMass(-b, -a);
  if (b <= 0) {
    const lb = logNdtr(b);
    const la = logNdtr(a);
    return lb + Math.log1p(-Math.exp(la - lb));
  }
  return Math.log1p(-ndtr(a) - ndtr(-b));
}

/**
 * Φ⁻¹(p) (Acklam's rational approximation, refined by one Halley step).
 *
 * @example
 * ```ts
 * ndtri(0.975); // ≈ 1.96
 * ```
 */
export function ndtri(p: number): number {
  if (p <= 0) return Number.NEGATIVE_INFINITY;
  if (p >= 1) return Number.POSITIVE_INFINITY;
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972,
    -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734,
    4.374664141464968, 2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  let x: number;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    x =
      (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  } else if (p <= 1 - low) {
    const q = p - 0.5;
    const r = q * q;
    x =
      ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
      (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x =
      -(((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  const e = ndtr(x) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp(0.5 * x * x);
  return x - u / (1 + 0.5 * x * u);
}

/**
 * A draw from N(mu, sigma²) truncated to [low, high], by inverting the CDF on the tail side.
 *
 * @example
 * ```ts
 * sampleTruncatedNormal(rng, 0.5, 0.2, 0, 1); // in [0, 1]
 * ```
 */
export function sampleTruncatedNormal(
  rng: Rng,
  mu: number,
  sigma: number,
  low: number,
  high: number,
): number {
  let a = (low - mu) / sigma;
  let b = (high - mu) / sigma;
  const flip = a > 0;
  if (flip) [a, b] = [-b, -a];
  const pa = ndtr(a);
  const pb = ndtr(b);
  let z = ndtri(pa + rng.next() * (pb - pa));
  if (!Number.isFinite(z)) z = b < 0 ? b : a;
  z = Math.min(b, Math.max(a, z));
  const x = mu + sigma * (flip ? -z : z);
  return Math.min(high, Math.max(low, x));
}

/**
 * log-density at x of N(mu, sigma²) truncated to [low, high].
 *
 * @example
 * ```ts
 * logPdfTruncatedNormal(0.5, 0.5, 1, 0, 1);
 * ```
 */
export function logPdfTruncatedNormal(
  x: number,
  mu: number,
  sigma: number,
  low: number,
  high: number,
): number {
  if (x < low || x > high) return Number.NEGATIVE_INFINITY;
  const z = (x - mu) / sigma;
  return (
    -0.5 * z * z -
    LOG_SQRT_2PI -
    Math.log(sigma) -
    logGaussMass((low - mu) / sigma, (high - mu) / sigma)
  );
}
