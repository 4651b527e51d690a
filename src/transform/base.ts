import {
  type CellValue,
  type Column,
  closestNames,
  describeValue,
  type Estimator,
  type EstimatorState,
  type FitOptions,
  type FittedTransformer,
  type Frame,
  type FrameRecord,
  isKeelError,
  KeelError,
  type MaybePromise,
  type StateValue,
} from "../core/index.js";

/** A fitted transformer together with its output on the data it was fitted on. */
export interface FitTransformResult<F extends FittedTransformer = FittedTransformer> {
  readonly fitted: F;
  readonly output: Frame;
}

/**
 * The pattern every transformer in keel follows: params validated once at construction and
 * frozen, `withParams` returning a new estimator, `fit` returning a new fitted object and never
 * touching `this`. `fitTransform` exists because some transformers (TargetEncoder) give
 * different, cross-fitted output on their training data, as scikit-learn's `fit_transform` does.
 *
 * @example
 * ```ts
 * class Doubler extends TransformerEstimator<{}, FittedDoubler> {
 *   constructor() { super("Doubler", {}); }
 *   protected rebuild() { return new Doubler(); }
 *   fit(x: Frame) { return new FittedDoubler(x.columnNames); }
 * }
 * ```
 */
export abstract class TransformerEstimator<
  P extends object,
  F extends FittedTransformer = FittedTransformer,
> implements Estimator<F>
{
  readonly type: string;
  readonly params: Readonly<P>;

  protected constructor(type: string, params: P) {
    this.type = type;
    this.params = Object.freeze({ ...params });
  }

  /** Builds a new estimator of the same class from validated-or-not params. */
  protected abstract rebuild(params: Readonly<Record<string, unknown>>): TransformerEstimator<P, F>;

  /** Fits on `x` (and `y` for supervised transformers) and returns a new fitted object. */
  abstract fit(x: Frame, y?: Column, options?: FitOptions): F;

  /**
   * A new estimator with some params replaced; the result is validated like a constructor call.
   *
   * @example
   * ```ts
   * new StandardScaler().withParams({ withMean: false });
   * ```
   */
  withParams(patch: Readonly<Record<string, unknown>>): TransformerEstimator<P, F> {
    for (const key of Object.keys(patch)) {
      if (key.includes(".")) {
        throw new KeelError(
          "KEEL_ERR_INVALID_PARAM",
          `${this.type} has no nested steps, so the dotted parameter '${key}' cannot be set on it.`,
          {
            details: {
              estimator: this.type,
              param: key,
              expected: "a parameter name without dots",
            },
          },
        );
      }
    }
    return this.rebuild({ ...(this.params as Record<string, unknown>), ...patch });
  }

  /**
   * Fits and transforms the training data in one call.
   *
   * @example
   * ```ts
   * const { fitted, output } = new StandardScaler().fitTransform(frame);
   * ```
   */
  fitTransform(x: Frame, y?: Column, options?: FitOptions): FitTransformResult<F> {
    const fitted = this.fit(x, y, options);
    return { fitted, output: fitted.transform(x) };
  }
}

/**
 * True when an estimator offers `fitTransform` (every transformer built on
 * {@link TransformerEstimator} does), so containers can use its training-time output.
 *
 * @example
 * ```ts
 * if (hasFitTransform(step)) ({ fitted, output } = step.fitTransform(x, y));
 * ```
 */
export function hasFitTransform(
  estimator: Estimator<unknown>,
): estimator is Estimator<FittedTransformer> & {
  fitTransform(x: Frame, y?: Column, options?: FitOptions): MaybePromise<FitTransformResult>;
} {
  return typeof (estimator as { fitTransform?: unknown }).fitTransform === "function";
}

/**
 * Runs `body` and, if it throws a KeelError, rethrows it with `step` prepended to its step
 * path, so an error deep inside nested containers says where it happened
 * ("step 'prep.num.scale': StandardScaler: column 'contract' must be ...").
 *
 * @example
 * ```ts
 * const fitted = inStep("scale", () => scaler.fit(frame));
 * ```
 */
export function inStep<T>(step: string, body: () => T): T {
  try {
    return body();
  } catch (error) {
    throw withStepPath(step, error);
  }
}

/**
 * The async twin of {@link inStep}, for steps whose fit returns a promise (models).
 *
 * @example
 * ```ts
 * const model = await inStepAsync("model", async () => gbdt.fit(x, y));
 * ```
 */
export async function inStepAsync<T>(step: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    throw withStepPath(step, error);
  }
}

/**
 * The error `inStep` throws: a KeelError with `step` prepended to its step path; anything else
 * unchanged. For hot paths that cannot afford a closure per call.
 *
 * @example
 * ```ts
 * try { out = step.transformRecord(record); } catch (error) { throw withStepPath("scale", error); }
 * ```
 */
export function withStepPath(step: string, error: unknown): unknown {
  if (!isKeelError(error)) return error;
  const inner = typeof error.details.stepPath === "string" ? error.details.stepPath : undefined;
  const base =
    typeof error.details.baseMessage === "string" ? error.details.baseMessage : error.message;
  const stepPath = inner === undefined ? step : `${step}.${inner}`;
  return new KeelError(error.code, `step '${stepPath}': ${base}`, {
    details: { ...error.details, stepPath, baseMessage: base },
    cause: error,
  });
}

/**
 * Checks that a loaded state has the expected type and a version this code can read.
 *
 * @example
 * ```ts
 * expectState(state, "StandardScaler", 1);
 * ```
 */
export function expectState(state: EstimatorState, type: string, version: number): void {
  if (state.type !== type || state.version > version) {
    throw new KeelError(
      "KEEL_ERR_STATE_INVALID",
      `Expected ${type} state version ≤ ${version}. Got ${describeValue(state.type)} version ${describeValue(state.version)} instead.`,
      { details: { expected: type, got: state.type, version: state.version } },
    );
  }
}

/**
 * Reads a field of serialised state, checking its shape, with the JSON path in the error.
 *
 * @example
 * ```ts
 * const mean = stateField(state, "mean", (v): v is Float64Array => v instanceof Float64Array);
 * ```
 */
export function stateField<T extends StateValue>(
  state: EstimatorState,
  key: string,
  is: (value: StateValue | undefined) => value is T,
): T {
  const record = state.state;
  const value =
    record !== null &&
    typeof record === "object" &&
    !ArrayBuffer.isView(record) &&
    !Array.isArray(record)
      ? (record as { readonly [key: string]: StateValue })[key]
      : undefined;
  if (!is(value)) {
    throw new KeelError(
      "KEEL_ERR_STATE_INVALID",
      `${state.type} state: $.state.${key} is missing or malformed. Got ${describeValue(value)}.`,
      { details: { estimator: state.type, path: `$.state.${key}` } },
    );
  }
  return value;
}

/**
 * Type guards for {@link stateField}.
 *
 * @example
 * ```ts
 * stateField(state, "mean", is.float64);
 * ```
 */
export const is = {
  float64: (v: StateValue | undefined): v is Float64Array => v instanceof Float64Array,
  int32: (v: StateValue | undefined): v is Int32Array => v instanceof Int32Array,
  strings: (v: StateValue | undefined): v is readonly string[] =>
    Array.isArray(v) && v.every((x) => typeof x === "string"),
  stringLists: (v: StateValue | undefined): v is readonly (readonly string[])[] =>
    Array.isArray(v) && v.every((x) => Array.isArray(x) && x.every((y) => typeof y === "string")),
  float64s: (v: StateValue | undefined): v is readonly Float64Array[] =>
    Array.isArray(v) && v.every((x) => x instanceof Float64Array),
  booleans: (v: StateValue | undefined): v is readonly boolean[] =>
    Array.isArray(v) && v.every((x) => typeof x === "boolean"),
  numbers: (v: StateValue | undefined): v is readonly number[] =>
    Array.isArray(v) && v.every((x) => typeof x === "number"),
  boolean: (v: StateValue | undefined): v is boolean => typeof v === "boolean",
  number: (v: StateValue | undefined): v is number => typeof v === "number",
  string: (v: StateValue | undefined): v is string => typeof v === "string",
};

/**
 * Params as StateValue: drops `undefined` entries, which JSON cannot hold.
 *
 * @example
 * ```ts
 * paramsState({ strategy: "mean", fillValue: undefined }); // { strategy: "mean" }
 * ```
 */
export function paramsState(params: object): { [key: string]: StateValue } {
  const out: { [key: string]: StateValue } = {};
  for (const [k, v] of Object.entries(params)) if (v !== undefined) out[k] = v as StateValue;
  return out;
}

/**
 * The columns of the frame in the fitted order, checking each is present; the shared
 * "transform on a frame missing a fitted column" error.
 *
 * @example
 * ```ts
 * requireColumns(frame, ["tenure"], "StandardScaler");
 * ```
 */
export function requireColumns(frame: Frame, names: readonly string[], owner: string): void {
  const missing = names.filter((n) => !frame.has(n));
  if (missing.length > 0) {
    throw new KeelError(
      "KEEL_ERR_SCHEMA_MISMATCH",
      `${owner}: column${missing.length > 1 ? "s" : ""} ${missing.map((m) => `'${m}'`).join(", ")} ${missing.length > 1 ? "were" : "was"} seen at fit but ${missing.length > 1 ? "are" : "is"} missing from the frame (expected columns: ${names.map((n) => `'${n}'`).join(", ")}).`,
      { details: { estimator: owner, column: missing[0], missing, expected: [...names] } },
    );
  }
}

/** Record output type shared by every transformer. */
export type OutputRecord = Record<string, CellValue>;

/** A record input type alias, re-exported for transformer files. */
export type InputRecord = FrameRecord;

/**
 * The error for a dotted parameter whose first segment names no step.
 *
 * @example
 * ```ts
 * throw unknownStep("Pipeline", "modle.learningRate", ["prep", "model"]);
 * ```
 */
export function unknownStep(owner: string, key: string, names: readonly string[]): KeelError {
  const head = key.split(".")[0] ?? key;
  const suggestions = closestNames(head, names);
  return new KeelError(
    "KEEL_ERR_INVALID_PARAM",
    `${owner} has no step named '${head}' (parameter '${key}'). Steps: ${names.map((n) => `'${n}'`).join(", ")}.${suggestions.length > 0 ? ` Did you mean '${suggestions[0]}'?` : ""}`,
    { details: { estimator: owner, param: key, expected: [...names], got: head } },
  );
}

/**
 * The allocation-free half of `transformRecord`: writes the outputs for one record into `out`
 * under `names[offset + k]` for the k-th output, so containers (ColumnTransformer, Pipeline)
 * can fill one result object instead of copying each part's. Used by serving's hot path.
 */
export interface RecordWriter {
  writeRecord(
    record: FrameRecord,
    out: OutputRecord,
    names: readonly string[],
    offset: number,
  ): void;
}

/**
 * The record path every record-writing fitted transformer shares: `transformRecord` clones a
 * cached output template (keys in `featureNamesOut()` order) and lets `writeRecord` fill it, so
 * one record and a batch go through the same per-row code.
 *
 * @example
 * ```ts
 * class FittedDoubler extends RecordWritingTransformer {
 *   featureNamesOut() { return ["x2"]; }
 *   writeRecord(record: FrameRecord, out: OutputRecord, names: readonly string[], offset: number) {
 *     out[names[offset] as string] = 2 * Number(record.x);
 *   }
 * }
 * new FittedDoubler().transformRecord({ x: 3 }); // { x2: 6 }
 * ```
 */
export abstract class RecordWritingTransformer implements RecordWriter {
  #template: RecordTemplate | undefined;

  abstract featureNamesOut(): string[];

  abstract writeRecord(
    record: FrameRecord,
    out: OutputRecord,
    names: readonly string[],
    offset: number,
  ): void;

  /** Transforms one record; gives exactly the numbers `transform` gives for the same row. */
  transformRecord(record: FrameRecord): OutputRecord {
    this.#template ??= new RecordTemplate(this.featureNamesOut());
    const out = this.#template.create();
    this.writeRecord(record, out, this.#template.names, 0);
    return out;
  }
}

/**
 * True when a fitted transformer implements {@link RecordWriter}.
 *
 * @example
 * ```ts
 * if (hasWriteRecord(step)) step.writeRecord(record, out, names, 0);
 * ```
 */
export function hasWriteRecord(fitted: object): fitted is RecordWriter {
  return typeof (fitted as Partial<RecordWriter>).writeRecord === "function";
}

/**
 * Builds record outputs of a fixed key order quickly: cloning a template object with every key
 * already present avoids a hidden-class transition per key.
 *
 * @example
 * ```ts
 * const template = new RecordTemplate(["a", "b"]);
 * const out = template.create(); // { a: null, b: null }
 * ```
 */
export class RecordTemplate {
  readonly names: readonly string[];
  readonly #template: OutputRecord;

  constructor(names: readonly string[]) {
    this.names = names;
    // Object.fromEntries gives a fast-mode object; one filled by keyed stores turns into a
    // dictionary, and cloning that is ten times slower (measured on V8 12).
    this.#template = Object.fromEntries(names.map((name) => [name, null]));
  }

  /** A fresh output object with every key set to null, in order. */
  create(): OutputRecord {
    return { ...this.#template };
  }
}
