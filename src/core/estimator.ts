import type { CellValue, Column } from "./column.js";
import type { Frame, FrameRecord } from "./frame.js";
import type { Logger, Progress } from "./logger.js";

/** A value or a promise of it: transformers fit synchronously, models may use worker threads. */
export type MaybePromise<T> = T | Promise<T>;

/** The learning task of a model. */
export type Task = "binary" | "multiclass" | "regression";

/** JSON values, plus typed arrays which {@link encodeState} stores as binary buffers. */
export type StateValue =
  | null
  | boolean
  | number
  | string
  | Float64Array
  | Float32Array
  | Int32Array
  | Uint32Array
  | Int8Array
  | Uint8Array
  | Uint16Array
  | readonly StateValue[]
  | { readonly [key: string]: StateValue };

/**
 * The serialised form of a fitted estimator: its type, a format version, the params it was
 * built with, and its fitted state. Loading it back gives an object with identical output.
 */
export interface EstimatorState {
  readonly type: string;
  readonly version: number;
  readonly params: { readonly [key: string]: StateValue };
  readonly state: StateValue;
}

/** Options every `fit` accepts. */
export interface FitOptions {
  /** Per-row weights. */
  readonly sampleWeight?: Float64Array;
  /** Seed for any randomness; estimators with a `seed` param use that first. */
  readonly seed?: number;
  readonly logger?: Logger;
  readonly progress?: Progress;
  /** Aborts long fits (tuning timeouts, pruning, Ctrl-C). */
  readonly signal?: AbortSignal;
  /** A validation set for early stopping, already in the estimator's input space. */
  readonly validation?: { readonly x: Frame; readonly y: Column };
}

/**
 * An unfitted estimator, scikit-learn's contract in TypeScript: built from one plain params
 * object, `fit` returns a new fitted object and never mutates the estimator, and
 * `withParams` returns a new estimator.
 *
 * @example
 * ```ts
 * const imputer: Estimator<FittedTransformer> = new SimpleImputer({ strategy: "median" });
 * const fitted = await imputer.fit(frame);
 * const tuned = imputer.withParams({ strategy: "mean" }); // imputer itself is unchanged
 * ```
 */
export interface Estimator<TFitted = Fitted> {
  /** The class name, also the `type` of the fitted state ("SimpleImputer"). */
  readonly type: string;
  /** The validated params, defaults filled in. */
  readonly params: Readonly<Record<string, unknown>>;
  /** Fits on `x` (and `y` for supervised estimators). */
  fit(x: Frame, y?: Column, options?: FitOptions): MaybePromise<TFitted>;
  /** A new estimator with some params replaced (dotted paths reach nested steps). */
  withParams(patch: Readonly<Record<string, unknown>>): Estimator<TFitted>;
}

/** What every fitted object has: its type, the columns it was fitted on, and its state. */
export interface Fitted {
  readonly type: string;
  /** The input columns seen at fit, in order. */
  readonly featureNamesIn: readonly string[];
  /** Serialises the fitted state; the matching loader rebuilds an identical object. */
  toState(): EstimatorState;
}

/**
 * A fitted transformer: frame in, frame out, and the single-record fast path that serving
 * uses, which must give exactly the numbers `transform` gives for the same row.
 *
 * @example
 * ```ts
 * const out = fitted.transform(frame);
 * const one = fitted.transformRecord({ tenure: 3, contract: "One year" });
 * ```
 */
export interface FittedTransformer extends Fitted {
  transform(x: Frame): Frame;
  transformRecord(record: FrameRecord): Record<string, CellValue>;
  /** Output column names, following scikit-learn's `get_feature_names_out`. */
  featureNamesOut(): string[];
}

/**
 * A fitted model. Classifier scores are probabilities in row-major `nRows × classes.length`
 * order; `predict` gives class indices into `classes` for classifiers and values for regressors.
 *
 * @example
 * ```ts
 * const proba = model.predictProba(frame);      // binary: proba[2 * i + 1] = P(positive)
 * const labels = model.predict(frame).map((k) => k);
 * ```
 */
export interface FittedModel extends Fitted {
  readonly task: Task;
  /** Class labels in the order of probability columns (classifiers only; sorted). */
  readonly classes: readonly string[];
  predict(x: Frame): Float64Array;
  predictProba(x: Frame): Float64Array;
}

/** Rebuilds a fitted object from its state. Each module exports a map of these by `type`. */
export type StateLoader<T extends Fitted = Fitted> = (
  state: EstimatorState,
  loaders: StateLoaders,
) => T;

/** Loaders by estimator type, passed explicitly (no global plugin registry). */
export type StateLoaders = Readonly<Record<string, StateLoader>>;
