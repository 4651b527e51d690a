import {
  type Column,
  describeValue,
  type Estimator,
  type FitOptions,
  type Fitted,
  type Frame,
  KeelError,
} from "../core/index.js";
import {
  type FitTransformResult,
  hasFitTransform,
  inStep,
  inStepAsync,
  unknownStep,
} from "./base.js";
import { FittedPipeline } from "./fitted-pipeline.js";
import { requireRows } from "./input.js";
import { isFittedTransformer } from "./state.js";

/** One named step of a {@link Pipeline}. */
export type PipelineStep = readonly [string, Estimator<Fitted>];

/**
 * A chain of steps fitted in order, as scikit-learn's `Pipeline`: every step but the last is a
 * transformer whose output feeds the next; the last may be a transformer or any model with
 * keel's estimator contract (`fit(x, y)` returning a `FittedModel`). Nested params are
 * addressed by dotted paths, and `withParams` returns a new pipeline.
 *
 * @example
 * ```ts
 * const pipeline = new Pipeline([
 *   ["cols", new ColumnTransformer([["num", new StandardScaler(), selectNumeric()]])],
 *   ["model", new LogisticRegression()],
 * ]);
 * const tuned = pipeline.withParams({ "cols.num.withMean": false, "model.c": 0.5 });
 * const fitted = await tuned.fit(frame.drop(["churn"]), frame.column("churn"));
 * fitted.predictProba(frame);
 * ```
 */
export class Pipeline implements Estimator<FittedPipeline> {
  readonly type = "Pipeline";
  readonly steps: readonly PipelineStep[];

  constructor(steps: readonly PipelineStep[]) {
    if (!Array.isArray(steps) || steps.length === 0) {
      throw new KeelError(
        "KEEL_ERR_INVALID_PARAM",
        `Pipeline: steps must be a non-empty list of [name, estimator] pairs. Got ${describeValue(steps)} instead.`,
        {
          details: {
            estimator: this.type,
            param: "steps",
            expected: "a non-empty list of [name, estimator]",
          },
        },
      );
    }
    const seen = new Set<string>();
    steps.forEach(([name, step], i) => {
      if (
        typeof name !== "string" ||
        name === "" ||
        name.includes(".") ||
        name.includes("__") ||
        seen.has(name)
      ) {
        throw new KeelError(
          "KEEL_ERR_INVALID_PARAM",
          `Pipeline: step ${i} has name ${describeValue(name)}; names must be non-empty, unique and contain no '.' or '__'.`,
          { details: { estimator: this.type, param: `steps[${i}]`, got: name } },
        );
      }
      if (
        typeof step !== "object" ||
        step === null ||
        typeof step.fit !== "function" ||
        typeof step.withParams !== "function"
      ) {
        throw new KeelError(
          "KEEL_ERR_INVALID_PARAM",
          `Pipeline: step '${name}' must be an estimator (with fit and withParams). Got ${describeValue(step)} instead.`,
          { details: { estimator: this.type, stepPath: name, expected: "an estimator" } },
        );
      }
      seen.add(name);
    });
    this.steps = steps;
  }

  /**
   * Every step's params by dotted path (`cols.num.scale.withMean`, `model.learningRate`), the
   * flat view that tuning and run tracking log.
   *
   * @example
   * ```ts
   * pipeline.params["model.learningRate"]; // 0.3
   * ```
   */
  get params(): Readonly<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    for (const [name, step] of this.steps) {
      for (const [key, value] of Object.entries(step.params)) out[`${name}.${key}`] = value;
    }
    return out;
  }

  /**
   * A new pipeline with params replaced by dotted path; a bare step name replaces the step.
   * The pipeline itself is not changed. Bad values are reported with the step path.
   *
   * @example
   * ```ts
   * pipeline.withParams({ "cols.num.scale.withMean": false, model: new GbdtClassifier() });
   * ```
   */
  withParams(patch: Readonly<Record<string, unknown>>): Pipeline {
    const names = this.steps.map(([name]) => name);
    const nested = new Map<string, Record<string, unknown>>();
    const replaced = new Map<string, Estimator<Fitted>>();
    for (const [key, value] of Object.entries(patch)) {
      const dot = key.indexOf(".");
      const head = dot < 0 ? key : key.slice(0, dot);
      if (!names.includes(head)) throw unknownStep(this.type, key, names);
      if (dot < 0) replaced.set(head, value as Estimator<Fitted>);
      else nested.set(head, { ...nested.get(head), [key.slice(dot + 1)]: value });
    }
    return new Pipeline(
      this.steps.map(([name, step]): PipelineStep => {
        const base = replaced.get(name) ?? step;
        const patchFor = nested.get(name);
        return [
          name,
          patchFor === undefined ? base : inStep(name, () => base.withParams(patchFor)),
        ];
      }),
    );
  }

  /**
   * Fits the steps in order (awaiting each) and returns a new fitted pipeline. `y` and the fit
   * options reach every step; a validation set is transformed by the fitted preprocessing
   * before it reaches the last step.
   *
   * @example
   * ```ts
   * const fitted = await pipeline.fit(x, y, { seed: 7 });
   * ```
   */
  async fit(x: Frame, y?: Column, options?: FitOptions): Promise<FittedPipeline> {
    return (await this.#fit(x, y, options, false)).fitted;
  }

  /**
   * Fits and returns the training-time output of a pipeline of transformers.
   *
   * @example
   * ```ts
   * const { fitted, output } = await pipeline.fitTransform(x);
   * ```
   */
  async fitTransform(
    x: Frame,
    y?: Column,
    options?: FitOptions,
  ): Promise<FitTransformResult<FittedPipeline>> {
    const { fitted, output } = await this.#fit(x, y, options, true);
    if (output === undefined) {
      throw new KeelError(
        "KEEL_ERR_UNSUPPORTED",
        `Pipeline: fitTransform needs a transformer as the last step; '${fitted.steps.at(-1)?.[0]}' is a model.`,
        { details: { estimator: this.type } },
      );
    }
    return { fitted, output };
  }

  async #fit(
    x: Frame,
    y: Column | undefined,
    options: FitOptions | undefined,
    wantLastOutput: boolean,
  ): Promise<{ fitted: FittedPipeline; output?: Frame }> {
    requireRows(x, this.type);
    const fittedSteps: [string, Fitted][] = [];
    let current = x;
    let validation = options?.validation;
    for (let s = 0; s < this.steps.length; s++) {
      const [name, step] = this.steps[s] as PipelineStep;
      const isLast = s === this.steps.length - 1;
      const stepOptions: FitOptions | undefined =
        options === undefined ? undefined : { ...options, ...(validation ? { validation } : {}) };
      if (!isLast || wantLastOutput) {
        const input = current;
        const result = await inStepAsync(name, async () => {
          if (hasFitTransform(step)) return step.fitTransform(input, y, stepOptions);
          const fitted = await step.fit(input, y, stepOptions);
          if (!isFittedTransformer(fitted)) return { fitted, output: undefined };
          return { fitted, output: fitted.transform(input) };
        });
        if (result.output === undefined || !isFittedTransformer(result.fitted)) {
          if (isLast) {
            fittedSteps.push([name, result.fitted]);
            return { fitted: new FittedPipeline(fittedSteps) };
          }
          throw new KeelError(
            "KEEL_ERR_INVALID_ARGUMENT",
            `Pipeline: step '${name}' (${step.type}) is not a transformer, but only the last step may be a model.`,
            {
              details: {
                estimator: this.type,
                stepPath: name,
                got: step.type,
                expected: "a transformer",
              },
            },
          );
        }
        const fitted = result.fitted;
        fittedSteps.push([name, fitted]);
        current = result.output;
        if (validation !== undefined) {
          const v = validation;
          validation = { x: inStep(name, () => fitted.transform(v.x)), y: v.y };
        }
      } else {
        const input = current;
        fittedSteps.push([
          name,
          await inStepAsync(name, async () => step.fit(input, y, stepOptions)),
        ]);
      }
    }
    return { fitted: new FittedPipeline(fittedSteps), output: current };
  }
}
