import { describeValue, KeelError, type Logger } from "../core/index.js";
import {
  type CategoricalChoice,
  categoricalDistribution,
  checkCompatible,
  contains,
  type Distribution,
  describeDistribution,
  floatDistribution,
  intDistribution,
  type NumericSuggestOptions,
  type ParamValue,
  sameDistribution,
} from "./distributions.js";
import type { FrozenTrial, JsonValue } from "./frozen-trial.js";
import type { Pruner } from "./pruners/pruner.js";
import type { Sampler, StudyView } from "./samplers/sampler.js";
import type { TrialPatch } from "./storage.js";

/**
 * Thrown by an objective to say "this trial was pruned": the study records it as `PRUNED`,
 * not as a failure.
 *
 * @example
 * ```ts
 * if (trial.shouldPrune()) throw new TrialPruned(`pruned at step ${step}`);
 * ```
 */
export class TrialPruned extends KeelError {
  constructor(message = "The trial was pruned.") {
    super("KEEL_ERR_TRIAL_PRUNED", message);
    this.name = "TrialPruned";
  }
}

/**
 * What a {@link Trial} needs from its study; built by the study, not by users.
 *
 * @example
 * ```ts
 * // Built by Study#ask; users receive the Trial, not its context.
 * ```
 */
export interface TrialContext {
  readonly view: StudyView;
  readonly sampler: Sampler;
  readonly pruner: Pruner;
  /** Distributions the study has seen per name, to refuse a changed range. */
  readonly knownDistributions: ReadonlyMap<string, Distribution>;
  /** Parameters chosen by `sampleRelative` when the trial started. */
  readonly relativeParams: Readonly<Record<string, ParamValue>>;
  readonly relativeSpace: Readonly<Record<string, Distribution>>;
  readonly signal: AbortSignal;
  /** Receives warnings (a step reported twice, an enqueued value outside its range). */
  readonly logger: Logger;
  /** Values an enqueued trial was given (`study.enqueueTrial`). */
  readonly fixedParams?: Readonly<Record<string, ParamValue>>;
}

/**
 * One evaluation of the objective. Define-by-run: the objective asks for parameters as it
 * goes (`suggestFloat`, `suggestInt`, `suggestCategorical`), reports intermediate values and
 * asks whether to stop. Suggesting the same name again returns the same value. Writes are
 * buffered and reach the storage when the trial is told its result.
 *
 * @example
 * ```ts
 * await study.optimize((trial) => {
 *   const x = trial.suggestFloat("x", -10, 10);
 *   const kind = trial.suggestCategorical("kind", ["a", "b"]);
 *   return (x - 2) ** 2 + (kind === "a" ? 0 : 1);
 * }, { nTrials: 20 });
 * ```
 */
export class Trial {
  readonly #frozen: FrozenTrial;
  readonly #context: TrialContext;
  readonly #params: Record<string, ParamValue>;
  readonly #distributions: Record<string, Distribution>;
  readonly #intermediate: Map<number, number>;
  readonly #userAttrs: Record<string, JsonValue> = {};
  readonly #systemAttrs: Record<string, JsonValue> = {};
  #pending: {
    params: Record<string, { distribution: Distribution; value: ParamValue }>;
    intermediate: Map<number, number>;
  } = { params: {}, intermediate: new Map() };

  constructor(frozen: FrozenTrial, context: TrialContext) {
    this.#frozen = frozen;
    this.#context = context;
    this.#params = { ...frozen.params };
    this.#distributions = { ...frozen.distributions };
    this.#intermediate = new Map(frozen.intermediateValues);
  }

  /** 0, 1, 2, … within the study. */
  get number(): number {
    return this.#frozen.number;
  }

  /** The storage's id of this trial. */
  get trialId(): string {
    return this.#frozen.trialId;
  }

  /** Parameters suggested so far. */
  get params(): Readonly<Record<string, ParamValue>> {
    return { ...this.#params };
  }

  /** Values reported so far, by step. */
  get intermediateValues(): ReadonlyMap<number, number> {
    return new Map(this.#intermediate);
  }

  /** User attributes set so far. */
  get userAttrs(): Readonly<Record<string, JsonValue>> {
    return structuredClone(this.#userAttrs);
  }

  /** Aborted when the study's `timeoutMs` passes: long objectives should check it. */
  get signal(): AbortSignal {
    return this.#context.signal;
  }

  /**
   * A float in `[low, high]`; `log` samples on a log scale, `step` on a grid.
   *
   * @example
   * ```ts
   * const lr = trial.suggestFloat("learningRate", 1e-3, 0.3, { log: true });
   * ```
   */
  suggestFloat(
    name: string,
    low: number,
    high: number,
    options: NumericSuggestOptions = {},
  ): number {
    return this.#suggest(name, floatDistribution(name, low, high, options)) as number;
  }

  /**
   * An integer in `[low, high]`; `log` samples on a log scale, `step` on a grid.
   *
   * @example
   * ```ts
   * const depth = trial.suggestInt("maxDepth", 2, 10);
   * ```
   */
  suggestInt(name: string, low: number, high: number, options: NumericSuggestOptions = {}): number {
    return this.#suggest(name, intDistribution(name, low, high, options)) as number;
  }

  /**
   * One of `choices`.
   *
   * @example
   * ```ts
   * const booster = trial.suggestCategorical("booster", ["gbtree", "dart"] as const);
   * ```
   */
  suggestCategorical<const T extends CategoricalChoice>(name: string, choices: readonly T[]): T {
    return this.#suggest(name, categoricalDistribution(name, choices)) as T;
  }

  /**
   * Records an intermediate value (a validation score after `step` epochs or rounds) for
   * pruners and plots. A step reported again keeps its first value and the study's logger
   * warns (Optuna 3.1's rule: what the pruner already judged stays as it was). A
   * multi-objective study refuses it (`KEEL_ERR_UNSUPPORTED`), as Optuna 3.1 does: pruning
   * compares one value per step, which several objectives do not have.
   *
   * @example
   * ```ts
   * trial.report(valLoss, epoch);
   * ```
   */
  report(value: number, step: number): void {
    this.#refuseMultiObjective("trial.report");
    if (!Number.isInteger(step) || step < 0) {
      throw new KeelError(
        "KEEL_ERR_INVALID_ARGUMENT",
        `trial.report(value, step) needs an integer step >= 0. Got ${describeValue(step)}.`,
        { details: { step: String(step) } },
      );
    }
    if (typeof value !== "number") {
      throw new KeelError(
        "KEEL_ERR_INVALID_ARGUMENT",
        `trial.report(value, step) needs a number value. Got ${describeValue(value)}.`,
      );
    }
    if (this.#intermediate.has(step)) {
      this.#context.logger.warn(
        `Trial ${this.number}: step ${step} was already reported (value ${this.#intermediate.get(step)}); the new value ${value} is ignored.`,
        { trial: this.number, step, kept: this.#intermediate.get(step), ignored: value },
      );
      return;
    }
    this.#intermediate.set(step, value);
    this.#pending.intermediate.set(step, value);
  }

  /**
   * Asks the study's pruner whether this trial should stop now. The objective then throws
   * {@link TrialPruned}. A multi-objective study refuses it (`KEEL_ERR_UNSUPPORTED`), as
   * Optuna 3.1 does.
   *
   * @example
   * ```ts
   * if (trial.shouldPrune()) throw new TrialPruned();
   * ```
   */
  shouldPrune(): boolean {
    this.#refuseMultiObjective("trial.shouldPrune");
    return this.#context.pruner.prune(this.#context.view, this.freeze(), (key, value) =>
      this.setSystemAttr(key, value),
    );
  }

  #refuseMultiObjective(method: string): void {
    const directions = this.#context.view.directions;
    if (directions.length <= 1) return;
    throw new KeelError(
      "KEEL_ERR_UNSUPPORTED",
      `${method}: pruning is not supported for multi-objective studies (this study has ${directions.length} objectives: ${directions.join(", ")}); return the values at the end instead.`,
      { details: { method, directions: [...directions] } },
    );
  }

  /**
   * Attaches a JSON value to the trial (kept in the storage with it).
   *
   * @example
   * ```ts
   * trial.setUserAttr("nRounds", model.nRounds);
   * ```
   */
  setUserAttr(key: string, value: JsonValue): void {
    this.#userAttrs[key] = structuredClone(value);
  }

  /**
   * Attaches a value for keel's own bookkeeping (samplers, pruners, tracking links).
   *
   * @example
   * ```ts
   * trial.setSystemAttr("runId", run.id);
   * ```
   */
  setSystemAttr(key: string, value: JsonValue): void {
    this.#systemAttrs[key] = structuredClone(value);
  }

  /**
   * The trial as it stands now, as samplers and pruners see it.
   *
   * @example
   * ```ts
   * const snapshot = trial.freeze();
   * ```
   */
  freeze(): FrozenTrial {
    return {
      ...this.#frozen,
      params: { ...this.#params },
      distributions: { ...this.#distributions },
      intermediateValues: new Map(this.#intermediate),
      userAttrs: { ...this.#frozen.userAttrs, ...structuredClone(this.#userAttrs) },
      systemAttrs: { ...this.#frozen.systemAttrs, ...structuredClone(this.#systemAttrs) },
    };
  }

  /** The buffered writes since the last call, for the study to hand to the storage. */
  takePatch(): TrialPatch {
    const patch: TrialPatch = {
      params: this.#pending.params,
      intermediateValues: [...this.#pending.intermediate],
      userAttrs: structuredClone(this.#userAttrs),
      systemAttrs: structuredClone(this.#systemAttrs),
    };
    this.#pending = { params: {}, intermediate: new Map() };
    return patch;
  }

  #suggest(name: string, distribution: Distribution): ParamValue {
    const mine = this.#distributions[name];
    if (mine !== undefined) {
      checkCompatible(name, mine, distribution);
      return this.#params[name] as ParamValue;
    }
    const known = this.#context.knownDistributions.get(name);
    if (known !== undefined) checkCompatible(name, known, distribution);
    const context = this.#context;
    const relativeDistribution = context.relativeSpace[name];
    let value: ParamValue;
    const fixed = context.fixedParams;
    if (fixed !== undefined && name in fixed && contains(distribution, fixed[name] as ParamValue)) {
      value = fixed[name] as ParamValue;
    } else if (
      name in context.relativeParams &&
      relativeDistribution !== undefined &&
      sameDistribution(relativeDistribution, distribution)
    ) {
      value = context.relativeParams[name] as ParamValue;
    } else {
      if (fixed !== undefined && name in fixed) {
        context.logger.warn(
          `Trial ${this.number}: the enqueued value ${describeValue(fixed[name])} of '${name}' is outside ${describeDistribution(distribution)}; sampling instead.`,
          { trial: this.number, param: name },
        );
      }
      value = context.sampler.sampleIndependent(context.view, this.freeze(), name, distribution);
    }
    this.#params[name] = value;
    this.#distributions[name] = distribution;
    this.#pending.params[name] = { distribution, value };
    return value;
  }
}
