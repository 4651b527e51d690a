import { describeValue, KeelError } from "../../core/index.js";
import { type FrozenTrial, type JsonValue, lastStep } from "../frozen-trial.js";
import type { StudyView } from "../samplers/sampler.js";
import type { Pruner } from "./pruner.js";
import { SuccessiveHalvingPruner } from "./successive-halving-pruner.js";

/**
 * Options of {@link HyperbandPruner}; defaults are Optuna's.
 *
 * @example
 * ```ts
 * new HyperbandPruner({ minResource: 1, maxResource: 100, reductionFactor: 3 });
 * ```
 */
export interface HyperbandPrunerOptions {
  /** Steps before the first rung of the most aggressive bracket. Default 1. */
  readonly minResource?: number;
  /** The most steps a trial runs. Default `"auto"`: last step of the first completed trial + 1. */
  readonly maxResource?: number | "auto";
  /** Default 3. */
  readonly reductionFactor?: number;
  readonly bootstrapCount?: number;
}

/**
 * Hyperband as Optuna runs it: several successive-halving brackets with different
 * aggressiveness; each trial is assigned to a bracket by a hash of the study name and its
 * number, and competes only with the trials of its bracket.
 *
 * @example
 * ```ts
 * const pruner = new HyperbandPruner({ minResource: 1, maxResource: 81, reductionFactor: 3 });
 * ```
 */
export class HyperbandPruner implements Pruner {
  readonly #minResource: number;
  #maxResource: number | undefined;
  readonly #reductionFactor: number;
  readonly #bootstrapCount: number;
  #brackets: { budget: number; pruner: SuccessiveHalvingPruner }[] = [];
  #totalBudget = 0;

  constructor(options: HyperbandPrunerOptions = {}) {
    this.#minResource = options.minResource ?? 1;
    const max = options.maxResource ?? "auto";
    this.#reductionFactor = options.reductionFactor ?? 3;
    this.#bootstrapCount = options.bootstrapCount ?? 0;
    const badInt = (v: number, min: number) => !(Number.isInteger(v) && v >= min);
    if (
      badInt(this.#minResource, 1) ||
      (max !== "auto" && badInt(max, this.#minResource)) ||
      badInt(this.#reductionFactor, 2)
    ) {
      throw new KeelError(
        "KEEL_ERR_INVALID_PARAM",
        `HyperbandPruner needs integers minResource >= 1, maxResource >= minResource (or 'auto'), reductionFactor >= 2. Got ${describeValue(options)}.`,
      );
    }
    this.#maxResource = max === "auto" ? undefined : max;
  }

  /** The bracket a trial belongs to (0 is the most aggressive). */
  bracketOf(studyName: string, trialNumber: number): number {
    if (this.#brackets.length === 0) return 0;
    let n = crc32(`${studyName}_${trialNumber}`) % this.#totalBudget;
    for (let id = 0; id < this.#brackets.length; id++) {
      n -= (this.#brackets[id] as { budget: number }).budget;
      if (n < 0) return id;
    }
    return this.#brackets.length - 1;
  }

  prune(
    study: StudyView,
    trial: FrozenTrial,
    record: (key: string, value: JsonValue) => void,
  ): boolean {
    if (this.#brackets.length === 0 && !this.#initialise(study)) return false;
    const id = this.bracketOf(study.studyName, trial.number);
    const bracketView: StudyView = {
      ...study,
      trials: study.trials.filter((t) => this.bracketOf(study.studyName, t.number) === id),
    };
    const bracket = this.#brackets[id] as { pruner: SuccessiveHalvingPruner };
    return bracket.pruner.prune(bracketView, trial, record);
  }

  #initialise(study: StudyView): boolean {
    if (this.#maxResource === undefined) {
      const steps = study.trials
        .filter((t) => t.state === "COMPLETE")
        .flatMap((t) => {
          const s = lastStep(t);
          return s === undefined ? [] : [s];
        });
      if (steps.length === 0) return false;
      this.#maxResource = Math.max(...steps) + 1;
    }
    const n =
      Math.floor(
        Math.log(this.#maxResource / this.#minResource) / Math.log(this.#reductionFactor) + 1e-9,
      ) + 1;
    for (let id = 0; id < n; id++) {
      const s = n - 1 - id;
      const budget = Math.ceil((n * this.#reductionFactor ** s) / (s + 1));
      this.#totalBudget += budget;
      this.#brackets.push({
        budget,
        pruner: new SuccessiveHalvingPruner({
          minResource: this.#minResource,
          reductionFactor: this.#reductionFactor,
          minEarlyStoppingRate: id,
          bootstrapCount: this.#bootstrapCount,
        }),
      });
    }
    return true;
  }
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[i] = c >>> 0;
  }
  return table;
})();

/**
 * CRC-32 of a string's UTF-8 bytes (zlib's, so bracket assignment matches Optuna's).
 *
 * @example
 * ```ts
 * crc32("study_0");
 * ```
 */
export function crc32(text: string): number {
  let c = 0xffffffff;
  for (const byte of Buffer.from(text, "utf8"))
    c = (CRC_TABLE[(c ^ byte) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
