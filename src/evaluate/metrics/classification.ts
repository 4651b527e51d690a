import { describeValue, KeelError } from "../../core/index.js";
import { checkFinite, checkNotEmpty, checkSameLength } from "../internal/validate.js";

/**
 * A confusion matrix: `matrix[i][j]` counts rows of true class `labels[i]` predicted `labels[j]`.
 *
 * @example
 * ```ts
 * const { labels, matrix } = confusionMatrix([0, 1, 1], [0, 0, 1]);
 * ```
 */
export interface ConfusionMatrix {
  readonly labels: readonly number[];
  readonly matrix: readonly (readonly number[])[];
}

/**
 * How precision, recall and F1 combine classes (scikit-learn's `average`).
 *
 * @example
 * ```ts
 * f1Score(yTrue, yPred, { average: "weighted" satisfies ClassAverage });
 * ```
 */
export type ClassAverage = "binary" | "micro" | "macro" | "weighted";

/**
 * Options of {@link precision}, {@link recall} and {@link f1Score}.
 *
 * @example
 * ```ts
 * precision(yTrue, yPred, { average: "binary", positive: 2 });
 * ```
 */
export interface ClassAverageOptions {
  /** Default "binary": the score of the positive label only. */
  readonly average?: ClassAverage;
  /** The positive label for `average: "binary"`. Default 1. */
  readonly positive?: number;
}

/**
 * The confusion matrix of predicted against true labels, as scikit-learn's `confusion_matrix`:
 * labels are the sorted union of both arrays unless given.
 *
 * @example
 * ```ts
 * confusionMatrix([0, 1, 1], [0, 0, 1]); // { labels: [0, 1], matrix: [[1, 0], [1, 1]] }
 * ```
 */
export function confusionMatrix(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  options: { labels?: readonly number[] } = {},
): ConfusionMatrix {
  checkLabels("confusionMatrix", yTrue, yPred);
  const labels = options.labels ?? sortedUnion(yTrue, yPred);
  const index = new Map(labels.map((label, k) => [label, k]));
  const matrix = labels.map(() => new Array<number>(labels.length).fill(0));
  for (let i = 0; i < yTrue.length; i++) {
    const t = index.get(yTrue[i] as number);
    const p = index.get(yPred[i] as number);
    if (t !== undefined && p !== undefined) matrix[t]![p]!++;
  }
  return { labels, matrix };
}

/**
 * The fraction of rows whose predicted label equals the true one.
 *
 * @example
 * ```ts
 * accuracy([0, 1, 1, 0], [0, 1, 0, 0]); // 0.75
 * ```
 */
export function accuracy(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  checkLabels("accuracy", yTrue, yPred);
  let correct = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) correct++;
  return correct / yTrue.length;
}

/**
 * The mean of per-class recall over the classes present in `yTrue`, as scikit-learn's
 * `balanced_accuracy_score`.
 *
 * @example
 * ```ts
 * balancedAccuracy([0, 0, 0, 1], [0, 0, 1, 1]); // (2/3 + 1) / 2
 * ```
 */
export function balancedAccuracy(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  const { matrix } = confusionMatrix(yTrue, yPred);
  let sum = 0;
  let present = 0;
  matrix.forEach((row, k) => {
    const total = row.reduce((a, b) => a + b, 0);
    if (total > 0) {
      sum += row[k]! / total;
      present++;
    }
  });
  return sum / present;
}

/**
 * Precision tp / (tp + fp), as scikit-learn's `precision_score` (0 when nothing is predicted
 * positive, scikit-learn's `zero_division` default).
 *
 * @example
 * ```ts
 * precision([0, 1, 1, 0], [1, 1, 0, 0]); // 0.5
 * precision([0, 1, 2, 2], [0, 2, 2, 1], { average: "macro" });
 * ```
 */
export function precision(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  options: ClassAverageOptions = {},
): number {
  return averaged("precision", yTrue, yPred, options, (s) => s.precision);
}

/**
 * Recall tp / (tp + fn), as scikit-learn's `recall_score`.
 *
 * @example
 * ```ts
 * recall([0, 1, 1, 0], [1, 1, 0, 0]); // 0.5
 * ```
 */
export function recall(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  options: ClassAverageOptions = {},
): number {
  return averaged("recall", yTrue, yPred, options, (s) => s.recall);
}

/**
 * F1, the harmonic mean of precision and recall, as scikit-learn's `f1_score`.
 *
 * @example
 * ```ts
 * f1Score([0, 1, 1, 0], [1, 1, 0, 0]); // 0.5
 * f1Score(yTrue, yPred, { average: "weighted" });
 * ```
 */
export function f1Score(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  options: ClassAverageOptions = {},
): number {
  return averaged("f1Score", yTrue, yPred, options, (s) => s.f1);
}

/**
 * The Matthews correlation coefficient (multiclass form), as scikit-learn's
 * `matthews_corrcoef`: 0 when either labels or predictions are constant.
 *
 * @example
 * ```ts
 * matthewsCorrcoef([0, 1, 1, 0], [0, 1, 1, 0]); // 1
 * ```
 */
export function matthewsCorrcoef(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  const { matrix } = confusionMatrix(yTrue, yPred);
  const k = matrix.length;
  const tSum = matrix.map((row) => row.reduce((a, b) => a + b, 0));
  const pSum = matrix.map((_, j) => matrix.reduce((a, row) => a + row[j]!, 0));
  let correct = 0;
  for (let i = 0; i < k; i++) correct += matrix[i]![i]!;
  const n = yTrue.length;
  const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i]!, 0);
  const covTP = correct * n - dot(tSum, pSum);
  const covPP = n * n - dot(pSum, pSum);
  const covTT = n * n - dot(tSum, tSum);
  return covPP * covTT === 0 ? 0 : covTP / Math.sqrt(covTT * covPP);
}

interface ClassScores {
  precision: number;
  recall: number;
  f1: number;
}

function averaged(
  metric: string,
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  { average = "binary", positive = 1 }: ClassAverageOptions,
  pick: (scores: ClassScores) => number,
): number {
  const { labels, matrix } = confusionMatrix(yTrue, yPred);
  const tp = labels.map((_, k) => matrix[k]![k]!);
  const predicted = labels.map((_, j) => matrix.reduce((a, row) => a + row[j]!, 0));
  const actual = matrix.map((row) => row.reduce((a, b) => a + b, 0));
  if (average === "binary") {
    if (labels.length > 2) {
      throw new KeelError(
        "KEEL_ERR_INVALID_ARGUMENT",
        `${metric}: average "binary" needs two labels but the data has ${labels.length} (${describeValue(labels)}); choose average "micro", "macro" or "weighted".`,
        { details: { metric, labels } },
      );
    }
    const k = labels.indexOf(positive);
    if (k < 0) {
      if (labels.length === 2) {
        throw new KeelError(
          "KEEL_ERR_INVALID_ARGUMENT",
          `${metric}: the positive label ${positive} is not among the labels ${describeValue(labels)}; pass { positive } with one of them.`,
          { details: { metric, positive, labels } },
        );
      }
      return 0;
    }
    return pick(scoresOf(tp[k]!, predicted[k]!, actual[k]!));
  }
  if (average === "micro") {
    const sum = (a: number[]) => a.reduce((s, v) => s + v, 0);
    return pick(scoresOf(sum(tp), sum(predicted), sum(actual)));
  }
  const perClass = labels.map((_, k) => pick(scoresOf(tp[k]!, predicted[k]!, actual[k]!)));
  if (average === "macro") return perClass.reduce((s, v) => s + v, 0) / perClass.length;
  if (average === "weighted") {
    const total = actual.reduce((s, v) => s + v, 0);
    return total === 0 ? 0 : perClass.reduce((s, v, k) => s + v * actual[k]!, 0) / total;
  }
  throw new KeelError(
    "KEEL_ERR_INVALID_ARGUMENT",
    `${metric}: average must be "binary", "micro", "macro" or "weighted". Got ${describeValue(average)} instead.`,
    { details: { metric, average } },
  );
}

function scoresOf(tp: number, predicted: number, actual: number): ClassScores {
  const p = predicted === 0 ? 0 : tp / predicted;
  const r = actual === 0 ? 0 : tp / actual;
  // scikit-learn 1.2 forms F from precision and recall (not counts), 0 when both are 0.
  const denominator = p + r;
  return { precision: p, recall: r, f1: denominator === 0 ? 0 : (2 * p * r) / denominator };
}

function checkLabels(metric: string, yTrue: ArrayLike<number>, yPred: ArrayLike<number>): void {
  checkSameLength(metric, yTrue, yPred, "yPred");
  checkNotEmpty(metric, yTrue);
  checkFinite(metric, yTrue, "yTrue");
  checkFinite(metric, yPred, "yPred");
}

function sortedUnion(a: ArrayLike<number>, b: ArrayLike<number>): number[] {
  const seen = new Set<number>();
  for (let i = 0; i < a.length; i++) seen.add(a[i] as number);
  for (let i = 0; i < b.length; i++) seen.add(b[i] as number);
  return [...seen].sort((x, y) => x - y);
}
