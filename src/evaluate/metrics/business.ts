import { checkUnitInterval } from "../internal/validate.js";
import { rankScores, type ThresholdCounts, thresholdCounts } from "./binary-curve.js";

/**
 * The highest precision among thresholds whose recall is at least `recall`: "precision at
 * 80% recall" is `precisionAtRecall(yTrue, yScore, 0.8)`. Thresholds are the distinct scores,
 * a row being flagged when its score ≥ the threshold.
 *
 * @example
 * ```ts
 * precisionAtRecall([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], 0.5); // 1
 * ```
 */
export function precisionAtRecall(
  yTrue: ArrayLike<number>,
  yScore: ArrayLike<number>,
  recall: number,
): number {
  return bestAtRecall("precisionAtRecall", yTrue, yScore, recall).precision;
}

/**
 * The threshold at which {@link precisionAtRecall} is reached (the highest one if several tie):
 * flag rows scoring ≥ it to get at least that recall with the best precision.
 *
 * @example
 * ```ts
 * thresholdAtRecall([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], 0.5); // 0.8
 * ```
 */
export function thresholdAtRecall(
  yTrue: ArrayLike<number>,
  yScore: ArrayLike<number>,
  recall: number,
): number {
  return bestAtRecall("thresholdAtRecall", yTrue, yScore, recall).threshold;
}

/**
 * The highest recall among thresholds whose precision is at least `precision`; 0 when no
 * threshold is that precise (flagging nobody is the only way to meet it).
 *
 * @example
 * ```ts
 * recallAtPrecision([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], 0.6); // 1
 * ```
 */
export function recallAtPrecision(
  yTrue: ArrayLike<number>,
  yScore: ArrayLike<number>,
  precision: number,
): number {
  checkUnitInterval("recallAtPrecision", "precision", precision);
  const { tps, fps, nPositive } = counts("recallAtPrecision", yTrue, yScore);
  let best = 0;
  for (let k = 0; k < tps.length; k++) {
    const tp = tps[k]!;
    if (tp / (tp + fps[k]!) >= precision) best = Math.max(best, tp / nPositive);
  }
  return best;
}

/**
 * Lift in the top fraction `k` of rows by score: their positive rate divided by the overall
 * positive rate. The top is `round(k · n)` rows (at least one); rows tied with the last one
 * taken share the remaining places in proportion, which is the expected value under random
 * tie-breaking.
 *
 * @example
 * ```ts
 * liftAt([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], 0.25); // 2 (the top row is positive; base rate 0.5)
 * ```
 */
export function liftAt(yTrue: ArrayLike<number>, yScore: ArrayLike<number>, k: number): number {
  checkUnitInterval("liftAt", "k", k, { openLow: true });
  const { tps, fps, nPositive, nNegative } = counts("liftAt", yTrue, yScore);
  const n = nPositive + nNegative;
  const take = Math.max(1, Math.floor(k * n + 0.5));
  let prevTp = 0;
  let prevTaken = 0;
  let captured = 0;
  for (let g = 0; g < tps.length; g++) {
    const taken = tps[g]! + fps[g]!;
    if (taken >= take) {
      const groupSize = taken - prevTaken;
      captured = prevTp + ((take - prevTaken) * (tps[g]! - prevTp)) / groupSize;
      break;
    }
    prevTp = tps[g]!;
    prevTaken = taken;
  }
  return captured / take / (nPositive / n);
}

/**
 * The cumulative gain curve: share of positives captured against share of rows flagged.
 *
 * @example
 * ```ts
 * const { fraction, gain } = gainCurve(yTrue, yScore);
 * ```
 */
export interface GainCurve {
  /** Fraction of rows flagged, from 0 to 1. */
  readonly fraction: Float64Array;
  /** Fraction of all positives among them, from 0 to 1. */
  readonly gain: Float64Array;
  /** The score threshold of each point (the first point, flagging nobody, has +∞). */
  readonly thresholds: Float64Array;
}

/**
 * The cumulative gain curve at every distinct threshold, starting at (0, 0). Lift at a
 * fraction is gain / fraction.
 *
 * @example
 * ```ts
 * const { fraction, gain } = gainCurve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]);
 * // fraction [0, 0.25, 0.5, 0.75, 1], gain [0, 0.5, 0.5, 1, 1]
 * ```
 */
export function gainCurve(yTrue: ArrayLike<number>, yScore: ArrayLike<number>): GainCurve {
  const { thresholds, tps, fps, nPositive, nNegative } = counts("gainCurve", yTrue, yScore);
  const n = nPositive + nNegative;
  const m = tps.length + 1;
  const fraction = new Float64Array(m);
  const gain = new Float64Array(m);
  const outThresholds = new Float64Array(m);
  outThresholds[0] = Number.POSITIVE_INFINITY;
  for (let k = 1; k < m; k++) {
    fraction[k] = (tps[k - 1]! + fps[k - 1]!) / n;
    gain[k] = tps[k - 1]! / nPositive;
    outThresholds[k] = thresholds[k - 1]!;
  }
  return { fraction, gain, thresholds: outThresholds };
}

function counts(metric: string, yTrue: ArrayLike<number>, yScore: ArrayLike<number>) {
  return thresholdCounts(rankScores(metric, yTrue, yScore, "positive"));
}

function bestAtRecall(
  metric: string,
  yTrue: ArrayLike<number>,
  yScore: ArrayLike<number>,
  recall: number,
): { precision: number; threshold: number } {
  checkUnitInterval(metric, "recall", recall);
  const { thresholds, tps, fps, nPositive }: ThresholdCounts = counts(metric, yTrue, yScore);
  let best = -1;
  let threshold = Number.NaN;
  for (let k = 0; k < tps.length; k++) {
    if (tps[k]! / nPositive < recall) continue;
    const p = tps[k]! / (tps[k]! + fps[k]!);
    if (p > best) {
      best = p;
      threshold = thresholds[k]!;
    }
  }
  return { precision: best, threshold };
}
