import { describeValue, KeelError } from "../../core/index.js";
import {
  type FrozenTrial,
  type JsonValue,
  lastStep,
  type StudyDirection,
} from "../frozen-trial.js";
import type { StudyView } from "../samplers/sampler.js";
import { nonNegativeInt } from "./percentile-pruner.js";
import type { Pruner } from "./pruner.js";

/**
 * Options of {@link SuccessiveHalvingPruner}; defaults are Optuna's.
 *
 * @example
 * ```ts
 * new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 3 });
 * ```
 */
export interface SuccessiveHalvingPrunerOptions {
  /**
   * Steps before the first rung. Default `"auto"`: max(last step of the longest completed
   * trial / 100, 1), and no pruning until a trial completed.
   */
  readonly minResource?: number | "auto";
  /** Only the best 1/reductionFactor of the trials at a rung go on. Default 4. */
  readonly reductionFactor?: number;
  /** Rungs to skip: the first rung is at minResource · reductionFactor^rate. Default 0. */
  readonly minEarlyStoppingRate?: number;
  /** Trials that must reach a rung before anyone is promoted past it. Default 0. */
  readonly bootstrapCount?: number;
}

const rungKey = (rung: number) => `keel:completedRung${rung}`;

/**
 * Asynchronous successive halving (ASHA), as Optuna's `SuccessiveHalvingPruner`: at rung r
 * (step minResource · reductionFactor^(minEarlyStoppingRate + r)) a trial goes on only if its
 * value is in the top 1/reductionFactor of the values other trials had at that rung.
 *
 * @example
 * ```ts
 * const pruner = new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 4 });
 * ```
 */
export class SuccessiveHalvingPruner implements Pruner {
  #minResource: number | undefined;
  readonly #reductionFactor: number;
  readonly #minEarlyStoppingRate: number;
  readonly #bootstrapCount: number;

  constructor(options: SuccessiveHalvingPrunerOptions = {}) {
    const min = options.minResource ?? "auto";
    if (min !== "auto" && !(Number.isInteger(min) && min >= 1)) {
      throw new KeelError(
        "KEEL_ERR_INVALID_PARAM",
        `minResource must be 'auto' or an integer >= 1. Got ${describeValue(min)}.`,
      );
    }
    this.#minResource = min === "auto" ? undefined : min;
    this.#reductionFactor = nonNegativeInt("reductionFactor", options.reductionFactor ?? 4);
    if (this.#reductionFactor < 2) {
      throw new KeelError("KEEL_ERR_INVALID_PARAM", "reductionFactor must be an integer >= 2.");
    }
    this.#minEarlyStoppingRate = nonNegativeInt(
      "minEarlyStoppingRate",
      options.minEarlyStoppingRate ?? 0,
    );
    this.#bootstrapCount = nonNegativeInt("bootstrapCount", options.bootstrapCount ?? 0);
  }

  prune(
    study: StudyView,
    trial: FrozenTrial,
    record: (key: string, value: JsonValue) => void,
  ): boolean {
    const step = lastStep(trial);
    if (step === undefined) return false;
    let rung = 0;
    while (rungKey(rung) in trial.systemAttrs) rung++;
    const value = trial.intermediateValues.get(step) as number;
    for (;;) {
      this.#minResource ??= estimateMinResource(study.trials);
      if (this.#minResource === undefined) return false;
      const promotionStep =
        this.#minResource * this.#reductionFactor ** (this.#minEarlyStoppingRate + rung);
      if (step < promotionStep) return false;
      if (Number.isNaN(value)) return true;
      record(rungKey(rung), value);
      const competing = study.trials.flatMap((t) => {
        const v = t.systemAttrs[rungKey(rung)];
        return typeof v === "number" ? [v] : [];
      });
      competing.push(value);
      if (competing.length <= this.#bootstrapCount) return true;
      if (!promotable(value, competing, this.#reductionFactor, study.direction)) return true;
      rung++;
    }
  }
}

function estimateMinResource(trials: readonly FrozenTrial[]): number | undefined {
  let longest: number | undefined;
  for (const t of trials) {
    if (t.state !== "COMPLETE") continue;
    const s = lastStep(t);
    if (s !== undefined && (longest === undefined || s > longest)) longest = s;
  }
  return longest === undefined ? undefined : Math.max(Math.floor(longest / 100), 1);
}

/** In the top 1/reductionFactor of the competing values (the first trial at a rung always is). */
function promotable(
  value: number,
  competing: number[],
  reductionFactor: number,
  direction: StudyDirection,
): boolean {
  let index = Math.floor(competing.length / reductionFactor) - 1;
  if (index === -1) index = 0;
  competing.sort((a, b) => a - b);
  return direction === "maximize"
    ? value >= (competing[competing.length - 1 - index] as number)
    : value <= (competing[index] as number);
}
