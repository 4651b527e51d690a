import {
  type CellValue,
  type EstimatorState,
  type Fitted,
  type FittedModel,
  type FittedTransformer,
  Frame,
  type FrameRecord,
  KeelError,
  type StateLoader,
  type StateValue,
  type Task,
} from "../core/index.js";
import {
  expectState,
  hasWriteRecord,
  inStep,
  type OutputRecord,
  stateField,
  withStepPath,
} from "./base.js";
import {
  isFittedModel,
  isFittedTransformer,
  loadFitted,
  stateFromValue,
  stateToValue,
} from "./state.js";

/**
 * A fitted {@link Pipeline}. When its last step is a transformer it is a transformer
 * (`transform`, `transformRecord`, `featureNamesOut`); when its last step is a model it
 * predicts (`predict`, `predictProba` and their record variants) by running the fitted
 * preprocessing and then the model, exactly as at training. `finalStepKind` tells which.
 *
 * @example
 * ```ts
 * const fitted = await pipeline.fit(x, y);
 * if (fitted.finalStepKind === "model") fitted.predictProbaRecord({ tenure: 3, contract: "One year" });
 * ```
 */
export class FittedPipeline implements FittedTransformer, FittedModel {
  readonly type = "Pipeline";
  readonly steps: readonly (readonly [string, Fitted])[];
  readonly finalStepKind: "transformer" | "model";
  readonly #transformers: readonly (readonly [string, FittedTransformer])[];
  readonly #model: FittedModel | undefined;

  constructor(steps: readonly (readonly [string, Fitted])[]) {
    this.steps = steps;
    const transformers: [string, FittedTransformer][] = [];
    steps.forEach(([name, fitted], s) => {
      if (isFittedTransformer(fitted)) transformers.push([name, fitted]);
      else if (s < steps.length - 1 || !isFittedModel(fitted)) {
        throw new KeelError(
          "KEEL_ERR_INVALID_ARGUMENT",
          `Pipeline: step '${name}' (${fitted.type}) is neither a transformer nor, as the last step, a model.`,
          { details: { estimator: "Pipeline", stepPath: name, got: fitted.type } },
        );
      }
    });
    const last = steps.at(-1)?.[1];
    this.#model =
      last !== undefined && !isFittedTransformer(last) && isFittedModel(last) ? last : undefined;
    this.finalStepKind = this.#model === undefined ? "transformer" : "model";
    this.#transformers = transformers;
  }

  /** The input columns of the first step. */
  get featureNamesIn(): readonly string[] {
    return this.steps[0]?.[1].featureNamesIn ?? [];
  }

  /**
   * The fitted last step when it is a model (what a model bundle stores next to the preprocessing).
   *
   * @example
   * ```ts
   * fitted.model?.classes;
   * ```
   */
  get model(): FittedModel | undefined {
    return this.#model;
  }

  /** The model's task; only for pipelines that end in a model. */
  get task(): Task {
    return this.#requireModel("task").task;
  }

  /** The model's class labels; only for pipelines that end in a model. */
  get classes(): readonly string[] {
    return this.#requireModel("classes").classes;
  }

  /**
   * Runs every transformer step (all steps when the last is a transformer, all but the model
   * otherwise): the frame the model sees.
   *
   * @example
   * ```ts
   * const features = fitted.preprocess(frame);
   * ```
   */
  preprocess(x: Frame): Frame {
    let current = x;
    for (const [name, step] of this.#transformers) {
      const input = current;
      current = inStep(name, () => step.transform(input));
    }
    return current;
  }

  /**
   * The single-record twin of {@link preprocess}.
   *
   * @example
   * ```ts
   * fitted.preprocessRecord({ tenure: 3, contract: "One year" });
   * ```
   */
  preprocessRecord(record: FrameRecord): OutputRecord {
    let current: FrameRecord = record;
    const steps = this.#transformers;
    for (let s = 0; s < steps.length; s++) {
      const [name, step] = steps[s] as readonly [string, FittedTransformer];
      try {
        current = step.transformRecord(current);
      } catch (error) {
        throw withStepPath(name, error);
      }
    }
    return current as OutputRecord;
  }

  /**
   * Transforms through every step; the last step must be a transformer.
   *
   * @example
   * ```ts
   * fitted.transform(frame);
   * ```
   */
  transform(x: Frame): Frame {
    this.#requireTransformer("transform");
    return this.preprocess(x);
  }

  /**
   * Transforms one record through every step, giving exactly the numbers `transform` gives.
   *
   * @example
   * ```ts
   * fitted.transformRecord(frame.row(0));
   * ```
   */
  transformRecord(record: FrameRecord): Record<string, CellValue> {
    this.#requireTransformer("transformRecord");
    return this.preprocessRecord(record);
  }

  /**
   * Writes one record's outputs into `out` under `names[offset + k]` (see RecordWriter): the
   * steps before the last run as usual, the last writes straight into `out`.
   *
   * @example
   * ```ts
   * fitted.writeRecord(record, out, fitted.featureNamesOut(), 0);
   * ```
   */
  writeRecord(
    record: FrameRecord,
    out: OutputRecord,
    names: readonly string[],
    offset: number,
  ): void {
    this.#requireTransformer("writeRecord");
    const steps = this.#transformers;
    let current: FrameRecord = record;
    for (let s = 0; s < steps.length; s++) {
      const [name, step] = steps[s] as readonly [string, FittedTransformer];
      try {
        if (s < steps.length - 1) current = step.transformRecord(current);
        else if (hasWriteRecord(step)) step.writeRecord(current, out, names, offset);
        else {
          const result = step.transformRecord(current);
          step.featureNamesOut().forEach((inner, k) => {
            out[names[offset + k] as string] = result[inner] ?? null;
          });
        }
      } catch (error) {
        throw withStepPath(name, error);
      }
    }
  }

  /**
   * The names of the last transformer's output (for a model pipeline: the model's inputs).
   *
   * @example
   * ```ts
   * fitted.featureNamesOut(); // ["num__tenure", "cat__contract_One year", …]
   * ```
   */
  featureNamesOut(): string[] {
    const last = this.#transformers.at(-1);
    return last === undefined ? [...this.featureNamesIn] : last[1].featureNamesOut();
  }

  /**
   * Preprocesses then predicts (class indices for classifiers, values for regressors).
   *
   * @example
   * ```ts
   * fitted.predict(frame);
   * ```
   */
  predict(x: Frame): Float64Array {
    const model = this.#requireModel("predict");
    const features = this.preprocess(x);
    return inStep(this.#modelStepName(), () => model.predict(features));
  }

  /**
   * Preprocesses then scores: row-major `nRows × classes.length` probabilities.
   *
   * @example
   * ```ts
   * const p = fitted.predictProba(frame); // binary: p[2 * i + 1] = P(positive)
   * ```
   */
  predictProba(x: Frame): Float64Array {
    const model = this.#requireModel("predictProba");
    const features = this.preprocess(x);
    return inStep(this.#modelStepName(), () => model.predictProba(features));
  }

  /**
   * `predict` for one record.
   *
   * @example
   * ```ts
   * fitted.predictRecord({ tenure: 3, contract: "One year" }); // 0 or 1 for a binary classifier
   * ```
   */
  predictRecord(record: FrameRecord): number {
    const model = this.#requireModel("predictRecord");
    const features = this.#recordFrame(record);
    return inStep(this.#modelStepName(), () => model.predict(features)[0] ?? Number.NaN);
  }

  /**
   * `predictProba` for one record: one probability per class.
   *
   * @example
   * ```ts
   * fitted.predictProbaRecord({ tenure: 3, contract: "One year" }); // Float64Array [0.8, 0.2]
   * ```
   */
  predictProbaRecord(record: FrameRecord): Float64Array {
    const model = this.#requireModel("predictProbaRecord");
    const features = this.#recordFrame(record);
    return inStep(this.#modelStepName(), () => model.predictProba(features));
  }

  /**
   * Serialises every step; loading needs the loaders of every step type (model loaders too).
   *
   * @example
   * ```ts
   * const again = loadFitted(fitted.toState(), { ...transformLoaders, ...modelLoaders });
   * ```
   */
  toState(): EstimatorState {
    return {
      type: this.type,
      version: 1,
      params: { steps: this.steps.map(([name]) => name) },
      state: {
        steps: this.steps.map(
          ([name, fitted]): StateValue => ({ name, fitted: stateToValue(fitted.toState()) }),
        ),
      },
    };
  }

  #recordFrame(record: FrameRecord): Frame {
    const features = this.preprocessRecord(record);
    return Frame.fromRecords([features]);
  }

  #modelStepName(): string {
    return this.steps.at(-1)?.[0] ?? "model";
  }

  #requireModel(what: string): FittedModel {
    if (this.#model === undefined) {
      const [name, last] = this.steps.at(-1) ?? ["?", { type: "?" }];
      throw new KeelError(
        "KEEL_ERR_UNSUPPORTED",
        `Pipeline: ${what} needs a model as the last step; step '${name}' is a ${last.type} transformer. Use transform instead.`,
        {
          details: {
            estimator: "Pipeline",
            stepPath: name,
            expected: "a model as the last step",
            got: last.type,
          },
        },
      );
    }
    return this.#model;
  }

  #requireTransformer(what: string): void {
    if (this.#model !== undefined) {
      const [name, last] = this.steps.at(-1) ?? ["?", { type: "?" }];
      throw new KeelError(
        "KEEL_ERR_UNSUPPORTED",
        `Pipeline: ${what} needs a transformer as the last step; step '${name}' is a ${last.type} model. Use predict, predictProba or preprocess instead.`,
        {
          details: {
            estimator: "Pipeline",
            stepPath: name,
            expected: "a transformer as the last step",
            got: last.type,
          },
        },
      );
    }
  }
}

/**
 * Rebuilds a {@link FittedPipeline}; each step loads with the same loaders, so pass model
 * loaders too when the pipeline ends in a model.
 *
 * @example
 * ```ts
 * loadPipeline(state, { ...transformLoaders, ...modelLoaders });
 * ```
 */
export const loadPipeline: StateLoader<FittedPipeline> = (state, loaders) => {
  expectState(state, "Pipeline", 1);
  const raw = stateField(state, "steps", (v): v is readonly StateValue[] => Array.isArray(v));
  return new FittedPipeline(
    raw.map((value, s) => {
      const path = `$.state.steps[${s}]`;
      const record = (value ?? {}) as { readonly [key: string]: StateValue };
      if (typeof record.name !== "string") {
        throw new KeelError("KEEL_ERR_STATE_INVALID", `${path}.name: expected a step name.`, {
          details: { path },
        });
      }
      return [
        record.name,
        loadFitted(stateFromValue(record.fitted, `${path}.fitted`), loaders),
      ] as const;
    }),
  );
};
