import { describeValue, KeelError } from "../../core/index.js";
import { sortAscending } from "../internal/radix-sort.js";
import {
  checkBinaryLabels,
  checkFinite,
  checkInteger,
  checkNotEmpty,
  checkSameLength,
} from "../internal/validate.js";

/** float64 machine epsilon: scikit-learn 1.2 clips probabilities to [eps, 1 - eps]. */
const EPS = 2.220446049250313e-16;

/**
 * Cross-entropy loss, as scikit-learn 1.2's `log_loss` (probabilities clipped to
 * [eps, 1 − eps] and each row renormalised). Binary: `yTrue` 0/1 and `yProb` = P(class 1)
 * per row. Multiclass: `yTrue` class indices and `yProb` row-major `n × K`.
 *
 * @example
 * ```ts
 * logLoss([0, 1], [0.1, 0.8]); // (−ln 0.9 − ln 0.8) / 2
 * ```
 */
export function logLoss(yTrue: ArrayLike<number>, yProb: ArrayLike<number>): number {
  checkNotEmpty("logLoss", yTrue);
  checkFinite("logLoss", yProb, "yProb");
  const n = yTrue.length;
  if (yProb.length === n) {
    checkBinaryLabels("logLoss", yTrue);
    let total = 0;
    for (let i = 0; i < n; i++) {
      const p = clip(yProb[i] as number);
      const q = 1 - p;
      total -= Math.log((yTrue[i] === 1 ? p : q) / (q + p));
    }
    return total / n;
  }
  if (yProb.length % n !== 0) checkSameLength("logLoss", yTrue, yProb, "yProb");
  const k = yProb.length / n;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const label = yTrue[i] as number;
    if (!(Number.isInteger(label) && label >= 0 && label < k)) {
      throw new KeelError(
        "KEEL_ERR_INVALID_ARGUMENT",
        `logLoss: yTrue[${i}] is ${describeValue(label)}; with ${k} probability columns labels must be class indices 0..${k - 1}.`,
        { details: { metric: "logLoss", position: i, value: label } },
      );
    }
    let sum = 0;
    for (let c = 0; c < k; c++) sum += clip(yProb[i * k + c] as number);
    total -= Math.log(clip(yProb[i * k + label] as number) / sum);
  }
  return total / n;
}

/**
 * The Brier score: the mean squared difference between P(class 1) and the 0/1 outcome, as
 * scikit-learn's `brier_score_loss`. Lower is better.
 *
 * @example
 * ```ts
 * brierScore([0, 1], [0.1, 0.8]); // (0.01 + 0.04) / 2
 * ```
 */
export function brierScore(yTrue: ArrayLike<number>, yProb: ArrayLike<number>): number {
  checkProbabilities("brierScore", yTrue, yProb);
  let total = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const d = (yTrue[i] as number) - (yProb[i] as number);
    total += d * d;
  }
  return total / yTrue.length;
}

/**
 * Options of {@link calibrationCurve} and {@link expectedCalibrationError}.
 *
 * @example
 * ```ts
 * calibrationCurve(yTrue, yProb, { nBins: 10, strategy: "quantile" });
 * ```
 */
export interface CalibrationOptions {
  /** Number of bins. Default 5 for the curve (scikit-learn's), 10 for the ECE. */
  readonly nBins?: number;
  /** "uniform": equal-width bins on [0, 1]; "quantile": equal-count bins. Default "uniform". */
  readonly strategy?: "uniform" | "quantile";
}

/**
 * Observed frequency against mean predicted probability, for the non-empty bins.
 *
 * @example
 * ```ts
 * const { probTrue, probPred, counts } = calibrationCurve(yTrue, yProb);
 * ```
 */
export interface CalibrationCurve {
  /** Fraction of positives in each bin. */
  readonly probTrue: Float64Array;
  /** Mean predicted probability in each bin. */
  readonly probPred: Float64Array;
  /** Rows in each bin. */
  readonly counts: Float64Array;
}

/**
 * The reliability diagram's points, as scikit-learn 1.2's `calibration_curve` (empty bins
 * are left out), plus the row count of each bin.
 *
 * @example
 * ```ts
 * calibrationCurve([0, 0, 0, 0, 1, 1, 1, 1, 1], [0.1, 0.2, 0.3, 0.4, 0.65, 0.7, 0.8, 0.9, 1], { nBins: 3 });
 * // probTrue [0, 0.5, 1], probPred [0.2, 0.525, 0.85], counts [3, 2, 4]
 * ```
 */
export function calibrationCurve(
  yTrue: ArrayLike<number>,
  yProb: ArrayLike<number>,
  { nBins = 5, strategy = "uniform" }: CalibrationOptions = {},
): CalibrationCurve {
  checkProbabilities("calibrationCurve", yTrue, yProb);
  checkInteger("calibrationCurve", "nBins", nBins, 1);
  const inner = innerEdges(yProb, nBins, strategy);
  const sums = new Float64Array(nBins);
  const positives = new Float64Array(nBins);
  const totals = new Float64Array(nBins);
  for (let i = 0; i < yTrue.length; i++) {
    const p = yProb[i] as number;
    const bin = countBelow(inner, p);
    sums[bin]! += p;
    positives[bin]! += yTrue[i] as number;
    totals[bin]!++;
  }
  const used = [...totals.keys()].filter((b) => totals[b]! > 0);
  return {
    probTrue: Float64Array.from(used, (b) => positives[b]! / totals[b]!),
    probPred: Float64Array.from(used, (b) => sums[b]! / totals[b]!),
    counts: Float64Array.from(used, (b) => totals[b]!),
  };
}

/**
 * Expected calibration error: Σ (rows in bin / rows) · |fraction positive − mean probability|
 * over the bins of {@link calibrationCurve} (10 uniform bins by default). scikit-learn 1.2 has
 * no ECE; this is the usual definition (Naeini et al., 2015) on scikit-learn's bins.
 *
 * @example
 * ```ts
 * expectedCalibrationError([0, 1, 1], [0.2, 0.7, 0.9]);
 * ```
 */
export function expectedCalibrationError(
  yTrue: ArrayLike<number>,
  yProb: ArrayLike<number>,
  { nBins = 10, strategy = "uniform" }: CalibrationOptions = {},
): number {
  const { probTrue, probPred, counts } = calibrationCurve(yTrue, yProb, { nBins, strategy });
  let ece = 0;
  for (let b = 0; b < counts.length; b++) {
    ece += (counts[b]! / yTrue.length) * Math.abs(probTrue[b]! - probPred[b]!);
  }
  return ece;
}

function clip(p: number): number {
  return Math.max(EPS, Math.min(p, 1 - EPS));
}

function checkProbabilities(metric: string, yTrue: ArrayLike<number>, yProb: ArrayLike<number>) {
  checkSameLength(metric, yTrue, yProb, "yProb");
  checkNotEmpty(metric, yTrue);
  checkBinaryLabels(metric, yTrue);
  checkFinite(metric, yProb, "yProb");
  for (let i = 0; i < yProb.length; i++) {
    const p = yProb[i] as number;
    if (p < 0 || p > 1) {
      throw new KeelError(
        "KEEL_ERR_INVALID_ARGUMENT",
        `${metric}: yProb[${i}] is ${p}; probabilities must lie in [0, 1].`,
        { details: { metric, position: i, value: p } },
      );
    }
  }
}

/** The nBins − 1 inner bin edges, computed exactly as numpy does for scikit-learn. */
function innerEdges(yProb: ArrayLike<number>, nBins: number, strategy: string): Float64Array {
  const step = 1 / nBins;
  const inner = new Float64Array(nBins - 1);
  if (strategy === "uniform") {
    for (let k = 1; k < nBins; k++) inner[k - 1] = k * step;
    return inner;
  }
  if (strategy !== "quantile") {
    throw new KeelError(
      "KEEL_ERR_INVALID_ARGUMENT",
      `calibrationCurve: strategy must be "uniform" or "quantile". Got ${describeValue(strategy)} instead.`,
      { details: { parameter: "strategy", value: strategy } },
    );
  }
  const sorted = sortAscending(Float64Array.from(yProb));
  const n = sorted.length;
  for (let k = 1; k < nBins; k++) {
    // np.percentile(yProb, np.linspace(0, 1, nBins + 1) * 100), "linear" method.
    const q = (k * step * 100) / 100;
    const virtual = (n - 1) * q;
    const below = Math.floor(virtual);
    const gamma = virtual - below;
    const a = sorted[Math.min(below, n - 1)]!;
    const b = sorted[Math.min(below + 1, n - 1)]!;
    inner[k - 1] = gamma >= 0.5 ? b - (b - a) * (1 - gamma) : a + (b - a) * gamma;
  }
  return inner;
}

/** numpy.searchsorted(edges, p, side="left"): how many edges are strictly below p. */
function countBelow(edges: Float64Array, p: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (edges[mid]! < p) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
