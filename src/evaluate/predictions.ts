import {
  type Column,
  describeValue,
  type FittedModel,
  type Frame,
  KeelError,
  type Task,
} from "../core/index.js";

/**
 * A model's predictions on labelled rows, in the form every named metric reads. For
 * classifiers `yTrue` and `predicted` are indices into `classes` and `proba` is row-major
 * `n × classes.length`; for binary tasks `score` is P(positive class) and `positive` its index.
 * For regression `yTrue` and `predicted` are values.
 *
 * @example
 * ```ts
 * const p: Predictions = predictionsOf(model, holdout, { target: "churn" });
 * ```
 */
export interface Predictions {
  readonly task: Task;
  readonly classes: readonly string[];
  readonly yTrue: Float64Array;
  readonly predicted: Float64Array;
  readonly proba?: Float64Array;
  readonly score?: Float64Array;
  readonly positive?: number;
}

/**
 * What scoring needs of a model: a fitted model, or anything shaped like one (a loaded model
 * bundle, which runs its preprocessing before the model).
 *
 * @example
 * ```ts
 * const scorer: Scorer = await loadModel("models/churn"); // a bundle scores like a model
 * ```
 */
export type Scorer = Pick<FittedModel, "task" | "classes" | "predict" | "predictProba">;

/**
 * Options shared by everything that scores a model on a frame.
 *
 * @example
 * ```ts
 * predictionsOf(model, frame, { target: "churn", positive: "Yes", threshold: 0.3 });
 * ```
 */
export interface ScoringOptions {
  /** The target column. */
  readonly target: string;
  /** The positive class label of a binary task. Default: the second class (`classes[1]`). */
  readonly positive?: string;
  /** Binary decision threshold on P(positive) for label metrics. Default 0.5. */
  readonly threshold?: number;
}

/**
 * Scores a fitted model on a frame holding the target column: predicts, then lines the true
 * labels up with the model's classes.
 *
 * @example
 * ```ts
 * const p = predictionsOf(model, holdout, { target: "churn", positive: "Yes" });
 * rocAuc(binaryLabels(p), p.score!);
 * ```
 */
export function predictionsOf(model: Scorer, frame: Frame, options: ScoringOptions): Predictions {
  const x = frame.drop([options.target]);
  const column = frame.column(options.target);
  if (model.task === "regression") {
    return {
      task: "regression",
      classes: [],
      yTrue: regressionValues(column, options.target),
      predicted: model.predict(x),
    };
  }
  const proba = model.predictProba(x);
  return fromProba(model.task, model.classes, labelsOf(column), proba, options);
}

/**
 * Builds classification predictions from probabilities and true labels given as strings.
 *
 * @example
 * ```ts
 * fromProba("binary", ["No", "Yes"], ["No", "Yes"], Float64Array.of(0.8, 0.2, 0.3, 0.7), {});
 * ```
 */
export function fromProba(
  task: Task,
  classes: readonly string[],
  labels: readonly (string | null)[],
  proba: Float64Array,
  options: { positive?: string; threshold?: number },
): Predictions {
  const k = classes.length;
  const n = labels.length;
  const index = new Map(classes.map((c, i) => [c, i]));
  const yTrue = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const label = labels[i];
    const at = label === null || label === undefined ? undefined : index.get(label);
    if (at === undefined) {
      throw new KeelError(
        "KEEL_ERR_TARGET_INVALID",
        `Row ${i} has target ${describeValue(label)}, which is not one of the model's classes (${classes.map((c) => `'${c}'`).join(", ")}).`,
        { details: { row: i, label, classes } },
      );
    }
    yTrue[i] = at;
  }
  if (task === "binary") {
    const positive = options.positive === undefined ? 1 : classes.indexOf(options.positive);
    if (positive < 0) {
      throw new KeelError(
        "KEEL_ERR_TARGET_INVALID",
        `The positive class '${options.positive}' is not one of the model's classes (${classes.map((c) => `'${c}'`).join(", ")}).`,
        { details: { positive: options.positive, classes } },
      );
    }
    const threshold = options.threshold ?? 0.5;
    const score = Float64Array.from({ length: n }, (_, i) => proba[i * k + positive]!);
    const predicted = Float64Array.from(score, (s) => (s >= threshold ? positive : 1 - positive));
    return { task, classes, yTrue, predicted, proba, score, positive };
  }
  const predicted = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (proba[i * k + c]! > proba[i * k + best]!) best = c;
    predicted[i] = best;
  }
  return { task, classes, yTrue, predicted, proba };
}

/**
 * 0/1 labels of a binary task (1 = the positive class), what binary metrics take.
 *
 * @example
 * ```ts
 * averagePrecision(binaryLabels(p), p.score!);
 * ```
 */
export function binaryLabels(p: Predictions, values: Float64Array = p.yTrue): Uint8Array {
  return Uint8Array.from(values, (v) => (v === p.positive ? 1 : 0));
}

/**
 * The target column as label strings, the way keel's models name classes: categories as they
 * are, booleans "true"/"false", numbers in JavaScript's shortest form; missing is null.
 *
 * @example
 * ```ts
 * labelsOf(frame.column("churn")); // ["No", "Yes", …]
 * ```
 */
export function labelsOf(column: Column): (string | null)[] {
  switch (column.kind) {
    case "categorical":
      return Array.from(column.codes, (c) => (c < 0 ? null : column.categories[c]!));
    case "boolean":
      return Array.from(column.values, (v) => (v < 0 ? null : v === 1 ? "true" : "false"));
    case "string":
      return [...column.values];
    default:
      return Array.from(column.values, (v) => (Number.isNaN(v) ? null : String(v)));
  }
}

function regressionValues(column: Column, target: string): Float64Array {
  if (column.kind !== "numeric") {
    throw new KeelError(
      "KEEL_ERR_TARGET_INVALID",
      `Target '${target}' must be numeric for a regression model. Got a ${column.kind} column instead.`,
      { details: { target, kind: column.kind } },
    );
  }
  return column.values;
}
