import { KeelError } from "../../core/index.js";
import { sortAscending } from "../internal/radix-sort.js";
import {
  checkBinaryLabels,
  checkBothClasses,
  checkFinite,
  checkNotEmpty,
  checkSameLength,
} from "../internal/validate.js";

/**
 * Scores split by class and sorted ascending: the one sort every ranking metric needs. Walking
 * both arrays from the top visits the distinct thresholds in descending order with the number
 * of positives and negatives tied at each, which is scikit-learn's `_binary_clf_curve` without
 * an argsort of row indices.
 *
 * @example
 * ```ts
 * const { positives, negatives } = rankScores("rocAuc", yTrue, yScore, "both");
 * ```
 */
export interface RankedScores {
  readonly positives: Float64Array;
  readonly negatives: Float64Array;
}

/**
 * Validates binary labels and scores (same length, 0/1 labels, finite scores) and sorts the
 * scores of each class. `needs` says which classes the metric cannot do without.
 *
 * @example
 * ```ts
 * const ranked = rankScores("rocAuc", yTrue, yScore, "both");
 * ```
 */
export function rankScores(
  metric: string,
  yTrue: ArrayLike<number>,
  yScore: ArrayLike<number>,
  needs: "both" | "positive" | "none",
): RankedScores {
  checkSameLength(metric, yTrue, yScore, "yScore");
  checkNotEmpty(metric, yTrue);
  const nPos = checkBinaryLabels(metric, yTrue);
  checkFinite(metric, yScore, "yScore");
  const n = yTrue.length;
  if (needs === "both") checkBothClasses(metric, nPos, n);
  if (needs === "positive" && nPos === 0) {
    // scikit-learn returns 0 with a warning here (recall is 0/0); keel refuses, so that a fold
    // or segment without positives is reported instead of scored as a useless model.
    throw new KeelError(
      "KEEL_ERR_METRIC_UNDEFINED",
      `${metric}: is undefined without positive rows; all ${n} rows of yTrue are negative (0), so recall is 0/0. It needs at least one positive (1). (scikit-learn returns 0 with a warning; keel refuses.)`,
      { details: { metric, rows: n, positives: 0, expected: "at least one positive row" } },
    );
  }
  const positives = new Float64Array(nPos);
  const negatives = new Float64Array(n - nPos);
  let p = 0;
  let q = 0;
  for (let i = 0; i < n; i++) {
    if (yTrue[i] === 1) positives[p++] = yScore[i] as number;
    else negatives[q++] = yScore[i] as number;
  }
  return { positives: sortAscending(positives), negatives: sortAscending(negatives) };
}

/**
 * The counts at each distinct threshold, highest first: `tps[k]` and `fps[k]` are the positives
 * and negatives scored ≥ `thresholds[k]` (scikit-learn's `_binary_clf_curve`).
 *
 * @example
 * ```ts
 * const { tps, fps } = thresholdCounts(rankScores("gainCurve", yTrue, yScore, "positive"));
 * ```
 */
export interface ThresholdCounts {
  readonly thresholds: Float64Array;
  readonly tps: Float64Array;
  readonly fps: Float64Array;
  readonly nPositive: number;
  readonly nNegative: number;
}

/**
 * Materialises the per-threshold counts of ranked scores.
 *
 * @example
 * ```ts
 * const { thresholds, tps, fps } = thresholdCounts(rankScores("rocCurve", y, s, "both"));
 * ```
 */
export function thresholdCounts(ranked: RankedScores): ThresholdCounts {
  const { positives: pos, negatives: neg } = ranked;
  const capacity = pos.length + neg.length;
  const thresholds = new Float64Array(capacity);
  const tps = new Float64Array(capacity);
  const fps = new Float64Array(capacity);
  let i = pos.length - 1;
  let j = neg.length - 1;
  let tp = 0;
  let fp = 0;
  let k = 0;
  while (i >= 0 || j >= 0) {
    const v = i < 0 ? neg[j]! : j < 0 ? pos[i]! : Math.max(pos[i]!, neg[j]!);
    while (i >= 0 && pos[i] === v) {
      tp++;
      i--;
    }
    while (j >= 0 && neg[j] === v) {
      fp++;
      j--;
    }
    thresholds[k] = v;
    tps[k] = tp;
    fps[k] = fp;
    k++;
  }
  return {
    thresholds: thresholds.slice(0, k),
    tps: tps.slice(0, k),
    fps: fps.slice(0, k),
    nPositive: pos.length,
    nNegative: neg.length,
  };
}

/**
 * Area under the ROC curve of ranked scores, by the trapezoid rule over distinct thresholds
 * (ties count half), computed from integer counts in one pass without building the curve.
 *
 * @example
 * ```ts
 * rankedRocAuc(rankScores("rocAuc", [0, 1], [0.2, 0.9], "both")); // 1
 * ```
 */
export function rankedRocAuc(ranked: RankedScores): number {
  const { positives: pos, negatives: neg } = ranked;
  let i = pos.length - 1;
  let j = neg.length - 1;
  let tp = 0;
  // Twice the area in units of one positive × one negative, exact in float64 up to 2^53.
  let area2 = 0;
  while (i >= 0 || j >= 0) {
    const v = i < 0 ? neg[j]! : j < 0 ? pos[i]! : Math.max(pos[i]!, neg[j]!);
    const tpBefore = tp;
    while (i >= 0 && pos[i] === v) {
      tp++;
      i--;
    }
    let dfp = 0;
    while (j >= 0 && neg[j] === v) {
      dfp++;
      j--;
    }
    area2 += dfp * (tpBefore + tp);
  }
  return area2 / 2 / (pos.length * neg.length);
}

/**
 * Average precision of ranked scores: Σ (Rₖ − Rₖ₋₁) · Pₖ over distinct thresholds, the
 * step-wise (not interpolated) area scikit-learn computes.
 *
 * @example
 * ```ts
 * rankedAveragePrecision(rankScores("averagePrecision", [0, 1], [0.2, 0.9], "positive")); // 1
 * ```
 */
export function rankedAveragePrecision(ranked: RankedScores): number {
  const { positives: pos, negatives: neg } = ranked;
  let i = pos.length - 1;
  let j = neg.length - 1;
  let tp = 0;
  let fp = 0;
  let sum = 0;
  while (i >= 0 || j >= 0) {
    const v = i < 0 ? neg[j]! : j < 0 ? pos[i]! : Math.max(pos[i]!, neg[j]!);
    let dtp = 0;
    while (i >= 0 && pos[i] === v) {
      dtp++;
      i--;
    }
    while (j >= 0 && neg[j] === v) {
      fp++;
      j--;
    }
    tp += dtp;
    if (dtp > 0) sum += (dtp * tp) / (tp + fp);
  }
  return sum / pos.length;
}
