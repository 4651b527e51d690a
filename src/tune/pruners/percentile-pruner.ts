import { describeValue, KeelError } from "../../core/index.js";
import { type FrozenTrial, type JsonValue, lastStep } from "../frozen-trial.js";
import type { StudyView } from "../samplers/sampler.js";
import type { Pruner } from "./pruner.js";

/**
 * Options shared by {@link PercentilePruner} and {@link MedianPruner}; defaults are Optuna's.
 *
 * @example
 * ```ts
 * new MedianPruner({ nStartupTrials: 5, nWarmupSteps: 10, intervalSteps: 2 });
 * ```
 */
export interface PercentilePrunerOptions {
  /** Completed trials needed before anything is pruned. Default 5. */
  readonly nStartupTrials?: number;
  /** Steps of each trial that are never pruned. Default 0. */
  readonly nWarmupSteps?: number;
  /** Check only every this many steps after the warm-up. Default 1. */
  readonly intervalSteps?: number;
  /** Completed trials that must have reported the step for a comparison. Default 1. */
  readonly nMinTrials?: number;
}

/**
 * Prunes a trial whose best intermediate value so far is worse than the given percentile of
 * the completed trials' values at the same step (Optuna's `PercentilePruner`).
 *
 * @example
 * ```ts
 * const pruner = new PercentilePruner(25, { nWarmupSteps: 5 }); // keep the top quarter
 * ```
 */
export class PercentilePruner implements Pruner {
  readonly #percentile: number;
  readonly #nStartupTrials: number;
  readonly #nWarmupSteps: number;
  readonly #intervalSteps: number;
  readonly #nMinTrials: number;

  constructor(percentile: number, options: PercentilePrunerOptions = {}) {
    if (!(percentile >= 0 && percentile <= 100)) {
      throw new KeelError(
        "KEEL_ERR_INVALID_PARAM",
        `PercentilePruner needs a percentile in [0, 100]. Got ${describeValue(percentile)}.`,
      );
    }
    this.#percentile = percentile;
    this.#nStartupTrials = nonNegativeInt("nStartupTrials", options.nStartupTrials ?? 5);
    this.#nWarmupSteps = nonNegativeInt("nWarmupSteps", options.nWarmupSteps ?? 0);
    this.#intervalSteps = nonNegativeInt("intervalSteps", options.intervalSteps ?? 1);
    this.#nMinTrials = nonNegativeInt("nMinTrials", options.nMinTrials ?? 1);
    if (this.#intervalSteps < 1 || this.#nMinTrials < 1) {
      throw new KeelError("KEEL_ERR_INVALID_PARAM", "intervalSteps and nMinTrials must be >= 1.");
    }
  }

  prune(
    study: StudyView,
    trial: FrozenTrial,
    _record?: (key: string, value: JsonValue) => void,
  ): boolean {
    const completed = study.trials.filter((t) => t.state === "COMPLETE");
    if (completed.length === 0 || completed.length < this.#nStartupTrials) return false;
    const step = lastStep(trial);
    if (step === undefined || step < this.#nWarmupSteps) return false;
    if (!this.#isFirstInInterval(step, trial)) return false;
    const maximize = study.direction === "maximize";
    const best = bestIntermediate(trial, maximize);
    if (Number.isNaN(best)) return true;
    const atStep = completed.flatMap((t) => {
      const v = t.intermediateValues.get(step);
      return v === undefined ? [] : [v];
    });
    if (atStep.length < this.#nMinTrials) return false;
    const p = nanPercentile(atStep, maximize ? 100 - this.#percentile : this.#percentile);
    if (Number.isNaN(p)) return false;
    return maximize ? best < p : best > p;
  }

  /** Checked once per interval: only if no earlier report falls in the current interval. */
  #isFirstInInterval(step: number, trial: FrozenTrial): boolean {
    const nearestLower =
      Math.floor((step - this.#nWarmupSteps) / this.#intervalSteps) * this.#intervalSteps +
      this.#nWarmupSteps;
    let secondLast = -1;
    for (const s of trial.intermediateValues.keys())
      if (s > secondLast && s !== step) secondLast = s;
    return secondLast < nearestLower;
  }
}

/**
 * Prunes a trial whose best intermediate value is worse than the median of the completed
 * trials at the same step: `PercentilePruner(50)`, Optuna's default pruner for most users.
 *
 * @example
 * ```ts
 * const study = await createStudy({ direction: "maximize", pruner: new MedianPruner({ nWarmupSteps: 3 }) });
 * ```
 */
export class MedianPruner extends PercentilePruner {
  constructor(options: PercentilePrunerOptions = {}) {
    super(50, options);
  }
}

function bestIntermediate(trial: FrozenTrial, maximize: boolean): number {
  let best = Number.NaN;
  for (const v of trial.intermediateValues.values()) {
    if (Number.isNaN(v)) continue;
    if (Number.isNaN(best) || (maximize ? v > best : v < best)) best = v;
  }
  return best;
}

/**
 * The q-th percentile (0–100) with linear interpolation, ignoring NaN (numpy's `nanpercentile`).
 *
 * @example
 * ```ts
 * nanPercentile([1, 2, 3, 4], 50); // 2.5
 * ```
 */
export function nanPercentile(values: readonly number[], q: number): number {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const position = ((sorted.length - 1) * q) / 100;
  const lo = Math.floor(position);
  const hi = Math.min(sorted.length - 1, lo + 1);
  const fraction = position - lo;
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * fraction;
}

/**
 * Checks a pruner option is an integer >= 0 and returns it.
 *
 * @example
 * ```ts
 * nonNegativeInt("nWarmupSteps", 3); // 3
 * ```
 */
export function nonNegativeInt(name: string, value: number): number {
  if (!(Number.isInteger(value) && value >= 0)) {
    throw new KeelError(
      "KEEL_ERR_INVALID_PARAM",
      `The pruner option '${name}' must be an integer >= 0. Got ${describeValue(value)}.`,
      { details: { param: name } },
    );
  }
  return value;
}
