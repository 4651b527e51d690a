import { describeValue, KeelError } from "../../core/index.js";
import { checkFinite, checkNotEmpty } from "../internal/validate.js";
import {
  rankedAveragePrecision,
  rankedRocAuc,
  rankScores,
  thresholdCounts,
} from "./binary-curve.js";

/**
 * How `rocAuc` reduces a multiclass problem to binary ones, and how it averages them.
 *
 * @example
 * ```ts
 * rocAuc(yTrue, proba, { multiClass: "ovo", average: "weighted" });
 * ```
 */
export interface RocAucOptions {
  /** One-vs-rest (each class against all others) or one-vs-one (Hand & Till). Default "ovr". */
  readonly multiClass?: "ovr" | "ovo";
  /**
   * "macro": plain mean over classes (or pairs); "weighted": by class (or pair) prevalence;
   * "micro" (ovr only): one ROC over every (row, class) cell of the one-hot labels against the
   * flattened scores. Default "macro". Binary problems ignore it, as scikit-learn does.
   */
  readonly average?: "micro" | "macro" | "weighted";
}

const MULTI_CLASS = ["ovr", "ovo"] as const;
const AVERAGES = ["micro", "macro", "weighted"] as const;

/** Refuses option values scikit-learn refuses, instead of silently running another variant. */
function checkRocAucOptions(options: RocAucOptions, multiclass: boolean): void {
  const { multiClass, average } = options;
  const bad = (parameter: string, value: unknown, expected: readonly string[], why = "") =>
    new KeelError(
      "KEEL_ERR_INVALID_ARGUMENT",
      `rocAuc: ${parameter} must be one of ${expected.map((e) => `'${e}'`).join(", ")}${why}. Got ${describeValue(value)} instead.`,
      { details: { metric: "rocAuc", parameter, value: String(value), expected } },
    );
  if (multiClass !== undefined && !(MULTI_CLASS as readonly unknown[]).includes(multiClass)) {
    throw bad("multiClass", multiClass, MULTI_CLASS);
  }
  if (average !== undefined && !(AVERAGES as readonly unknown[]).includes(average)) {
    throw bad("average", average, AVERAGES);
  }
  if (multiclass && multiClass === "ovo" && average === "micro") {
    throw bad("average", average, ["macro", "weighted"], " with multiClass 'ovo'");
  }
}

/**
 * Area under the ROC curve, as scikit-learn's `roc_auc_score`. Binary: `yTrue` holds 0/1 and
 * `yScore` the score of class 1, one per row. Multiclass: `yTrue` holds class indices
 * `0..K-1` and `yScore` is row-major `n × K` probabilities (what `predictProba` returns), each
 * row summing to 1; every class must occur in `yTrue`.
 *
 * @example
 * ```ts
 * rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]); // 0.75
 * rocAuc([0, 1, 2], [0.8, 0.1, 0.1, 0.2, 0.7, 0.1, 0.1, 0.2, 0.7], { multiClass: "ovo" }); // 1
 * rocAuc([0, 1, 2], [0.8, 0.1, 0.1, 0.2, 0.7, 0.1, 0.1, 0.2, 0.7], { average: "micro" }); // 1
 * ```
 */
export function rocAuc(
  yTrue: ArrayLike<number>,
  yScore: ArrayLike<number>,
  options: RocAucOptions = {},
): number {
  const n = yTrue.length;
  const multiclass = n > 0 && yScore.length !== n && yScore.length % n === 0;
  checkRocAucOptions(options, multiclass && yScore.length / n > 2);
  if (multiclass) {
    const nClasses = yScore.length / n;
    if (nClasses === 2) return rocAuc(yTrue, column(yScore, n, 2, 1));
    return multiclassRocAuc(yTrue, yScore, nClasses, options);
  }
  return rankedRocAuc(rankScores("rocAuc", yTrue, yScore, "both"));
}

/**
 * Average precision (area under the step-wise precision-recall curve), as scikit-learn's
 * `average_precision_score` for binary labels. Defined when there is at least one positive:
 * with none, scikit-learn warns and returns 0, but keel throws `KEEL_ERR_METRIC_UNDEFINED`
 * (deliberately — a fold or segment without positives says nothing about the model, and a 0
 * would fail a gate or drag a cross-validated mean for the wrong reason). The same holds for
 * `prAuc`, `precisionRecallCurve` and the business metrics built on the curve.
 *
 * @example
 * ```ts
 * averagePrecision([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]); // 0.8333…
 * ```
 */
export function averagePrecision(yTrue: ArrayLike<number>, yScore: ArrayLike<number>): number {
  return rankedAveragePrecision(rankScores("averagePrecision", yTrue, yScore, "positive"));
}

/**
 * Area under the precision-recall curve by the trapezoid rule, as scikit-learn's
 * `auc(recall, precision)` over `precision_recall_curve` (which starts at recall 0,
 * precision 1). Trapezoids interpolate linearly and so can be optimistic; prefer
 * {@link averagePrecision} for model selection.
 *
 * @example
 * ```ts
 * prAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]); // 0.7916…
 * ```
 */
export function prAuc(yTrue: ArrayLike<number>, yScore: ArrayLike<number>): number {
  const { tps, fps, nPositive } = thresholdCounts(rankScores("prAuc", yTrue, yScore, "positive"));
  let area = 0;
  let prevRecall = 0;
  let prevPrecision = 1;
  for (let k = 0; k < tps.length; k++) {
    const tp = tps[k]!;
    const predicted = tp + fps[k]!;
    const recall = tp / nPositive;
    const precision = predicted === 0 ? 0 : tp / predicted;
    area += ((recall - prevRecall) * (precision + prevPrecision)) / 2;
    prevRecall = recall;
    prevPrecision = precision;
  }
  return area;
}

/**
 * A ROC curve: false and true positive rates at decreasing thresholds.
 *
 * @example
 * ```ts
 * const { fpr, tpr, thresholds } = rocCurve(yTrue, yScore);
 * ```
 */
export interface RocCurve {
  readonly fpr: Float64Array;
  readonly tpr: Float64Array;
  readonly thresholds: Float64Array;
}

/**
 * The ROC curve as scikit-learn 1.2's `roc_curve`: it starts at (0, 0) with the threshold
 * `max(yScore) + 1` (1.2's convention; later versions use +∞), and by default drops points on
 * straight segments, which leaves the area unchanged.
 *
 * @example
 * ```ts
 * const { fpr, tpr, thresholds } = rocCurve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]);
 * // fpr [0, 0, 0.5, 0.5, 1], tpr [0, 0.5, 0.5, 1, 1], thresholds [1.8, 0.8, 0.4, 0.35, 0.1]
 * ```
 */
export function rocCurve(
  yTrue: ArrayLike<number>,
  yScore: ArrayLike<number>,
  { dropIntermediate = true }: { dropIntermediate?: boolean } = {},
): RocCurve {
  const counts = thresholdCounts(rankScores("rocCurve", yTrue, yScore, "both"));
  let { thresholds, tps, fps } = counts;
  if (dropIntermediate && tps.length > 2) {
    const keep: number[] = [0];
    for (let k = 1; k < tps.length - 1; k++) {
      const bendFp = fps[k + 1]! - 2 * fps[k]! + fps[k - 1]!;
      const bendTp = tps[k + 1]! - 2 * tps[k]! + tps[k - 1]!;
      if (bendFp !== 0 || bendTp !== 0) keep.push(k);
    }
    keep.push(tps.length - 1);
    thresholds = Float64Array.from(keep, (k) => thresholds[k]!);
    tps = Float64Array.from(keep, (k) => tps[k]!);
    fps = Float64Array.from(keep, (k) => fps[k]!);
  }
  const m = tps.length + 1;
  const fpr = new Float64Array(m);
  const tpr = new Float64Array(m);
  const outThresholds = new Float64Array(m);
  outThresholds[0] = thresholds[0]! + 1;
  for (let k = 1; k < m; k++) {
    fpr[k] = fps[k - 1]! / counts.nNegative;
    tpr[k] = tps[k - 1]! / counts.nPositive;
    outThresholds[k] = thresholds[k - 1]!;
  }
  return { fpr, tpr, thresholds: outThresholds };
}

/**
 * A precision-recall curve, as scikit-learn returns it (increasing thresholds).
 *
 * @example
 * ```ts
 * const { precision, recall } = precisionRecallCurve(yTrue, yScore);
 * ```
 */
export interface PrecisionRecallCurve {
  /** One longer than `thresholds`: ends with precision 1. */
  readonly precision: Float64Array;
  /** One longer than `thresholds`: ends with recall 0. */
  readonly recall: Float64Array;
  readonly thresholds: Float64Array;
}

/**
 * Precision and recall at every distinct threshold, as scikit-learn 1.2's
 * `precision_recall_curve`: thresholds increase, and a final point (recall 0, precision 1)
 * with no threshold closes the curve. Needs at least one positive.
 *
 * @example
 * ```ts
 * precisionRecallCurve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]);
 * // precision [0.5, 0.667, 0.5, 1, 1], recall [1, 1, 0.5, 0.5, 0], thresholds [0.1, 0.35, 0.4, 0.8]
 * ```
 */
export function precisionRecallCurve(
  yTrue: ArrayLike<number>,
  yScore: ArrayLike<number>,
): PrecisionRecallCurve {
  const { thresholds, tps, fps, nPositive } = thresholdCounts(
    rankScores("precisionRecallCurve", yTrue, yScore, "positive"),
  );
  const m = tps.length;
  const precision = new Float64Array(m + 1);
  const recall = new Float64Array(m + 1);
  const ascending = new Float64Array(m);
  for (let k = 0; k < m; k++) {
    const at = m - 1 - k;
    const predicted = tps[k]! + fps[k]!;
    precision[at] = predicted === 0 ? 0 : tps[k]! / predicted;
    recall[at] = tps[k]! / nPositive;
    ascending[at] = thresholds[k]!;
  }
  precision[m] = 1;
  recall[m] = 0;
  return { precision, recall, thresholds: ascending };
}

function multiclassRocAuc(
  yTrue: ArrayLike<number>,
  yScore: ArrayLike<number>,
  nClasses: number,
  { multiClass = "ovr", average = "macro" }: RocAucOptions,
): number {
  const n = yTrue.length;
  checkNotEmpty("rocAuc", yTrue);
  checkFinite("rocAuc", yScore, "yScore");
  const support = new Float64Array(nClasses);
  for (let i = 0; i < n; i++) {
    const label = yTrue[i] as number;
    if (!(Number.isInteger(label) && label >= 0 && label < nClasses)) {
      throw new KeelError(
        "KEEL_ERR_INVALID_ARGUMENT",
        `rocAuc: yTrue[${i}] is ${label}; with ${nClasses} score columns the labels must be class indices 0..${nClasses - 1}.`,
        { details: { metric: "rocAuc", position: i, value: label, classes: nClasses } },
      );
    }
    support[label]!++;
  }
  const missing = [...support.keys()].filter((k) => support[k] === 0);
  if (missing.length > 0) {
    throw new KeelError(
      "KEEL_ERR_METRIC_UNDEFINED",
      `rocAuc: yScore has ${nClasses} columns but class${missing.length > 1 ? "es" : ""} ${missing.join(", ")} never occur${missing.length > 1 ? "" : "s"} in yTrue; each class needs at least one row.`,
      { details: { metric: "rocAuc", missingClasses: missing } },
    );
  }
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let k = 0; k < nClasses; k++) sum += yScore[i * nClasses + k] as number;
    // numpy.allclose(1, sum) with its default tolerances, as scikit-learn checks.
    if (Math.abs(sum - 1) > 1e-8 + 1e-5 * Math.abs(sum)) {
      throw new KeelError(
        "KEEL_ERR_INVALID_ARGUMENT",
        `rocAuc: multiclass scores must be probabilities summing to 1 per row; row ${i} sums to ${sum}.`,
        { details: { metric: "rocAuc", row: i, sum } },
      );
    }
  }
  if (multiClass === "ovr" && average === "micro") {
    // scikit-learn ravels the one-hot labels and the scores row by row into one binary problem.
    const hot = new Uint8Array(n * nClasses);
    for (let i = 0; i < n; i++) hot[i * nClasses + (yTrue[i] as number)] = 1;
    return rankedRocAuc(rankScores("rocAuc", hot, yScore, "both"));
  }
  if (multiClass === "ovr") {
    let total = 0;
    for (let k = 0; k < nClasses; k++) {
      const yk = Uint8Array.from({ length: n }, (_, i) => (yTrue[i] === k ? 1 : 0));
      const auc = rankedRocAuc(rankScores("rocAuc", yk, column(yScore, n, nClasses, k), "both"));
      total += average === "weighted" ? (auc * support[k]!) / n : auc / nClasses;
    }
    return total;
  }
  let weighted = 0;
  let weights = 0;
  for (let a = 0; a < nClasses; a++) {
    for (let b = a + 1; b < nClasses; b++) {
      const rows: number[] = [];
      for (let i = 0; i < n; i++) if (yTrue[i] === a || yTrue[i] === b) rows.push(i);
      const isA = Uint8Array.from(rows, (i) => (yTrue[i] === a ? 1 : 0));
      const isB = Uint8Array.from(rows, (i) => (yTrue[i] === b ? 1 : 0));
      const scoreA = Float64Array.from(rows, (i) => yScore[i * nClasses + a] as number);
      const scoreB = Float64Array.from(rows, (i) => yScore[i * nClasses + b] as number);
      const pair =
        (rankedRocAuc(rankScores("rocAuc", isA, scoreA, "both")) +
          rankedRocAuc(rankScores("rocAuc", isB, scoreB, "both"))) /
        2;
      const weight = average === "weighted" ? rows.length / n : 1;
      weighted += pair * weight;
      weights += weight;
    }
  }
  return weighted / weights;
}

function column(matrix: ArrayLike<number>, n: number, width: number, k: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => matrix[i * width + k] as number);
}
