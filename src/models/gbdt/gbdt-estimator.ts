import {
  type Column,
  type Estimator,
  type FitOptions,
  type Frame,
  KeelError,
  type Logger,
  nullLogger,
  type ParamsInput,
  type StateValue,
  type Task,
} from "../../core/index.js";
import { requireRows } from "../../transform/index.js";
import {
  checkSampleWeight,
  classWeights,
  encodeClassTarget,
  encodeKnownClasses,
  regressionTarget,
  requireTarget,
} from "../target.js";
import { binFeatures, binWithMappers } from "./binning.js";
import { boost } from "./booster.js";
import type { EvalMetricName } from "./eval-metrics.js";
import {
  type FeatureSpec,
  type FeatureValues,
  featureSpecsOf,
  featureValues,
} from "./feature-input.js";
import { FittedGbdt } from "./gbdt-model.js";
import { type ObjectiveName, objectiveFor } from "./objectives.js";
import { type GbdtParams, gbdtParams } from "./params.js";

/** Params a caller may pass to the GBDT estimators (camelCase names or their aliases). */
export type GbdtParamsInput = ParamsInput<typeof gbdtParams.specs>;

/**
 * Gradient-boosted trees for binary and multiclass classification (log loss, softmax), on the
 * histogram method with native categorical splits and learned missing-value directions.
 *
 * @example
 * ```ts
 * const clf = new GbdtClassifier({ nEstimators: 200, maxDepth: 6, learningRate: 0.1 });
 * const model = await clf.fit(frame.drop(["churn"]), frame.column("churn"));
 * model.predictProba(frame);
 * ```
 */
export class GbdtClassifier implements Estimator<FittedGbdt> {
  readonly type = "GbdtClassifier";
  readonly params: GbdtParams;

  constructor(params: GbdtParamsInput | Readonly<Record<string, unknown>> = {}) {
    this.params = gbdtParams.parse(params);
  }

  /** Trains on `x` and the class labels `y`; see {@link FitOptions} for weights and validation. */
  fit(x: Frame, y?: Column, options: FitOptions = {}): FittedGbdt {
    return fitGbdt("GbdtClassifier", this.params, x, requireTarget(y), options);
  }

  /** A new classifier with some params replaced. */
  withParams(patch: Readonly<Record<string, unknown>>): GbdtClassifier {
    return new GbdtClassifier({ ...this.params, ...patch });
  }
}

/**
 * Gradient-boosted trees for regression: squared error, absolute error, Huber or Poisson.
 *
 * @example
 * ```ts
 * const model = await new GbdtRegressor({ objective: "huber" }).fit(x, frame.column("charges"));
 * model.predict(x);
 * ```
 */
export class GbdtRegressor implements Estimator<FittedGbdt> {
  readonly type = "GbdtRegressor";
  readonly params: GbdtParams;

  constructor(params: GbdtParamsInput | Readonly<Record<string, unknown>> = {}) {
    this.params = gbdtParams.parse(params);
  }

  /** Trains on `x` and the numeric target `y`. */
  fit(x: Frame, y?: Column, options: FitOptions = {}): FittedGbdt {
    return fitGbdt("GbdtRegressor", this.params, x, requireTarget(y), options);
  }

  /** A new regressor with some params replaced. */
  withParams(patch: Readonly<Record<string, unknown>>): GbdtRegressor {
    return new GbdtRegressor({ ...this.params, ...patch });
  }
}

function resolveObjective(
  type: FittedGbdt["type"],
  params: GbdtParams,
  nClasses: number,
): ObjectiveName {
  const o = params.objective;
  if (type === "GbdtClassifier") {
    if (o !== "auto" && o !== "binary" && o !== "softmax") {
      throw new KeelError(
        "KEEL_ERR_INVALID_PARAM",
        `The 'objective' parameter of GbdtClassifier must be 'auto', 'binary' or 'softmax'. Got '${o}' instead.`,
        { details: { param: "objective", received: o } },
      );
    }
    const fits = nClasses === 2 ? "binary" : "softmax";
    // An explicit objective that does not fit the classes is refused, not swapped for the one
    // that does: the bundle would otherwise record an objective it was not trained with.
    if (o !== "auto" && o !== fits) {
      throw new KeelError(
        "KEEL_ERR_INVALID_PARAM",
        `The 'objective' parameter '${o}' fits a ${o === "binary" ? "two-class" : "three-or-more-class"} target; this one has ${nClasses} classes. Use '${fits}' or 'auto'.`,
        { details: { param: "objective", received: o, classes: nClasses } },
      );
    }
    return fits;
  }
  if (o === "binary" || o === "softmax") {
    throw new KeelError(
      "KEEL_ERR_INVALID_PARAM",
      `The 'objective' parameter of GbdtRegressor must be a regression loss. Got '${o}' instead.`,
      { details: { param: "objective", received: o } },
    );
  }
  return o === "auto" ? "squaredError" : o;
}

/** The early-stopping metrics that mean something for each task (XGBoost's per-objective sets). */
const METRICS_FOR_TASK: Readonly<Record<Task, readonly EvalMetricName[]>> = {
  binary: ["logloss", "auc", "error"],
  multiclass: ["mlogloss"],
  regression: ["rmse", "mae"],
};

/**
 * The validation metric: the task's default for 'auto', otherwise the one asked for if it fits
 * the task. A metric that does not fit (AUC on a regressor, logloss on three classes) would
 * score garbage and stop boosting after one round, so it is refused.
 */
function resolveEvalMetric(
  params: GbdtParams,
  objective: ObjectiveName,
  task: Task,
): EvalMetricName {
  if (params.evalMetric === "auto") {
    if (objective === "binary") return "logloss";
    if (objective === "softmax") return "mlogloss";
    return objective === "absoluteError" ? "mae" : "rmse";
  }
  const allowed = METRICS_FOR_TASK[task];
  if (!allowed.includes(params.evalMetric)) {
    throw new KeelError(
      "KEEL_ERR_INVALID_PARAM",
      `The 'evalMetric' parameter '${params.evalMetric}' does not fit a ${task} task; use ${allowed
        .map((m) => `'${m}'`)
        .join(", ")} or 'auto'.`,
      { details: { param: "evalMetric", received: params.evalMetric, task, allowed } },
    );
  }
  return params.evalMetric;
}

/**
 * Parameters that would be silently ignored for this task or growth policy are refused: a
 * parameter either acts or says why it cannot.
 */
function checkParamsApply(type: FittedGbdt["type"], params: GbdtParams, task: Task): void {
  const refuse = (param: string, why: string): never => {
    throw new KeelError("KEEL_ERR_INVALID_PARAM", `The '${param}' parameter ${why}`, {
      details: { param, task, estimator: type },
    });
  };
  if (type === "GbdtRegressor" && params.positiveClass !== undefined)
    refuse("positiveClass", "only applies to classifiers; GbdtRegressor has no classes.");
  if (type === "GbdtRegressor" && params.classWeight !== undefined)
    refuse("classWeight", "only applies to classifiers; use sampleWeight for a regressor.");
  if (params.scalePosWeight !== 1 && task !== "binary")
    refuse(
      "scalePosWeight",
      `only applies to binary targets; this one is ${task}. Use classWeight for several classes.`,
    );
  // Both reweight the positive class; multiplied together they give a weight nobody asked for
  // (classWeight "balanced" × scalePosWeight 3 triples the balanced weight), so one must go.
  if (params.scalePosWeight !== 1 && params.classWeight !== undefined)
    refuse(
      "scalePosWeight",
      "and 'classWeight' both reweight the classes and would multiply; set one of them (scalePosWeight is XGBoost's, classWeight scikit-learn's).",
    );
  if (params.huberDelta !== gbdtParams.specs.huberDelta.default && params.objective !== "huber")
    refuse(
      "huberDelta",
      `only applies to the 'huber' objective; this model's objective is '${params.objective}'.`,
    );
  if (params.maxDepth === 0 && params.growPolicy === "depthwise" && params.numLeaves === undefined)
    refuse(
      "maxDepth",
      "is 0 (unlimited) under growPolicy 'depthwise' with no numLeaves cap, which grows every tree until the rows run out; set maxDepth, numLeaves, or growPolicy 'lossguide'.",
    );
}

/** Labels an objective cannot fit (XGBoost: "PoissonRegression: label must be nonnegative"). */
function checkLabels(objective: ObjectiveName, y: Float64Array): void {
  if (objective !== "poisson") return;
  for (let i = 0; i < y.length; i++) {
    if (y[i]! < 0) {
      throw new KeelError(
        "KEEL_ERR_TARGET_INVALID",
        `The 'poisson' objective needs labels of at least 0 (counts or rates). Got ${y[i]} at row ${i}.`,
        { details: { objective, row: i, value: y[i] } },
      );
    }
  }
}

/**
 * The leaf cap of each tree: `numLeaves` when given (it caps depthwise trees too, as XGBoost's
 * `max_leaves` does), else 31 under 'lossguide' (LightGBM's default) and none under 'depthwise'.
 */
function resolveMaxLeaves(params: GbdtParams): number {
  if (params.numLeaves !== undefined) return params.numLeaves;
  if (params.growPolicy === "lossguide") return 31;
  return Number.POSITIVE_INFINITY;
}

/** Drops features with no observed value, warning once with their names. */
function usableFeatures(
  specs: FeatureSpec[],
  values: FeatureValues[],
  logger: Logger,
): { specs: FeatureSpec[]; values: FeatureValues[] } {
  const keep: number[] = [];
  const dropped: string[] = [];
  values.forEach((v, f) => {
    const arr = v.kind === "numeric" ? v.values : v.codes;
    let observed = false;
    for (let i = 0; i < arr.length && !observed; i++)
      observed = v.kind === "numeric" ? !Number.isNaN(arr[i]!) : arr[i]! >= 0;
    if (observed) keep.push(f);
    else dropped.push(specs[f]!.name);
  });
  if (dropped.length > 0) {
    logger.warn(`Dropped ${dropped.length} all-missing feature(s): ${dropped.join(", ")}.`, {
      dropped,
    });
  }
  return { specs: keep.map((f) => specs[f]!), values: keep.map((f) => values[f]!) };
}

function fitGbdt(
  type: FittedGbdt["type"],
  params: GbdtParams,
  x: Frame,
  yColumn: Column,
  options: FitOptions,
): FittedGbdt {
  const logger = options.logger ?? nullLogger;
  requireRows(x, type);
  let task: Task = "regression";
  let classes: string[] = [];
  let y: Float64Array;
  if (type === "GbdtClassifier") {
    const target = encodeClassTarget(yColumn, params.positiveClass);
    classes = target.classes;
    y = target.y;
    task = classes.length === 2 ? "binary" : "multiclass";
  } else {
    y = regressionTarget(yColumn);
  }
  if (y.length !== x.nRows) {
    throw new KeelError(
      "KEEL_ERR_COLUMN_LENGTH",
      `The target has ${y.length} rows but the features have ${x.nRows}.`,
      { details: { target: y.length, features: x.nRows } },
    );
  }
  const objectiveName = resolveObjective(type, params, classes.length);
  const objective = objectiveFor(objectiveName, {
    nClasses: classes.length,
    huberDelta: params.huberDelta,
  });
  checkParamsApply(type, params, task);
  checkLabels(objectiveName, y);
  const evalMetric = resolveEvalMetric(params, objectiveName, task);
  const weight = rowWeights(y, classes, params, options.sampleWeight, task);
  const allSpecs = featureSpecsOf(x);
  const { specs, values } = usableFeatures(allSpecs, featureValues(x, allSpecs, type), logger);
  if (specs.length === 0 && allSpecs.length > 0)
    throw new KeelError(
      "KEEL_ERR_INVALID_ARGUMENT",
      `No usable features: every feature column (${allSpecs.map((s) => `'${s.name}'`).join(", ")}) is missing in every row, so there is nothing to split on. Fill them in or train on other columns.`,
      { details: { parameter: "x", allMissing: allSpecs.map((s) => s.name) } },
    );
  const data = binFeatures(
    values,
    specs.map((s) => s.categories?.length ?? 0),
    params.maxBins,
    params.seed,
    objective.nOutputs,
  );
  const validation = options.validation
    ? validationSet(options.validation, specs, data.mappers, type, classes, params, task)
    : undefined;
  if (params.earlyStoppingRounds !== undefined && validation === undefined) {
    throw new KeelError(
      "KEEL_ERR_INVALID_PARAM",
      "The 'earlyStoppingRounds' parameter needs a validation set (FitOptions.validation, or --valid on the CLI).",
      { details: { param: "earlyStoppingRounds" } },
    );
  }
  const result = boost({
    data,
    y,
    weight,
    objective,
    rules: {
      growPolicy: params.growPolicy,
      maxDepth: params.maxDepth,
      maxLeaves: resolveMaxLeaves(params),
      learningRate: params.learningRate,
      lambda: params.lambda,
      alpha: params.alpha,
      minChildWeight: params.minChildWeight,
      minDataInLeaf: params.minDataInLeaf,
      minSplitGain: params.minSplitGain,
      maxCatToOnehot: params.maxCatToOnehot,
      catSmooth: params.catSmooth,
      catL2: params.catL2,
      maxCatThreshold: params.maxCatThreshold,
      minDataPerGroup: params.minDataPerGroup,
      catPenalty: params.catPenalty,
    },
    nEstimators: params.nEstimators,
    subsample: params.subsample,
    colsampleBytree: params.colsampleBytree,
    seed: params.seed,
    nThreads: params.nThreads,
    ...(validation ? { validation } : {}),
    evalMetric,
    ...(params.earlyStoppingRounds !== undefined
      ? { earlyStoppingRounds: params.earlyStoppingRounds }
      : {}),
    logger,
    ...(options.progress ? { progress: options.progress } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  logger.debug("gbdt timers", result.timers);
  return new FittedGbdt({
    type,
    task,
    classes,
    features: specs,
    featureNamesIn: x.columnNames,
    objective: objectiveName,
    ensemble: result.ensemble,
    params: stateParams(params),
    evalHistory: result.evalHistory,
    ...(result.trainingScores ? { trainingMargins: result.trainingScores } : {}),
  });
}

function rowWeights(
  y: Float64Array,
  classes: readonly string[],
  params: GbdtParams,
  sampleWeight: Float64Array | undefined,
  task: Task,
): Float64Array {
  const w = Float64Array.from(checkSampleWeight(sampleWeight, y.length));
  if (task !== "regression" && params.classWeight !== undefined) {
    const cw = classWeights(y, classes, params.classWeight);
    for (let i = 0; i < w.length; i++) w[i] = w[i]! * cw[i]!;
  }
  if (task === "binary" && params.scalePosWeight !== 1) {
    for (let i = 0; i < w.length; i++) if (y[i] === 1) w[i] = w[i]! * params.scalePosWeight;
  }
  return w;
}

function validationSet(
  validation: NonNullable<FitOptions["validation"]>,
  specs: readonly FeatureSpec[],
  mappers: Parameters<typeof binWithMappers>[1],
  type: FittedGbdt["type"],
  classes: readonly string[],
  params: GbdtParams,
  task: Task,
): { bins: Uint8Array; y: Float64Array; weight: Float64Array } {
  const missing = specs.filter((s) => !validation.x.has(s.name)).map((s) => s.name);
  if (missing.length > 0) {
    throw new KeelError(
      "KEEL_ERR_SCHEMA_MISMATCH",
      `The validation data lacks ${missing.length} column(s) the model needs: ${missing.map((m) => `'${m}'`).join(", ")}.`,
      { details: { missing, data: "validation" } },
    );
  }
  const bins = binWithMappers(featureValues(validation.x, specs, type), mappers);
  let y: Float64Array;
  if (type === "GbdtClassifier") {
    y = encodeKnownClasses(validation.y, classes, "validation");
  } else {
    y = regressionTarget(validation.y);
  }
  return { bins, y, weight: rowWeights(y, classes, params, undefined, task) };
}

function stateParams(params: GbdtParams): { [key: string]: StateValue } {
  const out: { [key: string]: StateValue } = {};
  for (const [k, v] of Object.entries(params)) if (v !== undefined) out[k] = v as StateValue;
  return out;
}
