import {
  type Column,
  describeValue,
  type Estimator,
  type FittedModel,
  type Frame,
  KeelError,
  type Task,
} from "../core/index.js";
import { type MetricSpec, type NamedMetric, resolveMetric } from "./metrics/registry.js";
import { fromProba, labelsOf, type Predictions } from "./predictions.js";
import { KFold, StratifiedKFold } from "./split/k-fold.js";
import type { Splitter } from "./split/splitter.js";
import { trainTestSplit } from "./split/train-test-split.js";

/**
 * Options of {@link crossValidate}.
 *
 * @example
 * ```ts
 * await crossValidate(pipeline, frame, { target: "churn", cv: 5, metrics: ["rocAuc", "logLoss"], seed: 1 });
 * ```
 */
export interface CrossValidateOptions {
  /** The target column; every other column is passed to the estimator. */
  readonly target: string;
  /**
   * A splitter, or a number of folds. A number gives StratifiedKFold for a categorical,
   * boolean or string target and KFold otherwise, shuffled with `seed`. Default 5.
   */
  readonly cv?: Splitter | number;
  /** Metrics to compute on each validation fold (names or specs). Default ["rocAuc"]. */
  readonly metrics?: readonly MetricSpec[];
  /** The positive class of a binary target. Default: the model's second class. */
  readonly positive?: string;
  /** Binary decision threshold for label metrics (accuracy, f1…). Default 0.5. */
  readonly threshold?: number;
  /**
   * Column holding each row's group, passed to group-aware splitters (GroupKFold). It is not
   * a feature: it is dropped from the frame the estimator is fitted on and predicts.
   */
  readonly groups?: string;
  /**
   * Holds out this fraction of each fold's training rows (stratified for class targets, seeded
   * `seed + fold`) and passes it to the fit as `validation`: what an early-stopped model needs,
   * since its recipe cannot be fitted without a validation set and the fold's own validation
   * rows must stay unseen. Off by default.
   */
  readonly validationFraction?: number;
  /** Seed for the default splitter and for each fold's fit (`seed + fold`). Default 0. */
  readonly seed?: number;
  /**
   * Called after each fold with its scores, before the next fold starts, so a tuning trial
   * can report intermediate values and prune (throwing stops the cross-validation).
   */
  readonly onFold?: (fold: FoldResult) => void | Promise<void>;
  /** Stops between folds (and is passed to each fit). */
  readonly signal?: AbortSignal;
}

/**
 * One fold's outcome.
 *
 * @example
 * ```ts
 * onFold: (f: FoldResult) => console.log(f.fold, f.metrics.rocAuc, f.fitSeconds)
 * ```
 */
export interface FoldResult {
  readonly fold: number;
  readonly nTrain: number;
  readonly nTest: number;
  /** Metric values by key ("rocAuc", "precisionAtRecall@0.8"). */
  readonly metrics: Readonly<Record<string, number>>;
  readonly fitSeconds: number;
  readonly scoreSeconds: number;
}

/**
 * Out-of-fold predictions: each row predicted by the model that did not see it.
 *
 * @example
 * ```ts
 * const { proba, fold } = (await crossValidate(pipeline, frame, { target: "churn" })).oof;
 * ```
 */
export interface OutOfFold {
  readonly task: Task;
  readonly classes: readonly string[];
  /** Fold that predicted each row; -1 for rows in no validation fold (TimeSeriesSplit). */
  readonly fold: Int32Array;
  /** Classifiers: row-major `nRows × classes.length` probabilities (NaN where fold is -1). */
  readonly proba?: Float64Array;
  /** Regressors: the predicted value (NaN where fold is -1). */
  readonly prediction?: Float64Array;
}

/**
 * What {@link crossValidate} returns.
 *
 * @example
 * ```ts
 * const { mean, std, folds } = await crossValidate(pipeline, frame, { target: "churn" });
 * ```
 */
export interface CrossValidateResult {
  readonly folds: readonly FoldResult[];
  /** Mean over folds of each metric. */
  readonly mean: Readonly<Record<string, number>>;
  /** Standard deviation over folds (population, ddof = 0, like numpy's default). */
  readonly std: Readonly<Record<string, number>>;
  readonly oof: OutOfFold;
  /** How the folds ran; "sequential" in this version (see the note on crossValidate). */
  readonly execution: "sequential";
}

/**
 * K-fold cross-validation of a whole estimator — typically a Pipeline whose transformers end
 * in a model — fitted from scratch inside every fold on the training rows only, so nothing
 * the transformers learn (imputation values, category lists, target encodings) leaks from the
 * validation rows. Returns per-fold metrics, their mean and std, and out-of-fold predictions.
 *
 * Folds run one after another in this process. Running them on worker threads would need
 * an unfitted estimator that can be rebuilt inside a worker; the estimator contract only
 * serialises fitted state, so that is left for when it does (a model may still use threads
 * inside its own fit).
 *
 * @example
 * ```ts
 * const result = await crossValidate(pipeline, frame, {
 *   target: "churn",
 *   positive: "Yes",
 *   cv: new StratifiedKFold({ nSplits: 5, shuffle: true, seed: 7 }),
 *   metrics: ["rocAuc", { metric: "precisionAtRecall", recall: 0.8 }],
 *   onFold: (f) => trial.report(f.metrics.rocAuc!, f.fold),
 * });
 * result.mean.rocAuc; // e.g. 0.84
 * ```
 */
export async function crossValidate(
  estimator: Estimator<FittedModel>,
  frame: Frame,
  options: CrossValidateOptions,
): Promise<CrossValidateResult> {
  const { target, seed = 0 } = options;
  const targetColumn = frame.column(target);
  const metrics = (options.metrics ?? ["rocAuc"]).map((spec, i) =>
    resolveMetric(spec, `crossValidate metrics[${i}]`),
  );
  const splitter = defaultSplitter(options.cv ?? 5, targetColumn, seed);
  const labels = labelsOf(targetColumn);
  const folds = splitter.split({
    nRows: frame.nRows,
    y: labels,
    ...(options.groups ? { groups: groupsOf(frame.column(options.groups)) } : {}),
  });
  // The group column only decides the folds; a model that saw customer ids would learn them.
  const x = frame.drop(
    options.groups && options.groups !== target ? [target, options.groups] : [target],
  );
  const results: FoldResult[] = [];
  const oof = new OutOfFoldBuilder(frame.nRows);
  for (const [k, { train, test }] of folds.entries()) {
    throwIfAborted(options.signal);
    const started = performance.now();
    const { fit, valid } = innerSplit(
      train,
      labels,
      targetColumn,
      options.validationFraction,
      seed + k,
    );
    const model = await estimator.fit(x.take(fit), takeColumn(frame, target, fit), {
      seed: seed + k,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(valid ? { validation: { x: x.take(valid), y: takeColumn(frame, target, valid) } } : {}),
    });
    const fitted = performance.now();
    const xTest = x.take(test);
    const predictions = predictFold(model, xTest, test, labels, targetColumn, options);
    const values = scoreFold(metrics, predictions, k);
    oof.add(k, test, model, predictions);
    const result: FoldResult = {
      fold: k,
      nTrain: train.length,
      nTest: test.length,
      metrics: values,
      fitSeconds: (fitted - started) / 1000,
      scoreSeconds: (performance.now() - fitted) / 1000,
    };
    results.push(result);
    await options.onFold?.(result);
  }
  const keys = metrics.map((m) => m.key);
  return {
    folds: results,
    mean: Object.fromEntries(keys.map((key) => [key, mean(results.map((r) => r.metrics[key]!))])),
    std: Object.fromEntries(keys.map((key) => [key, std(results.map((r) => r.metrics[key]!))])),
    oof: oof.build(),
    execution: "sequential",
  };
}

function defaultSplitter(cv: Splitter | number, target: Column, seed: number): Splitter {
  if (typeof cv !== "number") return cv;
  const classification =
    target.kind === "categorical" || target.kind === "boolean" || target.kind === "string";
  return classification
    ? new StratifiedKFold({ nSplits: cv, shuffle: true, seed })
    : new KFold({ nSplits: cv, shuffle: true, seed });
}

/** Group ids for a splitter: numbers stay numbers (sorted by value), anything else is a label. */
function groupsOf(column: Column): ArrayLike<number | string | null> {
  return column.kind === "numeric" ? column.values : labelsOf(column);
}

/** The fold's training rows, less an inner validation part when `fraction` asks for one. */
function innerSplit(
  train: Int32Array,
  labels: readonly (string | null)[],
  target: Column,
  fraction: number | undefined,
  seed: number,
): { fit: Int32Array; valid?: Int32Array } {
  if (fraction === undefined) return { fit: train };
  const classification = target.kind !== "numeric" && target.kind !== "timestamp";
  const split = trainTestSplit(train.length, {
    testSize: fraction,
    seed,
    ...(classification ? { stratify: Array.from(train, (i) => labels[i] ?? null) } : {}),
  });
  return {
    fit: Int32Array.from(split.trainIndex, (j) => train[j]!),
    valid: Int32Array.from(split.testIndex, (j) => train[j]!),
  };
}

function takeColumn(frame: Frame, name: string, rows: Int32Array): Column {
  return frame.select([name]).take(rows).column(name);
}

function predictFold(
  model: FittedModel,
  xTest: Frame,
  test: Int32Array,
  labels: readonly (string | null)[],
  targetColumn: Column,
  options: CrossValidateOptions,
): Predictions {
  if (model.task === "regression") {
    if (targetColumn.kind !== "numeric") {
      throw new KeelError(
        "KEEL_ERR_TARGET_INVALID",
        `crossValidate: a regression model needs a numeric target; '${options.target}' is ${targetColumn.kind}.`,
        { details: { target: options.target, kind: targetColumn.kind } },
      );
    }
    return {
      task: "regression",
      classes: [],
      yTrue: Float64Array.from(test, (i) => targetColumn.values[i]!),
      predicted: model.predict(xTest),
    };
  }
  return fromProba(
    model.task,
    model.classes,
    Array.from(test, (i) => labels[i] ?? null),
    model.predictProba(xTest),
    options,
  );
}

function scoreFold(metrics: NamedMetric[], p: Predictions, fold: number): Record<string, number> {
  const values: Record<string, number> = {};
  for (const metric of metrics) {
    try {
      values[metric.key] = metric.compute(p);
    } catch (error) {
      if (error instanceof KeelError) {
        throw new KeelError(error.code, `crossValidate fold ${fold}: ${error.message}`, {
          details: { ...error.details, fold },
          cause: error,
        });
      }
      throw error;
    }
  }
  return values;
}

class OutOfFoldBuilder {
  readonly #n: number;
  readonly #fold: Int32Array;
  #task: Task | undefined;
  #classes: readonly string[] = [];
  #values: Float64Array | undefined;

  constructor(n: number) {
    this.#n = n;
    this.#fold = new Int32Array(n).fill(-1);
  }

  add(k: number, test: Int32Array, model: FittedModel, p: Predictions): void {
    if (this.#task === undefined) {
      this.#task = model.task;
      this.#classes = model.classes;
      const width = model.task === "regression" ? 1 : model.classes.length;
      this.#values = new Float64Array(this.#n * width).fill(Number.NaN);
    } else if (model.classes.join("\u0000") !== this.#classes.join("\u0000")) {
      throw new KeelError(
        "KEEL_ERR_TARGET_INVALID",
        `crossValidate: fold ${k}'s model has classes ${describeValue(model.classes)} but fold 0's had ${describeValue(this.#classes)}; a class is missing from some training fold (use a stratified splitter or fewer folds).`,
        { details: { fold: k, classes: model.classes, expected: this.#classes } },
      );
    }
    const values = this.#values!;
    const width = this.#task === "regression" ? 1 : this.#classes.length;
    const source = this.#task === "regression" ? p.predicted : p.proba!;
    test.forEach((row, j) => {
      this.#fold[row] = k;
      for (let c = 0; c < width; c++) values[row * width + c] = source[j * width + c]!;
    });
  }

  build(): OutOfFold {
    const task = this.#task ?? "regression";
    const values = this.#values ?? new Float64Array(0);
    return task === "regression"
      ? { task, classes: [], fold: this.#fold, prediction: values }
      : { task, classes: this.#classes, fold: this.#fold, proba: values };
  }
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new KeelError("KEEL_ERR_CANCELLED", "crossValidate was cancelled between folds.", {
      cause: signal.reason,
    });
  }
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function std(values: readonly number[]): number {
  const m = mean(values);
  return Math.sqrt(values.reduce((a, v) => a + (v - m) ** 2, 0) / values.length);
}
